//! Reports of a verdict, one format a file behind [`Reporter`]: text for a person at 2 a.m.
//! ([`text`]), versioned JSON ([`json`]) and JUnit XML ([`junit`]). Every format returns
//! bytes, the same bytes for the same verdict. The headline (the worst finding, never a
//! count of failures) is shared by all of them.

pub mod json;
pub mod junit;
pub mod text;

use crate::cli::ReportFormat;
use crate::model::Model;
use crate::verify::{Check, Status, Verdict};

#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    pub format: ReportFormat,
    /// ANSI colour in the text report (only on a terminal, never with NO_COLOR).
    pub color: bool,
}

/// One report format.
pub trait Reporter {
    fn report(&self, verdict: &Verdict, model: &Model) -> anyhow::Result<Vec<u8>>;
}

pub fn render(
    verdict: &Verdict,
    model: &Model,
    options: &ReportOptions,
) -> anyhow::Result<Vec<u8>> {
    match options.format {
        ReportFormat::Text => text::TextReport {
            color: options.color,
        }
        .report(verdict, model),
        ReportFormat::Json => json::JsonReport.report(verdict, model),
        ReportFormat::Junit => junit::JunitReport.report(verdict, model),
    }
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
    let mut parts = Vec::new();
    for env in verdict.environments.iter().filter(|e| e.status == status) {
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
        let findings: Vec<&str> = checks
            .iter()
            .filter(|c| c.status == status)
            .map(|c| c.message.as_str())
            .collect();
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
                .copied()
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
    format!("{status}: {}", parts.join(" | "))
}

/// Order of failing checks in reports: CRITICAL, UNKNOWN, WARNING.
pub(crate) fn failing_rank(status: Status) -> Option<u8> {
    match status {
        Status::Critical => Some(0),
        Status::Unknown => Some(1),
        Status::Warning => Some(2),
        Status::Ok | Status::NotChecked => None,
    }
}

/// The failing checks of a verdict, worst first, otherwise in verdict order.
pub(crate) fn failing(verdict: &Verdict) -> Vec<&Check> {
    let mut f: Vec<&Check> = verdict
        .checks
        .iter()
        .filter(|c| failing_rank(c.status).is_some())
        .collect();
    f.sort_by_key(|c| failing_rank(c.status));
    f
}

/// Counts of checks by status for one environment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub ok: usize,
    pub warning: usize,
    pub critical: usize,
    pub unknown: usize,
    pub not_checked: usize,
}

impl Counts {
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
