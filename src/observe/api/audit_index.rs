//! The audit events of one space, newest first, indexed once for finding causes: by the CF
//! name of their target and their type, and (binding events) by the app and instance GUIDs
//! they name; the space's app and instance GUIDs by CF name. Finding the newest event of a
//! kind about a name is then a lookup, so explaining every check of a space costs
//! O(checks + events), not O(checks x events). What the index answers is exactly what a scan
//! of the events, newest first, with the same rule would (the rules are in
//! [`super::audit`]).

use super::resources::AuditEvent;
use crate::cf_name::key;
use crate::observe::Guids;
use crate::time_format::parse_rfc3339;
use std::collections::{BTreeMap, HashMap};

/// Positions in [`Events::events`], ascending (newest first).
type Positions = Vec<usize>;

/// A space's audit events, newest first, and the indexes into them.
pub(crate) struct Events<'e> {
    /// The events, newest first (stable for equal times; an unreadable time counts as 0).
    events: Vec<AuditEvent>,
    /// Each event's time, seconds since the epoch, if readable.
    times: Vec<Option<i64>>,
    /// Target name (CF key) -> event type -> positions.
    by_target: HashMap<String, HashMap<String, Positions>>,
    /// Binding events: app GUID -> instance GUID -> positions (a deletion names them in
    /// `data.request`, a creation in the request's relationships).
    by_binding: HashMap<String, HashMap<String, Positions>>,
    /// App GUIDs by CF key: the first in the by-name map of each key.
    apps: HashMap<String, &'e str>,
    /// Service instance GUIDs by CF key, the same way.
    instances: HashMap<String, &'e str>,
}

impl<'e> Events<'e> {
    /// Sorts `events` newest first and indexes them, with the space's GUIDs.
    pub(crate) fn new(mut events: Vec<AuditEvent>, guids: &'e Guids) -> Events<'e> {
        events.sort_by_cached_key(|e| std::cmp::Reverse(parse_rfc3339(&e.created_at).unwrap_or(0)));
        let times = events
            .iter()
            .map(|e| parse_rfc3339(&e.created_at))
            .collect();
        let mut by_target: HashMap<String, HashMap<String, Positions>> = HashMap::new();
        let mut by_binding: HashMap<String, HashMap<String, Positions>> = HashMap::new();
        for (at, e) in events.iter().enumerate() {
            if let Some(name) = e.target.as_ref().and_then(|t| t.name.as_deref()) {
                let kinds = by_target.entry(key(name).into_owned()).or_default();
                kinds.entry(e.kind.clone()).or_default().push(at);
            }
            if e.kind.starts_with("audit.service_binding.") {
                for (app, instance) in binding_pairs(e) {
                    let instances = by_binding.entry(app.to_owned()).or_default();
                    instances.entry(instance.to_owned()).or_default().push(at);
                }
            }
        }
        Events {
            events,
            times,
            by_target,
            by_binding,
            apps: first_by_key(&guids.apps),
            instances: first_by_key(&guids.instances),
        }
    }

    /// The event at a position.
    pub(crate) fn at(&self, at: usize) -> &AuditEvent {
        &self.events[at]
    }

    /// The GUID of an app by CF name, as the space shows it.
    pub(crate) fn app_guid(&self, name: &str) -> Option<&'e str> {
        self.apps.get(key(name).as_ref()).copied()
    }

    /// The GUID of a service instance by CF name, as the space shows it.
    pub(crate) fn instance_guid(&self, name: &str) -> Option<&'e str> {
        self.instances.get(key(name).as_ref()).copied()
    }

    /// The positions of the events of type `kind` whose target is named `name` (as CF
    /// compares names), newest first.
    fn about(&self, name: &str, kind: &str) -> &[usize] {
        self.by_target
            .get(key(name).as_ref())
            .and_then(|kinds| kinds.get(kind))
            .map_or(&[], Vec::as_slice)
    }

    /// The newest event of any of `kinds` whose target is named `name`.
    pub(crate) fn newest_about(&self, name: &str, kinds: &[&str]) -> Option<usize> {
        kinds
            .iter()
            .filter_map(|k| self.about(name, k).first().copied())
            .min()
    }

    /// The newest binding event about the binding of app `app` to instance `instance` (GUIDs).
    pub(crate) fn newest_binding(&self, app: &str, instance: &str) -> Option<usize> {
        self.by_binding
            .get(app)
            .and_then(|instances| instances.get(instance))
            .and_then(|p| p.first().copied())
    }

    /// Whether an event of type `kind` about `name` happened from `from` to `to` (seconds
    /// since the epoch, both included; an event whose time cannot be read never did).
    pub(crate) fn any_about_between(&self, name: &str, kind: &str, from: i64, to: i64) -> bool {
        let list = self.about(name, kind);
        let time = |at: usize| self.times[at].unwrap_or(0);
        // Newest first: skip those after `to`, then those from `from` on are together.
        let start = list.partition_point(|&at| time(at) > to);
        list[start..]
            .iter()
            .take_while(|&&at| time(at) >= from)
            .any(|&at| self.times[at].is_some())
    }
}

/// The (app GUID, instance GUID) pairs a binding event names: a deletion's in `data.request`,
/// a creation's in the request's relationships; each pair once.
fn binding_pairs(e: &AuditEvent) -> Vec<(&str, &str)> {
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
    let mut pairs = Vec::new();
    for pair in [flat, related] {
        if let (Some(app), Some(instance)) = pair
            && !pairs.contains(&(app, instance))
        {
            pairs.push((app, instance));
        }
    }
    pairs
}

/// The string at `path` in a JSON value.
pub(crate) fn text_at<'a>(v: &'a serde_json::Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// A by-name map keyed by CF key, the first name of each key (in the map's order) winning,
/// as a scan for the first name CF takes as the same would find.
fn first_by_key(map: &BTreeMap<String, String>) -> HashMap<String, &str> {
    let mut out = HashMap::with_capacity(map.len());
    for (name, guid) in map {
        out.entry(key(name).into_owned()).or_insert(guid.as_str());
    }
    out
}
