//! Check statuses, how they combine, and the exit codes they map to.

use serde::Serialize;
use std::fmt;

/// The status of a check, an environment or a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// As the model says.
    Ok,
    /// Off, but nothing critical breaks.
    Warning,
    /// Off in a way that breaks the system.
    Critical,
    /// Could not be observed: source error, timeout, refused output, part hidden.
    Unknown,
    /// No given source covers it. Not part of the verdict, but always reported.
    NotChecked,
}

impl Status {
    /// Rank for "worst of": CRITICAL over UNKNOWN over WARNING over OK; not checked is lowest.
    pub fn severity(self) -> u8 {
        match self {
            Status::NotChecked => 0,
            Status::Ok => 1,
            Status::Warning => 2,
            Status::Unknown => 3,
            Status::Critical => 4,
        }
    }

    /// The worst status of a set of checks. A set with no check that ran has no evidence,
    /// so it is UNKNOWN, never OK.
    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Status {
        statuses
            .into_iter()
            .filter(|s| *s != Status::NotChecked)
            .max_by_key(|s| s.severity())
            .unwrap_or(Status::Unknown)
    }

    /// Monitoring-plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Critical => 2,
            Status::Unknown | Status::NotChecked => 3,
        }
    }

    /// The upper-case word, e.g. `CRITICAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
            Status::NotChecked => "NOT CHECKED",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn worst_orders_critical_over_unknown_over_warning() {
        assert_eq!(Status::worst([Ok, Warning, Unknown]), Unknown);
        assert_eq!(Status::worst([Ok, Unknown, Critical]), Critical);
        assert_eq!(Status::worst([Ok, Warning]), Warning);
        assert_eq!(Status::worst([Ok, NotChecked]), Ok);
    }

    #[test]
    fn no_evidence_is_never_ok() {
        assert_eq!(Status::worst([]), Unknown);
        assert_eq!(Status::worst([NotChecked, NotChecked]), Unknown);
    }
}
