//! Evaluation speed, elements per second, for the benchmark
//! expressions. Today only the reference interpreter exists; the JIT and the
//! hand-written Rust ceiling join this file when the compiler lands.
//!
//! Run: `cargo bench --bench eval` (criterion prints medians).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use numjet::{Backend, Config, DType, Engine, Input, Signature};

fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}

fn bench_interp(c: &mut Criterion) {
    let engine = Engine::new(Config::default().backend(Backend::Interp));
    let sig = Signature::new().array("a", DType::Float64).array("b", DType::Float64).array("c", DType::Float64);
    let mut g = c.benchmark_group("interp");
    for &n in &[1_000usize, 100_000] {
        let (a, b, cc) = (data(n, 1), data(n, 2), data(n, 3));
        for expr in ["a + b*2", "2*a + 3*b - c", "a**2 + b**2 < 1", "where(a > 0, sqrt(a), 0)", "sum(a*b)"] {
            let k = engine.compile(expr, &sig).expect("compiles");
            let inputs: [Input; 3] = [(&a).into(), (&b).into(), (&cc).into()];
            g.throughput(Throughput::Elements(n as u64));
            g.bench_with_input(BenchmarkId::new(expr, n), &n, |bch, _| bch.iter(|| k.eval(&inputs).expect("evaluates")));
        }
    }
    g.finish();
}

fn bench_compile(c: &mut Criterion) {
    let engine = Engine::default();
    let sig = Signature::new().array("a", DType::Float64).array("b", DType::Float64);
    let big: String = (0..25).map(|i| format!("a*{i}.5")).collect::<Vec<_>>().join(" + ");
    c.bench_function("compile/5-node", |bch| bch.iter(|| engine.compile("a + b*2 - sin(a)", &sig).expect("compiles")));
    c.bench_function("compile/50-node", |bch| bch.iter(|| engine.compile(&big, &sig).expect("compiles")));
}

criterion_group!(benches, bench_interp, bench_compile);
criterion_main!(benches);
