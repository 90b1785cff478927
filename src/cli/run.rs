//! Script mode: `numjet run FILE`, and `numjet` with standard input that is
//! not a terminal. The same statements and commands as the REPL, one per
//! line (continuing while brackets are open or after a trailing `\`), with
//! no prompts, no banner and no colour. The first error stops the script
//! with `error at line N:` and a non-zero exit status.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::Args;

use super::repl::incomplete;
use super::session::{Outcome, Session};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The script: REPL statements and `:` commands, one per line (`-` reads
    /// standard input).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

pub fn run(args: RunArgs) -> Result<(), String> {
    if args.file.as_os_str() == "-" {
        return run_stdin();
    }
    let file = std::fs::File::open(&args.file).map_err(|e| format!("error: cannot read `{}`: {e}", args.file.display()))?;
    run_script(std::io::BufReader::new(file), &mut std::io::stdout().lock())
}

pub fn run_stdin() -> Result<(), String> {
    run_script(std::io::stdin().lock(), &mut std::io::stdout().lock())
}

/// Groups lines into statements: a statement continues on the next line
/// while brackets are open or after a trailing `\\`.
#[derive(Default)]
pub struct Splitter {
    pending: String,
    /// 1-based line number of the first line of `pending`.
    start: usize,
    lines: usize,
}

impl Splitter {
    /// Adds one line (with or without its `\n`); returns a complete
    /// statement and the number of its first line.
    pub fn push(&mut self, line: &str) -> Option<(usize, String)> {
        self.lines += 1;
        if self.pending.is_empty() {
            self.start = self.lines;
        }
        self.pending.push_str(line);
        if !self.pending.ends_with('\n') {
            self.pending.push('\n');
        }
        if incomplete(&self.pending) { None } else { self.take() }
    }

    /// The unfinished statement at the end of the input, if any.
    pub fn finish(&mut self) -> Option<(usize, String)> {
        self.take()
    }

    fn take(&mut self) -> Option<(usize, String)> {
        let mut text = std::mem::take(&mut self.pending);
        text.pop();
        (!text.trim().is_empty()).then_some((self.start, text))
    }
}

/// Runs a script, writing results to `out`. Returns the message for the
/// first error (`error at line N:` and the rendered error).
pub fn run_script(mut input: impl BufRead, out: &mut dyn Write) -> Result<(), String> {
    let mut session = Session::new(false, false);
    let mut split = Splitter::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = input.read_until(b'\n', &mut buf).map_err(|e| format!("error: cannot read the script: {e}"))?;
        let stmt = if n == 0 {
            split.finish()
        } else {
            let Ok(line) = std::str::from_utf8(&buf) else {
                return Err(format!("error at line {}:\nerror: the line is not valid UTF-8", split.lines + 1));
            };
            split.push(line)
        };
        if let Some((start, text)) = stmt {
            match session.execute(&text, out) {
                Ok(Outcome::Continue) => {}
                Ok(Outcome::Quit) => return Ok(()),
                Err(f) => return Err(format!("error at line {}:\n{}", start + f.line, f.message)),
            }
        }
        if n == 0 {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(s: &str) -> (String, Result<(), String>) {
        let mut out = Vec::new();
        let r = run_script(s.as_bytes(), &mut out);
        (String::from_utf8(out).unwrap(), r)
    }

    #[test]
    fn runs_until_the_first_error() {
        let (out, r) = script("x = arange(3)\n# comment\n\nx + 1\ny = (x *\n  2)\nsum(y)\nbad +\nx\n");
        assert_eq!(out, "int64, shape (3,)\narray([1, 2, 3])\nnp.int64(6)\n");
        let e = r.unwrap_err();
        assert!(e.starts_with("error at line 8:\n"), "{e}");
    }

    #[test]
    fn multi_line_errors_name_their_line() {
        let (_, r) = script("x = arange(3)\ny = (x +\n  zz)\n");
        assert!(r.unwrap_err().starts_with("error at line 3:\n"));
    }

    #[test]
    fn quit_stops_cleanly() {
        let (out, r) = script("1 + 1\n:quit\nbad +\n");
        assert_eq!(out, "np.int64(2)\n");
        assert!(r.is_ok());
    }
}
