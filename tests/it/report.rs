//! Reports of a verdict: text (snapshot, no colour), JSON (versioned, parses), JUnit XML
//! (parses, one test case per check).

use crate::verify::{c2, healthy, incident, instance, services_mut};
use archcheck::model::Model;
use archcheck::observe::{Coverage, LastOperation, OperationState};
use archcheck::report::ReportFormat;
use archcheck::report::{ReportOptions, render};
use archcheck::verify::{Verdict, verify};

fn report(v: &Verdict, m: &Model, format: ReportFormat, color: bool) -> String {
    let bytes = render(
        v,
        m,
        &ReportOptions {
            format,
            color,
            elapsed: None,
            wait: None,
        },
    )
    .expect("report renders");
    String::from_utf8(bytes).expect("UTF-8")
}

/// The incident, with the apps part not given, so the account shows what was not checked.
fn incident_verdict(m: &Model) -> Verdict {
    let mut o = incident(m);
    o.sources = vec!["cf services (v8) from staging.txt".into()];
    o.apps = Coverage::NotCovered;
    verify(m, &[o])
}

#[test]
fn text_report_of_the_incident() {
    let m = c2();
    let text = report(&incident_verdict(&m), &m, ReportFormat::Text, false);
    assert_eq!(
        text.lines().next().unwrap(),
        "CRITICAL: staging: c2-staging lost its binding to c2-staging-redis (queue); \
         c2-staging-worker lost its binding to c2-staging-redis (queue)"
    );
    assert!(!text.contains('\x1b'));
    insta::assert_snapshot!("text_incident", text);
}

#[test]
fn text_report_failing_checks_come_critical_unknown_warning() {
    let m = c2();
    let mut o = incident(&m);
    instance(&mut o, "c2-staging-db").plan = Some("small-psql".into());
    services_mut(&mut o)
        .gaps
        .push("line 9 not understood".into());
    instance(&mut o, "c2-staging-elasticsearch").last_operation = Some(LastOperation {
        kind: "update".into(),
        state: OperationState::InProgress,
    });
    let v = verify(&m, &[o]);
    let text = report(&v, &m, ReportFormat::Text, false);
    let order: Vec<&str> = text
        .lines()
        .filter(|l| {
            ["CRITICAL  ", "UNKNOWN   ", "WARNING   "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|s| match *s {
        "CRITICAL" => 0,
        "UNKNOWN" => 1,
        _ => 2,
    });
    assert_eq!(order, sorted);
    assert!(
        order.contains(&"CRITICAL") && order.contains(&"UNKNOWN") && order.contains(&"WARNING")
    );
}

#[test]
fn text_report_colour_only_when_asked() {
    let m = c2();
    let v = incident_verdict(&m);
    let coloured = report(&v, &m, ReportFormat::Text, true);
    assert!(coloured.starts_with("\x1b["), "{coloured}");
    let plain = report(&v, &m, ReportFormat::Text, false);
    assert!(!plain.contains('\x1b'));
}

#[test]
fn text_report_of_a_healthy_space_says_ok_and_what_was_not_checked() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    o.apps = Coverage::NotCovered;
    let text = report(&verify(&m, &[o]), &m, ReportFormat::Text, false);
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("OK: staging: all "), "{first}");
    assert!(first.ends_with(" not checked"), "{first}");
    assert!(text.contains("No failing checks."));
    assert!(
        text.contains(
            "app, app-instances, app-routes, unexpected of c2-staging, c2-staging-worker"
        ),
        "{text}"
    );
}

#[test]
fn json_report_of_the_incident() {
    let m = c2();
    let text = report(&incident_verdict(&m), &m, ReportFormat::Json, false);
    let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["system"], "c2");
    assert_eq!(doc["status"], "CRITICAL");
    assert_eq!(doc["exit_code"], 2);
    let checks = doc["checks"].as_array().unwrap();
    let worker = checks
        .iter()
        .find(|c| c["id"] == "staging/binding/worker->queue")
        .unwrap();
    for field in [
        "id",
        "environment",
        "kind",
        "subject",
        "status",
        "expected",
        "observed",
        "message",
        "impact",
        "repair",
    ] {
        assert!(worker.get(field).is_some(), "field {field} in {worker}");
    }
    assert_eq!(worker["kind"], "binding_exists");
    assert_eq!(worker["status"], "CRITICAL");
    let ok = checks
        .iter()
        .find(|c| c["id"] == "staging/binding/worker->db")
        .unwrap();
    assert!(ok.get("repair").is_none(), "an OK check has no repair");
    assert_eq!(doc["environments"][0]["counts"]["critical"], 2);
    insta::assert_snapshot!("json_incident", text);
}

#[test]
fn junit_report_of_the_incident() {
    let m = c2();
    let v = incident_verdict(&m);
    let xml = report(&v, &m, ReportFormat::Junit, false);
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("JUnit XML parses");
    assert_eq!(parsed.test_suites.len(), 1);
    let suite = &parsed.test_suites[0];
    assert_eq!(suite.name.as_str(), "staging");
    assert_eq!(suite.test_cases.len(), v.checks.len());
    assert_eq!(suite.failures, 2);
    assert_eq!(suite.errors, 0);
    let skipped = v
        .checks
        .iter()
        .filter(|c| c.status == archcheck::verify::Status::NotChecked)
        .count();
    assert_eq!(skipped_count(&xml), skipped);
    assert!(skipped > 0);
    assert!(xml.contains(
        "<testcase name=\"staging/binding/worker-&gt;queue\" classname=\"staging.binding\">"
    ));
    assert!(xml.contains("<failure message=\"c2-staging-worker lost its binding to c2-staging-redis (queue)\" type=\"CRITICAL\">"));
    insta::assert_snapshot!("junit_incident", xml);
}

fn skipped_count(xml: &str) -> usize {
    xml.matches("<skipped").count()
}

#[test]
fn junit_unknown_is_an_error() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    o.services = Coverage::Unavailable {
        reason: "API timed out".into(),
    };
    let v = verify(&m, &[o]);
    let xml = report(&v, &m, ReportFormat::Junit, false);
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("JUnit XML parses");
    assert!(parsed.test_suites[0].errors > 0);
    assert_eq!(parsed.test_suites[0].failures, 0);
    assert!(xml.contains("type=\"UNKNOWN\""));
}

#[test]
fn reports_are_deterministic() {
    let m = c2();
    for format in [ReportFormat::Text, ReportFormat::Json, ReportFormat::Junit] {
        let a = report(&incident_verdict(&m), &m, format, false);
        let b = report(&incident_verdict(&m), &m, format, false);
        assert_eq!(a, b);
    }
}

#[test]
fn unknown_checks_with_one_cause_are_one_finding() {
    let m = c2();
    let mut o = healthy(&m, "dev");
    let cause = "dev.txt refused: it is `cf services` output for org cap / space staging; dev is org cap / space dev";
    o.services = Coverage::Unavailable {
        reason: cause.into(),
    };
    let mut s = healthy(&m, "staging");
    services_mut(&mut s).bindings_hidden = Some("`cf services --no-apps` hides bound apps".into());
    let v = verify(&m, &[o, s]);
    let text = report(&v, &m, ReportFormat::Text, false);
    assert_eq!(
        text.lines().next().unwrap(),
        format!(
            "UNKNOWN: dev: 47 checks could not be made: {cause} | staging: 19 checks could not be made: `cf services --no-apps` hides bound apps"
        )
    );
    assert_eq!(
        text.matches(cause).count(),
        2,
        "headline and one finding:\n{text}"
    );
    assert!(text.contains("UNKNOWN   dev: 47 checks could not be made\n  why       "));
    assert!(text.contains(
        "  checks    binding (18), service (9), service-plan (9), service-operation (9), unexpected (2)\n"
    ), "{text}");
    // JSON and JUnit keep one entry per check.
    let json: serde_json::Value =
        serde_json::from_str(&report(&v, &m, ReportFormat::Json, false)).unwrap();
    let unknown = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "UNKNOWN")
        .count();
    assert_eq!(unknown, 47 + 19);
}

#[test]
fn colour_does_not_change_the_layout() {
    let m = c2();
    let mut o = incident(&m);
    o.apps = Coverage::Unavailable {
        reason: "apps.txt refused".into(),
    };
    let v = verify(&m, &[o]);
    let plain = report(&v, &m, ReportFormat::Text, false);
    let coloured = report(&v, &m, ReportFormat::Text, true);
    let stripped = strip_ansi(&coloured);
    assert_eq!(stripped, plain);
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for n in chars.by_ref() {
                if n.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn headline_leads_with_the_root_cause_and_not_checked_groups_by_reason() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    services_mut(&mut o)
        .instances
        .retain(|s| s.name != "c2-staging-redis" && s.name != "c2-staging-elasticsearch");
    let v = verify(&m, &[o]);
    let text = report(&v, &m, ReportFormat::Text, false);
    assert_eq!(
        text.lines().next().unwrap(),
        "CRITICAL: staging: service instance c2-staging-redis is missing; \
         service instance c2-staging-elasticsearch is missing; \
         c2-staging lost its binding to c2-staging-redis (queue): the instance is missing; \
         and 3 more CRITICAL"
    );
    // The failing edges still come first in the list.
    let first_item = text.lines().nth(2).unwrap();
    assert_eq!(first_item, "CRITICAL  staging/binding/web->queue");
    assert!(
        text.contains(
            "      - the instance does not exist (see its service check)\n        \
         service-plan, service-operation of c2-staging-redis, c2-staging-elasticsearch\n"
        ),
        "{text}"
    );
}

/// An environment that is not OK at a lesser status is named after the worst ones: an
/// unreachable prod must not hide behind a CRITICAL staging.
#[test]
fn headline_names_other_environments_that_are_not_ok() {
    let m = c2();
    let mut prod = healthy(&m, "prod");
    prod.services = Coverage::Unavailable {
        reason: "GET /v3/service_instances: 503".into(),
    };
    let v = verify(&m, &[incident(&m), prod, healthy(&m, "dev")]);
    let line = archcheck::report::headline(&v);
    assert!(line.starts_with("CRITICAL: staging: "), "{line}");
    assert!(line.ends_with(" | also: prod UNKNOWN"), "{line}");
    assert!(
        !line.contains("dev"),
        "OK environments are not named: {line}"
    );
}

/// Many healthy environments make one short line, not one part each.
#[test]
fn headline_of_many_healthy_environments_is_one_count() {
    let m = c2();
    let v = verify(
        &m,
        &[
            healthy(&m, "dev"),
            healthy(&m, "staging"),
            healthy(&m, "prod"),
        ],
    );
    let line = archcheck::report::headline(&v);
    assert!(
        line.starts_with("OK: dev: all "),
        "three are still named: {line}"
    );
    let mut many = v.clone();
    for i in 0..7 {
        let mut e = v.environments[0].clone();
        e.name = format!("env{i}");
        many.environments.push(e);
    }
    let line = archcheck::report::headline(&many);
    assert!(
        line.starts_with("OK: all ") && line.ends_with(" in 10 environments"),
        "{line}"
    );
}

/// An environment asked for that no source covers: every check is skipped, but the run is
/// UNKNOWN, so the totals a CI system reads must carry an error (issue 9, item 3).
#[test]
fn junit_totals_are_never_green_for_an_environment_with_nothing_observed() {
    let dir = tempfile::tempdir().unwrap();
    let xml_file = dir.path().join("report.xml");
    let out = crate::harness::archcheck()
        .args([
            "verify",
            "models/c2.json",
            "--env",
            "staging",
            "--env",
            "prod",
        ])
        .args([
            "--cf-services",
            "tests/fixtures/verify/staging-healthy-services-v8.txt",
        ])
        .args(["--format", "junit", "-o"])
        .arg(&xml_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let xml = std::fs::read_to_string(&xml_file).unwrap();
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("JUnit XML parses");
    let prod = parsed
        .test_suites
        .iter()
        .find(|s| s.name.as_str() == "prod")
        .expect("a suite for prod");
    assert_eq!(prod.errors, 1, "{xml}");
    assert!(
        parsed.errors >= 1,
        "the report's totals carry the error: {xml}"
    );
    assert!(
        xml.contains("<testcase name=\"prod/evidence\" classname=\"prod.evidence\">"),
        "{xml}"
    );
    assert!(
        xml.contains("prod: UNKNOWN: no check could be made: "),
        "{xml}"
    );
    // The staging suite, observed and healthy as far as services go, has no such case.
    assert!(!xml.contains("staging/evidence"), "{xml}");
}
