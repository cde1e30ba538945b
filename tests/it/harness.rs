//! A small harness: run the built `archcheck` with a clean environment in a temporary
//! directory, and find fixtures.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path under tests/fixtures.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// A model under models/.
pub fn model(name: &str) -> PathBuf {
    root().join("models").join(name)
}

/// `archcheck` with variables that would leak into a test cleared, run from `dir`.
pub fn archcheck_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("archcheck").expect("the archcheck binary is built");
    for (k, _) in std::env::vars() {
        if k.starts_with("CF_")
            || [
                "NO_COLOR",
                "CLICOLOR_FORCE",
                "RUST_LOG",
                "HOME",
                "COLUMNS",
                "LINES",
                "CREDENTIALS_DIRECTORY",
                "VCAP_SERVICES",
                "ARCHCHECK_WEBHOOKS",
            ]
            .contains(&k.as_str())
        {
            cmd.env_remove(&k);
        }
    }
    cmd.env("HOME", dir).env("CF_HOME", dir).current_dir(dir);
    cmd
}

/// `archcheck` run from the repository root.
pub fn archcheck() -> Command {
    archcheck_in(&root())
}

/// Fails with the install step when Graphviz is missing: a test that needs it never passes
/// silently.
pub fn require_dot() -> PathBuf {
    match which("dot") {
        Some(p) => p,
        None => {
            panic!("Graphviz `dot` is not installed; install it with `apt-get install -y graphviz`")
        }
    }
}

pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}

/// What a finished `archcheck` run gave: its exit code and both streams as text.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `archcheck ARGS` from the repository root, `stdin` piped in when given.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = archcheck();
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    let out = cmd.output().expect("archcheck runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `archcheck verify ARGS --format json` and returns its exit code and the JSON report
/// (panicking with stderr when stdout is not one).
pub fn verify_json(args: &[&str], stdin: Option<&[u8]>) -> (Option<i32>, serde_json::Value) {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let r = run(&all, stdin);
    let doc = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{all:?}: no JSON report ({e}); stderr: {}", r.stderr));
    (r.code, doc)
}

/// The check of a JSON report with this id; the panic lists the ids there are.
pub fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    let checks = report["checks"].as_array().expect("the report has checks");
    checks.iter().find(|c| c["id"] == id).unwrap_or_else(|| {
        let ids: Vec<&str> = checks.iter().filter_map(|c| c["id"].as_str()).collect();
        panic!("no check `{id}`; the report has: {ids:?}")
    })
}

/// The status (`OK`, `WARNING`, ...) of the check with this id.
pub fn status_of(report: &serde_json::Value, id: &str) -> String {
    check(report, id)["status"]
        .as_str()
        .expect("a check has a status")
        .to_owned()
}

/// The filters every snapshot of a whole report or page uses: what changes from run to run
/// (paths of the checkout and of temporary directories, ports, times, durations) becomes a
/// placeholder, so a snapshot shows everything else exactly.
pub fn snapshot_filters() -> Vec<(String, &'static str)> {
    vec![
        (regex_escape(&root().display().to_string()), "[ROOT]"),
        (
            regex_escape(&std::env::temp_dir().display().to_string()) + r"/[^\s/]+",
            "[TMP]",
        ),
        (
            r"(127\.0\.0\.1|localhost|\[::1\]):\d+".to_owned(),
            "$1:[PORT]",
        ),
        (
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)".to_owned(),
            "[TIME]",
        ),
        (r"\b\d+(\.\d+)?\s?(ms|s)\b".to_owned(), "[DURATION]"),
    ]
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// `insta::assert_snapshot!` with [`snapshot_filters`]: for whole reports, pages and help
/// texts, where the whole output is what matters rather than a few `contains`.
#[macro_export]
macro_rules! assert_filtered_snapshot {
    ($name:expr, $value:expr) => {{
        let filters = $crate::harness::snapshot_filters();
        let filters: Vec<(&str, &str)> = filters.iter().map(|(r, p)| (r.as_str(), *p)).collect();
        insta::with_settings!({ filters => filters }, {
            insta::assert_snapshot!($name, $value);
        });
    }};
}

/// Fails with the install step when a tool is missing: a test that needs it never passes
/// silently. `install` is the command that installs it (`.ci/run` runs each).
pub fn require_tool(program: &str, install: &str) -> PathBuf {
    which(program).unwrap_or_else(|| {
        panic!("`{program}` is not installed; install it with `{install}` (as .ci/run does)")
    })
}

/// Runs a tool and returns its exit code and both streams together, panicking when it cannot
/// be started.
pub fn run_tool(program: &Path, args: &[&str], dir: &Path) -> (Option<i32>, String) {
    let out = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A YAML file as a JSON value (any YAML document that maps to JSON).
pub fn yaml(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    yaml_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// YAML text as a JSON value.
pub fn yaml_str(text: &str) -> Result<serde_json::Value, String> {
    serde_saphyr::from_str::<serde_json::Value>(text).map_err(|e| e.to_string())
}

/// The anchors GitHub gives the headings of a Markdown text (outside fenced code): lower
/// case, punctuation other than `-` and `_` removed, spaces as `-`, a repeated one suffixed
/// `-1`, `-2`, ...
pub fn markdown_anchors(text: &str) -> Vec<String> {
    let mut anchors: Vec<String> = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if is_fence(line) {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let Some(title) = line
            .strip_prefix('#')
            .map(|l| l.trim_start_matches('#'))
            .filter(|l| l.starts_with(' '))
        else {
            continue;
        };
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut anchor = slug.clone();
        let mut n = 0;
        while anchors.contains(&anchor) {
            n += 1;
            anchor = format!("{slug}-{n}");
        }
        anchors.push(anchor);
    }
    anchors
}

/// Whether a Markdown line opens or closes a fenced code block: three backticks after at most
/// three spaces (a deeper one is text inside a block).
pub fn is_fence(line: &str) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    indent <= 3 && line.trim_start_matches(' ').starts_with("```")
}
