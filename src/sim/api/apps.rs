//! `GET /v3/apps[/:guid]` (filters `names`, `guids`, `space_guids`, `organization_guids`;
//! `include=space,space.organization`) and `GET /v3/apps/:guid/env`, whose `VCAP_SERVICES`
//! holds one entry per app binding with credentials that contain [`SECRET_MARKER`], so tests
//! can check that no credential ever reaches an output.

use super::error::ApiError;
use super::resource::{Resource, View, parent};
use super::{Ctx, metadata, organizations, push_unique, spaces, to_one};
use crate::sim::ids::guid;
use crate::sim::query::{Query, Spec};
use crate::sim::world::{BindingTarget, SimApp, World};
use crate::time_format::rfc3339_utc;
use axum::Json;
use axum::extract::Path;
use serde_json::{Value, json};

const INCLUDES: &[&str] = &["space", "space.organization"];

/// Every simulated credential value contains this, for leak tests.
pub const SECRET_MARKER: &str = "SIMULATED-SECRET";

/// The credentials of a binding (deterministic, and marked).
pub(crate) fn credentials(binding_guid: &str) -> Value {
    let secret = format!(
        "{SECRET_MARKER}-{}",
        &guid(&format!("secret/{binding_guid}"))[..8]
    );
    let user = format!("u-{}", &guid(&format!("user/{binding_guid}"))[..8]);
    json!({
        "username": user,
        "password": secret,
        "uri": format!("postgres://{user}:{secret}@db.sim.internal:5432/sim"),
    })
}

const LIST: Spec = Spec {
    includes: INCLUDES,
    ..Spec::named_list(&["names", "guids", "space_guids", "organization_guids"])
};

pub(crate) fn render(ctx: &Ctx, a: &SimApp) -> Value {
    let me = format!("/v3/apps/{}", a.guid);
    let droplet = &a.droplet;
    let l = |suffix: &str| ctx.link(&format!("{me}/{suffix}"));
    json!({
        "guid": a.guid,
        "name": a.name,
        "state": a.state.as_str(),
        "created_at": rfc3339_utc(a.created),
        "updated_at": rfc3339_utc(a.created),
        "lifecycle": {
            "type": "buildpack",
            "data": { "buildpacks": a.buildpacks, "stack": a.stack }
        },
        "relationships": {
            "space": to_one(Some(&a.space_guid)),
            "current_droplet": to_one(Some(droplet)),
        },
        "links": {
            "self": ctx.link(&me),
            "space": ctx.link(&format!("/v3/spaces/{}", a.space_guid)),
            "processes": l("processes"),
            "packages": l("packages"),
            "environment_variables": l("environment_variables"),
            "current_droplet": l("droplets/current"),
            "droplets": l("droplets"),
            "tasks": l("tasks"),
            "start": { "href": format!("{}{me}/actions/start", ctx.base), "method": "POST" },
            "stop": { "href": format!("{}{me}/actions/stop", ctx.base), "method": "POST" },
            "revisions": l("revisions"),
            "deployed_revisions": l("revisions/deployed"),
            "features": l("features"),
        },
        "metadata": metadata(),
    })
}

/// `included.spaces` (and `included.organizations`) for apps.
fn included(ctx: &Ctx, apps: &[&SimApp], with_orgs: bool) -> Value {
    let mut spaces_out = Vec::new();
    let mut orgs = Vec::new();
    for a in apps {
        if let Some(s) = ctx.world.space(&a.space_guid) {
            push_unique(&mut spaces_out, spaces::render(ctx, s));
            if with_orgs && let Some(o) = ctx.world.org(&s.org_guid) {
                push_unique(&mut orgs, organizations::render(ctx, o));
            }
        }
    }
    let mut inc = json!({ "spaces": spaces_out });
    if with_orgs {
        inc["organizations"] = json!(orgs);
    }
    inc
}

impl Resource for SimApp {
    const PATH: &'static str = "/v3/apps";
    const NAME: &'static str = "App";
    const LIST: Spec = LIST;

    fn all(w: &World) -> &[SimApp] {
        &w.apps
    }

    fn find<'w>(w: &'w World, g: &str) -> Option<&'w SimApp> {
        w.app(g)
    }

    fn matches(&self, w: &World, q: &Query) -> bool {
        q.allows_name(&self.name)
            && q.allows("guids", &self.guid)
            && q.allows("space_guids", &self.space_guid)
            && q.allows(
                "organization_guids",
                w.org_of_space(&self.space_guid).unwrap_or(""),
            )
    }

    fn present(&self, ctx: &Ctx, _q: &Query, _view: View) -> Value {
        render(ctx, self)
    }

    fn included(ctx: &Ctx, q: &Query, page: &[&SimApp]) -> Option<Value> {
        let with_space = q.includes("space") || q.includes("space.organization");
        with_space.then(|| included(ctx, page, q.includes("space.organization")))
    }
}

pub(crate) async fn env(ctx: Ctx, Path(g): Path<String>) -> Result<Json<Value>, ApiError> {
    let a: &SimApp = parent(&ctx, &g)?;
    let w = &ctx.world;
    let mut services: serde_json::Map<String, Value> = serde_json::Map::new();
    for b in &w.bindings {
        // Only a binding in effect reaches VCAP_SERVICES.
        if b.target != BindingTarget::App(a.guid.clone()) || !b.in_effect() {
            continue;
        }
        let Some(i) = w.instance(&b.instance_guid) else {
            continue;
        };
        let plan = i.plan_guid.as_deref().and_then(|p| w.plan(p));
        let label = plan
            .and_then(|p| w.offering(&p.offering_guid))
            .map(|o| o.name.clone())
            .unwrap_or_else(|| "user-provided".into());
        let entry = json!({
            "name": i.name,
            "binding_guid": b.guid,
            "binding_name": b.name,
            "instance_guid": i.guid,
            "instance_name": i.name,
            "label": label,
            "tags": [],
            "plan": plan.map(|p| p.name.clone()),
            "credentials": credentials(&b.guid),
            "syslog_drain_url": null,
            "volume_mounts": [],
            "provider": null,
        });
        if let Some(Value::Array(list)) = services.get_mut(&label) {
            list.push(entry);
        } else {
            services.insert(label, json!([entry]));
        }
    }
    let space = w.space(&a.space_guid);
    let uris: Vec<&str> = w
        .routes
        .iter()
        .filter(|r| r.app_guids.contains(&a.guid))
        .map(|r| r.url.as_str())
        .collect();
    Ok(Json(json!({
        "staging_env_json": {},
        "running_env_json": {},
        "environment_variables": {},
        "system_env_json": { "VCAP_SERVICES": services },
        "application_env_json": {
            "VCAP_APPLICATION": {
                "limits": { "fds": 16384 },
                "application_id": a.guid,
                "application_name": a.name,
                "application_uris": uris,
                "name": a.name,
                "space_name": space.map(|s| s.name.as_str()),
                "space_id": a.space_guid,
                "organization_id": space.map(|s| s.org_guid.as_str()),
                "uris": uris,
                "users": null,
            }
        }
    })))
}
