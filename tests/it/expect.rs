//! Integration tests: expect. The expected `cf services` / `cf apps` text of every model,
//! environment and CLI version parses back into an observation equal to the model; snapshots
//! of C2 staging; the `archcheck expect` command.

use crate::harness::{archcheck, model, root};
use archcheck::cli::{CfCommand, CliVersion};
use archcheck::expect::expected_output;
use archcheck::model::{Environment, load, load_str};
use archcheck::observe::cf_text::{Target, parse_apps, parse_services};
use archcheck::observe::{
    AppState, Coverage, LastOperation, ObservedApp, ObservedService, OperationState, ProcessCounts,
};
use proptest::prelude::*;

const VERSIONS: [CliVersion; 3] = [CliVersion::V6, CliVersion::V7, CliVersion::V8];

fn ci_sort(v: &mut [String]) {
    v.sort_by(|a, b| a.to_lowercase().cmp(&b.to_lowercase()).then(a.cmp(b)));
}

/// What the model says a healthy `cf services` shows, in print order (derived here from the
/// model, not from the `expect` module).
fn model_services(env: &Environment, cli: CliVersion) -> Vec<ObservedService> {
    let mut out: Vec<ObservedService> = env
        .services
        .iter()
        .map(|s| {
            let mut bound: Vec<String> = env
                .apps
                .iter()
                .filter(|a| a.bindings.iter().any(|b| b.service == s.id))
                .map(|a| a.name.clone())
                .collect();
            if cli != CliVersion::V8 {
                ci_sort(&mut bound);
            }
            let succeeded = Some(LastOperation {
                kind: "create".into(),
                state: OperationState::Succeeded,
            });
            ObservedService {
                name: s.name.clone(),
                offering: if s.user_provided {
                    None
                } else {
                    s.offering.clone()
                },
                plan: if s.user_provided {
                    None
                } else {
                    s.plan.clone()
                },
                broker: if s.user_provided {
                    None
                } else {
                    Some(s.broker.clone().unwrap_or_else(|| "<broker>".into()))
                },
                user_provided: s.user_provided,
                bound_apps: bound,
                last_operation: if s.user_provided && cli != CliVersion::V8 {
                    None
                } else {
                    succeeded
                },
                ..Default::default()
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.name.cmp(&b.name))
    });
    out
}

fn model_apps(env: &Environment) -> Vec<ObservedApp> {
    let mut out: Vec<ObservedApp> = env
        .apps
        .iter()
        .map(|a| ObservedApp {
            name: a.name.clone(),
            state: Some(AppState::Started),
            processes: Some(vec![ProcessCounts {
                process_type: "web".into(),
                running: Some(a.instances),
                desired: a.instances,
            }]),
            routes: Some(a.routes.clone()),
            ..Default::default()
        })
        .collect();
    out.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.name.cmp(&b.name))
    });
    out
}

/// Parses `expect`'s text back and compares it with the model.
fn round_trip(env: &Environment, cli: CliVersion) -> Result<(), String> {
    let want_target = Some(Target {
        org: env.org.clone(),
        space: env.space.clone(),
        user: Some("<user>".into()),
    });
    let text = expected_output(env, CfCommand::Services, cli);
    let c = parse_services(&text);
    if c.target != want_target {
        return Err(format!("services target {:?}\n{text}", c.target));
    }
    match &c.part {
        Coverage::Seen(s) => {
            if !s.gaps.is_empty() || s.bindings_hidden.is_some() {
                return Err(format!("services gaps {:?}\n{text}", s.gaps));
            }
            let want = model_services(env, cli);
            if s.instances != want {
                return Err(format!(
                    "services differ\nparsed {:#?}\nmodel {:#?}\n{text}",
                    s.instances, want
                ));
            }
        }
        other => return Err(format!("services {other:?}\n{text}")),
    }
    let text = expected_output(env, CfCommand::Apps, cli);
    let c = parse_apps(&text);
    if c.target != want_target {
        return Err(format!("apps target {:?}\n{text}", c.target));
    }
    match &c.part {
        Coverage::Seen(a) => {
            let want = model_apps(env);
            if !a.gaps.is_empty() || a.apps != want {
                return Err(format!(
                    "apps differ, gaps {:?}\nparsed {:#?}\nmodel {:#?}\n{text}",
                    a.gaps, a.apps, want
                ));
            }
        }
        other => return Err(format!("apps {other:?}\n{text}")),
    }
    Ok(())
}

#[test]
fn every_model_environment_and_version_parses_back_to_the_model() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("models")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let m = load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for env in &m.environments {
            for cli in VERSIONS {
                if let Err(why) = round_trip(env, cli) {
                    panic!("{} {} {cli:?}: {why}", path.display(), env.name);
                }
                checked += 1;
            }
        }
    }
    // c2 (3 environments) and notify (2), three versions each.
    assert!(checked >= 15, "only {checked} combinations checked");
}

fn c2_staging() -> Environment {
    let m = load(&model("c2.json")).unwrap();
    m.environment("staging").unwrap().clone()
}

#[test]
fn snapshots_of_c2_staging() {
    let env = c2_staging();
    for cli in VERSIONS {
        for command in [CfCommand::Services, CfCommand::Apps] {
            let name = format!(
                "c2_staging_{}_{}",
                match command {
                    CfCommand::Services => "services",
                    CfCommand::Apps => "apps",
                },
                format!("{cli:?}").to_lowercase()
            );
            // `$` marks each line end, so trailing spaces show in the snapshot.
            let shown: String = expected_output(&env, command, cli)
                .lines()
                .map(|l| format!("{l}$\n"))
                .collect();
            insta::assert_snapshot!(name, shown);
        }
    }
}

#[test]
fn layout_matches_the_reference_examples() {
    // The reference's v8 example, rows restricted to the two it shows.
    let text = expected_output(&c2_staging(), CfCommand::Services, CliVersion::V8);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Getting service instances in org cap / space staging as <user>..."
    );
    assert_eq!(lines[1], "");
    let header = lines[2];
    // Column starts from the header: each column is its widest cell plus 3 spaces.
    for (word, start) in [
        ("offering", 28),
        ("plan", 46),
        ("bound apps", 60),
        ("last operation", 92),
        ("broker", 111),
        ("upgrade available", 122),
    ] {
        assert_eq!(header.find(word), Some(start), "{word} in {header:?}");
    }
    let ups = lines
        .iter()
        .find(|l| l.starts_with("c2-staging-ups-newrelic"))
        .unwrap();
    // Padded through the broker column: trailing spaces kept.
    assert_eq!(ups.len(), 122);
    assert!(ups.ends_with("create succeeded              "));
    let v7 = expected_output(&c2_staging(), CfCommand::Services, CliVersion::V7);
    let ups = v7
        .lines()
        .find(|l| l.starts_with("c2-staging-ups-newrelic"))
        .unwrap();
    assert_eq!(
        ups.trim_end(),
        "c2-staging-ups-newrelic     user-provided                   c2-staging, c2-staging-worker"
    );
    assert_eq!(ups.len(), 122);
}

#[test]
fn empty_environments_print_the_empty_messages() {
    let m = load_str(
        "empty.json",
        r#"{"version":1,"system":"e","environments":{"x":{"org":"o","space":"s"}},
            "apps":{},"services":{}}"#,
    );
    let m = m.expect("a model with no apps and no services is valid");
    let env = &m.environments[0];
    assert_eq!(
        expected_output(env, CfCommand::Services, CliVersion::V8),
        "Getting service instances in org o / space s as <user>...\n\nNo service instances found.\n"
    );
    assert_eq!(
        expected_output(env, CfCommand::Services, CliVersion::V6),
        "Getting services in org o / space s as <user>...\n\nNo services found\n"
    );
    assert_eq!(
        expected_output(env, CfCommand::Apps, CliVersion::V6),
        "Getting apps in org o / space s as <user>...\nOK\n\nNo apps found\n"
    );
    for cli in VERSIONS {
        round_trip(env, cli).unwrap();
    }
}

// --- generated models ------------------------------------------------------------------------

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_-]{0,20}",
        "[A-Za-z]{1,6} [a-z0-9]{1,6}",
        "[a-z]{1,4}[通知設定キュー]{1,4}",
        "[a-z]{1,3}[éü]{1,2}",
    ]
}

#[derive(Debug, Clone)]
struct Generated {
    apps: Vec<(String, u32, usize, Vec<usize>)>,
    services: Vec<(String, bool, String)>,
}

fn generated() -> impl Strategy<Value = Generated> {
    let services = prop::collection::vec((name_strategy(), any::<bool>(), "[a-z]{1,12}"), 0..6);
    let apps = prop::collection::vec(
        (
            name_strategy(),
            0u32..4,
            0usize..3,
            prop::collection::vec(0usize..6, 0..6),
        ),
        0..5,
    );
    (apps, services).prop_map(|(apps, services)| Generated { apps, services })
}

fn model_json(g: &Generated) -> String {
    let services: serde_json::Map<String, serde_json::Value> = g
        .services
        .iter()
        .enumerate()
        .map(|(i, (name, ups, plan))| {
            let v = if *ups {
                serde_json::json!({ "name": format!("{name}-s{i}"), "user_provided": true, "kind": "config" })
            } else {
                serde_json::json!({ "name": format!("{name}-s{i}"), "offering": format!("off-{plan}"), "plan": plan, "kind": "database" })
            };
            (format!("s{i}"), v)
        })
        .collect();
    let apps: serde_json::Map<String, serde_json::Value> = g
        .apps
        .iter()
        .enumerate()
        .map(|(i, (name, instances, routes, binds))| {
            let mut binds: Vec<String> = binds
                .iter()
                .filter(|b| **b < g.services.len())
                .map(|b| format!("s{b}"))
                .collect();
            binds.dedup();
            binds.sort();
            binds.dedup();
            let routes: Vec<String> = (0..*routes).map(|r| format!("a{i}-r{r}.example.com")).collect();
            (
                format!("a{i}"),
                serde_json::json!({ "name": format!("{name}-a{i}"), "instances": instances, "routes": routes, "services": binds }),
            )
        })
        .collect();
    serde_json::json!({
        "version": 1, "system": "gen",
        "environments": { "e": { "org": "my org", "space": "spa ce" } },
        "apps": apps, "services": services,
    })
    .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any model the loader accepts, with spaces and wide characters in names, round-trips.
    #[test]
    fn generated_models_parse_back(g in generated()) {
        let json = model_json(&g);
        if let Ok(m) = load_str("gen.json", &json) {
            for env in &m.environments {
                for cli in VERSIONS {
                    if let Err(why) = round_trip(env, cli) {
                        prop_assert!(false, "{cli:?}: {why}\nmodel {json}");
                    }
                }
            }
        }
    }
}

// --- the command -----------------------------------------------------------------------------

#[test]
fn expect_command_prints_the_library_text() {
    let out = archcheck()
        .args([
            "expect",
            "models/c2.json",
            "--env",
            "staging",
            "--command",
            "apps",
            "--cli",
            "v6",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        expected_output(&c2_staging(), CfCommand::Apps, CliVersion::V6)
    );
    // Defaults: services, v8.
    let out = archcheck()
        .args(["expect", "models/c2.json", "--env", "staging"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(
        String::from_utf8(out)
            .unwrap()
            .starts_with("Getting service instances in org cap / space staging")
    );
}

#[test]
fn expect_command_unknown_environment_lists_them_and_exits_3() {
    archcheck()
        .args(["expect", "models/c2.json", "--env", "stagign"])
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicates::str::contains(
            "models/c2.json: no environment `stagign` (did you mean `staging`?); the model defines: dev (org cap / space dev), staging (org cap / space staging), prod (org cap / space prod)",
        ));
    archcheck()
        .args(["expect", "models/nope.json", "--env", "staging"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("nope.json"));
}

/// The reference's own examples (tests/fixtures/reference/cf-cli-output.md), byte for byte, from a
/// model with the same two instances and two apps.
#[test]
fn reproduces_the_reference_examples_byte_for_byte() {
    let m = load_str(
        "reference.json",
        r#"{"version":1,"system":"c2","environments":{"staging":{"org":"cap","space":"staging"}},
            "apps":{
              "web":{"name":"c2-{env}","routes":["c2-{env}.app.cloud.gov"],"services":["db","newrelic"]},
              "worker":{"name":"c2-{env}-worker","no_route":true,"services":["db"]}},
            "services":{
              "db":{"name":"c2-{env}-db","offering":"aws-rds","plan":"medium-psql","broker":"aws-broker","kind":"database"},
              "newrelic":{"name":"c2-{env}-ups-newrelic","user_provided":true,"kind":"monitoring"}}}"#,
    )
    .expect("the reference model loads");
    let env = &m.environments[0];
    let user = |t: String| t.replace("<user>", "deployer@example.gov");
    assert_eq!(
        user(expected_output(env, CfCommand::Services, CliVersion::V8)),
        "Getting service instances in org cap / space staging as deployer@example.gov...\n\nname                      offering        plan          bound apps                      last operation     broker       upgrade available\nc2-staging-db             aws-rds         medium-psql   c2-staging, c2-staging-worker   create succeeded   aws-broker   no\nc2-staging-ups-newrelic   user-provided                 c2-staging                      create succeeded                \n"
    );
    for cli in [CliVersion::V6, CliVersion::V7] {
        assert_eq!(
            user(expected_output(env, CfCommand::Services, cli)),
            "Getting services in org cap / space staging as deployer@example.gov...\n\nname                      service         plan          bound apps                      last operation     broker       upgrade available\nc2-staging-db             aws-rds         medium-psql   c2-staging, c2-staging-worker   create succeeded   aws-broker   no\nc2-staging-ups-newrelic   user-provided                 c2-staging                                                      \n"
        );
    }
    // The reference's apps example shows a worker that is down (`web:0/1`); healthy is 1/1.
    assert_eq!(
        user(expected_output(env, CfCommand::Apps, CliVersion::V8)),
        "Getting apps in org cap / space staging as deployer@example.gov...\n\nname                requested state   processes   routes\nc2-staging          started           web:1/1     c2-staging.app.cloud.gov\nc2-staging-worker   started           web:1/1     \n"
    );
}
