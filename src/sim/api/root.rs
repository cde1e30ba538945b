//! `GET /`, `GET /v3` and `GET /v3/info`. The root's `login` and `uaa` links point at the
//! simulator itself, which serves `POST /oauth/token`.

use super::Ctx;
use axum::Json;
use serde_json::{Value, json};

pub(crate) async fn root(ctx: Ctx) -> Json<Value> {
    let b = &ctx.base;
    Json(json!({
        "links": {
            "self": { "href": b },
            "cloud_controller_v2": null,
            "cloud_controller_v3": { "href": format!("{b}/v3"), "meta": { "version": "3.180.0" } },
            "network_policy_v0": null,
            "network_policy_v1": null,
            "login": { "href": b },
            "uaa": { "href": b },
            "credhub": null,
            "routing": null,
            "logging": null,
            "log_cache": null,
            "log_stream": null,
            "app_ssh": null,
        }
    }))
}

pub(crate) async fn v3(ctx: Ctx) -> Json<Value> {
    let names = [
        "apps",
        "domains",
        "info",
        "organizations",
        "processes",
        "routes",
        "service_credential_bindings",
        "service_instances",
        "service_offerings",
        "service_plans",
        "spaces",
    ];
    let mut links = serde_json::Map::new();
    links.insert("self".into(), ctx.link("/v3"));
    for n in names {
        links.insert(n.into(), ctx.link(&format!("/v3/{n}")));
    }
    Json(json!({ "links": links }))
}

pub(crate) async fn info(ctx: Ctx) -> Json<Value> {
    Json(json!({
        "build": "archcheck-sim",
        "cli_version": { "minimum": "6.22.0", "recommended": "latest" },
        "custom": {},
        "description": "Simulated Cloud Foundry (archcheck sim)",
        "name": "archcheck-sim",
        "version": 0,
        "osbapi_version": "2.15",
        "rate_limits": { "enabled": false, "general_limit": 2000, "reset_interval_in_minutes": 60 },
        "links": {
            "self": ctx.link("/v3/info"),
            "support": { "href": "https://github.com/cloudfoundry/cloud_controller_ng" }
        }
    }))
}
