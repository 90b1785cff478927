//! N-d arrays, broadcasting, strided views and axis reductions: the JIT on
//! every execution configuration (threads, block sizes that force the
//! multi-block and multi-part paths on small arrays) against the reference
//! interpreter, bit for bit; determinism of parallel reductions; errors.
//! NumPy's own answers for these cases are in `golden_nd.rs`.

use numjet::{Array, ArrayData, ArrayRef, Backend, Config, DType, Engine, Error, Input, Scalar, Signature, View};
use proptest::prelude::*;

/// Every configuration a result must not depend on: made once, so their
/// kernel caches spare recompiling the same program for every input.
fn configs() -> &'static [(&'static str, Engine)] {
    static CONFIGS: std::sync::OnceLock<Vec<(&'static str, Engine)>> = std::sync::OnceLock::new();
    CONFIGS.get_or_init(|| {
        vec![
            ("jit", Engine::new(Config::default())),
            ("jit threads(1) chunk(1)", Engine::new(Config::default().threads(1).chunk(1))),
            ("jit threads(2) serial_below(0) chunk(3)", Engine::new(Config::default().threads(2).serial_below(0).chunk(3))),
            ("jit threads(3) serial_below(0) chunk(64)", Engine::new(Config::default().threads(3).serial_below(0).chunk(64))),
        ]
    })
}

fn interp() -> &'static Engine {
    static INTERP: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    INTERP.get_or_init(|| Engine::new(Config::default().backend(Backend::Interp)))
}

/// Same values bit for bit (any NaN equals any NaN), same shape.
fn same(want: &Array, got: &Array) -> Result<(), String> {
    if want.shape() != got.shape() || want.dtype() != got.dtype() {
        return Err(format!("shape/dtype {:?} {} vs {:?} {}", want.shape(), want.dtype(), got.shape(), got.dtype()));
    }
    for i in 0..want.len() {
        let (a, b) = (want.get(i).unwrap(), got.get(i).unwrap());
        let eq = match (a, b) {
            (Scalar::Float64(x), Scalar::Float64(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
            (Scalar::Float32(x), Scalar::Float32(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
            (Scalar::Float16(x), Scalar::Float16(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
            (Scalar::Complex64(x), Scalar::Complex64(y)) => (x.re.to_bits() == y.re.to_bits() || (x.re.is_nan() && y.re.is_nan())) && (x.im.to_bits() == y.im.to_bits() || (x.im.is_nan() && y.im.is_nan())),
            (Scalar::Complex128(x), Scalar::Complex128(y)) => (x.re.to_bits() == y.re.to_bits() || (x.re.is_nan() && y.re.is_nan())) && (x.im.to_bits() == y.im.to_bits() || (x.im.is_nan() && y.im.is_nan())),
            _ => a == b,
        };
        if !eq {
            return Err(format!("element {i}: want {a:?}, got {b:?}"));
        }
    }
    Ok(())
}

/// Evaluates `expr` on every configuration and compares with the
/// interpreter (results and errors alike).
fn check(expr: &str, inputs: &[(&str, Input<'_>)]) -> Result<(), String> {
    let sig = Signature::of(inputs);
    let values: Vec<Input> = inputs.iter().map(|(_, x)| *x).collect();
    let want = interp().compile(expr, &sig).and_then(|k| k.eval(&values));
    for (name, engine) in configs() {
        let got = engine.compile(expr, &sig).and_then(|k| k.eval(&values));
        match (&want, &got) {
            (Ok(w), Ok(g)) => same(w, g).map_err(|e| format!("`{expr}` on {name}: {e}"))?,
            (Err(w), Err(g)) if w == g => {}
            _ => return Err(format!("`{expr}` on {name}: interpreter {want:?}, JIT {got:?}")),
        }
    }
    Ok(())
}

/// Deterministic values with edge cases mixed in.
fn values(d: DType, n: usize, seed: u64) -> ArrayData {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let f = |r: u64, k: usize| -> f64 {
        match k % 11 {
            0 => 0.0,
            1 => -0.0,
            2 => 1.5,
            3 if r.is_multiple_of(5) => f64::NAN,
            _ => (r % 2000) as f64 / 100.0 - 10.0,
        }
    };
    match d {
        DType::Bool => (0..n).map(|_| next() % 2 == 0).collect::<Vec<_>>().into(),
        DType::Int32 => (0..n).map(|k| if k % 13 == 5 { i32::MIN } else { (next() % 200) as i32 - 100 }).collect::<Vec<_>>().into(),
        DType::Int64 => (0..n).map(|k| if k % 13 == 5 { i64::MAX } else { (next() % 200) as i64 - 100 }).collect::<Vec<_>>().into(),
        DType::Float32 => (0..n).map(|k| f(next(), k) as f32).collect::<Vec<_>>().into(),
        DType::Float64 => (0..n).map(|k| f(next(), k)).collect::<Vec<_>>().into(),
        d if d.is_float() => {
            let mut out = ArrayData::with_capacity(d, n);
            (0..n).for_each(|k| out.push(Scalar::Float64(f(next(), k)).cast(d)));
            out
        }
        d => {
            // The other integers: small values and the dtype's extremes.
            let (lo, hi) = d.int_range().unwrap();
            let mut out = ArrayData::with_capacity(d, n);
            (0..n).for_each(|k| {
                let r = next();
                let v = match k % 13 {
                    5 => lo,
                    6 => hi,
                    _ => (r % 200) as i128 - if lo < 0 { 100 } else { 0 },
                };
                out.push(Scalar::int(d, v));
            });
            out
        }
    }
}

/// How an input is laid out in memory.
#[derive(Clone, Copy, Debug)]
enum Layout {
    Contiguous,
    /// The transpose of a C-contiguous array of the reversed shape.
    Transposed,
    /// Every other element of a buffer twice as long along the last axis.
    Step2,
    /// Reversed along the first axis (a negative stride).
    Reversed,
}

/// An owned buffer plus the view parameters of one input.
struct Owned {
    data: ArrayData,
    shape: Vec<usize>,
    strides: Vec<isize>,
    offset: usize,
}

fn make(d: DType, shape: &[usize], layout: Layout, seed: u64) -> Owned {
    let n: usize = shape.iter().product();
    let c = |s: &[usize]| -> Vec<isize> {
        let mut st = vec![0isize; s.len()];
        let mut acc = 1isize;
        for k in (0..s.len()).rev() {
            st[k] = acc;
            acc *= s[k] as isize;
        }
        st
    };
    let nd = shape.len();
    match layout {
        Layout::Contiguous => Owned { data: values(d, n, seed), shape: shape.to_vec(), strides: c(shape), offset: 0 },
        Layout::Transposed => {
            let rev: Vec<usize> = shape.iter().rev().copied().collect();
            let mut st = c(&rev);
            st.reverse();
            Owned { data: values(d, n, seed), shape: shape.to_vec(), strides: st, offset: 0 }
        }
        Layout::Step2 => {
            let mut big = shape.to_vec();
            if let Some(l) = big.last_mut() {
                *l *= 2;
            }
            let mut st = c(&big);
            if nd > 0 {
                st[nd - 1] *= 2;
            }
            Owned { data: values(d, big.iter().product(), seed), shape: shape.to_vec(), strides: st, offset: 0 }
        }
        Layout::Reversed => {
            let mut st = c(shape);
            let offset = if nd > 0 && shape[0] > 0 { (shape[0] - 1) * st[0] as usize } else { 0 };
            if nd > 0 {
                st[0] = -st[0];
            }
            Owned { data: values(d, n, seed), shape: shape.to_vec(), strides: st, offset }
        }
    }
}

impl Owned {
    fn input(&self) -> Input<'_> {
        if self.shape.is_empty() {
            return Input::Scalar(self.data.as_ref().get(0));
        }
        Input::View(View::strided(self.data.as_ref(), &self.shape, &self.strides, self.offset).unwrap())
    }
}

/// Shape triples that broadcast together.
const SHAPES: &[[&[usize]; 3]] = &[
    [&[2, 3], &[3], &[2, 3]],
    [&[4, 1], &[1, 5], &[4, 5]],
    [&[2, 1, 3], &[4, 1], &[2, 4, 3]],
    [&[3, 4, 5], &[5], &[]],
    [&[0, 3], &[3], &[1, 3]],
    [&[7, 9], &[7, 1], &[9]],
    [&[5, 130], &[130], &[5, 1]],
    [&[1, 1], &[3, 1], &[1, 2]],
];

const EXPRS: &[&str] = &[
    "a + b*2",
    "where(a > b, a, c)",
    "a * b - c",
    "t = a*b; t + sin(t)",
    "sum(a * b)",
    "sum(a, axis=0) + 1",
    "sum(a, axis=-1)",
    "mean(a + b, axis=0)",
    "a - mean(a, axis=0)",
    "max(a, axis=1) * min(c)",
    "prod(a, axis=0)",
    "any(a > b, axis=0)",
    "all(a < 5, axis=-1)",
    "sum(c) + sum(a, axis=0)",
    "a ** 2 + b ** 2 < 1",
    "clip(a, b, c)",
];

fn dtype() -> impl Strategy<Value = DType> {
    prop_oneof![Just(DType::Float64), Just(DType::Float32), Just(DType::Int64), Just(DType::Int32), Just(DType::Bool)]
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![Just(Layout::Contiguous), Just(Layout::Transposed), Just(Layout::Step2), Just(Layout::Reversed)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random programs over broadcast, strided and reversed inputs: the JIT
    /// on every configuration equals the interpreter bit for bit.
    #[test]
    fn jit_on_every_configuration_equals_the_interpreter(
        e in 0..EXPRS.len(),
        s in 0..SHAPES.len(),
        dts in [dtype(), dtype(), dtype()],
        lays in [layout(), layout(), layout()],
        seed in any::<u64>(),
    ) {
        let owned: Vec<Owned> = (0..3).map(|k| make(dts[k], SHAPES[s][k], lays[k], seed.wrapping_add(k as u64))).collect();
        let inputs = [("a", owned[0].input()), ("b", owned[1].input()), ("c", owned[2].input())];
        check(EXPRS[e], &inputs).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn long_axes_cross_block_and_pairwise_boundaries() {
    // Reduced axes longer than a pairwise block (128), a float leaf
    // (2048) and NumPy's casting buffer (8192), along either axis and in
    // either memory order.
    for (shape, layout) in [
        (vec![3usize, 9000], Layout::Contiguous),
        (vec![9000, 3], Layout::Contiguous),
        (vec![3, 9000], Layout::Transposed),
        (vec![2, 5000], Layout::Step2),
    ] {
        for d in [DType::Float64, DType::Float32, DType::Int32, DType::UInt8, DType::Int16, DType::Float16] {
            let x = make(d, &shape, layout, 7);
            for expr in ["sum(x, axis=0)", "sum(x, axis=1)", "mean(x, axis=1)", "mean(x, axis=0)", "sum(x)", "mean(x * 2)", "max(x, axis=0)"] {
                check(expr, &[("x", x.input())]).unwrap();
            }
        }
    }
}

#[test]
fn float32_sum_is_pairwise_and_independent_of_threads() {
    // NumPy 2.4.6: np.full(10**7, 0.1, dtype=np.float32).sum() is
    // np.float32(1.0000001e+06) (bits 1232348162); numexpr's sequential sum
    // gives 1.087937e+06 (9% off).
    let x = vec![0.1f32; 10_000_000];
    let sig = Signature::new().array("x", DType::Float32);
    for (name, engine) in configs().iter().filter(|(n, _)| !n.contains("chunk(1)")) {
        let r = engine.compile("sum(x)", &sig).unwrap().eval(&[(&x).into()]).unwrap();
        match r.to_scalar() {
            Some(Scalar::Float32(v)) => assert_eq!(v.to_bits(), 1232348162, "{name}: {v}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn parallel_reductions_are_deterministic() {
    let a = values(DType::Float64, 300_001, 3);
    let b = values(DType::Float64, 300_001, 4);
    let sig = Signature::new().array("a", DType::Float64).array("b", DType::Float64);
    for expr in ["sum(a*b)", "mean(a)", "max(a - b)", "prod(a / 8)", "sum(int64(a))", "mean(int32(b * 100))"] {
        let want = interp().compile(expr, &sig).unwrap().eval(&[(&a).into(), (&b).into()]).unwrap();
        for threads in 1..=4 {
            for chunk in [1000, 4096, 100_000] {
                let e = Engine::new(Config::default().threads(threads).serial_below(0).chunk(chunk));
                let got = e.compile(expr, &sig).unwrap().eval(&[(&a).into(), (&b).into()]).unwrap();
                same(&want, &got).unwrap_or_else(|m| panic!("{expr} threads {threads} chunk {chunk}: {m}"));
            }
        }
    }
}

#[test]
fn shapes_that_do_not_broadcast_are_errors_with_a_caret() {
    let a = [1.0f64; 6];
    let b = [1.0f64; 2];
    let va = View::new(ArrayRef::Float64(&a), &[2, 3]).unwrap();
    let e = numjet::evaluate("a * 2 + b", &[("a", va.into()), ("b", (&b).into())]).unwrap_err();
    assert!(matches!(e, Error::Shape(_)), "{e:?}");
    assert_eq!(e.to_string(), "error: operands could not be broadcast together with shapes (2, 3) (2,)\n  |\n1 | a * 2 + b\n  | ^^^^^^^^^");
    // Axis out of bounds is known when compiling (the signature has ndim).
    let sig = Signature::new().nd("a", DType::Float64, 2);
    let e = Engine::default().compile("sum(a, axis=2)", &sig).unwrap_err();
    assert_eq!(e.message(), "axis 2 is out of bounds for an array of dimension 2 in `sum`");
    let e = Engine::default().compile("sum(a, axis=-3)", &sig).unwrap_err();
    assert_eq!(e.message(), "axis -3 is out of bounds for an array of dimension 2 in `sum`");
}

#[test]
fn views_are_checked_when_made() {
    let d = [0i64; 6];
    assert!(View::new(ArrayRef::Int64(&d), &[2, 3]).is_ok());
    assert!(View::new(ArrayRef::Int64(&d), &[4, 2]).is_err());
    assert!(View::new(ArrayRef::Int64(&d), &[usize::MAX, 2]).is_err());
    assert!(View::strided(ArrayRef::Int64(&d), &[2, 3], &[3, 1], 0).is_ok());
    assert!(View::strided(ArrayRef::Int64(&d), &[2, 3], &[3, 1], 1).is_err(), "runs past the end");
    assert!(View::strided(ArrayRef::Int64(&d), &[3], &[-1], 1).is_err(), "runs before the start");
    assert!(View::strided(ArrayRef::Int64(&d), &[3], &[-2], 5).is_ok());
    assert!(View::strided(ArrayRef::Int64(&d), &[3], &[isize::MAX], 0).is_err());
    assert!(View::strided(ArrayRef::Int64(&d), &[0, 3], &[isize::MAX, 1], 0).is_ok(), "an empty view reads nothing");
    assert!(View::strided(ArrayRef::Int64(&[]), &[4, 0], &[-1, 1], 3).is_ok(), "whatever its offset");
    assert!(View::strided(ArrayRef::Int64(&d), &[2], &[1, 1], 0).is_err(), "one stride per dimension");
    let dims = [1usize; 33];
    let ones = [1i64];
    assert!(View::new(ArrayRef::Int64(&ones), &dims).is_err(), "too many dimensions");
}

#[test]
fn results_have_numpy_shapes() {
    let x: Vec<f64> = (0..24).map(f64::from).collect();
    let v = View::new(ArrayRef::Float64(&x), &[2, 3, 4]).unwrap();
    let s = |expr: &str| numjet::evaluate(expr, &[("x", v.into())]).unwrap().shape().to_vec();
    assert_eq!(s("x * 2"), [2, 3, 4]);
    assert_eq!(s("sum(x, axis=1)"), [2, 4]);
    assert_eq!(s("sum(x, axis=-1) - mean(x)"), [2, 3]);
    assert_eq!(s("max(sum(x, axis=0), axis=0)"), [4]);
    assert_eq!(s("sum(x)"), Vec::<usize>::new());
    let r = numjet::evaluate("sum(x, axis=1)", &[("x", v.into())]).unwrap();
    assert_eq!(r.as_f64().unwrap(), &[12.0, 15.0, 18.0, 21.0, 48.0, 51.0, 54.0, 57.0]);
    // A result fed back in keeps its shape.
    let back = numjet::evaluate("y + 1", &[("y", r.as_input())]).unwrap();
    assert_eq!(back.shape(), [2, 4]);
    // Empty arrays and zero-length axes.
    let e: [f64; 0] = [];
    let z = View::new(ArrayRef::Float64(&e), &[0, 3]).unwrap();
    let r = numjet::evaluate("sum(z, axis=0)", &[("z", z.into())]).unwrap();
    assert_eq!((r.shape(), r.as_f64().unwrap()), (&[3usize][..], &[0.0, 0.0, 0.0][..]));
    assert!(numjet::evaluate("max(z, axis=0)", &[("z", z.into())]).is_err());
    assert_eq!(numjet::evaluate("max(z, axis=1)", &[("z", z.into())]).unwrap().shape(), [0]);
}

/// Float `sum`/`mean` fused into the JIT's vector loop (accumulated in
/// NumPy's pairwise order, a 128-element leaf at a time): every length up
/// to 300 (the 8-element groups, the tails, the first splits of the
/// recursion) and lengths around later splits and the block size, on
/// contiguous and strided inputs, bit for bit with the interpreter on every
/// configuration. The values span many magnitudes, so a different
/// association changes the bits.
#[test]
fn fused_float_sums_match_the_interpreter_at_every_length() {
    let exprs = ["sum(a*b)", "mean(a + 1.5)", "sum(a) - sum(b*2)", "sum(a*a, axis=0) / sum(b)"];
    let sig = Signature::new().array("a", DType::Float64).array("b", DType::Float64);
    for src in exprs {
        let program = numjet::ir::lower(&numjet::syntax::parse(src).unwrap(), &sig, src).unwrap();
        let k = numjet::jit::compile(&program).unwrap();
        let fused = k.fused_reductions();
        assert!(fused[..fused.len() - 1].iter().all(|&f| f), "`{src}`: {fused:?}\n{}", k.clif_text());
    }
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let lengths: Vec<usize> = (0..=300).chain([511, 512, 513, 1031, 4095, 4096, 4097, 70_001]).collect();
    for d in [DType::Float64, DType::Float32] {
        for &n in &lengths {
            let raw: Vec<f64> =
                (0..2 * n).map(|_| ((next() % 20_001) as f64 - 10_000.0) * 2f64.powi((next() % 40) as i32 - 20)).collect();
            let data = |v: &[f64]| -> ArrayData {
                match d {
                    DType::Float32 => v.iter().map(|&x| x as f32).collect::<Vec<_>>().into(),
                    _ => v.to_vec().into(),
                }
            };
            let (a, b) = (data(&raw[..n]), data(&raw[n..]));
            let both = data(&raw);
            for src in exprs {
                let contiguous = [("a", Input::from(&a)), ("b", Input::from(&b))];
                check(src, &contiguous).unwrap();
                // Every other element of one array: gathered blocks.
                let (shape, step) = ([n], [2]);
                let strided = View::strided(both.as_ref(), &shape, &step, 0).unwrap();
                check(src, &[("a", Input::View(strided)), ("b", Input::from(&b))]).unwrap();
            }
        }
    }
}

/// Integer `sum`/`min`/`max` and bool `any`/`all` fused into the JIT's
/// vector loop: every length up to 200 and some longer ones, contiguous and
/// strided, int32 and int64, against the interpreter on every configuration.
#[test]
fn fused_integer_and_bool_reductions_match_the_interpreter() {
    let exprs = [
        "sum(a*b)",
        "min(a - b)",
        "max(a*3) - min(b)",
        "any(a > b + 90)",
        "all(a != b)",
        "sum(a, axis=0) + max(b)",
        "any(a > 95, axis=0)",
    ];
    for d in [DType::Int64, DType::Int32] {
        let sig = Signature::new().array("a", d).array("b", d);
        for src in exprs {
            let program = numjet::ir::lower(&numjet::syntax::parse(src).unwrap(), &sig, src).unwrap();
            let k = numjet::jit::compile(&program).unwrap();
            let fused = k.fused_reductions();
            assert!(fused[..fused.len() - 1].iter().all(|&f| f), "`{src}` on {d}: {fused:?}\n{}", k.clif_text());
        }
    }
    let lengths: Vec<usize> = (0..=200).chain([1023, 8191, 8192, 8193, 40_000]).collect();
    // Every integer width: `sum` is fused for all of them (8- and 16-bit
    // lanes widened to int64), `min`/`max` for int32 and int64.
    for d in [DType::Int64, DType::Int32, DType::Int8, DType::UInt8, DType::Int16, DType::UInt16, DType::UInt32, DType::UInt64] {
        for &n in &lengths {
            let (a, b, both) = (values(d, n, n as u64), values(d, n, n as u64 + 1), values(d, 2 * n, n as u64 + 2));
            let both = both.as_ref();
            for src in exprs {
                check(src, &[("a", Input::from(&a)), ("b", Input::from(&b))]).unwrap();
                let (shape, step) = ([n], [2]);
                let strided = View::strided(both, &shape, &step, 0).unwrap();
                check(src, &[("a", Input::View(strided)), ("b", Input::from(&b))]).unwrap();
            }
        }
    }
}
