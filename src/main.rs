//! The `archcheck` binary: parse arguments, run the command, map the outcome to an exit code
//! (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN or error).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = archcheck::cli::Cli::parse();
    archcheck::logging::init();
    match archcheck::commands::run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            archcheck::commands::print_error(&e);
            ExitCode::from(archcheck::commands::EXIT_ERROR)
        }
    }
}
