//! Fast mode (`MathMode::Fast`): sinh, cosh, tanh for `f32` and `f64`,
//! at most 4 ULP.
//!
//! ## Method
//!
//! One exp kernel per type, `exp_parts`: for 0 <= y, k = round(y / ln2)
//! (by the 1.5 * 2^p shifter, in an FMA), r = y - k ln2 with ln2 in two
//! parts (the first FMA is exact: for k >= 1, y >= 0.34 and y - k LN2_HI
//! is a multiple of 2^-54 (`f32`: 2^-25) below 0.35), |r| <= ln2/2, and
//! p = expm1(r) = r + r^2/2 + r^3 Q(r), so e^y = 2^k (1 + p) with 2^k built
//! from the shifter's bits. Q has degree 8 for `f64` (evaluated as two
//! Horner halves joined by r^4) and degree 4 (tanh) or 3 (sinh, cosh,
//! whose other errors are smaller) for `f32`. Then, with a = |x|:
//!
//! * tanh: u = expm1(2a) = 2^k p + (2^k - 1) (one FMA), tanh a = u / (u + 2).
//!   In `f64` the denominator is kept exactly as dh + de (de = u - (dh - 2),
//!   exact since dh >= 2) and the quotient gets one correction step
//!   (t0 = u / dh through a reciprocal, t = t0 + (u - t0 dh - t0 de) / dh);
//!   in `f32` a plain division. |x| is clamped to 22 (`f32`: 10), where
//!   the quotient rounds to 1.
//! * sinh: w = expm1(a) / 2 = 2^(k-1) p + (2^(k-1) - 1/2), and
//!   sinh a = (expm1(a) - expm1(-a)) / 2 = w + w / (2w + 1): two positive
//!   terms, so no cancellation near 0.
//! * cosh: h = e^a / 2 = 2^(k-1) (1 + p) (one FMA), cosh a = h + 1 / (4h).
//!
//! The sign is put back by an OR of x's sign bit (every result is >= +0).
//! Everything is `+ - * /` and `mul_add` (always fused, so every level and
//! the scalar functions give the same bits; the SSE2 level calls libm's
//! correctly rounded `fma`, slowly) plus integer/bit operations, in the
//! type's own lanes: `f32` computes in `f32` (16 per AVX-512 vector).
//!
//! The coefficients were fitted for this file by `tools/vmath/fit_fast_hyper.py`
//! (minimax relative error of expm1 on |r| <= ln2/2 + 0.002, Lawson's
//! iteratively reweighted least squares in 50-digit mpmath, coefficients
//! rounded to the type one at a time with a refit of the rest): relative
//! error of the polynomial 2^-55.1 (`f64`), 2^-31.1 and 2^-26.0 (`f32`,
//! degree 4 and 3).
//!
//! ## Slow path
//!
//! The block functions run the fast body on every lane (branch-free,
//! chunks of 8 `f64` for tanh, 4 `f64` for sinh/cosh, which measured
//! faster, and 16 `f32`), then a patch pass sends the rare lanes to the
//! default functions of `hyper.rs` (the scalar functions do the same
//! test), so the special values are exactly the default ones:
//!
//! * tanh: NaN and |x| < 2^-28 (`f32`: 2^-12), where the default returns x
//!   (so also +-0); +-inf and large |x| stay in the fast path (+-1 exactly);
//! * sinh: NaN, |x| < 2^-26 (`f32`: 2^-12), |x| > 709 (`f32`: 88), i.e.
//!   +-0, +-inf and the overflow threshold;
//! * cosh: NaN and |x| > 709 (`f32`: 88).
//!
//! ## Measured error (max ULP)
//!
//! | function | f64: fixtures | f64: 1e6 random (mpmath) | f32: fixtures | f32: exhaustive |
//! |---|---:|---:|---:|---:|
//! | sinh | 1.85 | 2.39 | 1.71 | 2.24 |
//! | cosh | 1.13 | 1.41 | 1.26 | 1.51 |
//! | tanh | 1.60 | 1.84 | 2.01 | 2.42 |
//!
//! Fixtures: `tests/vmath_accuracy.rs` (mpmath references, every level).
//! f64 random: 10^6 inputs per function against mpmath, half log-uniform
//! in magnitude from 2^-30 to U, half uniform on [-U, U], with U = 1.2 for
//! tanh and sinh and 3 for cosh, where the errors peak (another 3 * 10^5
//! per function with U = 40 gave no larger error). f32 exhaustive: every
//! positive `f32` of the fast path (tanh: 2^-12 up to inf; sinh: 2^-12 to
//! 88, and the negative ones too; cosh: 0 to 88) against the default `f64`
//! function at the same input, unrounded (its ~2^-52 relative error is
//! far below an `f32` ULP), with block == scalar bit for bit at AVX2 and
//! AVX-512 there too. The fast bodies are exactly odd (tanh, sinh) or even
//! (cosh) bit for bit.

// ---------------------------------------------------------------------
// Constants.

/// 1.5 * 2^52 and 1.5 * 2^23: adding one rounds to an integer, which then
/// sits in the low mantissa bits.
const SHIFT64: f64 = 6755399441055744.0;
const SHIFT32: f32 = 12582912.0;
const INV_LN2_64: f64 = core::f64::consts::LOG2_E;
const INV_LN2_32: f32 = core::f32::consts::LOG2_E;
/// ln 2 = LN2_HI + LN2_LO (+ about 2^-109 resp. 2^-53 relative).
const LN2_HI64: f64 = core::f64::consts::LN_2;
const LN2_LO64: f64 = 2.3190468138462996e-17;
const LN2_HI32: f32 = core::f32::consts::LN_2;
const LN2_LO32: f32 = -1.9046542e-9;

// expm1(r) = r + r^2/2 + r^3 Q(r) on |r| <= ln2/2 + 0.002.
const E0: f64 = 0.166666666666666;
const E1: f64 = 0.04166666666661784;
const E2: f64 = 0.00833333333339028;
const E3: f64 = 0.0013888888921589691;
const E4: f64 = 0.00019841269706193996;
const E5: f64 = 2.4801514739305116e-05;
const E6: f64 = 2.755742625307624e-06;
const E7: f64 = 2.762295927865519e-07;
const E8: f64 = 2.5046220353023313e-08;

const F0: f32 = 0.16666666;
const F1: f32 = 0.04166649;
const F2: f32 = 0.008333542;
const F3: f32 = 0.0013932793;
const F4: f32 = 0.00019765609;
// The same with Q of degree 3 (relative error 2^-26.0), for sinh and cosh.
const G0: f32 = 0.16666546;
const G1: f32 = 0.041666865;
const G2: f32 = 0.008366371;
const G3: f32 = 0.0013897696;

// ---------------------------------------------------------------------
// exp kernels.

/// For 0 <= y <= 709.1: (s, p) with e^y = 2 s (1 + p) if HALF, else
/// s (1 + p): s = 2^(k-1) or 2^k, k integer in [0, 1023], p = expm1(r),
/// r = y - k ln2, |r| <= ln2/2 (+ rounding). Any other y >= +0 (inf, NaN
/// with a clear sign bit) gives unused values without integer overflow.
#[inline(always)]
fn exp_parts64<const HALF: bool>(y: f64) -> (f64, f64) {
    let t = y.mul_add(INV_LN2_64, SHIFT64);
    let kf = t - SHIFT64;
    // y - k LN2_HI is exact (a multiple of 2^-54 below 0.35), then one rounding.
    let r = (-kf).mul_add(LN2_HI64, y);
    let r = (-kf).mul_add(LN2_LO64, r);
    // k sits in the low bits of t (above them only the shifter's bit 51,
    // which the shift drops).
    let bias = if HALF { 1022 } else { 1023 };
    let s = f64::from_bits((t.to_bits() + bias) << 52);
    let r2 = r * r;
    let r4 = r2 * r2;
    let lo = E3.mul_add(r, E2).mul_add(r, E1).mul_add(r, E0);
    let hi = E8.mul_add(r, E7).mul_add(r, E6).mul_add(r, E5).mul_add(r, E4);
    let q = hi.mul_add(r4, lo);
    let p = r2.mul_add(r.mul_add(q, 0.5), r);
    (s, p)
}

/// For 0 <= y <= 88: as [`exp_parts64`] in `f32` (k in [0, 127]).
#[inline(always)]
fn exp_parts32<const HALF: bool, const DEG4: bool>(y: f32) -> (f32, f32) {
    let t = y.mul_add(INV_LN2_32, SHIFT32);
    let kf = t - SHIFT32;
    let r = (-kf).mul_add(LN2_HI32, y);
    let r = (-kf).mul_add(LN2_LO32, r);
    let bias = if HALF { 126 } else { 127 };
    let s = f32::from_bits((t.to_bits() + bias) << 23);
    let r2 = r * r;
    let q = if DEG4 {
        F4.mul_add(r, F3).mul_add(r, F2).mul_add(r, F1).mul_add(r, F0)
    } else {
        G3.mul_add(r, G2).mul_add(r, G1).mul_add(r, G0)
    };
    let p = r2.mul_add(r.mul_add(q, 0.5), r);
    (s, p)
}

/// |v| with the sign of x, for v >= +0.
#[inline(always)]
fn with_sign64(v: f64, x: f64) -> f64 {
    f64::from_bits(v.to_bits() | (x.to_bits() & 0x8000_0000_0000_0000))
}

#[inline(always)]
fn with_sign32(v: f32, x: f32) -> f32 {
    f32::from_bits(v.to_bits() | (x.to_bits() & 0x8000_0000))
}

// ---------------------------------------------------------------------
// Fast bodies (the comfortable part of the domain; every input must run
// through them without trouble, the rare ones are replaced afterwards).

#[inline(always)]
fn tanh64_body(x: f64) -> f64 {
    let a = x.abs();
    let a = if a <= 22.0 { a } else { 22.0 };
    let (s, p) = exp_parts64::<false>(a + a);
    // u = expm1(2a) >= 0, tanh a = u / d with d = u + 2 = dh + de exactly
    // (dh - 2 is exact for dh >= 2), one correction step of the quotient.
    let u = s.mul_add(p, s - 1.0);
    let dh = u + 2.0;
    let de = u - (dh - 2.0);
    let rc = 1.0 / dh;
    let t0 = u * rc;
    let res = (-t0).mul_add(de, (-t0).mul_add(dh, u));
    with_sign64(res.mul_add(rc, t0), x)
}

#[inline(always)]
fn sinh64_body(x: f64) -> f64 {
    // (no clamp: the lanes above the limit, inf and NaN are replaced by the
    // patch pass, and the integer work cannot overflow for them)
    let a = x.abs();
    let (s, p) = exp_parts64::<true>(a);
    // w = expm1(a) / 2; sinh a = w + w / (2w + 1) = (expm1(a) - expm1(-a)) / 2
    let w = s.mul_add(p, s - 0.5);
    let v = w / w.mul_add(2.0, 1.0);
    with_sign64(w + v, x)
}

#[inline(always)]
fn cosh64_body(x: f64) -> f64 {
    // (no clamp: the lanes above the limit, inf and NaN are replaced by the
    // patch pass, and the integer work cannot overflow for them)
    let a = x.abs();
    let (s, p) = exp_parts64::<true>(a);
    // h = e^a / 2, cosh a = h + 1 / (4 h)
    let h = s.mul_add(p, s);
    h + 0.25 / h
}

#[inline(always)]
fn tanh32_body(x: f32) -> f32 {
    let a = x.abs();
    let a = if a <= 10.0 { a } else { 10.0 };
    let (s, p) = exp_parts32::<false, true>(a + a);
    let u = s.mul_add(p, s - 1.0);
    with_sign32(u / (u + 2.0), x)
}

#[inline(always)]
fn sinh32_body(x: f32) -> f32 {
    // (no clamp: the lanes above the limit, inf and NaN are replaced by the
    // patch pass, and the integer work cannot overflow for them)
    let a = x.abs();
    let (s, p) = exp_parts32::<true, false>(a);
    let w = s.mul_add(p, s - 0.5);
    let v = w / w.mul_add(2.0, 1.0);
    with_sign32(w + v, x)
}

#[inline(always)]
fn cosh32_body(x: f32) -> f32 {
    // (no clamp: the lanes above the limit, inf and NaN are replaced by the
    // patch pass, and the integer work cannot overflow for them)
    let a = x.abs();
    let (s, p) = exp_parts32::<true, false>(a);
    let h = s.mul_add(p, s);
    h + 0.25 / h
}

// ---------------------------------------------------------------------
// Rare inputs: through the default functions.

/// tanh: NaN, and |x| < 2^-28, where the default returns x.
#[inline(always)]
fn tanh64_rare(x: f64) -> bool {
    !(x.abs() >= 3.725290298461914e-9)
}

/// sinh: NaN, |x| < 2^-26 (sinh x rounds to x), |x| > 709 (near overflow,
/// and inf).
#[inline(always)]
fn sinh64_rare(x: f64) -> bool {
    let a = x.abs();
    !(a >= 1.4901161193847656e-8 && a <= 709.0)
}

/// cosh: NaN, |x| > 709 (near overflow, and inf).
#[inline(always)]
fn cosh64_rare(x: f64) -> bool {
    !(x.abs() <= 709.0)
}

/// 2^-12: below it the default `f32` tanh and sinh return x.
const TINY32: f32 = 1.0 / 4096.0;

/// tanh: NaN, |x| < 2^-12 (the default returns x).
#[inline(always)]
fn tanh32_rare(x: f32) -> bool {
    !(x.abs() >= TINY32)
}

/// sinh: NaN, |x| < 2^-12, |x| > 88 (near overflow, and inf).
#[inline(always)]
fn sinh32_rare(x: f32) -> bool {
    let a = x.abs();
    !(a >= TINY32 && a <= 88.0)
}

/// cosh: NaN, |x| > 88 (near overflow, and inf).
#[inline(always)]
fn cosh32_rare(x: f32) -> bool {
    !(x.abs() <= 88.0)
}

// ---------------------------------------------------------------------
// Public functions.

macro_rules! fast_unary {
    ($name:ident, $block:ident, $t:ty, $lanes:literal, $body:ident, $rare:ident, $slow:path) => {
        pub fn $name(x: $t) -> $t {
            if $rare(x) { $slow(x) } else { $body(x) }
        }

        #[inline(always)]
        pub fn $block(x: &[$t], out: &mut [$t]) {
            let n = x.len().min(out.len());
            let (x, out) = (&x[..n], &mut out[..n]);
            // Branch-free main loop: the fast body on every lane.
            let mut xc = x.chunks_exact($lanes);
            let mut oc = out.chunks_exact_mut($lanes);
            for (o, v) in (&mut oc).zip(&mut xc) {
                for i in 0..$lanes {
                    o[i] = $body(v[i]);
                }
            }
            for (o, &v) in oc.into_remainder().iter_mut().zip(xc.remainder()) {
                *o = $body(v);
            }
            // Patch pass: rare lanes through the default function, each
            // group of 16 tested at once first.
            for (o16, x16) in out.chunks_mut(16).zip(x.chunks(16)) {
                if x16.iter().fold(false, |acc, &v| acc | $rare(v)) {
                    for (o, &v) in o16.iter_mut().zip(x16) {
                        if $rare(v) {
                            *o = $slow(v);
                        }
                    }
                }
            }
        }
    };
}

fast_unary!(sinh_fast_f32, sinh_fast_f32_block, f32, 16, sinh32_body, sinh32_rare, super::hyper::sinh_f32);
fast_unary!(sinh_fast_f64, sinh_fast_f64_block, f64, 4, sinh64_body, sinh64_rare, super::hyper::sinh_f64);
fast_unary!(cosh_fast_f32, cosh_fast_f32_block, f32, 16, cosh32_body, cosh32_rare, super::hyper::cosh_f32);
fast_unary!(cosh_fast_f64, cosh_fast_f64_block, f64, 4, cosh64_body, cosh64_rare, super::hyper::cosh_f64);
fast_unary!(tanh_fast_f32, tanh_fast_f32_block, f32, 16, tanh32_body, tanh32_rare, super::hyper::tanh_f32);
fast_unary!(tanh_fast_f64, tanh_fast_f64_block, f64, 8, tanh64_body, tanh64_rare, super::hyper::tanh_f64);
