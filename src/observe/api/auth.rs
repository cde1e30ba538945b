//! Where the token comes from, and getting a new one from UAA.
//!
//! In order: `CF_OAUTH_TOKEN` (with or without a `bearer ` prefix); `CF_CLIENT_ID` with
//! `CF_CLIENT_SECRET` (UAA `client_credentials` grant), each variable that is not set read as
//! a credential instead ([`crate::credentials`]: systemd's `LoadCredential=`, a bound
//! service's credentials on Cloud Foundry); the cf CLI's saved `AccessToken`,
//! refreshed once through UAA with its `RefreshToken` when the API answers 401. UAA's address
//! is the API root's `links.login` (else `links.uaa`). Every token and secret stays in a
//! [`Secret`], and every message leaving this module is scrubbed of them.

use super::cf_config::{self, CfConfig};
use super::client::Target;
use super::error::ApiError;
use super::resources::{Root, TokenResponse};
use crate::credentials::Credentials;
use crate::secret::Secret;
use reqwest::Url;
use std::path::PathBuf;

/// The process environment this source reads, captured once (tests pass their own).
#[derive(Debug, Clone, Default)]
pub struct CredentialEnv {
    /// `CF_OAUTH_TOKEN`.
    pub oauth_token: Option<Secret>,
    /// `CF_CLIENT_ID`.
    pub client_id: Option<String>,
    /// `CF_CLIENT_SECRET`.
    pub client_secret: Option<Secret>,
    /// `CF_HOME`.
    pub cf_home: Option<PathBuf>,
    /// `HOME`.
    pub home: Option<PathBuf>,
}

impl CredentialEnv {
    /// The process's variables; `CF_OAUTH_TOKEN`, `CF_CLIENT_ID` and `CF_CLIENT_SECRET` that
    /// are not set come from the [`Credentials`] (systemd's credentials directory, a bound
    /// service's credentials in VCAP_SERVICES). A credential that cannot be read is an error.
    pub fn from_process() -> anyhow::Result<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let credentials = Credentials::from_process()?;
        Ok(CredentialEnv {
            oauth_token: credentials.var_or_get("CF_OAUTH_TOKEN")?.map(Secret::new),
            client_id: credentials.var_or_get("CF_CLIENT_ID")?,
            client_secret: credentials.var_or_get("CF_CLIENT_SECRET")?.map(Secret::new),
            cf_home: var("CF_HOME").map(PathBuf::from),
            home: var("HOME").map(PathBuf::from),
        })
    }

    pub(crate) fn config_path(&self) -> Option<PathBuf> {
        cf_config::config_path(self.cf_home.as_deref(), self.home.as_deref())
    }

    /// Whether the cf CLI is logged in: its config names a target and holds a token. A
    /// config that cannot be read is no session (the API source reports why, if asked).
    pub fn cf_session(&self) -> bool {
        self.config_path()
            .and_then(|p| cf_config::read(&p).ok().flatten())
            .is_some_and(|c| {
                !c.target.trim().is_empty()
                    && (!c.access_token.is_empty() || !c.refresh_token.is_empty())
            })
    }
}

/// How to get a token.
#[derive(Debug, Clone)]
pub(crate) enum TokenSource {
    /// `CF_OAUTH_TOKEN`: used as is; a 401 is final.
    Static(Secret),
    /// `CF_CLIENT_ID`/`CF_CLIENT_SECRET`: a `client_credentials` grant, again on a 401.
    ClientCredentials { client_id: String, secret: Secret },
    /// The cf CLI's session: its access token, refreshed with its refresh token on a 401.
    CfConfig {
        access: Secret,
        refresh: Secret,
        client_id: String,
        client_secret: Secret,
    },
}

const NO_TOKEN: &str = "no token for the Cloud Controller API. Give one of: \
    CF_OAUTH_TOKEN (e.g. `export CF_OAUTH_TOKEN=\"$(cf oauth-token)\"`); \
    CF_CLIENT_ID and CF_CLIENT_SECRET (a UAA client with the client_credentials grant); \
    or log in with the cf CLI (`cf login`), whose session in $CF_HOME/.cf/config.json \
    (default ~/.cf/config.json) is used";

impl TokenSource {
    /// Picks the source, in the documented order. `config` is the cf CLI's config, if any.
    pub(crate) fn resolve(env: &CredentialEnv, config: Option<&CfConfig>) -> anyhow::Result<Self> {
        if let Some(t) = &env.oauth_token {
            return Ok(TokenSource::Static(Secret::new(cf_config::strip_bearer(
                t.expose(),
            ))));
        }
        match (&env.client_id, &env.client_secret) {
            (Some(id), Some(secret)) => {
                return Ok(TokenSource::ClientCredentials {
                    client_id: id.clone(),
                    secret: secret.clone(),
                });
            }
            (Some(_), None) => anyhow::bail!("CF_CLIENT_ID is set but CF_CLIENT_SECRET is not"),
            (None, Some(_)) => anyhow::bail!("CF_CLIENT_SECRET is set but CF_CLIENT_ID is not"),
            (None, None) => {}
        }
        if let Some(c) = config {
            let access = cf_config::strip_bearer(c.access_token.expose());
            if !access.is_empty() {
                let (client_id, client_secret) = c.client();
                return Ok(TokenSource::CfConfig {
                    access: Secret::new(access),
                    refresh: c.refresh_token.clone(),
                    client_id: client_id.to_owned(),
                    client_secret: client_secret.clone(),
                });
            }
        }
        anyhow::bail!(NO_TOKEN)
    }

    /// Every secret this source holds, for scrubbing messages.
    pub(crate) fn secrets(&self) -> Vec<Secret> {
        match self {
            TokenSource::Static(t) => vec![t.clone()],
            TokenSource::ClientCredentials { secret, .. } => vec![secret.clone()],
            TokenSource::CfConfig {
                access,
                refresh,
                client_secret,
                ..
            } => vec![access.clone(), refresh.clone(), client_secret.clone()],
        }
    }
}

/// The token state of one API target.
pub(crate) struct Auth {
    pub source: TokenSource,
    state: tokio::sync::Mutex<AuthState>,
    /// Every secret seen so far (the source's and each granted token), for scrubbing.
    secrets: std::sync::Mutex<Vec<Secret>>,
    uaa: tokio::sync::OnceCell<Result<Url, ApiError>>,
}

struct AuthState {
    token: Option<Secret>,
    /// Bumped on every new token, so concurrent 401s refresh only once.
    generation: u64,
    /// The one refresh (or re-grant) of this run has been spent.
    refreshed: bool,
    /// Why the grant or refresh failed, told to every request that waited for it.
    failure: Option<ApiError>,
}

impl Auth {
    pub(crate) fn new(source: TokenSource) -> Self {
        let token = match &source {
            TokenSource::Static(t) => Some(t.clone()),
            TokenSource::CfConfig { access, .. } => Some(access.clone()),
            TokenSource::ClientCredentials { .. } => None,
        };
        Auth {
            secrets: std::sync::Mutex::new(source.secrets()),
            source,
            state: tokio::sync::Mutex::new(AuthState {
                token,
                generation: 0,
                refreshed: false,
                failure: None,
            }),
            uaa: tokio::sync::OnceCell::new(),
        }
    }

    /// Replaces every known secret in `text` with `[redacted]`.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let secrets = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        secrets.iter().fold(text.to_owned(), |t, s| s.scrub(&t))
    }

    fn remember(&self, s: &Secret) {
        self.secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(s.clone());
    }
}

impl Target {
    /// The current token and its generation; grants one first for client credentials.
    pub(crate) async fn token(&self) -> Result<(Secret, u64), ApiError> {
        let mut st = self.auth.state.lock().await;
        if let Some(t) = &st.token {
            return Ok((t.clone(), st.generation));
        }
        if let Some(f) = &st.failure {
            return Err(f.clone());
        }
        match self.grant().await {
            Ok(t) => {
                st.token = Some(t.clone());
                st.generation += 1;
                Ok((t, st.generation))
            }
            Err(e) => {
                st.failure = Some(e.clone());
                Err(e)
            }
        }
    }

    /// After a 401 with the token of generation `seen`: `Ok(true)` when a newer token is
    /// there to try (refreshed now or by a concurrent request), `Ok(false)` when this source
    /// cannot refresh or its one refresh is spent.
    pub(crate) async fn refresh(&self, seen: u64) -> Result<bool, ApiError> {
        let mut st = self.auth.state.lock().await;
        if st.generation != seen && st.token.is_some() {
            return Ok(true);
        }
        if let Some(f) = &st.failure {
            return Err(f.clone());
        }
        if st.refreshed || matches!(self.auth.source, TokenSource::Static(_)) {
            return Ok(false);
        }
        st.refreshed = true;
        let result = match &self.auth.source {
            TokenSource::CfConfig { refresh, .. } if refresh.is_empty() => Err(ApiError::new(
                "the cf CLI session has no refresh token; log in again with `cf login`",
            )),
            TokenSource::CfConfig {
                refresh,
                client_id,
                client_secret,
                ..
            } => {
                self.token_grant(
                    &[("grant_type", "refresh_token"), ("refresh_token", refresh.expose())],
                    client_id,
                    client_secret,
                )
                .await
                .map_err(|e| e.context("refreshing the cf CLI's token (log in again with `cf login` if this persists)"))
            }
            TokenSource::ClientCredentials { .. } => self.grant().await,
            TokenSource::Static(_) => unreachable!("checked above"),
        };
        match result {
            Ok(t) => {
                st.token = Some(t);
                st.generation += 1;
                Ok(true)
            }
            Err(e) => {
                st.failure = Some(e.clone());
                Err(e)
            }
        }
    }

    /// A `client_credentials` grant.
    async fn grant(&self) -> Result<Secret, ApiError> {
        match &self.auth.source {
            TokenSource::ClientCredentials { client_id, secret } => self
                .token_grant(&[("grant_type", "client_credentials")], client_id, secret)
                .await
                .map_err(|e| e.context(format!("getting a token for UAA client `{client_id}`"))),
            _ => Err(ApiError::new("no way to get a new token")),
        }
    }

    /// UAA's address, from the API root (`GET /`): `links.login`, else `links.uaa`. UAA is
    /// another origin by design, but credentials never go to it without TLS when the API has
    /// it, and messages show only its origin.
    async fn uaa(&self) -> Result<Url, ApiError> {
        self.auth
            .uaa
            .get_or_init(|| async {
                let root_url = self
                    .base
                    .join("/")
                    .map_err(|e| ApiError::new(e.to_string()))?;
                let body = self.get_unauthenticated(&root_url).await?;
                let root: Root = self.parse_json(&root_url, &body)?;
                let link = root.links.login.or(root.links.uaa).ok_or_else(|| {
                    ApiError::new(format!(
                        "the API root {} names no UAA (no `links.login` or `links.uaa`)",
                        self.show_url(&root_url)
                    ))
                })?;
                uaa_url(&self.base, &link.href).map_err(|e| self.scrub_error(e))
            })
            .await
            .clone()
    }

    /// `POST <uaa>/oauth/token` with HTTP Basic client authentication.
    async fn token_grant(
        &self,
        form: &[(&str, &str)],
        client_id: &str,
        client_secret: &Secret,
    ) -> Result<Secret, ApiError> {
        let uaa = self.uaa().await?;
        // A server that echoes the Authorization header must not leak it either.
        self.auth.remember(&Secret::new(crate::http_basic::encode(
            format!("{client_id}:{}", client_secret.expose()).as_bytes(),
        )));
        let mut url = uaa.clone();
        let path = format!("{}/oauth/token", uaa.path().trim_end_matches('/'));
        url.set_path(&path);
        let body = self
            .post_form(&url, form, client_id, client_secret)
            .await
            .map_err(|e| self.scrub_error(e))?;
        // Its secrets are not known yet: a message about it quotes nothing of it.
        let tr: TokenResponse = self.parse_secret_json("POST", &url, &body)?;
        let token = Secret::new(cf_config::strip_bearer(tr.access_token.expose()));
        self.auth.remember(&token);
        if let Some(r) = &tr.refresh_token {
            self.auth.remember(r);
        }
        if token.is_empty() {
            return Err(ApiError::new(format!(
                "POST {} gave an empty access token",
                self.show_url(&url)
            )));
        }
        Ok(token)
    }
}

/// The UAA link of the API root at `base`, checked: an http(s) URL without user info, and
/// https when the API is (the client secret and refresh token are never sent in clear text
/// where the API was reached with TLS). A refusal names the link's origin only.
fn uaa_url(base: &Url, href: &str) -> Result<Url, ApiError> {
    let mut url = Url::parse(href)
        .map_err(|e| ApiError::new(format!("the API root's UAA link is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ApiError::new(format!(
            "the API root's UAA link is not an http(s) address (scheme `{}`)",
            url.scheme()
        )));
    }
    if base.scheme() == "https" && url.scheme() != "https" {
        return Err(ApiError::new(format!(
            "the API root names its UAA at {}, without TLS, while the API uses https; the client \
             credentials and refresh token are not sent there",
            url.origin().ascii_serialization()
        )));
    }
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uaa_links_are_http_s_and_never_a_downgrade() {
        let https = Url::parse("https://api.example.org").unwrap();
        let http = Url::parse("http://127.0.0.1:9022").unwrap();
        let u = uaa_url(&https, "https://u:p@login.example.org/?x=1#f").unwrap();
        assert_eq!(u.as_str(), "https://login.example.org/");
        assert!(uaa_url(&http, "http://127.0.0.1:9022").is_ok());
        let e = uaa_url(&https, "http://login.example.org/path?tok=secret")
            .unwrap_err()
            .message;
        assert!(
            e.contains("http://login.example.org,") && e.contains("without TLS"),
            "{e}"
        );
        assert!(!e.contains("secret") && !e.contains("path"), "{e}");
        let e = uaa_url(&https, "ftp://login.example.org/")
            .unwrap_err()
            .message;
        assert!(e.contains("not an http(s) address"), "{e}");
    }

    fn env() -> CredentialEnv {
        CredentialEnv::default()
    }

    #[test]
    fn oauth_token_wins_and_loses_its_prefix() {
        let e = CredentialEnv {
            oauth_token: Some(Secret::new("bearer tok-1")),
            client_id: Some("id".into()),
            client_secret: Some(Secret::new("s")),
            ..env()
        };
        match TokenSource::resolve(&e, None).unwrap() {
            TokenSource::Static(t) => assert_eq!(t.expose(), "tok-1"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn client_credentials_need_both_halves() {
        let e = CredentialEnv {
            client_id: Some("id".into()),
            ..env()
        };
        let msg = TokenSource::resolve(&e, None).unwrap_err().to_string();
        assert!(msg.contains("CF_CLIENT_SECRET"), "{msg}");
    }

    #[test]
    fn no_token_anywhere_names_the_three_ways() {
        let msg = TokenSource::resolve(&env(), Some(&CfConfig::default()))
            .unwrap_err()
            .to_string();
        for way in ["CF_OAUTH_TOKEN", "CF_CLIENT_ID", "cf login", "config.json"] {
            assert!(msg.contains(way), "{way} missing from: {msg}");
        }
    }
}
