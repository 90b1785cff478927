//! Syntax tree → typed IR: name resolution, NEP 50 typing, explicit casts,
//! constant folding and common-subexpression elimination in one forward
//! pass over the expression arena (operands always precede their users, so
//! no recursion is needed).

use std::collections::HashMap;

use super::{Node, NodeId, NodeOp, Program, Shape, Signature};
use crate::array::MAX_NDIM;
use crate::dtype::{DType, Kind, Scalar};
use crate::error::{Error, Located, Reporter, Span, closest};
use crate::dtype::Complex;
use crate::ops::{self, BoolRule, Cx, EvalError, Op, Reduce, Rule};
use crate::vmath::complex as C;
use crate::syntax::ast::{Ast, BinaryOp, CmpOp, ExprId, ExprKind, Stmt, UnaryOp};
use crate::syntax::vocab;

/// Most nodes a program may have after lowering.
pub const MAX_NODES: usize = 1 << 20;

/// A Python number that has not met an array yet: NEP 50 "weak" scalar.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Weak {
    /// `True`/`False`: Python bools are ints in arithmetic between
    /// constants, and the lowest kind (bool) next to arrays.
    Bool(bool),
    Int(i128),
    Float(f64),
    /// A Python complex number (an imaginary literal, or arithmetic on one).
    Complex(f64, f64),
}

/// CPython's complex division (`_Py_c_quot`): Smith's method dividing by
/// the denominator (NumPy's multiplies by its reciprocal). A zero divisor
/// is the caller's error.
fn py_div(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let (abr, abi) = (b.0.abs(), b.1.abs());
    if abr >= abi {
        let ratio = b.1 / b.0;
        let denom = b.0 + b.1 * ratio;
        ((a.0 + a.1 * ratio) / denom, (a.1 - a.0 * ratio) / denom)
    } else if abi >= abr {
        let ratio = b.0 / b.1;
        let denom = b.0 * ratio + b.1;
        ((a.0 * ratio + a.1) / denom, (a.1 * ratio - a.0) / denom)
    } else {
        (f64::NAN, f64::NAN)
    }
}

/// CPython's complex power: an integer exponent of at most 100 in
/// magnitude by repeated squaring with plain products (`c_powi`; a negative
/// one through [`py_div`]), else `|a|^b e^{i b arg a}` (`_Py_c_pow`), here on
/// numjet's real functions (glibc's in CPython: the last bits may differ).
/// `a = 0` with a negative or complex exponent is the caller's error.
fn py_pow(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    use crate::vmath::{Func, call1, call2};
    let prod = |x: (f64, f64), y: (f64, f64)| (x.0 * y.0 - x.1 * y.1, x.0 * y.1 + x.1 * y.0);
    if b.1 == 0.0 && b.0 == b.0.floor() && b.0.abs() <= 100.0 {
        let n = b.0.abs() as u64;
        let (mut r, mut p, mut mask) = ((1.0, 0.0), a, 1u64);
        while n >= mask {
            if n & mask != 0 {
                r = prod(r, p);
            }
            mask <<= 1;
            p = prod(p, p);
        }
        return if b.0 > 0.0 { r } else { py_div((1.0, 0.0), r) };
    }
    if b == (0.0, 0.0) {
        return (1.0, 0.0);
    }
    if a == (0.0, 0.0) {
        return (0.0, 0.0);
    }
    let vabs = call2(Func::Hypot, a.0, a.1);
    let mut len = call2(Func::Power, vabs, b.0);
    let at = call2(Func::Arctan2, a.1, a.0);
    let mut phase = at * b.0;
    if b.1 != 0.0 {
        len /= call1(Func::Exp, at * b.1);
        phase += b.1 * call1(Func::Log, vabs);
    }
    (len * call1(Func::Cos, phase), len * call1(Func::Sin, phase))
}

/// The value of an expression during lowering.
#[derive(Clone, Copy, Debug)]
enum Val {
    Weak(Weak),
    Node(NodeId),
    /// A Python number whose value is known only at run time: a 0-d input
    /// (float64 for a float, int64 for an int) typed as weak (see
    /// [`lower_with_params`]). It behaves as `Weak` of its kind wherever
    /// the value is converted exactly as NumPy would convert the number;
    /// anywhere else (Python arithmetic that could raise or overflow, a
    /// range check, an exponent NumPy special-cases by value) lowering
    /// stops with [`NEEDS_VALUES`] and the caller compiles with the values.
    Param(Kind, NodeId),
}

/// The message of the internal error that ends [`lower_with_params`] when
/// a parameter's value is needed at compile time.
const NEEDS_VALUES: &str = "internal: this program needs its Python numbers' values at compile time";

/// A value with the span that produced it.
#[derive(Clone, Copy, Debug)]
struct Arg {
    val: Val,
    span: Span,
}

/// Lowers a parsed program against a signature.
pub fn lower(ast: &Ast, signature: &Signature, source: &str) -> Result<Program, Error> {
    lower_with_numbers(ast, signature, source, &[])
}

/// Lowers a parsed program against a signature, with the names of
/// `numbers` bound to Python numbers (NEP 50 "weak", as in
/// [`lower_expr`]): how a Python caller's `float` and `int` variables
/// reach a program without becoming float64 and int64 arrays.
pub fn lower_with_numbers(ast: &Ast, signature: &Signature, source: &str, numbers: &[(&str, Scalar)]) -> Result<Program, Error> {
    let mut cx = Lowerer::new(ast, 0..ast.exprs.len(), signature, source)?;
    cx.bind_numbers(numbers)?;
    let last = cx.statements(ast)?;
    cx.result(last, signature)
}

/// Lowers a parsed program in which the inputs named in `params` are
/// Python numbers passed at run time: NEP 50 "weak" like the numbers of
/// [`lower_with_numbers`], but not part of the compiled code, so one kernel
/// serves every value (`a * alpha` in a loop over `alpha` compiles once).
/// Each must be a 0-d `Float64` (a Python float) or `Int64` (a Python int)
/// input of `signature`.
///
/// `Ok(None)` when the program needs a value at compile time: Python
/// arithmetic between numbers other than float `+ - *` (Python raises on
/// division by zero and its ints do not wrap), an int meeting an int32
/// array (NumPy checks its range), an exponent (NumPy's `**` special-cases
/// 2, 1, 0, -1 and 0.5 by value), an `axis`, a cast to int32, or a program
/// whose value is a Python number. Compile with [`lower_with_numbers`]
/// then: it gives the same results for these values.
pub fn lower_with_params(ast: &Ast, signature: &Signature, source: &str, params: &[&str]) -> Result<Option<Program>, Error> {
    let mut cx = Lowerer::new(ast, 0..ast.exprs.len(), signature, source)?;
    for &name in params {
        let Some(i) = signature.position(name) else {
            return Err(Error::Input(format!("parameter `{name}` is not an input")));
        };
        let p = &signature.params()[i];
        let kind = match (p.dtype, p.ndim) {
            (DType::Float64, 0) => Kind::Float,
            (DType::Int64, 0) => Kind::Int,
            _ => return Err(Error::Input(format!("parameter `{name}` must be a 0-d float64 or int64 input, not {}", p.dtype))),
        };
        let Some(arg) = cx.env.get_mut(name) else {
            return Err(Error::Input(format!("parameter `{name}` is not bound")));
        };
        let Val::Node(id) = arg.val else {
            return Err(Error::Input(format!("parameter `{name}` is bound twice")));
        };
        arg.val = Val::Param(kind, id);
        cx.has_params = true;
    }
    let lowered = cx.statements(ast);
    if cx.needs_values.get() {
        return Ok(None);
    }
    let last = lowered?;
    if matches!(last.val, Val::Param(..)) {
        return Ok(None);
    }
    cx.result(last, signature).map(Some)
}

/// Lowers one expression of a parsed program, `root` (a statement's value
/// or any expression in it), as a program of its own: only the
/// expressions it reads are lowered, against `signature`, with the names
/// of `numbers` bound to Python numbers (NEP 50 "weak", exactly as if the
/// program had assigned them a literal: `x` bound to `3` makes `f32 * x`
/// float32). Spans and messages refer to `source`, the whole program
/// text. `numbers` holds `Bool`, `Int64` and `Float64` values (what a weak
/// result evaluates to, see [`Program::weak_result`]).
///
/// This is how the REPL compiles each statement of a line once, from the
/// line's one parse.
pub fn lower_expr(
    ast: &Ast,
    root: ExprId,
    signature: &Signature,
    source: &str,
    numbers: &[(&str, Scalar)],
) -> Result<Program, Error> {
    let n = root.0 as usize;
    if n >= ast.exprs.len() {
        return Err(Error::Input(format!("expression {n} is not in the program")));
    }
    // The expressions `root` reads (operands precede their users, and
    // only these are visited, so a long line of statements stays linear).
    let mut need = vec![n];
    let mut k = 0;
    while k < need.len() {
        let i = need[k];
        for o in ast.expr(ExprId(i as u32)).kind.operands() {
            let o = o.0 as usize;
            if o >= i {
                return Err(Error::Input("malformed syntax tree: an operand after its user".into()));
            }
            need.push(o);
        }
        k += 1;
    }
    need.sort_unstable();
    need.dedup();
    let mut cx = Lowerer::new(ast, need.iter().copied(), signature, source)?;
    cx.bind_numbers(numbers)?;
    let mut vals: HashMap<usize, Arg> = HashMap::with_capacity(need.len());
    for &i in &need {
        let v = cx.expr(ast, ExprId(i as u32), &|x| vals.get(&(x.0 as usize)).copied())?;
        vals.insert(i, v);
    }
    let last = vals[&n];
    cx.result(last, signature)
}

struct Lowerer {
    rep: Reporter,
    /// For expressions that are unparenthesised operands of a comparison,
    /// the comparison's span (for the `a < 1 & b < 2` hint).
    in_compare: HashMap<u32, Span>,
    nodes: Vec<Node>,
    spans: Vec<Span>,
    cse: HashMap<Key, NodeId>,
    env: HashMap<String, Arg>,
    /// Dimensions of each input.
    input_ndim: Vec<usize>,
    /// Set when a [`Val::Param`] needed its value (see [`NEEDS_VALUES`]).
    needs_values: std::cell::Cell<bool>,
    /// Some input is a [`Val::Param`] ([`lower_with_params`]).
    has_params: bool,
}

/// Hash-consing key: a node is identified by what it computes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Input(usize),
    Const(DType, u64, u64),
    Fill(DType, u64, u64, NodeId),
    Cast(DType, NodeId),
    Op(Op, Vec<NodeId>),
    Reduce(Reduce, NodeId),
    ReduceAxis(Reduce, usize, NodeId),
}


type LResult<T> = Result<T, Error>;

impl Lowerer {
    /// A lowerer for `ast`, with the signature's inputs bound.
    /// `exprs` are the expressions that will be lowered.
    fn new(ast: &Ast, exprs: impl Iterator<Item = usize>, signature: &Signature, source: &str) -> Result<Lowerer, Error> {
        let mut in_compare = HashMap::new();
        for i in exprs {
            if let ExprKind::Compare { first, rest } = &ast.exprs[i].kind {
                for x in std::iter::once(first).chain(rest.iter().map(|(_, x)| x)) {
                    if !ast.expr(*x).parenthesized {
                        in_compare.insert(x.0, ast.exprs[i].span);
                    }
                }
            }
        }
        let mut cx = Lowerer {
            rep: Reporter::new(source),
            in_compare,
            nodes: Vec::new(),
            spans: Vec::new(),
            cse: HashMap::new(),
            env: HashMap::new(),
            input_ndim: signature.params().iter().map(|p| p.ndim).collect(),
            needs_values: std::cell::Cell::new(false),
            has_params: false,
        };
        for (i, p) in signature.params().iter().enumerate() {
            if cx.env.contains_key(&p.name) {
                return Err(Error::Input(format!("input `{}` is declared twice", p.name)));
            }
            if p.ndim > MAX_NDIM {
                return Err(Error::Input(format!("input `{}` has {} dimensions, more than numjet's limit of {MAX_NDIM}", p.name, p.ndim)));
            }
            let id = cx.emit(NodeOp::Input(i), vec![], p.dtype, p.shape(), Span::default());
            cx.env.insert(p.name.clone(), Arg { val: Val::Node(id), span: Span::default() });
        }
        Ok(cx)
    }

    /// Lowers every statement in order (assignments bind their names) and
    /// returns the last statement's value.
    fn statements(&mut self, ast: &Ast) -> LResult<Arg> {
        let mut vals: Vec<Option<Arg>> = vec![None; ast.exprs.len()];
        let mut next = 0usize;
        let mut last = None;
        for stmt in &ast.stmts {
            let root = Ast::stmt_value(stmt);
            // The statement's expressions are the arena slice ending at its root.
            while next <= root.0 as usize {
                let v = self.expr(ast, ExprId(next as u32), &|x| vals[x.0 as usize])?;
                vals[next] = Some(v);
                next += 1;
            }
            let v = vals[root.0 as usize].expect("lowered");
            if let Stmt::Assign { target, .. } = stmt {
                self.env.insert(target.name.clone(), v);
            }
            last = Some(v);
        }
        last.ok_or_else(|| Error::Input("a program without statements".into()))
    }

    /// Binds each name of `numbers` to a weak Python number (`Bool`,
    /// `Int64`, `Float64` or `Complex128` values).
    fn bind_numbers(&mut self, numbers: &[(&str, Scalar)]) -> Result<(), Error> {
        for &(name, v) in numbers {
            let w = match v {
                Scalar::Bool(b) => Weak::Bool(b),
                Scalar::Int64(i) => Weak::Int(i.into()),
                Scalar::Float64(f) => Weak::Float(f),
                Scalar::Complex128(c) => Weak::Complex(c.re, c.im),
                other => return Err(Error::Input(format!("`{name}` is bound to {other:?}, which is not a Python number"))),
            };
            if self.env.insert(name.to_string(), Arg { val: Val::Weak(w), span: Span::default() }).is_some() {
                return Err(Error::Input(format!("`{name}` is both an input and a number")));
            }
        }
        Ok(())
    }

    /// The program whose result is `last`.
    fn result(mut self, last: Arg, signature: &Signature) -> Result<Program, Error> {
        let weak = matches!(last.val, Val::Weak(_));
        let result = match last.val {
            Val::Node(id) => id,
            Val::Param(..) => return Err(self.needs_values()),
            // A program with no inputs: NumPy's default dtype for the kind.
            Val::Weak(w) => {
                let d = match w {
                    Weak::Bool(_) => DType::Bool,
                    Weak::Int(_) => DType::Int64,
                    Weak::Float(_) => DType::Float64,
                    Weak::Complex(..) => DType::Complex128,
                };
                let s = self.weak_to(w, d, last.span)?;
                self.constant(s, last.span)
            }
        };
        let mut p = self.finish(result, signature.clone())?;
        p.weak = weak;
        Ok(p)
    }

    fn type_err(&self, span: Span, msg: impl Into<String>) -> Error {
        Error::Type(self.rep.at(span, msg))
    }

    /// Records that a parameter's value is needed; the error ends lowering
    /// (see [`lower_with_params`]).
    fn needs_values(&self) -> Error {
        self.needs_values.set(true);
        Error::Input(NEEDS_VALUES.into())
    }

    /// A parameter as a node of `dtype`, converted as NumPy converts the
    /// Python number it stands for ([`Lowerer::weak_to`]).
    fn param_to(&mut self, kind: Kind, id: NodeId, dtype: DType, span: Span) -> LResult<NodeId> {
        match (kind, dtype) {
            (Kind::Float, d) if d.is_float() => Ok(self.cast(id, d, span)),
            (Kind::Int, DType::Int64 | DType::Float64 | DType::Bool) => Ok(self.cast(id, dtype, span)),
            // A Python int becomes a float through float64 (`weak_to`).
            (Kind::Int, d) if d.is_float() => {
                let f = self.cast(id, DType::Float64, span);
                Ok(self.cast(f, d, span))
            }
            _ => Err(self.needs_values()),
        }
    }

    fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// Adds a node, or returns the existing node that computes the same thing.
    fn emit(&mut self, op: NodeOp, args: Vec<NodeId>, dtype: DType, shape: Shape, span: Span) -> NodeId {
        let key = match op {
            NodeOp::Input(i) => Key::Input(i),
            NodeOp::Const(s) => Key::Const(s.dtype(), s.bits(), s.bits_im()),
            NodeOp::Fill(s) => Key::Fill(s.dtype(), s.bits(), s.bits_im(), args[0]),
            NodeOp::Cast => Key::Cast(dtype, args[0]),
            NodeOp::Op(o) => Key::Op(o, args.clone()),
            NodeOp::Reduce(r) => Key::Reduce(r, args[0]),
            NodeOp::ReduceAxis(r, axis) => Key::ReduceAxis(r, axis, args[0]),
        };
        if let Some(&id) = self.cse.get(&key) {
            return id;
        }
        let ndim = match op {
            NodeOp::Input(k) => self.input_ndim[k],
            NodeOp::Const(_) | NodeOp::Reduce(_) => 0,
            NodeOp::ReduceAxis(..) => self.node(args[0]).ndim - 1,
            NodeOp::Fill(_) | NodeOp::Cast | NodeOp::Op(_) => args.iter().map(|a| self.node(*a).ndim).max().unwrap_or(0),
        };
        debug_assert_eq!(ndim > 0, shape == Shape::Array, "ndim and shape agree");
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node { op, args, dtype, ndim });
        self.spans.push(span);
        self.cse.insert(key, id);
        id
    }

    fn check_size(&self, span: Span) -> LResult<()> {
        if self.nodes.len() >= MAX_NODES {
            return Err(Error::Limit(self.rep.at(span, format!("program is too large (more than {MAX_NODES} operations)"))));
        }
        Ok(())
    }

    fn constant(&mut self, s: Scalar, span: Span) -> NodeId {
        self.emit(NodeOp::Const(s), vec![], s.dtype(), Shape::Scalar, span)
    }

    fn as_const(&self, id: NodeId) -> Option<Scalar> {
        match self.node(id).op {
            NodeOp::Const(s) => Some(s),
            _ => None,
        }
    }

    /// Converts a node to `dtype`, folding constants.
    fn cast(&mut self, id: NodeId, dtype: DType, span: Span) -> NodeId {
        let n = self.node(id);
        if n.dtype == dtype {
            return id;
        }
        if let Some(s) = self.as_const(id) {
            return self.constant(s.cast(dtype), span);
        }
        let shape = n.shape();
        self.emit(NodeOp::Cast, vec![id], dtype, shape, span)
    }

    /// A weak Python number as a value of `dtype` (NEP 50: an int must
    /// fit an integer dtype).
    fn weak_to(&self, w: Weak, dtype: DType, span: Span) -> LResult<Scalar> {
        Ok(match (w, dtype) {
            (Weak::Bool(b), d) => Scalar::Bool(b).cast(d),
            (Weak::Int(v), DType::Bool) => Scalar::Bool(v != 0),
            (Weak::Int(v), d) if d.is_int() => {
                if !d.holds_int(v) {
                    return Err(self.type_err(span, format!("Python integer {v} out of bounds for {d}")));
                }
                Scalar::int(d, v)
            }
            (Weak::Int(v), d) => Scalar::Float64(v as f64).cast(d),
            (Weak::Float(v), d) => Scalar::Float64(v).cast(d),
            (Weak::Complex(re, im), d) => Scalar::Complex128(Complex::new(re, im)).cast(d),
        })
    }

    /// Turns an argument into a node of `dtype`.
    fn materialize(&mut self, a: Arg, dtype: DType) -> LResult<NodeId> {
        match a.val {
            Val::Weak(w) => {
                let s = self.weak_to(w, dtype, a.span)?;
                Ok(self.constant(s, a.span))
            }
            Val::Node(id) => Ok(self.cast(id, dtype, a.span)),
            Val::Param(k, id) => self.param_to(k, id, dtype, a.span),
        }
    }

    fn shape_of(&self, args: &[NodeId]) -> Shape {
        if args.iter().any(|&a| self.node(a).shape() == Shape::Array) { Shape::Array } else { Shape::Scalar }
    }

    /// NEP 50: the dtype operands promote to. Strong (typed) operands
    /// decide; Python numbers only raise the kind (int → float), taking the
    /// default dtype of their kind when no strong operand has it.
    fn promote(&self, args: &[Arg]) -> DType {
        let mut strong: Option<DType> = None;
        let mut weak_kind: Option<Kind> = None;
        for a in args {
            match a.val {
                Val::Node(id) => {
                    let d = self.node(id).dtype;
                    strong = Some(strong.map_or(d, |s| DType::promote(s, d)));
                }
                Val::Weak(w) => {
                    let k = match w {
                        Weak::Bool(_) => Kind::Bool,
                        Weak::Int(_) => Kind::Int,
                        Weak::Float(_) => Kind::Float,
                        Weak::Complex(..) => Kind::Complex,
                    };
                    weak_kind = Some(weak_kind.map_or(k, |x| x.max(k)));
                }
                Val::Param(k, _) => weak_kind = Some(weak_kind.map_or(k, |x| x.max(k))),
            }
        }
        match (strong, weak_kind) {
            (Some(s), None) => s,
            (None, Some(Kind::Float)) => DType::Float64,
            (None, Some(Kind::Complex)) => DType::Complex128,
            (None, Some(Kind::Bool)) => DType::Bool,
            (None, _) => DType::Int64,
            (Some(s), Some(k)) => {
                if s.kind() >= k {
                    s
                } else if k == Kind::Complex {
                    // A float with a Python complex: the complex dtype of
                    // its precision; int or bool: complex128.
                    if s.is_float() { s.complex() } else { DType::Complex128 }
                } else if k == Kind::Float {
                    // int or bool with a Python float: float64.
                    DType::Float64
                } else {
                    // bool with a Python int: the default int.
                    DType::Int64
                }
            }
        }
    }

    /// Applies an elementwise operation from the table to typed or weak operands.
    fn apply(&mut self, op: Op, args: &[Arg], span: Span) -> LResult<Arg> {
        self.check_size(span)?;
        let def = op.def();
        // Python operators on Python numbers fold with Python's meaning and
        // stay weak. NumPy functions of Python numbers (`sqrt(2)`,
        // `where(True, 1, 2.5)`) give NumPy scalars, which are strong: they
        // take the normal path, where the numbers get their default dtype.
        let is_operator = matches!(def.syntax, ops::Syntax::Operator(_));
        if is_operator && args.iter().any(|a| matches!(a.val, Val::Param(..))) && args.iter().all(|a| !matches!(a.val, Val::Node(_))) {
            return self.fold_params(op, args, span);
        }
        if is_operator && args.iter().all(|a| matches!(a.val, Val::Weak(_))) {
            let ws: Vec<Weak> = args.iter().map(|a| if let Val::Weak(w) = a.val { w } else { unreachable!() }).collect();
            return self.fold_weak(op, &ws, span);
        }
        if op == Op::Where {
            return self.apply_where(args, span);
        }
        // NumPy's `angle` of a real value: `arctan2(0, x)` (0 a Python int).
        if op == Op::Angle && !self.node_dtype(args[0]).is_complex() {
            let zero = Arg { val: Val::Weak(Weak::Int(0)), span: args[0].span };
            return self.apply(Op::Arctan2, &[zero, args[0]], span);
        }
        // Comparisons of an integer array with a Python int outside its
        // range: NumPy 2 answers without converting the int.
        if def.rule == Rule::Compare
            && let Some(r) = self.compare_out_of_range(op, args, span)?
        {
            return Ok(r);
        }
        if def.rule == Rule::Compare
            && let [Arg { val: Val::Node(x), .. }, Arg { val: Val::Node(y), .. }] = *args
            && let Some(r) = self.compare_u64_signed(op, x, y, span)?
        {
            return Ok(Arg { val: Val::Node(r), span });
        }
        let common = match def.rule {
            Rule::Predicate => self.node_dtype(args[0]),
            // NumPy's float loops take each integer operand to the
            // smallest float holding it, then promote those: int8 with
            // uint8 is float16 (not float32, from their int16).
            Rule::Float { ints_to_f64: false, .. } => {
                let floated: Vec<DType> = args
                    .iter()
                    .filter_map(|a| match a.val {
                        Val::Node(id) => Some(self.node(id).dtype),
                        _ => None,
                    })
                    .map(|d| if d.is_int() { d.safe_float() } else { d })
                    .collect();
                let strong = floated.iter().copied().reduce(DType::promote);
                match strong {
                    // Weak operands raise the kind as usual.
                    Some(s) if args.iter().all(|a| matches!(a.val, Val::Node(_))) => s,
                    _ => self.promote(args),
                }
            }
            _ => self.promote(args),
        };
        let operand = self.operand_dtype(op, common, span)?;
        let result = match def.rule {
            Rule::Compare | Rule::Predicate => DType::Bool,
            _ if operand.is_complex() && matches!(def.cx, Cx::Part(_)) => operand.part(),
            _ => operand,
        };
        let mut ids = Vec::with_capacity(args.len());
        for a in args {
            ids.push(self.materialize(*a, operand)?);
        }
        Ok(Arg { val: Val::Node(self.emit_op(op, ids, result, span)?), span })
    }

    /// Python's operators on Python numbers of which at least one is a
    /// parameter: float `+ - *` and unary `- +` are IEEE float64
    /// arithmetic, which the program does at run time and which stays
    /// weak; anything else needs the values.
    fn fold_params(&mut self, op: Op, args: &[Arg], span: Span) -> LResult<Arg> {
        let float = args.iter().any(|a| matches!(a.val, Val::Param(Kind::Float, _) | Val::Weak(Weak::Float(_))));
        let int_param = args.iter().any(|a| matches!(a.val, Val::Param(Kind::Int, _)));
        if !float || int_param || !matches!(op, Op::Add | Op::Sub | Op::Mul | Op::Neg | Op::Pos) {
            return Err(self.needs_values());
        }
        let mut ids = Vec::with_capacity(args.len());
        for a in args {
            ids.push(self.materialize(*a, DType::Float64)?);
        }
        let id = self.emit_op(op, ids, DType::Float64, span)?;
        Ok(Arg { val: Val::Param(Kind::Float, id), span })
    }

    fn node_shape(&self, a: &Arg) -> Shape {
        match a.val {
            Val::Node(id) => self.node(id).shape(),
            Val::Weak(_) | Val::Param(..) => Shape::Scalar,
        }
    }

    fn node_dtype(&self, a: Arg) -> DType {
        match a.val {
            Val::Node(id) => self.node(id).dtype,
            Val::Param(Kind::Float, _) => DType::Float64,
            Val::Param(_, _) => DType::Int64,
            Val::Weak(Weak::Bool(_)) => DType::Bool,
            Val::Weak(Weak::Int(_)) => DType::Int64,
            Val::Weak(Weak::Float(_)) => DType::Float64,
            Val::Weak(Weak::Complex(..)) => DType::Complex128,
        }
    }

    /// The dtype the operation computes in, given the promoted operand dtype.
    fn operand_dtype(&self, op: Op, common: DType, span: Span) -> LResult<DType> {
        let def = op.def();
        let name = op.spelling();
        let bool_rule = |r: BoolRule| -> LResult<DType> {
            match r {
                BoolRule::Keep => Ok(DType::Bool),
                BoolRule::Reject(why) => Err(self.type_err(span, format!("`{name}` on bool: {why}"))),
                // NumPy computes in int8 (`bool // bool`) or float16 (`sin(bool)`).
                BoolRule::Int8 => Ok(DType::Int8),
                BoolRule::Float16 => Ok(DType::Float16),
            }
        };
        if common.is_complex() {
            return match def.cx {
                Cx::Complex(_) | Cx::Part(_) | Cx::Bool(_) => Ok(common),
                Cx::No => Err(Error::Type(self.rep.hinted(
                    span,
                    format!("`{name}` is not defined for {common} operands"),
                    "NumPy has no complex loop for it",
                ))),
                Cx::Later => Err(self.type_err(span, format!("`{name}` on {common} operands is not supported by numjet yet"))),
            };
        }
        match def.rule {
            Rule::Arith(r) => {
                if common == DType::Bool {
                    bool_rule(r)
                } else {
                    Ok(common)
                }
            }
            Rule::Float { bool_rule: r, ints_to_f64 } => match common.kind() {
                Kind::Bool | Kind::Int if ints_to_f64 => bool_rule(r).map(|_| DType::Float64),
                Kind::Bool => bool_rule(r).map(|_| common.safe_float()),
                Kind::Int => Ok(common.safe_float()),
                Kind::Float | Kind::Complex => Ok(common),
            },
            Rule::Bitwise => {
                if common.is_float() {
                    Err(Error::Type(self.rep.hinted(
                        span,
                        format!("`{name}` is not defined for {common} operands"),
                        "bitwise operators need bool or integer operands",
                    )))
                } else {
                    Ok(common)
                }
            }
            Rule::Shift => match common.kind() {
                Kind::Float | Kind::Complex => Err(self.type_err(span, format!("`{name}` is not defined for {common} operands"))),
                Kind::Bool => bool_rule(BoolRule::Int8),
                Kind::Int => Ok(common),
            },
            Rule::Compare | Rule::Predicate => Ok(common),
            Rule::Where => unreachable!("where is lowered by apply_where"),
        }
    }

    /// Emits an operation node, folding it when every operand is constant.
    fn emit_op(&mut self, op: Op, ids: Vec<NodeId>, dtype: DType, span: Span) -> LResult<NodeId> {
        let consts: Option<Vec<Scalar>> = ids.iter().map(|&i| self.as_const(i)).collect();
        if let Some(cs) = consts {
            return match op.eval(&cs) {
                Ok(s) => Ok(self.constant(s, span)),
                Err(EvalError::Value(m)) => Err(self.type_err(span, m)),
                Err(EvalError::Internal(m)) => Err(self.type_err(span, format!("internal error: {m}"))),
            };
        }
        // An integer power of a 0-d base with a constant negative exponent
        // always fails: say so now. (An array base fails at run time, as
        // in NumPy, where an empty array gives an empty result.)
        if op == Op::Pow
            && dtype.is_int()
            && self.node(ids[0]).shape() == Shape::Scalar
            && let Some(e) = self.as_const(ids[1])
            && e.to_f64() < 0.0
        {
            return Err(Error::Value(self.rep.at(span, "Integers to negative integer powers are not allowed.")));
        }
        let shape = self.shape_of(&ids);
        Ok(self.emit(NodeOp::Op(op), ids, dtype, shape, span))
    }

    /// A comparison of uint64 with a signed integer, which promote to
    /// float64: NumPy 2 compares them exactly. The signed operand `s` is
    /// compared as uint64 where it is not negative; where it is, every
    /// uint64 is greater.
    fn compare_u64_signed(&mut self, op: Op, x: NodeId, y: NodeId, span: Span) -> LResult<Option<NodeId>> {
        let (dx, dy) = (self.node(x).dtype, self.node(y).dtype);
        let s_is_left = match (dx, dy) {
            (DType::UInt64, d) if d.is_signed_int() => false,
            (d, DType::UInt64) if d.is_signed_int() => true,
            _ => return Ok(None),
        };
        let (u, s) = if s_is_left { (y, x) } else { (x, y) };
        let zero = self.constant(Scalar::int(self.node(s).dtype, 0), span);
        let negative = self.emit_op(Op::Lt, vec![s, zero], DType::Bool, span)?;
        let s_u = self.cast(s, DType::UInt64, span);
        let args = if s_is_left { vec![s_u, u] } else { vec![u, s_u] };
        let exact = self.emit_op(op, args, DType::Bool, span)?;
        // With `s` negative: u > s, so `s < u`, `s <= u`, `u > s`, `u >= s`
        // and `!=` hold.
        let holds = match (op, s_is_left) {
            (Op::Ne, _) => true,
            (Op::Eq, _) => false,
            (Op::Lt | Op::Le, left) => left,
            (_, left) => !left,
        };
        let answer = self.constant(Scalar::Bool(holds), span);
        self.emit_op(Op::Where, vec![negative, answer, exact], DType::Bool, span).map(Some)
    }

    fn compare_out_of_range(&mut self, op: Op, args: &[Arg], span: Span) -> LResult<Option<Arg>> {
        let (node, w, weak_on_right) = match (args[0].val, args[1].val) {
            (Val::Node(n), Val::Weak(Weak::Int(w))) => (n, w, true),
            (Val::Weak(Weak::Int(w)), Val::Node(n)) => (n, w, false),
            // Whether an int parameter fits an int32 array is a value's
            // question.
            (Val::Node(n), Val::Param(Kind::Int, _)) | (Val::Param(Kind::Int, _), Val::Node(n)) if self.node(n).dtype.is_int() && self.node(n).dtype != DType::Int64 => {
                return Err(self.needs_values());
            }
            _ => return Ok(None),
        };
        let d = self.node(node).dtype;
        if d.holds_int(w) {
            return Ok(None);
        }
        // The int is above (w > 0) or below every element.
        let elem_less = w > 0; // element < w for every element
        let v = match (op, weak_on_right == elem_less) {
            (Op::Eq, _) => false,
            (Op::Ne, _) => true,
            (Op::Lt | Op::Le, lhs_smaller) => lhs_smaller,
            (Op::Gt | Op::Ge, lhs_smaller) => !lhs_smaller,
            _ => unreachable!("comparison"),
        };
        let s = Scalar::Bool(v);
        let id = if self.node(node).shape() == Shape::Array {
            self.emit(NodeOp::Fill(s), vec![node], DType::Bool, Shape::Array, span)
        } else {
            self.constant(s, span)
        };
        Ok(Some(Arg { val: Val::Node(id), span }))
    }

    /// `where(cond, x, y)`: cond of any dtype, branches promoted (NEP 50).
    fn apply_where(&mut self, args: &[Arg], span: Span) -> LResult<Arg> {
        let (c, x, y) = (args[0], args[1], args[2]);
        let cond = match c.val {
            Val::Weak(w) => {
                let t = match w {
                    Weak::Bool(b) => b,
                    Weak::Int(v) => v != 0,
                    Weak::Float(v) => v != 0.0,
                    Weak::Complex(re, im) => re != 0.0 || im != 0.0,
                };
                self.constant(Scalar::Bool(t), c.span)
            }
            Val::Node(id) | Val::Param(_, id) => self.cast(id, DType::Bool, c.span),
        };
        let d = self.promote(&[x, y]);
        // `np.where` converts a Python int that does not fit an integer
        // dtype by wrapping (it is not a ufunc: no NEP 50 range check).
        // Ints beyond int64 and uint64 do not convert at all (OverflowError).
        let wrap = |a: Arg| -> LResult<Arg> {
            match a.val {
                Val::Weak(Weak::Int(v)) if !d.holds_int(v) => {
                    if !(i64::MIN as i128..=u64::MAX as i128).contains(&v) {
                        return Err(self.type_err(a.span, format!("Python integer {v} too large to convert to a NumPy integer")));
                    }
                    Ok(Arg { val: Val::Weak(Weak::Int(Scalar::int(d, v).to_i128().unwrap_or(0))), ..a })
                }
                _ => Ok(a),
            }
        };
        let (x, y) = (wrap(x)?, wrap(y)?);
        let xi = self.materialize(x, d)?;
        let yi = self.materialize(y, d)?;
        // A constant condition picks a branch if the other one is 0-d: an
        // array branch still broadcasts the result to its shape, which is
        // only known at evaluation (`where(True, a, b)` with `a` of shape
        // (3,) and `b` (2, 1) is (2, 3)).
        if let Some(Scalar::Bool(t)) = self.as_const(cond) {
            let (pick, other) = if t { (xi, yi) } else { (yi, xi) };
            if self.node(other).ndim == 0 {
                return Ok(Arg { val: Val::Node(pick), span });
            }
        }
        let id = self.emit_op(Op::Where, vec![cond, xi, yi], d, span)?;
        Ok(Arg { val: Val::Node(id), span })
    }

    /// Folds an operation on Python numbers with Python's meaning (ints are
    /// exact; `2**-1` is 0.5; dividing by zero is an error). Functions that
    /// Python's operators do not have use NumPy's float64/int64 meaning and
    /// stay weak.
    fn fold_weak(&mut self, op: Op, w: &[Weak], span: Span) -> LResult<Arg> {
        use Weak::{Float as F, Int as I};
        // Python: `True & False` is a bool; in arithmetic bools are 0 and 1.
        if let [Weak::Bool(a), Weak::Bool(b)] = w
            && matches!(op, Op::BitAnd | Op::BitOr | Op::BitXor)
        {
            let r = match op {
                Op::BitAnd => a & b,
                Op::BitOr => a | b,
                _ => a ^ b,
            };
            return Ok(Arg { val: Val::Weak(Weak::Bool(r)), span });
        }
        let w: Vec<Weak> = w.iter().map(|&x| if let Weak::Bool(b) = x { I(b as i128) } else { x }).collect();
        let w = &w[..];
        if w.iter().any(|x| matches!(x, Weak::Complex(..))) {
            return self.fold_complex(op, w, span);
        }
        let too_big = || self.type_err(span, "integer constant does not fit in 127 bits");
        let div0 = || self.type_err(span, "division by zero in a constant expression");
        let f = |x: Weak| match x {
            Weak::Bool(b) => b as u8 as f64,
            I(v) => v as f64,
            F(v) | Weak::Complex(v, _) => v,
        };
        let weak = |w: Weak| Ok(Arg { val: Val::Weak(w), span });
        let def = op.def();
        // Comparisons give Python bools, which are weak too.
        if def.rule == Rule::Compare {
            let v = match (op, w) {
                (Op::Eq, [I(a), I(b)]) => a == b,
                (Op::Ne, [I(a), I(b)]) => a != b,
                (Op::Lt, [I(a), I(b)]) => a < b,
                (Op::Le, [I(a), I(b)]) => a <= b,
                (Op::Gt, [I(a), I(b)]) => a > b,
                (Op::Ge, [I(a), I(b)]) => a >= b,
                _ => {
                    let fs: Vec<Scalar> = w.iter().map(|&x| Scalar::Float64(f(x))).collect();
                    matches!((def.eval)(&fs), Ok(Scalar::Bool(true)))
                }
            };
            return Ok(Arg { val: Val::Weak(Weak::Bool(v)), span });
        }
        let r = match (op, w) {
            (Op::Add, [I(a), I(b)]) => I(a.checked_add(*b).ok_or_else(too_big)?),
            (Op::Sub, [I(a), I(b)]) => I(a.checked_sub(*b).ok_or_else(too_big)?),
            (Op::Mul, [I(a), I(b)]) => I(a.checked_mul(*b).ok_or_else(too_big)?),
            (Op::Square, [I(a)]) => I(a.checked_mul(*a).ok_or_else(too_big)?),
            (Op::Neg, [I(a)]) => I(a.checked_neg().ok_or_else(too_big)?),
            (Op::Abs, [I(a)]) => I(a.checked_abs().ok_or_else(too_big)?),
            (Op::Pos | Op::Copy | Op::Real | Op::Conj | Op::Floor | Op::Ceil | Op::Trunc | Op::Round, [x]) if matches!(x, I(_)) => *x,
            (Op::Pos | Op::Copy | Op::Real | Op::Conj, [x]) => *x,
            (Op::OnesLike, [I(_)]) => I(1),
            (Op::OnesLike, [F(_)]) => F(1.0),
            (Op::Imag, [I(_)]) => I(0),
            (Op::Imag, [F(_)]) => F(0.0),
            (Op::Sign, [I(a)]) => I(a.signum()),
            (Op::Invert, [I(a)]) => I(!a),
            (Op::BitAnd, [I(a), I(b)]) => I(a & b),
            (Op::BitOr, [I(a), I(b)]) => I(a | b),
            (Op::BitXor, [I(a), I(b)]) => I(a ^ b),
            (Op::Shl, [I(a), I(b)]) => {
                if *b < 0 {
                    return Err(self.type_err(span, "negative shift count"));
                }
                let r = if *b >= 127 { None } else { a.checked_shl(*b as u32).filter(|r| r >> *b == *a) };
                I(r.ok_or_else(too_big)?)
            }
            (Op::Shr, [I(a), I(b)]) => {
                if *b < 0 {
                    return Err(self.type_err(span, "negative shift count"));
                }
                I(if *b >= 127 { if *a < 0 { -1 } else { 0 } } else { a >> *b })
            }
            (Op::Invert | Op::BitAnd | Op::BitOr | Op::BitXor | Op::Shl | Op::Shr, _) => {
                return Err(self.type_err(span, format!("`{}` is not defined for float constants", op.spelling())));
            }
            (Op::Div, [a, b]) => {
                if f(*b) == 0.0 {
                    return Err(div0());
                }
                F(f(*a) / f(*b))
            }
            (Op::FloorDiv | Op::Mod, [I(a), I(b)]) => {
                if *b == 0 {
                    return Err(div0());
                }
                let (q, r) = (a.div_euclid(*b), a.rem_euclid(*b));
                // Euclid gives r >= 0; Python's modulo has the divisor's sign.
                let (q, r) = if *b < 0 && r != 0 { (q - 1, r + b) } else { (q, r) };
                I(if op == Op::FloorDiv { q } else { r })
            }
            (Op::FloorDiv | Op::Mod, [a, b]) => {
                if f(*b) == 0.0 {
                    return Err(div0());
                }
                let (q, r) = ops::divmod(f(*a), f(*b));
                F(if op == Op::FloorDiv { q } else { r })
            }
            (Op::Pow, [I(a), I(b)]) if *b >= 0 => {
                let e = u32::try_from(*b).map_err(|_| too_big())?;
                I(a.checked_pow(e).ok_or_else(too_big)?)
            }
            (Op::Pow, [a, b]) => {
                let (x, y) = (f(*a), f(*b));
                if x == 0.0 && y < 0.0 {
                    return Err(self.type_err(span, "0.0 cannot be raised to a negative power"));
                }
                if x < 0.0 && y.is_finite() && y.fract() != 0.0 {
                    return Err(self.type_err(span, "a negative number raised to a fractional power is complex"));
                }
                let r = x.powf(y);
                if r.is_infinite() && x.is_finite() && y.is_finite() {
                    return Err(self.type_err(span, "constant `**` overflows float64 (Python raises OverflowError)"));
                }
                F(r)
            }
            (Op::Minimum | Op::Fmin, [I(a), I(b)]) => I(*a.min(b)),
            (Op::Maximum | Op::Fmax, [I(a), I(b)]) => I(*a.max(b)),
            (Op::Fmod, [I(a), I(b)]) => I(if *b == 0 { 0 } else { a % b }),
            _ => {
                // Everything else: NumPy's float64 meaning on the values.
                let fs: Vec<Scalar> = w.iter().map(|&x| Scalar::Float64(f(x))).collect();
                match (def.eval)(&fs) {
                    Ok(Scalar::Float64(v)) => F(v),
                    Ok(s) => return Err(self.type_err(span, format!("internal error: constant folding gave {s:?}"))),
                    // NumPy's ValueError (an integer to a negative power).
                    Err(EvalError::Value(m)) => return Err(Error::Value(self.rep.at(span, m))),
                    Err(EvalError::Internal(_)) => {
                        return Err(self.type_err(span, format!("`{}` is not defined for these constants", op.spelling())));
                    }
                }
            }
        };
        weak(r)
    }

    /// Python's operators on Python numbers, one of them complex (CPython's
    /// `complex` arithmetic: `*` is the plain formula, `/` and `**` are
    /// [`py_div`] and [`py_pow`]).
    fn fold_complex(&mut self, op: Op, w: &[Weak], span: Span) -> LResult<Arg> {
        let c = |x: Weak| match x {
            Weak::Bool(b) => (b as u8 as f64, 0.0),
            Weak::Int(v) => (v as f64, 0.0),
            Weak::Float(v) => (v, 0.0),
            Weak::Complex(re, im) => (re, im),
        };
        let done = |(re, im): (f64, f64)| Ok(Arg { val: Val::Weak(Weak::Complex(re, im)), span });
        let (a, b) = (c(w[0]), w.get(1).map(|&x| c(x)).unwrap_or((0.0, 0.0)));
        match op {
            Op::Add => done(C::add_c64(a.0, a.1, b.0, b.1)),
            Op::Sub => done(C::sub_c64(a.0, a.1, b.0, b.1)),
            Op::Mul => done(C::mul_plain_c64(a.0, a.1, b.0, b.1)),
            Op::Neg => done(C::neg_c64(a.0, a.1)),
            Op::Pos => done(a),
            Op::Div | Op::Pow if b == (0.0, 0.0) && (op == Op::Div || a == (0.0, 0.0)) => {
                if op == Op::Pow {
                    return done((1.0, 0.0));
                }
                Err(self.type_err(span, "complex division by zero in a constant expression"))
            }
            Op::Div => done(py_div(a, b)),
            Op::Pow if a == (0.0, 0.0) && (b.1 != 0.0 || b.0 < 0.0) => Err(self.type_err(span, "0.0 to a negative or complex power")),
            Op::Pow => {
                let r = py_pow(a, b);
                if (r.0.is_infinite() || r.1.is_infinite()) && [a.0, a.1, b.0, b.1].iter().all(|v| v.is_finite()) {
                    return Err(self.type_err(span, "complex exponentiation overflows (Python raises OverflowError)"));
                }
                done(r)
            }
            Op::Eq | Op::Ne => Ok(Arg { val: Val::Weak(Weak::Bool((a == b) == (op == Op::Eq))), span }),
            _ => Err(self.type_err(span, format!("`{}` is not defined for complex constants", op.spelling()))),
        }
    }

    /// Lowers one expression whose operands are already lowered.
    /// Lowers expression `id`, whose operands' values `vals` gives.
    fn expr(&mut self, ast: &Ast, id: ExprId, vals: &dyn Fn(&ExprId) -> Option<Arg>) -> LResult<Arg> {
        let e = ast.expr(id);
        let span = e.span;
        let get = |x: &ExprId| vals(x).expect("operands precede users");
        let weak = |w| Ok(Arg { val: Val::Weak(w), span });
        match &e.kind {
            ExprKind::Int(v) => weak(Weak::Int(*v)),
            ExprKind::Float(v) => weak(Weak::Float(*v)),
            ExprKind::Imag(v) => weak(Weak::Complex(0.0, *v)),
            ExprKind::Bool(b) => weak(Weak::Bool(*b)),
            ExprKind::Name(n) => self.name(n, span),
            ExprKind::Unary { op, operand } => {
                let a = get(operand);
                match op {
                    UnaryOp::Neg => self.apply(Op::Neg, &[a], span),
                    UnaryOp::Pos => self.apply(Op::Pos, &[a], span),
                    UnaryOp::Invert => self.apply(Op::Invert, &[a], span),
                    UnaryOp::Not => {
                        self.require_bool(a, "not")?;
                        match a.val {
                            Val::Weak(Weak::Bool(b)) => weak(Weak::Bool(!b)),
                            _ => self.apply(Op::Invert, &[a], span),
                        }
                    }
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let (l, r) = (get(lhs), get(rhs));
                let op = match op {
                    BinaryOp::Add => Op::Add,
                    BinaryOp::Sub => Op::Sub,
                    BinaryOp::Mul => Op::Mul,
                    BinaryOp::Div => Op::Div,
                    BinaryOp::FloorDiv => Op::FloorDiv,
                    BinaryOp::Mod => Op::Mod,
                    BinaryOp::Pow => return self.pow(l, r, span, true),
                    BinaryOp::BitAnd => Op::BitAnd,
                    BinaryOp::BitOr => Op::BitOr,
                    BinaryOp::BitXor => Op::BitXor,
                    BinaryOp::Shl => Op::Shl,
                    BinaryOp::Shr => Op::Shr,
                    BinaryOp::And | BinaryOp::Or => {
                        let word = op.symbol();
                        self.require_bool(l, word)?;
                        self.require_bool(r, word)?;
                        if *op == BinaryOp::And { Op::BitAnd } else { Op::BitOr }
                    }
                };
                self.apply(op, &[l, r], span).map_err(|err| self.precedence_hint(err, id, op, l.span, r.span))
            }
            ExprKind::Compare { first, rest } => {
                let mut prev = get(first);
                let mut acc: Option<Arg> = None;
                for (op, x) in rest {
                    let cur = get(x);
                    let o = match op {
                        CmpOp::Eq => Op::Eq,
                        CmpOp::Ne => Op::Ne,
                        CmpOp::Lt => Op::Lt,
                        CmpOp::Le => Op::Le,
                        CmpOp::Gt => Op::Gt,
                        CmpOp::Ge => Op::Ge,
                    };
                    let cspan = prev.span.to(cur.span);
                    let c = self.apply(o, &[prev, cur], cspan)?;
                    acc = Some(match acc {
                        None => c,
                        Some(a) => self.apply(Op::BitAnd, &[a, c], a.span.to(cspan))?,
                    });
                    prev = cur;
                }
                let a = acc.expect("at least one comparison");
                Ok(Arg { val: a.val, span })
            }
            ExprKind::IfElse { then, cond, otherwise } => self.apply(Op::Where, &[get(cond), get(then), get(otherwise)], span),
            ExprKind::Attr { value, attr } => {
                let v = get(value);
                match attr.name.as_str() {
                    "real" => self.apply(Op::Real, &[v], span),
                    "imag" => self.apply(Op::Imag, &[v], span),
                    other => Err(Error::Type(self.rep.hinted(
                        attr.span,
                        format!("unknown attribute `.{other}`"),
                        "only `.real` and `.imag` exist",
                    ))),
                }
            }
            ExprKind::Call { func, args, keywords } => {
                let argv: Vec<Arg> = args.iter().map(get).collect();
                let kw: Vec<(&str, Span, Arg)> = keywords.iter().map(|k| (k.name.name.as_str(), k.name.span, get(&k.value))).collect();
                self.call(&func.name, func.span, &argv, &kw, span)
            }
            // The parser accepts a tuple as an atom for the REPL's shapes;
            // a program has no tuple values.
            ExprKind::Tuple(_) => Err(Error::Syntax(self.rep.hinted(
                span,
                "tuples are not supported",
                "a tuple is only a shape, in the REPL: zeros((2, 3)), reshape(x, (2, -1))",
            ))),
        }
    }

    /// `a < 1 & b < 2` parses as `a < (1 & b) < 2`; when that fails to
    /// type-check, say so.
    fn precedence_hint(&self, err: Error, id: ExprId, op: Op, lhs: Span, rhs: Span) -> Error {
        let Some(cmp) = self.in_compare.get(&id.0).copied().filter(|_| matches!(op, Op::BitAnd | Op::BitOr | Op::BitXor)) else {
            return err;
        };
        let src = &self.rep.source;
        let (left, right) = (src.get(cmp.start..lhs.end).unwrap_or(""), src.get(rhs.start..cmp.end).unwrap_or(""));
        match err {
            Error::Type(l) => Error::Type(Located {
                hint: Some(format!(
                    "`{0}` binds tighter than comparisons: write `({1}) {0} ({2})`",
                    op.spelling(),
                    left.trim(),
                    right.trim()
                )),
                ..l
            }),
            other => other,
        }
    }

    fn require_bool(&self, a: Arg, word: &str) -> LResult<()> {
        let ok = match a.val {
            Val::Node(id) => self.node(id).dtype == DType::Bool,
            Val::Weak(w) => matches!(w, Weak::Bool(_)),
            Val::Param(..) => false,
        };
        if ok {
            return Ok(());
        }
        let what = match a.val {
            Val::Node(id) => self.node(id).dtype.to_string(),
            Val::Weak(Weak::Bool(_)) => "a bool constant".to_string(),
            Val::Weak(Weak::Int(_)) => "an integer constant".to_string(),
            Val::Weak(Weak::Float(_)) | Val::Param(Kind::Float, _) => "a float constant".to_string(),
            Val::Weak(Weak::Complex(..)) => "a complex constant".to_string(),
            Val::Param(..) => "an integer constant".to_string(),
        };
        Err(Error::Type(self.rep.hinted(
            a.span,
            format!("`{word}` needs bool operands, this is {what}"),
            "compare first (`x > 0`), or use the bitwise operators `& | ~` on integers",
        )))
    }

    /// `x ** y` and `power(x, y)` as NumPy computes them.
    ///
    /// - NumPy's float `power` loop takes `sqrt` when the exponent is one
    ///   0.5 for the whole array (a constant or a 0-d input), so
    ///   `(-0.0) ** 0.5` is -0.0 and `(-inf) ** 0.5` is nan.
    /// - The `**` operator (`operator`) also turns a Python or NumPy scalar
    ///   exponent of 2, 1, 0 or -1 on a float array into `square`, a copy,
    ///   `ones_like` or a reciprocal; on an integer or bool array only a
    ///   Python int 2 is special (`square`, so `bool ** 2` is int8 and an
    ///   error).
    fn pow(&mut self, base: Arg, exp: Arg, span: Span, operator: bool) -> LResult<Arg> {
        if let (true, Val::Weak(x), Val::Weak(y)) = (operator, base.val, exp.val) {
            return self.fold_weak(Op::Pow, &[x, y], span);
        }
        // NumPy decides by the exponent's value (and Python's `**` on two
        // numbers can raise): a parameter there needs its value.
        if matches!(exp.val, Val::Param(..)) || (operator && matches!(base.val, Val::Param(..)) && !matches!(exp.val, Val::Node(_))) {
            return Err(self.needs_values());
        }
        let Val::Node(b) = base.val else { return self.apply(Op::Pow, &[base, exp], span) };
        // A Python complex exponent has no special cases.
        if matches!(exp.val, Val::Weak(Weak::Complex(..))) {
            return self.apply(Op::Pow, &[base, exp], span);
        }
        let base_is_array = self.node(b).shape() == Shape::Array;
        let d = self.promote(&[base, exp]);
        let exp_value = match exp.val {
            Val::Weak(Weak::Bool(v)) => Some(v as u8 as f64),
            Val::Weak(Weak::Int(v)) => Some(v as f64),
            Val::Weak(Weak::Float(v)) => Some(v),
            Val::Weak(Weak::Complex(..)) => None,
            Val::Node(e) => self.as_const(e).filter(|c| !c.dtype().is_complex()).map(Scalar::to_f64),
            Val::Param(..) => return Err(self.needs_values()),
        };
        if d.is_float() || d.is_complex() {
            let x = Arg { val: Val::Node(self.materialize(base, d)?), span: base.span };
            match exp_value {
                Some(v) if v == 0.5 && (operator || (base_is_array && !d.is_complex())) => return self.apply(Op::Sqrt, &[x], span),
                Some(v) if operator && v == 2.0 => return self.apply(Op::Square, &[x], span),
                Some(v) if operator && v == 1.0 => return self.apply(Op::Pos, &[x], span),
                Some(v) if operator && v == 0.0 => return self.apply(Op::OnesLike, &[x], span),
                // NumPy's complex `reciprocal` loop, not `1 / z`.
                Some(v) if operator && v == -1.0 && d.is_complex() => return self.apply(Op::Reciprocal, &[x], span),
                Some(v) if operator && v == -1.0 => {
                    let one = Arg { val: Val::Weak(Weak::Int(1)), span: exp.span };
                    return self.apply(Op::Div, &[one, x], span);
                }
                Some(_) => {}
                None => {
                    let Val::Node(e) = exp.val else { unreachable!("weak exponents have a value") };
                    // With run-time parameters, a 0-d exponent may be one
                    // computed from them (`a ** square(k)`), which the values
                    // path folds into a constant and special-cases: ask for
                    // the values, so both paths agree.
                    if self.has_params && self.node(e).shape() == Shape::Scalar {
                        return Err(self.needs_values());
                    }
                    if base_is_array && self.node(e).shape() == Shape::Scalar {
                        // A 0-d input exponent: decided at run time.
                        let ev = Arg { val: Val::Node(self.materialize(exp, d)?), span: exp.span };
                        let half = Arg { val: Val::Weak(Weak::Float(0.5)), span: exp.span };
                        let is_half = self.apply(Op::Eq, &[ev, half], exp.span)?;
                        let root = self.apply(Op::Sqrt, &[x], span)?;
                        let general = self.apply(Op::Pow, &[x, ev], span)?;
                        return self.apply(Op::Where, &[is_half, root, general], span);
                    }
                }
            }
        } else if operator && matches!(exp.val, Val::Weak(Weak::Int(2))) {
            return self.apply(Op::Square, &[base], span);
        }
        self.apply(Op::Pow, &[base, exp], span)
    }

    fn name(&mut self, n: &str, span: Span) -> LResult<Arg> {
        if let Some(a) = self.env.get(n) {
            return Ok(Arg { val: a.val, span });
        }
        if let Some(v) = vocab::constant(n) {
            return Ok(Arg { val: Val::Weak(Weak::Float(v)), span });
        }
        if vocab::function_names().any(|f| f == n) {
            return Err(Error::UnknownName(self.rep.hinted(
                span,
                format!("`{n}` is a function, not a value"),
                format!("call it: `{n}(x)`"),
            )));
        }
        let known: Vec<&str> = self.env.keys().map(String::as_str).chain(vocab::CONSTANTS.iter().map(|c| c.0)).collect();
        let loc = match closest(n, known) {
            Some(c) => self.rep.hinted(span, format!("unknown name `{n}`"), format!("did you mean `{c}`?")),
            None => {
                let mut names: Vec<&str> = self.env.keys().map(|s| s.as_str()).collect();
                names.sort_unstable();
                let hint = if names.is_empty() {
                    "no inputs are defined".to_string()
                } else {
                    format!("defined names: {}", names.join(", "))
                };
                self.rep.hinted(span, format!("unknown name `{n}`"), hint)
            }
        };
        Err(Error::UnknownName(loc))
    }

    fn arity(&self, name: &str, expected: usize, got: usize, span: Span) -> LResult<()> {
        if expected == got {
            return Ok(());
        }
        let s = if expected == 1 { "" } else { "s" };
        Err(Error::Arity(self.rep.at(span, format!("`{name}` takes {expected} argument{s}, got {got}"))))
    }

    fn call(&mut self, name: &str, name_span: Span, args: &[Arg], kw: &[(&str, Span, Arg)], span: Span) -> LResult<Arg> {
        self.check_size(span)?;
        let reduce = Reduce::from_name(name);
        if let Some((k, kspan, _)) = kw.iter().find(|(k, _, _)| reduce.is_none() || *k != "axis") {
            let msg = if reduce.is_some() {
                format!("`{name}` has no keyword argument `{k}`; it takes `axis`")
            } else {
                format!("`{name}` takes no keyword arguments, got `{k}`")
            };
            return Err(Error::Keyword(self.rep.at(*kspan, msg)));
        }
        if let Some(r) = reduce {
            self.arity(name, 1, args.len(), span)?;
            let axis = match kw.first() {
                Some((_, kspan, v)) => self.check_axis(name, *kspan, *v, args[0])?,
                None => None,
            };
            return self.reduce(r, args[0], axis, span);
        }
        if let Some(d) = DType::from_name(name).filter(|d| d.name() == name) {
            self.arity(name, 1, args.len(), span)?;
            let a = args[0];
            let id = match a.val {
                Val::Weak(w) => {
                    let s = self.weak_to(w, d, a.span)?;
                    self.constant(s, span)
                }
                Val::Node(id) => self.cast(id, d, span),
                Val::Param(k, id) => self.param_to(k, id, d, span)?,
            };
            return Ok(Arg { val: Val::Node(id), span });
        }
        if name == "clip" {
            self.arity(name, 3, args.len(), span)?;
            // NumPy's clip: minimum(maximum(x, lo), hi) with all three
            // promoted together. Python-int bounds beyond an integer dtype's
            // range clip nothing on that side, so they saturate.
            let d = self.promote(args);
            // NumPy's complex clip compares without its NaN rules (its old
            // ordering macros), unlike `minimum`/`maximum`: not yet.
            if d.is_complex() {
                return Err(self.type_err(span, format!("`clip` on {d} operands is not supported by numjet yet")));
            }
            // A bound past the other end of the range would clip every
            // element to a value the dtype cannot hold: NumPy raises.
            if let Some((lo, hi)) = d.int_range().filter(|_| d.is_int()) {
                for (k, low_bound) in [(1, true), (2, false)] {
                    if let Some(a) = args.get(k)
                        && let Val::Weak(Weak::Int(v)) = a.val
                        && if low_bound { v > hi } else { v < lo }
                    {
                        return Err(self.type_err(a.span, format!("Python integer {v} out of bounds for {d}")));
                    }
                }
            }
            let args: Vec<Arg> = args
                .iter()
                .map(|a| match (a.val, d.int_range()) {
                    (Val::Weak(Weak::Int(v)), Some((lo, hi))) if d.is_int() => Arg { val: Val::Weak(Weak::Int(v.clamp(lo, hi))), ..*a },
                    _ => *a,
                })
                .collect();
            let mut ids = Vec::with_capacity(3);
            for a in &args {
                ids.push(Arg { val: Val::Node(self.materialize(*a, d)?), span: a.span });
            }
            let is_scalar = |a: &Arg| self.node_shape(a) == Shape::Scalar;
            if is_scalar(&ids[1]) && is_scalar(&ids[2]) {
                // NumPy's loop for 0-d bounds keeps `x` on ties (so
                // `clip(-0.0, 0, 3)` is -0.0) and gives NaN for a NaN bound.
                let (x, lo, hi) = (ids[0], ids[1], ids[2]);
                let below = self.apply(Op::Lt, &[x, lo], span)?;
                let y = self.apply(Op::Where, &[below, lo, x], span)?;
                let above = self.apply(Op::Gt, &[y, hi], span)?;
                let z = self.apply(Op::Where, &[above, hi, y], span)?;
                if !d.is_float() {
                    return Ok(z);
                }
                let lo_nan = self.apply(Op::Isnan, &[lo], span)?;
                let hi_nan = self.apply(Op::Isnan, &[hi], span)?;
                let nan_bound = self.apply(Op::BitOr, &[lo_nan, hi_nan], span)?;
                let nan = Arg { val: Val::Weak(Weak::Float(f64::NAN)), span };
                return self.apply(Op::Where, &[nan_bound, nan, z], span);
            }
            let lo = self.apply(Op::Maximum, &[ids[0], ids[1]], span)?;
            return self.apply(Op::Minimum, &[lo, ids[2]], span);
        }
        if name == "complex" {
            return self.complex_new(args, span);
        }
        let Some(op) = Op::function(name) else {
            if self.env.contains_key(name) {
                return Err(Error::UnknownFunction(self.rep.at(name_span, format!("`{name}` is a variable, not a function"))));
            }
            let loc = match closest(name, vocab::function_names()) {
                Some(c) => self.rep.hinted(name_span, format!("unknown function `{name}`"), format!("did you mean `{c}`?")),
                None => self.rep.at(name_span, format!("unknown function `{name}`")),
            };
            return Err(Error::UnknownFunction(loc));
        };
        self.arity(name, op.def().arity, args.len(), span)?;
        if op == Op::Pow {
            return self.pow(args[0], args[1], span, false);
        }
        self.apply(op, args, span)
    }

    /// numexpr's `complex(re, im)`: a complex128 of two real operands
    /// (converted to float64 as numexpr does, whatever their dtypes).
    fn complex_new(&mut self, args: &[Arg], span: Span) -> LResult<Arg> {
        self.arity("complex", 2, args.len(), span)?;
        let mut ids = Vec::with_capacity(2);
        for a in args {
            if self.node_dtype(*a).is_complex() {
                return Err(self.type_err(a.span, "`complex` takes real parts, got a complex value"));
            }
            ids.push(self.materialize(*a, DType::Float64)?);
        }
        Ok(Arg { val: Val::Node(self.emit_op(Op::ComplexNew, ids, DType::Complex128, span)?), span })
    }

    /// The axis `axis=v` names (negative counts from the end), or `None`
    /// when it is the only axis (a 1-D argument: the whole array).
    fn check_axis(&self, name: &str, kspan: Span, v: Arg, x: Arg) -> LResult<Option<usize>> {
        let ndim = match x.val {
            Val::Node(id) => self.node(id).ndim,
            Val::Weak(_) | Val::Param(..) => 0,
        };
        if matches!(v.val, Val::Param(..)) {
            return Err(self.needs_values());
        }
        match v.val {
            Val::Weak(Weak::Int(a)) if (-(ndim as i128)..ndim as i128).contains(&a) => {
                let axis = if a < 0 { (a + ndim as i128) as usize } else { a as usize };
                Ok((ndim > 1).then_some(axis))
            }
            Val::Weak(Weak::Int(a)) => Err(Error::Keyword(self.rep.at(
                v.span,
                format!("axis {a} is out of bounds for an array of dimension {ndim} in `{name}`"),
            ))),
            _ => Err(Error::Keyword(self.rep.at(kspan.to(v.span), format!("`axis` of `{name}` must be an integer constant")))),
        }
    }

    fn reduce(&mut self, r: Reduce, a: Arg, axis: Option<usize>, span: Span) -> LResult<Arg> {
        let x = match a.val {
            Val::Weak(w) => {
                let d = self.node_dtype(a);
                let s = self.weak_to(w, d, a.span)?;
                self.constant(s, a.span)
            }
            Val::Node(id) | Val::Param(_, id) => id,
        };
        let n = self.node(x);
        let out = (r.def().dtype)(n.dtype);
        // The reduction of one value is that value, converted (NumPy's 0-d rule).
        if n.shape() == Shape::Scalar {
            let id = match r {
                Reduce::Any | Reduce::All => self.cast(x, DType::Bool, span),
                // NumPy adds to the identity 0.0, so -0.0 comes out as 0.0.
                Reduce::Sum | Reduce::Mean if out.is_float() || out.is_complex() => {
                    let v = Arg { val: Val::Node(self.cast(x, out, span)), span };
                    let zero = Arg { val: Val::Weak(Weak::Float(0.0)), span };
                    return self.apply(Op::Add, &[v, zero], span);
                }
                _ => self.cast(x, out, span),
            };
            return Ok(Arg { val: Val::Node(id), span });
        }
        let id = match axis {
            Some(axis) => self.emit(NodeOp::ReduceAxis(r, axis), vec![x], out, Shape::Array, span),
            None => self.emit(NodeOp::Reduce(r), vec![x], out, Shape::Scalar, span),
        };
        Ok(Arg { val: Val::Node(id), span })
    }

    /// Drops nodes the result does not use and renumbers the rest.
    fn finish(self, result: NodeId, signature: Signature) -> Result<Program, Error> {
        let mut live = vec![false; self.nodes.len()];
        live[result.index()] = true;
        for i in (0..self.nodes.len()).rev() {
            if live[i] {
                for a in &self.nodes[i].args {
                    live[a.index()] = true;
                }
            }
        }
        let mut remap = vec![NodeId(u32::MAX); self.nodes.len()];
        let mut nodes = Vec::new();
        let mut spans = Vec::new();
        for (i, (mut n, s)) in self.nodes.into_iter().zip(self.spans).enumerate() {
            if !live[i] {
                continue;
            }
            for a in &mut n.args {
                *a = remap[a.index()];
            }
            remap[i] = NodeId(nodes.len() as u32);
            nodes.push(n);
            spans.push(s);
        }
        // Move the result to the end (it may have been shared earlier).
        debug_assert_eq!(remap[result.index()].index(), nodes.len() - 1, "the result is the last live node");
        Program::new(nodes, signature, spans, self.rep.source)
    }
}
