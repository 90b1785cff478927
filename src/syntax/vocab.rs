//! The words of the language, in one place: constants, keywords and
//! function names. The lexer, lowering, the REPL's completion and help,
//! and `numjet bench` all read these lists, so a new word is added here
//! once.

use crate::ops::Op;

/// Names that are constants unless a variable of that name is bound, with
/// their values (read as weak Python floats).
pub const CONSTANTS: [(&str, f64); 4] =
    [("pi", std::f64::consts::PI), ("e", std::f64::consts::E), ("inf", f64::INFINITY), ("nan", f64::NAN)];

/// Words the lexer reserves: never a name, so never a variable.
pub const KEYWORDS: [&str; 7] = ["and", "or", "not", "if", "else", "True", "False"];

/// The value of a constant name.
pub fn constant(name: &str) -> Option<f64> {
    CONSTANTS.iter().find(|(c, _)| *c == name).map(|c| c.1)
}

/// The constant names.
pub fn constant_names() -> impl Iterator<Item = &'static str> {
    CONSTANTS.iter().map(|c| c.0)
}

/// Whether `name` is a keyword.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Every function a program may call: the op table's functions, the
/// reductions, `clip` and the casts ([`Op::function_names`]).
pub fn function_names() -> impl Iterator<Item = &'static str> {
    Op::function_names()
}

/// Whether `s` can name a variable: an identifier (ASCII letters, digits
/// and `_`, not starting with a digit) that is not a keyword.
pub fn is_name(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_keyword(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::token::{Tok, tokenize};

    #[test]
    fn keywords_are_the_lexers() {
        for k in KEYWORDS {
            let toks = tokenize(k);
            assert!(toks.len() == 2 && !matches!(toks[0].tok, Tok::Name | Tok::Error), "{k}: {toks:?}");
        }
        for c in constant_names().chain(function_names()) {
            assert_eq!(tokenize(c)[0].tok, Tok::Name, "{c}");
            assert!(is_name(c), "{c}");
        }
        assert!(!is_name("if") && !is_name("1x") && !is_name("") && is_name("_x1"));
    }
}
