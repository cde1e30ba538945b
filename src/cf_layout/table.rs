//! The cf CLI's table layouts. [`render`]: v6.35 and later (`cf services`), v7, v8: each
//! column as wide as its widest cell (header included, wide East-Asian characters counting
//! two) plus a 3-space gap; every column but the last padded with spaces, trailing spaces kept.
//! [`render_v6_legacy`]: the v6 legacy table (v6.17 and later, every v6 `cf apps`): the same,
//! but widths counted by v6's `visibleSize` and trailing spaces trimmed.

use unicode_width::UnicodeWidthStr;

/// The gap the cf CLI leaves after every column but the last.
pub(crate) const GAP: usize = 3;

/// Lays out `header` and `rows` as the cf CLI does; every line ends with `\n`.
pub(crate) fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    layout(header, rows, |s| s.width())
}

/// Lays out `header` and `rows` as the v6 legacy table (`cf/terminal/table.go`, v6.17 and
/// later) does: widths by [`v6_visible_size`], trailing spaces trimmed from every line.
pub(crate) fn render_v6_legacy(header: &[&str], rows: &[Vec<String>]) -> String {
    layout(header, rows, v6_visible_size)
        .lines()
        .map(|l| format!("{}\n", l.trim_end_matches(' ')))
        .collect()
}

/// `visibleSize` of the v6 legacy table: a character of 3 UTF-8 bytes counts two columns
/// (meant for Kanji; `€` too), any other one (an emoji too).
pub(crate) fn v6_visible_size(s: &str) -> usize {
    s.chars()
        .map(|c| if c.len_utf8() == 3 { 2 } else { 1 })
        .sum()
}

fn layout(header: &[&str], rows: &[Vec<String>], width: fn(&str) -> usize) -> String {
    // Printable ASCII, which most cells are, is one column a byte in both measures: no
    // lookup per character (a table of 2,000 rows has 14,000 cells, each measured twice).
    let width = |s: &str| {
        if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            s.len()
        } else {
            width(s)
        }
    };
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(width(cell));
        }
    }
    let line = widths.iter().sum::<usize>() + GAP * columns.saturating_sub(1) + 1;
    let mut out = String::with_capacity(line * (rows.len() + 1));
    let header_row: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header_row).chain(rows) {
        for (i, cell) in row.iter().enumerate().take(columns) {
            out.push_str(cell);
            if i + 1 < columns {
                pad(&mut out, widths[i] - width(cell) + GAP);
            }
        }
        out.push('\n');
    }
    out
}

/// Appends `n` spaces.
fn pad(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > 0 {
        let now = n.min(SPACES.len());
        out.push_str(&SPACES[..now]);
        n -= now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_every_column_but_the_last_and_keeps_trailing_spaces() {
        let text = render(
            &["name", "plan", "broker"],
            &[
                vec!["a".into(), "".into(), "".into()],
                vec!["bbbbbb".into(), "x".into(), "y".into()],
            ],
        );
        assert_eq!(
            text,
            "name     plan   broker\na               \nbbbbbb   x      y\n"
        );
    }

    #[test]
    fn v6_legacy_counts_visible_size_and_trims() {
        let text = render_v6_legacy(
            &["name", "x", "urls"],
            &[
                vec!["a€".into(), "1".into(), "".into()],
                vec!["b🚀".into(), "2".into(), "u".into()],
            ],
        );
        assert_eq!(text, "name   x   urls\na€    1\nb🚀     2   u\n");
    }

    #[test]
    fn pads_wider_than_one_run_of_spaces() {
        let long = "x".repeat(150);
        let text = render(
            &["n", "y"],
            &[vec![long.clone(), "1".into()], vec!["a".into(), "2".into()]],
        );
        let expected = format!("n{}y\n{long}   1\na{}2\n", " ".repeat(152), " ".repeat(152));
        assert_eq!(text, expected);
    }

    #[test]
    fn wide_characters_count_two_columns() {
        let text = render(&["name", "x"], &[vec!["通知".into(), "1".into()]]);
        assert_eq!(text, "name   x\n通知   1\n");
        let text = render(&["n", "x"], &[vec!["通知通".into(), "1".into()]]);
        assert_eq!(text, "n        x\n通知通   1\n");
    }
}
