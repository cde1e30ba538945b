//! Integration tests: pagination that a Cloud Controller controls and gets wrong, run end to
//! end (`archcheck verify --api`) against the simulator with its pagination faults: the token
//! reflected into the links (issue 9 item 12).
//!
//! Every run has a generous `--timeout`: a regression fails on its message, never by hanging,
//! and nothing here is timed.

use crate::harness;
use archcheck::sim::{SimConfig, Simulator};

const TOKEN: &str = "tok-REFLECTED-7777";
/// A token with characters a URL encodes (`%2B`, `%2F`, `%3D`).
const ODD_TOKEN: &str = "tok+REFLECTED/8888=";

/// What one `archcheck verify` run against a simulator gave.
struct SimRun {
    stdout: String,
    stderr: String,
}

/// `archcheck verify models/c2.json --env staging --api SIM --timeout 20s --format json`, with
/// `token` and logs at trace level, against a simulator with `faults` and pages of at most
/// `per_page` resources.
fn verify_against_sim(faults: &[&str], per_page: Option<u32>, token: &str) -> SimRun {
    let c2 = archcheck::model::load(&harness::model("c2.json")).expect("models/c2.json loads");
    let sim = Simulator::start(
        &c2,
        SimConfig {
            faults: faults.iter().map(|f| f.to_string()).collect(),
            max_per_page: per_page,
            ..SimConfig::default()
        },
    )
    .expect("the simulator starts");
    let out = harness::archcheck()
        .args(["verify", "models/c2.json", "--env", "staging"])
        .args(["--timeout", "20s", "--format", "json", "--api", sim.url()])
        .env("CF_OAUTH_TOKEN", format!("bearer {token}"))
        .env("RUST_LOG", "trace")
        .output()
        .expect("archcheck runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    serde_json::from_str::<serde_json::Value>(&stdout)
        .unwrap_or_else(|e| panic!("{faults:?}: no JSON report ({e}); stderr:\n{stderr}"));
    SimRun { stdout, stderr }
}

/// A token the server reflects into its pagination links (under a parameter that does not
/// say it is a token, or under `access_token`) reaches no output: not the report's reasons
/// (the list errors printed the link as it came), not the log line of each GET at
/// `RUST_LOG=trace`, not in the encoded form a URL gives it.
#[test]
fn a_token_reflected_into_pagination_links_reaches_no_output() {
    // The faults, the page size, and whether reflected links are followed (and logged).
    let cases: [(&[&str], Option<u32>, bool); 4] = [
        // The loop's error named the page's URL.
        (&["reflect-token:ref", "pages-cycle:/v3/apps"], None, false),
        // The short list's error named its last page's URL; every page is logged.
        (
            &["reflect-token:ref", "pages-total:1000:1000:/v3/routes"],
            Some(1),
            true,
        ),
        // Lists read to the end through reflected links, each page logged.
        (&["reflect-token:ref"], Some(1), true),
        (&["reflect-token"], Some(1), true),
    ];
    for token in [TOKEN, ODD_TOKEN] {
        let encoded = archcheck::sim::query::percent_encode(token);
        for (faults, per_page, follows) in cases {
            let run = verify_against_sim(faults, per_page, token);
            let all = format!("{}\n{}", run.stdout, run.stderr);
            assert!(
                !all.contains(token) && !all.contains(&encoded),
                "{faults:?} {token}: the token reached the output:\n{all}"
            );
            assert!(run.stderr.contains("DEBUG GET "), "nothing was logged");
            // The links were followed, logged, and the token scrubbed out of the log lines.
            let param = if faults[0] == "reflect-token" {
                "access_token"
            } else {
                "ref"
            };
            assert!(
                !follows || run.stderr.contains(&format!("{param}=[redacted]")),
                "{faults:?}: no scrubbed GET of a reflected link was logged:\n{}",
                run.stderr
            );
        }
    }
}
