//! Memory for fresh results.
//!
//! A fresh result is an ordinary `Vec<T>` from the global allocator (it is
//! handed to the caller, who frees it the ordinary way), allocated zeroed.
//! A large zeroed allocation comes straight from the OS (glibc's calloc
//! maps fresh pages for it and does not write them), so its pages are
//! faulted in by the threads that write the result, in parallel. With 4 KiB
//! pages that is one fault per 4 KiB, and on a 1e7-element float64 result
//! the ~20,000 faults (and the unmapping of as many pages when the result
//! is freed) cost several times the evaluation itself.
//!
//! On Linux, [`zeroed`] therefore asks for transparent huge pages
//! (`madvise(MADV_HUGEPAGE)`) on the 2 MiB-aligned interior of a large
//! buffer before anything writes it: the writers then fault in 2 MiB at a
//! time. This is advice only: it does not change the allocation (its
//! address, size or layout), works whether THP is set to `always` or
//! `madvise`, and is ignored where THP is disabled. Elsewhere it is a
//! no-op.
//!
//! Measured on the project's 2-core machine (THP `madvise`, shared and
//! loaded; `numjet bench 'a + b*2' --n 1e7 --threads 2 --repeat 20
//! [--fresh]`, before and after binaries alternated, medians of 7 runs):
//! fresh 107 ms (78-121) before, 31 ms (21-40) after, against 17-18 ms
//! into a preallocated output; page faults per fresh call fall from
//! ~19,500 to ~600. At 1e6 (8 MB) nothing changes (1.09 ms both): after the
//! first free glibc serves that size from its heap, already mapped, and
//! the remaining cost over `eval_into` (~0.1-0.4 ms) is calloc zeroing the
//! reused block on the calling thread.
//!
//! What is left at 1e7 is the kernel zeroing 80 MB of fresh pages (in the
//! writer threads) and unmapping them at free. A pool of reusable buffers
//! would avoid that only if results came back to the engine; a result is a
//! plain `Vec` that the caller frees, so callers that evaluate repeatedly
//! should use `Kernel::eval_into`. With THP `defrag` set to `madvise` (a
//! common default) a huge-page fault may compact memory directly when no
//! free 2 MiB page is at hand; the kernel falls back to small pages when
//! that fails.

use crate::array::ArrayData;
use crate::dtype::DType;
use crate::mem::AllocError;

/// Buffers of at least this many bytes get the huge-page advice. Below it
/// the allocation usually comes from the allocator's heap (glibc maps
/// blocks above its adaptive threshold, at most 32 MiB, and reuses freed
/// heap memory, whose pages are already mapped), and there are at most a
/// few aligned 2 MiB pages inside anyway.
pub(crate) const HUGE_ADVICE_MIN: usize = 4 << 20;

/// Size of a transparent huge page on x86-64 and most aarch64 kernels.
const HUGE_PAGE: usize = 2 << 20;

/// `n` zeros of `dtype` for a fresh result (see the module docs), or the
/// allocator's refusal.
pub(crate) fn zeroed(dtype: DType, n: usize) -> Result<ArrayData, AllocError> {
    let d = ArrayData::try_zeros(dtype, n)?;
    let (ptr, bytes) = span(&d);
    if bytes >= HUGE_ADVICE_MIN {
        advise_huge(ptr, bytes);
    }
    Ok(d)
}

/// The address and byte length of `d`'s buffer.
fn span(d: &ArrayData) -> (usize, usize) {
    let r = d.as_ref();
    (r.as_ptr() as usize, r.len() * r.dtype().size())
}

/// The 2 MiB-aligned pages lying wholly inside `addr..addr + bytes`, as
/// (start, length); `None` if there are none.
fn huge_interior(addr: usize, bytes: usize) -> Option<(usize, usize)> {
    let start = addr.checked_add(HUGE_PAGE - 1)? & !(HUGE_PAGE - 1);
    let end = addr.checked_add(bytes)? & !(HUGE_PAGE - 1);
    (end > start).then(|| (start, end - start))
}

/// Advises the kernel to back the aligned interior of `addr..addr + bytes`
/// with transparent huge pages. Failure (no THP support, an old kernel) is
/// ignored: the memory then stays on ordinary pages.
#[cfg(target_os = "linux")]
fn advise_huge(addr: usize, bytes: usize) {
    let Some((start, len)) = huge_interior(addr, bytes) else {
        return;
    };
    // SAFETY: `start..start + len` lies inside one live allocation that we
    // own (the result buffer, `addr..addr + bytes`), and `start` is
    // page-aligned as madvise requires. MADV_HUGEPAGE only sets a flag on
    // the mapping: it does not change the memory's contents (the zeros
    // already there, read or not), its address or its accessibility, so no
    // Rust reference to the buffer is invalidated. The call may split the
    // allocator's mapping into several VMAs; freeing the buffer (munmap of
    // the whole block, or reuse within the heap) is unaffected.
    let _ = unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
}

#[cfg(not(target_os = "linux"))]
fn advise_huge(_addr: usize, _bytes: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_is_the_aligned_whole_pages() {
        let m = HUGE_PAGE;
        assert_eq!(huge_interior(m, 2 * m), Some((m, 2 * m)));
        assert_eq!(huge_interior(m + 16, 2 * m), Some((2 * m, m)));
        assert_eq!(huge_interior(m + 16, 2 * m - 32), None);
        assert_eq!(huge_interior(16, m), None);
        assert_eq!(huge_interior(usize::MAX - 10, 5), None);
    }

    #[test]
    fn fresh_buffers_are_zero_whatever_the_advice() {
        for (dtype, n) in [(DType::Float64, 3 << 20), (DType::Bool, 5 << 20), (DType::Int32, 10), (DType::Float32, 0)] {
            let d = zeroed(dtype, n).unwrap();
            assert_eq!(d.len(), n);
            let (_, bytes) = span(&d);
            assert_eq!(bytes, n * dtype.size());
            let r = d.as_ref();
            assert!((0..r.len()).all(|i| r.get(i).bits() == 0));
        }
    }
}
