//! JIT evaluation speed against the interpreter and against hand-written
//! Rust loops (compiled by rustc/LLVM: the fair one-core ceiling), in
//! elements per second, plus compile time and the kernel-cache hit cost.
//!
//! Run: `cargo bench --bench jit` (criterion prints medians; the whole file
//! takes about 5 minutes on 2 cores).
//!
//! Everything is single-threaded: the engines are configured with one
//! thread (`Config::threads(1)`), and the Rust loops are plain loops.
//!
//! For each expression and n in {1e3, 1e5, 1e7}:
//! - `jit`: `eval_into` a preallocated output (a 1-element buffer for the
//!   0-d result of `sum`);
//! - `rust`: the same computation written as a plain loop over slices, with
//!   the inputs passed through `std::hint::black_box`;
//! - `interp`: the reference interpreter, also through `eval_into`. It is
//!   skipped at n = 1e7: at that size one evaluation takes a large fraction
//!   of a second and would dominate the run time for no extra information.
//!
//! Inputs are deterministic xorshift data: floats in [-1, 1), ints in
//! [0, 1000).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime};
use numjet::{ArrayMut, Backend, Config, DType, Engine, Input, Kernel, Signature};

const SIZES: [usize; 3] = [1_000, 100_000, 10_000_000];
/// The interpreter is not run at or above this size (see the module docs).
const INTERP_MAX: usize = 100_000;

// ---------------------------------------------------------------- inputs ---

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
}

/// `n` floats in [-1, 1).
fn floats(n: usize, seed: u64) -> Vec<f64> {
    let mut r = XorShift(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
    (0..n).map(|_| (r.next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0).collect()
}

/// `n` floats in [-1, 1), as float32.
fn floats32(n: usize, seed: u64) -> Vec<f32> {
    let mut r = XorShift(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
    (0..n).map(|_| (r.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0).collect()
}

/// `n` integers in [0, 1000).
fn ints(n: usize, seed: u64) -> Vec<i64> {
    let mut r = XorShift(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
    (0..n).map(|_| (r.next() % 1000) as i64).collect()
}

/// `n` integers in [0, 1000), as int32.
fn ints32(n: usize, seed: u64) -> Vec<i32> {
    ints(n, seed).into_iter().map(|x| x as i32).collect()
}

// ------------------------------------------------- hand-written loops ---
//
// Each takes the inputs (already through `black_box`) and the output
// buffer. The inputs are resliced to the output length first so that rustc
// can drop the bounds checks — what anyone writing this loop by hand would
// get.

fn rust_axpb_f64(x: &[&[f64]], out: &mut [f64]) {
    let n = out.len();
    let (a, b) = (&x[0][..n], &x[1][..n]);
    for i in 0..n {
        out[i] = a[i] + b[i] * 2.0;
    }
}

fn rust_axpb_f32(x: &[&[f32]], out: &mut [f32]) {
    let n = out.len();
    let (a, b) = (&x[0][..n], &x[1][..n]);
    for i in 0..n {
        out[i] = a[i] + b[i] * 2.0;
    }
}

fn rust_lincomb(x: &[&[f64]], out: &mut [f64]) {
    let n = out.len();
    let (a, b, c) = (&x[0][..n], &x[1][..n], &x[2][..n]);
    for i in 0..n {
        out[i] = 2.0 * a[i] + 3.0 * b[i] - c[i];
    }
}

fn rust_disk(x: &[&[f64]], out: &mut [bool]) {
    let n = out.len();
    let (a, b) = (&x[0][..n], &x[1][..n]);
    for i in 0..n {
        out[i] = a[i] * a[i] + b[i] * b[i] < 1.0;
    }
}

fn rust_where_sqrt(x: &[&[f64]], out: &mut [f64]) {
    let n = out.len();
    let a = &x[0][..n];
    for i in 0..n {
        out[i] = if a[i] > 0.0 { a[i].sqrt() } else { 0.0 };
    }
}

/// The plain left-to-right sum: one dependent add per element (rustc may
/// not reassociate float adds, so this loop is not vectorised).
fn rust_dot(x: &[&[f64]], out: &mut [f64]) {
    let n = x[0].len();
    let (a, b) = (&x[0][..n], &x[1][..n]);
    let mut s = 0.0;
    for i in 0..n {
        s += a[i] * b[i];
    }
    out[0] = s;
}

/// The sum with 8 independent accumulators (the inner shape of NumPy's
/// pairwise summation): the faster, equally plain, hand-written version.
fn rust_dot_8acc(x: &[&[f64]], out: &mut [f64]) {
    let n = x[0].len();
    let (a, b) = (&x[0][..n], &x[1][..n]);
    let mut acc = [0.0f64; 8];
    let m = n - n % 8;
    for i in (0..m).step_by(8) {
        for k in 0..8 {
            acc[k] += a[i + k] * b[i + k];
        }
    }
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for i in m..n {
        s += a[i] * b[i];
    }
    out[0] = s;
}

/// NumPy's `%` is floored; for the positive divisor 7 that is `rem_euclid`.
fn rust_intmod(x: &[&[i64]], out: &mut [i64]) {
    let n = out.len();
    let (a, b) = (&x[0][..n], &x[1][..n]);
    for k in 0..n {
        out[k] = (a[k] * 3 + b[k]).rem_euclid(7);
    }
}

fn rust_intmod_i32(x: &[&[i32]], out: &mut [i32]) {
    let n = out.len();
    let (a, b) = (&x[0][..n], &x[1][..n]);
    for k in 0..n {
        out[k] = (a[k] * 3 + b[k]).rem_euclid(7);
    }
}

// ----------------------------------------------------------- harness ---

type RustLoop<I, O> = fn(&[&[I]], &mut [O]);

struct Case<I: 'static, O: 'static> {
    /// The criterion group name.
    name: &'static str,
    expr: &'static str,
    sig: Signature,
    /// The inputs for size n.
    inputs: fn(usize) -> Vec<Vec<I>>,
    /// Whether the result is 0-d (a 1-element output buffer).
    scalar: bool,
    rust: Vec<(&'static str, RustLoop<I, O>)>,
}

fn configure(g: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    g.warm_up_time(Duration::from_millis(1000));
    if n >= 10_000_000 {
        g.sample_size(10).measurement_time(Duration::from_secs(3));
    } else {
        g.sample_size(20).measurement_time(Duration::from_secs(2));
    }
    g.throughput(Throughput::Elements(n as u64));
}

fn run_case<I, O>(c: &mut Criterion, jit: &Engine, interp: &Engine, case: Case<I, O>)
where
    I: Copy + Default + 'static,
    O: Copy + Default + PartialEq + std::fmt::Debug + 'static,
    for<'a> &'a [I]: Into<Input<'a>>,
    for<'a> &'a mut [O]: Into<ArrayMut<'a>>,
{
    let kj: Kernel = jit.compile(case.expr, &case.sig).expect("the JIT compiles the expression");
    let ki: Kernel = interp.compile(case.expr, &case.sig).expect("the interpreter compiles the expression");
    eprintln!("[{}] `{}`: JIT stages vectorised: {:?}", case.name, case.expr, kj.jit().map(|j| j.vectorised().to_vec()));

    let mut g = c.benchmark_group(case.name);
    for &n in &SIZES {
        configure(&mut g, n);
        let data = (case.inputs)(n);
        let slices: Vec<&[I]> = data.iter().map(|v| &v[..]).collect();
        let inputs: Vec<Input<'_>> = slices.iter().map(|&s| s.into()).collect();
        let out_len = if case.scalar { 1 } else { n };

        // Sanity: the JIT agrees with the first hand-written loop (exactly
        // for elementwise results; the sums differ in association).
        {
            let mut want = vec![O::default(); out_len];
            (case.rust[0].1)(&slices, &mut want);
            let mut got = vec![O::default(); out_len];
            kj.eval_into(&inputs, (&mut got[..]).into()).expect("evaluates");
            if !case.scalar && got != want {
                let i = got.iter().zip(&want).position(|(x, y)| x != y).unwrap_or(0);
                eprintln!("WARNING [{}] n={n}: JIT and Rust differ at {i}: {:?} vs {:?}", case.name, got[i], want[i]);
            }
            if case.scalar {
                eprintln!("[{}] n={n}: JIT {:?}, Rust {:?}", case.name, got[0], want[0]);
            }
        }

        let mut out = vec![O::default(); out_len];
        g.bench_with_input(BenchmarkId::new("jit", n), &n, |bch, _| {
            bch.iter(|| kj.eval_into(black_box(&inputs), (&mut out[..]).into()).expect("evaluates"))
        });
        for &(label, f) in &case.rust {
            g.bench_with_input(BenchmarkId::new(label, n), &n, |bch, _| bch.iter(|| f(black_box(&slices), black_box(&mut out[..]))));
        }
        // The interpreter at n = 1e7 is skipped: too slow (see the module docs).
        if n <= INTERP_MAX {
            g.bench_with_input(BenchmarkId::new("interp", n), &n, |bch, _| {
                bch.iter(|| ki.eval_into(black_box(&inputs), (&mut out[..]).into()).expect("evaluates"))
            });
        }
        black_box(&out);
    }
    g.finish();
}

fn sig_f64(names: &[&str]) -> Signature {
    names.iter().fold(Signature::new(), |s, n| s.array(n, DType::Float64))
}

fn bench_eval(c: &mut Criterion) {
    // One thread: the comparison is against one core's hand-written loop.
    let jit = Engine::new(Config::default().backend(Backend::Jit).threads(1));
    let interp = Engine::new(Config::default().backend(Backend::Interp).threads(1));

    run_case(c, &jit, &interp, Case::<f64, f64> {
        name: "a + b*2 (f64)",
        expr: "a + b*2",
        sig: sig_f64(&["a", "b"]),
        inputs: |n| vec![floats(n, 1), floats(n, 2)],
        scalar: false,
        rust: vec![("rust", rust_axpb_f64)],
    });
    run_case(c, &jit, &interp, Case::<f32, f32> {
        name: "a + b*2 (f32)",
        expr: "a + b*2",
        sig: Signature::new().array("a", DType::Float32).array("b", DType::Float32),
        inputs: |n| vec![floats32(n, 1), floats32(n, 2)],
        scalar: false,
        rust: vec![("rust", rust_axpb_f32)],
    });
    run_case(c, &jit, &interp, Case::<f64, f64> {
        name: "2*a + 3*b - c",
        expr: "2*a + 3*b - c",
        sig: sig_f64(&["a", "b", "c"]),
        inputs: |n| vec![floats(n, 1), floats(n, 2), floats(n, 3)],
        scalar: false,
        rust: vec![("rust", rust_lincomb)],
    });
    run_case(c, &jit, &interp, Case::<f64, bool> {
        name: "a**2 + b**2 < 1",
        expr: "a**2 + b**2 < 1",
        sig: sig_f64(&["a", "b"]),
        inputs: |n| vec![floats(n, 1), floats(n, 2)],
        scalar: false,
        rust: vec![("rust", rust_disk)],
    });
    run_case(c, &jit, &interp, Case::<f64, f64> {
        name: "where(a > 0, sqrt(a), 0)",
        expr: "where(a > 0, sqrt(a), 0)",
        sig: sig_f64(&["a"]),
        inputs: |n| vec![floats(n, 1)],
        scalar: false,
        rust: vec![("rust", rust_where_sqrt)],
    });
    run_case(c, &jit, &interp, Case::<f64, f64> {
        name: "sum(a*b)",
        expr: "sum(a*b)",
        sig: sig_f64(&["a", "b"]),
        inputs: |n| vec![floats(n, 1), floats(n, 2)],
        scalar: true,
        rust: vec![("rust", rust_dot), ("rust_8acc", rust_dot_8acc)],
    });
    run_case(c, &jit, &interp, Case::<i64, i64> {
        name: "(i * 3 + j) % 7 (i64)",
        expr: "(i * 3 + j) % 7",
        sig: Signature::new().array("i", DType::Int64).array("j", DType::Int64),
        inputs: |n| vec![ints(n, 1), ints(n, 2)],
        scalar: false,
        rust: vec![("rust", rust_intmod)],
    });
    run_case(c, &jit, &interp, Case::<i32, i32> {
        name: "(i * 3 + j) % 7 (i32)",
        expr: "(i * 3 + j) % 7",
        sig: Signature::new().array("i", DType::Int32).array("j", DType::Int32),
        inputs: |n| vec![ints32(n, 1), ints32(n, 2)],
        scalar: false,
        rust: vec![("rust", rust_intmod_i32)],
    });
}

// ----------------------------------------------------------- compile ---

/// A 5-node program (2 inputs, 1 constant, 2 operations).
const SMALL: &str = "a + b*2";

/// A 50-node program: 2 inputs, 16 distinct constants, 32 operations.
fn big_program() -> String {
    // Each term `(a*k.5 - b)` adds a constant and two operations; the `+`
    // joining it to the rest adds one more.
    let mut s = String::from("sqrt(a*a + b*b)");
    for k in 0..11 {
        s.push_str(&format!(" + (a*{k}.5 - b)"));
    }
    s
}

fn bench_compile(c: &mut Criterion) {
    let engine = Engine::new(Config::default().backend(Backend::Jit));
    let sig = sig_f64(&["a", "b"]);
    let big = big_program();
    for (label, prog) in [("5-node", SMALL), ("50-node", big.as_str())] {
        let k = engine.compile_uncached(prog, &sig).expect("compiles");
        eprintln!("[compile/{label}] {} IR nodes: {prog}", k.program().nodes().len());
    }

    let mut g = c.benchmark_group("compile");
    g.warm_up_time(Duration::from_millis(1000)).measurement_time(Duration::from_secs(3)).sample_size(20);
    g.bench_function("uncached/5-node", |bch| bch.iter(|| engine.compile_uncached(black_box(SMALL), &sig).expect("compiles")));
    g.bench_function("uncached/50-node", |bch| bch.iter(|| engine.compile_uncached(black_box(&big), &sig).expect("compiles")));
    // Cache hits: the program was compiled (and cached) before the loop.
    engine.compile(SMALL, &sig).expect("compiles");
    engine.compile(&big, &sig).expect("compiles");
    g.bench_function("cache-hit/5-node", |bch| bch.iter(|| engine.compile(black_box(SMALL), &sig).expect("compiles")));
    g.bench_function("cache-hit/50-node", |bch| bch.iter(|| engine.compile(black_box(&big), &sig).expect("compiles")));
    g.finish();
}

criterion_group!(benches, bench_compile, bench_eval);
criterion_main!(benches);
