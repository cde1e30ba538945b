//! The watcher's HTTP endpoints (axum): `GET /metrics` (OpenMetrics text, see
//! [`super::metrics`]), `GET /healthz` (200 while the evidence is fresh or the first round
//! is pending, 503 once it is stale, whether rounds stalled or finish with evidence that is
//! too old; a JSON body with each environment's current status and the evidence's age),
//! `GET /status` (the exported verdict as the JSON report of `verify --format json`, each
//! source saying when it was read). Every answer shows the exported view, so nothing here is
//! ever better than the evidence. Every body passes through [`crate::secret::redact`] on
//! its way out.
//!
//! [`serve`] serves the router on the listener: plain HTTP, or HTTPS only when the web
//! configuration has `tls_server_config` (rustls through axum-server, with a handshake
//! timeout, so a client that opens a connection and says nothing holds nothing for long).

use super::metrics;
use super::state::{Freshness, Shared, rfc3339};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub(crate) fn router(
    shared: Arc<Shared>,
    web: Option<Arc<super::web_config::WebConfig>>,
) -> Router {
    let diagrams = Arc::new(Diagrams {
        available: super::page::dot_available(),
        cache: Mutex::new(HashMap::new()),
        versions: Mutex::new(HashMap::new()),
    });
    if !diagrams.available {
        tracing::warn!(
            "Graphviz `dot` is not installed: the status page shows each environment's bindings \
             as a table, without the diagram (install the `graphviz` package for it)"
        );
    }
    let protected = Router::new()
        .route("/", get(index))
        .route("/env/{name}", get(env_page))
        .route("/diagram/{file}", get(diagram))
        .route("/assets/page.css", get(css))
        .route("/assets/page.js", get(js))
        .route("/metrics", get(metrics_handler))
        .route("/status", get(status));
    let protected = match web.filter(|w| w.has_users()) {
        Some(web) => protected.layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let web = web.clone();
                async move { authorize(&web, req, next).await }
            },
        )),
        None => protected,
    };
    // /healthz stays open: a platform's health check has no credentials, and it shows no
    // architecture (statuses and headlines only).
    protected
        .route("/healthz", get(healthz))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::map_response(redact_body))
        .layer(axum::Extension(diagrams))
        .with_state(shared)
}

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// After the stop signal, how long open connections get to finish their answers.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Serves `app` on `listener` until `stop` completes: HTTPS with `tls`, else plain HTTP.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let Some(tls) = tls else {
        return axum::serve(listener, app)
            .with_graceful_shutdown(stop)
            .await;
    };
    let h2 = tls.alpn_protocols.iter().any(|p| p == b"h2");
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        stop.await;
        stopper.graceful_shutdown(Some(SHUTDOWN_GRACE));
    });
    let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(
        axum_server::tls_rustls::RustlsConfig::from_config(tls),
    )
    .handshake_timeout(HANDSHAKE_TIMEOUT);
    let mut server = axum_server::from_tcp(listener.into_std()?)?
        .acceptor(acceptor)
        .handle(handle);
    if !h2 {
        server = server.http1_only();
    }
    server.serve(app.into_make_service()).await
}

/// Lets a request with the credentials of a `--web-config` user through; 401 otherwise.
async fn authorize(
    web: &super::web_config::WebConfig,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // bcrypt is slow on purpose; a login checked good is remembered, so it costs once.
    if web.allows(auth.as_deref()) {
        return next.run(req).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Basic realm=\"archcheck watch\"")],
        "401 Unauthorized: a user of --web-config is needed\n",
    )
        .into_response()
}

/// The diagrams with the verdict, laid out by Graphviz `dot` when it is installed; the last
/// one of each environment is kept, keyed by its DOT source's hash.
pub(crate) struct Diagrams {
    pub available: bool,
    cache: Mutex<HashMap<String, Drawn>>,
    /// Per environment, the exported verdict its diagram's version was last made of, and
    /// that version: the page asks for it on every request, and the verdict of a round is
    /// the same until the next round.
    versions: Mutex<HashMap<String, (std::sync::Weak<super::state::Exported>, String)>>,
}

impl Diagrams {
    /// The version of `env`'s diagram with the view's verdict (its DOT source's hash).
    fn version(&self, shared: &Shared, view: &super::state::View, env: &str) -> String {
        let mut versions = self.versions.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((of, v)) = versions.get(env)
            && std::sync::Weak::ptr_eq(of, &Arc::downgrade(&view.exported))
        {
            return v.clone();
        }
        let v = env_dot(shared, view, env).map_or_else(String::new, |(_, h)| format!("{h:016x}"));
        versions.insert(env.to_owned(), (Arc::downgrade(&view.exported), v.clone()));
        v
    }
}

/// A drawn diagram: its DOT source's hash and the SVG.
type Drawn = (u64, Arc<Vec<u8>>);

/// The DOT source of one environment with the view's verdict, and its hash (the diagram's
/// version in the page's image URLs).
fn env_dot(shared: &Shared, view: &super::state::View, env: &str) -> Option<(String, u64)> {
    let dot = crate::render::dot(
        &shared.model,
        &crate::render::RenderOptions {
            env: Some(env),
            verdict: Some(view.verdict()),
            focus: None,
            full: false,
        },
    )
    .ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    dot.hash(&mut h);
    Some((dot, h.finish()))
}

/// Headers on every answer: a strict Content-Security-Policy (an SVG diagram may use inline
/// styles only), no sniffing, no framing, no referrer.
async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    let svg = h
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"image/svg"));
    let csp = if svg {
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    } else {
        super::page::CSP
    };
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Every answer through [`crate::secret::redact`]. Every body here is made whole in
/// memory by this server's handlers, so it is read whole, whatever its size: a size limit
/// would only turn a large model's `/status` into an error. A body with no secret in it is
/// passed on as it is, not copied.
pub(crate) async fn redact_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => {
            let redacted = match crate::secret::redact_bytes(&bytes) {
                std::borrow::Cow::Borrowed(_) => None,
                std::borrow::Cow::Owned(r) => Some(r),
            };
            let body = redacted.map_or(bytes, axum::body::Bytes::from);
            Response::from_parts(parts, axum::body::Body::from(body))
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read the answer: {e}\n"),
        )
            .into_response(),
    }
}

async fn index(
    State(shared): State<Arc<Shared>>,
    axum::Extension(diagrams): axum::Extension<Arc<Diagrams>>,
) -> Response {
    page(&shared, &diagrams, None, 1)
}

/// The query of `/env/NAME`: `?page=N`.
#[derive(Debug, serde::Deserialize)]
struct PageQuery {
    page: Option<String>,
}

async fn env_page(
    State(shared): State<Arc<Shared>>,
    axum::Extension(diagrams): axum::Extension<Arc<Diagrams>>,
    axum::extract::Path(name): axum::extract::Path<String>,
    axum::extract::Query(query): axum::extract::Query<PageQuery>,
) -> Response {
    let asked = query.page;
    let number = match asked.as_deref().map(str::parse::<usize>) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => {
            return (
                StatusCode::BAD_REQUEST,
                format!(
                    "?page={} is not a page: pages are numbered 1, 2, ... (a page beyond the \
                     last shows the last)\n",
                    asked.unwrap_or_default()
                ),
            )
                .into_response();
        }
    };
    if !shared.envs.contains(&name) {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            super::page::not_found(&name, &shared),
        )
            .into_response();
    }
    page(&shared, &diagrams, Some(&name), number)
}

fn page(shared: &Shared, diagrams: &Diagrams, env: Option<&str>, number: usize) -> Response {
    let view = shared.view(Instant::now());
    let version = |e: &str| diagrams.version(shared, &view, e);
    let html = super::page::render(&super::page::PageContext {
        shared,
        view: &view,
        env,
        page: number,
        diagrams: diagrams.available,
        diagram_version: &version,
    });
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        super::page::CSS,
    )
        .into_response()
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        super::page::JS,
    )
        .into_response()
}

/// `/diagram/NAME.svg`: the environment's diagram with the current verdict, laid out by
/// Graphviz (cached until the verdict changes); 404 for an environment not watched, 503
/// without Graphviz.
async fn diagram(
    State(shared): State<Arc<Shared>>,
    axum::Extension(diagrams): axum::Extension<Arc<Diagrams>>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    let Some(env) = file
        .strip_suffix(".svg")
        .filter(|e| shared.envs.iter().any(|w| w == e))
    else {
        return (StatusCode::NOT_FOUND, "no such diagram\n").into_response();
    };
    if !diagrams.available {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "Graphviz `dot` is not installed where archcheck watch runs\n",
        )
            .into_response();
    }
    let view = shared.view(Instant::now());
    let Some((dot, hash)) = env_dot(&shared, &view, env) else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot draw the diagram\n",
        )
            .into_response();
    };
    let cached = diagrams
        .cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(env)
        .filter(|(h, _)| *h == hash)
        .map(|(_, svg)| svg.clone());
    let svg = match cached {
        Some(svg) => svg,
        None => match tokio::task::spawn_blocking(move || crate::render::svg(&dot)).await {
            Ok(Ok(svg)) => {
                let svg = Arc::new(svg);
                diagrams
                    .cache
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(env.to_owned(), (hash, svg.clone()));
                svg
            }
            Ok(Err(e)) => {
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("cannot draw the diagram: {e:#}\n"),
                )
                    .into_response();
            }
            Err(e) => {
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("cannot draw the diagram: {e}\n"),
                )
                    .into_response();
            }
        },
    };
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            // The page asks for it by version: a new verdict is a new URL.
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        svg.as_ref().clone(),
    )
        .into_response()
}

async fn metrics_handler(State(shared): State<Arc<Shared>>) -> Response {
    let view = shared.view(Instant::now());
    let text = metrics::encode_view(&shared, &view);
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response()
}

/// The body of `/healthz`.
#[derive(Debug, Serialize)]
pub(crate) struct Health {
    /// `starting` (no round completed yet), `running` (fresh evidence), `stalled` (no round
    /// brought fresh evidence within 3 intervals: 503) or `stale` (rounds finish, but with
    /// evidence that was too old when they did: 503).
    pub status: &'static str,
    pub system: String,
    pub interval_seconds: f64,
    /// Evidence older than this is stale.
    pub stale_after_seconds: f64,
    pub rounds: u64,
    pub last_round_at: Option<String>,
    /// When the last completed round's evidence was read (its requests started).
    pub evidence_at: Option<String>,
    /// Its age now; before the first round, the time since the watcher started.
    pub evidence_age_seconds: f64,
    pub environments: Vec<EnvHealth>,
}

#[derive(Debug, Serialize)]
pub(crate) struct EnvHealth {
    pub name: String,
    pub status: crate::verify::Status,
    pub headline: String,
}

async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    let view = shared.view(Instant::now());
    let (code, status) = match view.freshness {
        Freshness::Pending => (StatusCode::OK, "starting"),
        Freshness::Fresh => (StatusCode::OK, "running"),
        Freshness::Stale if view.stalled => (StatusCode::SERVICE_UNAVAILABLE, "stalled"),
        Freshness::Stale => (StatusCode::SERVICE_UNAVAILABLE, "stale"),
    };
    let body = Health {
        status,
        system: shared.model.system.clone(),
        interval_seconds: shared.interval_now().as_secs_f64(),
        stale_after_seconds: super::schedule::stale_after(shared.interval_now()).as_secs_f64(),
        rounds: view.counters.rounds,
        last_round_at: view.last_completed_at.map(rfc3339),
        evidence_at: view.evidence_at.map(rfc3339),
        evidence_age_seconds: view.evidence_age.as_secs_f64(),
        environments: view
            .verdict()
            .environments
            .iter()
            .map(|e| EnvHealth {
                name: e.name.clone(),
                status: e.status,
                headline: view.exported.env_headline(&e.name),
            })
            .collect(),
    };
    (code, axum::Json(body)).into_response()
}

async fn status(State(shared): State<Arc<Shared>>) -> Response {
    let view = shared.view(Instant::now());
    match status_json(&shared, &view) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot render the report: {e:#}\n"),
        )
            .into_response(),
    }
}

/// The `/status` document: the `verify --format json` report with what the page shows
/// beyond it, as added fields (the report's fields keep their meaning, so its
/// `format_version` stays): `watch` (freshness, evidence time and age, interval, stale age,
/// rounds), each environment's `headline`, and `timeline` (the latest transitions, oldest
/// first).
#[derive(Serialize)]
struct StatusDocument<'a> {
    #[serde(flatten)]
    report: crate::report::json::Document<'a>,
    watch: WatchFields,
    timeline: &'a std::collections::VecDeque<super::store::Transition>,
}

#[derive(Serialize)]
struct WatchFields {
    freshness: &'static str,
    evidence_at: Option<String>,
    evidence_age_seconds: f64,
    interval_seconds: f64,
    stale_after_seconds: f64,
    rounds: u64,
}

/// [`StatusDocument`] of the view, serialized in one pass from the verdict (never through
/// an intermediate JSON tree: on a large model the report alone is tens of MB).
pub(crate) fn status_json(shared: &Shared, view: &super::state::View) -> anyhow::Result<Vec<u8>> {
    let mut report = crate::report::json::Document::new(
        view.verdict(),
        &shared.model,
        view.exported.headline().to_owned(),
        None,
    );
    for e in &mut report.environments {
        e.headline = Some(view.exported.env_headline(e.name));
    }
    let doc = StatusDocument {
        report,
        watch: WatchFields {
            freshness: match view.freshness {
                Freshness::Pending => "pending",
                Freshness::Fresh => "fresh",
                Freshness::Stale => "stale",
            },
            evidence_at: view.evidence_at.map(rfc3339),
            evidence_age_seconds: view.evidence_age.as_secs_f64(),
            interval_seconds: shared.interval_now().as_secs_f64(),
            stale_after_seconds: super::schedule::stale_after(shared.interval_now()).as_secs_f64(),
            rounds: view.counters.rounds,
        },
        timeline: &view.timeline,
    };
    let mut bytes = serde_json::to_vec_pretty(&doc)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The redaction layer reads a body of any size (it used to refuse more than 64 MB, so a
    /// large model's `/status` answered 500), and still redacts it.
    #[tokio::test]
    async fn a_body_larger_than_64_mb_is_redacted_and_passed_on() {
        let secret = "page-test-secret-4f1c9e7a";
        crate::secret::remember(secret);
        let mut body = vec![b'x'; 65 << 20];
        body.extend_from_slice(secret.as_bytes());
        body.push(b'\n');
        let len = body.len();
        let out = redact_body((StatusCode::OK, body).into_response()).await;
        assert_eq!(out.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(out.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(
            bytes.len(),
            len - secret.len() + crate::secret::REDACTED.len()
        );
        assert!(bytes.ends_with(b"x[redacted]\n"));
        // Without a secret in it, the body goes on as it was.
        let plain = redact_body((StatusCode::OK, "plain\n").into_response()).await;
        let bytes = axum::body::to_bytes(plain.into_body(), 100).await.unwrap();
        assert_eq!(&bytes[..], b"plain\n");
    }

    /// `/status` is the JSON report with `watch`, each environment's `headline` and
    /// `timeline` added, serialized straight from the verdict.
    #[test]
    fn status_is_the_report_with_the_watch_fields() {
        let s = Shared::new(
            Arc::new(crate::model::c2_for_tests()),
            vec!["staging".into(), "prod".into()],
            Duration::from_secs(60),
            Vec::new(),
        );
        let mut v = s.unknown_verdict("x");
        for c in &mut v.checks {
            c.status = crate::verify::Status::Ok;
            c.cause = None;
        }
        v.status = crate::verify::Status::Ok;
        for e in &mut v.environments {
            e.status = crate::verify::Status::Ok;
        }
        let checks = v.checks.len();
        s.complete_at_start(v);
        let view = s.view(s.started);
        let doc: serde_json::Value =
            serde_json::from_slice(&status_json(&s, &view).unwrap()).unwrap();
        assert_eq!(doc["format_version"], 1);
        assert_eq!(doc["status"], "OK");
        assert_eq!(doc["checks"].as_array().unwrap().len(), checks);
        assert_eq!(doc["watch"]["freshness"], "fresh");
        assert_eq!(doc["watch"]["rounds"], 1);
        assert_eq!(doc["timeline"], serde_json::json!([]));
        let envs = doc["environments"].as_array().unwrap();
        assert_eq!(envs.len(), 2);
        for e in envs {
            let name = e["name"].as_str().unwrap();
            assert_eq!(
                e["headline"].as_str().unwrap(),
                crate::watch::webhook::env_headline(view.verdict(), name)
            );
            assert!(
                e["headline"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("OK: {name}: all "))
            );
            assert!(e["counts"]["ok"].as_u64().unwrap() > 0);
            assert!(e["sources"].is_array());
        }
        assert_eq!(doc["headline"], crate::report::headline(view.verdict()));
    }
}
