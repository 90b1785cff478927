//! The `numjet` command line: the REPL (with no command), `run` (a script
//! of REPL statements), `eval` (one program over `.npy` files and numbers)
//! and `bench` (timing on seeded random inputs). See [`cli`].

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
