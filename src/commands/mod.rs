//! One module a command: each turns its clap arguments into work on the library and returns
//! the exit code. Errors bubble up as `anyhow::Error` with context naming the file or URL.
//! Commands that reach the API (`verify --api`, `watch`) build the process's one async
//! runtime here (`runtime()`) and block on the library's async code at their edge.

pub(crate) mod check;
pub(crate) mod completions;
pub(crate) mod docs;
pub(crate) mod expect;
pub(crate) mod history;
pub(crate) mod init;
pub(crate) mod manifest;
pub(crate) mod render;
pub(crate) mod schema;
pub(crate) mod sim;
pub(crate) mod verify;
pub(crate) mod watch;

use crate::cli::{Cli, ColorWhen, Command};
use crate::model::ModelError;
use anyhow::Context;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Exit code of an invalid model, bad usage or any error: UNKNOWN.
pub const EXIT_ERROR: u8 = 3;

/// What every command shares, decided once from the global flags and the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Global {
    /// Colour what goes to standard output (reports; never a file written with `--output`).
    pub color_stdout: bool,
    /// Colour what goes to standard error (logs).
    pub color_stderr: bool,
}

impl Global {
    /// Decides colour for both streams from `--color` and the process's environment.
    pub fn from_cli(cli: &Cli) -> Global {
        let env = ColorEnv {
            no_color: std::env::var_os("NO_COLOR").is_some(),
            clicolor_force: std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0"),
        };
        Global {
            color_stdout: use_color(cli.color, std::io::stdout().is_terminal(), env),
            color_stderr: use_color(cli.color, std::io::stderr().is_terminal(), env),
        }
    }
}

/// The colour variables of the environment.
#[derive(Debug, Clone, Copy, Default)]
struct ColorEnv {
    /// `NO_COLOR` is set, to anything (<https://no-color.org>).
    no_color: bool,
    /// `CLICOLOR_FORCE` is set to something other than `0`.
    clicolor_force: bool,
}

/// `--color` wins; `auto` is off with `NO_COLOR`, on with `CLICOLOR_FORCE`, else on for a
/// terminal.
fn use_color(when: ColorWhen, is_terminal: bool, env: ColorEnv) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => !env.no_color && (env.clicolor_force || is_terminal),
    }
}

/// Runs a command and returns its exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let global = Global::from_cli(&cli);
    crate::logging::init_with_ansi(global.color_stderr);
    match cli.command {
        Command::Check(a) => check::run(&a),
        Command::Init(a) => init::run(&a),
        Command::Render(a) => render::run(&a),
        Command::Expect(a) => expect::run(&a),
        Command::Docs(a) => docs::run(&a),
        Command::Verify(a) => verify::run(&a, &global),
        Command::Manifest(a) => manifest::run(&a, &global),
        Command::Sim(a) => sim::run(&a),
        Command::Watch(a) => watch::run(&a, &global),
        Command::History(a) => history::run(&a),
        Command::Schema => schema::run(),
        Command::Completions(a) => completions::run(&a),
    }
}

/// Prints an error for a person: a model error with its source excerpt, others with their
/// chain of context.
pub fn print_error(e: &anyhow::Error) {
    if let Some(m) = e.downcast_ref::<ModelError>() {
        crate::eprintln_redacted!("{m}");
    } else {
        crate::eprintln_redacted!("error: {e:#}");
    }
}

/// An error as one line: a model error as its file and first problem, others with their
/// chain of context.
pub fn error_summary(e: &anyhow::Error) -> String {
    let Some(m) = e.downcast_ref::<ModelError>() else {
        return format!("{e:#}");
    };
    let mut s = format!("{}: invalid model", m.file);
    if let Some(p) = m.problems.first() {
        match &p.path {
            Some(path) => s.push_str(&format!(": {path}: {}", p.message)),
            None => s.push_str(&format!(": {}", p.message)),
        }
    }
    if m.problems.len() > 1 {
        s.push_str(&format!(" (and {} more problems)", m.problems.len() - 1));
    }
    s
}

/// For `--format nagios`: an error as the plugin's status line on standard output,
/// `ARCHCHECK UNKNOWN - error: ...` (the error itself still goes to standard error).
pub fn print_nagios_error(e: &anyhow::Error) {
    let line = format!(
        "{} {} - error: {}\n",
        crate::report::nagios::SERVICE,
        crate::verify::Status::Unknown,
        crate::report::nagios::plain(&error_summary(e))
    );
    let _ = write_output(None, line.as_bytes());
}

/// Loads a model, keeping its located error intact for [`print_error`].
pub fn load_model(path: &Path) -> anyhow::Result<crate::model::Model> {
    Ok(crate::model::load(path)?)
}

/// Writes bytes to FILE, or to standard output when `None` (a closed pipe is not an error).
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    let bytes: &[u8] = &crate::secret::redact_bytes(bytes);
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

/// Reads a UTF-8 text file; `what` names it in the errors (`manifest`, `vars file`).
pub(crate) fn read_text(path: &Path, what: &str) -> anyhow::Result<String> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read {what} {}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: the {what} is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// Writes the URL a server listens on to `--url-file` FILE, as one line: written whole, then
/// renamed, so a script polling for the file never reads half.
pub(crate) fn write_url_file(file: &Path, url: &str) -> anyhow::Result<()> {
    let mut tmp = file.to_path_buf().into_os_string();
    tmp.push(".tmp");
    std::fs::write(&tmp, format!("{url}\n"))
        .and_then(|()| std::fs::rename(&tmp, file))
        .with_context(|| format!("cannot write {}", file.display()))
}

/// The process's async runtime for the API source: built once by `verify` (with `--api`) and
/// `watch` at their edge and blocked on there; the library's async code runs on it and builds
/// none.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_flag_then_no_color_then_clicolor_force_then_the_terminal() {
        let none = ColorEnv::default();
        let no_color = ColorEnv {
            no_color: true,
            ..none
        };
        let force = ColorEnv {
            clicolor_force: true,
            ..none
        };
        assert!(use_color(ColorWhen::Auto, true, none));
        assert!(!use_color(ColorWhen::Auto, false, none));
        assert!(!use_color(ColorWhen::Auto, true, no_color));
        assert!(use_color(ColorWhen::Auto, false, force));
        assert!(!use_color(
            ColorWhen::Auto,
            true,
            ColorEnv {
                no_color: true,
                clicolor_force: true
            }
        ));
        assert!(use_color(ColorWhen::Always, false, no_color));
        assert!(!use_color(ColorWhen::Never, true, force));
    }
}
