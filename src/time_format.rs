//! Time formatting shared by the whole crate: RFC 3339 UTC timestamps from seconds since the
//! Unix epoch and back, HTTP dates, and ages in words, with no time-zone database and no
//! dependency (the simulator's `created_at` values, the watch's `/status` and webhook times,
//! the Cloud Controller's timestamps and its `Date` header).

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

/// `13:16 UTC on 2016-08-04`: a time of day a person reads, with its date.
pub fn utc_minute(secs: i64) -> String {
    let t = rfc3339_utc(secs);
    format!("{} UTC on {}", &t[11..16], &t[..10])
}

/// A duration as the command-line flags take it: `5m`, `90s`, `1h`, `500ms`.
pub fn duration_flag(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// An age in words: `40 s`, `3 min`, `5 h`, `2 days`.
pub fn age(secs: u64) -> String {
    match secs {
        0..120 => format!("{secs} s"),
        120..7_200 => format!("{} min", secs / 60),
        7_200..172_800 => format!("{} h", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp as the Cloud Controller writes them
/// (`2016-06-08T16:41:26Z`; fractions of a second are dropped, and an offset such as
/// `+02:00` is applied). `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let b = rest.as_bytes();
            if b.len() != 6 || b[3] != b':' {
                return None;
            }
            let oh: i64 = rest[1..3].parse().ok()?;
            let om: i64 = rest[4..6].parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// Seconds since the Unix epoch of an HTTP `Date` header (`Sun, 06 Nov 1994 08:49:37 GMT`,
/// RFC 9110's IMF-fixdate, the only form servers send). `None` for anything else.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = MONTHS.iter().position(|x| x == month)? + 1;
    let day: u32 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, mi, s] = hms.as_slice() else {
        return None;
    };
    if !(1..=31).contains(&day) || *h > 23 || *mi > 59 || *s > 60 {
        return None;
    }
    Some(days_from_civil(year, m as u32, day) * 86_400 + h * 3600 + mi * 60 + s)
}

/// An HTTP `Date` header value (IMF-fixdate) for seconds since the Unix epoch.
pub fn http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Howard Hinnant's `days_from_civil`: (year, month, day) to days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    }

    #[test]
    fn timestamps_read_back() {
        for secs in [
            0,
            951_782_400,
            1_470_009_600,
            1_470_355_200 + 47_765,
            4_102_444_800,
        ] {
            assert_eq!(parse_rfc3339(&rfc3339_utc(secs)), Some(secs));
            assert_eq!(parse_http_date(&http_date(secs)), Some(secs));
        }
        assert_eq!(
            parse_rfc3339("2016-08-04T22:13:05.123456Z"),
            Some(1_470_348_785)
        );
        assert_eq!(
            parse_rfc3339("2016-08-05T00:13:05+02:00"),
            Some(1_470_348_785)
        );
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        for bad in [
            "",
            "2016-08-04",
            "2016-13-04T22:13:05Z",
            "2016-08-04T22:13:05",
            "x",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        for bad in [
            "",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn ages_and_minutes_read_as_words() {
        assert_eq!(age(40), "40 s");
        assert_eq!(age(180), "3 min");
        assert_eq!(age(5 * 3600 + 10), "5 h");
        assert_eq!(age(3 * 86_400), "3 days");
        assert_eq!(utc_minute(1_470_348_785), "22:13 UTC on 2016-08-04");
        let d = std::time::Duration::from_millis;
        assert_eq!(duration_flag(d(300_000)), "5m");
        assert_eq!(duration_flag(d(7_200_000)), "2h");
        assert_eq!(duration_flag(d(90_000)), "90s");
        assert_eq!(duration_flag(d(1_500)), "1500ms");
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
