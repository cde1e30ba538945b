//! `cf services` text: any bytes give a capture (Seen or Unavailable), never a panic, and a
//! `Seen` part always comes with the target its first line named.
#![no_main]

use archcheck::observe::Coverage;
use archcheck::observe::cf_text::{parse_services, text_from_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = text_from_bytes(data);
    let capture = parse_services(&text);
    if let Coverage::Seen(_) = capture.part {
        assert!(capture.target.is_some());
    }
});
