//! Lowering one [`Stage`] to a Cranelift function: the fused loop.
//!
//! The function has the kernel ABI described in the module docs of
//! [`crate::jit`]:
//!
//! ```text
//! extern "C" fn(inputs: *const *const u8, out: *mut u8, scalars: *const u64,
//!               start: usize, len: usize, status: *mut u32)
//! ```
//!
//! Layout of the generated code:
//!
//! ```text
//! entry:   load the base pointers of the array inputs the stage reads;
//!          compute every 0-d node once (0-d inputs and reductions are loads
//!          from `scalars`, constants are immediates); err = u32::MAX;
//!          (vectorised stages, L lanes, unroll factor U:)
//!          end - i >= L*U ? vbody : scalar
//! vbody:   U copies of the array nodes, for elements i..i+L*U in 128-bit
//!          vectors; out[i - start..][..L*U] = roots; i += L*U;
//!          end - i >= L*U ? vbody : scalar        (bottom test)
//! scalar:  end - i >= 1 ? body : exit             (the scalar loop/tail,
//!                                                  < L*U elements after vbody)
//! body:    every array node for element i, in registers;
//!          out[i - start] = root; i += 1; end - i >= 1 ? body : exit
//! exit:    if err != u32::MAX { *status = min(*status or ∞, err + 1) }
//! ```
//!
//! `err` is the smallest id of a node that failed (an integer `power` with
//! a negative exponent) on any element. Failing elements do not stop the
//! loop, so the reported node is the one the interpreter, which computes
//! node after node over the whole column, reports.
//!
//! ## Vectorisation
//!
//! A stage gets the vector loop (with the scalar loop as its tail) when
//! every array node it computes is lowered to native instructions and has
//! one element width W (4 or 8 bytes) — bool nodes aside, which are lane
//! masks of width W (all ones / zero) inside the vector loop. Lanes:
//! `I32X4`/`F32X4` or `I64X2`/`F64X2`; a stage of bools only has 16
//! one-byte lanes (`I8X16`). Bool array inputs are loaded as `lanes` bytes
//! and widened to masks (`pmovzx*`, then negated); a bool result is stored
//! as one byte (0/1) per lane: the lanes' sign bits (`movmskpd`/`movmskps`)
//! spread to one bit per byte by a multiply (2 or 4 bytes stored), or the
//! mask `& 1` for 16 one-byte lanes.
//!
//! Integer `//` `%` `fmod` by a constant are vectorised: by a positive
//! power of two they are a shift or a mask; int32 lanes otherwise use a
//! vector multiply-high by a magic number (two `pmuldq`); int64 lanes are
//! extracted, divided by a scalar multiply-high and inserted back (x86 has
//! no 64-bit vector multiply before AVX-512). See `int_div_const`.
//!
//! Not vectorised (scalar loop only): stages calling helpers
//! (transcendentals, float `//` `%` `fmod`, `power`), integer `//` `%`
//! `fmod` by a non-constant divisor and shifts (no vector division or
//! per-lane shift counts in CLIF),
//! mixed widths (`float32` with `int64`, width-changing casts), 0-d results.
//! If Cranelift cannot lower some vector instruction on the host, the stage
//! is compiled again with the scalar loop only.

use std::collections::HashMap;

use cranelift_codegen::{CompiledCode, Context};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{AbiParam, Block, Endianness, FuncRef, InstBuilder, MemFlagsData, Type, UserFuncName, Value, types};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Linkage, Module, ModuleDeclarations};

use super::JitOptions;
use super::helpers::{self, Helper};
use super::plan::{Plan, Stage};
use crate::dtype::{DType, Kind, Scalar};
use crate::ir::{Node, NodeId, NodeOp, Program, Shape};
use crate::ops::{Op, Reduce};

/// What a compiled function computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    /// The stage's root, stored per element to `out` (the kernel ABI of
    /// the module docs of [`crate::jit`], six parameters).
    Elements,
    /// The stage's reduction, fused: a seventh parameter `sizes: *const
    /// u32`, `len` is the number of leaves, and `out[k]` (of the
    /// reduction's dtype) gets the fold of the `sizes[k]` elements after
    /// the previous leaves, from element `start`.
    Leaves(Fold),
}

impl Form {
    fn params(self) -> usize {
        match self {
            Form::Elements => 6,
            Form::Leaves(_) => 7,
        }
    }
}

/// A reduction fused into a stage's vector loop (see [`fused`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fold {
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
pub(super) fn fused(p: &Program, stage: &Stage, options: &JitOptions) -> Option<Fold> {
    let crate::jit::plan::StageKind::Reduce(id) = stage.kind else { return None };
    let (NodeOp::Reduce(r) | NodeOp::ReduceAxis(r, _)) = p.node(id).op else { return None };
    let arg = p.node(stage.root).dtype;
    let out = p.node(id).dtype;
    let int = matches!(arg, DType::Int32 | DType::Int64);
    let fold = match r {
        Reduce::Sum | Reduce::Mean if arg.is_float() && out == arg => Fold::Pairwise,
        Reduce::Sum if int && out == DType::Int64 => Fold::Sum,
        Reduce::Any if arg == DType::Bool => Fold::Any,
        Reduce::All if arg == DType::Bool => Fold::All,
        Reduce::Min if int && out == arg => Fold::Min,
        Reduce::Max if int && out == arg => Fold::Max,
        _ => return None,
    };
    (options.vectorise && vector_shape(p, stage).is_some()).then_some(fold)
}

/// The compiled form of one stage, before finalisation.
pub(super) struct StageCode {
    pub func: FuncId,
    /// The Cranelift IR, as given to the code generator.
    pub clif: String,
    /// The machine-code listing (see [`DISASM_HEADER`]).
    pub disasm: String,
    /// Whether the stage has the vector loop.
    pub vectorised: bool,
    /// Why the vector loop was given up for a stage that qualified.
    pub vector_error: Option<String>,
}

/// The Cranelift type of a dtype's values: bool is an `i8` holding 0 or 1.
pub(super) fn ty(d: DType) -> Type {
    match d {
        DType::Bool => types::I8,
        DType::Int32 => types::I32,
        DType::Int64 => types::I64,
        DType::Float32 => types::F32,
        DType::Float64 => types::F64,
    }
}

/// Scalar loads and stores only touch memory the caller guarantees valid
/// and aligned (see `JitKernel::call`).
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

/// Compiles stages into one JIT module.
pub(super) struct Emitter<'m> {
    pub module: &'m mut JITModule,
    pub ctx: Context,
    pub fctx: FunctionBuilderContext,
}

impl Emitter<'_> {
    /// Compiles `stage` into the module (not yet finalised): vectorised if
    /// `vectorise` and [`vector_shape`] allow and Cranelift can lower it,
    /// else with the scalar loop only.
    ///
    /// [`Form::Leaves`] needs a stage [`fused`] accepts (it has no
    /// scalar-only version).
    pub fn compile_stage(
        &mut self,
        p: &Program,
        plan: &Plan,
        stage: &Stage,
        index: usize,
        options: &JitOptions,
        form: Form,
    ) -> Result<StageCode, String> {
        let vectorise = options.vectorise;
        let ptr = self.module.target_config().pointer_type();
        let mut sig = self.module.make_signature();
        for _ in 0..form.params() {
            sig.params.push(AbiParam::new(ptr));
        }
        let name = match form {
            Form::Elements => format!("numjet_stage{index}"),
            Form::Leaves(_) => format!("numjet_stage{index}_fold"),
        };
        let func = self.module.declare_function(&name, Linkage::Local, &sig).map_err(|e| e.to_string())?;
        // The field is public: keep whatever it holds to a sane factor.
        let f = Function { p, plan, stage, func, name: &name, unroll: options.unroll.clamp(1, 4), listings: options.listings, form };
        if let Form::Leaves(_) = form {
            let v = vector_shape(p, stage).ok_or("internal error: a fused reduction in a stage that does not vectorise")?;
            return self.define(&f, Some(v));
        }
        if let Some(v) = vectorise.then(|| vector_shape(p, stage)).flatten() {
            // A vector instruction the host backend cannot lower is an error
            // from `define_function`, not a panic: fall back to scalar code.
            match self.define(&f, Some(v)) {
                Ok(code) => return Ok(code),
                Err(e) => {
                    let mut code = self.define(&f, None)?;
                    code.vector_error = Some(e);
                    return Ok(code);
                }
            }
        }
        self.define(&f, None)
    }

    fn define(&mut self, f: &Function<'_>, vector: Option<Mode>) -> Result<StageCode, String> {
        let (module, ctx) = (&mut *self.module, &mut self.ctx);
        module.clear_context(ctx);
        let ptr = module.target_config().pointer_type();
        let mut sig = module.make_signature();
        for _ in 0..f.form.params() {
            sig.params.push(AbiParam::new(ptr));
        }
        ctx.func.signature = sig;
        ctx.func.name = UserFuncName::testcase(f.name);
        let built = {
            let b = FunctionBuilder::new(&mut ctx.func, &mut self.fctx);
            let frontend = module.target_config();
            let mut l = Lowerer {
                b,
                module,
                p: f.p,
                plan: f.plan,
                mode: Mode::Scalar,
                vals: vec![None; f.p.nodes().len()],
                vvals: vec![None; f.p.nodes().len()],
                bases: vec![None; f.plan.nptrs],
                funcs: HashMap::new(),
                err: Variable::from_u32(0),
                ptr,
                i: None,
                off: 0,
                scalars: None,
            };
            let r = match (f.form, vector) {
                (Form::Elements, _) => l.build(f.stage, vector, f.unroll),
                (Form::Leaves(fold), Some(mode)) => l.build_leaves(f.stage, mode, fold, f.unroll),
                (Form::Leaves(_), None) => Err("internal error: a fused reduction without the vector loop".into()),
            };
            if r.is_ok() {
                l.b.finalize(frontend);
            }
            r
        };
        if let Err(e) = built {
            // The half-built function left state in the builder context.
            self.fctx = FunctionBuilderContext::new();
            return Err(e);
        }
        // Listings cost a good part of a compile: only when asked for.
        let clif = if f.listings { ctx.func.display().to_string() } else { String::new() };
        // A byte-level listing decodes the code buffer: no VCode text needed.
        ctx.set_disasm(f.listings && !super::BYTE_LISTING);
        let r = module.define_function(f.func, ctx).map_err(|e| match e {
            cranelift_module::ModuleError::Compilation(cranelift_codegen::CodegenError::Verifier(errs)) => {
                format!("verifier: {}", cranelift_codegen::print_errors::pretty_verifier_error(&ctx.func, None, errs))
            }
            e => format!("{e:?}"),
        });
        let disasm = match ctx.compiled_code() {
            Some(c) if f.listings => machine_listing(c, &ctx.func, module.declarations()),
            _ => String::new(),
        };
        module.clear_context(ctx);
        r?;
        Ok(StageCode { func: f.func, clif, disasm, vectorised: vector.is_some(), vector_error: None })
    }
}

/// The first line of the machine-code listing of a compile (once, above
/// every stage's [`StageCode::disasm`]): what kind of listing it is.
#[cfg(all(feature = "disas", target_arch = "x86_64"))]
pub(super) const DISASM_HEADER: &str = super::disas::HEADER;
#[cfg(not(all(feature = "disas", target_arch = "x86_64")))]
pub(super) const DISASM_HEADER: &str = "; Cranelift VCode listing (build with feature `disas` on x86-64 for a byte-level disassembly)";

/// The machine-code listing of a compiled function, `func` its IR (for
/// the names of what it calls) and `decls` the module's declarations: a
/// byte-level disassembly (`disas.rs`).
#[cfg(all(feature = "disas", target_arch = "x86_64"))]
fn machine_listing(code: &CompiledCode, func: &cranelift_codegen::ir::Function, decls: &ModuleDeclarations) -> String {
    super::disas::listing(code, func, decls)
}

/// The machine-code listing of a compiled function: Cranelift's VCode
/// listing (after register allocation; no encodings), which `define`
/// asked for.
#[cfg(not(all(feature = "disas", target_arch = "x86_64")))]
fn machine_listing(code: &CompiledCode, _: &cranelift_codegen::ir::Function, _: &ModuleDeclarations) -> String {
    code.vcode.clone().unwrap_or_default()
}

/// What one stage's function is made of.
struct Function<'a> {
    p: &'a Program,
    plan: &'a Plan,
    stage: &'a Stage,
    func: FuncId,
    name: &'a str,
    /// Vectors per iteration of the vector main loop (1, 2 or 4).
    unroll: u32,
    /// Produce the Cranelift IR and machine-code listings.
    listings: bool,
    form: Form,
}

/// The vector shape of a stage, if it can be vectorised (see the module
/// docs). A stage that mixes element widths gets `None`: the whole stage
/// degrades to the scalar loop.
fn vector_shape(p: &Program, stage: &Stage) -> Option<Mode> {
    let root = p.node(stage.root);
    if root.shape() != Shape::Array {
        return None;
    }
    let mut width = None;
    for &id in &stage.nodes {
        let n = p.node(id);
        if n.shape() != Shape::Array {
            continue;
        }
        if n.dtype != DType::Bool {
            let w = n.dtype.size();
            if *width.get_or_insert(w) != w {
                // Mixed widths: scalar loop only, for the whole stage.
                return None;
            }
        }
        let ok = match n.op {
            NodeOp::Input(_) | NodeOp::ReduceAxis(..) | NodeOp::Fill(_) => true,
            NodeOp::Cast => {
                let from = p.node(n.args[0]).dtype;
                from == DType::Bool || n.dtype == DType::Bool || from.size() == n.dtype.size()
            }
            NodeOp::Op(op) => {
                let d = if op == Op::Where { n.dtype } else { p.node(n.args[0]).dtype };
                let by_const = matches!(op, Op::FloorDiv | Op::Mod | Op::Fmod) && const_divisor(p, n).is_some();
                helpers::helper(op, d).is_none()
                    && (by_const || !matches!(op, Op::FloorDiv | Op::Mod | Op::Fmod | Op::Shl | Op::Shr | Op::Pow))
            }
            NodeOp::Const(_) | NodeOp::Reduce(_) => false,
        };
        if !ok {
            return None;
        }
    }
    // A stage of bools only: 16 one-byte lanes.
    let width = width.unwrap_or(1) as u32;
    Some(Mode::Vector { lanes: 16 / width, width })
}

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
}

type LResult<T> = Result<T, String>;

impl Lowerer<'_, '_> {
    /// The entry block: the function's parameters (returned), the error
    /// variable, the element index variable (returned, set to `start`), the
    /// base pointers of the array leaves and every 0-d node, once.
    fn prologue(&mut self, stage: &Stage) -> LResult<(Vec<Value>, Variable)> {
        let ptr = self.ptr;
        let psize = ptr.bytes() as i32;
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.b.seal_block(entry);
        let params = self.b.block_params(entry).to_vec();
        let (Some(&inputs), Some(&scalars), Some(&start)) = (params.first(), params.get(2), params.get(3)) else {
            return Err("kernel signature".into());
        };
        self.scalars = Some(scalars);
        self.err = self.b.declare_var(types::I32);
        let none = self.b.ins().iconst(types::I32, u32::MAX as i64);
        self.b.def_var(self.err, none);
        let iv = self.b.declare_var(ptr);
        self.b.def_var(iv, start);

        // Base pointers of the array inputs, and every 0-d node, once.
        for &id in &stage.nodes {
            let n = self.p.node(id);
            // Array inputs, and axis reductions (computed by earlier stages
            // into arrays), are read through the input pointer array.
            if let (NodeOp::Input(_) | NodeOp::ReduceAxis(..), Shape::Array) = (n.op, n.shape()) {
                let k = self.plan.ptr[id.index()].ok_or("internal error: array leaf without a pointer")? as usize;
                let base = self.b.ins().load(ptr, mem(), inputs, (k as i32) * psize);
                self.bases[k] = Some(base);
            }
        }
        for &id in &stage.nodes {
            if self.p.node(id).shape() == Shape::Scalar {
                self.lower(id)?;
            }
        }
        Ok((params, iv))
    }

    /// Enters vector mode `mode`: the 0-d values the vector loop uses,
    /// splatted once (in the current block).
    fn enter_vector(&mut self, stage: &Stage, mode: Mode) -> LResult<()> {
        let Mode::Vector { width, .. } = mode else { return Err("internal error: not a vector mode".into()) };
        self.mode = mode;
        for &id in &stage.nodes {
            let n = self.p.node(id);
            if n.shape() == Shape::Scalar && (n.dtype == DType::Bool || n.dtype.size() as u32 == width) {
                let v = self.val_in(Mode::Scalar, id)?;
                let s = self.splat(n.dtype, v);
                self.vvals[id.index()] = Some(s);
            }
        }
        Ok(())
    }

    /// Ends the function at `exit` (not yet switched to): if a node failed,
    /// `*status = min(*status or ∞, err + 1)`; return.
    fn epilogue(&mut self, exit: Block, status: Value) {
        self.b.switch_to_block(exit);
        self.b.seal_block(exit);
        let err = self.b.use_var(self.err);
        let failed = self.b.ins().icmp_imm_u(IntCC::NotEqual, err, u32::MAX as i64);
        let set = self.b.create_block();
        let ret = self.b.create_block();
        self.b.ins().brif(failed, set, &[], ret, &[]);
        self.b.switch_to_block(set);
        self.b.seal_block(set);
        let old = self.b.ins().load(types::I32, mem(), status, 0);
        let code = self.b.ins().iadd_imm_u(err, 1);
        let was_ok = self.b.ins().icmp_imm_u(IntCC::Equal, old, 0);
        let smaller = self.b.ins().umin(old, code);
        let new = self.b.ins().select(was_ok, code, smaller);
        self.b.ins().store(mem(), new, status, 0);
        self.b.ins().jump(ret, &[]);
        self.b.switch_to_block(ret);
        self.b.seal_block(ret);
        self.b.ins().return_(&[]);
    }

    /// The [`Form::Elements`] function.
    fn build(&mut self, stage: &Stage, vector: Option<Mode>, unroll: u32) -> LResult<()> {
        let (params, iv) = self.prologue(stage)?;
        let [_, out, _, start, len, status] = params[..] else {
            return Err("kernel signature".into());
        };
        let end = self.b.ins().iadd(start, len);
        let root_dtype = self.p.node(stage.root).dtype;
        let size = root_dtype.size() as i64;
        // Element `i` of the output is at `out + (i - start) * size`, i.e.
        // `outb + i * size` with `outb` computed once (plain wrapping
        // address arithmetic; only `outb + i * size` for `i` in
        // `start..end` is ever dereferenced).
        let skip = self.b.ins().imul_imm_u(start, size);
        let out = self.b.ins().isub(out, skip);

        let scalar = self.b.create_block();
        let exit = self.b.create_block();

        // Every loop is entered through a guard and tested at its bottom;
        // `i <= end` always holds, so `end - i` never wraps.
        if let Some(mode @ Mode::Vector { lanes, .. }) = vector {
            self.enter_vector(stage, mode)?;
            // `unroll` vectors per iteration; the rest (fewer than
            // `lanes * unroll` elements) is left to the scalar loop. A
            // one-vector loop in between would be a fourth copy of the
            // stage's code (a quarter more compile time at `unroll` 2) to
            // save at most a few scalar iterations per call.
            let step = lanes as i64 * unroll as i64;
            let vbody = self.b.create_block();
            self.guard(iv, end, step, vbody, scalar);
            self.b.switch_to_block(vbody);
            let i = self.b.use_var(iv);
            let mut roots = Vec::new();
            for k in 0..unroll as i64 {
                roots.push(self.elements(stage, i, k * lanes as i64)?);
            }
            self.store(&roots, root_dtype, out, i, size);
            self.bottom_test(iv, i, end, step, vbody, scalar);
            self.b.seal_block(vbody);
            self.mode = Mode::Scalar;
        } else {
            self.b.ins().jump(scalar, &[]);
        }

        // The scalar loop: the whole stage, or the vector loop's tail.
        self.b.switch_to_block(scalar);
        self.b.seal_block(scalar);
        let body = self.b.create_block();
        self.guard(iv, end, 1, body, exit);
        self.b.switch_to_block(body);
        let i = self.b.use_var(iv);
        let root = self.elements(stage, i, 0)?;
        self.store(&[root], root_dtype, out, i, size);
        self.bottom_test(iv, i, end, 1, body, exit);
        self.b.seal_block(body);
        self.epilogue(exit, status);
        Ok(())
    }

    /// The [`Form::Leaves`] function of a reduction stage that vectorises
    /// as `mode`: for each leaf `k` of `len`, the `sizes[k]` elements from
    /// `i` (`start` for the first leaf, then where the previous one ended)
    /// are reduced by `fold`, and the result is stored at `out[k]`:
    ///
    /// ```text
    /// entry: (prologue); k = 0; len > 0 ? leaf : exit
    /// leaf:  lend = i + sizes[k]; acc[..] = identity; lend - i >= step ? group : comb
    /// group: acc[..] op= the next `copies` vectors of elements; i += step;
    ///        lend - i >= step ? group : comb
    /// comb:  res = the accumulators' lanes combined; lend - i >= 1 ? tail : store
    /// tail:  res op= element i; i += 1; lend - i >= 1 ? tail : store
    /// store: out[k] = res; k += 1; k < len ? leaf : exit
    /// ```
    ///
    /// `Fold::Pairwise` (float `sum`/`mean`) sums a leaf (at most 128
    /// elements) exactly as NumPy's `pairwise_sum` sums a block
    /// (`interp::pairwise_sum`):
    ///
    /// ```text
    /// r[0..8] = the first 8 elements; r[j] += element i + j, 8 at a time;
    /// res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    /// res += each of the last size % 8 elements, in order
    /// ```
    ///
    /// The eight accumulators are `8 / lanes` vectors (4 `F64X2` or 2
    /// `F32X4`), so one group is 8 elements; they start as -0.0, the exact
    /// identity of `+` (`-0.0 + x` is `x`, bit for bit), which is `r =
    /// first 8` after the first group. A leaf of fewer than 8 elements
    /// (only a whole sum of fewer than 8) gives `-0.0 + x0 + x1 + ...`
    /// where NumPy starts from `0.0`: the same value except possibly the
    /// sign of a zero result, which the executor's final `0.0 + sum` makes
    /// `+0.0` in both.
    ///
    /// The associative folds keep `unroll` vectors of accumulators (two
    /// per int32 vector for `sum`, whose lanes are widened to int64),
    /// combine them, then their lanes. Any grouping gives the same result
    /// for these folds, which is what makes this order exact.
    fn build_leaves(&mut self, stage: &Stage, mode: Mode, fold: Fold, unroll: u32) -> LResult<()> {
        let (params, iv) = self.prologue(stage)?;
        let [_, out, _, _, nleaves, status, sizes] = params[..] else {
            return Err("kernel signature".into());
        };
        let Mode::Vector { lanes, .. } = mode else { return Err("internal error: a fused reduction needs a vector mode".into()) };
        let rd = self.p.node(stage.root).dtype;
        let wide = fold == Fold::Sum && rd == DType::Int32;
        self.enter_vector(stage, mode)?;
        // The scalar result type, the accumulators' start, and the vectors
        // of elements per group.
        let (st, identity, copies) = match (fold, rd) {
            (Fold::Pairwise, DType::Float32 | DType::Float64) if lanes > 0 && 8 % lanes == 0 => {
                let nz = Scalar::Float64(-0.0).cast(rd);
                (ty(rd), self.konst(nz), 8 / lanes)
            }
            (Fold::Sum, DType::Int32 | DType::Int64) => {
                let z = self.b.ins().iconst(types::I64, 0);
                (types::I64, self.b.ins().splat(types::I64X2, z), unroll)
            }
            (Fold::Any | Fold::All, DType::Bool) => (types::I8, self.konst(Scalar::Bool(fold == Fold::All)), unroll),
            (Fold::Min | Fold::Max, DType::Int32 | DType::Int64) => {
                let min = fold == Fold::Min;
                let id = match rd {
                    DType::Int32 => Scalar::Int32(if min { i32::MAX } else { i32::MIN }),
                    _ => Scalar::Int64(if min { i64::MAX } else { i64::MIN }),
                };
                (ty(rd), self.konst(id), unroll)
            }
            _ => return Err(format!("internal error: fused {fold:?} of {rd} in {lanes} lanes")),
        };
        let copies = copies as usize;
        let vt = self.b.func.dfg.value_type(identity);
        let per = if wide { 2 } else { 1 };
        let accs: Vec<Variable> = (0..copies * per).map(|_| self.b.declare_var(vt)).collect();
        let res = self.b.declare_var(st);
        let kv = self.b.declare_var(self.ptr);
        let zero = self.b.ins().iconst(self.ptr, 0);
        self.b.def_var(kv, zero);
        let step = lanes as i64 * copies as i64;

        let leaf = self.b.create_block();
        let group = self.b.create_block();
        let comb = self.b.create_block();
        let tail = self.b.create_block();
        let store = self.b.create_block();
        let exit = self.b.create_block();
        let any = self.b.ins().icmp_imm_u(IntCC::NotEqual, nleaves, 0);
        self.b.ins().brif(any, leaf, &[], exit, &[]);

        // leaf
        self.b.switch_to_block(leaf);
        let lend = self.leaf_end(iv, kv, sizes);
        for &a in &accs {
            self.b.def_var(a, identity);
        }
        self.guard(iv, lend, step, group, comb);

        // group: `copies` vectors (for `Pairwise`, one per accumulator).
        self.b.switch_to_block(group);
        let i = self.b.use_var(iv);
        for c in 0..copies {
            let x = self.elements(stage, i, c as i64 * lanes as i64)?;
            let parts = if wide { vec![self.b.ins().swiden_low(x), self.b.ins().swiden_high(x)] } else { vec![x] };
            for (j, part) in parts.into_iter().enumerate() {
                let a = accs[c * per + j];
                let acc = self.b.use_var(a);
                let acc = self.fold_op(fold, acc, part);
                self.b.def_var(a, acc);
            }
        }
        self.bottom_test(iv, i, lend, step, group, comb);
        self.b.seal_block(group);

        // comb: the accumulators' lanes, combined.
        self.b.switch_to_block(comb);
        self.b.seal_block(comb);
        let accs: Vec<Value> = accs.iter().map(|&a| self.b.use_var(a)).collect();
        let r = match fold {
            Fold::Pairwise => {
                // r0..r7 in lane order, combined as NumPy does.
                let mut r = Vec::with_capacity(8);
                for &acc in &accs {
                    for l in 0..lanes {
                        r.push(self.b.ins().extractlane(acc, l as u8));
                    }
                }
                let s01 = self.b.ins().fadd(r[0], r[1]);
                let s23 = self.b.ins().fadd(r[2], r[3]);
                let s45 = self.b.ins().fadd(r[4], r[5]);
                let s67 = self.b.ins().fadd(r[6], r[7]);
                let lo = self.b.ins().fadd(s01, s23);
                let hi = self.b.ins().fadd(s45, s67);
                self.b.ins().fadd(lo, hi)
            }
            _ => {
                let mut v = accs[0];
                for &x in &accs[1..] {
                    v = self.fold_op(fold, v, x);
                }
                if let Fold::Any | Fold::All = fold {
                    // Lane masks: their sign bits.
                    let bits = self.b.ins().vhigh_bits(types::I32, v);
                    if fold == Fold::Any {
                        self.b.ins().icmp_imm_u(IntCC::NotEqual, bits, 0)
                    } else {
                        let all = (1i64 << vt.lane_count()) - 1;
                        self.b.ins().icmp_imm_u(IntCC::Equal, bits, all)
                    }
                } else {
                    let mut r = self.b.ins().extractlane(v, 0);
                    for l in 1..vt.lane_count() {
                        let x = self.b.ins().extractlane(v, l as u8);
                        r = self.fold_op(fold, r, x);
                    }
                    r
                }
            }
        };
        self.b.def_var(res, r);
        self.mode = Mode::Scalar;
        self.guard(iv, lend, 1, tail, store);

        // tail: the leaf's last elements, in order.
        self.b.switch_to_block(tail);
        let i = self.b.use_var(iv);
        let x = self.elements(stage, i, 0)?;
        let x = if wide { self.b.ins().sextend(types::I64, x) } else { x };
        let acc = self.b.use_var(res);
        let acc = self.fold_op(fold, acc, x);
        self.b.def_var(res, acc);
        self.bottom_test(iv, i, lend, 1, tail, store);
        self.b.seal_block(tail);

        // store, next leaf.
        self.b.switch_to_block(store);
        self.b.seal_block(store);
        let k = self.b.use_var(kv);
        let at = self.b.ins().imul_imm_u(k, st.bytes() as i64);
        let at = self.b.ins().iadd(out, at);
        let v = self.b.use_var(res);
        self.b.ins().store(mem(), v, at, 0);
        let k2 = self.b.ins().iadd_imm_u(k, 1);
        self.b.def_var(kv, k2);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, k2, nleaves);
        self.b.ins().brif(more, leaf, &[], exit, &[]);
        self.b.seal_block(leaf);
        self.epilogue(exit, status);
        Ok(())
    }

    /// At the top of a leaf (in the current block): the end of leaf `kv`,
    /// `i + sizes[kv]`.
    fn leaf_end(&mut self, iv: Variable, kv: Variable, sizes: Value) -> Value {
        let k = self.b.use_var(kv);
        let at = self.b.ins().imul_imm_u(k, 4);
        let at = self.b.ins().iadd(sizes, at);
        let size = self.b.ins().uload32(mem(), at, 0);
        let size = if self.ptr == types::I64 { size } else { self.b.ins().ireduce(self.ptr, size) };
        let i = self.b.use_var(iv);
        self.b.ins().iadd(i, size)
    }

    /// One step of a fold, on scalars or vectors alike.
    fn fold_op(&mut self, fold: Fold, a: Value, b: Value) -> Value {
        match fold {
            Fold::Pairwise => self.b.ins().fadd(a, b),
            Fold::Sum => self.b.ins().iadd(a, b),
            Fold::Any => self.b.ins().bor(a, b),
            Fold::All => self.b.ins().band(a, b),
            Fold::Min => self.b.ins().smin(a, b),
            Fold::Max => self.b.ins().smax(a, b),
        }
    }

    /// Jumps to `body` if at least `step` elements are left from `iv`,
    /// else to `next`.
    fn guard(&mut self, iv: Variable, end: Value, step: i64, body: Block, next: Block) {
        let i = self.b.use_var(iv);
        let left = self.b.ins().isub(end, i);
        let ok = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, left, step);
        self.b.ins().brif(ok, body, &[], next, &[]);
    }

    /// The bottom of a loop over `i`: `iv = i + step`, then back to `body`
    /// if another `step` elements are left, else on to `next`.
    fn bottom_test(&mut self, iv: Variable, i: Value, end: Value, step: i64, body: Block, next: Block) {
        let i2 = self.b.ins().iadd_imm_u(i, step);
        self.b.def_var(iv, i2);
        let left = self.b.ins().isub(end, i2);
        let ok = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, left, step);
        self.b.ins().brif(ok, body, &[], next, &[]);
    }

    /// Computes every array node of the stage for the element(s) at
    /// `i + off` in the current mode; returns the root's value.
    fn elements(&mut self, stage: &Stage, i: Value, off: i64) -> LResult<Value> {
        self.i = Some(i);
        self.off = off;
        for &id in &stage.nodes {
            if self.p.node(id).shape() == Shape::Array {
                self.lower(id)?;
            }
        }
        self.val(stage.root)
    }

    /// Stores the roots of consecutive copies of the loop body (one value
    /// or vector each, for the elements from `i` on) at `outb + i * size`.
    fn store(&mut self, roots: &[Value], root: DType, outb: Value, i: Value, size: i64) {
        let off = self.b.ins().imul_imm_u(i, size);
        let addr = self.b.ins().iadd(outb, off);
        match self.mode {
            Mode::Vector { width, .. } if root == DType::Bool => self.store_masks(roots, width, addr),
            Mode::Vector { .. } => {
                for (k, &r) in roots.iter().enumerate() {
                    self.b.ins().store(vmem(), r, addr, k as i32 * 16);
                }
            }
            Mode::Scalar => {
                self.b.ins().store(mem(), roots[0], addr, 0);
            }
        }
    }

    /// Stores bool lane masks of `width`-byte lanes (consecutive vectors,
    /// a power of two of them) as one byte (0/1) per lane at `addr`.
    ///
    /// Pairs of masks are first packed into one vector of half-width lanes
    /// with signed saturation (`packssdw`/`packsswb`), which keeps all ones
    /// and zeros: two `I64X2` masks, seen as `I32X4` (each element two
    /// equal lanes), pack into an `I16X8` whose 32-bit lanes are the four
    /// elements' masks; two `I32X4` into an `I16X8`; two `I16X8` into an
    /// `I8X16`. What remains is stored as 16 or 8 bytes (`& 1`), or through
    /// the lanes' sign bits (`movmskps`/`movmskpd`) spread to one bit per
    /// byte by a multiply whose partial products do not overlap (bit k to
    /// bit 8k), as 4 or 2 bytes.
    fn store_masks(&mut self, masks: &[Value], width: u32, addr: Value) {
        let mut w = width;
        let mut ms: Vec<Value> = masks.to_vec();
        while ms.len().is_multiple_of(2) && w > 1 {
            let from = if w == 2 { types::I16X8 } else { types::I32X4 };
            let mut next = Vec::new();
            for pair in ms.chunks(2) {
                let a = self.view(pair[0], from);
                let b = self.view(pair[1], from);
                next.push(self.b.ins().snarrow(a, b));
            }
            // The packed vectors' element width.
            w /= 2;
            ms = next;
        }
        let per = 16 / w as i32;
        for (k, &m) in ms.iter().enumerate() {
            let at = k as i32 * per;
            match w {
                1 => {
                    let one = self.b.ins().iconst(types::I8, 1);
                    let ones = self.b.ins().splat(types::I8X16, one);
                    let m = self.view(m, types::I8X16);
                    let v = self.b.ins().band(m, ones);
                    self.b.ins().store(vmem(), v, addr, at);
                }
                2 => {
                    // 8 elements: pack to bytes, store the low 8.
                    let m = self.view(m, types::I16X8);
                    let bytes = self.b.ins().snarrow(m, m);
                    let one = self.b.ins().iconst(types::I8, 1);
                    let ones = self.b.ins().splat(types::I8X16, one);
                    let v = self.b.ins().band(bytes, ones);
                    let q = self.view(v, types::I64X2);
                    let lo = self.b.ins().extractlane(q, 0);
                    self.b.ins().store(vmem(), lo, addr, at);
                }
                _ => {
                    let lanes = 16 / w;
                    let m = self.view(m, if w == 4 { types::I32X4 } else { types::I64X2 });
                    let bits = self.b.ins().vhigh_bits(types::I32, m);
                    let (spread, keep) = if lanes == 2 { (0x81, 0x0101) } else { (0x0020_4081, 0x0101_0101) };
                    let x = self.b.ins().imul_imm_u(bits, spread);
                    let bytes = self.b.ins().band_imm_u(x, keep);
                    if lanes == 2 {
                        self.b.ins().istore16(vmem(), bytes, addr, at);
                    } else {
                        self.b.ins().store(vmem(), bytes, addr, at);
                    }
                }
            }
        }
    }

    /// `v` reinterpreted as the vector type `t` (no-op if it is one).
    fn view(&mut self, v: Value, t: Type) -> Value {
        if self.b.func.dfg.value_type(v) == t { v } else { self.b.ins().bitcast(t, lane_cast(), v) }
    }

    /// Loads the bools at element `i + off` of array leaf `k` (its position
    /// in the input-pointer array) as lane
    /// masks of the current vector mode: `lanes` bytes (0/1), widened to
    /// the lane width and negated (0/1 → 0/all ones).
    fn load_bool_mask(&mut self, k: usize) -> LResult<Value> {
        let Mode::Vector { lanes, width } = self.mode else { return Err("internal error: mask load in the scalar loop".into()) };
        let base = self.bases[k].ok_or("internal error: input base pointer not loaded")?;
        let addr = self.elem_addr(base, DType::Bool)?;
        let off = self.off as i32;
        let bytes = match lanes {
            16 => self.b.ins().load(types::I8X16, vmem(), addr, off),
            4 => {
                let w = self.b.ins().load(types::I32, vmem(), addr, off);
                let v = self.b.ins().scalar_to_vector(types::I32X4, w);
                self.b.ins().bitcast(types::I8X16, lane_cast(), v)
            }
            _ => {
                let w = self.b.ins().uload16(types::I32, vmem(), addr, off);
                let v = self.b.ins().scalar_to_vector(types::I32X4, w);
                self.b.ins().bitcast(types::I8X16, lane_cast(), v)
            }
        };
        // I8X16 → I16X8 → I32X4 → I64X2 (pmovzx*), up to the lane width.
        let mut v = bytes;
        let mut w = 1;
        while w < width {
            w *= 2;
            v = self.b.ins().uwiden_low(v);
        }
        Ok(self.b.ins().ineg(v))
    }

    /// The type of a dtype's values in the current mode.
    fn ty(&self, d: DType) -> Type {
        match self.mode {
            Mode::Scalar => ty(d),
            Mode::Vector { lanes, width } => {
                let lane = if d == DType::Bool { Type::int(width as u16 * 8).unwrap_or(types::I64) } else { ty(d) };
                lane.by(lanes).unwrap_or(lane)
            }
        }
    }

    /// A 0-d value of dtype `d` as a vector of the current mode.
    fn splat(&mut self, d: DType, v: Value) -> Value {
        let vt = self.ty(d);
        if d == DType::Bool {
            // 0/1 → all zeros / all ones.
            let lane = vt.lane_type();
            let wide = if lane == types::I8 { v } else { self.b.ins().uextend(lane, v) };
            let m = self.b.ins().ineg(wide);
            self.b.ins().splat(vt, m)
        } else {
            self.b.ins().splat(vt, v)
        }
    }

    /// Lowers node `id` in the current mode and records its value, checking
    /// that the value's Cranelift type is its dtype's (stores rely on it).
    fn lower(&mut self, id: NodeId) -> LResult<()> {
        let n = self.p.node(id);
        let v = match (n.op, n.shape(), n.dtype) {
            // Bool array leaves in the vector loop: bytes widened to masks.
            (NodeOp::Input(_) | NodeOp::ReduceAxis(..), Shape::Array, DType::Bool) if self.vector() => {
                let k = self.plan.ptr[id.index()].ok_or("internal error: array leaf without a pointer")? as usize;
                self.load_bool_mask(k)?
            }
            _ => self.node(id)?,
        };
        let want = self.ty(self.p.node(id).dtype);
        if self.b.func.dfg.value_type(v) != want {
            return Err(format!("internal error: node %{} computes {} but is {}", id.0, self.b.func.dfg.value_type(v), want));
        }
        match self.mode {
            Mode::Scalar => self.vals[id.index()] = Some(v),
            Mode::Vector { .. } => self.vvals[id.index()] = Some(v),
        }
        Ok(())
    }

    fn val_in(&self, mode: Mode, id: NodeId) -> LResult<Value> {
        let v = match mode {
            Mode::Scalar => self.vals[id.index()],
            Mode::Vector { .. } => self.vvals[id.index()],
        };
        v.ok_or_else(|| format!("internal error: node %{} used before it is computed", id.0))
    }

    fn val(&self, id: NodeId) -> LResult<Value> {
        self.val_in(self.mode, id)
    }

    fn vector(&self) -> bool {
        self.mode != Mode::Scalar
    }

    /// Lowers one node (its arguments are lowered already).
    fn node(&mut self, id: NodeId) -> LResult<Value> {
        let n = self.p.node(id);
        Ok(match n.op {
            NodeOp::Input(_) | NodeOp::ReduceAxis(..) => match n.shape() {
                Shape::Array => {
                    let k = self.plan.ptr[id.index()].ok_or("internal error: array leaf without a pointer")? as usize;
                    let base = self.bases[k].ok_or("internal error: input base pointer not loaded")?;
                    let addr = self.elem_addr(base, n.dtype)?;
                    let flags = if self.vector() { vmem() } else { mem() };
                    let t = self.ty(n.dtype);
                    self.b.ins().load(t, flags, addr, (self.off * n.dtype.size() as i64) as i32)
                }
                Shape::Scalar => self.load_slot(id, n.dtype)?,
            },
            NodeOp::Reduce(_) => self.load_slot(id, n.dtype)?,
            NodeOp::Const(s) | NodeOp::Fill(s) => self.konst(s),
            NodeOp::Cast => {
                let a = self.val(n.args[0])?;
                self.cast(a, self.p.node(n.args[0]).dtype, n.dtype)
            }
            NodeOp::Op(op) => self.op(id, n, op)?,
        })
    }

    fn elem_addr(&mut self, base: Value, d: DType) -> LResult<Value> {
        let i = self.i.ok_or("internal error: array node outside the loop")?;
        let off = self.b.ins().imul_imm_u(i, d.size() as i64);
        Ok(self.b.ins().iadd(base, off))
    }

    fn load_slot(&mut self, id: NodeId, d: DType) -> LResult<Value> {
        if self.vector() {
            return Err("internal error: 0-d load in the vector loop".into());
        }
        let slot = self.plan.slot[id.index()].ok_or("internal error: node has no scalar slot")?;
        let scalars = self.scalars.ok_or("internal error: no scalar buffer")?;
        Ok(self.b.ins().load(ty(d), mem(), scalars, (slot * 8) as i32))
    }

    /// A constant of the current mode.
    fn konst(&mut self, s: Scalar) -> Value {
        let v = match s {
            Scalar::Bool(v) => self.b.ins().iconst(types::I8, v as i64),
            Scalar::Int32(v) => self.b.ins().iconst(types::I32, v as u32 as i64),
            Scalar::Int64(v) => self.b.ins().iconst(types::I64, v),
            Scalar::Float32(v) => self.b.ins().f32const(Ieee32::with_bits(v.to_bits())),
            Scalar::Float64(v) => self.b.ins().f64const(Ieee64::with_bits(v.to_bits())),
        };
        if self.vector() { self.splat(s.dtype(), v) } else { v }
    }

    /// `v` converted to dtype `d` (`v` must be exact in `d`: small integers, ±inf).
    fn num(&mut self, d: DType, v: f64) -> Value {
        let s = Scalar::Float64(v).cast(d);
        self.konst(s)
    }

    /// `c ? x : y` for a bool `c` of the current mode (a mask in vectors).
    fn sel(&mut self, c: Value, x: Value, y: Value) -> Value {
        if !self.vector() {
            return self.b.ins().select(c, x, y);
        }
        let xt = self.b.func.dfg.value_type(x);
        let c = if self.b.func.dfg.value_type(c) == xt { c } else { self.b.ins().bitcast(xt, MemFlagsData::new(), c) };
        self.b.ins().bitselect(c, x, y)
    }

    /// Records that node `id` failed where `cond` (an `i8` 0/1) is true.
    fn fail_if(&mut self, cond: Value, id: NodeId) {
        let none = self.b.ins().iconst(types::I32, u32::MAX as i64);
        let me = self.b.ins().iconst(types::I32, id.0 as i64);
        let cand = self.b.ins().select(cond, me, none);
        let err = self.b.use_var(self.err);
        let new = self.b.ins().umin(err, cand);
        self.b.def_var(self.err, new);
    }

    fn call(&mut self, h: Helper, args: &[Value], d: DType) -> LResult<Value> {
        if args.len() != h.arity || self.vector() {
            return Err(format!("internal error: bad call of helper {}", h.name));
        }
        let f = match self.funcs.get(h.name) {
            Some(&f) => f,
            None => {
                let mut sig = self.module.make_signature();
                for _ in 0..h.arity {
                    sig.params.push(AbiParam::new(ty(d)));
                }
                sig.returns.push(AbiParam::new(ty(d)));
                let id = self.module.declare_function(h.name, Linkage::Import, &sig).map_err(|e| e.to_string())?;
                let f = self.module.declare_func_in_func(id, self.b.func);
                self.funcs.insert(h.name, f);
                f
            }
        };
        let call = self.b.ins().call(f, args);
        Ok(self.b.inst_results(call)[0])
    }

    /// NumPy `astype`, as [`Scalar::cast`] does it.
    fn cast(&mut self, a: Value, from: DType, to: DType) -> Value {
        use DType::*;
        if from == to {
            return a;
        }
        match (from, to) {
            (_, Bool) => {
                let z = self.num(from, 0.0);
                match from.kind() {
                    // NotEqual is unordered-or-not-equal: NaN is true.
                    Kind::Float => self.b.ins().fcmp(FloatCC::NotEqual, a, z),
                    _ => self.b.ins().icmp(IntCC::NotEqual, a, z),
                }
            }
            (Bool, Int32 | Int64) if self.vector() => {
                let one = self.num(to, 1.0);
                self.b.ins().band(a, one)
            }
            (Bool, Float32 | Float64) if self.vector() => {
                let one = self.num(to, 1.0);
                let zero = self.num(to, 0.0);
                self.sel(a, one, zero)
            }
            (Bool, Int32 | Int64) => self.b.ins().uextend(ty(to), a),
            (Bool, Float32 | Float64) => {
                let w = self.b.ins().uextend(types::I32, a);
                self.b.ins().fcvt_from_sint(ty(to), w)
            }
            (Int32, Int64) => self.b.ins().sextend(types::I64, a),
            (Int64, Int32) => self.b.ins().ireduce(types::I32, a),
            (Int32 | Int64, Float32 | Float64) => {
                let t = self.ty(to);
                self.b.ins().fcvt_from_sint(t, a)
            }
            (Float32, Float64) => self.b.ins().fpromote(types::F64, a),
            (Float64, Float32) => self.b.ins().fdemote(types::F32, a),
            (Float32 | Float64, Int32 | Int64) => {
                // `f64_to_i32` / `f64_to_i64` (float32 is converted to f64
                // first, exactly): truncate in range, else INT_MIN; NaN fails
                // the ordered range check. The bounds are written in the
                // source type: for float32, `> -2147483649.0` is
                // `>= -2147483648.0` (no float32 lies between them).
                let (lo_cc, lo, hi) = match (from, to) {
                    (Float64, Int32) => (FloatCC::GreaterThan, -2147483649.0, 2147483648.0),
                    (_, Int32) => (FloatCC::GreaterThanOrEqual, -2147483648.0, 2147483648.0),
                    _ => (FloatCC::GreaterThanOrEqual, -9223372036854775808.0, 9223372036854775808.0),
                };
                let lo = self.num(from, lo);
                let hi = self.num(from, hi);
                let above = self.b.ins().fcmp(lo_cc, a, lo);
                let below = self.b.ins().fcmp(FloatCC::LessThan, a, hi);
                let ok = self.b.ins().band(above, below);
                let t = self.ty(to);
                let r = self.b.ins().fcvt_to_sint_sat(t, a);
                let min = if to == Int32 { self.konst(Scalar::Int32(i32::MIN)) } else { self.konst(Scalar::Int64(i64::MIN)) };
                self.sel(ok, r, min)
            }
            _ => a,
        }
    }

    /// Lowers an elementwise operation, mirroring its row in `ops.rs`.
    fn op(&mut self, id: NodeId, n: &Node, op: Op) -> LResult<Value> {
        let args: Vec<Value> = n.args.iter().map(|&a| self.val(a)).collect::<LResult<_>>()?;
        // The operand dtype: `where`'s branches, else the first operand's
        // (the type checker made all operands alike).
        let d = if op == Op::Where { n.dtype } else { self.p.node(n.args[0]).dtype };
        let unsupported = || format!("internal error: `{}` on {d} is not lowered", op.def().name);
        if args.len() != op.def().arity {
            return Err(unsupported());
        }
        if let Some(h) = helpers::helper(op, d) {
            let r = self.call(h, &args, d)?;
            if op == Op::Pow && d.is_int() {
                // ops::int_pow: a negative exponent is an error.
                let zero = self.num(d, 0.0);
                let neg = self.b.ins().icmp(IntCC::SignedLessThan, args[1], zero);
                self.fail_if(neg, id);
            }
            return Ok(r);
        }
        let k = d.kind();
        let vector = self.vector();
        let a = args[0];
        let b = args.get(1).copied().unwrap_or(a);
        use Kind::{Bool as B, Float as F, Int as I};
        Ok(match (op, k) {
            (Op::Add, B) => self.b.ins().bor(a, b),
            (Op::Add, I) => self.b.ins().iadd(a, b),
            (Op::Add, F) => self.b.ins().fadd(a, b),
            (Op::Sub, I) => self.b.ins().isub(a, b),
            (Op::Sub, F) => self.b.ins().fsub(a, b),
            (Op::Mul, B) => self.b.ins().band(a, b),
            (Op::Mul, I) if vector && d == DType::Int64 => match (const_int(self.p, n.args[0]), const_int(self.p, n.args[1])) {
                (_, Some(c)) => self.mul_i64x2_const(a, c),
                (Some(c), _) => self.mul_i64x2_const(b, c),
                _ => self.b.ins().imul(a, b),
            },
            (Op::Mul, I) => self.b.ins().imul(a, b),
            (Op::Mul, F) => self.b.ins().fmul(a, b),
            (Op::Div, F) => self.b.ins().fdiv(a, b),
            (Op::FloorDiv | Op::Mod | Op::Fmod, I) => {
                let kind = match op {
                    Op::FloorDiv => DivKind::Floor,
                    Op::Mod => DivKind::Mod,
                    _ => DivKind::Rem,
                };
                match const_divisor(self.p, n) {
                    Some(c) => self.int_div_const(d, a, c, kind),
                    None if !vector => self.int_div(d, a, b, kind),
                    None => return Err(unsupported()),
                }
            }
            (Op::Neg, I) => self.b.ins().ineg(a),
            (Op::Neg, F) => self.b.ins().fneg(a),
            (Op::Pos | Op::Copy | Op::Real | Op::Conj, _) => a,
            (Op::Invert, B) if vector => self.b.ins().bnot(a),
            (Op::Invert, B) => self.b.ins().bxor_imm_u(a, 1),
            (Op::Invert, I) => self.b.ins().bnot(a),
            (Op::BitAnd, B | I) => self.b.ins().band(a, b),
            (Op::BitOr, B | I) => self.b.ins().bor(a, b),
            (Op::BitXor, B | I) => self.b.ins().bxor(a, b),
            (Op::Shl | Op::Shr, I) if !vector => {
                // ops::shl/shr: counts outside 0..BITS give 0 (<<) or the
                // sign (>>, i.e. a shift by BITS-1). Cranelift masks the
                // count, so the result is selected.
                let bits = (d.size() * 8) as f64;
                let bits_v = self.num(d, bits);
                let in_range = self.b.ins().icmp(IntCC::UnsignedLessThan, b, bits_v);
                if op == Op::Shl {
                    let r = self.b.ins().ishl(a, b);
                    let z = self.num(d, 0.0);
                    self.b.ins().select(in_range, r, z)
                } else {
                    let max = self.num(d, bits - 1.0);
                    let count = self.b.ins().select(in_range, b, max);
                    self.b.ins().sshr(a, count)
                }
            }
            (Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge, F) => {
                // Ordered comparisons (false with NaN) except `!=`.
                let cc = match op {
                    Op::Eq => FloatCC::Equal,
                    Op::Ne => FloatCC::NotEqual,
                    Op::Lt => FloatCC::LessThan,
                    Op::Le => FloatCC::LessThanOrEqual,
                    Op::Gt => FloatCC::GreaterThan,
                    _ => FloatCC::GreaterThanOrEqual,
                };
                self.b.ins().fcmp(cc, a, b)
            }
            (Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge, B) if vector => {
                // Masks: false < true.
                match op {
                    Op::Eq => {
                        let x = self.b.ins().bxor(a, b);
                        self.b.ins().bnot(x)
                    }
                    Op::Ne => self.b.ins().bxor(a, b),
                    Op::Lt => self.b.ins().band_not(b, a),
                    Op::Le => self.b.ins().bor_not(b, a),
                    Op::Gt => self.b.ins().band_not(a, b),
                    _ => self.b.ins().bor_not(a, b),
                }
            }
            (Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge, B | I) => {
                // bool is 0/1: unsigned order is false < true.
                let signed = k == I;
                let cc = match (op, signed) {
                    (Op::Eq, _) => IntCC::Equal,
                    (Op::Ne, _) => IntCC::NotEqual,
                    (Op::Lt, true) => IntCC::SignedLessThan,
                    (Op::Le, true) => IntCC::SignedLessThanOrEqual,
                    (Op::Gt, true) => IntCC::SignedGreaterThan,
                    (Op::Ge, true) => IntCC::SignedGreaterThanOrEqual,
                    (Op::Lt, false) => IntCC::UnsignedLessThan,
                    (Op::Le, false) => IntCC::UnsignedLessThanOrEqual,
                    (Op::Gt, false) => IntCC::UnsignedGreaterThan,
                    _ => IntCC::UnsignedGreaterThanOrEqual,
                };
                self.b.ins().icmp(cc, a, b)
            }
            (Op::Where, _) => self.sel(a, args[1], args[2]),
            (Op::Sqrt, F) => self.b.ins().sqrt(a),
            (Op::Square, I) => self.b.ins().imul(a, a),
            (Op::Square, F) => self.b.ins().fmul(a, a),
            (Op::Abs, B) => a,
            (Op::Abs, I) => self.b.ins().iabs(a),
            (Op::Abs, F) => self.b.ins().fabs(a),
            (Op::Sign, I) => {
                let zero = self.num(d, 0.0);
                let one = self.num(d, 1.0);
                let mone = self.num(d, -1.0);
                let gt = self.b.ins().icmp(IntCC::SignedGreaterThan, a, zero);
                let lt = self.b.ins().icmp(IntCC::SignedLessThan, a, zero);
                let neg_or_zero = self.sel(lt, mone, zero);
                self.sel(gt, one, neg_or_zero)
            }
            (Op::Sign, F) => {
                // float_sign: NaN stays NaN, ±0 gives +0.
                let zero = self.num(d, 0.0);
                let one = self.num(d, 1.0);
                let mone = self.num(d, -1.0);
                let gt = self.b.ins().fcmp(FloatCC::GreaterThan, a, zero);
                let lt = self.b.ins().fcmp(FloatCC::LessThan, a, zero);
                let eq = self.b.ins().fcmp(FloatCC::Equal, a, zero);
                let r = self.sel(eq, zero, a);
                let r = self.sel(lt, mone, r);
                self.sel(gt, one, r)
            }
            (Op::Floor | Op::Ceil | Op::Trunc, B) | (Op::Floor | Op::Ceil | Op::Trunc | Op::Round, I) => a,
            (Op::Floor, F) => self.b.ins().floor(a),
            (Op::Ceil, F) => self.b.ins().ceil(a),
            (Op::Trunc, F) => self.b.ins().trunc(a),
            // round_ties_even.
            (Op::Round | Op::Rint, F) => self.b.ins().nearest(a),
            (Op::Copysign, F) if vector => {
                // x64 has no vector fcopysign: (a & !sign) | (b & sign).
                let sign = self.num(d, -0.0);
                let mag = self.b.ins().band_not(a, sign);
                let sgn = self.b.ins().band(b, sign);
                self.b.ins().bor(mag, sgn)
            }
            (Op::Copysign, F) => self.b.ins().fcopysign(a, b),
            (Op::Minimum, B) | (Op::Fmin, B) => self.b.ins().band(a, b),
            (Op::Maximum, B) | (Op::Fmax, B) => self.b.ins().bor(a, b),
            (Op::Minimum | Op::Fmin, I) => self.b.ins().smin(a, b),
            (Op::Maximum | Op::Fmax, I) => self.b.ins().smax(a, b),
            (Op::Minimum | Op::Maximum | Op::Fmin | Op::Fmax, F) => {
                // ops.rs, with compares and a select (not Cranelift's
                // fmin/fmax, whose NaN and ±0 rules differ):
                //   minimum: a < b || a.is_nan() ? a : b
                //   maximum: a > b || a.is_nan() ? a : b
                //   fmin:    a <= b || b.is_nan() ? a : b
                //   fmax:    a >= b || b.is_nan() ? a : b
                let (cc, nan_of) = match op {
                    Op::Minimum => (FloatCC::LessThan, a),
                    Op::Maximum => (FloatCC::GreaterThan, a),
                    Op::Fmin => (FloatCC::LessThanOrEqual, b),
                    _ => (FloatCC::GreaterThanOrEqual, b),
                };
                let c = self.b.ins().fcmp(cc, a, b);
                let nan = self.b.ins().fcmp(FloatCC::Unordered, nan_of, nan_of);
                let take_a = self.b.ins().bor(c, nan);
                self.sel(take_a, a, b)
            }
            (Op::Isnan | Op::Isinf, B | I) => self.konst(Scalar::Bool(false)),
            (Op::Isfinite, B | I) => self.konst(Scalar::Bool(true)),
            (Op::Isnan, F) => self.b.ins().fcmp(FloatCC::Unordered, a, a),
            (Op::Isinf | Op::Isfinite, F) => {
                let abs = self.b.ins().fabs(a);
                let inf = self.num(d, f64::INFINITY);
                let cc = if op == Op::Isinf { FloatCC::Equal } else { FloatCC::LessThan };
                self.b.ins().fcmp(cc, abs, inf)
            }
            (Op::Signbit, B) => self.konst(Scalar::Bool(false)),
            (Op::Signbit, I) => {
                let zero = self.num(d, 0.0);
                self.b.ins().icmp(IntCC::SignedLessThan, a, zero)
            }
            (Op::Signbit, F) => {
                // is_sign_negative: the sign bit, NaN included.
                let id = if d == DType::Float32 { DType::Int32 } else { DType::Int64 };
                let it = self.ty(id);
                let bits = self.b.ins().bitcast(it, MemFlagsData::new(), a);
                let zero = self.num(id, 0.0);
                self.b.ins().icmp(IntCC::SignedLessThan, bits, zero)
            }
            (Op::OnesLike, _) => self.konst(Scalar::Bool(true).cast(d)),
            (Op::Imag, _) => self.konst(Scalar::Bool(false).cast(d)),
            _ => return Err(unsupported()),
        })
    }

    /// [`Lowerer::int_div`] by the constant `c`, in the current mode. No
    /// guard is needed: 0 and ±1 are special-cased, positive powers of two
    /// are a shift or a mask, and any other `sdiv` by a constant (which
    /// cannot trap) becomes a multiply-high by a magic number in
    /// Cranelift's mid-end (`opts/arithmetic.isle`). In the vector loop
    /// that general case runs lane by lane (x86 has no 64-bit vector
    /// multiply-high before AVX-512).
    fn int_div_const(&mut self, d: DType, a: Value, c: i64, kind: DivKind) -> Value {
        let pow2 = c > 0 && (c as u64).is_power_of_two();
        match (c, kind) {
            (0, _) | (1 | -1, DivKind::Mod | DivKind::Rem) => self.num(d, 0.0),
            (1, DivKind::Floor) => a,
            // Wrapping: MIN // -1 == MIN.
            (-1, DivKind::Floor) => self.b.ins().ineg(a),
            (_, DivKind::Floor) if pow2 => {
                let k = self.b.ins().iconst(types::I32, c.trailing_zeros() as i64);
                self.b.ins().sshr(a, k)
            }
            (_, DivKind::Mod) if pow2 => {
                let mask = self.int_const(d, c - 1);
                self.b.ins().band(a, mask)
            }
            // int32 lanes with 2 <= |c| < 2^31: a vector multiply-high
            // (two `pmuldq`). Other cases lane by lane.
            _ if self.vector() && d == DType::Int32 && (2..1 << 31).contains(&c.unsigned_abs()) => {
                let q = self.sdiv_i32x4_const(a, c as i32);
                let cv = self.int_const(d, c);
                self.floor_fix(d, a, q, cv, c, kind)
            }
            _ if self.vector() => self.per_lane(a, |l, x| l.int_div_const(d, x, c, kind)),
            _ => {
                let cv = self.int_const(d, c);
                let q = self.b.ins().sdiv(a, cv);
                self.floor_fix(d, a, q, cv, c, kind)
            }
        }
    }

    /// From the truncated quotient `q` of `a` by the constant `c` (value
    /// `cv`, neither 0 nor -1), `fmod`, `%` or `//` in the current mode.
    fn floor_fix(&mut self, d: DType, a: Value, q: Value, cv: Value, c: i64, kind: DivKind) -> Value {
        let qc = self.b.ins().imul(q, cv);
        let r = self.b.ins().isub(a, qc);
        if kind == DivKind::Rem {
            return r;
        }
        // Floor: adjust where r != 0 has the sign opposite to c's, i.e.
        // r < 0 (c > 0) or -r < 0 (c < 0; |r| < |c| so -r does not
        // overflow): m = -1 there, else 0.
        let s = if c > 0 { r } else { self.b.ins().ineg(r) };
        let sign = self.b.ins().iconst(types::I32, d.size() as i64 * 8 - 1);
        let m = self.b.ins().sshr(s, sign);
        if kind == DivKind::Floor {
            self.b.ins().iadd(q, m)
        } else {
            let add = self.b.ins().band(m, cv);
            self.b.ins().iadd(r, add)
        }
    }

    /// `a / c` truncated, for `I32X4` lanes and 2 <= |c| < 2^31: Hacker's
    /// Delight's signed division by a constant (10-1), the multiply-high
    /// done as two `pmuldq` (Cranelift's lowering of `imul` of two
    /// `swiden_low`s or `swiden_high`s) and a `shufps` gathering the high
    /// halves. Also for the magic numbers of powers of two.
    fn sdiv_i32x4_const(&mut self, a: Value, c: i32) -> Value {
        let (magic, shift) = magic_s32(c);
        // A `vconst`, not a `splat`: the mid-end rewrites `swiden_low` of a
        // splat into a splat, which would defeat the `pmuldq` pattern.
        let bytes: Vec<u8> = (0..4).flat_map(|_| magic.to_le_bytes()).collect();
        let k = self.b.func.dfg.constants.insert(bytes.into());
        let mv = self.b.ins().vconst(types::I32X4, k);
        let (al, ml) = (self.b.ins().swiden_low(a), self.b.ins().swiden_low(mv));
        let lo = self.b.ins().imul(al, ml);
        let (ah, mh) = (self.b.ins().swiden_high(a), self.b.ins().swiden_high(mv));
        let hi = self.b.ins().imul(ah, mh);
        // The high 32 bits of the four products: dwords 1 and 3 of each.
        let lo8 = self.view(lo, types::I8X16);
        let hi8 = self.view(hi, types::I8X16);
        let mask: Vec<u8> = [1u8, 3, 5, 7].iter().flat_map(|&w| (0..4).map(move |b| w * 4 + b)).collect();
        let imm = self.b.func.dfg.immediates.push(mask.into());
        let hs = self.b.ins().shuffle(lo8, hi8, imm);
        let mut q = self.view(hs, types::I32X4);
        if c > 0 && magic < 0 {
            q = self.b.ins().iadd(q, a);
        } else if c < 0 && magic > 0 {
            q = self.b.ins().isub(q, a);
        }
        if shift > 0 {
            let s = self.b.ins().iconst(types::I32, shift as i64);
            q = self.b.ins().sshr(q, s);
        }
        // + 1 where the quotient is negative (rounds toward zero).
        let s31 = self.b.ins().iconst(types::I32, 31);
        let neg = self.b.ins().ushr(q, s31);
        self.b.ins().iadd(q, neg)
    }

    /// `x * c` for an `I64X2` vector `x`, wrapping. x86 has no 64-bit
    /// vector multiply before AVX-512 (Cranelift emits three `pmuludq`
    /// and five more instructions), so constants of the form ±2^k, ±(2^k
    /// ± 1) become a shift and an add or subtract; any other constant is
    /// multiplied lane by lane.
    fn mul_i64x2_const(&mut self, x: Value, c: i64) -> Value {
        let m = c.unsigned_abs();
        let shl = |l: &mut Self, v: Value, k: u32| {
            let k = l.b.ins().iconst(types::I32, k as i64);
            l.b.ins().ishl(v, k)
        };
        let r = match m {
            0 => return self.int_const(DType::Int64, 0),
            1 => x,
            _ if m.is_power_of_two() => shl(self, x, m.trailing_zeros()),
            _ if (m - 1).is_power_of_two() => {
                let t = shl(self, x, (m - 1).trailing_zeros());
                self.b.ins().iadd(t, x)
            }
            _ if (m + 1).is_power_of_two() => {
                let t = shl(self, x, (m + 1).trailing_zeros());
                self.b.ins().isub(t, x)
            }
            _ => return self.per_lane(x, |l, v| l.b.ins().imul_imm_s(v, c)),
        };
        // m * x wraps like c * x; -(m * x) is c * x for c < 0 (also for
        // c == i64::MIN, where m * x is x << 63).
        if c < 0 { self.b.ins().ineg(r) } else { r }
    }

    /// An integer constant of dtype `d` in the current mode.
    fn int_const(&mut self, d: DType, c: i64) -> Value {
        let s = if d == DType::Int32 { Scalar::Int32(c as i32) } else { Scalar::Int64(c) };
        self.konst(s)
    }

    /// `f` applied to each lane of the vector `v` in scalar mode.
    fn per_lane(&mut self, v: Value, f: impl Fn(&mut Self, Value) -> Value) -> Value {
        let lanes = self.b.func.dfg.value_type(v).lane_count();
        let mode = std::mem::replace(&mut self.mode, Mode::Scalar);
        let mut acc = v;
        for l in 0..lanes as u8 {
            let x = self.b.ins().extractlane(v, l);
            let y = f(self, x);
            acc = self.b.ins().insertlane(acc, y, l);
        }
        self.mode = mode;
        acc
    }

    /// Integer `//`, `%` and `fmod` ([`crate::ops::int_floor_div`],
    /// [`crate::ops::int_mod`], `wrapping_rem`) without trapping: the
    /// divisor given to `sdiv`/`srem` is never 0 or -1 (those are
    /// substituted by 1 and handled with selects).
    fn int_div(&mut self, d: DType, a: Value, b: Value, kind: DivKind) -> Value {
        let zero = self.num(d, 0.0);
        let one = self.num(d, 1.0);
        let mone = self.num(d, -1.0);
        let is_zero = self.b.ins().icmp(IntCC::Equal, b, zero);
        let is_mone = self.b.ins().icmp(IntCC::Equal, b, mone);
        let special = self.b.ins().bor(is_zero, is_mone);
        let safe = self.b.ins().select(special, one, b);
        // With b == -1: quotient -a (wrapping: MIN // -1 == MIN), remainder 0.
        let r0 = self.b.ins().srem(a, safe);
        let r = self.b.ins().select(is_mone, zero, r0);
        let res = match kind {
            DivKind::Rem => r,
            DivKind::Floor | DivKind::Mod => {
                // Adjust when the remainder is non-zero and its sign differs
                // from the divisor's.
                let nz = self.b.ins().icmp(IntCC::NotEqual, r, zero);
                let x = self.b.ins().bxor(r, b);
                let differ = self.b.ins().icmp(IntCC::SignedLessThan, x, zero);
                let adjust = self.b.ins().band(nz, differ);
                if kind == DivKind::Floor {
                    let q0 = self.b.ins().sdiv(a, safe);
                    let neg = self.b.ins().ineg(a);
                    let q = self.b.ins().select(is_mone, neg, q0);
                    let qm1 = self.b.ins().iadd(q, mone);
                    self.b.ins().select(adjust, qm1, q)
                } else {
                    let rb = self.b.ins().iadd(r, b);
                    self.b.ins().select(adjust, rb, r)
                }
            }
        };
        self.b.ins().select(is_zero, zero, res)
    }
}

/// The magic multiplier and shift of a signed 32-bit division by `d`,
/// 2 <= |d| < 2^31 (Hacker's Delight, 2nd ed., figure 10-1).
fn magic_s32(d: i32) -> (i32, u32) {
    const TWO31: u32 = 0x8000_0000;
    let ad = d.unsigned_abs();
    let t = TWO31 + ((d as u32) >> 31);
    let anc = t - 1 - t % ad;
    let mut p = 31;
    let (mut q1, mut r1) = (TWO31 / anc, TWO31 - (TWO31 / anc) * anc);
    let (mut q2, mut r2) = (TWO31 / ad, TWO31 - (TWO31 / ad) * ad);
    loop {
        p += 1;
        q1 = q1.wrapping_mul(2);
        r1 = r1.wrapping_mul(2);
        if r1 >= anc {
            q1 = q1.wrapping_add(1);
            r1 = r1.wrapping_sub(anc);
        }
        q2 = q2.wrapping_mul(2);
        r2 = r2.wrapping_mul(2);
        if r2 >= ad {
            q2 = q2.wrapping_add(1);
            r2 = r2.wrapping_sub(ad);
        }
        let delta = ad - r2;
        if !(q1 < delta || (q1 == delta && r1 == 0)) {
            break;
        }
    }
    let m = q2.wrapping_add(1) as i32;
    (if d < 0 { m.wrapping_neg() } else { m }, p - 32)
}

/// The divisor of an integer `//`, `%` or `fmod` node, if it is a
/// constant (a literal, or a fill of one).
fn const_divisor(p: &Program, n: &Node) -> Option<i64> {
    const_int(p, *n.args.get(1)?)
}

/// The value of node `id` if it is an integer constant (a literal, or a
/// fill of one).
fn const_int(p: &Program, id: NodeId) -> Option<i64> {
    match p.node(id).op {
        NodeOp::Const(Scalar::Int32(c)) | NodeOp::Fill(Scalar::Int32(c)) => Some(c as i64),
        NodeOp::Const(Scalar::Int64(c)) | NodeOp::Fill(Scalar::Int64(c)) => Some(c),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DivKind {
    Floor,
    Mod,
    Rem,
}
