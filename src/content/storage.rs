//! Content tables: created at start in the backend's dialect and changed additively when a
//! schema changes. A removed attribute keeps its column and data; an incompatible type change is
//! refused. Nothing is ever dropped automatically.

use crate::content::schema::{ContentType, Storage};
use crate::content::sql::{Dialect, quote};
use crate::db::DbConnection;
use crate::db::schema::content_types;
use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::collections::BTreeMap;

/// What applying a schema did, beyond the silent parts.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub created: bool,
    pub added_columns: Vec<String>,
    /// Columns kept although their attribute left the schema.
    pub kept_columns: Vec<String>,
}

/// Why a schema cannot be applied.
#[derive(Debug)]
pub enum SyncError {
    Incompatible(String),
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for SyncError {
    fn from(error: diesel::result::Error) -> Self {
        SyncError::Database(error)
    }
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyncError::Incompatible(message) => f.write_str(message),
            SyncError::Database(error) => write!(f, "database: {error}"),
        }
    }
}

fn storage_name(storage: Storage) -> &'static str {
    match storage {
        Storage::Text => "text",
        Storage::Integer => "integer",
        Storage::BigInteger => "biginteger",
        Storage::Real => "real",
        Storage::Boolean => "boolean",
        Storage::Date => "date",
        Storage::Time => "time",
        Storage::DateTime => "datetime",
        Storage::Json => "json",
    }
}

fn column_type(dialect: Dialect, storage: Storage) -> &'static str {
    match (dialect, storage) {
        (Dialect::Sqlite, Storage::Integer | Storage::BigInteger) => "INTEGER",
        (Dialect::Sqlite, Storage::Real) => "REAL",
        (Dialect::Sqlite, Storage::Boolean) => "BOOLEAN",
        (Dialect::Sqlite, _) => "TEXT",
        (Dialect::Postgres, Storage::Text | Storage::Json) => "TEXT",
        (Dialect::Postgres, Storage::Integer) => "INTEGER",
        (Dialect::Postgres, Storage::BigInteger) => "BIGINT",
        (Dialect::Postgres, Storage::Real) => "DOUBLE PRECISION",
        (Dialect::Postgres, Storage::Boolean) => "BOOLEAN",
        (Dialect::Postgres, Storage::Date) => "DATE",
        (Dialect::Postgres, Storage::Time) => "TIME(3)",
        (Dialect::Postgres, Storage::DateTime) => "TIMESTAMP(3)",
    }
}

pub fn dialect_of(conn: &DbConnection) -> Dialect {
    match conn {
        DbConnection::Sqlite(_) => Dialect::Sqlite,
        DbConnection::Pg(_) => Dialect::Postgres,
    }
}

/// Creates or updates the table of each content type, in one transaction.
pub fn sync_all(
    conn: &mut DbConnection,
    types: &mut [ContentType],
    now: NaiveDateTime,
) -> Result<Vec<(String, SyncReport)>, SyncError> {
    crate::db::exclusive(conn, "content_types", |conn| {
        types
            .iter_mut()
            .map(|content_type| Ok((content_type.uid.clone(), sync(conn, content_type, now)?)))
            .collect()
    })
}

/// `sync` for one type, in its own transaction.
pub fn sync_one(
    conn: &mut DbConnection,
    content_type: &mut ContentType,
    now: NaiveDateTime,
) -> Result<SyncReport, SyncError> {
    crate::db::exclusive(conn, "content_types", |conn| sync(conn, content_type, now))
}

/// Creates the table of a new content type, or adds the columns of new attributes, and records
/// the type's retired columns in it. Runs inside the caller's transaction.
pub fn sync(
    conn: &mut DbConnection,
    content_type: &mut ContentType,
    now: NaiveDateTime,
) -> Result<SyncReport, SyncError> {
    let dialect = dialect_of(conn);
    let stored: Option<(String, String)> = content_types::table
        .filter(content_types::uid.eq(&content_type.uid))
        .select((content_types::table_name, content_types::known_columns))
        .first(conn)
        .optional()?;
    let mut report = SyncReport::default();
    let mut known: BTreeMap<String, String> = match &stored {
        None => BTreeMap::new(),
        Some((table, _)) if table != &content_type.table => {
            return Err(SyncError::Incompatible(format!(
                "{}: its table changed from `{table}` to `{}`; renaming a table is not done automatically",
                content_type.uid, content_type.table
            )));
        }
        Some((_, columns)) => serde_json::from_str(columns).unwrap_or_default(),
    };
    if stored.is_none() {
        create_table(conn, dialect, content_type)?;
        report.created = true;
    }
    let table = quote(&content_type.table);
    for attribute in &content_type.attributes {
        let storage = storage_name(attribute.kind.storage());
        match known.get(&attribute.column) {
            Some(existing) if existing == storage => {}
            Some(existing) => {
                return Err(SyncError::Incompatible(format!(
                    "{}: attribute `{}` changed from {existing} to {} storage ({}); \
                     add a new attribute instead, the old column keeps its data",
                    content_type.uid,
                    attribute.name,
                    storage,
                    attribute.kind.name()
                )));
            }
            None => {
                if !report.created {
                    conn.batch_execute(&format!(
                        "ALTER TABLE {table} ADD COLUMN {} {}",
                        quote(&attribute.column),
                        column_type(dialect, attribute.kind.storage())
                    ))?;
                    report.added_columns.push(attribute.column.clone());
                }
                known.insert(attribute.column.clone(), storage.to_string());
            }
        }
        let index = quote(&format!(
            "{}_{}_unique",
            content_type.table, attribute.column
        ));
        if attribute.unique {
            // Unique within each version: a draft and its published copy share the value.
            conn.batch_execute(&format!(
                "CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ({}, (\"published_at\" IS NULL))",
                quote(&attribute.column)
            ))
            .map_err(|e| {
                SyncError::Incompatible(format!(
                    "{}: attribute `{}` cannot become unique: {e}",
                    content_type.uid, attribute.name
                ))
            })?;
        } else {
            conn.batch_execute(&format!("DROP INDEX IF EXISTS {index}"))?;
        }
        let plain = quote(&format!(
            "{}_{}_index",
            content_type.table, attribute.column
        ));
        if attribute.index {
            conn.batch_execute(&format!(
                "CREATE INDEX IF NOT EXISTS {plain} ON {table} ({})",
                quote(&attribute.column)
            ))?;
        } else {
            conn.batch_execute(&format!("DROP INDEX IF EXISTS {plain}"))?;
        }
    }
    report.kept_columns = known
        .keys()
        .filter(|column| !content_type.attributes.iter().any(|a| &a.column == *column))
        .cloned()
        .collect();
    content_type.retired_columns = report.kept_columns.clone();
    let schema = content_type.source.to_string();
    let columns = serde_json::to_string(&known).unwrap_or_else(|_| "{}".into());
    if stored.is_some() {
        diesel::update(content_types::table.filter(content_types::uid.eq(&content_type.uid)))
            .set((
                content_types::schema.eq(&schema),
                content_types::known_columns.eq(&columns),
                content_types::updated_at.eq(now),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(content_types::table)
            .values((
                content_types::uid.eq(&content_type.uid),
                content_types::table_name.eq(&content_type.table),
                content_types::schema.eq(&schema),
                content_types::known_columns.eq(&columns),
                content_types::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(report)
}

fn create_table(
    conn: &mut DbConnection,
    dialect: Dialect,
    content_type: &ContentType,
) -> Result<(), SyncError> {
    let (id, time) = match dialect {
        Dialect::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL", "TEXT"),
        Dialect::Postgres => (
            "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            "TIMESTAMP(3)",
        ),
    };
    let mut columns = vec![
        format!("\"id\" {id}"),
        "\"document_id\" TEXT NOT NULL".to_string(),
    ];
    for attribute in &content_type.attributes {
        columns.push(format!(
            "{} {}",
            quote(&attribute.column),
            column_type(dialect, attribute.kind.storage())
        ));
    }
    columns.push(format!("\"created_at\" {time} NOT NULL"));
    columns.push(format!("\"updated_at\" {time} NOT NULL"));
    columns.push(format!("\"published_at\" {time}"));
    columns.push("\"locale\" TEXT".to_string());
    let table = quote(&content_type.table);
    let index = quote(&format!("{}_document_id", content_type.table));
    let published = quote(&format!("{}_published_at", content_type.table));
    conn.batch_execute(&format!(
        "CREATE TABLE {table} ({}); \
         CREATE INDEX {index} ON {table} (\"document_id\"); \
         CREATE INDEX {published} ON {table} (\"published_at\")",
        columns.join(", ")
    ))
    .map_err(|e| {
        SyncError::Incompatible(format!(
            "{}: cannot create table `{}`: {e}",
            content_type.uid, content_type.table
        ))
    })
}
