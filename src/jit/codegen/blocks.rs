//! Blocked stages: a stage whose array nodes call functions of
//! [`crate::vmath`] (or change the register width: `int32` to `float64`,
//! `float32` to `float64`...) runs in blocks of at most
//! [`Blocked::block`] elements, and each such node calls its block
//! function once per block, between loops that keep the arithmetic in
//! registers ([`BlockFn`] lists the calls).
//!
//! Every array node of the stage gets a *phase*. A function node's phase
//! is one more than the latest phase of its operands; it is called at the
//! start of its phase, on the whole block. Every other computed node is
//! placed in the latest phase its users allow (as late as possible: values
//! stay in registers where they are used): a function's operand in the
//! phase before the call, else the earliest phase of its users; the root
//! in the last phase. Inputs and fills are loaded again in each phase that
//! reads them. A value that crosses phases (a function's operand or
//! result, or a node used in a later phase) goes through a scratch buffer
//! of the block's length in the function's stack frame, stored by the loop
//! that computes it (or written by the call) and loaded by the loops that
//! use it; an array input that a function takes as it is (same dtype) is
//! passed to the call in place.
//!
//! ```text
//! entry:  (prologue: base pointers, 0-d nodes); b = start
//! block:  n = min(end - b, block); n == 0 ? exit : phases
//!         phase 0 loop over b..b+n: nodes of phase 0; scratch stores
//!         calls of phase 1: f(scratch or input at b, ..., scratch out, n)
//!         phase 1 loop: scratch loads; nodes of phase 1; scratch stores
//!         ...
//!         last phase loop: ...; out[i - start] = root
//!         b += n; jump block
//! ```
//!
//! Each phase's loop is vectorised on its own (its nodes decide, as a
//! whole stage's do: [`vector_shape`](super::vector_shape)'s rules), with
//! the scalar loop as its tail, so a stage mixing widths across a call
//! (`sin(float32(a)) + b` with float64 `b`) still vectorises where it can.
//! Each level of calls has two phases: a pre-phase, where a comparison
//! whose operands' width differs from the rest of its phase is moved (with
//! its computed operands), and the main one. That also blocks stages
//! without calls that mix widths only through comparisons (`where(i8 > 0,
//! x, y)` with float64 `x`, NumPy's exact `uint64 < int8`), when every
//! phase then vectorises; otherwise such a stage keeps its scalar loop.
//!
//! float16 values are float32 in registers and in scratch; a float16
//! function node calls the float32 block function through a trampoline
//! that rounds each result to half (`helpers::vblock`), as the
//! interpreter rounds `sin(float16)` once.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{AbiParam, InstBuilder, StackSlotData, StackSlotKind, Value, types};
use cranelift_module::{Linkage, Module};

use super::lowering::{BlockFn, Lowering, VectorShape, lowering, operand_dtype, register_width};
use super::{LResult, Lowerer, Mode, mem, vmem};
use crate::dtype::DType;
use crate::ir::{NodeId, NodeOp, Program, Shape};
use crate::jit::helpers;
use crate::jit::plan::Stage;
use crate::vmath;

/// Largest block, in elements. Measured on 2026-12-06 (AMD EPYC, AVX-512,
/// n = 1e7 on 2 threads, `numjet bench`): 512 beat 256, 1,024 and 2,048
/// on each of `sin(a)**2 + cos(b)**2` (float64 and float32),
/// `exp(-a*a/2)` and `log1p(abs(a)) * tanh(b)`, by 10–25% over 1,024 in
/// two alternating runs (one block's buffers stay in L1 with room for
/// the function's own data).
const MAX_BLOCK: u32 = 512;
/// Smallest block, in elements: below it the calls' overhead dominates;
/// a stage that would need smaller blocks is not blocked.
const MIN_BLOCK: u32 = 64;
/// Most bytes of scratch buffers in a blocked stage's frame.
pub(in crate::jit) const MAX_SCRATCH: u32 = 64 * 1024;

/// How a blocked stage runs (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::jit) struct Blocked {
    /// Elements per block (a power of two).
    pub block: u32,
    pub phases: Vec<Phase>,
    /// The scratch buffer of each node that has one, by node index.
    pub buffer: Vec<Option<u32>>,
    /// Bytes per element of each scratch buffer.
    pub buffers: Vec<u32>,
}

/// One phase of a blocked stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::jit) struct Phase {
    /// Function nodes called (on the whole block) before the loop.
    pub calls: Vec<NodeId>,
    /// The array nodes the loop lowers, in topological order: the inputs
    /// and fills it reads, the nodes it loads from scratch and the nodes
    /// it computes.
    pub nodes: Vec<NodeId>,
    /// The nodes among `nodes` that are loaded from scratch.
    pub loads: Vec<NodeId>,
    /// The nodes whose values the loop stores to scratch (0-d nodes among
    /// them: a function's operand broadcast over the block).
    pub stores: Vec<NodeId>,
    /// The loop's vector shape, if its nodes allow one.
    pub vector: Option<VectorShape>,
}

/// Bytes per element of a node of dtype `d` in scratch: its register
/// width (float16 is float32), bools one byte (0/1).
fn scratch_size(d: DType) -> u32 {
    if d == DType::Bool { 1 } else { register_width(d) as u32 }
}

/// Whether node `id` is an array leaf: an input, an axis reduction
/// computed by an earlier stage, or a fill; read again wherever used.
fn is_leaf(p: &Program, id: NodeId) -> bool {
    let n = p.node(id);
    n.shape() == Shape::Array && matches!(n.op, NodeOp::Input(_) | NodeOp::ReduceAxis(..) | NodeOp::Fill(_))
}

/// Whether a call takes array leaf `a` in place: an input read through
/// the pointer array whose dtype is the call's operand dtype and whose
/// memory is its register form (not float16, which is float32 in
/// registers and scratch).
fn in_place(p: &Program, a: NodeId, operand: DType) -> bool {
    let n = p.node(a);
    matches!(n.op, NodeOp::Input(_) | NodeOp::ReduceAxis(..)) && n.shape() == Shape::Array && n.dtype == operand && operand != DType::Float16
}

/// What node `id` calls per block, if a blocked stage calls it.
pub(in crate::jit) fn block_call(p: &Program, id: NodeId) -> Option<BlockFn> {
    match lowering(p, p.node(id)) {
        Lowering::Block(f) => Some(f),
        _ => None,
    }
}

/// The dtype of a call node's operands.
fn call_operand(p: &Program, id: NodeId) -> DType {
    let n = p.node(id);
    match n.op {
        NodeOp::Op(op) => operand_dtype(p, n, op),
        _ => p.node(n.args[0]).dtype,
    }
}

/// The blocked form of a stage computing `nodes` (topological order) and
/// storing `root`: if it calls a function per block and its scratch fits,
/// or if it mixes register widths (which a whole-stage vector loop cannot)
/// and splitting its comparisons into a phase of their own vectorises every
/// phase.
///
/// `vectorises`: whether the whole stage has a vector shape
/// ([`vector_shape`](super::vector_shape), which the plan computed).
pub(in crate::jit) fn blocked(p: &Program, root: NodeId, nodes: &[NodeId], vectorises: bool) -> Option<Blocked> {
    let pos = |id: NodeId| nodes.binary_search(&id).ok();
    // Every node of the stage is computed, even one only a fill's shape
    // depends on (`fill False like w ** w`): its runtime errors count, as
    // in the interpreter.
    let calls: Vec<bool> = nodes.iter().map(|&id| block_call(p, id).is_some()).collect();
    if p.node(root).shape() != Shape::Array {
        return None;
    }
    let any_call = calls.iter().any(|&c| c);
    if !any_call && vectorises {
        return None;
    }
    let array = |id: NodeId| p.node(id).shape() == Shape::Array;
    // Level of each node: the number of calls on its longest path from
    // the leaves (0 for leaves and 0-d nodes). A level L has two phases:
    // 2L (a pre-phase, for comparisons split off, below) and 2L + 1; the
    // calls of level L run before phase 2L.
    let mut level = vec![0u32; nodes.len()];
    for (k, &id) in nodes.iter().enumerate() {
        if !array(id) || is_leaf(p, id) {
            continue;
        }
        let n = p.node(id);
        let top = n.args.iter().filter_map(|&a| pos(a)).map(|j| level[j]).max().unwrap_or(0);
        level[k] = if calls[k] { top + 1 } else { top };
    }
    // The last phase stores the root; nodes only a fill depends on may be
    // of a later level than the root's.
    let last_level = level.iter().copied().max().unwrap_or(0);
    let last = 2 * last_level + 1;
    // Phase of each computed node: as late as its users allow.
    let mut phase: Vec<u32> = level.iter().map(|&l| 2 * l + 1).collect();
    let mut want = vec![u32::MAX; nodes.len()];
    want[pos(root)?] = last;
    for k in (0..nodes.len()).rev() {
        let id = nodes[k];
        if !array(id) {
            continue;
        }
        let computed = !calls[k] && !is_leaf(p, id);
        if computed {
            phase[k] = want[k].min(last).max(2 * level[k] + 1);
        }
        // A call's operands are ready by the end of the level before.
        let user_phase = if calls[k] { 2 * level[k] - 1 } else { phase[k] };
        if !computed && !calls[k] {
            continue;
        }
        for &a in &p.node(id).args {
            if let Some(j) = pos(a) {
                want[j] = want[j].min(user_phase);
            }
        }
    }
    // A comparison (or predicate) whose operands are narrower or wider
    // than the other values of its phase would keep that phase from
    // vectorising (`int8 < 0` beside `uint64 < uint64`, NumPy's exact
    // mixed-sign compare; an int8 condition of a float64 `where`): it runs
    // in the pre-phase of its level instead, with its computed operands,
    // and its bools cross to the later phase in scratch.
    let computed = |k: usize| array(nodes[k]) && !calls[k] && !is_leaf(p, nodes[k]);
    let operand_widths = |k: usize| -> Vec<usize> {
        p.node(nodes[k]).args.iter().filter(|&&a| array(a) && p.node(a).dtype != DType::Bool).map(|&a| register_width(p.node(a).dtype)).collect()
    };
    let mut widths: Vec<Vec<usize>> = vec![vec![]; last as usize + 1];
    for k in (0..nodes.len()).filter(|&k| computed(k)) {
        let w = &mut widths[phase[k] as usize];
        w.extend(operand_widths(k));
        if p.node(nodes[k]).dtype != DType::Bool {
            w.push(register_width(p.node(nodes[k]).dtype));
        }
    }
    let root_at = pos(root)?;
    for k in (0..nodes.len()).rev() {
        // The root stays in the last phase, which stores it.
        if k == root_at || !computed(k) || p.node(nodes[k]).dtype != DType::Bool || phase[k] == 2 * level[k] {
            continue;
        }
        let own = operand_widths(k);
        let Some(&w) = own.first() else { continue };
        if own.iter().any(|&x| x != w) || widths[phase[k] as usize].iter().all(|&x| x == w) {
            continue;
        }
        // Move it, and its computed operands (transitively), to the
        // pre-phase of its level.
        let to = 2 * level[k];
        let mut stack = vec![k];
        while let Some(j) = stack.pop() {
            // Its widths leave its old phase (so a second comparison of
            // the phase may then fit and stay).
            if phase[j] > to {
                let mut own = operand_widths(j);
                if p.node(nodes[j]).dtype != DType::Bool {
                    own.push(register_width(p.node(nodes[j]).dtype));
                }
                let old = &mut widths[phase[j] as usize];
                for w in &own {
                    if let Some(i) = old.iter().position(|x| x == w) {
                        old.swap_remove(i);
                    }
                }
                widths[to as usize].extend(own);
            }
            phase[j] = phase[j].min(to);
            for &a in &p.node(nodes[j]).args {
                if let Some(i) = pos(a)
                    && computed(i)
                    && phase[i] > to
                {
                    stack.push(i);
                }
            }
        }
    }
    let mut phases: Vec<Phase> =
        (0..=last).map(|_| Phase { calls: vec![], nodes: vec![], loads: vec![], stores: vec![], vector: None }).collect();
    let mut buffer = vec![None; p.nodes().len()];
    let mut buffers = Vec::new();
    let mut give = |id: NodeId, buffer: &mut Vec<Option<u32>>| {
        if buffer[id.index()].is_none() {
            buffer[id.index()] = Some(buffers.len() as u32);
            buffers.push(scratch_size(p.node(id).dtype));
        }
    };
    // Membership per phase, then sorted lists.
    let mut uses: Vec<Vec<NodeId>> = vec![vec![]; phases.len()];
    for (k, &id) in nodes.iter().enumerate() {
        if !array(id) {
            continue;
        }
        if calls[k] {
            let at = 2 * level[k] as usize;
            phases[at].calls.push(id);
            give(id, &mut buffer);
            let operand = call_operand(p, id);
            for &a in &p.node(id).args {
                let j = pos(a)?;
                if array(a) && in_place(p, a, operand) || calls[j] {
                    continue;
                }
                // Stored by the phase before the call (0-d operands and
                // leaves: there; computed nodes: in their own phase).
                let from = if array(a) && !is_leaf(p, a) { phase[j] } else { 2 * level[k] - 1 };
                give(a, &mut buffer);
                phases[from as usize].stores.push(a);
                if array(a) {
                    uses[from as usize].push(a);
                }
            }
        } else if !is_leaf(p, id) {
            let at = phase[k] as usize;
            uses[at].push(id);
            for &a in &p.node(id).args {
                let Some(j) = pos(a) else { continue };
                if !array(a) {
                    continue;
                }
                if calls[j] || (!is_leaf(p, a) && phase[j] < phase[k]) {
                    // From scratch.
                    give(a, &mut buffer);
                    phases[at].loads.push(a);
                    if !calls[j] {
                        phases[phase[j] as usize].stores.push(a);
                    }
                }
                uses[at].push(a);
            }
        }
    }
    if calls[pos(root)?] {
        phases[last as usize].loads.push(root);
        uses[last as usize].push(root);
    } else if is_leaf(p, root) {
        // A fill (of a shape a call's result gives).
        uses[last as usize].push(root);
    }
    for (ph, mut u) in phases.iter_mut().zip(uses) {
        for list in [&mut u, &mut ph.loads, &mut ph.stores, &mut ph.calls] {
            list.sort_unstable();
            list.dedup();
        }
        ph.nodes = u;
    }
    // Vector shapes.
    for ph in &mut phases {
        ph.vector = phase_shape(p, ph);
    }
    // Without calls, blocking only pays if it vectorises every loop.
    if !any_call && !phases.iter().all(|ph| ph.vector.is_some() || (ph.nodes.is_empty() && ph.stores.is_empty())) {
        return None;
    }
    let per: u32 = buffers.iter().sum();
    let mut block = MAX_BLOCK;
    while block > MIN_BLOCK && per.saturating_mul(block) > MAX_SCRATCH {
        block /= 2;
    }
    if per.saturating_mul(block) > MAX_SCRATCH {
        return None;
    }
    Some(Blocked { block, phases, buffer, buffers })
}

/// The vector shape of a phase's loop: one lane width for every non-bool
/// value it touches (nodes, loads, stored 0-d operands), and every node it
/// computes lowering to vector instructions.
fn phase_shape(p: &Program, ph: &Phase) -> Option<VectorShape> {
    let mut width = None;
    let touched = ph.nodes.iter().chain(ph.stores.iter());
    for &id in touched {
        let n = p.node(id);
        // A complex input in the vector loop only gives its parts
        // (`lowering`'s `is_part_load`), a complex result is its parts
        // interleaved: no width of their own. Any other complex value
        // (a 0-d operand a call takes from scratch, a complex scratch
        // load) has no vector form: the phase keeps its scalar loop.
        if n.dtype.is_complex() {
            let vector_form = matches!(n.op, NodeOp::Input(_) | NodeOp::Op(crate::ops::Op::ComplexNew)) && n.shape() == Shape::Array && lowering(p, n).vectorises();
            if !vector_form {
                return None;
            }
            continue;
        }
        if n.dtype != DType::Bool {
            let w = register_width(n.dtype);
            if *width.get_or_insert(w) != w {
                return None;
            }
        }
        let loaded = ph.loads.binary_search(&id).is_ok();
        if n.shape() == Shape::Array && !loaded && !lowering(p, n).vectorises() {
            return None;
        }
    }
    let width = width.unwrap_or(1) as u32;
    Some(VectorShape { lanes: 16 / width, width })
}

impl Lowerer<'_, '_> {
    /// The [`Form::Elements`](super::Form::Elements) function of a blocked
    /// stage (see the module docs).
    pub(super) fn build_blocked(&mut self, stage: &Stage, bl: &Blocked, vectorise: bool, unroll: u32, level: vmath::Level) -> LResult<()> {
        let (params, iv) = self.prologue(stage)?;
        let [_, out, _, start, len, status] = params[..] else {
            return Err("kernel signature".into());
        };
        let ptr = self.ptr;
        let end = self.b.ins().iadd(start, len);
        let root_dtype = self.p.node(stage.root).dtype;
        let size = root_dtype.size() as i64;
        let skip = self.b.ins().imul_imm_u(start, size);
        let outb = self.b.ins().isub(out, skip);
        // The scratch buffers, in the frame, 64-byte aligned.
        let mut slots = Vec::with_capacity(bl.buffers.len());
        for &esize in &bl.buffers {
            let ss = self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, esize * bl.block, 6));
            slots.push(self.b.ins().stack_addr(ptr, ss, 0));
        }
        let bv = self.b.declare_var(ptr);
        self.b.def_var(bv, start);
        let head = self.b.create_block();
        let body = self.b.create_block();
        let exit = self.b.create_block();
        self.b.ins().jump(head, &[]);

        // head: n = min(end - b, block); n == 0 ? exit : body
        self.b.switch_to_block(head);
        let b0 = self.b.use_var(bv);
        let left = self.b.ins().isub(end, b0);
        let any = self.b.ins().icmp_imm_u(IntCC::NotEqual, left, 0);
        self.b.ins().brif(any, body, &[], exit, &[]);

        self.b.switch_to_block(body);
        self.b.seal_block(body);
        let cap = self.b.ins().iconst(ptr, bl.block as i64);
        let n = self.b.ins().umin(left, cap);
        let bend = self.b.ins().iadd(b0, n);
        // Scratch element `i` (absolute index) of buffer j is at
        // `slots[j] + (i - b0) * esize`: a base per buffer and block.
        let mut sbase = Vec::with_capacity(slots.len());
        for (j, &esize) in bl.buffers.iter().enumerate() {
            let skip = self.b.ins().imul_imm_u(b0, esize as i64);
            sbase.push(self.b.ins().isub(slots[j], skip));
        }
        let nphases = bl.phases.len();
        for (k, ph) in bl.phases.iter().enumerate() {
            for &c in &ph.calls {
                self.call_block(c, bl, &slots, b0, n, level)?;
            }
            let is_last = k + 1 == nphases;
            if ph.nodes.is_empty() && ph.stores.is_empty() && !is_last {
                continue;
            }
            // The loop over b0..bend.
            for &id in &ph.loads {
                let j = bl.buffer[id.index()].ok_or("internal error: load without a buffer")? as usize;
                self.scratch[id.index()] = Some(sbase[j]);
            }
            self.b.def_var(iv, b0);
            let scalar = self.b.create_block();
            let done = self.b.create_block();
            if let Some(v) = ph.vector.filter(|_| vectorise) {
                self.enter_vector(stage, v)?;
                let step = v.lanes as i64 * unroll as i64;
                let vbody = self.b.create_block();
                self.guard(iv, bend, step, vbody, scalar);
                self.b.switch_to_block(vbody);
                let i = self.b.use_var(iv);
                let mut roots = Vec::new();
                for u in 0..unroll as i64 {
                    let r = self.phase_elements(ph, stage.root, is_last, bl, &sbase, i, u * v.lanes as i64)?;
                    roots.extend(r);
                }
                if is_last {
                    self.store(&roots, root_dtype, outb, i, size);
                }
                self.bottom_test(iv, i, bend, step, vbody, scalar);
                self.b.seal_block(vbody);
                self.mode = Mode::Scalar;
            } else {
                self.b.ins().jump(scalar, &[]);
            }
            self.b.switch_to_block(scalar);
            self.b.seal_block(scalar);
            let sbody = self.b.create_block();
            self.guard(iv, bend, 1, sbody, done);
            self.b.switch_to_block(sbody);
            let i = self.b.use_var(iv);
            let r = self.phase_elements(ph, stage.root, is_last, bl, &sbase, i, 0)?;
            if is_last {
                self.store(&r, root_dtype, outb, i, size);
            }
            self.bottom_test(iv, i, bend, 1, sbody, done);
            self.b.seal_block(sbody);
            self.b.switch_to_block(done);
            self.b.seal_block(done);
            for &id in &ph.loads {
                self.scratch[id.index()] = None;
            }
        }
        self.b.def_var(bv, bend);
        self.b.ins().jump(head, &[]);
        self.b.seal_block(head);
        self.epilogue(exit, status);
        Ok(())
    }

    /// One copy of a phase's loop body, for the element(s) at `i + off`:
    /// its nodes (loads from scratch among them), then its stores to
    /// scratch; returns the root's value if this is the last phase.
    #[allow(clippy::too_many_arguments)]
    fn phase_elements(
        &mut self,
        ph: &Phase,
        root: NodeId,
        is_last: bool,
        bl: &Blocked,
        sbase: &[Value],
        i: Value,
        off: i64,
    ) -> LResult<Vec<Value>> {
        self.i = Some(i);
        self.off = off;
        // Values of array nodes from other phases or copies are never
        // reused: each phase lowers every node it uses.
        for &id in &ph.nodes {
            self.vals[id.index()] = None;
            self.vvals[id.index()] = None;
        }
        for &id in &ph.nodes {
            self.lower(id)?;
        }
        for &id in &ph.stores {
            let j = bl.buffer[id.index()].ok_or("internal error: store without a buffer")? as usize;
            let v = self.val(id)?;
            self.store_scratch(v, self.p.node(id).dtype, sbase[j], bl.buffers[j])?;
        }
        Ok(if is_last { vec![self.val(root)?] } else { vec![] })
    }

    /// Loads node `id`'s value at the current element(s) from the scratch
    /// buffer based at `base` (a float16 function's results there are
    /// rounded to half already, by its trampoline).
    pub(super) fn load_scratch(&mut self, id: NodeId, base: Value) -> LResult<Value> {
        let n = self.p.node(id);
        let d = n.dtype;
        let esize = scratch_size(d) as i64;
        let i = self.i.ok_or("internal error: scratch load outside the loop")?;
        let at = self.b.ins().imul_imm_u(i, esize);
        let addr = self.b.ins().iadd(base, at);
        let off = (self.off * esize) as i32;
        let v = match self.mode {
            Mode::Vector { .. } if d == DType::Bool => self.load_bool_mask_at(addr, off)?,
            Mode::Vector { .. } => {
                let t = self.ty(d);
                self.b.ins().load(t, vmem(), addr, off)
            }
            Mode::Scalar => {
                let t = self.ty(d);
                self.b.ins().load(t, mem(), addr, off)
            }
        };
        Ok(v)
    }

    /// Stores `v` (a value of dtype `d` in the current mode) at the
    /// current element(s) of the scratch buffer based at `base`.
    fn store_scratch(&mut self, v: Value, d: DType, base: Value, esize: u32) -> LResult<()> {
        let i = self.i.ok_or("internal error: scratch store outside the loop")?;
        let at = self.b.ins().imul_imm_u(i, esize as i64);
        let addr = self.b.ins().iadd(base, at);
        let off = self.off * esize as i64;
        match self.mode {
            Mode::Vector { width, .. } if d == DType::Bool => {
                let a = self.b.ins().iadd_imm_u(addr, off);
                self.store_masks(&[v], width, a);
            }
            Mode::Vector { .. } => {
                self.b.ins().store(vmem(), v, addr, off as i32);
            }
            Mode::Scalar => {
                self.b.ins().store(mem(), v, addr, off as i32);
            }
        }
        Ok(())
    }

    /// Calls function node `c`'s block function on the block's `n`
    /// elements from `b0`: operands from scratch or in place, result to
    /// its scratch buffer.
    fn call_block(&mut self, c: NodeId, bl: &Blocked, slots: &[Value], b0: Value, n: Value, level: vmath::Level) -> LResult<()> {
        let node = self.p.node(c);
        let Some(call) = block_call(self.p, c) else { return Err("internal error: not a block call".into()) };
        let operand = call_operand(self.p, c);
        let ptr = self.ptr;
        let mut args = Vec::new();
        for &a in &node.args {
            let v = if self.p.node(a).shape() == Shape::Array && in_place(self.p, a, operand) {
                let k = self.plan.ptr[a.index()].ok_or("internal error: array leaf without a pointer")? as usize;
                let base = self.bases[k].ok_or("internal error: input base pointer not loaded")?;
                let at = self.b.ins().imul_imm_u(b0, operand.size() as i64);
                self.b.ins().iadd(base, at)
            } else {
                let j = bl.buffer[a.index()].ok_or("internal error: operand without a buffer")? as usize;
                slots[j]
            };
            args.push(v);
        }
        let y = args.get(1).copied().unwrap_or(args[0]);
        let j = bl.buffer[c.index()].ok_or("internal error: call without a buffer")? as usize;
        // The trampoline, and its two leading `u32` arguments: the
        // function and level, or the dtypes of a cast.
        let (name, k0, k1) = match call {
            BlockFn::Math(f, _) => (helpers::vblock(operand).0, f.index(), level as u32),
            BlockFn::Cast(from, to) => (helpers::VCAST.0, from as u32, to as u32),
            BlockFn::IntDiv(op, d) => (helpers::VINTDIV.0, op, d as u32),
            BlockFn::Complex(op, d) => (helpers::VCBLOCK.0, op as u32, DType::ALL.iter().position(|&x| x == d).unwrap_or(0) as u32),
        };
        let fref = match self.funcs.get(name) {
            Some(&fr) => fr,
            None => {
                let mut sig = self.module.make_signature();
                sig.params.push(AbiParam::new(types::I32));
                sig.params.push(AbiParam::new(types::I32));
                for _ in 0..4 {
                    sig.params.push(AbiParam::new(ptr));
                }
                let id = self.module.declare_function(name, Linkage::Import, &sig).map_err(|e| e.to_string())?;
                let fr = self.module.declare_func_in_func(id, self.b.func);
                self.funcs.insert(name, fr);
                fr
            }
        };
        let k0 = self.b.ins().iconst(types::I32, k0 as i64);
        let k1 = self.b.ins().iconst(types::I32, k1 as i64);
        self.b.ins().call(fref, &[k0, k1, args[0], y, slots[j], n]);
        Ok(())
    }
}
