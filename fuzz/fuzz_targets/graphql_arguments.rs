//! GraphQL list arguments (any JSON) turned into REST parameters and parsed as `/api` does, then
//! built into SQL: never a panic; every accepted query builds a statement whose placeholders
//! match its parameters.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use vellum::content::query::{Limits, parse};
use vellum::content::schema::ContentType;
use vellum::content::sql::{self, Dialect};
use vellum::http::graphql::rest_parameters;

#[path = "common.rs"]
mod common;

static GADGET: LazyLock<ContentType> = LazyLock::new(common::gadget);

fuzz_target!(|data: &[u8]| {
    let Ok(serde_json::Value::Object(arguments)) = serde_json::from_slice(data) else {
        return;
    };
    let params = rest_parameters(arguments);
    let limits = Limits {
        default_limit: 25,
        max_limit: 100,
        max_populate_depth: 10,
    };
    if let Ok(query) = parse(&Default::default(), &GADGET, &params, limits) {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let statement = sql::find(dialect, &GADGET, &query);
            let marker = if dialect == Dialect::Sqlite { '?' } else { '$' };
            for n in 1..=statement.binds.len() {
                assert!(
                    statement.sql.contains(&format!("{marker}{n}")),
                    "parameter {n} unused: {}",
                    statement.sql
                );
            }
        }
    }
});
