//! Monitoring: `archcheck watch` verifies every watched environment against the live
//! Cloud Controller API on a schedule and reports each one, so an outage, full or partial, is
//! seen when it happens and not hours later by a person.
//!
//! - [`schedule`]: rounds one interval apart, never overlapping; overruns; staleness.
//! - [`state`]: the last round, counters, and the *exported view* (UNKNOWN before the first
//!   round and once the evidence is stale).
//! - [`metrics`]: `/metrics` in the OpenMetrics text format (prometheus-client).
//! - [`server`]: `/metrics`, `/healthz`, `/status` (axum).
//! - [`webhook`]: a JSON message on every status change of an environment.
//!
//! [`round`] is one verification of all watched environments (blocking: the API source runs
//! its own runtime); [`run`] drives rounds, the server, the staleness watchdog and the
//! webhook senders until shutdown.

pub mod metrics;
pub mod schedule;
pub mod server;
pub mod state;
pub mod webhook;

use crate::model::{Environment, Model};
use crate::observe::api::ApiOptions;
use crate::observe::{Coverage, Observation};
use crate::verify::Verdict;
use state::{Completed, Freshness, Shared, human, rfc3339};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use webhook::{Senders, Webhook};

/// A checked watch configuration.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    /// Environments to watch, in model order.
    pub envs: Vec<String>,
    pub api: ApiOptions,
    pub interval: Duration,
    pub webhooks: Vec<Webhook>,
}

/// The outcome of one round.
#[derive(Debug, Clone)]
pub struct RoundOutcome {
    pub verdict: Verdict,
    /// Environments some part of which the API could not show (UNKNOWN checks).
    pub source_errors: Vec<String>,
}

/// One round: observes `envs` through the API and verifies them. Blocking. A failure of the
/// source makes the environments' checks UNKNOWN; it is never an error of the round.
pub fn round(model: &Model, envs: &[String], api: &ApiOptions) -> RoundOutcome {
    let targets: Vec<&Environment> = envs.iter().filter_map(|e| model.environment(e)).collect();
    let mut observations: Vec<Observation> =
        targets.iter().map(|e| Observation::new(&e.name)).collect();
    match crate::observe::api::observe(model, &targets, api) {
        Ok(seen) => {
            for o in seen {
                if let Some(m) = observations
                    .iter_mut()
                    .find(|m| m.environment == o.environment)
                {
                    m.merge(o);
                }
            }
        }
        Err(e) => {
            // Messages of the API source are scrubbed of tokens.
            tracing::warn!("the Cloud Controller API could not be used: {e:#}");
            let reason = format!("the Cloud Controller API could not be used: {e:#}");
            for m in &mut observations {
                m.merge(Observation::unavailable(
                    &m.environment,
                    "Cloud Controller v3 API (failed)",
                    &reason,
                ));
            }
        }
    }
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
    RoundOutcome {
        verdict: crate::verify::verify(model, &observations),
        source_errors,
    }
}

/// Compares the exported view with what was last announced and queues a message for every
/// environment whose status changed (nothing while the first round is pending).
pub fn announce(shared: &Shared, senders: &Senders, now: Instant) {
    let mut inner = shared.lock();
    let view = shared.view_of(&inner, now);
    if view.freshness == Freshness::Pending {
        return;
    }
    let (messages, next) = webhook::changes(
        &view.verdict,
        inner.announced.as_ref(),
        &rfc3339(SystemTime::now()),
    );
    inner.announced = Some(next);
    // Queued under the lock, so announcements from the rounds and the watchdog keep order.
    for m in &messages {
        eprintln!(
            "archcheck watch: {} ({})",
            m.headline,
            m.previous
                .map_or_else(|| "first round".to_owned(), |p| format!("was {p}"))
        );
        senders.send(m);
    }
}

/// Runs rounds every `config.interval`, serves `listener`, and announces changes, until
/// `shutdown` completes.
pub async fn run(
    model: Arc<Model>,
    config: WatchConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let shared = Arc::new(Shared::new(
        model.clone(),
        config.envs.clone(),
        config.interval,
        config.webhooks.iter().map(|w| w.target.clone()).collect(),
    ));
    let senders = Senders::start(config.webhooks.clone(), shared.clone())?;

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut server_stop = stop_rx.clone();
    let app = server::router(shared.clone());
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = server_stop.wait_for(|s| *s).await;
            })
            .await
    });

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

    let rounds = rounds(model, config, shared.clone(), senders);
    tokio::select! {
        () = shutdown => {}
        () = rounds => {}
    }
    watchdog.abort();
    let _ = stop_tx.send(true);
    match server.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(anyhow::anyhow!("the HTTP server stopped: {e}")),
        Err(e) => Err(anyhow::anyhow!("the HTTP server failed: {e}")),
    }
}

/// Rounds forever: one at a time, the next one interval after the last one started, or right
/// after a round that overran.
async fn rounds(model: Arc<Model>, config: WatchConfig, shared: Arc<Shared>, senders: Senders) {
    loop {
        let started = Instant::now();
        let (m, envs, api) = (model.clone(), config.envs.clone(), config.api.clone());
        let outcome = match tokio::task::spawn_blocking(move || round(&m, &envs, &api)).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!("a verification round failed: {e}");
                RoundOutcome {
                    verdict: shared.unknown_verdict(&format!("the verification round failed: {e}")),
                    source_errors: config.envs.clone(),
                }
            }
        };
        let elapsed = started.elapsed();
        let next = schedule::after_round(elapsed, config.interval);
        if next.overrun {
            tracing::warn!(
                "a round took {}, longer than the interval ({}); the next starts now",
                human(elapsed),
                human(config.interval)
            );
        }
        shared.complete_round(
            Completed {
                verdict: outcome.verdict,
                completed: Instant::now(),
                completed_at: SystemTime::now(),
                duration: elapsed,
            },
            &outcome.source_errors,
            next.overrun,
        );
        announce(&shared, &senders, Instant::now());
        tokio::time::sleep(next.wait).await;
    }
}
