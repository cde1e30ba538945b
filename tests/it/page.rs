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

/// The environment's part of the page: from its `<section>` to the next.
fn env_section<'a>(html: &'a str, env: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"env-{env}\""))
        .unwrap_or_else(|| panic!("no section of {env} in\n{html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// The subjects of the findings on a page, in order.
fn finding_subjects(html: &str) -> Vec<String> {
    html.split("<li class=\"finding ")
        .skip(1)
        .map(|f| {
            let start = f.find("<strong>").unwrap() + "<strong>".len();
            f[start..start + f[start..].find("</strong>").unwrap()].to_owned()
        })
        .collect()
}

/// Issue 11 on a large model: `/` is an overview at any size (at most 20 not-OK findings an
/// environment, then how many more with a link to `/env/NAME`; complete counts), `/env/NAME`
/// shows the rest 200 a page, and `/status` and `/healthz` carry the same data. A generated
/// model (scripts/gen_model.py) against the simulator's world of it, with every binding of
/// env00 lost.
#[test]
fn a_large_environment_is_an_overview_on_slash_and_paged_on_its_own_page() {
    let (_dir, path) = crate::render::generated(100, 100, 2);
    let loaded = archcheck::model::load(&path).expect("the model loads");
    let faults = loaded
        .environment("env00")
        .unwrap()
        .bindings()
        .map(|(app, _, service)| format!("unbind:env00:{}:{}", app.id, service.id))
        .collect();
    let sim = archcheck::sim::Simulator::start(
        &loaded,
        archcheck::sim::SimConfig {
            faults,
            ..archcheck::sim::SimConfig::default()
        },
    )
    .expect("the simulator starts");
    let w = Watcher::start_model(&path, sim.url(), &["--interval", "2s"]);
    crate::watch::wait_for("a completed round", || {
        match get(&format!("{}/healthz", w.url)) {
            (200, body) if body.contains("\"running\"") => Ok(body),
            other => Err(format!("{other:?}")),
        }
    });
    let (code, status) = get(&format!("{}/status", w.url));
    assert_eq!(code, 200, "{status}");
    let doc: serde_json::Value = serde_json::from_str(&status).unwrap();
    let env = &doc["environments"][0];
    assert_eq!(
        (&env["name"], &env["status"]),
        (&"env00".into(), &"CRITICAL".into())
    );
    let n = |k: &str| env["counts"][k].as_u64().unwrap() as usize;
    let not_ok = n("critical") + n("unknown") + n("warning");
    let mut want: Vec<String> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["environment"] == "env00")
        .filter(|c| ["CRITICAL", "UNKNOWN", "WARNING"].contains(&c["status"].as_str().unwrap()))
        // As the page writes it: escaped.
        .map(|c| c["subject"].as_str().unwrap().replace('>', "&gt;"))
        .collect();
    assert_eq!(want.len(), not_ok);
    assert!(
        not_ok > 200,
        "{not_ok} not-OK checks: too few to need a second page"
    );

    // The overview.
    let (code, page) = get(&format!("{}/", w.url));
    assert_eq!(code, 200);
    let section = env_section(&page, "env00");
    assert_eq!(finding_subjects(section).len(), 20, "{section}");
    assert!(
        section.contains(&format!(
            "<p class=\"more\">and {} more not-OK checks: see <a href=\"/env/env00\">/env/env00</a></p>",
            not_ok - 20
        )),
        "{section}"
    );
    assert!(
        section.contains(&format!(
            "{} <span aria-hidden=\"true\">✖</span> CRITICAL",
            n("critical")
        )),
        "{section}"
    );
    assert!(
        section.contains(&format!(
            "{} <span aria-hidden=\"true\">✔</span> OK",
            n("ok")
        )),
        "{section}"
    );
    assert!(section.contains("more bindings: see <a href=\"/env/env00\">"));
    assert_eq!(section.matches("<tr class=").count(), 20);
    assert!(page.len() < 200_000, "{} bytes", page.len());

    // Every not-OK check once on the pages of /env/env00.
    let pages = not_ok.div_ceil(200);
    let mut seen = Vec::new();
    for p in 1..=pages {
        let (code, html) = get(&format!("{}/env/env00?page={p}", w.url));
        assert_eq!(code, 200);
        assert!(html.contains(&format!("Page {p} of {pages}")), "{html}");
        seen.extend(finding_subjects(&html));
    }
    seen.sort();
    want.sort();
    assert!(
        seen == want,
        "{} findings on the pages, {not_ok} not-OK checks",
        seen.len()
    );
    let (code, last) = get(&format!("{}/env/env00?page=999", w.url));
    assert_eq!(code, 200);
    assert!(last.contains(&format!("Page {pages} of {pages}")));
    let (code, body) = get(&format!("{}/env/env00?page=zero", w.url));
    assert_eq!(code, 400);
    assert!(body.contains("?page=zero is not a page"), "{body}");
    // In a browser, page 2 updates itself as page 2.
    browser::require_chromium();
    let mut b = Browser::open(&format!("{}/env/env00?page=2", w.url), 1280, 900);
    b.wait_until(
        "page 2 updated without a reload",
        "Number(document.body.dataset.updates || 0) >= 1",
        "document.body.innerText",
    );
    assert_eq!(
        b.eval("document.querySelector('.pager span').textContent"),
        format!("Page 2 of {pages}").as_str()
    );

    // /healthz has each environment's status and the same headline as /status.
    let (_, health) = get(&format!("{}/healthz", w.url));
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    for (h, s) in health["environments"]
        .as_array()
        .unwrap()
        .iter()
        .zip(doc["environments"].as_array().unwrap())
    {
        assert_eq!(h["name"], s["name"]);
        assert_eq!(h["status"], s["status"]);
        assert_eq!(h["headline"], s["headline"]);
        let status = h["status"].as_str().unwrap();
        assert!(
            h["headline"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{status}: {}", h["name"].as_str().unwrap())),
            "{h}"
        );
    }
}
