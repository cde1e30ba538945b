//! The declarative model: one file per system, resolved into one [`Environment`] per
//! environment, each with the [`ArchGraph`] that rendering, expected output, verification and
//! manifests all read.
//!
//! - [`spec`]: the file format as written (serde + JSON Schema).
//! - [`mod@load`]: reading a file, with located errors ([`ModelError`]).
//! - [`resolve`]: defaults, `{env}`/`{system}` templates, `overrides`, `environments`, and
//!   every semantic validation.
//! - [`graph`]: the petgraph graph of apps, service instances and externals.

pub(crate) mod error;
pub(crate) mod graph;
pub(crate) mod json_path;
pub(crate) mod load;
pub(crate) mod resolve;
pub(crate) mod schema;
pub(crate) mod spec;
pub(crate) mod template;
pub(crate) mod units;

pub use error::ModelError;
pub(crate) use error::ModelWarnings;
pub(crate) use graph::ArchGraph;
pub use load::{load, load_bytes, load_str};
pub use schema::schema_json;
pub use spec::HealthCheck;
pub(crate) use spec::{ModelSpec, ServiceKind};

/// A loaded, validated model.
#[derive(Debug, Clone)]
pub struct Model {
    /// The file it came from, as the user named it.
    pub file: String,
    /// The system's name (`system`), which names the generated files.
    pub system: String,
    /// The system's description.
    pub description: Option<String>,
    /// In the order the file lists them.
    pub environments: Vec<Environment>,
    /// The file as written, for the schema-level view (manifest fields, docs).
    pub spec: ModelSpec,
    /// What a person still has to review: one warning per `guessed` or `observed` mark.
    pub warnings: ModelWarnings,
}

impl Model {
    /// The environment of this name.
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }

    /// Every environment's name, in the order of the file.
    pub fn environment_names(&self) -> Vec<&str> {
        self.environments.iter().map(|e| e.name.as_str()).collect()
    }

    /// The environment named `name`, or the one error every command gives for a name the
    /// model lacks: the file, the name, the valid names, and the closest one.
    pub fn require_environment(&self, name: &str) -> Result<&Environment, UnknownEnvironment> {
        self.environment(name)
            .ok_or_else(|| UnknownEnvironment::new(self, name))
    }
}

/// An environment name the model does not define.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{file}: no environment `{name}`{hint}; the model defines: {known}",
    known = .known.join(", "),
    hint = .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
)]
pub struct UnknownEnvironment {
    /// The model file, as the user named it.
    pub file: String,
    /// The name asked for.
    pub name: String,
    /// The model's environments with their org and space, in model order.
    pub known: Vec<String>,
    /// The closest known name, when one is close.
    pub suggestion: Option<String>,
}

impl UnknownEnvironment {
    fn new(model: &Model, name: &str) -> Self {
        let known = model
            .environments
            .iter()
            .map(|e| format!("{} (org {} / space {})", e.name, e.org, e.space))
            .collect();
        let suggestion = model
            .environments
            .iter()
            .map(|e| {
                let score = strsim::jaro_winkler(&name.to_lowercase(), &e.name.to_lowercase());
                (score, &e.name)
            })
            .filter(|(score, _)| *score >= 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| k.clone());
        UnknownEnvironment {
            file: model.file.clone(),
            name: name.to_owned(),
            known,
            suggestion,
        }
    }
}

/// One environment (a CF space) with every name expanded and every override applied.
#[derive(Debug, Clone)]
pub struct Environment {
    /// The environment's name in the model.
    pub name: String,
    /// The CF organization.
    pub org: String,
    /// The CF space.
    pub space: String,
    /// The Cloud Controller's URL, when the model names one.
    pub api: Option<String>,
    /// What the environment is for.
    pub description: Option<String>,
    /// Apps present in this environment, in model order.
    pub apps: Vec<App>,
    /// Service instances present in this environment, in model order.
    pub services: Vec<Service>,
    /// Externals used in this environment, in model order.
    pub externals: Vec<External>,
    /// The environment as a graph (see [`model::graph`](self)).
    pub graph: ArchGraph,
}

impl Environment {
    /// The app of this id (the key in `apps`).
    pub fn app(&self, id: &str) -> Option<&App> {
        self.graph.app_index(id).map(|i| &self.apps[i])
    }
    /// The service instance of this id (the key in `services`).
    pub fn service(&self, id: &str) -> Option<&Service> {
        self.graph.service_index(id).map(|i| &self.services[i])
    }
    pub(crate) fn app_by_name(&self, cf_name: &str) -> Option<&App> {
        self.graph.app_index_by_name(cf_name).map(|i| &self.apps[i])
    }
    /// The service instance of this CF name, in any case (as cf matches names).
    pub fn service_by_name(&self, cf_name: &str) -> Option<&Service> {
        self.graph
            .service_index_by_name(cf_name)
            .map(|i| &self.services[i])
    }
    /// Every (app, binding, service) triple, in model order.
    pub fn bindings(&self) -> impl Iterator<Item = (&App, &Binding, &Service)> {
        self.apps.iter().flat_map(move |app| {
            app.bindings
                .iter()
                .filter_map(move |b| self.service(&b.service).map(|s| (app, b, s)))
        })
    }
}

/// An app as it should be in one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// Stable id (the key in `apps`).
    pub id: String,
    /// CF name, expanded.
    pub name: String,
    /// What the app does.
    pub description: Option<String>,
    /// Desired instances of the web process.
    pub instances: u32,
    /// As written, e.g. `1G`.
    pub memory: Option<String>,
    /// `memory` in megabytes.
    pub memory_mb: Option<u64>,
    /// As written, e.g. `1G`.
    pub disk_quota: Option<String>,
    /// `disk_quota` in megabytes.
    pub disk_quota_mb: Option<u64>,
    /// Expanded routes, in model order.
    pub routes: Vec<String>,
    /// `no-route: true`: the app has no routes on purpose.
    pub no_route: bool,
    /// How CF checks an instance is healthy.
    pub health_check: HealthCheck,
    /// The path of an `http` health check.
    pub health_check_endpoint: Option<String>,
    /// The start command, when the model sets one.
    pub command: Option<String>,
    /// Buildpacks in order; empty for auto-detection.
    pub buildpacks: Vec<String>,
    /// The stack, e.g. `cflinux4`.
    pub stack: Option<String>,
    /// Bindings in model order.
    pub bindings: Vec<Binding>,
}

/// An app's binding to a service instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Service id.
    pub service: String,
    /// A lost binding is CRITICAL (else WARNING).
    pub critical: bool,
    /// What the app uses the instance for, in words for a report.
    pub purpose: Option<String>,
}

/// A service instance as it should be in one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Stable id (the key in `services`).
    pub id: String,
    /// CF name, expanded.
    pub name: String,
    /// What the instance holds.
    pub description: Option<String>,
    /// `None` for user-provided instances.
    pub offering: Option<String>,
    /// The plan; `None` for user-provided instances.
    pub plan: Option<String>,
    /// The broker, when the model names one.
    pub broker: Option<String>,
    /// A user-provided instance (`cf cups`).
    pub user_provided: bool,
    /// What sort of service it is, for diagrams and reports.
    pub kind: ServiceKind,
}

/// Something outside CF that apps use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct External {
    /// Stable id (the key in `externals`).
    pub id: String,
    /// What diagrams call it.
    pub label: String,
    /// What it is.
    pub description: Option<String>,
    /// App ids, only those present in this environment.
    pub used_by: Vec<String>,
}

/// The committed C2 model (`models/c2.json`), for unit tests.
#[cfg(test)]
pub(crate) fn c2_for_tests() -> Model {
    load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/c2.json"
    )))
    .expect("models/c2.json loads")
}
