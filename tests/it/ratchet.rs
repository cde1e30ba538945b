//! The ratchet, `archcheck check MODEL --against OLD`: each kind of removal or weakening is
//! caught with its stable id and exits 1, each acknowledged one (an --allow file, a commit
//! trailer) passes, additions and renames that keep the CF names are no removals, OLD may be
//! `REV:PATH` of a real git repository, and every error names the file and what to do.

use crate::harness::{archcheck_in, model};
use serde_json::{Value, json};
use std::path::Path;

/// The C2 model as JSON (serde_json orders keys: environments dev, prod, staging).
fn c2() -> Value {
    serde_json::from_str(&std::fs::read_to_string(model("c2.json")).unwrap()).unwrap()
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Out {
    let out = archcheck_in(dir).args(args).output().unwrap();
    let o = Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!o.stderr.contains("panicked"), "panic: {}", o.stderr);
    o
}

/// The ids the ratchet lists as not acknowledged, in order.
fn open_ids(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("NOT ACKNOWLEDGED  "))
        .map(str::to_owned)
        .collect()
}

/// `check new --against old` in a fresh directory, with `extra` arguments.
fn ratchet(old: &Value, new: &Value, extra: &[&str]) -> Out {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.json"), old.to_string()).unwrap();
    std::fs::write(dir.path().join("new.json"), new.to_string()).unwrap();
    if let Some(i) = extra.iter().position(|a| *a == "--allow") {
        // The allow file's text follows the flag here; written to allow.txt.
        std::fs::write(dir.path().join("allow.txt"), extra[i + 1]).unwrap();
        let mut args = vec!["check", "new.json", "--against", "old.json"];
        args.extend(&extra[..i]);
        args.extend(["--allow", "allow.txt"]);
        args.extend(&extra[i + 2..]);
        return run_in(dir.path(), &args);
    }
    let mut args = vec!["check", "new.json", "--against", "old.json"];
    args.extend(extra);
    run_in(dir.path(), &args)
}

/// The service list of an app, without `service`.
fn unbind(m: &mut Value, app: &str, service: &str) {
    let list = m["apps"][app]["services"].as_array_mut().unwrap();
    list.retain(|b| b.as_str().unwrap_or_else(|| b["service"].as_str().unwrap()) != service);
}

/// Each kind of removal or weakening, alone: exit 1 and exactly its ids, in every environment
/// it touches; then the same change with each id acknowledged in an --allow file: exit 0.
#[test]
fn each_kind_of_removal_is_caught_and_each_acknowledged_one_passes() {
    type Change = fn(&mut Value);
    let cases: Vec<(&str, Change, Vec<&str>)> = vec![
        (
            "an app removed",
            |m| {
                m["apps"].as_object_mut().unwrap().remove("worker");
            },
            vec!["dev/app/worker", "prod/app/worker", "staging/app/worker"],
        ),
        (
            "a service removed, with its bindings",
            |m| {
                m["services"].as_object_mut().unwrap().remove("search");
                unbind(m, "web", "search");
                unbind(m, "worker", "search");
            },
            vec![
                "dev/service/search",
                "prod/service/search",
                "staging/service/search",
            ],
        ),
        (
            "a binding removed",
            |m| unbind(m, "worker", "queue"),
            vec![
                "dev/binding/worker->queue",
                "prod/binding/worker->queue",
                "staging/binding/worker->queue",
            ],
        ),
        (
            "a binding made non-critical",
            |m| m["apps"]["web"]["services"][1] = json!({ "service": "queue", "critical": false }),
            vec![
                "dev/critical/web->queue",
                "prod/critical/web->queue",
                "staging/critical/web->queue",
            ],
        ),
        (
            "instances lowered",
            |m| m["apps"]["web"]["overrides"]["prod"]["instances"] = json!(1),
            vec!["prod/instances/web"],
        ),
        (
            "an environment dropped",
            |m| {
                m["environments"].as_object_mut().unwrap().remove("prod");
                m["apps"]["web"]
                    .as_object_mut()
                    .unwrap()
                    .remove("overrides");
            },
            vec!["prod/environment"],
        ),
        (
            "a route removed",
            |m| {
                m["apps"]["web"]["overrides"]["prod"]["routes"] = json!(["cap.18f.gov"]);
            },
            vec!["prod/route/web/c2.18f.gov"],
        ),
        (
            "an app's CF name changed: the old name is checked no more",
            |m| m["apps"]["worker"]["name"] = json!("c2-{env}-jobs"),
            vec!["dev/app/worker", "prod/app/worker", "staging/app/worker"],
        ),
    ];
    let old = c2();
    for (what, change, ids) in cases {
        let mut new = old.clone();
        change(&mut new);
        let out = ratchet(&old, &new, &[]);
        assert_eq!(out.code, Some(1), "{what}: {}{}", out.stdout, out.stderr);
        assert_eq!(open_ids(&out.stdout), ids, "{what}:\n{}", out.stdout);
        assert!(
            out.stdout.contains(&format!(
                "{} removed or weakened, 0 acknowledged, {} not (WARNING)",
                if ids.len() == 1 {
                    "1 expectation".to_owned()
                } else {
                    format!("{} expectations", ids.len())
                },
                ids.len()
            )),
            "{what}: {}",
            out.stdout
        );
        assert!(
            out.stdout.contains(&format!(
                "help: if the change is intended, acknowledge each removal by its id, with a reason: a line `{} REASON` in a file given with --allow FILE, or a commit trailer `Archcheck-Allow: {} REASON`",
                ids[0], ids[0]
            )),
            "{what}: {}",
            out.stdout
        );

        // All but the last acknowledged: still 1, naming only the last.
        let some: String = ids[..ids.len() - 1]
            .iter()
            .map(|id| format!("{id} reviewed in #13\n"))
            .collect();
        let out = ratchet(&old, &new, &["--allow", &some]);
        assert_eq!(out.code, Some(1), "{what}: {}", out.stdout);
        assert_eq!(open_ids(&out.stdout), [*ids.last().unwrap()], "{what}");

        let all = format!("# acknowledged removals\n\n{some}{}\n", ids.last().unwrap());
        let out = ratchet(&old, &new, &["--allow", &all]);
        assert_eq!(out.code, Some(0), "{what}: {}{}", out.stdout, out.stderr);
        assert!(open_ids(&out.stdout).is_empty());
        assert!(
            out.stdout.contains(&format!(
                "acknowledged      {}  (allow.txt:3: reviewed in #13)",
                ids[0]
            )) || ids.len() == 1,
            "{what}: {}",
            out.stdout
        );
        assert!(
            out.stdout.contains(&format!(
                "acknowledged      {}  (allow.txt:{})",
                ids.last().unwrap(),
                ids.len() + 2
            )),
            "{what}: {}",
            out.stdout
        );
    }
}

/// Additions, higher counts, ids renamed with the same CF names, and an environment renamed
/// with the same org and space remove nothing: exit 0.
#[test]
fn additions_and_renames_with_the_same_cf_names_are_no_removals() {
    let old = c2();
    let mut new = old.clone();
    // Ids renamed, CF names kept.
    let worker = new["apps"]
        .as_object_mut()
        .unwrap()
        .remove("worker")
        .unwrap();
    new["apps"]["jobs"] = worker;
    let queue = new["services"]
        .as_object_mut()
        .unwrap()
        .remove("queue")
        .unwrap();
    new["services"]["redis"] = queue;
    for app in ["web", "jobs"] {
        for b in new["apps"][app]["services"].as_array_mut().unwrap() {
            if b["service"] == "queue" {
                b["service"] = json!("redis");
            }
        }
    }
    // The environment staging renamed stage, same org and space.
    let staging = new["environments"]
        .as_object_mut()
        .unwrap()
        .remove("staging")
        .unwrap();
    new["environments"]["stage"] = staging;
    new["apps"]["jobs"]["name"] = json!("c2-{env}-worker");
    new["apps"]["jobs"]["overrides"] = json!({ "stage": { "name": "c2-staging-worker" } });
    // ({env} is `stage` now: the names and the route keep their CF names by overrides.)
    new["apps"]["web"]["overrides"]["stage"] =
        json!({ "name": "c2-staging", "routes": ["c2-staging.18f.gov"] });
    for id in [
        "db",
        "redis",
        "search",
        "s3",
        "oauth",
        "newrelic",
        "email",
        "app_param",
        "app_config",
    ] {
        let name = new["services"][id]["name"]
            .as_str()
            .unwrap()
            .replace("{env}", "staging");
        new["services"][id]["overrides"] = json!({ "stage": { "name": name } });
    }
    // Additions: an app, a binding, more instances, a route, a critical binding made critical.
    new["apps"]["admin"] =
        json!({ "name": "c2-{env}-admin", "no_route": true, "services": ["db"] });
    new["apps"]["jobs"]["instances"] = json!(3);
    new["apps"]["web"]["routes"] = json!(["c2-{env}.18f.gov", "c2-{env}.app.cloud.gov"]);
    new["apps"]["web"]["services"][5] = json!({ "service": "newrelic", "purpose": "APM" });
    let out = ratchet(&old, &new, &[]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("new.json against old.json: no expectation removed or weakened"),
        "{}",
        out.stdout
    );
}

/// An acknowledgement that matches nothing is noted (a stale line to remove), and changes
/// nothing of the exit code.
#[test]
fn an_acknowledgement_of_nothing_is_noted() {
    let old = c2();
    let out = ratchet(&old, &old, &["--allow", "staging/app/nope  left over\n"]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "note: acknowledged, but this change removes or weakens nothing of that id (remove the line, or check the id): staging/app/nope (allow.txt:1)"
        ),
        "{}",
        out.stdout
    );
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.gov"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `--against REV:PATH` reads the old model through `git show` in a real repository: the
/// merge-base recipe of the README catches a binding removed on a branch, a commit trailer
/// `Archcheck-Allow:` acknowledges it with --allow-trailers, and a PATH from a subdirectory
/// (`./`) works as git takes it.
#[test]
fn against_a_git_revision_with_commit_trailers() {
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    std::fs::create_dir_all(r.join("models")).unwrap();
    let old = c2();
    std::fs::write(r.join("models/c2.json"), old.to_string()).unwrap();
    git(r, &["init", "-q"]);
    git(r, &["add", "."]);
    git(r, &["commit", "-q", "-m", "the model"]);
    git(r, &["checkout", "-q", "-b", "drop-queue"]);
    let mut new = old.clone();
    unbind(&mut new, "worker", "queue");
    std::fs::write(r.join("models/c2.json"), new.to_string()).unwrap();
    git(r, &["commit", "-q", "-am", "worker: no queue"]);
    let base = git(r, &["merge-base", "main", "HEAD"]).trim().to_owned();
    let against = format!("{base}:models/c2.json");

    let out = run_in(r, &["check", "models/c2.json", "--against", &against]);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert_eq!(
        open_ids(&out.stdout),
        [
            "dev/binding/worker->queue",
            "prod/binding/worker->queue",
            "staging/binding/worker->queue"
        ]
    );
    // No trailers yet.
    let with_trailers = [
        "check",
        "models/c2.json",
        "--against",
        &against,
        "--allow-trailers",
    ];
    assert_eq!(run_in(r, &with_trailers).code, Some(1));

    // A commit on the branch acknowledges two of them; then the third.
    git(
        r,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "Acknowledge the queue\n\nThe worker reads the database now.\n\nArchcheck-Allow: dev/binding/worker->queue worker polls the db\nArchcheck-Allow: staging/binding/worker->queue",
        ],
    );
    let out = run_in(r, &with_trailers);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    assert_eq!(open_ids(&out.stdout), ["prod/binding/worker->queue"]);
    assert!(
        out.stdout
            .contains("acknowledged      dev/binding/worker->queue  (commit ")
            && out.stdout.contains(": worker polls the db)"),
        "{}",
        out.stdout
    );
    git(
        r,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "And prod\n\nArchcheck-Allow: prod/binding/worker->queue",
        ],
    );
    let out = run_in(r, &with_trailers);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);

    // From a subdirectory, PATH relative to it with ./ as git takes it.
    let sub = r.join("models");
    let out = run_in(
        &sub,
        &[
            "check",
            "c2.json",
            "--against",
            &format!("{base}:./c2.json"),
        ],
    );
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    assert_eq!(open_ids(&out.stdout).len(), 3);

    // A revision or path git does not have: exit 3, naming it and what REV:PATH means.
    for bad in [
        format!("{base}:models/nope.json"),
        "no-such-branch:models/c2.json".to_owned(),
    ] {
        let out = run_in(r, &["check", "models/c2.json", "--against", &bad]);
        assert_eq!(out.code, Some(3), "{bad}: {}", out.stdout);
        assert!(
            out.stderr
                .contains(&format!("cannot read {bad} with `git show {bad}`"))
                && out.stderr.contains("PATH is from the repository's root"),
            "{}",
            out.stderr
        );
    }
}

/// Every error of the ratchet names the file and what would be valid, exit 3.
#[test]
fn ratchet_errors_name_the_file_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("new.json"), c2().to_string()).unwrap();
    std::fs::write(
        d.join("broken.json"),
        "{ \"version\": 1, \"system\": \"c2\" ",
    )
    .unwrap();
    for (args, needles) in [
        (
            &["check", "new.json", "--against", "nope.json"][..],
            &["--against nope.json: no such file; for a model in git give REV:PATH"][..],
        ),
        (
            &["check", "new.json", "--against", "broken.json"],
            &["broken.json:1:", "invalid JSON"],
        ),
        (
            &[
                "check",
                "new.json",
                "--against",
                "new.json",
                "--allow-trailers",
            ],
            &[
                "--allow-trailers reads the commits from the --against revision to HEAD, but --against new.json is a file: give REV:PATH",
            ],
        ),
        (
            &[
                "check",
                "new.json",
                "--against",
                "new.json",
                "--allow",
                "none.txt",
            ],
            &["cannot read the --allow file none.txt"],
        ),
        (
            &["check", "new.json", "--allow", "none.txt"],
            &["--against <OLD>"],
        ),
    ] {
        let out = run_in(d, args);
        assert_eq!(out.code, Some(3), "{args:?}: {}{}", out.stdout, out.stderr);
        for n in needles {
            assert!(
                out.stderr.contains(n),
                "{args:?}: missing {n:?} in {}",
                out.stderr
            );
        }
    }
}
