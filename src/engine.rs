//! The library API: compile once against a [`Signature`], evaluate many times.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::array::{Array, ArrayMut, Input};
use crate::dtype::DType;
use crate::error::Error;
use crate::ir::{self, Program, Shape, Signature};
use crate::array::ArrayData;
use crate::{exec, interp, jit, syntax};

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
    /// Arrays shorter than this run on the calling thread.
    pub serial_below: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config { backend: Backend::default(), cache_capacity: 256, threads: 0, serial_below: exec::DEFAULT_SERIAL_BELOW }
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

    /// Arrays shorter than `n` elements run on the calling thread.
    pub fn serial_below(mut self, n: usize) -> Config {
        self.serial_below = n;
        self
    }
}

/// Compiles programs into [`Kernel`]s. `Send + Sync`; clones share one
/// kernel cache.
///
/// The cache is keyed by (program text, signature, backend) — the CPU
/// features are fixed for the process — and bounded (LRU), so a REPL or a
/// server compiling many distinct programs does not grow without bound.
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
    map: HashMap<(String, Signature, Backend), (Kernel, u64)>,
    tick: u64,
}

impl Engine {
    pub fn new(config: Config) -> Engine {
        let threads = Arc::new(exec::Threads::new(config.threads, config.serial_below));
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
        let backend = self.config.backend;
        if self.config.cache_capacity > 0
            && let Ok(mut c) = self.cache.lock()
        {
            c.tick += 1;
            let tick = c.tick;
            // Looking up by borrowed parts would need a custom key type; the
            // key is small next to a compile, and a hit allocates only it.
            if let Some(entry) = c.map.get_mut(&(program.to_string(), signature.clone(), backend)) {
                entry.1 = tick;
                return Ok(entry.0.clone());
            }
        }
        let k = self.compile_uncached(program, signature)?;
        if self.config.cache_capacity > 0
            && let Ok(mut c) = self.cache.lock()
        {
            if c.map.len() >= self.config.cache_capacity
                && let Some(oldest) = c.map.iter().min_by_key(|(_, v)| v.1).map(|(key, _)| key.clone())
            {
                c.map.remove(&oldest);
            }
            let tick = c.tick;
            c.map.insert((program.to_string(), signature.clone(), backend), (k.clone(), tick));
        }
        Ok(k)
    }

    /// Compiles without looking at or filling the cache.
    pub fn compile_uncached(&self, program: &str, signature: &Signature) -> Result<Kernel, Error> {
        let ast = syntax::parse(program)?;
        let ir = ir::lower(&ast, signature, program)?;
        let jit = match self.config.backend {
            Backend::Jit => Some(jit::compile(&ir)?),
            Backend::Interp => None,
        };
        Ok(Kernel {
            inner: Arc::new(KernelInner { program: ir, backend: self.config.backend, jit, threads: self.threads.clone() }),
            thread_limit: usize::MAX,
        })
    }
}

struct KernelInner {
    program: Program,
    backend: Backend,
    /// The machine code, for the JIT backend.
    jit: Option<jit::JitKernel>,
    /// The engine's threads.
    threads: Arc<exec::Threads>,
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
        f.debug_struct("Kernel").field("source", &&*self.inner.program.source).field("backend", &self.inner.backend).finish()
    }
}

impl Kernel {
    /// The typed IR (what `:ir` prints).
    pub fn program(&self) -> &Program {
        &self.inner.program
    }

    /// The result's dtype.
    pub fn dtype(&self) -> DType {
        self.inner.program.dtype()
    }

    pub fn signature(&self) -> &Signature {
        &self.inner.program.signature
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The same kernel, evaluating with at most `n` threads (at least 1;
    /// capped by the engine's thread count).
    pub fn with_threads(&self, n: usize) -> Kernel {
        Kernel { inner: self.inner.clone(), thread_limit: n.max(1) }
    }

    /// The JIT's compiled form (Cranelift IR and machine code listings),
    /// for the JIT backend.
    pub fn jit(&self) -> Option<&jit::JitKernel> {
        self.inner.jit.as_ref()
    }

    /// Checks inputs against the signature; returns the common array length
    /// (`None` when every input is a scalar).
    fn check_inputs(&self, inputs: &[Input<'_>]) -> Result<Option<usize>, Error> {
        let params = &self.inner.program.signature.params;
        if inputs.len() != params.len() {
            return Err(Error::Input(format!("the kernel takes {} inputs, got {}", params.len(), inputs.len())));
        }
        let mut len: Option<(usize, &str)> = None;
        for (p, x) in params.iter().zip(inputs) {
            if p.dtype != x.dtype() {
                return Err(Error::Input(format!("input `{}` should be {}, got {}", p.name, p.dtype, x.dtype())));
            }
            match (p.shape, x) {
                (Shape::Array, Input::Array(a)) => match len {
                    Some((n, other)) if n != a.len() => {
                        return Err(Error::Input(format!(
                            "arrays of different lengths: `{other}` has {n} elements, `{}` has {}",
                            p.name,
                            a.len()
                        )));
                    }
                    Some(_) => {}
                    None => len = Some((a.len(), &p.name)),
                },
                (Shape::Scalar, Input::Scalar(_)) => {}
                (Shape::Array, Input::Scalar(_)) => return Err(Error::Input(format!("input `{}` should be an array, got a scalar", p.name))),
                (Shape::Scalar, Input::Array(_)) => return Err(Error::Input(format!("input `{}` should be a scalar, got an array", p.name))),
            }
        }
        Ok(len.map(|l| l.0))
    }

    /// Evaluates into a new array (0-d when the result is a scalar).
    pub fn eval(&self, inputs: &[Input<'_>]) -> Result<Array, Error> {
        let len = self.check_inputs(inputs)?.unwrap_or(0);
        let r = match &self.inner.jit {
            Some(j) if self.inner.program.shape() == Shape::Array => {
                // Zeroed memory comes from the OS untouched, so its pages are
                // first faulted in by the threads that write them.
                let mut out = ArrayData::zeros(self.dtype(), len);
                exec::run_into(j, inputs, len, out.as_mut(), &self.inner.threads, self.thread_limit)?;
                Ok(out)
            }
            Some(j) => j.run(inputs, len)?,
            None => interp::run(&self.inner.program, inputs, len)?,
        };
        Ok(match r {
            Ok(data) => Array::from_vec(data),
            Err(s) => Array::scalar(s),
        })
    }

    /// Evaluates into a caller-provided buffer of the result's dtype and
    /// length (length 1 for a scalar result).
    pub fn eval_into(&self, inputs: &[Input<'_>], mut out: ArrayMut<'_>) -> Result<(), Error> {
        let len = self.check_inputs(inputs)?;
        let want = if self.inner.program.shape() == Shape::Scalar { 1 } else { len.unwrap_or(0) };
        if out.dtype() != self.dtype() || out.len() != want {
            return Err(Error::Input(format!(
                "output buffer is {} of length {}, the result is {} of length {want}",
                out.dtype(),
                out.len(),
                self.dtype()
            )));
        }
        if let Some(j) = &self.inner.jit {
            // Straight into the caller's buffer: no allocation for the result.
            return exec::run_into(j, inputs, len.unwrap_or(0), out, &self.inner.threads, self.thread_limit);
        }
        let r = self.eval(inputs)?;
        out.copy_from(&r.into_data());
        Ok(())
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
    let mut sig = Signature::new();
    for (name, x) in inputs {
        sig = match x {
            Input::Array(a) => sig.array(name, a.dtype()),
            Input::Scalar(s) => sig.scalar(name, s.dtype()),
        };
    }
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    let k = ENGINE.get_or_init(Engine::default).compile(program, &sig)?;
    let values: Vec<Input> = inputs.iter().map(|(_, x)| *x).collect();
    k.eval(&values)
}
