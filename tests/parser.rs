//! Parser tests: S-expression snapshots, rendered error snapshots,
//! structural checks of the tree, and input safety (deep nesting, huge
//! inputs, fuzzing).
//!
//! Every snapshot was checked against Python's own parser (`ast.parse`),
//! which numjet's grammar follows (see `grammar/numjet.ebnf`).

use numjet::{Error, Span};
use numjet::syntax::ast::{Ast, ExprKind, Stmt};
use numjet::syntax::{MAX_NESTING, MAX_SOURCE_BYTES, parse};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Parses `src` and checks the structure of the tree on the way.
fn sexpr(src: &str) -> Result<String, String> {
    match parse(src) {
        Ok(ast) => {
            check_structure(src, &ast);
            Ok(ast.to_sexpr())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Checks a table of `(input, expected S-expression)`, reporting every
/// mismatch at once.
fn check_sexprs(table: &[(&str, &str)]) {
    let mut bad = Vec::new();
    for (src, want) in table {
        match sexpr(src) {
            Ok(got) if got == *want => {}
            Ok(got) => bad.push(format!("{src:?}\n   expected {want:?}\n   got      {got:?}")),
            Err(e) => bad.push(format!("{src:?}\n   expected {want:?}\n   got an error:\n{e}")),
        }
    }
    assert!(bad.is_empty(), "{} of {} snapshot(s) differ:\n\n{}", bad.len(), table.len(), bad.join("\n\n"));
}

/// Checks a table of `(input, expected rendered error)`.
fn check_errors(table: &[(&str, &str)]) {
    let mut bad = Vec::new();
    for (src, want) in table {
        match parse(src) {
            Ok(ast) => bad.push(format!("{src:?} parsed as {:?}, expected:\n{want}", ast.to_sexpr())),
            Err(e) => {
                let got = e.to_string();
                if got != *want {
                    bad.push(format!("{src:?}\n--- expected:\n{want}\n--- got:\n{got}"));
                }
                check_error_span(src, &e);
            }
        }
    }
    assert!(bad.is_empty(), "{} of {} error snapshot(s) differ:\n\n{}", bad.len(), table.len(), bad.join("\n\n"));
}

fn check_error_span(src: &str, e: &Error) {
    let span = e.span().unwrap_or_else(|| panic!("{src:?}: a parse error without a span: {e:?}"));
    assert!(span.start <= span.end && span.end <= src.len(), "{src:?}: error span {span:?} outside 0..{}", src.len());
}

/// Structural invariants of a parsed program:
/// - every span lies inside the source;
/// - operands come before their parent in the arena, and their spans nest
///   inside the parent's span, in source order;
/// - every expression has exactly one parent, or is the root of exactly one
///   statement (the arena is a forest);
/// - spans cover what they claim: names and literals their text,
///   parenthesised expressions their parentheses.
fn check_structure(src: &str, ast: &Ast) {
    let n = ast.exprs.len();
    let mut parents = vec![0usize; n];
    for (i, e) in ast.exprs.iter().enumerate() {
        let s = e.span;
        assert!(s.start <= s.end && s.end <= src.len(), "{src:?}: span {s:?} of expr {i} outside the source");
        assert!(src.is_char_boundary(s.start) && src.is_char_boundary(s.end), "{src:?}: span {s:?} splits a character");
        let text = &src[s.range()];
        if e.parenthesized {
            assert!(text.starts_with('(') && text.ends_with(')'), "{src:?}: parenthesised expr {i} has span text {text:?}");
        } else {
            match &e.kind {
                ExprKind::Name(name) => assert_eq!(text, name, "{src:?}: span of name"),
                ExprKind::Bool(b) => assert_eq!(text, if *b { "True" } else { "False" }, "{src:?}: span of bool"),
                ExprKind::Int(v) => assert_eq!(text.replace('_', "").parse::<i128>().ok(), Some(*v), "{src:?}: span of int"),
                ExprKind::Float(v) => {
                    let parsed: f64 = text.replace('_', "").parse().expect("float span text");
                    assert_eq!(parsed.to_bits(), v.to_bits(), "{src:?}: span of float");
                }
                ExprKind::Call { func, .. } => {
                    assert!(text.starts_with(func.name.as_str()) && text.ends_with(')'), "{src:?}: call span text {text:?}");
                    assert_eq!(&src[func.span.range()], func.name);
                }
                ExprKind::Attr { attr, .. } => {
                    assert!(text.ends_with(attr.name.as_str()), "{src:?}: attribute span text {text:?}");
                    assert_eq!(&src[attr.span.range()], attr.name);
                }
                _ => {}
            }
        }
        let mut prev_end = s.start;
        for c in e.kind.operands() {
            assert!((c.0 as usize) < i, "{src:?}: expr {i} has operand {} that is not before it", c.0);
            parents[c.0 as usize] += 1;
            let cs = ast.expr(c).span;
            assert!(s.start <= cs.start && cs.end <= s.end, "{src:?}: operand span {cs:?} not inside parent span {s:?}");
            // `x if c else y` is written then-cond-else, and `operands` lists
            // the operands in that order, so operands never overlap.
            assert!(cs.start >= prev_end, "{src:?}: operands of expr {i} overlap or are out of order");
            prev_end = cs.end;
        }
    }
    let mut last_root: Option<u32> = None;
    for st in &ast.stmts {
        let root = Ast::stmt_value(st);
        assert!((root.0 as usize) < n);
        parents[root.0 as usize] += 1;
        assert!(last_root.is_none_or(|r| r < root.0), "{src:?}: statement roots out of order");
        last_root = Some(root.0);
        if let Stmt::Assign { target, value } = st {
            assert_eq!(&src[target.span.range()], target.name, "{src:?}: span of assignment target");
            assert!(target.span.end <= ast.expr(*value).span.start, "{src:?}: target after value");
        }
    }
    for (i, p) in parents.iter().enumerate() {
        assert_eq!(*p, 1, "{src:?}: expr {i} is used {p} times (expected exactly once)");
    }
}

fn is_limit(r: &Result<Ast, Error>) -> bool {
    matches!(r, Err(Error::Limit(_)))
}

fn expect_limit(what: &str, src: &str) {
    let r = parse(src);
    match &r {
        Err(e @ Error::Limit(_)) => {
            check_error_span(src, e);
            assert!(e.message().contains("nested too deeply"), "{what}: {}", e.message());
            // Rendering must not choke on a huge line either.
            assert!(e.to_string().starts_with("error: expression is nested too deeply"));
        }
        Err(e) => panic!("{what}: expected a limit error, got {e:?}"),
        Ok(_) => panic!("{what}: expected a limit error, got a tree"),
    }
}

// ---------------------------------------------------------------------------
// Snapshots: precedence and associativity
// ---------------------------------------------------------------------------

#[test]
fn power_and_unary() {
    check_sexprs(&[
        ("-a**2", "(- (** a 2))"),
        ("a**-2", "(** a (- 2))"),
        ("a**b**c", "(** a (** b c))"),
        ("2 ** 3 ** 2", "(** 2 (** 3 2))"),
        ("(a**b)**c", "(** (** a b) c)"),
        ("a**-b**c", "(** a (- (** b c)))"),
        ("-a**-b", "(- (** a (- b)))"),
        ("2**-1", "(** 2 (- 1))"),
        ("~a**~b", "(~ (** a (~ b)))"),
        ("(-a)**2", "(** (- a) 2)"),
        ("a**b*c", "(* (** a b) c)"),
        ("a*b**c", "(* a (** b c))"),
        ("-a*b", "(* (- a) b)"),
        ("-a + b", "(+ (- a) b)"),
        ("-a", "(- a)"),
        ("+a", "(+ a)"),
        ("~a", "(~ a)"),
        ("--a", "(- (- a))"),
        ("-+~a", "(- (+ (~ a)))"),
        ("a--b", "(- a (- b))"),
        ("a*-b", "(* a (- b))"),
        ("a + -b", "(+ a (- b))"),
        ("a ** + - ~ b", "(** a (+ (- (~ b))))"),
        ("~a & b", "(& (~ a) b)"),
        ("a & ~b", "(& a (~ b))"),
    ]);
}

#[test]
fn arithmetic_and_bitwise() {
    check_sexprs(&[
        ("a + b*2", "(+ a (* b 2))"),
        ("a - b - c", "(- (- a b) c)"),
        ("a - (b - c)", "(- a (- b c))"),
        ("a / b / c", "(/ (/ a b) c)"),
        ("a // b % c * d", "(* (% (// a b) c) d)"),
        ("a + b * c - d / e", "(- (+ a (* b c)) (/ d e))"),
        ("(a + b) * c", "(* (+ a b) c)"),
        ("a * (b + c)", "(* a (+ b c))"),
        ("a//b", "(// a b)"),
        ("a%b", "(% a b)"),
        ("a << b >> c", "(>> (<< a b) c)"),
        ("a << 1 + 2", "(<< a (+ 1 2))"),
        ("a >> b - 1", "(>> a (- b 1))"),
        ("a + 1 << 2", "(<< (+ a 1) 2)"),
        ("a & b | c ^ d", "(| (& a b) (^ c d))"),
        ("a | b & c", "(| a (& b c))"),
        ("a ^ b | c", "(| (^ a b) c)"),
        ("a & b ^ c", "(^ (& a b) c)"),
        ("a | b | c", "(| (| a b) c)"),
        ("a & b << c", "(& a (<< b c))"),
        ("a ^ b & c ^ d", "(^ (^ a (& b c)) d)"),
    ]);
}

#[test]
fn comparisons_and_logic() {
    check_sexprs(&[
        ("a < b", "(cmp a < b)"),
        ("a < b < c", "(cmp a < b < c)"),
        ("a == b != c <= d >= e > f", "(cmp a == b != c <= d >= e > f)"),
        ("a==b", "(cmp a == b)"),
        ("a!=b", "(cmp a != b)"),
        ("a<=b", "(cmp a <= b)"),
        ("a>=b", "(cmp a >= b)"),
        ("a>b", "(cmp a > b)"),
        ("(a < b) < c", "(cmp (cmp a < b) < c)"),
        ("a < (b < c)", "(cmp a < (cmp b < c))"),
        ("a | b < c", "(cmp (| a b) < c)"),
        ("a < b | c", "(cmp a < (| b c))"),
        ("a < -b", "(cmp a < (- b))"),
        ("a + 1 < b * 2 <= c ** 2", "(cmp (+ a 1) < (* b 2) <= (** c 2))"),
        ("not a", "(not a)"),
        ("not a < b", "(not (cmp a < b))"),
        ("not a == b", "(not (cmp a == b))"),
        ("not a < b < c", "(not (cmp a < b < c))"),
        ("not -a", "(not (- a))"),
        ("not (not a)", "(not (not a))"),
        ("a and b", "(and a b)"),
        ("a or b", "(or a b)"),
        ("a and b and c", "(and (and a b) c)"),
        ("a or b or c", "(or (or a b) c)"),
        ("a and b or c", "(or (and a b) c)"),
        ("a or b and c", "(or a (and b c))"),
        ("a or not b and c", "(or a (and (not b) c))"),
        ("not a and b", "(and (not a) b)"),
        ("not a or not b", "(or (not a) (not b))"),
        ("a and not b", "(and a (not b))"),
        ("a < b and b < c", "(and (cmp a < b) (cmp b < c))"),
        ("a < b < c and d", "(and (cmp a < b < c) d)"),
        ("True and not False", "(and True (not False))"),
        // Keywords are whole words only.
        ("android or nota", "(or android nota)"),
        ("True_ and Truex", "(and True_ Truex)"),
    ]);
    check_errors(&[(
        "orb and_ True_",
        "\
error: expected an operator or the end of the statement, found `and_`
  |
1 | orb and_ True_
  |     ^^^^",
    )]);
}

#[test]
fn conditional_expressions() {
    check_sexprs(&[
        ("x if c else y", "(if c x y)"),
        ("x if c else y if d else z", "(if c x (if d y z))"),
        ("(x if c else y) if d else z", "(if d (if c x y) z)"),
        ("x if (c if d else e) else y", "(if (if d c e) x y)"),
        ("a or b if c and d else e", "(if (and c d) (or a b) e)"),
        ("a if b else c or d", "(if b a (or c d))"),
        ("a + b if c else d", "(if c (+ a b) d)"),
        ("a < b if c else d", "(if c (cmp a < b) d)"),
        ("not a if b else c", "(if b (not a) c)"),
        ("x if not c else y", "(if (not c) x y)"),
        ("x if c else not y", "(if c x (not y))"),
        ("x if a or b else y", "(if (or a b) x y)"),
        ("x if a < b < c else y", "(if (cmp a < b < c) x y)"),
        ("-x if c else +y", "(if c (- x) (+ y))"),
        ("a if True else b", "(if True a b)"),
        ("x = a if b else c", "x = (if b a c)"),
        ("(a if b else c) + 1", "(+ (if b a c) 1)"),
    ]);
}

// ---------------------------------------------------------------------------
// Snapshots: calls, attributes, statements, lines, literals
// ---------------------------------------------------------------------------

#[test]
fn calls_and_attributes() {
    check_sexprs(&[
        ("f(x)", "(call f x)"),
        ("f()", "(call f)"),
        ("f(x,)", "(call f x)"),
        ("f(x, y)", "(call f x y)"),
        ("f(x, y=2)", "(call f x y=2)"),
        ("f(x, y=2,)", "(call f x y=2)"),
        ("f(x=1, y=2)", "(call f x=1 y=2)"),
        ("f(k=1)", "(call f k=1)"),
        ("sum(a, axis=0)", "(call sum a axis=0)"),
        ("where(a > 0, a, -a)", "(call where (cmp a > 0) a (- a))"),
        ("f(g(h(x)))", "(call f (call g (call h x)))"),
        ("f(a + b, c * d, k=x if y else z)", "(call f (+ a b) (* c d) k=(if y x z))"),
        ("f(a == b, k=c == d)", "(call f (cmp a == b) k=(cmp c == d))"),
        ("f(not a)", "(call f (not a))"),
        ("f(k=not a)", "(call f k=(not a))"),
        ("f((a))", "(call f a)"),
        ("-f(x)**2", "(- (** (call f x) 2))"),
        ("f (x)", "(call f x)"),
        ("f(x).real", "(. (call f x) real)"),
        ("a.real", "(. a real)"),
        ("a.imag", "(. a imag)"),
        ("a . real", "(. a real)"),
        ("a.real.imag", "(. (. a real) imag)"),
        ("-a.real", "(- (. a real))"),
        ("a.real**2", "(** (. a real) 2)"),
        ("2**a.real", "(** 2 (. a real))"),
        ("(a + b).real", "(. (+ a b) real)"),
        ("a.real + b.imag", "(+ (. a real) (. b imag))"),
        ("1 .real", "(. 1 real)"),
        ("True.real", "(. True real)"),
        ("a.foo", "(. a foo)"),
    ]);
}

#[test]
fn statements() {
    check_sexprs(&[
        ("a", "a"),
        ("x = a + b", "x = (+ a b)"),
        ("x=a", "x = a"),
        ("x = a; y = x * 2; y + 1", "x = a\ny = (* x 2)\n(+ y 1)"),
        ("a\nb", "a\nb"),
        ("a\n\nb\n", "a\nb"),
        ("t = a\nt + 1", "t = a\n(+ t 1)"),
        (";a;", "a"),
        ("a;;b", "a\nb"),
        ("\n\na\n\n", "a"),
        ("a\r\nb\r\n", "a\nb"),
        ("  a\n\tb", "a\nb"),
        ("pi = 3; pi", "pi = 3\npi"),
        ("x = 1\nx = x + 1\nx", "x = 1\nx = (+ x 1)\nx"),
        ("None = 1", "None = 1"),
    ]);
}

#[test]
fn comments_continuations_and_bracketed_newlines() {
    check_sexprs(&[
        ("# comment\na", "a"),
        ("a # comment", "a"),
        ("a #", "a"),
        ("a + b # c\n# d\nc", "(+ a b)\nc"),
        ("a # c \\\nb", "a\nb"),
        ("a + \\\nb", "(+ a b)"),
        ("a + \\\r\nb", "(+ a b)"),
        ("x = \\\n  1 + 2", "x = (+ 1 2)"),
        ("a \\\n\\\n+ b", "(+ a b)"),
        ("(a +\n b)", "(+ a b)"),
        ("(a\n+\nb)", "(+ a b)"),
        ("(a  # comment\n + b)", "(+ a b)"),
        ("f(a,\n  b=2)", "(call f a b=2)"),
        ("f(\na\n)", "(call f a)"),
        ("x = (a +\n\n b)\ny = x", "x = (+ a b)\ny = x"),
        ("f(g(\n1),\n2)\n3", "(call f (call g 1) 2)\n3"),
    ]);
}

#[test]
fn number_literals() {
    check_sexprs(&[
        ("0", "0"),
        ("00", "0"),
        ("0_0", "0"),
        ("1_000", "1000"),
        ("1_000_000 + 2", "(+ 1000000 2)"),
        ("170141183460469231731687303715884105727", "170141183460469231731687303715884105727"),
        ("-170141183460469231731687303715884105727", "(- 170141183460469231731687303715884105727)"),
        ("1.5", "1.5"),
        (".5", "0.5"),
        ("5.", "5.0"),
        ("0.0", "0.0"),
        ("1e-3", "0.001"),
        ("1.e5", "100000.0"),
        ("1E5", "100000.0"),
        ("1e+5", "100000.0"),
        ("1.5e-3", "0.0015"),
        ("1.5E-3", "0.0015"),
        (".5e2", "50.0"),
        ("5.e-1", "0.5"),
        ("1e1_0", "10000000000.0"),
        ("1_0.2_5e1_0", "102500000000.0"),
        ("1e20", "1e20"),
        ("00.5", "0.5"),
        ("007.5", "7.5"),
        ("0e0", "0.0"),
        ("1e999", "inf"),
        ("1e-999", "0.0"),
        ("True", "True"),
        ("False", "False"),
        ("pi * 2", "(* pi 2)"),
        ("e ** x", "(** e x)"),
        ("-inf < a < inf", "(cmp (- inf) < a < inf)"),
        ("nan", "nan"),
        ("1.5+.5", "(+ 1.5 0.5)"),
        ("a+1e-3", "(+ a 0.001)"),
        ("1-1", "(- 1 1)"),
    ]);
}

// ---------------------------------------------------------------------------
// Where the parser must follow Python. These tests fail until the parser is
// fixed (see the report that came with them).
// ---------------------------------------------------------------------------

/// Python: `inversion: 'not' inversion | comparison`.
#[test]
fn python_not_not() {
    check_sexprs(&[
        ("not not a", "(not (not a))"),
        ("not not not a", "(not (not (not a)))"),
        ("not not a < b", "(not (not (cmp a < b)))"),
        ("a and not not b", "(and a (not (not b)))"),
        ("x if not not c else y", "(if (not (not c)) x y)"),
        ("f(not not a, k=not not b)", "(call f (not (not a)) k=(not (not b)))"),
    ]);
}

/// Python tokenizes `1.5.real` as the float `1.5`, then `.real`.
#[test]
fn python_attribute_of_a_float_literal() {
    check_sexprs(&[
        ("1.5.real", "(. 1.5 real)"),
        (".5.imag", "(. 0.5 imag)"),
        ("1e3.real", "(. 1000.0 real)"),
        ("1..real", "(. 1.0 real)"),
        ("1_0.5.real ** 2", "(** (. 10.5 real) 2)"),
    ]);
    // Still malformed, as in Python: the float `1.` runs into `real`, and
    // the float `1.2` into `.3`.
    for src in ["1.real", "1.2.3", "1.5e3x"] {
        assert!(parse(src).is_err(), "{src:?} should not parse");
    }
}

/// Python (like most tools) treats a lone carriage return as a line break;
/// numjet must not silently read `a\r-b` as `a - b`.
#[test]
fn python_lone_carriage_return_is_a_line_break() {
    check_sexprs(&[
        ("a\r-b", "a\n(- b)"),
        ("a\rb", "a\nb"),
        ("x = 1 # one\ry = x", "x = 1\ny = x"),
        ("a + \\\rb", "(+ a b)"),
        ("(a\r+ b)", "(+ a b)"),
    ]);
}

/// Python accepts `a = b = c`; numjet does not, but must not claim that `b`
/// is not a name.
#[test]
fn chained_assignment_error_is_accurate() {
    check_errors(&[(
        "a = b = c",
        "\
error: chained assignment is not supported
  |
1 | a = b = c
  |       ^",
    )]);
}

/// `(a, b)` says "tuples are not supported"; so must `a, b`.
/// A parenthesised tuple is an expression of the grammar (the REPL's
/// shapes); lowering rejects it with the message the parser used to give,
/// the caret now under the whole tuple rather than its first comma.
#[test]
fn tuples_parse_and_lowering_rejects_them() {
    check_sexprs(&[
        ("(a, b)", "(tuple a b)"),
        ("(a,)", "(tuple a)"),
        ("(a, b + 1,)", "(tuple a (+ b 1))"),
        ("((2, 3))", "(tuple 2 3)"),
        ("zeros((2, 3), dtype=int32)", "(call zeros (tuple 2 3) dtype=int32)"),
        ("reshape(f(a, b), (2, -1))", "(call reshape (call f a b) (tuple 2 (- 1)))"),
        ("x = (a,\n b)", "x = (tuple a b)"),
    ]);
    let ast = parse("((a, b))").unwrap();
    assert!(ast.exprs.last().unwrap().parenthesized);
    let sig = numjet::Signature::new().array("a", numjet::DType::Float64).array("b", numjet::DType::Float64);
    for (src, want) in [
        (
            "(a, b)",
            "\
error: tuples are not supported
  |
1 | (a, b)
  | ^^^^^^ a tuple is only a shape, in the REPL: zeros((2, 3)), reshape(x, (2, -1))",
        ),
        (
            "f((a, b))",
            "\
error: tuples are not supported
  |
1 | f((a, b))
  |   ^^^^^^ a tuple is only a shape, in the REPL: zeros((2, 3)), reshape(x, (2, -1))",
        ),
    ] {
        let e = numjet::Engine::default().compile(src, &sig).unwrap_err();
        assert!(matches!(e, Error::Syntax(_)), "{e:?}");
        assert_eq!(e.to_string(), want);
    }
}

/// Printing an expression back gives text that parses to the same tree,
/// with a span map back to the original text.
#[test]
fn print_expr_round_trips() {
    let mut corpus = structural_corpus();
    corpus.extend(
        ["zeros((2, 3),)", "(a,)", "1 .real + 1.5.real + (1).imag", "1e999 + 1e6 + 0.1", "--a - -1", "not not a", "a**-b**2", "f(k=1)"]
            .map(String::from),
    );
    for src in corpus {
        let ast = parse(&src).unwrap();
        for st in &ast.stmts {
            let root = Ast::stmt_value(st);
            let printed = ast.print_expr(root);
            let again = parse(&printed.text).unwrap_or_else(|e| panic!("{src:?} printed as {:?}: {e}", printed.text));
            let one = Ast { exprs: ast.exprs.clone(), stmts: vec![Stmt::Expr(root)] };
            assert_eq!(again.to_sexpr(), one.to_sexpr(), "{src:?} printed as {:?}", printed.text);
            let whole = Span::new(0, printed.text.len());
            assert_eq!(printed.original(whole), Some(ast.expr(root).span), "{src:?}");
        }
    }
}

#[test]
fn unparenthesised_tuple_error_is_accurate() {
    check_errors(&[
        (
            "a, b",
            "\
error: tuples are not supported
  |
1 | a, b
  |  ^",
        ),
        (
            "x = a, b",
            "\
error: tuples are not supported
  |
1 | x = a, b
  |      ^",
        ),
    ]);
}

// ---------------------------------------------------------------------------
// Error snapshots
// ---------------------------------------------------------------------------

const ERRORS: &[(&str, &str)] = &[
    (
        "a +",
        "\
error: expected an expression, found end of input
  |
1 | a +
  |    ^",
    ),
    (
        "a $ b",
        "\
error: expected an operator or the end of the statement, found `$`
  |
1 | a $ b
  |   ^",
    ),
    (
        "$",
        "\
error: unexpected character `$`
  |
1 | $
  | ^",
    ),
    (
        "a + é",
        "\
error: unexpected character `é`
  |
1 | a + é
  |     ^",
    ),
    (
        "x = 1\n  y = a ‰ 2",
        "\
error: expected an operator or the end of the statement, found `‰`
  |
2 |   y = a ‰ 2
  |         ^",
    ),
    (
        "(a + b",
        "\
error: expected `)` to close the `(` at byte 0, found end of input
  |
1 | (a + b
  |       ^",
    ),
    (
        "((a)",
        "\
error: expected `)` to close the `(` at byte 0, found end of input
  |
1 | ((a)
  |     ^",
    ),
    (
        "x = (a\nb)",
        "\
error: expected `)` to close the `(` at byte 4, found `b`
  |
2 | b)
  | ^",
    ),
    (
        "f(a",
        "\
error: expected `,` or `)` in the arguments of `f`, found end of input
  |
1 | f(a
  |    ^",
    ),
    (
        "f(a b)",
        "\
error: expected `,` or `)` in the arguments of `f`, found `b`
  |
1 | f(a b)
  |     ^",
    ),
    (
        "f(a, k=1 b)",
        "\
error: expected `,` or `)` in the arguments of `f`, found `b`
  |
1 | f(a, k=1 b)
  |          ^",
    ),
    (
        "a)",
        "\
error: unmatched `)`
  |
1 | a)
  |  ^",
    ),
    (
        "f(a))",
        "\
error: unmatched `)`
  |
1 | f(a))
  |     ^",
    ),
    (
        ")",
        "\
error: expected an expression, found `)`
  |
1 | )
  | ^",
    ),
    (
        "()",
        "\
error: expected an expression, found `)`
  |
1 | ()
  |  ^",
    ),
    (
        "(,)",
        "\
error: expected an expression, found `,`
  |
1 | (,)
  |  ^",
    ),
    (
        "(a, b",
        "\
error: expected `)` to close the `(` at byte 0, found end of input
  |
1 | (a, b
  |      ^",
    ),
    (
        "a + 1 = 2",
        "\
error: can only assign to a name
  |
1 | a + 1 = 2
  |       ^",
    ),
    (
        "f(a) = 1",
        "\
error: can only assign to a name
  |
1 | f(a) = 1
  |      ^",
    ),
    (
        "a.real = 1",
        "\
error: can only assign to a name
  |
1 | a.real = 1
  |        ^",
    ),
    (
        "True = 1",
        "\
error: can only assign to a name
  |
1 | True = 1
  |      ^",
    ),
    (
        "a + not b",
        "\
error: `not` cannot appear here without parentheses
  |
1 | a + not b
  |     ^^^",
    ),
    (
        "a == not b",
        "\
error: `not` cannot appear here without parentheses
  |
1 | a == not b
  |      ^^^",
    ),
    (
        "a ** not b",
        "\
error: `not` cannot appear here without parentheses
  |
1 | a ** not b
  |      ^^^",
    ),
    (
        "-not a",
        "\
error: `not` cannot appear here without parentheses
  |
1 | -not a
  |  ^^^",
    ),
    (
        "f(a=1, a=2)",
        "\
error: keyword argument `a` given twice
  |
1 | f(a=1, a=2)
  |        ^",
    ),
    (
        "f(x, k=1, j=2, k=3)",
        "\
error: keyword argument `k` given twice
  |
1 | f(x, k=1, j=2, k=3)
  |                ^",
    ),
    (
        "f(a=1, b)",
        "\
error: positional argument follows keyword argument
  |
1 | f(a=1, b)
  |        ^",
    ),
    (
        "f(a=1, b + 1)",
        "\
error: positional argument follows keyword argument
  |
1 | f(a=1, b + 1)
  |        ^^^^^",
    ),
    (
        "1e",
        "\
error: invalid number literal `1e`
  |
1 | 1e
  | ^^",
    ),
    (
        "1.5e+",
        "\
error: invalid number literal `1.5e`
  |
1 | 1.5e+
  | ^^^^",
    ),
    (
        "0x1f",
        "\
error: invalid number literal `0x1f`
  |
1 | 0x1f
  | ^^^^",
    ),
    (
        "1_",
        "\
error: invalid number literal `1_`
  |
1 | 1_
  | ^^",
    ),
    (
        "1__0",
        "\
error: invalid number literal `1__0`
  |
1 | 1__0
  | ^^^^",
    ),
    (
        "1jx",
        "\
error: invalid number literal `1jx`
  |
1 | 1jx
  | ^^^",
    ),
    (
        "1.real",
        "\
error: invalid number literal `1.real`
  |
1 | 1.real
  | ^^^^^^",
    ),
    (
        "007",
        "\
error: leading zeros in integer literals are not allowed
  |
1 | 007
  | ^^^ write the number without leading zeros",
    ),
    (
        "0_7",
        "\
error: leading zeros in integer literals are not allowed
  |
1 | 0_7
  | ^^^ write the number without leading zeros",
    ),
    (
        "t = a\nb = 01",
        "\
error: leading zeros in integer literals are not allowed
  |
2 | b = 01
  |     ^^ write the number without leading zeros",
    ),
    (
        "170141183460469231731687303715884105728",
        "\
error: integer literal is too large (numjet integers have at most 127 bits)
  |
1 | 170141183460469231731687303715884105728
  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
    ),
    (
        "(a)(b)",
        "\
error: only functions can be called, by name: `sin(x)`
  |
1 | (a)(b)
  |    ^",
    ),
    (
        "a.real(b)",
        "\
error: only functions can be called, by name: `sin(x)`
  |
1 | a.real(b)
  |       ^",
    ),
    (
        "f(x)(y)",
        "\
error: only functions can be called, by name: `sin(x)`
  |
1 | f(x)(y)
  |     ^",
    ),
    (
        "x.",
        "\
error: expected an attribute name after `.`, found end of input
  |
1 | x.
  |   ^",
    ),
    (
        "x.(y)",
        "\
error: expected an attribute name after `.`, found `(`
  |
1 | x.(y)
  |   ^",
    ),
    (
        "x..real",
        "\
error: expected an attribute name after `.`, found `.`
  |
1 | x..real
  |   ^",
    ),
    (
        "x.1",
        "\
error: expected an operator or the end of the statement, found `.1`
  |
1 | x.1
  |  ^^",
    ),
    (
        "",
        "error: empty program: expected an expression\n  |\n1 | \n  | ^",
    ),
    (
        ";",
        "\
error: empty program: expected an expression
  |
1 | ;
  |  ^",
    ),
    (
        ";;\n;",
        "\
error: empty program: expected an expression
  |
2 | ;
  |  ^",
    ),
    (
        "# just a comment",
        "\
error: empty program: expected an expression
  |
1 | # just a comment
  |                 ^",
    ),
    (
        "a b",
        "\
error: expected an operator or the end of the statement, found `b`
  |
1 | a b
  |   ^",
    ),
    (
        "= a",
        "\
error: expected an expression, found `=`
  |
1 | = a
  | ^",
    ),
    (
        "a if b",
        "\
error: expected `else` after the condition of `x if c else y`, found end of input
  |
1 | a if b
  |       ^",
    ),
    (
        "a if b c",
        "\
error: expected `else` after the condition of `x if c else y`, found `c`
  |
1 | a if b c
  |        ^",
    ),
    (
        "x if a if b else c else d",
        "\
error: expected `else` after the condition of `x if c else y`, found `if`
  |
1 | x if a if b else c else d
  |        ^^",
    ),
    (
        "a if b else",
        "\
error: expected an expression, found end of input
  |
1 | a if b else
  |            ^",
    ),
    (
        "f(,)",
        "\
error: expected an expression, found `,`
  |
1 | f(,)
  |   ^",
    ),
    (
        "f(a,,b)",
        "\
error: expected an expression, found `,`
  |
1 | f(a,,b)
  |     ^",
    ),
    (
        "f(*a)",
        "\
error: expected an expression, found `*`
  |
1 | f(*a)
  |   ^",
    ),
    (
        "a += 1",
        "\
error: expected an expression, found `=`
  |
1 | a += 1
  |    ^",
    ),
    (
        "a <> b",
        "\
error: expected an expression, found `>`
  |
1 | a <> b
  |    ^",
    ),
    (
        "a[0]",
        "\
error: expected an operator or the end of the statement, found `[`
  |
1 | a[0]
  |  ^",
    ),
    (
        "a \\ b",
        "\
error: expected an operator or the end of the statement, found `\\`
  |
1 | a \\ b
  |   ^",
    ),
    (
        "a + \\ # c\nb",
        "\
error: unexpected character `\\`
  |
1 | a + \\ # c
  |     ^",
    ),
    (
        "not",
        "\
error: expected an expression, found end of input
  |
1 | not
  |    ^",
    ),
    (
        "f(1=2)",
        "\
error: expected `,` or `)` in the arguments of `f`, found `=`
  |
1 | f(1=2)
  |    ^",
    ),
    (
        "a\n\tb c",
        "\
error: expected an operator or the end of the statement, found `c`
  |
2 |  b c
  |    ^",
    ),
];

#[test]
fn error_messages() {
    check_errors(ERRORS);
}

#[test]
fn error_kinds() {
    let kind = |src: &str| match parse(src) {
        Err(Error::Syntax(_)) => "syntax",
        Err(Error::Literal(_)) => "literal",
        Err(Error::Keyword(_)) => "keyword",
        Err(Error::Limit(_)) => "limit",
        Err(e) => panic!("{src:?}: unexpected error {e:?}"),
        Ok(_) => panic!("{src:?}: parsed"),
    };
    for src in ["a +", "a $", "(a", "a)", "a, b", "a b", "", "f(k=1, x)", "(a)(b)", "x.", "a + not b", "1 = 2"] {
        assert_eq!(kind(src), "syntax", "{src:?}");
    }
    for src in ["1e", "0x1f", "1_", "007", "170141183460469231731687303715884105728", "1.5e"] {
        assert_eq!(kind(src), "literal", "{src:?}");
    }
    assert_eq!(kind("f(k=1, k=2)"), "keyword");
    assert_eq!(kind(&"-".repeat(1000)), "limit");
}

#[test]
fn errors_report_the_first_problem() {
    // Parsing stops at the first error, even when later text is also wrong.
    let e = parse("a +\nb $ 007").unwrap_err();
    assert_eq!(e.message(), "expected an expression, found a line break");
    assert_eq!(e.span().map(|s| s.start), Some(3));
    let e = parse("x = 007 + $").unwrap_err();
    assert!(matches!(e, Error::Literal(_)));
}

// ---------------------------------------------------------------------------
// Structure over many inputs
// ---------------------------------------------------------------------------

/// Programs built to exercise every kind of node in every position.
fn structural_corpus() -> Vec<String> {
    let atoms = ["a", "(b)", "1", "2.5", "True", "f(x, k=y)", "g()", "a.real", "(c).imag", "f(a).real", "((d))"];
    let mut out = Vec::new();
    for x in atoms {
        for y in atoms {
            out.push(format!("{x} + {y} * {x} ** -{y}"));
            out.push(format!("not {x} < {y} <= {x} and {y} or {x}"));
            out.push(format!("{x} if {y} else {x} if {y} else {x}"));
            out.push(format!("f({x}, {y}, k={x} | {y} & ~{x})"));
            out.push(format!("t = ({x} << {y}) >> {x} ^ {y}\nt // {y} % {x}"));
            out.push(format!("-({x} - {y}).real"));
        }
    }
    out
}

#[test]
fn spans_and_ids_are_well_formed() {
    for src in structural_corpus() {
        let ast = parse(&src).unwrap_or_else(|e| panic!("{src:?}:\n{e}"));
        check_structure(&src, &ast);
    }
}

#[test]
fn parenthesised_spans_include_the_parentheses() {
    let src = "x = ( a + b ) * ((c))";
    let ast = parse(src).unwrap();
    check_structure(src, &ast);
    let texts: Vec<&str> = ast.exprs.iter().filter(|e| e.parenthesized).map(|e| &src[e.span.range()]).collect();
    assert_eq!(texts, ["( a + b )", "((c))"]);
    let root = Ast::stmt_value(&ast.stmts[0]);
    assert_eq!(&src[ast.expr(root).span.range()], "( a + b ) * ((c))");
}

#[test]
fn spans_of_every_node_kind() {
    let src = "y = -f(a, k=b.real) ** 2 if not c < d else e";
    let ast = parse(src).unwrap();
    check_structure(src, &ast);
    let spans: Vec<&str> = ast.exprs.iter().map(|e| &src[e.span.range()]).collect();
    assert_eq!(
        spans,
        [
            "a",
            "b",
            "b.real",
            "f(a, k=b.real)",
            "2",
            "f(a, k=b.real) ** 2",
            "-f(a, k=b.real) ** 2",
            "c",
            "d",
            "c < d",
            "not c < d",
            "e",
            "-f(a, k=b.real) ** 2 if not c < d else e",
        ]
    );
}

// ---------------------------------------------------------------------------
// Input safety: nesting, size
// ---------------------------------------------------------------------------

#[test]
fn deep_parentheses_are_a_limit_error() {
    let n = 100_000;
    expect_limit("parentheses", &format!("{}a{}", "(".repeat(n), ")".repeat(n)));
    expect_limit("unclosed parentheses", &"(".repeat(n));
}

#[test]
fn deep_unary_operators_are_a_limit_error() {
    let n = 100_000;
    expect_limit("unary minus", &format!("{}a", "-".repeat(n)));
    expect_limit("unary plus", &format!("{}a", "+".repeat(n)));
    expect_limit("invert", &format!("{}a", "~".repeat(n)));
    expect_limit("not", &format!("{}a{}", "not (".repeat(n), ")".repeat(n)));
    expect_limit("dangling minus", &"-".repeat(n));
}

#[test]
fn deep_powers_are_a_limit_error() {
    expect_limit("power chain", &format!("a{}", "**a".repeat(10_000)));
    expect_limit("power of negatives", &format!("a{}", "**-a".repeat(10_000)));
}

#[test]
fn deep_calls_conditionals_and_operands_are_a_limit_error() {
    let n = 100_000;
    expect_limit("calls", &format!("{}a{}", "f(".repeat(n), ")".repeat(n)));
    expect_limit("keyword calls", &format!("{}a{}", "f(k=".repeat(n), ")".repeat(n)));
    expect_limit("right operands", &format!("{}a{}", "a*(".repeat(n), ")".repeat(n)));
    expect_limit("conditional chain", &format!("a{}", " if a else a".repeat(10_000)));
    expect_limit("nested conditions", &format!("{}a{}", "a if (".repeat(10_000), ") else a".repeat(10_000)));
    expect_limit("comparisons", &format!("{}a{}", "a < (".repeat(n), ")".repeat(n)));
    expect_limit("mixed", &"-(~f(+(a**(".repeat(20_000));
}

#[test]
fn nesting_well_within_the_limit_parses() {
    // 40 levels of any construct is within the documented limit of 100,
    // however a fix counts the levels.
    let n = 40;
    let programs = [
        format!("{}a{}", "(".repeat(n), ")".repeat(n)),
        format!("{}a", "-".repeat(n)),
        format!("a{}", "**a".repeat(n)),
        format!("{}a{}", "f(".repeat(n), ")".repeat(n)),
        format!("{}a{}", "not (".repeat(n), ")".repeat(n)),
        format!("a{}", " if a else a".repeat(n)),
    ];
    for src in programs {
        let ast = parse(&src).unwrap_or_else(|e| panic!("{src}:\n{e}"));
        check_structure(&src, &ast);
    }
}

#[test]
fn nesting_just_over_the_limit_is_a_limit_error() {
    // MAX_NESTING + 1 levels of any construct is over the limit.
    let n = MAX_NESTING + 1;
    let programs = [
        format!("{}a{}", "(".repeat(n), ")".repeat(n)),
        format!("{}a", "-".repeat(n)),
        format!("a{}", "**a".repeat(n)),
        format!("{}a{}", "f(".repeat(n), ")".repeat(n)),
        format!("a{}", " if a else a".repeat(n)),
    ];
    for src in programs {
        assert!(is_limit(&parse(&src)), "{src}");
    }
}

#[test]
fn long_flat_programs_parse() {
    let n = 200_000;
    let sum = vec!["a"; n].join("+");
    let ast = parse(&sum).expect("flat sum");
    assert_eq!(ast.exprs.len(), 2 * n - 1);
    assert_eq!(ast.stmts.len(), 1);

    let mixed: String = (0..n).map(|i| ["+a", "+b", "*c", "-d", "/e"][i % 5]).collect();
    assert_eq!(parse(&mixed[1..]).expect("mixed flat chain").exprs.len(), 2 * n - 1);

    let chain = vec!["a"; 100_000].join(" < ");
    assert_eq!(parse(&chain).expect("comparison chain").exprs.len(), 100_001);

    let and = vec!["a"; 100_000].join(" and ");
    assert_eq!(parse(&and).expect("and chain").exprs.len(), 199_999);

    let attrs = format!("a{}", ".real".repeat(100_000));
    assert_eq!(parse(&attrs).expect("attribute chain").exprs.len(), 100_001);

    let args = format!("f({})", vec!["a"; 100_000].join(", "));
    assert_eq!(parse(&args).expect("many arguments").exprs.len(), 100_001);

    let stmts = "x = a\n".repeat(100_000);
    assert_eq!(parse(&stmts).expect("many statements").stmts.len(), 100_000);

    let parens = "(a)+".repeat(100_000) + "a";
    assert_eq!(parse(&parens).expect("many parenthesised terms").exprs.len(), 200_001);
}

#[test]
fn long_flat_programs_evaluate() {
    // The stages after the parser are loops too: no stack overflow.
    let n = 100_000;
    let sum = vec!["a"; n].join("+");
    let a = [1.0f64, 2.0];
    let r = numjet::evaluate(&sum, &[("a", (&a).into())]).expect("flat sum evaluates");
    assert_eq!(r.as_f64().unwrap(), &[n as f64, 2.0 * n as f64]);
}

#[test]
fn source_size_limit() {
    let big = "a+".repeat(MAX_SOURCE_BYTES) + "a"; // 2 MiB + 1
    let e = parse(&big).unwrap_err();
    assert!(matches!(e, Error::Limit(_)), "{e:?}");
    assert_eq!(e.message(), format!("program is {} bytes long; the limit is {MAX_SOURCE_BYTES}", big.len()));
    check_error_span(&big, &e);
    let _ = e.to_string();

    // 2 MiB of one long line of names, and of line breaks.
    assert!(is_limit(&parse(&"a".repeat(2 * MAX_SOURCE_BYTES))));
    assert!(is_limit(&parse(&"\n".repeat(2 * MAX_SOURCE_BYTES))));

    // Exactly at the limit is fine; one byte over is not.
    let at = format!("a{}", " ".repeat(MAX_SOURCE_BYTES - 1));
    assert_eq!(at.len(), MAX_SOURCE_BYTES);
    assert!(parse(&at).is_ok());
    let over = format!("{at} ");
    assert!(is_limit(&parse(&over)));
    // Multi-byte text is measured in bytes.
    let wide = "é".repeat(MAX_SOURCE_BYTES / 2 + 1);
    assert!(is_limit(&parse(&wide)));
}

// ---------------------------------------------------------------------------
// Fuzzing
// ---------------------------------------------------------------------------

/// Pieces of numjet text, including malformed and unusual ones.
const TOKENS: &[&str] = &[
    "a", "b", "f", "x", "k", "sqrt", "sum", "where", "abs", "maximum", "axis", "real", "imag", "pi", "e", "inf", "nan",
    "0", "1", "2", "007", "00", "1e", "1.5", ".5", "5.", "1e-3", "1.e5", "1_000", "0x1f", "1_", "1.2.3",
    "99999999999999999999999999999999999999999", "170141183460469231731687303715884105728", "True", "False", "and",
    "or", "not", "if", "else", "+", "-", "*", "/", "//", "%", "**", "~", "&", "|", "^", "<<", ">>", "==", "!=", "<",
    "<=", ">", ">=", "=", "(", ")", "(", ")", ",", ".", ";", "\n", "\r", "\r\n", "\t", " ", " ", " ", "#", "\\",
    "\\\n", "$", "é", "_", "[", "'", "😀", "\u{0}",
];

/// Strings from the token alphabet, run together or spaced.
fn token_soup() -> impl Strategy<Value = String> {
    (prop::collection::vec(prop::sample::select(TOKENS), 0..40), any::<bool>())
        .prop_map(|(toks, spaced)| toks.join(if spaced { " " } else { "" }))
}

/// Well-formed expressions over the inputs `a` (float64) and `b` (int32),
/// with edge-case constants, so that evaluation gets past the parser.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(&[
        "a", "b", "0", "1", "-1", "2", "3", "63", "64", "127", "128", "200", "0.5", "1e308", "inf", "nan", "pi", "True",
        "False", "2147483647", "9223372036854775807", "9223372036854775808", "170141183460469231731687303715884105727",
    ][..])
    .prop_map(String::from);
    let tree = leaf.prop_recursive(4, 24, 3, |inner| {
        let binop = prop::sample::select(&[
            "+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>", "==", "!=", "<", "<=", ">", ">=", "and", "or",
        ][..]);
        let unop = prop::sample::select(&["-", "+", "~", "not "][..]);
        let func1 = prop::sample::select(&[
            "sqrt", "abs", "exp", "log", "sin", "arccosh", "floor", "round", "rint", "sign", "isnan", "signbit", "square",
            "cbrt", "int32", "int64", "float32", "bool", "sum", "prod", "min", "max", "mean", "all", "any", "real", "imag",
            "conj", "copy", "ones_like",
        ][..]);
        let func2 = prop::sample::select(&[
            "maximum", "minimum", "fmax", "fmin", "power", "arctan2", "fmod", "hypot", "copysign", "nextafter",
        ][..]);
        prop_oneof![
            (inner.clone(), binop, inner.clone()).prop_map(|(x, op, y)| format!("({x} {op} {y})")),
            (unop, inner.clone()).prop_map(|(op, x)| format!("({op}{x})")),
            (func1, inner.clone()).prop_map(|(f, x)| format!("{f}({x})")),
            (func2, inner.clone(), inner.clone()).prop_map(|(f, x, y)| format!("{f}({x}, {y})")),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(x, c, y)| format!("({x} if {c} else {y})")),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(c, x, y)| format!("where({c}, {x}, {y})")),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(x, lo, hi)| format!("clip({x}, {lo}, {hi})")),
            inner.clone().prop_map(|x| format!("sum({x}, axis=0)")),
            inner.prop_map(|x| format!("({x}).real")),
        ]
    });
    prop_oneof![
        tree.clone(),
        (tree.clone(), tree).prop_map(|(x, y)| format!("t = {x}\nu = t * {y}; u - t")),
    ]
}

fn check_parse_result(src: &str) {
    match parse(src) {
        Ok(ast) => check_structure(src, &ast),
        Err(e) => {
            check_error_span(src, &e);
            let _ = e.to_string();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_arbitrary_text(src in ".*") {
        check_parse_result(&src);
    }

    #[test]
    fn parse_never_panics_on_arbitrary_lines(src in "(?s).{0,200}") {
        check_parse_result(&src);
    }

    #[test]
    fn parse_never_panics_on_token_soup(src in token_soup()) {
        check_parse_result(&src);
    }
}

fn check_evaluate(src: &str) -> Result<(), TestCaseError> {
    let a = [1.0f64, 2.0];
    let b = [3i32, 4];
    if let Err(e) = numjet::evaluate(src, &[("a", (&a[..]).into()), ("b", (&b[..]).into())]) {
        if let Some(span) = e.span() {
            prop_assert!(span.start <= span.end && span.end <= src.len(), "{:?}: span {:?}", src, span);
        }
        let _ = e.to_string();
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn evaluate_never_panics_on_token_soup(src in token_soup()) {
        check_evaluate(&src)?;
    }

    #[test]
    fn evaluate_never_panics_on_expressions(src in expression()) {
        check_evaluate(&src)?;
    }
}
