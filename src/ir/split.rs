//! The JIT's form of a complex program: every complex value as a pair of
//! real nodes, its real and imaginary parts.
//!
//! [`split`] rewrites a [`Program`] with complex nodes into one the JIT
//! compiles with its real machinery (vector loops, blocks, threads). The
//! complex dtypes remain only at the edges and where a whole complex value
//! is needed:
//!
//! - a complex array input stays an [`NodeOp::Input`] node (the kernel
//!   loads the element, 8 or 16 bytes) whose parts are `real`/`imag`
//!   nodes;
//! - a complex result is `complex(re, im)` ([`Op::ComplexNew`], which
//!   also takes float32 parts here), the last node;
//! - the complex functions (`sqrt`, `exp`, ..., `power`) stay complex
//!   nodes on `complex(re, im)` operands: the JIT calls the op table's
//!   complex reference for them, so they are the interpreter's bits.
//!
//! Everything else becomes the real operations of NumPy's loops, in the
//! parts' dtype (float32 for complex64): `+ - conj` componentwise, `*` in
//! NumPy's fused form (`re = fma(ar, br, -(ai bi))`, `im = fma(ar, bi, ai
//! br)`, through the internal [`Op::Fma`]), `/` and `z**-1` by NumPy's
//! Smith-style algorithms with both branches computed and selected,
//! comparisons in NumPy 2's lexicographic order, `abs` as `hypot`, `angle`
//! as `arctan2`, casts part by part. Each step is the one
//! [`crate::vmath::complex`] takes, so the JIT gives the interpreter's
//! bits (NaN signs aside, as everywhere in numjet).
//!
//! Reductions of complex values reduce whole values (a complex root of
//! their stage, which the executor reduces with NumPy's complex pairwise
//! sum, or along an axis as the interpreter does); a complex result (two
//! scalar slots for a complex128 0-d one, a complex array leaf for an axis
//! reduction) gives its parts to later stages.

use std::collections::HashMap;

use super::{Node, NodeId, NodeOp, Program};
use crate::dtype::{DType, Scalar};
use crate::error::Span;
use crate::ops::Op;

/// The program with every complex value split into parts, or why it
/// cannot be (see the module docs). A program without complex nodes comes
/// back as it is.
pub fn split(p: &Program) -> Result<Program, &'static str> {
    if !p.has_complex() {
        return Ok(p.clone());
    }
    let mut b = Builder { p, nodes: Vec::new(), spans: Vec::new(), cse: HashMap::new(), span: Span::default() };
    let mut vals: Vec<Val> = Vec::with_capacity(p.nodes.len());
    for (i, n) in p.nodes.iter().enumerate() {
        b.span = p.spans[i];
        let v = b.node(n, &vals)?;
        let v = b.widen(v, n.ndim)?;
        vals.push(v);
    }
    let result = match vals[p.result.index()] {
        Val::Real(id) => id,
        Val::Complex { re, im, .. } => {
            // Appended without sharing: the result is the last node.
            let d = p.node(p.result).dtype;
            let ndim = b.nodes[re.index()].ndim.max(b.nodes[im.index()].ndim);
            b.nodes.push(Node { op: NodeOp::Op(Op::ComplexNew), args: vec![re, im], dtype: d, ndim });
            b.spans.push(p.spans[p.result.index()]);
            NodeId(b.nodes.len() as u32 - 1)
        }
    };
    let (nodes, spans) = live(b.nodes, b.spans, result);
    let mut out =
        Program::new(nodes, p.signature.clone(), spans, p.source.clone()).map_err(|_| "internal error: the split program is invalid")?;
    out.weak = p.weak;
    out.math = p.math;
    Ok(out)
}

/// A node's value in the split program: a real node, or a complex one as
/// its parts (and the whole complex node, where one exists).
#[derive(Clone, Copy, Debug)]
enum Val {
    Real(NodeId),
    Complex { re: NodeId, im: NodeId, whole: Option<NodeId> },
}

/// Hash-consing key of a split node.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Const(DType, u64, u64),
    Other(String, Vec<NodeId>, DType),
}

struct Builder<'a> {
    p: &'a Program,
    nodes: Vec<Node>,
    spans: Vec<Span>,
    cse: HashMap<Key, NodeId>,
    /// The span of the original node being split.
    span: Span,
}

impl Builder<'_> {
    fn emit(&mut self, op: NodeOp, args: Vec<NodeId>, dtype: DType) -> NodeId {
        let key = match op {
            NodeOp::Const(s) => Key::Const(s.dtype(), s.bits(), s.bits_im()),
            NodeOp::Fill(s) => Key::Other(format!("fill {:?} {:x} {:x}", s.dtype(), s.bits(), s.bits_im()), args.clone(), dtype),
            _ => Key::Other(format!("{op:?}"), args.clone(), dtype),
        };
        if let Some(&id) = self.cse.get(&key) {
            return id;
        }
        let ndim = match op {
            NodeOp::Input(k) => self.p.signature.params[k].ndim,
            NodeOp::Const(_) | NodeOp::Reduce(_) => 0,
            NodeOp::ReduceAxis(..) => self.nodes[args[0].index()].ndim - 1,
            NodeOp::Fill(_) | NodeOp::Cast | NodeOp::Op(_) => args.iter().map(|a| self.nodes[a.index()].ndim).max().unwrap_or(0),
        };
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node { op, args, dtype, ndim });
        self.spans.push(self.span);
        self.cse.insert(key, id);
        id
    }

    /// A split value whose parts both have `ndim` dimensions, as the
    /// complex node they stand for: a part with fewer (a 0-d zero
    /// imaginary part, a broadcast operand of `complex(re, im)`) becomes
    /// `where(True, part, other)`, which has the broadcast shape of both
    /// and the part's values.
    fn widen(&mut self, v: Val, ndim: usize) -> Result<Val, &'static str> {
        let Val::Complex { re, im, whole } = v else { return Ok(v) };
        let dims = |b: &Self, id: NodeId| b.nodes[id.index()].ndim;
        if dims(self, re) == ndim && dims(self, im) == ndim {
            return Ok(v);
        }
        if dims(self, re).max(dims(self, im)) != ndim {
            return Err("internal error: a complex value without an operand of its shape");
        }
        let re = if dims(self, re) < ndim { self.broadcast(re, im) } else { re };
        let im = if dims(self, im) < ndim { self.broadcast(im, re) } else { im };
        Ok(Val::Complex { re, im, whole })
    }

    /// `part` broadcast against `other`: `where(True, part, other)`, which
    /// has the broadcast shape of both and `part`'s values.
    fn broadcast(&mut self, part: NodeId, other: NodeId) -> NodeId {
        let yes = self.konst(Scalar::Bool(true));
        self.op(Op::Where, &[yes, part, other])
    }

    fn dtype(&self, id: NodeId) -> DType {
        self.nodes[id.index()].dtype
    }

    fn op(&mut self, op: Op, args: &[NodeId]) -> NodeId {
        let d = match op {
            Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Isnan | Op::Isinf | Op::Isfinite => DType::Bool,
            Op::Where => self.dtype(args[1]),
            _ => self.dtype(args[0]),
        };
        self.emit(NodeOp::Op(op), args.to_vec(), d)
    }

    fn konst(&mut self, s: Scalar) -> NodeId {
        self.emit(NodeOp::Const(s), vec![], s.dtype())
    }

    /// The real `v` of the parts' dtype `d`.
    fn num(&mut self, d: DType, v: f64) -> NodeId {
        self.konst(Scalar::Float64(v).cast(d))
    }

    fn cast(&mut self, id: NodeId, to: DType) -> NodeId {
        if self.dtype(id) == to { id } else { self.emit(NodeOp::Cast, vec![id], to) }
    }

    /// The whole complex node of a split value (`complex(re, im)` unless
    /// one exists).
    fn whole(&mut self, v: Val, d: DType) -> NodeId {
        match v {
            Val::Complex { whole: Some(w), .. } => w,
            Val::Complex { re, im, .. } => self.emit(NodeOp::Op(Op::ComplexNew), vec![re, im], d),
            Val::Real(id) => id,
        }
    }

    /// A complex node's split value: its parts through `real`/`imag`.
    fn parts_of(&mut self, whole: NodeId) -> Val {
        let d = self.dtype(whole).part();
        let re = self.emit(NodeOp::Op(Op::Real), vec![whole], d);
        let im = self.emit(NodeOp::Op(Op::Imag), vec![whole], d);
        Val::Complex { re, im, whole: Some(whole) }
    }

    /// NumPy's fused complex multiply (see `vmath::complex::mul_c64`).
    fn mul(&mut self, (ar, ai): (NodeId, NodeId), (br, bi): (NodeId, NodeId)) -> (NodeId, NodeId) {
        let p = self.op(Op::Mul, &[ai, bi]);
        let np = self.op(Op::Neg, &[p]);
        let re = self.op(Op::Fma, &[ar, br, np]);
        let q = self.op(Op::Mul, &[ai, br]);
        let im = self.op(Op::Fma, &[ar, bi, q]);
        (re, im)
    }

    /// NumPy's complex division loop (`vmath::complex::div_c64`), each
    /// branch computed and the one NumPy takes selected.
    fn div(&mut self, d: DType, (ar, ai): (NodeId, NodeId), (br, bi): (NodeId, NodeId)) -> (NodeId, NodeId) {
        let (zero, one) = (self.num(d, 0.0), self.num(d, 1.0));
        let abr = self.op(Op::Abs, &[br]);
        let abi = self.op(Op::Abs, &[bi]);
        let big = self.op(Op::Ge, &[abr, abi]);
        let zr = self.op(Op::Eq, &[abr, zero]);
        let zi = self.op(Op::Eq, &[abi, zero]);
        let both_zero = self.op(Op::BitAnd, &[zr, zi]);
        // |br| >= |bi|, not both zero.
        let rat = self.op(Op::Div, &[bi, br]);
        let t = self.op(Op::Mul, &[bi, rat]);
        let den = self.op(Op::Add, &[br, t]);
        let scl = self.op(Op::Div, &[one, den]);
        let t = self.op(Op::Mul, &[ai, rat]);
        let t = self.op(Op::Add, &[ar, t]);
        let re_a = self.op(Op::Mul, &[t, scl]);
        let t = self.op(Op::Mul, &[ar, rat]);
        let t = self.op(Op::Sub, &[ai, t]);
        let im_a = self.op(Op::Mul, &[t, scl]);
        // Both zero.
        let re_z = self.op(Op::Div, &[ar, abr]);
        let im_z = self.op(Op::Div, &[ai, abi]);
        // |br| < |bi| (or a NaN).
        let rat = self.op(Op::Div, &[br, bi]);
        let t = self.op(Op::Mul, &[br, rat]);
        let den = self.op(Op::Add, &[bi, t]);
        let scl = self.op(Op::Div, &[one, den]);
        let t = self.op(Op::Mul, &[ar, rat]);
        let t = self.op(Op::Add, &[t, ai]);
        let re_b = self.op(Op::Mul, &[t, scl]);
        let t = self.op(Op::Mul, &[ai, rat]);
        let t = self.op(Op::Sub, &[t, ar]);
        let im_b = self.op(Op::Mul, &[t, scl]);
        let re = self.op(Op::Where, &[both_zero, re_z, re_a]);
        let re = self.op(Op::Where, &[big, re, re_b]);
        let im = self.op(Op::Where, &[both_zero, im_z, im_a]);
        let im = self.op(Op::Where, &[big, im, im_b]);
        (re, im)
    }

    /// NumPy's complex `reciprocal` loop (`ops`' `reciprocal_c64`).
    fn reciprocal(&mut self, d: DType, (re, im): (NodeId, NodeId)) -> (NodeId, NodeId) {
        let (one, minus_one) = (self.num(d, 1.0), self.num(d, -1.0));
        let are = self.op(Op::Abs, &[re]);
        let aim = self.op(Op::Abs, &[im]);
        let small_im = self.op(Op::Le, &[aim, are]);
        let r = self.op(Op::Div, &[im, re]);
        let t = self.op(Op::Mul, &[im, r]);
        let den = self.op(Op::Add, &[re, t]);
        let re_a = self.op(Op::Div, &[one, den]);
        let nr = self.op(Op::Neg, &[r]);
        let im_a = self.op(Op::Div, &[nr, den]);
        let r = self.op(Op::Div, &[re, im]);
        let t = self.op(Op::Mul, &[re, r]);
        let den = self.op(Op::Add, &[t, im]);
        let re_b = self.op(Op::Div, &[r, den]);
        let im_b = self.op(Op::Div, &[minus_one, den]);
        let a = self.op(Op::Where, &[small_im, re_a, re_b]);
        let b = self.op(Op::Where, &[small_im, im_a, im_b]);
        (a, b)
    }

    /// NumPy's complex `absolute` (`vmath::complex::abs_c64`), step by step.
    fn absolute(&mut self, d: DType, (re, im): (NodeId, NodeId)) -> NodeId {
        let (zero, one, inf, nan) = (self.num(d, 0.0), self.num(d, 1.0), self.num(d, f64::INFINITY), self.num(d, f64::NAN));
        let x = self.op(Op::Abs, &[re]);
        let y = self.op(Op::Abs, &[im]);
        let x_inf = self.op(Op::Eq, &[x, inf]);
        let y_inf = self.op(Op::Eq, &[y, inf]);
        let y = self.op(Op::Where, &[x_inf, inf, y]);
        let x = self.op(Op::Where, &[y_inf, inf, x]);
        let x_nan = self.op(Op::Isnan, &[x]);
        let y_nan = self.op(Op::Isnan, &[y]);
        let y = self.op(Op::Where, &[x_nan, nan, y]);
        let x = self.op(Op::Where, &[y_nan, nan, x]);
        // No NaN unless both are: the order of `maximum`'s operands does
        // not matter.
        let larger = self.op(Op::Maximum, &[x, y]);
        let smaller = self.op(Op::Minimum, &[y, x]);
        let l0 = self.op(Op::Eq, &[larger, zero]);
        let s_inf = self.op(Op::Eq, &[smaller, inf]);
        let no_ratio = self.op(Op::BitOr, &[l0, s_inf]);
        let q = self.op(Op::Div, &[smaller, larger]);
        let ratio = self.op(Op::Where, &[no_ratio, zero, q]);
        let f = self.op(Op::Fma, &[ratio, ratio, one]);
        let r = self.op(Op::Sqrt, &[f]);
        self.op(Op::Mul, &[r, larger])
    }

    /// NumPy 2's `a < b` (`le`: `a <= b`) on complex numbers.
    fn less(&mut self, (ar, ai): (NodeId, NodeId), (br, bi): (NodeId, NodeId), or_equal: bool) -> NodeId {
        let lt = self.op(Op::Lt, &[ar, br]);
        let nan_a = self.op(Op::Isnan, &[ai]);
        let nan_b = self.op(Op::Isnan, &[bi]);
        let any_nan = self.op(Op::BitOr, &[nan_a, nan_b]);
        let no_nan = self.op(Op::Invert, &[any_nan]);
        let first = self.op(Op::BitAnd, &[lt, no_nan]);
        let eq = self.op(Op::Eq, &[ar, br]);
        let second = self.op(if or_equal { Op::Le } else { Op::Lt }, &[ai, bi]);
        let tie = self.op(Op::BitAnd, &[eq, second]);
        self.op(Op::BitOr, &[first, tie])
    }

    fn node(&mut self, n: &Node, vals: &[Val]) -> Result<Val, &'static str> {
        let arg = |k: usize| vals[n.args[k].index()];
        let real = |v: Val| match v {
            Val::Real(id) => Some(id),
            Val::Complex { .. } => None,
        };
        Ok(match n.op {
            NodeOp::Input(k) if n.dtype.is_complex() => {
                let id = self.emit(NodeOp::Input(k), vec![], n.dtype);
                self.parts_of(id)
            }
            NodeOp::Input(k) => Val::Real(self.emit(NodeOp::Input(k), vec![], n.dtype)),
            NodeOp::Const(s) if n.dtype.is_complex() => {
                let (re, im) = s.to_c64();
                let d = n.dtype.part();
                Val::Complex { re: self.num(d, re), im: self.num(d, im), whole: None }
            }
            NodeOp::Const(s) => Val::Real(self.konst(s)),
            NodeOp::Fill(s) => {
                let like = match arg(0) {
                    Val::Real(id) | Val::Complex { re: id, .. } => id,
                };
                if n.dtype.is_complex() {
                    let (re, im) = s.to_c64();
                    let d = n.dtype.part();
                    let re = self.emit(NodeOp::Fill(Scalar::Float64(re).cast(d)), vec![like], d);
                    let im = self.emit(NodeOp::Fill(Scalar::Float64(im).cast(d)), vec![like], d);
                    Val::Complex { re, im, whole: None }
                } else {
                    Val::Real(self.emit(NodeOp::Fill(s), vec![like], n.dtype))
                }
            }
            NodeOp::Reduce(_) | NodeOp::ReduceAxis(..) => match (n.op, arg(0)) {
                (_, Val::Real(a)) => Val::Real(self.emit(n.op, vec![a], n.dtype)),
                // A whole-array reduction of complex values: of the whole
                // values (the executor sums them as NumPy does); a complex
                // result's parts come from its 0-d value.
                (_, v) => {
                    let whole = self.whole(v, self.p.node(n.args[0]).dtype);
                    let r = self.emit(n.op, vec![whole], n.dtype);
                    if n.dtype.is_complex() { self.parts_of(r) } else { Val::Real(r) }
                }
            },
            NodeOp::Cast => {
                let to = n.dtype;
                match arg(0) {
                    Val::Real(a) if to.is_complex() => {
                        // The real part as the parts' float (integers
                        // rounded once), a +0 imaginary part.
                        let d = to.part();
                        Val::Complex { re: self.cast(a, d), im: self.num(d, 0.0), whole: None }
                    }
                    Val::Real(a) => Val::Real(self.cast(a, to)),
                    Val::Complex { re, im, .. } if to.is_complex() => {
                        let d = to.part();
                        Val::Complex { re: self.cast(re, d), im: self.cast(im, d), whole: None }
                    }
                    Val::Complex { re, im, .. } if to == DType::Bool => {
                        let d = self.dtype(re);
                        let zero = self.num(d, 0.0);
                        let a = self.op(Op::Ne, &[re, zero]);
                        let b = self.op(Op::Ne, &[im, zero]);
                        Val::Real(self.op(Op::BitOr, &[a, b]))
                    }
                    Val::Complex { re, .. } => Val::Real(self.cast(re, to)),
                }
            }
            NodeOp::Op(op) => {
                let any_complex = n.args.iter().any(|a| matches!(vals[a.index()], Val::Complex { .. }));
                if !any_complex {
                    if op == Op::ComplexNew {
                        let (Some(re), Some(im)) = (real(arg(0)), real(arg(1))) else { unreachable!("no complex operand") };
                        // Two arrays may broadcast to a shape neither has
                        // ((3, 1) and (1, 4)): each part takes the shape of
                        // both, `where(True, part, other)` (a 0-d part is
                        // `widen`'s).
                        let array = |b: &Self, id: NodeId| b.nodes[id.index()].ndim > 0;
                        if re != im && array(self, re) && array(self, im) {
                            let (re2, im2) = (self.broadcast(re, im), self.broadcast(im, re));
                            return Ok(Val::Complex { re: re2, im: im2, whole: None });
                        }
                        return Ok(Val::Complex { re, im, whole: None });
                    }
                    let args: Vec<NodeId> = n.args.iter().map(|a| real(vals[a.index()]).expect("no complex operand")).collect();
                    return Ok(Val::Real(self.emit(NodeOp::Op(op), args, n.dtype)));
                }
                self.complex_op(n, op, vals)?
            }
        })
    }

    fn complex_op(&mut self, n: &Node, op: Op, vals: &[Val]) -> Result<Val, &'static str> {
        let parts = |k: usize| match vals[n.args[k].index()] {
            Val::Complex { re, im, .. } => (re, im),
            Val::Real(id) => (id, id),
        };
        // The operand dtype: `where`'s branches, else the first operand.
        let cd = if op == Op::Where { n.dtype } else { self.p.node(n.args[0]).dtype };
        let d = cd.part();
        let pair = |re, im| Val::Complex { re, im, whole: None };
        Ok(match op {
            Op::Add | Op::Sub => {
                let ((ar, ai), (br, bi)) = (parts(0), parts(1));
                pair(self.op(op, &[ar, br]), self.op(op, &[ai, bi]))
            }
            Op::Mul | Op::Square => {
                let (a, b) = (parts(0), if op == Op::Square { parts(0) } else { parts(1) });
                let (re, im) = self.mul(a, b);
                pair(re, im)
            }
            Op::Div => {
                let (re, im) = self.div(d, parts(0), parts(1));
                pair(re, im)
            }
            Op::Reciprocal => {
                let (re, im) = self.reciprocal(d, parts(0));
                pair(re, im)
            }
            Op::Neg => {
                let (re, im) = parts(0);
                pair(self.op(Op::Neg, &[re]), self.op(Op::Neg, &[im]))
            }
            Op::Pos | Op::Copy => vals[n.args[0].index()],
            Op::Conj => {
                let (re, im) = parts(0);
                pair(re, self.op(Op::Neg, &[im]))
            }
            Op::Real => Val::Real(parts(0).0),
            Op::Imag => Val::Real(parts(0).1),
            Op::Abs => Val::Real(self.absolute(d, parts(0))),
            Op::Angle => {
                let (re, im) = parts(0);
                Val::Real(self.op(Op::Arctan2, &[im, re]))
            }
            Op::OnesLike => {
                let (re, _) = parts(0);
                pair(self.op(Op::OnesLike, &[re]), self.num(d, 0.0))
            }
            Op::Eq | Op::Ne => {
                let ((ar, ai), (br, bi)) = (parts(0), parts(1));
                let (x, y) = (self.op(op, &[ar, br]), self.op(op, &[ai, bi]));
                Val::Real(self.op(if op == Op::Eq { Op::BitAnd } else { Op::BitOr }, &[x, y]))
            }
            Op::Lt | Op::Le => Val::Real(self.less(parts(0), parts(1), op == Op::Le)),
            Op::Gt | Op::Ge => Val::Real(self.less(parts(1), parts(0), op == Op::Ge)),
            Op::Isnan | Op::Isinf | Op::Isfinite => {
                let (re, im) = parts(0);
                let (x, y) = (self.op(op, &[re]), self.op(op, &[im]));
                Val::Real(self.op(if op == Op::Isfinite { Op::BitAnd } else { Op::BitOr }, &[x, y]))
            }
            Op::Where => {
                let c = match vals[n.args[0].index()] {
                    Val::Real(c) => c,
                    Val::Complex { .. } => return Err("internal error: a complex condition"),
                };
                let ((xr, xi), (yr, yi)) = (parts(1), parts(2));
                pair(self.op(Op::Where, &[c, xr, yr]), self.op(Op::Where, &[c, xi, yi]))
            }
            // The complex functions and `power`: the whole values, the
            // op table's complex reference.
            _ => {
                let args: Vec<NodeId> = (0..n.args.len()).map(|k| self.whole(vals[n.args[k].index()], cd)).collect();
                if n.dtype != cd {
                    return Err("internal error: a complex function with a real result");
                }
                let f = self.emit(NodeOp::Op(op), args, cd);
                self.parts_of(f)
            }
        })
    }
}

/// The nodes `result` depends on, renumbered in order (the result last).
fn live(nodes: Vec<Node>, spans: Vec<Span>, result: NodeId) -> (Vec<Node>, Vec<Span>) {
    let mut keep = vec![false; nodes.len()];
    keep[result.index()] = true;
    for i in (0..nodes.len()).rev() {
        if keep[i] {
            for a in &nodes[i].args {
                keep[a.index()] = true;
            }
        }
    }
    let mut new_id = vec![0u32; nodes.len()];
    let (mut out, mut out_spans) = (Vec::new(), Vec::new());
    for (i, (mut n, s)) in nodes.into_iter().zip(spans).enumerate() {
        if keep[i] {
            new_id[i] = out.len() as u32;
            n.args.iter_mut().for_each(|a| *a = NodeId(new_id[a.index()]));
            out.push(n);
            out_spans.push(s);
        }
    }
    (out, out_spans)
}
