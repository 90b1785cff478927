//! Compile time against program size: parse, lower and JIT-compile
//! programs of 1 KiB to 1 MiB (`numjet::syntax::MAX_SOURCE_BYTES`) in
//! shapes that stress different passes, and print a table of medians (ms,
//! and ms per KiB, which stays flat where the cost is linear).
//!
//! Run: `cargo bench --bench compile` (about 8 minutes on 2 cores; the
//! many-reduction shapes take most of it). Options after `--`: `--repeat
//! N` (default 3, the median is printed), `--min KIB` and `--max KIB`
//! (smallest and largest size, default 1 and 1024; sizes go up by 4×),
//! `--shapes a,b,...` (default all, see `tests/common/shapes.rs`),
//! `--eval` (also evaluate the largest program of every shape on
//! 1,000-element inputs, JIT and interpreter; `--eval-only`: only that).
//! Not criterion: one compile of a large program takes up to seconds, and
//! the point is the curve over sizes, compared in one run.
//!
//! Columns: `parse` (`syntax::parse`), `lower` (`ir::lower`), `jit`
//! (`jit::compile` of the lowered program), `engine jit` and `engine
//! interp` (`Engine::compile_uncached` with each backend: text to kernel),
//! and `jit ms/KiB` (the `engine jit` median over the text size).

use std::time::Instant;

use numjet::syntax::{MAX_NESTING, MAX_SOURCE_BYTES};
use numjet::{Array, Backend, Config, DType, Engine, Signature, ir, jit, syntax};

/// The program shapes, shared with the tests (`tests/scale.rs`).
#[path = "../tests/common/shapes.rs"]
mod shapes;
use shapes::SHAPES;

fn signature() -> Signature {
    Signature::new().array("a", DType::Float64).array("b", DType::Float64).array("c", DType::Float64).nd("m", DType::Float64, 2)
}

/// Median wall time of `f` over `repeat` runs, in ms, and its last result.
fn median<T>(repeat: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let r = f();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(r);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], last.expect("one run"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let repeat: usize = opt("--repeat").and_then(|s| s.parse().ok()).unwrap_or(3);
    let min_kib: usize = opt("--min").and_then(|s| s.parse().ok()).unwrap_or(1);
    let max_kib: usize = opt("--max").and_then(|s| s.parse().ok()).unwrap_or(1024);
    let only: Option<Vec<String>> = opt("--shapes").map(|s| s.split(',').map(str::to_string).collect());
    let eval_only = args.iter().any(|a| a == "--eval-only");
    let eval = eval_only || args.iter().any(|a| a == "--eval");
    let sig = signature();
    let jit_engine = Engine::new(Config::default().cache_capacity(0).threads(1));
    let interp_engine = Engine::new(Config::default().cache_capacity(0).backend(Backend::Interp));
    println!("repeat {repeat}, medians in ms; MAX_SOURCE_BYTES = {MAX_SOURCE_BYTES}, MAX_NESTING = {MAX_NESTING}");
    println!("| shape | KiB | nodes | stages | parse | lower | jit | engine jit | engine interp | jit ms/KiB |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, gen_program) in SHAPES {
        if eval_only || only.as_ref().is_some_and(|o| !o.iter().any(|s| s == name)) {
            continue;
        }
        let mut kib = min_kib.max(1);
        while kib <= max_kib {
            let text = gen_program((kib << 10).min(MAX_SOURCE_BYTES));
            let (parse, ast) = median(repeat, || syntax::parse(&text));
            let ast = match ast {
                Ok(a) => a,
                Err(e) => {
                    println!("| {name} | {kib} | parse error: {} |", e.to_string().lines().next().unwrap_or(""));
                    kib *= 4;
                    continue;
                }
            };
            let (lower, p) = median(repeat, || ir::lower(&ast, &sig, &text));
            let row = match p {
                Ok(p) => {
                    let (jit_ms, k) = median(repeat, || jit::compile(&p));
                    let stages = k.map_or("err".to_string(), |k| k.stage_count().to_string());
                    let (ej, _) = median(repeat, || jit_engine.compile_uncached(&text, &sig));
                    let (ei, _) = median(repeat, || interp_engine.compile_uncached(&text, &sig));
                    let per = ej / (text.len() as f64 / 1024.0);
                    format!("{} | {stages} | {parse:.2} | {lower:.2} | {jit_ms:.1} | {ej:.1} | {ei:.2} | {per:.3}", p.nodes().len())
                }
                Err(e) => format!("lower error: {} | | | | | | |", e.to_string().lines().next().unwrap_or("")),
            };
            println!("| {name} | {:.0} | {row} |", text.len() as f64 / 1024.0);
            kib *= 4;
        }
    }
    if eval {
        println!("\nevaluation of the largest program of each shape on 1,000-element inputs (m: 40 x 25), median ms:");
        println!("| shape | jit | interp |");
        println!("|---|---:|---:|");
        let n = 1000;
        let v = |s: u64| -> Vec<f64> { (0..n).map(|i| ((i as u64 * 2654435761 + s) % 1000) as f64 / 1000.0 - 0.5).collect() };
        let (a, b, c) = (v(1), v(2), v(3));
        let m = Array::new(v(4).into(), vec![40, 25]).expect("shape");
        let inputs = [(&a).into(), (&b).into(), (&c).into(), m.as_input()];
        for (name, gen_program) in SHAPES {
            if only.as_ref().is_some_and(|o| !o.iter().any(|s| s == name)) {
                continue;
            }
            let text = gen_program((max_kib << 10).min(MAX_SOURCE_BYTES));
            let cell = |e: &Engine| match e.compile_uncached(&text, &sig) {
                Ok(k) => {
                    let (t, r) = median(repeat, || k.eval(&inputs));
                    match r {
                        Ok(_) => format!("{t:.1}"),
                        Err(e) => format!("{t:.1} (error: {})", e.to_string().lines().next().unwrap_or("")),
                    }
                }
                Err(e) => format!("compile error: {}", e.to_string().lines().next().unwrap_or("")),
            };
            println!("| {name} | {} | {} |", cell(&jit_engine), cell(&interp_engine));
        }
    }
}
