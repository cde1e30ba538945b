//! The command line as a whole: usage errors, help, version.

use crate::harness::archcheck;

/// A usage error is UNKNOWN (3), never clap's 2, which a pipeline reads as CRITICAL.
#[test]
fn usage_errors_exit_3_and_help_and_version_exit_0() {
    for args in [
        &["verify"][..],
        &["no-such-command"],
        &["render", "models/c2.json", "--format", "png"],
    ] {
        let out = archcheck().args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(3),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stderr.is_empty(), "{args:?}: the error is on stderr");
    }
    for args in [&["--help"][..], &["--version"], &["verify", "--help"]] {
        let out = archcheck().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!out.stdout.is_empty());
    }
}

/// `-` never waits forever on a terminal; with no stdin data it reads an empty capture.
#[test]
fn an_empty_stdin_capture_is_unknown() {
    let out = archcheck()
        .args([
            "verify",
            "models/c2.json",
            "--env",
            "staging",
            "--cf-services",
            "-",
        ])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

/// Bad values are caught by clap before any I/O: a usage error naming the flag, exit 3.
#[test]
fn bad_flag_values_are_usage_errors_naming_the_flag() {
    for (args, flag) in [
        (
            &["watch", "models/c2.json", "--listen", "localhost"][..],
            "--listen <ADDR>",
        ),
        (
            &["sim", "models/c2.json", "--listen", "9022"],
            "--listen <ADDR>",
        ),
        (
            &["watch", "models/c2.json", "--once", "--interval", "5y"],
            "--interval <DURATION>",
        ),
        (
            &["verify", "models/c2.json", "--api", "--timeout", "0s"],
            "--timeout <DURATION>",
        ),
        (
            &["check", "models/c2.json", "--color", "sometimes"],
            "--color <WHEN>",
        ),
    ] {
        let out = archcheck().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {err}");
        assert!(
            err.contains("invalid value") && err.contains(flag),
            "{args:?}: {err}"
        );
    }
}

/// Every command's `--help`, whole: an accidental change to the interface shows in review.
#[test]
fn every_command_s_help_is_as_reviewed() {
    use clap::CommandFactory;
    let cli = archcheck::cli::Cli::command();
    let mut names = vec![String::new()];
    names.extend(cli.get_subcommands().map(|c| c.get_name().to_owned()));
    for name in names {
        let mut args: Vec<&str> = vec![];
        if !name.is_empty() {
            args.push(&name);
        }
        args.push("--help");
        let r = crate::harness::run(&args, None);
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
        let snapshot = if name.is_empty() {
            "help".to_owned()
        } else {
            format!("help_{name}")
        };
        crate::assert_filtered_snapshot!(snapshot, r.stdout);
    }
}
