//! Reports of a verdict, one format a file behind [`Reporter`]: text for a person at 2 a.m.
//! ([`text`]), versioned JSON ([`json`]), JUnit XML ([`junit`]) and the Nagios/Icinga plugin
//! output ([`nagios`]). Every format returns bytes, the same bytes for the same verdict (the
//! Nagios performance data's `time` aside). The headline (the worst finding, never a count of
//! failures) is shared by all of them.

pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod nagios;
pub(crate) mod text;

use crate::model::Model;
use crate::verify::{Check, CheckKind, Status, Verdict};

/// The formats a verdict is reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// Text for a person: the headline, then each finding with impact and repair.
    Text,
    /// One versioned JSON document.
    Json,
    /// JUnit XML: an environment a test suite, a check a test case.
    Junit,
    /// A Nagios/Icinga plugin's output: a status line with performance data, then one line
    /// per finding.
    Nagios,
}

/// How to write a report.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// Text, JSON, JUnit or Nagios.
    pub format: ReportFormat,
    /// ANSI colour in the text report (only on a terminal, never with NO_COLOR).
    pub color: bool,
    /// How long the run took, for the formats that report it (Nagios performance data).
    pub elapsed: Option<std::time::Duration>,
    /// How `verify --wait` went, when it waited.
    pub wait: Option<WaitSummary>,
}

/// How a `verify --wait` went: its rounds, the seconds it waited, and how it ended.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct WaitSummary {
    /// Rounds of verification run.
    pub rounds: u32,
    /// From the first round's start to the last round's end, in seconds (a tenth).
    pub seconds_waited: f64,
    /// `--wait`, in seconds.
    pub limit_seconds: f64,
    /// How it ended.
    pub outcome: WaitOutcome,
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitOutcome {
    /// Nothing was pending any more.
    Settled,
    /// A CRITICAL that nothing in progress can settle ended it at once.
    FailedFast,
    /// Checks were still pending at the deadline.
    DidNotSettle,
}

impl WaitSummary {
    /// One line for the text report.
    pub fn describe(&self) -> String {
        let how = match self.outcome {
            WaitOutcome::Settled => "nothing left pending",
            WaitOutcome::FailedFast => "stopped at a CRITICAL that nothing in progress settles",
            WaitOutcome::DidNotSettle => "checks still pending at the deadline",
        };
        format!(
            "Waited {:.1} s of --wait {} over {} {}: {how}",
            self.seconds_waited,
            crate::time_format::duration_flag(std::time::Duration::from_secs_f64(
                self.limit_seconds
            )),
            self.rounds,
            if self.rounds == 1 { "round" } else { "rounds" }
        )
    }
}

/// One report format.
pub(crate) trait Reporter {
    fn report(&self, verdict: &Verdict, model: &Model) -> anyhow::Result<Vec<u8>>;
}

/// The report of a verdict in the chosen format, as bytes to write.
pub fn render(
    verdict: &Verdict,
    model: &Model,
    options: &ReportOptions,
) -> anyhow::Result<Vec<u8>> {
    match options.format {
        ReportFormat::Text => text::TextReport {
            color: options.color,
            wait: options.wait,
        }
        .report(verdict, model),
        ReportFormat::Json => json::JsonReport { wait: options.wait }.report(verdict, model),
        ReportFormat::Junit => junit::JunitReport.report(verdict, model),
        ReportFormat::Nagios => nagios::NagiosReport {
            elapsed: options.elapsed,
        }
        .report(verdict, model),
    }
}

/// The values of the model that `archcheck init --from-api` read from the live state and
/// nobody has reviewed yet (its `observed` marks), as paths: `services.db.plan`. Where the
/// model copies the live state, the live state agreeing with it is no evidence, so every
/// report says so.
pub fn unreviewed_observed(model: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for (id, a) in &model.spec.apps {
        out.extend(
            a.observed
                .keys()
                .map(|f| format!("apps.{id}.{}", f.as_str())),
        );
    }
    for (id, s) in &model.spec.services {
        out.extend(
            s.observed
                .keys()
                .map(|f| format!("services.{id}.{}", f.as_str())),
        );
    }
    out
}

/// The sentence every text report gives when [`unreviewed_observed`] is not empty.
pub fn unreviewed_note(model: &Model) -> Option<String> {
    let paths = unreviewed_observed(model);
    (!paths.is_empty()).then(|| {
        format!(
            "note: the model contains {} read from the live state and not reviewed yet ({}): where the model copies the live state, agreeing with it is no evidence; review them (`archcheck check {}` lists them) and delete their `observed` marks",
            if paths.len() == 1 {
                "1 value".to_owned()
            } else {
                format!("{} values", paths.len())
            },
            paths.join(", "),
            model.file
        )
    })
}

/// How many findings a headline names before "and N more".
const HEADLINE_FINDINGS: usize = 3;

/// The first line of every report: the run's status and its worst findings, e.g.
/// `CRITICAL: staging: c2-staging-worker lost its binding to c2-staging-redis (queue); ...`.
pub fn headline(verdict: &Verdict) -> String {
    let status = verdict.status;
    if verdict.environments.is_empty() {
        return format!("{status}: nothing was verified: no environment was observed");
    }
    let at_status: Vec<_> = verdict
        .environments
        .iter()
        .filter(|e| e.status == status)
        .collect();
    if status == Status::Ok && at_status.len() > HEADLINE_ENVIRONMENTS {
        let ran = verdict
            .checks
            .iter()
            .filter(|c| c.status != Status::NotChecked)
            .count();
        let not_checked = verdict.checks.len() - ran;
        let mut s = format!(
            "OK: all {ran} checks passed in {} environments",
            at_status.len()
        );
        if not_checked > 0 {
            s.push_str(&format!(", {not_checked} not checked"));
        }
        return s;
    }
    let mut parts = Vec::new();
    for env in at_status.iter().take(HEADLINE_ENVIRONMENTS) {
        let checks: Vec<&Check> = verdict.checks_for(&env.name).collect();
        let ran = checks
            .iter()
            .filter(|c| c.status != Status::NotChecked)
            .count();
        let not_checked = checks.len() - ran;
        if status == Status::Ok {
            let mut s = format!("{}: all {ran} checks passed", env.name);
            if not_checked > 0 {
                s.push_str(&format!(", {not_checked} not checked"));
            }
            parts.push(s);
            continue;
        }
        let mut env_findings: Vec<Finding> = findings_of(checks.iter().copied())
            .into_iter()
            .filter(|f| f.status == status)
            .collect();
        // Root causes first: a missing instance or app before the bindings it takes down.
        env_findings.sort_by_key(|f| {
            !matches!(
                f.checks[0].kind,
                CheckKind::ServiceExists | CheckKind::AppExists
            )
        });
        let findings: Vec<String> = env_findings.iter().map(Finding::summary).collect();
        if findings.is_empty() {
            // Nothing ran: say why, from the not-checked reasons.
            let mut reasons: Vec<&str> = checks.iter().map(|c| c.message.as_str()).collect();
            reasons.dedup();
            reasons.truncate(2);
            parts.push(format!(
                "{}: nothing could be checked: {}",
                env.name,
                reasons.join("; ")
            ));
            continue;
        }
        let mut s = format!("{}: ", env.name);
        s.push_str(
            &findings
                .iter()
                .take(HEADLINE_FINDINGS)
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
        );
        if findings.len() > HEADLINE_FINDINGS {
            s.push_str(&format!(
                "; and {} more {status}",
                findings.len() - HEADLINE_FINDINGS
            ));
        }
        parts.push(s);
    }
    if at_status.len() > HEADLINE_ENVIRONMENTS {
        parts.push(format!(
            "and {} more environments {status}",
            at_status.len() - HEADLINE_ENVIRONMENTS
        ));
    }
    // Environments that are not OK at a lesser status are named too: an unreachable prod
    // must not disappear behind a CRITICAL staging.
    let mut others: Vec<_> = verdict
        .environments
        .iter()
        .filter(|e| e.status != status && !matches!(e.status, Status::Ok | Status::NotChecked))
        .collect();
    others.sort_by_key(|e| std::cmp::Reverse(e.status.severity()));
    let mut line = format!("{status}: {}", parts.join(" | "));
    if !others.is_empty() {
        let mut named: Vec<String> = others
            .iter()
            .take(HEADLINE_ENVIRONMENTS)
            .map(|e| format!("{} {}", e.name, e.status))
            .collect();
        if others.len() > HEADLINE_ENVIRONMENTS {
            named.push(format!("and {} more", others.len() - HEADLINE_ENVIRONMENTS));
        }
        line.push_str(&format!(" | also: {}", named.join(", ")));
    }
    line
}

/// How many environments a headline names before it counts the rest.
const HEADLINE_ENVIRONMENTS: usize = 5;

/// Order of failing checks in reports: CRITICAL, UNKNOWN, WARNING.
pub(crate) fn failing_rank(status: Status) -> Option<u8> {
    match status {
        Status::Critical => Some(0),
        Status::Unknown => Some(1),
        Status::Warning => Some(2),
        Status::Ok | Status::NotChecked => None,
    }
}

/// What a report lists as one item: a failing check, or the UNKNOWN checks of one
/// environment that share a cause (a refused capture makes dozens of checks UNKNOWN; a person
/// needs to read the cause once).
#[derive(Debug, Clone)]
pub(crate) struct Finding<'a> {
    pub status: Status,
    pub environment: &'a str,
    pub checks: Vec<&'a Check>,
    /// The shared reason, for a group.
    pub cause: Option<String>,
}

impl Finding<'_> {
    pub(crate) fn summary(&self) -> String {
        match (self.checks.as_slice(), &self.cause) {
            ([one], _) => one.message.clone(),
            (many, Some(cause)) => format!("{} checks could not be made: {cause}", many.len()),
            (many, None) => format!("{} checks failed", many.len()),
        }
    }

    /// `binding (18), service (9)`: how many checks of each kind, in first-seen order.
    pub(crate) fn kinds(&self) -> String {
        let mut kinds: Vec<(&str, usize)> = Vec::new();
        for c in &self.checks {
            let w = c.kind.id_word();
            match kinds.iter_mut().find(|(k, _)| *k == w) {
                Some((_, n)) => *n += 1,
                None => kinds.push((w, 1)),
            }
        }
        kinds
            .iter()
            .map(|(k, n)| format!("{k} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The failing checks as findings, worst first (CRITICAL, UNKNOWN, WARNING), otherwise in
/// verdict order; UNKNOWN checks of one environment with one cause form one finding.
pub(crate) fn findings(verdict: &Verdict) -> Vec<Finding<'_>> {
    findings_of(&verdict.checks)
}

/// [`findings`] of these checks (e.g. one environment's), in one pass.
pub(crate) fn findings_of<'a>(checks: impl IntoIterator<Item = &'a Check>) -> Vec<Finding<'a>> {
    let mut failing: Vec<&Check> = checks
        .into_iter()
        .filter(|c| failing_rank(c.status).is_some())
        .collect();
    failing.sort_by_key(|c| failing_rank(c.status));
    let mut out: Vec<Finding> = Vec::new();
    // Where the finding of each environment and shared cause is in `out`.
    let mut groups: std::collections::HashMap<(&str, String), usize> =
        std::collections::HashMap::new();
    for c in failing {
        let cause = c.shared_reason();
        if let Some(reason) = &cause {
            match groups.entry((c.environment.as_str(), reason.clone())) {
                std::collections::hash_map::Entry::Occupied(at) => {
                    out[*at.get()].checks.push(c);
                    continue;
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(out.len());
                }
            }
        }
        out.push(Finding {
            status: c.status,
            environment: &c.environment,
            checks: vec![c],
            cause,
        });
    }
    out
}

/// Counts of checks by status for one environment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Checks OK.
    pub ok: usize,
    /// Checks WARNING.
    pub warning: usize,
    /// Checks CRITICAL.
    pub critical: usize,
    /// Checks UNKNOWN.
    pub unknown: usize,
    /// Checks NOT CHECKED.
    pub not_checked: usize,
}

impl Counts {
    /// Counts these checks.
    pub fn of<'a>(checks: impl IntoIterator<Item = &'a Check>) -> Counts {
        let mut n = Counts::default();
        for c in checks {
            match c.status {
                Status::Ok => n.ok += 1,
                Status::Warning => n.warning += 1,
                Status::Critical => n.critical += 1,
                Status::Unknown => n.unknown += 1,
                Status::NotChecked => n.not_checked += 1,
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::check_builder::check_with_id;
    use crate::verify::{Detail, Element, EnvironmentVerdict, UnknownCause, Unseen};

    fn unknown(id: &str, message: &str, cause: UnknownCause) -> Check {
        check_with_id(
            id.into(),
            "staging",
            CheckKind::BindingExists,
            id,
            Element::None,
        )
        .unknown(cause, message)
    }

    fn verdict(checks: Vec<Check>) -> Verdict {
        Verdict {
            system: "c2".into(),
            status: Status::Unknown,
            environments: vec![EnvironmentVerdict {
                name: "staging".into(),
                status: Status::Unknown,
                sources: vec![],
            }],
            checks,
        }
    }

    #[test]
    fn unknown_checks_group_by_their_cause_not_their_message() {
        let timeout = || {
            UnknownCause::Unseen(Unseen::SourceFailed {
                reason: "API timed out".into(),
            })
        };
        // Messages that a parser of `could not see WHAT: REASON` would read differently.
        let v = verdict(vec![
            unknown("a", "could not see a: b: API timed out", timeout()),
            unknown("b", "anything at all", timeout()),
            unknown(
                "c",
                "could not see c: API timed out",
                UnknownCause::NotShown(Detail::Routes),
            ),
            unknown(
                "d",
                "could not see d: API timed out",
                UnknownCause::NotShown(Detail::Routes),
            ),
        ]);
        let f = findings(&v);
        assert_eq!(f.len(), 3, "{f:#?}");
        assert_eq!(f[0].cause.as_deref(), Some("API timed out"));
        assert_eq!(f[0].checks.len(), 2);
        assert_eq!(f[0].summary(), "2 checks could not be made: API timed out");
        // A cause of one check alone is never grouped, whatever its message says.
        assert_eq!((f[1].cause.as_deref(), f[1].checks.len()), (None, 1));
        assert_eq!((f[2].cause.as_deref(), f[2].checks.len()), (None, 1));
    }

    #[test]
    fn a_check_that_is_not_unknown_shares_no_reason() {
        let mut c = unknown("a", "m", UnknownCause::Unseen(Unseen::Several(vec![])));
        c.status = Status::Critical;
        assert_eq!(c.shared_reason(), None);
    }
}
