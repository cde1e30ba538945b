//! Integration tests: the simulated Cloud Controller (`archcheck sim`) against the documented
//! v3 shapes, its scenarios and faults, the control endpoints, the command, and an independent
//! client (PyPI `cloudfoundry-client`).

use crate::harness;
use archcheck::model::Model;
use archcheck::sim::{SimConfig, SimHandle, Simulator};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

fn c2() -> Model {
    archcheck::model::load(&harness::model("c2.json")).expect("models/c2.json loads")
}

fn start(config: SimConfig) -> SimHandle {
    Simulator::start(&c2(), config).expect("the simulator starts")
}

fn config() -> SimConfig {
    SimConfig::default()
}

/// A tiny v3 client for the tests.
struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

async fn password_grant(
    http: &reqwest::Client,
    base: &str,
    user: &str,
    pw: &str,
) -> reqwest::Response {
    http.post(format!("{base}/oauth/token"))
        .basic_auth("cf", Some(""))
        .form(&[
            ("grant_type", "password"),
            ("username", user),
            ("password", pw),
        ])
        .send()
        .await
        .expect("token request")
}

impl Api {
    async fn login(sim: &SimHandle) -> Api {
        let http = reqwest::Client::new();
        let base = sim.url().to_owned();
        let resp = password_grant(&http, &base, "alice", "pw").await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        Api {
            token: body["access_token"].as_str().unwrap().to_owned(),
            http,
            base,
        }
    }

    async fn get_url(&self, url: &str) -> (u16, Value, reqwest::header::HeaderMap) {
        let resp = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.json().await.unwrap_or(Value::Null);
        (status, body, headers)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let (s, b, _) = self.get_url(&format!("{}{path}", self.base)).await;
        (s, b)
    }

    async fn ok(&self, path: &str) -> Value {
        let (s, b) = self.get(path).await;
        assert_eq!(s, 200, "GET {path}: {b}");
        b
    }

    /// Every resource of a list, following `pagination.next` to the end.
    async fn all(&self, path: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut url = format!("{}{path}", self.base);
        let mut total = None;
        for _ in 0..1000 {
            let (s, b, _) = self.get_url(&url).await;
            assert_eq!(s, 200, "GET {url}: {b}");
            let t = b["pagination"]["total_results"].as_u64().unwrap();
            assert_eq!(
                *total.get_or_insert(t),
                t,
                "total_results changed between pages"
            );
            out.extend(b["resources"].as_array().unwrap().iter().cloned());
            match b["pagination"]["next"]["href"].as_str() {
                Some(next) => url = next.to_owned(),
                None => break,
            }
        }
        assert_eq!(
            out.len() as u64,
            total.unwrap(),
            "pages add up to total_results"
        );
        out
    }

    async fn names(&self, path: &str) -> Vec<String> {
        self.all(path)
            .await
            .iter()
            .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    async fn space_guid(&self, space: &str) -> String {
        let b = self.ok(&format!("/v3/spaces?names={space}")).await;
        assert_eq!(b["resources"].as_array().unwrap().len(), 1);
        b["resources"][0]["guid"].as_str().unwrap().to_owned()
    }

    async fn guid_of(&self, path: &str, name: &str) -> String {
        let b = self.ok(&format!("{path}?names={name}")).await;
        assert_eq!(b["resources"].as_array().unwrap().len(), 1, "{name}: {b}");
        b["resources"][0]["guid"].as_str().unwrap().to_owned()
    }

    /// (app name, instance name) of every app binding in a space.
    async fn app_bindings(&self, space: &str) -> BTreeSet<(String, String)> {
        let sg = self.space_guid(space).await;
        let instances = self
            .all(&format!("/v3/service_instances?space_guids={sg}"))
            .await;
        let guids: Vec<&str> = instances
            .iter()
            .map(|i| i["guid"].as_str().unwrap())
            .collect();
        let mut out = BTreeSet::new();
        if guids.is_empty() {
            return out;
        }
        let url = format!(
            "{}/v3/service_credential_bindings?type=app&include=app&per_page=5000&service_instance_guids={}",
            self.base,
            guids.join(",")
        );
        let (s, b, _) = self.get_url(&url).await;
        assert_eq!(s, 200);
        let apps = b["included"]["apps"].as_array().unwrap();
        for r in b["resources"].as_array().unwrap() {
            let app_guid = &r["relationships"]["app"]["data"]["guid"];
            let app = apps
                .iter()
                .find(|a| &a["guid"] == app_guid)
                .expect("included app");
            let inst_guid = &r["relationships"]["service_instance"]["data"]["guid"];
            let inst = instances.iter().find(|i| &i["guid"] == inst_guid).unwrap();
            out.insert((
                app["name"].as_str().unwrap().to_owned(),
                inst["name"].as_str().unwrap().to_owned(),
            ));
        }
        out
    }
}

fn assert_envelope(status: u16, body: &Value, want_status: u16, title: &str) {
    assert_eq!(status, want_status, "{body}");
    let e = &body["errors"][0];
    assert_eq!(e["title"], title, "{body}");
    assert!(e["code"].is_u64(), "{body}");
    assert!(e["detail"].is_string(), "{body}");
}

/// The model's expected app bindings of an environment, as (app name, instance name).
fn model_bindings(env: &str) -> BTreeSet<(String, String)> {
    let m = c2();
    let e = m.environment(env).unwrap();
    e.bindings()
        .map(|(a, _, s)| (a.name.clone(), s.name.clone()))
        .collect()
}

#[tokio::test]
async fn root_and_info_are_public_and_point_login_at_the_simulator() {
    let sim = start(config());
    let http = reqwest::Client::new();
    let root: Value = http
        .get(sim.url())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let links = &root["links"];
    assert_eq!(links["self"]["href"], sim.url());
    assert_eq!(
        links["cloud_controller_v3"]["href"],
        format!("{}/v3", sim.url())
    );
    assert_eq!(links["login"]["href"], sim.url());
    assert_eq!(links["uaa"]["href"], sim.url());
    let info = http
        .get(format!("{}/v3/info", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let v3: Value = http
        .get(format!("{}/v3", sim.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        v3["links"]["apps"]["href"],
        format!("{}/v3/apps", sim.url())
    );
}

#[tokio::test]
async fn every_v3_endpoint_needs_a_bearer_token() {
    let sim = start(config());
    let http = reqwest::Client::new();
    for path in [
        "/v3/apps",
        "/v3/spaces",
        "/v3/service_instances",
        "/v3/processes",
    ] {
        let resp = http
            .get(format!("{}{path}", sim.url()))
            .send()
            .await
            .unwrap();
        let s = resp.status().as_u16();
        let b: Value = resp.json().await.unwrap();
        assert_envelope(s, &b, 401, "CF-NotAuthenticated");
    }
    let resp = http
        .get(format!("{}/v3/apps", sim.url()))
        .header("Authorization", "basic abc")
        .send()
        .await
        .unwrap();
    let s = resp.status().as_u16();
    assert_envelope(s, &resp.json().await.unwrap(), 401, "CF-InvalidAuthToken");
}

#[tokio::test]
async fn uaa_grants_password_client_credentials_and_refresh_token() {
    let sim = start(config());
    let http = reqwest::Client::new();
    let token = format!("{}/oauth/token", sim.url());
    let pw: Value = password_grant(&http, sim.url(), "u", "p")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pw["token_type"], "bearer");
    assert!(pw["expires_in"].as_u64().unwrap() > 0);
    assert_eq!(
        pw["access_token"].as_str().unwrap().split('.').count(),
        3,
        "JWT-shaped"
    );
    let refresh = pw["refresh_token"].as_str().unwrap();
    let cc = http
        .post(&token)
        .basic_auth("my-client", Some("my-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(cc.status(), 200);
    let cc: Value = cc.json().await.unwrap();
    assert!(cc["access_token"].is_string() && cc.get("refresh_token").is_none());
    let rt = http
        .post(&token)
        .basic_auth("cf", Some(""))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(rt.status(), 200);
    let rt: Value = rt.json().await.unwrap();
    assert_ne!(rt["access_token"], pw["access_token"]);
    let bad = http
        .post(&token)
        .form(&[("grant_type", "implicit")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let bad: Value = bad.json().await.unwrap();
    assert_eq!(bad["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn require_token_grants_only_the_given_credentials_and_only_its_own_tokens() {
    let sim = start(SimConfig {
        require_token: Some(("admin".into(), "s3cret".into())),
        ..config()
    });
    let http = reqwest::Client::new();
    assert_eq!(
        password_grant(&http, sim.url(), "admin", "wrong")
            .await
            .status(),
        401
    );
    let ok = password_grant(&http, sim.url(), "admin", "s3cret").await;
    assert_eq!(ok.status(), 200);
    let token: Value = ok.json().await.unwrap();
    let cc = http
        .post(format!("{}/oauth/token", sim.url()))
        .basic_auth("admin", Some("nope"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(cc.status(), 401);
    let foreign = http
        .get(format!("{}/v3/apps", sim.url()))
        .bearer_auth("not-issued-here")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 401);
    let mine = http
        .get(format!("{}/v3/apps", sim.url()))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), 200);
}

#[tokio::test]
async fn list_responses_have_the_documented_pagination_and_next_reaches_total_results() {
    let sim = start(config());
    let api = Api::login(&sim).await;
    for list in [
        "/v3/organizations",
        "/v3/spaces",
        "/v3/apps",
        "/v3/processes",
        "/v3/routes",
        "/v3/domains",
        "/v3/service_instances",
        "/v3/service_credential_bindings",
        "/v3/service_plans",
        "/v3/service_offerings",
    ] {
        let b = api.ok(&format!("{list}?per_page=1")).await;
        let p = &b["pagination"];
        for key in [
            "total_results",
            "total_pages",
            "first",
            "last",
            "next",
            "previous",
        ] {
            assert!(p.get(key).is_some(), "{list}: pagination lacks {key}: {p}");
        }
        assert!(p["previous"].is_null());
        let first = p["first"]["href"].as_str().unwrap();
        assert!(
            first.starts_with(&format!("{}{list}?", sim.url())),
            "{first}"
        );
        assert!(b["resources"].is_array());
        let r = &b["resources"][0];
        assert!(
            r["guid"].is_string() && r["links"]["self"]["href"].is_string(),
            "{list}: {r}"
        );
        if list != "/v3/routes" && list != "/v3/processes" {
            assert!(r["created_at"].as_str().unwrap().ends_with('Z'));
        }
        // Following next one by one gets every resource exactly once.
        let all = api.all(&format!("{list}?per_page=1")).await;
        let guids: BTreeSet<&str> = all.iter().map(|r| r["guid"].as_str().unwrap()).collect();
        assert_eq!(guids.len(), all.len(), "{list}: a resource came twice");
        assert_eq!(all.len(), api.all(list).await.len());
    }
    // 27 instances in pages of 5: the next links keep the filters.
    let b = api
        .ok("/v3/service_instances?per_page=5&order_by=-name&type=user-provided")
        .await;
    assert_eq!(b["pagination"]["total_results"], 18);
    assert_eq!(b["pagination"]["total_pages"], 4);
    let next = b["pagination"]["next"]["href"].as_str().unwrap();
    assert_eq!(
        next,
        format!(
            "{}/v3/service_instances?order_by=-name&page=2&per_page=5&type=user-provided",
            sim.url()
        )
    );
    let b = api
        .ok("/v3/service_instances?names=c2-dev-db,c2-prod-db&per_page=1")
        .await;
    assert_eq!(
        b["pagination"]["last"]["href"],
        format!(
            "{}/v3/service_instances?names=c2-dev-db%2Cc2-prod-db&page=2&per_page=1",
            sim.url()
        )
    );
    assert_eq!(
        api.all("/v3/service_instances?per_page=5&type=managed")
            .await
            .len(),
        9
    );
}

#[tokio::test]
async fn max_per_page_caps_pages() {
    let sim = start(SimConfig {
        max_per_page: Some(2),
        ..config()
    });
    let api = Api::login(&sim).await;
    let b = api.ok("/v3/service_instances?per_page=5000").await;
    assert_eq!(b["resources"].as_array().unwrap().len(), 2);
    assert_eq!(b["pagination"]["total_pages"], 14);
    assert_eq!(
        api.all("/v3/service_instances?per_page=5000").await.len(),
        27
    );
    assert_eq!(sim.stats().paths["/v3/service_instances"], 1 + 14);
}

#[tokio::test]
async fn bad_queries_and_unknown_guids_get_the_error_envelope() {
    let sim = start(config());
    let api = Api::login(&sim).await;
    for q in [
        "/v3/apps?per_page=5001",
        "/v3/apps?per_page=0",
        "/v3/apps?page=0",
        "/v3/apps?colour=blue",
        "/v3/apps?order_by=colour",
        "/v3/apps?include=droplet",
        "/v3/processes?embed=logs",
        "/v3/processes?order_by=name",
        "/v3/service_instances?fields[space]=colour",
        "/v3/service_instances?type=shared",
        "/v3/service_instances?type=managed,user-provided",
        "/v3/service_credential_bindings?guids=x",
        "/v3/service_credential_bindings?type=route",
        "/v3/apps/x?names=a",
    ] {
        let (s, b) = api.get(q).await;
        assert_envelope(s, &b, 400, "CF-BadQueryParameter");
        assert!(
            b["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .starts_with("The query parameter is invalid")
        );
    }
    for (path, detail) in [
        (
            "/v3/apps/00000000-0000-0000-0000-000000000000",
            "App not found",
        ),
        ("/v3/spaces/nope", "Space not found"),
        ("/v3/organizations/nope", "Organization not found"),
        ("/v3/processes/nope", "Process not found"),
        ("/v3/processes/nope/stats", "Process not found"),
        ("/v3/service_instances/nope", "Service instance not found"),
        (
            "/v3/service_credential_bindings/nope",
            "Service credential binding not found",
        ),
        ("/v3/routes/nope", "Route not found"),
    ] {
        let (s, b) = api.get(path).await;
        assert_envelope(s, &b, 404, "CF-ResourceNotFound");
        assert_eq!(b["errors"][0]["detail"], detail);
        assert_eq!(b["errors"][0]["code"], 10010);
    }
    let (s, b) = api.get("/v3/nothing_here").await;
    assert_envelope(s, &b, 404, "CF-NotFound");
}

#[tokio::test]
async fn spaces_and_apps_filter_and_include() {
    let sim = start(config());
    let api = Api::login(&sim).await;
    let org = api.ok("/v3/organizations?names=cap").await;
    let org_guid = org["resources"][0]["guid"].as_str().unwrap().to_owned();
    let b = api
        .ok(&format!(
            "/v3/spaces?names=staging,prod&organization_guids={org_guid}&include=organization"
        ))
        .await;
    let names: BTreeSet<&str> = b["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, BTreeSet::from(["prod", "staging"]));
    assert_eq!(
        b["resources"][0]["relationships"]["organization"]["data"]["guid"],
        org_guid
    );
    assert_eq!(b["included"]["organizations"][0]["name"], "cap");
    assert_eq!(b["included"]["organizations"].as_array().unwrap().len(), 1);
    assert!(
        api.ok("/v3/spaces?organization_guids=other").await["resources"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let staging = api.space_guid("staging").await;
    let apps = api
        .ok(&format!(
            "/v3/apps?space_guids={staging}&include=space.organization&order_by=-name"
        ))
        .await;
    let names: Vec<&str> = apps["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c2-staging-worker", "c2-staging"]);
    assert_eq!(apps["resources"][0]["state"], "STARTED");
    assert_eq!(apps["included"]["spaces"][0]["guid"], staging.as_str());
    assert_eq!(apps["included"]["organizations"][0]["name"], "cap");
    let one = api
        .ok(&format!(
            "/v3/apps?names=c2-prod&organization_guids={org_guid}&include=space"
        ))
        .await;
    assert_eq!(one["resources"].as_array().unwrap().len(), 1);
    assert!(one["included"].get("organizations").is_none());
    let guid = one["resources"][0]["guid"].as_str().unwrap();
    let single = api.ok(&format!("/v3/apps/{guid}?include=space")).await;
    assert_eq!(single["name"], "c2-prod");
    assert_eq!(single["included"]["spaces"][0]["name"], "prod");
    assert_eq!(
        api.names(&format!("/v3/apps?guids={guid}")).await,
        ["c2-prod"]
    );
    assert_eq!(
        api.names("/v3/apps?order_by=name&per_page=2").await[0],
        "c2-dev"
    );
}

#[tokio::test]
async fn processes_embed_instances_and_have_stats() {
    let sim = start(config());
    let api = Api::login(&sim).await;
    let prod = api.space_guid("prod").await;
    let web = api.guid_of("/v3/apps", "c2-prod").await;
    let b = api
        .ok(&format!(
            "/v3/processes?space_guids={prod}&embed=process_instances"
        ))
        .await;
    let procs = b["resources"].as_array().unwrap();
    assert_eq!(procs.len(), 2);
    let p = procs
        .iter()
        .find(|p| p["relationships"]["app"]["data"]["guid"] == web.as_str())
        .unwrap();
    assert_eq!(p["type"], "web");
    assert_eq!(p["instances"], 2);
    assert_eq!(p["command"], "[PRIVATE DATA HIDDEN IN LISTS]");
    let inst = p["process_instances"].as_array().unwrap();
    assert_eq!(inst.len(), 2);
    assert!(
        inst.iter()
            .all(|i| i["state"] == "RUNNING" && i["index"].is_u64() && i["since"].is_i64())
    );
    let plain = api
        .ok(&format!("/v3/processes?app_guids={web}&types=web"))
        .await;
    assert_eq!(plain["resources"].as_array().unwrap().len(), 1);
    assert!(plain["resources"][0].get("process_instances").is_none());
    let pg = p["guid"].as_str().unwrap();
    let single = api
        .ok(&format!("/v3/processes/{pg}?embed=process_instances"))
        .await;
    assert_eq!(single["process_instances"].as_array().unwrap().len(), 2);
    let stats = api.ok(&format!("/v3/processes/{pg}/stats")).await;
    let rs = stats["resources"].as_array().unwrap();
    assert_eq!(rs.len(), 2);
    assert!(
        rs.iter()
            .all(|r| r["state"] == "RUNNING" && r["type"] == "web")
    );
    // Worker apps have one web process with a process health check.
    let worker = api.guid_of("/v3/apps", "c2-prod-worker").await;
    let w = api.ok(&format!("/v3/processes?app_guids={worker}")).await;
    assert_eq!(w["resources"][0]["health_check"]["type"], "process");
}

#[tokio::test]
async fn routes_have_destinations() {
    let sim = start(config());
    let api = Api::login(&sim).await;
    let web = api.guid_of("/v3/apps", "c2-prod").await;
    let routes = api.all(&format!("/v3/routes?app_guids={web}")).await;
    let urls: BTreeSet<&str> = routes.iter().map(|r| r["url"].as_str().unwrap()).collect();
    assert_eq!(urls, BTreeSet::from(["c2.18f.gov", "cap.18f.gov"]));
    for r in &routes {
        assert_eq!(r["destinations"][0]["app"]["guid"], web.as_str());
        assert_eq!(r["destinations"][0]["app"]["process"]["type"], "web");
    }
    let domain = routes[0]["links"]["domain"]["href"].as_str().unwrap();
    let (s, d, _) = api.get_url(domain).await;
    assert_eq!(s, 200);
    assert_eq!(d["name"], "18f.gov");
    assert_eq!(
        d["guid"],
        routes[0]["relationships"]["domain"]["data"]["guid"]
    );
    let dev = api.space_guid("dev").await;
    let dev_routes = api.all(&format!("/v3/routes?space_guids={dev}")).await;
    assert_eq!(dev_routes.len(), 1);
    assert_eq!(dev_routes[0]["host"], "c2-dev");
}

#[tokio::test]
async fn service_instance_fields_fill_included() {
    let sim = start(config());
    let api = Api::login(&sim).await;
    let staging = api.space_guid("staging").await;
    let q = format!(
        "/v3/service_instances?space_guids={staging}&order_by=name&per_page=5000\
         &fields[space]=guid,name,relationships.organization&fields[space.organization]=guid,name\
         &fields[service_plan]=guid,name,relationships.service_offering\
         &fields[service_plan.service_offering]=guid,name,relationships.service_broker\
         &fields[service_plan.service_offering.service_broker]=guid,name"
    );
    let b = api.ok(&q).await;
    let res = b["resources"].as_array().unwrap();
    assert_eq!(res.len(), 9);
    let inc = &b["included"];
    assert_eq!(inc["spaces"].as_array().unwrap().len(), 1);
    assert_eq!(inc["spaces"][0]["name"], "staging");
    assert!(inc["spaces"][0]["relationships"]["organization"]["data"]["guid"].is_string());
    assert_eq!(
        inc["organizations"][0],
        json!({"guid": inc["spaces"][0]["relationships"]["organization"]["data"]["guid"], "name": "cap"})
    );
    assert_eq!(inc["service_plans"].as_array().unwrap().len(), 3);
    assert_eq!(inc["service_offerings"].as_array().unwrap().len(), 3);
    assert_eq!(inc["service_brokers"].as_array().unwrap().len(), 1);
    let db = res.iter().find(|r| r["name"] == "c2-staging-db").unwrap();
    assert_eq!(db["type"], "managed");
    assert_eq!(db["last_operation"]["type"], "create");
    assert_eq!(db["last_operation"]["state"], "succeeded");
    let plan_guid = &db["relationships"]["service_plan"]["data"]["guid"];
    let plan = inc["service_plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| &p["guid"] == plan_guid)
        .unwrap();
    assert_eq!(plan["name"], "medium-psql");
    let off_guid = &plan["relationships"]["service_offering"]["data"]["guid"];
    let off = inc["service_offerings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| &o["guid"] == off_guid)
        .unwrap();
    assert_eq!(off["name"], "aws-rds");
    assert!(
        off.get("description").is_none(),
        "only the asked-for keys: {off}"
    );
    let ups = res
        .iter()
        .find(|r| r["name"] == "c2-staging-ups-s3")
        .unwrap();
    assert_eq!(ups["type"], "user-provided");
    assert!(ups["relationships"].get("service_plan").is_none());
    // Only the names asked for, and nothing included without fields.
    let plain = api
        .ok(&format!(
            "/v3/service_instances?space_guids={staging}&fields[service_plan]=name"
        ))
        .await;
    assert_eq!(
        plain["included"]["service_plans"][0]
            .as_object()
            .unwrap()
            .len(),
        1
    );
    assert!(
        api.ok("/v3/service_instances")
            .await
            .get("included")
            .is_none()
    );
    let by_name = api
        .ok("/v3/service_instances?names=c2-dev-db,c2-prod-db&type=managed")
        .await;
    assert_eq!(by_name["pagination"]["total_results"], 2);
    // Catalog.
    assert_eq!(
        api.names("/v3/service_offerings?order_by=name").await,
        ["aws-rds", "elasticsearch23", "redis28"]
    );
    assert_eq!(
        api.names("/v3/service_plans?service_offering_names=aws-rds")
            .await,
        ["medium-psql"]
    );
}

#[tokio::test]
async fn healthy_is_the_model_plus_one_service_key() {
    let sim = start(config());
    let api = Api::login(&sim).await;
    let m = c2();
    for env in &m.environments {
        let b = api
            .ok(&format!(
                "/v3/spaces?names={}&include=organization",
                env.space
            ))
            .await;
        assert_eq!(b["included"]["organizations"][0]["name"], env.org.as_str());
        let sg = b["resources"][0]["guid"].as_str().unwrap();
        let apps = api.all(&format!("/v3/apps?space_guids={sg}")).await;
        assert_eq!(apps.len(), env.apps.len());
        assert!(apps.iter().all(|a| a["state"] == "STARTED"));
        let procs = api
            .all(&format!(
                "/v3/processes?space_guids={sg}&embed=process_instances"
            ))
            .await;
        for p in &procs {
            let n = p["instances"].as_u64().unwrap() as usize;
            let running = p["process_instances"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["state"] == "RUNNING")
                .count();
            assert_eq!(running, n);
        }
        assert_eq!(
            api.app_bindings(&env.space).await,
            model_bindings(&env.name),
            "{}",
            env.name
        );
    }
    let keys = api.all("/v3/service_credential_bindings?type=key").await;
    assert_eq!(keys.len(), 1);
    assert!(keys[0]["relationships"].get("app").is_none());
    assert!(keys[0]["name"].is_string());
    let all = api.all("/v3/service_credential_bindings").await;
    let apps = api.all("/v3/service_credential_bindings?type=app").await;
    assert_eq!(
        all.len(),
        apps.len() + 1,
        "exactly one key beside the app bindings"
    );
    assert_eq!(apps.len(), 54);
    let inc = api
        .ok(&format!(
            "/v3/service_credential_bindings/{}?include=service_instance",
            keys[0]["guid"].as_str().unwrap()
        ))
        .await;
    assert_eq!(inc["type"], "key");
    assert_eq!(
        inc["included"]["service_instances"][0]["guid"],
        inc["relationships"]["service_instance"]["data"]["guid"]
    );
}

#[tokio::test]
async fn c2_incident_replays_the_report() {
    let sim = start(SimConfig {
        scenario: archcheck::sim::Scenario::C2Incident,
        ..config()
    });
    let api = Api::login(&sim).await;
    let pair = |a: &str, s: &str| (a.to_owned(), s.to_owned());
    let staging_lost: BTreeSet<_> = model_bindings("staging")
        .difference(&api.app_bindings("staging").await)
        .cloned()
        .collect();
    assert_eq!(
        staging_lost,
        BTreeSet::from([
            pair("c2-staging", "c2-staging-redis"),
            pair("c2-staging-worker", "c2-staging-redis")
        ])
    );
    let dev_lost: BTreeSet<_> = model_bindings("dev")
        .difference(&api.app_bindings("dev").await)
        .cloned()
        .collect();
    assert_eq!(
        dev_lost,
        BTreeSet::from([
            pair("c2-dev", "c2-dev-db"),
            pair("c2-dev", "c2-dev-redis"),
            pair("c2-dev-worker", "c2-dev-db"),
            pair("c2-dev-worker", "c2-dev-redis"),
        ])
    );
    assert_eq!(api.app_bindings("prod").await, model_bindings("prod"));
    // The apps still look fine: that is what made the incident hard to see.
    assert!(
        api.all("/v3/apps")
            .await
            .iter()
            .all(|a| a["state"] == "STARTED")
    );
    // The service key is still there and still not an app binding.
    assert_eq!(
        api.all("/v3/service_credential_bindings?type=key")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn world_faults_change_what_the_api_shows() {
    let sim = start(SimConfig {
        faults: vec![
            "unbind:prod:worker:search".into(),
            "delete-instance:staging:s3".into(),
            "fail-operation:prod:db".into(),
            "stall-operation:prod:queue".into(),
            "stop:dev:web".into(),
            "crash:dev:worker".into(),
            "share:prod:search:dev".into(),
        ],
        ..config()
    });
    let api = Api::login(&sim).await;
    let lost: Vec<_> = model_bindings("prod")
        .difference(&api.app_bindings("prod").await)
        .cloned()
        .collect();
    assert_eq!(
        lost,
        [(
            "c2-prod-worker".to_owned(),
            "c2-prod-elasticsearch".to_owned()
        )]
    );
    let staging = api.space_guid("staging").await;
    let names = api
        .names(&format!("/v3/service_instances?space_guids={staging}"))
        .await;
    assert_eq!(names.len(), 8);
    assert!(!names.contains(&"c2-staging-ups-s3".to_owned()));
    assert!(
        api.all("/v3/service_credential_bindings?service_instance_names=c2-staging-ups-s3")
            .await
            .is_empty()
    );
    let db = api.ok("/v3/service_instances?names=c2-prod-db").await;
    assert_eq!(db["resources"][0]["last_operation"]["type"], "update");
    assert_eq!(db["resources"][0]["last_operation"]["state"], "failed");
    let q = api.ok("/v3/service_instances?names=c2-prod-redis").await;
    assert_eq!(q["resources"][0]["last_operation"]["state"], "in progress");
    let dev = api.space_guid("dev").await;
    let apps = api.all(&format!("/v3/apps?space_guids={dev}")).await;
    let state = |n: &str| apps.iter().find(|a| a["name"] == n).unwrap()["state"].clone();
    assert_eq!(state("c2-dev"), "STOPPED");
    assert_eq!(state("c2-dev-worker"), "STARTED");
    for (app, want) in [("c2-dev", "DOWN"), ("c2-dev-worker", "CRASHED")] {
        let g = api.guid_of("/v3/apps", app).await;
        let p = api
            .ok(&format!(
                "/v3/processes?app_guids={g}&embed=process_instances"
            ))
            .await;
        let inst = p["resources"][0]["process_instances"]
            .as_array()
            .unwrap()
            .clone();
        assert!(
            !inst.is_empty() && inst.iter().all(|i| i["state"] == want),
            "{app}: {inst:?}"
        );
        let pg = p["resources"][0]["guid"].as_str().unwrap();
        let stats = api.ok(&format!("/v3/processes/{pg}/stats")).await;
        assert!(
            stats["resources"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["state"] == want)
        );
    }
    // Shared into dev: listed for dev's space too, still owned by prod's.
    let shared = api
        .names(&format!("/v3/service_instances?space_guids={dev}"))
        .await;
    assert!(
        shared.contains(&"c2-prod-elasticsearch".to_owned()),
        "{shared:?}"
    );
    assert_eq!(shared.len(), 10);
}

#[tokio::test]
async fn latency_fault_delays_every_request() {
    let sim = start(SimConfig {
        faults: vec!["latency:400".into()],
        ..config()
    });
    let api = Api::login(&sim).await;
    let t = Instant::now();
    api.ok("/v3/apps").await;
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let r = api
        .http
        .get(format!("{}/_sim/stats", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        t.elapsed() < Duration::from_millis(400),
        "control endpoints are not delayed"
    );
}

#[tokio::test]
async fn status_faults_answer_with_the_envelope_by_prefix_and_count() {
    let sim = start(SimConfig {
        faults: vec![
            "status:503:/v3/service_instances:2".into(),
            "status:500:/v3/spaces".into(),
        ],
        ..config()
    });
    let api = Api::login(&sim).await;
    for _ in 0..2 {
        let (s, b) = api.get("/v3/service_instances").await;
        assert_envelope(s, &b, 503, "CF-ServiceUnavailable");
    }
    api.ok("/v3/service_instances").await;
    api.ok("/v3/apps").await;
    for _ in 0..3 {
        let (s, b) = api.get("/v3/spaces?names=dev").await;
        assert_envelope(s, &b, 500, "CF-ServerError");
    }
    let faults: Value = reqwest::get(format!("{}/_sim/faults", sim.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        faults["faults"][0],
        json!({"spec": "status:503:/v3/service_instances:2", "remaining": 0})
    );
    assert_eq!(faults["faults"][1]["remaining"], Value::Null);
}

/// The pagination faults change the `pagination` block of the lists under their prefix, and
/// nothing else: a loop back to page 1, lying totals, `next` to another origin, the token in
/// every link (ignored when the link is followed).
#[tokio::test]
async fn pagination_faults_change_the_links_of_the_lists_they_name() {
    let sim = start(SimConfig {
        max_per_page: Some(1),
        ..config()
    });
    let api = Api::login(&sim).await;
    let base = sim.url().to_owned();
    let first = api.ok("/v3/spaces").await["pagination"].clone();
    let last = first["total_pages"].as_u64().unwrap();
    assert!(last >= 2, "{first}");
    let last_page = format!("/v3/spaces?page={last}");

    sim.set_faults(&["pages-cycle:/v3/spaces"]).unwrap();
    let p = api.ok(&last_page).await["pagination"].clone();
    assert_eq!(p["next"], p["first"], "{p}");
    let p = api.ok("/v3/apps?page=99").await["pagination"].clone();
    assert!(p["next"].is_null(), "another prefix is untouched: {p}");

    sim.set_faults(&["pages-total:1000000000:7:/v3/spaces"])
        .unwrap();
    let p = api.ok("/v3/spaces").await["pagination"].clone();
    assert_eq!(
        (&p["total_results"], &p["total_pages"]),
        (&json!(1000000000u64), &json!(7))
    );
    assert_eq!(
        api.ok("/v3/spaces").await["resources"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "the resources are unchanged"
    );

    sim.set_faults(&["next-offsite"]).unwrap();
    let p = api.ok("/v3/spaces").await["pagination"].clone();
    let next = p["next"]["href"].as_str().unwrap();
    assert!(
        next.starts_with("http://offsite.invalid/v3/spaces?"),
        "{next}"
    );
    assert!(p["first"]["href"].as_str().unwrap().starts_with(&base));

    sim.set_faults(&["reflect-token:ref"]).unwrap();
    let p = api.ok("/v3/spaces").await["pagination"].clone();
    for link in ["first", "last", "next"] {
        let href = p[link]["href"].as_str().unwrap();
        assert!(
            href.ends_with(&format!("&ref={}", api.token)),
            "{link}: {href}"
        );
    }
    // The reflected parameter is not refused as unknown when the link is followed.
    let (s, b, _) = api.get_url(p["next"]["href"].as_str().unwrap()).await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn ratelimit_fault_sends_429_with_retry_after() {
    let sim = start(config());
    let api = Api::login(&sim).await;
    sim.add_faults(&["ratelimit:7:1"]).unwrap();
    let (s, b, h) = api.get_url(&format!("{}/v3/apps", sim.url())).await;
    assert_envelope(s, &b, 429, "CF-RateLimitExceeded");
    assert_eq!(h["retry-after"], "7");
    assert_eq!(
        h["x-vcap-request-id"].len(),
        36,
        "every answer has a request id"
    );
    assert_eq!(h["x-ratelimit-remaining"], "0");
    assert!(h.contains_key("x-ratelimit-reset"));
    api.ok("/v3/apps").await;
}

#[tokio::test]
async fn expire_tokens_makes_clients_refresh() {
    let sim = start(config());
    let http = reqwest::Client::new();
    let body: Value = password_grant(&http, sim.url(), "u", "p")
        .await
        .json()
        .await
        .unwrap();
    let mut api = Api::login(&sim).await;
    api.token = body["access_token"].as_str().unwrap().to_owned();
    api.ok("/v3/apps").await;
    sim.add_faults(&["expire-tokens"]).unwrap();
    let (s, b) = api.get("/v3/apps").await;
    assert_envelope(s, &b, 401, "CF-InvalidAuthToken");
    assert_eq!(b["errors"][0]["code"], 1000, "the code clients refresh on");
    // A token from elsewhere is not accepted while the fault is in effect.
    api.token = "from-a-real-foundation".into();
    assert_eq!(api.get("/v3/apps").await.0, 401);
    let refreshed: Value = http
        .post(format!("{}/oauth/token", sim.url()))
        .basic_auth("cf", Some(""))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    api.token = refreshed["access_token"].as_str().unwrap().to_owned();
    api.ok("/v3/apps").await;
}

#[tokio::test]
async fn expired_tokens_by_lifetime_are_rejected() {
    let sim = start(SimConfig {
        token_ttl: Duration::from_millis(1500),
        require_token: Some(("u".into(), "p".into())),
        ..config()
    });
    let http = reqwest::Client::new();
    let body: Value = password_grant(&http, sim.url(), "u", "p")
        .await
        .json()
        .await
        .unwrap();
    let token = body["access_token"].as_str().unwrap();
    let get = || {
        http.get(format!("{}/v3/apps", sim.url()))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(get().await.unwrap().status(), 200);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    assert_eq!(get().await.unwrap().status(), 401);
}

#[tokio::test]
async fn faults_endpoint_adds_lists_and_clears_faults_at_runtime() {
    let sim = start(config());
    let api = Api::login(&sim).await;
    let http = reqwest::Client::new();
    let url = format!("{}/_sim/faults", sim.url());
    assert_eq!(api.app_bindings("staging").await, model_bindings("staging"));
    let r = http
        .post(&url)
        .json(&json!({"faults": ["unbind:staging:worker:queue"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let listed: Value = r.json().await.unwrap();
    assert_eq!(listed["faults"][0]["spec"], "unbind:staging:worker:queue");
    let lost: Vec<_> = model_bindings("staging")
        .difference(&api.app_bindings("staging").await)
        .cloned()
        .collect();
    assert_eq!(
        lost,
        [(
            "c2-staging-worker".to_owned(),
            "c2-staging-redis".to_owned()
        )]
    );
    // Invalid: all or nothing, 422 with the grammar.
    let r = http
        .post(&url)
        .json(&json!({"faults": ["stop:staging:web", "explode:now"]}))
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    let b: Value = r.json().await.unwrap();
    assert_envelope(s, &b, 422, "CF-UnprocessableEntity");
    assert!(
        b["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("unbind:ENV:APP:SERVICE")
    );
    let r = http
        .post(&url)
        .json(&json!({"faults": ["stop:nowhere:web"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = http.post(&url).body("not json").send().await.unwrap();
    assert_eq!(r.status(), 422);
    let listed: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["faults"].as_array().unwrap().len(), 1);
    assert!(
        api.all("/v3/apps")
            .await
            .iter()
            .all(|a| a["state"] == "STARTED")
    );
    // A bare array and a single fault work too.
    assert_eq!(
        http.post(&url)
            .json(&json!(["crash:prod:web"]))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        http.post(&url)
            .json(&json!({"fault": "stop:prod:worker"}))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let listed: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["faults"].as_array().unwrap().len(), 3);
    // DELETE: back to the scenario.
    let r = http.delete(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(api.app_bindings("staging").await, model_bindings("staging"));
    assert!(
        api.all("/v3/apps")
            .await
            .iter()
            .all(|a| a["state"] == "STARTED")
    );
}

#[tokio::test]
async fn stats_count_requests_per_path() {
    let sim = start(config());
    let api = Api::login(&sim).await;
    api.ok("/v3/apps").await;
    api.ok("/v3/apps?names=c2-dev").await;
    api.ok("/v3/spaces").await;
    api.get("/v3/apps?per_page=9999").await;
    let stats: Value = reqwest::get(format!("{}/_sim/stats", sim.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["paths"]["/v3/apps"], 3);
    assert_eq!(stats["paths"]["/v3/spaces"], 1);
    assert_eq!(stats["paths"]["/oauth/token"], 1);
    assert_eq!(stats["total"], 5);
    assert_eq!(sim.stats().count_prefix("/v3/"), 4);
    assert!(stats["paths"].get("/_sim/stats").is_none());
    let cleared: Value = reqwest::Client::new()
        .delete(format!("{}/_sim/stats", sim.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["total"], 0);
}

#[test]
fn library_rejects_invalid_faults_and_scenarios() {
    let m = c2();
    for spec in [
        "nonsense",
        "unbind:staging:web",
        "latency:soon",
        "unbind:qa:web:db",
        "stop:dev:nope",
    ] {
        let e = Simulator::start(
            &m,
            SimConfig {
                faults: vec![spec.into()],
                ..config()
            },
        )
        .err()
        .unwrap_or_else(|| panic!("{spec} was accepted"));
        assert!(!e.to_string().is_empty());
    }
    let notify = archcheck::model::load(&harness::model("notify.json")).unwrap();
    let e = Simulator::start(
        &notify,
        SimConfig {
            scenario: archcheck::sim::Scenario::C2Incident,
            ..config()
        },
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("no environment `staging`"), "{e}");
}

/// `archcheck sim models/c2.json ARGS...`, for arguments it refuses (so it exits at once).
fn sim_command(args: &[&str]) -> std::process::Output {
    harness::archcheck()
        .arg("sim")
        .arg(harness::model("c2.json"))
        .args(args)
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap()
}

#[test]
fn command_rejects_invalid_faults_with_the_grammar_and_exit_3() {
    for (args, why) in [
        (vec!["--fault", "boom:dev"], "unknown fault `boom`"),
        (
            vec!["--fault", "unbind:staging:worker"],
            "unbind:ENV:APP:SERVICE",
        ),
        (
            vec!["--fault", "unbind:staging:ghost:queue"],
            "no app `ghost`",
        ),
        (vec!["--scenario", "sunny"], "unknown scenario `sunny`"),
        (vec!["--listen", "not-an-address"], "is not an address"),
        (vec!["--require-token", "nocolon"], "ID:SECRET"),
    ] {
        let out = sim_command(&args);
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{args:?}: {err}");
    }
    let out = harness::archcheck()
        .args(["sim", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    // Every fault of the grammar is documented in --help.
    let specs: Vec<&str> = archcheck::sim::FAULT_GRAMMAR
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(!specs.is_empty());
    for spec in specs.iter().chain(["c2-incident", "/_sim/faults"].iter()) {
        assert!(help.contains(spec), "--help lacks {spec}");
    }
}

/// A bad value of a flag is a usage error from clap (exit 3, not clap's 2); a bad
/// --require-token is not echoed (it may be the secret).
#[test]
fn command_rejects_bad_flag_values_as_usage_errors() {
    for (args, why) in [
        (
            vec!["--scenario", "c2"],
            "invalid value 'c2' for '--scenario",
        ),
        (
            vec!["--max-per-page", "0"],
            "invalid value '0' for '--max-per-page",
        ),
        (
            vec!["--listen", "9022"],
            "invalid value '9022' for '--listen",
        ),
        (
            vec!["--require-token", "hunter2"],
            "--require-token <ID:SECRET> must be ID:SECRET",
        ),
    ] {
        let out = sim_command(&args);
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("error: ") && err.contains(why),
            "{args:?}: {err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// Starts `archcheck sim` on port 0 and waits for its URL file.
#[allow(clippy::zombie_processes)] // the caller waits for the child it is handed
fn spawn_command(dir: &std::path::Path, extra: &[&str]) -> (std::process::Child, String) {
    let url_file = dir.join("url");
    let bin = assert_cmd::cargo::cargo_bin("archcheck");
    let mut child = std::process::Command::new(bin)
        .arg("sim")
        .arg(harness::model("c2.json"))
        .args(["--listen", "127.0.0.1:0", "--url-file"])
        .arg(&url_file)
        .args(extra)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("archcheck sim starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(url) = std::fs::read_to_string(&url_file)
            && url.ends_with('\n')
        {
            return (child, url.trim().to_owned());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("archcheck sim wrote no --url-file");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn command_serves_on_port_0_writes_its_url_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = spawn_command(
        dir.path(),
        &["--scenario", "c2-incident", "--max-per-page", "3"],
    );
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let root: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert_eq!(root["links"]["uaa"]["href"], url.as_str());
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        assert!(
            Instant::now() < deadline,
            "archcheck sim did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(0));
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(err.contains(&url), "the URL is printed on stderr: {err}");
}

/// The pinned version of the independent Python client.
const PY_CLIENT: &str = "cloudfoundry-client==1.40.4 typing_extensions==4.15.0";

#[test]
fn python_cloudfoundry_client_lists_apps_and_instances_through_the_simulator() {
    let install = format!("python3 -m pip install {PY_CLIENT}");
    let Some(python) = harness::which("python3") else {
        panic!(
            "python3 is not installed; install it (`apt-get install -y python3 python3-pip`) and then `{install}`"
        );
    };
    let probe = std::process::Command::new(&python)
        .args(["-c", "import cloudfoundry_client.client"])
        .output()
        .expect("python3 runs");
    assert!(
        probe.status.success(),
        "the Python package cloudfoundry-client is missing; install it with `{install}`: {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let sim = start(SimConfig {
        max_per_page: Some(4),
        ..config()
    });
    let m = c2();
    let apps: Vec<String> = m
        .environments
        .iter()
        .flat_map(|e| e.apps.iter().map(|a| a.name.clone()))
        .collect();
    let services: Vec<String> = m
        .environments
        .iter()
        .flat_map(|e| e.services.iter().map(|s| s.name.clone()))
        .collect();
    let script = harness::root().join("tests/python/cf_client_check.py");
    let run = |apps: &str| {
        std::process::Command::new(&python)
            .arg(&script)
            .arg(sim.url())
            .args(["--user", "deployer@example.gov", "--password", "pw"])
            .args(["--apps", apps, "--services", &services.join(",")])
            .args(["--orgs", "cap", "--spaces", "dev,staging,prod"])
            .args(["--plan", "c2-staging-db=medium-psql", "--expire-tokens"])
            .output()
            .expect("python3 runs the check")
    };
    let out = run(&apps.join(","));
    assert!(
        out.status.success(),
        "the Python client check failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stats = sim.stats();
    assert!(
        stats.paths["/oauth/token"] >= 2,
        "logged in, then refreshed after expire-tokens: {stats:?}"
    );
    assert!(
        stats.paths["/v3/service_instances"] > 7,
        "followed the pages: {stats:?}"
    );
    // The check can fail: a name the simulator does not have makes it exit 1.
    let out = run(&format!("{},c2-ghost", apps.join(",")));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Top-level keys of each resource as in the v3 documentation's examples
/// (tests/fixtures/reference/capi/, from cloud_controller_ng docs/v3).
const DOCUMENTED: &[(&str, &str, &[&str])] = &[
    (
        "organization",
        "/v3/organizations",
        &[
            "created_at",
            "guid",
            "links",
            "metadata",
            "name",
            "relationships",
            "suspended",
            "updated_at",
        ],
    ),
    (
        "space",
        "/v3/spaces",
        &[
            "created_at",
            "guid",
            "links",
            "metadata",
            "name",
            "relationships",
            "suspended",
            "updated_at",
        ],
    ),
    (
        "app",
        "/v3/apps",
        &[
            "created_at",
            "guid",
            "lifecycle",
            "links",
            "metadata",
            "name",
            "relationships",
            "state",
            "updated_at",
        ],
    ),
    (
        "process",
        "/v3/processes",
        &[
            "command",
            "created_at",
            "disk_in_mb",
            "guid",
            "health_check",
            "instances",
            "links",
            "log_rate_limit_in_bytes_per_second",
            "memory_in_mb",
            "metadata",
            "readiness_health_check",
            "relationships",
            "type",
            "updated_at",
            "user",
            "version",
        ],
    ),
    (
        "route",
        "/v3/routes",
        &[
            "created_at",
            "destinations",
            "guid",
            "host",
            "links",
            "metadata",
            "options",
            "path",
            "protocol",
            "relationships",
            "updated_at",
            "url",
        ],
    ),
    (
        "plan",
        "/v3/service_plans",
        &[
            "available",
            "broker_catalog",
            "costs",
            "created_at",
            "description",
            "free",
            "guid",
            "links",
            "maintenance_info",
            "metadata",
            "name",
            "relationships",
            "schemas",
            "updated_at",
            "visibility_type",
        ],
    ),
    (
        "offering",
        "/v3/service_offerings",
        &[
            "available",
            "broker_catalog",
            "created_at",
            "description",
            "documentation_url",
            "guid",
            "links",
            "metadata",
            "name",
            "relationships",
            "requires",
            "shareable",
            "tags",
            "updated_at",
        ],
    ),
    (
        "managed instance",
        "/v3/service_instances?type=managed",
        &[
            "broker_provided_metadata",
            "created_at",
            "dashboard_url",
            "guid",
            "last_operation",
            "links",
            "maintenance_info",
            "metadata",
            "name",
            "relationships",
            "tags",
            "type",
            "updated_at",
            "upgrade_available",
        ],
    ),
    (
        "user-provided instance",
        "/v3/service_instances?type=user-provided",
        &[
            "created_at",
            "guid",
            "last_operation",
            "links",
            "metadata",
            "name",
            "relationships",
            "route_service_url",
            "syslog_drain_url",
            "tags",
            "type",
            "updated_at",
        ],
    ),
    (
        "app binding",
        "/v3/service_credential_bindings?type=app",
        &[
            "created_at",
            "guid",
            "last_operation",
            "links",
            "metadata",
            "name",
            "relationships",
            "type",
            "updated_at",
        ],
    ),
    (
        "service key",
        "/v3/service_credential_bindings?type=key",
        &[
            "created_at",
            "guid",
            "last_operation",
            "links",
            "metadata",
            "name",
            "relationships",
            "type",
            "updated_at",
        ],
    ),
];

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[tokio::test]
async fn resources_have_exactly_the_documented_keys() {
    let sim = start(config());
    let api = Api::login(&sim).await;
    for (what, list, documented) in DOCUMENTED {
        let b = api.ok(list).await;
        let r = &b["resources"][0];
        assert_eq!(keys(r), *documented, "{what}");
        let (s, single, _) = api
            .get_url(r["links"]["self"]["href"].as_str().unwrap())
            .await;
        assert_eq!(s, 200, "{what}: self link");
        let mut listed = r.clone();
        if *what == "process" {
            // Lists hide the start command; the single form shows it.
            assert_eq!(listed["command"], "[PRIVATE DATA HIDDEN IN LISTS]");
            listed["command"] = single["command"].clone();
        }
        assert_eq!(single, listed, "{what}: the single form is the list form");
    }
    let p = api.ok("/v3/processes").await["resources"][0]["guid"]
        .as_str()
        .unwrap()
        .to_owned();
    let stats = api.ok(&format!("/v3/processes/{p}/stats")).await;
    assert_eq!(
        keys(&stats["resources"][0]),
        [
            "details",
            "disk_quota",
            "fds_quota",
            "host",
            "index",
            "instance_guid",
            "instance_internal_ip",
            "instance_ports",
            "isolation_segment",
            "log_rate_limit",
            "mem_quota",
            "routable",
            "state",
            "type",
            "uptime",
            "usage"
        ]
    );
    let info = api.ok("/v3/info").await;
    assert_eq!(
        keys(&info),
        [
            "build",
            "cli_version",
            "custom",
            "description",
            "links",
            "name",
            "osbapi_version",
            "rate_limits",
            "version"
        ]
    );
    // Relationships and last operations as documented.
    let b = api.ok("/v3/service_credential_bindings?type=app").await;
    assert_eq!(
        keys(&b["resources"][0]["relationships"]),
        ["app", "service_instance"]
    );
    assert_eq!(
        keys(&b["resources"][0]["last_operation"]),
        ["created_at", "state", "type", "updated_at"]
    );
    let i = api.ok("/v3/service_instances?type=managed").await;
    assert_eq!(
        keys(&i["resources"][0]["relationships"]),
        ["service_plan", "space"]
    );
    assert_eq!(
        keys(&i["resources"][0]["last_operation"]),
        ["created_at", "description", "state", "type", "updated_at"]
    );
}

#[tokio::test]
async fn app_env_lists_the_bound_instances_with_marked_credentials() {
    let sim = start(SimConfig {
        scenario: archcheck::sim::Scenario::C2Incident,
        ..config()
    });
    let api = Api::login(&sim).await;
    let worker = api.guid_of("/v3/apps", "c2-staging-worker").await;
    let env = api.ok(&format!("/v3/apps/{worker}/env")).await;
    let vcap = env["system_env_json"]["VCAP_SERVICES"].as_object().unwrap();
    let names: BTreeSet<&str> = vcap
        .values()
        .flat_map(|list| list.as_array().unwrap().iter())
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        8,
        "nine bindings less the lost queue: {names:?}"
    );
    assert!(names.contains("c2-staging-db") && !names.contains("c2-staging-redis"));
    assert_eq!(vcap["aws-rds"][0]["plan"], "medium-psql");
    assert!(vcap["user-provided"].as_array().unwrap().len() == 6);
    let secret = vcap["aws-rds"][0]["credentials"]["password"]
        .as_str()
        .unwrap();
    assert!(secret.contains(archcheck::sim::SECRET_MARKER));
    assert_eq!(
        env["application_env_json"]["VCAP_APPLICATION"]["space_name"],
        "staging"
    );
    let key = &api.all("/v3/service_credential_bindings?type=key").await[0];
    let details = api
        .ok(&format!(
            "/v3/service_credential_bindings/{}/details",
            key["guid"].as_str().unwrap()
        ))
        .await;
    assert!(
        details["credentials"]["uri"]
            .as_str()
            .unwrap()
            .contains(archcheck::sim::SECRET_MARKER)
    );
    assert_eq!(api.get("/v3/apps/nope/env").await.0, 404);
}

#[tokio::test]
async fn same_space_name_in_two_orgs_are_two_spaces() {
    let model = archcheck::model::load_str(
        "twins.json",
        r#"{
          "version": 1, "system": "twins",
          "environments": {
            "blue": { "org": "blue-org", "space": "app" },
            "green": { "org": "green-org", "space": "app" }
          },
          "apps": { "web": { "name": "web", "services": ["db"] } },
          "services": { "db": { "name": "db", "offering": "pg", "plan": "small" } }
        }"#,
    )
    .expect("the model loads");
    let sim = Simulator::start(&model, config()).unwrap();
    let api = Api::login(&sim).await;
    let spaces = api.all("/v3/spaces?names=app&include=organization").await;
    assert_eq!(spaces.len(), 2);
    assert_ne!(spaces[0]["guid"], spaces[1]["guid"]);
    for org in ["blue-org", "green-org"] {
        let o = api.ok(&format!("/v3/organizations?names={org}")).await;
        let og = o["resources"][0]["guid"].as_str().unwrap();
        let s = api
            .ok(&format!("/v3/spaces?names=app&organization_guids={og}"))
            .await;
        assert_eq!(s["pagination"]["total_results"], 1);
        let sg = s["resources"][0]["guid"].as_str().unwrap();
        let apps = api.all(&format!("/v3/apps?space_guids={sg}")).await;
        assert_eq!(apps.len(), 1, "one `web` per space");
        let inst = api
            .all(&format!("/v3/service_instances?space_guids={sg}"))
            .await;
        assert_eq!(inst.len(), 1);
        let b = api
            .all(&format!(
                "/v3/service_credential_bindings?type=app&service_instance_guids={}",
                inst[0]["guid"].as_str().unwrap()
            ))
            .await;
        assert_eq!(b.len(), 1);
        assert_eq!(
            b[0]["relationships"]["app"]["data"]["guid"],
            apps[0]["guid"]
        );
    }
}

#[tokio::test]
async fn same_model_same_responses() {
    let (a, b) = (start(config()), start(config()));
    let (api_a, api_b) = (Api::login(&a).await, Api::login(&b).await);
    for path in [
        "/v3/apps?include=space",
        "/v3/service_instances?per_page=7&page=2",
        "/v3/service_credential_bindings?include=app",
        "/v3/processes?embed=process_instances",
        "/v3/routes",
    ] {
        let text_a = api_a.ok(path).await.to_string().replace(a.url(), "URL");
        let text_b = api_b.ok(path).await.to_string().replace(b.url(), "URL");
        assert_eq!(text_a, text_b, "{path}");
    }
}

#[tokio::test]
async fn shutdown_does_not_wait_for_idle_keep_alive_connections() {
    let http = reqwest::Client::new();
    let sim = start(config());
    let r = http.get(sim.url()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let url = sim.url().to_owned();
    let t = Instant::now();
    sim.shutdown();
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(
        http.get(&url).send().await.is_err(),
        "stopped means stopped"
    );
}

// ---- deploys (issue 10 item 5) ----

/// The simulator's clock as its `Date` header says it, in seconds since the epoch.
fn date_of(headers: &reqwest::header::HeaderMap) -> i64 {
    let d = headers["date"].to_str().unwrap();
    archcheck::time_format::parse_http_date(d).unwrap_or_else(|| panic!("Date `{d}`"))
}

/// `since` of an embedded instance is the seconds it has been in its state, counted from the
/// simulator's clock (the `Date` of the answer), as the Cloud Controller's
/// `instances_stats_reporter.rb` sends it; the stats' `uptime` is the same; the clock moves on
/// with `POST /_sim/clock`, and with it every age.
#[tokio::test]
async fn since_and_uptime_count_from_the_simulators_clock() {
    let sim = start(config());
    let api = Api::login(&sim).await;
    let web = api.guid_of("/v3/apps", "c2-prod").await;
    let url = format!(
        "{}/v3/processes?app_guids={web}&embed=process_instances",
        api.base
    );
    let (_, b, h) = api.get_url(&url).await;
    let now = date_of(&h);
    let since = b["resources"][0]["process_instances"][0]["since"]
        .as_i64()
        .unwrap();
    // Every app of a scenario was last started on 2016-08-05.
    assert_eq!(now - since, archcheck::sim::STARTED);
    let updated = b["resources"][0]["updated_at"].as_str().unwrap();
    assert_eq!(updated, "2016-08-05T00:00:00Z", "its last start");

    let clock: Value = reqwest::Client::new()
        .post(format!("{}/_sim/clock", api.base))
        .body(r#"{"advance_seconds": 3600}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let moved = archcheck::time_format::parse_rfc3339(clock["now"].as_str().unwrap()).unwrap();
    assert!(moved >= now + 3600, "{clock}");
    let (_, b, h) = api.get_url(&url).await;
    let later = b["resources"][0]["process_instances"][0]["since"]
        .as_i64()
        .unwrap();
    assert_eq!(date_of(&h) - later, archcheck::sim::STARTED);
    assert!(later >= since + 3600);
    let pg = b["resources"][0]["guid"].as_str().unwrap();
    let (_, stats, h) = api
        .get_url(&format!("{}/v3/processes/{pg}/stats", api.base))
        .await;
    assert_eq!(
        date_of(&h) - stats["resources"][0]["uptime"].as_i64().unwrap(),
        archcheck::sim::STARTED
    );
    let bad = reqwest::Client::new()
        .post(format!("{}/_sim/clock", api.base))
        .body(r#"{"advance_seconds": -5}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
}

/// `deploy:ENV:APP:SECONDS` plays a rolling deployment out on the simulator's clock: a second
/// web process whose instances go STARTING then RUNNING one at a time while the old ones are
/// scaled down, a deployment `ACTIVE`/`DEPLOYING` in the shape of `deployment_presenter.rb`
/// naming that process in `new_processes`, then the old process removed and the deployment
/// `FINALIZED`/`DEPLOYED`.
#[tokio::test]
async fn a_rolling_deploy_plays_out_on_the_clock() {
    let sim = start(SimConfig {
        faults: vec!["deploy:prod:web:60".into()],
        ..config()
    });
    let api = Api::login(&sim).await;
    let web = api.guid_of("/v3/apps", "c2-prod").await;
    let procs = format!("/v3/processes?app_guids={web}&embed=process_instances");
    let deps = format!("/v3/deployments?app_guids={web}&status_values=ACTIVE");

    let d = api.ok(&deps).await["resources"][0].clone();
    assert_eq!(
        keys(&d),
        [
            "created_at",
            "droplet",
            "guid",
            "links",
            "metadata",
            "new_processes",
            "options",
            "previous_droplet",
            "relationships",
            "revision",
            "status",
            "strategy",
            "updated_at"
        ]
    );
    assert_eq!(d["status"]["value"], "ACTIVE");
    assert_eq!(d["status"]["reason"], "DEPLOYING");
    assert_eq!(
        keys(&d["status"]["details"]),
        ["last_status_change", "last_successful_healthcheck"]
    );
    assert_eq!(d["strategy"], "rolling");
    assert_eq!(d["relationships"]["app"]["data"]["guid"], web.as_str());
    assert!(d["links"]["cancel"]["href"].is_string());
    let new = d["new_processes"][0]["guid"].as_str().unwrap().to_owned();
    assert_eq!(d["new_processes"][0]["type"], "web");
    let single = api
        .ok(&format!("/v3/deployments/{}", d["guid"].as_str().unwrap()))
        .await;
    assert_eq!(single, d, "the single form is the list form");

    let states = |b: &Value| -> Vec<(String, Vec<String>)> {
        b["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let who = if p["guid"] == new.as_str() {
                    "new"
                } else {
                    "old"
                };
                let s = p["process_instances"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["state"].as_str().unwrap().to_owned())
                    .collect();
                (who.to_owned(), s)
            })
            .collect()
    };
    let b = api.ok(&procs).await;
    assert_eq!(
        states(&b),
        [
            ("old".into(), vec!["RUNNING".into(), "RUNNING".into()]),
            ("new".into(), vec!["STARTING".into()])
        ]
    );
    sim.advance_clock(Duration::from_secs(30));
    assert_eq!(
        states(&api.ok(&procs).await),
        [
            ("old".into(), vec!["RUNNING".into()]),
            ("new".into(), vec!["RUNNING".into(), "STARTING".into()])
        ]
    );
    sim.advance_clock(Duration::from_secs(30));
    assert_eq!(
        states(&api.ok(&procs).await),
        [("new".into(), vec!["RUNNING".into(), "RUNNING".into()])]
    );
    assert!(
        api.ok(&deps).await["resources"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let all = api
        .ok(&format!(
            "/v3/deployments?app_guids={web}&order_by=-created_at"
        ))
        .await;
    let d = &all["resources"][0];
    assert_eq!(
        (&d["status"]["value"], &d["status"]["reason"]),
        (&json!("FINALIZED"), &json!("DEPLOYED"))
    );
    assert!(d["links"].get("cancel").is_none());
    let app = api.ok(&format!("/v3/apps/{web}")).await;
    assert_eq!(
        app["relationships"]["current_droplet"]["data"]["guid"],
        d["droplet"]["guid"]
    );
}

/// `deploy-canary` pauses (`ACTIVE`/`PAUSED`, a `continue` link, `status.canary`), and
/// `cancel-deploy` cancels a deployment in flight: its process removed, the old one back at
/// its instances, `FINALIZED`/`CANCELED`. Canceling what is not in flight is refused.
#[tokio::test]
async fn a_canary_pauses_and_a_cancel_finalizes_as_canceled() {
    let sim = start(SimConfig {
        faults: vec!["deploy-canary:prod:web:30".into()],
        ..config()
    });
    let api = Api::login(&sim).await;
    let web = api.guid_of("/v3/apps", "c2-prod").await;
    let deps = format!("/v3/deployments?app_guids={web}");
    sim.advance_clock(Duration::from_secs(30));
    let d = api.ok(&deps).await["resources"][0].clone();
    assert_eq!(
        (&d["status"]["value"], &d["status"]["reason"]),
        (&json!("ACTIVE"), &json!("PAUSED"))
    );
    assert_eq!(d["strategy"], "canary");
    assert_eq!(d["status"]["canary"]["steps"]["current"], 1);
    assert!(d["links"]["continue"]["href"].is_string());

    sim.add_faults(&["cancel-deploy:prod:web"]).unwrap();
    let d = api.ok(&deps).await["resources"][0].clone();
    assert_eq!(
        (&d["status"]["value"], &d["status"]["reason"]),
        (&json!("FINALIZED"), &json!("CANCELED"))
    );
    let procs = api
        .ok(&format!(
            "/v3/processes?app_guids={web}&embed=process_instances"
        ))
        .await;
    let procs = procs["resources"].as_array().unwrap();
    assert_eq!(procs.len(), 1);
    assert_eq!(procs[0]["instances"], 2);
    let e = sim.add_faults(&["cancel-deploy:prod:web"]).unwrap_err();
    assert!(e.contains("no deployment of the app is in flight"), "{e}");
    let e = sim
        .add_faults(&["deploy:dev:web", "deploy:dev:web"])
        .unwrap_err();
    assert!(e.contains("already being deployed"), "{e}");
}

/// `rebind-without-restart` makes the binding anew, created now (after the instances
/// started, which did not restart), and in VCAP_SERVICES; `bind-in-progress` makes one
/// `create in progress`, which VCAP_SERVICES does not have yet.
#[tokio::test]
async fn rebinding_without_a_restart_and_a_binding_being_created() {
    let sim = start(SimConfig {
        faults: vec![
            "rebind-without-restart:staging:worker:queue".into(),
            "bind-in-progress:staging:web:search".into(),
        ],
        ..config()
    });
    let api = Api::login(&sim).await;
    let worker = api.guid_of("/v3/apps", "c2-staging-worker").await;
    let web = api.guid_of("/v3/apps", "c2-staging").await;
    let (_, b, h) = api
        .get_url(&format!(
            "{}/v3/service_credential_bindings?app_guids={worker}&service_instance_names=c2-staging-redis",
            api.base
        ))
        .await;
    let created =
        archcheck::time_format::parse_rfc3339(b["resources"][0]["created_at"].as_str().unwrap())
            .unwrap();
    assert!(
        (date_of(&h) - created).abs() <= 2,
        "created now: {created} vs {}",
        date_of(&h)
    );
    assert_eq!(b["resources"][0]["last_operation"]["state"], "succeeded");
    let b = api
        .ok(&format!(
            "/v3/service_credential_bindings?app_guids={web}&service_instance_names=c2-staging-elasticsearch"
        ))
        .await;
    assert_eq!(b["resources"][0]["last_operation"]["type"], "create");
    assert_eq!(b["resources"][0]["last_operation"]["state"], "in progress");
    let env = api.ok(&format!("/v3/apps/{web}/env")).await;
    let vcap = env["system_env_json"]["VCAP_SERVICES"].to_string();
    assert!(!vcap.contains("c2-staging-elasticsearch"), "{vcap}");
    let env = api.ok(&format!("/v3/apps/{worker}/env")).await;
    assert!(
        env["system_env_json"]["VCAP_SERVICES"]
            .to_string()
            .contains("c2-staging-redis")
    );
}
