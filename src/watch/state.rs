//! The watcher's running state (the last completed round, counters, the webhook outboxes)
//! and the *exported view* of it that metrics, `/healthz`, `/status` and webhooks all show.
//!
//! The view is never better than the evidence. Evidence is as old as the moment it was read,
//! the start of its round's requests ([`Completed::observed`]). Every check of every watched
//! environment is UNKNOWN (a verdict made of unavailable observations, with the reason in
//! each check's message) before the first round completes and whenever the evidence is stale
//! ([`Staleness`]): older than [`schedule::STALE_AFTER_INTERVALS`] intervals now, or judged
//! stale when its round finished ([`schedule::judge`]).

use super::pace::Pace;
use super::schedule::{self, Judgement};
use super::store::{Restored, RoundRecord, Store, TIMELINE_KEPT, Transition};
use super::webhook::Outbox;
use super::webhook::env_headline;
use crate::model::Model;
use crate::observe::{Coverage, Observation};
use crate::verify::{Status, Verdict};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// A completed round.
#[derive(Debug, Clone)]
pub(crate) struct Completed {
    pub verdict: Verdict,
    /// When the round's requests started: its evidence is as old as this, however long the
    /// answers took.
    pub observed: Instant,
    /// [`Completed::observed`] as wall-clock time.
    pub observed_at: SystemTime,
    pub completed: Instant,
    pub completed_at: SystemTime,
    pub duration: Duration,
}

/// When a completed round read its evidence and finished ([`Completed`] without its verdict).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoundTimes {
    pub observed: Instant,
    pub observed_at: SystemTime,
    pub completed: Instant,
    pub completed_at: SystemTime,
    pub duration: Duration,
}

impl Completed {
    fn split(self) -> (Verdict, RoundTimes) {
        let times = RoundTimes {
            observed: self.observed,
            observed_at: self.observed_at,
            completed: self.completed,
            completed_at: self.completed_at,
            duration: self.duration,
        };
        (self.verdict, times)
    }
}

/// A verdict as every endpoint shows it, shared (never copied) by the views of it, with the
/// headlines the page, `/healthz`, `/status` and webhooks all need, made once, when first
/// asked for.
#[derive(Debug)]
pub(crate) struct Exported {
    pub verdict: Verdict,
    headlines: OnceLock<Headlines>,
}

#[derive(Debug)]
struct Headlines {
    all: String,
    /// Each environment's, in the verdict's order.
    envs: Vec<String>,
}

impl Exported {
    pub(crate) fn new(verdict: Verdict) -> Exported {
        Exported {
            verdict,
            headlines: OnceLock::new(),
        }
    }

    fn headlines(&self) -> &Headlines {
        self.headlines.get_or_init(|| Headlines {
            all: crate::report::headline(&self.verdict),
            envs: self
                .verdict
                .environments
                .iter()
                .map(|e| env_headline(&self.verdict, &e.name))
                .collect(),
        })
    }

    /// The headline of the whole verdict.
    pub(crate) fn headline(&self) -> &str {
        &self.headlines().all
    }

    /// The headline of one environment ([`env_headline`]).
    pub(crate) fn env_headline(&self, env: &str) -> String {
        match self.verdict.environments.iter().position(|e| e.name == env) {
            Some(i) => self.headlines().envs[i].clone(),
            None => env_headline(&self.verdict, env),
        }
    }
}

/// How fresh the exported evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// No round has completed yet, and the watcher started less than the stale age ago.
    Pending,
    /// The last round's evidence is fresh: judged so when it finished, and not older than
    /// the stale age now.
    Fresh,
    /// The evidence is stale ([`Staleness`] says why), or none came within the stale age
    /// since start.
    Stale,
}

/// Why the exported evidence is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Staleness {
    /// No round has completed since the watcher started, longer than the stale age ago.
    NoRound,
    /// The last fresh evidence is now older than the stale age, and no round finished since.
    Aged,
    /// The last round's evidence was already older than the stale age when it finished.
    TooOld,
    /// The last round took longer than the interval while the evidence was stale
    /// ([`Judgement::Late`]).
    Late,
}

/// Counters, as exported (monotonic for the life of the process).
#[derive(Debug, Clone, Default)]
pub(crate) struct Counters {
    pub rounds: u64,
    pub overruns: u64,
    /// By environment.
    pub source_errors: BTreeMap<String, u64>,
    /// By webhook number (1-based, command-line order).
    pub webhook_delivered: BTreeMap<usize, u64>,
    pub webhook_failed: BTreeMap<usize, u64>,
    /// Messages replaced in a webhook's outbox by a newer one about the same environment
    /// before they could be delivered, by webhook number.
    pub webhook_superseded: BTreeMap<usize, u64>,
    /// Messages still queued or being delivered when the shutdown grace ran out, by webhook
    /// number.
    pub webhook_undelivered_at_shutdown: BTreeMap<usize, u64>,
    /// Writes to the `--state` file that failed (each logged).
    pub state_write_errors: u64,
}

/// What was last announced to webhooks, per environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Announced {
    pub status: Status,
    /// Check id to status.
    pub checks: BTreeMap<String, Status>,
}

/// The last completed round, and how its evidence was judged when it finished.
#[derive(Debug, Clone)]
pub(crate) struct Last {
    pub round: RoundTimes,
    /// Its verdict as exported while fresh: each source saying when it was read.
    pub exported: Arc<Exported>,
    pub judgement: Judgement,
}

#[derive(Debug, Default)]
pub(crate) struct Inner {
    pub last: Option<Last>,
    pub counters: Counters,
    /// `None` until the first announcement.
    pub announced: Option<BTreeMap<String, Announced>>,
    /// The round whose fresh verdict was announced last (`None` after anything else).
    pub announced_round: Option<u64>,
    /// One per webhook, in command-line order: what waits to be delivered.
    pub outboxes: Vec<Outbox>,
    /// The `--state` file, when given: rounds and transitions are written there.
    pub store: Option<Store>,
    /// The latest transitions, oldest first (at most [`TIMELINE_KEPT`]): those restored from
    /// the state file, then those announced since start.
    pub timeline: Arc<VecDeque<Transition>>,
}

impl Inner {
    /// Records transitions (and what is announced after them) in the state file, when there
    /// is one, and in the timeline. A failed write is logged and counted, never fatal: the
    /// watch goes on.
    pub(crate) fn record_transitions(&mut self, transitions: Vec<Transition>) {
        if transitions.is_empty() {
            return;
        }
        if let (Some(store), Some(announced)) = (self.store.as_mut(), self.announced.as_ref())
            && let Err(e) = store.record_transitions(&transitions, announced)
        {
            self.counters.state_write_errors += 1;
            tracing::error!("the state file: {e:#}");
        }
        // Copied only if a view still holds the timeline as it was.
        let timeline = Arc::make_mut(&mut self.timeline);
        for t in transitions {
            if timeline.len() >= TIMELINE_KEPT {
                timeline.pop_front();
            }
            timeline.push_back(t);
        }
    }
}

/// Everything the server, the scheduler and the webhook senders share.
pub(crate) struct Shared {
    pub model: Arc<Model>,
    /// Watched environments, in model order.
    pub envs: Vec<String>,
    pub interval: Duration,
    pub started: Instant,
    /// Scheme and host of each webhook (never the full URL), for labels.
    pub webhook_targets: Vec<String>,
    inner: Mutex<Inner>,
    /// How far apart rounds start now, and why ([`super::pace`]).
    pace: Mutex<Pace>,
}

/// The exported view at one moment.
#[derive(Debug, Clone)]
pub(crate) struct View {
    /// The last round's verdict when fresh (shared with the state, not copied); otherwise
    /// every check UNKNOWN.
    pub exported: Arc<Exported>,
    pub freshness: Freshness,
    /// When the last completed round's evidence was read (its requests started).
    pub evidence_at: Option<SystemTime>,
    /// The age of that evidence at this moment; before the first round, the time since the
    /// watcher started (whatever evidence comes will be older).
    pub evidence_age: Duration,
    /// No round has completed within the stale age (or since start): rounds hang, as
    /// opposed to completing with evidence that is too old.
    pub stalled: bool,
    pub last_completed_at: Option<SystemTime>,
    pub last_duration: Option<Duration>,
    pub counters: Counters,
    /// Messages waiting in each webhook's outbox (not counting one being delivered).
    pub queued: Vec<usize>,
    /// The latest transitions, oldest first (shared with the state, not copied: the first
    /// round's transitions of a large model name thousands of checks).
    pub timeline: Arc<VecDeque<Transition>>,
}

impl View {
    /// The exported verdict.
    pub(crate) fn verdict(&self) -> &Verdict {
        &self.exported.verdict
    }
}

impl Shared {
    pub(crate) fn new(
        model: Arc<Model>,
        envs: Vec<String>,
        interval: Duration,
        webhook_targets: Vec<String>,
    ) -> Shared {
        let outboxes = webhook_targets.iter().map(|_| Outbox::default()).collect();
        Shared {
            model,
            envs,
            interval,
            started: Instant::now(),
            webhook_targets,
            inner: Mutex::new(Inner {
                outboxes,
                ..Inner::default()
            }),
            pace: Mutex::new(Pace::configured(interval)),
        }
    }

    /// The pace of the rounds now.
    pub(crate) fn pace(&self) -> Pace {
        self.pace.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn set_pace(&self, pace: Pace) {
        *self.pace.lock().unwrap_or_else(|p| p.into_inner()) = pace;
    }

    /// The time between round starts now: the configured interval, or longer when the
    /// request budget stretches it. Evidence is judged stale against it.
    pub(crate) fn interval_now(&self) -> Duration {
        self.pace().interval.max(self.interval)
    }

    /// Takes what a state file holds: what was last announced (so the first message after a
    /// restart has the stored status as its `previous`) and the timeline; the store then
    /// records every round and transition.
    pub(crate) fn restore(&self, store: Store, restored: Restored) {
        let mut inner = self.lock();
        if !restored.announced.is_empty() {
            inner.announced = Some(restored.announced);
        }
        inner.timeline = Arc::new(restored.timeline.into());
        inner.store = Some(store);
    }

    /// Writes the last completed round's summary ([`Shared::complete_round`]) to the state
    /// file, when there is one.
    pub(crate) fn store_round(&self, requests: Option<u64>) {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let (Some(store), Some(last)) = (inner.store.as_mut(), inner.last.as_ref()) else {
            return;
        };
        let record = RoundRecord {
            observed_at: last.round.observed_at,
            completed_at: last.round.completed_at,
            duration: last.round.duration,
            requests,
            judgement: match last.judgement {
                Judgement::Fresh => "fresh",
                Judgement::TooOld => "too_old",
                Judgement::Late => "late",
            },
            statuses: last
                .exported
                .verdict
                .environments
                .iter()
                .map(|e| (e.name.clone(), e.status))
                .collect(),
        };
        if let Err(e) = store.record_round(&record) {
            inner.counters.state_write_errors += 1;
            tracing::error!("the state file: {e:#}");
        }
    }

    /// The state, even if a thread panicked while holding it (its data stays consistent:
    /// every update is a plain assignment or increment).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a completed round, judging its evidence ([`schedule::judge`]) against the
    /// evidence exported just before it completed; returns the judgement.
    pub(crate) fn complete_round(
        &self,
        round: Completed,
        source_errors: &[String],
        overrun: bool,
    ) -> Judgement {
        let (mut verdict, round) = round.split();
        // Each source says when it was read: /status shows the evidence's age too. Made
        // once here, before the lock, and shared by every view of it.
        let read = rfc3339(round.observed_at);
        for e in &mut verdict.environments {
            for s in &mut e.sources {
                s.push_str(&format!(", read at {read}"));
            }
        }
        let exported = Arc::new(Exported::new(verdict));
        let mut inner = self.lock();
        inner.counters.rounds += 1;
        if overrun {
            inner.counters.overruns += 1;
        }
        for env in source_errors {
            *inner.counters.source_errors.entry(env.clone()).or_default() += 1;
        }
        let stale_before = self.freshness(&inner, round.completed).0 == Freshness::Stale;
        let age = round.completed.saturating_duration_since(round.observed);
        let judgement = schedule::judge(age, self.interval_now(), stale_before);
        inner.last = Some(Last {
            round,
            exported,
            judgement,
        });
        judgement
    }

    /// How fresh the evidence is at `now`, and why not when it is stale.
    pub(crate) fn freshness(&self, inner: &Inner, now: Instant) -> (Freshness, Option<Staleness>) {
        match &inner.last {
            Some(last) => match last.judgement {
                Judgement::TooOld => (Freshness::Stale, Some(Staleness::TooOld)),
                Judgement::Late => (Freshness::Stale, Some(Staleness::Late)),
                Judgement::Fresh
                    if schedule::is_stale(
                        now.saturating_duration_since(last.round.observed),
                        self.interval_now(),
                    ) =>
                {
                    (Freshness::Stale, Some(Staleness::Aged))
                }
                Judgement::Fresh => (Freshness::Fresh, None),
            },
            None if schedule::is_stale(
                now.saturating_duration_since(self.started),
                self.interval_now(),
            ) =>
            {
                (Freshness::Stale, Some(Staleness::NoRound))
            }
            None => (Freshness::Pending, None),
        }
    }

    /// The exported view at `now`.
    pub(crate) fn view(&self, now: Instant) -> View {
        let inner = self.lock();
        self.view_of(&inner, now)
    }

    /// [`Shared::view`] with the state already locked.
    pub(crate) fn view_of(&self, inner: &Inner, now: Instant) -> View {
        let (freshness, staleness) = self.freshness(inner, now);
        let last = inner.last.as_ref().map(|l| &l.round);
        let evidence_age = now.saturating_duration_since(last.map_or(self.started, |c| c.observed));
        let exported = match (inner.last.as_ref(), staleness) {
            (Some(l), None) => l.exported.clone(),
            (Some(l), Some(why)) => Arc::new(Exported::new(
                self.unknown_verdict(&self.stale_reason(&l.round, why, evidence_age)),
            )),
            (None, Some(_)) => Arc::new(Exported::new(self.unknown_verdict(&format!(
                "no verification round has completed since the watcher started, {} ago",
                human(now.saturating_duration_since(self.started))
            )))),
            (None, None) => Arc::new(Exported::new(
                self.unknown_verdict("no verification round has completed yet"),
            )),
        };
        let since_completed =
            now.saturating_duration_since(last.map_or(self.started, |c| c.completed));
        View {
            exported,
            freshness,
            evidence_at: last.map(|c| c.observed_at),
            evidence_age,
            stalled: matches!(staleness, Some(Staleness::NoRound | Staleness::Aged))
                || (staleness.is_some()
                    && schedule::is_stale(since_completed, self.interval_now())),
            last_completed_at: last.map(|c| c.completed_at),
            last_duration: last.map(|c| c.duration),
            counters: inner.counters.clone(),
            queued: inner.outboxes.iter().map(|o| o.pending.len()).collect(),
            timeline: inner.timeline.clone(),
        }
    }

    /// Why the evidence of round `c` is stale, in the words of every check it makes UNKNOWN.
    fn stale_reason(&self, c: &RoundTimes, why: Staleness, evidence_age: Duration) -> String {
        let limit = schedule::stale_after(self.interval_now());
        let read = rfc3339(c.observed_at);
        let finished_age = c.completed.saturating_duration_since(c.observed);
        match why {
            Staleness::TooOld => format!(
                "the evidence was {} old when the round finished (read at {read}; \
                 interval {}, stale after {} intervals, {}): the Cloud Controller \
                 answers too slowly; stale evidence is no evidence",
                human(finished_age),
                human(self.interval_now()),
                schedule::STALE_AFTER_INTERVALS,
                human(limit)
            ),
            Staleness::Late => format!(
                "the evidence was {} old when the round finished (read at {read}), \
                 longer than the interval ({}); after stale evidence only a round \
                 that finishes within the interval counts as fresh again; stale \
                 evidence is no evidence",
                human(finished_age),
                human(self.interval_now())
            ),
            _ => format!(
                "the evidence is {} old (read at {read}, when the last finished \
                 round's requests started), more than {} intervals ({}), and no round \
                 has finished since; stale evidence is no evidence",
                human(evidence_age),
                schedule::STALE_AFTER_INTERVALS,
                human(limit)
            ),
        }
    }

    /// For tests: a fresh round with this verdict, read and finished when the watcher
    /// started.
    #[cfg(test)]
    pub(crate) fn complete_at_start(&self, verdict: Verdict) {
        self.complete_round(
            Completed {
                verdict,
                observed: self.started,
                observed_at: SystemTime::now(),
                completed: self.started,
                completed_at: SystemTime::now(),
                duration: Duration::from_millis(5),
            },
            &[],
            false,
        );
    }

    /// A verdict with every check of the watched environments UNKNOWN for `reason`.
    pub(crate) fn unknown_verdict(&self, reason: &str) -> Verdict {
        unknown_verdict(&self.model, &self.envs, reason)
    }
}

/// Counts a settled delivery to webhook number `webhook`.
pub(crate) fn count_delivery(inner: &mut Inner, webhook: usize, delivered: bool) {
    let map = if delivered {
        &mut inner.counters.webhook_delivered
    } else {
        &mut inner.counters.webhook_failed
    };
    *map.entry(webhook).or_default() += 1;
}

/// A verdict with every check of `envs` UNKNOWN for `reason`: what is exported when there is
/// no (fresh) evidence.
pub(crate) fn unknown_verdict(model: &Model, envs: &[String], reason: &str) -> Verdict {
    let observations: Vec<Observation> = envs
        .iter()
        .map(|e| Observation {
            sources: vec!["archcheck watch".to_owned()],
            services: Coverage::Unavailable {
                reason: reason.to_owned(),
            },
            apps: Coverage::Unavailable {
                reason: reason.to_owned(),
            },
            ..Observation::new(e)
        })
        .collect();
    crate::verify::verify(model, &observations)
}

/// `2026-11-26T04:53:37Z`.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    crate::time_format::rfc3339_utc(secs)
}

/// Seconds since the Unix epoch, as a float.
pub(crate) fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `3s`, `1.5s`, `3m`; under a second, `20ms` (an `--interval` may be that short).
pub(crate) fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{}ms", d.as_millis())
    } else if s >= 60.0 && s % 60.0 == 0.0 {
        format!("{}m", s / 60.0)
    } else if s.fract() == 0.0 {
        format!("{s}s")
    } else {
        format!("{s:.1}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Arc<Model> {
        Arc::new(crate::model::c2_for_tests())
    }

    fn shared(interval: Duration) -> Shared {
        Shared::new(
            model(),
            vec!["staging".into(), "prod".into()],
            interval,
            Vec::new(),
        )
    }

    fn ok_verdict(s: &Shared) -> Verdict {
        let mut v = s.unknown_verdict("x");
        v.status = Status::Ok;
        for e in &mut v.environments {
            e.status = Status::Ok;
        }
        for c in &mut v.checks {
            c.status = Status::Ok;
        }
        v
    }

    #[test]
    fn before_the_first_round_everything_is_unknown_never_ok() {
        let s = shared(Duration::from_secs(60));
        let v = s.view(Instant::now());
        assert_eq!(v.freshness, Freshness::Pending);
        assert_eq!(v.verdict().status, Status::Unknown);
        assert_eq!(v.verdict().environments.len(), 2);
        assert!(!v.verdict().checks.is_empty());
        assert!(
            v.verdict()
                .checks
                .iter()
                .all(|c| c.status == Status::Unknown)
        );
        assert!(
            v.verdict().checks[0]
                .message
                .contains("no verification round has completed yet"),
            "{}",
            v.verdict().checks[0].message
        );
    }

    #[test]
    fn a_fresh_round_is_exported_as_is_and_a_stale_one_as_unknown() {
        let s = shared(Duration::from_secs(10));
        let now = Instant::now();
        s.complete_round(
            Completed {
                verdict: ok_verdict(&s),
                observed: now,
                observed_at: SystemTime::now(),
                completed: now,
                completed_at: SystemTime::now(),
                duration: Duration::from_millis(5),
            },
            &[],
            false,
        );
        let fresh = s.view(now + Duration::from_secs(30));
        assert_eq!(fresh.freshness, Freshness::Fresh);
        assert_eq!(fresh.verdict().status, Status::Ok);
        assert_eq!(fresh.counters.rounds, 1);

        let stale = s.view(now + Duration::from_secs(31));
        assert_eq!(stale.freshness, Freshness::Stale);
        assert_eq!(stale.verdict().status, Status::Unknown);
        assert!(
            stale
                .verdict()
                .checks
                .iter()
                .all(|c| c.status == Status::Unknown)
        );
        assert!(
            stale.verdict().checks[0]
                .message
                .contains("stale evidence is no evidence")
        );
    }

    #[test]
    fn no_round_for_three_intervals_since_start_is_stale() {
        let s = shared(Duration::from_secs(1));
        let v = s.view(s.started + Duration::from_secs(4));
        assert_eq!(v.freshness, Freshness::Stale);
        assert_eq!(v.verdict().status, Status::Unknown);
        assert!(
            v.verdict().checks[0]
                .message
                .contains("since the watcher started")
        );
    }

    #[test]
    fn source_errors_and_overruns_are_counted() {
        let s = shared(Duration::from_secs(1));
        let round = Completed {
            verdict: ok_verdict(&s),
            observed: Instant::now(),
            observed_at: SystemTime::now(),
            completed: Instant::now(),
            completed_at: SystemTime::now(),
            duration: Duration::from_secs(2),
        };
        s.complete_round(round.clone(), &["staging".into()], true);
        s.complete_round(round, &["staging".into()], false);
        let c = s.view(Instant::now()).counters;
        assert_eq!(c.rounds, 2);
        assert_eq!(c.overruns, 1);
        assert_eq!(c.source_errors["staging"], 2);
    }

    /// A round whose requests started at `start` and that finished at `end`, all OK.
    fn round_at(s: &Shared, start: Instant, end: Instant) -> Judgement {
        s.complete_round(
            Completed {
                verdict: ok_verdict(s),
                observed: start,
                observed_at: SystemTime::now(),
                completed: end,
                completed_at: SystemTime::now(),
                duration: end - start,
            },
            &[],
            false,
        )
    }

    /// Issue 9 item 2: every 2 s, an API that takes 12 s. The evidence is as old as the start
    /// of the round's requests, so it is 12 s old, twice the stale age, when the round
    /// finishes: UNKNOWN from the moment it is recorded, saying how old it was.
    #[test]
    fn a_round_slower_than_the_stale_age_gives_unknown_evidence_saying_how_old() {
        let s = shared(Duration::from_secs(2));
        let t0 = s.started;
        assert_eq!(
            round_at(&s, t0, t0 + Duration::from_millis(100)),
            Judgement::Fresh
        );
        let fresh = s.view(t0 + Duration::from_secs(2));
        assert_eq!(fresh.verdict().status, Status::Ok);
        assert_eq!(fresh.evidence_age, Duration::from_secs(2));

        let start = t0 + Duration::from_secs(2);
        let end = start + Duration::from_secs(12);
        assert_eq!(round_at(&s, start, end), Judgement::TooOld);
        let v = s.view(end);
        assert_eq!(v.freshness, Freshness::Stale);
        assert_eq!(
            s.freshness(&s.lock(), end),
            (Freshness::Stale, Some(Staleness::TooOld))
        );
        assert_eq!(v.evidence_age, Duration::from_secs(12));
        assert!(!v.stalled, "rounds complete; their evidence is too old");
        assert!(
            v.verdict()
                .checks
                .iter()
                .all(|c| c.status == Status::Unknown)
        );
        let m = &v.verdict().checks[0].message;
        assert!(
            m.contains("the evidence was 12s old when the round finished")
                && m.contains("interval 2s, stale after 3 intervals, 6s")
                && m.contains("stale evidence is no evidence"),
            "{m}"
        );
    }

    /// The number of changes of the exported status, looked at every 10 ms from the end of
    /// the first round (`rounds` are recorded as their ends pass): what webhooks announce.
    fn changes_of(s: &Shared, rounds: &[(u64, u64)], until_ms: u64) -> usize {
        let t0 = s.started;
        let ms = Duration::from_millis;
        let mut pending = rounds.iter().peekable();
        let mut last = None;
        let mut changes = 0;
        for t in (rounds[0].1..=until_ms).step_by(10) {
            while let Some((start, end)) = pending.peek() {
                if *end > t {
                    break;
                }
                round_at(s, t0 + ms(*start), t0 + ms(*end));
                pending.next();
            }
            let status = s.view(t0 + ms(t)).verdict().status;
            if last.is_some_and(|l| l != status) {
                changes += 1;
            }
            last = Some(status);
        }
        changes
    }

    /// Back-to-back rounds of 2.1 intervals: without the hysteresis each would be fresh when
    /// it finishes (2.1 < 3 intervals) and stale 0.9 intervals later, a webhook message each
    /// way every round. Stale once, it stays stale until a round finishes within the interval.
    #[test]
    fn a_slow_api_near_the_limit_goes_stale_once_and_recovers_once() {
        let s = shared(Duration::from_secs(1));
        // Fast rounds, then rounds of 2.1 s back to back, then fast rounds again.
        let mut rounds = vec![(0, 50), (1000, 1050), (2000, 2050)];
        let mut start = 3000;
        for _ in 0..6 {
            rounds.push((start, start + 2100));
            start += 2100;
        }
        for _ in 0..4 {
            rounds.push((start, start + 50));
            start += 1000;
        }
        let end = start;
        assert_eq!(changes_of(&s, &rounds, end), 2, "OK -> UNKNOWN -> OK");
        assert_eq!(
            s.view(s.started + Duration::from_millis(end))
                .verdict()
                .status,
            Status::Ok
        );
    }

    #[test]
    fn after_stale_evidence_a_late_round_stays_unknown_and_an_on_time_one_is_fresh() {
        let s = shared(Duration::from_secs(1));
        let t0 = s.started;
        let ms = Duration::from_millis;
        round_at(&s, t0, t0 + ms(50));
        // Nothing for 3 s: stale, as rounds stalled.
        let v = s.view(t0 + ms(3100));
        assert_eq!(
            s.freshness(&s.lock(), t0 + ms(3100)).1,
            Some(Staleness::Aged)
        );
        assert!(v.stalled);
        assert!(
            v.verdict().checks[0]
                .message
                .contains("no round has finished since")
        );
        // A round of 2 s (within 3 intervals, longer than one) after stale evidence.
        assert_eq!(round_at(&s, t0 + ms(1100), t0 + ms(3200)), Judgement::Late);
        let v = s.view(t0 + ms(3200));
        assert_eq!(
            s.freshness(&s.lock(), t0 + ms(3200)).1,
            Some(Staleness::Late)
        );
        assert_eq!(v.verdict().status, Status::Unknown);
        assert!(
            v.verdict().checks[0]
                .message
                .contains("only a round that finishes within the interval"),
            "{}",
            v.verdict().checks[0].message
        );
        assert_eq!(round_at(&s, t0 + ms(3200), t0 + ms(3900)), Judgement::Fresh);
        assert_eq!(s.view(t0 + ms(3900)).verdict().status, Status::Ok);
    }

    #[test]
    fn a_fresh_view_says_when_each_source_was_read() {
        let s = shared(Duration::from_secs(60));
        let mut v = ok_verdict(&s);
        for e in &mut v.environments {
            e.sources = vec!["Cloud Controller https://api.example.org (space cap/prod)".into()];
        }
        s.complete_round(
            Completed {
                verdict: v,
                observed: s.started,
                observed_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
                completed: s.started,
                completed_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_001),
                duration: Duration::from_secs(1),
            },
            &[],
            false,
        );
        let view = s.view(s.started);
        assert_eq!(
            view.verdict().environments[0].sources,
            [
                "Cloud Controller https://api.example.org (space cap/prod), read at 2023-11-14T22:13:20Z"
            ]
        );
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(human(Duration::from_secs(180)), "3m");
        assert_eq!(human(Duration::from_secs(3)), "3s");
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human(Duration::from_millis(20)), "20ms");
        assert_eq!(human(Duration::from_micros(60_400)), "60ms");
    }

    #[test]
    fn the_headline_of_no_evidence_says_why() {
        let v = unknown_verdict(&model(), &["prod".into()], "the last round is stale");
        let h = crate::watch::webhook::env_headline(&v, "prod");
        assert!(h.starts_with("UNKNOWN: prod"), "{h}");
        assert!(h.contains("the last round is stale"), "{h}");
    }
}
