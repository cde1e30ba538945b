//! Errors in a model file, each located by file, line, column and JSON path.

use super::json_path::JsonPath;
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;
use std::fmt;

/// One thing wrong with a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the document, when known.
    pub path: Option<JsonPath>,
    /// Byte offset in the text, when known.
    pub offset: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What would be valid.
    pub help: Option<String>,
}

impl Problem {
    pub fn new(message: impl Into<String>) -> Self {
        Problem {
            path: None,
            offset: None,
            message: message.into(),
            help: None,
        }
    }
    pub fn at(path: JsonPath, message: impl Into<String>) -> Self {
        Problem {
            path: Some(path),
            ..Problem::new(message)
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A model that could not be loaded: the file's name, its text (when it is text) and every
/// problem found.
#[derive(Debug, Clone)]
pub struct ModelError {
    /// The file as the user named it.
    pub file: String,
    /// Its text, for the excerpts under each problem; `None` when it is not text.
    pub text: Option<String>,
    /// Every problem found, in the order of the file.
    pub problems: Vec<Problem>,
}

impl ModelError {
    pub(crate) fn single(file: &str, text: Option<String>, problem: Problem) -> Self {
        ModelError {
            file: file.to_owned(),
            text,
            problems: vec![problem],
        }
    }

    /// Line and column (1-based, columns in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> Option<(usize, usize)> {
        line_col(self.text.as_deref()?, offset)
    }
}

impl std::error::Error for ModelError {}

/// The most characters of the offending line shown on each side of the error.
const EXCERPT_RADIUS: usize = 60;

/// A file whose columns are shifted right by `shift` characters: an [`excerpt`] still shows
/// the true column.
struct Shifted<'a> {
    file: SimpleFile<&'a str, &'a str>,
    shift: usize,
}

impl<'a> codespan_reporting::files::Files<'a> for Shifted<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        codespan_reporting::files::Files::name(&self.file, ())
    }
    fn source(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        codespan_reporting::files::Files::source(&self.file, ())
    }
    fn line_index(
        &'a self,
        (): (),
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        self.file.line_index((), byte)
    }
    fn line_range(
        &'a self,
        (): (),
        line: usize,
    ) -> Result<std::ops::Range<usize>, codespan_reporting::files::Error> {
        self.file.line_range((), line)
    }
    fn column_number(
        &'a self,
        (): (),
        line: usize,
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.file.column_number((), line, byte)? + self.shift)
    }
}

/// The text to show for an error at byte `offset`, the offset in it, and how many characters
/// its columns are shifted: the text itself, or, when the offending line is long (a minified
/// model is one line), the same number of lines with that line cut to a window around the
/// error, so the message stays one screen.
fn excerpt(text: &str, offset: usize) -> (std::borrow::Cow<'_, str>, usize, usize) {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[line_start..line_end];
    if line.chars().count() <= 2 * EXCERPT_RADIUS + 20 {
        return (std::borrow::Cow::Borrowed(text), offset, 0);
    }
    let at = offset - line_start;
    let from = line[..at]
        .char_indices()
        .rev()
        .nth(EXCERPT_RADIUS - 1)
        .map_or(0, |(i, _)| i);
    let to = line[at..]
        .char_indices()
        .nth(EXCERPT_RADIUS)
        .map_or(line.len(), |(i, _)| at + i);
    let mut shown = "\n".repeat(text[..line_start].matches('\n').count());
    let mut shift = line[..from].chars().count();
    if from > 0 {
        shown.push('…');
        shift -= 1;
    }
    let start = shown.len() + (at - from);
    shown.push_str(&line[from..to]);
    if to < line.len() {
        shown.push('…');
    }
    (std::borrow::Cow::Owned(shown), start, shift)
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        render(
            f,
            &self.file,
            self.text.as_deref(),
            &self.problems,
            Severity::Error,
        )
    }
}

/// How bad a [`Problem`] is, as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Severity {
    Error,
    Warning,
}

/// What a valid model still asks a person to look at (its review marks), located like errors.
#[derive(Debug, Clone, Default)]
pub struct ModelWarnings {
    /// The file as the user named it.
    pub file: String,
    /// Its text, for the excerpts under each problem; `None` when it is not text.
    pub text: Option<String>,
    /// Every problem found, in the order of the file.
    pub problems: Vec<Problem>,
}

impl ModelWarnings {
    pub fn new(file: &str, text: Option<String>, problems: Vec<Problem>) -> Self {
        ModelWarnings {
            file: file.to_owned(),
            text,
            problems,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn len(&self) -> usize {
        self.problems.len()
    }
}

impl fmt::Display for ModelWarnings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        render(
            f,
            &self.file,
            self.text.as_deref(),
            &self.problems,
            Severity::Warning,
        )
    }
}

/// Line and column (1-based, columns in characters) of a byte offset of `text`.
fn line_col(text: &str, offset: usize) -> Option<(usize, usize)> {
    let offset = offset.min(text.len());
    let before = text.get(..offset)?;
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    Some((line, col))
}

fn render(
    f: &mut fmt::Formatter<'_>,
    file_name: &str,
    text: Option<&str>,
    problems: &[Problem],
    severity: Severity,
) -> fmt::Result {
    let config = term::Config::default();
    let word = match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            writeln!(f)?;
        }
        let message = match &p.path {
            Some(path) if !path.0.is_empty() => format!("{path}: {}", p.message),
            _ => p.message.clone(),
        };
        match (text, p.offset) {
            (Some(text), Some(offset)) => {
                let (shown, start, shift) = excerpt(text, offset.min(text.len()));
                let file = Shifted {
                    file: SimpleFile::new(file_name, shown.as_ref()),
                    shift,
                };
                let end = shown[start..]
                    .char_indices()
                    .nth(1)
                    .map_or(shown.len(), |(i, _)| start + i);
                let d = match severity {
                    Severity::Error => Diagnostic::error(),
                    Severity::Warning => Diagnostic::warning(),
                };
                let mut d = d
                    .with_message(message)
                    .with_labels(vec![Label::primary((), start..end)]);
                if let Some(help) = &p.help {
                    d = d.with_notes(vec![format!("help: {help}")]);
                }
                let (line, col) = line_col(text, offset).unwrap_or((1, 1));
                // The first line carries file:line:col so that editors and grep find it.
                writeln!(f, "{file_name}:{line}:{col}: {word}")?;
                match term::emit_into_string(&config, &file, &d) {
                    Ok(s) => f.write_str(s.trim_end())?,
                    Err(_) => write!(f, "{word}: {}", d.message)?,
                }
            }
            _ => {
                write!(f, "{file_name}: {word}: {message}")?;
                if let Some(help) = &p.help {
                    write!(f, "\n  = help: {help}")?;
                }
            }
        }
    }
    Ok(())
}
