//! The loop skeletons of a stage's function: the prologue (parameters,
//! array base pointers, every 0-d node once), the vector and scalar loops
//! of the element function ([`Lowerer::build`]), the leaf folds of a fused
//! reduction ([`Lowerer::build_leaves`]), the epilogue reporting a failed
//! node, and the stores of results (and loads of bool arrays as lane
//! masks).
//!
//! Layout of the element function:
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
//! Bool array inputs are loaded in the vector loop as `lanes` bytes and
//! widened to masks (`pmovzx*`, then negated); a bool result is stored as
//! one byte (0/1) per lane: the lanes' sign bits (`movmskpd`/`movmskps`)
//! spread to one bit per byte by a multiply (2 or 4 bytes stored), or the
//! mask `& 1` for 16 one-byte lanes.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, InstBuilder, Value, types};
use cranelift_frontend::Variable;

use super::lowering::{Fold, VectorShape, register_width};
use super::{LResult, Lowerer, Mode, lane_cast, mem, ty, vmem};
use crate::dtype::{DType, Scalar};
use crate::ir::{NodeOp, Shape};
use crate::jit::plan::Stage;

impl Lowerer<'_, '_> {
    /// The entry block: the function's parameters (returned), the error
    /// variable, the element index variable (returned, set to `start`), the
    /// base pointers of the array leaves and every 0-d node, once.
    pub(super) fn prologue(&mut self, stage: &Stage) -> LResult<(Vec<Value>, Variable)> {
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
    pub(super) fn enter_vector(&mut self, stage: &Stage, v: VectorShape) -> LResult<()> {
        let width = v.width;
        self.mode = v.into();
        for &id in &stage.nodes {
            let n = self.p.node(id);
            // (A 0-d complex value is never used in the vector loop: it
            // has no vector form.)
            if n.shape() == Shape::Scalar && !n.dtype.is_complex() && (n.dtype == DType::Bool || register_width(n.dtype) as u32 == width) {
                let v = self.val_in(Mode::Scalar, id)?;
                let s = self.splat(n.dtype, v);
                self.vvals[id.index()] = Some(s);
            }
        }
        Ok(())
    }

    /// Ends the function at `exit` (not yet switched to): if a node failed,
    /// `*status = min(*status or ∞, err + 1)`; return.
    pub(super) fn epilogue(&mut self, exit: Block, status: Value) {
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

    /// The [`Form::Elements`](super::Form::Elements) function.
    pub(super) fn build(&mut self, stage: &Stage, vector: Option<VectorShape>, unroll: u32) -> LResult<()> {
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
        if let Some(v) = vector {
            let lanes = v.lanes;
            self.enter_vector(stage, v)?;
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

    /// The [`Form::Leaves`](super::Form::Leaves) function of a reduction
    /// stage that vectorises as `v`: for each leaf `k` of `len`, the `sizes[k]` elements from
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
    /// (`ops::reduce::pairwise_sum`):
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
    pub(super) fn build_leaves(&mut self, stage: &Stage, v: VectorShape, fold: Fold, unroll: u32) -> LResult<()> {
        let (params, iv) = self.prologue(stage)?;
        let [_, out, _, _, nleaves, status, sizes] = params[..] else {
            return Err("kernel signature".into());
        };
        let lanes = v.lanes;
        let rd = self.p.node(stage.root).dtype;
        // Integer sums of narrower lanes widen to int64 lanes.
        let wide = fold == Fold::Sum && rd.size() < 8;
        self.enter_vector(stage, v)?;
        // The scalar result type, the accumulators' start, and the vectors
        // of elements per group.
        let (st, identity, copies) = match (fold, rd) {
            (Fold::Pairwise, DType::Float32 | DType::Float64) if lanes > 0 && 8 % lanes == 0 => {
                let nz = Scalar::Float64(-0.0).cast(rd);
                (ty(rd), self.konst(nz), 8 / lanes)
            }
            (Fold::Sum, d) if d.is_int() => {
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
        let per = if wide && rd.size() == 4 { 2 } else { 1 };
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
            let parts = match (wide, rd.size()) {
                (false, _) => vec![x],
                (true, 4) if rd.is_unsigned() => vec![self.b.ins().uwiden_low(x), self.b.ins().uwiden_high(x)],
                (true, 4) => vec![self.b.ins().swiden_low(x), self.b.ins().swiden_high(x)],
                // 8- and 16-bit lanes: the two halves widened and added,
                // until int64 lanes (exact: a sum of 2^k w-bit values
                // fits in w + k bits).
                (true, _) => vec![self.widen_sum(x, rd.is_unsigned())],
            };
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
        let x = match (wide, rd.is_unsigned()) {
            (false, _) => x,
            (true, true) => self.b.ins().uextend(types::I64, x),
            (true, false) => self.b.ins().sextend(types::I64, x),
        };
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
    /// The lanes of an integer vector summed pairwise into an `I64X2`: its
    /// low and high halves widened (by sign or with zeros) and added, until
    /// the lanes are 64-bit.
    fn widen_sum(&mut self, x: Value, unsigned: bool) -> Value {
        let mut v = x;
        while self.b.func.dfg.value_type(v).lane_bits() < 64 {
            let (lo, hi) = if unsigned {
                (self.b.ins().uwiden_low(v), self.b.ins().uwiden_high(v))
            } else {
                (self.b.ins().swiden_low(v), self.b.ins().swiden_high(v))
            };
            v = self.b.ins().iadd(lo, hi);
        }
        v
    }

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
    pub(super) fn guard(&mut self, iv: Variable, end: Value, step: i64, body: Block, next: Block) {
        let i = self.b.use_var(iv);
        let left = self.b.ins().isub(end, i);
        let ok = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, left, step);
        self.b.ins().brif(ok, body, &[], next, &[]);
    }

    /// The bottom of a loop over `i`: `iv = i + step`, then back to `body`
    /// if another `step` elements are left, else on to `next`.
    pub(super) fn bottom_test(&mut self, iv: Variable, i: Value, end: Value, step: i64, body: Block, next: Block) {
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
    pub(super) fn store(&mut self, roots: &[Value], root: DType, outb: Value, i: Value, size: i64) {
        let off = self.b.ins().imul_imm_u(i, size);
        let addr = self.b.ins().iadd(outb, off);
        match self.mode {
            Mode::Vector { width, .. } if root == DType::Bool => self.store_masks(roots, width, addr),
            Mode::Vector { .. } if root.is_complex() => {
                // Each copy's elements are two vectors: the interleaved
                // parts (`lower_op.rs`), the second kept aside.
                let his = std::mem::take(&mut self.root_hi);
                for (k, (&lo, &hi)) in roots.iter().zip(&his).enumerate() {
                    self.b.ins().store(vmem(), lo, addr, k as i32 * 32);
                    self.b.ins().store(vmem(), hi, addr, k as i32 * 32 + 16);
                }
            }
            Mode::Vector { .. } if root == DType::Float16 => {
                // Four halves (8 bytes) per vector.
                for (k, &r) in roots.iter().enumerate() {
                    self.store_halves(r, addr, k as i32 * 8);
                }
            }
            Mode::Vector { .. } => {
                for (k, &r) in roots.iter().enumerate() {
                    self.b.ins().store(vmem(), r, addr, k as i32 * 16);
                }
            }
            Mode::Scalar if root == DType::Float16 => {
                let h = self.f32_to_half(roots[0]);
                self.b.ins().store(mem(), h, addr, 0);
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
    pub(super) fn store_masks(&mut self, masks: &[Value], width: u32, addr: Value) {
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

    /// Loads the bools at element `i + off` of array leaf `k` (its position
    /// in the input-pointer array) as lane
    /// masks of the current vector mode: `lanes` bytes (0/1), widened to
    /// the lane width and negated (0/1 → 0/all ones).
    pub(super) fn load_bool_mask(&mut self, k: usize) -> LResult<Value> {
        let base = self.bases[k].ok_or("internal error: input base pointer not loaded")?;
        let addr = self.elem_addr(base, DType::Bool)?;
        self.load_bool_mask_at(addr, self.off as i32)
    }

    /// Loads the bools (one byte each, 0/1) at `addr + off` as lane masks
    /// of the current vector mode (see [`Lowerer::load_bool_mask`]).
    pub(super) fn load_bool_mask_at(&mut self, addr: Value, off: i32) -> LResult<Value> {
        let Mode::Vector { lanes, width } = self.mode else { return Err("internal error: mask load in the scalar loop".into()) };
        let bytes = match lanes {
            16 => self.b.ins().load(types::I8X16, vmem(), addr, off),
            8 => {
                let w = self.b.ins().load(types::I64, vmem(), addr, off);
                let v = self.b.ins().scalar_to_vector(types::I64X2, w);
                self.b.ins().bitcast(types::I8X16, lane_cast(), v)
            }
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
}
