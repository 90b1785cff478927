//! Stage 2: the typed IR — a flat DAG of typed nodes.
//!
//! [`lower`] turns a syntax tree and a [`Signature`] into a [`Program`]:
//! names are resolved, every node gets a concrete dtype by NumPy 2's rules
//! (NEP 50 for Python literals), implicit conversions become explicit
//! [`NodeOp::Cast`] nodes, constant subexpressions are folded, identical
//! subexpressions are shared (hash-consing), and nodes the result does not
//! need are dropped.
//!
//! Invariants of a [`Program`] (what the interpreter and the JIT rely on):
//! - `nodes` is in topological order: every argument id is smaller than the
//!   id of the node using it, and `result` is the last node.
//! - Every operand of a [`NodeOp::Op`] already has the operand dtype the
//!   operation's [`Rule`](crate::ops::Rule) asks for (`where`'s condition is
//!   bool; both branches have the result dtype).
//! - Every node has a static number of dimensions `ndim`: inputs take
//!   theirs from the signature, elementwise nodes the largest of their
//!   arguments' (NumPy broadcasting), a [`NodeOp::Reduce`] is 0-d and a
//!   [`NodeOp::ReduceAxis`] has one dimension fewer than its argument (and
//!   at least one). A node's shape is [`Shape::Array`] iff `ndim > 0`.
//!   The concrete shapes are known only at evaluation
//!   ([`crate::layout::shapes`]), where arrays that do not broadcast together
//!   are an [`Error::Shape`].
//! - There are no spans in the nodes; `spans[i]` is the source text that
//!   produced node `i`, for run-time error messages.

mod lower;
mod print;
mod split;

pub use lower::{MAX_NODES, lower, lower_expr, lower_with_numbers, lower_with_params};
pub use split::split;

use std::sync::Arc;

use crate::dtype::{DType, Scalar};
use crate::error::{Error, Located, Span};
use crate::ops::{Op, Reduce};
use crate::vmath::MathMode;

/// Most array leaves (inputs and axis reductions) for which
/// [`Program::reduction_leaves`] keeps a table.
pub const MAX_TRACKED_LEAVES: usize = 256;

/// Index of a node in [`Program::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Whether a value is one element (0-d) or an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    Scalar,
    Array,
}

impl Shape {
    /// The shape of a value with `ndim` dimensions.
    pub fn of_ndim(ndim: usize) -> Shape {
        if ndim == 0 { Shape::Scalar } else { Shape::Array }
    }
}

/// A declared input: a name, a dtype, and its number of dimensions (0: a
/// scalar).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    pub name: String,
    pub dtype: DType,
    pub ndim: usize,
}

impl Param {
    /// [`Shape::Scalar`] iff `ndim` is 0.
    pub fn shape(&self) -> Shape {
        Shape::of_ndim(self.ndim)
    }
}

/// The inputs a program is compiled against, in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Signature {
    params: Vec<Param>,
}

impl Signature {
    pub fn new() -> Signature {
        Signature::default()
    }

    /// The inputs, in order.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// Adds a 1-D array input.
    pub fn array(self, name: &str, dtype: DType) -> Signature {
        self.nd(name, dtype, 1)
    }

    /// Adds a 0-d (scalar) input.
    pub fn scalar(self, name: &str, dtype: DType) -> Signature {
        self.nd(name, dtype, 0)
    }

    /// Adds an input with `ndim` dimensions (0: a scalar).
    pub fn nd(mut self, name: &str, dtype: DType, ndim: usize) -> Signature {
        self.params.push(Param { name: name.to_string(), dtype, ndim });
        self
    }

    /// Adds an input with the dtype and number of dimensions of `x`.
    pub fn input(self, name: &str, x: &crate::array::Input<'_>) -> Signature {
        self.nd(name, x.dtype(), x.ndim())
    }

    /// Checks inputs against the signature: their count, and each one's
    /// dtype and number of dimensions.
    pub fn check(&self, inputs: &[crate::array::Input<'_>]) -> Result<(), Error> {
        if inputs.len() != self.params.len() {
            return Err(Error::Input(format!("the kernel takes {} inputs, got {}", self.params.len(), inputs.len())));
        }
        let what = |n: usize| match n {
            0 => "a scalar".to_string(),
            1 => "a 1-D array".to_string(),
            n => format!("a {n}-D array"),
        };
        for (p, x) in self.params.iter().zip(inputs) {
            if p.dtype != x.dtype() {
                return Err(Error::Input(format!("input `{}` should be {}, got {}", p.name, p.dtype, x.dtype())));
            }
            if p.ndim != x.ndim() {
                return Err(Error::Input(format!("input `{}` should be {}, got {}", p.name, what(p.ndim), what(x.ndim()))));
            }
        }
        Ok(())
    }

    /// The signature of named inputs, in order.
    pub fn of(inputs: &[(&str, crate::array::Input<'_>)]) -> Signature {
        inputs.iter().fold(Signature::new(), |s, (name, x)| s.input(name, x))
    }

    /// Position of the input called `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }
}

/// What a node computes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NodeOp {
    /// The signature's input at this position.
    Input(usize),
    /// A constant (0-d).
    Const(Scalar),
    /// An array of the argument's shape filled with this value (the argument
    /// only gives the shape). Used where NumPy's answer does not depend on
    /// the data: `int32_array < 3000000000` is all true.
    Fill(Scalar),
    /// Conversion of the argument to the node's dtype (NumPy `astype`).
    Cast,
    /// An elementwise operation from the table.
    Op(Op),
    /// A reduction of the whole argument to one value.
    Reduce(Reduce),
    /// A reduction along one axis (`0..ndim` of the argument, which has at
    /// least two dimensions): the result has the argument's shape without
    /// that axis.
    ReduceAxis(Reduce, usize),
}

/// One node of the DAG.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub op: NodeOp,
    pub args: Vec<NodeId>,
    pub dtype: DType,
    /// Number of dimensions (0: a scalar).
    pub ndim: usize,
}

impl Node {
    /// [`Shape::Scalar`] iff `ndim` is 0.
    pub fn shape(&self) -> Shape {
        Shape::of_ndim(self.ndim)
    }

    /// Whether the node is an array (`ndim > 0`).
    pub fn is_array(&self) -> bool {
        self.ndim > 0
    }
}

/// A typed, folded, deduplicated program. See the module docs for its
/// invariants, which [`Program::new`] checks: every `Program` satisfies
/// them, and the backends rely on that.
#[derive(Clone, Debug)]
pub struct Program {
    nodes: Vec<Node>,
    signature: Signature,
    result: NodeId,
    /// Source span of each node (side table; not part of the node).
    spans: Vec<Span>,
    /// The program text.
    source: Arc<str>,
    /// Whether the result is a Python number (set by lowering).
    weak: bool,
    /// The math functions' accuracy mode both backends compute in
    /// ([`Program::with_math`]; the default mode unless set).
    math: MathMode,
    /// What [`Program::reduction_leaves`] answers, computed on first use.
    leaves: std::sync::OnceLock<Option<LeafTable>>,
}

/// For each node that is a reduction, the array leaves its argument reads
/// (see [`Program::reduction_leaves`]).
type LeafTable = Vec<Option<Box<[NodeId]>>>;

impl Program {
    /// Whether some node (or input) is complex: such programs are
    /// evaluated by the interpreter for now (the JIT refuses them).
    pub fn has_complex(&self) -> bool {
        self.nodes.iter().any(|n| n.dtype.is_complex()) || self.signature.params().iter().any(|p| p.dtype.is_complex())
    }

    /// A program of `nodes` (the last one is the result) over `signature`,
    /// after checking every invariant of the module docs.
    ///
    /// Errors: a broken invariant, as an [`Error::Runtime`] starting with
    /// "internal error" (lowering never produces one; this is the check
    /// that memory safety in the backends depends on).
    pub fn new(nodes: Vec<Node>, signature: Signature, spans: Vec<Span>, source: Arc<str>) -> Result<Program, Error> {
        let Some(last) = nodes.len().checked_sub(1) else { return Err(invalid("no nodes")) };
        let p = Program { result: NodeId(last as u32), nodes, signature, spans, source, weak: false, math: MathMode::Accurate, leaves: Default::default() };
        p.verify()?;
        Ok(p)
    }

    /// Checks the invariants of the module docs.
    fn verify(&self) -> Result<(), Error> {
        if self.nodes.len() > u32::MAX as usize || self.spans.len() != self.nodes.len() {
            return Err(invalid("a span per node"));
        }
        for (i, n) in self.nodes.iter().enumerate() {
            if n.args.iter().any(|a| a.index() >= i) {
                return Err(invalid("not in topological order"));
            }
            let arity = match n.op {
                NodeOp::Input(_) | NodeOp::Const(_) => 0,
                NodeOp::Fill(_) | NodeOp::Cast | NodeOp::Reduce(_) | NodeOp::ReduceAxis(..) => 1,
                NodeOp::Op(op) => op.def().arity,
            };
            if n.args.len() != arity {
                return Err(invalid("wrong number of arguments"));
            }
            let arg = |k: usize| &self.nodes[n.args[k].index()];
            let max_ndim = n.args.iter().map(|a| self.nodes[a.index()].ndim).max().unwrap_or(0);
            let ok = match n.op {
                NodeOp::Input(k) => self.signature.params.get(k).is_some_and(|p| p.dtype == n.dtype && p.ndim == n.ndim),
                NodeOp::Const(s) => s.dtype() == n.dtype && n.ndim == 0,
                NodeOp::Fill(s) => s.dtype() == n.dtype && n.ndim > 0 && n.ndim == max_ndim,
                NodeOp::Reduce(r) => n.ndim == 0 && (r.def().dtype)(arg(0).dtype) == n.dtype,
                NodeOp::ReduceAxis(r, axis) => {
                    (r.def().dtype)(arg(0).dtype) == n.dtype && axis < arg(0).ndim && n.ndim >= 1 && n.ndim + 1 == arg(0).ndim
                }
                NodeOp::Cast => n.ndim == max_ndim,
                // Operands of one dtype (the operation's operand dtype, to
                // which lowering cast them); `where`'s condition is bool
                // and its branches have the result's dtype.
                NodeOp::Op(Op::Where) => {
                    n.ndim == max_ndim && arg(0).dtype == DType::Bool && arg(1).dtype == n.dtype && arg(2).dtype == n.dtype
                }
                NodeOp::Op(_) => n.ndim == max_ndim && n.args.iter().all(|a| self.nodes[a.index()].dtype == arg(0).dtype),
            };
            if !ok {
                return Err(invalid(&format!("node %{i} ({:?}) does not match its arguments or the signature", n.op)));
            }
        }
        if crate::array::MAX_NDIM < self.nodes.iter().map(|n| n.ndim).max().unwrap_or(0) {
            return Err(invalid("too many dimensions"));
        }
        Ok(())
    }

    /// The nodes, in topological order (the result last).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// The inputs the program was compiled against.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The result node (the last one).
    pub fn result(&self) -> NodeId {
        self.result
    }

    /// The program text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The source span of a node.
    pub fn span(&self, id: NodeId) -> Span {
        self.spans[id.index()]
    }

    /// Whether the result is a Python number, "weak" under NEP 50 (`3`,
    /// `2 * pi`, `True`: it reads no input and no value of a fixed dtype),
    /// made a 0-d value of NumPy's default dtype for its kind only because
    /// it is the result. Inside a program such a value takes the dtype of
    /// what it meets (`x = 3; f32 * x` is float32).
    pub fn weak_result(&self) -> bool {
        self.weak
    }

    /// The math functions' accuracy mode: which version of each function
    /// ([`crate::vmath::Func::in_mode`]) the interpreter and the JIT call.
    /// Constants are folded at lowering, before a mode is set, with the
    /// default functions.
    pub fn math(&self) -> MathMode {
        self.math
    }

    /// This program computing its math functions in `mode`.
    pub fn with_math(mut self, mode: MathMode) -> Program {
        self.math = mode;
        self
    }

    /// The array leaves the argument of reduction `id` reads: the
    /// [`NodeOp::Input`] and [`NodeOp::ReduceAxis`] nodes reachable from it
    /// without passing through a reduction (the argument itself if it is
    /// one), in no particular order; `None` if `id` is not a reduction or
    /// the program has more than [`MAX_TRACKED_LEAVES`] such leaves (then
    /// walk the argument's nodes). Structural, so computed once per
    /// program, for all reductions at once (a bit set per node over the
    /// leaves, one forward pass): a program of many reductions over a
    /// shared expression costs its size, not reductions × the expression.
    pub fn reduction_leaves(&self, id: NodeId) -> Option<&[NodeId]> {
        self.leaves.get_or_init(|| self.leaf_table()).as_ref()?.get(id.index())?.as_deref()
    }

    fn leaf_table(&self) -> Option<LeafTable> {
        let is_leaf = |n: &Node| matches!(n.op, NodeOp::Input(_) | NodeOp::ReduceAxis(..));
        let leaves: Vec<NodeId> = (0..self.nodes.len()).filter(|&i| is_leaf(&self.nodes[i])).map(|i| NodeId(i as u32)).collect();
        if leaves.len() > MAX_TRACKED_LEAVES {
            return None;
        }
        let words = leaves.len().div_ceil(64).max(1);
        let mut bits = vec![0u64; self.nodes.len() * words];
        let mut next = 0;
        for (i, n) in self.nodes.iter().enumerate() {
            let (before, own) = bits.split_at_mut(i * words);
            let own = &mut own[..words];
            match n.op {
                NodeOp::Input(_) | NodeOp::ReduceAxis(..) => {
                    own[next / 64] |= 1 << (next % 64);
                    next += 1;
                }
                // A full reduction is a 0-d value: its consumers read no
                // array through it.
                NodeOp::Reduce(_) => {}
                _ => {
                    for a in &n.args {
                        let from = &before[a.index() * words..][..words];
                        for (o, f) in own.iter_mut().zip(from) {
                            *o |= f;
                        }
                    }
                }
            }
        }
        let mut table = vec![None; self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            if let NodeOp::Reduce(_) | NodeOp::ReduceAxis(..) = n.op {
                let set = &bits[n.args[0].index() * words..][..words];
                let ids: Vec<NodeId> = (0..leaves.len()).filter(|&k| set[k / 64] >> (k % 64) & 1 == 1).map(|k| leaves[k]).collect();
                table[i] = Some(ids.into_boxed_slice());
            }
        }
        Some(table)
    }

    /// The result's dtype.
    pub fn dtype(&self) -> DType {
        self.node(self.result).dtype
    }

    /// The result's shape.
    pub fn shape(&self) -> Shape {
        self.node(self.result).shape()
    }

    /// The source text of a node, for messages.
    pub fn text_of(&self, id: NodeId) -> &str {
        let s = self.spans[id.index()];
        self.source.get(s.range()).unwrap_or("")
    }

    /// An error located at node `id`'s source text.
    pub fn located(&self, id: NodeId, message: String) -> Located {
        Located { message, span: self.spans[id.index()], hint: None, source: self.source.clone() }
    }

    /// The runtime error of node `id` failing with `msg`, as both backends
    /// report it.
    pub fn runtime_error(&self, id: NodeId, msg: &str) -> Error {
        let text = if id.index() < self.nodes.len() { self.text_of(id) } else { "" };
        Error::Runtime(format!("{msg} (in `{text}`)"))
    }
}

fn invalid(msg: &str) -> Error {
    Error::Runtime(format!("internal error: invalid program: {msg}"))
}
