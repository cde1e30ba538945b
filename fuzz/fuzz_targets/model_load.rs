//! The model loader: any text gives a model or a located error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = archcheck::model::load_str("fuzz.json", text);
    }
});
