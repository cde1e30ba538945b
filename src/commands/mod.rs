//! One module a command: each turns its clap arguments into work on the library and returns
//! the exit code. Errors bubble up as `anyhow::Error` with context naming the file or URL.

pub mod check;
pub mod completions;
pub mod docs;
pub mod expect;
pub mod manifest;
pub mod render;
pub mod schema;
pub mod sim;
pub mod verify;
pub mod watch;

use crate::cli::Command;
use crate::model::ModelError;
use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// Exit code of an invalid model, bad usage or any error: UNKNOWN.
pub const EXIT_ERROR: u8 = 3;

/// Runs a command and returns its exit code.
pub fn run(command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Check(a) => check::run(&a),
        Command::Render(a) => render::run(&a),
        Command::Expect(a) => expect::run(&a),
        Command::Docs(a) => docs::run(&a),
        Command::Verify(a) => verify::run(&a),
        Command::Manifest(a) => manifest::run(&a),
        Command::Sim(a) => sim::run(&a),
        Command::Watch(a) => watch::run(&a),
        Command::Schema => schema::run(),
        Command::Completions(a) => completions::run(&a),
    }
}

/// Prints an error for a person: a model error with its source excerpt, others with their
/// chain of context.
pub fn print_error(e: &anyhow::Error) {
    if let Some(m) = e.downcast_ref::<ModelError>() {
        eprintln!("{m}");
    } else {
        eprintln!("error: {e:#}");
    }
}

/// Loads a model, keeping its located error intact for [`print_error`].
pub fn load_model(path: &Path) -> anyhow::Result<crate::model::Model> {
    Ok(crate::model::load(path)?)
}

/// Writes bytes to FILE, or to standard output when `None` (a closed pipe is not an error).
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(p) => {
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create directory {}", dir.display()))?;
            }
            std::fs::write(p, bytes).with_context(|| format!("cannot write {}", p.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to standard output"),
            }
        }
    }
}

/// Reads a named input, `-` meaning standard input.
pub fn read_input(name: &str) -> anyhow::Result<Vec<u8>> {
    if name == "-" {
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            anyhow::bail!(
                "`-` reads standard input, which is a terminal here; pipe the output in, e.g. `cf services | archcheck verify MODEL --env ENV --cf-services -`"
            );
        }
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
            .context("cannot read standard input")?;
        Ok(buf)
    } else {
        std::fs::read(name).with_context(|| format!("cannot read {name}"))
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
