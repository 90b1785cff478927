//! complex64 and complex128 through the whole engine (issue 13): NEP 50
//! promotion with weak Python complex numbers, imaginary literals,
//! `complex(re, im)`, compile-time errors for operations without a complex
//! loop, NumPy's pairwise complex sums, and which backend runs them. The
//! per-operation values are checked against NumPy by the golden fixtures
//! and the scalar functions by `complex_math.rs`.

use numjet::{Array, Backend, Complex, Config, DType, Engine, Error, Input, Scalar, Signature};

fn eval(program: &str, inputs: &[(&str, Input<'_>)]) -> Result<Array, Error> {
    numjet::evaluate(program, inputs)
}

/// One input array of `dtype` with a few values (real ones for real dtypes).
fn arr(dtype: DType) -> numjet::ArrayData {
    let mut d = numjet::ArrayData::with_capacity(dtype, 3);
    for (re, im) in [(1.0, 2.0), (-0.5, 0.0), (3.0, -4.0)] {
        let s = if dtype.is_complex() { Scalar::Complex128(Complex::new(re, im)) } else { Scalar::Float64(re.abs()) };
        d.push(s.cast(dtype));
    }
    d
}

#[test]
fn weak_complex_numbers_and_complex_dtypes_promote_as_numpy_2() {
    // (array dtype, dtype of `a + 1j`), from NumPy 2.4.
    let literal = [
        (DType::Bool, DType::Complex128),
        (DType::Int8, DType::Complex128),
        (DType::UInt8, DType::Complex128),
        (DType::Int32, DType::Complex128),
        (DType::Float16, DType::Complex64),
        (DType::Float32, DType::Complex64),
        (DType::Float64, DType::Complex128),
        (DType::Complex64, DType::Complex64),
        (DType::Complex128, DType::Complex128),
    ];
    for (d, want) in literal {
        let a = arr(d);
        for program in ["a + 1j", "2.5e-3j * a", "a - 1J", "a * (1 + 2j)"] {
            let r = eval(program, &[("a", Input::Array(a.as_ref()))]).unwrap();
            assert_eq!(r.dtype(), want, "{program} with {d}");
        }
    }
    // Weak real numbers keep a complex array's dtype.
    let c = arr(DType::Complex64);
    for program in ["c + 2.5", "c * 3", "c / 2", "c ** 2", "True + c"] {
        assert_eq!(eval(program, &[("c", Input::Array(c.as_ref()))]).unwrap().dtype(), DType::Complex64, "{program}");
    }
    // Strong operands: NumPy's result_type (the README table is checked
    // against the code in api.rs; these rows come from np.result_type).
    for (x, y, want) in [
        (DType::Float32, DType::Complex64, DType::Complex64),
        (DType::Float64, DType::Complex64, DType::Complex128),
        (DType::Int16, DType::Complex64, DType::Complex64),
        (DType::Int32, DType::Complex64, DType::Complex128),
        (DType::UInt8, DType::Complex64, DType::Complex64),
        (DType::Float16, DType::Complex64, DType::Complex64),
        (DType::Complex64, DType::Complex128, DType::Complex128),
    ] {
        assert_eq!(DType::promote(x, y), want, "{x} {y}");
        assert_eq!(DType::promote(y, x), want, "{y} {x}");
        let (a, b) = (arr(x), arr(y));
        let r = eval("a * b", &[("a", Input::Array(a.as_ref())), ("b", Input::Array(b.as_ref()))]).unwrap();
        assert_eq!(r.dtype(), want, "{x} * {y}");
    }
    // Constants only: Python's complex arithmetic, then complex128.
    let r = eval("(1+2j)*(3-1j)", &[]).unwrap();
    assert_eq!(r.to_scalar(), Some(Scalar::Complex128(Complex::new(5.0, 5.0))));
    assert_eq!(eval("abs(3+4j)", &[]).unwrap().to_scalar(), Some(Scalar::Float64(5.0)));
    assert_eq!(eval("1j == 1j", &[]).unwrap().to_scalar(), Some(Scalar::Bool(true)));
}

#[test]
fn complex_parts_casts_and_the_constructor() {
    let z = arr(DType::Complex128);
    let x = [("z", Input::Array(z.as_ref()))];
    let r = eval("z.real", &x).unwrap();
    assert_eq!((r.dtype(), r.get(2)), (DType::Float64, Some(Scalar::Float64(3.0))));
    let r = eval("imag(z)", &x).unwrap();
    assert_eq!(r.get(2), Some(Scalar::Float64(-4.0)));
    assert_eq!(eval("abs(z)", &x).unwrap().get(2), Some(Scalar::Float64(5.0)));
    assert_eq!(eval("conj(z)", &x).unwrap().get(0), Some(Scalar::Complex128(Complex::new(1.0, -2.0))));
    // NumPy's astype: the real part; bool: either part non-zero.
    assert_eq!(eval("int32(z)", &x).unwrap().get(2), Some(Scalar::Int32(3)));
    assert_eq!(eval("bool(z - 3)", &x).unwrap().get(2), Some(Scalar::Bool(true)));
    let c64 = arr(DType::Complex64);
    let r = eval("z.real", &[("z", Input::Array(c64.as_ref()))]).unwrap();
    assert_eq!(r.dtype(), DType::Float32);
    // numexpr's complex(re, im): complex128 whatever the parts' dtypes.
    let f = [1.5f32, -2.0];
    let i = [3i16, 4];
    let r = eval("complex(f, i)", &[("f", Input::from(&f)), ("i", Input::from(&i))]).unwrap();
    assert_eq!(r.dtype(), DType::Complex128);
    assert_eq!(r.get(1), Some(Scalar::Complex128(Complex::new(-2.0, 4.0))));
    let r = eval("complex64(f)", &[("f", Input::from(&f))]).unwrap();
    assert_eq!(r.get(0), Some(Scalar::Complex64(Complex::new(1.5, 0.0))));
}

#[test]
fn operations_without_a_complex_loop_are_compile_errors_with_a_caret() {
    let z = arr(DType::Complex128);
    for (program, text) in [
        ("z // 2", "is not defined for complex128"),
        ("z % z", "is not defined for complex128"),
        ("floor(z)", "is not defined for complex128"),
        ("arctan2(z, z)", "is not defined for complex128"),
        ("z & z", "is not defined for complex128"),
        ("z << 1", "is not defined for complex128"),
        ("signbit(z)", "is not defined for complex128"),
        ("clip(z, 0, 1)", "not supported by numjet yet"),
        ("1j < 2j", "not defined for complex constants"),
        ("complex(z, 1)", "takes real parts"),
    ] {
        let err = eval(program, &[("z", Input::Array(z.as_ref()))]).unwrap_err();
        let Error::Type(l) = &err else { panic!("{program}: {err:?}") };
        assert!(l.message.contains(text), "{program}: {}", l.message);
        assert!(l.span.end > l.span.start && l.span.end <= program.len(), "{program}: span {:?}", l.span);
    }
}

#[test]
fn the_jit_compiles_complex_programs() {
    let sig = Signature::new().array("z", DType::Complex128);
    let jit = Engine::new(Config::default().backend(Backend::Jit));
    for program in ["z * z + 1j", "z.real * 2", "exp(z) / z", "sum(abs(z))", "sum(z)", "z - mean(z)"] {
        assert_eq!(jit.compile(program, &sig).unwrap().backend(), Backend::Jit, "{program}");
    }
    // Not split yet: the interpreter evaluates them.
    let s0 = Signature::new().array("z", DType::Complex128).scalar("s", DType::Complex128);
    assert_eq!(jit.compile("z * s", &s0).unwrap().backend(), Backend::Jit);
    let m = Signature::new().nd("m", DType::Complex64, 2);
    assert_eq!(jit.compile("m - mean(m, axis=1)", &m).unwrap().backend(), Backend::Jit);
}

/// The test inputs of the sums below: inexact values that NumPy's complex
/// pairwise sum, a sequential sum and the real pairwise sum of each part
/// all round differently.
fn sum_input() -> Vec<Complex<f64>> {
    (0..1000u64)
        .map(|k| {
            let re = ((k * 7919) % 1000) as f64 / 997.0 * (1.0 + k as f64 * 1e-3);
            let im = ((k * 104729) % 1013) as f64 / 1009.0 * (1.0 - k as f64 * 7e-4) - 0.3;
            Complex::new(re, im)
        })
        .collect()
}

#[test]
fn sums_and_means_are_numpys_complex_pairwise_sums() {
    // Expected bits from NumPy 2.4 on the same values:
    // k = np.arange(1000); re = ((k*7919)%1000)/997.0*(1+k*1e-3);
    // im = ((k*104729)%1013)/1009.0*(1-k*7e-4) - 0.3; z = re + 1j*im;
    // np.sum(z), np.mean(z), the same on z.astype(np.complex64), and
    // np.prod(z[:40]*0.9). A sequential sum gives ...d6dp+9 / ...cf2p+4,
    // the real pairwise sums of the parts ...d66p+9 / ...cf4p+4.
    let hex = |s: &str| {
        let (neg, s) = s.strip_prefix('-').map_or((false, s), |t| (true, t));
        let (m, e) = s.trim_start_matches("0x1.").split_once('p').unwrap();
        let v = (1.0 + u64::from_str_radix(m, 16).unwrap() as f64 / 16f64.powi(m.len() as i32)) * 2f64.powi(e.parse().unwrap());
        if neg { -v } else { v }
    };
    let z = sum_input();
    let x = [("z", Input::from(&z))];
    let c = |re: &str, im: &str| Scalar::Complex128(Complex::new(hex(re), hex(im)));
    assert_eq!(eval("sum(z)", &x).unwrap().to_scalar(), Some(c("0x1.779c2e37f9d67p+9", "0x1.937aa6905bcf6p+4")));
    assert_eq!(eval("mean(z)", &x).unwrap().to_scalar(), Some(c("0x1.809fedcaba33bp-1", "0x1.9d29a05249889p-6")));
    let w: Vec<Complex<f64>> = z[..40].iter().map(|v| Complex::new(v.re * 0.9, v.im * 0.9)).collect();
    assert_eq!(
        eval("prod(w)", &[("w", Input::from(&w))]).unwrap().to_scalar(),
        Some(c("-0x1.3dfe17a768905p-45", "0x1.f7f842a73c5d8p-44")),
        "NumPy's product: its complex multiply loop, left to right"
    );
    let z64: Vec<Complex<f32>> = z.iter().map(|v| Complex::new(v.re as f32, v.im as f32)).collect();
    let x = [("z", Input::from(&z64))];
    let c32 = |re: &str, im: &str| Scalar::Complex64(Complex::new(hex(re) as f32, hex(im) as f32));
    assert_eq!(eval("sum(z)", &x).unwrap().to_scalar(), Some(c32("0x1.779c2e0000000p+9", "0x1.937aa80000000p+4")));
    assert_eq!(eval("mean(z)", &x).unwrap().to_scalar(), Some(c32("0x1.809fee0000000p-1", "0x1.9d29a20000000p-6")));
    // NumPy divides the sum by `n + 0j` with its scalar complex division
    // (Smith's): an infinite part makes the other part NaN.
    let inf = [Complex::new(f64::INFINITY, 1.0), Complex::new(1.0, 1.0)];
    let Some(Scalar::Complex128(m)) = eval("mean(z)", &[("z", Input::from(&inf))]).unwrap().to_scalar() else { panic!() };
    assert!(m.re == f64::INFINITY && m.im.is_nan(), "{m:?}");
    // Empty: 0 and NaN + NaN i; any/all.
    let none: Vec<Complex<f64>> = vec![];
    let e = [("z", Input::from(&none))];
    assert_eq!(eval("sum(z)", &e).unwrap().to_scalar(), Some(Scalar::Complex128(Complex::new(0.0, 0.0))));
    let Some(Scalar::Complex128(m)) = eval("mean(z)", &e).unwrap().to_scalar() else { panic!("mean of complex is complex") };
    assert!(m.re.is_nan() && m.im.is_nan());
    let y = [Complex::new(0.0, 0.0), Complex::new(0.0, -0.0), Complex::new(0.0, 1e-300)];
    assert_eq!(eval("any(y)", &[("y", Input::from(&y))]).unwrap().to_scalar(), Some(Scalar::Bool(true)));
    assert_eq!(eval("all(y)", &[("y", Input::from(&y))]).unwrap().to_scalar(), Some(Scalar::Bool(false)));
}

#[test]
fn complex_values_print_as_python_and_numpy() {
    let s = |re: f64, im: f64| Scalar::Complex128(Complex::new(re, im)).to_string();
    // Python's repr of each value.
    assert_eq!(s(0.0, 1.0), "1j");
    assert_eq!(s(1.0, 2.0), "(1+2j)");
    assert_eq!(s(-0.0, -1.0), "(-0-1j)");
    assert_eq!(s(f64::NAN, f64::NAN), "(nan+nanj)");
    assert_eq!(s(f64::INFINITY, f64::NEG_INFINITY), "(inf-infj)");
    assert_eq!(s(1e20, 0.0), "(1e+20+0j)");
    assert_eq!(s(0.1, -2.5e-7), "(0.1-2.5e-07j)");
    assert_eq!(s(0.0, -0.0), "-0j");
    assert_eq!(s(2.0, -f64::NAN), "(2+nanj)");
    assert_eq!(Scalar::Complex64(Complex::new(0.1, 0.2)).to_string(), "(0.1+0.2j)");
    // NumPy's array repr, without its padding in 1-D.
    let a = Array::from_vec(vec![Complex::new(1.0, 2.0), Complex::new(-0.0, -0.5), Complex::new(f64::NAN, f64::NEG_INFINITY)]);
    assert_eq!(a.to_string(), "array([1.+2.j, -0.-0.5j, nan-infj])");
    let b = Array::from_vec(vec![Complex::new(1.0f32, 0.0)]);
    assert_eq!(b.to_string(), "array([1.+0.j], dtype=complex64)");
}

#[test]
fn complex_arithmetic_abs_and_conj_vectorise() {
    // The JIT's vector loop: complex inputs' parts loaded two vectors at
    // a time, a complex result's parts interleaved into its elements.
    for d in [DType::Complex128, DType::Complex64] {
        let sig = Signature::new().array("z", d).array("w", d);
        let jit = Engine::new(Config::default().backend(Backend::Jit));
        for program in ["z * w + z", "conj(z) - w", "abs(z) ** 2", "z.real + z.imag", "z * 2 + 1j", "angle(z)"] {
            let k = jit.compile(program, &sig).unwrap();
            let v = k.jit().expect("a JIT kernel").vectorised();
            assert!(v.iter().all(|&x| x), "{program} on {d}: stages vectorised {v:?}");
        }
    }
}
