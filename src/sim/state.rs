//! The running simulator's shared state: the world as the scenario left it, the faults in
//! effect and the world they make, issued tokens, request counts and the request log, the
//! rate limiter's window (the `budget` fault), and the clock (the real one, moved on by
//! `POST /_sim/clock` so tests can play a deployment out without waiting).
//!
//! Requests in a row ([`Stats::in_a_row`]) are counted from the order of events, never from
//! timings: a request is one further in a row than the longest chain of requests that had
//! all been answered before it came in. Requests sent together (and answered slowly enough
//! to overlap, e.g. with a `latency` fault) are side by side, not in a row.

use super::fault::Fault;
use super::uaa::Tokens;
use super::world::World;
use std::collections::{BTreeMap, VecDeque};
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
    /// The longest chain of requests in a row among those answered so far.
    in_a_row: u64,
    /// Requests the `budget` fault answered with 429.
    over_limit: u64,
    /// The last [`LOG_LIMIT`] requests, `PATH?QUERY` as sent.
    log: VecDeque<String>,
    /// The `budget` fault's window, when one is in effect.
    budget: Option<Budget>,
}

/// Requests the log keeps (the oldest go first).
pub(crate) const LOG_LIMIT: usize = 2_000;

/// The rate limiter's state: requests counted in the window that ends at `window_end`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Budget {
    limit: u64,
    window_secs: u64,
    /// Unix time the current window ends.
    window_end: i64,
    count: u64,
}

/// The rate-limit headers of one answer, as the Cloud Controller's `rate_limiter.rb` sends
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateHeaders {
    pub limit: u64,
    /// Estimated in tenths of the limit, rounded down.
    pub remaining: u64,
    /// Unix time the window ends.
    pub reset: i64,
}

/// What the request faults decide for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    /// The request's number since start (1, 2, ...), for `X-Vcap-Request-Id`.
    pub seq: u64,
    pub latency: Duration,
    pub reject: Option<Reject>,
    /// The rate limiter's headers for the answer (`budget` fault).
    pub rate: Option<RateHeaders>,
    /// The longest chain in a row answered before this request came in.
    pub after: u64,
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

/// Request counts: the total, the number per path (query excluded), and the most requests
/// in a row (see the module's documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Requests served.
    pub total: u64,
    /// Requests per path.
    pub paths: BTreeMap<String, u64>,
    /// The most requests in a row (from the order they came and were answered).
    pub in_a_row: u64,
    /// Requests past the `budget` fault's limit (answered 429).
    pub over_limit: u64,
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

impl Budget {
    /// Counts one request at `now` (Unix seconds): the headers of its answer, and whether it
    /// is over the limit. A window that has ended starts a new one (windows end at multiples
    /// of its length). The remaining requests are the Cloud Controller's estimate:
    /// `((limit - count) / limit)` rounded down to tenths, times the limit.
    fn count(&mut self, now: i64) -> (RateHeaders, bool) {
        let w = self.window_secs as i64;
        if now >= self.window_end {
            self.window_end = (now.div_euclid(w) + 1) * w;
            self.count = 0;
        }
        self.count += 1;
        let left = self.limit.saturating_sub(self.count);
        let tenths = left * 10 / self.limit;
        let headers = RateHeaders {
            limit: self.limit,
            remaining: tenths * self.limit / 10,
            reset: self.window_end,
        };
        (headers, self.count > self.limit)
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
                in_a_row: 0,
                over_limit: 0,
                log: VecDeque::new(),
                budget: None,
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
        next.settle();
        inner.world = Arc::new(next);
        for f in faults {
            if let Fault::Budget { limit, window_secs } = f {
                inner.budget = Some(Budget {
                    limit: *limit,
                    window_secs: *window_secs,
                    window_end: 0,
                    count: 0,
                });
            }
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
        inner.budget = None;
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

    /// Counts and logs a request (`path_and_query` as sent) and decides its latency, whether
    /// a fault answers it, and its rate-limit headers: `limited` says whether the rate
    /// limiter counts it (a request with a token to a path that is limited).
    pub(crate) fn on_request(&self, path: &str, path_and_query: &str, limited: bool) -> Decision {
        let now_s = self.now_ms().div_euclid(1000);
        let mut inner = lock(&self.inner);
        inner.total += 1;
        *inner.stats.entry(path.to_owned()).or_default() += 1;
        if inner.log.len() >= LOG_LIMIT {
            inner.log.pop_front();
        }
        inner.log.push_back(path_and_query.to_owned());
        let mut d = Decision {
            seq: inner.total,
            after: inner.in_a_row,
            ..Decision::default()
        };
        if let Some(b) = inner.budget.as_mut().filter(|_| limited) {
            let (headers, over) = b.count(now_s);
            d.rate = Some(headers);
            if over {
                d.reject = Some(Reject::RateLimit((headers.reset - now_s).max(1) as u64));
                inner.over_limit += 1;
            }
        }
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

    /// A request was answered: it is one further in a row than what was answered before it
    /// came in.
    pub(crate) fn on_answered(&self, d: &Decision) {
        let mut inner = lock(&self.inner);
        inner.in_a_row = inner.in_a_row.max(d.after + 1);
    }

    pub(crate) fn stats(&self) -> Stats {
        let inner = lock(&self.inner);
        Stats {
            total: inner.total,
            paths: inner.stats.clone(),
            in_a_row: inner.in_a_row,
            over_limit: inner.over_limit,
        }
    }

    /// The requests since the last reset (at most the last [`LOG_LIMIT`]), `PATH?QUERY` as
    /// sent, in the order they came.
    pub(crate) fn request_log(&self) -> Vec<String> {
        lock(&self.inner).log.iter().cloned().collect()
    }

    /// Starts counting afresh: totals, paths, requests in a row and the log (not the rate
    /// limiter's window, which is the server's).
    pub(crate) fn reset_stats(&self) {
        let mut inner = lock(&self.inner);
        inner.total = 0;
        inner.stats.clear();
        inner.in_a_row = 0;
        inner.over_limit = 0;
        inner.log.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_counts_in_windows_and_estimates_in_tenths() {
        let mut b = Budget {
            limit: 15,
            window_secs: 60,
            window_end: 0,
            count: 0,
        };
        let (h, over) = b.count(1_000_000);
        // 14 of 15 left is 0.93: 0.9 of 15 is 13.5, 13 as the Cloud Controller rounds it.
        assert_eq!(
            (h.limit, h.remaining, h.reset, over),
            (15, 13, 1_000_020, false)
        );
        for _ in 1..15 {
            assert!(!b.count(1_000_001).1);
        }
        let (h, over) = b.count(1_000_002);
        assert_eq!((h.remaining, over), (0, true));
        // A new window starts afresh.
        let (h, over) = b.count(1_000_020);
        assert_eq!((h.reset, over, b.count), (1_000_080, false, 1));
    }
}
