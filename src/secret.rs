//! Secrets never reach an output, by two layers:
//!
//! 1. [`Secret`]: a string that must never be printed. Tokens, refresh tokens and client
//!    secrets live in it from the moment they are read until the moment they go into a request
//!    header or form body; its `Debug` and `Display` print `[redacted]`, it has no
//!    `Serialize`, and reading the value takes an explicit [`Secret::expose`].
//! 2. The process's *known secrets* ([`remember`], [`redact`]): every secret value read (each
//!    [`Secret`], credentials of a VCAP_SERVICES, a webhook URL's path) is remembered, and
//!    every output passes through [`redact`] on its way out: reports and files
//!    (`commands::write_output`), errors (`commands::print_error`), every log line (the
//!    [`RedactingStderr`] writer of `logging`), and what `watch` serves and sends. A secret
//!    that a server echoes back, or that lands in a message by mistake, is still never
//!    printed.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::io::Write;
use std::sync::RwLock;

/// A secret string. Printing it prints `[redacted]`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

/// What a secret prints as.
pub const REDACTED: &str = "[redacted]";

impl Secret {
    /// A secret, remembered so that no output ever shows it (see [`redact`]).
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        remember(&value);
        Secret(value)
    }

    /// The value itself: only for a request header or form body, never for output.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty (an unset secret).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replaces every occurrence of this secret in `text` with `[redacted]`, as it is and as a
    /// URL or form encodes it (a server may echo a token back in an error message or reflect
    /// it into a link).
    pub fn scrub(&self, text: &str) -> String {
        // Very short values would redact ordinary words; real tokens are long.
        if self.0.len() < 4 {
            return text.to_owned();
        }
        let mut out = text.replace(&self.0, REDACTED);
        for encoded in self.encoded_forms() {
            out = out.replace(&encoded, REDACTED);
        }
        out
    }

    /// The value percent-encoded (every byte but RFC 3986's unreserved ones, in upper- and
    /// lower-case hex) and form-encoded (as `application/x-www-form-urlencoded`), where that
    /// differs from the value.
    fn encoded_forms(&self) -> Vec<String> {
        use std::fmt::Write;
        let mut forms: Vec<String> = Vec::new();
        let kept_percent =
            |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        let kept_form = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_');
        for (form, upper) in [(false, true), (false, false), (true, true)] {
            let mut s = String::with_capacity(self.0.len() * 3);
            for b in self.0.bytes() {
                if (form && kept_form(b)) || (!form && kept_percent(b)) {
                    s.push(b as char);
                } else if form && b == b' ' {
                    s.push('+');
                } else if upper {
                    let _ = write!(s, "%{b:02X}");
                } else {
                    let _ = write!(s, "%{b:02x}");
                }
            }
            if s != self.0 && !forms.contains(&s) {
                forms.push(s);
            }
        }
        forms
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

/// Values shorter than this are not remembered: they would redact ordinary words and
/// numbers, and no real token, password or webhook path is this short.
pub const MIN_REMEMBERED: usize = 6;

/// The secret values read by this process, longest first when replaced.
static KNOWN: RwLock<BTreeSet<KnownSecret>> = RwLock::new(BTreeSet::new());

/// Ordered longest first, so that a secret containing another is replaced whole.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct KnownSecret(std::cmp::Reverse<usize>, String);

/// Remembers a secret value, and the forms it takes in a URL and in JSON, so that [`redact`]
/// removes it from every output. Values shorter than [`MIN_REMEMBERED`] are ignored.
pub fn remember(value: &str) {
    let value = value.trim();
    if value.chars().count() < MIN_REMEMBERED {
        return;
    }
    let mut forms = vec![value.to_owned()];
    forms.push(percent_encoded(value));
    if let Ok(json) = serde_json::to_string(value) {
        forms.push(json[1..json.len() - 1].to_owned());
    }
    let mut known = KNOWN.write().unwrap_or_else(|e| e.into_inner());
    for form in forms {
        known.insert(KnownSecret(std::cmp::Reverse(form.len()), form));
    }
}

/// `value` as it appears in a URL's query or path: every byte but the unreserved ones as
/// `%XX`.
fn percent_encoded(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `text` with every remembered secret replaced by `[redacted]`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let known = KNOWN.read().unwrap_or_else(|e| e.into_inner());
    let mut out = Cow::Borrowed(text);
    for KnownSecret(_, secret) in known.iter() {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
        }
    }
    out
}

/// [`redact`] for bytes: text that is not UTF-8 is redacted in its valid stretches.
pub fn redact_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    match std::str::from_utf8(bytes) {
        Ok(text) => match redact(text) {
            Cow::Borrowed(_) => Cow::Borrowed(bytes),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        },
        Err(_) => match redact(&String::from_utf8_lossy(bytes)) {
            Cow::Borrowed(_) if !has_known_secret_bytes(bytes) => Cow::Borrowed(bytes),
            redacted => Cow::Owned(redacted.into_owned().into_bytes()),
        },
    }
}

fn has_known_secret_bytes(bytes: &[u8]) -> bool {
    let known = KNOWN.read().unwrap_or_else(|e| e.into_inner());
    known
        .iter()
        .any(|KnownSecret(_, s)| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
}

/// Standard error through [`redact`]: the writer of every log line. Each log event is one
/// write, so a secret is never split between two.
#[derive(Debug, Default, Clone, Copy)]
pub struct RedactingStderr;

impl Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::io::stderr().write_all(&redact_bytes(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Prints a line to standard error through [`redact`]: what [`eprintln_redacted!`](crate::eprintln_redacted) expands to.
// The one printer of stderr lines: clippy.toml disallows anstream's macros elsewhere.
#[allow(clippy::disallowed_macros)]
pub fn eprint_line(line: &str) {
    anstream::eprintln!("{}", redact(line));
}

/// Prints a line to standard error through [`redact`].
#[macro_export]
macro_rules! eprintln_redacted {
    ($($arg:tt)*) => {
        $crate::secret::eprint_line(&format!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("tok-very-secret");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
        assert_eq!(s.expose(), "tok-very-secret");
    }

    #[test]
    fn scrub_replaces_every_occurrence() {
        let s = Secret::new("abc123");
        assert_eq!(
            s.scrub("bad token abc123, again abc123"),
            "bad token [redacted], again [redacted]"
        );
        assert_eq!(Secret::new("ab").scrub("ab cd"), "ab cd");
    }

    #[test]
    fn every_secret_made_is_redacted_from_output_in_its_url_and_json_forms() {
        let s = Secret::new("zq-planted/secret+\\value\"x");
        let raw = s.expose().to_owned();
        let url = percent_encoded(&raw);
        assert!(url.contains("%2F") && url.contains("%2B"), "{url}");
        let json = serde_json::to_string(&raw).unwrap();
        let text = format!("a {raw} b ?t={url} c {json}");
        let out = redact(&text);
        assert!(!out.contains("zq-planted"), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 3, "{out}");
        assert_eq!(redact("nothing here"), "nothing here");
        let bytes = [b"\xff ".as_slice(), raw.as_bytes()].concat();
        assert!(!String::from_utf8_lossy(&redact_bytes(&bytes)).contains("zq-planted"));
    }

    #[test]
    fn short_values_are_not_remembered() {
        remember("ab12");
        assert_eq!(redact("ab12 cd"), "ab12 cd");
    }

    #[test]
    fn scrub_finds_the_url_and_form_encoded_value() {
        let s = Secret::new("a+b/c d~*");
        assert_eq!(
            s.scrub("q=a%2Bb%2Fc%20d~%2A r=a%2bb%2fc%20d~%2a f=a%2Bb%2Fc+d%7E*"),
            "q=[redacted] r=[redacted] f=[redacted]"
        );
        // A value that needs no encoding has no other form.
        assert!(Secret::new("tok-1.x_y").encoded_forms().is_empty());
    }
}
