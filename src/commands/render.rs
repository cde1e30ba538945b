//! `archcheck render MODEL [--env E] [--focus ID] [--full] [--format dot|mermaid|svg] [-o
//! FILE]`: the architecture diagram of the expected state.

use crate::cli::{DiagramFormat, RenderArgs};
use crate::render::{self, RenderOptions};

pub(crate) fn run(args: &RenderArgs) -> anyhow::Result<u8> {
    let model = super::load_model(&args.model)?;
    let options = RenderOptions {
        env: args.env.as_deref(),
        verdict: None,
        focus: args.focus.as_deref(),
        full: args.full,
    };
    // Checked before any rendering or writing: an unknown environment names the known ones.
    render::selected_environments(&model, options.env)?;
    let bytes = match args.format {
        DiagramFormat::Dot => render::dot(&model, &options)?.into_bytes(),
        DiagramFormat::Mermaid => render::mermaid(&model, &options)?.into_bytes(),
        DiagramFormat::Svg => render::svg(&render::dot(&model, &options)?)?,
    };
    super::write_output(args.output.as_deref(), &bytes)?;
    Ok(0)
}
