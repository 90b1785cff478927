//! The fuzz corpora and crashers, replayed on stable Rust.
//!
//! `fuzz/` holds cargo-fuzz targets (nightly, see `fuzz/README.md`); their
//! checks live in `tests/fuzz_support/`, one file per target, and this test
//! runs the same checks on every file of `fuzz/corpus/<target>/` (the
//! minimised corpora) and `fuzz/regressions/<target>/` (every crasher the
//! fuzzers found, kept after the fix). Each fixed crasher also has a test
//! of its own below, named after the bug.

mod fuzz_support;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fuzz_support::{compile, differential, npy, parse, repl};

fn dir(kind: &str, target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(kind).join(target)
}

fn files(kind: &str, target: &str) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir(kind, target)) else { return Vec::new() };
    let mut v: Vec<PathBuf> = rd.map(|e| e.expect("a directory entry").path()).filter(|p| p.is_file()).collect();
    v.sort();
    v
}

/// Runs `check` on every corpus and regression file of `target`,
/// reporting every file that fails at once.
fn replay(target: &str, check: fn(&[u8])) {
    let corpus = files("corpus", target);
    assert!(!corpus.is_empty(), "no corpus in {}", dir("corpus", target).display());
    let mut bad = Vec::new();
    let all: Vec<PathBuf> = corpus.iter().cloned().chain(files("regressions", target)).collect();
    for path in &all {
        let data = std::fs::read(path).expect("a readable corpus file");
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| check(&data))) {
            let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
            bad.push(format!("{}: {msg}", path.display()));
        }
    }
    assert!(bad.is_empty(), "{} of {} `{target}` inputs fail:\n{}", bad.len(), all.len(), bad.join("\n"));
    eprintln!("{target}: {} corpus files and {} crashers replayed", corpus.len(), all.len() - corpus.len());
}

/// One crasher, by file name, from `fuzz/regressions/<target>/`.
fn regression(target: &str, name: &str) -> Vec<u8> {
    let path = dir("regressions", target).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn replay_parse() {
    replay("parse", parse::check);
}

#[test]
fn replay_compile() {
    replay("compile", compile::check);
}

#[test]
fn replay_differential() {
    replay("differential", differential::check);
}

#[test]
fn replay_npy() {
    replay("npy", npy::check);
}

#[test]
fn replay_repl() {
    replay("repl", repl::check);
}

/// The checks can fail: a check that cannot see a bug replays nothing.
#[test]
fn checks_catch_what_they_claim() {
    // A printed tree that differs from the parsed one is what `parse`
    // asserts against; here the assertion itself is exercised.
    assert!(catch_unwind(|| parse::check(b"a + (b")).is_ok(), "a parse error is fine");
    assert!(catch_unwind(|| compile::check(b"a +")).is_ok(), "a compile error is fine");
    assert!(repl::allowed("x = arange(10)"));
    assert!(!repl::allowed("x = zeros(10**9)"));
    assert!(!repl::allowed(":save /tmp/x.npy a"));
    assert!(!repl::allowed(":threads 64"));
    assert!(repl::allowed(":threads 2"));
    let bad_npy = b"\x93NUMPY\x01\x00";
    assert!(numjet::npy::read_bytes(bad_npy, "x").is_err());
}

// ---------------------------------------------------------------------------
// Crashers, one test each, named after the bug.

/// `npy`: a 176-byte file whose header nests `[` 35 deep timed out (over
/// 10 s): `npyz` parses the header dict with a backtracking parser,
/// exponential in the nesting depth. The reader now refuses headers nested
/// more than `MAX_HEADER_NESTING` deep before `npyz` sees them.
#[test]
fn regression_npy_deeply_nested_header_hangs() {
    let data = regression("npy", "header_nested_35_deep_hangs_npyz");
    let t = Instant::now();
    let e = numjet::npy::read_bytes(&data, "x.npy").unwrap_err();
    assert!(e.contains("nests brackets 35 deep"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(1), "took {:?}", t.elapsed());
    npy::check(&data);
}
