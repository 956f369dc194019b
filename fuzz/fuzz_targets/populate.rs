//! `populate` (and the query around it) on types related every way Strapi relates them: never
//! a panic; every accepted populate builds, at every level, a statement whose placeholders
//! match its parameters.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use vellum::content::Registry;
use vellum::content::links::related_statement;
use vellum::content::query::{Limits, Populate, Status, parse_query_string};
use vellum::content::sql::{Dialect, Statement};

#[path = "common.rs"]
mod common;

static TYPES: LazyLock<Registry> = LazyLock::new(common::blog);

fn check(dialect: Dialect, statement: &Statement) {
    let marker = if dialect == Dialect::Sqlite { '?' } else { '$' };
    let highest = (1..=statement.binds.len())
        .rev()
        .find(|n| statement.sql.contains(&format!("{marker}{n}")));
    assert_eq!(highest.unwrap_or(0), statement.binds.len(), "{}", statement.sql);
}

fn walk(dialect: Dialect, types: &Registry, uid: &str, populate: &[Populate]) {
    let source = types.by_uid(uid).unwrap();
    for item in populate {
        let relation = &source.relations[item.relation];
        check(dialect, &related_statement(dialect, relation, item, &[1, 2, 3], Status::Draft));
        walk(dialect, types, &item.target.uid, &item.populate);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        default_limit: 25,
        max_limit: 100,
        max_populate_depth: 10,
    };
    let article = TYPES.by_uid("api::article.article").unwrap();
    if let Ok(query) = parse_query_string(&TYPES, &article, text, limits) {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            walk(dialect, &TYPES, &article.uid, &query.populate);
        }
    }
});
