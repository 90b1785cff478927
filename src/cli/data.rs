//! Helpers shared by the REPL, `numjet run` and `numjet bench`: a tiny
//! deterministic random number generator, array construction with size
//! limits, free variables of a program, timing statistics and number
//! formatting.

use std::collections::HashSet;

use numjet::syntax::Ast;
use numjet::syntax::ast::{ExprKind, Stmt};
use numjet::{ArrayData, DType, Scalar};

/// splitmix64 (Steele, Lea and Flood 2014): tiny, fast, statistically sound
/// for test data, and the same on every platform.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `n` values uniform in [0, 1).
    pub fn uniform_vec(&mut self, n: usize) -> Result<Vec<f64>, String> {
        try_collect(n, std::iter::repeat_with(|| self.uniform()))
    }

    /// `n` standard normal values (Box–Muller).
    pub fn normal_vec(&mut self, n: usize) -> Result<Vec<f64>, String> {
        let mut v = try_vec(n)?;
        while v.len() < n {
            // 1 - u is in (0, 1], so the logarithm is finite.
            let r = (-2.0 * (1.0 - self.uniform()).ln()).sqrt();
            let t = std::f64::consts::TAU * self.uniform();
            v.push(r * t.cos());
            if v.len() < n {
                v.push(r * t.sin());
            }
        }
        Ok(v)
    }

    /// `n` random values of `dtype` for benchmarks: bools fair coin flips,
    /// integers uniform in [1, 1000) (no zero divisors, no negative powers),
    /// floats uniform in [0, 1), complex numbers with both parts so.
    pub fn bench_data(&mut self, dtype: DType, n: usize) -> Result<ArrayData, String> {
        Ok(match dtype {
            DType::Bool => try_collect(n, std::iter::repeat_with(|| self.next_u64() >> 63 == 1))?.into(),
            DType::Int32 => try_collect(n, std::iter::repeat_with(|| 1 + (self.next_u64() % 999) as i32))?.into(),
            DType::Int64 => try_collect(n, std::iter::repeat_with(|| 1 + (self.next_u64() % 999) as i64))?.into(),
            DType::Float32 => try_collect(n, std::iter::repeat_with(|| self.uniform() as f32))?.into(),
            DType::Float64 => self.uniform_vec(n)?.into(),
            d if d.is_complex() => {
                let mut out = ArrayData::try_with_capacity(d, n).map_err(|e| format!("out of memory: {e}"))?;
                (0..n).for_each(|_| out.push(Scalar::Complex128(numjet::Complex::new(self.uniform(), self.uniform())).cast(d)));
                out
            }
            d if d.is_float() => {
                let mut out = ArrayData::try_with_capacity(d, n).map_err(|e| format!("out of memory: {e}"))?;
                (0..n).for_each(|_| out.push(Scalar::Float64(self.uniform()).cast(d)));
                out
            }
            d => {
                // Integers in [1, min(1000, MAX)).
                let top = d.int_range().map_or(1000, |(_, hi)| hi.min(1000)) as u64;
                let mut out = ArrayData::try_with_capacity(d, n).map_err(|e| format!("out of memory: {e}"))?;
                (0..n).for_each(|_| out.push(Scalar::int(d, 1 + (self.next_u64() % (top - 1)) as i128)));
                out
            }
        })
    }
}

/// Converts float64 values to `dtype` with NumPy's `astype` rules.
pub fn cast_f64(v: Vec<f64>, dtype: DType) -> Result<ArrayData, String> {
    let n = v.len();
    Ok(match dtype {
        DType::Float64 => v.into(),
        DType::Float32 => try_collect(n, v.into_iter().map(|x| x as f32))?.into(),
        DType::Int64 => try_collect(n, v.into_iter().map(numjet::dtype::f64_to_i64))?.into(),
        DType::Int32 => try_collect(n, v.into_iter().map(numjet::dtype::f64_to_i32))?.into(),
        DType::Bool => try_collect(n, v.into_iter().map(|x| x != 0.0))?.into(),
        d => {
            let mut out = ArrayData::try_with_capacity(d, n).map_err(|e| format!("out of memory: {e}"))?;
            v.into_iter().for_each(|x| out.push(Scalar::Float64(x).cast(d)));
            out
        }
    })
}

/// `n` copies of `value` (0 or 1) as `dtype`.
pub fn filled(dtype: DType, n: usize, one: bool) -> Result<ArrayData, String> {
    let d = ArrayData::try_zeros(dtype, n).map_err(|e| format!("out of memory: {e}"))?;
    if !one {
        return Ok(d);
    }
    let mut out = ArrayData::try_with_capacity(dtype, n).map_err(|e| format!("out of memory: {e}"))?;
    drop(d);
    let v = Scalar::Bool(true).cast(dtype);
    (0..n).for_each(|_| out.push(v));
    Ok(out)
}

/// The memory limit of this run: `--memory-limit`, or the library's default.
static MEMORY_LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Sets the process's memory limit (`--memory-limit`), before anything
/// reads it.
pub fn set_memory_limit(bytes: usize) {
    let _ = MEMORY_LIMIT.set(bytes);
}

/// The memory limit every engine and constructor of this process starts
/// with (see [`numjet::Config::memory_limit`]; the REPL's `:memory`
/// changes its session's).
pub fn memory_limit() -> usize {
    *MEMORY_LIMIT.get_or_init(numjet::mem::default_limit)
}

/// The math mode of this run: `--math`, or the default (accurate).
static MATH: std::sync::OnceLock<numjet::MathMode> = std::sync::OnceLock::new();

/// Sets the process's math mode (`--math`), before anything reads it.
pub fn set_math(mode: numjet::MathMode) {
    let _ = MATH.set(mode);
}

/// The math mode every engine of this process starts with (see
/// [`numjet::Config::math`]; the REPL's `:math` changes its session's).
pub fn math() -> numjet::MathMode {
    *MATH.get_or_init(numjet::MathMode::default)
}

/// Checks that `n` elements of `dtype` (plus `extra_bytes` of other
/// buffers made with them) fit the memory limit (`limit` bytes, the
/// session's [`numjet::Config::memory_limit`]); returns `n` as a `usize`.
pub fn check_size(n: u64, dtype: DType, extra_bytes: u64, limit: usize) -> Result<usize, String> {
    let bytes = u128::from(n) * dtype.size() as u128 + u128::from(extra_bytes);
    if bytes > limit as u128 {
        return Err(format!(
            "{n} elements of {dtype} need {} of memory; the memory limit is {}",
            numjet::mem::fmt_bytes(bytes),
            numjet::mem::fmt_bytes(limit as u128)
        ));
    }
    usize::try_from(n).map_err(|_| format!("{n} elements do not fit in this machine's address space"))
}

/// An empty vector with room for `n` elements, or the allocator's refusal
/// as a message.
pub fn try_vec<T>(n: usize) -> Result<Vec<T>, String> {
    numjet::mem::try_vec(n).map_err(|e| format!("out of memory: {e}"))
}

/// The `n` items of `it`, collected without aborting when the allocator
/// refuses.
pub fn try_collect<T>(n: usize, it: impl Iterator<Item = T>) -> Result<Vec<T>, String> {
    let mut v = try_vec(n)?;
    v.extend(it.take(n));
    Ok(v)
}

/// Parses a count such as `1000000`, `1_000_000` or `1e6`.
pub fn parse_count(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    if let Ok(n) = t.parse::<u64>() {
        return Ok(n);
    }
    let is_plain = !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b"+.eE".contains(&b));
    match t.parse::<f64>() {
        Ok(v) if is_plain && v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 2f64.powi(63) => Ok(v as u64),
        _ => Err(format!("`{s}` is not a whole number of elements (write e.g. 1000000, 1_000_000 or 1e6)")),
    }
}

/// The free names of a program, in order of first use: names read before
/// the program assigns them. Constants are included; the caller decides.
pub fn free_names(ast: &Ast) -> Vec<String> {
    let mut assigned: HashSet<&str> = HashSet::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut free = Vec::new();
    let mut next = 0usize;
    for stmt in &ast.stmts {
        let root = Ast::stmt_value(stmt).0 as usize;
        // A statement's expressions are the arena slice ending at its root.
        while next <= root && next < ast.exprs.len() {
            if let ExprKind::Name(n) = &ast.exprs[next].kind
                && !assigned.contains(n.as_str())
                && seen.insert(n.as_str())
            {
                free.push(n.clone());
            }
            next += 1;
        }
        if let Stmt::Assign { target, .. } = stmt {
            assigned.insert(target.name.as_str());
        }
    }
    free
}

/// Median and minimum of some durations (seconds); at least one nanosecond
/// each, so rates stay finite.
pub fn median_min(times: &[f64]) -> (f64, f64) {
    let mut t: Vec<f64> = times.iter().map(|&x| x.max(1e-9)).collect();
    t.sort_by(f64::total_cmp);
    if t.is_empty() {
        return (1e-9, 1e-9);
    }
    let m = t.len() / 2;
    let median = if t.len() % 2 == 1 { t[m] } else { (t[m - 1] + t[m]) / 2.0 };
    (median, t[0])
}

/// `1234567` → `"1,234,567"`.
pub fn fmt_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Bytes in decimal units (`8.0 MB`), as rates in GB/s use.
pub fn fmt_bytes(b: u64) -> String {
    let b = b as f64;
    let units = [("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    for (u, s) in units {
        if b >= s {
            return format!("{:.1} {u}", b / s);
        }
    }
    format!("{b} B")
}

/// A duration in seconds as `12.3 ms`, `45.6 µs`, `1.23 s`.
pub fn fmt_secs(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else if s >= 1e-6 {
        format!("{:.3} µs", s * 1e6)
    } else {
        format!("{:.0} ns", s * 1e9)
    }
}

/// A count per second as `81.3 M elements/s`, `950.0 k elements/s`.
pub fn fmt_rate(r: f64, what: &str) -> String {
    if r >= 1e9 {
        format!("{:.2} G {what}/s", r / 1e9)
    } else if r >= 1e6 {
        format!("{:.1} M {what}/s", r / 1e6)
    } else if r >= 1e3 {
        format!("{:.1} k {what}/s", r / 1e3)
    } else {
        format!("{r:.1} {what}/s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parse() {
        assert_eq!(parse_count("1e6"), Ok(1_000_000));
        assert_eq!(parse_count("1_000"), Ok(1000));
        assert!(parse_count("1.5").is_err());
        assert!(parse_count("-3").is_err());
        assert!(parse_count("inf").is_err());
        assert!(parse_count("1e99").is_err());
    }

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let a = Rng::new(7).uniform_vec(1000).unwrap();
        assert_eq!(a, Rng::new(7).uniform_vec(1000).unwrap());
        assert!(a.iter().all(|&x| (0.0..1.0).contains(&x)));
        assert_eq!(Rng::new(1).normal_vec(3).unwrap().len(), 3);
    }

    #[test]
    fn sizes_are_checked_against_the_limit() {
        assert_eq!(check_size(10, DType::Float64, 0, 80), Ok(10));
        assert_eq!(check_size(10, DType::Float64, 1, 80).unwrap_err(), "10 elements of float64 need 81 B of memory; the memory limit is 80 B");
        assert!(check_size(u64::MAX, DType::Float64, u64::MAX, usize::MAX).is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(fmt_thousands(1_000_000), "1,000,000");
        assert_eq!(fmt_thousands(999), "999");
    }
}
