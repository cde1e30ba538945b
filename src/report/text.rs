//! The text report, for a person at 2 a.m.: the headline (the worst finding), then every
//! failing check worst first with what is missing, what it breaks and the command that would
//! repair it, then a short account per environment of what was checked and what was not.

use super::{Counts, Reporter, findings, headline};
use crate::model::Model;
use crate::verify::{Check, Status, Verdict};
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

pub(crate) struct TextReport {
    /// ANSI colour; the caller decides (a terminal, and NO_COLOR unset).
    pub color: bool,
    /// How `verify --wait` went, when it waited: a last line.
    pub wait: Option<super::WaitSummary>,
}

impl Reporter for TextReport {
    fn report(&self, verdict: &Verdict, model: &Model) -> anyhow::Result<Vec<u8>> {
        let p = Painter { color: self.color };
        let mut out = String::new();
        let _ = writeln!(out, "{}", p.status(verdict.status, &headline(verdict)));
        if let Some(note) = super::unreviewed_note(model) {
            let _ = writeln!(out, "{}", p.paint(AnsiColor::Yellow.on_default(), &note));
        }
        write_findings(&mut out, &p, verdict);
        write_checked(&mut out, &p, verdict);
        if let Some(w) = &self.wait {
            let _ = writeln!(out, "\n{}", w.describe());
        }
        Ok(out.into_bytes())
    }
}

/// ANSI styles, or plain text when colour is off.
struct Painter {
    color: bool,
}

impl Painter {
    const DIM: Style = AnsiColor::BrightBlack.on_default();
    const BOLD: Style = Style::new().bold();

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    /// `text` in the colour of `status`.
    fn status(&self, status: Status, text: &str) -> String {
        let style = match status {
            Status::Ok => AnsiColor::Green.on_default().bold(),
            Status::Warning => AnsiColor::Yellow.on_default().bold(),
            Status::Critical => AnsiColor::Red.on_default().bold(),
            Status::Unknown => AnsiColor::Magenta.on_default().bold(),
            Status::NotChecked => AnsiColor::BrightBlack.on_default(),
        };
        self.paint(style, text)
    }

    /// A status word padded to one column, in its colour.
    fn status_word(&self, status: Status) -> String {
        self.status(status, &format!("{:<8}", status.as_str()))
    }
}

/// Every failing check worst first; UNKNOWN checks that share a cause once, under it.
fn write_findings(out: &mut String, p: &Painter, verdict: &Verdict) {
    let findings = findings(verdict);
    if findings.is_empty() {
        let _ = writeln!(out, "\nNo failing checks.");
    }
    for f in &findings {
        let _ = writeln!(out);
        if let ([_, _, ..], Some(cause)) = (f.checks.as_slice(), f.cause.as_deref()) {
            let title = format!(
                "{}: {} checks could not be made",
                f.environment,
                f.checks.len()
            );
            let _ = writeln!(
                out,
                "{}  {}",
                p.status_word(f.status),
                p.paint(Painter::BOLD, &title)
            );
            field(out, p, "why", Some(cause));
            field(out, p, "checks", Some(&f.kinds()));
            continue;
        }
        let c = f.checks[0];
        let _ = writeln!(
            out,
            "{}  {}",
            p.status_word(c.status),
            p.paint(Painter::BOLD, &c.id)
        );
        let _ = writeln!(out, "  {}", c.message);
        field(out, p, "expected", c.expected.as_deref());
        field(out, p, "observed", c.observed.as_deref());
        field(out, p, "impact", c.impact.as_deref());
        field(out, p, "repair", c.repair.as_deref());
        let cause = c.explained.as_ref().map(|e| e.text.as_str());
        field(out, p, "cause", cause);
    }
}

/// Per environment: its status, its sources, what was checked and what was not, and why.
fn write_checked(out: &mut String, p: &Painter, verdict: &Verdict) {
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", p.paint(Painter::BOLD, "What was checked"));
    for env in &verdict.environments {
        let checks: Vec<&Check> = verdict.checks_for(&env.name).collect();
        let n = Counts::of(checks.iter().copied());
        let _ = writeln!(
            out,
            "  {}: {}",
            env.name,
            p.status(env.status, env.status.as_str())
        );
        let sources = if env.sources.is_empty() {
            "none".to_owned()
        } else {
            env.sources.join("; ")
        };
        let _ = writeln!(out, "    sources: {sources}");
        let ran = n.ok + n.warning + n.critical + n.unknown;
        let _ = writeln!(
            out,
            "    checked: {ran} ({} OK, {} CRITICAL, {} UNKNOWN, {} WARNING)",
            n.ok, n.critical, n.unknown, n.warning
        );
        if n.not_checked == 0 {
            let _ = writeln!(out, "    not checked: none");
            continue;
        }
        let _ = writeln!(out, "    not checked: {}", n.not_checked);
        for (reason, kinds, subjects) in not_checked_groups(&checks) {
            let _ = writeln!(out, "      - {reason}");
            let _ = writeln!(
                out,
                "        {} of {}",
                kinds.join(", "),
                subjects.join(", ")
            );
        }
    }
}

/// A labelled field of a finding, its continuation lines indented under the first.
fn field(out: &mut String, p: &Painter, label: &str, value: Option<&str>) {
    let Some(v) = value else { return };
    let mut lines = v.lines();
    let first = lines.next().unwrap_or("");
    let _ = writeln!(
        out,
        "  {} {first}",
        p.paint(Painter::DIM, &format!("{label:<9}"))
    );
    for l in lines {
        let _ = writeln!(out, "            {l}");
    }
}

/// Not-checked checks grouped by reason, in first-seen order: (reason, kind words, subjects).
fn not_checked_groups<'a>(checks: &[&'a Check]) -> Vec<(&'a str, Vec<&'static str>, Vec<&'a str>)> {
    let mut groups: Vec<(&str, Vec<&'static str>, Vec<&str>)> = Vec::new();
    for c in checks.iter().filter(|c| c.status == Status::NotChecked) {
        let i = match groups.iter().position(|g| g.0 == c.message) {
            Some(i) => i,
            None => {
                groups.push((c.message.as_str(), Vec::new(), Vec::new()));
                groups.len() - 1
            }
        };
        let g = &mut groups[i];
        let word = c.kind.id_word();
        if !g.1.contains(&word) {
            g.1.push(word);
        }
        if !g.2.contains(&c.subject.as_str()) {
            g.2.push(c.subject.as_str());
        }
    }
    groups
}
