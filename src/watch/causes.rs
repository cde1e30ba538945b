//! Causes in `watch`: a check that turned CRITICAL or WARNING gets its cause from the audit
//! events since it was last OK (one request an environment with such a check, none in a
//! round where nothing turned); a check that stays as it was keeps the cause it was given, so
//! the status page, the stored history and the next messages go on saying it.

use crate::model::Model;
use crate::observe::Observation;
use crate::observe::api::Session;
use crate::verify::explain::{Explanation, wanted_where};
use crate::verify::{Check, Status, Verdict};
use std::collections::HashMap;

/// How far back the audit events that explain a check are read when it was never seen OK.
pub(crate) const CAUSE_WINDOW_SECS: i64 = 7 * 86_400;

/// Read before the moment a check was last OK, for a Cloud Controller whose clock is behind
/// this machine's: an event from those minutes is older than any that explains the check, and
/// the newest is taken.
pub(crate) const CLOCK_SLACK_SECS: i64 = 300;

/// What rounds remember of the checks, for the causes of the next.
#[derive(Debug, Clone, Default)]
pub(crate) struct Memory {
    /// Each check's last status.
    statuses: HashMap<String, Status>,
    /// When each check was last OK (seconds since the epoch, the round's start).
    last_ok: HashMap<String, i64>,
    /// The cause each check not OK was given when it turned.
    explained: HashMap<String, Explanation>,
}

impl Memory {
    /// Remembers a round's verdict, its evidence read at `now` (seconds since the epoch).
    pub(crate) fn remember(&mut self, verdict: &Verdict, now: i64) {
        for c in &verdict.checks {
            self.statuses.insert(c.id.clone(), c.status);
            if c.status == Status::Ok {
                self.last_ok.insert(c.id.clone(), now);
            }
            match &c.explained {
                Some(e) => self.explained.insert(c.id.clone(), e.clone()),
                None => self.explained.remove(&c.id),
            };
        }
    }

    /// Whether `c` turned CRITICAL or WARNING since the last round (or is so in the first).
    fn turned(&self, c: &Check) -> bool {
        matches!(c.status, Status::Critical | Status::Warning)
            && self.statuses.get(&c.id) != Some(&c.status)
    }

    /// Where the events that explain `id` start: when it was last OK, less the slack.
    fn since(&self, id: &str, now: i64) -> i64 {
        self.last_ok
            .get(id)
            .map_or(now - CAUSE_WINDOW_SECS, |t| t - CLOCK_SLACK_SECS)
    }
}

/// Gives each check that turned CRITICAL or WARNING its cause, from the audit events since the
/// earliest moment one of them was last OK (one request an environment with such a check), and
/// each check that stayed as it was the cause it had.
pub(crate) async fn explain_round(
    model: &Model,
    session: &Session,
    observations: &[Observation],
    verdict: &mut Verdict,
    memory: &Memory,
) {
    let now = crate::observe::api::client::local_now();
    let mut since = now;
    let mut wanted = Vec::new();
    for env in verdict
        .environments
        .iter()
        .filter_map(|e| model.environment(&e.name))
    {
        let w = wanted_where(verdict, env, |c| memory.turned(c));
        for (id, _) in &w {
            since = since.min(memory.since(id, now));
        }
        if !w.is_empty() {
            wanted.push((env.name.clone(), w));
        }
    }
    for c in &mut verdict.checks {
        if !memory.turned(c) && matches!(c.status, Status::Critical | Status::Warning) {
            c.explained = memory.explained.get(&c.id).cloned();
        }
    }
    if wanted.is_empty() {
        return;
    }
    let found = session.explain(observations, wanted, since).await;
    crate::verify::explain::attach(verdict, found);
}
