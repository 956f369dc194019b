//! Generated entries for trying queries and for benchmarks: one SQL statement inserts `count`
//! published rows whose values follow each attribute's type (row `i` gets `i`, `Title i`, …).

use crate::content::schema::{AttributeType, ContentType};
use crate::content::sql::{Dialect, quote};

/// `INSERT … SELECT` of `count` published rows into the type's table.
pub fn statement(dialect: Dialect, content_type: &ContentType, count: u64) -> String {
    let mut columns = vec![quote("document_id")];
    let mut values = vec![match dialect {
        Dialect::Sqlite => "printf('seed%020d', i)".to_string(),
        Dialect::Postgres => "'seed' || lpad(i::text, 20, '0')".to_string(),
    }];
    for attribute in &content_type.attributes {
        let value = match (&attribute.kind, dialect) {
            (AttributeType::Integer | AttributeType::BigInteger, _) => "i".to_string(),
            (AttributeType::Float | AttributeType::Decimal, _) => "i * 1.5".to_string(),
            (AttributeType::Boolean, Dialect::Sqlite) => "i % 2".to_string(),
            (AttributeType::Boolean, Dialect::Postgres) => "i % 2 = 0".to_string(),
            (AttributeType::Date, Dialect::Sqlite) => "'2024-01-01'".to_string(),
            (AttributeType::Date, Dialect::Postgres) => "DATE '2024-01-01'".to_string(),
            (AttributeType::Time, Dialect::Sqlite) => "'12:00:00.000'".to_string(),
            (AttributeType::Time, Dialect::Postgres) => "TIME '12:00:00'".to_string(),
            (AttributeType::DateTime, Dialect::Sqlite) => "'2024-01-01 00:00:00.000'".to_string(),
            (AttributeType::DateTime, Dialect::Postgres) => "TIMESTAMP '2024-01-01'".to_string(),
            (AttributeType::Json, _) => "'{}'".to_string(),
            (AttributeType::Enumeration(values), _) => {
                format!("'{}'", values[0].replace('\'', "''"))
            }
            (AttributeType::Email, _) => "'seed' || i || '@example.com'".to_string(),
            (AttributeType::Uid, _) => "'seed-' || i".to_string(),
            _ => format!("'{} ' || i", attribute.name),
        };
        columns.push(quote(&attribute.column));
        values.push(value);
    }
    let time = match dialect {
        Dialect::Sqlite => "'2024-01-01 00:00:00.000'",
        Dialect::Postgres => "TIMESTAMP '2024-01-01'",
    };
    for column in ["created_at", "updated_at", "published_at"] {
        columns.push(quote(column));
        values.push(time.to_string());
    }
    let rows = match dialect {
        Dialect::Sqlite => format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "
        ),
        Dialect::Postgres => String::new(),
    };
    let source = match dialect {
        Dialect::Sqlite => "FROM n".to_string(),
        Dialect::Postgres => format!("FROM generate_series(1, {count}) AS i"),
    };
    format!(
        "{rows}INSERT INTO {} ({}) SELECT {} {source}",
        quote(&content_type.table),
        columns.join(", "),
        values.join(", ")
    )
}
