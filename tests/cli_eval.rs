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
    let r = numjet::npy::read(&y).unwrap();
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
    let r = numjet::npy::read(&y).unwrap();
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
    raw_npy(&c, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", &[0u8; 8]);
    let o = numjet(&["eval", "x", &format!("x={}", c.display())]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("complex.npy") && e.contains("<c8"), "{e}");

    let be = tmp("big.npy");
    raw_npy(&be, "{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", &1.0f64.to_be_bytes());
    let e = stderr(&numjet(&["eval", "x", &format!("x={}", be.display())]));
    assert!(e.contains("big-endian"), "{e}");

    let two = tmp("2d.npy");
    raw_npy(&two, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", &[0u8; 8]);
    let e = stderr(&numjet(&["eval", "x", &format!("x={}", two.display())]));
    assert!(e.contains("shape"), "{e}");
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
