//! The watcher's HTTP endpoints (axum): `GET /metrics` (OpenMetrics text, see
//! [`super::metrics`]), `GET /healthz` (200 while the evidence is fresh or the first round
//! is pending, 503 once it is stale, whether rounds stalled or finish with evidence that is
//! too old; a JSON body with each environment's current status and the evidence's age),
//! `GET /status` (the exported verdict as the JSON report of `verify --format json`, each
//! source saying when it was read). Every answer shows the exported view, so nothing here is
//! ever better than the evidence. Every body passes through [`crate::secret::redact`] on
//! its way out.

use super::metrics;
use super::state::{Freshness, Shared, rfc3339};
use super::webhook::env_headline;
use crate::report::ReportFormat;
use crate::report::ReportOptions;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(healthz))
        .route("/status", get(status))
        .layer(axum::middleware::map_response(redact_body))
        .with_state(shared)
}

/// The largest body this server makes (a `/status` report of a large model is a few MB).
const BODY_LIMIT: usize = 64 << 20;

/// Every answer through [`crate::secret::redact`].
async fn redact_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => {
            let redacted = crate::secret::redact_bytes(&bytes).into_owned();
            Response::from_parts(parts, axum::body::Body::from(redacted))
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read the answer: {e}\n"),
        )
            .into_response(),
    }
}

async fn index() -> &'static str {
    "archcheck watch: GET /metrics (Prometheus), /healthz (is the evidence fresh; each \
     environment's status), /status (the JSON report of the last round)\n"
}

async fn metrics_handler(State(shared): State<Arc<Shared>>) -> Response {
    let view = shared.view(Instant::now());
    let text = metrics::encode_view(&shared, &view);
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response()
}

/// The body of `/healthz`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `starting` (no round completed yet), `running` (fresh evidence), `stalled` (no round
    /// brought fresh evidence within 3 intervals: 503) or `stale` (rounds finish, but with
    /// evidence that was too old when they did: 503).
    pub status: &'static str,
    pub system: String,
    pub interval_seconds: f64,
    /// Evidence older than this is stale.
    pub stale_after_seconds: f64,
    pub rounds: u64,
    pub last_round_at: Option<String>,
    /// When the last completed round's evidence was read (its requests started).
    pub evidence_at: Option<String>,
    /// Its age now; before the first round, the time since the watcher started.
    pub evidence_age_seconds: f64,
    pub environments: Vec<EnvHealth>,
}

#[derive(Debug, Serialize)]
pub struct EnvHealth {
    pub name: String,
    pub status: crate::verify::Status,
    pub headline: String,
}

async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    let view = shared.view(Instant::now());
    let (code, status) = match view.freshness {
        Freshness::Pending => (StatusCode::OK, "starting"),
        Freshness::Fresh => (StatusCode::OK, "running"),
        Freshness::Stale if view.stalled => (StatusCode::SERVICE_UNAVAILABLE, "stalled"),
        Freshness::Stale => (StatusCode::SERVICE_UNAVAILABLE, "stale"),
    };
    let body = Health {
        status,
        system: shared.model.system.clone(),
        interval_seconds: shared.interval.as_secs_f64(),
        stale_after_seconds: super::schedule::stale_after(shared.interval).as_secs_f64(),
        rounds: view.counters.rounds,
        last_round_at: view.last_completed_at.map(rfc3339),
        evidence_at: view.evidence_at.map(rfc3339),
        evidence_age_seconds: view.evidence_age.as_secs_f64(),
        environments: view
            .verdict
            .environments
            .iter()
            .map(|e| EnvHealth {
                name: e.name.clone(),
                status: e.status,
                headline: env_headline(&view.verdict, &e.name),
            })
            .collect(),
    };
    (code, axum::Json(body)).into_response()
}

async fn status(State(shared): State<Arc<Shared>>) -> Response {
    let view = shared.view(Instant::now());
    match crate::report::render(
        &view.verdict,
        &shared.model,
        &ReportOptions {
            format: ReportFormat::Json,
            color: false,
            elapsed: None,
            wait: None,
        },
    ) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot render the report: {e:#}\n"),
        )
            .into_response(),
    }
}
