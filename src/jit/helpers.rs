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

use crate::dtype::{DType, F16};
use crate::ops::{self, Op};

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

// Each body is the float expression of the op's row in `ops.rs`.
float_helpers! {
    Sin => sin(a) a.sin();
    Cos => cos(a) a.cos();
    Tan => tan(a) a.tan();
    Arcsin => arcsin(a) a.asin();
    Arccos => arccos(a) a.acos();
    Arctan => arctan(a) a.atan();
    Arctan2 => arctan2(a, b) a.atan2(b);
    Sinh => sinh(a) a.sinh();
    Cosh => cosh(a) a.cosh();
    Tanh => tanh(a) a.tanh();
    // ops.rs computes float32 arcsinh/arccosh through f64 (Rust's f32
    // versions overflow early); for f64 the casts are no-ops.
    Arcsinh => arcsinh(a) (a as f64).asinh() as F;
    Arccosh => arccosh(a) (a as f64).acosh() as F;
    Arctanh => arctanh(a) a.atanh();
    Exp => exp(a) a.exp();
    Exp2 => exp2(a) a.exp2();
    Expm1 => expm1(a) a.exp_m1();
    Log => log(a) a.ln();
    Log2 => log2(a) a.log2();
    Log10 => log10(a) a.log10();
    Log1p => log1p(a) a.ln_1p();
    Cbrt => cbrt(a) a.cbrt();
    Hypot => hypot(a, b) a.hypot(b);
    Nextafter => nextafter(a, b) <F as ops::Float>::next_up_bits(a, b);
    Pow => power(a, b) a.powf(b);
    FloorDiv => floor_divide(a, b) ops::floor_divide(a, b);
    Mod => remainder(a, b) ops::remainder(a, b);
    Fmod => fmod(a, b) a % b;
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

/// Every helper, for registering the symbols with the JIT.
pub(super) fn all() -> impl Iterator<Item = Helper> {
    FLOAT_HELPER_OPS
        .iter()
        .flat_map(|&op| [DType::Float32, DType::Float64].map(move |d| (op, d)))
        .chain([(Op::Pow, DType::Int32), (Op::Pow, DType::Int64), (Op::Pow, DType::UInt64), (Op::Nextafter, DType::Float16)])
        .filter_map(|(op, d)| helper(op, d))
}
