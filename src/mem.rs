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
//!   under the operation whose result is largest. Half, because the inputs
//!   usually live in the same memory: a result as large as its inputs fits.
//! - **It allocates fallibly** ([`try_zeroed`], [`try_vec`]), so an
//!   allocator that refuses a size under the limit (a `ulimit -v`, a
//!   fragmented 32-bit address space, a limit set above the machine) is an
//!   error too, never an abort.
//!
//! Bookkeeping that is not proportional to the elements (one small record
//! per 8,192-element piece of a reduction, the program's nodes, compiled
//! code) is not counted; it is bounded by the program-text limit or is a
//! small fraction of the data.

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
zeroed_types!(bool, i32, i64, f32, f64, u8, u32, u64, usize);

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
    let cgroup = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|s| s.trim().parse::<u64>().ok())
        .min();
    Some(cgroup.map_or(total, |c| c.min(total)))
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
        // Representable but far beyond any machine (2^62 bytes): refused
        // by the allocator. (`black_box`: an allocation whose memory is
        // never used may be optimised away as if it had succeeded.)
        use std::hint::black_box;
        assert!(black_box(try_zeroed::<u8>(black_box(1 << 62))).is_err());
        assert!(black_box(try_vec::<f64>(black_box(1 << 60))).is_err());
        assert!(black_box(try_filled(black_box(1 << 61), 0u32)).is_err());
    }

    #[test]
    fn physical_memory_reads_meminfo() {
        assert_eq!(meminfo_total("MemTotal:       24576000 kB\nMemFree: 1 kB\n"), Some(24576000 * 1024));
        assert_eq!(meminfo_total("MemFree: 1 kB\n"), None);
        if cfg!(target_os = "linux") {
            let m = physical_memory().expect("Linux has /proc/meminfo");
            assert!(m > 1 << 26, "{m} bytes of memory");
            assert_eq!(default_limit() as u64, m / 2);
        }
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
