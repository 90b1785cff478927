//! Shared test helpers: the golden-fixture format and value comparison.
#![allow(dead_code)]

pub mod nd;
pub mod shapes;

use numjet::{Array, ArrayData, Complex, DType, Input, Scalar};
use serde_json::Value;

/// A value's bits (integers zero-extended from their width, floats as
/// stored, NaN payloads included), for bit-for-bit comparisons.
pub fn scalar_bits(s: Scalar) -> u64 {
    s.bits()
}

/// One golden case from `tests/fixtures/golden.json`.
pub struct Case {
    pub name: String,
    pub expr: String,
    pub inputs: Vec<(String, Array)>,
    pub expect: Result<Array, String>,
    pub ulp: u64,
}

pub fn load_golden() -> Vec<Case> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/golden.json")).expect("golden.json");
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            expr: c["expr"].as_str().unwrap().to_string(),
            inputs: c["inputs"].as_object().unwrap().iter().map(|(k, a)| (k.clone(), array(a))).collect(),
            expect: match c.get("expect") {
                Some(a) => Ok(array(a)),
                None => Err(c["error"].as_str().unwrap().to_string()),
            },
            ulp: c["ulp"].as_u64().unwrap(),
        })
        .collect()
}

fn float(v: &Value) -> f64 {
    v.as_str().expect("floats are strings").parse().expect("float repr")
}

fn array(a: &Value) -> Array {
    let dtype = DType::from_name(a["dtype"].as_str().unwrap()).expect("dtype");
    let shape: Vec<usize> = a["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
    let data = data(dtype, a["values"].as_array().unwrap());
    Array::new(data, shape).expect("shape matches values")
}

/// Fixture values of `dtype`: JSON bools, integers (checked to fit), or
/// strings holding Python's `repr` of the float (exact in float64), or for
/// complex dtypes `[re, im]` pairs of such strings.
pub fn data(dtype: DType, vals: &[Value]) -> ArrayData {
    let mut d = ArrayData::with_capacity(dtype, vals.len());
    for x in vals {
        let s = match dtype {
            DType::Bool => Scalar::Bool(x.as_bool().unwrap()),
            d if d.is_complex() => {
                let p = x.as_array().expect("complex values are [re, im] pairs");
                Scalar::Complex128(Complex::new(float(&p[0]), float(&p[1]))).cast(d)
            }
            d if d.is_float() => Scalar::Float64(float(x)).cast(d),
            d => {
                let v = x.as_i64().map(i128::from).or_else(|| x.as_u64().map(i128::from)).expect("an integer");
                let (lo, hi) = d.int_range().unwrap();
                assert!((lo..=hi).contains(&v), "{v} does not fit {d}");
                Scalar::int(d, v)
            }
        };
        d.push(s);
    }
    d
}

/// Distance in units in the last place; NaN equals NaN; `None` when the
/// values are different kinds of thing (NaN vs number, different signs of
/// zero when exactness is asked for).
pub fn ulp_distance(a: Scalar, b: Scalar) -> Option<u64> {
    fn ord64(x: f64) -> i128 {
        let b = x.to_bits() as i64;
        // -0.0 is one below +0.0: a sign of zero is a difference.
        (if b < 0 { i64::MIN - b - 1 } else { b }) as i128
    }
    fn ord32(x: f32) -> i128 {
        let b = x.to_bits() as i32;
        (if b < 0 { i32::MIN - b - 1 } else { b }) as i128
    }
    match (a, b) {
        (Scalar::Float64(x), Scalar::Float64(y)) => {
            if x.is_nan() || y.is_nan() {
                return (x.is_nan() && y.is_nan()).then_some(0);
            }
            Some((ord64(x) - ord64(y)).unsigned_abs() as u64)
        }
        (Scalar::Float16(x), Scalar::Float16(y)) => {
            if x.is_nan() || y.is_nan() {
                return (x.is_nan() && y.is_nan()).then_some(0);
            }
            let ord16 = |h: numjet::dtype::F16| {
                let b = h.to_bits();
                if b & 0x8000 != 0 { -((b & 0x7fff) as i128) - 1 } else { b as i128 }
            };
            Some((ord16(x) - ord16(y)).unsigned_abs() as u64)
        }
        (Scalar::Float32(x), Scalar::Float32(y)) => {
            if x.is_nan() || y.is_nan() {
                return (x.is_nan() && y.is_nan()).then_some(0);
            }
            Some((ord32(x) - ord32(y)).unsigned_abs() as u64)
        }
        (x, y) => (x == y).then_some(0),
    }
}

/// Compares a result with the expected array: dtype, shape, then values
/// within `ulp` (0 = bit exact apart from NaN payloads; ±0 differ by one).
pub fn compare(got: &Array, want: &Array, ulp: u64) -> Result<(), String> {
    if got.dtype() != want.dtype() {
        return Err(format!("dtype {} != expected {}", got.dtype(), want.dtype()));
    }
    if got.shape() != want.shape() {
        return Err(format!("shape {:?} != expected {:?}", got.shape(), want.shape()));
    }
    let mut bad = Vec::new();
    for i in 0..got.len() {
        let (g, w) = (got.get(i).unwrap(), want.get(i).unwrap());
        match ulp_distance(g, w) {
            Some(d) if d <= ulp => {}
            d => bad.push(format!("[{i}] got {g} want {w} (ulp {d:?})")),
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        let n = bad.len();
        bad.truncate(6);
        Err(format!("{n} elements differ: {}", bad.join("; ")))
    }
}

pub fn as_input(a: &Array) -> Input<'_> {
    a.as_input()
}
