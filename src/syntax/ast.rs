//! The syntax tree: a faithful, printable record of what was written.
//!
//! Expressions live in an arena ([`Ast::exprs`]) and refer to their operands
//! by [`ExprId`]. The parser creates operands before the expression that
//! uses them, so every id points backwards: a forward loop over the arena is
//! a post-order traversal, and no pass over the tree needs recursion (a
//! 100,000-term sum cannot overflow the stack, and dropping the tree is a
//! flat `Vec` drop).

use crate::error::Span;

/// Index of an expression in [`Ast::exprs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExprId(pub u32);

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Pos,
    Invert,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    And,
    Or,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl UnaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Pos => "+",
            UnaryOp::Invert => "~",
            UnaryOp::Not => "not",
        }
    }
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::FloorDiv => "//",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "**",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
        }
    }
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// A keyword argument `name=value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Keyword {
    pub name: Ident,
    pub value: ExprId,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An integer literal (Python ints are unbounded; numjet keeps 128 bits).
    Int(i128),
    Float(f64),
    /// An imaginary literal `2.5j`: its coefficient.
    Imag(f64),
    Bool(bool),
    Name(String),
    Unary { op: UnaryOp, operand: ExprId },
    Binary { op: BinaryOp, lhs: ExprId, rhs: ExprId },
    /// `a < b <= c`: the first operand and each (operator, operand) pair.
    Compare { first: ExprId, rest: Vec<(CmpOp, ExprId)> },
    /// `then if cond else otherwise`.
    IfElse { then: ExprId, cond: ExprId, otherwise: ExprId },
    Call { func: Ident, args: Vec<ExprId>, keywords: Vec<Keyword> },
    /// `value.attr` (only `.real` and `.imag` type-check).
    Attr { value: ExprId, attr: Ident },
    /// `(a, b)` or `(a,)`: a shape for the REPL's constructors. The parser
    /// accepts a tuple wherever an atom goes; lowering rejects it (a
    /// program has no tuple values), so only the REPL, which reads
    /// constructor calls from the tree, gives it a meaning.
    Tuple(Vec<ExprId>),
}

impl ExprKind {
    /// The operands, in the order they were written.
    pub fn operands(&self) -> Vec<ExprId> {
        match self {
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Imag(_) | ExprKind::Bool(_) | ExprKind::Name(_) => vec![],
            ExprKind::Unary { operand, .. } => vec![*operand],
            ExprKind::Binary { lhs, rhs, .. } => vec![*lhs, *rhs],
            ExprKind::Compare { first, rest } => std::iter::once(*first).chain(rest.iter().map(|(_, x)| *x)).collect(),
            ExprKind::IfElse { then, cond, otherwise } => vec![*then, *cond, *otherwise],
            ExprKind::Call { args, keywords, .. } => args.iter().copied().chain(keywords.iter().map(|k| k.value)).collect(),
            ExprKind::Attr { value, .. } => vec![*value],
            ExprKind::Tuple(elems) => elems.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    /// The expression's text, parentheses included when it was parenthesised.
    pub span: Span,
    /// Written inside parentheses (used for precedence hints).
    pub parenthesized: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `name = value`
    Assign { target: Ident, value: ExprId },
    Expr(ExprId),
}

/// A parsed program: statements over one expression arena.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Ast {
    pub exprs: Vec<Expr>,
    pub stmts: Vec<Stmt>,
}

impl Ast {
    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }

    /// The statement's value expression.
    pub fn stmt_value(stmt: &Stmt) -> ExprId {
        match stmt {
            Stmt::Assign { value, .. } | Stmt::Expr(value) => *value,
        }
    }

    /// The names the program reads before assigning them, each once, in
    /// order of first appearance: what a caller must supply (or what are
    /// the constants `pi`, `e`, `inf`, `nan`). Function names and keyword
    /// names are not among them. A name read in a statement is free unless
    /// an earlier statement assigned it, as in lowering.
    pub fn free_names(&self) -> Vec<&str> {
        let mut assigned = std::collections::HashSet::new();
        let mut seen = std::collections::HashSet::new();
        let mut names = Vec::new();
        let mut next = 0usize;
        for stmt in &self.stmts {
            let root = Ast::stmt_value(stmt).0 as usize;
            // A statement's expressions are the arena slice ending at its root.
            while next <= root && next < self.exprs.len() {
                if let ExprKind::Name(n) = &self.exprs[next].kind
                    && !assigned.contains(n.as_str())
                    && seen.insert(n.as_str())
                {
                    names.push(n.as_str());
                }
                next += 1;
            }
            if let Stmt::Assign { target, .. } = stmt {
                assigned.insert(target.name.as_str());
            }
        }
        names
    }

    /// Prints the program as fully parenthesised S-expressions, one
    /// statement per line: the form the parser tests compare against.
    ///
    /// Works bottom-up over the arena, so it needs no recursion.
    pub fn to_sexpr(&self) -> String {
        let mut text: Vec<String> = Vec::with_capacity(self.exprs.len());
        for e in &self.exprs {
            let t = |id: &ExprId| text[id.0 as usize].clone();
            let s = match &e.kind {
                ExprKind::Int(v) => v.to_string(),
                ExprKind::Float(v) => format!("{v:?}"),
                ExprKind::Imag(v) => format!("{v:?}j"),
                ExprKind::Bool(v) => if *v { "True" } else { "False" }.to_string(),
                ExprKind::Name(n) => n.clone(),
                ExprKind::Unary { op, operand } => format!("({} {})", op.symbol(), t(operand)),
                ExprKind::Binary { op, lhs, rhs } => format!("({} {} {})", op.symbol(), t(lhs), t(rhs)),
                ExprKind::Compare { first, rest } => {
                    let mut s = format!("(cmp {}", t(first));
                    for (op, x) in rest {
                        s += &format!(" {} {}", op.symbol(), t(x));
                    }
                    s + ")"
                }
                ExprKind::IfElse { then, cond, otherwise } => format!("(if {} {} {})", t(cond), t(then), t(otherwise)),
                ExprKind::Call { func, args, keywords } => {
                    let mut s = format!("(call {}", func.name);
                    for a in args {
                        s += &format!(" {}", t(a));
                    }
                    for k in keywords {
                        s += &format!(" {}={}", k.name.name, t(&k.value));
                    }
                    s + ")"
                }
                ExprKind::Attr { value, attr } => format!("(. {} {})", t(value), attr.name),
                ExprKind::Tuple(elems) => {
                    let mut s = "(tuple".to_string();
                    for x in elems {
                        s += &format!(" {}", t(x));
                    }
                    s + ")"
                }
            };
            text.push(s);
        }
        let mut out = String::new();
        for (i, st) in self.stmts.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            match st {
                Stmt::Assign { target, value } => out += &format!("{} = {}", target.name, text[value.0 as usize]),
                Stmt::Expr(v) => out += &text[v.0 as usize],
            }
        }
        out
    }

    /// Prints expression `root` back as program text that parses to the
    /// same tree (parentheses where they were written, one space around
    /// binary operators), with a map from each printed expression and name
    /// to the span it came from, so that an error in the printed text can
    /// point at the original. Iterative, like [`Ast::to_sexpr`].
    ///
    /// The REPL does not need it (statements compile from the tree); it is
    /// the printer of parse → print → parse round trips (tests, fuzzing).
    pub fn print_expr(&self, root: ExprId) -> Printed {
        enum Task<'a> {
            Text(&'a str),
            Owned(String),
            Expr(ExprId),
            /// An identifier, mapped like an expression.
            Ident(&'a Ident),
            /// The end of an expression or identifier started at `.1` in the
            /// printed text.
            End(Span, usize),
        }
        let mut out = Printed { text: String::new(), spans: Vec::new() };
        let mut stack = vec![Task::Expr(root)];
        while let Some(task) = stack.pop() {
            let e = match task {
                Task::Text(t) => {
                    out.text.push_str(t);
                    continue;
                }
                Task::Owned(t) => {
                    out.text.push_str(&t);
                    continue;
                }
                Task::End(orig, start) => {
                    out.spans.push((Span::new(start, out.text.len()), orig));
                    continue;
                }
                Task::Ident(id) => {
                    let start = out.text.len();
                    out.text.push_str(&id.name);
                    out.spans.push((Span::new(start, out.text.len()), id.span));
                    continue;
                }
                Task::Expr(id) => self.expr(id),
            };
            // Pieces in reverse, as they are popped.
            let mut rev: Vec<Task> = vec![Task::End(e.span, out.text.len())];
            if e.parenthesized {
                rev.push(Task::Text(")"));
            }
            match &e.kind {
                ExprKind::Int(v) => rev.push(Task::Owned(v.to_string())),
                // `{:?}` prints the shortest text that reads back as the same
                // float; an infinite literal was written too large.
                ExprKind::Float(v) if v.is_infinite() => rev.push(Task::Text("1e999")),
                ExprKind::Float(v) => rev.push(Task::Owned(format!("{v:?}"))),
                ExprKind::Imag(v) if v.is_infinite() => rev.push(Task::Text("1e999j")),
                ExprKind::Imag(v) => rev.push(Task::Owned(format!("{v:?}j"))),
                ExprKind::Bool(b) => rev.push(Task::Text(if *b { "True" } else { "False" })),
                ExprKind::Name(n) => rev.push(Task::Text(n)),
                ExprKind::Unary { op, operand } => {
                    rev.push(Task::Expr(*operand));
                    rev.push(Task::Text(if *op == UnaryOp::Not { "not " } else { op.symbol() }));
                }
                ExprKind::Binary { op, lhs, rhs } => {
                    rev.extend([Task::Expr(*rhs), Task::Text(" "), Task::Text(op.symbol()), Task::Text(" "), Task::Expr(*lhs)]);
                }
                ExprKind::Compare { first, rest } => {
                    for (op, x) in rest.iter().rev() {
                        rev.extend([Task::Expr(*x), Task::Text(" "), Task::Text(op.symbol()), Task::Text(" ")]);
                    }
                    rev.push(Task::Expr(*first));
                }
                ExprKind::IfElse { then, cond, otherwise } => {
                    rev.extend([Task::Expr(*otherwise), Task::Text(" else "), Task::Expr(*cond), Task::Text(" if "), Task::Expr(*then)]);
                }
                ExprKind::Call { func, args, keywords } => {
                    let mut pieces: Vec<Task> = vec![Task::Ident(func), Task::Text("(")];
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            pieces.push(Task::Text(", "));
                        }
                        pieces.push(Task::Expr(*a));
                    }
                    for (i, k) in keywords.iter().enumerate() {
                        if i > 0 || !args.is_empty() {
                            pieces.push(Task::Text(", "));
                        }
                        pieces.extend([Task::Ident(&k.name), Task::Text("="), Task::Expr(k.value)]);
                    }
                    pieces.push(Task::Text(")"));
                    rev.extend(pieces.into_iter().rev());
                }
                ExprKind::Attr { value, attr } => {
                    rev.push(Task::Ident(attr));
                    // `1 .real`: a digit before `.` would read as a number.
                    let v = self.expr(*value);
                    let number = matches!(v.kind, ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Imag(_)) && !v.parenthesized;
                    rev.push(Task::Text(if number { " ." } else { "." }));
                    rev.push(Task::Expr(*value));
                }
                ExprKind::Tuple(elems) => {
                    rev.push(Task::Text(if elems.len() == 1 { ",)" } else { ")" }));
                    for (i, x) in elems.iter().enumerate().rev() {
                        rev.push(Task::Expr(*x));
                        if i > 0 {
                            rev.push(Task::Text(", "));
                        }
                    }
                    rev.push(Task::Text("("));
                }
            }
            if e.parenthesized {
                rev.push(Task::Text("("));
            }
            stack.extend(rev);
        }
        out
    }
}

/// An expression printed back as program text: see [`Ast::print_expr`].
#[derive(Clone, Debug, PartialEq)]
pub struct Printed {
    pub text: String,
    /// For each printed expression and name: its span in [`Printed::text`]
    /// and the span it was parsed from.
    pub spans: Vec<(Span, Span)>,
}

impl Printed {
    /// The original span of a span of the printed text: each end moves to
    /// where the expression or name that starts (ends) there came from.
    /// `None` when an end is not the edge of any printed expression.
    pub fn original(&self, span: Span) -> Option<Span> {
        let start = self.spans.iter().find(|(p, _)| p.start == span.start)?.1.start;
        let end = self.spans.iter().find(|(p, _)| p.end == span.end)?.1.end;
        Some(Span::new(start, end.max(start)))
    }
}
