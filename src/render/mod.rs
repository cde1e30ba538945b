//! Architecture diagrams from the model: DOT ([`dot`](mod@dot)), Mermaid
//! ([`mermaid`](mod@mermaid)), and SVG through Graphviz ([`svg`](mod@svg)), optionally with a
//! verdict drawn on them.
//!
//! - [`style`]: ids, shapes, colours and escaping shared by every format.
//! - [`overlay`]: the status of each node and edge read from a verdict.
//! - [`scope`]: what is drawn: a `--focus` neighbourhood, and environments too large to lay
//!   out drawn aggregated.

mod dot;
mod mermaid;
pub(crate) mod overlay;
pub(crate) mod scope;
pub(crate) mod style;
mod svg;

use crate::model::{Environment, Model, UnknownEnvironment};
use crate::verify::Verdict;

/// What to draw.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions<'a> {
    /// One environment only; `None` draws all, one cluster each.
    pub env: Option<&'a str>,
    /// Colour nodes and edges by these checks.
    pub verdict: Option<&'a Verdict>,
    /// Only this app's or service instance's neighbourhood (an id of `apps` or `services`).
    pub focus: Option<&'a str>,
    /// Every node even when the drawing is too large to lay out (see [`scope`]).
    pub full: bool,
}

/// The diagram as Graphviz DOT source.
pub fn dot(model: &Model, options: &RenderOptions) -> anyhow::Result<String> {
    dot::render(model, options)
}

/// The diagram as a Mermaid `flowchart` (renders on GitHub).
pub fn mermaid(model: &Model, options: &RenderOptions) -> anyhow::Result<String> {
    mermaid::render(model, options)
}

/// Runs Graphviz `dot -Tsvg` on DOT source. A missing `dot` is an error naming the package to
/// install; a failing `dot` is an error with its stderr.
pub fn svg(dot_source: &str) -> anyhow::Result<Vec<u8>> {
    svg::render(dot_source)
}

/// The environments to draw: all, or the one named.
pub fn selected_environments<'m>(
    model: &'m Model,
    env: Option<&str>,
) -> Result<Vec<&'m Environment>, UnknownEnvironment> {
    match env {
        None => Ok(model.environments.iter().collect()),
        Some(name) => model.require_environment(name).map(|e| vec![e]),
    }
}
