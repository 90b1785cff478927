//! Shapes and memory layouts: NumPy broadcasting, strided operands, and
//! copying a block of a strided or broadcast operand into a contiguous
//! buffer (the only copies numjet makes, at most one block per operand).

use crate::array::{ArrayData, ArrayMut, ArrayRef, Input, MAX_NDIM, View, c_strides, fmt_shape};
use crate::error::Error;
use crate::mem::{self, AllocError};
use crate::ir::{NodeId, NodeOp, Program};

/// The concrete shape of every node of `p` for these inputs (already
/// checked against the signature: dtypes and numbers of dimensions).
///
/// Elementwise nodes broadcast their arguments (NumPy's rule: shapes are
/// aligned at their last dimension; each pair of dimensions must be equal
/// or one of them 1). Arrays that do not broadcast together are an
/// [`Error::Shape`] with a caret under the operation.
pub fn shapes(p: &Program, inputs: &[Input<'_>]) -> Result<Vec<Vec<usize>>, Error> {
    let mut out: Vec<Vec<usize>> = Vec::with_capacity(p.nodes().len());
    for (i, n) in p.nodes().iter().enumerate() {
        let s = match n.op {
            NodeOp::Input(k) => inputs.get(k).map(|x| x.shape()).unwrap_or_default(),
            NodeOp::Const(_) | NodeOp::Reduce(_) => Vec::new(),
            NodeOp::ReduceAxis(_, axis) => {
                let mut s = out[n.args[0].index()].clone();
                if axis >= s.len() {
                    return Err(shape_error(p, i, format!("axis {axis} is out of bounds for an array of dimension {}", s.len())));
                }
                s.remove(axis);
                s
            }
            NodeOp::Fill(_) | NodeOp::Cast | NodeOp::Op(_) => {
                let mut s: Vec<usize> = Vec::new();
                for a in &n.args {
                    let t = &out[a.index()];
                    s = broadcast(&s, t).ok_or_else(|| {
                        let shapes: Vec<String> = n.args.iter().map(|a| fmt_shape(&out[a.index()])).collect();
                        shape_error(p, i, format!("operands could not be broadcast together with shapes {}", shapes.join(" ")))
                    })?;
                }
                s
            }
        };
        if bytes_of(&s, n.dtype).is_none() {
            return Err(Error::Memory(p.located(
                NodeId(i as u32),
                format!("the result of this operation, shape {} {}, has more elements than memory can address", fmt_shape(&s), n.dtype),
            )));
        }
        if s.len() != n.ndim {
            return Err(Error::Runtime(format!("internal error: node %{i} has {} dimensions, expected {}", s.len(), n.ndim)));
        }
        out.push(s);
    }
    Ok(out)
}

fn shape_error(p: &Program, node: usize, message: String) -> Error {
    Error::Shape(p.located(NodeId(node as u32), message))
}

/// NumPy broadcasting of two shapes, `None` if they do not broadcast.
pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut s = vec![0; n];
    for k in 0..n {
        let x = if k + a.len() >= n { a[k + a.len() - n] } else { 1 };
        let y = if k + b.len() >= n { b[k + b.len() - n] } else { 1 };
        s[k] = match (x, y) {
            _ if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(s)
}

/// Number of elements of a shape. Every node shape [`shapes`] returns has
/// at most `isize::MAX` bytes (it checks), so this cannot overflow there.
/// (Broadcasting can multiply sizes: `(n, 1)` with `(1, n)` is `n * n`
/// elements, and a 0-stride view is large with little memory behind it.)
pub fn size(shape: &[usize]) -> usize {
    crate::array::elements(shape)
}

/// The bytes of an array of `shape` and `dtype`, `None` past `isize::MAX`
/// (no buffer can be that large).
pub fn bytes_of(shape: &[usize], dtype: crate::dtype::DType) -> Option<usize> {
    if shape.contains(&0) {
        return Some(0);
    }
    shape.iter().try_fold(dtype.size(), |a, &d| a.checked_mul(d)).filter(|&b| b <= isize::MAX as usize)
}

/// What one evaluation will allocate, for the memory limit: its buffers,
/// each for a node, summed at their peak together and checked against the
/// limit before anything is allocated ([`MemoryPlan::check`]).
#[derive(Debug, Default)]
pub struct MemoryPlan {
    /// Bytes of all buffers (at their peak together).
    pub total: u128,
    /// The largest buffer: its node, bytes and kind.
    pub largest: Option<(NodeId, u128, Buffer)>,
}

/// What a buffer of a [`MemoryPlan`] holds, for the error message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Buffer {
    /// The node's values (a result, an intermediate column, a copied view).
    Result,
    /// An argument of the node broadcast to its shape (the interpreter).
    Copy,
    /// A C-order copy of an input view (the interpreter).
    Input,
    /// Per-thread block and row buffers of the node's stage (the JIT).
    Scratch,
    /// A reduction's walk order, one index per element (the interpreter).
    Index,
    /// A float sum's buffer for the pairwise summation (the interpreter).
    Sum,
}

impl MemoryPlan {
    /// Adds a buffer of `bytes` for node `id` (alive with all the others).
    pub fn add(&mut self, id: NodeId, bytes: u128, kind: Buffer) {
        self.total += bytes;
        self.note(id, bytes, kind);
    }

    /// Records a buffer as a candidate for the largest one, without adding
    /// it to the total (for plans that compute their peak themselves).
    pub fn note(&mut self, id: NodeId, bytes: u128, kind: Buffer) {
        if self.largest.is_none_or(|(_, b, _)| bytes > b) {
            self.largest = Some((id, bytes, kind));
        }
    }

    /// A buffer of node `id`'s values at its shape (from `shapes`).
    pub fn add_node(&mut self, p: &Program, shapes: &[Vec<usize>], id: NodeId) {
        self.add(id, bytes_at(p, shapes, id), Buffer::Result);
    }

    /// An [`Error::Memory`] if the plan needs more than `limit` bytes, with
    /// the caret under the node of the largest buffer (the whole program
    /// for an input, which has no text of its own). `streams`: the backend
    /// computes reductions in blocks (the JIT), so the hint may suggest
    /// one.
    pub fn check(&self, p: &Program, shapes: &[Vec<usize>], limit: usize, streams: bool) -> Result<(), Error> {
        if self.total <= limit as u128 {
            return Ok(());
        }
        let (id, bytes, kind) = self.largest.unwrap_or((p.result(), self.total, Buffer::Result));
        let node = p.node(id);
        let shape = &shapes[id.index()];
        let at = if shape.is_empty() { format!("a 0-d {}", node.dtype) } else { format!("shape {} {}", fmt_shape(shape), node.dtype) };
        let what = match kind {
            Buffer::Result => format!("the result of this operation, {at},"),
            Buffer::Copy => format!("an argument of this operation broadcast to shape {}", fmt_shape(shape)),
            Buffer::Input => format!("a contiguous copy of this input, {at},"),
            Buffer::Scratch => "the block buffers of this operation".to_string(),
            Buffer::Index => "the walk order of this reduction".to_string(),
            Buffer::Sum => "the summation buffer of this reduction".to_string(),
        };
        let (total, limit_text) = fmt_apart(self.total, limit as u128);
        let message = if bytes > limit as u128 {
            let (bytes, limit_text) = fmt_apart(bytes, limit as u128);
            format!("{what} needs {bytes} of memory; the memory limit is {limit_text}")
        } else {
            format!(
                "evaluating this needs {total} of memory, more than the memory limit of {limit_text}; the largest buffer is {} ({})",
                what.trim_end_matches(','),
                crate::mem::fmt_bytes(bytes)
            )
        };
        let reduction = matches!(node.op, NodeOp::Reduce(_) | NodeOp::ReduceAxis(..));
        let mut located = memory_located(p, id, message);
        located.hint = Some(if streams && kind == Buffer::Result && !shape.is_empty() && !reduction {
            "a reduction of it (`sum`, `max`, ...) streams without storing it; or raise the memory limit".into()
        } else {
            "raise the memory limit".into()
        });
        Err(Error::Memory(located))
    }
}

/// Bytes of node `id`'s values at its shape.
pub fn bytes_at(p: &Program, shapes: &[Vec<usize>], id: NodeId) -> u128 {
    size(&shapes[id.index()]) as u128 * p.node(id).dtype.size() as u128
}

/// Two byte counts for people, exact where rounding would make them look
/// equal ("1.0 MiB, more than 1.0 MiB").
fn fmt_apart(a: u128, b: u128) -> (String, String) {
    let (x, y) = (crate::mem::fmt_bytes(a), crate::mem::fmt_bytes(b));
    if x == y { (format!("{a} bytes"), format!("{b} bytes")) } else { (x, y) }
}

/// The [`Error::Memory`] of an allocation for node `id` that the allocator
/// refused (under the limit: the limit is set above what the system gives).
pub fn refused(p: &Program, id: NodeId, e: AllocError) -> Error {
    Error::Memory(memory_located(p, id, format!("out of memory: {e} for a buffer of this operation")))
}

/// A memory error's location: node `id`'s text, or the whole program for
/// a node without text of its own (an input).
fn memory_located(p: &Program, id: NodeId, message: String) -> crate::error::Located {
    let mut located = p.located(id, message);
    if located.span.start == located.span.end {
        located.span = crate::error::Span::new(0, p.source().len());
    }
    located
}

/// The error of node `id` failing with `msg` during evaluation: an
/// [`Error::Memory`] for a buffer the allocator refused (messages that
/// start with `out of memory`), else the runtime error both backends
/// report ([`Program::runtime_error`]).
pub fn failure(p: &Program, id: NodeId, msg: &str) -> Error {
    if msg.starts_with("out of memory") && id.index() < p.nodes().len() {
        return Error::Memory(memory_located(p, id, msg.to_string()));
    }
    p.runtime_error(id, msg)
}

/// An array operand seen through the iteration space of a stage: element
/// `i` (C order over `shape`) is `data[offset + sum(index[d] * strides[d])]`.
#[derive(Clone, Debug)]
pub struct Operand<'a> {
    pub data: ArrayRef<'a>,
    pub offset: usize,
    /// Strides in elements over the iteration shape (0 where broadcast).
    pub strides: Vec<isize>,
    /// Whether element `i` is simply `data[offset + i]`.
    pub contiguous: bool,
}

impl<'a> Operand<'a> {
    /// `x` (data, shape, strides, offset) broadcast to `shape`, which its
    /// shape broadcasts to.
    pub fn new(data: ArrayRef<'a>, own_shape: &[usize], own_strides: &[isize], offset: usize, shape: &[usize]) -> Operand<'a> {
        debug_assert!(own_shape.len() <= shape.len() && shape.len() <= MAX_NDIM);
        let lead = shape.len() - own_shape.len();
        let mut strides = vec![0isize; shape.len()];
        for k in 0..own_shape.len() {
            if own_shape[k] != 1 {
                strides[lead + k] = own_strides[k];
            }
        }
        let c = c_strides(shape);
        let contiguous = (0..shape.len()).all(|k| shape[k] == 1 || strides[k] == c[k]);
        Operand { data, offset, strides, contiguous }
    }

    /// The same operand walked with its axes in `perm` order (over
    /// `permute(shape, perm)`).
    pub fn permuted(&self, perm: &[usize], shape: &[usize]) -> Operand<'a> {
        let pshape = permute(shape, perm);
        let strides: Vec<isize> = perm.iter().map(|&k| self.strides[k]).collect();
        let c = c_strides(&pshape);
        let contiguous = (0..pshape.len()).all(|k| pshape[k] == 1 || strides[k] == c[k]);
        Operand { data: self.data, offset: self.offset, strides, contiguous }
    }

    /// Elements `start..start + len` of the iteration space, borrowed
    /// (contiguous operands only; `None` past the end of the data).
    pub fn block(&self, start: usize, len: usize) -> Option<ArrayRef<'a>> {
        if len == 0 {
            // No elements: an empty slice, wherever the offset points (an
            // empty view's offset may lie past its data).
            return self.data.slice(0, 0);
        }
        self.data.slice(self.offset.checked_add(start)?, len)
    }

    /// Copies elements `start..start + dst.len()` of the iteration space
    /// (`shape`) into `dst`, which has the operand's dtype.
    pub fn gather(&self, shape: &[usize], start: usize, dst: &mut ArrayMut<'_>) {
        macro_rules! go {
            ($src:expr, $dst:expr) => {
                gather_typed($src, self.offset, &self.strides, shape, start, $dst)
            };
        }
        macro_rules! arms {
            ($($variant:ident $t:ty),*) => {
                match (self.data, dst) {
                    $((ArrayRef::$variant(s), ArrayMut::$variant(d)) => go!(s, d),)*
                    _ => unreachable!("gather into a buffer of another dtype"),
                }
            };
        }
        crate::dtype::for_each_dtype!(arms)
    }
}

/// Walks the iteration space from flat index `start` in C order, the last
/// dimension innermost, copying `src[offset + index . strides]`. Indexing is
/// checked: the view constructors guarantee every reachable index is in
/// bounds, and a violation would panic rather than read out of bounds.
fn gather_typed<T: Copy>(src: &[T], offset: usize, strides: &[isize], shape: &[usize], start: usize, dst: &mut [T]) {
    if dst.is_empty() {
        return;
    }
    let nd = shape.len();
    if nd == 0 {
        dst[0] = src[offset];
        return;
    }
    // Multi-index of `start`.
    let mut idx = vec![0usize; nd];
    let mut rest = start;
    for k in (0..nd).rev() {
        idx[k] = rest % shape[k];
        rest /= shape[k];
    }
    let mut pos = offset as isize + (0..nd).map(|k| idx[k] as isize * strides[k]).sum::<isize>();
    let last = nd - 1;
    let (inner, step) = (shape[last], strides[last]);
    let mut done = 0;
    while done < dst.len() {
        let run = (inner - idx[last]).min(dst.len() - done);
        let out = &mut dst[done..done + run];
        if step == 0 {
            out.fill(src[pos as usize]);
        } else {
            let mut p = pos;
            for o in out.iter_mut() {
                *o = src[p as usize];
                p += step;
            }
        }
        done += run;
        // Advance the multi-index by `run` (to the start of the next row).
        pos += run as isize * step;
        idx[last] += run;
        let mut k = last;
        while idx[k] == shape[k] && k > 0 {
            pos -= shape[k] as isize * strides[k];
            idx[k] = 0;
            k -= 1;
            idx[k] += 1;
            pos += strides[k];
        }
    }
}

/// The order in which a reduction walks its argument's axes (outermost
/// first): NumPy's "K" order, the memory order of the argument's array
/// inputs, found as NumPy's iterator finds it (`npyiter_find_best_axis_ordering`):
/// a stable insertion sort that moves an axis inward only if every operand
/// with non-zero strides on both axes agrees, so C-contiguous inputs and
/// inputs in conflicting orders give C order. The operands are the array
/// inputs the argument reads (seen through its shape, 0 strides where they
/// broadcast), axis reductions it reads (C-contiguous, as computed) and,
/// for an axis reduction, its result. Length-1 axes do not matter and go
/// first. NumPy's temporaries inherit this order from their inputs and its
/// reductions walk memory in it, so sums of transposed or Fortran-order
/// arrays associate as NumPy's do.
///
/// Both backends take the order from here, so they agree.
pub fn memory_order(p: &Program, inputs: &[Input<'_>], shapes: &[Vec<usize>], node: NodeId) -> Vec<usize> {
    let n = &p.nodes()[node.index()];
    let arg = n.args[0];
    let shape = &shapes[arg.index()];
    let d = shape.len();
    // Strides (in elements) of every operand over `shape`.
    let mut operands: Vec<Vec<isize>> = Vec::new();
    if let NodeOp::ReduceAxis(_, axis) = n.op {
        let mut st = c_strides(&shapes[node.index()]);
        st.insert(axis.min(st.len()), 0);
        operands.push(st);
    }
    // The array leaves the argument reads (the order they are found in
    // does not matter: the sort below asks whether all of them agree).
    // The program keeps them for every reduction; past its limit on
    // leaves, a walk over the argument's own nodes, stopping at reductions.
    let walked;
    let leaves: &[NodeId] = match p.reduction_leaves(node) {
        Some(l) => l,
        None => {
            walked = leaves_read(p, arg);
            &walked
        }
    };
    for &leaf in leaves {
        let i = leaf.index();
        let own = &shapes[i];
        let over = |data: ArrayRef<'_>, st: &[isize]| Operand::new(data, own, st, 0, shape).strides;
        match p.nodes()[i].op {
            NodeOp::ReduceAxis(..) => operands.push(over(ArrayRef::Bool(&[]), &c_strides(own))),
            NodeOp::Input(k) => match inputs.get(k) {
                Some(Input::Array(_)) => operands.push(over(ArrayRef::Bool(&[]), &[1])),
                Some(Input::View(v)) => operands.push(over(ArrayRef::Bool(&[]), &v.strides())),
                _ => {}
            },
            _ => {}
        }
    }
    // Axes innermost first; insertion sort as NumPy's.
    let mut order: Vec<usize> = (0..d).rev().filter(|&k| shape[k] > 1).collect();
    for i0 in 1..order.len() {
        let a0 = order[i0];
        let mut pos = i0;
        for i1 in (0..i0).rev() {
            let a1 = order[i1];
            let (mut ambiguous, mut swap) = (true, false);
            for st in &operands {
                let (s0, s1) = (st[a0], st[a1]);
                if s0 != 0 && s1 != 0 {
                    if s1.unsigned_abs() <= s0.unsigned_abs() {
                        swap = false;
                    } else if ambiguous {
                        swap = true;
                    }
                    ambiguous = false;
                }
            }
            if !ambiguous {
                if swap {
                    pos = i1;
                } else {
                    break;
                }
            }
        }
        let a = order.remove(i0);
        order.insert(pos, a);
    }
    (0..d).filter(|&k| shape[k] <= 1).chain(order.into_iter().rev()).collect()
}

/// The inputs and axis reductions node `arg` reads, stopping at
/// reductions: a walk over its own nodes.
fn leaves_read(p: &Program, arg: NodeId) -> Vec<NodeId> {
    let mut seen = std::collections::HashSet::from([arg.index()]);
    let mut stack = vec![arg.index()];
    let mut leaves = Vec::new();
    while let Some(i) = stack.pop() {
        let m = &p.nodes()[i];
        match m.op {
            NodeOp::Reduce(_) => continue,
            NodeOp::Input(_) | NodeOp::ReduceAxis(..) => {
                leaves.push(NodeId(i as u32));
                continue;
            }
            _ => {}
        }
        for a in &m.args {
            if seen.insert(a.index()) {
                stack.push(a.index());
            }
        }
    }
    leaves
}

/// How reduction `node` walks its argument: the axis order (a permutation
/// of the argument's axes) and, for an axis reduction, the position of the
/// reduced axis in it. A full reduction walks in [`memory_order`]. An axis
/// reduction whose axis is the innermost in memory walks with that axis
/// last (each result element then reduces one contiguous run, pairwise as
/// NumPy does); otherwise in memory order, where the axis is not last
/// (each result element accumulates in order along the axis, as NumPy's
/// iterator does; a C-order walk would put the C-last axis last, and sum
/// it pairwise, even where it is outermost in memory).
pub fn reduction_walk(p: &Program, inputs: &[Input<'_>], shapes: &[Vec<usize>], node: NodeId) -> (Vec<usize>, Option<usize>) {
    let n = &p.nodes()[node.index()];
    let order = memory_order(p, inputs, shapes, node);
    match n.op {
        NodeOp::ReduceAxis(_, axis) => {
            let d = order.len();
            if order.last() == Some(&axis) {
                let perm: Vec<usize> = (0..d).filter(|&k| k != axis).chain([axis]).collect();
                (perm, Some(d - 1))
            } else {
                let at = order.iter().position(|&k| k == axis);
                (order, at)
            }
        }
        _ => (order, None),
    }
}

/// `shape` with its axes in `perm` order.
pub fn permute(shape: &[usize], perm: &[usize]) -> Vec<usize> {
    perm.iter().map(|&k| shape[k]).collect()
}

/// For each position of the C-order walk over `permute(shape, perm)`, the
/// C-order index of the same element of `shape` (one `usize` per element:
/// the caller counts it against the memory limit).
pub fn permuted_index(shape: &[usize], perm: &[usize]) -> Result<Vec<usize>, AllocError> {
    let c = c_strides(shape);
    let pshape = permute(shape, perm);
    let pstrides: Vec<usize> = perm.iter().map(|&k| c[k] as usize).collect();
    let n = size(shape);
    let mut out = mem::try_vec(n)?;
    let mut idx = vec![0usize; pshape.len()];
    let mut at = 0usize;
    for _ in 0..n {
        out.push(at);
        // The next multi-index, last axis fastest.
        for d in (0..pshape.len()).rev() {
            idx[d] += 1;
            at += pstrides[d];
            if idx[d] < pshape[d] {
                break;
            }
            at -= pstrides[d] * pshape[d];
            idx[d] = 0;
        }
    }
    Ok(out)
}

/// The elements of a view in C order, as an owned buffer (what the
/// reference interpreter works on).
pub fn to_contiguous(v: &View<'_>) -> Result<ArrayData, AllocError> {
    let shape = v.shape();
    let mut d = ArrayData::try_zeros(v.dtype(), size(shape))?;
    Operand::new(v.data(), shape, &v.strides(), v.offset(), shape).gather(shape, 0, &mut d.as_mut());
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast(&[2, 3], &[3]), Some(vec![2, 3]));
        assert_eq!(broadcast(&[4, 1], &[1, 5]), Some(vec![4, 5]));
        assert_eq!(broadcast(&[2, 1, 3], &[4, 1]), Some(vec![2, 4, 3]));
        assert_eq!(broadcast(&[], &[0, 3]), Some(vec![0, 3]));
        assert_eq!(broadcast(&[1], &[0]), Some(vec![0]));
        assert_eq!(broadcast(&[2, 3], &[2]), None);
        assert_eq!(broadcast(&[3], &[4]), None);
    }

    #[test]
    fn gather_walks_strided_and_broadcast_views() {
        // A 3x4 matrix 0..12, transposed (4x3, strides (1, 4)).
        let m: Vec<i64> = (0..12).collect();
        let op = Operand::new(ArrayRef::Int64(&m), &[4, 3], &[1, 4], 0, &[4, 3]);
        assert!(!op.contiguous);
        for start in 0..12 {
            for len in 0..=12 - start {
                let mut d = vec![0i64; len];
                op.gather(&[4, 3], start, &mut ArrayMut::Int64(&mut d));
                let want: Vec<i64> = (start..start + len).map(|i| ((i % 3) * 4 + i / 3) as i64).collect();
                assert_eq!(d, want, "start {start} len {len}");
            }
        }
        // A row (3,) broadcast to (2, 3), reversed with a negative stride.
        let r = [1i64, 2, 3];
        let op = Operand::new(ArrayRef::Int64(&r), &[3], &[-1], 2, &[2, 3]);
        let mut d = vec![0i64; 6];
        op.gather(&[2, 3], 0, &mut ArrayMut::Int64(&mut d));
        assert_eq!(d, [3, 2, 1, 3, 2, 1]);
        // A column (2, 1) broadcast to (2, 3).
        let c = [7i64, 8];
        let op = Operand::new(ArrayRef::Int64(&c), &[2, 1], &[1, 1], 0, &[2, 3]);
        let mut d = vec![0i64; 5];
        op.gather(&[2, 3], 1, &mut ArrayMut::Int64(&mut d));
        assert_eq!(d, [7, 7, 8, 8, 8]);
        // Contiguous detection ignores length-1 dimensions.
        assert!(Operand::new(ArrayRef::Int64(&m), &[3, 1, 4], &[4, 99, 1], 0, &[3, 1, 4]).contiguous);
    }

    #[test]
    fn the_programs_leaf_table_is_the_walk() {
        use crate::dtype::DType;
        use crate::ir::{Signature, lower};
        let sig = Signature::new().nd("m", DType::Float64, 2).nd("n", DType::Float64, 2).array("r", DType::Float64).scalar("s", DType::Float64);
        for text in [
            "sum(m)",
            "sum(m * s) + max(n, axis=1)",
            "t = m * r; sum(t) + mean(sum(t, axis=0) * r) + min(sum(n, axis=1))",
            "sum(sum(m, axis=0))",
            "sum(m + sum(n)) + prod(s + 1)",
            "x = sum(m, axis=1); y = max(n, axis=1); sum(x * y) + sum(where(s > 0, x, y), axis=0)",
        ] {
            let ast = crate::syntax::parse(text).unwrap();
            let p = lower(&ast, &sig, text).unwrap();
            for (i, n) in p.nodes().iter().enumerate() {
                if let NodeOp::Reduce(_) | NodeOp::ReduceAxis(..) = n.op {
                    let mut table = p.reduction_leaves(NodeId(i as u32)).expect("few leaves").to_vec();
                    let mut walked = leaves_read(&p, n.args[0]);
                    table.sort_unstable();
                    walked.sort_unstable();
                    assert_eq!(table, walked, "{text}: %{i}");
                }
            }
        }
    }
}
