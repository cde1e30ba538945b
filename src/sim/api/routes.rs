//! `GET /v3/routes[/:guid]` (filters `guids`, `hosts`, `paths`, `space_guids`, `app_guids`,
//! `organization_guids`, `domain_guids`), each with its `destinations`.

use super::error::ApiError;
use super::{Ctx, metadata, to_one};
use crate::sim::ids::guid;
use crate::sim::query::Spec;
use crate::sim::world::Route;
use crate::time_format::rfc3339_utc;
use axum::Json;
use axum::extract::Path;
use serde_json::{Value, json};

const LIST: Spec = Spec {
    filters: &[
        "guids",
        "hosts",
        "paths",
        "space_guids",
        "app_guids",
        "organization_guids",
        "domain_guids",
    ],
    includes: &[],
    embeds: &[],
    fields: &[],
    list: true,
    by_name: false,
};

pub fn render(ctx: &Ctx, r: &Route) -> Value {
    let me = format!("/v3/routes/{}", r.guid);
    let created = rfc3339_utc(r.created);
    let destinations: Vec<Value> = r
        .app_guids
        .iter()
        .map(|a| {
            json!({
                "guid": guid(&format!("destination/{}/{a}", r.guid)),
                "app": { "guid": a, "process": { "type": "web" } },
                "weight": null,
                "port": 8080,
                "protocol": "http1",
                "created_at": created,
                "updated_at": created,
            })
        })
        .collect();
    json!({
        "guid": r.guid,
        "protocol": "http",
        "created_at": created,
        "updated_at": created,
        "host": r.host,
        "path": r.path,
        "url": r.url,
        "destinations": destinations,
        "options": {},
        "metadata": metadata(),
        "relationships": {
            "space": to_one(Some(&r.space_guid)),
            "domain": to_one(Some(&r.domain_guid)),
        },
        "links": {
            "self": ctx.link(&me),
            "space": ctx.link(&format!("/v3/spaces/{}", r.space_guid)),
            "domain": ctx.link(&format!("/v3/domains/{}", r.domain_guid)),
            "destinations": ctx.link(&format!("{me}/destinations")),
        },
    })
}

pub async fn list(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let q = ctx.query(&LIST)?;
    let w = &ctx.world;
    let items = w
        .routes
        .iter()
        .filter(|r| {
            q.allows("guids", &r.guid)
                && q.allows("hosts", &r.host)
                && q.allows("paths", &r.path)
                && q.allows("space_guids", &r.space_guid)
                && q.allows("domain_guids", &r.domain_guid)
                && q.allows(
                    "organization_guids",
                    w.org_of_space(&r.space_guid).unwrap_or(""),
                )
                && q.allows_any("app_guids", r.app_guids.iter().map(String::as_str))
        })
        .collect();
    Ok(Json(ctx.list(
        &q,
        "/v3/routes",
        items,
        |r| render(&ctx, r),
        |_| None,
    )))
}

pub async fn show(ctx: Ctx, Path(g): Path<String>) -> Result<Json<Value>, ApiError> {
    ctx.query(&Spec::default())?;
    let r = ctx
        .world
        .routes
        .iter()
        .find(|r| r.guid == g)
        .ok_or_else(|| ApiError::not_found("Route"))?;
    Ok(Json(render(&ctx, r)))
}
