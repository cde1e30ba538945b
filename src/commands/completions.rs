//! `archcheck completions SHELL`.

use crate::cli::{Cli, CompletionsArgs};
use clap::CommandFactory;

pub(crate) fn run(args: &CompletionsArgs) -> anyhow::Result<u8> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "archcheck", &mut out);
    super::write_output(None, &out)?;
    Ok(0)
}
