//! CF application manifests: written from the model, and existing ones checked against it.
//!
//! - [`write`]: the manifest of one environment, generated from the model.
//! - [`node`]: a YAML document as a tree of located nodes (`env:` values skipped unread).
//! - [`vars`]: `((var))` interpolation from vars files and `--var`, as `cf push` does it.
//! - [`read`]: a manifest read as `cf push` reads it, into a normalized [`read::Manifest`].
//! - [`check`]: a normalized manifest compared with the model, as verdict checks.

pub mod error;
pub mod node;
pub mod vars;

pub use error::ManifestError;
pub use vars::Vars;
pub mod read;
pub use read::{Manifest, ManifestApp, Route, RouteMatch, read};
pub mod write;
pub use write::manifest;
pub mod check;
pub use check::verdict;
