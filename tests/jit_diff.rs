//! Differential tests: the Cranelift JIT (`numjet::jit`) against the
//! reference interpreter (an [`Engine`] with [`Backend::Interp`]), bit for bit (NaN payloads
//! aside), errors included.
//!
//! - `random_programs`: proptest-generated expression strings over arrays
//!   `a b c` of random dtypes and a 0-d `s`, with edge-salted values.
//! - `every_op_every_dtype`: each row of `numjet::ops::OPS` on every dtype
//!   combination it accepts, on the cross product of edge values.
//! - `every_op_with_constants`: the same rows with one operand a literal
//!   (an immediate in the machine code) or a 0-d input.
//! - `every_reduction`: each reduction and dtype at lengths around NumPy's
//!   block sizes; `streamed_reductions_at_buffer_boundaries`: the same for
//!   computed (streamed) arguments, up to several 8192-element buffers.
//! - `golden_fixtures_agree`: every NumPy golden case.
//! - register pressure, threads (chunks via `run_range`, shared kernels),
//!   runtime errors (same message, same failing node), vectorisation
//!   coverage, freeing code on drop, and introspection.
//!
//! Each program is compiled twice where that makes a difference: with the
//! vector loop (the default) and with scalar loops only.
//! `PROPTEST_CASES=20000` runs a longer random hunt; `timing` (ignored)
//! prints interpreter vs JIT speeds.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;

use numjet::exec;
use numjet::jit::{JitKernel, JitOptions};
use numjet::ops::{OPS, Op, Syntax};
use numjet::{Array, ArrayData, ArrayMut, Backend, DType, Engine, Error, Input, Scalar, Signature};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

// ---------------------------------------------------------------------------
// Comparison.

fn same_scalar(a: Scalar, b: Scalar) -> bool {
    match (a, b) {
        (Scalar::Float32(x), Scalar::Float32(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Scalar::Float64(x), Scalar::Float64(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Scalar::Float16(x), Scalar::Float16(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Scalar::Complex64(x), Scalar::Complex64(y)) => (x.re.to_bits() == y.re.to_bits() || (x.re.is_nan() && y.re.is_nan())) && (x.im.to_bits() == y.im.to_bits() || (x.im.is_nan() && y.im.is_nan())),
        (Scalar::Complex128(x), Scalar::Complex128(y)) => (x.re.to_bits() == y.re.to_bits() || (x.re.is_nan() && y.re.is_nan())) && (x.im.to_bits() == y.im.to_bits() || (x.im.is_nan() && y.im.is_nan())),
        _ => a == b,
    }
}

fn same_data(want: &ArrayData, got: &ArrayData) -> Result<(), String> {
    if want.dtype() != got.dtype() || want.len() != got.len() {
        return Err(format!("want {} of length {}, got {} of length {}", want.dtype(), want.len(), got.dtype(), got.len()));
    }
    let (w, g) = (want.as_ref(), got.as_ref());
    for i in 0..want.len() {
        if !same_scalar(w.get(i), g.get(i)) {
            return Err(format!("element {i}: want {:?}, got {:?}", w.get(i), g.get(i)));
        }
    }
    Ok(())
}

/// The reference: the interpreter (the default backend is the JIT itself).
fn interp_engine() -> Engine {
    Engine::new(numjet::Config::default().backend(Backend::Interp))
}

type JitResult = Result<Result<ArrayData, Scalar>, Error>;

/// Compares the interpreter's answer with the JIT's.
fn compare(want: &Result<Array, Error>, got: &JitResult) -> Result<(), String> {
    match (want, got) {
        (Ok(w), Ok(Ok(g))) if w.shape().len() == 1 => same_data(w.data(), g),
        (Ok(w), Ok(Err(g))) if w.shape().is_empty() => {
            let w = w.to_scalar().unwrap();
            if same_scalar(w, *g) { Ok(()) } else { Err(format!("want {w:?}, got {g:?}")) }
        }
        (Err(w), Err(g)) => {
            if w.to_string() == g.to_string() {
                Ok(())
            } else {
                Err(format!("different errors:\n  interp: {w}\n  jit:    {g}"))
            }
        }
        (w, g) => Err(format!("interp gave {w:?}\n  jit gave {g:?}")),
    }
}

fn len_of(inputs: &[Input<'_>]) -> usize {
    inputs
        .iter()
        .find_map(|x| match x {
            Input::Array(a) => Some(a.len()),
            Input::Scalar(_) | Input::View(_) => None,
        })
        .unwrap_or(0)
}

/// Compiles `src` for `sig` with both backends and compares them on
/// `inputs`. `Ok(false)`: the program does not compile (type error...).
fn check(src: &str, sig: &Signature, inputs: &[Input<'_>]) -> Result<bool, String> {
    check_many(src, sig, &[inputs.to_vec()])
}

/// Programs with at least one vectorised stage, over all tests.
static VECTORISED: AtomicUsize = AtomicUsize::new(0);

/// [`check`] on several sets of inputs, compiling once.
fn check_many(src: &str, sig: &Signature, input_sets: &[Vec<Input<'_>>]) -> Result<bool, String> {
    check_many_in(numjet::MathMode::Accurate, src, sig, input_sets)
}

/// [`check_many`] with both backends in math mode `mode`.
fn check_many_in(mode: numjet::MathMode, src: &str, sig: &Signature, input_sets: &[Vec<Input<'_>>]) -> Result<bool, String> {
    // The public pipeline: parse, lower, as the brief describes.
    let program = match numjet::syntax::parse(src).and_then(|ast| numjet::ir::lower(&ast, sig, src)) {
        Ok(p) => p.with_math(mode),
        Err(_) => return Ok(false),
    };
    // Complex programs the JIT does not split yet (complex reductions,
    // 0-d complex inputs) run on the interpreter (tests/complex_jit.rs).
    if program.has_complex() && numjet::ir::split(&program).is_err() {
        return Ok(false);
    }
    let interp = Engine::new(numjet::Config::default().backend(Backend::Interp).math(mode));
    let kernel = interp.compile(src, sig).map_err(|e| format!("`{src}`: engine rejects what lower accepted: {e}"))?;
    // Vectorised where possible (the default), and, when that is different
    // code, scalar loops only and every unroll factor of the vector main
    // loop (the default's factor once).
    let mut jits: Vec<(JitOptions, JitKernel)> = Vec::new();
    for options in [
        JitOptions::default(),
        JitOptions::default().vectorise(false),
        JitOptions::default().unroll(1),
        JitOptions::default().unroll(2),
        JitOptions::default().unroll(4),
    ] {
        if jits.iter().any(|(o, _)| *o == options) {
            continue;
        }
        let jit = numjet::jit::compile_with(&program, &options).map_err(|e| format!("`{src}`: JIT compile failed: {e}\n{program}"))?;
        let first = jits.is_empty();
        let vectorised = jit.vectorised().iter().any(|&v| v);
        jits.push((options, jit));
        if first {
            if !vectorised {
                // Every option gives the same scalar code.
                break;
            }
            VECTORISED.fetch_add(1, Ordering::Relaxed);
        }
    }
    for inputs in input_sets {
        let want = kernel.eval(inputs);
        for (options, jit) in &jits {
            let got = exec::evaluate(jit, inputs, len_of(inputs));
            compare(&want, &got).map_err(|e| format!("`{src}` ({}, {options:?}):\n  {e}\nIR:\n{program}", describe(sig)))?;
        }
    }
    Ok(true)
}

fn describe(sig: &Signature) -> String {
    sig.params()
        .iter()
        .map(|p| format!("{}: {}{}", p.name, p.dtype, if p.shape() == numjet::Shape::Array { "[n]" } else { "" }))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------
// Values.

/// SplitMix64: deterministic values from a proptest-chosen seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const F64_EDGES: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    1.5,
    2.5,
    -2.5,
    3.0,
    -7.0,
    100.25,
    1e300,
    -1e300,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    f64::MAX,
    2147483647.5,
    2147483648.0,
    -2147483649.0,
    9.3e18,
    -9223372036854775808.0,
    0.1,
];

const F32_EDGES: &[f32] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    1.5,
    2.5,
    -2.5,
    3.0,
    -7.0,
    100.25,
    3.4e38,
    -3.4e38,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    f32::MIN_POSITIVE,
    1e-45,
    -1e-45,
    2147483648.0,
    0.1,
];

const I32_EDGES: &[i32] = &[0, 1, -1, 2, -2, 3, -3, 7, -7, 31, 32, 33, 100, -100, i32::MAX, i32::MIN, i32::MIN + 1];

const I64_EDGES: &[i64] =
    &[0, 1, -1, 2, -2, 3, -3, 7, -7, 31, 32, 63, 64, 65, 100, -100, 2147483647, -2147483648, i64::MAX, i64::MIN, i64::MIN + 1, 1 << 40];

fn edges(d: DType) -> ArrayData {
    match d {
        DType::Bool => vec![false, true].into(),
        DType::Int32 => I32_EDGES.to_vec().into(),
        DType::Int64 => I64_EDGES.to_vec().into(),
        DType::Float32 => F32_EDGES.to_vec().into(),
        DType::Float64 => F64_EDGES.to_vec().into(),
        d if d.is_float() => {
            // float16: its own edges (65504, the smallest normal and
            // subnormal, ±inf, NaN) and the float32 ones rounded.
            let mut out = ArrayData::with_capacity(d, F32_EDGES.len() + 8);
            for v in [65504.0, -65504.0, 6.103515625e-05, 5.960464477539063e-08, 2049.0, 0.333, f64::INFINITY, f64::NAN] {
                out.push(Scalar::Float64(v).cast(d));
            }
            F32_EDGES.iter().for_each(|&v| out.push(Scalar::Float32(v).cast(d)));
            out
        }
        d => {
            // Other integers: the int64 edges wrapped to the width, and
            // the dtype's own extremes.
            let (lo, hi) = d.int_range().unwrap();
            let mut out = ArrayData::with_capacity(d, I64_EDGES.len() + 4);
            for v in I64_EDGES.iter().map(|&v| v as i128).chain([lo, hi, lo + 1, hi - 1]) {
                out.push(Scalar::int(d, v));
            }
            out
        }
    }
}

/// One value: an edge value half the time, else a small number or random bits.
fn value(d: DType, rng: &mut Rng) -> Scalar {
    let e = edges(d);
    match rng.below(4) {
        0 | 1 => e.as_ref().get(rng.below(e.len())),
        2 => {
            let small = (rng.below(41) as i64 - 20) as f64 * if rng.below(2) == 0 { 1.0 } else { 0.25 };
            Scalar::Float64(small).cast(d)
        }
        _ => {
            let bits = rng.next();
            match d {
                DType::Bool => Scalar::Bool(bits & 1 == 1),
                d => Scalar::from_bits(d, bits),
            }
        }
    }
}

fn column(d: DType, n: usize, rng: &mut Rng) -> ArrayData {
    let mut out = ArrayData::with_capacity(d, n);
    for _ in 0..n {
        out.push(value(d, rng));
    }
    out
}

// ---------------------------------------------------------------------------
// Random programs.

const LENGTHS: &[usize] = &[0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 67, 1000, 4099];

const LITERALS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "-1",
    "7",
    "-3",
    "31",
    "64",
    "100",
    "0.5",
    "-0.0",
    "2.5",
    "-1.5",
    "1e300",
    "1e-310",
    "nan",
    "inf",
    "True",
    "False",
    "2147483648",
    "pi",
];

/// The rows a program can call that give real results from real
/// operands: not the internal ones (the complex `reciprocal`) nor
/// `complex(re, im)`, whose complex programs the JIT does not compile yet
/// (issue 13).
fn jit_ops() -> impl Iterator<Item = &'static numjet::ops::OpDef> {
    OPS.iter().filter(|d| d.syntax != Syntax::Internal && d.op != Op::ComplexNew)
}

fn unary_forms() -> Vec<String> {
    let mut v: Vec<String> =
        OPS.iter().filter(|d| d.arity == 1 && d.syntax == Syntax::Function).map(|d| format!("{}(#)", d.name)).collect();
    v.extend(["-(#)", "~(#)", "+(#)", "(#).real", "(#).imag", "(# ** 2)", "(# ** 0.5)", "(# ** -1)", "(# ** 0)"].map(String::from));
    for f in ["bool", "int32", "int64", "float32", "float64", "sum", "prod", "min", "max", "mean", "any", "all"] {
        v.push(format!("{f}(#)"));
    }
    v
}

fn binary_forms() -> Vec<String> {
    let mut v: Vec<String> = OPS
        .iter()
        // `complex(#, #)` makes a complex program, which the JIT does not
        // compile yet (issue 13): the engine runs those on the interpreter.
        .filter(|d| d.arity == 2 && d.name != "complex")
        .map(|d| match d.syntax {
            Syntax::Operator(s) => format!("(# {s} #)"),
            Syntax::Function | Syntax::Internal => format!("{}(#, #)", d.name),
        })
        .collect();
    v.extend(["(# ** #)", "(# and #)", "(# or #)", "(# < # < #)"].map(String::from));
    v
}

fn ternary_forms() -> Vec<String> {
    ["where(#, #, #)", "(# if # else #)", "clip(#, #, #)"].map(String::from).to_vec()
}

fn fill(form: &str, args: &[String]) -> String {
    let mut out = String::new();
    let mut it = args.iter().cycle();
    for ch in form.chars() {
        if ch == '#' {
            out.push_str(it.next().unwrap());
        } else {
            out.push(ch);
        }
    }
    out
}

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => prop::sample::select(vec!["a", "b", "$c", "s"]).prop_map(String::from),
        1 => prop::sample::select(LITERALS).prop_map(String::from),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            3 => (prop::sample::select(unary_forms()), inner.clone()).prop_map(|(f, x)| fill(&f, &[x])),
            4 => (prop::sample::select(binary_forms()), inner.clone(), inner.clone()).prop_map(|(f, x, y)| fill(&f, &[x, y])),
            1 => (prop::sample::select(ternary_forms()), inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(f, x, y, z)| fill(&f, &[x, y, z])),
        ]
    })
}

fn dtype() -> impl Strategy<Value = DType> {
    prop::sample::select(DType::REAL.to_vec())
}

#[derive(Debug, Clone)]
struct Case {
    src: String,
    dtypes: [DType; 4],
    len: usize,
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    // Half the cases give every input one dtype (what vectorised loops need).
    let dtypes = prop_oneof![[dtype(), dtype(), dtype(), dtype()], dtype().prop_map(|d| [d; 4]),];
    (expr(), expr(), any::<bool>(), dtypes, prop::sample::select(LENGTHS), any::<u64>()).prop_map(|(e1, e2, assign, dtypes, len, seed)| {
        // `$c` is `c`, or the temporary `t` in the second statement.
        let src = if assign { format!("t = {}\n{}", e1.replace("$c", "c"), e2.replace("$c", "t")) } else { e1.replace("$c", "c") };
        Case { src, dtypes, len, seed }
    })
}

fn run_case_in(mode: numjet::MathMode, c: &Case) -> Result<bool, String> {
    let [da, db, dc, ds] = c.dtypes;
    let sig = Signature::new().array("a", da).array("b", db).array("c", dc).scalar("s", ds);
    let mut rng = Rng(c.seed);
    let cols = [column(da, c.len, &mut rng), column(db, c.len, &mut rng), column(dc, c.len, &mut rng)];
    let s = value(ds, &mut rng);
    let inputs = [Input::Array(cols[0].as_ref()), Input::Array(cols[1].as_ref()), Input::Array(cols[2].as_ref()), Input::Scalar(s)];
    check_many_in(mode, &c.src, &sig, &[inputs.to_vec()])
}

#[test]
fn random_programs() {
    random_programs_in(numjet::MathMode::Accurate, 256);
}

/// The random programs with both backends in the fast math mode.
#[test]
fn random_programs_fast_math() {
    random_programs_in(numjet::MathMode::Fast, 128);
}

fn random_programs_in(mode: numjet::MathMode, default_cases: u32) {
    // PROPTEST_CASES=20000 for a longer hunt.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default_cases);
    let mut runner =
        TestRunner::new(Config { cases, max_global_rejects: 100 * cases + 1000, failure_persistence: None, ..Config::default() });
    let total = AtomicUsize::new(0);
    let compiled = AtomicUsize::new(0);
    let r = runner.run(&case(), |c| {
        total.fetch_add(1, Ordering::Relaxed);
        match run_case_in(mode, &c) {
            Ok(true) => {
                compiled.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            // Not a well-typed program: skip (prop_assume).
            Ok(false) => Err(TestCaseError::reject("does not compile")),
            Err(e) => Err(TestCaseError::fail(e)),
        }
    });
    if let Err(e) = r {
        panic!("{e}");
    }
    let (t, k) = (total.load(Ordering::Relaxed), compiled.load(Ordering::Relaxed));
    eprintln!(
        "random_programs ({}): {k} of {t} generated programs compiled and agreed ({} vectorised programs in this test binary so far)",
        mode.name(),
        VECTORISED.load(Ordering::Relaxed)
    );
    assert!(k * 100 >= t * 30, "only {k} of {t} generated programs compile: the generator is too often ill-typed");
}

// ---------------------------------------------------------------------------
// Every operation, every dtype.

/// The expression of `op` applied to `args`.
fn apply(op: Op, args: &[&str]) -> String {
    let d = op.def();
    match (d.syntax, args) {
        (Syntax::Operator(s), [x]) => format!("{s}{x}"),
        (Syntax::Operator(s), [x, y]) => format!("{x} {s} {y}"),
        _ => format!("{}({})", d.name, args.join(", ")),
    }
}

/// Columns holding every combination of the edge values of `dtypes`
/// (at most `cap` values of each).
fn cross(dtypes: &[DType], cap: usize) -> Vec<ArrayData> {
    let lists: Vec<ArrayData> = dtypes
        .iter()
        .map(|&d| {
            let e = edges(d);
            let mut out = ArrayData::with_capacity(d, cap);
            for i in 0..e.len().min(cap) {
                out.push(e.as_ref().get(i));
            }
            out
        })
        .collect();
    let n: usize = lists.iter().map(|l| l.len()).product();
    let mut cols: Vec<ArrayData> = dtypes.iter().map(|&d| ArrayData::with_capacity(d, n)).collect();
    for i in 0..n {
        let mut rest = i;
        for (k, l) in lists.iter().enumerate() {
            cols[k].push(l.as_ref().get(rest % l.len()));
            rest /= l.len();
        }
    }
    cols
}

fn dtype_tuples(arity: usize) -> Vec<Vec<DType>> {
    let mut out = vec![vec![]];
    for _ in 0..arity {
        out = out.into_iter().flat_map(|t| DType::REAL.map(|d| [t.clone(), vec![d]].concat())).collect();
    }
    out
}

const NAMES: [&str; 3] = ["a", "b", "c"];

#[test]
fn every_op_every_dtype() {
    let mut failures = Vec::new();
    let mut compiled = 0;
    for d in jit_ops() {
        let mut op_compiled = 0;
        for dtypes in dtype_tuples(d.arity) {
            let cap = if d.arity == 3 { 6 } else { 64 };
            let cols = cross(&dtypes, cap);
            let mut sig = Signature::new();
            for (k, &dt) in dtypes.iter().enumerate() {
                sig = sig.array(NAMES[k], dt);
            }
            let inputs: Vec<Input> = cols.iter().map(|c| Input::Array(c.as_ref())).collect();
            let src = apply(d.op, &NAMES[..d.arity]);
            match check(&src, &sig, &inputs) {
                Ok(true) => op_compiled += 1,
                Ok(false) => {}
                Err(e) => failures.push(e),
            }
        }
        if op_compiled == 0 {
            failures.push(format!("`{}` compiled for no dtype combination", d.name));
        }
        compiled += op_compiled;
    }
    eprintln!("every_op_every_dtype: {compiled} (op, dtypes) programs agreed");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Literals as operands: immediates in the machine code, which Cranelift
/// may fold or strength-reduce (division by a constant...).
const CONST_OPERANDS: &[&str] =
    &["0", "1", "-1", "2", "3", "-7", "31", "32", "64", "0.5", "-0.0", "-2.5", "nan", "inf", "True", "2147483648"];

#[test]
fn every_op_with_constants() {
    let mut failures = Vec::new();
    let mut compiled = 0;
    for d in jit_ops().filter(|d| d.arity >= 2) {
        for dt in DType::REAL {
            let col = edges(dt);
            let inputs_arr = [Input::Array(col.as_ref())];
            for pos in 0..d.arity {
                // The operand at `pos` is a literal; the others are `a`.
                for lit in CONST_OPERANDS {
                    let args: Vec<&str> = (0..d.arity).map(|k| if k == pos { *lit } else { "a" }).collect();
                    let src = apply(d.op, &args);
                    let sig = Signature::new().array("a", dt);
                    match check(&src, &sig, &inputs_arr) {
                        Ok(true) => compiled += 1,
                        Ok(false) => {}
                        Err(e) => failures.push(e),
                    }
                }
                // The operand at `pos` is a 0-d input, for each edge value.
                for sd in DType::REAL {
                    let args: Vec<&str> = (0..d.arity).map(|k| if k == pos { "s" } else { "a" }).collect();
                    let src = apply(d.op, &args);
                    let sig = Signature::new().array("a", dt).scalar("s", sd);
                    let svals = edges(sd);
                    let sets: Vec<Vec<Input>> =
                        (0..svals.len()).map(|i| vec![Input::Array(col.as_ref()), Input::Scalar(svals.as_ref().get(i))]).collect();
                    match check_many(&src, &sig, &sets) {
                        Ok(true) => compiled += 1,
                        Ok(false) => {}
                        Err(e) => failures.push(e),
                    }
                }
            }
        }
    }
    // Unary operations of literals and 0-d inputs only (all-scalar programs).
    for d in jit_ops().filter(|d| d.arity == 1) {
        for sd in DType::REAL {
            let src = apply(d.op, &["s"]);
            let sig = Signature::new().scalar("s", sd);
            let svals = edges(sd);
            let sets: Vec<Vec<Input>> = (0..svals.len()).map(|i| vec![Input::Scalar(svals.as_ref().get(i))]).collect();
            match check_many(&src, &sig, &sets) {
                Ok(true) => compiled += 1,
                Ok(false) => {}
                Err(e) => failures.push(e),
            }
        }
    }
    eprintln!("every_op_with_constants: {compiled} programs agreed");
    assert!(compiled > 1000, "{compiled}");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_reduction() {
    let mut failures = Vec::new();
    let mut rng = Rng(7);
    for dt in DType::REAL {
        let mut columns = Vec::new();
        for n in [0usize, 1, 7, 8, 9, 127, 128, 129, 1000, 8191, 8192, 8193, 20000] {
            columns.push(column(dt, n, &mut rng));
            // Smooth values: large sums where the association shows.
            columns.push((0..n).map(|i| Scalar::Float64(i as f64 * 0.1 + 1e-3).cast(dt)).fold(
                ArrayData::with_capacity(dt, n),
                |mut d, s| {
                    d.push(s);
                    d
                },
            ));
            // All -0.0: NumPy's sum is +0.0 (the reduction starts from +0.0).
            columns.push((0..n).fold(ArrayData::with_capacity(dt, n), |mut d, _| {
                d.push(Scalar::Float64(-0.0).cast(dt));
                d
            }));
        }
        let sets: Vec<Vec<Input>> = columns.iter().map(|c| vec![Input::Array(c.as_ref())]).collect();
        let sig = Signature::new().array("a", dt);
        for f in ["sum", "prod", "min", "max", "mean", "any", "all"] {
            for src in [format!("{f}(a)"), format!("a - {f}(a)"), format!("{f}(a) * {f}(a + a)")] {
                if let Err(e) = check_many(&src, &sig, &sets) {
                    failures.push(e);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Reductions of computed arguments, which the JIT streams through a
/// fixed-size buffer instead of materialising: lengths around NumPy's
/// pairwise block (128) and buffer size (8192), and long enough for the
/// pairwise recursion to span several buffers.
#[test]
fn streamed_reductions_at_buffer_boundaries() {
    let mut failures = Vec::new();
    let mut compiled = 0;
    let mut rng = Rng(11);
    for dt in DType::REAL {
        let mut sets_data = Vec::new();
        for n in [0usize, 1, 127, 128, 129, 8191, 8192, 8193, 16384 + 3, 3 * 8192 + 5, 100_000] {
            sets_data.push((column(dt, n, &mut rng), column(dt, n, &mut rng)));
            let smooth = |k: f64| {
                (0..n).fold(ArrayData::with_capacity(dt, n), |mut d, i| {
                    d.push(Scalar::Float64(i as f64 * k + 1e-3).cast(dt));
                    d
                })
            };
            sets_data.push((smooth(0.1), smooth(0.37)));
            // Finite values of many magnitudes: any change of association
            // shows in the low bits of a float sum.
            let mut noisy = || {
                (0..n).fold(ArrayData::with_capacity(dt, n), |mut d, _| {
                    let x = (rng.below(20001) as f64 - 10000.0) * 1.37e-4 * 10f64.powi(rng.below(9) as i32 - 4);
                    d.push(Scalar::Float64(x).cast(dt));
                    d
                })
            };
            let (a, b) = (noisy(), noisy());
            sets_data.push((a, b));
        }
        let sets: Vec<Vec<Input>> =
            sets_data.iter().map(|(a, b)| vec![Input::Array(a.as_ref()), Input::Array(b.as_ref())]).collect();
        let sig = Signature::new().array("a", dt).array("b", dt);
        for f in ["sum", "prod", "min", "max", "mean", "any", "all"] {
            for src in [
                format!("{f}(a * b)"),
                format!("{f}(a + b)"),
                format!("{f}(a > b)"),
                format!("{f}(a - mean(b))"),
                format!("a + {f}(a * b)"),
            ] {
                match check_many(&src, &sig, &sets) {
                    Ok(true) => compiled += 1,
                    Ok(false) => {}
                    Err(e) => failures.push(e),
                }
            }
        }
    }
    assert!(compiled > 100, "{compiled}");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// A runtime error in a streamed reduction argument, past the first buffer.
#[test]
fn streamed_reduction_errors_match_the_interpreter() {
    let sig = Signature::new().array("a", DType::Int64).array("b", DType::Int64);
    let n = 3 * 8192 + 5;
    let a = vec![2i64; n];
    for bad in [0, 8191, 8192, 17000, n - 1] {
        let mut b = vec![1i64; n];
        b[bad] = -1;
        for src in ["sum(a ** b)", "mean(a ** b)", "max(a ** b) + sum(b ** a)", "min(b ** a) + prod(a ** b)"] {
            let inputs: Vec<Input> = vec![(&a).into(), (&b).into()];
            let k = interp_engine().compile(src, &sig).unwrap();
            let want = k.eval(&inputs);
            assert!(want.is_err(), "{src}");
            let got = exec::evaluate(&numjet::jit::compile(k.program()).unwrap(), &inputs, n);
            compare(&want, &got).unwrap_or_else(|e| panic!("`{src}` (bad at {bad}): {e}"));
        }
    }
}

// ---------------------------------------------------------------------------
// Golden fixtures: the JIT agrees with the interpreter on every case.

fn golden_array(a: &serde_json::Value) -> Array {
    let dtype = DType::from_name(a["dtype"].as_str().unwrap()).unwrap();
    let shape: Vec<usize> = a["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
    // Floats are reprs of their own dtype's values: exact in float64.
    let data = common::data(dtype, a["values"].as_array().unwrap());
    Array::new(data, shape).unwrap()
}

#[test]
fn golden_fixtures_agree() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/golden.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = v["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    let mut compiled = 0;
    let mut scalar = std::collections::BTreeMap::new();
    for c in cases {
        let src = c["expr"].as_str().unwrap();
        let arrays: Vec<(String, Array)> = c["inputs"].as_object().unwrap().iter().map(|(k, a)| (k.clone(), golden_array(a))).collect();
        let mut sig = Signature::new();
        for (name, a) in &arrays {
            sig = if a.shape().is_empty() { sig.scalar(name, a.dtype()) } else { sig.array(name, a.dtype()) };
        }
        let inputs: Vec<Input> = arrays.iter().map(|(_, a)| a.as_input()).collect();
        match check(src, &sig, &inputs) {
            Ok(true) => {
                compiled += 1;
                if let Some(why) = not_vectorised(src, &sig) {
                    *scalar.entry(why).or_insert(0usize) += 1;
                }
            }
            Ok(false) => {}
            Err(e) => failures.push(format!("{}: {e}", c["name"])),
        }
    }
    eprintln!("golden_fixtures_agree: {compiled} of {} cases compiled and agreed", cases.len());
    // The programs with a stage that is not vectorised, by reason (the
    // list of `src/jit`'s docs); a stage with no listed reason fails.
    eprintln!("golden programs with a scalar stage, by reason: {scalar:?}");
    if let Some(n) = scalar.get("unexplained") {
        failures.push(format!("{n} golden programs have a scalar stage for no listed reason"));
    }
    assert!(compiled > 1000);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Why a program has a stage that is not vectorised, if it has one (fused
/// reduction stages and the stage of a 0-d result do not count): the
/// reasons `src/jit`'s module docs list, else "unexplained".
fn not_vectorised(src: &str, sig: &Signature) -> Option<&'static str> {
    use numjet::ir::{NodeOp, Shape};
    let k = jit_of(src, sig);
    let p = k.program();
    let fused = k.fused_reductions();
    let n = k.vectorised().len();
    let scalar_result = p.node(p.result()).shape() == Shape::Scalar;
    let all = k.vectorised().iter().enumerate().all(|(s, &v)| v || fused[s] || (scalar_result && s + 1 == n));
    if all {
        return None;
    }
    for node in p.nodes() {
        if node.shape() != Shape::Array {
            continue;
        }
        // `ir::split`'s whole complex values: a complex input used whole,
        // `complex(re, im)` (a complex result), the complex functions.
        if node.dtype.is_complex() && !matches!(node.op, NodeOp::Input(_)) {
            return Some("complex values kept whole");
        }
        if node.dtype.is_complex() {
            let id = p.nodes().iter().position(|m| std::ptr::eq(m, node)).unwrap_or(0) as u32;
            let whole_use = p.nodes().iter().any(|m| m.args.iter().any(|a| a.0 == id) && !matches!(m.op, NodeOp::Op(Op::Real | Op::Imag)));
            if whole_use {
                return Some("complex values kept whole");
            }
        }
        let NodeOp::Op(op) = node.op else { continue };
        let d = p.node(node.args[0]).dtype;
        let why = match op {
            Op::FloorDiv | Op::Mod | Op::Fmod if matches!(d, DType::Int64 | DType::UInt32 | DType::UInt64) => "64-bit or uint32 integer division by an array",
            Op::Shl | Op::Shr => "shift by an array",
            Op::Pow if d.is_int() || d == DType::Bool => "integer power",
            Op::Nextafter => "nextafter",
            _ => continue,
        };
        return Some(why);
    }
    eprintln!("UNEXPLAINED {src} {sig:?}\n{}", k.clif_text().lines().filter(|l| l.starts_with("; stage")).collect::<Vec<_>>().join("\n"));
    Some("unexplained")
}

// ---------------------------------------------------------------------------
// Register pressure: 40 temporaries live across helper calls.

#[test]
fn register_pressure() {
    let funcs = ["sin", "cos", "exp", "log1p", "tanh", "arctan", "cbrt", "sqrt"];
    let mut src = String::from("t1 = sin(a) + b\nt2 = t1 * cos(b)\n");
    for k in 3..=40 {
        let f = funcs[k % funcs.len()];
        let g = funcs[(k * 3 + 1) % funcs.len()];
        src.push_str(&format!("t{k} = {f}(t{} * a + b) - {g}(t{} + {k}.5) * t{}\n", k - 1, k - 2, k / 2));
    }
    let all: Vec<String> = (1..=40).map(|k| format!("t{k}")).collect();
    src.push_str(&all.join(" + "));
    for dt in [DType::Float64, DType::Float32] {
        let sig = Signature::new().array("a", dt).array("b", dt);
        let program = numjet::ir::lower(&numjet::syntax::parse(&src).unwrap(), &sig, &src).unwrap();
        assert!(program.nodes().len() >= 300, "only {} nodes", program.nodes().len());
        for n in [1000, 4099] {
            let mut rng = Rng(n as u64);
            let a = column(dt, n, &mut rng);
            let b = column(dt, n, &mut rng);
            assert_eq!(check(&src, &sig, &[Input::Array(a.as_ref()), Input::Array(b.as_ref())]), Ok(true));
        }
    }
}

// ---------------------------------------------------------------------------
// Loop shape: unrolled vector loop, one-vector loop, scalar tail.

/// Stages that call math functions run in blocks (`codegen/blocks.rs`):
/// programs mixing functions with arithmetic, bools and casts across calls,
/// at lengths around the block sizes and from odd chunk starts, at every
/// instruction-set level of the math functions this CPU has, with and
/// without the vector loops, match the interpreter bit for bit.
#[test]
fn blocked_stages_at_block_boundaries() {
    let levels = numjet::vmath::Level::available();
    eprintln!("math function levels tested: {:?}", levels.iter().map(|l| l.name()).collect::<Vec<_>>());
    let lengths = [0usize, 1, 3, 63, 64, 65, 511, 512, 513, 1023, 1024, 1025, 2047, 2049, 4099];
    let mut rng = Rng(17);
    let mut failures = Vec::new();
    let mut blocked_vectorised = 0;
    for dt in [DType::Float64, DType::Float32, DType::Float16] {
        let sig = Signature::new().array("a", dt).array("b", dt).array("i", DType::Int32).array("c", DType::Bool).scalar("s", dt);
        let sets: Vec<(ArrayData, ArrayData, ArrayData, ArrayData)> = lengths
            .iter()
            .map(|&n| (column(dt, n, &mut rng), column(dt, n, &mut rng), column(DType::Int32, n, &mut rng), column(DType::Bool, n, &mut rng)))
            .collect();
        let s = Scalar::Float64(0.75).cast(dt);
        for src in [
            "sin(a)",
            "sin(a)**2 + cos(b)**2",
            "exp(-a*a/2)",
            "log1p(abs(a)) * tanh(b)",
            "where(a > 0, sqrt(a), sin(a))",
            "where(c, exp(a), b) + 1",
            "t = a*b; t + sin(t)",
            "arctan2(a, s) + sin(cos(a)) - hypot(b, 2)",
            "power(abs(a), b) + exp2(s)",
            "sin(i) + a",
            // Width-changing casts are block calls too.
            "i * a + b",
            "float64(a) * 2 + float64(i)",
            "int32(a * 10) + i",
            "float32(a) - float32(i) + sin(b)",
            "int8(i) + int64(a)",
            "where(c, i, a)",
            // Integer division by an array: through float64, per block.
            "i // (i % 5 - 2) + i % (i // 3 + 1) + fmod(i, i >> 4)",
            "int8(i) // int8(i * 7) + uint16(i) % uint16(i >> 3) + a",
            "cos(a) > b",
            // Nodes only a fill's shape depends on still report their
            // errors (found by review: `w ** w < 300` is all True for int8
            // `w`, a fill, but `w ** w` fails for negative `w`).
            "where(int8(i) ** int8(i) < 300, sin(a), b)",
            "sin(a) + float64((int8(i) ** int8(i)) != 1000)",
            "where(sin(a) > 0.5, i, i * 2)",
            // Mixed widths without calls: comparisons split into a phase
            // of their own.
            "where(int8(i) > 0, a, b) + 1",
            "(uint64(i) < int8(i)) | (a > b)",
            // Roots that are comparisons beside narrower comparisons (the
            // fuzz corpus replay has the cases that once moved the root
            // out of the last phase).
            "isnan(where(int16(i), a, b))",
            "(int8(i) > 0) != (a < b)",
            "a // b + log(abs(b))",
            "sum(sin(a))",
            "mean(exp(a) - b)",
            "float64(sin(a)) + float64(b)",
            "sinh(a) + cosh(a) + tanh(a) + arcsinh(b) + arctanh(b / 4) + arccosh(abs(a) + 1)",
            "arcsin(b / 10) + arccos(b / 10) + arctan(a) + tan(a) + cbrt(a) + expm1(b) + log2(abs(a)) + log10(abs(b))",
        ] {
            let Ok(program) = numjet::syntax::parse(src).and_then(|ast| numjet::ir::lower(&ast, &sig, src)) else {
                failures.push(format!("`{src}` on {dt}: does not compile"));
                continue;
            };
            let interp = interp_engine().compile(src, &sig).unwrap();
            for &level in &levels {
                for vectorise in [true, false] {
                    let options = JitOptions::default().level(level).vectorise(vectorise);
                    let jit = numjet::jit::compile_with(&program, &options).unwrap();
                    if vectorise && jit.vectorised().iter().all(|&v| v) {
                        blocked_vectorised += 1;
                    }
                    for (a, b, i, c) in &sets {
                        let inputs = [Input::Array(a.as_ref()), Input::Array(b.as_ref()), Input::Array(i.as_ref()), Input::Array(c.as_ref()), Input::Scalar(s)];
                        let want = interp.eval(&inputs);
                        let got = exec::evaluate(&jit, &inputs, a.len());
                        if let Err(e) = compare(&want, &got) {
                            failures.push(format!("`{src}` on {dt}, n = {}, {options:?}: {e}", a.len()));
                        }
                    }
                }
            }
            // The engine's threads and odd chunks: 1 and 2 threads, chunks
            // of 1000 elements (blocks start mid-chunk).
            let (a, b, i, c) = sets.last().unwrap();
            let inputs = [Input::Array(a.as_ref()), Input::Array(b.as_ref()), Input::Array(i.as_ref()), Input::Array(c.as_ref()), Input::Scalar(s)];
            let want = interp.eval(&inputs);
            for threads in [1, 2] {
                let engine = Engine::new(numjet::Config::default().threads(threads).chunk(1000));
                let got = engine.compile(src, &sig).unwrap().eval(&inputs);
                match (&want, &got) {
                    (Ok(w), Ok(g)) if w.dtype() == g.dtype() && w.shape() == g.shape() => {
                        let same = if w.shape().is_empty() {
                            same_scalar(w.to_scalar().unwrap(), g.to_scalar().unwrap())
                        } else {
                            same_data(w.data(), g.data()).is_ok()
                        };
                        if !same {
                            failures.push(format!("`{src}` on {dt}, {threads} threads: differs"));
                        }
                    }
                    (Err(w), Err(g)) if w.to_string() == g.to_string() => {}
                    _ => failures.push(format!("`{src}` on {dt}, {threads} threads: {want:?} vs {got:?}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(blocked_vectorised > 0);
}

/// Lengths around every multiple of lanes × unroll (2 or 4 lanes, unroll
/// 1, 2 or 4) up to 40, and around a few larger ones.
fn loop_lengths() -> Vec<usize> {
    let mut v: Vec<usize> = (0..=41).collect();
    for m in [48usize, 64, 100, 128, 1000] {
        v.extend([m - 1, m, m + 1, m + 3, m + 5, m + 7]);
    }
    v
}

#[test]
fn unrolled_loops_at_every_length() {
    let mut failures = Vec::new();
    let mut rng = Rng(5);
    for dt in [DType::Float64, DType::Float32, DType::Int64, DType::Int32] {
        let sig = Signature::new().array("a", dt).array("b", dt).array("c", dt).scalar("s", dt);
        let sets: Vec<Vec<ArrayData>> =
            loop_lengths().into_iter().map(|n| (0..3).map(|_| column(dt, n, &mut rng)).collect()).collect();
        let s = Scalar::Float64(3.0).cast(dt);
        let input_sets: Vec<Vec<Input>> =
            sets.iter().map(|cols| cols.iter().map(|c| Input::Array(c.as_ref())).chain([Input::Scalar(s)]).collect()).collect();
        for src in [
            "a + b * 2",
            "2 * a + 3 * b - c",
            "where(a > b, a, c) - s",
            "minimum(a, b) + maximum(b, c)",
            "a - sum(b)",
            "any(a > b) + a",
            "min(a) + max(b - c) + a",
            "sum(a + b) + sum(a > c)",
            "all(a == a)",
            "any(c)",
        ] {
            match check_many(src, &sig, &input_sets) {
                Ok(_) => {}
                Err(e) => failures.push(e),
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn unrolled_chunks_at_odd_starts() {
    // run_range over chunks starting anywhere (the vector loops start at
    // `start`, not at an aligned index): every unroll factor.
    for dt in [DType::Float64, DType::Float32, DType::Int64, DType::Int32] {
        let sig = Signature::new().array("a", dt).array("b", dt);
        let src = "where(a > b, a * 3, b - a)";
        let program = numjet::ir::lower(&numjet::syntax::parse(src).unwrap(), &sig, src).unwrap();
        let n = 301;
        let mut rng = Rng(11);
        let a = column(dt, n, &mut rng);
        let b = column(dt, n, &mut rng);
        let inputs = [Input::Array(a.as_ref()), Input::Array(b.as_ref())];
        let want = exec::evaluate(&numjet::jit::compile_with(&program, &JitOptions::default().vectorise(false)).unwrap(), &inputs, n).unwrap().unwrap();
        for u in [1, 2, 4] {
            let k = numjet::jit::compile_with(&program, &JitOptions::default().unroll(u)).unwrap();
            assert!(k.vectorised()[0], "{src} on {dt}");
            let prepared = exec::prepare(&k, &inputs, n).unwrap();
            for (start, len) in [(0, 301), (1, 17), (3, 8), (5, 33), (7, 0), (13, 288), (299, 2), (300, 1)] {
                let mut out = ArrayData::with_capacity(dt, len);
                for _ in 0..len {
                    out.push(Scalar::Bool(false).cast(dt));
                }
                let chunk = out.as_mut();
                exec::run_range(&k, &prepared, &inputs, start, chunk).unwrap();
                let mut expect = ArrayData::with_capacity(dt, len);
                for j in start..start + len {
                    expect.push(want.as_ref().get(j));
                }
                same_data(&expect, &out).unwrap_or_else(|e| panic!("{src} on {dt}, unroll {u}, {start}..+{len}: {e}"));
            }
        }
    }
}

/// Bool stages in the vector loop: results (lane masks narrowed to one
/// byte per element), bool array inputs (bytes widened to masks) and
/// stages of bools only (16 one-byte lanes).
const BOOL_STAGES: &[&str] = &[
    "a**2 + b**2 < 1",
    "a < b",
    "(a > 0) & (b < 1)",
    "a == b",
    "a != b",
    "a >= s",
    "(a <= b) ^ q",
    "where(p, a, b) >= 0",
    "p & (a != b)",
    "where(p, a < b, q)",
    "bool(a) | ~p",
    "isnan(a) | (a > b)",
    "where(a > b, p, q)",
    "p & q",
    "~p | q",
    "p == q",
    "p < q",
    "where(p, q, ~q)",
    "p ^ t",
    "q",
];

fn bool_stage_lengths() -> Vec<usize> {
    let mut v: Vec<usize> = (0..=67).collect();
    v.extend([127, 128, 129, 1000, 1001, 4099]);
    v
}

#[test]
fn bool_stages_vectorised_at_every_length() {
    let mut failures = Vec::new();
    let mut rng = Rng(21);
    for dt in [DType::Float64, DType::Float32, DType::Int64, DType::Int32] {
        let sig = Signature::new()
            .array("a", dt)
            .array("b", dt)
            .array("p", DType::Bool)
            .array("q", DType::Bool)
            .scalar("s", dt)
            .scalar("t", DType::Bool);
        let sets: Vec<Vec<ArrayData>> = bool_stage_lengths()
            .into_iter()
            .map(|n| vec![column(dt, n, &mut rng), column(dt, n, &mut rng), column(DType::Bool, n, &mut rng), column(DType::Bool, n, &mut rng)])
            .collect();
        for t in [false, true] {
            let s = value(dt, &mut rng);
            let input_sets: Vec<Vec<Input>> = sets
                .iter()
                .map(|cols| cols.iter().map(|c| Input::Array(c.as_ref())).chain([Input::Scalar(s), Input::Scalar(Scalar::Bool(t))]).collect())
                .collect();
            for src in BOOL_STAGES {
                let k = jit_of(src, &sig);
                assert!(*k.vectorised().last().unwrap(), "`{src}` on {dt} is not vectorised:\n{}", k.clif_text());
                match check_many(src, &sig, &input_sets) {
                    Ok(true) => {}
                    Ok(false) => failures.push(format!("`{src}` on {dt} does not compile")),
                    Err(e) => failures.push(e),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn bool_chunks_at_odd_starts() {
    // Bool results written through `run_range` at unaligned output offsets.
    for (src, dt) in [("a < b", DType::Float64), ("a < b", DType::Float32), ("(a > 0) & p", DType::Int64), ("p ^ (a == b)", DType::Int32), ("p | ~p2", DType::Int32)] {
        let sig = Signature::new().array("a", dt).array("b", dt).array("p", DType::Bool).array("p2", DType::Bool);
        let program = numjet::ir::lower(&numjet::syntax::parse(src).unwrap(), &sig, src).unwrap();
        let n = 301;
        let mut rng = Rng(12);
        let cols = [column(dt, n, &mut rng), column(dt, n, &mut rng), column(DType::Bool, n, &mut rng), column(DType::Bool, n, &mut rng)];
        let inputs: Vec<Input> = cols.iter().map(|c| Input::Array(c.as_ref())).collect();
        let want = interp_engine().compile(src, &sig).unwrap().eval(&inputs).unwrap();
        let want = want.data().as_ref();
        for u in [1, 2, 4] {
            let k = numjet::jit::compile_with(&program, &JitOptions::default().unroll(u)).unwrap();
            assert!(k.vectorised()[0], "{src} on {dt}");
            let prepared = exec::prepare(&k, &inputs, n).unwrap();
            for (start, len) in [(0, 301), (1, 17), (3, 8), (5, 33), (7, 0), (13, 288), (299, 2), (300, 1), (2, 35)] {
                // Guard bytes around the chunk: nothing outside it is written.
                let mut buf = vec![true; len + 32];
                exec::run_range(&k, &prepared, &inputs, start, ArrayMut::Bool(&mut buf[16..16 + len])).unwrap();
                assert!(buf[..16].iter().chain(&buf[16 + len..]).all(|&x| x), "{src}: write outside {start}..+{len}");
                for j in 0..len {
                    assert_eq!(Scalar::Bool(buf[16 + j]), want.get(start + j), "{src} on {dt}, unroll {u}, {start}..+{len}, element {j}");
                }
            }
        }
    }
}

/// Integer `//`, `%` and `fmod` by constant divisors (no guards: special
/// cases, shifts and masks, multiply-high by a magic number, lane by lane
/// in the vector loop) against the interpreter, on edge values.
#[test]
fn integer_division_by_constants() {
    let mut failures = Vec::new();
    let mut rng = Rng(31);
    for dt in [DType::Int64, DType::Int32] {
        let (min, max) = if dt == DType::Int32 { (i32::MIN as i64, i32::MAX as i64) } else { (i64::MIN, i64::MAX) };
        let mut divisors: Vec<i64> = vec![0, 1, -1, 2, -2, 3, -3, 4, -4, 5, 6, 7, -7, 8, 10, 16, -16, 31, 64, 100, 641, 1 << 20, 1_000_000_007];
        divisors.extend([max, max - 1, min, min + 1, min / 2, -(max / 3)]);
        if dt == DType::Int64 {
            divisors.extend([1 << 40, (1 << 40) + 1, 6_700_417, -(1 << 62), 3_000_000_000]);
        }
        let sig = Signature::new().array("a", dt).array("b", dt);
        // The edge values themselves, then random columns at loop lengths.
        let mut sets: Vec<Vec<ArrayData>> = vec![vec![edges(dt), column(dt, edges(dt).len(), &mut rng)]];
        for n in [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 67, 1001] {
            sets.push(vec![column(dt, n, &mut rng), column(dt, n, &mut rng)]);
        }
        let input_sets: Vec<Vec<Input>> = sets.iter().map(|cols| cols.iter().map(|c| Input::Array(c.as_ref())).collect()).collect();
        for &c in &divisors {
            // `(c)`: a negative literal is a unary minus, folded.
            for src in [
                format!("a // ({c})"),
                format!("a % ({c})"),
                format!("fmod(a, {c})"),
                format!("(a * 3 + b) % ({c})"),
                format!("(a // ({c})) * ({c}) + a % ({c}) - a"),
            ] {
                match check_many(&src, &sig, &input_sets) {
                    Ok(true) => {}
                    Ok(false) => failures.push(format!("`{src}` on {dt} does not compile")),
                    Err(e) => failures.push(e),
                }
                let k = jit_of(&src, &sig);
                if !*k.vectorised().last().unwrap() {
                    failures.push(format!("`{src}` on {dt} is not vectorised"));
                }
            }
        }
        // Every small divisor (each has its own magic number and shift).
        for c in -130i64..=130 {
            for src in [format!("a // ({c})"), format!("a % ({c})")] {
                if let Err(e) = check_many(&src, &sig, &input_sets[..1].iter().chain(input_sets.last()).cloned().collect::<Vec<_>>()) {
                    failures.push(e);
                }
            }
        }
        for src in ["a // ones_like(a)", "a % ones_like(a)", "a % b", "a // b"] {
            if let Err(e) = check_many(src, &sig, &input_sets) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// int64 vector multiplies by a constant (shift and add/subtract, or lane
/// by lane) against the interpreter, wrapping included.
#[test]
fn int64_vector_multiply_by_constants() {
    let mut failures = Vec::new();
    let mut rng = Rng(41);
    let sig = Signature::new().array("a", DType::Int64).array("b", DType::Int64);
    let mut sets: Vec<Vec<ArrayData>> = vec![vec![edges(DType::Int64), column(DType::Int64, edges(DType::Int64).len(), &mut rng)]];
    for n in [0, 1, 2, 3, 5, 8, 9, 33, 1001] {
        sets.push(vec![column(DType::Int64, n, &mut rng), column(DType::Int64, n, &mut rng)]);
    }
    let input_sets: Vec<Vec<Input>> = sets.iter().map(|cols| cols.iter().map(|c| Input::Array(c.as_ref())).collect()).collect();
    let consts: [i64; 22] =
        [0, 1, -1, 2, -2, 3, -3, 5, 7, -7, 9, 15, 17, 100, -100, 1 << 62, (1 << 32) + 1, i64::MIN, i64::MIN + 1, i64::MAX, -(1 << 62), 6_700_417];
    for c in consts {
        for src in [format!("a * ({c})"), format!("({c}) * a + b")] {
            let k = jit_of(&src, &sig);
            if !k.vectorised()[0] {
                failures.push(format!("`{src}` is not vectorised"));
            }
            if let Err(e) = check_many(&src, &sig, &input_sets) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn unroll_factor_three_through_the_public_field() {
    // `JitOptions::unroll` is a public field: a factor the setter rejects
    // (3) still gives correct code (no mask packing, three stores).
    let mut options = JitOptions::default();
    options.unroll = 3;
    let mut rng = Rng(51);
    for (src, dt) in [("a < b", DType::Float64), ("a < b", DType::Float32), ("p ^ q", DType::Int32), ("a * 3 + b", DType::Int64)] {
        let sig = Signature::new().array("a", dt).array("b", dt).array("p", DType::Bool).array("q", DType::Bool);
        let program = numjet::ir::lower(&numjet::syntax::parse(src).unwrap(), &sig, src).unwrap();
        let k = numjet::jit::compile_with(&program, &options).unwrap();
        assert!(k.vectorised()[0], "{src} on {dt}");
        for n in (0..=100).chain([1001]) {
            let cols = [column(dt, n, &mut rng), column(dt, n, &mut rng), column(DType::Bool, n, &mut rng), column(DType::Bool, n, &mut rng)];
            let inputs: Vec<Input> = cols.iter().map(|c| Input::Array(c.as_ref())).collect();
            let want = interp_engine().compile(src, &sig).unwrap().eval(&inputs);
            compare(&want, &exec::evaluate(&k, &inputs, n)).unwrap_or_else(|e| panic!("`{src}` on {dt}, n = {n}: {e}"));
        }
    }
}

// ---------------------------------------------------------------------------
// Threads.

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn kernel_is_send_and_sync() {
    assert_send_sync::<JitKernel>();
    assert_send_sync::<Arc<JitKernel>>();
}

#[test]
fn chunks_on_four_threads_match_one_call() {
    let sig = Signature::new().array("a", DType::Float64).array("b", DType::Float64);
    for (src, stages, vectorised) in [
        // Math functions called per block (a blocked stage), two
        // reductions.
        ("x = a * 1.5 - mean(a)\nwhere(x > b, sin(x) + b // 3, hypot(x, b)) + sum(b) * 1e-3", 3, true),
        // A per-element helper (nextafter): the scalar loop.
        ("x = a * 1.5 - mean(a)\nwhere(x > b, nextafter(x, b), b) + sum(b) * 1e-3", 3, false),
        // Vector loop with a scalar tail.
        ("x = a * 1.5 - mean(a)\nwhere(x > b, minimum(x, b), sqrt(b)) * 2 + 1", 2, true),
    ] {
        let program = numjet::ir::lower(&numjet::syntax::parse(src).unwrap(), &sig, src).unwrap();
        let kernel = Arc::new(numjet::jit::compile(&program).unwrap());
        assert_eq!(kernel.stage_count(), stages);
        assert_eq!(*kernel.vectorised().last().unwrap(), vectorised);
        let n = 10_007;
        let mut rng = Rng(99);
        let a = column(DType::Float64, n, &mut rng);
        let b = column(DType::Float64, n, &mut rng);
        let inputs = [Input::Array(a.as_ref()), Input::Array(b.as_ref())];
        let whole = exec::evaluate(&kernel, &inputs, n).unwrap().unwrap();
        let prepared = exec::prepare(&kernel, &inputs, n).unwrap();
        let mut out = vec![0.0f64; n];
        // Uneven chunks with odd starts: 0..1, 1..2501, 2501..7777, 7777..n.
        let bounds = [0, 1, 2501, 7777, n];
        std::thread::scope(|scope| {
            let mut rest: &mut [f64] = &mut out;
            for w in bounds.windows(2) {
                let (chunk, tail) = rest.split_at_mut(w[1] - w[0]);
                rest = tail;
                let (kernel, prepared, inputs) = (&kernel, &prepared, &inputs);
                let start = w[0];
                scope.spawn(move || exec::run_range(kernel, prepared, inputs, start, ArrayMut::Float64(chunk)).unwrap());
            }
        });
        same_data(&whole, &ArrayData::Float64(out)).unwrap();

        // One shared kernel, whole evaluations on four threads at once.
        std::thread::scope(|scope| {
            for _ in 0..4 {
                let (kernel, inputs, whole) = (Arc::clone(&kernel), &inputs, &whole);
                scope.spawn(move || {
                    for _ in 0..10 {
                        same_data(whole, &exec::evaluate(&kernel, inputs, n).unwrap().unwrap()).unwrap();
                    }
                });
            }
        });
    }
}

#[test]
fn run_range_rejects_bad_chunks() {
    let sig = Signature::new().array("a", DType::Int32);
    let program = numjet::ir::lower(&numjet::syntax::parse("a + 1").unwrap(), &sig, "a + 1").unwrap();
    let k = numjet::jit::compile(&program).unwrap();
    let a = [1i32, 2, 3];
    let p = exec::prepare(&k, &[(&a).into()], 3).unwrap();
    let mut out = [0i32; 2];
    assert!(exec::run_range(&k, &p, &[(&a).into()], 2, ArrayMut::Int32(&mut out)).is_err());
    assert!(exec::run_range(&k, &p, &[(&a).into()], usize::MAX, ArrayMut::Int32(&mut out)).is_err());
    let mut wrong = [0i64; 2];
    assert!(exec::run_range(&k, &p, &[(&a).into()], 0, ArrayMut::Int64(&mut wrong)).is_err());
    exec::run_range(&k, &p, &[(&a).into()], 1, ArrayMut::Int32(&mut out)).unwrap();
    assert_eq!(out, [3, 4]);
    // Inputs that do not match the signature or the length are errors, not UB.
    assert!(exec::evaluate(&k, &[(&a).into()], 4).is_err());
    assert!(exec::evaluate(&k, &[Input::Scalar(Scalar::Int32(1))], 3).is_err());
    assert!(exec::evaluate(&k, &[], 3).is_err());
}

// ---------------------------------------------------------------------------
// Errors and introspection.

#[test]
fn runtime_errors_match_the_interpreter() {
    let sig = Signature::new().array("a", DType::Int64).array("b", DType::Int64).scalar("s", DType::Int64);
    let a = [2i64, 3, 4];
    let b = [1i64, -1, 2];
    let empty: [i64; 0] = [];
    let cases: Vec<(&str, Vec<Input>)> = vec![
        ("a ** b", vec![(&a).into(), (&b).into(), Input::Scalar(Scalar::Int64(1))]),
        ("a ** s", vec![(&a).into(), (&b).into(), Input::Scalar(Scalar::Int64(-2))]),
        // The interpreter reports the first failing node in node order.
        ("x = b ** a\ny = a ** b\nsum(y) + x", vec![(&a).into(), (&b).into(), Input::Scalar(Scalar::Int64(1))]),
        ("x = a ** b\nsum(b ** a) + x", vec![(&a).into(), (&b).into(), Input::Scalar(Scalar::Int64(1))]),
        // In one loop: element 0 fails at `x`, element 1 at `y` (a later node).
        ("x = a ** b\ny = b ** a\nx + y", vec![(&[2i64, -1]).into(), (&[-1i64, 2]).into(), Input::Scalar(Scalar::Int64(1))]),
        ("x = a ** b\ny = b ** a\nx + y", vec![(&[-1i64, 2]).into(), (&[2i64, -1]).into(), Input::Scalar(Scalar::Int64(1))]),
        ("min(a) + b ** s", vec![(&empty).into(), (&empty).into(), Input::Scalar(Scalar::Int64(-1))]),
        ("b ** s + min(a)", vec![(&empty).into(), (&empty).into(), Input::Scalar(Scalar::Int64(-1))]),
        ("max(a) * 2", vec![(&empty).into(), (&empty).into(), Input::Scalar(Scalar::Int64(-1))]),
        ("s ** s", vec![(&a).into(), (&b).into(), Input::Scalar(Scalar::Int64(-1))]),
    ];
    for (src, inputs) in cases {
        let k = interp_engine().compile(src, &sig).unwrap();
        let want = k.eval(&inputs);
        assert!(want.is_err(), "{src}");
        let got = exec::evaluate(&numjet::jit::compile(k.program()).unwrap(), &inputs, len_of(&inputs));
        compare(&want, &got).unwrap_or_else(|e| panic!("`{src}`: {e}"));
    }
}

#[test]
fn introspection() {
    let sig = Signature::new().array("a", DType::Float64).array("b", DType::Float64).array("c", DType::Float64);
    let src = "a * b + c - mean(a)";
    let program = numjet::ir::lower(&numjet::syntax::parse(src).unwrap(), &sig, src).unwrap();
    let k = numjet::jit::compile(&program).unwrap();
    let clif = k.clif_text();
    assert_eq!(clif.matches("function %numjet_stage").count(), 2, "{clif}");
    assert!(clif.contains("fmul") && clif.contains("fadd"), "{clif}");
    assert!(!clif.contains("fma"), "a*b+c must not be fused:\n{clif}");
    let asm = k.disasm();
    assert!(!asm.contains("fmadd"), "{asm}");
    assert!(format!("{k:?}").contains("JitKernel"));
    if !cfg!(all(feature = "disas", target_arch = "x86_64")) {
        assert!(asm.starts_with("; Cranelift VCode listing"), "{asm}");
        assert_eq!(asm.matches("; stage ").count(), 2, "{asm}");
        return;
    }
    assert!(asm.starts_with("; x86-64 machine code"), "{asm}");
    let stages = asm_stages(asm);
    assert_eq!(stages.len(), 2, "{asm}");
    for stage in &stages {
        // Every stage starts at offset 0 with the frame setup and returns.
        assert_eq!(stage[0].0, 0, "{asm}");
        assert_eq!((stage[0].1.as_slice(), stage[0].2.as_str()), ([0x55].as_slice(), "push rbp"), "{asm}");
        assert!(stage.iter().any(|(_, b, t)| b == &[0xc3] && t == "ret"), "{asm}");
    }
    // The result stage: `(a * b + c) - mean`, two doubles per vector, and
    // the scalar tail (SSE2 forms, or their AVX `v` forms on a host with
    // AVX).
    let mnemonics: Vec<&str> = stages[1].iter().map(|(_, _, t)| t.split(' ').next().unwrap_or("")).collect();
    for m in ["movupd", "mulpd", "addpd", "subpd", "mulsd", "addsd", "subsd"] {
        assert!(mnemonics.iter().any(|&x| x == m || x.strip_prefix('v') == Some(m)), "no {m}:\n{asm}");
    }
    // Conditional branches go to block labels the listing defines.
    let jumps: Vec<&str> = asm.lines().filter_map(|l| l.split_once("  j")?.1.split_once(" .L").map(|(_, l)| l)).collect();
    assert!(!jumps.is_empty(), "{asm}");
    for l in jumps {
        assert!(asm.contains(&format!("\n.L{l}:\n")), ".L{l}:\n{asm}");
    }

    // A helper call names its symbol, on the instruction loading its
    // address (still 0 before relocation): a block function's trampoline,
    // and a per-element helper.
    let sig = Signature::new().array("a", DType::Float64);
    let k = jit_of("sin(a) + nextafter(a, 0)", &sig);
    let asm = k.disasm();
    assert!(asm.lines().any(|l| l.ends_with("; numjet_vblock_f64")), "{asm}");
    let line = asm.lines().find(|l| l.ends_with("; numjet_nextafter_f64")).unwrap_or_else(|| panic!("{asm}"));
    assert!(line.contains(" 00 00 00 00 00 00 00 00  mov "), "{line}\n{asm}");
    assert!(asm.lines().any(|l| l.contains("  call ")), "{asm}");
}

/// The instructions of each stage of a byte-level listing (offset, bytes,
/// Intel text), checked to follow each other without gaps from offset 0.
fn asm_stages(asm: &str) -> Vec<Vec<(usize, Vec<u8>, String)>> {
    let mut stages: Vec<Vec<(usize, Vec<u8>, String)>> = Vec::new();
    let mut data = false;
    for l in asm.lines() {
        if l.starts_with("; stage ") {
            stages.push(Vec::new());
            data = false;
        } else if l.starts_with("; constants: ") {
            data = true;
        } else if l.starts_with("  ") && !data {
            let (off, rest) = l.trim_start().split_once("  ").unwrap_or_else(|| panic!("{l}"));
            let off = usize::from_str_radix(off, 16).unwrap_or_else(|_| panic!("{l}"));
            let mut bytes = Vec::new();
            let mut rest = rest.trim_start();
            while let Some((b, r)) = rest.split_once(' ').filter(|(b, _)| b.len() == 2) {
                let Ok(b) = u8::from_str_radix(b, 16) else { break };
                bytes.push(b);
                rest = r.trim_start();
            }
            let text = rest.split("  ;").next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
            let stage = stages.last_mut().unwrap_or_else(|| panic!("{asm}"));
            let expect = stage.last().map_or(0, |(o, b, _): &(usize, Vec<u8>, String)| o + b.len());
            assert_eq!(off, expect, "{l}\n{asm}");
            assert!(!bytes.is_empty() && !text.is_empty(), "{l}");
            stage.push((off, bytes, text));
        }
    }
    stages
}

fn jit_of(src: &str, sig: &Signature) -> JitKernel {
    let p = numjet::ir::lower(&numjet::syntax::parse(src).unwrap(), sig, src).unwrap();
    numjet::jit::compile(&p).unwrap()
}

/// Every stage of every `benches/compare.py` case is vectorised (the
/// fused reductions count: their leaf functions are vector loops).
#[test]
fn benchmark_cases_vectorise() {
    let cases = [
        ("a + b*2", DType::Float64),
        ("a + b*2", DType::Float32),
        ("2*a + 3*b - c", DType::Float64),
        ("a**2 + b**2 < 1", DType::Float64),
        ("sum(a*b)", DType::Float64),
        ("where(a > 0, sqrt(a), 0)", DType::Float64),
        ("(i * 3 + j) % 7", DType::Int64),
        ("sin(a)**2 + cos(b)**2", DType::Float64),
        ("sin(a)**2 + cos(b)**2", DType::Float32),
        ("exp(-a*a/2)", DType::Float64),
        ("log1p(abs(a)) * tanh(b)", DType::Float64),
        ("(a + b) // 2", DType::UInt8),
        ("a * b + c", DType::Float16),
        ("sum(a)", DType::UInt8),
    ];
    for (src, dt) in cases {
        let sig = Signature::new().array("a", dt).array("b", dt).array("c", dt).array("i", dt).array("j", dt);
        let k = jit_of(src, &sig);
        let fused = k.fused_reductions();
        // A 0-d result (`sum(a*b)`) is one value: its stage has no loop.
        let p = k.program();
        let scalar_result = p.node(p.result()).shape() == numjet::ir::Shape::Scalar;
        let n = k.vectorised().len();
        for (s, &v) in k.vectorised().iter().enumerate() {
            let exempt = fused.get(s).copied().unwrap_or(false) || (scalar_result && s + 1 == n);
            assert!(v || exempt, "`{src}` on {dt}: stage {s} is not vectorised:\n{}", k.clif_text());
        }
    }
}

#[test]
fn vectorisation() {
    // Whenever a stage qualifies for the vector loop, Cranelift lowers it
    // (no silent fallback to the scalar loop).
    let mut vectorised = 0;
    for d in jit_ops() {
        for dtypes in dtype_tuples(d.arity) {
            let mut sig = Signature::new();
            for (k, &dt) in dtypes.iter().enumerate() {
                sig = sig.array(NAMES[k], dt);
            }
            let src = apply(d.op, &NAMES[..d.arity]);
            let Ok(p) = numjet::syntax::parse(&src).and_then(|ast| numjet::ir::lower(&ast, &sig, &src)) else { continue };
            let k = numjet::jit::compile(&p).unwrap();
            assert!(!k.clif_text().contains("the vector loop failed"), "`{src}` {dtypes:?}:\n{}", k.clif_text());
            vectorised += k.vectorised()[0] as usize;
        }
    }
    assert!(vectorised >= 120, "{vectorised}");
    // Programs that must get the vector loop, per dtype.
    let always = [
        "a + b * c",
        "a - b",
        "-a",
        "abs(a)",
        "minimum(a, b)",
        "fmax(a, b)",
        "where(a > b, a, c)",
        "sign(a)",
        "square(a) + 1",
        "clip(a, 0, 10)",
    ];
    let floats = [
        "a / b",
        "sqrt(a)",
        "floor(a) + ceil(b) + trunc(c) + rint(a)",
        "copysign(a, b)",
        "where(isnan(a) | isinf(b), c, a)",
        "a - mean(a)",
    ];
    let ints = ["a & b | ~c", "where(a != 0, b, c)"];
    for dt in [DType::Float64, DType::Float32, DType::Int64, DType::Int32] {
        let sig = Signature::new().array("a", dt).array("b", dt).array("c", dt);
        let extra: &[&str] = if dt.is_float() { &floats } else { &ints };
        for src in always.iter().chain(extra) {
            let k = jit_of(src, &sig);
            assert!(*k.vectorised().last().unwrap(), "`{src}` on {dt} is not vectorised:\n{}", k.clif_text());
        }
    }
    // Same-width casts, bool results, bool inputs and integer division by
    // a constant vectorise; helpers, integer division by an array and
    // shifts do not.
    let sig = Signature::new().array("a", DType::Float32).array("b", DType::Int32).array("c", DType::Bool);
    for (src, want) in [
        ("int32(a) + b", true),
        ("float32(b) * a", true),
        ("where(a > 0, b, 0)", true),
        // A math function: called per block, arithmetic vectorised around it.
        ("sin(a)", true),
        ("b // 3", true),
        ("b % 7 + 1", true),
        ("b // b", true),
        ("b << 1", false),
        ("a > 0", true),
        ("where(c, a, a)", true),
        // Width-changing casts: a call per block.
        ("float64(a)", true),
    ] {
        assert_eq!(*jit_of(src, &sig).vectorised().last().unwrap(), want, "{src}");
    }
}

#[test]
fn clif_forms() {
    // The instructions the lowering choice picks, read from the CLIF: a
    // change in how an operation lowers (or in which loop) shows here.
    // `has`/`lacks`: substrings of the stage's CLIF; `vec`: whether the
    // stage gets the vector loop.
    type Case = (&'static str, DType, bool, &'static [&'static str], &'static [&'static str]);
    let cases: &[Case] = &[
        // Division by a power of two: a shift, no division anywhere.
        ("a // 8", DType::Int32, true, &["load.i32x4", "sshr"], &["sdiv", "srem"]),
        ("a % 8", DType::Int64, true, &["load.i64x2", "band"], &["sdiv", "srem"]),
        // int32 lanes by another constant: a vector multiply-high.
        ("a // 7", DType::Int32, true, &["swiden_low", "swiden_high", "shuffle"], &["extractlane"]),
        // int64 lanes by another constant: lane by lane.
        ("a % -5", DType::Int64, true, &["extractlane", "insertlane"], &[]),
        // By an array: int64 guarded, scalar loop only; int32 (and
        // narrower) through float64 per block, the loops vectorised.
        ("a // b", DType::Int64, false, &["sdiv", "srem", "select"], &["i64x2"]),
        ("a // b", DType::Int32, true, &["call fn0", "i32x4"], &["sdiv", "srem"]),
        ("a << 2", DType::Int64, false, &["ishl"], &["i64x2"]),
        // int64 multiply by 2^k + 1: a shift and an add; by other
        // constants lane by lane.
        ("a * 9", DType::Int64, true, &["ishl"], &["extractlane"]),
        ("a * 1000003", DType::Int64, true, &["extractlane"], &[]),
        // Math functions: one call per block (scratch in the frame), the
        // loops around it vectorised.
        ("sin(a)", DType::Float64, true, &["call fn0", "explicit_slot", "f64x2"], &[]),
        ("exp(-a*a/2)", DType::Float32, true, &["call fn0", "explicit_slot", "f32x4"], &[]),
        // Helpers: a call per element, scalar loop only.
        ("a ** b", DType::Int32, false, &["call fn0"], &["i32x4"]),
        // Float division by an array is native; float `//` a block call.
        ("a / b", DType::Float32, true, &["fdiv", "f32x4"], &["call"]),
        ("a // b", DType::Float32, true, &["call fn0", "explicit_slot"], &[]),
        // A per-element helper: the scalar loop only.
        ("nextafter(a, b)", DType::Float32, false, &["call fn0"], &["f32x4"]),
    ];
    for &(src, dt, vec, has, lacks) in cases {
        let sig = Signature::new().array("a", dt).array("b", dt);
        let k = jit_of(src, &sig);
        let clif = k.clif_text();
        assert_eq!(k.vectorised(), [vec], "`{src}` on {dt}:\n{clif}");
        for s in has {
            assert!(clif.contains(s), "`{src}` on {dt} lacks `{s}`:\n{clif}");
        }
        for s in lacks {
            assert!(!clif.contains(s), "`{src}` on {dt} has `{s}`:\n{clif}");
        }
    }
}

/// Resident memory in pages (Linux), to see code being freed.
fn resident_pages() -> Option<usize> {
    std::fs::read_to_string("/proc/self/statm").ok()?.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn dropping_kernels_frees_their_code() {
    let sig = Signature::new().array("a", DType::Float64).array("b", DType::Float64);
    let src = "x = sin(a) * b - mean(a)\nwhere(x > 0, x, cos(b)) + sum(b)";
    let p = numjet::ir::lower(&numjet::syntax::parse(src).unwrap(), &sig, src).unwrap();
    let a = [1.0, 2.0, 3.0];
    let run = |k: &JitKernel| exec::evaluate(k, &[(&a).into(), (&a).into()], 3).unwrap();
    let want = run(&numjet::jit::compile(&p).unwrap());
    // Warm up allocators, then compile and drop many kernels.
    for _ in 0..200 {
        assert_eq!(run(&numjet::jit::compile(&p).unwrap()), want);
    }
    let Some(before) = resident_pages() else { return };
    for _ in 0..1000 {
        assert_eq!(run(&numjet::jit::compile(&p).unwrap()), want);
    }
    let after = resident_pages().unwrap();
    // Each module maps at least a page of code and one of read-only data.
    eprintln!("resident pages: {before} -> {after}");
    assert!(after < before + 400, "resident memory grew from {before} to {after} pages over 1000 kernels");
}

#[test]
fn float16_rounding_agrees_on_every_class_of_float32() {
    // The JIT rounds float32 to half in the float domain (`half.rs`,
    // `round_half`) and converts bits at loads and stores; the reference
    // goes through `F16::from_f32`. Every half's neighbourhood (the value,
    // the ties around it and the float32 values next to them), then a
    // seeded sweep of float32 bit patterns: NaNs with every payload,
    // subnormals, overflow, both signs.
    let mut v: Vec<f32> = Vec::new();
    for h in 0..=u16::MAX {
        let x = numjet::dtype::F16::from_bits(h).to_f32();
        let up = numjet::dtype::F16::from_bits(h.wrapping_add(1)).to_f32();
        let mid = ((x as f64 + up as f64) / 2.0) as f32;
        for y in [x, mid, f32::from_bits(mid.to_bits().wrapping_add(1)), f32::from_bits(mid.to_bits().wrapping_sub(1))] {
            v.push(y);
        }
    }
    let mut rng = Rng(99);
    v.extend((0..200_000).map(|_| f32::from_bits(rng.next() as u32)));
    let sig = Signature::new().array("x", DType::Float32).array("h", DType::Float16);
    let halves: Vec<numjet::dtype::F16> = (0..v.len()).map(|i| numjet::dtype::F16::from_bits((i as u16).wrapping_mul(7919))).collect();
    let inputs = vec![Input::Array(numjet::ArrayRef::Float32(&v)), Input::Array(numjet::ArrayRef::Float16(&halves))];
    for src in ["float16(x)", "float16(x) * h", "h + h", "float32(h) * 3", "float16(float64(x) * 1.0000001)"] {
        check(src, &sig, &inputs).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The fast math mode (`Config::math`): the JIT against the interpreter, both
/// in fast mode, bit for bit, on programs calling every function that has a
/// fast version, on array and 0-d operands (per-element helpers), at block
/// boundaries, at every level, with and without vector loops; and both
/// backends call the fast versions (`vmath::Func::in_mode`), not the default
/// functions.
#[test]
fn fast_math_mode() {
    use numjet::vmath::{Func, MathMode};
    let levels = numjet::vmath::Level::available();
    eprintln!("fast math mode: levels tested: {:?}", levels.iter().map(|l| l.name()).collect::<Vec<_>>());
    let lengths = [0usize, 1, 7, 63, 64, 65, 511, 512, 513, 1025, 2049];
    let mut rng = Rng(23);
    let mut failures = Vec::new();
    let fast_interp = Engine::new(numjet::Config::default().backend(Backend::Interp).math(MathMode::Fast));
    for dt in [DType::Float64, DType::Float32, DType::Float16] {
        let sig = Signature::new().array("a", dt).array("b", dt).scalar("s", dt);
        // Half the elements moderate (the fast paths), half from `value`
        // (edges, NaNs, huge: the slow paths).
        let mut col = |n: usize| {
            let mut out = ArrayData::with_capacity(dt, n);
            for _ in 0..n {
                let v = if rng.below(2) == 0 {
                    Scalar::Float64((rng.next() >> 11) as f64 / (1u64 << 53) as f64 * 20.0 - 10.0).cast(dt)
                } else {
                    value(dt, &mut rng)
                };
                out.push(v);
            }
            out
        };
        let sets: Vec<(ArrayData, ArrayData)> = lengths.iter().map(|&n| (col(n), col(n))).collect();
        for src in [
            "sin(a)**2 + cos(b)**2",
            "exp(-a*a/2)",
            "log1p(abs(a)) * tanh(b)",
            "tan(a) + exp2(b / 4) + expm1(a) - log(abs(b)) + log2(abs(a)) * log10(abs(b))",
            "sinh(a) + cosh(b) + sin(s) * a + exp(s) + log(abs(s) + 1)",
            "t = sin(a); where(t > 0, exp(t), cos(t)) + sum(tanh(b))",
            "float64(sin(a)) + float64(cos(float32(b)))",
        ] {
            let Ok(program) = numjet::syntax::parse(src).and_then(|ast| numjet::ir::lower(&ast, &sig, src)) else {
                failures.push(format!("`{src}` on {dt}: does not compile"));
                continue;
            };
            let program = program.with_math(MathMode::Fast);
            let interp = fast_interp.compile(src, &sig).unwrap();
            for &level in &levels {
                for vectorise in [true, false] {
                    let options = JitOptions::default().level(level).vectorise(vectorise);
                    let jit = numjet::jit::compile_with(&program, &options).unwrap();
                    for (si, (a, b)) in sets.iter().enumerate() {
                        let s = Scalar::Float64([0.5, -3.25, 1e300, f64::NAN][si % 4]).cast(dt);
                        let inputs = [Input::Array(a.as_ref()), Input::Array(b.as_ref()), Input::Scalar(s)];
                        let want = interp.eval(&inputs);
                        let got = exec::evaluate(&jit, &inputs, a.len());
                        if let Err(e) = compare(&want, &got) {
                            failures.push(format!("`{src}` on {dt}, n = {}, {options:?}: {e}", a.len()));
                        }
                    }
                }
            }
        }
    }
    // Both backends call the fast versions: `sin(a)` in fast mode is
    // `Func::SinFast` element by element, in accurate mode `Func::Sin`.
    let x: Vec<f64> = (0..3000).map(|i| (i as f64 - 1500.0) * 0.0137).collect();
    let sig = Signature::new().array("a", DType::Float64);
    let inputs = [Input::Array(numjet::ArrayRef::Float64(&x))];
    for backend in [Backend::Interp, Backend::Jit] {
        for mode in [MathMode::Accurate, MathMode::Fast] {
            let engine = Engine::new(numjet::Config::default().backend(backend).math(mode));
            for (src, f) in [("sin(a)", Func::Sin), ("exp(a)", Func::Exp), ("tanh(a)", Func::Tanh), ("log1p(abs(a))", Func::Log1p)] {
                let got = engine.compile(src, &sig).unwrap().eval(&inputs).unwrap();
                let ArrayData::Float64(got) = got.into_data() else { panic!("float64 result") };
                let xs: Vec<f64> = if src.starts_with("log1p") { x.iter().map(|v| v.abs()).collect() } else { x.clone() };
                let want: Vec<f64> = xs.iter().map(|&v| numjet::vmath::scalar_f64(f.in_mode(mode), &[v])).collect();
                if got.iter().zip(&want).any(|(g, w)| g.to_bits() != w.to_bits()) {
                    failures.push(format!("{src} with {backend:?} in {mode:?}: not {:?}", f.in_mode(mode)));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// Empty strided views whose offset lies past their data (accepted: an
/// empty view reads nothing) evaluate as in the interpreter (found by
/// review: the JIT once failed with "a kernel operand is missing or too
/// short" after empty stages started running their 0-d nodes).
#[test]
fn empty_views_with_any_offset() {
    let data = vec![1.0f64; 5];
    let jit = Engine::new(numjet::Config::default());
    let interp = interp_engine();
    for (shape, strides, offset) in [(vec![0usize], vec![1isize], 100usize), (vec![3, 0], vec![0, 1], 7), (vec![0, 4], vec![4, 1], 9), (vec![2, 0], vec![-1, 1], 6)] {
        let view = numjet::View::strided(numjet::ArrayRef::Float64(&data), &shape, &strides, offset).unwrap();
        let sig = Signature::new().nd("a", DType::Float64, shape.len());
        for src in ["a + 1", "sin(a)", "sum(a)", "sum(a, axis=-1)", "a*2 - sum(a)", "where(a > 0, a, -a)"] {
            let inputs = [Input::View(view)];
            let want = interp.compile(src, &sig).unwrap().eval(&inputs);
            let got = jit.compile(src, &sig).unwrap().eval(&inputs);
            match (&want, &got) {
                (Ok(w), Ok(g)) => assert_eq!((w.dtype(), w.shape()), (g.dtype(), g.shape()), "`{src}` on {shape:?}"),
                (Err(w), Err(g)) => assert_eq!(w.to_string(), g.to_string(), "`{src}` on {shape:?}"),
                _ => panic!("`{src}` on {shape:?} {strides:?} +{offset}: interpreter {want:?}, JIT {got:?}"),
            }
        }
    }
}

/// An empty array does not excuse a failing 0-d node: NumPy computes
/// `int8(2) ** k` (k = -1) before it meets the empty array, and fails, as
/// the interpreter does. The JIT once skipped every kernel call on empty
/// arrays and returned an empty result (or a reduction's identity).
#[test]
fn empty_arrays_still_report_failing_0d_nodes() {
    let jit = Engine::new(numjet::Config::default());
    let interp = interp_engine();
    for shape in [vec![0usize], vec![0, 3], vec![3, 0]] {
        let sig = Signature::new().nd("x", DType::Float64, shape.len()).scalar("k", DType::Int8);
        let data = numjet::ArrayRef::Float64(&[]);
        let view = numjet::View::new(data, &shape).unwrap();
        for src in [
            "x + int8(2) ** k",
            "sum(x + int8(2) ** k)",
            "mean(x * (int8(2) ** k), axis=0)",
            "max(x - int8(2) ** k, axis=-1)",
            "t = int8(2) ** k; where(x > 0, x, t)",
            "sin(x) + int8(3) // k ** k",
        ] {
            for (k, should_fail) in [(-1i8, true), (1, false)] {
                let inputs = [Input::View(view), Input::Scalar(Scalar::Int8(k))];
                let want = interp.compile(src, &sig).unwrap().eval(&inputs);
                let got = jit.compile(src, &sig).unwrap().eval(&inputs);
                match (&want, &got) {
                    (Err(w), Err(g)) => {
                        // (`max` of an empty axis fails for any k.)
                        assert_eq!(should_fail, w.to_string().contains("negative integer powers"), "`{src}` on {shape:?}, k = {k}: {w}");
                        assert_eq!(w.to_string(), g.to_string(), "`{src}` on {shape:?}, k = {k}");
                    }
                    (Ok(w), Ok(g)) => {
                        assert!(!should_fail, "`{src}` on {shape:?}, k = {k}: no error");
                        assert_eq!((w.dtype(), w.shape()), (g.dtype(), g.shape()), "`{src}` on {shape:?}");
                    }
                    _ => panic!("`{src}` on {shape:?}, k = {k}: interpreter {want:?}, JIT {got:?}"),
                }
            }
        }
    }
}
