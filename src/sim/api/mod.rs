//! The HTTP face of the simulator: the router, the request pipeline (counting, fault
//! latency, fault statuses and rate limits, bearer-token authentication), and one module a
//! resource family, each a [`resource::Resource`] served by the generic
//! [`resource::list`] and [`resource::show`]. Shapes follow the Cloud Controller v3 documentation's examples.

pub(crate) mod apps;
pub(crate) mod audit_events;
pub(crate) mod catalog;
pub(crate) mod control;
pub(crate) mod credential_bindings;
pub(crate) mod deployments;
pub(crate) mod domains;
pub(crate) mod error;
pub(crate) mod organizations;
pub(crate) mod processes;
pub(crate) mod resource;
pub(crate) mod root;
pub(crate) mod routes;
pub(crate) mod service_instances;
pub(crate) mod spaces;

use super::query::{Query, Spec, parse_query_string};
use super::state::{LinkFaults, OFFSITE, Reject, Shared};
use super::world::World;
use super::world::{
    AuditEvent, CredentialBinding, Deployment, Domain, Instance, Offering, Org, Plan, Process,
    Route, SimApp, Space,
};
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, request::Parts};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use error::ApiError;
use resource::{list, show};
use serde_json::{Value, json};
use std::sync::Arc;

/// The whole router for a shared state.
pub(crate) fn router(sim: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(root::root))
        .route("/v3", get(root::v3))
        .route("/v3/", get(root::v3))
        .route("/v3/info", get(root::info))
        .route("/v3/organizations", get(list::<Org>))
        .route("/v3/organizations/{guid}", get(show::<Org>))
        .route("/v3/spaces", get(list::<Space>))
        .route("/v3/spaces/{guid}", get(show::<Space>))
        .route("/v3/apps", get(list::<SimApp>))
        .route("/v3/apps/{guid}", get(show::<SimApp>))
        .route("/v3/apps/{guid}/env", get(apps::env))
        .route("/v3/processes", get(list::<Process>))
        .route("/v3/processes/{guid}", get(show::<Process>))
        .route("/v3/processes/{guid}/stats", get(processes::stats))
        .route("/v3/audit_events", get(list::<AuditEvent>))
        .route("/v3/audit_events/{guid}", get(show::<AuditEvent>))
        .route("/v3/deployments", get(list::<Deployment>))
        .route("/v3/deployments/{guid}", get(show::<Deployment>))
        .route("/v3/domains", get(list::<Domain>))
        .route("/v3/domains/{guid}", get(show::<Domain>))
        .route("/v3/routes", get(list::<Route>))
        .route("/v3/routes/{guid}", get(show::<Route>))
        .route("/v3/service_instances", get(list::<Instance>))
        .route("/v3/service_instances/{guid}", get(show::<Instance>))
        .route(
            "/v3/service_instances/{guid}/relationships/shared_spaces",
            get(service_instances::shared_spaces),
        )
        .route(
            "/v3/service_credential_bindings",
            get(list::<CredentialBinding>),
        )
        .route(
            "/v3/service_credential_bindings/{guid}",
            get(show::<CredentialBinding>),
        )
        .route(
            "/v3/service_credential_bindings/{guid}/details",
            get(credential_bindings::details),
        )
        .route("/v3/service_plans", get(list::<Plan>))
        .route("/v3/service_plans/{guid}", get(show::<Plan>))
        .route("/v3/service_offerings", get(list::<Offering>))
        .route("/v3/service_offerings/{guid}", get(show::<Offering>))
        .route("/oauth/token", post(super::uaa::token))
        .route(
            "/_sim/faults",
            get(control::get_faults)
                .post(control::post_faults)
                .delete(control::delete_faults),
        )
        .route(
            "/_sim/stats",
            get(control::get_stats).delete(control::delete_stats),
        )
        .route("/_sim/requests", get(control::get_requests))
        .route(
            "/_sim/clock",
            get(control::get_clock).post(control::post_clock),
        )
        .fallback(unknown)
        .method_not_allowed_fallback(unknown)
        .layer(middleware::from_fn_with_state(sim.clone(), pipeline))
        .with_state(sim)
}

async fn unknown() -> ApiError {
    ApiError::unknown_request()
}

/// Paths served without a token, as the real API and UAA do.
fn is_public(path: &str) -> bool {
    matches!(path, "/" | "/v3" | "/v3/" | "/v3/info" | "/oauth/token") || path.starts_with("/_sim/")
}

/// The `Authorization` header, when there is one that reads.
fn bearer(req: &Request) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

/// The simulator's time when a request came (milliseconds since the epoch): every handler
/// answers as of then, and the `Date` header says it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestTime(pub i64);

/// Counts the request, applies request faults, then checks the bearer token.
async fn pipeline(State(sim): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/_sim/") {
        return next.run(req).await;
    }
    let now_ms = sim.now_ms();
    req.extensions_mut().insert(RequestTime(now_ms));
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    // The Cloud Controller's rate limiter counts requests with a user's token, not its root.
    let limited = !is_public(&path) && bearer(&req).is_some();
    let decision = sim.on_request(&path, &path_and_query, limited);
    let mut resp = answer(&sim, &path, &decision, req, next).await;
    sim.on_answered(&decision);
    let id = super::ids::guid(&format!("request/{}", decision.seq));
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-vcap-request-id", v);
    }
    if let Some(rate) = decision.rate {
        let h = resp.headers_mut();
        h.insert("x-ratelimit-limit", rate.limit.into());
        h.insert("x-ratelimit-remaining", rate.remaining.into());
        h.insert("x-ratelimit-reset", rate.reset.into());
    }
    // The simulator's clock, which tests move on: clients read ages (an instance's `since`)
    // against it.
    let date = crate::time_format::http_date(now_ms.div_euclid(1000));
    if let Ok(v) = axum::http::HeaderValue::from_str(&date) {
        resp.headers_mut().insert(header::DATE, v);
    }
    resp
}

async fn answer(
    sim: &Shared,
    path: &str,
    decision: &super::state::Decision,
    req: Request,
    next: Next,
) -> Response {
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    match decision.reject {
        Some(Reject::Status(code)) => return ApiError::for_status(code).into_response(),
        Some(Reject::RateLimit(secs)) => return ApiError::rate_limited(secs).into_response(),
        None => {}
    }
    if !is_public(path) {
        let Some(auth) = bearer(&req) else {
            return ApiError::not_authenticated().into_response();
        };
        let token = match auth.split_once(' ') {
            Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
            _ => return ApiError::invalid_token().into_response(),
        };
        if !sim.accepts_token(token) {
            return ApiError::invalid_token().into_response();
        }
    }
    next.run(req).await
}

/// What every handler needs: the world now, the base URL for links, the query, and what the
/// pagination faults make of the links.
pub(crate) struct Ctx {
    pub base: String,
    pub world: Arc<World>,
    pub params: Vec<(String, String)>,
    pub max_per_page: Option<u32>,
    pub links: LinkFaults,
    /// The request's bearer token, for `reflect-token`.
    pub token: String,
    /// The simulator's time of the request, seconds since the epoch.
    pub now: i64,
}

impl FromRequestParts<Arc<Shared>> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, sim: &Arc<Shared>) -> Result<Ctx, ApiError> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let links = sim.link_faults(parts.uri.path());
        let mut params = parse_query_string(parts.uri.query());
        // A reflected token comes back when a link is followed: it is not a parameter.
        if let Some(reflected) = &links.reflect {
            params.retain(|(k, _)| k != reflected);
        }
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .map(|(_, t)| t.trim().to_owned())
            .unwrap_or_default();
        let now_ms = parts
            .extensions
            .get::<RequestTime>()
            .map_or_else(|| sim.now_ms(), |t| t.0);
        Ok(Ctx {
            base: format!("http://{host}"),
            world: sim.world_at(now_ms),
            now: now_ms.div_euclid(1000),
            params,
            max_per_page: sim.max_per_page,
            links,
            token,
        })
    }
}

impl Ctx {
    pub(crate) fn query(&self, spec: &Spec) -> Result<Query, ApiError> {
        Query::parse(&self.params, spec, self.max_per_page)
    }

    /// The `pagination` block of a list of `total` at `path`, as the pagination faults make it.
    pub(crate) fn pagination(&self, q: &Query, total: usize, path: &str) -> Value {
        let mut p = q.pagination(total, &self.base, path);
        let l = &self.links;
        if l.cycle && p["next"].is_null() {
            p["next"] = p["first"].clone();
        }
        if l.offsite
            && let Some(rest) = p["next"]["href"]
                .as_str()
                .and_then(|h| h.strip_prefix(&self.base))
        {
            p["next"]["href"] = Value::from(format!("{OFFSITE}{rest}"));
        }
        if let Some(param) = &l.reflect {
            let token = super::query::percent_encode(&self.token);
            for link in ["first", "last", "next", "previous"] {
                if let Some(h) = p[link]["href"].as_str() {
                    p[link]["href"] = Value::from(format!("{h}&{param}={token}"));
                }
            }
        }
        if let Some((results, pages)) = l.totals {
            p["total_results"] = Value::from(results);
            p["total_pages"] = Value::from(pages);
        }
        p
    }

    /// An absolute link object.
    pub(crate) fn link(&self, path: &str) -> Value {
        json!({ "href": format!("{}{path}", self.base) })
    }
}

/// What every resource has: a GUID, a creation time (`order_by=created_at`) and what
/// `order_by=name` sorts on.
pub(crate) trait Record {
    fn guid(&self) -> &str;
    /// Seconds since the epoch.
    fn created(&self) -> i64;
    /// The `name` order (a route's URL, a process's type).
    fn order_name(&self) -> &str;
}

macro_rules! record {
    ($($t:ty => |$x:ident| $name:expr;)*) => {$(
        impl Record for $t {
            fn guid(&self) -> &str {
                &self.guid
            }
            fn created(&self) -> i64 {
                self.created
            }
            fn order_name(&self) -> &str {
                let $x = self;
                $name
            }
        }
    )*};
}

record! {
    Domain => |x| &x.name;
    Org => |x| &x.name;
    Space => |x| &x.name;
    SimApp => |x| &x.name;
    Process => |x| &x.kind;
    Route => |x| &x.url;
    Instance => |x| &x.name;
    CredentialBinding => |x| x.name.as_deref().unwrap_or("");
    Plan => |x| &x.name;
    Offering => |x| &x.name;
    Deployment => |x| &x.guid;
}

/// `relationships.X.data.guid`.
pub(crate) fn to_one(guid: Option<&str>) -> Value {
    match guid {
        Some(g) => json!({ "data": { "guid": g } }),
        None => json!({ "data": null }),
    }
}

/// The empty `metadata` block every resource has.
pub(crate) fn metadata() -> Value {
    json!({ "labels": {}, "annotations": {} })
}

/// Pushes `v` unless an item with the same `guid` is there.
pub(crate) fn push_unique(list: &mut Vec<Value>, v: Value) {
    if !list.iter().any(|x| x["guid"] == v["guid"]) {
        list.push(v);
    }
}
