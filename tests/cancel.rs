//! Cancelling an evaluation (`Kernel::eval_cancellable`, what the Python
//! module's Ctrl-C sets): every kind of stage stops and reports
//! `Error::Interrupted`, before its work or in the middle of it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use numjet::{ArrayRef, Config, DType, Engine, Error, Input, Signature, View};

/// A column (n, 1) and a row (1, n) of float64 and int64: their broadcast
/// is n * n elements, never stored.
struct Grid {
    col: Vec<f64>,
    row: Vec<f64>,
    icol: Vec<i64>,
    irow: Vec<i64>,
    n: [usize; 2],
    t: [usize; 2],
}

impl Grid {
    fn new(n: usize) -> Grid {
        Grid {
            col: (0..n).map(|i| i as f64).collect(),
            row: (0..n).map(|i| i as f64 * 0.5).collect(),
            icol: (0..n as i64).collect(),
            irow: (0..n as i64).collect(),
            n: [n, 1],
            t: [1, n],
        }
    }

    fn inputs(&self) -> Vec<Input<'_>> {
        vec![
            View::new(ArrayRef::Float64(&self.col), &self.n).unwrap().into(),
            View::new(ArrayRef::Float64(&self.row), &self.t).unwrap().into(),
            View::new(ArrayRef::Int64(&self.icol), &self.n).unwrap().into(),
            View::new(ArrayRef::Int64(&self.irow), &self.t).unwrap().into(),
        ]
    }
}

fn signature() -> Signature {
    Signature::new().nd("c", DType::Float64, 2).nd("r", DType::Float64, 2).nd("i", DType::Int64, 2).nd("j", DType::Int64, 2)
}

const PROGRAMS: &[&str] = &[
    "sum(c + r)",
    "sum(c + r, axis=0)",
    "sum(c * r, axis=1)",
    "max(c * r)",
    "min(c - r, axis=0)",
    "prod(c / (r + 1), axis=1)",
    "mean(i + j)",
    "sum(i * j, axis=0)",
    "any(c > r)",
    "all(c >= r, axis=1)",
    "c + r",
    "t = sum(c + r, axis=0); t * 2",
];

#[test]
fn a_cancelled_evaluation_does_no_work_and_says_so() {
    let g = Grid::new(2000);
    let cancel = AtomicBool::new(true);
    for threads in [1, 2] {
        let engine = Engine::new(Config::default().threads(threads).serial_below(0));
        for &p in PROGRAMS {
            let k = engine.compile(p, &signature()).unwrap();
            match k.eval_cancellable(&g.inputs(), &cancel) {
                Err(Error::Interrupted) => {}
                other => panic!("{p} on {threads} threads: {other:?}"),
            }
            // Not cancelled, the same kernel computes.
            assert!(k.eval_cancellable(&g.inputs(), &AtomicBool::new(false)).is_ok(), "{p}");
        }
    }
}

#[test]
fn a_long_evaluation_stops_soon_after_the_flag() {
    // 1e10 elements per program: minutes of work each, were it not
    // stopped. The flag is set 100 ms in; each must stop within seconds
    // (a generous bound for a loaded machine, far below the full run).
    let g = Grid::new(100_000);
    for &p in ["sum(c + r, axis=0)", "max(c * r)", "sum(sin(c + r))", "mean(i + j)", "all(c >= r, axis=1)"].iter() {
        let engine = Engine::new(Config::default().threads(2).memory_limit(usize::MAX));
        let k = engine.compile(p, &signature()).unwrap();
        let cancel = AtomicBool::new(false);
        let start = Instant::now();
        let r = std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(100));
                cancel.store(true, Ordering::Relaxed);
            });
            k.eval_cancellable(&g.inputs(), &cancel)
        });
        let took = start.elapsed();
        assert!(matches!(r, Err(Error::Interrupted)), "{p}: {r:?}");
        assert!(took < Duration::from_secs(10), "{p} stopped after {took:?}");
        println!("{p}: interrupted after {took:?}");
    }
}
