//! The `numjet` command line: `eval` now; the REPL, `run` and `bench`
//! arrive with their issue.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
