//! Python numbers as run-time parameters (`Engine::compile_with_params`,
//! what the Python module uses so that `a * alpha` compiles once for every
//! `alpha`) against the same numbers compiled in as values
//! (`Engine::compile_with_numbers`, the reference: NEP 50 folding).
//!
//! For every program, array dtype and number: when the parameter kernel
//! exists it must give the value kernel's dtype, shape and values (every
//! bit, except which NaN: folding at compile time and computing at run time
//! may meet NaNs in another order), or its error; and the parameter kernel
//! must give the same bits on the JIT and the interpreter (NaN payloads
//! aside, the project's JIT contract, see `src/jit/mod.rs`).
//! When the value kernel is an error at compile time, the parameter
//! lowering must not produce a kernel that runs.

mod common;

use numjet::{Array, Backend, Config, DType, Engine, Error, Input, Scalar, Signature, View};

const PROGRAMS: &[&str] = &[
    "a * x",
    "x * a + 1",
    "a + x * 2.5",
    "(x + 1.5) * a",
    "a * (x - 0.25) * (3 - x)",
    "-x + a",
    "a - x",
    "a / x",
    "x / a",
    "a // x",
    "a % x",
    "a ** x",
    "x ** a",
    "power(a, x)",
    "a ** 2 * x",
    "where(a > x, a, x)",
    "where(x, a, 0)",
    "a < x",
    "x == a",
    "a >= x",
    "maximum(a, x)",
    "clip(a, x, 10)",
    "sin(x) + a",
    "sqrt(abs(x)) * a",
    "float32(x) + a",
    "int64(x) + a",
    "x * x + a",
    "a * (x / 2)",
    "a * (1 / x)",
    "a * (x // 2)",
    "a * (x % 3)",
    "a * (x ** 2)",
    "a * -x",
    "a * (x * x - 1)",
    "a * (k * 2)",
    "a * -k",
    "a * (k - x)",
    "t = a * x; t + x",
    "sum(a * x)",
    "max(a, axis=0) * x",
    "mean(a) + x",
    "x if a > 0 else -x",
    "a + k",
    "k * a - 1",
    "a * (k + 1)",
    "a > k",
    "k == a",
    "a // k",
    "a % k",
    "a & k",
    "a << k",
    "a ** k",
    "int32(k) + a",
    "float32(k) * a",
    "where(a > 0, k, a)",
    "x * k + a",
    "a * (x - k)",
    "sum(a, axis=k)",
    "x",
    "x * 2",
    "k + 1",
    "a ** square(k)",
    "a ** float64(x)",
    "a ** (k * 1.0)",
    "where(k, a, x)",
];

fn floats() -> Vec<f64> {
    vec![0.0, -0.0, 1.5, -2.75, 0.5, 2.0, 1.0, -1.0, 3.0, 1e300, -1e-310, 16777217.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 0.1]
}

fn ints() -> Vec<i64> {
    // (2^53 + 2^29 + 1) rounds to float32 differently directly and
    // through float64, as NumPy converts a Python int.
    vec![0, 1, -1, 2, 7, -3, 1 << 31, -(1 << 31) - 1, (1 << 53) + 1, (1 << 53) + (1 << 29) + 1, i64::MAX, i64::MIN]
}

/// A 2-D array of `dtype` with edge values.
fn array(dtype: DType) -> Array {
    let v: Vec<f64> = vec![0.0, -0.0, 1.0, -1.0, 2.5, -7.0, 100.0, 3.0, f64::NAN, f64::INFINITY, 0.5, 65537.0];
    let data: numjet::ArrayData = match dtype {
        DType::Bool => v.iter().map(|x| *x != 0.0).collect::<Vec<bool>>().into(),
        DType::Int32 => v.iter().map(|x| if x.is_finite() { *x as i32 } else { i32::MAX }).collect::<Vec<i32>>().into(),
        DType::Int64 => v.iter().map(|x| if x.is_finite() { *x as i64 } else { i64::MIN }).collect::<Vec<i64>>().into(),
        DType::Float32 => v.iter().map(|x| *x as f32).collect::<Vec<f32>>().into(),
        DType::Float64 => v.clone().into(),
        d => {
            let mut out = numjet::ArrayData::with_capacity(d, v.len());
            v.iter().for_each(|&x| out.push(Scalar::Float64(if x.is_finite() { x } else { 0.0 }).cast(d)));
            out
        }
    };
    Array::new(data, vec![3, 4]).unwrap()
}

/// dtype, shape and bits of a result (every NaN as one canonical NaN), or
/// the error's text.
fn canonical(r: Result<Array, Error>) -> Result<(DType, Vec<usize>, Vec<u64>), String> {
    r.map(|a| {
        let bits = (0..a.len())
            .map(|i| match a.get(i).unwrap() {
                numjet::Scalar::Float64(v) if v.is_nan() => f64::NAN.to_bits(),
                numjet::Scalar::Float32(v) if v.is_nan() => f32::NAN.to_bits() as u64,
                s => common::scalar_bits(s),
            })
            .collect();
        (a.dtype(), a.shape().to_vec(), bits)
    })
    .map_err(|e| e.to_string())
}

#[test]
fn parameters_give_the_values_bits() {
    let (mut checked, mut needed) = (0usize, 0usize);
    let interp = Engine::new(Config::default().backend(Backend::Interp).cache_capacity(0));
    for backend in [Backend::Jit, Backend::Interp] {
        let engine = Engine::new(Config::default().backend(backend).cache_capacity(0));
        for dtype in DType::ALL {
            let a = array(dtype);
            let view: View = a.view();
            for &program in PROGRAMS {
                let uses_k = program.contains('k');
                let cases: Vec<(&str, Scalar)> = if uses_k {
                    ints().into_iter().map(|k| ("k", Scalar::Int64(k))).collect()
                } else {
                    floats().into_iter().map(|x| ("x", Scalar::Float64(x))).collect()
                };
                for (name, number) in cases {
                    let mixed = program.contains('x') && uses_k;
                    let mut numbers = vec![(name, number)];
                    if mixed {
                        numbers.push(("x", Scalar::Float64(-1.25)));
                    }
                    // The reference: the numbers compiled in.
                    let value_sig = Signature::new().nd("a", dtype, 2);
                    let by_value = engine.compile_with_numbers(program, &value_sig, &numbers);
                    // The parameters: 0-d float64/int64 inputs typed weak.
                    let mut sig = Signature::new().nd("a", dtype, 2);
                    let mut inputs: Vec<Input> = vec![Input::View(view)];
                    for (n, s) in &numbers {
                        sig = sig.scalar(n, s.dtype());
                        inputs.push(Input::Scalar(*s));
                    }
                    let names: Vec<&str> = numbers.iter().map(|(n, _)| *n).collect();
                    let by_param = engine.compile_with_params(program, &sig, &names);
                    let what = format!("{program} with a: {dtype}, {numbers:?}, {backend:?}");
                    match (by_value, by_param) {
                        (_, Ok(None)) => needed += 1,
                        (Ok(kv), Ok(Some(kp))) => {
                            let want = canonical(kv.eval(&[Input::View(view)]));
                            let got = canonical(kp.eval(&inputs));
                            assert_eq!(got, want, "{what}");
                            // The parameter kernel on the other backend.
                            if backend == Backend::Jit {
                                let ki = interp.compile_with_params(program, &sig, &names).unwrap().expect("the interpreter lowers alike");
                                assert_eq!(canonical(kp.eval(&inputs)), canonical(ki.eval(&inputs)), "{what}: JIT against interpreter");
                            }
                            checked += 1;
                        }
                        (Err(ev), Ok(Some(_))) => panic!("{what}: compiled with parameters, but with values it is {ev}"),
                        (Ok(_), Err(ep)) => panic!("{what}: compiles with values, with parameters it is {ep}"),
                        (Err(ev), Err(ep)) => assert_eq!(std::mem::discriminant(&ev), std::mem::discriminant(&ep), "{what}: {ev} / {ep}"),
                    }
                }
            }
        }
    }
    println!("{checked} (program, dtype, number, backend) cases compared bit for bit; {needed} need their values at compile time");
    // Most programs take the fast path; a change that sent everything to
    // the values path would pass the comparisons and fail here.
    assert!(checked > needed, "{checked} compared, {needed} needed values");
}

#[test]
fn a_parameter_kernel_serves_every_value() {
    let engine = Engine::default();
    let sig = Signature::new().array("a", DType::Float32).scalar("x", DType::Float64);
    let k1 = engine.compile_with_params("a * x + 1", &sig, &["x"]).unwrap().unwrap();
    assert_eq!(k1.dtype(), DType::Float32, "a Python float next to float32 stays float32");
    let a = [1.0f32, 2.0, 3.0];
    for x in [0.5, -2.0, 1e40] {
        let r = k1.eval(&[(&a).into(), Input::Scalar(Scalar::Float64(x))]).unwrap();
        let want: Vec<f32> = a.iter().map(|v| v * (x as f32) + 1.0).collect();
        assert_eq!(r.as_f32().unwrap(), &want[..]);
    }
    assert_eq!(engine.cached(), 1);
    // What needs values says so, and is remembered without a kernel.
    assert!(engine.compile_with_params("a ** x", &sig, &["x"]).unwrap().is_none());
    assert!(engine.compile_with_params("a ** x", &sig, &["x"]).unwrap().is_none());
    assert_eq!(engine.cached(), 1);
    // Only 0-d float64 and int64 inputs can be parameters.
    let bad = Signature::new().array("a", DType::Float32);
    assert!(matches!(engine.compile_with_params("a * 2", &bad, &["a"]), Err(Error::Input(_))));
    assert!(matches!(engine.compile_with_params("a * 2", &sig, &["nope"]), Err(Error::Input(_))));
}
