//! Stage 3 (fast path): a Cranelift JIT backend.
//!
//! [`compile`] turns a typed [`Program`] into machine code; [`JitKernel::run`]
//! evaluates it with results bit-identical to the reference interpreter
//! ([`crate::interp`]), NaN payloads aside, including which runtime error is
//! reported. Compiled code never traps: integer division guards its divisor,
//! float→int casts saturate and then select `INT_MIN` as `Scalar::cast`
//! does, shifts guard their count, and `a * b + c` is never fused.
//!
//! ## What the JIT assumes of a program
//!
//! The invariants documented in [`crate::ir`]: nodes are in topological
//! order; operands already have the operation's operand dtype (only
//! `where`'s condition and predicates' operands differ); a node is an array
//! iff one of its arguments is, reductions are 0-d; all arrays have one
//! length. [`compile`] re-checks what memory safety depends on (argument
//! ids, inputs against the signature, the Cranelift type of every node's
//! value against its dtype, reduction dtypes) and returns an error for a
//! program that breaks them.
//!
//! ## Stages
//!
//! A program is split into *stages* (`plan.rs`): one per `Reduce` node (in
//! node order), computing that reduction's argument, and a last one
//! computing the result. A stage evaluates every node its root needs,
//! stopping at reductions, whose values earlier stages left in the scalar
//! buffer. So `a - mean(a)` is two stages: `a` (for the mean), then
//! `a - <slot>`.
//!
//! Each stage is one `extern "C"` function (the kernel ABI):
//!
//! ```text
//! fn(inputs: *const *const u8,  // base pointer of each input (null for 0-d ones)
//!    out: *mut u8,              // element `start` of the output
//!    scalars: *const u64,       // one 8-byte slot per 0-d input (slot = its
//!                               // position) and per reduction (after them)
//!    start: usize, len: usize,  // computes elements start..start+len
//!    status: *mut u32)          // 0, or 1 + the smallest failing node id
//! ```
//!
//! The loop computes every array node of the stage per element, in
//! registers (a fused loop, no temporaries); 0-d nodes are computed once
//! before the loop. Inputs are indexed from their base (`inputs[k][i]`), the
//! output from `start` (`out[i - start]`), so chunks of one evaluation can
//! run on different threads, each writing its own part of the output. bool
//! is one byte (0 or 1) in memory and an `i8` 0/1 in registers.
//!
//! Operations Cranelift has no instruction for (transcendentals, float
//! `//`/`%`/`fmod`/`power`, integer `power`) call `extern "C"` helpers that
//! call the same Rust functions as the table rows (`helpers.rs`).
//!
//! Stages whose array nodes are all natively lowered and of one element
//! width also get a 128-bit vector loop (`F64X2`, `F32X4`, `I64X2`,
//! `I32X4`; bools are lane masks inside it), unrolled [`JitOptions::unroll`]
//! times (default 2), then a one-vector loop and the scalar loop as the
//! tail; every loop is guarded once on entry and tested at its bottom.
//! Every other stage keeps the scalar loop only (not unrolled; see
//! `codegen.rs` for the exact rule): in particular a stage mixing element
//! widths (`float32` with `int64`, width-changing casts) degrades to the
//! scalar loop as a whole. [`JitKernel::vectorised`] tells which.
//!
//! ## Runtime errors
//!
//! A kernel does not stop at a failing element: it records the smallest
//! failing node id and writes it to `status` at the end. [`JitKernel::run`]
//! runs every stage even after a failure and reports the smallest failing
//! node over all stages (a failed reduction counts as failing at its own
//! node). That is the node the interpreter, which computes node after node
//! over whole columns, fails at: nodes with smaller ids never depend on a
//! failed node, so the JIT computes them exactly.
//!
//! ## Reductions
//!
//! A reduction whose argument is an array input reduces that input in
//! place (typed loops computing exactly what `interp::reduce` computes —
//! the same [`crate::interp::pairwise_sum`] — for float `sum`/`mean`,
//! integer `sum`, `min`/`max` and bool `any`/`all`; `interp::reduce`
//! itself otherwise).
//!
//! A computed array argument is *streamed*, never materialised
//! (`JitKernel::stream_reduce`): the stage's kernel computes it a piece at
//! a time (the ABI computes any `start..start+len` range) into one
//! reusable buffer of 8192 elements, and each piece is reduced as soon as
//! it is computed:
//!
//! - float `sum`/`mean`: NumPy's pairwise recursion runs in Rust over
//!   index ranges, splitting where `pairwise_sum` splits (`n2 = n/2 -
//!   (n/2)%8` for ranges over 128 elements); a range of at most 2048
//!   elements is computed into a (2048-element) buffer and summed there by
//!   `pairwise_sum` itself, so the association, and hence every bit, is
//!   the interpreter's (and NumPy's);
//! - integer `mean`: the pieces are NumPy's casting buffers (elements
//!   `0..8192`, `8192..16384`, ...): each is converted to float64 and its
//!   pairwise sum added to the running total, as `interp::reduce` does;
//! - integer `sum` (wrapping, so any grouping is exact), `any`/`all`:
//!   per-piece results combined;
//! - `prod`, `min`, `max`: the accumulator is carried from piece to piece,
//!   element by element left to right with the table's `*`/`minimum`/
//!   `maximum`, exactly `interp::reduce`'s fold (`min`/`max` with typed
//!   loops copying the table's bodies, `prod` through boxed scalars).
//!
//! A kernel failure in any piece is recorded like a whole-column one (the
//! smallest failing node over all pieces). Empty and 0-d arguments take the
//! old path (a column of at most one element).
//!
//! ## Known limitations
//!
//! - Reductions are streamed, not fused: each 8192-element piece is still
//!   written to (an L1/L2-resident) buffer and read back by Rust, and
//!   every reduction runs on the calling thread (per-chunk partial results
//!   for parallel execution would need chunk boundaries aligned to the
//!   pairwise recursion's ranges). Integer `sum`, bool `any`/`all` and
//!   integer `min`/`max` would be easy to accumulate in vector registers
//!   exactly.
//! - `prod`, `any`/`all` of non-bool arguments and the `mean` of an
//!   integer input array (not streamed) still go element by element
//!   through boxed [`Scalar`]s, as `interp::reduce` does.
//! - Integer `//` `%` `fmod` by an array or 0-d input (not a literal) and
//!   float `power` stages run the scalar loop only, which is not unrolled;
//!   each element does a guarded `idiv`. By a literal there is no guard,
//!   and the division is a multiply-high by a magic number: a vector one
//!   for int32, but lane by lane for int64 (no 64-bit vector multiply on
//!   x86 before AVX-512).
//! - Helpers are called per element (no vector versions yet: the one place
//!   to add them is `helpers::helper`); a stage calling one is not
//!   vectorised.
//! - Only 128-bit vectors, and only the result/argument stages qualifying
//!   as described in `codegen.rs`.

mod codegen;
mod helpers;
mod plan;

use std::panic::AssertUnwindSafe;

use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::Module;

use crate::array::{ArrayData, ArrayMut, ArrayRef, Input};
use crate::dtype::{DType, Scalar};
use crate::error::Error;
use crate::interp;
use crate::ir::{NodeId, NodeOp, Program, Shape};
use crate::ops::{self, EvalError, Op, Reduce};
use plan::{Plan, StageKind};

/// The signature of a compiled stage (see the module docs).
type KernelFn = unsafe extern "C" fn(*const *const u8, *mut u8, *const u64, usize, usize, *mut u32);

/// Compiles a program to machine code.
///
/// Errors: the program breaks an invariant the JIT relies on, or Cranelift
/// rejects the generated code (both are bugs, reported as
/// [`Error::Runtime`] starting with "internal error").
pub fn compile(p: &Program) -> Result<JitKernel, Error> {
    compile_with(p, &JitOptions::default())
}

/// The default unroll factor of the vector main loop.
///
/// Measured (scratch program, not kept: `run_range` into a preallocated
/// output, one thread, min of 400 runs at n = 1e5 / 15 at 1e7, two runs
/// on a shared 2-vCPU x86-64 host; ns per element, 1× / 2× / 4×):
///
/// ```text
/// a + b*2        f64 1e5  0.32-0.63 / 0.32-0.35 / 0.30-0.33   1e7 1.14 / 1.20-1.21 / 1.13-1.15
/// a + b*2        f32 1e5  0.16-0.32 / 0.15-0.21 / 0.15-0.21   1e7 0.58 / 0.54-0.55 / 0.55-0.57
/// 2*a + 3*b - c  f64 1e5  0.53-0.64 / 0.40-0.48 / 0.41-0.42   1e7 1.51-1.55 / 1.31-1.53 / 1.33-1.52
/// (i*3 + j) - 7  i64 1e5  0.99-1.07 / 0.45 / 0.44             1e7 1.17-1.22 / 1.17-1.41 / 1.14-1.25
/// a**2 + b**2 < 1  f64    not vectorised (bool result): 0.94 / 1.09-1.23 for every factor
/// (i*3 + j) % 7    i64    not vectorised (integer %):   2.29 / 2.35-3.2 for every factor
/// ```
///
/// Unrolling pays in cache (1× → 2×: up to 2.2× faster); 2× and 4× are
/// within noise of each other and memory-bound at 1e7, so the smaller
/// code (and shorter vector tail) wins: 2.
///
/// Re-measured for these two after bool results and division by a
/// constant were vectorised (same method and scratch program, not
/// kept; two runs on the same host while another build kept the load
/// average at 3-4.5, hence the spread; scalar loop only for comparison):
///
/// ```text
/// a**2 + b**2 < 1  f64 1e5  0.40-0.68 / 0.32-0.51 / 0.31-0.39  1e7 0.81-0.96 / 0.76-0.89 / 0.80-0.81  scalar 0.93-1.32 / 1.09-1.61
/// (i*3 + j) % 7    i64 1e5  1.46-2.24 / 1.38-2.14 / 1.36-2.01  1e7 1.62-2.53 / 1.73-2.41 / 1.64-2.32  scalar 1.63-2.05 / 1.97-2.57
/// (i*3 + j) % 7    i32 1e5  0.50-0.64 / 0.47-0.54 / 0.46-0.51  1e7 0.57-0.67 / 0.57-0.65 / 0.55-0.64  scalar 1.69-2.28 / 1.73-1.90
/// ```
///
/// 2× stays the default: 4× is within noise of it and makes the scalar
/// tail longer (up to `4 * lanes - 1` elements; there is no one-vector
/// loop any more) and the code larger.
const DEFAULT_UNROLL: u32 = 2;

/// Code generation options.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct JitOptions {
    /// Give stages that allow it a 128-bit vector loop (see
    /// `codegen`'s docs); otherwise every stage has the scalar loop only.
    pub vectorise: bool,
    /// Vectors computed per iteration of the vector main loop: 1, 2 or 4
    /// (see [`JitOptions::unroll`]).
    pub unroll: u32,
}

impl Default for JitOptions {
    fn default() -> JitOptions {
        JitOptions { vectorise: true, unroll: DEFAULT_UNROLL }
    }
}

impl JitOptions {
    pub fn vectorise(mut self, on: bool) -> JitOptions {
        self.vectorise = on;
        self
    }

    /// Unrolls the vector main loop `n` times (1, 2 or 4); the remaining
    /// vectors and elements go through the one-vector loop and the scalar
    /// loop. Scalar-only stages are not unrolled.
    ///
    /// # Panics
    ///
    /// If `n` is not 1, 2 or 4.
    pub fn unroll(mut self, n: u32) -> JitOptions {
        assert!(matches!(n, 1 | 2 | 4), "unroll factor must be 1, 2 or 4, got {n}");
        self.unroll = n;
        self
    }
}

/// [`compile`] with options.
pub fn compile_with(p: &Program, options: &JitOptions) -> Result<JitKernel, Error> {
    // Cranelift is not expected to panic on valid input; if it does, the
    // panic is turned into an error rather than unwinding into the caller.
    std::panic::catch_unwind(AssertUnwindSafe(|| compile_inner(p, options)))
        .unwrap_or_else(|_| Err(internal("the code generator panicked")))
}

fn internal(msg: &str) -> Error {
    Error::Runtime(format!("internal error: JIT: {msg}"))
}

/// Owns the JIT module: the machine code lives until this is dropped.
struct Code(Option<JITModule>);

impl Drop for Code {
    fn drop(&mut self) {
        if let Some(m) = self.0.take() {
            // SAFETY: `Code` is only dropped with the `JitKernel` owning it,
            // and every call of a kernel borrows that `JitKernel`, so no
            // function of the module is running or can be called afterwards.
            unsafe { m.free_memory() };
        }
    }
}

// `JITModule` is `Send` (moving it, or freeing it on another thread, is
// fine) but not `Sync`, because of a `RefCell` symbol cache.
const _: () = {
    fn assert_send<T: Send>() {}
    let _ = assert_send::<JITModule>;
};

// SAFETY: `&Code` gives no access to the module: after
// `finalize_definitions` no method of it is called again (in particular the
// `RefCell` cache, only used while compiling, is never touched), and it is
// only freed in `Drop`, which has exclusive access. What threads share is
// the finalised machine code, which is immutable (mapped read+execute) and
// reentrant: kernels keep their state in registers and on their stack,
// write only to the buffers their caller passes, and call only pure Rust
// helper functions.
unsafe impl Sync for Code {}

/// A program compiled to machine code: `Send + Sync`, share it with an `Arc`.
/// The code is freed when the kernel is dropped.
pub struct JitKernel {
    program: Program,
    plan: Plan,
    /// One function per stage, in `plan.stages` order.
    fns: Vec<KernelFn>,
    /// Whether each stage has the vector loop.
    vectorised: Vec<bool>,
    clif: String,
    disasm: String,
    // Last: dropped after everything that points into it.
    _code: Code,
}

impl std::fmt::Debug for JitKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitKernel").field("source", &&*self.program.source).field("stages", &self.fns.len()).finish()
    }
}

/// The scalar state of one evaluation after its reductions ran: what
/// [`JitKernel::run_range`] needs to compute any chunk of the result.
#[derive(Clone, Debug)]
pub struct Prepared {
    scalars: Vec<u64>,
    len: usize,
}

/// Checks what the generated code's memory accesses depend on.
fn validate(p: &Program) -> Result<(), Error> {
    if p.nodes.is_empty() || p.result.index() >= p.nodes.len() || p.spans.len() != p.nodes.len() {
        return Err(internal("malformed program"));
    }
    for (i, n) in p.nodes.iter().enumerate() {
        if n.args.iter().any(|a| a.index() >= i) {
            return Err(internal("program is not in topological order"));
        }
        let arity = match n.op {
            NodeOp::Input(_) | NodeOp::Const(_) => 0,
            NodeOp::Fill(_) | NodeOp::Cast | NodeOp::Reduce(_) => 1,
            NodeOp::Op(op) => op.def().arity,
        };
        if n.args.len() != arity {
            return Err(internal("wrong number of arguments"));
        }
        let any_array = n.args.iter().any(|a| p.node(*a).shape == Shape::Array);
        match n.op {
            NodeOp::Input(k) => {
                let param = p.signature.params.get(k).ok_or_else(|| internal("input out of range"))?;
                if param.dtype != n.dtype || param.shape != n.shape {
                    return Err(internal("input node does not match the signature"));
                }
            }
            NodeOp::Const(s) if s.dtype() != n.dtype || n.shape != Shape::Scalar => return Err(internal("bad constant")),
            NodeOp::Fill(s) if s.dtype() != n.dtype || n.shape != Shape::Array || !any_array => {
                return Err(internal("bad fill"));
            }
            NodeOp::Reduce(r) if n.shape != Shape::Scalar || (r.def().dtype)(p.node(n.args[0]).dtype) != n.dtype => {
                return Err(internal("bad reduction"));
            }
            NodeOp::Cast | NodeOp::Op(_) if any_array != (n.shape == Shape::Array) => return Err(internal("bad shape")),
            _ => {}
        }
    }
    Ok(())
}

fn compile_inner(p: &Program, options: &JitOptions) -> Result<JitKernel, Error> {
    validate(p)?;
    let plan = plan::plan(p);

    // The host ISA and flags, built once per process (CPU feature detection
    // and flag parsing) and shared: `OwnedTargetIsa` is an `Arc`.
    //
    // Cranelift's IR verifier (a quarter of the compile time) runs in debug
    // builds, and in release builds only with `NUMJET_JIT_VERIFY` set (not
    // "0"), read once here: set it when testing code generation changes.
    // The checks memory safety depends on do not rely on it (`validate`,
    // and `Lowerer::lower` checks every node's Cranelift type).
    static ISA: std::sync::OnceLock<Result<cranelift_codegen::isa::OwnedTargetIsa, String>> = std::sync::OnceLock::new();
    let isa = ISA
        .get_or_init(|| {
            let mut flags = settings::builder();
            let verify = cfg!(debug_assertions) || std::env::var_os("NUMJET_JIT_VERIFY").is_some_and(|v| !v.is_empty() && v != "0");
            for (k, v) in [
                ("use_colocated_libcalls", "false"),
                ("is_pic", "false"),
                ("opt_level", "speed"),
                ("enable_verifier", if verify { "true" } else { "false" }),
            ] {
                flags.set(k, v).map_err(|e| e.to_string())?;
            }
            cranelift_native::builder()
                .map_err(|e| format!("host not supported: {e}"))?
                .finish(settings::Flags::new(flags))
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| internal(&e))?;
    let mut builder = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
    for h in helpers::all() {
        builder.symbol(h.name, h.addr);
    }
    let mut module = JITModule::new(builder);
    // From here on the module owns code memory: keep it in `Code` so it is
    // freed on every path.
    let mut code = Code(None);
    let ctx = module.make_context();
    let mut em = codegen::Emitter { module: &mut module, ctx, fctx: FunctionBuilderContext::new() };
    let mut ids = Vec::new();
    let mut clif = String::new();
    let mut disasm = String::new();
    let mut vectorised = Vec::new();
    let mut failure = None;
    for (i, stage) in plan.stages.iter().enumerate() {
        let what = match stage.kind {
            StageKind::Reduce(r) => format!("; stage {i}: argument of reduction %{}", r.0),
            StageKind::Result => format!("; stage {i}: result %{}", stage.root.0),
        };
        let sc = match em.compile_stage(p, &plan, stage, i, options) {
            Ok(sc) => sc,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        let what = match (&sc.vectorised, &sc.vector_error) {
            (true, _) => format!("{what} (vectorised)"),
            (false, Some(e)) => format!("{what} (scalar: the vector loop failed: {})", e.replace('\n', " ")),
            (false, None) => what,
        };
        clif.push_str(&format!("{what}\n{}\n", sc.clif));
        disasm.push_str(&format!("{what}\n{}\n", sc.disasm));
        ids.push(sc.func);
        vectorised.push(sc.vectorised);
    }
    drop(em);
    if let Some(e) = failure {
        code.0 = Some(module);
        return Err(internal(&e));
    }
    let fin = module.finalize_definitions();
    let fns = ids
        .iter()
        .map(|&id| {
            let f = module.get_finalized_function(id);
            // SAFETY: `f` is the entry of a function compiled from a
            // signature of six pointer-sized parameters and no results with
            // the target's default (C) calling convention, which is
            // `KernelFn`.
            unsafe { std::mem::transmute::<*const u8, KernelFn>(f) }
        })
        .collect::<Vec<_>>();
    code.0 = Some(module);
    fin.map_err(|e| internal(&e.to_string()))?;
    Ok(JitKernel { program: p.clone(), plan, fns, vectorised, clif, disasm, _code: code })
}

/// The bits of a 0-d value in a scalar-buffer slot: the value's own bytes at
/// the start of the slot, as the kernel loads it.
fn slot_bits(s: Scalar) -> u64 {
    let mut b = [0u8; 8];
    match s {
        Scalar::Bool(v) => b[0] = v as u8,
        Scalar::Int32(v) => b[..4].copy_from_slice(&v.to_ne_bytes()),
        Scalar::Int64(v) => b.copy_from_slice(&v.to_ne_bytes()),
        Scalar::Float32(v) => b[..4].copy_from_slice(&v.to_ne_bytes()),
        Scalar::Float64(v) => b.copy_from_slice(&v.to_ne_bytes()),
    }
    u64::from_ne_bytes(b)
}

fn data_ptr(d: &mut ArrayData) -> *mut u8 {
    mut_ptr(&mut d.as_mut())
}

fn mut_ptr(d: &mut ArrayMut<'_>) -> *mut u8 {
    match d {
        ArrayMut::Bool(v) => v.as_mut_ptr() as *mut u8,
        ArrayMut::Int32(v) => v.as_mut_ptr() as *mut u8,
        ArrayMut::Int64(v) => v.as_mut_ptr() as *mut u8,
        ArrayMut::Float32(v) => v.as_mut_ptr() as *mut u8,
        ArrayMut::Float64(v) => v.as_mut_ptr() as *mut u8,
    }
}

fn ref_ptr(a: &ArrayRef<'_>) -> *const u8 {
    match a {
        ArrayRef::Bool(v) => v.as_ptr() as *const u8,
        ArrayRef::Int32(v) => v.as_ptr() as *const u8,
        ArrayRef::Int64(v) => v.as_ptr() as *const u8,
        ArrayRef::Float32(v) => v.as_ptr() as *const u8,
        ArrayRef::Float64(v) => v.as_ptr() as *const u8,
    }
}

/// Typed versions of the common cases of [`interp::reduce`], computing
/// exactly what it computes (same pairwise summation, same `0.0 +` that
/// turns a `-0.0` sum into `+0.0`, same wrapping integer sums, same
/// left-to-right `minimum`/`maximum`) without boxing every element; `None`
/// for the other cases (an empty `min`/`max` is `interp::reduce`'s error).
fn fast_reduce(r: Reduce, out: DType, col: ArrayRef<'_>) -> Option<Scalar> {
    Some(match (r, col) {
        (Reduce::Sum, ArrayRef::Float64(v)) if out == DType::Float64 => Scalar::Float64(0.0 + interp::pairwise_sum(v, 0.0)),
        (Reduce::Sum, ArrayRef::Float32(v)) if out == DType::Float32 => Scalar::Float32(0.0 + interp::pairwise_sum(v, 0.0)),
        (Reduce::Mean, ArrayRef::Float64(v)) if out == DType::Float64 && !v.is_empty() => {
            Scalar::Float64((0.0 + interp::pairwise_sum(v, 0.0)) / v.len() as f64)
        }
        (Reduce::Mean, ArrayRef::Float32(v)) if out == DType::Float32 && !v.is_empty() => {
            Scalar::Float32((0.0 + interp::pairwise_sum(v, 0.0)) / v.len() as f32)
        }
        (Reduce::Sum, ArrayRef::Int64(v)) if out == DType::Int64 => Scalar::Int64(v.iter().fold(0i64, |a, &x| a.wrapping_add(x))),
        (Reduce::Sum, ArrayRef::Int32(v)) if out == DType::Int64 => Scalar::Int64(v.iter().fold(0i64, |a, &x| a.wrapping_add(x as i64))),
        (Reduce::Any, ArrayRef::Bool(v)) => Scalar::Bool(v.iter().any(|&x| x)),
        (Reduce::All, ArrayRef::Bool(v)) => Scalar::Bool(v.iter().all(|&x| x)),
        (Reduce::Min | Reduce::Max, c) if out == c.dtype() && !c.is_empty() => min_max(r == Reduce::Min, None, c),
        _ => return None,
    })
}

/// Elements per buffer of a streamed reduction (see
/// [`JitKernel::stream_reduce`]): NumPy's buffer size, which the integer
/// mean's float64 buffers must match exactly; at least 128, NumPy's
/// pairwise block, which the float sums rely on.
const STREAM: usize = 8192;
const _: () = assert!(STREAM >= 128);

/// Elements per buffer of a streamed float `sum`/`mean`: any size of at
/// least 128 gives the same association; 2048 keeps the buffer (16 KB of
/// float64) in L1 next to the inputs streaming through.
const FLOAT_STREAM: usize = 2048;
const _: () = assert!(FLOAT_STREAM >= 128);

/// The first `len` elements of `d`.
fn prefix(d: &ArrayData, len: usize) -> ArrayRef<'_> {
    match d {
        ArrayData::Bool(v) => ArrayRef::Bool(&v[..len]),
        ArrayData::Int32(v) => ArrayRef::Int32(&v[..len]),
        ArrayData::Int64(v) => ArrayRef::Int64(&v[..len]),
        ArrayData::Float32(v) => ArrayRef::Float32(&v[..len]),
        ArrayData::Float64(v) => ArrayRef::Float64(&v[..len]),
    }
}

/// [`interp::pairwise_sum`] of elements `start..start + n` of a column that
/// is never materialised: `fill(b, s)` writes elements `s..s + b.len()`
/// into `b`. A range of at most `buf.len()` (>= 128) elements is filled and
/// summed by `pairwise_sum` itself; a longer one is split where
/// `pairwise_sum` splits it (it is longer than 128, so `pairwise_sum`
/// would recurse at `n2`), so the association is exactly NumPy's.
fn stream_pairwise<T: Copy + std::ops::Add<Output = T> + std::ops::AddAssign>(
    start: usize,
    n: usize,
    buf: &mut [T],
    zero: T,
    fill: &mut dyn FnMut(&mut [T], usize),
) -> T {
    if n <= buf.len() {
        let b = &mut buf[..n];
        fill(b, start);
        interp::pairwise_sum(b, zero)
    } else {
        debug_assert!(n > 128);
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        let left = stream_pairwise(start, n2, buf, zero, fill);
        left + stream_pairwise(start + n2, n - n2, buf, zero, fill)
    }
}

/// `a` (if any) folded left to right with the elements of `c` by the
/// table's `minimum` (`min`) or `maximum`, typed: the same bodies as the
/// `Minimum`/`Maximum` rows of `ops` (bool `&`/`|`, integer `min`/`max`,
/// float comparisons that propagate the first NaN).
fn min_max(min: bool, a: Option<Scalar>, c: ArrayRef<'_>) -> Scalar {
    fn fold<T: Copy>(a: Option<T>, v: &[T], f: impl Fn(T, T) -> T) -> T {
        let (first, rest) = match a {
            Some(a) => (a, v),
            None => (v[0], &v[1..]),
        };
        rest.iter().fold(first, |acc, &x| f(acc, x))
    }
    macro_rules! typed {
        ($v:expr, $variant:ident, $min:expr, $max:expr) => {{
            let a = a.map(|s| match s {
                Scalar::$variant(x) => x,
                _ => unreachable!("accumulator of the argument's dtype"),
            });
            Scalar::$variant(if min { fold(a, $v, $min) } else { fold(a, $v, $max) })
        }};
    }
    match c {
        ArrayRef::Bool(v) => typed!(v, Bool, |a: bool, b: bool| a & b, |a: bool, b: bool| a | b),
        ArrayRef::Int32(v) => typed!(v, Int32, |a: i32, b: i32| a.min(b), |a: i32, b: i32| a.max(b)),
        ArrayRef::Int64(v) => typed!(v, Int64, |a: i64, b: i64| a.min(b), |a: i64, b: i64| a.max(b)),
        ArrayRef::Float32(v) => typed!(
            v,
            Float32,
            |a: f32, b: f32| if a < b || a.is_nan() { a } else { b },
            |a: f32, b: f32| if a > b || a.is_nan() { a } else { b }
        ),
        ArrayRef::Float64(v) => typed!(
            v,
            Float64,
            |a: f64, b: f64| if a < b || a.is_nan() { a } else { b },
            |a: f64, b: f64| if a > b || a.is_nan() { a } else { b }
        ),
    }
}

/// The smallest failing node so far, and its message.
#[derive(Default)]
struct Failure(Option<(u32, &'static str)>);

impl Failure {
    fn record(&mut self, id: u32, msg: &'static str) {
        if self.0.is_none_or(|(old, _)| id < old) {
            self.0 = Some((id, msg));
        }
    }
}

impl JitKernel {
    /// The program this kernel was compiled from.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The Cranelift IR of every stage, as handed to the code generator.
    pub fn clif_text(&self) -> &str {
        &self.clif
    }

    /// The machine code of every stage: Cranelift's VCode listing after
    /// register allocation (instructions with physical registers; no byte
    /// encodings — a byte-level disassembly would need cranelift-codegen's
    /// `disas` feature and capstone).
    pub fn disasm(&self) -> &str {
        &self.disasm
    }

    /// Whether each stage (reductions in node order, then the result) got
    /// the 128-bit vector loop.
    pub fn vectorised(&self) -> &[bool] {
        &self.vectorised
    }

    /// Number of compiled functions (reductions + 1).
    pub fn stage_count(&self) -> usize {
        self.fns.len()
    }

    /// Evaluates the program: the same contract and results as the
    /// interpreter (`Ok(Ok(column))` for an array result, `Ok(Err(value))`
    /// for a 0-d one). `len` is the common length of the array inputs (0
    /// when there are none). Inputs that do not match the signature, or
    /// arrays whose length is not `len`, are an [`Error::Input`].
    pub fn run(&self, inputs: &[Input<'_>], len: usize) -> Result<Result<ArrayData, Scalar>, Error> {
        let ptrs = self.check(inputs, len)?;
        let mut fail = Failure::default();
        let scalars = self.reductions(inputs, &ptrs, len, &mut fail)?;
        let last = self.plan.stages.len() - 1;
        let stage = &self.plan.stages[last];
        let n = if stage.root_is_array { len } else { 1 };
        let mut out = ArrayData::zeros(self.program.node(stage.root).dtype, n);
        // SAFETY: `check` validated the inputs against the signature and
        // `len`; `out` holds `n` elements of the root's dtype; `scalars` has
        // every slot.
        let status = unsafe { self.call(last, &ptrs, data_ptr(&mut out), &scalars, 0, n) };
        self.record_status(status, &mut fail);
        if let Some((id, msg)) = fail.0 {
            return Err(self.runtime(id, msg));
        }
        if stage.root_is_array { Ok(Ok(out)) } else { Ok(Err(out.as_ref().get(0))) }
    }

    /// Runs the reduction stages (everything but the final elementwise
    /// stage) for a chunked evaluation with [`JitKernel::run_range`].
    pub fn prepare(&self, inputs: &[Input<'_>], len: usize) -> Result<Prepared, Error> {
        let ptrs = self.check(inputs, len)?;
        let mut fail = Failure::default();
        let scalars = self.reductions(inputs, &ptrs, len, &mut fail)?;
        if let Some((id, msg)) = fail.0 {
            return Err(self.runtime(id, msg));
        }
        Ok(Prepared { scalars, len })
    }

    /// Computes elements `start..start + out.len()` of the result into
    /// `out` (element `start` first): one chunk of the evaluation
    /// `prepared` was made for. Chunks may run concurrently from several
    /// threads. A 0-d result is one element (`start` 0, `out` of length 1).
    ///
    /// A runtime error reports the first failing node of this chunk (the
    /// whole evaluation with [`JitKernel::run`] reports the interpreter's).
    pub fn run_range(&self, prepared: &Prepared, inputs: &[Input<'_>], start: usize, mut out: ArrayMut<'_>) -> Result<(), Error> {
        let ptrs = self.check(inputs, prepared.len)?;
        let last = self.plan.stages.len() - 1;
        let stage = &self.plan.stages[last];
        let total = if stage.root_is_array { prepared.len } else { 1 };
        let dtype = self.program.node(stage.root).dtype;
        if out.dtype() != dtype || start.checked_add(out.len()).is_none_or(|end| end > total) || prepared.scalars.len() != self.plan.nslots
        {
            return Err(Error::Input(format!(
                "output chunk of {} elements at {start} does not fit a {dtype} result of length {total}",
                out.len()
            )));
        }
        let n = out.len();
        // SAFETY: inputs checked against the signature and `prepared.len`;
        // `start + n <= total` elements exist in every array input; `out`
        // has `n` elements of the root's dtype; the scalar buffer is full.
        let status = unsafe { self.call(last, &ptrs, mut_ptr(&mut out), &prepared.scalars, start, n) };
        let mut fail = Failure::default();
        self.record_status(status, &mut fail);
        match fail.0 {
            Some((id, msg)) => Err(self.runtime(id, msg)),
            None => Ok(()),
        }
    }

    /// Validates inputs; returns their base pointers (null for 0-d inputs).
    fn check(&self, inputs: &[Input<'_>], len: usize) -> Result<Vec<*const u8>, Error> {
        let params = &self.program.signature.params;
        if inputs.len() != params.len() {
            return Err(Error::Input(format!("the kernel takes {} inputs, got {}", params.len(), inputs.len())));
        }
        params
            .iter()
            .zip(inputs)
            .map(|(p, x)| {
                if p.dtype != x.dtype() {
                    return Err(Error::Input(format!("input `{}` should be {}, got {}", p.name, p.dtype, x.dtype())));
                }
                match (p.shape, x) {
                    (Shape::Array, Input::Array(a)) if a.len() == len => Ok(ref_ptr(a)),
                    (Shape::Array, Input::Array(a)) => {
                        Err(Error::Input(format!("input `{}` has {} elements, expected {len}", p.name, a.len())))
                    }
                    (Shape::Scalar, Input::Scalar(_)) => Ok(std::ptr::null()),
                    (Shape::Array, Input::Scalar(_)) => Err(Error::Input(format!("input `{}` should be an array, got a scalar", p.name))),
                    (Shape::Scalar, Input::Array(_)) => Err(Error::Input(format!("input `{}` should be a scalar, got an array", p.name))),
                }
            })
            .collect()
    }

    /// Fills the scalar buffer: 0-d inputs, then each reduction in order
    /// (its argument computed by its stage and streamed through a buffer,
    /// or an input reduced in place; see "Reductions" in the module docs).
    fn reductions(&self, inputs: &[Input<'_>], ptrs: &[*const u8], len: usize, fail: &mut Failure) -> Result<Vec<u64>, Error> {
        let mut scalars = vec![0u64; self.plan.nslots];
        for (k, x) in inputs.iter().enumerate() {
            if let Input::Scalar(s) = x {
                scalars[k] = slot_bits(*s);
            }
        }
        for (si, stage) in self.plan.stages.iter().enumerate() {
            let StageKind::Reduce(rid) = stage.kind else { continue };
            let n = if stage.root_is_array { len } else { 1 };
            let root = self.program.node(stage.root);
            let mut owned = None;
            // An input array argument is reduced in place.
            let direct = match (root.op, stage.root_is_array) {
                (NodeOp::Input(k), true) => match inputs.get(k) {
                    Some(Input::Array(a)) => Some(*a),
                    _ => None,
                },
                _ => None,
            };
            let node = self.program.node(rid);
            let NodeOp::Reduce(r) = node.op else { return Err(internal("reduction stage without a reduction")) };
            let slot = self.plan.slot[rid.index()].ok_or_else(|| internal("reduction without a slot"))? as usize;
            let streamed = match direct {
                None if stage.root_is_array && n > 0 => self.stream_reduce(si, ptrs, &scalars, n, r, node.dtype, root.dtype, fail),
                _ => None,
            };
            let col = match (direct, &streamed) {
                (_, Some(_)) => ArrayRef::Bool(&[]),
                (Some(a), None) => a,
                (None, None) => {
                    let mut col = ArrayData::zeros(root.dtype, n);
                    // SAFETY: inputs checked by the caller; `col` holds `n`
                    // elements of the stage root's dtype; the slots this
                    // stage reads (0-d inputs, earlier reductions) are filled.
                    let status = unsafe { self.call(si, ptrs, data_ptr(&mut col), &scalars, 0, n) };
                    self.record_status(status, fail);
                    owned.insert(col).as_ref()
                }
            };
            let v = match streamed {
                Some(v) => v,
                None => match fast_reduce(r, node.dtype, col) {
                    Some(v) => Ok(v),
                    None => interp::reduce(r, node.dtype, col.len(), |j| col.get(j)),
                },
            };
            match v {
                Ok(v) if v.dtype() == node.dtype => scalars[slot] = slot_bits(v),
                Ok(_) => return Err(internal("reduction gave the wrong dtype")),
                Err(msg) => fail.record(rid.0, msg),
            }
        }
        Ok(scalars)
    }

    /// Reduces the argument of reduction stage `si` (an array of `n > 0`
    /// elements) without materialising it: the stage's kernel computes it
    /// [`STREAM`] elements at a time into one reusable buffer, and the
    /// reduction consumes each piece with exactly `interp::reduce`'s
    /// arithmetic (see "Reductions" in the module docs). `None`: a case
    /// this does not handle (the caller materialises the column).
    #[allow(clippy::too_many_arguments)]
    fn stream_reduce(
        &self,
        si: usize,
        ptrs: &[*const u8],
        scalars: &[u64],
        n: usize,
        r: Reduce,
        out: DType,
        arg: DType,
        fail: &mut Failure,
    ) -> Option<Result<Scalar, &'static str>> {
        // Fills `buf[..len]` with elements `start..start + len` of the argument.
        let mut fill = |buf: *mut u8, start: usize, len: usize| {
            // SAFETY: the caller checked the inputs against the signature
            // and `n` (`start + len <= n` here); `buf` has room for `len`
            // elements of the stage root's dtype (`arg`); the slots this
            // stage reads (0-d inputs, earlier reductions) are filled.
            let status = unsafe { self.call(si, ptrs, buf, scalars, start, len) };
            self.record_status(status, fail);
        };
        // Float sums: the pairwise recursion, with every range of at most
        // FLOAT_STREAM elements computed into the buffer and summed there.
        match (r, arg, out) {
            (Reduce::Sum | Reduce::Mean, DType::Float64, DType::Float64) => {
                let mut buf = vec![0.0f64; FLOAT_STREAM];
                let s = 0.0 + stream_pairwise(0, n, &mut buf, 0.0, &mut |b: &mut [f64], start| {
                    fill(b.as_mut_ptr() as *mut u8, start, b.len())
                });
                return Some(Ok(Scalar::Float64(if r == Reduce::Mean { s / n as f64 } else { s })));
            }
            (Reduce::Sum | Reduce::Mean, DType::Float32, DType::Float32) => {
                let mut buf = vec![0.0f32; FLOAT_STREAM];
                let s = 0.0 + stream_pairwise(0, n, &mut buf, 0.0, &mut |b: &mut [f32], start| {
                    fill(b.as_mut_ptr() as *mut u8, start, b.len())
                });
                return Some(Ok(Scalar::Float32(if r == Reduce::Mean { s / n as f32 } else { s })));
            }
            (Reduce::Sum | Reduce::Mean, DType::Float32 | DType::Float64, _) => return None,
            _ => {}
        }
        // Everything else: pieces of STREAM elements from element 0 (for
        // the integer mean these are NumPy's 8192-element buffers), an
        // accumulator carried from piece to piece.
        let mut acc: Option<Scalar> = match r {
            Reduce::Prod => Some(Scalar::Bool(true).cast(out)),
            Reduce::Min | Reduce::Max => None,
            Reduce::Sum => Some(Scalar::Bool(false).cast(out)),
            Reduce::Any => Some(Scalar::Bool(false)),
            Reduce::All => Some(Scalar::Bool(true)),
            Reduce::Mean => Some(Scalar::Float64(0.0)),
        };
        if r == Reduce::Mean && out != DType::Float64 {
            return None;
        }
        let mut buf = ArrayData::zeros(arg, STREAM);
        let mut mean_buf = Vec::new();
        let mut start = 0;
        while start < n {
            let len = STREAM.min(n - start);
            fill(data_ptr(&mut buf), start, len);
            let c = prefix(&buf, len);
            acc = Some(match (r, acc) {
                (Reduce::Sum, Some(a)) => {
                    let part = match fast_reduce(r, out, c) {
                        Some(v) => v,
                        None => match interp::reduce(r, out, len, |j| c.get(j)) {
                            Ok(v) => v,
                            Err(m) => return Some(Err(m)),
                        },
                    };
                    // Integer sums wrap, so any grouping gives the same
                    // result; a bool sum is an `or`.
                    match (a, part) {
                        (Scalar::Int64(x), Scalar::Int64(y)) => Scalar::Int64(x.wrapping_add(y)),
                        (Scalar::Int32(x), Scalar::Int32(y)) => Scalar::Int32(x.wrapping_add(y)),
                        (Scalar::Bool(x), Scalar::Bool(y)) => Scalar::Bool(x || y),
                        _ => return None,
                    }
                }
                (Reduce::Any | Reduce::All, Some(Scalar::Bool(a))) => {
                    let part = match fast_reduce(r, out, c) {
                        Some(v) => v == Scalar::Bool(true),
                        None if r == Reduce::Any => (0..len).any(|j| c.get(j).truthy()),
                        None => (0..len).all(|j| c.get(j).truthy()),
                    };
                    Scalar::Bool(if r == Reduce::Any { a || part } else { a && part })
                }
                (Reduce::Mean, Some(Scalar::Float64(total))) => {
                    mean_buf.clear();
                    // `Scalar::cast` to float64, typed.
                    match c {
                        ArrayRef::Int64(v) => mean_buf.extend(v.iter().map(|&x| x as f64)),
                        ArrayRef::Int32(v) => mean_buf.extend(v.iter().map(|&x| x as f64)),
                        ArrayRef::Bool(v) => mean_buf.extend(v.iter().map(|&x| x as u8 as f64)),
                        _ => mean_buf.extend((0..len).map(|j| c.get(j).to_f64())),
                    }
                    Scalar::Float64(total + interp::pairwise_sum(&mean_buf, 0.0))
                }
                (Reduce::Prod, Some(mut a)) => {
                    let mul = Op::Mul.def().eval;
                    for j in 0..len {
                        a = match mul(&[a, c.get(j).cast(out)]) {
                            Ok(v) => v,
                            Err(_) => return Some(Err("internal error in prod")),
                        };
                    }
                    a
                }
                (Reduce::Min | Reduce::Max, a) if arg == out => min_max(r == Reduce::Min, a, c),
                (Reduce::Min | Reduce::Max, a) => {
                    let op = if r == Reduce::Min { Op::Minimum } else { Op::Maximum };
                    let f = op.def().eval;
                    let (mut a, first) = match a {
                        Some(a) => (a, 0),
                        None => (c.get(0).cast(out), 1),
                    };
                    for j in first..len {
                        a = match f(&[a, c.get(j).cast(out)]) {
                            Ok(v) => v,
                            Err(_) => return Some(Err("internal error in min/max")),
                        };
                    }
                    a
                }
                _ => return None,
            });
            start += len;
        }
        let acc = acc?;
        Some(Ok(match (r, acc) {
            (Reduce::Mean, Scalar::Float64(total)) => Scalar::Float64(total / n as f64),
            _ => acc,
        }))
    }

    fn record_status(&self, status: u32, fail: &mut Failure) {
        if status != 0 {
            let id = status - 1;
            fail.record(id, self.failure_message(NodeId(id)));
        }
    }

    /// The message of a node the kernel reported as failing.
    fn failure_message(&self, id: NodeId) -> &'static str {
        match self.program.nodes.get(id.index()).map(|n| n.op) {
            // The only operation that fails on data: integer power with a
            // negative exponent. Take the table's own message.
            Some(NodeOp::Op(Op::Pow)) => match ops::int_pow(0i64, -1) {
                Err(EvalError::Value(m) | EvalError::Internal(m)) => m,
                Ok(_) => "internal error: unexpected failure",
            },
            _ => "internal error: unexpected failure",
        }
    }

    /// The interpreter's runtime error for node `id`.
    fn runtime(&self, id: u32, msg: &str) -> Error {
        let text = if (id as usize) < self.program.nodes.len() { self.program.text_of(NodeId(id)) } else { "" };
        Error::Runtime(format!("{msg} (in `{text}`)"))
    }

    /// Calls stage `stage` on elements `start..start + n`.
    ///
    /// # Safety
    ///
    /// `ptrs` are the base pointers of inputs matching the signature, every
    /// array input holding at least `start + n` elements; `out` points to
    /// `n` writable elements of the stage root's dtype; `scalars` has
    /// `plan.nslots` slots, those of 0-d inputs and of the reductions before
    /// this stage filled.
    unsafe fn call(&self, stage: usize, ptrs: &[*const u8], out: *mut u8, scalars: &[u64], start: usize, n: usize) -> u32 {
        let mut status = 0u32;
        // SAFETY: the caller's guarantees are exactly the kernel ABI's
        // requirements: the kernel reads `inputs[k][start..start + n]` for
        // array inputs the stage uses, slots of `scalars`, writes
        // `out[0..n]` and `status`, and calls only helper functions.
        unsafe { (self.fns[stage])(ptrs.as_ptr(), out, scalars.as_ptr(), start, n, &mut status) };
        status
    }
}
