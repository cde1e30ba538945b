//! The Cloud Controller's error envelope:
//! `{"errors":[{"code":10010,"title":"CF-ResourceNotFound","detail":"App not found"}]}`
//! with the HTTP status that goes with each error.

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: u32,
    pub title: &'static str,
    pub detail: String,
    /// `Retry-After` seconds, for 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: u16, code: u32, title: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            title,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// 404 for a resource that does not exist, e.g. `not_found("App")`.
    pub(crate) fn not_found(what: &str) -> ApiError {
        ApiError::new(
            404,
            10010,
            "CF-ResourceNotFound",
            format!("{what} not found"),
        )
    }

    /// 404 for a path the API does not have.
    pub(crate) fn unknown_request() -> ApiError {
        ApiError::new(404, 10000, "CF-NotFound", "Unknown request")
    }

    pub(crate) fn bad_query(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            400,
            10005,
            "CF-BadQueryParameter",
            format!("The query parameter is invalid: {}", detail.into()),
        )
    }

    /// 401: no `Authorization` header.
    pub(crate) fn not_authenticated() -> ApiError {
        ApiError::new(401, 10002, "CF-NotAuthenticated", "Authentication error")
    }

    /// 401: a token that is expired, revoked or unknown. Clients refresh on this one.
    pub(crate) fn invalid_token() -> ApiError {
        ApiError::new(401, 1000, "CF-InvalidAuthToken", "Invalid Auth Token")
    }

    pub(crate) fn rate_limited(retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(429, 10013, "CF-RateLimitExceeded", "Rate Limit Exceeded")
        }
    }

    pub(crate) fn unprocessable(detail: impl Into<String>) -> ApiError {
        ApiError::new(422, 10008, "CF-UnprocessableEntity", detail)
    }

    /// The envelope a `status:CODE` fault answers with.
    pub(crate) fn for_status(status: u16) -> ApiError {
        match status {
            400 => ApiError::new(
                400,
                1001,
                "CF-MessageParseError",
                "Request invalid due to parse error (simulated)",
            ),
            401 => ApiError::invalid_token(),
            403 => ApiError::new(
                403,
                10003,
                "CF-NotAuthorized",
                "You are not authorized to perform the requested action",
            ),
            404 => ApiError::unknown_request(),
            422 => ApiError::unprocessable("The request is semantically invalid (simulated)"),
            429 => ApiError::rate_limited(1),
            502 => ApiError::new(502, 10001, "CF-ServerError", "Bad gateway (simulated)"),
            503 => ApiError::new(
                503,
                10015,
                "CF-ServiceUnavailable",
                "Service unavailable (simulated)",
            ),
            504 => ApiError::new(504, 10001, "CF-ServerError", "Gateway timeout (simulated)"),
            s if s >= 500 => ApiError::new(s, 10001, "CF-ServerError", "Server error (simulated)"),
            s => ApiError::new(
                s,
                10004,
                "CF-InvalidRequest",
                "The request is invalid (simulated)",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = json!({ "errors": [{ "code": self.code, "title": self.title, "detail": self.detail }] });
        let mut resp = (status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            let h = resp.headers_mut();
            // As the Cloud Controller's rate limiter answers: a JSON body sent as plain text.
            h.insert(
                "content-type",
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            h.insert("retry-after", HeaderValue::from(secs));
            h.insert("x-ratelimit-limit", HeaderValue::from(2000u32));
            h.insert("x-ratelimit-remaining", HeaderValue::from(0u32));
            let reset = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
                .saturating_add(secs);
            h.insert("x-ratelimit-reset", HeaderValue::from(reset));
        }
        if self.status == 401 {
            resp.headers_mut().insert(
                "www-authenticate",
                HeaderValue::from_static("Bearer realm=\"simulated-cloud-controller\""),
            );
        }
        resp
    }
}
