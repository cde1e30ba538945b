//! Logs go to stderr through `tracing`, filtered by `RUST_LOG` (default: warnings only).
//! Nothing secret is ever passed to a log macro: tokens and credentials stay in
//! [`crate::secret::Secret`]-like wrappers whose `Debug` prints `[redacted]`.

pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
