//! Stage 1: text to syntax tree.
//!
//! [`token`] splits the text with a `logos` lexer (byte spans on every
//! token), [`parser`] builds an [`ast::Ast`] with a Pratt parser. The tree is
//! faithful to what was written (parentheses and spans kept); meaning is
//! assigned by [`crate::ir`].

pub mod ast;
pub mod parser;
pub mod token;

pub use ast::Ast;
pub use parser::{MAX_NESTING, MAX_SOURCE_BYTES, parse};
