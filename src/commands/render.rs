//! `archcheck render`.

use crate::cli::RenderArgs;

pub fn run(_args: &RenderArgs) -> anyhow::Result<u8> {
    anyhow::bail!("`archcheck render` is not built yet")
}
