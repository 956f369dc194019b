//! The token parser on any text: never a panic; whatever it accepts has a known kind and
//! re-parses to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vellum::tokens::format::PlainToken;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(token) = PlainToken::parse(&text) {
        assert_eq!(PlainToken::parse(token.expose()).unwrap(), token);
    }
});
