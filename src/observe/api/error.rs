//! [`ApiError`]: why a request to the Cloud Controller or UAA failed, already phrased for the
//! report (method, URL without query secrets, status, CF error title and detail), plus what the
//! retry logic needs to know (retryable, `Retry-After`, the status code).

use super::resources::{CfError, ErrorEnvelope, UaaError};
use reqwest::Url;
use std::fmt;
use std::time::Duration;

/// A failed request, phrased for a person. Messages never hold a secret: the client scrubs
/// every known token out of them before they leave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub message: String,
    /// HTTP status, when the server answered.
    pub status: Option<u16>,
    /// Worth another try: a connection error, a timeout of one request, 5xx or 429.
    pub retryable: bool,
    /// The server's `Retry-After`, in seconds.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ApiError {
            message: message.into(),
            status: None,
            retryable: false,
            retry_after: None,
        }
    }

    pub(crate) fn transient(message: impl Into<String>) -> Self {
        ApiError {
            retryable: true,
            ..ApiError::new(message)
        }
    }

    /// An answer with an error status to `method` on the URL `shown` (as a message may show
    /// it: [`display_url`] or the client's scrubbed form). `body` is read for the CF error
    /// envelope (or UAA's `error`/`error_description`); the server writes it, so the client
    /// scrubs the message.
    pub(crate) fn from_status(
        method: &str,
        shown: &str,
        status: reqwest::StatusCode,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> Self {
        let mut message = format!("{method} {shown} answered {}", status_text(status));
        if let Some(detail) = describe_body(body) {
            message.push_str(": ");
            message.push_str(&detail);
        }
        let code = status.as_u16();
        ApiError {
            message,
            status: Some(code),
            retryable: code == 429 || status.is_server_error(),
            retry_after,
        }
    }

    /// Prefixes the message with what was being done.
    pub(crate) fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

fn status_text(status: reqwest::StatusCode) -> String {
    match status.canonical_reason() {
        Some(r) => format!("{} {r}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// The CF errors of an envelope (`CF-ResourceNotFound (10010): App not found`), UAA's
/// `error: description`, or nothing when the body is neither.
fn describe_body(body: &[u8]) -> Option<String> {
    if let Ok(env) = serde_json::from_slice::<ErrorEnvelope>(body) {
        let parts: Vec<String> = env.errors.iter().map(describe_cf_error).collect();
        if !parts.is_empty() {
            return Some(parts.join("; "));
        }
    }
    if let Ok(e) = serde_json::from_slice::<UaaError>(body) {
        return Some(match e.error_description {
            Some(d) => format!("{}: {d}", e.error),
            None => e.error,
        });
    }
    None
}

fn describe_cf_error(e: &CfError) -> String {
    let mut s = e.title.clone().unwrap_or_else(|| "CF error".to_owned());
    if let Some(code) = e.code {
        s.push_str(&format!(" ({code})"));
    }
    if let Some(d) = &e.detail {
        s.push_str(": ");
        s.push_str(d);
    }
    s
}

/// Query parameters whose values are never shown.
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "token",
    "refresh_token",
    "id_token",
    "client_secret",
    "password",
    "code",
    "assertion",
];

/// A URL fit for a message: no user or password, no fragment, and the values of query
/// parameters that could carry a secret replaced by `[redacted]`.
pub(crate) fn display_url(url: &Url) -> String {
    display_url_with(url, &|text| text.to_owned())
}

/// [`display_url`], with `scrub` (which replaces known secrets) applied to each query
/// parameter's name and value as decoded and to the whole result: a secret is found however
/// the URL encodes it.
pub(crate) fn display_url_with(url: &Url, scrub: &dyn Fn(&str) -> String) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_fragment(None);
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let secret = SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str());
                let v = if secret {
                    crate::secret::REDACTED.to_owned()
                } else {
                    scrub(&v)
                };
                (scrub(&k), v)
            })
            .collect();
        u.set_query(None);
        if !pairs.is_empty() {
            u.query_pairs_mut().extend_pairs(pairs);
        }
    }
    // Readable brackets and commas: `fields[service_plan]=guid,name`.
    let shown = u
        .to_string()
        .replace("%5B", "[")
        .replace("%5D", "]")
        .replace("%2C", ",");
    scrub(&shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_is_described_with_title_code_and_detail() {
        let body = br#"{"errors":[{"code":10008,"title":"CF-UnprocessableEntity","detail":"something went wrong"}]}"#;
        let url = Url::parse("https://api.example.org/v3/apps?space_guids=a,b").unwrap();
        let e = ApiError::from_status(
            "GET",
            &display_url(&url),
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            body,
            None,
        );
        assert_eq!(
            e.message,
            "GET https://api.example.org/v3/apps?space_guids=a,b answered 422 Unprocessable Entity: CF-UnprocessableEntity (10008): something went wrong"
        );
        assert!(!e.retryable);
        assert_eq!(e.status, Some(422));
    }

    #[test]
    fn server_errors_and_429_are_retryable() {
        let url = Url::parse("https://api.example.org/v3/apps").unwrap();
        assert!(
            ApiError::from_status(
                "GET",
                &display_url(&url),
                reqwest::StatusCode::BAD_GATEWAY,
                b"",
                None
            )
            .retryable
        );
        assert!(
            ApiError::from_status(
                "GET",
                &display_url(&url),
                reqwest::StatusCode::TOO_MANY_REQUESTS,
                b"",
                None
            )
            .retryable
        );
        assert!(
            !ApiError::from_status(
                "GET",
                &display_url(&url),
                reqwest::StatusCode::NOT_FOUND,
                b"",
                None
            )
            .retryable
        );
    }

    #[test]
    fn urls_lose_credentials_and_secret_parameters() {
        let url =
            Url::parse("https://u:p@api.example.org/v3/apps?page=2&access_token=abc&per_page=5")
                .unwrap();
        assert_eq!(
            display_url(&url),
            "https://api.example.org/v3/apps?page=2&access_token=[redacted]&per_page=5"
        );
    }

    #[test]
    fn secrets_are_scrubbed_however_the_url_encodes_them() {
        let token = crate::secret::Secret::new("tok+A/b=c");
        let scrub = |t: &str| token.scrub(t);
        for raw in [
            "https://api.example.org/v3/apps?ref=tok%2BA%2Fb%3Dc&page=2",
            "https://api.example.org/v3/apps?ref=tok%2bA%2fb%3dc",
            "https://api.example.org/v3/tok%2BA%2Fb%3Dc/apps",
            "https://api.example.org/v3/apps?page=2#tok+A/b=c",
        ] {
            let shown = display_url_with(&Url::parse(raw).unwrap(), &scrub);
            assert!(
                !shown.contains("tok") && !shown.contains("%2B") && !shown.contains("%2b"),
                "{raw} shown as {shown}"
            );
            assert!(shown.starts_with("https://api.example.org/v3/"), "{shown}");
        }
        let shown = display_url_with(
            &Url::parse("https://api.example.org/v3/apps?ref=tok%2BA%2Fb%3Dc&page=2").unwrap(),
            &scrub,
        );
        assert_eq!(
            shown,
            "https://api.example.org/v3/apps?ref=[redacted]&page=2"
        );
    }

    #[test]
    fn uaa_errors_are_described() {
        let url = Url::parse("https://uaa.example.org/oauth/token").unwrap();
        let e = ApiError::from_status(
            "POST",
            &display_url(&url),
            reqwest::StatusCode::UNAUTHORIZED,
            br#"{"error":"invalid_token","error_description":"expired"}"#,
            None,
        );
        assert!(
            e.message
                .ends_with("401 Unauthorized: invalid_token: expired"),
            "{}",
            e.message
        );
    }
}
