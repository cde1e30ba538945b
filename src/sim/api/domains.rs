//! `GET /v3/domains[/:guid]` (filters `names`, `guids`): the domains of the model's routes,
//! all shared domains.

use super::resource::{Resource, View};
use super::{Ctx, metadata, to_one};
use crate::sim::query::{Query, Spec};
use crate::sim::world::{Domain, World};
use crate::time_format::rfc3339_utc;
use serde_json::{Value, json};

const LIST: Spec = Spec::named_list(&["names", "guids"]);

pub(crate) fn render(ctx: &Ctx, d: &Domain) -> Value {
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

impl Resource for Domain {
    const PATH: &'static str = "/v3/domains";
    const NAME: &'static str = "Domain";
    const LIST: Spec = LIST;

    fn all(w: &World) -> &[Domain] {
        &w.domains
    }

    fn find<'w>(w: &'w World, g: &str) -> Option<&'w Domain> {
        w.domain(g)
    }

    fn matches(&self, _w: &World, q: &Query) -> bool {
        q.allows_name(&self.name) && q.allows("guids", &self.guid)
    }

    fn present(&self, ctx: &Ctx, _q: &Query, _view: View) -> Value {
        render(ctx, self)
    }
}
