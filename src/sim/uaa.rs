//! The simulated UAA: `POST /oauth/token` granting `password`, `client_credentials` and
//! `refresh_token` (form-encoded, client authentication by HTTP Basic as the cf CLI sends
//! `cf:`, or `client_id`/`client_secret` in the form), and the store of issued tokens.
//!
//! Tokens are JWT-shaped (`header.payload.signature`, base64url) with an `exp` claim; they are
//! random, never logged, and valid until they expire or an `expire-tokens` fault is applied.
//! Without `--require-token`, any user or client and secret is granted, and any bearer token
//! or refresh token the simulator did not issue is accepted too (so a cf CLI session pointed
//! at the simulator works), except while an `expire-tokens` fault is in effect.

use super::state::Shared;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Issued tokens.
#[derive(Debug)]
pub(crate) struct Tokens {
    access: HashMap<String, Issued>,
    refresh: HashSet<String>,
    seq: u64,
    /// Access tokens with a sequence number up to this one are invalid (`expire-tokens`).
    valid_from: u64,
    ttl: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Issued {
    seq: u64,
    /// `None`: beyond what an `Instant` can hold, i.e. never.
    expires: Option<Instant>,
}

impl Tokens {
    pub(crate) fn new(ttl: Duration) -> Tokens {
        Tokens {
            access: HashMap::new(),
            refresh: HashSet::new(),
            seq: 0,
            valid_from: 0,
            ttl,
        }
    }

    /// Makes every access token issued so far invalid.
    pub(crate) fn expire_all(&mut self) {
        self.valid_from = self.seq;
    }

    /// Whether an access token is accepted. `lenient`: tokens the simulator did not issue are
    /// accepted too.
    pub(crate) fn accepts(&self, token: &str, lenient: bool) -> bool {
        match self.access.get(token) {
            Some(t) => t.seq > self.valid_from && t.expires.is_none_or(|e| Instant::now() < e),
            None => lenient && !token.is_empty(),
        }
    }

    fn knows_refresh(&self, token: &str) -> bool {
        self.refresh.contains(token)
    }

    /// Issues an access token (and a refresh token when asked).
    fn issue(&mut self, subject: &str, client_id: &str, grant: &str, with_refresh: bool) -> Value {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let jti = random_hex(16);
        let ttl = self.ttl.as_secs().max(1);
        let scope = ["openid", "cloud_controller.read", "cloud_controller.write"];
        let mut claims = json!({
            "jti": jti,
            "sub": super::ids::guid(&format!("user/{subject}")),
            "scope": scope,
            "client_id": client_id,
            "cid": client_id,
            "grant_type": grant,
            "iat": now,
            "exp": now.saturating_add(ttl),
            "iss": "http://simulated-uaa/oauth/token",
            "zid": "uaa",
            "aud": ["cloud_controller", "openid"],
        });
        if grant != "client_credentials" {
            claims["user_name"] = json!(subject);
            claims["user_id"] = claims["sub"].clone();
            claims["origin"] = json!("uaa");
        }
        let access = format!(
            "{}.{}.{}",
            b64url(br#"{"alg":"RS256","kid":"sim-key-1","typ":"JWT"}"#),
            b64url(claims.to_string().as_bytes()),
            b64url(random_hex(32).as_bytes())
        );
        self.seq += 1;
        self.access.insert(
            access.clone(),
            Issued {
                seq: self.seq,
                expires: Instant::now().checked_add(self.ttl),
            },
        );
        let mut body = json!({
            "access_token": access,
            "token_type": "bearer",
            "expires_in": ttl.saturating_sub(1),
            "scope": scope.join(" "),
            "jti": jti,
        });
        if with_refresh {
            let refresh = format!("{}-r", random_hex(32));
            self.refresh.insert(refresh.clone());
            body["refresh_token"] = json!(refresh);
        }
        body
    }
}

use serde_json::Value;

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// base64url without padding.
pub(crate) fn b64url(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..=chunk.len() {
            let c = B64[((n >> (18 - 6 * i)) & 63) as usize];
            out.push(match c {
                b'+' => '-',
                b'/' => '_',
                c => c as char,
            });
        }
    }
    out
}

/// `(client_id, client_secret)` from an HTTP Basic `Authorization` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    crate::http_basic::credentials(headers.get(header::AUTHORIZATION)?.to_str().ok()?)
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// `POST /oauth/token`.
pub(crate) async fn token(
    State(sim): State<Arc<Shared>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form: HashMap<String, String> = parse_form(&body);
    let (client_id, client_secret) = basic_credentials(&headers)
        .or_else(|| {
            form.get("client_id").map(|id| {
                (
                    id.clone(),
                    form.get("client_secret").cloned().unwrap_or_default(),
                )
            })
        })
        .unwrap_or_else(|| ("cf".into(), String::new()));
    let required = sim.require_token.as_ref();
    let grant = form.get("grant_type").map(String::as_str).unwrap_or("");
    let mut tokens = sim.tokens();
    match grant {
        "password" => {
            let (Some(user), Some(password)) = (form.get("username"), form.get("password")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "username and password are required",
                );
            };
            if required.is_some_and(|(id, secret)| id != user || secret != password) {
                return oauth_error(StatusCode::UNAUTHORIZED, "unauthorized", "Bad credentials");
            }
            Json(tokens.issue(user, &client_id, grant, true)).into_response()
        }
        "client_credentials" => {
            if required.is_some_and(|(id, secret)| *id != client_id || *secret != client_secret) {
                return oauth_error(StatusCode::UNAUTHORIZED, "unauthorized", "Bad credentials");
            }
            Json(tokens.issue(&client_id, &client_id, grant, false)).into_response()
        }
        "refresh_token" => {
            let refresh = form.get("refresh_token").map(String::as_str).unwrap_or("");
            let known = tokens.knows_refresh(refresh);
            if refresh.is_empty() || (!known && required.is_some()) {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "Invalid refresh token",
                );
            }
            let user = required.map(|(id, _)| id.as_str()).unwrap_or("sim-user");
            Json(tokens.issue(user, &client_id, grant, true)).into_response()
        }
        "" => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing grant type",
        ),
        other => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!(
                "Unsupported grant type: {other}; the simulator grants password, client_credentials and refresh_token"
            ),
        ),
    }
}

/// Parses `application/x-www-form-urlencoded`.
pub(crate) fn parse_form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                super::query::percent_decode(k),
                super::query::percent_decode(v),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_without_padding() {
        assert_eq!(b64url(b"cf:"), "Y2Y6");
        assert_eq!(b64url(b"ab"), "YWI");
    }

    #[test]
    fn expiry_and_leniency() {
        let mut t = Tokens::new(Duration::from_secs(60));
        let body = t.issue("alice", "cf", "password", true);
        let access = body["access_token"].as_str().unwrap().to_owned();
        assert_eq!(access.split('.').count(), 3);
        assert!(body["refresh_token"].is_string());
        assert!(t.accepts(&access, false));
        assert!(t.accepts("foreign", true));
        assert!(!t.accepts("foreign", false));
        t.expire_all();
        assert!(!t.accepts(&access, true));
        let fresh = t.issue("alice", "cf", "refresh_token", true);
        assert!(t.accepts(fresh["access_token"].as_str().unwrap(), false));
        let mut short = Tokens::new(Duration::from_millis(1));
        let b = short.issue("a", "cf", "client_credentials", false);
        assert!(b.get("refresh_token").is_none());
        std::thread::sleep(Duration::from_millis(5));
        assert!(!short.accepts(b["access_token"].as_str().unwrap(), true));
    }
}
