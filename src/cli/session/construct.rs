//! The array constructors a statement may call: `arange`, `linspace`,
//! `zeros`, `ones`, `random`, `normal` and `reshape`. Their arguments are
//! read from the tree: a shape is a tuple node or one expression, and each
//! argument expression is evaluated on its own.

use numjet::syntax::ast::{ExprId, ExprKind};
use numjet::{Array, ArrayData, DType, Error, Scalar, Span};

use super::statement::Source;
use super::{Rng, Session, data, located, shape_text};

/// The array constructors a statement may call (as its whole value).
pub const CONSTRUCTORS: [&str; 7] = ["arange", "linspace", "zeros", "ones", "random", "normal", "reshape"];

/// Constructors whose first argument may be a shape tuple (`zeros((2, 3))`).
const SHAPED: [&str; 4] = ["zeros", "ones", "random", "normal"];

impl Session {
    /// Evaluates a constructor argument (any expression over the
    /// variables) to a number.
    fn number_arg(&mut self, src: &Source, id: ExprId) -> Result<Scalar, Error> {
        let (a, _) = self.value(src, id)?;
        a.to_scalar().ok_or_else(|| {
            Error::Type(located(src.text, src.expr(id).span, format!("expected a number, got an array of shape {}", shape_text(&a)), None))
        })
    }

    /// A count of elements: a non-negative whole number (`10`, `1e6`).
    fn count_arg(&mut self, src: &Source, id: ExprId) -> Result<u64, Error> {
        let bad = |msg: String| Error::Type(located(src.text, src.expr(id).span, msg, None));
        let huge = |v: f64| Error::Memory(located(src.text, src.expr(id).span, format!("{v:e} elements is more than memory can hold"), None));
        match self.number_arg(src, id)? {
            Scalar::Float32(v) if v as f64 >= u64::MAX as f64 => Err(huge(v as f64)),
            Scalar::Float64(v) if v >= u64::MAX as f64 => Err(huge(v)),
            Scalar::Bool(_) => Err(bad("expected a number of elements, got a bool".into())),
            Scalar::Float32(v) => float_count(v as f64).map_err(bad),
            Scalar::Float64(v) => float_count(v).map_err(bad),
            Scalar::Float16(v) => float_count(v.to_f64()).map_err(bad),
            s => {
                let v = s.to_i128().unwrap_or(0);
                u64::try_from(v).map_err(|_| bad(format!("negative number of elements ({v})")))
            }
        }
    }

    /// A seed: a whole number from 0 to 2^64 - 1.
    fn seed_arg(&mut self, src: &Source, id: ExprId) -> Result<u64, Error> {
        let v = self.number_arg(src, id)?;
        let seed = match v {
            Scalar::Bool(_) => None,
            v if v.dtype().is_float() => {
                let x = v.to_f64();
                (x.fract() == 0.0 && (0.0..18446744073709551616.0).contains(&x)).then_some(x as u64)
            }
            v => v.to_i128().and_then(|x| u64::try_from(x).ok()),
        };
        seed.ok_or_else(|| Error::Type(located(src.text, src.expr(id).span, format!("the seed must be a whole number from 0 to 2^64 - 1, got {v}"), None)))
    }

    /// Makes the array of constructor call `id` of `src`.
    pub(super) fn construct(&mut self, src: &Source, id: ExprId) -> Result<Array, Error> {
        let call_span = src.expr(id).span;
        let ExprKind::Call { func, args, keywords } = &src.expr(id).kind else {
            unreachable!("the caller checked for a constructor call")
        };
        let name = func.name.as_str();
        let text = src.text;
        // A direct argument that is a tuple, and everything below the
        // arguments: no tuples there.
        let tuple = |a: &ExprId| match &src.expr(*a).kind {
            ExprKind::Tuple(elems) => Some(elems.clone()),
            _ => None,
        };
        for a in args.iter().chain(keywords.iter().map(|k| &k.value)) {
            match tuple(a) {
                Some(elems) => elems.iter().try_for_each(|e| self.no_tuples(src, *e))?,
                None => self.no_tuples(src, *a)?,
            }
        }
        let (min, max, usage) = match name {
            "arange" => (1, 3, "arange(stop), arange(start, stop) or arange(start, stop, step)"),
            "linspace" => (3, 3, "linspace(start, stop, n)"),
            "reshape" => (2, 2, "reshape(x, (d0, d1, ...)), one d may be -1"),
            _ => (1, 1, ""),
        };
        let usage = if usage.is_empty() { format!("{name}(n) or {name}((d0, d1, ...))") } else { usage.to_string() };
        let takes_seed = matches!(name, "random" | "normal");
        if args.len() < min || args.len() > max {
            let want = if min == max { format!("{min}") } else { format!("{min} to {max}") };
            return Err(Error::Arity(located(
                text,
                call_span,
                format!("`{name}` takes {want} argument{}, got {}", if max == 1 { "" } else { "s" }, args.len()),
                Some(if name == "reshape" {
                    format!("usage: {usage}")
                } else {
                    format!("usage: {usage}, with an optional dtype=float32 (or any NumPy dtype: bool, int8 … int64, uint8 … uint64, float16, float64, complex64, complex128)")
                }),
            )));
        }
        let mut dtype: Option<DType> = None;
        let mut seed: Option<u64> = None;
        let mut seen: Vec<&str> = Vec::new();
        for k in keywords {
            let (kw, vspan, kind) = (&k.name.name.as_str(), &src.expr(k.value).span, &src.expr(k.value).kind);
            if name == "reshape" {
                return Err(Error::Keyword(located(text, *vspan, format!("`reshape` takes no keyword arguments, got `{kw}`"), None)));
            }
            if seen.contains(kw) {
                return Err(Error::Keyword(located(text, *vspan, format!("keyword `{kw}` given twice"), None)));
            }
            seen.push(kw);
            match *kw {
                "dtype" => {
                    let d = match kind {
                        ExprKind::Name(n) => DType::from_name(n),
                        _ => None,
                    };
                    let Some(d) = d else {
                        return Err(Error::Keyword(located(
                            text,
                            *vspan,
                            "unknown dtype",
                            Some("write a NumPy dtype: dtype=bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, float32, float64, complex64 or complex128 (no quotes)".into()),
                        )));
                    };
                    dtype = Some(d);
                }
                "seed" if takes_seed => seed = Some(self.seed_arg(src, k.value)?),
                _ => {
                    let allowed = if takes_seed { "`dtype` and `seed`" } else { "only `dtype`" };
                    // `foo=1` points at `foo=`; with spaces, at the value.
                    let kspan = if k.name.span.end + 1 == vspan.start { Span::new(k.name.span.start, vspan.start) } else { *vspan };
                    return Err(Error::Keyword(located(
                        text,
                        kspan,
                        format!("`{name}` takes no keyword `{kw}`"),
                        Some(format!("it takes {allowed}")),
                    )));
                }
            }
        }
        let limit = |msg: String| Error::Limit(located(text, call_span, msg, None));
        let memory = |msg: String| Error::Memory(located(text, call_span, msg, None));
        let memory_limit = self.memory_limit;
        if let Some(i) = args.iter().position(|a| tuple(a).is_some())
            && (name != "reshape" || i != 1)
            && !(SHAPED.contains(&name) && i == 0)
        {
            let span = src.expr(args[i]).span;
            return Err(Error::Type(located(text, span, format!("`{name}` takes no shape here"), Some(format!("usage: {usage}")))));
        }
        // The shape of zeros, ones, random and normal: `n` or a tuple.
        let mut shape: Option<Vec<usize>> = None;
        let mut count = |s: &mut Self| -> Result<u64, Error> {
            let dims: Vec<u64> = match tuple(&args[0]) {
                Some(elems) => elems.iter().map(|e| s.count_arg(src, *e)).collect::<Result<_, _>>()?,
                None => vec![s.count_arg(src, args[0])?],
            };
            if dims.len() > numjet::array::MAX_NDIM {
                return Err(limit(format!("{} dimensions is more than numjet's limit of {}", dims.len(), numjet::array::MAX_NDIM)));
            }
            let n = if dims.contains(&0) { Some(0) } else { dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d)) };
            let n = n.ok_or_else(|| {
                let dims: Vec<String> = dims.iter().map(u64::to_string).collect();
                memory(format!("the shape ({}) has more elements than memory can hold", dims.join(", ")))
            })?;
            shape = Some(dims.iter().map(|&d| d as usize).collect());
            Ok(n)
        };
        let data: ArrayData = match name {
            "arange" => return self.arange(src, call_span, args, dtype),
            "reshape" => return self.reshape(src, args),
            "linspace" => {
                let start = self.number_arg(src, args[0])?.to_f64();
                let stop = self.number_arg(src, args[1])?.to_f64();
                let n = self.count_arg(src, args[2])?;
                let dt = dtype.unwrap_or(DType::Float64);
                let n = data::check_size(n, dt, n.saturating_mul(8), memory_limit).map_err(memory)?;
                let mut v: Vec<f64> = Vec::new();
                if n == 1 {
                    v.push(start);
                } else if n > 1 {
                    let step = (stop - start) / (n - 1) as f64;
                    v = data::try_collect(n, (0..n).map(|i| start + i as f64 * step)).map_err(memory)?;
                    v[n - 1] = stop;
                }
                if !dt.is_float() {
                    // NumPy 2 rounds toward -inf for integer dtypes.
                    v.iter_mut().for_each(|x| *x = x.floor());
                }
                data::cast_f64(v, dt).map_err(memory)?
            }
            "zeros" | "ones" => {
                let n = count(self)?;
                let dt = dtype.unwrap_or(DType::Float64);
                let n = data::check_size(n, dt, 0, memory_limit).map_err(memory)?;
                data::filled(dt, n, name == "ones").map_err(memory)?
            }
            _ => {
                // random, normal
                let n = count(self)?;
                let dt = dtype.unwrap_or(DType::Float64);
                if !dt.is_float() {
                    return Err(Error::Keyword(located(
                        text,
                        call_span,
                        format!("`{name}` makes floats; its dtype must be float32 or float64, not {dt}"),
                        None,
                    )));
                }
                let n = data::check_size(n, dt, n.saturating_mul(8), memory_limit).map_err(memory)?;
                let mut own;
                let rng = match seed {
                    Some(s) => {
                        own = Rng::new(s);
                        &mut own
                    }
                    None => &mut self.rng,
                };
                let v = if name == "random" { rng.uniform_vec(n) } else { rng.normal_vec(n) }.map_err(memory)?;
                data::cast_f64(v, dt).map_err(memory)?
            }
        };
        match shape {
            Some(shape) => Ok(Array::new(data, shape).expect("the element count is the shape's")),
            None => Ok(Array::from_vec(data)),
        }
    }

    /// `reshape(x, shape)`: the elements of `x` in C order with a new shape
    /// of the same size (one dimension may be -1, as in NumPy).
    fn reshape(&mut self, src: &Source, args: &[ExprId]) -> Result<Array, Error> {
        let (x, _) = self.value(src, args[0])?;
        let sspan = src.expr(args[1]).span;
        let elems = match &src.expr(args[1]).kind {
            ExprKind::Tuple(elems) => elems.clone(),
            _ => vec![args[1]],
        };
        let bad = |span: Span, msg: String| Error::Type(located(src.text, span, msg, None));
        let mut dims: Vec<Option<usize>> = Vec::new();
        for id in &elems {
            let e = &src.expr(*id).span;
            let d = match self.number_arg(src, *id)? {
                v if v.dtype().is_int() => i64::try_from(v.to_i128().unwrap_or(0)).map_err(|_| bad(*e, format!("dimension {v} is too large")))?,
                v => return Err(bad(*e, format!("a dimension must be an integer, got {v}"))),
            };
            dims.push(match d {
                -1 => None,
                d => Some(usize::try_from(d).map_err(|_| bad(*e, format!("negative dimension {d}")))?),
            });
        }
        if dims.len() > numjet::array::MAX_NDIM {
            return Err(bad(sspan, format!("{} dimensions is more than numjet's limit of {}", dims.len(), numjet::array::MAX_NDIM)));
        }
        if dims.iter().filter(|d| d.is_none()).count() > 1 {
            return Err(bad(sspan, "only one dimension can be -1".into()));
        }
        let known = dims.iter().flatten().try_fold(1usize, |a, &d| a.checked_mul(d));
        let n = x.len();
        let mismatch = || bad(sspan, format!("cannot reshape an array of {n} elements (shape {}) into shape {}", shape_text(&x), show_dims(&dims)));
        let Some(known) = known else { return Err(mismatch()) };
        let shape: Vec<usize> = match dims.iter().position(Option::is_none) {
            Some(i) => {
                if known == 0 || !n.is_multiple_of(known) {
                    return Err(mismatch());
                }
                let mut s: Vec<usize> = dims.iter().map(|d| d.unwrap_or(0)).collect();
                s[i] = n / known;
                s
            }
            None if known == n => dims.iter().flatten().copied().collect(),
            None => return Err(mismatch()),
        };
        let data = x.into_data();
        Ok(Array::new(data, shape).expect("the sizes were checked"))
    }

    /// `arange` as NumPy does it: int64 when every argument is an integer,
    /// float64 otherwise (or `dtype`); `ceil((stop - start) / step)` elements.
    fn arange(&mut self, src: &Source, call_span: Span, args: &[ExprId], dtype: Option<DType>) -> Result<Array, Error> {
        let text = src.text;
        let vals: Vec<Scalar> = args.iter().map(|a| self.number_arg(src, *a)).collect::<Result<_, _>>()?;
        let (start, stop, step) = match vals.as_slice() {
            [stop] => (Scalar::Int64(0), *stop, Scalar::Int64(1)),
            [start, stop] => (*start, *stop, Scalar::Int64(1)),
            [start, stop, step] => (*start, *stop, *step),
            _ => unreachable!("arity checked"),
        };
        let step_span = args.get(2).map_or(call_span, |a| src.expr(*a).span);
        let memory = |msg: String| Error::Memory(located(text, call_span, msg, None));
        let any_float = vals.iter().any(|v| v.dtype().is_float());
        let dt = dtype.unwrap_or(if any_float { DType::Float64 } else { DType::Int64 });
        if !any_float {
            let int = |s: Scalar| match s.cast(DType::Int64) {
                Scalar::Int64(v) => v as i128,
                _ => 0,
            };
            let (start, stop, step) = (int(start), int(stop), int(step));
            if step == 0 {
                return Err(Error::Type(located(text, step_span, "the step of `arange` must not be zero", None)));
            }
            let d = stop - start;
            let len = if d != 0 && (d > 0) == (step > 0) { (d.abs() + step.abs() - 1) / step.abs() } else { 0 };
            let len = u64::try_from(len).unwrap_or(u64::MAX);
            let n = data::check_size(len, dt, if dt == DType::Int64 { 0 } else { len.saturating_mul(8) }, self.memory_limit).map_err(memory)?;
            let v: Vec<i64> = data::try_collect(n, (0..n).map(|i| (start + i as i128 * step) as i64)).map_err(memory)?;
            let data: ArrayData = match dt {
                DType::Int64 => v.into(),
                _ => data::cast_f64(data::try_collect(n, v.into_iter().map(|x| x as f64)).map_err(memory)?, dt).map_err(memory)?,
            };
            return Ok(Array::from_vec(data));
        }
        let (start, stop, step) = (start.to_f64(), stop.to_f64(), step.to_f64());
        if !(start.is_finite() && stop.is_finite() && step.is_finite()) {
            return Err(Error::Type(located(text, call_span, "`arange` needs finite start, stop and step", None)));
        }
        if step == 0.0 {
            return Err(Error::Type(located(text, step_span, "the step of `arange` must not be zero", None)));
        }
        let len = ((stop - start) / step).ceil();
        if !len.is_finite() || len >= u64::MAX as f64 {
            return Err(memory(format!("`arange` would make {len:e} elements, more than memory can hold")));
        }
        let len = if len > 0.0 { len as u64 } else { 0 };
        let n = data::check_size(len, dt, len.saturating_mul(8), self.memory_limit).map_err(memory)?;
        let v: Vec<f64> = data::try_collect(n, (0..n).map(|i| start + i as f64 * step)).map_err(memory)?;
        Ok(Array::from_vec(data::cast_f64(v, dt).map_err(memory)?))
    }
}

fn show_dims(dims: &[Option<usize>]) -> String {
    let parts: Vec<String> = dims.iter().map(|d| d.map_or("-1".to_string(), |d| d.to_string())).collect();
    if parts.len() == 1 { format!("({},)", parts[0]) } else { format!("({})", parts.join(", ")) }
}

fn float_count(v: f64) -> Result<u64, String> {
    if !v.is_finite() || v.fract() != 0.0 {
        return Err(format!("expected a whole number of elements, got {v}"));
    }
    if v < 0.0 {
        return Err(format!("negative number of elements ({v})"));
    }
    if v >= u64::MAX as f64 {
        return Err(format!("{v:e} elements is more than memory can hold"));
    }
    Ok(v as u64)
}
