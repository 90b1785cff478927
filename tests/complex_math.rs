//! numjet's scalar complex math (`numjet::vmath::complex`) against NumPy 2.4
//! (special values) and mpmath (accuracy).
//!
//! Fixtures: `tests/fixtures/complex/c128.bin` and `c64.bin`, written by
//! `tests/fixtures/gen_complex.py` (NumPy 2.4 + mpmath, seeded; its
//! docstring says how the inputs are chosen). This test needs no Python.
//! `cargo test --release --test complex_math -- --nocapture` prints the
//! table of errors.
//!
//! ## Fixture format (little-endian)
//!
//! ```text
//! header  b"NJCPLX01", u32 number of blocks
//! block   u8 L, L bytes: NumPy's name of the operation;
//!         u8 W (part width: 8 in c128.bin, 4 in c64.bin); u8 A (complex
//!         operands, 1 or 2); u8 K (result: 0 complex, 1 real, 2 bool);
//!         u8 G, G parts (W bytes each): the special grid;
//!         u32 n_spec, n_spec special records in the order of the nested
//!           loops (re1, im1[, re2, im2]) over the grid, last fastest:
//!           NumPy's result (K=0: 2 parts; K=1: 1 part; K=2: 1 byte), then
//!           u8 flags: bit 0 / bit 1 = the real / imaginary part is a NaN
//!           whose sign NumPy gives consistently (arrays of the whole grid
//!           and of length 1 agree), so the sign is checked;
//!         u32 n_acc, n_acc accuracy records: the inputs (2A parts, W bytes
//!           each), the exact result as f64 re_hi, re_lo, im_hi, im_lo
//!           (hi + lo, hi the nearest f64), NumPy's result (K=0: 2 parts;
//!           K=1: 1 part).
//! ```
//!
//! ## Checks
//!
//! * Special records: NaN where NumPy gives NaN (with its sign where the
//!   flags say so), infinities and zeros bit for bit; finite nonzero parts
//!   bit for bit for the exact operations (add, subtract, multiply,
//!   divide, negative, conjugate, power with an integer exponent `-100 < n
//!   < 100`) and booleans; for the other functions finite nonzero parts
//!   within [`SPECIAL_TOL`] eps of NumPy's value, relative to the larger
//!   part of NumPy's result (glibc's finite results are not correctly
//!   rounded either). [`known`] lists the records that deliberately differ;
//!   NaN signs are compared and counted (column `nan_s_diff`), not failed.
//! * Accuracy records: normwise error `|got - exact| / |exact|` in units
//!   of eps (2^-52 for f64, 2^-23 for f32) at most the function's entry
//!   in [`BOUNDS`]. The table also shows the largest componentwise error
//!   in ULPs of each part (parts of exact value 0 skipped; informative
//!   only: a part much smaller than the other has no componentwise bound)
//!   and NumPy's own errors on the same inputs.

use numjet::vmath::complex as cx;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Normwise error bounds in eps (the default: 4).
/// `power`: NumPy's repeated multiplication for integer exponents (the
/// same bits as NumPy; its error grows with the exponent: 20.9 eps for
/// complex128, 22.9 for complex64 on the fixtures, at |n| ~ 55, the same
/// as NumPy's) and `exp(b log a)` otherwise.
const BOUNDS: [(&str, f64); 1] = [("power", 32.0)];
const DEFAULT_BOUND: f64 = 4.0;
/// Tolerance for finite nonzero special values of the inexact functions.
const SPECIAL_TOL: f64 = 16.0;
/// Tolerance (eps, relative to the larger part) for finite nonzero special
/// values of `power` with a non-integer exponent: `exp(b log a)` amplifies
/// the rounding of `b log a` by `|b log a|` (up to ~750 on the grid), in
/// NumPy as here; the accuracy records measure power against mpmath.
const POWER_TOL: f64 = 2048.0;

/// Special records that deliberately differ from NumPy (listed, not
/// failed): the reason, or `None`.
fn known(name: &str, w: u8, x: &[f64]) -> Option<&'static str> {
    let tiny = if w == 8 { f64::MIN_POSITIVE } else { f32::MIN_POSITIVE as f64 };
    match name {
        "log1p" => Some("NumPy's formula log(hypot(1+x, y)) loses small z and overflows for huge z"),
        "sqrt" if x[0] > 0.0 && x[1] != 0.0 && x[1].abs() < tiny => {
            Some("glibc flushes a subnormal imaginary part y/2t to 0; ours rounds it")
        }
        _ => None,
    }
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let s = &self.b[self.i..self.i + n];
        self.i += n;
        s
    }
    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().unwrap())
    }
    fn f64(&mut self) -> f64 {
        f64::from_le_bytes(self.take(8).try_into().unwrap())
    }
    /// One part of width w, widened to f64 (exact).
    fn part(&mut self, w: u8) -> f64 {
        if w == 8 {
            self.f64()
        } else {
            f32::from_le_bytes(self.take(4).try_into().unwrap()) as f64
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Out {
    C(f64, f64),
    R(f64),
    B(bool),
}

macro_rules! paste_ops {
    (c64, $name:expr, $a:ident, $b:ident, $c:ident, $d:ident, $c2:ident) => {
        dispatch!($name, $a, $b, $c, $d, $c2, add_c64, sub_c64, mul_c64, div_c64, power_c64, neg_c64, conj_c64,
            abs_c64, angle_c64, isnan_c64, isinf_c64, isfinite_c64, lt_c64, le_c64, gt_c64, ge_c64, eq_c64, ne_c64,
            sqrt_c64, exp_c64, expm1_c64, log_c64, log2_c64, log10_c64, log1p_c64, sin_c64, cos_c64, tan_c64,
            arcsin_c64, arccos_c64, arctan_c64, sinh_c64, cosh_c64, tanh_c64, arcsinh_c64, arccosh_c64, arctanh_c64)
    };
    (c32, $name:expr, $a:ident, $b:ident, $c:ident, $d:ident, $c2:ident) => {
        dispatch!($name, $a, $b, $c, $d, $c2, add_c32, sub_c32, mul_c32, div_c32, power_c32, neg_c32, conj_c32,
            abs_c32, angle_c32, isnan_c32, isinf_c32, isfinite_c32, lt_c32, le_c32, gt_c32, ge_c32, eq_c32, ne_c32,
            sqrt_c32, exp_c32, expm1_c32, log_c32, log2_c32, log10_c32, log1p_c32, sin_c32, cos_c32, tan_c32,
            arcsin_c32, arccos_c32, arctan_c32, sinh_c32, cosh_c32, tanh_c32, arcsinh_c32, arccosh_c32, arctanh_c32)
    };
}

macro_rules! dispatch {
    ($name:expr, $a:ident, $b:ident, $c:ident, $d:ident, $c2:ident, $add:ident, $sub:ident, $mul:ident, $div:ident,
     $pow:ident, $neg:ident, $conj:ident, $abs:ident, $angle:ident, $isnan:ident, $isinf:ident, $isfinite:ident,
     $lt:ident, $le:ident, $gt:ident, $ge:ident, $eq:ident, $ne:ident, $($u:ident),*) => {
        match $name {
            "add" => $c2(cx::$add($a, $b, $c, $d)),
            "subtract" => $c2(cx::$sub($a, $b, $c, $d)),
            "multiply" => $c2(cx::$mul($a, $b, $c, $d)),
            "divide" => $c2(cx::$div($a, $b, $c, $d)),
            "power" => $c2(cx::$pow($a, $b, $c, $d)),
            "negative" => $c2(cx::$neg($a, $b)),
            "conjugate" => $c2(cx::$conj($a, $b)),
            "absolute" => Out::R(cx::$abs($a, $b) as f64),
            "angle" => Out::R(cx::$angle($a, $b) as f64),
            "isnan" => Out::B(cx::$isnan($a, $b)),
            "isinf" => Out::B(cx::$isinf($a, $b)),
            "isfinite" => Out::B(cx::$isfinite($a, $b)),
            "less" => Out::B(cx::$lt($a, $b, $c, $d)),
            "less_equal" => Out::B(cx::$le($a, $b, $c, $d)),
            "greater" => Out::B(cx::$gt($a, $b, $c, $d)),
            "greater_equal" => Out::B(cx::$ge($a, $b, $c, $d)),
            "equal" => Out::B(cx::$eq($a, $b, $c, $d)),
            "not_equal" => Out::B(cx::$ne($a, $b, $c, $d)),
            $( n if concat!(stringify!($u), "!").starts_with(&format!("{n}_c")) => $c2(cx::$u($a, $b)), )*
            other => panic!("unknown operation {other}"),
        }
    };
}

/// Our result for operation `name` on the inputs (parts widened to f64;
/// `w` = 4 computes complex64).
fn ours(name: &str, w: u8, x: &[f64]) -> Out {
    macro_rules! go {
        ($t:ty, $suf:ident) => {{
            let p = |i: usize| x.get(i).copied().unwrap_or(0.0) as $t;
            let (a, b, c, d) = (p(0), p(1), p(2), p(3));
            let c2 = |r: ($t, $t)| Out::C(r.0 as f64, r.1 as f64);
            paste_ops!($suf, name, a, b, c, d, c2)
        }};
    }
    if w == 8 {
        go!(f64, c64)
    } else {
        go!(f32, c32)
    }
}

fn exact_op(name: &str, x: &[f64]) -> bool {
    match name {
        "add" | "subtract" | "multiply" | "divide" | "negative" | "conjugate" => true,
        "power" => x[3] == 0.0 && x[2] > -100.0 && x[2] < 100.0 && x[2] == x[2].trunc() && x[2] != 0.0,
        _ => false,
    }
}

/// Whether `g` is the same float of width w as `n` (NaN: any NaN, sign
/// checked when `sign`).
fn same_bits(g: f64, n: f64, sign: bool) -> bool {
    if n.is_nan() {
        return g.is_nan() && (!sign || g.is_sign_negative() == n.is_sign_negative());
    }
    g.to_bits() == n.to_bits()
}

/// ULP of the dtype at `v`.
fn ulp(v: f64, w: u8) -> f64 {
    let (p, emin) = if w == 8 { (53, -1022) } else { (24, -126) };
    let e = if v == 0.0 { emin } else { (v.abs().log2().floor() as i32).max(emin) };
    let k = e - p + 1;
    2f64.powi(k / 2) * 2f64.powi(k - k / 2)
}

/// (normwise error in eps, max componentwise error in ULPs).
fn errors(w: u8, g: (f64, f64), e: [f64; 4]) -> (f64, f64) {
    let eps = if w == 8 { f64::EPSILON } else { f32::EPSILON as f64 };
    if !(g.0.is_finite() && g.1.is_finite()) {
        return (f64::INFINITY, f64::INFINITY);
    }
    let dr = (g.0 - e[0]) - e[1];
    let di = (g.1 - e[2]) - e[3];
    let mag = e[0].hypot(e[2]);
    let norm = dr.hypot(di) / mag / eps;
    let mut comp: f64 = 0.0;
    if e[0] != 0.0 {
        comp = comp.max(dr.abs() / ulp(e[0], w));
    }
    if e[2] != 0.0 {
        comp = comp.max(di.abs() / ulp(e[2], w));
    }
    (norm, comp)
}

#[derive(Default)]
struct Row {
    n_acc: usize,
    ours: (f64, f64),
    numpy: (f64, f64),
    worst: Vec<f64>,
    n_spec: usize,
    spec_bad: usize,
    spec_known: usize,
    nan_sign_checked: usize,
    nan_sign_diff: usize,
}

#[test]
fn complex_math_against_numpy_and_mpmath() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/complex");
    let mut failures = String::new();
    let mut table = String::new();
    let mut known_list = String::new();
    let mut nan_list = String::new();
    for file in ["c128.bin", "c64.bin"] {
        let bytes = std::fs::read(dir.join(file)).expect("fixture");
        let mut r = Reader { b: &bytes, i: 0 };
        assert_eq!(r.take(8), b"NJCPLX01");
        let nblocks = r.u32();
        for _ in 0..nblocks {
            let l = r.u8() as usize;
            let name = std::str::from_utf8(r.take(l)).unwrap().to_string();
            let (w, a, k, g) = (r.u8(), r.u8() as usize, r.u8(), r.u8() as usize);
            let grid: Vec<f64> = (0..g).map(|_| r.part(w)).collect();
            let n_spec = r.u32() as usize;
            let dt = if w == 8 { "c128" } else { "c64" };
            let mut row = Row { n_spec, ..Row::default() };
            for i in 0..n_spec {
                let mut x = vec![0.0; 2 * a];
                let mut j = i;
                for slot in (0..2 * a).rev() {
                    x[slot] = grid[j % g];
                    j /= g;
                }
                let want = match k {
                    0 => Out::C(r.part(w), r.part(w)),
                    1 => Out::R(r.part(w)),
                    _ => Out::B(r.u8() != 0),
                };
                let flags = r.u8();
                let got = ours(&name, w, &x);
                let exact = exact_op(&name, &x);
                let eps = if w == 8 { f64::EPSILON } else { f32::EPSILON as f64 };
                let close = |gp: f64, np: f64, scale: f64, sign: bool| -> bool {
                    if same_bits(gp, np, sign) {
                        return true;
                    }
                    let zero_ok = name == "power" && !exact && np == 0.0 && gp == 0.0;
                    if zero_ok {
                        return true;
                    }
                    if exact || !np.is_finite() || !gp.is_finite() || (name != "power" && (np == 0.0 || gp == 0.0)) {
                        return false;
                    }
                    if name == "power" {
                        // also the subnormal range as absolute slack
                        let tiny = if w == 8 { f64::MIN_POSITIVE } else { f32::MIN_POSITIVE as f64 };
                        return (gp - np).abs() <= POWER_TOL * eps * scale + tiny;
                    }
                    (gp - np).abs() <= SPECIAL_TOL * eps * scale
                };
                row.nan_sign_checked += (flags & 1 != 0) as usize + (flags & 2 != 0) as usize;
                let ok = match (got, want) {
                    (Out::C(gr, gi), Out::C(nr, ni)) => {
                        let scale = nr.abs().max(ni.abs());
                        close(gr, nr, scale, false) && close(gi, ni, scale, false)
                    }
                    (Out::R(gv), Out::R(nv)) => close(gv, nv, nv.abs(), false),
                    (Out::B(gb), Out::B(nb)) => gb == nb,
                    _ => false,
                };
                let nan_ok = |g: f64, n: f64, flag: bool| !(ok && n.is_nan() && g.is_nan()) || same_bits(g, n, flag);
                let sign_ok = match (got, want) {
                    (Out::C(gr, gi), Out::C(nr, ni)) => nan_ok(gr, nr, flags & 1 != 0) && nan_ok(gi, ni, flags & 2 != 0),
                    (Out::R(gv), Out::R(nv)) => nan_ok(gv, nv, flags & 1 != 0),
                    _ => true,
                };
                row.nan_sign_diff += (!sign_ok) as usize;
                if !sign_ok && row.nan_sign_diff <= 3 {
                    let _ = writeln!(
                        nan_list,
                        "{dt} {name}{:?}: ours {:?} numpy {:?}",
                        x,
                        match got {
                            Out::C(a, b) => (a.is_sign_negative(), b.is_sign_negative()),
                            Out::R(a) => (a.is_sign_negative(), false),
                            Out::B(_) => (false, false),
                        },
                        match want {
                            Out::C(a, b) => (a.is_sign_negative(), b.is_sign_negative()),
                            Out::R(a) => (a.is_sign_negative(), false),
                            Out::B(_) => (false, false),
                        }
                    );
                }
                if !ok {
                    let show = |o: Out| match o {
                        Out::C(a, b) => format!("({a:e}, {b:e})"),
                        Out::R(a) => format!("{a:e}"),
                        Out::B(b) => format!("{b}"),
                    };
                    let line = format!(
                        "{dt} {name}{:?}: ours {} numpy {} flags {flags}\n",
                        x.iter().map(|v| format!("{v:e}")).collect::<Vec<_>>(),
                        show(got),
                        show(want)
                    );
                    if let Some(why) = known(&name, w, &x) {
                        row.spec_known += 1;
                        known_list.push_str(&format!("{}  [{why}]\n", line.trim_end()));
                    } else {
                        row.spec_bad += 1;
                        failures.push_str(&line);
                    }
                }
            }
            let n_acc = r.u32() as usize;
            row.n_acc = n_acc;
            for _ in 0..n_acc {
                let x: Vec<f64> = (0..2 * a).map(|_| r.part(w)).collect();
                let e = [r.f64(), r.f64(), r.f64(), r.f64()];
                let np = if k == 0 { (r.part(w), r.part(w)) } else { (r.part(w), 0.0) };
                let got = match ours(&name, w, &x) {
                    Out::C(a, b) => (a, b),
                    Out::R(a) => (a, 0.0),
                    Out::B(_) => unreachable!(),
                };
                let eo = errors(w, got, e);
                let en = errors(w, np, e);
                if eo.0 > row.ours.0 {
                    row.worst = x.clone();
                }
                row.ours = (row.ours.0.max(eo.0), row.ours.1.max(eo.1));
                row.numpy = (row.numpy.0.max(en.0), row.numpy.1.max(en.1));
            }
            if n_acc > 0 {
                let bound = BOUNDS.iter().find(|b| b.0 == name).map_or(DEFAULT_BOUND, |b| b.1);
                if row.ours.0.is_nan() || row.ours.0 > bound {
                    let _ = writeln!(
                        failures,
                        "{dt} {name}: normwise error {:.2} eps > {bound} at {:?}",
                        row.ours.0, row.worst
                    );
                }
            }
            let _ = writeln!(
                table,
                "{dt:5} {name:14} {:5} {:>9.3} {:>11.3} {:>9.3} {:>11.3} | {:5} {:4} {:5} {:5} {:5}",
                row.n_acc,
                row.ours.0,
                row.ours.1,
                row.numpy.0,
                row.numpy.1,
                row.n_spec,
                row.spec_bad,
                row.spec_known,
                row.nan_sign_checked,
                row.nan_sign_diff
            );
        }
    }
    println!(
        "dtype op             n_acc  ours_eps  ours_ulp/c  numpy_eps numpy_ulp/c | n_spec diff known nan_s nan_s_diff"
    );
    print!("{table}");
    if !nan_list.is_empty() {
        println!("NaN sign differences (informational; sign bits re, im):\n{nan_list}");
    }
        if !known_list.is_empty() {
        println!("special records that deliberately differ from NumPy:\n{known_list}");
    }
    assert!(failures.is_empty(), "failures:\n{failures}");
}
