//! Integration tests: the status page `archcheck watch` serves, loaded by a real headless
//! Chromium against the simulated Cloud Controller (issue 11 items 1 and 5). Every wait is
//! bounded; nothing is timed.

use crate::browser::{self, Browser};
use crate::harness;
use crate::watch::{Watcher, env_status, get, sim};
use std::time::Duration;

fn watch_all(api: &str, extra: &[&str]) -> Watcher {
    let mut args = vec!["--interval", "1s", "--timeout", "20s"];
    args.extend_from_slice(extra);
    Watcher::start(api, &args)
}

/// Items 1 and 5: the DOM after the scripts ran shows each environment's status (word and
/// icon) and the lost bindings by name, with impact and repair; `/status` carries the same.
#[test]
fn the_page_shows_each_environment_s_status_and_the_lost_binding() {
    browser::require_chromium();
    let sim = sim(&["unbind:staging:worker:queue"]);
    let w = watch_all(sim.url(), &[]);
    w.wait_metric(&env_status("staging"), 2.0);
    let dom = browser::dump_dom(&format!("{}/", w.url), Duration::from_secs(3));
    for want in [
        "✖</span> CRITICAL</span> <a href=\"/env/staging\">staging</a>",
        "✔</span> OK</span> <a href=\"/env/prod\">prod</a>",
        "✔</span> OK</span> <a href=\"/env/dev\">dev</a>",
        "c2-staging-worker lost its binding to c2-staging-redis (queue)",
        "<b>Impact:</b>",
        "cf bind-service c2-staging-worker c2-staging-redis",
        "<img src=\"/diagram/staging.svg?v=",
    ] {
        assert!(dom.contains(want), "missing {want:?} in the DOM:\n{dom}");
    }
    // The page is about what the evidence says: its title says the worst status.
    assert!(
        dom.contains("<title>✖ CRITICAL · c2 · archcheck</title>"),
        "{dom}"
    );
    // One environment.
    let one = browser::dump_dom(&format!("{}/env/prod", w.url), Duration::from_secs(2));
    assert!(
        one.contains("<title>✔ OK · c2 / prod · archcheck</title>"),
        "{one}"
    );
    assert!(!one.contains("id=\"env-staging\""), "{one}");
    let (code, _) = get(&format!("{}/env/qa", w.url));
    assert_eq!(code, 404);
    // The diagram is an SVG with the verdict; /status has each environment's headline and
    // the watch's freshness.
    let (code, svg) = get(&format!("{}/diagram/staging.svg", w.url));
    assert_eq!(code, 200);
    assert!(
        svg.contains("<svg") && svg.contains("c2&#45;staging&#45;worker"),
        "{svg}"
    );
    let (_, status) = get(&format!("{}/status", w.url));
    let doc: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["watch"]["freshness"], "fresh");
    let staging = doc["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "staging")
        .unwrap();
    assert!(
        staging["headline"]
            .as_str()
            .unwrap()
            .contains("c2-staging-worker lost its binding to c2-staging-redis"),
        "{staging:#}"
    );
}

/// Item 1: the page updates without a reload when a fault is posted to the simulator; at a
/// phone's width nothing overflows sideways; a screenshot is not blank; once the watch is
/// gone the page says it is stale in its title and a banner.
#[test]
fn the_page_updates_without_a_reload_and_says_when_it_is_stale() {
    browser::require_chromium();
    let sim = sim(&[]);
    let mut w = watch_all(sim.url(), &[]);
    w.wait_metric(&env_status("staging"), 0.0);
    let mut b = Browser::open(&format!("{}/", w.url), 1280, 900);
    b.wait_until(
        "the page with staging OK",
        "!!document.querySelector('#env-staging h2') && document.querySelector('#env-staging h2').textContent.includes('OK')",
        "document.body ? document.body.innerText : ''",
    );
    // A mark a reload would erase.
    b.eval("window.__notReloaded = 42; true");
    let (code, _) = crate::watch::RT.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{}/_sim/faults", sim.url()))
            .body(r#"{"faults":["unbind:staging:worker:queue"]}"#)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    });
    assert_eq!(code, 200);
    b.wait_until(
        "the lost binding on the page",
        "document.body.innerText.includes('c2-staging-worker lost its binding to c2-staging-redis') && document.querySelector('#env-staging h2').textContent.includes('CRITICAL')",
        "document.body.innerText",
    );
    assert_eq!(b.eval("window.__notReloaded"), 42, "the page was reloaded");
    assert_eq!(
        b.eval("performance.getEntriesByType('navigation').length"),
        1
    );
    assert_eq!(b.eval("document.title"), "✖ CRITICAL · c2 · archcheck");

    // A screenshot at 1280 px is not blank.
    let shot = b.screenshot();
    let (colours, width, _) = browser::png_colours(&shot);
    assert_eq!(width, 1280);
    assert!(colours > 50, "{colours} colours: a blank page?");
    // At a phone's width nothing is wider than the screen.
    b.viewport(390, 844, true);
    b.wait_until(
        "the page laid out at 390 px",
        "window.innerWidth === 390",
        "window.innerWidth",
    );
    assert_eq!(
        b.eval("document.documentElement.scrollWidth <= window.innerWidth"),
        true,
        "scrollWidth {} at 390 px",
        b.eval("document.documentElement.scrollWidth")
    );
    b.viewport(1280, 900, false);

    // The watch is gone: after 3 intervals the page says it is stale.
    w.child.kill().unwrap();
    w.child.wait().unwrap();
    b.wait_until(
        "the stale page",
        "document.title.startsWith('STALE') && !document.getElementById('page-stale').hidden",
        "document.title + '\\n' + document.body.innerText",
    );
    let banner = b.eval("document.getElementById('page-stale').textContent");
    assert!(
        banner
            .as_str()
            .unwrap()
            .contains("STALE PAGE: not updated since"),
        "{banner}"
    );
}

/// Item 4: names and descriptions are user input; markup in them is text on the page, never
/// markup, and the only script is the page's own.
#[test]
fn a_model_whose_names_hold_script_renders_them_as_text() {
    browser::require_chromium();
    let dir = tempfile::tempdir().unwrap();
    let mut model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(harness::model("c2.json")).unwrap()).unwrap();
    let evil = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>";
    model["apps"]["worker"]["name"] = serde_json::json!(format!("c2-{{env}}-{evil}"));
    model["description"] = serde_json::json!(evil);
    model["environments"]["staging"]["description"] = serde_json::json!(evil);
    model["apps"]["worker"]["description"] = serde_json::json!(evil);
    let path = dir.path().join("evil.json");
    std::fs::write(&path, serde_json::to_vec(&model).unwrap()).unwrap();
    let check = harness::run(&["check", path.to_str().unwrap()], None);
    assert_eq!(check.code, Some(0), "{check:?}");

    let loaded = archcheck::model::load(&path).expect("the model loads");
    let sim = archcheck::sim::Simulator::start(
        &loaded,
        archcheck::sim::SimConfig {
            faults: vec!["unbind:staging:worker:queue".to_owned()],
            ..archcheck::sim::SimConfig::default()
        },
    )
    .expect("the simulator starts");
    let w = Watcher::start_model(&path, sim.url(), &["--interval", "1s"]);
    w.wait_metric(&env_status("staging"), 2.0);
    let dom = browser::dump_dom(&format!("{}/env/staging", w.url), Duration::from_secs(3));
    assert!(
        dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"),
        "{dom}"
    );
    assert!(!dom.contains("<script>document.title"), "{dom}");
    assert!(!dom.contains("<img src=\"x\""), "{dom}");
    assert_eq!(dom.matches("<script").count(), 1, "{dom}");
    assert!(!dom.contains("<title>pwned"), "{dom}");
    // The lost binding of the app so named is on the page, as text.
    assert!(
        dom.contains("c2-staging-&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; lost its binding"),
        "{dom}"
    );
}

/// Item 4: with `--web-config` (exporter-toolkit format, bcrypt hashes) every endpoint but
/// `/healthz` answers 401 without credentials (or with wrong ones) and 200 with them.
#[test]
fn with_a_web_config_every_endpoint_but_healthz_needs_a_user() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("web.yml");
    let hash = bcrypt::hash("page-pass-7", 4).unwrap();
    std::fs::write(&config, format!("basic_auth_users:\n  alice: '{hash}'\n")).unwrap();
    let sim = sim(&[]);
    let w = watch_all(sim.url(), &["--web-config", config.to_str().unwrap()]);
    let fetch = |path: &str, user: Option<(&str, &str)>| {
        crate::watch::RT.block_on(async {
            let mut req = reqwest::Client::new().get(format!("{}{path}", w.url));
            if let Some((u, p)) = user {
                req = req.basic_auth(u, Some(p));
            }
            let r = req.send().await.unwrap();
            let challenge = r.headers().get("www-authenticate").is_some();
            (r.status().as_u16(), challenge)
        })
    };
    // The first round, so every endpoint has something to show.
    crate::watch::wait_for("a completed round", || match fetch("/healthz", None) {
        (200, _) => Ok(()),
        other => Err(format!("{other:?}")),
    });
    for path in [
        "/",
        "/env/staging",
        "/status",
        "/metrics",
        "/assets/page.js",
        "/assets/page.css",
        "/diagram/staging.svg",
    ] {
        assert_eq!(fetch(path, None), (401, true), "{path} without credentials");
        assert_eq!(
            fetch(path, Some(("alice", "wrong"))).0,
            401,
            "{path} with a wrong password"
        );
        assert_eq!(
            fetch(path, Some(("alice", "page-pass-7"))).0,
            200,
            "{path} with alice's password"
        );
    }
    assert_eq!(fetch("/healthz", None).0, 200);

    // A plain password where a bcrypt hash belongs is refused at start.
    std::fs::write(&config, "basic_auth_users:\n  alice: page-pass-7\n").unwrap();
    let r = harness::run(
        &[
            "watch",
            harness::model("c2.json").to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--web-config",
            config.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(r.stderr.contains("must be a bcrypt hash"), "{}", r.stderr);
    assert!(!r.stderr.contains("page-pass-7"), "{}", r.stderr);
}
