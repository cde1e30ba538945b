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
}

/// Whether a part of the environment was observed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "coverage", rename_all = "snake_case")]
pub enum Coverage<T> {
    /// No given source covers this part: its checks are *not checked*.
    #[default]
    NotCovered,
    /// A given source should have shown it and could not: its checks are UNKNOWN.
    Unavailable { reason: String },
    /// Seen.
    Seen(T),
}

impl<T> Coverage<T> {
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
    pub name: String,
    /// Offering name; `None` for user-provided instances or when the source does not show it.
    pub offering: Option<String>,
    pub plan: Option<String>,
    pub broker: Option<String>,
    pub user_provided: bool,
    /// Names of the apps bound to it (ignored when `bindings_hidden`).
    pub bound_apps: Vec<String>,
    pub last_operation: Option<LastOperation>,
}

/// The last operation on a service instance, e.g. `create succeeded`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastOperation {
    /// `create`, `update` or `delete`.
    pub kind: String,
    pub state: OperationState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationState {
    Initial,
    InProgress,
    Succeeded,
    Failed,
}

impl OperationState {
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
    pub apps: Vec<ObservedApp>,
    /// As in [`ServicesSeen::gaps`]: an app absent from `apps` may be hidden behind one.
    pub gaps: Vec<String>,
}

/// One app as seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObservedApp {
    pub name: String,
    /// `None` when the source does not show it.
    pub state: Option<AppState>,
    /// Process counts; `None` when the source does not show them (`cf apps --no-stats`).
    pub processes: Option<Vec<ProcessCounts>>,
    /// Routes; `None` when the source does not show them.
    pub routes: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    Started,
    Stopped,
}

/// Running and desired instances of one process type, e.g. `web:1/2`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessCounts {
    pub process_type: String,
    /// `None` when the source could not tell (`?/2` in cf v6).
    pub running: Option<u32>,
    pub desired: u32,
}

/// One app's own view of its bindings, from VCAP_SERVICES. Holds instance names only, never
/// credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppEnvSeen {
    /// The CF app name.
    pub app: String,
    pub bound_instances: Coverage<Vec<String>>,
}

impl Observation {
    pub fn new(environment: &str) -> Self {
        Observation {
            environment: environment.to_owned(),
            ..Default::default()
        }
    }

    /// Adds another source's view of the same environment. A part seen by one source and
    /// unavailable from another keeps the unavailability (evidence conflicts are not hidden).
    pub fn merge(&mut self, other: Observation) {
        self.sources.extend(other.sources);
        self.services = merge_part(std::mem::take(&mut self.services), other.services);
        self.apps = merge_part(std::mem::take(&mut self.apps), other.apps);
        self.app_envs.extend(other.app_envs);
    }
}

fn merge_part<T>(a: Coverage<T>, b: Coverage<T>) -> Coverage<T> {
    match (a, b) {
        (Coverage::NotCovered, x) | (x, Coverage::NotCovered) => x,
        (Coverage::Unavailable { reason: r1 }, Coverage::Unavailable { reason: r2 }) => {
            Coverage::Unavailable {
                reason: format!("{r1}; {r2}"),
            }
        }
        (u @ Coverage::Unavailable { .. }, _) | (_, u @ Coverage::Unavailable { .. }) => u,
        // Two captures of the same part: the later one wins; sources are listed in the report.
        (Coverage::Seen(_), b @ Coverage::Seen(_)) => b,
    }
}

pub mod api;
pub mod cf_text;
