//! What one observed part says about one named thing: found, missing, could not be seen, or
//! not covered by any source. Keeps "a check failed" and "a check could not be made" apart.

/// The answer of one part of an observation about one CF name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup<'a, T> {
    Found(&'a T),
    /// The part was seen completely and the name is not in it.
    Missing,
    /// The part could not be seen, or the name is absent but an unreadable piece of the
    /// source might hold it. The reason is a phrase for a report.
    Unknown(String),
    /// No given source covers the part.
    NotCovered,
}

/// The reason for anything a source's unreadable parts might hide.
pub(crate) fn unreadable(gaps: &[String]) -> String {
    format!("part of the source could not be read: {}", gaps.join("; "))
}

/// The message of a check that could not be made: `could not see WHAT: REASON`. Checks that
/// share a reason (a refused capture, a hidden column) are grouped by it in reports, through
/// [`Check::cause`](crate::verify::Check::cause).
pub(crate) fn could_not_see(what: &str, reason: &str) -> String {
    format!("{COULD_NOT_SEE}{what}: {reason}")
}

pub(crate) const COULD_NOT_SEE: &str = "could not see ";

/// The reason given for a part no source covers, by part.
pub(crate) const SERVICES_NOT_COVERED: &str =
    "no source covers service instances (give `cf services` output or use the API)";
pub(crate) const APPS_NOT_COVERED: &str =
    "no source covers apps (give `cf apps` output or use the API)";
pub(crate) const BINDINGS_NOT_COVERED: &str =
    "no source covers bindings (give `cf services` or `cf env APP` output, or use the API)";
