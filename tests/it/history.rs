//! Integration tests: `archcheck watch --state FILE` (history that survives restarts) and
//! `archcheck history`, driven against the simulated Cloud Controller with runtime faults
//! and a real webhook receiver (issue 11 items 2 and 3). Every wait is bounded.

use crate::harness;
use crate::watch::{
    HOOK_SECRET, Receiver, TOKEN, Watcher, env_status, sim, wait_for, wait_messages,
};
use serde_json::Value;
use std::path::Path;

fn history(state: &Path, extra: &[&str]) -> harness::Run {
    let mut args = vec!["history", "--state", state.to_str().unwrap()];
    args.extend_from_slice(extra);
    harness::run(&args, None)
}

/// A watch of staging and prod every second, with the state file and a webhook.
fn watch(api: &str, state: &Path, rx: &Receiver) -> Watcher {
    Watcher::start(
        api,
        &[
            "--env",
            "staging",
            "--env",
            "prod",
            "--interval",
            "1s",
            "--timeout",
            "20s",
            "--webhook",
            &rx.url,
            "--state",
            state.to_str().unwrap(),
        ],
    )
}

/// Issue 11 item 2: a watch killed with SIGKILL in the middle of a round, and started again on
/// the same file, has lost none of the transitions it completed; its first message after the
/// restart has the stored status as `previous` (no false "first round"), and an unchanged
/// status is not announced again.
#[test]
fn a_watch_killed_mid_round_keeps_every_completed_transition_and_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("watch.db");
    let sim = sim(&[]);
    let rx = Receiver::start();
    let mut w = watch(sim.url(), &state, &rx);
    let first = wait_messages(&rx, "staging", 1);
    assert_eq!(first[0]["previous"], Value::Null);
    sim.set_faults(&["unbind:staging:worker:queue"]).unwrap();
    let lost = wait_messages(&rx, "staging", 2);
    assert_eq!(lost[1]["status"], "CRITICAL", "{lost:#?}");

    // Slow answers, so a round is in flight; killed once a request of it has arrived.
    sim.set_faults(&["unbind:staging:worker:queue", "latency:1500"])
        .unwrap();
    sim.reset_stats();
    wait_for("a request of a slow round", || {
        let n = sim.stats().total;
        if n > 0 {
            Ok(())
        } else {
            Err(format!("{n} requests"))
        }
    });
    w.child.kill().unwrap(); // SIGKILL
    w.child.wait().unwrap();

    let h = history(&state, &["--format", "json"]);
    assert_eq!(h.code, Some(0), "{}", h.stderr);
    let doc: Value = serde_json::from_str(&h.stdout).unwrap();
    let staging: Vec<&Value> = doc["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["environment"] == "staging")
        .collect();
    assert_eq!(staging.len(), 2, "{doc:#}");
    assert_eq!(staging[1]["previous"], "OK");
    assert_eq!(staging[1]["status"], "CRITICAL");
    assert_eq!(
        staging[1]["changed_checks"][0]["id"],
        "staging/binding/worker->queue"
    );
    assert!(
        staging[1]["changed_checks"][0]["repair"]
            .as_str()
            .unwrap()
            .starts_with("cf bind-service c2-staging-worker c2-staging-redis"),
        "{doc:#}"
    );

    // Started again, still CRITICAL: nothing to announce; then repaired: CRITICAL -> OK.
    sim.set_faults(&["unbind:staging:worker:queue"]).unwrap();
    let before = rx.for_env("staging").len();
    let w = watch(sim.url(), &state, &rx);
    w.wait_metric(&env_status("staging"), 2.0);
    assert!(
        w.stderr()
            .contains("3 transitions restored; last announced: prod OK, staging CRITICAL"),
        "{}",
        w.stderr()
    );
    sim.clear_faults();
    let msgs = wait_messages(&rx, "staging", before + 1);
    let after: Vec<&Value> = msgs[before..].iter().collect();
    assert_eq!(after.len(), 1, "{after:#?}");
    assert_eq!(after[0]["previous"], "CRITICAL", "{after:#?}");
    assert_eq!(after[0]["status"], "OK");
    // prod was announced OK before the kill: not again as a "first round".
    assert!(
        rx.for_env("prod")
            .iter()
            .all(|m| m["previous"] == Value::Null)
            && rx.for_env("prod").len() == 1,
        "{:#?}",
        rx.for_env("prod")
    );
}

/// Issue 11 item 2: one writer per state file; the second watch refuses at start, saying
/// which process holds it; `history` reads the file meanwhile.
#[test]
fn a_second_watch_on_the_same_state_file_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("watch.db");
    let sim = sim(&[]);
    let rx = Receiver::start();
    let w = watch(sim.url(), &state, &rx);
    wait_messages(&rx, "staging", 1);
    let second = harness::run(
        &[
            "watch",
            harness::model("c2.json").to_str().unwrap(),
            "--api",
            sim.url(),
            "--listen",
            "127.0.0.1:0",
            "--state",
            state.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(second.code, Some(3), "{second:?}");
    let pid = w.child.id().to_string();
    assert!(
        second
            .stderr
            .contains("is in use by another archcheck watch")
            && second.stderr.contains(&format!("pid {pid}")),
        "{}",
        second.stderr
    );
    let h = history(&state, &[]);
    assert_eq!(h.code, Some(0), "{}", h.stderr);
    assert!(h.stdout.contains("staging  first seen OK"), "{}", h.stdout);
}

/// Issue 11 item 2: a corrupt file, or one of a newer archcheck, is a clear error at start
/// and is left as it is, never reset.
#[test]
fn a_corrupt_or_newer_state_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let model = harness::model("c2.json");
    let watch_on = |state: &Path| {
        harness::run(
            &[
                "watch",
                model.to_str().unwrap(),
                "--api",
                "http://127.0.0.1:9",
                "--listen",
                "127.0.0.1:0",
                "--state",
                state.to_str().unwrap(),
            ],
            None,
        )
    };
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, b"SQLite? no: half a file\n").unwrap();
    let r = watch_on(&garbage);
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(
        r.stderr.contains("is not an archcheck state file"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read(&garbage).unwrap(),
        b"SQLite? no: half a file\n"
    );
    let h = history(&garbage, &[]);
    assert_eq!(h.code, Some(3));
    assert!(
        h.stderr.contains("is not a SQLite database"),
        "{}",
        h.stderr
    );

    // A real state file from a newer archcheck.
    let newer = dir.path().join("newer.db");
    let sim = sim(&[]);
    let rx = Receiver::start();
    drop(watch(sim.url(), &newer, &rx));
    let conn = rusqlite::Connection::open(&newer).unwrap();
    conn.execute_batch("PRAGMA user_version = 7;").unwrap();
    drop(conn);
    let r = watch_on(&newer);
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(
        r.stderr
            .contains("was written by a newer archcheck (state schema version 7"),
        "{}",
        r.stderr
    );
}

/// Issue 11 item 3: the incident drill, recorded by `watch --state` and told by `history`:
/// the timeline in words and the outage windows of the environment and of each binding,
/// with their durations. Nothing secret is stored.
#[test]
fn history_tells_the_drill_with_outage_windows_and_durations() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("watch.db");
    let sim = sim(&[]);
    let rx = Receiver::start();
    let w = watch(sim.url(), &state, &rx);
    wait_messages(&rx, "staging", 1);
    // 00:19: database and queue bindings lost.
    sim.set_faults(&[
        "unbind:staging:worker:db",
        "unbind:staging:worker:queue",
        "unbind:staging:web:queue",
    ])
    .unwrap();
    wait_messages(&rx, "staging", 2);
    // 13:16: the database binding back, the queue still lost.
    sim.set_faults(&["unbind:staging:worker:queue", "unbind:staging:web:queue"])
        .unwrap();
    let half = wait_messages(&rx, "staging", 3);
    assert_eq!(half[2]["previous"], "CRITICAL");
    assert_eq!(half[2]["status"], "CRITICAL");
    // 17:00: everything back.
    sim.clear_faults();
    wait_messages(&rx, "staging", 4);
    drop(w);

    let h = history(&state, &["--env", "staging"]);
    assert_eq!(h.code, Some(0), "{}", h.stderr);
    let text = &h.stdout;
    for want in [
        "History of c2, environment staging (times UTC)",
        "archcheck watch 0.1.0 started: every 1s, staging, prod",
        "staging  first seen OK: staging: all",
        "staging  OK -> CRITICAL: c2-staging lost its binding to c2-staging-redis (queue); c2-staging-worker lost its binding to c2-staging-db (database); c2-staging-worker lost its binding to c2-staging-redis (queue)",
        "staging  CRITICAL -> CRITICAL: back: c2-staging-worker -> c2-staging-db; still not OK: c2-staging -> c2-staging-redis, c2-staging-worker -> c2-staging-redis",
        "staging  CRITICAL -> OK: back: c2-staging -> c2-staging-redis, c2-staging-worker -> c2-staging-redis",
        "Outage windows",
        "so detected within",
        "  binding c2-staging-worker -> c2-staging-db  lost  ",
        "  binding c2-staging-worker -> c2-staging-redis  lost  ",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let windows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("staging  CRITICAL  "))
        .collect();
    assert_eq!(windows.len(), 1, "{text}");
    // Durations are printed as spans (e.g. `3s`) after each window's end.
    let ends_with_span = |l: &str| {
        l.split("  ").any(|part| {
            part.ends_with('s')
                && part
                    .trim_end_matches('s')
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_digit())
        })
    };
    assert!(ends_with_span(windows[0]), "{text}");

    let json = history(&state, &["--env", "staging", "--format", "json"]);
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    let outage = &doc["outages"][0];
    assert_eq!(outage["worst"], "CRITICAL");
    assert!(outage["end"].is_string(), "{outage:#}");
    let checks = outage["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 3, "{outage:#}");
    let secs = |id: &str| {
        checks.iter().find(|c| c["id"] == id).unwrap()["duration_seconds"]
            .as_u64()
            .unwrap()
    };
    // The database binding came back before the queue bindings.
    assert!(
        secs("staging/binding/worker->db") <= secs("staging/binding/worker->queue"),
        "{outage:#}"
    );
    assert!(
        outage["duration_seconds"].as_u64().unwrap() >= secs("staging/binding/worker->queue"),
        "{outage:#}"
    );

    // No token or webhook secret in the file, its WAL or anything beside it.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(TOKEN) && !text.contains(HOOK_SECRET));
    }
}
