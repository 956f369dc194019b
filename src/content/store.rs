//! Entries of content types: reading with a parsed query, and writing with Strapi v5's draft and
//! publish model (a draft row, and once published a published row with the same documentId).

use crate::content::entry::Entry;
use crate::content::links;
use crate::content::query::{Field, Query, Status};
use crate::content::schema::{Attribute, AttributeType, ContentType, SYSTEM_FIELDS, Storage};
use crate::content::sql::{self, Builder, Statement, quote};
use crate::content::storage::dialect_of;
use crate::content::value::{self, DATETIME_FORMAT, Refusal, SqlValue};
use crate::db::{DbConnection, MultiBackend};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_builder::{self, AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Double, Integer, Nullable, Text, Untyped};
use serde_json::{Map, Value};

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    json: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Integer)]
    id: i32,
}

/// A built statement as diesel runs it: its SQL as written (with the dialect's numbered
/// placeholders) and its values bound in order.
///
/// Diesel writes a placeholder for every value it binds; ours are already in the SQL, so
/// diesel's are put inside a trailing comment, where both SQLite and PostgreSQL ignore them.
/// Unlike `sql_query`, this lets diesel keep the prepared statement of a cacheable statement
/// (one whose shape the client cannot vary without bound, see `Statement::cacheable`), so a
/// repeated findOne skips SQL parsing and planning (SQLite) or a round trip (PostgreSQL).
pub(crate) struct Bound<'a>(&'a Statement);

pub(crate) fn bound(statement: &Statement) -> Bound<'_> {
    Bound(statement)
}

/// The value bound for `SqlValue::Null` (the builder writes NULL as a literal instead).
static NULL_TEXT: Option<String> = None;

impl QueryFragment<MultiBackend> for Bound<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        if !self.0.cacheable {
            out.unsafe_to_cache_prepared();
        }
        out.push_sql(&self.0.sql);
        if self.0.binds.is_empty() {
            return Ok(());
        }
        out.push_sql(" /* ");
        for value in &self.0.binds {
            match value {
                SqlValue::Text(text) => out.push_bind_param::<Text, String>(text)?,
                SqlValue::Integer(n) => out.push_bind_param::<BigInt, i64>(n)?,
                SqlValue::Real(n) => out.push_bind_param::<Double, f64>(n)?,
                SqlValue::Boolean(b) => out.push_bind_param::<Bool, bool>(b)?,
                SqlValue::Null => {
                    out.push_bind_param::<Nullable<Text>, Option<String>>(&NULL_TEXT)?
                }
            }
            out.push_sql(" ");
        }
        out.push_sql("*/");
        Ok(())
    }
}

impl QueryId for Bound<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl query_builder::Query for Bound<'_> {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for Bound<'_> {}

fn load_entries(
    conn: &mut DbConnection,
    content_type: &ContentType,
    fields: Option<&[Field]>,
    statement: &Statement,
) -> QueryResult<Vec<Entry>> {
    let rows: Vec<JsonRow> = bound(statement).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| Entry::from_row(content_type, fields, &row.json))
        .collect())
}

/// A page of entries and, when asked, the total.
pub fn find(
    conn: &mut DbConnection,
    content_type: &ContentType,
    query: &Query,
) -> QueryResult<(Vec<Entry>, Option<i64>)> {
    let dialect = dialect_of(conn);
    let statement = sql::find(dialect, content_type, query);
    let mut entries = load_entries(conn, content_type, query.fields.as_deref(), &statement)?;
    populate(conn, content_type, &mut entries, query)?;
    let total = if query.with_count {
        let rows: Vec<CountRow> = bound(&sql::count(dialect, content_type, query)).load(conn)?;
        Some(rows.first().map_or(0, |row| row.count))
    } else {
        None
    };
    Ok((entries, total))
}

/// One version of a document (`document_id` `None` for a single type's only document).
pub fn find_one(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: Option<&str>,
    query: &Query,
) -> QueryResult<Option<Entry>> {
    if document_id.is_some_and(|id| !is_document_id(id)) {
        return Ok(None);
    }
    let dialect = dialect_of(conn);
    let statement = sql::find_one(dialect, content_type, document_id, query);
    let mut entries = load_entries(conn, content_type, query.fields.as_deref(), &statement)?;
    populate(conn, content_type, &mut entries, query)?;
    Ok(entries.pop())
}

/// Adds what `query` populates to entries of `content_type` read with its status (what a
/// write answers, read back, gets with the request's `populate`).
pub fn populate(
    conn: &mut DbConnection,
    content_type: &ContentType,
    entries: &mut [Entry],
    query: &Query,
) -> QueryResult<()> {
    links::populate(conn, content_type, entries, &query.populate, query.status)
}

/// One entry with what `query` populates: a written entry as its answer shows it.
pub fn populated(
    conn: &mut DbConnection,
    content_type: &ContentType,
    entry: Entry,
    query: &Query,
) -> QueryResult<Entry> {
    let mut entries = [entry];
    populate(conn, content_type, &mut entries, query)?;
    let [entry] = entries;
    Ok(entry)
}

/// A field a write was refused for: its path, why, and the value it was given (Strapi's `value`;
/// `None` where none applies).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: String,
    pub message: String,
    pub value: Option<Value>,
}

impl Problem {
    fn of(attribute: &Attribute, message: String, value: Option<Value>) -> Problem {
        Problem {
            path: attribute.name.clone(),
            message,
            value,
        }
    }
}

/// Why a write was refused.
#[derive(Debug)]
pub enum WriteError {
    /// A key the type does not have (Strapi's `Invalid key …`, refused before any field).
    UnknownKey(String),
    /// A key refused where it stands (`Invalid key foo at categories`; `path` the key itself
    /// for a relation the caller may not write).
    KeyAt {
        key: String,
        path: String,
    },
    /// A relation write Strapi refuses with its message alone.
    Relation(String),
    /// A relation write Strapi refuses with its message and the value it was given.
    Relations {
        message: String,
        value: Value,
    },
    /// Field errors.
    Invalid(Vec<Problem>),
    /// A malformed date, time or date-time, once every field passed (Strapi's message alone).
    Format(&'static str),
    NotFound,
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for WriteError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            // A unique index caught what the check before the write could not (a race).
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                WriteError::Invalid(vec![Problem {
                    path: String::new(),
                    message: "This attribute must be unique".to_string(),
                    value: None,
                }])
            }
            other => WriteError::Database(other),
        }
    }
}

/// Whether a write changes only the draft or also publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    Create,
    Update,
}

/// Validates `data` against the schema: types and every rule. On create, missing attributes
/// take their default and required ones must be present; on update only what is sent counts.
/// A draft (`status` draft on a type with draft & publish) may lack what is required, as in
/// Strapi: it is checked when it is published. Messages and values are Strapi's (yup's), which
/// word a refused null by the attribute's type.
pub fn validate(
    content_type: &ContentType,
    data: &Map<String, Value>,
    mode: WriteMode,
    status: Status,
) -> Result<Vec<(usize, SqlValue)>, WriteError> {
    for key in data.keys() {
        // The entry's own fields may come back in a body; they are not written.
        if !content_type.has_attribute(key) && !SYSTEM_FIELDS.contains(&key.as_str()) {
            return Err(WriteError::UnknownKey(key.clone()));
        }
    }
    // Strapi writes a draft & publish document's draft first, with whatever is missing as null,
    // and checks it when it publishes: there a missing attribute reads as a null one, and a
    // null is refused as on create.
    let draft_and_publish = content_type.draft_and_publish;
    let draft = draft_and_publish && status == Status::Draft;
    let null_on_update = mode == WriteMode::Update && !draft_and_publish;
    let mut errors = Vec::new();
    let mut format = None;
    let mut values = Vec::new();
    for (index, attribute) in content_type.attributes.iter().enumerate() {
        let given = data.get(&attribute.name);
        let value = match (given, mode) {
            (Some(value), _) => value,
            (None, WriteMode::Create) => match &attribute.default {
                Some(default) => default,
                None if attribute.required && draft => continue,
                None if attribute.required && draft_and_publish => &Value::Null,
                None if attribute.required => {
                    let message = format!("{} must be defined.", attribute.name);
                    errors.push(Problem::of(attribute, message, None));
                    continue;
                }
                None => continue,
            },
            (None, WriteMode::Update) => continue,
        };
        let required = attribute.required && !draft;
        match check(attribute, value, required, null_on_update) {
            Ok(sql_value) => values.push((index, sql_value)),
            Err(Refusal::Given(message)) => {
                errors.push(Problem::of(attribute, message, Some(value.clone())));
            }
            Err(Refusal::Cast(message)) => {
                errors.push(Problem::of(attribute, message, Some(Value::Null)));
            }
            Err(Refusal::Format(message)) => {
                format.get_or_insert(message);
            }
        }
    }
    match format {
        _ if !errors.is_empty() => Err(WriteError::Invalid(errors)),
        Some(message) => Err(WriteError::Format(message)),
        None => Ok(values),
    }
}

/// Strapi's words for a required attribute given as null: yup's type error for texts and
/// numbers, its `defined` or (updating a document without drafts) `nullable` rule otherwise.
fn null_refusal(attribute: &Attribute, null_on_update: bool) -> Refusal {
    let name = &attribute.name;
    let message = match &attribute.kind {
        kind if kind.is_textual() => {
            format!("{name} must be a `string` type, but the final value was: `null`.")
        }
        AttributeType::Integer | AttributeType::Float | AttributeType::Decimal => {
            format!("{name} must be a `number` type, but the final value was: `NaN`.")
        }
        _ if null_on_update => format!("{name} cannot be null."),
        _ => format!("{name} must be defined."),
    };
    Refusal::Cast(message)
}

/// One attribute's value against its type and rules.
fn check(
    attribute: &Attribute,
    value: &Value,
    required: bool,
    null_on_update: bool,
) -> Result<SqlValue, Refusal> {
    let sql_value = value::from_json(attribute, value)?;
    if sql_value == SqlValue::Null {
        return if required {
            Err(null_refusal(attribute, null_on_update))
        } else {
            Ok(SqlValue::Null)
        };
    }
    rules(attribute, &sql_value).map_err(Refusal::Given)?;
    Ok(sql_value)
}

/// An attribute's rules beyond its type: lengths, allowed values, bounds.
fn rules(attribute: &Attribute, sql_value: &SqlValue) -> Result<(), String> {
    let name = &attribute.name;
    if let SqlValue::Text(text) = sql_value
        && attribute.kind.is_textual()
    {
        let length = text.chars().count() as u64;
        if let Some(min) = attribute.min_length
            && length < min
        {
            return Err(format!("{name} must be at least {min} characters"));
        }
        if let Some(max) = attribute.max_length
            && length > max
        {
            return Err(format!("{name} must be at most {max} characters"));
        }
        match &attribute.kind {
            // Strapi lists the allowed values with a null among them, hence the last comma.
            AttributeType::Enumeration(allowed) if !allowed.contains(text) => {
                return Err(format!(
                    "{name} must be one of the following values: {}, ",
                    allowed.join(", ")
                ));
            }
            AttributeType::Email if !crate::support::email::is_email(text) => {
                return Err(format!("{name} must be a valid email"));
            }
            AttributeType::Uid
                if !text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c)) =>
            {
                return Err(format!(
                    "{name} must match the following: \"/^[A-Za-z0-9-_.~]*$/\""
                ));
            }
            _ => {}
        }
    }
    let number = match sql_value {
        SqlValue::Integer(n) => Some(*n as f64),
        SqlValue::Real(n) => Some(*n),
        _ => None,
    };
    if let Some(number) = number {
        if let Some(min) = attribute.min
            && number < min
        {
            return Err(format!("{name} must be greater than or equal to {min}"));
        }
        if let Some(max) = attribute.max
            && number > max
        {
            return Err(format!("{name} must be less than or equal to {max}"));
        }
    }
    Ok(())
}

fn timestamp(now: NaiveDateTime) -> SqlValue {
    SqlValue::Text(now.format(DATETIME_FORMAT).to_string())
}

/// Whether `id` could name a document: Vellum's ids and Strapi's (letters, digits, `-`, `_`, at
/// most 64). Any other id names none, and is answered so without asking the database (which,
/// for a NUL, PostgreSQL would refuse with an error).
pub fn is_document_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// 24 lower-case letters and digits from the OS, the first a letter, like Strapi's document
/// ids.
pub fn new_document_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut id = String::with_capacity(24);
    let mut buffer = [0u8; 64];
    while id.len() < 24 {
        if getrandom::fill(&mut buffer).is_err() {
            // Never expected; fall back to the time so a write still gets a unique-enough id.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            buffer
                .iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b = (nanos >> (i % 16)) as u8);
        }
        // Rejection sampling keeps every character equally likely (252 = 7 × 36).
        for byte in buffer.iter().filter(|b| **b < 252) {
            if id.len() == 24 {
                break;
            }
            // A letter first, as in Strapi's ids: a relation write reads a text that starts
            // with a digit as a row id.
            if id.is_empty() && *byte >= 26 * 9 {
                continue;
            }
            let alphabet = if id.is_empty() {
                &ALPHABET[..26]
            } else {
                ALPHABET
            };
            id.push(alphabet[usize::from(*byte) % alphabet.len()] as char);
        }
    }
    id
}

/// Refuses a value already used by another document in the same version.
fn check_unique(
    conn: &mut DbConnection,
    content_type: &ContentType,
    values: &[(usize, SqlValue)],
    document_id: &str,
) -> Result<(), WriteError> {
    let dialect = dialect_of(conn);
    let mut errors = Vec::new();
    for (index, value) in values {
        let attribute = &content_type.attributes[*index];
        if !attribute.unique || *value == SqlValue::Null {
            continue;
        }
        let mut builder = Builder::new(dialect, content_type);
        let column = quote(&attribute.column);
        let value = builder.param(value.clone(), Some(attribute.kind.storage()));
        let document = builder.param(SqlValue::Text(document_id.to_string()), None);
        builder.push(&format!(
            "SELECT COUNT(*) AS count FROM {} WHERE {column} = {value} AND \"document_id\" <> {document}",
            quote(&content_type.table)
        ));
        let rows: Vec<CountRow> = bound(&builder.finish()).load(conn)?;
        if rows.first().is_some_and(|row| row.count > 0) {
            errors.push(Problem {
                path: attribute.name.clone(),
                message: "This attribute must be unique".to_string(),
                value: None,
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(WriteError::Invalid(errors))
    }
}

/// Inserts a row of a document; returns its id.
fn insert_row(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: &str,
    values: &[(usize, SqlValue)],
    now: NaiveDateTime,
    published: bool,
) -> Result<i32, WriteError> {
    let dialect = dialect_of(conn);
    let mut builder = Builder::new(dialect, content_type);
    let mut columns = vec![quote("document_id")];
    let mut params = vec![builder.param(SqlValue::Text(document_id.to_string()), None)];
    for (index, value) in values {
        let attribute = &content_type.attributes[*index];
        columns.push(quote(&attribute.column));
        params.push(builder.param(value.clone(), Some(attribute.kind.storage())));
    }
    let time = builder.param(timestamp(now), Some(Storage::DateTime));
    columns.extend([
        quote("created_at"),
        quote("updated_at"),
        quote("published_at"),
    ]);
    params.extend([
        time.clone(),
        time.clone(),
        if published { time } else { "NULL".into() },
    ]);
    builder.push(&format!(
        "INSERT INTO {} ({}) VALUES ({}) RETURNING \"id\"",
        quote(&content_type.table),
        columns.join(", "),
        params.join(", ")
    ));
    let rows: Vec<IdRow> = bound(&builder.finish()).load(conn)?;
    rows.first()
        .map(|row| row.id)
        .ok_or(WriteError::Database(diesel::result::Error::NotFound))
}

/// Replaces the published row of a document by a copy of its draft (a new row, as in
/// Strapi), with links to the published versions of what the draft links to. A draft may lack
/// what is required: callers publishing a draft they did not just validate as a create check
/// it first (`check_publishable`).
///
/// The copy is made while the old published row still exists, so that the links other entries
/// hold to it can move to the copy (`links::publish`); its unique attributes, which the old row
/// still holds, are filled in once that row is gone.
fn publish_draft(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: &str,
    now: NaiveDateTime,
) -> Result<(), WriteError> {
    #[derive(QueryableByName)]
    struct VersionRow {
        #[diesel(sql_type = Integer)]
        id: i32,
        #[diesel(sql_type = Bool)]
        draft: bool,
    }
    let dialect = dialect_of(conn);
    let table = quote(&content_type.table);
    let mut versions = Builder::new(dialect, content_type);
    let document = versions.param(SqlValue::Text(document_id.to_string()), None);
    versions.push(&format!(
        "SELECT \"id\", (\"published_at\" IS NULL) AS draft FROM {table} WHERE \"document_id\" = {document}"
    ));
    let rows: Vec<VersionRow> = bound(&versions.finish()).load(conn)?;
    let draft = rows
        .iter()
        .find(|row| row.draft)
        .map(|row| row.id)
        .ok_or(WriteError::NotFound)?;
    let old = rows.iter().find(|row| !row.draft).map(|row| row.id);
    let unique: Vec<String> = content_type
        .attributes
        .iter()
        .filter(|a| a.unique)
        .map(|a| quote(&a.column))
        .collect();
    let columns: Vec<String> = content_type
        .attributes
        .iter()
        .map(|a| a.column.as_str())
        .chain(content_type.retired_columns.iter().map(String::as_str))
        .chain(crate::content::storage::ADMIN_COLUMNS)
        .map(quote)
        .collect();
    let copied: Vec<String> = columns
        .iter()
        .map(|column| {
            if old.is_some() && unique.contains(column) {
                "NULL".to_string()
            } else {
                column.clone()
            }
        })
        .collect();
    let mut copy = Builder::new(dialect, content_type);
    let time = copy.param(timestamp(now), Some(Storage::DateTime));
    let draft_param = copy.param(SqlValue::Integer(draft.into()), None);
    let separator = if columns.is_empty() { "" } else { ", " };
    copy.push(&format!(
        "INSERT INTO {table} (\"document_id\"{separator}{}, \"created_at\", \"updated_at\", \"published_at\", \"locale\") \
         SELECT \"document_id\"{separator}{}, \"created_at\", {time}, {time}, \"locale\" FROM {table} \
         WHERE \"id\" = {draft_param} RETURNING \"id\"",
        columns.join(", "),
        copied.join(", ")
    ));
    let new = bound(&copy.finish())
        .load::<IdRow>(conn)?
        .first()
        .map(|row| row.id)
        .ok_or(WriteError::NotFound)?;
    links::publish(conn, content_type, draft, new, old)?;
    if let Some(old) = old {
        let mut delete = Builder::new(dialect, content_type);
        let old = delete.param(SqlValue::Integer(old.into()), None);
        delete.push(&format!("DELETE FROM {table} WHERE \"id\" = {old}"));
        bound(&delete.finish()).execute(conn)?;
        if !unique.is_empty() {
            let mut fill = Builder::new(dialect, content_type);
            let draft_param = fill.param(SqlValue::Integer(draft.into()), None);
            let new_param = fill.param(SqlValue::Integer(new.into()), None);
            let assignments: Vec<String> = unique
                .iter()
                .map(|column| {
                    format!("{column} = (SELECT d.{column} FROM {table} d WHERE d.\"id\" = {draft_param})")
                })
                .collect();
            fill.push(&format!(
                "UPDATE {table} SET {} WHERE \"id\" = {new_param}",
                assignments.join(", ")
            ));
            bound(&fill.finish()).execute(conn)?;
        }
    }
    Ok(())
}

/// The draft's every attribute (private ones too) against the rules of a published version:
/// Strapi's errors, as for a create.
fn check_publishable(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: &str,
) -> Result<(), WriteError> {
    let mut query = Query::first(Status::Draft);
    query.fields = Some(
        (0..content_type.attributes.len())
            .map(Field::Attribute)
            .collect(),
    );
    let Some(Value::Object(draft)) =
        find_one(conn, content_type, Some(document_id), &query)?.map(Value::from)
    else {
        return Err(WriteError::NotFound);
    };
    validate(content_type, &draft, WriteMode::Create, Status::Published).map(|_| ())
}

fn in_transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, WriteError>,
) -> Result<T, WriteError> {
    conn.transaction(work)
}

/// Records the admin who created (`created`) or changed a document, on each of its rows.
pub fn set_admin(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: &str,
    admin: i32,
    created: bool,
) -> QueryResult<()> {
    let mut builder = Builder::new(dialect_of(conn), content_type);
    let by = builder.param(SqlValue::Integer(admin.into()), Some(Storage::Integer));
    let document = builder.param(SqlValue::Text(document_id.to_string()), None);
    let creator = if created {
        format!(", \"created_by_id\" = {by}")
    } else {
        String::new()
    };
    builder.push(&format!(
        "UPDATE {} SET \"updated_by_id\" = {by}{creator} WHERE \"document_id\" = {document}",
        quote(&content_type.table)
    ));
    bound(&builder.finish()).execute(conn)?;
    Ok(())
}

/// The admin who created a document (`Some(None)` when none did, as for Content API writes;
/// `None` when there is no such document). `document_id` `None`: a single type's document.
pub fn creator(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: Option<&str>,
) -> QueryResult<Option<Option<i32>>> {
    #[derive(QueryableByName)]
    struct CreatorRow {
        #[diesel(sql_type = Nullable<Integer>)]
        created_by_id: Option<i32>,
    }
    if document_id.is_some_and(|id| !is_document_id(id)) {
        return Ok(None);
    }
    let mut builder = Builder::new(dialect_of(conn), content_type);
    let condition = match document_id {
        Some(id) => {
            let document = builder.param(SqlValue::Text(id.to_string()), None);
            format!(" WHERE \"document_id\" = {document}")
        }
        None => String::new(),
    };
    builder.push(&format!(
        "SELECT \"created_by_id\" FROM {}{condition} ORDER BY \"id\" ASC LIMIT 1",
        quote(&content_type.table)
    ));
    let rows: Vec<CreatorRow> = bound(&builder.finish()).load(conn)?;
    Ok(rows.into_iter().next().map(|row| row.created_by_id))
}

/// Creates a document (for a single type, only when none exists: see `upsert_single`).
/// Draft & publish types get a draft and, unless `status` is draft, its published copy.
pub fn create(
    conn: &mut DbConnection,
    content_type: &ContentType,
    data: &Map<String, Value>,
    status: Status,
    now: NaiveDateTime,
) -> Result<Entry, WriteError> {
    let values = validate(content_type, data, WriteMode::Create, status)?;
    let writes = links::parse_writes(content_type, data)?;
    let document_id = new_document_id();
    in_transaction(conn, |conn| {
        check_unique(conn, content_type, &values, &document_id)?;
        write_new(
            conn,
            content_type,
            &document_id,
            &values,
            &writes,
            status,
            now,
        )
    })
}

fn write_new(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: &str,
    values: &[(usize, SqlValue)],
    writes: &[links::Write],
    status: Status,
    now: NaiveDateTime,
) -> Result<Entry, WriteError> {
    let draft_and_publish = content_type.draft_and_publish;
    let row = insert_row(
        conn,
        content_type,
        document_id,
        values,
        now,
        !draft_and_publish,
    )?;
    links::apply(conn, content_type, row, draft_and_publish, writes)?;
    if draft_and_publish && status == Status::Published {
        publish_draft(conn, content_type, document_id, now)?;
    }
    read_back(conn, content_type, document_id, status)
}

fn read_back(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: &str,
    status: Status,
) -> Result<Entry, WriteError> {
    let query = Query::first(status);
    find_one(conn, content_type, Some(document_id), &query)?
        .ok_or(WriteError::Database(diesel::result::Error::NotFound))
}

/// The document id of a single type's document, if it has one.
fn single_document_id(
    conn: &mut DbConnection,
    content_type: &ContentType,
) -> QueryResult<Option<String>> {
    #[derive(QueryableByName)]
    struct DocumentRow {
        #[diesel(sql_type = Text)]
        document_id: String,
    }
    let statement = Statement {
        sql: format!(
            "SELECT \"document_id\" FROM {} ORDER BY \"id\" ASC LIMIT 1",
            quote(&content_type.table)
        ),
        binds: Vec::new(),
        cacheable: true,
    };
    let rows: Vec<DocumentRow> = bound(&statement).load(conn)?;
    Ok(rows.into_iter().next().map(|row| row.document_id))
}

/// Updates a document's draft (and republishes unless `status` is draft), or its only row for
/// types without draft & publish. `document_id` `None` addresses a single type's document,
/// which is created when missing.
pub fn update(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: Option<&str>,
    data: &Map<String, Value>,
    status: Status,
    now: NaiveDateTime,
) -> Result<Entry, WriteError> {
    in_transaction(conn, |conn| {
        let document_id = match document_id {
            Some(id) if is_document_id(id) => id.to_string(),
            Some(_) => return Err(WriteError::NotFound),
            None => match single_document_id(conn, content_type)? {
                Some(id) => id,
                None => {
                    let values = validate(content_type, data, WriteMode::Create, status)?;
                    let writes = links::parse_writes(content_type, data)?;
                    let id = new_document_id();
                    check_unique(conn, content_type, &values, &id)?;
                    return write_new(conn, content_type, &id, &values, &writes, status, now);
                }
            },
        };
        let values = validate(content_type, data, WriteMode::Update, status)?;
        let writes = links::parse_writes(content_type, data)?;
        check_unique(conn, content_type, &values, &document_id)?;
        let dialect = dialect_of(conn);
        let mut builder = Builder::new(dialect, content_type);
        let mut assignments = Vec::new();
        for (index, value) in &values {
            let attribute = &content_type.attributes[*index];
            let param = builder.param(value.clone(), Some(attribute.kind.storage()));
            assignments.push(format!("{} = {param}", quote(&attribute.column)));
        }
        let time = builder.param(timestamp(now), Some(Storage::DateTime));
        assignments.push(format!("\"updated_at\" = {time}"));
        if !content_type.draft_and_publish {
            // Strapi republishes the only version of such a document on every update.
            assignments.push(format!("\"published_at\" = {time}"));
        }
        let document = builder.param(SqlValue::Text(document_id.clone()), None);
        let version = if content_type.draft_and_publish {
            " AND \"published_at\" IS NULL"
        } else {
            ""
        };
        // Changing the row first also holds it (PostgreSQL's row lock) until the commit, so
        // that two writes to one document's links run one after the other.
        builder.push(&format!(
            "UPDATE {} SET {} WHERE \"document_id\" = {document}{version} RETURNING \"id\"",
            quote(&content_type.table),
            assignments.join(", ")
        ));
        let changed: Vec<IdRow> = bound(&builder.finish()).load(conn)?;
        let Some(row) = changed.first() else {
            return Err(WriteError::NotFound);
        };
        links::apply(
            conn,
            content_type,
            row.id,
            content_type.draft_and_publish,
            &writes,
        )?;
        if content_type.draft_and_publish && status == Status::Published {
            check_publishable(conn, content_type, &document_id)?;
            publish_draft(conn, content_type, &document_id, now)?;
        }
        let read_status = if content_type.draft_and_publish {
            status
        } else {
            Status::Published
        };
        read_back(conn, content_type, &document_id, read_status)
    })
}

/// Publishing and unpublishing exist only for types with draft & publish.
fn require_draft_and_publish(content_type: &ContentType) -> Result<(), WriteError> {
    if content_type.draft_and_publish {
        Ok(())
    } else {
        Err(WriteError::Invalid(vec![Problem {
            path: String::new(),
            message: format!("{} does not have draft and publish", content_type.uid),
            value: None,
        }]))
    }
}

/// Publishes a document's draft (replacing its published version); `NotFound` when it has no
/// draft. Returns the published version.
pub fn publish(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: Option<&str>,
    now: NaiveDateTime,
) -> Result<Entry, WriteError> {
    require_draft_and_publish(content_type)?;
    in_transaction(conn, |conn| {
        let document_id = existing_document(conn, content_type, document_id)?;
        // `NotFound` when the document has no draft.
        check_publishable(conn, content_type, &document_id)?;
        publish_draft(conn, content_type, &document_id, now)?;
        version(conn, content_type, &document_id, Status::Published)
    })
}

/// Removes a document's published version, keeping its draft; `NotFound` when it has no draft.
/// Returns the draft.
pub fn unpublish(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: Option<&str>,
) -> Result<Entry, WriteError> {
    require_draft_and_publish(content_type)?;
    in_transaction(conn, |conn| {
        let document_id = existing_document(conn, content_type, document_id)?;
        let draft = version(conn, content_type, &document_id, Status::Draft)?;
        let mut builder = Builder::new(dialect_of(conn), content_type);
        let document = builder.param(SqlValue::Text(document_id), None);
        builder.push(&format!(
            "DELETE FROM {} WHERE \"document_id\" = {document} AND \"published_at\" IS NOT NULL",
            quote(&content_type.table)
        ));
        bound(&builder.finish()).execute(conn)?;
        Ok(draft)
    })
}

/// One version of a document; `NotFound` when it has none.
fn version(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: &str,
    status: Status,
) -> Result<Entry, WriteError> {
    find_one(conn, content_type, Some(document_id), &Query::first(status))?
        .ok_or(WriteError::NotFound)
}

/// The document a write addresses: `document_id`, or a single type's only document.
fn existing_document(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: Option<&str>,
) -> Result<String, WriteError> {
    match document_id {
        Some(id) if is_document_id(id) => Ok(id.to_string()),
        Some(_) => Err(WriteError::NotFound),
        None => single_document_id(conn, content_type)?.ok_or(WriteError::NotFound),
    }
}

/// Deletes every version of a document; `false` when there was none.
pub fn delete(
    conn: &mut DbConnection,
    content_type: &ContentType,
    document_id: Option<&str>,
) -> Result<bool, WriteError> {
    let document_id = match document_id {
        Some(id) if is_document_id(id) => id.to_string(),
        Some(_) => return Ok(false),
        None => match single_document_id(conn, content_type)? {
            Some(id) => id,
            None => return Ok(false),
        },
    };
    let mut builder = Builder::new(dialect_of(conn), content_type);
    let document = builder.param(SqlValue::Text(document_id), None);
    builder.push(&format!(
        "DELETE FROM {} WHERE \"document_id\" = {document}",
        quote(&content_type.table)
    ));
    Ok(bound(&builder.finish()).execute(conn)? > 0)
}
