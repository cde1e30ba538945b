//! `archcheck init`: a first model from the team's manifests. The repository's own models
//! round-trip (their generated manifests, fed back, give a model that `check` accepts, that
//! each manifest checks OK against, that resolves to the same CF names, bindings and settings,
//! and that verifies the same way against the simulator); groups, variables, targets and
//! overwriting behave as documented; every error names the file and what to do.

use crate::harness::{archcheck_in, model, root};
use archcheck::model::{Environment, Model};
use archcheck::sim::{Scenario, SimConfig, Simulator};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A finished run: exit code and both streams.
struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Out {
    let out = archcheck_in(dir).args(args).output().unwrap();
    let o = Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!o.stderr.contains("panicked"), "panic: {}", o.stderr);
    o
}

fn committed_models() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 2, "expected the committed models");
    paths
}

/// Writes each environment's generated manifest into `dir` and drafts a model from them
/// with `init`; returns the drafted model's path and the manifests, by environment.
fn round_trip(original: &Model, dir: &Path) -> (PathBuf, Vec<(String, PathBuf)>) {
    let mut args: Vec<String> = vec!["init".into()];
    let mut manifests = Vec::new();
    for env in &original.environments {
        let file = dir.join(format!("{}.yml", env.name));
        let out = run_in(
            dir,
            &[
                "manifest",
                &original.file,
                "--env",
                &env.name,
                "-o",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        args.extend([
            "--manifest".into(),
            file.display().to_string(),
            "--env".into(),
            env.name.clone(),
            "--target".into(),
            format!("{}/{}", env.org, env.space),
        ]);
        manifests.push((env.name.clone(), file));
    }
    let drafted = dir.join("drafted.json");
    args.extend(["-o".into(), drafted.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_in(dir, &args);
    assert_eq!(out.code, Some(0), "{:?}: {}", args, out.stderr);
    assert!(out.stdout.is_empty(), "with -o, nothing on stdout");
    (drafted, manifests)
}

/// What an environment expects, by CF names: apps with their settings, instances, bindings.
fn expectations(env: &Environment) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for a in &env.apps {
        out.insert(format!(
            "app {} instances={} memory={:?} disk={:?} routes={:?} health={:?} {:?} command={:?} buildpacks={:?} stack={:?}",
            a.name,
            a.instances,
            a.memory_mb,
            a.disk_quota_mb,
            a.routes,
            a.health_check,
            a.health_check_endpoint,
            a.command,
            a.buildpacks,
            a.stack
        ));
    }
    for s in &env.services {
        out.insert(format!("service {}", s.name));
    }
    for (a, _, s) in env.bindings() {
        out.insert(format!("binding {} -> {}", a.name, s.name));
    }
    out
}

/// Each committed model's generated manifests, fed back into `init`: the draft is a valid
/// model whose only warnings are its review marks, each manifest checks OK against it, and
/// it expects exactly what the original expects in every environment (CF names, bindings,
/// instances, sizes, routes, health checks, commands, buildpacks), with names as templates
/// and per-environment differences as overrides.
#[test]
fn init_round_trips_every_committed_model() {
    for path in committed_models() {
        let original = archcheck::model::load(&path).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (drafted, manifests) = round_trip(&original, dir.path());

        let check = run_in(dir.path(), &["check", drafted.to_str().unwrap()]);
        assert_eq!(check.code, Some(1), "{}{}", check.stdout, check.stderr);
        assert!(
            check.stdout.contains("valid model of system")
                && check.stdout.contains("values not reviewed yet (WARNING)"),
            "{}",
            check.stdout
        );
        let warnings = check.stdout.matches(": warning\n").count();
        let marks = check.stdout.matches("not reviewed yet:").count()
            + check.stdout.matches("is not known yet:").count();
        assert_eq!(warnings, marks, "only review marks warn:\n{}", check.stdout);

        for (env, file) in &manifests {
            let out = run_in(
                dir.path(),
                &[
                    "manifest",
                    drafted.to_str().unwrap(),
                    "--env",
                    env,
                    "--check",
                    file.to_str().unwrap(),
                ],
            );
            assert_eq!(
                out.code,
                Some(0),
                "{}: manifest --check of {env}: {}{}",
                path.display(),
                out.stdout,
                out.stderr
            );
        }

        let text = std::fs::read_to_string(&drafted).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["$schema"], "model-v1.schema.json");
        let draft = archcheck::model::load(&drafted).unwrap();
        assert_eq!(draft.system, original.system);
        for env in &original.environments {
            let d = draft.environment(&env.name).unwrap();
            assert_eq!((&d.org, &d.space), (&env.org, &env.space));
            assert_eq!(
                expectations(d),
                expectations(env),
                "{}: environment {}",
                path.display(),
                env.name
            );
        }
        // Names follow one pattern: templates, not one literal name per environment.
        for app in json["apps"].as_object().unwrap().values() {
            assert!(
                app["name"].as_str().unwrap().contains("{env}"),
                "{}: {app}",
                path.display()
            );
        }
    }
}

/// The C2 draft in detail: templates, overrides where prod differs, ids from the names,
/// kinds guessed and marked, user-provided instances guessed from `ups`, managed ones with
/// their offering marked unknown.
#[test]
fn the_c2_draft_has_templates_overrides_and_marked_guesses() {
    let original = archcheck::model::load(&model("c2.json")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (drafted, _) = round_trip(&original, dir.path());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&drafted).unwrap()).unwrap();
    let web = &json["apps"]["c2"];
    assert_eq!(web["name"], "c2-{env}");
    assert_eq!(web["routes"], serde_json::json!(["c2-{env}.18f.gov"]));
    assert_eq!(
        web["overrides"],
        serde_json::json!({ "prod": { "instances": 2, "routes": ["cap.18f.gov", "c2.18f.gov"] } })
    );
    assert_eq!(json["apps"]["worker"]["name"], "c2-{env}-worker");
    assert_eq!(json["apps"]["worker"]["health_check"], "process");
    let db = &json["services"]["db"];
    assert_eq!(db["kind"], "database");
    assert!(db.get("offering").is_none() && db.get("user_provided").is_none());
    assert_eq!(
        db["guessed"]["offering"],
        "a manifest names the instance only, not its offering and plan"
    );
    assert_eq!(
        db["guessed"]["kind"],
        "from the instance name `c2-{env}-db` (`db`)"
    );
    let s3 = &json["services"]["s3"];
    assert_eq!(
        (&s3["user_provided"], &s3["kind"]),
        (&true.into(), &"storage".into())
    );
    assert!(
        s3["guessed"]["user_provided"]
            .as_str()
            .unwrap()
            .contains("says `ups`")
    );
}

/// The CF names of every check of a `verify --api` run against `sim`, with their statuses
/// (ids differ between the models: the draft's come from names).
fn verify_against(sim: &str, model: &Path, dir: &Path) -> (Option<i32>, BTreeSet<String>) {
    let out = archcheck_in(dir)
        .args(["verify", model.to_str().unwrap(), "--api", sim])
        .args(["--format", "json"])
        .env("CF_CLIENT_ID", "drill")
        .env("CF_CLIENT_SECRET", "drill")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let checks = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {}",
                c["environment"].as_str().unwrap(),
                c["kind"].as_str().unwrap(),
                c["subject"].as_str().unwrap(),
                c["status"].as_str().unwrap()
            )
        })
        .collect();
    (out.status.code(), checks)
}

/// Verified against the simulator of the original model (healthy, and for C2 the incident),
/// the draft gives the same checks with the same statuses as the original: the same apps,
/// instances and bindings seen or lost. The one difference is what a manifest cannot tell:
/// an instance guessed managed that is user-provided (notify's sentry) is a WARNING of its
/// plan check, never an OK.
#[test]
fn the_draft_verifies_the_same_way_against_the_simulator() {
    for path in committed_models() {
        let original = archcheck::model::load(&path).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (drafted, _) = round_trip(&original, dir.path());
        let mut scenarios = vec![Scenario::Healthy];
        if original.system == "c2" {
            scenarios.push(Scenario::C2Incident);
        }
        for scenario in scenarios {
            let sim = Simulator::start(
                &original,
                SimConfig {
                    scenario,
                    ..SimConfig::default()
                },
            )
            .unwrap();
            let url = sim.url().trim_end_matches('/').to_owned();
            let (code_o, want) = verify_against(&url, &path, dir.path());
            let (code_d, got) = verify_against(&url, &drafted, dir.path());
            assert!(want.len() > 40, "{want:#?}");
            if scenario == Scenario::C2Incident {
                assert_eq!(code_o, Some(2), "the incident is CRITICAL");
                assert!(got.contains(
                    "staging binding_exists c2-staging-worker -> c2-staging-redis CRITICAL"
                ));
            }
            let only_want: Vec<_> = want.difference(&got).collect();
            let only_got: Vec<_> = got.difference(&want).collect();
            if original.system == "notify" {
                // sentry is user-provided; its name does not say so.
                for env in ["dev", "prod"] {
                    let name = format!("notify-sentry-{env}");
                    assert!(
                        only_got.contains(&&format!("{env} service_plan {name} WARNING")),
                        "{only_got:#?}"
                    );
                    assert!(
                        only_want.contains(&&format!("{env} service_plan {name} OK")),
                        "{only_want:#?}"
                    );
                }
                assert_eq!((only_want.len(), only_got.len()), (2, 2), "{only_got:#?}");
                assert_eq!((code_o, code_d), (Some(0), Some(1)));
            } else {
                assert!(
                    only_want.is_empty() && only_got.is_empty(),
                    "{}: {scenario:?}: only the original: {only_want:#?}\nonly the draft: {only_got:#?}",
                    path.display()
                );
                assert_eq!(code_o, code_d, "{scenario:?}");
            }
        }
    }
}

const MANIFEST_WITH_VARS: &str = "\
applications:
- name: shop-((env))
  instances: ((instances))
  memory: 256M
  command: ./run --key ((api_key))
  routes:
  - route: shop-((env)).example.gov
  services:
  - shop-((env))-db
  - shop-((env))-ups-creds
- name: shop-((env))-worker
  no-route: true
  health-check-type: process
  services:
  - shop-((env))-db
";

const SECRET: &str = "zebra-api-key-5511";

/// One manifest pushed to two environments with per-environment vars files, the order-
/// sensitive groups: variables interpolate, names become templates, the instance count that
/// differs becomes an override, a command from a variable (maybe a secret) is left out with
/// a note, and the secret reaches no output.
#[test]
fn one_manifest_two_environments_with_vars_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("manifest.yml"), MANIFEST_WITH_VARS).unwrap();
    std::fs::write(
        d.join("staging.yml"),
        format!("env: staging\ninstances: 1\napi_key: {SECRET}\n"),
    )
    .unwrap();
    std::fs::write(
        d.join("prod.yml"),
        format!("env: prod\ninstances: 3\napi_key: {SECRET}\n"),
    )
    .unwrap();
    let out = run_in(
        d,
        &[
            "init",
            "--manifest",
            "manifest.yml",
            "--env",
            "staging",
            "--vars-file",
            "staging.yml",
            "--target",
            "shop/staging",
            "--manifest",
            "manifest.yml",
            "--vars-file",
            "prod.yml",
            "--env",
            "prod",
            "--org",
            "shop",
            "--space",
            "prod",
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        !out.stdout.contains(SECRET) && !out.stderr.contains(SECRET),
        "the secret leaked:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(
        out.stderr.contains(
            "manifest.yml:2: the command of shop-staging comes from a manifest variable, whose value may be a secret: left out of the model"
        ),
        "{}",
        out.stderr
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["system"], "shop");
    let web = &json["apps"]["shop"];
    assert_eq!(web["name"], "shop-{env}");
    assert!(web.get("command").is_none(), "{web}");
    assert!(web.get("instances").is_none(), "{web}");
    assert_eq!(web["overrides"]["prod"]["instances"], 3);
    assert_eq!(web["routes"], serde_json::json!(["shop-{env}.example.gov"]));
    assert_eq!(json["apps"]["worker"]["no_route"], true);
    assert_eq!(json["services"]["creds"]["user_provided"], true);
    assert_eq!(json["services"]["db"]["kind"], "database");
    assert_eq!(json["environments"]["prod"]["org"], "shop");
    // Both manifests check OK against the draft, as init says.
    assert!(
        out.stderr
            .contains("manifest.yml checked against the draft's environment prod (as `archcheck manifest --check` checks it): OK"),
        "{}",
        out.stderr
    );
    std::fs::write(d.join("shop.json"), &out.stdout).unwrap();
    for (env, vars) in [("staging", "staging.yml"), ("prod", "prod.yml")] {
        let out = run_in(
            d,
            &[
                "manifest",
                "shop.json",
                "--env",
                env,
                "--check",
                "manifest.yml",
                "--vars-file",
                vars,
            ],
        );
        assert_eq!(out.code, Some(0), "{env}: {}", out.stdout);
    }
}

/// Without --org/--space or --target, the one environment left takes the cf CLI's target
/// (config.json's OrganizationFields and SpaceFields), marked as a guess; two cannot.
#[test]
fn the_cf_cli_target_is_one_environment_s_marked_guess() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("manifest.yml"), MANIFEST_WITH_VARS).unwrap();
    std::fs::write(d.join("v.yml"), "env: dev\ninstances: 1\napi_key: k\n").unwrap();
    let args = [
        "init",
        "--manifest",
        "manifest.yml",
        "--env",
        "dev",
        "--vars-file",
        "v.yml",
    ];
    let out = run_in(d, &args);
    assert_eq!(out.code, Some(3));
    assert!(
        out.stderr
            .contains("environment `dev` has no --org/--space, and the cf CLI has no config")
            && out.stderr.contains("--target ORG/SPACE"),
        "{}",
        out.stderr
    );

    std::fs::create_dir_all(d.join(".cf")).unwrap();
    std::fs::write(
        d.join(".cf/config.json"),
        r#"{"ConfigVersion":3,"Target":"https://api.example.gov","AccessToken":"bearer tok-123456",
            "OrganizationFields":{"GUID":"o-1","Name":"shop-org"},"SpaceFields":{"GUID":"s-1","Name":"dev"}}"#,
    )
    .unwrap();
    let out = run_in(d, &args);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let dev = &json["environments"]["dev"];
    assert_eq!(
        (&dev["org"], &dev["space"]),
        (&"shop-org".into(), &"dev".into())
    );
    assert!(
        dev["guessed"]["org"]
            .as_str()
            .unwrap()
            .starts_with("the cf CLI's target (org shop-org / space dev in "),
        "{dev}"
    );
    assert!(!out.stdout.contains("tok-123456"));

    let mut two = args.to_vec();
    two.extend([
        "--manifest",
        "manifest.yml",
        "--env",
        "prod",
        "--vars-file",
        "v.yml",
    ]);
    let out = run_in(d, &two);
    assert_eq!(out.code, Some(3));
    assert!(
        out.stderr.contains(
            "environments `dev`, `prod` have no --org/--space or --target; the cf CLI's target can be only one environment's"
        ),
        "{}",
        out.stderr
    );
}

/// `-o FILE` never replaces an existing file without --force.
#[test]
fn an_existing_output_file_is_kept_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("manifest.yml"), MANIFEST_WITH_VARS).unwrap();
    std::fs::write(d.join("v.yml"), "env: dev\ninstances: 1\napi_key: k\n").unwrap();
    std::fs::write(d.join("model.json"), "mine").unwrap();
    let args = [
        "init",
        "--manifest",
        "manifest.yml",
        "--env",
        "dev",
        "--vars-file",
        "v.yml",
        "--target",
        "o/dev",
        "-o",
        "model.json",
    ];
    let out = run_in(d, &args);
    assert_eq!(out.code, Some(3));
    assert!(
        out.stderr
            .contains("model.json exists: archcheck init never overwrites a file; give another -o FILE, or --force to replace it"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(d.join("model.json")).unwrap(),
        "mine"
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    let out = run_in(d, &forced);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let written = archcheck::model::load(&d.join("model.json")).unwrap();
    assert_eq!(written.system, "shop");
    assert!(!written.warnings.is_empty());
}

/// Groups are order-sensitive, and a misplaced option is a usage error (exit 3) saying
/// where it belongs.
#[test]
fn misplaced_group_options_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (
            &["init", "--env", "dev", "--manifest", "m.yml"][..],
            "`--env dev` comes before any --manifest: each --env belongs to the --manifest before it",
        ),
        (
            &[
                "init",
                "--manifest",
                "m.yml",
                "--env",
                "dev",
                "--manifest",
                "n.yml",
                "--target",
                "o/s",
            ],
            "--manifest n.yml has no --env after it",
        ),
        (
            &[
                "init",
                "--manifest",
                "m.yml",
                "--env",
                "dev",
                "--env",
                "prod",
            ],
            "--manifest m.yml is given two environments (`dev` and `prod`): for a second environment, repeat the --manifest",
        ),
        (
            &[
                "init",
                "--manifest",
                "m.yml",
                "--env",
                "dev",
                "--target",
                "nospace",
            ],
            "--target `nospace` is not ORG/SPACE",
        ),
        (
            &[
                "init",
                "--manifest",
                "m.yml",
                "--env",
                "dev",
                "--org",
                "a",
                "--org",
                "b",
            ],
            "--manifest m.yml is given an organization twice (`a` and `b`)",
        ),
    ] {
        let out = run_in(dir.path(), args);
        assert_eq!(out.code, Some(3), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
    }
}

/// Every input error names the file (and line) and what would be valid.
#[test]
fn input_errors_name_the_file_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |name: &str, text: &str| std::fs::write(d.join(name), text).unwrap();
    write(
        "default-route.yml",
        "applications:\n- name: web\n  services: [web-db]\n",
    );
    write(
        "random.yml",
        "applications:\n- name: web\n  random-route: true\n",
    );
    write(
        "twice.yml",
        "applications:\n- name: web\n  no-route: true\n",
    );
    write(
        "vars.yml",
        "applications:\n- name: web-((nope))\n  no-route: true\n",
    );
    let base = |file: &str| -> Vec<String> {
        [
            "init",
            "--manifest",
            file,
            "--env",
            "dev",
            "--target",
            "o/dev",
        ]
        .map(String::from)
        .to_vec()
    };
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (
            base("missing.yml"),
            vec!["cannot read manifest missing.yml"],
        ),
        (
            base("default-route.yml"),
            vec![
                "default-route.yml:2: app `web` maps web.<default domain> on the org's default domain",
                "give --default-domain DOMAIN in the group of --manifest default-route.yml",
            ],
        ),
        (
            base("random.yml"),
            vec!["random.yml:2: app `web` has `random-route: true`"],
        ),
        (
            {
                let mut a = base("twice.yml");
                a.extend(["--manifest", "twice.yml", "--env", "dev"].map(String::from));
                a
            },
            vec!["twice.yml:2: app `web` is also at twice.yml:2 for environment `dev`"],
        ),
        (
            base("vars.yml"),
            vec!["vars.yml:2:9", "((nope))", "--var nope=VALUE"],
        ),
        (
            {
                let mut a = base("twice.yml");
                a[4] = "dev env".into();
                a
            },
            vec!["--env `dev env` (for --manifest twice.yml) is not a valid environment name"],
        ),
        (
            {
                let mut a = base("twice.yml");
                a.extend(["--system", "my system"].map(String::from));
                a
            },
            vec!["--system `my system` is not a valid system name"],
        ),
    ];
    for (args, needles) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_in(d, &args);
        assert_eq!(out.code, Some(3), "{args:?}: {}", out.stderr);
        for n in needles {
            assert!(
                out.stderr.contains(n),
                "{args:?}: missing {n:?} in {}",
                out.stderr
            );
        }
    }
    // With the default domain, the default route is modelled.
    let out = run_in(
        d,
        &[
            "init",
            "--manifest",
            "default-route.yml",
            "--env",
            "dev",
            "--target",
            "o/dev",
            "--default-domain",
            "app.example.gov",
            "--system",
            "web",
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json["apps"]["web"]["routes"],
        serde_json::json!(["web.app.example.gov"])
    );
}

/// `--from-api` against the simulator of each committed model: the draft takes each
/// instance's offering and plan (per-environment plans as overrides) or its being
/// user-provided from the live spaces, each marked `observed`; it then expects exactly what
/// the original expects, verifies exactly as the original does (notify's sentry included),
/// and every report of `verify` says the model has unreviewed observed values, as `check`
/// warns about each.
#[test]
fn from_api_takes_offerings_and_plans_marked_observed() {
    for path in committed_models() {
        let original = archcheck::model::load(&path).unwrap();
        let sim = Simulator::start(&original, SimConfig::default()).unwrap();
        let url = sim.url().trim_end_matches('/').to_owned();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut args: Vec<String> = vec!["init".into(), "--from-api".into(), url.clone()];
        for env in &original.environments {
            let file = d.join(format!("{}.yml", env.name));
            let out = run_in(
                d,
                &[
                    "manifest",
                    &original.file,
                    "--env",
                    &env.name,
                    "-o",
                    file.to_str().unwrap(),
                ],
            );
            assert_eq!(out.code, Some(0), "{}", out.stderr);
            args.extend(
                [
                    "--manifest",
                    file.to_str().unwrap(),
                    "--env",
                    &env.name,
                    "--target",
                    &format!("{}/{}", env.org, env.space),
                ]
                .map(String::from),
            );
        }
        args.extend(["-o".into(), "drafted.json".into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = archcheck_in(d)
            .args(&args)
            .env("CF_CLIENT_ID", "drill")
            .env("CF_CLIENT_SECRET", "drill")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let drafted = d.join("drafted.json");
        let draft = archcheck::model::load(&drafted).unwrap();
        for env in &original.environments {
            let de = draft.environment(&env.name).unwrap();
            assert_eq!(expectations(de), expectations(env), "{}", env.name);
            for s in &env.services {
                let ds = de.service_by_name(&s.name).unwrap();
                assert_eq!(
                    (&ds.offering, &ds.plan, ds.user_provided),
                    (&s.offering, &s.plan, s.user_provided),
                    "{} {}",
                    env.name,
                    s.name
                );
            }
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&drafted).unwrap()).unwrap();
        for (id, s) in json["services"].as_object().unwrap() {
            let observed = s["observed"].as_object().unwrap();
            let field = if s["user_provided"] == true {
                "user_provided"
            } else {
                "plan"
            };
            assert!(
                observed[field]
                    .as_str()
                    .unwrap()
                    .starts_with("read from the live space ("),
                "{id}: {s}"
            );
            assert!(s["guessed"].get("offering").is_none(), "{id}: {s}");
        }

        // The same verdict as the original's, against the same simulator.
        let (code_o, want) = verify_against(&url, &path, d);
        let (code_d, got) = verify_against(&url, &drafted, d);
        assert_eq!(want, got, "{}", path.display());
        assert_eq!(code_o, code_d);

        // Every report says the model has unreviewed observed values.
        let text = archcheck_in(d)
            .args(["verify", "drafted.json", "--api", &url])
            .env("CF_CLIENT_ID", "drill")
            .env("CF_CLIENT_SECRET", "drill")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.lines().nth(1).unwrap().starts_with("note: the model contains ")
                && text.contains("read from the live state and not reviewed yet (services.db.offering, services.db.plan"),
            "{text}"
        );
        let out = archcheck_in(d)
            .args(["verify", "drafted.json", "--api", &url, "--format", "json"])
            .env("CF_CLIENT_ID", "drill")
            .env("CF_CLIENT_SECRET", "drill")
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            report["unreviewed_observed"]
                .as_array()
                .unwrap()
                .contains(&"services.db.plan".into()),
            "{report}"
        );
        let check = run_in(d, &["check", "drafted.json"]);
        assert_eq!(check.code, Some(1));
        assert!(
            check.stdout.contains(
                "services.db.observed.plan: `plan` was read from the live state, not reviewed yet"
            ),
            "{}",
            check.stdout
        );
        // The original model's reports say nothing of the kind.
        let (_, plain) = crate::harness::verify_json(
            &["models/c2.json", "--env", "staging", "--cf-services", "-"],
            Some(b""),
        );
        assert!(plain.get("unreviewed_observed").is_none());
    }
}

/// `--from-api` fills what a manifest leaves to the platform: the route of an app on the
/// default domain (marked `observed`); apps and instances only the live space has are named
/// in a note, never added; a space that cannot be read is an error (exit 3), not a draft
/// that silently lacks it.
#[test]
fn from_api_resolves_default_routes_and_names_what_only_the_live_space_has() {
    let c2 = archcheck::model::load(&model("c2.json")).unwrap();
    let sim = Simulator::start(&c2, SimConfig::default()).unwrap();
    let url = sim.url().trim_end_matches('/').to_owned();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("manifest.yml"),
        "applications:\n- name: c2-staging\n  services: [c2-staging-db]\n",
    )
    .unwrap();
    let run = |api: &str| {
        let out = archcheck_in(d)
            .args(["init", "--from-api", api, "--timeout", "3s"])
            .args(["--manifest", "manifest.yml"])
            .args(["--env", "staging", "--target", "cap/staging"])
            .env("CF_CLIENT_ID", "drill")
            .env("CF_CLIENT_SECRET", "drill")
            .output()
            .unwrap();
        Out {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let out = run(&url);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // One environment: no templates; the id is what the name has beside the system's.
    let web = &json["apps"]["staging"];
    assert_eq!(web["name"], "c2-staging");
    assert_eq!(web["routes"], serde_json::json!(["c2-staging.18f.gov"]));
    assert!(
        web["observed"]["routes"].as_str().unwrap().starts_with(
            "not in the manifests, read from the live space: c2-staging.18f.gov (Cloud Controller "
        ),
        "{web}"
    );
    for needle in [
        "has app c2-staging-worker, which no manifest of staging deploys: not in the model",
        "has service instance c2-staging-redis, which no manifest of staging binds: not in the model",
    ] {
        assert!(
            out.stderr.contains(needle),
            "missing {needle:?}: {}",
            out.stderr
        );
    }
    // The manifest leaves the domain open, so its check against the draft says so.
    assert!(
        out.stderr.contains("manifest.yml checked against the draft's environment staging (as `archcheck manifest --check` checks it): WARNING"),
        "{}",
        out.stderr
    );

    let out = run("http://127.0.0.1:1");
    assert_eq!(out.code, Some(3), "{}", out.stdout);
    assert!(
        out.stderr.contains("--from-api: cannot read the service instances of environment staging (org cap / space staging)")
            && out.stderr.contains("without --from-api, init drafts from the manifests alone"),
        "{}",
        out.stderr
    );
}
