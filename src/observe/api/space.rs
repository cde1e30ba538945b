//! One environment's space: what identifies it ([`SpaceRef`]), and the mapping of the Cloud
//! Controller's lists to its [`Observation`] ([`map_services`], [`map_apps`]), whichever
//! requests brought them (see [`super::batch`]).
//!
//! A part with any request that failed is `Unavailable` with the reason, never seen with
//! partial data; bindings that could not be read leave the instances seen but the bindings
//! hidden (their checks UNKNOWN).

use super::client::Target;
use super::error::ApiError;
use super::resources::{
    App, BindingIncluded, CredentialBinding, Deployment, InstanceIncluded, InstanceState, Offering,
    Plan, Process, Route, ServiceInstance,
};
use crate::observe::{
    AppState, AppsSeen, BoundAt, Coverage, DeploymentSeen, DeploymentState, DeploymentView,
    LastOperation, Observation, ObservedApp, ObservedService, OperationState, ProcessCounts,
    ServicesSeen,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// `per_page` of every list.
pub(crate) const PER_PAGE: &str = "5000";

/// The three `fields[...]` parameters that name plan, offering and broker in one request.
pub(crate) const SERVICE_FIELDS: [(&str, &str); 3] = [
    (
        "fields[service_plan]",
        "guid,name,relationships.service_offering",
    ),
    (
        "fields[service_plan.service_offering]",
        "guid,name,relationships.service_broker",
    ),
    (
        "fields[service_plan.service_offering.service_broker]",
        "guid,name",
    ),
];

/// What identifies an environment's space.
#[derive(Debug, Clone)]
pub(crate) struct SpaceRef {
    pub environment: String,
    pub org: String,
    pub space: String,
    /// Apps whose deployments to read whatever their processes show ([`super::ApiOptions::follow`]).
    pub follow: Vec<String>,
    /// The CF names of the service instances the model gives the environment: one another
    /// space of the batch owns is looked up for being shared into this one.
    pub services: Vec<String>,
}

/// `Cloud Controller https://api.example.org (space cap/staging)`.
pub(crate) fn source_label(target: &Target, space: &SpaceRef) -> String {
    format!(
        "Cloud Controller {} (space {}/{})",
        target.show_url(&target.base).trim_end_matches('/'),
        space.org,
        space.space
    )
}

pub(crate) fn unavailable(mut obs: Observation, reason: &str) -> Observation {
    obs.services = Coverage::Unavailable {
        reason: reason.to_owned(),
    };
    obs.apps = Coverage::Unavailable {
        reason: reason.to_owned(),
    };
    obs
}

fn operation_state(s: &str) -> Option<OperationState> {
    match s {
        "initial" => Some(OperationState::Initial),
        "in progress" => Some(OperationState::InProgress),
        "succeeded" => Some(OperationState::Succeeded),
        "failed" => Some(OperationState::Failed),
        _ => None,
    }
}

/// Instances with plan, offering, broker, last operation and the names of the apps *of this
/// space* bound to them. Service keys never count; neither do apps of other spaces bound to
/// an instance shared with them, nor bindings not (yet, or no longer) in effect.
pub(crate) fn map_services(
    space_guid: &str,
    instances: Vec<ServiceInstance>,
    included: &[InstanceIncluded],
    bindings: Result<(Vec<CredentialBinding>, Vec<BindingIncluded>), ApiError>,
) -> ServicesSeen {
    let catalog = Catalog::of(included);
    let mut bound = match bindings {
        Err(e) => Bound {
            hidden: Some(format!("service bindings could not be read: {e}")),
            ..Bound::default()
        },
        Ok((bindings, included)) => Bound::of(space_guid, &bindings, &included),
    };
    let mut gaps = Vec::new();
    let mut out: Vec<ObservedService> = instances
        .into_iter()
        .filter_map(|i| observed_service(i, &catalog, &mut bound, &mut gaps))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    gaps.sort();
    ServicesSeen {
        instances: out,
        bindings_hidden: bound.hidden,
        gaps,
    }
}

/// The plans, offerings and brokers an instance list included, by GUID.
struct Catalog<'a> {
    plans: HashMap<&'a str, &'a Plan>,
    offerings: HashMap<&'a str, &'a Offering>,
    brokers: HashMap<&'a str, &'a str>,
}

impl<'a> Catalog<'a> {
    fn of(included: &'a [InstanceIncluded]) -> Catalog<'a> {
        Catalog {
            plans: (included.iter().flat_map(|i| &i.service_plans))
                .map(|p| (p.guid.as_str(), p))
                .collect(),
            offerings: (included.iter().flat_map(|i| &i.service_offerings))
                .map(|o| (o.guid.as_str(), o))
                .collect(),
            brokers: (included.iter().flat_map(|i| &i.service_brokers))
                .map(|b| (b.guid.as_str(), b.name.as_str()))
                .collect(),
        }
    }
}

/// The apps of the space bound to each instance (by instance GUID): in effect, with when the
/// binding was made, or still being created (pending); and why bindings are hidden, if they
/// are.
#[derive(Default)]
struct Bound {
    apps: HashMap<String, BTreeSet<String>>,
    at: HashMap<String, Vec<BoundAt>>,
    pending: HashMap<String, BTreeSet<String>>,
    hidden: Option<String>,
}

impl Bound {
    fn of(space_guid: &str, bindings: &[CredentialBinding], included: &[BindingIncluded]) -> Bound {
        let apps: HashMap<&str, _> = included
            .iter()
            .flat_map(|i| &i.apps)
            .map(|a| (a.guid.as_str(), a))
            .collect();
        let mut bound = Bound::default();
        let mut unattributed = Vec::new();
        // A binding still being created, failed or being deleted gives the app nothing;
        // one being created is pending.
        for b in bindings
            .iter()
            .filter(|b| b.kind == "app" && (b.in_effect() || b.being_created()))
        {
            let Some(instance) = b.relationships.service_instance.guid() else {
                unattributed.push(b.guid.clone());
                continue;
            };
            let app = b
                .relationships
                .app
                .as_ref()
                .and_then(|a| a.guid())
                .and_then(|g| apps.get(g));
            match app {
                Some(app) => match app.relationships.space.guid() {
                    Some(g) if g == space_guid && !b.in_effect() => {
                        bound
                            .pending
                            .entry(instance.to_owned())
                            .or_default()
                            .insert(app.name.clone());
                    }
                    Some(g) if g == space_guid => bound.add(instance, b, &app.name),
                    Some(_) => {} // an app of another space (a shared instance)
                    None => unattributed.push(b.guid.clone()),
                },
                None => unattributed.push(b.guid.clone()),
            }
        }
        if !unattributed.is_empty() {
            unattributed.sort();
            bound.hidden = Some(format!(
                "the app or its space of binding(s) {} was not in the answer",
                unattributed.join(", ")
            ));
        }
        bound
    }

    /// A binding in effect of `app` to `instance`.
    fn add(&mut self, instance: &str, b: &CredentialBinding, app: &str) {
        self.apps
            .entry(instance.to_owned())
            .or_default()
            .insert(app.to_owned());
        let at = b
            .created_at
            .as_deref()
            .and_then(crate::time_format::parse_rfc3339);
        self.at
            .entry(instance.to_owned())
            .or_default()
            .push(BoundAt {
                app: app.to_owned(),
                at,
            });
    }
}

/// One instance as observed, with its bound apps taken from `bound`; `None`, with a gap, when
/// its last operation is missing or not understood.
fn observed_service(
    i: ServiceInstance,
    catalog: &Catalog,
    bound: &mut Bound,
    gaps: &mut Vec<String>,
) -> Option<ObservedService> {
    let user_provided = i.kind == "user-provided";
    let plan = i
        .relationships
        .service_plan
        .as_ref()
        .and_then(|p| p.guid())
        .and_then(|g| catalog.plans.get(g));
    let offering = plan
        .and_then(|p| p.relationships.service_offering.guid())
        .and_then(|g| catalog.offerings.get(g));
    let broker = offering
        .and_then(|o| o.relationships.service_broker.guid())
        .and_then(|g| catalog.brokers.get(g));
    if !user_provided && (plan.is_none() || offering.is_none()) {
        gaps.push(format!(
            "service instance `{}`: plan or offering not in the answer",
            i.name
        ));
    }
    let last_operation = match last_operation(&i) {
        Ok(op) => op,
        Err(gap) => {
            gaps.push(gap);
            return None;
        }
    };
    Some(ObservedService {
        bound_apps: bound
            .apps
            .remove(&i.guid)
            .map(|s| s.into_iter().collect())
            .unwrap_or_default(),
        name: i.name,
        offering: offering.map(|o| o.name.clone()),
        plan: plan.map(|p| p.name.clone()),
        broker: broker.map(|b| (*b).to_owned()),
        user_provided,
        last_operation,
        bound_at: bound.at.remove(&i.guid).unwrap_or_default(),
        binding_pending: bound
            .pending
            .remove(&i.guid)
            .map(|s| s.into_iter().collect())
            .unwrap_or_default(),
    })
}

/// An instance's last operation: `None` for `{}` (none recorded). A missing or null field is
/// not that: the Cloud Controller always sends one, and the instance kept without an operation
/// would pass the operation check unseen, so it is a gap, and so is an operation not
/// understood (as the text parsers leave out a row they cannot read).
fn last_operation(i: &ServiceInstance) -> Result<Option<LastOperation>, String> {
    let Some(op) = i.last_operation.as_ref() else {
        return Err(format!(
            "service instance `{}`: the answer has no `last_operation` (the Cloud Controller sends `{{}}` when there is none)",
            i.name
        ));
    };
    if op.kind.is_empty() && op.state.is_empty() {
        return Ok(None);
    }
    match operation_state(&op.state) {
        Some(state) if !op.kind.is_empty() => Ok(Some(LastOperation {
            kind: op.kind.clone(),
            state,
        })),
        _ => Err(format!(
            "service instance `{}`: last operation `{} {}` not understood",
            i.name, op.kind, op.state
        )),
    }
}

// ---- apps ----

/// The GUIDs of the apps whose deployments are worth a request: those with a process type
/// listed twice (every deployment in flight clones the web process, and nothing else does)
/// and those followed. Sorted, so the request is the same for the same space.
pub(crate) fn deployment_apps(
    apps: &[App],
    processes: &[Dated<Process>],
    follow: &[String],
) -> Vec<String> {
    let mut types: HashSet<(&str, &str)> = HashSet::new();
    let mut out: BTreeSet<String> = BTreeSet::new();
    for (p, _) in processes {
        if let Some(app) = p.relationships.app.guid()
            && !types.insert((app, p.kind.as_str()))
        {
            out.insert(app.to_owned());
        }
    }
    for a in apps {
        if follow.iter().any(|f| crate::cf_name::same(f, &a.name)) {
            out.insert(a.guid.clone());
        }
    }
    out.into_iter().collect()
}

/// A resource with the server's time of the answer it came in.
pub(crate) type Dated<T> = (T, i64);

/// The deployments read for some apps: their GUIDs, and the answer.
pub(crate) type AskedDeployments<'a> = (&'a [String], Result<Vec<Dated<Deployment>>, ApiError>);

/// Apps with state, processes (web first, then by type), routes, the deployment that matters
/// (when deployments were read: the apps asked about with the answer, `None` when no app
/// needed it) and when each running instance's environment was fixed.
pub(crate) fn map_apps(
    apps: Vec<App>,
    processes: Vec<Dated<Process>>,
    routes: Vec<Route>,
    deployments: Option<AskedDeployments>,
) -> AppsSeen {
    let mut procs: HashMap<String, Vec<ProcessCounts>> = HashMap::new();
    let mut since: HashMap<String, Option<Vec<i64>>> = HashMap::new();
    let mut counts_of: HashMap<String, ProcessCounts> = HashMap::new();
    let mut starting: HashMap<String, BTreeMap<String, u32>> = HashMap::new();
    for (p, now) in processes {
        let Some(app) = p.relationships.app.guid() else {
            continue;
        };
        let running = p.process_instances.as_ref().map(|v| running(v));
        let counts = ProcessCounts {
            process_type: p.kind.clone(),
            running: if p.instances == 0 { Some(0) } else { running },
            desired: p.instances,
        };
        counts_of.insert(p.guid.clone(), counts.clone());
        let n = p.process_instances.as_ref().map_or(0, |v| {
            v.iter().filter(|i| i.state == "STARTING").count() as u32
        });
        if n > 0 {
            *starting
                .entry(app.to_owned())
                .or_default()
                .entry(p.kind.clone())
                .or_default() += n;
        }
        procs.entry(app.to_owned()).or_default().push(counts);
        let fixed = environment_fixed(&p, now);
        let entry = since.entry(app.to_owned()).or_insert(Some(Vec::new()));
        *entry = entry.take().zip(fixed).map(|(mut all, more)| {
            all.extend(more);
            all
        });
    }
    let mut app_routes: HashMap<String, BTreeSet<String>> = HashMap::new();
    for r in routes {
        for d in &r.destinations {
            app_routes
                .entry(d.app.guid.clone())
                .or_default()
                .insert(r.url.clone());
        }
    }
    let mut gaps = Vec::new();
    let (mut views, unreadable, asked) = match deployments {
        None => (HashMap::new(), None, &[][..]),
        Some((asked, Ok(list))) => (deployment_views(list, &counts_of, &mut gaps), None, asked),
        Some((asked, Err(e))) => (HashMap::new(), Some(format!("deployments: {e}")), asked),
    };
    let mut seen: BTreeMap<String, ObservedApp> = BTreeMap::new();
    for a in apps {
        let state = match a.state.as_str() {
            "STARTED" => Some(AppState::Started),
            "STOPPED" => Some(AppState::Stopped),
            other => {
                gaps.push(format!("app `{}`: state `{other}` not understood", a.name));
                None
            }
        };
        let mut processes = procs.remove(&a.guid).unwrap_or_default();
        processes.sort_by(|x, y| {
            (x.process_type != "web", &x.process_type)
                .cmp(&(y.process_type != "web", &y.process_type))
        });
        let repeated = processes
            .windows(2)
            .any(|w| w[0].process_type == w[1].process_type);
        let deployment = match (views.remove(&a.guid), &unreadable) {
            (Some(v), _) => v,
            // Asked (a sign, or followed from a round that saw one) and not answered.
            (None, Some(reason)) if repeated || asked.contains(&a.guid) => {
                DeploymentView::Unreadable {
                    reason: reason.clone(),
                }
            }
            // Asked (a sign, or followed) and nothing in flight or canceled.
            (None, None) if repeated => DeploymentView::Settled,
            (None, _) => DeploymentView::NotShown,
        };
        let routes = app_routes
            .remove(&a.guid)
            .map(|s| s.into_iter().collect())
            .unwrap_or_default();
        seen.insert(
            a.name.clone(),
            ObservedApp {
                name: a.name,
                state,
                processes: Some(processes),
                routes: Some(routes),
                deployment,
                running_since: since.remove(&a.guid).unwrap_or(Some(Vec::new())),
                starting: starting.remove(&a.guid).unwrap_or_default(),
            },
        );
    }
    AppsSeen {
        apps: seen.into_values().collect(),
        gaps,
    }
}

/// For each running instance of a process, the latest time its environment can have been
/// fixed: its start (`now` minus `since` of the embedded instance, or minus `uptime` of the
/// stats), or the process's `updated_at` when earlier (every start of a process updates it;
/// an instance Diego restarts after a crash keeps the environment of that start). `None`
/// when a running instance does not say how long it has run.
fn environment_fixed(p: &Process, now: i64) -> Option<Vec<i64>> {
    let updated = p
        .updated_at
        .as_deref()
        .and_then(crate::time_format::parse_rfc3339);
    if p.instances == 0 {
        return Some(Vec::new());
    }
    p.process_instances
        .as_ref()?
        .iter()
        .filter(|i| i.state == "RUNNING")
        .map(|i| {
            let secs = i
                .since
                .or(i.uptime)
                .filter(|s| s.is_finite() && *s >= 0.0)?;
            let started = now - secs as i64;
            Some(updated.map_or(started, |u| u.min(started)))
        })
        .collect()
}

/// What the deployments (newest first) say of each app: its newest one when in flight or
/// canceled, else settled.
fn deployment_views(
    list: Vec<Dated<Deployment>>,
    counts_of: &HashMap<String, ProcessCounts>,
    gaps: &mut Vec<String>,
) -> HashMap<String, DeploymentView> {
    let mut views: HashMap<String, DeploymentView> = HashMap::new();
    let mut newest: HashMap<String, (Option<i64>, Deployment, i64)> = HashMap::new();
    for (d, now) in list {
        let Some(app) = d.relationships.app.guid().map(str::to_owned) else {
            gaps.push(format!("deployment `{}`: no app in the answer", d.guid));
            continue;
        };
        let created = d
            .created_at
            .as_deref()
            .and_then(crate::time_format::parse_rfc3339);
        // The list is asked newest first; the order is checked rather than trusted.
        let newer = newest
            .get(&app)
            .is_none_or(|(c, _, _)| created.zip(*c).is_some_and(|(x, y)| x > y));
        if newer {
            newest.insert(app, (created, d, now));
        }
    }
    for (app, (created, d, now)) in newest {
        let reason = d
            .status
            .reason
            .as_deref()
            .unwrap_or(d.status.value.as_str());
        let state = match (d.status.value.as_str(), reason) {
            ("ACTIVE", "DEPLOYING") => DeploymentState::Deploying,
            ("ACTIVE", "PAUSED") => DeploymentState::Paused,
            ("ACTIVE", "CANCELING") => DeploymentState::Canceling,
            ("FINALIZED", "CANCELED") => DeploymentState::Canceled,
            ("FINALIZED", "DEPLOYED" | "SUPERSEDED") => {
                views.insert(app, DeploymentView::Settled);
                continue;
            }
            (value, reason) => {
                views.insert(
                    app,
                    DeploymentView::Unreadable {
                        reason: format!(
                            "deployment `{}`: status `{value}` with reason `{reason}` not understood",
                            d.guid
                        ),
                    },
                );
                continue;
            }
        };
        let new: Vec<&ProcessCounts> = d
            .new_processes
            .iter()
            .filter_map(|p| counts_of.get(&p.guid))
            .collect();
        let new_instances = (!new.is_empty()).then(|| {
            new.iter().fold((0, 0), |(r, w), p| {
                (r + p.running.unwrap_or(0), w + p.desired)
            })
        });
        views.insert(
            app,
            DeploymentView::Seen(DeploymentSeen {
                guid: d.guid,
                state,
                strategy: d.strategy.unwrap_or_else(|| "rolling".to_owned()),
                age_secs: created.map(|c| now.saturating_sub(c).max(0) as u64),
                error: d
                    .status
                    .details
                    .and_then(|x| x.error)
                    .filter(|e| !e.is_empty()),
                new_instances,
                web_instances: d.options.and_then(|o| o.web_instances),
            }),
        );
    }
    views
}

fn running(instances: &[InstanceState]) -> u32 {
    instances.iter().filter(|i| i.state == "RUNNING").count() as u32
}
