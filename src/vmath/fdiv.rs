//! Float `fmod`, `floor_divide` (`//`) and `remainder` (`%`), float32 and
//! float64, with NumPy's results (`npy_fmod`, `npy_floor_divide`,
//! `npy_remainder`, which build on C's `fmod`).
//!
//! ## fmod, exactly, without a loop
//!
//! C's `fmod(a, b)` is exact: `a - q*b` for the integer `q = trunc(a/b)`,
//! with `a`'s sign. The fast path, for finite `a` and `b` with
//! `2^-900 <= |b| <= 2^900`, `|a| <= 2^900` and `|a| < 2^52 |b|` (every
//! other case takes the slow path, Rust's `%`, which is C's `fmod`):
//!
//! - `q = trunc(|a| / |b|)` (below 2^52, so an exact integer; truncated
//!   with the 2^52 shifter). The rounded quotient is never below an
//!   integer the exact one reaches (integers below 2^53 are floats), so
//!   `q` is the exact truncation or one more.
//! - `q |b|` as an exact sum `ph + pl` (Dekker's product with Veltkamp's
//!   split: no FMA; the bounds keep every partial product normal and
//!   finite).
//! - `r = (|a| - ph) - pl`: `|a| - ph` is exact (Sterbenz: `ph` is within
//!   a factor 2 of `|a|` when `q >= 1`, and 0 when `q = 0`), and the exact
//!   `|a| - q|b|` lies in `(-|b|, |b|)` on a grid of at most 53 bits, so
//!   the second subtraction is exact too; if `q` was one too many, `r` is
//!   negative and `r + |b|` (exact for the same reason) is the remainder.
//!
//! The result is the exact remainder, so it has C's bits, sign of zero
//! included. float32 computes in float64 (exactly: the remainder of two
//! float32 is a float32).
//!
//! `floor_divide` and `remainder` follow `npy_divmod` step by step from the
//! exact `fmod`, with selects instead of branches (every operation is
//! IEEE, so the bits are those of the table's `ops::divmod`), and `floor`
//! with the shifter (exact).

use super::dd::two_prod;

/// 2^52: adding and subtracting it rounds a float in `[0, 2^52)` to an
/// integer.
const SHIFT: f64 = 4503599627370496.0;
const TWO_900: f64 = 8.452712498170644e270;
const TWO_M900: f64 = 1.1830521861667747e-271;

/// `x` rounded toward zero, for `0 <= x < 2^52`.
#[inline(always)]
fn trunc_small(x: f64) -> f64 {
    let r = (x + SHIFT) - SHIFT;
    if r > x { r - 1.0 } else { r }
}

/// `floor(x)`, exactly (NaN, infinities and integers beyond 2^52 as they
/// are; `-0.0` stays `-0.0`).
#[inline(always)]
fn floor64(x: f64) -> f64 {
    let ax = x.abs();
    let t = trunc_small(ax).copysign(x);
    let f = if t > x { t - 1.0 } else { t };
    if ax < SHIFT { f } else { x }
}



/// Whether `fmod(a, b)` takes the fast path (see the module docs).
#[inline(always)]
fn fast(a: f64, b: f64) -> bool {
    let (ax, bx) = (a.abs(), b.abs());
    bx >= TWO_M900 && bx <= TWO_900 && ax <= TWO_900 && ax < bx * SHIFT
}

/// The fast path's `fmod(a, b)` (meaningless where [`fast`] is false).
#[inline(always)]
fn fmod_fast(a: f64, b: f64) -> f64 {
    let (ax, bx) = (a.abs(), b.abs());
    let q = trunc_small(ax / bx);
    let (ph, pl) = two_prod(q, bx);
    let r = (ax - ph) - pl;
    let r = if r < 0.0 { r + bx } else { r };
    r.copysign(a)
}

/// C's `fmod`, exact.
#[inline(always)]
fn fmod64(a: f64, b: f64) -> f64 {
    if fast(a, b) { fmod_fast(a, b) } else { a % b }
}

/// `npy_floor_divide` and `npy_remainder` (`ops::divmod`) from the
/// remainder `m0 = fmod(a, b)`, written once for both widths.
macro_rules! divmod {
    ($t:ty, $floor:expr) => {
        /// (floor_divide, remainder) of `a` and `b` given `m0 = fmod(a, b)`.
        #[inline(always)]
        pub(super) fn divmod_from(a: $t, b: $t, m0: $t) -> ($t, $t) {
            let div0 = (a - m0) / b;
            let other_sign = (b < 0.0) != (m0 < 0.0);
            let nonzero = m0 != 0.0;
            let m = if nonzero { if other_sign { m0 + b } else { m0 } } else { (0.0 as $t).copysign(b) };
            let div = if nonzero && other_sign { div0 - 1.0 } else { div0 };
            let f = $floor(div);
            let f = if div - f > 0.5 { f + 1.0 } else { f };
            let fd = if div != 0.0 { f } else { (0.0 as $t).copysign(a / b) };
            // By zero: `a / b` and `fmod(a, 0)` (NaN).
            if b == 0.0 { (a / b, m0) } else { (fd, m) }
        }
    };
}

mod f64s {
    use super::floor64;
    divmod!(f64, floor64);
    pub(super) use divmod_from as divmod64;
}
mod f32s {
    /// `floor` of a float32, through float64 (exact).
    #[inline(always)]
    fn floor32(x: f32) -> f32 {
        super::floor64(x as f64) as f32
    }
    divmod!(f32, floor32);
    pub(super) use divmod_from as divmod32;
}
use f32s::divmod32;
use f64s::divmod64;

/// `fmod` of float32, through float64 (exact).
#[inline(always)]
fn fmod32(a: f32, b: f32) -> f32 {
    fmod64(a as f64, b as f64) as f32
}

pub fn fmod_f64(a: f64, b: f64) -> f64 {
    fmod64(a, b)
}

pub fn fmod_f32(a: f32, b: f32) -> f32 {
    fmod32(a, b)
}

pub fn floor_divide_f64(a: f64, b: f64) -> f64 {
    divmod64(a, b, fmod64(a, b)).0
}

pub fn floor_divide_f32(a: f32, b: f32) -> f32 {
    divmod32(a, b, fmod32(a, b)).0
}

pub fn remainder_f64(a: f64, b: f64) -> f64 {
    divmod64(a, b, fmod64(a, b)).1
}

pub fn remainder_f32(a: f32, b: f32) -> f32 {
    divmod32(a, b, fmod32(a, b)).1
}

/// The block form of a function of this file: the fast path over every
/// element (branch-free, vectorised), then the elements the fast path
/// does not cover again with the scalar function.
macro_rules! block {
    ($name:ident, $t:ty, $fastexpr:expr, $scalar:ident) => {
        #[inline(always)]
        pub fn $name(x: &[$t], y: &[$t], out: &mut [$t]) {
            let n = out.len().min(x.len()).min(y.len());
            let (x, y, out) = (&x[..n], &y[..n], &mut out[..n]);
            let mut slow = false;
            for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
                let ok = fast(a as f64, b as f64);
                *o = $fastexpr(a, b);
                slow |= !ok;
            }
            if slow {
                for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
                    if !fast(a as f64, b as f64) {
                        *o = $scalar(a, b);
                    }
                }
            }
        }
    };
}

block!(fmod_f64_block, f64, |a: f64, b: f64| fmod_fast(a, b), fmod_f64);
block!(fmod_f32_block, f32, |a: f32, b: f32| fmod_fast(a as f64, b as f64) as f32, fmod_f32);
block!(floor_divide_f64_block, f64, |a: f64, b: f64| divmod64(a, b, fmod_fast(a, b)).0, floor_divide_f64);
block!(floor_divide_f32_block, f32, |a: f32, b: f32| divmod32(a, b, fmod_fast(a as f64, b as f64) as f32).0, floor_divide_f32);
block!(remainder_f64_block, f64, |a: f64, b: f64| divmod64(a, b, fmod_fast(a, b)).1, remainder_f64);
block!(remainder_f32_block, f32, |a: f32, b: f32| divmod32(a, b, fmod_fast(a as f64, b as f64) as f32).1, remainder_f32);

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded values of every magnitude and sign, zeros, infinities, NaN,
    /// subnormals and the fast path's edges.
    fn values() -> Vec<f64> {
        let mut v = vec![0.0, -0.0, 1.0, -1.0, 0.5, 3.0, -7.5, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 5e-324, -1e-310, f64::MAX, -f64::MAX];
        v.extend([TWO_900, TWO_M900, SHIFT, SHIFT * 3.0, 1e300, 1e-300, 0.1, 1.0 / 3.0, 2.0f64.powi(60) + 1024.0]);
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..3000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let x = f64::from_bits(s);
            if x.is_finite() {
                v.push(x);
            }
            let e = (s >> 40) as i32 % 80 - 40;
            v.push(((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 2.0f64.powi(e));
        }
        v
    }

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn fmod_is_c_fmod_and_divmod_is_the_tables() {
        let v = values();
        let mut checked = 0;
        for (i, &a) in v.iter().enumerate() {
            // Each a against a spread of b (all pairs would be 36M).
            for &b in v.iter().skip(i % 7).step_by(7) {
                assert!(same(fmod_f64(a, b), a % b), "fmod({a:e}, {b:e}) = {:e}, C {:e}", fmod_f64(a, b), a % b);
                let want = crate::ops::divmod(a, b);
                let want = if b == 0.0 { (a / b, a % b) } else { want };
                assert!(same(floor_divide_f64(a, b), want.0), "{a:e} // {b:e}");
                assert!(same(remainder_f64(a, b), want.1), "{a:e} % {b:e}");
                let (a32, b32) = (a as f32, b as f32);
                assert!(same(fmod_f32(a32, b32) as f64, (a32 % b32) as f64), "fmod32({a32:e}, {b32:e})");
                let w32 = crate::ops::divmod(a32, b32);
                let w32 = if b32 == 0.0 { (a32 / b32, a32 % b32) } else { w32 };
                assert!(same(floor_divide_f32(a32, b32) as f64, w32.0 as f64), "{a32:e} // {b32:e}");
                assert!(same(remainder_f32(a32, b32) as f64, w32.1 as f64), "{a32:e} % {b32:e}");
                checked += 1;
            }
        }
        assert!(checked > 1_000_000, "{checked}");
    }

    /// The block functions at every level the CPU has give the scalar
    /// functions' bits, fast and slow lanes mixed, at every offset.
    #[test]
    fn blocks_match_scalars_at_every_level() {
        use crate::vmath::{Func, Level, eval_f32, eval_f64, scalar_f32, scalar_f64};
        let v = values();
        let x: Vec<f64> = v.iter().cycle().take(20_000).copied().collect();
        let y: Vec<f64> = v.iter().rev().cycle().skip(3).take(20_000).copied().collect();
        let (x32, y32): (Vec<f32>, Vec<f32>) = (x.iter().map(|&a| a as f32).collect(), y.iter().map(|&a| a as f32).collect());
        for level in Level::available() {
            for f in [Func::Fmod, Func::FloorDivide, Func::Remainder] {
                for off in [0, 1, 3] {
                    let mut out = vec![0.0; x.len() - off];
                    eval_f64(f, level, &[&x[off..], &y[off..]], &mut out);
                    for (k, &o) in out.iter().enumerate() {
                        let want = scalar_f64(f, &[x[off + k], y[off + k]]);
                        assert!(same(o, want), "{f:?} {level:?} ({:e}, {:e}): {o:e} vs {want:e}", x[off + k], y[off + k]);
                    }
                    let mut out = vec![0.0f32; x.len() - off];
                    eval_f32(f, level, &[&x32[off..], &y32[off..]], &mut out);
                    for (k, &o) in out.iter().enumerate() {
                        let want = scalar_f32(f, &[x32[off + k], y32[off + k]]);
                        assert!(same(o as f64, want as f64), "{f:?} {level:?} f32");
                    }
                }
            }
        }
    }

    #[test]
    fn floor_is_exact() {
        for x in values() {
            assert!(same(floor64(x), x.floor()), "floor({x:e})");
        }
    }
}
