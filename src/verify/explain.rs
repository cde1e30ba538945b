//! Who removed what: a failing check's cause, from the Cloud Controller's audit events.
//! [`wanted`] says, for each CRITICAL check a cause can explain, what to look for; the API
//! source finds the event ([`crate::observe::api::Session::explain`]); the finding goes onto
//! the check as an [`Explanation`]. An explanation never changes a status: it only says why.

use crate::model::Environment;
use crate::verify::{Check, CheckKind, Element, Status, Verdict};
use serde::Serialize;
use std::collections::HashMap;

/// What caused a failing check, in words, with the audit event that says so; or why that
/// cannot be said. `checks[].cause` in the JSON report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// E.g. `binding deleted by ci-deployer (user) at 2016-08-04T22:13:05Z, during a manifest
    /// push`; or `unknown: the audit events could not be read: ...`.
    pub text: String,
    /// The event, when one explains it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<EventRef>,
}

impl Explanation {
    /// A cause that cannot be said, and why: `unknown: ...`.
    pub fn unknown(text: &str) -> Explanation {
        Explanation {
            text: text.to_owned(),
            event: None,
        }
    }
}

/// The audit event behind an explanation: nothing of its `data` but GUIDs, names and types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRef {
    /// The event's GUID (`GET /v3/audit_events/:guid`).
    pub guid: String,
    /// E.g. `audit.service_binding.delete`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Who acted.
    pub actor: Actor,
    /// RFC 3339, as the Cloud Controller wrote it.
    pub time: String,
}

/// Who acted: a user (by name, e.g. an email), a process, the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The user's, process's or system's GUID.
    pub guid: String,
    /// `user`, `process`, `system`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// A user's email or name, a process's type; empty when the event gives none.
    pub name: String,
}

/// What would explain one failing check, by CF names: the newest of the events that can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// A binding lost (its deletion, its instance's, the app re-created) or made after the
    /// instances started (its creation).
    Binding {
        /// The app's CF name.
        app: String,
        /// The service instance's CF name.
        instance: String,
    },
    /// A missing service instance: its deletion.
    Instance {
        /// Its CF name.
        name: String,
    },
    /// A service instance on another plan or whose last operation failed: its update.
    InstanceChanged {
        /// Its CF name.
        name: String,
    },
    /// A missing or stopped app: its deletion, or who stopped it.
    App {
        /// Its CF name.
        name: String,
    },
    /// An app without the instances it should run: a crash, a stop, a scale, a restart, a
    /// deployment started or canceled.
    Instances {
        /// Its CF name.
        name: String,
    },
}

/// For each CRITICAL check of `env` that an audit event can explain, its id and what to look
/// for.
pub fn wanted(verdict: &Verdict, env: &Environment) -> Vec<(String, Wanted)> {
    wanted_where(verdict, env, |c| c.status == Status::Critical)
}

/// [`wanted`] for the checks `which` picks.
pub(crate) fn wanted_where(
    verdict: &Verdict,
    env: &Environment,
    which: impl Fn(&Check) -> bool,
) -> Vec<(String, Wanted)> {
    let names = Names::of(env);
    verdict
        .checks_for(&env.name)
        .filter(|c| which(c))
        .filter_map(|c| want(&names, c).map(|w| (c.id.clone(), w)))
        .collect()
}

/// The CF names of an environment's apps and services by model id (the first of an id).
struct Names<'m> {
    apps: HashMap<&'m str, &'m str>,
    services: HashMap<&'m str, &'m str>,
}

impl<'m> Names<'m> {
    fn of(env: &'m Environment) -> Names<'m> {
        let mut apps = HashMap::new();
        for a in &env.apps {
            apps.entry(a.id.as_str()).or_insert(a.name.as_str());
        }
        let mut services = HashMap::new();
        for s in &env.services {
            services.entry(s.id.as_str()).or_insert(s.name.as_str());
        }
        Names { apps, services }
    }

    fn app(&self, id: &str) -> Option<String> {
        self.apps.get(id).map(|n| (*n).to_owned())
    }

    fn service(&self, id: &str) -> Option<String> {
        self.services.get(id).map(|n| (*n).to_owned())
    }
}

fn want(names: &Names<'_>, c: &Check) -> Option<Wanted> {
    Some(match (&c.kind, &c.element) {
        (CheckKind::BindingExists, Element::Binding { app, service }) => Wanted::Binding {
            app: names.app(app)?,
            instance: names.service(service)?,
        },
        (CheckKind::ServiceExists, Element::Service { id }) => Wanted::Instance {
            name: names.service(id)?,
        },
        (CheckKind::AppExists, Element::App { id }) => Wanted::App {
            name: names.app(id)?,
        },
        (CheckKind::ServicePlan | CheckKind::ServiceOperation, Element::Service { id }) => {
            Wanted::InstanceChanged {
                name: names.service(id)?,
            }
        }
        (CheckKind::AppInstances, Element::App { id }) => Wanted::Instances {
            name: names.app(id)?,
        },
        _ => return None,
    })
}

/// Puts each explanation onto its check (by id: the first check of an id, the last
/// explanation of an id), in one pass over the checks.
pub fn attach(verdict: &mut Verdict, explanations: Vec<(String, Explanation)>) {
    let mut by_id: HashMap<String, Explanation> = explanations.into_iter().collect();
    for c in &mut verdict.checks {
        if by_id.is_empty() {
            break;
        }
        if let Some(e) = by_id.remove(&c.id) {
            c.explained = Some(e);
        }
    }
}
