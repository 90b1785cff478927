//! `.npy` files: reading inputs and writing results (behind the `cli`
//! feature). The header is parsed by the `npyz` crate; numjet checks the
//! dtype, shape and data length itself before touching the data, so a
//! truncated or lying file is an error, never a huge allocation or a panic.

use std::io::Cursor;
use std::path::Path;

use npyz::{Endianness, TypeChar, WriterBuilder};

use crate::array::{Array, ArrayData};
use crate::dtype::DType;

/// Reads a little-endian bool, int32, int64, float32 or float64 array of
/// 0 or 1 dimensions.
pub fn read(path: &Path) -> Result<Array, String> {
    let name = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    let mut cur = Cursor::new(&bytes[..]);
    let header = npyz::NpyHeader::from_reader(&mut cur).map_err(|e| format!("`{name}` is not a valid .npy file: {e}"))?;
    let data = &bytes[cur.position() as usize..];
    let npyz::DType::Plain(ts) = header.dtype() else {
        return Err(format!("`{name}` holds a structured array; numjet reads bool, int32, int64, float32 and float64"));
    };
    let size = ts.size_field();
    let dtype = match (ts.type_char(), size) {
        (TypeChar::Bool, 1) => DType::Bool,
        (TypeChar::Int, 4) => DType::Int32,
        (TypeChar::Int, 8) => DType::Int64,
        (TypeChar::Float, 4) => DType::Float32,
        (TypeChar::Float, 8) => DType::Float64,
        _ => {
            return Err(format!(
                "`{name}` has dtype `{ts}`; numjet reads bool, int32, int64, float32 and float64 (little-endian)"
            ));
        }
    };
    if ts.endianness() == Endianness::Big && size > 1 {
        return Err(format!("`{name}` has big-endian dtype `{ts}`; numjet reads little-endian data (use arr.astype('<{}{size}'))", ts.type_char().to_str()));
    }
    let shape = header.shape();
    if shape.len() > 1 {
        return Err(format!("`{name}` has shape {shape:?}; numjet handles 0-d and 1-D arrays for now"));
    }
    let n = shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).ok_or_else(|| format!("`{name}` has an impossible shape {shape:?}"))?;
    let need = n.checked_mul(size).filter(|&b| b <= data.len() as u64);
    let Some(need) = need else {
        return Err(format!("`{name}` is truncated: its header promises {n} elements of {size} bytes, the file holds {} data bytes", data.len()));
    };
    let data = &data[..need as usize];
    let arr: ArrayData = match dtype {
        DType::Bool => data.iter().map(|&b| b != 0).collect::<Vec<_>>().into(),
        DType::Int32 => data.chunks_exact(4).map(|c| i32::from_le_bytes(c.try_into().expect("4 bytes"))).collect::<Vec<_>>().into(),
        DType::Int64 => data.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes"))).collect::<Vec<_>>().into(),
        DType::Float32 => data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))).collect::<Vec<_>>().into(),
        DType::Float64 => data.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect::<Vec<_>>().into(),
    };
    let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    Array::new(arr, shape).ok_or_else(|| format!("`{name}`: shape and data disagree"))
}

/// Writes an array as `.npy` (C order, little-endian; 0-d stays 0-d).
pub fn write(path: &Path, a: &Array) -> Result<(), String> {
    let name = path.display();
    let shape: Vec<u64> = a.shape().iter().map(|&d| d as u64).collect();
    let file = std::fs::File::create(path).map_err(|e| format!("cannot create `{name}`: {e}"))?;
    let w = std::io::BufWriter::new(file);
    let err = |e: std::io::Error| format!("cannot write `{name}`: {e}");
    macro_rules! put {
        ($t:ty, $v:expr) => {{
            let mut wr = npyz::WriteOptions::<$t>::new().default_dtype().shape(&shape).writer(w).begin_nd().map_err(err)?;
            wr.extend($v.iter().copied()).map_err(err)?;
            wr.finish().map_err(err)
        }};
    }
    match a.data() {
        ArrayData::Bool(v) => put!(bool, v),
        ArrayData::Int32(v) => put!(i32, v),
        ArrayData::Int64(v) => put!(i64, v),
        ArrayData::Float32(v) => put!(f32, v),
        ArrayData::Float64(v) => put!(f64, v),
    }
}
