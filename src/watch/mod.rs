//! Monitoring: `archcheck watch` verifies every watched environment against the live
//! Cloud Controller API on a schedule and reports each one, so an outage, full or partial, is
//! seen when it happens and not hours later by a person.
//!
//! - [`schedule`]: rounds one interval apart, never overlapping; overruns; staleness.
//! - [`pace`]: the interval stretched so that rounds keep to the request budget (a Cloud
//!   Controller's rate limit, `--max-requests-per-hour`).
//! - [`state`]: the last round, counters, and the *exported view* (UNKNOWN before the first
//!   round and while the evidence is stale: evidence is as old as the moment it was read).
//! - [`metrics`]: `/metrics` in the OpenMetrics text format (prometheus-client).
//! - [`server`]: the page, `/metrics`, `/healthz`, `/status` (axum), over HTTP or HTTPS.
//! - [`web_config`]: who may look (`--web-config`: users, TLS).
//! - [`webhook`]: a JSON message on every status change of an environment, through a bounded
//!   outbox per webhook, delivered within a grace period at shutdown.
//! - [`causes`]: who removed what, from the audit events, for the checks that turned CRITICAL
//!   or WARNING.
//!
//! [`round`] is one verification of all watched environments, async on the caller's runtime
//! (the API source builds none). [`run`] drives, on that one runtime, the rounds (each awaited
//! in turn and raced against the stop signal, so shutdown cancels a round in flight), the
//! server, the staleness watchdog and the webhook senders until shutdown, then gives the
//! webhooks [`WatchConfig::webhook_grace`] to deliver what waits.

pub(crate) mod causes;
pub(crate) mod history;
pub(crate) mod metrics;
pub(crate) mod pace;
pub(crate) mod page;
pub(crate) mod schedule;
pub(crate) mod server;
pub(crate) mod state;
pub(crate) mod store;
pub(crate) mod web_config;
pub(crate) mod webhook;

use crate::model::{Environment, Model};
use crate::observe::api::ApiOptions;
use crate::observe::api::client::REQUESTS_TOTAL;
use crate::observe::{Coverage, Observation};
use crate::verify::{Check, Verdict};
use schedule::Judgement;
use state::{Completed, Freshness, Shared, human, rfc3339};
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};
use webhook::{Senders, Webhook};

/// A checked watch configuration.
#[derive(Debug, Clone)]
pub(crate) struct WatchConfig {
    /// Environments to watch, in model order.
    pub envs: Vec<String>,
    pub api: ApiOptions,
    pub interval: Duration,
    pub webhooks: Vec<Webhook>,
    /// At shutdown, how long webhook messages still waiting (or being sent) may take to be
    /// delivered; what is left then is logged and counted.
    pub webhook_grace: Duration,
    /// Who may look (`--web-config`): every endpoint but `/healthz` asks for a user.
    pub web: Option<Arc<web_config::WebConfig>>,
}

/// The outcome of one round.
#[derive(Debug, Clone)]
pub(crate) struct RoundOutcome {
    pub verdict: Verdict,
    /// Environments some part of which the API could not show (UNKNOWN checks).
    pub source_errors: Vec<String>,
    /// Apps whose deployment the next round reads even without a sign of one: those seen
    /// deploying or canceled in this round, so how a deployment ended is seen
    /// ([`ApiOptions::follow`]).
    pub follow: crate::observe::api::Follow,
}

/// One round: observes `envs` through the API and verifies them, on the caller's runtime; a
/// check that turned CRITICAL or WARNING since `memory`'s round gets its cause from the audit
/// events since it was last OK (one request an environment with such a check). A failure of
/// the source makes the environments' checks UNKNOWN; it is never an error of the round.
/// Dropping the future cancels the round: its requests are abandoned, and it has no outcome.
pub(crate) async fn round(
    model: &Model,
    envs: &[String],
    api: &ApiOptions,
    memory: &causes::Memory,
) -> RoundOutcome {
    let targets: Vec<&Environment> = envs.iter().filter_map(|e| model.environment(e)).collect();
    let mut observations: Vec<Observation> =
        targets.iter().map(|e| Observation::new(&e.name)).collect();
    let session = (!targets.is_empty()).then(|| {
        crate::observe::api::auth::CredentialEnv::from_process()
            .and_then(|cred| crate::observe::api::Session::new(&targets, api, &cred))
    });
    let seen = match &session {
        None => Ok(Vec::new()),
        Some(Ok(s)) => Ok(s.observe().await),
        Some(Err(e)) => {
            // Messages of the API source are scrubbed of tokens.
            tracing::warn!("the Cloud Controller API could not be used: {e:#}");
            Err(format!("{e:#}"))
        }
    };
    crate::observe::merge_api(&mut observations, seen);
    let source_errors = observations
        .iter()
        .filter(|o| {
            matches!(o.services, Coverage::Unavailable { .. })
                || matches!(o.apps, Coverage::Unavailable { .. })
                || o.app_envs
                    .iter()
                    .any(|a| matches!(a.bound_instances, Coverage::Unavailable { .. }))
        })
        .map(|o| o.environment.clone())
        .collect();
    let mut verdict = crate::verify::verify(model, &observations);
    if let Some(Ok(session)) = &session {
        causes::explain_round(model, session, &observations, &mut verdict, memory).await;
    }
    RoundOutcome {
        verdict,
        source_errors,
        follow: crate::observe::api::to_follow(&observations),
    }
}

/// Compares the exported view with what was last announced and queues a message for every
/// environment whose status changed (nothing while the first round is pending).
pub(crate) fn announce(shared: &Shared, senders: &Senders, now: Instant) {
    let mut inner = shared.lock();
    let view = shared.view_of(&inner, now);
    if view.freshness == Freshness::Pending {
        return;
    }
    // The watchdog asks often; the verdict of a round already announced has nothing new.
    let fresh_round = (view.freshness == Freshness::Fresh).then_some(view.counters.rounds);
    if fresh_round.is_some() && inner.announced_round == fresh_round {
        return;
    }
    let (mut messages, next) = webhook::changes(
        view.verdict(),
        inner.announced.as_ref(),
        &rfc3339(SystemTime::now()),
    );
    inner.announced = Some(next);
    inner.announced_round = fresh_round;
    let evidence_at = match view.freshness {
        Freshness::Fresh => view.evidence_at,
        _ => None,
    };
    let observed_at = evidence_at.map(rfc3339);
    // Stored before the webhooks are queued: a process killed now loses no transition it
    // announced.
    let at_ms = store::ms(SystemTime::now());
    if !messages.is_empty() {
        let by_id: HashMap<&str, &Check> = view
            .verdict()
            .checks
            .iter()
            .map(|c| (c.id.as_str(), c))
            .collect();
        inner.record_transitions(
            messages
                .iter()
                .map(|m| transition(m, &by_id, at_ms, evidence_at.map(store::ms)))
                .collect(),
        );
    }
    // Queued under the lock, so announcements from the rounds and the watchdog keep order.
    for m in &mut messages {
        m.observed_at.clone_from(&observed_at);
        crate::eprintln_redacted!(
            "archcheck watch: {} ({})",
            m.headline,
            m.previous
                .map_or_else(|| "first round".to_owned(), |p| format!("was {p}"))
        );
        senders.queue(&mut inner, m);
    }
}

/// The transition a webhook message announces, with each changed check's kind, subject,
/// cause, impact and repair from the verdict.
fn transition(
    m: &webhook::Message,
    checks: &HashMap<&str, &Check>,
    at_ms: i64,
    observed_at_ms: Option<i64>,
) -> store::Transition {
    store::Transition {
        at_ms,
        observed_at_ms,
        environment: m.environment.clone(),
        previous: m.previous,
        status: m.status,
        headline: m.headline.clone(),
        changed_checks: m
            .changed_checks
            .iter()
            .map(|c| {
                let check = checks.get(c.id.as_str());
                store::ChangedCheck {
                    id: c.id.clone(),
                    kind: check.map_or_else(String::new, |v| {
                        serde_json::to_value(v.kind)
                            .ok()
                            .and_then(|k| k.as_str().map(str::to_owned))
                            .unwrap_or_default()
                    }),
                    subject: check.map_or_else(String::new, |v| v.subject.clone()),
                    previous: c.previous,
                    status: c.status,
                    message: c.message.clone(),
                    cause: check.and_then(|v| {
                        v.shared_reason()
                            .or_else(|| v.explained.as_ref().map(|e| e.text.clone()))
                    }),
                    impact: check.and_then(|v| v.impact.clone()),
                    repair: check.and_then(|v| v.repair.clone()),
                }
            })
            .collect(),
    }
}

/// Runs rounds every `config.interval`, serves `listener`, and announces changes, until
/// `shutdown` completes. A round still in flight then is cancelled (its requests abandoned,
/// its outcome never exported), and nothing of the rounds is left running when this returns.
/// Webhook messages still waiting get `config.webhook_grace` to be delivered; what is not
/// delivered by then is logged and counted.
pub(crate) async fn run(
    model: Arc<Model>,
    config: WatchConfig,
    listener: tokio::net::TcpListener,
    state: Option<(store::Store, store::Restored)>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let shared = Arc::new(Shared::new(
        model.clone(),
        config.envs.clone(),
        config.interval,
        config.webhooks.iter().map(|w| w.target.clone()).collect(),
    ));
    if let Some((store, restored)) = state {
        shared.restore(store, restored);
    }
    let (senders, deliveries) = Senders::start_deliveries(config.webhooks.clone(), shared.clone())?;
    let grace = config.webhook_grace;

    // The stop signal: `true` once shutdown has begun; the rounds and the server watch it.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut server_stop = stop_rx.clone();
    let app = server::router(shared.clone(), config.web.clone());
    let tls = config
        .web
        .as_ref()
        .and_then(|w| w.tls())
        .map(|t| t.server.clone());
    let server = tokio::spawn(server::serve(listener, app, tls, async move {
        stopped(&mut server_stop).await;
    }));

    // The watchdog: a round that hangs makes the evidence stale, and that is a change too.
    let watchdog = {
        let shared = shared.clone();
        let senders = senders.clone();
        let period = schedule::watchdog_period(config.interval);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                announce(&shared, &senders, Instant::now());
            }
        })
    };

    let signal = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    // Rounds return once the stop signal is sent, cancelling the round in flight.
    tokio::join!(
        signal,
        rounds(model, config, shared.clone(), senders, stop_rx)
    );
    watchdog.abort();
    // Awaited, so no announcement races the outboxes' closing (it has no await inside).
    let _ = watchdog.await;
    // Nothing is announced any more: deliver what waits, within the grace, while the server
    // finishes its last requests.
    let (_, server) = tokio::join!(deliveries.finish(grace), server);
    match server {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(anyhow::anyhow!("the HTTP server stopped: {e}")),
        Err(e) => Err(anyhow::anyhow!("the HTTP server failed: {e}")),
    }
}

/// Completes once the stop signal is sent (or can no longer be).
async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Rounds until `stop`: one at a time, the next one interval after the last one started, or
/// right after a round that overran. Each round is awaited here, on the caller's runtime, raced
/// against `stop`: a round still in flight at shutdown is dropped, so its requests are
/// abandoned and its outcome is never exported.
async fn rounds(
    model: Arc<Model>,
    config: WatchConfig,
    shared: Arc<Shared>,
    senders: Senders,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut api = config.api.clone();
    let mut memory = causes::Memory::default();
    loop {
        // The evidence of this round is as old as this moment, however long the answers take.
        let started = Instant::now();
        let started_at = SystemTime::now();
        let requests_before = REQUESTS_TOTAL.load(Ordering::Relaxed);
        api.budget.clear_last();
        let outcome = tokio::select! {
            // Shutdown wins over a round that completes at the same moment.
            biased;
            () = stopped(&mut stop) => return,
            outcome = CatchPanic(Box::pin(round(&model, &config.envs, &api, &memory))) => outcome,
        };
        let outcome = outcome.unwrap_or_else(|panic| {
            tracing::error!("a verification round failed: {panic}");
            RoundOutcome {
                verdict: shared.unknown_verdict(&format!("the verification round failed: {panic}")),
                source_errors: config.envs.clone(),
                // Kept: a failed round says nothing of how a deployment went on.
                follow: api.follow.clone(),
            }
        });
        api.follow = outcome.follow.clone();
        memory.remember(
            &outcome.verdict,
            started_at
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        );
        let elapsed = started.elapsed();
        let requests = REQUESTS_TOTAL.load(Ordering::Relaxed) - requests_before;
        let interval = keep_pace(&shared, &config, &api, elapsed, requests);
        let next = schedule::after_round(elapsed, interval);
        if next.overrun {
            tracing::warn!(
                "a round took {}, longer than the interval ({}); the next starts now",
                human(elapsed),
                human(interval)
            );
        }
        let completed = Completed {
            verdict: outcome.verdict,
            observed: started,
            observed_at: started_at,
            completed: Instant::now(),
            completed_at: SystemTime::now(),
            duration: elapsed,
        };
        let judgement = shared.complete_round(completed, &outcome.source_errors, next.overrun);
        shared.store_round(Some(requests));
        match judgement {
            Judgement::Fresh => {}
            Judgement::TooOld => tracing::warn!(
                "the round's evidence was {} old when it finished, more than {} intervals ({}): \
                 exported as UNKNOWN",
                human(elapsed),
                schedule::STALE_AFTER_INTERVALS,
                human(schedule::stale_after(config.interval))
            ),
            Judgement::Late => tracing::warn!(
                "the round's evidence was {} old when it finished, longer than the interval, \
                 after stale evidence: exported as UNKNOWN until a round finishes within the \
                 interval",
                human(elapsed)
            ),
        }
        announce(&shared, &senders, Instant::now());
        tokio::select! {
            biased;
            () = stopped(&mut stop) => return,
            () = tokio::time::sleep(next.wait) => {}
        }
    }
}

/// The pace after a round that took `elapsed` and made `requests` requests: the interval
/// until the next round starts, stretched to keep to the request budget. Logged when it
/// starts or stops being stretched, or stretches for another reason; every round at debug
/// level.
fn keep_pace(
    shared: &Shared,
    config: &WatchConfig,
    api: &ApiOptions,
    elapsed: Duration,
    requests: u64,
) -> Duration {
    let cap = api.budget.cap.as_ref();
    let mut now = pace::pace(
        config.interval,
        elapsed,
        requests,
        &api.budget.last(),
        cap.map(|c| c.limit()),
    );
    now.cap = cap.map(|c| (c.limit(), c.used(tokio::time::Instant::now()) as u64));
    let before = shared.pace();
    match (&now.why, now.stretched != before.stretched) {
        (Some(why), true) => tracing::warn!(
            "the next round in {} instead of {}: {why}",
            human(now.interval),
            human(config.interval)
        ),
        (Some(why), false) => {
            tracing::debug!("the next round in {}: {why}", human(now.interval));
        }
        (None, true) => tracing::info!(
            "rounds are {} apart again: the request budget allows it",
            human(config.interval)
        ),
        (None, false) => {}
    }
    let interval = now.interval;
    shared.set_pace(now);
    interval
}

/// A future's output, or the message of a panic while polling it: a round that panics is an
/// UNKNOWN round, and the rounds go on.
struct CatchPanic<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".to_owned());
                Poll::Ready(Err(format!("panicked with message {message:?}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_future_is_an_error_with_its_message() {
        let ok = CatchPanic(Box::pin(async { 7 })).await;
        assert_eq!(ok, Ok(7));
        let failed = CatchPanic(Box::pin(async {
            tokio::task::yield_now().await;
            let n: u8 = 3;
            assert!(n == 4, "round {n} broke");
            n
        }))
        .await;
        assert_eq!(
            failed,
            Err("panicked with message \"round 3 broke\"".to_owned())
        );
    }
}
