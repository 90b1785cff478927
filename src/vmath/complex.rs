//! Scalar complex math for complex64 and complex128: NumPy 2's semantics
//! on `(re, im)` pairs. The op table's complex column (`ops::Cx`) calls
//! these functions, so the interpreter and the JIT's complex block calls
//! give their bits; `ir::split` takes the same steps for the arithmetic
//! it turns into real operations.
//!
//! ## API
//!
//! Every operation exists for complex128 (`*_c64`, parts `f64`) and
//! complex64 (`*_c32`, parts `f32`), on pairs of parts:
//!
//! * arithmetic: [`add_c64`], [`sub_c64`], [`mul_c64`], [`div_c64`],
//!   [`neg_c64`], [`conj_c64`], [`power_c64`] (`(ar, ai, br, bi) -> (re, im)`);
//! * real results: [`abs_c64`] (NumPy's complex `absolute`),
//!   [`angle_c64`] (`atan2(im, re)`);
//! * predicates: [`isnan_c64`], [`isinf_c64`], [`isfinite_c64`] (either
//!   part), comparisons [`lt_c64`], [`le_c64`], [`gt_c64`], [`ge_c64`],
//!   [`eq_c64`], [`ne_c64`] (NumPy's lexicographic order);
//! * functions (`(re, im) -> (re, im)`): `sqrt exp expm1 log log2 log10
//!   log1p sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh
//!   arctanh` (`sqrt_c64`, `arcsin_c64`, ...; NumPy's names).
//!
//! [`CFunc`] names the unary functions (NumPy's names) for table-driven
//! callers ([`cfunc_c64`], [`cfunc_c32`]).
//!
//! ## Bit for bit with NumPy 2.4 (x86-64, AVX2/AVX-512 machine, glibc)
//!
//! * `add`, `sub`, `neg`, `conj`: componentwise, exact.
//! * `mul`: NumPy's SIMD loop on an FMA machine computes
//!   `re = fma(ar, br, -(ai*bi))`, `im = fma(ar, bi, ai*br)` (checked on
//!   random inputs: 100 % of the bits; the plain formula agrees on ~74 %).
//!   This layer may not use `mul_add` (same bits everywhere), so the fused
//!   step is emulated exactly in integer arithmetic ([`fma_f64`]; for f32
//!   an f64 sum rounded to odd, then to f32; the unit test checks both
//!   against the hardware's FMA). No Annex G recovery (a NaN result stays
//!   NaN, as in NumPy). A JIT on an FMA machine may use the hardware
//!   instruction instead: same bits. [`mul_plain_c64`] is the unfused
//!   formula (what NumPy's scalar `complex128 * complex128` and the
//!   non-FMA build compute).
//! * `div`: NumPy's Smith-style loop (ratio of the smaller to the larger
//!   part of the divisor; a zero divisor divides each part by the zero
//!   parts' absolute values), in the dtype's arithmetic: same bits.
//! * comparisons: NumPy's `CLT`/`CLE`/...: `a < b` iff `ar < br` and
//!   neither imaginary part is NaN, or `ar == br` and `ai < bi`; `==` and
//!   `!=` per part.
//! * `power`: NumPy's `npy_cpow`: `b == 0` gives 1; `a == 0` gives 0 for
//!   `Re b > 0`, else NaN + NaN i; integer real exponents `-100 < n < 100`
//!   by repeated plain multiplication (n = 1, 2, 3 unrolled, else binary
//!   powering, then `1 / r` by the Smith division for n < 0) in the
//!   dtype's arithmetic: same bits; other exponents as glibc's `cpow`:
//!   `exp(b * log a)` (the product with C's Annex G NaN recovery).
//! * `isnan`, `isinf`, `isfinite`: either part / both parts.
//!
//! ## The functions
//!
//! NumPy 2.4 calls glibc's C99 functions (`csqrt`, `cexp`, `clog`,
//! `csin`, ..., float versions for complex64) and its own formulas for
//! `expm1`, `log1p`, `log2`, `log10` (`funcs.inc.src`). Here every
//! function is written for f64 on numjet's real functions
//! (`super::scalar_f64`, each within 1 ULP) and IEEE arithmetic, with the
//! special values of C99 Annex G as glibc gives them; complex64 computes
//! in f64 and rounds each part once to f32.
//!
//! * `sqrt`: Algorithm 312 (`t = sqrt((|x| + hypot(x, y)) / 2)`, the
//!   other part `y / 2t`), scaled by powers of two near overflow and for
//!   tiny inputs.
//! * `exp`: `e^x (cos y, sin y)`; for `x > 709` `e^(x-709) * e^709` so a
//!   result that does not overflow is still computed; `y == 0` keeps `y`.
//! * `log`: `log|z|` as `log1p((m-1)(m+1) + n^2)/2` for `0.71 <= |z| <=
//!   1.73` (m, n the larger and smaller part), else `log(hypot)` with
//!   power-of-two scaling for huge and tiny inputs; `atan2(y, x)`.
//! * `log2`, `log10`: NumPy's formula, `log(z)` times `log2(e)`, `log10(e)`.
//! * `expm1`: NumPy's formula, `(expm1(x) cos y - 2 sin^2(y/2),
//!   e^x sin y)`.
//! * `log1p`: NumPy's formula `(log(hypot(1+x, y)), atan2(y, 1+x))` for
//!   non-finite inputs; for finite inputs an accurate version:
//!   `log1p(x(2+x) + y^2)/2` for small `|x|, |y|`, else `log(1 + z)` as
//!   above. NumPy's own formula loses all accuracy for small `z` (it gives
//!   `log1p(1e-20 + 1e-20j) = 0 + 1e-20j`) and overflows for huge `z`; this
//!   is the one deliberate difference (see the tests' table).
//! * `sinh`, `cosh`: `(sinh x cos y, cosh x sin y)` and `(cosh x cos y,
//!   sinh x sin y)`, `e^|x|/2` scaled beyond 709; `sin(z) = -i sinh(iz)`,
//!   `cos(z) = cosh(iz)`.
//! * `tanh`: Kahan's formula (`t = tan y`, `b = 1 + t^2`, `s = sinh x`:
//!   `(b s sqrt(1+s^2), t) / (1 + b s^2)`), for `|x| > 22`
//!   `(±1, 4 sin y cos y e^(-2|x|))`; `tan(z) = -i tanh(iz)`.
//! * `arcsin`, `arccos`, `arcsinh`, `arccosh`: Kahan's formulas on
//!   `sqrt(1 ± z)` (no cancellation, signed zeros give the branch cuts).
//! * `arctanh`: `(log1p(4x / ((1-x)^2 + y^2)) / 4, atan2(2y, (1-x)(1+x) -
//!   y^2) / 2)`, `(Re 1/z, ±pi/2)` for huge `|z|`; `arctan(z) = -i
//!   arctanh(iz)`.
//!
//! ## Special values
//!
//! On the fixtures' grid (every pair of parts from {0, -0, ±tiny, ±1, 0.5,
//! 2, ±big, ±inf, NaN}; binary operations every pair of such complex
//! numbers) every result matches NumPy 2.4's: NaN where NumPy gives NaN,
//! infinities and zeros bit for bit (signs of zero included), finite values
//! bit for bit for the exact operations and within a few eps otherwise,
//! except these deliberate differences:
//!
//! * `log1p` of tiny and of huge `z`: NumPy's formula returns `0` for the
//!   real part of `log1p(tiny + tiny i)` and `inf` for `log1p(big + big i)`;
//!   ours gives the correct values;
//! * `sqrt(0.5 ± tiny i)`: glibc flushes the subnormal imaginary part
//!   `y / 2t` to zero; ours rounds it (to the smallest subnormal).
//!
//! NaN signs: the unary functions give glibc's (`+NaN`, and `-NaN` where
//! glibc computes `y - y` of an infinite `y`: `sinh`, `cosh`, `sin`,
//! `cos`, `exp`; and `arccos`' imaginary NaN), chosen explicitly, not by
//! the machine's NaN propagation, so they match NumPy's on the whole grid
//! (except `expm1`, which follows NumPy's formula with the machine's NaN
//! rules). `mul` chooses its NaN signs explicitly as NumPy's SIMD loop
//! gives them (first NaN factor, then the term's factors, else `-NaN`):
//! all match on the grid. The NaN signs of `div` and `power` are what the
//! arithmetic propagates (not fixed by Rust's semantics) and differ from
//! NumPy's in some cases (c128 grid: 120 of 7661 for `div`, 3069 of 7382
//! for `power`, 2 of 102 for `expm1`); the tests count them only.
//!
//! ## Measured errors
//!
//! Against mpmath (320 bits) on the fixtures' sweeps
//! (`tests/fixtures/complex/`; `cargo test --release --test complex_math
//! -- --nocapture` prints the table): the largest normwise error
//! `|got - exact| / |exact|` in units of eps (2^-52 for complex128, 2^-23
//! for complex64), ours / NumPy 2.4's on the same inputs:
//!
//! ```text
//!             complex128      complex64
//! sqrt        0.83 / 0.83     0.48 / 0.61
//! exp         1.05 / 1.17     0.48 / 0.89
//! expm1       1.25 / inf      1.18 / 1.18   (NumPy overflows beyond x = 709.78)
//! log         0.76 / 0.76     0.47 / 0.69
//! log2        0.98 / 0.98     0.84 / 0.97
//! log10       1.01 / 0.99     1.01 / 1.08
//! log1p       1.00 / 2^52     0.47 / 2^23   (NumPy: no accuracy for small z)
//! sin         1.05 / 1.06     0.48 / 1.01
//! cos         1.03 / 1.10     0.50 / 1.18
//! tan         1.24 / 1.89     0.49 / 1.90
//! arcsin      1.37 / 1.23     0.47 / 1.32
//! arccos      1.10 / 1.09     0.47 / 1.41
//! arctan      0.80 / 1.70     0.49 / 1.46
//! sinh        0.95 / 1.09     0.47 / 1.08
//! cosh        1.01 / 0.91     0.50 / 1.15
//! tanh        1.64 / 1.79     0.50 / 1.62
//! arcsinh     1.26 / 1.17     0.48 / 1.09
//! arccosh     1.25 / 1.27     0.48 / 0.94
//! arctanh     1.06 / 1.68     0.45 / 1.27
//! abs         0.48 / 1.01     0.44 / 0.89
//! angle       0.48 / 0.53     0.46 / 1.10
//! mul         0.71 / 0.71     0.71 / 0.71   (same bits)
//! div         1.29 / 1.29     1.10 / 1.10   (same bits)
//! power      20.9  / 20.9    22.9  / 22.9   (integer exponents |n| ~ 55)
//! ```
//!
//! The tests bound every function by 4 eps (power: 32). Componentwise,
//! the parts are within 3.2 ULP of their exact values (complex128; 0.5 ULP
//! for complex64) except where a part is much smaller than the modulus
//! (the real part of `log`, `log2`, `log10`, `log1p` near `|1 + z| = 1`,
//! of `arctan` / `arctanh` near the axes, products, quotients and powers
//! with cancellation): there only the normwise bound holds, here as in
//! NumPy.

use super::{scalar_f64, Func};
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, LN_2, LOG10_E, LOG2_E, PI};

// ------------------------------------------------------------ real helpers

fn r1(f: Func, x: f64) -> f64 {
    scalar_f64(f, &[x])
}
fn sin(x: f64) -> f64 {
    r1(Func::Sin, x)
}
fn cos(x: f64) -> f64 {
    r1(Func::Cos, x)
}
fn tan(x: f64) -> f64 {
    r1(Func::Tan, x)
}
fn exp(x: f64) -> f64 {
    r1(Func::Exp, x)
}
fn expm1(x: f64) -> f64 {
    r1(Func::Expm1, x)
}
fn log(x: f64) -> f64 {
    r1(Func::Log, x)
}
fn log1p(x: f64) -> f64 {
    r1(Func::Log1p, x)
}
fn sinh(x: f64) -> f64 {
    r1(Func::Sinh, x)
}
fn cosh(x: f64) -> f64 {
    r1(Func::Cosh, x)
}
fn asinh(x: f64) -> f64 {
    r1(Func::Arcsinh, x)
}
fn atan(x: f64) -> f64 {
    r1(Func::Arctan, x)
}
fn atan2(y: f64, x: f64) -> f64 {
    scalar_f64(Func::Arctan2, &[y, x])
}
fn hypot(x: f64, y: f64) -> f64 {
    scalar_f64(Func::Hypot, &[x, y])
}

/// `e^709` rounded (computed once; used to scale `e^x` beyond overflow).
fn e709() -> f64 {
    use std::sync::OnceLock;
    static E: OnceLock<f64> = OnceLock::new();
    *E.get_or_init(|| exp(709.0))
}

/// Payload marking a NaN that glibc returns with the sign bit set (its
/// `y - y` for an infinite `y`); [`canon`] turns it into `-NaN` and every
/// other NaN into `+NaN` (glibc's `nan("")`), so NaN signs do not depend
/// on how the machine propagates NaNs.
const NEG_NAN_MARK: u64 = 0x7ff8_0000_0000_0bad;

/// The marked NaN (see [`NEG_NAN_MARK`]).
fn neg_nan() -> f64 {
    f64::from_bits(NEG_NAN_MARK)
}

/// `-NaN` where `y` is infinite (glibc's `y - y`), else `+NaN`.
fn nan_of(y: f64) -> f64 {
    if y.is_infinite() {
        neg_nan()
    } else {
        f64::NAN
    }
}

/// The canonical NaN for a NaN part (sign from [`NEG_NAN_MARK`]).
fn canon(v: f64) -> f64 {
    if !v.is_nan() {
        v
    } else if v.to_bits() & !(1u64 << 63) == NEG_NAN_MARK {
        f64::from_bits(0xfff8_0000_0000_0000)
    } else {
        f64::NAN
    }
}

/// An f64 part rounded to f32, NaN with its sign kept explicitly.
fn to32(v: f64) -> f32 {
    if v.is_nan() {
        if v.is_sign_negative() {
            -f32::NAN
        } else {
            f32::NAN
        }
    } else {
        v as f32
    }
}

/// `2^k` for `-1022 <= k <= 1023`.
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}


// ------------------------------------------------------------- exact fma

/// `|x| = m * 2^e` for a finite nonzero `x`.
fn decompose(x: f64) -> (u64, i32) {
    let bits = x.to_bits() & !(1u64 << 63);
    let e = (bits >> 52) as i32;
    let f = bits & ((1u64 << 52) - 1);
    if e == 0 {
        (f, -1074)
    } else {
        (f | (1u64 << 52), e - 1075)
    }
}

/// `a * b + c` with one rounding (to nearest, ties to even), as the
/// hardware's fused multiply-add, in integer arithmetic: no `mul_add`, the
/// same bits on every machine.
pub fn fma_f64(a: f64, b: f64, c: f64) -> f64 {
    if !(a.is_finite() && b.is_finite()) {
        return a * b + c;
    }
    if !c.is_finite() {
        return c;
    }
    if a == 0.0 || b == 0.0 {
        return a * b + c;
    }
    if c == 0.0 {
        return a * b;
    }
    let (ma, ea) = decompose(a);
    let (mb, eb) = decompose(b);
    let (mc, ec) = decompose(c);
    let neg_p = (a < 0.0) != (b < 0.0);
    let neg_c = c < 0.0;
    // Both terms as 126-bit integers (top bit 125) times a power of two.
    let p = ma as u128 * mb as u128;
    let lp = 128 - p.leading_zeros() as i32;
    let (p, ep) = (p << (126 - lp), ea + eb - (126 - lp));
    let lc = 64 - mc.leading_zeros() as i32;
    let (q, eq) = ((mc as u128) << (126 - lc), ec - (126 - lc));
    let ((x, ex, sx), (y, ey, sy)) =
        if (ep, p) >= (eq, q) { ((p, ep, neg_p), (q, eq, neg_c)) } else { ((q, eq, neg_c), (p, ep, neg_p)) };
    let d = ex - ey;
    let y = if d == 0 {
        y
    } else if d < 126 {
        (y >> d) | u128::from(y & ((1u128 << d) - 1) != 0)
    } else {
        1
    };
    let r = if sx == sy { x + y } else { x - y };
    if r == 0 {
        return 0.0;
    }
    let sign = if sx { -1.0 } else { 1.0 };
    // Round r * 2^ex to 53 bits (or to the subnormal grid).
    let l = 128 - r.leading_zeros() as i32;
    let mut qexp = (ex + l - 53).max(-1074);
    let shift = qexp - ex;
    let mut m: u128 = if shift <= 0 {
        r << (-shift)
    } else if shift >= 128 {
        0
    } else {
        let m = r >> shift;
        let rem = r & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        if rem > half || (rem == half && m & 1 == 1) {
            m + 1
        } else {
            m
        }
    };
    if m == 0 {
        return sign * 0.0;
    }
    if m >= 1u128 << 53 {
        m >>= 1;
        qexp += 1;
    }
    let bits = if m >= 1u128 << 52 {
        let e = qexp + 1075;
        if e >= 2047 {
            return sign * f64::INFINITY;
        }
        ((e as u64) << 52) | (m as u64 & ((1u64 << 52) - 1))
    } else {
        m as u64
    };
    sign * f64::from_bits(bits)
}

/// `a * b + c` with one rounding for f32 (the exact product in f64, the
/// sum rounded to odd in f64, then to f32: no double rounding).
pub fn fma_f32(a: f32, b: f32, c: f32) -> f32 {
    let (a, b, c) = (a as f64, b as f64, c as f64);
    let p = a * b;
    let s = p + c;
    if !(s.is_finite() && a.is_finite() && b.is_finite() && c.is_finite()) {
        return s as f32;
    }
    let bb = s - p;
    let err = (p - (s - bb)) + (c - bb);
    let s = if err != 0.0 && s.to_bits() & 1 == 0 {
        let up = (err > 0.0) == (s > 0.0);
        f64::from_bits(if up { s.to_bits() + 1 } else { s.to_bits() - 1 })
    } else {
        s
    };
    s as f32
}

// ------------------------------------------------------------- arithmetic

macro_rules! arithmetic {
    ($t:ty, $fma:ident, $add:ident, $sub:ident, $mul:ident, $mul_plain:ident, $div:ident, $neg:ident,
     $conj:ident, $pow_int:ident, $lt:ident, $le:ident, $gt:ident, $ge:ident, $eq:ident, $ne:ident,
     $isnan:ident, $isinf:ident, $isfinite:ident) => {
        /// `a + b`, componentwise.
        pub fn $add(ar: $t, ai: $t, br: $t, bi: $t) -> ($t, $t) {
            (ar + br, ai + bi)
        }
        /// `a - b`, componentwise.
        pub fn $sub(ar: $t, ai: $t, br: $t, bi: $t) -> ($t, $t) {
            (ar - br, ai - bi)
        }
        /// `a * b` as NumPy's array loop on an FMA machine:
        /// `(fma(ar, br, -(ai bi)), fma(ar, bi, ai br))` (fused steps
        /// emulated exactly); no NaN recovery.
        pub fn $mul(ar: $t, ai: $t, br: $t, bi: $t) -> ($t, $t) {
            // NaN signs as NumPy's SIMD loop on x86 gives them, chosen
            // explicitly: the first NaN among the factors x, y, then the
            // term t = u * v (the first NaN of u, v; a NaN made by
            // 0 * inf is negative), unnegated; a NaN made by the sum
            // (inf - inf) is negative.
            let nan = |v: $t| <$t>::NAN.copysign(v);
            let pick = |x: $t, y: $t, u: $t, v: $t, r: $t| -> $t {
                if !r.is_nan() {
                    r
                } else if x.is_nan() {
                    nan(x)
                } else if y.is_nan() {
                    nan(y)
                } else if u.is_nan() {
                    nan(u)
                } else if v.is_nan() {
                    nan(v)
                } else {
                    -<$t>::NAN
                }
            };
            let (p, q) = (ai * bi, ai * br);
            (pick(ar, br, ai, bi, $fma(ar, br, -p)), pick(ar, bi, ai, br, $fma(ar, bi, q)))
        }
        /// `a * b` by the plain formula `(ar br - ai bi, ar bi + ai br)`
        /// (NumPy's scalar product and its power loop).
        pub fn $mul_plain(ar: $t, ai: $t, br: $t, bi: $t) -> ($t, $t) {
            (ar * br - ai * bi, ar * bi + ai * br)
        }
        /// `a / b` by NumPy's loop (Smith's method; a zero divisor divides
        /// the parts by its parts' absolute values).
        pub fn $div(ar: $t, ai: $t, br: $t, bi: $t) -> ($t, $t) {
            let abr = br.abs();
            let abi = bi.abs();
            if abr >= abi {
                if abr == 0.0 && abi == 0.0 {
                    (ar / abr, ai / abi)
                } else {
                    let rat = bi / br;
                    let scl = 1.0 / (br + bi * rat);
                    ((ar + ai * rat) * scl, (ai - ar * rat) * scl)
                }
            } else {
                let rat = br / bi;
                let scl = 1.0 / (bi + br * rat);
                ((ar * rat + ai) * scl, (ai * rat - ar) * scl)
            }
        }
        /// `-a`.
        pub fn $neg(re: $t, im: $t) -> ($t, $t) {
            (-re, -im)
        }
        /// The conjugate.
        pub fn $conj(re: $t, im: $t) -> ($t, $t) {
            (re, -im)
        }
        /// NumPy's integer-exponent power, for `b` real with `-100 < b <
        /// 100` an integer (not 0): `None` when `b` is not such an integer.
        fn $pow_int(ar: $t, ai: $t, br: $t, bi: $t) -> Option<($t, $t)> {
            if !(bi == 0.0 && br > -100.0 && br < 100.0 && (br as i64) as $t == br) {
                return None;
            }
            let n = br as i64;
            Some(match n {
                1 => (ar, ai),
                2 => $mul_plain(ar, ai, ar, ai),
                3 => {
                    let (sr, si) = $mul_plain(ar, ai, ar, ai);
                    $mul_plain(ar, ai, sr, si)
                }
                _ => {
                    let n = n.abs();
                    let mut acc = (1.0, 0.0);
                    let mut p = (ar, ai);
                    let mut mask = 1i64;
                    loop {
                        if n & mask != 0 {
                            acc = $mul_plain(acc.0, acc.1, p.0, p.1);
                        }
                        mask <<= 1;
                        if n < mask {
                            break;
                        }
                        p = $mul_plain(p.0, p.1, p.0, p.1);
                    }
                    if br < 0.0 {
                        $div(1.0, 0.0, acc.0, acc.1)
                    } else {
                        acc
                    }
                }
            })
        }
        /// `a < b` in NumPy 2's order.
        pub fn $lt(ar: $t, ai: $t, br: $t, bi: $t) -> bool {
            (ar < br && !ai.is_nan() && !bi.is_nan()) || (ar == br && ai < bi)
        }
        /// `a <= b` in NumPy 2's order.
        pub fn $le(ar: $t, ai: $t, br: $t, bi: $t) -> bool {
            (ar < br && !ai.is_nan() && !bi.is_nan()) || (ar == br && ai <= bi)
        }
        /// `a > b` in NumPy 2's order.
        pub fn $gt(ar: $t, ai: $t, br: $t, bi: $t) -> bool {
            (ar > br && !ai.is_nan() && !bi.is_nan()) || (ar == br && ai > bi)
        }
        /// `a >= b` in NumPy 2's order.
        pub fn $ge(ar: $t, ai: $t, br: $t, bi: $t) -> bool {
            (ar > br && !ai.is_nan() && !bi.is_nan()) || (ar == br && ai >= bi)
        }
        /// `a == b` (both parts equal).
        pub fn $eq(ar: $t, ai: $t, br: $t, bi: $t) -> bool {
            ar == br && ai == bi
        }
        /// `a != b` (either part differs; NaN differs).
        pub fn $ne(ar: $t, ai: $t, br: $t, bi: $t) -> bool {
            ar != br || ai != bi
        }
        /// Either part is NaN.
        pub fn $isnan(re: $t, im: $t) -> bool {
            re.is_nan() || im.is_nan()
        }
        /// Either part is infinite.
        pub fn $isinf(re: $t, im: $t) -> bool {
            re.is_infinite() || im.is_infinite()
        }
        /// Both parts are finite.
        pub fn $isfinite(re: $t, im: $t) -> bool {
            re.is_finite() && im.is_finite()
        }
    };
}

arithmetic!(f64, fma_f64, add_c64, sub_c64, mul_c64, mul_plain_c64, div_c64, neg_c64, conj_c64, pow_int_c64,
    lt_c64, le_c64, gt_c64, ge_c64, eq_c64, ne_c64, isnan_c64, isinf_c64, isfinite_c64);
arithmetic!(f32, fma_f32, add_c32, sub_c32, mul_c32, mul_plain_c32, div_c32, neg_c32, conj_c32, pow_int_c32,
    lt_c32, le_c32, gt_c32, ge_c32, eq_c32, ne_c32, isnan_c32, isinf_c32, isfinite_c32);

macro_rules! absolute {
    ($name:ident, $t:ty, $fma:ident) => {
        /// `|z|` as NumPy's complex `absolute` loop computes it (its SIMD
        /// `cabsolute`, not `hypot`): an infinite part makes both
        /// infinite, then a NaN part both NaN; then `larger * sqrt(fma(r,
        /// r, 1))` with `r = smaller / larger` (0 when `larger` is 0 or
        /// `smaller` infinite). Within 1 ULP; NumPy's bits (the JIT's form
        /// in `ir::split` takes the same steps).
        pub fn $name(re: $t, im: $t) -> $t {
            let (x, y) = (re.abs(), im.abs());
            let (x_inf, y_inf) = (x == <$t>::INFINITY, y == <$t>::INFINITY);
            let y = if x_inf { <$t>::INFINITY } else { y };
            let x = if y_inf { <$t>::INFINITY } else { x };
            let (x_nan, y_nan) = (x.is_nan(), y.is_nan());
            let y = if x_nan { <$t>::NAN } else { y };
            let x = if y_nan { <$t>::NAN } else { x };
            let (larger, smaller) = if x.is_nan() { (x, x) } else { (x.max(y), y.min(x)) };
            let ratio = if larger == 0.0 || smaller == <$t>::INFINITY { 0.0 } else { smaller / larger };
            $fma(ratio, ratio, 1.0).sqrt() * larger
        }
    };
}
absolute!(abs_c64, f64, fma_f64);
absolute!(abs_c32, f32, fma_f32);
/// The argument `atan2(im, re)` (NumPy's `angle`).
pub fn angle_c64(re: f64, im: f64) -> f64 {
    atan2(im, re)
}
/// The argument for complex64.
pub fn angle_c32(re: f32, im: f32) -> f32 {
    super::scalar_f32(Func::Arctan2, &[im, re])
}

/// C's complex product with Annex G's recovery of infinities from a NaN
/// result (what glibc's `cpow` computes `b * log a` with).
fn mul_annex_g(a: f64, b: f64, c: f64, d: f64, rnd: fn(f64) -> f64) -> (f64, f64) {
    let (ac, bd, ad, bc) = (rnd(a * c), rnd(b * d), rnd(a * d), rnd(b * c));
    let (x, y) = (rnd(ac - bd), rnd(ad + bc));
    if !(x.is_nan() && y.is_nan()) {
        return (x, y);
    }
    let (mut a, mut b, mut c, mut d) = (a, b, c, d);
    let mut recalc = false;
    let box1 = |v: f64| if v.is_infinite() { 1.0f64.copysign(v) } else { 0.0f64.copysign(v) };
    let nan0 = |v: f64| if v.is_nan() { 0.0f64.copysign(v) } else { v };
    if a.is_infinite() || b.is_infinite() {
        a = box1(a);
        b = box1(b);
        c = nan0(c);
        d = nan0(d);
        recalc = true;
    }
    if c.is_infinite() || d.is_infinite() {
        c = box1(c);
        d = box1(d);
        a = nan0(a);
        b = nan0(b);
        recalc = true;
    }
    if !recalc && (ac.is_infinite() || bd.is_infinite() || ad.is_infinite() || bc.is_infinite()) {
        a = nan0(a);
        b = nan0(b);
        c = nan0(c);
        d = nan0(d);
        recalc = true;
    }
    if recalc {
        (f64::INFINITY * rnd(rnd(a * c) - rnd(b * d)), f64::INFINITY * rnd(rnd(a * d) + rnd(b * c)))
    } else {
        (x, y)
    }
}

fn power_f64(ar: f64, ai: f64, br: f64, bi: f64) -> (f64, f64) {
    if br == 0.0 && bi == 0.0 {
        return (1.0, 0.0);
    }
    if ar == 0.0 && ai == 0.0 {
        return if br > 0.0 { (0.0, 0.0) } else { (f64::NAN, f64::NAN) };
    }
    if let Some(r) = pow_int_c64(ar, ai, br, bi) {
        return r;
    }
    let (lr, li) = log_f64(ar, ai);
    let (er, ei) = mul_annex_g(br, bi, lr, li, |v| v);
    exp_f64(er, ei)
}

/// `a ** b` as NumPy's `npy_cpow` (see the module docs).
pub fn power_c64(ar: f64, ai: f64, br: f64, bi: f64) -> (f64, f64) {
    power_f64(ar, ai, br, bi)
}

/// `a ** b` for complex64 (integer exponents in f32 arithmetic as NumPy;
/// the general case in f64, rounded).
pub fn power_c32(ar: f32, ai: f32, br: f32, bi: f32) -> (f32, f32) {
    if br == 0.0 && bi == 0.0 {
        return (1.0, 0.0);
    }
    if ar == 0.0 && ai == 0.0 {
        return if br > 0.0 { (0.0, 0.0) } else { (f32::NAN, f32::NAN) };
    }
    if let Some(r) = pow_int_c32(ar, ai, br, bi) {
        return r;
    }
    // As glibc's cpowf: log in float, the product in float, exp.
    let (lr, li) = log_f64(ar as f64, ai as f64);
    let (lr, li) = (lr as f32, li as f32);
    let (er, ei) = mul_annex_g(br as f64, bi as f64, lr as f64, li as f64, |v| v as f32 as f64);
    let (r, i) = exp_f64(er, ei);
    (r as f32, i as f32)
}

// -------------------------------------------------------- f64 functions

fn sqrt_f64(x: f64, y: f64) -> (f64, f64) {
    if x == 0.0 && y == 0.0 {
        return (0.0, y);
    }
    if y.is_infinite() {
        return (f64::INFINITY, y);
    }
    if x.is_nan() {
        return (x, f64::NAN.copysign(y));
    }
    if x.is_infinite() {
        if x < 0.0 {
            return (if y.is_nan() { f64::NAN } else { 0.0 }, f64::INFINITY.copysign(y));
        }
        return (x, if y.is_nan() { f64::NAN } else { 0.0f64.copysign(y) });
    }
    if y.is_nan() {
        return (y, y);
    }
    let m = x.abs().max(y.abs());
    let (s, back) = if m >= pow2(1020) {
        (0.25, 2.0)
    } else if m < pow2(-1000) {
        (pow2(600), pow2(-300))
    } else {
        (1.0, 1.0)
    };
    let (a, b) = (x * s, y * s);
    let t = ((a.abs() + hypot(a, b)) * 0.5).sqrt();
    if a >= 0.0 {
        (t * back, (b / (2.0 * t)) * back)
    } else {
        ((b.abs() / (2.0 * t)) * back, t.copysign(b) * back)
    }
}

/// `e^x * (c, s)` for finite `x`, `c, s` in [-1, 1]: no spurious overflow.
fn exp_mul(x: f64, c: f64, s: f64) -> (f64, f64) {
    if x > 709.0 {
        let h = exp(x - 709.0);
        let k = e709();
        ((h * c) * k, (h * s) * k)
    } else {
        let e = exp(x);
        (e * c, e * s)
    }
}

fn exp_f64(x: f64, y: f64) -> (f64, f64) {
    if x.is_finite() {
        if y == 0.0 {
            return (exp(x), y);
        }
        if !y.is_finite() {
            return (f64::NAN, f64::NAN);
        }
        return exp_mul(x, cos(y), sin(y));
    }
    if x.is_nan() {
        return if y == 0.0 { (x, y) } else { (x, f64::NAN) };
    }
    if x > 0.0 {
        if y == 0.0 {
            (x, y)
        } else if y.is_finite() {
            (f64::INFINITY.copysign(cos(y)), f64::INFINITY.copysign(sin(y)))
        } else {
            (x, nan_of(y))
        }
    } else if y.is_finite() {
        (0.0f64.copysign(cos(y)), 0.0f64.copysign(sin(y)))
    } else {
        (0.0, 0.0f64.copysign(y))
    }
}

/// `log|z|` for finite `x, y`, not both zero.
fn log_abs(x: f64, y: f64) -> f64 {
    let (ax, ay) = (x.abs(), y.abs());
    let (m, n) = if ax >= ay { (ax, ay) } else { (ay, ax) };
    if m > pow2(1000) || m < pow2(-1000) {
        let (s, k) = if m > pow2(1000) { (pow2(-600), 600.0) } else { (pow2(600), -600.0) };
        let h = hypot(m * s, n * s);
        // k ln2 with ln2 split so that k * LN2_HI is exact.
        const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
        const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
        return (log(h) + k * LN2_LO) + k * LN2_HI;
    }
    let h = hypot(m, n);
    if 0.71 <= h && h <= 1.73 {
        // m^2 + n^2 - 1 to about 2^-100 relative to m^2: each square as an
        // exact sum of two doubles (the fused low part), `m^2 - 1` exact
        // (m^2 is in [0.5, 3]), then the sum error-free up to the last
        // addition; glibc's clog is as accurate here, and a plain
        // `(m - 1)(m + 1) + n^2` loses the real part near |z| = 1.
        let (p, q) = (m * m, n * n);
        let (ep, eq) = (fma_f64(m, m, -p), fma_f64(n, n, -q));
        let a = p - 1.0;
        let s = a + q;
        let t = if a.abs() >= q.abs() { (a - s) + q } else { (q - s) + a };
        log1p(s + (t + (ep + eq))) * 0.5
    } else {
        log(h)
    }
}

fn log_f64(x: f64, y: f64) -> (f64, f64) {
    if x.is_infinite() || y.is_infinite() {
        return (f64::INFINITY, atan2(y, x));
    }
    if x.is_nan() || y.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if x == 0.0 && y == 0.0 {
        return (f64::NEG_INFINITY, atan2(y, x));
    }
    (log_abs(x, y), atan2(y, x))
}

fn log2_f64(x: f64, y: f64) -> (f64, f64) {
    let (r, i) = log_f64(x, y);
    (r * LOG2_E, i * LOG2_E)
}

fn log10_f64(x: f64, y: f64) -> (f64, f64) {
    let (r, i) = log_f64(x, y);
    (r * LOG10_E, i * LOG10_E)
}

fn expm1_f64(x: f64, y: f64) -> (f64, f64) {
    if x > 709.0 && x.is_finite() && y.is_finite() && y != 0.0 {
        // e^x cos y - 1 = e^x cos y to far below an ulp here.
        return exp_mul(x, cos(y), sin(y));
    }
    let a = sin(y / 2.0);
    (expm1(x) * cos(y) - 2.0 * a * a, exp(x) * sin(y))
}

fn log1p_f64(x: f64, y: f64) -> (f64, f64) {
    if !(x.is_finite() && y.is_finite()) {
        let u = x + 1.0;
        return (log(hypot(u, y)), atan2(y, u));
    }
    let u = x + 1.0;
    if x.abs() < 0.5 && y.abs() < 0.5 {
        // |1+z|^2 - 1 = x(2+x) + y^2
        return (log1p(x * (2.0 + x) + y * y) * 0.5, atan2(y, u));
    }
    if u == 0.0 && y == 0.0 {
        return (f64::NEG_INFINITY, atan2(y, u));
    }
    (log_abs(u, y), atan2(y, u))
}

fn sinh_f64(x: f64, y: f64) -> (f64, f64) {
    if x.is_finite() {
        if y.is_finite() {
            if y == 0.0 {
                return (sinh(x), y);
            }
            let (c, s) = (cos(y), sin(y));
            if x.abs() > 709.0 {
                let h = exp(x.abs() - 709.0);
                let k = e709() * 0.5;
                let c = c * 1.0f64.copysign(x);
                return ((h * c) * k, (h * s) * k);
            }
            if y == 0.0 {
                return (sinh(x), y);
            }
            return (sinh(x) * c, cosh(x) * s);
        }
        if x == 0.0 {
            return (x, nan_of(y));
        }
        return (f64::NAN, f64::NAN);
    }
    if x.is_infinite() {
        if y == 0.0 {
            return (x, y);
        }
        if y.is_finite() {
            return (x * cos(y), f64::INFINITY * sin(y));
        }
        return (f64::INFINITY, nan_of(y));
    }
    // x NaN
    if y == 0.0 {
        (x, y)
    } else {
        (x, f64::NAN)
    }
}

fn cosh_f64(x: f64, y: f64) -> (f64, f64) {
    if x.is_finite() {
        if y.is_finite() {
            if y == 0.0 {
                return (cosh(x), y * 1.0f64.copysign(x));
            }
            let (c, s) = (cos(y), sin(y));
            if x.abs() > 709.0 {
                let h = exp(x.abs() - 709.0);
                let k = e709() * 0.5;
                let s = s * 1.0f64.copysign(x);
                return ((h * c) * k, (h * s) * k);
            }
            if y == 0.0 {
                return (cosh(x), y * x.signum());
            }
            return (cosh(x) * c, sinh(x) * s);
        }
        if x == 0.0 {
            return (nan_of(y), 0.0);
        }
        return (nan_of(y), f64::NAN);
    }
    if x.is_infinite() {
        if y == 0.0 {
            return (f64::INFINITY, y * x.signum());
        }
        if y.is_finite() {
            return (f64::INFINITY * cos(y), x * sin(y));
        }
        return (f64::INFINITY, nan_of(y));
    }
    if y == 0.0 {
        (x, y)
    } else {
        (x, f64::NAN)
    }
}

fn tanh_f64(x: f64, y: f64) -> (f64, f64) {
    if !x.is_finite() {
        if x.is_infinite() {
            let im = if y.is_finite() { 0.0f64.copysign(sin(y) * cos(y)) } else { 0.0f64.copysign(y) };
            return (1.0f64.copysign(x), im);
        }
        return if y == 0.0 { (x, y) } else { (x, f64::NAN) };
    }
    if !y.is_finite() {
        return if x == 0.0 { (x, f64::NAN) } else { (f64::NAN, f64::NAN) };
    }
    if x.abs() > 22.0 {
        let e = exp(-2.0 * x.abs());
        return (1.0f64.copysign(x), (4.0 * sin(y) * cos(y)) * e);
    }
    let t = tan(y);
    let b = 1.0 + t * t;
    let s = sinh(x);
    let rho = (1.0 + s * s).sqrt();
    let d = 1.0 + b * s * s;
    ((b * rho * s) / d, t / d)
}

/// Runs `f` (one of the Kahan functions) on `(x, y 2^500)` when `y` is so
/// small that parts linear in `y` would underflow inside `f`, and scales
/// those parts (the ones below 2^-66, O(y)) back; the others do not depend
/// on `y` to working precision. `None` when no scaling is needed.
fn tiny_y(f: fn(f64, f64) -> (f64, f64), x: f64, y: f64) -> Option<(f64, f64)> {
    if !(y != 0.0 && y.abs() < pow2(-600) && x.abs() >= pow2(-60) && x.abs() != 1.0) {
        return None;
    }
    let (r, i) = f(x, y * pow2(500));
    let back = |v: f64| if v.abs() < pow2(-66) { v * pow2(-500) } else { v };
    Some((back(r), back(i)))
}

/// Kahan's arcsin on finite inputs.
fn asin_finite(x: f64, y: f64) -> (f64, f64) {
    if x.abs() < pow2(-30) && y.abs() < pow2(-30) {
        return (x, y);
    }
    if let Some(r) = tiny_y(asin_finite, x, y) {
        return r;
    }
    let (s1r, s1i) = sqrt_f64(1.0 - x, -y);
    let (s2r, s2i) = sqrt_f64(1.0 + x, y);
    let re = atan(x / (s1r * s2r - s1i * s2i));
    let im = asinh(s1r * s2i - s1i * s2r);
    (re, im)
}

/// Kahan's arccos on finite inputs.
fn acos_finite(x: f64, y: f64) -> (f64, f64) {
    if x.abs() < pow2(-30) && y.abs() < pow2(-30) {
        return (FRAC_PI_2 - x, -y);
    }
    if let Some(r) = tiny_y(acos_finite, x, y) {
        return r;
    }
    let (s1r, s1i) = sqrt_f64(1.0 - x, -y);
    let (s2r, s2i) = sqrt_f64(1.0 + x, y);
    let re = 2.0 * atan(s1r / s2r);
    let im = asinh(s2r * s1i - s2i * s1r);
    (re, im)
}

/// Kahan's arccosh on finite inputs.
fn acosh_finite(x: f64, y: f64) -> (f64, f64) {
    if x.abs() < pow2(-30) && y.abs() < pow2(-30) {
        return (y.abs(), (FRAC_PI_2 - x).copysign(y));
    }
    if let Some(r) = tiny_y(acosh_finite, x, y) {
        return r;
    }
    let (s1r, s1i) = sqrt_f64(x - 1.0, y);
    let (s2r, s2i) = sqrt_f64(x + 1.0, y);
    let re = asinh(s1r * s2r + s1i * s2i);
    let im = 2.0 * atan(s1i / s2r);
    (re, im)
}

fn asinh_f64(x: f64, y: f64) -> (f64, f64) {
    if x.is_finite() && y.is_finite() {
        if x.abs() > pow2(500) || y.abs() > pow2(500) {
            // asinh z = sign * log(2|z|) style: log(2z) for Re z > 0 (odd).
            let (ax, ay) = (x.abs(), y.abs());
            let (lr, li) = log_f64(ax, ay);
            return ((lr + LN_2).copysign(x), li.copysign(y));
        }
        // asinh z = -i asin(iz)
        let (r, i) = asin_finite(-y, x);
        return (i, -r);
    }
    let (ax, ay) = (x.abs(), y.abs());
    let (re, im) = if ax.is_infinite() {
        if ay.is_finite() {
            (f64::INFINITY, 0.0)
        } else if ay.is_infinite() {
            (f64::INFINITY, FRAC_PI_4)
        } else {
            (f64::INFINITY, f64::NAN)
        }
    } else if ay.is_infinite() {
        if ax.is_nan() {
            return (f64::INFINITY, f64::NAN);
        }
        (f64::INFINITY, FRAC_PI_2)
    } else if ax.is_nan() {
        return if y == 0.0 { (x, y) } else { (f64::NAN, f64::NAN) };
    } else {
        return (f64::NAN, f64::NAN);
    };
    (re.copysign(x), im.copysign(y))
}

fn asin_f64(x: f64, y: f64) -> (f64, f64) {
    if x.is_infinite() && y.is_nan() {
        return (f64::NAN, f64::INFINITY);
    }
    // asin z = -i asinh(iz)
    let (r, i) = asinh_f64(-y, x);
    (i, -r)
}

fn acos_f64(x: f64, y: f64) -> (f64, f64) {
    // glibc's cacos negates an imaginary part computed by casinh: its NaN
    // comes out with the sign bit set.
    let (r, i) = acos_inner(x, y);
    (r, if i.is_nan() { neg_nan() } else { i })
}

fn acos_inner(x: f64, y: f64) -> (f64, f64) {
    if x.is_finite() && y.is_finite() {
        if x.abs() > pow2(500) || y.abs() > pow2(500) {
            // acos z = -i log(z + i sqrt(1 - z^2)) ~ for huge z: re = arg,
            // im = -sign * log(2|z|)
            let (lr, li) = log_f64(x, y.abs());
            return (li, -(lr + LN_2).copysign(y));
        }
        return acos_finite(x, y);
    }
    if x.is_nan() {
        if y.is_infinite() {
            return (f64::NAN, -y);
        }
        return (f64::NAN, f64::NAN);
    }
    if y.is_nan() {
        if x.is_infinite() {
            return (f64::NAN, f64::NEG_INFINITY);
        }
        if x == 0.0 {
            return (FRAC_PI_2, f64::NAN);
        }
        return (f64::NAN, f64::NAN);
    }
    let re = if x.is_infinite() {
        if y.is_infinite() {
            if x > 0.0 {
                FRAC_PI_4
            } else {
                3.0 * FRAC_PI_4
            }
        } else if x > 0.0 {
            0.0
        } else {
            PI
        }
    } else {
        FRAC_PI_2
    };
    (re, -(f64::INFINITY.copysign(y)))
}

fn acosh_f64(x: f64, y: f64) -> (f64, f64) {
    if x.is_finite() && y.is_finite() {
        if x.abs() > pow2(500) || y.abs() > pow2(500) {
            let (lr, li) = log_f64(x, y);
            return (lr + LN_2, li);
        }
        return acosh_finite(x, y);
    }
    // acosh z = +-i acos z, with Re >= 0
    let (r, i) = acos_inner(x, y);
    // acosh(z) = (|Im acos|, sign(y) Re acos)
    let re = i.abs();
    let im = if r.is_nan() { r } else { r.copysign(y) };
    (re, im)
}

fn atanh_f64(x: f64, y: f64) -> (f64, f64) {
    let (ax, ay) = (x.abs(), y.abs());
    let (re, im) = if ax.is_nan() || ay.is_nan() {
        if ay.is_infinite() {
            (0.0, FRAC_PI_2)
        } else if ax.is_infinite() || ax == 0.0 {
            (0.0, f64::NAN)
        } else {
            return (f64::NAN, f64::NAN);
        }
    } else if ax.is_infinite() || ay.is_infinite() {
        (0.0, FRAC_PI_2)
    } else if ax > pow2(500) || ay > pow2(500) {
        // Re(1/z) for huge z
        let r = if ax >= ay {
            let t = ay / ax;
            (1.0 / ax) / (1.0 + t * t)
        } else {
            let t = ax / ay;
            (t / ay) / (1.0 + t * t)
        };
        (r, FRAC_PI_2)
    } else if ax == 1.0 && ay < pow2(-500) {
        (if ay == 0.0 { f64::INFINITY } else { (LN_2 - log(ay)) * 0.5 }, (FRAC_PI_2 + atan2(ay, 2.0)) * 0.5 * (ay != 0.0) as i32 as f64)
    } else {
        let d = (1.0 - ax) * (1.0 - ax) + ay * ay;
        let re = 0.25 * log1p(4.0 * ax / d);
        let im = 0.5 * atan2(2.0 * ay, (1.0 - ax) * (1.0 + ax) - ay * ay);
        (re, im)
    };
    (re.copysign(x), im.copysign(y))
}

fn atan_f64(x: f64, y: f64) -> (f64, f64) {
    // atan z = -i atanh(iz)
    let (r, i) = atanh_f64(-y, x);
    (i, -r)
}

fn sin_f64(x: f64, y: f64) -> (f64, f64) {
    if !x.is_finite() && y.is_infinite() {
        return (nan_of(x), f64::INFINITY);
    }
    let (r, i) = sinh_f64(-y, x);
    (i, -r)
}

fn cos_f64(x: f64, y: f64) -> (f64, f64) {
    cosh_f64(-y, x)
}

fn tan_f64(x: f64, y: f64) -> (f64, f64) {
    let (r, i) = tanh_f64(-y, x);
    (i, -r)
}

// ------------------------------------------------------- public functions

macro_rules! public_unary {
    ($( $(#[$doc:meta])* $core:ident => $c64:ident, $c32:ident; )*) => {
        $(
            $(#[$doc])*
            pub fn $c64(re: f64, im: f64) -> (f64, f64) {
                let (r, i) = $core(re, im);
                (canon(r), canon(i))
            }
            $(#[$doc])*
            ///
            /// (complex64: computed in f64, each part rounded once.)
            pub fn $c32(re: f32, im: f32) -> (f32, f32) {
                let (r, i) = $core(re as f64, im as f64);
                (to32(canon(r)), to32(canon(i)))
            }
        )*
    };
}

public_unary! {
    /// Principal square root (branch cut on the negative real axis).
    sqrt_f64 => sqrt_c64, sqrt_c32;
    /// `e^z`.
    exp_f64 => exp_c64, exp_c32;
    /// Principal natural logarithm.
    log_f64 => log_c64, log_c32;
    /// `log(1 + z)` (accurate for small `z`, unlike NumPy's formula).
    log1p_f64 => log1p_c64, log1p_c32;
    /// Sine.
    sin_f64 => sin_c64, sin_c32;
    /// Cosine.
    cos_f64 => cos_c64, cos_c32;
    /// Tangent.
    tan_f64 => tan_c64, tan_c32;
    /// Principal arcsine (cuts: real axis beyond ±1).
    asin_f64 => arcsin_c64, arcsin_c32;
    /// Principal arccosine (cuts: real axis beyond ±1).
    acos_f64 => arccos_c64, arccos_c32;
    /// Principal arctangent (cuts: imaginary axis beyond ±i).
    atan_f64 => arctan_c64, arctan_c32;
    /// Hyperbolic sine.
    sinh_f64 => sinh_c64, sinh_c32;
    /// Hyperbolic cosine.
    cosh_f64 => cosh_c64, cosh_c32;
    /// Hyperbolic tangent.
    tanh_f64 => tanh_c64, tanh_c32;
    /// Principal inverse hyperbolic sine (cuts: imaginary axis beyond ±i).
    asinh_f64 => arcsinh_c64, arcsinh_c32;
    /// Principal inverse hyperbolic cosine (cut: real axis below 1).
    acosh_f64 => arccosh_c64, arccosh_c32;
    /// Principal inverse hyperbolic tangent (cuts: real axis beyond ±1).
    atanh_f64 => arctanh_c64, arctanh_c32;
}

/// `e^z - 1` by NumPy's formula `(expm1(x) cos y - 2 sin^2(y/2), e^x sin
/// y)` (beyond `x = 709`, where `e^x` overflows, `e^x (cos y, sin y)`
/// scaled so that a finite result stays finite).
pub fn expm1_c64(re: f64, im: f64) -> (f64, f64) {
    expm1_f64(re, im)
}

/// `e^z - 1` for complex64: NumPy's formula in f32 arithmetic on numjet's
/// f32 functions (as NumPy computes complex64), the scaled form beyond
/// overflow in f64.
pub fn expm1_c32(re: f32, im: f32) -> (f32, f32) {
    let f = |g: Func, v: f32| super::scalar_f32(g, &[v]);
    if re > 88.0 && re.is_finite() && im.is_finite() && im != 0.0 {
        let (r, i) = expm1_f64(re as f64, im as f64);
        return (r as f32, i as f32);
    }
    let a = f(Func::Sin, im / 2.0);
    (f(Func::Expm1, re) * f(Func::Cos, im) - 2.0 * a * a, f(Func::Exp, re) * f(Func::Sin, im))
}

/// `log(z) * log2(e)` (NumPy's formula).
pub fn log2_c64(re: f64, im: f64) -> (f64, f64) {
    let (r, i) = log2_f64(re, im);
    (canon(r), canon(i))
}

/// `log(z) * log2(e)` for complex64: the f64 logarithm rounded to f32,
/// then the product in f32 (NumPy's order of roundings).
pub fn log2_c32(re: f32, im: f32) -> (f32, f32) {
    let (r, i) = log_f64(re as f64, im as f64);
    (to32(canon(r)) * std::f32::consts::LOG2_E, to32(canon(i)) * std::f32::consts::LOG2_E)
}

/// `log(z) * log10(e)` (NumPy's formula).
pub fn log10_c64(re: f64, im: f64) -> (f64, f64) {
    let (r, i) = log10_f64(re, im);
    (canon(r), canon(i))
}

/// `log(z) * log10(e)` for complex64 (as [`log2_c32`]).
pub fn log10_c32(re: f32, im: f32) -> (f32, f32) {
    let (r, i) = log_f64(re as f64, im as f64);
    (to32(canon(r)) * std::f32::consts::LOG10_E, to32(canon(i)) * std::f32::consts::LOG10_E)
}

/// A unary complex function of this module (NumPy's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CFunc {
    Sqrt,
    Exp,
    Expm1,
    Log,
    Log2,
    Log10,
    Log1p,
    Sin,
    Cos,
    Tan,
    Arcsin,
    Arccos,
    Arctan,
    Sinh,
    Cosh,
    Tanh,
    Arcsinh,
    Arccosh,
    Arctanh,
}

impl CFunc {
    /// Every function.
    pub const ALL: [CFunc; 19] = [
        CFunc::Sqrt,
        CFunc::Exp,
        CFunc::Expm1,
        CFunc::Log,
        CFunc::Log2,
        CFunc::Log10,
        CFunc::Log1p,
        CFunc::Sin,
        CFunc::Cos,
        CFunc::Tan,
        CFunc::Arcsin,
        CFunc::Arccos,
        CFunc::Arctan,
        CFunc::Sinh,
        CFunc::Cosh,
        CFunc::Tanh,
        CFunc::Arcsinh,
        CFunc::Arccosh,
        CFunc::Arctanh,
    ];

    /// NumPy's name.
    pub fn name(self) -> &'static str {
        match self {
            CFunc::Sqrt => "sqrt",
            CFunc::Exp => "exp",
            CFunc::Expm1 => "expm1",
            CFunc::Log => "log",
            CFunc::Log2 => "log2",
            CFunc::Log10 => "log10",
            CFunc::Log1p => "log1p",
            CFunc::Sin => "sin",
            CFunc::Cos => "cos",
            CFunc::Tan => "tan",
            CFunc::Arcsin => "arcsin",
            CFunc::Arccos => "arccos",
            CFunc::Arctan => "arctan",
            CFunc::Sinh => "sinh",
            CFunc::Cosh => "cosh",
            CFunc::Tanh => "tanh",
            CFunc::Arcsinh => "arcsinh",
            CFunc::Arccosh => "arccosh",
            CFunc::Arctanh => "arctanh",
        }
    }

    /// The function of this NumPy name.
    pub fn from_name(name: &str) -> Option<CFunc> {
        CFunc::ALL.into_iter().find(|f| f.name() == name)
    }

    fn core(self) -> fn(f64, f64) -> (f64, f64) {
        match self {
            CFunc::Sqrt => sqrt_f64,
            CFunc::Exp => exp_f64,
            CFunc::Expm1 => expm1_f64,
            CFunc::Log => log_f64,
            CFunc::Log2 => log2_f64,
            CFunc::Log10 => log10_f64,
            CFunc::Log1p => log1p_f64,
            CFunc::Sin => sin_f64,
            CFunc::Cos => cos_f64,
            CFunc::Tan => tan_f64,
            CFunc::Arcsin => asin_f64,
            CFunc::Arccos => acos_f64,
            CFunc::Arctan => atan_f64,
            CFunc::Sinh => sinh_f64,
            CFunc::Cosh => cosh_f64,
            CFunc::Tanh => tanh_f64,
            CFunc::Arcsinh => asinh_f64,
            CFunc::Arccosh => acosh_f64,
            CFunc::Arctanh => atanh_f64,
        }
    }
}

/// `f` on one complex128 value.
pub fn cfunc_c64(f: CFunc, re: f64, im: f64) -> (f64, f64) {
    if f == CFunc::Expm1 {
        return expm1_c64(re, im);
    }
    let (r, i) = (f.core())(re, im);
    (canon(r), canon(i))
}

/// `f` on one complex64 value (as the `*_c32` function).
pub fn cfunc_c32(f: CFunc, re: f32, im: f32) -> (f32, f32) {
    match f {
        CFunc::Expm1 => expm1_c32(re, im),
        CFunc::Log2 => log2_c32(re, im),
        CFunc::Log10 => log10_c32(re, im),
        _ => {
            let (r, i) = (f.core())(re as f64, im as f64);
            (to32(canon(r)), to32(canon(i)))
        }
    }
}

// ------------------------------------------------------- block functions

/// `exp` over a block of complex128 values: [`exp_c64`] element by
/// element, bit for bit, with the common case vectorised. For finite `x
/// <= 709` and finite `y`, `exp(x + iy)` is `(e^x cos y, e^x sin y)` (the
/// `y = 0` case included: `cos 0 = 1`, `sin ±0 = ±0`), so the real block
/// functions compute `e^x`, `cos y` and `sin y` for a chunk of the block
/// (the same bits as their scalar versions), and the other elements go
/// through [`exp_c64`].
pub fn exp_block_c64(z: &[crate::dtype::Complex<f64>], out: &mut [crate::dtype::Complex<f64>]) {
    const CHUNK: usize = 128;
    let level = super::Level::best();
    let (mut re, mut im) = ([0.0f64; CHUNK], [0.0f64; CHUNK]);
    let (mut e, mut c, mut s) = ([0.0f64; CHUNK], [0.0f64; CHUNK], [0.0f64; CHUNK]);
    for (zc, oc) in z.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
        let n = zc.len();
        for (k, v) in zc.iter().enumerate() {
            re[k] = v.re;
            im[k] = v.im;
        }
        super::eval_f64(Func::Exp, level, &[&re[..n]], &mut e[..n]);
        super::eval_f64(Func::Cos, level, &[&im[..n]], &mut c[..n]);
        super::eval_f64(Func::Sin, level, &[&im[..n]], &mut s[..n]);
        for k in 0..n {
            let (x, y) = (re[k], im[k]);
            let (a, b) = if x.is_finite() && x <= 709.0 && y.is_finite() { (e[k] * c[k], e[k] * s[k]) } else { exp_c64(x, y) };
            oc[k] = crate::dtype::Complex::new(a, b);
        }
    }
}

/// `exp` over a block of complex64 values: [`exp_c32`] element by element
/// (computed in f64, each part rounded once), through [`exp_block_c64`].
pub fn exp_block_c32(z: &[crate::dtype::Complex<f32>], out: &mut [crate::dtype::Complex<f32>]) {
    const CHUNK: usize = 128;
    let mut wide = [crate::dtype::Complex::new(0.0f64, 0.0); CHUNK];
    let mut res = [crate::dtype::Complex::new(0.0f64, 0.0); CHUNK];
    for (zc, oc) in z.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
        let n = zc.len();
        for (w, v) in wide.iter_mut().zip(zc) {
            *w = crate::dtype::Complex::new(v.re as f64, v.im as f64);
        }
        exp_block_c64(&wide[..n], &mut res[..n]);
        for ((o, r), v) in oc.iter_mut().zip(&res[..n]).zip(zc) {
            let (x, y) = (v.re as f64, v.im as f64);
            *o = if x.is_finite() && x <= 709.0 && y.is_finite() {
                crate::dtype::Complex::new(to32(r.re), to32(r.im))
            } else {
                let (a, b) = exp_c32(v.re, v.im);
                crate::dtype::Complex::new(a, b)
            };
        }
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fma_matches_hardware() {
        let mut s = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for i in 0..200_000 {
            let pick = |v: u64, i: usize| -> f64 {
                match i % 4 {
                    0 => f64::from_bits(v),
                    1 => f64::from_bits((v & 0x800f_ffff_ffff_ffff) | (((v >> 52) & 0x3f) + 990) << 52),
                    2 => f64::from_bits((v & 0x800f_ffff_ffff_ffff) | ((v >> 52) & 0x7f) << 52),
                    _ => f64::from_bits((v & 0x800f_ffff_ffff_ffff) | (((v >> 52) & 0x7ff).min(2046)) << 52),
                }
            };
            let a = pick(next(), i);
            let b = pick(next(), i / 4);
            let c = if i % 3 == 0 { -(a * b) * (1.0 + f64::EPSILON * (i % 7) as f64) } else { pick(next(), i / 16) };
            let want = a.mul_add(b, c);
            let got = fma_f64(a, b, c);
            assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "{a:e} {b:e} {c:e}: {got:e} vs {want:e}");
            let (a32, b32, c32) = (a as f32, b as f32, c as f32);
            let want = a32.mul_add(b32, c32);
            let got = fma_f32(a32, b32, c32);
            assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "{a32:e} {b32:e} {c32:e}: {got:e} vs {want:e}");
        }
    }
}
