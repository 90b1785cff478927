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
}
