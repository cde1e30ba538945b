//! Serde types of the Cloud Controller v3 responses this source reads: only the fields it
//! uses, unknown fields ignored, so newer Cloud Controllers keep working. Shapes follow the
//! published v3 examples (`pagination`, `resources`, `included`, `relationships.*.data.guid`,
//! the `{"errors":[...]}` envelope).

use crate::secret::Secret;
use serde::Deserialize;

/// One page of a list: `resources`, the link to the next page, and `included` resources.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Page<T, I = NoIncluded> {
    pub pagination: Pagination,
    pub resources: Vec<T>,
    /// Absent (or null) unless asked with `include` or `fields`.
    pub included: Option<I>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct NoIncluded {}

/// What a page says of the list: the server's numbers, believed only as far as
/// [`super::pages::PageGuard`] allows.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Pagination {
    #[serde(default)]
    pub total_results: Option<u64>,
    #[serde(default)]
    pub total_pages: Option<u64>,
    #[serde(default)]
    pub next: Option<Link>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Link {
    pub href: String,
}

/// `{"data": {"guid": ...}}`, where `data` may be null.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ToOne {
    #[serde(default)]
    pub data: Option<GuidRef>,
}

impl ToOne {
    pub(crate) fn guid(&self) -> Option<&str> {
        self.data.as_ref().map(|d| d.guid.as_str())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GuidRef {
    pub guid: String,
}

/// `GET /`: links to the other components.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Root {
    pub links: RootLinks,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RootLinks {
    #[serde(default)]
    pub login: Option<Link>,
    #[serde(default)]
    pub uaa: Option<Link>,
}

/// A UAA token grant's answer.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: Secret,
    #[serde(default)]
    pub refresh_token: Option<Secret>,
}

/// UAA's error answer, e.g. `{"error":"invalid_token","error_description":"..."}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct UaaError {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
}

/// The v3 error envelope.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ErrorEnvelope {
    pub errors: Vec<CfError>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CfError {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
}

/// `GET /v3/service_instances/:guid/relationships/shared_spaces`: the spaces an instance
/// is shared into.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SharedSpaces {
    pub data: Vec<GuidRef>,
}

// ---- spaces ----

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Space {
    pub guid: String,
    pub name: String,
    pub relationships: SpaceRelationships,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SpaceRelationships {
    pub organization: ToOne,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SpaceIncluded {
    #[serde(default)]
    pub organizations: Vec<Named>,
}

/// A resource of which only the GUID and name matter (organizations in `included`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Named {
    pub guid: String,
    pub name: String,
}

// ---- service instances ----

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ServiceInstance {
    pub guid: String,
    pub name: String,
    /// `managed` or `user-provided`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `None` when the field is missing or `null`: the Cloud Controller always sends it
    /// (`{}` for no operation), so its absence says nothing about the instance.
    #[serde(default)]
    pub last_operation: Option<LastOperation>,
    #[serde(default)]
    pub relationships: InstanceRelationships,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct InstanceRelationships {
    #[serde(default)]
    pub service_plan: Option<ToOne>,
    #[serde(default)]
    pub space: Option<ToOne>,
}

/// `{}` (both fields empty) when the instance has no last operation, as the Cloud Controller
/// answers for instances created before operations were recorded.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct LastOperation {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub state: String,
}

/// `included` of a service instance list asked with the three `fields[...]` parameters.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct InstanceIncluded {
    #[serde(default)]
    pub service_plans: Vec<Plan>,
    #[serde(default)]
    pub service_offerings: Vec<Offering>,
    #[serde(default)]
    pub service_brokers: Vec<Named>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Plan {
    pub guid: String,
    pub name: String,
    #[serde(default)]
    pub relationships: PlanRelationships,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct PlanRelationships {
    #[serde(default)]
    pub service_offering: ToOne,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Offering {
    pub guid: String,
    pub name: String,
    #[serde(default)]
    pub relationships: OfferingRelationships,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct OfferingRelationships {
    #[serde(default)]
    pub service_broker: ToOne,
}

// ---- credential bindings ----

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CredentialBinding {
    pub guid: String,
    /// When it was created: an app's running instances see it only when they started later.
    #[serde(default)]
    pub created_at: Option<String>,
    /// `app` or `key`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub last_operation: Option<LastOperation>,
    pub relationships: BindingRelationships,
}

impl CredentialBinding {
    /// Whether the app gets this binding's credentials: the Cloud Controller puts a binding
    /// into VCAP_SERVICES only when it has no last operation or `create succeeded`.
    pub(crate) fn in_effect(&self) -> bool {
        self.last_operation.as_ref().is_none_or(|op| {
            (op.kind.is_empty() && op.state.is_empty())
                || (op.kind == "create" && op.state == "succeeded")
        })
    }

    /// Being created (`create initial` or `create in progress`): not in effect yet, and may
    /// be soon.
    pub(crate) fn being_created(&self) -> bool {
        self.last_operation.as_ref().is_some_and(|op| {
            op.kind == "create" && matches!(op.state.as_str(), "initial" | "in progress")
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct BindingRelationships {
    #[serde(default)]
    pub app: Option<ToOne>,
    pub service_instance: ToOne,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct BindingIncluded {
    #[serde(default)]
    pub apps: Vec<IncludedApp>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IncludedApp {
    pub guid: String,
    pub name: String,
    #[serde(default)]
    pub relationships: AppRelationships,
}

// ---- apps, processes, routes ----

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct App {
    pub guid: String,
    pub name: String,
    /// `STARTED` or `STOPPED`.
    pub state: String,
    /// Its space: what an app of a list over several spaces is attributed by.
    #[serde(default)]
    pub relationships: AppRelationships,
}

// ---- deployments ----

/// One deployment (`/v3/deployments`), as `app/presenters/v3/deployment_presenter.rb` of the
/// Cloud Controller presents it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Deployment {
    pub guid: String,
    #[serde(default)]
    pub created_at: Option<String>,
    pub status: DeploymentStatus,
    /// `rolling` or `canary`; absent before the Cloud Controller had strategies.
    #[serde(default)]
    pub strategy: Option<String>,
    #[serde(default)]
    pub options: Option<DeploymentOptions>,
    /// The processes it created (the web process's clone).
    #[serde(default)]
    pub new_processes: Vec<NewProcess>,
    pub relationships: DeploymentRelationships,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DeploymentStatus {
    /// `ACTIVE` or `FINALIZED`.
    pub value: String,
    /// `DEPLOYING`, `PAUSED`, `CANCELING` (active); `DEPLOYED`, `CANCELED`, `SUPERSEDED`.
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub details: Option<DeploymentDetails>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct DeploymentDetails {
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct DeploymentOptions {
    #[serde(default)]
    pub web_instances: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct NewProcess {
    pub guid: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DeploymentRelationships {
    pub app: ToOne,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AppRelationships {
    #[serde(default)]
    pub space: ToOne,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Process {
    pub guid: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub instances: u32,
    pub relationships: ProcessRelationships,
    /// Its last change: every start of the process (a restart, a restage) changes it.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Present when asked with `embed=process_instances`.
    #[serde(default)]
    pub process_instances: Option<Vec<InstanceState>>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProcessRelationships {
    pub app: ToOne,
}

/// One instance's state, from `embed=process_instances` or `/v3/processes/:guid/stats`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct InstanceState {
    pub state: String,
    /// Embedded instances: seconds the instance has been in its state (the Cloud
    /// Controller's `instances_stats_reporter.rb` sends now minus the LRP's `since`, despite
    /// the name), absent for an instance that is down.
    #[serde(default)]
    pub since: Option<f64>,
    /// Stats: seconds since the instance started.
    #[serde(default)]
    pub uptime: Option<f64>,
}

/// `GET /v3/processes/:guid/stats`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProcessStats {
    pub resources: Vec<InstanceState>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Route {
    pub url: String,
    #[serde(default)]
    pub destinations: Vec<Destination>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Destination {
    pub app: DestinationApp,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DestinationApp {
    pub guid: String,
}

// ---- audit events ----

/// One audit event (`/v3/audit_events`), as `app/presenters/v3/event_presenter.rb` presents
/// it. Of `data`, only GUIDs, names and types are ever read.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AuditEvent {
    pub guid: String,
    pub created_at: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub actor: Option<EventParty>,
    #[serde(default)]
    pub target: Option<EventParty>,
    #[serde(default)]
    pub data: serde_json::Value,
}

/// An event's actor or target.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct EventParty {
    pub guid: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
}
