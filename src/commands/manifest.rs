//! `archcheck manifest`: write the CF manifest of an environment from the model, or check an
//! existing manifest (read as `cf push` reads it) against the model.

use crate::cli::ManifestArgs;
use crate::commands::{load_model, read_text, write_output};
use crate::manifest::{self, Vars};
use crate::report::{self, ReportOptions};

pub(crate) fn run(args: &ManifestArgs, global: &super::Global) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    let model = load_model(&args.model)?;
    let env = model.require_environment(&args.env)?;
    let Some(check) = &args.check else {
        if env.apps.is_empty() {
            // `applications: []` is a file cf push refuses, and archcheck's own reader too.
            anyhow::bail!(
                "environment `{}` of {} has no apps, so there is no manifest to write (cf push refuses a manifest without applications)",
                env.name,
                model.file
            );
        }
        let text = manifest::manifest(&model, env, &regenerate_command(&model.file, args));
        write_output(args.output.as_deref(), text.as_bytes())?;
        return Ok(0);
    };

    let mut vars = Vars::new();
    for f in &args.vars_files {
        let text = read_text(f, "vars file")?;
        vars.add_file(&f.display().to_string(), &text)?;
    }
    for v in &args.vars {
        vars.add_var(v)?;
    }
    let text = read_text(check, "manifest")?;
    let manifest = manifest::read(&check.display().to_string(), &text, &vars)?;
    let verdict = manifest::verdict(&model, env, &manifest);
    let bytes = report::render(
        &verdict,
        &model,
        &ReportOptions {
            format: args.format,
            color: global.color_stdout,
            elapsed: Some(started.elapsed()),
            wait: None,
        },
    )?;
    write_output(None, &bytes)?;
    Ok(verdict.status.exit_code())
}

/// The exact command that regenerates this output, for the manifest's header.
fn regenerate_command(model_file: &str, args: &ManifestArgs) -> String {
    let mut cmd = format!(
        "archcheck manifest {} --env {}",
        shell_word(model_file),
        shell_word(&args.env)
    );
    if let Some(o) = &args.output {
        cmd.push_str(" -o ");
        cmd.push_str(&shell_word(&o.display().to_string()));
    }
    cmd
}

fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
