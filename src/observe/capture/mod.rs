//! Captured `cf` output as a source: reading capture files (or standard input), telling
//! `cf services` / `cf apps` / `cf env` apart, and matching each capture to the environment its
//! first line names ([`assign`](mod@assign)).
//!
//! A capture for another space than an environment's is never used: that environment's part
//! becomes UNKNOWN, naming both spaces. Parsing the text itself is [`crate::observe::cf_text`]'s
//! job; this module owns what happens around it.

mod assign;
mod error;

pub(crate) use assign::{Assignment, assign};
pub(crate) use error::CaptureError;

use crate::observe::cf_text::{self, Target};
use crate::observe::{AppsSeen, Coverage, ServicesSeen};

/// Which part of a space a capture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CaptureKind {
    /// `cf services`: service instances and their bound apps.
    Services,
    /// `cf apps`: apps, their state, processes and routes.
    Apps,
    /// `cf env APP`: one app's VCAP_SERVICES.
    Env,
}

impl CaptureKind {
    /// The cf command whose output this is, e.g. `cf services`.
    pub(crate) fn command(self) -> &'static str {
        match self {
            CaptureKind::Services => "cf services",
            CaptureKind::Apps => "cf apps",
            CaptureKind::Env => "cf env",
        }
    }

    /// The `verify` flag that takes such a capture, e.g. `--cf-services`.
    pub(crate) fn flag(self) -> &'static str {
        match self {
            CaptureKind::Services => "--cf-services",
            CaptureKind::Apps => "--cf-apps",
            CaptureKind::Env => "--cf-env",
        }
    }
}

/// One capture to read: a file, or `-` for standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CaptureInput {
    /// What the capture holds.
    pub kind: CaptureKind,
    /// As given: a path, or `-`.
    pub name: String,
}

impl CaptureInput {
    /// The input for messages: its path, or `standard input`.
    pub(crate) fn label(&self) -> String {
        if self.is_stdin() {
            "standard input".to_owned()
        } else {
            self.name.clone()
        }
    }

    /// Whether this input is standard input (`-`).
    pub(crate) fn is_stdin(&self) -> bool {
        self.name == "-"
    }

    /// Reads the capture and parses it as its kind.
    pub(crate) fn read(&self) -> Result<ParsedCapture, CaptureError> {
        let bytes = read_named(&self.name).map_err(|reason| CaptureError::Read {
            flag: self.kind.flag(),
            name: self.name.clone(),
            reason,
        })?;
        Ok(self.parse(&bytes))
    }

    /// Parses captured bytes as this input's kind.
    pub(crate) fn parse(&self, bytes: &[u8]) -> ParsedCapture {
        let text = cf_text::text_from_bytes(bytes);
        let text = text.as_ref();
        // Before any parser runs, so that no excerpt, message or log can quote a credential.
        cf_text::credentials::remember_in(text);
        let (target, layout, content) = match self.kind {
            CaptureKind::Services => {
                let c = cf_text::parse_services(text);
                (c.target, c.layout, CaptureContent::Services(c.part))
            }
            CaptureKind::Apps => {
                let c = cf_text::parse_apps(text);
                (c.target, c.layout, CaptureContent::Apps(c.part))
            }
            CaptureKind::Env => {
                let c = cf_text::parse_env(text);
                let content = CaptureContent::Env {
                    app: c.app,
                    bound: c.bound_instances,
                };
                (c.target, None, content)
            }
        };
        let content = match expected_output_marker(target.as_ref(), &content) {
            Some(marker) => content.refused(format!(
                "this is archcheck's expected output (`archcheck expect`: it shows the \
                 placeholder `{marker}`), not a capture of the live space; expected output is \
                 never evidence: run `{}` in the space and verify what it prints",
                self.kind.command()
            )),
            None => content,
        };
        let what = layout.unwrap_or_else(|| self.kind.command().to_owned());
        ParsedCapture {
            kind: self.kind,
            file: self.label(),
            source: format!("{what} from {}", self.label()),
            target,
            content,
        }
    }
}

/// What a parsed capture saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CaptureContent {
    /// `cf services`.
    Services(Coverage<ServicesSeen>),
    /// `cf apps`.
    Apps(Coverage<AppsSeen>),
    /// `cf env APP`: the app its first line names, and the instances its VCAP_SERVICES lists.
    Env {
        /// The app's CF name, when the first line names it.
        app: Option<String>,
        /// Instance names only, never credentials.
        bound: Coverage<Vec<String>>,
    },
}

/// The placeholder of `archcheck expect` that a capture shows, if any: the user of its first
/// line, or a broker. The cf CLI never prints either (a user name comes from the token, a
/// broker from the Cloud Controller), so such text was generated, not captured.
fn expected_output_marker(
    target: Option<&Target>,
    content: &CaptureContent,
) -> Option<&'static str> {
    use crate::expect::{BROKER_PLACEHOLDER, USER_PLACEHOLDER};
    if target.is_some_and(|t| t.user.as_deref() == Some(USER_PLACEHOLDER)) {
        return Some(USER_PLACEHOLDER);
    }
    let broker_placeholder = match content {
        CaptureContent::Services(Coverage::Seen(seen)) => seen
            .instances
            .iter()
            .any(|i| i.broker.as_deref() == Some(BROKER_PLACEHOLDER)),
        _ => false,
    };
    broker_placeholder.then_some(BROKER_PLACEHOLDER)
}

impl CaptureContent {
    /// The same kind of content, unavailable for `reason`: nothing in it is evidence.
    fn refused(self, reason: String) -> CaptureContent {
        match self {
            CaptureContent::Services(_) => {
                CaptureContent::Services(Coverage::Unavailable { reason })
            }
            CaptureContent::Apps(_) => CaptureContent::Apps(Coverage::Unavailable { reason }),
            CaptureContent::Env { app, .. } => CaptureContent::Env {
                app,
                bound: Coverage::Unavailable { reason },
            },
        }
    }

    /// Why the capture could not be read at all, when it could not.
    pub(crate) fn unreadable_reason(&self) -> Option<&str> {
        match self {
            CaptureContent::Services(Coverage::Unavailable { reason })
            | CaptureContent::Apps(Coverage::Unavailable { reason })
            | CaptureContent::Env {
                bound: Coverage::Unavailable { reason },
                ..
            } => Some(reason),
            _ => None,
        }
    }
}

/// A capture, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedCapture {
    /// What the capture holds.
    pub kind: CaptureKind,
    /// The file, for messages (`standard input` for `-`).
    pub file: String,
    /// The source label, e.g. `cf services (v8) from staging.txt`.
    pub source: String,
    /// The org and space its first line names.
    pub target: Option<Target>,
    /// What it saw.
    pub content: CaptureContent,
}

/// Reads a named input, `-` meaning standard input. The error is a sentence for a person.
pub(crate) fn read_named(name: &str) -> Result<Vec<u8>, String> {
    if name == "-" {
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return Err(
                "`-` reads standard input, which is a terminal here; pipe the output in, e.g. `cf services | archcheck verify MODEL --env ENV --cf-services -`"
                    .to_owned(),
            );
        }
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(buf)
    } else {
        std::fs::read(name).map_err(|e| format!("cannot read {name}: {e}"))
    }
}
