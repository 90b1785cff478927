//! The library API: compile once against a [`Signature`], evaluate many times.

use std::sync::Arc;

use crate::array::{Array, ArrayData, ArrayMut, Input};
use crate::dtype::DType;
use crate::error::Error;
use crate::ir::{self, Program, Shape, Signature};
use crate::{interp, syntax};

/// Which evaluator runs compiled programs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// The reference interpreter: element by element, obviously correct.
    #[default]
    Interp,
}

impl Backend {
    /// Parses `"interp"`.
    pub fn from_name(s: &str) -> Option<Backend> {
        match s {
            "interp" => Some(Backend::Interp),
            _ => None,
        }
    }
}

/// Engine configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    pub backend: Backend,
}

impl Config {
    pub fn backend(mut self, b: Backend) -> Config {
        self.backend = b;
        self
    }
}

/// Compiles programs into [`Kernel`]s. Cheap to create; `Send + Sync`.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    config: Config,
}

impl Engine {
    pub fn new(config: Config) -> Engine {
        Engine { config }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Parses, type-checks and compiles `program` for inputs of `signature`.
    pub fn compile(&self, program: &str, signature: &Signature) -> Result<Kernel, Error> {
        let ast = syntax::parse(program)?;
        let ir = ir::lower(&ast, signature, program)?;
        Ok(Kernel { inner: Arc::new(KernelInner { program: ir, backend: self.config.backend }) })
    }
}

struct KernelInner {
    program: Program,
    backend: Backend,
}

/// A compiled program: immutable, `Send + Sync`, cheap to clone and share
/// between threads.
#[derive(Clone)]
pub struct Kernel {
    inner: Arc<KernelInner>,
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
        match self.inner.backend {
            Backend::Interp => match interp::run(&self.inner.program, inputs, len)? {
                Ok(data) => Ok(Array::from_vec(data)),
                Err(s) => Ok(Array::scalar(s)),
            },
        }
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
        let r = self.eval(inputs)?;
        out.copy_from(&into_data(r));
        Ok(())
    }
}

fn into_data(a: Array) -> ArrayData {
    a.into_data()
}

/// One-shot evaluation: compiles `program` for the given named inputs with
/// the default engine and evaluates it.
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
    let k = Engine::default().compile(program, &sig)?;
    let values: Vec<Input> = inputs.iter().map(|(_, x)| *x).collect();
    k.eval(&values)
}
