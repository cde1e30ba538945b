//! What part of a model a diagram draws, so that a diagram of any size can be laid out.
//!
//! - [`focus`]: one app or service instance and its neighbourhood (`render --focus ID`): an
//!   app with the instances it binds and the externals it uses; an instance with the apps
//!   bound to it.
//! - [`Aggregate`]: an environment too large for Graphviz to lay out in reasonable time
//!   (more than [`MAX_NODES_PER_ENV`] nodes, or a drawing of more than [`MAX_NODES`]) is drawn
//!   with its service instances grouped by kind and its apps grouped by the kinds they bind,
//!   each group with its count and the worst status of its members. Graphviz's `dot` lays out
//!   a few hundred nodes in about a second and 40,000 in hours; the limits keep every drawing
//!   in the first range. The choice depends on the model alone, so the same model still gives
//!   the same bytes.

use super::RenderOptions;
use super::overlay::EnvOverlay;
use super::style::Overlay;
use crate::model::{App, Environment, Model, ServiceKind};
use crate::verify::Status;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One environment as a diagram draws it.
pub(crate) struct Drawn<'m> {
    /// The environment, or its neighbourhood of `--focus`.
    pub env: Cow<'m, Environment>,
    /// Grouped: it is too large to draw every node.
    pub aggregated: bool,
}

/// The environments a diagram draws, each whole, focused or aggregated. A `--focus` id that
/// no selected environment has is an error listing the ids there are.
pub(crate) fn drawing<'m>(
    model: &'m Model,
    options: &RenderOptions,
) -> anyhow::Result<Vec<Drawn<'m>>> {
    let envs = super::selected_environments(model, options.env)?;
    let envs: Vec<Cow<'m, Environment>> = match options.focus {
        None => envs.into_iter().map(Cow::Borrowed).collect(),
        Some(id) => {
            let focused: Vec<_> = envs
                .iter()
                .filter_map(|e| focus(e, id))
                .map(Cow::Owned)
                .collect();
            if focused.is_empty() {
                let ids = focus_ids(model);
                let suggestion = ids
                    .iter()
                    .map(|i| (strsim::jaro_winkler(i, id), i))
                    .filter(|(score, _)| *score > 0.8)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, i)| format!(" (did you mean `{i}`?)"))
                    .unwrap_or_default();
                anyhow::bail!(
                    "--focus `{id}` is no app or service id of {}{}{suggestion}; ids are the keys of `apps` and `services`, e.g. {}",
                    model.file,
                    options
                        .env
                        .map(|e| format!(" in environment `{e}`"))
                        .unwrap_or_default(),
                    ids.iter()
                        .take(8)
                        .map(|i| format!("`{i}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            focused
        }
    };
    let aggregated = !options.full && {
        let refs: Vec<&Environment> = envs.iter().map(|e| e.as_ref()).collect();
        too_large(&refs)
    };
    Ok(envs
        .into_iter()
        .map(|env| Drawn { env, aggregated })
        .collect())
}

/// What an aggregated diagram says of itself.
pub(crate) const AGGREGATED_NOTE: &str = "aggregated: too many apps and instances to draw each, so instances are grouped by kind and apps by the kinds they bind; `archcheck render --focus ID` draws one app or instance with its neighbours, `--full` every node";

/// An environment with more nodes than this is drawn aggregated.
pub(crate) const MAX_NODES_PER_ENV: usize = 150;
/// A drawing of more nodes than this (all its environments) is drawn aggregated.
pub(crate) const MAX_NODES: usize = 450;

/// The nodes an environment's full drawing has.
fn nodes(env: &Environment) -> usize {
    env.apps.len() + env.services.len() + env.externals.len()
}

/// Whether these environments, drawn together, are drawn aggregated.
pub(crate) fn too_large(envs: &[&Environment]) -> bool {
    envs.iter().any(|e| nodes(e) > MAX_NODES_PER_ENV)
        || envs.iter().map(|e| nodes(e)).sum::<usize>() > MAX_NODES
}

/// `env` narrowed to the neighbourhood of the app or service instance `id`, or `None` when
/// the environment has neither of that id.
pub(crate) fn focus(env: &Environment, id: &str) -> Option<Environment> {
    let (apps, services): (Vec<App>, Vec<_>) = if let Some(app) = env.app(id) {
        let services = env
            .services
            .iter()
            .filter(|s| app.bindings.iter().any(|b| b.service == s.id))
            .cloned()
            .collect();
        (vec![app.clone()], services)
    } else if let Some(service) = env.service(id) {
        let apps = env
            .apps
            .iter()
            .filter(|a| a.bindings.iter().any(|b| b.service == service.id))
            .map(|a| {
                // Only the binding to the focused instance: its other instances are not drawn.
                let mut a = a.clone();
                a.bindings.retain(|b| b.service == service.id);
                a
            })
            .collect();
        (apps, vec![service.clone()])
    } else {
        return None;
    };
    let externals = env
        .externals
        .iter()
        .filter_map(|x| {
            let mut x = x.clone();
            x.used_by.retain(|a| apps.iter().any(|app| &app.id == a));
            (!x.used_by.is_empty()).then_some(x)
        })
        .collect::<Vec<_>>();
    let graph = crate::model::ArchGraph::build(&apps, &services, &externals);
    Some(Environment {
        apps,
        services,
        externals,
        graph,
        ..env.clone()
    })
}

/// The ids of every app and service instance of the model, for an unknown `--focus`.
pub(crate) fn focus_ids(model: &Model) -> Vec<String> {
    let mut ids: Vec<String> = model
        .environments
        .iter()
        .flat_map(|e| {
            e.apps
                .iter()
                .map(|a| a.id.clone())
                .chain(e.services.iter().map(|s| s.id.clone()))
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The service instances of one kind in an aggregated environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KindGroup {
    pub kind: ServiceKind,
    pub count: usize,
    pub user_provided: usize,
    pub overlay: Option<Overlay>,
}

/// Apps that bind the same kinds (each kind critically or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AppGroup {
    /// `g1`, `g2`... in order of first member.
    pub id: String,
    /// Up to [`EXAMPLES`] member names, in model order.
    pub examples: Vec<String>,
    pub count: usize,
    pub overlay: Option<Overlay>,
    /// (kind, bindings of the group's apps to it, critical ones among them, overlay).
    pub edges: Vec<GroupEdge>,
}

impl AppGroup {
    /// The `number`th group, of apps with this signature, still empty.
    fn new(number: usize, signature: &[(ServiceKind, bool)]) -> AppGroup {
        AppGroup {
            id: format!("g{number}"),
            examples: Vec::new(),
            count: 0,
            overlay: None,
            edges: signature
                .iter()
                .map(|(kind, _)| GroupEdge {
                    kind: *kind,
                    bindings: 0,
                    critical: 0,
                    overlay: None,
                })
                .collect(),
        }
    }
}

/// The bindings of a group's apps to the instances of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupEdge {
    pub kind: ServiceKind,
    pub bindings: usize,
    pub critical: usize,
    pub overlay: Option<Overlay>,
}

/// How many member names a group shows.
pub(crate) const EXAMPLES: usize = 3;

/// An environment drawn aggregated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Aggregate {
    pub kinds: Vec<KindGroup>,
    pub app_groups: Vec<AppGroup>,
    /// The environment's full counts, for the label.
    pub apps: usize,
    pub services: usize,
}

impl Aggregate {
    /// Groups `env`, with each group's overlay the worst of its members' (under `overlay`).
    pub(crate) fn of(env: &Environment, overlay: Option<&EnvOverlay>) -> Aggregate {
        // Apps by their signature: the kinds they bind, each with "any critical". Each
        // instance's kind is read from one small array, once per binding.
        let kind_of: Vec<ServiceKind> = env.services.iter().map(|s| s.kind).collect();
        let mut groups: Vec<AppGroup> = Vec::new();
        let mut by_signature: foldhash::HashMap<Signature, usize> = Default::default();
        let mut binding_kinds: Vec<Option<ServiceKind>> = Vec::new();
        for (ai, app) in env.apps.iter().enumerate() {
            binding_kinds.clear();
            binding_kinds
                .extend((env.graph.binding_targets(ai).iter()).map(|t| t.map(|si| kind_of[si])));
            let index = *by_signature
                .entry(Signature::of(app, &binding_kinds))
                .or_insert_with(|| {
                    groups.push(AppGroup::new(
                        groups.len() + 1,
                        &signature(app, &binding_kinds),
                    ));
                    groups.len() - 1
                });
            let g = &mut groups[index];
            g.count += 1;
            if g.examples.len() < EXAMPLES {
                g.examples.push(app.name.clone());
            }
            if let Some(o) = overlay {
                g.overlay = Some(worst(g.overlay, o.app(&app.id)));
            }
            for (b, kind) in app.bindings.iter().zip(&binding_kinds) {
                let Some(kind) = kind else {
                    continue;
                };
                if let Some(e) = g.edges.iter_mut().find(|e| e.kind == *kind) {
                    e.bindings += 1;
                    e.critical += usize::from(b.critical);
                    if let Some(o) = overlay {
                        e.overlay = Some(worst(e.overlay, o.binding(&app.id, &b.service)));
                    }
                }
            }
        }
        Aggregate {
            kinds: kind_groups(env, overlay),
            app_groups: groups,
            apps: env.apps.len(),
            services: env.services.len(),
        }
    }
}

/// The instances of `env` grouped by kind, in the kinds' order.
fn kind_groups(env: &Environment, overlay: Option<&EnvOverlay>) -> Vec<KindGroup> {
    let mut kinds: BTreeMap<ServiceKind, KindGroup> = BTreeMap::new();
    for s in &env.services {
        let g = kinds.entry(s.kind).or_insert(KindGroup {
            kind: s.kind,
            count: 0,
            user_provided: 0,
            overlay: None,
        });
        g.count += 1;
        g.user_provided += usize::from(s.user_provided);
        if let Some(o) = overlay {
            g.overlay = Some(worst(g.overlay, o.service(&s.id)));
        }
    }
    kinds.into_values().collect()
}

/// [`signature`] as two sets of kinds, a bit a kind: the kinds bound, and those bound
/// critically. Hashed for every app of every grouped drawing, so it allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Signature {
    bound: u32,
    critical: u32,
}

// Every kind has its bit (`Other` is the last kind).
const _: () = assert!((ServiceKind::Other as u32) < u32::BITS);

impl Signature {
    fn of(app: &App, kinds: &[Option<ServiceKind>]) -> Signature {
        let mut s = Signature {
            bound: 0,
            critical: 0,
        };
        for (b, kind) in app.bindings.iter().zip(kinds) {
            if let Some(kind) = kind {
                let bit = 1 << (*kind as u32);
                s.bound |= bit;
                if b.critical {
                    s.critical |= bit;
                }
            }
        }
        s
    }
}

/// The kinds an app binds, each with whether any of its bindings to that kind is critical,
/// sorted; `kinds` is the kind of each of its bindings' instances (`None`: not in the
/// environment).
fn signature(app: &App, kinds: &[Option<ServiceKind>]) -> Vec<(ServiceKind, bool)> {
    let mut signature: Vec<(ServiceKind, bool)> = Vec::new();
    for (b, kind) in app.bindings.iter().zip(kinds) {
        let Some(kind) = *kind else {
            continue;
        };
        match signature.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, critical)) => *critical |= b.critical,
            None => signature.push((kind, b.critical)),
        }
    }
    signature.sort();
    signature
}

/// The worse of two overlays: a status beats "not checked", and the worse status wins.
fn worst(a: Option<Overlay>, b: Overlay) -> Overlay {
    match (a, b) {
        (None, b) => b,
        (Some(Overlay::NotChecked), b) | (Some(b), Overlay::NotChecked) => b,
        (Some(Overlay::Status(x)), Overlay::Status(y)) => Overlay::Status(Status::worst([x, y])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn focus_on_an_app_keeps_its_instances_and_on_an_instance_its_apps() {
        let m = crate::model::c2_for_tests();
        let staging = m.environment("staging").unwrap();
        let worker = focus(staging, "worker").unwrap();
        assert_eq!(worker.apps.len(), 1);
        assert_eq!(worker.services.len(), worker.apps[0].bindings.len());
        let queue = focus(staging, "queue").unwrap();
        assert_eq!(queue.services.len(), 1);
        assert!(queue.apps.iter().all(|a| a.bindings.len() == 1));
        assert!(queue.apps.len() >= 2, "{:?}", queue.apps);
        assert!(focus(staging, "nope").is_none());
        assert!(!too_large(&[staging]));
    }

    #[test]
    fn aggregate_counts_every_app_and_instance_once() {
        let m = crate::model::c2_for_tests();
        let staging = m.environment("staging").unwrap();
        let a = Aggregate::of(staging, None);
        assert_eq!(
            a.kinds.iter().map(|k| k.count).sum::<usize>(),
            staging.services.len()
        );
        assert_eq!(
            a.app_groups.iter().map(|g| g.count).sum::<usize>(),
            staging.apps.len()
        );
        let bindings: usize = staging.apps.iter().map(|a| a.bindings.len()).sum();
        let drawn: usize = a
            .app_groups
            .iter()
            .flat_map(|g| &g.edges)
            .map(|e| e.bindings)
            .sum();
        assert_eq!(drawn, bindings);
    }
}
