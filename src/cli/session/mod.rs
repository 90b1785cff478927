//! A session of the REPL: bound variables, settings, statements and `:`
//! commands. The interactive REPL ([`super::repl`]) and script mode
//! ([`super::run`]) both drive a [`Session`] one statement at a time.
//!
//! A statement is parsed once; constructors ([`construct`]) read their
//! arguments from the tree, and every other value is one compile of its
//! expression ([`statement`]). `:` commands are in [`command`], the text of
//! `:help` in [`help`].

mod command;
mod construct;
mod help;
mod statement;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use numjet::array::fmt_shape;
use numjet::error::Located;
use numjet::npy::NpyArray;
use numjet::{Array, Backend, Config, Engine, Error, Scalar, Span};

pub use command::COMMANDS;
pub use construct::CONSTRUCTORS;

use super::data::{self, Rng};
use super::diag;

/// Length of each demo array.
pub const DEMO_LEN: usize = 1_000_000;
/// Seed of the demo arrays (and of `random`/`normal` in a fresh session).
pub const DEMO_SEED: u64 = 42;

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
    /// Most bytes one evaluation or constructor may allocate (both
    /// engines' [`Config::memory_limit`]).
    memory_limit: usize,
    /// The math functions' accuracy mode (both engines' [`Config::math`]).
    math: numjet::MathMode,
    rng: Rng,
    /// Colour in error messages.
    color: bool,
    /// Confirm commands that change the session (`:load`, `:save`, `:del`...).
    verbose: bool,
}

/// A bound variable: its elements as stored, C order for everything the
/// session computes, Fortran order kept for `.npy` files loaded in that
/// order (evaluated as a strided view, as NumPy would).
type Var = NpyArray;

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
        // A complex number without Python's parentheses
        // (`np.complex128(1+2j)`).
        s if s.dtype().is_complex() => {
            let t = s.to_string();
            let inner = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')).unwrap_or(&t);
            format!("np.{}({inner})", s.dtype())
        }
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

pub fn backend_name(b: Backend) -> String {
    b.name().to_string()
}

impl Session {
    /// A session with the demo arrays `a`, `b`, `c` bound.
    pub fn new(color: bool, verbose: bool) -> Session {
        let mut rng = Rng::new(DEMO_SEED);
        let mut vars = BTreeMap::new();
        for name in ["a", "b", "c"] {
            vars.insert(name.to_string(), Array::from_vec(rng.uniform_vec(DEMO_LEN).expect("the demo arrays are small")).into());
        }
        let memory_limit = data::memory_limit();
        let math = data::math();
        Session {
            vars,
            backend: Backend::default(),
            jit: Engine::new(Config::default().backend(Backend::Jit).memory_limit(memory_limit).math(math)),
            interp: Engine::new(Config::default().backend(Backend::Interp).memory_limit(memory_limit).math(math)),
            // 0: every core, as the JIT engine above (`:threads` sets it).
            threads: 0,
            memory_limit,
            math,
            rng,
            color,
            verbose,
        }
    }

    /// New engines for the session's threads, memory limit and math mode
    /// (all part of an engine's configuration; the kernel caches start
    /// empty).
    pub(crate) fn rebuild_engines(&mut self) {
        let config = Config::default().memory_limit(self.memory_limit).math(self.math);
        self.jit = Engine::new(config.clone().backend(Backend::Jit).threads(self.threads));
        self.interp = Engine::new(config.backend(Backend::Interp));
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

    fn engine(&self, backend: Backend) -> &Engine {
        if backend == Backend::Jit { &self.jit } else { &self.interp }
    }
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
        assert_eq!(run(&mut s, "(1+2j) * 1").unwrap(), "np.complex128(1+2j)\n");
        assert_eq!(run(&mut s, "complex64(1j)").unwrap(), "np.complex64(1j)\n");
        assert_eq!(run(&mut s, "linspace(0, 1, 5)").unwrap(), "float64, shape (5,)\narray([0., 0.25, 0.5, 0.75, 1.])\n");
        assert_eq!(run(&mut s, "zeros(3, dtype=float32)").unwrap(), "float32, shape (3,)\narray([0., 0., 0.], dtype=float32)\n");
        assert_eq!(run(&mut s, "arange(1, 2, 0.25)").unwrap(), "float64, shape (4,)\narray([1., 1.25, 1.5, 1.75])\n");
        assert_eq!(run(&mut s, "arange(10, 0, -3)").unwrap(), "int64, shape (4,)\narray([10, 7, 4, 1])\n");
        assert_eq!(run(&mut s, "arange(0)").unwrap(), "int64, shape (0,)\narray([], dtype=int64)\n");
        assert_eq!(run(&mut s, "n = 3").unwrap(), "");
        assert_eq!(run(&mut s, "ones(n + 1)").unwrap(), "float64, shape (4,)\narray([1., 1., 1., 1.])\n");
    }

    #[test]
    fn python_numbers_stay_weak_within_a_line() {
        // As if the line were one program (NEP 50): `x` is a Python int
        // for the rest of its line, and a 0-d int64 on later lines.
        let mut s = Session::new(false, false);
        run(&mut s, "f = linspace(0, 1, 3, dtype=float32)").unwrap();
        assert_eq!(run(&mut s, "x = 2; y = f * x; y").unwrap(), "float32, shape (3,)\narray([0., 1., 2.], dtype=float32)\n");
        assert_eq!(run(&mut s, "f * x").unwrap(), "float64, shape (3,)\narray([0., 1., 2.])\n");
        // Every kind of Python number, negative and special ones included.
        run(&mut s, "i = -3; v = -0.0; w = 1e999; t = True; g = f * i + v; h = g * w; k = t + f").unwrap();
        assert_eq!(run(&mut s, "g").unwrap(), "float32, shape (3,)\narray([-0., -1.5, -3.], dtype=float32)\n");
        assert_eq!(run(&mut s, "h").unwrap(), "float32, shape (3,)\narray([nan, -inf, -inf], dtype=float32)\n");
        assert_eq!(run(&mut s, "k").unwrap(), "float32, shape (3,)\narray([1., 1.5, 2.], dtype=float32)\n");
        // A value of a fixed dtype is not a Python number.
        assert_eq!(run(&mut s, "q = int64(2); f * q").unwrap(), "float64, shape (3,)\narray([0., 1., 2.])\n");
    }

    #[test]
    fn a_failing_line_leaves_the_random_generator_as_it_was() {
        let mut a = Session::new(false, false);
        let mut b = Session::new(false, false);
        assert!(run(&mut a, "x = random(3); y = x + nosuchname").is_err());
        assert_eq!(run(&mut a, "random(3)").unwrap(), run(&mut b, "random(3)").unwrap());
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
            "zeros(10, dtype=complex256)",
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
    fn math_mode_and_threads_survive_new_engines() {
        let mut s = Session::new(false, true);
        assert_eq!(run(&mut s, ":math").unwrap(), "math: accurate\n");
        assert!(run(&mut s, ":math sloppy").unwrap_err().contains("`sloppy` is not a math mode"));
        let threads = run(&mut s, ":threads").unwrap();
        assert_eq!(run(&mut s, ":math fast").unwrap(), "math: fast\n");
        // Both backends compute in the session's mode, and agree.
        let jit = run(&mut s, "sum(sin(a) * exp(b))").unwrap();
        run(&mut s, ":backend interp").unwrap();
        assert_eq!(run(&mut s, "sum(sin(a) * exp(b))").unwrap(), jit);
        assert_eq!(s.interp.config().math, numjet::MathMode::Fast);
        assert_eq!(s.jit.config().math, numjet::MathMode::Fast);
        // New engines for another setting keep the mode, and the thread
        // count (every core unless `:threads` said otherwise).
        run(&mut s, ":memory 1G").unwrap();
        assert_eq!(s.jit.config().math, numjet::MathMode::Fast);
        assert_eq!(run(&mut s, ":threads").unwrap(), threads);
    }

    #[test]
    fn the_memory_limit_bounds_constructors_and_evaluations() {
        let mut s = Session::new(false, true);
        assert!(run(&mut s, ":memory").unwrap().starts_with("memory limit: "));
        assert!(run(&mut s, ":memory lots").is_err());
        run(&mut s, ":memory 1M").unwrap();
        assert_eq!(run(&mut s, ":memory").unwrap(), "memory limit: 1.0 MiB\n");
        let e = run(&mut s, "x = zeros(200000)").unwrap_err();
        assert!(e.contains("200000 elements of float64 need 1.5 MiB of memory; the memory limit is 1.0 MiB"), "{e}");
        run(&mut s, "x = ones(100000)").unwrap();
        // The demo arrays hold 8 MB each: a new one is refused, a sum streams.
        let e = run(&mut s, "a + 1").unwrap_err();
        assert!(e.contains("the result of this operation, shape (1000000,) float64, needs 7.6 MiB of memory"), "{e}");
        assert!(run(&mut s, "sum(x)").unwrap().contains("100000.0"));
        run(&mut s, ":threads 2").unwrap();
        assert!(run(&mut s, "a * 2").is_err(), "the limit outlives a new thread count");
        run(&mut s, ":memory 1G").unwrap();
        assert!(run(&mut s, "a + 1").is_ok());
        // Found by hand while fuzzing: a broadcast of two small constructors
        // asked for 80 GB and aborted the process.
        run(&mut s, "x = zeros((100000, 1))").unwrap();
        run(&mut s, "y = zeros((1, 100000))").unwrap();
        let e = run(&mut s, "z = x + y").unwrap_err();
        assert!(e.contains("shape (100000, 100000) float64, needs 74.5 GiB of memory; the memory limit is 1.0 GiB"), "{e}");
        assert_eq!(run(&mut s, "sum(x + y)").unwrap(), "np.float64(0.0)\n");
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
