//! Integration tests: environments on one API observed together (issue 12, item 1), against
//! the simulator. Request counts and requests in a row come from the simulator's request log
//! (`Stats::in_a_row` counts from the order of events, and a latency fault makes requests
//! sent together overlap); nothing here measures time.

use archcheck::model::{Environment, Model};
use archcheck::observe::api::{ApiOptions, observe_with};
use archcheck::observe::api::{CredentialEnv, MAX_URL_BYTES};
use archcheck::observe::{Coverage, Observation};
use archcheck::secret::Secret;
use archcheck::sim::{SimConfig, SimHandle, Simulator};
use archcheck::verify::Status;
use std::time::Duration;

/// A model of `envs` environments (`env00`, ... in org `bench`), each with `apps` apps and
/// `services` service instances (every fourth user-provided), app k bound to instances k and
/// k+1: the shape of `scripts/gen-bench-api.py`, smaller.
pub(crate) fn fleet(envs: usize, apps: usize, services: usize) -> Model {
    let svc: Vec<String> = (0..services)
        .map(|i| {
            if i % 4 == 3 {
                format!(r#""s{i:02}":{{"name":"{{env}}-ups-{i:02}","user_provided":true}}"#)
            } else {
                format!(r#""s{i:02}":{{"name":"{{env}}-svc-{i:02}","offering":"aws-rds","plan":"small"}}"#)
            }
        })
        .collect();
    let app: Vec<String> = (0..apps)
        .map(|k| {
            format!(
                r#""a{k:02}":{{"name":"{{env}}-app-{k:02}","routes":["{{env}}-app-{k:02}.apps.example.org"],"services":["s{:02}","s{:02}"]}}"#,
                k % services,
                (k + 1) % services
            )
        })
        .collect();
    let env: Vec<String> = (0..envs)
        .map(|e| format!(r#""env{e:02}":{{"org":"bench","space":"env{e:02}"}}"#))
        .collect();
    let text = format!(
        r#"{{"version":1,"system":"fleet","environments":{{{}}},"apps":{{{}}},"services":{{{}}}}}"#,
        env.join(","),
        app.join(","),
        svc.join(",")
    );
    archcheck::model::load_str("fleet.json", &text).expect("the fleet model loads")
}

pub(crate) fn sim_of(model: &Model, faults: &[&str]) -> SimHandle {
    Simulator::start(
        model,
        SimConfig {
            faults: faults.iter().map(|s| s.to_string()).collect(),
            ..SimConfig::default()
        },
    )
    .expect("the simulator starts")
}

pub(crate) fn options(api: &str, timeout: Duration) -> ApiOptions {
    ApiOptions {
        api: Some(api.to_owned()),
        timeout,
        skip_ssl_validation: false,
        ca_cert: None,
        progress: false,
        credentials: None,
        follow: Default::default(),
        budget: Default::default(),
    }
}

fn token() -> CredentialEnv {
    CredentialEnv {
        oauth_token: Some(Secret::new("bearer batch-test-token".to_owned())),
        ..CredentialEnv::default()
    }
}

/// Observes `names` of `model` through the simulator, after resetting its counts.
async fn observe(
    sim: &SimHandle,
    model: &Model,
    names: &[&str],
    timeout: Duration,
) -> Vec<Observation> {
    let envs: Vec<&Environment> = names
        .iter()
        .map(|n| model.environment(n).expect("the environment exists"))
        .collect();
    sim.reset_stats();
    observe_with(model, &envs, &options(sim.url(), timeout), &token())
        .await
        .expect("set-up succeeds")
}

/// The checks that are not OK, for a failure's message.
fn failing(v: &archcheck::verify::Verdict) -> String {
    v.checks
        .iter()
        .filter(|c| c.status != Status::Ok)
        .take(5)
        .map(|c| format!("{} {:?}: {}", c.id, c.status, c.message))
        .collect::<Vec<_>>()
        .join("\n")
}

fn env_names(n: usize) -> Vec<String> {
    (0..n).map(|e| format!("env{e:02}")).collect()
}

fn services(obs: &Observation) -> &archcheck::observe::ServicesSeen {
    match &obs.services {
        Coverage::Seen(s) => s,
        other => panic!("{}: services not seen: {other:?}", obs.environment),
    }
}

fn unavailable<T: std::fmt::Debug>(c: &Coverage<T>) -> &str {
    match c {
        Coverage::Unavailable { reason } => reason,
        other => panic!("expected UNKNOWN, got {other:?}"),
    }
}

/// 1, 2 and 50 environments whose lists fit a page (and whose GUIDs fit a URL: 150
/// instances) cost the same requests, 6: the spaces, then instances, apps, processes and
/// routes, then the bindings; 3 in a row. Every environment is seen whole and verifies OK.
#[tokio::test(flavor = "multi_thread")]
async fn one_two_and_fifty_environments_cost_the_same_requests() {
    let model = fleet(50, 3, 3);
    // Slow enough that requests sent together overlap, so the log sees them side by side.
    let sim = sim_of(&model, &["latency:250"]);
    let all = env_names(50);
    for n in [1, 2, 50] {
        let names: Vec<&str> = all[..n].iter().map(String::as_str).collect();
        let obs = observe(&sim, &model, &names, Duration::from_secs(30)).await;
        let stats = sim.stats();
        assert_eq!(stats.total, 6, "{n} environments: {stats:?}");
        for path in [
            "/v3/spaces",
            "/v3/service_instances",
            "/v3/apps",
            "/v3/processes",
            "/v3/routes",
            "/v3/service_credential_bindings",
        ] {
            assert_eq!(stats.paths.get(path), Some(&1), "{n}: {path}: {stats:?}");
        }
        assert_eq!(stats.in_a_row, 3, "{n} environments: {stats:?}");
        let verdict = archcheck::verify::verify(&model, &obs);
        assert_eq!(verdict.status, Status::Ok, "{n}: {}", failing(&verdict));
        assert_eq!(obs.len(), n);
        for (o, name) in obs.iter().zip(&names) {
            assert_eq!(&o.environment, name);
            assert_eq!(services(o).instances.len(), 3);
        }
    }
}

/// Many environments: the space lists are split only where a URL would pass the limit, each
/// group of spaces one request of each kind; every URL sent stays within it, and every
/// environment is seen (none twice, none lost at a group's edge). The world is large enough
/// (7,000 resources) that the simulator must still date every binding before the apps'
/// start, or every binding would be CRITICAL.
#[tokio::test(flavor = "multi_thread")]
async fn lists_split_only_where_a_url_would_grow_too_long() {
    let model = fleet(200, 8, 2);
    let sim = sim_of(&model, &[]);
    let all = env_names(200);
    let names: Vec<&str> = all.iter().map(String::as_str).collect();
    let obs = observe(&sim, &model, &names, Duration::from_secs(60)).await;
    let verdict = archcheck::verify::verify(&model, &obs);
    assert_eq!(verdict.status, Status::Ok, "{}", failing(&verdict));
    let stats = sim.stats();
    // 200 space GUIDs (37 bytes each with its comma) need two lists of each kind; 400
    // instance GUIDs three binding batches; 200 names of 6 bytes one lookup.
    assert_eq!(stats.paths.get("/v3/spaces"), Some(&1), "{stats:?}");
    for path in [
        "/v3/service_instances",
        "/v3/apps",
        "/v3/processes",
        "/v3/routes",
    ] {
        assert_eq!(stats.paths.get(path), Some(&2), "{path}: {stats:?}");
    }
    assert_eq!(
        stats.paths.get("/v3/service_credential_bindings"),
        Some(&3),
        "{stats:?}"
    );
    assert_eq!(stats.total, 12);
    for url in sim.request_log() {
        let full = sim.url().len() + url.len();
        assert!(full <= MAX_URL_BYTES, "{full} bytes: {url}");
    }
}

/// A failing request shared by every environment makes that part UNKNOWN in each of them,
/// with the reason; the parts it did not cover are still seen.
#[tokio::test(flavor = "multi_thread")]
async fn a_failing_shared_request_is_unknown_in_every_environment_it_covered() {
    let model = fleet(3, 2, 2);
    let names = ["env00", "env01", "env02"];
    let sim = sim_of(&model, &["status:502:/v3/service_instances"]);
    let obs = observe(&sim, &model, &names, Duration::from_secs(2)).await;
    for o in &obs {
        let reason = unavailable(&o.services);
        assert!(
            reason.starts_with("service instances: GET ")
                && reason.contains("502 Bad Gateway")
                && reason.contains("space_guids="),
            "{}: {reason}",
            o.environment
        );
        assert!(matches!(o.apps, Coverage::Seen(_)), "{}", o.environment);
    }
    let verdict = archcheck::verify::verify(&model, &obs);
    assert_eq!(verdict.status, Status::Unknown, "{}", failing(&verdict));

    // The bindings: instances seen, every environment's bindings hidden with the reason.
    sim.set_faults(&["status:503:/v3/service_credential_bindings"])
        .unwrap();
    let obs = observe(&sim, &model, &names, Duration::from_secs(2)).await;
    for o in &obs {
        let s = services(o);
        assert_eq!(s.instances.len(), 2, "{}", o.environment);
        let hidden = s.bindings_hidden.as_deref().expect("bindings hidden");
        assert!(hidden.contains("503 Service Unavailable"), "{hidden}");
    }

    // The space lookup: everything of every environment.
    sim.set_faults(&["status:500:/v3/spaces"]).unwrap();
    let obs = observe(&sim, &model, &names, Duration::from_secs(2)).await;
    for o in &obs {
        for reason in [unavailable(&o.services), unavailable(&o.apps)] {
            assert!(
                reason.starts_with("finding the space: GET ")
                    && reason.contains("names=env00,env01,env02"),
                "{reason}"
            );
        }
    }
}

/// The binding batches split by instance GUID, one of them refused (403, not retried): the
/// bindings of exactly the environments that see one of its instances are hidden, their
/// binding checks UNKNOWN; every other environment's bindings are seen from its own batch,
/// OK. No environment is OK from an answer that did not cover it.
#[tokio::test(flavor = "multi_thread")]
async fn one_refused_binding_batch_hides_the_bindings_of_its_environments_alone() {
    let model = fleet(200, 8, 2);
    let sim = sim_of(&model, &["status:403:/v3/service_credential_bindings:1"]);
    let all = env_names(200);
    let names: Vec<&str> = all.iter().map(String::as_str).collect();
    let obs = observe(&sim, &model, &names, Duration::from_secs(60)).await;
    let log = sim.request_log();
    let batches: Vec<&String> = log
        .iter()
        .filter(|u| u.starts_with("/v3/service_credential_bindings"))
        .collect();
    assert_eq!(batches.len(), 3, "{batches:?}");
    // The simulator refused the first to arrive.
    let refused = batches[0];
    let verdict = archcheck::verify::verify(&model, &obs);
    assert_eq!(verdict.status, Status::Unknown, "{}", failing(&verdict));
    let mut hidden = 0;
    for o in &obs {
        let guids = o.guids.as_ref().expect("the space was found");
        let env = &o.environment;
        let in_refused = ["svc-00", "svc-01"].iter().any(|s| {
            let guid = &guids.instances[&format!("{env}-{s}")];
            refused.contains(guid.as_str())
        });
        let s = services(o);
        assert_eq!(s.bindings_hidden.is_some(), in_refused, "{env}: {s:?}");
        let want = if in_refused {
            hidden += 1;
            Status::Unknown
        } else {
            Status::Ok
        };
        for c in verdict
            .checks
            .iter()
            .filter(|c| c.environment == *env && c.id.contains("/binding/"))
        {
            assert_eq!(c.status, want, "{}: {}", c.id, c.message);
        }
    }
    assert!(hidden > 0 && hidden < 200, "{hidden}");
}

/// The model of the attribution test: `a` (org o1, space dev) and `b` (org o2, space dev)
/// are spaces of one name in two orgs; every environment has an app `web` bound to an
/// instance `db`; `b` also has `logs`, `c` (org o1, space ops) also has `cache`.
fn attribution_model() -> Model {
    archcheck::model::load_str(
        "attribution.json",
        r#"{"version":1,"system":"attr",
          "environments":{
            "a":{"org":"o1","space":"dev"},
            "b":{"org":"o2","space":"dev"},
            "c":{"org":"o1","space":"ops"}},
          "apps":{
            "web":{"name":"web","no_route":true,"services":["db"]}},
          "services":{
            "db":{"name":"db","offering":"aws-rds","plan":"small"},
            "logs":{"name":"logs","user_provided":true,"environments":["b"]},
            "cache":{"name":"cache","offering":"redis","plan":"standard","environments":["c"]}}}"#,
    )
    .expect("the attribution model loads")
}

/// The names of an observation's instances with their bound apps, sorted.
fn bound(o: &Observation) -> Vec<(String, Vec<String>)> {
    let mut v: Vec<(String, Vec<String>)> = services(o)
        .instances
        .iter()
        .map(|s| (s.name.clone(), s.bound_apps.clone()))
        .collect();
    v.sort();
    v
}

fn pair(name: &str, apps: &[&str]) -> (String, Vec<String>) {
    (
        name.to_owned(),
        apps.iter().map(|a| (*a).to_owned()).collect(),
    )
}

/// Spaces of one name in two orgs, an app name and an instance name in several spaces, and
/// instances shared into another space of the batch: each is attributed to its own space.
#[tokio::test(flavor = "multi_thread")]
async fn shared_instances_and_same_named_spaces_are_attributed_right() {
    let model = attribution_model();
    // c's own db is gone and a's db is shared into c: c's model names `db`, so it is looked
    // up. b's logs is shared into c and c's web is bound to it: seen in c through that
    // binding, though c's model does not name it.
    let sim = sim_of(
        &model,
        &[
            "delete-instance:c:db",
            "share:a:db:c",
            "bind-shared:c:web:b:logs",
        ],
    );
    let obs = observe(&sim, &model, &["a", "b", "c"], Duration::from_secs(20)).await;
    let (a, b, c) = (&obs[0], &obs[1], &obs[2]);
    let world = sim.world();
    assert_ne!(
        world.envs["a"].space_guid, world.envs["b"].space_guid,
        "two spaces named dev"
    );
    assert!(a.sources[0].ends_with("(space o1/dev)"), "{:?}", a.sources);
    assert!(b.sources[0].ends_with("(space o2/dev)"), "{:?}", b.sources);
    assert_eq!(bound(a), [pair("db", &["web"])]);
    // b's logs is bound to c's web, which is no app of b.
    assert_eq!(bound(b), [pair("db", &["web"]), pair("logs", &[])]);
    // a's db shared into c, bound to no app of c; b's logs bound to c's web.
    assert_eq!(
        bound(c),
        [pair("cache", &[]), pair("db", &[]), pair("logs", &["web"])]
    );
    for o in [a, b, c] {
        match &o.apps {
            Coverage::Seen(s) => assert_eq!(s.apps.len(), 1, "{}", o.environment),
            other => panic!("{other:?}"),
        }
    }
    // Two lookups: the instances called db that c does not own (a's and b's); only a's is
    // shared into c.
    let lookups: Vec<String> = sim
        .request_log()
        .into_iter()
        .filter(|u| u.ends_with("/relationships/shared_spaces"))
        .collect();
    assert_eq!(lookups.len(), 2, "{lookups:?}");
    assert_eq!(sim.stats().total, 8);
}

/// Lists of several pages: once the first page says how many there are, the rest are read
/// at once, so a list costs 2 requests in a row whatever its length.
#[tokio::test(flavor = "multi_thread")]
async fn pages_after_the_first_are_read_at_once() {
    let model = fleet(1, 10, 10);
    let sim = Simulator::start(
        &model,
        SimConfig {
            faults: vec!["latency:250".to_owned()],
            max_per_page: Some(3),
            ..SimConfig::default()
        },
    )
    .expect("the simulator starts");
    let obs = observe(&sim, &model, &["env00"], Duration::from_secs(30)).await;
    let verdict = archcheck::verify::verify(&model, &obs);
    assert_eq!(verdict.status, Status::Ok, "{}", failing(&verdict));
    let stats = sim.stats();
    // 10 instances, apps, processes and routes: 4 pages each; 20 bindings: 7 pages.
    for (path, pages) in [
        ("/v3/spaces", 1),
        ("/v3/service_instances", 4),
        ("/v3/apps", 4),
        ("/v3/processes", 4),
        ("/v3/routes", 4),
        ("/v3/service_credential_bindings", 7),
    ] {
        assert_eq!(stats.paths.get(path), Some(&pages), "{path}: {stats:?}");
    }
    // The spaces; the first page of the instances, then the rest; the same of the bindings.
    assert_eq!(stats.in_a_row, 5, "{stats:?}");
}
