//! Why captures could not be used: every message names the file and says what would be valid.

/// A capture that cannot be read or matched, or captures that contradict each other.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CaptureError {
    /// The file (or standard input) could not be read.
    #[error("cannot read {flag} {name}: {reason}")]
    Read {
        /// The flag that named it, e.g. `--cf-services`.
        flag: &'static str,
        /// As given.
        name: String,
        /// Why, as a sentence.
        reason: String,
    },
    /// More than one capture names standard input.
    #[error(
        "standard input (`-`) can be read only once, but {} name it; save the other captures to files",
        .flags.join(" and ")
    )]
    StdinTwice {
        /// The flags that name `-`.
        flags: Vec<&'static str>,
    },
    /// No capture matches an environment to verify, and there is no API to ask.
    #[error("{file}: {subject}; nothing left to verify. Pass --env with one of: {environments}")]
    NothingToVerify {
        /// The first refused capture.
        file: String,
        /// Why it was refused.
        subject: String,
        /// The model's environments with their org and space.
        environments: String,
    },
    /// A `cf env` capture whose first line does not name the app.
    #[error(
        "{file}: the first line does not name the app (expected `Getting env variables for app APP in org ORG / space SPACE as USER...`)"
    )]
    EnvWithoutApp {
        /// The capture.
        file: String,
    },
    /// A refused `cf env` capture whose first line does not name the app either.
    #[error("{file}: {subject}; and its first line does not name the app")]
    RefusedEnvWithoutApp {
        /// The capture.
        file: String,
        /// Why it was refused.
        subject: String,
    },
    /// Two captures of one part for one environment (one per app for `cf env`).
    #[error("two {command} captures for environment {environment}{app}: {first} and {second}; give one", app = .app.as_ref().map(|a| format!(" (app {a})")).unwrap_or_default())]
    Duplicate {
        /// e.g. `cf services`.
        command: &'static str,
        /// The model's environment name.
        environment: String,
        /// The app, for `cf env`.
        app: Option<String>,
        /// The capture accepted first.
        first: String,
        /// The second one.
        second: String,
    },
    /// A refused capture that no environment to verify could take as UNKNOWN evidence
    /// (each already has an accepted capture of that kind): reported, never dropped.
    #[error(
        "{file}: {subject}; every environment to verify ({environments}) already has a {command} capture"
    )]
    Unplaceable {
        /// The capture.
        file: String,
        /// Why it was refused.
        subject: String,
        /// The environments to verify.
        environments: String,
        /// e.g. `cf services`.
        command: &'static str,
    },
}
