//! The frame shared by `cf services` and `cf apps` captures: the first line (command and
//! target), the `OK`/`WARNING:`/`TIP:` lines around the data, the empty-space message, the
//! table header, and the data lines under it. Each parser then reads the cells of its rows.

use super::Target;
use super::header::{self, Command};
use super::lines::{self, Aside, Line, excerpt};
use super::locale;
use super::table::{self, Header, Width};
use std::collections::{HashMap, HashSet};

/// What a parser looks for.
pub(crate) struct Want {
    /// e.g. "`cf services`".
    pub name: &'static str,
    /// The first lines this command prints.
    pub commands: &'static [Command],
    /// e.g. `Getting services in org O / space S as U...`, for messages.
    pub first_line: &'static str,
    /// Header words this parser knows.
    pub columns: &'static [&'static str],
    /// Messages printed instead of a table when the space is empty.
    pub empty: &'static [&'static str],
}

/// A capture's structure, before its cells are read.
pub(crate) struct Frame {
    /// The target, or why it could not be read.
    pub target: Result<Target, String>,
    /// The command named by the first line, when there is one.
    pub command: Option<Command>,
    /// Whether an `OK` line came before the data (v6).
    pub ok_line: bool,
    /// How many lines cf printed between the first line and the table (or the empty-space
    /// message) that are none of its own: warnings the Cloud Controller sent, which v6.35+ and
    /// v7/v8 print as they are, without a prefix, on stderr (captured with `2>&1`).
    pub warnings: usize,
    pub body: Body,
    /// Lines not understood (with line numbers).
    pub gaps: Vec<String>,
}

pub(crate) enum Body {
    /// Output archcheck does not read (cf's output in another language), and why.
    Refused(String),
    /// The empty-space message.
    Empty,
    /// A header and the data rows under it, each split into cells by the header's offsets.
    Table {
        header: Header,
        rows: Vec<(usize, Vec<String>)>,
    },
}

/// Reads the frame, or says why the capture cannot be read at all.
pub(crate) fn read(text: &str, want: &Want) -> Result<Frame, String> {
    if let Some(reason) = lines::unreadable(text) {
        return Err(reason);
    }
    let lines = lines::lines(text);
    let mut pre = Preamble::new(want);
    let table = pre.scan(&lines)?;
    let mut gaps = pre.gaps;
    let body = match (table, pre.empty) {
        _ if pre.refused.is_some() => Body::Refused(pre.refused.unwrap_or_default()),
        (Some((header, rest)), _) => {
            gaps.extend(rows_before_the_header(&header, &pre.warnings));
            let width = width_of(&header, rest, pre.ok_line);
            Body::Table {
                rows: read_rows(&header, rest, want, width, &mut gaps),
                header,
            }
        }
        (None, Some(_)) => Body::Empty,
        (None, None) => return Err(no_table(want, pre.first_seen && pre.target.is_ok())),
    };
    Ok(Frame {
        target: pre.target,
        command: pre.command,
        ok_line: pre.ok_line,
        warnings: pre.warnings.len(),
        body,
        gaps,
    })
}

/// What the lines before the table say: the first line, an `OK` line, an empty-space
/// message, lines not understood.
struct Preamble<'w> {
    want: &'w Want,
    target: Result<Target, String>,
    command: Option<Command>,
    /// Whether the first line (or what stands in its place) was read.
    first_seen: bool,
    ok_line: bool,
    gaps: Vec<String>,
    /// Lines between the first line and the table that cf printed besides its own (warnings).
    warnings: Vec<Line>,
    /// The line of the empty-space message.
    empty: Option<usize>,
    /// Why the capture is not read, when it is cf's output in another language.
    refused: Option<String>,
}

impl<'w> Preamble<'w> {
    fn new(want: &'w Want) -> Self {
        Preamble {
            want,
            target: Err(format!(
                "no first line `{}` before the data: cannot tell which org and space this output is for",
                want.first_line
            )),
            command: None,
            first_seen: false,
            ok_line: false,
            gaps: Vec::new(),
            warnings: Vec::new(),
            empty: None,
            refused: None,
        }
    }

    /// Reads up to the table header; the header and the lines under it, when there is one.
    fn scan<'l>(&mut self, lines: &'l [Line]) -> Result<Option<(Header, &'l [Line])>, String> {
        let want = self.want;
        for (i, line) in lines.iter().enumerate() {
            match lines::aside(&line.text) {
                Some(Aside::Blank | Aside::Notice) => continue,
                Some(Aside::Ok) => {
                    self.ok_line = true;
                    continue;
                }
                Some(Aside::Failed) => return Err(failed(&lines[i..], line.number)),
                None => {}
            }
            if !self.first_seen
                && let Some(first) = header::parse(&line.text)
            {
                self.first_line(line, first)?;
                if self.refused.is_some() {
                    return Ok(None);
                }
                continue;
            }
            if self.first_seen && header::parse(&line.text).is_some() {
                self.gaps.push(another_capture(line));
                break;
            }
            if self.empty.is_some() {
                self.gaps.push(format!(
                    "line {}: unexpected text after the empty-space message: `{}`",
                    line.number,
                    excerpt(&line.text, 60)
                ));
                continue;
            }
            if want.empty.contains(&line.text.trim()) {
                self.empty = Some(line.number);
                continue;
            }
            match table::parse_header(line.number, &line.text, want.columns) {
                Some(Ok(h)) => return Ok(Some((h, &lines[i + 1..]))),
                Some(Err(why)) => return Err(format!("{why}: cannot read the table")),
                // A header in another language (the first line may stay English where the
                // CLI has no translation of it, e.g. v8's `Getting service instances`).
                None if locale::header(&line.text) => {
                    self.refused = Some(locale::refusal(
                        line.number,
                        &format!("{} output with a table header", want.name),
                        "another language",
                    ));
                    return Ok(None);
                }
                // After cf's own first line and before its table, cf v6.35+, v7 and v8 print
                // nothing of their own but the Cloud Controller's warnings (`Stats server
                // temporarily unavailable.`), as they are: never a row, and no gap in the
                // table. The v6 legacy code (the one that prints `OK`) prints them after the
                // output instead, so there such a line stays a gap.
                None if self.command.is_some() && !self.ok_line => self.warnings.push(line.clone()),
                None => self.not_understood(line),
            }
        }
        Ok(None)
    }

    /// The first line: refused when it is another command's.
    fn first_line(&mut self, line: &Line, first: header::FirstLine) -> Result<(), String> {
        let want = self.want;
        self.first_seen = true;
        if !want.commands.contains(&first.command) {
            return Err(format!(
                "line {} is the first line of {}, not of {}",
                line.number,
                first.command.describe(),
                want.name
            ));
        }
        self.command = Some(first.command);
        if let Some(language) = first.localized {
            self.target = first.target;
            self.refused = Some(locale::refusal(
                line.number,
                &format!("{} output", want.name),
                language,
            ));
            return Ok(());
        }
        self.target = first.target.map_err(|why| {
            format!(
                "the first line (line {}) does not name org and space: {why}; expected `{}`",
                line.number, want.first_line
            )
        });
        Ok(())
    }

    /// A line before the table that is nothing known; when it stands where the first line
    /// should, the target cannot be told.
    fn not_understood(&mut self, line: &Line) {
        if !self.first_seen {
            self.first_seen = true;
            self.target = Err(format!(
                "the first line (line {}) is not `{}` but `{}`: cannot tell which org and space this output is for",
                line.number,
                self.want.first_line,
                excerpt(&line.text, 60)
            ));
        }
        self.gaps.push(format!(
            "line {}: not understood before the table: `{}`",
            line.number,
            excerpt(&line.text, 60)
        ));
    }
}

/// A line taken for a warning before the header that fits the header's columns like a row
/// (a name and more cells where the header puts them) may be a row of a garbled table: a gap,
/// never silently passed over. Warnings are prose and never fit.
fn rows_before_the_header(header: &Header, warnings: &[Line]) -> Vec<String> {
    warnings
        .iter()
        .filter(|line| {
            table::split_row(header, &line.text)
                .is_ok_and(|cells| cells.iter().filter(|c| !c.is_empty()).count() >= 2)
        })
        .map(|line| {
            format!(
                "line {}: stands before the table header (line {}) but fits its columns like a row: the table may be garbled: `{}`",
                line.number,
                header.line,
                excerpt(&line.text, 60)
            )
        })
        .collect()
}

/// How the CLI that printed the table counted widths. The v6 legacy table (the code that
/// prints `OK` before it: every v6 `cf apps`, with its `instances` column, and `cf services` up
/// to 6.34) counts by its own rule, which changed in v6.15: the one under which more rows fit
/// is the one that printed them (a table is printed by one CLI; ASCII rows fit both). Every
/// other table counts display columns.
fn width_of(header: &Header, rest: &[Line], ok_line: bool) -> Width {
    if !ok_line && header.index("instances").is_none() {
        return Width::Display;
    }
    let fits = |width: Width| {
        rest.iter()
            .filter(|l| table::split_row_by(header, &l.text, width).is_ok())
            .count()
    };
    if fits(Width::V6Runes) > fits(Width::V6Legacy) {
        Width::V6Runes
    } else {
        Width::V6Legacy
    }
}

/// The data rows under the header, split into cells; what does not fit is a gap.
fn read_rows(
    header: &Header,
    rest: &[Line],
    want: &Want,
    width: Width,
    gaps: &mut Vec<String>,
) -> Vec<(usize, Vec<String>)> {
    let gaps_before_rows = gaps.len();
    let mut rows = Vec::new();
    for line in rest {
        // A row whose name happens to read `OK` or `WARNING: ...` is still a row.
        let row_like = || {
            table::split_row_by(header, &line.text, width)
                .is_ok_and(|cells| cells.iter().skip(1).any(|c| !c.is_empty()))
        };
        match lines::aside(&line.text) {
            Some(Aside::Blank) => continue,
            Some(Aside::Notice) if !row_like() => continue,
            Some(Aside::Failed) if !row_like() => {
                gaps.push(format!(
                    "line {}: cf reported FAILED after the table: the list may be incomplete",
                    line.number
                ));
                continue;
            }
            _ => {}
        }
        if header::parse(&line.text).is_some() {
            gaps.push(another_capture(line));
            break;
        }
        match table::split_row_by(header, &line.text, width) {
            Ok(cells) => rows.push((line.number, cells)),
            Err(why) => gaps.push(format!(
                "line {}: does not fit the columns of the header on line {}: {why}: `{}`",
                line.number,
                header.line,
                excerpt(&line.text, 60)
            )),
        }
    }
    if rows.is_empty() && gaps.len() == gaps_before_rows {
        gaps.push(format!(
            "line {}: the table header is not followed by any row: the output is cut off (cf prints `{}` for an empty space)",
            header.line, want.empty[0]
        ));
    }
    rows
}

/// Why a capture with neither a table header nor an empty-space message cannot be read;
/// `targeted` when a first line named org and space.
fn no_table(want: &Want, targeted: bool) -> String {
    if targeted {
        format!(
            "no table header (a line starting with `name`) and no `{}` message after the first line: the output is cut off or not {}",
            want.empty[0], want.name
        )
    } else {
        format!(
            "no first line `{}`, no table header and no `{}` message: this is not {} output",
            want.first_line, want.empty[0], want.name
        )
    }
}

/// The gap where a second capture starts. Nothing after it is read, nor quoted: it may be
/// `cf env` output, which holds credentials.
fn another_capture(line: &Line) -> String {
    format!(
        "line {}: another capture starts here (`{}`); it and the lines after it were not read; give one capture per file",
        line.number,
        excerpt(&line.text, 60)
    )
}

/// Reads each data row with `read`. A row that does not read is a gap; so is a name listed
/// twice, and then none of its rows is kept: rows that disagree cannot both be true. `what`
/// names a row's subject in the gap (`app`, `instance`).
pub(crate) fn unique_rows<T>(
    rows: &[(usize, Vec<String>)],
    what: &str,
    name: impl Fn(&T) -> &str,
    mut read: impl FnMut(&[String]) -> Result<T, String>,
    gaps: &mut Vec<String>,
) -> Vec<T> {
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    let mut twice: HashSet<String> = HashSet::new();
    let mut kept = Vec::new();
    for (number, cells) in rows {
        match read(cells) {
            Ok(item) => {
                let n = name(&item);
                if let Some(first) = first_line_of.get(n) {
                    gaps.push(format!(
                        "line {number}: {what} `{}` is listed twice (first on line {first})",
                        excerpt(n, 60)
                    ));
                    twice.insert(n.to_owned());
                    continue;
                }
                first_line_of.insert(n.to_owned(), *number);
                kept.push(item);
            }
            Err(why) => gaps.push(format!("line {number}: {why}")),
        }
    }
    kept.retain(|t| !twice.contains(name(t)));
    kept
}

/// The layout, with the number of warning lines cf printed before the table, if any.
pub(crate) fn layout_with_warnings(layout: String, warnings: usize) -> String {
    match warnings {
        0 => layout,
        1 => format!("{layout}, after 1 warning line"),
        n => format!("{layout}, after {n} warning lines"),
    }
}

/// `cf reported FAILED at line N: <the next line>`.
fn failed(from: &[Line], number: usize) -> String {
    let detail = from
        .iter()
        .skip(1)
        .find(|l| !l.text.trim().is_empty())
        .map(|l| format!(": {}", excerpt(&l.text, 100)))
        .unwrap_or_default();
    format!("cf reported FAILED at line {number}{detail}")
}

#[cfg(test)]
mod tests {
    use super::super::{parse_apps, parse_services};
    use crate::observe::Coverage;

    const APPS: &str = "Getting apps in org cap / space staging as u...\n\n";
    const APPS_TABLE: &str = "\
name                requested state   processes   routes
c2-staging          started           web:1/1     c2-staging.18f.gov
c2-staging-worker   started           web:0/1     
";

    /// Issue 9 item 15: the Cloud Controller's warnings, printed as they are between the first
    /// line and the table (v7/v8 `cf apps`, several times), are not rows and leave no gap.
    #[test]
    fn warnings_before_the_table_are_not_rows() {
        let warning = "Stats server temporarily unavailable.\n";
        let text = format!("{APPS}{warning}{warning}{APPS_TABLE}");
        let c = parse_apps(&text);
        let Coverage::Seen(seen) = &c.part else {
            panic!("{c:?}")
        };
        assert_eq!(seen.gaps, Vec::<String>::new());
        assert_eq!(seen.apps.len(), 2);
        assert_eq!(
            c.layout.as_deref(),
            Some("cf apps (v7/v8), after 2 warning lines")
        );
        // v6.35+ `cf services`: the warnings, then a blank line (v6's DisplayWarnings).
        let services = "Getting services in org cap / space staging as u...\n\nSome warning from the Cloud Controller\n\nname   service   plan   bound apps   last operation     broker   upgrade available\ndb     aws-rds   p      web          create succeeded   b        no\n";
        let c = parse_services(services);
        let Coverage::Seen(seen) = &c.part else {
            panic!("{c:?}")
        };
        assert!(seen.gaps.is_empty(), "{:?}", seen.gaps);
        assert_eq!(seen.instances.len(), 1);
        // Before an empty-space message too.
        let c = parse_apps(&format!("{APPS}{warning}No apps found\n"));
        assert_eq!(c.part, Coverage::Seen(Default::default()));
    }

    /// A line inside the table that is not understood stays a gap, and so does a line before
    /// the header that fits its columns like a row.
    #[test]
    fn a_line_not_understood_inside_the_table_stays_a_gap() {
        let warning = "Stats server temporarily unavailable.\n";
        let c = parse_apps(&format!("{APPS}{APPS_TABLE}{warning}"));
        let Coverage::Seen(seen) = &c.part else {
            panic!("{c:?}")
        };
        assert_eq!(seen.gaps.len(), 1, "{:?}", seen.gaps);
        assert!(
            seen.gaps[0].starts_with("line 6: does not fit"),
            "{:?}",
            seen.gaps
        );
        let row_before = "c2-staging-db       started           web:1/1     x.gov\n";
        let c = parse_apps(&format!("{APPS}{row_before}{APPS_TABLE}"));
        let Coverage::Seen(seen) = &c.part else {
            panic!("{c:?}")
        };
        assert_eq!(seen.gaps.len(), 1, "{:?}", seen.gaps);
        assert!(
            seen.gaps[0].starts_with("line 3: stands before the table header (line 4)"),
            "{:?}",
            seen.gaps
        );
    }
}
