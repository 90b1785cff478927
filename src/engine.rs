//! The library API: compile once against a [`Signature`], evaluate many times.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use crate::array::{Array, ArrayData, ArrayMut, Input};
use crate::dtype::{DType, Scalar};
use crate::error::Error;
use crate::ir::{self, Program, Signature};
use crate::syntax::{Ast, ast::ExprId};
use crate::{exec, interp, jit, layout, mem, syntax};
use crate::vmath::MathMode;

/// Which evaluator runs compiled programs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// The Cranelift JIT: the whole program as one fused machine-code loop.
    #[default]
    Jit,
    /// The reference interpreter: element by element, obviously correct.
    Interp,
}

impl Backend {
    /// Parses `"jit"` or `"interp"`.
    pub fn from_name(s: &str) -> Option<Backend> {
        match s {
            "jit" => Some(Backend::Jit),
            "interp" => Some(Backend::Interp),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Jit => "jit",
            Backend::Interp => "interp",
        }
    }
}

/// Engine configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    pub backend: Backend,
    /// How many compiled kernels the engine keeps (least recently used go
    /// first). 0 disables the cache.
    pub cache_capacity: usize,
    /// Threads for the JIT backend (0 = the machine's cores). The engine
    /// has its own pool, separate from rayon's global one.
    pub threads: usize,
    /// Work under this many elements runs on the calling thread.
    pub serial_below: usize,
    /// Elements per block of work (one kernel call; one scratch buffer per
    /// strided or broadcast operand). Results do not depend on it; tiny
    /// values exercise the multi-block paths on small arrays in tests.
    pub chunk: usize,
    /// Most bytes one evaluation may allocate (its result, intermediate and
    /// scratch buffers; not the inputs). An evaluation that would need more
    /// is refused with [`Error::Memory`] before anything is allocated.
    /// Default: [`crate::mem::default_limit`], half the machine's (or the
    /// container's) physical memory.
    pub memory_limit: usize,
    /// The math functions' accuracy: [`MathMode::Accurate`] (the default,
    /// at most 1 ULP) or the opt-in [`MathMode::Fast`] (at most 4 ULP,
    /// faster; see [`crate::vmath::Func::in_mode`] for which functions
    /// have fast versions). Both backends compute the same bits in either
    /// mode. An engine's kernels all use its mode (the kernel cache is the
    /// engine's).
    pub math: MathMode,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            backend: Backend::default(),
            cache_capacity: 256,
            threads: 0,
            serial_below: exec::DEFAULT_SERIAL_BELOW,
            chunk: exec::DEFAULT_CHUNK,
            memory_limit: mem::default_limit(),
            math: MathMode::Accurate,
        }
    }
}

impl Config {
    pub fn backend(mut self, b: Backend) -> Config {
        self.backend = b;
        self
    }

    pub fn cache_capacity(mut self, n: usize) -> Config {
        self.cache_capacity = n;
        self
    }

    /// Threads for evaluation (0 = the machine's cores).
    pub fn threads(mut self, n: usize) -> Config {
        self.threads = n;
        self
    }

    /// Work under `n` elements runs on the calling thread.
    pub fn serial_below(mut self, n: usize) -> Config {
        self.serial_below = n;
        self
    }

    /// Elements per block of work (at least 1).
    pub fn chunk(mut self, n: usize) -> Config {
        self.chunk = n.max(1);
        self
    }

    /// Most bytes one evaluation may allocate (see [`Config::memory_limit`]
    /// the field); `usize::MAX` for no limit beyond what the allocator
    /// gives (which is still an error, never an abort).
    pub fn memory_limit(mut self, bytes: usize) -> Config {
        self.memory_limit = bytes;
        self
    }

    /// The math functions' accuracy mode (see [`Config::math`] the field).
    pub fn math(mut self, mode: MathMode) -> Config {
        self.math = mode;
        self
    }
}

/// Compiles programs into [`Kernel`]s. `Send + Sync`; clones share one
/// kernel cache.
///
/// The cache is keyed by what was compiled (a program text; or a parsed
/// text, the expression and its bound numbers), the signature and the
/// backend (the CPU features are fixed for the process), and bounded
/// (LRU), so a REPL or a server compiling many distinct programs does not
/// grow without bound.
/// Machine code is freed when the last [`Kernel`] using it drops.
#[derive(Clone, Debug)]
pub struct Engine {
    config: Config,
    cache: Arc<Mutex<Cache>>,
    threads: Arc<exec::Threads>,
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new(Config::default())
    }
}

#[derive(Debug, Default)]
struct Cache {
    map: HashMap<Key, (Kernel, u64)>,
    tick: u64,
    /// Programs [`Engine::compile_with_params`] found to need their
    /// numbers' values (bounded: cleared when full).
    needs_values: std::collections::HashSet<Key>,
}

/// Most entries of [`Cache::needs_values`].
const NEEDS_VALUES_CAPACITY: usize = 4096;

/// What a kernel was compiled from: a program text, or one expression of
/// a parsed program text with names bound to Python numbers (their dtype
/// and bits).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Source {
    Text(String),
    /// A program text with names bound to Python numbers (dtype and bits).
    Numbers { text: String, numbers: Vec<(String, DType, u64, u64)> },
    /// A program text whose named inputs are Python numbers given at run
    /// time.
    Params { text: String, params: Vec<String> },
    /// A whole program handed over parsed (its text).
    Parsed(String),
    Expr { text: String, root: u32, numbers: Vec<(String, DType, u64, u64)> },
}

type Key = (Source, Signature, Backend);

impl Engine {
    pub fn new(config: Config) -> Engine {
        let threads = Arc::new(exec::Threads::new(config.threads, config.serial_below, config.chunk));
        Engine { config, cache: Arc::default(), threads }
    }

    /// Threads evaluations use (after resolving 0 to the core count).
    pub fn threads(&self) -> usize {
        self.threads.count()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Number of kernels in the cache.
    pub fn cached(&self) -> usize {
        self.cache.lock().map_or(0, |c| c.map.len())
    }

    /// Parses, type-checks and compiles `program` for inputs of `signature`,
    /// or returns the cached kernel for the same text and signature.
    pub fn compile(&self, program: &str, signature: &Signature) -> Result<Kernel, Error> {
        // Looking up by borrowed parts would need a custom key type; the key
        // is small next to a compile, and a hit allocates only it.
        let key = (Source::Text(program.to_string()), signature.clone(), self.config.backend);
        self.cached_or(key, || self.compile_uncached(program, signature))
    }

    /// Compiles `program` with the names of `numbers` bound to Python
    /// numbers (`Bool`, `Int64` or `Float64` values: NEP 50 "weak", see
    /// [`ir::lower_with_numbers`]), so that `x * f` with `f` a Python
    /// `float` and `x` a float32 array is float32. Cached like
    /// [`Engine::compile`], with the numbers' values in the key.
    pub fn compile_with_numbers(&self, program: &str, signature: &Signature, numbers: &[(&str, Scalar)]) -> Result<Kernel, Error> {
        if numbers.is_empty() {
            return self.compile(program, signature);
        }
        let numbers_key = numbers.iter().map(|(n, v)| (n.to_string(), v.dtype(), jit::slot_bits(*v), v.bits_im())).collect();
        let key = (Source::Numbers { text: program.to_string(), numbers: numbers_key }, signature.clone(), self.config.backend);
        self.cached_or(key, || {
            let ast = syntax::parse(program)?;
            self.build(ir::lower_with_numbers(&ast, signature, program, numbers)?)
        })
    }

    /// Compiles `program` with the inputs named in `params` typed as Python
    /// numbers whose values come at evaluation (0-d `Float64` inputs for
    /// Python floats, `Int64` for ints; see [`ir::lower_with_params`]): one
    /// kernel for every value, so `a * alpha` over changing `alpha`
    /// compiles once. `Ok(None)` when the program needs the values at
    /// compile time; use [`Engine::compile_with_numbers`] then. Both
    /// answers are cached.
    pub fn compile_with_params(&self, program: &str, signature: &Signature, params: &[&str]) -> Result<Option<Kernel>, Error> {
        if params.is_empty() {
            return self.compile(program, signature).map(Some);
        }
        let key = (Source::Params { text: program.to_string(), params: params.iter().map(|p| p.to_string()).collect() }, signature.clone(), self.config.backend);
        if self.config.cache_capacity > 0
            && let Ok(c) = self.cache.lock()
            && c.needs_values.contains(&key)
        {
            return Ok(None);
        }
        let mut needs_values = false;
        let r = self.cached_or(key.clone(), || {
            let ast = syntax::parse(program)?;
            match ir::lower_with_params(&ast, signature, program, params)? {
                Some(p) => self.build(p),
                None => {
                    needs_values = true;
                    // Not a kernel: the caller compiles with the values.
                    Err(Error::Input("needs values".into()))
                }
            }
        });
        if needs_values {
            if self.config.cache_capacity > 0
                && let Ok(mut c) = self.cache.lock()
            {
                if c.needs_values.len() >= NEEDS_VALUES_CAPACITY {
                    c.needs_values.clear();
                }
                c.needs_values.insert(key);
            }
            return Ok(None);
        }
        r.map(Some)
    }

    /// Compiles a program already parsed: `ast` is `syntax::parse(source)`
    /// (the REPL parses a line once and hands the tree on). Cached like
    /// [`Engine::compile`].
    pub fn compile_ast(&self, ast: &Ast, source: &str, signature: &Signature) -> Result<Kernel, Error> {
        let key = (Source::Parsed(source.to_string()), signature.clone(), self.config.backend);
        self.cached_or(key, || self.build(ir::lower(ast, signature, source)?))
    }

    /// Compiles one expression `root` of `ast`, parsed from `source`, as a
    /// program of its own, with the names of `numbers` bound to Python
    /// numbers (see [`ir::lower_expr`]): no second parse, and errors point
    /// into `source`. Cached like [`Engine::compile`].
    pub fn compile_expr(
        &self,
        ast: &Ast,
        root: ExprId,
        source: &str,
        signature: &Signature,
        numbers: &[(&str, Scalar)],
    ) -> Result<Kernel, Error> {
        let numbers_key = numbers.iter().map(|(n, v)| (n.to_string(), v.dtype(), jit::slot_bits(*v), v.bits_im())).collect();
        let key = (Source::Expr { text: source.to_string(), root: root.0, numbers: numbers_key }, signature.clone(), self.config.backend);
        self.cached_or(key, || self.build(ir::lower_expr(ast, root, signature, source, numbers)?))
    }

    /// The cached kernel for `key`, or a new one from `compile`, kept
    /// (least recently used first out).
    fn cached_or(&self, key: Key, compile: impl FnOnce() -> Result<Kernel, Error>) -> Result<Kernel, Error> {
        if self.config.cache_capacity > 0
            && let Ok(mut c) = self.cache.lock()
        {
            c.tick += 1;
            let tick = c.tick;
            if let Some(entry) = c.map.get_mut(&key) {
                entry.1 = tick;
                return Ok(entry.0.clone());
            }
        }
        let k = compile()?;
        if self.config.cache_capacity > 0
            && let Ok(mut c) = self.cache.lock()
        {
            if c.map.len() >= self.config.cache_capacity
                && let Some(oldest) = c.map.iter().min_by_key(|(_, v)| v.1).map(|(key, _)| key.clone())
            {
                c.map.remove(&oldest);
            }
            let tick = c.tick;
            c.map.insert(key, (k.clone(), tick));
        }
        Ok(k)
    }

    /// Compiles without looking at or filling the cache.
    pub fn compile_uncached(&self, program: &str, signature: &Signature) -> Result<Kernel, Error> {
        let ast = syntax::parse(program)?;
        self.build(ir::lower(&ast, signature, program)?)
    }

    /// A kernel of the configured backend for a typed program.
    fn build(&self, ir: Program) -> Result<Kernel, Error> {
        let ir = ir.with_math(self.config.math);
        let evaluator = match self.config.backend {
            // A complex program `ir::split` refuses (none today) runs on
            // the reference interpreter, which [`Kernel::backend`]
            // reports; the split is redone only when the JIT failed.
            Backend::Jit => match jit::compile(&ir) {
                Ok(k) => Evaluator::Jit(Box::new(k)),
                Err(_) if ir.has_complex() && ir::split(&ir).is_err() => Evaluator::Interp(ir),
                Err(e) => return Err(e),
            },
            Backend::Interp => Evaluator::Interp(ir),
        };
        let inner = KernelInner { evaluator, threads: self.threads.clone(), memory_limit: self.config.memory_limit };
        Ok(Kernel { inner: Arc::new(inner), thread_limit: usize::MAX })
    }
}

/// The evaluator a kernel runs: the one place the backends are told apart.
enum Evaluator {
    /// The reference interpreter, over the typed program.
    Interp(Program),
    /// The machine code (which holds the program).
    Jit(Box<jit::JitKernel>),
}

impl Evaluator {
    fn program(&self) -> &Program {
        match self {
            Evaluator::Interp(p) => p,
            Evaluator::Jit(j) => j.program(),
        }
    }

    fn backend(&self) -> Backend {
        match self {
            Evaluator::Interp(_) => Backend::Interp,
            Evaluator::Jit(_) => Backend::Jit,
        }
    }

    /// Evaluates into a new array of the result's size (`shapes`: every
    /// node's shape for these inputs, already checked).
    /// `cancel` stops the JIT between blocks; the interpreter runs to the
    /// end (it is the reference, not the fast path).
    fn run(
        &self,
        inputs: &[Input<'_>],
        shapes: &[Vec<usize>],
        threads: (&exec::Threads, usize),
        memory_limit: usize,
        cancel: Option<&AtomicBool>,
    ) -> Result<ArrayData, Error> {
        match self {
            Evaluator::Interp(p) => interp::run(p, inputs, shapes, memory_limit),
            Evaluator::Jit(j) => exec::run(j, inputs, shapes, Some(threads), memory_limit, cancel),
        }
    }

    /// Evaluates into `out` (the result's dtype and size, checked): the JIT
    /// writes straight into it, the interpreter copies its result.
    fn run_into(
        &self,
        inputs: &[Input<'_>],
        shapes: &[Vec<usize>],
        mut out: ArrayMut<'_>,
        threads: (&exec::Threads, usize),
        memory_limit: usize,
        cancel: Option<&AtomicBool>,
    ) -> Result<(), Error> {
        match self {
            Evaluator::Interp(p) => {
                out.copy_from(&interp::run(p, inputs, shapes, memory_limit)?);
                Ok(())
            }
            Evaluator::Jit(j) => exec::run_into(j, inputs, shapes, out, Some(threads), memory_limit, cancel),
        }
    }
}

struct KernelInner {
    evaluator: Evaluator,
    /// The engine's threads.
    threads: Arc<exec::Threads>,
    /// The engine's [`Config::memory_limit`].
    memory_limit: usize,
}

/// A compiled program: immutable, `Send + Sync`, cheap to clone and share
/// between threads.
#[derive(Clone)]
pub struct Kernel {
    inner: Arc<KernelInner>,
    /// Most threads one evaluation of this handle uses.
    thread_limit: usize,
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernel").field("source", &self.program().source()).field("backend", &self.backend()).finish()
    }
}

impl Kernel {
    /// The typed IR (what `:ir` prints).
    pub fn program(&self) -> &Program {
        self.inner.evaluator.program()
    }

    /// The result's dtype.
    pub fn dtype(&self) -> DType {
        self.program().dtype()
    }

    pub fn signature(&self) -> &Signature {
        self.program().signature()
    }

    pub fn backend(&self) -> Backend {
        self.inner.evaluator.backend()
    }

    /// The same kernel, evaluating with at most `n` threads (at least 1;
    /// capped by the engine's thread count).
    pub fn with_threads(&self, n: usize) -> Kernel {
        Kernel { inner: self.inner.clone(), thread_limit: n.max(1) }
    }

    /// The JIT's compiled form (Cranelift IR and machine code listings),
    /// for the JIT backend.
    pub fn jit(&self) -> Option<&jit::JitKernel> {
        match &self.inner.evaluator {
            Evaluator::Jit(j) => Some(j),
            Evaluator::Interp(_) => None,
        }
    }

    /// Checks inputs against the signature (count, dtypes, dimensions) and
    /// returns the shape of every node (NumPy broadcasting; arrays that do
    /// not broadcast are an [`Error::Shape`]).
    fn shapes(&self, inputs: &[Input<'_>]) -> Result<Vec<Vec<usize>>, Error> {
        self.signature().check(inputs)?;
        layout::shapes(self.program(), inputs)
    }

    fn threads(&self) -> (&exec::Threads, usize) {
        (&self.inner.threads, self.thread_limit)
    }

    /// Evaluates into a new array of the result's shape (0-d when the
    /// result is a scalar).
    pub fn eval(&self, inputs: &[Input<'_>]) -> Result<Array, Error> {
        self.eval_with(inputs, None)
    }

    /// [`Kernel::eval`] that stops when `cancel` becomes true (set from
    /// another thread: a signal watcher, a deadline): the JIT backend
    /// checks it before each block and returns [`Error::Interrupted`].
    pub fn eval_cancellable(&self, inputs: &[Input<'_>], cancel: &AtomicBool) -> Result<Array, Error> {
        self.eval_with(inputs, Some(cancel))
    }

    fn eval_with(&self, inputs: &[Input<'_>], cancel: Option<&AtomicBool>) -> Result<Array, Error> {
        let inputs = &Input::normalize(inputs)[..];
        let shapes = self.shapes(inputs)?;
        let shape = shapes[self.program().result().index()].clone();
        let data = self.inner.evaluator.run(inputs, &shapes, self.threads(), self.inner.memory_limit, cancel)?;
        Array::new(data, shape).ok_or_else(|| Error::Runtime("internal error: result size does not match its shape".into()))
    }

    /// The bytes [`Kernel::eval`] of these inputs would allocate besides
    /// the inputs (its result, intermediates and scratch at their peak
    /// together): what it checks against [`Config::memory_limit`] before
    /// allocating anything. For the JIT it depends on the engine's threads
    /// and block size; [`Kernel::eval_into`] needs the result's bytes less.
    pub fn memory_needed(&self, inputs: &[Input<'_>]) -> Result<u128, Error> {
        let inputs = &Input::normalize(inputs)[..];
        let shapes = self.shapes(inputs)?;
        Ok(match &self.inner.evaluator {
            Evaluator::Interp(p) => interp::memory_plan(p, inputs, &shapes).total,
            Evaluator::Jit(j) => exec::memory_plan(j, inputs, &shapes, Some(self.threads())).total,
        })
    }

    /// The shape of the result for these inputs (checked as by `eval`).
    pub fn result_shape(&self, inputs: &[Input<'_>]) -> Result<Vec<usize>, Error> {
        let shapes = self.shapes(inputs)?;
        Ok(shapes[self.program().result().index()].clone())
    }

    /// Evaluates into a caller-provided buffer of the result's dtype and
    /// size (the product of its shape; 1 for a scalar), in C order. The
    /// JIT backend allocates nothing for the result.
    ///
    /// The output cannot overlap an input: `out` is a `&mut` borrow, which
    /// Rust does not allow next to shared borrows of the same memory.
    pub fn eval_into(&self, inputs: &[Input<'_>], out: ArrayMut<'_>) -> Result<(), Error> {
        self.eval_into_with(inputs, out, None)
    }

    /// [`Kernel::eval_into`] that stops when `cancel` becomes true (see
    /// [`Kernel::eval_cancellable`]); `out` then holds no meaningful values.
    pub fn eval_into_cancellable(&self, inputs: &[Input<'_>], out: ArrayMut<'_>, cancel: &AtomicBool) -> Result<(), Error> {
        self.eval_into_with(inputs, out, Some(cancel))
    }

    fn eval_into_with(&self, inputs: &[Input<'_>], out: ArrayMut<'_>, cancel: Option<&AtomicBool>) -> Result<(), Error> {
        let inputs = &Input::normalize(inputs)[..];
        let shapes = self.shapes(inputs)?;
        let shape = &shapes[self.program().result().index()];
        let want: usize = crate::array::elements(shape);
        if out.dtype() != self.dtype() || out.len() != want {
            return Err(Error::Input(format!(
                "output buffer is {} of length {}, the result is {} of shape {} (length {want})",
                out.dtype(),
                out.len(),
                self.dtype(),
                crate::array::fmt_shape(shape),
            )));
        }
        self.inner.evaluator.run_into(inputs, &shapes, out, self.threads(), self.inner.memory_limit, cancel)
    }
}
/// One-shot evaluation: compiles `program` for the given named inputs with
/// a process-wide default engine (so repeated calls hit its kernel cache)
/// and evaluates it.
///
/// ```
/// let a = [1.0, 2.0, 3.0];
/// let r = numjet::evaluate("a * 2 + 1", &[("a", (&a).into())]).unwrap();
/// assert_eq!(r.as_f64().unwrap(), &[3.0, 5.0, 7.0]);
/// ```
pub fn evaluate(program: &str, inputs: &[(&str, Input<'_>)]) -> Result<Array, Error> {
    let sig = Signature::of(inputs);
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    let k = ENGINE.get_or_init(Engine::default).compile(program, &sig)?;
    let values: Vec<Input> = inputs.iter().map(|(_, x)| *x).collect();
    k.eval(&values)
}
