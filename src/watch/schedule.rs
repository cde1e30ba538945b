//! When rounds run and when their evidence is too old: rounds start one interval apart and
//! never overlap (a round that takes longer than the interval is an overrun, and the next
//! starts right after it); a verdict older than [`STALE_AFTER_INTERVALS`] intervals is no
//! evidence any more.

use std::time::Duration;

/// A verdict older than this many intervals is stale: its statuses are exported as UNKNOWN.
pub const STALE_AFTER_INTERVALS: u32 = 3;

/// What to do after a round that took `elapsed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Next {
    /// Wait this long before the next round starts.
    pub wait: Duration,
    /// The round took longer than the interval.
    pub overrun: bool,
}

/// The wait before the next round: the rest of the interval, or none after an overrun.
pub fn after_round(elapsed: Duration, interval: Duration) -> Next {
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
pub fn stale_after(interval: Duration) -> Duration {
    interval.saturating_mul(STALE_AFTER_INTERVALS)
}

/// Whether evidence of age `age` is stale for rounds every `interval`.
pub fn is_stale(age: Duration, interval: Duration) -> bool {
    age > stale_after(interval)
}

/// How often the watchdog looks for stale evidence while a round may hang: a few times an
/// interval, at least every 5 s and at most 10 times a second.
pub fn watchdog_period(interval: Duration) -> Duration {
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
    fn the_watchdog_looks_often_but_not_too_often() {
        assert_eq!(watchdog_period(S(60)), S(5));
        assert_eq!(watchdog_period(S(1)), Duration::from_millis(250));
        assert_eq!(
            watchdog_period(Duration::from_millis(200)),
            Duration::from_millis(100)
        );
    }
}
