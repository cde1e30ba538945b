//! The request budget: what a Cloud Controller says of its rate limit, and the cap a user
//! sets with `--max-requests-per-hour`.
//!
//! A Cloud Controller with its rate limiter on (`rate_limiter.rb`) sends, with every answer
//! to a request with a user's token, `X-RateLimit-Limit` (requests per window),
//! `X-RateLimit-Remaining` (an estimate in tenths of the limit, rounded down: `0` means less
//! than a tenth is left, not none) and `X-RateLimit-Reset` (the Unix time the window ends,
//! by the server's clock). [`RateLimit`] is one such reading; every number is the server's,
//! so each is clamped.
//!
//! [`HourlyCap`] holds `--max-requests-per-hour N`: at most N requests in any hour (a sliding
//! window over the times of the requests sent), for the whole process. A request that would
//! pass it waits for a free place when one comes before the run's deadline, else fails.
//!
//! [`Budget`] is what the runs of one process share: the cap, and what each API said and
//! cost in the last run ([`ApiUse`]), which `watch` paces its rounds by.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The largest limit or count believed from a header (a larger one is clamped to it).
const MAX_COUNT: u64 = 1_000_000_000;
/// The furthest reset believed, from the answer's time (a day).
const MAX_RESET_SECS: i64 = 86_400;

/// One reading of a Cloud Controller's rate-limit headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: requests per window.
    pub limit: u64,
    /// `X-RateLimit-Remaining`: the server's estimate of what is left, at most `limit`.
    pub remaining: u64,
    /// `X-RateLimit-Reset`: when the window ends, Unix seconds by the server's clock.
    pub reset: i64,
    /// When this was read, Unix seconds by the server's clock (its `Date`).
    pub at: i64,
}

impl RateLimit {
    /// The reading of an answer's headers, answered at `at` (the server's time): `None`
    /// unless all three headers are there and read as numbers. A reset in the past counts as
    /// now, one more than a day ahead as a day.
    pub fn from_headers(headers: &reqwest::header::HeaderMap, at: i64) -> Option<RateLimit> {
        let number = |name: &str| -> Option<u64> {
            headers
                .get(name)?
                .to_str()
                .ok()?
                .trim()
                .parse::<u64>()
                .ok()
                .map(|n| n.min(MAX_COUNT))
        };
        let limit = number("x-ratelimit-limit")?;
        let remaining = number("x-ratelimit-remaining")?.min(limit);
        let reset = i64::try_from(number("x-ratelimit-reset")?).ok()?;
        Some(RateLimit {
            limit,
            remaining,
            reset: reset.clamp(at, at.saturating_add(MAX_RESET_SECS)),
            at,
        })
    }

    /// Seconds from this reading until the window resets.
    pub fn resets_in(&self) -> u64 {
        (self.reset - self.at).max(0) as u64
    }

    /// The reading that says more of now: of a later window, else the lower remaining
    /// (answers to requests sent at once come back in any order).
    pub fn latest(self, other: RateLimit) -> RateLimit {
        match self.reset.cmp(&other.reset) {
            std::cmp::Ordering::Less => other,
            std::cmp::Ordering::Greater => self,
            std::cmp::Ordering::Equal if other.remaining < self.remaining => other,
            std::cmp::Ordering::Equal => self,
        }
    }
}

/// The flag's name, for messages.
pub(crate) const CAP_FLAG: &str = "--max-requests-per-hour";

/// `--max-requests-per-hour N`: at most N requests in any hour.
#[derive(Debug)]
pub struct HourlyCap {
    limit: u32,
    /// When each request of the last hour was sent, oldest first (at most `limit`).
    sent: Mutex<VecDeque<Instant>>,
}

const HOUR: Duration = Duration::from_secs(3600);

impl HourlyCap {
    pub fn new(limit: u32) -> HourlyCap {
        HourlyCap {
            limit: limit.max(1),
            sent: Mutex::new(VecDeque::new()),
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Takes a place for a request at `now`, or says when the next place frees up.
    pub fn try_take(&self, now: Instant) -> Result<(), Instant> {
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        while sent.front().is_some_and(|t| now.duration_since(*t) >= HOUR) {
            sent.pop_front();
        }
        if sent.len() < self.limit as usize {
            sent.push_back(now);
            Ok(())
        } else {
            Err(sent.front().map_or(now, |t| *t + HOUR))
        }
    }

    /// Takes a place, waiting for one when it frees up before `deadline`; otherwise the
    /// error says when it would have.
    pub async fn take(&self, deadline: Instant) -> Result<(), String> {
        loop {
            let now = Instant::now();
            match self.try_take(now) {
                Ok(()) => return Ok(()),
                Err(free) if free < deadline => tokio::time::sleep_until(free).await,
                Err(free) => {
                    return Err(format!(
                        "the cap of {} requests an hour ({CAP_FLAG}) is spent: the next request \
                         could be sent in {} s, after the deadline of the run",
                        self.limit,
                        free.saturating_duration_since(now).as_secs()
                    ));
                }
            }
        }
    }

    /// Requests sent in the hour before `now`.
    pub fn used(&self, now: Instant) -> usize {
        let sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        sent.iter()
            .filter(|t| now.duration_since(**t) < HOUR)
            .count()
    }
}

/// What one API cost in a run and the last thing it said of its rate limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiUse {
    /// Requests sent (every attempt counts).
    pub requests: u64,
    pub rate: Option<RateLimit>,
}

/// What the runs of one process share: the cap, and each API's use in the last run, by its
/// URL as shown in messages.
#[derive(Debug, Default)]
pub struct Budget {
    pub cap: Option<HourlyCap>,
    last: Mutex<BTreeMap<String, ApiUse>>,
}

impl Budget {
    /// A budget with `--max-requests-per-hour`, when given.
    pub fn new(cap: Option<u32>) -> Budget {
        Budget {
            cap: cap.map(HourlyCap::new),
            last: Mutex::default(),
        }
    }

    /// Records what an API cost and said in the run that just ended.
    pub fn record(&self, api: &str, used: ApiUse) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.insert(api.to_owned(), used);
    }

    /// Forgets the last run's use (before a run whose use is wanted alone).
    pub fn clear_last(&self) {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Each API's use in its last run.
    pub fn last(&self) -> BTreeMap<String, ApiUse> {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn headers(limit: &str, remaining: &str, reset: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", HeaderValue::from_str(limit).unwrap());
        h.insert(
            "x-ratelimit-remaining",
            HeaderValue::from_str(remaining).unwrap(),
        );
        h.insert("x-ratelimit-reset", HeaderValue::from_str(reset).unwrap());
        h
    }

    #[test]
    fn headers_are_read_and_clamped() {
        let r = RateLimit::from_headers(&headers("2000", "1800", "1000600"), 1_000_000).unwrap();
        assert_eq!((r.limit, r.remaining, r.resets_in()), (2000, 1800, 600));
        let r = RateLimit::from_headers(&headers("10", "99", "5"), 1_000_000).unwrap();
        assert_eq!(
            (r.remaining, r.resets_in()),
            (10, 0),
            "remaining <= limit, reset not past"
        );
        let r = RateLimit::from_headers(&headers("10", "1", "99999999999"), 1_000_000).unwrap();
        assert_eq!(r.resets_in(), 86_400);
        assert!(RateLimit::from_headers(&headers("x", "1", "2"), 0).is_none());
        assert!(RateLimit::from_headers(&HeaderMap::new(), 0).is_none());
    }

    #[test]
    fn the_latest_reading_wins() {
        let a = RateLimit {
            limit: 100,
            remaining: 50,
            reset: 10,
            at: 0,
        };
        let lower = RateLimit { remaining: 40, ..a };
        let next_window = RateLimit {
            remaining: 90,
            reset: 70,
            ..a
        };
        assert_eq!(a.latest(lower), lower);
        assert_eq!(lower.latest(a), lower);
        assert_eq!(lower.latest(next_window), next_window);
    }

    #[tokio::test]
    async fn the_cap_holds_over_any_hour() {
        let cap = HourlyCap::new(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            cap.try_take(t0).unwrap();
        }
        assert_eq!(cap.try_take(t0), Err(t0 + HOUR));
        assert_eq!(cap.try_take(t0 + HOUR / 2), Err(t0 + HOUR));
        assert_eq!(cap.used(t0), 3);
        // Past the deadline, refused at once with when the next place frees up.
        let e = cap.take(t0 + Duration::from_secs(60)).await.unwrap_err();
        assert!(
            e.contains("cap of 3 requests an hour (--max-requests-per-hour) is spent")
                && (e.contains("could be sent in 3599 s") || e.contains("could be sent in 3600 s")),
            "{e}"
        );
        // An hour on, the places are free again.
        cap.try_take(t0 + HOUR).unwrap();
        assert_eq!(cap.used(t0 + HOUR), 1);
    }
}
