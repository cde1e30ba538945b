//! Integration tests: the request budget (issue 12, item 2) against the simulator's rate
//! limiter (the `budget` fault: X-RateLimit-* headers, 429 CF-RateLimitExceeded past the
//! limit) and `--max-requests-per-hour`. What is asserted are the simulator's counts (the
//! requests it answered past its limit, the requests it got) and what archcheck reports and
//! exports; nothing measures time.

use crate::batch::options;
use crate::harness;
use crate::watch::{Watcher, c2, sample, sim, wait_for};
use archcheck::model::Environment;
use archcheck::observe::api::CredentialEnv;
use archcheck::observe::api::observe_with;
use archcheck::observe::{Coverage, Observation};
use archcheck::secret::Secret;
use archcheck::verify::Status;
use std::time::Duration;

fn token() -> CredentialEnv {
    CredentialEnv {
        oauth_token: Some(Secret::new("bearer budget-test-token".to_owned())),
        ..CredentialEnv::default()
    }
}

async fn observe_staging(url: &str, timeout: Duration) -> Vec<Observation> {
    let model = c2();
    let envs: Vec<&Environment> = vec![model.environment("staging").unwrap()];
    observe_with(&model, &envs, &options(url, timeout), &token())
        .await
        .expect("set-up succeeds")
}

fn reasons(obs: &[Observation]) -> Vec<String> {
    obs.iter()
        .flat_map(|o| {
            let s = match &o.services {
                Coverage::Unavailable { reason } => Some(reason.clone()),
                _ => None,
            };
            let a = match &o.apps {
                Coverage::Unavailable { reason } => Some(reason.clone()),
                _ => None,
            };
            s.into_iter().chain(a)
        })
        .collect()
}

/// Past the limit, the Cloud Controller answers 429 until its window resets: the requests
/// are sent again after the reset it names, within the deadline, and the round is seen whole.
#[tokio::test(flavor = "multi_thread")]
async fn a_429_is_retried_after_the_reset_it_names() {
    // 3 requests every 2 s: the four lists sent together cannot all pass.
    let sim = sim(&["budget:3:2"]);
    let obs = observe_staging(sim.url(), Duration::from_secs(20)).await;
    let stats = sim.stats();
    assert!(
        stats.over_limit >= 1,
        "nothing was over the limit: {stats:?}"
    );
    assert_eq!(
        stats.total,
        6 + stats.over_limit,
        "each refused request sent once more: {stats:?}"
    );
    let verdict = archcheck::verify::verify(&c2(), &obs);
    assert_eq!(verdict.status, Status::Ok, "{:?}", reasons(&obs));
}

/// A reset past the deadline is not waited for: the part is UNKNOWN at once, saying when
/// the limit resets, and the refused request is not sent again.
#[tokio::test(flavor = "multi_thread")]
async fn a_429_whose_reset_is_past_the_deadline_is_unknown() {
    let sim = sim(&["budget:3:86400"]);
    let obs = observe_staging(sim.url(), Duration::from_secs(3)).await;
    let stats = sim.stats();
    assert!(stats.over_limit >= 1, "{stats:?}");
    assert_eq!(stats.total, 3 + stats.over_limit, "no retry: {stats:?}");
    let reasons = reasons(&obs);
    assert!(!reasons.is_empty(), "nothing UNKNOWN");
    assert!(
        reasons.iter().any(|r| r.contains("429 Too Many Requests")
            && r.contains("CF-RateLimitExceeded (10013): Rate Limit Exceeded")
            && r.contains("the rate limit resets in")),
        "{reasons:?}"
    );
    assert!(
        !reasons
            .iter()
            .any(|r| r.contains("deadline of 3 s for the whole run")),
        "{reasons:?}"
    );
}

/// `verify --max-requests-per-hour N` sends at most N requests; what needed more is UNKNOWN,
/// naming the flag.
#[test]
fn verify_sends_no_more_than_the_cap() {
    let sim = sim(&[]);
    let out = harness::archcheck()
        .env("CF_OAUTH_TOKEN", "cap-test-token")
        .args([
            "verify",
            "models/c2.json",
            "--env",
            "staging",
            "--api",
            sim.url(),
        ])
        .args([
            "--max-requests-per-hour",
            "4",
            "--timeout",
            "2s",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert_eq!(sim.stats().total, 4, "{:?}", sim.request_log());
    assert!(
        stdout.contains("the cap of 4 requests an hour (--max-requests-per-hour) is spent"),
        "{stdout}"
    );
}

/// A `watch` against a rate-limited Cloud Controller spaces its rounds so that it is never
/// over the limit, through several windows, exporting why and what is left.
#[test]
fn watch_never_spends_more_than_the_api_budget() {
    // 30 requests every 5 s; a round costs 6, so rounds every second would need 30 in 5 s
    // and nothing else: the watch stretches its interval as the budget runs down.
    let sim = sim(&["budget:30:5"]);
    let w = Watcher::start(sim.url(), &["--env", "staging", "--interval", "1s"]);
    let stretched = "archcheck_round_interval_stretched{system=\"c2\",reason=\"api_budget\"}";
    let m = w.wait_metric(stretched, 1.0);
    assert_eq!(
        sample(&m, "archcheck_round_requests{system=\"c2\"}"),
        Some(6.0),
        "{m}"
    );
    let api = format!("{{system=\"c2\",api=\"{}\"}}", sim.url());
    assert_eq!(
        sample(&m, &format!("archcheck_api_ratelimit_limit{api}")),
        Some(30.0),
        "{m}"
    );
    assert!(
        sample(&m, &format!("archcheck_api_ratelimit_remaining{api}")).is_some(),
        "{m}"
    );
    assert!(
        sample(
            &m,
            &format!("archcheck_api_ratelimit_reset_timestamp_seconds{api}")
        )
        .is_some(),
        "{m}"
    );
    // Through several windows.
    wait_for("12 rounds", || {
        let m = w.metrics();
        match sample(&m, "archcheck_rounds_total{system=\"c2\"}") {
            Some(n) if n >= 12.0 => Ok(()),
            _ => Err(m),
        }
    });
    let stats = sim.stats();
    assert_eq!(
        stats.over_limit, 0,
        "the watch went over the limit: {stats:?}"
    );
    assert!(
        w.stderr().contains("instead of 1s: the Cloud Controller"),
        "{}",
        w.stderr()
    );
}

/// `watch --max-requests-per-hour N`: rounds that cost R start every R × 3600 / N seconds,
/// logged and exported.
#[test]
fn watch_spaces_rounds_by_the_cap() {
    let sim = sim(&[]);
    let w = Watcher::start(
        sim.url(),
        &[
            "--env",
            "staging",
            "--interval",
            "1s",
            "--max-requests-per-hour",
            "360",
        ],
    );
    let m = w.wait_metric(
        "archcheck_round_interval_stretched{system=\"c2\",reason=\"max_requests_per_hour\"}",
        1.0,
    );
    assert_eq!(
        sample(
            &m,
            "archcheck_round_interval_effective_seconds{system=\"c2\"}"
        ),
        Some(60.0),
        "6 requests a round, 360 an hour: {m}"
    );
    assert_eq!(
        sample(&m, "archcheck_requests_per_hour_remaining{system=\"c2\"}"),
        Some(354.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "archcheck_round_interval_stretched{system=\"c2\",reason=\"api_budget\"}"
        ),
        Some(0.0)
    );
    // Evidence is judged against the stretched interval: more than 3 configured intervals
    // old, and still fresh.
    let m = wait_for("evidence older than 3 s", || {
        let m = w.metrics();
        match sample(&m, "archcheck_evidence_age_seconds{system=\"c2\"}") {
            Some(age) if age > 3.5 => Ok(m),
            _ => Err(m),
        }
    });
    assert_eq!(
        sample(&m, "archcheck_evidence_stale{system=\"c2\"}"),
        Some(0.0),
        "{m}"
    );
    assert_eq!(
        sample(&m, &crate::watch::env_status("staging")),
        Some(0.0),
        "{m}"
    );
    let err = w.stderr();
    assert!(
        err.contains(
            "the next round in 1m instead of 1s: --max-requests-per-hour 360, and a round costs 6 requests"
        ),
        "{err}"
    );
    assert_eq!(sim.stats().total, 6, "one round only");
}
