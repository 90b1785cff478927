//! Stage 3: the reference interpreter.
//!
//! Obviously correct rather than fast: it walks the program's nodes in
//! order, computing each node's whole column element by element with the
//! table's scalar semantics ([`crate::ops::OpDef::eval`]). A column is freed
//! after its last use, so long programs do not hold every temporary.
//!
//! Reductions follow NumPy's algorithms, as defined once in
//! [`crate::ops::reduce`] (pairwise float sums, left-to-right products and
//! min/max, buffered integer means); axis reductions walk each output
//! element's inputs in NumPy's order.

use crate::array::{ArrayData, ArrayRef, Input, c_strides};
use crate::dtype::{DType, Scalar};
use crate::error::Error;
use crate::ir::{NodeId, NodeOp, Program, Shape};
use crate::layout::{Operand, permute, permuted_index, reduction_walk, size, to_contiguous};
use crate::ops::reduce::reduce;
use crate::ops::{EvalError, Reduce};

/// A computed value: a 0-d scalar, or an array in C order (its shape is in
/// `shapes`): a borrowed contiguous input or an owned array.
enum Value<'a> {
    Scalar(Scalar),
    Borrowed(ArrayRef<'a>),
    Owned(ArrayData),
}

impl Value<'_> {
    fn get(&self, i: usize) -> Scalar {
        match self {
            Value::Scalar(s) => *s,
            Value::Borrowed(a) => a.get(i),
            Value::Owned(d) => d.as_ref().get(i),
        }
    }

    fn array(&self) -> Option<ArrayRef<'_>> {
        match self {
            Value::Scalar(_) => None,
            Value::Borrowed(a) => Some(*a),
            Value::Owned(d) => Some(d.as_ref()),
        }
    }
}

/// An argument of an elementwise node, at the node's shape.
enum Arg<'v> {
    Scalar(Scalar),
    Borrowed(ArrayRef<'v>),
    Owned(ArrayData),
}

impl Arg<'_> {
    fn get(&self, i: usize) -> Scalar {
        match self {
            Arg::Scalar(s) => *s,
            Arg::Borrowed(d) => d.get(i),
            Arg::Owned(d) => d.as_ref().get(i),
        }
    }
}

/// Evaluates a program on inputs already checked against its signature;
/// `shapes` are the nodes' shapes ([`crate::layout::shapes`]). Returns the
/// result's elements in C order (one element for a 0-d result).
pub(crate) fn run(p: &Program, inputs: &[Input<'_>], shapes: &[Vec<usize>]) -> Result<ArrayData, Error> {
    let mut last_use = vec![0usize; p.nodes().len()];
    for (i, n) in p.nodes().iter().enumerate() {
        for a in &n.args {
            last_use[a.index()] = i;
        }
    }
    let mut vals: Vec<Option<Value>> = (0..p.nodes().len()).map(|_| None).collect();
    for (i, node) in p.nodes().iter().enumerate() {
        let shape = &shapes[i];
        let len: usize = shape.iter().product();
        let id = NodeId(i as u32);
        // The arguments, each broadcast (copied) to this node's shape
        // unless it has it already.
        let expand = |k: usize| -> Arg<'_> {
            let a = node.args[k];
            let v = vals[a.index()].as_ref().expect("argument computed and not yet freed");
            match v.array() {
                None => Arg::Scalar(v.get(0)),
                Some(d) if node.shape() == Shape::Scalar => Arg::Scalar(d.get(0)),
                Some(d) => {
                    let own = &shapes[a.index()];
                    if own == shape {
                        return Arg::Borrowed(d);
                    }
                    let mut e = ArrayData::zeros(d.dtype(), len);
                    Operand::new(d, own, &c_strides(own), 0, shape).gather(shape, 0, &mut e.as_mut());
                    Arg::Owned(e)
                }
            }
        };
        let v = match node.op {
            NodeOp::Input(k) => match &inputs[k] {
                Input::Scalar(s) => Value::Scalar(*s),
                Input::Array(a) => Value::Borrowed(*a),
                Input::View(v) => Value::Owned(to_contiguous(v)),
            },
            NodeOp::Const(s) => Value::Scalar(s),
            NodeOp::Fill(s) => Value::Owned(map(node.shape(), len, node.dtype, |_| Ok(s), p, id)?),
            NodeOp::Cast => {
                let a = expand(0);
                let d = node.dtype;
                elementwise(node.shape(), len, d, |j| Ok(a.get(j).cast(d)), p, id)?
            }
            NodeOp::Op(op) => {
                let eval = op.def().eval;
                let args: Vec<Arg> = (0..node.args.len()).map(expand).collect();
                let mut buf = [Scalar::Bool(false); 3];
                elementwise(
                    node.shape(),
                    len,
                    node.dtype,
                    |j| {
                        for (k, a) in args.iter().enumerate() {
                            buf[k] = a.get(j);
                        }
                        eval(&buf[..args.len()])
                    },
                    p,
                    id,
                )?
            }
            NodeOp::Reduce(r) | NodeOp::ReduceAxis(r, _) => {
                let a = vals[node.args[0].index()].as_ref().expect("argument computed");
                let arg_shape = &shapes[node.args[0].index()];
                // Walk the argument in NumPy's order (the backends share
                // only this decision).
                let (perm, axis) = reduction_walk(p, inputs, shapes, id);
                let idx: Option<Vec<usize>> = (!perm.iter().enumerate().all(|(k, &q)| k == q)).then(|| permuted_index(arg_shape, &perm));
                let get = |j: usize| a.get(idx.as_ref().map_or(j, |v| v[j]));
                match axis {
                    None => Value::Scalar(reduce(r, node.dtype, size(arg_shape), get).map_err(|m| runtime(p, id, m))?),
                    Some(axis) => Value::Owned(reduce_axis(r, node.dtype, &permute(arg_shape, &perm), axis, get).map_err(|m| runtime(p, id, m))?),
                }
            }
        };
        vals[i] = Some(v);
        for a in &node.args {
            if last_use[a.index()] == i {
                vals[a.index()] = None;
            }
        }
    }
    Ok(match vals[p.result().index()].take().expect("result computed") {
        Value::Scalar(s) => {
            let mut d = ArrayData::with_capacity(s.dtype(), 1);
            d.push(s);
            d
        }
        Value::Owned(d) => d,
        // The result is an input itself (`a`): copy it out.
        Value::Borrowed(a) => {
            let mut d = ArrayData::with_capacity(a.dtype(), a.len());
            for j in 0..a.len() {
                d.push(a.get(j));
            }
            d
        }
    })
}

/// Reduces an argument of `shape` (elements by `get`, C order) along
/// `axis`, in NumPy's order for a C-contiguous argument: along the last
/// axis (nothing after it) each row is reduced by [`reduce`] (pairwise
/// float sums); along another axis every result element starts from the
/// identity (`min`/`max`: the first element) and takes its elements in
/// order with the table's operation.
fn reduce_axis(r: Reduce, out: DType, shape: &[usize], axis: usize, get: impl Fn(usize) -> Scalar) -> Result<ArrayData, &'static str> {
    let outer: usize = shape[..axis].iter().product();
    let len = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let mut d = ArrayData::with_capacity(out, outer * inner);
    if outer * inner == 0 {
        return Ok(d);
    }
    for o in 0..outer {
        for j in 0..inner {
            let at = |i: usize| get((o * len + i) * inner + j);
            let v = if inner == 1 {
                reduce(r, out, len, at)?
            } else {
                let op = match r {
                    Reduce::Sum | Reduce::Mean => Some(crate::ops::Op::Add),
                    Reduce::Prod => Some(crate::ops::Op::Mul),
                    Reduce::Min => Some(crate::ops::Op::Minimum),
                    Reduce::Max => Some(crate::ops::Op::Maximum),
                    Reduce::Any | Reduce::All => None,
                };
                // The accumulator has the result's dtype (float64 for the
                // mean of integers, as NumPy's `add.reduce(dtype=float64)`).
                let acc_dtype = out;
                let (mut acc, first) = match r {
                    Reduce::Min | Reduce::Max if len == 0 => return reduce(r, out, 0, at).map(|_| d),
                    Reduce::Min | Reduce::Max => (at(0).cast(acc_dtype), 1),
                    Reduce::Prod => (Scalar::Bool(true).cast(acc_dtype), 0),
                    Reduce::All => (Scalar::Bool(true), 0),
                    _ => (Scalar::Bool(false).cast(acc_dtype), 0),
                };
                for i in first..len {
                    let x = at(i);
                    acc = match (r, op) {
                        (Reduce::Any, _) => Scalar::Bool(acc.truthy() || x.truthy()),
                        (Reduce::All, _) => Scalar::Bool(acc.truthy() && x.truthy()),
                        (_, Some(op)) => (op.def().eval)(&[acc, x.cast(acc_dtype)]).map_err(|_| "internal error in an axis reduction")?,
                        _ => unreachable!("every reduction has an operation"),
                    };
                }
                match (r, acc) {
                    (Reduce::Mean, Scalar::Float64(x)) => Scalar::Float64(x / len as f64),
                    (Reduce::Mean, Scalar::Float32(x)) => Scalar::Float32(x / len as f32),
                    _ => acc,
                }
            };
            d.push(v);
        }
    }
    Ok(d)
}

fn runtime(p: &Program, id: NodeId, msg: &str) -> Error {
    p.runtime_error(id, msg)
}

/// Computes one node: a scalar when its shape is scalar, else an array.
fn elementwise<'a>(
    shape: Shape,
    len: usize,
    dtype: DType,
    f: impl FnMut(usize) -> Result<Scalar, EvalError>,
    p: &Program,
    id: NodeId,
) -> Result<Value<'a>, Error> {
    match shape {
        Shape::Scalar => {
            let d = map(Shape::Scalar, 1, dtype, f, p, id)?;
            Ok(Value::Scalar(d.as_ref().get(0)))
        }
        Shape::Array => Ok(Value::Owned(map(shape, len, dtype, f, p, id)?)),
    }
}

fn map(
    shape: Shape,
    len: usize,
    dtype: DType,
    mut f: impl FnMut(usize) -> Result<Scalar, EvalError>,
    p: &Program,
    id: NodeId,
) -> Result<ArrayData, Error> {
    let n = if shape == Shape::Scalar { 1 } else { len };
    let mut out = ArrayData::with_capacity(dtype, n);
    for j in 0..n {
        let s = f(j).map_err(|e| match e {
            EvalError::Value(m) => runtime(p, id, m),
            EvalError::Internal(m) => runtime(p, id, &format!("internal error: {m}")),
        })?;
        if s.dtype() != dtype {
            return Err(runtime(p, id, "internal error: operation produced the wrong dtype"));
        }
        out.push(s);
    }
    Ok(out)
}
