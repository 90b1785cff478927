//! NumPy-style printing of scalars and arrays.
//!
//! Scalars print like Python's `repr` of the value (`0.1`, `1e-05`, `nan`,
//! `True`); arrays like NumPy's `repr`, with the dtype named when it is not
//! the default for its kind, and the middle elided (`...`) beyond 1000
//! elements, as NumPy does (`threshold=1000`, `edgeitems=3`).
//!
//! 1-D arrays are not padded into columns (`array([1. , 2.5])` becomes
//! `array([1., 2.5])`). N-d arrays are, as in NumPy, so that rows line up:
//! integers and bools right-aligned, floats aligned on the decimal point,
//! nested brackets with one row per line and a blank line between blocks
//! of three or more dimensions:
//!
//! ```text
//! array([[1. , 2.5],
//!        [3. , 4. ]])
//! ```

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

/// Python's `repr` of a float16 value (NumPy's: shortest digits that
/// round-trip in float16).
pub fn format_f16(v: crate::dtype::F16) -> String {
    let x = v.to_f64();
    if x.is_finite() && x != 0.0 {
        for digits in 0..5 {
            let sci = format!("{x:.digits$e}");
            let Ok(back) = sci.parse::<f64>() else { continue };
            if crate::dtype::F16::from_f64(back).to_bits() == v.to_bits() {
                let sci = sci.replace(".0e", "e");
                return format_float(back, sci, format!("{back}"));
            }
        }
    }
    format_float(x, format!("{x:e}"), format!("{x}"))
}

/// Python's `repr` of a complex number whose parts print as `re` and
/// `im` (float reprs): `1j` when the real part is +0, else `(1+2j)`;
/// integral parts lose their `.0`, the imaginary part always has a sign
/// (`+nan` for any NaN).
fn format_complex(re: f64, re_text: String, im: f64, im_text: String) -> String {
    let strip = |t: String| t.strip_suffix(".0").map(str::to_string).unwrap_or(t);
    let (re_text, im_text) = (strip(re_text), strip(im_text));
    let im_signed = if im_text.starts_with('-') && !im.is_nan() { im_text } else { format!("+{}", im_text.trim_start_matches('-')) };
    if re == 0.0 && re.is_sign_positive() {
        return format!("{}j", im_signed.trim_start_matches('+'));
    }
    format!("({re_text}{im_signed}j)")
}

/// Python's `repr` of a complex128 value (`(1+2j)`, `1j`).
pub fn format_c128(v: crate::dtype::Complex<f64>) -> String {
    format_complex(v.re, format_f64(v.re), v.im, format_f64(v.im))
}

/// NumPy's `str` of a complex64 value: as [`format_c128`], with each part
/// in float32's shortest digits.
pub fn format_c64(v: crate::dtype::Complex<f32>) -> String {
    format_complex(v.re as f64, format_f32(v.re), v.im as f64, format_f32(v.im))
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

/// An element inside an array: NumPy drops the zero after the point
/// (`1.`); a complex one is both parts so, the imaginary one signed and
/// followed by `j` (`1.+0.5j`, `nan-infj`).
fn element(s: Scalar) -> String {
    let t = s.to_string();
    match s {
        Scalar::Float16(_) | Scalar::Float32(_) | Scalar::Float64(_) => t.strip_suffix(".0").map(|x| format!("{x}.")).unwrap_or(t),
        Scalar::Complex64(c) => complex_element(element(Scalar::Float32(c.re)), c.im as f64, element(Scalar::Float32(c.im))),
        Scalar::Complex128(c) => complex_element(element(Scalar::Float64(c.re)), c.im, element(Scalar::Float64(c.im))),
        _ => t,
    }
}

fn complex_element(re: String, im: f64, im_text: String) -> String {
    let sign = if im_text.starts_with('-') && !im.is_nan() { "" } else { "+" };
    format!("{re}{sign}{}j", if im.is_nan() { "nan" } else { &im_text })
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
        if self.shape().len() > 1 {
            return f.write_str(&nd_repr(self));
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
        let indent = "array([".len();
        let mut out = String::from("array([");
        wrap_row(&mut out, &items, indent);
        write!(f, "{out}]{})", dtype_suffix(self))
    }
}

/// `, dtype=int32` where NumPy names the dtype (not the default for its
/// kind, or an empty array).
fn dtype_suffix(a: &Array) -> String {
    match a.dtype() {
        DType::Bool | DType::Int64 | DType::Float64 | DType::Complex128 if !a.is_empty() => String::new(),
        d if !matches!(d, DType::Bool | DType::Int64 | DType::Float64 | DType::Complex128) => format!(", dtype={}", a.dtype()),
        _ if a.is_empty() => format!(", dtype={}", a.dtype()),
        _ => String::new(),
    }
}

/// Appends `items` separated by `, `, starting a new line indented by
/// `indent` where a line would pass [`LINE_WIDTH`].
fn wrap_row(out: &mut String, items: &[String], indent: usize) {
    let mut col = indent;
    for (k, it) in items.iter().enumerate() {
        let last = k + 1 == items.len();
        let piece = if last { it.clone() } else { format!("{it},") };
        let w = piece.chars().count();
        if col + w + 1 > LINE_WIDTH && col > indent {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
        } else if k > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(&piece);
        col += w;
    }
}

/// The indices shown along an axis of length `n`: all, or the first and
/// last [`EDGE`] around `None` (the `...`) when summarising.
fn shown(n: usize, summarise: bool) -> Vec<Option<usize>> {
    if summarise && n > 2 * EDGE {
        (0..EDGE).map(Some).chain([None]).chain((n - EDGE..n).map(Some)).collect()
    } else {
        (0..n).map(Some).collect()
    }
}

/// NumPy's `repr` of an array of two or more dimensions.
fn nd_repr(a: &Array) -> String {
    let shape = a.shape();
    if a.is_empty() {
        return format!("array([], shape={}, dtype={})", crate::array::fmt_shape(shape), a.dtype());
    }
    let summarise = a.len() > THRESHOLD;
    let strides = crate::array::c_strides(shape);
    // The flat indices of the shown elements, in order.
    let mut flat: Vec<usize> = Vec::new();
    collect(shape, &strides, summarise, 0, 0, &mut flat);
    let texts: Vec<String> = flat.iter().map(|&i| element(a.get(i).expect("in range"))).collect();
    let texts = pad(&texts, a.dtype());
    let mut next = texts.into_iter();
    let mut out = String::from("array(");
    render(shape, summarise, 0, &mut next, &mut out);
    // NumPy 2 names the shape of a summarised array.
    let shape_note = if summarise { format!(", shape={}", crate::array::fmt_shape(shape)) } else { String::new() };
    format!("{out}{shape_note}{})", dtype_suffix(a))
}

fn collect(shape: &[usize], strides: &[isize], summarise: bool, depth: usize, base: usize, out: &mut Vec<usize>) {
    for i in shown(shape[depth], summarise).into_iter().flatten() {
        let at = base + i * strides[depth] as usize;
        if depth + 1 == shape.len() {
            out.push(at);
        } else {
            collect(shape, strides, summarise, depth + 1, at, out);
        }
    }
}

/// Writes the block at `depth` (its `[`, items and `]`), taking element
/// texts in order from `next`.
fn render(shape: &[usize], summarise: bool, depth: usize, next: &mut impl Iterator<Item = String>, out: &mut String) {
    let ndim = shape.len();
    // Column of this block's first element: `array(` and one `[` per level.
    let indent = "array(".len() + depth + 1;
    out.push('[');
    let idx = shown(shape[depth], summarise);
    if depth + 1 == ndim {
        let items: Vec<String> = idx.iter().map(|i| if i.is_some() { next.next().expect("element") } else { "...".into() }).collect();
        wrap_row(out, &items, indent);
    } else {
        let sep = format!(",{}{}", "\n".repeat(ndim - depth - 1), " ".repeat(indent));
        for (k, i) in idx.iter().enumerate() {
            if k > 0 {
                out.push_str(&sep);
            }
            match i {
                Some(_) => render(shape, summarise, depth + 1, next, out),
                None => out.push_str("..."),
            }
        }
    }
    out.push(']');
}

/// Pads element texts to one width, as NumPy does: floats aligned on the
/// decimal point (`1. `, `2.5`), everything else right-aligned.
fn pad(texts: &[String], dtype: DType) -> Vec<String> {
    let width = |s: &str| s.chars().count();
    let decimal = dtype.is_float() && texts.iter().all(|t| t.contains('.') && !t.contains('e') || matches!(t.as_str(), "nan" | "inf" | "-inf"));
    if decimal {
        let parts: Vec<Option<(&str, &str)>> = texts.iter().map(|t| t.split_once('.')).collect();
        let left = parts.iter().flatten().map(|(l, _)| width(l)).max().unwrap_or(0);
        let right = parts.iter().flatten().map(|(_, r)| width(r)).max().unwrap_or(0);
        // `nan` and `inf` right-align to the whole width, widening the
        // integer part if they are wider.
        let special = parts.iter().zip(texts).filter(|(p, _)| p.is_none()).map(|(_, t)| width(t)).max().unwrap_or(0);
        let left = left.max(special.saturating_sub(right + 1));
        let total = left + 1 + right;
        return texts
            .iter()
            .zip(&parts)
            .map(|(t, p)| match p {
                Some((l, r)) => format!("{l:>left$}.{r:<right$}"),
                None => format!("{t:>total$}"),
            })
            .collect();
    }
    let w = texts.iter().map(|t| width(t)).max().unwrap_or(0);
    texts.iter().map(|t| format!("{t:>w$}")).collect()
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

    fn nd(data: impl Into<crate::array::ArrayData>, shape: &[usize]) -> String {
        Array::new(data.into(), shape.to_vec()).unwrap().to_string()
    }

    /// The expected texts are NumPy 2.4's `repr`.
    #[test]
    fn nd_arrays_print_like_numpy() {
        assert_eq!(nd(vec![1.0, 2.5, 3.0, 4.0], &[2, 2]), "array([[1. , 2.5],\n       [3. , 4. ]])");
        assert_eq!(
            nd((0..24i64).collect::<Vec<_>>(), &[2, 3, 4]),
            "array([[[ 0,  1,  2,  3],\n        [ 4,  5,  6,  7],\n        [ 8,  9, 10, 11]],\n\n       \
             [[12, 13, 14, 15],\n        [16, 17, 18, 19],\n        [20, 21, 22, 23]]])"
        );
        assert_eq!(nd(vec![1i32, 2, 3, 40], &[2, 2]), "array([[ 1,  2],\n       [ 3, 40]], dtype=int32)");
        assert_eq!(nd(vec![true, false], &[1, 2]), "array([[ True, False]])");
        assert_eq!(nd(Vec::<f64>::new(), &[0, 3]), "array([], shape=(0, 3), dtype=float64)");
        assert_eq!(nd(vec![1.0, f64::NAN, -2.25, f64::INFINITY], &[2, 2]), "array([[ 1.  ,   nan],\n       [-2.25,   inf]])");
        assert_eq!(
            nd((0..40).map(f64::from).collect::<Vec<_>>(), &[2, 20]),
            "array([[ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12.,\n        \
             13., 14., 15., 16., 17., 18., 19.],\n       \
             [20., 21., 22., 23., 24., 25., 26., 27., 28., 29., 30., 31., 32.,\n        \
             33., 34., 35., 36., 37., 38., 39.]])"
        );
    }

    #[test]
    fn large_nd_arrays_are_summarised_like_numpy() {
        assert_eq!(
            nd((0..10000i64).collect::<Vec<_>>(), &[100, 100]),
            "array([[   0,    1,    2, ...,   97,   98,   99],
       [ 100,  101,  102, ...,  197,  198,  199],
       [ 200,  201,  202, ...,  297,  298,  299],
       ...,
       [9700, 9701, 9702, ..., 9797, 9798, 9799],
       [9800, 9801, 9802, ..., 9897, 9898, 9899],
       [9900, 9901, 9902, ..., 9997, 9998, 9999]], shape=(100, 100))"
        );
        let s = nd((0..2000i64).collect::<Vec<_>>(), &[20, 10, 10]);
        assert!(s.starts_with("array([[[   0,    1,    2, ...,    7,    8,    9],\n        [  10,"), "{s}");
        assert!(s.contains("[ 290,  291,  292, ...,  297,  298,  299]],\n\n       ...,\n\n       [[1700, 1701,"), "{s}");
        assert!(s.ends_with("[1990, 1991, 1992, ..., 1997, 1998, 1999]]], shape=(20, 10, 10))"), "{s}");
    }
}
