//! The Nagios/Icinga plugin output, per the Monitoring Plugins development guidelines
//! (<https://www.monitoring-plugins.org/doc/guidelines.html>):
//!
//! ```text
//! ARCHCHECK CRITICAL - staging: c2-staging-worker lost its binding to c2-staging-redis (queue) | ok=51;;;0;59 warning=0;0;;0;59 ...
//! CRITICAL staging/binding/worker->queue: c2-staging-worker lost its binding to ... (observed: ...) - repair: cf bind-service ...; cf restage ...
//! staging: CRITICAL; checked 53 (51 OK, 0 WARNING, 2 CRITICAL, 0 UNKNOWN); not checked 0; sources: ...
//! ```
//!
//! One status line (`SERVICE STATUS - text | perfdata`), its text at most
//! [`STATUS_LINE_MAX`] characters so that it fits a pager message; then the long output: one
//! line per finding, worst first, and one line per environment (its counts, what was not
//! checked and why, its sources). The exit code (0/1/2/3) is the
//! command's, as for every format. Performance data: `'label'=value[UOM];[warn];[crit];[min];[max]`,
//! the check counts per status (warn and crit thresholds where archcheck applies one: any
//! WARNING check warns, any CRITICAL check is critical), each environment's status code, and
//! with [`ReportOptions::elapsed`](super::ReportOptions::elapsed) the run's `time` in seconds
//! (so, unlike the other formats, the same verdict can give other bytes).
//!
//! `|` separates text from performance data in the plugin API, so it never appears in the
//! text: the headline's ` | ` between environments becomes ` / `, and any other `|` a `/`.

use super::{Counts, Finding, findings, headline};
use crate::model::Model;
use crate::verify::{Check, Status, Verdict};
use std::fmt::Write;
use std::time::Duration;

/// The service name the status line starts with.
pub(crate) const SERVICE: &str = "ARCHCHECK";

/// Longest status line text (before the performance data), in characters: one SMS, since
/// the guidelines ask for output that fits a pager message. Longer headlines are cut at a
/// separator, keeping the environments named after `also:`, and say how many findings the
/// long output lists.
pub(crate) const STATUS_LINE_MAX: usize = 160;

pub(crate) struct NagiosReport {
    /// How long the run took, reported as `time` in seconds.
    pub elapsed: Option<Duration>,
}

impl super::Reporter for NagiosReport {
    fn report(&self, verdict: &Verdict, _model: &Model) -> anyhow::Result<Vec<u8>> {
        let mut out = status_line(verdict);
        out.push_str(" | ");
        out.push_str(&perfdata(verdict, self.elapsed).join(" "));
        out.push('\n');
        let all = findings(verdict);
        for f in &all {
            let _ = writeln!(out, "{}", finding_line(f));
        }
        for env in &verdict.environments {
            let n = Counts::of(verdict.checks_for(&env.name));
            let ran = n.ok + n.warning + n.critical + n.unknown;
            let sources = if env.sources.is_empty() {
                "none".to_owned()
            } else {
                env.sources.join("; ")
            };
            // What was not checked, and why: no evidence is never OK, and says so.
            let mut reasons: Vec<&str> = Vec::new();
            for c in verdict.checks_for(&env.name) {
                if c.status == Status::NotChecked && !reasons.contains(&c.message.as_str()) {
                    reasons.push(&c.message);
                }
            }
            let not_checked = if reasons.is_empty() {
                n.not_checked.to_string()
            } else {
                format!("{} ({})", n.not_checked, reasons.join("; "))
            };
            let line = format!(
                "{}: {}; checked {ran} ({} OK, {} WARNING, {} CRITICAL, {} UNKNOWN); not checked {not_checked}; sources: {sources}",
                env.name,
                word(env.status),
                n.ok,
                n.warning,
                n.critical,
                n.unknown,
            );
            let _ = writeln!(out, "{}", plain(&line));
        }
        Ok(out.into_bytes())
    }
}

/// The plugin status word: a verdict is never "not checked", that is UNKNOWN.
fn word(status: Status) -> &'static str {
    match status {
        Status::NotChecked => Status::Unknown.as_str(),
        s => s.as_str(),
    }
}

/// Text as the plugin API can carry it: one line, no `|`.
pub(crate) fn plain(text: &str) -> String {
    text.replace(" | ", " / ")
        .replace('|', "/")
        .replace(['\r', '\n'], " ")
}

/// `ARCHCHECK CRITICAL - <headline>`, at most [`STATUS_LINE_MAX`] characters.
///
/// A headline too long for that keeps its first environment's findings, cut at a separator,
/// names the other environments at the same status and those after `also:` (an unreachable
/// prod must not hide behind a CRITICAL staging), and says how many findings the long output
/// lists.
pub(crate) fn status_line(verdict: &Verdict) -> String {
    let status = word(verdict.status);
    let prefix = format!("{SERVICE} {status} - ");
    let head = headline(verdict);
    let body = head
        .strip_prefix(&format!("{}: ", verdict.status))
        .unwrap_or(&head);
    let full = format!("{prefix}{}", plain(body));
    if full.chars().count() <= STATUS_LINE_MAX {
        return full;
    }
    let (main, also) = match body.split_once(" | also: ") {
        Some((m, a)) => (m, Some(a)),
        None => (body, None),
    };
    let mut parts = main.split(" | ");
    let first = parts.next().unwrap_or_default();
    // The other environments at this status by name (`staging: ...` is `staging`), or the
    // headline's `and N more environments ...` as it is.
    let others: Vec<&str> = parts
        .map(|p| p.split_once(": ").map_or(p, |(env, _)| env))
        .collect();
    let n = findings(verdict).len();
    let mut tail = String::from("...");
    if !others.is_empty() {
        tail.push_str(&format!(" / also {status}: {}", others.join(", ")));
    }
    if let Some(a) = also {
        tail.push_str(&format!(" / also: {a}"));
    }
    tail.push_str(&format!(
        " ({n} finding{} below)",
        if n == 1 { "" } else { "s" }
    ));
    let tail = plain(&tail);
    let room = STATUS_LINE_MAX.saturating_sub(prefix.chars().count() + tail.chars().count());
    let line = format!("{prefix}{}{tail}", cut(&plain(first), room));
    if line.chars().count() <= STATUS_LINE_MAX {
        line
    } else {
        // Only a tail of many long environment names gets here.
        let mut l: String = line.chars().take(STATUS_LINE_MAX - 3).collect();
        l.push_str("...");
        l
    }
}

/// The longest prefix of `text` of at most `room` characters that ends before a separator
/// (`; `, ` / `, else a space), without trailing punctuation.
fn cut(text: &str, room: usize) -> String {
    let prefix: String = text.chars().take(room).collect();
    if prefix.len() == text.len() {
        return prefix;
    }
    let at = ["; ", " / "]
        .iter()
        .filter_map(|sep| prefix.rfind(sep))
        .max()
        .filter(|&i| i >= prefix.len() / 2)
        .or_else(|| prefix.rfind(' '))
        .unwrap_or(prefix.len());
    prefix[..at]
        .trim_end_matches(|c: char| c.is_whitespace() || ".,;:".contains(c))
        .to_owned()
}

/// One line of long output for a finding: status, check id (or environment for a group),
/// message, what was observed, and the repair commands where there are some.
fn finding_line(f: &Finding) -> String {
    let mut line = match (f.checks.as_slice(), f.cause.as_deref()) {
        ([_, _, ..], Some(cause)) => format!(
            "{} {}: {} checks could not be made: {cause} [{}]",
            word(f.status),
            f.environment,
            f.checks.len(),
            f.kinds()
        ),
        _ => {
            let c: &Check = f.checks[0];
            let mut l = format!("{} {}: {}", word(c.status), c.id, c.message);
            if let Some(o) = c.observed.as_deref().filter(|o| !o.is_empty()) {
                l.push_str(&format!(
                    " (observed: {})",
                    o.lines().collect::<Vec<_>>().join("; ")
                ));
            }
            l
        }
    };
    if let ([c], _) = (f.checks.as_slice(), &f.cause)
        && let Some(repair) = c.repair.as_deref()
    {
        let steps: Vec<&str> = repair
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        line.push_str(&format!(" - repair: {}", steps.join("; ")));
    }
    plain(&line)
}

/// The performance data, each `'label'=value[UOM];[warn];[crit];[min];[max]`.
pub(crate) fn perfdata(verdict: &Verdict, elapsed: Option<Duration>) -> Vec<String> {
    let n = Counts::of(&verdict.checks);
    let total = verdict.checks.len();
    // Threshold ranges as the guidelines define them: `0` alerts on anything above 0.
    let mut out = vec![
        perf("ok", &n.ok.to_string(), "", "", "", "0", &total.to_string()),
        perf(
            "warning",
            &n.warning.to_string(),
            "",
            "0",
            "",
            "0",
            &total.to_string(),
        ),
        perf(
            "critical",
            &n.critical.to_string(),
            "",
            "",
            "0",
            "0",
            &total.to_string(),
        ),
        perf(
            "unknown",
            &n.unknown.to_string(),
            "",
            "",
            "",
            "0",
            &total.to_string(),
        ),
        perf(
            "not_checked",
            &n.not_checked.to_string(),
            "",
            "",
            "",
            "0",
            &total.to_string(),
        ),
    ];
    for env in &verdict.environments {
        out.push(perf(
            &format!("{}_status", env.name),
            &env.status.exit_code().to_string(),
            "",
            "",
            "",
            "0",
            "3",
        ));
    }
    if let Some(d) = elapsed {
        out.push(perf(
            "time",
            &format!("{:.3}", d.as_secs_f64()),
            "s",
            "",
            "",
            "0",
            "",
        ));
    }
    out
}

/// One performance data item; trailing empty fields are dropped, as the guidelines allow.
fn perf(
    label: &str,
    value: &str,
    uom: &str,
    warn: &str,
    crit: &str,
    min: &str,
    max: &str,
) -> String {
    let mut item = format!("{}={value}{uom}", perf_label(label));
    let fields = [warn, crit, min, max];
    let last = fields.iter().rposition(|f| !f.is_empty());
    if let Some(last) = last {
        for f in &fields[..=last] {
            item.push(';');
            item.push_str(f);
        }
    }
    item
}

/// A label, quoted in single quotes when it holds anything but letters, digits, `_`, `-` and
/// `.`; a single quote inside is doubled and `=` (which no label may hold) becomes `_`.
fn perf_label(label: &str) -> String {
    let label = label.replace('=', "_");
    if !label.is_empty()
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        label
    } else {
        format!("'{}'", label.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::check_builder::check_with_id;
    use crate::verify::{CheckKind, Element, EnvironmentVerdict};

    fn check(env: &str, n: usize, status: Status, message: &str) -> Check {
        let id = format!("{env}/binding/app{n}->db");
        let subject = format!("app{n} -> db");
        Check {
            status,
            message: message.into(),
            ..check_with_id(id, env, CheckKind::BindingExists, subject, Element::None)
        }
    }

    fn env(name: &str, status: Status) -> EnvironmentVerdict {
        EnvironmentVerdict {
            name: name.into(),
            status,
            sources: vec![],
        }
    }

    #[test]
    fn a_cut_status_line_still_names_the_environments_after_also() {
        let lost = |env: &str, n: usize| {
            check(
                env,
                n,
                Status::Critical,
                &format!("{env}-application-{n} lost its binding to {env}-database (database)"),
            )
        };
        let v = Verdict {
            system: "c2".into(),
            status: Status::Critical,
            environments: vec![
                env("dev", Status::Critical),
                env("staging", Status::Critical),
                env("prod", Status::Warning),
            ],
            checks: vec![
                lost("dev", 1),
                lost("dev", 2),
                lost("dev", 3),
                lost("staging", 1),
                check("prod", 1, Status::Warning, "a plan differs"),
            ],
        };
        let line = status_line(&v);
        assert_eq!(
            line,
            "ARCHCHECK CRITICAL - dev: dev-application-1 lost its binding to dev-database (database)... \
             / also CRITICAL: staging / also: prod WARNING (5 findings below)"
        );
        assert!(line.chars().count() <= STATUS_LINE_MAX);
        assert!(!line.contains('|'));
    }

    #[test]
    fn a_status_line_that_fits_is_the_headline_with_no_pipe() {
        let v = Verdict {
            system: "c2".into(),
            status: Status::Critical,
            environments: vec![env("dev", Status::Critical), env("prod", Status::Unknown)],
            checks: vec![
                check("dev", 1, Status::Critical, "a lost b"),
                check("prod", 1, Status::Unknown, "could not see c"),
            ],
        };
        assert_eq!(
            status_line(&v),
            "ARCHCHECK CRITICAL - dev: a lost b / also: prod UNKNOWN"
        );
    }

    #[test]
    fn labels_are_quoted_only_when_they_must_be() {
        assert_eq!(perf_label("staging_status"), "staging_status");
        assert_eq!(perf_label("my env_status"), "'my env_status'");
        assert_eq!(perf_label("it's"), "'it''s'");
        assert_eq!(perf_label("a=b"), "a_b");
    }

    #[test]
    fn trailing_empty_fields_are_dropped() {
        assert_eq!(perf("ok", "3", "", "", "", "", ""), "ok=3");
        assert_eq!(perf("ok", "3", "", "", "", "0", "9"), "ok=3;;;0;9");
        assert_eq!(
            perf("time", "0.100", "s", "", "", "0", ""),
            "time=0.100s;;;0"
        );
    }

    #[test]
    fn cut_ends_at_a_separator_within_room() {
        let text = "dev: a lost b; a lost c; a lost d / staging: x";
        assert_eq!(cut(text, 30), "dev: a lost b; a lost c");
        assert_eq!(cut(text, 200), text);
        assert_eq!(cut("one two three", 9), "one two");
    }
}
