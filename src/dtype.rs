//! Data types, scalar values, casts and NumPy 2 (NEP 50) type promotion.
//!
//! numjet has NumPy's twelve real dtypes: `bool`, the signed integers
//! `int8` … `int64`, the unsigned `uint8` … `uint64`, and the floats
//! `float16`, `float32`, `float64`, and the two complex dtypes
//! `complex64` and `complex128` (pairs of float32 and float64, elements of
//! type [`Complex`], NumPy's layout). `float16` is a storage type ([`F16`]):
//! values are converted to float32 exactly, computed on, and rounded once
//! to half, as NumPy's float16 loops do.

use std::fmt;

pub use num_complex::Complex;

/// An element type.
///
/// The order of the variants is bool, the signed integers, the unsigned
/// integers, the floats, the complex dtypes, each by width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    Bool,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Float16,
    Float32,
    Float64,
    Complex64,
    Complex128,
}

/// The kind of a dtype, as NumPy groups them for NEP 50 promotion
/// (signed and unsigned integers are one kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Bool,
    Int,
    Float,
    Complex,
}

/// Calls `$m!` with every dtype as `Variant rust_type`, in [`DType::ALL`]
/// order: the one list the per-dtype enums and impls are written from.
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_dtype {
    ($m:ident) => {
        $m! { Bool bool, Int8 i8, Int16 i16, Int32 i32, Int64 i64, UInt8 u8, UInt16 u16, UInt32 u32, UInt64 u64, Float16 $crate::dtype::F16, Float32 f32, Float64 f64, Complex64 $crate::dtype::Complex<f32>, Complex128 $crate::dtype::Complex<f64> }
    };
}
pub use for_each_dtype;

impl DType {
    /// Every dtype, in declaration order.
    pub const ALL: [DType; 14] = [
        DType::Bool,
        DType::Int8,
        DType::Int16,
        DType::Int32,
        DType::Int64,
        DType::UInt8,
        DType::UInt16,
        DType::UInt32,
        DType::UInt64,
        DType::Float16,
        DType::Float32,
        DType::Float64,
        DType::Complex64,
        DType::Complex128,
    ];

    /// The twelve real dtypes (all but the complex ones), in order: the
    /// first twelve of [`DType::ALL`].
    pub const REAL: [DType; 12] = {
        let mut real = [DType::Bool; 12];
        let mut k = 0;
        while k < 12 {
            real[k] = DType::ALL[k];
            k += 1;
        }
        real
    };

    /// NumPy's name for the dtype (`"float64"`, `"bool"`).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::Int8 => "int8",
            DType::Int16 => "int16",
            DType::Int32 => "int32",
            DType::Int64 => "int64",
            DType::UInt8 => "uint8",
            DType::UInt16 => "uint16",
            DType::UInt32 => "uint32",
            DType::UInt64 => "uint64",
            DType::Float16 => "float16",
            DType::Float32 => "float32",
            DType::Float64 => "float64",
            DType::Complex64 => "complex64",
            DType::Complex128 => "complex128",
        }
    }

    /// Parses a NumPy dtype name (`"float32"`, also `"f4"`, `"u1"`, `"?"`,
    /// `"half"`, `"ubyte"`).
    pub fn from_name(s: &str) -> Option<DType> {
        Some(match s {
            "bool" | "?" | "b1" | "bool_" => DType::Bool,
            "int8" | "i1" | "byte" => DType::Int8,
            "int16" | "i2" | "short" => DType::Int16,
            "int32" | "i4" | "intc" => DType::Int32,
            "int64" | "i8" | "int" | "long" | "longlong" | "intp" => DType::Int64,
            "uint8" | "u1" | "ubyte" => DType::UInt8,
            "uint16" | "u2" | "ushort" => DType::UInt16,
            "uint32" | "u4" | "uintc" => DType::UInt32,
            "uint64" | "u8" | "uint" | "ulong" | "ulonglong" | "uintp" => DType::UInt64,
            "float16" | "f2" | "half" => DType::Float16,
            "float32" | "f4" | "single" => DType::Float32,
            "float64" | "f8" | "float" | "double" => DType::Float64,
            "complex64" | "c8" | "csingle" => DType::Complex64,
            "complex128" | "c16" | "complex" | "cdouble" => DType::Complex128,
            _ => return None,
        })
    }

    /// Size of one element in bytes (bool is one byte, as in NumPy).
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::Int8 | DType::UInt8 => 1,
            DType::Int16 | DType::UInt16 | DType::Float16 => 2,
            DType::Int32 | DType::UInt32 | DType::Float32 => 4,
            DType::Int64 | DType::UInt64 | DType::Float64 | DType::Complex64 => 8,
            DType::Complex128 => 16,
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            DType::Bool => Kind::Bool,
            DType::Float16 | DType::Float32 | DType::Float64 => Kind::Float,
            DType::Complex64 | DType::Complex128 => Kind::Complex,
            _ => Kind::Int,
        }
    }

    pub fn is_int(self) -> bool {
        self.kind() == Kind::Int
    }

    pub fn is_float(self) -> bool {
        self.kind() == Kind::Float
    }

    /// complex64 or complex128.
    pub fn is_complex(self) -> bool {
        self.kind() == Kind::Complex
    }

    /// The dtype of a complex dtype's parts (complex64: float32,
    /// complex128: float64); a real dtype is its own.
    pub fn part(self) -> DType {
        match self {
            DType::Complex64 => DType::Float32,
            DType::Complex128 => DType::Float64,
            d => d,
        }
    }

    /// The complex dtype holding this dtype's values exactly in its parts
    /// (NumPy's promotion with a complex number): complex64 for float16,
    /// float32 and what [`DType::safe_float`] takes to them, complex128
    /// for the rest; a complex dtype is its own.
    pub fn complex(self) -> DType {
        match self.safe_float() {
            DType::Float16 | DType::Float32 | DType::Complex64 => DType::Complex64,
            _ => DType::Complex128,
        }
    }

    /// A signed integer dtype.
    pub fn is_signed_int(self) -> bool {
        matches!(self, DType::Int8 | DType::Int16 | DType::Int32 | DType::Int64)
    }

    /// An unsigned integer dtype.
    pub fn is_unsigned(self) -> bool {
        matches!(self, DType::UInt8 | DType::UInt16 | DType::UInt32 | DType::UInt64)
    }

    /// The signed integer dtype of `bytes` bytes.
    pub fn signed(bytes: usize) -> Option<DType> {
        Some(match bytes {
            1 => DType::Int8,
            2 => DType::Int16,
            4 => DType::Int32,
            8 => DType::Int64,
            _ => return None,
        })
    }

    /// The unsigned integer dtype of `bytes` bytes.
    pub fn unsigned(bytes: usize) -> Option<DType> {
        Some(match bytes {
            1 => DType::UInt8,
            2 => DType::UInt16,
            4 => DType::UInt32,
            8 => DType::UInt64,
            _ => return None,
        })
    }

    /// The float dtype of `bytes` bytes.
    pub fn float(bytes: usize) -> Option<DType> {
        Some(match bytes {
            2 => DType::Float16,
            4 => DType::Float32,
            8 => DType::Float64,
            _ => return None,
        })
    }

    /// The smallest float dtype every value of this (bool or integer)
    /// dtype casts to safely (`np.can_cast(d, f, "safe")`): float16 for
    /// bool and the 8-bit integers, float32 for the 16-bit ones, float64
    /// for the rest. Floats (and complex dtypes) are their own.
    pub fn safe_float(self) -> DType {
        match self {
            DType::Bool | DType::Int8 | DType::UInt8 => DType::Float16,
            DType::Int16 | DType::UInt16 => DType::Float32,
            DType::Float16 | DType::Float32 | DType::Complex64 | DType::Complex128 => self,
            _ => DType::Float64,
        }
    }

    /// The smallest and largest value of an integer dtype (bool: 0 and 1).
    pub fn int_range(self) -> Option<(i128, i128)> {
        Some(match self {
            DType::Bool => (0, 1),
            DType::Int8 => (i8::MIN as i128, i8::MAX as i128),
            DType::Int16 => (i16::MIN as i128, i16::MAX as i128),
            DType::Int32 => (i32::MIN as i128, i32::MAX as i128),
            DType::Int64 => (i64::MIN as i128, i64::MAX as i128),
            DType::UInt8 => (0, u8::MAX as i128),
            DType::UInt16 => (0, u16::MAX as i128),
            DType::UInt32 => (0, u32::MAX as i128),
            DType::UInt64 => (0, u64::MAX as i128),
            _ => return None,
        })
    }

    /// Whether the integer `v` is a value of this dtype, for the integer
    /// dtypes (a Python int meeting them must fit, NEP 50); bool and the
    /// floats take any int.
    pub fn holds_int(self, v: i128) -> bool {
        match self.int_range() {
            Some((lo, hi)) if self.is_int() => (lo..=hi).contains(&v),
            _ => true,
        }
    }

    /// NumPy's `result_type` of two (strong) dtypes.
    ///
    /// Within a kind the wider wins. A signed and an unsigned integer give
    /// the smallest signed integer holding both (`uint8` with `int8` is
    /// `int16`), and float64 when there is none (`uint64` with any signed
    /// integer). An integer with a float gives the wider of the float and
    /// the integer's [`DType::safe_float`] (`int16` with `float16` is
    /// `float32`). A complex dtype with anything gives the wider of the
    /// two complex dtypes [`DType::complex`] takes them to (`float64` with
    /// `complex64` is `complex128`, `int16` with `complex64` is
    /// `complex64`).
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        if a == b {
            return a;
        }
        match (a.kind(), b.kind()) {
            (Kind::Bool, _) => b,
            (_, Kind::Bool) => a,
            (Kind::Complex, _) | (_, Kind::Complex) => {
                if a.complex() == DType::Complex128 || b.complex() == DType::Complex128 { Complex128 } else { Complex64 }
            }
            (Kind::Float, Kind::Float) => if a.size() >= b.size() { a } else { b },
            (Kind::Int, Kind::Float) => Self::promote(a.safe_float(), b),
            (Kind::Float, Kind::Int) => Self::promote(a, b.safe_float()),
            (Kind::Int, Kind::Int) => {
                if a.is_unsigned() == b.is_unsigned() {
                    return if a.size() >= b.size() { a } else { b };
                }
                let (s, u) = if a.is_unsigned() { (b, a) } else { (a, b) };
                if s.size() > u.size() {
                    s
                } else {
                    DType::signed(u.size() * 2).unwrap_or(Float64)
                }
            }
        }
    }
}

/// NumPy's `result_type` of every pair of dtypes ([`DType::promote`]) as a
/// Markdown table: the README's table is this text (a test compares them).
pub fn promotion_table() -> String {
    let short = |d: DType| d.name().replace("complex", "c").replace("float", "f").replace("uint", "u").replace("int", "i");
    let mut t = String::from("|     |");
    DType::ALL.iter().for_each(|&d| t.push_str(&format!(" {} |", short(d))));
    t.push_str("\n|-----|");
    DType::ALL.iter().for_each(|_| t.push_str("-----|"));
    for a in DType::ALL {
        t.push_str(&format!("\n| {} |", short(a)));
        DType::ALL.iter().for_each(|&b| t.push_str(&format!(" {} |", short(DType::promote(a, b)))));
    }
    t.push('\n');
    t
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One IEEE 754 half-precision value, by its bits: the element of a
/// `float16` array. Arithmetic converts to float32 ([`F16::to_f32`], exact)
/// and rounds back once ([`F16::from_f32`], to nearest, ties to even), as
/// NumPy's float16 loops do. Equality and order are the values' (NaN is
/// unequal to itself, `-0.0 == 0.0`).
#[derive(Clone, Copy, Default)]
#[repr(transparent)]
pub struct F16(pub u16);

impl F16 {
    pub const INFINITY: F16 = F16(0x7c00);
    pub const NAN: F16 = F16(0x7e00);
    /// The largest finite value, 65504.
    pub const MAX: F16 = F16(0x7bff);

    pub const fn from_bits(bits: u16) -> F16 {
        F16(bits)
    }

    pub const fn to_bits(self) -> u16 {
        self.0
    }

    /// The value as float32 (exact). Infinities and NaNs keep their sign
    /// and the NaN's payload moves to the top of float32's.
    ///
    /// The JIT computes the same steps (`jit/codegen/half.rs`): the
    /// exponent and mantissa shifted into float32's fields and scaled by
    /// 2^112 (exact, subnormals included), the exponent forced to all ones
    /// for infinities and NaNs, the sign put back.
    pub fn to_f32(self) -> f32 {
        let h = self.0 as u32;
        let em = h & 0x7fff;
        let shifted = em << 13;
        let scaled = (f32::from_bits(shifted) * f32::from_bits(HALF_SCALE)).to_bits();
        let mag = if em >= 0x7c00 { shifted | 0x7f80_0000 } else { scaled };
        f32::from_bits(mag | ((h & 0x8000) << 16))
    }

    pub fn to_f64(self) -> f64 {
        self.to_f32() as f64
    }

    /// float32 to half: rounded to nearest, ties to even; too large for
    /// half is ±inf; a NaN keeps its sign and the top of its payload
    /// (NumPy's `npy_floatbits_to_halfbits`).
    ///
    /// Mirrored step by step by the JIT (`jit/codegen/half.rs`):
    /// - NaN: `0x7c00 | payload >> 13`, `0x7c01` if that payload is 0;
    /// - at least 65520 (infinity included): `0x7c00`;
    /// - at least 2^-14 (half's normals): rebias the exponent, add
    ///   `0xfff` plus the lowest kept bit, shift right by 13;
    /// - below: add 0.5 in float32 (whose ulp there is 2^-24, half's
    ///   subnormal step: the FPU rounds to even) and subtract 0.5's bits.
    pub fn from_f32(v: f32) -> F16 {
        let x = v.to_bits();
        let a = x & 0x7fff_ffff;
        let sign = ((x >> 16) & 0x8000) as u16;
        let nan_payload = (a >> 13) & 0x3ff;
        let nan = 0x7c00 | if nan_payload == 0 { 1 } else { nan_payload };
        let normal = {
            let t = a.wrapping_sub(112 << 23);
            (t.wrapping_add(0xfff).wrapping_add((t >> 13) & 1)) >> 13
        };
        let subnormal = (f32::from_bits(a) + 0.5).to_bits().wrapping_sub(0x3f00_0000);
        let mag = if a > 0x7f80_0000 {
            nan
        } else if a >= 0x477f_f000 {
            0x7c00
        } else if a >= 0x3880_0000 {
            normal
        } else {
            subnormal
        };
        F16(mag as u16 | sign)
    }

    /// float64 to half, rounded once (to nearest, ties to even), as
    /// NumPy's `npy_double_to_half`: through float32 rounded to odd (the
    /// float32 nearest toward zero, with its lowest bit set when inexact),
    /// which keeps enough bits for the second rounding to be the only one.
    pub fn from_f64(v: f64) -> F16 {
        F16::from_f32(f64_to_f32_odd(v))
    }

    pub fn is_nan(self) -> bool {
        self.0 & 0x7fff > 0x7c00
    }
}

/// 2^112 as float32 bits: scales a half's fields, placed in a float32,
/// to its value.
pub const HALF_SCALE: u32 = 0x7780_0000;

/// float64 to float32 rounded to odd (see [`F16::from_f64`]); NaN as
/// `as f32` converts it.
pub fn f64_to_f32_odd(v: f64) -> f32 {
    let t = v as f32;
    let back = t as f64;
    if back == v || v.is_nan() {
        return t;
    }
    // Inexact: step toward zero if rounding went away from it, then set
    // the lowest bit.
    let bits = if back.abs() > v.abs() { t.to_bits() - 1 } else { t.to_bits() };
    f32::from_bits(bits | 1)
}

impl PartialEq for F16 {
    fn eq(&self, o: &F16) -> bool {
        self.to_f32() == o.to_f32()
    }
}

impl PartialOrd for F16 {
    fn partial_cmp(&self, o: &F16) -> Option<std::cmp::Ordering> {
        self.to_f32().partial_cmp(&o.to_f32())
    }
}

impl fmt::Debug for F16 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}f16", self.to_f32())
    }
}

/// One value of one of the fourteen dtypes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int8(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    UInt8(u8),
    UInt16(u16),
    UInt32(u32),
    UInt64(u64),
    Float16(F16),
    Float32(f32),
    Float64(f64),
    Complex64(Complex<f32>),
    Complex128(Complex<f64>),
}

/// What a value is, for casting: a bool, an integer (exactly, in i128),
/// a float (exactly, in f64) or a complex number (exactly, in two f64).
#[derive(Clone, Copy, Debug)]
enum Num {
    Bool(bool),
    Int(i128),
    Float(f64),
    Complex(f64, f64),
}

impl Scalar {
    pub fn dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::Int8(_) => DType::Int8,
            Scalar::Int16(_) => DType::Int16,
            Scalar::Int32(_) => DType::Int32,
            Scalar::Int64(_) => DType::Int64,
            Scalar::UInt8(_) => DType::UInt8,
            Scalar::UInt16(_) => DType::UInt16,
            Scalar::UInt32(_) => DType::UInt32,
            Scalar::UInt64(_) => DType::UInt64,
            Scalar::Float16(_) => DType::Float16,
            Scalar::Float32(_) => DType::Float32,
            Scalar::Float64(_) => DType::Float64,
            Scalar::Complex64(_) => DType::Complex64,
            Scalar::Complex128(_) => DType::Complex128,
        }
    }

    #[inline(always)]
    fn num(self) -> Num {
        match self {
            Scalar::Bool(v) => Num::Bool(v),
            Scalar::Int8(v) => Num::Int(v as i128),
            Scalar::Int16(v) => Num::Int(v as i128),
            Scalar::Int32(v) => Num::Int(v as i128),
            Scalar::Int64(v) => Num::Int(v as i128),
            Scalar::UInt8(v) => Num::Int(v as i128),
            Scalar::UInt16(v) => Num::Int(v as i128),
            Scalar::UInt32(v) => Num::Int(v as i128),
            Scalar::UInt64(v) => Num::Int(v as i128),
            Scalar::Float16(v) => Num::Float(v.to_f64()),
            Scalar::Float32(v) => Num::Float(v as f64),
            Scalar::Float64(v) => Num::Float(v),
            Scalar::Complex64(v) => Num::Complex(v.re as f64, v.im as f64),
            Scalar::Complex128(v) => Num::Complex(v.re, v.im),
        }
    }

    /// The integer `v` of an integer dtype `to`, wrapped to its width.
    #[inline(always)]
    pub fn int(to: DType, v: i128) -> Scalar {
        match to {
            DType::Bool => Scalar::Bool(v != 0),
            DType::Int8 => Scalar::Int8(v as i8),
            DType::Int16 => Scalar::Int16(v as i16),
            DType::Int32 => Scalar::Int32(v as i32),
            DType::Int64 => Scalar::Int64(v as i64),
            DType::UInt8 => Scalar::UInt8(v as u8),
            DType::UInt16 => Scalar::UInt16(v as u16),
            DType::UInt32 => Scalar::UInt32(v as u32),
            DType::UInt64 => Scalar::UInt64(v as u64),
            // Exact below 2^53 (all that the callers pass); float64
            // rounds once, then float16 from it.
            DType::Float16 => Scalar::Float16(F16::from_f64(v as f64)),
            DType::Float32 => Scalar::Float32(v as f32),
            DType::Float64 => Scalar::Float64(v as f64),
            DType::Complex64 => Scalar::Complex64(Complex::new(v as f32, 0.0)),
            DType::Complex128 => Scalar::Complex128(Complex::new(v as f64, 0.0)),
        }
    }

    /// NumPy's `astype` conversion (C casts, as NumPy's scalar cast loops
    /// do them on x86-64).
    ///
    /// - Integers to integers wrap (two's complement); bool is 0 and 1;
    ///   anything to bool is "non-zero" (NaN is true).
    /// - Integers to floats round to nearest (to float16 through float64:
    ///   exact wherever float16 is finite).
    /// - Floats to floats round to nearest once (float64 to float16
    ///   directly, not through float32).
    /// - Floats to integers truncate toward zero; out of range the value
    ///   is what x86-64's `cvttsd2si` gives: `int32`, `int64`: the
    ///   minimum for NaN, ±inf and values outside the range; `int8`,
    ///   `int16`, `uint8`, `uint16`: the low bits of the `int32`
    ///   conversion (300.0 → 44 as `int8`); `uint32`: the low bits of the
    ///   `int64` conversion; `uint64`: the `int64` conversion, through
    ///   `x - 2^63` (flipping the top bit back) from 2^63 up.
    /// - To a complex dtype, a real value is the real part (rounded as to
    ///   the part's float dtype) with a +0 imaginary part; complex to
    ///   complex rounds each part.
    /// - A complex value to a real dtype is its real part, converted as
    ///   above (NumPy's `astype`, which warns); to bool, whether either
    ///   part is non-zero.
    ///
    /// For float to `uint32` out of range, NumPy's own answer depends on
    /// where the element is: its vectorised cast loop computes through
    /// `int32` (NaN gives 2^31) while its scalar loop and tail give the
    /// value above (NaN gives 0). numjet gives the scalar loop's, always.
    #[inline(always)]
    pub fn cast(self, to: DType) -> Scalar {
        // float16 to float32 by its own conversion, which keeps a
        // signalling NaN signalling (as NumPy's and the JIT's do).
        if let (Scalar::Float16(h), DType::Float32) = (self, to) {
            return Scalar::Float32(h.to_f32());
        }
        if to.is_complex() {
            return match (self, to) {
                (Scalar::Complex64(c), DType::Complex64) => Scalar::Complex64(c),
                (Scalar::Complex128(c), DType::Complex64) => Scalar::Complex64(Complex::new(c.re as f32, c.im as f32)),
                (Scalar::Complex64(c), _) => Scalar::Complex128(Complex::new(c.re as f64, c.im as f64)),
                (Scalar::Complex128(c), _) => Scalar::Complex128(c),
                // A real value: its float cast (float16 and float32
                // exactly, integers rounded once), +0 imaginary part.
                (_, DType::Complex64) => Scalar::Complex64(Complex::new(self.cast(DType::Float32).to_f64() as f32, 0.0)),
                _ => Scalar::Complex128(Complex::new(self.cast(DType::Float64).to_f64(), 0.0)),
            };
        }
        match self {
            Scalar::Complex64(c) if to == DType::Bool => return Scalar::Bool(c.re != 0.0 || c.im != 0.0),
            Scalar::Complex128(c) if to == DType::Bool => return Scalar::Bool(c.re != 0.0 || c.im != 0.0),
            // The real part, as a value of the part's dtype.
            Scalar::Complex64(c) => return Scalar::Float32(c.re).cast(to),
            Scalar::Complex128(c) => return Scalar::Float64(c.re).cast(to),
            _ => {}
        }
        match (self.num(), to) {
            (Num::Complex(..), _) | (_, DType::Complex64 | DType::Complex128) => unreachable!("complex casts return above"),
            (Num::Bool(v), _) => Scalar::int(to, v as i128),
            (Num::Int(v), DType::Bool) => Scalar::Bool(v != 0),
            (Num::Int(v), DType::Float32) => Scalar::Float32(v as f32),
            (Num::Int(v), DType::Float64) => Scalar::Float64(v as f64),
            (Num::Int(v), _) => Scalar::int(to, v),
            (Num::Float(v), DType::Bool) => Scalar::Bool(v != 0.0),
            (Num::Float(v), DType::Float16) => Scalar::Float16(match self {
                Scalar::Float32(f) => F16::from_f32(f),
                Scalar::Float16(h) => h,
                _ => F16::from_f64(v),
            }),
            (Num::Float(v), DType::Float32) => Scalar::Float32(v as f32),
            (Num::Float(v), DType::Float64) => Scalar::Float64(v),
            (Num::Float(v), DType::Int8 | DType::Int16 | DType::UInt8 | DType::UInt16 | DType::Int32) => Scalar::int(to, f64_to_i32(v) as i128),
            (Num::Float(v), DType::Int64 | DType::UInt32) => Scalar::int(to, f64_to_i64(v) as i128),
            (Num::Float(v), DType::UInt64) => Scalar::UInt64(f64_to_u64(v)),
        }
    }

    /// Truthiness as `where` and `x if c else y` use it: non-zero is true
    /// (a complex number: either part non-zero).
    pub fn truthy(self) -> bool {
        matches!(self.cast(DType::Bool), Scalar::Bool(true))
    }

    /// The value as f64 (exact for everything but large 64-bit integers;
    /// a complex number's real part).
    pub fn to_f64(self) -> f64 {
        match self.num() {
            Num::Bool(v) => v as u8 as f64,
            Num::Int(v) => v as f64,
            Num::Float(v) | Num::Complex(v, _) => v,
        }
    }

    /// The value as a complex128 pair `(re, im)` (a real value has a +0
    /// imaginary part).
    pub fn to_c64(self) -> (f64, f64) {
        match self.num() {
            Num::Complex(re, im) => (re, im),
            _ => (self.to_f64(), 0.0),
        }
    }

    /// The value of a bool or integer scalar, exactly.
    pub fn to_i128(self) -> Option<i128> {
        match self.num() {
            Num::Bool(v) => Some(v as i128),
            Num::Int(v) => Some(v),
            Num::Float(_) | Num::Complex(..) => None,
        }
    }

    /// The bits of the value, zero-extended to 64 (bool: 0 or 1): what a
    /// kernel's 0-d slot holds. A complex64's are its real part's in the
    /// low half and its imaginary part's in the high half (its bytes in
    /// memory); a complex128's do not fit, and this is its real part's
    /// (see [`Scalar::bits_im`]).
    pub fn bits(self) -> u64 {
        match self {
            Scalar::Bool(v) => v as u64,
            Scalar::Int8(v) => v as u8 as u64,
            Scalar::Int16(v) => v as u16 as u64,
            Scalar::Int32(v) => v as u32 as u64,
            Scalar::Int64(v) => v as u64,
            Scalar::UInt8(v) => v as u64,
            Scalar::UInt16(v) => v as u64,
            Scalar::UInt32(v) => v as u64,
            Scalar::UInt64(v) => v,
            Scalar::Float16(v) => v.0 as u64,
            Scalar::Float32(v) => v.to_bits() as u64,
            Scalar::Float64(v) => v.to_bits(),
            Scalar::Complex64(v) => v.re.to_bits() as u64 | (v.im.to_bits() as u64) << 32,
            Scalar::Complex128(v) => v.re.to_bits(),
        }
    }

    /// A complex128's imaginary part's bits (0 for the other dtypes).
    pub fn bits_im(self) -> u64 {
        match self {
            Scalar::Complex128(v) => v.im.to_bits(),
            _ => 0,
        }
    }

    /// The scalar of dtype `d` with these bits (the low `d.size()` bytes).
    pub fn from_bits(d: DType, b: u64) -> Scalar {
        match d {
            DType::Bool => Scalar::Bool(b & 0xff != 0),
            DType::Int8 => Scalar::Int8(b as i8),
            DType::Int16 => Scalar::Int16(b as i16),
            DType::Int32 => Scalar::Int32(b as i32),
            DType::Int64 => Scalar::Int64(b as i64),
            DType::UInt8 => Scalar::UInt8(b as u8),
            DType::UInt16 => Scalar::UInt16(b as u16),
            DType::UInt32 => Scalar::UInt32(b as u32),
            DType::UInt64 => Scalar::UInt64(b),
            DType::Float16 => Scalar::Float16(F16(b as u16)),
            DType::Float32 => Scalar::Float32(f32::from_bits(b as u32)),
            DType::Float64 => Scalar::Float64(f64::from_bits(b)),
            DType::Complex64 => Scalar::Complex64(Complex::new(f32::from_bits(b as u32), f32::from_bits((b >> 32) as u32))),
            DType::Complex128 => Scalar::Complex128(Complex::new(f64::from_bits(b), 0.0)),
        }
    }
}

/// Float to int32 the way x86-64 `cvttsd2si` does it (and hence NumPy).
pub fn f64_to_i32(v: f64) -> i32 {
    // The range check is written so that NaN fails it.
    if v > -2147483649.0 && v < 2147483648.0 { v as i32 } else { i32::MIN }
}

/// Float to int64 the way x86-64 `cvttsd2si` does it (and hence NumPy).
pub fn f64_to_i64(v: f64) -> i64 {
    if (-9223372036854775808.0..9223372036854775808.0).contains(&v) { v as i64 } else { i64::MIN }
}

/// Float to uint64 the way C compilers do it on x86-64 (and hence
/// NumPy): below 2^63 (or NaN) the `int64` conversion; from 2^63 the
/// `int64` conversion of `v - 2^63` with the top bit flipped.
pub fn f64_to_u64(v: f64) -> u64 {
    const TWO63: f64 = 9223372036854775808.0;
    if v >= TWO63 { (f64_to_i64(v - TWO63) as u64) ^ (1 << 63) } else { f64_to_i64(v) as u64 }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Scalar::Bool(v) => f.write_str(if v { "True" } else { "False" }),
            Scalar::Float16(v) => f.write_str(&crate::fmt::format_f16(v)),
            Scalar::Float32(v) => f.write_str(&crate::fmt::format_f32(v)),
            Scalar::Float64(v) => f.write_str(&crate::fmt::format_f64(v)),
            Scalar::Complex64(v) => f.write_str(&crate::fmt::format_c64(v)),
            Scalar::Complex128(v) => f.write_str(&crate::fmt::format_c128(v)),
            s => write!(f, "{}", s.to_i128().unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_is_symmetric_and_matches_numpy() {
        use DType::*;
        // Rows from `np.result_type` (NumPy 2.4); the golden fixtures
        // cover every pair through the operators.
        let table = [
            (Bool, Bool, Bool),
            (Bool, Int32, Int32),
            (Bool, Float32, Float32),
            (Bool, Float16, Float16),
            (Int32, Int64, Int64),
            (Int32, Float32, Float64),
            (Int64, Float32, Float64),
            (Float32, Float64, Float64),
            (Int64, Float64, Float64),
            (Int8, UInt8, Int16),
            (Int16, UInt8, Int16),
            (Int8, UInt16, Int32),
            (Int32, UInt32, Int64),
            (Int64, UInt32, Int64),
            (Int8, UInt64, Float64),
            (Int64, UInt64, Float64),
            (UInt8, UInt64, UInt64),
            (Int8, Float16, Float16),
            (UInt8, Float16, Float16),
            (Int16, Float16, Float32),
            (UInt16, Float16, Float32),
            (UInt32, Float16, Float64),
            (Int16, Float32, Float32),
            (UInt64, Float32, Float64),
            (Float16, Float32, Float32),
        ];
        for (a, b, r) in table {
            assert_eq!(DType::promote(a, b), r, "{a} {b}");
            assert_eq!(DType::promote(b, a), r, "{b} {a}");
        }
        for a in DType::ALL {
            assert_eq!(DType::from_name(a.name()), Some(a));
            for b in DType::ALL {
                assert_eq!(DType::promote(a, b), DType::promote(b, a));
            }
        }
    }

    #[test]
    fn float_to_int_casts_follow_x86_64() {
        assert_eq!(Scalar::Float64(f64::NAN).cast(DType::Int32), Scalar::Int32(i32::MIN));
        assert_eq!(Scalar::Float64(3e9).cast(DType::Int32), Scalar::Int32(i32::MIN));
        assert_eq!(Scalar::Float64(-2147483648.9).cast(DType::Int32), Scalar::Int32(i32::MIN));
        assert_eq!(Scalar::Float64(2147483647.9).cast(DType::Int32), Scalar::Int32(i32::MAX));
        assert_eq!(Scalar::Float64(-1.5).cast(DType::Int64), Scalar::Int64(-1));
        assert_eq!(Scalar::Float64(f64::INFINITY).cast(DType::Int64), Scalar::Int64(i64::MIN));
        assert_eq!(Scalar::Float32(f32::NAN).cast(DType::Bool), Scalar::Bool(true));
        // Values NumPy 2.4 gives on x86-64 (see `cast` for uint32).
        assert_eq!(Scalar::Float64(300.0).cast(DType::Int8), Scalar::Int8(44));
        assert_eq!(Scalar::Float64(70000.0).cast(DType::UInt16), Scalar::UInt16(4464));
        assert_eq!(Scalar::Float64(-1.5).cast(DType::UInt8), Scalar::UInt8(255));
        assert_eq!(Scalar::Float64(f64::NAN).cast(DType::UInt8), Scalar::UInt8(0));
        assert_eq!(Scalar::Float64(5e9).cast(DType::UInt32), Scalar::UInt32(705032704));
        assert_eq!(Scalar::Float64(f64::NAN).cast(DType::UInt64), Scalar::UInt64(1 << 63));
        assert_eq!(Scalar::Float64(f64::INFINITY).cast(DType::UInt64), Scalar::UInt64(0));
        assert_eq!(Scalar::Float64(1e19).cast(DType::UInt64), Scalar::UInt64(10_000_000_000_000_000_000));
        assert_eq!(Scalar::Float64(-5e9).cast(DType::UInt64), Scalar::UInt64(18446744068709551616));
        assert_eq!(Scalar::Float16(F16::INFINITY).cast(DType::Int8), Scalar::Int8(0));
    }

    #[test]
    fn half_conversions_round_once_to_nearest_even() {
        // Every half survives the round trip through float32 (NaNs keep
        // sign and payload), and from_f64 agrees.
        for b in 0..=u16::MAX {
            let h = F16(b);
            assert_eq!(F16::from_f32(h.to_f32()).0, b, "{b:#x}");
            assert_eq!(F16::from_f64(h.to_f64()).0, b, "{b:#x}");
        }
        let h = |v: f64| F16::from_f64(v).0;
        assert_eq!(h(65504.0), 0x7bff);
        assert_eq!(h(65519.99), 0x7bff);
        assert_eq!(h(65520.0), 0x7c00);
        assert_eq!(h(2049.0), h(2048.0)); // tie to even
        assert_eq!(h(2051.0), h(2052.0));
        assert_eq!(h(2.0f64.powi(-25)), 0); // tie to even (0)
        assert_eq!(h(2.0f64.powi(-25) * 1.5), 1);
        assert_eq!(h(-0.0), 0x8000);
        // Double rounding through float32 would give 0x3c00 here.
        assert_eq!(h(1.0 + 2.0f64.powi(-11) + 2.0f64.powi(-40)), 0x3c01);
        assert_eq!(F16::from_f32(f32::from_bits(0x7f80_0001)).0, 0x7c01);
        assert_eq!(F16::from_f32(f32::NAN).0, 0x7e00);
        assert_eq!(F16::from_f32(-f32::NAN).0, 0xfe00);
    }

    #[test]
    fn half_conversions_agree_with_the_half_crate_and_round_to_nearest() {
        // A seeded sweep over float32 and float64 bit patterns, denser
        // near half's range.
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for _ in 0..2_000_000 {
            let r = next();
            let f = f32::from_bits(r as u32);
            let near = f32::from_bits(0x3000_0000 + (r as u32 % 0x1800_0000)) * if r >> 63 == 1 { -1.0 } else { 1.0 };
            for v in [f, near] {
                let want = half::f16::from_f32(v).to_bits();
                if !v.is_nan() {
                    assert_eq!(F16::from_f32(v).0, want, "{v:e}");
                }
            }
            // float64: the half crate's `from_f64` rounds twice (through
            // float32) for some values, so the check is the definition:
            // the result is the nearest half, ties to even (midpoints of
            // halves are exact in float64).
            let d = f64::from_bits(r);
            let dn = near as f64 * (1.0 + (r >> 40) as f64 * 2.0f64.powi(-40));
            for v in [d, dn] {
                let c = F16::from_f64(v);
                if v.is_nan() || v.abs() >= 65520.0 {
                    assert!(v.is_nan() == c.is_nan() && (v.is_nan() || c.to_f64() == v.signum() * f64::INFINITY), "{v:e}");
                    continue;
                }
                let x = c.to_f64();
                let step = |bits: u16| F16(bits).to_f64();
                // The neighbours of c (by magnitude, then sign).
                let (down, up) = match c.0 & 0x7fff {
                    0 => (-step(1), step(1)),
                    m if c.0 & 0x8000 == 0 => (step(m - 1), if m < 0x7bff { step(m + 1) } else { 65536.0 }),
                    m => (if m < 0x7bff { -step(m + 1) } else { -65536.0 }, -step(m - 1)),
                };
                let (lo, hi) = ((x + down) / 2.0, (x + up) / 2.0);
                assert!(v >= lo && v <= hi, "{v:e} -> {x:e}");
                if v == lo || v == hi {
                    assert_eq!(c.0 & 1, 0, "tie {v:e} -> {x:e} not even");
                }
            }
        }
    }
}
