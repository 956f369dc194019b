//! The parsers of per-token limits and their sources on any text: IP ranges (from token bodies
//! and TRUSTED_PROXIES), X-Forwarded-For (from every request), and ACCESS_TOKENS_FILE. Never a
//! panic; a range prints as text that parses back to itself; the client address is the peer
//! or one written in the header; an error about the tokens file never shows a token.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::LazyLock;
use vellum::tokens::configured::{ConfiguredTokens, FileFormat};
use vellum::tokens::policy::{IpNet, client_ip};

static TRUSTED: LazyLock<Vec<IpNet>> = LazyLock::new(|| {
    ["10.0.0.0/8", "::1", "2001:db8::/32"]
        .iter()
        .map(|t| IpNet::parse(t).unwrap())
        .collect()
});

static KNOWN: LazyLock<(BTreeSet<String>, BTreeSet<String>)> = LazyLock::new(|| {
    let actions = ["find", "findOne", "create", "update", "delete"]
        .iter()
        .map(|a| format!("api::article.article.{a}"))
        .collect();
    (actions, ["api::article.article".to_string()].into())
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(net) = IpNet::parse(&text) {
        assert_eq!(IpNet::parse(&net.to_string()), Some(net), "{net}");
    }
    let peer: IpAddr = "10.1.2.3".parse().unwrap();
    if let Some(client) = client_ip(Some(peer), Some(&text), &TRUSTED)
        && client != peer
    {
        assert!(text.split(',').any(|hop| hop.trim().parse() == Ok(client)));
    }
    let (actions, types) = &*KNOWN;
    // TOML: anything goes in, nothing panics.
    let _ = ConfiguredTokens::parse(&text, FileFormat::Toml, actions, types);
    if let Err(error) = ConfiguredTokens::parse(&text, FileFormat::Json, actions, types)
        && let Ok(serde_json::Value::Array(entries)) = serde_json::from_str(&text)
    {
        for token in entries.iter().filter_map(|e| e.get("token")?.as_str()) {
            // Only tokens that cannot be in the message by chance: written once in the file
            // (not also as a subject or a restriction), and not words of the messages.
            let distinctive = token.len() >= 12
                && text.matches(token).count() == 1
                && !token.chars().any(char::is_whitespace)
                && token.chars().any(|c| c.is_ascii_digit())
                && token.chars().any(|c| c.is_ascii_alphabetic());
            if distinctive {
                assert!(!error.contains(token), "{error}");
            }
        }
    }
});
