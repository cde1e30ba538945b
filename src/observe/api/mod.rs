//! The Cloud Controller v3 API as a source of observations.
//!
//! [`observe`] resolves, before any request, where each environment's API is (`--api`, the
//! environment's `api`, the cf CLI's saved target) and where the token comes from
//! ([`auth`]), then observes the environments of each API together, every API at once, in a
//! few round trips whose number does not grow with the environments ([`batch`]), mapped to
//! each environment's observation ([`space`]), over a client that retries within the run's
//! deadline and keeps to the request budget ([`client`], [`budget`]).
//! Per-environment failures become UNKNOWN parts of the observations; `Err` is kept for
//! set-up problems (no token anywhere, an unreadable CA file, no API URL).
//!
//! A [`Session`] keeps the run's targets after observing, for what is asked after the
//! verdict: the audit events that explain failing checks ([`audit`]).
//!
//! The source is async and owns no runtime: it runs on its caller's (one per process, built
//! by the command at its edge), and a caller cancels an observation by dropping its future.

pub(crate) mod audit;
mod audit_index;
pub(crate) mod auth;
pub(crate) mod batch;
pub(crate) mod budget;
pub(crate) mod cf_config;
pub(crate) mod client;
pub(crate) mod credentials;
pub(crate) mod error;
pub(crate) mod filter;
pub(crate) mod pages;
mod plan;
pub(crate) mod progress;
pub(crate) mod resources;
pub(crate) mod space;

pub use audit::TYPES as AUDIT_EVENT_TYPES;
pub use auth::CredentialEnv;
pub use filter::MAX_URL_BYTES;

use crate::model::{Environment, Model};
use crate::observe::Observation;
use anyhow::Context;
use plan::Plan;
use reqwest::Url;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How to reach the API.
#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// `--api`: `None` means the environment's `api`, else the cf CLI's saved target.
    pub api: Option<String>,
    /// Deadline for the whole run.
    pub timeout: Duration,
    /// `--skip-ssl-validation`: accept any certificate.
    pub skip_ssl_validation: bool,
    /// `--ca-cert FILE`: trust this CA too.
    pub ca_cert: Option<PathBuf>,
    /// Show progress on stderr (only when it is a terminal).
    pub progress: bool,
    /// `--credentials FILE`: the token source of each API (see [`credentials`]).
    pub credentials: Option<PathBuf>,
    /// Apps whose deployments are read even when their processes show no deployment in
    /// flight, as (environment, app's CF name): those a previous round saw deploying or
    /// canceled (`watch`), so how a deployment ended is seen. Empty for a single run.
    pub follow: Follow,
    /// What the runs of the process share: `--max-requests-per-hour` and what each API
    /// said of its rate limit and cost in the last run (see [`budget`]).
    pub budget: Arc<budget::Budget>,
}

/// See [`ApiOptions::follow`].
pub type Follow = std::collections::BTreeSet<(String, String)>;

/// The apps of these observations whose deployment is worth following into the next round:
/// one in flight, canceled last, or not known (unreadable, or not understood), so a round
/// that could not tell does not forget a deployment that may still matter.
pub fn to_follow(observations: &[Observation]) -> Follow {
    observations
        .iter()
        .flat_map(|o| {
            o.apps
                .seen()
                .into_iter()
                .flat_map(|a| &a.apps)
                .filter(|a| {
                    matches!(
                        a.deployment,
                        crate::observe::DeploymentView::Seen(_)
                            | crate::observe::DeploymentView::Unreadable { .. }
                    )
                })
                .map(|a| (o.environment.clone(), a.name.clone()))
        })
        .collect()
}

/// Longest wait for one request (the run's deadline may cut it shorter).
pub const PER_REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Observes the given environments. Per-environment failures are inside the observations
/// (UNKNOWN parts); `Err` is for set-up problems (no token, unreadable CA file).
///
/// Runs on the caller's tokio runtime (it spawns a task per API), which must have the time
/// and I/O drivers enabled. Dropping the future cancels the observation: its
/// requests are abandoned and nothing of it is left running.
pub async fn observe(
    model: &Model,
    envs: &[&Environment],
    options: &ApiOptions,
) -> anyhow::Result<Vec<Observation>> {
    observe_with(model, envs, options, &CredentialEnv::from_process()?).await
}

/// [`observe`] with the credential variables given instead of read from the process (tests).
pub async fn observe_with(
    _model: &Model,
    envs: &[&Environment],
    options: &ApiOptions,
    cred_env: &CredentialEnv,
) -> anyhow::Result<Vec<Observation>> {
    if envs.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Session::new(envs, options, cred_env)?.observe().await)
}

/// One run against the API, kept after observing for what it asks next (the audit events
/// that explain failing checks) with the same targets, tokens and deadline.
pub struct Session {
    plan: Plan,
    options: ApiOptions,
}

impl Session {
    /// Checks the set-up ([`observe`]'s `Err` cases); asks nothing yet.
    pub fn new(
        envs: &[&Environment],
        options: &ApiOptions,
        cred_env: &CredentialEnv,
    ) -> anyhow::Result<Session> {
        Ok(Session {
            plan: Plan::new(envs, options, cred_env)?,
            options: options.clone(),
        })
    }

    /// Observes every environment, as [`observe`] does.
    pub async fn observe(&self) -> Vec<Observation> {
        self.plan.run(&self.options).await
    }

    /// The cause of each check `wanted` names, from the audit events since `since` (seconds
    /// since the epoch) of its environment's space: one request an environment, and none for
    /// an environment with nothing wanted. A space the API did not show leaves its causes
    /// unknown, saying so.
    pub async fn explain(
        &self,
        observations: &[Observation],
        wanted: Vec<(String, Vec<(String, crate::verify::explain::Wanted)>)>,
        since: i64,
    ) -> Vec<(String, crate::verify::explain::Explanation)> {
        let now = client::local_now();
        let mut set = tokio::task::JoinSet::new();
        let mut out = Vec::new();
        for (env, wants) in wanted.into_iter().filter(|(_, w)| !w.is_empty()) {
            let guids = observations
                .iter()
                .find(|o| o.environment == env)
                .and_then(|o| o.guids.clone());
            match (self.plan.target_of(&env), guids) {
                (Some(target), Some(guids)) => {
                    set.spawn(async move {
                        audit::explain_space(&target, &guids, &wants, since, now).await
                    });
                }
                _ => out.extend(audit::unknown_all(
                    &wants,
                    "unknown: the API did not show the space, so its audit events were not read",
                )),
            }
        }
        while let Some(joined) = set.join_next().await {
            if let Ok(found) = joined {
                out.extend(found);
            }
        }
        out
    }
}

/// An API URL as the cf CLI takes it: `https://` added when no scheme is given, no user
/// info, no trailing slash, no query.
pub fn normalize_api(raw: &str) -> anyhow::Result<Url> {
    let with_scheme = if raw.contains("://") {
        raw.to_owned()
    } else {
        format!("https://{raw}")
    };
    let shown = shown_raw(raw);
    let mut url = Url::parse(&with_scheme)
        .with_context(|| format!("the API URL `{shown}` is not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        anyhow::bail!("the API URL `{shown}` must be an http:// or https:// address");
    }
    // Only the token authenticates; user info would go out as a second, Basic,
    // `Authorization` header.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

/// An API URL as given, fit for a message even when it does not parse: no user info, and
/// `[redacted]` for any query or fragment (either may carry a password or a token).
fn shown_raw(raw: &str) -> String {
    let (scheme, rest) = match raw.find("://") {
        Some(i) => raw.split_at(i + 3),
        None => ("", raw),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let tail = match tail.find(['?', '#']) {
        Some(i) => format!("{}?{}", &tail[..i], crate::secret::REDACTED),
        None => tail.to_owned(),
    };
    format!("{scheme}{host}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_urls_are_normalized() {
        assert_eq!(
            normalize_api("api.example.org").unwrap().as_str(),
            "https://api.example.org/"
        );
        assert_eq!(
            normalize_api("http://127.0.0.1:8080/").unwrap().as_str(),
            "http://127.0.0.1:8080/"
        );
        assert!(normalize_api("ftp://x").is_err());
        assert_eq!(
            normalize_api("https://u:p@api.example.org/?token=t")
                .unwrap()
                .as_str(),
            "https://api.example.org/"
        );
    }

    #[test]
    fn urls_that_do_not_parse_are_shown_without_secrets() {
        assert_eq!(
            shown_raw("https://u:p@w@exa mple.org/v3?token=t#f"),
            "https://exa mple.org/v3?[redacted]"
        );
        assert_eq!(shown_raw("u:p@api.example.org"), "api.example.org");
        assert_eq!(shown_raw("api.example.org:8443"), "api.example.org:8443");
        let e = format!("{:#}", normalize_api("ftp://u:hunter2@x?t=s").unwrap_err());
        assert!(!e.contains("hunter2") && !e.contains("t=s"), "{e}");
    }
}
