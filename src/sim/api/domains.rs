//! `GET /v3/domains[/:guid]` (filters `names`, `guids`): the domains of the model's routes,
//! all shared domains.

use super::error::ApiError;
use super::{Ctx, metadata, to_one};
use crate::sim::query::Spec;
use crate::sim::world::Domain;
use crate::time_format::rfc3339_utc;
use axum::Json;
use axum::extract::Path;
use serde_json::{Value, json};

const LIST: Spec = Spec {
    filters: &["names", "guids"],
    includes: &[],
    embeds: &[],
    fields: &[],
    list: true,
    by_name: true,
};

pub fn render(ctx: &Ctx, d: &Domain) -> Value {
    let me = format!("/v3/domains/{}", d.guid);
    json!({
        "guid": d.guid,
        "created_at": rfc3339_utc(d.created),
        "updated_at": rfc3339_utc(d.created),
        "name": d.name,
        "internal": false,
        "router_group": null,
        "supported_protocols": ["http"],
        "metadata": metadata(),
        "relationships": {
            "organization": to_one(None),
            "shared_organizations": { "data": [] },
        },
        "links": {
            "self": ctx.link(&me),
            "route_reservations": ctx.link(&format!("{me}/route_reservations")),
        },
    })
}

pub async fn list(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let q = ctx.query(&LIST)?;
    let items = ctx
        .world
        .domains
        .iter()
        .filter(|d| q.allows("names", &d.name) && q.allows("guids", &d.guid))
        .collect();
    Ok(Json(ctx.list(
        &q,
        "/v3/domains",
        items,
        |d| render(&ctx, d),
        |_| None,
    )))
}

pub async fn show(ctx: Ctx, Path(g): Path<String>) -> Result<Json<Value>, ApiError> {
    ctx.query(&Spec::default())?;
    let d = ctx
        .world
        .domain(&g)
        .ok_or_else(|| ApiError::not_found("Domain"))?;
    Ok(Json(render(&ctx, d)))
}
