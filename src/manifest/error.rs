//! The one error type of manifest reading: what is wrong, in which file, where, and what would
//! be valid. Messages never contain a value from `env:` or from a vars file's unused entries.

use super::node::Pos;
use std::fmt;

/// A manifest or vars file that `cf push` would refuse, or that archcheck cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// The file as the user named it (or `--var` for a command-line variable).
    pub file: String,
    /// 1-based; 0 when the error has no position.
    pub line: u64,
    /// 1-based; 0 when the error has no position.
    pub column: u64,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What would be valid.
    pub help: Option<String>,
}

impl ManifestError {
    pub(crate) fn new(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        ManifestError {
            file: file.to_owned(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )?;
        } else {
            write!(f, "{}: {}", self.file, self.message)?;
        }
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ManifestError {}
