//! `watch --web-config FILE`: who may look, in the Prometheus exporter-toolkit's web
//! configuration format, as every Prometheus exporter takes it:
//!
//! ```yaml
//! basic_auth_users:
//!   alice: $2y$10$...   # a bcrypt hash (htpasswd -nBC 10 alice)
//! ```
//!
//! Every endpoint but `/healthz` then asks for one of these users (HTTP basic auth, checked
//! against the bcrypt hash; a success is remembered for the process's life, so the page's
//! polling does not pay bcrypt's cost every second). `tls_server_config` is refused for now
//! with a clear message (terminate TLS in front of the watch); any other key is refused too,
//! never ignored.

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
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    basic_auth_users: BTreeMap<String, String>,
    #[serde(default)]
    tls_server_config: Option<serde_json::Value>,
    #[serde(default)]
    http_server_config: Option<serde_json::Value>,
}

/// Remembered good logins at most (then the oldest are forgotten, all at once).
const VERIFIED_KEPT: usize = 64;

impl WebConfig {
    pub(crate) fn load(path: &Path) -> anyhow::Result<WebConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read --web-config {}", path.display()))?;
        WebConfig::parse(&text).with_context(|| format!("--web-config {}", path.display()))
    }

    pub(crate) fn parse(text: &str) -> anyhow::Result<WebConfig> {
        let raw: Raw = serde_saphyr::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "not a web configuration ({e}); it holds basic_auth_users (user: bcrypt hash)"
            )
        })?;
        if raw.tls_server_config.is_some() {
            bail!(
                "tls_server_config is not supported by archcheck watch yet: terminate TLS in \
                 front of it (e.g. the platform's router), and keep basic_auth_users here"
            );
        }
        if raw.http_server_config.is_some() {
            bail!("http_server_config is not supported by archcheck watch");
        }
        if raw.basic_auth_users.is_empty() {
            bail!("basic_auth_users is empty: give at least one user and bcrypt hash");
        }
        for (user, hash) in &raw.basic_auth_users {
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
        Ok(WebConfig {
            users: raw.basic_auth_users,
            verified: Mutex::default(),
        })
    }

    /// Whether an `Authorization` header's value names a user with the right password.
    pub(crate) fn allows(&self, authorization: Option<&str>) -> bool {
        let Some((user, password)) = authorization.and_then(basic_credentials) else {
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

/// `Basic BASE64(user:password)` to (user, password).
fn basic_credentials(value: &str) -> Option<(String, String)> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64_decode(rest.trim())?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_with_bcrypt_hashes_are_let_in_and_others_are_not() {
        let hash = bcrypt::hash("s3cret", 4).unwrap();
        let c = WebConfig::parse(&format!("basic_auth_users:\n  alice: '{hash}'\n")).unwrap();
        // alice:s3cret
        assert!(c.allows(Some("Basic YWxpY2U6czNjcmV0")));
        assert!(c.allows(Some("Basic YWxpY2U6czNjcmV0")), "remembered");
        // alice:wrong
        assert!(!c.allows(Some("Basic YWxpY2U6d3Jvbmc=")));
        assert!(!c.allows(None));
        assert!(!c.allows(Some("Bearer x")));
    }

    #[test]
    fn a_plain_password_tls_and_unknown_keys_are_refused() {
        let e = WebConfig::parse("basic_auth_users:\n  alice: s3cret\n").unwrap_err();
        assert!(format!("{e:#}").contains("must be a bcrypt hash"), "{e:#}");
        let e =
            WebConfig::parse("tls_server_config:\n  cert_file: a\n  key_file: b\n").unwrap_err();
        assert!(
            format!("{e:#}").contains("tls_server_config is not supported"),
            "{e:#}"
        );
        let e = WebConfig::parse("basic_auth_user:\n  a: b\n").unwrap_err();
        assert!(
            format!("{e:#}").contains("not a web configuration"),
            "{e:#}"
        );
    }
}
