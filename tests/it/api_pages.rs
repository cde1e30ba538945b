//! Integration tests: pagination that a Cloud Controller controls and gets wrong, run end to
//! end (`archcheck verify --api`) against the simulator with its pagination faults:
//! `next` links that loop, totals that lie or are huge, a `next` link to another origin
//! (issue 9 item 8), and the token reflected into the links (issue 9 item 12).
//!
//! Every run has a generous `--timeout`: a regression fails on its message (a deadline
//! instead of the loop, say), never by hanging, and nothing here is timed.

use crate::harness;
use archcheck::sim::{SimConfig, Simulator, Stats};
use serde_json::Value;

const TOKEN: &str = "tok-REFLECTED-7777";
/// A token with characters a URL encodes (`%2B`, `%2F`, `%3D`).
const ODD_TOKEN: &str = "tok+REFLECTED/8888=";

/// What one `archcheck verify` run against a simulator gave.
struct SimRun {
    code: Option<i32>,
    report: Value,
    stdout: String,
    stderr: String,
    stats: Stats,
    /// The simulator's URL, e.g. `http://127.0.0.1:PORT`.
    api: String,
}

impl SimRun {
    /// The report's headline, which names the reason of the first UNKNOWN part.
    fn headline(&self) -> &str {
        self.report["headline"].as_str().unwrap_or_default()
    }

    /// GETs of `path` the simulator served.
    fn requests(&self, path: &str) -> u64 {
        self.stats.paths.get(path).copied().unwrap_or(0)
    }
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
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{faults:?}: no JSON report ({e}); stderr:\n{stderr}"));
    SimRun {
        code: out.status.code(),
        report,
        stdout,
        stderr,
        stats: sim.stats(),
        api: sim.url().to_owned(),
    }
}

/// The apps part is UNKNOWN for `reason` (and for nothing slower: no deadline), while the
/// services part, which the fault does not touch, is still seen. A binding's check needs the
/// app too (whether its running instances can see the binding), so it shares the UNKNOWN.
fn assert_apps_unknown_for(run: &SimRun, reason: &str) {
    assert_eq!(run.code, Some(3), "{}", run.stdout);
    let headline = run.headline();
    assert!(
        headline.contains(&format!("apps: {reason}")),
        "expected `apps: {reason}` in: {headline}"
    );
    for wrong in ["deadline", "missing", "could not be read"] {
        assert!(!headline.contains(wrong), "{wrong}: {headline}");
    }
    assert_eq!(
        harness::status_of(&run.report, "staging/app/web"),
        "UNKNOWN"
    );
    assert_eq!(
        harness::status_of(&run.report, "staging/service/db"),
        "OK",
        "the services part is unaffected"
    );
    assert_eq!(
        harness::status_of(&run.report, "staging/binding/web->db"),
        "UNKNOWN"
    );
}

/// A `next` link that comes back to a page already read stops the list at once, saying so:
/// it was followed until the deadline while memory grew, then blamed a missing page.
#[test]
fn a_next_link_that_loops_back_stops_the_list_at_once() {
    // One page whose `next` is itself (`page=1`; the first request had no `page`).
    let run = verify_against_sim(&["pages-cycle:/v3/apps"], None, TOKEN);
    assert_apps_unknown_for(
        &run,
        "the API's pagination looped back to page 1 of /v3/apps (the next link of page 1)",
    );
    assert_eq!(run.requests("/v3/apps"), 1, "pages of /v3/apps read");
    // Two pages, the second linking back to the first, while page 1 announces 100. Pages
    // after the first are read 16 at a time once the first says how many there are: the
    // first 16 are read, and page 2's link, which does not lead to page 3, stops the list.
    let run = verify_against_sim(
        &["pages-cycle:/v3/apps", "pages-total:100:100:/v3/apps"],
        Some(1),
        TOKEN,
    );
    assert_apps_unknown_for(
        &run,
        "the next link of page 2 of /v3/apps does not lead to page 3: the list changed while it was read",
    );
    assert_eq!(run.requests("/v3/apps"), 17, "pages of /v3/apps read");
}

/// More results or pages than the first page announced stop the list at once.
#[test]
fn pagination_past_what_it_announced_stops_the_list() {
    // Two apps on a page that announces one.
    let run = verify_against_sim(&["pages-total:1:1:/v3/apps"], None, TOKEN);
    assert_apps_unknown_for(
        &run,
        "the API returned more than the 1 result it announced for /v3/apps (2 by page 1)",
    );
    // A `next` link on the one page announced.
    let run = verify_against_sim(&["pages-total:5:1:/v3/apps"], Some(1), TOKEN);
    assert_apps_unknown_for(
        &run,
        "the API's pagination went on past the 1 page it announced for /v3/apps",
    );
    assert_eq!(run.requests("/v3/apps"), 1);
}

/// A `total_pages` of a billion is not believed, and nothing is read on.
#[test]
fn a_huge_announced_total_is_not_believed() {
    let run = verify_against_sim(
        &["pages-total:1000000000:1000000000:/v3/apps"],
        Some(1),
        TOKEN,
    );
    assert_apps_unknown_for(
        &run,
        "the API announced 1000000000 pages of /v3/apps, more than the 10000 archcheck reads of one list",
    );
    assert_eq!(run.requests("/v3/apps"), 1);
}

/// A `next` link to another origin is refused, naming that origin and nothing else of the
/// link: the token is never sent anywhere but the API. (It was rewritten to the API's origin
/// and followed, reading a page the server had not linked to.)
#[test]
fn a_next_link_to_another_origin_is_refused_naming_its_origin_only() {
    let run = verify_against_sim(
        &["next-offsite:/v3/apps", "reflect-token:ref"],
        Some(1),
        TOKEN,
    );
    let api = run.api.clone();
    assert_apps_unknown_for(
        &run,
        &format!(
            "the next link of page 1 of /v3/apps points to another origin, http://offsite.invalid, \
             than the API's, {api}; the token is only ever sent to the API, so the rest of the \
             list was not read"
        ),
    );
    assert_eq!(run.requests("/v3/apps"), 1, "the link was not followed");
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        !all.contains("offsite.invalid/"),
        "the link's path is shown: {all}"
    );
    assert!(!all.contains(TOKEN), "{all}");
}

/// A token the server reflects into its pagination links (under a parameter that does not
/// say it is a token, or under `access_token`) reaches no output: not the report's reasons
/// (the list errors printed the link as it came), not the log line of each GET at
/// `RUST_LOG=trace`, not in the encoded form a URL gives it.
#[test]
fn a_token_reflected_into_pagination_links_reaches_no_output() {
    // The faults, the page size, and whether reflected links are followed (and logged).
    let cases: [(&[&str], Option<u32>, bool); 4] = [
        // The loop's error named the page's URL (now the list stops before following it).
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
    // Each token with its form-encoded spelling, as the simulator's links carry it.
    for (token, encoded) in [(TOKEN, TOKEN), (ODD_TOKEN, "tok%2BREFLECTED%2F8888%3D")] {
        for (faults, per_page, follows) in cases {
            let run = verify_against_sim(faults, per_page, token);
            let all = format!("{}\n{}", run.stdout, run.stderr);
            assert!(
                !all.contains(token) && !all.contains(encoded),
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
