//! Verification: the model's expected state against observations, as one [`Check`] per
//! expectation (each binding its own edge), each with a [`Status`].

pub(crate) mod cause;
pub(crate) mod engine;
pub(crate) mod explain;
pub(crate) mod status;

mod app_checks;
mod binding_checks;
pub(crate) mod check_builder;
mod evidence;
mod index;
mod repair;
mod service_checks;
mod unexpected;

pub use cause::{Detail, UnknownCause, Unseen};
pub use engine::verify;
pub use explain::{Explanation, attach as attach_causes, wanted as wanted_causes};

pub use status::Status;

use serde::Serialize;

/// What a check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// The service instance exists.
    ServiceExists,
    /// It has the expected plan.
    ServicePlan,
    /// Its last operation succeeded.
    ServiceOperation,
    /// The app is bound to it.
    BindingExists,
    /// The app exists.
    AppExists,
    /// Its instances run.
    AppInstances,
    /// It has its routes.
    AppRoutes,
    /// Something the model lacks.
    Unexpected,
    /// A manifest's app against the model (`archcheck manifest --check`).
    ManifestApp,
    /// A manifest's service binding against the model.
    ManifestBinding,
    /// A manifest's setting (instances, memory, routes, ...) against the model.
    ManifestSetting,
}

impl CheckKind {
    /// The word in check ids, e.g. `binding` in `staging/binding/worker->queue`.
    pub fn id_word(self) -> &'static str {
        match self {
            CheckKind::ServiceExists => "service",
            CheckKind::ServicePlan => "service-plan",
            CheckKind::ServiceOperation => "service-operation",
            CheckKind::BindingExists => "binding",
            CheckKind::AppExists => "app",
            CheckKind::AppInstances => "app-instances",
            CheckKind::AppRoutes => "app-routes",
            CheckKind::Unexpected => "unexpected",
            CheckKind::ManifestApp => "manifest-app",
            CheckKind::ManifestBinding => "manifest-binding",
            CheckKind::ManifestSetting => "manifest-setting",
        }
    }
}

/// The part of the architecture graph a check is about, for drawing the verdict.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Element {
    /// A model app, by id.
    App {
        /// The app's id in the model.
        id: String,
    },
    /// A model service instance, by id.
    Service {
        /// The instance's id in the model.
        id: String,
    },
    /// A model binding, by app id and service id.
    Binding {
        /// The app's id.
        app: String,
        /// The instance's id.
        service: String,
    },
    /// An app that exists but the model lacks, by CF name.
    ExtraApp {
        /// Its CF name.
        name: String,
    },
    /// A service instance that exists but the model lacks, by CF name.
    ExtraService {
        /// Its CF name.
        name: String,
    },
    /// A binding that exists but the model lacks, by CF names.
    ExtraBinding {
        /// The app's CF name.
        app: String,
        /// The instance's CF name.
        service: String,
    },
    /// Not drawn.
    None,
}

/// One expectation and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable id, e.g. `staging/binding/worker->queue`.
    pub id: String,
    /// The environment it belongs to.
    pub environment: String,
    /// What sort of expectation.
    pub kind: CheckKind,
    /// What it is about in CF names, e.g. `c2-staging-worker -> c2-staging-redis`.
    pub subject: String,
    /// Its outcome.
    pub status: Status,
    /// What the model expects, in words.
    pub expected: Option<String>,
    /// What was found, in words.
    pub observed: Option<String>,
    /// One sentence: what is wrong, or why it could not be checked.
    pub message: String,
    /// What this breaks, following the graph.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    /// The `cf` command that would repair it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repair: Option<String>,
    /// What the check waits for when it is *pending*: a change in progress (a deployment in
    /// flight, a binding being created) that may settle it on its own. `None` once settled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
    /// Who or what caused it, from the audit events (`verify --api` on a CRITICAL): in the
    /// JSON report as `cause`. Never changes the status.
    /// What an audit event says caused the check's status, when one was looked for.
    #[serde(rename = "cause", skip_serializing_if = "Option::is_none")]
    pub explained: Option<explain::Explanation>,
    /// The model element the check is about (not in the JSON report).
    #[serde(skip)]
    pub element: Element,
    /// Why the check is UNKNOWN, set with the status; `None` for any other status. Not in
    /// the JSON report.
    #[serde(skip)]
    pub cause: Option<UnknownCause>,
}

/// The outcome for one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvironmentVerdict {
    /// The environment's name in the model.
    pub name: String,
    /// The worst status of its checks.
    pub status: Status,
    /// Sources used, as labels.
    pub sources: Vec<String>,
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The model's system.
    pub system: String,
    /// The worst status of every environment.
    pub status: Status,
    /// One per environment verified.
    pub environments: Vec<EnvironmentVerdict>,
    /// Every check, environment by environment.
    pub checks: Vec<Check>,
}

impl Check {
    /// For an UNKNOWN check that could not be made for a reason other checks share (a refused
    /// capture, a hidden column, an unreadable line), that reason; reports group by it.
    pub fn shared_reason(&self) -> Option<String> {
        if self.status != Status::Unknown {
            return None;
        }
        self.cause.as_ref().and_then(UnknownCause::shared_reason)
    }
}

impl Verdict {
    pub(crate) fn checks_for<'a>(&'a self, env: &'a str) -> impl Iterator<Item = &'a Check> + 'a {
        self.checks.iter().filter(move |c| c.environment == env)
    }
}
