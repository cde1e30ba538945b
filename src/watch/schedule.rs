//! When rounds run and when their evidence is too old: rounds start one interval apart and
//! never overlap (a round that takes longer than the interval is an overrun, and the next
//! starts right after it); evidence older than [`STALE_AFTER_INTERVALS`] intervals is no
//! evidence any more.
//!
//! Evidence is as old as the moment it was read: a round's evidence is dated at the start of
//! its requests (the round's start), never at its end, so a round that took 12 s gives
//! evidence 12 s old when it finishes. How a finished round's evidence counts is [`judge`]d
//! when it finishes.

use std::time::Duration;

/// A verdict older than this many intervals is stale: its statuses are exported as UNKNOWN.
pub(crate) const STALE_AFTER_INTERVALS: u32 = 3;

/// What to do after a round that took `elapsed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Next {
    /// Wait this long before the next round starts.
    pub wait: Duration,
    /// The round took longer than the interval.
    pub overrun: bool,
}

/// The wait before the next round: the rest of the interval, or none after an overrun.
pub(crate) fn after_round(elapsed: Duration, interval: Duration) -> Next {
    match interval.checked_sub(elapsed) {
        Some(rest) if elapsed <= interval => Next {
            wait: rest,
            overrun: false,
        },
        _ => Next {
            wait: Duration::ZERO,
            overrun: true,
        },
    }
}

/// How old evidence may be before it is stale.
pub(crate) fn stale_after(interval: Duration) -> Duration {
    interval.saturating_mul(STALE_AFTER_INTERVALS)
}

/// Whether evidence of age `age` is stale for rounds every `interval`.
pub(crate) fn is_stale(age: Duration, interval: Duration) -> bool {
    age > stale_after(interval)
}

/// How a finished round's evidence counts, decided when the round finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Judgement {
    /// Fresh: exported as it is until it is older than [`stale_after`].
    Fresh,
    /// The evidence was already older than [`stale_after`] when the round finished (the API
    /// answers more slowly than 3 intervals): stale from the start, exported as UNKNOWN.
    TooOld,
    /// Within the limit, but the round took longer than the interval while the evidence
    /// before it was stale: staleness ends only with a round that finishes within the
    /// interval, so an API that hovers around the limit does not flap between UNKNOWN and OK
    /// once a round (and a webhook message each way).
    Late,
}

/// How the evidence of a round counts that finished with its evidence `age` old (the time
/// from the start of its requests to its end), when the evidence exported just before it
/// finished was stale (`stale_before`; before the first round it is not).
///
/// - older than [`stale_after`]: [`Judgement::TooOld`];
/// - otherwise, after stale evidence, older than one interval: [`Judgement::Late`];
/// - otherwise [`Judgement::Fresh`].
pub(crate) fn judge(age: Duration, interval: Duration, stale_before: bool) -> Judgement {
    if is_stale(age, interval) {
        Judgement::TooOld
    } else if stale_before && age > interval {
        Judgement::Late
    } else {
        Judgement::Fresh
    }
}

/// How often the watchdog looks for stale evidence while a round may hang: a few times an
/// interval, at least every 5 s and at most 10 times a second.
pub(crate) fn watchdog_period(interval: Duration) -> Duration {
    (interval / 4).clamp(Duration::from_millis(100), Duration::from_secs(5))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn a_quick_round_waits_the_rest_of_the_interval() {
        assert_eq!(
            after_round(S(10), S(60)),
            Next {
                wait: S(50),
                overrun: false
            }
        );
        assert_eq!(after_round(S(60), S(60)).wait, Duration::ZERO);
        assert!(!after_round(S(60), S(60)).overrun);
    }

    #[test]
    fn a_round_longer_than_the_interval_is_an_overrun_and_the_next_starts_at_once() {
        assert_eq!(
            after_round(S(61), S(60)),
            Next {
                wait: Duration::ZERO,
                overrun: true
            }
        );
    }

    #[test]
    fn evidence_is_stale_after_three_intervals() {
        assert!(!is_stale(S(180), S(60)));
        assert!(is_stale(S(181), S(60)));
        assert_eq!(stale_after(S(60)), S(180));
    }

    #[test]
    fn a_round_whose_evidence_is_older_than_the_limit_when_it_finishes_is_stale() {
        // The shape: every 2 s, the API takes 12 s.
        assert_eq!(judge(S(12), S(2), false), Judgement::TooOld);
        assert_eq!(judge(S(12), S(2), true), Judgement::TooOld);
        assert_eq!(judge(S(6), S(2), false), Judgement::Fresh);
        assert_eq!(
            judge(Duration::from_millis(6001), S(2), false),
            Judgement::TooOld
        );
    }

    #[test]
    fn after_stale_evidence_only_a_round_within_the_interval_is_fresh() {
        assert_eq!(judge(S(5), S(2), true), Judgement::Late);
        assert_eq!(
            judge(Duration::from_millis(2001), S(2), true),
            Judgement::Late
        );
        assert_eq!(judge(S(2), S(2), true), Judgement::Fresh);
        // While the evidence is fresh, a round somewhat longer than the interval keeps it so.
        assert_eq!(judge(S(5), S(2), false), Judgement::Fresh);
    }

    #[test]
    fn the_watchdog_looks_often_but_not_too_often() {
        assert_eq!(watchdog_period(S(60)), S(5));
        assert_eq!(watchdog_period(S(1)), Duration::from_millis(250));
        assert_eq!(
            watchdog_period(Duration::from_millis(200)),
            Duration::from_millis(100)
        );
    }
}
