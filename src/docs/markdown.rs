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
    if s.bytes().all(|b| BYTES[usize::from(b)] == Byte::Plain) {
        return out.push_str(s);
    }
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

/// [`CodeSpan`] of `s`: in one pass over the bytes unless a character needs a closer look.
fn code_span_check(s: &str) -> CodeSpan {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return CodeSpan::No;
    };
    // ASCII white space other than a space is a control character; other white space
    // at an end is for the closer look.
    if first == b' ' || last == b' ' {
        return CodeSpan::No;
    }
    if first.is_ascii() && last.is_ascii() {
        let mut pipes = false;
        let mut closer_look = false;
        for &b in bytes {
            match BYTES[usize::from(b)] {
                Byte::Plain | Byte::Punctuation => {}
                Byte::Pipe => pipes = true,
                Byte::Backtick | Byte::Control => return CodeSpan::No,
                Byte::MaybeControl => closer_look = true,
            }
        }
        if !closer_look {
            return if pipes {
                CodeSpan::WithPipes
            } else {
                CodeSpan::Plain
            };
        }
    }
    if s.contains('`') || s.chars().any(char::is_control) || s.trim() != s {
        CodeSpan::No
    } else if s.contains('|') {
        CodeSpan::WithPipes
    } else {
        CodeSpan::Plain
    }
}

/// What a byte of a name or text is to [`push_text`] and [`push_code`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Byte {
    /// Copied as it is by both.
    Plain,
    /// Escaped in text, as it is in a code span: Markdown and HTML punctuation.
    Punctuation,
    /// `|`: escaped in both.
    Pipe,
    /// A backtick: escaped in text, and no code span can hold it.
    Backtick,
    /// A control character (line breaks and tabs too).
    Control,
    /// The first byte of U+0080 to U+00BF, of which U+0080 to U+009F are control
    /// characters.
    MaybeControl,
}

/// [`Byte`] of every byte value.
static BYTES: [Byte; 256] = byte_classes();

const fn byte_classes() -> [Byte; 256] {
    let mut t = [Byte::Plain; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = Byte::Control;
        b += 1;
    }
    t[0x7f] = Byte::Control;
    t[0xc2] = Byte::MaybeControl;
    let punctuation = b"\\*_[]#~!<>&";
    let mut i = 0;
    while i < punctuation.len() {
        t[punctuation[i] as usize] = Byte::Punctuation;
        i += 1;
    }
    t[b'|' as usize] = Byte::Pipe;
    t[b'`' as usize] = Byte::Backtick;
    t
}

/// A fenced code block that its content cannot close, appended to `out`.
pub(super) fn push_fence(out: &mut String, info: &str, body: &str) {
    let mut longest = 0;
    // Bodies rarely hold a backtick (a memchr), and are long (a cf table of 2,000 rows).
    if body.contains('`') {
        let mut run = 0;
        for &c in body.as_bytes() {
            if c == b'`' {
                run += 1;
                longest = longest.max(run);
            } else {
                run = 0;
            }
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
