//! Lowering one [`Stage`](super::plan::Stage) to a Cranelift function: the fused loop.
//!
//! The function has the kernel ABI described in the module docs of
//! [`crate::jit`]:
//!
//! ```text
//! extern "C" fn(inputs: *const *const u8, out: *mut u8, scalars: *const u64,
//!               start: usize, len: usize, status: *mut u32)
//! ```
//!
//! (a fused reduction's leaf function has a seventh parameter, see
//! [`Form::Leaves`]). Every array node of the stage is computed per
//! element in registers, in a scalar loop and, where the stage allows, a
//! 128-bit vector loop before it; 0-d nodes are computed once, before the
//! loops.
//!
//! By concern:
//!
//! - `emit.rs`: the function's signature, [`Emitter::compile_stage`] (the
//!   vector loop if the stage has one, else or on failure the scalar loop
//!   only) and the IR and machine-code listings.
//! - `lowering.rs`: the one choice of how each node lowers (native vector
//!   instructions, native scalar instructions, or a helper call), the
//!   stage's vector shape that follows from it (computed once by the plan,
//!   `plan::Stage::vector`), and which reductions the vector loop folds.
//! - `loops.rs`: the loop skeletons (prologue, vector and scalar loops,
//!   leaf folds, epilogue), and bool loads and stores as lane masks.
//! - `lower_op.rs`: one node's instructions in the current mode: loads,
//!   constants, casts, helper calls and every elementwise operation.
//! - `divide.rs`: integer `//` `%` `fmod`, by a constant (shifts, masks,
//!   multiply-high by a magic number) and guarded by an array.
//!
//! The lowering of every node is checked against its dtype's Cranelift
//! type ([`Lowerer`]'s `lower`), which stores rely on.

use std::collections::HashMap;

use cranelift_codegen::ir::{Endianness, FuncRef, MemFlagsData, Type, Value, types};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_jit::JITModule;

use super::plan::Plan;
use crate::dtype::DType;
use crate::ir::Program;

mod blocks;
mod divide;
mod emit;
mod lower_op;
mod loops;
mod lowering;
mod half;

pub(super) use emit::{DISASM_HEADER, Emitter, Form};
pub(super) use blocks::{Blocked, blocked};
pub(super) use lowering::{VectorShape, fused, vector_shape};

/// The Cranelift type of a dtype's values in registers: bool is an `i8`
/// holding 0 or 1, unsigned integers are integers of their width, and
/// float16 is an `f32` holding a half's value exactly (loads and stores
/// convert, `half.rs`), and a complex value is an integer holding its
/// bytes.
fn ty(d: DType) -> Type {
    match d {
        DType::Bool | DType::Int8 | DType::UInt8 => types::I8,
        DType::Int16 | DType::UInt16 => types::I16,
        DType::Int32 | DType::UInt32 => types::I32,
        DType::Int64 | DType::UInt64 => types::I64,
        DType::Float16 | DType::Float32 => types::F32,
        DType::Float64 => types::F64,
        // A whole complex value's bytes (real part low): only at the
        // edges of `ir::split`'s programs, in the scalar loop.
        DType::Complex64 => types::I64,
        DType::Complex128 => types::I128,
    }
}

/// The Cranelift type of a dtype's elements in memory (float16: its bits).
fn mem_ty(d: DType) -> Type {
    if d == DType::Float16 { types::I16 } else { ty(d) }
}

/// Scalar loads and stores only touch memory the caller guarantees valid
/// and aligned (see `abi::Entries::call`).
fn mem() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Vector loads and stores, and the 2-, 4- and 8-byte accesses to bool
/// arrays in the vector loop: valid memory, but only element-aligned (not
/// aligned to the access size), so not `aligned` (which would let
/// Cranelift fold a load into an SSE instruction that requires
/// alignment).
fn vmem() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// Flags of a bitcast between vector types of different lane counts
/// (the verifier wants the byte order spelt out).
fn lane_cast() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// How array nodes are being lowered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// One element per value; bool is an `i8` 0/1.
    Scalar,
    /// `lanes` elements of `width` bytes per value; bool is a lane mask.
    Vector { lanes: u32, width: u32 },
}

impl From<VectorShape> for Mode {
    fn from(v: VectorShape) -> Mode {
        Mode::Vector { lanes: v.lanes, width: v.width }
    }
}

/// The state of lowering one stage's function: the builder, the values of
/// the nodes lowered so far, and the current [`Mode`]. Its methods are
/// spread over this module's files by concern.
struct Lowerer<'a, 'f> {
    b: FunctionBuilder<'f>,
    module: &'a mut JITModule,
    p: &'a Program,
    plan: &'a Plan,
    mode: Mode,
    /// The scalar value of each node lowered so far.
    vals: Vec<Option<Value>>,
    /// The vector value of each node lowered so far (0-d nodes splatted).
    vvals: Vec<Option<Value>>,
    /// In a blocked stage's loop, the scratch base (`blocks.rs`) of each
    /// node the current phase loads from scratch.
    scratch: Vec<Option<Value>>,
    /// Base pointer of each array input the stage reads.
    bases: Vec<Option<Value>>,
    /// Imported helpers, by symbol name.
    funcs: HashMap<&'static str, FuncRef>,
    /// Smallest failing node id (`u32::MAX`: none), an `i32` variable.
    err: Variable,
    ptr: Type,
    /// The element index, inside a loop body.
    i: Option<Value>,
    /// The element offset from `i` of the unrolled copy being lowered.
    off: i64,
    scalars: Option<Value>,
    /// In the vector loop, the second vector of each copy's complex
    /// result (its parts interleaved: `lower_op.rs`), for `store`.
    root_hi: Vec<Value>,
}

type LResult<T> = Result<T, String>;
