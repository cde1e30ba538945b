//! `GET /v3/organizations[/:guid]` (filters `names`, `guids`).

use super::resource::{Resource, View};
use super::{Ctx, metadata, to_one};
use crate::sim::ids::guid;
use crate::sim::query::{Query, Spec};
use crate::sim::world::{Org, World};
use crate::time_format::rfc3339_utc;
use serde_json::{Value, json};

const LIST: Spec = Spec::named_list(&["names", "guids"]);

pub(crate) fn render(ctx: &Ctx, o: &Org) -> Value {
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

impl Resource for Org {
    const PATH: &'static str = "/v3/organizations";
    const NAME: &'static str = "Organization";
    const LIST: Spec = LIST;

    fn all(w: &World) -> &[Org] {
        &w.orgs
    }

    fn find<'w>(w: &'w World, g: &str) -> Option<&'w Org> {
        w.org(g)
    }

    fn matches(&self, _w: &World, q: &Query) -> bool {
        q.allows_name(&self.name) && q.allows("guids", &self.guid)
    }

    fn present(&self, ctx: &Ctx, _q: &Query, _view: View) -> Value {
        render(ctx, self)
    }
}
