//! `cf env APP` text. For any bytes:
//! - no panic, the same input gives the same result, and a result without a target is never
//!   `Seen` (output that names no space is evidence of nothing); `Unavailable` says why;
//! - a marker planted in a credential value never shows in the result's `Debug` output: the
//!   parser keeps instance names only, and its reasons quote positions, never values.
//!   The fuzzer's own bytes may name an instance after the marker (`"name": "FUZZ-SECRET"`,
//!   or with `\u` escapes); only the bound instance names are excused in that case;
//! - a cut capture is never read as more than the whole: for every prefix cut at a line
//!   boundary (for a small input at every character), bound instance names the prefix shows
//!   are the whole input's, whenever the whole input is read (a v6 capture bound to nothing is
//!   read as such only when whole).
#![no_main]

use archcheck::observe::Coverage;
use archcheck::observe::cf_text::{EnvCapture, parse_env, text_from_bytes};
use libfuzzer_sys::fuzz_target;

const MARKER: &str = "FUZZ-SECRET";
const HEAD: &str = "Getting env variables for app a in org o / space s as u...\n\nSystem-Provided:\nVCAP_SERVICES: {\n  \"x\": [\n    {\n      \"credentials\": {\n        \"password\": \"FUZZ-SECRET-";
const HEAD_V6: &str = "Getting env variables for app a in org o / space s as u...\nOK\n\nSystem-Provided:\n{\n \"VCAP_SERVICES\": {\n  \"x\": [\n   {\n    \"credentials\": {\n     \"password\": \"FUZZ-SECRET-";

fn check_shape(c: &EnvCapture) {
    match &c.bound_instances {
        Coverage::Seen(names) => {
            assert!(c.target.is_some(), "Seen without a target");
            assert!(names.iter().all(|n| !n.is_empty()), "an empty name");
            assert!(
                names.windows(2).all(|w| w[0] < w[1]),
                "names not sorted, unique"
            );
        }
        Coverage::Unavailable { reason } => assert!(!reason.is_empty(), "no reason"),
        Coverage::NotCovered => panic!("a parser never says NotCovered"),
    }
}

fn check_planted(head: &str, text: &str) {
    // The fuzzer's bytes as the rest of a credential value.
    let planted = format!("{head}{text}");
    let c = parse_env(&planted);
    check_shape(&c);
    let excused = text.contains("SECRET") || text.contains("\\u");
    match &c.bound_instances {
        Coverage::Unavailable { reason } => {
            assert!(!reason.contains(MARKER), "credential in a reason: {reason}")
        }
        Coverage::Seen(names) if !excused => {
            assert!(
                names.iter().all(|n| !n.contains(MARKER)),
                "credential kept as a name: {names:?}"
            )
        }
        Coverage::Seen(_) | Coverage::NotCovered => {}
    }
    let shown = format!(
        "{:?}",
        EnvCapture {
            bound_instances: Coverage::Seen(Vec::new()),
            ..c
        }
    );
    assert!(
        !shown.contains(MARKER),
        "credential in Debug output: {shown}"
    );
}

fn check_prefixes(text: &str, whole: &[String]) {
    let line_cuts = text.match_indices('\n').map(|(i, _)| i + 1);
    let char_cuts = (0..text.len()).filter(|&i| text.len() <= 2000 && text.is_char_boundary(i));
    for cut in line_cuts.chain(char_cuts) {
        if let Coverage::Seen(names) = parse_env(&text[..cut]).bound_instances {
            assert_eq!(names, whole, "the prefix cut at byte {cut} reads other bindings");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = text_from_bytes(data);
    let c = parse_env(&text);
    assert_eq!(c, parse_env(&text), "not deterministic");
    check_shape(&c);
    if let Coverage::Seen(names) = &c.bound_instances {
        check_prefixes(&text, names);
    }
    check_planted(HEAD, &text);
    check_planted(HEAD_V6, &text);
});
