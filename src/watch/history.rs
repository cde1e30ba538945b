//! `archcheck history`: what a `watch --state FILE` recorded, as the incident report's
//! timeline: every transition in words, then per environment and per check (each binding
//! its own) the *outage windows*, spans during which it was CRITICAL or WARNING, with their
//! durations.
//!
//! Only what the evidence showed is said: a window opens at the first transition that showed
//! the trouble and closes at the first one that showed it gone (UNKNOWN in between keeps it
//! open: no evidence is not a repair). When the round before the window's first evidence is
//! stored, the window says when the environment was last seen in its earlier status, so the
//! time to detect is bounded by the difference. A window still open is open "so far", as of
//! the last stored round, never as of now.

use super::store::{Reader, Start, StoredRound, Transition, rfc3339_ms};
use crate::time_format::{date_time, span};
use crate::verify::Status;
use serde::Serialize;
use std::collections::BTreeMap;

/// The version of the JSON document's shape.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// Everything `history` prints.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct History {
    pub format_version: u32,
    pub system: Option<String>,
    /// The environment asked for, if any.
    pub environment: Option<String>,
    /// The start of the period shown (`--since`), if any.
    pub since: Option<String>,
    /// The last stored round's evidence time.
    pub last_round_at: Option<String>,
    pub starts: Vec<Start>,
    pub transitions: Vec<Transition>,
    pub outages: Vec<Outage>,
}

/// A span during which an environment was not OK (CRITICAL or WARNING).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Outage {
    pub environment: String,
    /// The worst status seen in the window.
    pub worst: Status,
    pub start: String,
    /// `None`: still open at the last transition.
    pub end: Option<String>,
    /// To `end`, or (still open) to the last stored round.
    pub duration_seconds: u64,
    /// The round before the window's first evidence: when the environment was last seen, and
    /// in which status. The trouble began between then and `start`.
    pub last_seen_before: Option<SeenAt>,
    /// Each check that was CRITICAL or WARNING within the window, with its own windows.
    pub checks: Vec<CheckOutage>,
    #[serde(skip)]
    start_ms: i64,
    #[serde(skip)]
    end_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SeenAt {
    pub at: String,
    pub status: Status,
    #[serde(skip)]
    at_ms: i64,
}

/// A span during which one check was CRITICAL or WARNING.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CheckOutage {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub worst: Status,
    /// The message of its first not-OK status.
    pub message: String,
    pub cause: Option<String>,
    pub start: String,
    pub end: Option<String>,
    pub duration_seconds: u64,
    #[serde(skip)]
    start_ms: i64,
    #[serde(skip)]
    end_ms: Option<i64>,
}

fn is_trouble(s: Status) -> bool {
    matches!(s, Status::Critical | Status::Warning)
}

fn worse(a: Status, b: Status) -> Status {
    if b.severity() > a.severity() { b } else { a }
}

/// Reads the history of `env` (or all) since `since_ms` (or all kept) from a state file.
pub(crate) fn read(
    reader: &Reader,
    env: Option<&str>,
    since_ms: Option<i64>,
) -> anyhow::Result<History> {
    // Windows that began before `since` are still told from their start: read everything,
    // then cut.
    let transitions = reader.transitions(env, None)?;
    let rounds = reader.rounds(None)?;
    let starts = reader.starts(since_ms)?;
    let last_round_ms = reader.last_round_ms()?;
    let mut outages = outages(&transitions, &rounds, last_round_ms);
    if let Some(since) = since_ms {
        outages.retain(|o| o.end_ms.is_none_or(|e| e >= since));
    }
    Ok(History {
        format_version: FORMAT_VERSION,
        system: reader.system()?,
        environment: env.map(str::to_owned),
        since: since_ms.map(rfc3339_ms),
        last_round_at: last_round_ms.map(rfc3339_ms),
        starts,
        transitions: transitions
            .into_iter()
            .filter(|t| since_ms.is_none_or(|s| t.at_ms >= s))
            .collect(),
        outages,
    })
}

/// When a transition's evidence was read: its `observed_at`, else when it was announced.
fn evidence_ms(t: &Transition) -> i64 {
    t.observed_at_ms.unwrap_or(t.at_ms)
}

/// The outage windows of a timeline (oldest first), per environment in order of first
/// appearance.
pub(crate) fn outages(
    transitions: &[Transition],
    rounds: &[StoredRound],
    last_round_ms: Option<i64>,
) -> Vec<Outage> {
    let mut open: BTreeMap<String, Outage> = BTreeMap::new();
    // Per environment, per check id: the open check window.
    let mut open_checks: BTreeMap<String, BTreeMap<String, CheckOutage>> = BTreeMap::new();
    let mut out: Vec<Outage> = Vec::new();
    let until = |start: i64| last_round_ms.unwrap_or(start).max(start);
    for t in transitions {
        let at = evidence_ms(t);
        let env = &t.environment;
        // Checks first, so a window closing with the environment has its checks closed too.
        let checks = open_checks.entry(env.clone()).or_default();
        let mut closed_checks: Vec<CheckOutage> = Vec::new();
        for c in &t.changed_checks {
            match (checks.get_mut(&c.id), is_trouble(c.status)) {
                (Some(w), true) => w.worst = worse(w.worst, c.status),
                (Some(_), false) if c.status == Status::Ok => {
                    if let Some(mut w) = checks.remove(&c.id) {
                        w.end_ms = Some(at);
                        w.end = Some(rfc3339_ms(at));
                        w.duration_seconds = secs(at - w.start_ms);
                        closed_checks.push(w);
                    }
                }
                // UNKNOWN (or not checked): no evidence either way, the window stays open.
                (Some(_), false) => {}
                (None, true) => {
                    checks.insert(
                        c.id.clone(),
                        CheckOutage {
                            id: c.id.clone(),
                            kind: c.kind.clone(),
                            subject: c.subject.clone(),
                            worst: c.status,
                            message: c.message.clone(),
                            cause: c.cause.clone(),
                            start: rfc3339_ms(at),
                            end: None,
                            duration_seconds: 0,
                            start_ms: at,
                            end_ms: None,
                        },
                    );
                }
                (None, false) => {}
            }
        }
        if let Some(w) = open.get_mut(env) {
            w.checks.extend(closed_checks);
            if is_trouble(t.status) {
                w.worst = worse(w.worst, t.status);
            } else if t.status == Status::Ok {
                let mut w = open.remove(env).expect("present");
                w.end_ms = Some(at);
                w.end = Some(rfc3339_ms(at));
                w.duration_seconds = secs(at - w.start_ms);
                // Checks still open when the environment is OK again closed with it.
                for (_, mut c) in std::mem::take(checks) {
                    c.end_ms = Some(at);
                    c.end = Some(rfc3339_ms(at));
                    c.duration_seconds = secs(at - c.start_ms);
                    w.checks.push(c);
                }
                out.push(w);
            }
        } else if is_trouble(t.status) {
            let before = rounds
                .iter()
                .rev()
                .find(|r| r.observed_at_ms < at)
                .and_then(|r| {
                    r.statuses.get(env).map(|s| SeenAt {
                        at: rfc3339_ms(r.observed_at_ms),
                        status: if r.fresh { *s } else { Status::Unknown },
                        at_ms: r.observed_at_ms,
                    })
                });
            open.insert(
                env.clone(),
                Outage {
                    environment: env.clone(),
                    worst: t.status,
                    start: rfc3339_ms(at),
                    end: None,
                    duration_seconds: 0,
                    last_seen_before: before,
                    checks: closed_checks,
                    start_ms: at,
                    end_ms: None,
                },
            );
        }
    }
    for (env, mut w) in open {
        w.duration_seconds = secs(until(w.start_ms) - w.start_ms);
        for (_, mut c) in open_checks.remove(&env).unwrap_or_default() {
            c.duration_seconds = secs(until(c.start_ms) - c.start_ms);
            w.checks.push(c);
        }
        out.push(w);
    }
    for w in &mut out {
        w.checks
            .sort_by(|a, b| a.start_ms.cmp(&b.start_ms).then(a.id.cmp(&b.id)));
    }
    out.sort_by(|a, b| {
        a.start_ms
            .cmp(&b.start_ms)
            .then(a.environment.cmp(&b.environment))
    });
    out
}

fn secs(ms: i64) -> u64 {
    (ms.max(0) / 1000) as u64
}

fn when(ms: i64) -> String {
    date_time(ms.div_euclid(1000))
}

/// `17:00:03`, or the whole date and time when it is another day than `from`.
fn when_after(ms: i64, from: i64) -> String {
    let full = when(ms);
    if full.get(..10) == when(from).get(..10) {
        full[11..].to_owned()
    } else {
        full
    }
}

/// What a check's kind is called in a window line.
fn kind_word(kind: &str) -> &str {
    match kind {
        "binding_exists" => "binding",
        "service_exists" => "service",
        "service_plan" => "service plan",
        "service_operation" => "service operation",
        "app_exists" => "app",
        "app_instances" => "app instances",
        "app_routes" => "app routes",
        "unexpected" => "unexpected",
        other => other,
    }
}

/// The summary of a transition after `PREV -> STATUS: `, given each check's status before it
/// (`state`, updated).
fn summary(t: &Transition, state: &mut BTreeMap<String, (Status, String)>) -> String {
    let back: Vec<&str> = t
        .changed_checks
        .iter()
        .filter(|c| c.status == Status::Ok && c.previous.is_some())
        .map(|c| c.subject.as_str())
        .collect();
    let bad: Vec<String> = t
        .changed_checks
        .iter()
        .filter(|c| is_trouble(c.status))
        .map(|c| c.message.clone())
        .collect();
    for c in &t.changed_checks {
        state.insert(c.id.clone(), (c.status, c.subject.clone()));
    }
    let changed: Vec<&str> = t.changed_checks.iter().map(|c| c.id.as_str()).collect();
    let still: Vec<String> = state
        .iter()
        .filter(|(id, (s, _))| is_trouble(*s) && !changed.contains(&id.as_str()))
        .map(|(_, (_, subject))| subject.clone())
        .collect();
    let mut parts = Vec::new();
    if !bad.is_empty() {
        parts.push(bad.join("; "));
    }
    if !back.is_empty() {
        parts.push(format!("back: {}", back.join(", ")));
    }
    if !still.is_empty() && (!back.is_empty() || t.previous == Some(t.status)) {
        parts.push(format!("still not OK: {}", still.join(", ")));
    }
    if t.status == Status::Unknown || parts.is_empty() {
        // No evidence, or nothing check by check to say: the headline says why.
        return t
            .headline
            .split_once(": ")
            .map_or(t.headline.as_str(), |(_, rest)| rest)
            .to_owned();
    }
    parts.join("; ")
}

/// The history as text: the timeline, then the outage windows.
pub(crate) fn text(h: &History) -> String {
    let mut w = String::new();
    let system = h.system.as_deref().unwrap_or("?");
    w.push_str(&format!(
        "History of {system}{}{} (times UTC)\n",
        h.environment
            .as_ref()
            .map_or_else(String::new, |e| format!(", environment {e}")),
        h.since.as_ref().map_or_else(String::new, |s| format!(
            ", since {}",
            s.replace('T', " ").trim_end_matches('Z')
        )),
    ));
    w.push_str("\nTimeline\n");
    // Starts and transitions, in time order.
    let mut events: Vec<(i64, String)> = Vec::new();
    for s in &h.starts {
        events.push((
            s.at_ms,
            format!(
                "{}  archcheck watch {} started: every {}, {}",
                when(s.at_ms),
                s.version,
                span(secs(s.interval_ms)),
                s.environments.join(", ")
            ),
        ));
    }
    let mut states: BTreeMap<String, BTreeMap<String, (Status, String)>> = BTreeMap::new();
    for t in &h.transitions {
        let state = states.entry(t.environment.clone()).or_default();
        let head = match t.previous {
            Some(p) => format!("{p} -> {}", t.status),
            None => format!("first seen {}", t.status),
        };
        let mut line = format!(
            "{}  {}  {head}: {}",
            when(t.at_ms),
            t.environment,
            summary(t, state)
        );
        // Causes are said once per distinct cause.
        let mut causes: Vec<&str> = t
            .changed_checks
            .iter()
            .filter_map(|c| c.cause.as_deref())
            .collect();
        causes.dedup();
        for cause in causes {
            if !line.contains(cause) {
                line.push_str(&format!(" (cause: {cause})"));
            }
        }
        events.push((t.at_ms, line));
    }
    events.sort_by_key(|(at, _)| *at);
    if events.is_empty() {
        w.push_str("  (nothing recorded in this period)\n");
    }
    for (_, line) in events {
        w.push_str(&line);
        w.push('\n');
    }
    w.push_str("\nOutage windows (CRITICAL or WARNING; UNKNOWN in between keeps a window open)\n");
    if h.outages.is_empty() {
        w.push_str("  none\n");
    }
    for o in &h.outages {
        let span_text = match o.end_ms {
            Some(end) => format!(
                "{} -> {}  {}",
                when(o.start_ms),
                when_after(end, o.start_ms),
                span(o.duration_seconds)
            ),
            None => format!(
                "{} -> still not OK at the last round  {} so far",
                when(o.start_ms),
                span(o.duration_seconds)
            ),
        };
        w.push_str(&format!("{}  {}  {span_text}", o.environment, o.worst));
        if let Some(before) = &o.last_seen_before {
            w.push_str(&format!(
                "; last seen {} at {}, so detected within {}",
                before.status,
                when_after(before.at_ms, o.start_ms),
                span(secs(o.start_ms - before.at_ms))
            ));
        }
        w.push('\n');
        for c in &o.checks {
            let lost = if c.kind == "binding_exists" {
                "lost".to_owned()
            } else {
                c.worst.to_string()
            };
            let range = match c.end_ms {
                Some(end) => format!(
                    "{} -> {}  {}",
                    when_after(c.start_ms, o.start_ms),
                    when_after(end, o.start_ms),
                    span(c.duration_seconds)
                ),
                None => format!(
                    "{} -> still  {} so far",
                    when_after(c.start_ms, o.start_ms),
                    span(c.duration_seconds)
                ),
            };
            w.push_str(&format!(
                "  {} {}  {lost}  {range}\n",
                kind_word(&c.kind),
                c.subject
            ));
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::store::ChangedCheck;

    const T0: i64 = 1_470_355_200_000; // 2016-08-05T00:00:00Z

    fn check(id: &str, subject: &str, previous: Option<Status>, status: Status) -> ChangedCheck {
        ChangedCheck {
            id: id.into(),
            kind: "binding_exists".into(),
            subject: subject.into(),
            previous,
            status,
            message: format!("{subject}: {status}"),
            cause: None,
            impact: None,
            repair: None,
        }
    }

    fn t(
        min: i64,
        previous: Option<Status>,
        status: Status,
        checks: Vec<ChangedCheck>,
    ) -> Transition {
        Transition {
            at_ms: T0 + min * 60_000 + 1000,
            observed_at_ms: Some(T0 + min * 60_000),
            environment: "staging".into(),
            previous,
            status,
            headline: format!("{status}: staging: something"),
            changed_checks: checks,
        }
    }

    fn round(min: i64, status: Status) -> StoredRound {
        StoredRound {
            observed_at_ms: T0 + min * 60_000,
            fresh: true,
            statuses: BTreeMap::from([("staging".to_owned(), status)]),
        }
    }

    use Status::{Critical, Ok as Fine, Unknown};

    /// The drill: both queue bindings and the database binding lost at 00:19, the database
    /// back at 13:16 (still CRITICAL), everything back at 17:00.
    fn drill() -> (Vec<Transition>, Vec<StoredRound>) {
        let q = "staging/binding/worker->queue";
        let d = "staging/binding/worker->db";
        let transitions = vec![
            t(0, None, Fine, vec![]),
            t(
                19,
                Some(Fine),
                Critical,
                vec![
                    check(d, "worker -> db", Some(Fine), Critical),
                    check(q, "worker -> queue", Some(Fine), Critical),
                ],
            ),
            t(
                13 * 60 + 16,
                Some(Critical),
                Critical,
                vec![check(d, "worker -> db", Some(Critical), Fine)],
            ),
            t(
                17 * 60,
                Some(Critical),
                Fine,
                vec![check(q, "worker -> queue", Some(Critical), Fine)],
            ),
        ];
        let rounds = vec![
            round(0, Fine),
            round(18, Fine),
            round(19, Critical),
            round(17 * 60, Fine),
        ];
        (transitions, rounds)
    }

    #[test]
    fn windows_per_environment_and_per_binding_with_durations() {
        let (transitions, rounds) = drill();
        let o = outages(&transitions, &rounds, Some(T0 + 17 * 3_600_000));
        assert_eq!(o.len(), 1, "{o:#?}");
        let w = &o[0];
        assert_eq!(w.worst, Critical);
        assert_eq!(w.start, "2016-08-05T00:19:00Z");
        assert_eq!(w.end.as_deref(), Some("2016-08-05T17:00:00Z"));
        assert_eq!(w.duration_seconds, (17 * 60 - 19) * 60);
        let before = w.last_seen_before.as_ref().unwrap();
        assert_eq!(
            (before.at.as_str(), before.status),
            ("2016-08-05T00:18:00Z", Fine)
        );
        let checks: Vec<(&str, u64)> = w
            .checks
            .iter()
            .map(|c| (c.id.as_str(), c.duration_seconds))
            .collect();
        assert_eq!(
            checks,
            [
                ("staging/binding/worker->db", (13 * 60 + 16 - 19) * 60),
                ("staging/binding/worker->queue", (17 * 60 - 19) * 60),
            ]
        );
    }

    #[test]
    fn the_text_tells_the_drill_in_words() {
        let (transitions, rounds) = drill();
        let h = History {
            format_version: 1,
            system: Some("c2".into()),
            environment: None,
            since: None,
            last_round_at: Some(rfc3339_ms(T0 + 17 * 3_600_000)),
            starts: vec![],
            outages: outages(&transitions, &rounds, Some(T0 + 17 * 3_600_000)),
            transitions,
        };
        let text = text(&h);
        for want in [
            "2016-08-05 00:19:01  staging  OK -> CRITICAL: worker -> db: CRITICAL; worker -> queue: CRITICAL",
            "2016-08-05 13:16:01  staging  CRITICAL -> CRITICAL: back: worker -> db; still not OK: worker -> queue",
            "2016-08-05 17:00:01  staging  CRITICAL -> OK: back: worker -> queue",
            "staging  CRITICAL  2016-08-05 00:19:00 -> 17:00:00  16h 41m; last seen OK at 00:18:00, so detected within 1m",
            "  binding worker -> db  lost  00:19:00 -> 13:16:00  12h 57m",
            "  binding worker -> queue  lost  00:19:00 -> 17:00:00  16h 41m",
        ] {
            assert!(text.contains(want), "missing {want:?} in:\n{text}");
        }
    }

    #[test]
    fn unknown_in_between_keeps_a_window_open_and_an_open_window_is_so_far() {
        let q = "staging/binding/worker->queue";
        let transitions = vec![
            t(
                0,
                None,
                Critical,
                vec![check(q, "worker -> queue", None, Critical)],
            ),
            t(
                10,
                Some(Critical),
                Unknown,
                vec![check(q, "worker -> queue", Some(Critical), Unknown)],
            ),
            t(
                20,
                Some(Unknown),
                Critical,
                vec![check(q, "worker -> queue", Some(Unknown), Critical)],
            ),
        ];
        let o = outages(&transitions, &[], Some(T0 + 30 * 60_000));
        assert_eq!(o.len(), 1, "{o:#?}");
        assert_eq!(o[0].end, None);
        assert_eq!(o[0].duration_seconds, 30 * 60);
        assert_eq!(o[0].checks.len(), 1);
        assert_eq!(o[0].checks[0].end, None);
        // UNKNOWN alone is no outage.
        let only_unknown = vec![
            t(0, None, Fine, vec![]),
            t(5, Some(Fine), Unknown, vec![]),
            t(9, Some(Unknown), Fine, vec![]),
        ];
        assert!(outages(&only_unknown, &[], None).is_empty());
    }
}
