//! `numjet eval`: inputs from `.npy` files and numbers, output printed or
//! written, exit status and error rendering.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use numjet::{Array, DType, Scalar};

fn numjet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_numjet")).args(args).env("NO_COLOR", "1").output().expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim_end().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("numjet-cli-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A hand-made `.npy` file: header dict text and raw data bytes.
fn raw_npy(path: &Path, dict: &str, data: &[u8]) {
    let mut header = dict.to_string();
    // Pad so that magic(6) + version(2) + len(2) + header is a multiple of 64, ending in '\n'.
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn numbers_are_0d_int64_and_float64() {
    let o = numjet(&["eval", "a * 2 + b", "a=3", "b=0.5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "6.5");
    let o = numjet(&["eval", "a // 2", "a=7"]);
    assert_eq!(stdout(&o), "3");
    let o = numjet(&["eval", "a < 1", "a=True"]);
    assert_eq!(stdout(&o), "False");
}

#[test]
fn npy_in_npy_out_round_trips_dtype_and_values() {
    let x = tmp("x.npy");
    let y = tmp("y.npy");
    numjet::npy::write(&x, &Array::from_vec(vec![1.5f32, -2.0, 0.25])).unwrap();
    let o = numjet(&["eval", "x * 2 + 1", &format!("x={}", x.display()), "-o", y.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let r = numjet::npy::read_array(&y).unwrap();
    assert_eq!(r.dtype(), DType::Float32);
    assert_eq!(r.as_f32().unwrap(), &[4.0, -3.0, 1.5]);
}

#[test]
fn scalar_results_are_written_as_0d() {
    let x = tmp("s_in.npy");
    let y = tmp("s_out.npy");
    numjet::npy::write(&x, &Array::from_vec(vec![1i32, 2, 3])).unwrap();
    let o = numjet(&["eval", "sum(x)", &format!("x={}", x.display()), "-o", y.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = numjet::npy::read_array(&y).unwrap();
    assert_eq!(r.shape(), &[] as &[usize]);
    assert_eq!(r.to_scalar(), Some(Scalar::Int64(6)));
}

#[test]
fn printed_arrays_look_like_numpy() {
    let x = tmp("p.npy");
    numjet::npy::write(&x, &Array::from_vec(vec![1i64, 2, 3])).unwrap();
    let o = numjet(&["eval", "x > 1", &format!("x={}", x.display())]);
    assert_eq!(stdout(&o), "array([False, True, True])");
    let o = numjet(&["eval", "float32(x) / 2", &format!("x={}", x.display())]);
    assert_eq!(stdout(&o), "array([0.5, 1., 1.5], dtype=float32)");
}

#[test]
fn expression_errors_exit_nonzero_with_a_caret() {
    let o = numjet(&["eval", "a + sb", "a=3", "b=2.5"]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("unknown name `sb`"), "{e}");
    assert!(e.contains("a + sb"), "{e}");
    assert!(e.contains("did you mean `b`?"), "{e}");
    let o = numjet(&["eval", "a +", "a=3"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("expected an expression"), "{}", stderr(&o));
}

#[test]
fn runtime_errors_exit_nonzero() {
    let x = tmp("e.npy");
    numjet::npy::write(&x, &Array::from_vec(vec![2i64, -1])).unwrap();
    let o = numjet(&["eval", "2 ** x", &format!("x={}", x.display())]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("Integers to negative integer powers are not allowed"), "{}", stderr(&o));
}

#[test]
fn unsupported_files_are_clear_errors_naming_file_and_dtype() {
    let c = tmp("complex.npy");
    raw_npy(&c, "{'descr': '<c32', 'fortran_order': False, 'shape': (1,), }", &[0u8; 32]);
    let o = numjet(&["eval", "x", &format!("x={}", c.display())]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("complex.npy") && e.contains("<c32"), "{e}");

    let be = tmp("big.npy");
    raw_npy(&be, "{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", &1.0f64.to_be_bytes());
    let e = stderr(&numjet(&["eval", "x", &format!("x={}", be.display())]));
    assert!(e.contains("big-endian"), "{e}");

    let many = tmp("33d.npy");
    raw_npy(&many, &format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({}), }}", "1, ".repeat(33)), &[0u8; 8]);
    let o = numjet(&["eval", "x", &format!("x={}", many.display())]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("33d.npy") && e.contains("33 dimensions") && e.contains("at most 32"), "{e}");
}

#[test]
fn truncated_lying_and_garbage_files_do_not_crash() {
    let t = tmp("trunc.npy");
    raw_npy(&t, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", &[0u8; 16]);
    let o = numjet(&["eval", "x", &format!("x={}", t.display())]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("truncated"), "{}", stderr(&o));

    let g = tmp("garbage.npy");
    std::fs::write(&g, b"\x93NUMPY\x01\x00\xff\xff{'descr'").unwrap();
    let o = numjet(&["eval", "x", &format!("x={}", g.display())]);
    assert!(!o.status.success());
    assert_eq!(o.status.code(), Some(1), "an error exit, not a crash");

    let missing = numjet(&["eval", "x", "x=/nonexistent/file.npy"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("/nonexistent/file.npy"));
}

#[test]
fn bool_bytes_other_than_one_are_true_as_in_numpy() {
    let b = tmp("bools.npy");
    raw_npy(&b, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", &[0, 1, 7]);
    let o = numjet(&["eval", "x", &format!("x={}", b.display())]);
    assert_eq!(stdout(&o), "array([False, True, True])");
}

#[test]
fn fortran_order_1d_reads_like_c_order() {
    let f = tmp("fortran.npy");
    let data: Vec<u8> = [1.0f64, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    raw_npy(&f, "{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }", &data);
    let o = numjet(&["eval", "x + 1", &format!("x={}", f.display())]);
    assert_eq!(stdout(&o), "array([2., 3.])");
}

#[test]
fn bad_input_specs_are_errors() {
    let o = numjet(&["eval", "x", "x"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("NAME=PATH.npy"));
    let o = numjet(&["eval", "x", "1x=3"]);
    assert!(!o.status.success());
    let o = numjet(&["eval", "x", "x=1", "x=2"]);
    assert!(stderr(&o).contains("given twice"));
    let o = numjet(&["eval", "x", "x=1", "--backend", "gpu"]);
    assert!(stderr(&o).contains("unknown backend"));
}

#[test]
fn help_describes_eval() {
    let o = numjet(&["eval", "--help"]);
    assert!(o.status.success());
    let h = stdout(&o);
    assert!(h.contains("NAME=VALUE") && h.contains("--out") && h.contains("--backend"), "{h}");
}

fn f64_bytes(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn nd_inputs_broadcast_and_print_like_numpy() {
    let m = tmp("m23.npy");
    raw_npy(&m, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", &f64_bytes(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]));
    let v = tmp("v3.npy");
    numjet::npy::write(&v, &Array::from_vec(vec![10.0, 20.0, 30.0])).unwrap();
    let o = numjet(&["eval", "m + v", &format!("m={}", m.display()), &format!("v={}", v.display())]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "array([[10., 21., 32.],\n       [13., 24., 35.]])");
    let o = numjet(&["eval", "sum(m, axis=1)", &format!("m={}", m.display())]);
    assert_eq!(stdout(&o), "array([3., 12.])");
    let o = numjet(&["eval", "m > 2", &format!("m={}", m.display())]);
    assert_eq!(stdout(&o), "array([[False, False, False],\n       [ True,  True,  True]])");

    // 3-D, int32, written by numjet's own writer.
    let t = tmp("t234.npy");
    numjet::npy::write(&t, &Array::new((0..24i32).collect::<Vec<_>>().into(), vec![2, 3, 4]).unwrap()).unwrap();
    let o = numjet(&["eval", "t - 10", &format!("t={}", t.display())]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "array([[[-10,  -9,  -8,  -7],\n        [ -6,  -5,  -4,  -3],\n        [ -2,  -1,   0,   1]],\n\n       \
         [[  2,   3,   4,   5],\n        [  6,   7,   8,   9],\n        [ 10,  11,  12,  13]]], dtype=int32)"
    );
    let o = numjet(&["eval", "sum(t, axis=0)", "--backend", "interp", &format!("t={}", t.display())]);
    assert_eq!(stdout(&o), "array([[12, 14, 16, 18],\n       [20, 22, 24, 26],\n       [28, 30, 32, 34]])");
}

#[test]
fn fortran_order_nd_inputs_are_read_as_strided_views() {
    // [[1, 2, 3], [4, 5, 6]] stored column-major, as np.asfortranarray writes it.
    let f = tmp("fortran23.npy");
    raw_npy(&f, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", &f64_bytes(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]));
    let arg = format!("f={}", f.display());
    let o = numjet(&["eval", "f * 1", &arg]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "array([[1., 2., 3.],\n       [4., 5., 6.]])");
    for (backend, expr, want) in [
        ("jit", "sum(f, axis=0)", "array([5., 7., 9.])"),
        ("interp", "sum(f, axis=0)", "array([5., 7., 9.])"),
        ("jit", "sum(f, axis=1)", "array([6., 15.])"),
        ("jit", "f[0]", ""),
    ] {
        let o = numjet(&["eval", expr, &arg, "--backend", backend]);
        if want.is_empty() {
            assert!(!o.status.success());
        } else {
            assert_eq!(stdout(&o), want, "{expr} on {backend}: {}", stderr(&o));
        }
    }
    // A 3-D Fortran file against the same values in C order.
    let c: Vec<f64> = (0..24).map(f64::from).collect();
    let mut fdata = vec![0.0; 24];
    for i in 0..2 {
        for j in 0..3 {
            for k in 0..4 {
                fdata[i + 2 * j + 6 * k] = c[12 * i + 4 * j + k];
            }
        }
    }
    let f3 = tmp("fortran234.npy");
    raw_npy(&f3, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 4), }", &f64_bytes(&fdata));
    let c3 = tmp("c234.npy");
    numjet::npy::write(&c3, &Array::new(c.into(), vec![2, 3, 4]).unwrap()).unwrap();
    let o = numjet(&["eval", "all(f == c)", &format!("f={}", f3.display()), &format!("c={}", c3.display())]);
    assert_eq!(stdout(&o), "True", "{}", stderr(&o));
    // Library view of the same file.
    let r = numjet::npy::read(&f3).unwrap();
    assert!(r.is_fortran());
    assert_eq!(r.strides(), &[1, 2, 6]);
    assert_eq!(r.into_array().as_f64().unwrap(), (0..24).map(f64::from).collect::<Vec<_>>().as_slice());
}

#[test]
fn truncated_and_lying_nd_files_are_errors_before_any_allocation() {
    let t = tmp("trunc2d.npy");
    raw_npy(&t, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 1000), }", &[0u8; 16]);
    let o = numjet(&["eval", "x", &format!("x={}", t.display())]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("trunc2d.npy") && e.contains("truncated") && e.contains("(1000, 1000)"), "{e}");

    // The element count overflows 64 bits.
    let big = tmp("overflow.npy");
    raw_npy(&big, "{'descr': '<f8', 'fortran_order': True, 'shape': (4294967296, 4294967296, 2), }", &[0u8; 8]);
    let o = numjet(&["eval", "x", &format!("x={}", big.display())]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("impossible shape"), "{}", stderr(&o));

    // A version 2 header claiming 4 GiB.
    let h = tmp("hugeheader.npy");
    std::fs::write(&h, b"\x93NUMPY\x02\x00\xff\xff\xff\xff{'descr'").unwrap();
    let o = numjet(&["eval", "x", &format!("x={}", h.display())]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("header"), "{}", stderr(&o));

    // Too few bytes for the elements of a Fortran-order 3-D file.
    let f = tmp("trunc_f.npy");
    raw_npy(&f, "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 2, 2), }", &[0u8; 28]);
    let o = numjet(&["eval", "x", &format!("x={}", f.display())]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("truncated"), "{}", stderr(&o));
}

#[test]
fn shape_mismatch_is_an_error_with_a_caret() {
    let m = tmp("mm23.npy");
    numjet::npy::write(&m, &Array::new(vec![1.0; 6].into(), vec![2, 3]).unwrap()).unwrap();
    let v = tmp("vv2.npy");
    numjet::npy::write(&v, &Array::from_vec(vec![1.0, 2.0])).unwrap();
    let o = numjet(&["eval", "m * 2 + v", &format!("m={}", m.display()), &format!("v={}", v.display())]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("operands could not be broadcast together with shapes (2, 3) (2,)"), "{e}");
    let line = e.lines().find(|l| l.contains("m * 2 + v")).expect("the program's line");
    let under = e.lines().skip_while(|l| !l.contains("m * 2 + v")).nth(1).expect("the caret line");
    let col = line.find("m * 2").unwrap();
    assert_eq!(under.find('─'), Some(col), "caret under the operation:\n{e}");
    let o = numjet(&["eval", "sum(m, axis=2)", &format!("m={}", m.display())]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("axis"), "{}", stderr(&o));
}

#[test]
fn nd_results_are_written_with_their_shape() {
    let m = tmp("w23.npy");
    numjet::npy::write(&m, &Array::new(vec![1i64, 2, 3, 4, 5, 6].into(), vec![2, 3]).unwrap()).unwrap();
    let col = tmp("col.npy");
    numjet::npy::write(&col, &Array::new(vec![10i64, 20, 30, 40].into(), vec![4, 1, 1]).unwrap()).unwrap();
    let out = tmp("w_out.npy");
    let o = numjet(&["eval", "m + col", &format!("m={}", m.display()), &format!("col={}", col.display()), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    let header = String::from_utf8_lossy(&bytes[10..128]);
    assert!(header.contains("'fortran_order': False") && header.contains("'shape': (4, 2, 3)"), "{header}");
    let r = numjet::npy::read(&out).unwrap();
    assert!(!r.is_fortran());
    assert_eq!(r.shape(), &[4, 2, 3]);
    let want: Vec<i64> = (1..=4).flat_map(|k| (1..=6).map(move |x| 10 * k + x)).collect();
    assert_eq!(r.into_array().as_i64().unwrap(), want.as_slice());
}

#[test]
fn results_past_the_memory_limit_are_errors_not_aborts() {
    // The hardening issue's reproducer: (200000, 1) + (1, 200000) used to
    // abort asking for 320 GB.
    let col = tmp("col200k.npy");
    let row = tmp("row200k.npy");
    let v: Vec<f64> = (0..200_000).map(f64::from).collect();
    raw_npy(&col, "{'descr': '<f8', 'fortran_order': False, 'shape': (200000, 1), }", &f64_bytes(&v));
    raw_npy(&row, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 200000), }", &f64_bytes(&v));
    let (a, b) = (format!("a={}", col.display()), format!("b={}", row.display()));
    for expr in ["a + b", "a * b > 0"] {
        let o = numjet(&["eval", expr, &a, &b, "--memory-limit", "1G"]);
        assert!(!o.status.success() && o.status.code() == Some(1), "{expr}: {:?}", o.status);
        let e = stderr(&o);
        assert!(e.contains("shape (200000, 200000)") && e.contains("the memory limit is 1.0 GiB"), "{e}");
        assert!(e.contains(expr), "the error shows the program: {e}");
    }
    // Smaller, streamed: a sum of 9e6 broadcast elements under a 1 MiB limit.
    let col = tmp("col3k.npy");
    let row = tmp("row3k.npy");
    let v: Vec<f64> = (0..3000).map(f64::from).collect();
    raw_npy(&col, "{'descr': '<f8', 'fortran_order': False, 'shape': (3000, 1), }", &f64_bytes(&v));
    raw_npy(&row, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3000), }", &f64_bytes(&v));
    let (a, b) = (format!("a={}", col.display()), format!("b={}", row.display()));
    let o = numjet(&["eval", "sum(a + b)", &a, &b, "--memory-limit", "1M"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "26991000000.0");
    // Reading counts too: 24 KB of data past a 16 KiB limit.
    let o = numjet(&["eval", "sum(a)", &a, "--memory-limit", "16K"]);
    assert!(!o.status.success(), "{}", stdout(&o));
    assert!(stderr(&o).contains("holds 3000 elements of float64 (23.4 KiB), more than the memory limit of 16.0 KiB"), "{}", stderr(&o));
    let o = numjet(&["eval", "a", "a=1", "--memory-limit", "lots"]);
    assert!(!o.status.success() && stderr(&o).contains("`lots` is not a size in bytes"), "{}", stderr(&o));
}

#[test]
fn complex_npy_files_in_and_out() {
    // NumPy's bytes for np.array([1+2j, -0.5j]) (complex128, '<c16').
    let z = tmp("z.npy");
    let mut data = Vec::new();
    for v in [1.0f64, 2.0, -0.0, -0.5] {
        data.extend_from_slice(&v.to_le_bytes());
    }
    raw_npy(&z, "{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", &data);
    let o = numjet(&["eval", "z * 1j + 1", &format!("z={}", z.display())]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "array([-1.+1.j, 1.5+0.j])");
    let out = tmp("zout.npy");
    let o = numjet(&["eval", "complex64(conj(z))", &format!("z={}", z.display()), "-o", &out.display().to_string()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let back = numjet::npy::read_array(&out).unwrap();
    assert_eq!(back.dtype(), DType::Complex64);
    assert_eq!(back.get(0), Some(Scalar::Complex64(numjet::Complex::new(1.0, -2.0))));
    assert_eq!(back.get(1), Some(Scalar::Complex64(numjet::Complex::new(-0.0, 0.5))));
}
