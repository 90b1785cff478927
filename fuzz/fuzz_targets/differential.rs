//! `differential`: see `tests/fuzz_support/differential.rs` for what it checks.
#![no_main]

#[path = "../../tests/fuzz_support/differential.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
