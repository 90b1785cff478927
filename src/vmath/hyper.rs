//! Hyperbolic functions and `hypot`: sinh, cosh, tanh, arcsinh, arccosh,
//! arctanh (unary) and hypot (binary), for `f64` and `f32`.
//!
//! ## Method
//!
//! Every `f64` function is written as one branch-free computation (selects
//! instead of branches), so the block functions are that computation
//! mapped over a slice, which the compiler vectorises, and no second
//! "patch" pass is needed: the rare cases (NaN, infinities, overflow,
//! domain errors, tiny arguments) are folded in by selects at the end.
//! Only IEEE `+ - * /`, `sqrt`, comparisons, selects and integer/bit
//! operations are used; no FMA, so all levels give the same bits.
//!
//! To stay below 1 ULP the intermediate results are carried as unevaluated
//! sums `hi + lo` of two doubles ("double-double"), with Dekker's exact
//! product (Veltkamp splitting, no FMA) and Knuth's/Dekker's exact sums,
//! and only the very last addition rounds.
//!
//! * exp part (sinh, cosh, tanh): |x| = k ln2 + r, |r| <= ln2/2, with
//!   ln2 split in two parts (Cody-Waite) so k*L1 is exact. Then
//!   sinh r = r + r^3 PS(r^2) and cosh r = 1 + r^2/2 + r^4 PC(r^2)
//!   (PS, PC: degree-5 polynomials), r^2/2 exact via Dekker, which give
//!   e^r = 1 + expm1(r) and e^-r = 1 + expm1(-r) both as double-doubles,
//!   and then sinh = 2^(k-1) (e^r - 2^-2k e^-r), cosh likewise with +,
//!   tanh(a) = u / (u + 2) with u = expm1(2a) (double-double division).
//! * log part (arcsinh, arccosh, arctanh): log(hi + lo) = e ln2 + log m,
//!   m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s) with s = f / (2 + f),
//!   f = m - 1 (s as a double-double), 2 atanh(s) = 2s + s^3 QL(s^2) with
//!   QL of degree 7. Then arcsinh a = log(a + sqrt(a^2 + 1)),
//!   arccosh x = log(x + sqrt(x^2 - 1)), arctanh a = log((1+a)/(1-a)) / 2,
//!   with the arguments of log formed as double-doubles (so no
//!   cancellation near 0 or 1), and log(2a) for huge a (no overflow).
//! * hypot: scale by a power of two, sum of squares exactly (Dekker),
//!   square root corrected by one Newton step in double-double.
//!
//! The polynomial coefficients were fitted for this file by a script
//! (`tools/vmath/fit_hyper.py`:
//! Lawson's iteratively reweighted least squares, which converges to the
//! minimax approximation, in 60-digit mpmath, relative error, on the
//! ranges above). The polynomials with coefficients rounded to double are
//! accurate to about 2^-54 relative, and they only enter as small tails
//! (r^3..., s^3...), so their error is far below the final rounding.
//!
//! The `f32` functions compute in `f64` and round once at the end: sinh
//! and cosh with the `f64` code itself, the others with cheaper plain
//! `f64` versions (see `log_plain`), accurate to about 2^-45 relative,
//! which is plenty for an f32 result.
//!
//! ## Special values (as NumPy 2.4 on x86-64)
//!
//! NaN inputs come back as `x + x` (payload kept), except tanh, for which
//! NumPy returns the default positive quiet NaN for every NaN input.
//! Domain errors (arccosh(x < 1), arctanh(|x| > 1), including -inf and
//! +-inf) give the negative quiet NaN. arctanh(+-1) = +-inf; sinh/cosh
//! overflow to +-inf above |x| ~ 710.4758600739439 (f64) / 89.41599 (f32);
//! tanh is exactly +-1 for |x| > 19.1 (f64); sinh, tanh, arcsinh and arctanh
//! return x itself for tiny x (subnormals included), with its sign;
//! hypot(+-inf, NaN) = hypot(NaN, +-inf) = +inf; a NaN operand of hypot
//! otherwise comes back (x's if both are NaN).

use super::dd::{fast_two_sum, split, two_prod, two_sum};

// ---------------------------------------------------------------------
// Constants.

/// ln 2 split for Cody-Waite reduction: L1 has 41 significant bits, so
/// k * L1 is exact for |k| < 2^12; L2 = ln2 - L1 rounded (the rest, ~2e-31,
/// is negligible).
const L1: f64 = 0.693147180559663;
const L2: f64 = 2.8235290563031577e-13;
/// ln 2 as a double-double.
const LN2H: f64 = core::f64::consts::LN_2;
const LN2L: f64 = 2.3190468138462996e-17;
const INV_LN2: f64 = core::f64::consts::LOG2_E;
/// 1.5 * 2^52: adding and subtracting it rounds to an integer.
const SHIFT: f64 = 6755399441055744.0;
/// Veltkamp's splitting constant 2^27 + 1.
/// Negative quiet NaN (what NumPy returns for domain errors, on x86).
const NEG_NAN: f64 = f64::from_bits(0xfff8_0000_0000_0000);

// sinh(r) = r + r^3 * PS(r^2) on |r| <= 0.3469 (rel. error ~2^-54).
const PS0: f64 = 0.16666666666666666;
const PS1: f64 = 0.008333333333333333;
const PS2: f64 = 0.0001984126984126327;
const PS3: f64 = 2.755731924729299e-06;
const PS4: f64 = 2.5052071012447587e-08;
const PS5: f64 = 1.608665893226032e-10;
// cosh(r) = 1 + r^2/2 + r^4 * PC(r^2) on |r| <= 0.3469.
const PC0: f64 = 0.041666666666666664;
const PC1: f64 = 0.001388888888888889;
const PC2: f64 = 2.4801587301583195e-05;
const PC3: f64 = 2.75573192385553e-07;
const PC4: f64 = 2.0876733628365018e-09;
const PC5: f64 = 1.1488004848812386e-11;
// 2 atanh(s) = 2s + s^3 * QL(s^2) on |s| <= 0.1716.
const QL0: f64 = 0.6666666666666666;
const QL1: f64 = 0.40000000000000885;
const QL2: f64 = 0.28571428570800267;
const QL3: f64 = 0.22222222392433405;
const QL4: f64 = 0.18181795566612957;
const QL5: f64 = 0.15386243549155745;
const QL6: f64 = 0.1326867359024379;
const QL7: f64 = 0.130876361717157;

// ---------------------------------------------------------------------
// Double-double building blocks.

/// 2^n for an integer n in [-1022, 1023], built from its bits.
#[inline(always)]
fn pow2i(n: i64) -> f64 {
    f64::from_bits(((n + 1023) as u64) << 52)
}

/// 2^n for an integer-valued float n in [-1022, 1023]: the shifter puts
/// n + 1023 in the low mantissa bits (no float-to-int conversion, which
/// does not vectorise before AVX-512).
#[inline(always)]
fn pow2f(n: f64) -> f64 {
    let t = n + (SHIFT + 1023.0);
    f64::from_bits((t.to_bits() - SHIFT.to_bits()) << 52)
}





/// Exact square a * a = p + e.
#[inline(always)]
fn two_sqr(a: f64) -> (f64, f64) {
    let p = a * a;
    let (ah, al) = split(a);
    (p, ((ah * ah - p) + 2.0 * (ah * al)) + al * al)
}

/// (nh + nl) / (dh + dl) as a double-double: one division for the
/// reciprocal, the remainder computed exactly, one correction. The inputs
/// must be normalised (|nl| <~ ulp(nh), |dl| <~ ulp(dh)).
#[inline(always)]
fn dd_div(nh: f64, nl: f64, dh: f64, dl: f64) -> (f64, f64) {
    let inv = 1.0 / dh;
    let q1 = nh * inv;
    let (p, pe) = two_prod(q1, dh);
    let rem = (((nh - p) - pe) + nl) - q1 * dl;
    (q1, rem * inv)
}

/// sqrt(vh + vl) as a double-double (one Newton correction), vh > 0.
#[inline(always)]
fn dd_sqrt(vh: f64, vl: f64) -> (f64, f64) {
    let s = vh.sqrt();
    let (p, pe) = two_sqr(s);
    let corr = (((vh - p) - pe) + vl) / (s + s);
    (s, corr)
}

// ---------------------------------------------------------------------
// exp kernel.

/// For 0 <= a <= 711, returns (k, A, B) with
/// a = k ln2 + r, |r| <= ln2/2 (about), and
/// A = Ah + Al = e^r, B = Bh + Bl = e^-r, each to about 2^-62 relative,
/// plus the odd part r + (odd) = sinh r for the k = 0 case of sinh.
struct ExpParts {
    k: i64,
    kf: f64,
    ah: f64,
    al: f64,
    bh: f64,
    bl: f64,
    /// sinh r = r_hi + sinh_tail (used when k == 0, where r_hi = a)
    sinh_tail: f64,
}

#[inline(always)]
fn exp_parts(a: f64) -> ExpParts {
    // k = round(a / ln2), as a float and as an integer read from the bits.
    let t = a * INV_LN2 + SHIFT;
    let kf = t - SHIFT;
    let k = (t.to_bits() as i64) - (SHIFT.to_bits() as i64);
    // r = a - k ln2 = rh + rl (k*L1 exact, a - k*L1 exact).
    let t1 = a - kf * L1;
    let kl2 = kf * L2;
    let rh = t1 - kl2;
    let rl = (t1 - rh) - kl2;
    // r^2/2 exactly (Dekker), then the polynomial tails.
    let (z, ze) = two_sqr(rh);
    let odd = rh * z * (PS0 + z * (PS1 + z * (PS2 + z * (PS3 + z * (PS4 + z * PS5)))));
    let even = z * z * (PC0 + z * (PC1 + z * (PC2 + z * (PC3 + z * (PC4 + z * PC5)))));
    let qh = 0.5 * z;
    // tails: sinh r - rh = rl + odd; cosh r - 1 - qh = 0.5 ze + rh rl + even
    let st = rl + odd;
    let ct = (0.5 * ze + rh * rl) + even;
    // expm1(r) = rh + qh + (st + ct); expm1(-r) = -rh + qh + (-st + ct)
    let (mh, me) = fast_two_sum(rh, qh);
    let (nh, ne) = fast_two_sum(-rh, qh);
    let (ah, ae) = fast_two_sum(1.0, mh);
    let (bh, be) = fast_two_sum(1.0, nh);
    ExpParts {
        k,
        kf,
        ah,
        al: ae + (me + (st + ct)),
        bh,
        bl: be + (ne + (ct - st)),
        sinh_tail: st,
    }
}

/// Multiplies v by 2^n for n in [-1, 1040] in two exact steps (so that
/// 2^n itself need not be representable); overflows to inf correctly.
/// (Logical shift of a non-negative value: vectorises on every level.)
#[inline(always)]
fn scale2(v: f64, n: i64) -> f64 {
    let n1 = (((n + 1) as u64) >> 1) as i64;
    let n2 = n - n1;
    v * pow2i(n1) * pow2i(n2)
}

// ---------------------------------------------------------------------
// log kernel.

/// log(xh + xl) as a double-double, for 1 <= xh <= MAX (other xh are
/// treated as 1), |xl| <= ulp(xh). Absolute error about 2^-62 * max(1, |log|) and
/// relative error about 2^-60 near x = 1.
#[inline(always)]
fn log_dd(xh: f64, xl: f64) -> (f64, f64) {
    // Lanes whose result is replaced later (NaN, inf) get 1, so that the
    // integer work below stays in range for every input.
    let xh = if (1.0..=f64::MAX).contains(&xh) { xh } else { 1.0 };
    // xh = 2^e * m with m in [sqrt(1/2), sqrt(2)). Every caller has
    // xh >= sqrt(1/2), so e >= 0 and a logical shift extracts it.
    let bits = xh.to_bits();
    let e = (bits - 0x3fe6_a09e_667f_3bcd) >> 52;
    let m = f64::from_bits(bits - (e << 52));
    // e as a float via the shifter (integer add, float subtract).
    let ef = f64::from_bits(SHIFT.to_bits() + e) - SHIFT;
    // the low part scaled by 2^-e, in two exact steps (e <= 1024).
    let e1 = e >> 1;
    let e2 = e - e1;
    let xls = xl * pow2i(-(e1 as i64)) * pow2i(-(e2 as i64));
    // f = m - 1 (exact) plus the low part.
    let (fh, fl) = two_sum(m - 1.0, xls);
    // s = f / (2 + f) as a double-double.
    let (dh, de) = fast_two_sum(2.0, fh);
    let (sh, sl) = dd_div(fh, fl, dh, de + fl);
    // log m = 2 atanh s = 2s + s^3 QL(s^2)
    let z = sh * sh;
    let tail = sh * z
        * (QL0 + z * (QL1 + z * (QL2 + z * (QL3 + z * (QL4 + z * (QL5 + z * (QL6 + z * QL7)))))));
    // e ln2 + 2 sh + (e L2 + 2 sl + tail)
    let (h, he) = fast_two_sum(ef * L1, 2.0 * sh);
    (h, he + ((ef * L2 + 2.0 * sl) + tail))
}

// ---------------------------------------------------------------------
// f64 functions.

/// sinh: odd; for |x| < ln2/2 (k = 0) sinh x = x + x^3 PS(x^2) directly,
/// else 2^(k-1) (e^r - 2^-2k e^-r) in double-double. |x| > 711 overflows.
#[inline(always)]
fn sinh_core(x: f64) -> f64 {
    let a0 = x.abs();
    // (NaN goes to 711 too, keeping the integer work in range.)
    let a = if a0 <= 711.0 { a0 } else { 711.0 };
    let p = exp_parts(a);
    // 2^-2k, clamped: for k > 40 the e^-r term is below 2^-80 relative.
    let kc = if p.kf > 40.0 { 40.0 } else { p.kf };
    let g = pow2f(-2.0 * kc);
    let (s, se) = fast_two_sum(p.ah, -(g * p.bh));
    let big = scale2(s + ((se + p.al) - g * p.bl), p.k - 1);
    let small = a + p.sinh_tail;
    let r = if p.kf == 0.0 { small } else { big };
    let r = r.copysign(x);
    if x.is_nan() { x + x } else { r }
}

/// cosh: even; 2^(k-1) (e^r + 2^-2k e^-r) in double-double.
#[inline(always)]
fn cosh_core(x: f64) -> f64 {
    let a0 = x.abs();
    let a = if a0 <= 711.0 { a0 } else { 711.0 };
    let p = exp_parts(a);
    let kc = if p.kf > 40.0 { 40.0 } else { p.kf };
    let g = pow2f(-2.0 * kc);
    let (s, se) = fast_two_sum(p.ah, g * p.bh);
    let r = scale2(s + ((se + p.al) + g * p.bl), p.k - 1);
    if x.is_nan() { x + x } else { r }
}

/// tanh: odd; tanh a = u / (u + 2), u = expm1(2a) = 2^k e^r - 1 as a
/// double-double; |x| > 22 gives +-1 (2a clamped to 44), |x| < 2^-28 gives x.
#[inline(always)]
fn tanh_core(x: f64) -> f64 {
    let a0 = x.abs();
    let y = if a0 <= 22.0 { a0 + a0 } else { 44.0 };
    let p = exp_parts(y);
    let sc = pow2i(p.k);
    let eh = p.ah * sc;
    let el = p.al * sc;
    // u = E - 1 and d = E + 1, renormalised (|lo| <= ulp(hi)) because
    // dd_div is only a first-order correction.
    let (uh, ue) = two_sum(eh, -1.0);
    let (uh, ul) = fast_two_sum(uh, ue + el);
    let (dh, de) = two_sum(eh, 1.0);
    let (dh, dl) = fast_two_sum(dh, de + el);
    let (qh, ql) = dd_div(uh, ul, dh, dl);
    let r = qh + ql;
    let r = if a0 < 3.725290298461914e-9 { a0 } else { r };
    let r = r.copysign(x);
    // NumPy's tanh returns the default positive quiet NaN for any NaN.
    if x.is_nan() { f64::NAN } else { r }
}

/// arcsinh: odd; log(a + sqrt(a^2 + 1)) with the argument as a
/// double-double; log(a) + ln2 for a > 2^28; x for |x| < 2^-28.
#[inline(always)]
fn arcsinh_core(x: f64) -> f64 {
    let a = x.abs();
    let big = a > 268435456.0;
    let ab = if big { 1.0 } else { a }; // keeps the unused lanes finite
    let (p, pe) = two_sqr(ab);
    let (vh, ve) = two_sum(p, 1.0);
    let (vh, vl) = two_sum(vh, ve + pe);
    let (sh, sl) = dd_sqrt(vh, vl);
    let (wh, we) = fast_two_sum(sh, ab);
    let (xh, xl) = if big { (a, 0.0) } else { (wh, we + sl) };
    let xh = if a == f64::INFINITY { 1.0 } else { xh };
    let (lh, ll) = log_dd(xh, xl);
    let (ch, cl) = if big { (LN2H, LN2L) } else { (0.0, 0.0) };
    let (h, he) = fast_two_sum(lh, ch);
    let r = h + (he + (ll + cl));
    let r = if a < 3.725290298461914e-9 || a == f64::INFINITY { a } else { r };
    let r = r.copysign(x);
    if x.is_nan() { x + x } else { r }
}

/// arccosh: log(x + sqrt(x^2 - 1)) for 1 <= x <= 2^28, with x^2 - 1
/// exact as a double-double; log(x) + ln2 above; NaN below 1.
#[inline(always)]
fn arccosh_core(x: f64) -> f64 {
    let big = x > 268435456.0;
    let ok = x > 1.0 && !big;
    let xb = if ok { x } else { 2.0 }; // keeps the unused lanes finite
    let (p, pe) = two_sqr(xb);
    let (vh, ve) = two_sum(p, -1.0);
    let (vh, vl) = two_sum(vh, ve + pe);
    let (sh, sl) = dd_sqrt(vh, vl);
    let (wh, we) = fast_two_sum(xb, sh);
    let (xh, xl) = if big { (x, 0.0) } else { (wh, we + sl) };
    let xh = if x == f64::INFINITY { 2.0 } else { xh };
    let (lh, ll) = log_dd(xh, xl);
    let (ch, cl) = if big { (LN2H, LN2L) } else { (0.0, 0.0) };
    let (h, he) = fast_two_sum(lh, ch);
    let r = h + (he + (ll + cl));
    let r = if x == 1.0 { 0.0 } else { r };
    let r = if x == f64::INFINITY { x } else { r };
    let r = if x < 1.0 { NEG_NAN } else { r };
    if x.is_nan() { x + x } else { r }
}

/// arctanh: odd; log((1+a)/(1-a)) / 2 with the quotient as a
/// double-double; x for |x| < 2^-28, +-inf at +-1, NaN beyond.
#[inline(always)]
fn arctanh_core(x: f64) -> f64 {
    let a0 = x.abs();
    let a = if a0 < 1.0 { a0 } else { 0.5 }; // keeps the unused lanes finite
    let (nh, nl) = fast_two_sum(1.0, a);
    let (dh, dl) = fast_two_sum(1.0, -a);
    let (qh, ql) = dd_div(nh, nl, dh, dl);
    let (lh, ll) = log_dd(qh, ql);
    let r = 0.5 * lh + 0.5 * ll;
    let r = if a0 < 3.725290298461914e-9 { a0 } else { r };
    let r = if a0 == 1.0 { f64::INFINITY } else { r };
    let r = r.copysign(x);
    let r = if a0 > 1.0 { NEG_NAN } else { r };
    if x.is_nan() { x + x } else { r }
}

/// hypot: scale into a safe range by 2^-600 or 2^600 (exact), sum of
/// squares exactly, corrected square root, scale back. inf wins over NaN.
#[inline(always)]
fn hypot_core(x: f64, y: f64) -> f64 {
    let ax = x.abs();
    let ay = y.abs();
    let big = if ax > ay { ax } else { ay };
    let small = if ax > ay { ay } else { ax };
    let (sc, unsc) = if big > 1.0e150 {
        (pow2i(-600), pow2i(600))
    } else if big < 1.0e-150 {
        (pow2i(600), pow2i(-600))
    } else {
        (1.0, 1.0)
    };
    let b = big * sc;
    let s = small * sc;
    let (p, pe) = two_sqr(b);
    let (q, qe) = two_sqr(s);
    let (vh, ve) = fast_two_sum(p, q);
    let vl = ve + (pe + qe);
    let h = vh.sqrt();
    let (hh, he) = two_sqr(h);
    let corr = (((vh - hh) - he) + vl) / (h + h);
    let r1 = (h + corr) * unsc;
    // A subnormal result was rounded twice (to 53 bits, then to the
    // subnormal grid). The exact remainder d = (h + corr) - r1 * 2^600
    // (r1 * 2^600 is exact, and h - r1 * 2^600 is exact by Sterbenz) tells
    // whether r1 is the nearest subnormal; if not, step by one subnormal
    // ulp. (A hypot of subnormals is never exactly half-way: sqrt(A^2+B^2)
    // for integers A, B is an integer or irrational.)
    let d = (h - r1 * sc) + corr;
    let half = pow2i(-475); // half a subnormal ulp, times 2^600
    let tiny_ulp = f64::from_bits(1);
    let adj = if d > half { tiny_ulp } else if d < -half { -tiny_ulp } else { 0.0 };
    let r = if r1 < f64::MIN_POSITIVE && big < 1.0e-150 { r1 + adj } else { r1 };
    let r = if big == 0.0 { 0.0 } else { r };
    let r = if y.is_nan() { y + y } else { r };
    let r = if x.is_nan() { x + x } else { r };
    if ax == f64::INFINITY || ay == f64::INFINITY { f64::INFINITY } else { r }
}

// ---------------------------------------------------------------------
// Cheaper f64 computations for the f32 functions. An f32 result needs
// the f64 value only to about 2^-40 relative (then one rounding to f32
// costs at most 0.5 ULP + 2^-16 ULP), so plain f64 arithmetic suffices
// where no cancellation occurs; the tiny-argument cut-offs (2^-12, below
// which the f32 result is x itself) keep the relative error of the
// near-1 log arguments below 2^-40.

/// log(x) in plain f64, for 1 <= x <= MAX (others treated as 1): same reduction and
/// polynomial as `log_dd`, relative error about 2^-51.
#[inline(always)]
fn log_plain(x: f64) -> f64 {
    let x = if (1.0..=f64::MAX).contains(&x) { x } else { 1.0 };
    let bits = x.to_bits();
    let e = (bits - 0x3fe6_a09e_667f_3bcd) >> 52;
    let m = f64::from_bits(bits - (e << 52));
    let ef = f64::from_bits(SHIFT.to_bits() + e) - SHIFT;
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let tail = s * z
        * (QL0 + z * (QL1 + z * (QL2 + z * (QL3 + z * (QL4 + z * (QL5 + z * (QL6 + z * QL7)))))));
    ef * LN2H + (2.0 * s + tail)
}

/// 2^-12: below it tanh, arcsinh, arctanh of an f32 round to x.
const TINY32: f64 = 0.000244140625;

#[inline(always)]
fn tanh32_core(x: f64) -> f64 {
    let a0 = x.abs();
    let y = if a0 <= 22.0 { a0 + a0 } else { 44.0 };
    let p = exp_parts(y);
    let sc = pow2i(p.k);
    // u = expm1(2a) = 2^k e^r - 1 (e^r - 1 exactly for k = 0).
    let u = (p.ah * sc - 1.0) + p.al * sc;
    let r = u / (u + 2.0);
    let r = if a0 < TINY32 { a0 } else { r };
    r.copysign(x)
}

#[inline(always)]
fn arcsinh32_core(x: f64) -> f64 {
    // |x| <= 3.5e38 as an f32, so a^2 + 1 cannot overflow in f64.
    let a = x.abs();
    let w = a + (a * a + 1.0).sqrt();
    let w = if a == f64::INFINITY { 1.0 } else { w };
    let r = log_plain(w);
    let r = if a < TINY32 || a == f64::INFINITY { a } else { r };
    r.copysign(x)
}

#[inline(always)]
fn arccosh32_core(x: f64) -> f64 {
    // x^2 - 1 is exact in f64 for x an f32 in [1, 2) (48-bit product).
    let xb = if (1.0..f64::INFINITY).contains(&x) { x } else { 2.0 };
    let w = xb + (xb * xb - 1.0).sqrt();
    let r = log_plain(w);
    let r = if x == f64::INFINITY { x } else { r };
    if x < 1.0 { NEG_NAN } else { r }
}

#[inline(always)]
fn arctanh32_core(x: f64) -> f64 {
    // 1 + a and 1 - a are exact in f64 for a an f32 in [0, 1).
    let a0 = x.abs();
    let a = if a0 < 1.0 { a0 } else { 0.5 };
    let r = 0.5 * log_plain((1.0 + a) / (1.0 - a));
    let r = if a0 < TINY32 { a0 } else { r };
    let r = if a0 == 1.0 { f64::INFINITY } else { r };
    let r = r.copysign(x);
    if a0 > 1.0 { NEG_NAN } else { r }
}

// ---------------------------------------------------------------------
// Public functions.

macro_rules! unary {
    ($core:ident, $core32:ident, $f64:ident, $f64b:ident, $f32:ident, $f32b:ident, $f32nan:expr) => {
        pub fn $f64(x: f64) -> f64 {
            $core(x)
        }
        #[inline(always)]
        pub fn $f64b(x: &[f64], out: &mut [f64]) {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = $core(v);
            }
        }
        pub fn $f32(x: f32) -> f32 {
            let r = $core32(x as f64) as f32;
            $f32nan(x, r)
        }
        #[inline(always)]
        pub fn $f32b(x: &[f32], out: &mut [f32]) {
            for (o, &v) in out.iter_mut().zip(x) {
                let r = $core32(v as f64) as f32;
                *o = $f32nan(v, r);
            }
        }
    };
}

/// f32 NaN handling: a NaN input comes back as x + x (its payload, quieted).
#[inline(always)]
fn keep_nan(x: f32, r: f32) -> f32 {
    if x.is_nan() { x + x } else { r }
}
/// tanh: NumPy returns the default positive quiet NaN for any NaN.
#[inline(always)]
fn pos_nan(x: f32, r: f32) -> f32 {
    if x.is_nan() { f32::NAN } else { r }
}

unary!(sinh_core, sinh_core, sinh_f64, sinh_f64_block, sinh_f32, sinh_f32_block, keep_nan);
unary!(cosh_core, cosh_core, cosh_f64, cosh_f64_block, cosh_f32, cosh_f32_block, keep_nan);
unary!(tanh_core, tanh32_core, tanh_f64, tanh_f64_block, tanh_f32, tanh_f32_block, pos_nan);
unary!(arcsinh_core, arcsinh32_core, arcsinh_f64, arcsinh_f64_block, arcsinh_f32, arcsinh_f32_block, keep_nan);
unary!(arccosh_core, arccosh32_core, arccosh_f64, arccosh_f64_block, arccosh_f32, arccosh_f32_block, keep_nan);
unary!(arctanh_core, arctanh32_core, arctanh_f64, arctanh_f64_block, arctanh_f32, arctanh_f32_block, keep_nan);

pub fn hypot_f64(x: f64, y: f64) -> f64 {
    hypot_core(x, y)
}

#[inline(always)]
pub fn hypot_f64_block(x: &[f64], y: &[f64], out: &mut [f64]) {
    for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
        *o = hypot_core(a, b);
    }
}

/// hypot in f32: in f64 the squares of f32 values neither overflow nor
/// underflow and are exact, so sqrt(x^2 + y^2) rounded once to f64 and
/// once to f32 is within 0.5 ULP (plus 2^-29) of the exact result.
#[inline(always)]
fn hypot32_core(x: f32, y: f32) -> f32 {
    let a = x as f64;
    let b = y as f64;
    let r = (a * a + b * b).sqrt() as f32;
    let r = if y.is_nan() { y + y } else { r };
    let r = if x.is_nan() { x + x } else { r };
    if x.abs() == f32::INFINITY || y.abs() == f32::INFINITY { f32::INFINITY } else { r }
}

pub fn hypot_f32(x: f32, y: f32) -> f32 {
    hypot32_core(x, y)
}

#[inline(always)]
pub fn hypot_f32_block(x: &[f32], y: &[f32], out: &mut [f32]) {
    for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
        *o = hypot32_core(a, b);
    }
}
