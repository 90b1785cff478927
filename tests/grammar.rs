//! The examples of `grammar/numjet.ebnf` against the parser: every
//! `(* valid: ... *)` line must parse, every `(* invalid: ... *)` line must not.

fn grammar() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/grammar/numjet.ebnf");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Undoes the escapes of the EXAMPLES section: `\n`, `\r`, `\t`, `\\`.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            other => panic!("bad escape `\\{}` in example {s:?}", other.map(String::from).unwrap_or_default()),
        }
    }
    out
}

/// `(valid?, example text)` for every example line of the grammar.
fn examples() -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for line in grammar().lines() {
        let line = line.trim_end();
        let (valid, rest) = if let Some(r) = line.strip_prefix("(* valid: ") {
            (true, r)
        } else if let Some(r) = line.strip_prefix("(* invalid: ") {
            (false, r)
        } else {
            continue;
        };
        let text = rest.strip_suffix(" *)").unwrap_or_else(|| panic!("example line does not end with ` *)`: {line:?}"));
        out.push((valid, unescape(text)));
    }
    out
}

#[test]
fn unescape_handles_every_escape() {
    assert_eq!(unescape(r"a\nb\rc\td\\e\\\nf"), "a\nb\rc\td\\e\\\nf");
}

#[test]
fn grammar_has_enough_examples() {
    let ex = examples();
    let valid = ex.iter().filter(|(v, _)| *v).count();
    let invalid = ex.len() - valid;
    assert!(valid >= 30, "only {valid} valid examples in grammar/numjet.ebnf");
    assert!(invalid >= 20, "only {invalid} invalid examples in grammar/numjet.ebnf");
}

#[test]
fn grammar_examples_agree_with_the_parser() {
    let mut failures = Vec::new();
    for (valid, text) in examples() {
        match (valid, numjet::syntax::parse(&text)) {
            (true, Err(e)) => failures.push(format!("valid example {text:?} does not parse:\n{e}")),
            (false, Ok(ast)) => failures.push(format!("invalid example {text:?} parses as:\n{}", ast.to_sexpr())),
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{} example(s) disagree with the parser:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn invalid_examples_fail_in_the_parser_not_later() {
    // An invalid example must be rejected with a syntax, literal, keyword or
    // limit error, never by a later stage.
    for (valid, text) in examples() {
        if valid {
            continue;
        }
        if let Err(e) = numjet::syntax::parse(&text) {
            assert!(
                matches!(e, numjet::Error::Syntax(_) | numjet::Error::Literal(_) | numjet::Error::Keyword(_) | numjet::Error::Limit(_)),
                "{text:?}: unexpected error kind {e:?}"
            );
            let span = e.span().expect("parse errors have a span");
            assert!(span.start <= span.end && span.end <= text.len(), "{text:?}: span {span:?} outside the text");
        }
    }
}
