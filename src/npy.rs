//! `.npy` files: reading inputs and writing results (the `npy` feature,
//! part of the default `cli`).
//!
//! The header dict is parsed by the `npyz` crate, but numjet reads the
//! header bytes itself (at most [`MAX_HEADER_BYTES`], nested at most
//! [`MAX_HEADER_NESTING`] deep, so that `npyz`'s parser stays fast) and
//! checks the dtype, the number of dimensions, the shape's element count
//! and the data length against the file's size before it allocates
//! anything for the data or reads it, so a truncated or lying file is a
//! clear error, never a huge allocation, a hang or a panic. [`read_bytes`]
//! reads a file held in memory the same way.
//!
//! Any number of dimensions up to [`MAX_NDIM`] is read, in C or Fortran
//! order. A Fortran-order file is not reordered: [`read`] gives its elements
//! as stored, with Fortran strides (`strides[k]` is the product of
//! `shape[..k]`), and [`NpyArray::input`] hands them to numjet as a strided
//! [`View`], as NumPy would. Results are written in C order with their
//! shape ([`write()`]).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use npyz::{Endianness, TypeChar};

/// The dtypes numjet reads, for messages.
const READS: &str = "bool, int8 to int64, uint8 to uint64, float16, float32, float64, complex64 and complex128";

use crate::mem;
use crate::array::{Array, ArrayData, Input, MAX_NDIM, View, c_strides, fmt_shape};
use crate::dtype::{Complex, DType, F16};

/// Largest header (magic, version, length and dict text) numjet reads;
/// NumPy writes a few hundred bytes at most and reads 10,000 by default.
pub const MAX_HEADER_BYTES: usize = 1 << 20;

/// Deepest nesting of brackets (`(`, `[`, `{`) a header may have. A header
/// numjet reads nests two deep (`{'shape': (2, 3)}`; a structured dtype,
/// rejected with its own message, a little deeper). `npyz` parses the dict
/// with a backtracking parser whose time grows exponentially with the
/// depth: a 176-byte header of 35 nested `[` did not finish in seconds
/// (found by the `npy` fuzz target), so deeper headers are refused first.
pub const MAX_HEADER_NESTING: usize = 4;

/// An owned N-d array as stored in a `.npy` file: its elements in the
/// file's order, its shape, and strides (in elements) that say where each
/// element lies: C strides for a C-order file, Fortran strides
/// (`strides[k]` = product of `shape[..k]`) for a Fortran-order one.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    data: ArrayData,
    shape: Vec<usize>,
    strides: Vec<isize>,
    fortran: bool,
}

/// Fortran-order (column-major) strides, in elements, of `shape`.
pub fn f_strides(shape: &[usize]) -> Vec<isize> {
    let mut acc = 1isize;
    shape
        .iter()
        .map(|&d| {
            let s = acc;
            acc = acc.saturating_mul(d as isize);
            s
        })
        .collect()
}

impl NpyArray {
    /// A C-order array of `data` with `shape` (the element count must match).
    pub fn c_order(data: ArrayData, shape: Vec<usize>) -> Option<NpyArray> {
        let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))?;
        (n == data.len()).then(|| NpyArray { strides: c_strides(&shape), data, shape, fortran: false })
    }

    /// A Fortran-order array: `data` holds the elements column-major.
    pub fn fortran_order(data: ArrayData, shape: Vec<usize>) -> Option<NpyArray> {
        let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))?;
        // Up to one dimension, Fortran and C order are the same thing.
        let fortran = shape.len() > 1;
        let strides = if fortran { f_strides(&shape) } else { c_strides(&shape) };
        (n == data.len()).then_some(NpyArray { data, shape, strides, fortran })
    }

    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Strides in elements (see the type's docs).
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }

    /// Whether the elements are stored column-major (only ever true for 2
    /// or more dimensions).
    pub fn is_fortran(&self) -> bool {
        self.fortran
    }

    /// The elements in storage order.
    pub fn data(&self) -> &ArrayData {
        &self.data
    }

    pub fn into_data(self) -> ArrayData {
        self.data
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Size of the elements in bytes.
    pub fn nbytes(&self) -> usize {
        self.len() * self.dtype().size()
    }

    /// The array as a borrowed N-d view (strided for Fortran order).
    pub fn view(&self) -> View<'_> {
        let r = if self.fortran {
            View::strided(self.data.as_ref(), &self.shape, &self.strides, 0)
        } else {
            View::new(self.data.as_ref(), &self.shape)
        };
        r.expect("the shape and strides were checked against the data")
    }

    /// The array as an evaluation input, zero-copy: a scalar for 0-d,
    /// [`Input::Array`] for 1-D, a (strided for Fortran order) [`Input::View`]
    /// otherwise.
    pub fn input(&self) -> Input<'_> {
        match self.shape.len() {
            0 => Input::Scalar(self.data.as_ref().get(0)),
            1 => Input::Array(self.data.as_ref()),
            _ => Input::View(self.view()),
        }
    }

    /// The array in C order (a copy for Fortran order, a move otherwise).
    pub fn into_array(self) -> Array {
        let data = if self.fortran { gather_c_order(&self.data, &self.shape, &self.strides) } else { self.data };
        Array::new(data, self.shape).expect("the element count was checked")
    }
}

impl From<Array> for NpyArray {
    fn from(a: Array) -> NpyArray {
        let shape = a.shape().to_vec();
        NpyArray { strides: c_strides(&shape), data: a.into_data(), shape, fortran: false }
    }
}

/// The elements of a strided array (offset 0, non-negative strides) in C
/// order: one copy of the data, walked in place (no index of positions).
fn gather_c_order(data: &ArrayData, shape: &[usize], strides: &[isize]) -> ArrayData {
    let n: usize = crate::array::elements(shape);
    // The position of each element in C order, by an odometer that bumps
    // the last axis and carries into earlier ones.
    let positions = || {
        let mut idx = vec![0usize; shape.len()];
        let mut pos = 0isize;
        (0..n).map(move |_| {
            let at = pos as usize;
            for k in (0..shape.len()).rev() {
                idx[k] += 1;
                pos += strides[k];
                if idx[k] < shape[k] {
                    break;
                }
                pos -= strides[k] * shape[k] as isize;
                idx[k] = 0;
            }
            at
        })
    };
    macro_rules! pick {
        ($v:expr) => {
            positions().map(|i| $v[i]).collect::<Vec<_>>().into()
        };
    }
    macro_rules! arms {
        ($($variant:ident $t:ty),*) => {
            match data { $(ArrayData::$variant(v) => pick!(v),)* }
        };
    }
    crate::dtype::for_each_dtype!(arms)
}

/// Reads a `.npy` file as a C-order [`Array`] (a Fortran-order file is
/// copied into C order). See [`read`] for the checks.
pub fn read_array(path: &Path) -> Result<Array, String> {
    read(path).map(NpyArray::into_array)
}

/// Reads a little-endian bool, int32, int64, float32 or float64 array of
/// up to [`MAX_NDIM`] dimensions, in C or Fortran order, of at most
/// [`mem::default_limit`] bytes.
pub fn read(path: &Path) -> Result<NpyArray, String> {
    read_limited(path, mem::default_limit())
}

/// [`read`] of an array of at most `limit` bytes (the caller's memory
/// limit, such as [`crate::Config::memory_limit`]): a larger one is an
/// error before anything is allocated.
pub fn read_limited(path: &Path, limit: usize) -> Result<NpyArray, String> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    let file_len = file.metadata().map_err(|e| format!("cannot read `{name}`: {e}"))?.len();
    read_from(BufReader::new(file), file_len, &name, limit)
}

/// [`read`] of a `.npy` file held in memory, with the same checks; `name`
/// is what error messages call it. (The fuzz target feeds bytes through
/// here, so the file and the in-memory reader are one code path.)
pub fn read_bytes(bytes: &[u8], name: &str) -> Result<NpyArray, String> {
    read_from(bytes, bytes.len() as u64, name, mem::default_limit())
}

/// The reader behind [`read`] and [`read_bytes`]: `r` holds `file_len`
/// bytes, which bounds what the header may promise; the array may have at
/// most `limit` bytes.
fn read_from(mut r: impl Read, file_len: u64, name: &str, limit: usize) -> Result<NpyArray, String> {
    let header_bytes = read_header_bytes(&mut r).map_err(|e| format!("`{name}` is not a valid .npy file: {e}"))?;
    let depth = nesting(&header_bytes);
    if depth > MAX_HEADER_NESTING {
        return Err(format!(
            "`{name}` is not a valid .npy file: its header nests brackets {depth} deep (at most {MAX_HEADER_NESTING} are read)"
        ));
    }
    if let Some(msg) = shape_overflow(&header_bytes) {
        return Err(format!("`{name}` has an impossible shape {msg}"));
    }
    let header = npyz::NpyHeader::from_reader(&header_bytes[..]).map_err(|e| format!("`{name}` is not a valid .npy file: {e}"))?;
    let npyz::DType::Plain(ts) = header.dtype() else {
        return Err(format!("`{name}` holds a structured array; numjet reads {READS}"));
    };
    let size = ts.size_field();
    let dtype = match (ts.type_char(), size) {
        (TypeChar::Bool, 1) => Some(DType::Bool),
        (TypeChar::Int, n) => usize::try_from(n).ok().and_then(DType::signed),
        (TypeChar::Uint, n) => usize::try_from(n).ok().and_then(DType::unsigned),
        (TypeChar::Float, n) => usize::try_from(n).ok().and_then(DType::float),
        (TypeChar::Complex, 8) => Some(DType::Complex64),
        (TypeChar::Complex, 16) => Some(DType::Complex128),
        _ => None,
    };
    let Some(dtype) = dtype else {
        return Err(format!("`{name}` has dtype `{ts}`; numjet reads {READS} (little-endian)"));
    };
    if ts.endianness() == Endianness::Big && size > 1 {
        return Err(format!(
            "`{name}` has big-endian dtype `{ts}`; numjet reads little-endian data (use arr.astype('<{}{size}'))",
            ts.type_char().to_str()
        ));
    }
    let shape = header.shape();
    let shape_text = fmt_shape(&shape.iter().map(|&d| d as usize).collect::<Vec<_>>());
    if shape.len() > MAX_NDIM {
        return Err(format!("`{name}` has {} dimensions; numjet handles at most {MAX_NDIM}", shape.len()));
    }
    let n = shape
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d))
        .filter(|&n| n <= isize::MAX as u64)
        .ok_or_else(|| format!("`{name}` has an impossible shape {shape_text}"))?;
    let available = file_len.saturating_sub(header_bytes.len() as u64);
    let Some(need) = n.checked_mul(size).filter(|&b| b <= available) else {
        return Err(format!(
            "`{name}` is truncated: its header promises {n} elements of {size} bytes (shape {shape_text}), the file holds {available} data bytes"
        ));
    };
    if need > limit as u64 {
        return Err(format!(
            "`{name}` holds {n} elements of {dtype} ({}), more than the memory limit of {}",
            mem::fmt_bytes(u128::from(need)),
            mem::fmt_bytes(limit as u128)
        ));
    }
    let n = usize::try_from(n).map_err(|_| format!("`{name}` is too large for this machine"))?;
    let data = read_data(&mut r, dtype, n, need).map_err(|e| format!("`{name}` is truncated: {e}"))?;
    let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    let arr = match header.order() {
        npyz::Order::C => NpyArray::c_order(data, shape),
        npyz::Order::Fortran => NpyArray::fortran_order(data, shape),
    };
    arr.ok_or_else(|| format!("`{name}`: shape and data disagree"))
}

/// The magic string, version, header length and header text, as bytes
/// (so that `npyz` parses them from memory and the data starts right
/// after).
fn read_header_bytes(r: &mut impl Read) -> Result<Vec<u8>, String> {
    let mut pre = [0u8; 8];
    r.read_exact(&mut pre).map_err(|_| "the file is too short for a .npy header".to_string())?;
    if &pre[..6] != b"\x93NUMPY" {
        return Err("it does not start with the .npy magic string".into());
    }
    let len_bytes = match pre[6] {
        1 => 2,
        2 | 3 => 4,
        v => return Err(format!("unknown .npy format version {v}.{}", pre[7])),
    };
    let mut len = [0u8; 4];
    r.read_exact(&mut len[..len_bytes]).map_err(|_| "the file is too short for a .npy header".to_string())?;
    let header_len = u32::from_le_bytes(len) as usize;
    if 8 + len_bytes + header_len > MAX_HEADER_BYTES {
        return Err(format!("its header claims {header_len} bytes; numjet reads headers of at most {MAX_HEADER_BYTES} bytes"));
    }
    let mut bytes = Vec::with_capacity(8 + len_bytes + header_len);
    bytes.extend_from_slice(&pre);
    bytes.extend_from_slice(&len[..len_bytes]);
    let start = bytes.len();
    bytes.resize(start + header_len, 0);
    r.read_exact(&mut bytes[start..]).map_err(|_| format!("its header claims {header_len} bytes, the file ends sooner"))?;
    Ok(bytes)
}

/// The deepest nesting of `(`, `[` and `{` in the header (quotes are not
/// special: a bracket inside a string counts too, which only makes the
/// check stricter for headers numjet would reject anyway).
fn nesting(header: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for &b in header {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A description of the shape if the header's `shape` tuple holds numbers
/// whose product overflows 64 bits (checked before `npyz`, which would
/// multiply them unchecked).
fn shape_overflow(header: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(header).ok()?;
    let key = text.find("'shape'").or_else(|| text.find("\"shape\""))?;
    let rest = &text[key + 7..];
    let open = rest.find('(')?;
    let close = rest[open..].find(')')? + open;
    let dims: Vec<u128> = rest[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches(['L', 'l']).parse::<u128>())
        .collect::<Result<_, _>>()
        .ok()?;
    // `npyz` multiplies prefixes and suffixes of the shape; all of them
    // fit if the product of the non-zero dimensions does (NumPy's rule too).
    let overflow = dims.iter().filter(|&&d| d != 0).try_fold(1u128, |a, &d| a.checked_mul(d).filter(|&p| p <= u64::MAX as u128)).is_none();
    overflow.then(|| format!("({}): its element count overflows", dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")))
}

/// Reads `n` elements (`bytes` bytes, known to be in the file) in chunks,
/// so that only the result is allocated at the data's size.
fn read_data(r: &mut impl Read, dtype: DType, n: usize, bytes: u64) -> Result<ArrayData, String> {
    const CHUNK: usize = 1 << 16;
    let size = dtype.size();
    let mut out = ArrayData::try_with_capacity(dtype, n).map_err(|e| format!("out of memory: {e}"))?;
    let mut buf = vec![0u8; CHUNK.min(bytes as usize)];
    let mut left = bytes as usize;
    while left > 0 {
        let k = left.min(CHUNK);
        let chunk = &mut buf[..k];
        r.read_exact(chunk).map_err(|e| format!("reading its data failed: {e}"))?;
        left -= k;
        debug_assert!(k.is_multiple_of(size) || size == 1);
        macro_rules! le {
            ($v:expr, $t:ty, $n:literal) => {
                $v.extend(chunk.chunks_exact($n).map(|c| <$t>::from_le_bytes(c.try_into().expect("element bytes"))))
            };
        }
        match &mut out {
            ArrayData::Bool(v) => v.extend(chunk.iter().map(|&b| b != 0)),
            ArrayData::Int8(v) => v.extend(chunk.iter().map(|&b| b as i8)),
            ArrayData::UInt8(v) => v.extend_from_slice(chunk),
            ArrayData::Int16(v) => le!(v, i16, 2),
            ArrayData::UInt16(v) => le!(v, u16, 2),
            ArrayData::Float16(v) => v.extend(chunk.chunks_exact(2).map(|c| F16(u16::from_le_bytes([c[0], c[1]])))),
            ArrayData::Int32(v) => le!(v, i32, 4),
            ArrayData::UInt32(v) => le!(v, u32, 4),
            ArrayData::Float32(v) => le!(v, f32, 4),
            ArrayData::Int64(v) => le!(v, i64, 8),
            ArrayData::UInt64(v) => le!(v, u64, 8),
            ArrayData::Float64(v) => le!(v, f64, 8),
            ArrayData::Complex64(v) => v.extend(chunk.chunks_exact(8).map(|c| {
                let part = |k: usize| f32::from_le_bytes(c[k..k + 4].try_into().expect("part bytes"));
                Complex::new(part(0), part(4))
            })),
            ArrayData::Complex128(v) => v.extend(chunk.chunks_exact(16).map(|c| {
                let part = |k: usize| f64::from_le_bytes(c[k..k + 8].try_into().expect("part bytes"));
                Complex::new(part(0), part(8))
            })),
        }
    }
    Ok(out)
}

/// Writes an array as `.npy`: C order, little-endian, with the array's
/// shape (0-d stays 0-d).
pub fn write(path: &Path, a: &Array) -> Result<(), String> {
    let name = path.display();
    let file = std::fs::File::create(path).map_err(|e| format!("cannot create `{name}`: {e}"))?;
    write_to(std::io::BufWriter::new(file), a).map_err(|e| format!("cannot write `{name}`: {e}"))
}

/// The bytes [`write()`] puts in a file (the fuzz target's round trip
/// through [`read_bytes`]).
pub fn to_bytes(a: &Array) -> Vec<u8> {
    let mut out = Vec::new();
    write_to(&mut out, a).expect("writing to memory does not fail");
    out
}

/// The kind letter of a dtype's `.npy` descriptor (`f` in `<f8`).
fn descr_char(d: DType) -> char {
    if d.is_complex() {
        'c'
    } else if d.is_float() {
        'f'
    } else if d.is_unsigned() {
        'u'
    } else {
        'i'
    }
}

fn write_to(mut w: impl std::io::Write, a: &Array) -> std::io::Result<()> {
    let d = a.dtype();
    let descr = match d {
        DType::Bool => "|b1".to_string(),
        DType::Int8 => "|i1".to_string(),
        DType::UInt8 => "|u1".to_string(),
        d => format!("<{}{}", descr_char(d), d.size()),
    };
    let shape = match a.shape() {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        s => format!("({})", s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    };
    // Format version 1.0: magic, version, header length, then the header
    // dict padded with spaces to a multiple of 64 bytes, ending in '\n'.
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat(total.next_multiple_of(64) - total));
    header.push('\n');
    let len = u16::try_from(header.len()).map_err(|_| std::io::Error::other("the .npy header is too long"))?;
    w.write_all(b"\x93NUMPY\x01\x00")?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(header.as_bytes())?;
    let size = d.size();
    let data = a.data().as_ref();
    let mut buf = Vec::with_capacity(size * 4096);
    for i in 0..data.len() {
        let x = data.get(i);
        buf.extend_from_slice(&x.bits().to_le_bytes()[..size.min(8)]);
        if d == DType::Complex128 {
            buf.extend_from_slice(&x.bits_im().to_le_bytes());
        }
        if buf.len() >= size * 4096 {
            w.write_all(&buf)?;
            buf.clear();
        }
    }
    w.write_all(&buf)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortran_arrays_gather_into_c_order() {
        // [[1, 2, 3], [4, 5, 6]] stored column-major.
        let f = NpyArray::fortran_order(vec![1i64, 4, 2, 5, 3, 6].into(), vec![2, 3]).unwrap();
        assert_eq!(f.strides(), &[1, 2]);
        assert!(f.is_fortran());
        let a = f.into_array();
        assert_eq!(a.shape(), &[2, 3]);
        assert_eq!(a.as_i64().unwrap(), &[1, 2, 3, 4, 5, 6]);
        let f = NpyArray::fortran_order(vec![1.0f64, 2.0].into(), vec![2]).unwrap();
        assert!(!f.is_fortran());
        assert_eq!(f_strides(&[2, 3, 4]), [1, 2, 6]);
    }

    #[test]
    fn every_dtype_round_trips_with_numpys_header() {
        for d in DType::ALL {
            let mut data = ArrayData::with_capacity(d, 6);
            for v in [0.0, 1.0, -1.0, 300.5, f64::NAN, 65504.0] {
                // Complex values get an imaginary part too.
                let c = crate::dtype::Scalar::Complex128(Complex::new(v, -v * 0.5));
                data.push(if d.is_complex() { c.cast(d) } else { crate::dtype::Scalar::Float64(v).cast(d) });
            }
            let a = Array::new(data, vec![2, 3]).unwrap();
            let bytes = to_bytes(&a);
            let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
            assert_eq!((10 + len) % 64, 0, "{d}: the header ends on a multiple of 64 bytes");
            assert_eq!(bytes.len(), 10 + len + 6 * d.size());
            let header = String::from_utf8_lossy(&bytes[10..10 + len]);
            let descr = match d {
                DType::Bool => "|b1".to_string(),
                DType::Int8 => "|i1".to_string(),
                DType::UInt8 => "|u1".to_string(),
                d => format!("<{}{}", descr_char(d), d.size()),
            };
            assert!(header.starts_with(&format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (2, 3), }}")), "{d}: {header}");
            let back = read_bytes(&bytes, "mem").unwrap().into_array();
            assert_eq!(back.dtype(), d);
            assert_eq!(back.shape(), &[2, 3]);
            for i in 0..6 {
                assert_eq!(back.get(i).unwrap().bits(), a.get(i).unwrap().bits(), "{d} [{i}]");
                assert_eq!(back.get(i).unwrap().bits_im(), a.get(i).unwrap().bits_im(), "{d} [{i}]");
            }
        }
    }

    #[test]
    fn header_nesting() {
        assert_eq!(nesting(b"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"), 2);
        assert_eq!(nesting(b"{'descr': [('a', '<i4', (2,))], 'shape': ()}"), 4);
        assert_eq!(nesting(b"[[[[[[]]]]]] ((("), 6);
        assert_eq!(nesting(b")))"), 0);
    }

    #[test]
    fn overflowing_shapes_are_caught_before_npyz() {
        let h = b"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 2), }";
        assert!(shape_overflow(h).is_some());
        let h = b"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967295), }";
        assert!(shape_overflow(h).is_none());
        let h = b"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }";
        assert!(shape_overflow(h).is_some());
        let h = b"{'descr': '<f8', 'fortran_order': False, 'shape': (), }";
        assert!(shape_overflow(h).is_none());
    }
}
