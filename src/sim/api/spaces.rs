//! `GET /v3/spaces[/:guid]` (filters `names`, `guids`, `organization_guids`;
//! `include=organization`).

use super::resource::{Resource, View};
use super::{Ctx, metadata, organizations, push_unique, to_one};
use crate::sim::query::{Query, Spec};
use crate::sim::world::{Space, World};
use crate::time_format::rfc3339_utc;
use serde_json::{Value, json};

const LIST: Spec = Spec {
    includes: &["organization"],
    ..Spec::named_list(&["names", "guids", "organization_guids"])
};

pub(crate) fn render(ctx: &Ctx, s: &Space) -> Value {
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

impl Resource for Space {
    const PATH: &'static str = "/v3/spaces";
    const NAME: &'static str = "Space";
    const LIST: Spec = LIST;

    fn all(w: &World) -> &[Space] {
        &w.spaces
    }

    fn find<'w>(w: &'w World, g: &str) -> Option<&'w Space> {
        w.space(g)
    }

    fn matches(&self, _w: &World, q: &Query) -> bool {
        q.allows_name(&self.name)
            && q.allows("guids", &self.guid)
            && q.allows("organization_guids", &self.org_guid)
    }

    fn present(&self, ctx: &Ctx, _q: &Query, _view: View) -> Value {
        render(ctx, self)
    }

    fn included(ctx: &Ctx, q: &Query, page: &[&Space]) -> Option<Value> {
        q.includes("organization").then(|| included(ctx, page))
    }
}
