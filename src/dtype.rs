//! Data types, scalar values and NumPy 2 (NEP 50) type promotion.
//!
//! numjet supports five dtypes, the ones that cover almost all numexpr use:
//! `bool`, `int32`, `int64`, `float32` and `float64`. Where NumPy would give
//! a dtype outside this set (`float16` for `sqrt(bool)`, `int8` for
//! `bool // bool`), numjet reports an error instead of silently picking a
//! different dtype.

use std::fmt;

/// An element type.
///
/// The order of the variants is the order of the promotion lattice within a
/// kind (`bool < int32 < int64`, `float32 < float64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    Bool,
    Int32,
    Int64,
    Float32,
    Float64,
}

/// The kind of a dtype, as NumPy groups them for NEP 50 promotion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Bool,
    Int,
    Float,
}

impl DType {
    /// Every dtype, in lattice order.
    pub const ALL: [DType; 5] = [DType::Bool, DType::Int32, DType::Int64, DType::Float32, DType::Float64];

    /// NumPy's name for the dtype (`"float64"`, `"bool"`).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::Int32 => "int32",
            DType::Int64 => "int64",
            DType::Float32 => "float32",
            DType::Float64 => "float64",
        }
    }

    /// Parses a NumPy dtype name (`"float32"`, also `"f4"`, `"i8"`, `"?"`).
    pub fn from_name(s: &str) -> Option<DType> {
        Some(match s {
            "bool" | "?" | "b1" => DType::Bool,
            "int32" | "i4" => DType::Int32,
            "int64" | "i8" | "int" => DType::Int64,
            "float32" | "f4" => DType::Float32,
            "float64" | "f8" | "float" => DType::Float64,
            _ => return None,
        })
    }

    /// Size of one element in bytes (bool is one byte, as in NumPy).
    pub fn size(self) -> usize {
        match self {
            DType::Bool => 1,
            DType::Int32 | DType::Float32 => 4,
            DType::Int64 | DType::Float64 => 8,
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            DType::Bool => Kind::Bool,
            DType::Int32 | DType::Int64 => Kind::Int,
            DType::Float32 | DType::Float64 => Kind::Float,
        }
    }

    pub fn is_int(self) -> bool {
        self.kind() == Kind::Int
    }

    pub fn is_float(self) -> bool {
        self.kind() == Kind::Float
    }

    /// NumPy's `result_type` of two (strong) dtypes.
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        match (a, b) {
            _ if a == b => a,
            (Bool, x) | (x, Bool) => x,
            (Int32, Int64) | (Int64, Int32) => Int64,
            (Float32, Float64) | (Float64, Float32) => Float64,
            // int32 and int64 do not fit in float32's mantissa: NumPy goes to float64.
            (Int32 | Int64, Float32 | Float64) | (Float32 | Float64, Int32 | Int64) => Float64,
            _ => unreachable!("all pairs covered"),
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One value of one of the five dtypes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int32(i32),
    Int64(i64),
    Float32(f32),
    Float64(f64),
}

impl Scalar {
    pub fn dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::Int32(_) => DType::Int32,
            Scalar::Int64(_) => DType::Int64,
            Scalar::Float32(_) => DType::Float32,
            Scalar::Float64(_) => DType::Float64,
        }
    }

    /// NumPy's `astype` conversion (C casts, as NumPy does them on x86-64).
    ///
    /// Float to int: truncates toward zero; NaN, ±inf and values outside the
    /// target range give the target's minimum (`INT_MIN`), which is what
    /// NumPy's casts produce on x86-64 (the "integer indefinite" value of
    /// `cvttsd2si`). Int and float to bool: non-zero (NaN included) is true.
    pub fn cast(self, to: DType) -> Scalar {
        match to {
            DType::Bool => Scalar::Bool(match self {
                Scalar::Bool(v) => v,
                Scalar::Int32(v) => v != 0,
                Scalar::Int64(v) => v != 0,
                Scalar::Float32(v) => v != 0.0,
                Scalar::Float64(v) => v != 0.0,
            }),
            DType::Int32 => Scalar::Int32(match self {
                Scalar::Bool(v) => v as i32,
                Scalar::Int32(v) => v,
                Scalar::Int64(v) => v as i32,
                Scalar::Float32(v) => f64_to_i32(v as f64),
                Scalar::Float64(v) => f64_to_i32(v),
            }),
            DType::Int64 => Scalar::Int64(match self {
                Scalar::Bool(v) => v as i64,
                Scalar::Int32(v) => v as i64,
                Scalar::Int64(v) => v,
                Scalar::Float32(v) => f64_to_i64(v as f64),
                Scalar::Float64(v) => f64_to_i64(v),
            }),
            DType::Float32 => Scalar::Float32(match self {
                Scalar::Bool(v) => v as u8 as f32,
                Scalar::Int32(v) => v as f32,
                Scalar::Int64(v) => v as f32,
                Scalar::Float32(v) => v,
                Scalar::Float64(v) => v as f32,
            }),
            DType::Float64 => Scalar::Float64(match self {
                Scalar::Bool(v) => v as u8 as f64,
                Scalar::Int32(v) => v as f64,
                Scalar::Int64(v) => v as f64,
                Scalar::Float32(v) => v as f64,
                Scalar::Float64(v) => v,
            }),
        }
    }

    /// Truthiness as `where` and `x if c else y` use it: non-zero is true.
    pub fn truthy(self) -> bool {
        matches!(self.cast(DType::Bool), Scalar::Bool(true))
    }

    /// The value as f64 (exact for everything but large int64).
    pub fn to_f64(self) -> f64 {
        match self.cast(DType::Float64) {
            Scalar::Float64(v) => v,
            _ => unreachable!(),
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

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Scalar::Bool(v) => f.write_str(if v { "True" } else { "False" }),
            Scalar::Int32(v) => write!(f, "{v}"),
            Scalar::Int64(v) => write!(f, "{v}"),
            Scalar::Float32(v) => f.write_str(&crate::fmt::format_f32(v)),
            Scalar::Float64(v) => f.write_str(&crate::fmt::format_f64(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_is_symmetric_and_matches_numpy() {
        use DType::*;
        // Rows from `np.result_type` (NumPy 2.x).
        let table = [
            (Bool, Bool, Bool),
            (Bool, Int32, Int32),
            (Bool, Float32, Float32),
            (Int32, Int64, Int64),
            (Int32, Float32, Float64),
            (Int64, Float32, Float64),
            (Float32, Float64, Float64),
            (Int64, Float64, Float64),
        ];
        for (a, b, r) in table {
            assert_eq!(DType::promote(a, b), r, "{a} {b}");
            assert_eq!(DType::promote(b, a), r, "{b} {a}");
        }
    }

    #[test]
    fn float_to_int_casts_give_int_min_for_nan_and_out_of_range() {
        assert_eq!(Scalar::Float64(f64::NAN).cast(DType::Int32), Scalar::Int32(i32::MIN));
        assert_eq!(Scalar::Float64(3e9).cast(DType::Int32), Scalar::Int32(i32::MIN));
        assert_eq!(Scalar::Float64(-2147483648.9).cast(DType::Int32), Scalar::Int32(i32::MIN));
        assert_eq!(Scalar::Float64(2147483647.9).cast(DType::Int32), Scalar::Int32(i32::MAX));
        assert_eq!(Scalar::Float64(-1.5).cast(DType::Int64), Scalar::Int64(-1));
        assert_eq!(Scalar::Float64(f64::INFINITY).cast(DType::Int64), Scalar::Int64(i64::MIN));
        assert_eq!(Scalar::Float32(f32::NAN).cast(DType::Bool), Scalar::Bool(true));
    }
}
