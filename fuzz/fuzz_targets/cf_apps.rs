//! `cf apps` text. For any bytes, what `src/observe/cf_text/mod.rs` promises:
//! - no panic, and the same input gives the same capture;
//! - `Unavailable` always says why; a `Seen` part always comes with its target and layout;
//! - never a `Seen` with nothing in it, except for cf's own `No apps found` message;
//! - every gap names its line; every app kept has a name, a requested state, and is listed
//!   once;
//! - a cut row is never read as complete: for every prefix of the input cut at a line
//!   boundary, an app the prefix shows is the whole input's (a cut inside a row cannot always
//!   be told: `web:1/1` is a whole cell of `web:1/1, worker:0/1`);
//! - a secret planted in a `cf env` capture before or after the input (in English or German,
//!   or without its first line and cut off)
//!   never shows in the result.
#![no_main]

use archcheck::observe::cf_text::{parse_apps, text_from_bytes};
use archcheck::observe::{AppsSeen, Coverage, ObservedApp};
use libfuzzer_sys::fuzz_target;
use std::collections::{HashMap, HashSet};

const MARKER: &str = "FUZZ-SECRET";
const ENVS: [&str; 3] = [
    // Without its first line, cut inside VCAP_SERVICES, then user-provided variables: a
    // capture no parser recognises, so nothing but the excerpts' shape rule keeps it unquoted.
    "System-Provided:\nVCAP_SERVICES: {\n  \"x\": [\n    {\n      \"credentials\": {\n        \"password\": \"FUZZ-SECRET-3\",\n        \"uri\": \"postgres://u:FUZZ-SECRET-4@h/db\"\n\nUser-Provided:\nAPI_KEY: FUZZ-SECRET-5\n",
    "Getting env variables for app a in org o / space s as u...\n\nSystem-Provided:\nVCAP_SERVICES: {\n  \"x\": [\n    {\n      \"credentials\": {\n        \"password\": \"FUZZ-SECRET-1\"\n      },\n      \"name\": \"db\"\n    }\n  ]\n}\n",
    "Obtention des variables d'environnement pour l'application a dans l'organisation o/l'espace s en tant que u...\nOK\n\nFourni par le système :\n{\n \"VCAP_SERVICES\": {\n  \"x\": [\n   {\n    \"credentials\": {\n     \"password\": \"FUZZ-SECRET-2\"\n    }\n   }\n  ]\n }\n}\n",
];

fn check_prefixes(text: &str, whole: &AppsSeen) {
    let by_name: HashMap<&str, &ObservedApp> =
        whole.apps.iter().map(|a| (a.name.as_str(), a)).collect();
    for (cut, _) in text.match_indices('\n') {
        let Coverage::Seen(part) = parse_apps(&text[..cut + 1]).part else {
            continue;
        };
        for a in &part.apps {
            if let Some(w) = by_name.get(a.name.as_str()) {
                assert_eq!(&a, w, "the prefix cut at byte {} reads a row otherwise", cut + 1);
            }
        }
    }
}

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
            check_prefixes(&text, seen);
        }
        Coverage::Unavailable { reason } => assert!(!reason.is_empty(), "no reason"),
        Coverage::NotCovered => panic!("a parser never says NotCovered"),
    }
    if !text.contains("SECRET") {
        for env in ENVS {
            for planted in [format!("{text}\n{env}"), format!("{env}{text}")] {
                let shown = format!("{:?}", parse_apps(&planted));
                assert!(!shown.contains(MARKER), "a planted secret shown: {shown}");
            }
        }
    }
});
