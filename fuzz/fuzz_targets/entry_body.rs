//! Entry validation on any JSON body: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use vellum::content::query::Status;
use vellum::content::schema::ContentType;
use vellum::content::store::{WriteMode, validate};

#[path = "common.rs"]
mod common;

static GADGET: LazyLock<ContentType> = LazyLock::new(common::gadget);

fuzz_target!(|data: &[u8]| {
    if let Ok(serde_json::Value::Object(body)) = serde_json::from_slice(data) {
        let _ = validate(&GADGET, &body, WriteMode::Create, Status::Published);
        let _ = validate(&GADGET, &body, WriteMode::Update, Status::Published);
    }
});
