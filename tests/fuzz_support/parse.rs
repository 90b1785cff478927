//! `parse`: any bytes. A parse error has a span inside the text (on
//! character boundaries) and renders; a parsed program prints back, each
//! statement's expression, as text that parses to the same tree, whose
//! span map leads back to the original, and that prints the same again.

use numjet::Span;
use numjet::syntax::ast::{Ast, Stmt};
use numjet::syntax::parse;

pub fn check(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let ast = match parse(src) {
        Ok(ast) => ast,
        Err(e) => {
            let span = e.span().unwrap_or_else(|| panic!("{src:?}: a parse error without a span: {e:?}"));
            assert!(span.start <= span.end && span.end <= src.len(), "{src:?}: error span {span:?} outside 0..{}", src.len());
            assert!(src.is_char_boundary(span.start) && src.is_char_boundary(span.end), "{src:?}: error span {span:?} splits a character");
            let _ = e.to_string();
            return;
        }
    };
    for st in &ast.stmts {
        let root = Ast::stmt_value(st);
        let printed = ast.print_expr(root);
        let again = parse(&printed.text).unwrap_or_else(|e| panic!("{src:?} printed as {:?}, which does not parse: {e}", printed.text));
        let one = Ast { exprs: ast.exprs.clone(), stmts: vec![Stmt::Expr(root)] };
        assert_eq!(again.to_sexpr(), one.to_sexpr(), "{src:?} printed as {:?}", printed.text);
        let whole = Span::new(0, printed.text.len());
        assert_eq!(printed.original(whole), Some(ast.expr(root).span), "{src:?} printed as {:?}: span map", printed.text);
        // Printing is a fixed point: the reparsed tree prints the same text.
        let [st2] = &again.stmts[..] else { panic!("{src:?} printed as {:?}: not one statement", printed.text) };
        assert_eq!(again.print_expr(Ast::stmt_value(st2)).text, printed.text, "{src:?}: printing is not stable");
    }
}
