//! The model file format, version 1, exactly as users write it in `models/*.json`.
//!
//! These types mirror the JSON one to one (unknown keys are errors) and derive the JSON
//! Schema that `archcheck schema` prints. Nothing here applies defaults or templates: that is
//! [`crate::model::resolve`]'s job, which turns a [`ModelSpec`] into one resolved
//! [`crate::model::Environment`] per environment.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The only model format version this build understands.
pub(crate) const FORMAT_VERSION: u64 = 1;

/// A whole system: its environments, apps, service instances and external dependencies.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "archcheck model (format version 1)")]
pub struct ModelSpec {
    /// Optional path or URL of this schema, for editors.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Format version of this file. Must be 1.
    pub version: u64,
    /// Short name of the system, e.g. `c2`. Available to templates as `{system}`.
    pub system: String,
    /// One line on what the system is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Environments by name (e.g. `dev`, `staging`, `prod`), each a Cloud Foundry space.
    pub environments: IndexMap<String, EnvironmentSpec>,
    /// Apps by stable id.
    #[serde(default)]
    pub apps: IndexMap<String, AppSpec>,
    /// Service instances by stable id.
    #[serde(default)]
    pub services: IndexMap<String, ServiceSpec>,
    /// Things outside Cloud Foundry that apps use (login, mail relay, ...), by stable id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub externals: IndexMap<String, ExternalSpec>,
}

/// Where one environment lives.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    /// Cloud Foundry organization.
    pub org: String,
    /// Cloud Foundry space.
    pub space: String,
    /// Cloud Controller API URL, e.g. `https://api.fr.cloud.gov`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// What this environment is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Review marks: fields whose values `archcheck init` guessed, field name -> why.
    /// `archcheck check` warns about each (exit 1) until a person has reviewed the value and
    /// deleted the mark.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub guessed: Marks<EnvironmentField>,
}

/// How Cloud Foundry checks that an app instance is healthy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum HealthCheck {
    /// A TCP connection to the app's port (Cloud Foundry's default).
    Port,
    /// The process is running. `none`, its name before CF API v3, is accepted as an alias.
    #[serde(alias = "none")]
    Process,
    /// An HTTP GET of `health_check_endpoint` answers 200.
    Http,
}

impl HealthCheck {
    /// The word a manifest and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthCheck::Port => "port",
            HealthCheck::Process => "process",
            HealthCheck::Http => "http",
        }
    }
}

/// An app: one `cf push`ed application.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppSpec {
    /// The CF app name; `{env}` and `{system}` expand per environment.
    pub name: String,
    /// What the app does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Desired instance count (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<u32>,
    /// Memory per instance with a CF unit: `512M`, `1G`, `1024MB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// Disk per instance with a CF unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_quota: Option<String>,
    /// Routes (`host.domain[/path]`); templates expand. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<String>>,
    /// True when the app must have no route (a worker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_route: Option<bool>,
    /// Health check type (default `port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    /// Path for an `http` health check, e.g. `/health`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_endpoint: Option<String>,
    /// Start command, when not the buildpack's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Buildpacks, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buildpacks: Option<Vec<String>>,
    /// Stack, e.g. `cflinuxfs4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// Bindings: service ids, or objects with `service`, `critical`, `purpose`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<BindingSpec>>,
    /// Environments where this app exists (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<String>>,
    /// Per-environment replacements of the fields above.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub overrides: IndexMap<String, AppOverride>,
    /// Review marks: fields whose values `archcheck init` guessed, field name -> why.
    /// `archcheck check` warns about each (exit 1) until a person has reviewed the value and
    /// deleted the mark.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub guessed: Marks<AppField>,
    /// Review marks: fields whose values `archcheck init --from-api` read from the live state,
    /// field name -> where. `archcheck check` warns about each (exit 1), and `verify` says the
    /// model has unreviewed observed entries, until a person has compared the value with what
    /// the system should be and deleted the mark.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub observed: Marks<AppField>,
}

/// Fields of an app replaced in one environment. Each given field replaces the app's own.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_quota: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_route: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buildpacks: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<BindingSpec>>,
}

/// One binding of an app to a service instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum BindingSpec {
    /// A service id; the binding is critical.
    Id(String),
    /// A binding with details.
    Detailed(BindingDetail),
}

/// A binding with details.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BindingDetail {
    /// The service id.
    pub service: String,
    /// Whether losing this binding is an outage (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<bool>,
    /// What the app uses the service for; drawn on the diagram's edge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

impl BindingSpec {
    pub fn service(&self) -> &str {
        match self {
            BindingSpec::Id(id) => id,
            BindingSpec::Detailed(d) => &d.service,
        }
    }
}

// A hand-written Deserialize instead of `#[serde(untagged)]`: untagged enums lose the inner
// error ("data did not match any variant"), and we want "unknown field `critcal`" with its path.
impl<'de> Deserialize<'de> for BindingSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BindingVisitor;
        impl<'de> Visitor<'de> for BindingVisitor {
            type Value = BindingSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a service id or an object with `service`, `critical`, `purpose`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<BindingSpec, E> {
                Ok(BindingSpec::Id(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<BindingSpec, A::Error> {
                BindingDetail::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(BindingSpec::Detailed)
            }
        }
        deserializer.deserialize_any(BindingVisitor)
    }
}

/// What a service instance is, for the diagram's shapes and the reports' impact lines.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Deserialize,
    Serialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Database,
    Queue,
    Cache,
    Search,
    Storage,
    Monitoring,
    Logging,
    Email,
    Identity,
    Config,
    #[default]
    Other,
}

impl ServiceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::Database => "database",
            ServiceKind::Queue => "queue",
            ServiceKind::Cache => "cache",
            ServiceKind::Search => "search",
            ServiceKind::Storage => "storage",
            ServiceKind::Monitoring => "monitoring",
            ServiceKind::Logging => "logging",
            ServiceKind::Email => "email",
            ServiceKind::Identity => "identity",
            ServiceKind::Config => "config",
            ServiceKind::Other => "other",
        }
    }
}

/// A service instance: managed (from a broker) or user-provided.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// The CF service instance name; templates expand.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The offering (`cf services`' service/offering column), for managed instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offering: Option<String>,
    /// The plan, for managed instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// The broker, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<String>,
    /// True for a user-provided service instance (`cf cups`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_provided: Option<bool>,
    /// What the instance is (default `other`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ServiceKind>,
    /// Environments where this instance exists (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<String>>,
    /// Per-environment replacements of the fields above.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub overrides: IndexMap<String, ServiceOverride>,
    /// Review marks: fields whose values `archcheck init` guessed, field name -> why.
    /// `archcheck check` warns about each (exit 1) until a person has reviewed the value and
    /// deleted the mark. While `offering` is marked, a managed instance may
    /// lack its `offering` and `plan` (not known yet).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub guessed: Marks<ServiceField>,
    /// Review marks: fields whose values `archcheck init --from-api` read from the live state,
    /// field name -> where. `archcheck check` warns about each (exit 1), and `verify` says the
    /// model has unreviewed observed entries, until a person has compared the value with what
    /// the system should be and deleted the mark.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub observed: Marks<ServiceField>,
}

/// Fields of a service instance replaced in one environment.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offering: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<String>,
}

/// Something outside Cloud Foundry that apps depend on.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalSpec {
    /// How the diagram names it.
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// App ids that use it.
    #[serde(default)]
    pub used_by: Vec<String>,
    /// Environments where it is used (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<String>>,
}

/// Review marks: field name -> why a person has to look at the value. `archcheck init` writes
/// them for what it could not know from the team's manifests: `guessed` for a guess (a service
/// kind from an offering or instance name, a user-provided instance from its name, an
/// organization and space from the cf CLI's target), `observed` for a value read from the live
/// state (`--from-api`), which may be the very mistake the model exists to catch. `archcheck
/// check` reports each mark as a warning (exit 1) until a person has reviewed the value and
/// removed the mark; `verify` says when the model still has observed marks. A mark covers the
/// field and its `overrides`.
pub(crate) type Marks<F> = IndexMap<F, String>;

/// Generates a field-name enum for [`Marks`]: `field_enum!(Name { Variant => "json_name", ... })`.
macro_rules! field_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $json:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
        )]
        pub enum $name {
            $(#[serde(rename = $json)] $variant,)+
        }

        impl $name {
            /// The field's JSON name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $json,)+
                }
            }
        }
    };
}

field_enum!(
    /// A field of an environment that a mark can name.
    EnvironmentField {
        Org => "org",
        Space => "space",
        Api => "api",
    }
);

field_enum!(
    /// A field of an app that a mark can name.
    AppField {
        Name => "name",
        Instances => "instances",
        Memory => "memory",
        DiskQuota => "disk_quota",
        Routes => "routes",
        NoRoute => "no_route",
        HealthCheck => "health_check",
        HealthCheckEndpoint => "health_check_endpoint",
        Command => "command",
        Buildpacks => "buildpacks",
        Stack => "stack",
        Services => "services",
        Environments => "environments",
    }
);

field_enum!(
    /// A field of a service instance that a mark can name.
    ServiceField {
        Name => "name",
        Offering => "offering",
        Plan => "plan",
        Broker => "broker",
        UserProvided => "user_provided",
        Kind => "kind",
        Environments => "environments",
    }
);
