//! Tables as the cf CLI prints them: columns located by the header's offsets, never by
//! splitting on white space (headers like `bound apps` and cells like `create succeeded`
//! contain spaces; empty cells are runs of spaces). Every column but the last ends in a gap of
//! at least 3 spaces; the v6 legacy table trims trailing spaces, so a row may end early (its
//! last cells are empty).
//!
//! Offsets count columns the way the CLI that printed the table counted them when it padded
//! ([`Width`]): display columns for v6.35+, v7 and v8, the legacy v6 table's own rule
//! otherwise, so a name with `€` or an emoji never shifts a row out of its columns.

use crate::cf_layout::table::GAP;
use unicode_width::UnicodeWidthChar;

/// How the cf CLI counted a cell's width when it padded its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Width {
    /// v6.35+ `cf services`, v7, v8 (`util/ui`, go-runewidth): display columns, East-Asian
    /// wide characters two.
    Display,
    /// The v6 legacy table from v6.15 on (`visibleSize` in `cf/terminal/table.go`, used by
    /// every v6 `cf apps` and by `cf services` up to 6.34): a character of 3 UTF-8 bytes
    /// counts two columns, any other one, whatever it shows as: `€` (3 bytes, one column on
    /// screen) counts two, an emoji (4 bytes, two on screen) one.
    V6Legacy,
    /// The v6 legacy table up to v6.14 (`utf8.RuneCountInString`): every character one column.
    V6Runes,
}

impl Width {
    /// The columns `c` takes by this rule.
    pub(crate) fn of(self, c: char) -> usize {
        match self {
            Width::Display => c.width().unwrap_or(0),
            Width::V6Legacy if c.len_utf8() == 3 => 2,
            Width::V6Legacy | Width::V6Runes => 1,
        }
    }
}

/// One column of a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    pub name: String,
    /// Display column where the header word, and every cell of the column, starts.
    pub start: usize,
}

/// A table header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub line: usize,
    pub columns: Vec<Column>,
}

impl Header {
    pub(crate) fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// Reads a header line: words separated by 2 or more spaces, the first (`name`) at column 0.
/// `None` when the line does not start with `name`; `Err` naming the first column that is not
/// in `known`.
pub(crate) fn parse_header(
    line: usize,
    text: &str,
    known: &[&str],
) -> Option<Result<Header, String>> {
    if !text.starts_with("name") || text.starts_with("name:") {
        return None;
    }
    let mut columns = Vec::new();
    let mut col = 0usize;
    let mut word = String::new();
    let mut word_start = 0usize;
    let mut spaces = 0usize;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if c == ' ' {
            spaces += 1;
        } else {
            if spaces >= 2 && !word.is_empty() {
                columns.push(Column {
                    name: std::mem::take(&mut word),
                    start: word_start,
                });
            } else if spaces == 1 {
                word.push(' ');
            }
            if word.is_empty() {
                word_start = col;
            }
            spaces = 0;
            word.push(c);
        }
        col += w;
    }
    if !word.is_empty() {
        columns.push(Column {
            name: word,
            start: word_start,
        });
    }
    if columns.first().map(|c| c.name.as_str()) != Some("name") {
        return None;
    }
    for (i, c) in columns.iter().enumerate() {
        if !known.contains(&c.name.as_str()) {
            return Some(Err(format!(
                "line {line}: the header's column {} `{}` is not one this parser knows ({})",
                i + 1,
                c.name,
                known.join(", ")
            )));
        }
        if columns[..i].iter().any(|o| o.name == c.name) {
            return Some(Err(format!(
                "line {line}: the header names column `{}` twice",
                c.name
            )));
        }
        if i > 0 && c.start < columns[i - 1].start + columns[i - 1].name.len() + GAP {
            return Some(Err(format!(
                "line {line}: the header's columns `{}` and `{}` are less than {GAP} spaces apart",
                columns[i - 1].name,
                c.name
            )));
        }
    }
    Some(Ok(Header { line, columns }))
}

/// Splits a row into one cell per column (trimmed; empty string for an empty cell), counting
/// display columns, or says why the row does not fit the header's columns.
pub(crate) fn split_row(header: &Header, text: &str) -> Result<Vec<String>, String> {
    split_row_by(header, text, Width::Display)
}

/// [`split_row`], counting columns by `width`.
pub(crate) fn split_row_by(
    header: &Header,
    text: &str,
    width: Width,
) -> Result<Vec<String>, String> {
    let n = header.columns.len();
    let mut cells: Vec<String> = vec![String::new(); n];
    // Display column where the first non-space character of each cell starts.
    let mut first: Vec<Option<usize>> = vec![None; n];
    let mut col = 0usize;
    let mut current = 0usize;
    for c in text.chars() {
        if c.is_control() {
            return Err(format!(
                "it contains a control character (U+{:04X}) at column {}",
                c as u32,
                col + 1
            ));
        }
        let w = width.of(c);
        while current + 1 < n && col >= header.columns[current + 1].start {
            current += 1;
        }
        if c != ' ' {
            let start = header.columns[current].start;
            if current + 1 < n {
                let end = header.columns[current + 1].start;
                if col + w > end.saturating_sub(GAP) {
                    return Err(format!(
                        "the text at column {} runs into the gap before column `{}` (which starts at column {}): cells are not where the header puts them",
                        col + 1,
                        header.columns[current + 1].name,
                        end + 1
                    ));
                }
            }
            if first[current].is_none() {
                first[current] = Some(col);
                if col != start {
                    return Err(format!(
                        "the `{}` cell starts at column {}, not at column {} where the header puts it",
                        header.columns[current].name,
                        col + 1,
                        start + 1
                    ));
                }
            }
        }
        if first[current].is_some() {
            cells[current].push(c);
        }
        col += w;
    }
    for cell in &mut cells {
        let trimmed = cell.trim_end().len();
        cell.truncate(trimmed);
    }
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["name", "service", "plan", "bound apps", "last operation"];

    fn header(text: &str) -> Header {
        parse_header(3, text, KNOWN).unwrap().unwrap()
    }

    #[test]
    fn header_words_keep_their_single_spaces() {
        let h = header("name   service   plan   bound apps   last operation");
        assert_eq!(
            h.names(),
            vec!["name", "service", "plan", "bound apps", "last operation"]
        );
        assert_eq!(h.columns[3].start, 24);
        assert!(
            parse_header(1, "name   colour", KNOWN)
                .unwrap()
                .unwrap_err()
                .contains("`colour`")
        );
        assert!(parse_header(1, "nothing", KNOWN).is_none());
    }

    #[test]
    fn cells_with_spaces_and_empty_cells() {
        let h = header("name   plan     bound apps   last operation");
        assert_eq!(
            split_row(&h, "db     x        a, b         create succeeded").unwrap(),
            vec!["db", "x", "a, b", "create succeeded"]
        );
        assert!(
            split_row(&h, "ups                 a")
                .unwrap_err()
                .contains("starts at column 21")
        );
        assert_eq!(split_row(&h, "ups").unwrap(), vec!["ups", "", "", ""]);
        assert!(
            split_row(&h, "a-very-long-name x")
                .unwrap_err()
                .contains("runs into the gap")
        );
    }

    /// Issue 9 item 16: the v6 legacy table pads by `visibleSize` (3-byte characters two
    /// columns, others one), not by display width: `€` counts two, an emoji one.
    #[test]
    fn v6_legacy_rows_are_read_by_visible_size() {
        let h = header("name        plan");
        // v6.15+: `a€€` is 5 columns to cf (1 + 2 + 2), so 7 spaces of padding + 3 of gap
        // put `plan` at column 12, though on screen it stands at column 10.
        let euro = "a€€       p";
        assert_eq!(
            split_row_by(&h, euro, Width::V6Legacy).unwrap(),
            vec!["a€€", "p"]
        );
        assert!(split_row(&h, euro).is_err(), "by display width it shifts");
        // An emoji: 4 bytes, one column to cf, two on screen.
        let emoji = "a🚀          p";
        assert_eq!(
            split_row_by(&h, emoji, Width::V6Legacy).unwrap(),
            vec!["a🚀", "p"]
        );
        assert!(split_row(&h, emoji).is_err());
        // Up to v6.14 every character is one column.
        let runes = "a€€         p";
        assert_eq!(
            split_row_by(&h, runes, Width::V6Runes).unwrap(),
            vec!["a€€", "p"]
        );
        assert!(split_row_by(&h, runes, Width::V6Legacy).is_err());
        // CJK is two columns by every rule but the oldest.
        assert_eq!(
            split_row_by(&h, "通知db      p", Width::V6Legacy).unwrap(),
            split_row(&h, "通知db      p").unwrap()
        );
    }

    #[test]
    fn wide_characters_take_two_columns() {
        let h = header("name     plan");
        assert_eq!(split_row(&h, "通知db   p").unwrap(), vec!["通知db", "p"]);
        assert!(split_row(&h, "通知dbx  p").is_err());
    }
}
