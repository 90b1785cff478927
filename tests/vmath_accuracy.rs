//! Accuracy of numjet's own math functions (`numjet::vmath`) against
//! mpmath references, their special values against NumPy 2.4, and the
//! bitwise agreement of the block functions with the scalar ones at every
//! instruction-set level this CPU has.
//!
//! Fixtures: `tests/fixtures/vmath/f64.bin` and `f32.bin`, written by
//! `tests/fixtures/gen_vmath.py` (mpmath + NumPy; seeded; see its docstring
//! for how the inputs are chosen). This test needs no Python. Run
//! `cargo test --release --test vmath_accuracy -- --nocapture` to see the
//! table of errors.
//!
//! ## Fixture format (little-endian)
//!
//! ```text
//! header   b"NJVMATH1", u32 W (8 for f64.bin, 4 for f32.bin), u32 number of blocks
//! block    u8 L, L bytes: the function's NumPy name; u8 arity A (1 or 2);
//!          u32 n_acc; u32 n_spec; then
//!          n_acc accuracy records: A inputs (W bytes each, NumPy's argument
//!            order: arctan2(y, x), power(base, exponent)), then
//!            f64.bin: f64 ref_hi, f64 ref_lo;  f32.bin: f64 ref
//!          n_spec special records: A inputs (W bytes each), NumPy's result
//!            bits (unsigned, W bytes; from an array of 64 copies of the
//!            input), u8 flags (bit 0: the result is NaN and NumPy's NaN
//!            sign agrees between arrays of length 64 and 1, so the sign is
//!            checked; bit 1: NumPy's length-1 result differs, informational)
//! ```
//!
//! ## ULP error
//!
//! `ulp(v)` is the spacing of the dtype's floats at the exact value `v`,
//! from `v`'s binary exponent (the subnormal spacing below the smallest
//! normal, the spacing of the largest finite float at and beyond
//! 2^(Emax+1)). An infinite result counts as the float 2^(Emax+1) of its
//! sign, so `±inf` is exact where the exact value is at or beyond that.
//!
//! * f64: `ref_hi` is the exact value rounded to nearest (±inf when it
//!   rounds beyond the largest finite; zeros carry the exact value's sign)
//!   and `ref_lo = (exact - ref_hi) / ulp(exact)`, a fraction of an ulp
//!   (when `ref_hi` is ±inf, measured from ±2^1024 in units of 2^971).
//!   `ulp(exact)` is `ulp(ref_hi)` except where `ref_hi` is a normal power
//!   of two and `ref_lo` points towards zero: then the exact value is in the
//!   binade below and the ulp is half. The error of a result `g` is
//!   `|(g - ref_hi)/ulp - ref_lo|`, computed in units of the ulp so that the
//!   double-double never needs adding up.
//! * f32: `ref` is the f64 nearest to the exact value; the error of `g` is
//!   `|g - ref| / ulp32(ref)`.
//!
//! A zero result whose sign differs from a zero reference counts as an
//! infinite error.
//!
//! ## Checks, per function, dtype and level of `Level::available()`
//!
//! * block == scalar, bit for bit (NaN payloads included): the block
//!   function over all inputs, over the same shifted by 1 and by 3 elements
//!   (other lanes, other tails), and over each special input alone and as
//!   64 copies;
//! * max ULP error over the accuracy records at most the function's entry
//!   of [`BOUNDS`];
//! * special records bit-exact with NumPy; a NaN result only needs to be a
//!   NaN (payload free), with NumPy's sign where flag bit 0 says NumPy's
//!   sign is consistent (see [`CHECK_NAN_INPUT_SIGN`] for NaN inputs).
//!
//! Each function with a fast version ([`vmath::MathMode::Fast`],
//! `sin_fast`...) is checked on its default function's fixtures too: the
//! same block == scalar checks, max ULP error at most [`FAST_BOUND`], and
//! special values as NumPy's except that a finite nonzero NumPy value needs
//! only be within [`FAST_BOUND`] floats of it (NaNs, infinities and zeros
//! stay exact).
//!
//! All failures are collected and listed in one assertion message.

use numjet::vmath::{self, Func, Level};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Functions whose results are exact (no rounding at all), checked bit for
/// bit against C's `fmod` and the op table's `ops::divmod`, scalar and
/// block at every level, by the unit tests of `src/vmath/fdiv.rs`; they
/// have no mpmath fixtures.
const EXACT: [&str; 3] = ["fmod", "floor_divide", "remainder"];

/// The accuracy bounds: (function, max ULP in float64, max ULP in float32).
const BOUNDS: [(&str, f64, f64); 23] = [
    ("sin", 1.0, 1.0),
    ("cos", 1.0, 1.0),
    ("tan", 1.0, 1.0),
    ("arcsin", 1.0, 1.0),
    ("arccos", 1.0, 1.0),
    ("arctan", 1.0, 1.0),
    ("sinh", 1.0, 1.0),
    ("cosh", 1.0, 1.0),
    ("tanh", 2.0, 1.0),
    ("arcsinh", 1.0, 1.0),
    ("arccosh", 1.0, 1.0),
    ("arctanh", 1.0, 1.0),
    ("exp", 1.0, 1.0),
    ("exp2", 1.0, 1.0),
    ("expm1", 1.0, 1.0),
    ("log", 1.0, 1.0),
    ("log2", 1.0, 1.0),
    ("log10", 1.0, 1.0),
    ("log1p", 1.0, 1.0),
    ("cbrt", 2.0, 1.0),
    ("arctan2", 1.0, 1.0),
    ("hypot", 1.0, 1.0),
    ("power", 1.0, 1.0),
];

/// The bound of every fast version ([`vmath::MathMode::Fast`]), in both
/// dtypes, on the default function's fixtures.
const FAST_BOUND: f64 = 4.0;

/// Whether the sign of a NaN result is checked also where an input is NaN
/// (when NumPy's sign is the same for arrays of length 64 and 1, as for every
/// NaN result). NumPy mostly passes the NaN input through (binary: the first
/// NaN operand), but some of its loops return +NaN for a -NaN input
/// (float32 sin, cos, exp, log, tanh; float64 tanh). With `false` a NaN
/// input only needs a NaN result.
const CHECK_NAN_INPUT_SIGN: bool = true;

/// A float type of the fixtures.
trait Flt: Copy + std::fmt::Debug + PartialEq {
    const W: usize;
    const FILE: &'static str;
    const DTYPE: &'static str;
    fn from_le(b: &[u8]) -> Self;
    fn bits(self) -> u64;
    fn is_nan(self) -> bool;
    fn sign(self) -> bool;
    fn eval(f: Func, level: Level, args: &[&[Self]], out: &mut [Self]);
    fn scalar(f: Func, args: &[Self]) -> Self;
    /// ULP error of `got` against the record's reference (`hi`, `lo`).
    fn ulp_err(got: Self, hi: f64, lo: f64) -> f64;
}

impl Flt for f64 {
    const W: usize = 8;
    const FILE: &'static str = "f64.bin";
    const DTYPE: &'static str = "float64";
    fn from_le(b: &[u8]) -> f64 {
        f64::from_le_bytes(b.try_into().unwrap())
    }
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
    fn sign(self) -> bool {
        self.is_sign_negative()
    }
    fn eval(f: Func, level: Level, args: &[&[f64]], out: &mut [f64]) {
        vmath::eval_f64(f, level, args, out)
    }
    fn scalar(f: Func, args: &[f64]) -> f64 {
        vmath::scalar_f64(f, args)
    }
    fn ulp_err(got: f64, hi: f64, lo: f64) -> f64 {
        err64(got, hi, lo)
    }
}

impl Flt for f32 {
    const W: usize = 4;
    const FILE: &'static str = "f32.bin";
    const DTYPE: &'static str = "float32";
    fn from_le(b: &[u8]) -> f32 {
        f32::from_le_bytes(b.try_into().unwrap())
    }
    fn bits(self) -> u64 {
        self.to_bits() as u64
    }
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
    fn sign(self) -> bool {
        self.is_sign_negative()
    }
    fn eval(f: Func, level: Level, args: &[&[f32]], out: &mut [f32]) {
        vmath::eval_f32(f, level, args, out)
    }
    fn scalar(f: Func, args: &[f32]) -> f32 {
        vmath::scalar_f32(f, args)
    }
    fn ulp_err(got: f32, r: f64, _lo: f64) -> f64 {
        err32(got, r)
    }
}

/// 2^e as an f64 (0 below the subnormals, inf above the range).
fn pow2(e: i32) -> f64 {
    if e > 1023 {
        f64::INFINITY
    } else if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else if e >= -1074 {
        f64::from_bits(1u64 << (e + 1074))
    } else {
        0.0
    }
}

/// Binary exponent of a finite, normal, nonzero f64.
fn exponent(a: f64) -> i32 {
    ((a.to_bits() >> 52) & 0x7ff) as i32 - 1023
}

/// log2 of a power of two (normal or subnormal).
fn log2_pow2(u: f64) -> i32 {
    if u >= f64::MIN_POSITIVE { exponent(u) } else { -1074 + u.to_bits().trailing_zeros() as i32 }
}

/// ulp(exact) for an f64 reference (see the module doc).
fn ulp64(hi: f64, lo: f64) -> f64 {
    if hi.is_infinite() {
        return pow2(971);
    }
    let a = hi.abs();
    if a < f64::MIN_POSITIVE {
        return pow2(-1074);
    }
    let u = pow2(exponent(a) - 52);
    let power_of_two = a.to_bits() & ((1u64 << 52) - 1) == 0;
    if power_of_two && a > f64::MIN_POSITIVE && lo * hi.signum() < 0.0 { u / 2.0 } else { u }
}

fn err64(g: f64, hi: f64, lo: f64) -> f64 {
    if g.is_nan() {
        return f64::INFINITY;
    }
    if g == 0.0 && hi == 0.0 && g.is_sign_negative() != hi.is_sign_negative() {
        return f64::INFINITY;
    }
    let u = ulp64(hi, lo);
    if hi.is_infinite() && g == hi {
        // exact at or beyond 2^1024 (lo >= 0 in the direction of hi): exact
        return (-lo * hi.signum()).max(0.0);
    }
    // everything in units of u
    let hs = if hi.is_infinite() { pow2(53).copysign(hi) } else { hi / u };
    let gs = if g.is_infinite() {
        // inf counts as 2^1024
        let ex = 1024 - log2_pow2(u);
        pow2(ex).copysign(g)
    } else {
        g / u
    };
    ((gs - hs) - lo).abs()
}

fn ulp32(r: f64) -> f64 {
    let a = r.abs();
    if a >= pow2(128) {
        pow2(104)
    } else if a < pow2(-126) {
        pow2(-149)
    } else {
        pow2(exponent(a) - 23)
    }
}

fn err32(g: f32, r: f64) -> f64 {
    if g.is_nan() {
        return f64::INFINITY;
    }
    if g == 0.0 && r == 0.0 && g.is_sign_negative() != r.is_sign_negative() {
        return f64::INFINITY;
    }
    if (r.is_infinite() || r.abs() >= pow2(128)) && g.is_infinite() && g.is_sign_negative() == r.is_sign_negative() {
        return 0.0;
    }
    let gm = if g.is_infinite() { pow2(128).copysign(g as f64) } else { g as f64 };
    (gm - r).abs() / ulp32(r)
}

struct Acc<T> {
    x: [T; 2],
    hi: f64,
    lo: f64,
}

struct Spec<T> {
    x: [T; 2],
    bits: u64,
    flags: u8,
}

struct Block<T> {
    name: String,
    arity: usize,
    acc: Vec<Acc<T>>,
    spec: Vec<Spec<T>>,
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        assert!(self.at + n <= self.b.len(), "fixture truncated at byte {}", self.at);
        let s = &self.b[self.at..self.at + n];
        self.at += n;
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
    fn uint(&mut self, w: usize) -> u64 {
        let s = self.take(w);
        let mut v = [0u8; 8];
        v[..w].copy_from_slice(s);
        u64::from_le_bytes(v)
    }
}

fn fixture_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vmath").join(file)
}

fn load<T: Flt>() -> Vec<Block<T>> {
    let path = fixture_path(T::FILE);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut r = Reader { b: &bytes, at: 0 };
    assert_eq!(r.take(8), b"NJVMATH1", "{}: bad magic", path.display());
    assert_eq!(r.u32() as usize, T::W, "{}: wrong dtype width", path.display());
    let nblocks = r.u32();
    let mut out = Vec::new();
    for _ in 0..nblocks {
        let len = r.u8() as usize;
        let name = String::from_utf8(r.take(len).to_vec()).unwrap();
        let arity = r.u8() as usize;
        assert!(arity == 1 || arity == 2);
        let n_acc = r.u32() as usize;
        let n_spec = r.u32() as usize;
        let nan = T::from_le(&vec![0xffu8; T::W]);
        let mut acc = Vec::with_capacity(n_acc);
        for _ in 0..n_acc {
            let mut x = [nan; 2];
            for xi in x.iter_mut().take(arity) {
                *xi = T::from_le(r.take(T::W));
            }
            let hi = r.f64();
            let lo = if T::W == 8 { r.f64() } else { 0.0 };
            acc.push(Acc { x, hi, lo });
        }
        let mut spec = Vec::with_capacity(n_spec);
        for _ in 0..n_spec {
            let mut x = [nan; 2];
            for xi in x.iter_mut().take(arity) {
                *xi = T::from_le(r.take(T::W));
            }
            let bits = r.uint(T::W);
            let flags = r.u8();
            spec.push(Spec { x, bits, flags });
        }
        out.push(Block { name, arity, acc, spec });
    }
    assert_eq!(r.at, bytes.len(), "{}: trailing bytes", path.display());
    out
}

/// A float as `{:?}` prints it, but with the sign of a NaN.
fn show<T: Flt>(v: T) -> String {
    if v.is_nan() { (if v.sign() { "-NaN" } else { "NaN" }).to_string() } else { format!("{v:?}") }
}

fn fmt_args<T: Flt>(x: &[T; 2], arity: usize) -> String {
    if arity == 1 { show(x[0]) } else { format!("({}, {})", show(x[0]), show(x[1])) }
}

fn fmt_ulp(e: f64) -> String {
    if e < 1e5 { format!("{e:.3}") } else { format!("{e:.3e}") }
}

/// The outcome of one function and dtype at one level.
struct Outcome {
    max_ulp: f64,
    worst: String,
    n_acc: usize,
    n_spec: usize,
    /// Special values that differ from NumPy's.
    spec_fail: Vec<String>,
    /// Elements where the block function differs from the scalar one.
    block_fail: Vec<String>,
    block_fail_count: usize,
}

fn eval_all<T: Flt>(f: Func, level: Level, cols: &[Vec<T>]) -> Vec<T> {
    let n = cols[0].len();
    let mut out = vec![cols[0][0]; n];
    let args: Vec<&[T]> = cols.iter().map(|c| c.as_slice()).collect();
    T::eval(f, level, &args, &mut out);
    out
}

/// The distance in ULPs between two finite floats of one type (how many
/// floats apart they are; 0 and -0 are one apart).
fn ulps_apart<T: Flt>(a: T, b: T) -> u64 {
    let key = |v: T| -> i128 {
        let bits = v.bits() as i128;
        let sign = 1i128 << (8 * T::W - 1);
        if bits & sign != 0 { -(bits & (sign - 1)) - 1 } else { bits }
    };
    key(a).abs_diff(key(b)) as u64
}

fn run<T: Flt>(f: Func, level: Level, b: &Block<T>) -> Outcome {
    let arity = b.arity;
    // All inputs: the accuracy records, then the special ones.
    let xs: Vec<[T; 2]> = b.acc.iter().map(|a| a.x).chain(b.spec.iter().map(|s| s.x)).collect();
    let cols: Vec<Vec<T>> = (0..arity).map(|k| xs.iter().map(|x| x[k]).collect()).collect();
    let scalar: Vec<T> = xs.iter().map(|x| T::scalar(f, &x[..arity])).collect();

    let mut block_fail = Vec::new();
    let mut block_fail_count = 0usize;
    let mut note = |what: &str, x: &[T; 2], got: T, want: T| {
        block_fail_count += 1;
        if block_fail.len() < 4 {
            block_fail.push(format!(
                "{what}: {} block {} ({:#x}) scalar {} ({:#x})",
                fmt_args(x, arity),
                show(got),
                got.bits(),
                show(want),
                want.bits()
            ));
        }
    };

    // Block over everything, and shifted by 1 and 3 elements (other lanes,
    // other tails).
    let whole = eval_all(f, level, &cols);
    for (i, g) in whole.iter().enumerate() {
        if g.bits() != scalar[i].bits() {
            note("block", &xs[i], *g, scalar[i]);
        }
    }
    for shift in [1usize, 3] {
        if xs.len() > shift {
            let sc: Vec<Vec<T>> = cols.iter().map(|c| c[shift..].to_vec()).collect();
            let got = eval_all(f, level, &sc);
            for (i, g) in got.iter().enumerate() {
                if g.bits() != scalar[i + shift].bits() {
                    note("block+shift", &xs[i + shift], *g, scalar[i + shift]);
                }
            }
        }
    }
    // Each special input alone (length 1) and as 64 copies (all lanes).
    let n_acc = b.acc.len();
    for (j, s) in b.spec.iter().enumerate() {
        let want = scalar[n_acc + j];
        for len in [1usize, 64] {
            let c: Vec<Vec<T>> = (0..arity).map(|k| vec![s.x[k]; len]).collect();
            let got = eval_all(f, level, &c);
            if let Some(g) = got.iter().find(|g| g.bits() != want.bits()) {
                note(if len == 1 { "block len 1" } else { "block len 64" }, &s.x, *g, want);
            }
        }
    }

    // Accuracy (on the block results).
    let mut max_ulp = 0.0f64;
    let mut worst = String::from("-");
    for (i, a) in b.acc.iter().enumerate() {
        let g = whole[i];
        let e = T::ulp_err(g, a.hi, a.lo);
        if e > max_ulp || (e.is_nan() && !max_ulp.is_nan()) {
            max_ulp = if e.is_nan() { f64::INFINITY } else { e };
            worst = format!(
                "{} -> {}, exact {:?}{}",
                fmt_args(&a.x, arity),
                show(g),
                a.hi,
                if T::W == 8 { format!(" {:+.3}ulp", a.lo) } else { String::new() }
            );
        }
    }

    // Special values against NumPy.
    let mut spec_fail = Vec::new();
    for (j, s) in b.spec.iter().enumerate() {
        let g = whole[n_acc + j];
        let want = T::from_le(&s.bits.to_le_bytes()[..T::W]);
        let ok = if want.is_nan() {
            let nan_in = s.x[..arity].iter().any(|v| v.is_nan());
            let check_sign = s.flags & 1 != 0 && (CHECK_NAN_INPUT_SIGN || !nan_in);
            g.is_nan() && (!check_sign || g.sign() == want.sign())
        } else if f.is_fast() && T::ulp_err(want, 0.0, 0.0) != 0.0 && T::ulp_err(want, 0.0, 0.0).is_finite() {
            // A fast version: a finite nonzero NumPy value only within the
            // fast bound (infinities, zeros and NaNs stay exact).
            !g.is_nan() && ulps_apart(g, want) <= FAST_BOUND as u64
        } else {
            g.bits() == s.bits
        };
        if !ok {
            spec_fail.push(format!("{} -> {} ({:#x}), NumPy {} ({:#x})", fmt_args(&s.x, arity), show(g), g.bits(), show(want), s.bits));
        }
    }

    Outcome { max_ulp, worst, n_acc, n_spec: b.spec.len(), spec_fail, block_fail, block_fail_count }
}

fn check<T: Flt>(levels: &[Level], table: &mut String, failures: &mut Vec<String>) {
    let blocks = load::<T>();
    for f in Func::ALL.iter().filter(|f| !EXACT.contains(&f.name()) && !f.is_fast()) {
        let n = blocks.iter().filter(|b| b.name == f.name()).count();
        assert_eq!(n, 1, "{} has {n} blocks in {} (want 1)", f.name(), T::FILE);
    }
    for b in &blocks {
        let base = *Func::ALL.iter().find(|f| f.name() == b.name).unwrap_or_else(|| panic!("{}: unknown function {}", T::FILE, b.name));
        assert_eq!(base.arity(), b.arity, "{}: arity of {}", T::FILE, b.name);
        // The function, then its fast version if it has one, on the same
        // fixtures.
        let fast = base.in_mode(vmath::MathMode::Fast);
        for f in if fast == base { vec![base] } else { vec![base, fast] } {
            let bound = if f.is_fast() {
                FAST_BOUND
            } else {
                BOUNDS
                    .iter()
                    .find(|(n, _, _)| *n == b.name)
                    .map(|&(_, b64, b32)| if T::W == 8 { b64 } else { b32 })
                    .unwrap_or_else(|| panic!("no bound for {}", b.name))
            };
            let outs: Vec<(Level, Outcome)> = levels.iter().map(|&l| (l, run(f, l, b))).collect();
            // One row: the worst level.
            let (wl, wo) = outs.iter().max_by(|a, b| a.1.max_ulp.total_cmp(&b.1.max_ulp)).unwrap();
            let same = outs.iter().all(|(_, o)| o.max_ulp == wo.max_ulp);
            let spec_bad: usize = outs.iter().map(|(_, o)| o.spec_fail.len()).max().unwrap_or(0);
            let blk_bad: usize = outs.iter().map(|(_, o)| o.block_fail_count).sum();
            let flag = if wo.max_ulp > bound { "  OVER" } else { "" };
            let _ = writeln!(
                table,
                "{:<8} {:<7} {:>9} {:>5} {:>5} {:>5} {:>4} {:>6} {:<7} {}{}",
                f.name(),
                T::DTYPE,
                fmt_ulp(wo.max_ulp),
                bound,
                wo.n_acc,
                wo.n_spec,
                spec_bad,
                blk_bad,
                if same { "all".to_string() } else { wl.name().to_string() },
                wo.worst,
                flag
            );
            if wo.max_ulp > bound {
                failures.push(format!(
                    "{} {}: max {} ULP > {} at {} ({} points); worst {}",
                    f.name(),
                    T::DTYPE,
                    fmt_ulp(wo.max_ulp),
                    bound,
                    if same { "every level".to_string() } else { wl.name().to_string() },
                    wo.n_acc,
                    wo.worst
                ));
            }
            // Special values and block/scalar mismatches, once when every level
            // has the same.
            let same_spec = outs.iter().all(|(_, o)| o.spec_fail == outs[0].1.spec_fail);
            for (l, o) in &outs {
                if !o.spec_fail.is_empty() && (!same_spec || *l == outs[0].0) {
                    failures.push(format!(
                        "{} {} [{}]: {} special value(s) differ from NumPy: {}",
                        f.name(),
                        T::DTYPE,
                        if same_spec { "every level" } else { l.name() },
                        o.spec_fail.len(),
                        o.spec_fail.iter().take(6).cloned().collect::<Vec<_>>().join("; ")
                    ));
                }
                if o.block_fail_count > 0 {
                    failures.push(format!(
                        "{} {} [{}]: block != scalar on {} element(s): {}",
                        f.name(),
                        T::DTYPE,
                        l.name(),
                        o.block_fail_count,
                        o.block_fail.join("; ")
                    ));
                }
            }
        }
    }
}

#[test]
fn vmath_accuracy() {
    let levels = Level::available();
    let names: Vec<&str> = levels.iter().map(|l| l.name()).collect();
    eprintln!("vmath accuracy: levels run: {}", names.join(", "));
    let mut table = String::from("function dtype     max ULP bound   acc  spec sbad blk!=s worst@  worst input -> result, exact\n");
    let mut failures = Vec::new();
    check::<f64>(&levels, &mut table, &mut failures);
    check::<f32>(&levels, &mut table, &mut failures);
    eprintln!("{table}");
    eprintln!(
        "(sbad: special values differing from NumPy, max over levels; blk!=s: block/scalar bit mismatches, summed over levels; worst@: level of the max, 'all' when every level has the same)"
    );
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// The ULP measure itself, on hand-made cases.
#[test]
fn ulp_measure() {
    // f64: 1 + 1ulp against exact 1
    assert_eq!(err64(1.0 + f64::EPSILON, 1.0, 0.0), 1.0);
    // exact just below 1 (hi rounds up to 1, lo < 0): the ulp is 2^-53
    assert_eq!(err64(1.0 - f64::EPSILON / 2.0, 1.0, -0.25), 0.75);
    assert_eq!(err64(-1.0 + f64::EPSILON / 2.0, -1.0, 0.25), 0.75);
    // subnormals
    assert_eq!(err64(pow2(-1074), 0.0, 0.4), 0.6);
    assert_eq!(err64(-0.0, 0.0, 0.1), f64::INFINITY);
    // overflow: exact beyond 2^1024 -> inf is exact, max finite is not
    assert_eq!(err64(f64::INFINITY, f64::INFINITY, 3.0), 0.0);
    assert_eq!(err64(f64::INFINITY, f64::INFINITY, -0.25), 0.25);
    assert_eq!(err64(f64::MAX, f64::INFINITY, 3.0), 4.0);
    assert_eq!(err64(f64::INFINITY, f64::MAX, 0.25), 0.75);
    assert_eq!(err64(f64::INFINITY, 1.0, 0.0), f64::INFINITY);
    // f32
    assert_eq!(err32(1.0 + f32::EPSILON, 1.0), 1.0);
    assert_eq!(err32(f32::INFINITY, 1e39), 0.0);
    assert_eq!(err32(f32::MAX, 1e39), (1e39 - f32::MAX as f64) / pow2(104));
    assert_eq!(err32(f32::from_bits(1), 0.0), 1.0);
}
