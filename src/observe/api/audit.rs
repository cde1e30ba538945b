//! Causes from the Cloud Controller's audit events: one list a space (`space_guids`, the
//! [`TYPES`] that can explain a failing check, `created_ats[gte]` the window, newest first,
//! `per_page=5000`), read only for an environment with a check to explain, and the newest
//! event that explains each check, said in words. An event list that cannot be read leaves
//! every cause unknown, saying so; it never changes a status. Of an event's `data` only GUIDs,
//! names, types and `manifest_triggered` are read.
//!
//! The shapes are those of `app/presenters/v3/event_presenter.rb` and the repositories that
//! record them (`app/repositories/*event_repository.rb`): a binding's deletion has the binding
//! as its target and the app and instance GUIDs in `data.request`; its creation has them in
//! the request's relationships; an app's events have the app as their target; a crash has the
//! process as its actor.

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
    "audit.service_instance.start_delete",
    "audit.service_instance.update",
    "audit.service_instance.start_update",
    "audit.user_provided_service_instance.delete",
    "audit.app.create",
    "audit.app.delete-request",
    "audit.app.apply_manifest",
    "audit.app.deployment.create",
    "audit.app.deployment.cancel",
    "audit.app.restart",
    "audit.app.stop",
    "audit.app.process.crash",
    "audit.app.process.scale",
];

/// How long before an event a manifest applied to the same app makes it part of that push.
const MANIFEST_PUSH_SECS: i64 = 600;

/// How long the Cloud Controller keeps audit events by default
/// (`cc.audit_events.cutoff_age_in_days`).
pub(crate) const KEPT_DAYS: i64 = 31;

/// The explanation of each wanted check of one space, from its events since `since` (seconds
/// since the epoch); `now` says whether the window reaches past what the Cloud Controller
/// keeps. One request (more only past 5000 events).
pub(crate) async fn explain_space(
    target: &Target,
    guids: &Guids,
    wanted: &[(String, Wanted)],
    since: i64,
    now: i64,
) -> Vec<(String, Explanation)> {
    let types = TYPES.join(",");
    let from = rfc3339_utc(since);
    let listed = target
        .list_dated::<AuditEvent, NoIncluded>(
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
        Ok((events, _)) => events.into_iter().map(|(e, _)| e).collect::<Vec<_>>(),
        Err(e) => {
            return unknown_all(
                wanted,
                &format!("unknown: the audit events could not be read: {e}"),
            );
        }
    };
    // Newest first, whatever order the answer came in.
    events.sort_by_key(|e| std::cmp::Reverse(parse_rfc3339(&e.created_at).unwrap_or(0)));
    let mut none = format!("unknown: no audit event since {from} explains it");
    if now - since > KEPT_DAYS * 86_400 {
        none.push_str(&format!(
            " (the Cloud Controller keeps them {KEPT_DAYS} days by default)"
        ));
    }
    wanted
        .iter()
        .map(|(id, w)| {
            let e = explain_one(w, &events, guids).unwrap_or_else(|| Explanation::unknown(&none));
            (id.clone(), e)
        })
        .collect()
}

/// The same unknown cause for every wanted check.
pub(crate) fn unknown_all(wanted: &[(String, Wanted)], text: &str) -> Vec<(String, Explanation)> {
    wanted
        .iter()
        .map(|(id, _)| (id.clone(), Explanation::unknown(text)))
        .collect()
}

/// What an event did, in words, before its actor and time.
struct Phrase {
    /// E.g. `binding deleted`, `c2-dev-web stopped`.
    what: String,
    /// Said after the time, e.g. why a re-created app has no binding.
    tail: &'static str,
    /// The app whose manifest push the event may be part of.
    app: Option<String>,
}

impl Phrase {
    fn new(what: String, app: Option<&str>) -> Phrase {
        Phrase {
            what,
            tail: "",
            app: app.map(str::to_owned),
        }
    }
}

/// The newest event that explains `w`, in words.
fn explain_one(w: &Wanted, events: &[AuditEvent], guids: &Guids) -> Option<Explanation> {
    let (e, phrase) = match w {
        Wanted::Binding { app, instance } => binding_cause(app, instance, events, guids)?,
        Wanted::Instance { name } => {
            let e = find(events, |e| instance_deleted(e) && target_named(e, name))?;
            (e, Phrase::new(format!("{name} deleted"), None))
        }
        Wanted::InstanceChanged { name } => {
            let e = find(events, |e| {
                matches!(
                    e.kind.as_str(),
                    "audit.service_instance.update" | "audit.service_instance.start_update"
                ) && target_named(e, name)
            })?;
            (e, Phrase::new(format!("{name} updated"), None))
        }
        Wanted::App { name } => {
            let e = find(events, |e| {
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
            (e, Phrase::new(format!("{name} {verb}"), Some(name)))
        }
        Wanted::Instances { name } => instances_cause(name, events)?,
    };
    let push = phrase
        .app
        .as_deref()
        .is_some_and(|app| during_push(e, events, app));
    Some(said(e, &phrase, push))
}

/// The newest of `events` that `which` picks.
fn find(events: &[AuditEvent], which: impl Fn(&AuditEvent) -> bool) -> Option<&AuditEvent> {
    events.iter().find(|e| which(e))
}

/// A lost binding: its deletion, its instance's, or its app deleted or created anew; a binding
/// not in effect: its creation.
fn binding_cause<'e>(
    app: &str,
    instance: &str,
    events: &'e [AuditEvent],
    guids: &Guids,
) -> Option<(&'e AuditEvent, Phrase)> {
    let (a, i) = (
        guid_of(&guids.apps, app),
        guid_of(&guids.instances, instance),
    );
    let e = find(events, |e| match e.kind.as_str() {
        k if k.starts_with("audit.service_binding.") => binding_of(e, a, i),
        "audit.app.create" | "audit.app.delete-request" => target_named(e, app),
        _ => instance_deleted(e) && target_named(e, instance),
    })?;
    let mut phrase = Phrase::new(
        match e.kind.as_str() {
            "audit.service_binding.start_create" => "binding requested".to_owned(),
            "audit.service_binding.create" => "bound".to_owned(),
            k if k.starts_with("audit.service_binding.") => "binding deleted".to_owned(),
            "audit.app.create" => format!("{app} created anew"),
            "audit.app.delete-request" => format!("{app} deleted"),
            _ => format!("{instance} deleted"),
        },
        Some(app),
    );
    phrase.tail = match e.kind.as_str() {
        "audit.app.create" => ": a new app has none of the old one's bindings",
        k if k.starts_with("audit.service_instance.") || k.contains("provided") => {
            ", with its bindings"
        }
        _ => "",
    };
    Some((e, phrase))
}

/// An app without the instances it should run: a crash, a stop, a scale, a restart, a
/// deployment started or canceled.
fn instances_cause<'e>(name: &str, events: &'e [AuditEvent]) -> Option<(&'e AuditEvent, Phrase)> {
    let e = find(events, |e| {
        matches!(
            e.kind.as_str(),
            "audit.app.process.crash"
                | "audit.app.process.scale"
                | "audit.app.stop"
                | "audit.app.restart"
                | "audit.app.deployment.create"
                | "audit.app.deployment.cancel"
        ) && target_named(e, name)
    })?;
    let what = match e.kind.as_str() {
        "audit.app.process.crash" => format!("an instance of {name} crashed"),
        "audit.app.process.scale" => format!("{name} scaled"),
        "audit.app.stop" => format!("{name} stopped"),
        "audit.app.restart" => format!("{name} restarted"),
        "audit.app.deployment.cancel" => format!("the deployment of {name} canceled"),
        _ => format!("a deployment of {name} started"),
    };
    Some((e, Phrase::new(what, Some(name))))
}

fn instance_deleted(e: &AuditEvent) -> bool {
    matches!(
        e.kind.as_str(),
        "audit.service_instance.delete"
            | "audit.service_instance.start_delete"
            | "audit.user_provided_service_instance.delete"
    )
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
    let flat = (
        text_at(request, &["app_guid"]),
        text_at(request, &["service_instance_guid"]),
    );
    let related = (
        text_at(request, &["relationships", "app", "data", "guid"]),
        text_at(
            request,
            &["relationships", "service_instance", "data", "guid"],
        ),
    );
    let want = (Some(app), Some(instance));
    flat == want || related == want
}

/// Whether `e` was part of a manifest push to `app`: it says `manifest_triggered`, or a
/// manifest was applied to the app up to [`MANIFEST_PUSH_SECS`] before it.
fn during_push(e: &AuditEvent, events: &[AuditEvent], app: &str) -> bool {
    if e.data
        .get("manifest_triggered")
        .and_then(serde_json::Value::as_bool)
        == Some(true)
    {
        return true;
    }
    let Some(at) = parse_rfc3339(&e.created_at) else {
        return false;
    };
    events.iter().any(|m| {
        m.kind == "audit.app.apply_manifest"
            && target_named(m, app)
            && parse_rfc3339(&m.created_at)
                .is_some_and(|mt| (at - MANIFEST_PUSH_SECS..=at).contains(&mt))
    })
}

/// Who acted, in words: `ci-deployer@example.com (user)`.
fn who(actor: &EventParty) -> String {
    match actor.name.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => format!("{n} ({})", actor.kind),
        None if !actor.guid.is_empty() => format!("{} ({})", actor.guid, actor.kind),
        None => "an unknown actor".to_owned(),
    }
}

/// The explanation: `binding deleted by ci-deployer (user) at 2016-08-04T22:13:05Z, during a
/// manifest push`.
fn said(e: &AuditEvent, phrase: &Phrase, push: bool) -> Explanation {
    let actor = e.actor.clone().unwrap_or(EventParty {
        guid: String::new(),
        kind: "unknown".into(),
        name: None,
    });
    let push = if push { ", during a manifest push" } else { "" };
    let (what, at, tail) = (&phrase.what, &e.created_at, phrase.tail);
    let text = match actor.name.as_deref() {
        // A crash's actor is the process: "an instance of c2-dev-worker crashed (web process)".
        Some(process) if actor.kind == "process" => {
            format!("{what} ({process} process) at {at}{push}{tail}")
        }
        _ => format!("{what} by {} at {at}{push}{tail}", who(&actor)),
    };
    Explanation {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(
        guid: &str,
        kind: &str,
        at: &str,
        target: (&str, &str),
        data: serde_json::Value,
    ) -> AuditEvent {
        serde_json::from_value(json!({
            "guid": guid, "created_at": at, "type": kind,
            "actor": { "guid": "u-1", "type": "user", "name": "ci-deployer@example.gov" },
            "target": { "guid": target.0, "type": "app", "name": target.1 },
            "data": data,
        }))
        .unwrap()
    }

    fn guids() -> Guids {
        Guids {
            space: "sp".into(),
            apps: [("c2-staging-worker".into(), "app-w".into())].into(),
            instances: [("c2-staging-redis".into(), "si-r".into())].into(),
        }
    }

    fn binding() -> Wanted {
        Wanted::Binding {
            app: "c2-staging-worker".into(),
            instance: "c2-staging-redis".into(),
        }
    }

    fn text(w: &Wanted, events: &[AuditEvent]) -> Option<String> {
        explain_one(w, events, &guids()).map(|e| e.text)
    }

    fn deleted(guid: &str, at: &str, app: &str) -> AuditEvent {
        let request = json!({ "request": { "app_guid": app, "service_instance_guid": "si-r" } });
        event(
            guid,
            "audit.service_binding.delete",
            at,
            ("b-1", ""),
            request,
        )
    }

    #[test]
    fn a_binding_deleted_in_a_manifest_push_names_the_actor_and_time() {
        let events = [
            deleted("e-2", "2016-08-04T22:13:05Z", "app-w"),
            event(
                "e-1",
                "audit.app.apply_manifest",
                "2016-08-04T22:12:40Z",
                ("app-w", "C2-Staging-Worker"),
                json!({}),
            ),
        ];
        assert_eq!(
            text(&binding(), &events).unwrap(),
            "binding deleted by ci-deployer@example.gov (user) at 2016-08-04T22:13:05Z, during a manifest push"
        );
        // A manifest applied more than 10 minutes before is another push.
        let events = [
            deleted("e-2", "2016-08-04T22:13:05Z", "app-w"),
            event(
                "e-1",
                "audit.app.apply_manifest",
                "2016-08-04T22:00:00Z",
                ("app-w", "c2-staging-worker"),
                json!({}),
            ),
        ];
        assert_eq!(
            text(&binding(), &events).unwrap(),
            "binding deleted by ci-deployer@example.gov (user) at 2016-08-04T22:13:05Z"
        );
    }

    #[test]
    fn another_apps_binding_explains_nothing_and_the_newest_event_wins() {
        assert_eq!(
            text(
                &binding(),
                &[deleted("e", "2016-08-04T22:13:05Z", "app-other")]
            ),
            None
        );
        let recreated = event(
            "e-3",
            "audit.app.create",
            "2016-08-04T23:00:00Z",
            ("app-w", "c2-staging-worker"),
            json!({ "manifest_triggered": true }),
        );
        let events = [recreated, deleted("e-2", "2016-08-04T22:13:05Z", "app-w")];
        assert_eq!(
            text(&binding(), &events).unwrap(),
            "c2-staging-worker created anew by ci-deployer@example.gov (user) at \
             2016-08-04T23:00:00Z, during a manifest push: a new app has none of the old one's \
             bindings"
        );
    }

    #[test]
    fn instances_apps_and_crashes_are_said_in_words() {
        let gone = event(
            "e",
            "audit.service_instance.delete",
            "2016-08-04T22:13:05Z",
            ("si-r", "c2-staging-redis"),
            json!({}),
        );
        assert_eq!(
            text(&binding(), std::slice::from_ref(&gone)).unwrap(),
            "c2-staging-redis deleted by ci-deployer@example.gov (user) at 2016-08-04T22:13:05Z, with its bindings"
        );
        let w = Wanted::Instance {
            name: "c2-staging-redis".into(),
        };
        assert_eq!(
            text(&w, &[gone]).unwrap(),
            "c2-staging-redis deleted by ci-deployer@example.gov (user) at 2016-08-04T22:13:05Z"
        );
        let mut crash = event(
            "e",
            "audit.app.process.crash",
            "2016-08-04T22:13:05Z",
            ("app-w", "c2-staging-worker"),
            json!({ "exit_description": "secret stuff" }),
        );
        crash.actor = Some(EventParty {
            guid: "p-1".into(),
            kind: "process".into(),
            name: Some("web".into()),
        });
        let w = Wanted::Instances {
            name: "c2-staging-worker".into(),
        };
        let e = explain_one(&w, &[crash], &guids()).unwrap();
        assert_eq!(
            e.text,
            "an instance of c2-staging-worker crashed (web process) at 2016-08-04T22:13:05Z"
        );
        assert_eq!(e.event.unwrap().actor.kind, "process");
        let stop = event(
            "e",
            "audit.app.stop",
            "2016-08-04T22:13:05Z",
            ("app-w", "c2-staging-worker"),
            json!({}),
        );
        let w = Wanted::App {
            name: "c2-staging-worker".into(),
        };
        assert_eq!(
            text(&w, &[stop]).unwrap(),
            "c2-staging-worker stopped by ci-deployer@example.gov (user) at 2016-08-04T22:13:05Z"
        );
    }
}
