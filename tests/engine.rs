//! The engine around the backends: the kernel cache and threaded execution.

use numjet::{ArrayMut, Backend, Config, DType, Engine, Error, Input, Signature};

fn sig3(d: DType) -> Signature {
    Signature::new().array("a", d).array("b", d).array("c", d)
}

fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            match i % 17 {
                0 => f64::NAN,
                1 => -0.0,
                2 => f64::INFINITY,
                _ => (x >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0,
            }
        })
        .collect()
}

#[test]
fn repeated_compiles_hit_the_cache_and_it_stays_bounded() {
    let engine = Engine::new(Config::default().cache_capacity(2));
    let s = sig3(DType::Float64);
    engine.compile("a + b", &s).unwrap();
    engine.compile("a + b", &s).unwrap();
    assert_eq!(engine.cached(), 1);
    // A different signature is a different kernel.
    engine.compile("a + b", &sig3(DType::Float32)).unwrap();
    assert_eq!(engine.cached(), 2);
    engine.compile("a * b", &s).unwrap();
    assert_eq!(engine.cached(), 2, "the cache is bounded");
    let off = Engine::new(Config::default().cache_capacity(0));
    off.compile("a + b", &s).unwrap();
    assert_eq!(off.cached(), 0);
    // Errors are not cached.
    assert!(engine.compile("a +", &s).is_err());
    assert_eq!(engine.cached(), 2);
}

/// Results are identical whatever the thread count; tiny `serial_below`
/// forces the parallel path on small arrays.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let one = Engine::new(Config::default().threads(1));
    let many = Engine::new(Config::default().threads(3).serial_below(1));
    let interp = Engine::new(Config::default().backend(Backend::Interp));
    let s = sig3(DType::Float64);
    for n in [0usize, 1, 2, 3, 5, 64, 1001, 40_000] {
        let (a, b, c) = (data(n, 1), data(n, 2), data(n, 3));
        let inputs: [Input; 3] = [(&a).into(), (&b).into(), (&c).into()];
        for expr in ["a + b*2", "where(a > 0, sqrt(a), c)", "a - mean(b)", "sin(a)**2 + cos(b)**2", "a < b", "int64(a * 100) // 7"] {
            let r1 = one.compile(expr, &s).unwrap().eval(&inputs).unwrap();
            let rm = many.compile(expr, &s).unwrap().eval(&inputs).unwrap();
            let ri = interp.compile(expr, &s).unwrap().eval(&inputs).unwrap();
            let bits = |r: &numjet::Array| format!("{:?}", (0..r.len()).map(|i| format!("{:?}", r.get(i).unwrap())).collect::<Vec<_>>());
            assert_eq!(bits(&r1), bits(&rm), "{expr} n={n}");
            assert_eq!(bits(&r1), bits(&ri), "{expr} n={n} (interpreter)");
            // eval_into and a per-call thread limit agree too.
            let k = many.compile(expr, &s).unwrap();
            if k.program().shape() == numjet::Shape::Array && k.dtype() == DType::Float64 {
                let mut out = vec![0.0f64; n];
                k.with_threads(2).eval_into(&inputs, ArrayMut::from(&mut out[..])).unwrap();
                assert_eq!(bits(&numjet::Array::from_vec(out)), bits(&r1), "{expr} n={n} eval_into");
            }
        }
    }
}

#[test]
fn parallel_runtime_errors_match_the_interpreter() {
    let many = Engine::new(Config::default().threads(2).serial_below(1));
    let interp = Engine::new(Config::default().backend(Backend::Interp));
    let s = Signature::new().array("a", DType::Int64).array("b", DType::Int64);
    let a: Vec<i64> = (0..1000).collect();
    let mut b: Vec<i64> = vec![2; 1000];
    b[900] = -1;
    let inputs: [Input; 2] = [(&a).into(), (&b).into()];
    let e1 = many.compile("a ** b", &s).unwrap().eval(&inputs).unwrap_err();
    let e2 = interp.compile("a ** b", &s).unwrap().eval(&inputs).unwrap_err();
    assert!(matches!(e1, Error::Runtime(_)));
    assert_eq!(e1, e2);
}

#[test]
fn many_threads_share_one_engine_and_its_cache() {
    let engine = Engine::new(Config::default().threads(2).serial_below(1));
    let s = sig3(DType::Float64);
    let (a, b, c) = (data(5000, 4), data(5000, 5), data(5000, 6));
    let want = engine.compile("a * b - c", &s).unwrap().eval(&[(&a).into(), (&b).into(), (&c).into()]).unwrap();
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (engine, s, a, b, c, want) = (&engine, &s, &a, &b, &c, &want);
            scope.spawn(move || {
                for i in 0..20 {
                    let expr = if (t + i) % 2 == 0 { "a * b - c" } else { "a * b - c + 0" };
                    let r = engine.compile(expr, s).unwrap().eval(&[a.into(), b.into(), c.into()]).unwrap();
                    let same = (0..r.len()).all(|k| {
                        let (x, y) = (r.get(k).unwrap().to_f64(), want.get(k).unwrap().to_f64());
                        x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()) || x == y
                    });
                    assert!(same, "thread {t} iteration {i}");
                }
            });
        }
    });
    assert_eq!(engine.cached(), 2);
}
