//! Observations: what one source saw of one environment, and whether it saw each part at all.
//!
//! Every source (captured `cf services` / `cf apps` / `cf env` text, the Cloud Controller v3
//! API) produces the same [`Observation`], so verification never cares where evidence came
//! from. The type keeps three states apart everywhere: a part that no given source covers
//! ([`Coverage::NotCovered`], its checks are "not checked"), a part a source should have shown
//! but could not ([`Coverage::Unavailable`], its checks are UNKNOWN), and a part that was seen.

use serde::Serialize;

/// What the sources given for one environment saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Observation {
    /// The model's environment name.
    pub environment: String,
    /// Human labels of the sources, e.g. `cf services (v8) from staging.txt`.
    pub sources: Vec<String>,
    /// Service instances, with their bound apps when the source shows them.
    pub services: Coverage<ServicesSeen>,
    /// Apps with their state, process counts and routes.
    pub apps: Coverage<AppsSeen>,
    /// Each app's own view of its bindings (`cf env APP`'s VCAP_SERVICES), one per app given.
    pub app_envs: Vec<AppEnvSeen>,
    /// The Cloud Controller's GUIDs behind the names, where the API was a source: what audit
    /// events name. In no report.
    #[serde(skip)]
    pub guids: Option<Guids>,
}

/// The GUIDs of a space and of the apps and instances seen in it, by CF name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guids {
    /// The space's GUID.
    pub space: String,
    /// App GUIDs by CF name.
    pub apps: std::collections::BTreeMap<String, String>,
    /// Service instance GUIDs by CF name.
    pub instances: std::collections::BTreeMap<String, String>,
}

/// Whether a part of the environment was observed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "coverage", rename_all = "snake_case")]
pub enum Coverage<T> {
    /// No given source covers this part: its checks are *not checked*.
    #[default]
    NotCovered,
    /// A given source should have shown it and could not: its checks are UNKNOWN.
    Unavailable {
        /// Why, naming the source.
        reason: String,
    },
    /// Seen.
    Seen(T),
}

impl<T> Coverage<T> {
    /// The part, when it was seen.
    pub fn seen(&self) -> Option<&T> {
        match self {
            Coverage::Seen(t) => Some(t),
            _ => None,
        }
    }
}

/// The service instances of a space.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServicesSeen {
    /// Every instance shown, in the source's order.
    pub instances: Vec<ObservedService>,
    /// `None` when bound apps are visible; `Some(reason)` when the source hides them
    /// (`cf services --no-apps`), which makes every binding check UNKNOWN.
    pub bindings_hidden: Option<String>,
    /// Things that could not be read (a garbled line, a missing page). An instance absent from
    /// `instances` may be hidden behind one of these, so its absence is UNKNOWN, not CRITICAL.
    pub gaps: Vec<String>,
}

/// One service instance as seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObservedService {
    /// The instance's CF name.
    pub name: String,
    /// Offering name; `None` for user-provided instances or when the source does not show it.
    pub offering: Option<String>,
    /// Plan name; `None` for user-provided instances or when the source does not show it.
    pub plan: Option<String>,
    /// Broker name, when the source shows it.
    pub broker: Option<String>,
    /// A user-provided instance.
    pub user_provided: bool,
    /// Names of the apps bound to it (ignored when `bindings_hidden`).
    pub bound_apps: Vec<String>,
    /// The last operation, when the source shows one.
    pub last_operation: Option<LastOperation>,
    /// When the binding of each bound app was created, where the source shows it (the API's
    /// `created_at`; no capture shows it).
    pub bound_at: Vec<BoundAt>,
    /// Apps whose binding is still being created (`create in progress`): not in effect yet,
    /// and not among `bound_apps`.
    pub binding_pending: Vec<String>,
}

/// When an app's binding to an instance was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoundAt {
    /// The app's CF name.
    pub app: String,
    /// Seconds since the Unix epoch, on the Cloud Controller's clock; `None` when the source
    /// shows when bindings are made but not when this one was (a `created_at` missing or not
    /// a time), which leaves whether the running app can see it unknown.
    pub at: Option<i64>,
}

/// The last operation on a service instance, e.g. `create succeeded`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastOperation {
    /// `create`, `update` or `delete`.
    pub kind: String,
    /// How far it got.
    pub state: OperationState,
}

/// How far a service instance's last operation got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationState {
    /// Accepted, not started.
    Initial,
    /// Running (`in progress`).
    InProgress,
    /// Done.
    Succeeded,
    /// Failed: the instance may be unusable.
    Failed,
}

impl OperationState {
    /// The words cf prints, e.g. `in progress`.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationState::Initial => "initial",
            OperationState::InProgress => "in progress",
            OperationState::Succeeded => "succeeded",
            OperationState::Failed => "failed",
        }
    }
}

impl std::fmt::Display for LastOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.state.as_str())
    }
}

/// The apps of a space.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AppsSeen {
    /// Every app shown, in the source's order.
    pub apps: Vec<ObservedApp>,
    /// As in [`ServicesSeen::gaps`]: an app absent from `apps` may be hidden behind one.
    pub gaps: Vec<String>,
}

/// One app as seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObservedApp {
    /// The app's CF name.
    pub name: String,
    /// `None` when the source does not show it.
    pub state: Option<AppState>,
    /// Process counts; `None` when the source does not show them (`cf apps --no-stats`).
    pub processes: Option<Vec<ProcessCounts>>,
    /// Routes; `None` when the source does not show them.
    pub routes: Option<Vec<String>>,
    /// The app's deployment that matters now: one in flight, or the last one when it was
    /// canceled.
    pub deployment: DeploymentView,
    /// For each running instance, the latest time its environment can have been fixed (so a
    /// binding created later is not in it): its start, or its process's last update when that
    /// is earlier (an instance Diego restarted after a crash keeps the environment its
    /// process was last started with). Seconds since the Unix epoch on the Cloud Controller's
    /// clock; `None` when the source does not show it (no capture does).
    pub running_since: Option<Vec<i64>>,
    /// Instances STARTING, by process type (those of one type counted together): a shortfall
    /// they may make up is pending. Empty when none start or the source does not show
    /// instance states (no capture does).
    pub starting: std::collections::BTreeMap<String, u32>,
}

/// What a source says of an app's deployments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "deployment", rename_all = "snake_case")]
pub enum DeploymentView {
    /// The source does not show deployments (a capture), or did not need to ask: no process
    /// type of the app is listed twice, which every deployment in flight shows (the Cloud
    /// Controller clones the web process).
    #[default]
    NotShown,
    /// Asked: nothing in flight, and the last deployment was not canceled.
    Settled,
    /// A deployment in flight, or the last one when it was canceled.
    Seen(DeploymentSeen),
    /// The deployments were asked for (a process type listed twice, a deployment's sign, or
    /// an app followed from an earlier round) but could not be read, or the newest one's
    /// status is not understood: the app's instance check cannot be OK.
    Unreadable {
        /// Why, naming the request.
        reason: String,
    },
}

/// One deployment (`/v3/deployments`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploymentSeen {
    /// Its GUID.
    pub guid: String,
    /// Its status.
    pub state: DeploymentState,
    /// `rolling` or `canary`.
    pub strategy: String,
    /// Seconds since it was created, on the Cloud Controller's clock (`None` when that
    /// clock was not readable).
    pub age_secs: Option<u64>,
    /// `status.details.error`: what the Cloud Controller says went wrong, if anything.
    pub error: Option<String>,
    /// Running and desired instances of the processes it created (its `new_processes`),
    /// counted together; `None` when they were not among the app's processes.
    pub new_instances: Option<(u32, u32)>,
    /// `options.web_instances`: the web instances it scales to, when it changes the count.
    pub web_instances: Option<u32>,
}

/// A deployment's status as it matters here: in flight (status value `ACTIVE`, by reason) or
/// finalized as `CANCELED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentState {
    /// Replacing instances.
    Deploying,
    /// A canary deployment waiting for `cf continue-deployment`.
    Paused,
    /// Being rolled back.
    Canceling,
    /// Rolled back (finalized).
    Canceled,
}

impl DeploymentState {
    /// In flight: the app's instances are changing.
    pub fn active(self) -> bool {
        !matches!(self, DeploymentState::Canceled)
    }

    /// The status value, e.g. `DEPLOYING`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentState::Deploying => "DEPLOYING",
            DeploymentState::Paused => "PAUSED",
            DeploymentState::Canceling => "CANCELING",
            DeploymentState::Canceled => "CANCELED",
        }
    }
}

/// An app's requested state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    /// Started (`cf start`).
    Started,
    /// Stopped (`cf stop`).
    Stopped,
}

/// Running and desired instances of one process type, e.g. `web:1/2`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessCounts {
    /// E.g. `web`, `worker`.
    pub process_type: String,
    /// `None` when the source could not tell (`?/2` in cf v6).
    pub running: Option<u32>,
    /// Desired instances.
    pub desired: u32,
}

/// One app's own view of its bindings, from VCAP_SERVICES. Holds instance names only, never
/// credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppEnvSeen {
    /// The CF app name.
    pub app: String,
    /// The instance names in its VCAP_SERVICES.
    pub bound_instances: Coverage<Vec<String>>,
}

impl Observation {
    /// An observation of `environment` that covers nothing yet.
    pub fn new(environment: &str) -> Self {
        Observation {
            environment: environment.to_owned(),
            ..Default::default()
        }
    }

    /// A source that could not be used at all: every part it would have shown is UNKNOWN.
    pub fn unavailable(environment: &str, source: &str, reason: &str) -> Self {
        Observation {
            environment: environment.to_owned(),
            sources: vec![source.to_owned()],
            services: Coverage::Unavailable {
                reason: reason.to_owned(),
            },
            apps: Coverage::Unavailable {
                reason: reason.to_owned(),
            },
            app_envs: Vec::new(),
            guids: None,
        }
    }

    /// Adds another source's view of the same environment. A part seen by one source and
    /// unavailable from another keeps the unavailability (evidence conflicts are not hidden).
    pub fn merge(&mut self, other: Observation) {
        self.sources.extend(other.sources);
        self.services = merge_part(std::mem::take(&mut self.services), other.services);
        self.apps = merge_part(std::mem::take(&mut self.apps), other.apps);
        self.app_envs.extend(other.app_envs);
        if self.guids.is_none() {
            self.guids = other.guids;
        }
    }
}

/// Adds what the API saw (or why it could not be used) to each environment's observation:
/// the one place where API and capture evidence meet, for `verify` and `watch` alike. An API
/// that could not be used at all makes every part it would have shown UNKNOWN, with `reason`.
pub fn merge_api(observations: &mut [Observation], api: Result<Vec<Observation>, String>) {
    match api {
        Ok(seen) => {
            for o in seen {
                if let Some(m) = observations
                    .iter_mut()
                    .find(|m| m.environment == o.environment)
                {
                    m.merge(o);
                }
            }
        }
        Err(e) => {
            let reason = format!("the Cloud Controller API could not be used: {e}");
            for m in observations.iter_mut() {
                let unavailable = Observation::unavailable(
                    &m.environment,
                    "Cloud Controller v3 API (failed)",
                    &reason,
                );
                m.merge(unavailable);
            }
        }
    }
}

fn merge_part<T: Reconcile>(a: Coverage<T>, b: Coverage<T>) -> Coverage<T> {
    match (a, b) {
        (Coverage::NotCovered, x) | (x, Coverage::NotCovered) => x,
        (Coverage::Unavailable { reason: r1 }, Coverage::Unavailable { reason: r2 }) => {
            Coverage::Unavailable {
                reason: format!("{r1}; {r2}"),
            }
        }
        (u @ Coverage::Unavailable { .. }, _) | (_, u @ Coverage::Unavailable { .. }) => u,
        (Coverage::Seen(a), Coverage::Seen(b)) => Coverage::Seen(T::reconcile(a, b)),
    }
}

/// Two sources that saw the same part (a capture and the live API). What they agree on is
/// kept; an item they disagree on, or that only one of them saw, is left out with a gap, so
/// its checks are UNKNOWN: neither source silently wins. A field one source does not show
/// (`None`, e.g. the broker in cf v6.34) is not a disagreement.
trait Reconcile {
    fn reconcile(a: Self, b: Self) -> Self;
}

/// Agrees when equal or when one side does not show the field; returns the shown value.
fn agree<T: PartialEq + Clone>(a: &Option<T>, b: &Option<T>) -> Option<Option<T>> {
    match (a, b) {
        (Some(x), Some(y)) if x != y => None,
        (Some(x), _) | (_, Some(x)) => Some(Some(x.clone())),
        (None, None) => Some(None),
    }
}

/// The list of the source that shows one (the first when both do).
fn either<T: Clone>(a: &[T], b: &[T]) -> Vec<T> {
    if a.is_empty() { b } else { a }.to_vec()
}

/// Pairs items by name; calls `combine` on pairs and records a gap for everything else.
fn reconcile_by_name<T: Clone>(
    what: &str,
    a: Vec<T>,
    b: Vec<T>,
    name: impl Fn(&T) -> &str,
    combine: impl Fn(&T, &T) -> Option<T>,
    gaps: &mut Vec<String>,
) -> Vec<T> {
    let mut out = Vec::new();
    for x in &a {
        match b.iter().find(|y| crate::cf_name::same(name(y), name(x))) {
            Some(y) => match combine(x, y) {
                Some(z) => out.push(z),
                None => gaps.push(format!("the sources disagree about {what} `{}`", name(x))),
            },
            None => gaps.push(format!(
                "{what} `{}` was seen by one source but not the other",
                name(x)
            )),
        }
    }
    for y in &b {
        if !a.iter().any(|x| crate::cf_name::same(name(x), name(y))) {
            gaps.push(format!(
                "{what} `{}` was seen by one source but not the other",
                name(y)
            ));
        }
    }
    out
}

impl Reconcile for ServicesSeen {
    fn reconcile(a: Self, b: Self) -> Self {
        let mut gaps = a.gaps;
        gaps.extend(b.gaps);
        // Bound apps count only from a source that shows them.
        let (a_shows, b_shows) = (a.bindings_hidden.is_none(), b.bindings_hidden.is_none());
        let bindings_hidden = match (a.bindings_hidden, b.bindings_hidden) {
            (Some(r1), Some(r2)) => Some(format!("{r1}; {r2}")),
            _ => None,
        };
        let instances = reconcile_by_name(
            "instance",
            a.instances,
            b.instances,
            |s| s.name.as_str(),
            |x, y| {
                let bound_apps = match (a_shows, b_shows) {
                    (true, true) => {
                        let mut xs = x.bound_apps.clone();
                        let mut ys = y.bound_apps.clone();
                        xs.sort();
                        ys.sort();
                        if xs != ys {
                            return None;
                        }
                        x.bound_apps.clone()
                    }
                    (true, false) => x.bound_apps.clone(),
                    (false, true) => y.bound_apps.clone(),
                    (false, false) => Vec::new(),
                };
                if x.user_provided != y.user_provided {
                    return None;
                }
                Some(ObservedService {
                    name: x.name.clone(),
                    offering: agree(&x.offering, &y.offering)?,
                    plan: agree(&x.plan, &y.plan)?,
                    // No check reads the broker; sources name it differently (cf v6.34
                    // shows none), so it is informative only and never a disagreement.
                    broker: x.broker.clone().or_else(|| y.broker.clone()),
                    user_provided: x.user_provided,
                    bound_apps,
                    last_operation: agree(&x.last_operation, &y.last_operation)?,
                    // Only the API shows these; a capture's empty lists say nothing.
                    bound_at: either(&x.bound_at, &y.bound_at),
                    binding_pending: either(&x.binding_pending, &y.binding_pending),
                })
            },
            &mut gaps,
        );
        ServicesSeen {
            instances,
            bindings_hidden,
            gaps,
        }
    }
}

impl Reconcile for AppsSeen {
    fn reconcile(a: Self, b: Self) -> Self {
        let mut gaps = a.gaps;
        gaps.extend(b.gaps);
        let apps = reconcile_by_name(
            "app",
            a.apps,
            b.apps,
            |x| x.name.as_str(),
            |x, y| {
                let sorted = |r: &Option<Vec<String>>| {
                    r.clone().map(|mut v| {
                        v.sort();
                        v
                    })
                };
                agree(&sorted(&x.routes), &sorted(&y.routes))?;
                // The cf CLI lists two processes of one type (during a deployment) in no
                // particular order.
                let in_order = |p: &Option<Vec<ProcessCounts>>| {
                    p.clone().map(|mut v| {
                        v.sort_by(|a, b| {
                            (&a.process_type, a.desired, a.running).cmp(&(
                                &b.process_type,
                                b.desired,
                                b.running,
                            ))
                        });
                        v
                    })
                };
                agree(&in_order(&x.processes), &in_order(&y.processes))?;
                let deployment = match (&x.deployment, &y.deployment) {
                    (DeploymentView::NotShown, d) | (d, DeploymentView::NotShown) => d.clone(),
                    (a, b) if a == b => a.clone(),
                    _ => return None,
                };
                Some(ObservedApp {
                    name: x.name.clone(),
                    state: agree(&x.state, &y.state)?,
                    processes: x.processes.clone().or_else(|| y.processes.clone()),
                    routes: x.routes.clone().or_else(|| y.routes.clone()),
                    deployment,
                    running_since: x.running_since.clone().or_else(|| y.running_since.clone()),
                    starting: if x.starting.is_empty() {
                        y.starting.clone()
                    } else {
                        x.starting.clone()
                    },
                })
            },
            &mut gaps,
        );
        AppsSeen { apps, gaps }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(name: &str, bound: &[&str], op: Option<OperationState>) -> ObservedService {
        ObservedService {
            name: name.into(),
            offering: Some("redis".into()),
            plan: Some("standard".into()),
            bound_apps: bound.iter().map(|s| s.to_string()).collect(),
            last_operation: op.map(|state| LastOperation {
                kind: "create".into(),
                state,
            }),
            ..Default::default()
        }
    }

    fn obs(instances: Vec<ObservedService>, hidden: bool) -> Observation {
        Observation {
            environment: "staging".into(),
            sources: vec!["s".into()],
            services: Coverage::Seen(ServicesSeen {
                instances,
                bindings_hidden: hidden.then(|| "--no-apps".to_owned()),
                gaps: vec![],
            }),
            ..Default::default()
        }
    }

    #[test]
    fn agreeing_sources_merge_and_fill_what_one_does_not_show() {
        let mut a = obs(vec![svc("redis", &["web", "worker"], None)], false);
        a.merge(obs(
            vec![svc(
                "redis",
                &["worker", "web"],
                Some(OperationState::Succeeded),
            )],
            false,
        ));
        let seen = a.services.seen().unwrap();
        assert!(seen.gaps.is_empty(), "{:?}", seen.gaps);
        assert_eq!(seen.instances.len(), 1);
        assert_eq!(
            seen.instances[0].last_operation.as_ref().unwrap().state,
            OperationState::Succeeded
        );
    }

    #[test]
    fn disagreeing_sources_leave_the_item_out_with_a_gap() {
        // A capture says the worker lost its queue binding; the API says it is bound.
        let mut a = obs(
            vec![svc("redis", &["web"], None), svc("db", &["web"], None)],
            false,
        );
        a.merge(obs(
            vec![
                svc("redis", &["web", "worker"], None),
                svc("db", &["web"], None),
            ],
            false,
        ));
        let seen = a.services.seen().unwrap();
        assert_eq!(seen.instances.len(), 1, "only db, on which they agree");
        assert_eq!(seen.instances[0].name, "db");
        assert!(
            seen.gaps
                .iter()
                .any(|g| g.contains("disagree") && g.contains("redis"))
        );
    }

    #[test]
    fn an_item_only_one_source_saw_is_a_gap() {
        let mut a = obs(vec![svc("redis", &[], None)], false);
        a.merge(obs(vec![], false));
        let seen = a.services.seen().unwrap();
        assert!(seen.instances.is_empty());
        assert!(seen.gaps.iter().any(|g| g.contains("one source")));
    }

    #[test]
    fn bound_apps_come_from_the_source_that_shows_them() {
        let mut a = obs(vec![svc("redis", &[], None)], true);
        a.merge(obs(vec![svc("redis", &["web"], None)], false));
        let seen = a.services.seen().unwrap();
        assert!(seen.bindings_hidden.is_none());
        assert_eq!(seen.instances[0].bound_apps, ["web"]);
        assert!(seen.gaps.is_empty());
    }
}

pub mod api;
pub(crate) mod capture;
pub mod cf_text;
