//! Living documentation (`archcheck docs`) and the set of generated files that
//! `check --fresh` and `docs --check` compare.

use crate::model::Model;
use std::collections::BTreeMap;
use std::path::Path;

/// Every generated file for a model, by path relative to the output directory.
pub fn generate(_model: &Model) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    anyhow::bail!("docs generation is not built yet")
}

/// Files in `dir` that differ from (or are missing compared with) what the model gives now.
pub fn stale_files(model: &Model, dir: &Path) -> anyhow::Result<Vec<String>> {
    let files = generate(model)?;
    let mut stale = Vec::new();
    for (rel, bytes) in &files {
        match std::fs::read(dir.join(rel)) {
            Ok(existing) if existing == *bytes => {}
            Ok(_) => stale.push(format!("{rel} (differs)")),
            Err(_) => stale.push(format!("{rel} (missing)")),
        }
    }
    Ok(stale)
}
