//! Size is bounded, and so is time: programs up to the text limit
//! (`syntax::MAX_SOURCE_BYTES`) in every shape of `tests/common/shapes.rs`
//! (the shapes `benches/compile.rs` measures) compile without overflowing
//! the stack; stages large enough for the JIT's single-pass register
//! allocator give the interpreter's bits; the JIT's limit on the nodes
//! its stages compute is a located error, reached quickly.
//!
//! No timing assertions (the machine is shared): these tests bound time
//! only by CI's budget. Each takes a few seconds in release mode; the
//! JIT compiles the slowest shapes (many reductions, each its own
//! function) at a quarter or a sixteenth of the limit.

mod common;

use common::shapes::{self, SHAPES};
use numjet::syntax::MAX_SOURCE_BYTES;
use numjet::{Array, Backend, Config, DType, Engine, Error, Input, Scalar, Signature};

fn signature() -> Signature {
    Signature::new().array("a", DType::Float64).array("b", DType::Float64).array("c", DType::Float64).nd("m", DType::Float64, 2)
}

fn engine(backend: Backend) -> Engine {
    Engine::new(Config::default().backend(backend).cache_capacity(0).threads(1))
}

#[test]
fn programs_at_the_text_limit_parse_and_lower() {
    let e = engine(Backend::Interp);
    for (name, generate) in SHAPES {
        let text = generate(MAX_SOURCE_BYTES);
        assert!(text.len() <= MAX_SOURCE_BYTES && text.len() > MAX_SOURCE_BYTES * 6 / 10, "{name}: {} bytes", text.len());
        if let Err(err) = e.compile_uncached(&text, &signature()) {
            panic!("{name}: {err}");
        }
    }
    // One byte more is a limit error, not a long parse.
    let mut text = shapes::flat(MAX_SOURCE_BYTES);
    text.push_str(&" ".repeat(MAX_SOURCE_BYTES + 1 - text.len()));
    let err = e.compile_uncached(&text, &signature()).unwrap_err();
    assert!(matches!(err, Error::Limit(_)) && err.message().contains("the limit is 1048576"), "{err}");
}

#[test]
fn programs_at_the_text_limit_compile_with_the_jit() {
    let e = engine(Backend::Jit);
    for (name, generate) in SHAPES {
        // Many reductions are many functions: about 15 ms per KiB.
        let bytes = match name {
            "reductions" | "axis" => MAX_SOURCE_BYTES / 16,
            "flat" | "deep" | "compare" | "constants" => MAX_SOURCE_BYTES / 4,
            _ => MAX_SOURCE_BYTES,
        };
        if let Err(err) = e.compile_uncached(&generate(bytes), &signature()) {
            panic!("{name}: {err}");
        }
    }
}

/// The bits of a result (any NaN counts as one value: the JIT does not
/// promise NaN payloads).
fn bits(a: &Array) -> (DType, Vec<usize>, Vec<u64>) {
    let b = (0..a.len())
        .map(|i| match a.get(i).expect("in range") {
            Scalar::Float64(v) if v.is_nan() => u64::MAX,
            Scalar::Float32(v) if v.is_nan() => u64::MAX,
            s => common::scalar_bits(s),
        })
        .collect();
    (a.dtype(), a.shape().to_vec(), b)
}

/// `n` values in [-1, 1) from a fixed sequence.
fn floats(n: usize, seed: u64) -> Vec<f64> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}

/// A sum of `terms` terms over int64 `i` and `j`, bool `p` and float32
/// `x`: large integer, bool and mixed-width stages.
fn mixed(terms: usize) -> Vec<String> {
    let int: Vec<String> = (0..terms).map(|k| format!("(i * {} + j) % {}", k + 2, k % 13 + 3)).collect();
    let boolean: Vec<String> = (0..terms).map(|k| format!("((i > {k}) & p | (j < -{k}))")).collect();
    let float: Vec<String> = (0..terms).map(|k| format!("x * {k}.25 - sqrt(abs(x) + {k})")).collect();
    let both: Vec<String> = (0..terms).map(|k| format!("where(p, x, float32(i % {}))", k + 2)).collect();
    vec![int.join(" + "), format!("any({})", boolean.join(" ^ ")), boolean.join(" | "), float.join(" + "), both.join(" + ")]
}

#[test]
fn large_stages_give_the_interpreters_bits() {
    let jit = engine(Backend::Jit);
    let interp = engine(Backend::Interp);
    // 1,003 elements: the vector loop, its unrolled body and the tail.
    let n = 1003;
    let (a, b, c) = (floats(n, 1), floats(n, 2), floats(n, 3));
    let m = Array::new(floats(40 * 25, 4).into(), vec![40, 25]).expect("shape");
    let inputs = [(&a).into(), (&b).into(), (&c).into(), m.as_input()];
    let mut programs: Vec<(String, String, Signature)> =
        SHAPES.iter().map(|(name, generate)| (name.to_string(), generate(16 << 10), signature())).collect();
    let i: Vec<i64> = floats(n, 5).iter().map(|v| (v * 1000.0) as i64).collect();
    let j: Vec<i64> = floats(n, 6).iter().map(|v| (v * 50.0) as i64).collect();
    let p: Vec<bool> = floats(n, 7).iter().map(|&v| v > 0.0).collect();
    let x: Vec<f32> = floats(n, 8).iter().map(|&v| v as f32).collect();
    let mixed_sig =
        Signature::new().array("i", DType::Int64).array("j", DType::Int64).array("p", DType::Bool).array("x", DType::Float32);
    for (k, text) in mixed(400).into_iter().enumerate() {
        programs.push((format!("mixed {k}"), text, mixed_sig.clone()));
    }
    let mixed_inputs: [Input; 4] = [(&i).into(), (&j).into(), (&p).into(), (&x).into()];
    for (name, text, sig) in &programs {
        let inputs: &[Input] = if sig == &mixed_sig { &mixed_inputs } else { &inputs };
        let want = interp.compile_uncached(text, sig).and_then(|k| k.eval(inputs));
        let got = jit.compile_uncached(text, sig).and_then(|k| k.eval(inputs));
        match (got, want) {
            (Ok(g), Ok(w)) => assert!(bits(&g) == bits(&w), "{name}: the JIT's result differs from the interpreter's"),
            (g, w) => panic!("{name}: jit {:?}, interp {:?}", g.map(|_| ()), w.map(|_| ())),
        }
    }
}

#[test]
fn shared_expressions_under_many_reductions_are_a_jit_limit() {
    // A 4,000-node `t` under 600 reductions: 2.4 million stage nodes.
    let t: Vec<String> = (0..2000).map(|k| format!("a*{k}")).collect();
    let sums: Vec<String> = (0..600).map(|k| format!("sum(t*{k})")).collect();
    let text = format!("t = {}\n{}", t.join(" + "), sums.join(" + "));
    let sig = Signature::new().array("a", DType::Float64);
    let err = engine(Backend::Jit).compile_uncached(&text, &sig).unwrap_err();
    let shown = err.to_string();
    assert!(matches!(err, Error::Limit(_)), "{shown}");
    assert!(shown.contains("program is too large for the JIT: its stages compute more than 2097152 nodes in all"), "{shown}");
    assert!(shown.contains("^^^") && shown.contains("the interpreter backend has no such limit"), "{shown}");
    // The interpreter computes every node once.
    let a = floats(10, 9);
    let r = engine(Backend::Interp).compile_uncached(&text, &sig).and_then(|k| k.eval(&[(&a).into()]));
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn more_axis_reductions_than_the_jit_takes_are_a_limit() {
    // Each axis reduction is a pointer slot of every stage: past
    // `jit::MAX_AXIS_REDUCTIONS` the JIT refuses (its bookkeeping would
    // grow as their square); at the limit it compiles and agrees with the
    // interpreter.
    let sig = Signature::new().nd("m", DType::Float64, 2);
    let program = |n: usize| (0..n).map(|k| format!("sum(m*{k}, axis=0)")).collect::<Vec<_>>().join(" + ");
    let over = program(numjet::jit::MAX_AXIS_REDUCTIONS + 1);
    let err = engine(Backend::Jit).compile_uncached(&over, &sig).unwrap_err();
    let shown = err.to_string();
    assert!(matches!(err, Error::Limit(_)) && shown.contains("more than 4096 axis reductions"), "{shown}");
    let last = over.rfind("sum(").unwrap();
    assert_eq!(err.span().map(|s| s.start), Some(last), "the caret is under the first reduction past the limit");
    let data = floats(12, 3);
    let shape = [3, 4];
    let m = numjet::View::new(numjet::ArrayRef::Float64(&data), &shape).unwrap();
    let at = program(numjet::jit::MAX_AXIS_REDUCTIONS);
    let jit = engine(Backend::Jit).compile_uncached(&at, &sig).unwrap().eval(&[Input::View(m)]).unwrap();
    let interp = engine(Backend::Interp).compile_uncached(&at, &sig).unwrap().eval(&[Input::View(m)]).unwrap();
    assert_eq!(bits(&jit), bits(&interp));
}
