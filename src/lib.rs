//! archcheck: keep a Cloud Foundry system's expected state in one model, and make the
//! diagram, the documented `cf` output, the manifests and every post-deploy verdict follow
//! from it.
//!
//! Where things live:
//! - [`model`]: the model file, its validation, and the per-environment graph.
//! - [`render`]: diagrams (DOT, Mermaid, SVG through Graphviz), with or without a verdict.
//! - [`cf_layout`]: the cf CLI versions, commands and table layout that `expect` writes and
//!   `observe::cf_text` reads.
//! - [`expect`]: what a healthy `cf services` / `cf apps` prints, per CLI version.
//! - [`docs`]: living documentation generated from the model.
//! - [`observe`]: observations and their sources (captured `cf` text, the v3 API).
//! - [`verify`]: checks, statuses, the verdict.
//! - [`report`]: text, JSON, JUnit and Nagios reports of a verdict.
//! - [`manifest`]: CF manifests from the model, and checks of existing ones.
//! - [`init`]: a first model drafted from the team's manifests, guesses marked.
//! - [`ratchet`]: what a change of the model removes or weakens, and its acknowledgements.
//! - [`watch`]: verification on a schedule: Prometheus metrics, health, webhooks on change.
//! - [`sim`]: a simulated Cloud Controller for demos, tests and drills.
//! - [`secret`]: a string wrapper that never prints its value.
//! - [`credentials`]: credentials from systemd's credentials directory or a bound service's
//!   VCAP_SERVICES, where no environment variable gives them.
//! - [`time_format`]: RFC 3339 timestamps, shared by the simulator and the watch.
//! - [`http_basic`]: HTTP Basic credentials and their base64, read by the simulator and the
//!   watch, written by the API source.
//!
//! The public surface is what the binary, the integration tests and the fuzz targets use
//! (`pub mod` here, `pub use` in each module); everything else is `pub(crate)`, and the
//! `[lints]` of Cargo.toml keep it so (see "Code layout" in README.md).

// The module maps above and in each module are for contributors and link private modules too:
// `make doc` documents private items, where those links resolve.
#![allow(rustdoc::private_intra_doc_links)]

mod cf_layout;
mod cf_name;
pub mod cli;
pub mod commands;
mod credentials;
pub mod docs;
pub mod expect;
mod http_basic;
mod init;
pub mod logging;
pub mod manifest;
pub mod model;
pub mod observe;
mod ratchet;
pub mod render;
pub mod report;
pub mod secret;
pub mod sim;
pub mod time_format;
pub mod verify;
mod watch;
