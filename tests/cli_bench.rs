//! `numjet bench`.

use std::process::{Command, Output};

use serde_json::Value;

fn bench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_numjet")).arg("bench").args(args).env("NO_COLOR", "1").output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(args: &[&str]) -> Value {
    let out = bench(args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert_eq!(s.lines().count(), 1, "one JSON object on one line: {s}");
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

fn positive(v: &Value, key: &str) -> f64 {
    let x = v[key].as_f64().unwrap_or_else(|| panic!("`{key}` is not a number: {v}"));
    assert!(x > 0.0 && x.is_finite(), "`{key}` = {x}");
    x
}

#[test]
fn json_output_parses_with_positive_figures() {
    let v = json(&["a + b*2", "--n", "1000", "--json"]);
    assert_eq!(v["expr"], "a + b*2");
    assert_eq!(v["n"], 1000);
    assert_eq!(v["dtype"], "float64");
    assert!(v["threads"].as_u64().is_some_and(|t| t >= 1), "{}", v["threads"]);
    assert_eq!(v["backend"], "jit");
    assert_eq!(v["math"], "accurate");
    assert_eq!(v["repeat"], 10);
    assert_eq!(v["fresh"], false);
    assert_eq!(v["inputs"], serde_json::json!(["a", "b"]));
    assert_eq!(v["result_dtype"], "float64");
    for k in ["compile_ms", "median_ms", "min_ms", "gb_per_s", "elements_per_s"] {
        positive(&v, k);
    }
    assert!(v["min_ms"].as_f64() <= v["median_ms"].as_f64());
    // Two float64 inputs read and one float64 result written.
    assert_eq!(v["bytes_read"], 16_000);
    assert_eq!(v["bytes_written"], 8_000);
}

#[test]
fn fresh_dtype_threads_and_repeat() {
    let v = json(&["t = x*y; t + sin(t)", "--n", "1e3", "--dtype", "float32", "--fresh", "--threads", "4", "--repeat", "3", "--json"]);
    assert_eq!(v["fresh"], true);
    assert_eq!(v["n"], 1000);
    assert_eq!(v["dtype"], "float32");
    assert_eq!(v["threads"], 4);
    assert_eq!(v["repeat"], 3);
    assert_eq!(v["inputs"], serde_json::json!(["x", "y"]));
    assert_eq!(v["result_dtype"], "float32");
    positive(&v, "median_ms");
    positive(&v, "gb_per_s");
    // Integer and bool inputs, constants that are not inputs, a reduction.
    let v = json(&["sum(i // j) + pi", "--n", "1_000", "--dtype", "int32", "--json"]);
    assert_eq!(v["inputs"], serde_json::json!(["i", "j"]));
    assert_eq!(v["bytes_written"], 8);
    let v = json(&["p & ~q", "--n", "500", "--dtype", "bool", "--json"]);
    assert_eq!(v["result_dtype"], "bool");
}

#[test]
fn triad_reports_the_bandwidth_ceiling_and_the_ratio() {
    // Without --triad the keys are absent.
    let v = json(&["a + b*2", "--n", "1000", "--repeat", "2", "--json"]);
    for k in ["triad_median_ms", "triad_gb_per_s", "bandwidth_ratio"] {
        assert!(v.get(k).is_none(), "{k}: {v}");
    }
    // With it they are positive, for one and two threads, an elementwise
    // result of another dtype and a reduction (whose output is 8 bytes).
    for args in [
        &["a + b*2", "--n", "1e4", "--threads", "2", "--repeat", "3", "--triad", "--json"][..],
        &["a**2 + b**2 < 1", "--n", "3000", "--threads", "1", "--repeat", "2", "--triad", "--json"],
        &["sum(a*b)", "--n", "5000", "--dtype", "float32", "--repeat", "2", "--fresh", "--triad", "--json"],
    ] {
        let v = json(args);
        let triad = positive(&v, "triad_gb_per_s");
        positive(&v, "triad_median_ms");
        let ratio = positive(&v, "bandwidth_ratio");
        let gbps = positive(&v, "gb_per_s");
        // The ratio is the expression's GB/s over the triad's (both as printed).
        assert!((ratio - gbps / triad).abs() <= 1e-9 * ratio.max(1.0), "{args:?}: {v}");
    }
    // Text output gains two lines.
    let out = bench(&["a * 2", "--n", "2000", "--repeat", "2", "--triad"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("triad c = a + 2*b") && s.contains("GB/s") && s.contains("of the triad's bandwidth"), "{s}");
}

#[test]
fn text_output() {
    let out = bench(&["a * 2", "--n", "2000", "--repeat", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for w in ["compile", "median", "GB/s", "elements/s", "thread"] {
        assert!(s.contains(w), "{s}");
    }
}

#[test]
fn bad_expression_exits_non_zero_with_the_caret() {
    let out = bench(&["a + bb*", "--n", "100"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("expected an expression"), "{err}");
    assert!(err.contains("1 │ a + bb*"), "{err}");
    assert!(err.contains("╰─"), "{err}");
    let out = bench(&["sqrt(a) + nosuchfn(b)", "--n", "100"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("unknown function `nosuchfn`"), "{err}");
    assert!(err.contains("────┬───"), "{err}");
}

#[test]
fn bad_options_fail_cleanly() {
    for args in [
        &["a", "--n", "1e15"][..],
        &["a", "--n", "1.5"],
        &["a", "--n", "-3"],
        &["a", "--dtype", "complex256"],
        &["a", "--repeat", "0"],
        &["a", "--backend", "gpu"],
    ] {
        let out = bench(args);
        assert!(matches!(out.status.code(), Some(1 | 2)), "{args:?}: {}", text(&out.stderr));
        assert!(!text(&out.stderr).contains("panicked"), "{args:?}");
    }
}

#[test]
fn math_mode() {
    // `--math` is global: before or after the subcommand.
    for args in [["--math", "fast", "bench"], ["bench", "--math", "fast"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_numjet")).args(args).args(["sin(a)", "--n", "100", "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let v: Value = serde_json::from_str(&text(&out.stdout)).unwrap();
        assert_eq!(v["math"], "fast");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_numjet")).args(["--math", "sloppy", "bench", "a"]).output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("`sloppy` is not a math mode (accurate or fast)"), "{}", text(&out.stderr));
}
