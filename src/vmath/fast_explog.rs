//! Fast mode (`MathMode::Fast`): exp, exp2, expm1, log, log2, log10, log1p
//! for `f32` and `f64`, at most 4 ULP.
//!
//! ## How the functions are built
//!
//! As in `explog.rs`, every function is `if rare(x) { slow(x) } else
//! { fast(x) }`, and the block function runs the branch-free fast path over
//! every element (LLVM vectorises it), then patches the rare elements with
//! the slow path. Here the slow path is always the default scalar function
//! of `explog.rs` (at most 1 ULP, NumPy's special values), so NaN, the
//! infinities, zeros where the fast formula would lose the sign, negative
//! arguments of the logs, subnormal inputs and results, and overflow give
//! exactly what the default function gives. The fast paths use fused
//! multiply-add (`mul_add`, always fused, so every level and the scalar
//! code give the same bits) and no table. float32 is computed in float32
//! (16 lanes per AVX-512 vector), float64 in float64; no double-double.
//!
//! The polynomials are Chebyshev interpolants fitted in 200-bit precision
//! with mpmath and rounded to the working type
//! (`tools/vmath/fit_fast_explog.py`, which prints the weighted max error
//! of the rounded polynomial quoted below).
//!
//! ### exp, expm1
//! `n = round(x/ln2)` (FMA with the 1.5*2^52, resp. 1.5*2^23, shifter, which
//! leaves `n` in the low bits, so `2^n` is built from the bits with one
//! shift and one add), `r = x - n*ln2` with `ln2` split into a high part
//! short enough that `x - n*hi` is exact (42 bits for f64, 16 for f32) and a
//! low part (`|r| <= ln2/2`). `expm1(r) = q = r + r^2*Q(r)`, `Q` of degree 9
//! (f64, error 2^-56.1) or 4 (f32, 2^-26.9), evaluated with FMA (Estrin
//! pairs for f64, Horner for f32). exp is `fma(q, 2^n, 2^n)` (one
//! rounding), with `r` rounded once (`fma(-n, lo, x - n*hi)`). expm1 keeps the rounding error `e` of `r` (Fast2Sum of `x - n*hi` and
//! `n*lo`) and sums `(2^n - 1) + 2^n*r + 2^n*(r^2*Q + e)` with two FMAs
//! (`2^n - 1` is exact for `|n| <= 53` and harmlessly rounded beyond).
//!
//! ### exp2
//! `n = round(x)` (shifter), `r = x - n` exact in `[-1/2, 1/2]`, `2^r - 1 =
//! q = r*P(r)`, `P` of degree 10 (f64, error 2^-55.5 relative to `2^r`) or
//! 5 (f32, 2^-27.1), and `fma(q, 2^n, 2^n)`; integers give exactly `2^n`.
//!
//! ### log, log2, log10, log1p
//! `x = 2^k * m` with `m` in `[sqrt(2)/2, sqrt(2))` from the bits (integer
//! subtract of the bits of sqrt(2)/2, shift for `k`, mask for `m`), `f = m -
//! 1` (exact), `s = f/(2+f)`, `z = s^2`, and (the classic arrangement that
//! makes the error of the division harmless) `log(1+f) = f - c`,
//! `c = hfsq - s*(hfsq + z*Q(z))`, `hfsq = f^2/2`, `Q` of degree 6 (f64,
//! error 2^-56.5 relative) or 2 (f32, 2^-27.5); `k*ln2` is added with FMA
//! (`ln2` split into its rounding and the rest). log2 and log10 multiply
//! the exact `f` by the constant split in two (`1/ln2`, `log10(e)` = its
//! rounding + the rest) and add `-c` times the constant and `k` (log2,
//! exact when `f = 0`, so powers of two give exactly `k`) or `k*log10(2)`
//! (split too) with FMAs, so the result is rounded about once.
//! log1p takes `k` from `u = 1 + x`
//! (rounded) and forms `f = (1 + x)*2^-k - 1` as `fma(x, 2^-k, 2^-k - 1)`:
//! exact when `k = 0` (then `f = x`) and rounded once otherwise, so no
//! correction term (no second division) is needed.
//!
//! ### Measured error (max ULP, 2026-12-07)
//! float32: exhaustive, all 2^32 inputs, the fast result against the
//! default float64 function (|fast - f64 value| in float32 ULPs of the
//! f64 value);
//! float64: the mpmath fixtures of `tests/vmath_accuracy.rs`, and 15,000
//! random inputs in each of several ranges (near 1 for the logs, around the
//! reduction boundaries for the exponentials) against mpmath at 120 bits.
//! The block functions give the scalar bits at every level, so these hold
//! at every level.
//!
//! | function | f32 exhaustive | f32 fixtures | f64 fixtures | f64 random |
//! |----------|---------------:|-------------:|-------------:|-----------:|
//! | exp      | 1.08           | 0.97         | 0.94         | 1.05       |
//! | exp2     | 1.13           | 1.02         | 1.06         | 1.25       |
//! | expm1    | 1.30           | 1.10         | 1.13         | 1.21       |
//! | log      | 0.88           | 0.74         | 1.02         | 1.16       |
//! | log2     | 1.03           | 0.81         | 0.80         | 0.89       |
//! | log10    | 0.93           | 0.76         | 0.83         | 0.88       |
//! | log1p    | 1.47           | 1.16         | 0.98         | 1.75       |
//!
//! ### Speed (2026-12-07, ns/element, one thread, n = 1e5, Zen 4)
//! avx2 / avx512, fast vs default: exp f32 0.28/0.21 vs 0.89/0.60, f64
//! 0.86/0.57 vs 1.16/1.21; log f32 0.41/0.24 vs 1.09/0.82, f64 1.27/0.67
//! vs 1.72/0.99 (glibc libmvec avx2: exp 0.38/0.95, log 0.47/1.19 for
//! f32/f64). The SSE2 level has no FMA instruction: each `mul_add` is a
//! libm `fma` call there, and the fast functions are about 10-20 times
//! slower than the default ones (same bits, though).
//!
//! ### Slow path (the default function), per function
//! * exp: f64 `!(|x| < 708)`, f32 `!(-87 < x < 88)` (NaN, inf, overflow,
//!   results near or in the subnormal range).
//! * exp2: f64 `!(-1021 < x < 1023)`, f32 `!(-125 < x < 127)`.
//! * expm1: f64 `!(-700 < x < 709)`, f32 `!(-87 < x < 88)`.
//! * log, log2, log10: `!(MIN_POSITIVE <= x <= MAX)` (NaN, negative, zero,
//!   subnormal, inf).
//! * log1p: f64 `!(-1 < x < 2^1022)`, f32 `!(-1 < x < 2^126)`.
//!
//! expm1(+-0) and log1p(+-0) return `x` (a select in the fast path: the
//! formulas would give +0 for -0).

// The rare-lane tests are written `!(a < x && x < b)` on purpose: NaN must test true.
#![allow(clippy::neg_cmp_op_on_partial_ord, clippy::manual_range_contains)]

use super::explog;

// ---------------------------------------------------------------------------
// Constants.

/// 1.5 * 2^52: `x + SHIFT` rounds |x| < 2^51 to an integer held in the low bits.
const SHIFT: f64 = 6755399441055744.0;
/// 1.5 * 2^23: the same for f32 (|x| < 2^22).
const SHIFT_F: f32 = 12582912.0;

const LN2: f64 = std::f64::consts::LN_2;
/// ln2 with 42 significant bits (`x - n*LN2_HI` exact) and the rest.
const LN2_HI: f64 = 0.6931471805598903;
const LN2_LO: f64 = 5.497923018708371e-14;
/// ln2 - LN2 (the rounding error of the f64 constant).
const LN2_TAIL: f64 = 2.3190468138462996e-17;
const INV_LN2: f64 = std::f64::consts::LOG2_E;
const INV_LN2_TAIL: f64 = 2.0355273740931033e-17;
const LOG10_E: f64 = std::f64::consts::LOG10_E;
const LOG10_E_TAIL: f64 = 1.098319650216765e-17;
const LOG10_2: f64 = std::f64::consts::LOG10_2;
const LOG10_2_TAIL: f64 = -2.8037281277851704e-18;

const LN2_F: f32 = std::f32::consts::LN_2;
/// ln2 with 16 significant bits (`x - n*LN2_HI_F` exact) and the rest.
const LN2_HI_F: f32 = 0.69314575;
const LN2_LO_F: f32 = 1.4286068e-6;
const LN2_TAIL_F: f32 = -1.9046542e-9;
const INV_LN2_F: f32 = std::f32::consts::LOG2_E;
const INV_LN2_TAIL_F: f32 = 1.925963e-8;
const LOG10_E_F: f32 = std::f32::consts::LOG10_E;
const LOG10_E_TAIL_F: f32 = -1.010305e-8;
const LOG10_2_F: f32 = std::f32::consts::LOG10_2;
const LOG10_2_TAIL_F: f32 = -1.4320989e-8;

/// Bits of sqrt(2)/2 (rounded down): log's mantissa range starts there.
const SQRT_HALF_BITS: u64 = 0x3FE6_A09E_667F_3BCD;
const SQRT_HALF_BITS_F: u32 = 0x3F35_04F3;

// exp, expm1 f64: expm1(r) = r + r^2*Q(r), |r| <= ln2/2 * 1.002, degree 9,
// weighted (r^2) error 2^-56.12.
const EXP_Q0: f64 = 0.5000000000000001;
const EXP_Q1: f64 = 0.16666666666666669;
const EXP_Q2: f64 = 0.04166666666662348;
const EXP_Q3: f64 = 0.008333333333330011;
const EXP_Q4: f64 = 0.0013888888917538296;
const EXP_Q5: f64 = 0.00019841269863303223;
const EXP_Q6: f64 = 2.4801520792572694e-05;
const EXP_Q7: f64 = 2.75572680728901e-06;
const EXP_Q8: f64 = 2.762032742826824e-07;
const EXP_Q9: f64 = 2.5100569275813683e-08;

// exp, expm1 f32: the same, degree 4, error 2^-26.91.
const EXPF_Q0: f32 = 0.5;
const EXPF_Q1: f32 = 0.16666576;
const EXPF_Q2: f32 = 0.041666552;
const EXPF_Q3: f32 = 0.008363293;
const EXPF_Q4: f32 = 0.0013926326;

// exp2 f64: 2^r = 1 + r*P(r), |r| <= 0.50005, degree 10, weighted (|r|)
// error 2^-55.45.
const EXP2_P0: f64 = LN2;
const EXP2_P1: f64 = 0.24022650695910097;
const EXP2_P2: f64 = 0.0555041086648216;
const EXP2_P3: f64 = 0.009618129107606871;
const EXP2_P4: f64 = 0.0013333558146416927;
const EXP2_P5: f64 = 0.00015403530441765088;
const EXP2_P6: f64 = 1.5252733829851596e-05;
const EXP2_P7: f64 = 1.321544257022465e-06;
const EXP2_P8: f64 = 1.0178062436412765e-07;
const EXP2_P9: f64 = 7.072589488396345e-09;
const EXP2_P10: f64 = 4.4549624846332125e-10;

// exp2 f32: degree 5, error 2^-27.09.
const EXP2F_P0: f32 = LN2_F;
const EXP2F_P1: f32 = 0.2402265;
const EXP2F_P2: f32 = 0.05550357;
const EXP2F_P3: f32 = 0.009618082;
const EXP2F_P4: f32 = 0.0013390875;
const EXP2F_P5: f32 = 0.00015453174;

// log f64: log(1+f) = 2s + s*z*Q(z), z = s^2 in [0, 0.0295], degree 6,
// weighted (z) error 2^-56.53.
const LOG_Q0: f64 = 0.666666666666667;
const LOG_Q1: f64 = 0.3999999999989819;
const LOG_Q2: f64 = 0.28571428626570206;
const LOG_Q3: f64 = 0.2222221103781659;
const LOG_Q4: f64 = 0.18182896183483085;
const LOG_Q5: f64 = 0.15331487235865734;
const LOG_Q6: f64 = 0.14619343453512615;

// log f32: degree 2, error 2^-27.52.
const LOGF_Q0: f32 = 0.66666687;
const LOGF_Q1: f32 = 0.39988732;
const LOGF_Q2: f32 = 0.29582158;

/// The block-function skeleton: the fast path over every element (branch
/// free, vectorised), then a patch pass if any element was rare.
macro_rules! block {
    ($x:ident, $out:ident, $rare:ident, $fast:ident, $slow:path) => {{
        let mut any = false;
        for (o, &v) in $out.iter_mut().zip($x) {
            *o = $fast(v);
            any |= $rare(v);
        }
        if any {
            for (o, &v) in $out.iter_mut().zip($x) {
                if $rare(v) {
                    *o = $slow(v);
                }
            }
        }
    }};
}

/// The scalar function and the block function of one fast version.
macro_rules! fast_fn {
    ($name:ident, $block:ident, $t:ty, $rare:ident, $fast:ident, $slow:path) => {
        pub fn $name(x: $t) -> $t {
            if $rare(x) { $slow(x) } else { $fast(x) }
        }

        #[inline(always)]
        pub fn $block(x: &[$t], out: &mut [$t]) {
            block!(x, out, $rare, $fast, $slow)
        }
    };
}

// ---------------------------------------------------------------------------
// f64 pieces.

/// Exp reduction: (2^n, r_hi, r_lo) with x = n*ln2 + r_hi + r_lo
/// (r_lo the rounding error of r_hi, up to the error of ln2's split).
/// Valid for |x| < 709.5 (2^n normal).
#[inline(always)]
fn exp_reduce(x: f64) -> (f64, f64, f64) {
    let t = x.mul_add(INV_LN2, SHIFT);
    let nf = t - SHIFT;
    // t's low bits hold n (two's complement, the shifter's bit 51 shifts out).
    let sc = f64::from_bits((t.to_bits() << 52).wrapping_add(1023 << 52));
    let a = (-nf).mul_add(LN2_HI, x); // exact
    let b = nf * LN2_LO;
    let r = a - b;
    // Fast2Sum, exact when |a| >= |b|; otherwise |r| < 2^-33 and n != 0,
    // so r's error is far below the result's ULP anyway.
    let e = (a - r) - b;
    (sc, r, e)
}

/// Q(r) of expm1(r) = r + r^2*Q(r) (Estrin pairs, then Horner in r^2).
#[inline(always)]
fn exp_q(r: f64, r2: f64) -> f64 {
    let a0 = EXP_Q1.mul_add(r, EXP_Q0);
    let a1 = EXP_Q3.mul_add(r, EXP_Q2);
    let a2 = EXP_Q5.mul_add(r, EXP_Q4);
    let a3 = EXP_Q7.mul_add(r, EXP_Q6);
    let a4 = EXP_Q9.mul_add(r, EXP_Q8);
    let b = a4.mul_add(r2, a3);
    let b = b.mul_add(r2, a2);
    let b = b.mul_add(r2, a1);
    b.mul_add(r2, a0)
}

/// log split of a positive normal x: (k as f64, f = m - 1) with x = 2^k*m.
#[inline(always)]
fn log_split(x: f64) -> (f64, f64) {
    let t = x.to_bits().wrapping_sub(SQRT_HALF_BITS).wrapping_add(1023 << 52);
    let kb = t >> 52; // k + 1023 (no 64-bit arithmetic shift on AVX2)
    let m = f64::from_bits((t & 0x000F_FFFF_FFFF_FFFF).wrapping_add(SQRT_HALF_BITS));
    let kf = f64::from_bits(SHIFT.to_bits().wrapping_add(kb)) - (SHIFT + 1023.0);
    (kf, m - 1.0)
}

/// `c` with log(1+f) = f - c, for f in [sqrt(2)/2 - 1, sqrt(2) - 1] (a
/// little beyond is fine): c = f^2/2 - s*(f^2/2 + z*Q(z)).
#[inline(always)]
fn log1p_corr(f: f64) -> f64 {
    let s = f / (2.0 + f);
    let z = s * s;
    let z2 = z * z;
    let qa = LOG_Q1.mul_add(z, LOG_Q0);
    let qb = LOG_Q3.mul_add(z, LOG_Q2);
    let qc = LOG_Q5.mul_add(z, LOG_Q4);
    let q = LOG_Q6.mul_add(z2, qc).mul_add(z2, qb).mul_add(z2, qa);
    let hfsq = 0.5 * (f * f);
    s.mul_add(-(hfsq + z * q), hfsq)
}

/// log(1+f) = f - c.
#[inline(always)]
fn log1p_core(f: f64) -> f64 {
    f - log1p_corr(f)
}

/// k*ln2 + l, with ln2's rounding error added in.
#[inline(always)]
fn add_k_ln2(kf: f64, l: f64) -> f64 {
    kf.mul_add(LN2, kf.mul_add(LN2_TAIL, l))
}

// ---------------------------------------------------------------------------
// exp f64

#[inline(always)]
fn exp64_rare(x: f64) -> bool {
    !(x.abs() < 708.0)
}
#[inline(always)]
fn exp64_fast(x: f64) -> f64 {
    // As exp_reduce, but r rounded once without its error term (which
    // would change exp by at most 2^-54 relative).
    let t = x.mul_add(INV_LN2, SHIFT);
    let nf = t - SHIFT;
    let sc = f64::from_bits((t.to_bits() << 52).wrapping_add(1023 << 52));
    let r = (-nf).mul_add(LN2_LO, (-nf).mul_add(LN2_HI, x));
    let r2 = r * r;
    let q = r2.mul_add(exp_q(r, r2), r);
    q.mul_add(sc, sc)
}
fast_fn!(exp_fast_f64, exp_fast_f64_block, f64, exp64_rare, exp64_fast, explog::exp_f64);

// exp2 f64

#[inline(always)]
fn exp2_64_rare(x: f64) -> bool {
    !(x > -1021.0 && x < 1023.0)
}
#[inline(always)]
fn exp2_64_fast(x: f64) -> f64 {
    let t = x + SHIFT;
    let r = x - (t - SHIFT); // exact
    let sc = f64::from_bits((t.to_bits() << 52).wrapping_add(1023 << 52));
    let r2 = r * r;
    let a0 = EXP2_P1.mul_add(r, EXP2_P0);
    let a1 = EXP2_P3.mul_add(r, EXP2_P2);
    let a2 = EXP2_P5.mul_add(r, EXP2_P4);
    let a3 = EXP2_P7.mul_add(r, EXP2_P6);
    let a4 = EXP2_P9.mul_add(r, EXP2_P8);
    let p = EXP2_P10.mul_add(r2, a4).mul_add(r2, a3).mul_add(r2, a2).mul_add(r2, a1).mul_add(r2, a0);
    (r * p).mul_add(sc, sc)
}
fast_fn!(exp2_fast_f64, exp2_fast_f64_block, f64, exp2_64_rare, exp2_64_fast, explog::exp2_f64);

// expm1 f64

#[inline(always)]
fn expm1_64_rare(x: f64) -> bool {
    !(x > -700.0 && x < 709.0)
}
#[inline(always)]
fn expm1_64_fast(x: f64) -> f64 {
    let (sc, r, e) = exp_reduce(x);
    let r2 = r * r;
    let lo = r2.mul_add(exp_q(r, r2), e);
    // (2^n - 1) + 2^n*r, then + 2^n*lo.
    let hi = sc.mul_add(r, sc - 1.0);
    let y = sc.mul_add(lo, hi);
    if x == 0.0 { x } else { y }
}
fast_fn!(expm1_fast_f64, expm1_fast_f64_block, f64, expm1_64_rare, expm1_64_fast, explog::expm1_f64);

// log, log2, log10 f64

#[inline(always)]
fn log64_rare(x: f64) -> bool {
    !(x >= f64::MIN_POSITIVE && x <= f64::MAX)
}
#[inline(always)]
fn log64_fast(x: f64) -> f64 {
    let (kf, f) = log_split(x);
    add_k_ln2(kf, log1p_core(f))
}
fast_fn!(log_fast_f64, log_fast_f64_block, f64, log64_rare, log64_fast, explog::log_f64);

#[inline(always)]
fn log2_64_fast(x: f64) -> f64 {
    let (kf, f) = log_split(x);
    // k + (f - c)/ln2, with f/ln2 formed from the split 1/ln2 (f exact).
    let a = (-log1p_corr(f)).mul_add(INV_LN2, f * INV_LN2_TAIL);
    f.mul_add(INV_LN2, a) + kf
}
fast_fn!(log2_fast_f64, log2_fast_f64_block, f64, log64_rare, log2_64_fast, explog::log2_f64);

#[inline(always)]
fn log10_64_fast(x: f64) -> f64 {
    let (kf, f) = log_split(x);
    // k*log10(2) + (f - c)*log10(e), both constants split (f exact).
    let a = (-log1p_corr(f)).mul_add(LOG10_E, f.mul_add(LOG10_E_TAIL, kf * LOG10_2_TAIL));
    kf.mul_add(LOG10_2, f.mul_add(LOG10_E, a))
}
fast_fn!(log10_fast_f64, log10_fast_f64_block, f64, log64_rare, log10_64_fast, explog::log10_f64);

// log1p f64

#[inline(always)]
fn log1p_64_rare(x: f64) -> bool {
    // 2^1022: 2^-k stays normal.
    !(x > -1.0 && x < 4.49423283715579e307)
}
#[inline(always)]
fn log1p_64_fast(x: f64) -> f64 {
    let u = 1.0 + x; // >= 2^-53, normal
    let t = u.to_bits().wrapping_sub(SQRT_HALF_BITS).wrapping_add(1023 << 52);
    let kb = t >> 52; // k + 1023, in [970, 2045]
    let kf = f64::from_bits(SHIFT.to_bits().wrapping_add(kb)) - (SHIFT + 1023.0);
    let sc = f64::from_bits((2046 - kb) << 52); // 2^-k
    // f = (1 + x)*2^-k - 1: exact for k = 0, one rounding otherwise.
    let f = x.mul_add(sc, sc - 1.0);
    let y = add_k_ln2(kf, log1p_core(f));
    if x == 0.0 { x } else { y }
}
fast_fn!(log1p_fast_f64, log1p_fast_f64_block, f64, log1p_64_rare, log1p_64_fast, explog::log1p_f64);

// ---------------------------------------------------------------------------
// f32 pieces (computed in f32).

/// Exp reduction in f32: (2^n, r_hi, r_lo), |x| < 88.5.
#[inline(always)]
fn expf_reduce(x: f32) -> (f32, f32, f32) {
    let t = x.mul_add(INV_LN2_F, SHIFT_F);
    let nf = t - SHIFT_F;
    let sc = f32::from_bits((t.to_bits() << 23).wrapping_add(127 << 23));
    let a = (-nf).mul_add(LN2_HI_F, x); // exact
    let b = nf * LN2_LO_F;
    let r = a - b;
    // Fast2Sum, exact when |a| >= |b|; otherwise |r| < 2^-11 and n != 0,
    // so r's error is far below the result's ULP anyway.
    let e = (a - r) - b;
    (sc, r, e)
}

#[inline(always)]
fn expf_q(r: f32) -> f32 {
    EXPF_Q4.mul_add(r, EXPF_Q3).mul_add(r, EXPF_Q2).mul_add(r, EXPF_Q1).mul_add(r, EXPF_Q0)
}

/// log split of a positive normal f32: (k, f = m - 1).
#[inline(always)]
fn logf_split(x: f32) -> (f32, f32) {
    let t = x.to_bits().wrapping_sub(SQRT_HALF_BITS_F);
    let k = (t as i32) >> 23;
    let m = f32::from_bits((t & 0x007F_FFFF).wrapping_add(SQRT_HALF_BITS_F));
    (k as f32, m - 1.0)
}

/// `c` with log(1+f) = f - c (as `log1p_corr`).
#[inline(always)]
fn log1pf_corr(f: f32) -> f32 {
    let s = f / (2.0 + f);
    let z = s * s;
    let q = LOGF_Q2.mul_add(z, LOGF_Q1).mul_add(z, LOGF_Q0);
    let hfsq = 0.5 * (f * f);
    s.mul_add(-(hfsq + z * q), hfsq)
}

#[inline(always)]
fn log1pf_core(f: f32) -> f32 {
    f - log1pf_corr(f)
}

#[inline(always)]
fn add_k_ln2_f(kf: f32, l: f32) -> f32 {
    kf.mul_add(LN2_F, kf.mul_add(LN2_TAIL_F, l))
}

// exp f32

#[inline(always)]
fn exp32_rare(x: f32) -> bool {
    !(x > -87.0 && x < 88.0)
}
#[inline(always)]
fn exp32_fast(x: f32) -> f32 {
    // As expf_reduce, but r rounded once without its error term.
    let t = x.mul_add(INV_LN2_F, SHIFT_F);
    let nf = t - SHIFT_F;
    let sc = f32::from_bits((t.to_bits() << 23).wrapping_add(127 << 23));
    let r = (-nf).mul_add(LN2_LO_F, (-nf).mul_add(LN2_HI_F, x));
    let q = (r * r).mul_add(expf_q(r), r);
    q.mul_add(sc, sc)
}
fast_fn!(exp_fast_f32, exp_fast_f32_block, f32, exp32_rare, exp32_fast, explog::exp_f32);

// exp2 f32

#[inline(always)]
fn exp2_32_rare(x: f32) -> bool {
    !(x > -125.0 && x < 127.0)
}
#[inline(always)]
fn exp2_32_fast(x: f32) -> f32 {
    let t = x + SHIFT_F;
    let r = x - (t - SHIFT_F); // exact
    let sc = f32::from_bits((t.to_bits() << 23).wrapping_add(127 << 23));
    let p = EXP2F_P5
        .mul_add(r, EXP2F_P4)
        .mul_add(r, EXP2F_P3)
        .mul_add(r, EXP2F_P2)
        .mul_add(r, EXP2F_P1)
        .mul_add(r, EXP2F_P0);
    (r * p).mul_add(sc, sc)
}
fast_fn!(exp2_fast_f32, exp2_fast_f32_block, f32, exp2_32_rare, exp2_32_fast, explog::exp2_f32);

// expm1 f32

#[inline(always)]
fn expm1_32_rare(x: f32) -> bool {
    !(x > -87.0 && x < 88.0)
}
#[inline(always)]
fn expm1_32_fast(x: f32) -> f32 {
    let (sc, r, e) = expf_reduce(x);
    let lo = (r * r).mul_add(expf_q(r), e);
    let hi = sc.mul_add(r, sc - 1.0);
    let y = sc.mul_add(lo, hi);
    if x == 0.0 { x } else { y }
}
fast_fn!(expm1_fast_f32, expm1_fast_f32_block, f32, expm1_32_rare, expm1_32_fast, explog::expm1_f32);

// log, log2, log10 f32

#[inline(always)]
fn log32_rare(x: f32) -> bool {
    !(x >= f32::MIN_POSITIVE && x <= f32::MAX)
}
#[inline(always)]
fn log32_fast(x: f32) -> f32 {
    let (kf, f) = logf_split(x);
    add_k_ln2_f(kf, log1pf_core(f))
}
fast_fn!(log_fast_f32, log_fast_f32_block, f32, log32_rare, log32_fast, explog::log_f32);

#[inline(always)]
fn log2_32_fast(x: f32) -> f32 {
    let (kf, f) = logf_split(x);
    let a = (-log1pf_corr(f)).mul_add(INV_LN2_F, f * INV_LN2_TAIL_F);
    f.mul_add(INV_LN2_F, a) + kf
}
fast_fn!(log2_fast_f32, log2_fast_f32_block, f32, log32_rare, log2_32_fast, explog::log2_f32);

#[inline(always)]
fn log10_32_fast(x: f32) -> f32 {
    let (kf, f) = logf_split(x);
    let a = (-log1pf_corr(f)).mul_add(LOG10_E_F, f.mul_add(LOG10_E_TAIL_F, kf * LOG10_2_TAIL_F));
    kf.mul_add(LOG10_2_F, f.mul_add(LOG10_E_F, a))
}
fast_fn!(log10_fast_f32, log10_fast_f32_block, f32, log32_rare, log10_32_fast, explog::log10_f32);

// log1p f32

#[inline(always)]
fn log1p_32_rare(x: f32) -> bool {
    // 2^126: 2^-k stays normal.
    !(x > -1.0 && x < 8.507059e37)
}
#[inline(always)]
fn log1p_32_fast(x: f32) -> f32 {
    let u = 1.0 + x; // >= 2^-24, normal
    let t = u.to_bits().wrapping_sub(SQRT_HALF_BITS_F);
    let k = (t as i32) >> 23; // in [-24, 126]
    let sc = f32::from_bits(((127 - k) as u32) << 23); // 2^-k
    let f = x.mul_add(sc, sc - 1.0);
    let y = add_k_ln2_f(k as f32, log1pf_core(f));
    if x == 0.0 { x } else { y }
}
fast_fn!(log1p_fast_f32, log1p_fast_f32_block, f32, log1p_32_rare, log1p_32_fast, explog::log1p_f32);
