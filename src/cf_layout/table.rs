//! The cf CLI's table layout (v6.35 and later, v7, v8): each column as wide as its widest
//! cell (header included, wide East-Asian characters counting two) plus a 3-space gap; every
//! column but the last padded with spaces, trailing spaces kept.

use unicode_width::UnicodeWidthStr;

/// The gap the cf CLI leaves after every column but the last.
pub const GAP: usize = 3;

/// Lays out `header` and `rows` as the cf CLI does; every line ends with `\n`.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let mut out = String::new();
    let header_row: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header_row).chain(rows) {
        for (i, cell) in row.iter().enumerate().take(columns) {
            out.push_str(cell);
            if i + 1 < columns {
                let pad = widths[i] - cell.width() + GAP;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
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
    fn wide_characters_count_two_columns() {
        let text = render(&["name", "x"], &[vec!["通知".into(), "1".into()]]);
        assert_eq!(text, "name   x\n通知   1\n");
        let text = render(&["n", "x"], &[vec!["通知通".into(), "1".into()]]);
        assert_eq!(text, "n        x\n通知通   1\n");
    }
}
