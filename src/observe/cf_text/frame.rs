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
    let mut target: Result<Target, String> = Err(format!(
        "no first line `{}` before the data: cannot tell which org and space this output is for",
        want.first_line
    ));
    let mut command = None;
    let mut first_seen = false;
    let mut ok_line = false;
    let mut gaps = Vec::new();
    let mut empty: Option<usize> = None;
    let mut header: Option<Header> = None;
    let mut rest: &[Line] = &[];

    for (i, line) in lines.iter().enumerate() {
        match lines::aside(&line.text) {
            Some(Aside::Blank | Aside::Notice) => continue,
            Some(Aside::Ok) => {
                ok_line = true;
                continue;
            }
            Some(Aside::Failed) => return Err(failed(&lines[i..], line.number)),
            None => {}
        }
        if !first_seen && let Some(first) = header::parse(&line.text) {
            first_seen = true;
            if !want.commands.contains(&first.command) {
                return Err(format!(
                    "line {} is the first line of {}, not of {}",
                    line.number,
                    first.command.describe(),
                    want.name
                ));
            }
            command = Some(first.command);
            target = first.target.map_err(|why| {
                format!(
                    "the first line (line {}) does not name org and space: {why}; expected `{}`",
                    line.number, want.first_line
                )
            });
            continue;
        }
        if first_seen && header::parse(&line.text).is_some() {
            gaps.push(another_capture(line));
            break;
        }
        if empty.is_some() {
            gaps.push(format!(
                "line {}: unexpected text after the empty-space message: `{}`",
                line.number,
                excerpt(&line.text, 60)
            ));
            continue;
        }
        if want.empty.contains(&line.text.trim()) {
            empty = Some(line.number);
            continue;
        }
        match table::parse_header(line.number, &line.text, want.columns) {
            Some(Ok(h)) => {
                header = Some(h);
                rest = &lines[i + 1..];
                break;
            }
            Some(Err(why)) => return Err(format!("{why}: cannot read the table")),
            None => {
                if !first_seen {
                    first_seen = true;
                    target = Err(format!(
                        "the first line (line {}) is not `{}` but `{}`: cannot tell which org and space this output is for",
                        line.number,
                        want.first_line,
                        excerpt(&line.text, 60)
                    ));
                }
                gaps.push(format!(
                    "line {}: not understood before the table: `{}`",
                    line.number,
                    excerpt(&line.text, 60)
                ));
            }
        }
    }

    let body = match (header, empty) {
        (Some(header), _) => {
            let gaps_before_rows = gaps.len();
            let mut rows = Vec::new();
            for line in rest {
                // A row whose name happens to read `OK` or `WARNING: ...` is still a row.
                let row_like = || {
                    table::split_row(&header, &line.text)
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
                match table::split_row(&header, &line.text) {
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
            Body::Table { header, rows }
        }
        (None, Some(line)) => Body::Empty(line),
        (None, None) => {
            return Err(if first_seen && target.is_ok() {
                format!(
                    "no table header (a line starting with `name`) and no `{}` message after the first line: the output is cut off or not {}",
                    want.empty[0], want.name
                )
            } else {
                format!(
                    "no first line `{}`, no table header and no `{}` message: this is not {} output",
                    want.first_line, want.empty[0], want.name
                )
            });
        }
    };
    Ok(Frame {
        target,
        command,
        ok_line,
        body,
        gaps,
    })
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
