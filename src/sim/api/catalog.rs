//! The service catalog: `GET /v3/service_plans[/:guid]` (filters `names`, `guids`,
//! `service_offering_guids`, `service_offering_names`, `service_broker_guids`,
//! `service_broker_names`) and `GET /v3/service_offerings[/:guid]` (filters `names`, `guids`,
//! `service_broker_guids`, `service_broker_names`).

use super::error::ApiError;
use super::{Ctx, metadata, to_one};
use crate::sim::query::Spec;
use crate::sim::world::{Offering, Plan};
use crate::time_format::rfc3339_utc;
use axum::Json;
use axum::extract::Path;
use serde_json::{Value, json};

const PLANS: Spec = Spec {
    filters: &[
        "names",
        "guids",
        "service_offering_guids",
        "service_offering_names",
        "service_broker_guids",
        "service_broker_names",
    ],
    includes: &[],
    embeds: &[],
    fields: &[],
    list: true,
    by_name: true,
};

const OFFERINGS: Spec = Spec {
    filters: &[
        "names",
        "guids",
        "service_broker_guids",
        "service_broker_names",
    ],
    includes: &[],
    embeds: &[],
    fields: &[],
    list: true,
    by_name: true,
};

pub fn render_plan(ctx: &Ctx, p: &Plan) -> Value {
    let me = format!("/v3/service_plans/{}", p.guid);
    let created = rfc3339_utc(p.created);
    json!({
        "guid": p.guid,
        "name": p.name,
        "description": format!("{} plan (simulated)", p.name),
        "visibility_type": "public",
        "available": true,
        "free": true,
        "costs": [],
        "created_at": created,
        "updated_at": created,
        "maintenance_info": {},
        "broker_catalog": {
            "id": p.guid,
            "metadata": {},
            "maximum_polling_duration": null,
            "features": { "plan_updateable": true, "bindable": true }
        },
        "schemas": {
            "service_instance": { "create": { "parameters": {} }, "update": { "parameters": {} } },
            "service_binding": { "create": { "parameters": {} } }
        },
        "relationships": { "service_offering": to_one(Some(&p.offering_guid)) },
        "metadata": metadata(),
        "links": {
            "self": ctx.link(&me),
            "service_offering": ctx.link(&format!("/v3/service_offerings/{}", p.offering_guid)),
            "visibility": ctx.link(&format!("{me}/visibility")),
        },
    })
}

pub fn render_offering(ctx: &Ctx, o: &Offering) -> Value {
    let created = rfc3339_utc(o.created);
    json!({
        "guid": o.guid,
        "name": o.name,
        "description": o.description,
        "available": true,
        "tags": [],
        "requires": [],
        "created_at": created,
        "updated_at": created,
        "shareable": true,
        "documentation_url": null,
        "broker_catalog": {
            "id": o.guid,
            "metadata": { "shareable": true },
            "features": {
                "plan_updateable": true,
                "bindable": true,
                "instances_retrievable": false,
                "bindings_retrievable": false,
                "allow_context_updates": false
            }
        },
        "relationships": { "service_broker": to_one(Some(&o.broker_guid)) },
        "metadata": metadata(),
        "links": {
            "self": ctx.link(&format!("/v3/service_offerings/{}", o.guid)),
            "service_plans": ctx.link(&format!("/v3/service_plans?service_offering_guids={}", o.guid)),
            "service_broker": ctx.link(&format!("/v3/service_brokers/{}", o.broker_guid)),
        },
    })
}

pub async fn list_plans(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let q = ctx.query(&PLANS)?;
    let w = &ctx.world;
    let items = w
        .plans
        .iter()
        .filter(|p| {
            let off = w.offering(&p.offering_guid);
            let broker = off.and_then(|o| w.broker(&o.broker_guid));
            q.allows("names", &p.name)
                && q.allows("guids", &p.guid)
                && q.allows("service_offering_guids", &p.offering_guid)
                && q.allows(
                    "service_offering_names",
                    off.map(|o| o.name.as_str()).unwrap_or(""),
                )
                && q.allows(
                    "service_broker_guids",
                    broker.map(|b| b.guid.as_str()).unwrap_or(""),
                )
                && q.allows(
                    "service_broker_names",
                    broker.map(|b| b.name.as_str()).unwrap_or(""),
                )
        })
        .collect();
    Ok(Json(ctx.list(
        &q,
        "/v3/service_plans",
        items,
        |p| render_plan(&ctx, p),
        |_| None,
    )))
}

pub async fn show_plan(ctx: Ctx, Path(g): Path<String>) -> Result<Json<Value>, ApiError> {
    ctx.query(&Spec::default())?;
    let p = ctx
        .world
        .plan(&g)
        .ok_or_else(|| ApiError::not_found("Service plan"))?;
    Ok(Json(render_plan(&ctx, p)))
}

pub async fn list_offerings(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let q = ctx.query(&OFFERINGS)?;
    let w = &ctx.world;
    let items = w
        .offerings
        .iter()
        .filter(|o| {
            let broker = w.broker(&o.broker_guid);
            q.allows("names", &o.name)
                && q.allows("guids", &o.guid)
                && q.allows("service_broker_guids", &o.broker_guid)
                && q.allows(
                    "service_broker_names",
                    broker.map(|b| b.name.as_str()).unwrap_or(""),
                )
        })
        .collect();
    Ok(Json(ctx.list(
        &q,
        "/v3/service_offerings",
        items,
        |o| render_offering(&ctx, o),
        |_| None,
    )))
}

pub async fn show_offering(ctx: Ctx, Path(g): Path<String>) -> Result<Json<Value>, ApiError> {
    ctx.query(&Spec::default())?;
    let o = ctx
        .world
        .offering(&g)
        .ok_or_else(|| ApiError::not_found("Service offering"))?;
    Ok(Json(render_offering(&ctx, o)))
}
