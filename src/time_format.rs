//! Time formatting shared by the whole crate: RFC 3339 UTC timestamps from seconds since the
//! Unix epoch, with no time-zone database and no dependency (the simulator's `created_at`
//! values, the watch's `/status` and webhook times).

/// An RFC 3339 UTC timestamp (`2016-08-01T00:00:00Z`) for seconds since the Unix epoch.
pub fn rfc3339_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// A span as a person writes it, to the second: `16h 40m 58s`, `3d 2h`, `45s`, `0s`
/// (the two largest units that are not zero, from days down).
pub fn span(secs: u64) -> String {
    let parts = [
        (secs / 86_400, "d"),
        (secs % 86_400 / 3600, "h"),
        (secs % 3600 / 60, "m"),
        (secs % 60, "s"),
    ];
    let Some(first) = parts.iter().position(|(n, _)| *n > 0) else {
        return "0s".to_owned();
    };
    let mut out: Vec<String> = Vec::new();
    for (n, unit) in &parts[first..] {
        if *n > 0 {
            out.push(format!("{n}{unit}"));
        }
        if out.len() == 3 || (first == 0 && out.len() == 2) {
            break;
        }
    }
    out.join(" ")
}

/// `2016-08-05 00:19:05` (UTC) for seconds since the Unix epoch.
pub fn date_time(secs: i64) -> String {
    rfc3339_utc(secs)
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_owned()
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_470_009_600), "2016-08-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(
            rfc3339_utc(1_470_009_600 + 86_400 * 31 + 3661),
            "2016-09-01T01:01:01Z"
        );
        assert_eq!(date_time(1_470_009_600 + 61), "2016-08-01 00:01:01");
    }

    #[test]
    fn spans() {
        assert_eq!(span(0), "0s");
        assert_eq!(span(45), "45s");
        assert_eq!(span(60_058), "16h 40m 58s");
        assert_eq!(span(3600), "1h");
        assert_eq!(span(30 * 86_400), "30d");
        assert_eq!(span(3 * 86_400 + 7300), "3d 2h");
    }
}
