//! Statements: a line is parsed once, then each statement's value is either
//! a constructor call (read from the tree, [`super::construct`]) or one
//! compile of its expression, printed back from the tree.

use std::io::Write;
use std::sync::Arc;

use numjet::syntax::Ast;
use numjet::syntax::ast::{ExprId, ExprKind, Stmt};
use numjet::{Array, Backend, Engine, Error, Input, Kernel, Scalar, Signature};

use super::construct::CONSTRUCTORS;
use super::{Session, Var, data, emit, located, show};

/// A parsed statement text, and the values its line has bound so far:
/// later statements of a line read them, and nothing is bound in the
/// session until the whole line has succeeded.
pub(super) struct Source<'a> {
    pub ast: &'a Ast,
    pub text: &'a str,
    pub line: Vec<(String, Var, Option<String>)>,
}

impl Source<'_> {
    pub fn expr(&self, id: ExprId) -> &numjet::syntax::ast::Expr {
        self.ast.expr(id)
    }

    /// The literal a later statement of the line reads for `name`, when
    /// the line bound it to a Python number (`x = 3`): inside a line that
    /// number stays weak (NEP 50), as if the line were one program, so
    /// `x = 3; y = x + f32` is float32. Across lines a variable is a 0-d
    /// array of its dtype.
    fn weak_literal(&self, name: &str) -> Option<String> {
        self.line.iter().rev().find(|(n, ..)| n == name).and_then(|(.., w)| w.clone())
    }
}

/// Program text for a weak result's value that reads back as the same
/// Python number, or `None` (the value is then bound as a 0-d array):
/// `nan` only when no variable shadows the constant and the value is the
/// constant's bits.
fn weak_text(v: Scalar, shadowed: impl Fn(&str) -> bool) -> Option<String> {
    let paren = |t: String| if t.starts_with('-') { format!("({t})") } else { t };
    Some(match v {
        Scalar::Bool(b) => (if b { "True" } else { "False" }).to_string(),
        Scalar::Int64(i) => paren(i.to_string()),
        Scalar::Float64(f) if f.is_nan() => (f.to_bits() == f64::NAN.to_bits() && !shadowed("nan")).then(|| "nan".to_string())?,
        Scalar::Float64(f) if f.is_infinite() => paren(if f > 0.0 { "1e999" } else { "-1e999" }.to_string()),
        Scalar::Float64(f) => paren(format!("{f:?}")),
        _ => return None,
    })
}

/// The names an expression reads, in order of first use.
fn names_in(ast: &Ast, root: ExprId) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        let e = ast.expr(id);
        if let ExprKind::Name(n) = &e.kind
            && !names.contains(&n.as_str())
        {
            names.push(n);
        }
        stack.extend(e.kind.operands().into_iter().rev());
    }
    names
}

impl Session {
    /// A variable as a statement of `src` sees it: the line's own bindings
    /// first, then the session's.
    fn lookup<'s>(&'s self, src: &'s Source, name: &str) -> Option<&'s Var> {
        src.line.iter().rev().find(|(n, ..)| n == name).map(|(_, v, _)| v).or_else(|| self.vars.get(name))
    }

    pub(super) fn statement(&mut self, text: &str, out: &mut dyn Write) -> Result<(), Error> {
        let ast = numjet::syntax::parse(text)?;
        let mut src = Source { ast: &ast, text, line: Vec::new() };
        let shown = self.run_statements(&mut src)?;
        let show_last = matches!(ast.stmts.last(), Some(Stmt::Expr(_)));
        for (name, v, _) in src.line {
            self.vars.insert(name, v);
        }
        if show_last {
            emit(out, &show(&shown))?;
        }
        Ok(())
    }

    /// Evaluates every statement of `src` in order, collecting the line's
    /// bindings, and returns the last statement's value.
    fn run_statements(&mut self, src: &mut Source) -> Result<Array, Error> {
        let ast = src.ast;
        let mut last = None;
        for st in &ast.stmts {
            let (v, weak) = self.value(src, Ast::stmt_value(st))?;
            if let Stmt::Assign { target, .. } = st {
                let literal = weak.then(|| v.to_scalar()).flatten().and_then(|s| weak_text(s, |n| self.lookup(src, n).is_some()));
                src.line.push((target.name.clone(), v.clone().into(), literal));
            }
            last = Some(v);
        }
        last.ok_or_else(|| Error::Input("empty program".into()))
    }

    /// The value of an expression of `src` (a constructor call, or any
    /// expression over the variables), and whether it is a Python number.
    pub(super) fn value(&mut self, src: &Source, id: ExprId) -> Result<(Array, bool), Error> {
        match &src.expr(id).kind {
            ExprKind::Call { func, .. } if CONSTRUCTORS.contains(&func.name.as_str()) => Ok((self.construct(src, id)?, false)),
            _ => self.eval_expr(src, id),
        }
    }

    /// The value of a statement without binding anything (for `:save`).
    pub(super) fn value_of(&mut self, text: &str) -> Result<Array, Error> {
        let ast = numjet::syntax::parse(text)?;
        self.run_statements(&mut Source { ast: &ast, text, line: Vec::new() })
    }

    /// Compiles and evaluates one expression of `src`. It is printed back
    /// from the tree for the engine, and errors are moved from the printed
    /// text to the statement's, so their carets land where the user wrote.
    fn eval_expr(&self, src: &Source, id: ExprId) -> Result<(Array, bool), Error> {
        self.no_tuples(src, id)?;
        let printed = src.ast.print_expr_with(id, &|n| src.weak_literal(n));
        let mut names = names_in(src.ast, id);
        names.retain(|n| src.weak_literal(n).is_none());
        let at_source = |mut e: Error| {
            if let Some(l) = e.located_mut() {
                l.span = printed.original(l.span).unwrap_or(src.expr(id).span);
                l.source = Arc::from(src.text);
            }
            e
        };
        let bound: Vec<(&str, &Var)> = names.iter().filter_map(|n| Some((*n, self.lookup(src, n)?))).collect();
        let engine = self.engine(self.backend);
        let sig = bound.iter().fold(Signature::new(), |s, (n, a)| s.input(n, &a.input()));
        let kernel = engine.compile(&printed.text, &sig).map_err(|e| {
            // A typo of a variable the expression does not read: the hint
            // comes from compiling against every variable.
            let all = src.line.iter().map(|(n, a, _)| (n.as_str(), a)).chain(self.vars.iter().map(|(n, a)| (n.as_str(), a)));
            let all = all.fold(Signature::new(), |s, (n, a)| if s.position(n).is_some() { s } else { s.input(n, &a.input()) });
            at_source(self.improve(&printed.text, e, engine, &all))
        })?;
        let inputs: Vec<Input> = bound.iter().map(|(_, a)| a.input()).collect();
        Ok((kernel.eval(&inputs).map_err(at_source)?, kernel.program().weak_result()))
    }

    /// A tuple is only a constructor's shape argument.
    pub(super) fn no_tuples(&self, src: &Source, id: ExprId) -> Result<(), Error> {
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            let e = src.expr(id);
            if let ExprKind::Tuple(_) = e.kind {
                return Err(Error::Syntax(located(
                    src.text,
                    e.span,
                    "tuples are not supported",
                    Some("a shape tuple is only an argument of zeros, ones, random, normal or reshape, as a whole statement".into()),
                )));
            }
            stack.extend(e.kind.operands());
        }
        Ok(())
    }

    /// Compiles a whole program (a `:` command's argument) against the
    /// variables it reads.
    pub(super) fn compile(&self, text: &str) -> Result<(Kernel, Vec<&Var>), Error> {
        self.compile_with(text, self.backend)
    }

    pub(super) fn compile_with(&self, text: &str, backend: Backend) -> Result<(Kernel, Vec<&Var>), Error> {
        let ast = numjet::syntax::parse(text)?;
        let mut sig = Signature::new();
        let mut arrays = Vec::new();
        for name in data::free_names(&ast) {
            if let Some(a) = self.vars.get(&name) {
                sig = sig.input(&name, &a.input());
                arrays.push(a);
            }
        }
        let engine = self.engine(backend);
        match engine.compile(text, &sig) {
            Ok(k) => Ok((k, arrays)),
            Err(e) => {
                let all = self.vars.iter().fold(Signature::new(), |s, (n, a)| s.input(n, &a.input()));
                Err(self.improve(text, e, engine, &all))
            }
        }
    }

    /// Better hints for errors: typos of variables the program does not
    /// read (`all` is every variable), and constructors used inside an
    /// expression.
    fn improve(&self, text: &str, err: Error, engine: &Engine, all: &Signature) -> Error {
        match err {
            Error::UnknownName(_) => match engine.compile(text, all) {
                Err(e @ Error::UnknownName(_)) => e,
                _ => err,
            },
            Error::UnknownFunction(mut l) => {
                let name = l.source.get(l.span.range()).unwrap_or("").to_string();
                if CONSTRUCTORS.contains(&name.as_str()) {
                    l.hint = Some(format!(
                        "`{name}(...)` makes an array only as a whole statement: bind it first (`x = {name}(...)`), then use `x`"
                    ));
                }
                Error::UnknownFunction(l)
            }
            e => e,
        }
    }
}
