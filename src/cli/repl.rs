//! The interactive REPL (`numjet` on a terminal): `rustyline` line editing
//! with persistent history, tab completion and multi-line input while
//! brackets are open. Off a terminal, `numjet` runs its standard input as a
//! script instead (see [`super::run`]).

use std::borrow::Cow;
use std::io::IsTerminal;
use std::path::PathBuf;

use numjet::syntax::vocab;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{CompletionType, Config, Context, Editor, Helper};

use super::session::{COMMANDS, CONSTRUCTORS, Outcome, Session};
use super::{diag, run};

const PROMPT: &str = ">>> ";

/// `numjet` with no subcommand.
pub fn main() -> Result<(), String> {
    if !std::io::stdin().is_terminal() {
        return run::run_stdin();
    }
    let mut session = Session::new(diag::stderr_color(), true);
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .max_history_size(10_000)
        .map_err(|e| format!("error: {e}"))?
        .build();
    let mut rl: Editor<ReplHelper, DefaultHistory> =
        Editor::with_config(config).map_err(|e| format!("error: cannot start the line editor: {e}"))?;
    rl.set_helper(Some(ReplHelper::new(session.var_names())));
    let history = history_path();
    if let Some(p) = &history {
        // A missing or unreadable history file is not an error.
        let _ = rl.load_history(p);
    }
    println!("{}", Session::banner());
    let mut stdout = std::io::stdout();
    loop {
        match rl.readline(PROMPT) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = rl.add_history_entry(line.as_str());
                    if let Some(p) = &history {
                        save_history(&mut rl, p);
                    }
                }
                // Pasted text may hold several statements and commands:
                // run them one by one, as a script would, up to an error.
                let mut split = run::Splitter::default();
                let mut stmts: Vec<(usize, String)> = line.split_inclusive('\n').filter_map(|l| split.push(l)).collect();
                stmts.extend(split.finish());
                let mut quit = false;
                for (_, text) in stmts {
                    match session.execute(&text, &mut stdout) {
                        Ok(Outcome::Quit) => {
                            quit = true;
                            break;
                        }
                        Ok(Outcome::Continue) => {}
                        Err(f) => {
                            eprintln!("{}", f.message);
                            break;
                        }
                    }
                }
                if quit {
                    break;
                }
                if let Some(h) = rl.helper_mut() {
                    h.vars = session.var_names();
                }
            }
            // Ctrl-C cancels the line being edited.
            Err(ReadlineError::Interrupted) => {}
            Err(ReadlineError::Eof) => break,
            Err(ReadlineError::Signal(_)) => {}
            Err(e) => return Err(format!("error: cannot read input: {e}")),
        }
    }
    Ok(())
}

/// `$XDG_DATA_HOME/numjet/history`, else `$HOME/.local/share/numjet/history`.
pub fn history_path() -> Option<PathBuf> {
    let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = nonempty("XDG_DATA_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| nonempty("HOME").map(|h| h.join(".local").join("share")))?;
    Some(base.join("numjet").join("history"))
}

fn save_history(rl: &mut Editor<ReplHelper, DefaultHistory>, p: &std::path::Path) {
    if let Some(dir) = p.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = rl.save_history(p);
}

/// Whether `text` still has brackets open (outside comments), or ends
/// with a line-continuing backslash.
pub fn incomplete(text: &str) -> bool {
    let mut depth = 0i64;
    for line in text.lines() {
        for ch in line.chars() {
            match ch {
                '#' => break,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
        }
    }
    depth > 0 || text.trim_end_matches([' ', '\t']).ends_with('\\')
}

/// Completion, multi-line validation; no hints or highlighting.
pub struct ReplHelper {
    pub vars: Vec<String>,
    words: Vec<(String, bool)>,
    files: FilenameCompleter,
}

impl ReplHelper {
    pub fn new(vars: Vec<String>) -> ReplHelper {
        // Functions complete with their opening parenthesis.
        let mut words: Vec<(String, bool)> = vocab::function_names().chain(CONSTRUCTORS).map(|f| (f.to_string(), true)).collect();
        words.extend(vocab::constant_names().chain(vocab::KEYWORDS).map(|w| (w.to_string(), false)));
        words.sort();
        words.dedup();
        ReplHelper { vars, words, files: FilenameCompleter::new() }
    }

    /// Candidates for the identifier ending at `pos`.
    fn complete_word(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let before = &line[..pos];
        let start = before.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
        let word = &before[start..];
        if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
            return (pos, vec![]);
        }
        let mut out: Vec<Pair> = Vec::new();
        for v in self.vars.iter().filter(|v| v.starts_with(word)) {
            out.push(Pair { display: v.clone(), replacement: v.clone() });
        }
        for (w, call) in self.words.iter().filter(|(w, _)| w.starts_with(word)) {
            if out.iter().any(|p| p.display == *w) {
                continue;
            }
            let replacement = if *call { format!("{w}(") } else { w.clone() };
            out.push(Pair { display: w.clone(), replacement });
        }
        out.sort_by(|a, b| a.display.cmp(&b.display));
        (start, out)
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let pos = pos.min(line.len());
        if !line.is_char_boundary(pos) {
            return Ok((pos, vec![]));
        }
        let before = &line[..pos];
        // The command word itself.
        if before.starts_with(':') && !before.contains(char::is_whitespace) {
            let c = COMMANDS
                .iter()
                .filter(|c| c.0.starts_with(before))
                .map(|c| Pair { display: c.0.to_string(), replacement: format!("{} ", c.0) })
                .collect();
            return Ok((0, c));
        }
        // File names: `:load NAME <path>` and `:save <path>`.
        let words: Vec<&str> = before.split_whitespace().collect();
        let at_new_word = before.ends_with(char::is_whitespace);
        let arg_index = if at_new_word { words.len() } else { words.len().saturating_sub(1) };
        if (words.first() == Some(&":load") && arg_index == 2) || (words.first() == Some(&":save") && arg_index == 1) {
            return self.files.complete(line, pos, ctx);
        }
        Ok(self.complete_word(line, pos))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        Cow::Borrowed(line)
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if incomplete(ctx.input()) { ValidationResult::Incomplete } else { ValidationResult::Valid(None) })
    }
}

impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_and_backslashes_continue() {
        assert!(incomplete("sin(a"));
        assert!(incomplete("a + \\"));
        assert!(!incomplete("sin(a)"));
        assert!(!incomplete("sin(a)) # ("));
        assert!(incomplete("f(a, # )\n"));
    }

    #[test]
    fn completes_variables_functions_and_commands() {
        let h = ReplHelper::new(vec!["alpha".into(), "beta".into()]);
        let (s, c) = h.complete_word("1 + alp", 7);
        assert_eq!(s, 4);
        assert_eq!(c.iter().map(|p| p.replacement.as_str()).collect::<Vec<_>>(), ["alpha"]);
        let (_, c) = h.complete_word("sq", 2);
        assert!(c.iter().any(|p| p.replacement == "sqrt("));
        let (_, c) = h.complete_word("aran", 4);
        assert_eq!(c[0].replacement, "arange(");
    }
}
