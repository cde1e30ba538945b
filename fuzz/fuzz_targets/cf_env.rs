//! `cf env APP` text: never a panic, and a marker planted in a credential value never shows
//! in the result's `Debug` output (the parser keeps instance names only).
#![no_main]

use archcheck::observe::cf_text::{parse_env, text_from_bytes};
use libfuzzer_sys::fuzz_target;

const HEAD: &str = "Getting env variables for app a in org o / space s as u...\n\nSystem-Provided:\nVCAP_SERVICES: {\n  \"x\": [\n    {\n      \"credentials\": {\n        \"password\": \"FUZZ-SECRET-";

fuzz_target!(|data: &[u8]| {
    let text = text_from_bytes(data);
    let _ = parse_env(&text);
    // The same bytes as the rest of a credential value.
    let planted = format!("{HEAD}{text}");
    let shown = format!("{:?}", parse_env(&planted));
    assert!(!shown.contains("FUZZ-SECRET"), "{shown}");
});
