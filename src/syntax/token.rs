//! Tokens, produced by a `logos` lexer with a byte span on every token.

use logos::Logos;

use crate::error::Span;

/// One token of the program text.
#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq)]
#[logos(skip r"[ \t\f]+")]
#[logos(skip(r"#[^\r\n]*", allow_greedy = true))]
// A backslash at the end of a line joins it to the next, as in Python.
#[logos(skip r"\\(\r\n|\r|\n)")]
pub enum Tok {
    #[regex(r"[0-9](_?[0-9])*", priority = 5)]
    Int,
    #[regex(r"([0-9](_?[0-9])*)?\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?", priority = 5)]
    #[regex(r"[0-9](_?[0-9])*\.([eE][+-]?[0-9](_?[0-9])*)?", priority = 5)]
    #[regex(r"[0-9](_?[0-9])*[eE][+-]?[0-9](_?[0-9])*", priority = 5)]
    Float,
    /// An imaginary literal: an int or float literal followed by `j` or
    /// `J` (`1j`, `2.5e-3J`), as in Python.
    #[regex(r"[0-9](_?[0-9])*[jJ]", priority = 5)]
    #[regex(r"([0-9](_?[0-9])*)?\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?[jJ]", priority = 5)]
    #[regex(r"[0-9](_?[0-9])*\.([eE][+-]?[0-9](_?[0-9])*)?[jJ]", priority = 5)]
    #[regex(r"[0-9](_?[0-9])*[eE][+-]?[0-9](_?[0-9])*[jJ]", priority = 5)]
    Imag,
    /// Digits run into letters or underscores: `1e`, `0x1f`, `1_`, `1.5e`, `2.5x`.
    #[regex(r"[0-9][0-9_a-zA-Z]*", priority = 1)]
    #[regex(r"([0-9](_?[0-9])*)?\.[0-9][0-9_a-zA-Z]*", priority = 1)]
    #[regex(r"[0-9](_?[0-9])*\.[a-zA-Z_][0-9_a-zA-Z]*", priority = 1)]
    BadNumber,
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Name,
    #[token("True")]
    True,
    #[token("False")]
    False,
    #[token("and")]
    And,
    #[token("or")]
    Or,
    #[token("not")]
    Not,
    #[token("if")]
    If,
    #[token("else")]
    Else,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("//")]
    SlashSlash,
    #[token("%")]
    Percent,
    #[token("**")]
    StarStar,
    #[token("~")]
    Tilde,
    #[token("&")]
    Amp,
    #[token("|")]
    Pipe,
    #[token("^")]
    Caret,
    #[token("<<")]
    Shl,
    #[token(">>")]
    Shr,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("=")]
    Assign,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token(";")]
    Semi,
    /// A line break: `\n`, `\r\n` or a lone `\r`, as Python reads them.
    #[regex(r"\r\n|\r|\n")]
    Newline,
    /// Any character the language does not use (`$`, `[`, a non-ASCII letter).
    Error,
    /// End of input (never produced by the lexer; the parser's sentinel).
    Eof,
}

impl Tok {
    /// How the token is described in "expected X, found Y" messages.
    pub fn describe(self) -> &'static str {
        match self {
            Tok::Int => "an integer",
            Tok::Float | Tok::Imag => "a number",
            Tok::BadNumber => "a malformed number",
            Tok::Name => "a name",
            Tok::True => "`True`",
            Tok::False => "`False`",
            Tok::And => "`and`",
            Tok::Or => "`or`",
            Tok::Not => "`not`",
            Tok::If => "`if`",
            Tok::Else => "`else`",
            Tok::Plus => "`+`",
            Tok::Minus => "`-`",
            Tok::Star => "`*`",
            Tok::Slash => "`/`",
            Tok::SlashSlash => "`//`",
            Tok::Percent => "`%`",
            Tok::StarStar => "`**`",
            Tok::Tilde => "`~`",
            Tok::Amp => "`&`",
            Tok::Pipe => "`|`",
            Tok::Caret => "`^`",
            Tok::Shl => "`<<`",
            Tok::Shr => "`>>`",
            Tok::EqEq => "`==`",
            Tok::NotEq => "`!=`",
            Tok::Lt => "`<`",
            Tok::Le => "`<=`",
            Tok::Gt => "`>`",
            Tok::Ge => "`>=`",
            Tok::Assign => "`=`",
            Tok::LParen => "`(`",
            Tok::RParen => "`)`",
            Tok::Comma => "`,`",
            Tok::Dot => "`.`",
            Tok::Semi => "`;`",
            Tok::Newline => "a line break",
            Tok::Error => "an unexpected character",
            Tok::Eof => "end of input",
        }
    }
}

/// A token and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Splits the text into tokens, ending with [`Tok::Eof`]. Never fails:
/// unknown characters become [`Tok::Error`] tokens for the parser to report.
pub fn tokenize(src: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Tok::lexer(src)
        .spanned()
        .map(|(t, r)| Token { tok: t.unwrap_or(Tok::Error), span: Span::new(r.start, r.end) })
        .collect();
    out.push(Token { tok: Tok::Eof, span: Span::new(src.len(), src.len()) });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s).into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn numbers() {
        assert_eq!(toks("1_000 1.5 .5 5. 1e-3 1.e5"), [Tok::Int, Tok::Float, Tok::Float, Tok::Float, Tok::Float, Tok::Float, Tok::Eof]);
        assert_eq!(toks("1e 0x1f 1_ 1.5e"), [Tok::BadNumber, Tok::BadNumber, Tok::BadNumber, Tok::BadNumber, Tok::Eof]);
        assert_eq!(toks("1.5.real"), [Tok::Float, Tok::Dot, Tok::Name, Tok::Eof]);
        assert_eq!(toks("1.2.3"), [Tok::Float, Tok::Float, Tok::Eof]);
        assert_eq!(toks("1j 2.5e-3J .5j 5.j 1_0j 1e5j"), [Tok::Imag, Tok::Imag, Tok::Imag, Tok::Imag, Tok::Imag, Tok::Imag, Tok::Eof]);
        assert_eq!(toks("1jx 1j.real"), [Tok::BadNumber, Tok::Imag, Tok::Dot, Tok::Name, Tok::Eof]);
    }

    #[test]
    fn operators_and_comments() {
        assert_eq!(toks("a**-2 // b # c\n"), [Tok::Name, Tok::StarStar, Tok::Minus, Tok::Int, Tok::SlashSlash, Tok::Name, Tok::Newline, Tok::Eof]);
        assert_eq!(toks("x.real $"), [Tok::Name, Tok::Dot, Tok::Name, Tok::Error, Tok::Eof]);
    }
}
