//! What the cf CLI's output looks like, shared by the side that writes it ([`crate::expect`])
//! and the side that reads it ([`crate::observe::cf_text`]): the CLI versions and commands
//! archcheck knows, and the table layout ([`table`]).

pub(crate) mod table;

/// The cf commands whose output archcheck prints as expected and reads as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CfCommand {
    /// `cf services`.
    Services,
    /// `cf apps`.
    Apps,
}

/// cf CLI major versions whose output layout archcheck knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CliVersion {
    /// cf CLI v6 (the legacy code base, `cf/commands`).
    V6,
    /// cf CLI v7.
    V7,
    /// cf CLI v8.
    V8,
}

/// The columns `cf apps` prints in any version: v6's ([`APPS_V6_COLUMNS`]), then what v7
/// and v8 print in place of its `instances` to `urls` ([`APPS_V7_COLUMNS`]).
pub(crate) const APPS_COLUMNS: &[&str] = &[
    "name",
    "requested state",
    "instances",
    "memory",
    "disk",
    "urls",
    "processes",
    "routes",
];

/// The columns of v6's `cf apps`.
pub(crate) const APPS_V6_COLUMNS: &[&str] = APPS_COLUMNS.split_at(6).0;

/// The columns of v7's and v8's `cf apps`.
pub(crate) const APPS_V7_COLUMNS: &[&str] = &["name", "requested state", "processes", "routes"];
