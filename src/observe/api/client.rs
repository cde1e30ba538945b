//! [`Target`]: one Cloud Controller, reached over HTTP(S): TLS (verified unless told
//! otherwise, extra roots from `--ca-cert`), a timeout per request, the deadline of the whole
//! run, retries of GETs on connection errors, 5xx and 429 (exponential backoff with jitter;
//! a 429 waits for the `Retry-After` or `X-RateLimit-Reset` it names, all within the
//! deadline), one token refresh on a 401, lists followed through every `pagination.next` on
//! the API's own origin and no further than a [`PageGuard`] allows (pages after the first
//! [`PAGES_AT_ONCE`] at a time once the first says how many there are), answers read up to
//! [`MAX_BODY`], and JSON read with the path of any error. At most [`REQUESTS_AT_ONCE`]
//! requests are in flight to one API, every request passes `--max-requests-per-hour`
//! ([`super::budget::HourlyCap`]), and the rate-limit headers of the answers are kept
//! ([`Target::rate_limit`]).
//!
//! Nothing here logs a header, a token or a form body. Every URL a message or log line shows
//! goes through [`Target::show_url`], and every error leaving a `Target` through
//! [`Target::scrub_error`]: both remove every secret the target knows (a server may reflect a
//! token into its links, its error bodies or its resources).

use super::auth::{Auth, TokenSource};
use super::budget::{Budget, RateLimit};
use super::error::{ApiError, display_url_with};
use super::pages::{self, PageGuard};
use super::resources::Page;
use crate::secret::Secret;
use backon::{ExponentialBuilder, Retryable};
use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, RETRY_AFTER};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// How every request of a run behaves.
#[derive(Debug, Clone)]
pub(crate) struct ClientSettings {
    /// When the whole run must be over.
    pub deadline: Instant,
    /// The whole run's allowance, for messages.
    pub run_timeout: Duration,
    /// Longest wait for one request (capped by the deadline).
    pub per_request: Duration,
    pub skip_ssl_validation: bool,
    pub extra_roots: Vec<reqwest::Certificate>,
    /// The PEM text `extra_roots` were read from: with the other TLS settings, which client
    /// of [`CLIENTS`] serves this target.
    pub extra_roots_pem: Vec<u8>,
    /// First retry delay; doubles with jitter.
    pub min_backoff: Duration,
    /// What the process's runs share: `--max-requests-per-hour`, each API's use.
    pub budget: Arc<Budget>,
}

/// Most requests in flight to one API at once.
pub(crate) const REQUESTS_AT_ONCE: usize = 32;

/// Pages of one list read at once after the first (then the next as many).
pub(crate) const PAGES_AT_ONCE: u64 = 16;

/// The most bytes archcheck reads of one answer. A page of 5000 resources is a few MiB; a
/// server sending more (or without end) is cut off, not buffered.
pub(crate) const MAX_BODY: usize = 64 * 1024 * 1024;

/// Requests sent by every [`Target`] of the process (every attempt counts): `watch` records
/// each round's share in its history (rounds never overlap).
pub(crate) static REQUESTS_TOTAL: AtomicU64 = AtomicU64::new(0);

/// One API endpoint and its token.
pub(crate) struct Target {
    /// The API's base URL, e.g. `https://api.example.org` (no trailing slash).
    pub base: Url,
    http: reqwest::Client,
    pub(crate) auth: Auth,
    settings: ClientSettings,
    /// Requests sent (every attempt counts).
    pub requests: AtomicU64,
    /// Bounds the requests in flight ([`REQUESTS_AT_ONCE`]).
    in_flight: tokio::sync::Semaphore,
    /// The latest reading of the rate-limit headers, if the API sends them.
    rate: Mutex<Option<RateLimit>>,
}

/// What makes two HTTP clients different: their TLS settings and connect timeout.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ClientKey {
    skip_ssl_validation: bool,
    extra_roots_pem: Vec<u8>,
    connect_timeout: Duration,
}

/// The process's HTTP clients, one per [`ClientKey`]: built once, not once per run, so each
/// `watch` round neither reloads the system's root certificates (most of a small round's CPU
/// before) nor opens new connections. A handful at most (a changed `--ca-cert` file makes a
/// new key; past [`CLIENTS_KEPT`] the old ones are dropped).
static CLIENTS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<ClientKey, reqwest::Client>>,
> = std::sync::LazyLock::new(Default::default);

/// Clients kept in [`CLIENTS`] at most.
const CLIENTS_KEPT: usize = 8;

/// The client for `settings`, from [`CLIENTS`] or built now.
fn http_client(settings: &ClientSettings) -> anyhow::Result<reqwest::Client> {
    let key = ClientKey {
        skip_ssl_validation: settings.skip_ssl_validation,
        extra_roots_pem: settings.extra_roots_pem.clone(),
        connect_timeout: settings.per_request.min(Duration::from_secs(10)),
    };
    let mut clients = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = clients.get(&key) {
        return Ok(c.clone());
    }
    let client = build_client(settings, key.connect_timeout)?;
    if clients.len() >= CLIENTS_KEPT {
        clients.clear();
    }
    clients.insert(key, client.clone());
    Ok(client)
}

fn build_client(
    settings: &ClientSettings,
    connect_timeout: Duration,
) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("archcheck/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(connect_timeout)
        // A redirect is reported, never followed with the token.
        .redirect(reqwest::redirect::Policy::none())
        .tls_danger_accept_invalid_certs(settings.skip_ssl_validation);
    if !settings.extra_roots.is_empty() {
        builder = builder.tls_certs_merge(settings.extra_roots.iter().cloned());
    }
    builder
        .build()
        .map_err(|e| anyhow::anyhow!("cannot set up the HTTP client: {}", error_chain(&e)))
}

impl Target {
    pub(crate) fn new(
        base: Url,
        source: TokenSource,
        settings: ClientSettings,
    ) -> anyhow::Result<Self> {
        let http = http_client(&settings)?;
        Ok(Target {
            base,
            http,
            auth: Auth::new(source),
            settings,
            requests: AtomicU64::new(0),
            in_flight: tokio::sync::Semaphore::new(REQUESTS_AT_ONCE),
            rate: Mutex::new(None),
        })
    }

    /// What the API last said of its rate limit, if it says anything.
    pub(crate) fn rate_limit(&self) -> Option<RateLimit> {
        *self.rate.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn note_rate(&self, reading: RateLimit) {
        let mut rate = self.rate.lock().unwrap_or_else(|p| p.into_inner());
        *rate = Some(match *rate {
            Some(seen) => seen.latest(reading),
            None => reading,
        });
    }

    /// When the whole run must be over.
    pub(crate) fn deadline(&self) -> Instant {
        self.settings.deadline
    }

    /// `base` + `path` + `query`, form-encoded except for commas, which go as they are:
    /// they separate the values of a list filter (a comma inside a value is escaped before,
    /// see [`super::filter`]).
    pub(crate) fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        let base_path = self.base.path().trim_end_matches('/');
        url.set_path(&format!("{base_path}{path}"));
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
            let raw = url.query().map(|q| q.replace("%2C", ","));
            url.set_query(raw.as_deref());
        }
        url
    }

    /// The error with every secret this target knows removed from its message.
    pub(crate) fn scrub_error(&self, mut e: ApiError) -> ApiError {
        e.message = self.auth.scrub(&e.message);
        e
    }

    /// A URL fit for a message or a log line: no user info, no value of a parameter that
    /// carries secrets, and no secret this target knows, however the URL encodes it.
    pub(crate) fn show_url(&self, url: &Url) -> String {
        display_url_with(url, &|text| self.auth.scrub(text))
    }

    /// Every resource of a list, following `pagination.next` to the end, with each page's
    /// `included`, each resource with the server's time when its page was answered
    /// ([`Answer::now`]): what relative times in it (an instance's `since`) count from.
    /// Any page that cannot be read fails the whole list, and so does pagination that loops,
    /// goes past what it announced or past archcheck's caps ([`PageGuard`]), or a `next` link
    /// to another origin than the API's.
    pub(crate) async fn list_dated<T, I>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<(Vec<(T, i64)>, Vec<I>), ApiError>
    where
        T: DeserializeOwned,
        I: DeserializeOwned,
    {
        let mut list = Listed::default();
        self.read_pages(path, query, &mut list)
            .await
            .map_err(|e| self.scrub_error(e))?;
        Ok((list.items, list.included))
    }

    /// Reads the pages of a list into `list`, from the first.
    async fn read_pages<T, I>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        list: &mut Listed<T, I>,
    ) -> Result<(), ApiError>
    where
        T: DeserializeOwned,
        I: DeserializeOwned,
    {
        let mut url = self.url(path, query);
        let mut guard = PageGuard::new(path, &url);
        loop {
            let page = guard.pages() + 1;
            let p = self.read_page::<T, I>(&url, page).await?;
            let Some(href) = list.take(&mut guard, p)? else {
                return guard.finish().map_err(ApiError::new);
            };
            let next = self.next_url(path, page, &href)?;
            guard.follow(&next).map_err(ApiError::new)?;
            if page == 1
                && let Some(total) = guard.announced_pages().filter(|&t| t > 2)
                && page_number(&next) == Some(2)
            {
                return self
                    .rest_at_once(path, &next, total, &mut guard, list)
                    .await;
            }
            url = next;
        }
    }

    /// Pages 2 to `total` of a list, [`PAGES_AT_ONCE`] at a time, each from the server's link
    /// to page 2 with another page number. Each page read must link to the next (the last to
    /// none), as the sequential reading would find it; what the guard refuses stops the list.
    async fn rest_at_once<T, I>(
        &self,
        path: &str,
        second: &Url,
        total: u64,
        guard: &mut PageGuard,
        list: &mut Listed<T, I>,
    ) -> Result<(), ApiError>
    where
        T: DeserializeOwned,
        I: DeserializeOwned,
    {
        let mut first = 2;
        while first <= total {
            let last = (first + PAGES_AT_ONCE - 1).min(total);
            let urls: Vec<(u64, Url)> = (first..=last).map(|k| (k, with_page(second, k))).collect();
            let pages = join_all(urls.iter().map(|(k, u)| self.read_page::<T, I>(u, *k))).await;
            for ((k, _), p) in urls.iter().zip(pages) {
                let next = list.take(guard, p?)?;
                match next {
                    None if *k == total => {}
                    None => {
                        guard.finish().map_err(ApiError::new)?;
                        return Err(ApiError::new(format!(
                            "the list {path} ended at page {k} of the {total} it announced"
                        )));
                    }
                    Some(href) => {
                        let next = self.next_url(path, *k, &href)?;
                        guard.follow(&next).map_err(ApiError::new)?;
                        if page_number(&next) != Some(k + 1) {
                            return Err(ApiError::new(format!(
                                "the next link of page {k} of {path} does not lead to page {}: \
                                 the list changed while it was read",
                                k + 1
                            )));
                        }
                    }
                }
            }
            first = last + 1;
        }
        guard.finish().map_err(ApiError::new)
    }

    /// Page `page` of a list (1 the first), with the server's time of its answer.
    async fn read_page<T, I>(&self, url: &Url, page: u64) -> Result<(Page<T, I>, i64), ApiError>
    where
        T: DeserializeOwned,
        I: DeserializeOwned,
    {
        let answer = self.get_answer(url).await.map_err(|e| match page {
            1 => e,
            _ if e.status == Some(404) => e.context(format!("page {page} of the list is missing")),
            _ => e.context(format!("page {page} of the list could not be read")),
        })?;
        Ok((self.parse_json(url, &answer.body)?, answer.now))
    }

    /// A `next` link, which must be on the API's origin (scheme, host and port): the token
    /// only ever goes to the API it was given for. The message names the other origin only,
    /// never the link's path or query.
    fn next_url(&self, path: &str, page: u64, href: &str) -> Result<Url, ApiError> {
        let mut next = self.base.join(href).map_err(|e| {
            ApiError::new(format!(
                "the next link of page {page} of {path} is not a URL ({e})"
            ))
        })?;
        if next.origin() != self.base.origin() {
            return Err(ApiError::new(format!(
                "the next link of page {page} of {path} points to another origin, {}, than the \
                 API's, {}; the token is only ever sent to the API, so the rest of the list was \
                 not read",
                pages::origin(&next),
                pages::origin(&self.base)
            )));
        }
        // User info would go out as a second, Basic, `Authorization` header.
        let _ = next.set_username("");
        let _ = next.set_password(None);
        next.set_fragment(None);
        Ok(next)
    }

    /// One resource (or a non-paginated list).
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, url: &Url) -> Result<T, ApiError> {
        Ok(self.get_json_dated(url).await?.0)
    }

    /// [`Target::get_json`] with the server's time of the answer ([`Answer::now`]).
    pub(crate) async fn get_json_dated<T: DeserializeOwned>(
        &self,
        url: &Url,
    ) -> Result<(T, i64), ApiError> {
        let answer = self.get_answer(url).await?;
        Ok((self.parse_json(url, &answer.body)?, answer.now))
    }

    /// A GET's answer as `T`; an error names the URL and where the JSON went wrong.
    pub(crate) fn parse_json<T: DeserializeOwned>(
        &self,
        url: &Url,
        body: &[u8],
    ) -> Result<T, ApiError> {
        self.parse("GET", url, body, true)
    }

    /// An answer that holds new secrets (a token grant) as `T`: an error never quotes a value
    /// of the answer, since the new secrets are not known yet to be scrubbed.
    pub(crate) fn parse_secret_json<T: DeserializeOwned>(
        &self,
        method: &str,
        url: &Url,
        body: &[u8],
    ) -> Result<T, ApiError> {
        self.parse(method, url, body, false)
    }

    fn parse<T: DeserializeOwned>(
        &self,
        method: &str,
        url: &Url,
        body: &[u8],
        quote: bool,
    ) -> Result<T, ApiError> {
        let de = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let inner = e.inner();
            let what = if inner.is_eof() {
                "truncated JSON"
            } else if inner.is_syntax() {
                "invalid JSON"
            } else {
                "unexpected JSON"
            };
            let path = e.path().to_string();
            let at = if path == "." {
                String::new()
            } else {
                format!(" at `{path}`")
            };
            let detail = if quote {
                format!(": {inner}")
            } else {
                String::new()
            };
            self.scrub_error(ApiError::new(format!(
                "{method} {} gave {what}{at} (line {}, column {}){detail}",
                self.show_url(url),
                inner.line(),
                inner.column(),
            )))
        })
    }

    /// GET with the token, with the server's time of the answer; on a 401, one refresh (or
    /// re-grant) and one more try.
    pub(crate) async fn get_answer(&self, url: &Url) -> Result<Answer, ApiError> {
        let mut refreshed = false;
        loop {
            let (token, generation) = self.token().await.map_err(|e| self.scrub_error(e))?;
            match self.get_with_retry(url, Some(&token)).await {
                Err(e) if e.status == Some(401) && !refreshed => match self
                    .refresh(generation)
                    .await
                {
                    Ok(true) => refreshed = true,
                    Ok(false) => return Err(self.scrub_error(e.context("the token was rejected"))),
                    Err(r) => {
                        return Err(self
                            .scrub_error(ApiError::new(format!("{}; {}", e.message, r.message))));
                    }
                },
                Err(e) if e.status == Some(401) => {
                    return Err(self.scrub_error(
                        e.context("the token was rejected, also after getting a new one"),
                    ));
                }
                other => return other.map_err(|e| self.scrub_error(e)),
            }
        }
    }

    /// GET without a token (the API root).
    pub(crate) async fn get_unauthenticated(&self, url: &Url) -> Result<Vec<u8>, ApiError> {
        self.get_with_retry(url, None)
            .await
            .map(|a| a.body)
            .map_err(|e| self.scrub_error(e))
    }

    /// One GET, retried on transient failures within the deadline.
    async fn get_with_retry(&self, url: &Url, token: Option<&Secret>) -> Result<Answer, ApiError> {
        let attempts = AtomicU32::new(0);
        // The last answer the server gave, should a later try end without one (the deadline).
        let answered: std::sync::Mutex<Option<ApiError>> = std::sync::Mutex::new(None);
        let deadline = self.settings.deadline;
        let backoff = ExponentialBuilder::new()
            .with_jitter()
            .with_min_delay(self.settings.min_backoff)
            .with_max_delay(Duration::from_secs(10))
            .with_max_times(8);
        let result = (|| async {
            attempts.fetch_add(1, Ordering::Relaxed);
            let result = self.attempt(url, token).await;
            if let Err(e) = &result
                && e.status.is_some()
            {
                *answered.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.clone());
            }
            result
        })
        .retry(backoff)
        .sleep(tokio::time::sleep)
        .when(|e: &ApiError| e.retryable)
        .adjust(|e: &ApiError, planned: Option<Duration>| {
            let wait = planned.map(|p| e.retry_after.unwrap_or(p))?;
            // Waiting past the deadline would only end in a deadline error. The server sets
            // `wait`: an `Instant` it would overflow is past any deadline too.
            Instant::now()
                .checked_add(wait)
                .is_some_and(|at| at < deadline)
                .then_some(wait)
        })
        .notify(|e: &ApiError, wait: Duration| {
            tracing::debug!("retrying in {wait:?}: {}", self.scrub_error(e.clone()));
        })
        .await;
        let n = attempts.load(Ordering::Relaxed);
        let answered = answered.into_inner().unwrap_or_else(|p| p.into_inner());
        result.map_err(|e| {
            // A try cut short by the deadline says less than the server's last answer did.
            let mut e = match answered {
                Some(last) if e.status.is_none() => ApiError {
                    message: format!("{}; then {}", last.message, e.message),
                    ..last
                },
                _ => e,
            };
            match e.retry_after.filter(|_| e.retryable) {
                Some(ra) if e.status == Some(429) => e.message.push_str(&format!(
                    " (the rate limit resets in {} s; a 429 is retried after the reset only \
                     when that is before the deadline of the run)",
                    ra.as_secs()
                )),
                Some(ra) => e.message.push_str(&format!(
                    " (the server asked to retry after {} s)",
                    ra.as_secs()
                )),
                None => {}
            }
            if n > 1 {
                e.message.push_str(&format!(" (after {n} attempts)"));
            }
            e
        })
    }

    /// One try: send, read the whole body, classify.
    async fn attempt(&self, url: &Url, token: Option<&Secret>) -> Result<Answer, ApiError> {
        let deadline = self.settings.deadline;
        if let Some(cap) = &self.settings.budget.cap {
            cap.take(deadline)
                .await
                .map_err(|m| ApiError::new(format!("GET {}: {m}", self.show_url(url))))?;
        }
        let Ok(Ok(_permit)) = tokio::time::timeout_at(deadline, self.in_flight.acquire()).await
        else {
            return Err(self.deadline_error(url));
        };
        let now = Instant::now();
        if now >= deadline {
            return Err(self.deadline_error(url));
        }
        let by_request = now + self.settings.per_request;
        let limit = by_request.min(deadline);
        let mut req = self
            .http
            .get(url.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(t) = token {
            let mut v = HeaderValue::from_str(&format!("bearer {}", t.expose())).map_err(|_| {
                ApiError::new("the token holds characters that cannot go into an HTTP header")
            })?;
            v.set_sensitive(true);
            req = req.header(AUTHORIZATION, v);
        }
        self.count_request("GET", url);
        let exchange = async {
            let resp = req.send().await?;
            let status = resp.status();
            let date = server_date(resp.headers());
            let rate = RateLimit::from_headers(resp.headers(), date.unwrap_or_else(local_now));
            // A 429 without `Retry-After` waits for the reset its rate-limit headers name.
            let retry_after = retry_after(resp.headers()).or_else(|| {
                rate.filter(|_| status.as_u16() == 429)
                    .map(|r| Duration::from_secs(r.resets_in().max(1)))
            });
            let body = read_capped(resp).await?;
            Ok::<_, reqwest::Error>((status, retry_after, date, rate, body))
        };
        match tokio::time::timeout_at(limit, exchange).await {
            Err(_) if limit == deadline => Err(self.deadline_error(url)),
            Err(_) => Err(ApiError::transient(format!(
                "GET {}: no answer within {} s",
                self.show_url(url),
                self.settings.per_request.as_secs_f32()
            ))),
            Ok(Err(e)) => {
                let chain = error_chain(&e);
                let message = format!("GET {}: {chain}", self.show_url(url));
                // A certificate that is not trusted now will not be trusted in a second.
                if chain.contains("certificate") {
                    Err(ApiError::new(format!(
                        "{message} (give the CA with --ca-cert FILE, or --skip-ssl-validation)"
                    )))
                } else {
                    Err(ApiError::transient(message))
                }
            }
            Ok(Ok((status, retry_after, date, rate, body))) => {
                if let Some(r) = rate {
                    self.note_rate(r);
                }
                if status.is_success() {
                    let body = body.ok_or_else(|| self.too_large("GET", url))?;
                    Ok(Answer {
                        body,
                        now: date.unwrap_or_else(local_now),
                    })
                } else if status.is_redirection() {
                    Err(ApiError::new(format!(
                        "GET {} answered {status}: a redirect (give the API's final address with --api)",
                        self.show_url(url)
                    )))
                } else {
                    Err(ApiError::from_status(
                        "GET",
                        &self.show_url(url),
                        status,
                        body.as_deref().unwrap_or_default(),
                        retry_after,
                    ))
                }
            }
        }
    }

    /// Counts a request about to be sent (for the round and the process), and logs it
    /// without secrets.
    fn count_request(&self, method: &str, url: &Url) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        REQUESTS_TOTAL.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("{method} {}", self.show_url(url));
    }

    fn deadline_error(&self, url: &Url) -> ApiError {
        ApiError::new(format!(
            "GET {}: no answer before the deadline of {} s for the whole run (--timeout)",
            self.show_url(url),
            self.settings.run_timeout.as_secs_f32()
        ))
    }

    fn too_large(&self, method: &str, url: &Url) -> ApiError {
        ApiError::new(format!(
            "{method} {}: the answer is larger than {} MiB, more than archcheck reads of one answer",
            self.show_url(url),
            MAX_BODY / (1024 * 1024)
        ))
    }

    /// A form POST with HTTP Basic client authentication (UAA's token endpoint); not retried.
    /// Errors are scrubbed.
    pub(crate) async fn post_form(
        &self,
        url: &Url,
        form: &[(&str, &str)],
        client_id: &str,
        client_secret: &Secret,
    ) -> Result<Vec<u8>, ApiError> {
        let deadline = self.settings.deadline;
        let now = Instant::now();
        if now >= deadline {
            return Err(self.scrub_error(ApiError::new(format!(
                "POST {}: the deadline of {} s for the whole run was reached first",
                self.show_url(url),
                self.settings.run_timeout.as_secs_f32()
            ))));
        }
        let limit = (now + self.settings.per_request).min(deadline);
        let req = self
            .http
            .post(url.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .basic_auth(client_id, Some(client_secret.expose()))
            .form(form);
        self.count_request("POST", url);
        let exchange = async {
            let resp = req.send().await?;
            let status = resp.status();
            let body = read_capped(resp).await?;
            Ok::<_, reqwest::Error>((status, body))
        };
        let answer = match tokio::time::timeout_at(limit, exchange).await {
            Err(_) => Err(ApiError::new(format!(
                "POST {}: no answer in time",
                self.show_url(url)
            ))),
            Ok(Err(e)) => Err(ApiError::new(format!(
                "POST {}: {}",
                self.show_url(url),
                error_chain(&e)
            ))),
            Ok(Ok((status, body))) if status.is_success() => {
                body.ok_or_else(|| self.too_large("POST", url))
            }
            Ok(Ok((status, body))) => Err(ApiError::from_status(
                "POST",
                &self.show_url(url),
                status,
                body.as_deref().unwrap_or_default(),
                None,
            )),
        };
        answer.map_err(|e| self.scrub_error(e))
    }
}

/// What a list has read so far.
struct Listed<T, I> {
    items: Vec<(T, i64)>,
    included: Vec<I>,
}

impl<T, I> Default for Listed<T, I> {
    fn default() -> Self {
        Listed {
            items: Vec::new(),
            included: Vec::new(),
        }
    }
}

impl<T, I> Listed<T, I> {
    /// Takes a page in (the guard counts it) and gives its `next` link, if any.
    fn take(
        &mut self,
        guard: &mut PageGuard,
        (p, now): (Page<T, I>, i64),
    ) -> Result<Option<String>, ApiError> {
        guard
            .read(&p.pagination, p.resources.len())
            .map_err(ApiError::new)?;
        self.items.extend(p.resources.into_iter().map(|r| (r, now)));
        self.included.extend(p.included);
        Ok(p.pagination.next.map(|l| l.href))
    }
}

/// The `page` parameter of a URL, when it is a number.
fn page_number(url: &Url) -> Option<u64> {
    url.query_pairs()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse().ok())
}

/// The URL with its `page` parameter set to `page`, every other parameter as it was written.
fn with_page(url: &Url, page: u64) -> Url {
    let mut out = url.clone();
    let query: Vec<String> = url
        .query()
        .unwrap_or_default()
        .split('&')
        .map(|p| {
            if p.split('=').next() == Some("page") {
                format!("page={page}")
            } else {
                p.to_owned()
            }
        })
        .collect();
    out.set_query(Some(&query.join("&")));
    out
}

/// Runs the futures at once (on the caller's task) and gives their outputs in order.
pub(crate) async fn join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut futures: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in futures.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *o = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// A successful GET's answer.
pub(crate) struct Answer {
    pub body: Vec<u8>,
    /// The server's time of the answer, seconds since the Unix epoch: its `Date` header, else
    /// this machine's clock when the answer came. Relative times in the answer (an instance's
    /// `since`, which the Cloud Controller sends as seconds in its state) and ages of its
    /// timestamps count from it, so a skewed local clock does not move them.
    pub now: i64,
}

/// The `Date` header, when there is one that reads.
fn server_date(headers: &reqwest::header::HeaderMap) -> Option<i64> {
    crate::time_format::parse_http_date(headers.get(reqwest::header::DATE)?.to_str().ok()?)
}

/// This machine's clock, seconds since the Unix epoch.
pub(crate) fn local_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The longest `Retry-After` archcheck takes as given: the server controls the header, and
/// anything longer is as good as "not within any deadline".
const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);

/// `Retry-After` in seconds (the HTTP-date form is not used by the Cloud Controller), clamped
/// to [`MAX_RETRY_AFTER`].
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|secs| Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

/// The whole body, or `None` when it is larger than [`MAX_BODY`] (announced or sent): what is
/// read stops there, so a server cannot make archcheck buffer without end.
async fn read_capped(mut resp: reqwest::Response) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// A reqwest error with its causes, without the URL (the caller names it, redacted).
fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    if e.is_connect() {
        parts.push("could not connect".to_owned());
    } else if e.is_timeout() {
        parts.push("timed out".to_owned());
    } else if e.is_body() || e.is_decode() {
        parts.push("the answer broke off".to_owned());
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        parts.push("request failed".to_owned());
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_link_keeps_every_other_parameter_as_written() {
        let next =
            Url::parse("https://api.example.org/v3/apps?names=a%2Cb&page=2&per_page=1&ref=x")
                .unwrap();
        assert_eq!(page_number(&next), Some(2));
        let p7 = with_page(&next, 7);
        assert_eq!(
            p7.as_str(),
            "https://api.example.org/v3/apps?names=a%2Cb&page=7&per_page=1&ref=x"
        );
        assert_eq!(page_number(&p7), Some(7));
        assert_eq!(
            page_number(&Url::parse("https://h/v3/apps?page=x").unwrap()),
            None
        );
    }

    #[tokio::test]
    async fn futures_run_at_once_and_answer_in_order() {
        let (tx, rx) = tokio::sync::oneshot::channel::<u8>();
        // The first waits for the second: run one after the other, it would never finish.
        let out = join_all(vec![
            Box::pin(async move { rx.await.unwrap_or(0) })
                as std::pin::Pin<Box<dyn std::future::Future<Output = u8> + Send>>,
            Box::pin(async move {
                let _ = tx.send(7);
                1
            }),
        ])
        .await;
        assert_eq!(out, [7, 1]);
    }
}
