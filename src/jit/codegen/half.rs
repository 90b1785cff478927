//! float16 in the kernels: a float16 value lives in an `f32` register
//! (an `F32X4` lane in the vector loop) holding the half's value exactly;
//! these are the conversions at loads, stores, casts and after each
//! operation (which computes in float32 and rounds once to half, as
//! NumPy's float16 loops and the interpreter do).
//!
//! Each function is the same sequence of steps as its reference in
//! `dtype.rs` ([`F16::to_f32`], [`F16::from_f32`], [`f64_to_f32_odd`]),
//! written in integer and float instructions that never trap and work
//! alike on scalars and on four lanes, so the two agree bit for bit (the
//! golden fixtures and `tests/jit_diff.rs` check it). In the vector loop
//! a float16 stage has four 32-bit lanes: loads take 8 bytes (four halves)
//! and widen them, stores narrow four lanes to 8 bytes. x86's F16C would
//! do each conversion in one instruction, but Cranelift 0.135 does not
//! emit it.
//!
//! [`F16::to_f32`]: crate::dtype::F16::to_f32
//! [`F16::from_f32`]: crate::dtype::F16::from_f32
//! [`f64_to_f32_odd`]: crate::dtype::f64_to_f32_odd

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::Ieee32;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, types};

use super::{LResult, Lowerer, Mode, vmem};
use crate::dtype::HALF_SCALE;

impl Lowerer<'_, '_> {
    /// An `i32` constant of the current mode (a splat in vectors).
    fn i32c(&mut self, c: u32) -> Value {
        let v = self.b.ins().iconst(types::I32, c as i64);
        if self.vector() { self.b.ins().splat(types::I32X4, v) } else { v }
    }

    /// An `f32` constant of the current mode.
    fn f32c(&mut self, bits: u32) -> Value {
        let v = self.b.ins().f32const(Ieee32::with_bits(bits));
        if self.vector() { self.b.ins().splat(types::F32X4, v) } else { v }
    }

    fn int_ty(&self) -> types::Type {
        if self.vector() { types::I32X4 } else { types::I32 }
    }

    fn float_ty(&self) -> types::Type {
        if self.vector() { types::F32X4 } else { types::F32 }
    }

    /// Halves' bits (zero-extended in `i32` lanes) as their `f32` values
    /// (exact).
    pub(super) fn half_bits_to_f32(&mut self, h32: Value) -> Value {
        let m = self.i32c(0x7fff);
        let em = self.b.ins().band(h32, m);
        let k13 = self.b.ins().iconst(types::I32, 13);
        let shifted = self.b.ins().ishl(em, k13);
        let ft = self.float_ty();
        let f = self.view(shifted, ft);
        let scale = self.f32c(HALF_SCALE);
        let scaled = self.b.ins().fmul(f, scale);
        let it = self.int_ty();
        let scaled = self.view(scaled, it);
        let ones = self.i32c(0x7f80_0000);
        let special = self.b.ins().bor(shifted, ones);
        let limit = self.i32c(0x7c00);
        let is_special = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, em, limit);
        let mag = self.sel(is_special, special, scaled);
        let sm = self.i32c(0x8000);
        let s = self.b.ins().band(h32, sm);
        let k16 = self.b.ins().iconst(types::I32, 16);
        let sign = self.b.ins().ishl(s, k16);
        let bits = self.b.ins().bor(mag, sign);
        self.view(bits, ft)
    }

    /// `f32` values rounded to half (to nearest, ties to even), as the
    /// halves' bits zero-extended in `i32` lanes.
    pub(super) fn f32_to_half_bits(&mut self, v: Value) -> Value {
        let it = self.int_ty();
        let x = self.view(v, it);
        let abs = self.i32c(0x7fff_ffff);
        let a = self.b.ins().band(x, abs);
        let k16 = self.b.ins().iconst(types::I32, 16);
        let hi = self.b.ins().ushr(x, k16);
        let sm = self.i32c(0x8000);
        let sign = self.b.ins().band(hi, sm);
        // NaN: the top of the payload, at least 1.
        let k13 = self.b.ins().iconst(types::I32, 13);
        let p = self.b.ins().ushr(a, k13);
        let pm = self.i32c(0x3ff);
        let payload = self.b.ins().band(p, pm);
        let zero = self.i32c(0);
        let one = self.i32c(1);
        let payload_zero = self.b.ins().icmp(IntCC::Equal, payload, zero);
        let payload = self.sel(payload_zero, one, payload);
        let qnan = self.i32c(0x7c00);
        let nan = self.b.ins().bor(payload, qnan);
        // Normal halves: rebias, round to nearest even, shift.
        let rebias = self.i32c((112u32 << 23).wrapping_neg());
        let t = self.b.ins().iadd(a, rebias);
        let kept = self.b.ins().ushr(t, k13);
        let lsb = self.b.ins().band(kept, one);
        let fff = self.i32c(0xfff);
        let t = self.b.ins().iadd(t, fff);
        let t = self.b.ins().iadd(t, lsb);
        let normal = self.b.ins().ushr(t, k13);
        // Subnormal halves: the FPU rounds `|v| + 0.5`.
        let ft = self.float_ty();
        let af = self.view(a, ft);
        let half = self.f32c(0.5f32.to_bits());
        let sum = self.b.ins().fadd(af, half);
        let sum = self.view(sum, it);
        let half_bits = self.i32c(0x3f00_0000);
        let sub = self.b.ins().isub(sum, half_bits);
        let min_normal = self.i32c(0x3880_0000);
        let is_normal = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, a, min_normal);
        let r = self.sel(is_normal, normal, sub);
        let big = self.i32c(0x477f_f000);
        let overflows = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, a, big);
        let r = self.sel(overflows, qnan, r);
        let inf = self.i32c(0x7f80_0000);
        let is_nan = self.b.ins().icmp(IntCC::UnsignedGreaterThan, a, inf);
        let r = self.sel(is_nan, nan, r);
        self.b.ins().bor(r, sign)
    }

    /// A half's bits (`i16`) as its `f32` value (scalar mode).
    pub(super) fn half_to_f32(&mut self, h: Value) -> Value {
        let h32 = self.b.ins().uextend(types::I32, h);
        self.half_bits_to_f32(h32)
    }

    /// An `f32` rounded to half, as its bits (`i16`; scalar mode).
    pub(super) fn f32_to_half(&mut self, v: Value) -> Value {
        let r = self.f32_to_half_bits(v);
        self.b.ins().ireduce(types::I16, r)
    }

    /// `f32` values rounded to the nearest half, as `f32` (the value of
    /// every float16 operation's result), in the current mode:
    /// `F16::from_f32(v).to_f32()` computed in the float domain, without
    /// going through the half's bits.
    ///
    /// - `|v|` from 2^-14 up (half's normals): `(|v| + m) - m` with
    ///   `m = 2^(e+13)` for `|v|`'s exponent `e`; the sum's ulp is
    ///   2^(e-10), half's spacing there, so the FPU rounds to it (ties to
    ///   even), and the subtraction is exact (Sterbenz);
    /// - below 2^-14: `(|v| + 0.5) - 0.5` (ulp 2^-24, half's subnormal
    ///   step);
    /// - from 65520 (infinity included): infinity;
    /// - NaN: the payload cut to half's 10 bits (at least 1), as the
    ///   round trip through the bits leaves it;
    /// - the sign put back.
    pub(super) fn round_half(&mut self, v: Value) -> Value {
        let it = self.int_ty();
        let ft = self.float_ty();
        let x = self.view(v, it);
        let abs = self.i32c(0x7fff_ffff);
        let a = self.b.ins().band(x, abs);
        let sign = self.b.ins().band_not(x, abs);
        let af = self.view(a, ft);
        let exp = self.i32c(0x7f80_0000);
        let e = self.b.ins().band(a, exp);
        let k = self.i32c(13 << 23);
        let m = self.b.ins().iadd(e, k);
        let m = self.view(m, ft);
        let t = self.b.ins().fadd(af, m);
        let normal = self.b.ins().fsub(t, m);
        let normal = self.view(normal, it);
        let half = self.f32c(0.5f32.to_bits());
        let t = self.b.ins().fadd(af, half);
        let sub = self.b.ins().fsub(t, half);
        let sub = self.view(sub, it);
        let min_normal = self.i32c(0x3880_0000);
        let is_normal = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, a, min_normal);
        let r = self.sel(is_normal, normal, sub);
        let big = self.i32c(0x477f_f000);
        let overflows = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, a, big);
        let r = self.sel(overflows, exp, r);
        // NaN: keep the top 10 payload bits; none left gives 0x2000.
        let keep = self.i32c(0xffff_e000);
        let cut = self.b.ins().band(a, keep);
        let empty = self.b.ins().icmp(IntCC::Equal, cut, exp);
        let quiet = self.i32c(0x7f80_2000);
        let nan = self.sel(empty, quiet, cut);
        let is_nan = self.b.ins().icmp(IntCC::UnsignedGreaterThan, a, exp);
        let r = self.sel(is_nan, nan, r);
        let r = self.b.ins().bor(r, sign);
        self.view(r, ft)
    }

    /// Four halves at `addr + off` (8 bytes) as an `F32X4`.
    pub(super) fn load_halves(&mut self, addr: Value, off: i32) -> LResult<Value> {
        if !matches!(self.mode, Mode::Vector { lanes: 4, .. }) {
            return Err("internal error: float16 vector load outside a 4-lane loop".into());
        }
        let w = self.b.ins().load(types::I64, vmem(), addr, off);
        let v = self.b.ins().scalar_to_vector(types::I64X2, w);
        let h = self.view(v, types::I16X8);
        let h32 = self.b.ins().uwiden_low(h);
        Ok(self.half_bits_to_f32(h32))
    }

    /// Stores an `F32X4` of float16 values as four halves (8 bytes) at
    /// `addr + off`.
    pub(super) fn store_halves(&mut self, v: Value, addr: Value, off: i32) {
        let bits = self.f32_to_half_bits(v);
        // Every lane is below 2^16: the unsigned saturating pack is exact.
        let packed = self.b.ins().unarrow(bits, bits);
        let q = self.view(packed, types::I64X2);
        let lo = self.b.ins().extractlane(q, 0);
        self.b.ins().store(vmem(), lo, addr, off);
    }

    /// An `f64` rounded once to the nearest half, as an `f32`: through
    /// float32 rounded to odd (scalar mode).
    pub(super) fn f64_to_half_f32(&mut self, v: Value) -> Value {
        let t = self.b.ins().fdemote(types::F32, v);
        let back = self.b.ins().fpromote(types::F64, t);
        let exact = self.b.ins().fcmp(FloatCC::Equal, back, v);
        let nan = self.b.ins().fcmp(FloatCC::Unordered, v, v);
        let keep = self.b.ins().bor(exact, nan);
        let ab = self.b.ins().fabs(back);
        let av = self.b.ins().fabs(v);
        let away = self.b.ins().fcmp(FloatCC::GreaterThan, ab, av);
        let tb = self.b.ins().bitcast(types::I32, MemFlagsData::new(), t);
        let down = self.b.ins().iadd_imm_s(tb, -1);
        let toward = self.b.ins().select(away, down, tb);
        let odd = self.b.ins().bor_imm_u(toward, 1);
        let bits = self.b.ins().select(keep, tb, odd);
        let f = self.b.ins().bitcast(types::F32, MemFlagsData::new(), bits);
        self.round_half(f)
    }
}
