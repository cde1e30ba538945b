//! Living documentation (`archcheck docs`) and the set of generated files that
//! `check --fresh` and `docs --check` compare.
//!
//! For a model of system `S`, [`generate`] gives, by path relative to the output directory:
//! `README.md` (the page: Mermaid diagram, tables, expected `cf` output, verify commands, see
//! `page.rs`), `S.dot`, `S.mmd` and `S.svg` (the whole system), and `S-<env>.dot` and
//! `S-<env>.svg` for each environment. Same model, same bytes.

mod markdown;
mod page;

use crate::model::Model;
use crate::render::{self, RenderOptions};
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DocsOptions {
    /// Also the SVG files, through Graphviz `dot` (default true).
    pub svg: bool,
}

impl Default for DocsOptions {
    fn default() -> Self {
        DocsOptions { svg: true }
    }
}

/// Every generated file for a model, by path relative to the output directory.
pub fn generate(model: &Model) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    generate_with(model, &DocsOptions::default())
}

/// [`generate`], with options.
pub fn generate_with(
    model: &Model,
    options: &DocsOptions,
) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let names = FileNames::new(model);
    let envs = &model.environments;
    let all = RenderOptions::default();
    let dot = render::dot(model, &all)?;
    let mermaid = render::mermaid(model, &all)?;
    let env_dots = envs
        .iter()
        .map(|env| {
            let only = RenderOptions {
                env: Some(&env.name),
                ..all
            };
            render::dot(model, &only)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut files = BTreeMap::new();
    // DOT sources to lay out: the whole system, then each environment.
    let mut dots: Vec<(String, String)> = vec![(names.system_svg(), dot.clone())];
    for (env, env_dot) in envs.iter().zip(env_dots) {
        files.insert(names.env_dot(&env.name), env_dot.clone().into_bytes());
        dots.push((names.env_svg(&env.name), env_dot));
    }
    if options.svg {
        for (path, svg) in svgs(&dots)? {
            files.insert(path, svg);
        }
    }
    let mut readme = page::head(model, &names, &mermaid, options);
    for env in envs {
        page::environment(&mut readme, model, env, &names, options);
    }
    files.insert("README.md".to_owned(), readme.into_bytes());
    files.insert(names.system_dot(), dot.into_bytes());
    files.insert(names.system_mmd(), mermaid.into_bytes());
    Ok(files)
}

/// Lays out every DOT source with Graphviz, a few `dot` processes at a time.
fn svgs(dots: &[(String, String)]) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    let mut results: Vec<Option<anyhow::Result<Vec<u8>>>> = (0..dots.len()).map(|_| None).collect();
    for (chunk_dots, chunk_results) in dots.chunks(workers).zip(results.chunks_mut(workers)) {
        std::thread::scope(|s| {
            let handles: Vec<_> = chunk_dots
                .iter()
                .map(|(_, source)| s.spawn(move || render::svg(source)))
                .collect();
            for (slot, h) in chunk_results.iter_mut().zip(handles) {
                *slot = Some(
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("the SVG worker panicked"))),
                );
            }
        });
    }
    dots.iter()
        .zip(results)
        .map(|((path, _), r)| {
            let svg = r
                .unwrap_or_else(|| Err(anyhow::anyhow!("no SVG was made")))
                .with_context(|| format!("cannot make {path}"))?;
            Ok((path.clone(), svg))
        })
        .collect()
}

/// The names of the generated files of one model.
pub(crate) struct FileNames {
    system: String,
}

impl FileNames {
    pub(crate) fn new(model: &Model) -> FileNames {
        FileNames {
            system: model.system.clone(),
        }
    }
    pub(crate) fn system_dot(&self) -> String {
        format!("{}.dot", self.system)
    }
    pub(crate) fn system_svg(&self) -> String {
        format!("{}.svg", self.system)
    }
    pub(crate) fn system_mmd(&self) -> String {
        format!("{}.mmd", self.system)
    }
    pub(crate) fn env_dot(&self, env: &str) -> String {
        format!("{}-{env}.dot", self.system)
    }
    pub(crate) fn env_svg(&self, env: &str) -> String {
        format!("{}-{env}.svg", self.system)
    }
}

/// Files in `dir` that differ from (or are missing compared with) what the model gives now.
pub fn stale_files(model: &Model, dir: &Path) -> anyhow::Result<Vec<String>> {
    stale_files_with(model, dir, &DocsOptions::default())
}

/// [`stale_files`], with options.
pub fn stale_files_with(
    model: &Model,
    dir: &Path,
    options: &DocsOptions,
) -> anyhow::Result<Vec<String>> {
    let files = generate_with(model, options)?;
    Ok(compare(&files, dir))
}

/// Which of `files` differ from or are missing in `dir`, as `path (differs)` / `path (missing)`.
pub fn compare(files: &BTreeMap<String, Vec<u8>>, dir: &Path) -> Vec<String> {
    let mut stale = Vec::new();
    for (rel, bytes) in files {
        match std::fs::read(dir.join(rel)) {
            Ok(existing) if existing == *bytes => {}
            Ok(_) => stale.push(format!("{rel} (differs)")),
            Err(_) => stale.push(format!("{rel} (missing)")),
        }
    }
    stale
}
