//! Several foundations in one run: environments whose `api` differs, each API with its own
//! credentials from `--credentials FILE`, against two simulators on two ports that grant
//! tokens only for their own client (issue 12 item 3).

use crate::harness;
use archcheck::sim::{SimConfig, SimHandle, Simulator};

const GOV_SECRET: &str = "gov-client-secret-1111";
const BTP_SECRET: &str = "btp-client-secret-2222";

fn sim(client: &str, secret: &str) -> SimHandle {
    let c2 = archcheck::model::load(&harness::model("c2.json")).unwrap();
    Simulator::start(
        &c2,
        SimConfig {
            require_token: Some((client.into(), secret.into())),
            ..SimConfig::default()
        },
    )
    .expect("the simulator starts")
}

/// c2 with staging on one foundation and prod on another.
fn model_on(dir: &std::path::Path, gov: &str, btp: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(harness::model("c2.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["environments"]["staging"]["api"] = gov.into();
    v["environments"]["prod"]["api"] = btp.into();
    let path = dir.join("c2.json");
    std::fs::write(&path, v.to_string()).unwrap();
    path
}

#[test]
fn each_foundation_gets_the_credentials_the_file_names_for_it() {
    let gov = sim("gov-monitor", GOV_SECRET);
    let btp = sim("btp-monitor", BTP_SECRET);
    let (gov_url, btp_url) = (
        gov.url().trim_end_matches('/').to_owned(),
        btp.url().trim_end_matches('/').to_owned(),
    );
    let dir = tempfile::tempdir().unwrap();
    let model = model_on(dir.path(), &gov_url, &btp_url);
    let secret_file = dir.path().join("btp-secret");
    std::fs::write(&secret_file, format!("{BTP_SECRET}\n")).unwrap();
    std::fs::write(
        dir.path().join("credentials.json"),
        serde_json::json!({"apis": {
            gov_url.clone(): {"client_id_env": "GOV_ID", "client_secret_env": "GOV_SECRET"},
            format!("{btp_url}/"): {"client_id_env": "BTP_ID", "client_secret_file": secret_file},
        }})
        .to_string(),
    )
    .unwrap();
    let run = |extra: &[&str], envs: &[(&str, &str)]| {
        let mut cmd = harness::archcheck_in(dir.path());
        cmd.args([
            "verify",
            model.to_str().unwrap(),
            "--env",
            "staging",
            "--env",
            "prod",
        ])
        .args(["--api", "--format", "json"])
        .args(extra);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let vars = [
        ("GOV_ID", "gov-monitor"),
        ("GOV_SECRET", GOV_SECRET),
        ("BTP_ID", "btp-monitor"),
    ];
    let (code, stdout, stderr) = run(&["--credentials", "credentials.json"], &vars);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let sources = report["environments"].to_string();
    assert!(
        sources.contains(&gov_url) && sources.contains(&btp_url),
        "{sources}"
    );

    // One process-wide client fits one foundation only: the other is UNKNOWN, never OK.
    let (code, stdout, _) = run(
        &[],
        &[
            ("CF_CLIENT_ID", "gov-monitor"),
            ("CF_CLIENT_SECRET", GOV_SECRET),
        ],
    );
    assert_eq!(code, Some(3), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let status = |env: &str| {
        report["environments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == env)
            .map(|e| e["status"].as_str().unwrap().to_owned())
    };
    assert_eq!(status("staging").as_deref(), Some("OK"));
    assert_eq!(status("prod").as_deref(), Some("UNKNOWN"));

    // A variable the file names but the environment lacks: an error naming it, no value.
    let (code, stdout, stderr) = run(
        &["--credentials", "credentials.json"],
        &[("GOV_ID", "gov-monitor"), ("BTP_ID", "btp-monitor")],
    );
    let stderr = format!("{stdout}{stderr}");
    assert_eq!(code, Some(3));
    assert!(
        stderr.contains("$GOV_SECRET") && stderr.contains("not set"),
        "{stderr}"
    );
    for secret in [GOV_SECRET, BTP_SECRET] {
        assert!(!stderr.contains(secret));
    }

    // An entry with two ways to get a token is refused at once.
    std::fs::write(
        dir.path().join("bad.json"),
        serde_json::json!({"apis": {gov_url.clone(): {"token_env": "T", "cf_home": "/x"}}})
            .to_string(),
    )
    .unwrap();
    let (code, stdout, stderr) = run(&["--credentials", "bad.json"], &vars);
    let stderr = format!("{stdout}{stderr}");
    assert_eq!(code, Some(3));
    assert!(
        stderr.contains("2 ways to get a token") && stderr.contains("bad.json"),
        "{stderr}"
    );
}
