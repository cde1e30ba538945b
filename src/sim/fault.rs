//! Faults: changes to the simulated world (a lost binding, a deleted instance, a failed
//! operation, a stopped or crashed app) and to how requests are answered (latency, error
//! statuses, rate limiting, expired tokens). They combine, and a running simulator takes more
//! over HTTP (`POST /_sim/faults`).
//!
//! The grammar, also printed by `archcheck sim --help` and in every parse error, is
//! [`FAULT_GRAMMAR`]. ENV, APP and SERVICE are the model's ids (environment name, the keys of
//! `apps` and `services`), not CF names.

use super::world::{LastOperation, World};
use std::fmt;
use std::time::Duration;

/// The fault grammar, for help texts and error messages.
pub const FAULT_GRAMMAR: &str = concat!(
    "  unbind:ENV:APP:SERVICE          the app binding of APP to SERVICE is gone\n",
    "  delete-instance:ENV:SERVICE     the service instance (and its bindings) is gone\n",
    "  fail-operation:ENV:SERVICE      the instance's last operation is `update failed`\n",
    "  stall-operation:ENV:SERVICE     the instance's last operation is `update in progress`\n",
    "  stop:ENV:APP                    the app is stopped (requested state STOPPED, 0 running)\n",
    "  crash:ENV:APP                   the app is started but every instance CRASHED (0 running)\n",
    "  share:ENV:SERVICE:TO_ENV        the instance is also shared into TO_ENV's space\n",
    "  latency:MS                      every request waits MS milliseconds first\n",
    "  status:CODE[:PATH_PREFIX[:COUNT]]\n",
    "                                  answer CODE (400-599) with the CF error envelope to requests\n",
    "                                  whose path starts with PATH_PREFIX (default: all), only the\n",
    "                                  first COUNT of them when COUNT is given\n",
    "  ratelimit:SECONDS[:COUNT]       answer 429 CF-RateLimitExceeded with `Retry-After: SECONDS`\n",
    "                                  (to the first COUNT requests when given)\n",
    "  expire-tokens                   every access token issued so far (and any token the simulator\n",
    "                                  did not issue) is rejected with 401 CF-InvalidAuthToken;\n",
    "                                  clients must refresh\n",
    "ENV, APP and SERVICE are the model's ids (e.g. staging, worker, queue), not CF names.\n",
    "Requests to /_sim/* are never subject to faults."
);

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
    ExpireTokens,
}

/// A spec that does not parse, or names something the model does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault `{spec}`: {reason}\nfaults are:\n{FAULT_GRAMMAR}")]
pub struct FaultError {
    pub spec: String,
    pub reason: String,
}

impl Fault {
    /// Parses one spec (syntax only; [`Fault::apply`] checks the ids against the world).
    pub fn parse(spec: &str) -> Result<Fault, FaultError> {
        let err = |reason: String| FaultError {
            spec: spec.to_owned(),
            reason,
        };
        let parts: Vec<&str> = spec.trim().split(':').collect();
        let (kind, args) = (parts[0], &parts[1..]);
        let want = |n: usize, shape: &str| -> Result<(), FaultError> {
            if args.len() != n || args.iter().any(|a| a.is_empty()) {
                Err(err(format!("expected `{shape}`")))
            } else {
                Ok(())
            }
        };
        let s = |i: usize| args[i].to_owned();
        let number = |text: &str, what: &str| -> Result<u64, FaultError> {
            text.parse::<u64>()
                .map_err(|_| err(format!("{what} `{text}` is not a whole number")))
        };
        Ok(match kind {
            "unbind" => {
                want(3, "unbind:ENV:APP:SERVICE")?;
                Fault::Unbind {
                    env: s(0),
                    app: s(1),
                    service: s(2),
                }
            }
            "delete-instance" => {
                want(2, "delete-instance:ENV:SERVICE")?;
                Fault::DeleteInstance {
                    env: s(0),
                    service: s(1),
                }
            }
            "fail-operation" => {
                want(2, "fail-operation:ENV:SERVICE")?;
                Fault::FailOperation {
                    env: s(0),
                    service: s(1),
                }
            }
            "stall-operation" => {
                want(2, "stall-operation:ENV:SERVICE")?;
                Fault::StallOperation {
                    env: s(0),
                    service: s(1),
                }
            }
            "stop" => {
                want(2, "stop:ENV:APP")?;
                Fault::Stop {
                    env: s(0),
                    app: s(1),
                }
            }
            "crash" => {
                want(2, "crash:ENV:APP")?;
                Fault::Crash {
                    env: s(0),
                    app: s(1),
                }
            }
            "share" => {
                want(3, "share:ENV:SERVICE:TO_ENV")?;
                Fault::Share {
                    env: s(0),
                    service: s(1),
                    to_env: s(2),
                }
            }
            "latency" => {
                want(1, "latency:MS")?;
                let ms = number(args[0], "MS")?;
                if ms > 600_000 {
                    return Err(err("MS must be at most 600000 (10 minutes)".into()));
                }
                Fault::Latency(Duration::from_millis(ms))
            }
            "status" => {
                if args.is_empty() || args.len() > 3 || args[0].is_empty() {
                    return Err(err("expected `status:CODE[:PATH_PREFIX[:COUNT]]`".into()));
                }
                let code = number(args[0], "CODE")?;
                if !(400..=599).contains(&code) {
                    return Err(err(format!("CODE {code} is not an error status (400-599)")));
                }
                let path_prefix = match args.get(1) {
                    None => None,
                    Some(&"") => None,
                    Some(p) if p.starts_with('/') => Some((*p).to_owned()),
                    Some(p) => return Err(err(format!("PATH_PREFIX `{p}` must start with /"))),
                };
                let count = args.get(2).map(|c| number(c, "COUNT")).transpose()?;
                Fault::Status {
                    code: code as u16,
                    path_prefix,
                    count,
                }
            }
            "ratelimit" => {
                if args.is_empty() || args.len() > 2 {
                    return Err(err("expected `ratelimit:SECONDS[:COUNT]`".into()));
                }
                Fault::RateLimit {
                    retry_after_secs: number(args[0], "SECONDS")?,
                    count: args.get(1).map(|c| number(c, "COUNT")).transpose()?,
                }
            }
            "expire-tokens" => {
                want(0, "expire-tokens")?;
                Fault::ExpireTokens
            }
            "" => return Err(err("the spec is empty".into())),
            other => return Err(err(format!("unknown fault `{other}`"))),
        })
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
        )
    }

    /// Applies a world fault; checks every id against the model's environments. Request
    /// faults leave the world alone.
    pub fn apply(&self, world: &mut World) -> Result<(), String> {
        match self {
            Fault::Unbind { env, app, service } => {
                let (a, i) = (
                    app_guid(world, env, app)?,
                    instance_guid(world, env, service)?,
                );
                if !world.unbind(&a, &i) {
                    return Err(format!(
                        "app `{app}` has no binding to `{service}` in environment `{env}` (already unbound, or not in the model)"
                    ));
                }
            }
            Fault::DeleteInstance { env, service } => {
                let i = instance_guid(world, env, service)?;
                world.delete_instance(&i);
            }
            Fault::FailOperation { env, service } => {
                let i = instance_guid(world, env, service)?;
                world.set_last_operation(
                    &i,
                    LastOperation {
                        kind: "update",
                        state: "failed",
                        description: "Service broker error: update failed (simulated)".into(),
                    },
                );
            }
            Fault::StallOperation { env, service } => {
                let i = instance_guid(world, env, service)?;
                world.set_last_operation(
                    &i,
                    LastOperation {
                        kind: "update",
                        state: "in progress",
                        description: "Update in progress (simulated)".into(),
                    },
                );
            }
            Fault::Stop { env, app } => {
                let a = app_guid(world, env, app)?;
                world.stop(&a);
            }
            Fault::Crash { env, app } => {
                let a = app_guid(world, env, app)?;
                world.crash(&a);
            }
            Fault::Share {
                env,
                service,
                to_env,
            } => {
                let i = instance_guid(world, env, service)?;
                let to = env_index(world, to_env)?.space_guid.clone();
                world.share(&i, &to);
            }
            Fault::Latency(_)
            | Fault::Status { .. }
            | Fault::RateLimit { .. }
            | Fault::ExpireTokens => {}
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
            Fault::ExpireTokens => f.write_str("expire-tokens"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "latency:50",
            "status:503",
            "status:500:/v3/apps",
            "status:502:/v3:2",
            "status:500::1",
            "ratelimit:2",
            "ratelimit:1:3",
            "expire-tokens",
        ] {
            assert_eq!(Fault::parse(spec).unwrap().to_string(), spec);
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
            ("expire-tokens:now", "expected `expire-tokens`"),
        ] {
            let e = Fault::parse(spec).unwrap_err().to_string();
            assert!(e.contains(why), "{spec}: {e}");
            assert!(e.contains("unbind:ENV:APP:SERVICE"), "{e}");
        }
    }
}
