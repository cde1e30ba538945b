//! A simulated Cloud Controller (v3 API) and UAA token endpoint, built from a model, for
//! demos, tests and incident drills.
//!
//! - [`world`]: the foundation's state built from the model (orgs, spaces, apps, processes,
//!   routes, the service catalog, instances, credential bindings incl. one service key), with
//!   deterministic GUIDs ([`ids`]).
//! - [`scenario`]: named starting states (`healthy`, `c2-incident`, `c2-half-repair`).
//! - [`fault`]: injectable faults and their grammar ([`fault::FAULT_GRAMMAR`]); [`audit`]:
//!   the audit events each fault records.
//! - [`api`]: the HTTP endpoints, [`query`]: filters, pagination, `fields`, `include`,
//!   `embed`; [`uaa`]: `POST /oauth/token` and tokens; [`state`]: the running state.
//!
//! Served: `GET /`, `/v3`, `/v3/info`; `GET /v3/organizations`, `/v3/spaces`, `/v3/apps`,
//! `/v3/processes`, `/v3/routes`, `/v3/domains`, `/v3/service_instances`, `/v3/service_credential_bindings`,
//! `/v3/service_plans`, `/v3/service_offerings` (each also `/:guid`);
//! `GET /v3/deployments` and `GET /v3/audit_events` (also `/:guid`);
//! `GET /v3/processes/:guid/stats`, `GET /v3/apps/:guid/env`,
//! `GET /v3/service_instances/:guid/relationships/shared_spaces` and
//! `GET /v3/service_credential_bindings/:guid/details` (credentials marked
//! [`api::apps::SECRET_MARKER`]); `POST /oauth/token`; and the control endpoints
//! `/_sim/faults`, `/_sim/stats` (with the most requests in a row), `/_sim/requests` (the
//! request log) and `/_sim/clock` (see [`api::control`]).
//!
//! In a test:
//! ```no_run
//! # use archcheck::sim::{Simulator, SimConfig};
//! let model = archcheck::model::load("models/c2.json".as_ref()).unwrap();
//! let sim = Simulator::start(&model, SimConfig::default()).unwrap();
//! let url = sim.url(); // http://127.0.0.1:PORT
//! sim.add_faults(&["unbind:staging:worker:queue"]).unwrap();
//! assert_eq!(sim.stats().total, 0);
//! sim.shutdown();
//! ```

pub(crate) mod api;
pub(crate) mod audit;
pub(crate) mod fault;
pub(crate) mod ids;
pub(crate) mod query;
pub(crate) mod scenario;
pub(crate) mod state;
pub(crate) mod uaa;
pub(crate) mod world;

pub use api::apps::SECRET_MARKER;
pub use fault::FAULT_GRAMMAR;
pub(crate) use fault::{Fault, FaultError};
pub use ids::STARTED;
pub use scenario::Scenario;
pub use state::Stats;

use crate::model::Model;
use state::Shared;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How to run a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen; port 0 picks a free one. Default `127.0.0.1:0`.
    pub listen: SocketAddr,
    /// The world's starting state (see [`Scenario`]).
    pub scenario: Scenario,
    /// Fault specs applied at start (see [`FAULT_GRAMMAR`]).
    pub faults: Vec<String>,
    /// Caps `per_page`, to force many pages.
    pub max_per_page: Option<u32>,
    /// Grant tokens only for this `(id, secret)` (user and password, or client), and accept
    /// only tokens the simulator issued.
    pub require_token: Option<(String, String)>,
    /// Lifetime of access tokens.
    pub token_ttl: Duration,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario: Scenario::Healthy,
            faults: Vec::new(),
            max_per_page: None,
            require_token: None,
            token_ttl: Duration::from_secs(3600),
        }
    }
}

/// Why a simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A fault spec does not parse.
    #[error(transparent)]
    Fault(#[from] FaultError),
    /// The scenario does not fit the model.
    #[error("{0}")]
    Scenario(String),
    /// A fault names something the model lacks.
    #[error("cannot apply faults: {0}")]
    FaultTarget(String),
    /// The address is taken or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
    /// The runtime or its listener could not be set up.
    #[error("cannot start the simulator's runtime: {0}")]
    Runtime(std::io::Error),
}

/// A prepared simulator: the world, scenario and faults, ready to serve.
pub struct Simulator {
    shared: Arc<Shared>,
}

impl Simulator {
    /// Builds the world from the model, applies the scenario and the faults.
    pub fn new(model: &Model, config: &SimConfig) -> Result<Simulator, SimError> {
        let faults = config
            .faults
            .iter()
            .map(|s| Fault::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        let mut world = world::World::from_model(model);
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        config
            .scenario
            .apply(&mut world, now_ms)
            .map_err(SimError::Scenario)?;
        let shared = Arc::new(Shared::new(
            world,
            config.max_per_page,
            config.require_token.clone(),
            config.token_ttl,
        ));
        shared.add_faults(&faults).map_err(SimError::FaultTarget)?;
        Ok(Simulator { shared })
    }

    /// Starts serving on a thread of its own (so it works from sync and async tests alike)
    /// and returns once it is listening.
    pub fn start(model: &Model, config: SimConfig) -> Result<SimHandle, SimError> {
        let sim = Simulator::new(model, &config)?;
        let listener =
            std::net::TcpListener::bind(config.listen).map_err(|source| SimError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(SimError::Runtime)?;
        listener.set_nonblocking(true).map_err(SimError::Runtime)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(SimError::Runtime)?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let shared = sim.shared.clone();
        let thread = std::thread::Builder::new()
            .name("archcheck-sim".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => {
                            let _ = sim
                                .serve(l, async {
                                    let _ = stop_rx.await;
                                })
                                .await;
                        }
                        Err(e) => tracing::error!("simulator cannot listen: {e}"),
                    }
                });
            })
            .map_err(SimError::Runtime)?;
        Ok(SimHandle {
            url: format!("http://{addr}"),
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, api::router(self.shared))
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// A running simulator. Dropping it stops it.
pub struct SimHandle {
    url: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SimHandle {
    /// The base URL, e.g. `http://127.0.0.1:43567` (the API root, and the UAA too).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Adds faults (all or none), as `POST /_sim/faults` does.
    pub fn add_faults(&self, specs: &[&str]) -> Result<(), String> {
        let faults = specs
            .iter()
            .map(|s| Fault::parse(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        self.shared.add_faults(&faults)
    }

    /// Replaces every fault with these.
    pub fn set_faults(&self, specs: &[&str]) -> Result<(), String> {
        let faults = specs
            .iter()
            .map(|s| Fault::parse(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        self.shared.clear_faults();
        self.shared.add_faults(&faults)
    }

    /// Removes every fault, as `DELETE /_sim/faults` does.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Requests served so far, per path.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Requests since the last reset, `PATH?QUERY` as sent, in the order they came.
    pub fn request_log(&self) -> Vec<String> {
        self.shared.request_log()
    }

    /// Forgets the request counts and log (`DELETE /_sim/stats`).
    pub fn reset_stats(&self) {
        self.shared.reset_stats();
    }

    /// Moves the simulator's clock on, as `POST /_sim/clock` does: deployments in flight
    /// play out as if that much time had passed.
    pub fn advance_clock(&self, by: std::time::Duration) {
        self.shared.advance_clock(by);
    }

    /// The current world (for assertions).
    pub fn world(&self) -> Arc<world::World> {
        self.shared.world()
    }

    /// Stops serving and waits for the server thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}
