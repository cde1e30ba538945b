//! Secrets never reach an output: one distinct secret planted in every input a secret can
//! come from (VCAP_SERVICES credentials and a URL password in them, a `cf env` user-provided
//! variable, a `cf env` pasted without its first line after a `cf services` table, manifest
//! variables from `--var` and `--vars-file`, a manifest's `env`, a client secret, a token, a
//! password in the API URL, a webhook URL), then every command (`init` too) in every format run at
//! `RUST_LOG=trace`, and every byte it wrote (stdout, stderr, `-o` files) searched for each.
//! Each run is also checked to have really read the input that held the secret, so the test
//! cannot pass by reading nothing.

use crate::harness::{self, archcheck_in};
use archcheck::sim::{SimConfig, Simulator};
use std::path::Path;

const VCAP_PASSWORD: &str = "SECRET-db-pw-7Hq2";
const VCAP_ES_PASSWORD: &str = "SECRET-es-pw-44Kp";
const USER_PROVIDED: &str = "SECRET-user-env-Ck8";
const VAR_FLAG: &str = "var-PLANTED-flag-0004";
const VAR_FILE: &str = "varfile-PLANTED-0005";
const MANIFEST_ENV: &str = "manifest-env-PLANTED-0006";
const CLIENT_SECRET: &str = "client-PLANTED-secret-0007";
const URL_PASSWORD: &str = "url-PLANTED-pw-0008";
const WEBHOOK_PATH: &str = "hook-PLANTED-path-0009";
const OAUTH_TOKEN: &str = "oauth-PLANTED-token-0010";

const PLANTED: &[&str] = &[
    VCAP_PASSWORD,
    VCAP_ES_PASSWORD,
    USER_PROVIDED,
    VAR_FLAG,
    VAR_FILE,
    MANIFEST_ENV,
    CLIENT_SECRET,
    URL_PASSWORD,
    WEBHOOK_PATH,
    OAUTH_TOKEN,
];

/// Everything one run wrote.
struct Written {
    label: String,
    code: Option<i32>,
    text: String,
}

/// Runs `archcheck ARGS` in `dir` at trace level with `envs`, collecting stdout, stderr and
/// the file `out.report` if the run wrote one.
fn run(dir: &Path, label: &str, args: &[&str], envs: &[(&str, &str)]) -> Written {
    let report = dir.join("out.report");
    let _ = std::fs::remove_file(&report);
    let mut cmd = archcheck_in(dir);
    cmd.env("RUST_LOG", "trace").args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("archcheck runs");
    let file = std::fs::read_to_string(&report).unwrap_or_default();
    Written {
        label: label.to_owned(),
        code: out.status.code(),
        text: format!(
            "--- stdout\n{}\n--- stderr\n{}\n--- file\n{file}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn assert_clean(w: &Written) {
    for s in PLANTED {
        assert!(
            !w.text.contains(s),
            "{}: printed the planted secret {s}:\n{}",
            w.label,
            w.text
        );
    }
}

fn files(dir: &Path) {
    let env = std::fs::read_to_string(harness::fixture("cf/env-v8/env.txt")).unwrap();
    assert!(env.contains(VCAP_PASSWORD) && env.contains(USER_PROVIDED));
    std::fs::write(dir.join("env.txt"), &env).unwrap();
    // A `cf env` cut above its first line, pasted after a `cf services` table.
    let services = std::fs::read_to_string(harness::fixture("cf/healthy-v8/services.txt")).unwrap();
    let headless: String = env.lines().skip(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(
        dir.join("services-then-env.txt"),
        format!("{services}\n{headless}"),
    )
    .unwrap();
    std::fs::write(dir.join("env-headless.txt"), &headless).unwrap();
    std::fs::write(
        dir.join("manifest.yml"),
        format!(
            "applications:\n\
             - name: c2-staging\n  command: ./run --key ((api_key))\n  instances: ((count))\n  \
             services: [c2-staging-db, ((extra_service))]\n  env:\n    TOKEN: {MANIFEST_ENV}\n\
             - name: c2-staging-worker\n  stack: ((stack))\n  no-route: true\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("vars.yml"),
        format!("count: 1\nstack: {VAR_FILE}\nextra_service: {VAR_FILE}-svc\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("init-manifest.yml"),
        format!(
            "applications:\n\
             - name: c2-staging\n  command: ./run --key ((api_key))\n  buildpacks: [((buildpack))]\n  \
             health-check-type: http\n  health-check-http-endpoint: /health?key=((api_key))\n  \
             routes: [{{route: c2-staging.example.gov}}]\n  services: [c2-staging-db]\n  \
             env:\n    TOKEN: {MANIFEST_ENV}\n\
             - name: c2-staging-worker\n  stack: ((stack))\n  no-route: true\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("bad-manifest.yml"),
        "applications:\n- name: c2-staging\n  instances: ((api_key))\n",
    )
    .unwrap();
}

#[test]
fn no_planted_secret_reaches_any_output_of_any_command_or_format() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    files(d);
    let model = harness::model("c2.json");
    let model = model.to_str().unwrap();
    let mut runs: Vec<Written> = Vec::new();

    for format in ["text", "json", "junit", "nagios"] {
        // What shows that the capture was read: the Nagios output names no subject of a
        // check that passed, so there it is the count of checks the capture made.
        for (label, flag, file, read, nagios_read) in [
            ("cf env", "--cf-env", "env.txt", "worker", "checked 9 (9 OK"),
            (
                "cf services with a headless cf env after it",
                "--cf-services",
                "services-then-env.txt",
                "line",
                "line",
            ),
            (
                "a headless cf env",
                "--cf-env",
                "env-headless.txt",
                "first line",
                "first line",
            ),
        ] {
            let read = if format == "nagios" {
                nagios_read
            } else {
                read
            };
            let w = run(
                d,
                &format!("verify {label} as {format}"),
                &[
                    "verify",
                    model,
                    "--env",
                    "staging",
                    flag,
                    file,
                    "--format",
                    format,
                    "-o",
                    "out.report",
                ],
                &[],
            );
            assert!(
                w.text.contains(read),
                "{} read nothing:\n{}",
                w.label,
                w.text
            );
            runs.push(w);
        }
        let var = format!("api_key={VAR_FLAG}");
        let w = run(
            d,
            &format!("manifest --check as {format}"),
            &[
                "manifest",
                model,
                "--env",
                "staging",
                "--check",
                "manifest.yml",
                "--vars-file",
                "vars.yml",
                "--var",
                &var,
                "--format",
                format,
            ],
            &[],
        );
        for shown in ["((api_key))", "((extra_service))"] {
            assert!(
                w.text.contains(shown),
                "{}: {shown} not shown:\n{}",
                w.label,
                w.text
            );
        }
        runs.push(w);
    }
    let var = format!("api_key={VAR_FLAG}");
    let w = run(
        d,
        "manifest --check of an invalid manifest",
        &[
            "manifest",
            model,
            "--env",
            "staging",
            "--check",
            "bad-manifest.yml",
            "--var",
            &var,
        ],
        &[],
    );
    assert!(
        w.code == Some(3) && w.text.contains("((api_key))"),
        "{}",
        w.text
    );
    runs.push(w);

    // init drafts a model from a manifest: what came from a variable into a command, a
    // buildpack, a health check endpoint or a stack is left out, and `env:` is never read.
    // (Names and routes from variables are the model's own content, so this manifest has none.)
    for output in [&["-o", "out.report"][..], &[]] {
        let buildpack = format!("buildpack=https://bp:{VAR_FLAG}@git.example.gov/bp.git");
        let mut args = vec![
            "init",
            "--manifest",
            "init-manifest.yml",
            "--env",
            "staging",
            "--vars-file",
            "vars.yml",
            "--var",
            &var,
            "--var",
            &buildpack,
            "--target",
            "cap/staging",
        ];
        args.extend_from_slice(output);
        let w = run(d, &format!("init {output:?}"), &args, &[]);
        assert!(
            w.code == Some(0)
                && w.text.contains("left out of the model")
                && w.text.contains("\"name\": \"c2-staging-worker\""),
            "{}",
            w.text
        );
        runs.push(w);
    }

    // The API: a client secret granted by the simulator, a password in the API URL, a token.
    let c2 = archcheck::model::load(&harness::model("c2.json")).unwrap();
    let sim = Simulator::start(
        &c2,
        SimConfig {
            require_token: Some(("monitor".into(), CLIENT_SECRET.into())),
            ..SimConfig::default()
        },
    )
    .expect("the simulator starts");
    let api = sim.url().trim_end_matches('/').to_owned();
    for format in ["text", "json", "junit", "nagios"] {
        let w = run(
            d,
            &format!("verify --api with client credentials as {format}"),
            &[
                "verify", model, "--env", "staging", "--api", &api, "--format", format,
            ],
            &[
                ("CF_CLIENT_ID", "monitor"),
                ("CF_CLIENT_SECRET", CLIENT_SECRET),
            ],
        );
        assert_eq!(w.code, Some(0), "{}", w.text);
        runs.push(w);
    }
    let w = run(
        d,
        "init --from-api with client credentials",
        &[
            "init",
            "--manifest",
            "init-manifest.yml",
            "--env",
            "staging",
            "--vars-file",
            "vars.yml",
            "--var",
            &var,
            "--var",
            "buildpack=bp",
            "--target",
            "cap/staging",
            "--from-api",
            &api,
        ],
        &[
            ("CF_CLIENT_ID", "monitor"),
            ("CF_CLIENT_SECRET", CLIENT_SECRET),
        ],
    );
    assert!(
        w.code == Some(0) && w.text.contains("read from the live space"),
        "{}",
        w.text
    );
    runs.push(w);
    let wrong = run(
        d,
        "verify --api with a token the API refuses",
        &["verify", model, "--env", "staging", "--api", &api],
        &[("CF_OAUTH_TOKEN", OAUTH_TOKEN)],
    );
    assert_eq!(wrong.code, Some(3), "{}", wrong.text);
    runs.push(wrong);
    let with_password = api.replacen("://", &format!("://user:{URL_PASSWORD}@"), 1);
    runs.push(run(
        d,
        "verify --api with a password in the URL",
        &["verify", model, "--env", "staging", "--api", &with_password],
        &[
            ("CF_CLIENT_ID", "monitor"),
            ("CF_CLIENT_SECRET", CLIENT_SECRET),
        ],
    ));
    // (A running watch with a webhook is searched for its URL in tests/it/watch.rs.)
    let w = run(
        d,
        "watch --once",
        &["watch", model, "--env", "staging", "--api", &api, "--once"],
        &[
            ("CF_CLIENT_ID", "monitor"),
            ("CF_CLIENT_SECRET", CLIENT_SECRET),
        ],
    );
    assert!(w.text.contains("staging"), "{}", w.text);
    runs.push(w);
    for bad_hook in [
        format!("ftp://127.0.0.1/{WEBHOOK_PATH}"),
        format!("http://[::1/{WEBHOOK_PATH}"),
        WEBHOOK_PATH.to_string(),
    ] {
        let w = run(
            d,
            "watch with an invalid webhook",
            &["watch", model, "--api", &api, "--webhook", &bad_hook],
            &[],
        );
        assert_eq!(w.code, Some(3), "{}", w.text);
        runs.push(w);
    }

    for w in &runs {
        // Each ran at trace level and logged.
        assert_clean(w);
    }
    assert!(
        runs.iter()
            .any(|w| w.text.contains("TRACE") || w.text.contains("DEBUG")),
        "nothing logged at trace level"
    );
}
