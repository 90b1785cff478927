//! The `:` commands of the REPL and of scripts.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use numjet::array::fmt_shape;
use numjet::error::closest;
use numjet::syntax::vocab;
use numjet::{ArrayData, Backend, Error, Input};

use super::help::help_text;
use super::{Outcome, Session, backend_name, bytes_of, data, emit, input_err, shape_text};

/// `:` commands: name, arguments, one-line description.
pub const COMMANDS: &[(&str, &str, &str)] = &[
    (":help", "", "this help"),
    (":vars", "", "list variables: name, dtype, shape, bytes"),
    (":load", "NAME PATH.npy", "bind NAME to the array in a .npy file"),
    (":save", "PATH.npy EXPR", "write the value of EXPR to a .npy file"),
    (":time", "EXPR", "compile time, median evaluation time, elements/s, GB/s"),
    (":ir", "EXPR", "show the typed IR of EXPR"),
    (":clif", "EXPR", "show the Cranelift IR of each compiled stage"),
    (":asm", "EXPR", "show each stage's machine code (x86-64: offsets, bytes, Intel syntax)"),
    (":threads", "[N]", "show or set the thread count (0 = every core)"),
    (":backend", "[interp|jit]", "show or choose the evaluator"),
    (":memory", "[SIZE]", "show or set the memory limit of one evaluation (4G, 512M, 1e9)"),
    (":math", "[accurate|fast]", "show or set the math functions' accuracy (fast: at most 4 ULP)"),
    (":del", "NAME...", "delete variables"),
    (":quit", "", "leave (so does end of input, Ctrl-D)"),
];

impl Session {
    pub(super) fn command(&mut self, t: &str, out: &mut dyn Write) -> Result<Outcome, Error> {
        let (cmd, rest) = match t.find(char::is_whitespace) {
            Some(i) => (&t[..i], t[i..].trim()),
            None => (t, ""),
        };
        let need = |what: &str| -> Result<(), Error> {
            if rest.is_empty() {
                let args = COMMANDS.iter().find(|c| c.0 == cmd).map_or("", |c| c.1);
                return Err(input_err(format!("{cmd} needs {what}: {cmd} {args}")));
            }
            Ok(())
        };
        match cmd {
            ":help" | ":h" | ":?" => emit(out, &help_text())?,
            ":quit" | ":q" | ":exit" => return Ok(Outcome::Quit),
            ":vars" => emit(out, &self.vars_table())?,
            ":load" => {
                need("a name and a path")?;
                let (name, path) = match rest.find(char::is_whitespace) {
                    Some(i) => (&rest[..i], unquote(rest[i..].trim())),
                    None => (rest, ""),
                };
                if path.is_empty() {
                    return Err(input_err(":load needs a name and a path: :load NAME PATH.npy"));
                }
                if !vocab::is_name(name) {
                    return Err(input_err(format!(
                        "`{name}` is not a valid variable name (letters, digits and `_`, not starting with a digit, not a keyword)"
                    )));
                }
                let a = numjet::npy::read_limited(Path::new(path), self.memory_limit).map_err(input_err)?;
                let order = if a.is_fortran() { " (Fortran order)" } else { "" };
                let msg = format!("{name}: {}, shape {}{order} from {path}", a.dtype(), fmt_shape(a.shape()));
                self.vars.insert(name.to_string(), a);
                self.say(out, &msg)?;
            }
            ":save" => {
                need("a path and an expression")?;
                let (path, expr) = split_path(rest);
                if expr.trim().is_empty() {
                    return Err(input_err(":save needs a path and an expression: :save PATH.npy EXPR"));
                }
                let a = self.value_of(expr)?;
                numjet::npy::write(Path::new(path), &a).map_err(input_err)?;
                let msg = format!("saved {}, shape {} to {path}", a.dtype(), shape_text(&a));
                self.say(out, &msg)?;
            }
            ":time" => {
                need("an expression")?;
                let report = self.time(rest)?;
                emit(out, &report)?;
            }
            ":ir" => {
                need("an expression")?;
                let (kernel, _) = self.compile(rest)?;
                emit(out, &kernel.program().to_string())?;
            }
            ":clif" | ":asm" => {
                need("an expression")?;
                let (kernel, _) = self.compile_with(rest, Backend::Jit)?;
                let jit = kernel.jit().expect("compiled with the JIT backend");
                emit(out, if cmd == ":clif" { jit.clif_text() } else { jit.disasm() })?;
            }
            ":threads" => {
                if rest.is_empty() {
                    emit(out, &format!("threads: {}", self.jit.threads()))?;
                } else {
                    let n: usize = rest
                        .parse()
                        .ok()
                        .filter(|&n| n <= 1024)
                        .ok_or_else(|| input_err(format!("`{rest}` is not a thread count (a whole number from 0 = every core to 1024)")))?;
                    self.threads = n;
                    // New engines: the thread pool belongs to the engine.
                    self.rebuild_engines();
                    self.say(out, &format!("threads: {}", self.jit.threads()))?;
                }
            }
            ":memory" => {
                if rest.is_empty() {
                    emit(out, &format!("memory limit: {}", numjet::mem::fmt_bytes(self.memory_limit as u128)))?;
                } else {
                    let bytes = numjet::mem::parse_bytes(rest)
                        .ok_or_else(|| input_err(format!("`{rest}` is not a size in bytes (such as 4G, 512M, 1e9)")))?;
                    self.memory_limit = bytes;
                    // New engines: the limit is part of an engine's configuration.
                    self.rebuild_engines();
                    self.say(out, &format!("memory limit: {}", numjet::mem::fmt_bytes(bytes as u128)))?;
                }
            }
            ":math" => {
                if rest.is_empty() {
                    emit(out, &format!("math: {}", self.math.name()))?;
                } else {
                    self.math = numjet::MathMode::from_name(rest)
                        .ok_or_else(|| input_err(format!("`{rest}` is not a math mode (accurate: at most 1 ULP; fast: at most 4 ULP)")))?;
                    // New engines: the mode is part of an engine's configuration.
                    self.rebuild_engines();
                    self.say(out, &format!("math: {}", self.math.name()))?;
                }
            }
            ":backend" => {
                if rest.is_empty() {
                    emit(out, &format!("backend: {}", backend_name(self.backend)))?;
                } else {
                    match Backend::from_name(rest) {
                        Some(b) => {
                            self.backend = b;
                            self.say(out, &format!("backend: {rest}"))?;
                        }
                        None => return Err(input_err(format!("unknown backend `{rest}`; choose interp or jit"))),
                    }
                }
            }
            ":del" => {
                need("variable names")?;
                let names: Vec<&str> = rest.split_whitespace().collect();
                if let Some(missing) = names.iter().find(|n| !self.vars.contains_key(**n)) {
                    let hint = closest(missing, self.vars.keys().map(|s| s.as_str()))
                        .map(|c| format!("; did you mean `{c}`?"))
                        .unwrap_or_default();
                    return Err(input_err(format!("no variable `{missing}`{hint}")));
                }
                for n in &names {
                    self.vars.remove(*n);
                }
                self.say(out, &format!("deleted {}", names.join(", ")))?;
            }
            _ => {
                let hint = closest(cmd, COMMANDS.iter().map(|c| c.0))
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_else(|| "; :help lists the commands".into());
                return Err(input_err(format!("unknown command `{cmd}`{hint}")));
            }
        }
        Ok(Outcome::Continue)
    }

    /// Prints a confirmation in verbose (interactive) mode.
    fn say(&self, out: &mut dyn Write, s: &str) -> Result<(), Error> {
        if self.verbose { emit(out, s) } else { Ok(()) }
    }

    fn vars_table(&self) -> String {
        if self.vars.is_empty() {
            return "no variables".into();
        }
        let rows: Vec<[String; 4]> = self
            .vars
            .iter()
            .map(|(n, a)| [n.clone(), a.dtype().to_string(), fmt_shape(a.shape()), data::fmt_bytes(bytes_of(a))])
            .collect();
        let head = ["name", "dtype", "shape", "bytes"].map(String::from);
        let mut w = [0usize; 4];
        for r in std::iter::once(&head).chain(&rows) {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        std::iter::once(&head)
            .chain(&rows)
            .map(|r| format!("{:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}", r[0], r[1], r[2], r[3], w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3]))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `:time`: compile once (timed), evaluate into a preallocated output
    /// 5 to 20 times (about a second in all), report the median.
    fn time(&self, expr: &str) -> Result<String, Error> {
        let t0 = Instant::now();
        let (kernel, arrays) = self.compile(expr)?;
        let compile = t0.elapsed().as_secs_f64();
        let inputs: Vec<Input> = arrays.iter().map(|a| a.input()).collect();
        let n_arr = arrays.iter().filter(|a| !a.shape().is_empty()).map(|a| a.len()).max();
        // The first evaluation gives the result's size (inputs broadcast,
        // so it may be larger than any input) and the output buffer.
        let t1 = Instant::now();
        let mut out = kernel.eval(&inputs)?.into_data();
        let first = t1.elapsed().as_secs_f64();
        let n_out = out.len();
        let run = |out: &mut ArrayData| -> Result<f64, Error> {
            let t = Instant::now();
            kernel.eval_into(&inputs, out.as_mut())?;
            Ok(t.elapsed().as_secs_f64())
        };
        let runs = (1.0 / first.max(1e-9)).ceil().clamp(5.0, 20.0) as usize;
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            times.push(run(&mut out)?);
        }
        let (median, min) = data::median_min(&times);
        let read: u64 = arrays.iter().map(|a| bytes_of(a)).sum();
        let written = (n_out * kernel.dtype().size()) as u64;
        let elements = n_arr.unwrap_or(1).max(n_out) as f64;
        Ok(format!(
            "compile  {}\neval     median {} over {runs} runs (min {}), {} backend, {} thread{}\nrate     {}, {:.2} GB/s ({} read + {} written per run)",
            data::fmt_secs(compile),
            data::fmt_secs(median),
            data::fmt_secs(min),
            backend_name(self.backend),
            self.jit.threads(),
            if self.jit.threads() == 1 { "" } else { "s" },
            data::fmt_rate(elements / median, "elements"),
            (read + written) as f64 / median / 1e9,
            data::fmt_bytes(read),
            data::fmt_bytes(written),
        ))
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|x| x.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// Splits `PATH REST`, where PATH may be quoted to hold spaces.
fn split_path(s: &str) -> (&str, &str) {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q)
            && let Some(end) = inner.find(q)
        {
            return (&inner[..end], inner[end + 1..].trim());
        }
    }
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, ""),
    }
}
