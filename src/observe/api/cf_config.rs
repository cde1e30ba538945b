//! The cf CLI's saved session, `$CF_HOME/.cf/config.json` (default `~/.cf/config.json`):
//! the target API, the access and refresh tokens, the UAA client, and `SSLDisabled`. Read
//! only: archcheck never writes the cf CLI's files.

use crate::secret::Secret;
use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The fields of config.json this source uses; the rest is ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CfConfig {
    #[serde(default)]
    pub target: String,
    /// Stored with its `bearer ` prefix.
    #[serde(default)]
    pub access_token: Secret,
    #[serde(default)]
    pub refresh_token: Secret,
    #[serde(default, rename = "SSLDisabled")]
    pub ssl_disabled: bool,
    #[serde(default, rename = "UAAOAuthClient")]
    pub uaa_oauth_client: String,
    #[serde(default, rename = "UAAOAuthClientSecret")]
    pub uaa_oauth_client_secret: Secret,
    /// The targeted organization (`cf target -o`), for `archcheck init`.
    #[serde(default)]
    pub organization_fields: NamedFields,
    /// The targeted space (`cf target -s`), for `archcheck init`.
    #[serde(default)]
    pub space_fields: NamedFields,
}

/// `{"GUID": ..., "Name": ...}` of config.json's `OrganizationFields` and `SpaceFields`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NamedFields {
    #[serde(default)]
    pub name: String,
}

impl CfConfig {
    /// The UAA client for refreshing, `cf` unless configured.
    pub(crate) fn client(&self) -> (&str, &Secret) {
        let id = if self.uaa_oauth_client.is_empty() {
            "cf"
        } else {
            self.uaa_oauth_client.as_str()
        };
        (id, &self.uaa_oauth_client_secret)
    }
}

/// Where the config lives: `$CF_HOME/.cf/config.json`, else `$HOME/.cf/config.json`.
pub(crate) fn config_path(cf_home: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    cf_home
        .or(home)
        .map(|dir| dir.join(".cf").join("config.json"))
}

/// Reads config.json; `Ok(None)` when it does not exist.
pub(crate) fn read(path: &Path) -> anyhow::Result<Option<CfConfig>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read the cf CLI config {}", path.display()));
        }
    };
    let de = &mut serde_json::Deserializer::from_str(&text);
    let config: CfConfig = serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        anyhow::anyhow!(
            "the cf CLI config {} is not valid: at line {}, column {} (JSON path `{}`): {}",
            path.display(),
            inner.line(),
            inner.column(),
            e.path(),
            safe_message(inner)
        )
    })?;
    Ok(Some(config))
}

/// serde_json's message without its position and without any quoted string value (a
/// misplaced token must not be echoed).
fn safe_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or_default().to_owned();
    if msg.contains("string \"") {
        "a string where another type was expected".to_owned()
    } else {
        msg
    }
}

/// A token without its `bearer ` prefix (the cf CLI stores it with one; `CF_OAUTH_TOKEN` may
/// have one).
pub(crate) fn strip_bearer(token: &str) -> &str {
    let t = token.trim();
    if t.len() > 7 && t[..7].eq_ignore_ascii_case("bearer ") {
        t[7..].trim_start()
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_and_defaults_the_client() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        std::fs::write(
            &p,
            r#"{"ConfigVersion":3,"Target":"https://api.example.org","AccessToken":"bearer abc.def",
                "RefreshToken":"r-1","SSLDisabled":true,"UaaEndpoint":"https://uaa.example.org",
                "UAAOAuthClient":"","UAAOAuthClientSecret":"","OrganizationFields":{"Name":"cap"}}"#,
        )
        .unwrap();
        let c = read(&p).unwrap().unwrap();
        assert_eq!(c.target, "https://api.example.org");
        assert_eq!(strip_bearer(c.access_token.expose()), "abc.def");
        assert!(c.ssl_disabled);
        assert_eq!(c.client().0, "cf");
        assert_eq!(c.organization_fields.name, "cap");
        assert_eq!(c.space_fields.name, "");
        assert!(read(&dir.path().join("none.json")).unwrap().is_none());
    }

    #[test]
    fn invalid_config_names_file_and_place() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        std::fs::write(&p, "{\n  \"Target\": 5\n}").unwrap();
        let e = read(&p).err().unwrap().to_string();
        assert!(
            e.contains("config.json") && e.contains("line 2") && e.contains("Target"),
            "{e}"
        );
    }

    #[test]
    fn strips_bearer_in_any_case() {
        assert_eq!(strip_bearer("bearer x.y"), "x.y");
        assert_eq!(strip_bearer("Bearer  x.y"), "x.y");
        assert_eq!(strip_bearer("x.y"), "x.y");
    }
}
