//! `archcheck check MODEL [--fresh DIR]`.

use crate::cli::CheckArgs;
use std::path::Path;

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
            crate::eprintln_redacted!(
                "error: generated files in {} are stale for {}:",
                dir.display(),
                args.model.display()
            );
            for f in &stale {
                crate::eprintln_redacted!("  {f}");
            }
            crate::eprintln_redacted!("  = help: {}", regenerate_hint(&args.model, dir));
            return Ok(super::EXIT_ERROR);
        }
    }
    let marks = model.warnings.len();
    let mut out = format!(
        "{}: valid model of system `{}`: {} environments, {} apps, {} service instances, {} bindings{}{}\n",
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
        },
        match marks {
            0 => String::new(),
            1 => "; 1 value not reviewed yet (WARNING)".to_owned(),
            n => format!("; {n} values not reviewed yet (WARNING)"),
        }
    );
    if marks > 0 {
        out.push_str(&format!("\n{}\n", model.warnings));
    }
    super::write_output(None, out.as_bytes())?;
    Ok(if marks > 0 { 1 } else { 0 })
}

/// The command that regenerates exactly the files `--fresh DIR` compared: `archcheck docs`
/// into that directory; `make diagrams` too when DIR is where it writes (`diagrams/NAME` for
/// `models/NAME.json`).
fn regenerate_hint(model: &Path, dir: &Path) -> String {
    let docs = format!("archcheck docs {} -o {}", model.display(), dir.display());
    let in_models = model
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|d| d == "models");
    let made = model.file_stem().is_some_and(|stem| {
        in_models
            && dir.file_name() == Some(stem)
            && dir.parent().and_then(Path::file_name) == Some("diagrams".as_ref())
    });
    if made {
        format!("run `make diagrams` (or `{docs}`) and commit the result")
    } else {
        format!("run `{docs}` and commit the result")
    }
}

#[cfg(test)]
mod tests {
    use super::regenerate_hint;
    use std::path::Path;

    #[test]
    fn the_hint_names_the_command_that_writes_the_checked_directory() {
        let h = regenerate_hint(Path::new("models/c2.json"), Path::new("diagrams/c2"));
        assert_eq!(
            h,
            "run `make diagrams` (or `archcheck docs models/c2.json -o diagrams/c2`) and commit the result"
        );
        // `make diagrams` writes diagrams/c2, not out/docs nor diagrams/other.
        for dir in ["out/docs", "diagrams/other", "diagrams"] {
            let h = regenerate_hint(Path::new("models/c2.json"), Path::new(dir));
            assert_eq!(
                h,
                format!("run `archcheck docs models/c2.json -o {dir}` and commit the result")
            );
        }
        let h = regenerate_hint(Path::new("/tmp/c2.json"), Path::new("diagrams/c2"));
        assert!(!h.contains("make diagrams"), "{h}");
    }
}
