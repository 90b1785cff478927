//! One node's instructions in the current [`Mode`]: array loads and 0-d
//! slot loads, constants, casts, helper calls and every elementwise
//! operation, each mirroring its row in `ops.rs`; plus the small value
//! helpers (types, splats, selects, lane views) the loops share.
//!
//! Which of native vector code, native scalar code or a helper call a node
//! gets is [`lowering`]'s answer, read once per node in
//! [`Lowerer::lower`]: a node that may not be in the vector loop is an
//! internal error there (the stage's vector shape, derived from the same
//! answer, excludes it), never a second decision here.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Type, Value, types};
use cranelift_module::{Linkage, Module};

use super::divide::DivKind;
use super::lowering::{BlockFn, Lowering, const_divisor, const_int, is_part_load, lowering, operand_dtype};
use super::{LResult, Lowerer, Mode, lane_cast, mem, mem_ty, ty, vmem};
use crate::dtype::{DType, Kind, Scalar};
use crate::ir::{Node, NodeId, NodeOp, Shape};
use crate::jit::helpers::{self, Helper};
use crate::ops::Op;

/// Operations whose float16 result needs no rounding: they select or
/// move bits of an operand (or compute a bool).
fn exact_on_half(op: Op) -> bool {
    matches!(
        op,
        Op::Neg | Op::Pos | Op::Abs | Op::Copy | Op::Real | Op::Conj | Op::Where | Op::Copysign | Op::Minimum | Op::Maximum | Op::Fmin | Op::Fmax
    )
}

impl Lowerer<'_, '_> {
    /// `v` reinterpreted as the vector type `t` (no-op if it is one).
    pub(super) fn view(&mut self, v: Value, t: Type) -> Value {
        if self.b.func.dfg.value_type(v) == t { v } else { self.b.ins().bitcast(t, lane_cast(), v) }
    }

    /// The type of a dtype's values in the current mode.
    pub(super) fn ty(&self, d: DType) -> Type {
        match self.mode {
            Mode::Scalar => ty(d),
            Mode::Vector { lanes, width } => {
                let lane = if d == DType::Bool { Type::int(width as u16 * 8).unwrap_or(types::I64) } else { ty(d) };
                lane.by(lanes).unwrap_or(lane)
            }
        }
    }

    /// A 0-d value of dtype `d` as a vector of the current mode.
    pub(super) fn splat(&mut self, d: DType, v: Value) -> Value {
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

    /// Lowers node `id` in the current mode as [`lowering`] says and records
    /// its value, checking that the value's Cranelift type is its dtype's
    /// (stores rely on it).
    pub(super) fn lower(&mut self, id: NodeId) -> LResult<()> {
        let n = self.p.node(id);
        if let Some(base) = self.scratch[id.index()] {
            // Computed in an earlier phase of a blocked stage.
            let v = self.load_scratch(id, base)?;
            match self.mode {
                Mode::Scalar => self.vals[id.index()] = Some(v),
                Mode::Vector { .. } => self.vvals[id.index()] = Some(v),
            }
            return Ok(());
        }
        let how = lowering(self.p, n);
        // A complex input has no vector value: its parts load themselves.
        if self.vector() && n.dtype.is_complex() && matches!(n.op, NodeOp::Input(_)) {
            return Ok(());
        }
        // The complex result: its parts interleaved, two vectors, the
        // second kept for `store`.
        if self.vector() && matches!(n.op, NodeOp::Op(Op::ComplexNew)) {
            let (re, im) = (self.val(n.args[0])?, self.val(n.args[1])?);
            let w = n.dtype.part().size() as u8;
            let pairs = 16 / w;
            // Element j of the result: bytes of re[j], then of im[j].
            let mask = |from: u8| -> Vec<u8> {
                (from..from + pairs / 2).flat_map(|j| (0..w).map(move |b| j * w + b).chain((0..w).map(move |b| 16 + j * w + b))).collect()
            };
            let (re8, im8) = (self.view(re, types::I8X16), self.view(im, types::I8X16));
            let lo_mask = self.b.func.dfg.immediates.push(mask(0).into());
            let hi_mask = self.b.func.dfg.immediates.push(mask(pairs / 2).into());
            let lo = self.b.ins().shuffle(re8, im8, lo_mask);
            let hi = self.b.ins().shuffle(re8, im8, hi_mask);
            self.root_hi.push(hi);
            self.vvals[id.index()] = Some(lo);
            return Ok(());
        }
        if self.vector() && !how.vectorises() {
            // `vector_shape` asks the same question: unreachable.
            return Err(format!("internal error: node %{} is not lowered in the vector loop", id.0));
        }
        let v = match (n.op, n.shape(), n.dtype) {
            // Bool array leaves in the vector loop: bytes widened to masks.
            (NodeOp::Input(_) | NodeOp::ReduceAxis(..), Shape::Array, DType::Bool) if self.vector() => {
                let k = self.plan.ptr[id.index()].ok_or("internal error: array leaf without a pointer")? as usize;
                self.load_bool_mask(k)?
            }
            // A float16 operation computes in float32 and rounds once
            // (the ones that only select or move bits are exact already).
            (NodeOp::Op(op), _, DType::Float16) if !exact_on_half(op) => {
                let v = self.node(id, how)?;
                self.round_half(v)
            }
            _ => self.node(id, how)?,
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

    pub(super) fn val_in(&self, mode: Mode, id: NodeId) -> LResult<Value> {
        let v = match mode {
            Mode::Scalar => self.vals[id.index()],
            Mode::Vector { .. } => self.vvals[id.index()],
        };
        v.ok_or_else(|| format!("internal error: node %{} used before it is computed", id.0))
    }

    pub(super) fn val(&self, id: NodeId) -> LResult<Value> {
        self.val_in(self.mode, id)
    }

    pub(super) fn vector(&self) -> bool {
        self.mode != Mode::Scalar
    }

    /// Lowers one node as `how` (its arguments are lowered already).
    fn node(&mut self, id: NodeId, how: Lowering) -> LResult<Value> {
        let n = self.p.node(id);
        Ok(match n.op {
            NodeOp::Input(_) | NodeOp::ReduceAxis(..) => match n.shape() {
                Shape::Array => {
                    let k = self.plan.ptr[id.index()].ok_or("internal error: array leaf without a pointer")? as usize;
                    let base = self.bases[k].ok_or("internal error: input base pointer not loaded")?;
                    let addr = self.elem_addr(base, n.dtype)?;
                    let flags = if self.vector() { vmem() } else { mem() };
                    let off = (self.off * n.dtype.size() as i64) as i32;
                    if n.dtype == DType::Float16 && self.vector() {
                        self.load_halves(addr, off)?
                    } else if n.dtype == DType::Float16 {
                        let h = self.b.ins().load(types::I16, flags, addr, off);
                        self.half_to_f32(h)
                    } else {
                        let t = self.ty(n.dtype);
                        self.b.ins().load(t, flags, addr, off)
                    }
                }
                Shape::Scalar => self.load_slot(id, n.dtype)?,
            },
            NodeOp::Reduce(_) => self.load_slot(id, n.dtype)?,
            NodeOp::Const(s) | NodeOp::Fill(s) => self.konst(s),
            NodeOp::Cast => {
                let a = self.val(n.args[0])?;
                self.cast(a, self.p.node(n.args[0]).dtype, n.dtype)
            }
            NodeOp::Op(op @ (Op::Real | Op::Imag)) if self.vector() && is_part_load(self.p, n) => self.load_part(n.args[0], op == Op::Imag)?,
            NodeOp::Op(op) => self.op(id, n, op, how)?,
        })
    }

    /// One part of the elements of complex array input `z` in the vector
    /// loop: two vectors of the interleaved parts, shuffled to every other
    /// lane (lanes 0 and 2 of `[re, im, re, im]`... for the real part).
    fn load_part(&mut self, z: NodeId, imag: bool) -> LResult<Value> {
        let d = self.p.node(z).dtype;
        let k = self.plan.ptr[z.index()].ok_or("internal error: array leaf without a pointer")? as usize;
        let base = self.bases[k].ok_or("internal error: input base pointer not loaded")?;
        let addr = self.elem_addr(base, d)?;
        let off = (self.off * d.size() as i64) as i32;
        let vt = self.ty(d.part());
        let lo = self.b.ins().load(vt, vmem(), addr, off);
        let hi = self.b.ins().load(vt, vmem(), addr, off + 16);
        let w = d.part().size() as u8;
        // Bytes of the wanted part of each element: element j of the pair
        // of vectors is at byte 2 j w (+ w for the imaginary part).
        let mask: Vec<u8> = (0..16 / w).flat_map(|j| (0..w).map(move |b| 2 * j * w + b + if imag { w } else { 0 })).collect();
        let imm = self.b.func.dfg.immediates.push(mask.into());
        let (lo8, hi8) = (self.view(lo, types::I8X16), self.view(hi, types::I8X16));
        let v = self.b.ins().shuffle(lo8, hi8, imm);
        Ok(self.view(v, vt))
    }

    pub(super) fn elem_addr(&mut self, base: Value, d: DType) -> LResult<Value> {
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
        let v = self.b.ins().load(mem_ty(d), mem(), scalars, (slot * 8) as i32);
        Ok(if d == DType::Float16 { self.half_to_f32(v) } else { v })
    }

    /// A constant of the current mode.
    pub(super) fn konst(&mut self, s: Scalar) -> Value {
        let v = match s {
            Scalar::Float16(v) => self.b.ins().f32const(Ieee32::with_bits(v.to_f32().to_bits())),
            Scalar::Float32(v) => self.b.ins().f32const(Ieee32::with_bits(v.to_bits())),
            Scalar::Float64(v) => self.b.ins().f64const(Ieee64::with_bits(v.to_bits())),
            // Integers and bool: their bits, zero-extended.
            s => self.b.ins().iconst(ty(s.dtype()), s.bits() as i64),
        };
        if self.vector() { self.splat(s.dtype(), v) } else { v }
    }

    /// `v` converted to dtype `d` (`v` must be exact in `d`: small integers, ±inf).
    pub(super) fn num(&mut self, d: DType, v: f64) -> Value {
        let s = Scalar::Float64(v).cast(d);
        self.konst(s)
    }

    /// `c ? x : y` for a bool `c` of the current mode (a mask in vectors).
    pub(super) fn sel(&mut self, c: Value, x: Value, y: Value) -> Value {
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
        if let Some(via) = h.via {
            // Extend the operands to the helper's width, truncate its result.
            let wide: Vec<Value> = args
                .iter()
                .map(|&a| if d.is_unsigned() { self.b.ins().uextend(ty(via), a) } else { self.b.ins().sextend(ty(via), a) })
                .collect();
            let r = self.call(Helper { via: None, ..h }, &wide, via)?;
            return Ok(self.b.ins().ireduce(ty(d), r));
        }
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

    /// An operation on complex values (`ir::split`'s form: a complex
    /// value is an `i128` (complex128) or `i64` (complex64) holding its
    /// bytes, real part low): `real`/`imag` take a part, `complex(re, im)`
    /// makes one, and the complex functions call [`helpers::VCOMPLEX`],
    /// the op table's complex reference, through a stack slot.
    fn complex_op(&mut self, n: &Node, op: Op, args: &[Value]) -> LResult<Value> {
        if self.vector() {
            return Err("internal error: a complex node in the vector loop".into());
        }
        let operand = self.p.node(n.args[0]).dtype;
        match op {
            Op::Real | Op::Imag if operand.is_complex() => {
                let pt = self.ty(operand.part());
                let half = if operand == DType::Complex128 { types::I64 } else { types::I32 };
                let v = args[0];
                let bits = if operand == DType::Complex128 {
                    let (lo, hi) = self.b.ins().isplit(v);
                    if op == Op::Real { lo } else { hi }
                } else {
                    let x = if op == Op::Real { v } else { self.b.ins().ushr_imm_u(v, 32) };
                    self.b.ins().ireduce(half, x)
                };
                Ok(self.b.ins().bitcast(pt, MemFlagsData::new(), bits))
            }
            Op::ComplexNew => {
                let (re, im) = (args[0], args[1]);
                if n.dtype == DType::Complex128 {
                    let lo = self.b.ins().bitcast(types::I64, MemFlagsData::new(), re);
                    let hi = self.b.ins().bitcast(types::I64, MemFlagsData::new(), im);
                    Ok(self.b.ins().iconcat(lo, hi))
                } else {
                    let lo = self.b.ins().bitcast(types::I32, MemFlagsData::new(), re);
                    let hi = self.b.ins().bitcast(types::I32, MemFlagsData::new(), im);
                    let lo = self.b.ins().uextend(types::I64, lo);
                    let hi = self.b.ins().uextend(types::I64, hi);
                    let hi = self.b.ins().ishl_imm_u(hi, 32);
                    Ok(self.b.ins().bor(lo, hi))
                }
            }
            _ if operand.is_complex() && n.dtype == operand => {
                // a, b and the result in one 48-byte slot.
                let slot = self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 48, 4));
                let a = self.b.ins().stack_addr(self.ptr, slot, 0);
                let b = self.b.ins().stack_addr(self.ptr, slot, 16);
                let out = self.b.ins().stack_addr(self.ptr, slot, 32);
                self.b.ins().store(mem(), args[0], a, 0);
                if let Some(&y) = args.get(1) {
                    self.b.ins().store(mem(), y, b, 0);
                }
                let f = match self.funcs.get(helpers::VCOMPLEX.0) {
                    Some(&f) => f,
                    None => {
                        let mut sig = self.module.make_signature();
                        sig.params.extend([AbiParam::new(types::I32), AbiParam::new(types::I32)]);
                        sig.params.extend([AbiParam::new(self.ptr), AbiParam::new(self.ptr), AbiParam::new(self.ptr)]);
                        let fid = self.module.declare_function(helpers::VCOMPLEX.0, Linkage::Import, &sig).map_err(|e| e.to_string())?;
                        let f = self.module.declare_func_in_func(fid, self.b.func);
                        self.funcs.insert(helpers::VCOMPLEX.0, f);
                        f
                    }
                };
                let code = self.b.ins().iconst(types::I32, op as i64);
                let dt = DType::ALL.iter().position(|&x| x == operand).ok_or("internal error: dtype")?;
                let dcode = self.b.ins().iconst(types::I32, dt as i64);
                self.b.ins().call(f, &[code, dcode, a, b, out]);
                let t = self.ty(operand);
                Ok(self.b.ins().load(t, mem(), out, 0))
            }
            _ => Err(format!("internal error: `{}` on {operand} giving {} is not lowered", op.def().name, n.dtype)),
        }
    }

    /// NumPy `astype`, as [`Scalar::cast`] does it.
    fn cast(&mut self, a: Value, from: DType, to: DType) -> Value {
        use DType::*;
        if from == to {
            return a;
        }
        let t = self.ty(to);
        match (from.kind(), to.kind()) {
            (_, Kind::Bool) => {
                let z = self.num(from, 0.0);
                match from.kind() {
                    // NotEqual is unordered-or-not-equal: NaN is true.
                    Kind::Float => self.b.ins().fcmp(FloatCC::NotEqual, a, z),
                    _ => self.b.ins().icmp(IntCC::NotEqual, a, z),
                }
            }
            (Kind::Bool, Kind::Int) if self.vector() => {
                let one = self.num(to, 1.0);
                self.b.ins().band(a, one)
            }
            (Kind::Bool, Kind::Float) if self.vector() => {
                let one = self.num(to, 1.0);
                let zero = self.num(to, 0.0);
                self.sel(a, one, zero)
            }
            (Kind::Bool, Kind::Int) => {
                if to.size() == 1 { a } else { self.b.ins().uextend(t, a) }
            }
            (Kind::Bool, Kind::Float) => {
                let w = self.b.ins().uextend(types::I32, a);
                self.b.ins().fcvt_from_sint(t, w)
            }
            (Kind::Int, Kind::Int) => {
                // Two's complement: truncate, or extend by the source's sign.
                if to.size() == from.size() {
                    a
                } else if to.size() < from.size() {
                    self.b.ins().ireduce(t, a)
                } else if from.is_unsigned() {
                    self.b.ins().uextend(t, a)
                } else {
                    self.b.ins().sextend(t, a)
                }
            }
            (Kind::Int, Kind::Float) => {
                // float16: through float32 (exact below 2^24; above, both
                // roundings end at infinity, as `Scalar::cast`'s through
                // float64 does).
                let ft = if to == Float16 { self.ty(Float32) } else { t };
                let f = if from.is_unsigned() { self.b.ins().fcvt_from_uint(ft, a) } else { self.b.ins().fcvt_from_sint(ft, a) };
                if to == Float16 { self.round_half(f) } else { f }
            }
            (Kind::Float, Kind::Float) => match (from, to) {
                (Float16, Float32) => a,
                (Float16 | Float32, Float64) => self.b.ins().fpromote(types::F64, a),
                (Float64, Float32) => self.b.ins().fdemote(types::F32, a),
                (Float32, Float16) => self.round_half(a),
                _ => self.f64_to_half_f32(a),
            },
            (Kind::Float, Kind::Int) => {
                // float16 holds its value as float32 already.
                let from = if from == Float16 { Float32 } else { from };
                match to {
                    Int32 | Int64 => self.float_to_signed(a, from, to),
                    Int8 | Int16 | UInt8 | UInt16 => {
                        let v = self.float_to_signed(a, from, Int32);
                        self.b.ins().ireduce(t, v)
                    }
                    UInt32 => {
                        let v = self.float_to_signed(a, from, Int64);
                        self.b.ins().ireduce(t, v)
                    }
                    _ => {
                        // `f64_to_u64`: from 2^63, through `x - 2^63` and
                        // the top bit flipped back.
                        let x = if from == Float32 { self.b.ins().fpromote(types::F64, a) } else { a };
                        let two63 = self.num(Float64, 9223372036854775808.0);
                        let big = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, two63);
                        let low = self.float_to_signed(x, Float64, Int64);
                        let shifted = self.b.ins().fsub(x, two63);
                        let high = self.float_to_signed(shifted, Float64, Int64);
                        let top = self.b.ins().iconst(types::I64, i64::MIN);
                        let high = self.b.ins().bxor(high, top);
                        self.b.ins().select(big, high, low)
                    }
                }
            }
            (Kind::Complex, _) | (_, Kind::Complex) => unreachable!("jit::compile_with refuses complex programs"),
        }
    }

    /// `f64_to_i32` / `f64_to_i64` (float32 is converted to f64 first,
    /// exactly): truncate in range, else INT_MIN; NaN fails the ordered
    /// range check. The bounds are written in the source type: for
    /// float32, `> -2147483649.0` is `>= -2147483648.0` (no float32 lies
    /// between them).
    fn float_to_signed(&mut self, a: Value, from: DType, to: DType) -> Value {
        use DType::*;
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

    /// Lowers an elementwise operation as `how`, mirroring its row in
    /// `ops.rs`.
    fn op(&mut self, id: NodeId, n: &Node, op: Op, how: Lowering) -> LResult<Value> {
        let args: Vec<Value> = n.args.iter().map(|&a| self.val(a)).collect::<LResult<_>>()?;
        let d = operand_dtype(self.p, n, op);
        // Operand counts and (operation, kind) pairs the type checker
        // rules out.
        let unsupported = || format!("internal error: `{}` on {d} is not lowered", op.def().name);
        if args.len() != op.def().arity {
            return Err(unsupported());
        }
        if d.is_complex() || n.dtype.is_complex() {
            return self.complex_op(n, op, &args);
        }
        if let Lowering::Helper(h) | Lowering::Block(BlockFn::Math(_, h)) = how {
            let r = self.call(h, &args, d)?;
            if op == Op::Pow && d.is_signed_int() {
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
            // NumPy's fused complex multiply, in `ir::split`'s form only.
            (Op::Fma, F) => self.b.ins().fma(a, b, args[2]),
            (Op::Sub, I) => self.b.ins().isub(a, b),
            (Op::Sub, F) => self.b.ins().fsub(a, b),
            (Op::Mul, B) => self.b.ins().band(a, b),
            (Op::Mul, I) if vector && d.size() == 8 => match (const_int(self.p, n.args[0]), const_int(self.p, n.args[1])) {
                (_, Some(c)) => self.mul_i64x2_const(a, c),
                (Some(c), _) => self.mul_i64x2_const(b, c),
                _ => self.b.ins().imul(a, b),
            },
            // x86 has no byte multiply: `mul_i8x16`.
            (Op::Mul, I) if vector && d.size() == 1 => self.mul_i8x16(a, b),
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
                    Some(c) if d.is_unsigned() => self.uint_div_const(d, a, c as u64, kind),
                    Some(c) => self.int_div_const(d, a, c, kind),
                    None if d.is_unsigned() => self.uint_div(d, a, b, kind),
                    // In the scalar loop only (`lowering`).
                    None => self.int_div(d, a, b, kind),
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
            (Op::Shl | Op::Shr, I) => {
                // In the scalar loop only (`lowering`). ops::shl/shr:
                // counts outside 0..BITS give 0 (<<) or the sign (>>, i.e.
                // a shift by BITS-1). Cranelift masks the count, so the
                // result is selected.
                let bits = (d.size() * 8) as f64;
                let bits_v = self.num(d, bits);
                let in_range = self.b.ins().icmp(IntCC::UnsignedLessThan, b, bits_v);
                if op == Op::Shl {
                    let r = self.b.ins().ishl(a, b);
                    let z = self.num(d, 0.0);
                    self.b.ins().select(in_range, r, z)
                } else if d.is_unsigned() {
                    let r = self.b.ins().ushr(a, b);
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
                let signed = d.is_signed_int();
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
            (Op::Square, I) if vector && d.size() == 1 => self.mul_i8x16(a, a),
            (Op::Square, I) => self.b.ins().imul(a, a),
            (Op::Square, F) => self.b.ins().fmul(a, a),
            (Op::Abs, B) => a,
            (Op::Abs, I) if d.is_unsigned() => a,
            (Op::Abs, I) => self.b.ins().iabs(a),
            (Op::Abs, F) => self.b.ins().fabs(a),
            (Op::Sign, I) if d.is_unsigned() => {
                let zero = self.num(d, 0.0);
                let one = self.num(d, 1.0);
                let nz = self.b.ins().icmp(IntCC::NotEqual, a, zero);
                self.sel(nz, one, zero)
            }
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
            (Op::Minimum | Op::Fmin, I) if d.is_unsigned() => self.b.ins().umin(a, b),
            (Op::Maximum | Op::Fmax, I) if d.is_unsigned() => self.b.ins().umax(a, b),
            (Op::Minimum | Op::Fmin, I) => self.b.ins().smin(a, b),
            (Op::Maximum | Op::Fmax, I) => self.b.ins().smax(a, b),
            (Op::Minimum | Op::Maximum | Op::Fmin | Op::Fmax, F) => {
                // ops.rs, with compares and a select (not Cranelift's
                // fmin/fmax, whose NaN and ±0 rules differ):
                //   minimum: a < b || a.is_nan() ? a : b
                //   maximum: a > b || a.is_nan() ? a : b
                //   fmin:    a <= b || b.is_nan() ? a : b
                //   fmax:    a >= b || b.is_nan() ? a : b
                // float16 keeps the first operand on ties (`ops.rs`).
                let half = d == DType::Float16;
                let (cc, nan_of) = match op {
                    Op::Minimum if half => (FloatCC::LessThanOrEqual, a),
                    Op::Maximum if half => (FloatCC::GreaterThanOrEqual, a),
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
            (Op::Signbit, I) if d.is_unsigned() => self.konst(Scalar::Bool(false)),
            (Op::Signbit, I) => {
                let zero = self.num(d, 0.0);
                self.b.ins().icmp(IntCC::SignedLessThan, a, zero)
            }
            (Op::Signbit, F) => {
                // is_sign_negative: the sign bit, NaN included.
                let id = if d == DType::Float64 { DType::Int64 } else { DType::Int32 };
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

    /// An integer constant of dtype `d` in the current mode.
    pub(super) fn int_const(&mut self, d: DType, c: i64) -> Value {
        self.konst(Scalar::int(d, c as i128))
    }

    /// `f` applied to each lane of the vector `v` in scalar mode.
    pub(super) fn per_lane(&mut self, v: Value, f: impl Fn(&mut Self, Value) -> Value) -> Value {
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

    /// `a * b` for `I8X16` vectors, wrapping: the bytes zero-extended to
    /// 16-bit lanes (`pmullw`), masked to their low bytes and packed back
    /// (`packuswb`, exact on values up to 255). The low byte of a product
    /// does not depend on the operands' signs.
    fn mul_i8x16(&mut self, a: Value, b: Value) -> Value {
        let (al, bl) = (self.b.ins().uwiden_low(a), self.b.ins().uwiden_low(b));
        let (ah, bh) = (self.b.ins().uwiden_high(a), self.b.ins().uwiden_high(b));
        let lo = self.b.ins().imul(al, bl);
        let hi = self.b.ins().imul(ah, bh);
        let ff = self.b.ins().iconst(types::I16, 0xff);
        let mask = self.b.ins().splat(types::I16X8, ff);
        let lo = self.b.ins().band(lo, mask);
        let hi = self.b.ins().band(hi, mask);
        self.b.ins().unarrow(lo, hi)
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
}
