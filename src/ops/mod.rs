//! The table of operations: every elementwise operator and function, and
//! every reduction, with its name, arity, dtype rule and scalar reference
//! semantics.
//!
//! This table is the single source of truth. The type checker reads
//! [`OpDef::rule`] to decide result dtypes and explicit casts, the reference
//! interpreter calls [`OpDef::eval`] element by element, the JIT lowers each
//! [`Op`] and is tested against `eval`, and the tests enumerate [`Op::ALL`].
//! Adding a function is adding a variant and a row (and its JIT lowering).
//!
//! By the time `eval` is called, the type checker has cast every operand to
//! the operation's *operand dtype* (see [`Rule`]), so `eval` only ever sees
//! operands of one dtype (`where` and the predicates aside).
//!
//! The semantics are NumPy 2's on x86-64; the comments name NumPy's C
//! implementation where it is not obvious. [`reduce`] holds the reduction
//! reference (NumPy's pairwise summation and friends) both backends use.

pub mod reduce;

use crate::dtype::{Complex, DType, F16, Scalar};
use crate::vmath::complex::{self as C, CFunc};
use crate::vmath::{Func as VF, MathMode, call1, call2};

/// A failure of an operation on particular values.
#[derive(Clone, Debug, PartialEq)]
pub enum EvalError {
    /// The data makes the operation undefined (NumPy raises).
    Value(&'static str),
    /// The type checker let through operands the operation cannot take: a bug.
    Internal(&'static str),
}

pub type EvalResult = Result<Scalar, EvalError>;

/// How an operation treats `bool` when all its operands are bool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolRule {
    /// Defined on bool and gives bool (`bool + bool` is logical or).
    Keep,
    /// NumPy raises; the text is NumPy's reason.
    Reject(&'static str),
    /// NumPy computes in `int8` (`bool // bool`).
    Int8,
    /// NumPy computes in `float16` (`sin(bool)`).
    Float16,
}

/// How an operation's dtypes are decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Operands are promoted to one dtype (NEP 50); the result has that dtype.
    Arith(BoolRule),
    /// Like `Arith` but bool and integer operands are computed in a float
    /// dtype: with `ints_to_f64` (`/`, NumPy's `true_divide`) float64;
    /// without (`sin`, `sqrt`, `hypot`...) the smallest float that holds
    /// the integer dtype ([`DType::safe_float`]: float16 for 8-bit
    /// integers, float32 for 16-bit ones) and `bool_rule`'s for bool.
    /// Floats stay as they are.
    Float { bool_rule: BoolRule, ints_to_f64: bool },
    /// Promoted operands that must be bool or integer (`& | ^ ~`).
    Bitwise,
    /// Promoted operands that must be integer (`<< >>`; NumPy gives int8 for bool).
    Shift,
    /// Promoted operands, bool result (`< == ...`).
    Compare,
    /// One operand of any dtype, bool result, no cast (`isnan`).
    Predicate,
    /// `where(cond, x, y)`: cond of any dtype (cast to bool), x and y promoted.
    Where,
}

/// What an operation does with complex operands: the table's complex
/// column. The type checker promotes the operands as usual (a complex
/// dtype with anything is complex, [`DType::promote`]) and then asks this;
/// the function is the reference semantics on complex operands of one
/// dtype (NumPy 2's, from [`crate::vmath::complex`]).
#[derive(Clone, Copy, Debug)]
pub enum Cx {
    /// NumPy has no complex loop: an error at compile time.
    No,
    /// NumPy has one, numjet not yet: an error at compile time saying so.
    Later,
    /// Complex operands give a complex result of their dtype.
    Complex(fn(&[Scalar]) -> EvalResult),
    /// A complex operand gives a float of its part's dtype (`abs`, `real`).
    Part(fn(&[Scalar]) -> EvalResult),
    /// Complex operands give a bool (comparisons, `isnan`).
    Bool(fn(&[Scalar]) -> EvalResult),
}

/// Whether an operation is an infix/prefix operator or a named function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Operator(&'static str),
    Function,
    /// Not written by users: produced by the type checker only (the
    /// complex `reciprocal` of `z ** -1`).
    Internal,
}

/// One row of the table.
pub struct OpDef {
    /// The operation.
    pub op: Op,
    /// NumPy's name (`add`, `sin`), which is also the numjet function name
    /// for [`Syntax::Function`] rows.
    pub name: &'static str,
    pub syntax: Syntax,
    pub arity: usize,
    pub rule: Rule,
    /// Reference semantics on real operands of the operand dtype.
    pub eval: fn(&[Scalar]) -> EvalResult,
    /// What the operation does with complex operands (`No` where a row
    /// does not say).
    pub cx: Cx,
}

macro_rules! ops {
    ($( $variant:ident => $name:literal, $syntax:expr, $arity:literal, $rule:expr, $eval:expr $(, cx: $cx:expr)?; )*) => {
        /// An elementwise operation. `OPS[op as usize]` is its row.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Op { $($variant,)* }

        /// The table, indexed by `Op as usize`.
        pub static OPS: &[OpDef] = &[
            $(OpDef { op: Op::$variant, name: $name, syntax: $syntax, arity: $arity, rule: $rule, eval: $eval, cx: cx_or_no!($($cx)?) },)*
        ];

        impl Op {
            /// Every operation, in table order.
            pub const ALL: &[Op] = &[$(Op::$variant,)*];
        }
    };
}

macro_rules! cx_or_no {
    () => {
        Cx::No
    };
    ($cx:expr) => {
        $cx
    };
}

use BoolRule::*;
use Cx::{Bool as CBool, Complex as CC, Part};
use Rule::*;
use Syntax::{Function as F, Internal, Operator as O};

const NO_BOOL_SUB: BoolRule = Reject(
    "numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the `^` operator, or the logical_xor function instead",
);
const NO_BOOL_NEG: BoolRule =
    Reject("the numpy boolean negative, the `-` operator, is not supported, use the `~` operator or the logical_not function instead");
const FLOAT: Rule = Rule::Float { bool_rule: Float16, ints_to_f64: false };
const NO_BOOL_SIGN: BoolRule = Reject("ufunc 'sign' did not contain a loop with signature matching types");

ops! {
    Add => "add", O("+"), 2, Arith(Keep), |v| bin!(v, |a, b| a | b, a.wrapping_add(b), a + b), cx: CC(|v| c2(v, C::add_c64, C::add_c32));
    Sub => "subtract", O("-"), 2, Arith(NO_BOOL_SUB), |v| bin!(v, |a, b| na!(), a.wrapping_sub(b), a - b), cx: CC(|v| c2(v, C::sub_c64, C::sub_c32));
    Mul => "multiply", O("*"), 2, Arith(Keep), |v| bin!(v, |a, b| a & b, a.wrapping_mul(b), a * b), cx: CC(|v| c2(v, C::mul_c64, C::mul_c32));
    Div => "true_divide", O("/"), 2, Rule::Float { bool_rule: Keep, ints_to_f64: true }, |v| bin!(v, |a, b| na!(), na!(), a / b), cx: CC(|v| c2(v, C::div_c64, C::div_c32));
    FloorDiv => "floor_divide", O("//"), 2, Arith(Int8), |v| bin!(v, |a, b| na!(), int_floor_div(a, b), call2(VF::FloorDivide, a, b));
    Mod => "remainder", O("%"), 2, Arith(Int8), |v| bin!(v, |a, b| na!(), int_mod(a, b), call2(VF::Remainder, a, b));
    Pow => "power", F, 2, Arith(Int8), |v| bin!(v, |a, b| na!(), int_pow(a, b)?, call2(VF::Power, a, b)), cx: CC(|v| c2(v, C::power_c64, C::power_c32));
    Neg => "negative", O("-"), 1, Arith(NO_BOOL_NEG), |v| un!(v, |a| na!(), a.wrapping_neg(), -a), cx: CC(|v| c1(v, C::neg_c64, C::neg_c32));
    Pos => "positive", O("+"), 1, Arith(Reject("ufunc 'positive' has no loop for bool")), |v| un!(v, |a| na!(), a, a), cx: CC(|v| Ok(v[0]));
    Invert => "invert", O("~"), 1, Bitwise, |v| un!(v, |a| !a, !a, na!());
    BitAnd => "bitwise_and", O("&"), 2, Bitwise, |v| bin!(v, |a, b| a & b, a & b, na!());
    BitOr => "bitwise_or", O("|"), 2, Bitwise, |v| bin!(v, |a, b| a | b, a | b, na!());
    BitXor => "bitwise_xor", O("^"), 2, Bitwise, |v| bin!(v, |a, b| a ^ b, a ^ b, na!());
    Shl => "left_shift", O("<<"), 2, Shift, |v| bin!(v, |a, b| na!(), shl(a, b), na!());
    Shr => "right_shift", O(">>"), 2, Shift, |v| bin!(v, |a, b| na!(), shr(a, b), na!());
    Eq => "equal", O("=="), 2, Compare, |v| cmp!(v, |a, b| a == b), cx: CBool(|v| cbool2(v, C::eq_c64, C::eq_c32));
    Ne => "not_equal", O("!="), 2, Compare, |v| cmp!(v, |a, b| a != b), cx: CBool(|v| cbool2(v, C::ne_c64, C::ne_c32));
    Lt => "less", O("<"), 2, Compare, |v| cmp!(v, |a, b| a < b), cx: CBool(|v| cbool2(v, C::lt_c64, C::lt_c32));
    Le => "less_equal", O("<="), 2, Compare, |v| cmp!(v, |a, b| a <= b), cx: CBool(|v| cbool2(v, C::le_c64, C::le_c32));
    Gt => "greater", O(">"), 2, Compare, |v| cmp!(v, |a, b| a > b), cx: CBool(|v| cbool2(v, C::gt_c64, C::gt_c32));
    Ge => "greater_equal", O(">="), 2, Compare, |v| cmp!(v, |a, b| a >= b), cx: CBool(|v| cbool2(v, C::ge_c64, C::ge_c32));
    Where => "where", F, 3, Where, |v| Ok(match v[0] { Scalar::Bool(c) => if c { v[1] } else { v[2] }, _ => na!() }), cx: CC(where_eval);
    Sin => "sin", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Sin, a)), cx: CC(|v| cfunc(v, CFunc::Sin));
    Cos => "cos", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Cos, a)), cx: CC(|v| cfunc(v, CFunc::Cos));
    Tan => "tan", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Tan, a)), cx: CC(|v| cfunc(v, CFunc::Tan));
    Arcsin => "arcsin", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Arcsin, a)), cx: CC(|v| cfunc(v, CFunc::Arcsin));
    Arccos => "arccos", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Arccos, a)), cx: CC(|v| cfunc(v, CFunc::Arccos));
    Arctan => "arctan", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Arctan, a)), cx: CC(|v| cfunc(v, CFunc::Arctan));
    Arctan2 => "arctan2", F, 2, FLOAT, |v| bin!(v, |a, b| na!(), na!(), call2(VF::Arctan2, a, b));
    Sinh => "sinh", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Sinh, a)), cx: CC(|v| cfunc(v, CFunc::Sinh));
    Cosh => "cosh", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Cosh, a)), cx: CC(|v| cfunc(v, CFunc::Cosh));
    Tanh => "tanh", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Tanh, a)), cx: CC(|v| cfunc(v, CFunc::Tanh));
    Arcsinh => "arcsinh", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Arcsinh, a)), cx: CC(|v| cfunc(v, CFunc::Arcsinh));
    Arccosh => "arccosh", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Arccosh, a)), cx: CC(|v| cfunc(v, CFunc::Arccosh));
    Arctanh => "arctanh", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Arctanh, a)), cx: CC(|v| cfunc(v, CFunc::Arctanh));
    Exp => "exp", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Exp, a)), cx: CC(|v| cfunc(v, CFunc::Exp));
    Exp2 => "exp2", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Exp2, a)), cx: CC(|v| c1(v, exp2_c64, exp2_c32));
    Expm1 => "expm1", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Expm1, a)), cx: CC(|v| cfunc(v, CFunc::Expm1));
    Log => "log", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Log, a)), cx: CC(|v| cfunc(v, CFunc::Log));
    Log2 => "log2", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Log2, a)), cx: CC(|v| cfunc(v, CFunc::Log2));
    Log10 => "log10", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Log10, a)), cx: CC(|v| cfunc(v, CFunc::Log10));
    Log1p => "log1p", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Log1p, a)), cx: CC(|v| cfunc(v, CFunc::Log1p));
    Sqrt => "sqrt", F, 1, FLOAT, |v| fl!(v, |a| a.sqrt()), cx: CC(|v| cfunc(v, CFunc::Sqrt));
    Cbrt => "cbrt", F, 1, FLOAT, |v| fl!(v, |a| call1(VF::Cbrt, a));
    Square => "square", F, 1, Arith(Int8), |v| un!(v, |a| na!(), a.wrapping_mul(a), a * a), cx: CC(|v| c2(&[v[0], v[0]], C::mul_c64, C::mul_c32));
    Abs => "abs", F, 1, Arith(Keep), |v| un!(v, |a| a, Int::wrapping_abs(a), a.abs()), cx: Part(|v| cpart(v, C::abs_c64, C::abs_c32));
    Sign => "sign", F, 1, Arith(NO_BOOL_SIGN), |v| un!(v, |a| na!(), Int::signum(a), float_sign(a)), cx: CC(|v| c1(v, sign_c64, sign_c32));
    Floor => "floor", F, 1, Arith(Keep), |v| un!(v, |a| a, a, a.floor());
    Ceil => "ceil", F, 1, Arith(Keep), |v| un!(v, |a| a, a, a.ceil());
    Trunc => "trunc", F, 1, Arith(Keep), |v| un!(v, |a| a, a, a.trunc());
    Round => "round", F, 1, Arith(Float16), |v| un!(v, |a| na!(), a, a.round_ties_even()), cx: CC(|v| c1(v, rint_c64, rint_c32));
    Rint => "rint", F, 1, FLOAT, |v| fl!(v, |a| a.round_ties_even()), cx: CC(|v| c1(v, rint_c64, rint_c32));
    Fmod => "fmod", F, 2, Arith(Int8), |v| bin!(v, |a, b| na!(), if b == 0 { 0 } else { a.wrapping_rem(b) }, call2(VF::Fmod, a, b));
    Hypot => "hypot", F, 2, FLOAT, |v| bin!(v, |a, b| na!(), na!(), call2(VF::Hypot, a, b));
    Copysign => "copysign", F, 2, FLOAT, |v| bin!(v, |a, b| na!(), na!(), a.copysign(b));
    Nextafter => "nextafter", F, 2, FLOAT, |v| match (v[0], v[1]) {
        // On half's own bits: float32's next value would round back.
        (Scalar::Float16(a), Scalar::Float16(b)) => Ok(Scalar::Float16(half_nextafter(a, b))),
        _ => bin!(v, |a, b| na!(), na!(), nextafter(a, b)),
    };
    // float16: NumPy's half loops keep the first operand on ties
    // (`npy_half_le`), so `minimum(0.0, -0.0)` is 0.0 there.
    Minimum => "minimum", F, 2, Arith(Keep), |v| match (v[0], v[1]) {
        (Scalar::Float16(a), Scalar::Float16(b)) => Ok(Scalar::Float16(if a <= b || a.is_nan() { a } else { b })),
        _ => bin!(v, |a, b| a & b, a.min(b), if a < b || a.is_nan() { a } else { b }),
    }, cx: CC(|v| cpick(v, |a, b| a.0.is_nan() || a.1.is_nan() || C::le_c64(a.0, a.1, b.0, b.1), |a, b| a.0.is_nan() || a.1.is_nan() || C::le_c32(a.0, a.1, b.0, b.1)));
    Maximum => "maximum", F, 2, Arith(Keep), |v| match (v[0], v[1]) {
        (Scalar::Float16(a), Scalar::Float16(b)) => Ok(Scalar::Float16(if a >= b || a.is_nan() { a } else { b })),
        _ => bin!(v, |a, b| a | b, a.max(b), if a > b || a.is_nan() { a } else { b }),
    }, cx: CC(|v| cpick(v, |a, b| a.0.is_nan() || a.1.is_nan() || C::ge_c64(a.0, a.1, b.0, b.1), |a, b| a.0.is_nan() || a.1.is_nan() || C::ge_c32(a.0, a.1, b.0, b.1)));
    Fmin => "fmin", F, 2, Arith(Keep), |v| bin!(v, |a, b| a & b, a.min(b), if a <= b || b.is_nan() { a } else { b }), cx: CC(|v| cpick(v, |a, b| b.0.is_nan() || b.1.is_nan() || C::le_c64(a.0, a.1, b.0, b.1), |a, b| b.0.is_nan() || b.1.is_nan() || C::le_c32(a.0, a.1, b.0, b.1)));
    Fmax => "fmax", F, 2, Arith(Keep), |v| bin!(v, |a, b| a | b, a.max(b), if a >= b || b.is_nan() { a } else { b }), cx: CC(|v| cpick(v, |a, b| b.0.is_nan() || b.1.is_nan() || C::ge_c64(a.0, a.1, b.0, b.1), |a, b| b.0.is_nan() || b.1.is_nan() || C::ge_c32(a.0, a.1, b.0, b.1)));
    Isnan => "isnan", F, 1, Predicate, |v| pred!(v, |a| false, false, a.is_nan()), cx: CBool(|v| cbool1(v, C::isnan_c64, C::isnan_c32));
    Isinf => "isinf", F, 1, Predicate, |v| pred!(v, |a| false, false, a.is_infinite()), cx: CBool(|v| cbool1(v, C::isinf_c64, C::isinf_c32));
    Isfinite => "isfinite", F, 1, Predicate, |v| pred!(v, |a| true, true, a.is_finite()), cx: CBool(|v| cbool1(v, C::isfinite_c64, C::isfinite_c32));
    Signbit => "signbit", F, 1, Predicate, |v| pred!(v, |a| false, Int::is_negative(a), a.is_sign_negative());
    Copy => "copy", F, 1, Arith(Keep), |v| Ok(v[0]), cx: CC(|v| Ok(v[0]));
    OnesLike => "ones_like", F, 1, Arith(Keep), |v| Ok(Scalar::Bool(true).cast(v[0].dtype())), cx: CC(|v| Ok(Scalar::Bool(true).cast(v[0].dtype())));
    Real => "real", F, 1, Arith(Keep), |v| Ok(v[0]), cx: Part(|v| cpart(v, |re, _| re, |re, _| re));
    Imag => "imag", F, 1, Arith(Keep), |v| Ok(Scalar::Bool(false).cast(v[0].dtype())), cx: Part(|v| cpart(v, |_, im| im, |_, im| im));
    Conj => "conj", F, 1, Arith(Int8), |v| Ok(v[0]), cx: CC(|v| c1(v, C::conj_c64, C::conj_c32));
    Angle => "angle", F, 1, FLOAT, |v| fl!(v, |a| call2(VF::Arctan2, 0.0, a)), cx: Part(|v| cpart(v, C::angle_c64, C::angle_c32));
    // `z ** -1` on complex `z`: NumPy's complex `reciprocal` loop (real
    // operands never reach it).
    Reciprocal => "reciprocal", Internal, 1, Arith(Keep), |_| Err(EvalError::Internal("reciprocal of a real operand")), cx: CC(|v| c1(v, reciprocal_c64, reciprocal_c32));
    ComplexNew => "complex", F, 2, Rule::Float { bool_rule: Keep, ints_to_f64: true }, |v| match (v[0], v[1]) {
        (Scalar::Float64(re), Scalar::Float64(im)) => Ok(Scalar::Complex128(Complex::new(re, im))),
        // Only from `ir::split` (the type checker makes float64 parts).
        (Scalar::Float32(re), Scalar::Float32(im)) => Ok(Scalar::Complex64(Complex::new(re, im))),
        _ => na!(),
    };
    // `a * b + c` rounded once: only in the JIT's form of a complex
    // program (`ir::split`), for NumPy's fused complex multiply; never
    // from a user's `a * b + c`.
    Fma => "fma", Internal, 3, Arith(Keep), |v| match (v[0], v[1], v[2]) {
        (Scalar::Float64(a), Scalar::Float64(b), Scalar::Float64(c)) => Ok(Scalar::Float64(a.mul_add(b, c))),
        (Scalar::Float32(a), Scalar::Float32(b), Scalar::Float32(c)) => Ok(Scalar::Float32(a.mul_add(b, c))),
        _ => na!(),
    };
}

impl Op {
    /// This operation's row of the table.
    pub fn def(self) -> &'static OpDef {
        &OPS[self as usize]
    }

    /// The function of this name, if any (`"sin"` → `Sin`, `"power"` → `Pow`).
    pub fn function(name: &str) -> Option<Op> {
        OPS.iter().find(|d| d.syntax == Syntax::Function && d.name == name).map(|d| d.op)
    }

    /// Every function name a program may call, reductions and casts included.
    pub fn function_names() -> impl Iterator<Item = &'static str> {
        OPS.iter()
            .filter(|d| d.syntax == Syntax::Function)
            .map(|d| d.name)
            .chain(REDUCES.iter().map(|r| r.name))
            .chain(["clip"])
            .chain(DType::ALL.iter().map(|d| d.name()))
    }

    /// The function of [`crate::vmath`] that computes this operation on
    /// floats, if any: the one of the same name (`sin`, `power`).
    pub fn vmath(self) -> Option<VF> {
        VF::ALL.iter().copied().find(|f| f.name() == self.def().name)
    }

    /// The function of [`crate::vmath`] this operation calls on floats in
    /// `mode`: [`Op::vmath`], or its fast version in [`MathMode::Fast`].
    pub fn vmath_in(self, mode: MathMode) -> Option<VF> {
        self.vmath().map(|f| f.in_mode(mode))
    }

    /// The operation on one element of each operand (of the operand
    /// dtype): the row's `eval` on real operands, its complex column's
    /// function on complex ones.
    pub fn eval(self, args: &[Scalar]) -> EvalResult {
        self.eval_in(MathMode::Accurate, args)
    }

    /// The operation on one element of each operand (of the operand
    /// dtype) in `mode`: as [`Op::eval`], except that in
    /// [`MathMode::Fast`] a real function with a fast version calls that
    /// (float16 through float32, rounded once, as the row does). Complex
    /// operands always take the complex column's function (there are no
    /// fast complex functions).
    pub fn eval_in(self, mode: MathMode, args: &[Scalar]) -> EvalResult {
        if args.last().is_some_and(|a| a.dtype().is_complex()) {
            return match self.def().cx {
                Cx::Complex(f) | Cx::Part(f) | Cx::Bool(f) => f(args),
                Cx::No | Cx::Later => Err(EvalError::Internal("complex operands to an operation without a complex loop")),
            };
        }
        match self.vmath_in(mode) {
            Some(f) if f.is_fast() => {
                let arg = |i: usize| args.get(i).copied().ok_or(EvalError::Internal("missing operand"));
                let b = if f.arity() == 2 { arg(1)? } else { arg(0)? };
                let r = match (f.arity(), arg(0)?, b) {
                    (1, Scalar::Float16(a), _) => Scalar::Float16(F16::from_f32(call1(f, a.to_f32()))),
                    (1, Scalar::Float32(a), _) => Scalar::Float32(call1(f, a)),
                    (1, Scalar::Float64(a), _) => Scalar::Float64(call1(f, a)),
                    (2, Scalar::Float16(a), Scalar::Float16(b)) => Scalar::Float16(F16::from_f32(call2(f, a.to_f32(), b.to_f32()))),
                    (2, Scalar::Float32(a), Scalar::Float32(b)) => Scalar::Float32(call2(f, a, b)),
                    (2, Scalar::Float64(a), Scalar::Float64(b)) => Scalar::Float64(call2(f, a, b)),
                    _ => return Err(EvalError::Internal("a fast math function got a non-float operand")),
                };
                Ok(r)
            }
            _ => (self.def().eval)(args),
        }
    }

    /// The text a user writes for the operation (`+`, `sin`).
    pub fn spelling(self) -> &'static str {
        match self.def().syntax {
            Syntax::Operator(s) => s,
            Syntax::Function | Syntax::Internal => self.def().name,
        }
    }
}

/// A whole-array reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reduce {
    Sum,
    Prod,
    Min,
    Max,
    Mean,
    Any,
    All,
}

/// One reduction row: name and result dtype rule. The reference semantics
/// live in [`crate::interp`], which needs the whole column (pairwise sums).
pub struct ReduceDef {
    pub reduce: Reduce,
    pub name: &'static str,
    /// Dtype the elements are converted to before reducing, and the result dtype.
    pub dtype: fn(DType) -> DType,
}

pub static REDUCES: &[ReduceDef] = &[
    ReduceDef { reduce: Reduce::Sum, name: "sum", dtype: accumulate_dtype },
    ReduceDef { reduce: Reduce::Prod, name: "prod", dtype: accumulate_dtype },
    ReduceDef { reduce: Reduce::Min, name: "min", dtype: |d| d },
    ReduceDef { reduce: Reduce::Max, name: "max", dtype: |d| d },
    ReduceDef { reduce: Reduce::Mean, name: "mean", dtype: |d| if d.is_float() || d.is_complex() { d } else { DType::Float64 } },
    ReduceDef { reduce: Reduce::Any, name: "any", dtype: |_| DType::Bool },
    ReduceDef { reduce: Reduce::All, name: "all", dtype: |_| DType::Bool },
];

/// `sum` and `prod` of bool and signed integers accumulate in int64, of
/// unsigned ones in uint64, as NumPy's do (its default integers).
fn accumulate_dtype(d: DType) -> DType {
    match d {
        DType::Bool | DType::Int8 | DType::Int16 | DType::Int32 => DType::Int64,
        DType::UInt8 | DType::UInt16 | DType::UInt32 => DType::UInt64,
        d => d,
    }
}

impl Reduce {
    pub fn def(self) -> &'static ReduceDef {
        &REDUCES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<Reduce> {
        REDUCES.iter().find(|r| r.name == name).map(|r| r.reduce)
    }
}

// ---------------------------------------------------------------------------
// Helpers for the rows.

/// The arm a well-typed program never reaches.
macro_rules! na {
    () => {
        return Err(EvalError::Internal("operand dtype not accepted by this operation"))
    };
}

/// Binary operation on two operands of one dtype: bool, int and float
/// bodies. A float16 body computes in float32 and rounds once.
macro_rules! bin {
    ($v:expr, |$a:ident, $b:ident| $bool:expr, $int:expr, $float:expr) => {{
        #[allow(unused_variables, unreachable_code, clippy::diverging_sub_expression, unused_comparisons)]
        let r = match ($v[0], $v[1]) {
            (Scalar::Bool($a), Scalar::Bool($b)) => Scalar::Bool($bool),
            (Scalar::Int8($a), Scalar::Int8($b)) => Scalar::Int8($int),
            (Scalar::Int16($a), Scalar::Int16($b)) => Scalar::Int16($int),
            (Scalar::Int32($a), Scalar::Int32($b)) => Scalar::Int32($int),
            (Scalar::Int64($a), Scalar::Int64($b)) => Scalar::Int64($int),
            (Scalar::UInt8($a), Scalar::UInt8($b)) => Scalar::UInt8($int),
            (Scalar::UInt16($a), Scalar::UInt16($b)) => Scalar::UInt16($int),
            (Scalar::UInt32($a), Scalar::UInt32($b)) => Scalar::UInt32($int),
            (Scalar::UInt64($a), Scalar::UInt64($b)) => Scalar::UInt64($int),
            (Scalar::Float16($a), Scalar::Float16($b)) => {
                let ($a, $b) = ($a.to_f32(), $b.to_f32());
                Scalar::Float16(F16::from_f32($float))
            }
            (Scalar::Float32($a), Scalar::Float32($b)) => Scalar::Float32($float),
            (Scalar::Float64($a), Scalar::Float64($b)) => Scalar::Float64($float),
            _ => na!(),
        };
        Ok(r)
    }};
}

/// Unary operation keeping the dtype.
macro_rules! un {
    ($v:expr, |$a:ident| $bool:expr, $int:expr, $float:expr) => {{
        #[allow(unused_variables, unreachable_code, clippy::diverging_sub_expression, unused_comparisons)]
        let r = match $v[0] {
            Scalar::Bool($a) => Scalar::Bool($bool),
            Scalar::Int8($a) => Scalar::Int8($int),
            Scalar::Int16($a) => Scalar::Int16($int),
            Scalar::Int32($a) => Scalar::Int32($int),
            Scalar::Int64($a) => Scalar::Int64($int),
            Scalar::UInt8($a) => Scalar::UInt8($int),
            Scalar::UInt16($a) => Scalar::UInt16($int),
            Scalar::UInt32($a) => Scalar::UInt32($int),
            Scalar::UInt64($a) => Scalar::UInt64($int),
            Scalar::Float16($a) => {
                let $a = $a.to_f32();
                Scalar::Float16(F16::from_f32($float))
            }
            Scalar::Float32($a) => Scalar::Float32($float),
            Scalar::Float64($a) => Scalar::Float64($float),
            Scalar::Complex64(_) | Scalar::Complex128(_) => na!(),
        };
        Ok(r)
    }};
}

/// Unary float function (operands were cast to a float dtype).
macro_rules! fl {
    ($v:expr, |$a:ident| $float:expr) => {
        un!($v, |$a| na!(), na!(), $float)
    };
}

/// Comparison: any dtype, bool result (float16 compares as float32, exactly).
macro_rules! cmp {
    ($v:expr, |$a:ident, $b:ident| $e:expr) => {{
        #[allow(clippy::bool_comparison)]
        let r = match ($v[0], $v[1]) {
            (Scalar::Bool($a), Scalar::Bool($b)) => $e,
            (Scalar::Int8($a), Scalar::Int8($b)) => $e,
            (Scalar::Int16($a), Scalar::Int16($b)) => $e,
            (Scalar::Int32($a), Scalar::Int32($b)) => $e,
            (Scalar::Int64($a), Scalar::Int64($b)) => $e,
            (Scalar::UInt8($a), Scalar::UInt8($b)) => $e,
            (Scalar::UInt16($a), Scalar::UInt16($b)) => $e,
            (Scalar::UInt32($a), Scalar::UInt32($b)) => $e,
            (Scalar::UInt64($a), Scalar::UInt64($b)) => $e,
            (Scalar::Float16($a), Scalar::Float16($b)) => {
                let ($a, $b) = ($a.to_f32(), $b.to_f32());
                $e
            }
            (Scalar::Float32($a), Scalar::Float32($b)) => $e,
            (Scalar::Float64($a), Scalar::Float64($b)) => $e,
            _ => na!(),
        };
        Ok(Scalar::Bool(r))
    }};
}

/// Predicate: any dtype, bool result.
macro_rules! pred {
    ($v:expr, |$a:ident| $bool:expr, $int:expr, $float:expr) => {{
        #[allow(unused_variables, unused_comparisons)]
        let r = match $v[0] {
            Scalar::Bool($a) => $bool,
            Scalar::Int8($a) => $int,
            Scalar::Int16($a) => $int,
            Scalar::Int32($a) => $int,
            Scalar::Int64($a) => $int,
            Scalar::UInt8($a) => $int,
            Scalar::UInt16($a) => $int,
            Scalar::UInt32($a) => $int,
            Scalar::UInt64($a) => $int,
            Scalar::Float16($a) => {
                let $a = $a.to_f32();
                $float
            }
            Scalar::Float32($a) => $float,
            Scalar::Float64($a) => $float,
            Scalar::Complex64(_) | Scalar::Complex128(_) => na!(),
        };
        Ok(Scalar::Bool(r))
    }};
}

use {bin, cmp, fl, na, pred, un};

// ---------------------------------------------------------------------------
// The complex column's helpers: NumPy's complex loops on operands of one
// complex dtype, through `vmath::complex` (`_c64` on complex128's f64
// parts, `_c32` on complex64's f32 parts).

type C2<T> = fn(T, T, T, T) -> (T, T);
type C1<T> = fn(T, T) -> (T, T);

/// A binary complex operation with a complex result.
fn c2(v: &[Scalar], f: C2<f64>, g: C2<f32>) -> EvalResult {
    match (v[0], v[1]) {
        (Scalar::Complex128(a), Scalar::Complex128(b)) => Ok(Scalar::Complex128(pair(f(a.re, a.im, b.re, b.im)))),
        (Scalar::Complex64(a), Scalar::Complex64(b)) => Ok(Scalar::Complex64(pair(g(a.re, a.im, b.re, b.im)))),
        _ => na!(),
    }
}

/// A unary complex operation with a complex result.
fn c1(v: &[Scalar], f: C1<f64>, g: C1<f32>) -> EvalResult {
    match v[0] {
        Scalar::Complex128(a) => Ok(Scalar::Complex128(pair(f(a.re, a.im)))),
        Scalar::Complex64(a) => Ok(Scalar::Complex64(pair(g(a.re, a.im)))),
        _ => na!(),
    }
}

/// One of the complex functions of [`CFunc`].
fn cfunc(v: &[Scalar], f: CFunc) -> EvalResult {
    match v[0] {
        Scalar::Complex128(a) => Ok(Scalar::Complex128(pair(C::cfunc_c64(f, a.re, a.im)))),
        Scalar::Complex64(a) => Ok(Scalar::Complex64(pair(C::cfunc_c32(f, a.re, a.im)))),
        _ => na!(),
    }
}

/// A complex operand, a float result of its part's dtype.
fn cpart(v: &[Scalar], f: fn(f64, f64) -> f64, g: fn(f32, f32) -> f32) -> EvalResult {
    match v[0] {
        Scalar::Complex128(a) => Ok(Scalar::Float64(f(a.re, a.im))),
        Scalar::Complex64(a) => Ok(Scalar::Float32(g(a.re, a.im))),
        _ => na!(),
    }
}

fn cbool1(v: &[Scalar], f: fn(f64, f64) -> bool, g: fn(f32, f32) -> bool) -> EvalResult {
    match v[0] {
        Scalar::Complex128(a) => Ok(Scalar::Bool(f(a.re, a.im))),
        Scalar::Complex64(a) => Ok(Scalar::Bool(g(a.re, a.im))),
        _ => na!(),
    }
}

fn cbool2(v: &[Scalar], f: fn(f64, f64, f64, f64) -> bool, g: fn(f32, f32, f32, f32) -> bool) -> EvalResult {
    match (v[0], v[1]) {
        (Scalar::Complex128(a), Scalar::Complex128(b)) => Ok(Scalar::Bool(f(a.re, a.im, b.re, b.im))),
        (Scalar::Complex64(a), Scalar::Complex64(b)) => Ok(Scalar::Bool(g(a.re, a.im, b.re, b.im))),
        _ => na!(),
    }
}

/// NumPy's complex `maximum`/`minimum`/`fmax`/`fmin` loops: the first
/// operand where `keep_first` holds (for `maximum`: it has a NaN part or
/// is `>=` the second in NumPy 2's order), else the second.
fn cpick(v: &[Scalar], f: fn((f64, f64), (f64, f64)) -> bool, g: fn((f32, f32), (f32, f32)) -> bool) -> EvalResult {
    match (v[0], v[1]) {
        (Scalar::Complex128(a), Scalar::Complex128(b)) => Ok(if f((a.re, a.im), (b.re, b.im)) { v[0] } else { v[1] }),
        (Scalar::Complex64(a), Scalar::Complex64(b)) => Ok(if g((a.re, a.im), (b.re, b.im)) { v[0] } else { v[1] }),
        _ => na!(),
    }
}

fn pair<T>((re, im): (T, T)) -> Complex<T> {
    Complex::new(re, im)
}

/// `where(c, x, y)` on any dtype (the condition is bool).
fn where_eval(v: &[Scalar]) -> EvalResult {
    match v[0] {
        Scalar::Bool(c) => Ok(if c { v[1] } else { v[2] }),
        _ => na!(),
    }
}

macro_rules! reciprocal {
    ($name:ident, $t:ty) => {
        /// NumPy's complex `reciprocal` loop: the ratio of the smaller to
        /// the larger part, then two divisions.
        fn $name(re: $t, im: $t) -> ($t, $t) {
            if im.abs() <= re.abs() {
                let r = im / re;
                let d = re + im * r;
                (1.0 / d, -r / d)
            } else {
                let r = re / im;
                let d = re * r + im;
                (r / d, -1.0 / d)
            }
        }
    };
}
reciprocal!(reciprocal_c64, f64);
reciprocal!(reciprocal_c32, f32);

macro_rules! complex_sign {
    ($name:ident, $t:ty, $hypot:expr) => {
        /// NumPy 2's complex `sign`: `z / |z|` with `|z|` by `hypot`; 0
        /// for 0; NaN + NaN i if `|z|` is NaN; an infinite part alone
        /// gives its sign (`±1` or `±i`); both infinite give NaN + NaN i.
        fn $name(re: $t, im: $t) -> ($t, $t) {
            let a: $t = $hypot(re, im);
            if a.is_nan() {
                (<$t>::NAN, <$t>::NAN)
            } else if a.is_infinite() {
                match (re.is_infinite(), im.is_infinite()) {
                    (true, true) => (<$t>::NAN, <$t>::NAN),
                    (true, false) => (if re > 0.0 { 1.0 } else { -1.0 }, 0.0),
                    _ => (0.0, if im > 0.0 { 1.0 } else { -1.0 }),
                }
            } else if a == 0.0 {
                (0.0, 0.0)
            } else {
                (re / a, im / a)
            }
        }
    };
}
complex_sign!(sign_c64, f64, |x, y| call2(VF::Hypot, x, y));
complex_sign!(sign_c32, f32, |x, y| call2(VF::Hypot, x, y));

/// NumPy's complex `rint` (and `round` with no decimals): each part
/// rounded half to even.
fn rint_c64(re: f64, im: f64) -> (f64, f64) {
    (re.round_ties_even(), im.round_ties_even())
}

fn rint_c32(re: f32, im: f32) -> (f32, f32) {
    (re.round_ties_even(), im.round_ties_even())
}

/// NumPy's `nc_exp2`: `exp(z ln 2)`, the parts multiplied by ln 2 in the
/// dtype's arithmetic.
fn exp2_c64(re: f64, im: f64) -> (f64, f64) {
    C::cfunc_c64(CFunc::Exp, re * std::f64::consts::LN_2, im * std::f64::consts::LN_2)
}

fn exp2_c32(re: f32, im: f32) -> (f32, f32) {
    C::cfunc_c32(CFunc::Exp, re * std::f32::consts::LN_2, im * std::f32::consts::LN_2)
}

/// The float operations the reference semantics need, for f32 and f64 alike.
pub trait Float: Copy + PartialOrd + std::ops::Sub<Output = Self> + std::ops::Div<Output = Self> + std::ops::Rem<Output = Self> + std::ops::AddAssign + std::ops::SubAssign {
    const ZERO: Self;
    const ONE: Self;
    const HALF: Self;
    fn floor(self) -> Self;
    fn copysign(self, sign: Self) -> Self;
    fn is_nan(self) -> bool;
    fn to_bits64(self) -> u64;
    fn from_bits64(b: u64) -> Self;
    fn next_up_bits(self, toward: Self) -> Self;
}

macro_rules! impl_float {
    ($t:ty, $bits:ty) => {
        impl Float for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const HALF: Self = 0.5;
            fn floor(self) -> Self {
                <$t>::floor(self)
            }
            fn copysign(self, sign: Self) -> Self {
                <$t>::copysign(self, sign)
            }
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn to_bits64(self) -> u64 {
                self.to_bits() as u64
            }
            fn from_bits64(b: u64) -> Self {
                <$t>::from_bits(b as $bits)
            }
            /// C `nextafter`.
            fn next_up_bits(self, toward: Self) -> Self {
                if self.is_nan() || toward.is_nan() {
                    return self + toward;
                }
                if self == toward {
                    return toward;
                }
                if self == 0.0 {
                    // Smallest subnormal with the sign of the direction.
                    return <$t>::from_bits(1).copysign(toward);
                }
                let bits = self.to_bits();
                let away_from_zero = (toward > self) == (self > 0.0);
                <$t>::from_bits(if away_from_zero { bits + 1 } else { bits - 1 })
            }
        }
    };
}
impl_float!(f32, u32);
impl_float!(f64, u64);

fn nextafter<T: Float>(a: T, b: T) -> T {
    a.next_up_bits(b)
}

/// NumPy's `npy_half_nextafter`: C `nextafter` on half's bits (a NaN
/// operand gives a NaN).
pub fn half_nextafter(a: F16, b: F16) -> F16 {
    let (x, y) = (a.to_f32(), b.to_f32());
    if x.is_nan() || y.is_nan() {
        return F16::NAN;
    }
    if x == y {
        return a;
    }
    if x == 0.0 {
        return F16(if y < 0.0 { 0x8001 } else { 1 });
    }
    let away_from_zero = (y > x) == (x > 0.0);
    F16(if away_from_zero { a.0 + 1 } else { a.0 - 1 })
}

/// NumPy's `npy_divmod` (which is also CPython's `float_divmod`): floor
/// division and the matching modulo with the divisor's sign.
pub fn divmod<T: Float>(a: T, b: T) -> (T, T) {
    let mut m = a % b;
    if b == T::ZERO {
        return (a / b, m);
    }
    let mut div = (a - m) / b;
    if m != T::ZERO {
        if (b < T::ZERO) != (m < T::ZERO) {
            m += b;
            div -= T::ONE;
        }
    } else {
        m = T::ZERO.copysign(b);
    }
    let floordiv = if div != T::ZERO {
        let mut f = div.floor();
        if div - f > T::HALF {
            f += T::ONE;
        }
        f
    } else {
        T::ZERO.copysign(a / b)
    };
    (floordiv, m)
}

/// NumPy's `npy_floor_divide`.
pub fn floor_divide<T: Float>(a: T, b: T) -> T {
    if b == T::ZERO { a / b } else { divmod(a, b).0 }
}

/// NumPy's `npy_remainder`.
pub fn remainder<T: Float>(a: T, b: T) -> T {
    if b == T::ZERO { a % b } else { divmod(a, b).1 }
}

/// NumPy's float `sign`: NaN stays NaN, ±0 gives +0.
fn float_sign<T: Float + std::ops::Neg<Output = T>>(a: T) -> T {
    if a > T::ZERO {
        T::ONE
    } else if a < T::ZERO {
        -T::ONE
    } else if a == T::ZERO {
        T::ZERO
    } else {
        a
    }
}

/// Integer operations shared by every integer dtype, signed and unsigned.
pub trait Int: Copy + Ord + Sized {
    const BITS: u32;
    const MIN: Self;
    const ZERO: Self;
    const ONE: Self;
    fn wrapping_div(self, o: Self) -> Self;
    fn wrapping_rem(self, o: Self) -> Self;
    fn wrapping_mul(self, o: Self) -> Self;
    fn wrapping_add(self, o: Self) -> Self;
    fn wrapping_sub(self, o: Self) -> Self;
    /// `|x|`, wrapping (`abs(MIN)` is `MIN`); unsigned: the identity.
    fn wrapping_abs(self) -> Self;
    /// -1, 0 or 1 (unsigned: 0 or 1).
    fn signum(self) -> Self;
    fn is_negative(self) -> bool;
    fn wrapping_shl_full(self, by: Self) -> Self;
    fn wrapping_shr_full(self, by: Self) -> Self;
    fn as_u64(self) -> u64;
}

macro_rules! impl_int {
    ($($t:ty: $abs:expr, $signum:expr;)*) => {$(
        impl Int for $t {
            const BITS: u32 = <$t>::BITS;
            const MIN: Self = <$t>::MIN;
            const ZERO: Self = 0;
            const ONE: Self = 1;
            fn wrapping_div(self, o: Self) -> Self {
                <$t>::wrapping_div(self, o)
            }
            fn wrapping_rem(self, o: Self) -> Self {
                <$t>::wrapping_rem(self, o)
            }
            fn wrapping_mul(self, o: Self) -> Self {
                <$t>::wrapping_mul(self, o)
            }
            fn wrapping_add(self, o: Self) -> Self {
                <$t>::wrapping_add(self, o)
            }
            fn wrapping_sub(self, o: Self) -> Self {
                <$t>::wrapping_sub(self, o)
            }
            fn wrapping_abs(self) -> Self {
                ($abs)(self)
            }
            fn signum(self) -> Self {
                ($signum)(self)
            }
            #[allow(unused_comparisons)]
            fn is_negative(self) -> bool {
                self < 0
            }
            fn wrapping_shl_full(self, by: Self) -> Self {
                self << by
            }
            fn wrapping_shr_full(self, by: Self) -> Self {
                self >> by
            }
            fn as_u64(self) -> u64 {
                self as u64
            }
        }
    )*};
}
impl_int! {
    i8: i8::wrapping_abs, i8::signum;
    i16: i16::wrapping_abs, i16::signum;
    i32: i32::wrapping_abs, i32::signum;
    i64: i64::wrapping_abs, i64::signum;
    u8: |x| x, |x| (x != 0) as u8;
    u16: |x| x, |x| (x != 0) as u16;
    u32: |x| x, |x| (x != 0) as u32;
    u64: |x| x, |x| (x != 0) as u64;
}

/// Integer floor division: by zero gives 0, `MIN // -1` wraps to `MIN`.
pub fn int_floor_div<T: Int>(a: T, b: T) -> T {
    if b == T::ZERO {
        return T::ZERO;
    }
    let q = a.wrapping_div(b);
    let r = a.wrapping_rem(b);
    if r != T::ZERO && (r.is_negative() != b.is_negative()) { q.wrapping_sub(T::ONE) } else { q }
}

/// Integer modulo with the divisor's sign; by zero gives 0.
pub fn int_mod<T: Int>(a: T, b: T) -> T {
    if b == T::ZERO {
        return T::ZERO;
    }
    let r = a.wrapping_rem(b);
    if r != T::ZERO && (r.is_negative() != b.is_negative()) { r.wrapping_add(b) } else { r }
}

/// Integer power by squaring, wrapping; a negative exponent is an error.
pub fn int_pow<T: Int>(a: T, b: T) -> Result<T, EvalError> {
    if b.is_negative() {
        return Err(EvalError::Value("Integers to negative integer powers are not allowed."));
    }
    let mut e = b.as_u64();
    let mut base = a;
    let mut acc = T::ONE;
    while e > 0 {
        if e & 1 == 1 {
            acc = acc.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        e >>= 1;
    }
    Ok(acc)
}

/// NumPy's `npy_lshift`: counts outside `0..BITS` give 0.
pub fn shl<T: Int>(a: T, b: T) -> T {
    if b >= T::ZERO && b.as_u64() < T::BITS as u64 { a.wrapping_shl_full(b) } else { T::ZERO }
}

/// NumPy's `npy_rshift`: counts outside `0..BITS` give 0 or -1 by sign.
pub fn shr<T: Int>(a: T, b: T) -> T {
    if b >= T::ZERO && b.as_u64() < T::BITS as u64 {
        a.wrapping_shr_full(b)
    } else if a.is_negative() {
        T::ZERO.wrapping_sub(T::ONE)
    } else {
        T::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_are_in_variant_order() {
        for (i, d) in OPS.iter().enumerate() {
            assert_eq!(d.op as usize, i, "row {} is out of place", d.name);
        }
        for (i, r) in REDUCES.iter().enumerate() {
            assert_eq!(r.reduce as usize, i);
        }
    }

    #[test]
    fn integer_division_edge_cases() {
        assert_eq!(int_floor_div(7i32, 2), 3);
        assert_eq!(int_floor_div(-7i32, 2), -4);
        assert_eq!(int_floor_div(7i32, -2), -4);
        assert_eq!(int_floor_div(i32::MIN, -1), i32::MIN);
        assert_eq!(int_floor_div(5i64, 0), 0);
        assert_eq!(int_mod(-7i32, 2), 1);
        assert_eq!(int_mod(7i32, -2), -1);
        assert_eq!(int_mod(i64::MIN, -1), 0);
        assert_eq!(int_mod(3i64, 0), 0);
    }

    #[test]
    fn shifts_past_the_width() {
        assert_eq!(shl(1i32, 31), i32::MIN);
        assert_eq!(shl(1i32, 32), 0);
        assert_eq!(shl(1i32, -1), 0);
        assert_eq!(shr(-8i64, 64), -1);
        assert_eq!(shr(8i64, 64), 0);
        assert_eq!(shr(-8i64, 1), -4);
    }

    #[test]
    fn float_floor_division_and_modulo_follow_python() {
        assert_eq!(floor_divide(7.0f64, -2.0), -4.0);
        assert_eq!(remainder(7.0f64, -2.0), -1.0);
        assert_eq!(remainder(-0.0f64, 5.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(remainder(1.0f64, -5.0), -4.0);
        assert!(floor_divide(1.0f64, 0.0).is_infinite());
        assert!(remainder(1.0f64, 0.0).is_nan());
        assert_eq!(floor_divide(-1e-300f64, 1e300).to_bits(), (-1.0f64).to_bits());
    }

    #[test]
    fn int_pow_wraps_and_rejects_negative_exponents() {
        assert_eq!(int_pow(3i32, 4), Ok(81));
        assert_eq!(int_pow(2i32, 31), Ok(i32::MIN));
        assert_eq!(int_pow(0i64, 0), Ok(1));
        assert!(int_pow(2i64, -1).is_err());
    }
}
