//! The Cloud Controller v3 API as a source of observations.
//!
//! [`observe`] resolves, before any request, where each environment's API is (`--api`, the
//! environment's `api`, the cf CLI's saved target) and where the token comes from
//! ([`auth`]), then observes every environment at once (bounded), each in a few round trips
//! ([`space`]), over a client that retries within the run's deadline ([`client`]).
//! Per-environment failures become UNKNOWN parts of the observations; `Err` is kept for
//! set-up problems (no token anywhere, an unreadable CA file, no API URL).

pub mod auth;
pub mod cf_config;
pub mod client;
pub mod error;
pub mod progress;
pub mod resources;
pub mod space;

use crate::model::{Environment, Model};
use crate::observe::Observation;
use anyhow::Context;
use auth::{CredentialEnv, TokenSource};
use client::{ClientSettings, Target};
use reqwest::Url;
use std::collections::HashMap;
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
    pub skip_ssl_validation: bool,
    pub ca_cert: Option<PathBuf>,
    /// Show progress on stderr (only when it is a terminal).
    pub progress: bool,
}

/// Environments observed at once.
pub const ENVIRONMENTS_AT_ONCE: usize = 16;
/// Longest wait for one request (the run's deadline may cut it shorter).
pub const PER_REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Observes the given environments. Per-environment failures are inside the observations
/// (UNKNOWN parts); `Err` is for set-up problems (no token, unreadable CA file).
pub fn observe(
    model: &Model,
    envs: &[&Environment],
    options: &ApiOptions,
) -> anyhow::Result<Vec<Observation>> {
    observe_with(model, envs, options, &CredentialEnv::from_process())
}

/// [`observe`] with the credential variables given instead of read from the process (tests).
pub fn observe_with(
    _model: &Model,
    envs: &[&Environment],
    options: &ApiOptions,
    cred_env: &CredentialEnv,
) -> anyhow::Result<Vec<Observation>> {
    if envs.is_empty() {
        return Ok(Vec::new());
    }
    let plan = Plan::new(envs, options, cred_env)?;
    // A runtime of our own, on a thread of our own: callable from sync and async code alike.
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            Ok(rt.block_on(plan.run(options)))
        })
        .join()
        .unwrap_or_else(|_| Err(anyhow::anyhow!("the API observation thread panicked")))
    })
}

/// The checked set-up of a run: one target per distinct API, and each environment's target.
struct Plan {
    targets: Vec<Arc<Target>>,
    /// (environment's space, index into `targets`), in the order given.
    spaces: Vec<(space::SpaceRef, usize)>,
}

impl Plan {
    fn new(
        envs: &[&Environment],
        options: &ApiOptions,
        cred_env: &CredentialEnv,
    ) -> anyhow::Result<Self> {
        let flag = options
            .api
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        // The cf CLI's config matters only when it gives the token or an API URL; a broken
        // one that is not needed does not stop the run.
        let needed = (cred_env.oauth_token.is_none()
            && cred_env.client_id.is_none()
            && cred_env.client_secret.is_none())
            || (flag.is_none()
                && envs
                    .iter()
                    .any(|e| e.api.as_deref().is_none_or(|a| a.trim().is_empty())));
        let config = match cred_env.config_path() {
            Some(p) => match cf_config::read(&p) {
                Ok(c) => c,
                Err(e) if needed => return Err(e),
                Err(e) => {
                    tracing::debug!("not needed, so ignored: {e:#}");
                    None
                }
            },
            None => None,
        };
        let source = TokenSource::resolve(cred_env, config.as_ref())?;
        let extra_roots = match &options.ca_cert {
            Some(path) => read_ca(path)?,
            None => Vec::new(),
        };
        let config_target = config
            .as_ref()
            .map(|c| c.target.trim())
            .filter(|t| !t.is_empty());
        let flag = options
            .api
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        let started = tokio::time::Instant::now();
        let mut targets: Vec<Arc<Target>> = Vec::new();
        let mut by_url: HashMap<String, usize> = HashMap::new();
        let mut spaces = Vec::new();
        for env in envs {
            let raw = flag
                .or(env.api.as_deref().map(str::trim).filter(|a| !a.is_empty()))
                .or(config_target)
                .with_context(|| {
                    format!(
                        "no API URL for environment `{}`: give --api URL, set `api` for it in the model, \
                         or target one with `cf api URL` / `cf login`",
                        env.name
                    )
                })?;
            let url = normalize_api(raw)?;
            let key = url.as_str().to_owned();
            let index = match by_url.get(&key) {
                Some(&i) => i,
                None => {
                    let from_config = config_target
                        .and_then(|t| normalize_api(t).ok())
                        .is_some_and(|t| t == url);
                    let insecure = options.skip_ssl_validation
                        || (from_config && config.as_ref().is_some_and(|c| c.ssl_disabled));
                    if insecure && url.scheme() == "https" {
                        anstream::eprintln!(
                            "warning: TLS certificates of {} are not verified ({})",
                            error::display_url(&url).trim_end_matches('/'),
                            if options.skip_ssl_validation {
                                "--skip-ssl-validation"
                            } else {
                                "SSLDisabled in the cf CLI config"
                            }
                        );
                    }
                    let settings = ClientSettings {
                        deadline: started + options.timeout,
                        run_timeout: options.timeout,
                        per_request: PER_REQUEST_TIMEOUT.min(options.timeout),
                        skip_ssl_validation: insecure,
                        extra_roots: extra_roots.clone(),
                        min_backoff: Duration::from_millis(200),
                    };
                    targets.push(Arc::new(Target::new(
                        url.clone(),
                        source.clone(),
                        settings,
                    )?));
                    by_url.insert(key, targets.len() - 1);
                    targets.len() - 1
                }
            };
            spaces.push((
                space::SpaceRef {
                    environment: env.name.clone(),
                    org: env.org.clone(),
                    space: env.space.clone(),
                },
                index,
            ));
        }
        Ok(Plan { targets, spaces })
    }

    async fn run(&self, options: &ApiOptions) -> Vec<Observation> {
        let progress = progress::Progress::new(options.progress);
        let sem = Arc::new(tokio::sync::Semaphore::new(ENVIRONMENTS_AT_ONCE));
        let mut set = tokio::task::JoinSet::new();
        for (i, (space_ref, t)) in self.spaces.iter().enumerate() {
            let target = self.targets[*t].clone();
            let space_ref = space_ref.clone();
            let line = progress.env(&space_ref.environment);
            let sem = sem.clone();
            let timeout = options.timeout;
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                // A safety net: requests already stop at the deadline.
                let grace = timeout + Duration::from_millis(500);
                let obs = match tokio::time::timeout(
                    grace,
                    space::observe_space(target, &space_ref, &line),
                )
                .await
                {
                    Ok(obs) => obs,
                    Err(_) => {
                        let mut obs = Observation::new(&space_ref.environment);
                        let reason = format!(
                            "no complete answer before the deadline of {} s (--timeout)",
                            timeout.as_secs_f32()
                        );
                        obs.services = crate::observe::Coverage::Unavailable {
                            reason: reason.clone(),
                        };
                        obs.apps = crate::observe::Coverage::Unavailable { reason };
                        obs
                    }
                };
                line.finish(summary(&obs));
                (i, obs)
            });
        }
        let mut out: Vec<Option<Observation>> = (0..self.spaces.len()).map(|_| None).collect();
        while let Some(joined) = set.join_next().await {
            if let Ok((i, obs)) = joined {
                out[i] = Some(obs);
            }
        }
        let total: u64 = self
            .targets
            .iter()
            .map(|t| t.requests.load(std::sync::atomic::Ordering::Relaxed))
            .sum();
        tracing::debug!("{total} requests to the Cloud Controller");
        out.into_iter()
            .zip(&self.spaces)
            .map(|(o, (s, _))| {
                o.unwrap_or_else(|| {
                    let mut obs = Observation::new(&s.environment);
                    let reason = "the observation stopped unexpectedly".to_owned();
                    obs.services = crate::observe::Coverage::Unavailable {
                        reason: reason.clone(),
                    };
                    obs.apps = crate::observe::Coverage::Unavailable { reason };
                    obs
                })
            })
            .collect()
    }
}

fn summary(obs: &Observation) -> String {
    let unknown = [obs.services.seen().is_none(), obs.apps.seen().is_none()]
        .iter()
        .filter(|x| **x)
        .count();
    if unknown == 0 {
        "read".to_owned()
    } else {
        "could not read everything (UNKNOWN)".to_owned()
    }
}

/// An API URL as the cf CLI takes it: `https://` added when no scheme is given, no trailing
/// slash, no query.
pub fn normalize_api(raw: &str) -> anyhow::Result<Url> {
    let with_scheme = if raw.contains("://") {
        raw.to_owned()
    } else {
        format!("https://{raw}")
    };
    let mut url = Url::parse(&with_scheme)
        .with_context(|| format!("the API URL `{raw}` is not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        anyhow::bail!("the API URL `{raw}` must be an http:// or https:// address");
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

/// The PEM certificates of `--ca-cert FILE`.
fn read_ca(path: &std::path::Path) -> anyhow::Result<Vec<reqwest::Certificate>> {
    let pem = std::fs::read(path)
        .with_context(|| format!("cannot read the CA certificate file {}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        anyhow::anyhow!(
            "the CA certificate file {} is not PEM (expected -----BEGIN CERTIFICATE-----): {e}",
            path.display()
        )
    })?;
    if certs.is_empty() {
        anyhow::bail!(
            "the CA certificate file {} holds no certificate (expected -----BEGIN CERTIFICATE-----)",
            path.display()
        );
    }
    Ok(certs)
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
    }
}
