//! `numjet::ndarray`: zero-copy inputs from `ndarray` arrays and views of
//! any dimension and strides, results back as `ArrayD`, checked against
//! plain Rust loops. Needs `--features ndarray`:
//! `cargo test --release --features ndarray --test ndarray`.
#![cfg(feature = "ndarray")]

use ndarray::{Array1, Array2, Array3, ArrayD, Axis, IxDyn, array, s};
use numjet::ndarray::{AnyArrayD, NdInput, arg, evaluate, input, into_ndarray, to_ndarray};
use numjet::{DType, Engine, Error, Input, Signature};

fn m23() -> Array2<f64> {
    Array2::from_shape_fn((2, 3), |(i, j)| (10 * i + j) as f64 + 0.5)
}

fn t234() -> Array3<i64> {
    Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (100 * i + 10 * j + k) as i64 - 50)
}

/// Evaluates over borrowed inputs, checking that they were borrowed.
fn eval_borrowed(program: &str, inputs: &[(&str, NdInput<'_>)]) -> numjet::Array {
    for (n, i) in inputs {
        assert!(i.is_borrowed(), "`{n}` should be borrowed");
    }
    evaluate(program, inputs).unwrap()
}

#[test]
fn two_d_and_three_d_arrays() {
    let m = m23();
    let r = to_ndarray::<f64>(eval_borrowed("m * 2 + 1", &[("m", arg(&m))])).unwrap();
    let mut want = ArrayD::<f64>::zeros(IxDyn(&[2, 3]));
    for i in 0..2 {
        for j in 0..3 {
            want[[i, j]] = m[[i, j]] * 2.0 + 1.0;
        }
    }
    assert_eq!(r, want);

    let t = t234();
    let r = to_ndarray::<i64>(eval_borrowed("t % 7 - t // 3", &[("t", arg(&t))])).unwrap();
    assert_eq!(r.shape(), &[2, 3, 4]);
    for i in 0..2 {
        for j in 0..3 {
            for k in 0..4 {
                let x = t[[i, j, k]];
                assert_eq!(r[[i, j, k]], x.rem_euclid(7) - x.div_euclid(3), "at {i},{j},{k}");
            }
        }
    }
}

#[test]
fn transposed_and_permuted_views_are_borrowed() {
    let m = m23();
    let mt = m.t();
    let i = input(&mt).unwrap();
    let Input::View(v) = i else { panic!("a view") };
    assert_eq!(v.shape(), &[3, 2]);
    assert_eq!(v.strides(), [1, 3]);
    let r = to_ndarray::<f64>(eval_borrowed("x - 1", &[("x", arg(&mt))])).unwrap();
    for a in 0..3 {
        for b in 0..2 {
            assert_eq!(r[[a, b]], m[[b, a]] - 1.0);
        }
    }
    // A 3-D array with its axes permuted, and a Fortran-order array.
    let t = t234();
    let p = t.view().permuted_axes([2, 0, 1]);
    let r = to_ndarray::<i64>(eval_borrowed("p * 1", &[("p", arg(&p))])).unwrap();
    assert_eq!(r.shape(), &[4, 2, 3]);
    for a in 0..4 {
        for b in 0..2 {
            for c in 0..3 {
                assert_eq!(r[[a, b, c]], t[[b, c, a]]);
            }
        }
    }
    let f = Array2::from_shape_vec((2, 3).f(), vec![1.0f32, 4.0, 2.0, 5.0, 3.0, 6.0]).unwrap();
    let r = to_ndarray::<f32>(eval_borrowed("f", &[("f", arg(&f))])).unwrap();
    assert_eq!(r, array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]].into_dyn());
}

use ndarray::ShapeBuilder;

#[test]
fn reversed_views_with_negative_strides_are_borrowed() {
    let m = m23();
    let rev = m.slice(s![..;-1, ..;-1]);
    assert!(rev.strides().iter().all(|&s| s < 0));
    let Input::View(v) = input(&rev).unwrap() else { panic!("a view") };
    assert_eq!(v.offset(), 5, "the first element is the last in memory");
    let r = to_ndarray::<f64>(eval_borrowed("x * 10", &[("x", arg(&rev))])).unwrap();
    for i in 0..2 {
        for j in 0..3 {
            assert_eq!(r[[i, j]], m[[1 - i, 2 - j]] * 10.0);
        }
    }
    let v1: Array1<i32> = (0..10).collect();
    let back = v1.slice(s![..;-1]);
    let r = to_ndarray::<i32>(eval_borrowed("x + 1", &[("x", arg(&back))])).unwrap();
    assert_eq!(r.into_raw_vec_and_offset().0, (1..=10).rev().collect::<Vec<i32>>());
}

#[test]
fn step_sliced_views_are_copied_by_arg_and_refused_by_input() {
    let base: Array2<f64> = Array2::from_shape_fn((4, 6), |(i, j)| (i * 6 + j) as f64);
    let stepped = base.slice(s![.., ..;2]);
    let e = input(&stepped).unwrap_err();
    assert!(matches!(e, Error::Input(_)) && e.to_string().contains("one block of memory"), "{e}");
    let a = arg(&stepped);
    assert!(!a.is_borrowed());
    let r = to_ndarray::<f64>(evaluate("x + 0.25", &[("x", a)]).unwrap()).unwrap();
    assert_eq!(r.shape(), &[4, 3]);
    for i in 0..4 {
        for j in 0..3 {
            assert_eq!(r[[i, j]], base[[i, 2 * j]] + 0.25);
        }
    }
    // Broadcast on top of a step: each element is copied once, and the
    // broadcast axis stays a stride-0 axis (a million rows of 12 elements
    // cost 12 elements of memory).
    let wide = stepped.broadcast((1_000_000, 4, 3)).unwrap();
    let w = arg(&wide);
    let NdInput::Copied(c) = &w else { panic!("a stepped view is copied") };
    assert_eq!((c.view().shape(), c.view().data().len()), (&[1_000_000, 4, 3][..], 12));
    let r = evaluate("sum(x, axis=0)", &[("x", w)]).unwrap();
    assert_eq!(to_ndarray::<f64>(r).unwrap(), stepped.mapv(|v| v * 1e6).into_dyn());
    // Stepped and reversed at once.
    let odd_rev = base.slice(s![1..;2, ..;-3]);
    let r = to_ndarray::<f64>(evaluate("x", &[("x", arg(&odd_rev))]).unwrap()).unwrap();
    assert_eq!(r, odd_rev.to_owned().into_dyn());
}

#[test]
fn broadcasting_between_ndarray_inputs() {
    let m = m23();
    let row = array![100.0, 200.0, 300.0];
    let col = array![[1.0], [2.0]];
    let r = to_ndarray::<f64>(eval_borrowed("m + row * col", &[("m", arg(&m)), ("row", arg(&row)), ("col", arg(&col))])).unwrap();
    for i in 0..2 {
        for j in 0..3 {
            assert_eq!(r[[i, j]], m[[i, j]] + row[j] * col[[i, 0]]);
        }
    }
    // An ndarray broadcast view (stride 0) is borrowed too.
    let wide = row.broadcast((2, 3)).unwrap();
    assert_eq!(wide.strides(), &[0, 1]);
    let r = to_ndarray::<f64>(eval_borrowed("w - m", &[("w", arg(&wide)), ("m", arg(&m))])).unwrap();
    for i in 0..2 {
        for j in 0..3 {
            assert_eq!(r[[i, j]], row[j] - m[[i, j]]);
        }
    }
    // Shapes that do not broadcast: the shape error with its caret.
    let bad = array![1.0, 2.0];
    let e = evaluate("m * bad", &[("m", arg(&m)), ("bad", arg(&bad))]).unwrap_err();
    assert!(matches!(e, Error::Shape(_)), "{e:?}");
    assert!(e.to_string().contains("(2, 3) (2,)"), "{e}");
}

#[test]
fn axis_reductions() {
    let t = t234();
    let tt = t.view().reversed_axes(); // shape (4, 3, 2), Fortran-like strides
    for axis in 0..3 {
        let r = to_ndarray::<i64>(eval_borrowed(&format!("sum(x, axis={axis})"), &[("x", arg(&tt))])).unwrap();
        let want = tt.sum_axis(Axis(axis)).into_dyn();
        assert_eq!(r, want, "axis {axis}");
    }
    let m = m23();
    let r = to_ndarray::<f64>(eval_borrowed("m - mean(m, axis=0)", &[("m", arg(&m))])).unwrap();
    for i in 0..2 {
        for j in 0..3 {
            let mean = (m[[0, j]] + m[[1, j]]) / 2.0;
            assert_eq!(r[[i, j]], m[[i, j]] - mean);
        }
    }
    let r = evaluate("max(m)", &[("m", arg(&m))]).unwrap();
    assert_eq!(r.to_scalar(), Some(numjet::Scalar::Float64(12.5)));
}

#[test]
fn results_convert_by_dtype() {
    let m = m23();
    let r = evaluate("m > 5", &[("m", arg(&m))]).unwrap();
    let e = to_ndarray::<f64>(r.clone()).unwrap_err();
    assert!(e.to_string().contains("bool"), "{e}");
    match into_ndarray(r) {
        AnyArrayD::Bool(b) => assert_eq!(b, array![[false, false, false], [true, true, true]].into_dyn()),
        other => panic!("{:?}", other.dtype()),
    }
    let z = ndarray::arr0(3i32);
    assert!(matches!(input(&z).unwrap(), Input::Scalar(numjet::Scalar::Int32(3))));
    let r = to_ndarray::<i32>(evaluate("z * 2", &[("z", arg(&z))]).unwrap()).unwrap();
    assert_eq!(r.ndim(), 0);
    assert_eq!(r[IxDyn(&[])], 6);
}

#[test]
fn compiled_kernels_take_ndarray_inputs() {
    let m = m23();
    let t = m.t();
    let x: Input = (&t).try_into().unwrap();
    let sig = Signature::new().nd("x", DType::Float64, 2);
    let k = Engine::default().compile("sum(x * x, axis=1)", &sig).unwrap();
    let r = to_ndarray::<f64>(k.eval(&[x]).unwrap()).unwrap();
    for a in 0..3 {
        assert_eq!(r[[a]], m[[0, a]] * m[[0, a]] + m[[1, a]] * m[[1, a]]);
    }
    // Empty arrays.
    let e = Array2::<f64>::zeros((0, 3));
    let r = evaluate("sum(e, axis=0)", &[("e", arg(&e))]).unwrap();
    assert_eq!(r.as_f64().unwrap(), &[0.0, 0.0, 0.0]);
}

#[test]
fn small_integer_and_float16_arrays_in_and_out() {
    let img: Array2<u8> = Array2::from_shape_fn((3, 4), |(i, j)| (i * 100 + j * 60) as u8);
    // uint8 + uint8 wraps; // 2 stays uint8 (NumPy 2's weak int).
    let r = evaluate("(img + img) // 2", &[("img", arg(&img))]).unwrap();
    assert_eq!(r.dtype(), DType::UInt8);
    let back = to_ndarray::<u8>(r).unwrap();
    let want = img.mapv(|x| x.wrapping_add(x) / 2);
    assert_eq!(back.into_dimensionality::<ndarray::Ix2>().unwrap(), want);
    let h: Array1<numjet::dtype::F16> = Array1::from_iter([0.5f32, 1.5, 65504.0].map(numjet::dtype::F16::from_f32));
    let r = evaluate("h * 2", &[("h", arg(&h))]).unwrap();
    assert_eq!(r.dtype(), DType::Float16);
    match into_ndarray(r) {
        AnyArrayD::Float16(a) => assert_eq!(a.iter().map(|x| x.to_f32()).collect::<Vec<_>>(), vec![1.0, 3.0, f32::INFINITY]),
        other => panic!("{:?}", other.dtype()),
    }
}

#[test]
fn complex_arrays_are_borrowed_and_returned() {
    use numjet::Complex;
    let z = Array2::from_shape_fn((3, 4), |(i, j)| Complex::new(i as f64 - 1.0, j as f64 * 0.5));
    let zt = z.t();
    let r = to_ndarray::<Complex<f64>>(eval_borrowed("z * z + 1j", &[("z", arg(&zt))])).unwrap();
    assert_eq!(r.shape(), &[4, 3]);
    for ((i, j), v) in zt.indexed_iter() {
        let want = v * v + Complex::new(0.0, 1.0);
        assert_eq!(r[[i, j]], want, "[{i}, {j}]");
    }
    let f = Array1::from_vec(vec![Complex::new(1.5f32, -2.0), Complex::new(0.0, 1.0)]);
    let a = to_ndarray::<f32>(eval_borrowed("abs(f)", &[("f", arg(&f))])).unwrap();
    assert_eq!(a.as_slice().unwrap(), &[2.5f32, 1.0]);
    assert_eq!(into_ndarray(evaluate("conj(f)", &[("f", arg(&f))]).unwrap()).dtype(), DType::Complex64);
}
