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
use crate::layout::{Buffer, MemoryPlan, bytes_at, Operand, failure, permute, permuted_index, reduction_walk, refused, size, to_contiguous};
use crate::mem::AllocError;
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
///
/// What it will allocate at its peak is checked against `memory_limit`
/// (bytes) first: an [`Error::Memory`] before anything is allocated.
pub(crate) fn run(p: &Program, inputs: &[Input<'_>], shapes: &[Vec<usize>], memory_limit: usize) -> Result<ArrayData, Error> {
    let last_use = last_uses(p);
    memory(p, inputs, shapes, &last_use).check(p, shapes, memory_limit, false)?;
    let mut vals: Vec<Option<Value>> = (0..p.nodes().len()).map(|_| None).collect();
    for (i, node) in p.nodes().iter().enumerate() {
        let shape = &shapes[i];
        let len: usize = crate::array::elements(shape);
        let id = NodeId(i as u32);
        // The arguments, each broadcast (copied) to this node's shape
        // unless it has it already.
        let expand = |k: usize| -> Result<Arg<'_>, Error> {
            let a = node.args[k];
            let v = vals[a.index()].as_ref().expect("argument computed and not yet freed");
            match v.array() {
                None => Ok(Arg::Scalar(v.get(0))),
                Some(d) if node.shape() == Shape::Scalar => Ok(Arg::Scalar(d.get(0))),
                Some(d) => {
                    let own = &shapes[a.index()];
                    if own == shape {
                        return Ok(Arg::Borrowed(d));
                    }
                    let mut e = ArrayData::try_zeros(d.dtype(), len).map_err(|e| refused(p, id, e))?;
                    Operand::new(d, own, &c_strides(own), 0, shape).gather(shape, 0, &mut e.as_mut());
                    Ok(Arg::Owned(e))
                }
            }
        };
        let v = match node.op {
            NodeOp::Input(k) => match &inputs[k] {
                Input::Scalar(s) => Value::Scalar(*s),
                Input::Array(a) => Value::Borrowed(*a),
                Input::View(v) => Value::Owned(to_contiguous(v).map_err(|e| refused(p, id, e))?),
            },
            NodeOp::Const(s) => Value::Scalar(s),
            NodeOp::Fill(s) => Value::Owned(map(node.shape(), len, node.dtype, |_| Ok(s), p, id)?),
            NodeOp::Cast => {
                let a = expand(0)?;
                let d = node.dtype;
                elementwise(node.shape(), len, d, |j| Ok(a.get(j).cast(d)), p, id)?
            }
            NodeOp::Op(op) => {
                let mode = p.math();
                let args: Vec<Arg> = (0..node.args.len()).map(expand).collect::<Result<_, _>>()?;
                let mut buf = [Scalar::Bool(false); 3];
                elementwise(
                    node.shape(),
                    len,
                    node.dtype,
                    |j| {
                        for (k, a) in args.iter().enumerate() {
                            buf[k] = a.get(j);
                        }
                        op.eval_in(mode, &buf[..args.len()])
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
                let idx = if permuted(&perm) { Some(permuted_index(arg_shape, &perm).map_err(|e| refused(p, id, e))?) } else { None };
                let get = |j: usize| a.get(idx.as_ref().map_or(j, |v| v[j]));
                match axis {
                    None => Value::Scalar(reduce(r, node.dtype, size(arg_shape), get).map_err(|m| runtime(p, id, m))?),
                    Some(axis) => Value::Owned(reduce_axis(r, node.dtype, &permute(arg_shape, &perm), axis, get).map_err(|e| match e {
                        Fail::Value(m) => runtime(p, id, m),
                        Fail::Alloc(e) => refused(p, id, e),
                    })?),
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
            let mut d = ArrayData::try_with_capacity(a.dtype(), a.len()).map_err(|e| refused(p, p.result(), e))?;
            for j in 0..a.len() {
                d.push(a.get(j));
            }
            d
        }
    })
}

/// What [`run`] checks against its memory limit (see `memory`).
pub(crate) fn memory_plan(p: &Program, inputs: &[Input<'_>], shapes: &[Vec<usize>]) -> MemoryPlan {
    memory(p, inputs, shapes, &last_uses(p))
}

/// For each node, the last node that reads it (where its column is freed).
fn last_uses(p: &Program) -> Vec<usize> {
    let mut last_use = vec![0usize; p.nodes().len()];
    for (i, n) in p.nodes().iter().enumerate() {
        for a in &n.args {
            last_use[a.index()] = i;
        }
    }
    last_use
}

/// Whether a reduction walks its argument in a permuted order (an index
/// of one `usize` per element).
fn permuted(perm: &[usize]) -> bool {
    !perm.iter().enumerate().all(|(k, &q)| k == q)
}

/// The most memory [`run`] holds at once for these inputs: the columns
/// alive together (owned columns, freed after their last use), plus the
/// node being computed with its broadcast copies of arguments, a float
/// sum's buffer and a reduction's walk index; and the result copied out of
/// an input. (0-d views reach the interpreter as scalars.)
fn memory(p: &Program, inputs: &[Input<'_>], shapes: &[Vec<usize>], last_use: &[usize]) -> MemoryPlan {
    let bytes = |id: NodeId| bytes_at(p, shapes, id);
    let mut owned = vec![0u128; p.nodes().len()];
    let (mut live, mut plan) = (0u128, MemoryPlan::default());
    for (i, node) in p.nodes().iter().enumerate() {
        let id = NodeId(i as u32);
        // Buffers alive only while this node is computed.
        let mut transient = 0u128;
        let mut temp = |plan: &mut MemoryPlan, b: u128, kind: Buffer| {
            transient += b;
            plan.note(id, b, kind);
        };
        let reduction = matches!(node.op, NodeOp::Reduce(_) | NodeOp::ReduceAxis(..));
        if node.shape() == Shape::Array && !reduction {
            for a in &node.args {
                if p.node(*a).shape() == Shape::Array && shapes[a.index()] != shapes[i] {
                    temp(&mut plan, size(&shapes[i]) as u128 * p.node(*a).dtype.size() as u128, Buffer::Copy);
                }
            }
        }
        // A float sum or mean copies its elements (a row of an axis
        // reduction) into one buffer for the pairwise sum.
        if let NodeOp::Reduce(r) | NodeOp::ReduceAxis(r, _) = node.op
            && matches!(r, Reduce::Sum | Reduce::Mean)
            && node.dtype.is_float()
        {
            let arg = &shapes[node.args[0].index()];
            let n = match node.op {
                NodeOp::ReduceAxis(_, axis) => arg.get(axis).copied().unwrap_or(0),
                _ => size(arg),
            };
            // float16 sums in float32 (4 bytes an element).
            let elem = if node.dtype == DType::Float16 { 4 } else { node.dtype.size() };
            temp(&mut plan, n as u128 * elem as u128, Buffer::Sum);
        }
        if reduction && permuted(&reduction_walk(p, inputs, shapes, id).0) {
            temp(&mut plan, size(&shapes[node.args[0].index()]) as u128 * size_of::<usize>() as u128, Buffer::Index);
        }
        owned[i] = match node.op {
            NodeOp::Input(k) if matches!(inputs.get(k), Some(Input::View(_))) => bytes(id),
            NodeOp::Fill(_) | NodeOp::Cast | NodeOp::Op(_) | NodeOp::ReduceAxis(..) if node.shape() == Shape::Array => bytes(id),
            _ => 0,
        };
        plan.note(id, owned[i], if matches!(node.op, NodeOp::Input(_)) { Buffer::Input } else { Buffer::Result });
        plan.total = plan.total.max(live + transient + owned[i]);
        live += owned[i];
        for a in &node.args {
            if last_use[a.index()] == i {
                live -= std::mem::take(&mut owned[a.index()]);
            }
        }
    }
    let r = p.result();
    if owned[r.index()] == 0 && p.node(r).shape() == Shape::Array {
        plan.note(r, bytes(r), Buffer::Result);
        plan.total = plan.total.max(live + bytes(r));
    }
    plan
}

/// Reduces an argument of `shape` (elements by `get`, C order) along
/// `axis`, in NumPy's order for a C-contiguous argument: along the last
/// axis (nothing after it) each row is reduced by [`reduce`] (pairwise
/// float sums); along another axis every result element starts from the
/// identity (`min`/`max`: the first element) and takes its elements in
/// order with the table's operation.
fn reduce_axis(r: Reduce, out: DType, shape: &[usize], axis: usize, get: impl Fn(usize) -> Scalar) -> Result<ArrayData, Fail> {
    let outer: usize = crate::array::elements(&shape[..axis]);
    let len = shape[axis];
    let inner: usize = crate::array::elements(&shape[axis + 1..]);
    let mut d = ArrayData::try_with_capacity(out, outer * inner).map_err(Fail::Alloc)?;
    // `min`/`max` along an empty axis fail even when the result is empty
    // too (NumPy: "zero-size array to reduction operation ...").
    if len == 0 && matches!(r, Reduce::Min | Reduce::Max) {
        return reduce(r, out, 0, &get).map(|_| d).map_err(Fail::Value);
    }
    if outer * inner == 0 {
        return Ok(d);
    }
    for o in 0..outer {
        for j in 0..inner {
            let at = |i: usize| get((o * len + i) * inner + j);
            let v = if inner == 1 {
                reduce(r, out, len, at).map_err(Fail::Value)?
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
                // float16's mean accumulates in float32 (NumPy's
                // `add.reduce(dtype=float32)`) and rounds at the end.
                let acc_dtype = if r == Reduce::Mean && out == DType::Float16 { DType::Float32 } else { out };
                let (mut acc, first) = match r {
                    Reduce::Min | Reduce::Max if len == 0 => return reduce(r, out, 0, at).map(|_| d).map_err(Fail::Value),
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
                        (_, Some(op)) => op.eval(&[acc, x.cast(acc_dtype)]).map_err(|_| Fail::Value("internal error in an axis reduction"))?,
                        _ => unreachable!("every reduction has an operation"),
                    };
                }
                match (r, acc) {
                    (Reduce::Mean, Scalar::Float64(x)) => Scalar::Float64(x / len as f64),
                    (Reduce::Mean, Scalar::Complex64(_) | Scalar::Complex128(_)) => crate::ops::reduce::divide_by_count(acc, len),
                    (Reduce::Mean, Scalar::Float32(x)) => Scalar::Float32(x / len as f32).cast(out),
                    _ => acc,
                }
            };
            d.push(v);
        }
    }
    Ok(d)
}

/// Why an axis reduction failed.
enum Fail {
    /// The reduction's own error (the `min` of nothing).
    Value(&'static str),
    Alloc(AllocError),
}

fn runtime(p: &Program, id: NodeId, msg: &str) -> Error {
    failure(p, id, msg)
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
    let mut out = ArrayData::try_with_capacity(dtype, n).map_err(|e| refused(p, id, e))?;
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
