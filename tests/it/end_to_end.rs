//! Whole paths through the binary: what `expect` prints verifies OK; credentials in `cf env`
//! captures reach no output of any format; completions.

use crate::harness::{archcheck, fixture, root};
use archcheck::cli::{CfCommand, CliVersion};
use archcheck::expect::expected_output;
use archcheck::observe::Observation;
use archcheck::observe::cf_text::{parse_apps, parse_services};
use archcheck::verify::{Status, verify};

fn models() -> Vec<archcheck::model::Model> {
    let mut paths: Vec<_> = std::fs::read_dir(root().join("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| archcheck::model::load(p).unwrap())
        .collect()
}

/// For every model, environment and cf CLI version: the healthy output that `expect` prints,
/// parsed back, verifies OK with every check run. (The round trip the captured-output issue asks
/// for: if expect, the parsers and the engine disagreed anywhere, this fails.)
#[test]
fn what_expect_prints_verifies_ok_for_every_model_environment_and_cli_version() {
    for model in models() {
        for env in &model.environments {
            for cli in [CliVersion::V6, CliVersion::V7, CliVersion::V8] {
                let services = parse_services(&expected_output(env, CfCommand::Services, cli));
                let apps = parse_apps(&expected_output(env, CfCommand::Apps, cli));
                let mut o = Observation::new(&env.name);
                o.sources = vec![format!("expect {cli:?}")];
                o.services = services.part;
                o.apps = apps.part;
                let v = verify(&model, &[o]);
                let bad: Vec<_> = v.checks.iter().filter(|c| c.status != Status::Ok).collect();
                assert!(
                    v.status == Status::Ok && bad.is_empty(),
                    "{} {} {cli:?}: {:?}\n{bad:#?}",
                    model.system,
                    env.name,
                    v.status
                );
            }
        }
    }
}

/// The same through the binary, as a user pipes it, with the placeholders a live space fills
/// (`<user>`, `<broker>`) filled: the layouts `expect` writes are the ones `verify` reads.
/// Unfilled, expected output is refused as evidence (`verify::expected_output_is_never_evidence`).
#[test]
fn expect_piped_into_verify_with_placeholders_filled_exits_0() {
    let filled = |bytes: Vec<u8>| {
        String::from_utf8(bytes)
            .unwrap()
            .replace("<user>", "deployer@example.gov")
            .replace("<broker>", "a-broker") // as wide: the columns stay put
    };
    for cli in ["v6", "v7", "v8"] {
        let services = archcheck()
            .args(["expect", "models/c2.json", "--env", "prod", "--cli", cli])
            .output()
            .unwrap();
        let apps = archcheck()
            .args(["expect", "models/c2.json", "--env", "prod", "--cli", cli])
            .args(["--command", "apps"])
            .output()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("apps.txt"), filled(apps.stdout)).unwrap();
        let out = archcheck()
            .args([
                "verify",
                "models/c2.json",
                "--cf-services",
                "-",
                "--cf-apps",
            ])
            .arg(dir.path().join("apps.txt"))
            .write_stdin(filled(services.stdout))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{cli}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("OK: prod: all "));
    }
}

/// Credentials in `cf env` captures (v6 and v8) never reach stdout, stderr, the report of any
/// format, or the diagram.
#[test]
fn cf_env_credentials_reach_no_output() {
    for case in ["env-v8", "env-v6", "env-v8-incident", "env-v8-truncated"] {
        let capture = fixture(&format!("cf/{case}/env.txt"));
        let text = std::fs::read_to_string(&capture).unwrap();
        let secrets: Vec<&str> = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|w| w.starts_with("SECRET-"))
            .collect();
        assert!(!secrets.is_empty(), "{case}: the fixture plants secrets");
        for format in ["text", "json", "junit"] {
            let dir = tempfile::tempdir().unwrap();
            let diagram = dir.path().join("verdict.dot");
            let out = archcheck()
                .args(["verify", "models/c2.json", "--format", format, "--cf-env"])
                .arg(&capture)
                .arg("--cf-services")
                .arg(fixture("cf/healthy-v8/services.txt"))
                .arg("--diagram")
                .arg(&diagram)
                .env("RUST_LOG", "trace")
                .output()
                .unwrap();
            let mut all = String::from_utf8_lossy(&out.stdout).into_owned();
            all.push_str(&String::from_utf8_lossy(&out.stderr));
            all.push_str(&std::fs::read_to_string(&diagram).unwrap_or_default());
            assert!(all.len() > 100, "{case} {format}: a report was written");
            for s in &secrets {
                assert!(!all.contains(s), "{case} {format}: `{s}` leaked");
            }
        }
    }
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = archcheck().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("archcheck") && text.contains("verify"),
            "{shell}"
        );
    }
    let out = archcheck().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
}
