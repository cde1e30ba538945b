//! How far apart rounds start so that they keep to the request budget.
//!
//! After each round, [`pace`] weighs what the round cost against what may be spent:
//! - a Cloud Controller that sends rate-limit headers has `remaining` requests left until its
//!   window resets in `resets_in` seconds (read at the end of the round, by the server's
//!   clock, in whole seconds: one more is added); rounds that cost `R` there may start no
//!   more often than every `R × (resets_in + 1) / remaining` seconds after the end of the
//!   round (so what is left lasts until the reset), and when less than a round is left (the
//!   Cloud Controller's estimate, rounded down to a tenth of its limit), not before the reset;
//! - `--max-requests-per-hour N`: rounds that cost `R` in all start no more often than every
//!   `R × 3600 / N` seconds.
//!
//! The interval is the configured one, or the longest of those when it is longer
//! ("stretched"), with the reason; `watch` logs it, exports it, and judges the staleness of
//! its evidence against it.

use crate::observe::api::budget::{ApiUse, RateLimit};
use std::collections::BTreeMap;
use std::time::Duration;

/// Why rounds are further apart than configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stretch {
    /// A Cloud Controller's rate limit.
    ApiBudget,
    /// `--max-requests-per-hour`.
    Cap,
}

impl Stretch {
    /// Every reason, in the order metrics list them.
    pub(crate) const ALL: [Stretch; 2] = [Stretch::ApiBudget, Stretch::Cap];

    /// The `reason` label of the metrics.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Stretch::ApiBudget => "api_budget",
            Stretch::Cap => "max_requests_per_hour",
        }
    }
}

/// The pace after a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pace {
    /// Time between round starts from now on.
    pub interval: Duration,
    /// Why it is longer than configured, if it is.
    pub stretched: Option<Stretch>,
    /// The reason in words, when stretched.
    pub why: Option<String>,
    /// Requests the last round made, to every API.
    pub round_requests: u64,
    /// What each API (by URL) said of its rate limit in the last round, when it said.
    pub apis: BTreeMap<String, RateLimit>,
    /// `--max-requests-per-hour`, when given: (the cap, requests sent in the last hour).
    pub cap: Option<(u32, u64)>,
}

impl Pace {
    /// Before the first round: the configured interval, nothing known.
    pub(crate) fn configured(interval: Duration) -> Pace {
        Pace {
            interval,
            stretched: None,
            why: None,
            round_requests: 0,
            apis: BTreeMap::new(),
            cap: None,
        }
    }
}

/// The pace after a round that took `elapsed` and made `round_requests` requests in all,
/// `uses` per API, with `--max-requests-per-hour` `cap`.
pub(crate) fn pace(
    configured: Duration,
    elapsed: Duration,
    round_requests: u64,
    uses: &BTreeMap<String, ApiUse>,
    cap: Option<u32>,
) -> Pace {
    let mut out = Pace {
        round_requests,
        apis: uses
            .iter()
            .filter_map(|(api, u)| u.rate.map(|r| (api.clone(), r)))
            .collect(),
        ..Pace::configured(configured)
    };
    let mut stretch = |interval: Duration, why: Stretch, words: String| {
        if interval > out.interval {
            out.interval = interval;
            out.stretched = Some(why);
            out.why = Some(words);
        }
    };
    if let Some(n) = cap.filter(|_| round_requests > 0) {
        let secs = round_requests as f64 * 3600.0 / f64::from(n.max(1));
        stretch(
            Duration::from_secs_f64(secs),
            Stretch::Cap,
            format!("--max-requests-per-hour {n}, and a round costs {round_requests} requests"),
        );
    }
    for (api, u) in uses {
        let Some(r) = u.rate.filter(|_| u.requests > 0) else {
            continue;
        };
        let until_reset = r.resets_in() as f64 + 1.0;
        let (secs, how) = if r.remaining < u.requests {
            (
                until_reset,
                "less than a round is left, so the next waits for the reset".to_owned(),
            )
        } else {
            (
                u.requests as f64 * until_reset / r.remaining as f64,
                "rounds spread what is left until the reset".to_owned(),
            )
        };
        stretch(
            elapsed + Duration::from_secs_f64(secs),
            Stretch::ApiBudget,
            format!(
                "the Cloud Controller {api} has {} of its {} requests left for the next {} s \
                 (X-RateLimit-Remaining, X-RateLimit-Reset) and a round costs {} there: {how}",
                r.remaining,
                r.limit,
                r.resets_in(),
                u.requests
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    fn api(requests: u64, limit: u64, remaining: u64, resets_in: i64) -> BTreeMap<String, ApiUse> {
        BTreeMap::from([(
            "https://api.example.org".to_owned(),
            ApiUse {
                requests,
                rate: Some(RateLimit {
                    limit,
                    remaining,
                    reset: 1000 + resets_in,
                    at: 1000,
                }),
            },
        )])
    }

    #[test]
    fn within_the_budget_the_configured_interval_stands() {
        let p = pace(MIN, Duration::ZERO, 17, &api(17, 2000, 1800, 3000), None);
        assert_eq!((p.interval, p.stretched), (MIN, None));
        assert_eq!(p.round_requests, 17);
        assert_eq!(p.apis.len(), 1);
        assert_eq!(
            pace(MIN, Duration::ZERO, 0, &BTreeMap::new(), Some(10)).interval,
            MIN
        );
    }

    #[test]
    fn rounds_spread_what_is_left_until_the_reset() {
        // 20 left for 599 (and a second) s, a round of 2 s costs 10: every 302 s.
        let p = pace(
            MIN,
            Duration::from_secs(2),
            10,
            &api(10, 100, 20, 599),
            None,
        );
        assert_eq!(p.interval, Duration::from_secs(302));
        assert_eq!(p.stretched, Some(Stretch::ApiBudget));
        let why = p.why.unwrap();
        assert!(
            why.contains("has 20 of its 100 requests left for the next 599 s"),
            "{why}"
        );
        // Less than a round left: the reset.
        let p = pace(MIN, Duration::ZERO, 10, &api(10, 100, 0, 600), None);
        assert_eq!(p.interval, Duration::from_secs(601));
    }

    #[test]
    fn the_cap_spaces_rounds_by_what_they_cost() {
        // 20 requests a round, 600 an hour: 30 rounds an hour, every 120 s.
        let p = pace(MIN, Duration::ZERO, 20, &BTreeMap::new(), Some(600));
        assert_eq!(p.interval, Duration::from_secs(120));
        assert_eq!(p.stretched, Some(Stretch::Cap));
        // The longer of the two wins.
        let p = pace(MIN, Duration::ZERO, 20, &api(20, 100, 20, 599), Some(600));
        assert_eq!(
            (p.interval, p.stretched),
            (Duration::from_secs(600), Some(Stretch::ApiBudget))
        );
    }
}
