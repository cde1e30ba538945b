//! The verdict drawn on the diagram: the status of each node and edge of one environment,
//! and the elements that exist on the platform but the model lacks.

use super::style::Overlay;
use crate::model::Environment;
use crate::verify::{Element, Status, Verdict};
use std::collections::HashMap;

/// The overlay of one environment, read from the checks of a verdict.
#[derive(Debug, Default)]
pub(crate) struct EnvOverlay {
    apps: HashMap<String, Vec<Status>>,
    services: HashMap<String, Vec<Status>>,
    bindings: HashMap<(String, String), Vec<Status>>,
    /// Apps that exist but the model lacks, by CF name, first-seen order.
    pub extra_apps: Vec<(String, Overlay)>,
    /// Service instances that exist but the model lacks, by CF name, first-seen order.
    pub extra_services: Vec<(String, Overlay)>,
    /// Bindings that exist but the model lacks, by CF names, first-seen order.
    pub extra_bindings: Vec<(String, String, Overlay)>,
}

impl EnvOverlay {
    /// The overlay of `env`, or `None` when the verdict does not cover the environment (it is
    /// then drawn without colours).
    pub(crate) fn build(verdict: &Verdict, env: &Environment) -> Option<EnvOverlay> {
        if !verdict.environments.iter().any(|e| e.name == env.name) {
            return None;
        }
        let mut o = EnvOverlay::default();
        let mut extra_apps: Vec<(String, Vec<Status>)> = Vec::new();
        let mut extra_services: Vec<(String, Vec<Status>)> = Vec::new();
        let mut extra_bindings: Vec<((String, String), Vec<Status>)> = Vec::new();
        fn push<K: PartialEq + Clone>(list: &mut Vec<(K, Vec<Status>)>, key: &K, s: Status) {
            match list.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => v.push(s),
                None => list.push((key.clone(), vec![s])),
            }
        }
        for c in verdict.checks_for(&env.name) {
            match &c.element {
                Element::App { id } => o.apps.entry(id.clone()).or_default().push(c.status),
                Element::Service { id } => o.services.entry(id.clone()).or_default().push(c.status),
                Element::Binding { app, service } => o
                    .bindings
                    .entry((app.clone(), service.clone()))
                    .or_default()
                    .push(c.status),
                Element::ExtraApp { name } => push(&mut extra_apps, name, c.status),
                Element::ExtraService { name } => push(&mut extra_services, name, c.status),
                Element::ExtraBinding { app, service } => push(
                    &mut extra_bindings,
                    &(app.clone(), service.clone()),
                    c.status,
                ),
                Element::None => {}
            }
        }
        o.extra_apps = extra_apps
            .into_iter()
            .map(|(k, v)| (k, Overlay::of(v)))
            .collect();
        o.extra_services = extra_services
            .into_iter()
            .map(|(k, v)| (k, Overlay::of(v)))
            .collect();
        o.extra_bindings = extra_bindings
            .into_iter()
            .map(|((a, s), v)| (a, s, Overlay::of(v)))
            .collect();
        Some(o)
    }

    pub(crate) fn app(&self, id: &str) -> Overlay {
        Overlay::of(self.apps.get(id).into_iter().flatten().copied())
    }

    pub(crate) fn service(&self, id: &str) -> Overlay {
        Overlay::of(self.services.get(id).into_iter().flatten().copied())
    }

    pub(crate) fn binding(&self, app: &str, service: &str) -> Overlay {
        let key = (app.to_owned(), service.to_owned());
        Overlay::of(self.bindings.get(&key).into_iter().flatten().copied())
    }
}
