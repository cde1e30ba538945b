//! End to end: `archcheck verify` over captures whose layouts the cf CLI really prints and that
//! were misread before (issue 9, items 14, 15, 16, 18): each test runs the binary on a capture
//! and asserts the statuses of the report.

use crate::harness::{self, fixture};

fn read(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `archcheck verify models/c2.json --env staging FLAG -` on `capture`.
fn verify(flag: &str, capture: &str) -> (Option<i32>, serde_json::Value) {
    harness::verify_json(
        &["models/c2.json", "--env", "staging", flag, "-"],
        Some(capture.as_bytes()),
    )
}

/// Issue 9 item 15: `Stats server temporarily unavailable.`, printed (twice) between the first
/// line and the table, is not a row: the table is read, and an app missing from it is
/// CRITICAL, not UNKNOWN behind a gap.
#[test]
fn e2e_cloud_controller_warnings_before_the_table_are_not_rows() {
    let healthy = read("verify/staging-healthy-apps-v8.txt");
    let warning = "Stats server temporarily unavailable.\n";
    let with_warnings = healthy.replacen("\n\n", &format!("\n\n{warning}{warning}"), 1);
    let (code, doc) = verify("--cf-apps", &with_warnings);
    assert_eq!(harness::status_of(&doc, "staging/app/web"), "OK", "{doc:#}");
    assert_eq!(harness::status_of(&doc, "staging/app/worker"), "OK");
    assert_ne!(code, Some(3), "{doc:#}");
    assert!(
        doc.to_string().contains("after 2 warning lines"),
        "the source says cf printed warnings: {doc:#}"
    );
    // The worker's row gone: its absence is evidence (CRITICAL), not hidden behind a gap.
    let without_worker: String = with_warnings
        .lines()
        .filter(|l| !l.starts_with("c2-staging-worker"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (code, doc) = verify("--cf-apps", &without_worker);
    assert_eq!(code, Some(2), "{doc:#}");
    assert_eq!(harness::status_of(&doc, "staging/app/worker"), "CRITICAL");
    // A line not understood inside the table stays UNKNOWN.
    let garbled = without_worker.replace("c2-staging          started", "c2-staging started");
    let (_, doc) = verify("--cf-apps", &garbled);
    assert_eq!(harness::status_of(&doc, "staging/app/worker"), "UNKNOWN");
}

/// Issue 9 item 16: in a v6 capture, `€` and an emoji in names must not shift rows out of their
/// columns: the db row (bound to an app with `€`) is read, so its bindings are OK, not UNKNOWN;
/// the instance and app the model lacks are reported as unexpected (WARNING), not unreadable.
#[test]
fn e2e_v6_rows_with_symbols_are_read() {
    let services = read("cf/symbols-v6/services.txt");
    let (code, doc) = verify("--cf-services", &services);
    assert_eq!(code, Some(1), "{doc:#}");
    for id in ["staging/binding/web->db", "staging/binding/worker->db"] {
        assert_eq!(harness::status_of(&doc, id), "OK", "{id}: {doc:#}");
    }
    assert_eq!(
        harness::status_of(&doc, "staging/unexpected/service/c2-staging-🚀-cache"),
        "WARNING"
    );
    assert_eq!(
        harness::status_of(&doc, "staging/unexpected/services"),
        "OK",
        "the whole table was read: {doc:#}"
    );
    let apps = read("cf/symbols-v6/apps.txt");
    let (_, doc) = verify("--cf-apps", &apps);
    assert_eq!(harness::status_of(&doc, "staging/app/worker"), "OK");
    let text = doc.to_string();
    assert!(!text.contains("does not fit"), "{text}");
    assert!(
        text.contains("c2-staging-🚀"),
        "the unexpected app is named: {text}"
    );
}

/// Issue 9 item 14: cf v6 prints no VCAP_SERVICES at all for an app bound to nothing (the
/// incident's shape on the CLI of 2016). A whole capture of that is evidence: every binding
/// the model gives the worker is CRITICAL, not UNKNOWN. Cut before its last section, it is not
/// evidence: UNKNOWN.
#[test]
fn e2e_v6_cf_env_without_vcap_services_is_bound_to_nothing() {
    let env = read("cf/env-v6-no-bindings/env.txt");
    let (code, doc) = verify("--cf-env", &env);
    assert_eq!(code, Some(2), "{doc:#}");
    for id in [
        "staging/binding/worker->db",
        "staging/binding/worker->queue",
        "staging/binding/worker->search",
    ] {
        let c = harness::check(&doc, id);
        assert_eq!(c["status"], "CRITICAL", "{id}: {c:#}");
        assert!(
            c["observed"]
                .as_str()
                .unwrap()
                .contains("lists no instance"),
            "{c:#}"
        );
    }
    let cut: String = env
        .split_inclusive('\n')
        .take_while(|l| !l.starts_with("No staging"))
        .collect();
    let (code, doc) = verify("--cf-env", &cut);
    assert_eq!(code, Some(3), "{doc:#}");
    let c = harness::check(&doc, "staging/binding/worker->db");
    assert_eq!(c["status"], "UNKNOWN", "{c:#}");
    assert!(doc.to_string().contains("it is cut off"), "{doc:#}");
    assert!(!doc.to_string().contains("SECRET-"), "no credential quoted");
}

/// Issue 9 item 18: a v8 `cf env` of an app whose bindings are files
/// (`VCAP_SERVICES_FILE_PATH`) shows no VCAP_SERVICES: UNKNOWN, saying why and to use the API.
#[test]
fn e2e_cf_env_with_file_based_bindings_says_to_use_the_api() {
    let env = read("cf/env-v8-file-based/env.txt");
    let (code, doc) = verify("--cf-env", &env);
    assert_eq!(code, Some(3), "{doc:#}");
    let c = harness::check(&doc, "staging/binding/worker->db");
    assert_eq!(c["status"], "UNKNOWN", "{c:#}");
    let text = c.to_string();
    assert!(
        text.contains("`VCAP_SERVICES_FILE_PATH` instead of VCAP_SERVICES")
            && text.contains("file-based-vcap-services")
            && text.contains("--api"),
        "{c:#}"
    );
}

/// Issue 9 item 18: `cf services` of cf v6.8 (no `last operation` column yet) is named as
/// such, not called cut off: UNKNOWN, telling the user which CLI to capture with.
#[test]
fn e2e_early_v6_services_are_named() {
    let v6_8 = "Getting services in org cap / space staging as deployer@example.gov...\nOK\n\nname               service   plan          bound apps\nc2-staging-db      aws-rds   medium-psql   c2-staging, c2-staging-worker\n";
    let (code, doc) = verify("--cf-services", v6_8);
    assert_eq!(code, Some(3), "{doc:#}");
    assert_eq!(
        harness::status_of(&doc, "staging/binding/web->db"),
        "UNKNOWN"
    );
    let text = doc.to_string();
    assert!(
        text.contains("cf CLI v6.0 to v6.8") && text.contains("v6.10 or later"),
        "{text}"
    );
}

/// Issue 9 item 18: localized cf output (`cf config --locale de-DE`) is refused as such, for
/// the space its first line names (no `--env` needed), telling the user to capture in English.
#[test]
fn e2e_localized_output_is_refused_by_language() {
    let de = "Abrufen von Services in Organisation cap / Bereich staging als deployer@example.gov...\nOK\n\nName            Service   Plan          Gebundene Apps                  Letzte Operation\nc2-staging-db   aws-rds   medium-psql   c2-staging, c2-staging-worker   create succeeded\n";
    let (code, doc) = harness::verify_json(
        &["models/c2.json", "--cf-services", "-"],
        Some(de.as_bytes()),
    );
    assert_eq!(code, Some(3), "{doc:#}");
    assert_eq!(doc["environments"][0]["name"], "staging", "{doc:#}");
    assert_eq!(
        harness::status_of(&doc, "staging/binding/web->db"),
        "UNKNOWN"
    );
    let text = doc.to_string();
    assert!(
        text.contains("output in German") && text.contains("cf config --locale en-US"),
        "{text}"
    );
    let fr = "Obtention des applications dans l'organisation cap/l'espace staging en tant que deployer@example.gov...\nOK\n\nnom          état demandé   instances   mémoire   disque   adresses URL\nc2-staging   démarré        1/1         1G        1G       c2-staging.18f.gov\n";
    let (code, doc) = verify("--cf-apps", fr);
    assert_eq!(code, Some(3), "{doc:#}");
    assert_eq!(harness::status_of(&doc, "staging/app/web"), "UNKNOWN");
    assert!(doc.to_string().contains("output in French"), "{doc:#}");
}

/// Issue 9 item 21, end to end: no cut of a capture whose db has `update failed` ever reports
/// that operation, or the db's bindings, OK (cut at every line, and at every 11th character);
/// and a `cf env` capture after the table never has its credentials shown.
#[test]
fn e2e_no_cut_capture_reads_ok_and_no_planted_secret_shows() {
    let failed = read("cf/op-failed-v8/services.txt");
    let cuts = failed
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .chain((0..failed.len()).step_by(11))
        .filter(|&i| failed.is_char_boundary(i));
    for cut in cuts {
        let text = &failed[..cut];
        if text.trim().is_empty() {
            continue;
        }
        let (_, doc) = verify("--cf-services", text);
        for id in ["staging/service-operation/db", "staging/binding/web->db"] {
            let status = harness::status_of(&doc, id);
            if id.contains("operation") {
                assert_ne!(status, "OK", "cut at byte {cut}: {doc:#}");
            }
            if status == "OK" {
                // Bound apps read OK only from a whole row, the failed operation with it.
                assert_eq!(
                    harness::status_of(&doc, "staging/service-operation/db"),
                    "CRITICAL",
                    "cut at byte {cut}"
                );
            }
        }
    }
    let env = read("cf/env-v8/env.txt");
    for capture in [format!("{failed}\n{env}"), format!("{env}{failed}")] {
        let r = harness::run(
            &[
                "verify",
                "models/c2.json",
                "--env",
                "staging",
                "--cf-services",
                "-",
            ],
            Some(capture.as_bytes()),
        );
        let shown = format!("{}{}", r.stdout, r.stderr);
        assert!(!shown.contains("SECRET-"), "a credential shown: {shown}");
    }
}
