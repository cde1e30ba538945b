//! Integration tests of deploys (issue 10 items 1, 2 and 5): deployments in flight read from
//! the API and from `cf apps` text, bindings made after the app's instances started, and the
//! simulator that plays both out. The simulator's clock is moved on (`advance_clock`), never
//! waited for: nothing here is timed.

use crate::harness;
use archcheck::model::Model;
use archcheck::observe::Observation;
use archcheck::observe::api::{ApiOptions, CredentialEnv, Follow, observe_with, to_follow};
use archcheck::secret::Secret;
use archcheck::sim::{SimConfig, SimHandle, Simulator};
use archcheck::verify::{Check, Status, Verdict};
use std::time::Duration;

fn c2() -> Model {
    archcheck::model::load(&harness::model("c2.json")).expect("models/c2.json loads")
}

fn sim(faults: &[&str]) -> SimHandle {
    Simulator::start(
        &c2(),
        SimConfig {
            faults: faults.iter().map(|f| f.to_string()).collect(),
            ..SimConfig::default()
        },
    )
    .expect("the simulator starts")
}

/// One round of `verify --api` against the simulator, as `watch` makes it: the observations
/// of `envs` (following `follow`) and their verdict.
async fn round(sim: &SimHandle, envs: &[&str], follow: &Follow) -> (Vec<Observation>, Verdict) {
    let model = c2();
    let targets: Vec<_> = envs.iter().map(|e| model.environment(e).unwrap()).collect();
    let options = ApiOptions {
        api: Some(sim.url().to_owned()),
        timeout: Duration::from_secs(20),
        skip_ssl_validation: false,
        ca_cert: None,
        progress: false,
        follow: follow.clone(),
        credentials: None,
        budget: Default::default(),
    };
    let cred = CredentialEnv {
        oauth_token: Some(Secret::new("bearer sim-token".to_owned())),
        ..CredentialEnv::default()
    };
    let obs = observe_with(&model, &targets, &options, &cred)
        .await
        .expect("the API can be used");
    let verdict = archcheck::verify::verify(&model, &obs);
    (obs, verdict)
}

fn check<'a>(v: &'a Verdict, id: &str) -> &'a Check {
    v.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

/// No check of the verdict suggests a restart (harmful in the middle of a deployment).
fn assert_no_restart(v: &Verdict) {
    for c in &v.checks {
        assert!(
            !c.repair.as_deref().unwrap_or("").contains("cf restart"),
            "{}: {:?}",
            c.id,
            c.repair
        );
    }
}

fn audit_events_read(sim: &SimHandle) -> u64 {
    sim.stats()
        .paths
        .get("/v3/audit_events")
        .copied()
        .unwrap_or(0)
}

fn deployments_read(sim: &SimHandle) -> u64 {
    sim.stats()
        .paths
        .get("/v3/deployments")
        .copied()
        .unwrap_or(0)
}

/// A rolling deploy of prod's web (2 instances, over 60 s) reads WARNING, pending, while it
/// runs (the old and the new web process counted together, how many new ones run, never
/// CRITICAL, never `cf restart`), then OK once the simulator has played it out; the
/// deployments are read only while two web processes say one is in flight.
#[tokio::test(flavor = "multi_thread")]
async fn a_rolling_deploy_reads_warning_then_ok_without_a_restart() {
    let sim = sim(&["deploy:prod:web:60"]);
    let none = Follow::new();

    let (_, v) = round(&sim, &["prod"], &none).await;
    let c = check(&v, "prod/app-instances/web");
    assert_eq!(c.status, Status::Warning, "{c:?}");
    assert!(
        c.message
            .starts_with("deploying: 0 of 2 new web instances running (rolling, started "),
        "{}",
        c.message
    );
    assert_eq!(c.observed.as_deref(), Some("web:2/2, web:0/1"));
    assert_eq!(c.repair, None);
    assert!(c.pending.is_some());
    assert_eq!(v.status, Status::Warning);
    assert_no_restart(&v);
    assert_eq!(deployments_read(&sim), 1);

    sim.advance_clock(Duration::from_secs(30));
    let (_, v) = round(&sim, &["prod"], &none).await;
    let c = check(&v, "prod/app-instances/web");
    assert_eq!(c.status, Status::Warning, "{c:?}");
    assert!(
        c.message
            .starts_with("deploying: 1 of 2 new web instances running (rolling, started 3"),
        "{}",
        c.message
    );
    assert_eq!(c.observed.as_deref(), Some("web:1/1, web:1/2"));
    assert_no_restart(&v);
    assert_eq!(deployments_read(&sim), 2);

    sim.advance_clock(Duration::from_secs(30));
    let (_, v) = round(&sim, &["prod"], &none).await;
    let c = check(&v, "prod/app-instances/web");
    assert_eq!(c.status, Status::Ok, "{c:?}");
    assert_eq!(c.observed.as_deref(), Some("web:2/2"));
    assert_eq!(c.pending, None);
    assert_eq!(v.status, Status::Ok, "{:?}", v.checks);
    assert_eq!(
        deployments_read(&sim),
        2,
        "no deployment in flight, none read"
    );
}

/// A canary pauses once its instance runs and stays pending, however long it waits for
/// `cf continue-deployment`; a deployment whose new instance never starts stays pending too.
#[tokio::test(flavor = "multi_thread")]
async fn a_paused_canary_and_a_stuck_deploy_stay_pending() {
    let sim = sim(&["deploy-canary:prod:web:30", "deploy-stuck:staging:worker"]);
    let none = Follow::new();
    let (_, v) = round(&sim, &["prod", "staging"], &none).await;
    let c = check(&v, "prod/app-instances/web");
    assert!(
        c.message
            .starts_with("deploying: 0 of 2 new web instances running (canary, started "),
        "{}",
        c.message
    );
    for later in [30, 86_400] {
        sim.advance_clock(Duration::from_secs(later));
        let (_, v) = round(&sim, &["prod", "staging"], &none).await;
        let c = check(&v, "prod/app-instances/web");
        assert_eq!(c.status, Status::Warning, "{c:?}");
        assert!(
            c.message.starts_with(
                "canary paused: 1 of 1 canary instance running; the deployment waits for \
                 `cf continue-deployment c2-prod` (canary, started "
            ),
            "{}",
            c.message
        );
        assert!(c.pending.as_deref().is_some_and(|p| p.contains("PAUSED")));
        let c = check(&v, "staging/app-instances/worker");
        assert_eq!(c.status, Status::Warning, "{c:?}");
        assert!(
            c.message
                .starts_with("deploying: 0 of 1 new web instance running (rolling, started "),
            "{}",
            c.message
        );
        assert!(c.pending.is_some());
        assert_no_restart(&v);
    }
}

/// The last deployment canceled is a WARNING that says so, seen by a round that follows the
/// app (as `watch` does after seeing it deploy): nothing in the processes shows a
/// cancellation, so a round that follows nothing reads no deployment and is OK.
#[tokio::test(flavor = "multi_thread")]
async fn a_canceled_deployment_is_a_warning_for_a_round_that_follows_it() {
    let sim = sim(&["deploy-stuck:staging:worker"]);
    let (obs, v) = round(&sim, &["staging"], &Follow::new()).await;
    assert_eq!(
        check(&v, "staging/app-instances/worker").status,
        Status::Warning
    );
    let follow = to_follow(&obs);
    assert_eq!(
        follow,
        Follow::from([("staging".to_owned(), "c2-staging-worker".to_owned())])
    );

    sim.add_faults(&["cancel-deploy:staging:worker"]).unwrap();
    sim.advance_clock(Duration::from_secs(180));
    let (obs, v) = round(&sim, &["staging"], &follow).await;
    let c = check(&v, "staging/app-instances/worker");
    assert_eq!(c.status, Status::Warning, "{c:?}");
    assert!(
        c.message.starts_with(
            "the last deployment of c2-staging-worker (rolling, started 3 min ago) was canceled: \
             c2-staging-worker runs what it ran before it"
        ),
        "{}",
        c.message
    );
    assert_eq!(c.observed.as_deref(), Some("web:1/1"));
    assert_eq!(c.pending, None, "settled");
    assert_eq!(to_follow(&obs), follow, "still followed while canceled");

    let before = deployments_read(&sim);
    let (_, v) = round(&sim, &["staging"], &Follow::new()).await;
    assert_eq!(check(&v, "staging/app-instances/worker").status, Status::Ok);
    assert_eq!(deployments_read(&sim), before);
}

/// A binding created after every running instance of the app started (`cf bind-service`
/// without a restage) is not in the running app's environment: CRITICAL for a critical
/// binding (WARNING for one marked not critical), repaired by `cf restage`, not
/// `cf bind-service`. Once the app's instances have started again (a rolling deploy played
/// out), it is OK.
#[tokio::test(flavor = "multi_thread")]
async fn a_binding_created_after_the_instances_started_needs_a_restage() {
    let sim = sim(&[
        "rebind-without-restart:staging:worker:queue",
        "rebind-without-restart:staging:worker:newrelic",
    ]);
    let (_, v) = round(&sim, &["staging"], &Follow::new()).await;
    let c = check(&v, "staging/binding/worker->queue");
    assert_eq!(c.status, Status::Critical, "{c:?}");
    assert!(
        c.message
            .starts_with("c2-staging-worker was bound to c2-staging-redis at ")
            && c.message
                .ends_with(" but has not been restarted since: the running app cannot see it"),
        "{}",
        c.message
    );
    assert_eq!(c.repair.as_deref(), Some("cf restage c2-staging-worker"));
    let c = check(&v, "staging/binding/worker->newrelic");
    assert_eq!(c.status, Status::Warning, "{c:?}");
    assert_eq!(c.repair.as_deref(), Some("cf restage c2-staging-worker"));
    // The other bindings were made before the instances started.
    assert_eq!(check(&v, "staging/binding/worker->db").status, Status::Ok);
    assert_eq!(check(&v, "staging/binding/web->queue").status, Status::Ok);

    sim.add_faults(&["deploy:staging:worker:10"]).unwrap();
    // New instances starting will have it: pending, not CRITICAL (a gate keeps waiting).
    let (_, v) = round(&sim, &["staging"], &Follow::new()).await;
    let c = check(&v, "staging/binding/worker->queue");
    assert_eq!(c.status, Status::Warning, "{c:?}");
    assert!(
        c.message
            .contains("new ones are starting (the deployment of c2-staging-worker (DEPLOYING))"),
        "{}",
        c.message
    );
    assert!(c.pending.is_some());
    sim.advance_clock(Duration::from_secs(10));
    let (_, v) = round(&sim, &["staging"], &Follow::new()).await;
    assert_eq!(
        check(&v, "staging/binding/worker->queue").status,
        Status::Ok,
        "{:?}",
        check(&v, "staging/binding/worker->queue")
    );
    assert_eq!(v.status, Status::Ok);
}

/// A binding still being created is pending, and the app's own VCAP_SERVICES (from the
/// simulator's `/env`) does not have it yet.
#[tokio::test(flavor = "multi_thread")]
async fn a_binding_being_created_is_pending() {
    let sim = sim(&["bind-in-progress:staging:web:search"]);
    let (_, v) = round(&sim, &["staging"], &Follow::new()).await;
    let c = check(&v, "staging/binding/web->search");
    assert_eq!(c.status, Status::Warning, "{c:?}");
    assert!(c.message.contains("is being created"), "{}", c.message);
    assert!(c.pending.is_some());
    assert_eq!(c.repair, None);
}

/// A healthy round reads no deployment: nothing in the processes says one is in flight.
#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_round_reads_no_deployments() {
    let sim = sim(&[]);
    let (_, v) = round(&sim, &["dev", "staging", "prod"], &Follow::new()).await;
    assert_eq!(v.status, Status::Ok);
    assert_eq!(deployments_read(&sim), 0);
    assert!(v.checks.iter().all(|c| c.pending.is_none()));
}

/// `cf apps` during a deployment lists the web process twice (`web:2/2, web:0/1`): pending,
/// a WARNING without a restart, where the same capture without the repeat (`web:1/2`) is a
/// shortfall to restart. The capture and the API, given together, agree on the two processes
/// whatever order each lists them in.
#[test]
fn cf_apps_during_a_deployment_is_pending_not_critical() {
    let deploying = harness::fixture("cf/apps-deploying-v8/apps.txt");
    let (code, report) = harness::verify_json(
        &[
            "models/c2.json",
            "--env",
            "prod",
            "--cf-apps",
            deploying.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, Some(1), "{report:#}");
    let c = harness::check(&report, "prod/app-instances/web");
    assert_eq!(c["status"], "WARNING");
    assert_eq!(
        c["message"],
        "deploying: c2-prod lists web twice, the old and the new instances, 2 of 3 web instances running (the new ones not told apart)"
    );
    assert_eq!(c["observed"], "web:2/2, web:0/1");
    assert!(c.get("repair").is_none(), "{c:#}");
    assert!(c["pending"].is_string(), "{c:#}");

    let partial = harness::fixture("cf/apps-partial-v8/apps.txt");
    let (_, report) = harness::verify_json(
        &[
            "models/c2.json",
            "--env",
            "prod",
            "--cf-apps",
            partial.to_str().unwrap(),
        ],
        None,
    );
    let c = harness::check(&report, "prod/app-instances/web");
    assert_eq!(c["status"], "WARNING");
    assert!(c["repair"].as_str().unwrap().contains("cf restart c2-prod"));

    // The capture lists the new process first, the API the old one.
    let sim = sim(&["deploy:prod:web:60"]);
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&deploying)
        .unwrap()
        .replace("web:2/2, web:0/1", "web:0/1, web:2/2");
    let swapped = dir.path().join("apps.txt");
    std::fs::write(&swapped, text).unwrap();
    let out = harness::archcheck()
        .args([
            "verify",
            "models/c2.json",
            "--env",
            "prod",
            "--format",
            "json",
        ])
        .args(["--cf-apps", swapped.to_str().unwrap(), "--api", sim.url()])
        .env("CF_OAUTH_TOKEN", "bearer sim-token")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = harness::check(&report, "prod/app-instances/web");
    assert_eq!(c["status"], "WARNING", "{c:#}");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .starts_with("deploying: 0 of 2 new web instances running (rolling, started "),
        "{c:#}"
    );
}

/// Scenario `c2-half-repair`: staging's queue bindings are back but neither app was
/// restaged. `cf services` would show both apps bound; the API's times show the running apps
/// cannot see their queue: CRITICAL, repaired by `cf restage`.
#[tokio::test(flavor = "multi_thread")]
async fn the_incidents_half_repair_is_caught() {
    let sim = Simulator::start(
        &c2(),
        SimConfig {
            scenario: archcheck::sim::Scenario::C2HalfRepair,
            ..SimConfig::default()
        },
    )
    .unwrap();
    let (_, v) = round(&sim, &["staging"], &Follow::new()).await;
    for (id, app) in [
        ("staging/binding/web->queue", "c2-staging"),
        ("staging/binding/worker->queue", "c2-staging-worker"),
    ] {
        let c = check(&v, id);
        assert_eq!(c.status, Status::Critical, "{c:?}");
        assert!(
            c.message.contains("has not been restarted since"),
            "{}",
            c.message
        );
        assert_eq!(
            c.repair.as_deref(),
            Some(format!("cf restage {app}").as_str())
        );
    }
    assert_eq!(check(&v, "staging/binding/web->db").status, Status::Ok);
}

// ---- the deploy gate: `verify --api --wait` (issue 10 item 3) ----

/// `archcheck verify models/c2.json --env ENV --api SIM --format json` with `extra`, started.
fn gate(sim: &SimHandle, env: &str, extra: &[&str]) -> std::process::Child {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("archcheck"));
    for (k, _) in std::env::vars() {
        if k.starts_with("CF_") || k == "NO_COLOR" || k == "RUST_LOG" {
            cmd.env_remove(&k);
        }
    }
    cmd.current_dir(harness::root())
        .env("CF_OAUTH_TOKEN", "bearer sim-token")
        .args(["verify", "models/c2.json", "--env", env, "--format", "json"])
        .args(["--api", sim.url()])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("archcheck starts")
}

/// Waits (bounded) for `child` to exit: its code and JSON report.
fn finished(child: std::process::Child) -> (Option<i32>, serde_json::Value) {
    let out = child.wait_with_output().expect("archcheck runs");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

/// Polls, bounded, until `what` holds.
fn eventually(describe: &str, what: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !what() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting for {describe}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The gate waits while the rolling deploy is in flight and returns, OK (exit 0), in the
/// round after it finalized: the test plays the deploy out on the simulator's clock once the
/// gate has seen it in flight.
#[test]
fn the_gate_returns_once_the_deploy_finalizes() {
    let sim = sim(&["deploy:prod:web:60"]);
    let child = gate(&sim, "prod", &["--wait", "5m"]);
    eventually("the gate's first round", || deployments_read(&sim) >= 1);
    sim.advance_clock(Duration::from_secs(60));
    let (code, report) = finished(child);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["wait"]["outcome"], "settled");
    assert!(
        report["wait"]["rounds"].as_u64().unwrap() >= 2,
        "{}",
        report["wait"]
    );
    assert_eq!(report["wait"]["limit_seconds"], 300.0);
    assert_eq!(harness::status_of(&report, "prod/app-instances/web"), "OK");
    // Nothing was CRITICAL: no audit event was read, in any round.
    assert_eq!(audit_events_read(&sim), 0);
}

/// A CRITICAL nothing in progress settles (a lost binding) ends the wait at once, exit 2,
/// whatever else is pending.
#[test]
fn the_gate_fails_fast_on_a_settled_lost_binding() {
    let sim = sim(&["unbind:prod:worker:queue", "deploy-stuck:prod:web"]);
    let (code, report) = finished(gate(&sim, "prod", &["--wait", "5m"]));
    assert_eq!(code, Some(2), "{report:#}");
    assert_eq!(report["wait"]["outcome"], "failed_fast");
    assert_eq!(report["wait"]["rounds"], 1);
    assert_eq!(
        harness::status_of(&report, "prod/binding/worker->queue"),
        "CRITICAL"
    );
    // Who removed it, from one request for prod's audit events.
    let cause = harness::check(&report, "prod/binding/worker->queue")["cause"].clone();
    assert!(
        cause["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("binding deleted by ci-deployer (user) at ")),
        "{cause:#}"
    );
    assert_eq!(audit_events_read(&sim), 1);
}

/// A canary paused stays pending until the deadline, and what did not settle is reported: a
/// WARNING (exit 1) naming what it was waiting for.
#[test]
fn what_did_not_settle_by_the_deadline_is_reported() {
    let sim = sim(&["deploy-canary:prod:web:1"]);
    let (code, report) = finished(gate(&sim, "prod", &["--wait", "3s"]));
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["wait"]["outcome"], "did_not_settle");
    assert!(
        report["wait"]["rounds"].as_u64().unwrap() >= 2,
        "{}",
        report["wait"]
    );
    let c = harness::check(&report, "prod/app-instances/web");
    assert_eq!(c["status"], "WARNING");
    assert!(
        c["message"].as_str().unwrap().starts_with(
            "did not settle within 3s (waiting for the deployment of c2-prod (PAUSED)): canary paused: "
        ),
        "{c:#}"
    );
    assert_eq!(report["exit_code"], 1);
}

/// Without the API there is nothing to wait for: a usage error (exit 3).
#[test]
fn wait_without_the_api_is_a_usage_error() {
    let apps = harness::fixture("cf/apps-deploying-v8/apps.txt");
    let r = harness::run(
        &[
            "verify",
            "models/c2.json",
            "--env",
            "prod",
            "--cf-apps",
            apps.to_str().unwrap(),
            "--wait",
            "1m",
        ],
        None,
    );
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    assert!(
        r.stderr.contains("--wait") && r.stderr.contains("--api"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

/// Instances STARTING after `cf restart` make a shortfall pending (no CRITICAL, no restart),
/// and a service instance's operation in progress is pending; once started, the rebound
/// binding is in the app's environment.
#[tokio::test(flavor = "multi_thread")]
async fn instances_starting_and_operations_in_progress_are_pending() {
    let sim = sim(&[
        "rebind-without-restart:staging:worker:queue",
        "stall-operation:staging:db",
    ]);
    // A restart in the same second as the binding could not be told from one before it.
    sim.advance_clock(Duration::from_secs(60));
    sim.add_faults(&["restart:staging:worker:10"]).unwrap();
    let (_, v) = round(&sim, &["staging"], &Follow::new()).await;
    let c = check(&v, "staging/app-instances/worker");
    assert_eq!(c.status, Status::Warning, "{c:?}");
    assert_eq!(
        c.message,
        "starting: c2-staging-worker has 0 of 1 web instances running, 1 starting"
    );
    assert_eq!(c.repair, None);
    assert_eq!(
        c.pending.as_deref(),
        Some("1 web instance of c2-staging-worker starting")
    );
    let c = check(&v, "staging/service-operation/db");
    assert_eq!(c.status, Status::Warning);
    assert!(
        c.pending
            .as_deref()
            .is_some_and(|p| p.contains("update in progress")),
        "{c:?}"
    );

    sim.advance_clock(Duration::from_secs(10));
    let (_, v) = round(&sim, &["staging"], &Follow::new()).await;
    assert_eq!(check(&v, "staging/app-instances/worker").status, Status::Ok);
    assert_eq!(
        check(&v, "staging/binding/worker->queue").status,
        Status::Ok
    );
}

// ---- causes from audit events (issue 10 item 4) ----

/// `verify --api` against `c2-incident`: each lost binding names who deleted it and when, from
/// the simulator's audit trail (a manifest push by ci-deployer), in the text report, the JSON
/// (`checks[].cause`: the event's guid, type, actor and time) and JUnit. Audit events that
/// answer 403 leave the causes unknown and the verdict unchanged; a healthy environment reads
/// no audit event.
#[test]
fn lost_bindings_name_who_deleted_them() {
    let sim = Simulator::start(
        &c2(),
        SimConfig {
            scenario: archcheck::sim::Scenario::C2Incident,
            ..SimConfig::default()
        },
    )
    .unwrap();
    let run = |env: &str, format: &str| {
        let out = harness::archcheck()
            .args(["verify", "models/c2.json", "--env", env, "--format", format])
            .args(["--api", sim.url()])
            .env("CF_OAUTH_TOKEN", "bearer sim-token")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    sim.reset_stats();
    let (code, _) = run("prod", "json");
    assert_eq!(code, Some(0));
    assert_eq!(
        sim.stats().paths.get("/v3/audit_events"),
        None,
        "healthy: none read"
    );

    let (code, json) = run("staging", "json");
    assert_eq!(code, Some(2));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let c = harness::check(&report, "staging/binding/worker->queue");
    let cause = &c["cause"];
    let text = cause["text"].as_str().unwrap();
    assert!(
        text.starts_with("binding deleted by ci-deployer (user) at ")
            && text.ends_with(", during a manifest push"),
        "{text}"
    );
    assert_eq!(cause["event"]["type"], "audit.service_binding.delete");
    assert_eq!(cause["event"]["actor"]["name"], "ci-deployer");
    assert_eq!(cause["event"]["actor"]["type"], "user");
    assert!(cause["event"]["guid"].is_string() && cause["event"]["time"].is_string());
    assert_eq!(sim.stats().paths.get("/v3/audit_events"), Some(&1));

    let (_, text) = run("staging", "text");
    assert!(
        text.contains("\n  cause     binding deleted by ci-deployer (user) at "),
        "{text}"
    );
    let (_, junit) = run("staging", "junit");
    assert!(
        junit.contains("cause: binding deleted by ci-deployer (user) at "),
        "{junit}"
    );

    sim.add_faults(&["status:403:/v3/audit_events"]).unwrap();
    let (code, json) = run("staging", "json");
    assert_eq!(code, Some(2), "the verdict does not change");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let c = harness::check(&report, "staging/binding/worker->queue");
    assert_eq!(c["status"], "CRITICAL");
    assert!(
        c["cause"]["text"]
            .as_str()
            .unwrap()
            .starts_with("unknown: the audit events could not be read: "),
        "{c:#}"
    );
    assert!(c["cause"].get("event").is_none());
}

/// The simulator's `/v3/audit_events` in the shape of `event_presenter.rb`, filtered by
/// `types`, `space_guids`, `target_guids` and `created_ats[gte]`/`[lt]`.
#[tokio::test(flavor = "multi_thread")]
async fn the_simulator_records_what_its_faults_did() {
    let sim = sim(&["unbind:staging:worker:queue", "stop:dev:web"]);
    let http = reqwest::Client::new();
    let get = |q: &str| {
        let url = format!("{}/v3/audit_events{q}", sim.url());
        let http = http.clone();
        async move {
            http.get(url)
                .bearer_auth("t")
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let all = get("").await;
    let kinds: Vec<&str> = all["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "audit.service_binding.start_delete",
            "audit.service_binding.delete",
            "audit.app.stop"
        ]
    );
    let e = &all["resources"][1];
    let mut keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "actor",
            "created_at",
            "data",
            "guid",
            "links",
            "organization",
            "space",
            "target",
            "type",
            "updated_at"
        ]
    );
    assert_eq!(e["actor"]["name"], "ci-deployer");
    assert_eq!(e["target"]["type"], "service_binding");
    assert!(e["data"]["request"]["app_guid"].is_string());
    assert!(e["data"]["request"]["service_instance_guid"].is_string());
    let stop = get("?types=audit.app.stop").await;
    assert_eq!(stop["resources"].as_array().unwrap().len(), 1);
    assert_eq!(stop["resources"][0]["target"]["name"], "c2-dev");
    let later = get("?created_ats[gte]=2999-01-01T00:00:00Z").await;
    assert!(later["resources"].as_array().unwrap().is_empty());
    let earlier = get("?created_ats[lt]=2999-01-01T00:00:00Z").await;
    assert_eq!(earlier["resources"].as_array().unwrap().len(), 3);
}
