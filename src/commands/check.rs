//! `archcheck check MODEL [--fresh DIR]`.

use crate::cli::CheckArgs;

pub fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    let model = super::load_model(&args.model)?;
    let apps: usize = model.environments.iter().map(|e| e.apps.len()).sum();
    let services: usize = model.environments.iter().map(|e| e.services.len()).sum();
    let bindings: usize = model
        .environments
        .iter()
        .map(|e| e.bindings().count())
        .sum();
    if let Some(dir) = &args.fresh {
        let stale = crate::docs::stale_files(&model, dir)?;
        if !stale.is_empty() {
            eprintln!(
                "error: generated files in {} are stale for {}:",
                dir.display(),
                args.model.display()
            );
            for f in &stale {
                eprintln!("  {f}");
            }
            eprintln!(
                "  = help: run `make diagrams` (or `archcheck docs {} -o {}`) and commit the result",
                args.model.display(),
                dir.display()
            );
            return Ok(super::EXIT_ERROR);
        }
    }
    println!(
        "{}: valid model of system `{}`: {} environments, {} apps, {} service instances, {} bindings{}",
        args.model.display(),
        model.system,
        model.environments.len(),
        apps,
        services,
        bindings,
        if args.fresh.is_some() {
            "; generated files are fresh"
        } else {
            ""
        }
    );
    Ok(0)
}
