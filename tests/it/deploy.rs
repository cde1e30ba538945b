//! Running `archcheck watch` where a team runs things: the hardened systemd unit of
//! `deploy/systemd/` (`systemd-analyze verify` and `security`, its credentials read from
//! systemd's credentials directory), and the Cloud Foundry manifest of `deploy/cf/` (read as
//! `cf push` reads it, its command run as Cloud Foundry runs it, credentials from a bound
//! user-provided service in VCAP_SERVICES, health check on /healthz).

use crate::harness::{self, require_tool, run_tool};
use crate::watch::{Killed, free_port, get, wait_for};
use archcheck::manifest::{Vars, read};
use archcheck::model::{HealthCheck, Model};
use archcheck::sim::{SimConfig, SimHandle, Simulator};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SYSTEMD_INSTALL: &str = "apt-get install -y systemd";
const CLIENT_ID: &str = "archcheck-watch";
const CLIENT_SECRET: &str = "deploy-test-client-s3cret";
/// A webhook's secret path, as in a Slack URL.
const HOOK_SECRET: &str = "T0DEPLOY-h00k-s3cret";

fn unit_path() -> PathBuf {
    harness::root().join("deploy/systemd/archcheck-watch.service")
}

fn unit() -> String {
    std::fs::read_to_string(unit_path()).expect("deploy/systemd/archcheck-watch.service")
}

/// The values of a key in the unit's `[Service]` section, in order.
fn service_values(unit: &str, key: &str) -> Vec<String> {
    let mut in_service = false;
    let mut values = Vec::new();
    for line in unit.lines().map(str::trim) {
        if line.starts_with('[') {
            in_service = line == "[Service]";
        } else if in_service
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            values.push(v.trim().to_owned());
        }
    }
    values
}

/// The simulator, granting tokens only to the client the deploy files name.
fn sim() -> SimHandle {
    let model: Model = archcheck::model::load(&harness::model("c2.json")).unwrap();
    Simulator::start(
        &model,
        SimConfig {
            require_token: Some((CLIENT_ID.into(), CLIENT_SECRET.into())),
            ..SimConfig::default()
        },
    )
    .expect("the simulator starts")
}

/// A command with none of the test process's credentials or cf CLI session.
fn clean(program: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (k, _) in std::env::vars() {
        if k.starts_with("CF_")
            || [
                "RUST_LOG",
                "CREDENTIALS_DIRECTORY",
                "VCAP_SERVICES",
                "ARCHCHECK_WEBHOOKS",
                "PORT",
            ]
            .contains(&k.as_str())
        {
            cmd.env_remove(&k);
        }
    }
    cmd.env("HOME", home).env("CF_HOME", home);
    cmd
}

/// Waits for `url`'s /metrics to show every environment of the c2 model with `status`.
fn wait_statuses(url: &str, status: f64, what: &mut dyn FnMut() -> String) -> String {
    wait_for(
        &format!("every environment at {status} on {url}/metrics"),
        || {
            let (code, m) = get(&format!("{url}/metrics"));
            let all = ["dev", "staging", "prod"].iter().all(|env| {
                m.lines().any(|l| {
                l == format!(
                    "archcheck_environment_status{{system=\"c2\",environment=\"{env}\"}} {status}"
                )
            })
            });
            if code == 200 && all {
                Ok(m)
            } else {
                Err(format!("HTTP {code}\n{m}\n--- stderr\n{}", what()))
            }
        },
    )
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify_and_security() {
    let analyze = require_tool("systemd-analyze", SYSTEMD_INSTALL);
    // `verify` checks that ExecStart's program exists: the same unit, with the built binary
    // where the unit installs it.
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("archcheck");
    let text = unit().replace("/usr/local/bin/archcheck", bin.to_str().unwrap());
    assert_ne!(
        text,
        unit(),
        "the unit no longer runs /usr/local/bin/archcheck"
    );
    let file = dir.path().join("archcheck-watch.service");
    std::fs::write(&file, &text).unwrap();
    let (code, out) = run_tool(&analyze, &["verify", file.to_str().unwrap()], dir.path());
    // It exits 0 on an unknown key or a bad value too, only warning: any word about the unit
    // fails.
    assert!(
        code == Some(0) && !out.contains("archcheck-watch.service"),
        "systemd-analyze verify:\n{out}"
    );
    // The exposure level systemd computes (0 safest .. 10): "OK" below 2.
    let (code, out) = run_tool(
        &analyze,
        &[
            "security",
            "--offline=yes",
            "--threshold=20",
            file.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(code, Some(0), "systemd-analyze security:\n{out}");
    let level = out
        .split("Overall exposure level for archcheck-watch.service: ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no exposure level in:\n{out}"));
    // What the README says.
    let readme = std::fs::read_to_string(harness::root().join("README.md")).unwrap();
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        readme.contains(&format!(
            "`systemd-analyze security` rates it {level} (\"OK\")"
        )),
        "README.md should say the unit rates {level}"
    );
}

#[test]
fn the_unit_is_hardened_and_loads_the_credentials_archcheck_reads() {
    let unit = unit();
    for (key, value) in [
        ("DynamicUser", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("NoNewPrivileges", "yes"),
        ("CapabilityBoundingSet", ""),
    ] {
        assert_eq!(
            service_values(&unit, key),
            [value],
            "{key}= should be `{value}`"
        );
    }
    // LoadCredential=ID:PATH, each ID the name archcheck reads from $CREDENTIALS_DIRECTORY:
    // the variable's name in lower case.
    let ids: Vec<String> = service_values(&unit, "LoadCredential")
        .iter()
        .map(|v| v.split_once(':').expect("ID:PATH").0.to_owned())
        .collect();
    assert_eq!(ids, ["cf_client_id", "cf_client_secret"]);
    assert!(
        unit.contains("#LoadCredential=archcheck_webhooks:"),
        "the optional webhook credential is shown"
    );
    // No secret on the command line or in the environment.
    let exec = service_values(&unit, "ExecStart").join(" ");
    assert!(
        !exec.contains("--webhook") && !exec.contains("SECRET"),
        "{exec}"
    );
    for env in service_values(&unit, "Environment") {
        assert!(
            !env.starts_with("CF_"),
            "a credential in Environment=: {env}"
        );
    }
}

/// Runs the unit's ExecStart as systemd would after LoadCredential= (the credentials copied
/// into a directory named by $CREDENTIALS_DIRECTORY), with the model, the API and the
/// listening address of the test.
fn run_exec_start(api: &str, creds: &Path, home: &Path) -> (Killed, String, PathBuf) {
    let exec = service_values(&unit(), "ExecStart");
    let words: Vec<&str> = exec[0].split_whitespace().collect();
    assert_eq!(words[0], "/usr/local/bin/archcheck", "{words:?}");
    let model = harness::model("c2.json");
    let url_file = home.join("url");
    let stderr = home.join("stderr");
    let mut args: Vec<String> = Vec::new();
    let mut i = 1;
    while i < words.len() {
        match words[i] {
            "/etc/archcheck/model.json" => args.push(model.to_str().unwrap().to_owned()),
            "--api" | "--listen" => {
                args.push(words[i].to_owned());
                args.push(
                    if words[i] == "--api" {
                        api
                    } else {
                        "127.0.0.1:0"
                    }
                    .to_owned(),
                );
                i += 1;
            }
            w => args.push(w.to_owned()),
        }
        i += 1;
    }
    args.extend([
        "--url-file".to_owned(),
        url_file.to_str().unwrap().to_owned(),
    ]);
    let mut cmd = clean(&assert_cmd::cargo::cargo_bin("archcheck"), home);
    for env in service_values(&unit(), "Environment") {
        let (k, v) = env.split_once('=').unwrap();
        cmd.env(k, v);
    }
    let child = cmd
        .env("CREDENTIALS_DIRECTORY", creds)
        .args(&args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("archcheck watch starts");
    let child = Killed(child);
    let url = wait_for("the --url-file", || {
        match std::fs::read_to_string(&url_file) {
            Ok(u) if u.ends_with('\n') => Ok(u.trim().to_owned()),
            _ => Err(std::fs::read_to_string(&stderr).unwrap_or_default()),
        }
    });
    (child, url, stderr)
}

#[test]
fn the_units_command_reads_its_credentials_from_the_credentials_directory() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let creds = tempfile::tempdir().unwrap();
    // As `LoadCredential=` leaves them: one file per credential ID, here written by `echo`.
    std::fs::write(creds.path().join("cf_client_id"), format!("{CLIENT_ID}\n")).unwrap();
    std::fs::write(
        creds.path().join("cf_client_secret"),
        format!("{CLIENT_SECRET}\n"),
    )
    .unwrap();
    let (_watch, url, stderr) = run_exec_start(sim.url(), creds.path(), home.path());
    let log = || std::fs::read_to_string(&stderr).unwrap_or_default();
    wait_statuses(&url, 0.0, &mut || log());
    let (code, _) = get(&format!("{url}/healthz"));
    assert_eq!(code, 200);
    assert!(!log().contains(CLIENT_SECRET), "{}", log());

    // A secret the UAA refuses: UNKNOWN everywhere, never OK, and the file's content never
    // printed.
    let home = tempfile::tempdir().unwrap();
    std::fs::write(creds.path().join("cf_client_secret"), "wrong-s3cret\n").unwrap();
    let (_watch, url, stderr) = run_exec_start(sim.url(), creds.path(), home.path());
    let log = || std::fs::read_to_string(&stderr).unwrap_or_default();
    wait_statuses(&url, 3.0, &mut || log());
    let (_, status) = get(&format!("{url}/status"));
    assert!(!status.contains("wrong-s3cret") && !log().contains("wrong-s3cret"));
    sim.shutdown();
}

#[test]
fn verify_reads_credentials_from_the_credentials_directory_too() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let creds = tempfile::tempdir().unwrap();
    std::fs::write(creds.path().join("cf_client_id"), CLIENT_ID).unwrap();
    std::fs::write(creds.path().join("cf_client_secret"), CLIENT_SECRET).unwrap();
    let verify = |creds: Option<&Path>, extra: &[(&str, &str)]| {
        let mut cmd = harness::archcheck_in(home.path());
        if let Some(c) = creds {
            cmd.env("CREDENTIALS_DIRECTORY", c);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let out = cmd
            .args(["verify", harness::model("c2.json").to_str().unwrap()])
            .args(["--env", "prod", "--api", sim.url()])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, out) = verify(Some(creds.path()), &[]);
    assert_eq!(code, Some(0), "{out}");
    // Without the directory there is no token at all.
    let (code, out) = verify(None, &[]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("no token"), "{out}");
    // A variable that is set wins over the file.
    let (code, out) = verify(Some(creds.path()), &[("CF_CLIENT_SECRET", "wrong-s3cret")]);
    assert_eq!(code, Some(3), "{out}");
    // A credential that cannot be read is UNKNOWN naming it, never a run without it.
    std::fs::remove_file(creds.path().join("cf_client_secret")).unwrap();
    std::fs::create_dir(creds.path().join("cf_client_secret")).unwrap();
    let (code, out) = verify(Some(creds.path()), &[]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("cannot read the credential file"), "{out}");
    assert!(!out.contains(CLIENT_SECRET), "{out}");
    sim.shutdown();
}

fn cf_manifest_path() -> PathBuf {
    harness::root().join("deploy/cf/manifest.yml")
}

fn cf_vars(api: &str) -> Vars {
    let mut vars = Vars::new();
    vars.add_var(&format!("cf_api={api}")).unwrap();
    vars.add_var("route=archcheck-watch.apps.internal").unwrap();
    vars
}

#[test]
fn the_cf_manifest_reads_as_cf_push_reads_it() {
    let text = std::fs::read_to_string(cf_manifest_path()).unwrap();
    let m = read(
        "deploy/cf/manifest.yml",
        &text,
        &cf_vars("https://api.fr.cloud.gov"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.apps.len(), 1);
    let app = &m.apps[0];
    assert_eq!(app.name, "archcheck-watch");
    assert!(
        app.unknown_attributes.is_empty(),
        "{:?}",
        app.unknown_attributes
    );
    assert_eq!(
        app.buildpacks.as_deref(),
        Some(&["binary_buildpack".to_owned()][..])
    );
    assert_eq!(app.stack.as_deref(), Some("cflinuxfs4"));
    assert_eq!(app.health_check, Some(HealthCheck::Http));
    assert_eq!(app.health_check_endpoint.as_deref(), Some("/healthz"));
    let command = app.command.as_deref().unwrap();
    assert!(
        command.starts_with("./archcheck watch model.json ")
            && command.contains("--api https://api.fr.cloud.gov")
            && command.contains("--listen 0.0.0.0:$PORT"),
        "{command}"
    );
    assert!(app.binds("archcheck-credentials"), "{:?}", app.services);
    // The pushed directory holds the binary and the model: `path:` names it, and git ignores
    // it.
    let doc = harness::yaml(&cf_manifest_path());
    assert_eq!(doc["applications"][0]["path"], "app");
    let ignore = std::fs::read_to_string(harness::root().join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "/deploy/cf/app/"), "{ignore}");
    // No credential in the manifest's env.
    let env = doc["applications"][0]["env"].as_object().unwrap();
    assert!(
        env.keys()
            .all(|k| !k.starts_with("CF_") && k != "ARCHCHECK_WEBHOOKS"),
        "{env:?}"
    );
}

#[test]
fn the_cf_manifests_command_runs_as_cloud_foundry_runs_it() {
    let sim = sim();
    // The droplet: the binary and the model, as the README's steps put them in deploy/cf/app/.
    let droplet = tempfile::tempdir().unwrap();
    std::fs::copy(
        assert_cmd::cargo::cargo_bin("archcheck"),
        droplet.path().join("archcheck"),
    )
    .unwrap();
    std::fs::copy(harness::model("c2.json"), droplet.path().join("model.json")).unwrap();
    let text = std::fs::read_to_string(cf_manifest_path()).unwrap();
    let m = read("deploy/cf/manifest.yml", &text, &cf_vars(sim.url())).unwrap();
    let command = m.apps[0].command.clone().unwrap();
    // A bound user-provided service, as `cf create-user-provided-service archcheck-credentials
    // -p cf_client_id,cf_client_secret,archcheck_webhooks` leaves it in VCAP_SERVICES; another
    // bound service's credentials beside it.
    let vcap = serde_json::json!({
        "user-provided": [{
            "name": "archcheck-credentials",
            "label": "user-provided",
            "tags": [],
            "credentials": {
                "cf_client_id": CLIENT_ID,
                "cf_client_secret": CLIENT_SECRET,
                "archcheck_webhooks": format!("http://127.0.0.1:9/services/{HOOK_SECRET}")
            }
        }],
        "aws-rds": [{"name": "db", "credentials": {"password": "rds-pa55word"}}]
    });
    let port = free_port();
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("log");
    // Cloud Foundry starts the command with bash in the app's directory, $PORT set.
    let child = clean(Path::new("bash"), droplet.path())
        .current_dir(droplet.path())
        .env("PORT", port.to_string())
        .env("VCAP_SERVICES", vcap.to_string())
        .env("RUST_LOG", "info")
        .args(["-c", &command])
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(home.path().join("stderr")).unwrap())
        .spawn()
        .expect("bash runs");
    let _child = Killed(child);
    let url = format!("http://127.0.0.1:{port}");
    let stderr = || std::fs::read_to_string(home.path().join("stderr")).unwrap_or_default();
    // The health check Cloud Foundry makes.
    wait_for("/healthz to answer 200", || {
        match get(&format!("{url}/healthz")) {
            (200, body) => Ok(body),
            (code, body) => Err(format!("HTTP {code} {body}\n{}", stderr())),
        }
    });
    let metrics = wait_statuses(&url, 0.0, &mut || stderr());
    // The webhook from the service's credentials is configured, shown by scheme and host.
    assert!(
        metrics.contains("archcheck_webhook_deliveries_total{system=\"c2\",webhook=\"1\",target=\"http://127.0.0.1:9\"}"),
        "{metrics}"
    );
    let err = stderr();
    for secret in [CLIENT_SECRET, HOOK_SECRET, "rds-pa55word"] {
        assert!(!err.contains(secret), "{secret} printed:\n{err}");
        assert!(!metrics.contains(secret), "{secret} in /metrics");
    }
    sim.shutdown();
}

#[test]
fn the_built_binary_runs_on_the_cf_stack() {
    // cflinuxfs4 is Ubuntu 22.04, whose glibc is 2.35: a binary that asks for a later symbol
    // version does not start there. The README has it built like this one.
    let bytes = std::fs::read(assert_cmd::cargo::cargo_bin("archcheck")).unwrap();
    let needle = b"GLIBC_2.";
    let mut newest = (2u32, 0u32);
    let mut i = 0;
    while let Some(at) = bytes[i..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + i)
    {
        let digits: String = bytes[at + needle.len()..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .map(|&b| b as char)
            .collect();
        if let Ok(minor) = digits.parse::<u32>() {
            newest = newest.max((2, minor));
        }
        i = at + needle.len();
    }
    assert!(newest.1 > 0, "no GLIBC symbol version found");
    assert!(
        newest <= (2, 35),
        "the binary needs GLIBC_2.{}, newer than cflinuxfs4's 2.35",
        newest.1
    );
}

#[test]
fn webhooks_come_from_archcheck_webhooks_after_those_of_the_flags() {
    let sim = sim();
    let home = tempfile::tempdir().unwrap();
    let creds = tempfile::tempdir().unwrap();
    std::fs::write(creds.path().join("cf_client_id"), CLIENT_ID).unwrap();
    std::fs::write(creds.path().join("cf_client_secret"), CLIENT_SECRET).unwrap();
    let url_file = home.path().join("url");
    let stderr = home.path().join("stderr");
    let child = clean(&assert_cmd::cargo::cargo_bin("archcheck"), home.path())
        .env("CREDENTIALS_DIRECTORY", creds.path())
        .env(
            "ARCHCHECK_WEBHOOKS",
            format!("http://127.0.0.1:9/a/{HOOK_SECRET}\n  http://127.0.0.2:9/b/{HOOK_SECRET}\n"),
        )
        .args(["watch", harness::model("c2.json").to_str().unwrap()])
        .args(["--api", sim.url(), "--listen", "127.0.0.1:0", "--url-file"])
        .arg(&url_file)
        .args(["--webhook", "http://127.0.0.3:9/flag"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let _child = Killed(child);
    let log = || std::fs::read_to_string(&stderr).unwrap_or_default();
    let url = wait_for("the --url-file", || {
        match std::fs::read_to_string(&url_file) {
            Ok(u) if u.ends_with('\n') => Ok(u.trim().to_owned()),
            _ => Err(log()),
        }
    });
    let metrics = wait_statuses(&url, 0.0, &mut || log());
    for (n, target) in [
        (1, "http://127.0.0.3:9"),
        (2, "http://127.0.0.1:9"),
        (3, "http://127.0.0.2:9"),
    ] {
        let series = format!(
            "archcheck_webhook_deliveries_total{{system=\"c2\",webhook=\"{n}\",target=\"{target}\"}}"
        );
        assert!(metrics.contains(&series), "no {series} in\n{metrics}");
    }
    assert!(!log().contains(HOOK_SECRET), "{}", log());
    sim.shutdown();
}
