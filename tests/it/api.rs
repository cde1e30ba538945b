//! Integration tests: the Cloud Controller v3 API source against a real HTTP server
//! (wiremock) serving responses shaped like the v3 documentation's examples
//! (tests/fixtures/api/).

use crate::harness;
use archcheck::model::{Environment, Model};
use archcheck::observe::api::{ApiOptions, CredentialEnv, observe_with};
use archcheck::observe::{
    AppState, BoundAt, Coverage, DeploymentSeen, DeploymentState, DeploymentView, LastOperation,
    Observation, ObservedApp, ObservedService, OperationState, ProcessCounts,
};
use archcheck::secret::Secret;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "test-token-abc123";
const SPACE: &str = "sp-cap-staging";
const INSTANCES: &str = "si-db,si-redis,si-ups,si-search";

fn model() -> Model {
    archcheck::model::load(&harness::fixture("api/model.json")).expect("the test model loads")
}

fn staging(model: &Model) -> &Environment {
    model.environment("staging").expect("staging exists")
}

/// A fixture with `{{base}}` replaced by the server's address.
fn fixture(name: &str, base: &str) -> String {
    let text = std::fs::read_to_string(harness::fixture(&format!("api/{name}")))
        .unwrap_or_else(|e| panic!("fixture api/{name}: {e}"));
    text.replace("{{base}}", base)
}

fn json(name: &str, base: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(name, base), "application/json")
}

fn options(api: &str, timeout: Duration) -> ApiOptions {
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

fn token_env() -> CredentialEnv {
    CredentialEnv {
        oauth_token: Some(Secret::new(format!("bearer {TOKEN}"))),
        ..CredentialEnv::default()
    }
}

/// Runs the async source on the test's runtime.
async fn run(
    envs: &[&str],
    opts: ApiOptions,
    cred: CredentialEnv,
) -> anyhow::Result<Vec<Observation>> {
    let m = model();
    let envs: Vec<&Environment> = envs.iter().map(|e| m.environment(e).unwrap()).collect();
    observe_with(&m, &envs, &opts, &cred).await
}

async fn run_staging(server: &MockServer, timeout: Duration) -> Observation {
    let mut v = run(&["staging"], options(&server.uri(), timeout), token_env())
        .await
        .expect("set-up succeeds");
    assert_eq!(v.len(), 1);
    v.remove(0)
}

/// Every list of the healthy staging space, one page each, each asking for exactly the
/// documented parameters and the token.
async fn mount_healthy(server: &MockServer) {
    let base = server.uri();
    let auth = || header("authorization", format!("bearer {TOKEN}").as_str());
    Mock::given(method("GET"))
        .and(path("/v3/spaces"))
        .and(query_param("names", "staging"))
        .and(query_param("include", "organization"))
        .and(query_param("per_page", "5000"))
        .and(auth())
        .respond_with(json("spaces.json", &base))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/service_instances"))
        .and(query_param("space_guids", SPACE))
        .and(query_param("per_page", "5000"))
        .and(query_param(
            "fields[service_plan]",
            "guid,name,relationships.service_offering",
        ))
        .and(query_param(
            "fields[service_plan.service_offering]",
            "guid,name,relationships.service_broker",
        ))
        .and(query_param(
            "fields[service_plan.service_offering.service_broker]",
            "guid,name",
        ))
        .and(auth())
        .respond_with(json("service_instances.json", &base))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/service_credential_bindings"))
        .and(query_param("type", "app"))
        .and(query_param("include", "app"))
        .and(query_param("service_instance_guids", INSTANCES))
        .and(query_param("per_page", "5000"))
        .and(auth())
        .respond_with(json("bindings.json", &base))
        .mount(server)
        .await;
    for (p, file) in [("/v3/apps", "apps.json"), ("/v3/routes", "routes.json")] {
        Mock::given(method("GET"))
            .and(path(p))
            .and(query_param("space_guids", SPACE))
            .and(query_param("per_page", "5000"))
            .and(auth())
            .respond_with(json(file, &base))
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/v3/processes"))
        .and(query_param("space_guids", SPACE))
        .and(query_param("embed", "process_instances"))
        .and(query_param("per_page", "5000"))
        .and(auth())
        .respond_with(json("processes.json", &base))
        .mount(server)
        .await;
}

fn services(obs: &Observation) -> &archcheck::observe::ServicesSeen {
    match &obs.services {
        Coverage::Seen(s) => s,
        other => panic!("services not seen: {other:?}"),
    }
}

fn apps(obs: &Observation) -> &archcheck::observe::AppsSeen {
    match &obs.apps {
        Coverage::Seen(a) => a,
        other => panic!("apps not seen: {other:?}"),
    }
}

fn unavailable<T: std::fmt::Debug>(c: &Coverage<T>) -> &str {
    match c {
        Coverage::Unavailable { reason } => reason,
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

fn service<'a>(obs: &'a Observation, name: &str) -> &'a ObservedService {
    services(obs)
        .instances
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no instance {name}"))
}

fn expected_apps() -> Vec<ObservedApp> {
    vec![
        ObservedApp {
            name: "c2-staging".into(),
            state: Some(AppState::Started),
            processes: Some(vec![
                ProcessCounts {
                    process_type: "web".into(),
                    running: Some(1),
                    desired: 2,
                },
                ProcessCounts {
                    process_type: "clock".into(),
                    running: Some(0),
                    desired: 0,
                },
            ]),
            routes: Some(vec![
                "c2-staging-admin.app.cloud.gov/admin".into(),
                "c2-staging.app.cloud.gov".into(),
            ]),
            // Its one running instance started 100 s before the answer, after its process
            // was last updated (2016-03-23T18:48:42Z), which is what counts.
            running_since: Some(vec![1_458_758_922]),
            ..Default::default()
        },
        ObservedApp {
            name: "c2-staging-old".into(),
            state: Some(AppState::Stopped),
            processes: Some(vec![ProcessCounts {
                process_type: "web".into(),
                running: Some(0),
                desired: 1,
            }]),
            routes: Some(vec![]),
            running_since: Some(vec![]),
            ..Default::default()
        },
        ObservedApp {
            name: "c2-staging-worker".into(),
            state: Some(AppState::Started),
            processes: Some(vec![ProcessCounts {
                process_type: "web".into(),
                running: Some(0),
                desired: 1,
            }]),
            routes: Some(vec![]),
            running_since: Some(vec![]),
            ..Default::default()
        },
    ]
}

async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn healthy_space_is_seen_with_every_value() {
    let server = MockServer::start().await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(10)).await;

    assert_eq!(obs.environment, "staging");
    assert_eq!(
        obs.sources,
        vec![format!(
            "Cloud Controller {} (space cap/staging)",
            server.uri()
        )]
    );
    let s = services(&obs);
    assert_eq!(s.bindings_hidden, None);
    assert!(s.gaps.is_empty(), "{:?}", s.gaps);
    let names: Vec<&str> = s.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "c2-staging-db",
            "c2-staging-redis",
            "c2-staging-ups-newrelic",
            "shared-search"
        ]
    );
    assert_eq!(
        service(&obs, "c2-staging-db"),
        &ObservedService {
            name: "c2-staging-db".into(),
            offering: Some("aws-rds".into()),
            plan: Some("medium-psql".into()),
            broker: Some("aws-broker".into()),
            user_provided: false,
            bound_apps: vec!["c2-staging".into(), "c2-staging-worker".into()],
            last_operation: Some(LastOperation {
                kind: "create".into(),
                state: OperationState::Succeeded,
            }),
            bound_at: ["c2-staging", "c2-staging-worker"]
                .map(|app| BoundAt {
                    app: app.into(),
                    at: Some(1_447_434_176), // 2015-11-13T17:02:56Z
                })
                .to_vec(),
            binding_pending: vec![],
        }
    );
    let redis = service(&obs, "c2-staging-redis");
    assert_eq!(redis.bound_apps, vec!["c2-staging".to_owned()]);
    assert_eq!(
        redis
            .last_operation
            .as_ref()
            .map(|o| o.to_string())
            .as_deref(),
        Some("update in progress")
    );
    assert_eq!(redis.broker.as_deref(), Some("redis-broker"));
    let ups = service(&obs, "c2-staging-ups-newrelic");
    assert!(ups.user_provided);
    assert_eq!(
        (&ups.offering, &ups.plan, &ups.broker),
        (&None, &None, &None)
    );
    assert_eq!(ups.bound_apps, vec!["c2-staging".to_owned()]);

    assert_eq!(apps(&obs).apps, expected_apps());
    assert!(apps(&obs).gaps.is_empty());

    // One request per list: space, instances, bindings, apps, processes, routes.
    let all = server.received_requests().await.unwrap();
    assert_eq!(
        all.len(),
        6,
        "{:#?}",
        all.iter().map(|r| r.url.to_string()).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_space_name_in_another_org_is_never_read() {
    let server = MockServer::start().await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(10)).await;
    services(&obs);
    apps(&obs);
    for r in server.received_requests().await.unwrap() {
        assert!(
            !r.url.as_str().contains("sp-other-staging"),
            "read the space of org `other`: {}",
            r.url
        );
    }
    // And an environment in org `other` would get that one.
    let other = r#"{"version":1,"system":"x","environments":{"e":{"org":"other","space":"staging"}},"apps":{},"services":{}}"#;
    let m = archcheck::model::load_str("other.json", other).unwrap();
    let opts = options(&server.uri(), Duration::from_secs(10));
    let cred = token_env();
    let obs = observe_with(&m, &[m.environment("e").unwrap()], &opts, &cred)
        .await
        .unwrap();
    // Nothing is mounted for sp-other-staging: the lists it asks for are not found.
    let reason = unavailable(&obs[0].apps);
    assert!(reason.contains("sp-other-staging"), "{reason}");
}

/// The Cloud Controller matches `names=` in any case and answers with the names as stored:
/// `Staging` in org `CAP` is the model's `staging` in `cap`.
#[tokio::test(flavor = "multi_thread")]
async fn a_space_and_org_named_in_another_case_are_found() {
    let server = MockServer::start().await;
    let body = fixture("spaces.json", &server.uri())
        .replace("\"name\": \"staging\"", "\"name\": \"Staging\"")
        .replace("\"name\": \"cap\"", "\"name\": \"CAP\"");
    assert!(body.contains("Staging") && body.contains("CAP"));
    Mock::given(method("GET"))
        .and(path("/v3/spaces"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(10)).await;
    services(&obs);
    apps(&obs);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_space_not_found_is_unknown_saying_not_found_or_not_visible() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/spaces"))
        .respond_with(json("spaces-empty.json", &server.uri()))
        .mount(&server)
        .await;
    let obs = run_staging(&server, Duration::from_secs(5)).await;
    for reason in [unavailable(&obs.services), unavailable(&obs.apps)] {
        assert!(
            reason.contains("space `staging` in org `cap` not found")
                && reason.contains("or not visible to this user"),
            "{reason}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_org_not_found_is_unknown_too() {
    let server = MockServer::start().await;
    mount_healthy(&server).await;
    let m = archcheck::model::load_str(
        "m.json",
        r#"{"version":1,"system":"x","environments":{"e":{"org":"nope","space":"staging"}},"apps":{},"services":{}}"#,
    )
    .unwrap();
    let opts = options(&server.uri(), Duration::from_secs(5));
    let cred = token_env();
    let obs = observe_with(&m, &[m.environment("e").unwrap()], &opts, &cred)
        .await
        .unwrap();
    assert!(unavailable(&obs[0].services).contains("in org `nope` not found"));
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_are_followed_to_the_end() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/v3/apps"))
        .and(query_param("page", "2"))
        .respond_with(json("apps-page2.json", &base))
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/apps"))
        .respond_with(json("apps-page1.json", &base))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(10)).await;
    assert_eq!(apps(&obs).apps, expected_apps());
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_page_makes_the_part_unknown() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/v3/apps"))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(404).set_body_raw(
                r#"{"errors":[{"code":10010,"title":"CF-ResourceNotFound","detail":"Page not found"}]}"#,
                "application/json",
            ),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/apps"))
        .respond_with(json("apps-page1.json", &base))
        .with_priority(2)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(10)).await;
    let reason = unavailable(&obs.apps);
    assert!(
        reason.contains("page 2 of the list is missing")
            && reason.contains("404")
            && reason.contains("CF-ResourceNotFound")
            && reason.contains("/v3/apps?page=2"),
        "{reason}"
    );
    // The other part is unaffected.
    assert_eq!(services(&obs).instances.len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_that_ends_early_is_unknown() {
    let server = MockServer::start().await;
    let base = server.uri();
    // Page 1 of 2 claims 3 apps but has no next link.
    let body = fixture("apps-page1.json", &base);
    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["pagination"]["next"] = serde_json::Value::Null;
    Mock::given(method("GET"))
        .and(path("/v3/apps"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(10)).await;
    assert!(unavailable(&obs.apps).contains("the list /v3/apps ended after 2 of its 3 results"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_500_then_success_is_retried_and_seen() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/apps"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(10)).await;
    assert_eq!(apps(&obs).apps, expected_apps());
    assert_eq!(requests_to(&server, "/v3/apps").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_with_retry_after_is_honoured_then_seen() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/service_instances"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_raw(
                    r#"{"errors":[{"code":10013,"title":"CF-RateLimitExceeded","detail":"Rate Limit Exceeded"}]}"#,
                    "application/json",
                ),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let started = Instant::now();
    let obs = run_staging(&server, Duration::from_secs(10)).await;
    let elapsed = started.elapsed();
    assert_eq!(services(&obs).instances.len(), 4);
    assert!(
        elapsed >= Duration::from_millis(950),
        "Retry-After ignored: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    let si = requests_to(&server, "/v3/service_instances").await;
    assert_eq!(si.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_persistent_5xx_is_unknown_with_status_title_detail_and_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/routes"))
        .respond_with(ResponseTemplate::new(503).set_body_raw(
            r#"{"errors":[{"code":10015,"title":"CF-ServiceUnavailable","detail":"Routing API is unavailable"}]}"#,
            "application/json",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let started = Instant::now();
    let obs = run_staging(&server, Duration::from_secs(2)).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    let reason = unavailable(&obs.apps);
    assert!(
        reason.starts_with("routes: GET ")
            && reason.contains("/v3/routes?space_guids=sp-cap-staging&per_page=5000")
            && reason.contains("503 Service Unavailable")
            && reason.contains("CF-ServiceUnavailable (10015): Routing API is unavailable")
            && reason.contains("attempts"),
        "{reason}"
    );
    assert!(
        requests_to(&server, "/v3/routes").await.len() >= 2,
        "not retried"
    );
    // Services do not depend on routes.
    assert_eq!(services(&obs).instances.len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_403_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/apps"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_raw(fixture("error-envelope.json", ""), "application/json"),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(5)).await;
    let reason = unavailable(&obs.apps);
    assert!(
        reason.contains("403 Forbidden: CF-UnprocessableEntity (10008): something went wrong"),
        "{reason}"
    );
    assert_eq!(requests_to(&server, "/v3/apps").await.len(), 1);
}

/// A 502, then no answer before the deadline: the reason keeps what the server said, not only
/// that time ran out.
#[tokio::test(flavor = "multi_thread")]
async fn an_error_cut_short_by_the_deadline_keeps_the_last_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/service_instances"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/service_instances"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .with_priority(2)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(2)).await;
    let reason = unavailable(&obs.services);
    assert!(
        reason.contains("502 Bad Gateway") && reason.contains("deadline of 2 s"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_is_unknown_before_the_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let started = Instant::now();
    let obs = run_staging(&server, Duration::from_secs(2)).await;
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(2800), "took {elapsed:?}");
    assert!(
        elapsed >= Duration::from_millis(1900),
        "gave up early: {elapsed:?}"
    );
    for reason in [unavailable(&obs.services), unavailable(&obs.apps)] {
        assert!(reason.contains("deadline of 2 s"), "{reason}");
    }
}

/// The Cloud Controller always sends `last_operation` (`{}` when none was recorded): an
/// instance without the field is not understood, so its operation is UNKNOWN, never OK.
#[tokio::test(flavor = "multi_thread")]
async fn an_instance_without_last_operation_is_left_out_as_not_understood() {
    let server = MockServer::start().await;
    let mut v: serde_json::Value =
        serde_json::from_str(&fixture("service_instances.json", &server.uri())).unwrap();
    let first = &mut v["resources"][0];
    assert_eq!(first["name"], "c2-staging-db");
    first.as_object_mut().unwrap().remove("last_operation");
    v["resources"][1]["last_operation"] = serde_json::json!({});
    Mock::given(method("GET"))
        .and(path("/v3/service_instances"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(5)).await;
    let seen = services(&obs);
    assert!(
        !seen.instances.iter().any(|i| i.name == "c2-staging-db"),
        "{seen:#?}"
    );
    assert!(
        seen.gaps
            .iter()
            .any(|g| g.contains("c2-staging-db") && g.contains("no `last_operation`")),
        "{seen:#?}"
    );
    // `{}` is the Cloud Controller's "no operation recorded": seen, with none.
    assert_eq!(service(&obs, "c2-staging-redis").last_operation, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_or_truncated_json_is_unknown() {
    let server = MockServer::start().await;
    let truncated: String = fixture("routes.json", &server.uri())
        .chars()
        .take(300)
        .collect();
    Mock::given(method("GET"))
        .and(path("/v3/routes"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(truncated, "application/json"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/service_instances"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>oops</html>", "text/html"))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(5)).await;
    let r = unavailable(&obs.apps);
    assert!(
        r.contains("truncated JSON") && r.contains("/v3/routes"),
        "{r}"
    );
    let r = unavailable(&obs.services);
    assert!(
        r.contains("invalid JSON") && r.contains("line 1, column 1"),
        "{r}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_key_never_counts_as_an_app_binding() {
    let server = MockServer::start().await;
    // A server that ignores `type=app` and even names an app on the key: still not an app
    // binding.
    let body = fixture("bindings.json", &server.uri());
    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
    for b in v["resources"].as_array_mut().unwrap() {
        if b["type"] == "key" {
            b["relationships"]["app"] = serde_json::json!({"data": {"guid": "app-worker"}});
        }
    }
    Mock::given(method("GET"))
        .and(path("/v3/service_credential_bindings"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(5)).await;
    assert_eq!(
        service(&obs, "c2-staging-redis").bound_apps,
        vec!["c2-staging".to_owned()],
        "the worker's key on redis counted as a binding"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shared_instance_is_seen_with_only_this_spaces_apps() {
    let server = MockServer::start().await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(5)).await;
    let search = service(&obs, "shared-search");
    assert_eq!(search.offering.as_deref(), Some("elasticsearch"));
    assert_eq!(search.plan.as_deref(), Some("1x"));
    assert_eq!(
        search.bound_apps,
        vec!["c2-staging".to_owned()],
        "other-app (of the owning space) must not count"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bindings_that_cannot_be_read_hide_bindings_but_keep_instances() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/service_credential_bindings"))
        .respond_with(ResponseTemplate::new(403))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(5)).await;
    let s = services(&obs);
    assert_eq!(s.instances.len(), 4);
    let hidden = s.bindings_hidden.as_deref().expect("bindings hidden");
    assert!(hidden.contains("403"), "{hidden}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_embed_support_instances_come_from_stats() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/v3/processes"))
        .and(query_param("embed", "process_instances"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"errors":[{"code":10005,"title":"CF-BadQueryParameter","detail":"The query parameter is invalid: Unknown query parameter(s): 'embed'"}]}"#,
            "application/json",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/processes"))
        .respond_with(json("processes-no-embed.json", &base))
        .with_priority(2)
        .mount(&server)
        .await;
    for (guid, file) in [
        ("p-web-web", "stats-web.json"),
        ("p-worker-web", "stats-down.json"),
        ("p-old-web", "stats-down.json"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/v3/processes/{guid}/stats")))
            .respond_with(json(file, &base))
            .expect(1)
            .mount(&server)
            .await;
    }
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(5)).await;
    assert_eq!(apps(&obs).apps, expected_apps());
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_refreshes_the_cf_cli_token_once_through_uaa() {
    let server = MockServer::start().await;
    let base = server.uri();
    let home = tempfile::tempdir().unwrap();
    write_cf_config(home.path(), &base, "old-access-tok", "refresh-tok-1");
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(json("root.json", &base))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/token"))
        .and(header("authorization", "Basic Y2Y6")) // cf: (empty secret)
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=refresh-tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": TOKEN, "token_type": "bearer", "refresh_token": "refresh-tok-2",
            "expires_in": 599, "scope": "cloud_controller.read", "jti": "x"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "bearer old-access-tok"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            r#"{"errors":[{"code":1000,"title":"CF-InvalidAuthToken","detail":"Invalid Auth Token"}]}"#,
            "application/json",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let cred = CredentialEnv {
        cf_home: Some(home.path().to_owned()),
        ..CredentialEnv::default()
    };
    // No --api: the cf CLI's saved target is used.
    let mut opts = options("", Duration::from_secs(10));
    opts.api = None;
    let obs = run(&["staging"], opts, cred).await.unwrap().remove(0);
    assert_eq!(services(&obs).instances.len(), 4);
    assert_eq!(apps(&obs).apps, expected_apps());
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_refresh_is_unknown_with_uaas_reason() {
    let server = MockServer::start().await;
    let base = server.uri();
    let home = tempfile::tempdir().unwrap();
    write_cf_config(home.path(), &base, "old-access-tok", "refresh-tok-1");
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(json("root.json", &base))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_token", "error_description": "Invalid refresh token (expired): refresh-tok-1"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let cred = CredentialEnv {
        cf_home: Some(home.path().to_owned()),
        ..CredentialEnv::default()
    };
    let obs = run(&["staging"], options(&base, Duration::from_secs(5)), cred)
        .await
        .unwrap()
        .remove(0);
    let reason = unavailable(&obs.services);
    assert!(
        reason.contains("401") && reason.contains("invalid_token") && reason.contains("cf login"),
        "{reason}"
    );
    assert!(!reason.contains("refresh-tok-1"), "{reason}");
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_are_granted_through_uaa() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(json("root.json", &base))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/token"))
        .and(header("authorization", "Basic bW9uaXRvcjpzM2NyZXQ=")) // monitor:s3cret
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": TOKEN, "token_type": "bearer", "expires_in": 599
        })))
        .expect(1)
        .mount(&server)
        .await;
    // Both spaces in one lookup; only staging is there.
    Mock::given(method("GET"))
        .and(path("/v3/spaces"))
        .and(query_param("names", "dev,staging"))
        .respond_with(json("spaces.json", &base))
        .expect(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let cred = CredentialEnv {
        client_id: Some("monitor".into()),
        client_secret: Some(Secret::new("s3cret")),
        ..CredentialEnv::default()
    };
    let v = run(
        &["staging", "dev"],
        options(&base, Duration::from_secs(5)),
        cred,
    )
    .await
    .unwrap();
    assert_eq!(services(&v[0]).instances.len(), 4);
    // dev's space is not there: UNKNOWN, and the one token grant served both.
    assert!(
        matches!(&v[1].services, Coverage::Unavailable { reason } if reason.contains("space `dev` in org `cap` not found")),
        "{:?}",
        v[1].services
    );
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_token_anywhere_is_a_set_up_error_naming_the_three_ways() {
    let home = tempfile::tempdir().unwrap();
    let cred = CredentialEnv {
        cf_home: Some(home.path().to_owned()),
        ..CredentialEnv::default()
    };
    let err = run(
        &["staging"],
        options("https://api.example.org", Duration::from_secs(1)),
        cred,
    )
    .await
    .unwrap_err()
    .to_string();
    for way in [
        "CF_OAUTH_TOKEN",
        "CF_CLIENT_ID",
        "CF_CLIENT_SECRET",
        "cf login",
    ] {
        assert!(err.contains(way), "{way} not in: {err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_ca_file_is_a_set_up_error_naming_it() {
    let mut opts = options("https://api.example.org", Duration::from_secs(1));
    opts.ca_cert = Some("/nonexistent/ca.pem".into());
    let err = run(&["staging"], opts, token_env()).await.unwrap_err();
    assert!(
        format!("{err:#}").contains("/nonexistent/ca.pem"),
        "{err:#}"
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("ca.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let mut opts = options("https://api.example.org", Duration::from_secs(1));
    opts.ca_cert = Some(bad.clone());
    let err = run(&["staging"], opts, token_env()).await.unwrap_err();
    assert!(
        format!("{err:#}").contains(&bad.display().to_string()),
        "{err:#}"
    );
}

/// Two environments on one space cost the requests one environment does, 6. How many of
/// those are in a row is asserted from the simulator's order of events, not from timings
/// (`tests/it/batch.rs`).
#[tokio::test(flavor = "multi_thread")]
async fn two_environments_on_one_space_cost_what_one_does() {
    let server = MockServer::start().await;
    let base = server.uri();
    let answer = |name: &str| json(name, &base);
    Mock::given(method("GET"))
        .and(path("/v3/spaces"))
        .respond_with(answer("spaces.json"))
        .mount(&server)
        .await;
    for (p, file) in [
        ("/v3/service_instances", "service_instances.json"),
        ("/v3/service_credential_bindings", "bindings.json"),
        ("/v3/apps", "apps.json"),
        ("/v3/processes", "processes.json"),
        ("/v3/routes", "routes.json"),
    ] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(answer(file))
            .mount(&server)
            .await;
    }
    // Two environments on the same space.
    let m = archcheck::model::load_str(
        "m.json",
        r#"{"version":1,"system":"x","environments":{
            "a":{"org":"cap","space":"staging"},"b":{"org":"cap","space":"staging"}},
            "apps":{},"services":{}}"#,
    )
    .unwrap();
    let opts = options(&base, Duration::from_secs(10));
    let cred = token_env();
    let envs: Vec<&Environment> = m.environments.iter().collect();
    let obs = observe_with(&m, &envs, &opts, &cred).await.unwrap();
    for o in &obs {
        assert_eq!(services(o).instances.len(), 4);
        assert_eq!(apps(o).apps.len(), 3);
    }
    // Observed together: the two environments on one space cost what one does.
    assert_eq!(server.received_requests().await.unwrap().len(), 6);
}

fn write_cf_config(home: &Path, target: &str, access: &str, refresh: &str) {
    let dir = home.join(".cf");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.json"),
        serde_json::json!({
            "ConfigVersion": 3,
            "Target": target,
            "APIVersion": "3.180.0",
            "AuthorizationEndpoint": format!("{target}/login"),
            "UaaEndpoint": format!("{target}/uaa"),
            "AccessToken": format!("bearer {access}"),
            "RefreshToken": refresh,
            "UAAOAuthClient": "cf",
            "UAAOAuthClientSecret": "",
            "SSLDisabled": false,
            "OrganizationFields": {"GUID": "org-cap", "Name": "cap"},
            "SpaceFields": {"GUID": "sp-cap-staging", "Name": "staging"}
        })
        .to_string(),
    )
    .unwrap();
}

// ---- secrets ----

/// The child half of [`secrets_never_appear_in_any_output`]: runs the real `observe` (which
/// reads the real environment variables) with the real logging set up from `RUST_LOG`, and
/// prints what it got. Does nothing unless started by the parent.
#[test]
fn secrets_child() {
    let Ok(api) = std::env::var("ARCHCHECK_TEST_SECRETS_API") else {
        return;
    };
    archcheck::logging::init();
    let m = model();
    let opts = options(&api, Duration::from_secs(3));
    let rt = tokio::runtime::Runtime::new().unwrap();
    match rt.block_on(archcheck::observe::api::observe(&m, &[staging(&m)], &opts)) {
        Ok(obs) => {
            println!("{obs:?}");
            println!("{}", serde_json::to_string(&obs).unwrap());
        }
        Err(e) => println!("error: {e:#} / {e:?}"),
    }
}

const OAUTH_SECRET: &str = "tok-SECRET-oauth-1111";
const CLIENT_SECRET: &str = "sec-SECRET-client-2222";
const GRANTED_SECRET: &str = "tok-SECRET-granted-3333";
const ACCESS_SECRET: &str = "tok-SECRET-access-4444";
const REFRESH_SECRET: &str = "ref-SECRET-refresh-5555";
const NEW_ACCESS_SECRET: &str = "tok-SECRET-new-6666";

/// A server that fails in various ways and echoes every credential it gets into its error
/// messages, the worst case for leaks.
async fn echoing_server(uaa_grants: bool) -> MockServer {
    struct Echo(u16);
    impl wiremock::Respond for Echo {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            let auth = req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let body = String::from_utf8_lossy(&req.body).into_owned();
            let detail = format!("rejected {auth} with {body}");
            ResponseTemplate::new(self.0).set_body_json(serde_json::json!({
                "errors": [{"code": 1000, "title": "CF-InvalidAuthToken", "detail": detail}],
                "error": "invalid_token",
                "error_description": detail,
            }))
        }
    }
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(json("root.json", &base))
        .with_priority(1)
        .mount(&server)
        .await;
    if uaa_grants {
        Mock::given(method("POST"))
            .and(path("/login/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": GRANTED_SECRET,
                "refresh_token": NEW_ACCESS_SECRET, "token_type": "bearer"
            })))
            .with_priority(1)
            .mount(&server)
            .await;
    } else {
        Mock::given(method("POST"))
            .and(path("/login/oauth/token"))
            .respond_with(Echo(401))
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/v3/spaces"))
        .respond_with(json("spaces.json", &base))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/apps"))
        .respond_with(Echo(500))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/routes"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("{\"resources\": [", "application/json"),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(Echo(401))
        .with_priority(3)
        .mount(&server)
        .await;
    server
}

fn run_child(api: &str, vars: &[(&str, &str)], home: &Path) -> String {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "api::secrets_child",
        "--exact",
        "--nocapture",
        "--test-threads",
        "1",
    ]);
    for (k, _) in std::env::vars() {
        if k.starts_with("CF_") || k == "RUST_LOG" || k == "HOME" {
            cmd.env_remove(&k);
        }
    }
    cmd.env("ARCHCHECK_TEST_SECRETS_API", api)
        .env("RUST_LOG", "trace")
        .env("HOME", home)
        .env("CF_HOME", home);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the test binary runs itself");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child failed:\n{text}");
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_appear_in_any_output() {
    let secrets = [
        OAUTH_SECRET,
        CLIENT_SECRET,
        GRANTED_SECRET,
        ACCESS_SECRET,
        REFRESH_SECRET,
        NEW_ACCESS_SECRET,
    ];
    let home = tempfile::tempdir().unwrap();
    let failing = echoing_server(false).await;
    let granting = echoing_server(true).await;
    let mut outputs = Vec::new();
    // CF_OAUTH_TOKEN, rejected and echoed.
    outputs.push(run_child(
        &failing.uri(),
        &[("CF_OAUTH_TOKEN", &format!("bearer {OAUTH_SECRET}"))],
        home.path(),
    ));
    // Client credentials, refused by UAA, which echoes them.
    outputs.push(run_child(
        &failing.uri(),
        &[
            ("CF_CLIENT_ID", "monitor"),
            ("CF_CLIENT_SECRET", CLIENT_SECRET),
        ],
        home.path(),
    ));
    // Client credentials granted; the API then echoes the granted token in its errors.
    outputs.push(run_child(
        &granting.uri(),
        &[
            ("CF_CLIENT_ID", "monitor"),
            ("CF_CLIENT_SECRET", CLIENT_SECRET),
        ],
        home.path(),
    ));
    // The cf CLI's session: rejected, refresh refused with the refresh token echoed back.
    let cf_home = tempfile::tempdir().unwrap();
    write_cf_config(
        cf_home.path(),
        &failing.uri(),
        ACCESS_SECRET,
        REFRESH_SECRET,
    );
    outputs.push(run_child(
        &failing.uri(),
        &[("CF_HOME", cf_home.path().to_str().unwrap())],
        home.path(),
    ));
    // The cf CLI's session refreshed, then the new token echoed back.
    write_cf_config(
        cf_home.path(),
        &granting.uri(),
        ACCESS_SECRET,
        REFRESH_SECRET,
    );
    outputs.push(run_child(
        &granting.uri(),
        &[("CF_HOME", cf_home.path().to_str().unwrap())],
        home.path(),
    ));
    for (i, out) in outputs.iter().enumerate() {
        // The child really ran, logged at trace level, and hit the failures.
        assert!(
            out.contains("Unavailable"),
            "run {i} observed nothing:\n{out}"
        );
        assert!(
            out.contains("DEBUG") || out.contains("TRACE"),
            "run {i} did not log:\n{out}"
        );
        assert!(
            out.contains("[redacted]"),
            "run {i}: the echo was not scrubbed:\n{out}"
        );
        for s in secrets {
            assert!(!out.contains(s), "run {i} printed the secret {s}:\n{out}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn spaces_without_their_organizations_are_unknown_not_guessed() {
    let server = MockServer::start().await;
    let body = fixture("spaces.json", &server.uri());
    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v.as_object_mut().unwrap().remove("included");
    Mock::given(method("GET"))
        .and(path("/v3/spaces"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(5)).await;
    let reason = unavailable(&obs.services);
    assert!(reason.contains("include=organization"), "{reason}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_next_link_back_to_the_same_page_is_unknown() {
    let server = MockServer::start().await;
    let base = server.uri();
    let body = fixture("apps.json", &base);
    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["pagination"]["next"] =
        serde_json::json!({"href": format!("{base}/v3/apps?space_guids={SPACE}&per_page=5000")});
    Mock::given(method("GET"))
        .and(path("/v3/apps"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(5)).await;
    assert!(unavailable(&obs.apps).contains(
        "the API's pagination looped back to page 1 of /v3/apps (the next link of page 1)"
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cf_cli_config_is_read_only_when_needed() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".cf")).unwrap();
    std::fs::write(home.path().join(".cf/config.json"), "{\"Target\": ").unwrap();
    let server = MockServer::start().await;
    mount_healthy(&server).await;
    // Token and URL given: the broken config does not matter.
    let cred = CredentialEnv {
        cf_home: Some(home.path().to_owned()),
        ..token_env()
    };
    let obs = run(
        &["staging"],
        options(&server.uri(), Duration::from_secs(5)),
        cred,
    )
    .await
    .unwrap();
    assert_eq!(services(&obs[0]).instances.len(), 4);
    // Needed for the URL: a set-up error naming the file and the place.
    let cred = CredentialEnv {
        cf_home: Some(home.path().to_owned()),
        ..token_env()
    };
    let mut opts = options("", Duration::from_secs(5));
    opts.api = None;
    let err = format!("{:#}", run(&["staging"], opts, cred).await.unwrap_err());
    assert!(
        err.contains(".cf/config.json") && err.contains("line 1"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_api_url_anywhere_is_a_set_up_error() {
    let home = tempfile::tempdir().unwrap();
    let cred = CredentialEnv {
        cf_home: Some(home.path().to_owned()),
        ..token_env()
    };
    let mut opts = options("", Duration::from_secs(5));
    opts.api = None;
    let err = run(&["staging"], opts, cred).await.unwrap_err().to_string();
    assert!(
        err.contains("no API URL for environment `staging`") && err.contains("--api"),
        "{err}"
    );
}

// ---- TLS ----

/// A CA and a server certificate for 127.0.0.1 signed by it, made with the `openssl` tool.
fn make_certs(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let openssl = harness::which("openssl").unwrap_or_else(|| {
        panic!("the `openssl` tool is needed to make test certificates; install it with `apt-get install -y openssl`")
    });
    let run = |args: &[&str]| {
        let out = std::process::Command::new(&openssl)
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=archcheck test CA",
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &[
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=localhost",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("leaf.pem"),
        dir.join("leaf.key"),
    )
}

/// A tiny HTTPS server answering each path of the healthy space with its fixture.
async fn tls_server(cert: &Path, key: &Path) -> String {
    tls_server_with_root(cert, key, None).await
}

/// [`tls_server`], answering `GET /` with `root` when given.
async fn tls_server_with_root(cert: &Path, key: &Path, root: Option<String>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let b = base.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let base = b.clone();
            let root = root.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).into_owned();
                let target = head.split_whitespace().nth(1).unwrap_or("/");
                let p = target.split('?').next().unwrap_or("/");
                let file = match p {
                    "/v3/spaces" => "spaces.json",
                    "/v3/service_instances" => "service_instances.json",
                    "/v3/service_credential_bindings" => "bindings.json",
                    "/v3/apps" => "apps.json",
                    "/v3/processes" => "processes.json",
                    "/v3/routes" => "routes.json",
                    _ => "error-envelope.json",
                };
                let body = match (&root, p) {
                    (Some(r), "/") => r.clone(),
                    _ => fixture(file, &base),
                };
                let status = if file == "error-envelope.json" && !(root.is_some() && p == "/") {
                    "404 Not Found"
                } else {
                    "200 OK"
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    base
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_is_verified_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = make_certs(dir.path());
    let base = tls_server(&cert, &key).await;

    // An unknown issuer: refused, so UNKNOWN.
    let obs = run(
        &["staging"],
        options(&base, Duration::from_secs(5)),
        token_env(),
    )
    .await
    .unwrap()
    .remove(0);
    let reason = unavailable(&obs.services);
    assert!(
        reason.contains("invalid peer certificate") && reason.contains("--ca-cert"),
        "{reason}"
    );
    assert!(
        !reason.contains("attempts"),
        "a certificate error was retried: {reason}"
    );

    // The CA given with --ca-cert: seen.
    let mut opts = options(&base, Duration::from_secs(5));
    opts.ca_cert = Some(ca);
    let obs = run(&["staging"], opts, token_env())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(apps(&obs).apps, expected_apps());

    // --skip-ssl-validation: seen.
    let mut opts = options(&base, Duration::from_secs(5));
    opts.skip_ssl_validation = true;
    let obs = run(&["staging"], opts, token_env())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(services(&obs).instances.len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_errors_are_retried_then_unknown_within_the_deadline() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }; // closed again: connections are refused
    let started = Instant::now();
    let obs = run(
        &["staging"],
        options(&format!("http://127.0.0.1:{port}"), Duration::from_secs(2)),
        token_env(),
    )
    .await
    .unwrap()
    .remove(0);
    assert!(started.elapsed() < Duration::from_millis(2600));
    let reason = unavailable(&obs.services);
    assert!(
        reason.contains("could not connect") && reason.contains("attempts"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_after_beyond_the_deadline_is_not_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/apps"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "30"))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let started = Instant::now();
    let obs = run_staging(&server, Duration::from_secs(3)).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let reason = unavailable(&obs.apps);
    assert!(
        reason.contains("429 Too Many Requests")
            && reason.contains("the rate limit resets in 30 s; a 429 is retried after the reset only when that is before the deadline of the run"),
        "{reason}"
    );
    assert_eq!(services(&obs).instances.len(), 4);
}

/// A `Retry-After` of u64::MAX seconds overflowed `Instant + Duration` and panicked; any value
/// a server sends is clamped, and this one is simply past the deadline (issue 9, item 7).
#[tokio::test(flavor = "multi_thread")]
async fn a_huge_retry_after_is_clamped_not_a_panic() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/apps"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("Retry-After", "18446744073709551615"),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(3)).await;
    let reason = unavailable(&obs.apps);
    assert!(
        reason.contains("429 Too Many Requests") && reason.contains("resets in 86400 s"),
        "{reason}"
    );
    assert_eq!(services(&obs).instances.len(), 4);
}

#[test]
fn credentials_in_an_api_url_never_reach_the_report_or_errors() {
    // A URL that cannot be used is described, but never with its user info or query values.
    for url in [
        "ftp://deployer:hunter2-pw@api.example.org",
        "https://deployer:hunter2-pw@exa mple.org",
        "https://api.example.org:99999/v3?access_token=hunter2-pw",
        // Valid, but nothing listens there.
        "http://deployer:hunter2-pw@127.0.0.1:1/?token=hunter2-pw",
    ] {
        for format in ["text", "json"] {
            let out = harness::archcheck()
                .args(["verify", "models/c2.json", "--env", "staging", "--format"])
                .arg(format)
                .arg("--api")
                .arg(url)
                .args(["--timeout", "2s"])
                .env("CF_OAUTH_TOKEN", "tok-0123456789")
                .output()
                .unwrap();
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.status.code(), Some(3), "{url}: {all}");
            assert!(
                all.contains("API URL") || all.contains("127.0.0.1:1"),
                "{url}: the reason is missing: {all}"
            );
            assert!(!all.contains("hunter2"), "{url} leaked its secret:\n{all}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_without_a_last_operation_is_seen() {
    // The Cloud Controller answers `"last_operation": {}` for an instance that has none (e.g.
    // one created through the v2 API); that must not make the whole list unreadable.
    let server = MockServer::start().await;
    let body = fixture("service_instances.json", &server.uri());
    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["resources"][0]["last_operation"] = serde_json::json!({});
    Mock::given(method("GET"))
        .and(path("/v3/service_instances"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(5)).await;
    let db = service(&obs, "c2-staging-db");
    assert_eq!(db.last_operation, None);
    assert_eq!(db.plan.as_deref(), Some("medium-psql"));
    assert!(services(&obs).gaps.is_empty(), "{:?}", services(&obs).gaps);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_last_operation_not_understood_is_never_ok() {
    let server = MockServer::start().await;
    let body = fixture("service_instances.json", &server.uri());
    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["resources"][0]["last_operation"]["state"] = serde_json::json!("orphan mitigation");
    Mock::given(method("GET"))
        .and(path("/v3/service_instances"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(5)).await;
    let m = model();
    let verdict = archcheck::verify::verify(&m, &[obs]);
    let op = verdict
        .checks
        .iter()
        .find(|c| c.id == "staging/service-operation/db")
        .expect("the operation check of db");
    assert_eq!(
        op.status,
        archcheck::verify::Status::Unknown,
        "an operation that could not be read passed: {op:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_binding_not_created_successfully_gives_the_app_nothing() {
    // The Cloud Controller puts a binding into the app's VCAP_SERVICES only when it has no
    // last operation or `create succeeded`: a failed, pending or deleting binding gives the app
    // no credentials, so it must not count as bound.
    for (kind, state) in [
        ("create", "failed"),
        ("create", "in progress"),
        ("create", "initial"),
        ("delete", "in progress"),
        ("delete", "failed"),
    ] {
        let server = MockServer::start().await;
        let body = fixture("bindings.json", &server.uri());
        let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
        for b in v["resources"].as_array_mut().unwrap() {
            if b["guid"] == "b-worker-db" {
                b["last_operation"]["type"] = serde_json::json!(kind);
                b["last_operation"]["state"] = serde_json::json!(state);
            }
            if b["guid"] == "b-web-db" {
                b["last_operation"] = serde_json::json!({});
            }
        }
        Mock::given(method("GET"))
            .and(path("/v3/service_credential_bindings"))
            .respond_with(ResponseTemplate::new(200).set_body_json(v))
            .with_priority(1)
            .mount(&server)
            .await;
        mount_healthy(&server).await;
        let obs = run_staging(&server, Duration::from_secs(5)).await;
        assert_eq!(
            service(&obs, "c2-staging-db").bound_apps,
            vec!["c2-staging".to_owned()],
            "a `{kind} {state}` binding counted as bound"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn user_info_in_the_api_url_never_goes_to_the_server() {
    // Only the token authenticates: user info in --api must not become a second
    // `Authorization: Basic ...` header beside the bearer token.
    let server = MockServer::start().await;
    mount_healthy(&server).await;
    let with_user = server
        .uri()
        .replace("http://", "http://deployer:hunter2-pw@");
    let obs = run(
        &["staging"],
        options(&with_user, Duration::from_secs(5)),
        token_env(),
    )
    .await
    .expect("set-up succeeds")
    .remove(0);
    assert!(obs.services.seen().is_some(), "{:?}", obs.services);
    let requests = requests_to(&server, "/v3/spaces").await;
    assert!(!requests.is_empty());
    for r in requests {
        let auth: Vec<_> = r.headers.get_all("authorization").iter().collect();
        assert_eq!(auth.len(), 1, "{auth:?}");
        assert_eq!(auth[0], format!("bearer {TOKEN}").as_str());
    }
}

/// A token grant's answer holds secrets not known yet to be scrubbed: an error about it
/// quotes nothing of it. (A bare JSON string was quoted by serde: `invalid type: string
/// "<the new token>"`.)
#[tokio::test(flavor = "multi_thread")]
async fn a_token_grant_answer_that_cannot_be_read_is_never_quoted() {
    const BARE: &str = "tok-SECRET-bare-9999";
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(json("root.json", &base))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/login/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!(BARE)))
        .expect(1)
        .mount(&server)
        .await;
    let cred = CredentialEnv {
        client_id: Some("monitor".into()),
        client_secret: Some(Secret::new("s3cret")),
        ..CredentialEnv::default()
    };
    let obs = run(&["staging"], options(&base, Duration::from_secs(5)), cred)
        .await
        .unwrap()
        .remove(0);
    let reason = unavailable(&obs.services);
    assert!(
        reason.contains("POST ") && reason.contains("/login/oauth/token gave unexpected JSON"),
        "{reason}"
    );
    assert!(!reason.contains(BARE), "{reason}");
    server.verify().await;
}

/// An API reached with TLS whose root names a UAA without TLS: the client secret is not sent
/// there in clear text; the refusal names the UAA's origin.
#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_never_go_to_a_plain_http_uaa_of_an_https_api() {
    let uaa = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = make_certs(dir.path());
    let root = serde_json::json!({"links": {"login": {"href": format!("{}/login", uaa.uri())}}});
    let base = tls_server_with_root(&cert, &key, Some(root.to_string())).await;
    let mut opts = options(&base, Duration::from_secs(5));
    opts.ca_cert = Some(ca);
    let cred = CredentialEnv {
        client_id: Some("monitor".into()),
        client_secret: Some(Secret::new("s3cret-never-in-clear")),
        ..CredentialEnv::default()
    };
    let obs = run(&["staging"], opts, cred).await.unwrap().remove(0);
    let reason = unavailable(&obs.services);
    assert!(
        reason.contains(&format!(
            "the API root names its UAA at {}, without TLS, while the API uses https",
            uaa.uri()
        )),
        "{reason}"
    );
    let received = uaa.received_requests().await.unwrap_or_default();
    assert!(received.is_empty(), "UAA got {} request(s)", received.len());
}

/// An answer larger than archcheck reads (here 65 MiB of valid JSON, chunked, so no length
/// is announced) is cut off at 64 MiB, not buffered to the end (a server sending without end
/// grew memory until the request timed out).
#[tokio::test(flavor = "multi_thread")]
async fn an_answer_past_the_body_cap_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let spaces = fixture("spaces.json", &base);
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let spaces = spaces.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tcp.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                            Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
                if tcp.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                // The space list, then 65 MiB of whitespace (still valid JSON).
                let blank = vec![b' '; 1024 * 1024];
                let mut chunks = vec![spaces.into_bytes()];
                chunks.extend((0..65).map(|_| blank.clone()));
                for c in chunks {
                    let mut framed = format!("{:x}\r\n", c.len()).into_bytes();
                    framed.extend_from_slice(&c);
                    framed.extend_from_slice(b"\r\n");
                    if tcp.write_all(&framed).await.is_err() {
                        return;
                    }
                }
                let _ = tcp.write_all(b"0\r\n\r\n").await;
                let _ = tcp.shutdown().await;
            });
        }
    });
    let obs = run(
        &["staging"],
        options(&base, Duration::from_secs(20)),
        token_env(),
    )
    .await
    .unwrap()
    .remove(0);
    let reason = unavailable(&obs.services);
    assert!(
        reason.contains("/v3/spaces")
            && reason.contains(
                "the answer is larger than 64 MiB, more than archcheck reads of one answer"
            ),
        "{reason}"
    );
}

// ---- deployments and bindings in effect (issue 10 items 1 and 2) ----

/// A fixture as JSON, `{{base}}` replaced, changed by `edit`, as a response with the
/// Cloud Controller's `Date` header.
fn edited(
    name: &str,
    base: &str,
    date: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> ResponseTemplate {
    let mut v: serde_json::Value = serde_json::from_str(&fixture(name, base)).unwrap();
    edit(&mut v);
    ResponseTemplate::new(200)
        .set_body_raw(v.to_string(), "application/json")
        .insert_header("date", date)
}

/// The resource of a list fixture with this GUID.
fn resource<'a>(v: &'a mut serde_json::Value, guid: &str) -> &'a mut serde_json::Value {
    v["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["guid"] == guid)
        .unwrap_or_else(|| panic!("no {guid}"))
}

fn check<'a>(v: &'a archcheck::verify::Verdict, id: &str) -> &'a archcheck::verify::Check {
    v.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

/// During a deployment the Cloud Controller lists two `web` processes of the app (the old one
/// and its clone): that sign, and only it, makes one request for the deployments of that app,
/// newest first, in the shapes of `deployment_presenter.rb`. The deployment's age counts from
/// the answer's `Date` (the Cloud Controller's clock), and the app's instance check is pending:
/// a WARNING, never CRITICAL, with no restart. A healthy space asks for no deployment at all
/// (`healthy_space_is_seen_with_every_value` counts its 6 requests).
#[tokio::test(flavor = "multi_thread")]
async fn two_web_processes_read_the_apps_deployments_in_the_documented_shapes() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/v3/processes"))
        .respond_with(json("processes-deploying.json", &base))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/deployments"))
        .and(query_param("app_guids", "app-web"))
        .and(query_param("order_by", "-created_at"))
        .and(query_param("per_page", "5000"))
        .and(header("authorization", format!("bearer {TOKEN}").as_str()))
        .respond_with(
            json("deployments.json", &base).insert_header("date", "Thu, 04 Aug 2016 22:15:00 GMT"),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(10)).await;
    let web = apps(&obs)
        .apps
        .iter()
        .find(|a| a.name == "c2-staging")
        .unwrap();
    assert_eq!(
        web.deployment,
        DeploymentView::Seen(DeploymentSeen {
            guid: "59c3d133-2b83-46f3-960e-7765a129aea4".into(),
            state: DeploymentState::Deploying,
            strategy: "rolling".into(),
            age_secs: Some(40),
            error: None,
            new_instances: Some((0, 1)),
            web_instances: None,
        })
    );
    let worker = apps(&obs)
        .apps
        .iter()
        .find(|a| a.name == "c2-staging-worker")
        .unwrap();
    assert_eq!(
        worker.deployment,
        DeploymentView::NotShown,
        "not asked about"
    );

    let verdict = archcheck::verify::verify(&model(), &[obs]);
    let c = check(&verdict, "staging/app-instances/web");
    assert_eq!(c.status, archcheck::verify::Status::Warning, "{c:?}");
    assert_eq!(
        c.message,
        "deploying: 0 of 2 new web instances running (rolling, started 40 s ago)"
    );
    assert_eq!(c.observed.as_deref(), Some("web:2/2, web:0/1, clock:0/0"));
    assert_eq!(c.repair, None, "no restart in the middle of a deployment");
    assert!(
        c.pending
            .as_deref()
            .is_some_and(|p| p.contains("DEPLOYING"))
    );
    server.verify().await;
}

/// A deployment that cannot be read leaves two web processes with too few instances UNKNOWN,
/// never CRITICAL with a restart.
#[tokio::test(flavor = "multi_thread")]
async fn unreadable_deployments_leave_a_shortfall_unknown() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/v3/processes"))
        .respond_with(json("processes-deploying.json", &base))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/deployments"))
        .respond_with(ResponseTemplate::new(403).set_body_raw(
            r#"{"errors":[{"code":10003,"title":"CF-NotAuthorized","detail":"You are not authorized to perform the requested action"}]}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(10)).await;
    let verdict = archcheck::verify::verify(&model(), &[obs]);
    let c = check(&verdict, "staging/app-instances/web");
    assert_eq!(c.status, archcheck::verify::Status::Unknown, "{c:?}");
    assert!(
        c.message
            .contains("lists web twice, as during a deployment"),
        "{}",
        c.message
    );
    assert_eq!(c.repair, None);
}

/// `since` of an embedded instance is the seconds it has been in its state (the Cloud
/// Controller's `instances_stats_reporter.rb`), counted back from the answer's `Date`; an
/// instance's environment is fixed no later than that or its process's last start
/// (`updated_at`), whichever is earlier. A binding created after that, for every running
/// instance, is not in the running app's environment: CRITICAL, repaired by `cf restage`.
#[tokio::test(flavor = "multi_thread")]
async fn a_binding_created_after_every_running_instance_started_is_not_in_effect() {
    // 22:15:00 minus 3600 s: the instance started at 21:15:00, before its process was last
    // updated (a scale at 22:13), so 21:15:00 is when its environment was fixed.
    const STARTED: i64 = 1_470_345_300; // 2016-08-04T21:15:00Z
    for (bound, status) in [
        ("2016-08-04T22:00:00Z", archcheck::verify::Status::Critical),
        ("2016-08-04T21:00:00Z", archcheck::verify::Status::Ok),
    ] {
        let server = MockServer::start().await;
        let base = server.uri();
        Mock::given(method("GET"))
            .and(path("/v3/processes"))
            .respond_with(edited(
                "processes.json",
                &base,
                "Thu, 04 Aug 2016 22:15:00 GMT",
                |v| {
                    let web = resource(v, "p-web-web");
                    web["updated_at"] = "2016-08-04T22:13:00Z".into();
                    web["process_instances"][0]["since"] = 3600.into();
                },
            ))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v3/service_credential_bindings"))
            .respond_with(edited(
                "bindings.json",
                &base,
                "Thu, 04 Aug 2016 22:15:00 GMT",
                |v| resource(v, "b-web-db")["created_at"] = bound.into(),
            ))
            .with_priority(1)
            .mount(&server)
            .await;
        mount_healthy(&server).await;
        let obs = run_staging(&server, Duration::from_secs(10)).await;
        let web = apps(&obs)
            .apps
            .iter()
            .find(|a| a.name == "c2-staging")
            .unwrap();
        assert_eq!(web.running_since, Some(vec![STARTED]));
        let verdict = archcheck::verify::verify(&model(), &[obs]);
        let c = check(&verdict, "staging/binding/web->db");
        assert_eq!(c.status, status, "{bound}: {c:?}");
        if status == archcheck::verify::Status::Critical {
            assert_eq!(
                c.message,
                "c2-staging was bound to c2-staging-db at 22:00 UTC on 2016-08-04 but has not \
                 been restarted since: the running app cannot see it"
            );
            assert_eq!(c.repair.as_deref(), Some("cf restage c2-staging"));
        }
    }
}

/// A binding whose last operation is `create in progress` is pending: a WARNING that says
/// so, not a lost binding repaired by `cf bind-service`.
#[tokio::test(flavor = "multi_thread")]
async fn a_binding_being_created_is_pending() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/v3/service_credential_bindings"))
        .respond_with(edited(
            "bindings.json",
            &base,
            "Thu, 04 Aug 2016 22:15:00 GMT",
            |v| resource(v, "b-web-redis")["last_operation"]["state"] = "in progress".into(),
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(10)).await;
    assert_eq!(
        service(&obs, "c2-staging-redis").binding_pending,
        ["c2-staging"]
    );
    assert!(service(&obs, "c2-staging-redis").bound_apps.is_empty());
    let verdict = archcheck::verify::verify(&model(), &[obs]);
    let c = check(&verdict, "staging/binding/web->queue");
    assert_eq!(c.status, archcheck::verify::Status::Warning, "{c:?}");
    assert_eq!(
        c.message,
        "the binding of c2-staging to c2-staging-redis is being created (create in progress): not in effect yet"
    );
    assert_eq!(c.repair, None);
    assert!(c.pending.is_some());
}

// ---- causes from audit events (issue 10 item 4) ----

/// A CRITICAL check makes one audit-event request for its space (the types that explain,
/// `created_ats[gte]` the window, newest first), and the newest event that explains it is
/// said in words with its actor and time: a lost binding's deletion (its app and instance
/// GUIDs in `data.request`, as `service_generic_binding_event_repository.rb` records them),
/// part of a manifest push applied to the app minutes before. Nothing of `data` but GUIDs
/// reaches the report.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_bindings_cause_names_who_deleted_it_and_when() {
    let server = MockServer::start().await;
    mount_healthy(&server).await;
    let events = serde_json::json!({
        "pagination": { "total_results": 3, "total_pages": 1, "first": { "href": format!("{}/v3/audit_events?page=1", server.uri()) }, "last": { "href": format!("{}/v3/audit_events?page=1", server.uri()) }, "next": null, "previous": null },
        "resources": [
            {
                "guid": "ev-delete", "created_at": "2016-08-04T22:13:05Z", "updated_at": "2016-08-04T22:13:05Z",
                "type": "audit.service_binding.delete",
                "actor": { "guid": "u-ci", "type": "user", "name": "ci-deployer@example.gov" },
                "target": { "guid": "b-worker-redis", "type": "service_binding", "name": "" },
                "data": { "request": { "app_guid": "app-worker", "route_guid": null, "service_instance_guid": "si-redis" } },
                "space": { "guid": SPACE }, "organization": { "guid": "org-cap" },
                "links": { "self": { "href": "x" } }
            },
            {
                "guid": "ev-other", "created_at": "2016-08-04T22:14:00Z", "updated_at": "2016-08-04T22:14:00Z",
                "type": "audit.service_binding.delete",
                "actor": { "guid": "u-ci", "type": "user", "name": "ci-deployer@example.gov" },
                "target": { "guid": "b-other", "type": "service_binding", "name": "" },
                "data": { "request": { "app_guid": "app-other", "service_instance_guid": "si-redis" } },
                "space": { "guid": SPACE }, "organization": { "guid": "org-cap" },
                "links": { "self": { "href": "x" } }
            },
            {
                "guid": "ev-manifest", "created_at": "2016-08-04T22:12:40Z", "updated_at": "2016-08-04T22:12:40Z",
                "type": "audit.app.apply_manifest",
                "actor": { "guid": "u-ci", "type": "user", "name": "ci-deployer@example.gov" },
                "target": { "guid": "app-worker", "type": "app", "name": "c2-staging-worker" },
                "data": { "request": { "manifest": "applications:\n- name: c2-staging-worker\n  env: {PASSWORD: hunter2}" } },
                "space": { "guid": SPACE }, "organization": { "guid": "org-cap" },
                "links": { "self": { "href": "x" } }
            }
        ]
    });
    Mock::given(method("GET"))
        .and(path("/v3/audit_events"))
        .and(query_param("space_guids", SPACE))
        .and(query_param("order_by", "-created_at"))
        .and(query_param("per_page", "5000"))
        .and(query_param(
            "types",
            archcheck::observe::api::AUDIT_EVENT_TYPES
                .join(",")
                .as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(events))
        .expect(1)
        .mount(&server)
        .await;
    let m = model();
    let opts = options(&server.uri(), Duration::from_secs(10));
    let session =
        archcheck::observe::api::Session::new(&[staging(&m)], &opts, &token_env()).unwrap();
    let obs = session.observe().await;
    let mut verdict = archcheck::verify::verify(&m, &obs);
    let wanted = vec![(
        "staging".to_owned(),
        archcheck::verify::wanted_causes(&verdict, staging(&m)),
    )];
    let found = session.explain(&obs, wanted, 1_469_923_200).await;
    archcheck::verify::attach_causes(&mut verdict, found);
    let c = check(&verdict, "staging/binding/worker->queue");
    assert_eq!(c.status, archcheck::verify::Status::Critical);
    let e = c.explained.as_ref().expect("explained");
    assert_eq!(
        e.text,
        "binding deleted by ci-deployer@example.gov (user) at 2016-08-04T22:13:05Z, during a manifest push"
    );
    let ev = e.event.as_ref().unwrap();
    assert_eq!(
        (ev.guid.as_str(), ev.kind.as_str()),
        ("ev-delete", "audit.service_binding.delete")
    );
    assert_eq!(ev.actor.name, "ci-deployer@example.gov");
    let json = serde_json::to_string(&c).unwrap();
    assert!(
        !json.contains("hunter2") && !json.contains("manifest\""),
        "{json}"
    );
    let requests = requests_to(&server, "/v3/audit_events").await;
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0]
            .url
            .query_pairs()
            .any(|(k, v)| k == "created_ats[gte]" && v == "2016-07-31T00:00:00Z"),
        "{}",
        requests[0].url
    );
    server.verify().await;
}

/// Audit events that cannot be read leave every cause unknown, saying so; the statuses are
/// what they were: a 403 (a role without access) and a 400 (a Cloud Controller that does not
/// take `created_ats`).
#[tokio::test(flavor = "multi_thread")]
async fn audit_events_that_cannot_be_read_leave_the_cause_unknown() {
    let refusals = [
        (
            403,
            r#"{"errors":[{"code":10003,"title":"CF-NotAuthorized","detail":"You are not authorized to perform the requested action"}]}"#,
        ),
        (
            400,
            r#"{"errors":[{"code":10005,"title":"CF-BadQueryParameter","detail":"The query parameter is invalid: Unknown query parameter(s): 'created_ats'"}]}"#,
        ),
    ];
    for (code, body) in refusals {
        let server = MockServer::start().await;
        mount_healthy(&server).await;
        Mock::given(method("GET"))
            .and(path("/v3/audit_events"))
            .respond_with(ResponseTemplate::new(code).set_body_raw(body, "application/json"))
            .mount(&server)
            .await;
        let m = model();
        let opts = options(&server.uri(), Duration::from_secs(10));
        let session =
            archcheck::observe::api::Session::new(&[staging(&m)], &opts, &token_env()).unwrap();
        let obs = session.observe().await;
        let before = archcheck::verify::verify(&m, &obs);
        let mut verdict = before.clone();
        let wanted = vec![(
            "staging".to_owned(),
            archcheck::verify::wanted_causes(&verdict, staging(&m)),
        )];
        let found = session.explain(&obs, wanted, 0).await;
        archcheck::verify::attach_causes(&mut verdict, found);
        let e = check(&verdict, "staging/binding/worker->queue")
            .explained
            .as_ref()
            .expect("a cause, unknown");
        assert!(
            e.text
                .starts_with("unknown: the audit events could not be read: ")
                && e.text.contains(&code.to_string()),
            "{}",
            e.text
        );
        assert_eq!(e.event, None);
        let statuses = |v: &archcheck::verify::Verdict| -> Vec<_> {
            v.checks.iter().map(|c| (c.id.clone(), c.status)).collect()
        };
        assert_eq!(statuses(&verdict), statuses(&before));
        assert_eq!(verdict.status, before.status);
    }
}

/// `archcheck verify --api` against the plain mock: the CRITICAL checks of a space (a lost
/// binding, a stopped app, an app with nothing running) are explained from exactly one
/// audit-event request; with no event that explains them, each cause says so.
#[tokio::test(flavor = "multi_thread")]
async fn one_audit_event_request_explains_every_critical_check_of_a_space() {
    let server = MockServer::start().await;
    mount_healthy(&server).await;
    let empty = format!(
        r#"{{"pagination":{{"total_results":0,"total_pages":1,"first":{{"href":"{0}/v3/audit_events?page=1"}},"last":{{"href":"{0}/v3/audit_events?page=1"}},"next":null,"previous":null}},"resources":[]}}"#,
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path("/v3/audit_events"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(empty, "application/json"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let out = harness::archcheck()
        .args([
            "verify",
            harness::fixture("api/model.json").to_str().unwrap(),
        ])
        .args([
            "--env",
            "staging",
            "--format",
            "json",
            "--api",
            &server.uri(),
        ])
        .args(["--since", "40d"])
        .env("CF_HOME", dir.path())
        .env("CF_OAUTH_TOKEN", format!("bearer {TOKEN}"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["status"], "CRITICAL", "{report:#}");
    assert_eq!(requests_to(&server, "/v3/audit_events").await.len(), 1);
    let critical: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "CRITICAL" && c["kind"] != "unexpected")
        .collect();
    assert!(critical.len() >= 2, "{report:#}");
    for c in critical {
        let text = c["cause"]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{c:#}"));
        // A window past what the Cloud Controller keeps says so.
        assert!(
            text.starts_with("unknown: no audit event since ")
                && text
                    .ends_with(" explains it (the Cloud Controller keeps them 31 days by default)"),
            "{text}"
        );
    }
}

// ---- what a foundation may send that proves nothing (adversarial review) ----

/// The service instance list of staging in two pages: page 1 (db, redis, ups) links to
/// `next`, which serves shared-search owned by another space, `sp-prod`, not shared here.
async fn mount_instances_paged(server: &MockServer, next: &str) {
    let base = server.uri();
    let mut page1: serde_json::Value =
        serde_json::from_str(&fixture("service_instances.json", &base)).unwrap();
    let mut page2 = page1.clone();
    page1["resources"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["guid"] != "si-search");
    page1["pagination"]["total_pages"] = 2.into();
    page1["pagination"]["next"] = serde_json::json!({ "href": format!("{base}{next}") });
    page2["resources"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["guid"] == "si-search");
    page2["resources"][0]["relationships"]["space"]["data"]["guid"] = "sp-prod".into();
    page2["pagination"]["total_pages"] = 2.into();
    let page2_path = next.split('?').next().unwrap().to_owned();
    Mock::given(method("GET"))
        .and(path(page2_path.as_str()))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page2))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/service_instances"))
        .and(query_param("space_guids", SPACE))
        .respond_with(ResponseTemplate::new(200).set_body_json(page1))
        .with_priority(2)
        .mount(server)
        .await;
}

/// A `next` link that leaves the list asked for (it drops the `space_guids` filter, changes
/// it, or goes to another path) is not followed: what it serves is not of the spaces asked
/// for. (It was followed, and with one space in the batch every instance listed is the
/// space's: an instance of another space passed as staging's.)
#[tokio::test(flavor = "multi_thread")]
async fn a_next_link_that_leaves_the_list_asked_for_is_unknown() {
    const FIELDS: &str = "fields%5Bservice_plan%5D=guid%2Cname%2Crelationships.service_offering\
        &fields%5Bservice_plan.service_offering%5D=guid%2Cname%2Crelationships.service_broker\
        &fields%5Bservice_plan.service_offering.service_broker%5D=guid%2Cname";
    for (next, says) in [
        (
            "/v3/service_instances?page=2&per_page=5000".to_owned(),
            "`space_guids`",
        ),
        (
            format!("/v3/service_instances?{FIELDS}&page=2&per_page=5000&space_guids=sp-prod"),
            "`space_guids`",
        ),
        (
            format!("/cf/v3/service_instances?{FIELDS}&page=2&per_page=5000&space_guids={SPACE}"),
            "another path",
        ),
    ] {
        let server = MockServer::start().await;
        mount_instances_paged(&server, &next).await;
        mount_healthy(&server).await;
        let obs = run_staging(&server, Duration::from_secs(10)).await;
        let reason = unavailable(&obs.services);
        assert!(
            reason.contains(
                "the next link of page 1 of /v3/service_instances does not continue the list asked for"
            ) && reason.contains(says),
            "{next}: {reason}"
        );
        assert!(!reason.contains("sp-prod"), "{reason}");
    }
}

/// The same list in the Cloud Controller's own spelling (every parameter, sorted, commas
/// and brackets encoded, another page size) is followed.
#[tokio::test(flavor = "multi_thread")]
async fn a_next_link_in_the_cloud_controllers_spelling_is_followed() {
    let server = MockServer::start().await;
    mount_instances_paged(
        &server,
        "/v3/service_instances?fields%5Bservice_plan%5D=guid%2Cname%2Crelationships.service_offering\
         &fields%5Bservice_plan.service_offering%5D=guid%2Cname%2Crelationships.service_broker\
         &fields%5Bservice_plan.service_offering.service_broker%5D=guid%2Cname\
         &page=2&per_page=5000&space_guids=sp-cap-staging",
    )
    .await;
    mount_healthy(&server).await;
    let obs = run_staging(&server, Duration::from_secs(10)).await;
    assert_eq!(services(&obs).instances.len(), 4);
}

/// Two web processes whose instances all run, the clone's too, and a newest deployment
/// whose status archcheck does not understand (a reason of a newer Cloud Controller, or a
/// finalized deployment that ended neither deployed nor canceled): what state the app's
/// deployment is in is not known, so its instance check is UNKNOWN, never OK. The same for
/// an app followed from a round that saw it deploying, whose deployments cannot be read now
/// (it was OK: a canceled deployment went unseen).
#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_not_understood_is_never_ok() {
    let all_running = |v: &mut serde_json::Value| {
        for i in resource(v, "p-web-web")["process_instances"]
            .as_array_mut()
            .unwrap()
        {
            i["state"] = "RUNNING".into();
        }
        resource(v, "p-web-web-deploying")["process_instances"][0]["state"] = "RUNNING".into();
    };
    let web_running = |v: &mut serde_json::Value| {
        resource(v, "p-web-web")["process_instances"][1]["state"] = "RUNNING".into();
    };
    let status = |value: &'static str, reason: &'static str| {
        move |v: &mut serde_json::Value| {
            v["resources"][0]["status"]["value"] = value.into();
            v["resources"][0]["status"]["reason"] = reason.into();
        }
    };
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: [(&str, &str, Edit, Option<Edit>, bool); 4] = [
        (
            "two web processes",
            "processes-deploying.json",
            Box::new(all_running),
            Some(Box::new(status("ACTIVE", "ROLLING_BACK"))),
            false,
        ),
        (
            "two web processes",
            "processes-deploying.json",
            Box::new(all_running),
            Some(Box::new(status("FINALIZED", "FAILED"))),
            false,
        ),
        (
            "followed",
            "processes.json",
            Box::new(web_running),
            Some(Box::new(status("FINALIZED", "FAILED"))),
            true,
        ),
        (
            "followed, deployments not readable",
            "processes.json",
            Box::new(web_running),
            None,
            true,
        ),
    ];
    for (what, processes, edit_processes, edit_deployments, follow) in cases {
        let server = MockServer::start().await;
        let base = server.uri();
        let date = "Thu, 04 Aug 2016 22:15:00 GMT";
        Mock::given(method("GET"))
            .and(path("/v3/processes"))
            .respond_with(edited(processes, &base, date, |v| edit_processes(v)))
            .with_priority(1)
            .mount(&server)
            .await;
        let deployments = match &edit_deployments {
            Some(edit) => edited("deployments.json", &base, date, |v| edit(v)),
            None => ResponseTemplate::new(403).set_body_raw(
                r#"{"errors":[{"code":10003,"title":"CF-NotAuthorized","detail":"You are not authorized to perform the requested action"}]}"#,
                "application/json",
            ),
        };
        Mock::given(method("GET"))
            .and(path("/v3/deployments"))
            .respond_with(deployments)
            .expect(1)
            .mount(&server)
            .await;
        mount_healthy(&server).await;
        let mut opts = options(&server.uri(), Duration::from_secs(10));
        if follow {
            opts.follow = [("staging".to_owned(), "c2-staging".to_owned())].into();
        }
        let obs = run(&["staging"], opts, token_env()).await.unwrap();
        // Still followed: a round that could not tell does not forget the deployment.
        assert_eq!(
            archcheck::observe::api::to_follow(&obs),
            [("staging".to_owned(), "c2-staging".to_owned())].into(),
            "{what}"
        );
        let verdict = archcheck::verify::verify(&model(), &obs);
        let c = check(&verdict, "staging/app-instances/web");
        assert_eq!(
            c.status,
            archcheck::verify::Status::Unknown,
            "{what}: {c:?}"
        );
        assert_eq!(c.repair, None, "{what}");
        server.verify().await;
    }
}

/// Whether a binding is in the running app's environment needs when it was created and when
/// the app's running instances started. An API answer without either (a `created_at` that
/// does not read as a time, a running instance without `since`) leaves that UNKNOWN: the
/// binding was OK without a look.
#[tokio::test(flavor = "multi_thread")]
async fn a_binding_without_the_times_to_tell_whether_it_is_in_effect_is_unknown() {
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: [(&str, &str, Edit); 3] = [
        (
            "created_at unreadable",
            "bindings.json",
            Box::new(|v| {
                resource(v, "b-web-db")["created_at"] = "last tuesday".into();
            }),
        ),
        (
            "created_at missing",
            "bindings.json",
            Box::new(|v| {
                resource(v, "b-web-db")
                    .as_object_mut()
                    .unwrap()
                    .remove("created_at");
            }),
        ),
        (
            "since missing",
            "processes.json",
            Box::new(|v| {
                resource(v, "p-web-web")["process_instances"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("since");
            }),
        ),
    ];
    for (what, file, edit) in cases {
        let server = MockServer::start().await;
        let base = server.uri();
        let p = if file == "bindings.json" {
            "/v3/service_credential_bindings"
        } else {
            "/v3/processes"
        };
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(edited(file, &base, "Thu, 04 Aug 2016 22:15:00 GMT", &edit))
            .with_priority(1)
            .mount(&server)
            .await;
        mount_healthy(&server).await;
        let obs = run_staging(&server, Duration::from_secs(10)).await;
        let verdict = archcheck::verify::verify(&model(), &[obs]);
        let c = check(&verdict, "staging/binding/web->db");
        assert_eq!(
            c.status,
            archcheck::verify::Status::Unknown,
            "{what}: {c:?}"
        );
        // The worker's binding to the same instance keeps its times: still OK.
        let c = check(&verdict, "staging/binding/worker->db");
        assert_eq!(c.status, archcheck::verify::Status::Ok, "{what}: {c:?}");
    }
}
