//! A session of the REPL: bound variables, settings, statements and `:`
//! commands. The interactive REPL ([`super::repl`]) and script mode
//! ([`super::run`]) both drive a [`Session`] one statement at a time.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use numjet::array::fmt_shape;
use numjet::error::Located;
use numjet::npy::NpyArray;
use numjet::ops::Op;
use numjet::syntax::Ast;
use numjet::syntax::ast::{ExprKind, Stmt};
use numjet::{Array, ArrayData, Backend, Config, DType, Engine, Error, Input, Kernel, Scalar, Signature, Span};

use super::data::{self, Rng};
use super::diag;

/// Length of each demo array.
pub const DEMO_LEN: usize = 1_000_000;
/// Seed of the demo arrays (and of `random`/`normal` in a fresh session).
pub const DEMO_SEED: u64 = 42;

/// The array constructors a statement may call (as its whole value).
pub const CONSTRUCTORS: [&str; 7] = ["arange", "linspace", "zeros", "ones", "random", "normal", "reshape"];

/// Constructors whose first argument may be a shape tuple (`zeros((2, 3))`).
const SHAPED: [&str; 4] = ["zeros", "ones", "random", "normal"];

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
    (":del", "NAME...", "delete variables"),
    (":quit", "", "leave (so does end of input, Ctrl-D)"),
];

/// Words that are not variable names.
const KEYWORDS: [&str; 7] = ["and", "or", "not", "if", "else", "True", "False"];

/// What the caller should do after a statement.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Continue,
    Quit,
}

/// A failed statement: the rendered error, and the line (0-based, within the
/// statement's text) the error points at.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub line: usize,
}

pub struct Session {
    vars: BTreeMap<String, Var>,
    backend: Backend,
    /// One engine per backend, so their kernel caches live for the session.
    jit: Engine,
    interp: Engine,
    threads: usize,
    rng: Rng,
    /// Colour in error messages.
    color: bool,
    /// Confirm commands that change the session (`:load`, `:save`, `:del`...).
    verbose: bool,
}

fn input_err(msg: impl Into<String>) -> Error {
    Error::Input(msg.into())
}

fn located(text: &str, span: Span, message: impl Into<String>, hint: Option<String>) -> Located {
    Located { message: message.into(), span, hint, source: Arc::from(text) }
}

fn emit(out: &mut dyn Write, s: &str) -> Result<(), Error> {
    writeln!(out, "{s}").and_then(|()| out.flush()).map_err(|e| input_err(format!("cannot write the output: {e}")))
}

/// NumPy 2's repr of a scalar (`np.float64(0.5)`, `np.True_`).
fn scalar_repr(s: Scalar) -> String {
    match s {
        Scalar::Bool(true) => "np.True_".into(),
        Scalar::Bool(false) => "np.False_".into(),
        s => format!("np.{}({s})", s.dtype()),
    }
}

fn shape_text(a: &Array) -> String {
    fmt_shape(a.shape())
}

/// How a value is printed: scalars as NumPy's repr, arrays with a
/// `dtype, shape` header line above NumPy's repr.
pub fn show(a: &Array) -> String {
    match a.to_scalar() {
        Some(s) => scalar_repr(s),
        None => format!("{}, shape {}\n{a}", a.dtype(), shape_text(a)),
    }
}

fn bytes_of(a: &Var) -> u64 {
    a.nbytes() as u64
}

/// A bound variable: its elements as stored, C order for everything the
/// session computes, Fortran order kept for `.npy` files loaded in that
/// order (evaluated as a strided view, as NumPy would).
type Var = NpyArray;

fn valid_name(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s)
}

/// Character edit distance, for "did you mean" hints.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for j in 0..b.len() {
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + usize::from(ca != b[j]));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (distance(name, c), c))
        .filter(|&(d, c)| d <= (name.chars().count().max(c.chars().count()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

/// Moves the spans of an error found in `text[offset..]` to `text`, so the
/// caret lands in the whole statement.
fn relocate(mut err: Error, text: &str, offset: usize) -> Error {
    if let Some(l) = err.located_mut() {
        l.span = Span::new(l.span.start + offset, l.span.end + offset);
        l.source = Arc::from(text);
    }
    err
}

/// A call of a session constructor that is a whole one-statement program.
struct CtorCall<'a> {
    name: &'a str,
    /// Span of the whole call.
    span: Span,
    args: Vec<Span>,
    /// For each argument written as a shape tuple (`(2, 3)`), the spans of
    /// its elements.
    tuples: Vec<Option<Vec<Span>>>,
    keywords: Vec<(&'a str, Span, ExprKind)>,
}

fn ctor_call(ast: &Ast) -> Option<CtorCall<'_>> {
    let [stmt] = ast.stmts.as_slice() else { return None };
    let root = ast.expr(Ast::stmt_value(stmt));
    let ExprKind::Call { func, args, keywords } = &root.kind else { return None };
    if !CONSTRUCTORS.contains(&func.name.as_str()) {
        return None;
    }
    Some(CtorCall {
        name: func.name.as_str(),
        span: root.span,
        args: args.iter().map(|a| ast.expr(*a).span).collect(),
        tuples: vec![None; args.len()],
        keywords: keywords
            .iter()
            .map(|k| (k.name.name.as_str(), ast.expr(k.value).span, ast.expr(k.value).kind.clone()))
            .collect(),
    })
}

/// A parenthesised group with a comma at its top level, `(2, 3)` or
/// `(4,)`: the span with its parentheses, and the spans of its elements.
#[derive(Clone, Debug, PartialEq)]
struct Tuple {
    span: Span,
    elems: Vec<Span>,
}

/// The language has no tuples, but constructors take shapes. This finds
/// the tuples of a statement (outside comments and call parentheses) and
/// returns the text with their top-level commas masked (`(2, 3)` becomes
/// `(2+ 3)`, `(4,)` becomes `(4 )`), byte for byte the same length so that
/// every span of the masked text is a span of the real one.
fn mask_tuples(text: &str) -> (String, Vec<Tuple>) {
    // Open brackets: position, whether it can hold a tuple (a `(` not
    // directly after a name or a closing bracket), commas at its top level.
    let mut stack: Vec<(usize, bool, Vec<usize>)> = Vec::new();
    let mut tuples = Vec::new();
    let mut masked = text.as_bytes().to_vec();
    let bytes = text.as_bytes();
    let mut prev: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'(' | b'[' | b'{' => {
                let after_value = prev.is_some_and(|p| p.is_ascii_alphanumeric() || p == b'_' || p == b')' || p == b']');
                stack.push((i, b == b'(' && !after_value, Vec::new()));
            }
            b',' => {
                if let Some((_, true, commas)) = stack.last_mut() {
                    commas.push(i);
                }
            }
            b')' | b']' | b'}' => {
                if let Some((open, tuple, commas)) = stack.pop()
                    && tuple
                    && b == b')'
                    && !commas.is_empty()
                {
                    let mut elems = Vec::new();
                    let mut start = open + 1;
                    for &c in commas.iter().chain([&i]) {
                        let seg = &text[start..c];
                        let lead = seg.len() - seg.trim_start().len();
                        let t = seg.trim();
                        // `(4,)`: nothing after the trailing comma.
                        if !(t.is_empty() && c == i) {
                            elems.push(Span::new(start + lead, start + lead + t.len()));
                        }
                        start = c + 1;
                    }
                    let trailing = text[commas[commas.len() - 1] + 1..i].trim().is_empty();
                    for (k, &c) in commas.iter().enumerate() {
                        masked[c] = if trailing && k + 1 == commas.len() { b' ' } else { b'+' };
                    }
                    tuples.push(Tuple { span: Span::new(open, i + 1), elems });
                }
            }
            _ => {}
        }
        if !b.is_ascii_whitespace() {
            prev = Some(b);
        }
        i += 1;
    }
    // Only ASCII commas were replaced by ASCII bytes.
    (String::from_utf8(masked).unwrap_or_else(|_| text.to_string()), tuples)
}

/// Parses a statement. A constructor call may take shape tuples as
/// arguments; anywhere else a tuple is the parser's error, as before.
fn parse_statement(text: &str) -> Result<(Ast, Vec<Tuple>), Error> {
    let (masked, tuples) = mask_tuples(text);
    if !tuples.is_empty()
        && let Ok(ast) = numjet::syntax::parse(&masked)
        && let Some(call) = ctor_call(&ast)
        && tuples.iter().all(|t| call.args.iter().any(|a| a.start <= t.span.start && t.span.end <= a.end))
    {
        return Ok((ast, tuples));
    }
    match numjet::syntax::parse(text) {
        Ok(ast) => Ok((ast, Vec::new())),
        Err(mut e) => {
            if let Error::Syntax(l) = &mut e
                && l.message == "tuples are not supported"
                && l.hint.is_none()
            {
                l.hint = Some("a shape tuple is only an argument of zeros, ones, random, normal or reshape, as a whole statement".into());
            }
            Err(e)
        }
    }
}

/// The constructor call of a parsed statement, with its tuple arguments.
fn ctor_call_with<'a>(ast: &'a Ast, tuples: &[Tuple]) -> Option<CtorCall<'a>> {
    let mut call = ctor_call(ast)?;
    for (arg, slot) in call.args.iter().zip(call.tuples.iter_mut()) {
        if let Some(t) = tuples.iter().find(|t| t.span == *arg) {
            *slot = Some(t.elems.clone());
        }
    }
    Some(call)
}

impl Session {
    /// A session with the demo arrays `a`, `b`, `c` bound.
    pub fn new(color: bool, verbose: bool) -> Session {
        let mut rng = Rng::new(DEMO_SEED);
        let mut vars = BTreeMap::new();
        for name in ["a", "b", "c"] {
            vars.insert(name.to_string(), Array::from_vec(rng.uniform_vec(DEMO_LEN)).into());
        }
        Session {
            vars,
            backend: Backend::default(),
            jit: Engine::new(Config::default().backend(Backend::Jit)),
            interp: Engine::new(Config::default().backend(Backend::Interp)),
            threads: 1,
            rng,
            color,
            verbose,
        }
    }

    /// The one-line greeting of the interactive REPL.
    pub fn banner() -> String {
        format!(
            "numjet {} | a, b, c: {} float64 each, uniform in [0, 1), seed {DEMO_SEED} | :help, :quit",
            env!("CARGO_PKG_VERSION"),
            data::fmt_thousands(DEMO_LEN as u64)
        )
    }

    pub fn var_names(&self) -> Vec<String> {
        self.vars.keys().cloned().collect()
    }

    /// Runs one statement or command (possibly several lines, possibly
    /// several `;`-separated statements) and writes what it prints to `out`.
    pub fn execute(&mut self, text: &str, out: &mut dyn Write) -> Result<Outcome, Failure> {
        let r = self.execute_inner(text, out);
        r.map_err(|e| {
            let line = e.located().map_or(0, |l| {
                let src: &str = &l.source;
                src.get(..l.span.start.min(src.len())).map_or(0, |s| s.matches('\n').count())
            });
            Failure { message: diag::render(&e, self.color), line }
        })
    }

    fn execute_inner(&mut self, text: &str, out: &mut dyn Write) -> Result<Outcome, Error> {
        let t = text.trim();
        if t.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
            return Ok(Outcome::Continue);
        }
        if t.starts_with(':') {
            return self.command(t, out);
        }
        self.statement(text, out)?;
        Ok(Outcome::Continue)
    }

    // ----------------------------------------------------------------------
    // Statements

    fn statement(&mut self, text: &str, out: &mut dyn Write) -> Result<(), Error> {
        let (ast, tuples) = parse_statement(text)?;
        if let Some(call) = ctor_call_with(&ast, &tuples) {
            let arr = self.construct(text, &call)?;
            match &ast.stmts[0] {
                Stmt::Assign { target, .. } => {
                    self.vars.insert(target.name.clone(), arr.into());
                }
                Stmt::Expr(_) => emit(out, &show(&arr))?,
            }
            return Ok(());
        }
        // Every value is computed before anything is bound: a line that
        // fails binds nothing, and later statements of the line see the
        // variables as they were.
        let last = ast.stmts.len() - 1;
        let mut binds = Vec::new();
        for (i, st) in ast.stmts.iter().enumerate() {
            if let Stmt::Assign { target, value } = st {
                let prefix = if i == last { text } else { text.get(..ast.expr(*value).span.end).unwrap_or(text) };
                binds.push((target.name.clone(), self.eval_program(prefix)?));
            }
        }
        let shown = match ast.stmts[last] {
            Stmt::Expr(_) => Some(self.eval_program(text)?),
            Stmt::Assign { .. } => None,
        };
        for (name, v) in binds {
            self.vars.insert(name, v.into());
        }
        if let Some(v) = shown {
            emit(out, &show(&v))?;
        }
        Ok(())
    }

    /// Compiles a program against the variables it reads.
    fn compile(&self, text: &str) -> Result<(Kernel, Vec<&Var>), Error> {
        self.compile_with(text, self.backend)
    }

    fn compile_with(&self, text: &str, backend: Backend) -> Result<(Kernel, Vec<&Var>), Error> {
        let ast = numjet::syntax::parse(text)?;
        let mut sig = Signature::new();
        let mut arrays = Vec::new();
        for name in data::free_names(&ast) {
            if let Some(a) = self.vars.get(&name) {
                sig = sig.input(&name, &a.input());
                arrays.push(a);
            }
        }
        let engine = if backend == Backend::Jit { &self.jit } else { &self.interp };
        match engine.compile(text, &sig) {
            Ok(k) => Ok((k, arrays)),
            Err(e) => Err(self.improve(text, e, engine)),
        }
    }

    /// Better hints for errors: typos of variables the program does not
    /// read, and constructors used inside an expression.
    fn improve(&self, text: &str, err: Error, engine: &Engine) -> Error {
        match err {
            Error::UnknownName(_) => {
                let mut all = Signature::new();
                for (name, a) in &self.vars {
                    all = all.input(name, &a.input());
                }
                match engine.compile(text, &all) {
                    Err(e @ Error::UnknownName(_)) => e,
                    _ => err,
                }
            }
            Error::UnknownFunction(mut l) => {
                let name = l.source.get(l.span.range()).unwrap_or("").to_string();
                if CONSTRUCTORS.contains(&name.as_str()) {
                    l.hint = Some(format!(
                        "`{name}(...)` makes an array only as a whole statement: bind it first (`x = {name}(...)`), then use `x`"
                    ));
                }
                Error::UnknownFunction(l)
            }
            e => e,
        }
    }

    fn eval_program(&self, text: &str) -> Result<Array, Error> {
        let (kernel, arrays) = self.compile(text)?;
        let inputs: Vec<Input> = arrays.iter().map(|a| a.input()).collect();
        kernel.eval(&inputs)
    }

    /// The value of a statement without binding anything (for `:save`).
    fn value_of(&mut self, text: &str) -> Result<Array, Error> {
        let (ast, tuples) = parse_statement(text)?;
        match ctor_call_with(&ast, &tuples) {
            Some(call) => self.construct(text, &call),
            None => self.eval_program(text),
        }
    }

    // ----------------------------------------------------------------------
    // Constructors

    /// Evaluates a constructor argument (any program over the variables)
    /// to a number.
    fn number_arg(&self, text: &str, span: Span) -> Result<Scalar, Error> {
        let sub = text.get(span.range()).unwrap_or("");
        let a = self.eval_program(sub).map_err(|e| relocate(e, text, span.start))?;
        a.to_scalar().ok_or_else(|| {
            Error::Type(located(text, span, format!("expected a number, got an array of shape {}", shape_text(&a)), None))
        })
    }

    /// A count of elements: a non-negative whole number (`10`, `1e6`).
    fn count_arg(&self, text: &str, span: Span) -> Result<u64, Error> {
        let bad = |msg: String| Error::Type(located(text, span, msg, None));
        match self.number_arg(text, span)? {
            Scalar::Bool(_) => Err(bad("expected a number of elements, got a bool".into())),
            Scalar::Int32(v) => u64::try_from(v).map_err(|_| bad(format!("negative number of elements ({v})"))),
            Scalar::Int64(v) => u64::try_from(v).map_err(|_| bad(format!("negative number of elements ({v})"))),
            Scalar::Float32(v) => float_count(v as f64).map_err(bad),
            Scalar::Float64(v) => float_count(v).map_err(bad),
        }
    }

    /// A seed: a whole number from 0 to 2^64 - 1.
    fn seed_arg(&self, text: &str, span: Span) -> Result<u64, Error> {
        let v = self.number_arg(text, span)?;
        let seed = match v {
            Scalar::Int32(x) => u64::try_from(x).ok(),
            Scalar::Int64(x) => u64::try_from(x).ok(),
            Scalar::Float32(_) | Scalar::Float64(_) => {
                let x = v.to_f64();
                (x.fract() == 0.0 && (0.0..18446744073709551616.0).contains(&x)).then_some(x as u64)
            }
            Scalar::Bool(_) => None,
        };
        seed.ok_or_else(|| Error::Type(located(text, span, format!("the seed must be a whole number from 0 to 2^64 - 1, got {v}"), None)))
    }

    fn construct(&mut self, text: &str, call: &CtorCall) -> Result<Array, Error> {
        let name = call.name;
        let (min, max, usage) = match name {
            "arange" => (1, 3, "arange(stop), arange(start, stop) or arange(start, stop, step)"),
            "linspace" => (3, 3, "linspace(start, stop, n)"),
            "reshape" => (2, 2, "reshape(x, (d0, d1, ...)), one d may be -1"),
            _ => (1, 1, ""),
        };
        let usage = if usage.is_empty() { format!("{name}(n) or {name}((d0, d1, ...))") } else { usage.to_string() };
        let takes_seed = matches!(name, "random" | "normal");
        if call.args.len() < min || call.args.len() > max {
            let want = if min == max { format!("{min}") } else { format!("{min} to {max}") };
            return Err(Error::Arity(located(
                text,
                call.span,
                format!("`{name}` takes {want} argument{}, got {}", if max == 1 { "" } else { "s" }, call.args.len()),
                Some(if name == "reshape" {
                    format!("usage: {usage}")
                } else {
                    format!("usage: {usage}, with an optional dtype=float32 (or bool, int32, int64, float64)")
                }),
            )));
        }
        let mut dtype: Option<DType> = None;
        let mut seed: Option<u64> = None;
        let mut seen: Vec<&str> = Vec::new();
        for (kw, vspan, kind) in &call.keywords {
            if name == "reshape" {
                return Err(Error::Keyword(located(text, *vspan, format!("`reshape` takes no keyword arguments, got `{kw}`"), None)));
            }
            if seen.contains(kw) {
                return Err(Error::Keyword(located(text, *vspan, format!("keyword `{kw}` given twice"), None)));
            }
            seen.push(kw);
            match *kw {
                "dtype" => {
                    let d = match kind {
                        ExprKind::Name(n) => DType::from_name(n),
                        _ => None,
                    };
                    let Some(d) = d else {
                        return Err(Error::Keyword(located(
                            text,
                            *vspan,
                            "unknown dtype",
                            Some("write dtype=bool, int32, int64, float32 or float64 (no quotes)".into()),
                        )));
                    };
                    dtype = Some(d);
                }
                "seed" if takes_seed => seed = Some(self.seed_arg(text, *vspan)?),
                _ => {
                    let allowed = if takes_seed { "`dtype` and `seed`" } else { "only `dtype`" };
                    let kspan = Span::new(vspan.start.saturating_sub(kw.len() + 1), vspan.start);
                    let kspan = if text.get(kspan.range()).is_some_and(|s| s.starts_with(kw)) { kspan } else { *vspan };
                    return Err(Error::Keyword(located(
                        text,
                        kspan,
                        format!("`{name}` takes no keyword `{kw}`"),
                        Some(format!("it takes {allowed}")),
                    )));
                }
            }
        }
        let limit = |msg: String| Error::Limit(located(text, call.span, msg, None));
        if let Some(i) = call.tuples.iter().position(Option::is_some)
            && (name != "reshape" || i != 1)
            && !(SHAPED.contains(&name) && i == 0)
        {
            return Err(Error::Type(located(text, call.args[i], format!("`{name}` takes no shape here"), Some(format!("usage: {usage}")))));
        }
        // The shape of zeros, ones, random and normal: `n` or a tuple.
        let mut shape: Option<Vec<usize>> = None;
        let mut count = |s: &Self| -> Result<u64, Error> {
            let dims: Vec<u64> = match &call.tuples[0] {
                Some(elems) => elems.iter().map(|e| s.count_arg(text, *e)).collect::<Result<_, _>>()?,
                None => vec![s.count_arg(text, call.args[0])?],
            };
            if dims.len() > numjet::array::MAX_NDIM {
                return Err(limit(format!("{} dimensions is more than numjet's limit of {}", dims.len(), numjet::array::MAX_NDIM)));
            }
            let n = dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).unwrap_or(u64::MAX);
            let n = if dims.contains(&0) { 0 } else { n };
            if n > data::MAX_ELEMENTS {
                return Err(limit(format!("{n} elements is too many; the limit is {} (2^31) elements per array", data::MAX_ELEMENTS)));
            }
            shape = Some(dims.iter().map(|&d| d as usize).collect());
            Ok(n)
        };
        let data: ArrayData = match name {
            "arange" => return self.arange(text, call, dtype),
            "reshape" => return self.reshape(text, call),
            "linspace" => {
                let start = self.number_arg(text, call.args[0])?.to_f64();
                let stop = self.number_arg(text, call.args[1])?.to_f64();
                let n = self.count_arg(text, call.args[2])?;
                let dt = dtype.unwrap_or(DType::Float64);
                let n = data::check_size(n, dt, n.saturating_mul(8)).map_err(limit)?;
                let mut v: Vec<f64> = Vec::new();
                if n == 1 {
                    v.push(start);
                } else if n > 1 {
                    let step = (stop - start) / (n - 1) as f64;
                    v = (0..n).map(|i| start + i as f64 * step).collect();
                    v[n - 1] = stop;
                }
                if !dt.is_float() {
                    // NumPy 2 rounds toward -inf for integer dtypes.
                    v.iter_mut().for_each(|x| *x = x.floor());
                }
                data::cast_f64(v, dt)
            }
            "zeros" | "ones" => {
                let n = count(self)?;
                let dt = dtype.unwrap_or(DType::Float64);
                let n = data::check_size(n, dt, 0).map_err(limit)?;
                data::filled(dt, n, name == "ones")
            }
            _ => {
                // random, normal
                let n = count(self)?;
                let dt = dtype.unwrap_or(DType::Float64);
                if !dt.is_float() {
                    return Err(Error::Keyword(located(
                        text,
                        call.span,
                        format!("`{name}` makes floats; its dtype must be float32 or float64, not {dt}"),
                        None,
                    )));
                }
                let n = data::check_size(n, dt, n.saturating_mul(8)).map_err(limit)?;
                let mut own;
                let rng = match seed {
                    Some(s) => {
                        own = Rng::new(s);
                        &mut own
                    }
                    None => &mut self.rng,
                };
                let v = if name == "random" { rng.uniform_vec(n) } else { rng.normal_vec(n) };
                data::cast_f64(v, dt)
            }
        };
        match shape {
            Some(shape) => Ok(Array::new(data, shape).expect("the element count is the shape's")),
            None => Ok(Array::from_vec(data)),
        }
    }

    /// `reshape(x, shape)`: the elements of `x` in C order with a new shape
    /// of the same size (one dimension may be -1, as in NumPy).
    fn reshape(&mut self, text: &str, call: &CtorCall) -> Result<Array, Error> {
        let xspan = call.args[0];
        let sub = text.get(xspan.range()).unwrap_or("");
        let x = self.value_of(sub).map_err(|e| relocate(e, text, xspan.start))?;
        let sspan = call.args[1];
        let elems = call.tuples[1].clone().unwrap_or_else(|| vec![sspan]);
        let bad = |span: Span, msg: String| Error::Type(located(text, span, msg, None));
        let mut dims: Vec<Option<usize>> = Vec::new();
        for e in &elems {
            let d = match self.number_arg(text, *e)? {
                Scalar::Int32(v) => i64::from(v),
                Scalar::Int64(v) => v,
                v => return Err(bad(*e, format!("a dimension must be an integer, got {v}"))),
            };
            dims.push(match d {
                -1 => None,
                d => Some(usize::try_from(d).map_err(|_| bad(*e, format!("negative dimension {d}")))?),
            });
        }
        if dims.len() > numjet::array::MAX_NDIM {
            return Err(bad(sspan, format!("{} dimensions is more than numjet's limit of {}", dims.len(), numjet::array::MAX_NDIM)));
        }
        if dims.iter().filter(|d| d.is_none()).count() > 1 {
            return Err(bad(sspan, "only one dimension can be -1".into()));
        }
        let known = dims.iter().flatten().try_fold(1usize, |a, &d| a.checked_mul(d));
        let n = x.len();
        let mismatch = || bad(sspan, format!("cannot reshape an array of {n} elements (shape {}) into shape {}", shape_text(&x), show_dims(&dims)));
        let Some(known) = known else { return Err(mismatch()) };
        let shape: Vec<usize> = match dims.iter().position(Option::is_none) {
            Some(i) => {
                if known == 0 || !n.is_multiple_of(known) {
                    return Err(mismatch());
                }
                let mut s: Vec<usize> = dims.iter().map(|d| d.unwrap_or(0)).collect();
                s[i] = n / known;
                s
            }
            None if known == n => dims.iter().flatten().copied().collect(),
            None => return Err(mismatch()),
        };
        let data = x.into_data();
        Ok(Array::new(data, shape).expect("the sizes were checked"))
    }

    /// `arange` as NumPy does it: int64 when every argument is an integer,
    /// float64 otherwise (or `dtype`); `ceil((stop - start) / step)` elements.
    fn arange(&self, text: &str, call: &CtorCall, dtype: Option<DType>) -> Result<Array, Error> {
        let vals: Vec<Scalar> = call.args.iter().map(|s| self.number_arg(text, *s)).collect::<Result<_, _>>()?;
        let (start, stop, step) = match vals.as_slice() {
            [stop] => (Scalar::Int64(0), *stop, Scalar::Int64(1)),
            [start, stop] => (*start, *stop, Scalar::Int64(1)),
            [start, stop, step] => (*start, *stop, *step),
            _ => unreachable!("arity checked"),
        };
        let step_span = call.args.get(2).copied().unwrap_or(call.span);
        let limit = |msg: String| Error::Limit(located(text, call.span, msg, None));
        let any_float = vals.iter().any(|v| v.dtype().is_float());
        let dt = dtype.unwrap_or(if any_float { DType::Float64 } else { DType::Int64 });
        if !any_float {
            let int = |s: Scalar| match s.cast(DType::Int64) {
                Scalar::Int64(v) => v as i128,
                _ => 0,
            };
            let (start, stop, step) = (int(start), int(stop), int(step));
            if step == 0 {
                return Err(Error::Type(located(text, step_span, "the step of `arange` must not be zero", None)));
            }
            let d = stop - start;
            let len = if d != 0 && (d > 0) == (step > 0) { (d.abs() + step.abs() - 1) / step.abs() } else { 0 };
            let len = u64::try_from(len).unwrap_or(u64::MAX);
            let n = data::check_size(len, dt, if dt == DType::Int64 { 0 } else { len.saturating_mul(8) }).map_err(limit)?;
            let v: Vec<i64> = (0..n).map(|i| (start + i as i128 * step) as i64).collect();
            let data: ArrayData = match dt {
                DType::Int64 => v.into(),
                _ => data::cast_f64(v.into_iter().map(|x| x as f64).collect(), dt),
            };
            return Ok(Array::from_vec(data));
        }
        let (start, stop, step) = (start.to_f64(), stop.to_f64(), step.to_f64());
        if !(start.is_finite() && stop.is_finite() && step.is_finite()) {
            return Err(Error::Type(located(text, call.span, "`arange` needs finite start, stop and step", None)));
        }
        if step == 0.0 {
            return Err(Error::Type(located(text, step_span, "the step of `arange` must not be zero", None)));
        }
        let len = ((stop - start) / step).ceil();
        if !len.is_finite() || len > data::MAX_ELEMENTS as f64 {
            return Err(limit(format!(
                "`arange` would make {len:e} elements; the limit is {} (2^31) elements per array",
                data::MAX_ELEMENTS
            )));
        }
        let len = if len > 0.0 { len as u64 } else { 0 };
        let n = data::check_size(len, dt, len.saturating_mul(8)).map_err(limit)?;
        let v: Vec<f64> = (0..n).map(|i| start + i as f64 * step).collect();
        Ok(Array::from_vec(data::cast_f64(v, dt)))
    }

    // ----------------------------------------------------------------------
    // Commands

    fn command(&mut self, t: &str, out: &mut dyn Write) -> Result<Outcome, Error> {
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
                if !valid_name(name) {
                    return Err(input_err(format!(
                        "`{name}` is not a valid variable name (letters, digits and `_`, not starting with a digit, not a keyword)"
                    )));
                }
                let a = numjet::npy::read(Path::new(path)).map_err(input_err)?;
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
                    // A new JIT engine: the thread pool belongs to the engine.
                    self.jit = Engine::new(Config::default().backend(Backend::Jit).threads(n));
                    self.say(out, &format!("threads: {}", self.jit.threads()))?;
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

/// A shape with `-1` for an inferred dimension, NumPy-style.
fn show_dims(dims: &[Option<usize>]) -> String {
    let parts: Vec<String> = dims.iter().map(|d| d.map_or("-1".to_string(), |d| d.to_string())).collect();
    if parts.len() == 1 { format!("({},)", parts[0]) } else { format!("({})", parts.join(", ")) }
}

fn float_count(v: f64) -> Result<u64, String> {
    if !v.is_finite() || v.fract() != 0.0 {
        return Err(format!("expected a whole number of elements, got {v}"));
    }
    if v < 0.0 {
        return Err(format!("negative number of elements ({v})"));
    }
    if v > data::MAX_ELEMENTS as f64 {
        return Err(format!("{v:e} elements is too many; the limit is {} (2^31) elements per array", data::MAX_ELEMENTS));
    }
    Ok(v as u64)
}

pub fn backend_name(b: Backend) -> String {
    b.name().to_string()
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

/// The text of `:help`.
pub fn help_text() -> String {
    let mut h = String::from(
        "Statements, one per line (or several separated by `;`):
  EXPR             evaluate and print, e.g. sin(a)**2 + cos(a)**2
  NAME = EXPR      bind the result (every `NAME = ...` of a line is bound)
  A line continues while brackets are open or after a trailing `\\`; `#` starts
  a comment. Bound values are NumPy arrays: `x = 3` is a 0-d int64 array.

Array constructors, only as the whole value of a statement (x = arange(10)):
  arange(stop)               int64 when every argument is an integer,
  arange(start, stop[, step])   float64 otherwise
  linspace(start, stop, n)   n float64 values from start to stop, inclusive
  zeros(n), ones(n)          float64
  random(n[, seed=S])        float64, uniform in [0, 1) (splitmix64)
  normal(n[, seed=S])        float64, standard normal (Box-Muller)
  Each takes an optional dtype without quotes: zeros(10, dtype=float32).
  zeros, ones, random and normal take a shape too: ones((2, 3), dtype=int32).
  reshape(x, (2, 3))         x's elements in C order with a new shape (one
                             dimension may be -1); x may be any expression
  Arguments may be expressions (linspace(0, 2*pi, n)); n may be written 1e6.
  Arrays are limited to 2^31 elements and half of the available memory.

Functions:\n  ",
    );
    let mut col = 2;
    let names: Vec<&str> = Op::function_names().collect();
    for (i, n) in names.iter().enumerate() {
        let piece = if i + 1 == names.len() { n.to_string() } else { format!("{n}, ") };
        if col + piece.len() > 78 {
            h.push_str("\n  ");
            col = 2;
        }
        h.push_str(&piece);
        col += piece.len();
    }
    h.push_str("\nConstants: pi, e, inf, nan (unless a variable of that name is bound).\n\nCommands:\n");
    for (c, args, what) in COMMANDS {
        let lhs = if args.is_empty() { c.to_string() } else { format!("{c} {args}") };
        h.push_str(&format!("  {lhs:<24}{what}\n"));
    }
    h.push_str(
        "\nThe demo arrays a, b, c hold 1,000,000 float64 values each, uniform in [0, 1)
(splitmix64, seed 42). Tab completes variables, functions, commands, and file
names after `:load NAME` and `:save`. History is kept in
$XDG_DATA_HOME/numjet/history (or ~/.local/share/numjet/history).
Ctrl-C cancels the line; Ctrl-D or :quit leaves.

Scripts (`numjet run FILE`, or statements piped into `numjet`) take the same
statements and commands, one per line, with a, b, c bound: no prompt, no banner,
no colour; only results go to standard output. The first error stops the script
with `error at line N:` on standard error and exit status 1.",
    );
    h.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &mut Session, text: &str) -> Result<String, String> {
        let mut out = Vec::new();
        s.execute(text, &mut out).map_err(|f| f.message)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn statements_bind_and_print() {
        let mut s = Session::new(false, false);
        assert_eq!(run(&mut s, "x = arange(5)").unwrap(), "");
        assert_eq!(run(&mut s, "x * 2").unwrap(), "int64, shape (5,)\narray([0, 2, 4, 6, 8])\n");
        assert_eq!(run(&mut s, "t = x + 1; u = t * 10").unwrap(), "");
        assert_eq!(run(&mut s, "sum(u)").unwrap(), "np.int64(150)\n");
        assert_eq!(run(&mut s, "sum(t)").unwrap(), "np.int64(15)\n");
        assert_eq!(run(&mut s, "linspace(0, 1, 5)").unwrap(), "float64, shape (5,)\narray([0., 0.25, 0.5, 0.75, 1.])\n");
        assert_eq!(run(&mut s, "zeros(3, dtype=float32)").unwrap(), "float32, shape (3,)\narray([0., 0., 0.], dtype=float32)\n");
        assert_eq!(run(&mut s, "arange(1, 2, 0.25)").unwrap(), "float64, shape (4,)\narray([1., 1.25, 1.5, 1.75])\n");
        assert_eq!(run(&mut s, "arange(10, 0, -3)").unwrap(), "int64, shape (4,)\narray([10, 7, 4, 1])\n");
        assert_eq!(run(&mut s, "arange(0)").unwrap(), "int64, shape (0,)\narray([], dtype=int64)\n");
        assert_eq!(run(&mut s, "n = 3").unwrap(), "");
        assert_eq!(run(&mut s, "ones(n + 1)").unwrap(), "float64, shape (4,)\narray([1., 1., 1., 1.])\n");
    }

    #[test]
    fn errors_do_not_panic() {
        let mut s = Session::new(false, false);
        for bad in [
            "arange(1e15)",
            "arange(1, 2, 0)",
            "arange(0, 1, 0.0)",
            "arange(nan)",
            "arange(1, 2, 3, 4)",
            "zeros(-1)",
            "zeros(1.5)",
            "zeros(a)",
            "zeros(10, dtype=float16)",
            "random(10, dtype=int32)",
            "zeros(10, foo=1)",
            "linspace(0, 1)",
            "x = arange(3) + 1",
            ":load",
            ":load x",
            ":load x /nonexistent.npy",
            ":load 1x /nonexistent.npy",
            ":save",
            ":save /nonexistent/dir/x.npy a",
            ":time",
            ":time a +",
            ":ir )",
            ":clif a +",
            ":threads 2000",
            ":threads x",
            ":backend foo",
            ":del zz",
            ":frob",
            "a +",
            "normal(1e10)",
            "ones(2**40)",
            "arange(-9223372036854775807, 9223372036854775807)",
        ] {
            assert!(run(&mut s, bad).is_err(), "{bad} should fail");
        }
        assert!(run(&mut s, "arange(1e15)").unwrap_err().contains("limit"));
    }

    #[test]
    fn constructor_errors_point_into_the_statement() {
        let mut s = Session::new(false, false);
        let e = run(&mut s, "x = arange(1, bb)").unwrap_err();
        assert!(e.contains("unknown name `bb`"), "{e}");
        assert!(e.contains("did you mean `b`?"), "{e}");
        assert!(e.contains("x = arange(1, bb)"), "{e}");
    }

    #[test]
    fn tuples_are_masked_byte_for_byte() {
        let (m, t) = mask_tuples("x = zeros((2, 3), dtype=int32) # (a, b)");
        assert_eq!(m, "x = zeros((2+ 3), dtype=int32) # (a, b)");
        assert_eq!(t, [Tuple { span: Span::new(10, 16), elems: vec![Span::new(11, 12), Span::new(14, 15)] }]);
        let (m, t) = mask_tuples("reshape(f(a, b), (4,))");
        assert_eq!(m, "reshape(f(a, b), (4 ))");
        assert_eq!(t[0].elems, [Span::new(18, 19)]);
        assert!(mask_tuples("where(a > 0, (b), [1, 2])").1.is_empty());
    }

    #[test]
    fn nd_constructors_and_reshape() {
        let mut s = Session::new(false, true);
        assert_eq!(run(&mut s, "zeros((2, 3))").unwrap(), "float64, shape (2, 3)\narray([[0., 0., 0.],\n       [0., 0., 0.]])\n");
        run(&mut s, "y = ones((2,3), dtype=int32)").unwrap();
        assert_eq!(run(&mut s, "y * 2").unwrap(), "int32, shape (2, 3)\narray([[2, 2, 2],\n       [2, 2, 2]], dtype=int32)\n");
        run(&mut s, "z = reshape(arange(6), (3, -1))").unwrap();
        assert_eq!(run(&mut s, "z").unwrap(), "int64, shape (3, 2)\narray([[0, 1],\n       [2, 3],\n       [4, 5]])\n");
        let e = run(&mut s, "sum(reshape(arange(6), (2, 3)), axis=1)").unwrap_err();
        assert!(e.contains("as a whole statement"), "{e}");
        assert_eq!(run(&mut s, "sum(reshape(z, 6))").unwrap_err().lines().next().unwrap(), "Error: unknown function `reshape`");
        run(&mut s, "z = reshape(arange(6), (2, 3))").unwrap();
        assert_eq!(run(&mut s, "sum(z, axis=1)").unwrap(), "int64, shape (2,)\narray([3, 12])\n");
        assert_eq!(run(&mut s, "reshape(z, 6)").unwrap(), "int64, shape (6,)\narray([0, 1, 2, 3, 4, 5])\n");
        run(&mut s, "r = random((2, 2), seed=3)").unwrap();
        assert_eq!(run(&mut s, "r.real").unwrap().lines().next(), Some("float64, shape (2, 2)"));
        assert!(run(&mut s, ":vars").unwrap().contains("y     int32    (2, 3)"));
        for bad in ["reshape(z, (4, 2))", "reshape(z, (-1, -1))", "reshape(z, (2, 3), dtype=int32)", "reshape(z)", "zeros((2, -3))", "arange((2, 3))", "w = (1, 2)", "zeros((2, 3)) + 1", "reshape(z, (2.5, 2))"] {
            assert!(run(&mut s, bad).is_err(), "{bad} should fail");
        }
        let e = run(&mut s, "reshape(z, (4, 2))").unwrap_err();
        assert!(e.contains("cannot reshape an array of 6 elements (shape (2, 3)) into shape (4, 2)"), "{e}");
        let e = run(&mut s, "w = (1, 2)").unwrap_err();
        assert!(e.contains("tuples are not supported") && e.contains("a shape tuple is only an argument of"), "{e}");
    }

    #[test]
    fn shape_errors_render_with_a_caret() {
        let mut s = Session::new(false, false);
        run(&mut s, "m = ones((2, 3))").unwrap();
        run(&mut s, "v = ones(2)").unwrap();
        let e = run(&mut s, "m * 2 + v").unwrap_err();
        assert!(e.contains("operands could not be broadcast together with shapes (2, 3) (2,)"), "{e}");
        assert!(e.contains("m * 2 + v"), "{e}");
        assert!(e.contains("─"), "{e}");
    }

    #[test]
    fn time_handles_broadcast_results() {
        let mut s = Session::new(false, false);
        run(&mut s, "c4 = ones((4, 1))").unwrap();
        run(&mut s, "r5 = ones((1, 5))").unwrap();
        assert!(run(&mut s, ":time c4 * r5").unwrap().contains("median"));
    }

    #[test]
    fn commands_work() {
        let mut s = Session::new(false, true);
        run(&mut s, "x = arange(4)").unwrap();
        assert!(run(&mut s, ":vars").unwrap().contains("x     int64    (4,)"));
        assert!(run(&mut s, ":ir x * 2").unwrap().contains("multiply"));
        assert!(run(&mut s, ":time x * 2").unwrap().contains("median"));
        assert_eq!(run(&mut s, ":quit").unwrap(), "");
        assert!(run(&mut s, ":del x").unwrap().contains("deleted x"));
        assert!(run(&mut s, "x").is_err());
        let mut out = Vec::new();
        assert_eq!(s.execute(":q", &mut out).unwrap(), Outcome::Quit);
    }
}
