//! The memory bound: no input makes an evaluation abort the process or ask
//! the system for more than `Config::memory_limit`. Large broadcast results
//! are refused with `Error::Memory` before anything is allocated (caret
//! under the operation), streaming reductions of them still run, and sizes
//! past what memory can address or the allocator gives are errors too.
//! Broadcast (0-stride) views make huge shapes from a few bytes.

use numjet::{ArrayMut, ArrayRef, Backend, Config, DType, Engine, Error, Input, Signature, View};

const BACKENDS: [Backend; 2] = [Backend::Jit, Backend::Interp];

/// A column `(n, 1)` and a row `(1, n)` of float64 over `data` (all `n`
/// elements, strides in elements).
fn col_row<'a>(data: &'a [f64], col_shape: &'a [usize], row_shape: &'a [usize]) -> (View<'a>, View<'a>) {
    let col = View::strided(ArrayRef::Float64(data), col_shape, &[1, 0], 0).unwrap();
    let row = View::strided(ArrayRef::Float64(data), row_shape, &[0, 1], 0).unwrap();
    (col, row)
}

fn sig2(dtype: DType) -> Signature {
    Signature::new().nd("a", dtype, 2).nd("b", dtype, 2)
}

#[test]
fn a_broadcast_result_past_the_limit_is_refused_with_a_caret() {
    // The case, (200000, 1) + (1, 200000): 298 GiB of float64.
    let data: Vec<f64> = (0..200_000).map(f64::from).collect();
    let (cs, rs) = ([200_000, 1], [1, 200_000]);
    let (col, row) = col_row(&data, &cs, &rs);
    for backend in BACKENDS {
        let engine = Engine::new(Config::default().backend(backend).memory_limit(1 << 30));
        // The JIT would store only the result; the interpreter first
        // copies the arguments of `a + b` or `a * b` to the broadcast shape
        // (the largest buffers, where its caret goes).
        let cases = if backend == Backend::Jit {
            [
                ("a + b", "the result of this operation, shape (200000, 200000) float64, needs 298.0 GiB", "a + b"),
                ("a * b > 0", "the result of this operation, shape (200000, 200000) bool, needs 37.3 GiB", "a * b > 0"),
            ]
        } else {
            let copy = "an argument of this operation broadcast to shape (200000, 200000) needs 298.0 GiB";
            [("a + b", copy, "a + b"), ("a * b > 0", copy, "a * b")]
        };
        for (text, what, under) in cases {
            let k = engine.compile(text, &sig2(DType::Float64)).unwrap();
            let err = k.eval(&[Input::View(col), Input::View(row)]).unwrap_err();
            let Error::Memory(l) = &err else { panic!("{backend:?} `{text}`: {err:?}") };
            assert_eq!(l.message, format!("{what} of memory; the memory limit is 1.0 GiB"), "{backend:?}");
            assert_eq!(&text[l.span.range()], under, "{backend:?}");
            assert!(err.to_string().contains(&"^".repeat(under.len())), "{err}");
        }
    }
}

#[test]
fn the_jit_streams_reductions_of_results_too_large_to_store() {
    // (2000, 1) + (1, 2000): 32 MB as a result; summed in blocks under a
    // 1 MiB limit. The interpreter materialises the sum's argument, so it
    // refuses, naming it.
    let data: Vec<f64> = (0..2000).map(|i| i as f64 * 0.5).collect();
    let (cs, rs) = ([2000, 1], [1, 2000]);
    let (col, row) = col_row(&data, &cs, &rs);
    let inputs = [Input::View(col), Input::View(row)];
    let want: f64 = data.iter().map(|x| data.iter().map(|y| x + y).sum::<f64>()).sum();
    for threads in [1, 2] {
        let jit = Engine::new(Config::default().memory_limit(1 << 20).threads(threads).serial_below(0));
        let got = jit.compile("sum(a + b)", &sig2(DType::Float64)).unwrap().eval(&inputs).unwrap();
        let got = got.get(0).unwrap().to_f64();
        assert!((got - want).abs() <= want * 1e-12, "{got} vs {want}");
        // An axis reduction stores only its (2000,) result.
        let r = jit.compile("max(a * b, axis=0)", &sig2(DType::Float64)).unwrap().eval(&inputs).unwrap();
        assert_eq!(r.shape(), [2000]);
        assert_eq!(r.get(1999).unwrap().to_f64(), 999.5 * 999.5);
    }
    let interp = Engine::new(Config::default().backend(Backend::Interp).memory_limit(1 << 20));
    let err = interp.compile("sum(a + b)", &sig2(DType::Float64)).unwrap().eval(&inputs).unwrap_err();
    let Error::Memory(l) = &err else { panic!("{err:?}") };
    assert!(l.message.starts_with("an argument of this operation broadcast to shape (2000, 2000) needs 30.5 MiB"), "{}", l.message);
    assert_eq!(l.span, numjet::Span::new(4, 9), "the caret is under `a + b`: {err}");
}

#[test]
fn the_limit_counts_what_an_evaluation_allocates() {
    let a: Vec<f64> = (0..100_000).map(f64::from).collect();
    let sig = Signature::new().array("a", DType::Float64);
    let inputs = [Input::Array(ArrayRef::Float64(&a))];
    // 800,000 bytes of result: refused at 799,999 and below, computed at
    // 1 MB. Into a caller's buffer the JIT allocates (almost) nothing.
    for backend in BACKENDS {
        let tight = Engine::new(Config::default().backend(backend).memory_limit(799_999));
        let k = tight.compile("a * 2", &sig).unwrap();
        assert!(matches!(k.eval(&inputs), Err(Error::Memory(_))), "{backend:?}");
        let roomy = Engine::new(Config::default().backend(backend).memory_limit(1_000_000));
        assert_eq!(roomy.compile("a * 2", &sig).unwrap().eval(&inputs).unwrap().len(), 100_000);
    }
    let mut out = vec![0.0; 100_000];
    let k = Engine::new(Config::default().memory_limit(799_999)).compile("a * 2", &sig).unwrap();
    k.eval_into(&inputs, ArrayMut::Float64(&mut out)).unwrap();
    assert_eq!(out[99_999], 199_998.0);
    // The interpreter holds every intermediate alive together: `t` lives
    // until the end, so `t*t + t` needs three columns at its peak.
    let interp = Engine::new(Config::default().backend(Backend::Interp).memory_limit(3 * 800_000 - 1));
    let err = interp.compile("t = a + 1; t*t + t", &sig).unwrap().eval(&inputs).unwrap_err();
    assert!(matches!(&err, Error::Memory(l) if l.message.starts_with("evaluating this needs 2400000 bytes of memory, more than the memory limit of 2399999 bytes")), "{err:?}");
    let interp = Engine::new(Config::default().backend(Backend::Interp).memory_limit(3 * 800_000));
    assert!(interp.compile("t = a + 1; t*t + t", &sig).unwrap().eval(&inputs).is_ok());
}

#[test]
fn shapes_past_the_address_space_are_errors() {
    // (2^31, 2^31, 1, 1) with (1, 1, 2^31, 2^31), each over one element:
    // 2^124 elements broadcast together.
    let one = [1.0f64];
    let (s1, s2) = ([1 << 31, 1 << 31, 1, 1], [1, 1, 1 << 31, 1 << 31]);
    let a = View::strided(ArrayRef::Float64(&one), &s1, &[0; 4], 0).unwrap();
    let b = View::strided(ArrayRef::Float64(&one), &s2, &[0; 4], 0).unwrap();
    let sig = Signature::new().nd("a", DType::Float64, 4).nd("b", DType::Float64, 4);
    for backend in BACKENDS {
        let engine = Engine::new(Config::default().backend(backend).memory_limit(usize::MAX));
        for text in ["a + b", "sum(a * b)", "where(a > 0, b, 1)"] {
            let err = engine.compile(text, &sig).unwrap().eval(&[Input::View(a), Input::View(b)]).unwrap_err();
            assert!(matches!(&err, Error::Memory(l) if l.message.contains("more elements than memory can address")), "{backend:?} `{text}`: {err:?}");
        }
    }
}

#[test]
fn the_allocator_refusing_is_an_error_not_an_abort() {
    // No limit: a (2^31, 2^30) bool view over one element is 2^61 bytes
    // as an array, which fits an `isize` but no machine's address space:
    // the allocator refuses (the interpreter's copy of the view, the JIT's
    // result), and the evaluation says so.
    let data = [true];
    let shape = [1 << 31, 1 << 30];
    let a = View::strided(ArrayRef::Bool(&data), &shape, &[0, 0], 0).unwrap();
    for backend in BACKENDS {
        let engine = Engine::new(Config::default().backend(backend).memory_limit(usize::MAX));
        let err = engine.compile("~a", &Signature::new().nd("a", DType::Bool, 2)).unwrap().eval(&[Input::View(a)]).unwrap_err();
        assert!(matches!(&err, Error::Memory(l) if l.message.contains("out of memory")), "{backend:?}: {err:?}");
    }
}

#[test]
fn the_default_limit_is_at_most_half_the_physical_memory() {
    let limit = Config::default().memory_limit;
    assert_eq!(limit, numjet::mem::default_limit(), "Config's default is the library's");
    // Read here, independently of the library: the limit leaves at least
    // half of the machine's memory to everything else.
    if let Ok(meminfo) = std::fs::read_to_string("/proc/meminfo") {
        let kb: u64 = meminfo.lines().find_map(|l| l.strip_prefix("MemTotal:")).unwrap().trim().trim_end_matches("kB").trim().parse().unwrap();
        assert!(limit as u64 <= kb * 1024 / 2, "{limit} bytes of {kb} kB");
        assert!(limit > 0);
    }
}

#[test]
fn hostile_view_shapes_are_errors() {
    // Spans that overflow 128 bits when summed (a debug build used to
    // panic), element counts that overflow, and empty shapes of huge
    // extent (zero bytes).
    let one = [1.0f64];
    let shape = [usize::MAX; 32];
    let strides = [isize::MAX; 32];
    assert!(View::strided(ArrayRef::Float64(&one), &shape, &strides, 0).is_err());
    let (shape, strides) = ([1usize << 40, 1 << 40], [0isize, 0]);
    assert!(View::strided(ArrayRef::Float64(&one), &shape, &strides, 0).is_err());
    // Empty but huge: (2^40, 1, 0) broadcast with (1, 2^40, 1) has no
    // element, and is computed.
    let (s1, s2, st) = ([1usize << 40, 1, 0], [1usize, 1 << 40, 1], [0isize, 0, 0]);
    let a = View::strided(ArrayRef::Float64(&one), &s1, &st, 0).unwrap();
    let b = View::strided(ArrayRef::Float64(&one), &s2, &st, 0).unwrap();
    let sig = Signature::new().nd("a", DType::Float64, 3).nd("b", DType::Float64, 3);
    let r = Engine::default().compile("a * b", &sig).unwrap().eval(&[Input::View(a), Input::View(b)]).unwrap();
    assert_eq!((r.shape(), r.len()), (&[1 << 40, 1 << 40, 0][..], 0));
    // The interpreter first copies `b`'s 2^40 elements, and says so.
    let interp = Engine::new(Config::default().backend(Backend::Interp));
    let err = interp.compile("a * b", &sig).unwrap().eval(&[Input::View(a), Input::View(b)]).unwrap_err();
    assert!(matches!(&err, Error::Memory(l) if l.message.starts_with("a contiguous copy of this input, shape (1, 1099511627776, 1) float64, needs 8.0 TiB")), "{err:?}");
}
