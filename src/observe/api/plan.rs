//! The checked set-up of a run (each environment's API URL, the token source, TLS roots and
//! whether certificates are verified), and running it: the environments of each API together
//! ([`batch`]), every API at once, each cut off at the run's deadline; then each
//! environment's own step ([`finish_environment`]).

use super::auth::{CredentialEnv, TokenSource};
use super::client::{ClientSettings, Target};
use super::credentials::Credentials;
use super::{
    ApiOptions, PER_REQUEST_TIMEOUT, batch, budget, cf_config, error, normalize_api, progress,
    space,
};
use crate::model::Environment;
use crate::observe::Observation;
use anyhow::Context;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The checked set-up of a run: one target per distinct API, and each environment's target.
pub(super) struct Plan {
    targets: Vec<Arc<Target>>,
    /// (environment's space, index into `targets`), in the order given.
    spaces: Vec<(space::SpaceRef, usize)>,
}

impl Plan {
    pub(super) fn new(
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
        // APIs the credentials file names get their own token source; the others share the
        // process-wide one, which is an error only when one of them needs it.
        let credentials = options
            .credentials
            .as_deref()
            .map(Credentials::read)
            .transpose()?;
        let default_source = TokenSource::resolve(cred_env, config.as_ref());
        let (extra_roots, extra_roots_pem) = match &options.ca_cert {
            Some(path) => read_ca(path)?,
            None => (Vec::new(), Vec::new()),
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
                        crate::eprintln_redacted!(
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
                        extra_roots_pem: extra_roots_pem.clone(),
                        min_backoff: Duration::from_millis(200),
                        budget: options.budget.clone(),
                    };
                    let own = match &credentials {
                        Some(c) => c.env_for(url.as_str())?,
                        None => None,
                    };
                    let source = match own {
                        Some(own) => {
                            let own_config = match own.config_path() {
                                Some(p) if own.cf_home.is_some() => cf_config::read(&p)?,
                                _ => None,
                            };
                            TokenSource::resolve(&own, own_config.as_ref()).with_context(|| {
                                format!(
                                    "no token for {} from the credentials file",
                                    error::display_url(&url).trim_end_matches('/')
                                )
                            })?
                        }
                        None => match &default_source {
                            Ok(s) => s.clone(),
                            Err(e) => anyhow::bail!("{e:#}"),
                        },
                    };
                    targets.push(Arc::new(Target::new(url.clone(), source, settings)?));
                    by_url.insert(key, targets.len() - 1);
                    targets.len() - 1
                }
            };
            spaces.push((
                space::SpaceRef {
                    environment: env.name.clone(),
                    org: env.org.clone(),
                    space: env.space.clone(),
                    follow: options
                        .follow
                        .iter()
                        .filter(|(e, _)| *e == env.name)
                        .map(|(_, app)| app.clone())
                        .collect(),
                    services: env.services.iter().map(|s| s.name.clone()).collect(),
                },
                index,
            ));
        }
        Ok(Plan { targets, spaces })
    }

    /// The target of an environment's space.
    pub(super) fn target_of(&self, env: &str) -> Option<Arc<Target>> {
        self.spaces
            .iter()
            .find(|(s, _)| s.environment == env)
            .map(|(_, t)| self.targets[*t].clone())
    }

    pub(super) async fn run(&self, options: &ApiOptions) -> Vec<Observation> {
        let progress = progress::Progress::new(options.progress);
        let lines: Vec<progress::EnvProgress> = self
            .spaces
            .iter()
            .map(|(s, _)| progress.env(&s.environment))
            .collect();
        let lines = Arc::new(lines);
        let mut set = tokio::task::JoinSet::new();
        for (t, target) in self.targets.iter().enumerate() {
            let members: Vec<usize> = (0..self.spaces.len())
                .filter(|&i| self.spaces[i].1 == t)
                .collect();
            let refs: Vec<space::SpaceRef> =
                members.iter().map(|&i| self.spaces[i].0.clone()).collect();
            let target = target.clone();
            let lines = lines.clone();
            let timeout = options.timeout;
            set.spawn(async move {
                let observed = observe_api(&target, &refs, &members, &lines, timeout).await;
                let observed = observed
                    .into_iter()
                    .zip(&refs)
                    .map(|(o, space)| finish_environment(&target, space, o))
                    .collect::<Vec<_>>();
                (members, observed)
            });
        }
        let mut out: Vec<Option<Observation>> = (0..self.spaces.len()).map(|_| None).collect();
        while let Some(joined) = set.join_next().await {
            if let Ok((members, observed)) = joined {
                for (i, obs) in members.into_iter().zip(observed) {
                    lines[i].finish(summary(&obs));
                    out[i] = Some(obs);
                }
            }
        }
        self.record(&options.budget);
        out.into_iter()
            .zip(&self.spaces)
            .map(|(o, (s, _))| {
                o.unwrap_or_else(|| {
                    space::unavailable(
                        Observation::new(&s.environment),
                        "the observation stopped unexpectedly",
                    )
                })
            })
            .collect()
    }

    /// What each API cost and said of its rate limit, for the budget (and the log).
    fn record(&self, budget: &budget::Budget) {
        let mut total = 0;
        for t in &self.targets {
            let requests = t.requests.load(std::sync::atomic::Ordering::Relaxed);
            total += requests;
            let api = t.show_url(&t.base).trim_end_matches('/').to_owned();
            let rate = t.rate_limit();
            if let Some(r) = rate {
                tracing::debug!(
                    "{api}: {requests} requests; rate limit {} a window, {} left, resets in {} s",
                    r.limit,
                    r.remaining,
                    r.resets_in()
                );
            }
            budget.record(&api, budget::ApiUse { requests, rate });
        }
        tracing::debug!("{total} requests to the Cloud Controller");
    }
}

/// The environments of one API observed together, cut off at the run's deadline (a safety
/// net: requests already stop there).
async fn observe_api(
    target: &Target,
    refs: &[space::SpaceRef],
    members: &[usize],
    lines: &[progress::EnvProgress],
    timeout: Duration,
) -> Vec<batch::Observed> {
    let grace = target.deadline() + Duration::from_millis(500);
    let tell = |msg: &str| {
        for &i in members {
            lines[i].set(msg.to_owned());
        }
    };
    match tokio::time::timeout_at(grace, batch::observe(target, refs, &tell)).await {
        Ok(observed) => observed,
        Err(_) => {
            let reason = format!(
                "no complete answer before the deadline of {} s (--timeout)",
                timeout.as_secs_f32()
            );
            refs.iter()
                .map(|space_ref| {
                    let mut obs = Observation::new(&space_ref.environment);
                    obs.sources.push(space::source_label(target, space_ref));
                    batch::Observed {
                        observation: space::unavailable(obs, &reason),
                    }
                })
                .collect()
        }
    }
}

/// Each environment's own step after the batch: the place for requests about one
/// environment alone (its space's GUID is known when it was found). None today.
fn finish_environment(
    _target: &Target,
    _space: &space::SpaceRef,
    observed: batch::Observed,
) -> Observation {
    observed.observation
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

/// The PEM certificates of `--ca-cert FILE`, and the file's text.
fn read_ca(path: &std::path::Path) -> anyhow::Result<(Vec<reqwest::Certificate>, Vec<u8>)> {
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
    Ok((certs, pem))
}
