//! `--format nagios` against the Monitoring Plugins development guidelines
//! (<https://www.monitoring-plugins.org/doc/guidelines.html>, section "Plugin Output for
//! Nagios" and "Performance data"): for each status, the exit code of the plugin API, the
//! status line `ARCHCHECK STATUS - text | perfdata`, its text short enough for a pager, every
//! performance data item parsed by the guidelines' grammar, and one line per finding after it.

use crate::harness::{self, Run, fixture, run};
use archcheck::model::Model;
use archcheck::sim::{Scenario, SimConfig, Simulator};
use regex::Regex;
use std::sync::LazyLock;

/// `'label'=value[UOM];[warn];[crit];[min];[max]`, as the guidelines define each part:
/// - a label is quoted in single quotes when it has spaces (a quote inside is doubled); it
///   never holds `=`;
/// - value, min and max are in the class `[-0-9.]`, and the value may be `U` (undetermined);
/// - UOM is none (a count), `s`, `ms`, `us`, `%`, `B`, `KB`, `MB`, `TB` or `c` (a counter);
/// - warn and crit are ranges, `[@][start:]end` with `~` for negative infinity;
/// - any of warn, crit, min, max may be empty, and trailing semicolons may be dropped.
static PERF_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    let label = r"(?P<label>'(?:[^'=]|'')+'|[^'=\s]+)";
    let value = r"(?P<value>-?[0-9.]+|U)";
    let uom = r"(?P<uom>s|ms|us|%|B|KB|MB|TB|c)?";
    let range = r"@?(?:(?:-?[0-9.]+|~):)?(?:-?[0-9.]+)?";
    let num = r"-?[0-9.]*";
    Regex::new(&format!(
        r"^{label}={value}{uom}(?:;(?P<warn>{range})(?:;(?P<crit>{range})(?:;(?P<min>{num})(?:;(?P<max>{num}))?)?)?)?$"
    ))
    .unwrap()
});

/// The status line: `SERVICE STATUS - text | perfdata`.
static STATUS_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^ARCHCHECK (?P<status>OK|WARNING|CRITICAL|UNKNOWN) - (?P<text>[^|]+) \| (?P<perf>[^|]+)$",
    )
    .unwrap()
});

/// Characters of status line text (before the performance data) a pager message holds.
const PAGER: usize = 160;

#[derive(Debug)]
struct Perf {
    label: String,
    value: f64,
    uom: String,
    warn: String,
    crit: String,
    min: Option<f64>,
    max: Option<f64>,
}

/// Checks the whole output against the guidelines and returns the status line's text and
/// performance data.
fn check_plugin_output(r: &Run, status: &str, code: i32) -> (String, Vec<Perf>) {
    assert_eq!(r.code, Some(code), "{}{}", r.stdout, r.stderr);
    let mut lines = r.stdout.lines();
    let first = lines.next().expect("a status line");
    let caps = STATUS_LINE
        .captures(first)
        .unwrap_or_else(|| panic!("not a plugin status line: {first}"));
    assert_eq!(&caps["status"], status, "{first}");
    let text = caps["text"].to_owned();
    assert!(
        format!("ARCHCHECK {status} - {text}").chars().count() <= PAGER,
        "status line longer than {PAGER} characters before its perfdata: {first}"
    );
    let mut perf = Vec::new();
    for item in caps["perf"].split(' ') {
        let p = PERF_ITEM
            .captures(item)
            .unwrap_or_else(|| panic!("`{item}` is not performance data per the guidelines"));
        let num = |name: &str| {
            p.name(name)
                .map(|m| m.as_str())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<f64>().unwrap_or_else(|e| panic!("{item}: {e}")))
        };
        perf.push(Perf {
            label: p["label"].to_owned(),
            value: num("value").expect("a value"),
            uom: p.name("uom").map_or("", |m| m.as_str()).to_owned(),
            warn: p.name("warn").map_or("", |m| m.as_str()).to_owned(),
            crit: p.name("crit").map_or("", |m| m.as_str()).to_owned(),
            min: num("min"),
            max: num("max"),
        });
    }
    for p in &perf {
        if let Some(min) = p.min {
            assert!(p.value >= min, "{p:?}");
        }
        if let Some(max) = p.max {
            assert!(p.value <= max, "{p:?}");
        }
    }
    // Labels: the first 19 characters unique (the guidelines, for RRD).
    let mut short: Vec<String> = perf
        .iter()
        .map(|p| p.label.chars().take(19).collect())
        .collect();
    short.sort();
    let n = short.len();
    short.dedup();
    assert_eq!(
        short.len(),
        n,
        "labels not unique in 19 characters: {perf:?}"
    );
    // The long output: a line per finding, then one per environment; never a `|`, which
    // would start more performance data.
    for l in lines {
        assert!(!l.contains('|'), "a `|` in the long output: {l}");
        assert!(!l.is_empty(), "an empty line in:\n{}", r.stdout);
    }
    (text, perf)
}

fn perf<'a>(all: &'a [Perf], label: &str) -> &'a Perf {
    all.iter()
        .find(|p| p.label == label)
        .unwrap_or_else(|| panic!("no perfdata `{label}` in {all:?}"))
}

/// The counts, with their thresholds (warn on any WARNING, critical on any CRITICAL check),
/// their sum the number of checks, and the time in seconds.
fn check_counts(all: &[Perf], ok: f64, warning: f64, critical: f64, unknown: f64) {
    assert_eq!(perf(all, "ok").value, ok);
    assert_eq!(perf(all, "warning").value, warning);
    assert_eq!(perf(all, "critical").value, critical);
    assert_eq!(perf(all, "unknown").value, unknown);
    let total = perf(all, "ok").max.expect("a max");
    let sum: f64 = ["ok", "warning", "critical", "unknown", "not_checked"]
        .iter()
        .map(|l| perf(all, l).value)
        .sum();
    assert_eq!(sum, total, "{all:?}");
    assert_eq!(perf(all, "warning").warn, "0");
    assert_eq!(perf(all, "critical").crit, "0");
    let time = perf(all, "time");
    assert_eq!(time.uom, "s", "{time:?}");
    assert!(time.value >= 0.0 && time.value < 60.0, "{time:?}");
}

fn verify_nagios(services: &str) -> Run {
    let services = fixture(services);
    run(
        &[
            "verify",
            harness::model("c2.json").to_str().unwrap(),
            "--env",
            "staging",
            "--cf-services",
            services.to_str().unwrap(),
            "--format",
            "nagios",
        ],
        None,
    )
}

#[test]
fn ok_is_exit_0_with_a_status_line_and_counts() {
    let r = run(
        &[
            "verify",
            harness::model("c2.json").to_str().unwrap(),
            "--cf-services",
            fixture("cf/healthy-v8/services.txt").to_str().unwrap(),
            "--cf-apps",
            fixture("cf/healthy-v8/apps.txt").to_str().unwrap(),
            "--format",
            "nagios",
        ],
        None,
    );
    let (text, p) = check_plugin_output(&r, "OK", 0);
    assert_eq!(text, "staging: all 53 checks passed");
    check_counts(&p, 53.0, 0.0, 0.0, 0.0);
    assert_eq!(perf(&p, "staging_status").value, 0.0);
    // No findings: the long output is the environment's account.
    let long: Vec<&str> = r.stdout.lines().skip(1).collect();
    assert_eq!(long.len(), 1, "{}", r.stdout);
    assert!(
        long[0].starts_with("staging: OK; checked 53 (53 OK, 0 WARNING, 0 CRITICAL, 0 UNKNOWN)"),
        "{}",
        long[0]
    );
}

#[test]
fn warning_is_exit_1_naming_the_finding() {
    let r = verify_nagios("cf/plan-differs-v8/services.txt");
    let (text, p) = check_plugin_output(&r, "WARNING", 1);
    assert_eq!(
        text,
        "staging: c2-staging-db: plan is small-psql, not medium-psql"
    );
    check_counts(&p, 46.0, 1.0, 0.0, 0.0);
    assert_eq!(perf(&p, "not_checked").value, 6.0);
    assert_eq!(perf(&p, "staging_status").value, 1.0);
    assert_eq!(
        r.stdout.lines().nth(1).unwrap(),
        "WARNING staging/service-plan/db: c2-staging-db: plan is small-psql, not medium-psql \
         (observed: offering aws-rds, plan small-psql) - repair: cf update-service c2-staging-db -p medium-psql"
    );
}

#[test]
fn critical_is_exit_2_with_the_lost_bindings_one_line_each() {
    let r = verify_nagios("cf/incident-v8/services.txt");
    let (text, p) = check_plugin_output(&r, "CRITICAL", 2);
    assert_eq!(
        text,
        "staging: c2-staging lost its binding to c2-staging-redis (queue); \
         c2-staging-worker lost its binding to c2-staging-redis (queue)"
    );
    check_counts(&p, 45.0, 0.0, 2.0, 0.0);
    assert_eq!(perf(&p, "staging_status").value, 2.0);
    let long: Vec<&str> = r.stdout.lines().skip(1).collect();
    assert_eq!(
        long,
        [
            "CRITICAL staging/binding/web->queue: c2-staging lost its binding to c2-staging-redis (queue) \
             (observed: c2-staging-redis has no bound apps) - repair: cf bind-service c2-staging c2-staging-redis; cf restage c2-staging",
            "CRITICAL staging/binding/worker->queue: c2-staging-worker lost its binding to c2-staging-redis (queue) \
             (observed: c2-staging-redis has no bound apps) - repair: cf bind-service c2-staging-worker c2-staging-redis; cf restage c2-staging-worker",
            "staging: CRITICAL; checked 47 (45 OK, 0 WARNING, 2 CRITICAL, 0 UNKNOWN); \
             not checked 6 (no source covers apps (give `cf apps` output or use the API)); \
             sources: cf services (v8) from [FIXTURE]",
        ]
        .map(|l| l.replace("[FIXTURE]", fixture("cf/incident-v8/services.txt").to_str().unwrap()))
    );
}

#[test]
fn unknown_is_exit_3_saying_what_could_not_be_seen() {
    // Output of another space: refused, so nothing was seen.
    let r = verify_nagios("cf/wrong-space-v8/services.txt");
    let (text, p) = check_plugin_output(&r, "UNKNOWN", 3);
    assert!(
        text.starts_with("staging: 47 checks could not be made: ") && text.contains("refused"),
        "{text}"
    );
    check_counts(&p, 0.0, 0.0, 0.0, 47.0);
    assert_eq!(perf(&p, "staging_status").value, 3.0);
    let long: Vec<&str> = r.stdout.lines().skip(1).collect();
    assert!(
        long[0].starts_with("UNKNOWN staging: 47 checks could not be made: ")
            && long[0].contains("org cap / space dev"),
        "{}",
        long[0]
    );
}

#[test]
fn an_error_is_unknown_with_a_status_line_on_standard_output() {
    // A plugin always prints its status line, even when it cannot run at all.
    let r = run(
        &[
            "verify",
            "models/missing.json",
            "--api",
            "--format",
            "nagios",
        ],
        None,
    );
    assert_eq!(r.code, Some(3), "{r:?}");
    assert_eq!(
        r.stdout,
        "ARCHCHECK UNKNOWN - error: models/missing.json: invalid model: cannot read the model file: no such file\n"
    );
    assert!(r.stderr.contains("cannot read the model file"), "{r:?}");
    // Other formats keep standard output for the report alone.
    let r = run(&["verify", "models/missing.json", "--api"], None);
    assert_eq!((r.code, r.stdout.as_str()), (Some(3), ""), "{r:?}");
}

#[test]
fn a_long_headline_is_cut_for_the_pager_keeping_every_environment_named() {
    // The incident everywhere: dev and staging CRITICAL with six lost bindings, prod OK.
    let m: Model = archcheck::model::load(&harness::model("c2.json")).unwrap();
    let sim = Simulator::start(
        &m,
        SimConfig {
            scenario: Scenario::C2Incident,
            ..SimConfig::default()
        },
    )
    .unwrap();
    let out = harness::archcheck()
        .env("CF_OAUTH_TOKEN", "nagios-test-token")
        .args(["verify", "models/c2.json", "--api", sim.url()])
        .args(["--format", "nagios"])
        .output()
        .unwrap();
    let r = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let (text, p) = check_plugin_output(&r, "CRITICAL", 2);
    assert_eq!(
        text,
        "dev: c2-dev lost its binding to c2-dev-db (database)... / also CRITICAL: staging (6 findings below)"
    );
    check_counts(&p, 153.0, 0.0, 6.0, 0.0);
    for (env, code) in [("dev", 2.0), ("staging", 2.0), ("prod", 0.0)] {
        let s = perf(&p, &format!("{env}_status"));
        assert_eq!(
            (s.value, s.min, s.max),
            (code, Some(0.0), Some(3.0)),
            "{s:?}"
        );
    }
    let long: Vec<&str> = r.stdout.lines().skip(1).collect();
    assert_eq!(long.len(), 6 + 3, "{}", r.stdout);
    assert_eq!(
        long.iter().filter(|l| l.starts_with("CRITICAL ")).count(),
        6,
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("nagios-test-token"));
    sim.shutdown();
}

#[test]
fn manifest_check_reports_as_a_plugin_too() {
    let r = run(
        &[
            "manifest",
            harness::model("c2.json").to_str().unwrap(),
            "--env",
            "staging",
            "--check",
            fixture("manifest/c2-staging-incident.yml")
                .to_str()
                .unwrap(),
            "--format",
            "nagios",
        ],
        None,
    );
    let (text, p) = check_plugin_output(&r, "CRITICAL", 2);
    assert!(text.starts_with("staging: "), "{text}");
    assert!(perf(&p, "critical").value >= 1.0, "{p:?}");
}
