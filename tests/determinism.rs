//! Determinism at scale: every golden program (`tests/fixtures/golden.json`
//! and `golden_nd.json`) gives the same bits with the JIT on 1, 2, 3, 8
//! and 64 threads and with blocks of 1, 3, 64, 4,096 (the default) and
//! 2^20 elements: every result is compared with the one thread, default
//! block result, bit for bit (NaN payloads and the sign of zero included;
//! errors by their message), and, where the golden tolerance is 0, with the
//! interpreter (bit for bit except NaN payloads, which the JIT does not
//! promise to keep).
//!
//! The golden inputs are small, and parallel reductions only split work
//! above `serial_below`, so every engine has `serial_below(0)`, and a
//! second set of programs, with every reduction full and along each axis,
//! runs on larger inputs: 1-D of 100,003 elements and 2-D of (317, 211),
//! C-ordered, transposed and broadcast, salted with NaN, ±0 and ±inf.
//!
//! A block size at least as large as every node of a program (the golden
//! inputs have a few elements) takes the same path as the default block
//! (one block per part): only the default runs it, which halves the run
//! time. A 64-thread engine builds a 64-thread pool: the engines are built
//! once and shared by the tests (and their kernel caches keep each program
//! compiled once per engine). About 30 s in release mode on 2 cores.

mod common;

use std::sync::OnceLock;

use common::{nd, scalar_bits};
use numjet::{Array, ArrayRef, Backend, Config, DType, Engine, Error, Input, Signature, View};

const THREADS: [usize; 5] = [1, 2, 3, 8, 64];
const CHUNKS: [usize; 5] = [1, 3, 64, 4096, 1 << 20];
/// The reference configuration: one thread, the default block size.
const BASE: (usize, usize) = (1, 4096);

/// An evaluation's outcome, exactly: dtype, shape and every element's
/// bits, or the error's text.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Value { dtype: DType, shape: Vec<usize>, bits: Vec<u64> },
    Error(String),
}

fn outcome(r: Result<Array, Error>) -> Outcome {
    match r {
        Ok(a) => Outcome::Value {
            dtype: a.dtype(),
            shape: a.shape().to_vec(),
            bits: (0..a.len()).map(|i| scalar_bits(a.get(i).expect("in range"))).collect(),
        },
        Err(e) => Outcome::Error(e.to_string()),
    }
}

/// `got` equals the interpreter's `want` bit for bit, except that any NaN
/// equals any NaN.
fn same_as_interp(got: &Outcome, want: &Outcome) -> bool {
    match (got, want) {
        (Outcome::Value { dtype, shape, bits }, Outcome::Value { dtype: d2, shape: s2, bits: b2 }) => {
            let nan = |b: u64| match dtype {
                DType::Float64 => f64::from_bits(b).is_nan(),
                DType::Float32 => f32::from_bits(b as u32).is_nan(),
                _ => false,
            };
            dtype == d2 && shape == s2 && bits.iter().zip(b2).all(|(&x, &y)| x == y || (nan(x) && nan(y)))
        }
        (a, b) => a == b,
    }
}

/// The JIT engines, one per (threads, chunk), and the interpreter.
struct Engines {
    jit: Vec<((usize, usize), Engine)>,
    interp: Engine,
}

fn engines() -> &'static Engines {
    static E: OnceLock<Engines> = OnceLock::new();
    E.get_or_init(|| {
        let mut jit = Vec::new();
        for t in THREADS {
            for c in CHUNKS {
                let config = Config::default().threads(t).serial_below(0).chunk(c).cache_capacity(8192);
                jit.push(((t, c), Engine::new(config)));
            }
        }
        Engines { jit, interp: Engine::new(Config::default().backend(Backend::Interp).cache_capacity(0)) }
    })
}

/// Runs `expr` on `inputs` under every configuration; returns the
/// failures, described. `exact` also compares the result with the
/// interpreter's.
fn check(name: &str, expr: &str, names: &[&str], inputs: &[Input<'_>], exact: bool, must_succeed: bool) -> Vec<String> {
    let e = engines();
    let sig = names.iter().zip(inputs).fold(Signature::new(), |s, (n, x)| s.input(n, x));
    let run = |engine: &Engine| outcome(engine.compile(expr, &sig).and_then(|k| k.eval(inputs)));
    let base_engine = &e.jit.iter().find(|(k, _)| *k == BASE).expect("the base configuration").1;
    let base = run(base_engine);
    let mut failures = Vec::new();
    if must_succeed && let Outcome::Error(e) = &base {
        failures.push(format!("{name} `{expr}`: {e}"));
        return failures;
    }
    // Blocks at least as long as every node take the default block's path
    // (one block per part, one run of leaves): of those only the default
    // runs.
    let largest = largest_node(inputs);
    for ((t, c), engine) in &e.jit {
        if (*t, *c) == BASE || (*c != BASE.1 && *c >= largest && BASE.1 >= largest) {
            continue;
        }
        let got = run(engine);
        if got != base {
            failures.push(format!("{name} `{expr}`: threads {t} chunk {c}: {} differs from threads 1 chunk 4096: {}", brief(&got), brief(&base)));
        }
    }
    if exact {
        let want = run(&e.interp);
        if !same_as_interp(&base, &want) {
            failures.push(format!("{name} `{expr}`: the JIT gives {} where the interpreter gives {}", brief(&base), brief(&want)));
        }
    }
    failures
}

/// A bound on the size of every node of a program over `inputs`: each
/// axis (counted from the last) at its largest over the inputs, as
/// broadcasting allows no more.
fn largest_node(inputs: &[Input<'_>]) -> usize {
    let shapes: Vec<Vec<usize>> = inputs
        .iter()
        .map(|x| match x {
            Input::Scalar(_) => vec![],
            Input::Array(a) => vec![a.len()],
            Input::View(v) => v.shape().to_vec(),
        })
        .collect();
    let ndim = shapes.iter().map(Vec::len).max().unwrap_or(0);
    (1..=ndim).map(|k| shapes.iter().filter_map(|s| s.len().checked_sub(k).map(|i| s[i])).max().unwrap_or(1)).product()
}

/// An outcome in a line: the first differing elements are found by the
/// reader from the dtype and the first few bits.
fn brief(o: &Outcome) -> String {
    match o {
        Outcome::Value { dtype, shape, bits } => {
            let head: Vec<String> = bits.iter().take(4).map(|b| format!("{b:#x}")).collect();
            format!("{dtype} {shape:?} [{}{}]", head.join(", "), if bits.len() > 4 { ", ..." } else { "" })
        }
        Outcome::Error(e) => format!("error {:?}", e.lines().next().unwrap_or("")),
    }
}

fn report(what: &str, count: usize, failures: Vec<String>) {
    if !failures.is_empty() {
        let n = failures.len();
        panic!("{what}: {n} failures over {count} programs:\n{}", failures.into_iter().take(40).collect::<Vec<_>>().join("\n"));
    }
}

#[test]
fn golden_programs_give_the_same_bits_on_any_threads_and_blocks() {
    let cases = common::load_golden();
    assert!(cases.len() > 1000, "fixture file looks truncated");
    let mut failures = Vec::new();
    for c in &cases {
        let names: Vec<&str> = c.inputs.iter().map(|(n, _)| n.as_str()).collect();
        let inputs: Vec<Input> = c.inputs.iter().map(|(_, a)| a.as_input()).collect();
        failures.extend(check(&c.name, &c.expr, &names, &inputs, c.ulp == 0, false));
    }
    report("1-D golden programs", cases.len(), failures);
}

#[test]
fn nd_golden_programs_give_the_same_bits_on_any_threads_and_blocks() {
    let cases = nd::load();
    assert!(cases.len() > 2000, "fixture file looks truncated");
    let mut failures = Vec::new();
    for c in &cases {
        let names: Vec<&str> = c.inputs.iter().map(|(n, _)| n.as_str()).collect();
        let inputs: Result<Vec<Input>, String> = c.inputs.iter().map(|(_, s)| nd::input(s)).collect();
        match inputs {
            Ok(inputs) => failures.extend(check(&c.name, &c.expr, &names, &inputs, c.ulp == 0, false)),
            Err(e) => failures.push(format!("{}: {e}", c.name)),
        }
    }
    report("N-d golden programs", cases.len(), failures);
}

// ------------------------------------------------------------ large inputs ---

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A float in [-1, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

/// `n` floats in [-1, 1); with `salt`, every 997th is NaN, ±0 or ±inf (so
/// `min`/`max` meet NaNs and equal zeros, sums infinities).
fn floats(n: usize, seed: u64, salt: bool) -> Vec<f64> {
    let mut r = XorShift(0x9E37_79B9_7F4A_7C15 ^ seed);
    let special = [f64::NAN, 0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, -f64::NAN];
    (0..n).map(|i| if salt && i % 997 == 996 { special[(i / 997) % special.len()] } else { r.unit() }).collect()
}

fn ints(n: usize, seed: u64) -> Vec<i64> {
    let mut r = XorShift(0x2545_F491_4F6C_DD1D ^ seed);
    (0..n).map(|_| (r.next() % 2001) as i64 - 1000).collect()
}

/// Programs over 1-D inputs: `a`, `b` (float64), `s` (float64 salted with
/// NaN, ±0, ±inf), `x` (float32), `i` (int64), `j` (int32), `p` (bool).
const PROGRAMS_1D: &[&str] = &[
    "sum(a)",
    "sum(a*b)",
    "mean(a)",
    "prod(1 + a/1000)",
    "min(a)",
    "max(a)",
    "min(s)",
    "max(s)",
    "sum(s)",
    "mean(s)",
    "prod(where(isnan(s), 1, s))",
    "any(p)",
    "all(p)",
    "any(a > 0.99999)",
    "all(a < 2)",
    "sum(p)",
    "mean(p)",
    "sum(x)",
    "mean(x)",
    "min(x)",
    "max(x)",
    "prod(x/1000 + 1)",
    "sum(i)",
    "mean(i)",
    "min(i)",
    "max(i)",
    "prod(i % 3 + 1)",
    "sum(j)",
    "mean(j)",
    "min(j)",
    "max(j)",
    "prod(j % 2 + 1)",
    "any(i > 999)",
    "all(j > -1001)",
    "a - mean(a)",
    "(a - mean(a)) / (max(a) - min(a))",
    "sum(a*b) / sum(b*b)",
    "where(a > 0, sqrt(a), sin(b)) + s",
    "a + b*2",
    "(i * 3 + j) % 7",
    "x * 2 + 0.5",
    "sum(where(p, a, -b)) + max(s) - min(i)",
];

/// Programs over 2-D inputs of shape (317, 211): `m` (C order), `t` (a
/// transposed view), `s` (salted), `k` (int64), `q` (bool); `r` a row
/// (211,) and `c` a column (317, 1), both broadcast.
const PROGRAMS_2D: &[&str] = &[
    "sum(m)",
    "sum(t)",
    "sum(m, axis=0)",
    "sum(m, axis=1)",
    "sum(t, axis=0)",
    "sum(t, axis=-1)",
    "mean(t, axis=0)",
    "mean(m*t, axis=1)",
    "mean(s, axis=0)",
    "sum(s, axis=1)",
    "prod(1 + t/100, axis=0)",
    "prod(1 + m/100, axis=1)",
    "prod(1 + t/1000)",
    "min(t, axis=0)",
    "min(s, axis=1)",
    "max(s, axis=0)",
    "max(m + r, axis=1)",
    "min(s)",
    "max(t)",
    "any(q, axis=0)",
    "all(q, axis=1)",
    "any(t > 0.999, axis=1)",
    "all(m > -0.999, axis=0)",
    "any(q)",
    "all(t > -2)",
    "sum(k, axis=0)",
    "sum(k)",
    "mean(k, axis=1)",
    "min(k, axis=0)",
    "max(k, axis=1)",
    "prod(k % 3 + 1, axis=0)",
    "m - mean(m, axis=0)",
    "t * r + c",
    "sum(m + c)",
    "sum(t * r, axis=0) + r",
    "where(t > 0, t, r) - c",
    "mean(t, axis=0) - mean(m, axis=0)",
];

/// Runs `programs` on one set of inputs.
fn check_all(what: &str, programs: &[&str], names: &[&str], inputs: &[Input<'_>]) {
    let mut failures = Vec::new();
    for p in programs {
        failures.extend(check(what, p, names, inputs, true, true));
    }
    report(what, programs.len(), failures);
}

#[test]
fn reductions_on_large_1d_inputs_give_the_same_bits_on_any_threads_and_blocks() {
    let n = 100_003;
    let (a, b, s) = (floats(n, 1, false), floats(n, 2, false), floats(n, 3, true));
    let x: Vec<f32> = floats(n, 4, false).iter().map(|&v| v as f32).collect();
    let i = ints(n, 5);
    let j: Vec<i32> = ints(n, 6).iter().map(|&v| v as i32).collect();
    let p: Vec<bool> = floats(n, 7, false).iter().map(|&v| v > -0.9999).collect();
    let inputs = [(&a).into(), (&b).into(), (&s).into(), (&x).into(), (&i).into(), (&j).into(), (&p).into()];
    check_all("1-D, 100,003 elements", PROGRAMS_1D, &["a", "b", "s", "x", "i", "j", "p"], &inputs);
}

#[test]
fn reductions_on_large_2d_inputs_give_the_same_bits_on_any_threads_and_blocks() {
    let (rows, cols) = (317, 211);
    let shape = [rows, cols];
    let m = floats(rows * cols, 11, false);
    // `t` is the transpose of a (211, 317) C-ordered buffer.
    let tbuf = floats(rows * cols, 12, false);
    let tstrides = [1isize, rows as isize];
    let sv = floats(rows * cols, 13, true);
    let k = ints(rows * cols, 14);
    let q: Vec<bool> = floats(rows * cols, 15, false).iter().map(|&v| v > -0.999).collect();
    let r = floats(cols, 16, false);
    let c = floats(rows, 17, false);
    let cshape = [rows, 1];
    let inputs = [
        Input::View(View::new(ArrayRef::Float64(&m), &shape).unwrap()),
        Input::View(View::strided(ArrayRef::Float64(&tbuf), &shape, &tstrides, 0).unwrap()),
        Input::View(View::new(ArrayRef::Float64(&sv), &shape).unwrap()),
        Input::View(View::new(ArrayRef::Int64(&k), &shape).unwrap()),
        Input::View(View::new(ArrayRef::Bool(&q), &shape).unwrap()),
        (&r).into(),
        Input::View(View::new(ArrayRef::Float64(&c), &cshape).unwrap()),
    ];
    check_all("2-D, (317, 211)", PROGRAMS_2D, &["m", "t", "s", "k", "q", "r", "c"], &inputs);
}

#[test]
fn engines_have_the_configured_threads() {
    let e = engines();
    assert_eq!(e.jit.len(), THREADS.len() * CHUNKS.len());
    for ((t, c), engine) in &e.jit {
        assert_eq!((engine.threads(), engine.config().chunk), (*t, *c));
    }
}
