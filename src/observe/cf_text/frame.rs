//! The frame shared by `cf services` and `cf apps` captures: the first line (command and
//! target), the `OK`/`WARNING:`/`TIP:` lines around the data, the empty-space message, the
//! table header, and the data lines under it. Each parser then reads the cells of its rows.

use super::Target;
use super::header::{self, Command};
use super::lines::{self, Aside, Line, excerpt};
use super::table::{self, Header};

/// What a parser looks for.
pub struct Want {
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
pub struct Frame {
    /// The target, or why it could not be read.
    pub target: Result<Target, String>,
    /// The command named by the first line, when there is one.
    pub command: Option<Command>,
    /// Whether an `OK` line came before the data (v6).
    pub ok_line: bool,
    pub body: Body,
    /// Lines not understood (with line numbers).
    pub gaps: Vec<String>,
}

pub enum Body {
    /// The empty-space message, at this line.
    Empty(usize),
    /// A header and the data rows under it, each split into cells by the header's offsets.
    Table {
        header: Header,
        rows: Vec<(usize, Vec<String>)>,
    },
}

/// Reads the frame, or says why the capture cannot be read at all.
pub fn read(text: &str, want: &Want) -> Result<Frame, String> {
    if let Some(reason) = lines::unreadable(text) {
        return Err(reason);
    }
    let lines = lines::lines(text);
    let mut pre = Preamble::new(want);
    let table = pre.scan(&lines)?;
    let mut gaps = pre.gaps;
    let body = match (table, pre.empty) {
        (Some((header, rest)), _) => Body::Table {
            rows: read_rows(&header, rest, want, &mut gaps),
            header,
        },
        (None, Some(line)) => Body::Empty(line),
        (None, None) => return Err(no_table(want, pre.first_seen && pre.target.is_ok())),
    };
    Ok(Frame {
        target: pre.target,
        command: pre.command,
        ok_line: pre.ok_line,
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
    /// The line of the empty-space message.
    empty: Option<usize>,
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
            empty: None,
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

/// The data rows under the header, split into cells; what does not fit is a gap.
fn read_rows(
    header: &Header,
    rest: &[Line],
    want: &Want,
    gaps: &mut Vec<String>,
) -> Vec<(usize, Vec<String>)> {
    let gaps_before_rows = gaps.len();
    let mut rows = Vec::new();
    for line in rest {
        // A row whose name happens to read `OK` or `WARNING: ...` is still a row.
        let row_like = || {
            table::split_row(header, &line.text)
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
        match table::split_row(header, &line.text) {
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
