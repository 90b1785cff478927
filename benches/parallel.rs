//! Parallel execution: numjet on both cores against the machine's
//! streaming-bandwidth ceiling, fresh results against preallocated ones,
//! thread scaling, and the fixed cost of a call.
//!
//! Run: `cargo bench --bench parallel` (under 2 minutes on 2 cores;
//! `cargo bench --bench parallel -- stream` runs one group).
//!
//! Groups (criterion prints medians, and GiB/s where the bytes moved are
//! set):
//! - `stream/*` (n = 1e7, an engine with 2 threads, `eval_into` a
//!   preallocated output): `a + b*2` (f64 and f32), `2*a + 3*b - c`,
//!   `a**2 + b**2 < 1` and `sum(a*b)`, next to `triad`: the plain parallel
//!   Rust loop `c[i] = a[i] + 2.0*b[i]` over float64 on a 2-thread rayon
//!   pool, one contiguous part per thread (as numjet splits an evaluation),
//!   into a preallocated `c`. Throughput counts the bytes an expression
//!   must move: every input read once and the result written once (24
//!   bytes per element for the triad), so the GiB/s of a case over the
//!   triad's is its share of the machine's bandwidth.
//! - `fresh/*` (n = 1e7, 2 threads): `a + b*2` by `Kernel::eval` (a newly
//!   allocated result each call, freed inside the timed loop) and by
//!   `eval_into`.
//! - `threads/*` (n = 1e6): `sin(a)**2 + cos(b)**2`, compute-bound, with
//!   `Kernel::with_threads(1)` and `(2)`.
//! - `fixed/*` (n = 1000, below the serial threshold, so one thread):
//!   `a + b*2` through a held `Kernel` (`eval_into`), through a cache hit
//!   plus `eval_into`, and through a cache hit plus `eval` (a new result).
//!   The goal for a cached call is ≤ 1 µs.
//!
//! Inputs are deterministic xorshift data, floats in [0, 1). The machine is
//! shared and small: repeat runs and compare medians, not single figures.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group, criterion_main, measurement::WallTime};
use numjet::{ArrayMut, Config, DType, Engine, Input, Kernel, Signature};
use rayon::prelude::*;

const BIG: usize = 10_000_000;
const MID: usize = 1_000_000;
const SMALL: usize = 1_000;
const THREADS: usize = 2;

struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// `n` floats in [0, 1).
fn floats(n: usize, seed: u64) -> Vec<f64> {
    let mut r = XorShift::new(seed);
    (0..n).map(|_| (r.next() >> 11) as f64 / (1u64 << 53) as f64).collect()
}

fn floats32(n: usize, seed: u64) -> Vec<f32> {
    let mut r = XorShift::new(seed);
    (0..n).map(|_| (r.next() >> 40) as f32 / (1u64 << 24) as f32).collect()
}

fn sig(names: &[&str], dtype: DType) -> Signature {
    names.iter().fold(Signature::new(), |s, n| s.array(n, dtype))
}

/// The float64 triad `c = a + 2*b` on `pool`, one contiguous part per
/// thread.
fn triad(pool: &rayon::ThreadPool, a: &[f64], b: &[f64], c: &mut [f64]) {
    let per = c.len().div_ceil(pool.current_num_threads()).max(1);
    pool.install(|| {
        c.par_chunks_mut(per).zip(a.par_chunks(per)).zip(b.par_chunks(per)).for_each(|((c, a), b)| {
            for ((c, &a), &b) in c.iter_mut().zip(a).zip(b) {
                *c = a + 2.0 * b;
            }
        })
    });
}

/// Settings for evaluations of ~10-50 ms: few, flat samples.
fn slow(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sampling_mode(SamplingMode::Flat).sample_size(15).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
}

fn bench_stream(c: &mut Criterion) {
    let engine = Engine::new(Config::default().threads(THREADS));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(THREADS).build().expect("a rayon pool");
    let (a, b, cc) = (floats(BIG, 1), floats(BIG, 2), floats(BIG, 3));
    let (a32, b32) = (floats32(BIG, 1), floats32(BIG, 2));
    let mut out = vec![0.0f64; BIG];
    let mut out32 = vec![0.0f32; BIG];
    let mut outb = vec![false; BIG];
    let mut out1 = [0.0f64];

    let mut g = c.benchmark_group("stream");
    slow(&mut g);
    let bytes = |inputs: usize, size: usize, out: usize| Throughput::Bytes((inputs * BIG * size + out) as u64);

    g.throughput(bytes(2, 8, BIG * 8));
    g.bench_function("triad (rust, f64)", |bch| bch.iter(|| triad(&pool, black_box(&a), black_box(&b), black_box(&mut out))));

    let k = engine.compile("a + b*2", &sig(&["a", "b"], DType::Float64)).expect("compiles");
    let ab: Vec<Input<'_>> = vec![a[..].into(), b[..].into()];
    g.bench_function("a + b*2 (f64)", |bch| bch.iter(|| k.eval_into(black_box(&ab), ArrayMut::Float64(&mut out)).expect("evaluates")));

    g.throughput(bytes(2, 4, BIG * 4));
    let k = engine.compile("a + b*2", &sig(&["a", "b"], DType::Float32)).expect("compiles");
    let inputs: Vec<Input<'_>> = vec![a32[..].into(), b32[..].into()];
    g.bench_function("a + b*2 (f32)", |bch| bch.iter(|| k.eval_into(black_box(&inputs), ArrayMut::Float32(&mut out32)).expect("evaluates")));

    g.throughput(bytes(3, 8, BIG * 8));
    let k = engine.compile("2*a + 3*b - c", &sig(&["a", "b", "c"], DType::Float64)).expect("compiles");
    let inputs: Vec<Input<'_>> = vec![a[..].into(), b[..].into(), cc[..].into()];
    g.bench_function("2*a + 3*b - c", |bch| bch.iter(|| k.eval_into(black_box(&inputs), ArrayMut::Float64(&mut out)).expect("evaluates")));

    g.throughput(bytes(2, 8, BIG));
    let k = engine.compile("a**2 + b**2 < 1", &sig(&["a", "b"], DType::Float64)).expect("compiles");
    g.bench_function("a**2 + b**2 < 1", |bch| bch.iter(|| k.eval_into(black_box(&ab), ArrayMut::Bool(&mut outb)).expect("evaluates")));

    g.throughput(bytes(2, 8, 8));
    let k = engine.compile("sum(a*b)", &sig(&["a", "b"], DType::Float64)).expect("compiles");
    g.bench_function("sum(a*b)", |bch| bch.iter(|| k.eval_into(black_box(&ab), ArrayMut::Float64(&mut out1)).expect("evaluates")));
    g.finish();
    black_box((&out, &out32, &outb, &out1));
}

fn bench_fresh(c: &mut Criterion) {
    let engine = Engine::new(Config::default().threads(THREADS));
    let (a, b) = (floats(BIG, 1), floats(BIG, 2));
    let inputs: Vec<Input<'_>> = vec![a[..].into(), b[..].into()];
    let k = engine.compile("a + b*2", &sig(&["a", "b"], DType::Float64)).expect("compiles");
    let mut out = vec![0.0f64; BIG];

    let mut g = c.benchmark_group("fresh");
    slow(&mut g);
    g.throughput(Throughput::Bytes((3 * BIG * 8) as u64));
    g.bench_function("a + b*2 (f64)/eval_into", |bch| {
        bch.iter(|| k.eval_into(black_box(&inputs), ArrayMut::Float64(&mut out)).expect("evaluates"))
    });
    // The result is dropped (freed) inside the timed loop, as a caller
    // that evaluates afresh every time would.
    g.bench_function("a + b*2 (f64)/eval", |bch| bch.iter(|| k.eval(black_box(&inputs)).expect("evaluates")));
    g.finish();
    black_box(&out);
}

fn bench_threads(c: &mut Criterion) {
    let engine = Engine::new(Config::default().threads(THREADS));
    let (a, b) = (floats(MID, 1), floats(MID, 2));
    let inputs: Vec<Input<'_>> = vec![a[..].into(), b[..].into()];
    let k: Kernel = engine.compile("sin(a)**2 + cos(b)**2", &sig(&["a", "b"], DType::Float64)).expect("compiles");
    let mut out = vec![0.0f64; MID];

    let mut g = c.benchmark_group("threads");
    slow(&mut g);
    g.throughput(Throughput::Elements(MID as u64));
    for t in [1, THREADS] {
        let kt = k.with_threads(t);
        g.bench_function(format!("sin(a)**2 + cos(b)**2/{t}"), |bch| {
            bch.iter(|| kt.eval_into(black_box(&inputs), ArrayMut::Float64(&mut out)).expect("evaluates"))
        });
    }
    g.finish();
    black_box(&out);
}

fn bench_fixed(c: &mut Criterion) {
    let engine = Engine::new(Config::default().threads(THREADS));
    let (a, b) = (floats(SMALL, 1), floats(SMALL, 2));
    let inputs: Vec<Input<'_>> = vec![a[..].into(), b[..].into()];
    let s = sig(&["a", "b"], DType::Float64);
    let k = engine.compile("a + b*2", &s).expect("compiles");
    let mut out = vec![0.0f64; SMALL];

    let mut g = c.benchmark_group("fixed");
    g.sample_size(30).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    g.throughput(Throughput::Elements(SMALL as u64));
    g.bench_function("a + b*2 (1000)/kernel eval_into", |bch| {
        bch.iter(|| k.eval_into(black_box(&inputs), ArrayMut::Float64(&mut out)).expect("evaluates"))
    });
    g.bench_function("a + b*2 (1000)/cache hit + eval_into", |bch| {
        bch.iter(|| {
            let k = engine.compile(black_box("a + b*2"), &s).expect("compiles");
            k.eval_into(black_box(&inputs), ArrayMut::Float64(&mut out)).expect("evaluates")
        })
    });
    g.bench_function("a + b*2 (1000)/cache hit + eval", |bch| {
        bch.iter(|| engine.compile(black_box("a + b*2"), &s).expect("compiles").eval(black_box(&inputs)).expect("evaluates"))
    });
    g.finish();
    black_box(&out);
}

criterion_group!(benches, bench_stream, bench_fresh, bench_threads, bench_fixed);
criterion_main!(benches);
