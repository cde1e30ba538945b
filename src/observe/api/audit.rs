//! Causes from the Cloud Controller's audit events: one list a space (`space_guids`, the
//! types that can explain a failing check, `created_ats[gte]` the window, newest first), read
//! only for an environment with a CRITICAL check, and the newest event that explains each
//! check, said in words. An event list that cannot be read leaves every cause unknown, saying
//! so; it never changes a status. Of an event's `data` only GUIDs, names and types are read.

use super::client::Target;
use super::resources::{AuditEvent, EventParty, NoIncluded};
use super::space::PER_PAGE;
use crate::observe::Guids;
use crate::time_format::{parse_rfc3339, rfc3339_utc};
use crate::verify::explain::{Actor, EventRef, Explanation, Wanted};

/// The event types that can explain a failing check.
pub const TYPES: &[&str] = &[
    "audit.service_binding.delete",
    "audit.service_binding.start_delete",
    "audit.service_binding.create",
    "audit.service_binding.start_create",
    "audit.service_instance.delete",
    "audit.user_provided_service_instance.delete",
    "audit.app.create",
    "audit.app.delete-request",
    "audit.app.apply_manifest",
    "audit.app.deployment.create",
    "audit.app.stop",
    "audit.app.process.crash",
];

/// How long before an event a manifest applied to the same app makes it part of that push.
const MANIFEST_PUSH_SECS: i64 = 600;

/// How long the Cloud Controller keeps audit events by default.
const KEPT_DAYS: i64 = 31;

/// The explanation of each wanted check of one space, from events since `since` (seconds
/// since the epoch).
pub async fn explain_space(
    target: &Target,
    guids: &Guids,
    wanted: &[(String, Wanted)],
    since: i64,
    now: i64,
) -> Vec<(String, Explanation)> {
    let types = TYPES.join(",");
    let from = rfc3339_utc(since);
    let listed = target
        .list::<AuditEvent, NoIncluded>(
            "/v3/audit_events",
            &[
                ("space_guids", guids.space.as_str()),
                ("types", types.as_str()),
                ("created_ats[gte]", from.as_str()),
                ("order_by", "-created_at"),
                ("per_page", PER_PAGE),
            ],
        )
        .await;
    let mut events = match listed {
        Ok((events, _)) => events,
        Err(e) => {
            let text = format!("unknown: the audit events could not be read: {e}");
            return wanted
                .iter()
                .map(|(id, _)| {
                    (
                        id.clone(),
                        Explanation {
                            text: text.clone(),
                            event: None,
                        },
                    )
                })
                .collect();
        }
    };
    // Newest first, whatever order the answer came in.
    events.sort_by_key(|e| std::cmp::Reverse(parse_rfc3339(&e.created_at).unwrap_or(0)));
    let none = if now - since > KEPT_DAYS * 86_400 {
        format!(
            "no audit event since {from} explains it (the Cloud Controller keeps them {KEPT_DAYS} days by default)"
        )
    } else {
        format!("no audit event since {from} explains it")
    };
    wanted
        .iter()
        .map(|(id, w)| {
            let e = explain_one(w, &events, guids).unwrap_or_else(|| Explanation {
                text: none.clone(),
                event: None,
            });
            (id.clone(), e)
        })
        .collect()
}

/// The GUID of a CF name in a by-name map, names compared as the Cloud Controller does.
fn guid_of<'a>(map: &'a std::collections::BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    map.iter()
        .find(|(n, _)| crate::cf_name::same(n, name))
        .map(|(_, g)| g.as_str())
}

fn target_named(e: &AuditEvent, name: &str) -> bool {
    e.target
        .as_ref()
        .and_then(|t| t.name.as_deref())
        .is_some_and(|n| crate::cf_name::same(n, name))
}

fn text_at<'a>(v: &'a serde_json::Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// Whether a binding event is about the binding of this app to this instance: deletions name
/// both in `data.request`, creations in the request's relationships.
fn binding_of(e: &AuditEvent, app: Option<&str>, instance: Option<&str>) -> bool {
    let (Some(app), Some(instance)) = (app, instance) else {
        return false;
    };
    let request = &e.data["request"];
    let (a, i) = if e.kind.contains("delete") {
        (
            text_at(request, &["app_guid"]),
            text_at(request, &["service_instance_guid"]),
        )
    } else {
        (
            text_at(request, &["relationships", "app", "data", "guid"]),
            text_at(
                request,
                &["relationships", "service_instance", "data", "guid"],
            ),
        )
    };
    a == Some(app) && i == Some(instance)
}

/// The newest event that explains `w`, in words.
fn explain_one(w: &Wanted, events: &[AuditEvent], guids: &Guids) -> Option<Explanation> {
    let (app, found) = match w {
        Wanted::Binding { app, instance } => {
            let (a, i) = (
                guid_of(&guids.apps, app),
                guid_of(&guids.instances, instance),
            );
            let e = events.iter().find(|e| match e.kind.as_str() {
                "audit.service_binding.delete"
                | "audit.service_binding.start_delete"
                | "audit.service_binding.create"
                | "audit.service_binding.start_create" => binding_of(e, a, i),
                "audit.service_instance.delete" | "audit.user_provided_service_instance.delete" => {
                    target_named(e, instance)
                }
                "audit.app.create" | "audit.app.delete-request" => target_named(e, app),
                _ => false,
            })?;
            let what = match e.kind.as_str() {
                k if k.starts_with("audit.service_binding.") && k.contains("delete") => {
                    "binding deleted by {actor} at {time}{push}".to_owned()
                }
                k if k.starts_with("audit.service_binding.") => {
                    "bound by {actor} at {time}{push}".to_owned()
                }
                "audit.app.create" => format!(
                    "{app} created anew by {{actor}} at {{time}}{{push}}: a new app has none of the old one's bindings"
                ),
                "audit.app.delete-request" => {
                    format!("{app} deleted by {{actor}} at {{time}}{{push}}")
                }
                _ => format!(
                    "{instance} deleted by {{actor}} at {{time}}{{push}}, with its bindings"
                ),
            };
            (Some(app.as_str()), (e, what))
        }
        Wanted::Instance { name } => {
            let e = events.iter().find(|e| {
                matches!(
                    e.kind.as_str(),
                    "audit.service_instance.delete" | "audit.user_provided_service_instance.delete"
                ) && target_named(e, name)
            })?;
            (
                None,
                (
                    e,
                    format!("{name} deleted by {{actor}} at {{time}}{{push}}"),
                ),
            )
        }
        Wanted::App { name } => {
            let e = events.iter().find(|e| {
                matches!(
                    e.kind.as_str(),
                    "audit.app.delete-request" | "audit.app.stop"
                ) && target_named(e, name)
            })?;
            let verb = if e.kind == "audit.app.stop" {
                "stopped"
            } else {
                "deleted"
            };
            (
                Some(name.as_str()),
                (e, format!("{name} {verb} by {{actor}} at {{time}}{{push}}")),
            )
        }
        Wanted::AppDown { name } => {
            let e = events.iter().find(|e| {
                matches!(
                    e.kind.as_str(),
                    "audit.app.process.crash" | "audit.app.stop"
                ) && target_named(e, name)
            })?;
            let what = if e.kind == "audit.app.stop" {
                format!("{name} stopped by {{actor}} at {{time}}{{push}}")
            } else {
                format!("an instance of {name} crashed at {{time}} ({{actor}})")
            };
            (Some(name.as_str()), (e, what))
        }
    };
    let (e, what) = found;
    let at = parse_rfc3339(&e.created_at);
    let push = app.is_some_and(|app| {
        e.data.get("manifest_triggered").and_then(|v| v.as_bool()) == Some(true)
            || at.is_some_and(|t| {
                events.iter().any(|m| {
                    m.kind == "audit.app.apply_manifest"
                        && target_named(m, app)
                        && parse_rfc3339(&m.created_at)
                            .is_some_and(|mt| (t - MANIFEST_PUSH_SECS..=t).contains(&mt))
                })
            })
    });
    let actor = e.actor.clone().unwrap_or(EventParty {
        guid: String::new(),
        kind: "unknown".into(),
        name: None,
    });
    let who = match actor.name.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => format!("{n} ({})", actor.kind),
        None if !actor.guid.is_empty() => format!("{} ({})", actor.guid, actor.kind),
        None => "an unknown actor".to_owned(),
    };
    // The actor last: it is the server's text, and nothing in it is replaced.
    let text = what
        .replace("{time}", &e.created_at)
        .replace("{push}", if push { ", during a manifest push" } else { "" })
        .replace("{actor}", &who);
    Some(Explanation {
        text,
        event: Some(EventRef {
            guid: e.guid.clone(),
            kind: e.kind.clone(),
            actor: Actor {
                guid: actor.guid,
                kind: actor.kind,
                name: actor.name.unwrap_or_default(),
            },
            time: e.created_at.clone(),
        }),
    })
}
