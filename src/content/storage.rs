//! Content tables: created at start in the backend's dialect and changed additively when a
//! schema changes. A removed attribute keeps its column and data; an incompatible type change is
//! refused. Nothing is ever dropped automatically.

use crate::content::schema::{ContentType, Relation, Storage};
use crate::content::sql::{Dialect, quote};
use crate::db::DbConnection;
use crate::db::schema::content_types;
use chrono::NaiveDateTime;
use diesel::QueryableByName;
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
        let reports = types
            .iter_mut()
            .map(|content_type| Ok((content_type.uid.clone(), sync(conn, content_type, now)?)))
            .collect::<Result<Vec<_>, SyncError>>()?;
        sync_links(conn, types)?;
        Ok(reports)
    })
}

/// `sync` for one type, in its own transaction, with the link tables of every relation of
/// `types` (the set the type belongs to, already linked).
pub fn sync_one(
    conn: &mut DbConnection,
    content_type: &mut ContentType,
    types: &[ContentType],
    now: NaiveDateTime,
) -> Result<SyncReport, SyncError> {
    crate::db::exclusive(conn, "content_types", |conn| {
        let report = sync(conn, content_type, now)?;
        sync_links(conn, types)?;
        Ok(report)
    })
}

/// Creates the link table of every owning side of a relation, adds the order columns a kind
/// change needs, and refuses a change that the stored links no longer fit (a list become a
/// single value while entries hold several, a target changed).
pub fn sync_links(conn: &mut DbConnection, types: &[ContentType]) -> Result<(), SyncError> {
    let dialect = dialect_of(conn);
    for content_type in types {
        for relation in content_type.relations.iter().filter(|r| r.link.owner) {
            let Some(target) = types.iter().find(|t| t.uid == relation.target) else {
                continue;
            };
            sync_link(conn, dialect, content_type, relation, &target.table)?;
        }
    }
    Ok(())
}

fn sync_link(
    conn: &mut DbConnection,
    dialect: Dialect,
    owner: &ContentType,
    relation: &Relation,
    target_table: &str,
) -> Result<(), SyncError> {
    let link = &relation.link;
    let table = quote(&link.table);
    let orders: Vec<&String> = [&link.order_column, &link.inverse_order_column]
        .into_iter()
        .flatten()
        .collect();
    let order_type = match dialect {
        Dialect::Sqlite => "REAL",
        Dialect::Postgres => "DOUBLE PRECISION",
    };
    let present = columns_of(conn, dialect, &link.table)?;
    if present.is_empty() {
        let id = match dialect {
            Dialect::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL",
            Dialect::Postgres => "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        };
        let mut columns = vec![
            format!("\"id\" {id}"),
            format!(
                "{} INTEGER REFERENCES {}(\"id\") ON DELETE CASCADE",
                quote(&link.source_column),
                quote(&owner.table)
            ),
            format!(
                "{} INTEGER REFERENCES {}(\"id\") ON DELETE CASCADE",
                quote(&link.target_column),
                quote(target_table)
            ),
        ];
        columns.extend(orders.iter().map(|c| format!("{} {order_type}", quote(c))));
        conn.batch_execute(&format!("CREATE TABLE {table} ({})", columns.join(", ")))?;
    } else {
        for column in [&link.source_column, &link.target_column] {
            if !present.contains(column) {
                return Err(SyncError::Incompatible(format!(
                    "{}: relation `{}` no longer fits its links in `{}` (no column `{column}`): \
                     its target changed; add a new attribute instead",
                    owner.uid, relation.name, link.table
                )));
            }
        }
        for column in &orders {
            if !present.contains(*column) {
                conn.batch_execute(&format!(
                    "ALTER TABLE {table} ADD COLUMN {} {order_type}",
                    quote(column)
                ))?;
            }
        }
        let (source, target) = (quote(&link.source_column), quote(&link.target_column));
        let crowded = |column: &str| {
            format!(
                "SELECT CAST({column} AS TEXT) AS name FROM {table} \
                 GROUP BY {column} HAVING COUNT(*) > 1 LIMIT 1"
            )
        };
        let mut checks = Vec::new();
        if !relation.cardinality.to_many() {
            checks.push((crowded(&source), "entries link to several targets"));
        }
        if !relation.cardinality.from_many() && relation.inversed_by.is_some() {
            checks.push((crowded(&target), "targets are linked from several entries"));
        }
        for (sql, what) in checks {
            if !diesel::sql_query(sql).load::<NameRow>(conn)?.is_empty() {
                return Err(SyncError::Incompatible(format!(
                    "{}: relation `{}` cannot become {}: {what}, and links would be lost",
                    owner.uid,
                    relation.name,
                    relation.cardinality.name()
                )));
            }
        }
    }
    let mut indexes = vec![
        ("fk", format!("({})", quote(&link.source_column)), false),
        ("ifk", format!("({})", quote(&link.target_column)), false),
        (
            "uq",
            format!(
                "({}, {})",
                quote(&link.source_column),
                quote(&link.target_column)
            ),
            true,
        ),
    ];
    if let Some(order) = &link.order_column {
        indexes.push((
            "ofk",
            format!("({}, {})", quote(&link.source_column), quote(order)),
            false,
        ));
    }
    if let Some(order) = &link.inverse_order_column {
        indexes.push((
            "oifk",
            format!("({}, {})", quote(&link.target_column), quote(order)),
            false,
        ));
    }
    for (suffix, columns, unique) in indexes {
        let unique = if unique { "UNIQUE " } else { "" };
        conn.batch_execute(&format!(
            "CREATE {unique}INDEX IF NOT EXISTS {} ON {table} {columns}",
            quote(&format!("{}_{suffix}", link.table))
        ))?;
    }
    Ok(())
}

/// The columns of `table` (none when there is no such table).
fn columns_of(conn: &mut DbConnection, dialect: Dialect, table: &str) -> QueryResult<Vec<String>> {
    let Some(literal_table) = literal(table) else {
        return Ok(Vec::new());
    };
    let sql = match dialect {
        Dialect::Sqlite => format!("SELECT name FROM pragma_table_info({literal_table})"),
        Dialect::Postgres => format!(
            "SELECT column_name AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = {literal_table}"
        ),
    };
    Ok(diesel::sql_query(sql)
        .load::<NameRow>(conn)?
        .into_iter()
        .map(|row| row.name)
        .collect())
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
        for name in own_names(dialect, &content_type.table) {
            if name_taken(conn, dialect, &name)? {
                return Err(SyncError::Incompatible(format!(
                    "{}: collectionName `{}` cannot be used: the database already holds `{name}`, \
                     which is not this content type's; set another collectionName",
                    content_type.uid, content_type.table
                )));
            }
        }
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
    }
    if !report.created {
        add_admin_columns(conn, dialect, &content_type.table)?;
    }
    sync_indexes(conn, dialect, content_type, &known)?;
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
    for column in ADMIN_COLUMNS {
        columns.push(format!("{} INTEGER", quote(column)));
    }
    let table = quote(&content_type.table);
    conn.batch_execute(&format!("CREATE TABLE {table} ({})", columns.join(", ")))
        .map_err(|e| {
            tracing::warn!(content_type = %content_type.uid, error = %e, "cannot create table");
            SyncError::Incompatible(format!(
                "{}: cannot create table `{}`",
                content_type.uid, content_type.table
            ))
        })
}

/// The admins who created and last changed a document, as Strapi stores them: set by the
/// content manager (a Content API write sets neither), read by its ownership condition.
pub const ADMIN_COLUMNS: [&str; 2] = ["created_by_id", "updated_by_id"];

/// Adds `ADMIN_COLUMNS` to a table made before they existed.
fn add_admin_columns(
    conn: &mut DbConnection,
    dialect: Dialect,
    table: &str,
) -> Result<(), SyncError> {
    let present = columns_of(conn, dialect, table)?;
    for column in ADMIN_COLUMNS {
        if !present.iter().any(|name| name == column) {
            conn.batch_execute(&format!(
                "ALTER TABLE {} ADD COLUMN {} INTEGER",
                quote(table),
                quote(column)
            ))?;
        }
    }
    Ok(())
}

/// What an index of a content table is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// Unique within each version (draft, published) of an attribute.
    Unique,
    /// Vellum's `index: true` on an attribute.
    Plain,
    /// The system columns every read uses.
    DocumentId,
    PublishedAt,
}

impl IndexKind {
    fn suffix(self) -> &'static str {
        match self {
            IndexKind::Unique => "unique",
            IndexKind::Plain => "index",
            IndexKind::DocumentId => "doc",
            IndexKind::PublishedAt => "pub",
        }
    }
}

/// The prefix of the indexes Vellum makes on content tables; no content table may take it.
pub const INDEX_PREFIX: &str = "vx_";

/// The name of an index on a content table's `column`: unique by construction (a hash of the
/// exact table, column and kind, which the readable part only repeats, cut to fit) and within
/// PostgreSQL's 63 bytes, so that no two indexes, of one type or of two, share a name.
pub fn index_name(table: &str, column: &str, kind: IndexKind) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{table}\0{column}\0{}", kind.suffix()).as_bytes());
    let hash = hex::encode(&digest[..6]);
    let suffix = kind.suffix();
    let room = 63 - INDEX_PREFIX.len() - suffix.len() - hash.len() - 2;
    let readable: String = format!("{table}_{column}").chars().take(room).collect();
    format!("{INDEX_PREFIX}{readable}_{suffix}_{hash}")
}

/// The names earlier versions gave these indexes (`{table}_{column}_unique`, …), as the
/// backend stored them (PostgreSQL cuts names at 63 bytes): found on a table, they are
/// replaced.
fn legacy_names(dialect: Dialect, table: &str, columns: &BTreeMap<String, String>) -> Vec<String> {
    let mut names = vec![
        format!("{table}_document_id"),
        format!("{table}_published_at"),
    ];
    for column in columns.keys() {
        names.push(format!("{table}_{column}_unique"));
        names.push(format!("{table}_{column}_index"));
    }
    if dialect == Dialect::Postgres {
        for name in &mut names {
            name.truncate(63);
        }
    }
    names
}

/// Makes the indexes of a content table exactly those its schema asks for, under their
/// names: creates the missing, drops the ones no longer asked for and those under an old name.
fn sync_indexes(
    conn: &mut DbConnection,
    dialect: Dialect,
    content_type: &ContentType,
    known: &BTreeMap<String, String>,
) -> Result<(), SyncError> {
    let table = &content_type.table;
    let quoted = quote(table);
    let mut wanted = vec![
        (
            index_name(table, "document_id", IndexKind::DocumentId),
            format!("CREATE INDEX IF NOT EXISTS {{name}} ON {quoted} (\"document_id\")"),
            None,
        ),
        (
            index_name(table, "published_at", IndexKind::PublishedAt),
            format!("CREATE INDEX IF NOT EXISTS {{name}} ON {quoted} (\"published_at\")"),
            None,
        ),
    ];
    for attribute in &content_type.attributes {
        let column = quote(&attribute.column);
        if attribute.unique {
            // Unique within each version: a draft and its published copy share the value.
            wanted.push((
                index_name(table, &attribute.column, IndexKind::Unique),
                format!(
                    "CREATE UNIQUE INDEX IF NOT EXISTS {{name}} ON {quoted} ({column}, (\"published_at\" IS NULL))"
                ),
                Some(attribute),
            ));
        }
        if attribute.index {
            wanted.push((
                index_name(table, &attribute.column, IndexKind::Plain),
                format!("CREATE INDEX IF NOT EXISTS {{name}} ON {quoted} ({column})"),
                None,
            ));
        }
    }
    for (name, create, unique) in &wanted {
        conn.batch_execute(&create.replace("{name}", &quote(name)))
            .map_err(|e| match unique {
                Some(attribute) => {
                    tracing::warn!(content_type = %content_type.uid, error = %e, "cannot create a unique index");
                    SyncError::Incompatible(format!(
                        "{}: attribute `{}` cannot become unique: entries already share a value",
                        content_type.uid, attribute.name
                    ))
                }
                None => SyncError::Database(e),
            })?;
    }
    let legacy = legacy_names(dialect, table, known);
    for existing in indexes_of(conn, dialect, table)? {
        let stale =
            existing.starts_with(INDEX_PREFIX) && !wanted.iter().any(|(n, _, _)| *n == existing);
        if stale || legacy.contains(&existing) {
            conn.batch_execute(&format!("DROP INDEX IF EXISTS {}", quote(&existing)))?;
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// A name as an SQL string literal; only the identifiers Vellum makes (`[a-z0-9_]`) are asked
/// about, anything else is never written into a statement.
fn literal(name: &str) -> Option<String> {
    name.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        .then(|| format!("'{name}'"))
}

/// The indexes on `table`, from the catalog.
fn indexes_of(conn: &mut DbConnection, dialect: Dialect, table: &str) -> QueryResult<Vec<String>> {
    let Some(table) = literal(table) else {
        return Ok(Vec::new());
    };
    let sql = match dialect {
        Dialect::Sqlite => {
            format!("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = {table}")
        }
        Dialect::Postgres => format!(
            "SELECT indexname AS name FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = {table}"
        ),
    };
    Ok(diesel::sql_query(sql)
        .load::<NameRow>(conn)?
        .into_iter()
        .map(|row| row.name)
        .collect())
}

/// The names a content table of this name takes in the database besides its own (PostgreSQL's
/// primary key and identity sequence).
fn own_names(dialect: Dialect, table: &str) -> Vec<String> {
    match dialect {
        Dialect::Sqlite => vec![table.to_string()],
        Dialect::Postgres => vec![
            table.to_string(),
            format!("{table}_pkey"),
            format!("{table}_id_seq"),
        ],
    }
}

/// Whether a table, index, sequence or view of this name already exists.
fn name_taken(conn: &mut DbConnection, dialect: Dialect, name: &str) -> QueryResult<bool> {
    let Some(name) = literal(name) else {
        return Ok(true);
    };
    let sql = match dialect {
        Dialect::Sqlite => format!("SELECT name FROM sqlite_master WHERE lower(name) = {name}"),
        Dialect::Postgres => format!(
            "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relname = {name}"
        ),
    };
    Ok(!diesel::sql_query(sql).load::<NameRow>(conn)?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_are_distinct_and_fit_postgres() {
        let a = index_name("foo", "bar_baz", IndexKind::Unique);
        let b = index_name("foo_bar", "baz", IndexKind::Unique);
        assert_ne!(a, b);
        assert!(a.starts_with("vx_foo_bar_baz_unique_"), "{a}");
        let table = "t".repeat(50);
        let column = "c".repeat(120);
        let unique = index_name(&table, &column, IndexKind::Unique);
        let plain = index_name(&table, &column, IndexKind::Plain);
        assert_ne!(unique, plain);
        assert!(unique.len() <= 63 && plain.len() <= 63, "{unique} {plain}");
        assert_ne!(
            index_name(&table, &format!("{column}x"), IndexKind::Unique),
            unique
        );
    }
}
