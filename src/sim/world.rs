//! The simulated foundation's state, built from a model: organizations, spaces, apps with their
//! `web` process and instances, domains and routes, the service catalog (brokers, offerings,
//! plans), service instances, and credential bindings (app bindings, plus one service key).
//!
//! Every GUID is derived from the model (see [`super::ids`]), so a world is the same on every
//! run. Scenarios and faults change a world through the small mutators at the end.
//!
//! A world also plays deployments over time ([`Rollout`]): [`World::advance`] brings the
//! processes and deployments of each one in flight to where it is at a given time, so the
//! same world answers differently as the simulator's clock moves.
//!
//! A batch of faults deletes instances and bindings without taking them out of the lists one
//! by one (each would move and re-index the whole list): they are marked removed, every lookup
//! skips them, and [`World::settle`] takes them out once, at the end of the batch.

use super::ids::{EPOCH_START, STARTED, guid};
use crate::model::Model;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct Org {
    pub guid: String,
    pub name: String,
    pub created: i64,
}

#[derive(Debug, Clone)]
pub struct Space {
    pub guid: String,
    pub name: String,
    pub org_guid: String,
    pub created: i64,
}

/// An app's requested state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppState {
    Started,
    Stopped,
}

impl AppState {
    pub fn as_str(self) -> &'static str {
        match self {
            AppState::Started => "STARTED",
            AppState::Stopped => "STOPPED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimApp {
    pub guid: String,
    pub name: String,
    pub space_guid: String,
    pub state: AppState,
    pub buildpacks: Vec<String>,
    pub stack: String,
    /// Its current droplet's GUID.
    pub droplet: String,
    pub created: i64,
}

#[derive(Debug, Clone)]
pub struct Process {
    pub guid: String,
    pub app_guid: String,
    pub kind: String,
    pub instances: u32,
    pub memory_mb: u64,
    pub disk_mb: u64,
    pub health_check: String,
    pub health_check_endpoint: Option<String>,
    pub command: Option<String>,
    /// The state of each instance, by index: `RUNNING`, `CRASHED`, `DOWN`, `STARTING`.
    pub states: Vec<&'static str>,
    /// When each instance entered its state, by index (seconds since the epoch).
    pub since: Vec<i64>,
    pub created: i64,
    /// Its last change: every start of the process sets it.
    pub updated: i64,
}

#[derive(Debug, Clone)]
pub struct Domain {
    pub guid: String,
    pub name: String,
    pub created: i64,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub guid: String,
    pub host: String,
    pub path: String,
    pub domain_guid: String,
    pub url: String,
    pub space_guid: String,
    /// Destination app GUIDs (each to its `web` process).
    pub app_guids: Vec<String>,
    pub created: i64,
}

#[derive(Debug, Clone)]
pub struct Broker {
    pub guid: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Offering {
    pub guid: String,
    pub name: String,
    pub description: String,
    pub broker_guid: String,
    pub created: i64,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub guid: String,
    pub name: String,
    pub offering_guid: String,
    pub created: i64,
}

/// A service instance's last operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastOperation {
    /// `create`, `update` or `delete`.
    pub kind: &'static str,
    /// `initial`, `in progress`, `succeeded` or `failed`.
    pub state: &'static str,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub guid: String,
    pub name: String,
    pub space_guid: String,
    /// `None` for user-provided instances.
    pub plan_guid: Option<String>,
    pub last_operation: LastOperation,
    /// Spaces this instance is shared into.
    pub shared_space_guids: Vec<String>,
    pub created: i64,
}

impl Instance {
    pub fn user_provided(&self) -> bool {
        self.plan_guid.is_none()
    }
}

/// What a credential binding binds to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingTarget {
    /// An app binding (type `app`).
    App(String),
    /// A service key (type `key`).
    Key,
}

#[derive(Debug, Clone)]
pub struct CredentialBinding {
    pub guid: String,
    /// Service keys have names; app bindings usually do not.
    pub name: Option<String>,
    pub target: BindingTarget,
    pub instance_guid: String,
    /// `(type, state)` of its last operation, e.g. `("create", "succeeded")`.
    pub last_operation: (&'static str, &'static str),
    pub created: i64,
}

impl CredentialBinding {
    /// Whether the app gets it (the Cloud Controller's rule: `create succeeded`).
    pub fn in_effect(&self) -> bool {
        self.last_operation == ("create", "succeeded")
    }
}

/// A deployment (`/v3/deployments`).
#[derive(Debug, Clone)]
pub struct Deployment {
    pub guid: String,
    pub app_guid: String,
    /// `rolling` or `canary`.
    pub strategy: &'static str,
    /// `DEPLOYING`, `PAUSED`, `CANCELING`, `DEPLOYED` or `CANCELED`.
    pub state: &'static str,
    /// `ACTIVE` or `FINALIZED`.
    pub status_value: &'static str,
    pub status_reason: &'static str,
    pub droplet_guid: String,
    pub previous_droplet_guid: String,
    /// The web process it created.
    pub new_process_guid: String,
    pub created: i64,
    pub updated: i64,
}

/// Who or what an audit event says acted, or what it acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventParty {
    pub guid: String,
    /// `user`, `process`, `app`, `service_binding`, `service_instance`, ...
    pub kind: String,
    pub name: String,
}

/// An audit event (`/v3/audit_events`), as the Cloud Controller's event repositories record
/// them.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub guid: String,
    /// e.g. `audit.service_binding.delete`.
    pub kind: &'static str,
    pub actor: EventParty,
    pub target: EventParty,
    pub space_guid: String,
    pub org_guid: String,
    /// `data`, e.g. `{"request": {"app_guid": ..., "service_instance_guid": ...}}`.
    pub data: serde_json::Value,
    pub created: i64,
}

/// How a deployment plays out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutKind {
    /// Rolling: one new instance at a time, each STARTING then RUNNING while an old one is
    /// scaled down, all of them over `secs`; then the old process is removed and the
    /// deployment is `DEPLOYED`.
    Rolling { secs: u64 },
    /// Canary: one new instance, STARTING for `secs`, then RUNNING, and the deployment is
    /// `PAUSED` (waiting for `cf continue-deployment`, which never comes).
    Canary { secs: u64 },
    /// One new instance that never leaves STARTING: the deployment never finishes.
    Stuck,
    /// Not a deployment: every instance of the app restarts (`cf restart`), STARTING for
    /// `secs`, then RUNNING with the app's current bindings in its environment.
    Restart { secs: u64 },
}

/// A deployment in flight and how it plays out.
#[derive(Debug, Clone)]
pub struct Rollout {
    pub deployment_guid: String,
    pub app_guid: String,
    pub kind: RolloutKind,
    /// When it started, milliseconds since the epoch.
    pub start_ms: i64,
    pub old_process_guid: String,
    pub new_process_guid: String,
    /// Web instances before (and after) it.
    pub instances: u32,
    /// The phase the world shows ([`World::advance`]).
    pub phase: Option<u32>,
}

impl Rollout {
    /// Its phase at `now_ms`: for a rolling deployment, how many new instances run (N when
    /// it is over); for a canary, 0 while the canary starts and 1 once paused; 0 for one
    /// that never finishes.
    fn phase_at(&self, now_ms: i64) -> u32 {
        let elapsed = (now_ms - self.start_ms).max(0) as u128;
        match self.kind {
            RolloutKind::Rolling { secs } => {
                let n = u128::from(self.instances);
                ((elapsed * n) / (u128::from(secs.max(1)) * 1000)).min(n) as u32
            }
            RolloutKind::Canary { secs } | RolloutKind::Restart { secs } => {
                u32::from(elapsed >= u128::from(secs) * 1000)
            }
            RolloutKind::Stuck => 0,
        }
    }

    /// The time (seconds) phase `k` began.
    fn phase_start(&self, k: u32) -> i64 {
        let ms = match self.kind {
            RolloutKind::Rolling { secs } => {
                (secs.max(1) as i64 * 1000 * i64::from(k)) / i64::from(self.instances.max(1))
            }
            RolloutKind::Canary { secs } | RolloutKind::Restart { secs } => {
                secs as i64 * 1000 * i64::from(k)
            }
            RolloutKind::Stuck => 0,
        };
        (self.start_ms + ms).div_euclid(1000)
    }
}

/// The GUIDs of the model's things in one environment, for scenarios and faults.
#[derive(Debug, Clone, Default)]
pub struct EnvIndex {
    pub space_guid: String,
    /// App id -> app GUID.
    pub apps: BTreeMap<String, String>,
    /// Service id -> instance GUID.
    pub services: BTreeMap<String, String>,
}

/// The whole simulated foundation.
#[derive(Debug, Clone, Default)]
pub struct World {
    pub orgs: Vec<Org>,
    pub spaces: Vec<Space>,
    pub apps: Vec<SimApp>,
    pub processes: Vec<Process>,
    pub domains: Vec<Domain>,
    pub routes: Vec<Route>,
    pub brokers: Vec<Broker>,
    pub offerings: Vec<Offering>,
    pub plans: Vec<Plan>,
    pub instances: Vec<Instance>,
    pub bindings: Vec<CredentialBinding>,
    pub deployments: Vec<Deployment>,
    /// Audit events, oldest first: every fault that changes the world records what the Cloud
    /// Controller would.
    pub events: Vec<AuditEvent>,
    /// Deployments in flight, played out by [`World::advance`].
    pub rollouts: Vec<Rollout>,
    /// Environment name -> its GUIDs.
    pub envs: BTreeMap<String, EnvIndex>,
    /// GUID -> position, per kind, for fast lookups (rebuilt by [`World::reindex`]; a stale
    /// entry is detected and falls back to a scan).
    index: Lookup,
    /// Instances and bindings removed but still in the lists, until [`World::settle`].
    removed: Removed,
}

/// What a batch of faults removed, not yet taken out of the lists.
#[derive(Debug, Clone, Default)]
struct Removed {
    /// Instance GUIDs (their bindings are removed with them).
    instances: HashSet<String>,
    /// Binding GUIDs.
    bindings: HashSet<String>,
}

#[derive(Debug, Clone, Default)]
struct Lookup {
    orgs: HashMap<String, usize>,
    spaces: HashMap<String, usize>,
    apps: HashMap<String, usize>,
    instances: HashMap<String, usize>,
    plans: HashMap<String, usize>,
    offerings: HashMap<String, usize>,
    brokers: HashMap<String, usize>,
    domains: HashMap<String, usize>,
    /// App GUID -> instance GUID -> positions of the app bindings between them, ascending.
    app_bindings: HashMap<String, HashMap<String, Vec<usize>>>,
}

/// The positions of the app bindings, by app and instance.
fn app_binding_positions(
    bindings: &[CredentialBinding],
) -> HashMap<String, HashMap<String, Vec<usize>>> {
    let mut out: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
    for (at, b) in bindings.iter().enumerate() {
        if let BindingTarget::App(app) = &b.target {
            let instances = out.entry(app.clone()).or_default();
            instances
                .entry(b.instance_guid.clone())
                .or_default()
                .push(at);
        }
    }
    out
}

fn positions<T>(items: &[T], guid: impl Fn(&T) -> &str) -> HashMap<String, usize> {
    items
        .iter()
        .enumerate()
        .map(|(i, t)| (guid(t).to_owned(), i))
        .collect()
}

/// Finds by GUID through the index, or by a scan when the index is stale.
fn find<'a, T>(
    items: &'a [T],
    index: &HashMap<String, usize>,
    g: &str,
    guid: impl Fn(&T) -> &str,
) -> Option<&'a T> {
    index
        .get(g)
        .and_then(|&i| items.get(i))
        .filter(|t| guid(t) == g)
        .or_else(|| items.iter().find(|t| guid(t) == g))
}

/// Broker name used when the model does not name one.
pub(crate) const DEFAULT_BROKER: &str = "sim-broker";
const DEFAULT_MEMORY_MB: u64 = 1024;
const DEFAULT_DISK_MB: u64 = 1024;

impl World {
    /// The healthy world: the model exactly, every app started with all instances running,
    /// every binding present, plus one service key.
    pub fn from_model(model: &Model) -> World {
        let mut w = World::default();
        let mut clock = EPOCH_START;
        // A minute apart, and never within an hour of the apps' start: in a world of more
        // than 5,700 resources the last ones share that second (creation order is kept).
        let mut tick = || {
            clock = (clock + 60).min(STARTED - 3600);
            clock
        };
        for env in &model.environments {
            let org_guid = guid(&format!("org/{}", env.org));
            if !w.orgs.iter().any(|o| o.guid == org_guid) {
                w.orgs.push(Org {
                    guid: org_guid.clone(),
                    name: env.org.clone(),
                    created: tick(),
                });
            }
            let space_guid = guid(&format!("space/{}/{}", env.org, env.space));
            if !w.spaces.iter().any(|s| s.guid == space_guid) {
                w.spaces.push(Space {
                    guid: space_guid.clone(),
                    name: env.space.clone(),
                    org_guid: org_guid.clone(),
                    created: tick(),
                });
            }
            let key =
                |kind: &str, id: &str| guid(&format!("{kind}/{}/{}/{id}", env.org, env.space));
            let mut index = EnvIndex {
                space_guid: space_guid.clone(),
                ..EnvIndex::default()
            };
            for svc in &env.services {
                let plan_guid = match (&svc.offering, svc.user_provided) {
                    (Some(offering), false) => Some(w.plan_for(
                        svc.broker.as_deref().unwrap_or(DEFAULT_BROKER),
                        offering,
                        svc.plan.as_deref().unwrap_or("default"),
                        &mut tick,
                    )),
                    _ => None,
                };
                let g = key("service_instance", &svc.name);
                index.services.insert(svc.id.clone(), g.clone());
                w.instances.push(Instance {
                    guid: g,
                    name: svc.name.clone(),
                    space_guid: space_guid.clone(),
                    plan_guid,
                    last_operation: LastOperation {
                        kind: "create",
                        state: "succeeded",
                        description: "Operation succeeded".into(),
                    },
                    shared_space_guids: Vec::new(),
                    created: tick(),
                });
            }
            for app in &env.apps {
                let app_guid = key("app", &app.name);
                index.apps.insert(app.id.clone(), app_guid.clone());
                w.apps.push(SimApp {
                    guid: app_guid.clone(),
                    name: app.name.clone(),
                    space_guid: space_guid.clone(),
                    state: AppState::Started,
                    buildpacks: app.buildpacks.clone(),
                    stack: app.stack.clone().unwrap_or_else(|| "cflinuxfs4".into()),
                    droplet: guid(&format!("droplet/{app_guid}")),
                    created: tick(),
                });
                w.processes.push(Process {
                    guid: key("process", &format!("{}/web", app.name)),
                    app_guid: app_guid.clone(),
                    kind: "web".into(),
                    instances: app.instances,
                    memory_mb: app.memory_mb.unwrap_or(DEFAULT_MEMORY_MB),
                    disk_mb: app.disk_quota_mb.unwrap_or(DEFAULT_DISK_MB),
                    health_check: app.health_check.as_str().into(),
                    health_check_endpoint: app.health_check_endpoint.clone(),
                    command: app.command.clone(),
                    states: vec!["RUNNING"; app.instances as usize],
                    // Every app was last started after its bindings were made.
                    since: vec![STARTED; app.instances as usize],
                    created: tick(),
                    updated: STARTED,
                });
                for route in &app.routes {
                    w.add_route(route, &space_guid, &app_guid, &mut tick);
                }
                for b in &app.bindings {
                    if let Some(inst) = index.services.get(&b.service) {
                        w.bindings.push(CredentialBinding {
                            guid: key("binding", &format!("{}/{}", app.name, b.service)),
                            name: None,
                            target: BindingTarget::App(app_guid.clone()),
                            instance_guid: inst.clone(),
                            last_operation: ("create", "succeeded"),
                            created: tick(),
                        });
                    }
                }
            }
            w.envs.insert(env.name.clone(), index);
        }
        // One service key, on the first managed instance (else the first instance): a
        // credential binding of type `key` that must never count as an app binding.
        if let Some(inst) = w
            .instances
            .iter()
            .find(|i| !i.user_provided())
            .or(w.instances.first())
        {
            let name = format!("{}-key", inst.name);
            w.bindings.push(CredentialBinding {
                guid: guid(&format!("service_key/{}", inst.guid)),
                name: Some(name),
                target: BindingTarget::Key,
                instance_guid: inst.guid.clone(),
                last_operation: ("create", "succeeded"),
                created: tick(),
            });
        }
        w.reindex();
        w
    }

    fn plan_for(
        &mut self,
        broker: &str,
        offering: &str,
        plan: &str,
        tick: &mut impl FnMut() -> i64,
    ) -> String {
        let broker_guid = guid(&format!("service_broker/{broker}"));
        if !self.brokers.iter().any(|b| b.guid == broker_guid) {
            self.brokers.push(Broker {
                guid: broker_guid.clone(),
                name: broker.into(),
            });
            // No endpoint shows a broker's creation time, but it takes its tick as every
            // resource does, so the times of what is created after it stay as they were.
            tick();
        }
        let offering_guid = guid(&format!("service_offering/{broker}/{offering}"));
        if !self.offerings.iter().any(|o| o.guid == offering_guid) {
            self.offerings.push(Offering {
                guid: offering_guid.clone(),
                name: offering.into(),
                description: format!("{offering} (simulated)"),
                broker_guid,
                created: tick(),
            });
        }
        let plan_guid = guid(&format!("service_plan/{broker}/{offering}/{plan}"));
        if !self.plans.iter().any(|p| p.guid == plan_guid) {
            self.plans.push(Plan {
                guid: plan_guid.clone(),
                name: plan.into(),
                offering_guid,
                created: tick(),
            });
        }
        plan_guid
    }

    fn add_route(
        &mut self,
        route: &str,
        space_guid: &str,
        app_guid: &str,
        tick: &mut impl FnMut() -> i64,
    ) {
        let (host_domain, path) = match route.find('/') {
            Some(i) => (&route[..i], &route[i..]),
            None => (route, ""),
        };
        let (host, domain) = match host_domain.split_once('.') {
            Some((h, d)) if d.contains('.') => (h, d),
            _ => ("", host_domain),
        };
        let domain_guid = guid(&format!("domain/{domain}"));
        if !self.domains.iter().any(|d| d.guid == domain_guid) {
            self.domains.push(Domain {
                guid: domain_guid.clone(),
                name: domain.into(),
                created: tick(),
            });
        }
        let route_guid = guid(&format!("route/{route}"));
        if let Some(r) = self.routes.iter_mut().find(|r| r.guid == route_guid) {
            if !r.app_guids.iter().any(|a| a == app_guid) {
                r.app_guids.push(app_guid.into());
            }
            return;
        }
        self.routes.push(Route {
            guid: route_guid,
            host: host.into(),
            path: path.into(),
            domain_guid,
            url: route.into(),
            space_guid: space_guid.into(),
            app_guids: vec![app_guid.into()],
            created: tick(),
        });
    }

    /// Rebuilds the GUID index; call after changing the lists.
    pub fn reindex(&mut self) {
        self.index = Lookup {
            orgs: positions(&self.orgs, |x| &x.guid),
            spaces: positions(&self.spaces, |x| &x.guid),
            apps: positions(&self.apps, |x| &x.guid),
            instances: positions(&self.instances, |x| &x.guid),
            plans: positions(&self.plans, |x| &x.guid),
            offerings: positions(&self.offerings, |x| &x.guid),
            brokers: positions(&self.brokers, |x| &x.guid),
            domains: positions(&self.domains, |x| &x.guid),
            app_bindings: app_binding_positions(&self.bindings),
        };
    }

    /// Takes what a batch of faults removed out of the lists, and re-indexes them: to call
    /// after the batch, before the world is shown (a no-op when nothing was removed).
    pub fn settle(&mut self) {
        if self.removed.instances.is_empty() && self.removed.bindings.is_empty() {
            return;
        }
        let removed = std::mem::take(&mut self.removed);
        if !removed.instances.is_empty() {
            self.instances
                .retain(|i| !removed.instances.contains(&i.guid));
            self.index.instances = positions(&self.instances, |x| &x.guid);
        }
        self.bindings.retain(|b| {
            !removed.bindings.contains(&b.guid) && !removed.instances.contains(&b.instance_guid)
        });
        self.index.app_bindings = app_binding_positions(&self.bindings);
    }

    /// Whether a binding is still there: not unbound, its instance not deleted.
    fn present(&self, b: &CredentialBinding) -> bool {
        !self.removed.bindings.contains(&b.guid)
            && !self.removed.instances.contains(&b.instance_guid)
    }

    pub fn org(&self, g: &str) -> Option<&Org> {
        find(&self.orgs, &self.index.orgs, g, |x| &x.guid)
    }
    pub fn space(&self, g: &str) -> Option<&Space> {
        find(&self.spaces, &self.index.spaces, g, |x| &x.guid)
    }
    pub fn app(&self, g: &str) -> Option<&SimApp> {
        find(&self.apps, &self.index.apps, g, |x| &x.guid)
    }
    pub fn instance(&self, g: &str) -> Option<&Instance> {
        if self.removed.instances.contains(g) {
            return None;
        }
        find(&self.instances, &self.index.instances, g, |x| &x.guid)
    }
    pub fn plan(&self, g: &str) -> Option<&Plan> {
        find(&self.plans, &self.index.plans, g, |x| &x.guid)
    }
    pub fn offering(&self, g: &str) -> Option<&Offering> {
        find(&self.offerings, &self.index.offerings, g, |x| &x.guid)
    }
    pub fn broker(&self, g: &str) -> Option<&Broker> {
        find(&self.brokers, &self.index.brokers, g, |x| &x.guid)
    }
    pub fn domain(&self, g: &str) -> Option<&Domain> {
        find(&self.domains, &self.index.domains, g, |x| &x.guid)
    }

    /// The org GUID of a space.
    pub fn org_of_space(&self, space_guid: &str) -> Option<&str> {
        self.space(space_guid).map(|s| s.org_guid.as_str())
    }

    /// Removes the app binding between an app and an instance (the first in the list): its
    /// GUID, `None` if there was none. It leaves the list at [`World::settle`].
    pub fn unbind(&mut self, app_guid: &str, instance_guid: &str) -> Option<String> {
        let target = BindingTarget::App(app_guid.into());
        let between = |b: &CredentialBinding| {
            b.instance_guid == instance_guid && b.target == target && self.present(b)
        };
        let indexed = self
            .index
            .app_bindings
            .get(app_guid)
            .and_then(|instances| instances.get(instance_guid))
            .and_then(|at| {
                at.iter()
                    .filter_map(|&at| self.bindings.get(at))
                    .find(|b| between(b))
            });
        // The index is kept whole; a scan only if it ever is not.
        let b = indexed.or_else(|| self.bindings.iter().find(|b| between(b)))?;
        let guid = b.guid.clone();
        self.removed.bindings.insert(guid.clone());
        Some(guid)
    }

    /// Records an audit event at `now` in the space of `space_guid`.
    pub fn record(
        &mut self,
        kind: &'static str,
        actor: EventParty,
        target: EventParty,
        space_guid: &str,
        data: serde_json::Value,
        now: i64,
    ) {
        let n = self.events.len();
        let org_guid = self.org_of_space(space_guid).unwrap_or_default().to_owned();
        self.events.push(AuditEvent {
            guid: guid(&format!("event/{n}/{kind}/{}/{now}", target.guid)),
            kind,
            actor,
            target,
            space_guid: space_guid.into(),
            org_guid,
            data,
            created: now,
        });
    }

    /// An app as the target of an event.
    pub fn app_party(&self, app_guid: &str) -> EventParty {
        EventParty {
            guid: app_guid.into(),
            kind: "app".into(),
            name: self
                .app(app_guid)
                .map(|a| a.name.clone())
                .unwrap_or_default(),
        }
    }

    /// Deletes an instance and every credential binding to it (they leave the lists at
    /// [`World::settle`]).
    pub fn delete_instance(&mut self, instance_guid: &str) {
        self.removed.instances.insert(instance_guid.to_owned());
    }

    pub fn set_last_operation(&mut self, instance_guid: &str, op: LastOperation) {
        self.settle();
        if let Some(i) = self.instances.iter_mut().find(|i| i.guid == instance_guid) {
            i.last_operation = op;
        }
    }

    /// Stops an app at `now`: requested state STOPPED, every instance DOWN.
    pub fn stop(&mut self, app_guid: &str, now: i64) {
        if let Some(a) = self.apps.iter_mut().find(|a| a.guid == app_guid) {
            a.state = AppState::Stopped;
        }
        self.set_instance_states(app_guid, "DOWN", now);
    }

    /// Crashes an app at `now`: still STARTED, but no instance running.
    pub fn crash(&mut self, app_guid: &str, now: i64) {
        self.set_instance_states(app_guid, "CRASHED", now);
    }

    fn set_instance_states(&mut self, app_guid: &str, state: &'static str, now: i64) {
        for p in self.processes.iter_mut().filter(|p| p.app_guid == app_guid) {
            p.states = vec![state; p.instances as usize];
            p.since = vec![now; p.instances as usize];
        }
    }

    /// Binds an app to an instance anew at `now` (a binding it had is replaced), with the
    /// last operation given: the app's instances keep running as they were, so a binding
    /// made after they started is not in their environment.
    pub fn rebind(
        &mut self,
        app_guid: &str,
        instance_guid: &str,
        last_operation: (&'static str, &'static str),
        now: i64,
    ) -> String {
        let _ = self.unbind(app_guid, instance_guid);
        // The new binding's GUID counts the bindings there are.
        self.settle();
        let n = self.bindings.len();
        let binding = guid(&format!("binding/{app_guid}/{instance_guid}/{now}/{n}"));
        self.bindings.push(CredentialBinding {
            guid: binding.clone(),
            name: None,
            target: BindingTarget::App(app_guid.into()),
            instance_guid: instance_guid.into(),
            last_operation,
            created: now,
        });
        let instances = self.index.app_bindings.entry(app_guid.into()).or_default();
        instances.entry(instance_guid.into()).or_default().push(n);
        binding
    }

    /// Starts a deployment of an app's web process at `now_ms`, played out by
    /// [`World::advance`].
    pub fn deploy(&mut self, app_guid: &str, kind: RolloutKind, now_ms: i64) -> Result<(), String> {
        let app = self.app(app_guid).ok_or("no such app")?.clone();
        if app.state == AppState::Stopped {
            return Err(format!(
                "app `{}` is stopped (a deployment of a stopped app finishes at once)",
                app.name
            ));
        }
        if self.rollouts.iter().any(|r| r.app_guid == app_guid) {
            return Err(format!("app `{}` is already being deployed", app.name));
        }
        let old = self
            .processes
            .iter()
            .filter(|p| p.app_guid == app_guid && p.kind == "web")
            .max_by_key(|p| p.created)
            .ok_or_else(|| format!("app `{}` has no web process", app.name))?
            .clone();
        if old.instances == 0 {
            return Err(format!("app `{}` is scaled to 0 web instances", app.name));
        }
        let n = self
            .deployments
            .iter()
            .filter(|d| d.app_guid == app_guid)
            .count()
            + 1;
        let now = now_ms.div_euclid(1000);
        let deployment_guid = guid(&format!("deployment/{app_guid}/{n}"));
        let new_process_guid = guid(&format!("process/{app_guid}/web/deployment/{n}"));
        let mut new = old.clone();
        new.guid = new_process_guid.clone();
        new.instances = 0;
        new.states = Vec::new();
        new.since = Vec::new();
        new.created = now;
        new.updated = now;
        self.processes.push(new);
        self.deployments.push(Deployment {
            guid: deployment_guid.clone(),
            app_guid: app_guid.into(),
            strategy: match kind {
                RolloutKind::Canary { .. } => "canary",
                _ => "rolling",
            },
            state: "DEPLOYING",
            status_value: "ACTIVE",
            status_reason: "DEPLOYING",
            droplet_guid: guid(&format!("droplet/{app_guid}/{n}")),
            previous_droplet_guid: app.droplet.clone(),
            new_process_guid: new_process_guid.clone(),
            created: now,
            updated: now,
        });
        self.rollouts.push(Rollout {
            deployment_guid,
            app_guid: app_guid.into(),
            kind,
            start_ms: now_ms,
            old_process_guid: old.guid,
            new_process_guid,
            instances: old.instances,
            phase: None,
        });
        self.advance(now_ms);
        Ok(())
    }

    /// Cancels the deployment of an app in flight at `now_ms` (as `cf cancel-deployment`
    /// and the Cloud Controller's deployment updater do): the new process is removed, the old
    /// one is back at its instances, and the deployment is `CANCELED`.
    pub fn cancel_deployment(&mut self, app_guid: &str, now_ms: i64) -> Result<(), String> {
        self.advance(now_ms);
        let i = self
            .rollouts
            .iter()
            .position(|r| r.app_guid == app_guid && !matches!(r.kind, RolloutKind::Restart { .. }))
            .ok_or("no deployment of the app is in flight")?;
        let r = self.rollouts.remove(i);
        let now = now_ms.div_euclid(1000);
        self.processes.retain(|p| p.guid != r.new_process_guid);
        if let Some(old) = self
            .processes
            .iter_mut()
            .find(|p| p.guid == r.old_process_guid)
        {
            while old.states.len() < r.instances as usize {
                old.states.push("RUNNING");
                old.since.push(now);
            }
            old.instances = r.instances;
            old.updated = now;
        }
        if let Some(d) = self
            .deployments
            .iter_mut()
            .find(|d| d.guid == r.deployment_guid)
        {
            (d.state, d.status_value, d.status_reason) = ("CANCELED", "FINALIZED", "CANCELED");
            d.updated = now;
        }
        Ok(())
    }

    /// True when a deployment in flight has moved on since the world last showed it.
    pub fn behind(&self, now_ms: i64) -> bool {
        self.rollouts
            .iter()
            .any(|r| r.phase != Some(r.phase_at(now_ms)))
    }

    /// Brings every deployment in flight to where it is at `now_ms`: its processes'
    /// instances, their states and times, and the deployment's status. A finished one is
    /// played out and dropped.
    pub fn advance(&mut self, now_ms: i64) {
        let rollouts = std::mem::take(&mut self.rollouts);
        for mut r in rollouts {
            let k = r.phase_at(now_ms);
            if r.phase != Some(k) {
                self.show_phase(&r, k);
                r.phase = Some(k);
            }
            let done = match r.kind {
                RolloutKind::Rolling { .. } => k >= r.instances,
                RolloutKind::Restart { .. } => k >= 1,
                _ => false,
            };
            if !done {
                self.rollouts.push(r);
            }
        }
    }

    /// Restarts every process of an app at `now_ms` (`cf restart`): its instances STARTING,
    /// then RUNNING after `secs`, played out by [`World::advance`].
    pub fn restart(&mut self, app_guid: &str, secs: u64, now_ms: i64) -> Result<(), String> {
        let app = self.app(app_guid).ok_or("no such app")?.clone();
        if app.state == AppState::Stopped {
            return Err(format!("app `{}` is stopped", app.name));
        }
        if self.rollouts.iter().any(|r| r.app_guid == app_guid) {
            return Err(format!(
                "app `{}` is already being deployed or restarted",
                app.name
            ));
        }
        self.rollouts.push(Rollout {
            deployment_guid: String::new(),
            app_guid: app_guid.into(),
            kind: RolloutKind::Restart { secs },
            start_ms: now_ms,
            old_process_guid: String::new(),
            new_process_guid: String::new(),
            instances: 0,
            phase: None,
        });
        self.advance(now_ms);
        Ok(())
    }

    /// The processes and deployment of a rollout in phase `k`.
    fn show_phase(&mut self, r: &Rollout, k: u32) {
        let at = |j: u32| r.phase_start(j);
        if let RolloutKind::Restart { .. } = r.kind {
            let (state, since) = if k == 0 {
                ("STARTING", at(0))
            } else {
                ("RUNNING", at(1))
            };
            for p in self
                .processes
                .iter_mut()
                .filter(|p| p.app_guid == r.app_guid)
            {
                p.states = vec![state; p.instances as usize];
                p.since = vec![since; p.instances as usize];
                p.updated = at(0);
            }
            return;
        }
        let (new_states, new_since, old_instances, status): (Vec<&'static str>, Vec<i64>, u32, _) =
            match r.kind {
                RolloutKind::Rolling { .. } if k >= r.instances => (
                    vec!["RUNNING"; r.instances as usize],
                    (1..=r.instances).map(at).collect(),
                    0,
                    ("DEPLOYED", "FINALIZED", "DEPLOYED"),
                ),
                RolloutKind::Rolling { .. } => {
                    let mut states = vec!["RUNNING"; k as usize];
                    states.push("STARTING");
                    let mut since: Vec<i64> = (1..=k).map(at).collect();
                    since.push(at(k));
                    (
                        states,
                        since,
                        r.instances - k,
                        ("DEPLOYING", "ACTIVE", "DEPLOYING"),
                    )
                }
                RolloutKind::Canary { .. } if k >= 1 => (
                    vec!["RUNNING"],
                    vec![at(1)],
                    r.instances,
                    ("PAUSED", "ACTIVE", "PAUSED"),
                ),
                RolloutKind::Canary { .. } | RolloutKind::Stuck | RolloutKind::Restart { .. } => (
                    vec!["STARTING"],
                    vec![at(0)],
                    r.instances,
                    ("DEPLOYING", "ACTIVE", "DEPLOYING"),
                ),
            };
        let when = at(k);
        if let Some(p) = self
            .processes
            .iter_mut()
            .find(|p| p.guid == r.new_process_guid)
        {
            p.instances = new_states.len() as u32;
            p.states = new_states;
            p.since = new_since;
            p.updated = when;
        }
        if old_instances == 0 {
            self.processes.retain(|p| p.guid != r.old_process_guid);
            let droplet = self
                .deployments
                .iter()
                .find(|d| d.guid == r.deployment_guid)
                .map(|d| d.droplet_guid.clone());
            if let (Some(a), Some(d)) =
                (self.apps.iter_mut().find(|a| a.guid == r.app_guid), droplet)
            {
                a.droplet = d;
            }
        } else if let Some(p) = self
            .processes
            .iter_mut()
            .find(|p| p.guid == r.old_process_guid)
        {
            p.instances = old_instances;
            p.states.truncate(old_instances as usize);
            p.since.truncate(old_instances as usize);
        }
        if let Some(d) = self
            .deployments
            .iter_mut()
            .find(|d| d.guid == r.deployment_guid)
        {
            (d.state, d.status_value, d.status_reason) = status;
            d.updated = when;
        }
    }

    /// Shares an instance into another space.
    pub fn share(&mut self, instance_guid: &str, space_guid: &str) {
        self.settle();
        if let Some(i) = self.instances.iter_mut().find(|i| i.guid == instance_guid)
            && i.space_guid != space_guid
            && !i.shared_space_guids.iter().any(|s| s == space_guid)
        {
            i.shared_space_guids.push(space_guid.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c2() -> Model {
        crate::model::c2_for_tests()
    }

    #[test]
    fn healthy_world_is_the_model() {
        let m = c2();
        let w = World::from_model(&m);
        assert_eq!(w.orgs.len(), 1);
        assert_eq!(w.spaces.len(), 3);
        assert_eq!(w.apps.len(), 6);
        assert_eq!(w.processes.len(), 6);
        assert_eq!(w.instances.len(), 27);
        let app_bindings = w
            .bindings
            .iter()
            .filter(|b| matches!(b.target, BindingTarget::App(_)))
            .count();
        assert_eq!(app_bindings, 3 * 18);
        let keys: Vec<_> = w
            .bindings
            .iter()
            .filter(|b| b.target == BindingTarget::Key)
            .collect();
        assert_eq!(keys.len(), 1);
        // prod web has 2 instances and two routes.
        let prod_web = &w.envs["prod"].apps["web"];
        let p = w
            .processes
            .iter()
            .find(|p| &p.app_guid == prod_web)
            .unwrap();
        assert_eq!(p.states, ["RUNNING", "RUNNING"]);
        assert_eq!(
            w.routes
                .iter()
                .filter(|r| r.app_guids.contains(prod_web))
                .count(),
            2
        );
        // Same model, same world.
        let again = World::from_model(&m);
        assert_eq!(
            w.apps.iter().map(|a| &a.guid).collect::<Vec<_>>(),
            again.apps.iter().map(|a| &a.guid).collect::<Vec<_>>()
        );
    }

    #[test]
    fn routes_split_host_domain_path() {
        let mut w = World::default();
        let mut t = 0;
        let mut tick = || {
            t += 1;
            t
        };
        w.add_route("a.example.org/p/q", "s", "x", &mut tick);
        w.add_route("example.org", "s", "x", &mut tick);
        w.add_route("a.example.org/p/q", "s", "y", &mut tick);
        assert_eq!(w.routes.len(), 2);
        assert_eq!(w.routes[0].host, "a");
        assert_eq!(w.routes[0].path, "/p/q");
        assert_eq!(w.routes[0].app_guids, ["x", "y"]);
        assert_eq!(w.routes[1].host, "");
        assert_eq!(w.domains.len(), 1);
    }

    /// Every app binding of the world as `ENV:APP:SERVICE` (model ids).
    fn app_bindings(w: &World) -> Vec<String> {
        let mut out = Vec::new();
        for (env, idx) in &w.envs {
            for (app, a) in &idx.apps {
                for (service, i) in &idx.services {
                    let bound = w.bindings.iter().any(|b| {
                        &b.instance_guid == i && b.target == BindingTarget::App(a.clone())
                    });
                    if bound {
                        out.push(format!("{env}:{app}:{service}"));
                    }
                }
            }
        }
        out
    }

    /// The lists a batch of faults changes, by GUID, in order.
    fn lists(w: &World) -> [Vec<String>; 3] {
        [
            w.instances.iter().map(|x| x.guid.clone()).collect(),
            w.bindings.iter().map(|x| x.guid.clone()).collect(),
            w.events.iter().map(|x| x.guid.clone()).collect(),
        ]
    }

    #[test]
    fn a_batch_of_faults_leaves_the_world_one_fault_at_a_time_would() {
        use crate::sim::fault::Fault;
        let base = World::from_model(&c2());
        let mut specs = Vec::new();
        for (n, b) in app_bindings(&base).iter().enumerate() {
            let (env, service) = (b.split(':').next().unwrap(), b.rsplit(':').next().unwrap());
            match n % 4 {
                0 => specs.push(format!("unbind:{b}")),
                1 => specs.push(format!("rebind-without-restart:{b}")),
                // Unbound after a rebind: the new binding goes.
                2 => specs.extend([format!("rebind-without-restart:{b}"), format!("unbind:{b}")]),
                _ => specs.push(format!("delete-instance:{env}:{service}")),
            }
        }
        specs.dedup();
        let faults: Vec<Fault> = specs.iter().map(|s| Fault::parse(s).unwrap()).collect();
        let (mut batch, mut single) = (base.clone(), base.clone());
        let mut applied = 0;
        for f in &faults {
            // A fault on what an earlier one deleted fails the same way in both.
            let (a, b) = (f.apply(&mut batch, 1_000), f.apply(&mut single, 1_000));
            assert_eq!(a, b, "{f}");
            applied += usize::from(a.is_ok());
            single.settle();
        }
        batch.settle();
        assert!(applied > 20, "{applied} faults applied");
        assert_eq!(lists(&batch), lists(&single));
        assert!(lists(&batch)[1].len() < lists(&base)[1].len());
        assert_eq!(app_bindings(&batch), app_bindings(&single));
        // A deleted instance took its bindings with it.
        assert!(batch.instances.len() < base.instances.len());
        for b in &batch.bindings {
            assert!(batch.instances.iter().any(|i| i.guid == b.instance_guid));
        }
        // Settled, the index finds what is left and nothing removed.
        for i in &base.instances {
            let left = single.instances.iter().any(|x| x.guid == i.guid);
            assert_eq!(batch.instance(&i.guid).is_some(), left);
        }
    }
}
