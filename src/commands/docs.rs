//! `archcheck docs`.

use crate::cli::DocsArgs;

pub fn run(_args: &DocsArgs) -> anyhow::Result<u8> {
    anyhow::bail!("`archcheck docs` is not built yet")
}
