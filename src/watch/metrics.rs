//! `/metrics`: the exported view in the OpenMetrics text format (prometheus-client, a fresh
//! registry per scrape, no global state), samples sorted within each family so the same view
//! gives the same bytes.
//!
//! Status codes are those of the monitoring-plugin convention: 0 OK, 1 WARNING, 2 CRITICAL,
//! 3 UNKNOWN (and 3 for a check that was not checked: no evidence is never OK). A binding or
//! app that is UNKNOWN is never "up". A partial outage (some but not all critical bindings and
//! apps of an environment down) has its own gauge, so it is never averaged away. How old the
//! exported evidence is has gauges of its own (`archcheck_evidence_age_seconds`,
//! `archcheck_evidence_timestamp_seconds`): it is dated at the start of its round's requests.
//! What rounds cost and may spend has gauges too (`archcheck_round_requests`,
//! `archcheck_api_ratelimit_remaining`, `archcheck_round_interval_stretched`, ...).

use super::state::{Freshness, Shared, View, unix_seconds};
use crate::model::Environment;
use crate::verify::{Check, CheckKind, Element, Status, Verdict};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;

/// The Content-Type of [`encode_view`]'s output.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

type Labels = Vec<(String, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;
/// The families exported, each a sample per label set.
type Gauges = Family<Labels, Gauge>;
type FloatGauges = Family<Labels, FloatGauge>;
type Counters = Family<Labels, Counter>;

/// The status code of a status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN or not checked.
pub(crate) fn code(status: Status) -> i64 {
    i64::from(status.exit_code())
}

/// Check kinds the watcher exports per environment (those `verify` makes against a live
/// source, in report order).
const KINDS: [CheckKind; 8] = [
    CheckKind::ServiceExists,
    CheckKind::ServicePlan,
    CheckKind::ServiceOperation,
    CheckKind::BindingExists,
    CheckKind::AppExists,
    CheckKind::AppInstances,
    CheckKind::AppRoutes,
    CheckKind::Unexpected,
];

const STATUSES: [Status; 5] = [
    Status::Ok,
    Status::Warning,
    Status::Critical,
    Status::Unknown,
    Status::NotChecked,
];

/// The label value of a check status: `OK`, `WARNING`, `CRITICAL`, `UNKNOWN`, `NOT_CHECKED`.
fn status_label(s: Status) -> &'static str {
    match s {
        Status::NotChecked => "NOT_CHECKED",
        other => other.as_str(),
    }
}

/// How many critical elements (critical bindings and apps) of an environment are down, up,
/// or unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Outage {
    pub down: usize,
    pub up: usize,
    pub unknown: usize,
}

/// Whenever a critical element is down, exactly one of [`Outage::partial`] and
/// [`Outage::full`] holds. An element that could not be seen (UNKNOWN) is never counted as up:
/// with something down and nothing seen up, the outage is full as far as anyone can tell.
impl Outage {
    /// Some critical elements are down and some are seen up.
    pub(crate) fn partial(&self) -> bool {
        self.down > 0 && self.up > 0
    }
    /// Some critical elements are down and none is seen up (the rest could not be seen).
    pub(crate) fn full(&self) -> bool {
        self.down > 0 && self.up == 0
    }
}

/// The statuses of one environment's bindings and apps, indexed in one pass over its checks:
/// looking each element up among all the checks made a scrape quadratic in the model's size
/// (a model of 60,000 bindings took minutes).
pub(crate) struct EnvStatuses<'a> {
    /// (app id, service id) to the statuses of its `binding` checks.
    bindings: HashMap<(&'a str, &'a str), Vec<Status>>,
    /// App id to the statuses of its existence and instance checks.
    apps: HashMap<&'a str, Vec<Status>>,
}

impl<'a> EnvStatuses<'a> {
    pub(crate) fn new(verdict: &'a Verdict, env: &'a str) -> EnvStatuses<'a> {
        let mut index = EnvStatuses {
            bindings: HashMap::new(),
            apps: HashMap::new(),
        };
        for c in verdict.checks_for(env) {
            match (&c.kind, &c.element) {
                (CheckKind::BindingExists, Element::Binding { app, service }) => index
                    .bindings
                    .entry((app.as_str(), service.as_str()))
                    .or_default()
                    .push(c.status),
                (CheckKind::AppExists | CheckKind::AppInstances, Element::App { id }) => {
                    index.apps.entry(id.as_str()).or_default().push(c.status);
                }
                _ => {}
            }
        }
        index
    }

    /// The status of a binding: its `binding` check, UNKNOWN when there is none.
    pub(crate) fn binding(&self, app: &str, service: &str) -> Status {
        self.bindings
            .get(&(app, service))
            .map_or(Status::Unknown, |s| Status::worst(s.iter().copied()))
    }

    /// The status of an app: the worst of its existence and instance checks, UNKNOWN when
    /// none (not checked is no evidence).
    pub(crate) fn app(&self, app: &str) -> Status {
        self.apps
            .get(app)
            .map_or(Status::Unknown, |s| Status::worst(s.iter().copied()))
    }

    /// Critical bindings and apps of `env`, down (CRITICAL), up (OK or WARNING) or unknown.
    pub(crate) fn outage(&self, env: &Environment) -> Outage {
        let mut o = Outage::default();
        let mut count = |s: Status| match s {
            Status::Critical => o.down += 1,
            Status::Ok | Status::Warning => o.up += 1,
            Status::Unknown | Status::NotChecked => o.unknown += 1,
        };
        for (app, binding, service) in env.bindings() {
            if binding.critical {
                count(self.binding(&app.id, &service.id));
            }
        }
        for app in &env.apps {
            count(self.app(&app.id));
        }
        o
    }
}

/// The exported view as OpenMetrics text.
pub(crate) fn encode_view(shared: &Shared, view: &View) -> String {
    let sys: Labels = vec![("system".to_owned(), shared.model.system.clone())];
    let mut registry = Registry::default();
    let mut envs = EnvFamilies::default();
    for name in &shared.envs {
        if let Some(env) = shared.model.environment(name) {
            let source_errors = view.counters.source_errors.get(name).copied().unwrap_or(0);
            envs.add(name, env, view.verdict(), source_errors, &sys);
        }
    }
    let source_errors = envs.register(&mut registry);
    register_rounds(&mut registry, shared, view, &sys);
    registry.register(
        "archcheck_source_errors",
        "Rounds in which the environment could not be (fully) observed through the API",
        source_errors,
    );
    register_webhooks(&mut registry, shared, view, &sys);
    register_budget(&mut registry, shared, &sys);

    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = encode(&mut text, &registry);
    sort_samples(&text)
}

/// `labels` and one more.
fn with(labels: &Labels, name: &str, value: impl Into<String>) -> Labels {
    let mut l = labels.clone();
    l.push((name.to_owned(), value.into()));
    l
}

/// A family of one gauge, labelled `labels`.
fn one_gauge(labels: &Labels, value: i64) -> Gauges {
    let f = Gauges::default();
    f.get_or_create(labels).set(value);
    f
}

/// A family of one float gauge, labelled `labels`.
fn one_float(labels: &Labels, value: f64) -> FloatGauges {
    let f = FloatGauges::default();
    f.get_or_create(labels).set(value);
    f
}

/// A family of one counter, labelled `labels`.
fn one_counter(labels: &Labels, value: u64) -> Counters {
    let f = Counters::default();
    f.get_or_create(labels).inc_by(value);
    f
}

/// The families with samples per environment: its status, its checks by status and kind, its
/// bindings and apps, its outage, and its source errors.
#[derive(Default)]
struct EnvFamilies {
    status: Gauges,
    checks: Gauges,
    check_status: Gauges,
    binding_up: Gauges,
    binding_status: Gauges,
    app_up: Gauges,
    partial: Gauges,
    full: Gauges,
    critical_down: Gauges,
    source_errors: Counters,
}

impl EnvFamilies {
    /// The samples of one environment.
    fn add(
        &mut self,
        name: &str,
        env: &Environment,
        verdict: &Verdict,
        source_errors: u64,
        sys: &Labels,
    ) {
        let labels = with(sys, "environment", name);
        let status = verdict
            .environments
            .iter()
            .find(|e| e.name == name)
            .map_or(Status::Unknown, |e| e.status);
        self.status.get_or_create(&labels).set(code(status));
        self.add_checks(verdict.checks_for(name).collect(), &labels);
        let statuses = EnvStatuses::new(verdict, name);
        self.add_elements(env, &statuses, &labels);
        let o = statuses.outage(env);
        self.partial
            .get_or_create(&labels)
            .set(i64::from(o.partial()));
        self.full.get_or_create(&labels).set(i64::from(o.full()));
        self.critical_down.get_or_create(&labels).set(o.down as i64);
        self.source_errors
            .get_or_create(&labels)
            .inc_by(source_errors);
    }

    /// How many checks have each status, and the worst status of each kind of check.
    fn add_checks(&mut self, env_checks: Vec<&Check>, labels: &Labels) {
        for s in STATUSES {
            let n = env_checks.iter().filter(|c| c.status == s).count();
            self.checks
                .get_or_create(&with(labels, "status", status_label(s)))
                .set(n as i64);
        }
        // Only kinds the environment has checks of: no routes in the model is no UNKNOWN.
        for kind in KINDS {
            let of_kind: Vec<Status> = env_checks
                .iter()
                .filter(|c| c.kind == kind)
                .map(|c| c.status)
                .collect();
            if of_kind.is_empty() {
                continue;
            }
            self.check_status
                .get_or_create(&with(labels, "kind", kind.id_word()))
                .set(code(Status::worst(of_kind)));
        }
    }

    /// Whether each binding and app is up, and each binding's status.
    fn add_elements(&mut self, env: &Environment, statuses: &EnvStatuses, labels: &Labels) {
        for (app, binding, service) in env.bindings() {
            let mut l = with(labels, "app", app.id.as_str());
            l.push(("service".to_owned(), service.id.clone()));
            l.push(("critical".to_owned(), binding.critical.to_string()));
            let s = statuses.binding(&app.id, &service.id);
            self.binding_up
                .get_or_create(&l)
                .set(i64::from(s == Status::Ok));
            self.binding_status.get_or_create(&l).set(code(s));
        }
        for app in &env.apps {
            let s = statuses.app(&app.id);
            self.app_up
                .get_or_create(&with(labels, "app", app.id.as_str()))
                .set(i64::from(matches!(s, Status::Ok | Status::Warning)));
        }
    }

    /// Registers every family but the source errors, which come after the rounds' families:
    /// those are returned.
    fn register(self, registry: &mut Registry) -> Counters {
        registry.register(
            "archcheck_environment_status",
            "Status of the environment: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also before the first round and whenever the evidence is stale, see archcheck_evidence_stale)",
            self.status,
        );
        registry.register(
            "archcheck_checks",
            "Number of checks of the environment with each status",
            self.checks,
        );
        registry.register(
            "archcheck_check_status",
            "Worst status of the environment's checks of a kind: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN or not checked",
            self.check_status,
        );
        registry.register(
            "archcheck_binding_up",
            "1 when the binding of app to service was seen, 0 when it is missing or could not be seen",
            self.binding_up,
        );
        registry.register(
            "archcheck_binding_status",
            "Status of the binding's check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
            self.binding_status,
        );
        registry.register(
            "archcheck_app_up",
            "1 when the app was seen started with instances running, 0 when not or when it could not be seen",
            self.app_up,
        );
        registry.register(
            "archcheck_partial_outage",
            "1 when some critical bindings or apps of the environment are down and some are seen up",
            self.partial,
        );
        registry.register(
            "archcheck_full_outage",
            "1 when critical bindings or apps of the environment are down and none is seen up (those that could not be seen never count as up)",
            self.full,
        );
        registry.register(
            "archcheck_critical_down",
            "Number of critical bindings and apps of the environment that are down",
            self.critical_down,
        );
        self.source_errors
    }
}

/// How fresh the evidence is, and what the rounds did: their times, duration, interval and
/// counts.
fn register_rounds(registry: &mut Registry, shared: &Shared, view: &View, sys: &Labels) {
    registry.register(
        "archcheck_evidence_stale",
        "1 when there is no fresh evidence: before the first round, when the last round's evidence is older than 3 intervals, and when a round finished with its evidence already older than that (or, after stale evidence, older than one interval); every status is then exported as UNKNOWN",
        one_gauge(sys, i64::from(view.freshness != Freshness::Fresh)),
    );
    registry.register(
        "archcheck_evidence_timestamp_seconds",
        "Unix time the last completed round's requests started: its evidence is as old as this, not as its end (0 before the first round)",
        one_float(sys, view.evidence_at.map_or(0.0, unix_seconds)),
    );
    registry.register(
        "archcheck_evidence_age_seconds",
        "Age of the last completed round's evidence at this scrape (from the start of its requests); before the first round, the time since the watcher started",
        one_float(sys, view.evidence_age.as_secs_f64()),
    );
    registry.register(
        "archcheck_evidence_stale_after_seconds",
        "Evidence older than this (3 intervals) is stale",
        one_float(
            sys,
            super::schedule::stale_after(shared.interval_now()).as_secs_f64(),
        ),
    );
    registry.register(
        "archcheck_last_round_timestamp_seconds",
        "Unix time the last round completed (0 before the first); its evidence is older, see archcheck_evidence_timestamp_seconds",
        one_float(sys, view.last_completed_at.map_or(0.0, unix_seconds)),
    );
    registry.register(
        "archcheck_round_duration_seconds",
        "How long the last completed round took",
        one_float(sys, view.last_duration.map_or(0.0, |d| d.as_secs_f64())),
    );
    registry.register(
        "archcheck_round_interval_seconds",
        "The configured time between round starts",
        one_float(sys, shared.interval.as_secs_f64()),
    );
    registry.register(
        "archcheck_rounds",
        "Completed rounds",
        one_counter(sys, view.counters.rounds),
    );
    registry.register(
        "archcheck_round_overruns",
        "Rounds that took longer than the interval",
        one_counter(sys, view.counters.overruns),
    );
    registry.register(
        "archcheck_state_write_errors",
        "Writes to the --state file that failed (each logged; the watch goes on)",
        one_counter(sys, view.counters.state_write_errors),
    );
}

/// Per webhook: messages delivered, failed, dropped (by reason) and waiting.
fn register_webhooks(registry: &mut Registry, shared: &Shared, view: &View, sys: &Labels) {
    let delivered = Counters::default();
    let failed = Counters::default();
    let dropped = Counters::default();
    let queued = Gauges::default();
    let get =
        |m: &std::collections::BTreeMap<usize, u64>, n: usize| m.get(&n).copied().unwrap_or(0);
    for (i, target) in shared.webhook_targets.iter().enumerate() {
        let n = i + 1;
        let mut l = with(sys, "webhook", n.to_string());
        l.push(("target".to_owned(), target.clone()));
        delivered
            .get_or_create(&l)
            .inc_by(get(&view.counters.webhook_delivered, n));
        failed
            .get_or_create(&l)
            .inc_by(get(&view.counters.webhook_failed, n));
        queued
            .get_or_create(&l)
            .set(view.queued.get(i).copied().unwrap_or(0) as i64);
        for (reason, counts) in [
            ("superseded", &view.counters.webhook_superseded),
            ("shutdown", &view.counters.webhook_undelivered_at_shutdown),
        ] {
            dropped
                .get_or_create(&with(&l, "reason", reason))
                .inc_by(get(counts, n));
        }
    }
    registry.register(
        "archcheck_webhook_deliveries",
        "Webhook messages delivered (2xx answer)",
        delivered,
    );
    registry.register(
        "archcheck_webhook_failures",
        "Webhook messages given up on after retries",
        failed,
    );
    registry.register(
        "archcheck_webhook_dropped",
        "Webhook messages never sent as such: superseded (a newer message about the same environment replaced it while it waited, by their net change) or shutdown (still waiting or being sent when the shutdown grace ran out)",
        dropped,
    );
    registry.register(
        "archcheck_webhook_queued",
        "Webhook messages waiting to be delivered (at most one per environment; one being delivered not counted)",
        queued,
    );
}

/// What the rounds cost and may spend: the last round's requests, the interval in use and
/// whether (and why) the request budget stretches it, each API's rate limit as it last said,
/// and what `--max-requests-per-hour` leaves.
fn register_budget(registry: &mut Registry, shared: &Shared, sys: &Labels) {
    let pace = shared.pace();
    let gauge = |value: f64| one_float(sys, value);
    registry.register(
        "archcheck_round_requests",
        "Requests the last completed round made to the Cloud Controller APIs (every attempt counts)",
        gauge(pace.round_requests as f64),
    );
    registry.register(
        "archcheck_round_interval_effective_seconds",
        "The time between round starts in use: the configured interval, or longer while the request budget stretches it (archcheck_round_interval_stretched)",
        gauge(shared.interval_now().as_secs_f64()),
    );
    let stretched = Gauges::default();
    for reason in super::pace::Stretch::ALL {
        stretched
            .get_or_create(&with(sys, "reason", reason.label()))
            .set(i64::from(pace.stretched == Some(reason)));
    }
    registry.register(
        "archcheck_round_interval_stretched",
        "1 when rounds are further apart than configured to keep to the request budget, by reason: api_budget (a Cloud Controller's X-RateLimit-Remaining until its reset) or max_requests_per_hour",
        stretched,
    );
    let limit = Gauges::default();
    let remaining = Gauges::default();
    let reset = Gauges::default();
    for (api, r) in &pace.apis {
        let l = with(sys, "api", api.as_str());
        limit.get_or_create(&l).set(r.limit as i64);
        remaining.get_or_create(&l).set(r.remaining as i64);
        reset.get_or_create(&l).set(r.reset);
    }
    registry.register(
        "archcheck_api_ratelimit_limit",
        "The Cloud Controller's rate limit (X-RateLimit-Limit): requests per window, for APIs that send it",
        limit,
    );
    registry.register(
        "archcheck_api_ratelimit_remaining",
        "Requests left in the Cloud Controller's window after the last round (X-RateLimit-Remaining, its estimate rounded down to a tenth of the limit)",
        remaining,
    );
    registry.register(
        "archcheck_api_ratelimit_reset_timestamp_seconds",
        "Unix time the Cloud Controller's rate-limit window ends (X-RateLimit-Reset, its clock)",
        reset,
    );
    if let Some((cap, used)) = pace.cap {
        registry.register(
            "archcheck_requests_per_hour_remaining",
            "What --max-requests-per-hour leaves of the last hour's requests",
            gauge(u64::from(cap).saturating_sub(used) as f64),
        );
    }
}

/// Sorts the sample lines within each metric family (the library keeps them in a hash map).
fn sort_samples(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut block: Vec<&str> = Vec::new();
    let flush = |block: &mut Vec<&str>, out: &mut String| {
        block.sort_unstable();
        for l in block.drain(..) {
            out.push_str(l);
            out.push('\n');
        }
    };
    for line in text.lines() {
        if line.starts_with('#') {
            flush(&mut block, &mut out);
            out.push_str(line);
            out.push('\n');
        } else {
            block.push(line);
        }
    }
    flush(&mut block, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use std::sync::Arc;
    use std::time::{Duration, Instant, SystemTime};

    fn model() -> Arc<Model> {
        Arc::new(crate::model::c2_for_tests())
    }

    fn shared() -> Shared {
        Shared::new(
            model(),
            vec!["staging".into()],
            Duration::from_secs(60),
            vec!["https://hooks.example.org".into()],
        )
    }

    /// Every check OK, then `lost` bindings CRITICAL (as verify reports a lost binding).
    fn verdict(s: &Shared, lost: &[(&str, &str)], unknown: &[(&str, &str)]) -> Verdict {
        let mut v = s.unknown_verdict("x");
        for c in &mut v.checks {
            c.status = Status::Ok;
            if let Element::Binding { app, service } = &c.element {
                if lost.contains(&(app.as_str(), service.as_str())) {
                    c.status = Status::Critical;
                }
                if unknown.contains(&(app.as_str(), service.as_str())) {
                    c.status = Status::Unknown;
                }
            }
        }
        let worst = Status::worst(v.checks.iter().map(|c| c.status));
        v.status = worst;
        for e in &mut v.environments {
            e.status = worst;
        }
        v
    }

    fn complete(s: &Shared, v: Verdict) {
        s.complete_round(
            crate::watch::state::Completed {
                verdict: v,
                observed: Instant::now(),
                observed_at: SystemTime::UNIX_EPOCH + Duration::from_millis(1_699_999_999_750),
                completed: Instant::now(),
                completed_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
                duration: Duration::from_millis(250),
            },
            &[],
            false,
        );
    }

    fn sample<'a>(text: &'a str, prefix: &str) -> &'a str {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no sample {prefix} in\n{text}"))
    }

    #[test]
    fn before_the_first_round_every_status_is_unknown_and_nothing_is_up() {
        let s = shared();
        let text = encode_view(&s, &s.view(Instant::now()));
        assert!(
            text.contains(
                "archcheck_environment_status{system=\"c2\",environment=\"staging\"} 3\n"
            ),
            "{text}"
        );
        assert!(
            !text
                .lines()
                .any(|l| l.starts_with("archcheck_binding_up") && l.ends_with(" 1")),
            "{text}"
        );
        assert!(
            text.contains("archcheck_evidence_stale{system=\"c2\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("archcheck_rounds_total{system=\"c2\"} 0"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn one_lost_binding_of_many_is_a_partial_outage_not_averaged_away() {
        let s = shared();
        complete(&s, verdict(&s, &[("worker", "queue")], &[]));
        let text = encode_view(&s, &s.view(Instant::now()));
        assert_eq!(
            sample(&text, "archcheck_environment_status{"),
            "archcheck_environment_status{system=\"c2\",environment=\"staging\"} 2"
        );
        assert_eq!(
            sample(
                &text,
                "archcheck_binding_up{system=\"c2\",environment=\"staging\",app=\"worker\",service=\"queue\""
            ),
            "archcheck_binding_up{system=\"c2\",environment=\"staging\",app=\"worker\",service=\"queue\",critical=\"true\"} 0"
        );
        assert!(text.contains("archcheck_binding_status{system=\"c2\",environment=\"staging\",app=\"worker\",service=\"queue\",critical=\"true\"} 2"), "{text}");
        assert!(text.contains("archcheck_binding_up{system=\"c2\",environment=\"staging\",app=\"worker\",service=\"db\",critical=\"true\"} 1"), "{text}");
        assert!(
            text.contains("archcheck_partial_outage{system=\"c2\",environment=\"staging\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("archcheck_full_outage{system=\"c2\",environment=\"staging\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("archcheck_critical_down{system=\"c2\",environment=\"staging\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "archcheck_check_status{system=\"c2\",environment=\"staging\",kind=\"binding\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains("archcheck_last_round_timestamp_seconds{system=\"c2\"} 1700000000"),
            "{text}"
        );
    }

    #[test]
    fn an_unknown_binding_is_never_up() {
        let s = shared();
        complete(&s, verdict(&s, &[], &[("worker", "queue")]));
        let text = encode_view(&s, &s.view(Instant::now()));
        assert!(text.contains("archcheck_binding_up{system=\"c2\",environment=\"staging\",app=\"worker\",service=\"queue\",critical=\"true\"} 0"), "{text}");
        assert!(text.contains("archcheck_binding_status{system=\"c2\",environment=\"staging\",app=\"worker\",service=\"queue\",critical=\"true\"} 3"), "{text}");
        assert!(
            text.contains("archcheck_environment_status{system=\"c2\",environment=\"staging\"} 3"),
            "{text}"
        );
        assert!(
            text.contains("archcheck_partial_outage{system=\"c2\",environment=\"staging\"} 0"),
            "{text}"
        );
    }

    #[test]
    fn healthy_is_ok_and_every_binding_up() {
        let s = shared();
        complete(&s, verdict(&s, &[], &[]));
        let text = encode_view(&s, &s.view(Instant::now()));
        assert!(
            text.contains("archcheck_environment_status{system=\"c2\",environment=\"staging\"} 0"),
            "{text}"
        );
        assert!(
            text.lines()
                .filter(|l| l.starts_with("archcheck_binding_up{"))
                .all(|l| l.ends_with(" 1")),
            "{text}"
        );
        assert!(
            text.contains("archcheck_evidence_stale{system=\"c2\"} 0"),
            "{text}"
        );
        assert!(text.contains("archcheck_webhook_failures_total{system=\"c2\",webhook=\"1\",target=\"https://hooks.example.org\"} 0"), "{text}");
    }

    #[test]
    fn down_with_nothing_seen_up_is_exactly_one_outage_never_none() {
        // Every critical binding down and the apps request failed: a full outage, not neither.
        let o = Outage {
            down: 16,
            up: 0,
            unknown: 2,
        };
        assert!(o.full() && !o.partial());
        for down in 1..4 {
            for up in 0..3 {
                for unknown in 0..3 {
                    let o = Outage { down, up, unknown };
                    assert!(o.full() != o.partial(), "{down} {up} {unknown}");
                }
            }
        }
        let o = Outage {
            down: 0,
            up: 0,
            unknown: 5,
        };
        assert!(!o.full() && !o.partial());
    }

    #[test]
    fn every_binding_lost_is_a_full_outage() {
        let s = shared();
        let env = s.model.environment("staging").unwrap();
        let all: Vec<(String, String)> = env
            .bindings()
            .filter(|(_, b, _)| b.critical)
            .map(|(a, _, s)| (a.id.clone(), s.id.clone()))
            .collect();
        let all: Vec<(&str, &str)> = all.iter().map(|(a, s)| (a.as_str(), s.as_str())).collect();
        let mut v = verdict(&s, &all, &[]);
        // Apps down as well.
        for c in &mut v.checks {
            if matches!(c.kind, CheckKind::AppExists | CheckKind::AppInstances) {
                c.status = Status::Critical;
            }
        }
        complete(&s, v);
        let text = encode_view(&s, &s.view(Instant::now()));
        assert!(
            text.contains("archcheck_full_outage{system=\"c2\",environment=\"staging\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("archcheck_partial_outage{system=\"c2\",environment=\"staging\"} 0"),
            "{text}"
        );
    }

    #[test]
    fn the_same_view_gives_the_same_bytes() {
        let s = shared();
        complete(&s, verdict(&s, &[("worker", "queue")], &[]));
        let v = s.view(Instant::now());
        assert_eq!(encode_view(&s, &v), encode_view(&s, &v));
    }

    #[test]
    fn the_evidence_s_time_and_age_and_the_webhook_queue_are_exported() {
        let s = shared();
        let started = Instant::now();
        s.complete_round(
            crate::watch::state::Completed {
                verdict: verdict(&s, &[], &[]),
                observed: started,
                observed_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
                completed: started + Duration::from_secs(12),
                completed_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_012),
                duration: Duration::from_secs(12),
            },
            &[],
            false,
        );
        {
            let mut inner = s.lock();
            inner.counters.webhook_superseded.insert(1, 4);
            inner.counters.webhook_undelivered_at_shutdown.insert(1, 2);
        }
        let text = encode_view(&s, &s.view(started + Duration::from_secs(15)));
        for line in [
            "archcheck_evidence_timestamp_seconds{system=\"c2\"} 1700000000.0",
            "archcheck_evidence_age_seconds{system=\"c2\"} 15.0",
            "archcheck_evidence_stale_after_seconds{system=\"c2\"} 180.0",
            "archcheck_last_round_timestamp_seconds{system=\"c2\"} 1700000012.0",
            "archcheck_webhook_dropped_total{system=\"c2\",webhook=\"1\",target=\"https://hooks.example.org\",reason=\"superseded\"} 4",
            "archcheck_webhook_dropped_total{system=\"c2\",webhook=\"1\",target=\"https://hooks.example.org\",reason=\"shutdown\"} 2",
            "archcheck_webhook_queued{system=\"c2\",webhook=\"1\",target=\"https://hooks.example.org\"} 0",
        ] {
            assert!(text.lines().any(|l| l == line), "no `{line}` in\n{text}");
        }
        // 12 s old when the round finished, within 3 minutes: fresh.
        assert!(
            text.contains("archcheck_evidence_stale{system=\"c2\"} 0"),
            "{text}"
        );
    }

    #[test]
    fn a_kind_without_checks_has_no_status_series() {
        let s = shared();
        let mut v = verdict(&s, &[], &[]);
        v.checks.retain(|c| c.kind != CheckKind::AppRoutes);
        complete(&s, v);
        let text = encode_view(&s, &s.view(Instant::now()));
        assert!(!text.contains("kind=\"app-routes\""), "{text}");
        assert!(
            text.contains(
                "archcheck_check_status{system=\"c2\",environment=\"staging\",kind=\"app\"} 0"
            ),
            "{text}"
        );
    }
}
