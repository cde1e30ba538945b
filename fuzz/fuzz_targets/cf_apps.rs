//! `cf apps` text. For any bytes, what `src/observe/cf_text/mod.rs` promises:
//! - no panic, and the same input gives the same capture;
//! - `Unavailable` always says why; a `Seen` part always comes with its target and layout;
//! - never a `Seen` with nothing in it, except for cf's own `No apps found` message;
//! - every gap names its line; every app kept has a name, a requested state, and is listed
//!   once.
#![no_main]

use archcheck::observe::Coverage;
use archcheck::observe::cf_text::{parse_apps, text_from_bytes};
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let text = text_from_bytes(data);
    let capture = parse_apps(&text);
    assert_eq!(capture, parse_apps(&text), "not deterministic");
    match &capture.part {
        Coverage::Seen(seen) => {
            assert!(capture.target.is_some(), "Seen without a target");
            let layout = capture.layout.as_deref().expect("Seen without a layout");
            if seen.apps.is_empty() && seen.gaps.is_empty() {
                assert!(
                    layout.ends_with("empty space"),
                    "Seen with nothing in it ({layout})"
                );
            }
            for gap in &seen.gaps {
                assert!(gap.starts_with("line "), "gap without a line: {gap}");
            }
            let mut names = HashSet::new();
            for a in &seen.apps {
                assert!(!a.name.is_empty(), "an app without a name");
                assert!(names.insert(&a.name), "app `{}` kept twice", a.name);
                assert!(a.state.is_some(), "app `{}` without a state", a.name);
            }
        }
        Coverage::Unavailable { reason } => assert!(!reason.is_empty(), "no reason"),
        Coverage::NotCovered => panic!("a parser never says NotCovered"),
    }
});
