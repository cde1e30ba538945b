//! Credentials that are not environment variables, for running where a team runs services:
//! a credential named by an environment variable (`CF_CLIENT_SECRET`) is that variable when
//! set, else
//!
//! 1. the file `$CREDENTIALS_DIRECTORY/cf_client_secret` (the name in lower case): systemd's
//!    `LoadCredential=cf_client_secret:/etc/archcheck/cf_client_secret` puts it there, readable
//!    by the service alone;
//! 2. else the key `cf_client_secret` in the `credentials` of a service instance bound to the
//!    app, from `VCAP_SERVICES` (on Cloud Foundry, a user-provided service:
//!    `cf create-user-provided-service archcheck-credentials -p cf_client_id,cf_client_secret`).
//!    Two instances giving the key different values is an error (which one is meant?).
//!
//! A value is trimmed of surrounding white space (a file written by `echo` ends in a newline);
//! an empty one counts as absent. A file that exists but cannot be read, and a `VCAP_SERVICES`
//! that is not JSON, are errors, never silently no credential.

use anyhow::Context;
use std::path::PathBuf;

/// Where credentials are looked up after the environment variables.
#[derive(Debug, Clone, Default)]
pub(crate) struct Credentials {
    /// `$CREDENTIALS_DIRECTORY`.
    pub directory: Option<PathBuf>,
    /// `$VCAP_SERVICES`, parsed.
    pub vcap_services: Option<serde_json::Value>,
}

impl Credentials {
    /// The process's `CREDENTIALS_DIRECTORY` and `VCAP_SERVICES`.
    pub(crate) fn from_process() -> anyhow::Result<Credentials> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Credentials::new(
            var("CREDENTIALS_DIRECTORY").map(PathBuf::from),
            var("VCAP_SERVICES").as_deref(),
        )
    }

    /// From a credentials directory and the text of a `VCAP_SERVICES`.
    pub(crate) fn new(
        directory: Option<PathBuf>,
        vcap_services: Option<&str>,
    ) -> anyhow::Result<Self> {
        let vcap_services = vcap_services
            .map(|text| {
                // Never quote it: it holds every bound service's credentials.
                serde_json::from_str::<serde_json::Value>(text).map_err(|e| {
                    anyhow::anyhow!(
                        "VCAP_SERVICES is not JSON (line {}, column {})",
                        e.line(),
                        e.column()
                    )
                })
            })
            .transpose()?;
        Ok(Credentials {
            directory,
            vcap_services,
        })
    }

    /// The credential for the environment variable `var` (its value is not looked at here):
    /// the credentials directory's file, else a bound service's credentials key, both named
    /// `var` in lower case.
    pub(crate) fn get(&self, var: &str) -> anyhow::Result<Option<String>> {
        let key = var.to_ascii_lowercase();
        if let Some(dir) = &self.directory {
            let path = dir.join(&key);
            match std::fs::read(&path) {
                Ok(bytes) => {
                    let text = String::from_utf8(bytes).ok().with_context(|| {
                        format!("the credential file {} is not UTF-8 text", path.display())
                    })?;
                    if !text.trim().is_empty() {
                        return Ok(Some(text.trim().to_owned()));
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot read the credential file {}", path.display())
                    });
                }
            }
        }
        let Some(vcap) = &self.vcap_services else {
            return Ok(None);
        };
        let mut found: Vec<(String, String)> = Vec::new();
        for instances in vcap.as_object().into_iter().flat_map(|o| o.values()) {
            for instance in instances.as_array().into_iter().flatten() {
                let Some(value) = instance["credentials"][&key]
                    .as_str()
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                else {
                    continue;
                };
                let name = instance["name"].as_str().unwrap_or("?").to_owned();
                found.push((name, value.to_owned()));
            }
        }
        let mut values: Vec<&str> = found.iter().map(|(_, v)| v.as_str()).collect();
        values.dedup();
        if values.len() > 1 {
            let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
            anyhow::bail!(
                "VCAP_SERVICES has different values for `{key}` in service instances {}: bind only one of them",
                names.join(", ")
            );
        }
        Ok(found.into_iter().next().map(|(_, v)| v))
    }

    /// The environment variable `var` when set and not blank, else [`Credentials::get`].
    pub(crate) fn var_or_get(&self, var: &str) -> anyhow::Result<Option<String>> {
        match std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
            Some(v) => Ok(Some(v)),
            None => self.get(var),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_file_is_read_trimmed_and_a_missing_one_is_none() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cf_client_secret"), "s3cret-from-file\n").unwrap();
        std::fs::write(dir.path().join("cf_client_id"), "  \n").unwrap();
        let c = Credentials::new(Some(dir.path().to_owned()), None).unwrap();
        assert_eq!(
            c.get("CF_CLIENT_SECRET").unwrap().as_deref(),
            Some("s3cret-from-file")
        );
        assert_eq!(c.get("CF_CLIENT_ID").unwrap(), None);
        assert_eq!(c.get("CF_OAUTH_TOKEN").unwrap(), None);
    }

    #[test]
    fn an_unreadable_credential_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be cannot be read as one.
        std::fs::create_dir(dir.path().join("cf_client_secret")).unwrap();
        let c = Credentials::new(Some(dir.path().to_owned()), None).unwrap();
        let e = format!("{:#}", c.get("CF_CLIENT_SECRET").unwrap_err());
        assert!(e.contains("cf_client_secret"), "{e}");
    }

    #[test]
    fn vcap_services_credentials_of_a_bound_service_are_read() {
        let vcap = r#"{
          "user-provided": [
            {"name": "archcheck-credentials", "credentials": {"cf_client_id": "watch", "cf_client_secret": "s3cret-ups"}},
            {"name": "newrelic", "credentials": {"license": "x"}}
          ],
          "aws-rds": [{"name": "db", "credentials": {"password": "p"}}]
        }"#;
        let c = Credentials::new(None, Some(vcap)).unwrap();
        assert_eq!(c.get("CF_CLIENT_ID").unwrap().as_deref(), Some("watch"));
        assert_eq!(
            c.get("CF_CLIENT_SECRET").unwrap().as_deref(),
            Some("s3cret-ups")
        );
        assert_eq!(c.get("CF_OAUTH_TOKEN").unwrap(), None);
    }

    #[test]
    fn the_credentials_directory_comes_before_vcap_services() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cf_client_id"), "from-file").unwrap();
        let vcap =
            r#"{"user-provided": [{"name": "a", "credentials": {"cf_client_id": "from-vcap"}}]}"#;
        let c = Credentials::new(Some(dir.path().to_owned()), Some(vcap)).unwrap();
        assert_eq!(c.get("CF_CLIENT_ID").unwrap().as_deref(), Some("from-file"));
    }

    #[test]
    fn two_instances_with_different_values_are_an_error_without_the_values() {
        let vcap = r#"{"user-provided": [
            {"name": "a", "credentials": {"cf_client_secret": "one-s3cret"}},
            {"name": "b", "credentials": {"cf_client_secret": "two-s3cret"}}]}"#;
        let c = Credentials::new(None, Some(vcap)).unwrap();
        let e = c.get("CF_CLIENT_SECRET").unwrap_err().to_string();
        assert!(e.contains("a, b") && !e.contains("s3cret"), "{e}");
        // The same value twice is no ambiguity.
        let vcap = r#"{"user-provided": [
            {"name": "a", "credentials": {"cf_client_id": "w"}},
            {"name": "b", "credentials": {"cf_client_id": "w"}}]}"#;
        let c = Credentials::new(None, Some(vcap)).unwrap();
        assert_eq!(c.get("CF_CLIENT_ID").unwrap().as_deref(), Some("w"));
    }

    #[test]
    fn vcap_services_that_is_not_json_is_an_error_that_quotes_nothing() {
        let e = Credentials::new(None, Some(r#"{"user-provided": [{"password": "s3cret""#))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("VCAP_SERVICES is not JSON") && !e.contains("s3cret"),
            "{e}"
        );
    }
}
