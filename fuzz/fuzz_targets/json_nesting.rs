//! JSON bodies nested as deep as the input asks (thousands of levels), read as the server reads
//! them (`serde_json`'s bound of 128 levels) and, when read, walked by every consumer of a
//! body: entry validation and storage of a `json` attribute, GraphQL's argument conversion and
//! the query parser, and async-graphql's request (variables): never a panic, never a stack
//! overflow.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use std::sync::LazyLock;
use vellum::content::query::{Limits, Status, parse};
use vellum::content::schema::ContentType;
use vellum::content::store::{WriteMode, validate};
use vellum::http::graphql::rest_parameters;

#[path = "common.rs"]
mod common;

static GADGET: LazyLock<ContentType> = LazyLock::new(common::gadget);

/// A JSON text: each input byte opens a list or an object, or closes one, or writes a leaf;
/// the repeat count in the low bits makes deep nesting cheap to reach.
fn nested(data: &[u8]) -> String {
    let mut text = String::new();
    let mut open: Vec<u8> = Vec::new();
    for byte in data {
        let times = 1 + usize::from(byte >> 3) * 64;
        for _ in 0..times {
            match byte & 7 {
                0 | 1 => {
                    text.push('[');
                    open.push(b']');
                }
                2 => {
                    text.push_str("{\"k\":");
                    open.push(b'}');
                }
                3 => {
                    text.push_str("{\"$or\":[");
                    open.extend([b'}', b']']);
                }
                4 => text.push_str("\"x\""),
                5 => text.push('1'),
                _ => {
                    if let Some(close) = open.pop() {
                        text.push(char::from(close));
                    }
                }
            }
            if text.ends_with(['"', '1', ']', '}']) && !open.is_empty() && byte & 7 < 6 {
                text.push(',');
            }
        }
    }
    text.push_str("null");
    while let Some(close) = open.pop() {
        text.push(char::from(close));
    }
    text
}

fuzz_target!(|data: &[u8]| {
    let text = nested(data);
    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        let mut body = Map::new();
        body.insert("specs".into(), value.clone());
        body.insert("name".into(), value.clone());
        if let Ok(values) = validate(&GADGET, &body, WriteMode::Create, Status::Published) {
            for (_, stored) in values {
                let _ = format!("{stored:?}");
            }
        }
        let _ = serde_json::from_str::<Value>(&value.to_string());
        let mut arguments = Map::new();
        arguments.insert("filters".into(), value.clone());
        arguments.insert("sort".into(), value);
        let limits = Limits {
            default_limit: 25,
            max_limit: 100,
            max_populate_depth: 10,
        };
        let _ = parse(&Default::default(), &GADGET, &rest_parameters(arguments), limits);
    }
    let request = format!("{{\"query\": \"{{ a }}\", \"variables\": {{\"v\": {text}}}}}");
    let _ = serde_json::from_str::<async_graphql::Request>(&request);
});
