//! `extern "C"` helper functions the compiled kernels call for operations
//! Cranelift has no instruction for (transcendentals, float `//` and `%`,
//! `power`...).
//!
//! Each helper calls the *same* Rust function the operation's row in
//! [`crate::ops::OPS`] calls (`f64::sin`, [`ops::floor_divide`], ...), so
//! results are bit-identical to the interpreter's. Calling
//! `(op.def().eval)` per element would also be exact but goes through
//! [`Scalar`](crate::Scalar) boxing and a dispatch per element.
//!
//! [`helper`] is the one place that maps an `(Op, DType)` to its helper,
//! and only `codegen::lowering` (the choice of how each node lowers) asks
//! it: a vectorised implementation can be swapped in there later.
//!
//! Helpers are registered with the `JITBuilder` by symbol name and imported
//! with `Linkage::Import`; every helper takes `arity` operands of one dtype
//! and returns that dtype, with the C calling convention.

use crate::dtype::{DType, F16, Scalar};
use crate::ops::{self, Op};
use crate::vmath;

/// One helper: its symbol name, address and arity. Operands and result all
/// have the dtype it was looked up for.
#[derive(Clone, Copy, Debug)]
pub(super) struct Helper {
    pub name: &'static str,
    pub addr: *const u8,
    pub arity: usize,
    /// The dtype of the helper's operands and result, when it is not the
    /// operation's: the 8- and 16-bit integers' `power` runs in 64 bits
    /// (extended before the call, truncated after: wrapping arithmetic
    /// gives the same low bits). float16 values are float32 in the
    /// kernel, so their helpers are the float32 ones.
    pub via: Option<DType>,
}

macro_rules! float_helpers {
    ($( $op:ident => $fname:ident ( $($arg:ident),+ ) $body:expr ; )*) => {
        /// Float helpers for `f32` (the bodies are written once, for `F`).
        pub(super) mod f32s {
            #![allow(clippy::unnecessary_cast)]
            #[allow(unused_imports)]
            use crate::ops;
            use crate::vmath::{Func as VF, call1, call2};
            type F = f32;
            $(
                pub(in crate::jit) extern "C" fn $fname($($arg: F),+) -> F {
                    $body
                }
            )*
        }

        /// Float helpers for `f64`.
        pub(super) mod f64s {
            #![allow(clippy::unnecessary_cast)]
            #[allow(unused_imports)]
            use crate::ops;
            use crate::vmath::{Func as VF, call1, call2};
            type F = f64;
            $(
                pub(in crate::jit) extern "C" fn $fname($($arg: F),+) -> F {
                    $body
                }
            )*
        }

        fn float_helper(op: Op, d: DType) -> Option<Helper> {
            match (op, d) {
                $(
                    (Op::$op, DType::Float32) => Some(Helper {
                        name: concat!("numjet_", stringify!($fname), "_f32"),
                        addr: f32s::$fname as *const u8,
                        arity: [$(stringify!($arg)),+].len(),
                        via: None,
                    }),
                    (Op::$op, DType::Float64) => Some(Helper {
                        name: concat!("numjet_", stringify!($fname), "_f64"),
                        addr: f64s::$fname as *const u8,
                        arity: [$(stringify!($arg)),+].len(),
                        via: None,
                    }),
                )*
                _ => None,
            }
        }

        /// Every float helper (for registering the symbols).
        const FLOAT_HELPER_OPS: &[Op] = &[$(Op::$op),*];
    };
}

// Each body is the float expression of the op's row in `ops.rs`: the
// transcendental functions are numjet's own (`crate::vmath`), the same
// scalar functions the interpreter calls. Compiled kernels call these only
// for 0-d nodes and in stages that are not blocked (`codegen/blocks.rs`);
// array nodes call the block functions through `vblock_f32`/`vblock_f64`.
float_helpers! {
    Sin => sin(a) call1(VF::Sin, a);
    Cos => cos(a) call1(VF::Cos, a);
    Tan => tan(a) call1(VF::Tan, a);
    Arcsin => arcsin(a) call1(VF::Arcsin, a);
    Arccos => arccos(a) call1(VF::Arccos, a);
    Arctan => arctan(a) call1(VF::Arctan, a);
    Arctan2 => arctan2(a, b) call2(VF::Arctan2, a, b);
    Sinh => sinh(a) call1(VF::Sinh, a);
    Cosh => cosh(a) call1(VF::Cosh, a);
    Tanh => tanh(a) call1(VF::Tanh, a);
    Arcsinh => arcsinh(a) call1(VF::Arcsinh, a);
    Arccosh => arccosh(a) call1(VF::Arccosh, a);
    Arctanh => arctanh(a) call1(VF::Arctanh, a);
    Exp => exp(a) call1(VF::Exp, a);
    Exp2 => exp2(a) call1(VF::Exp2, a);
    Expm1 => expm1(a) call1(VF::Expm1, a);
    Log => log(a) call1(VF::Log, a);
    Log2 => log2(a) call1(VF::Log2, a);
    Log10 => log10(a) call1(VF::Log10, a);
    Log1p => log1p(a) call1(VF::Log1p, a);
    Cbrt => cbrt(a) call1(VF::Cbrt, a);
    Hypot => hypot(a, b) call2(VF::Hypot, a, b);
    Nextafter => nextafter(a, b) <F as ops::Float>::next_up_bits(a, b);
    Pow => power(a, b) call2(VF::Power, a, b);
    FloorDiv => floor_divide(a, b) call2(VF::FloorDivide, a, b);
    Mod => remainder(a, b) call2(VF::Remainder, a, b);
    Fmod => fmod(a, b) call2(VF::Fmod, a, b);
}

/// Per-element helpers of the fast versions ([`vmath::MathMode::Fast`]),
/// for 0-d nodes and stages that are not blocked, as `float_helpers!` for
/// the default functions.
macro_rules! fast_helpers {
    ($( $f:ident => $fname:ident ; )*) => {
        mod fast_f32s {
            use crate::vmath::{Func as VF, call1};
            $( pub(in crate::jit) extern "C" fn $fname(a: f32) -> f32 { call1(VF::$f, a) } )*
        }
        mod fast_f64s {
            use crate::vmath::{Func as VF, call1};
            $( pub(in crate::jit) extern "C" fn $fname(a: f64) -> f64 { call1(VF::$f, a) } )*
        }

        fn fast_helper(f: vmath::Func, d: DType) -> Option<Helper> {
            match (f, d) {
                $(
                    (vmath::Func::$f, DType::Float32) => Some(Helper {
                        name: concat!("numjet_", stringify!($fname), "_f32"),
                        addr: fast_f32s::$fname as *const u8,
                        arity: 1,
                        via: None,
                    }),
                    (vmath::Func::$f, DType::Float64) => Some(Helper {
                        name: concat!("numjet_", stringify!($fname), "_f64"),
                        addr: fast_f64s::$fname as *const u8,
                        arity: 1,
                        via: None,
                    }),
                )*
                _ => None,
            }
        }

        /// Every fast version with a helper (for registering the symbols).
        const FAST_HELPER_FUNCS: &[vmath::Func] = &[$(vmath::Func::$f),*];
    };
}

fast_helpers! {
    SinFast => sin_fast;
    CosFast => cos_fast;
    TanFast => tan_fast;
    ExpFast => exp_fast;
    Exp2Fast => exp2_fast;
    Expm1Fast => expm1_fast;
    LogFast => log_fast;
    Log2Fast => log2_fast;
    Log10Fast => log10_fast;
    Log1pFast => log1p_fast;
    SinhFast => sinh_fast;
    CoshFast => cosh_fast;
    TanhFast => tanh_fast;
}

/// A block function of [`crate::vmath`], called once per block by a
/// blocked stage (`codegen/blocks.rs`): `out[..n] = f(x[..n], y[..n])` for
/// the function `func` ([`vmath::Func::index`]) at level `level`
/// ([`vmath::Level`] as `u32`); `y` is ignored by unary functions.
macro_rules! vblock {
    ($name:ident, $t:ty, $eval:path) => {
        extern "C" fn $name(func: u32, level: u32, x: *const $t, y: *const $t, out: *mut $t, n: usize) {
            let (Some(f), Some(&level)) = (vmath::Func::from_index(func), vmath::Level::ALL.get(level as usize)) else {
                return;
            };
            // SAFETY: the compiled kernel passes, for the `n` elements of
            // its current block (at most the stage's block size), `x` and
            // (for binary functions) `y` pointing to `n` initialised
            // elements, each either a scratch buffer in the kernel's stack
            // frame or the block's part of an input array (in bounds:
            // `abi::Entries::call` checks every input covers the range),
            // and `out` to a scratch buffer of `n` elements of its own,
            // distinct from every operand. The kernel does not touch these
            // buffers during the call.
            let (xs, ys, out) = unsafe {
                (
                    std::slice::from_raw_parts(x, n),
                    if f.arity() == 2 { std::slice::from_raw_parts(y, n) } else { &[][..] },
                    std::slice::from_raw_parts_mut(out, n),
                )
            };
            $eval(f, level, &[xs, ys], out);
        }
    };
}
vblock!(vblock_f32, f32, vmath::eval_f32);
vblock!(vblock_f64, f64, vmath::eval_f64);
vblock!(vblock_f16, f32, eval_f16);

/// float16 operands (held as float32): the float32 function, each result
/// rounded to half once (as the interpreter computes `sin(float16)`), so
/// scratch holds exact halves, whether a loop or another call reads them.
fn eval_f16(f: vmath::Func, level: vmath::Level, args: &[&[f32]], out: &mut [f32]) {
    vmath::eval_f32(f, level, args, out);
    for o in out.iter_mut() {
        *o = F16::from_f32(*o).to_f32();
    }
}

/// The register form of each dtype's values (how compiled kernels hold
/// them, in registers and in scratch buffers): bool as a byte 0/1, float16
/// as the float32 of its value.
macro_rules! reg_forms {
    ($m:ident) => {
        $m! { Bool u8, Int8 i8, Int16 i16, Int32 i32, Int64 i64, UInt8 u8, UInt16 u16, UInt32 u32, UInt64 u64, Float16 f32, Float32 f32, Float64 f64 }
    };
}

/// A register-form value of dtype `$d` as a [`Scalar`], and back.
macro_rules! to_scalar {
    (Bool, $v:expr) => { Scalar::Bool($v != 0) };
    (Float16, $v:expr) => { Scalar::Float16(F16::from_f32($v)) };
    ($d:ident, $v:expr) => { Scalar::$d($v) };
}
macro_rules! from_scalar {
    (Bool, $s:expr) => { match $s { Scalar::Bool(b) => b as u8, _ => 0 } };
    (Float16, $s:expr) => { match $s { Scalar::Float16(h) => h.to_f32(), _ => 0.0 } };
    ($d:ident, $s:expr) => { match $s { Scalar::$d(v) => v, _ => Default::default() } };
}

macro_rules! cast_blocks {
    ($($d:ident $t:ty),*) => {
        /// `out[i] = x[i]` cast to `to` ([`Scalar::cast`], the
        /// interpreter's cast), with `x` given as scalars by `get`; `out`
        /// points to `n` register-form elements of `to`.
        ///
        /// # Safety
        ///
        /// `out` must be valid for writing `n` elements of `to`'s register
        /// form, aligned, and not overlap `x`.
        #[inline(always)]
        unsafe fn cast_into<T: Copy>(x: &[T], get: impl Fn(T) -> Scalar, to: DType, out: *mut u8) {
            match to {
                $(DType::$d => {
                    // SAFETY: the caller's contract.
                    let out = unsafe { std::slice::from_raw_parts_mut(out as *mut $t, x.len()) };
                    for (o, &v) in out.iter_mut().zip(x) {
                        *o = from_scalar!($d, get(v).cast(DType::$d));
                    }
                })*
                // The JIT refuses complex programs (`jit::compile_with`).
                DType::Complex64 | DType::Complex128 => {}
            }
        }

        /// A width-changing cast of a blocked stage (`codegen/blocks.rs`):
        /// the `n` register-form elements of dtype `from` (an index into
        /// `DType::ALL`) at `x`, cast to `to`, into `out`. The unused
        /// operand keeps the trampolines' shape.
        extern "C" fn vcast(from: u32, to: u32, x: *const u8, _y: *const u8, out: *mut u8, n: usize) {
            let (Some(&from), Some(&to)) = (DType::ALL.get(from as usize), DType::ALL.get(to as usize)) else { return };
            match from {
                $(DType::$d => {
                    // SAFETY: the compiled kernel passes `x` pointing to
                    // the `n` elements of its current block in `from`'s
                    // register form (a scratch buffer of its frame, or the
                    // block's part of an input array, which
                    // `abi::Entries::call` checked covers the range), and
                    // `out` to a scratch buffer of `n` elements of `to`'s
                    // register form, aligned (64 bytes) and distinct from
                    // `x`; it does not touch them during the call.
                    unsafe {
                        let x = std::slice::from_raw_parts(x as *const $t, n);
                        cast_into(x, |v: $t| to_scalar!($d, v), to, out);
                    }
                })*
                DType::Complex64 | DType::Complex128 => {}
            }
        }
    };
}
reg_forms!(cast_blocks);

/// The integers [`vintdiv`] divides: their values as `i32` and back
/// (wrapping).
trait Narrow: Copy {
    fn wide(self) -> i32;
    fn narrow(v: i32) -> Self;
}
macro_rules! narrow {
    ($($t:ty),*) => {$(
        impl Narrow for $t {
            #[inline(always)]
            fn wide(self) -> i32 {
                self as i32
            }
            #[inline(always)]
            fn narrow(v: i32) -> $t {
                v as $t
            }
        }
    )*};
}
narrow!(i8, i16, i32, u8, u16);

/// The quotient of `a / b` rounded toward minus infinity (`floor`) or
/// zero, for `a` and `b` of an integer type of at most 32 bits whose
/// quotient fits in 32 bits (every one but `i32::MIN / -1`, which gives
/// `i32::MIN`, the wrapped 2^31), and 0 for `b == 0`.
///
/// Exact: `a` and `b` are exact in float64, and the correctly rounded
/// quotient `q` is within `|q| 2^-53 <= 2^-22 / |b|` of `a / b`, while a
/// non-integer `a / b` is at least `1 / |b|` from every integer: so `q` is
/// an integer exactly when `a / b` is, and otherwise truncates and floors
/// to the same integers. Branch-free, so LLVM vectorises it.
#[inline(always)]
fn quotient(a: i32, b: i32, floor: bool) -> i32 {
    let q = a as f64 / b as f64;
    // 2^31 only for `i32::MIN / -1`: wraps to `i32::MIN`, as the table's
    // wrapping division does.
    let t = if q >= 2147483648.0 { i32::MIN } else { q as i32 };
    let t = if floor && (t as f64) > q { t.wrapping_sub(1) } else { t };
    if b == 0 { 0 } else { t }
}

/// Integer `//` (`op` 0), `%` (1) or `fmod` (2) of a blocked stage, with
/// [`ops::int_floor_div`], [`ops::int_mod`] and the table's `fmod`
/// results: `a - q * b` from the quotient, wrapping (0 for `b == 0`).
#[inline(always)]
fn int_div<T: Narrow>(op: u32, x: &[T], y: &[T], out: &mut [T]) {
    let n = out.len().min(x.len()).min(y.len());
    let (x, y, out) = (&x[..n], &y[..n], &mut out[..n]);
    match op {
        0 => {
            for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
                *o = T::narrow(quotient(a.wide(), b.wide(), true));
            }
        }
        _ => {
            let floor = op == 1;
            for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
                let (a, b) = (a.wide(), b.wide());
                let q = quotient(a, b, floor);
                *o = T::narrow(if b == 0 { 0 } else { a.wrapping_sub(q.wrapping_mul(b)) });
            }
        }
    }
}

macro_rules! int_div_blocks {
    ($($d:ident $t:ty),*) => {
        /// Integer `//`, `%` or `fmod` (`op`: 0, 1, 2) of a blocked stage
        /// (`codegen/blocks.rs`) on `n` elements of dtype `d` (an index
        /// into `DType::ALL`: int8, int16, int32, uint8 or uint16).
        extern "C" fn vintdiv(op: u32, d: u32, x: *const u8, y: *const u8, out: *mut u8, n: usize) {
            let Some(&d) = DType::ALL.get(d as usize) else { return };
            match d {
                $(DType::$d => {
                    // SAFETY: the compiled kernel passes `x` and `y`
                    // pointing to the `n` elements of its current block in
                    // `d`'s register form (scratch buffers of its frame, or
                    // the block's part of an input array, which
                    // `abi::Entries::call` checked covers the range), and
                    // `out` to a scratch buffer of `n` elements, aligned
                    // and distinct from both; it does not touch them
                    // during the call.
                    let (x, y, out) = unsafe {
                        (
                            std::slice::from_raw_parts(x as *const $t, n),
                            std::slice::from_raw_parts(y as *const $t, n),
                            std::slice::from_raw_parts_mut(out as *mut $t, n),
                        )
                    };
                    int_div(op, x, y, out);
                })*
                _ => {}
            }
        }
    };
}
int_div_blocks!(Int8 i8, Int16 i16, Int32 i32, UInt8 u8, UInt16 u16);

/// The symbol name and address of the integer division trampoline.
pub(super) const VINTDIV: (&str, fn() -> *const u8) = ("numjet_vintdiv", || vintdiv as *const u8);

/// The symbol name and address of the complex trampoline ([`vcomplex`]).
pub(super) const VCOMPLEX: (&str, fn() -> *const u8) = ("numjet_vcomplex", || vcomplex as *const u8);

/// A complex function or `power` (op `op`, an index into `Op::ALL`) of
/// the complex value(s) of dtype `d` (an index into `DType::ALL`) at `a`
/// (and `b` for binary ops): the op table's complex reference, so the
/// interpreter's bits, written to `out`.
extern "C" fn vcomplex(op: u32, d: u32, a: *const u8, b: *const u8, out: *mut u8) {
    let (Some(&op), Some(&d)) = (Op::ALL.get(op as usize), DType::ALL.get(d as usize)) else { return };
    let read = |p: *const u8| -> Scalar {
        // SAFETY: the kernel passes `a` and `b` pointing into a 48-byte
        // stack slot of its frame, 16-byte aligned, holding a value of
        // `d` at each (`b` written for binary ops only, and read only for
        // them); `read_unaligned` needs no alignment anyway.
        unsafe {
            match d {
                DType::Complex64 => Scalar::Complex64(std::ptr::read_unaligned(p as *const crate::dtype::Complex<f32>)),
                _ => Scalar::Complex128(std::ptr::read_unaligned(p as *const crate::dtype::Complex<f64>)),
            }
        }
    };
    let args = [read(a), if op.def().arity == 2 { read(b) } else { read(a) }];
    let r = op.eval(&args[..op.def().arity.min(2)]).unwrap_or(Scalar::Complex128(crate::dtype::Complex::new(f64::NAN, f64::NAN)));
    // SAFETY: `out` points to 16 writable bytes of the same slot, apart
    // from `a` and `b`.
    unsafe {
        match r.cast(d) {
            Scalar::Complex64(c) => std::ptr::write_unaligned(out as *mut crate::dtype::Complex<f32>, c),
            Scalar::Complex128(c) => std::ptr::write_unaligned(out as *mut crate::dtype::Complex<f64>, c),
            _ => {}
        }
    }
}

/// The symbol name and address of the complex block trampoline ([`vcblock`]).
pub(super) const VCBLOCK: (&str, fn() -> *const u8) = ("numjet_vcblock", || vcblock as *const u8);

/// A complex function or `power` (op `op`, an index into `Op::ALL`) over a
/// block: the `n` complex values of dtype `d` (an index into `DType::ALL`)
/// at `x` (and `y` for `power`) into `out` ([`vmath::complex::block`]).
extern "C" fn vcblock(op: u32, d: u32, x: *const u8, y: *const u8, out: *mut u8, n: usize) {
    use crate::dtype::Complex;
    let (Some(&op), Some(&d)) = (Op::ALL.get(op as usize), DType::ALL.get(d as usize)) else { return };
    let binary = op.def().arity == 2;
    // SAFETY: the compiled kernel passes `x` (and `y` for a binary op)
    // pointing to the `n` elements of its current block, in `d`'s layout
    // (a scratch buffer of its frame, 64-byte aligned, or the block's part
    // of an input array of dtype `d`, which `abi::Entries::call` checked
    // covers the range, aligned as its element type), and `out` to a
    // scratch buffer of `n` elements of `d`, aligned and distinct from the
    // operands; it does not touch them during the call.
    unsafe {
        match d {
            DType::Complex64 => {
                let xs = std::slice::from_raw_parts(x as *const Complex<f32>, n);
                let ys = if binary { std::slice::from_raw_parts(y as *const Complex<f32>, n) } else { &[][..] };
                let out = std::slice::from_raw_parts_mut(out as *mut Complex<f32>, n);
                match op {
                    Op::Exp => vmath::complex::exp_block_c32(xs, out),
                    _ => complex_elements(op, xs, ys, out, Scalar::Complex64, |s| if let Scalar::Complex64(c) = s { c } else { Complex::new(f32::NAN, f32::NAN) }),
                }
            }
            DType::Complex128 => {
                let xs = std::slice::from_raw_parts(x as *const Complex<f64>, n);
                let ys = if binary { std::slice::from_raw_parts(y as *const Complex<f64>, n) } else { &[][..] };
                let out = std::slice::from_raw_parts_mut(out as *mut Complex<f64>, n);
                match op {
                    Op::Exp => vmath::complex::exp_block_c64(xs, out),
                    _ => complex_elements(op, xs, ys, out, Scalar::Complex128, |s| if let Scalar::Complex128(c) = s { c } else { Complex::new(f64::NAN, f64::NAN) }),
                }
            }
            _ => {}
        }
    }
}

/// `out[i] = op(x[i], y[i])` by the op table's complex reference (`y`
/// empty for a unary op).
fn complex_elements<T: Copy>(op: Op, xs: &[T], ys: &[T], out: &mut [T], wrap: fn(T) -> Scalar, unwrap: fn(Scalar) -> T) {
    for (i, o) in out.iter_mut().enumerate() {
        let args = [wrap(xs[i]), ys.get(i).map_or(wrap(xs[i]), |&y| wrap(y))];
        let nan = unwrap(Scalar::Bool(false));
        *o = op.eval(&args[..op.def().arity.min(2)]).map_or(nan, unwrap);
    }
}

/// The symbol name and address of the cast trampoline.
pub(super) const VCAST: (&str, fn() -> *const u8) = ("numjet_vcast", || vcast as *const u8);

/// The symbol name and address of the block-function trampoline for
/// operands of `d` (float16, float32 or float64).
pub(super) fn vblock(d: DType) -> (&'static str, *const u8) {
    match d {
        DType::Float64 => ("numjet_vblock_f64", vblock_f64 as *const u8),
        DType::Float16 => ("numjet_vblock_f16", vblock_f16 as *const u8),
        _ => ("numjet_vblock_f32", vblock_f32 as *const u8),
    }
}

/// Integer `power`: [`ops::int_pow`], wrapping. A negative exponent is an
/// error, which the kernel detects inline (`b < 0`) and reports through the
/// status word; the helper then returns 0 (the value is never used).
extern "C" fn power_i32(a: i32, b: i32) -> i32 {
    ops::int_pow(a, b).unwrap_or(0)
}

extern "C" fn power_i64(a: i64, b: i64) -> i64 {
    ops::int_pow(a, b).unwrap_or(0)
}

extern "C" fn power_u64(a: u64, b: u64) -> u64 {
    ops::int_pow(a, b).unwrap_or(0)
}

/// float16 `nextafter` on half's bits ([`ops::half_nextafter`]); the
/// kernel holds float16 values as float32 (exactly).
extern "C" fn nextafter_f16(a: f32, b: f32) -> f32 {
    ops::half_nextafter(F16::from_f32(a), F16::from_f32(b)).to_f32()
}

/// The helper implementing `op` on operands of dtype `d`, if `op` is not
/// lowered to native instructions for `d`.
pub(super) fn helper(op: Op, d: DType) -> Option<Helper> {
    match (op, d) {
        (Op::Pow, DType::Int32) => Some(Helper { name: "numjet_power_i32", addr: power_i32 as *const u8, arity: 2, via: None }),
        (Op::Pow, DType::Int64) => Some(Helper { name: "numjet_power_i64", addr: power_i64 as *const u8, arity: 2, via: None }),
        (Op::Pow, DType::Int8 | DType::Int16) => {
            Some(Helper { name: "numjet_power_i64", addr: power_i64 as *const u8, arity: 2, via: Some(DType::Int64) })
        }
        (Op::Pow, DType::UInt8 | DType::UInt16 | DType::UInt32) => {
            Some(Helper { name: "numjet_power_u64", addr: power_u64 as *const u8, arity: 2, via: Some(DType::UInt64) })
        }
        (Op::Pow, DType::UInt64) => Some(Helper { name: "numjet_power_u64", addr: power_u64 as *const u8, arity: 2, via: None }),
        (Op::Nextafter, DType::Float16) => Some(Helper { name: "numjet_nextafter_f16", addr: nextafter_f16 as *const u8, arity: 2, via: None }),
        (_, DType::Float16) => float_helper(op, DType::Float32),
        _ => float_helper(op, d),
    }
}

/// The helper implementing `op` on operands of dtype `d` when the math
/// functions compute in `mode`: [`helper`], or the fast version's helper
/// in [`vmath::MathMode::Fast`].
pub(super) fn helper_in(op: Op, d: DType, mode: vmath::MathMode) -> Option<Helper> {
    match op.vmath_in(mode) {
        Some(f) if f.is_fast() && d.is_float() => fast_helper(f, if d == DType::Float16 { DType::Float32 } else { d }),
        _ => helper(op, d),
    }
}

/// Every helper, for registering the symbols with the JIT.
pub(super) fn all() -> impl Iterator<Item = Helper> {
    FLOAT_HELPER_OPS
        .iter()
        .flat_map(|&op| [DType::Float32, DType::Float64].map(move |d| (op, d)))
        .chain([(Op::Pow, DType::Int32), (Op::Pow, DType::Int64), (Op::Pow, DType::UInt64), (Op::Nextafter, DType::Float16)])
        .filter_map(|(op, d)| helper(op, d))
        .chain(FAST_HELPER_FUNCS.iter().flat_map(|&f| [DType::Float32, DType::Float64].map(move |d| (f, d))).filter_map(|(f, d)| fast_helper(f, d)))
}
