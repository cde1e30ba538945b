//! `GET /v3/routes[/:guid]` (filters `guids`, `hosts`, `paths`, `space_guids`, `app_guids`,
//! `organization_guids`, `domain_guids`), each with its `destinations`.

use super::resource::{Resource, View};
use super::{Ctx, metadata, to_one};
use crate::sim::ids::guid;
use crate::sim::query::{Query, Spec};
use crate::sim::world::{Route, World};
use crate::time_format::rfc3339_utc;
use serde_json::{Value, json};

const LIST: Spec = Spec::list(&[
    "guids",
    "hosts",
    "paths",
    "space_guids",
    "app_guids",
    "organization_guids",
    "domain_guids",
]);

pub(crate) fn render(ctx: &Ctx, r: &Route) -> Value {
    let me = format!("/v3/routes/{}", r.guid);
    let created = rfc3339_utc(r.created);
    let destinations: Vec<Value> = r
        .app_guids
        .iter()
        .map(|a| {
            json!({
                "guid": guid(&format!("destination/{}/{a}", r.guid)),
                "app": { "guid": a, "process": { "type": "web" } },
                "weight": null,
                "port": 8080,
                "protocol": "http1",
                "created_at": created,
                "updated_at": created,
            })
        })
        .collect();
    json!({
        "guid": r.guid,
        "protocol": "http",
        "created_at": created,
        "updated_at": created,
        "host": r.host,
        "path": r.path,
        "url": r.url,
        "destinations": destinations,
        "options": {},
        "metadata": metadata(),
        "relationships": {
            "space": to_one(Some(&r.space_guid)),
            "domain": to_one(Some(&r.domain_guid)),
        },
        "links": {
            "self": ctx.link(&me),
            "space": ctx.link(&format!("/v3/spaces/{}", r.space_guid)),
            "domain": ctx.link(&format!("/v3/domains/{}", r.domain_guid)),
            "destinations": ctx.link(&format!("{me}/destinations")),
        },
    })
}

impl Resource for Route {
    const PATH: &'static str = "/v3/routes";
    const NAME: &'static str = "Route";
    const LIST: Spec = LIST;

    fn all(w: &World) -> &[Route] {
        &w.routes
    }

    fn matches(&self, w: &World, q: &Query) -> bool {
        q.allows("guids", &self.guid)
            && q.allows("hosts", &self.host)
            && q.allows("paths", &self.path)
            && q.allows("space_guids", &self.space_guid)
            && q.allows("domain_guids", &self.domain_guid)
            && q.allows(
                "organization_guids",
                w.org_of_space(&self.space_guid).unwrap_or(""),
            )
            && q.allows_any("app_guids", self.app_guids.iter().map(String::as_str))
    }

    fn present(&self, ctx: &Ctx, _q: &Query, _view: View) -> Value {
        render(ctx, self)
    }
}
