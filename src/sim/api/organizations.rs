//! `GET /v3/organizations[/:guid]` (filters `names`, `guids`).

use super::error::ApiError;
use super::{Ctx, metadata, to_one};
use crate::sim::ids::guid;
use crate::sim::query::Spec;
use crate::sim::world::Org;
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

pub fn render(ctx: &Ctx, o: &Org) -> Value {
    let quota = guid("organization_quota/default");
    let me = format!("/v3/organizations/{}", o.guid);
    json!({
        "guid": o.guid,
        "created_at": rfc3339_utc(o.created),
        "updated_at": rfc3339_utc(o.created),
        "name": o.name,
        "suspended": false,
        "relationships": { "quota": to_one(Some(&quota)) },
        "links": {
            "self": ctx.link(&me),
            "domains": ctx.link(&format!("{me}/domains")),
            "default_domain": ctx.link(&format!("{me}/domains/default")),
            "quota": ctx.link(&format!("/v3/organization_quotas/{quota}")),
        },
        "metadata": metadata(),
    })
}

pub async fn list(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let q = ctx.query(&LIST)?;
    let items = ctx
        .world
        .orgs
        .iter()
        .filter(|o| q.allows("names", &o.name) && q.allows("guids", &o.guid))
        .collect();
    Ok(Json(ctx.list(
        &q,
        "/v3/organizations",
        items,
        |o| render(&ctx, o),
        |_| None,
    )))
}

pub async fn show(ctx: Ctx, Path(g): Path<String>) -> Result<Json<Value>, ApiError> {
    ctx.query(&Spec::default())?;
    let o = ctx
        .world
        .org(&g)
        .ok_or_else(|| ApiError::not_found("Organization"))?;
    Ok(Json(render(&ctx, o)))
}
