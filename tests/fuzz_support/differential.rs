//! `differential`: structure-aware programs and inputs (through
//! `arbitrary`). The JIT gives what the interpreter gives, bit for bit
//! (NaN payloads aside, as in `tests/jit_diff.rs`), runtime errors and
//! their messages included, on one thread and on two (work split into
//! blocks of a fuzzed size, never run serially because it is small).
//!
//! Programs are built like `tests/jit_diff.rs`'s: every function and
//! operator of `numjet::ops::OPS`, casts, reductions, `where`, `clip`,
//! comparison chains and conditionals, over three arrays `a b c` (1-d or
//! 2-d, C or Fortran order, broadcasting) of fuzzed dtypes, a 0-d `s`, and
//! edge-salted literals, optionally as `t = first` then `second`.

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use numjet::ops::{OPS, Syntax};
use numjet::{Array, ArrayData, Backend, Config, DType, Engine, Error, Input, Scalar, Signature, View};

/// One fuzz case: the structure `arbitrary` fills in.
#[derive(Arbitrary, Debug)]
pub struct Case {
    pub first: Expr,
    /// `t = first` then this (which may read `t`).
    pub second: Option<Expr>,
    pub dtypes: [u8; 4],
    pub shape: ShapeSpec,
    pub values: Vec<Value>,
    /// Picks the block size of the threaded JIT engine.
    pub chunk: u8,
}

#[derive(Arbitrary, Debug)]
pub enum Expr {
    Var(u8),
    Lit(u8),
    Unary(u8, Box<Expr>),
    Binary(u8, Box<Expr>, Box<Expr>),
    Ternary(u8, Box<Expr>, Box<Expr>, Box<Expr>),
}

#[derive(Arbitrary, Debug)]
pub enum Value {
    Edge(u8),
    Small(i8),
    Bits(u64),
}

#[derive(Arbitrary, Debug)]
pub struct ShapeSpec {
    /// All 1-d: picks the length. Else the rows of the 2-d shape.
    pub rows: u8,
    /// The columns of the 2-d shape (also the 1-d arrays' length then).
    pub cols: u8,
    /// Per array: 1-d, 2-d `(r, k)`, `(1, k)` or `(r, 1)`.
    pub kind: [u8; 3],
    /// Per array: a 2-d array stored in Fortran order (a strided view).
    pub fortran: [bool; 3],
}

const LENGTHS: &[usize] = &[0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 67, 100, 1000, 4099];

const LITERALS: &[&str] = &[
    "0", "1", "2", "3", "-1", "7", "-3", "31", "64", "100", "0.5", "-0.0", "2.5", "-1.5", "1e300", "1e-310", "nan", "inf", "True", "False",
    "2147483648", "pi", "-2147483648", "9223372036854775807", "255", "0.1",
];

const F64_EDGES: &[f64] = &[
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.0, -7.0, 100.25, 1e300, -1e300, f64::INFINITY, f64::NEG_INFINITY, f64::NAN,
    f64::MIN_POSITIVE, 5e-324, -5e-324, f64::MAX, 2147483647.5, 2147483648.0, -2147483649.0, 9.3e18, -9223372036854775808.0, 0.1,
];
const I64_EDGES: &[i64] =
    &[0, 1, -1, 2, -2, 3, -3, 7, -7, 31, 32, 63, 64, 65, 100, -100, 2147483647, -2147483648, i64::MAX, i64::MIN, i64::MIN + 1, 1 << 40];

struct Forms {
    unary: Vec<String>,
    binary: Vec<String>,
    ternary: Vec<String>,
}

fn forms() -> &'static Forms {
    static F: OnceLock<Forms> = OnceLock::new();
    F.get_or_init(|| {
        let mut unary: Vec<String> =
            OPS.iter().filter(|d| d.arity == 1 && d.syntax == Syntax::Function).map(|d| format!("{}(#)", d.name)).collect();
        unary.extend(
            ["-(#)", "~(#)", "+(#)", "not #", "(#).real", "(#).imag", "(# ** 2)", "(# ** 0.5)", "(# ** -1)", "(# ** 0)", "(# ** 3)"]
                .map(String::from),
        );
        for f in ["bool", "int32", "int64", "float32", "float64", "sum", "prod", "min", "max", "mean", "any", "all"] {
            unary.push(format!("{f}(#)"));
        }
        let mut binary: Vec<String> = OPS
            .iter()
            // No `complex(#, #)`: the JIT does not compile complex
            // programs yet (issue 13).
            .filter(|d| d.arity == 2 && d.name != "complex")
            .map(|d| match d.syntax {
                Syntax::Operator(s) => format!("(# {s} #)"),
                Syntax::Function | Syntax::Internal => format!("{}(#, #)", d.name),
            })
            .collect();
        binary.extend(["(# ** #)", "(# and #)", "(# or #)", "(# < # < #)", "(# == # != #)"].map(String::from));
        let ternary = ["where(#, #, #)", "(# if # else #)", "clip(#, #, #)"].map(String::from).to_vec();
        Forms { unary, binary, ternary }
    })
}

fn fill(form: &str, args: &[String]) -> String {
    let mut out = String::new();
    let mut it = args.iter().cycle();
    for ch in form.chars() {
        if ch == '#' {
            out.push_str(it.next().expect("at least one operand"));
        } else {
            out.push(ch);
        }
    }
    out
}

/// The program text of `e`, at most `depth` levels deep; `t` may be read
/// in the second statement.
fn render(e: &Expr, depth: usize, t: bool) -> String {
    let vars: &[&str] = if t { &["a", "b", "c", "s", "t"] } else { &["a", "b", "c", "s"] };
    let pick = |v: &[String], i: u8| v[i as usize % v.len()].clone();
    match e {
        Expr::Var(i) => vars[*i as usize % vars.len()].to_string(),
        Expr::Lit(i) => LITERALS[*i as usize % LITERALS.len()].to_string(),
        _ if depth == 0 => "a".to_string(),
        Expr::Unary(f, x) => fill(&pick(&forms().unary, *f), &[render(x, depth - 1, t)]),
        Expr::Binary(f, x, y) => fill(&pick(&forms().binary, *f), &[render(x, depth - 1, t), render(y, depth - 1, t)]),
        Expr::Ternary(f, x, y, z) => {
            fill(&pick(&forms().ternary, *f), &[render(x, depth - 1, t), render(y, depth - 1, t), render(z, depth - 1, t)])
        }
    }
}

const MAX_DEPTH: usize = 6;

impl Case {
    /// The program text.
    pub fn program(&self) -> String {
        let first = render(&self.first, MAX_DEPTH, false);
        match &self.second {
            None => first,
            Some(e) => format!("t = {first}\n{}", render(e, MAX_DEPTH, true)),
        }
    }

    fn value(&self, k: usize, d: DType) -> Scalar {
        let v = if self.values.is_empty() { &Value::Small(1) } else { &self.values[k % self.values.len()] };
        match *v {
            Value::Edge(i) => match d {
                DType::Bool => Scalar::Bool(i & 1 == 1),
                d if d.is_int() => Scalar::Int64(I64_EDGES[i as usize % I64_EDGES.len()]).cast(d),
                d => Scalar::Float64(F64_EDGES[i as usize % F64_EDGES.len()]).cast(d),
            },
            Value::Small(x) => Scalar::Float64(x as f64 * 0.25).cast(d),
            Value::Bits(bits) => match d {
                DType::Bool => Scalar::Bool(bits & 1 == 1),
                d => Scalar::from_bits(d, bits),
            },
        }
    }
}

/// The inputs of a case: each array's data, shape and strides.
struct Arrays {
    dtypes: [DType; 4],
    data: Vec<ArrayData>,
    shapes: Vec<Vec<usize>>,
    strides: Vec<Option<Vec<isize>>>,
    s: Scalar,
}

fn arrays(c: &Case) -> Arrays {
    // The real dtypes: the JIT does not compile complex programs yet.
    let dt = |x: u8| DType::REAL[x as usize % DType::REAL.len()];
    let dtypes = [dt(c.dtypes[0]), dt(c.dtypes[1]), dt(c.dtypes[2]), dt(c.dtypes[3])];
    let nd = c.shape.kind.iter().any(|k| k % 4 != 0);
    let (r, k) = if nd { (c.shape.rows as usize % 6, c.shape.cols as usize % 10) } else { (0, LENGTHS[c.shape.rows as usize % LENGTHS.len()]) };
    let (mut data, mut shapes, mut strides) = (Vec::new(), Vec::new(), Vec::new());
    let mut next = 0;
    for (j, (&kind, &fortran)) in c.shape.kind.iter().zip(&c.shape.fortran).enumerate() {
        let shape = match kind % 4 {
            0 => vec![k],
            1 => vec![r, k],
            2 => vec![1, k],
            _ => vec![r, 1],
        };
        let n: usize = shape.iter().product();
        let mut d = ArrayData::with_capacity(dtypes[j], n);
        for _ in 0..n {
            d.push(c.value(next, dtypes[j]));
            next += 1;
        }
        // Fortran order: element (i, j) at i + j * rows.
        strides.push((shape.len() == 2 && fortran).then(|| vec![1, shape[0].max(1) as isize]));
        data.push(d);
        shapes.push(shape);
    }
    let s = c.value(next, dtypes[3]);
    Arrays { dtypes, data, shapes, strides, s }
}

/// The reference and the JIT engines (one per block size), made once.
fn engines() -> &'static (Engine, Vec<Engine>) {
    static E: OnceLock<(Engine, Vec<Engine>)> = OnceLock::new();
    E.get_or_init(|| {
        let interp = Engine::new(Config::default().backend(Backend::Interp).threads(1).cache_capacity(0));
        let jits = [1, 3, 16, 8192]
            .into_iter()
            .map(|chunk| Engine::new(Config::default().backend(Backend::Jit).threads(2).serial_below(0).chunk(chunk).cache_capacity(0)))
            .collect();
        (interp, jits)
    })
}

fn same_scalar(a: Scalar, b: Scalar) -> bool {
    match (a, b) {
        (Scalar::Float32(x), Scalar::Float32(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Scalar::Float64(x), Scalar::Float64(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Scalar::Float16(x), Scalar::Float16(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Scalar::Complex64(x), Scalar::Complex64(y)) => (x.re.to_bits() == y.re.to_bits() || (x.re.is_nan() && y.re.is_nan())) && (x.im.to_bits() == y.im.to_bits() || (x.im.is_nan() && y.im.is_nan())),
        (Scalar::Complex128(x), Scalar::Complex128(y)) => (x.re.to_bits() == y.re.to_bits() || (x.re.is_nan() && y.re.is_nan())) && (x.im.to_bits() == y.im.to_bits() || (x.im.is_nan() && y.im.is_nan())),
        _ => a == b,
    }
}

fn compare(want: &Result<Array, Error>, got: &Result<Array, Error>) -> Result<(), String> {
    match (want, got) {
        (Ok(w), Ok(g)) => {
            if w.dtype() != g.dtype() || w.shape() != g.shape() {
                return Err(format!("want {} {:?}, got {} {:?}", w.dtype(), w.shape(), g.dtype(), g.shape()));
            }
            for i in 0..w.len() {
                let (x, y) = (w.get(i).expect("in bounds"), g.get(i).expect("in bounds"));
                if !same_scalar(x, y) {
                    return Err(format!("element {i}: want {x:?}, got {y:?}"));
                }
            }
            Ok(())
        }
        (Err(w), Err(g)) if w.to_string() == g.to_string() => Ok(()),
        (w, g) => Err(format!("interp gave {w:?}\n  jit gave {g:?}")),
    }
}

pub fn check(data: &[u8]) {
    let Ok(case) = Case::arbitrary(&mut arbitrary::Unstructured::new(data)) else { return };
    check_case(&case);
}

pub fn check_case(case: &Case) {
    let src = case.program();
    let a = arrays(case);
    let mut sig = Signature::new();
    let mut inputs = Vec::new();
    for (j, name) in ["a", "b", "c"].into_iter().enumerate() {
        let shape = &a.shapes[j];
        if shape.len() == 1 {
            sig = sig.array(name, a.dtypes[j]);
            inputs.push(Input::Array(a.data[j].as_ref()));
        } else {
            sig = sig.nd(name, a.dtypes[j], 2);
            let view = match &a.strides[j] {
                None => View::new(a.data[j].as_ref(), shape),
                Some(st) => View::strided(a.data[j].as_ref(), shape, st, 0),
            };
            inputs.push(Input::View(view.expect("a valid view")));
        }
    }
    sig = sig.scalar("s", a.dtypes[3]);
    inputs.push(Input::Scalar(a.s));
    let (interp, jits) = engines();
    let jit = &jits[case.chunk as usize % jits.len()];
    let want = interp.compile_uncached(&src, &sig);
    let got = jit.compile_uncached(&src, &sig);
    let (want, got) = match (want, got) {
        (Ok(w), Ok(g)) => (w, g),
        (Err(w), Err(g)) => {
            assert_eq!(w.to_string(), g.to_string(), "`{src}`: the backends reject it differently");
            return;
        }
        (w, g) => panic!("`{src}`: the interpreter gives {:?}, the JIT {:?}", w.map(|_| ()), g.map(|_| ())),
    };
    let reference = want.eval(&inputs);
    for threads in [1, 2] {
        let out = got.with_threads(threads).eval(&inputs);
        if let Err(e) = compare(&reference, &out) {
            panic!("`{src}` on {threads} thread(s), block {} ({:?}, shapes {:?}, Fortran {:?}):\n  {e}", jit.config().chunk, a.dtypes, a.shapes, case.shape.fortran);
        }
    }
}
