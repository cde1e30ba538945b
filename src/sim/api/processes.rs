//! `GET /v3/processes[/:guid]` (filters `guids`, `types`, `app_guids`, `space_guids`,
//! `organization_guids`; `embed=process_instances`) and `GET /v3/processes/:guid/stats`.

use super::error::ApiError;
use super::resource::{Resource, View, parent};
use super::{Ctx, metadata, to_one};
use crate::sim::ids::guid;
use crate::sim::query::{Query, Spec};
use crate::sim::world::{AppState, Process, World};
use crate::time_format::rfc3339_utc;
use axum::Json;
use axum::extract::Path;
use serde_json::{Value, json};

const LIST: Spec = Spec {
    embeds: &["process_instances"],
    ..Spec::list(&[
        "guids",
        "types",
        "app_guids",
        "space_guids",
        "organization_guids",
    ])
};

fn space_of(w: &World, p: &Process) -> String {
    w.app(&p.app_guid)
        .map(|a| a.space_guid.clone())
        .unwrap_or_default()
}

pub(crate) fn render(ctx: &Ctx, p: &Process, in_list: bool, embed: bool) -> Value {
    let me = format!("/v3/processes/{}", p.guid);
    let mut health = json!({ "type": p.health_check, "data": { "timeout": null, "invocation_timeout": null, "interval": null } });
    if let Some(e) = &p.health_check_endpoint {
        health["data"]["endpoint"] = json!(e);
    }
    let command = if in_list {
        json!("[PRIVATE DATA HIDDEN IN LISTS]")
    } else {
        json!(p.command)
    };
    let mut v = json!({
        "guid": p.guid,
        "type": p.kind,
        "command": command,
        "user": "vcap",
        "instances": p.instances,
        "memory_in_mb": p.memory_mb,
        "disk_in_mb": p.disk_mb,
        "log_rate_limit_in_bytes_per_second": -1,
        "health_check": health,
        "readiness_health_check": { "type": "process", "data": { "invocation_timeout": null, "interval": null } },
        "relationships": {
            "app": to_one(Some(&p.app_guid)),
            "revision": to_one(Some(&guid(&format!("revision/{}", p.app_guid)))),
        },
        "metadata": metadata(),
        "created_at": rfc3339_utc(p.created),
        "updated_at": rfc3339_utc(p.updated),
        "version": guid(&format!("process-version/{}", p.guid)),
        "links": {
            "self": ctx.link(&me),
            "scale": { "href": format!("{}{me}/actions/scale", ctx.base), "method": "POST" },
            "app": ctx.link(&format!("/v3/apps/{}", p.app_guid)),
            "space": ctx.link(&format!("/v3/spaces/{}", space_of(&ctx.world, p))),
            "stats": ctx.link(&format!("{me}/stats")),
            "process_instances": ctx.link(&format!("{me}/process_instances")),
        },
    });
    if embed {
        // As the Cloud Controller's `instances_stats_reporter.rb` sends them: `since` is the
        // seconds the instance has been in its state (now minus the LRP's `since`), and an
        // instance that is down has none.
        v["process_instances"] = json!(
            p.states
                .iter()
                .enumerate()
                .map(|(i, s)| match (*s, p.since.get(i)) {
                    ("DOWN", _) | (_, None) => json!({ "index": i, "state": s }),
                    (_, Some(since)) => {
                        json!({ "index": i, "state": s, "since": (ctx.now - since).max(0) })
                    }
                })
                .collect::<Vec<_>>()
        );
    }
    v
}

impl Resource for Process {
    const PATH: &'static str = "/v3/processes";
    const NAME: &'static str = "Process";
    const LIST: Spec = LIST;

    fn all(w: &World) -> &[Process] {
        &w.processes
    }

    fn matches(&self, w: &World, q: &Query) -> bool {
        let space = space_of(w, self);
        q.allows("guids", &self.guid)
            && q.allows("types", &self.kind)
            && q.allows("app_guids", &self.app_guid)
            && q.allows("space_guids", &space)
            && q.allows("organization_guids", w.org_of_space(&space).unwrap_or(""))
    }

    fn present(&self, ctx: &Ctx, q: &Query, view: View) -> Value {
        render(ctx, self, view == View::List, q.embeds("process_instances"))
    }
}

pub(crate) async fn stats(ctx: Ctx, Path(g): Path<String>) -> Result<Json<Value>, ApiError> {
    let p: &Process = parent(&ctx, &g)?;
    let stopped = ctx
        .world
        .app(&p.app_guid)
        .is_some_and(|a| a.state == AppState::Stopped);
    let resources: Vec<Value> = p
        .states
        .iter()
        .enumerate()
        .map(|(i, state)| {
            let running = *state == "RUNNING";
            let started = p.since.get(i).copied().unwrap_or(ctx.now);
            json!({
                "type": p.kind,
                "index": i,
                "instance_guid": guid(&format!("instance/{}/{i}", p.guid)),
                "state": if stopped { "DOWN" } else { state },
                "routable": running,
                "usage": if running {
                    json!({ "time": rfc3339_utc(ctx.now), "cpu": 0.0021, "cpu_entitlement": 0.01, "mem": 134_217_728u64, "disk": 201_326_592u64, "log_rate": 0 })
                } else { json!({}) },
                "host": if running { format!("10.0.16.{}", 10 + i) } else { String::new() },
                "instance_internal_ip": if running { format!("10.255.0.{}", 10 + i) } else { String::new() },
                "instance_ports": if running { json!([{ "external": 61000 + i, "internal": 8080, "external_tls_proxy_port": 61100 + i, "internal_tls_proxy_port": 61001 }]) } else { json!([]) },
                "uptime": if running { (ctx.now - started).max(0) } else { 0 },
                "mem_quota": p.memory_mb * 1024 * 1024,
                "disk_quota": p.disk_mb * 1024 * 1024,
                "fds_quota": 16384,
                "isolation_segment": null,
                "log_rate_limit": null,
                "details": if *state == "CRASHED" { json!("APP/PROC/WEB: Exited with status 1 (simulated crash)") } else { Value::Null },
            })
        })
        .collect();
    Ok(Json(json!({ "resources": resources })))
}
