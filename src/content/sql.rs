//! SQL for content tables, in the dialect of the backend in use. Identifiers come from the
//! content type only, always quoted; every value is a bound parameter.

use crate::content::query::{Field, Filter, Operator, Pagination, Query, Sort, Status};
use crate::content::schema::{ContentType, Storage};
use crate::content::value::SqlValue;
use std::fmt::Write;

/// The SQL dialect of a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A statement and its parameters, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub binds: Vec<SqlValue>,
    /// Whether the prepared statement may be kept per connection: only for shapes that clients
    /// cannot multiply (no filter, no field list, at most one sort key), so that the number of
    /// kept statements stays bounded by the content types.
    pub cacheable: bool,
}

/// Key/value pairs per JSON-building call: both backends limit the arguments of a function
/// (SQLite to 1 000, PostgreSQL to 100).
const SQLITE_PAIRS_PER_CALL: usize = 400;
const POSTGRES_PAIRS_PER_CALL: usize = 40;

/// Builds one statement.
pub struct Builder<'a> {
    pub dialect: Dialect,
    content_type: &'a ContentType,
    sql: String,
    binds: Vec<SqlValue>,
    /// The row a sort through relations reads from.
    scope: String,
}

/// `parts` joined by `joiner`, parenthesised in groups of at most eight, halving long lists.
fn balanced(parts: &[String], joiner: &str) -> String {
    if parts.len() <= 8 {
        return format!("({})", parts.join(joiner));
    }
    let (left, right) = parts.split_at(parts.len() / 2);
    format!(
        "({}{joiner}{})",
        balanced(left, joiner),
        balanced(right, joiner)
    )
}

pub fn quote(identifier: &str) -> String {
    format!("\"{identifier}\"")
}

impl<'a> Builder<'a> {
    pub fn new(dialect: Dialect, content_type: &'a ContentType) -> Self {
        Builder {
            dialect,
            content_type,
            sql: String::with_capacity(256),
            binds: Vec::new(),
            scope: quote(&content_type.table),
        }
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    pub fn finish(self) -> Statement {
        Statement {
            sql: self.sql,
            binds: self.binds,
            cacheable: false,
        }
    }

    /// Adds a parameter and returns its placeholder, cast on PostgreSQL when the column is a
    /// date or time (values of those travel as text). NULL is written as a literal, so that
    /// its type never conflicts with the column's.
    pub fn param(&mut self, value: SqlValue, storage: Option<Storage>) -> String {
        if value == SqlValue::Null {
            return "NULL".into();
        }
        self.binds.push(value);
        let n = self.binds.len();
        match self.dialect {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => match storage {
                Some(Storage::Date) => format!("${n}::date"),
                Some(Storage::Time) => format!("${n}::time"),
                Some(Storage::DateTime) => format!("${n}::timestamp"),
                _ => format!("${n}"),
            },
        }
    }

    /// `column IN (ids)` with the ids bound as one value, so that the statement's text is the
    /// same for any number of ids (and may be kept prepared): a JSON array read by `json_each`
    /// on SQLite, an array on PostgreSQL.
    pub fn in_ids(&mut self, column: &str, ids: &[i64]) -> String {
        let mut list = String::with_capacity(ids.len() * 4 + 2);
        list.push(match self.dialect {
            Dialect::Sqlite => '[',
            Dialect::Postgres => '{',
        });
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                list.push(',');
            }
            let _ = write!(list, "{id}");
        }
        list.push(match self.dialect {
            Dialect::Sqlite => ']',
            Dialect::Postgres => '}',
        });
        let placeholder = self.param(SqlValue::Text(list), None);
        match self.dialect {
            Dialect::Sqlite => format!("{column} IN (SELECT value FROM json_each({placeholder}))"),
            Dialect::Postgres => format!("{column} = ANY(CAST({placeholder} AS bigint[]))"),
        }
    }

    /// The quoted column and storage of a field.
    pub fn column(&self, field: Field) -> (String, Storage) {
        column_of(self.content_type, field)
    }

    fn lower(&self, expression: &str) -> String {
        match self.dialect {
            // SQLite's own lower() folds ASCII only; this function is registered per connection.
            Dialect::Sqlite => format!("vellum_lower({expression})"),
            Dialect::Postgres => format!("lower({expression})"),
        }
    }

    /// The JSON text of a row, as one column named `json`: `id`, `documentId`, every public
    /// attribute and the timestamps. With `fields`, the statement's text stays the same (so
    /// that it may be kept prepared whatever fields a client names): a bound mask says which
    /// columns are read, the others are `null`, and `Entry::from_row` leaves them out.
    pub fn push_json_select(&mut self, fields: Option<&[Field]>) {
        let content_type = self.content_type;
        let all = Field::all(content_type);
        let mask = fields.map(|chosen| {
            let mask: String = all
                .iter()
                .map(|field| if chosen.contains(field) { '1' } else { '0' })
                .collect();
            self.param(SqlValue::Text(mask), None)
        });
        let mut pairs: Vec<(&str, Field, Option<usize>)> = Vec::with_capacity(all.len() + 2);
        pairs.extend([
            ("id", Field::Id, None),
            ("documentId", Field::DocumentId, None),
        ]);
        for (position, field) in all.iter().enumerate() {
            let key = match field {
                Field::Attribute(index) => content_type.attributes[*index].name.as_str(),
                Field::CreatedAt => "createdAt",
                Field::UpdatedAt => "updatedAt",
                Field::PublishedAt => "publishedAt",
                Field::Id | Field::DocumentId | Field::CreatedBy => continue,
            };
            pairs.push((key, *field, Some(position + 1)));
        }
        // Past a call's pairs, the objects are joined: PostgreSQL's `(a || b)::text`; SQLite's
        // texts concatenated (`json_patch` would drop every key whose value is null), which
        // holds because each holds scalars only, so that its one `}` ends it.
        let per_call = match self.dialect {
            Dialect::Sqlite => SQLITE_PAIRS_PER_CALL,
            Dialect::Postgres => POSTGRES_PAIRS_PER_CALL,
        };
        let chunks: Vec<&[(&str, Field, Option<usize>)]> = pairs.chunks(per_call).collect();
        if self.dialect == Dialect::Postgres {
            self.sql.push('(');
        }
        for (i, chunk) in chunks.iter().enumerate() {
            let (first, last) = (i == 0, i + 1 == chunks.len());
            match self.dialect {
                Dialect::Sqlite if !first => self.sql.push_str(" || ',' || "),
                Dialect::Postgres if !first => self.sql.push_str(" || "),
                _ => {}
            }
            if self.dialect == Dialect::Sqlite {
                if !first {
                    self.sql.push_str("ltrim(");
                }
                if !last {
                    self.sql.push_str("rtrim(");
                }
            }
            self.sql.push_str(match self.dialect {
                Dialect::Sqlite => "json_object(",
                Dialect::Postgres => "jsonb_build_object(",
            });
            for (j, (key, field, position)) in chunk.iter().enumerate() {
                if j > 0 {
                    self.sql.push_str(", ");
                }
                let column = column_name(content_type, *field);
                match (&mask, position) {
                    (Some(mask), Some(at)) => write!(
                        self.sql,
                        "'{key}', CASE WHEN substr({mask}, {at}, 1) = '1' THEN \"{column}\" END"
                    ),
                    _ => write!(self.sql, "'{key}', \"{column}\""),
                }
                .expect("writing to a String");
            }
            self.sql.push(')');
            if self.dialect == Dialect::Sqlite {
                if !last {
                    self.sql.push_str(", '}')");
                }
                if !first {
                    self.sql.push_str(", '{')");
                }
            }
        }
        self.push(match self.dialect {
            Dialect::Sqlite => " AS json",
            Dialect::Postgres => ")::text AS json",
        });
    }

    /// `WHERE` for the status and the filter (or nothing when neither applies).
    pub fn push_where(&mut self, status: Status, filter: Option<&Filter>) {
        let mut clauses = Vec::new();
        if let Some(clause) = status_clause(self.content_type, status) {
            clauses.push(clause.to_string());
        }
        if let Some(filter) = filter {
            clauses.push(self.filter(filter));
        }
        if !clauses.is_empty() {
            self.push(" WHERE ").push(&clauses.join(" AND "));
        }
    }

    /// A filter as SQL. Long `AND`/`OR` lists are nested as a balanced tree, so that the
    /// database's expression depth grows with the logarithm of their length: a chain of a
    /// thousand `OR`s (a search over a thousand text fields) passes SQLite's limit of 1 000.
    pub fn filter(&mut self, filter: &Filter) -> String {
        let content_type = self.content_type;
        self.filter_on(content_type, filter)
    }

    /// A filter on the rows of `content_type` (the builder's own, or a related type's inside
    /// a relation's condition).
    fn filter_on(&mut self, content_type: &ContentType, filter: &Filter) -> String {
        match filter {
            Filter::And(children) | Filter::Or(children) => {
                let joiner = if matches!(filter, Filter::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let parts: Vec<String> = children
                    .iter()
                    .map(|c| self.filter_on(content_type, c))
                    .collect();
                balanced(&parts, joiner)
            }
            Filter::Not(child) => format!("(NOT {})", self.filter_on(content_type, child)),
            Filter::Condition {
                field,
                operator,
                values,
            } => self.condition(column_of(content_type, *field), *operator, values),
            Filter::Related {
                relation,
                target,
                filter,
                ..
            } => {
                // `"id" IN (the sources linked to a target that matches)`: unqualified, so that
                // it reads the rows of the level it stands at, and nests.
                let link = &content_type.relations[*relation].link;
                let (source, target_column) =
                    (quote(&link.source_column), quote(&link.target_column));
                let table = quote(&link.table);
                match filter {
                    None => format!(
                        "(\"id\" IN (SELECT {source} FROM {table} WHERE {source} IS NOT NULL))"
                    ),
                    Some(inner) => {
                        let condition = self.filter_on(target, inner);
                        format!(
                            "(\"id\" IN (SELECT {source} FROM {table} WHERE {target_column} IN \
                             (SELECT \"id\" FROM {} WHERE {condition})))",
                            quote(&target.table)
                        )
                    }
                }
            }
        }
    }

    fn condition(
        &mut self,
        (column, storage): (String, Storage),
        operator: Operator,
        values: &[SqlValue],
    ) -> String {
        let first = values.first().cloned().unwrap_or(SqlValue::Null);
        let flag = first == SqlValue::Boolean(true);
        match operator {
            Operator::Null | Operator::NotNull => {
                let is_null = (operator == Operator::Null) == flag;
                format!("({column} IS {}NULL)", if is_null { "" } else { "NOT " })
            }
            Operator::In | Operator::NotIn => {
                if values.is_empty() {
                    return if operator == Operator::In {
                        "(1 = 0)"
                    } else {
                        "(1 = 1)"
                    }
                    .into();
                }
                let list: Vec<String> = values
                    .iter()
                    .map(|v| self.param(v.clone(), Some(storage)))
                    .collect();
                let not = if operator == Operator::NotIn {
                    "NOT "
                } else {
                    ""
                };
                format!("({column} {not}IN ({}))", list.join(", "))
            }
            Operator::Between => {
                let low = self.param(first, Some(storage));
                let high = self.param(
                    values.get(1).cloned().unwrap_or(SqlValue::Null),
                    Some(storage),
                );
                format!("({column} BETWEEN {low} AND {high})")
            }
            Operator::Eq
            | Operator::Ne
            | Operator::Lt
            | Operator::Lte
            | Operator::Gt
            | Operator::Gte => {
                let symbol = match operator {
                    Operator::Eq => "=",
                    Operator::Ne => "<>",
                    Operator::Lt => "<",
                    Operator::Lte => "<=",
                    Operator::Gt => ">",
                    _ => ">=",
                };
                let value = self.param(first, Some(storage));
                format!("({column} {symbol} {value})")
            }
            Operator::Eqi | Operator::Nei => {
                let value = self.param(first, Some(storage));
                let symbol = if operator == Operator::Eqi { "=" } else { "<>" };
                format!("({} {symbol} {})", self.lower(&column), self.lower(&value))
            }
            _ => self.text_match(column, operator, first),
        }
    }

    /// `$contains`, `$startsWith`, `$endsWith` and their `i` and `not` forms, without LIKE (whose
    /// case rules differ between the backends and whose wildcards would need escaping).
    fn text_match(&mut self, column: String, operator: Operator, value: SqlValue) -> String {
        let insensitive = matches!(
            operator,
            Operator::Containsi
                | Operator::NotContainsi
                | Operator::StartsWithi
                | Operator::EndsWithi
        );
        let value = self.param(value, None);
        let (column, value) = if insensitive {
            (self.lower(&column), self.lower(&value))
        } else {
            (column, value)
        };
        let test = match (operator, self.dialect) {
            (
                Operator::Contains
                | Operator::NotContains
                | Operator::Containsi
                | Operator::NotContainsi,
                Dialect::Sqlite,
            ) => format!("instr({column}, {value}) > 0"),
            (
                Operator::Contains
                | Operator::NotContains
                | Operator::Containsi
                | Operator::NotContainsi,
                Dialect::Postgres,
            ) => format!("strpos({column}, {value}) > 0"),
            (Operator::StartsWith | Operator::StartsWithi, Dialect::Sqlite) => {
                format!("substr({column}, 1, length({value})) = {value}")
            }
            (Operator::StartsWith | Operator::StartsWithi, Dialect::Postgres) => {
                format!("left({column}, length({value})) = {value}")
            }
            (_, Dialect::Sqlite) => format!(
                "CASE WHEN length({value}) = 0 THEN {column} = {column} \
                 ELSE substr({column}, -length({value})) = {value} END"
            ),
            (_, Dialect::Postgres) => format!("right({column}, length({value})) = {value}"),
        };
        if matches!(operator, Operator::NotContains | Operator::NotContainsi) {
            format!("(NOT ({test}))")
        } else {
            format!("({test})")
        }
    }

    /// `ORDER BY` the sort keys, then `id` so that pages are stable. NULL sorts as the largest
    /// value on both backends.
    pub fn push_order(&mut self, sort: &[Sort]) {
        let mut keys = self.order_keys(sort);
        if !sort.iter().any(|key| key.field == Field::Id) {
            keys.push(format!("{} ASC", quote("id")));
        }
        self.push(" ORDER BY ").push(&keys.join(", "));
    }

    /// The sort keys as `ORDER BY` terms.
    pub fn order_keys(&self, sort: &[Sort]) -> Vec<String> {
        sort.iter()
            .map(|key| {
                let column = if key.through.is_empty() {
                    self.column(key.field).0
                } else {
                    self.related_value(key)
                };
                if key.descending {
                    format!("{column} DESC NULLS FIRST")
                } else {
                    format!("{column} ASC NULLS LAST")
                }
            })
            .collect()
    }

    /// The value a row sorts by through relations: the least related value ascending, the
    /// greatest descending (Strapi's first of the related rows in the sort's order), NULL when
    /// there is none. Read at the row `scope` names.
    fn related_value(&self, key: &Sort) -> String {
        let mut here = self.content_type;
        let mut ids = format!("{}.\"id\"", self.scope);
        for (n, hop) in key.through.iter().enumerate() {
            let link = &here.relations[hop.relation].link;
            let alias = format!("l{n}");
            let condition = if n == 0 {
                format!("= {ids}")
            } else {
                format!("IN ({ids})")
            };
            ids = format!(
                "SELECT {alias}.{} FROM {} {alias} WHERE {alias}.{} {condition}",
                quote(&link.target_column),
                quote(&link.table),
                quote(&link.source_column)
            );
            here = &hop.target;
        }
        let (column, _) = column_of(here, key.field);
        let aggregate = if key.descending { "MAX" } else { "MIN" };
        format!(
            "(SELECT {aggregate}(s.{column}) FROM {} s WHERE s.\"id\" IN ({ids}))",
            quote(&here.table)
        )
    }

    /// Names the row that sorts through relations read from (`x` in a subquery); the table
    /// itself by default.
    pub fn scope(&mut self, alias: &str) {
        self.scope = quote(alias);
    }

    pub fn push_limit(&mut self, pagination: Pagination) {
        let limit = self.param(SqlValue::Integer(to_i64(pagination.limit())), None);
        let offset = self.param(SqlValue::Integer(to_i64(pagination.offset())), None);
        // SQLite reads a bare `LIMIT ?` while planning, so that binding it again expires the
        // prepared statement: every page was parsed and planned anew. An expression is bound
        // at run time like any other value.
        let limit = match self.dialect {
            Dialect::Sqlite => format!("CAST({limit} AS INTEGER)"),
            Dialect::Postgres => limit,
        };
        self.push(&format!(" LIMIT {limit} OFFSET {offset}"));
    }
}

/// The quoted column and storage of a field of `content_type`.
fn column_of(content_type: &ContentType, field: Field) -> (String, Storage) {
    let storage = match field {
        Field::Id | Field::CreatedBy => Storage::Integer,
        Field::DocumentId => Storage::Text,
        Field::CreatedAt | Field::UpdatedAt | Field::PublishedAt => Storage::DateTime,
        Field::Attribute(index) => content_type.attributes[index].kind.storage(),
    };
    (quote(column_name(content_type, field)), storage)
}

/// The column of a field of `content_type`, unquoted.
fn column_name(content_type: &ContentType, field: Field) -> &str {
    match field {
        Field::Id => "id",
        Field::DocumentId => "document_id",
        Field::CreatedAt => "created_at",
        Field::UpdatedAt => "updated_at",
        Field::PublishedAt => "published_at",
        Field::CreatedBy => "created_by_id",
        Field::Attribute(index) => &content_type.attributes[index].column,
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Which rows are the version a status reads: drafts have no `published_at`.
pub fn status_clause(content_type: &ContentType, status: Status) -> Option<&'static str> {
    if !content_type.draft_and_publish {
        return None;
    }
    Some(match status {
        Status::Published => "\"published_at\" IS NOT NULL",
        Status::Draft => "\"published_at\" IS NULL",
    })
}

/// `SELECT json … WHERE … ORDER BY … LIMIT … OFFSET …` for a find.
pub fn find(dialect: Dialect, content_type: &ContentType, query: &Query) -> Statement {
    let mut builder = Builder::new(dialect, content_type);
    builder.push("SELECT ");
    builder.push_json_select(query.fields.as_deref());
    builder.push(" FROM ").push(&quote(&content_type.table));
    builder.push_where(query.status, query.filter.as_ref());
    builder.push_order(&query.sort);
    builder.push_limit(query.pagination);
    let mut statement = builder.finish();
    statement.cacheable = bounded_shape(query.filter.as_ref(), &query.sort);
    statement
}

/// Whether a read's statement has a shape that clients cannot multiply (no filter, at most one
/// sort key on the type's own attributes; field lists are bound values), so that it may be kept
/// prepared.
pub fn bounded_shape(filter: Option<&Filter>, sort: &[Sort]) -> bool {
    filter.is_none() && sort.len() <= 1 && sort.iter().all(|key| key.through.is_empty())
}

/// `SELECT COUNT(*)` for a find's total.
pub fn count(dialect: Dialect, content_type: &ContentType, query: &Query) -> Statement {
    let mut builder = Builder::new(dialect, content_type);
    builder
        .push("SELECT COUNT(*) AS count FROM ")
        .push(&quote(&content_type.table));
    builder.push_where(query.status, query.filter.as_ref());
    let mut statement = builder.finish();
    statement.cacheable = query.filter.is_none();
    statement
}

/// One version of one document (or, for a single type, of the only document).
pub fn find_one(
    dialect: Dialect,
    content_type: &ContentType,
    document_id: Option<&str>,
    query: &Query,
) -> Statement {
    let mut builder = Builder::new(dialect, content_type);
    builder.push("SELECT ");
    builder.push_json_select(query.fields.as_deref());
    builder.push(" FROM ").push(&quote(&content_type.table));
    let document = document_id.map(|id| {
        let id = builder.param(SqlValue::Text(id.to_string()), None);
        format!("{} = {id}", quote("document_id"))
    });
    let mut clauses: Vec<String> = document.into_iter().collect();
    if let Some(clause) = status_clause(content_type, query.status) {
        clauses.push(clause.to_string());
    }
    if let Some(filter) = &query.filter {
        clauses.push(builder.filter(filter));
    }
    if !clauses.is_empty() {
        builder.push(" WHERE ").push(&clauses.join(" AND "));
    }
    builder.push(" ORDER BY \"id\" ASC LIMIT 1");
    let mut statement = builder.finish();
    statement.cacheable = query.filter.is_none();
    statement
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::query::tests::article;
    use crate::content::query::{Limits, parse_query_string};
    use serde_json::{Map, Value, json};

    fn find_of(dialect: Dialect, raw: &str) -> Statement {
        let content_type = article();
        let limits = Limits {
            default_limit: 25,
            max_limit: 100,
            max_populate_depth: 3,
        };
        let registry = crate::content::Registry::default();
        let query = parse_query_string(&registry, &content_type, raw, limits).unwrap();
        find(dialect, &content_type, &query)
    }

    /// The part of a statement after `FROM "articles"`.
    fn tail(statement: &Statement) -> &str {
        let at = statement.sql.find(" FROM ").unwrap();
        &statement.sql[at..]
    }

    #[test]
    fn a_plain_find_reads_published_rows_in_id_order_and_may_be_kept() {
        let statement = find_of(Dialect::Sqlite, "");
        assert!(
            statement.sql.starts_with(
                "SELECT json_object('id', \"id\", 'documentId', \"document_id\", 'title', \"title\""
            ),
            "{}",
            statement.sql
        );
        assert_eq!(
            tail(&statement),
            " FROM \"articles\" WHERE \"published_at\" IS NOT NULL ORDER BY \"id\" ASC LIMIT CAST(?1 AS INTEGER) OFFSET ?2"
        );
        assert_eq!(
            statement.binds,
            [SqlValue::Integer(25), SqlValue::Integer(0)]
        );
        assert!(statement.cacheable);
    }

    /// Runs `statement` `times` times on one prepared SQLite statement, over a table of
    /// `content_type` holding one published row, binding its values each time; answers how
    /// often SQLite re-prepared it and the first column of the last run's rows.
    fn run_on_sqlite(
        content_type: &ContentType,
        statement: &Statement,
        times: usize,
    ) -> (i32, Vec<String>) {
        use libsqlite3_sys as ffi;
        use std::ffi::{CStr, CString};
        let columns = [
            "document_id",
            "created_at",
            "updated_at",
            "published_at",
            "created_by_id",
        ]
        .into_iter()
        .chain(content_type.attributes.iter().map(|a| a.column.as_str()))
        .map(quote)
        .collect::<Vec<_>>()
        .join(", ");
        let table = quote(&content_type.table);
        let setup = CString::new(format!(
            "CREATE TABLE {table} (\"id\" INTEGER PRIMARY KEY, {columns}); \
             INSERT INTO {table} (\"document_id\", \"published_at\") VALUES ('d', '2024-01-02 03:04:05.000');"
        ))
        .unwrap();
        let sql = CString::new(statement.sql.as_str()).unwrap();
        // SAFETY: one connection and one statement, used on this thread only and closed at
        // the end; every pointer passed comes from SQLite or outlives the call, and column
        // text is copied before the next step.
        unsafe {
            let mut db = std::ptr::null_mut();
            assert_eq!(
                ffi::sqlite3_open(c":memory:".as_ptr(), &mut db),
                ffi::SQLITE_OK
            );
            let rc = ffi::sqlite3_exec(
                db,
                setup.as_ptr(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
            assert_eq!(rc, ffi::SQLITE_OK);
            let mut stmt = std::ptr::null_mut();
            let flags = ffi::SQLITE_PREPARE_PERSISTENT;
            let rc = ffi::sqlite3_prepare_v3(
                db,
                sql.as_ptr(),
                -1,
                flags,
                &mut stmt,
                std::ptr::null_mut(),
            );
            assert_eq!(rc, ffi::SQLITE_OK, "{}", statement.sql);
            let mut rows = Vec::new();
            for _ in 0..times {
                for (at, value) in statement.binds.iter().enumerate() {
                    let at = i32::try_from(at + 1).unwrap();
                    match value {
                        SqlValue::Integer(n) => ffi::sqlite3_bind_int64(stmt, at, *n),
                        SqlValue::Text(text) => ffi::sqlite3_bind_text(
                            stmt,
                            at,
                            text.as_ptr().cast(),
                            i32::try_from(text.len()).unwrap(),
                            ffi::SQLITE_TRANSIENT(),
                        ),
                        other => panic!("a bind this test does not take: {other:?}"),
                    };
                }
                rows.clear();
                while ffi::sqlite3_step(stmt) == ffi::SQLITE_ROW {
                    let text = ffi::sqlite3_column_text(stmt, 0);
                    rows.push(CStr::from_ptr(text.cast()).to_string_lossy().into_owned());
                }
                ffi::sqlite3_reset(stmt);
            }
            let count = ffi::sqlite3_stmt_status(stmt, ffi::SQLITE_STMTSTATUS_REPREPARE, 0);
            ffi::sqlite3_finalize(stmt);
            ffi::sqlite3_close(db);
            (count, rows)
        }
    }

    #[test]
    fn a_wide_row_is_read_through_chained_json_objects() {
        // Both backends limit a function's arguments: past 400 pairs on SQLite and 40 on
        // PostgreSQL, objects are joined, keeping the keys whose value is null.
        let attributes: Map<String, Value> = (0..450)
            .map(|i| (format!("a{i}"), json!({"type": "string"})))
            .collect();
        let wide = crate::content::schema::parse(&json!({
            "kind": "collectionType",
            "info": {"singularName": "wide", "pluralName": "wides"},
            "options": {"draftAndPublish": true},
            "attributes": attributes,
        }))
        .unwrap();
        let limits = Limits {
            default_limit: 25,
            max_limit: 100,
            max_populate_depth: 3,
        };
        let query =
            parse_query_string(&crate::content::Registry::default(), &wide, "", limits).unwrap();
        let (_, rows) = run_on_sqlite(&wide, &find(Dialect::Sqlite, &wide, &query), 1);
        let row: Map<String, Value> = serde_json::from_str(&rows[0]).unwrap();
        let keys: Vec<&str> = row.keys().map(String::as_str).collect();
        let mut expected = vec!["id".to_string(), "documentId".to_string()];
        expected.extend((0..450).map(|i| format!("a{i}")));
        expected.extend(["createdAt", "updatedAt", "publishedAt"].map(String::from));
        assert_eq!(keys, expected);
        assert_eq!(row["publishedAt"], "2024-01-02 03:04:05.000");
        let postgres = find(Dialect::Postgres, &wide, &query).sql;
        assert!(
            postgres.starts_with("SELECT (jsonb_build_object('id', \"id\", ")
                && postgres.contains("'a37', \"a37\") || jsonb_build_object('a38', \"a38\"")
                && postgres.contains(")::text AS json FROM \"wides\""),
            "{postgres}"
        );
    }

    #[test]
    fn field_lists_are_bound_so_that_one_statement_serves_them_all() {
        let title = find_of(Dialect::Sqlite, "fields[0]=title");
        let published = find_of(Dialect::Sqlite, "fields[0]=views&fields[1]=publishedAt");
        assert_eq!(title.sql, published.sql);
        assert!(title.cacheable && published.cacheable);
        let read = |statement: &Statement| {
            let (reprepares, rows) = run_on_sqlite(&article(), statement, 2);
            assert_eq!(reprepares, 0);
            serde_json::from_str::<Map<String, Value>>(&rows[0]).unwrap()
        };
        // The columns not named are not read: null, left out by `Entry::from_row`.
        assert_eq!(read(&title)["publishedAt"], Value::Null);
        assert_eq!(read(&published)["publishedAt"], "2024-01-02 03:04:05.000");
        assert_eq!(read(&published)["documentId"], "d");
    }

    #[test]
    fn a_kept_page_statement_is_not_planned_again_for_new_values() {
        // A bare `LIMIT ?` made SQLite re-prepare the statement on every execution.
        for raw in ["", "sort=title:desc"] {
            let (reprepares, rows) = run_on_sqlite(&article(), &find_of(Dialect::Sqlite, raw), 3);
            assert_eq!((reprepares, rows.len()), (0, 1), "{raw}");
        }
    }

    #[test]
    fn values_are_bound_and_identifiers_quoted_in_each_dialect() {
        let hostile = "x' OR '1'='1";
        let raw =
            format!("filters[title][$eq]={hostile}&filters[born][$gte]=2024-01-02&status=draft");
        let sqlite = find_of(Dialect::Sqlite, &raw);
        assert_eq!(
            tail(&sqlite),
            " FROM \"articles\" WHERE \"published_at\" IS NULL AND ((\"born\" >= ?1) AND (\"title\" = ?2)) \
             ORDER BY \"id\" ASC LIMIT CAST(?3 AS INTEGER) OFFSET ?4"
        );
        assert_eq!(sqlite.binds[1], SqlValue::Text(hostile.into()));
        assert!(!sqlite.sql.contains(hostile));
        assert!(!sqlite.cacheable);
        // PostgreSQL numbers its parameters and casts the ones that travel as text.
        let postgres = find_of(Dialect::Postgres, &raw);
        assert!(
            tail(&postgres).contains("((\"born\" >= $1::date) AND (\"title\" = $2))"),
            "{}",
            postgres.sql
        );
        assert!(postgres.sql.starts_with("SELECT (jsonb_build_object("));
    }

    #[test]
    fn sorting_puts_nulls_where_strapi_does_and_ends_on_the_id() {
        let statement = find_of(Dialect::Postgres, "sort=views:desc,title");
        assert!(
            statement.sql.contains(
                " ORDER BY \"views\" DESC NULLS FIRST, \"title\" ASC NULLS LAST, \"id\" ASC LIMIT"
            ),
            "{}",
            statement.sql
        );
        assert!(!statement.cacheable, "two sort keys multiply shapes");
    }

    #[test]
    fn operators_become_their_sql() {
        for (raw, expected) in [
            (
                "filters[views][$in][0]=1&filters[views][$in][1]=2",
                "(\"views\" IN (?1, ?2))",
            ),
            (
                "filters[views][$between][0]=1&filters[views][$between][1]=2",
                "(\"views\" BETWEEN ?1 AND ?2)",
            ),
            ("filters[title][$null]=true", "(\"title\" IS NULL)"),
            ("filters[title][$notNull]=true", "(\"title\" IS NOT NULL)"),
            (
                "filters[title][$eqi]=X",
                "(vellum_lower(\"title\") = vellum_lower(?1))",
            ),
            ("filters[title][$contains]=x", "(instr(\"title\", ?1) > 0)"),
            (
                "filters[title][$notContainsi]=x",
                "(NOT (instr(vellum_lower(\"title\"), vellum_lower(?1)) > 0))",
            ),
            (
                "filters[title][$startsWith]=x",
                "(substr(\"title\", 1, length(?1)) = ?1)",
            ),
            ("filters[$not][views][$lt]=3", "(NOT (\"views\" < ?1))"),
        ] {
            let statement = find_of(Dialect::Sqlite, raw);
            assert!(
                tail(&statement).contains(&format!("IS NOT NULL AND {expected} ORDER BY")),
                "{raw}: {}",
                statement.sql
            );
        }
    }

    #[test]
    fn long_chains_nest_as_a_balanced_tree() {
        let parts: Vec<String> = (0..1000).map(|i| format!("c{i}")).collect();
        let sql = balanced(&parts, " OR ");
        let mut depth = 0usize;
        let mut deepest = 0;
        for c in sql.chars() {
            match c {
                '(' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                ')' => depth -= 1,
                _ => {}
            }
        }
        assert_eq!(depth, 0);
        // log2(1000 / 8) levels of halving, plus the groups of eight.
        assert!(deepest <= 9, "{deepest}");
        assert_eq!(sql.matches(" OR ").count(), 999);
        assert_eq!(balanced(&parts[..3], " AND "), "(c0 AND c1 AND c2)");
    }
}
