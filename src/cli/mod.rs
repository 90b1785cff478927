//! Command-line front end (binary only; the library does not depend on it).

mod bench;
mod data;
mod diag;
mod eval;
mod repl;
mod run;
mod session;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// numjet: NumPy-style array expressions, compiled.
#[derive(Parser, Debug)]
#[command(
    name = "numjet",
    version,
    about,
    long_about = None,
    after_help = "With no command, numjet starts the REPL (demo arrays a, b, c are bound; :help inside lists\n\
                  statements and commands). When standard input is not a terminal, numjet runs it as a script,\n\
                  like `numjet run -`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Most memory one evaluation may allocate, such as 4G, 512M or 1e9
    /// bytes (default: half the machine's physical memory).
    #[arg(long, global = true, value_name = "SIZE", value_parser = parse_memory_limit)]
    pub memory_limit: Option<usize>,
    /// The math functions' accuracy: `accurate` (the default, at most 1
    /// ULP) or `fast` (at most 4 ULP, faster; like numexpr's VML accuracy
    /// modes).
    #[arg(long, global = true, value_name = "MODE", value_parser = parse_math)]
    pub math: Option<numjet::MathMode>,
}

fn parse_math(s: &str) -> Result<numjet::MathMode, String> {
    numjet::MathMode::from_name(s).ok_or_else(|| format!("`{s}` is not a math mode (accurate or fast)"))
}

fn parse_memory_limit(s: &str) -> Result<usize, String> {
    numjet::mem::parse_bytes(s).ok_or_else(|| format!("`{s}` is not a size in bytes (such as 4G, 512M, 1e9)"))
}


#[derive(Subcommand, Debug)]
pub enum Command {
    /// Evaluate one program over `.npy` files and numbers.
    Eval(eval::EvalArgs),
    /// Run a script of REPL statements and `:` commands.
    ///
    /// One statement or command per line (continuing while brackets are
    /// open), with the demo arrays a, b, c bound. Only results are printed;
    /// the first error stops the script with `error at line N:` on standard
    /// error and exit status 1.
    Run(run::RunArgs),
    /// Time one program over seeded random arrays.
    ///
    /// Reports the compile time, the median and minimum evaluation time,
    /// elements/s and GB/s.
    Bench(bench::BenchArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(bytes) = cli.memory_limit {
        data::set_memory_limit(bytes);
    }
    if let Some(mode) = cli.math {
        data::set_math(mode);
    }
    let r = match cli.command {
        Some(Command::Eval(args)) => eval::run(args),
        Some(Command::Run(args)) => run::run(args),
        Some(Command::Bench(args)) => bench::run(args),
        None => repl::main(),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}
