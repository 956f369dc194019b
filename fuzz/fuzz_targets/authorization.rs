//! The Authorization header parsers on any value: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = vellum::auth::parse_bearer(&text);
    let _ = vellum::auth::parse_basic(&text);
});
