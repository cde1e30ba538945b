//! Markdown building blocks that are safe for any text from a model: escaped table cells,
//! code spans and fences that cannot be broken out of, and shell-quoted command words.

/// Plain text for Markdown (a paragraph or a table cell): punctuation that Markdown or HTML
/// would interpret is escaped, line breaks become spaces.
pub(super) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A name as a code span in a table cell, or escaped text when it cannot be one.
pub(super) fn code(s: &str) -> String {
    if s.is_empty() || s.contains('`') || s.chars().any(char::is_control) || s.trim() != s {
        return text(s);
    }
    // GFM splits table cells on `|` even inside code spans unless it is escaped.
    format!("`{}`", s.replace('|', "\\|"))
}

/// A fenced code block that its content cannot close.
pub(super) fn fence(info: &str, body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let ticks = "`".repeat((longest + 1).max(3));
    let mut out = format!("{ticks}{info}\n{body}");
    if !body.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&ticks);
    out.push('\n');
    out
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

    #[test]
    fn fences_outlast_their_content() {
        assert_eq!(fence("text", "a ``` b"), "````text\na ``` b\n````\n");
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell("cap"), "cap");
        assert_eq!(shell("my space"), "'my space'");
        assert_eq!(shell("it's"), "'it'\\''s'");
    }
}
