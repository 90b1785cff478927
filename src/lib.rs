//! # numjet
//!
//! NumPy-style array expressions, given as strings, evaluated with NumPy 2's
//! semantics.
//!
//! ```
//! use numjet::{DType, Engine, Signature};
//!
//! let a = vec![1.0, 4.0, 9.0];
//! let b = vec![0.5, 0.5, 0.5];
//! // Compile once against the input signature...
//! let kernel = Engine::default()
//!     .compile("t = sqrt(a); t * b + 1", &Signature::new().array("a", DType::Float64).array("b", DType::Float64))
//!     .unwrap();
//! // ...evaluate many times, on borrowed data.
//! let r = kernel.eval(&[(&a).into(), (&b).into()]).unwrap();
//! assert_eq!(r.as_f64().unwrap(), &[1.5, 2.0, 2.5]);
//! ```
//!
//! Errors point at the offending text:
//!
//! ```
//! let a = [1.0f64];
//! let err = numjet::evaluate("sqrt(aa) + 1", &[("a", (&a).into())]).unwrap_err();
//! assert_eq!(err.to_string(), "\
//! error: unknown name `aa`
//!   |
//! 1 | sqrt(aa) + 1
//!   |      ^^ did you mean `a`?");
//! ```
//!
//! N-d arrays are borrowed as [`View`]s (any shape and strides) and
//! broadcast as in NumPy; reductions take `axis=`:
//!
//! ```
//! use numjet::{ArrayRef, View};
//!
//! let m = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
//! let m = View::new(ArrayRef::Float64(&m), &[2, 3]).unwrap();
//! let r = numjet::evaluate("m - mean(m, axis=0)", &[("m", m.into())]).unwrap();
//! assert_eq!(r.shape(), [2, 3]);
//! assert_eq!(r.as_f64().unwrap(), &[-1.5, -1.5, -1.5, 1.5, 1.5, 1.5]);
//! ```
//!
//! NEP 50 typing: Python numbers in the program are "weak" and take the
//! array's dtype.
//!
//! ```
//! let x = [1.5f32, 2.5];
//! let r = numjet::evaluate("x * 2 + 0.5", &[("x", (&x).into())]).unwrap();
//! assert_eq!(r.dtype(), numjet::DType::Float32);
//! ```
//!
//! ## The pipeline
//!
//! Each stage is a module with one entry point, and dependencies point one
//! way (see `ARCHITECTURE.md`):
//! [`syntax`] (text → tree) → [`ir`] (tree → typed, folded DAG, valid by
//! construction) → [`interp`] (the reference evaluator) and [`jit`]
//! (Cranelift: one fused, vectorised loop per stage) → [`exec`] (blocks,
//! threads, reductions; it drives the JIT's kernels). [`ops`] is the one
//! table of operations all stages read, with the reduction reference both
//! backends share ([`ops::reduce`]); [`layout`] is broadcasting and strided
//! memory. [`Engine`] selects the backend ([`Backend::Jit`] by default)
//! and caches compiled kernels.
//!
//! ## Input safety
//!
//! No program text or input makes numjet panic, overflow the stack or hang:
//! nesting is limited to [`syntax::MAX_NESTING`] levels and program text to
//! [`syntax::MAX_SOURCE_BYTES`]; every pass after the parser is a loop over
//! a flat arena or DAG (no recursion), so long flat expressions are fine,
//! and compile time grows linearly with the text (the JIT refuses, with an
//! [`Error::Limit`], programs whose stages would compute more than
//! [`jit::MAX_STAGE_NODES`] nodes: shared expressions under many
//! reductions); integer division by zero gives 0 as in NumPy; integers
//! raised to negative powers, out-of-range Python integers and the like
//! are errors.

pub mod array;
pub mod dtype;
mod engine;
pub mod exec;
pub mod error;
pub mod fmt;
pub mod interp;
pub mod jit;
pub mod ir;
pub mod layout;
pub mod mem;
pub mod ops;
pub mod syntax;
pub mod vmath;
#[cfg(feature = "npy")]
pub mod npy;
/// `ndarray` interop (the `ndarray` feature): arrays and views of any
/// dimension as inputs, borrowed zero-copy when their elements are one
/// block of memory (any order, reversed or broadcast axes), results as
/// `ArrayD`.
#[cfg(feature = "ndarray")]
pub mod ndarray;

pub use array::{Array, ArrayData, ArrayMut, ArrayRef, Input, View};
pub use dtype::{DType, Scalar};
pub use num_complex::Complex;
pub use engine::{Backend, Config, Engine, Kernel, evaluate};
pub use error::{Error, Span};
pub use vmath::MathMode;
pub use ir::{Shape, Signature};
