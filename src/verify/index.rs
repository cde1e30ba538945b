//! Lookups by id and by name for one environment's verification, built once per
//! environment: the model's services (by id and CF name) and apps (by CF name), and the
//! observed instances and apps (by CF name). Every check looks things up here instead of
//! scanning lists, so verifying stays linear in the size of the space (10,000 instances).
//! Names are looked up as CF compares them, case-insensitively ([`crate::cf_name`]).

use crate::cf_name;
use crate::model::{App, Binding, Environment, Service};
use crate::observe::{Coverage, Observation, ObservedApp, ObservedService};
use crate::verify::cause::Unseen;
use crate::verify::evidence::Lookup;
use std::borrow::Cow;
use std::collections::HashMap;

pub(crate) struct Index<'a> {
    env: &'a Environment,
    obs: &'a Observation,
    services_by_id: HashMap<&'a str, &'a Service>,
    services_by_name: HashMap<Cow<'a, str>, &'a Service>,
    apps_by_name: HashMap<Cow<'a, str>, &'a App>,
    seen_services: HashMap<Cow<'a, str>, &'a ObservedService>,
    seen_apps: HashMap<Cow<'a, str>, &'a ObservedApp>,
}

/// A map from key to the *first* item with that key, as a linear `find` would give.
fn first_by<'a, T>(items: &'a [T], key: impl Fn(&'a T) -> &'a str) -> HashMap<&'a str, &'a T> {
    let mut m = HashMap::with_capacity(items.len());
    for item in items {
        m.entry(key(item)).or_insert(item);
    }
    m
}

/// [`first_by`] for CF names: keyed as CF compares them.
fn first_by_name<'a, T>(
    items: &'a [T],
    name: impl Fn(&'a T) -> &'a str,
) -> HashMap<Cow<'a, str>, &'a T> {
    let mut m = HashMap::with_capacity(items.len());
    for item in items {
        m.entry(cf_name::key(name(item))).or_insert(item);
    }
    m
}

impl<'a> Index<'a> {
    pub(crate) fn new(env: &'a Environment, obs: &'a Observation) -> Index<'a> {
        Index {
            env,
            obs,
            services_by_id: first_by(&env.services, |s| s.id.as_str()),
            services_by_name: first_by_name(&env.services, |s| s.name.as_str()),
            apps_by_name: first_by_name(&env.apps, |a| a.name.as_str()),
            seen_services: match &obs.services {
                Coverage::Seen(seen) => first_by_name(&seen.instances, |s| s.name.as_str()),
                _ => HashMap::new(),
            },
            seen_apps: match &obs.apps {
                Coverage::Seen(seen) => first_by_name(&seen.apps, |a| a.name.as_str()),
                _ => HashMap::new(),
            },
        }
    }

    /// Every (app, binding, service) triple in model order, as [`Environment::bindings`].
    pub(crate) fn bindings(&self) -> impl Iterator<Item = (&'a App, &'a Binding, &'a Service)> {
        let by_id = &self.services_by_id;
        self.env.apps.iter().flat_map(move |app| {
            app.bindings
                .iter()
                .filter_map(move |b| by_id.get(b.service.as_str()).map(|s| (app, b, *s)))
        })
    }

    pub(crate) fn service_by_name(&self, cf_name: &str) -> Option<&'a Service> {
        self.services_by_name.get(&cf_name::key(cf_name)).copied()
    }

    pub(crate) fn app_by_name(&self, cf_name: &str) -> Option<&'a App> {
        self.apps_by_name.get(&cf_name::key(cf_name)).copied()
    }

    /// What the observed instances say about the instance named `name`.
    pub(crate) fn find_service(&self, name: &str) -> Lookup<'a, ObservedService> {
        match &self.obs.services {
            Coverage::NotCovered => Lookup::NotCovered,
            Coverage::Unavailable { reason } => Lookup::Unknown(Unseen::SourceFailed {
                reason: reason.clone(),
            }),
            Coverage::Seen(seen) => match self.seen_services.get(&cf_name::key(name)) {
                Some(s) => Lookup::Found(s),
                None if seen.gaps.is_empty() => Lookup::Missing,
                None => Lookup::Unknown(Unseen::Unreadable {
                    gaps: seen.gaps.clone(),
                }),
            },
        }
    }

    /// What the observed apps say about the app named `name`.
    pub(crate) fn find_app(&self, name: &str) -> Lookup<'a, ObservedApp> {
        match &self.obs.apps {
            Coverage::NotCovered => Lookup::NotCovered,
            Coverage::Unavailable { reason } => Lookup::Unknown(Unseen::SourceFailed {
                reason: reason.clone(),
            }),
            Coverage::Seen(seen) => match self.seen_apps.get(&cf_name::key(name)) {
                Some(a) => Lookup::Found(a),
                None if seen.gaps.is_empty() => Lookup::Missing,
                None => Lookup::Unknown(Unseen::Unreadable {
                    gaps: seen.gaps.clone(),
                }),
            },
        }
    }
}
