//! The N-d golden fixtures (`tests/fixtures/golden_nd.json`): their
//! format and loader, shared by `tests/golden_nd.rs` and
//! `tests/determinism.rs`.
//!
//! An input with `"strides"` is a view of the whole buffer `"values"`:
//! element `offset + sum(i_k * strides[k])` (in elements), built with
//! `View::strided`; the expected values are NumPy's on that exact view.
#![allow(dead_code)]

use numjet::{Array, ArrayData, DType, Input, View};
use serde_json::Value;

/// One input as stored in the fixture file.
pub enum Stored {
    /// C-contiguous data of `shape`.
    Plain(Array),
    /// A strided view of the whole `base` buffer.
    Strided { base: ArrayData, shape: Vec<usize>, strides: Vec<isize>, offset: usize },
}

pub struct Case {
    pub name: String,
    pub expr: String,
    pub inputs: Vec<(String, Stored)>,
    pub expect: Result<Array, String>,
    pub ulp: u64,
}

fn float(v: &Value) -> f64 {
    v.as_str().expect("floats are strings").parse().expect("float repr")
}

use super::data;

fn stored(a: &Value) -> Stored {
    let dtype = DType::from_name(a["dtype"].as_str().unwrap()).expect("dtype");
    let shape: Vec<usize> = a["shape"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
    let d = data(dtype, a["values"].as_array().unwrap());
    match a.get("strides") {
        Some(s) => Stored::Strided {
            base: d,
            shape,
            strides: s.as_array().unwrap().iter().map(|x| x.as_i64().unwrap() as isize).collect(),
            offset: a["offset"].as_u64().unwrap() as usize,
        },
        None => Stored::Plain(Array::new(d, shape).expect("shape matches values")),
    }
}

/// The fixture file: `tests/fixtures/golden_nd.json`, or the file named by
/// `NUMJET_GOLDEN_ND` (e.g. random cases from
/// `python3 tests/fixtures/gen_golden_nd.py --stress 3000 /tmp/stress.json`).
pub fn fixture_path() -> (String, bool) {
    match std::env::var("NUMJET_GOLDEN_ND") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/golden_nd.json").to_string(), true),
    }
}

pub fn load() -> Vec<Case> {
    let (path, _) = fixture_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            expr: c["expr"].as_str().unwrap().to_string(),
            inputs: c["inputs"].as_object().unwrap().iter().map(|(k, a)| (k.clone(), stored(a))).collect(),
            expect: match c.get("expect") {
                Some(a) => match stored(a) {
                    Stored::Plain(a) => Ok(a),
                    Stored::Strided { .. } => panic!("expected results are contiguous"),
                },
                None => Err(c["error"].as_str().unwrap().to_string()),
            },
            ulp: c["ulp"].as_u64().unwrap(),
        })
        .collect()
}

/// The evaluation input for a stored one: 0-d and 1-D contiguous arrays as
/// `Array::as_input` gives them, N-d ones through `View::new`, strided ones
/// through `View::strided`.
pub fn input(s: &Stored) -> Result<Input<'_>, String> {
    match s {
        Stored::Plain(a) if a.shape().len() < 2 => Ok(a.as_input()),
        Stored::Plain(a) => View::new(a.data().as_ref(), a.shape()).map(Input::View).map_err(|e| format!("View::new: {}", e.message())),
        Stored::Strided { base, shape, strides, offset } => {
            View::strided(base.as_ref(), shape, strides, *offset).map(Input::View).map_err(|e| format!("View::strided: {}", e.message()))
        }
    }
}

