//! A hand-written Pratt parser with Python's precedence.
//!
//! Binding powers, lowest first (each level's doc names the grammar rule in
//! `grammar/numjet.ebnf` it implements):
//!
//! | bp | operators                       | associativity        |
//! |----|---------------------------------|----------------------|
//! | 1  | `x if c else y`                 | right                |
//! | 2  | `or`                            | left                 |
//! | 3  | `and`                           | left                 |
//! | 4  | `not` (prefix)                  |                      |
//! | 5  | `< <= > >= == !=`               | chained, Python-style|
//! | 6  | `\|`                            | left                 |
//! | 7  | `^`                             | left                 |
//! | 8  | `&`                             | left                 |
//! | 9  | `<< >>`                         | left                 |
//! | 10 | `+ -`                           | left                 |
//! | 11 | `* / // %`                      | left                 |
//! | 12 | `- + ~` (prefix)                |                      |
//! | 13 | `**`                            | right; its right operand may be unary |
//!
//! Input safety: the parser recurses only into nested constructs
//! (parentheses, prefix operators, `**`, call arguments), and counts that
//! nesting against [`MAX_NESTING`]. Long flat chains (`a+a+...+a`) loop
//! instead of recursing, and the tree is an arena (see [`super::ast`]).

use super::ast::*;
use super::token::{Tok, Token, tokenize};
use crate::error::{Error, Reporter, Span};

/// Deepest nesting of parentheses, prefix operators, `**` and calls.
pub const MAX_NESTING: usize = 100;
/// Longest program text accepted, in bytes.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;

/// Parses a program: statements separated by newlines or `;`.
pub fn parse(src: &str) -> Result<Ast, Error> {
    let rep = Reporter::new(src);
    if src.len() > MAX_SOURCE_BYTES {
        return Err(Error::Limit(rep.at(
            Span::new(0, 0),
            format!("program is {} bytes long; the limit is {MAX_SOURCE_BYTES}", src.len()),
        )));
    }
    let mut p = Parser { toks: drop_bracketed_newlines(tokenize(src)), pos: 0, ast: Ast::default(), depth: 0, src, rep };
    p.program()?;
    Ok(p.ast)
}

/// Line breaks inside brackets continue the line, as in Python.
fn drop_bracketed_newlines(toks: Vec<Token>) -> Vec<Token> {
    let mut depth = 0usize;
    toks.into_iter()
        .filter(|t| {
            match t.tok {
                Tok::LParen => depth += 1,
                Tok::RParen => depth = depth.saturating_sub(1),
                Tok::Newline => return depth == 0,
                _ => {}
            }
            true
        })
        .collect()
}

struct Parser<'s> {
    toks: Vec<Token>,
    pos: usize,
    ast: Ast,
    depth: usize,
    src: &'s str,
    rep: Reporter,
}

type PResult<T> = Result<T, Error>;

impl<'s> Parser<'s> {
    fn peek(&self) -> Token {
        self.toks[self.pos]
    }

    fn peek_at(&self, n: usize) -> Tok {
        self.toks.get(self.pos + n).map_or(Tok::Eof, |t| t.tok)
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.pos];
        if t.tok != Tok::Eof {
            self.pos += 1;
        }
        t
    }

    fn text(&self, span: Span) -> &'s str {
        &self.src[span.range()]
    }

    fn syntax(&self, span: Span, msg: impl Into<String>) -> Error {
        Error::Syntax(self.rep.at(span, msg))
    }

    fn found(&self, t: Token) -> String {
        match t.tok {
            Tok::Eof | Tok::Newline => t.tok.describe().to_string(),
            _ => format!("`{}`", self.text(t.span)),
        }
    }

    fn expect(&mut self, tok: Tok, context: &str) -> PResult<Token> {
        let t = self.peek();
        if t.tok == tok {
            Ok(self.bump())
        } else {
            Err(self.syntax(t.span, format!("expected {} {context}, found {}", tok.describe(), self.found(t))))
        }
    }

    fn push(&mut self, kind: ExprKind, span: Span) -> ExprId {
        let id = ExprId(self.ast.exprs.len() as u32);
        self.ast.exprs.push(Expr { kind, span, parenthesized: false });
        id
    }

    fn span_of(&self, id: ExprId) -> Span {
        self.ast.expr(id).span
    }

    /// `program := sep* stmt (sep+ stmt)* sep*`, `sep := NEWLINE | ";"`
    fn program(&mut self) -> PResult<()> {
        loop {
            while matches!(self.peek().tok, Tok::Newline | Tok::Semi) {
                self.bump();
            }
            if self.peek().tok == Tok::Eof {
                break;
            }
            self.statement()?;
            let t = self.peek();
            match t.tok {
                Tok::Newline | Tok::Semi | Tok::Eof => {}
                Tok::Assign => {
                    let chained = matches!(self.ast.stmts.last(), Some(Stmt::Assign { .. }))
                        && matches!(self.ast.exprs.last().map(|e| &e.kind), Some(ExprKind::Name(_)))
                        && !self.ast.exprs.last().is_some_and(|e| e.parenthesized);
                    let msg = if chained { "chained assignment is not supported" } else { "can only assign to a name" };
                    return Err(self.syntax(t.span, msg));
                }
                Tok::Comma => return Err(self.syntax(t.span, "tuples are not supported")),
                Tok::RParen => return Err(self.syntax(t.span, "unmatched `)`")),
                _ => {
                    return Err(self.syntax(t.span, format!("expected an operator or the end of the statement, found {}", self.found(t))));
                }
            }
        }
        if self.ast.stmts.is_empty() {
            return Err(self.syntax(self.peek().span, "empty program: expected an expression"));
        }
        Ok(())
    }

    /// `stmt := NAME "=" expr | expr`
    fn statement(&mut self) -> PResult<()> {
        if self.peek().tok == Tok::Name && self.peek_at(1) == Tok::Assign {
            let name = self.bump();
            self.bump();
            let value = self.expr_bp(0)?;
            let target = Ident { name: self.text(name.span).to_string(), span: name.span };
            self.ast.stmts.push(Stmt::Assign { target, value });
        } else {
            let e = self.expr_bp(0)?;
            self.ast.stmts.push(Stmt::Expr(e));
        }
        Ok(())
    }

    /// Parses an expression whose operators all bind tighter than `min_bp`.
    fn expr_bp(&mut self, min_bp: u8) -> PResult<ExprId> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            let t = self.peek();
            return Err(Error::Limit(self.rep.at(t.span, format!("expression is nested too deeply (the limit is {MAX_NESTING} levels)"))));
        }
        let r = self.expr_bp_inner(min_bp);
        self.depth -= 1;
        r
    }

    fn expr_bp_inner(&mut self, min_bp: u8) -> PResult<ExprId> {
        let mut lhs = self.prefix(min_bp)?;
        loop {
            let t = self.peek();
            // `x if c else y`
            if t.tok == Tok::If {
                if min_bp >= 1 {
                    break;
                }
                self.bump();
                let cond = self.expr_bp(1)?;
                self.expect(Tok::Else, "after the condition of `x if c else y`")?;
                let otherwise = self.expr_bp(0)?;
                let span = self.span_of(lhs).to(self.span_of(otherwise));
                lhs = self.push(ExprKind::IfElse { then: lhs, cond, otherwise }, span);
                continue;
            }
            if let Some(first_op) = cmp_op(t.tok) {
                if min_bp >= 5 {
                    break;
                }
                let _ = first_op;
                let mut rest = Vec::new();
                while let Some(op) = cmp_op(self.peek().tok) {
                    self.bump();
                    rest.push((op, self.expr_bp(5)?));
                }
                let span = self.span_of(lhs).to(self.span_of(rest.last().expect("one comparison").1));
                lhs = self.push(ExprKind::Compare { first: lhs, rest }, span);
                continue;
            }
            let Some((op, lbp)) = binary_op(t.tok) else { break };
            if lbp <= min_bp {
                break;
            }
            self.bump();
            // `**` is right-associative and its right operand may be unary.
            let rbp = if op == BinaryOp::Pow { 12 } else { lbp };
            let rhs = self.expr_bp(rbp)?;
            let span = self.span_of(lhs).to(self.span_of(rhs));
            lhs = self.push(ExprKind::Binary { op, lhs, rhs }, span);
        }
        Ok(lhs)
    }

    /// Prefix operators, then an atom with its postfix attributes.
    fn prefix(&mut self, min_bp: u8) -> PResult<ExprId> {
        let t = self.peek();
        let (op, bp) = match t.tok {
            Tok::Not => (UnaryOp::Not, 4),
            Tok::Minus => (UnaryOp::Neg, 12),
            Tok::Plus => (UnaryOp::Pos, 12),
            Tok::Tilde => (UnaryOp::Invert, 12),
            _ => return self.postfix(),
        };
        // `not` may start any operand at its own level or below (`not not a`).
        if op == UnaryOp::Not && min_bp > 4 {
            return Err(self.syntax(t.span, "`not` cannot appear here without parentheses"));
        }
        self.bump();
        let operand = self.expr_bp(bp)?;
        let span = t.span.to(self.span_of(operand));
        Ok(self.push(ExprKind::Unary { op, operand }, span))
    }

    /// `postfix := atom ("." NAME)*`
    fn postfix(&mut self) -> PResult<ExprId> {
        let mut e = self.atom()?;
        loop {
            match self.peek().tok {
                Tok::Dot => {
                    self.bump();
                    let t = self.peek();
                    if t.tok != Tok::Name {
                        return Err(self.syntax(t.span, format!("expected an attribute name after `.`, found {}", self.found(t))));
                    }
                    self.bump();
                    let attr = Ident { name: self.text(t.span).to_string(), span: t.span };
                    let span = self.span_of(e).to(t.span);
                    e = self.push(ExprKind::Attr { value: e, attr }, span);
                }
                Tok::LParen => {
                    let t = self.peek();
                    return Err(self.syntax(t.span, "only functions can be called, by name: `sin(x)`"));
                }
                _ => return Ok(e),
            }
        }
    }

    /// `atom := INT | FLOAT | IMAG | True | False | NAME | call | "(" expr ")" | tuple`
    fn atom(&mut self) -> PResult<ExprId> {
        let t = self.bump();
        let kind = match t.tok {
            Tok::Int => ExprKind::Int(self.int_literal(t.span)?),
            Tok::Float => {
                let text = self.text(t.span).replace('_', "");
                let v: f64 = text.parse().map_err(|_| Error::Literal(self.rep.at(t.span, "invalid float literal")))?;
                ExprKind::Float(v)
            }
            Tok::Imag => {
                let text = self.text(t.span).replace('_', "");
                let digits = &text[..text.len() - 1];
                let v: f64 = digits.parse().map_err(|_| Error::Literal(self.rep.at(t.span, "invalid imaginary literal")))?;
                ExprKind::Imag(v)
            }
            Tok::True => ExprKind::Bool(true),
            Tok::False => ExprKind::Bool(false),
            Tok::Name if self.peek().tok == Tok::LParen => return self.call(t),
            Tok::Name => ExprKind::Name(self.text(t.span).to_string()),
            Tok::LParen => {
                let inner = self.expr_bp(0)?;
                let close = self.peek();
                match close.tok {
                    Tok::RParen => {}
                    Tok::Comma => return self.tuple(t, inner),
                    _ => return Err(self.unclosed(t, close)),
                }
                self.bump();
                let e = &mut self.ast.exprs[inner.0 as usize];
                e.span = t.span.to(close.span);
                e.parenthesized = true;
                return Ok(inner);
            }
            Tok::BadNumber => return Err(Error::Literal(self.rep.at(t.span, format!("invalid number literal `{}`", self.text(t.span))))),
            Tok::Error => return Err(self.syntax(t.span, format!("unexpected character `{}`", self.text(t.span)))),
            _ => return Err(self.syntax(t.span, format!("expected an expression, found {}", self.found(t)))),
        };
        Ok(self.push(kind, t.span))
    }

    fn unclosed(&self, open: Token, found: Token) -> Error {
        self.syntax(found.span, format!("expected `)` to close the `(` at byte {}, found {}", open.span.start, self.found(found)))
    }

    /// `tuple := "(" expr "," [expr ("," expr)* [","]] ")"`, after its first
    /// element (the next token is the comma).
    fn tuple(&mut self, open: Token, first: ExprId) -> PResult<ExprId> {
        let mut elems = vec![first];
        let close = loop {
            self.bump(); // ,
            if self.peek().tok == Tok::RParen {
                break self.bump();
            }
            elems.push(self.expr_bp(0)?);
            let t = self.peek();
            match t.tok {
                Tok::Comma => {}
                Tok::RParen => break self.bump(),
                _ => return Err(self.unclosed(open, t)),
            }
        };
        Ok(self.push(ExprKind::Tuple(elems), open.span.to(close.span)))
    }

    fn int_literal(&self, span: Span) -> PResult<i128> {
        let text = self.text(span).replace('_', "");
        if text.len() > 1 && text.starts_with('0') && text.bytes().any(|b| b != b'0') {
            return Err(Error::Literal(self.rep.hinted(
                span,
                "leading zeros in integer literals are not allowed",
                "write the number without leading zeros",
            )));
        }
        text.parse::<i128>()
            .map_err(|_| Error::Literal(self.rep.at(span, "integer literal is too large (numjet integers have at most 127 bits)")))
    }

    /// `call := NAME "(" [arg ("," arg)* [","]] ")"`, `arg := expr | NAME "=" expr`
    fn call(&mut self, name: Token) -> PResult<ExprId> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Error::Limit(self.rep.at(name.span, format!("expression is nested too deeply (the limit is {MAX_NESTING} levels)"))));
        }
        let func = Ident { name: self.text(name.span).to_string(), span: name.span };
        self.bump(); // (
        let mut args = Vec::new();
        let mut keywords: Vec<Keyword> = Vec::new();
        let close = loop {
            if self.peek().tok == Tok::RParen {
                break self.bump();
            }
            if self.peek().tok == Tok::Name && self.peek_at(1) == Tok::Assign {
                let k = self.bump();
                self.bump();
                let kname = Ident { name: self.text(k.span).to_string(), span: k.span };
                if keywords.iter().any(|x| x.name.name == kname.name) {
                    return Err(Error::Keyword(self.rep.at(k.span, format!("keyword argument `{}` given twice", kname.name))));
                }
                let value = self.expr_bp(0)?;
                keywords.push(Keyword { name: kname, value });
            } else {
                let start = self.peek().span;
                let a = self.expr_bp(0)?;
                if !keywords.is_empty() {
                    return Err(self.syntax(start.to(self.span_of(a)), "positional argument follows keyword argument"));
                }
                args.push(a);
            }
            let t = self.peek();
            match t.tok {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RParen => {}
                _ => {
                    return Err(self.syntax(t.span, format!("expected `,` or `)` in the arguments of `{}`, found {}", func.name, self.found(t))));
                }
            }
        };
        self.depth -= 1;
        let span = name.span.to(close.span);
        Ok(self.push(ExprKind::Call { func, args, keywords }, span))
    }
}

fn cmp_op(t: Tok) -> Option<CmpOp> {
    Some(match t {
        Tok::EqEq => CmpOp::Eq,
        Tok::NotEq => CmpOp::Ne,
        Tok::Lt => CmpOp::Lt,
        Tok::Le => CmpOp::Le,
        Tok::Gt => CmpOp::Gt,
        Tok::Ge => CmpOp::Ge,
        _ => return None,
    })
}

/// Infix operators other than comparisons and `if`, with their left binding power.
fn binary_op(t: Tok) -> Option<(BinaryOp, u8)> {
    Some(match t {
        Tok::Or => (BinaryOp::Or, 2),
        Tok::And => (BinaryOp::And, 3),
        Tok::Pipe => (BinaryOp::BitOr, 6),
        Tok::Caret => (BinaryOp::BitXor, 7),
        Tok::Amp => (BinaryOp::BitAnd, 8),
        Tok::Shl => (BinaryOp::Shl, 9),
        Tok::Shr => (BinaryOp::Shr, 9),
        Tok::Plus => (BinaryOp::Add, 10),
        Tok::Minus => (BinaryOp::Sub, 10),
        Tok::Star => (BinaryOp::Mul, 11),
        Tok::Slash => (BinaryOp::Div, 11),
        Tok::SlashSlash => (BinaryOp::FloorDiv, 11),
        Tok::Percent => (BinaryOp::Mod, 11),
        Tok::StarStar => (BinaryOp::Pow, 13),
        _ => return None,
    })
}
