//! `watch --web-config FILE`: who may look, and over what, in the Prometheus exporter-toolkit's
//! web configuration format, as every Prometheus exporter takes it:
//!
//! ```yaml
//! basic_auth_users:
//!   alice: $2y$10$...   # a bcrypt hash (htpasswd -nBC 10 alice)
//! tls_server_config:
//!   cert_file: server.crt
//!   key_file: server.key
//! ```
//!
//! With users, every endpoint but `/healthz` asks for one of them (HTTP basic auth, checked
//! against the bcrypt hash; a success is remembered for the process's life, so the page's
//! polling does not pay bcrypt's cost every second). With `tls_server_config` ([`tls`]) the
//! watch serves HTTPS only. `http_server_config.http2` is honoured (HTTP/2 over TLS);
//! `http_server_config.headers` and `rate_limit` are refused with a message, and any other key
//! is refused too, never ignored.

pub(crate) mod tls;

use anyhow::{Context, bail};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

/// A checked web configuration.
#[derive(Debug, Default)]
pub(crate) struct WebConfig {
    /// User name to bcrypt hash.
    users: BTreeMap<String, String>,
    /// (user, password) pairs already checked good.
    verified: Mutex<HashSet<(String, String)>>,
    /// HTTPS, when `tls_server_config` is given.
    tls: Option<tls::Tls>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    basic_auth_users: BTreeMap<String, String>,
    #[serde(default)]
    tls_server_config: Option<tls::RawTls>,
    #[serde(default)]
    http_server_config: Option<RawHttp>,
    #[serde(default)]
    rate_limit: Option<serde_json::Value>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    #[serde(default)]
    http2: Option<bool>,
    #[serde(default)]
    headers: Option<serde_json::Value>,
}

/// Remembered good logins at most (then the oldest are forgotten, all at once).
const VERIFIED_KEPT: usize = 64;

impl WebConfig {
    /// Reads and checks the file, and every certificate and key it names (relative names are
    /// relative to its folder).
    pub(crate) fn load(path: &Path) -> anyhow::Result<WebConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read --web-config {}", path.display()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        WebConfig::parse(&text, dir).with_context(|| format!("--web-config {}", path.display()))
    }

    /// Checks a web configuration's text; files it names are relative to `dir`.
    pub(crate) fn parse(text: &str, dir: &Path) -> anyhow::Result<WebConfig> {
        let raw: Raw = serde_saphyr::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "not a web configuration ({e}); its keys are basic_auth_users (user: bcrypt \
                 hash), tls_server_config and http_server_config, as in the Prometheus \
                 exporter-toolkit"
            )
        })?;
        if raw.rate_limit.is_some() {
            bail!("rate_limit is not supported by archcheck watch");
        }
        let http2 = match raw.http_server_config {
            Some(RawHttp {
                headers: Some(_), ..
            }) => bail!(
                "http_server_config.headers is not supported: archcheck watch sends its own \
                 strict headers (Content-Security-Policy, X-Frame-Options, \
                 X-Content-Type-Options, Referrer-Policy)"
            ),
            Some(RawHttp { http2, .. }) => http2.unwrap_or(true),
            None => true,
        };
        check_users(&raw.basic_auth_users)?;
        let tls = raw
            .tls_server_config
            .as_ref()
            .map(|t| tls::Tls::build(t, dir, http2))
            .transpose()?;
        if raw.basic_auth_users.is_empty() && tls.is_none() {
            bail!(
                "neither basic_auth_users nor tls_server_config: give at least one user and \
                 bcrypt hash, or a certificate and key"
            );
        }
        Ok(WebConfig {
            users: raw.basic_auth_users,
            verified: Mutex::default(),
            tls,
        })
    }

    /// HTTPS settings, when the configuration has `tls_server_config`.
    pub(crate) fn tls(&self) -> Option<&tls::Tls> {
        self.tls.as_ref()
    }

    /// Whether requests need a user's credentials (`basic_auth_users`).
    pub(crate) fn has_users(&self) -> bool {
        !self.users.is_empty()
    }

    /// Whether only someone with credentials gets to see the page: a user's password, or a
    /// client certificate the CA signed (`RequireAndVerifyClientCert`).
    pub(crate) fn protects(&self) -> bool {
        self.has_users()
            || self
                .tls
                .as_ref()
                .is_some_and(|t| t.client_auth == tls::ClientAuth::Required)
    }

    /// Whether an `Authorization` header's value names a user with the right password.
    pub(crate) fn allows(&self, authorization: Option<&str>) -> bool {
        let Some((user, password)) = authorization.and_then(crate::http_basic::credentials) else {
            return false;
        };
        let Some(hash) = self.users.get(&user) else {
            return false;
        };
        let key = (user, password);
        let mut verified = self.verified.lock().unwrap_or_else(|p| p.into_inner());
        if verified.contains(&key) {
            return true;
        }
        if bcrypt::verify(&key.1, hash).unwrap_or(false) {
            if verified.len() >= VERIFIED_KEPT {
                verified.clear();
            }
            verified.insert(key);
            return true;
        }
        false
    }
}

/// Every user has a name without `:` and a bcrypt hash (never a password itself).
fn check_users(users: &BTreeMap<String, String>) -> anyhow::Result<()> {
    for (user, hash) in users {
        if user.contains(':') || user.is_empty() {
            bail!("user `{user}`: a user name is not empty and holds no `:`");
        }
        if !(hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"))
            || bcrypt::verify("", hash).is_err()
        {
            bail!(
                "user `{user}`: the password must be a bcrypt hash ($2y$..., e.g. from \
                 `htpasswd -nBC 10 {user}`), never the password itself"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<WebConfig> {
        WebConfig::parse(text, Path::new("."))
    }

    #[test]
    fn users_with_bcrypt_hashes_are_let_in_and_others_are_not() {
        let hash = bcrypt::hash("s3cret", 4).unwrap();
        let c = parse(&format!("basic_auth_users:\n  alice: '{hash}'\n")).unwrap();
        assert!(c.has_users() && c.protects() && c.tls().is_none());
        // alice:s3cret
        assert!(c.allows(Some("Basic YWxpY2U6czNjcmV0")));
        assert!(c.allows(Some("Basic YWxpY2U6czNjcmV0")), "remembered");
        // alice:wrong
        assert!(!c.allows(Some("Basic YWxpY2U6d3Jvbmc=")));
        assert!(!c.allows(None));
        assert!(!c.allows(Some("Bearer x")));
    }

    #[test]
    fn a_plain_password_unknown_keys_and_an_empty_configuration_are_refused() {
        let refused = |text: &str, want: &str| {
            let e = parse(text).unwrap_err();
            assert!(format!("{e:#}").contains(want), "{text}: {e:#}");
        };
        refused(
            "basic_auth_users:\n  alice: s3cret\n",
            "must be a bcrypt hash",
        );
        refused("basic_auth_user:\n  a: b\n", "not a web configuration");
        refused(
            "basic_auth_user:\n  a: b\n",
            "unknown field `basic_auth_user`",
        );
        refused(
            "rate_limit:\n  interval: 1s\n  burst: 2\n",
            "rate_limit is not supported",
        );
        refused(
            "http_server_config:\n  headers:\n    X-Frame-Options: deny\n",
            "http_server_config.headers is not supported",
        );
        refused(
            "http_server_config:\n  http2: false\n",
            "neither basic_auth_users nor tls_server_config",
        );
        refused(
            "tls_server_config:\n  cert_file: a.pem\n  key_file: b.pem\n  foo: 1\n",
            "unknown field `foo`",
        );
    }
}
