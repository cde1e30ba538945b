//! `archcheck expect`.

use crate::cli::ExpectArgs;

pub fn run(_args: &ExpectArgs) -> anyhow::Result<u8> {
    anyhow::bail!("`archcheck expect` is not built yet")
}
