//! `GET /v3/service_instances[/:guid]`: filters `names`, `guids`, `space_guids` (which also
//! matches instances shared into the space, each listed once and presented with its owning
//! space, as the Cloud Controller's `service_instance_list_fetcher.rb` does),
//! `organization_guids`, `type`, `service_plan_guids`, `service_plan_names`; and the
//! `fields[...]` parameters that fill `included` with the spaces, organizations, plans,
//! offerings and brokers, keeping only the keys asked for. Also
//! `GET /v3/service_instances/:guid/relationships/shared_spaces` (the spaces it is shared
//! into, as `{"data":[{"guid":...}],"links":{"self":...}}`).

use super::error::ApiError;
use super::resource::{Resource, View, parent};
use super::{Ctx, metadata, push_unique, to_one};
use crate::sim::query::{Query, Spec};
use crate::sim::world::{Instance, World};
use crate::time_format::rfc3339_utc;
use axum::Json;
use axum::extract::Path;
use serde_json::{Map, Value, json};

const FIELDS: &[(&str, &[&str])] = &[
    ("space", &["guid", "name", "relationships.organization"]),
    ("space.organization", &["guid", "name"]),
    (
        "service_plan",
        &["guid", "name", "relationships.service_offering"],
    ),
    (
        "service_plan.service_offering",
        &[
            "guid",
            "name",
            "description",
            "documentation_url",
            "tags",
            "relationships.service_broker",
        ],
    ),
    (
        "service_plan.service_offering.service_broker",
        &["guid", "name"],
    ),
];

const LIST: Spec = Spec {
    fields: FIELDS,
    ..Spec::named_list(&[
        "names",
        "guids",
        "space_guids",
        "organization_guids",
        "type",
        "service_plan_guids",
        "service_plan_names",
    ])
};

pub(crate) fn render(ctx: &Ctx, i: &Instance) -> Value {
    let me = format!("/v3/service_instances/{}", i.guid);
    let created = rfc3339_utc(i.created);
    let op = &i.last_operation;
    let mut v = json!({
        "guid": i.guid,
        "created_at": created,
        "updated_at": created,
        "name": i.name,
        "tags": [],
        "type": if i.user_provided() { "user-provided" } else { "managed" },
        "last_operation": {
            "type": op.kind,
            "state": op.state,
            "description": op.description,
            "updated_at": created,
            "created_at": created,
        },
        "relationships": { "space": to_one(Some(&i.space_guid)) },
        "metadata": metadata(),
        "links": {
            "self": ctx.link(&me),
            "space": ctx.link(&format!("/v3/spaces/{}", i.space_guid)),
            "service_credential_bindings": ctx.link(&format!("/v3/service_credential_bindings?service_instance_guids={}", i.guid)),
            "service_route_bindings": ctx.link(&format!("/v3/service_route_bindings?service_instance_guids={}", i.guid)),
        },
    });
    match &i.plan_guid {
        Some(plan) => {
            v["maintenance_info"] = json!({});
            v["upgrade_available"] = json!(false);
            v["dashboard_url"] = Value::Null;
            v["broker_provided_metadata"] = json!({ "labels": {}, "attributes": {} });
            v["relationships"]["service_plan"] = to_one(Some(plan));
            v["links"]["service_plan"] = ctx.link(&format!("/v3/service_plans/{plan}"));
            v["links"]["parameters"] = ctx.link(&format!("{me}/parameters"));
            v["links"]["shared_spaces"] = ctx.link(&format!("{me}/relationships/shared_spaces"));
        }
        None => {
            v["syslog_drain_url"] = Value::Null;
            v["route_service_url"] = Value::Null;
            v["links"]["credentials"] = ctx.link(&format!("{me}/credentials"));
        }
    }
    v
}

/// Keeps the asked-for keys of a full object (`relationships.X` keeps that relationship).
fn pick(full: Value, keys: &[String]) -> Value {
    let mut out = Map::new();
    for k in keys {
        if let Some(rel) = k.strip_prefix("relationships.") {
            let r = full["relationships"][rel].clone();
            out.entry("relationships")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .map(|m| m.insert(rel.to_owned(), r));
        } else if let Some(v) = full.get(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// `included` for the `fields[...]` asked, from the instances on this page.
fn included(w: &World, q: &Query, page: &[&Instance]) -> Option<Value> {
    if q.fields.is_empty() {
        return None;
    }
    let f = |r: &str| q.fields.get(r);
    let mut spaces = Vec::new();
    let mut orgs = Vec::new();
    let mut plans = Vec::new();
    let mut offerings = Vec::new();
    let mut brokers = Vec::new();
    for i in page {
        if let Some(s) = w.space(&i.space_guid) {
            if let Some(keys) = f("space") {
                let full = json!({ "guid": s.guid, "name": s.name,
                    "relationships": { "organization": to_one(Some(&s.org_guid)) } });
                push_unique(&mut spaces, pick(full, keys));
            }
            if let (Some(keys), Some(o)) = (f("space.organization"), w.org(&s.org_guid)) {
                push_unique(
                    &mut orgs,
                    pick(json!({ "guid": o.guid, "name": o.name }), keys),
                );
            }
        }
        let Some(plan) = i.plan_guid.as_deref().and_then(|p| w.plan(p)) else {
            continue;
        };
        if let Some(keys) = f("service_plan") {
            let full = json!({ "guid": plan.guid, "name": plan.name,
                "relationships": { "service_offering": to_one(Some(&plan.offering_guid)) } });
            push_unique(&mut plans, pick(full, keys));
        }
        let Some(off) = w.offering(&plan.offering_guid) else {
            continue;
        };
        if let Some(keys) = f("service_plan.service_offering") {
            let full = json!({ "guid": off.guid, "name": off.name, "description": off.description,
                "documentation_url": null, "tags": [],
                "relationships": { "service_broker": to_one(Some(&off.broker_guid)) } });
            push_unique(&mut offerings, pick(full, keys));
        }
        if let (Some(keys), Some(b)) = (
            f("service_plan.service_offering.service_broker"),
            w.broker(&off.broker_guid),
        ) {
            push_unique(
                &mut brokers,
                pick(json!({ "guid": b.guid, "name": b.name }), keys),
            );
        }
    }
    let mut inc = Map::new();
    for (resource, key, list) in [
        ("space", "spaces", spaces),
        ("space.organization", "organizations", orgs),
        ("service_plan", "service_plans", plans),
        (
            "service_plan.service_offering",
            "service_offerings",
            offerings,
        ),
        (
            "service_plan.service_offering.service_broker",
            "service_brokers",
            brokers,
        ),
    ] {
        if q.fields.contains_key(resource) {
            inc.insert(key.into(), Value::Array(list));
        }
    }
    Some(Value::Object(inc))
}

impl Resource for Instance {
    const PATH: &'static str = "/v3/service_instances";
    const NAME: &'static str = "Service instance";
    const LIST: Spec = LIST;

    fn all(w: &World) -> &[Instance] {
        &w.instances
    }

    fn find<'w>(w: &'w World, g: &str) -> Option<&'w Instance> {
        w.instance(g)
    }

    fn check(q: &Query) -> Result<(), ApiError> {
        match q.filter("type") {
            Some(t) if !matches!(t, [one] if one == "managed" || one == "user-provided") => Err(
                ApiError::bad_query("Type must be one of 'managed', 'user-provided'"),
            ),
            _ => Ok(()),
        }
    }

    fn matches(&self, w: &World, q: &Query) -> bool {
        let kind = if self.user_provided() {
            "user-provided"
        } else {
            "managed"
        };
        let plan = self.plan_guid.as_deref().and_then(|p| w.plan(p));
        let spaces = std::iter::once(self.space_guid.as_str())
            .chain(self.shared_space_guids.iter().map(String::as_str));
        q.allows_name(&self.name)
            && q.allows("guids", &self.guid)
            && q.allows("type", kind)
            && q.allows_any("space_guids", spaces)
            && q.allows(
                "organization_guids",
                w.org_of_space(&self.space_guid).unwrap_or(""),
            )
            && q.allows(
                "service_plan_guids",
                plan.map(|p| p.guid.as_str()).unwrap_or(""),
            )
            && q.allows(
                "service_plan_names",
                plan.map(|p| p.name.as_str()).unwrap_or(""),
            )
    }

    fn present(&self, ctx: &Ctx, _q: &Query, _view: View) -> Value {
        render(ctx, self)
    }

    fn included(ctx: &Ctx, q: &Query, page: &[&Instance]) -> Option<Value> {
        included(&ctx.world, q, page)
    }
}

/// `GET /v3/service_instances/:guid/relationships/shared_spaces`: the spaces the instance is
/// shared into (none for one that is not shared), as the Cloud Controller's
/// `ToManyRelationshipPresenter` shows them.
pub(crate) async fn shared_spaces(
    ctx: Ctx,
    Path(g): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let i: &Instance = parent(&ctx, &g)?;
    let data: Vec<Value> = i
        .shared_space_guids
        .iter()
        .map(|s| json!({ "guid": s }))
        .collect();
    Ok(Json(json!({
        "data": data,
        "links": { "self": ctx.link(&format!("/v3/service_instances/{g}/relationships/shared_spaces")) },
    })))
}
