//! A small harness: run the built `archcheck` with a clean environment in a temporary
//! directory, and find fixtures.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path under tests/fixtures.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// A model under models/.
pub fn model(name: &str) -> PathBuf {
    root().join("models").join(name)
}

/// `archcheck` with variables that would leak into a test cleared, run from `dir`.
pub fn archcheck_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("archcheck").expect("the archcheck binary is built");
    for (k, _) in std::env::vars() {
        if k.starts_with("CF_") || k == "NO_COLOR" || k == "RUST_LOG" || k == "HOME" {
            cmd.env_remove(&k);
        }
    }
    cmd.env("HOME", dir).env("CF_HOME", dir).current_dir(dir);
    cmd
}

/// `archcheck` run from the repository root.
pub fn archcheck() -> Command {
    archcheck_in(&root())
}

/// Fails with the install step when Graphviz is missing: a test that needs it never passes
/// silently.
pub fn require_dot() -> PathBuf {
    match which("dot") {
        Some(p) => p,
        None => {
            panic!("Graphviz `dot` is not installed; install it with `apt-get install -y graphviz`")
        }
    }
}

pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}
