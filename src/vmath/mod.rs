//! numjet's own math functions: the transcendental functions of the op
//! table for `f32` and `f64`, as scalar functions (what the interpreter
//! calls, one element at a time) and as block functions over slices (what
//! compiled kernels call, once per block of a stage), compiled for three
//! instruction-set levels and chosen at run time.
//!
//! ## One definition, the same bits everywhere
//!
//! Each function is written once, in a family file (`explog.rs`,
//! `trig.rs`, `hyper.rs`, `power.rs`, `fdiv.rs`; the fast mode's
//! `fast_*.rs`), as a scalar function and a block function that
//! is the same arithmetic mapped over a slice, written so that the
//! compiler vectorises it (a branch-free main loop, then a scalar pass
//! that patches the rare lanes the fast path does not cover). The block
//! functions are compiled three times from that one source, for
//! [`Level::Sse2`] (the x86-64 baseline), [`Level::Avx2`] (with FMA) and
//! [`Level::Avx512`], and the level is chosen once per process
//! ([`Level::best`]).
//!
//! The code uses only IEEE-754 `+ - * /`, `sqrt`, comparisons, selects,
//! integer and bit operations: no `mul_add` and no calls of the platform's
//! libm. Rust never contracts `a * b + c` into an FMA, so every level
//! computes the same bits, and the block functions give the bits of the
//! scalar function element by element. `tests/vmath_accuracy.rs` checks
//! both at every level the CPU has, and measures the error of each function
//! against mpmath references.
//!
//! ## The fast mode
//!
//! [`MathMode::Fast`] (opt-in, `Config::math`) swaps thirteen functions
//! for fast versions (`sin_fast`..., [`Func::in_mode`]), at most 4 ULP, in
//! `fast_trig.rs`, `fast_explog.rs` and `fast_hyper.rs`. They may use
//! `mul_add`: Rust's `mul_add` is always a fused multiply-add (one
//! instruction at the AVX2 and AVX-512 levels, a call of the C library's
//! correctly rounded `fma` at the SSE2 level and in scalar code), so the
//! fast versions too give the same bits at every level and in the
//! interpreter, only much more slowly at the SSE2 level. Their float32
//! versions compute in float32 lanes (16 per AVX-512 vector). Inputs their
//! fast paths do not cover (NaN, infinities, huge or tiny arguments) go to
//! the default functions, so special values are the default mode's.
//!
//! ## Safety
//!
//! The one `unsafe` of this module calls a block function compiled for a
//! level after checking (once per process, cached) that the CPU has that
//! level's instructions: [`Level::has`]. It is the machine boundary of
//! these functions, as `jit/abi.rs` is of compiled kernels.

// Range tests are written as comparisons on purpose: which way a NaN
// goes is part of each test (`!(x < limit)` counts NaN as rare).
#![allow(clippy::manual_range_contains, clippy::neg_cmp_op_on_partial_ord)]

pub mod complex;
mod dd;
mod explog;
mod fast_explog;
mod fast_hyper;
mod fast_trig;
mod fdiv;
mod hyper;
mod power;
mod trig;

use std::sync::OnceLock;

/// An instruction-set level the block functions are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// The x86-64 baseline (SSE2), and every other architecture.
    Sse2,
    /// AVX2 with FMA, BMI1, BMI2, LZCNT and POPCNT (256-bit vectors).
    Avx2,
    /// AVX-512 F, DQ, VL and BW (512-bit vectors).
    Avx512,
}

impl Level {
    /// Every level, from the baseline up.
    pub const ALL: [Level; 3] = [Level::Sse2, Level::Avx2, Level::Avx512];

    /// The level's name: `sse2`, `avx2`, `avx512`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Sse2 => "sse2",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    /// The level of this name (as [`Level::name`] spells it).
    pub fn from_name(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether this CPU can run code compiled for the level (detected
    /// once per process).
    pub fn has(self) -> bool {
        static DETECTED: OnceLock<[bool; 3]> = OnceLock::new();
        DETECTED.get_or_init(detect)[self as usize]
    }

    /// The levels this CPU has, from the baseline up.
    pub fn available() -> Vec<Level> {
        Level::ALL.into_iter().filter(|l| l.has()).collect()
    }

    /// The level numjet uses by default: the highest this CPU has, capped
    /// by the environment variable `NUMJET_SIMD` (`sse2`, `avx2` or
    /// `avx512`) when it is set to one of those names. Chosen once per
    /// process.
    pub fn best() -> Level {
        static BEST: OnceLock<Level> = OnceLock::new();
        *BEST.get_or_init(|| {
            let top = Level::available().into_iter().max().unwrap_or(Level::Sse2);
            match std::env::var("NUMJET_SIMD").ok().as_deref().and_then(Level::from_name) {
                Some(cap) => top.min(cap),
                None => top,
            }
        })
    }

    /// This level if the CPU has it, else the highest level below it that
    /// it has (the baseline at least).
    pub fn or_lower(self) -> Level {
        Level::ALL.into_iter().filter(|l| *l <= self && l.has()).max().unwrap_or(Level::Sse2)
    }
}

#[cfg(target_arch = "x86_64")]
fn detect() -> [bool; 3] {
    // Every feature the levels' `target_feature` lists enable (below):
    // code compiled for a level may use any of them.
    let avx2 = std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("bmi2")
        && std::arch::is_x86_feature_detected!("lzcnt")
        && std::arch::is_x86_feature_detected!("popcnt");
    let avx512 = avx2
        && std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512dq")
        && std::arch::is_x86_feature_detected!("avx512vl")
        && std::arch::is_x86_feature_detected!("avx512bw");
    [true, avx2, avx512]
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> [bool; 3] {
    [true, false, false]
}

/// One block-evaluation entry point (for `f32` or `f64`): the unary and
/// binary functions with their block functions' names, dispatched to the
/// level's compiled code.
macro_rules! eval_fn {
    ($(#[$doc:meta])* $name:ident, $t:ty, [$($u:ident => $ub:ident),*], [$($b:ident => $bb:ident),*]) => {
        $(#[$doc])*
        pub fn $name(f: Func, level: Level, args: &[&[$t]], out: &mut [$t]) {
            let x = args.first().copied().unwrap_or(&[]);
            let y = args.get(1).copied().unwrap_or(&[]);
            let n = if f.arity() == 1 { x.len().min(out.len()) } else { x.len().min(y.len()).min(out.len()) };
            let out = &mut out[..n];
            let level = level.or_lower();
            match f {
                $( Func::$u => {
                    let x = &x[..n];
                    // SAFETY: `or_lower` returned a level the CPU has
                    // (`Level::has`), so its instructions can run.
                    unsafe {
                        match level {
                            Level::Sse2 => sse2::$ub(x, out),
                            Level::Avx2 => avx2::$ub(x, out),
                            Level::Avx512 => avx512::$ub(x, out),
                        }
                    }
                } )*
                $( Func::$b => {
                    let (x, y) = (&x[..n], &y[..n]);
                    // SAFETY: as above.
                    unsafe {
                        match level {
                            Level::Sse2 => sse2::$bb(x, y, out),
                            Level::Avx2 => avx2::$bb(x, y, out),
                            Level::Avx512 => avx512::$bb(x, y, out),
                        }
                    }
                } )*
            }
        }
    };
}

/// Declares the functions: the [`Func`] enum, scalar dispatch and the
/// block functions of every level.
macro_rules! functions {
    (
        unary { $( $u:ident => $uname:literal, $um:ident :: { $uf32:ident, $uf32b:ident, $uf64:ident, $uf64b:ident }; )* }
        binary { $( $b:ident => $bname:literal, $bm:ident :: { $bf32:ident, $bf32b:ident, $bf64:ident, $bf64b:ident }; )* }
    ) => {
        /// A function of this module; its name is NumPy's.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Func { $( $u, )* $( $b, )* }

        impl Func {
            /// Every function.
            pub const ALL: &'static [Func] = &[$( Func::$u, )* $( Func::$b, )*];

            /// NumPy's name of the function.
            pub fn name(self) -> &'static str {
                match self { $( Func::$u => $uname, )* $( Func::$b => $bname, )* }
            }

            /// The function's position in [`Func::ALL`] (what compiled
            /// kernels pass to name it).
            pub fn index(self) -> u32 {
                Func::ALL.iter().position(|&f| f == self).unwrap_or(0) as u32
            }

            /// The function at `i` in [`Func::ALL`].
            pub fn from_index(i: u32) -> Option<Func> {
                Func::ALL.get(i as usize).copied()
            }

            /// The number of operands (1 or 2).
            pub fn arity(self) -> usize {
                match self { $( Func::$u => 1, )* $( Func::$b => 2, )* }
            }
        }

        /// The function on one `f64` element (operands beyond its arity
        /// are ignored; missing ones are NaN).
        pub fn scalar_f64(f: Func, args: &[f64]) -> f64 {
            let a = |i: usize| args.get(i).copied().unwrap_or(f64::NAN);
            match f {
                $( Func::$u => $um::$uf64(a(0)), )*
                $( Func::$b => $bm::$bf64(a(0), a(1)), )*
            }
        }

        /// The function on one `f32` element (as [`scalar_f64`]).
        pub fn scalar_f32(f: Func, args: &[f32]) -> f32 {
            let a = |i: usize| args.get(i).copied().unwrap_or(f32::NAN);
            match f {
                $( Func::$u => $um::$uf32(a(0)), )*
                $( Func::$b => $bm::$bf32(a(0), a(1)), )*
            }
        }

        /// The block functions compiled for one level.
        macro_rules! level_module {
            ($modname:ident, $feature:literal) => {
                #[allow(dead_code)]
                mod $modname {
                    use super::*;
                    $(
                        #[cfg_attr(target_arch = "x86_64", target_feature(enable = $feature))]
                        pub(super) fn $uf32b(x: &[f32], out: &mut [f32]) { $um::$uf32b(x, out) }
                        #[cfg_attr(target_arch = "x86_64", target_feature(enable = $feature))]
                        pub(super) fn $uf64b(x: &[f64], out: &mut [f64]) { $um::$uf64b(x, out) }
                    )*
                    $(
                        #[cfg_attr(target_arch = "x86_64", target_feature(enable = $feature))]
                        pub(super) fn $bf32b(x: &[f32], y: &[f32], out: &mut [f32]) { $bm::$bf32b(x, y, out) }
                        #[cfg_attr(target_arch = "x86_64", target_feature(enable = $feature))]
                        pub(super) fn $bf64b(x: &[f64], y: &[f64], out: &mut [f64]) { $bm::$bf64b(x, y, out) }
                    )*
                }
            };
        }
        level_module!(sse2, "sse2");
        level_module!(avx2, "avx2,fma,bmi1,bmi2,lzcnt,popcnt");
        level_module!(avx512, "avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,bmi1,bmi2,lzcnt,popcnt");

        eval_fn! {
            /// Evaluates `f` over whole slices at `level` (or the highest level
            /// below it that the CPU has): `out[i] = f(args[0][i], ...)`, for
            /// `i` below the shortest of `out` and the operands; a missing
            /// operand gives no elements.
            eval_f64, f64, [$($u => $uf64b),*], [$($b => $bf64b),*]
        }
        eval_fn! {
            /// [`eval_f64`] for `f32`.
            eval_f32, f32, [$($u => $uf32b),*], [$($b => $bf32b),*]
        }
    };
}

functions! {
    unary {
        Sin => "sin", trig::{sin_f32, sin_f32_block, sin_f64, sin_f64_block};
        Cos => "cos", trig::{cos_f32, cos_f32_block, cos_f64, cos_f64_block};
        Tan => "tan", trig::{tan_f32, tan_f32_block, tan_f64, tan_f64_block};
        Arcsin => "arcsin", trig::{arcsin_f32, arcsin_f32_block, arcsin_f64, arcsin_f64_block};
        Arccos => "arccos", trig::{arccos_f32, arccos_f32_block, arccos_f64, arccos_f64_block};
        Arctan => "arctan", trig::{arctan_f32, arctan_f32_block, arctan_f64, arctan_f64_block};
        Sinh => "sinh", hyper::{sinh_f32, sinh_f32_block, sinh_f64, sinh_f64_block};
        Cosh => "cosh", hyper::{cosh_f32, cosh_f32_block, cosh_f64, cosh_f64_block};
        Tanh => "tanh", hyper::{tanh_f32, tanh_f32_block, tanh_f64, tanh_f64_block};
        Arcsinh => "arcsinh", hyper::{arcsinh_f32, arcsinh_f32_block, arcsinh_f64, arcsinh_f64_block};
        Arccosh => "arccosh", hyper::{arccosh_f32, arccosh_f32_block, arccosh_f64, arccosh_f64_block};
        Arctanh => "arctanh", hyper::{arctanh_f32, arctanh_f32_block, arctanh_f64, arctanh_f64_block};
        Exp => "exp", explog::{exp_f32, exp_f32_block, exp_f64, exp_f64_block};
        Exp2 => "exp2", explog::{exp2_f32, exp2_f32_block, exp2_f64, exp2_f64_block};
        Expm1 => "expm1", explog::{expm1_f32, expm1_f32_block, expm1_f64, expm1_f64_block};
        Log => "log", explog::{log_f32, log_f32_block, log_f64, log_f64_block};
        Log2 => "log2", explog::{log2_f32, log2_f32_block, log2_f64, log2_f64_block};
        Log10 => "log10", explog::{log10_f32, log10_f32_block, log10_f64, log10_f64_block};
        Log1p => "log1p", explog::{log1p_f32, log1p_f32_block, log1p_f64, log1p_f64_block};
        Cbrt => "cbrt", power::{cbrt_f32, cbrt_f32_block, cbrt_f64, cbrt_f64_block};
        // Fast mode (`MathMode::Fast`): at most 4 ULP; see `Func::in_mode`.
        SinFast => "sin_fast", fast_trig::{sin_fast_f32, sin_fast_f32_block, sin_fast_f64, sin_fast_f64_block};
        CosFast => "cos_fast", fast_trig::{cos_fast_f32, cos_fast_f32_block, cos_fast_f64, cos_fast_f64_block};
        TanFast => "tan_fast", fast_trig::{tan_fast_f32, tan_fast_f32_block, tan_fast_f64, tan_fast_f64_block};
        ExpFast => "exp_fast", fast_explog::{exp_fast_f32, exp_fast_f32_block, exp_fast_f64, exp_fast_f64_block};
        Exp2Fast => "exp2_fast", fast_explog::{exp2_fast_f32, exp2_fast_f32_block, exp2_fast_f64, exp2_fast_f64_block};
        Expm1Fast => "expm1_fast", fast_explog::{expm1_fast_f32, expm1_fast_f32_block, expm1_fast_f64, expm1_fast_f64_block};
        LogFast => "log_fast", fast_explog::{log_fast_f32, log_fast_f32_block, log_fast_f64, log_fast_f64_block};
        Log2Fast => "log2_fast", fast_explog::{log2_fast_f32, log2_fast_f32_block, log2_fast_f64, log2_fast_f64_block};
        Log10Fast => "log10_fast", fast_explog::{log10_fast_f32, log10_fast_f32_block, log10_fast_f64, log10_fast_f64_block};
        Log1pFast => "log1p_fast", fast_explog::{log1p_fast_f32, log1p_fast_f32_block, log1p_fast_f64, log1p_fast_f64_block};
        SinhFast => "sinh_fast", fast_hyper::{sinh_fast_f32, sinh_fast_f32_block, sinh_fast_f64, sinh_fast_f64_block};
        CoshFast => "cosh_fast", fast_hyper::{cosh_fast_f32, cosh_fast_f32_block, cosh_fast_f64, cosh_fast_f64_block};
        TanhFast => "tanh_fast", fast_hyper::{tanh_fast_f32, tanh_fast_f32_block, tanh_fast_f64, tanh_fast_f64_block};
    }
    binary {
        Arctan2 => "arctan2", trig::{arctan2_f32, arctan2_f32_block, arctan2_f64, arctan2_f64_block};
        Hypot => "hypot", hyper::{hypot_f32, hypot_f32_block, hypot_f64, hypot_f64_block};
        Power => "power", power::{power_f32, power_f32_block, power_f64, power_f64_block};
        Fmod => "fmod", fdiv::{fmod_f32, fmod_f32_block, fmod_f64, fmod_f64_block};
        FloorDivide => "floor_divide", fdiv::{floor_divide_f32, floor_divide_f32_block, floor_divide_f64, floor_divide_f64_block};
        Remainder => "remainder", fdiv::{remainder_f32, remainder_f32_block, remainder_f64, remainder_f64_block};
    }
}

/// How accurate the math functions are: the default, or the opt-in fast
/// mode (`Config::math`, like numexpr's VML accuracy modes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MathMode {
    /// At most 1 ULP (`tanh` and `cbrt` of float64: 2), no FMA: the same
    /// bits at every level.
    #[default]
    Accurate,
    /// At most 4 ULP for the functions that have a fast version
    /// ([`Func::in_mode`]); the others are the default ones. Fast versions
    /// may use FMA (`mul_add`, always fused: the same bits at every level
    /// and in the interpreter, only slower at the SSE2 level) and compute
    /// float32 in float32 lanes.
    Fast,
}

impl MathMode {
    /// The mode's name: `accurate` or `fast`.
    pub fn name(self) -> &'static str {
        match self {
            MathMode::Accurate => "accurate",
            MathMode::Fast => "fast",
        }
    }

    /// The mode of this name (as [`MathMode::name`] spells it).
    pub fn from_name(name: &str) -> Option<MathMode> {
        [MathMode::Accurate, MathMode::Fast].into_iter().find(|m| m.name().eq_ignore_ascii_case(name.trim()))
    }
}

impl Func {
    /// The pairs (default function, its fast version).
    const FAST: [(Func, Func); 13] = [
        (Func::Sin, Func::SinFast),
        (Func::Cos, Func::CosFast),
        (Func::Tan, Func::TanFast),
        (Func::Exp, Func::ExpFast),
        (Func::Exp2, Func::Exp2Fast),
        (Func::Expm1, Func::Expm1Fast),
        (Func::Log, Func::LogFast),
        (Func::Log2, Func::Log2Fast),
        (Func::Log10, Func::Log10Fast),
        (Func::Log1p, Func::Log1pFast),
        (Func::Sinh, Func::SinhFast),
        (Func::Cosh, Func::CoshFast),
        (Func::Tanh, Func::TanhFast),
    ];

    /// The function to call in `mode`: the fast version of a default
    /// function that has one, in [`MathMode::Fast`]; else `self`.
    pub fn in_mode(self, mode: MathMode) -> Func {
        match mode {
            MathMode::Accurate => self,
            MathMode::Fast => Func::FAST.iter().find(|p| p.0 == self).map_or(self, |p| p.1),
        }
    }

    /// The default function a fast version stands for (`self` for a
    /// default function).
    pub fn base(self) -> Func {
        Func::FAST.iter().find(|p| p.1 == self).map_or(self, |p| p.0)
    }

    /// Whether this is a fast version ([`MathMode::Fast`]).
    pub fn is_fast(self) -> bool {
        self.base() != self
    }
}

/// The float types the functions are defined on, for code written once
/// for both (the op table's rows, the JIT's scalar helpers).
pub trait VFloat: Copy {
    /// `f` on one element (see [`scalar_f64`]).
    fn call(f: Func, args: &[Self]) -> Self;
}

impl VFloat for f32 {
    fn call(f: Func, args: &[f32]) -> f32 {
        scalar_f32(f, args)
    }
}

impl VFloat for f64 {
    fn call(f: Func, args: &[f64]) -> f64 {
        scalar_f64(f, args)
    }
}

/// A unary function on one element.
pub fn call1<T: VFloat>(f: Func, a: T) -> T {
    T::call(f, &[a])
}

/// A binary function on one element.
pub fn call2<T: VFloat>(f: Func, a: T, b: T) -> T {
    T::call(f, &[a, b])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_round_trip() {
        for (i, &f) in Func::ALL.iter().enumerate() {
            assert_eq!(f.index(), i as u32);
            assert_eq!(Func::from_index(i as u32), Some(f));
        }
        assert_eq!(Func::from_index(Func::ALL.len() as u32), None);
    }

    #[test]
    fn fast_versions() {
        for &f in Func::ALL {
            assert_eq!(f.in_mode(MathMode::Accurate), f);
            let g = f.in_mode(MathMode::Fast);
            assert_eq!(g.base(), f.base());
            assert_eq!(g.arity(), f.arity());
            if f.is_fast() {
                assert_eq!(g, f);
                assert_eq!(f.name(), format!("{}_fast", f.base().name()));
            }
        }
        assert_eq!(Func::Sin.in_mode(MathMode::Fast), Func::SinFast);
        assert_eq!(Func::Power.in_mode(MathMode::Fast), Func::Power);
        assert_eq!(MathMode::from_name("FAST"), Some(MathMode::Fast));
    }

    #[test]
    fn levels() {
        assert!(Level::Sse2.has());
        assert!(Level::best().has());
        for l in Level::ALL {
            assert_eq!(Level::from_name(l.name()), Some(l));
            assert!(l.or_lower() <= l && l.or_lower().has());
        }
    }
}
