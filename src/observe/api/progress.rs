//! Progress on stderr, one line per environment, only when stderr is a terminal and progress
//! was asked for; otherwise every call is a no-op and nothing is printed.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// The progress display of a run.
pub(crate) struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    /// Visible only when `wanted` and stderr is a terminal.
    pub(crate) fn new(wanted: bool) -> Self {
        let multi = (wanted && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress { multi }
    }

    /// A line for one environment.
    pub(crate) fn env(&self, name: &str) -> EnvProgress {
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(name.to_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        EnvProgress { bar }
    }
}

/// One environment's line.
pub(crate) struct EnvProgress {
    bar: Option<ProgressBar>,
}

impl EnvProgress {
    pub(crate) fn set(&self, msg: impl Into<String>) {
        if let Some(b) = &self.bar {
            b.set_message(msg.into());
        }
    }

    pub(crate) fn finish(&self, msg: impl Into<String>) {
        if let Some(b) = &self.bar {
            b.finish_with_message(msg.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_when_not_wanted() {
        let p = Progress::new(false);
        assert!(p.multi.is_none());
        let e = p.env("dev");
        e.set("x");
        e.finish("y");
        assert!(e.bar.is_none());
    }
}
