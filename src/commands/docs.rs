//! `archcheck docs MODEL -o DIR [--check] [--no-svg]`: write the living documentation, or
//! (with `--check`) write nothing and fail when a regeneration would change a file.

use crate::cli::DocsArgs;
use crate::docs::{self, DocsOptions};
use anyhow::Context;

pub(crate) fn run(args: &DocsArgs) -> anyhow::Result<u8> {
    let model = super::load_model(&args.model)?;
    let options = DocsOptions { svg: !args.no_svg };
    let files = docs::generate_with(&model, &options)?;
    // Nothing reads the model any more and the process ends: freeing its strings one by one
    // is a twentieth of `docs` on a model of 2,000 apps in 10 environments.
    std::mem::forget(model);
    let stale = docs::compare(&files, &args.output);
    if args.check {
        if stale.is_empty() {
            let line = format!(
                "{}: {} generated files are up to date\n",
                args.output.display(),
                files.len()
            );
            super::write_output(None, line.as_bytes())?;
            return Ok(0);
        }
        crate::eprintln_redacted!(
            "error: {} of {} generated files in {} would change for {}:",
            stale.len(),
            files.len(),
            args.output.display(),
            args.model.display()
        );
        for f in &stale {
            crate::eprintln_redacted!("  {f}");
        }
        crate::eprintln_redacted!(
            "  = help: run `archcheck docs {} -o {}` and commit the result",
            args.model.display(),
            args.output.display()
        );
        return Ok(super::EXIT_ERROR);
    }
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("cannot create directory {}", args.output.display()))?;
    let mut written = 0;
    for (rel, bytes) in &files {
        let path = args.output.join(rel);
        if std::fs::read(&path).is_ok_and(|old| old == *bytes) {
            continue;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        written += 1;
    }
    let line = format!(
        "{}: wrote {written} of {} files ({} unchanged)\n",
        args.output.display(),
        files.len(),
        files.len() - written
    );
    super::write_output(None, line.as_bytes())?;
    Ok(0)
}
