//! `archcheck sim`.

use crate::cli::SimArgs;

pub fn run(_args: &SimArgs) -> anyhow::Result<u8> {
    anyhow::bail!("`archcheck sim` is not built yet")
}
