//! Integration tests: `archcheck watch` (the binary) against the simulated Cloud Controller
//! with runtime faults, a real webhook receiver, and a real Prometheus scraping it.
//! Every wait is bounded, so a broken watcher fails a test instead of hanging it.

use crate::harness;
use archcheck::model::Model;
use archcheck::sim::{SimConfig, SimHandle, Simulator};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

/// A token that must never show up anywhere the watcher writes.
pub(crate) const TOKEN: &str = "watch-test-token-5ecret";
/// A webhook path secret (as in Slack URLs) that must never be printed.
pub(crate) const HOOK_SECRET: &str = "T000-B000-h00ksecret";
/// Longest wait for anything.
pub(crate) const WAIT: Duration = Duration::from_secs(30);

pub(crate) static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a test runtime")
});

pub(crate) fn c2() -> Model {
    archcheck::model::load(&harness::model("c2.json")).expect("models/c2.json loads")
}

pub(crate) fn sim(faults: &[&str]) -> SimHandle {
    Simulator::start(
        &c2(),
        SimConfig {
            faults: faults.iter().map(|s| s.to_string()).collect(),
            ..SimConfig::default()
        },
    )
    .expect("the simulator starts")
}

/// GET, with the status and body.
pub(crate) fn get(url: &str) -> (u16, String) {
    RT.block_on(async {
        match reqwest::Client::new()
            .get(url)
            .timeout(Duration::from_secs(5))
            .send()
            .await
        {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
    })
}

/// Polls `what` until it returns `Some`, or fails naming `describe` and the last value seen.
pub(crate) fn wait_for<T>(describe: &str, mut what: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        match what() {
            Ok(t) => return t,
            Err(last) if Instant::now() > deadline => {
                panic!("gave up after {WAIT:?} waiting for {describe}; last seen:\n{last}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// The value of the sample whose line starts with `prefix` (labels included).
pub(crate) fn sample(metrics: &str, prefix: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

pub(crate) fn env_status(env: &str) -> String {
    format!("archcheck_environment_status{{system=\"c2\",environment=\"{env}\"}}")
}

fn binding(name: &str, env: &str, app: &str, service: &str) -> String {
    format!(
        "{name}{{system=\"c2\",environment=\"{env}\",app=\"{app}\",service=\"{service}\",critical=\"true\"}}"
    )
}

/// A webhook receiver: records every JSON body POSTed to any path.
pub(crate) struct Receiver {
    pub(crate) url: String,
    pub(crate) bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    pub(crate) fn start() -> Receiver {
        let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
        let store = bodies.clone();
        let listener = RT
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("the receiver listens");
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
            let store = store.clone();
            async move {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                store.lock().unwrap().push(v);
                "ok"
            }
        });
        RT.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url: format!("http://{addr}/services/{HOOK_SECRET}"),
            bodies,
        }
    }

    pub(crate) fn for_env(&self, env: &str) -> Vec<Value> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .filter(|b| b["environment"] == env)
            .cloned()
            .collect()
    }
}

/// A running `archcheck watch`, killed when dropped.
pub(crate) struct Watcher {
    pub(crate) child: Child,
    pub(crate) url: String,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
}

impl Watcher {
    pub(crate) fn start(api: &str, extra: &[&str]) -> Watcher {
        Watcher::start_model(&harness::model("c2.json"), api, extra)
    }

    /// [`Watcher::start`] with another model.
    pub(crate) fn start_model(model: &std::path::Path, api: &str, extra: &[&str]) -> Watcher {
        let dir = tempfile::tempdir().unwrap();
        let url_file = dir.path().join("url");
        let stderr = dir.path().join("stderr");
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("archcheck"));
        for (k, _) in std::env::vars() {
            if k.starts_with("CF_")
                || [
                    "NO_COLOR",
                    "RUST_LOG",
                    "CREDENTIALS_DIRECTORY",
                    "VCAP_SERVICES",
                    "ARCHCHECK_WEBHOOKS",
                ]
                .contains(&k.as_str())
            {
                cmd.env_remove(&k);
            }
        }
        let mut child = cmd
            .env("HOME", dir.path())
            .env("CF_HOME", dir.path())
            .env("CF_OAUTH_TOKEN", TOKEN)
            .env("RUST_LOG", "debug")
            .arg("watch")
            .arg(model)
            .args(["--api", api, "--listen", "127.0.0.1:0", "--url-file"])
            .arg(&url_file)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("archcheck watch starts");
        let deadline = Instant::now() + WAIT;
        let url = loop {
            if let Ok(u) = std::fs::read_to_string(&url_file)
                && u.ends_with('\n')
            {
                break u.trim().to_owned();
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "archcheck watch exited ({status}): {}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("archcheck watch wrote no --url-file");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Watcher {
            child,
            url,
            stderr,
            _dir: dir,
        }
    }

    pub(crate) fn metrics(&self) -> String {
        let (status, body) = get(&format!("{}/metrics", self.url));
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Waits until `/metrics` shows `value` for the sample `prefix`.
    pub(crate) fn wait_metric(&self, prefix: &str, value: f64) -> String {
        wait_for(&format!("{prefix} = {value}"), || {
            let m = self.metrics();
            if sample(&m, prefix) == Some(value) {
                Ok(m)
            } else {
                Err(m)
            }
        })
    }

    pub(crate) fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    pub(crate) fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the receiver holds `n` messages for `env`.
pub(crate) fn wait_messages(rx: &Receiver, env: &str, n: usize) -> Vec<Value> {
    wait_for(&format!("{n} webhook messages for {env}"), || {
        let got = rx.for_env(env);
        if got.len() >= n {
            Ok(got)
        } else {
            Err(format!("{got:#?}"))
        }
    })
}

#[test]
fn a_lost_binding_is_a_partial_outage_in_metrics_and_one_webhook_and_recovery_another() {
    let sim = sim(&[]);
    let rx = Receiver::start();
    // A second webhook nobody answers: its failures are counted, never fatal.
    let dead = format!("http://127.0.0.1:9/services/{HOOK_SECRET}");
    let mut w = Watcher::start(
        sim.url(),
        &[
            "--env",
            "staging",
            "--env",
            "prod",
            "--interval",
            "1s",
            "--timeout",
            "2s",
            "--webhook",
            &rx.url,
            "--webhook",
            &dead,
        ],
    );

    // Healthy: OK, every binding up, no outage; the first round is announced.
    let m = w.wait_metric(&env_status("staging"), 0.0);
    assert_eq!(sample(&m, &env_status("prod")), Some(0.0), "{m}");
    assert_eq!(
        sample(
            &m,
            &binding("archcheck_binding_up", "staging", "worker", "queue")
        ),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "archcheck_partial_outage{system=\"c2\",environment=\"staging\"}"
        ),
        Some(0.0),
        "{m}"
    );
    assert_eq!(
        sample(&m, "archcheck_evidence_stale{system=\"c2\"}"),
        Some(0.0),
        "{m}"
    );
    assert!(
        sample(&m, "archcheck_last_round_timestamp_seconds{system=\"c2\"}").unwrap() > 1.7e9,
        "{m}"
    );
    let first = wait_messages(&rx, "staging", 1);
    assert_eq!(first[0]["previous"], Value::Null, "{first:#?}");
    assert_eq!(first[0]["status"], "OK");
    assert_eq!(first[0]["format_version"], 1);

    let (code, health) = get(&format!("{}/healthz", w.url));
    assert_eq!(code, 200, "{health}");
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "running");
    assert_eq!(health["environments"][0]["name"], "staging");
    assert_eq!(health["environments"][0]["status"], "OK");

    // The incident: worker loses its queue binding; the database bindings stay.
    sim.set_faults(&["unbind:staging:worker:queue"]).unwrap();
    let m = w.wait_metric(&env_status("staging"), 2.0);
    assert_eq!(
        sample(
            &m,
            &binding("archcheck_binding_up", "staging", "worker", "queue")
        ),
        Some(0.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            &binding("archcheck_binding_status", "staging", "worker", "queue")
        ),
        Some(2.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            &binding("archcheck_binding_up", "staging", "worker", "db")
        ),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "archcheck_partial_outage{system=\"c2\",environment=\"staging\"}"
        ),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "archcheck_full_outage{system=\"c2\",environment=\"staging\"}"
        ),
        Some(0.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "archcheck_check_status{system=\"c2\",environment=\"staging\",kind=\"binding\"}"
        ),
        Some(2.0),
        "{m}"
    );
    assert_eq!(sample(&m, &env_status("prod")), Some(0.0), "{m}");
    assert_eq!(
        sample(
            &m,
            "archcheck_partial_outage{system=\"c2\",environment=\"prod\"}"
        ),
        Some(0.0),
        "{m}"
    );

    let msgs = wait_messages(&rx, "staging", 2);
    let lost = &msgs[1];
    assert_eq!(lost["previous"], "OK", "{lost:#}");
    assert_eq!(lost["status"], "CRITICAL", "{lost:#}");
    let headline = lost["headline"].as_str().unwrap();
    assert!(
        headline.starts_with("CRITICAL: staging")
            && headline.contains("c2-staging-worker")
            && headline.contains("queue"),
        "{headline}"
    );
    let text = lost["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "{headline}\ncause: binding deleted by ci-deployer (user) at "
        )),
        "{text}"
    );
    let changed = lost["changed_checks"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{lost:#}");
    assert_eq!(changed[0]["id"], "staging/binding/worker->queue");
    assert_eq!(changed[0]["previous"], "OK");
    assert_eq!(changed[0]["status"], "CRITICAL");
    // A few more rounds: still exactly one message about the loss, none about prod.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        rx.for_env("staging").len(),
        2,
        "{:#?}",
        rx.for_env("staging")
    );
    assert_eq!(rx.for_env("prod").len(), 1, "{:#?}", rx.for_env("prod"));

    let (code, status) = get(&format!("{}/status", w.url));
    assert_eq!(code, 200);
    let report: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(report["status"], "CRITICAL", "{report:#}");

    // Repaired: OK again, and a message saying so.
    sim.clear_faults();
    let m = w.wait_metric(&env_status("staging"), 0.0);
    assert_eq!(
        sample(
            &m,
            "archcheck_partial_outage{system=\"c2\",environment=\"staging\"}"
        ),
        Some(0.0),
        "{m}"
    );
    let msgs = wait_messages(&rx, "staging", 3);
    assert_eq!(msgs[2]["previous"], "CRITICAL");
    assert_eq!(msgs[2]["status"], "OK");

    // The API fails: UNKNOWN, never OK, and nothing is up.
    sim.set_faults(&["status:503"]).unwrap();
    let m = w.wait_metric(&env_status("staging"), 3.0);
    assert_eq!(
        sample(
            &m,
            &binding("archcheck_binding_up", "staging", "worker", "queue")
        ),
        Some(0.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            &binding("archcheck_binding_status", "staging", "worker", "queue")
        ),
        Some(3.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "archcheck_partial_outage{system=\"c2\",environment=\"staging\"}"
        ),
        Some(0.0),
        "{m}"
    );
    assert!(
        sample(
            &m,
            "archcheck_source_errors_total{system=\"c2\",environment=\"staging\"}"
        )
        .unwrap()
            >= 1.0,
        "{m}"
    );
    let msgs = wait_messages(&rx, "staging", 4);
    assert_eq!(msgs[3]["previous"], "OK");
    assert_eq!(msgs[3]["status"], "UNKNOWN");

    // The dead webhook: counted as failed after its retries, the watcher still running.
    let m = wait_for("a failed delivery to the dead webhook", || {
        let m = w.metrics();
        match sample(
            &m,
            "archcheck_webhook_failures_total{system=\"c2\",webhook=\"2\",target=\"http://127.0.0.1:9\"}",
        ) {
            Some(n) if n >= 1.0 => Ok(m),
            _ => Err(m),
        }
    });
    assert!(
        sample(
            &m,
            "archcheck_webhook_deliveries_total{system=\"c2\",webhook=\"1\""
        )
        .unwrap()
            >= 4.0,
        "{m}"
    );
    assert!(w.running(), "the watcher died: {}", w.stderr());

    // Secrets: the token nowhere; webhook URLs only as scheme and host.
    let err = w.stderr();
    assert!(err.contains("webhook 2 (http://127.0.0.1:9)"), "{err}");
    let (_, status) = get(&format!("{}/status", w.url));
    let (_, health) = get(&format!("{}/healthz", w.url));
    let bodies = format!("{:?}", rx.bodies.lock().unwrap());
    for (what, text) in [
        ("stderr", &err),
        ("metrics", &m),
        ("status", &status),
        ("healthz", &health),
        ("webhook bodies", &bodies),
    ] {
        assert!(
            !text.contains(TOKEN),
            "the token leaked into {what}: {text}"
        );
        assert!(
            !text.contains(HOOK_SECRET),
            "a webhook URL leaked into {what}: {text}"
        );
    }

    // SIGTERM stops it cleanly.
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &w.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let code = wait_for("archcheck watch to stop on SIGTERM", || {
        match w.child.try_wait().unwrap() {
            Some(s) => Ok(s.code()),
            None => Err(w.stderr()),
        }
    });
    assert_eq!(code, Some(0), "{}", w.stderr());
    assert!(
        w.stderr().ends_with("archcheck watch: stopped\n"),
        "{}",
        w.stderr()
    );
    sim.shutdown();
}

#[test]
fn rounds_that_stop_completing_make_every_status_unknown_and_healthz_fail() {
    let sim = sim(&[]);
    let rx = Receiver::start();
    let w = Watcher::start(
        sim.url(),
        &[
            "--env",
            "prod",
            "--interval",
            "300ms",
            "--timeout",
            "20s",
            "--webhook",
            &rx.url,
        ],
    );
    w.wait_metric(&env_status("prod"), 0.0);
    let (code, _) = get(&format!("{}/healthz", w.url));
    assert_eq!(code, 200);

    // Every request now takes 4 s: no round completes within 3 intervals (900 ms).
    sim.set_faults(&["latency:4000"]).unwrap();
    let m = w.wait_metric(&env_status("prod"), 3.0);
    assert_eq!(
        sample(&m, "archcheck_evidence_stale{system=\"c2\"}"),
        Some(1.0),
        "{m}"
    );
    assert!(
        m.lines()
            .filter(|l| l.starts_with("archcheck_binding_up{"))
            .all(|l| l.ends_with(" 0")),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            "archcheck_checks{system=\"c2\",environment=\"prod\",status=\"OK\"}"
        ),
        Some(0.0),
        "{m}"
    );
    let (code, health) = get(&format!("{}/healthz", w.url));
    assert_eq!(code, 503, "{health}");
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "stalled");
    assert_eq!(health["environments"][0]["status"], "UNKNOWN");
    let (_, status) = get(&format!("{}/status", w.url));
    let report: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(report["status"], "UNKNOWN");
    assert!(status.contains("stale evidence is no evidence"), "{status}");

    // The watchdog announces it while the round still hangs.
    let msgs = wait_messages(&rx, "prod", 2);
    assert_eq!(msgs[1]["previous"], "OK");
    assert_eq!(msgs[1]["status"], "UNKNOWN");
    assert!(
        msgs[1]["headline"]
            .as_str()
            .unwrap()
            .starts_with("UNKNOWN: prod"),
        "{:#}",
        msgs[1]
    );

    // The API answers again: the hung round ends, counted as an overrun, and fresh rounds
    // bring OK back.
    sim.clear_faults();
    let m = w.wait_metric(&env_status("prod"), 0.0);
    assert!(
        sample(&m, "archcheck_round_overruns_total{system=\"c2\"}").unwrap() >= 1.0,
        "{m}"
    );
    assert_eq!(
        sample(&m, "archcheck_evidence_stale{system=\"c2\"}"),
        Some(0.0),
        "{m}"
    );
    let (code, _) = get(&format!("{}/healthz", w.url));
    assert_eq!(code, 200);
    let msgs = wait_messages(&rx, "prod", 3);
    assert_eq!(msgs[2]["previous"], "UNKNOWN");
    assert_eq!(msgs[2]["status"], "OK");
    sim.shutdown();
}

#[test]
fn shutdown_cancels_a_round_in_flight_and_exits_at_once() {
    let sim = sim(&[]);
    let mut w = Watcher::start(
        sim.url(),
        &["--env", "prod", "--interval", "300ms", "--timeout", "60s"],
    );
    w.wait_metric(&env_status("prod"), 0.0);

    // Every request now takes 30 s (a request may take 20 s, the round 60 s), and the next
    // round would find a lost binding: wait until its first request reached the simulator.
    sim.set_faults(&["latency:30000", "unbind:prod:worker:queue"])
        .unwrap();
    sim.reset_stats();
    wait_for("a round to be in flight", || {
        let stats = sim.stats();
        if stats.total >= 1 {
            Ok(())
        } else {
            Err(format!("{stats:?}"))
        }
    });
    let before = w.stderr().len();

    let sent = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &w.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    // Far below the latency and the request timeout, and below the second the runtime would
    // wait at exit for a round left running on a blocking thread.
    let bound = Duration::from_millis(800);
    let code = loop {
        if let Some(status) = w.child.try_wait().unwrap() {
            break status.code();
        }
        assert!(
            sent.elapsed() < bound,
            "archcheck watch did not stop within {bound:?} of SIGTERM with a round in flight:\n{}",
            w.stderr()
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = sent.elapsed();
    eprintln!("stopped {took:?} after SIGTERM");
    assert_eq!(code, Some(0), "{}", w.stderr());

    // Nothing of the cancelled round came out: it never finished observing, and no change
    // (the lost binding) was announced.
    let err = w.stderr();
    let after = &err[before..];
    assert!(err.ends_with("archcheck watch: stopped\n"), "{err}");
    assert!(
        !after.contains("requests to the Cloud Controller") && !after.contains("CRITICAL"),
        "{after}"
    );
    assert_eq!(
        after
            .lines()
            .filter(|l| l.starts_with("archcheck watch: "))
            .collect::<Vec<_>>(),
        ["archcheck watch: stopped"],
        "{after}"
    );
    sim.shutdown();
}

/// `archcheck_rounds_total`.
fn rounds(metrics: &str) -> f64 {
    sample(metrics, "archcheck_rounds_total{system=\"c2\"}").expect("archcheck_rounds_total")
}

/// Every binding is exported as down, and no check as OK: nothing says healthy.
fn assert_nothing_ok(m: &str, env: &str) {
    assert!(
        m.lines()
            .filter(|l| l.starts_with("archcheck_binding_up{"))
            .all(|l| l.ends_with(" 0")),
        "{m}"
    );
    assert_eq!(
        sample(
            m,
            &format!("archcheck_checks{{system=\"c2\",environment=\"{env}\",status=\"OK\"}}")
        ),
        Some(0.0),
        "{m}"
    );
}

/// Issue 9 item 2: every 500 ms, an API that answers each request after 1 s (a round makes
/// three requests one after another, so it takes 3 s). Evidence is as old as the start of
/// its round's requests, so every slow round's evidence is already older than the stale age
/// (3 intervals, 1.5 s) when it finishes: exported as UNKNOWN, /healthz 503, one webhook
/// message when the evidence goes stale and one when fresh evidence comes back, never one a
/// round. Before the fix, each slow round was exported as OK for 1.5 s after it finished, and
/// announced "UNKNOWN -> OK".
#[test]
fn a_slow_api_gives_stale_evidence_exported_as_unknown_and_one_message_each_way() {
    let sim = sim(&[]);
    let rx = Receiver::start();
    let w = Watcher::start(
        sim.url(),
        &[
            "--env",
            "prod",
            "--interval",
            "500ms",
            "--timeout",
            "30s",
            "--webhook",
            &rx.url,
        ],
    );
    // Nothing is ever exported as OK from evidence older than the stale age.
    let never_ok_from_old_evidence = |m: &str| {
        if sample(m, &env_status("prod")) == Some(0.0) {
            let age = sample(m, "archcheck_evidence_age_seconds{system=\"c2\"}");
            let limit = sample(m, "archcheck_evidence_stale_after_seconds{system=\"c2\"}");
            assert_eq!(limit, Some(1.5), "{m}");
            assert!(age.is_some_and(|a| a <= 1.5), "OK from old evidence:\n{m}");
        }
    };
    let m = w.wait_metric(&env_status("prod"), 0.0);
    never_ok_from_old_evidence(&m);
    let first = wait_messages(&rx, "prod", 1);
    assert_eq!(first[0]["status"], "OK", "{first:#?}");
    assert!(first[0]["observed_at"].is_string(), "{first:#?}");

    sim.set_faults(&["latency:1000"]).unwrap();
    // The round in flight now may have started before the fault; every later one is slow.
    let slow_from = rounds(&w.metrics()) + 1.0;
    let m = wait_for("three slow rounds to finish", || {
        let m = w.metrics();
        never_ok_from_old_evidence(&m);
        let n = rounds(&m);
        if n > slow_from {
            // A round that started after the fault has finished: its evidence is stale.
            assert_eq!(sample(&m, &env_status("prod")), Some(3.0), "{m}");
            assert_nothing_ok(&m, "prod");
            assert_eq!(
                sample(&m, "archcheck_evidence_stale{system=\"c2\"}"),
                Some(1.0),
                "{m}"
            );
            let (code, health) = get(&format!("{}/healthz", w.url));
            assert_eq!(code, 503, "{health}");
            let health: Value = serde_json::from_str(&health).unwrap();
            assert_eq!(health["environments"][0]["status"], "UNKNOWN", "{health:#}");
            assert!(
                health["evidence_age_seconds"].as_f64().unwrap() > 1.5,
                "{health:#}"
            );
        }
        if n >= slow_from + 3.0 { Ok(m) } else { Err(m) }
    });
    assert!(
        sample(&m, "archcheck_evidence_age_seconds{system=\"c2\"}").unwrap() > 3.0,
        "{m}"
    );
    let (_, health) = get(&format!("{}/healthz", w.url));
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "stale", "{health:#}");
    let (_, status) = get(&format!("{}/status", w.url));
    assert!(
        status.contains("old when the round finished")
            && status.contains("interval 500ms, stale after 3 intervals, 1.5s")
            && status.contains("stale evidence is no evidence"),
        "{status}"
    );
    // One message as the evidence went stale, none for each slow round.
    let msgs = rx.for_env("prod");
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    assert_eq!(msgs[1]["previous"], "OK");
    assert_eq!(msgs[1]["status"], "UNKNOWN");
    assert_eq!(msgs[1]["observed_at"], Value::Null, "{:#}", msgs[1]);

    // The API is quick again: fresh evidence, one message saying so, read on time.
    sim.clear_faults();
    let m = wait_for("fresh evidence after the API recovered", || {
        let m = w.metrics();
        never_ok_from_old_evidence(&m);
        if sample(&m, &env_status("prod")) == Some(0.0) {
            Ok(m)
        } else {
            Err(m)
        }
    });
    let read = sample(&m, "archcheck_evidence_timestamp_seconds{system=\"c2\"}").unwrap();
    let finished = sample(&m, "archcheck_last_round_timestamp_seconds{system=\"c2\"}").unwrap();
    assert!(
        finished - read <= 0.5,
        "the round took longer than the interval:\n{m}"
    );
    let (code, _) = get(&format!("{}/healthz", w.url));
    assert_eq!(code, 200);
    let msgs = wait_messages(&rx, "prod", 3);
    assert_eq!(msgs[2]["previous"], "UNKNOWN");
    assert_eq!(msgs[2]["status"], "OK");
    assert!(msgs[2]["observed_at"].is_string(), "{:#}", msgs[2]);
    let later = rounds(&m) + 3.0;
    wait_for("three more rounds", || {
        let m = w.metrics();
        never_ok_from_old_evidence(&m);
        if rounds(&m) >= later { Ok(()) } else { Err(m) }
    });
    assert_eq!(rx.for_env("prod").len(), 3, "{:#?}", rx.for_env("prod"));
    sim.shutdown();
}

/// A webhook receiver that records each body as it arrives and answers only once opened: a
/// receiver as slow as a test needs.
struct GatedReceiver {
    url: String,
    /// `http://127.0.0.1:PORT`, as the watcher names it.
    target: String,
    bodies: Arc<Mutex<Vec<Value>>>,
    open: tokio::sync::watch::Sender<bool>,
}

impl GatedReceiver {
    fn start() -> GatedReceiver {
        let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
        let (open, gate) = tokio::sync::watch::channel(false);
        let store = bodies.clone();
        let listener = RT
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("the receiver listens");
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
            let store = store.clone();
            let mut gate = gate.clone();
            async move {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                store.lock().unwrap().push(v);
                let _ = gate.wait_for(|open| *open).await;
                "ok"
            }
        });
        RT.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        GatedReceiver {
            url: format!("http://{addr}/services/{HOOK_SECRET}"),
            target: format!("http://{addr}"),
            bodies,
            open,
        }
    }

    fn open(&self) {
        self.open.send_replace(true);
    }

    /// The distinct messages received, in order (a retried delivery arrives again).
    fn messages(&self) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        for b in self.bodies.lock().unwrap().iter() {
            if !out.contains(b) {
                out.push(b.clone());
            }
        }
        out
    }

    fn wait_messages(&self, n: usize) -> Vec<Value> {
        wait_for(&format!("{n} webhook messages"), || {
            let got = self.messages();
            if got.len() >= n {
                Ok(got)
            } else {
                Err(format!("{got:#?}"))
            }
        })
    }

    fn label(&self) -> String {
        format!("system=\"c2\",webhook=\"1\",target=\"{}\"", self.target)
    }
}

fn sigterm(w: &Watcher) {
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &w.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
}

/// Waits (bounded) for the watcher to exit; its exit code.
fn wait_exit(w: &mut Watcher) -> Option<i32> {
    wait_for("archcheck watch to stop", || {
        match w.child.try_wait().unwrap() {
            Some(s) => Ok(s.code()),
            None => Err(w.stderr()),
        }
    })
}

/// Issue 9 item 9: a receiver that does not answer while staging flaps OK/CRITICAL five
/// times. The outbox keeps at most one message per environment waiting: the flaps that
/// cancel out are dropped and counted, and once the receiver answers it gets the first
/// round's message and one with the net change, OK -> CRITICAL. Before the fix every message
/// queued up, unbounded and uncounted.
#[test]
fn a_slow_receiver_and_a_flapping_status_keep_one_message_per_environment_waiting() {
    let sim = sim(&[]);
    let rx = GatedReceiver::start();
    let mut w = Watcher::start(
        sim.url(),
        &[
            "--env",
            "staging",
            "--interval",
            "300ms",
            "--webhook",
            &rx.url,
        ],
    );
    w.wait_metric(&env_status("staging"), 0.0);
    // The first round's message is being delivered, held by the receiver.
    rx.wait_messages(1);
    let queued = format!("archcheck_webhook_queued{{{}}}", rx.label());
    let superseded = format!(
        "archcheck_webhook_dropped_total{{{},reason=\"superseded\"}}",
        rx.label()
    );
    for flap in 0..5 {
        if flap % 2 == 0 {
            sim.set_faults(&["unbind:staging:worker:queue"]).unwrap();
            let m = w.wait_metric(&env_status("staging"), 2.0);
            assert!(sample(&m, &queued).is_some_and(|n| n <= 1.0), "{m}");
        } else {
            sim.clear_faults();
            let m = w.wait_metric(&env_status("staging"), 0.0);
            assert!(sample(&m, &queued).is_some_and(|n| n <= 1.0), "{m}");
        }
    }
    // CRITICAL, OK, CRITICAL, OK, CRITICAL: two flaps cancelled out (four messages), the last
    // loss waits.
    let m = wait_for(
        "the flaps to be dropped and the last change to wait",
        || {
            let m = w.metrics();
            if sample(&m, &superseded) == Some(4.0) && sample(&m, &queued) == Some(1.0) {
                Ok(m)
            } else {
                Err(m)
            }
        },
    );
    assert_eq!(
        sample(
            &m,
            &format!(
                "archcheck_webhook_dropped_total{{{},reason=\"shutdown\"}}",
                rx.label()
            )
        ),
        Some(0.0),
        "{m}"
    );
    assert_eq!(rx.messages().len(), 1, "{:#?}", rx.messages());

    rx.open();
    let msgs = rx.wait_messages(2);
    let delivered = format!("archcheck_webhook_deliveries_total{{{}}}", rx.label());
    w.wait_metric(&delivered, 2.0);
    assert_eq!(msgs[0]["previous"], Value::Null, "{msgs:#?}");
    assert_eq!(msgs[0]["status"], "OK", "{msgs:#?}");
    assert_eq!(msgs[1]["previous"], "OK", "{msgs:#?}");
    assert_eq!(msgs[1]["status"], "CRITICAL", "{msgs:#?}");
    assert_eq!(
        msgs[1]["changed_checks"][0]["id"], "staging/binding/worker->queue",
        "{msgs:#?}"
    );
    let err = w.stderr();
    assert!(
        err.contains(&format!(
            "webhook 1 ({}): 2 message(s) about staging superseded before delivery",
            rx.target
        )),
        "{err}"
    );
    sigterm(&w);
    assert_eq!(wait_exit(&mut w), Some(0), "{}", w.stderr());
    let err = w.stderr();
    assert!(!err.contains("not delivered before shutdown"), "{err}");
    assert!(!err.contains(HOOK_SECRET), "{err}");
    assert_eq!(rx.messages().len(), 2, "{:#?}", rx.messages());
    sim.shutdown();
}

/// Starts a watcher of staging on `sim` with `rx` as its webhook, waits until the first
/// round's message is held by the receiver and a lost binding's message waits behind it.
fn watcher_with_two_messages_undelivered(
    sim: &SimHandle,
    rx: &GatedReceiver,
    extra: &[&str],
) -> Watcher {
    sim.clear_faults();
    let mut args = vec![
        "--env",
        "staging",
        "--interval",
        "300ms",
        "--webhook",
        &rx.url,
    ];
    args.extend_from_slice(extra);
    let w = Watcher::start(sim.url(), &args);
    w.wait_metric(&env_status("staging"), 0.0);
    rx.wait_messages(1);
    sim.set_faults(&["unbind:staging:worker:queue"]).unwrap();
    w.wait_metric(&env_status("staging"), 2.0);
    w.wait_metric(&format!("archcheck_webhook_queued{{{}}}", rx.label()), 1.0);
    w
}

/// Issue 9 item 9: on SIGTERM the messages still waiting are delivered within the grace
/// period; what the grace does not cover is logged, naming the webhook by scheme and host
/// only, and counted. Before the fix they vanished at exit without a word.
#[test]
fn shutdown_delivers_waiting_webhook_messages_within_the_grace_or_logs_what_it_could_not() {
    let sim = sim(&[]);

    // The receiver answers once the watcher has begun stopping: both messages arrive.
    let rx = GatedReceiver::start();
    let mut w = watcher_with_two_messages_undelivered(&sim, &rx, &[]);
    sigterm(&w);
    wait_for("the watcher to say what it still delivers", || {
        let err = w.stderr();
        if err.contains("archcheck watch: stopping: 2 webhook message(s) to deliver, for up to 5s")
        {
            Ok(())
        } else {
            Err(err)
        }
    });
    rx.open();
    assert_eq!(wait_exit(&mut w), Some(0), "{}", w.stderr());
    let msgs = rx.messages();
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    assert_eq!(msgs[1]["previous"], "OK", "{msgs:#?}");
    assert_eq!(msgs[1]["status"], "CRITICAL", "{msgs:#?}");
    let err = w.stderr();
    assert!(!err.contains("not delivered"), "{err}");
    assert!(err.ends_with("archcheck watch: stopped\n"), "{err}");

    // The receiver never answers: after the grace, both are logged as not delivered.
    let rx = GatedReceiver::start();
    let mut w = watcher_with_two_messages_undelivered(&sim, &rx, &["--webhook-grace", "1s"]);
    sigterm(&w);
    assert_eq!(wait_exit(&mut w), Some(0), "{}", w.stderr());
    let err = w.stderr();
    assert!(
        err.contains(&format!(
            "archcheck watch: webhook 1 ({}): 2 message(s) not delivered before shutdown \
             (grace 1s): staging OK (first round), staging CRITICAL (was OK)\n",
            rx.target
        )),
        "{err}"
    );
    assert!(err.ends_with("archcheck watch: stopped\n"), "{err}");
    assert!(!err.contains(HOOK_SECRET), "{err}");
    sim.shutdown();
}

#[test]
fn once_prints_the_report_and_exits_with_the_verdicts_code() {
    let sim = sim(&["unbind:staging:worker:queue"]);
    let dir = tempfile::tempdir().unwrap();
    let run = |env: &str| {
        harness::archcheck_in(dir.path())
            .env("CF_OAUTH_TOKEN", TOKEN)
            .args(["watch"])
            .arg(harness::model("c2.json"))
            .args(["--once", "--env", env, "--api", sim.url()])
            .output()
            .unwrap()
    };
    let out = run("staging");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.starts_with("CRITICAL: staging"), "{text}");
    assert!(text.contains("c2-staging-worker"), "{text}");
    let out = run("prod");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    sim.shutdown();

    // No API: UNKNOWN, exit 3.
    let out = harness::archcheck_in(dir.path())
        .env("CF_OAUTH_TOKEN", TOKEN)
        .args(["watch"])
        .arg(harness::model("c2.json"))
        .args([
            "--once",
            "--env",
            "prod",
            "--api",
            "http://127.0.0.1:9",
            "--timeout",
            "2s",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("UNKNOWN: prod"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(TOKEN));
}

/// Fails with the install step when Prometheus is missing.
fn require_prometheus() -> PathBuf {
    harness::which("prometheus").unwrap_or_else(|| {
        panic!(
            "Prometheus is not installed; install it with `apt-get install -y prometheus` \
             (Debian's 2.42 package, binary /usr/bin/prometheus)"
        )
    })
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) struct Killed(pub(crate) Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_real_prometheus_scrapes_the_statuses() {
    let prometheus = require_prometheus();
    let sim = sim(&["unbind:staging:worker:queue"]);
    let w = Watcher::start(
        sim.url(),
        &["--env", "staging", "--env", "prod", "--interval", "500ms"],
    );
    w.wait_metric(&env_status("staging"), 2.0);

    let dir = tempfile::tempdir().unwrap();
    let target = w.url.trim_start_matches("http://");
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: archcheck\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let port = free_port();
    let log = dir.path().join("prometheus.log");
    let _prom = Killed(
        std::process::Command::new(&prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("prometheus starts"),
    );
    let query = format!("http://127.0.0.1:{port}/api/v1/query?query=archcheck_environment_status");
    let series = wait_for(
        "Prometheus to have scraped archcheck_environment_status",
        || {
            let (code, body) = get(&query);
            let log = || std::fs::read_to_string(&log).unwrap_or_default();
            if code != 200 {
                return Err(format!("HTTP {code}: {body}\n{}", log()));
            }
            let v: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
            let result = v["data"]["result"].as_array().cloned().unwrap_or_default();
            let value = |env: &str| {
                result
                    .iter()
                    .find(|s| s["metric"]["environment"] == env)
                    .and_then(|s| s["value"][1].as_str().map(str::to_owned))
            };
            match (value("staging"), value("prod")) {
                (Some(s), Some(p)) => Ok((s, p, result.clone())),
                _ => Err(format!("{body}\n{}", log())),
            }
        },
    );
    assert_eq!(series.0, "2", "{:#?}", series.2);
    assert_eq!(series.1, "0", "{:#?}", series.2);
    assert!(
        series
            .2
            .iter()
            .all(|s| s["metric"]["system"] == "c2" && s["metric"]["job"] == "archcheck"),
        "{:#?}",
        series.2
    );

    // The partial outage survives the trip through Prometheus too.
    let (_, body) = get(&format!(
        "http://127.0.0.1:{port}/api/v1/query?query=archcheck_partial_outage%7Benvironment%3D%22staging%22%7D"
    ));
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["data"]["result"][0]["value"][1], "1", "{body}");
    sim.shutdown();
    drop(w);
}

/// A round follows into the next the apps it saw deploying: when a deployment is canceled
/// between two rounds (nothing in the processes shows it), the next round still reads that
/// app's deployments and reports the cancellation, a WARNING that says so.
#[test]
fn a_deployment_canceled_between_rounds_is_reported() {
    let sim = sim(&["deploy-stuck:staging:worker"]);
    let w = Watcher::start(
        sim.url(),
        &["--env", "staging", "--interval", "1s", "--timeout", "2s"],
    );
    let message = |want: &str| {
        wait_for(&format!("staging/app-instances/worker: {want}"), || {
            let (_, body) = get(&format!("{}/status", w.url));
            let report: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
            let check = report["checks"]
                .as_array()
                .and_then(|cs| {
                    cs.iter()
                        .find(|c| c["id"] == "staging/app-instances/worker")
                })
                .cloned()
                .unwrap_or_default();
            let text = check["message"].as_str().unwrap_or_default().to_owned();
            if text.contains(want) && check["status"] == "WARNING" {
                Ok(check)
            } else {
                Err(format!("{check:#}"))
            }
        })
    };
    let deploying = message("deploying: 0 of 1 new web instance running");
    assert!(deploying["pending"].is_string(), "{deploying:#}");
    sim.add_faults(&["cancel-deploy:staging:worker"]).unwrap();
    let canceled = message("the last deployment of c2-staging-worker (rolling, started");
    assert!(
        canceled["message"]
            .as_str()
            .unwrap()
            .contains("was canceled"),
        "{canceled:#}"
    );
}

/// Issue 10 item 4 in `watch`: healthy rounds read no audit event; the round in which a
/// binding is lost reads its space's once, and the webhook message (its check's `cause` and the
/// Slack `text`), the status page, `/status` and the stored history name who deleted it and
/// when; later rounds with the same status read none and go on saying it.
#[test]
fn a_watch_names_who_removed_the_binding_reading_audit_events_only_when_it_turns() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("watch.db");
    let sim = sim(&[]);
    let rx = Receiver::start();
    let w = Watcher::start(
        sim.url(),
        &[
            "--env",
            "staging",
            "--interval",
            "1s",
            "--timeout",
            "5s",
            "--webhook",
            &rx.url,
            "--state",
            state.to_str().unwrap(),
        ],
    );
    let audit_reads = || {
        sim.stats()
            .paths
            .get("/v3/audit_events")
            .copied()
            .unwrap_or(0)
    };
    let more_rounds = |n: f64| {
        let target = rounds(&w.metrics()) + n;
        wait_for(&format!("{target} rounds"), || {
            let m = w.metrics();
            if rounds(&m) >= target { Ok(()) } else { Err(m) }
        });
    };
    let first = wait_messages(&rx, "staging", 1);
    assert_eq!(first[0]["status"], "OK", "{first:#?}");
    more_rounds(2.0);
    assert_eq!(audit_reads(), 0, "healthy rounds read no audit event");

    sim.add_faults(&["unbind:staging:worker:queue"]).unwrap();
    let messages = wait_messages(&rx, "staging", 2);
    let changed = messages[1]["changed_checks"].as_array().unwrap();
    let c = changed
        .iter()
        .find(|c| c["id"] == "staging/binding/worker->queue")
        .unwrap_or_else(|| panic!("{messages:#?}"));
    assert_eq!(c["status"], "CRITICAL");
    let cause = c["cause"].as_str().unwrap_or_else(|| panic!("{c:#}"));
    assert!(
        cause.starts_with("binding deleted by ci-deployer (user) at "),
        "{cause}"
    );
    let text = messages[1]["text"].as_str().unwrap();
    assert!(text.ends_with(&format!("\ncause: {cause}")), "{text}");
    assert_eq!(audit_reads(), 1);

    more_rounds(2.0);
    assert_eq!(
        audit_reads(),
        1,
        "no audit event read while the status stays"
    );
    let (_, page) = get(&format!("{}/", w.url));
    assert!(
        page.contains(&format!("<p class=\"cause\"><b>Cause:</b> {cause}</p>")),
        "{page}"
    );
    let (_, status) = get(&format!("{}/status", w.url));
    let doc: Value = serde_json::from_str(&status).unwrap();
    let check = harness::check(&doc, "staging/binding/worker->queue");
    assert_eq!(check["cause"]["text"], cause, "{check:#}");
    assert_eq!(
        check["cause"]["event"]["type"],
        "audit.service_binding.delete"
    );
    drop(w);

    let h = harness::run(&["history", "--state", state.to_str().unwrap()], None);
    assert_eq!(h.code, Some(0), "{}", h.stderr);
    assert!(
        h.stdout.contains(&format!("(cause: {cause})")),
        "{}",
        h.stdout
    );
}
