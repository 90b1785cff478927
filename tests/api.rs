//! Library API and language-semantics tests.
//!
//! The NumPy golden fixtures (`tests/golden.rs`) cover every operator on
//! every dtype; this file covers the rest: the compile-once/eval-many API,
//! input checking, programs (statements, temporaries, shadowing), NEP 50
//! typing of Python numbers, semantic corner cases, error variants, spans
//! and renderings, and input safety (no panic, no stack overflow).
//!
//! Expected values were checked against NumPy 2.4 (and Python 3 for
//! arithmetic on Python numbers) where they have an answer. Where numjet
//! disagrees, the test asserts NumPy's/Python's answer and fails until the
//! bug is fixed: `where_of_python_numbers_promotes_its_branches`,
//! `numpy_functions_of_python_numbers_are_strong`,
//! `numpy_functions_of_python_bools_use_numpy_bool_loops`,
//! `comparisons_of_python_numbers_are_python_bools`,
//! `constant_floor_division_with_a_negative_divisor_follows_python`,
//! `constant_float_power_overflow_is_an_error`,
//! `power_function_with_scalar_half_exponent_matches_numpy`,
//! `sum_and_mean_of_a_zero_d_negative_zero`,
//! `precedence_hint_quotes_the_programs_own_operands`.

use numjet::{Array, ArrayMut, ArrayRef, Backend, Config, DType, Engine, Error, Input, Kernel, Scalar, Signature, Span, View, evaluate};

// ---------------------------------------------------------------------------
// Helpers.

/// Evaluates a program that must succeed.
#[track_caller]
fn ok(src: &str, inputs: &[(&str, Input<'_>)]) -> Array {
    match evaluate(src, inputs) {
        Ok(r) => r,
        Err(e) => panic!("`{src}` failed:\n{e}\n{e:?}"),
    }
}

/// Evaluates a program that must fail.
#[track_caller]
fn fails(src: &str, inputs: &[(&str, Input<'_>)]) -> Error {
    match evaluate(src, inputs) {
        Ok(r) => panic!("`{src}` should fail, got {r} ({})", r.dtype()),
        Err(e) => e,
    }
}

/// The value of a 0-d result.
#[track_caller]
fn scalar(a: &Array) -> Scalar {
    assert_eq!(a.shape(), &[] as &[usize], "expected a 0-d result, got {a}");
    a.to_scalar().unwrap()
}

#[track_caller]
fn f64s(a: &Array) -> &[f64] {
    a.as_f64().unwrap_or_else(|| panic!("expected float64, got {} ({a})", a.dtype()))
}

#[track_caller]
fn f32s(a: &Array) -> &[f32] {
    a.as_f32().unwrap_or_else(|| panic!("expected float32, got {} ({a})", a.dtype()))
}

#[track_caller]
fn i64s(a: &Array) -> &[i64] {
    a.as_i64().unwrap_or_else(|| panic!("expected int64, got {} ({a})", a.dtype()))
}

#[track_caller]
fn i32s(a: &Array) -> &[i32] {
    a.as_i32().unwrap_or_else(|| panic!("expected int32, got {} ({a})", a.dtype()))
}

#[track_caller]
fn bools(a: &Array) -> &[bool] {
    a.as_bool().unwrap_or_else(|| panic!("expected bool, got {} ({a})", a.dtype()))
}

/// Asserts an error's variant, e.g. `assert_variant!(e, Error::Type(_))`.
macro_rules! assert_variant {
    ($e:expr, $p:pat) => {{
        let e = &$e;
        assert!(matches!(e, $p), "expected {}, got {e:?}\n{e}", stringify!($p));
    }};
}

#[track_caller]
fn assert_contains(haystack: &str, needle: &str) {
    assert!(haystack.contains(needle), "expected {needle:?} in {haystack:?}");
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

// ---------------------------------------------------------------------------
// The API: compile once, evaluate many times.

#[test]
fn compile_once_eval_many() {
    let sig = Signature::new().array("a", DType::Float64).scalar("s", DType::Int64);
    let k = Engine::default().compile("a * s + 1", &sig).unwrap();
    assert_eq!(k.dtype(), DType::Float64);
    assert_eq!(k.signature(), &sig);

    let a1 = vec![1.0, 2.0, 3.0];
    let r = k.eval(&[(&a1).into(), 2i64.into()]).unwrap();
    assert_eq!(r.shape(), &[3]);
    assert_eq!(f64s(&r), &[3.0, 5.0, 7.0]);

    // Different data, a different scalar and a different length.
    let a2 = [0.5, -1.0];
    let r = k.eval(&[(&a2).into(), (-4i64).into()]).unwrap();
    assert_eq!(f64s(&r), &[-1.0, 5.0]);

    // Slices work too; empty arrays give empty results.
    let a3: &[f64] = &[];
    let r = k.eval(&[a3.into(), 7i64.into()]).unwrap();
    assert_eq!(r.shape(), &[0]);
    assert!(r.is_empty());

    // The first data again: evaluation has no hidden state.
    let r = k.eval(&[(&a1).into(), 2i64.into()]).unwrap();
    assert_eq!(f64s(&r), &[3.0, 5.0, 7.0]);
}

#[test]
fn results_feed_back_in_as_inputs() {
    let k = Engine::default().compile("x * 2", &Signature::new().array("x", DType::Int32)).unwrap();
    let mut r = k.eval(&[(&[1i32, 2, 3]).into()]).unwrap();
    for _ in 0..3 {
        r = k.eval(&[r.as_input()]).unwrap();
    }
    assert_eq!(i32s(&r), &[16, 32, 48]);
}

#[test]
fn eval_into_a_caller_buffer() {
    let sig = Signature::new().array("a", DType::Float64).scalar("s", DType::Int64);
    let k = Engine::default().compile("a * s", &sig).unwrap();
    let a = [1.0, 2.0, 3.0];
    let mut out = [0.0f64; 3];
    k.eval_into(&[(&a).into(), 3i64.into()], ArrayMut::from(&mut out[..])).unwrap();
    assert_eq!(out, [3.0, 6.0, 9.0]);
    // Reusing the buffer.
    k.eval_into(&[(&a).into(), (-1i64).into()], ArrayMut::Float64(&mut out)).unwrap();
    assert_eq!(out, [-1.0, -2.0, -3.0]);

    // Wrong dtype.
    let mut wrong_dtype = [0.0f32; 3];
    let e = k.eval_into(&[(&a).into(), 3i64.into()], ArrayMut::Float32(&mut wrong_dtype)).unwrap_err();
    assert_variant!(e, Error::Input(_));
    assert_contains(e.message(), "float32");
    assert_contains(e.message(), "float64");
    assert_eq!(wrong_dtype, [0.0; 3], "the buffer is untouched on error");

    // Wrong length, both ways.
    for n in [2, 4] {
        let mut buf = vec![0.0f64; n];
        let e = k.eval_into(&[(&a).into(), 3i64.into()], ArrayMut::Float64(&mut buf)).unwrap_err();
        assert_variant!(e, Error::Input(_));
        assert_contains(e.message(), &format!("length {n}"));
        assert_contains(e.message(), "length 3");
    }

    // A scalar result goes into a buffer of length 1.
    let k = Engine::default().compile("sum(a) * s", &sig).unwrap();
    let mut one = [0.0f64; 1];
    k.eval_into(&[(&a).into(), 2i64.into()], ArrayMut::Float64(&mut one)).unwrap();
    assert_eq!(one, [12.0]);
    let mut three = [0.0f64; 3];
    let e = k.eval_into(&[(&a).into(), 2i64.into()], ArrayMut::Float64(&mut three)).unwrap_err();
    assert_variant!(e, Error::Input(_));

    // Input errors are reported before the buffer is looked at.
    let e = k.eval_into(&[(&a).into()], ArrayMut::Float64(&mut one)).unwrap_err();
    assert_variant!(e, Error::Input(_));
}

#[test]
fn evaluate_one_shot() {
    let a = [1.0, 4.0, 9.0];
    let b = [1i32, 2, 3];
    let r = evaluate("sqrt(a) * b", &[("a", (&a).into()), ("b", (&b).into())]).unwrap();
    assert_eq!(r.dtype(), DType::Float64);
    assert_eq!(f64s(&r), &[1.0, 4.0, 9.0]);

    // Scalars only: a 0-d result.
    let r = evaluate("s * 2", &[("s", 21i32.into())]).unwrap();
    assert_eq!(scalar(&r), Scalar::Int32(42));

    // No inputs at all.
    let r = evaluate("1 + 2", &[]).unwrap();
    assert_eq!(scalar(&r), Scalar::Int64(3));
}

fn assert_traits<T: Send + Sync + Clone + 'static>() {}
// Static assertions: kernels and engines can be shared between threads.
const _: fn() = assert_traits::<Kernel>;
const _: fn() = assert_traits::<Engine>;
const _: fn() = assert_traits::<Error>;

#[test]
fn one_kernel_from_four_threads() {
    let sig = Signature::new().array("a", DType::Float64).array("b", DType::Int32);
    let k = Engine::default().compile("t = a * b; sum(t) / (1 + abs(t)) + sin(a) ** 2", &sig).unwrap();
    let a: Vec<f64> = (0..1000).map(|i| i as f64 * 0.37 - 100.0).collect();
    let b: Vec<i32> = (0..1000).map(|i| (i * 7919) % 201 - 100).collect();
    let expected = k.eval(&[(&a).into(), (&b).into()]).unwrap();
    let results: Vec<Vec<Array>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                // Half the threads share the kernel by reference, half own a clone.
                let owned = k.clone();
                let (k, a, b) = (&k, &a, &b);
                s.spawn(move || {
                    (0..20)
                        .map(|_| {
                            let k = if i % 2 == 0 { k } else { &owned };
                            k.eval(&[a.into(), b.into()]).unwrap()
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for rs in results {
        for r in rs {
            assert_eq!(bits(f64s(&r)), bits(f64s(&expected)));
        }
    }
}

// ---------------------------------------------------------------------------
// Input checking.

#[test]
fn wrong_number_of_inputs() {
    let sig = Signature::new().array("a", DType::Float64).scalar("s", DType::Int64);
    let k = Engine::default().compile("a * s", &sig).unwrap();
    let a = [1.0];
    let e = k.eval(&[(&a).into()]).unwrap_err();
    assert_variant!(e, Error::Input(_));
    assert_contains(e.message(), "2 inputs, got 1");
    let e = k.eval(&[(&a).into(), 1i64.into(), 1i64.into()]).unwrap_err();
    assert_variant!(e, Error::Input(_));
    assert_contains(e.message(), "2 inputs, got 3");
    assert_variant!(k.eval(&[]).unwrap_err(), Error::Input(_));
}

#[test]
fn wrong_dtype_of_an_input() {
    let sig = Signature::new().array("a", DType::Float64).scalar("s", DType::Int64);
    let k = Engine::default().compile("a * s", &sig).unwrap();
    let a32 = [1.0f32];
    let e = k.eval(&[(&a32).into(), 1i64.into()]).unwrap_err();
    assert_variant!(e, Error::Input(_));
    assert_eq!(e.message(), "input `a` should be float64, got float32");
    assert_eq!(e.to_string(), "error: input `a` should be float64, got float32");
    let a = [1.0];
    let e = k.eval(&[(&a).into(), 1i32.into()]).unwrap_err();
    assert_variant!(e, Error::Input(_));
    assert_eq!(e.message(), "input `s` should be int64, got int32");
}

#[test]
fn scalar_versus_array_mismatch() {
    let sig = Signature::new().array("a", DType::Float64).scalar("s", DType::Int64);
    let k = Engine::default().compile("a * s", &sig).unwrap();
    let e = k.eval(&[1.0f64.into(), 1i64.into()]).unwrap_err();
    assert_variant!(e, Error::Input(_));
    assert_contains(e.message(), "`a` should be a 1-D array, got a scalar");
    let a = [1.0];
    let s = [1i64];
    let e = k.eval(&[(&a).into(), (&s).into()]).unwrap_err();
    assert_variant!(e, Error::Input(_));
    assert_contains(e.message(), "`s` should be a scalar, got a 1-D array");
}

#[test]
fn arrays_of_different_lengths() {
    let sig = Signature::new().array("alpha", DType::Float64).scalar("s", DType::Int64).array("beta", DType::Int32);
    let k = Engine::default().compile("alpha * s + beta", &sig).unwrap();
    let e = k.eval(&[(&[1.0, 2.0, 3.0]).into(), 1i64.into(), (&[1i32, 2]).into()]).unwrap_err();
    // Arrays broadcast as in NumPy; these do not, and the caret is under
    // the operation that combines them.
    assert_variant!(e, Error::Shape(_));
    assert_eq!(e.message(), "operands could not be broadcast together with shapes (3,) (2,)");
    assert_eq!(
        e.to_string(),
        "error: operands could not be broadcast together with shapes (3,) (2,)\n  |\n1 | alpha * s + beta\n  | ^^^^^^^^^^^^^^^^"
    );

    // A length-1 array broadcasts, as in NumPy.
    let r = evaluate("a + b", &[("a", (&[1.0]).into()), ("b", (&[1.0, 2.0]).into())]).unwrap();
    assert_eq!(r.as_f64().unwrap(), &[2.0, 3.0]);
}

#[test]
fn duplicate_names_in_a_signature() {
    let sig = Signature::new().array("a", DType::Float64).scalar("a", DType::Int64);
    let e = Engine::default().compile("a + 1", &sig).unwrap_err();
    assert_variant!(e, Error::Input(_));
    assert_contains(e.message(), "`a`");
    let x = [1.0];
    let e = evaluate("x", &[("x", (&x).into()), ("x", (&x).into())]).unwrap_err();
    assert_variant!(e, Error::Input(_));
}

// ---------------------------------------------------------------------------
// Programs.

#[test]
fn temporaries() {
    let a = [0.5f64, 1.0, -2.0];
    let b = [2.0f64, 3.0, 0.25];
    let r = ok("t = a*b; t + sin(t)", &[("a", (&a).into()), ("b", (&b).into())]);
    let want: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x * y + (x * y).sin()).collect();
    assert_eq!(f64s(&r), &want[..]);
}

#[test]
fn rebinding_a_name() {
    let a = [1i64, 2, 3];
    let r = ok("a = a*2; a + 1", &[("a", (&a).into())]);
    assert_eq!(i64s(&r), &[3, 5, 7]);
    // The caller's data is untouched.
    assert_eq!(a, [1, 2, 3]);
    // A temporary rebound with a different dtype.
    let r = ok("t = a; t = t / 2; t = t > 0.75; t", &[("a", (&a).into())]);
    assert_eq!(bools(&r), &[false, true, true]);
}

#[test]
fn last_statement_an_assignment() {
    let a = [1.0, 2.0];
    let r = ok("t = a + 1\nu = t * 10", &[("a", (&a).into())]);
    assert_eq!(f64s(&r), &[20.0, 30.0]);
    let r = ok("c = 2 + 3", &[]);
    assert_eq!(scalar(&r), Scalar::Int64(5));
}

#[test]
fn statements_newlines_and_comments() {
    let a = [1.0, 2.0];
    let src = "# leading comment\n\n  t = a * 2   # double\n\nu = t + 1;;\n# only a comment\nu * 3  \n\n";
    let r = ok(src, &[("a", (&a).into())]);
    assert_eq!(f64s(&r), &[9.0, 15.0]);
    // Line breaks inside parentheses continue the line; so does a backslash.
    let r = ok("t = (a +\n     1)\nt + \\\n 1", &[("a", (&a).into())]);
    assert_eq!(f64s(&r), &[3.0, 4.0]);
    // CRLF line endings and tabs.
    let r = ok("t = a\t* 2\r\nt + 1\r\n", &[("a", (&a).into())]);
    assert_eq!(f64s(&r), &[3.0, 5.0]);
    // A `#` inside an expression starts a comment.
    let r = ok("a + 1 # + 100", &[("a", (&a).into())]);
    assert_eq!(f64s(&r), &[2.0, 3.0]);
}

#[test]
fn empty_programs_are_syntax_errors() {
    for src in ["", "   ", "# nothing\n", ";\n;"] {
        assert_variant!(fails(src, &[]), Error::Syntax(_));
    }
}

#[test]
fn constants() {
    let r = ok("pi", &[]);
    assert_eq!(scalar(&r), Scalar::Float64(std::f64::consts::PI));
    let r = ok("e", &[]);
    assert_eq!(scalar(&r), Scalar::Float64(std::f64::consts::E));
    let r = ok("inf", &[]);
    assert_eq!(scalar(&r), Scalar::Float64(f64::INFINITY));
    let r = ok("-inf", &[]);
    assert_eq!(scalar(&r), Scalar::Float64(f64::NEG_INFINITY));
    match scalar(&ok("nan", &[])) {
        Scalar::Float64(v) => assert!(v.is_nan()),
        s => panic!("{s:?}"),
    }
    // Constants are Python floats: weak next to float32.
    let x = [1.0f32, 2.0];
    let r = ok("x * pi + e", &[("x", (&x).into())]);
    assert_eq!(f32s(&r), &[std::f32::consts::PI + std::f32::consts::E, 2.0 * std::f32::consts::PI + std::f32::consts::E]);
    let r = ok("isinf(x * inf) & isnan(x + nan)", &[("x", (&x).into())]);
    assert_eq!(bools(&r), &[true, true]);
}

#[test]
fn variables_shadow_constants() {
    let pi = [1.0, 2.0];
    let r = ok("pi * 2", &[("pi", (&pi).into())]);
    assert_eq!(f64s(&r), &[2.0, 4.0]);
    let r = ok("pi + 1", &[("pi", 3i32.into())]);
    assert_eq!(scalar(&r), Scalar::Int32(4));
    let a = [1.0];
    let r = ok("e = 2; nan = 0; inf = 1; a * e + nan + inf", &[("a", (&a).into())]);
    assert_eq!(f64s(&r), &[3.0]);
}

#[test]
fn function_names_as_variables() {
    let a = [1.0, 2.0, 3.0];
    // `sum` is a temporary and the reduction in one program.
    let r = ok("sum = a * 2; sum(sum) - sum", &[("a", (&a).into())]);
    assert_eq!(f64s(&r), &[10.0, 8.0, 6.0]);
    // An input called `sum`, reduced.
    let r = ok("sum(sum) + sum", &[("sum", (&a).into())]);
    assert_eq!(f64s(&r), &[7.0, 8.0, 9.0]);
    // Same for an elementwise function.
    let r = ok("sin = a + 1; sin(sin * 0)", &[("a", (&a).into())]);
    assert_eq!(f64s(&r), &[0.0, 0.0, 0.0]);
}

// ---------------------------------------------------------------------------
// NEP 50: Python numbers are weak.

#[test]
fn float32_with_python_float_stays_float32() {
    let x = [1.5f32, -2.0];
    let r = ok("x + 2.5", &[("x", (&x).into())]);
    assert_eq!(f32s(&r), &[4.0, 0.5]);
    let r = ok("x * 0.1", &[("x", (&x).into())]);
    assert_eq!(f32s(&r), &[1.5f32 * 0.1f32, -2.0f32 * 0.1f32]);
    // ...and with a Python int.
    let r = ok("x // 2 + 3", &[("x", (&x).into())]);
    assert_eq!(f32s(&r), &[3.0, 2.0]);
    // Comparisons convert the Python float to float32 first (NumPy 2:
    // np.float32(0.1) == 0.1 is True).
    let y = [0.1f32, 0.2];
    let r = ok("y == 0.1", &[("y", (&y).into())]);
    assert_eq!(bools(&r), &[true, false]);
}

#[test]
fn int32_with_python_int_stays_int32() {
    let a = [1i32, i32::MAX];
    let r = ok("a + 2", &[("a", (&a).into())]);
    assert_eq!(i32s(&r), &[3, i32::MIN + 1]);
    let r = ok("a * 2 - 1", &[("a", (&a).into())]);
    assert_eq!(r.dtype(), DType::Int32);
    // A Python float raises the kind: float64.
    let r = ok("a + 0.5", &[("a", (&a).into())]);
    assert_eq!(f64s(&r), &[1.5, i32::MAX as f64 + 0.5]);
}

#[test]
fn python_int_out_of_bounds_is_a_type_error() {
    let a = [1i32, 2];
    let e = fails("a + 3000000000", &[("a", (&a).into())]);
    assert_variant!(e, Error::Type(_));
    assert_contains(e.message(), "out of bounds");
    assert_contains(e.message(), "int32");
    assert_eq!(e.span(), Some(Span::new(4, 14)));
    let b = [1i64];
    let e = fails("b * 9223372036854775808", &[("b", (&b).into())]);
    assert_variant!(e, Error::Type(_));
    assert_contains(e.message(), "out of bounds for int64");
    // The most negative values still fit.
    let r = ok("a * 0 + -2147483648", &[("a", (&a).into())]);
    assert_eq!(i32s(&r), &[i32::MIN, i32::MIN]);
}

#[test]
fn comparison_with_out_of_range_python_int() {
    let a = [i32::MIN, 0, i32::MAX];
    let inputs = [("a", Input::from(&a))];
    assert_eq!(bools(&ok("a < 3000000000", &inputs)), &[true, true, true]);
    assert_eq!(bools(&ok("a >= 3000000000", &inputs)), &[false, false, false]);
    assert_eq!(bools(&ok("a == 3000000000", &inputs)), &[false, false, false]);
    assert_eq!(bools(&ok("a != 3000000000", &inputs)), &[true, true, true]);
    assert_eq!(bools(&ok("3000000000 > a", &inputs)), &[true, true, true]);
    assert_eq!(bools(&ok("-3000000000 < a", &inputs)), &[true, true, true]);
    assert_eq!(bools(&ok("a <= -3000000000", &inputs)), &[false, false, false]);
    let b = [i64::MAX];
    assert_eq!(bools(&ok("b < 9223372036854775808", &[("b", (&b).into())])), &[true]);
}

#[test]
fn bool_with_python_int_is_int64() {
    let c = [true, false];
    let r = ok("c + 1", &[("c", (&c).into())]);
    assert_eq!(i64s(&r), &[2, 1]);
    // Python bools stay bool next to bool arrays.
    let r = ok("c + True", &[("c", (&c).into())]);
    assert_eq!(bools(&r), &[true, true]);
    // ...and take the other dtype otherwise.
    let a = [5i32];
    let r = ok("a + True", &[("a", (&a).into())]);
    assert_eq!(i32s(&r), &[6]);
    // A Python float with bool: float64.
    let r = ok("c * 1.5", &[("c", (&c).into())]);
    assert_eq!(f64s(&r), &[1.5, 0.0]);
}

#[test]
fn zero_d_inputs_are_strong() {
    let a = [1i32, 2];
    let r = ok("s + a", &[("s", 10i64.into()), ("a", (&a).into())]);
    assert_eq!(i64s(&r), &[11, 12]);
    let x = [1.5f32];
    let r = ok("x * s", &[("x", (&x).into()), ("s", 2.0f64.into())]);
    assert_eq!(f64s(&r), &[3.0]);
    // A cast gives a strong value too.
    let r = ok("a + int64(1)", &[("a", (&a).into())]);
    assert_eq!(i64s(&r), &[2, 3]);
}

#[test]
fn where_with_python_ints_is_int64() {
    let c = [true, false, true];
    let r = ok("where(c, 1, 0)", &[("c", (&c).into())]);
    assert_eq!(i64s(&r), &[1, 0, 1]);
    let r = ok("where(c, 1, 0.5)", &[("c", (&c).into())]);
    assert_eq!(f64s(&r), &[1.0, 0.5, 1.0]);
    // The result of `where` is strong: int32 + int64 array is int64.
    let a = [1i32, 2, 3];
    let r = ok("a + where(c, 1, 0)", &[("a", (&a).into()), ("c", (&c).into())]);
    assert_eq!(i64s(&r), &[2, 2, 4]);
}

#[test]
fn where_of_python_numbers_promotes_its_branches() {
    // NumPy: np.where(True, 1, 2.5) is array(1.) -- float64, not the int 1.
    let r = ok("where(True, 1, 2.5)", &[]);
    assert_eq!(scalar(&r), Scalar::Float64(1.0));
    // And it is a NumPy array, so strong: int32 + np.where(True, 1, 0) is int64.
    let a = [1i32, 2];
    let r = ok("a + where(True, 1, 0)", &[("a", (&a).into())]);
    assert_eq!(i64s(&r), &[2, 3]);
}

#[test]
fn numpy_functions_of_python_numbers_are_strong() {
    // In NumPy, np.sqrt(2) is an np.float64 scalar, which NEP 50 treats as
    // strong: float32 array * np.sqrt(2) is float64.
    let x = [1.5f32];
    let r = ok("x * sqrt(2)", &[("x", (&x).into())]);
    assert_eq!(f64s(&r), &[1.5 * 2f64.sqrt()]);
    let r = ok("x * sin(1)", &[("x", (&x).into())]);
    assert_eq!(r.dtype(), DType::Float64);
    let a = [1i32, 2];
    let r = ok("a + maximum(1, 2)", &[("a", (&a).into())]);
    assert_eq!(i64s(&r), &[3, 4]);
}

#[test]
fn constant_only_programs() {
    let r = ok("cos(1+1)", &[]);
    assert_eq!(r.shape(), &[] as &[usize]);
    assert_eq!(scalar(&r), Scalar::Float64(2f64.cos()));
    assert_eq!(scalar(&ok("7.0 < 5", &[])), Scalar::Bool(false));
    assert_eq!(scalar(&ok("2**-1", &[])), Scalar::Float64(0.5));
    assert_eq!(scalar(&ok("7 // 2", &[])), Scalar::Int64(3));
    assert_eq!(scalar(&ok("-7 // 2", &[])), Scalar::Int64(-4));
    assert_eq!(scalar(&ok("-7 % 3", &[])), Scalar::Int64(2));
    assert_eq!(scalar(&ok("7 % -3", &[])), Scalar::Int64(-2));
    assert_eq!(scalar(&ok("True + True", &[])), Scalar::Int64(2));
    assert_eq!(scalar(&ok("True & False", &[])), Scalar::Bool(false));
    assert_eq!(scalar(&ok("1 < 2 < 3", &[])), Scalar::Bool(true));
    assert_eq!(scalar(&ok("3 > 2 > 2", &[])), Scalar::Bool(false));
    assert_eq!(scalar(&ok("7 / 2", &[])), Scalar::Float64(3.5));
    assert_eq!(scalar(&ok("-2**2", &[])), Scalar::Int64(-4));
    assert_eq!(scalar(&ok("2**3**2", &[])), Scalar::Int64(512));
    assert_eq!(scalar(&ok("not True", &[])), Scalar::Bool(false));
    // Python's exact integers: intermediate values beyond int64 are fine.
    assert_eq!(scalar(&ok("2**70 // 2**68", &[])), Scalar::Int64(4));
}

#[test]
fn numpy_functions_of_python_bools_use_numpy_bool_loops() {
    // np.sqrt(True) is float16 and np.square(True) int8, exactly like the
    // same functions on bool arrays; np.abs(True) is np.True_. A Python
    // bool is not an int once it reaches a NumPy function.
    assert_eq!(scalar(&ok("sqrt(True)", &[])), Scalar::Float16(numjet::dtype::F16::from_f32(1.0)));
    assert_eq!(scalar(&ok("sin(False) + 1", &[])), Scalar::Float16(numjet::dtype::F16::from_f32(1.0)));
    assert_eq!(scalar(&ok("square(True)", &[])), Scalar::Int8(1));
    assert_eq!(scalar(&ok("abs(True)", &[])), Scalar::Bool(true));
    assert_eq!(scalar(&ok("ceil(False)", &[])), Scalar::Bool(false));
}

#[test]
fn comparisons_of_python_numbers_are_python_bools() {
    // In Python `1 < 2` is True, an int in arithmetic: (1 < 2) + (2 < 3) is
    // 2 and -(1 < 2) is -1, just like True + True and -True.
    assert_eq!(scalar(&ok("True + True", &[])), Scalar::Int64(2));
    assert_eq!(scalar(&ok("-True", &[])), Scalar::Int64(-1));
    assert_eq!(scalar(&ok("(1 < 2) + (2 < 3)", &[])), Scalar::Int64(2));
    assert_eq!(scalar(&ok("-(1 < 2)", &[])), Scalar::Int64(-1));
    // ...and weak: ((1 < 2) + 0) is the Python int 1, so float32 stays float32.
    let x = [1.5f32];
    let r = ok("x * ((1 < 2) + 0)", &[("x", (&x).into())]);
    assert_eq!(f32s(&r), &[1.5]);
}

#[test]
fn constant_floor_division_with_a_negative_divisor_follows_python() {
    // Python: 7 // -2 == -4, -7 // -2 == 3, 3 // -2147483648 == -1.
    assert_eq!(scalar(&ok("7 // -2", &[])), Scalar::Int64(-4));
    assert_eq!(scalar(&ok("-7 // -2", &[])), Scalar::Int64(3));
    assert_eq!(scalar(&ok("7 // -3", &[])), Scalar::Int64(-3));
    assert_eq!(scalar(&ok("3 // -2147483648", &[])), Scalar::Int64(-1));
    assert_eq!(scalar(&ok("6 // -3", &[])), Scalar::Int64(-2));
    // The moduli already agree with Python.
    assert_eq!(scalar(&ok("7 % -2", &[])), Scalar::Int64(-1));
    assert_eq!(scalar(&ok("-7 % -2", &[])), Scalar::Int64(-1));
    // The same values at run time, on an int64 array.
    let a = [7i64, -7, 3];
    assert_eq!(i64s(&ok("a // -2", &[("a", (&a).into())])), &[-4, 3, -2]);
}

#[test]
fn constant_float_power_overflow_is_an_error() {
    // Python raises OverflowError for 1e300 ** 2 (but 1e300 * 1e300 is inf).
    assert_variant!(fails("1e300 ** 2", &[]), Error::Type(_));
    assert_variant!(fails("2.5 ** 3000000000", &[]), Error::Type(_));
    assert_eq!(scalar(&ok("1e300 * 1e300", &[])), Scalar::Float64(f64::INFINITY));
}

#[test]
fn constant_division_by_zero_is_an_error() {
    for src in ["1/0", "1 // 0", "1 % 0", "1.0 / 0.0", "2.5 // 0", "0.0 ** -1"] {
        let e = fails(src, &[]);
        assert_variant!(e, Error::Type(_));
    }
    let e = fails("1/0", &[]);
    assert_contains(e.message(), "division by zero");
    assert_eq!(e.span(), Some(Span::new(0, 3)));
}

// ---------------------------------------------------------------------------
// Semantics.

#[test]
fn integer_division_and_modulo_by_zero_give_zero() {
    let a = [7i32, -7, 0];
    let z = [0i32, 0, 0];
    let r = ok("a // z", &[("a", (&a).into()), ("z", (&z).into())]);
    assert_eq!(i32s(&r), &[0, 0, 0]);
    let r = ok("a % z", &[("a", (&a).into()), ("z", (&z).into())]);
    assert_eq!(i32s(&r), &[0, 0, 0]);
    let b = [7i64, -7];
    let r = ok("b // 0", &[("b", (&b).into())]);
    assert_eq!(i64s(&r), &[0, 0]);
    let r = ok("b % 0", &[("b", (&b).into())]);
    assert_eq!(i64s(&r), &[0, 0]);
    // Float division by zero is IEEE.
    let x = [1.0, -1.0, 0.0];
    let r = ok("x / 0", &[("x", (&x).into())]);
    let v = f64s(&r);
    assert_eq!(v[0], f64::INFINITY);
    assert_eq!(v[1], f64::NEG_INFINITY);
    assert!(v[2].is_nan());
}

#[test]
fn int_min_floor_div_minus_one_wraps() {
    let a = [i32::MIN, -7];
    let r = ok("a // -1", &[("a", (&a).into())]);
    assert_eq!(i32s(&r), &[i32::MIN, 7]);
    let r = ok("a % -1", &[("a", (&a).into())]);
    assert_eq!(i32s(&r), &[0, 0]);
    let b = [i64::MIN];
    let r = ok("b // -1", &[("b", (&b).into())]);
    assert_eq!(i64s(&r), &[i64::MIN]);
    let r = ok("-b", &[("b", (&b).into())]);
    assert_eq!(i64s(&r), &[i64::MIN]);
    let r = ok("abs(b)", &[("b", (&b).into())]);
    assert_eq!(i64s(&r), &[i64::MIN]);
}

#[test]
fn integer_overflow_wraps() {
    let a = [i32::MAX, i32::MIN];
    let r = ok("a + 1", &[("a", (&a).into())]);
    assert_eq!(i32s(&r), &[i32::MIN, i32::MIN + 1]);
    let r = ok("a * 2", &[("a", (&a).into())]);
    assert_eq!(i32s(&r), &[-2, 0]);
    let b = [i64::MAX, 3];
    let r = ok("b + 1", &[("b", (&b).into())]);
    assert_eq!(i64s(&r), &[i64::MIN, 4]);
    let r = ok("b ** 40", &[("b", (&b).into())]);
    assert_eq!(i64s(&r), &[1, 3i64.wrapping_pow(40)]);
    // Sums wrap too.
    let r = ok("sum(b)", &[("b", (&b).into())]);
    assert_eq!(scalar(&r), Scalar::Int64(i64::MIN + 2));
}

#[test]
fn integer_to_negative_power() {
    let a = [2i64, 3];
    let p = [1i64, -1];
    let e = fails("a ** p", &[("a", (&a).into()), ("p", (&p).into())]);
    assert_variant!(e, Error::Runtime(_));
    assert_contains(e.message(), "negative");
    // A non-negative exponent array is fine.
    let q = [3i64, 0];
    assert_eq!(i64s(&ok("a ** q", &[("a", (&a).into()), ("q", (&q).into())])), &[8, 1]);
    // A constant negative exponent fails for every element of an array,
    // when it is evaluated (an empty array gives an empty result, as in
    // NumPy); on a 0-d base it fails at compile time, as NumPy's
    // ValueError (a value error, not a dtype one).
    for src in ["a ** -1", "a ** -2", "power(a, -1)"] {
        let e = fails(src, &[("a", (&a).into())]);
        assert_variant!(e, Error::Runtime(_));
        assert_contains(e.message(), "negative");
        let empty: [i64; 0] = [];
        assert_eq!(ok(src, &[("a", (&empty).into())]).len(), 0);
        let sig = Signature::new().scalar("a", DType::Int64);
        let e = Engine::default().compile(src, &sig).unwrap_err();
        assert_variant!(e, Error::Value(_));
        assert_contains(e.message(), "negative");
    }
    let a32 = [2i32];
    assert!(matches!(fails("a ** -1", &[("a", (&a32).into())]), Error::Runtime(_)));
    // With a float exponent it is a float power.
    let r = ok("a ** -1.0", &[("a", (&a).into())]);
    assert_eq!(f64s(&r), &[0.5, 1.0 / 3.0]);
}

#[test]
fn negating_bools_is_a_type_error() {
    let c = [true];
    let e = fails("-c", &[("c", (&c).into())]);
    assert_variant!(e, Error::Type(_));
    assert_eq!(e.span(), Some(Span::new(0, 2)));
    assert_variant!(fails("c - c", &[("c", (&c).into())]), Error::Type(_));
    assert_variant!(fails("+c", &[("c", (&c).into())]), Error::Type(_));
    // `~` on bool is logical not.
    assert_eq!(bools(&ok("~c", &[("c", (&c).into())])), &[false]);
}

#[test]
fn functions_of_bool_arrays_compute_in_float16_and_int8_as_numpy() {
    let c = [true, false];
    let r = ok("sqrt(c)", &[("c", (&c).into())]);
    assert_eq!(r.dtype(), DType::Float16);
    assert_eq!(r.to_string(), "array([1., 0.], dtype=float16)");
    assert_eq!(ok("sin(c) + 1", &[("c", (&c).into())]).dtype(), DType::Float16);
    // Casting first still picks the dtype.
    let r = ok("sqrt(float32(c))", &[("c", (&c).into())]);
    assert_eq!(f32s(&r), &[1.0, 0.0]);
    // `bool // bool`, `%` and `**` are int8 in NumPy.
    for src in ["c // c", "c % c", "c ** c", "c << c"] {
        assert_eq!(ok(src, &[("c", (&c).into())]).dtype(), DType::Int8, "{src}");
    }
    // `sign` has no bool loop.
    assert_variant!(fails("sign(c)", &[("c", (&c).into())]), Error::Type(_));
}

#[test]
fn bitwise_on_floats_is_a_type_error() {
    let a = [1.0];
    let b = [2.0f32];
    let i = [3i32];
    let inputs = [("a", Input::from(&a)), ("b", (&b).into()), ("i", (&i).into())];
    for src in ["a & a", "a | 1", "b ^ b", "~a", "i & b", "a << 1", "i >> 1.5"] {
        assert_variant!(fails(src, &inputs), Error::Type(_));
    }
    assert_eq!(i32s(&ok("i & 1 | 4 ^ 2", &inputs)), &[7]);
}

#[test]
fn and_or_not_need_bools() {
    let a = [1i64, 0];
    let c = [true, false];
    let d = [true, true];
    let inputs = [("a", Input::from(&a)), ("c", (&c).into()), ("d", (&d).into())];
    for src in ["a and c", "c or a", "not a", "c and 1", "not 1.5"] {
        let e = fails(src, &inputs);
        assert_variant!(e, Error::Type(_));
        assert!(e.hint().is_some(), "{src}: {e}");
    }
    assert_eq!(bools(&ok("c and d", &inputs)), &[true, false]);
    assert_eq!(bools(&ok("c or not d", &inputs)), &[true, false]);
    assert_eq!(bools(&ok("not c", &inputs)), &[false, true]);
    // Precedence: `not` binds looser than comparisons, `and` tighter than `or`.
    assert_eq!(bools(&ok("not a > 0", &inputs)), &[false, true]);
    assert_eq!(bools(&ok("c or d and not d", &inputs)), &[true, false]);
}

#[test]
fn not_not_is_valid_python() {
    // `not not x` is valid Python (not_test: 'not' not_test).
    let c = [true, false];
    let r = ok("not not c", &[("c", (&c).into())]);
    assert_eq!(bools(&r), &[true, false]);
    assert_eq!(scalar(&ok("not not True", &[])), Scalar::Bool(true));
}

#[test]
fn bitwise_and_between_comparisons_hints_at_parentheses() {
    let a = [0.5, 2.0];
    let b = [1.0, 1.0];
    let inputs = [("a", Input::from(&a)), ("b", (&b).into())];
    let e = fails("a < 1 & b < 2", &inputs);
    assert_variant!(e, Error::Type(_));
    let hint = e.hint().expect("a hint");
    assert_contains(hint, "binds tighter than comparisons");
    assert_contains(hint, "(a < 1) & (b < 2)");
    assert_eq!(e.span(), Some(Span::new(4, 9)));
    // `|` too.
    let e = fails("a > 1 | b > 2", &inputs);
    assert_contains(e.hint().unwrap(), "`|` binds tighter");
    // Written with parentheses it works.
    assert_eq!(bools(&ok("(a < 1) & (b < 2)", &inputs)), &[true, false]);
}

#[test]
fn precedence_hint_quotes_the_programs_own_operands() {
    // The suggested fix should be the user's expression parenthesised, not
    // a fixed example naming variables the program does not have.
    let x = [0.5];
    let e = fails("x > 0 & x < 1", &[("x", Input::from(&x))]);
    assert_variant!(e, Error::Type(_));
    let hint = e.hint().expect("a hint");
    assert_contains(hint, "(x > 0) & (x < 1)");
    assert!(!hint.contains("b < 2"), "the hint names a variable `b` that does not exist: {hint}");
}

#[test]
fn chained_comparison() {
    let a: Vec<f64> = vec![-0.5, 0.0, 0.25, 0.999, 1.0, 7.0, f64::NAN];
    let inputs = [("a", Input::from(&a))];
    let chained = ok("0 < a < 1", &inputs);
    let explicit = ok("(0 < a) & (a < 1)", &inputs);
    assert_eq!(bools(&chained), bools(&explicit));
    assert_eq!(bools(&chained), &[false, false, true, true, false, false, false]);
    let r = ok("0 <= a <= 1 != False", &inputs);
    assert_eq!(bools(&r), &[false, true, true, true, true, false, false]);
}

#[test]
fn conditional_expression() {
    let a = [1.0, -2.0, 3.0];
    let b = [10i32, 20, 30];
    let inputs = [("a", Input::from(&a)), ("b", (&b).into())];
    let r = ok("a if a > 0 else b", &inputs);
    assert_eq!(f64s(&r), &[1.0, 20.0, 3.0]);
    // Right-associative, lowest precedence.
    let r = ok("1 if a > 2 else 2 if a > 0 else 3", &inputs);
    assert_eq!(i64s(&r), &[2, 3, 1]);
    let r = ok("b + 1 if a > 0 else b - 1", &inputs);
    assert_eq!(i32s(&r), &[11, 19, 31]);
    // Same as `where`.
    assert_eq!(f64s(&ok("where(a > 0, a, b)", &inputs)), &[1.0, 20.0, 3.0]);
}

#[test]
fn real_and_imag_attributes() {
    let a = [1.5, -2.0];
    let i = [3i32];
    let inputs = [("a", Input::from(&a))];
    assert_eq!(f64s(&ok("a.real", &inputs)), &[1.5, -2.0]);
    assert_eq!(f64s(&ok("a.imag", &inputs)), &[0.0, 0.0]);
    assert_eq!(f64s(&ok("(a * 2).real + 1", &inputs)), &[4.0, -3.0]);
    assert_eq!(i32s(&ok("i.imag + i.real", &[("i", (&i).into())])), &[3]);
    let e = fails("a.foo", &inputs);
    assert!(e.span().is_some());
    assert_eq!(e.span(), Some(Span::new(2, 5)));
    assert_contains(e.message(), "foo");
    assert_variant!(fails("a.", &inputs), Error::Syntax(_));
}

#[test]
fn reductions_anywhere() {
    let a = [1.0, 2.0, 3.0, 6.0];
    let b = [1.0, 1.0, 1.0, 1.0];
    let inputs = [("a", Input::from(&a)), ("b", (&b).into())];
    assert_eq!(f64s(&ok("a - mean(a)", &inputs)), &[-2.0, -1.0, 0.0, 3.0]);
    assert_eq!(scalar(&ok("sum(a) / sum(b)", &inputs)), Scalar::Float64(3.0));
    assert_eq!(scalar(&ok("sum(a, axis=0)", &inputs)), Scalar::Float64(12.0));
    assert_eq!(scalar(&ok("sum(a, axis=-1)", &inputs)), Scalar::Float64(12.0));
    assert_eq!(f64s(&ok("(a - min(a)) / (max(a) - min(a))", &inputs)), &[0.0, 0.2, 0.4, 1.0]);
    assert_eq!(scalar(&ok("sum(a * b > 1.5)", &inputs)), Scalar::Int64(3));
    assert_eq!(scalar(&ok("prod(a)", &inputs)), Scalar::Float64(36.0));
    assert_eq!(scalar(&ok("any(a > 5) & all(b == 1)", &inputs)), Scalar::Bool(true));
    assert_eq!(scalar(&ok("mean(a - mean(a))", &inputs)), Scalar::Float64(0.0));
    // Reductions of int32 accumulate in int64.
    let i = [i32::MAX, 1];
    assert_eq!(scalar(&ok("sum(i)", &[("i", (&i).into())])), Scalar::Int64(i32::MAX as i64 + 1));
    assert_eq!(scalar(&ok("mean(i)", &[("i", (&i).into())])), Scalar::Float64((i32::MAX as f64 + 1.0) / 2.0));
    let c = [true, false, true];
    let inputs = [("c", Input::from(&c))];
    assert_eq!(scalar(&ok("sum(c)", &inputs)), Scalar::Int64(2));
    assert_eq!(scalar(&ok("max(c)", &inputs)), Scalar::Bool(true));
    assert_eq!(scalar(&ok("min(c)", &inputs)), Scalar::Bool(false));
    assert_eq!(scalar(&ok("mean(c)", &inputs)), Scalar::Float64(2.0 / 3.0));
    let x = [1.5f32, 2.5];
    assert_eq!(scalar(&ok("mean(x)", &[("x", (&x).into())])), Scalar::Float32(2.0));
    // The reduction of a 0-d value is that value.
    assert_eq!(scalar(&ok("sum(s) + max(s)", &[("s", 3i32.into())])), Scalar::Int64(6));
}

#[test]
fn reduction_keyword_errors() {
    let a = [1.0, 2.0];
    let inputs = [("a", Input::from(&a))];
    let e = fails("sum(a, axis=1)", &inputs);
    assert_variant!(e, Error::Keyword(_));
    assert_contains(e.message(), "out of bounds");
    assert_eq!(e.span(), Some(Span::new(12, 13)));
    let e = fails("sum(a, foo=1)", &inputs);
    assert_variant!(e, Error::Keyword(_));
    assert_contains(e.message(), "`foo`");
    assert_eq!(e.span(), Some(Span::new(7, 10)));
    let e = fails("sin(a, axis=0)", &inputs);
    assert_variant!(e, Error::Keyword(_));
    assert_variant!(fails("sum(a, axis=0, axis=0)", &inputs), Error::Keyword(_));
    assert_variant!(fails("sum(a, axis=0.5)", &inputs), Error::Keyword(_));
    assert_variant!(fails("sum(a, axis=a)", &inputs), Error::Keyword(_));
    // A 0-d value has no axis 0.
    assert_variant!(fails("sum(s, axis=0)", &[("s", 1.0f64.into())]), Error::Keyword(_));
}

#[test]
fn reductions_of_empty_arrays() {
    let a: [f64; 0] = [];
    let i: [i32; 0] = [];
    let inputs = [("a", Input::from(&a)), ("i", (&i).into())];
    for src in ["min(a)", "max(a)", "min(i)", "max(a * 2) + 1"] {
        let e = fails(src, &inputs);
        assert_variant!(e, Error::Runtime(_));
        assert_contains(e.message(), "zero-size array");
    }
    match scalar(&ok("mean(a)", &inputs)) {
        Scalar::Float64(v) => assert!(v.is_nan()),
        s => panic!("{s:?}"),
    }
    match scalar(&ok("mean(i)", &inputs)) {
        Scalar::Float64(v) => assert!(v.is_nan()),
        s => panic!("{s:?}"),
    }
    assert_eq!(scalar(&ok("sum(a)", &inputs)), Scalar::Float64(0.0));
    assert_eq!(scalar(&ok("sum(i)", &inputs)), Scalar::Int64(0));
    assert_eq!(scalar(&ok("prod(a)", &inputs)), Scalar::Float64(1.0));
    assert_eq!(scalar(&ok("any(a)", &inputs)), Scalar::Bool(false));
    assert_eq!(scalar(&ok("all(a)", &inputs)), Scalar::Bool(true));
}

#[test]
fn sum_and_mean_of_a_zero_d_negative_zero() {
    // NumPy adds to +0.0: np.sum(np.array(-0.0)) and np.mean(np.array(-0.0))
    // are 0.0, as np.sum(np.array([-0.0])) is; prod, min and max keep -0.0.
    let one = [-0.0f64];
    assert_eq!(bits(&[f64s(&ok("x + sum(x)", &[("x", (&one).into())]))[0]]), bits(&[0.0]));
    let inputs = [("s", Input::from(-0.0f64))];
    for src in ["sum(s)", "mean(s)", "sum(-0.0)", "mean(-0.0)"] {
        assert_eq!(scalar(&ok(src, &inputs)), Scalar::Float64(0.0));
        match scalar(&ok(src, &inputs)) {
            Scalar::Float64(v) => assert!(v.is_sign_positive(), "{src} gave -0.0"),
            s => panic!("{s:?}"),
        }
    }
    for src in ["prod(s)", "min(s)", "max(s)"] {
        match scalar(&ok(src, &inputs)) {
            Scalar::Float64(v) => assert!(v == 0.0 && v.is_sign_negative(), "{src} gave {v}"),
            s => panic!("{s:?}"),
        }
    }
}

#[test]
fn float32_sum_is_pairwise() {
    let x = vec![0.1f32; 10_000_000];
    let r = ok("sum(x)", &[("x", (&x).into())]);
    let s = match scalar(&r) {
        Scalar::Float32(v) => v,
        s => panic!("expected float32, got {s:?}"),
    };
    assert!(((s as f64) - 1e6).abs() / 1e6 < 1e-3, "{s}");
    // Bit for bit what NumPy 2.4 gives (float(np.sum(...)) == 1000000.125);
    // a naive left-to-right float32 sum would be off by ~9%.
    assert_eq!(f64::from(s), 1_000_000.125);
}

#[test]
fn power_operator_half_is_sqrt() {
    let x = [-0.0, 4.0, f64::NEG_INFINITY];
    let inputs = [("x", Input::from(&x))];
    let r = ok("x ** 0.5", &inputs);
    let v = f64s(&r);
    assert_eq!(v[0].to_bits(), (-0.0f64).to_bits(), "(-0.0) ** 0.5 is -0.0 (sqrt)");
    assert_eq!(v[1], 2.0);
    assert!(v[2].is_nan(), "sqrt(-inf) is nan");
    let x32 = [-0.0f32];
    let r = ok("x ** 0.5", &[("x", (&x32).into())]);
    assert_eq!(f32s(&r)[0].to_bits(), (-0.0f32).to_bits());
}

#[test]
fn power_function_with_array_exponent_is_pow() {
    // An elementwise exponent goes through C `pow`: pow(-0.0, 0.5) is +0.0.
    let x = [-0.0, f64::NEG_INFINITY];
    let y = [0.5, 0.5];
    let r = ok("power(x, y)", &[("x", (&x).into()), ("y", (&y).into())]);
    assert_eq!(bits(f64s(&r)), bits(&[0.0, f64::INFINITY]));
}

#[test]
fn power_function_with_scalar_half_exponent_matches_numpy() {
    // NumPy >= 2.1 (numpy/numpy#26055) fast-paths a stride-0 exponent of 0.5
    // inside the `power` loop itself, so in NumPy 2.4
    // np.power(np.array([-0.0, -inf]), 0.5) is [-0.0, nan] (sqrt), exactly
    // like `x ** 0.5`; only an elementwise exponent array gives C pow's
    // [+0.0, inf].
    let x = [-0.0, f64::NEG_INFINITY, 9.0];
    let r = ok("power(x, 0.5)", &[("x", (&x).into())]);
    let v = f64s(&r);
    assert_eq!(v[0].to_bits(), (-0.0f64).to_bits());
    assert!(v[1].is_nan());
    assert_eq!(v[2], 3.0);
    // The same with a 0-d input exponent (also stride 0 in NumPy).
    let r = ok("x ** s", &[("x", (&x).into()), ("s", 0.5f64.into())]);
    assert_eq!(f64s(&r)[0].to_bits(), (-0.0f64).to_bits());
}

#[test]
fn casts() {
    let x = [1.7, -1.7, f64::NAN, 3e9];
    let inputs = [("x", Input::from(&x))];
    assert_eq!(i32s(&ok("int32(x)", &inputs)), &[1, -1, i32::MIN, i32::MIN]);
    assert_eq!(i64s(&ok("int64(x)", &inputs)), &[1, -1, i64::MIN, 3_000_000_000]);
    assert_eq!(bools(&ok("bool(x)", &inputs)), &[true, true, true, true]);
    assert_eq!(scalar(&ok("int32(7)", &[])), Scalar::Int32(7));
    assert_eq!(scalar(&ok("float32(0.1)", &[])), Scalar::Float32(0.1));
    assert_variant!(fails("int32(3000000000)", &[]), Error::Type(_));
}

// ---------------------------------------------------------------------------
// Errors.

#[test]
fn unknown_name_suggests_the_closest() {
    let a = [1.0];
    let inputs = [("alpha", Input::from(&a)), ("beta", (&a).into())];
    let e = fails("alpah * 2", &inputs);
    assert_variant!(e, Error::UnknownName(_));
    assert_eq!(e.hint(), Some("did you mean `alpha`?"));
    assert_eq!(e.message(), "unknown name `alpah`");
    assert_eq!(e.span(), Some(Span::new(0, 5)));
    // Temporaries and constants are candidates too.
    let e = fails("total = alpha + beta; totl", &inputs);
    assert_eq!(e.hint(), Some("did you mean `total`?"));
    let e = fails("alpha * pj", &inputs);
    assert_eq!(e.hint(), Some("did you mean `pi`?"));
    // Nothing close: the defined names are listed.
    let e = fails("alpha * zzzzzz", &inputs);
    assert_variant!(e, Error::UnknownName(_));
    assert_eq!(e.hint(), Some("defined names: alpha, beta"));
    // A name used before its assignment is unknown.
    let e = fails("u = t + 1; t = alpha; u", &inputs);
    assert_variant!(e, Error::UnknownName(_));
    assert_eq!(e.span(), Some(Span::new(4, 5)));
}

#[test]
fn unknown_function_suggests_the_closest() {
    let a = [1.0];
    let inputs = [("a", Input::from(&a))];
    let e = fails("sqr(a)", &inputs);
    assert_variant!(e, Error::UnknownFunction(_));
    assert_eq!(e.hint(), Some("did you mean `sqrt`?"));
    assert_eq!(e.span(), Some(Span::new(0, 3)));
    let e = fails("a + arcsni(a)", &inputs);
    assert_eq!(e.hint(), Some("did you mean `arcsin`?"));
    let e = fails("frobnicate(a)", &inputs);
    assert_variant!(e, Error::UnknownFunction(_));
    assert_eq!(e.hint(), None);
}

#[test]
fn wrong_arity() {
    let a = [1.0];
    let inputs = [("a", Input::from(&a))];
    let e = fails("where(a, a)", &inputs);
    assert_variant!(e, Error::Arity(_));
    assert_eq!(e.message(), "`where` takes 3 arguments, got 2");
    assert_eq!(e.span(), Some(Span::new(0, 11)));
    let e = fails("sin(a, a)", &inputs);
    assert_eq!(e.message(), "`sin` takes 1 argument, got 2");
    let e = fails("sum()", &inputs);
    assert_variant!(e, Error::Arity(_));
    assert_eq!(e.message(), "`sum` takes 1 argument, got 0");
    assert_variant!(fails("arctan2(a)", &inputs), Error::Arity(_));
    assert_variant!(fails("clip(a, 0)", &inputs), Error::Arity(_));
    assert_variant!(fails("float32(a, a)", &inputs), Error::Arity(_));
}

#[test]
fn calling_a_variable() {
    let a = [1.0];
    let e = fails("a(1)", &[("a", Input::from(&a))]);
    assert_variant!(e, Error::UnknownFunction(_));
    assert_eq!(e.message(), "`a` is a variable, not a function");
    assert_eq!(e.span(), Some(Span::new(0, 1)));
    let e = fails("t = a; t(a)", &[("a", Input::from(&a))]);
    assert_variant!(e, Error::UnknownFunction(_));
    // Calling anything but a name is a syntax error.
    assert_variant!(fails("(a)(1)", &[("a", Input::from(&a))]), Error::Syntax(_));
}

#[test]
fn function_name_as_a_value() {
    let a = [1.0];
    let e = fails("a + sin", &[("a", Input::from(&a))]);
    assert_variant!(e, Error::UnknownName(_));
    assert_eq!(e.message(), "`sin` is a function, not a value");
    assert_eq!(e.span(), Some(Span::new(4, 7)));
    assert_eq!(e.hint(), Some("call it: `sin(x)`"));
    assert_variant!(fails("sum * 2", &[("a", Input::from(&a))]), Error::UnknownName(_));
}

#[test]
fn spans_point_at_the_offending_text() {
    let a = [1.0];
    let c = [true];
    let inputs = [("a", Input::from(&a)), ("c", (&c).into())];
    let cases: &[(&str, usize, usize)] = &[
        ("sqrt(aa) + 1", 5, 7),
        ("(a +\n  bb)", 7, 9),
        ("a + )", 4, 5),
        ("a +", 3, 3),
        ("a $ 2", 2, 3),
        ("1e + a", 0, 2),
        ("a + 007", 4, 7),
        // A parenthesised expression's span includes the parentheses.
        ("a * (c - c)", 4, 11),
        ("-c + a", 0, 2),
        ("where(c, a)", 0, 11),
        ("x = sqr(a)", 4, 7),
        ("(a + 1", 6, 6),
        ("a = = 1", 4, 5),
    ];
    for &(src, start, end) in cases {
        let e = fails(src, &inputs);
        assert_eq!(e.span(), Some(Span::new(start, end)), "`{src}`: {e}");
    }
}

#[test]
fn errors_render_a_caret_line() {
    let a = [1.0];
    let alpha = [1.0];
    let inputs = [("a", Input::from(&a)), ("alpha", (&alpha).into())];
    assert_eq!(
        fails("sqr(a) + 1", &inputs).to_string(),
        "error: unknown function `sqr`\n  |\n1 | sqr(a) + 1\n  | ^^^ did you mean `sqrt`?"
    );
    assert_eq!(fails("where(a, a)", &inputs).to_string(), "error: `where` takes 3 arguments, got 2\n  |\n1 | where(a, a)\n  | ^^^^^^^^^^^");
    assert_eq!(
        fails("t = a * 2\nu = t + alpah", &inputs).to_string(),
        "error: unknown name `alpah`\n  |\n2 | u = t + alpah\n  |         ^^^^^ did you mean `alpha`?"
    );
    assert_eq!(
        fails("a < 1 & b < 2", &[("a", Input::from(&a)), ("b", (&a).into())]).to_string(),
        "error: `&` is not defined for float64 operands\n  |\n1 | a < 1 & b < 2\n  |     ^^^^^ `&` binds tighter than comparisons: write `(a < 1) & (b < 2)`"
    );
    // Line 10: the gutter widens.
    let src = format!("{}a +", "t = a\n".repeat(9));
    assert_eq!(fails(&src, &inputs).to_string(), "error: expected an expression, found end of input\n   |\n10 | a +\n   |    ^");
    // Input errors have no location.
    let k = Engine::default().compile("a", &Signature::new().array("a", DType::Float64)).unwrap();
    assert_eq!(k.eval(&[]).unwrap_err().to_string(), "error: the kernel takes 1 inputs, got 0");
}

// ---------------------------------------------------------------------------
// Input safety.

#[test]
fn long_flat_sum() {
    let a = [1.0, 2.0];
    let src = vec!["a"; 20_000].join("+");
    let r = ok(&src, &[("a", (&a).into())]);
    assert_eq!(f64s(&r), &[20_000.0, 40_000.0]);
    // Mixed operators and a long comparison chain.
    let src = format!("{} - a", vec!["a * 1"; 20_000].join(" + "));
    assert_eq!(f64s(&ok(&src, &[("a", (&a).into())])), &[19_999.0, 39_998.0]);
    let src = vec!["a"; 20_000].join(" <= ");
    assert_eq!(bools(&ok(&src, &[("a", (&a).into())])), &[true, true]);
}

#[test]
fn many_statements() {
    let a = [1i64, 2];
    let mut src = String::from("t0 = a\n");
    for i in 1..5_000 {
        src.push_str(&format!("t{i} = t{} + 1\n", i - 1));
    }
    src.push_str("t4999");
    let r = ok(&src, &[("a", (&a).into())]);
    assert_eq!(i64s(&r), &[5_000, 5_001]);
}

#[test]
fn deep_nesting_is_a_limit_error_not_a_crash() {
    let a = [1.0];
    let inputs = [("a", Input::from(&a))];
    for src in [
        format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("{}a", "-".repeat(100_000)),
        format!("{}a{}", "sin(".repeat(100_000), ")".repeat(100_000)),
        vec!["a"; 100_000].join("**"),
        format!("{}a", "a if a > 0 else ".repeat(10_000)),
    ] {
        assert_variant!(fails(&src, &inputs), Error::Limit(_));
    }
    // Moderate nesting is fine.
    let src = format!("{}a{}", "(".repeat(50), ")".repeat(50));
    assert_eq!(f64s(&ok(&src, &inputs)), &[1.0]);
    // Over-long programs are refused up front.
    let src = format!("a{}", " ".repeat(numjet::syntax::MAX_SOURCE_BYTES));
    assert_variant!(fails(&src, &inputs), Error::Limit(_));
}

#[test]
fn non_ascii_text_does_not_panic() {
    let a = [1.0];
    let inputs = [("a", Input::from(&a))];
    for src in ["é", "a + é", "a + 1 # ünïcode comment", "a € 2", "a +\u{3000}1", "π * a", "a\n€"] {
        if let Err(e) = evaluate(src, &inputs) {
            let _ = e.to_string();
        }
    }
    assert_eq!(f64s(&ok("a + 1 # ünïcode comment", &inputs)), &[2.0]);
    let e = fails("a €", &inputs);
    assert_variant!(e, Error::Syntax(_));
    assert_eq!(e.span(), Some(Span::new(2, 5)));
    assert_eq!(e.to_string(), format!("error: {}\n  |\n1 | a €\n  |   ^", e.message()));
    let e = fails("€", &inputs);
    assert_eq!(e.to_string(), "error: unexpected character `€`\n  |\n1 | €\n  | ^");
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        "a",
        "b",
        "c",
        "s",
        "t",
        "x",
        "0",
        "1",
        "2",
        "2.5",
        "1e3",
        "3000000000",
        "9223372036854775808",
        "True",
        "False",
        "pi",
        "nan",
        "inf",
        "+",
        "-",
        "*",
        "/",
        "//",
        "%",
        "**",
        "~",
        "&",
        "|",
        "^",
        "<<",
        ">>",
        "<",
        "<=",
        "==",
        "!=",
        ">",
        ">=",
        "=",
        "(",
        "(",
        ")",
        ")",
        ",",
        ".",
        ";",
        "\n",
        "and",
        "or",
        "not",
        "if",
        "else",
        "sin",
        "sqrt",
        "sum",
        "mean",
        "min",
        "where",
        "clip",
        "power",
        "int32",
        "float32",
        "axis",
        "real",
        "imag",
        "#",
        "$",
        "é",
        "1e",
        "0x1",
        "_",
        "\\",
    ];

    fn program() -> impl Strategy<Value = String> {
        prop::collection::vec((prop::sample::select(TOKENS), prop::bool::ANY), 0..300).prop_map(|toks| {
            let mut s = String::new();
            for (t, space) in toks {
                s.push_str(t);
                if space {
                    s.push(' ');
                }
            }
            s
        })
    }

    fn check(src: &str) {
        let a = [1.5, -2.0, 0.0];
        let b = [3i32, 0, -7];
        let c = [true, false, true];
        let empty_f: [f64; 0] = [];
        let empty_i: [i32; 0] = [];
        let empty_c: [bool; 0] = [];
        for inputs in [
            [("a", Input::from(&a)), ("b", (&b).into()), ("c", (&c).into()), ("s", 2i64.into())],
            [("a", Input::from(&empty_f)), ("b", (&empty_i).into()), ("c", (&empty_c).into()), ("s", (-1i64).into())],
        ] {
            match evaluate(src, &inputs) {
                Ok(r) => {
                    let _ = r.to_string();
                }
                Err(e) => {
                    let text = e.to_string();
                    assert!(text.starts_with("error: "), "{text}");
                    if let Some(span) = e.span() {
                        assert!(span.start <= span.end && span.end <= src.len(), "span {span:?} out of `{src}`");
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn random_token_sequences_do_not_panic(src in program()) {
            check(&src);
        }

        #[test]
        fn random_bytes_do_not_panic(src in "[ -~\n\té€]{0,200}") {
            check(&src);
        }
    }

    /// Every callable function with its arity, from the op table.
    fn functions() -> Vec<(&'static str, usize)> {
        let mut v: Vec<(&'static str, usize)> =
            numjet::ops::OPS.iter().filter(|d| d.syntax == numjet::ops::Syntax::Function).map(|d| (d.name, d.arity)).collect();
        v.extend(["clip"].map(|n| (n, 3)));
        v.extend(["bool", "int32", "int64", "float32", "float64"].map(|n| (n, 1)));
        v
    }

    const LEAVES: &[&str] =
        &["a", "b", "c", "f", "s", "0", "1", "2", "-1", "7", "2.5", "0.5", "-0.0", "True", "False", "pi", "nan", "inf", "3000000000"];
    const BINARY: &[&str] =
        &["+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>", "<", "<=", "==", "!=", ">", ">=", "and", "or"];
    const UNARY: &[&str] = &["-", "+", "~", "not "];
    const REDUCTIONS: &[&str] = &["sum", "prod", "min", "max", "mean", "any", "all"];

    /// Grammatical programs built from the whole function table, so that
    /// most of them get past the parser into typing and evaluation.
    fn expression() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(LEAVES).prop_map(String::from);
        leaf.prop_recursive(5, 48, 3, |inner| {
            prop_oneof![
                (prop::sample::select(UNARY), inner.clone()).prop_map(|(op, x)| format!("{op}({x})")),
                (inner.clone(), prop::sample::select(BINARY), inner.clone(), any::<bool>()).prop_map(|(x, op, y, paren)| if paren {
                    format!("({x} {op} {y})")
                } else {
                    format!("{x} {op} {y}")
                }),
                (
                    inner.clone(),
                    prop::sample::select(&["<", "<=", "=="][..]),
                    inner.clone(),
                    prop::sample::select(&["<", "!="][..]),
                    inner.clone()
                )
                    .prop_map(|(x, o1, y, o2, z)| format!("({x} {o1} {y} {o2} {z})")),
                (prop::sample::select(functions()), prop::collection::vec(inner.clone(), 3))
                    .prop_map(|((f, n), args)| format!("{f}({})", args[..n].join(", "))),
                (prop::sample::select(REDUCTIONS), inner.clone(), prop::sample::select(&["", ", axis=0", ", axis=-1", ", axis=1"][..]))
                    .prop_map(|(r, x, axis)| format!("{r}({x}{axis})")),
                (inner.clone(), inner.clone(), inner.clone()).prop_map(|(x, c, y)| format!("({x} if {c} else {y})")),
                (inner.clone(), prop::sample::select(&["real", "imag"][..])).prop_map(|(x, at)| format!("({x}).{at}")),
            ]
        })
    }

    /// A program of one to three statements using temporaries.
    fn statements() -> impl Strategy<Value = String> {
        (expression(), expression(), expression(), 0..3usize).prop_map(|(x, y, z, n)| match n {
            0 => x,
            1 => format!("t = {x}\nt + ({y})"),
            _ => format!("t = {x}; u = ({y}) * t\n{z} if u else t"),
        })
    }

    fn same(x: Scalar, y: Scalar) -> bool {
        match (x, y) {
            (Scalar::Float64(p), Scalar::Float64(q)) => p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()),
            (Scalar::Float32(p), Scalar::Float32(q)) => p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()),
            (Scalar::Float16(p), Scalar::Float16(q)) => p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()),
            (Scalar::Complex64(p), Scalar::Complex64(q)) => (p.re.to_bits() == q.re.to_bits() || (p.re.is_nan() && q.re.is_nan())) && (p.im.to_bits() == q.im.to_bits() || (p.im.is_nan() && q.im.is_nan())),
            (Scalar::Complex128(p), Scalar::Complex128(q)) => (p.re.to_bits() == q.re.to_bits() || (p.re.is_nan() && q.re.is_nan())) && (p.im.to_bits() == q.im.to_bits() || (p.im.is_nan() && q.im.is_nan())),
            _ => x == y,
        }
    }

    /// Compiles and evaluates a grammatical program; checks that nothing
    /// panics, that the result has the kernel's dtype and the right shape,
    /// and that an elementwise program gives the same values on arrays as
    /// on each element passed as a 0-d input.
    fn check_typed(src: &str) {
        let a = [1.5, -2.0, 0.0];
        let b = [3i32, 0, -7];
        let c = [true, false, true];
        let f = [0.25f32, -0.0, 1e30];
        let arrays = Signature::new()
            .array("a", DType::Float64)
            .array("b", DType::Int32)
            .array("c", DType::Bool)
            .array("f", DType::Float32)
            .scalar("s", DType::Int64);
        let k = match Engine::default().compile(src, &arrays) {
            Ok(k) => k,
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        };
        let r = match k.eval(&[(&a).into(), (&b).into(), (&c).into(), (&f).into(), 2i64.into()]) {
            Ok(r) => r,
            Err(e) => {
                assert_variant!(e, Error::Runtime(_));
                return;
            }
        };
        assert_eq!(r.dtype(), k.dtype(), "`{src}`");
        assert!(r.shape().is_empty() || r.shape() == [3], "`{src}`: shape {:?}", r.shape());
        if REDUCTIONS.iter().any(|n| src.contains(n)) {
            return;
        }
        // Elementwise: element i of the array result is the result on element i.
        let scalars = Signature::new()
            .scalar("a", DType::Float64)
            .scalar("b", DType::Int32)
            .scalar("c", DType::Bool)
            .scalar("f", DType::Float32)
            .scalar("s", DType::Int64);
        let k0 =
            Engine::default().compile(src, &scalars).unwrap_or_else(|e| panic!("`{src}` compiles on arrays but not on 0-d inputs:\n{e}"));
        assert_eq!(k0.dtype(), k.dtype(), "`{src}`: dtype on 0-d inputs");
        for i in 0..3 {
            let r0 = k0
                .eval(&[a[i].into(), b[i].into(), c[i].into(), f[i].into(), 2i64.into()])
                .unwrap_or_else(|e| panic!("`{src}` fails on element {i} alone: {e}"));
            let want = if r.shape().is_empty() { r.to_scalar().unwrap() } else { r.get(i).unwrap() };
            let got = r0.to_scalar().unwrap();
            // `clip` with 0-d bounds keeps `x` on ties and with array bounds
            // is `minimum(maximum(x, lo), hi)`, as in NumPy (README,
            // "Semantics that follow NumPy"): the two may differ in the sign
            // of a zero, and only there.
            let zeros_tie = src.contains("clip(") && got.to_f64() == 0.0 && want.to_f64() == 0.0 && got.dtype() == want.dtype();
            assert!(same(got, want) || zeros_tie, "`{src}`: element {i} is {want:?} on arrays but {got:?} on 0-d inputs");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        #[test]
        fn grammatical_programs_type_and_evaluate_consistently(src in statements()) {
            check_typed(&src);
        }
    }

    /// Sequences that once looked risky.
    #[test]
    fn hand_picked_inputs_do_not_panic() {
        for src in [
            "(",
            ")",
            "((",
            "a(",
            "a)",
            "=",
            "a =",
            "= a",
            "a = b = c",
            ",",
            "a,",
            "(a,)",
            "sum(a,)",
            "sum(,)",
            "sum(axis=0)",
            "sum(a, axis=)",
            "sum(a, 1=2)",
            "where(c,,)",
            ".",
            "a..real",
            "1.real",
            "(1).real",
            "a.real.imag",
            "not",
            "not not",
            "a if",
            "a if c",
            "a if c else",
            "if",
            "else",
            "1 if True else 2.5",
            "a < < b",
            "a ** ** b",
            "a ---- b",
            "~~~~a",
            "2 ** 100000000000",
            "1 << 200",
            "-1 >> 200",
            "3000000000 < 3000000001",
            "9223372036854775808 * a",
            "10**40",
            "99999999999999999999999999999999999999999",
            "1e999",
            "-1e999 * a",
            "sqrt(-1)",
            "0 ** 0",
            "0.0 ** -0.5",
            "(-8) ** (1/3)",
            "min(s)",
            "sum(1)",
            "mean(True)",
            "clip(b, 3000000000, -3000000000)",
            "int32(nan)",
            "float32(1e300)",
            "\\",
            "a \\\n + 1",
            "#",
            "\n\n\n",
            ";;;",
            "a\r",
            "\r\n",
        ] {
            check(src);
        }
    }
}

/// NumPy 2.4: `np.clip` with 0-d bounds keeps `x` on ties and gives NaN for
/// a NaN bound; with array bounds it is `minimum(maximum(x, lo), hi)`.
#[test]
fn clip_with_scalar_bounds_follows_numpys_scalar_loop() {
    let x = [-0.0f64, 0.0, f64::NAN, -5.0, 5.0, 1.0];
    let bits = |expr: &str, lo: &[f64]| -> Vec<u64> {
        let r = numjet::evaluate(expr, &[("x", (&x).into()), ("lo", lo.into())]).unwrap();
        r.as_f64().unwrap().iter().map(|v| if v.is_nan() { u64::MAX } else { v.to_bits() }).collect()
    };
    let want = |v: &[f64]| -> Vec<u64> { v.iter().map(|v| if v.is_nan() { u64::MAX } else { v.to_bits() }).collect() };
    let zeros = [0.0f64; 6];
    assert_eq!(bits("clip(x, 0, 3)", &zeros), want(&[-0.0, 0.0, f64::NAN, 0.0, 3.0, 1.0]));
    assert_eq!(bits("clip(x, 3, 1)", &zeros), want(&[1.0, 1.0, f64::NAN, 1.0, 1.0, 1.0]));
    assert_eq!(bits("clip(x, 0.0, -0.0)", &zeros), want(&[-0.0, 0.0, f64::NAN, 0.0, -0.0, -0.0]));
    assert_eq!(bits("clip(x, nan, 1)", &zeros), want(&[f64::NAN; 6]));
    // Array bounds: ties go to the bound.
    assert_eq!(bits("clip(x, lo, 3)", &zeros), want(&[0.0, 0.0, f64::NAN, 0.0, 3.0, 1.0]));
}

#[test]
fn the_readme_promotion_table_is_the_codes() {
    // README's table of NumPy's `result_type` is generated by
    // `numjet::dtype::promotion_table()`; this fails when they drift.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = numjet::dtype::promotion_table();
    assert!(readme.contains(&table), "README.md's promotion table differs from the code's; replace it with:\n{table}");
}

#[test]
fn where_wraps_python_ints_and_empty_min_max_axes_fail_as_numpy() {
    let c = [true, false, true];
    let u = [7u8, 8, 9];
    let inputs = [("c", Input::from(&c)), ("u", (&u).into())];
    // np.where converts the int with a wrapping cast (it is not a ufunc).
    let r = ok("where(c, -1, u)", &inputs);
    assert_eq!(r.dtype(), DType::UInt8);
    assert_eq!(r.to_string(), "array([255, 8, 255], dtype=uint8)");
    assert_eq!(ok("where(c, 300, u)", &inputs).to_string(), "array([44, 8, 44], dtype=uint8)");
    // Operators refuse such ints (NumPy: OverflowError), and so do `where`
    // past int64 and uint64, and `clip` with a bound past the far end of
    // the range (every element would be clipped to it); a bound past the
    // near end clips nothing on its side.
    for src in ["u + 300", "where(c, 2**64, u)", "where(c, -2**63 - 1, u)", "clip(u, 256, 1000)", "clip(u, 0, -1)"] {
        assert_variant!(fails(src, &inputs), Error::Type(_));
    }
    assert_eq!(ok("where(c, 2**63, u)", &inputs).to_string(), "array([0, 8, 0], dtype=uint8)");
    assert_eq!(ok("clip(u, -5, 3000)", &inputs).to_string(), "array([7, 8, 9], dtype=uint8)");
    // `max` along an empty axis fails even when the result is empty too.
    let z: [f32; 0] = [];
    let zv = View::new(ArrayRef::Float32(&z), &[0, 0]).unwrap();
    for backend in [Backend::Interp, Backend::Jit] {
        let sig = Signature::new().input("z", &Input::View(zv));
        let k = Engine::new(Config::default().backend(backend)).compile("max(z, axis=0)", &sig).unwrap();
        let e = k.eval(&[Input::View(zv)]).unwrap_err();
        assert_contains(e.message(), "zero-size array");
    }
}
