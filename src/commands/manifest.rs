//! `archcheck manifest`.

use crate::cli::ManifestArgs;

pub fn run(_args: &ManifestArgs) -> anyhow::Result<u8> {
    anyhow::bail!("`archcheck manifest` is not built yet")
}
