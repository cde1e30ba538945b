//! `GET /v3/service_credential_bindings[/:guid]`: filters `type` (`app` or `key`, one value),
//! `names`, `service_instance_guids`, `service_instance_names`, `app_guids`, `app_names`;
//! `include=app,service_instance`. App bindings and service keys live side by side here, as
//! on a real foundation: only `type` tells them apart.

use super::error::ApiError;
use super::resource::{Resource, View, parent};
use super::{Ctx, apps, metadata, push_unique, service_instances, to_one};
use crate::sim::query::{Query, Spec};
use crate::sim::world::{BindingTarget, CredentialBinding, World};
use crate::time_format::rfc3339_utc;
use axum::Json;
use axum::extract::Path;
use serde_json::{Value, json};

const INCLUDES: &[&str] = &["app", "service_instance"];

const LIST: Spec = Spec {
    includes: INCLUDES,
    ..Spec::named_list(&[
        "type",
        "names",
        "service_instance_guids",
        "service_instance_names",
        "app_guids",
        "app_names",
    ])
};

fn app_guid(b: &CredentialBinding) -> Option<&str> {
    match &b.target {
        BindingTarget::App(a) => Some(a),
        BindingTarget::Key => None,
    }
}

pub(crate) fn render(ctx: &Ctx, b: &CredentialBinding) -> Value {
    let me = format!("/v3/service_credential_bindings/{}", b.guid);
    let created = rfc3339_utc(b.created);
    let mut v = json!({
        "guid": b.guid,
        "created_at": created,
        "updated_at": created,
        "name": b.name,
        "type": if app_guid(b).is_some() { "app" } else { "key" },
        "last_operation": {
            "type": b.last_operation.0,
            "state": b.last_operation.1,
            "created_at": created,
            "updated_at": created,
        },
        "metadata": metadata(),
        "relationships": { "service_instance": to_one(Some(&b.instance_guid)) },
        "links": {
            "self": ctx.link(&me),
            "details": ctx.link(&format!("{me}/details")),
            "parameters": ctx.link(&format!("{me}/parameters")),
            "service_instance": ctx.link(&format!("/v3/service_instances/{}", b.instance_guid)),
        },
    });
    if let Some(a) = app_guid(b) {
        v["relationships"]["app"] = to_one(Some(a));
        v["links"]["app"] = ctx.link(&format!("/v3/apps/{a}"));
    }
    v
}

fn included(ctx: &Ctx, include: &[String], page: &[&CredentialBinding]) -> Option<Value> {
    if include.is_empty() {
        return None;
    }
    let mut out = serde_json::Map::new();
    if include.iter().any(|i| i == "app") {
        // Each app once, rendered once (a page holds many bindings of the same apps).
        let mut seen = std::collections::HashSet::new();
        let list: Vec<Value> = page
            .iter()
            .filter_map(|b| app_guid(b).and_then(|a| ctx.world.app(a)))
            .filter(|a| seen.insert(a.guid.as_str()))
            .map(|a| apps::render(ctx, a))
            .collect();
        out.insert("apps".into(), Value::Array(list));
    }
    if include.iter().any(|i| i == "service_instance") {
        let mut list = Vec::new();
        for b in page {
            if let Some(i) = ctx.world.instance(&b.instance_guid) {
                push_unique(&mut list, service_instances::render(ctx, i));
            }
        }
        out.insert("service_instances".into(), Value::Array(list));
    }
    Some(Value::Object(out))
}

impl Resource for CredentialBinding {
    const PATH: &'static str = "/v3/service_credential_bindings";
    const NAME: &'static str = "Service credential binding";
    const LIST: Spec = LIST;

    fn all(w: &World) -> &[CredentialBinding] {
        &w.bindings
    }

    fn check(q: &Query) -> Result<(), ApiError> {
        match q.filter("type") {
            Some(t) if !matches!(t, [one] if one == "app" || one == "key") => {
                Err(ApiError::bad_query("Type must be one of 'app', 'key'"))
            }
            _ => Ok(()),
        }
    }

    fn matches(&self, w: &World, q: &Query) -> bool {
        // Cheap filters first; the app and instance are looked up only for bindings that
        // pass them (a batch of 200 instance GUIDs against every binding of the world).
        let kind = if app_guid(self).is_some() {
            "app"
        } else {
            "key"
        };
        let app = || app_guid(self).and_then(|a| w.app(a));
        q.allows("type", kind)
            && q.allows_name(self.name.as_deref().unwrap_or(""))
            && q.allows("service_instance_guids", &self.instance_guid)
            && q.allows(
                "service_instance_names",
                w.instance(&self.instance_guid)
                    .map(|i| i.name.as_str())
                    .unwrap_or(""),
            )
            && q.allows("app_guids", app().map(|a| a.guid.as_str()).unwrap_or(""))
            && q.allows("app_names", app().map(|a| a.name.as_str()).unwrap_or(""))
    }

    fn present(&self, ctx: &Ctx, _q: &Query, _view: View) -> Value {
        render(ctx, self)
    }

    fn included(ctx: &Ctx, q: &Query, page: &[&CredentialBinding]) -> Option<Value> {
        included(ctx, &q.include, page)
    }
}

/// `GET /v3/service_credential_bindings/:guid/details`: the (simulated, marked) credentials.
pub(crate) async fn details(ctx: Ctx, Path(g): Path<String>) -> Result<Json<Value>, ApiError> {
    let b: &CredentialBinding = parent(&ctx, &g)?;
    Ok(Json(json!({
        "credentials": apps::credentials(&b.guid),
        "syslog_drain_url": null,
        "volume_mounts": [],
    })))
}
