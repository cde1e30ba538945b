//! The manifest reader (YAML, `((var))` interpolation, cf push's legacy attributes), the
//! vars-file reader and the manifest checks against the C2 model. For any input:
//! - no panic, and the same input gives the same result;
//! - an error names the file (and a line when it has one);
//! - a value planted under a top-level `env:` never shows in the result or in an error (the
//!   reader skips `env:` values unread). The fuzzer's own bytes may write the marker
//!   themselves (or with YAML escapes); that case is excused.
#![no_main]

use archcheck::manifest::{self, Vars};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const MARKER: &str = "FUZZ-ENVSECRET";
/// Anchored, so that an input aliasing `*fuzzsecret` elsewhere tries to read it.
const PLANTED: &str = "env:\n  PASSWORD: &fuzzsecret FUZZ-ENVSECRET\n";

fn model() -> &'static archcheck::model::Model {
    static MODEL: OnceLock<archcheck::model::Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        archcheck::model::load_str("c2.json", include_str!("../../models/c2.json"))
            .expect("models/c2.json loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line doubles as a `--var`, the whole input as a vars file.
    let mut vars = Vars::new();
    let _ = vars.add_var(text.lines().next().unwrap_or_default());
    if let Err(e) = vars.add_file("vars.yml", text) {
        assert!(e.to_string().starts_with("vars.yml"), "{e}");
    }
    let result = manifest::read("fuzz.yml", text, &vars);
    assert_eq!(
        result,
        manifest::read("fuzz.yml", text, &vars),
        "not deterministic"
    );
    match &result {
        Ok(m) => {
            for app in &m.apps {
                for r in &app.routes {
                    let _ = r.matches("a.example.gov");
                    let _ = r.to_string();
                }
            }
            for env in &model().environments {
                let _ = manifest::verdict(model(), env, m);
            }
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz.yml"), "{e}"),
    }

    let planted = format!("{PLANTED}{text}");
    let shown = match manifest::read("fuzz.yml", &planted, &vars) {
        Ok(m) => format!("{m:?}"),
        Err(e) => format!("{e}"),
    };
    let excused = text.contains("SECRET") || text.contains('\\');
    assert!(
        excused || !shown.contains(MARKER),
        "an env: value shown: {shown}"
    );
});
