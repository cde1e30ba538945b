//! Cleaning captured text before any parsing: ANSI colours stripped, CRLF and CR line ends
//! handled, line numbers kept (1-based, as a person sees them in an editor), binary input and
//! empty input recognised, and the lines the cf CLI prints around its tables classified.

/// One line of the capture, colours and line end removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// 1-based line number in the input.
    pub number: usize,
    pub text: String,
}

/// Why a capture cannot be read at all.
pub(crate) fn unreadable(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some(if text.is_empty() {
            "empty input: no cf output to read".to_owned()
        } else {
            "input holds only white space: no cf output to read".to_owned()
        });
    }
    let mut odd = 0usize;
    let mut total = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        for c in line.chars() {
            total += 1;
            if c == '\0' {
                return Some(format!(
                    "input is not text (a NUL byte on line {}): expected the output of cf",
                    i + 1
                ));
            }
            if c == '\u{FFFD}' || (c.is_control() && !matches!(c, '\t' | '\r' | '\x1b')) {
                odd += 1;
            }
        }
    }
    if odd * 20 > total {
        return Some(format!(
            "input is not text ({odd} of {total} characters are control bytes or invalid UTF-8): expected the output of cf"
        ));
    }
    None
}

/// Splits the input into lines, stripping ANSI escape sequences and a trailing CR.
pub(crate) fn lines(text: &str) -> Vec<Line> {
    text.split('\n')
        .enumerate()
        .map(|(i, raw)| {
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            Line {
                number: i + 1,
                text: strip_ansi(raw),
            }
        })
        .collect()
}

/// Removes CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL` or `ESC \`) and other two-byte
/// escape sequences.
pub(crate) fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('[') => {
                chars.next();
                // Parameters and intermediates, then one final byte in @..~.
                for f in chars.by_ref() {
                    if ('@'..='~').contains(&f) {
                        break;
                    }
                }
            }
            Some(']') => {
                chars.next();
                while let Some(f) = chars.next() {
                    if f == '\x07' {
                        break;
                    }
                    if f == '\x1b' {
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            Some(_) => {
                chars.next();
            }
            None => {}
        }
    }
    out
}

/// What a line around a table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aside {
    /// Blank, or only spaces.
    Blank,
    /// `OK` after the first line (v6).
    Ok,
    /// `WARNING: ...`, `TIP: ...`, `Cloud Foundry API version ... is below the minimum ...`:
    /// lines the CLI prints besides the data (stderr captured with `2>&1`).
    Notice,
    /// `FAILED`: the command failed.
    Failed,
}

/// Classifies a line the parsers may pass over; `None` for anything else.
pub(crate) fn aside(text: &str) -> Option<Aside> {
    let t = text.trim();
    if t.is_empty() {
        Some(Aside::Blank)
    } else if t == "OK" {
        Some(Aside::Ok)
    } else if t == "FAILED" {
        Some(Aside::Failed)
    } else if t.starts_with("WARNING:")
        || t.starts_with("TIP:")
        || t.starts_with("Cloud Foundry API version")
    {
        Some(Aside::Notice)
    } else {
        None
    }
}

/// A short excerpt of a line for a message: at most `max` characters, control characters
/// shown as `?`, and a line that may hold a credential by its key only
/// ([`super::credentials::shape_of`]).
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let shape = super::credentials::shape_of(text);
    let t = shape.trim_end();
    let mut out: String = t
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if t.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_colours_and_crlf() {
        let l = lines("\x1b[1mname\x1b[0m   x\r\n\x1b[36;1mcap\x1b[0m\n");
        assert_eq!(l[0].text, "name   x");
        assert_eq!(l[1].text, "cap");
        assert_eq!(l[1].number, 2);
    }

    #[test]
    fn recognises_binary_and_empty() {
        assert!(unreadable("").unwrap().contains("empty"));
        assert!(unreadable(" \n\n").unwrap().contains("white space"));
        assert!(unreadable("ab\0cd").unwrap().contains("NUL byte on line 1"));
        assert!(
            unreadable("\u{1}\u{2}\u{3}abc")
                .unwrap()
                .contains("not text")
        );
        assert!(unreadable("Getting apps in org o / space s as u...").is_none());
    }
}
