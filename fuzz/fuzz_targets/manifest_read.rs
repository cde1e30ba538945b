//! Fuzz target: the manifest reader (YAML, `((var))` interpolation, cf push's legacy
//! attributes) and the vars-file reader must never panic on any input.

#![no_main]

use archcheck::manifest::{self, Vars};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line doubles as a `--var`, the whole input as a vars file.
    let mut vars = Vars::new();
    let _ = vars.add_var(text.lines().next().unwrap_or_default());
    let _ = vars.add_file("vars.yml", text);
    if let Ok(m) = manifest::read("fuzz.yml", text, &vars) {
        for app in &m.apps {
            for r in &app.routes {
                let _ = r.matches("a.example.gov");
                let _ = r.to_string();
            }
        }
    }
});
