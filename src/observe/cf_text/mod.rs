//! Parsers for text captured from the cf CLI: `cf services`, `cf apps`, `cf env APP`, every
//! layout of `tests/fixtures/reference/cf-cli-output.md`, with or without ANSI colours, CRLF line
//! ends, `OK`, `WARNING:`, `TIP:` and `Cloud Foundry API version ... is below the minimum`
//! lines.
//!
//! What each parser promises:
//! - Never a panic, on any input.
//! - Unreadable input (empty, white space only, binary, no table header and no empty-space
//!   message, a header with unknown columns, text of another command, `FAILED`) is
//!   [`Coverage::Unavailable`] with the reason, never a `Seen` with nothing in it.
//! - The first line gives [`Capture::target`]. When it is missing or not understood, `target`
//!   is `None` and the part is [`Coverage::Unavailable`] saying why: output that cannot be
//!   matched to a space is evidence of nothing.
//! - Every data line not understood (a row that does not fit the header's columns, a last
//!   operation outside the reference's vocabulary, a process cell not like `web:1/2`, a
//!   duplicate name, text before the first line, a line before the header that fits its
//!   columns like a row) is recorded in the part's `gaps` as `line N: ...`, never skipped
//!   silently.
//! - Between the first line and the table, cf prints nothing of its own but the Cloud
//!   Controller's warnings, as they are (`Stats server temporarily unavailable.`): a line
//!   there is never a row; the layout counts them (`cf apps (v7/v8), after 2 warning lines`). The row's instance or app is left out (for a
//!   duplicate name, every row of it), so the verifier treats its absence as UNKNOWN (there
//!   are gaps), not as CRITICAL.
//!
//! Files: [`lines`] (cleaning), [`header`] (first line), [`locale`] (cf output in other
//! languages, refused), [`table`] (column offsets),
//! [`frame`] (the structure around a table), [`services`], [`apps`], [`mod@env`].

pub(crate) mod apps;
pub(crate) mod credentials;
pub(crate) mod env;
pub(crate) mod frame;
pub(crate) mod header;
pub(crate) mod lines;
pub(crate) mod locale;
pub(crate) mod services;
pub(crate) mod table;

use crate::observe::{AppsSeen, Coverage, ServicesSeen};

/// The org, space and user named by a capture's first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The organization.
    pub org: String,
    /// The space.
    pub space: String,
    /// The user, when the line names one.
    pub user: Option<String>,
}

/// What one capture showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture<T> {
    /// `None` when the first line does not name org and space.
    pub target: Option<Target>,
    /// The layout recognised, e.g. `cf services (v8)`.
    pub layout: Option<String>,
    /// What it showed of its part, or why it could not.
    pub part: Coverage<T>,
}

impl<T> Capture<T> {
    fn unavailable(reason: String) -> Self {
        Capture {
            target: None,
            layout: None,
            part: Coverage::Unavailable { reason },
        }
    }

    fn unavailable_with(target: Option<Target>, layout: Option<String>, reason: String) -> Self {
        Capture {
            target,
            layout,
            part: Coverage::Unavailable { reason },
        }
    }
}

/// A readable capture: `Seen` when its target is known, else `Unavailable` with the reason.
fn finish<T>(target: Result<Target, String>, layout: String, seen: T) -> Capture<T> {
    match target {
        Ok(t) => Capture {
            target: Some(t),
            layout: Some(layout),
            part: Coverage::Seen(seen),
        },
        Err(reason) => Capture::unavailable_with(None, Some(layout), reason),
    }
}

/// Parses `cf services` output of any CLI version.
pub fn parse_services(text: &str) -> Capture<ServicesSeen> {
    services::parse(text)
}

/// Parses `cf apps` output of any CLI version.
pub fn parse_apps(text: &str) -> Capture<AppsSeen> {
    apps::parse(text)
}

/// `cf env APP`: the app's name and the instance names in VCAP_SERVICES (never credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvCapture {
    /// `None` when the first line does not name org and space.
    pub target: Option<Target>,
    /// The app, when the output names it.
    pub app: Option<String>,
    /// The instance names in VCAP_SERVICES.
    pub bound_instances: Coverage<Vec<String>>,
}

/// Parses `cf env APP` output (v6, v7, v8). Only instance names are kept.
pub fn parse_env(text: &str) -> EnvCapture {
    env::parse(text)
}

/// Captured bytes as text, the one decoding that the CLI and the fuzz targets share.
///
/// A byte order mark decides the encoding and is dropped: UTF-8 (some editors), UTF-16LE
/// (Windows PowerShell 5's `cf services > file`) or UTF-16BE. Without one the bytes are
/// UTF-8. Anything that does not decode becomes U+FFFD, which the parsers treat as binary.
pub fn text_from_bytes(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let utf16 = |rest: &[u8], from: fn([u8; 2]) -> u16| -> Cow<'_, str> {
        let units = rest.chunks(2).map(|c| match c {
            [a, b] => from([*a, *b]),
            _ => 0xFFFD, // an odd trailing byte
        });
        Cow::Owned(
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect(),
        )
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_bytes_follows_the_byte_order_mark() {
        let text = "Getting apps in org o / space s as u...\n";
        let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
        utf8_bom.extend_from_slice(text.as_bytes());
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
            be.extend_from_slice(&unit.to_be_bytes());
        }
        assert_eq!(text_from_bytes(text.as_bytes()), text);
        assert_eq!(text_from_bytes(&utf8_bom), text);
        assert_eq!(text_from_bytes(&le), text);
        assert_eq!(text_from_bytes(&be), text);
        // Invalid input never panics and is marked as such.
        assert!(text_from_bytes(&[0xFF, 0xFE, 0x41]).contains('\u{fffd}'));
        assert!(text_from_bytes(&[0xC3, 0x28]).contains('\u{fffd}'));
    }

    /// 10,000 instances parse whole, with no gap (how fast is `make bench`'s business:
    /// BENCHMARKS.md, issue 3).
    #[test]
    fn ten_thousand_instances() {
        let mut text = String::from(
            "Getting service instances in org o / space s as u...\n\nname              offering   plan   bound apps     last operation     broker   upgrade available\n",
        );
        for i in 0..10_000 {
            text.push_str(&format!(
                "instance-{i:05}    aws-rds    p      web-{i:05}      create succeeded   b        no\n"
            ));
        }
        let c = parse_services(&text);
        let Coverage::Seen(s) = c.part else {
            panic!("{:?}", c.part)
        };
        assert_eq!(s.instances.len(), 10_000);
        assert!(s.gaps.is_empty(), "{:?}", &s.gaps[..1]);
    }
}
