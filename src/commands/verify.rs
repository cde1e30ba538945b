//! `archcheck verify`.

use crate::cli::VerifyArgs;

pub fn run(_args: &VerifyArgs) -> anyhow::Result<u8> {
    anyhow::bail!("`archcheck verify` is not built yet")
}
