//! `numjet bench EXPR [--n N] [--dtype D] [--threads T] [--repeat R] [--fresh] [--triad] [--json]`

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

use clap::Args;
use serde::Serialize;
use numjet::syntax::vocab;
use numjet::{Array, Backend, Config, DType, Engine, Input, Shape, Signature};
use rayon::prelude::*;

use super::data::{self, Rng};
use super::diag;
use super::session::backend_name;

/// `--json`'s object, keys in this order.
#[derive(Serialize)]
struct JsonReport<'a> {
    expr: &'a str,
    n: usize,
    dtype: &'static str,
    threads: usize,
    backend: &'a str,
    math: &'static str,
    repeat: u32,
    fresh: bool,
    inputs: &'a [String],
    result_dtype: &'static str,
    compile_ms: f64,
    median_ms: f64,
    min_ms: f64,
    elements_per_s: f64,
    bytes_read: u64,
    bytes_written: u64,
    gb_per_s: f64,
    #[serde(flatten)]
    triad: Option<JsonTriad>,
}

/// `--json --triad`'s extra keys.
#[derive(Serialize)]
struct JsonTriad {
    triad_median_ms: f64,
    triad_gb_per_s: f64,
    bandwidth_ratio: f64,
}

/// Seed of the first input; the k-th free variable uses `BENCH_SEED + k`.
const BENCH_SEED: u64 = 1;

#[derive(Args, Debug)]
#[command(after_help = "\
Every free variable of EXPR (a name the program reads but does not assign, other than the
constants pi, e, inf and nan) becomes a seeded random array of N elements of the chosen dtype:
bool values are fair coin flips, int32 and int64 values are uniform in [1, 1000), float32 and
float64 values uniform in [0, 1) (splitmix64; the same numbers on every run).

The evaluation rate counts N elements per run; GB/s counts the bytes the program must move:
every input array read once plus the result written once.

The JIT splits elementwise work and reductions over --threads threads (default: every core);
work under 32,768 elements stays on the calling thread.

--triad also times the machine's streaming bandwidth in the same run: a plain parallel Rust loop
c[i] = a[i] + 2.0*b[i] over N float64 elements (rayon, one contiguous part per thread, as many
threads as the expression, into a preallocated c), counted as 24 bytes per element. It runs after
the expression, --repeat times after one untimed run. bandwidth_ratio is the expression's GB/s over
the triad's: near 1 means the expression streams as fast as this machine moves memory.")]
pub struct BenchArgs {
    /// The program to time, e.g. 'a + b*2' or 't = a*b; t + sin(t)'.
    pub expr: String,
    /// Elements per input array: 1000000, 1_000_000 or 1e6 (at most 2^31).
    #[arg(long = "n", short = 'n', value_name = "N", default_value = "1e6")]
    pub n: String,
    /// Dtype of the input arrays.
    #[arg(long, value_name = "DTYPE", default_value = "float64", value_parser = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64", "complex64", "complex128"])]
    pub dtype: String,
    /// Threads to use; 0 means every core.
    #[arg(long, value_name = "T", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1024))]
    pub threads: u32,
    /// Timed evaluations after compiling once; the median and the minimum
    /// are reported.
    #[arg(long, value_name = "R", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub repeat: u32,
    /// Evaluate into a new array each run (`Kernel::eval`) instead of into
    /// one preallocated output (`Kernel::eval_into`).
    #[arg(long)]
    pub fresh: bool,
    /// Also time a parallel float64 triad `c = a + 2*b` (the streaming
    /// bandwidth ceiling) and report the expression's share of it.
    #[arg(long)]
    pub triad: bool,
    /// Print one JSON object (keys: expr, n, dtype, threads, backend, repeat,
    /// fresh, inputs, result_dtype, compile_ms, median_ms, min_ms,
    /// elements_per_s, bytes_read, bytes_written, gb_per_s; with --triad
    /// also triad_median_ms, triad_gb_per_s and bandwidth_ratio) instead of
    /// text.
    #[arg(long)]
    pub json: bool,
    /// Evaluator: `jit` (Cranelift, the default) or `interp` (the reference interpreter).
    #[arg(long, default_value = "jit", value_name = "jit|interp")]
    pub backend: String,
}

pub fn run(args: BenchArgs) -> Result<(), String> {
    let color = diag::stderr_color();
    let backend = match Backend::from_name(&args.backend) {
        Some(b) => b,
        None => return Err(format!("error: unknown backend `{}`; choose interp or jit", args.backend)),
    };
    let dtype = DType::from_name(&args.dtype).ok_or_else(|| format!("error: unknown dtype `{}`", args.dtype))?;
    let n = data::parse_count(&args.n).map_err(|e| format!("error: --n: {e}"))?;

    // Free variables, from the syntax tree.
    let ast = numjet::syntax::parse(&args.expr).map_err(|e| diag::render(&e, color))?;
    let names: Vec<String> = data::free_names(&ast).into_iter().filter(|v| vocab::constant(v).is_none()).collect();
    let total_inputs = (names.len() as u64).saturating_mul(n).saturating_mul(dtype.size() as u64);
    let triad_bytes = if args.triad { n.saturating_mul(TRIAD_BYTES) } else { 0 };
    let n = data::check_size(n, dtype, total_inputs.saturating_add(n.saturating_mul(8)).saturating_add(triad_bytes), data::memory_limit())
        .map_err(|e| format!("error: --n: {e}"))?;
    let mut sig = Signature::new();
    for v in &names {
        sig = sig.array(v, dtype);
    }

    let engine = Engine::new(Config::default().backend(backend).threads(args.threads as usize).memory_limit(data::memory_limit()).math(data::math()));
    let t0 = Instant::now();
    let kernel = engine.compile(&args.expr, &sig).map_err(|e| diag::render(&e, color))?;
    let compile = t0.elapsed().as_secs_f64();

    let arrays: Vec<Array> = (0..names.len())
        .map(|k| Rng::new(BENCH_SEED + k as u64).bench_data(dtype, n).map(Array::from_vec))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("error: {e}"))?;
    let inputs: Vec<Input> = arrays.iter().map(|a| a.as_input()).collect();
    let n_out = if kernel.program().shape() == Shape::Scalar { 1 } else { n };
    let mut out = data::filled(kernel.dtype(), n_out, false).map_err(|e| format!("error: {e}"))?;
    let mut times = Vec::with_capacity(args.repeat as usize);
    for _ in 0..args.repeat {
        let t = Instant::now();
        if args.fresh {
            let r = kernel.eval(&inputs).map_err(|e| diag::render(&e, color))?;
            std::hint::black_box(&r);
        } else {
            kernel.eval_into(&inputs, out.as_mut()).map_err(|e| diag::render(&e, color))?;
        }
        times.push(t.elapsed().as_secs_f64());
    }
    std::hint::black_box(&out);
    drop(out);
    let (median, min) = data::median_min(&times);
    let bytes_read = (names.len() * n * dtype.size()) as u64;
    let bytes_written = (n_out * kernel.dtype().size()) as u64;
    let elements = if names.is_empty() { n_out } else { n } as f64;
    let gbps = (bytes_read + bytes_written) as f64 / median / 1e9;
    // The kernel's own backend: complex programs run on the interpreter
    // even under `--backend jit` (issue 13).
    let backend = backend_name(kernel.backend());
    let threads = if kernel.backend() == Backend::Interp { 1 } else { engine.threads() };
    let triad = if args.triad {
        let t = triad(n, threads, args.repeat)?;
        let triad_gbps = (n as u64 * TRIAD_BYTES) as f64 / t / 1e9;
        Some(Triad { median: t, gbps: triad_gbps, ratio: gbps / triad_gbps })
    } else {
        None
    };
    let text = if args.json {
        let report = JsonReport {
            expr: &args.expr,
            n,
            dtype: dtype.name(),
            threads,
            backend: &backend,
            math: engine.config().math.name(),
            repeat: args.repeat,
            fresh: args.fresh,
            inputs: &names,
            result_dtype: kernel.dtype().name(),
            compile_ms: compile * 1e3,
            median_ms: median * 1e3,
            min_ms: min * 1e3,
            elements_per_s: elements / median,
            bytes_read,
            bytes_written,
            gb_per_s: gbps,
            triad: triad.as_ref().map(|t| JsonTriad { triad_median_ms: t.median * 1e3, triad_gb_per_s: t.gbps, bandwidth_ratio: t.ratio }),
        };
        // Non-finite numbers become `null` (JSON has no inf or NaN).
        serde_json::to_string(&report).map_err(|e| format!("error: cannot write the JSON report: {e}"))?
    } else {
        let mut s = text_report(&args, &names, n, n_out, kernel.program().shape() == Shape::Scalar, kernel.dtype(), compile, median, min, &backend, threads, gbps);
        if let Some(t) = &triad {
            let _ = write!(
                s,
                "\nceiling   triad c = a + 2*b (float64, {threads} thread{}, preallocated): median {}, {:.2} GB/s\nratio     {:.2} of the triad's bandwidth",
                if threads == 1 { "" } else { "s" },
                data::fmt_secs(t.median),
                t.gbps,
                t.ratio
            );
        }
        s
    };
    // Not println!: a closed pipe (`numjet bench ... | head -1`) is an error, not a panic.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}").and_then(|()| stdout.flush()).map_err(|e| format!("error: cannot write the output: {e}"))
}

#[allow(clippy::too_many_arguments)]
fn text_report(
    args: &BenchArgs,
    names: &[String],
    n: usize,
    n_out: usize,
    scalar: bool,
    result: DType,
    compile: f64,
    median: f64,
    min: f64,
    backend: &str,
    threads: usize,
    gbps: f64,
) -> String {
    let dtype = &args.dtype;
    let bytes_read = (names.len() * n * DType::from_name(dtype).map_or(8, |d| d.size())) as u64;
    let bytes_written = (n_out * result.size()) as u64;
    let elements = if names.is_empty() { n_out } else { n } as f64;
    let inputs_text = if names.is_empty() {
        "none".to_string()
    } else {
        format!("{}: {dtype}[{}] each, seeded random", names.join(", "), data::fmt_thousands(n as u64))
    };
    let result_shape = if scalar { String::new() } else { format!("[{}]", data::fmt_thousands(n_out as u64)) };
    let mut s = String::new();
    let _ = writeln!(s, "expr      {}", args.expr);
    let _ = writeln!(s, "inputs    {inputs_text}");
    let _ = writeln!(s, "result    {result}{result_shape}");
    let _ = writeln!(
        s,
        "backend   {backend}, {threads} thread{}{}",
        if threads == 1 { "" } else { "s" },
        if super::data::math() == numjet::MathMode::Fast { ", fast math" } else { "" }
    );
    let _ = writeln!(s, "compile   {}", data::fmt_secs(compile));
    let _ = writeln!(
        s,
        "eval      median {}, min {} over {} run{} ({})",
        data::fmt_secs(median),
        data::fmt_secs(min),
        args.repeat,
        if args.repeat == 1 { "" } else { "s" },
        if args.fresh { "a new array each run" } else { "into a preallocated output" }
    );
    let _ = write!(
        s,
        "rate      {}, {gbps:.2} GB/s ({} read + {} written per run)",
        data::fmt_rate(elements / median, "elements"),
        data::fmt_bytes(bytes_read),
        data::fmt_bytes(bytes_written)
    );
    s
}

/// Bytes the triad moves per element: two float64 reads and one write.
const TRIAD_BYTES: u64 = 24;

/// The triad's timing.
struct Triad {
    /// Median seconds per run.
    median: f64,
    gbps: f64,
    /// The expression's GB/s over the triad's.
    ratio: f64,
}

/// Median seconds of `repeat` runs of the float64 triad `c = a + 2*b` over
/// `n` elements on a pool of `threads` threads, one contiguous part per
/// thread (as numjet splits an evaluation), into a preallocated `c` whose
/// pages an untimed first run faults in.
fn triad(n: usize, threads: usize, repeat: u32) -> Result<f64, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| format!("error: cannot start the triad's threads: {e}"))?;
    let a = Rng::new(BENCH_SEED).uniform_vec(n)?;
    let b = Rng::new(BENCH_SEED + 1).uniform_vec(n)?;
    let mut c = numjet::mem::try_zeroed::<f64>(n).map_err(|e| format!("error: {e}"))?;
    let per = n.div_ceil(threads.max(1)).max(1);
    let once = |c: &mut [f64]| {
        let (a, b) = (std::hint::black_box(&a[..]), std::hint::black_box(&b[..]));
        pool.install(|| {
            c.par_chunks_mut(per).zip(a.par_chunks(per)).zip(b.par_chunks(per)).for_each(|((c, a), b)| {
                for ((c, &a), &b) in c.iter_mut().zip(a).zip(b) {
                    *c = a + 2.0 * b;
                }
            })
        });
        std::hint::black_box(&*c);
    };
    once(&mut c);
    let mut times = Vec::with_capacity(repeat as usize);
    for _ in 0..repeat {
        let t = Instant::now();
        once(&mut c);
        times.push(t.elapsed().as_secs_f64());
    }
    Ok(data::median_min(&times).0)
}
