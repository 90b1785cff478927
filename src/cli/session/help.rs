//! The text of `:help`.

use numjet::syntax::vocab;

use super::command::COMMANDS;

/// The text of `:help`.
pub fn help_text() -> String {
    let mut h = String::from(
        "Statements, one per line (or several separated by `;`):
  EXPR             evaluate and print, e.g. sin(a)**2 + cos(a)**2
  NAME = EXPR      bind the result (every `NAME = ...` of a line is bound)
  A line continues while brackets are open or after a trailing `\\`; `#` starts
  a comment. Bound values are NumPy arrays: `x = 3` is a 0-d int64 array.

Array constructors, only as the whole value of a statement (x = arange(10)):
  arange(stop)               int64 when every argument is an integer,
  arange(start, stop[, step])   float64 otherwise
  linspace(start, stop, n)   n float64 values from start to stop, inclusive
  zeros(n), ones(n)          float64
  random(n[, seed=S])        float64, uniform in [0, 1) (splitmix64)
  normal(n[, seed=S])        float64, standard normal (Box-Muller)
  Each takes an optional dtype without quotes: zeros(10, dtype=float32).
  zeros, ones, random and normal take a shape too: ones((2, 3), dtype=int32).
  reshape(x, (2, 3))         x's elements in C order with a new shape (one
                             dimension may be -1); x may be any expression
  Arguments may be expressions (linspace(0, 2*pi, n)); n may be written 1e6.
  Arrays are limited to 2^31 elements and half of the available memory.

Functions:\n  ",
    );
    let mut col = 2;
    let names: Vec<&str> = vocab::function_names().collect();
    for (i, n) in names.iter().enumerate() {
        let piece = if i + 1 == names.len() { n.to_string() } else { format!("{n}, ") };
        if col + piece.len() > 78 {
            h.push_str("\n  ");
            col = 2;
        }
        h.push_str(&piece);
        col += piece.len();
    }
    let constants: Vec<&str> = vocab::constant_names().collect();
    h.push_str(&format!("\nConstants: {} (unless a variable of that name is bound).\n\nCommands:\n", constants.join(", ")));
    for (c, args, what) in COMMANDS {
        let lhs = if args.is_empty() { c.to_string() } else { format!("{c} {args}") };
        h.push_str(&format!("  {lhs:<24}{what}\n"));
    }
    h.push_str(
        "\nThe demo arrays a, b, c hold 1,000,000 float64 values each, uniform in [0, 1)
(splitmix64, seed 42). Tab completes variables, functions, commands, and file
names after `:load NAME` and `:save`. History is kept in
$XDG_DATA_HOME/numjet/history (or ~/.local/share/numjet/history).
Ctrl-C cancels the line; Ctrl-D or :quit leaves.

Scripts (`numjet run FILE`, or statements piped into `numjet`) take the same
statements and commands, one per line, with a, b, c bound: no prompt, no banner,
no colour; only results go to standard output. The first error stops the script
with `error at line N:` on standard error and exit status 1.",
    );
    h.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}
