//! The service catalog: `GET /v3/service_plans[/:guid]` (filters `names`, `guids`,
//! `service_offering_guids`, `service_offering_names`, `service_broker_guids`,
//! `service_broker_names`) and `GET /v3/service_offerings[/:guid]` (filters `names`, `guids`,
//! `service_broker_guids`, `service_broker_names`).

use super::resource::{Resource, View};
use super::{Ctx, metadata, to_one};
use crate::sim::query::{Query, Spec};
use crate::sim::world::{Offering, Plan, World};
use crate::time_format::rfc3339_utc;
use serde_json::{Value, json};

const PLANS: Spec = Spec::named_list(&[
    "names",
    "guids",
    "service_offering_guids",
    "service_offering_names",
    "service_broker_guids",
    "service_broker_names",
]);

const OFFERINGS: Spec = Spec::named_list(&[
    "names",
    "guids",
    "service_broker_guids",
    "service_broker_names",
]);

pub(crate) fn render_plan(ctx: &Ctx, p: &Plan) -> Value {
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

pub(crate) fn render_offering(ctx: &Ctx, o: &Offering) -> Value {
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

impl Resource for Plan {
    const PATH: &'static str = "/v3/service_plans";
    const NAME: &'static str = "Service plan";
    const LIST: Spec = PLANS;

    fn all(w: &World) -> &[Plan] {
        &w.plans
    }

    fn find<'w>(w: &'w World, g: &str) -> Option<&'w Plan> {
        w.plan(g)
    }

    fn matches(&self, w: &World, q: &Query) -> bool {
        let off = w.offering(&self.offering_guid);
        let broker = off.and_then(|o| w.broker(&o.broker_guid));
        q.allows_name(&self.name)
            && q.allows("guids", &self.guid)
            && q.allows("service_offering_guids", &self.offering_guid)
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
    }

    fn present(&self, ctx: &Ctx, _q: &Query, _view: View) -> Value {
        render_plan(ctx, self)
    }
}

impl Resource for Offering {
    const PATH: &'static str = "/v3/service_offerings";
    const NAME: &'static str = "Service offering";
    const LIST: Spec = OFFERINGS;

    fn all(w: &World) -> &[Offering] {
        &w.offerings
    }

    fn find<'w>(w: &'w World, g: &str) -> Option<&'w Offering> {
        w.offering(g)
    }

    fn matches(&self, w: &World, q: &Query) -> bool {
        let broker = w.broker(&self.broker_guid);
        q.allows_name(&self.name)
            && q.allows("guids", &self.guid)
            && q.allows("service_broker_guids", &self.broker_guid)
            && q.allows(
                "service_broker_names",
                broker.map(|b| b.name.as_str()).unwrap_or(""),
            )
    }

    fn present(&self, ctx: &Ctx, _q: &Query, _view: View) -> Value {
        render_offering(ctx, self)
    }
}
