//! `GET /v3/audit_events[/:guid]`: filters `types`, `target_guids`, `space_guids`,
//! `organization_guids` (and, as on every list, `created_ats` with `gt`, `gte`, `lt`, `lte`);
//! the object is the Cloud Controller's `app/presenters/v3/event_presenter.rb`: `type`,
//! `actor` and `target` (guid, type, name), `data`, `space` and `organization` by GUID.

use super::resource::{Resource, View};
use super::{Ctx, Record};
use crate::sim::query::{Query, Spec};
use crate::sim::world::{AuditEvent, EventParty, World};
use crate::time_format::rfc3339_utc;
use serde_json::{Value, json};

const LIST: Spec = Spec::list(&["types", "target_guids", "space_guids", "organization_guids"]);

fn party(p: &EventParty) -> Value {
    json!({ "guid": p.guid, "type": p.kind, "name": p.name })
}

pub(crate) fn render(ctx: &Ctx, e: &AuditEvent) -> Value {
    let at = rfc3339_utc(e.created);
    json!({
        "guid": e.guid,
        "created_at": at,
        "updated_at": at,
        "type": e.kind,
        "actor": party(&e.actor),
        "target": party(&e.target),
        "data": e.data,
        "space": { "guid": e.space_guid },
        "organization": { "guid": e.org_guid },
        "links": { "self": ctx.link(&format!("/v3/audit_events/{}", e.guid)) },
    })
}

impl Record for AuditEvent {
    fn guid(&self) -> &str {
        &self.guid
    }
    fn created(&self) -> i64 {
        self.created
    }
    fn order_name(&self) -> &str {
        self.kind
    }
}

impl Resource for AuditEvent {
    const PATH: &'static str = "/v3/audit_events";
    const NAME: &'static str = "Event";
    const LIST: Spec = LIST;

    fn all(w: &World) -> &[AuditEvent] {
        &w.events
    }

    fn matches(&self, _w: &World, q: &Query) -> bool {
        q.allows("types", self.kind)
            && q.allows("target_guids", &self.target.guid)
            && q.allows("space_guids", &self.space_guid)
            && q.allows("organization_guids", &self.org_guid)
    }

    fn present(&self, ctx: &Ctx, _q: &Query, _view: View) -> Value {
        render(ctx, self)
    }
}
