//! Integration tests: manifest. Generated manifests check clean against their model, legacy
//! C2-style manifests read as `cf push` reads them, the incident's lost binding is caught, bad
//! input is one clear error (exit 3), and `env:` secrets never reach any output.

use crate::harness::{archcheck, archcheck_in, fixture, model, root};
use archcheck::manifest::{self, Manifest, ManifestError, Vars};
use archcheck::model::{Environment, Model};
use archcheck::verify::{Check, CheckKind, Element, Status, Verdict};
use proptest::prelude::*;
use std::path::Path;

fn load(name: &str) -> Model {
    archcheck::model::load(&model(name)).expect("the model loads")
}

fn env<'a>(m: &'a Model, name: &str) -> &'a Environment {
    m.environment(name).expect("environment exists")
}

fn read_fixture(name: &str, vars: &Vars) -> Result<Manifest, ManifestError> {
    let path = fixture(&format!("manifest/{name}"));
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    manifest::read(name, &text, vars)
}

fn verdict_of(m: &Model, e: &str, manifest: &Manifest) -> Verdict {
    manifest::verdict(m, env(m, e), manifest)
}

fn not_ok(v: &Verdict) -> Vec<&Check> {
    v.checks.iter().filter(|c| c.status != Status::Ok).collect()
}

fn check<'a>(v: &'a Verdict, id: &str) -> &'a Check {
    v.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id} in {:#?}", v.checks))
}

#[test]
fn generated_manifest_checks_clean_for_every_model_and_environment() {
    let mut models = 0;
    for entry in std::fs::read_dir(root().join("models")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        models += 1;
        let m = archcheck::model::load(&path).unwrap();
        for e in &m.environments {
            let text = manifest::manifest(&m, e, "archcheck manifest MODEL --env E");
            let read = manifest::read("generated.yml", &text, &Vars::new())
                .unwrap_or_else(|err| panic!("{}/{}: {err}\n{text}", m.file, e.name));
            let v = manifest::verdict(&m, e, &read);
            assert_eq!(
                v.status,
                Status::Ok,
                "{}/{}: {:#?}",
                m.file,
                e.name,
                not_ok(&v)
            );
            // Evidence for every app and every binding.
            for app in &e.apps {
                let app_check = check(&v, &format!("{}/manifest-app/{}", e.name, app.id));
                assert_eq!(app_check.element, Element::App { id: app.id.clone() });
                for b in &app.bindings {
                    check(
                        &v,
                        &format!("{}/manifest-binding/{}->{}", e.name, app.id, b.service),
                    );
                }
            }
            assert_eq!(v.environments.len(), 1);
            assert_eq!(v.environments[0].name, e.name);
            // Deterministic bytes.
            assert_eq!(
                text,
                manifest::manifest(&m, e, "archcheck manifest MODEL --env E")
            );
        }
    }
    assert!(models >= 2, "models/ holds the example models");
}

#[test]
fn c2_prod_manifest_snapshot() {
    let out = archcheck()
        .args(["manifest", "models/c2.json", "--env", "prod"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("c2_prod_manifest", text);
}

#[test]
fn output_file_is_deterministic_and_names_its_regeneration() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deploy/manifest.yml");
    let run = || {
        archcheck()
            .args(["manifest", "models/notify.json", "--env", "prod", "-o"])
            .arg(&file)
            .assert()
            .code(0)
            .stdout("");
        std::fs::read_to_string(&file).unwrap()
    };
    let first = run();
    assert_eq!(first, run());
    assert!(first.contains("Do not edit by hand"), "{first}");
    assert!(
        first.contains(&format!(
            "#   archcheck manifest models/notify.json --env prod -o {}\n",
            file.display()
        )),
        "{first}"
    );
    assert!(
        first.contains("- name: notify-api-prod\n  instances: 3\n"),
        "{first}"
    );
    assert!(first.contains("  health-check-type: http\n  health-check-http-endpoint: /_status\n"));
    assert!(
        !first.contains("notify-admin"),
        "admin exists in dev only: {first}"
    );
}

#[test]
fn unknown_environment_lists_the_environments() {
    archcheck()
        .args(["manifest", "models/c2.json", "--env", "qa"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("no environment `qa`"))
        .stderr(predicates::str::contains(
            "dev (org cap / space dev), staging (org cap / space staging), prod (org cap / space prod)",
        ));
}

#[test]
fn an_environment_without_apps_has_no_manifest() {
    // `applications: []` is refused by cf push and by `manifest --check` itself.
    let dir = files(&[(
        "m.json",
        br#"{"version": 1, "system": "s", "environments": {"dev": {"org": "o", "space": "d"}},
            "apps": {}, "services": {"db": {"name": "db", "offering": "o", "plan": "p"}}}"#,
    )]);
    archcheck_in(dir.path())
        .args(["manifest", "m.json", "--env", "dev"])
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicates::str::contains(
            "environment `dev` of m.json has no apps",
        ));
}

#[test]
fn c2_legacy_manifest_reads_as_cf_push_would_and_checks_clean() {
    let m = read_fixture("c2-prod-legacy.yml", &Vars::new()).unwrap();
    let web = m.app("c2-prod").unwrap();
    assert_eq!(web.instances, Some(2));
    assert_eq!(
        web.memory.as_ref().unwrap().mb,
        1024,
        "1024MB inherited from the top"
    );
    assert_eq!(
        web.buildpacks.as_deref(),
        Some(&["https://github.com/cloudfoundry/ruby-buildpack.git".to_owned()][..])
    );
    let routes: Vec<String> = web.routes.iter().map(ToString::to_string).collect();
    assert_eq!(routes, ["cap.18f.gov", "c2.18f.gov"]);
    assert_eq!(web.services.len(), 9);
    let worker = m.app("c2-prod-worker").unwrap();
    assert_eq!(
        worker.instances,
        Some(1),
        "instances inherited from the top"
    );
    assert_eq!(worker.memory.as_ref().unwrap().mb, 640);
    assert!(worker.no_route && worker.routes.is_empty());
    assert_eq!(
        worker.health_check,
        Some(archcheck::model::HealthCheck::Process)
    );
    assert_eq!(worker.services.len(), 9);

    let c2 = load("c2.json");
    let v = verdict_of(&c2, "prod", &m);
    assert_eq!(v.status, Status::Ok, "{:#?}", not_ok(&v));
    assert_eq!(
        check(&v, "prod/manifest-setting/worker/health-check").status,
        Status::Ok
    );
    assert_eq!(
        check(&v, "prod/manifest-setting/worker/no-route").status,
        Status::Ok
    );
    assert_eq!(
        check(&v, "prod/manifest-setting/web/memory").status,
        Status::Ok
    );
}

#[test]
fn anchors_and_merge_keys_read_correctly() {
    let m = read_fixture("c2-staging-anchors.yml", &Vars::new()).unwrap();
    let worker = m.app("c2-staging-worker").unwrap();
    assert_eq!(worker.services.len(), 9, "services from the merged anchor");
    assert_eq!(
        worker.memory.as_ref().unwrap().mb,
        640,
        "own memory beats the merged one"
    );
    assert_eq!(
        m.app("c2-staging").unwrap().memory.as_ref().unwrap().mb,
        1024
    );
    let c2 = load("c2.json");
    let v = verdict_of(&c2, "staging", &m);
    assert_eq!(v.status, Status::Ok, "{:#?}", not_ok(&v));
}

#[test]
fn vars_files_and_var_flags_interpolate() {
    let mut vars = Vars::new();
    vars.add_file(
        "vars-prod.yml",
        &std::fs::read_to_string(fixture("manifest/vars-prod.yml")).unwrap(),
    )
    .unwrap();
    let m = read_fixture("c2-vars.yml", &vars).unwrap();
    let c2 = load("c2.json");
    let v = verdict_of(&c2, "prod", &m);
    assert_eq!(v.status, Status::Ok, "{:#?}", not_ok(&v));

    // --var wins over the vars file: now it is staging's manifest, with prod's routes.
    vars.add_var("env=staging").unwrap();
    vars.add_var("web_instances=1").unwrap();
    let m = read_fixture("c2-vars.yml", &vars).unwrap();
    assert!(m.app("c2-staging-worker").is_some());
    let v = verdict_of(&c2, "staging", &m);
    assert_eq!(
        check(&v, "staging/manifest-setting/web/instances").status,
        Status::Ok
    );
    assert_eq!(
        check(&v, "staging/manifest-setting/web/routes").status,
        Status::Warning
    );
}

#[test]
fn the_incident_is_caught_at_the_library_level() {
    let m = read_fixture("c2-staging-incident.yml", &Vars::new()).unwrap();
    let c2 = load("c2.json");
    let v = verdict_of(&c2, "staging", &m);
    assert_eq!(v.status, Status::Critical);
    assert_eq!(v.status.exit_code(), 2);
    let failing = not_ok(&v);
    assert_eq!(failing.len(), 1, "{failing:#?}");
    let c = failing[0];
    assert_eq!(c.id, "staging/manifest-binding/worker->queue");
    assert_eq!(c.kind, CheckKind::ManifestBinding);
    assert_eq!(c.environment, "staging");
    assert_eq!(c.subject, "c2-staging-worker -> c2-staging-redis");
    assert!(c.message.contains("c2-staging-worker") && c.message.contains("c2-staging-redis"));
    assert_eq!(
        c.repair.as_deref(),
        Some("add `c2-staging-redis` to services: of c2-staging-worker in c2-staging-incident.yml")
    );
    assert!(
        c.impact
            .as_deref()
            .unwrap()
            .contains("dequeue background jobs"),
        "{c:?}"
    );
    assert_eq!(
        c.element,
        Element::Binding {
            app: "worker".into(),
            service: "queue".into()
        }
    );
}

#[test]
fn a_binding_only_in_the_top_level_services_is_not_claimed_ok() {
    // cf CLI v7 and later do not apply top-level attributes to applications: the worker of
    // the incident would still lose its queue, whatever the top of the file says.
    let path = fixture("manifest/c2-staging-incident.yml");
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    let text = text.replace("---\n", "---\nservices:\n- c2-staging-redis\n");
    let m = manifest::read("top.yml", &text, &Vars::new()).unwrap();
    let v = verdict_of(&load("c2.json"), "staging", &m);
    assert_eq!(v.status, Status::Critical, "{:#?}", not_ok(&v));
    let c = check(&v, "staging/manifest-binding/worker->queue");
    assert_eq!(c.status, Status::Critical);
    assert!(c.message.contains("top-level `services:`"), "{c:?}");
    assert_eq!(
        check(&v, "staging/manifest-binding/web->queue").status,
        Status::Ok,
        "the web app lists the queue itself"
    );
}

#[test]
fn zero_instances_of_an_app_the_model_runs_is_critical() {
    let c2 = load("c2.json");
    let prod = env(&c2, "prod");
    let text = manifest::manifest(&c2, prod, "x").replace("instances: 2", "instances: 0");
    let m = manifest::read("zero.yml", &text, &Vars::new()).unwrap();
    let v = verdict_of(&c2, "prod", &m);
    let c = check(&v, "prod/manifest-setting/web/instances");
    assert_eq!(c.status, Status::Critical, "{c:?}");
    assert!(c.impact.as_deref().unwrap().contains("down"), "{c:?}");
    assert_eq!(v.status, Status::Critical);
}

#[test]
fn the_incident_exits_2_naming_app_and_service() {
    archcheck()
        .args(["manifest", "models/c2.json", "--env", "staging", "--check"])
        .arg(fixture("manifest/c2-staging-incident.yml"))
        .assert()
        .code(2)
        .stdout(predicates::str::contains("c2-staging-worker"))
        .stdout(predicates::str::contains("c2-staging-redis"));
}

#[test]
fn drift_is_reported_with_the_right_statuses() {
    let c2 = load("c2.json");
    let prod = env(&c2, "prod");
    let text = manifest::manifest(&c2, prod, "x")
        // the non-critical binding goes, an unknown one comes
        .replace("  - c2-prod-ups-newrelic\n", "")
        .replacen(
            "  - c2-prod-db\n",
            "  - c2-prod-db\n  - c2-prod-old-cache\n",
            1,
        )
        .replace("instances: 2", "instances: 1")
        .replace("memory: 640M", "memory: 1G")
        .replace(
            "  - route: c2.18f.gov\n",
            "  - route: c2-prod.app.cloud.gov\n",
        )
        .replace("health-check-type: process", "health-check-type: port")
        .replace("  no-route: true\n", "")
        + "- name: c2-prod-scratch\n  service: [c2-prod-db]\n";
    let m = manifest::read("manifest.yml", &text, &Vars::new()).unwrap();
    let v = manifest::verdict(&c2, prod, &m);
    assert_eq!(v.status, Status::Warning, "{:#?}", not_ok(&v));
    let warn = |id: &str| {
        let c = check(&v, id);
        assert_eq!(c.status, Status::Warning, "{c:#?}");
        assert!(c.repair.is_some(), "{c:#?}");
        c
    };
    warn("prod/manifest-binding/web->newrelic");
    warn("prod/manifest-binding/worker->newrelic");
    let extra = warn("prod/manifest-binding/web->c2-prod-old-cache");
    assert_eq!(
        extra.element,
        Element::ExtraBinding {
            app: "c2-prod".into(),
            service: "c2-prod-old-cache".into()
        }
    );
    let inst = warn("prod/manifest-setting/web/instances");
    assert_eq!(inst.expected.as_deref(), Some("2"));
    assert_eq!(inst.observed.as_deref(), Some("1"));
    let mem = warn("prod/manifest-setting/worker/memory");
    assert!(
        mem.message.contains("1G") && mem.message.contains("640M"),
        "{mem:?}"
    );
    let routes = warn("prod/manifest-setting/web/routes");
    assert!(routes.message.contains("c2.18f.gov"), "{routes:?}");
    assert!(
        routes.message.contains("c2-prod.app.cloud.gov"),
        "{routes:?}"
    );
    let nr = warn("prod/manifest-setting/worker/no-route");
    assert!(
        nr.message.contains("c2-prod-worker.<default domain>"),
        "{nr:?}"
    );
    warn("prod/manifest-setting/worker/health-check");
    let app = warn("prod/manifest-app/c2-prod-scratch");
    assert_eq!(
        app.element,
        Element::ExtraApp {
            name: "c2-prod-scratch".into()
        }
    );
    // The missing app is CRITICAL.
    let only_web = manifest::manifest(&c2, prod, "x");
    let cut = only_web.find("- name: c2-prod-worker").unwrap();
    let m = manifest::read("manifest.yml", &only_web[..cut], &Vars::new()).unwrap();
    let v = manifest::verdict(&c2, prod, &m);
    assert_eq!(v.status, Status::Critical);
    let c = check(&v, "prod/manifest-app/worker");
    assert_eq!(c.status, Status::Critical);
    assert!(c.impact.as_deref().unwrap().contains("9 bindings"), "{c:?}");
}

#[test]
fn unknown_attribute_is_a_warning_with_a_hint() {
    let c2 = load("c2.json");
    let prod = env(&c2, "prod");
    let text = manifest::manifest(&c2, prod, "x").replace("  services:\n", "  service:\n");
    let m = manifest::read("manifest.yml", &text, &Vars::new()).unwrap();
    let v = manifest::verdict(&c2, prod, &m);
    let c = check(&v, "prod/manifest-setting/web/attribute/service");
    assert_eq!(c.status, Status::Warning);
    assert!(c.message.contains("did you mean `services`?"), "{c:?}");
    // and the bindings it dropped are CRITICAL
    assert_eq!(v.status, Status::Critical);
}

/// A temporary directory holding `files`, for the CLI's bad-input tests.
fn files(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

fn check_cli(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    archcheck_in(dir)
        .arg("manifest")
        .arg(model("c2.json"))
        .args(["--env", "prod", "--check", "manifest.yml"])
        .args(extra)
        .assert()
}

#[test]
fn bad_input_is_one_clear_error_with_exit_3() {
    let secret = "zebra-secret-9911-do-not-print";
    let env_block = format!("env:\n  SECRET: {secret}\n");
    let cases: Vec<(String, Vec<&str>, Vec<String>)> = vec![
        (
            format!("{env_block}applications:\n- name: c2-prod\n  instances: two\n"),
            vec![],
            vec![
                "manifest.yml:5:14:".into(),
                "invalid `instances`".into(),
                "`two`".into(),
            ],
        ),
        (
            format!("applications:\n- memory: 1G\n  {env_block}"),
            vec![],
            vec![
                "manifest.yml:2:3:".into(),
                "application #1 has no `name`".into(),
            ],
        ),
        (
            format!("{env_block}applications:\n- name: [c2\n"),
            vec![],
            vec!["manifest.yml:".into(), "invalid YAML".into()],
        ),
        (
            format!("{env_block}version: 1\n"),
            vec![],
            vec!["has no `applications`".into()],
        ),
        (
            "applications:\n- name: c2-((env))\n".into(),
            vec![],
            vec![
                "manifest.yml:2:9:".into(),
                "unresolved variable ((env))".into(),
            ],
        ),
        (
            "applications:\n- name: c2-((env))\n".into(),
            vec!["--vars-file", "vars.yml"],
            vec!["vars.yml:1:1:".into(), "must be a YAML mapping".into()],
        ),
        (
            "inherit: base.yml\napplications:\n- name: c2-prod\n".into(),
            vec![],
            vec![
                "manifest.yml:1:1:".into(),
                "`inherit:` is not supported".into(),
            ],
        ),
        (
            "applications:\n- name: c2-prod\n  memory: 1024\n".into(),
            vec![],
            vec!["invalid `memory`".into(), "M, MB, G, GB".into()],
        ),
    ];
    for (manifest, extra, wants) in cases {
        let dir = files(&[
            ("manifest.yml", manifest.as_bytes()),
            ("vars.yml", format!("- {secret}\n").as_bytes()),
        ]);
        let out = check_cli(dir.path(), &extra).code(3).get_output().clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        for want in &wants {
            assert!(
                stderr.contains(want.as_str()),
                "{manifest:?}: want {want:?} in {stderr}"
            );
        }
        assert_eq!(
            stderr.lines().filter(|l| l.starts_with("error")).count(),
            1,
            "{stderr}"
        );
        assert!(
            !stderr.contains(secret) && out.stdout.is_empty(),
            "{stderr}"
        );
    }
    let dir = files(&[("manifest.yml", b"applications:\n- name: \xff\n")]);
    check_cli(dir.path(), &[])
        .code(3)
        .stderr(predicates::str::contains("not UTF-8"));
    let dir = files(&[]);
    check_cli(dir.path(), &[])
        .code(3)
        .stderr(predicates::str::contains(
            "cannot read manifest manifest.yml",
        ));
    check_cli(dir.path(), &["--var", "novalue"]).code(3);
}

#[test]
fn secrets_in_env_never_reach_any_output() {
    let mut vars = Vars::new();
    vars.add_file(
        "vars-prod.yml",
        &std::fs::read_to_string(fixture("manifest/vars-prod.yml")).unwrap(),
    )
    .unwrap();
    let c2 = load("c2.json");
    for (name, env_name, vars) in [
        ("c2-prod-legacy.yml", "prod", Vars::new()),
        ("c2-staging-anchors.yml", "staging", Vars::new()),
        ("c2-vars.yml", "prod", vars),
    ] {
        let m = read_fixture(name, &vars).unwrap();
        let v = verdict_of(&c2, env_name, &m);
        // and a verdict with failures, whose messages quote the manifest most
        let v2 = verdict_of(&c2, "dev", &m);
        let all = format!(
            "{m:?}{v:?}{v2:?}{}{}{vars:?}",
            serde_json::to_string(&v).unwrap(),
            serde_json::to_string(&v2).unwrap()
        );
        assert!(!all.contains("zebra"), "{name}: a secret leaked");
        assert!(!all.contains("do-not-print"), "{name}: a secret leaked");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_reader_never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        let _ = manifest::read("fuzz.yml", &text, &Vars::new());
    }

    #[test]
    fn the_reader_never_panics_on_manifest_like_text(
        parts in proptest::collection::vec(prop_oneof![
            Just("applications:\n"), Just("- name: a\n"), Just("  instances: "),
            Just("((v))"), Just("  services:\n"), Just("  - db\n"), Just("  - name: q\n"),
            Just("  routes:\n"), Just("  - route: a.b\n"), Just("  host: h\n"), Just("domain: d\n"),
            Just("  <<: *x\n"), Just("x: &x\n"), Just("  memory: 1G\n"), Just("  no-route: yes\n"),
            Just("  processes:\n  - type: web\n"), Just("[{"), Just("}]"), Just(": "), Just("\n"),
            Just("  env:\n    K: v\n"), Just("version: 1\n"), Just("  buildpack: ~\n"),
            Just("inherit: x\n"), Just("\t"), Just("'"), Just("\""), Just("!!binary "),
        ], 0..40),
        var in "[a-z]{0,3}=.{0,5}",
    ) {
        let text: String = parts.concat();
        let mut vars = Vars::new();
        let _ = vars.add_var(&var);
        let _ = vars.add_file("v.yml", &text);
        if let Ok(m) = manifest::read("fuzz.yml", &text, &vars) {
            let c2 = load("c2.json");
            let v = manifest::verdict(&c2, env(&c2, "prod"), &m);
            prop_assert!(!v.checks.is_empty());
        }
    }
}

#[test]
fn a_route_on_the_default_domain_is_not_claimed_ok() {
    let c2 = load("c2.json");
    let staging = env(&c2, "staging");
    let text = manifest::manifest(&c2, staging, "x").replace(
        "  routes:\n  - route: c2-staging.18f.gov\n",
        "  host: c2-staging\n",
    );
    let m = manifest::read("manifest.yml", &text, &Vars::new()).unwrap();
    let v = manifest::verdict(&c2, staging, &m);
    let c = check(&v, "staging/manifest-setting/web/routes");
    assert_eq!(c.status, Status::Warning, "{c:?}");
    assert!(c.message.contains("c2-staging.<default domain>"), "{c:?}");
    assert!(c.message.contains("name the domain"), "{c:?}");
}
