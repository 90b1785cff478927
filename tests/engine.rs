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

#[test]
fn one_expression_of_a_parsed_program_compiles_on_its_own() {
    // The REPL's path: a line parsed once, each statement compiled from the
    // tree, earlier Python numbers of the line bound as weak numbers.
    let text = "x = 3; y = f * x + g";
    let ast = numjet::syntax::parse(text).unwrap();
    let root = numjet::syntax::Ast::stmt_value(&ast.stmts[1]);
    let f = [1.5f32, 2.0];
    let sig = Signature::new().array("f", DType::Float32);
    let numbers = [("x", numjet::Scalar::Int64(3)), ("g", numjet::Scalar::Float64(0.25))];
    let engine = Engine::default();
    let k = engine.compile_expr(&ast, root, text, &sig, &numbers).unwrap();
    // Weak: float32, as `f * 3 + 0.25` would be.
    assert_eq!(k.dtype(), DType::Float32);
    assert!(!k.program().weak_result());
    assert_eq!(k.eval(&[(&f).into()]).unwrap().as_f32().unwrap(), &[4.75, 6.25]);
    // The same expression with the same numbers is a cache hit; other
    // numbers are another kernel.
    let cached = engine.cached();
    engine.compile_expr(&ast, root, text, &sig, &numbers).unwrap();
    assert_eq!(engine.cached(), cached);
    engine.compile_expr(&ast, root, text, &sig, &[("x", numjet::Scalar::Int64(4)), numbers[1]]).unwrap();
    assert_eq!(engine.cached(), cached + 1);
    // A statement that is a Python number says so.
    let first = numjet::syntax::Ast::stmt_value(&ast.stmts[0]);
    assert!(engine.compile_expr(&ast, first, text, &Signature::new(), &[]).unwrap().program().weak_result());
    // Errors point into the whole text: `f` unbound.
    let err = engine.compile_expr(&ast, root, text, &Signature::new(), &numbers).unwrap_err();
    assert!(matches!(err, Error::UnknownName(_)), "{err:?}");
    assert_eq!(err.span().map(|s| &text[s.range()]), Some("f"));
    // A number that is not a Python number's value, or an expression past
    // the tree, is an input error.
    let bad = [("x", numjet::Scalar::Int32(3))];
    assert!(matches!(engine.compile_expr(&ast, root, text, &sig, &bad), Err(Error::Input(_))));
    let past = numjet::syntax::ast::ExprId(ast.exprs.len() as u32);
    assert!(matches!(engine.compile_expr(&ast, past, text, &sig, &[]), Err(Error::Input(_))));
}

#[test]
fn a_signature_past_the_dimension_limit_is_an_input_error() {
    let sig = Signature::new().nd("a", DType::Float64, 33);
    let err = Engine::default().compile("a + 1", &sig).unwrap_err();
    assert!(matches!(&err, Error::Input(m) if m.contains("33 dimensions")), "{err:?}");
    assert!(Engine::default().compile("a + 1", &Signature::new().nd("a", DType::Float64, 32)).is_ok());
}
