//! `archcheck expect MODEL --env E [--command services|apps] [--cli v6|v7|v8]`.

use crate::cli::ExpectArgs;

pub(crate) fn run(args: &ExpectArgs) -> anyhow::Result<u8> {
    let model = super::load_model(&args.model)?;
    let env = model.require_environment(&args.env)?;
    let text = crate::expect::expected_output(env, args.command, args.cli);
    super::write_output(None, text.as_bytes())?;
    Ok(0)
}
