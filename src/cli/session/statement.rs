//! Statements: a line is parsed once, then each statement's value is either
//! a constructor call (read from the tree, [`super::construct`]) or one
//! compile of its expression from the tree ([`numjet::Engine::compile_expr`]).

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use numjet::syntax::Ast;
use numjet::syntax::ast::{ExprId, ExprKind, Stmt};
use numjet::{Array, Backend, Error, Input, Kernel, Scalar, Signature};

use super::construct::CONSTRUCTORS;
use super::{Session, Var, data, emit, located, show};

/// A parsed statement text, and the values its line has bound so far, by
/// name, the latest binding of each (with the Python number it is, if it
/// is one): later statements of a line read them, and nothing is bound in
/// the session until the whole line has succeeded.
pub(super) struct Source<'a> {
    pub ast: &'a Ast,
    pub text: &'a str,
    pub line: BTreeMap<String, (Var, Option<Scalar>)>,
}

impl Source<'_> {
    pub fn expr(&self, id: ExprId) -> &numjet::syntax::ast::Expr {
        self.ast.expr(id)
    }

    /// Those of `names` the line bound to Python numbers (`x = 3`):
    /// inside a line such a number stays weak (NEP 50), as if the line were
    /// one program, so `x = 3; y = x + f32` is float32. Across lines a
    /// variable is a 0-d array of its dtype.
    fn numbers<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> Vec<(&'n str, Scalar)> {
        names.into_iter().filter_map(|n| Some((n, self.line.get(n)?.1?))).collect()
    }
}

/// The names an expression reads, in order of first use.
/// (A set of the names seen, so a line of many names stays linear.)
fn names_in(ast: &Ast, root: ExprId) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        let e = ast.expr(id);
        if let ExprKind::Name(n) = &e.kind
            && seen.insert(n.as_str())
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
        src.line.get(name).map(|(v, _)| v).or_else(|| self.vars.get(name))
    }

    pub(super) fn statement(&mut self, text: &str, out: &mut dyn Write) -> Result<(), Error> {
        let ast = numjet::syntax::parse(text)?;
        let mut src = Source { ast: &ast, text, line: BTreeMap::new() };
        // A line that fails changes nothing: no binding, and the random
        // generator as it was (a `random(...)` before the failing
        // statement drew from it).
        let rng = self.rng.clone();
        let shown = self.run_statements(&mut src).inspect_err(|_| self.rng = rng)?;
        for (name, (v, _)) in src.line {
            self.vars.insert(name, v);
        }
        if let Some(shown) = shown {
            emit(out, &show(&shown))?;
        }
        Ok(())
    }

    /// Evaluates every statement of `src` in order, collecting the line's
    /// bindings, and returns the last statement's value if it is an
    /// expression (an assigned value moves into the bindings: each value
    /// of a line is stored once, as the memory limit counted it).
    fn run_statements(&mut self, src: &mut Source) -> Result<Option<Array>, Error> {
        let ast = src.ast;
        if ast.stmts.is_empty() {
            return Err(Error::Input("empty program".into()));
        }
        let mut last = None;
        for st in &ast.stmts {
            let (v, weak) = self.value(src, Ast::stmt_value(st))?;
            last = match st {
                Stmt::Assign { target, .. } => {
                    let number = weak.then(|| v.to_scalar()).flatten();
                    src.line.insert(target.name.clone(), (v.into(), number));
                    None
                }
                _ => Some(v),
            };
        }
        Ok(last)
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
        let mut src = Source { ast: &ast, text, line: BTreeMap::new() };
        if let Some(v) = self.run_statements(&mut src)? {
            return Ok(v);
        }
        // The last statement assigned: its value is the binding.
        let Some(Stmt::Assign { target, .. }) = ast.stmts.last() else { unreachable!("a statement without a value is an assignment") };
        let (v, _) = src.line.remove(&target.name).ok_or_else(|| Error::Input("internal error: an assignment left no binding".into()))?;
        Ok(v.into_array())
    }

    /// Compiles and evaluates one expression of `src`, from the tree.
    fn eval_expr(&self, src: &Source, id: ExprId) -> Result<(Array, bool), Error> {
        self.no_tuples(src, id)?;
        let names = names_in(src.ast, id);
        let numbers = src.numbers(names.iter().copied());
        let is_number = |n: &str| src.line.get(n).is_some_and(|(_, w)| w.is_some());
        let bound: Vec<(&str, &Var)> = names.iter().filter(|n| !is_number(n)).filter_map(|n| Some((*n, self.lookup(src, n)?))).collect();
        let engine = self.engine(self.backend);
        let sig = bound.iter().fold(Signature::new(), |s, (n, a)| s.input(n, &a.input()));
        let kernel = engine.compile_expr(src.ast, id, src.text, &sig, &numbers).map_err(|e| {
            // A typo of a variable the expression does not read: the hint
            // comes from compiling against every variable and number.
            let line = src.line.iter().filter(|(n, _)| !is_number(n)).map(|(n, (a, _))| (n.as_str(), a));
            let session = self.vars.iter().filter(|(n, _)| !src.line.contains_key(*n)).map(|(n, a)| (n.as_str(), a));
            let all = line.chain(session).fold(Signature::new(), |s, (n, a)| s.input(n, &a.input()));
            let numbers = src.numbers(src.line.keys().map(String::as_str));
            improve(e, || engine.compile_expr(src.ast, id, src.text, &all, &numbers))
        })?;
        let inputs: Vec<Input> = bound.iter().map(|(_, a)| a.input()).collect();
        Ok((kernel.eval(&inputs)?, kernel.program().weak_result()))
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
        match engine.compile_ast(&ast, text, &sig) {
            Ok(k) => Ok((k, arrays)),
            Err(e) => {
                let all = self.vars.iter().fold(Signature::new(), |s, (n, a)| s.input(n, &a.input()));
                Err(improve(e, || engine.compile_ast(&ast, text, &all)))
            }
        }
    }

}

/// Better hints for errors: typos of variables the program does not read
/// (`retry` compiles it against every variable), and constructors used
/// inside an expression.
fn improve(err: Error, retry: impl FnOnce() -> Result<Kernel, Error>) -> Error {
    match err {
        Error::UnknownName(_) => match retry() {
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
