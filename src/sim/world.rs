//! The simulated foundation's state, built from a model: organizations, spaces, apps with their
//! `web` process and instances, domains and routes, the service catalog (brokers, offerings,
//! plans), service instances, and credential bindings (app bindings, plus one service key).
//!
//! Every GUID is derived from the model (see [`super::ids`]), so a world is the same on every
//! run. Scenarios and faults change a world through the small mutators at the end.

use super::ids::{EPOCH_START, guid};
use crate::model::Model;
use std::collections::{BTreeMap, HashMap};

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
    pub created: i64,
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
    pub created: i64,
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
    pub created: i64,
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
    /// Environment name -> its GUIDs.
    pub envs: BTreeMap<String, EnvIndex>,
    /// GUID -> position, per kind, for fast lookups (rebuilt by [`World::reindex`]; a stale
    /// entry is detected and falls back to a scan).
    index: Lookup,
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
pub const DEFAULT_BROKER: &str = "sim-broker";
const DEFAULT_MEMORY_MB: u64 = 1024;
const DEFAULT_DISK_MB: u64 = 1024;

impl World {
    /// The healthy world: the model exactly, every app started with all instances running,
    /// every binding present, plus one service key.
    pub fn from_model(model: &Model) -> World {
        let mut w = World::default();
        let mut clock = EPOCH_START;
        let mut tick = || {
            clock += 60;
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
                    created: tick(),
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
                created: tick(),
            });
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
        };
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

    /// Removes the app binding between an app and an instance; false if there was none.
    pub fn unbind(&mut self, app_guid: &str, instance_guid: &str) -> bool {
        let before = self.bindings.len();
        self.bindings.retain(|b| {
            !(b.instance_guid == instance_guid && b.target == BindingTarget::App(app_guid.into()))
        });
        before != self.bindings.len()
    }

    /// Deletes an instance and every credential binding to it.
    pub fn delete_instance(&mut self, instance_guid: &str) {
        self.instances.retain(|i| i.guid != instance_guid);
        self.bindings.retain(|b| b.instance_guid != instance_guid);
        self.reindex();
    }

    pub fn set_last_operation(&mut self, instance_guid: &str, op: LastOperation) {
        if let Some(i) = self.instances.iter_mut().find(|i| i.guid == instance_guid) {
            i.last_operation = op;
        }
    }

    /// Stops an app: requested state STOPPED, every instance DOWN.
    pub fn stop(&mut self, app_guid: &str) {
        if let Some(a) = self.apps.iter_mut().find(|a| a.guid == app_guid) {
            a.state = AppState::Stopped;
        }
        self.set_instance_states(app_guid, "DOWN");
    }

    /// Crashes an app: still STARTED, but no instance running.
    pub fn crash(&mut self, app_guid: &str) {
        self.set_instance_states(app_guid, "CRASHED");
    }

    fn set_instance_states(&mut self, app_guid: &str, state: &'static str) {
        for p in self.processes.iter_mut().filter(|p| p.app_guid == app_guid) {
            p.states = vec![state; p.instances as usize];
        }
    }

    /// Shares an instance into another space.
    pub fn share(&mut self, instance_guid: &str, space_guid: &str) {
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
}
