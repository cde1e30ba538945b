//! The JSON report: a versioned document (`format_version` 1) with one object per check.
//! Every field is documented in the README's "Verify after a deploy" section; a change to the
//! shape bumps `format_version`.

use super::{Counts, Reporter, headline};
use crate::model::Model;
use crate::verify::{Check, Status, Verdict};
use serde::Serialize;

/// The version of the document's shape.
pub(crate) const FORMAT_VERSION: u32 = 1;

pub(crate) struct JsonReport {
    /// How `verify --wait` went, when it waited: the document's `wait`.
    pub wait: Option<super::WaitSummary>,
}

/// The document, for a caller that adds fields to it (`watch`'s `/status`) and serializes
/// it itself.
#[derive(Serialize)]
pub(crate) struct Document<'a> {
    format_version: u32,
    system: &'a str,
    status: Status,
    exit_code: u8,
    pub(crate) headline: String,
    /// Values read from the live state that nobody has reviewed (only when there are any).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unreviewed_observed: Vec<String>,
    pub(crate) environments: Vec<Environment<'a>>,
    checks: &'a [Check],
    #[serde(skip_serializing_if = "Option::is_none")]
    wait: Option<super::WaitSummary>,
}

/// One environment of the document.
#[derive(Serialize)]
pub(crate) struct Environment<'a> {
    pub(crate) name: &'a str,
    status: Status,
    sources: &'a [String],
    counts: Counts,
    /// Only in `watch`'s `/status`: the environment's headline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) headline: Option<String>,
}

impl<'a> Document<'a> {
    /// The document of `verdict`, its headline given (a caller may have it made already).
    pub(crate) fn new(
        verdict: &'a Verdict,
        model: &Model,
        headline: String,
        wait: Option<super::WaitSummary>,
    ) -> Document<'a> {
        Document {
            format_version: FORMAT_VERSION,
            system: &verdict.system,
            status: verdict.status,
            exit_code: verdict.status.exit_code(),
            headline,
            unreviewed_observed: super::unreviewed_observed(model),
            environments: verdict
                .environments
                .iter()
                .map(|e| Environment {
                    name: &e.name,
                    status: e.status,
                    sources: &e.sources,
                    counts: Counts::of(verdict.checks_for(&e.name)),
                    headline: None,
                })
                .collect(),
            checks: &verdict.checks,
            wait,
        }
    }
}

impl Reporter for JsonReport {
    fn report(&self, verdict: &Verdict, model: &Model) -> anyhow::Result<Vec<u8>> {
        let doc = Document::new(verdict, model, headline(verdict), self.wait);
        let mut bytes = serde_json::to_vec_pretty(&doc)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
