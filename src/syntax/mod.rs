//! Stage 1: text to syntax tree.
//!
//! [`token`] splits the text with a `logos` lexer (byte spans on every
//! token), [`parser`] builds an [`ast::Ast`] with a Pratt parser. The tree is
//! faithful to what was written (parentheses and spans kept); meaning is
//! assigned by [`crate::ir`]. [`vocab`] lists the language's words
//! (constants, keywords, function names) for every stage and tool.

pub mod ast;
pub mod parser;
pub mod token;
pub mod vocab;

pub use ast::Ast;
pub use parser::{MAX_NESTING, MAX_SOURCE_BYTES, parse};
