//! `archcheck check MODEL [--fresh DIR] [--against OLD [--allow FILE]... [--allow-trailers]]`.

use crate::cli::CheckArgs;
use crate::model::Model;
use crate::ratchet;
use anyhow::Context;
use std::path::Path;

pub(crate) fn run(args: &CheckArgs) -> anyhow::Result<u8> {
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
    let mut code = if marks > 0 { 1 } else { 0 };
    if let Some(against) = &args.against {
        let (text, unacknowledged) = ratchet(&model, against, args)?;
        out.push('\n');
        out.push_str(&text);
        if unacknowledged > 0 {
            code = 1;
        }
    }
    super::write_output(None, out.as_bytes())?;
    Ok(code)
}

/// The ratchet's report of `model` against `against`, and how many weakenings are not
/// acknowledged.
fn ratchet(model: &Model, against: &str, args: &CheckArgs) -> anyhow::Result<(String, usize)> {
    let (old, rev) = load_old(against)?;
    let weakenings = ratchet::compare(&old, model);
    let mut allowances = Vec::new();
    for f in &args.allow {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("cannot read the --allow file {}", f.display()))?;
        allowances.extend(ratchet::parse_allowances(&f.display().to_string(), &text));
    }
    if args.allow_trailers {
        let Some(rev) = &rev else {
            anyhow::bail!(
                "--allow-trailers reads the commits from the --against revision to HEAD, but --against {against} is a file: give REV:PATH, e.g. --against \"$(git merge-base origin/main HEAD):{}\"",
                args.model.display()
            );
        };
        allowances.extend(ratchet::parse_trailers(&git(
            &[
                "log",
                "-z",
                &format!(
                    "--format=%h%n%(trailers:key={},valueonly,unfold)",
                    ratchet::TRAILER
                ),
                &format!("{rev}..HEAD"),
            ],
            &format!("the commits {rev}..HEAD"),
        )?));
    }

    let mut out = String::new();
    let acknowledged = |w: &ratchet::Weakening| allowances.iter().find(|a| a.id == w.id);
    let open = weakenings
        .iter()
        .filter(|w| acknowledged(w).is_none())
        .count();
    let head = format!("{} against {against}", args.model.display());
    if weakenings.is_empty() {
        out.push_str(&format!("{head}: no expectation removed or weakened\n"));
    } else {
        out.push_str(&format!(
            "{head}: {} removed or weakened, {} acknowledged, {open} not{}\n\n",
            plural(weakenings.len(), "expectation", "expectations"),
            weakenings.len() - open,
            if open > 0 { " (WARNING)" } else { "" }
        ));
        for w in &weakenings {
            match acknowledged(w) {
                None => out.push_str(&format!("NOT ACKNOWLEDGED  {}\n", w.id)),
                Some(a) => out.push_str(&format!(
                    "acknowledged      {}  ({}{})\n",
                    w.id,
                    a.source,
                    a.reason
                        .as_deref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                )),
            }
            out.push_str(&format!("  {}\n", w.message));
        }
        if open > 0 {
            let first = weakenings
                .iter()
                .find(|w| acknowledged(w).is_none())
                .map_or("ID", |w| w.id.as_str());
            out.push_str(&format!(
                "\nhelp: if the change is intended, acknowledge each removal by its id, with a reason: a line `{first} REASON` in a file given with --allow FILE, or a commit trailer `{}: {first} REASON` (read with --allow-trailers)\n",
                ratchet::TRAILER
            ));
        }
    }
    let stale: Vec<String> = allowances
        .iter()
        .filter(|a| weakenings.iter().all(|w| w.id != a.id))
        .map(|a| format!("{} ({})", a.id, a.source))
        .collect();
    if !stale.is_empty() {
        out.push_str(&format!(
            "note: acknowledged, but this change removes or weakens nothing of that id (remove the line, or check the id): {}\n",
            stale.join(", ")
        ));
    }
    Ok((out, open))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The old model: a file when one is at that path, else `REV:PATH` through `git show`. The
/// revision is returned for `--allow-trailers`.
fn load_old(against: &str) -> anyhow::Result<(Model, Option<String>)> {
    let path = Path::new(against);
    if path.is_file() {
        return Ok((super::load_model(path)?, None));
    }
    let Some((rev, _)) = against
        .split_once(':')
        .filter(|(r, f)| !r.is_empty() && !f.is_empty())
    else {
        anyhow::bail!(
            "--against {against}: no such file; for a model in git give REV:PATH, e.g. --against \"$(git merge-base origin/main HEAD):models/c2.json\""
        );
    };
    if rev.starts_with('-') {
        anyhow::bail!("--against {against}: `{rev}` is not a revision (it starts with `-`)");
    }
    let text = git(&["show", against], against)?;
    Ok((
        crate::model::load_str(against, &text)?,
        Some(rev.to_owned()),
    ))
}

/// Runs git in the current directory; its error, trimmed, names `what`.
fn git(args: &[&str], what: &str) -> anyhow::Result<String> {
    let out = std::process::Command::new("git")
        .args(args)
        .output()
        .with_context(|| format!("cannot run git to read {what} (is git installed?)"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        anyhow::bail!(
            "cannot read {what} with `git {}`: {}; REV is a commit, branch or tag of the repository in the current directory, and PATH is from the repository's root (or ./PATH from the current directory)",
            args.join(" "),
            err.trim()
        );
    }
    String::from_utf8(out.stdout)
        .map_err(|_| anyhow::anyhow!("{what}: git printed text that is not UTF-8"))
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
