//! CF application manifests: written from the model, and existing ones checked against it
//! (`archcheck manifest`). The model is the source; a manifest is never derived from the
//! live state.
//!
//! - [`write`](mod@write): the manifest of one environment, generated from the model.
//! - [`node`]: a YAML document as a tree of located nodes (`env:` values skipped unread).
//! - [`vars`]: `((var))` interpolation from vars files and `--var`, as `cf push` does it.
//! - [`read`](mod@read): a manifest read as `cf push` reads it, into a normalized [`Manifest`].
//! - [`check`]: a normalized manifest compared with the model, as verdict checks.
//! - [`error`]: the located error every bad manifest or vars file becomes.

pub(crate) mod check;
pub(crate) mod error;
pub(crate) mod node;
pub(crate) mod read;
pub(crate) mod vars;
pub(crate) mod write;

pub use check::verdict;
pub use error::ManifestError;
pub use read::{Manifest, read};
pub use vars::Vars;
pub use write::manifest;
