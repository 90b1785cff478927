//! Memory: the bound on what one evaluation may allocate, and allocation
//! that fails with an error instead of aborting the process.
//!
//! Rust's ordinary allocation (`vec![0; n]`, `Vec::with_capacity`) aborts
//! the process when the allocator refuses, and on Linux with overcommit a
//! huge allocation may instead succeed and the process be killed later,
//! when its pages are first touched. numjet therefore does two things
//! with every buffer whose size depends on its input (results, scratch and
//! gather buffers, the interpreter's columns, `.npy` data, the command
//! line's constructors):
//!
//! - **It checks the size against a limit before allocating**
//!   ([`crate::Config::memory_limit`], default [`default_limit`]: half the
//!   machine's physical memory, or of the cgroup's limit where that is
//!   smaller). An evaluation computes what it will need (its result, the
//!   results of axis reductions, per-thread scratch) and is refused with
//!   [`crate::Error::Memory`] before anything is allocated; the caret is
//!   under the operation of the largest buffer (the whole program for an
//!   input). Half, because the inputs usually live in the same memory: a
//!   result as large as its inputs fits. `Kernel::memory_needed` tells
//!   what an evaluation would need, and `tests/memory_peak.rs` checks the
//!   plans against the process's peak resident memory.
//! - **It allocates fallibly** ([`try_zeroed`], [`try_vec`]), so an
//!   allocator that refuses a size under the limit (a `ulimit -v`, a
//!   fragmented 32-bit address space, a limit set above the machine) is an
//!   error too, never an abort.
//!
//! Bookkeeping that is not proportional to the elements (one small record
//! per 8,192-element piece of a reduction, the program's nodes, compiled
//! code) is not counted; it is bounded by the program-text limit or is a
//! small fraction of the data. Two copies are bounded by memory the caller
//! already holds rather than by the limit: `ndarray::arg`'s copy of a view
//! that is not one block (each element once), and `NpyArray::into_array`'s
//! C-order copy of a Fortran-order file (the file's own size).

use std::sync::OnceLock;

/// Used when the physical memory cannot be read (other systems than
/// Linux): a limit of 4 GiB.
const FALLBACK_LIMIT: usize = 4 << 30;

/// A buffer could not be allocated: the allocator refused `bytes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocError {
    pub bytes: u128,
}

impl std::fmt::Display for AllocError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the allocator refused {} of memory", fmt_bytes(self.bytes))
    }
}

/// Element types whose all-zero bit pattern is a valid value (`false`, 0,
/// +0.0): what [`try_zeroed`] may hand out. Sealed: only the element types
/// of numjet's arrays.
pub trait Zeroed: Copy + sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

macro_rules! zeroed_types {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Zeroed for $t {}
    )*};
}
zeroed_types!(bool, i8, i16, i32, i64, u8, u16, u32, u64, usize, f32, f64, crate::dtype::F16, crate::dtype::Complex<f32>, crate::dtype::Complex<f64>);

/// `n` zeros, allocated zeroed by the global allocator (so a large buffer
/// comes as fresh pages that nothing has written yet: the threads that
/// fill a result fault them in, in parallel), or an [`AllocError`] where a
/// plain `vec![0; n]` would abort.
pub fn try_zeroed<T: Zeroed>(n: usize) -> Result<Vec<T>, AllocError> {
    let refused = AllocError { bytes: n as u128 * size_of::<T>() as u128 };
    let layout = std::alloc::Layout::array::<T>(n).map_err(|_| refused)?;
    if layout.size() == 0 {
        return Ok(Vec::new());
    }
    // SAFETY: `layout` has a non-zero size (checked above), as
    // `alloc_zeroed` requires.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return Err(refused);
    }
    // SAFETY: `ptr` was allocated by the global allocator (the one `Vec`
    // uses) with the layout of `[T; n]`, which is `Vec`'s layout for
    // capacity `n`: size `n * size_of::<T>()` and `T`'s alignment. All `n`
    // elements are initialised: the memory is zeroed and the all-zero bit
    // pattern is a valid `T` (`Zeroed` is implemented only for such
    // types). The `Vec` takes ownership and frees it with the same layout.
    Ok(unsafe { Vec::from_raw_parts(ptr.cast::<T>(), n, n) })
}

/// An empty vector with room for `n` elements, or an [`AllocError`].
pub fn try_vec<T>(n: usize) -> Result<Vec<T>, AllocError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| AllocError { bytes: n as u128 * size_of::<T>().max(1) as u128 })?;
    Ok(v)
}

/// `n` copies of `x`, or an [`AllocError`].
pub fn try_filled<T: Clone>(n: usize, x: T) -> Result<Vec<T>, AllocError> {
    let mut v = try_vec(n)?;
    v.resize(n, x);
    Ok(v)
}

/// The default memory limit of an evaluation: half of [`physical_memory`]
/// (4 GiB where it cannot be read). Computed once per process.
pub fn default_limit() -> usize {
    static LIMIT: OnceLock<usize> = OnceLock::new();
    *LIMIT.get_or_init(|| physical_memory().map_or(FALLBACK_LIMIT, |b| usize::try_from(b / 2).unwrap_or(usize::MAX)))
}

/// The memory this process can use: the machine's physical memory
/// (`MemTotal`), or the cgroup's memory limit where that is smaller (a
/// container). `None` where it cannot be read (not Linux).
pub fn physical_memory() -> Option<u64> {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| meminfo_total(&s))?;
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let cgroup = cgroup_limit(&own, |path| std::fs::read_to_string(path).ok());
    Some(cgroup.map_or(total, |c| c.min(total)))
}

/// The smallest memory limit on this process's cgroup and its ancestors,
/// from `/proc/self/cgroup` (`proc_cgroup`) and the limit files `read`
/// gives: `memory.max` under `/sys/fs/cgroup` (cgroup v2, the `0::` line)
/// or `memory.limit_in_bytes` under `/sys/fs/cgroup/memory` (v1, the line
/// naming the `memory` controller). "max" and unreadable files are no
/// limit.
fn cgroup_limit(proc_cgroup: &str, read: impl Fn(&str) -> Option<String>) -> Option<u64> {
    let mut best: Option<u64> = None;
    for line in proc_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let (root, file) = if controllers.is_empty() {
            ("/sys/fs/cgroup", "memory.max")
        } else if controllers.split(',').any(|c| c == "memory") {
            ("/sys/fs/cgroup/memory", "memory.limit_in_bytes")
        } else {
            continue;
        };
        let mut dir = path.trim_end_matches('/').to_string();
        loop {
            if let Some(v) = read(&format!("{root}{dir}/{file}")).and_then(|s| s.trim().parse::<u64>().ok()) {
                best = Some(best.map_or(v, |b| b.min(v)));
            }
            if dir.is_empty() {
                break;
            }
            dir.truncate(dir.rfind('/').unwrap_or(0));
        }
    }
    best
}

/// `MemTotal` of a `/proc/meminfo` text, in bytes.
fn meminfo_total(meminfo: &str) -> Option<u64> {
    let kb = meminfo.lines().find_map(|l| l.strip_prefix("MemTotal:"))?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()?;
    kb.checked_mul(1024)
}

/// A byte count for people: `512 B`, `1.5 KiB`, `298.0 GiB`.
pub fn fmt_bytes(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Parses a byte count as people write one: `4000000000`, `1e9`, `512M`,
/// `4G`, `4GiB`, `1.5 GB` (K, M, G, T are powers of 1024 with or without
/// `iB`/`B`). `None` for anything else.
pub fn parse_bytes(s: &str) -> Option<usize> {
    let t = s.trim().replace('_', "");
    let split = t.find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E').unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024f64.powi(2),
        "g" | "gb" | "gib" => 1024f64.powi(3),
        "t" | "tb" | "tib" => 1024f64.powi(4),
        _ => return None,
    };
    let v: f64 = num.trim().parse().ok()?;
    let bytes = v * scale;
    (bytes.is_finite() && bytes >= 0.0 && bytes < usize::MAX as f64).then_some(bytes as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_buffers_are_zero_and_sized() {
        let v: Vec<f64> = try_zeroed(1 << 20).unwrap();
        assert_eq!(v.len(), 1 << 20);
        assert!(v.iter().all(|x| x.to_bits() == 0));
        let b: Vec<bool> = try_zeroed(3).unwrap();
        assert_eq!(b, [false; 3]);
        assert!(try_zeroed::<i64>(0).unwrap().is_empty());
    }

    #[test]
    fn impossible_sizes_are_errors_not_aborts() {
        // More than the address space: refused by the layout.
        assert_eq!(try_zeroed::<f64>(usize::MAX / 4).unwrap_err().bytes, (usize::MAX / 4) as u128 * 8);
        // Representable sizes (under `isize::MAX` bytes) far beyond any
        // machine's address space (2^60 to 2^62 bytes): refused by the
        // allocator. (`black_box`: an allocation whose memory is never used
        // may be optimised away as if it had succeeded.)
        use std::hint::black_box;
        assert!(black_box(try_zeroed::<u8>(black_box(1 << 62))).is_err());
        assert!(black_box(try_vec::<f64>(black_box(1 << 57))).is_err());
        assert!(black_box(try_filled(black_box(1 << 58), 0u32)).is_err());
    }

    #[test]
    fn physical_memory_reads_meminfo() {
        assert_eq!(meminfo_total("MemTotal:       24576000 kB\nMemFree: 1 kB\n"), Some(24576000 * 1024));
        assert_eq!(meminfo_total("MemFree: 1 kB\n"), None);
        assert_eq!(meminfo_total("MemTotal: lots kB\n"), None);
    }

    #[test]
    fn the_cgroup_limit_is_the_smallest_up_the_tree() {
        let files = |entries: &'static [(&'static str, &'static str)]| move |path: &str| entries.iter().find(|(p, _)| *p == path).map(|(_, v)| v.to_string());
        // cgroup v2: the process's own cgroup and its parents.
        let v2 = files(&[
            ("/sys/fs/cgroup/memory.max", "max\n"),
            ("/sys/fs/cgroup/user.slice/memory.max", "8589934592\n"),
            ("/sys/fs/cgroup/user.slice/app.scope/memory.max", "max\n"),
        ]);
        assert_eq!(cgroup_limit("0::/user.slice/app.scope\n", v2), Some(8 << 30));
        // cgroup v1: only the memory controller's line counts.
        let v1 = files(&[
            ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712"),
            ("/sys/fs/cgroup/memory/jobs/7/memory.limit_in_bytes", "1073741824"),
            ("/sys/fs/cgroup/cpu/jobs/7/memory.limit_in_bytes", "1"),
        ]);
        assert_eq!(cgroup_limit("5:cpu,cpuacct:/jobs/7\n4:memory:/jobs/7\n", v1), Some(1 << 30));
        // A namespaced container sees its own cgroup as the root.
        let ns = files(&[("/sys/fs/cgroup/memory.max", "2147483648")]);
        assert_eq!(cgroup_limit("0::/\n", ns), Some(2 << 30));
        assert_eq!(cgroup_limit("garbage\n0::/x\n", files(&[])), None);
    }

    #[test]
    fn byte_counts_print_and_parse() {
        assert_eq!(fmt_bytes(512), "512 B");
        assert_eq!(fmt_bytes(1536), "1.5 KiB");
        assert_eq!(fmt_bytes(320_000_000_000), "298.0 GiB");
        assert_eq!(parse_bytes("4G"), Some(4 << 30));
        assert_eq!(parse_bytes("4 GiB"), Some(4 << 30));
        assert_eq!(parse_bytes("512m"), Some(512 << 20));
        assert_eq!(parse_bytes("1e9"), Some(1_000_000_000));
        assert_eq!(parse_bytes("1_000"), Some(1000));
        assert_eq!(parse_bytes("1.5K"), Some(1536));
        for bad in ["", "G", "-1", "4X", "nan", "1e30G"] {
            assert_eq!(parse_bytes(bad), None, "{bad}");
        }
    }
}
