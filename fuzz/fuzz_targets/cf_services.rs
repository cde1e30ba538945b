//! `cf services` text. For any bytes, what `src/observe/cf_text/mod.rs` promises:
//! - no panic, and the same input gives the same capture;
//! - `Unavailable` always says why; a `Seen` part always comes with its target and layout;
//! - never a `Seen` with nothing in it, except for cf's own empty-space message: a `Seen`
//!   without instances and without gaps is the `No service instances found` layout;
//! - every gap names its line; every instance kept has a name, listed once;
//! - a cut row is never read as complete: for every prefix of the input cut at a line
//!   boundary, an instance the prefix shows is the whole input's; for a small input also at
//!   every character, up to its last operation (name, offering, plan, bound apps, last
//!   operation), but for a v6/v7 user-provided row, which shows none and so cannot be told
//!   from a cut one;
//! - a secret planted in a `cf env` capture before or after the input (in English or German,
//!   or without its first line and cut off)
//!   never shows in the result: no excerpt quotes a line of another capture.
#![no_main]

use archcheck::observe::cf_text::{parse_services, text_from_bytes};
use archcheck::observe::{Coverage, ObservedService, ServicesSeen};
use libfuzzer_sys::fuzz_target;
use std::collections::{HashMap, HashSet};

const MARKER: &str = "FUZZ-SECRET";
const ENVS: [&str; 3] = [
    // Without its first line, cut inside VCAP_SERVICES, then user-provided variables: a
    // capture no parser recognises, so nothing but the excerpts' shape rule keeps it unquoted.
    "System-Provided:\nVCAP_SERVICES: {\n  \"x\": [\n    {\n      \"credentials\": {\n        \"password\": \"FUZZ-SECRET-3\",\n        \"uri\": \"postgres://u:FUZZ-SECRET-4@h/db\"\n\nUser-Provided:\nAPI_KEY: FUZZ-SECRET-5\n",
    "Getting env variables for app a in org o / space s as u...\n\nSystem-Provided:\nVCAP_SERVICES: {\n  \"x\": [\n    {\n      \"credentials\": {\n        \"password\": \"FUZZ-SECRET-1\"\n      },\n      \"name\": \"db\"\n    }\n  ]\n}\n",
    "Abrufen von Umgebungsvariablen für App a in Organisation o / Bereich s als u...\nOK\n\nVom System zur Verfügung gestellt:\n{\n \"VCAP_SERVICES\": {\n  \"x\": [\n   {\n    \"credentials\": {\n     \"password\": \"FUZZ-SECRET-2\"\n    }\n   }\n  ]\n }\n}\n",
];

/// What a row shows up to its last operation: a character cut after it can only shorten the
/// broker or upgrade cells.
fn up_to_last_operation(i: &ObservedService) -> impl PartialEq + std::fmt::Debug + '_ {
    (
        &i.name,
        &i.offering,
        &i.plan,
        i.user_provided,
        &i.bound_apps,
        &i.last_operation,
    )
}

fn check_prefixes(text: &str, whole: &ServicesSeen) {
    let by_name: HashMap<&str, &ObservedService> =
        whole.instances.iter().map(|i| (i.name.as_str(), i)).collect();
    let line_cuts = text.match_indices('\n').map(|(i, _)| (i + 1, true));
    let char_cuts = (0..text.len())
        .filter(|&i| text.len() <= 2000 && text.is_char_boundary(i))
        .map(|i| (i, false));
    for (cut, at_line) in line_cuts.chain(char_cuts) {
        let Coverage::Seen(part) = parse_services(&text[..cut]).part else {
            continue;
        };
        // A v6/v7 user-provided row has no last operation: cut inside its bound apps it cannot
        // be told from a whole one (README: capture whole lines). Any other row is checked.
        for i in part
            .instances
            .iter()
            .filter(|i| at_line || !(i.user_provided && i.last_operation.is_none()))
        {
            let Some(w) = by_name.get(i.name.as_str()) else {
                continue;
            };
            if at_line {
                assert_eq!(&i, w, "the prefix cut at byte {cut} reads a row otherwise");
            } else {
                assert_eq!(
                    up_to_last_operation(i),
                    up_to_last_operation(w),
                    "a row cut at byte {cut} is read as complete"
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = text_from_bytes(data);
    let capture = parse_services(&text);
    assert_eq!(capture, parse_services(&text), "not deterministic");
    match &capture.part {
        Coverage::Seen(seen) => {
            assert!(capture.target.is_some(), "Seen without a target");
            let layout = capture.layout.as_deref().expect("Seen without a layout");
            if seen.instances.is_empty() && seen.gaps.is_empty() {
                assert!(
                    layout.ends_with("empty space"),
                    "Seen with nothing in it ({layout})"
                );
            }
            for gap in &seen.gaps {
                assert!(gap.starts_with("line "), "gap without a line: {gap}");
            }
            let mut names = HashSet::new();
            for i in &seen.instances {
                assert!(!i.name.is_empty(), "an instance without a name");
                assert!(names.insert(&i.name), "instance `{}` kept twice", i.name);
            }
            check_prefixes(&text, seen);
        }
        Coverage::Unavailable { reason } => assert!(!reason.is_empty(), "no reason"),
        Coverage::NotCovered => panic!("a parser never says NotCovered"),
    }
    if !text.contains("SECRET") {
        for env in ENVS {
            for planted in [format!("{text}\n{env}"), format!("{env}{text}")] {
                let shown = format!("{:?}", parse_services(&planted));
                assert!(!shown.contains(MARKER), "a planted secret shown: {shown}");
            }
        }
    }
});
