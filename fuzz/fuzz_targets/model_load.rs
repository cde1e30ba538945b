//! The model loader: any bytes give a model or a located error, never a panic, and the error
//! renders (file:line:col, a code frame) without a panic, naming the file on its first line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match archcheck::model::load_bytes("fuzz.json", data) {
        Ok(model) => {
            for env in &model.environments {
                let _ = env.bindings().count();
            }
        }
        Err(e) => {
            assert!(!e.problems.is_empty(), "an error without a problem");
            for p in &e.problems {
                if let Some(offset) = p.offset {
                    let _ = e.line_col(offset);
                }
            }
            let shown = e.to_string();
            assert!(
                shown.starts_with("fuzz.json"),
                "error does not name the file: {shown}"
            );
        }
    }
});
