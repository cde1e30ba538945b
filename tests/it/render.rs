//! `archcheck render` and the `render` module: DOT and Mermaid snapshots, validity with the
//! real Graphviz `dot` (including arbitrary text), the verdict overlay, SVG, errors.

use crate::harness;
use archcheck::model::{Model, load};
use archcheck::render::{self, RenderOptions};
use archcheck::verify::{Check, CheckKind, Element, EnvironmentVerdict, Status, Verdict};
use proptest::prelude::*;
use std::io::Write;
use std::process::{Command, Stdio};

fn model(name: &str) -> Model {
    load(&harness::model(name)).expect("the committed model loads")
}

/// Runs the real `dot -Tsvg` and asserts it succeeds and prints nothing on stderr.
fn assert_dot_accepts(source: &str) {
    let dot = harness::require_dot();
    let mut child = Command::new(dot)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dot runs");
    let mut stdin = child.stdin.take().unwrap();
    let src = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(src.as_bytes()));
    let out = child.wait_with_output().expect("dot finishes");
    writer.join().unwrap().expect("dot reads its input");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "dot rejected or warned ({}):\n{stderr}\n--- source ---\n{source}",
        out.status
    );
}

fn opts(env: Option<&str>) -> RenderOptions<'_> {
    RenderOptions {
        env,
        ..RenderOptions::default()
    }
}

#[test]
fn dot_snapshots() {
    for name in ["c2", "notify"] {
        let m = model(&format!("{name}.json"));
        let dot = render::dot(&m, &opts(None)).unwrap();
        insta::assert_snapshot!(format!("dot_{name}"), dot);
    }
}

#[test]
fn mermaid_snapshots() {
    for name in ["c2", "notify"] {
        let m = model(&format!("{name}.json"));
        let mmd = render::mermaid(&m, &opts(None)).unwrap();
        insta::assert_snapshot!(format!("mermaid_{name}"), mmd);
    }
}

#[test]
fn real_dot_accepts_every_committed_model_whole_and_per_environment() {
    for name in ["c2.json", "notify.json"] {
        let m = model(name);
        assert_dot_accepts(&render::dot(&m, &opts(None)).unwrap());
        for env in m.environment_names() {
            assert_dot_accepts(&render::dot(&m, &opts(Some(env))).unwrap());
        }
    }
}

#[test]
fn dot_has_one_cluster_per_environment_labelled_with_org_and_space() {
    let m = model("notify.json");
    let dot = render::dot(&m, &opts(None)).unwrap();
    assert_eq!(dot.matches("subgraph \"cluster_env__").count(), 2);
    assert!(dot.contains("<B>dev</B><BR/>org notify-dev · space dev"));
    assert!(dot.contains("<B>prod</B><BR/>org notify · space prod"));
    // The admin app exists in dev only.
    assert!(dot.contains("\"dev__app__admin\""));
    assert!(!dot.contains("\"prod__app__admin\""));
    let one = render::dot(&m, &opts(Some("prod"))).unwrap();
    assert_eq!(one.matches("subgraph \"cluster_env__").count(), 1);
    assert!(!one.contains("dev__app__api"));
}

#[test]
fn dot_tells_kinds_user_provided_externals_and_criticality_apart() {
    let m = model("c2.json");
    let dot = render::dot(&m, &opts(Some("staging"))).unwrap();
    let line = |id: &str| {
        dot.lines()
            .find(|l| l.trim_start().starts_with(&format!("\"{id}\" [")))
            .unwrap_or_else(|| panic!("no node {id} in\n{dot}"))
            .to_owned()
    };
    assert!(line("staging__service__db").contains("shape=cylinder"));
    assert!(line("staging__service__queue").contains("shape=cds"));
    assert!(!line("staging__service__db").contains("peripheries=2"));
    assert!(line("staging__service__s3").contains("peripheries=2"));
    assert!(line("staging__external__login").contains("shape=parallelogram"));
    let edge = |from: &str, to: &str| {
        dot.lines()
            .find(|l| l.contains(&format!("\"{from}\" -> \"{to}\"")))
            .unwrap_or_else(|| panic!("no edge {from} -> {to}"))
            .to_owned()
    };
    let critical = edge("staging__app__worker", "staging__service__queue");
    assert!(critical.contains("penwidth=2.5") && critical.contains("dequeue background jobs"));
    let optional = edge("staging__app__worker", "staging__service__newrelic");
    assert!(optional.contains("penwidth=1") && optional.contains("non-critical"));
    assert!(dot.contains("cluster_legend") && dot.contains("critical binding"));
}

#[test]
fn output_is_deterministic() {
    let a = harness::archcheck()
        .args(["render", "models/c2.json"])
        .output()
        .unwrap();
    let b = harness::archcheck()
        .args(["render", "models/c2.json"])
        .output()
        .unwrap();
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let m = model("notify.json");
    assert_eq!(
        render::mermaid(&m, &opts(None)).unwrap(),
        render::mermaid(&m, &opts(None)).unwrap()
    );
}

#[test]
fn render_svg_is_an_svg_without_the_graphviz_version() {
    harness::require_dot();
    let out = harness::archcheck()
        .args([
            "render",
            "models/c2.json",
            "--env",
            "staging",
            "--format",
            "svg",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = String::from_utf8(out.stdout).unwrap();
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("<title>staging__app__worker</title>"), "{svg}");
    assert!(
        !svg.contains("Generated by graphviz"),
        "version banner kept"
    );
}

#[test]
fn render_writes_mermaid_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out/c2.mmd");
    harness::archcheck()
        .args(["render", "models/c2.json", "--format", "mermaid", "-o"])
        .arg(&file)
        .assert()
        .success();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("flowchart LR\n"));
}

#[test]
fn unknown_environment_is_exit_3_listing_the_environments() {
    harness::archcheck()
        .args(["render", "models/c2.json", "--env", "qa"])
        .assert()
        .code(3)
        .stdout("")
        .stderr(
            predicates::str::contains("models/c2.json: no environment `qa`").and(
                predicates::str::contains(
                    "dev (org cap / space dev), staging (org cap / space staging), prod (org cap / space prod)",
                ),
            ),
        );
}

#[test]
fn svg_without_graphviz_names_the_package() {
    let empty = tempfile::tempdir().unwrap();
    harness::archcheck()
        .env("PATH", empty.path())
        .args(["render", "models/c2.json", "--format", "svg"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("apt-get install graphviz"));
}

#[test]
fn a_failing_dot_reports_its_stderr() {
    harness::require_dot();
    let err = render::svg("digraph { a -> }").unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("syntax error"), "{msg}");
}

use predicates::prelude::PredicateBooleanExt;

fn check(env: &str, element: Element, status: Status) -> Check {
    Check {
        id: format!("{env}/{element:?}"),
        environment: env.to_owned(),
        kind: CheckKind::BindingExists,
        subject: String::new(),
        status,
        expected: None,
        observed: None,
        message: String::new(),
        impact: None,
        repair: None,
        pending: None,
        explained: None,
        element,
        cause: None,
    }
}

fn incident_verdict() -> Verdict {
    let b = |app: &str, service: &str| Element::Binding {
        app: app.into(),
        service: service.into(),
    };
    Verdict {
        system: "c2".into(),
        status: Status::Critical,
        environments: vec![EnvironmentVerdict {
            name: "staging".into(),
            status: Status::Critical,
            sources: vec!["cf services".into()],
        }],
        checks: vec![
            check("staging", Element::App { id: "web".into() }, Status::Ok),
            check(
                "staging",
                Element::App {
                    id: "worker".into(),
                },
                Status::NotChecked,
            ),
            check("staging", Element::Service { id: "db".into() }, Status::Ok),
            check(
                "staging",
                Element::Service {
                    id: "search".into(),
                },
                Status::Unknown,
            ),
            check(
                "staging",
                Element::Service { id: "queue".into() },
                Status::Ok,
            ),
            check(
                "staging",
                Element::Service { id: "queue".into() },
                Status::Warning,
            ),
            check("staging", b("web", "db"), Status::Ok),
            check("staging", b("worker", "queue"), Status::Critical),
            check("staging", b("worker", "queue"), Status::Ok),
            check(
                "staging",
                Element::ExtraService {
                    name: "c2-staging-redis-old \"v1\"".into(),
                },
                Status::Warning,
            ),
            check(
                "staging",
                Element::ExtraBinding {
                    app: "c2-staging-worker".into(),
                    service: "c2-staging-redis-old \"v1\"".into(),
                },
                Status::Warning,
            ),
            check(
                "staging",
                Element::ExtraBinding {
                    app: "c2-staging-debug<x>".into(),
                    service: "c2-staging-db".into(),
                },
                Status::Warning,
            ),
        ],
    }
}

#[test]
fn overlay_colours_nodes_and_edges_by_their_worst_check() {
    let m = model("c2.json");
    let verdict = incident_verdict();
    let dot = render::dot(
        &m,
        &RenderOptions {
            env: None,
            verdict: Some(&verdict),
            ..RenderOptions::default()
        },
    )
    .unwrap();
    let find = |needle: &str| {
        dot.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle} in\n{dot}"))
            .to_owned()
    };
    // The lost queue binding: red, dashed, bold (worst of CRITICAL and OK).
    let lost = find("\"staging__app__worker\" -> \"staging__service__queue\"");
    assert!(
        lost.contains("color=\"#c62828\"") && lost.contains("style=\"dashed,bold\""),
        "{lost}"
    );
    assert!(
        lost.contains("penwidth=2.5"),
        "criticality still shows: {lost}"
    );
    // A seen binding: green.
    let seen = find("\"staging__app__web\" -> \"staging__service__db\"");
    assert!(seen.contains("color=\"#2e7d32\""), "{seen}");
    // A binding with no check: not checked (light grey).
    let unchecked = find("\"staging__app__web\" -> \"staging__service__search\"");
    assert!(unchecked.contains("color=\"#b0b0b0\""), "{unchecked}");
    // UNKNOWN service: grey dashed. WARNING service (worst of OK, WARNING): amber.
    let search = find("\"staging__service__search\" [");
    assert!(
        search.contains("fillcolor=\"#e0e0e0\"") && search.contains("dashed"),
        "{search}"
    );
    let queue = find("\"staging__service__queue\" [");
    assert!(queue.contains("color=\"#e69500\""), "{queue}");
    // Only NotChecked checks: not checked.
    let worker = find("\"staging__app__worker\" [");
    assert!(worker.contains("fillcolor=\"#f7f7f7\""), "{worker}");
    // The extra instance and its binding: dotted, escaped.
    let extra = find("staging__extra_service__");
    assert!(
        extra.contains("dotted") && extra.contains("&quot;v1&quot;"),
        "{extra}"
    );
    let extra_edge = find("\"staging__app__worker\" -> \"staging__extra_service__");
    assert!(extra_edge.contains("dotted"), "{extra_edge}");
    // An extra binding from an app the model lacks draws that app too.
    assert!(find("staging__extra_app__").contains("c2-staging-debug&lt;x&gt;"));
    // Environments outside the verdict keep their plain colours.
    assert!(find("\"dev__app__web\" [").contains("fillcolor=\"#dbe9f6\""));
    // The verdict is named, and the legend explains the colours.
    assert!(dot.contains("verdict: CRITICAL"));
    for word in [
        "OK: seen as expected",
        "WARNING",
        "CRITICAL: missing or failed",
        "UNKNOWN: could not be observed",
        "not checked",
        "not in the model",
    ] {
        assert!(dot.contains(word), "legend lacks {word}");
    }
    assert_dot_accepts(&dot);

    let mmd = render::mermaid(
        &m,
        &RenderOptions {
            env: Some("staging"),
            verdict: Some(&verdict),
            ..RenderOptions::default()
        },
    )
    .unwrap();
    assert!(
        mmd.contains("class staging__service__search unknown"),
        "{mmd}"
    );
    let critical_links = mmd
        .lines()
        .find(|l| l.starts_with("  linkStyle ") && l.contains("#c62828"))
        .expect("the lost binding is styled red");
    // Links are numbered in order of appearance: worker->queue is the 11th.
    assert_eq!(critical_links.split(' ').nth(3), Some("10"), "{mmd}");
    assert!(mmd.contains("#quot;v1#quot;"), "{mmd}");
}

// ---------------------------------------------------------------------------------------------
// Any text in a model: dot parses it without a warning; Mermaid labels stay closed.

fn wide_text() -> impl Strategy<Value = String> {
    let alphabet = prop::sample::select(vec![
        "a", "Z", "0", " ", "\"", "\\", "\\\"", "{", "}", "<", ">", "&", "|", "'", "[", "]", "#",
        ";", "`", "\t", "\n", "\r", "é", "日本", "😀", "\u{200b}", "\u{2028}", "\u{1}", "\u{7f}",
        "&amp;", "<BR/>", "\\n", "\\l", "%", "$", "-", "->", "--", "//", "/*", "*/", "=", ",",
        "\u{fffe}", "\u{ffff}", "]]>", "<!--", "@", "end", "style", "\u{a0}",
    ]);
    prop::collection::vec(alphabet, 0..12).prop_map(|v| v.concat())
}

fn non_empty(s: String) -> String {
    if s.is_empty() { "x".to_owned() } else { s }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_escaped_for_dot_and_mermaid(
        names in prop::collection::vec(wide_text(), 12),
        descriptions in prop::collection::vec(wide_text(), 12),
        purposes in prop::collection::vec(wide_text(), 24),
        org in wide_text(),
        space in wide_text(),
        label in wide_text(),
        system_description in wide_text(),
    ) {
        let mut m = model("c2.json");
        m.description = Some(system_description);
        for env in &mut m.environments {
            env.org = org.clone();
            env.space = space.clone();
            env.description = Some(descriptions[0].clone());
            for (i, a) in env.apps.iter_mut().enumerate() {
                a.name = non_empty(names[i].clone());
                a.description = Some(descriptions[i + 1].clone());
                a.memory = Some(descriptions[i + 3].clone());
                for (j, b) in a.bindings.iter_mut().enumerate() {
                    b.purpose = Some(purposes[(i * 9 + j) % purposes.len()].clone());
                }
            }
            for (i, s) in env.services.iter_mut().enumerate() {
                s.name = non_empty(names[(i + 2) % names.len()].clone());
                s.description = Some(descriptions[(i + 5) % descriptions.len()].clone());
                s.offering = Some(purposes[i].clone());
                s.plan = Some(purposes[i + 10].clone());
            }
            for x in &mut env.externals {
                x.label = label.clone();
                x.description = Some(descriptions[11].clone());
            }
        }
        let dot = render::dot(&m, &opts(Some("staging"))).unwrap();
        assert_dot_accepts(&dot);

        let mmd = render::mermaid(&m, &opts(None)).unwrap();
        for line in mmd.lines() {
            // Each label is one `"..."`: user text never adds a quote, a pipe or a backtick.
            let quotes = line.matches('"').count();
            prop_assert!(quotes == 0 || quotes == 2, "{}", line);
            prop_assert!(!line.contains('`'), "{}", line);
            if line.contains("-->|") || line.contains("==>|") || line.contains("-.->|") {
                prop_assert_eq!(line.matches('|').count(), 2, "{}", line);
            }
        }
    }
}

// ---- any size: focus, grouping, the layout timeout (issue 12 item 4) ----

/// A generated model (scripts/gen_model.py) of `apps` apps and `services` instances in
/// `envs` environments, written under a temporary directory.
pub(crate) fn generated(
    apps: usize,
    services: usize,
    envs: usize,
) -> (tempfile::TempDir, std::path::PathBuf) {
    let python = harness::which("python3")
        .expect("python3 is not installed; install it with `apt-get install -y python3`");
    let out = Command::new(python)
        .arg(harness::root().join("scripts/gen_model.py"))
        .args([apps.to_string(), services.to_string(), envs.to_string()])
        .output()
        .expect("the generator runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    std::fs::write(&path, out.stdout).unwrap();
    (dir, path)
}

#[test]
fn focus_draws_one_app_or_instance_with_its_neighbours() {
    let m = model("c2.json");
    let worker = render::dot(
        &m,
        &RenderOptions {
            env: Some("staging"),
            focus: Some("worker"),
            ..RenderOptions::default()
        },
    )
    .unwrap();
    assert!(worker.contains("staging__app__worker") && worker.contains("staging__service__queue"));
    assert!(!worker.contains("staging__app__web\""), "{worker}");
    assert_dot_accepts(&worker);
    let queue = render::mermaid(
        &m,
        &RenderOptions {
            focus: Some("queue"),
            ..RenderOptions::default()
        },
    )
    .unwrap();
    assert!(
        queue.contains("prod__service__queue") && !queue.contains("__service__db"),
        "{queue}"
    );

    let r = harness::run(&["render", "models/c2.json", "--focus", "workr"], None);
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(
        r.stderr.contains("`workr`") && r.stderr.contains("did you mean `worker`"),
        "{}",
        r.stderr
    );
}

/// A model too large to lay out node by node is drawn grouped, by DOT, Mermaid, SVG and
/// docs alike, and says so; `--full` draws every node.
#[test]
fn a_model_too_large_to_lay_out_is_drawn_grouped_and_says_so() {
    harness::require_dot();
    let (dir, path) = generated(200, 200, 2);
    let m = load(&path).unwrap();
    let dot = render::dot(&m, &opts(None)).unwrap();
    assert!(
        dot.contains("grouped") && dot.contains("aggregated:"),
        "{dot}"
    );
    assert!(dot.contains("env00__app__group_20g1\""), "{dot}");
    assert!(dot.matches("->").count() < 400, "grouped edges only");
    assert_dot_accepts(&dot);
    let full = render::dot(
        &m,
        &RenderOptions {
            full: true,
            ..RenderOptions::default()
        },
    )
    .unwrap();
    assert!(!full.contains("aggregated:") && full.matches("->").count() > 1000);
    assert!(
        render::mermaid(&m, &opts(None))
            .unwrap()
            .starts_with("%% aggregated:")
    );

    let out = dir.path().join("docs");
    let r = harness::run(
        &["docs", path.to_str().unwrap(), "-o", out.to_str().unwrap()],
        None,
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    let page = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(page.contains("drawn grouped"), "the page says so");
    let svg = std::fs::read_to_string(out.join("bench-env00.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("apps and 200 service instances, grouped"));
}

/// Every Graphviz call has a time budget: a layout that takes longer is stopped, and the
/// error says how to draw the diagram instead.
#[test]
fn a_layout_over_its_time_budget_is_stopped_and_says_what_to_do() {
    harness::require_dot();
    let (dir, path) = generated(600, 600, 1);
    let out = harness::archcheck_in(dir.path())
        .env("ARCHCHECK_LAYOUT_TIMEOUT", "0.05")
        .args([
            "render",
            path.to_str().unwrap(),
            "--full",
            "--format",
            "svg",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("did not lay out the diagram within 0.05s") && stderr.contains("--focus"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
