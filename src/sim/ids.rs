//! Deterministic identities and times for the simulated foundation: the same model gives the
//! same GUIDs and `created_at` values on every run, so responses are reproducible (they are
//! formatted by [`crate::time_format`]).

/// A UUID-shaped GUID (version 5 layout) derived from a stable key such as `app/staging/web`.
pub(crate) fn guid(key: &str) -> String {
    let a = fnv1a64(key.as_bytes(), 0xcbf2_9ce4_8422_2325);
    let b = fnv1a64(key.as_bytes(), 0x8422_2325_cbf2_9ce4 ^ a.rotate_left(17));
    let a = mix(a);
    let b = mix(b);
    let time_hi = ((a >> 16) as u16 & 0x0fff) | 0x5000;
    let clock = ((b >> 48) as u16 & 0x3fff) | 0x8000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        (a >> 32) as u32,
        a as u16,
        time_hi,
        clock,
        b & 0xffff_ffff_ffff
    )
}

fn fnv1a64(bytes: &[u8], seed: u64) -> u64 {
    let mut h = seed;
    for &byte in bytes {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64's finaliser: spreads FNV's weak low bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Seconds since the Unix epoch of the simulated foundation's first resource
/// (2016-08-01T00:00:00Z, the week before the incident).
pub(crate) const EPOCH_START: i64 = 1_470_009_600;

/// Seconds since the Unix epoch at which every app of a scenario was last started
/// (2016-08-05T00:00:00Z), after every binding the model gives it was made.
pub const STARTED: i64 = 1_470_355_200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_stable_distinct_and_uuid_shaped() {
        let a = guid("app/staging/web");
        assert_eq!(a, guid("app/staging/web"));
        assert_ne!(a, guid("app/staging/worker"));
        assert_eq!(a.len(), 36);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('5'));
        let many: std::collections::HashSet<String> =
            (0..20_000).map(|i| guid(&format!("k/{i}"))).collect();
        assert_eq!(many.len(), 20_000);
    }
}
