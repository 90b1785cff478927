//! float16 in the kernels: a float16 value lives in an `f32` register
//! holding the half's value exactly; these are the conversions at loads,
//! stores, casts and after each operation (which computes in float32 and
//! rounds once to half, as NumPy's float16 loops and the interpreter do).
//!
//! Each function is the same sequence of steps as its reference in
//! `dtype.rs` ([`F16::to_f32`], [`F16::from_f32`], [`f64_to_f32_odd`]),
//! written in integer and float instructions that never trap, so the two
//! agree bit for bit (the golden fixtures and `tests/jit_diff.rs` check
//! it). Scalar loop only: a stage with a float16 node is not vectorised
//! (`lowering::vector_shape`). x86's F16C would do the two conversions
//! in one instruction each, but Cranelift 0.135 does not emit it.
//!
//! [`F16::to_f32`]: crate::dtype::F16::to_f32
//! [`F16::from_f32`]: crate::dtype::F16::from_f32
//! [`f64_to_f32_odd`]: crate::dtype::f64_to_f32_odd

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::Ieee32;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, types};

use super::Lowerer;
use crate::dtype::HALF_SCALE;

impl Lowerer<'_, '_> {
    /// A half's bits (`i16`) as its `f32` value (exact).
    pub(super) fn half_to_f32(&mut self, h: Value) -> Value {
        let h32 = self.b.ins().uextend(types::I32, h);
        let em = self.b.ins().band_imm_u(h32, 0x7fff);
        let shifted = self.b.ins().ishl_imm_u(em, 13);
        let f = self.b.ins().bitcast(types::F32, MemFlagsData::new(), shifted);
        let scale = self.b.ins().f32const(Ieee32::with_bits(HALF_SCALE));
        let scaled = self.b.ins().fmul(f, scale);
        let scaled = self.b.ins().bitcast(types::I32, MemFlagsData::new(), scaled);
        let special = self.b.ins().bor_imm_u(shifted, 0x7f80_0000);
        let is_special = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, em, 0x7c00);
        let mag = self.b.ins().select(is_special, special, scaled);
        let s = self.b.ins().band_imm_u(h32, 0x8000);
        let sign = self.b.ins().ishl_imm_u(s, 16);
        let bits = self.b.ins().bor(mag, sign);
        self.b.ins().bitcast(types::F32, MemFlagsData::new(), bits)
    }

    /// An `f32` rounded to half (to nearest, ties to even), as its bits
    /// (`i16`).
    pub(super) fn f32_to_half(&mut self, v: Value) -> Value {
        let x = self.b.ins().bitcast(types::I32, MemFlagsData::new(), v);
        let a = self.b.ins().band_imm_u(x, 0x7fff_ffff);
        let hi = self.b.ins().ushr_imm_u(x, 16);
        let sign = self.b.ins().band_imm_u(hi, 0x8000);
        // NaN: the top of the payload, at least 1.
        let p = self.b.ins().ushr_imm_u(a, 13);
        let payload = self.b.ins().band_imm_u(p, 0x3ff);
        let one = self.b.ins().iconst(types::I32, 1);
        let payload_zero = self.b.ins().icmp_imm_u(IntCC::Equal, payload, 0);
        let payload = self.b.ins().select(payload_zero, one, payload);
        let nan = self.b.ins().bor_imm_u(payload, 0x7c00);
        // Normal halves: rebias, round to nearest even, shift.
        let t = self.b.ins().iadd_imm_s(a, -(112i64 << 23));
        let kept = self.b.ins().ushr_imm_u(t, 13);
        let lsb = self.b.ins().band_imm_u(kept, 1);
        let t = self.b.ins().iadd_imm_u(t, 0xfff);
        let t = self.b.ins().iadd(t, lsb);
        let normal = self.b.ins().ushr_imm_u(t, 13);
        // Subnormal halves: the FPU rounds `|v| + 0.5`.
        let af = self.b.ins().bitcast(types::F32, MemFlagsData::new(), a);
        let half = self.b.ins().f32const(Ieee32::with_bits(0.5f32.to_bits()));
        let sum = self.b.ins().fadd(af, half);
        let sum = self.b.ins().bitcast(types::I32, MemFlagsData::new(), sum);
        let sub = self.b.ins().iadd_imm_s(sum, -0x3f00_0000i64);
        let inf = self.b.ins().iconst(types::I32, 0x7c00);
        let is_normal = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, a, 0x3880_0000);
        let r = self.b.ins().select(is_normal, normal, sub);
        let overflows = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, a, 0x477f_f000);
        let r = self.b.ins().select(overflows, inf, r);
        let is_nan = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThan, a, 0x7f80_0000);
        let r = self.b.ins().select(is_nan, nan, r);
        let r = self.b.ins().bor(r, sign);
        self.b.ins().ireduce(types::I16, r)
    }

    /// An `f32` rounded to the nearest half, as an `f32` (the value of
    /// every float16 operation's result).
    pub(super) fn round_half(&mut self, v: Value) -> Value {
        let h = self.f32_to_half(v);
        self.half_to_f32(h)
    }

    /// An `f64` rounded once to the nearest half, as an `f32`: through
    /// float32 rounded to odd.
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
