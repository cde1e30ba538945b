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

    /// Replaces every occurrence of this secret in `text` with `[redacted]` (a server may echo
    /// a token back in an error message).
    pub fn scrub(&self, text: &str) -> String {
        // Very short values would redact ordinary words; real tokens are long.
        if self.0.len() < 4 {
            return text.to_owned();
        }
        text.replace(&self.0, REDACTED)
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
}
