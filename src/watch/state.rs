//! The watcher's running state (the last completed round, counters) and the *exported view*
//! of it that metrics, `/healthz`, `/status` and webhooks all show.
//!
//! The view is never better than the evidence: before the first round completes, and once the
//! last completed round is older than [`schedule::STALE_AFTER_INTERVALS`] intervals, every
//! check of every watched environment is UNKNOWN (a verdict made of unavailable
//! observations, with the reason in each check's message).

use super::schedule;
use crate::model::Model;
use crate::observe::{Coverage, Observation};
use crate::verify::{Status, Verdict};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// A completed round.
#[derive(Debug, Clone)]
pub struct Completed {
    pub verdict: Verdict,
    pub completed: Instant,
    pub completed_at: SystemTime,
    pub duration: Duration,
}

/// How fresh the exported evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// No round has completed yet, and the watcher started less than the stale age ago.
    Pending,
    /// The last round completed recently enough.
    Fresh,
    /// No round completed for longer than the stale age (or ever, since start).
    Stale,
}

/// Counters, as exported (monotonic for the life of the process).
#[derive(Debug, Clone, Default)]
pub struct Counters {
    pub rounds: u64,
    pub overruns: u64,
    /// By environment.
    pub source_errors: BTreeMap<String, u64>,
    /// By webhook number (1-based, command-line order).
    pub webhook_delivered: BTreeMap<usize, u64>,
    pub webhook_failed: BTreeMap<usize, u64>,
}

/// What was last announced to webhooks, per environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announced {
    pub status: Status,
    /// Check id to status.
    pub checks: BTreeMap<String, Status>,
}

#[derive(Debug, Default)]
pub struct Inner {
    pub last: Option<Completed>,
    pub counters: Counters,
    /// `None` until the first announcement.
    pub announced: Option<BTreeMap<String, Announced>>,
}

/// Everything the server, the scheduler and the webhook senders share.
pub struct Shared {
    pub model: Arc<Model>,
    /// Watched environments, in model order.
    pub envs: Vec<String>,
    pub interval: Duration,
    pub started: Instant,
    /// Scheme and host of each webhook (never the full URL), for labels.
    pub webhook_targets: Vec<String>,
    inner: Mutex<Inner>,
}

/// The exported view at one moment.
#[derive(Debug, Clone)]
pub struct View {
    /// The last round's verdict when fresh; otherwise every check UNKNOWN.
    pub verdict: Verdict,
    pub freshness: Freshness,
    pub last_completed_at: Option<SystemTime>,
    pub last_duration: Option<Duration>,
    pub counters: Counters,
}

impl Shared {
    pub fn new(
        model: Arc<Model>,
        envs: Vec<String>,
        interval: Duration,
        webhook_targets: Vec<String>,
    ) -> Shared {
        Shared {
            model,
            envs,
            interval,
            started: Instant::now(),
            webhook_targets,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The state, even if a thread panicked while holding it (its data stays consistent:
    /// every update is a plain assignment or increment).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a completed round.
    pub fn complete_round(&self, round: Completed, source_errors: &[String], overrun: bool) {
        let mut inner = self.lock();
        inner.counters.rounds += 1;
        if overrun {
            inner.counters.overruns += 1;
        }
        for env in source_errors {
            *inner.counters.source_errors.entry(env.clone()).or_default() += 1;
        }
        inner.last = Some(round);
    }

    pub fn count_webhook(&self, webhook: usize, delivered: bool) {
        let mut inner = self.lock();
        let map = if delivered {
            &mut inner.counters.webhook_delivered
        } else {
            &mut inner.counters.webhook_failed
        };
        *map.entry(webhook).or_default() += 1;
    }

    pub fn freshness(&self, inner: &Inner, now: Instant) -> Freshness {
        match &inner.last {
            Some(c)
                if !schedule::is_stale(
                    now.saturating_duration_since(c.completed),
                    self.interval,
                ) =>
            {
                Freshness::Fresh
            }
            Some(_) => Freshness::Stale,
            None if schedule::is_stale(
                now.saturating_duration_since(self.started),
                self.interval,
            ) =>
            {
                Freshness::Stale
            }
            None => Freshness::Pending,
        }
    }

    /// The exported view at `now`.
    pub fn view(&self, now: Instant) -> View {
        let inner = self.lock();
        self.view_of(&inner, now)
    }

    /// [`Shared::view`] with the state already locked.
    pub fn view_of(&self, inner: &Inner, now: Instant) -> View {
        let freshness = self.freshness(inner, now);
        let verdict = match (&inner.last, freshness) {
            (Some(c), Freshness::Fresh) => c.verdict.clone(),
            (Some(c), _) => self.unknown_verdict(&format!(
                "the last verification round completed at {}, more than {} intervals ({}) ago; \
                 stale evidence is no evidence",
                rfc3339(c.completed_at),
                schedule::STALE_AFTER_INTERVALS,
                human(schedule::stale_after(self.interval))
            )),
            (None, Freshness::Stale) => self.unknown_verdict(&format!(
                "no verification round has completed since the watcher started, {} ago",
                human(now.saturating_duration_since(self.started))
            )),
            (None, _) => self.unknown_verdict("no verification round has completed yet"),
        };
        View {
            verdict,
            freshness,
            last_completed_at: inner.last.as_ref().map(|c| c.completed_at),
            last_duration: inner.last.as_ref().map(|c| c.duration),
            counters: inner.counters.clone(),
        }
    }

    /// A verdict with every check of the watched environments UNKNOWN for `reason`.
    pub fn unknown_verdict(&self, reason: &str) -> Verdict {
        unknown_verdict(&self.model, &self.envs, reason)
    }
}

/// A verdict with every check of `envs` UNKNOWN for `reason`: what is exported when there is
/// no (fresh) evidence.
pub fn unknown_verdict(model: &Model, envs: &[String], reason: &str) -> Verdict {
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
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    crate::time_format::rfc3339_utc(secs)
}

/// Seconds since the Unix epoch, as a float.
pub fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `3s`, `1.5s`, `3m`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 60.0 && s % 60.0 == 0.0 {
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
        assert_eq!(v.verdict.status, Status::Unknown);
        assert_eq!(v.verdict.environments.len(), 2);
        assert!(!v.verdict.checks.is_empty());
        assert!(v.verdict.checks.iter().all(|c| c.status == Status::Unknown));
        assert!(
            v.verdict.checks[0]
                .message
                .contains("no verification round has completed yet"),
            "{}",
            v.verdict.checks[0].message
        );
    }

    #[test]
    fn a_fresh_round_is_exported_as_is_and_a_stale_one_as_unknown() {
        let s = shared(Duration::from_secs(10));
        let now = Instant::now();
        s.complete_round(
            Completed {
                verdict: ok_verdict(&s),
                completed: now,
                completed_at: SystemTime::now(),
                duration: Duration::from_millis(5),
            },
            &[],
            false,
        );
        let fresh = s.view(now + Duration::from_secs(30));
        assert_eq!(fresh.freshness, Freshness::Fresh);
        assert_eq!(fresh.verdict.status, Status::Ok);
        assert_eq!(fresh.counters.rounds, 1);

        let stale = s.view(now + Duration::from_secs(31));
        assert_eq!(stale.freshness, Freshness::Stale);
        assert_eq!(stale.verdict.status, Status::Unknown);
        assert!(
            stale
                .verdict
                .checks
                .iter()
                .all(|c| c.status == Status::Unknown)
        );
        assert!(
            stale.verdict.checks[0]
                .message
                .contains("stale evidence is no evidence")
        );
    }

    #[test]
    fn no_round_for_three_intervals_since_start_is_stale() {
        let s = shared(Duration::from_secs(1));
        let v = s.view(s.started + Duration::from_secs(4));
        assert_eq!(v.freshness, Freshness::Stale);
        assert_eq!(v.verdict.status, Status::Unknown);
        assert!(
            v.verdict.checks[0]
                .message
                .contains("since the watcher started")
        );
    }

    #[test]
    fn source_errors_and_overruns_are_counted() {
        let s = shared(Duration::from_secs(1));
        let round = Completed {
            verdict: ok_verdict(&s),
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

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(human(Duration::from_secs(180)), "3m");
        assert_eq!(human(Duration::from_secs(3)), "3s");
        assert_eq!(human(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn the_headline_of_no_evidence_says_why() {
        let v = unknown_verdict(&model(), &["prod".into()], "the last round is stale");
        let h = crate::watch::webhook::env_headline(&v, "prod");
        assert!(h.starts_with("UNKNOWN: prod"), "{h}");
        assert!(h.contains("the last round is stale"), "{h}");
    }
}
