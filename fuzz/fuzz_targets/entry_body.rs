//! Entry validation and relation writes on any JSON body: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use vellum::content::query::Status;
use vellum::content::schema::ContentType;
use vellum::content::store::{WriteMode, validate};

#[path = "common.rs"]
mod common;

static GADGET: LazyLock<ContentType> = LazyLock::new(common::gadget);
static BLOG: LazyLock<vellum::content::Registry> = LazyLock::new(common::blog);

fuzz_target!(|data: &[u8]| {
    if let Ok(serde_json::Value::Object(body)) = serde_json::from_slice(data) {
        let _ = validate(&GADGET, &body, WriteMode::Create, Status::Published);
        let _ = validate(&GADGET, &body, WriteMode::Update, Status::Published);
        let article = BLOG.by_uid("api::article.article").unwrap();
        let _ = vellum::content::links::parse_writes(&article, &body);
    }
});
