//! Fast mode (`MathMode::Fast`): sin, cos, tan for `f32` and `f64`,
//! at most 4 ULP (measured: at most 2.93, see below).
//!
//! Unlike the default functions (`trig.rs`), these use FMA (`mul_add`,
//! always fused, so every level and the scalar functions give the same
//! bits; at the SSE2 level it is a libm `fma` call, correct but slow), and
//! `f32` computes in `f32` lanes (16 per AVX-512 vector).
//!
//! ## sin, cos
//!
//! Reduction modulo pi: sin x with k = round(x/pi) (the 1.5*2^52 or
//! 1.5*2^23 shifter, `fma(x, 1/pi, shifter)`; the parity of k is the last
//! mantissa bit of the shifted sum), r = x - k*pi in [-pi/2, pi/2] (a
//! little more from the rounding of k), sin x = (-1)^k sin r. cos x uses
//! h = k - 1/2 with k = round(x/pi + 1/2): r = x - h*pi, cos x = (-1)^k sin r,
//! so both are one odd polynomial and no quadrant select. r is
//! x - k*P1 - k*P2 - k*P3 by three FMAs (pi = P1 + P2 + P3 plus ~1e-49 in
//! f64, ~2e-23 in f32, each part the previous remainder rounded): the first is
//! exact (P1 has the type's precision and x - k*P1 is a multiple of the
//! ulp of P1 below 2 in magnitude), the other two round, so the computed r
//! is within about one ulp of the exact reduced argument.
//!
//! Kernel: sin r = r + r^3*S(z), z = r^2, `fma(r*z, S(z), r)`, clamped to
//! [-1, 1] (so |sin| never exceeds 1); S has 8 coefficients in f64 (fitted
//! on |r| <= pi/2 (1 + 2^-20), relative error 2^-61.5) and 5 in f32 (on
//! |r| <= pi/2 + 0.01, relative error 2^-31.0). sin(-0) = -0 by a select.
//!
//! ## tan
//!
//! k = round(2x/pi), r = x - k*pi/2 in [-pi/4, pi/4] (a little more from the
//! rounding of k), tan x = tan r (k even) or -1/tan r (k odd).
//!
//! f64: r by three FMAs as for sin (x - k*P1 exact, then the P2 and P3
//! parts, each rounded), z = r^2, and one rational function,
//! tan r = n/d with n = r*TP(z) = r + r*z*(TP1 + TP2 z + TP3 z^2) (the last
//! step an FMA) and d = TQ(z) = 1 + z*(TQ1 + ... + TQ4 z^3): degree 7 over
//! degree 8 in r, fitted on |r| <= pi/4 (1 + 2^-20) for the relative error
//! (`tools/vmath/fit_fast_tan64.py`: the linearised problem
//! min max |r TP(z) - tan(r) TQ(z)| / (tan(r) TQ0(z)) by Lawson's iteratively
//! reweighted least squares, repeated with TQ0 the previous TQ (Loeb); 2^-56.6
//! with the coefficients rounded to f64). tan x = n/d (k even) or -d/n
//! (k odd): numerator and denominator are selected first, so one division
//! and no correction step; the error is the roundings of r, n, d and the
//! quotient (at most 2.93 ULP measured, see below).
//!
//! f32 (cheaper, the error budget allows it): r by three FMAs as for sin,
//! tan r = r + tl with tl = r*z*TF(z), TF of 7 coefficients (on
//! |r| <= pi/4 + 0.07, the margin for the f32 rounding of k up to 2^21;
//! relative error 2^-27.2); for odd k, -1/(t + te) with t = r + tl rounded,
//! te its rounding error (Fast2Sum), inv = -1/t and e = 1 + t*inv exactly
//! (FMA): -1/tan r = inv + inv*(e + te*inv). tan(-0) = -0 by a select.
//!
//! Coefficients (except the f64 tan's, above): `tools/vmath/fit_fast_trig.py` (mpmath; Lawson's
//! iteratively reweighted least squares for the relative error on Chebyshev
//! nodes, then rounded to the type one coefficient at a time, lowest order
//! first, refitting the rest after each rounding).
//!
//! ## What goes to the default functions
//!
//! The block functions run the fast path on every element (a branch-free,
//! vectorised loop), then a scalar patch pass recomputes with the default
//! function of `trig.rs` (same results, NaN signs and payloads included)
//! every element with |x| >= 2^30 (f64) or |x| >= 2^21 (f32), inf or NaN.
//! Below those bounds the reduction stays accurate (f32: checked
//! exhaustively; f64: the fixtures' floats nearest to k*pi/2 up to 2^40).
//!
//! ## Measured error (max ULP)
//!
//! Against the mpmath fixtures (`tests/fixtures/vmath`, every level):
//! sin 1.26 / 1.34, cos 1.42 / 1.68, tan 2.54 / 1.59 (f64 / f32).
//! Exhaustively, every f32 with |x| < 2^21 against the default f64
//! functions (within 1 ULP of f64, so exact at f32 scale): sin 1.98,
//! cos 2.37, tan 2.38; the AVX2 and AVX-512 block functions agree bit for
//! bit on all of them, and with the scalar and SSE2 ones on every 4099th.
//! float64, 2*10^7 random inputs (uniform on [-100, 100] and log-uniform
//! on 2^-31..2^30) against the default functions: at most 2 ULP apart
//! (sin, cos). tan: 10^7 random inputs (uniform on [-100, 100] and
//! log-uniform on 2^-30..2^30, random sign) and the floats next to
//! k*pi/2 and (k + 1/2)*pi/2 for k < 50000, against the default tan: at most
//! 3 ULP apart (0.004% of inputs 3, 1.3% 2); all the inputs 3 apart and a
//! sample of those 2 apart, against mpmath: at most 2.93 ULP;
//! the scalar function and the SSE2, AVX2 and AVX-512 block functions
//! agree bit for bit on all of them.

// ---------------------------------------------------------------------------
// Constants (tools/vmath/fit_fast_trig.py)

/// 1.5 * 2^52 and 1.5 * 2^23: adding one rounds to an integer held in the
/// low mantissa bits (its parity is the last bit).
const SHIFT64: f64 = 6755399441055744.0;
const SHIFT32: f32 = 12582912.0;

const INV_PI64: f64 = core::f64::consts::FRAC_1_PI;
const INV_PIO2_64: f64 = core::f64::consts::FRAC_2_PI;
const INV_PI32: f32 = core::f32::consts::FRAC_1_PI;
const INV_PIO2_32: f32 = core::f32::consts::FRAC_2_PI;

// pi = PI64_1 + PI64_2 + PI64_3 (+ ~1e-49), each the previous remainder
// rounded to 53 bits.
const PI64_1: f64 = core::f64::consts::PI;
const PI64_2: f64 = 1.2246467991473532e-16;
const PI64_3: f64 = -2.9947698097183397e-33;
// pi/2 in three parts (the pi parts halved).
const PIO2_64_1: f64 = PI64_1 * 0.5;
const PIO2_64_2: f64 = PI64_2 * 0.5;
const PIO2_64_3: f64 = PI64_3 * 0.5;
// pi = PI32_1 + PI32_2 + PI32_3 (+ ~1e-22), each rounded to 24 bits.
const PI32_1: f32 = core::f32::consts::PI;
const PI32_2: f32 = -8.742278e-8;
const PI32_3: f32 = -3.430249e-15;
const PIO2_32_1: f32 = PI32_1 * 0.5;
const PIO2_32_2: f32 = PI32_2 * 0.5;
const PIO2_32_3: f32 = PI32_3 * 0.5;

// sin r = r + r^3*S(r^2), |r| <= pi/2 (f64).
const S0: f64 = -0.16666666666666666;
const S1: f64 = 0.008333333333333207;
const S2: f64 = -0.00019841269841212514;
const S3: f64 = 2.7557319211582857e-06;
const S4: f64 = -2.5052106906319823e-08;
const S5: f64 = 1.605894112966614e-10;
const S6: f64 = -7.643023459636938e-13;
const S7: f64 = 2.721470108023141e-15;

// sin r = r + r^3*SF(r^2), |r| <= pi/2 + 0.01 (f32).
const SF0: f32 = -0.16666667;
const SF1: f32 = 0.0083333505;
const SF2: f32 = -0.000198431;
const SF3: f32 = 2.7627693e-6;
const SF4: f32 = -2.5519709e-8;

// tan r = r*TP(r^2)/TQ(r^2), TP = 1 + TP1 z + ..., TQ = 1 + TQ1 z + ...,
// |r| <= pi/4 (1 + 2^-20), relative error 2^-56.6 (f64; fit_fast_tan64.py).
const TP1: f64 = -0.13338301126480948;
const TP2: f64 = 0.0034248284951375607;
const TP3: f64 = -1.7860712213029907e-05;
const TQ1: f64 = -0.4667163445981428;
const TQ2: f64 = 0.025663610027851887;
const TQ3: f64 = -0.0003118054099993973;
const TQ4: f64 = 4.981465437637221e-07;

// tan r = r + r^3*TF(r^2), |r| <= pi/4 + 0.07 (f32).
const TF0: f32 = 0.33333403;
const TF1: f32 = 0.13330956;
const TF2: f32 = 0.054240745;
const TF3: f32 = 0.020409225;
const TF4: f32 = 0.012952274;
const TF5: f32 = -0.0024214624;
const TF6: f32 = 0.005536375;

/// Fast-path bounds: beyond them (and for inf, NaN) the default functions.
const BOUND64: f64 = 1073741824.0; // 2^30
const BOUND32: f32 = 2097152.0; // 2^21

// ---------------------------------------------------------------------------
// Kernels

/// sin r for |r| <= pi/2 (f64).
#[inline(always)]
fn sin_poly64(r: f64) -> f64 {
    let z = r * r;
    let p = S7.mul_add(z, S6);
    let p = p.mul_add(z, S5);
    let p = p.mul_add(z, S4);
    let p = p.mul_add(z, S3);
    let p = p.mul_add(z, S2);
    let p = p.mul_add(z, S1);
    let p = p.mul_add(z, S0);
    (r * z).mul_add(p, r).clamp(-1.0, 1.0)
}

#[inline(always)]
fn sin_poly32(r: f32) -> f32 {
    let z = r * r;
    let p = SF4.mul_add(z, SF3);
    let p = p.mul_add(z, SF2);
    let p = p.mul_add(z, SF1);
    let p = p.mul_add(z, SF0);
    (r * z).mul_add(p, r).clamp(-1.0, 1.0)
}

/// Flips the sign of v when the integer held by the shifter sum t0 is odd.
#[inline(always)]
fn flip64(v: f64, t0: f64) -> f64 {
    f64::from_bits(v.to_bits() ^ (t0.to_bits() << 63))
}

#[inline(always)]
fn flip32(v: f32, t0: f32) -> f32 {
    f32::from_bits(v.to_bits() ^ (t0.to_bits() << 31))
}

// sin x: x = k*pi + r, sin x = (-1)^k sin r.
#[inline(always)]
fn sin64_fast(x: f64) -> f64 {
    let t0 = x.mul_add(INV_PI64, SHIFT64);
    let k = t0 - SHIFT64;
    let r = (-k).mul_add(PI64_1, x);
    let r = (-k).mul_add(PI64_2, r);
    let r = (-k).mul_add(PI64_3, r);
    let v = flip64(sin_poly64(r), t0);
    if x == 0.0 { x } else { v }
}

// cos x: x = (k - 1/2)*pi + r, cos x = (-1)^k sin r.
#[inline(always)]
fn cos64_fast(x: f64) -> f64 {
    let t0 = x.mul_add(INV_PI64, 0.5) + SHIFT64;
    let h = (t0 - SHIFT64) - 0.5;
    let r = (-h).mul_add(PI64_1, x);
    let r = (-h).mul_add(PI64_2, r);
    let r = (-h).mul_add(PI64_3, r);
    flip64(sin_poly64(r), t0)
}

#[inline(always)]
fn sin32_fast(x: f32) -> f32 {
    let t0 = x.mul_add(INV_PI32, SHIFT32);
    let k = t0 - SHIFT32;
    let r = (-k).mul_add(PI32_1, x);
    let r = (-k).mul_add(PI32_2, r);
    let r = (-k).mul_add(PI32_3, r);
    let v = flip32(sin_poly32(r), t0);
    if x == 0.0 { x } else { v }
}

#[inline(always)]
fn cos32_fast(x: f32) -> f32 {
    let t0 = x.mul_add(INV_PI32, 0.5) + SHIFT32;
    let h = (t0 - SHIFT32) - 0.5;
    let r = (-h).mul_add(PI32_1, x);
    let r = (-h).mul_add(PI32_2, r);
    let r = (-h).mul_add(PI32_3, r);
    flip32(sin_poly32(r), t0)
}

// tan x: x = k*pi/2 + r, tan r = n/d = r*TP(r^2)/TQ(r^2), tan x = n/d
// (k even) or -d/n (k odd): one division.
#[inline(always)]
fn tan64_fast(x: f64) -> f64 {
    let t0 = x.mul_add(INV_PIO2_64, SHIFT64);
    let k = t0 - SHIFT64;
    let r = (-k).mul_add(PIO2_64_1, x);
    let r = (-k).mul_add(PIO2_64_2, r);
    let r = (-k).mul_add(PIO2_64_3, r);
    let z = r * r;
    let p = TP3.mul_add(z, TP2).mul_add(z, TP1);
    let n = (r * z).mul_add(p, r);
    let q = TQ4.mul_add(z, TQ3).mul_add(z, TQ2).mul_add(z, TQ1);
    let d = z.mul_add(q, 1.0);
    let odd = t0.to_bits() & 1 != 0;
    let num = if odd { -d } else { n };
    let den = if odd { n } else { d };
    let v = num / den;
    if x == 0.0 { x } else { v }
}

// tan x: x = k*pi/2 + r, tan x = sin r / cos r (k even), -cos r / sin r
// (k odd), with r, sin r, cos r as unevaluated pairs and a compensated
// division.
#[inline(always)]
fn tan32_fast(x: f32) -> f32 {
    let t0 = x.mul_add(INV_PIO2_32, SHIFT32);
    let k = t0 - SHIFT32;
    let r = (-k).mul_add(PIO2_32_1, x);
    let r = (-k).mul_add(PIO2_32_2, r);
    let r = (-k).mul_add(PIO2_32_3, r);
    let z = r * r;
    let p = TF6.mul_add(z, TF5);
    let p = p.mul_add(z, TF4);
    let p = p.mul_add(z, TF3);
    let p = p.mul_add(z, TF2);
    let p = p.mul_add(z, TF1);
    let p = p.mul_add(z, TF0);
    let tl = (r * z) * p;
    let t = r + tl;
    // Odd k: -1/(t + te), te the rounding error of t (Fast2Sum), with
    // inv = -1/t rounded and e = 1 + t*inv exactly (FMA).
    let te = (r - t) + tl;
    let inv = -1.0 / t;
    let e = t.mul_add(inv, 1.0);
    let cot = inv.mul_add(te.mul_add(inv, e), inv);
    let odd = t0.to_bits() & 1 != 0;
    let v = if odd { cot } else { t };
    if x == 0.0 { x } else { v }
}

/// Whether x goes to the default function (huge, inf or NaN).
#[inline(always)]
fn rare64(x: f64) -> bool {
    !(x.abs() < BOUND64)
}

#[inline(always)]
fn rare32(x: f32) -> bool {
    !(x.abs() < BOUND32)
}

/// Defines the scalar and block functions from the fast path, the default
/// function (slow path) and the predicate choosing it.
macro_rules! fast_fn {
    ($name:ident, $block:ident, $t:ty, $fast:ident, $slow:path, $rare:ident) => {
        pub fn $name(x: $t) -> $t {
            if $rare(x) { $slow(x) } else { $fast(x) }
        }

        #[inline(always)]
        pub fn $block(x: &[$t], out: &mut [$t]) {
            let n = x.len().min(out.len());
            let (x, out) = (&x[..n], &mut out[..n]);
            // Branch-free main loop (a plain map: LLVM vectorises it with
            // contiguous loads and stores).
            for (o, &v) in out.iter_mut().zip(x) {
                *o = $fast(v);
            }
            // Patch pass: the rare elements through the default function,
            // each group of 16 first tested at once.
            for (o16, x16) in out.chunks_mut(16).zip(x.chunks(16)) {
                if x16.iter().fold(false, |a, &v| a | $rare(v)) {
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

fast_fn!(
    sin_fast_f32,
    sin_fast_f32_block,
    f32,
    sin32_fast,
    super::trig::sin_f32,
    rare32
);
fast_fn!(
    sin_fast_f64,
    sin_fast_f64_block,
    f64,
    sin64_fast,
    super::trig::sin_f64,
    rare64
);
fast_fn!(
    cos_fast_f32,
    cos_fast_f32_block,
    f32,
    cos32_fast,
    super::trig::cos_f32,
    rare32
);
fast_fn!(
    cos_fast_f64,
    cos_fast_f64_block,
    f64,
    cos64_fast,
    super::trig::cos_f64,
    rare64
);
fast_fn!(
    tan_fast_f32,
    tan_fast_f32_block,
    f32,
    tan32_fast,
    super::trig::tan_f32,
    rare32
);
fast_fn!(
    tan_fast_f64,
    tan_fast_f64_block,
    f64,
    tan64_fast,
    super::trig::tan_f64,
    rare64
);
