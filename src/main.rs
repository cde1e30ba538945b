//! The `archcheck` binary: parse arguments, run the command, map the outcome to an exit code
//! (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN or error).

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match archcheck::cli::Cli::try_parse_ordered_from(std::env::args_os()) {
        Ok(cli) => cli,
        // --help and --version print and succeed; a usage error is UNKNOWN (3), not clap's 2,
        // which a pipeline would read as CRITICAL.
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                archcheck::commands::EXIT_ERROR
            } else {
                0
            });
        }
    };
    let nagios = cli.reports_nagios();
    match archcheck::commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if nagios {
                // A monitoring plugin always prints its status line on standard output.
                archcheck::commands::print_nagios_error(&e);
            }
            archcheck::commands::print_error(&e);
            ExitCode::from(archcheck::commands::EXIT_ERROR)
        }
    }
}
