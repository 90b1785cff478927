//! Throughput of numjet's math block functions (`numjet::vmath`): for
//! every function, dtype (`f32`, `f64`) and instruction-set level this CPU
//! has, the time of `vmath::eval_f32` / `eval_f64` over `n` elements, in
//! nanoseconds per element, on one thread with cache-resident buffers.
//!
//! ```text
//! cargo run --release --example vmath_speed -- [--n 100000] [--reps 11] [--min-ms 2]
//!     [--funcs sin,exp,...] [--dtypes f32,f64] [--levels sse2,avx2,avx512]
//!     [--json | --tsv] [--domains]
//! ```
//!
//! Inputs are seeded and uniform over a domain per function, read from
//! `benches/vmath_domains.txt` (compiled in), the table that
//! `benches/glibc_vmath.c` reads too, so both probes time the same
//! operands bit for bit. Each cell is the median of `--reps` repetitions;
//! a repetition calls the function over the `n` elements as many times as
//! it takes to last at least `--min-ms` milliseconds (calibrated once per
//! cell, after a warm-up call). `benches/vmath_compare.sh` runs this probe
//! and the glibc one and prints one table.
//!
//! Output: a text table by default; `--json` gives one object (settings and
//! one result per line); `--tsv` gives `func dtype column ns_per_elem`
//! lines (`column` is `numjet-<level>`), what the compare script reads;
//! `--domains` prints the domain table and exits.

use std::hint::black_box;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use numjet::vmath::{self, Func, Level};

/// The shared domain table (see its header for the format).
const DOMAINS: &str = include_str!("../benches/vmath_domains.txt");

/// The seed of operand `k`'s stream is `SEED + k` (as in the table's
/// header and `benches/glibc_vmath.c`).
const SEED: u64 = 0x6e75_6d6a_6574;

/// A function's input domain: `(lo, hi]` for each operand.
#[derive(Clone, Copy, Debug)]
struct Domain {
    ranges: [(f64, f64); 2],
}

/// Parses the domain table into `(name, domain)` rows.
fn parse_domains(text: &str) -> Result<Vec<(String, Domain)>, String> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let name = words.next().unwrap_or_default().to_string();
        let nums: Vec<f64> = words
            .map(|w| {
                w.parse::<f64>()
                    .map_err(|e| format!("domain table line {}: {w:?}: {e}", i + 1))
            })
            .collect::<Result<_, _>>()?;
        let ranges = match nums[..] {
            [lo, hi] => [(lo, hi), (lo, hi)],
            [lo, hi, lo2, hi2] => [(lo, hi), (lo2, hi2)],
            _ => {
                return Err(format!(
                    "domain table line {}: expected 2 or 4 numbers after the name",
                    i + 1
                ));
            }
        };
        rows.push((name, Domain { ranges }));
    }
    Ok(rows)
}

/// splitmix64: the generator both probes use.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `n` inputs uniform in `(lo, hi]`, operand `k`'s stream.
fn inputs(n: usize, (lo, hi): (f64, f64), k: u64) -> Vec<f64> {
    let mut state = SEED + k;
    let scale = 1.0 / (1u64 << 53) as f64;
    (0..n)
        .map(|_| {
            let u = ((splitmix64(&mut state) >> 11) + 1) as f64 * scale;
            lo + (hi - lo) * u
        })
        .collect()
}

/// Settings from the command line.
struct Opts {
    n: usize,
    reps: usize,
    min_secs: f64,
    funcs: Option<Vec<String>>,
    dtypes: Vec<&'static str>,
    levels: Vec<Level>,
    format: Format,
    domains_only: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Tsv,
}

const USAGE: &str = "usage: vmath_speed [--n 100000] [--reps 11] [--min-ms 2] [--funcs sin,exp,...] \
[--dtypes f32,f64] [--levels sse2,avx2,avx512] [--json | --tsv] [--domains]";

fn parse_args() -> Result<Opts, String> {
    let mut o = Opts {
        n: 100_000,
        reps: 11,
        min_secs: 2e-3,
        funcs: None,
        dtypes: vec!["f32", "f64"],
        levels: Level::available(),
        format: Format::Text,
        domains_only: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--n" => {
                // Accepts 100000 and 1e5.
                let v = value()?;
                let x: f64 = v.parse().map_err(|_| format!("--n: not a number: {v}"))?;
                if !(1.0..=1e12).contains(&x) {
                    return Err(format!("--n: out of range: {v}"));
                }
                o.n = x as usize;
            }
            "--reps" => {
                let v = value()?;
                o.reps = v.parse().map_err(|_| format!("--reps: not a count: {v}"))?;
                o.reps = o.reps.max(1);
            }
            "--min-ms" => {
                let v = value()?;
                let ms: f64 = v.parse().map_err(|_| format!("--min-ms: not a number: {v}"))?;
                o.min_secs = ms.max(0.0) * 1e-3;
            }
            "--funcs" => o.funcs = Some(value()?.split(',').map(|s| s.trim().to_string()).collect()),
            "--dtypes" => {
                let mut d = Vec::new();
                for s in value()?.split(',') {
                    match s.trim() {
                        "f32" | "float32" => d.push("f32"),
                        "f64" | "float64" => d.push("f64"),
                        other => return Err(format!("--dtypes: unknown dtype {other}")),
                    }
                }
                o.dtypes = d;
            }
            "--levels" => {
                let mut l = Vec::new();
                for s in value()?.split(',') {
                    let level = Level::from_name(s).ok_or_else(|| format!("--levels: unknown level {s}"))?;
                    if level.has() {
                        l.push(level);
                    } else {
                        eprintln!("vmath_speed: this CPU does not have {}; skipped", level.name());
                    }
                }
                o.levels = l;
            }
            "--json" => o.format = Format::Json,
            "--tsv" => o.format = Format::Tsv,
            "--domains" => o.domains_only = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(format!("unknown argument {a}\n{USAGE}")),
        }
    }
    Ok(o)
}

/// The median of `xs` (mean of the two middle values for an even count).
fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let m = xs.len() / 2;
    if xs.len() % 2 == 1 {
        xs[m]
    } else {
        0.5 * (xs[m - 1] + xs[m])
    }
}

/// Times `run` (one pass over `n` elements): a warm-up call, then the
/// number of calls per repetition that lasts at least `min_secs`, then the
/// median over `reps` repetitions, in ns per element.
fn measure(mut run: impl FnMut(), n: usize, reps: usize, min_secs: f64) -> f64 {
    run();
    let mut calls = 1usize;
    loop {
        let t = Instant::now();
        for _ in 0..calls {
            run();
        }
        let dt = t.elapsed().as_secs_f64();
        if dt >= min_secs || calls >= 1 << 30 {
            break;
        }
        // Aim 20% past the target so the next try usually suffices.
        let want = (calls as f64 * 1.2 * min_secs / dt.max(1e-9)).ceil() as usize;
        calls = want.clamp(calls + 1, calls.saturating_mul(100));
    }
    let samples = (0..reps)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..calls {
                run();
            }
            t.elapsed().as_secs_f64() * 1e9 / (calls as f64 * n as f64)
        })
        .collect();
    median(samples)
}

/// One measured cell.
struct Cell {
    func: Func,
    dtype: &'static str,
    level: Level,
    ns: f64,
    /// Results that are not finite (a sign that the domain is wrong).
    nonfinite: usize,
}

/// Measures `f` at `level` on the given `f64` operands, as `dtype`.
fn run_cell(f: Func, dtype: &'static str, level: Level, ops: &[Vec<f64>], o: &Opts) -> Cell {
    let n = o.n;
    let (ns, nonfinite) = if dtype == "f64" {
        let args: Vec<&[f64]> = ops.iter().map(|v| v.as_slice()).collect();
        let mut out = vec![0.0f64; n];
        let ns = measure(
            || {
                vmath::eval_f64(f, level, black_box(&args), black_box(&mut out));
            },
            n,
            o.reps,
            o.min_secs,
        );
        (ns, out.iter().filter(|v| !v.is_finite()).count())
    } else {
        let ops32: Vec<Vec<f32>> = ops.iter().map(|v| v.iter().map(|&x| x as f32).collect()).collect();
        let args: Vec<&[f32]> = ops32.iter().map(|v| v.as_slice()).collect();
        let mut out = vec![0.0f32; n];
        let ns = measure(
            || {
                vmath::eval_f32(f, level, black_box(&args), black_box(&mut out));
            },
            n,
            o.reps,
            o.min_secs,
        );
        (ns, out.iter().filter(|v| !v.is_finite()).count())
    };
    Cell {
        func: f,
        dtype,
        level,
        ns,
        nonfinite,
    }
}

/// Appends a line to the output buffer (written at the end by [`emit`], so
/// that a closed pipe, as with `| head`, ends the probe quietly).
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Writes the output; a closed pipe is not an error.
fn emit(out: &str) -> ExitCode {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vmath_speed: writing the results: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let mut out = String::new();
    let o = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("vmath_speed: {e}");
            return ExitCode::from(2);
        }
    };
    let table = match parse_domains(DOMAINS) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("vmath_speed: {e}");
            return ExitCode::from(2);
        }
    };
    if o.domains_only {
        for (name, d) in &table {
            let [(lo, hi), (lo2, hi2)] = d.ranges;
            let binary = Func::ALL.iter().any(|f| f.name() == name && f.arity() == 2);
            if binary {
                outln!(out, "{name}\t{lo}\t{hi}\t{lo2}\t{hi2}");
            } else {
                outln!(out, "{name}\t{lo}\t{hi}");
            }
        }
        return emit(&out);
    }
    if let Some(wanted) = &o.funcs {
        for w in wanted {
            if !Func::ALL.iter().any(|f| f.name() == w) {
                eprintln!("vmath_speed: --funcs: numjet has no function {w}");
                return ExitCode::from(2);
            }
        }
    }

    let progress = o.format == Format::Text && std::io::stderr().is_terminal();
    let mut cells = Vec::new();
    for &f in Func::ALL {
        if o.funcs.as_ref().is_some_and(|w| !w.iter().any(|n| n == f.name())) {
            continue;
        }
        // A fast version (`sin_fast`) runs on its default function's domain.
        let Some((_, dom)) = table.iter().find(|(name, _)| name == f.base().name()) else {
            eprintln!(
                "vmath_speed: no domain for {} in benches/vmath_domains.txt; skipped",
                f.name()
            );
            continue;
        };
        let ops: Vec<Vec<f64>> = (0..f.arity()).map(|k| inputs(o.n, dom.ranges[k], k as u64)).collect();
        for &dtype in &o.dtypes {
            for &level in &o.levels {
                if progress {
                    eprint!("\r{:<8} {} {:<6}", f.name(), dtype, level.name());
                }
                let cell = run_cell(f, dtype, level, &ops, &o);
                if cell.nonfinite * 1000 > o.n {
                    eprintln!(
                        "vmath_speed: {} {} {}: {} of {} results not finite (check its domain)",
                        f.name(),
                        dtype,
                        level.name(),
                        cell.nonfinite,
                        o.n
                    );
                }
                cells.push(cell);
            }
        }
    }
    if progress {
        eprint!("\r{:30}\r", "");
    }

    match o.format {
        Format::Tsv => {
            for c in &cells {
                outln!(
                    out,
                    "{}\t{}\tnumjet-{}\t{:.4}",
                    c.func.name(),
                    c.dtype,
                    c.level.name(),
                    c.ns
                );
            }
        }
        Format::Json => {
            outln!(out, "{{");
            outln!(
                out,
                "  \"n\": {}, \"reps\": {}, \"min_ms\": {},",
                o.n,
                o.reps,
                o.min_secs * 1e3
            );
            let levels: Vec<String> = o.levels.iter().map(|l| format!("\"{}\"", l.name())).collect();
            outln!(out, "  \"levels\": [{}],", levels.join(", "));
            outln!(out, "  \"results\": [");
            for (i, c) in cells.iter().enumerate() {
                let comma = if i + 1 < cells.len() { "," } else { "" };
                outln!(
                    out,
                    "    {{\"func\": \"{}\", \"dtype\": \"{}\", \"level\": \"{}\", \"ns_per_elem\": {:.4}}}{comma}",
                    c.func.name(),
                    c.dtype,
                    c.level.name(),
                    c.ns
                );
            }
            outln!(out, "  ]");
            outln!(out, "}}");
        }
        Format::Text => {
            outln!(
                out,
                "numjet vmath, ns/element (median of {} reps, each >= {} ms), n = {}, one thread",
                o.reps,
                o.min_secs * 1e3,
                o.n
            );
            let mut header = format!("{:<10} {:<5}", "function", "dtype");
            for l in &o.levels {
                header += &format!(" {:>8}", l.name());
            }
            outln!(out, "{header}");
            for &f in Func::ALL {
                for &dtype in &o.dtypes {
                    let row: Vec<&Cell> = cells.iter().filter(|c| c.func == f && c.dtype == dtype).collect();
                    if row.is_empty() {
                        continue;
                    }
                    let mut line = format!("{:<10} {:<5}", f.name(), dtype);
                    for l in &o.levels {
                        match row.iter().find(|c| c.level == *l) {
                            Some(c) => line += &format!(" {:>8.3}", c.ns),
                            None => line += &format!(" {:>8}", "-"),
                        }
                    }
                    outln!(out, "{line}");
                }
            }
        }
    }
    emit(&out)
}
