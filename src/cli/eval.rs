//! `numjet eval EXPR [NAME=PATH.npy | NAME=NUMBER]... [-o OUT.npy]`

use std::path::PathBuf;

use clap::Args;
use numjet::npy::NpyArray;
use numjet::{Array, Backend, Config, Engine, Input, Scalar, Signature};

use super::{data, diag};

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The program, e.g. 'where(a > 0, sqrt(a), 0)' or 't = a*b; t + sin(t)'.
    #[arg(allow_hyphen_values = true)]
    pub expr: String,
    /// Inputs: NAME=PATH.npy (any NumPy dtype numjet has: bool, int8..int64, uint8..uint64, float16, float32, float64, complex64, complex128; little-endian,
    /// any shape, C or Fortran order), NAME=3 (a 0-d int64), NAME=2.5 (a 0-d float64),
    /// NAME=True/False.
    #[arg(value_name = "NAME=VALUE")]
    pub inputs: Vec<String>,
    /// Write the result to this .npy file (C order, with the result's shape)
    /// instead of printing it.
    #[arg(short = 'o', long = "out", value_name = "OUT.npy")]
    pub out: Option<PathBuf>,
    /// Evaluator: `jit` (Cranelift, the default) or `interp` (the reference interpreter).
    #[arg(long, default_value = "jit", value_name = "jit|interp")]
    pub backend: String,
}

/// Parses `NAME=VALUE` into a name and an input array (0-d for numbers;
/// a `.npy` file's elements as stored, Fortran order included).
fn parse_input(spec: &str) -> Result<(String, NpyArray), String> {
    let Some((name, value)) = spec.split_once('=') else {
        return Err(format!("error: input `{spec}` should look like NAME=PATH.npy or NAME=NUMBER"));
    };
    let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_name {
        return Err(format!("error: `{name}` is not a valid input name (letters, digits and `_`, not starting with a digit)"));
    }
    let scalar = if let Ok(v) = value.replace('_', "").parse::<i64>() {
        Some(Scalar::Int64(v))
    } else if let Some(v) = parse_float(value) {
        Some(Scalar::Float64(v))
    } else if value == "True" || value == "False" {
        Some(Scalar::Bool(value == "True"))
    } else {
        None
    };
    let arr = match scalar {
        Some(s) => Array::scalar(s).into(),
        None => numjet::npy::read_limited(std::path::Path::new(value), data::memory_limit()).map_err(|e| format!("error: input `{name}`: {e}"))?,
    };
    Ok((name.to_string(), arr))
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        "nan" => Some(f64::NAN),
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        // Only plain decimal forms: `Rust` would also accept "infinity" etc.
        _ if s.bytes().all(|b| b.is_ascii_digit() || b"+-.eE_".contains(&b)) && s.bytes().any(|b| b.is_ascii_digit()) => {
            s.replace('_', "").parse().ok()
        }
        _ => None,
    }
}

pub fn run(args: EvalArgs) -> Result<(), String> {
    let Some(backend) = Backend::from_name(&args.backend) else {
        return Err(format!("error: unknown backend `{}`; choose jit or interp", args.backend));
    };
    let mut named: Vec<(String, NpyArray)> = Vec::new();
    for spec in &args.inputs {
        let (name, arr) = parse_input(spec)?;
        if named.iter().any(|(n, _)| *n == name) {
            return Err(format!("error: input `{name}` is given twice"));
        }
        named.push((name, arr));
    }
    let inputs: Vec<Input> = named.iter().map(|(_, a)| a.input()).collect();
    let mut sig = Signature::new();
    for ((name, _), x) in named.iter().zip(&inputs) {
        sig = sig.input(name, x);
    }
    let engine = Engine::new(Config::default().backend(backend).memory_limit(data::memory_limit()).math(data::math()));
    let color = diag::stderr_color();
    let kernel = engine.compile(&args.expr, &sig).map_err(|e| diag::render(&e, color))?;
    let result = kernel.eval(&inputs).map_err(|e| diag::render(&e, color))?;
    match &args.out {
        Some(path) => numjet::npy::write(path, &result).map_err(|e| format!("error: {e}")),
        None => {
            use std::io::Write;
            // A closed pipe (`numjet eval ... | head`) is not worth a panic.
            let _ = writeln!(std::io::stdout(), "{result}");
            Ok(())
        }
    }
}
