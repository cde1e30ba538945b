//! Logs go to stderr through `tracing`, filtered by `RUST_LOG` (default: warnings only), in
//! colour only on a terminal and never with `NO_COLOR`. Nothing secret is ever passed to a log
//! macro: tokens and credentials stay in [`crate::secret::Secret`], whose `Debug` prints
//! `[redacted]`; and every line goes through [`crate::secret::redact`] on its way out.

use std::io::IsTerminal;

/// Logs to stderr, in colour when it is a terminal and `NO_COLOR` is unset.
pub fn init() {
    init_with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none());
}

/// Logs to stderr, in colour when `ansi` (as `--color` decided). Later calls do nothing.
pub fn init_with_ansi(ansi: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| crate::secret::RedactingStderr)
        .with_ansi(ansi)
        .with_target(false)
        .try_init();
}
