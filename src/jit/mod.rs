//! Stage 3 (fast path): a Cranelift JIT backend.
//!
//! [`compile`] turns a typed [`Program`] into machine code, a
//! [`JitKernel`]; the executor ([`crate::exec`]) runs it, with results
//! bit-identical to the reference interpreter ([`crate::interp`]), NaN
//! payloads aside, including which runtime error is reported. This module
//! only compiles: it knows nothing of shapes, blocks or threads, and never
//! calls the executor. Compiled code never traps: integer division guards its divisor,
//! float→int casts saturate and then select `INT_MIN` as `Scalar::cast`
//! does, shifts guard their count, and `a * b + c` is never fused.
//!
//! ## What the JIT assumes of a program
//!
//! The invariants documented in [`crate::ir`]: nodes are in topological
//! order; operands already have the operation's operand dtype (only
//! `where`'s condition and predicates' operands differ); a node is an array
//! iff one of its arguments is, reductions are 0-d; all arrays have one
//! length. Every [`Program`] satisfies them: [`Program::new`] verifies them
//! (argument ids, inputs against the signature, shapes, reduction dtypes).
//! The code generator also checks the Cranelift type of every node's value
//! against its dtype, and returns an error for a mismatch.
//!
//! ## Stages
//!
//! A program is split into *stages* (`plan.rs`): one per reduction (`Reduce`
//! or `ReduceAxis`, in node order), computing that reduction's argument,
//! and a last one computing the result. A stage evaluates every node its
//! root needs, stopping at reductions, which earlier stages computed: full
//! reductions are 0-d values in the scalar buffer, axis reductions arrays
//! read through the input-pointer array like inputs. So `a - mean(a)` is
//! two stages: `a` (for the mean), then `a - <slot>`.
//!
//! Each stage is one `extern "C"` function of the kernel ABI (`abi.rs`:
//! input pointers, output pointer, scalar slots, `start`, `len`, status),
//! which also holds every call into machine code, behind safe entry points
//! that check their operands, and the whole argument for why calling
//! compiled code is sound.
//!
//! The loop computes every array node of the stage per element, in
//! registers (a fused loop, no temporaries); 0-d nodes are computed once
//! before the loop. Array leaves are indexed from their pointer
//! (`inputs[k][i]`), the output from `start` (`out[i - start]`). The kernel
//! knows nothing of shapes: element `i` of every array leaf is element `i`
//! of the stage's iteration space. The executor ([`crate::exec`]) makes
//! that true for N-d, strided and broadcast arrays by calling the kernel on
//! blocks with `start = 0` and pointers to each leaf's block (in place when
//! the leaf is contiguous, gathered into a buffer otherwise), and on
//! several threads at once. bool is one byte (0 or 1) in memory and an
//! `i8` 0/1 in registers.
//!
//! The math functions (`sin` ... `power`, the op table's rows that name a
//! function of [`crate::vmath`]) and width-changing casts of array nodes
//! are computed by Rust *block functions*: such a stage is *blocked*
//! (`codegen/blocks.rs`): it runs in blocks of at most 512 elements, and
//! each such node calls its block function once per block (through a
//! trampoline in `helpers.rs`), between loops over the block that keep the
//! arithmetic in registers and pass values through scratch buffers in the
//! function's frame. The math functions are numjet's own, compiled for
//! SSE2, AVX2 and AVX-512 and chosen at run time ([`JitOptions::level`]);
//! the interpreter calls the same scalar functions, so results agree bit
//! for bit. Other operations Cranelift has no instruction for (float
//! `//`/`%`/`fmod`, integer `power`, float16 `nextafter`), and math
//! functions of 0-d nodes or in a stage too large to block, call
//! `extern "C"` helpers per element that call the same Rust functions as
//! the table rows (`helpers.rs`).
//!
//! A stage whose array nodes are all natively lowered and of one element
//! width gets a 128-bit vector loop (`F64X2`, `F32X4`, `I64X2`, `I32X4`,
//! `I16X8`, `I8X16`; bools are lane masks inside it, loaded from and
//! stored to one byte per element), unrolled [`JitOptions::unroll`] times
//! (default 2), with the scalar loop as the tail; every loop is guarded
//! once on entry and tested at its bottom. In a blocked stage each phase's
//! loop follows the same rule on its own nodes, so the widths may differ
//! from phase to phase. Every other loop is the scalar loop only (not
//! unrolled; see `codegen/lowering.rs` for the exact rule).
//! [`JitKernel::vectorised`] tells which stages are vectorised (a blocked
//! stage: every phase's loop).
//!
//! ## Runtime errors
//!
//! A kernel does not stop at a failing element: it records the smallest
//! failing node id and writes it to `status` at the end. The executor runs
//! every block and stage even after a failure and reports the smallest
//! failing node over all of them (a failed reduction counts as failing at
//! its own node). That is the node the interpreter, which computes node
//! after node over whole arrays, fails at: nodes with smaller ids never
//! depend on a failed node, so the JIT computes them exactly.
//!
//! ## Reductions
//!
//! A reduction stage whose argument vectorises accumulates the reduction
//! in its own vector loop, in registers: its *leaf function* (the kernel
//! ABI plus a seventh parameter, `sizes: *const u32`; `len` counts leaves)
//! reduces each of `len` consecutive leaves of `sizes[k]` elements to one
//! value at `out[k]`. The executor chooses the leaves and combines their
//! results ([`crate::exec::reduce`]):
//!
//! - float `sum`/`mean`: the leaves are the blocks of NumPy's pairwise
//!   recursion (at most 128 elements), each summed with NumPy's eight
//!   accumulators (four `F64X2` or two `F32X4` registers) and its order
//!   of combining them, then its last `n % 8` elements in order; the
//!   executor adds the leaf sums in the recursion's order. Bit for bit
//!   NumPy's result, on any number of threads.
//! - integer `sum` (int64 accumulators, int32 lanes widened), integer
//!   `min`/`max`, bool `any`/`all`: exact in any grouping, so a leaf is a
//!   whole piece of the executor's (8,192 elements), accumulated in
//!   `unroll` vectors.
//!
//! The other reductions (`prod`, float `min`/`max`, the `mean` of
//! integers, the `sum` of bools), and every reduction of a stage that
//! does not vectorise, run in Rust over blocks of the argument the stage's
//! element function writes into a small reusable buffer (never an array
//! of the argument's size), in the same fixed orders. An axis reduction
//! keeps both functions: the leaf function for rows along the axis
//! innermost in memory, the element function otherwise.
//! [`JitKernel::fused_reductions`] tells which stages are fused.
//!
//! ## Known limitations
//!
//! - Reductions fused as above only; `prod`, float `min`/`max` (NumPy's
//!   "first NaN, later of equal zeros" rule is not lane-order free) and
//!   the others listed are streamed through a buffer.
//! - `prod`, `any`/`all` of non-bool arguments and the `mean` of an
//!   integer input array (not streamed) still go element by element
//!   through boxed [`Scalar`](crate::Scalar)s, as `ops::reduce::reduce` does.
//! - Not vectorised (the scalar loop of their stage, or of their phase
//!   in a blocked stage), and why:
//!   - int64, uint32 and uint64 `//` `%` `fmod` by an array or a 0-d
//!     input (not a literal), and shifts by an array: CLIF has no vector
//!     integer division or per-lane shift count; each element does a
//!     guarded `idiv`. (Narrower integers divide per block through
//!     float64, exactly, vectorised.) By a literal there is no guard, and
//!     the division is a multiply-high by a magic number: a vector one for
//!     int32, but lane by lane for int64 (no 64-bit vector multiply on x86
//!     before AVX-512);
//!   - integer `power` and `nextafter`: per-element helpers (no vector
//!     instructions or block functions for them yet);
//!   - a phase that still mixes widths after comparisons are split off
//!     (`codegen/blocks.rs`), such as arithmetic on two widths without a
//!     cast between them in the same phase;
//!   - a stage of more scratch than `blocks::MAX_SCRATCH` at the smallest
//!     block: its math functions are called per element.
//!
//!   `tests/jit_diff.rs::golden_fixtures_agree` counts the golden
//!   programs with a scalar stage by these reasons and fails on any other
//!   (2026-12-06: of 6,402, 287 integer power, 155 shifts, 144
//!   `nextafter`, 111 64-bit or uint32 division by an array; the other
//!   5,705 are vectorised throughout).
//! - Only 128-bit vectors, and only the result/argument stages qualifying
//!   as described in `codegen/lowering.rs`.
//! - Size: the stages of a program compute at most [`MAX_STAGE_NODES`]
//!   nodes in all (an [`Error::Limit`] otherwise: shared expressions are
//!   recomputed by every stage that reads them), it has at most
//!   [`MAX_AXIS_REDUCTIONS`] axis reductions, and a program with a
//!   stage of more than 1,000 nodes is compiled with Cranelift's
//!   single-pass register allocator (more spills, but a compile time
//!   linear in the stage's size; see `LARGE_STAGE`).

mod abi;
mod codegen;
#[cfg(all(feature = "disas", target_arch = "x86_64"))]
mod disas;
mod helpers;
mod plan;

use std::panic::AssertUnwindSafe;

use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::Module;

use crate::error::Error;
use crate::ir::{NodeId, NodeOp, Program};
use crate::ops::{self, EvalError, Op};
use crate::vmath;
pub(crate) use abi::{Failed, NO_NODE, slot_bits};
use codegen::Form;
use plan::{Plan, StageKind};

/// One stage, for the executor ([`crate::exec`]).
pub(crate) struct StageInfo<'k> {
    /// The node whose value the stage stores per element.
    pub root: NodeId,
    /// The reduction whose argument the stage computes (`None`: the result).
    pub reduction: Option<NodeId>,
    /// The nodes it evaluates.
    pub nodes: &'k [NodeId],
    /// Whether the stage has a leaf function (a fused reduction).
    pub sums: bool,
}


/// Whether [`JitKernel::disasm`] is a byte-level disassembly (`disas.rs`)
/// rather than Cranelift's VCode listing.
const BYTE_LISTING: bool = cfg!(all(feature = "disas", target_arch = "x86_64"));

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
    /// `codegen/lowering.rs`); otherwise every stage has the scalar loop
    /// only.
    pub vectorise: bool,
    /// Vectors computed per iteration of the vector main loop: 1, 2 or 4
    /// (see [`JitOptions::unroll`]).
    pub unroll: u32,
    /// The instruction-set level of the math functions' block functions
    /// that blocked stages call ([`vmath::Level::best`] by default; a
    /// level the CPU lacks runs as the highest one below it it has). Every
    /// level gives the same bits.
    pub level: vmath::Level,
    /// Keep the Cranelift IR and machine-code listings of the compile.
    /// Off by default: [`JitKernel::clif_text`] and [`JitKernel::disasm`]
    /// then compile the program once more, with listings, on first use.
    pub listings: bool,
}

impl Default for JitOptions {
    fn default() -> JitOptions {
        JitOptions { vectorise: true, unroll: DEFAULT_UNROLL, level: vmath::Level::best(), listings: false }
    }
}

impl JitOptions {
    pub fn vectorise(mut self, on: bool) -> JitOptions {
        self.vectorise = on;
        self
    }

    /// Calls the math functions' block functions compiled for `level`.
    pub fn level(mut self, level: vmath::Level) -> JitOptions {
        self.level = level;
        self
    }

    /// Unrolls the vector main loop `n` times (1, 2 or 4); the remaining
    /// elements go through the scalar loop. Scalar-only stages are not
    /// unrolled.
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
    // Complex values become pairs of real nodes (`ir::split`); what it
    // cannot split the engine gives the interpreter.
    let split;
    let p = if p.has_complex() {
        split = crate::ir::split(p)
            .map_err(|why| Error::Runtime(format!("the JIT does not compile complex programs with {why} yet (issue 13); the engine evaluates them with the interpreter")))?;
        &split
    } else {
        p
    };
    // Cranelift is not expected to panic on valid input; if it does, the
    // panic is turned into an error rather than unwinding into the caller.
    std::panic::catch_unwind(AssertUnwindSafe(|| compile_inner(p, options)))
        .unwrap_or_else(|_| Err(internal("the code generator panicked")))
}

fn internal(msg: &str) -> Error {
    Error::Runtime(format!("internal error: JIT: {msg}"))
}


/// A program compiled to machine code: `Send + Sync`, share it with an `Arc`.
/// The code is freed when the kernel is dropped.
pub struct JitKernel {
    program: Program,
    plan: Plan,
    /// Whether each stage has the vector loop.
    vectorised: Vec<bool>,
    options: JitOptions,
    /// The Cranelift IR and machine-code listings.
    listings: std::sync::OnceLock<(String, String)>,
    /// Each stage's element and leaf functions (in `plan.stages` order),
    /// and the machine code. Last: dropped after everything else.
    entries: abi::Entries,
}

impl std::fmt::Debug for JitKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitKernel").field("source", &self.program.source()).field("stages", &self.entries.len()).finish()
    }
}


/// Stages of more nodes than this make the whole program compile with
/// Cranelift's single-pass register allocator instead of its default
/// backtracking one.
///
/// The backtracking allocator's time grows faster than linearly with the
/// number of values live at once, and a large fused loop keeps many alive:
/// every 0-d value the vector loop uses is splatted before the loop and
/// live across it, and the results of helper calls and loads stay live
/// until the result's store (Cranelift places pure instructions where
/// they are first needed, side effects in program order). Measured
/// (scratch program, not kept; one run, 2-core shared machine) with 4,000
/// terms: `a*0.5 + b*1.5 + ...` 2.5 s with backtracking, 0.10 s
/// single-pass; `sin(a + 0) + sin(b + 1) + ...` 0.55 s against 0.04 s;
/// with 16,000 terms single-pass: 0.40 s and 0.21 s (linear).
/// The single-pass allocator spills more, so small programs, which are
/// what runs fast, keep the default. Register allocation never changes
/// what an instruction computes: the bits are the same either way.
const LARGE_STAGE: usize = 1000;

/// Most nodes the stages of one program may compute in all. Each stage
/// recomputes what it needs (a fused loop has no temporaries), so
/// expressions shared by many reductions are compiled once per reduction:
/// `t = <a long expression>; sum(t*1) + sum(t*2) + ...` grows as the
/// product of the two. Past this limit the compile is an
/// [`Error::Limit`] pointing at the reduction whose stage crossed it,
/// rather than minutes of code generation; the interpreter
/// ([`Backend::Interp`](crate::Backend::Interp)), which computes every
/// node once, has no such limit. Every program of at most
/// [`ir::MAX_NODES`](crate::ir::MAX_NODES) nodes with at most one
/// reduction is within it.
pub const MAX_STAGE_NODES: usize = 2 << 20;

/// The most axis reductions a program compiled for the JIT may have. Each
/// one is an array leaf with a slot of its own in every stage's pointer
/// array (the ABI numbers leaves per program, not per stage), so an
/// evaluation's bookkeeping grows as their square: 12,000 of them cost
/// seconds per evaluation on 1,000 elements. Past this many the compile is
/// an [`Error::Limit`] at the first reduction over it; the interpreter has
/// no such limit. (Numbering each stage's leaves on their own would lift
/// it.)
pub const MAX_AXIS_REDUCTIONS: usize = 4096;

fn compile_inner(p: &Program, options: &JitOptions) -> Result<JitKernel, Error> {
    if let Some((at, _)) = p.nodes().iter().enumerate().filter(|(_, n)| matches!(n.op, NodeOp::ReduceAxis(..))).nth(MAX_AXIS_REDUCTIONS) {
        let mut l = p.located(NodeId(at as u32), format!("program is too large for the JIT: it has more than {MAX_AXIS_REDUCTIONS} axis reductions"));
        l.hint = Some("the interpreter backend has no such limit".into());
        return Err(Error::Limit(l));
    }
    let plan = plan::plan(p, MAX_STAGE_NODES).map_err(|at| {
        let mut l = p.located(at, format!("program is too large for the JIT: its stages compute more than {MAX_STAGE_NODES} nodes in all"));
        l.hint = Some("each reduction's stage recomputes the expressions it reads; the interpreter backend has no such limit".into());
        Error::Limit(l)
    })?;

    // The host ISA and flags, built once per process (CPU feature detection
    // and flag parsing) and shared: `OwnedTargetIsa` is an `Arc`.
    //
    // Cranelift's IR verifier (a quarter of the compile time) runs in debug
    // builds, and in release builds only with `NUMJET_JIT_VERIFY` set (not
    // "0"), read once here: set it when testing code generation changes.
    // The checks memory safety depends on do not rely on it
    // (`Program::new`, the ABI's checks of every call's operands, and
    // `Lowerer::lower` checks every node's Cranelift type).
    //
    // A byte-level listing labels Cranelift's blocks, whose offsets it
    // records only with `machine_code_cfg_info`: that flag (metadata only,
    // the same code) is set in a second ISA, used by listing compiles only.
    //
    // A program with a stage of more than `LARGE_STAGE` nodes is compiled
    // with Cranelift's single-pass register allocator (see `LARGE_STAGE`):
    // a third flag, so four ISAs in all.
    static ISA: [std::sync::OnceLock<Result<cranelift_codegen::isa::OwnedTargetIsa, String>>; 4] =
        [const { std::sync::OnceLock::new() }; 4];
    let cfg_info = options.listings && BYTE_LISTING;
    let large = plan.stages.iter().any(|s| s.nodes.len() > LARGE_STAGE);
    let isa = ISA[usize::from(cfg_info) + 2 * usize::from(large)]
        .get_or_init(|| {
            let mut flags = settings::builder();
            let verify = cfg!(debug_assertions) || std::env::var_os("NUMJET_JIT_VERIFY").is_some_and(|v| !v.is_empty() && v != "0");
            for (k, v) in [
                ("use_colocated_libcalls", "false"),
                ("is_pic", "false"),
                ("opt_level", "speed"),
                ("enable_verifier", if verify { "true" } else { "false" }),
                ("machine_code_cfg_info", if cfg_info { "true" } else { "false" }),
                ("regalloc_algorithm", if large { "single_pass" } else { "backtracking" }),
                // Blocked stages keep scratch buffers in their stack frame
                // (up to `blocks::MAX_SCRATCH` bytes): touch each page on
                // the way down, so a frame can never skip a guard page.
                ("enable_probestack", "true"),
                ("probestack_strategy", "inline"),
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
    for d in [crate::dtype::DType::Float16, crate::dtype::DType::Float32, crate::dtype::DType::Float64] {
        let (name, addr) = helpers::vblock(d);
        builder.symbol(name, addr);
    }
    builder.symbol(helpers::VCAST.0, (helpers::VCAST.1)());
    builder.symbol(helpers::VCOMPLEX.0, (helpers::VCOMPLEX.1)());
    builder.symbol(helpers::VCBLOCK.0, (helpers::VCBLOCK.1)());
    builder.symbol(helpers::VINTDIV.0, (helpers::VINTDIV.1)());
    let mut module = JITModule::new(builder);
    // From here on the module owns code memory: it is freed on every path
    // (`abi::Code`).
    let ctx = module.make_context();
    let mut em = codegen::Emitter { module: &mut module, ctx, fctx: FunctionBuilderContext::new(), scratch: Default::default() };
    let mut ids = Vec::new();
    let mut clif = String::new();
    let mut disasm = format!("{}\n", codegen::DISASM_HEADER);
    let mut vectorised = Vec::new();
    let mut failure = None;
    for (i, stage) in plan.stages.iter().enumerate() {
        let what = match stage.kind {
            StageKind::Reduce(r) => format!("; stage {i}: argument of reduction %{}", r.0),
            StageKind::Result => format!("; stage {i}: result %{}", stage.root.0),
        };
        // A fused reduction needs only its leaf function, unless it is an
        // axis reduction, which runs the element function too along an
        // axis that is not innermost in memory. If Cranelift cannot lower
        // the leaf function, the reduction is not fused.
        let fold = codegen::fused(p, stage, options);
        let axis = matches!(stage.kind, StageKind::Reduce(r) if matches!(p.node(r).op, NodeOp::ReduceAxis(..)));
        let mut fid = None;
        let mut sid = None;
        let mut vec = false;
        let mut forms = vec![];
        if let Some(fold) = fold {
            forms.push(Form::Leaves(fold));
        }
        forms.push(Form::Elements);
        for form in forms {
            if form == Form::Elements && sid.is_some() && !axis {
                break;
            }
            let sc = match em.compile_stage(p, &plan, stage, i, options, form) {
                Ok(sc) => sc,
                Err(_) if form != Form::Elements => continue,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            let what = match (form, &sc.vectorised, &sc.vector_error) {
                (Form::Leaves(fold), _, _) => format!("{what}: fused {fold:?} per leaf (vectorised)"),
                (_, true, _) => format!("{what} (vectorised)"),
                (_, false, Some(e)) => format!("{what} (scalar: the vector loop failed: {})", e.replace('\n', " ")),
                (_, false, None) => what.clone(),
            };
            clif.push_str(&format!("{what}\n{}\n", sc.clif));
            disasm.push_str(&format!("{what}\n{}\n", sc.disasm));
            match form {
                Form::Leaves(_) => {
                    sid = Some(sc.func);
                    vec = true;
                }
                Form::Elements => {
                    fid = Some(sc.func);
                    vec = sc.vectorised;
                }
            }
        }
        if failure.is_some() {
            break;
        }
        ids.push((fid, sid));
        vectorised.push(vec);
    }
    drop(em);
    if let Some(e) = failure {
        abi::Code::discard(module);
        return Err(internal(&e));
    }
    let stage_abi = plan
        .stages
        .iter()
        .map(|st| abi::StageAbi {
            leaves: st
                .nodes
                .iter()
                .filter_map(|&id| Some((plan.ptr[id.index()]? as usize, p.node(id).dtype)))
                .collect(),
            root: p.node(st.root).dtype,
            leaf_out: match st.kind {
                StageKind::Reduce(r) => p.node(r).dtype,
                StageKind::Result => p.node(st.root).dtype,
            },
        })
        .collect();
    let entries = abi::link(module, &ids, stage_abi, plan.nslots, plan.nptrs).map_err(|e| internal(&e))?;
    let listings = std::sync::OnceLock::new();
    if options.listings {
        let _ = listings.set((clif, disasm));
    }
    Ok(JitKernel { program: p.clone(), plan, vectorised, options: options.clone(), listings, entries })
}

impl JitKernel {
    /// The program this kernel was compiled from.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The Cranelift IR of every stage, as handed to the code generator.
    pub fn clif_text(&self) -> &str {
        &self.listings().0
    }

    /// The machine code of every stage, its first line saying which of two
    /// listings it is. With the `disas` feature (part of the default `cli`
    /// feature) on x86-64: a disassembly of the bytes Cranelift emitted, one
    /// line per instruction (offset, encoding, Intel syntax), with
    /// Cranelift's blocks labelled, the helper each call goes to named,
    /// and the constant pool as hex. Otherwise: Cranelift's VCode listing
    /// after register allocation (instructions with physical registers, no
    /// encodings).
    pub fn disasm(&self) -> &str {
        &self.listings().1
    }

    /// The listings, from a second compile of the same program with the
    /// same options on first use: the same code, since code generation is
    /// deterministic and the one flag a listing compile adds
    /// (`machine_code_cfg_info`) only records block offsets.
    fn listings(&self) -> &(String, String) {
        self.listings.get_or_init(|| {
            let options = JitOptions { listings: true, ..self.options.clone() };
            match compile_with(&self.program, &options) {
                Ok(k) => k.listings.into_inner().unwrap_or_default(),
                Err(e) => (format!("; {e}"), format!("; {e}")),
            }
        })
    }

    /// Whether each stage (reductions in node order, then the result) got
    /// the 128-bit vector loop.
    pub fn vectorised(&self) -> &[bool] {
        &self.vectorised
    }

    /// Whether each stage (reductions in node order, then the result)
    /// accumulates its reduction in its own vector loop: a float
    /// `sum`/`mean` (in NumPy's pairwise order), an integer `sum`,
    /// `min`/`max`, or `any`/`all` (see `codegen::fused`). Other reductions,
    /// and those of stages that do not vectorise, are computed by Rust from
    /// blocks of the argument the stage writes to a buffer.
    pub fn fused_reductions(&self) -> Vec<bool> {
        (0..self.plan.stages.len()).map(|i| self.has_sums(i)).collect()
    }

    /// Number of stages (reductions + 1).
    pub fn stage_count(&self) -> usize {
        self.entries.len()
    }

    /// The stages, in order (reductions in node order, then the result).
    pub(crate) fn stages(&self) -> Vec<StageInfo<'_>> {
        self.plan
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| StageInfo {
                root: s.root,
                reduction: match s.kind {
                    StageKind::Reduce(id) => Some(id),
                    StageKind::Result => None,
                },
                nodes: &s.nodes,
                sums: self.has_sums(i),
            })
            .collect()
    }

    /// Number of scalar slots.
    pub(crate) fn nslots(&self) -> usize {
        self.plan.nslots
    }

    /// Length of the input-pointer array.
    pub(crate) fn nptrs(&self) -> usize {
        self.plan.nptrs
    }

    /// The first of the two scalar slots of parameter `param` if it is a
    /// 0-d complex128 input (see `plan::Plan::complex_params`).
    pub(crate) fn complex_param_slot(&self, param: usize) -> Option<usize> {
        self.plan.complex_params.get(param).copied().flatten().map(|s| s as usize)
    }

    /// The scalar-buffer slot of a 0-d input or a full reduction.
    pub(crate) fn scalar_slot(&self, id: NodeId) -> Option<usize> {
        self.plan.slot.get(id.index()).copied().flatten().map(|s| s as usize)
    }

    /// The input-pointer position of an array input or an axis reduction.
    pub(crate) fn ptr_slot(&self, id: NodeId) -> Option<usize> {
        self.plan.ptr.get(id.index()).copied().flatten().map(|s| s as usize)
    }

    /// The compiled entries of the stages: what the executor calls.
    pub(crate) fn entries(&self) -> &abi::Entries {
        &self.entries
    }

    /// The node and message of a failed call, as the interpreter reports
    /// them (an internal failure's node is past the program's nodes).
    pub(crate) fn failure(&self, f: abi::Failed) -> (u32, &'static str) {
        let msg = f.internal.unwrap_or_else(|| match self.program.nodes().get(f.node as usize).map(|n| n.op) {
            // The only operation that fails on data: integer power with a
            // negative exponent. Take the table's own message.
            Some(NodeOp::Op(Op::Pow)) => match ops::int_pow(0i64, -1) {
                Err(EvalError::Value(m) | EvalError::Internal(m)) => m,
                Ok(_) => "internal error: unexpected failure",
            },
            _ => "internal error: unexpected failure",
        });
        (f.node, msg)
    }

    /// Whether stage `stage` has a leaf function (a fused reduction).
    pub(crate) fn has_sums(&self, stage: usize) -> bool {
        self.entries.has_leaves(stage)
    }
}
