//! `deploy/prometheus/`: the rules pass `promtool check rules` and their unit tests
//! (`promtool test rules`: each alert fires and resolves as written), the example
//! configuration `promtool check config`, the Alertmanager route `amtool check-config` and
//! routes each alert by its severity; every alert has a `for:`, a severity and a runbook link to
//! a README section that exists, and the README's table says the same; and every metric the
//! rules and the Grafana dashboard use is one a live `archcheck watch` exports.

use crate::harness::{self, markdown_anchors, require_tool, run_tool, yaml};
use crate::watch::{Watcher, env_status, sim};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const PROMTOOL_INSTALL: &str = "apt-get install -y prometheus";
const AMTOOL_INSTALL: &str = "apt-get install -y prometheus-alertmanager";

fn dir() -> PathBuf {
    harness::root().join("deploy/prometheus")
}

fn promtool() -> PathBuf {
    require_tool("promtool", PROMTOOL_INSTALL)
}

fn amtool() -> PathBuf {
    require_tool("amtool", AMTOOL_INSTALL)
}

/// Every rule of the rules file: (alert or record name, the rule).
fn rules() -> Vec<Value> {
    let doc = yaml(&dir().join("archcheck.rules.yml"));
    doc["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["rules"].as_array().expect("rules").clone())
        .collect()
}

fn alerts() -> Vec<Value> {
    rules()
        .into_iter()
        .filter(|r| r.get("alert").is_some())
        .collect()
}

/// Seconds of a Prometheus duration such as `90s`, `2m`, `1h`.
fn seconds(d: &str) -> u64 {
    let (n, unit) = d.split_at(d.find(|c: char| !c.is_ascii_digit()).unwrap_or(d.len()));
    let n: u64 = n.parse().unwrap_or_else(|_| panic!("not a duration: {d}"));
    match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => panic!("not a duration: {d}"),
    }
}

#[test]
fn promtool_checks_the_rules_and_the_configuration_and_runs_the_unit_tests() {
    let promtool = promtool();
    let (code, out) = run_tool(
        &promtool,
        &["check", "rules", "archcheck.rules.yml"],
        &dir(),
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("SUCCESS: 13 rules found"), "{out}");
    let (code, out) = run_tool(&promtool, &["check", "config", "prometheus.yml"], &dir());
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run_tool(
        &promtool,
        &["test", "rules", "archcheck.rules.test.yml"],
        &dir(),
    );
    assert_eq!(code, Some(0), "promtool test rules failed:\n{out}");
    assert!(out.contains("SUCCESS"), "{out}");
}

#[test]
fn every_alert_has_a_duration_a_severity_and_a_runbook_section_that_exists() {
    let readme = std::fs::read_to_string(harness::root().join("README.md")).unwrap();
    let anchors = markdown_anchors(&readme);
    let alerts = alerts();
    // What issue 13 asks for: a lost critical binding, partial and full outage, an environment
    // UNKNOWN, stale evidence, the watcher down (via `up`), failed webhook deliveries.
    for (name, metric) in [
        ("ArchcheckCriticalBindingLost", "archcheck_binding_status"),
        ("ArchcheckPartialOutage", "archcheck_partial_outage"),
        ("ArchcheckFullOutage", "archcheck_full_outage"),
        (
            "ArchcheckEnvironmentUnknown",
            "archcheck_environment_status",
        ),
        ("ArchcheckEvidenceStale", "archcheck_evidence_stale"),
        ("ArchcheckWatchDown", "up"),
        (
            "ArchcheckWebhookDeliveryFailed",
            "archcheck_webhook_failures_total",
        ),
    ] {
        let a = alerts
            .iter()
            .find(|a| a["alert"] == name)
            .unwrap_or_else(|| panic!("no alert {name}"));
        let expr = a["expr"].as_str().unwrap();
        assert!(
            metric_names(expr).contains(&metric.to_owned()),
            "{name}: {expr}"
        );
    }
    for a in &alerts {
        let name = a["alert"].as_str().unwrap();
        let for_ = a["for"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no `for:`"));
        assert!(seconds(for_) > 0, "{name}: for {for_}");
        let severity = a["labels"]["severity"].as_str().unwrap_or_default();
        assert!(
            ["critical", "warning"].contains(&severity),
            "{name}: severity `{severity}`"
        );
        for key in ["summary", "description"] {
            assert!(
                a["annotations"][key]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "{name} has no {key}"
            );
        }
        let runbook = a["annotations"]["runbook_url"].as_str().unwrap_or_default();
        let anchor = runbook
            .strip_prefix("README.md#")
            .unwrap_or_else(|| panic!("{name}: runbook_url `{runbook}` is not README.md#..."));
        assert!(
            anchors.iter().any(|a| a == anchor),
            "{name}: README.md has no section #{anchor}"
        );
        assert_eq!(
            anchor,
            name.to_lowercase(),
            "{name}: its runbook is its own section"
        );
    }
}

#[test]
fn the_readme_table_lists_every_alert_with_its_duration_and_severity() {
    let readme = std::fs::read_to_string(harness::root().join("README.md")).unwrap();
    let table: BTreeSet<(String, String, String)> = readme
        .lines()
        .filter(|l| l.starts_with("| [`Archcheck"))
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            let name = cells[0]
                .trim_start_matches("| [`")
                .split('`')
                .next()
                .unwrap();
            (
                name.to_owned(),
                cells[2].to_owned(),
                cells[3].trim_end_matches(" |").to_owned(),
            )
        })
        .collect();
    let rules: BTreeSet<(String, String, String)> = alerts()
        .iter()
        .map(|a| {
            (
                a["alert"].as_str().unwrap().to_owned(),
                a["for"].as_str().unwrap().to_owned(),
                a["labels"]["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        table, rules,
        "README.md's alert table and archcheck.rules.yml differ"
    );
}

#[test]
fn the_unit_tests_show_each_alert_quiet_then_firing_then_resolved() {
    let tests = yaml(&dir().join("archcheck.rules.test.yml"));
    let tests = tests["tests"].as_array().expect("tests");
    for a in alerts() {
        let name = a["alert"].as_str().unwrap();
        let shown = tests.iter().any(|t| {
            let cases: Vec<(u64, bool)> = t["alert_rule_test"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["alertname"] == name)
                .map(|c| {
                    let firing = c["exp_alerts"].as_array().is_some_and(|a| !a.is_empty());
                    (seconds(c["eval_time"].as_str().unwrap()), firing)
                })
                .collect();
            cases.iter().any(|&(at, firing)| {
                firing
                    && cases.iter().any(|&(t, f)| !f && t < at)
                    && cases.iter().any(|&(t, f)| !f && t > at)
            })
        });
        assert!(
            shown,
            "archcheck.rules.test.yml has no test in which {name} is quiet, then fires, then resolves"
        );
    }
}

#[test]
fn the_alertmanager_example_is_valid_and_routes_each_alert_by_its_severity() {
    let amtool = amtool();
    let (code, out) = run_tool(&amtool, &["check-config", "alertmanager.yml"], &dir());
    assert_eq!(code, Some(0), "{out}");
    let route = |receiver: &str, labels: &[&str]| {
        let mut args = vec!["config", "routes", "test", "--config.file=alertmanager.yml"];
        let verify = format!("--verify.receivers={receiver}");
        args.push(&verify);
        args.extend_from_slice(labels);
        let (code, out) = run_tool(&amtool, &args, &dir());
        assert_eq!(
            code,
            Some(0),
            "{labels:?} is not routed to {receiver}:\n{out}"
        );
    };
    for a in alerts() {
        let name = format!("alertname={}", a["alert"].as_str().unwrap());
        let severity = a["labels"]["severity"].as_str().unwrap();
        let receiver = match severity {
            "critical" => "archcheck-pager",
            _ => "archcheck-chat",
        };
        route(
            receiver,
            &[
                &name,
                &format!("severity={severity}"),
                "system=c2",
                "environment=staging",
            ],
        );
    }
    // Other alerts keep the default route.
    route("default", &["alertname=NodeDown", "severity=critical"]);
}

/// The metric names a PromQL expression selects: identifiers outside strings, label
/// matchers and range brackets that are not functions, aggregations or keywords, nor the
/// labels of `by (...)`, `on (...)` and the like.
fn metric_names(expr: &str) -> Vec<String> {
    const KEYWORDS: &[&str] = &[
        "and",
        "or",
        "unless",
        "bool",
        "offset",
        "inf",
        "nan",
        "atan2",
        "sum",
        "avg",
        "min",
        "max",
        "count",
        "group",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
    ];
    const LABEL_LISTS: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    let c: Vec<char> = expr.chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    // Skips from an opening character to its closing one, strings inside included.
    let skip = |mut i: usize, close: char| -> usize {
        while i < c.len() && c[i] != close {
            if matches!(c[i], '"' | '\'' | '`') {
                let q = c[i];
                i += 1;
                while i < c.len() && c[i] != q {
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
            }
            i += 1;
        }
        i + 1
    };
    while i < c.len() {
        match c[i] {
            '"' | '\'' | '`' => i = skip(i + 1, c[i]),
            '{' => i = skip(i + 1, '}'),
            '[' => i = skip(i + 1, ']'),
            '#' => i = skip(i + 1, '\n'),
            ch if ch.is_ascii_alphabetic() || ch == '_' || ch == ':' => {
                let start = i;
                while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_' || c[i] == ':') {
                    i += 1;
                }
                let word: String = c[start..i].iter().collect();
                let mut j = i;
                while j < c.len() && c[j].is_whitespace() {
                    j += 1;
                }
                let call = j < c.len() && c[j] == '(';
                if LABEL_LISTS.contains(&word.as_str()) {
                    if call {
                        i = skip(j + 1, ')');
                    }
                } else if !call && !KEYWORDS.contains(&word.as_str()) {
                    names.push(word);
                }
            }
            ch if ch.is_ascii_digit() || ch == '.' => {
                while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '.') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    names
}

#[test]
fn metric_names_are_read_from_promql() {
    let cases: &[(&str, &[&str])] = &[
        (r#"up{job="archcheck"} == 0"#, &["up"]),
        (
            r#"sum by (status) (archcheck_checks{system=~"$system"})"#,
            &["archcheck_checks"],
        ),
        (
            "archcheck_environment_status == 3\nunless on (job, instance, system) archcheck_evidence_stale == 1",
            &["archcheck_environment_status", "archcheck_evidence_stale"],
        ),
        (
            r#"increase(archcheck_webhook_failures_total{a="{b}"}[$__rate_interval]) > 0"#,
            &["archcheck_webhook_failures_total"],
        ),
        (
            "time() - (archcheck_last_round_timestamp_seconds > 0) offset 5m",
            &["archcheck_last_round_timestamp_seconds"],
        ),
        (
            "a:b:ratio / ignoring(x) group_left(y) c",
            &["a:b:ratio", "c"],
        ),
    ];
    for (expr, want) in cases {
        assert_eq!(metric_names(expr), *want, "{expr}");
    }
}

/// Every PromQL expression of the dashboard: panel targets, and the metric selector of the
/// variables' `label_values(SELECTOR, LABEL)`.
fn dashboard_exprs(dashboard: &Value) -> Vec<String> {
    let mut exprs = Vec::new();
    for p in dashboard["panels"].as_array().expect("panels") {
        for t in p["targets"].as_array().into_iter().flatten() {
            exprs.push(t["expr"].as_str().expect("a target has an expr").to_owned());
        }
    }
    for v in dashboard["templating"]["list"]
        .as_array()
        .expect("templating")
    {
        if v["type"] != "query" {
            continue;
        }
        let q = v["query"]["query"].as_str().expect("a query");
        let inner = q
            .strip_prefix("label_values(")
            .and_then(|r| r.strip_suffix(')'))
            .and_then(|r| r.rsplit_once(','))
            .map(|(selector, _label)| selector.trim())
            .unwrap_or_else(|| panic!("variable query `{q}` is not label_values(SELECTOR, LABEL)"));
        exprs.push(inner.to_owned());
    }
    exprs
}

fn dashboard() -> Value {
    let text = std::fs::read_to_string(dir().join("grafana-dashboard.json")).unwrap();
    serde_json::from_str(&text).expect("the dashboard is JSON")
}

#[test]
fn the_dashboard_is_well_formed_and_its_queries_are_promql() {
    let d = dashboard();
    let panels = d["panels"].as_array().unwrap();
    let mut ids = BTreeSet::new();
    for p in panels {
        let id = p["id"].as_u64().expect("a panel id");
        assert!(ids.insert(id), "panel id {id} twice");
        let g = &p["gridPos"];
        let (x, w) = (g["x"].as_u64().unwrap(), g["w"].as_u64().unwrap());
        assert!(x + w <= 24 && g["h"].as_u64().unwrap() > 0, "{p:#}");
        if p["type"] == "row" {
            continue;
        }
        let targets = p["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{} has no query", p["title"]);
        for t in targets {
            assert_eq!(t["datasource"]["uid"], "${datasource}", "{t:#}");
        }
        assert!(
            p["description"].as_str().is_some_and(|s| !s.is_empty()),
            "{} has no description",
            p["title"]
        );
    }
    assert!(
        d["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["type"] == "datasource" && v["name"] == "datasource")
    );

    // promtool parses each query, as a recording rule, with Grafana's variables given values.
    let rules: Vec<Value> = dashboard_exprs(&d)
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let e = e
                .replace("$__rate_interval", "5m")
                .replace("$__interval", "1m")
                .replace("$__range", "1h")
                .replace("$system", ".*")
                .replace("$environment", ".*");
            serde_json::json!({ "record": format!("dashboard:query_{i}"), "expr": e })
        })
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("dashboard.rules.yml");
    // JSON is YAML.
    std::fs::write(
        &file,
        serde_json::json!({ "groups": [{ "name": "dashboard", "rules": rules }] }).to_string(),
    )
    .unwrap();
    let (code, out) = run_tool(
        &promtool(),
        &["check", "rules", file.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(code, Some(0), "a dashboard query is not PromQL:\n{out}");
}

/// The metric names of a live `/metrics` (OpenMetrics: counters end in `_total`).
fn exported(metrics: &str) -> BTreeSet<String> {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap().to_owned())
        .collect()
}

#[test]
fn the_dashboard_and_the_rules_use_only_metrics_that_watch_exports() {
    promtool();
    // A rate limit so that its series exist, large enough never to stretch the rounds.
    let sim = sim(&["budget:1000000:3600"]);
    // A webhook nobody answers, so that the webhook series exist.
    let w = Watcher::start(
        sim.url(),
        &[
            "--env",
            "staging",
            "--interval",
            "1s",
            "--webhook",
            "http://127.0.0.1:9/hook",
            "--max-requests-per-hour",
            "1000000",
        ],
    );
    let metrics = w.wait_metric(&env_status("staging"), 0.0);
    let live = exported(&metrics);
    assert!(live.len() >= 18, "{live:?}");
    // Made by Prometheus for every target, not by archcheck.
    let prometheus = BTreeSet::from(["up".to_owned()]);

    let d = dashboard();
    let mut used = BTreeSet::new();
    for e in dashboard_exprs(&d) {
        let names = metric_names(&e);
        assert!(!names.is_empty(), "no metric in `{e}`");
        for n in names {
            assert!(
                live.contains(&n) || prometheus.contains(&n),
                "the dashboard query `{e}` uses `{n}`, which archcheck watch does not export; it exports {live:?}"
            );
            used.insert(n);
        }
    }
    // The dashboard shows the verdict, the outages, every binding, and the evidence.
    for n in [
        "archcheck_environment_status",
        "archcheck_partial_outage",
        "archcheck_full_outage",
        "archcheck_binding_status",
        "archcheck_evidence_stale",
        "archcheck_webhook_failures_total",
        "archcheck_round_requests",
        "archcheck_api_ratelimit_remaining",
        "archcheck_round_interval_stretched",
        "up",
    ] {
        assert!(used.contains(n), "the dashboard does not show {n}");
    }

    let rules = rules();
    let recorded: BTreeSet<String> = rules
        .iter()
        .filter_map(|r| r["record"].as_str().map(str::to_owned))
        .collect();
    for r in &rules {
        let e = r["expr"].as_str().unwrap();
        for n in metric_names(e) {
            assert!(
                live.contains(&n) || prometheus.contains(&n) || recorded.contains(&n),
                "the rule `{}` uses `{n}`, which archcheck watch does not export; it exports {live:?}",
                r.get("alert").or(r.get("record")).unwrap()
            );
        }
    }
    sim.shutdown();
    drop(w);
}

/// The rules file and its tests exist where the README says.
#[test]
fn the_readme_links_the_deploy_files() {
    let readme = std::fs::read_to_string(harness::root().join("README.md")).unwrap();
    for f in [
        "prometheus.yml",
        "archcheck.rules.yml",
        "archcheck.rules.test.yml",
        "alertmanager.yml",
        "grafana-dashboard.json",
    ] {
        let link = format!("](deploy/prometheus/{f})");
        assert!(readme.contains(&link), "README.md does not link {f}");
        assert!(Path::new(&dir().join(f)).is_file(), "{f} is missing");
    }
}
