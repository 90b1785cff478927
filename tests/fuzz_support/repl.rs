//! `repl`: any sequence of lines into a REPL session: statements,
//! constructors and `:` commands, grouped into statements as script mode
//! groups them (`run::Splitter`). Unlike script mode, an error does not
//! stop the session: every statement runs. A statement either prints or
//! fails with a rendered error; it never panics.
//!
//! The session lives in the binary (`src/cli`), so its modules are mounted
//! here by path, as they sit under `cli` (they name each other through
//! `super::`). The session runs under a 256 MiB memory limit. Left out, so
//! that a fuzzer cannot touch the file system, hang, measure time or lift
//! the limit: `:load`, `:save`, `:time`, `:memory`, `:threads` above 2,
//! statements with a number literal above [`MAX_LITERAL`], and constructor
//! calls with `**` or `<<` (a cheap guard against constructors of
//! gigabytes; sizes computed at run time meet the memory limit).
#![allow(dead_code, unused_imports)]

#[path = "../../src/cli/data.rs"]
mod data;
#[path = "../../src/cli/diag.rs"]
mod diag;
// `run` names it `super::repl`, so the name stays.
#[path = "../../src/cli/repl.rs"]
#[allow(clippy::module_inception)]
mod repl;
#[path = "../../src/cli/run.rs"]
mod run;
#[path = "../../src/cli/session/mod.rs"]
mod session;

use run::Splitter;
use session::{Outcome, Session};

/// The largest number literal a fuzzed statement may hold.
pub const MAX_LITERAL: f64 = 100_000.0;

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut session = Session::new(false, false);
    // Sizes computed at run time (`zeros(1000*1000*1000)`, a broadcast
    // `x + y` of (1e5, 1) and (1, 1e5)) meet the session's memory limit,
    // as they would for a user, well under libFuzzer's 2 GB malloc limit.
    // (`:memory` lines of the input are left out, so it stays.)
    let _ = session.execute(":memory 256M", &mut std::io::sink());
    let mut split = Splitter::default();
    for line in text.split_inclusive('\n') {
        if let Some((_, stmt)) = split.push(line)
            && !execute(&mut session, &stmt)
        {
            return;
        }
    }
    if let Some((_, stmt)) = split.finish() {
        execute(&mut session, &stmt);
    }
}

/// Runs one statement; `false` after `:quit`.
fn execute(session: &mut Session, stmt: &str) -> bool {
    if !allowed(stmt) {
        return true;
    }
    !matches!(session.execute(stmt, &mut std::io::sink()), Ok(Outcome::Quit))
}

pub fn allowed(stmt: &str) -> bool {
    let t = stmt.trim();
    let (cmd, rest) = t.split_once(char::is_whitespace).map_or((t, ""), |(c, r)| (c, r.trim()));
    match cmd {
        ":load" | ":save" | ":time" | ":memory" => return false,
        ":threads" if rest.parse::<usize>().is_ok_and(|n| n > 2) => return false,
        _ => {}
    }
    let constructs = session::CONSTRUCTORS.iter().any(|c| t.contains(c));
    !big_literal(t) && !(constructs && (t.contains("**") || t.contains("<<")))
}

/// A number literal above [`MAX_LITERAL`] (digits, `_`, `.` and an
/// exponent, read as a float; anything unreadable counts as big).
fn big_literal(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'));
        if !starts {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.' || ((b[i] == b'+' || b[i] == b'-') && matches!(b[i - 1], b'e' | b'E'))) {
            i += 1;
        }
        let lit: String = t[start..i].chars().filter(|&c| c != '_').collect();
        let v = lit.parse::<f64>().ok().or_else(|| {
            let (hex, radix) = if let Some(h) = lit.strip_prefix("0x").or(lit.strip_prefix("0X")) { (h, 16) } else if let Some(h) = lit.strip_prefix("0o").or(lit.strip_prefix("0O")) { (h, 8) } else { (lit.strip_prefix("0b").or(lit.strip_prefix("0B")).unwrap_or(&lit), 2) };
            u128::from_str_radix(hex, radix).ok().map(|x| x as f64)
        });
        if v.is_none_or(|v| v.is_nan() || v > MAX_LITERAL) {
            return true;
        }
    }
    false
}
