//! Integer `//`, `%` and `fmod` without trapping: by a constant
//! ([`Lowerer::int_div_const`], no guard) and by an array or 0-d input
//! ([`Lowerer::int_div`], the divisor guarded; scalar loop only).
//!
//! By a constant they are vectorised: by a positive power of two they are
//! a shift or a mask; int32 lanes otherwise use a vector multiply-high by
//! a magic number (two `pmuldq`, [`magic_s32`]); int64 lanes are
//! extracted, divided by a scalar multiply-high and inserted back (x86 has
//! no 64-bit vector multiply before AVX-512).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value, types};

use super::Lowerer;
use crate::dtype::DType;

impl Lowerer<'_, '_> {
    /// [`Lowerer::int_div`] by the constant `c`, in the current mode. No
    /// guard is needed: 0 and ±1 are special-cased, positive powers of two
    /// are a shift or a mask, and any other `sdiv` by a constant (which
    /// cannot trap) becomes a multiply-high by a magic number in
    /// Cranelift's mid-end (`opts/arithmetic.isle`). In the vector loop
    /// that general case runs lane by lane (x86 has no 64-bit vector
    /// multiply-high before AVX-512).
    pub(super) fn int_div_const(&mut self, d: DType, a: Value, c: i64, kind: DivKind) -> Value {
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

    /// Unsigned `//`, `%` and `fmod` (all truncating: the same thing) by
    /// the constant `c`: 0 gives 0, powers of two are a shift or a mask,
    /// others `udiv`/`urem` by a constant (a multiply-high in Cranelift's
    /// mid-end), lane by lane in the vector loop.
    pub(super) fn uint_div_const(&mut self, d: DType, a: Value, c: u64, kind: DivKind) -> Value {
        let quotient = kind == DivKind::Floor;
        match c {
            0 => self.num(d, 0.0),
            1 if quotient => a,
            1 => self.num(d, 0.0),
            _ if c.is_power_of_two() && quotient => {
                let k = self.b.ins().iconst(types::I32, c.trailing_zeros() as i64);
                self.b.ins().ushr(a, k)
            }
            _ if c.is_power_of_two() => {
                let mask = self.int_const(d, (c - 1) as i64);
                self.b.ins().band(a, mask)
            }
            _ if self.vector() => self.per_lane(a, |l, x| l.uint_div_const(d, x, c, kind)),
            _ => {
                let cv = self.int_const(d, c as i64);
                if quotient { self.b.ins().udiv(a, cv) } else { self.b.ins().urem(a, cv) }
            }
        }
    }

    /// Unsigned `//`, `%`, `fmod` by an array or 0-d divisor: by zero
    /// gives 0 (the divisor given to `udiv`/`urem` is never 0).
    pub(super) fn uint_div(&mut self, d: DType, a: Value, b: Value, kind: DivKind) -> Value {
        let zero = self.num(d, 0.0);
        let one = self.num(d, 1.0);
        let is_zero = self.b.ins().icmp(IntCC::Equal, b, zero);
        let safe = self.b.ins().select(is_zero, one, b);
        let r = if kind == DivKind::Floor { self.b.ins().udiv(a, safe) } else { self.b.ins().urem(a, safe) };
        self.b.ins().select(is_zero, zero, r)
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

    /// Integer `//`, `%` and `fmod` ([`crate::ops::int_floor_div`],
    /// [`crate::ops::int_mod`], `wrapping_rem`) without trapping: the
    /// divisor given to `sdiv`/`srem` is never 0 or -1 (those are
    /// substituted by 1 and handled with selects).
    pub(super) fn int_div(&mut self, d: DType, a: Value, b: Value, kind: DivKind) -> Value {
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

/// Which of the three integer divisions: `//` (floor), `%` (the sign of
/// the divisor), `fmod` (the sign of the dividend: the truncated
/// remainder).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum DivKind {
    Floor,
    Mod,
    Rem,
}
