//! Parsers for text captured from the cf CLI: `cf services`, `cf apps`, `cf env APP`.

use crate::observe::{AppsSeen, Coverage, ServicesSeen};

/// The org, space and user named by a capture's first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub org: String,
    pub space: String,
    pub user: Option<String>,
}

/// What one capture showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture<T> {
    /// `None` when the first line does not name org and space.
    pub target: Option<Target>,
    /// The layout recognised, e.g. `cf services (v8)`.
    pub layout: Option<String>,
    pub part: Coverage<T>,
}

pub fn parse_services(_text: &str) -> Capture<ServicesSeen> {
    Capture {
        target: None,
        layout: None,
        part: Coverage::Unavailable {
            reason: "cf services parser not built yet".into(),
        },
    }
}

pub fn parse_apps(_text: &str) -> Capture<AppsSeen> {
    Capture {
        target: None,
        layout: None,
        part: Coverage::Unavailable {
            reason: "cf apps parser not built yet".into(),
        },
    }
}

/// `cf env APP`: the app's name and the instance names in VCAP_SERVICES (never credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvCapture {
    pub target: Option<Target>,
    pub app: Option<String>,
    pub bound_instances: Coverage<Vec<String>>,
}

pub fn parse_env(_text: &str) -> EnvCapture {
    EnvCapture {
        target: None,
        app: None,
        bound_instances: Coverage::Unavailable {
            reason: "cf env parser not built yet".into(),
        },
    }
}
