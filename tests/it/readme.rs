//! The README is the user's truth: every link in it leads somewhere, and the CI recipes of its
//! "CI recipes" section are taken out of it, parsed as YAML, checked for the structure their
//! CI system needs, and every `archcheck` command in them parsed by archcheck's own arguments.

use crate::harness::{self, is_fence, markdown_anchors, yaml_str};
use archcheck::cli::{Cli, Command};
use clap::Parser;
use serde_json::Value;
use std::collections::BTreeSet;

fn readme() -> String {
    std::fs::read_to_string(harness::root().join("README.md")).expect("README.md")
}

/// The targets of the Markdown links `[text](target)` outside fenced code.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if is_fence(line) {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].to_owned());
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn every_link_in_the_readme_leads_somewhere() {
    let text = readme();
    let anchors = markdown_anchors(&text);
    let links = links(&text);
    assert!(links.len() > 30, "{links:?}");
    for link in links {
        if link.starts_with("https://") || link.starts_with("http://") {
            continue;
        }
        let (path, anchor) = link.split_once('#').unwrap_or((&link, ""));
        if path.is_empty() {
            assert!(
                anchors.iter().any(|a| a == anchor),
                "README.md links #{anchor}, which is no heading of it"
            );
            continue;
        }
        let file = harness::root().join(path);
        assert!(
            file.exists(),
            "README.md links {path}, which does not exist"
        );
        if !anchor.is_empty() {
            let target = std::fs::read_to_string(&file).unwrap();
            assert!(
                markdown_anchors(&target).iter().any(|a| a == anchor),
                "README.md links {link}: no such heading there"
            );
        }
    }
}

#[test]
fn the_link_reader_finds_broken_anchors() {
    let text = "# Title\n\nSee [a](#title) and [b](#missing).\n```\n[c](#inside-code)\n```\n";
    assert_eq!(links(text), ["#title", "#missing"]);
    assert_eq!(markdown_anchors(text), ["title"]);
}

/// The YAML blocks of the README's "CI recipes" section, by the file name in their first
/// line (`# .github/workflows/deploy.yml`).
fn recipes() -> Vec<(String, String)> {
    let text = readme();
    let start = text
        .find("\n## CI recipes\n")
        .expect("README.md has a `## CI recipes` section");
    let section = &text[start + 1..];
    let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for line in section[..end].lines() {
        if is_fence(line) {
            match block.take() {
                Some(b) => {
                    let name = b
                        .lines()
                        .next()
                        .and_then(|l| l.strip_prefix("# "))
                        .unwrap_or_default()
                        .to_owned();
                    out.push((name, b));
                }
                None if line.trim() == "```yaml" => block = Some(String::new()),
                None => block = None,
            }
            continue;
        }
        if let Some(b) = block.as_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    out
}

fn recipe(name: &str) -> Value {
    let all = recipes();
    let (_, text) = all.iter().find(|(n, _)| n == name).unwrap_or_else(|| {
        panic!(
            "no ```yaml block starting `# {name}` in README.md's CI recipes: {:?}",
            all.iter().map(|(n, _)| n).collect::<Vec<_>>()
        )
    });
    yaml_str(text).unwrap_or_else(|e| panic!("{name} in README.md is not YAML: {e}"))
}

/// Shell words of a command line: white space separates, and '...' and "..." quote.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Every `archcheck ...` command of a script, parsed by archcheck's arguments; the commands.
fn archcheck_commands(script: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for line in script.lines() {
        let words = shell_words(line.split(" #").next().unwrap_or(line));
        let Some(first) = words.first() else { continue };
        if first != "archcheck" && !first.ends_with("/archcheck") {
            continue;
        }
        let mut argv = vec!["archcheck".to_owned()];
        argv.extend(words[1..].iter().cloned());
        match Cli::try_parse_from(&argv) {
            Ok(cli) => out.push(cli.command),
            Err(e) => panic!("`{line}` in a README recipe is not a valid archcheck command:\n{e}"),
        }
    }
    out
}

/// The model a recipe verifies exists, and it verifies through the API.
fn check_verify(commands: &[Command], model_prefix: &str) {
    let verifies: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::Verify(v) => Some(v),
            _ => None,
        })
        .collect();
    assert_eq!(verifies.len(), 1, "one archcheck verify: {commands:?}");
    let v = verifies[0];
    assert!(v.api.is_some(), "the recipe verifies through the API");
    assert_eq!(v.envs, ["staging"]);
    let model = v.model.to_str().unwrap();
    let in_repo = model.strip_prefix(model_prefix).unwrap_or(model);
    assert!(
        harness::root().join(in_repo).is_file(),
        "the recipe verifies {model}, not a model of this repository"
    );
}

#[test]
fn the_github_actions_recipe_is_a_workflow_that_verifies_after_the_deploy() {
    let w = recipe(".github/workflows/deploy.yml");
    // `on` is a string key in YAML 1.2, as GitHub reads it.
    assert!(w["on"]["push"]["branches"].is_array(), "{w:#}");
    let jobs = w["jobs"].as_object().expect("jobs");
    let ids: BTreeSet<&str> = jobs.keys().map(String::as_str).collect();
    let mut scripts = String::new();
    for (id, job) in jobs {
        assert!(job["runs-on"].is_string(), "job {id} has no runs-on");
        let steps = job["steps"].as_array().expect("steps");
        assert!(!steps.is_empty(), "job {id} has no steps");
        for s in steps {
            assert!(
                s.get("uses").is_some() != s.get("run").is_some(),
                "a step of {id} needs exactly one of uses and run: {s:#}"
            );
            if let Some(run) = s["run"].as_str() {
                scripts.push_str(run);
                scripts.push('\n');
            }
        }
        for need in job["needs"].as_str().into_iter() {
            assert!(ids.contains(need), "job {id} needs {need}, which is no job");
        }
    }
    let verify = &w["jobs"]["verify-staging"];
    assert_eq!(
        verify["needs"], "deploy-staging",
        "verification follows the deploy"
    );
    for k in ["CF_CLIENT_ID", "CF_CLIENT_SECRET"] {
        assert_eq!(
            verify["env"][k],
            format!("${{{{ secrets.{k} }}}}"),
            "{k} comes from the repository's secrets"
        );
    }
    let upload = verify["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("the report is uploaded");
    assert_eq!(
        upload["if"], "always()",
        "uploaded when the verdict fails too"
    );
    // The script keeps the verdict's exit code.
    assert!(scripts.contains("exit $code"), "{scripts}");
    check_verify(&archcheck_commands(&scripts), "");
}

#[test]
fn the_concourse_recipe_is_a_pipeline_that_verifies_after_the_deploy() {
    let p = recipe("ci/pipeline.yml");
    let resources: BTreeSet<&str> = p["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| {
            assert!(r["type"].is_string() && r["source"].is_object(), "{r:#}");
            r["name"].as_str().expect("a resource name")
        })
        .collect();
    let jobs = p["jobs"].as_array().expect("jobs");
    let names: BTreeSet<&str> = jobs.iter().map(|j| j["name"].as_str().unwrap()).collect();
    let mut scripts = String::new();
    for job in jobs {
        let name = job["name"].as_str().unwrap();
        let mut got: BTreeSet<&str> = BTreeSet::new();
        for step in job["plan"].as_array().expect("a plan") {
            if let Some(r) = step["get"].as_str() {
                assert!(
                    resources.contains(r),
                    "{name} gets {r}, which is no resource"
                );
                got.insert(r);
                for passed in step["passed"].as_array().into_iter().flatten() {
                    let passed = passed.as_str().unwrap();
                    assert!(
                        names.contains(passed),
                        "{name}: passed {passed}, no such job"
                    );
                }
            } else if step["task"].is_string() {
                if step["file"].is_string() {
                    continue;
                }
                let c = &step["config"];
                assert_eq!(c["platform"], "linux", "{step:#}");
                assert!(c["image_resource"]["source"]["repository"].is_string());
                for input in c["inputs"].as_array().expect("inputs") {
                    let input = input["name"].as_str().unwrap();
                    assert!(
                        got.contains(input),
                        "{name}: input {input} is not got before"
                    );
                }
                assert!(c["run"]["path"].is_string(), "{step:#}");
                for a in c["run"]["args"].as_array().into_iter().flatten() {
                    scripts.push_str(a.as_str().unwrap());
                    scripts.push('\n');
                }
                for k in ["CF_CLIENT_ID", "CF_CLIENT_SECRET"] {
                    let v = c["params"][k].as_str().unwrap_or_default();
                    assert!(
                        v.starts_with("((") && v.ends_with("))"),
                        "{k} comes from the credential manager, not `{v}`"
                    );
                }
            } else {
                panic!("{name}: a step that is neither get nor task: {step:#}");
            }
        }
    }
    let verify = jobs
        .iter()
        .find(|j| j["name"] == "verify-staging")
        .expect("a verify-staging job");
    assert_eq!(
        verify["plan"][0]["passed"],
        serde_json::json!(["deploy-staging"]),
        "verification follows the deploy"
    );
    assert_eq!(verify["plan"][0]["trigger"], true);
    // The input `app` is the app's repository: its model is at app/models/.
    check_verify(&archcheck_commands(&scripts), "app/");
}

#[test]
fn shell_words_and_commands_are_read_as_a_shell_would() {
    assert_eq!(
        shell_words(r#"archcheck verify m.json --api "$CF_API" -o 'a b'"#),
        [
            "archcheck",
            "verify",
            "m.json",
            "--api",
            "$CF_API",
            "-o",
            "a b"
        ]
    );
    let bad = std::panic::catch_unwind(|| archcheck_commands("archcheck verify m.json --apii x"));
    assert!(bad.is_err(), "a misspelt flag is caught");
}
