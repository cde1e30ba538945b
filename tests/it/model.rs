//! The model loader against every kind of bad input the foundation issue lists: each is
//! exit 3, one clear message naming the file and the place, and never a panic.

use crate::harness::{archcheck_in, model, root};
use proptest::prelude::*;
use std::path::Path;

const VALID: &str = r#"{
  "version": 1,
  "system": "demo",
  "environments": {
    "dev": { "org": "o", "space": "dev" },
    "prod": { "org": "o", "space": "prod" }
  },
  "apps": {
    "web": { "name": "demo-{env}", "instances": 2, "services": ["db"] }
  },
  "services": {
    "db": { "name": "demo-{env}-db", "offering": "aws-rds", "plan": "small" }
  }
}
"#;

/// Runs `archcheck check` on `text` written to a file and returns (exit code, stderr).
fn check_text(name: &str, text: &[u8]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    check_path(dir.path(), &path)
}

fn check_path(dir: &Path, path: &Path) -> (i32, String) {
    let out = archcheck_in(dir).arg("check").arg(path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    (out.status.code().unwrap_or(-1), stderr)
}

/// Asserts exit 3 and that stderr contains every needle.
fn assert_rejected(text: &str, needles: &[&str]) {
    let (code, stderr) = check_text("model.json", text.as_bytes());
    assert_eq!(code, 3, "expected exit 3, stderr:\n{stderr}");
    assert!(
        stderr.contains("model.json"),
        "the file is not named:\n{stderr}"
    );
    for n in needles {
        assert!(stderr.contains(n), "missing {n:?} in:\n{stderr}");
    }
}

fn with(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "test bug: {from:?} not in VALID");
    VALID.replacen(from, to, 1)
}

#[test]
fn every_committed_model_is_valid() {
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("models")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            archcheck_model_ok(&path);
            n += 1;
        }
    }
    assert!(n >= 2, "expected at least two models, found {n}");
    archcheck_model_ok(&model("c2.json"));
}

fn archcheck_model_ok(path: &Path) {
    let out = crate::harness::archcheck()
        .arg("check")
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("valid model"));
}

#[test]
fn the_valid_example_is_valid() {
    let (code, stderr) = check_text("model.json", VALID.as_bytes());
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = check_path(dir.path(), &dir.path().join("nope.json"));
    assert_eq!(code, 3);
    assert!(
        stderr.contains("nope.json") && stderr.contains("no such file"),
        "{stderr}"
    );
}

#[test]
fn an_empty_file() {
    assert_rejected("", &["empty"]);
    assert_rejected("  \n\t\n", &["empty"]);
}

#[test]
fn a_file_that_is_not_text() {
    let (code, stderr) = check_text("model.json", &[0xff, 0xfe, 0x00, 0x9c, 0x01]);
    assert_eq!(code, 3);
    assert!(
        stderr.contains("model.json") && stderr.contains("not a text file"),
        "{stderr}"
    );
}

#[test]
fn a_file_that_is_not_json() {
    assert_rejected("version: 1\nsystem: c2\n", &["invalid JSON", "1:1"]);
}

#[test]
fn a_syntax_error_shows_line_column_and_the_line() {
    let text = with("\"instances\": 2,", "\"instances\": 2,,");
    // Line 9 holds the app; the stray comma is the error.
    assert_rejected(
        &text,
        &["invalid JSON", "model.json:9:", "\"instances\": 2,,"],
    );
}

#[test]
fn a_minified_model_shows_a_window_of_its_one_line() {
    // A generated model is often one long line: the error shows the place, not the file.
    let pad = "\"x\": \"".to_owned() + &"y".repeat(200_000) + "\", ";
    let text = VALID
        .replace('\n', " ")
        .replacen("\"version\"", &format!("{pad}\"version\""), 1)
        .replacen("\"instances\": 2,", "\"instances\": 2,,", 1);
    let (code, stderr) = check_text("model.json", text.as_bytes());
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("\"instances\": 2,,"), "{stderr}");
    let at = text.find(",,").unwrap() + 2;
    let place = format!("model.json:1:{at}");
    assert_eq!(stderr.matches(&place).count(), 2, "{place}: {stderr}");
    assert!(stderr.len() < 2_000, "{} bytes of stderr", stderr.len());
}

#[test]
fn a_wrong_type_names_the_json_path() {
    let text = with("\"instances\": 2", "\"instances\": \"two\"");
    assert_rejected(
        &text,
        &[
            "apps.web.instances",
            "\"two\"",
            "whole number",
            "model.json:9:",
        ],
    );
}

#[test]
fn a_negative_count_names_the_json_path() {
    let text = with("\"instances\": 2", "\"instances\": -1");
    assert_rejected(&text, &["apps.web.instances", "-1", "whole number"]);
}

#[test]
fn an_unknown_key_suggests_the_right_one() {
    let text = with("\"instances\": 2", "\"instanses\": 2");
    assert_rejected(
        &text,
        &[
            "apps.web.instanses",
            "unknown key",
            "did you mean `instances`",
            "model.json:9:36:",
        ],
    );
    let text = with(
        "\"plan\": \"small\"",
        "\"plan\": \"small\", \"plna\": \"x\"",
    );
    assert_rejected(&text, &["did you mean `plan`"]);
}

#[test]
fn an_unsupported_version() {
    assert_rejected(
        &with("\"version\": 1", "\"version\": 2"),
        &["unsupported model format version 2", "version 1"],
    );
    assert_rejected(&with("\"version\": 1,", ""), &["missing \"version\""]);
}

#[test]
fn no_environments() {
    let text = VALID
        .replace("\"dev\": { \"org\": \"o\", \"space\": \"dev\" },", "")
        .replace("\"prod\": { \"org\": \"o\", \"space\": \"prod\" }", "");
    assert_rejected(&text, &["environments", "no environments"]);
}

#[test]
fn an_empty_name() {
    assert_rejected(
        &with("\"name\": \"demo-{env}\"", "\"name\": \"\""),
        &["apps.web.name", "empty"],
    );
    assert_rejected(
        &with("\"space\": \"dev\"", "\"space\": \" \""),
        &["environments.dev.space", "empty"],
    );
}

#[test]
fn a_service_id_that_no_service_defines() {
    assert_rejected(
        &with("\"services\": [\"db\"]", "\"services\": [\"dbb\"]"),
        &[
            "apps.web.services[0]",
            "unknown service id `dbb`",
            "did you mean `db`",
        ],
    );
}

#[test]
fn overrides_naming_an_unknown_environment() {
    let text = with(
        "\"instances\": 2,",
        "\"instances\": 2, \"overrides\": { \"prd\": { \"instances\": 3 } },",
    );
    assert_rejected(
        &text,
        &[
            "apps.web.overrides.prd",
            "unknown environment `prd`",
            "did you mean `prod`",
        ],
    );
}

#[test]
fn environments_naming_an_unknown_environment() {
    let text = with(
        "\"instances\": 2,",
        "\"instances\": 2, \"environments\": [\"dev\", \"qa\"],",
    );
    assert_rejected(
        &text,
        &[
            "apps.web.environments[1]",
            "unknown environment `qa`",
            "`dev`, `prod`",
        ],
    );
}

#[test]
fn a_binding_to_a_service_missing_in_that_environment() {
    let text = with(
        "\"plan\": \"small\"",
        "\"plan\": \"small\", \"environments\": [\"prod\"]",
    );
    assert_rejected(
        &text,
        &[
            "apps.web.services[0]",
            "does not exist in environment `dev`",
        ],
    );
}

#[test]
fn an_unknown_template_placeholder() {
    assert_rejected(
        &with("demo-{env}-db", "demo-{environment}-db"),
        &["services.db.name", "unknown placeholder `{environment}`"],
    );
    assert_rejected(
        &with("demo-{env}-db", "demo-{env-db"),
        &["services.db.name", "without a closing"],
    );
}

#[test]
fn two_apps_with_the_same_cf_name() {
    let text = with(
        "\"web\": { \"name\": \"demo-{env}\", \"instances\": 2, \"services\": [\"db\"] }",
        "\"web\": { \"name\": \"demo-{env}\" }, \"api\": { \"name\": \"demo-{env}\" }",
    );
    assert_rejected(
        &text,
        &[
            "apps.api.name",
            "`web` and `api` both have the CF name `demo-dev`",
        ],
    );
}

#[test]
fn two_apps_whose_names_differ_only_in_case_are_one_cf_name() {
    let text = with(
        "\"web\": { \"name\": \"demo-{env}\", \"instances\": 2, \"services\": [\"db\"] }",
        "\"web\": { \"name\": \"demo-{env}\" }, \"api\": { \"name\": \"Demo-{env}\" }",
    );
    assert_rejected(
        &text,
        &[
            "apps.api.name",
            "`web` and `api` both have the CF name `Demo-dev`",
        ],
    );
}

#[test]
fn two_services_with_the_same_cf_name_in_one_environment() {
    let text = with(
        "\"db\": { \"name\": \"demo-{env}-db\", \"offering\": \"aws-rds\", \"plan\": \"small\" }",
        "\"db\": { \"name\": \"demo-{env}-db\", \"offering\": \"aws-rds\", \"plan\": \"small\" }, \"db2\": { \"name\": \"demo-dev-db\", \"user_provided\": true }",
    );
    assert_rejected(
        &text,
        &["services.db2.name", "in environment `dev`", "`demo-dev-db`"],
    );
}

#[test]
fn two_environments_in_one_space_cannot_share_a_cf_name() {
    // A copy-pasted space: staging's checks would be answered by prod's apps.
    let text = with("\"space\": \"dev\"", "\"space\": \"prod\"")
        .replace("demo-{env}-db", "demo-db")
        .replace("demo-{env}", "demo");
    assert_rejected(
        &text,
        &[
            "apps.web.name",
            "environments `dev` and `prod` are both org `o` space `prod`",
            "`demo`",
            "services.db.name",
        ],
    );
    // Their own names in a shared space are fine, and so is the same space on another API.
    let ok = with("\"space\": \"dev\"", "\"space\": \"prod\"");
    assert_eq!(check_text("model.json", ok.as_bytes()).0, 0);
    let other_api = text.replace(
        "\"space\": \"prod\" }\n  }",
        "\"space\": \"prod\", \"api\": \"https://api.other.example\" }\n  }",
    );
    assert_ne!(other_api, text, "test bug: the API was not added");
    let (code, stderr) = check_text("model.json", other_api.as_bytes());
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn environment_names_that_differ_only_in_case() {
    // Their files (`demo-Prod.svg`, `demo-prod.svg`) would be one file on macOS.
    assert_rejected(
        &with("\"dev\": {", "\"Prod\": {"),
        &["environments `", "differ only in case"],
    );
}

#[test]
fn a_template_that_expands_to_an_invalid_name() {
    assert_rejected(
        &with("demo-{env}-db", "demo,{env}"),
        &["services.db.name", "comma"],
    );
}

#[test]
fn a_duplicate_key() {
    let text = with("\"instances\": 2,", "\"instances\": 2, \"instances\": 3,");
    assert_rejected(&text, &["apps.web.instances", "appears twice"]);
}

#[test]
fn the_version_twice_is_a_duplicate_key_not_a_shape_error() {
    // The version is read before the shape; a second one must not hide behind that read.
    let text = VALID.replacen("\"version\": 1,", "\"version\": 1, \"version\": 2,", 1);
    assert_ne!(text, VALID, "test bug: no version in VALID");
    assert_rejected(&text, &["version", "appears twice"]);
}

#[test]
fn a_key_with_escapes_twice_is_found_after_decoding() {
    // `"instances"` written once plainly and once with a \u escape is the same key.
    let text = with(
        "\"instances\": 2,",
        "\"instances\": 2, \"inst\\u0061nces\": 3,",
    );
    assert_rejected(&text, &["apps.web.instances", "appears twice"]);
}

#[test]
fn a_managed_service_needs_offering_and_plan_and_user_provided_has_none() {
    assert_rejected(
        &with(", \"plan\": \"small\"", ""),
        &["services.db", "no `plan`"],
    );
    assert_rejected(
        &with(
            "\"plan\": \"small\"",
            "\"plan\": \"small\", \"user_provided\": true",
        ),
        &["services.db.offering", "user-provided"],
    );
}

#[test]
fn an_invalid_memory_size_and_route() {
    assert_rejected(
        &with(
            "\"instances\": 2,",
            "\"instances\": 2, \"memory\": \"1.5G\",",
        ),
        &["apps.web.memory", "not a size", "512M"],
    );
    assert_rejected(
        &with(
            "\"instances\": 2,",
            "\"instances\": 2, \"routes\": [\"no_underscores.example.com\"],",
        ),
        &["apps.web.routes[0]", "DNS label"],
    );
}

#[test]
fn overrides_and_environment_limits_resolve() {
    let text = with(
        "\"instances\": 2,",
        "\"instances\": 2, \"overrides\": { \"prod\": { \"instances\": 5, \"name\": \"demo\" } },",
    );
    let m = archcheck::model::load_str("m.json", &text).unwrap();
    assert_eq!(m.environment("dev").unwrap().apps[0].instances, 2);
    assert_eq!(m.environment("dev").unwrap().apps[0].name, "demo-dev");
    assert_eq!(m.environment("prod").unwrap().apps[0].instances, 5);
    assert_eq!(m.environment("prod").unwrap().apps[0].name, "demo");
    let c2 = archcheck::model::load(&model("c2.json")).unwrap();
    let prod = c2.environment("prod").unwrap();
    let web = prod.app("web").unwrap();
    assert_eq!(web.routes, ["cap.18f.gov", "c2.18f.gov"]);
    assert_eq!(web.instances, 2);
    let worker = prod.app("worker").unwrap();
    assert_eq!(worker.health_check, archcheck::model::HealthCheck::Process);
    assert!(worker.no_route);
    let staging = c2.environment("staging").unwrap();
    let queue = staging.service("queue").unwrap();
    assert_eq!(queue.name, "c2-staging-redis");
    let notify = archcheck::model::load(&model("notify.json")).unwrap();
    assert!(notify.environment("dev").unwrap().app("admin").is_some());
    assert!(notify.environment("prod").unwrap().app("admin").is_none());
    assert_eq!(
        notify
            .environment("prod")
            .unwrap()
            .service("db")
            .unwrap()
            .plan
            .as_deref(),
        Some("medium-psql-redundant")
    );
    assert_eq!(
        notify
            .environment("dev")
            .unwrap()
            .service("db")
            .unwrap()
            .plan
            .as_deref(),
        Some("micro-psql")
    );
}

#[test]
fn the_committed_schema_is_fresh() {
    let committed = std::fs::read_to_string(root().join("schema/model-v1.schema.json"))
        .expect("schema/model-v1.schema.json is committed (run `make diagrams`)");
    assert_eq!(
        committed,
        archcheck::model::schema_json(),
        "schema is stale: run `make diagrams`"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any text: a model or a located error, never a panic.
    #[test]
    fn any_text_loads_or_errors(text in "\\PC{0,400}") {
        let _ = archcheck::model::load_str("fuzz.json", &text);
    }

    /// Truncations and byte flips of a valid model: never a panic, and every error renders.
    #[test]
    fn damaged_models_never_panic(cut in 0usize..VALID.len(), at in 0usize..VALID.len(), byte in any::<u8>()) {
        let mut bytes = VALID.as_bytes()[..cut].to_vec();
        if at < bytes.len() {
            bytes[at] = byte;
        }
        if let Err(e) = archcheck::model::load_bytes("fuzz.json", &bytes) {
            let shown = e.to_string();
            prop_assert!(shown.contains("fuzz.json"));
        }
    }
}

/// Review marks (`guessed`, `observed`): a marked model is valid, and `check` reports each
/// mark as a located warning with what to do, exit 1 (WARNING), until the mark is removed.
#[test]
fn review_marks_are_warnings_until_removed() {
    let marked = with(
        r#""db": { "name": "demo-{env}-db", "offering": "aws-rds", "plan": "small" }"#,
        r#""db": { "name": "demo-{env}-db", "kind": "database",
              "guessed": { "offering": "a manifest names the instance only", "kind": "from the name" },
              "observed": { "name": "seen in org o / space dev" } }"#,
    )
    .replacen(
        r#""web": { "name": "demo-{env}", "instances": 2,"#,
        r#""web": { "name": "demo-{env}", "instances": 2, "observed": { "routes": "live routes of o/dev" },"#,
        1,
    )
    .replacen(
        r#""dev": { "org": "o", "space": "dev" }"#,
        r#""dev": { "org": "o", "space": "dev", "guessed": { "org": "the cf CLI's target" } }"#,
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    std::fs::write(&path, &marked).unwrap();
    let out = archcheck_in(dir.path())
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("5 values not reviewed yet (WARNING)"),
        "{stdout}"
    );
    for needle in [
        "model.json:5:55: warning",
        "environments.dev.guessed.org: `org` is a guess, not reviewed yet: the cf CLI's target",
        "apps.web.observed.routes: `routes` was read from the live state, not reviewed yet: live routes of o/dev",
        "services.db.guessed.offering: `offering` is not known yet: a manifest names the instance only",
        "services.db.guessed.kind: `kind` is a guess, not reviewed yet: from the name",
        "services.db.observed.name: `name` was read from the live state",
        "then delete \"kind\" from services.db.guessed",
        "(the live state may be the mistake)",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }

    // Marks that are not field names are errors with the valid ones.
    assert_rejected(
        &marked.replacen(r#""kind": "from the name""#, r#""knd": "from the name""#, 1),
        &[
            "services.db.guessed: unknown value `knd`",
            "did you mean `kind`?",
        ],
    );
    // Without its `guessed.offering`, a managed instance needs an offering and plan again.
    assert_rejected(
        &marked.replacen(
            r#""offering": "a manifest names the instance only", "#,
            "",
            1,
        ),
        &[
            "managed service `db` has no `offering`",
            "\"user_provided\": true",
        ],
    );
}
