//! Faults: changes to the simulated world (a lost binding, a deleted instance, a failed
//! operation, a stopped or crashed app, a deployment that plays out over time, a binding
//! made after the app's instances started), to how requests are answered (latency, error
//! statuses, rate limiting, expired tokens) and to the pagination of lists (a `next` link that
//! loops, totals that lie, a `next` link to another origin, the token reflected into links).
//! They combine, and a running simulator takes more over HTTP (`POST /_sim/faults`).
//!
//! The grammar is one table, [`KINDS`]: the parser looks kinds up in it, and every parse error
//! ([`FAULT_GRAMMAR`]) and `archcheck sim --help` ([`help`]) print it. ENV, APP and SERVICE
//! are the model's ids (environment name, the keys of `apps` and `services`), not CF names.

use super::audit;
use super::world::{LastOperation, RolloutKind, World};
use serde_json::json;
use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

/// One kind of fault: the single source of the grammar that the parser's messages, the
/// errors ([`FAULT_GRAMMAR`]) and `archcheck sim --help` ([`help`]) show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FaultKind {
    /// The spec's first word, e.g. `unbind`.
    pub name: &'static str,
    /// The whole spec, e.g. `unbind:ENV:APP:SERVICE`.
    pub syntax: &'static str,
    /// What it does (one paragraph; wrapped where it is shown).
    pub meaning: &'static str,
    /// A spec of this kind that parses (and prints back the same).
    pub example: &'static str,
}

/// Every fault kind the parser accepts, in the order the grammar lists them.
pub(crate) const KINDS: &[FaultKind] = &[
    FaultKind {
        name: "unbind",
        syntax: "unbind:ENV:APP:SERVICE",
        meaning: "the app binding of APP to SERVICE is gone",
        example: "unbind:staging:worker:queue",
    },
    FaultKind {
        name: "delete-instance",
        syntax: "delete-instance:ENV:SERVICE",
        meaning: "the service instance (and its bindings) is gone",
        example: "delete-instance:dev:db",
    },
    FaultKind {
        name: "fail-operation",
        syntax: "fail-operation:ENV:SERVICE",
        meaning: "the instance's last operation is `update failed`",
        example: "fail-operation:prod:db",
    },
    FaultKind {
        name: "stall-operation",
        syntax: "stall-operation:ENV:SERVICE",
        meaning: "the instance's last operation is `update in progress`",
        example: "stall-operation:prod:db",
    },
    FaultKind {
        name: "stop",
        syntax: "stop:ENV:APP",
        meaning: "the app is stopped (requested state STOPPED, 0 running)",
        example: "stop:dev:web",
    },
    FaultKind {
        name: "crash",
        syntax: "crash:ENV:APP",
        meaning: "the app is started but every instance CRASHED (0 running)",
        example: "crash:dev:worker",
    },
    FaultKind {
        name: "manifest-push",
        syntax: "manifest-push:ENV:APP",
        meaning: "the deployer applies a manifest to APP (an audit.app.apply_manifest event); \
                  nothing else changes",
        example: "manifest-push:staging:worker",
    },
    FaultKind {
        name: "restart",
        syntax: "restart:ENV:APP[:SECONDS]",
        meaning: "APP restarts now (`cf restart`): every instance STARTING for SECONDS (default \
                  10), then RUNNING, with the bindings it has now in its environment",
        example: "restart:staging:worker:10",
    },
    FaultKind {
        name: "deploy",
        syntax: "deploy:ENV:APP[:SECONDS]",
        meaning: "a rolling deployment of APP starts: a second web process whose instances go \
                  STARTING then RUNNING one at a time while the old ones are scaled down, all \
                  over SECONDS (default 60); then the old process is removed and the \
                  deployment is FINALIZED/DEPLOYED",
        example: "deploy:prod:web:60",
    },
    FaultKind {
        name: "deploy-canary",
        syntax: "deploy-canary:ENV:APP[:SECONDS]",
        meaning: "a canary deployment of APP starts: one new web instance, STARTING for SECONDS \
                  (default 60), then RUNNING, and the deployment stays ACTIVE/PAUSED",
        example: "deploy-canary:prod:web:30",
    },
    FaultKind {
        name: "deploy-stuck",
        syntax: "deploy-stuck:ENV:APP",
        meaning: "a rolling deployment of APP starts whose one new instance never leaves \
                  STARTING: it never finishes",
        example: "deploy-stuck:staging:worker",
    },
    FaultKind {
        name: "cancel-deploy",
        syntax: "cancel-deploy:ENV:APP",
        meaning: "the deployment of APP in flight is canceled: its new process removed, the old \
                  one back at its instances, the deployment FINALIZED/CANCELED",
        example: "cancel-deploy:staging:worker",
    },
    FaultKind {
        name: "rebind-without-restart",
        syntax: "rebind-without-restart:ENV:APP:SERVICE",
        meaning: "APP is bound to SERVICE anew now (`cf bind-service` without `cf restage`): the \
                  binding was created after the app's instances started, so they cannot see it",
        example: "rebind-without-restart:staging:worker:queue",
    },
    FaultKind {
        name: "bind-in-progress",
        syntax: "bind-in-progress:ENV:APP:SERVICE",
        meaning: "the binding of APP to SERVICE is being created now (last operation `create in \
                  progress`), so it is not in effect yet",
        example: "bind-in-progress:staging:web:search",
    },
    FaultKind {
        name: "share",
        syntax: "share:ENV:SERVICE:TO_ENV",
        meaning: "the instance is also shared into TO_ENV's space",
        example: "share:prod:db:dev",
    },
    FaultKind {
        name: "bind-shared",
        syntax: "bind-shared:ENV:APP:FROM_ENV:SERVICE",
        meaning: "FROM_ENV's SERVICE is shared into ENV's space and APP of ENV is bound to it \
                  (before its instances started)",
        example: "bind-shared:dev:web:prod:search",
    },
    FaultKind {
        name: "latency",
        syntax: "latency:MS",
        meaning: "every request waits MS milliseconds first",
        example: "latency:50",
    },
    FaultKind {
        name: "status",
        syntax: "status:CODE[:PATH_PREFIX[:COUNT]]",
        meaning: "answer CODE (400-599) with the CF error envelope to requests whose path starts \
                  with PATH_PREFIX (default: all), only the first COUNT of them when COUNT is given",
        example: "status:502:/v3:2",
    },
    FaultKind {
        name: "ratelimit",
        syntax: "ratelimit:SECONDS[:COUNT]",
        meaning: "answer 429 CF-RateLimitExceeded with `Retry-After: SECONDS` (to the first COUNT \
                  requests when given)",
        example: "ratelimit:1:3",
    },
    FaultKind {
        name: "budget",
        syntax: "budget:LIMIT[:SECONDS]",
        meaning: "the Cloud Controller's rate limiter: LIMIT requests with a token every SECONDS \
                  (default 3600; windows end at multiples of SECONDS on the simulator's clock). \
                  Every answer to one carries X-RateLimit-Limit, X-RateLimit-Remaining (estimated \
                  in tenths of LIMIT, rounded down, as the Cloud Controller does) and \
                  X-RateLimit-Reset (Unix time the window ends); past LIMIT, 429 \
                  CF-RateLimitExceeded with Retry-After until then (those count too). /, /v3, \
                  /v3/info and /oauth/token are not limited",
        example: "budget:100:60",
    },
    FaultKind {
        name: "expire-tokens",
        syntax: "expire-tokens",
        meaning: "every access token issued so far (and any token the simulator did not issue) is \
                  rejected with 401 CF-InvalidAuthToken; clients must refresh",
        example: "expire-tokens",
    },
    FaultKind {
        name: "pages-cycle",
        syntax: "pages-cycle[:PATH_PREFIX]",
        meaning: "the last page of every list whose path starts with PATH_PREFIX (default: all) \
                  has a `next` link back to page 1, so the pagination loops",
        example: "pages-cycle:/v3/apps",
    },
    FaultKind {
        name: "pages-total",
        syntax: "pages-total:RESULTS:PAGES[:PATH_PREFIX]",
        meaning: "the pagination of every list whose path starts with PATH_PREFIX (default: all) \
                  announces RESULTS `total_results` and PAGES `total_pages`, whatever the list \
                  holds",
        example: "pages-total:1000000000:1000000000:/v3/apps",
    },
    FaultKind {
        name: "next-offsite",
        syntax: "next-offsite[:PATH_PREFIX]",
        meaning: "the `next` links of every list whose path starts with PATH_PREFIX (default: \
                  all) point to another origin, http://offsite.invalid, with the same path and \
                  query",
        example: "next-offsite:/v3/routes",
    },
    FaultKind {
        name: "reflect-token",
        syntax: "reflect-token[:PARAM]",
        meaning: "every pagination link of every list carries the request's bearer token as the \
                  query parameter PARAM (default: access_token), which is ignored when the link \
                  is followed",
        example: "reflect-token:ref",
    },
];

/// How long a `deploy` or the canary of a `deploy-canary` takes when SECONDS is not given.
pub(crate) const DEFAULT_DEPLOY_SECS: u64 = 60;

/// How long a `restart`'s instances start when SECONDS is not given.
pub(crate) const DEFAULT_RESTART_SECS: u64 = 10;

/// What the grammar says after the kinds.
const GRAMMAR_NOTES: &str = "ENV, APP and SERVICE are the model's ids (e.g. staging, worker, queue), not CF names.\n\
                             Deployments play out on the simulator's clock, which POST /_sim/clock\n\
                             {\"advance_seconds\":N} moves on. Requests to /_sim/* are never subject to faults.";

/// Where the meanings start in the grammar (after two spaces and the padded syntax).
const MEANING_COLUMN: usize = 34;

/// The grammar with its lines at most `width` characters (the notes excepted): one entry a
/// kind, the syntax then the meaning, wrapped in a column of its own.
pub(crate) fn grammar(width: usize) -> String {
    let mut out = String::new();
    for k in KINDS {
        let mut line = format!("  {}", k.syntax);
        if line.len() + 2 > MEANING_COLUMN {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        for word in k.meaning.split_whitespace() {
            if line.len() < MEANING_COLUMN {
                line = format!("{line:MEANING_COLUMN$}{word}");
            } else if line.len() + 1 + word.len() > width {
                out.push_str(&line);
                out.push('\n');
                line = format!("{:MEANING_COLUMN$}{word}", "");
            } else {
                line.push(' ');
                line.push_str(word);
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(GRAMMAR_NOTES);
    out
}

/// The fault grammar, for error messages (lines of at most 96 characters).
pub static FAULT_GRAMMAR: LazyLock<String> = LazyLock::new(|| grammar(96));

/// The long help of `archcheck sim --fault`: how faults are added at runtime, and the grammar
/// narrow enough for clap's indented help in 100 columns.
pub(crate) fn help() -> String {
    format!(
        "A fault to inject (repeatable), e.g. {}. See `archcheck sim --help`.\n\n\
         Faults (also at runtime: POST /_sim/faults {{\"faults\":[\"SPEC\",...]}}, GET and DELETE\n\
         /_sim/faults; request counts at GET /_sim/stats):\n{}",
        KINDS[0].example,
        grammar(88)
    )
}

/// One fault, as parsed from its spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Unbind {
        env: String,
        app: String,
        service: String,
    },
    DeleteInstance {
        env: String,
        service: String,
    },
    FailOperation {
        env: String,
        service: String,
    },
    StallOperation {
        env: String,
        service: String,
    },
    Stop {
        env: String,
        app: String,
    },
    Crash {
        env: String,
        app: String,
    },
    Share {
        env: String,
        service: String,
        to_env: String,
    },
    ManifestPush {
        env: String,
        app: String,
    },
    BindShared {
        env: String,
        app: String,
        from_env: String,
        service: String,
    },
    Restart {
        env: String,
        app: String,
        secs: Option<u64>,
    },
    Deploy {
        env: String,
        app: String,
        secs: Option<u64>,
    },
    DeployCanary {
        env: String,
        app: String,
        secs: Option<u64>,
    },
    DeployStuck {
        env: String,
        app: String,
    },
    CancelDeploy {
        env: String,
        app: String,
    },
    RebindWithoutRestart {
        env: String,
        app: String,
        service: String,
    },
    BindInProgress {
        env: String,
        app: String,
        service: String,
    },
    Latency(Duration),
    Status {
        code: u16,
        path_prefix: Option<String>,
        count: Option<u64>,
    },
    RateLimit {
        retry_after_secs: u64,
        count: Option<u64>,
    },
    Budget {
        limit: u64,
        window_secs: u64,
    },
    ExpireTokens,
    PagesCycle {
        path_prefix: Option<String>,
    },
    PagesTotal {
        results: u64,
        pages: u64,
        path_prefix: Option<String>,
    },
    NextOffsite {
        path_prefix: Option<String>,
    },
    ReflectToken {
        param: Option<String>,
    },
}

/// A spec that does not parse, or names something the model does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault `{spec}`: {reason}\nfaults are:\n{}", FAULT_GRAMMAR.as_str())]
pub struct FaultError {
    pub spec: String,
    pub reason: String,
}

impl Fault {
    /// Parses one spec (syntax only; [`Fault::apply`] checks the ids against the world).
    pub fn parse(spec: &str) -> Result<Fault, FaultError> {
        let parts: Vec<&str> = spec.trim().split(':').collect();
        let (name, args) = (parts[0], &parts[1..]);
        let Some(kind) = KINDS.iter().find(|k| k.name == name) else {
            return Err(FaultError {
                spec: spec.to_owned(),
                reason: if name.is_empty() {
                    "the spec is empty".into()
                } else {
                    format!("unknown fault `{name}`")
                },
            });
        };
        Args { spec, kind, args }.world_fault()
    }

    /// Its kind's name (the spec's first word).
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Unbind { .. } => "unbind",
            Fault::DeleteInstance { .. } => "delete-instance",
            Fault::FailOperation { .. } => "fail-operation",
            Fault::StallOperation { .. } => "stall-operation",
            Fault::Stop { .. } => "stop",
            Fault::Crash { .. } => "crash",
            Fault::Share { .. } => "share",
            Fault::ManifestPush { .. } => "manifest-push",
            Fault::BindShared { .. } => "bind-shared",
            Fault::Restart { .. } => "restart",
            Fault::Deploy { .. } => "deploy",
            Fault::DeployCanary { .. } => "deploy-canary",
            Fault::DeployStuck { .. } => "deploy-stuck",
            Fault::CancelDeploy { .. } => "cancel-deploy",
            Fault::RebindWithoutRestart { .. } => "rebind-without-restart",
            Fault::BindInProgress { .. } => "bind-in-progress",
            Fault::Latency(_) => "latency",
            Fault::Status { .. } => "status",
            Fault::RateLimit { .. } => "ratelimit",
            Fault::Budget { .. } => "budget",
            Fault::ExpireTokens => "expire-tokens",
            Fault::PagesCycle { .. } => "pages-cycle",
            Fault::PagesTotal { .. } => "pages-total",
            Fault::NextOffsite { .. } => "next-offsite",
            Fault::ReflectToken { .. } => "reflect-token",
        }
    }

    /// True for faults that change the world (as opposed to how requests are answered).
    pub fn changes_world(&self) -> bool {
        matches!(
            self,
            Fault::Unbind { .. }
                | Fault::DeleteInstance { .. }
                | Fault::FailOperation { .. }
                | Fault::StallOperation { .. }
                | Fault::Stop { .. }
                | Fault::Crash { .. }
                | Fault::Share { .. }
                | Fault::ManifestPush { .. }
                | Fault::BindShared { .. }
                | Fault::Restart { .. }
                | Fault::Deploy { .. }
                | Fault::DeployCanary { .. }
                | Fault::DeployStuck { .. }
                | Fault::CancelDeploy { .. }
                | Fault::RebindWithoutRestart { .. }
                | Fault::BindInProgress { .. }
        )
    }

    /// Applies a world fault at `now_ms` (milliseconds since the epoch, the simulator's
    /// clock); checks every id against the model's environments. Request faults leave the
    /// world alone. A batch of faults ends with [`World::settle`], before the world is shown.
    pub fn apply(&self, world: &mut World, now_ms: i64) -> Result<(), String> {
        let now = now_ms.div_euclid(1000);
        match self {
            Fault::Unbind { env, app, service } => {
                let (a, i) = (
                    app_guid(world, env, app)?,
                    instance_guid(world, env, service)?,
                );
                let Some(binding) = world.unbind(&a, &i) else {
                    return Err(format!(
                        "app `{app}` has no binding to `{service}` in environment `{env}` (already unbound, or not in the model)"
                    ));
                };
                audit::binding_deleted(world, binding, &a, &i, now);
            }
            Fault::DeleteInstance { env, service } => {
                let i = instance_guid(world, env, service)?;
                let facts = audit::instance_facts(world, &i);
                world.delete_instance(&i);
                let data = json!({ "request": {} });
                audit::instance_event(world, "delete", &i, facts, data, now);
            }
            Fault::FailOperation { env, service } | Fault::StallOperation { env, service } => {
                let i = instance_guid(world, env, service)?;
                let operation = match self {
                    Fault::FailOperation { .. } => LastOperation {
                        kind: "update",
                        state: "failed",
                        description: "Service broker error: update failed (simulated)".into(),
                    },
                    _ => LastOperation {
                        kind: "update",
                        state: "in progress",
                        description: "Update in progress (simulated)".into(),
                    },
                };
                world.set_last_operation(&i, operation);
                let facts = audit::instance_facts(world, &i);
                let data = json!({ "request": { "parameters": "[PRIVATE DATA HIDDEN]" } });
                audit::instance_event(world, "start_update", &i, facts, data, now);
            }
            Fault::Stop { env, app } => {
                let a = app_guid(world, env, app)?;
                world.stop(&a, now);
                audit::by_deployer(world, "audit.app.stop", &a, now);
            }
            Fault::Crash { env, app } => {
                let a = app_guid(world, env, app)?;
                world.crash(&a, now);
                audit::crashed(world, &a, now);
            }
            Fault::ManifestPush { env, app } => {
                let a = app_guid(world, env, app)?;
                audit::manifest_applied(world, &a, now);
            }
            Fault::Restart { env, app, secs } => {
                let a = app_guid(world, env, app)?;
                world.restart(&a, secs.unwrap_or(DEFAULT_RESTART_SECS), now_ms)?;
                audit::by_deployer(world, "audit.app.restart", &a, now);
            }
            Fault::Deploy { env, app, .. }
            | Fault::DeployCanary { env, app, .. }
            | Fault::DeployStuck { env, app } => {
                let a = app_guid(world, env, app)?;
                let (kind, strategy) = match *self {
                    Fault::Deploy { secs, .. } => (
                        RolloutKind::Rolling {
                            secs: secs.unwrap_or(DEFAULT_DEPLOY_SECS),
                        },
                        "rolling",
                    ),
                    Fault::DeployCanary { secs, .. } => (
                        RolloutKind::Canary {
                            secs: secs.unwrap_or(DEFAULT_DEPLOY_SECS),
                        },
                        "canary",
                    ),
                    _ => (RolloutKind::Stuck, "rolling"),
                };
                world.deploy(&a, kind, now_ms)?;
                audit::deployment_created(world, &a, strategy, now);
            }
            Fault::CancelDeploy { env, app } => {
                let a = app_guid(world, env, app)?;
                world
                    .cancel_deployment(&a, now_ms)
                    .map_err(|e| format!("app `{app}` in environment `{env}`: {e}"))?;
                audit::deployment_canceled(world, &a, now);
            }
            Fault::RebindWithoutRestart { env, app, service }
            | Fault::BindInProgress { env, app, service } => {
                let (a, i) = (
                    app_guid(world, env, app)?,
                    instance_guid(world, env, service)?,
                );
                let (op, kind) = match self {
                    Fault::BindInProgress { .. } => (
                        ("create", "in progress"),
                        "audit.service_binding.start_create",
                    ),
                    _ => (("create", "succeeded"), "audit.service_binding.create"),
                };
                let binding = world.rebind(&a, &i, op, now);
                audit::binding_created(world, kind, binding, &a, &i, now);
            }
            Fault::Share {
                env,
                service,
                to_env,
            } => {
                let i = instance_guid(world, env, service)?;
                let to = env_index(world, to_env)?.space_guid.clone();
                world.share(&i, &to);
                let facts = audit::instance_facts(world, &i);
                let data = json!({ "target_space_guids": [to] });
                audit::instance_event(world, "share", &i, facts, data, now);
            }
            Fault::BindShared {
                env,
                app,
                from_env,
                service,
            } => {
                let i = instance_guid(world, from_env, service)?;
                let a = app_guid(world, env, app)?;
                let to = env_index(world, env)?.space_guid.clone();
                world.share(&i, &to);
                world.rebind(&a, &i, ("create", "succeeded"), super::ids::STARTED - 60);
            }
            Fault::Latency(_)
            | Fault::Status { .. }
            | Fault::RateLimit { .. }
            | Fault::Budget { .. }
            | Fault::ExpireTokens
            | Fault::PagesCycle { .. }
            | Fault::PagesTotal { .. }
            | Fault::NextOffsite { .. }
            | Fault::ReflectToken { .. } => {}
        }
        Ok(())
    }
}

fn env_index<'w>(world: &'w World, env: &str) -> Result<&'w super::world::EnvIndex, String> {
    world.envs.get(env).ok_or_else(|| {
        format!(
            "no environment `{env}`; the model's environments are {}",
            list(world.envs.keys())
        )
    })
}

fn app_guid(world: &World, env: &str, app: &str) -> Result<String, String> {
    let idx = env_index(world, env)?;
    idx.apps.get(app).cloned().ok_or_else(|| {
        format!(
            "no app `{app}` in environment `{env}`; its apps are {}",
            list(idx.apps.keys())
        )
    })
}

fn instance_guid(world: &World, env: &str, service: &str) -> Result<String, String> {
    let idx = env_index(world, env)?;
    let g = idx.services.get(service).cloned().ok_or_else(|| {
        format!(
            "no service `{service}` in environment `{env}`; its services are {}",
            list(idx.services.keys())
        )
    })?;
    if world.instance(&g).is_none() {
        return Err(format!(
            "service `{service}` in environment `{env}` was already deleted by another fault"
        ));
    }
    Ok(g)
}

/// The arguments of a spec (after its kind's name), read for [`Fault::parse`].
struct Args<'s> {
    spec: &'s str,
    kind: &'static FaultKind,
    args: &'s [&'s str],
}

impl Args<'_> {
    fn err(&self, reason: String) -> FaultError {
        FaultError {
            spec: self.spec.to_owned(),
            reason,
        }
    }

    /// The error naming the kind's syntax.
    fn expected(&self) -> FaultError {
        self.err(format!("expected `{}`", self.kind.syntax))
    }

    /// Exactly `n` arguments, none empty.
    fn want(&self, n: usize) -> Result<(), FaultError> {
        if self.args.len() != n || self.args.iter().any(|a| a.is_empty()) {
            Err(self.expected())
        } else {
            Ok(())
        }
    }

    fn s(&self, i: usize) -> String {
        self.args[i].to_owned()
    }

    fn number(&self, text: &str, what: &str) -> Result<u64, FaultError> {
        text.parse::<u64>()
            .map_err(|_| self.err(format!("{what} `{text}` is not a whole number")))
    }

    /// An optional PATH_PREFIX: absent or empty is every path.
    fn path_prefix(&self, arg: Option<&str>) -> Result<Option<String>, FaultError> {
        match arg {
            None | Some("") => Ok(None),
            Some(p) if p.starts_with('/') => Ok(Some(p.to_owned())),
            Some(p) => Err(self.err(format!("PATH_PREFIX `{p}` must start with /"))),
        }
    }

    /// A fault that changes the simulated world (bindings, instances, apps, deployments);
    /// any other kind is one of [`Args::request_fault`].
    fn world_fault(&self) -> Result<Fault, FaultError> {
        Ok(match self.kind.name {
            "unbind" => {
                self.want(3)?;
                Fault::Unbind {
                    env: self.s(0),
                    app: self.s(1),
                    service: self.s(2),
                }
            }
            "delete-instance" => {
                self.want(2)?;
                Fault::DeleteInstance {
                    env: self.s(0),
                    service: self.s(1),
                }
            }
            "fail-operation" => {
                self.want(2)?;
                Fault::FailOperation {
                    env: self.s(0),
                    service: self.s(1),
                }
            }
            "stall-operation" => {
                self.want(2)?;
                Fault::StallOperation {
                    env: self.s(0),
                    service: self.s(1),
                }
            }
            "stop" => {
                self.want(2)?;
                Fault::Stop {
                    env: self.s(0),
                    app: self.s(1),
                }
            }
            "crash" => {
                self.want(2)?;
                Fault::Crash {
                    env: self.s(0),
                    app: self.s(1),
                }
            }
            "share" => {
                self.want(3)?;
                Fault::Share {
                    env: self.s(0),
                    service: self.s(1),
                    to_env: self.s(2),
                }
            }
            "bind-shared" => {
                self.want(4)?;
                Fault::BindShared {
                    env: self.s(0),
                    app: self.s(1),
                    from_env: self.s(2),
                    service: self.s(3),
                }
            }
            "restart" | "deploy" | "deploy-canary" => {
                let args = self.args;
                if !(2..=3).contains(&args.len()) || args.iter().any(|a| a.is_empty()) {
                    return Err(self.expected());
                }
                let secs = match args.get(2) {
                    Some(t) => match self.number(t, "SECONDS")? {
                        0 => return Err(self.err("SECONDS must be at least 1".into())),
                        n if n > 86_400 => {
                            return Err(self.err("SECONDS must be at most 86400 (a day)".into()));
                        }
                        n => Some(n),
                    },
                    None => None,
                };
                let (env, app) = (self.s(0), self.s(1));
                match self.kind.name {
                    "restart" => Fault::Restart { env, app, secs },
                    "deploy" => Fault::Deploy { env, app, secs },
                    _ => Fault::DeployCanary { env, app, secs },
                }
            }
            "manifest-push" => {
                self.want(2)?;
                Fault::ManifestPush {
                    env: self.s(0),
                    app: self.s(1),
                }
            }
            "deploy-stuck" => {
                self.want(2)?;
                Fault::DeployStuck {
                    env: self.s(0),
                    app: self.s(1),
                }
            }
            "cancel-deploy" => {
                self.want(2)?;
                Fault::CancelDeploy {
                    env: self.s(0),
                    app: self.s(1),
                }
            }
            "rebind-without-restart" => {
                self.want(3)?;
                Fault::RebindWithoutRestart {
                    env: self.s(0),
                    app: self.s(1),
                    service: self.s(2),
                }
            }
            "bind-in-progress" => {
                self.want(3)?;
                Fault::BindInProgress {
                    env: self.s(0),
                    app: self.s(1),
                    service: self.s(2),
                }
            }
            _ => return self.request_fault(),
        })
    }

    /// A fault of the requests: latency, error statuses, rate limits, broken pagination, a
    /// token reflected back.
    fn request_fault(&self) -> Result<Fault, FaultError> {
        let args = self.args;
        Ok(match self.kind.name {
            "latency" => {
                self.want(1)?;
                let ms = self.number(args[0], "MS")?;
                if ms > 600_000 {
                    return Err(self.err("MS must be at most 600000 (10 minutes)".into()));
                }
                Fault::Latency(Duration::from_millis(ms))
            }
            "status" => {
                if args.is_empty() || args.len() > 3 || args[0].is_empty() {
                    return Err(self.expected());
                }
                let code = self.number(args[0], "CODE")?;
                if !(400..=599).contains(&code) {
                    return Err(self.err(format!("CODE {code} is not an error status (400-599)")));
                }
                let path_prefix = self.path_prefix(args.get(1).copied())?;
                let count = args.get(2).map(|c| self.number(c, "COUNT")).transpose()?;
                Fault::Status {
                    code: code as u16,
                    path_prefix,
                    count,
                }
            }
            "ratelimit" => {
                if args.is_empty() || args.len() > 2 {
                    return Err(self.expected());
                }
                Fault::RateLimit {
                    retry_after_secs: self.number(args[0], "SECONDS")?,
                    count: args.get(1).map(|c| self.number(c, "COUNT")).transpose()?,
                }
            }
            "budget" => {
                if args.is_empty() || args.len() > 2 || args.iter().any(|a| a.is_empty()) {
                    return Err(self.expected());
                }
                let limit = self.number(args[0], "LIMIT")?;
                let window_secs = args
                    .get(1)
                    .map(|w| self.number(w, "SECONDS"))
                    .transpose()?
                    .unwrap_or(3600);
                if limit == 0 || window_secs == 0 || window_secs > 86_400 {
                    return Err(self.err(
                        "LIMIT must be at least 1 and SECONDS from 1 to 86400 (a day)".into(),
                    ));
                }
                Fault::Budget { limit, window_secs }
            }
            "expire-tokens" => {
                self.want(0)?;
                Fault::ExpireTokens
            }
            "pages-cycle" | "next-offsite" => {
                if args.len() > 1 {
                    return Err(self.expected());
                }
                let path_prefix = self.path_prefix(args.first().copied())?;
                if self.kind.name == "pages-cycle" {
                    Fault::PagesCycle { path_prefix }
                } else {
                    Fault::NextOffsite { path_prefix }
                }
            }
            "pages-total" => {
                if args.len() < 2 || args.len() > 3 || args[..2].iter().any(|a| a.is_empty()) {
                    return Err(self.expected());
                }
                Fault::PagesTotal {
                    results: self.number(args[0], "RESULTS")?,
                    pages: self.number(args[1], "PAGES")?,
                    path_prefix: self.path_prefix(args.get(2).copied())?,
                }
            }
            "reflect-token" => match args {
                [] => Fault::ReflectToken { param: None },
                [p] if is_param_name(p) => Fault::ReflectToken {
                    param: Some((*p).to_owned()),
                },
                [p] => {
                    return Err(self.err(format!(
                        "PARAM `{p}` must be a query parameter name (letters, digits, `_`, `-`, `.`)"
                    )));
                }
                _ => return Err(self.expected()),
            },
            // A kind listed but not parsed; `every_kind_parses_and_is_in_the_help` prevents it.
            other => return Err(self.err(format!("unknown fault `{other}`"))),
        })
    }
}

/// A query parameter name the links can carry as it is.
fn is_param_name(p: &str) -> bool {
    !p.is_empty()
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Unbind { env, app, service } => write!(f, "unbind:{env}:{app}:{service}"),
            Fault::DeleteInstance { env, service } => write!(f, "delete-instance:{env}:{service}"),
            Fault::FailOperation { env, service } => write!(f, "fail-operation:{env}:{service}"),
            Fault::StallOperation { env, service } => write!(f, "stall-operation:{env}:{service}"),
            Fault::Stop { env, app } => write!(f, "stop:{env}:{app}"),
            Fault::Crash { env, app } => write!(f, "crash:{env}:{app}"),
            Fault::Share {
                env,
                service,
                to_env,
            } => write!(f, "share:{env}:{service}:{to_env}"),
            Fault::BindShared {
                env,
                app,
                from_env,
                service,
            } => write!(f, "bind-shared:{env}:{app}:{from_env}:{service}"),
            Fault::Restart { env, app, secs }
            | Fault::Deploy { env, app, secs }
            | Fault::DeployCanary { env, app, secs } => {
                write!(f, "{}:{env}:{app}", self.kind())?;
                match secs {
                    Some(s) => write!(f, ":{s}"),
                    None => Ok(()),
                }
            }
            Fault::DeployStuck { env, app } => write!(f, "deploy-stuck:{env}:{app}"),
            Fault::ManifestPush { env, app } => write!(f, "manifest-push:{env}:{app}"),
            Fault::CancelDeploy { env, app } => write!(f, "cancel-deploy:{env}:{app}"),
            Fault::RebindWithoutRestart { env, app, service } => {
                write!(f, "rebind-without-restart:{env}:{app}:{service}")
            }
            Fault::BindInProgress { env, app, service } => {
                write!(f, "bind-in-progress:{env}:{app}:{service}")
            }
            Fault::Latency(d) => write!(f, "latency:{}", d.as_millis()),
            Fault::Status {
                code,
                path_prefix,
                count,
            } => {
                write!(f, "status:{code}")?;
                match (path_prefix, count) {
                    (None, None) => Ok(()),
                    (p, None) => write!(f, ":{}", p.as_deref().unwrap_or("")),
                    (p, Some(c)) => write!(f, ":{}:{c}", p.as_deref().unwrap_or("")),
                }
            }
            Fault::RateLimit {
                retry_after_secs,
                count,
            } => match count {
                None => write!(f, "ratelimit:{retry_after_secs}"),
                Some(c) => write!(f, "ratelimit:{retry_after_secs}:{c}"),
            },
            Fault::Budget { limit, window_secs } => write!(f, "budget:{limit}:{window_secs}"),
            Fault::ExpireTokens => f.write_str("expire-tokens"),
            Fault::PagesCycle { path_prefix } => {
                f.write_str("pages-cycle")?;
                prefix_suffix(f, path_prefix)
            }
            Fault::PagesTotal {
                results,
                pages,
                path_prefix,
            } => {
                write!(f, "pages-total:{results}:{pages}")?;
                prefix_suffix(f, path_prefix)
            }
            Fault::NextOffsite { path_prefix } => {
                f.write_str("next-offsite")?;
                prefix_suffix(f, path_prefix)
            }
            Fault::ReflectToken { param } => match param {
                None => f.write_str("reflect-token"),
                Some(p) => write!(f, "reflect-token:{p}"),
            },
        }
    }
}

/// `:PATH_PREFIX` when there is one.
fn prefix_suffix(f: &mut fmt::Formatter<'_>, path_prefix: &Option<String>) -> fmt::Result {
    match path_prefix {
        Some(p) => write!(f, ":{p}"),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grammar that `sim --help` prints lists every kind, one line each (the help itself is
    /// checked for each listed spec by the integration tests).
    #[test]
    fn grammar_lists_every_kind() {
        let specs: Vec<&str> = FAULT_GRAMMAR
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(specs.len(), KINDS.len(), "{specs:?}");
    }

    #[test]
    fn specs_round_trip() {
        for spec in [
            "unbind:staging:worker:queue",
            "delete-instance:dev:db",
            "fail-operation:prod:db",
            "stall-operation:prod:db",
            "stop:dev:web",
            "crash:dev:worker",
            "share:prod:db:dev",
            "manifest-push:staging:worker",
            "restart:staging:worker",
            "restart:staging:worker:10",
            "deploy:prod:web",
            "deploy:prod:web:60",
            "deploy-canary:prod:web:30",
            "deploy-stuck:staging:worker",
            "cancel-deploy:staging:worker",
            "rebind-without-restart:staging:worker:queue",
            "bind-in-progress:staging:web:search",
            "latency:50",
            "status:503",
            "status:500:/v3/apps",
            "status:502:/v3:2",
            "status:500::1",
            "ratelimit:2",
            "ratelimit:1:3",
            "budget:100:60",
            "expire-tokens",
            "pages-cycle",
            "pages-cycle:/v3/apps",
            "pages-total:3:1",
            "pages-total:1000000000:1000000000:/v3/apps",
            "next-offsite",
            "next-offsite:/v3/routes",
            "reflect-token",
            "reflect-token:ref",
        ] {
            assert_eq!(Fault::parse(spec).unwrap().to_string(), spec);
        }
    }

    /// The parser accepts every kind of the table, each kind is in the help and the errors,
    /// and nothing else parses.
    #[test]
    fn every_kind_parses_and_is_in_the_help() {
        let help = help();
        for k in KINDS {
            let f = Fault::parse(k.example).unwrap_or_else(|e| panic!("{}: {e}", k.name));
            assert_eq!(f.kind(), k.name);
            assert_eq!(f.to_string(), k.example);
            assert!(k.syntax.starts_with(k.name), "{}", k.syntax);
            for text in [help.as_str(), FAULT_GRAMMAR.as_str()] {
                assert!(
                    text.lines().any(|l| l.trim_start().starts_with(k.syntax)),
                    "{} lacks {}",
                    text,
                    k.syntax
                );
            }
            let first = k.meaning.split_whitespace().take(4).collect::<Vec<_>>();
            assert!(help.contains(&first.join(" ")), "help lacks {}", k.meaning);
            // A wrong number of arguments names this kind's syntax.
            let e = Fault::parse(&format!("{}:x:y:z:w:v", k.name)).unwrap_err();
            assert!(e.reason.contains(k.syntax), "{e}");
        }
        let names: std::collections::HashSet<_> = KINDS.iter().map(|k| k.name).collect();
        assert_eq!(names.len(), KINDS.len(), "a kind is listed twice");
        for other in ["unbnd", "Unbind", "delete", "sleep", "rate-limit"] {
            assert!(
                Fault::parse(&format!("{other}:dev:web")).is_err(),
                "{other}"
            );
        }
    }

    #[test]
    fn grammar_lines_fit() {
        for line in FAULT_GRAMMAR.lines().filter(|l| l.starts_with(' ')) {
            assert!(line.len() <= 96, "{line}");
        }
        // clap indents the long help by 10 columns and wraps at 100.
        for line in grammar(88).lines() {
            assert!(line.len() <= 90, "{line}");
        }
    }

    #[test]
    fn bad_specs_say_why_and_show_the_grammar() {
        for (spec, why) in [
            ("", "empty"),
            ("explode:dev", "unknown fault `explode`"),
            ("unbind:staging:worker", "unbind:ENV:APP:SERVICE"),
            ("unbind:staging::queue", "unbind:ENV:APP:SERVICE"),
            ("latency:fast", "not a whole number"),
            ("status:200", "not an error status"),
            ("status:500:v3", "must start with /"),
            ("status:500:/v3:x", "COUNT `x`"),
            ("ratelimit", "ratelimit:SECONDS[:COUNT]"),
            ("budget", "budget:LIMIT[:SECONDS]"),
            ("budget:0", "LIMIT must be at least 1"),
            ("budget:10:x", "SECONDS `x`"),
            ("expire-tokens:now", "expected `expire-tokens`"),
            ("pages-cycle:v3", "must start with /"),
            ("pages-total:3", "pages-total:RESULTS:PAGES[:PATH_PREFIX]"),
            ("pages-total:x:1", "RESULTS `x`"),
            ("next-offsite:/v3:x", "next-offsite[:PATH_PREFIX]"),
            ("reflect-token:a=b", "PARAM `a=b`"),
            ("deploy:prod", "deploy:ENV:APP[:SECONDS]"),
            ("deploy:prod:web:0", "at least 1"),
            ("deploy-canary:prod:web:x", "SECONDS `x`"),
            (
                "rebind-without-restart:staging:worker",
                "rebind-without-restart:ENV:APP:SERVICE",
            ),
        ] {
            let e = Fault::parse(spec).unwrap_err().to_string();
            assert!(e.contains(why), "{spec}: {e}");
            assert!(e.contains("unbind:ENV:APP:SERVICE"), "{e}");
        }
    }
}
