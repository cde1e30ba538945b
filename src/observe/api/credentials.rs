//! Which credentials each Cloud Controller gets, when environments live on several
//! foundations (a GovCloud and a commercial one, SAP BTP regions): `--credentials FILE` (or
//! `ARCHCHECK_CREDENTIALS`), a JSON file that maps an API URL to where its token comes from.
//! It names environment variables and directories, never a secret itself, so it can be
//! committed next to the model:
//!
//! ```json
//! {
//!   "apis": {
//!     "https://api.fr.cloud.gov": { "client_id_env": "GOV_CF_CLIENT_ID", "client_secret_env": "GOV_CF_CLIENT_SECRET" },
//!     "https://api.cf.eu10.hana.ondemand.com": { "cf_home": "/etc/archcheck/btp-eu10" },
//!     "https://api.sys.example.com": { "token_env": "TANZU_CF_TOKEN" }
//!   }
//! }
//! ```
//!
//! An API the file names gets exactly the source it names (a client-credentials grant from two
//! variables, a token from one, or the cf CLI session saved under a `CF_HOME` directory);
//! any other API gets the process-wide `CF_OAUTH_TOKEN`, `CF_CLIENT_ID`/`CF_CLIENT_SECRET` or
//! cf CLI session. `client_secret_file` reads the secret from a file instead (systemd's
//! `LoadCredential`). Errors name the file, the API and the variable, never a value.

use super::auth::CredentialEnv;
use crate::secret::Secret;
use anyhow::Context;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file: API URL -> its token source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    apis: BTreeMap<String, Spec>,
}

/// Where one API's token comes from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    /// A variable holding an OAuth token (as `CF_OAUTH_TOKEN`).
    token_env: Option<String>,
    /// Variables holding a UAA client's id and secret (as `CF_CLIENT_ID`/`CF_CLIENT_SECRET`).
    client_id_env: Option<String>,
    client_secret_env: Option<String>,
    /// A file holding the client secret (e.g. `$CREDENTIALS_DIRECTORY/...`).
    client_secret_file: Option<PathBuf>,
    /// A directory with the cf CLI's `.cf/config.json` (as `CF_HOME`).
    cf_home: Option<PathBuf>,
}

/// The credentials file, read and checked.
#[derive(Debug, Default)]
pub(crate) struct Credentials {
    path: PathBuf,
    /// Normalized API URL -> its source.
    apis: Vec<(String, Spec)>,
}

impl Credentials {
    /// Reads `path`; every entry is checked (a URL, exactly one way to get a token).
    pub(crate) fn read(path: &Path) -> anyhow::Result<Credentials> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the credentials file {}", path.display()))?;
        let de = &mut serde_json::Deserializer::from_str(&text);
        let file: File = serde_path_to_error::deserialize(de).map_err(|e| {
            anyhow::anyhow!(
                "the credentials file {} is not valid at `{}` (line {}, column {}): {}; expected {{\"apis\": {{\"https://api.example.com\": {{\"client_id_env\": \"VAR\", \"client_secret_env\": \"VAR\"}}}}}} with token_env, client_id_env + client_secret_env (or client_secret_file), or cf_home",
                path.display(),
                e.path(),
                e.inner().line(),
                e.inner().column(),
                // serde's message quotes at most a key or a type here: the file holds no secret.
                e.inner()
            )
        })?;
        let mut apis = Vec::new();
        for (url, spec) in file.apis {
            let normalized = super::normalize_api(&url)
                .with_context(|| {
                    format!(
                        "the credentials file {} names `{url}`, which is not an API URL",
                        path.display()
                    )
                })?
                .as_str()
                .to_owned();
            let ways = [
                spec.token_env.is_some(),
                spec.client_id_env.is_some()
                    || spec.client_secret_env.is_some()
                    || spec.client_secret_file.is_some(),
                spec.cf_home.is_some(),
            ]
            .iter()
            .filter(|w| **w)
            .count();
            if ways != 1 {
                anyhow::bail!(
                    "the credentials file {} gives {url} {ways} ways to get a token; give exactly one: token_env, client_id_env with client_secret_env or client_secret_file, or cf_home",
                    path.display()
                );
            }
            if (spec.client_id_env.is_some())
                != (spec.client_secret_env.is_some() || spec.client_secret_file.is_some())
            {
                anyhow::bail!(
                    "the credentials file {} gives {url} a client id without a secret or a secret without an id: give client_id_env with client_secret_env or client_secret_file",
                    path.display()
                );
            }
            apis.push((normalized, spec));
        }
        Ok(Credentials {
            path: path.to_owned(),
            apis,
        })
    }

    /// The credential variables for the API `url` (normalized): the file's, read from the
    /// process, when it names the API; else `None` (the process-wide ones apply).
    pub(crate) fn env_for(&self, url: &str) -> anyhow::Result<Option<CredentialEnv>> {
        let Some((_, spec)) = self.apis.iter().find(|(u, _)| u == url) else {
            return Ok(None);
        };
        let var = |name: &str| -> anyhow::Result<String> {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .with_context(|| {
                    format!(
                        "the credentials file {} takes the token for {url} from ${name}, which is not set",
                        self.path.display()
                    )
                })
        };
        let mut env = CredentialEnv {
            home: std::env::var_os("HOME").map(PathBuf::from),
            ..CredentialEnv::default()
        };
        if let Some(name) = &spec.token_env {
            env.oauth_token = Some(Secret::new(var(name)?));
        }
        if let Some(name) = &spec.client_id_env {
            env.client_id = Some(var(name)?);
        }
        if let Some(name) = &spec.client_secret_env {
            env.client_secret = Some(Secret::new(var(name)?));
        }
        if let Some(file) = &spec.client_secret_file {
            let secret = std::fs::read_to_string(file).with_context(|| {
                format!(
                    "cannot read the client secret file {} that the credentials file {} names for {url}",
                    file.display(),
                    self.path.display()
                )
            })?;
            env.client_secret = Some(Secret::new(secret.trim()));
        }
        if let Some(home) = &spec.cf_home {
            env.cf_home = Some(home.clone());
            // Only the session under this home: no fallback to the user's own.
            env.home = None;
        }
        Ok(Some(env))
    }
}
