//! What one observed part says about one named thing: found, missing, could not be seen, or
//! not covered by any source. Keeps "a check failed" and "a check could not be made" apart.

use crate::verify::cause::Unseen;

/// The answer of one part of an observation about one CF name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup<'a, T> {
    Found(&'a T),
    /// The part was seen completely and the name is not in it.
    Missing,
    /// The part could not be seen, or the name is absent but an unreadable piece of the
    /// source might hold it.
    Unknown(Unseen),
    /// No given source covers the part.
    NotCovered,
}

/// The reason given for a part no source covers, by part.
pub(crate) const SERVICES_NOT_COVERED: &str =
    "no source covers service instances (give `cf services` output or use the API)";
pub(crate) const APPS_NOT_COVERED: &str =
    "no source covers apps (give `cf apps` output or use the API)";
pub(crate) const BINDINGS_NOT_COVERED: &str =
    "no source covers bindings (give `cf services` or `cf env APP` output, or use the API)";
