//! NumPy-style printing of scalars and arrays.
//!
//! Scalars print like Python's `repr` of the value (`0.1`, `1e-05`, `nan`,
//! `True`); arrays like NumPy's `repr` (`array([1. , 2.5])` becomes
//! `array([1., 2.5])` — numjet does not pad columns), with the dtype named
//! when it is not the default for its kind, and the middle elided (`...`)
//! beyond 1000 elements, as NumPy does.

use std::fmt;

use crate::array::Array;
use crate::dtype::{DType, Scalar};

/// Python's `repr` of a float64.
pub fn format_f64(v: f64) -> String {
    format_float(v, format!("{v:e}"), format!("{v}"))
}

/// Python's `repr` of a float32 value (shortest digits that round-trip in float32).
pub fn format_f32(v: f32) -> String {
    format_float(v as f64, format!("{v:e}"), format!("{v}"))
}

fn format_float(v: f64, sci: String, plain: String) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        // Rust: "1.5e-7"; Python: "1.5e-07".
        let (m, e) = sci.split_once('e').expect("exponent");
        let (sign, digits) = match e.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', e),
        };
        return format!("{m}e{sign}{digits:0>2}");
    }
    if plain.contains('.') { plain } else { format!("{plain}.0") }
}

/// An element inside an array: NumPy drops the zero after the point (`1.`).
fn element(s: Scalar) -> String {
    let t = s.to_string();
    match s {
        Scalar::Float32(_) | Scalar::Float64(_) => t.strip_suffix(".0").map(|x| format!("{x}.")).unwrap_or(t),
        _ => t,
    }
}

/// Largest array printed in full; NumPy's `threshold`.
const THRESHOLD: usize = 1000;
/// Elements shown at each end of an elided array; NumPy's `edgeitems`.
const EDGE: usize = 3;
/// NumPy's `linewidth`.
const LINE_WIDTH: usize = 75;

impl fmt::Display for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = self.to_scalar() {
            return write!(f, "{s}");
        }
        let n = self.len();
        let mut items: Vec<String> = Vec::new();
        let idx: Vec<Option<usize>> = if n > THRESHOLD {
            (0..EDGE).map(Some).chain([None]).chain((n - EDGE..n).map(Some)).collect()
        } else {
            (0..n).map(Some).collect()
        };
        for i in idx {
            items.push(match i {
                Some(i) => element(self.get(i).expect("in range")),
                None => "...".into(),
            });
        }
        let suffix = match self.dtype() {
            DType::Int32 | DType::Float32 => format!(", dtype={}", self.dtype()),
            _ if n == 0 => format!(", dtype={}", self.dtype()),
            _ => String::new(),
        };
        let indent = "array([".len();
        let mut out = String::from("array([");
        let mut col = indent;
        for (k, it) in items.iter().enumerate() {
            let last = k + 1 == items.len();
            let piece = if last { it.clone() } else { format!("{it},") };
            if col + piece.len() + 1 > LINE_WIDTH && col > indent {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                col = indent;
            } else if k > 0 {
                out.push(' ');
                col += 1;
            }
            out.push_str(&piece);
            col += piece.len();
        }
        write!(f, "{out}]{suffix})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        assert_eq!(format_f64(0.1), "0.1");
        assert_eq!(format_f64(1.0), "1.0");
        assert_eq!(format_f64(-0.0), "-0.0");
        assert_eq!(format_f64(1e-5), "1e-05");
        assert_eq!(format_f64(1.5e300), "1.5e+300");
        assert_eq!(format_f64(1e16), "1e+16");
        assert_eq!(format_f64(123.25), "123.25");
        assert_eq!(format_f32(0.1), "0.1");
        assert_eq!(format_f64(f64::NAN), "nan");
    }

    #[test]
    fn arrays_print_like_numpy() {
        assert_eq!(Array::from_vec(vec![1.0, 2.5, f64::NAN]).to_string(), "array([1., 2.5, nan])");
        assert_eq!(Array::from_vec(vec![1i32, 2]).to_string(), "array([1, 2], dtype=int32)");
        assert_eq!(Array::from_vec(vec![true, false]).to_string(), "array([True, False])");
        assert_eq!(Array::scalar(Scalar::Int64(7)).to_string(), "7");
        let long = Array::from_vec((0..2000i64).collect::<Vec<_>>());
        assert_eq!(long.to_string(), "array([0, 1, 2, ..., 1997, 1998, 1999])");
        assert_eq!(Array::from_vec(Vec::<f64>::new()).to_string(), "array([], dtype=float64)");
    }
}
