//! The checks behind the cargo-fuzz targets in `fuzz/`, in one place: each
//! fuzz target (`fuzz/fuzz_targets/<target>.rs`) mounts its file here with
//! `#[path]` and calls `check` on every input, and `tests/fuzz_replay.rs`
//! runs the same `check` on every committed corpus file and crasher on
//! stable Rust. A check panics on a bug; any `Ok`/`Err` of the library is
//! fine unless the check says otherwise.
#![allow(dead_code)]

pub mod compile;
pub mod differential;
pub mod npy;
pub mod parse;
pub mod repl;
