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

use super::audit_index::Events;
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
    let events = match listed {
        Ok((events, _)) => events.into_iter().map(|(e, _)| e).collect::<Vec<_>>(),
        Err(e) => {
            return unknown_all(
                wanted,
                &format!("unknown: the audit events could not be read: {e}"),
            );
        }
    };
    // Newest first, whatever order the answer came in; indexed once for every check.
    let events = Events::new(events, guids);
    let mut none = format!("unknown: no audit event since {from} explains it");
    if now - since > KEPT_DAYS * 86_400 {
        none.push_str(&format!(
            " (the Cloud Controller keeps them {KEPT_DAYS} days by default)"
        ));
    }
    wanted
        .iter()
        .map(|(id, w)| {
            let e = explain_one(w, &events).unwrap_or_else(|| Explanation::unknown(&none));
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

/// The events that delete a service instance (and with it its bindings).
const INSTANCE_DELETED: &[&str] = &[
    "audit.service_instance.delete",
    "audit.service_instance.start_delete",
    "audit.user_provided_service_instance.delete",
];
/// The events that change a service instance.
const INSTANCE_UPDATED: &[&str] = &[
    "audit.service_instance.update",
    "audit.service_instance.start_update",
];
/// The events that remove an app's bindings with the app: its deletion, or its creation anew.
const APP_REPLACED: &[&str] = &["audit.app.create", "audit.app.delete-request"];
/// The events that leave an app missing or stopped.
const APP_GONE: &[&str] = &["audit.app.delete-request", "audit.app.stop"];
/// The events that leave an app without the instances it should run.
const INSTANCES_CHANGED: &[&str] = &[
    "audit.app.process.crash",
    "audit.app.process.scale",
    "audit.app.stop",
    "audit.app.restart",
    "audit.app.deployment.create",
    "audit.app.deployment.cancel",
];

/// The newest event that explains `w`, in words.
fn explain_one(w: &Wanted, events: &Events<'_>) -> Option<Explanation> {
    let e = events.at(cause_of(w, events)?);
    let phrase = phrase(w, e);
    let push = phrase
        .app
        .as_deref()
        .is_some_and(|app| during_push(e, events, app));
    Some(said(e, &phrase, push))
}

/// The position of the newest event that explains `w`: for a binding, its own events (by the
/// app's and the instance's GUIDs), its app deleted or created anew, or its instance deleted;
/// else the events of the check's kind about the app or instance by name.
fn cause_of(w: &Wanted, events: &Events<'_>) -> Option<usize> {
    match w {
        Wanted::Binding { app, instance } => {
            let own = events
                .app_guid(app)
                .zip(events.instance_guid(instance))
                .and_then(|(a, i)| events.newest_binding(a, i));
            let app = events.newest_about(app, APP_REPLACED);
            let instance = events.newest_about(instance, INSTANCE_DELETED);
            [own, app, instance].into_iter().flatten().min()
        }
        Wanted::Instance { name } => events.newest_about(name, INSTANCE_DELETED),
        Wanted::InstanceChanged { name } => events.newest_about(name, INSTANCE_UPDATED),
        Wanted::App { name } => events.newest_about(name, APP_GONE),
        Wanted::Instances { name } => events.newest_about(name, INSTANCES_CHANGED),
    }
}

/// What the event `e` that explains `w` did, in words.
fn phrase(w: &Wanted, e: &AuditEvent) -> Phrase {
    match w {
        Wanted::Binding { app, instance } => binding_phrase(app, instance, e),
        Wanted::Instance { name } => Phrase::new(format!("{name} deleted"), None),
        Wanted::InstanceChanged { name } => Phrase::new(format!("{name} updated"), None),
        Wanted::App { name } => {
            let verb = if e.kind == "audit.app.stop" {
                "stopped"
            } else {
                "deleted"
            };
            Phrase::new(format!("{name} {verb}"), Some(name))
        }
        Wanted::Instances { name } => instances_phrase(name, e),
    }
}

/// A lost binding: its deletion, its instance's, or its app deleted or created anew; a binding
/// not in effect: its creation.
fn binding_phrase(app: &str, instance: &str, e: &AuditEvent) -> Phrase {
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
    phrase
}

/// An app without the instances it should run: a crash, a stop, a scale, a restart, a
/// deployment started or canceled.
fn instances_phrase(name: &str, e: &AuditEvent) -> Phrase {
    let what = match e.kind.as_str() {
        "audit.app.process.crash" => format!("an instance of {name} crashed"),
        "audit.app.process.scale" => format!("{name} scaled"),
        "audit.app.stop" => format!("{name} stopped"),
        "audit.app.restart" => format!("{name} restarted"),
        "audit.app.deployment.cancel" => format!("the deployment of {name} canceled"),
        _ => format!("a deployment of {name} started"),
    };
    Phrase::new(what, Some(name))
}

/// Whether `e` was part of a manifest push to `app`: it says `manifest_triggered`, or a
/// manifest was applied to the app up to [`MANIFEST_PUSH_SECS`] before it.
fn during_push(e: &AuditEvent, events: &Events<'_>, app: &str) -> bool {
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
    events.any_about_between(app, "audit.app.apply_manifest", at - MANIFEST_PUSH_SECS, at)
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

    /// The explanation of `w` from `events` of the space of [`guids`].
    fn one(w: &Wanted, events: &[AuditEvent]) -> Option<Explanation> {
        let guids = guids();
        explain_one(w, &Events::new(events.to_vec(), &guids))
    }

    fn text(w: &Wanted, events: &[AuditEvent]) -> Option<String> {
        one(w, events).map(|e| e.text)
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
        let e = one(&w, &[crash]).unwrap();
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

    /// The rule as it was before the events were indexed: each check against each event,
    /// newest first. The index must pick the same event, and say the same push.
    mod scan {
        use super::super::{INSTANCE_DELETED, MANIFEST_PUSH_SECS};
        use crate::observe::Guids;
        use crate::observe::api::audit_index::text_at;
        use crate::observe::api::resources::AuditEvent;
        use crate::time_format::parse_rfc3339;
        use crate::verify::explain::Wanted;
        use std::collections::BTreeMap;

        pub(super) fn cause<'e>(
            w: &Wanted,
            events: &'e [AuditEvent],
            guids: &Guids,
        ) -> Option<&'e AuditEvent> {
            let kinds = |e: &AuditEvent, kinds: &[&str]| kinds.contains(&e.kind.as_str());
            match w {
                Wanted::Binding { app, instance } => {
                    let (a, i) = (
                        guid_of(&guids.apps, app),
                        guid_of(&guids.instances, instance),
                    );
                    find(events, |e| match e.kind.as_str() {
                        k if k.starts_with("audit.service_binding.") => binding_of(e, a, i),
                        "audit.app.create" | "audit.app.delete-request" => target_named(e, app),
                        _ => kinds(e, INSTANCE_DELETED) && target_named(e, instance),
                    })
                }
                Wanted::Instance { name } => find(events, |e| {
                    kinds(e, INSTANCE_DELETED) && target_named(e, name)
                }),
                Wanted::InstanceChanged { name } => find(events, |e| {
                    kinds(
                        e,
                        &[
                            "audit.service_instance.update",
                            "audit.service_instance.start_update",
                        ],
                    ) && target_named(e, name)
                }),
                Wanted::App { name } => find(events, |e| {
                    kinds(e, &["audit.app.delete-request", "audit.app.stop"])
                        && target_named(e, name)
                }),
                Wanted::Instances { name } => find(events, |e| {
                    kinds(
                        e,
                        &[
                            "audit.app.process.crash",
                            "audit.app.process.scale",
                            "audit.app.stop",
                            "audit.app.restart",
                            "audit.app.deployment.create",
                            "audit.app.deployment.cancel",
                        ],
                    ) && target_named(e, name)
                }),
            }
        }

        fn find(events: &[AuditEvent], which: impl Fn(&AuditEvent) -> bool) -> Option<&AuditEvent> {
            events.iter().find(|e| which(e))
        }

        fn guid_of<'a>(map: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
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

        pub(super) fn during_push(e: &AuditEvent, events: &[AuditEvent], app: &str) -> bool {
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
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len())]
        }
    }

    /// Names as checks and events spell them: CF compares them case-insensitively, and the
    /// space shows two spellings of `a0` (the first in its order wins).
    const NAMES: &[&str] = &[
        "a0", "A0", "a1", "a2", "A2", "a3", "s0", "S0", "s1", "s2", "s3", "S3", "gone", "",
    ];
    const GUIDS: &[&str] = &[
        "g-a0", "g-A0", "g-a1", "g-a2", "g-s0", "g-s1", "g-s2", "g-x",
    ];

    fn random_event(rng: &mut Rng, n: usize) -> AuditEvent {
        let mut kinds = TYPES.to_vec();
        kinds.extend(["audit.app.apply_manifest", "audit.app.update"]);
        let kind = rng.pick(&kinds);
        // Times within an hour, many equal; a few unreadable.
        let at = match rng.below(50) {
            0 => "not a time".to_owned(),
            _ => crate::time_format::rfc3339_utc(1_470_348_000 + rng.below(3600) as i64),
        };
        let (a, i) = (rng.pick(GUIDS), rng.pick(GUIDS));
        let (a2, i2) = (rng.pick(GUIDS), rng.pick(GUIDS));
        let related = json!({ "app": { "data": { "guid": a2 } },
            "service_instance": { "data": { "guid": i2 } } });
        let request = match rng.below(5) {
            0 => json!({ "app_guid": a, "service_instance_guid": i }),
            1 => json!({ "relationships": related }),
            2 => json!({ "app_guid": a, "service_instance_guid": i, "relationships": related }),
            3 => json!({ "app_guid": a }),
            _ => json!({}),
        };
        let mut data = json!({ "request": request });
        if rng.below(10) == 0 {
            data["manifest_triggered"] = json!(rng.below(2) == 0);
        }
        let mut e = event(&format!("e-{n}"), kind, &at, ("t", rng.pick(NAMES)), data);
        if rng.below(20) == 0 {
            e.target = None;
        }
        e
    }

    #[test]
    fn the_index_picks_the_cause_a_scan_of_every_event_picks() {
        let guids = Guids {
            space: "sp".into(),
            apps: ["a0", "A0", "a1", "a2"]
                .map(|n| (n.to_owned(), format!("g-{n}")))
                .into(),
            instances: ["s0", "s1", "s2"]
                .map(|n| (n.to_owned(), format!("g-{n}")))
                .into(),
        };
        let mut rng = Rng(0x0020_1608_0422_1305);
        let events: Vec<AuditEvent> = (0..3000).map(|n| random_event(&mut rng, n)).collect();
        // The scan's order: sorted newest first, as before the index.
        let mut sorted = events.clone();
        sorted.sort_by_key(|e| std::cmp::Reverse(parse_rfc3339(&e.created_at).unwrap_or(0)));
        let indexed = Events::new(events, &guids);
        let mut wanted = Vec::new();
        for a in NAMES {
            wanted.extend([
                Wanted::Instance {
                    name: a.to_string(),
                },
                Wanted::InstanceChanged {
                    name: a.to_string(),
                },
                Wanted::App {
                    name: a.to_string(),
                },
                Wanted::Instances {
                    name: a.to_string(),
                },
            ]);
            for i in NAMES {
                let (app, instance) = (a.to_string(), i.to_string());
                wanted.push(Wanted::Binding { app, instance });
            }
        }
        let (mut explained, mut pushes, mut kinds) = (0, 0, std::collections::BTreeSet::new());
        for w in &wanted {
            let old = scan::cause(w, &sorted, &guids).map(|e| {
                let phrase = phrase(w, e);
                let push = phrase
                    .app
                    .as_deref()
                    .is_some_and(|app| scan::during_push(e, &sorted, app));
                said(e, &phrase, push)
            });
            let new = explain_one(w, &indexed);
            assert_eq!(new, old, "{w:?}");
            if let Some(e) = new {
                explained += 1;
                pushes += usize::from(e.text.contains("during a manifest push"));
                kinds.insert(e.event.unwrap().kind);
            }
        }
        // Not vacuous: most checks explained, some during a push and some not, by binding,
        // app and instance events alike.
        assert!(
            explained > wanted.len() / 2,
            "{explained} of {}",
            wanted.len()
        );
        assert!(pushes > 0 && pushes < explained, "{pushes} of {explained}");
        for k in [
            "audit.service_binding.",
            "audit.app.create",
            "audit.service_instance.delete",
            "audit.service_instance.update",
            "audit.app.stop",
            "audit.app.process.crash",
        ] {
            let seen = kinds.iter().any(|kind| kind.starts_with(k));
            assert!(seen, "no cause of type {k}: {kinds:?}");
        }
    }
}
