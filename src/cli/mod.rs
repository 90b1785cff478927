//! Command-line front end (binary only; the library does not depend on it).

mod diag;
mod eval;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// numjet: NumPy-style array expressions, compiled.
#[derive(Parser, Debug)]
#[command(name = "numjet", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Evaluate one program over `.npy` files and numbers.
    Eval(eval::EvalArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.command {
        Some(Command::Eval(args)) => eval::run(args),
        None => {
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            Ok(())
        }
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}
