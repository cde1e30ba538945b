//! [`Secret`]: a string that must never reach any output. Tokens, refresh tokens and client
//! secrets live in it from the moment they are read until the moment they go into a request
//! header or form body; its `Debug` and `Display` print `[redacted]`, it has no `Serialize`,
//! and reading the value takes an explicit [`Secret::expose`].

use std::fmt;

/// A secret string. Printing it prints `[redacted]`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

/// What a secret prints as.
pub const REDACTED: &str = "[redacted]";

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself: only for a request header or form body, never for output.
    pub fn expose(&self) -> &str {
        &self.0
    }

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
        Secret(s)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
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
