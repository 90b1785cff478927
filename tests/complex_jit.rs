//! The JIT against the interpreter on complex programs (`ir::split`):
//! hand-picked programs and seeded random ones, over complex64 and
//! complex128 values with special values in both parts, at lengths around
//! the block sizes, on one and two threads, with strided inputs. Results
//! must be the same bits (a NaN matches any NaN, as everywhere in numjet's
//! differential tests).

use numjet::{Array, ArrayData, Backend, Complex, Config, DType, Engine, Input, Scalar, Signature, View};

/// Special values for each part.
const PARTS: &[f64] =
    &[0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e-300, -5e-324, 1e308, -1e308, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 0.1, 7.0];

/// `n` complex values of `d`: every pair of [`PARTS`], then a seeded mix.
fn complex_data(d: DType, n: usize, seed: u64) -> ArrayData {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut out = ArrayData::with_capacity(d, n);
    for i in 0..n {
        let (re, im) = if i < PARTS.len() * PARTS.len() {
            (PARTS[i / PARTS.len()], PARTS[i % PARTS.len()])
        } else {
            let r = next();
            let pick = |k: u64| if k.is_multiple_of(4) { PARTS[(k / 4) as usize % PARTS.len()] } else { (k % 2001) as f64 / 100.0 - 10.0 };
            (pick(r), pick(r >> 20))
        };
        out.push(Scalar::Complex128(Complex::new(re, im)).cast(d));
    }
    out
}

fn real_data(d: DType, n: usize) -> ArrayData {
    let mut out = ArrayData::with_capacity(d, n);
    for i in 0..n {
        out.push(Scalar::Float64(PARTS[(i * 7 + 3) % PARTS.len()]).cast(d));
    }
    out
}

fn same(a: Scalar, b: Scalar) -> bool {
    let bits = |x: f64| if x.is_nan() { u64::MAX } else { x.to_bits() };
    match (a, b) {
        (Scalar::Complex128(x), Scalar::Complex128(y)) => bits(x.re) == bits(y.re) && bits(x.im) == bits(y.im),
        (Scalar::Complex64(x), Scalar::Complex64(y)) => bits(x.re as f64) == bits(y.re as f64) && bits(x.im as f64) == bits(y.im as f64),
        (Scalar::Float64(x), Scalar::Float64(y)) => bits(x) == bits(y),
        (Scalar::Float32(x), Scalar::Float32(y)) => bits(x as f64) == bits(y as f64),
        _ => a == b,
    }
}

/// Compares the JIT with the interpreter on `program`; returns whether
/// the JIT compiled it (rather than falling back to the interpreter).
fn check(program: &str, names: &[&str], inputs: &[Input<'_>], threads: usize) -> bool {
    let mut sig = Signature::new();
    for (n, x) in names.iter().zip(inputs) {
        sig = sig.input(n, x);
    }
    let jit = Engine::new(Config::default().backend(Backend::Jit).threads(threads).chunk(512).serial_below(0).cache_capacity(0));
    let interp = Engine::new(Config::default().backend(Backend::Interp).cache_capacity(0));
    let (kj, ki) = match (jit.compile(program, &sig), interp.compile(program, &sig)) {
        (Ok(j), Ok(i)) => (j, i),
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{program}");
            return false;
        }
        (j, i) => panic!("{program}: the JIT compiles {:?}, the interpreter {:?}", j.map(|_| ()), i.map(|_| ())),
    };
    let (rj, ri) = (kj.eval(inputs), ki.eval(inputs));
    let (rj, ri): (Array, Array) = match (rj, ri) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{program}");
            return kj.backend() == Backend::Jit;
        }
        (a, b) => panic!("{program}: the JIT gives {a:?}, the interpreter {b:?}"),
    };
    assert_eq!(rj.dtype(), ri.dtype(), "{program}");
    assert_eq!(rj.shape(), ri.shape(), "{program}");
    for k in 0..rj.len() {
        let (a, b) = (rj.get(k).unwrap(), ri.get(k).unwrap());
        assert!(same(a, b), "{program} [{k}] on {threads} thread(s): JIT {a:?}, interpreter {b:?}");
    }
    kj.backend() == Backend::Jit
}

const PROGRAMS: &[&str] = &[
    "z",
    "z + w",
    "z - w * 2",
    "z * w",
    "z * w + z",
    "z / w",
    "w / z",
    "z * z",
    "square(z)",
    "z ** 2",
    "z ** -1",
    "z ** 0.5",
    "z ** 0",
    "z ** 3",
    "z ** w",
    "-z",
    "+z",
    "conj(z)",
    "z.real",
    "z.imag * 2",
    "real(z) + imag(w)",
    "abs(z)",
    "abs(z) ** 2",
    "angle(z)",
    "z == w",
    "z != w",
    "z < w",
    "z <= w",
    "z > w",
    "z >= w",
    "isnan(z) | isinf(w)",
    "isfinite(z)",
    "where(z.real > 0, z, w)",
    "where(z == w, 1j, z)",
    "z if a > 0 else w",
    "z + a",
    "a * z",
    "a / z",
    "z - 1j",
    "1j * a",
    "exp(1j * a)",
    "z * (0.5 - 1.5j)",
    "z + 1e300j",
    "complex(a, a * 2)",
    "complex(a, 1.5) * z",
    "float64(z) + 1",
    "int32(z)",
    "bool(z)",
    "complex64(z) * 2",
    "complex128(a)",
    "sqrt(z)",
    "exp(z) - 1",
    "exp2(z)",
    "expm1(z)",
    "log(z)",
    "log2(z) + log10(w)",
    "log1p(z)",
    "sin(z) * cos(w)",
    "tan(z)",
    "arcsin(z)",
    "arccos(z)",
    "arctan(z)",
    "sinh(z)",
    "cosh(z)",
    "tanh(z)",
    "arcsinh(z)",
    "arccosh(z)",
    "arctanh(z)",
    "t = z * w; t + conj(t)",
    "sum(abs(z))",
    "mean(z.real * w.imag)",
    "any(z == w)",
    "all(isfinite(z))",
    "ones_like(z)",
    "copy(z) - z",
    "sqrt(abs(z)) + sin(a)",
    "sum(z)",
    "prod(z * 0.5)",
    "mean(z) + z",
    "z - mean(z * w)",
    "sum(z * 1j) * w",
    "any(z)",
    "all(w)",
    "mean(exp(z))",
    "maximum(z, w)",
    "fmin(z, w) + 1",
    "max(z)",
    "min(w * 2) - z",
];

#[test]
fn complex_programs_agree_with_the_interpreter() {
    let mut jitted = 0;
    for (zd, wd, ad) in [
        (DType::Complex128, DType::Complex128, DType::Float64),
        (DType::Complex64, DType::Complex64, DType::Float32),
        (DType::Complex64, DType::Complex128, DType::Int32),
    ] {
        for n in [0usize, 1, 7, 256, 513, 1100] {
            let (z, w, a) = (complex_data(zd, n, 1), complex_data(wd, n, 2), real_data(ad, n));
            let inputs = [Input::Array(z.as_ref()), Input::Array(w.as_ref()), Input::Array(a.as_ref())];
            for p in PROGRAMS {
                for threads in [1, 2] {
                    if check(p, &["z", "w", "a"], &inputs, threads) {
                        jitted += 1;
                    }
                }
            }
        }
    }
    let total = 3 * 6 * PROGRAMS.len() * 2;
    eprintln!("complex programs: {jitted} of {total} evaluations compiled by the JIT");
    // Every program here splits (no complex reductions or 0-d inputs).
    assert_eq!(jitted, total, "some programs fell back to the interpreter");
}

#[test]
fn strided_and_broadcast_complex_inputs() {
    let z = complex_data(DType::Complex128, 300, 3);
    let w = complex_data(DType::Complex64, 20, 4);
    let shape = [10usize, 15];
    let strides = [-30isize, 2];
    // Every other element, rows walked backwards.
    let zv = View::strided(z.as_ref(), &shape, &strides, 270).unwrap();
    let wshape = [1usize, 15];
    let wv = View::new(w.as_ref().slice(0, 15).unwrap(), &wshape).unwrap();
    for p in ["z * w + 1j", "abs(z - w)", "exp(z) + w", "z < w", "sum(abs(z), axis=0)", "conj(z) * z"] {
        for threads in [1, 2] {
            assert!(check(p, &["z", "w"], &[Input::View(zv), Input::View(wv)], threads), "{p} was not compiled");
        }
    }
}

#[test]
fn zero_d_complex_inputs_compile() {
    let z = complex_data(DType::Complex128, 40, 5);
    let s = Scalar::Complex128(Complex::new(1.5, -2.0));
    let inputs = [Input::Array(z.as_ref()), Input::Scalar(s)];
    // 0-d complex inputs are compiled (a complex128 takes two slots).
    for p in ["z * s", "s + 1", "exp(s) * z", "z - s.imag", "where(z == s, s, z)"] {
        for threads in [1, 2] {
            assert!(check(p, &["z", "s"], &inputs, threads), "{p} was not compiled");
        }
        let s64 = Scalar::Complex64(Complex::new(1.5, -2.0));
        let z64 = complex_data(DType::Complex64, 40, 5);
        assert!(check(p, &["z", "s"], &[Input::Array(z64.as_ref()), Input::Scalar(s64)], 1), "{p} was not compiled");
    }
}

/// A seeded random program of depth `depth` over `z`, `w` (complex) and
/// `a` (real).
fn random_program(s: &mut u64, depth: u32) -> String {
    let mut next = || {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    };
    let r = next();
    if depth == 0 || r % 5 == 0 {
        return ["z", "w", "a", "1j", "(2-0.5j)", "3", "0.5", "-1e300j"][(r >> 8) as usize % 8].to_string();
    }
    let unary = [
        "-({})",
        "conj({})",
        "sqrt({})",
        "exp({})",
        "log({})",
        "sin({})",
        "tanh({})",
        "abs({})",
        "({}).real",
        "({}).imag",
        "({}) ** 2",
        "({}) ** -1",
        "complex128({})",
        "arctan({})",
    ];
    let binary = ["({}) + ({})", "({}) - ({})", "({}) * ({})", "({}) / ({})", "where(({}) == ({}), z, w)", "where(({}) < ({}), 1j, a)"];
    let x = random_program(s, depth - 1);
    let r = {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    };
    if r % 2 == 0 {
        unary[(r >> 8) as usize % unary.len()].replace("{}", &x)
    } else {
        let y = random_program(s, depth - 1);
        let f = binary[(r >> 8) as usize % binary.len()];
        f.replacen("{}", &x, 1).replacen("{}", &y, 1)
    }
}

#[test]
fn random_complex_programs_agree_with_the_interpreter() {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let n = 300;
    let (z, w) = (complex_data(DType::Complex128, n, 6), complex_data(DType::Complex128, n, 7));
    let (z64, w64) = (complex_data(DType::Complex64, n, 6), complex_data(DType::Complex64, n, 7));
    let (a, a32) = (real_data(DType::Float64, n), real_data(DType::Float32, n));
    let mut jitted = 0;
    for k in 0..200 {
        let p = random_program(&mut s, 4);
        let inputs = if k % 2 == 0 {
            [Input::Array(z.as_ref()), Input::Array(w.as_ref()), Input::Array(a.as_ref())]
        } else {
            [Input::Array(z64.as_ref()), Input::Array(w64.as_ref()), Input::Array(a32.as_ref())]
        };
        if check(&p, &["z", "w", "a"], &inputs, 1 + k % 2) {
            jitted += 1;
        }
    }
    eprintln!("random complex programs: {jitted} of 200 compiled by the JIT");
    assert!(jitted >= 150, "only {jitted} of 200 random programs were compiled by the JIT");
}

#[test]
fn long_complex_sums_follow_numpys_pairwise_order_on_any_thread_count() {
    // Past the executor's streaming (2,048) and parallel (65,536) splits.
    for d in [DType::Complex128, DType::Complex64] {
        let n = 150_001;
        let (z, w) = (complex_data(d, n, 8), complex_data(d, n, 9));
        // Finite values only, so that the sums are not all NaN.
        let finite = |x: &ArrayData| {
            let mut out = ArrayData::with_capacity(d, n);
            for k in 0..n {
                let (re, im) = x.as_ref().get(k).to_c64();
                let f = |v: f64| if v.is_finite() && v.abs() < 1e30 { v } else { (k % 97) as f64 * 0.37 };
                out.push(Scalar::Complex128(Complex::new(f(re), f(im))).cast(d));
            }
            out
        };
        let (z, w) = (finite(&z), finite(&w));
        let inputs = [Input::Array(z.as_ref()), Input::Array(w.as_ref())];
        for p in ["sum(z)", "mean(z * w)", "sum(z * 1j) + mean(w)", "z - mean(z)"] {
            for threads in [1, 2] {
                assert!(check(p, &["z", "w"], &inputs, threads), "{p} was not compiled");
            }
        }
    }
}

#[test]
fn zero_d_complex_operands_of_block_calls_in_vectorised_blocks() {
    // helper-23's review: a comparison of another width moved to a
    // pre-phase made the phase storing `power`'s 0-d complex exponent
    // vectorise with a stale vector, leaving scratch elements unwritten.
    let n = 64;
    let mut z = ArrayData::with_capacity(DType::Complex64, n);
    let mut b = Vec::with_capacity(n);
    for i in 0..n {
        z.push(Scalar::Complex64(Complex::new(0.25 * i as f32, 1.0)));
        b.push(i as f64 - 3.0);
    }
    let w = complex_data(DType::Complex128, n, 10);
    let inputs = [Input::Array(z.as_ref()), Input::from(&b), Input::Array(w.as_ref())];
    for p in [
        "z ** 3 + (b > 0)",
        "(z ** 3).imag + (b > 0)",
        "z ** (2+1j) + float32(b > 0)",
        "sqrt(z) ** 3 + float32(b > 0)",
        "where(z**3 == float32(b > 0), z, w)",
    ] {
        for threads in [1, 2] {
            assert!(check(p, &["z", "b", "w"], &inputs, threads), "{p} was not compiled");
        }
    }
}

#[test]
fn parts_of_a_broadcast_complex_constructor_have_its_shape() {
    // helper-23's review: `real(complex(a, b))` had `a`'s shape.
    let a = [-2.0, -1.5, -1.0];
    let b = [-2.0, -1.5, -1.0, -0.5];
    let (sa, sb) = ([3usize, 1], [1usize, 4]);
    let av = View::new(numjet::ArrayRef::Float64(&a), &sa).unwrap();
    let bv = View::new(numjet::ArrayRef::Float64(&b), &sb).unwrap();
    let one = [-2.0];
    for p in [
        "real(complex(a, b))",
        "complex(a, b).imag",
        "conj(complex(a, b)).real",
        "float64(complex(a, b))",
        "ones_like(complex(a, b))",
        "sum(complex(a, b).real)",
        "complex(a, b) * 2",
    ] {
        assert!(check(p, &["a", "b"], &[Input::View(av), Input::View(bv)], 2), "{p} was not compiled");
        assert!(check(p, &["a", "b"], &[Input::from(&one), Input::from(&b)], 1), "{p} was not compiled");
    }
}

#[test]
fn axis_reductions_of_complex_values() {
    for d in [DType::Complex128, DType::Complex64] {
        let z = complex_data(d, 40, 11);
        let shape = [5usize, 8];
        let m = View::new(z.as_ref(), &shape).unwrap();
        let tshape = [8usize, 5];
        let tstrides = [1isize, 8];
        let t = View::strided(z.as_ref(), &tshape, &tstrides, 0).unwrap();
        for p in [
            "sum(m, axis=0)",
            "sum(m, axis=1)",
            "mean(m, axis=0)",
            "mean(m * 2, axis=-1)",
            "prod(m * 0.5, axis=1)",
            "prod(m * 0.5, axis=0)",
            "any(m, axis=0)",
            "all(m, axis=1)",
            "max(m, axis=1)",
            "min(m, axis=0)",
            "m - mean(m, axis=0)",
            "abs(sum(m, axis=1))",
            "sum(m, axis=1).imag * 2",
        ] {
            for threads in [1, 2] {
                assert!(check(p, &["m"], &[Input::View(m)], threads), "{p} was not compiled");
                assert!(check(p, &["m"], &[Input::View(t)], threads), "{p} was not compiled (transposed)");
            }
        }
    }
}
