//! The query-string parser and the SQL builder on any query string: never a panic; every
//! accepted query builds a statement whose placeholders match its parameters.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use vellum::content::query::{Limits, parse_query_string};
use vellum::content::schema::ContentType;
use vellum::content::sql::{self, Dialect};

#[path = "common.rs"]
mod common;

static GADGET: LazyLock<ContentType> = LazyLock::new(common::gadget);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        default_limit: 25,
        max_limit: 100,
        max_populate_depth: 10,
    };
    if let Ok(query) = parse_query_string(&Default::default(), &GADGET, text, limits) {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let statement = sql::find(dialect, &GADGET, &query);
            let marker = if dialect == Dialect::Sqlite { '?' } else { '$' };
            let highest = (1..=statement.binds.len())
                .rev()
                .find(|n| statement.sql.contains(&format!("{marker}{n}")));
            assert_eq!(
                highest.unwrap_or(0),
                statement.binds.len(),
                "{}",
                statement.sql
            );
            let _ = sql::count(dialect, &GADGET, &query);
        }
    }
});
