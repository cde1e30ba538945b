//! `GET /v3/spaces[/:guid]` (filters `names`, `guids`, `organization_guids`;
//! `include=organization`).

use super::error::ApiError;
use super::{Ctx, metadata, organizations, push_unique, to_one};
use crate::sim::query::Spec;
use crate::sim::world::Space;
use crate::time_format::rfc3339_utc;
use axum::Json;
use axum::extract::Path;
use serde_json::{Value, json};

const LIST: Spec = Spec {
    filters: &["names", "guids", "organization_guids"],
    includes: &["organization"],
    embeds: &[],
    fields: &[],
    list: true,
    by_name: true,
};

const SHOW: Spec = Spec {
    filters: &[],
    includes: &["organization"],
    embeds: &[],
    fields: &[],
    list: false,
    by_name: false,
};

pub fn render(ctx: &Ctx, s: &Space) -> Value {
    let me = format!("/v3/spaces/{}", s.guid);
    json!({
        "guid": s.guid,
        "created_at": rfc3339_utc(s.created),
        "updated_at": rfc3339_utc(s.created),
        "name": s.name,
        "suspended": false,
        "relationships": {
            "organization": to_one(Some(&s.org_guid)),
            "quota": to_one(None),
        },
        "links": {
            "self": ctx.link(&me),
            "features": ctx.link(&format!("{me}/features")),
            "organization": ctx.link(&format!("/v3/organizations/{}", s.org_guid)),
            "apply_manifest": {
                "href": format!("{}{me}/actions/apply_manifest", ctx.base),
                "method": "POST"
            },
        },
        "metadata": metadata(),
    })
}

fn included(ctx: &Ctx, spaces: &[&Space]) -> Value {
    let mut orgs = Vec::new();
    for s in spaces {
        if let Some(o) = ctx.world.org(&s.org_guid) {
            push_unique(&mut orgs, organizations::render(ctx, o));
        }
    }
    json!({ "organizations": orgs })
}

pub async fn list(ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let q = ctx.query(&LIST)?;
    let items = ctx
        .world
        .spaces
        .iter()
        .filter(|s| {
            q.allows("names", &s.name)
                && q.allows("guids", &s.guid)
                && q.allows("organization_guids", &s.org_guid)
        })
        .collect();
    Ok(Json(ctx.list(
        &q,
        "/v3/spaces",
        items,
        |s| render(&ctx, s),
        |page| q.includes("organization").then(|| included(&ctx, page)),
    )))
}

pub async fn show(ctx: Ctx, Path(g): Path<String>) -> Result<Json<Value>, ApiError> {
    let q = ctx.query(&SHOW)?;
    let s = ctx
        .world
        .space(&g)
        .ok_or_else(|| ApiError::not_found("Space"))?;
    let mut body = render(&ctx, s);
    if q.includes("organization") {
        body["included"] = included(&ctx, &[s]);
    }
    Ok(Json(body))
}
