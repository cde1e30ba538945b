//! The simulator's own control endpoints (never subject to faults, no token needed):
//! - `GET /_sim/faults`: the faults in effect, `{"faults":[{"spec":..., "remaining":N|null}]}`.
//! - `POST /_sim/faults` with `{"faults":["unbind:staging:worker:queue", ...]}` (or a bare
//!   array, or `{"fault":"..."}`): adds faults, all or none; 422 envelope on an invalid one.
//! - `DELETE /_sim/faults`: removes every fault (back to the scenario's state).
//! - `GET /_sim/stats`: `{"total":N,"paths":{"/v3/apps":N,...},"in_a_row":N,"over_limit":N}`
//!   (the most requests in a row, see [`crate::sim::state`]; requests past the `budget`
//!   fault's limit); `DELETE` resets it and the log.
//! - `GET /_sim/requests`: `{"requests":["/v3/apps?space_guids=...", ...]}`, the last
//!   [`crate::sim::state::LOG_LIMIT`] requests as sent, in the order they came.
//! - `GET /_sim/clock`: `{"now":"2026-08-20T13:16:00Z"}`, the simulator's time; `POST` with
//!   `{"advance_seconds":N}` moves it on by N seconds (never back), so a deployment plays out
//!   without waiting for it.

use super::error::ApiError;
use crate::sim::fault::Fault;
use crate::sim::state::Shared;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use std::sync::Arc;

fn faults_body(sim: &Shared) -> Json<Value> {
    let list: Vec<Value> = sim
        .faults()
        .into_iter()
        .map(|(f, remaining)| json!({ "spec": f.to_string(), "remaining": remaining }))
        .collect();
    Json(json!({ "faults": list }))
}

pub(crate) async fn get_faults(State(sim): State<Arc<Shared>>) -> Json<Value> {
    faults_body(&sim)
}

/// The spec strings of a POST body.
fn specs(body: &str) -> Result<Vec<String>, String> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| format!("the body is not JSON ({e}); send {{\"faults\": [\"SPEC\", ...]}}"))?;
    let list = match &v {
        Value::Array(_) => &v,
        Value::Object(m) if m.contains_key("faults") => &m["faults"],
        Value::Object(m) if m.get("fault").is_some_and(Value::is_string) => {
            return Ok(vec![m["fault"].as_str().unwrap_or_default().to_owned()]);
        }
        _ => return Err("send {\"faults\": [\"SPEC\", ...]}".into()),
    };
    list.as_array()
        .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_owned)).collect())
        .ok_or_else(|| "`faults` must be an array of strings".into())
}

pub(crate) async fn post_faults(
    State(sim): State<Arc<Shared>>,
    body: String,
) -> Result<Json<Value>, ApiError> {
    let specs = specs(&body).map_err(ApiError::unprocessable)?;
    let faults = specs
        .iter()
        .map(|s| Fault::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    sim.add_faults(&faults).map_err(ApiError::unprocessable)?;
    Ok(faults_body(&sim))
}

pub(crate) async fn delete_faults(State(sim): State<Arc<Shared>>) -> Json<Value> {
    sim.clear_faults();
    faults_body(&sim)
}

pub(crate) async fn get_stats(State(sim): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(sim.stats()))
}

/// `GET /_sim/requests`: the request log since the last `DELETE /_sim/stats`.
pub(crate) async fn get_requests(State(sim): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({ "requests": sim.request_log() }))
}

pub(crate) async fn delete_stats(State(sim): State<Arc<Shared>>) -> Json<Value> {
    sim.reset_stats();
    Json(json!(sim.stats()))
}

fn clock_body(sim: &Shared) -> Json<Value> {
    Json(json!({ "now": crate::time_format::rfc3339_utc(sim.now_ms().div_euclid(1000)) }))
}

pub(crate) async fn get_clock(State(sim): State<Arc<Shared>>) -> Json<Value> {
    clock_body(&sim)
}

pub(crate) async fn post_clock(
    State(sim): State<Arc<Shared>>,
    body: String,
) -> Result<Json<Value>, ApiError> {
    let v: Value = serde_json::from_str(&body).map_err(|e| {
        ApiError::unprocessable(format!(
            "the body is not JSON ({e}); send {{\"advance_seconds\": N}}"
        ))
    })?;
    let secs = v
        .get("advance_seconds")
        .and_then(Value::as_u64)
        .filter(|s| *s <= 10 * 365 * 86_400)
        .ok_or_else(|| {
            ApiError::unprocessable("send {\"advance_seconds\": N}, N a whole number of seconds")
        })?;
    sim.advance_clock(std::time::Duration::from_secs(secs));
    Ok(clock_body(&sim))
}
