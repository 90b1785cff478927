//! The memory plan against what an evaluation really holds: for each
//! program, the bytes `Kernel::memory_needed` reports must be the limit
//! the evaluation is accepted under (one byte less is refused before
//! anything is allocated) and must cover the process's peak resident
//! memory during the evaluation, minus what was resident before. A plan
//! that under-counts a buffer which the evaluation fills shows up as a
//! peak above it.
//!
//! Peak resident memory is Linux's `VmHWM`, reset through
//! `/proc/self/clear_refs`, so this file is Linux-only; it holds one test
//! so that nothing else allocates in the process meanwhile. Columns are
//! 8e6 elements (64 MB of float64): above glibc's largest mmap threshold
//! (32 MiB), so each is mapped when allocated and unmapped when freed,
//! never cached resident in the heap between evaluations; and a missed
//! column is far above the slack allowed for bookkeeping.
#![cfg(target_os = "linux")]

use numjet::{Array, ArrayRef, Backend, Config, DType, Engine, Error, Input, Signature, View};

fn hwm_kb() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|r| r.trim().strip_suffix("kB")).unwrap().trim().parse().unwrap()
}

fn rss_kb() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|r| r.trim().strip_suffix("kB")).unwrap().trim().parse().unwrap()
}

/// Resets the peak to the current resident size.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("Linux resets VmHWM through clear_refs");
}

fn eval(backend: Backend, threads: usize, limit: usize, text: &str, sig: &Signature, inputs: &[Input<'_>]) -> Result<Array, Error> {
    let engine = Engine::new(Config::default().backend(backend).threads(threads).serial_below(0).memory_limit(limit).cache_capacity(0));
    engine.compile(text, sig)?.eval(inputs)
}

#[test]
fn the_plan_covers_the_peak_of_every_evaluation() {
    const N: usize = 8_000_000;
    const SIDE: usize = 2000;
    let a: Vec<f64> = (0..N).map(|i| (i % 1000) as f64 * 0.001).collect();
    let b: Vec<f64> = (0..N).map(|i| (i % 777) as f64 * 0.01).collect();
    let v: Vec<f64> = (0..2 * SIDE).map(|i| i as f64).collect();
    let (cs, rs) = ([2 * SIDE, 1], [1, 2 * SIDE]);
    let col = View::strided(ArrayRef::Float64(&v), &cs, &[1, 0], 0).unwrap();
    let row = View::strided(ArrayRef::Float64(&v), &rs, &[0, 1], 0).unwrap();
    // A square matrix over `a` and its transpose (2828^2 <= 8e6).
    const SQ: usize = 2828;
    let ms = [SQ, SQ];
    let m = View::strided(ArrayRef::Float64(&a), &ms, &[SQ as isize, 1], 0).unwrap();
    let mt = View::strided(ArrayRef::Float64(&a), &ms, &[1, SQ as isize], 0).unwrap();
    let half = [2.5];
    let zero_d = View::new(ArrayRef::Float64(&half), &[]).unwrap();

    let flat = Signature::new().array("a", DType::Float64).array("b", DType::Float64);
    let flat_in = [Input::Array(ArrayRef::Float64(&a)), Input::Array(ArrayRef::Float64(&b))];
    let bcast = Signature::new().nd("a", DType::Float64, 2).nd("b", DType::Float64, 2);
    let bcast_in = [Input::View(col), Input::View(row)];
    let two = Signature::new().nd("m", DType::Float64, 2).nd("t", DType::Float64, 2);
    let two_in = [Input::View(m), Input::View(mt)];
    let mixed = Signature::new().nd("x", DType::Float64, 0).array("a", DType::Float64);
    let mixed_in = [Input::View(zero_d), Input::Array(ArrayRef::Float64(&a))];

    let cases: &[(&str, &Signature, &[Input<'_>])] = &[
        ("a * 2 + b", &flat, &flat_in),
        ("t = a + 1; t*t + t", &flat, &flat_in),
        ("a", &flat, &flat_in),
        ("where(a > 0.5, a, b)", &flat, &flat_in),
        ("sum(a * b) + a", &flat, &flat_in),
        ("a + b", &bcast, &bcast_in),
        ("sum(a + b)", &bcast, &bcast_in),
        ("sum(a * b, axis=0)", &bcast, &bcast_in),
        ("max(a - b, axis=1)", &bcast, &bcast_in),
        ("t * 2 + m", &two, &two_in),
        ("sum(t, axis=0) + sum(m, axis=1)", &two, &two_in),
        ("mean(t) + min(m * 2)", &two, &two_in),
        ("x + a", &mixed, &mixed_in),
    ];
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for &(text, sig, inputs) in cases {
        for (backend, threads) in [(Backend::Jit, 1), (Backend::Jit, 2), (Backend::Interp, 1)] {
            let engine = Engine::new(Config::default().backend(backend).threads(threads).serial_below(0));
            let k = engine.compile(text, sig).unwrap();
            let need = usize::try_from(k.memory_needed(inputs).unwrap()).unwrap();
            let refused = eval(backend, threads, need.saturating_sub(1), text, sig, inputs);
            assert!(need == 0 || matches!(refused, Err(Error::Memory(_))), "{backend:?} `{text}`: {refused:?} one byte under the plan");
            let before = rss_kb();
            reset_peak();
            let r = eval(backend, threads, need, text, sig, inputs).unwrap();
            let peak = hwm_kb().saturating_sub(before) * 1024;
            drop(r);
            // Bookkeeping, thread stacks and the allocator's own pages.
            let slack = (8 << 20) + need / 50;
            report.push(format!("{backend:?} threads {threads} `{text}`: plan {need} B, peak {peak} B"));
            if peak as usize > need + slack {
                failures.push(format!("{backend:?} threads {threads} `{text}`: peak {peak} B above the plan's {need} B"));
            }
        }
    }
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
