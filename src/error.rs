//! Errors: one typed enum for every stage, with byte spans into the program
//! text for the ones an expression caused.
//!
//! `Display` renders an expression error as the offending line with a caret
//! under the fault:
//!
//! ```text
//! error: unknown name `bb`
//!   |
//! 1 | a + bb * 2
//!   |     ^^ did you mean `b`?
//! ```


use std::sync::Arc;

/// A half-open byte range `start..end` into the program text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

/// An error located in the program text.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    /// What went wrong, one sentence without a trailing period.
    pub message: String,
    /// Where in the program text.
    pub span: Span,
    /// A suggestion shown under the caret (`did you mean `b`?`).
    pub hint: Option<String>,
    /// The whole program text, so the error can render itself.
    pub source: Arc<str>,
}

/// Everything that can go wrong between a program string and its result.
///
/// Expression errors carry a [`Located`] with a byte span; [`Error::span`]
/// and [`Error::hint`] give access without matching every variant.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not a program of the grammar.
    #[error("{}", render(.0))]
    Syntax(Located),
    /// A literal is malformed or out of range (`1e999x`, `99999999999999999999999999999999999999999`).
    #[error("{}", render(.0))]
    Literal(Located),
    /// A name that is neither an input, an assigned temporary nor a constant.
    #[error("{}", render(.0))]
    UnknownName(Located),
    /// A call of something that is not a function.
    #[error("{}", render(.0))]
    UnknownFunction(Located),
    /// A function called with the wrong number of arguments.
    #[error("{}", render(.0))]
    Arity(Located),
    /// A keyword argument the function does not take, or a bad value for it.
    #[error("{}", render(.0))]
    Keyword(Located),
    /// An operation that is not defined for its operand dtypes (NumPy raises,
    /// or gives a dtype numjet does not have).
    #[error("{}", render(.0))]
    Type(Located),
    /// A value NumPy refuses whatever the data: an integer raised to a
    /// negative constant power (NumPy's `ValueError`).
    #[error("{}", render(.0))]
    Value(Located),
    /// The program is too deeply nested or too large.
    #[error("{}", render(.0))]
    Limit(Located),
    /// The inputs' shapes do not fit an operation: arrays that do not
    /// broadcast together, an `axis` past an input's dimensions. Found when
    /// the shapes are known, at evaluation; the caret is under the operation.
    #[error("{}", render(.0))]
    Shape(Located),
    /// Evaluating needs more memory than the limit allows
    /// ([`crate::Config::memory_limit`]), or the allocator refused a buffer:
    /// checked before anything is allocated, so the process goes on. The
    /// caret is under the operation whose result is the largest buffer.
    #[error("{}", render(.0))]
    Memory(Located),
    /// The inputs do not fit the program: a missing input, a wrong dtype,
    /// arrays of different lengths, a wrong output buffer.
    #[error("error: {0}")]
    Input(String),
    /// Evaluation failed on the data (an integer raised to a negative power,
    /// the minimum of an empty array).
    #[error("error: {0}")]
    Runtime(String),
    /// The caller cancelled the evaluation (through the flag given to
    /// [`crate::Kernel::eval_cancellable`]); it stopped at a block
    /// boundary, and its output holds no meaningful values.
    #[error("error: the evaluation was interrupted")]
    Interrupted,
}

impl Error {
    /// The span of the offending text, for errors an expression caused.
    pub fn span(&self) -> Option<Span> {
        self.located().map(|l| l.span)
    }

    /// The suggestion that goes with the error, if any.
    pub fn hint(&self) -> Option<&str> {
        self.located().and_then(|l| l.hint.as_deref())
    }

    /// The message without location or rendering.
    pub fn message(&self) -> &str {
        match self {
            Error::Input(m) | Error::Runtime(m) => m,
            Error::Interrupted => "the evaluation was interrupted",
            _ => &self.located().expect("located").message,
        }
    }

    /// The located part, mutably (to move its span into a larger text).
    pub fn located_mut(&mut self) -> Option<&mut Located> {
        match self {
            Error::Syntax(l)
            | Error::Literal(l)
            | Error::UnknownName(l)
            | Error::UnknownFunction(l)
            | Error::Arity(l)
            | Error::Keyword(l)
            | Error::Type(l)
            | Error::Value(l)
            | Error::Limit(l)
            | Error::Shape(l)
            | Error::Memory(l) => Some(l),
            Error::Input(_) | Error::Runtime(_) | Error::Interrupted => None,
        }
    }

    pub fn located(&self) -> Option<&Located> {
        match self {
            Error::Syntax(l)
            | Error::Literal(l)
            | Error::UnknownName(l)
            | Error::UnknownFunction(l)
            | Error::Arity(l)
            | Error::Keyword(l)
            | Error::Type(l)
            | Error::Value(l)
            | Error::Limit(l)
            | Error::Shape(l)
            | Error::Memory(l) => Some(l),
            Error::Input(_) | Error::Runtime(_) | Error::Interrupted => None,
        }
    }
}

/// Renders a located error: message, the line of the program holding the
/// start of the span, and a caret line under the span.
fn render(l: &Located) -> String {
    let src: &str = &l.source;
    let start = floor_char_boundary(src, l.span.start.min(src.len()));
    let end = floor_char_boundary(src, l.span.end.clamp(start, src.len()));
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let line_no = src[..start].matches('\n').count() + 1;
    let line = &src[line_start..line_end];
    // Columns count characters, so multi-byte text lines up; tabs become one space.
    let col = src[line_start..start].chars().count();
    let width = src[start..end.min(line_end)].chars().count().max(1);
    let gutter = line_no.to_string();
    let pad = " ".repeat(gutter.len());
    let mut out = format!("error: {}\n{pad} |\n{gutter} | {}\n{pad} | {}{}", l.message, line.replace('\t', " "), " ".repeat(col), "^".repeat(width));
    if let Some(h) = &l.hint {
        out.push(' ');
        out.push_str(h);
    }
    out
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Builds located errors for one program text.
#[derive(Clone)]
pub(crate) struct Reporter {
    pub source: Arc<str>,
}

impl Reporter {
    pub fn new(source: &str) -> Reporter {
        Reporter { source: Arc::from(source) }
    }

    pub fn at(&self, span: Span, message: impl Into<String>) -> Located {
        Located { message: message.into(), span, hint: None, source: self.source.clone() }
    }

    pub fn hinted(&self, span: Span, message: impl Into<String>, hint: impl Into<String>) -> Located {
        Located { hint: Some(hint.into()), ..self.at(span, message) }
    }
}

/// The closest candidate to `name` by edit distance, if it is close enough
/// to be a plausible typo: the one "did you mean" of the library and the
/// command line.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(name, c);
        let limit = (name.chars().count().max(c.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance over characters, with adjacent transpositions.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_under_span() {
        let r = Reporter::new("a + bb * 2");
        let e = Error::UnknownName(r.hinted(Span::new(4, 6), "unknown name `bb`", "did you mean `b`?"));
        assert_eq!(e.to_string(), "error: unknown name `bb`\n  |\n1 | a + bb * 2\n  |     ^^ did you mean `b`?");
    }

    #[test]
    fn renders_the_right_line_of_a_program() {
        let r = Reporter::new("t = a\nt + ");
        let e = Error::Syntax(r.at(Span::new(10, 10), "expected an expression, found end of input"));
        assert_eq!(e.to_string(), "error: expected an expression, found end of input\n  |\n2 | t + \n  |     ^");
    }

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(closest("sqr", ["sqrt", "sin", "square"]), Some("sqrt"));
        assert_eq!(closest("aray", ["array", "b"]), Some("array"));
        assert_eq!(closest("zzz", ["sqrt", "sin"]), None);
        assert_eq!(closest("arcsni", ["arcsin", "arccos"]), Some("arcsin"));
    }
}
