//! `GET /v3/deployments[/:guid]`: filters `app_guids`, `states`, `status_reasons`,
//! `status_values`, `guids`; `order_by` `created_at` or `updated_at`. The object is the Cloud
//! Controller's `app/presenters/v3/deployment_presenter.rb`: `status.value` and
//! `status.reason` (with `status.details`, and `status.canary` for a canary), `strategy`,
//! `options.max_in_flight`, `droplet`, `previous_droplet`, `new_processes`,
//! `relationships.app`, and the `cancel`/`continue` links while they apply.

use super::resource::{Resource, View};
use super::{Ctx, metadata};
use crate::sim::query::{Query, Spec};
use crate::sim::world::{Deployment, World};
use crate::time_format::rfc3339_utc;
use serde_json::{Value, json};

const LIST: Spec = Spec::list(&[
    "app_guids",
    "states",
    "status_reasons",
    "status_values",
    "guids",
]);

pub(crate) fn render(ctx: &Ctx, d: &Deployment) -> Value {
    let me = format!("/v3/deployments/{}", d.guid);
    let updated = rfc3339_utc(d.updated);
    let mut status = json!({
        "value": d.status_value,
        "reason": d.status_reason,
        "details": {
            "last_successful_healthcheck": updated,
            "last_status_change": updated,
        },
    });
    if d.strategy == "canary" {
        status["canary"] = json!({ "steps": { "current": 1, "total": 1 } });
    }
    let mut links = json!({
        "self": ctx.link(&me),
        "app": ctx.link(&format!("/v3/apps/{}", d.app_guid)),
    });
    if matches!(d.state, "DEPLOYING" | "PAUSED" | "CANCELING") {
        links["cancel"] = json!({
            "href": format!("{}{me}/actions/cancel", ctx.base),
            "method": "POST",
        });
    }
    if d.state == "PAUSED" {
        links["continue"] = json!({
            "href": format!("{}{me}/actions/continue", ctx.base),
            "method": "POST",
        });
    }
    json!({
        "guid": d.guid,
        "created_at": rfc3339_utc(d.created),
        "updated_at": updated,
        "status": status,
        "strategy": d.strategy,
        "options": { "max_in_flight": 1 },
        "droplet": { "guid": d.droplet_guid },
        "previous_droplet": { "guid": d.previous_droplet_guid },
        "new_processes": [{ "guid": d.new_process_guid, "type": "web" }],
        "revision": null,
        "relationships": { "app": { "data": { "guid": d.app_guid } } },
        "metadata": metadata(),
        "links": links,
    })
}

impl Resource for Deployment {
    const PATH: &'static str = "/v3/deployments";
    const NAME: &'static str = "Deployment";
    const LIST: Spec = LIST;

    fn all(w: &World) -> &[Deployment] {
        &w.deployments
    }

    fn matches(&self, _w: &World, q: &Query) -> bool {
        q.allows("app_guids", &self.app_guid)
            && q.allows("states", self.state)
            && q.allows("status_reasons", self.status_reason)
            && q.allows("status_values", self.status_value)
            && q.allows("guids", &self.guid)
    }

    fn present(&self, ctx: &Ctx, _q: &Query, _view: View) -> Value {
        render(ctx, self)
    }
}
