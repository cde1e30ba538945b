//! All integration tests, in one binary so it links once.

// The crate's [lints] police the library's surface; a test binary has none, and its shared
// helpers are `pub` for the sibling test modules only.
#![allow(unreachable_pub)]

mod harness;

mod api;
mod api_pages;
mod batch;
mod browser;
mod budget;
mod cf_captures;
mod cf_text;
mod cli;
mod deploy;
mod deployments;
mod docs;
mod end_to_end;
mod expect;
mod foundations;
mod history;
mod init;
mod manifest;
mod model;
mod nagios;
mod page;
mod prometheus;
mod ratchet;
mod readme;
mod render;
mod report;
mod secrets;
mod sim;
mod unknown_cause;
mod verify;
mod watch;
mod web_tls;
