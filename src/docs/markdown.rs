//! Markdown building blocks that are safe for any text from a model: escaped table cells,
//! code spans and fences that cannot be broken out of, and shell-quoted command words.
//!
//! Each `push_*` writes into the page being built (no string of its own: a page of a large
//! model has hundreds of thousands of cells); [`text`], [`code`] and [`shell`] return one.

/// Plain text for Markdown (a paragraph or a table cell): punctuation that Markdown or HTML
/// would interpret is escaped, line breaks become spaces.
pub(super) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_text(&mut out, s);
    out
}

/// [`text`], appended to `out`.
pub(super) fn push_text(out: &mut String, s: &str) {
    // Runs of characters that need nothing are copied whole.
    let mut plain = 0;
    for (i, c) in s.char_indices() {
        let escaped = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => None,
            '<' => Some("&lt;"),
            '>' => Some("&gt;"),
            '&' => Some("&amp;"),
            '\n' | '\r' | '\t' => Some(" "),
            c if c.is_control() => Some("\u{fffd}"),
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        plain = i + c.len_utf8();
        match escaped {
            Some(e) => out.push_str(e),
            None => {
                out.push('\\');
                out.push(c);
            }
        }
    }
    out.push_str(&s[plain..]);
}

/// A name as a code span in a table cell, or escaped text when it cannot be one.
pub(super) fn code(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_code(&mut out, s);
    out
}

/// [`code`], appended to `out`.
pub(super) fn push_code(out: &mut String, s: &str) {
    let pipes = match code_span_check(s) {
        CodeSpan::No => return push_text(out, s),
        CodeSpan::Plain => false,
        CodeSpan::WithPipes => true,
    };
    out.push('`');
    if pipes {
        // GFM splits table cells on `|` even inside code spans unless it is escaped.
        let mut parts = s.split('|');
        if let Some(first) = parts.next() {
            out.push_str(first);
        }
        for part in parts {
            out.push_str("\\|");
            out.push_str(part);
        }
    } else {
        out.push_str(s);
    }
    out.push('`');
}

/// Whether a name can be a code span.
enum CodeSpan {
    /// Empty, or with a backtick, a control character or white space at an end.
    No,
    /// Yes, as it is.
    Plain,
    /// Yes, with each `|` escaped.
    WithPipes,
}

/// [`CodeSpan`] of `s`: for ASCII, which names almost always are, in one pass over the bytes.
fn code_span_check(s: &str) -> CodeSpan {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return CodeSpan::No;
    };
    let mut pipes = false;
    if s.is_ascii() {
        // ASCII white space other than a space is a control character.
        if first == b' ' || last == b' ' {
            return CodeSpan::No;
        }
        for &b in bytes {
            match b {
                b'`' | 0..=0x1f | 0x7f => return CodeSpan::No,
                b'|' => pipes = true,
                _ => {}
            }
        }
    } else {
        if s.contains('`') || s.chars().any(char::is_control) || s.trim() != s {
            return CodeSpan::No;
        }
        pipes = s.contains('|');
    }
    if pipes {
        CodeSpan::WithPipes
    } else {
        CodeSpan::Plain
    }
}

/// A fenced code block that its content cannot close, appended to `out`.
pub(super) fn push_fence(out: &mut String, info: &str, body: &str) {
    let mut longest = 0;
    let mut run = 0;
    for &c in body.as_bytes() {
        if c == b'`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let ticks = (longest + 1).max(3);
    out.extend(std::iter::repeat_n('`', ticks));
    out.push_str(info);
    out.push('\n');
    out.push_str(body);
    if !body.ends_with('\n') {
        out.push('\n');
    }
    out.extend(std::iter::repeat_n('`', ticks));
    out.push('\n');
}

/// One word for a POSIX shell: as is when plain, else single-quoted.
pub(super) fn shell(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_tables_or_inject_html() {
        assert_eq!(text("a|b <x> *y*"), "a\\|b &lt;x&gt; \\*y\\*");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a`b"), "a\\`b");
    }

    /// The escaping as first written, a new string per character class: the single-pass
    /// writers must give the same bytes.
    fn text_as_first_written(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => format!("\\{c}"),
                '<' => "&lt;".to_owned(),
                '>' => "&gt;".to_owned(),
                '&' => "&amp;".to_owned(),
                '\n' | '\r' | '\t' => " ".to_owned(),
                c if c.is_control() => "\u{fffd}".to_owned(),
                c => c.to_string(),
            })
            .collect()
    }

    fn code_as_first_written(s: &str) -> String {
        if s.is_empty() || s.contains('`') || s.chars().any(char::is_control) || s.trim() != s {
            return text_as_first_written(s);
        }
        format!("`{}`", s.replace('|', "\\|"))
    }

    #[test]
    fn single_pass_escaping_gives_the_same_bytes() {
        let samples = [
            "",
            " ",
            "plain-name",
            "a|b|",
            "|",
            " lead",
            "trail ",
            "tab\tin",
            "\u{0b}vt",
            "nul\u{0}",
            "del\u{7f}",
            "c1\u{85}",
            "\u{a0}nbsp",
            "nbsp\u{a0}",
            "ünïcödé|x",
            "通知 <&> `x` *y* [z](w) #1 ~s~ !i \\",
            "line\nbreak\r\n",
            "emoji 🚀|",
        ];
        for s in samples {
            assert_eq!(text(s), text_as_first_written(s), "text of {s:?}");
            assert_eq!(code(s), code_as_first_written(s), "code of {s:?}");
        }
    }

    #[test]
    fn fences_outlast_their_content() {
        let mut out = String::new();
        push_fence(&mut out, "text", "a ``` b");
        assert_eq!(out, "````text\na ``` b\n````\n");
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell("cap"), "cap");
        assert_eq!(shell("my space"), "'my space'");
        assert_eq!(shell("it's"), "'it'\\''s'");
    }
}
