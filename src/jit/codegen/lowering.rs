//! How each node lowers, and what follows from it for a stage: whether
//! it gets the vector loop ([`vector_shape`]) and whether that loop folds
//! its reduction ([`fused`]).
//!
//! [`lowering`] is the one place that decides, per node, between native
//! vector instructions, native scalar instructions and a helper call
//! ([`helpers::helper_in`] is only asked from here). The stage's vector shape
//! is derived from it once per stage (stored on [`Stage::vector`]), and
//! the node lowering (`lower_op.rs`) follows the same answer: a node in
//! the vector loop is one [`lowering`] calls [`Lowering::Vector`], and a
//! helper is called only where it says [`Lowering::Helper`].
//!
//! ## Vectorisation
//!
//! A stage gets the vector loop (with the scalar loop as its tail) when
//! every array node it computes lowers as [`Lowering::Vector`] and has
//! one lane width W (1, 2, 4 or 8 bytes; [`register_width`]) — bool nodes
//! aside, which are lane masks of width W (all ones / zero) inside the
//! vector loop. Lanes: `I8X16` (int8, uint8; a stage of bools only),
//! `I16X8` (int16, uint16), `I32X4`/`F32X4` (int32, uint32, float32, and
//! float16, which computes in float32 lanes: four halves per 8-byte load
//! and store, `half.rs`) or `I64X2`/`F64X2`; see `loops.rs` for how bool
//! arrays are loaded and stored as masks. x86 has no byte multiply: int8
//! products widen to 16-bit lanes (`lower_op.rs`, `mul_i8x16`).
//!
//! Integer `//` `%` `fmod` by a constant are vectorised (`divide.rs`).
//!
//! Math functions and width-changing casts of arrays are
//! [`Lowering::Block`]: they make their stage blocked (`blocks.rs`), and
//! each phase of a blocked stage gets a vector loop by the same rule, over
//! its own nodes.
//!
//! Complex values (`ir::split`'s programs) are parts in registers; the
//! parts of a complex array input load in the vector loop (two loads and
//! a shuffle) when every use takes a part. Whole complex values (an input
//! used whole, `complex(re, im)`, which stores a complex result, and the
//! complex functions' operands and results) are `i128`/`i64` values in
//! the scalar loop only; the complex functions are block calls
//! ([`BlockFn::Complex`]).
//!
//! Not vectorised (scalar loop only): stages calling per-element helpers
//! (integer `power`, `nextafter`), int64/uint32/uint64 `//` `%` `fmod` by
//! a non-constant divisor and shifts (no vector division or per-lane
//! shift counts in CLIF), mixed widths that splitting comparisons off
//! (`blocks.rs`) does not resolve, 0-d results, whole complex values.
//! If Cranelift cannot lower some vector instruction on the host, the stage
//! is compiled again with the scalar loop only (`emit.rs`).

use crate::dtype::DType;
use crate::ir::{Node, NodeId, NodeOp, Program, Shape};
use crate::jit::JitOptions;
use crate::jit::helpers::{self, Helper};
use crate::jit::plan::{Stage, StageKind};
use crate::ops::{Op, Reduce};
use crate::vmath;

/// How a node is computed, from its operation and dtypes alone.
///
/// 0-d nodes are computed once, before the loops, in scalar mode: only
/// array nodes are ever lowered in the vector loop.
#[derive(Clone, Copy, Debug)]
pub(super) enum Lowering {
    /// Native instructions, in the vector loop as in the scalar loop.
    Vector,
    /// Native instructions, in the scalar loop only: 0-d leaves
    /// (constants, full reductions), integer `//` `%` `fmod` by a
    /// non-constant divisor, shifts, 0-d width-changing casts.
    Scalar,
    /// A call of this `extern "C"` helper per element, in the scalar loop
    /// only.
    Helper(Helper),
    /// An array node computed by a Rust block function: in a blocked stage
    /// (`blocks.rs`), one call per block, between the loops; elsewhere (a
    /// stage that cannot be blocked) as [`BlockFn`] says, with the same
    /// bits.
    Block(BlockFn),
}

/// What a [`Lowering::Block`] node calls per block.
#[derive(Clone, Copy, Debug)]
pub(super) enum BlockFn {
    /// A function of [`crate::vmath`] (a per-element call of the helper
    /// outside blocked stages).
    Math(vmath::Func, Helper),
    /// Integer `//`, `%` or `fmod` (the `u32` is 0, 1 or 2) of integers of
    /// at most 16 bits or int32 by an array or 0-d divisor: exactly,
    /// through float64 division, which vectorises
    /// (`helpers::vintdiv`; native guarded division outside blocked
    /// stages).
    IntDiv(u32, DType),
    /// A complex function or `power` (`ir::split` keeps them whole) on
    /// complex values of this dtype: the op table's complex reference over
    /// the block (`helpers::vcblock`; `exp` vectorised through the real
    /// block functions), one call per element outside blocked stages
    /// (`helpers::VCOMPLEX`), with the same bits.
    Complex(Op, DType),
    /// A cast that changes the register width (`int32` to `float64`,
    /// `float64` to `float32`...): [`crate::dtype::Scalar::cast`] over the
    /// block, which LLVM vectorises (native scalar instructions outside
    /// blocked stages).
    Cast(DType, DType),
}

impl Lowering {
    /// Whether a node lowered this way may be in the vector loop.
    pub(super) fn vectorises(self) -> bool {
        matches!(self, Lowering::Vector)
    }
}

/// How node `n` of `p` lowers (see [`Lowering`]).
pub(super) fn lowering(p: &Program, n: &Node) -> Lowering {
    match n.op {
        // Complex values (`ir::split`'s edges: inputs, `complex(re, im)`,
        // parts, the complex functions) are whole values in the scalar
        // loop only.
        // A complex array input whose uses only take its parts (or pass it
        // in place to a block call): the vector loop loads the parts
        // directly (`lower_op.rs`, `load_part`).
        NodeOp::Input(_) if n.dtype.is_complex() => {
            if n.shape() == Shape::Array && parts_only(p, n) { Lowering::Vector } else { Lowering::Scalar }
        }
        NodeOp::Op(Op::Real | Op::Imag) if n.shape() == Shape::Array && is_part_load(p, n) => Lowering::Vector,
        // A complex axis reduction's result, read by a later stage: whole
        // values in the scalar loop.
        NodeOp::ReduceAxis(..) if n.dtype.is_complex() => Lowering::Scalar,
        // The complex result of the program from its parts: the vector
        // loop interleaves them into the stored elements (`store`).
        NodeOp::Op(Op::ComplexNew) if n.shape() == Shape::Array && std::ptr::eq(n, p.node(p.result())) => Lowering::Vector,
        NodeOp::Op(op) if n.dtype.is_complex() || operand_dtype(p, n, op).is_complex() => {
            let d = operand_dtype(p, n, op);
            let whole = !matches!(op, Op::Real | Op::Imag | Op::ComplexNew) && d.is_complex() && n.dtype == d;
            if whole && n.shape() == Shape::Array { Lowering::Block(BlockFn::Complex(op, d)) } else { Lowering::Scalar }
        }
        NodeOp::Input(_) | NodeOp::ReduceAxis(..) | NodeOp::Fill(_) => Lowering::Vector,
        NodeOp::Const(_) | NodeOp::Reduce(_) => Lowering::Scalar,
        NodeOp::Cast => {
            let (from, to) = (p.node(n.args[0]).dtype, n.dtype);
            let same_width = from.size() == to.size();
            let vector = from == DType::Bool
                || to == DType::Bool
                // Integers of one width: the same bits.
                || (same_width && from.is_int() && to.is_int())
                // float16 and float32 share their lanes (float16 is
                // float32 in registers).
                || matches!((from, to), (DType::Float16, DType::Float32) | (DType::Float32, DType::Float16))
                // Signed integers and floats of one width, but float64 to
                // int64 (`fcvt_to_sint_sat.i64x2` has no x64 lowering in
                // Cranelift 0.135 without AVX-512: a block call instead).
                || (same_width
                    && matches!(from, DType::Int32 | DType::Int64 | DType::Float32 | DType::Float64)
                    && matches!(to, DType::Int32 | DType::Int64 | DType::Float32 | DType::Float64)
                    && (from, to) != (DType::Float64, DType::Int64));
            match (vector, n.shape()) {
                (true, _) => Lowering::Vector,
                (false, Shape::Array) => Lowering::Block(BlockFn::Cast(from, to)),
                (false, Shape::Scalar) => Lowering::Scalar,
            }
        }
        NodeOp::Op(op) => {
            let d = operand_dtype(p, n, op);
            if let Some(h) = helpers::helper_in(op, d, p.math()) {
                return match op.vmath_in(p.math()) {
                    Some(f) if d.is_float() && n.shape() == Shape::Array => Lowering::Block(BlockFn::Math(f, h)),
                    _ => Lowering::Helper(h),
                };
            }
            match op {
                // By a constant: shifts, masks and multiply-highs, no guard.
                Op::FloorDiv | Op::Mod | Op::Fmod if const_divisor(p, n).is_some() => Lowering::Vector,
                // Integers whose quotient fits an int32: per block,
                // through float64 (exact), in a blocked stage.
                Op::FloorDiv | Op::Mod | Op::Fmod
                    if matches!(d, DType::Int8 | DType::Int16 | DType::Int32 | DType::UInt8 | DType::UInt16) && n.shape() == Shape::Array =>
                {
                    let code = match op {
                        Op::FloorDiv => 0,
                        Op::Mod => 1,
                        _ => 2,
                    };
                    Lowering::Block(BlockFn::IntDiv(code, d))
                }
                // No vector division or per-lane shift counts in CLIF; an
                // integer `power` has a helper, a bool one none at all.
                Op::FloorDiv | Op::Mod | Op::Fmod | Op::Shl | Op::Shr | Op::Pow => Lowering::Scalar,
                _ => Lowering::Vector,
            }
        }
    }
}

/// Whether `n` is `real` or `imag` of a complex array input whose uses
/// are all such parts or block calls ([`parts_only`]): in the vector loop,
/// a load of every other lane pair from the input.
pub(super) fn is_part_load(p: &Program, n: &Node) -> bool {
    matches!(n.op, NodeOp::Op(Op::Real | Op::Imag))
        && n.args.first().is_some_and(|&a| {
            let x = p.node(a);
            matches!(x.op, NodeOp::Input(_)) && x.dtype.is_complex() && x.shape() == Shape::Array && parts_only(p, x)
        })
}

/// Whether every use of the complex input `x` takes a part (`real`,
/// `imag`) or is a complex function's block call (which reads the input
/// in place, or per element outside blocked stages, where the stage is
/// scalar anyway).
fn parts_only(p: &Program, x: &Node) -> bool {
    let Some(id) = p.nodes().iter().position(|m| std::ptr::eq(m, x)) else { return false };
    let id = NodeId(id as u32);
    p.nodes().iter().filter(|m| m.args.contains(&id)).all(|m| match m.op {
        NodeOp::Op(Op::Real | Op::Imag) => true,
        NodeOp::Op(op) => m.dtype == x.dtype && !matches!(op, Op::ComplexNew) && m.shape() == Shape::Array,
        _ => false,
    })
}

/// The dtype of an operation's operands: `where`'s branches (its result's
/// dtype), else the first operand's (the type checker made all operands
/// alike).
pub(super) fn operand_dtype(p: &Program, n: &Node, op: Op) -> DType {
    if op == Op::Where { n.dtype } else { p.node(n.args[0]).dtype }
}

/// The vector loop of a stage: `lanes` lanes of `width` bytes (16 bytes
/// in all); bool nodes are lane masks of `width` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::jit) struct VectorShape {
    pub(super) lanes: u32,
    pub(super) width: u32,
}

/// A reduction fused into a stage's vector loop (see [`fused`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::jit) enum Fold {
    /// Float `sum`/`mean`: each leaf (at most 128 elements) summed in
    /// NumPy's pairwise-block order (`Lowerer::build_leaves`).
    Pairwise,
    /// Integer `sum` (into int64, wrapping): any grouping is exact.
    Sum,
    /// bool `any` / `all`.
    Any,
    All,
    /// Integer `min` / `max` (exact in any grouping: equal integers are
    /// indistinguishable, unlike float zeros and NaNs).
    Min,
    Max,
}

/// The reduction a stage's vector loop accumulates itself, if any: a float
/// `sum`/`mean` into the argument's dtype, an integer `sum` into int64,
/// `any`/`all` of bools, integer `min`/`max`; in a stage that vectorises.
/// The rest (`prod`, float `min`/`max`, integer `mean`, and every
/// reduction of a stage that does not vectorise) is computed by Rust from
/// blocks of the argument the stage's element function writes to a buffer.
pub(in crate::jit) fn fused(p: &Program, stage: &Stage, options: &JitOptions) -> Option<Fold> {
    let StageKind::Reduce(id) = stage.kind else { return None };
    let (NodeOp::Reduce(r) | NodeOp::ReduceAxis(r, _)) = p.node(id).op else { return None };
    let arg = p.node(stage.root).dtype;
    let out = p.node(id).dtype;
    let int = matches!(arg, DType::Int32 | DType::Int64);
    let fold = match r {
        Reduce::Sum | Reduce::Mean if matches!(arg, DType::Float32 | DType::Float64) && out == arg => Fold::Pairwise,
        // Every integer width, into int64 or uint64 (wrapping: the same bits).
        Reduce::Sum if arg.is_int() && matches!(out, DType::Int64 | DType::UInt64) => Fold::Sum,
        Reduce::Any if arg == DType::Bool => Fold::Any,
        Reduce::All if arg == DType::Bool => Fold::All,
        Reduce::Min if int && out == arg => Fold::Min,
        Reduce::Max if int && out == arg => Fold::Max,
        _ => return None,
    };
    (options.vectorise && stage.vector.is_some()).then_some(fold)
}

/// The vector shape of a stage computing `nodes` (in topological order)
/// and storing `root`, if it can be vectorised (see the module docs). A
/// stage that mixes element widths gets `None`: the whole stage degrades
/// to the scalar loop. Computed once per stage, by the plan
/// ([`Stage::vector`]).
pub(in crate::jit) fn vector_shape(p: &Program, root: NodeId, nodes: &[NodeId]) -> Option<VectorShape> {
    if p.node(root).shape() != Shape::Array {
        return None;
    }
    let mut width = None;
    for &id in nodes {
        let n = p.node(id);
        if n.shape() != Shape::Array {
            continue;
        }
        // A complex input in the vector loop only gives its parts, and a
        // complex result is its parts interleaved.
        if n.dtype != DType::Bool && !n.dtype.is_complex() {
            let w = register_width(n.dtype);
            if *width.get_or_insert(w) != w {
                // Mixed widths: scalar loop only, for the whole stage.
                return None;
            }
        }
        if !lowering(p, n).vectorises() {
            return None;
        }
    }
    // A stage of bools only: 16 one-byte lanes.
    let width = width.unwrap_or(1) as u32;
    Some(VectorShape { lanes: 16 / width, width })
}

/// The bytes of a dtype's lane in the vector loop: its size, but 4 for
/// float16, which computes in `F32X4` lanes (converted at loads and
/// stores, `half.rs`).
pub(super) fn register_width(d: DType) -> usize {
    if d == DType::Float16 { 4 } else { d.size() }
}

/// The divisor of an integer `//`, `%` or `fmod` node, if it is a
/// constant (a literal, or a fill of one).
pub(super) fn const_divisor(p: &Program, n: &Node) -> Option<i64> {
    const_int(p, *n.args.get(1)?)
}

/// The value of node `id` if it is an integer constant (a literal, or a
/// fill of one).
pub(super) fn const_int(p: &Program, id: NodeId) -> Option<i64> {
    match p.node(id).op {
        NodeOp::Const(s) | NodeOp::Fill(s) if s.dtype().is_int() => s.to_i128().and_then(|c| i64::try_from(c).ok()),
        _ => None,
    }
}
