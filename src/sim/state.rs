//! The running simulator's shared state: the world as the scenario left it, the faults in
//! effect and the world they make, issued tokens, request counts, and the clock (the real one,
//! moved on by `POST /_sim/clock` so tests can play a deployment out without waiting).

use super::fault::Fault;
use super::uaa::Tokens;
use super::world::World;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A fault in effect, with what is left of its COUNT.
#[derive(Debug, Clone)]
struct Active {
    fault: Fault,
    remaining: Option<u64>,
}

#[derive(Debug)]
struct Inner {
    faults: Vec<Active>,
    world: Arc<World>,
    stats: BTreeMap<String, u64>,
    total: u64,
}

/// What the request faults decide for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    /// The request's number since start (1, 2, ...), for `X-Vcap-Request-Id`.
    pub seq: u64,
    pub latency: Duration,
    pub reject: Option<Reject>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reject {
    Status(u16),
    RateLimit(u64),
}

/// What the pagination faults make of the links of one list response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LinkFaults {
    /// `pages-cycle`: the last page links back to page 1.
    pub cycle: bool,
    /// `pages-total`: the announced `total_results` and `total_pages`.
    pub totals: Option<(u64, u64)>,
    /// `next-offsite`: `next` points to another origin.
    pub offsite: bool,
    /// `reflect-token`: the parameter every link carries the request's token in.
    pub reflect: Option<String>,
}

/// The origin `next-offsite` sends `next` links to.
pub(crate) const OFFSITE: &str = "http://offsite.invalid";

/// Request counts: the total and the number per path (query excluded).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Requests served.
    pub total: u64,
    /// Requests per path.
    pub paths: BTreeMap<String, u64>,
}

impl Stats {
    /// Requests to paths starting with `prefix`.
    pub fn count_prefix(&self, prefix: &str) -> u64 {
        self.paths
            .iter()
            .filter(|(p, _)| p.starts_with(prefix))
            .map(|(_, n)| n)
            .sum()
    }
}

#[derive(Debug)]
pub(crate) struct Shared {
    base: World,
    inner: Mutex<Inner>,
    /// How far the clock is ahead of the real one, in milliseconds.
    clock_offset_ms: AtomicI64,
    tokens: Mutex<Tokens>,
    pub max_per_page: Option<u32>,
    pub require_token: Option<(String, String)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    pub(crate) fn new(
        base: World,
        max_per_page: Option<u32>,
        require_token: Option<(String, String)>,
        token_ttl: Duration,
    ) -> Shared {
        Shared {
            clock_offset_ms: AtomicI64::new(0),
            inner: Mutex::new(Inner {
                faults: Vec::new(),
                world: Arc::new(base.clone()),
                stats: BTreeMap::new(),
                total: 0,
            }),
            base,
            tokens: Mutex::new(Tokens::new(token_ttl)),
            max_per_page,
            require_token,
        }
    }

    /// The simulator's time: the real clock plus what `POST /_sim/clock` added, in
    /// milliseconds since the epoch.
    pub(crate) fn now_ms(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        real + self.clock_offset_ms.load(Ordering::Relaxed)
    }

    /// Moves the clock on (never back).
    pub(crate) fn advance_clock(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 4);
        self.clock_offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// The world as it is now.
    pub(crate) fn world(&self) -> Arc<World> {
        self.world_at(self.now_ms())
    }

    /// The world at `now_ms`, with every deployment in flight played out to then.
    pub(crate) fn world_at(&self, now_ms: i64) -> Arc<World> {
        let mut inner = lock(&self.inner);
        if inner.world.behind(now_ms) {
            let mut next = (*inner.world).clone();
            next.advance(now_ms);
            inner.world = Arc::new(next);
        }
        inner.world.clone()
    }

    pub(crate) fn tokens(&self) -> MutexGuard<'_, Tokens> {
        lock(&self.tokens)
    }

    /// Adds faults, all or none: a fault naming something the world does not have is an
    /// error and nothing changes.
    pub(crate) fn add_faults(&self, faults: &[Fault]) -> Result<(), String> {
        let now_ms = self.now_ms();
        let mut inner = lock(&self.inner);
        let mut next = (*inner.world).clone();
        next.advance(now_ms);
        for f in faults {
            f.apply(&mut next, now_ms)
                .map_err(|e| format!("fault `{f}`: {e}"))?;
        }
        inner.world = Arc::new(next);
        for f in faults {
            let remaining = match f {
                Fault::Status { count, .. } | Fault::RateLimit { count, .. } => *count,
                _ => None,
            };
            inner.faults.push(Active {
                fault: f.clone(),
                remaining,
            });
        }
        drop(inner);
        if faults.contains(&Fault::ExpireTokens) {
            self.tokens().expire_all();
        }
        Ok(())
    }

    /// Removes every fault: back to the scenario's world.
    pub(crate) fn clear_faults(&self) {
        let mut inner = lock(&self.inner);
        inner.faults.clear();
        inner.world = Arc::new(self.base.clone());
    }

    /// The faults in effect (request faults with their remaining COUNT).
    pub(crate) fn faults(&self) -> Vec<(Fault, Option<u64>)> {
        lock(&self.inner)
            .faults
            .iter()
            .map(|a| (a.fault.clone(), a.remaining))
            .collect()
    }

    /// Whether an access token is accepted now.
    pub(crate) fn accepts_token(&self, token: &str) -> bool {
        let expiring = lock(&self.inner)
            .faults
            .iter()
            .any(|a| a.fault == Fault::ExpireTokens);
        let lenient = self.require_token.is_none() && !expiring;
        self.tokens().accepts(token, lenient)
    }

    /// Counts a request and decides its latency and whether a fault answers it.
    pub(crate) fn on_request(&self, path: &str) -> Decision {
        let mut inner = lock(&self.inner);
        inner.total += 1;
        *inner.stats.entry(path.to_owned()).or_default() += 1;
        let mut d = Decision {
            seq: inner.total,
            ..Decision::default()
        };
        for a in inner.faults.iter_mut() {
            match &a.fault {
                Fault::Latency(l) => d.latency += *l,
                Fault::Status {
                    code, path_prefix, ..
                } if d.reject.is_none()
                    && path_prefix.as_deref().is_none_or(|p| path.starts_with(p))
                    && a.remaining != Some(0) =>
                {
                    a.remaining = a.remaining.map(|n| n - 1);
                    d.reject = Some(Reject::Status(*code));
                }
                Fault::RateLimit {
                    retry_after_secs, ..
                } if d.reject.is_none() && a.remaining != Some(0) => {
                    a.remaining = a.remaining.map(|n| n - 1);
                    d.reject = Some(Reject::RateLimit(*retry_after_secs));
                }
                _ => {}
            }
        }
        d
    }

    /// The pagination faults in effect for a list at `path`.
    pub(crate) fn link_faults(&self, path: &str) -> LinkFaults {
        let inner = lock(&self.inner);
        let applies = |p: &Option<String>| p.as_deref().is_none_or(|p| path.starts_with(p));
        let mut l = LinkFaults::default();
        for a in &inner.faults {
            match &a.fault {
                Fault::PagesCycle { path_prefix } if applies(path_prefix) => l.cycle = true,
                Fault::PagesTotal {
                    results,
                    pages,
                    path_prefix,
                } if applies(path_prefix) => l.totals = Some((*results, *pages)),
                Fault::NextOffsite { path_prefix } if applies(path_prefix) => l.offsite = true,
                Fault::ReflectToken { param } => {
                    l.reflect = Some(param.clone().unwrap_or_else(|| "access_token".into()));
                }
                _ => {}
            }
        }
        l
    }

    pub(crate) fn stats(&self) -> Stats {
        let inner = lock(&self.inner);
        Stats {
            total: inner.total,
            paths: inner.stats.clone(),
        }
    }

    pub(crate) fn reset_stats(&self) {
        let mut inner = lock(&self.inner);
        inner.total = 0;
        inner.stats.clear();
    }
}
