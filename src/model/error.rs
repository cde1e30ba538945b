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
    pub file: String,
    pub text: Option<String>,
    pub problems: Vec<Problem>,
}

impl ModelError {
    pub fn single(file: &str, text: Option<String>, problem: Problem) -> Self {
        ModelError {
            file: file.to_owned(),
            text,
            problems: vec![problem],
        }
    }

    /// Line and column (1-based, columns in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> Option<(usize, usize)> {
        let text = self.text.as_deref()?;
        let offset = offset.min(text.len());
        let before = text.get(..offset)?;
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        Some((line, col))
    }
}

impl std::error::Error for ModelError {}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = term::Config::default();
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let message = match &p.path {
                Some(path) if !path.0.is_empty() => format!("{path}: {}", p.message),
                _ => p.message.clone(),
            };
            match (&self.text, p.offset) {
                (Some(text), Some(offset)) => {
                    let file = SimpleFile::new(self.file.as_str(), text.as_str());
                    let start = offset.min(text.len());
                    let end = text[start..]
                        .char_indices()
                        .nth(1)
                        .map_or(text.len(), |(i, _)| start + i);
                    let mut d = Diagnostic::error()
                        .with_message(message)
                        .with_labels(vec![Label::primary((), start..end)]);
                    if let Some(help) = &p.help {
                        d = d.with_notes(vec![format!("help: {help}")]);
                    }
                    let (line, col) = self.line_col(offset).unwrap_or((1, 1));
                    // The first line carries file:line:col so that editors and grep find it.
                    writeln!(f, "{}:{line}:{col}: error", self.file)?;
                    match term::emit_into_string(&config, &file, &d) {
                        Ok(s) => f.write_str(s.trim_end())?,
                        Err(_) => write!(f, "error: {}", d.message)?,
                    }
                }
                _ => {
                    write!(f, "{}: error: {message}", self.file)?;
                    if let Some(help) = &p.help {
                        write!(f, "\n  = help: {help}")?;
                    }
                }
            }
        }
        Ok(())
    }
}
