//! Relations between entries, stored as Strapi 5 stores them: a link table per relation (see
//! `schema::Link`), each version of a document (draft, published) with links of its own to the
//! same version of its targets. Here: what a write asks of a relation (`parse_writes`), the
//! links it makes (`apply`), what publishing does to links (`publish`), and reading related
//! entries for `populate`.

use crate::content::entry::{self, Entry};
use crate::content::query::{Populate, Status};
use crate::content::schema::{ContentType, Relation};
use crate::content::sql::{self, Builder, Dialect, quote, status_clause};
use crate::content::storage::dialect_of;
use crate::content::store::{WriteError, bound};
use crate::content::value::SqlValue;
use crate::db::DbConnection;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Ids listed in one statement at most (both backends bound the parameters of a statement).
const IDS_PER_STATEMENT: usize = 500;

/// Relation items one write may name, over all its relations.
pub const MAX_ITEMS: usize = 1_000;

/// What an item of a relation write names: a document (by `documentId`), or a row (a number,
/// or a text that reads as one, as Strapi takes it: the row of that id, whatever its version).
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Document(String),
    Row(i64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Position {
    Start,
    End,
    Before(Target),
    After(Target),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Connect {
    pub target: Target,
    pub position: Option<Position>,
}

/// What a write does to one relation.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Exactly these targets, in this order (the shorthand forms and `set`).
    Set(Vec<Target>),
    Edit {
        connect: Vec<Connect>,
        disconnect: Vec<Target>,
        /// `options.strict` (on by default): a position naming a target not in the list is
        /// refused rather than ignored.
        strict: bool,
    },
}

/// A relation write: the relation's index in its type's `relations`, and the change.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub relation: usize,
    pub change: Change,
}

fn invalid_relations(relation: &Relation, given: &Value) -> WriteError {
    WriteError::Relations {
        message: "Invalid relations".into(),
        value: json!({ relation.name.clone(): given }),
    }
}

fn invalid_key(key: &str, relation: &Relation) -> WriteError {
    WriteError::KeyAt {
        key: key.to_string(),
        path: relation.name.clone(),
    }
}

/// One item of a relation: `"<documentId>"`, a row id, `{documentId}` or `{id}` (with
/// `position` where `positioned`). `Ok(None)` for a `null` item, which Strapi skips.
fn item(
    relation: &Relation,
    given: &Value,
    value: &Value,
    positioned: bool,
) -> Result<Option<Connect>, WriteError> {
    let target = |value: &Value| -> Result<Target, WriteError> {
        match value {
            // A whole number in a text names a row, as in Strapi (which reads any text that
            // starts with a digit so, and refuses the rest of it: Vellum takes that as a
            // document id, since documents made by earlier versions may have such ids).
            Value::String(text) => Ok(match text.parse::<i64>() {
                Ok(row) if text.bytes().all(|b| b.is_ascii_digit()) => Target::Row(row),
                _ => Target::Document(text.clone()),
            }),
            Value::Number(number) => number
                .as_i64()
                .map(Target::Row)
                .ok_or_else(|| invalid_relations(relation, given)),
            _ => Err(invalid_relations(relation, given)),
        }
    };
    match value {
        Value::Null => Ok(None),
        Value::String(_) | Value::Number(_) => Ok(Some(Connect {
            target: target(value)?,
            position: None,
        })),
        Value::Object(object) => {
            for key in object.keys() {
                let allowed = ["documentId", "id", "locale", "status"].contains(&key.as_str())
                    || (positioned && key == "position");
                if !allowed {
                    return Err(if positioned {
                        invalid_relations(relation, given)
                    } else {
                        invalid_key(key, relation)
                    });
                }
            }
            let named = match (object.get("documentId"), object.get("id")) {
                (Some(Value::String(id)), _) => Target::Document(id.clone()),
                // `{documentId: 123}` names the document "123", which none has.
                (Some(Value::Number(n)), _) => Target::Document(n.to_string()),
                (Some(_), _) => return Err(invalid_relations(relation, given)),
                (None, Some(id)) => target(id)?,
                (None, None) => return Err(invalid_relations(relation, given)),
            };
            let position = match object.get("position") {
                Some(Value::Object(position)) => {
                    if position.get("start").is_some_and(truthy) {
                        Some(Position::Start)
                    } else if let Some(before) = position.get("before") {
                        Some(Position::Before(target(before)?))
                    } else if let Some(after) = position.get("after") {
                        Some(Position::After(target(after)?))
                    } else if position.get("end").is_some_and(truthy) {
                        Some(Position::End)
                    } else {
                        None
                    }
                }
                _ => None,
            };
            Ok(Some(Connect {
                target: named,
                position,
            }))
        }
        _ => Err(invalid_relations(relation, given)),
    }
}

fn truthy(value: &Value) -> bool {
    !matches!(value, Value::Null | Value::Bool(false))
        && value.as_str() != Some("")
        && value.as_str() != Some("false")
}

/// A list of items as Strapi takes one: a list, or one item alone.
fn items(
    relation: &Relation,
    given: &Value,
    value: &Value,
    positioned: bool,
    count: &mut usize,
) -> Result<Vec<Connect>, WriteError> {
    let values: Vec<&Value> = match value {
        Value::Array(values) => values.iter().collect(),
        other => vec![other],
    };
    *count += values.len();
    if *count > MAX_ITEMS {
        return Err(WriteError::Relation(format!(
            "A write may name at most {MAX_ITEMS} related entries"
        )));
    }
    let mut found = Vec::with_capacity(values.len());
    for value in values {
        if let Some(item) = item(relation, given, value, positioned)? {
            found.push(item);
        }
    }
    Ok(found)
}

/// The relation writes of a body's `data`, in Strapi's forms: `"author": "<documentId>"`,
/// `"categories": ["<id>", …]`, `null` or `[]` (none), `{connect, disconnect, set, options}`.
pub fn parse_writes(
    content_type: &ContentType,
    data: &Map<String, Value>,
) -> Result<Vec<Write>, WriteError> {
    let mut writes = Vec::new();
    let mut count = 0;
    for (index, relation) in content_type.relations.iter().enumerate() {
        let Some(given) = data.get(&relation.name) else {
            continue;
        };
        let to_one = !relation.cardinality.to_many();
        let change = match given {
            Value::Object(object)
                if ["connect", "disconnect", "set", "options"]
                    .iter()
                    .any(|k| object.contains_key(*k)) =>
            {
                for key in object.keys() {
                    if !["connect", "disconnect", "set", "options"].contains(&key.as_str()) {
                        return Err(invalid_key(key, relation));
                    }
                }
                match object.get("set").filter(|v| !v.is_null()) {
                    Some(set) => {
                        let set = items(relation, given, set, false, &mut count)?;
                        Change::Set(set.into_iter().map(|c| c.target).collect())
                    }
                    None => {
                        let connect = match object.get("connect") {
                            None | Some(Value::Null) => Vec::new(),
                            Some(value) => items(relation, given, value, true, &mut count)?,
                        };
                        let disconnect = match object.get("disconnect") {
                            None | Some(Value::Null) => Vec::new(),
                            Some(value) => items(relation, given, value, false, &mut count)?
                                .into_iter()
                                .map(|c| c.target)
                                .collect(),
                        };
                        if connect.is_empty() && disconnect.is_empty() {
                            continue;
                        }
                        let strict = object
                            .get("options")
                            .and_then(|o| o.get("strict"))
                            .is_none_or(|strict| strict != &Value::Bool(false));
                        let connect = if to_one {
                            connect.into_iter().take(1).collect()
                        } else {
                            connect
                        };
                        Change::Edit {
                            connect,
                            disconnect,
                            strict,
                        }
                    }
                }
            }
            Value::Object(object) if object.is_empty() => continue,
            Value::Bool(_) => return Err(invalid_relations(relation, given)),
            other => {
                let set = items(relation, given, other, false, &mut count)?;
                Change::Set(set.into_iter().map(|c| c.target).collect())
            }
        };
        let change = match change {
            // A single-valued relation keeps the last of a list.
            Change::Set(mut targets) if to_one && targets.len() > 1 => {
                Change::Set(targets.split_off(targets.len() - 1))
            }
            other => other,
        };
        writes.push(Write {
            relation: index,
            change,
        });
    }
    Ok(writes)
}

/// Refuses a write naming a relation whose target the caller may not read, as Strapi does
/// (`Invalid key author`), before anything else of the relation is looked at.
pub fn check_readable(
    content_type: &ContentType,
    data: &Map<String, Value>,
    may_read: &dyn Fn(&str) -> bool,
) -> Result<(), WriteError> {
    for relation in &content_type.relations {
        if data.contains_key(&relation.name) && !may_read(&relation.target) {
            return Err(WriteError::KeyAt {
                key: relation.name.clone(),
                path: relation.name.clone(),
            });
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct RowRef {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Text)]
    document_id: String,
}

/// A linked document as a list holds it: its document id and the rows of it that are linked
/// (two, draft and published, where a type without draft & publish links one with it).
#[derive(Debug, Clone)]
struct Linked {
    document: String,
    rows: Vec<i32>,
}

/// The rows of `relation`'s target that `targets` name, for a source row that is a draft
/// (`source_draft`) or the only version of its document.
fn resolve(
    conn: &mut DbConnection,
    content_type: &ContentType,
    relation: &Relation,
    targets: &[&Target],
    source_draft: bool,
) -> Result<HashMap<TargetKey, Linked>, WriteError> {
    let dialect = dialect_of(conn);
    let table = quote(&relation.target_table);
    let mut resolved = HashMap::new();
    let documents: Vec<&String> = targets
        .iter()
        .filter_map(|t| match t {
            Target::Document(id) => Some(id),
            Target::Row(_) => None,
        })
        .collect();
    let version = match (relation.target_draft_and_publish, source_draft) {
        // A draft links to drafts; a document without draft & publish to both versions.
        (true, true) => " AND \"published_at\" IS NULL",
        _ => "",
    };
    for chunk in documents.chunks(IDS_PER_STATEMENT) {
        let valid: Vec<&&String> = chunk
            .iter()
            .filter(|id| crate::content::store::is_document_id(id))
            .collect();
        if valid.is_empty() {
            continue;
        }
        let mut builder = Builder::new(dialect, content_type);
        let list: Vec<String> = valid
            .iter()
            .map(|id| builder.param(SqlValue::Text((**id).clone()), None))
            .collect();
        builder.push(&format!(
            "SELECT \"id\", \"document_id\" FROM {table} WHERE \"document_id\" IN ({}){version} ORDER BY \"id\"",
            list.join(", ")
        ));
        let rows: Vec<RowRef> = bound(&builder.finish()).load(conn)?;
        for row in rows {
            let entry = resolved
                .entry(TargetKey::Document(row.document_id.clone()))
                .or_insert_with(|| Linked {
                    document: row.document_id.clone(),
                    rows: Vec::new(),
                });
            entry.rows.push(row.id);
        }
    }
    if let Some(Target::Document(missing)) = targets.iter().find(
        |t| matches!(t, Target::Document(id) if !resolved.contains_key(&TargetKey::Document(id.clone()))),
    ) {
        return Err(WriteError::Relation(format!(
            "Document with id \"{missing}\", locale \"null\" not found"
        )));
    }
    let rows: Vec<i64> = targets
        .iter()
        .filter_map(|t| match t {
            Target::Row(id) => Some(*id),
            Target::Document(_) => None,
        })
        .collect();
    for chunk in rows.chunks(IDS_PER_STATEMENT) {
        let mut builder = Builder::new(dialect, content_type);
        let list: Vec<String> = chunk
            .iter()
            .map(|id| builder.param(SqlValue::Integer(*id), None))
            .collect();
        builder.push(&format!(
            "SELECT \"id\", \"document_id\" FROM {table} WHERE \"id\" IN ({})",
            list.join(", ")
        ));
        let found: Vec<RowRef> = bound(&builder.finish()).load(conn)?;
        for row in found {
            resolved.insert(
                TargetKey::Row(i64::from(row.id)),
                Linked {
                    document: row.document_id,
                    rows: vec![row.id],
                },
            );
        }
    }
    let mut missing: Vec<i64> = rows
        .iter()
        .copied()
        .filter(|id| !resolved.contains_key(&TargetKey::Row(*id)))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        return Err(WriteError::Relations {
            message: format!(
                "{} relation(s) of type {} associated with this entity do not exist",
                missing.len(),
                relation.target
            ),
            value: json!({ relation.name.clone(): {"set": missing.iter().map(|id| json!({"id": id})).collect::<Vec<_>>()} }),
        });
    }
    Ok(resolved)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum TargetKey {
    Document(String),
    Row(i64),
}

impl From<&Target> for TargetKey {
    fn from(target: &Target) -> TargetKey {
        match target {
            Target::Document(id) => TargetKey::Document(id.clone()),
            Target::Row(id) => TargetKey::Row(*id),
        }
    }
}

#[derive(QueryableByName)]
struct LinkRow {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Integer)]
    target: i32,
    #[diesel(sql_type = Text)]
    document_id: String,
}

/// The links of row `source`, in the list's order.
fn current(
    conn: &mut DbConnection,
    content_type: &ContentType,
    relation: &Relation,
    source: i32,
) -> QueryResult<Vec<LinkRow>> {
    let link = &relation.link;
    let mut builder = Builder::new(dialect_of(conn), content_type);
    let row = builder.param(SqlValue::Integer(source.into()), None);
    let order = match &link.order_column {
        Some(order) => format!("l.{} ASC, ", quote(order)),
        None => String::new(),
    };
    builder.push(&format!(
        "SELECT l.\"id\" AS id, l.{target} AS target, t.\"document_id\" AS document_id \
         FROM {table} l JOIN {targets} t ON t.\"id\" = l.{target} \
         WHERE l.{source} = {row} ORDER BY {order}l.\"id\" ASC",
        table = quote(&link.table),
        targets = quote(&relation.target_table),
        target = quote(&link.target_column),
        source = quote(&link.source_column),
    ));
    bound(&builder.finish()).load(conn)
}

/// Applies a type's relation writes to one of its rows (`source_draft`: the row is a draft).
pub fn apply(
    conn: &mut DbConnection,
    content_type: &ContentType,
    source: i32,
    source_draft: bool,
    writes: &[Write],
) -> Result<(), WriteError> {
    for write in writes {
        let relation = &content_type.relations[write.relation];
        let named: Vec<&Target> = match &write.change {
            Change::Set(targets) => targets.iter().collect(),
            Change::Edit {
                connect,
                disconnect,
                ..
            } => connect
                .iter()
                .flat_map(|c| {
                    let at = match &c.position {
                        Some(Position::Before(t) | Position::After(t)) => Some(t),
                        _ => None,
                    };
                    std::iter::once(&c.target).chain(at)
                })
                .chain(disconnect.iter())
                .collect(),
        };
        let resolved = resolve(conn, content_type, relation, &named, source_draft)?;
        let existing = current(conn, content_type, relation, source)?;
        let mut list: Vec<Linked> = Vec::new();
        for link in &existing {
            match list.iter_mut().find(|l| l.document == link.document_id) {
                Some(linked) => linked.rows.push(link.target),
                None => list.push(Linked {
                    document: link.document_id.clone(),
                    rows: vec![link.target],
                }),
            }
        }
        let find = |target: &Target| resolved.get(&TargetKey::from(target)).cloned();
        let wanted = match &write.change {
            Change::Set(targets) => {
                let mut wanted: Vec<Linked> = Vec::new();
                for target in targets {
                    if let Some(linked) = find(target)
                        && !wanted.iter().any(|w| w.document == linked.document)
                    {
                        wanted.push(linked);
                    }
                }
                wanted
            }
            Change::Edit {
                connect,
                disconnect,
                strict,
            } => {
                let connected: Vec<(Linked, Option<Position>)> = connect
                    .iter()
                    .filter_map(|c| find(&c.target).map(|l| (l, c.position.clone())))
                    .collect();
                if !relation.cardinality.to_many() {
                    match connected.into_iter().next() {
                        Some((linked, _)) => vec![linked],
                        None => {
                            let gone: Vec<String> = disconnect
                                .iter()
                                .filter_map(|t| find(t).map(|l| l.document))
                                .collect();
                            list.retain(|l| !gone.contains(&l.document));
                            list
                        }
                    }
                } else {
                    let gone: Vec<String> = disconnect
                        .iter()
                        .filter_map(|t| find(t).map(|l| l.document))
                        .filter(|d| !connected.iter().any(|(c, _)| &c.document == d))
                        .collect();
                    list.retain(|l| !gone.contains(&l.document));
                    place(list, connected, &find, *strict)?
                }
            }
        };
        write_list(conn, content_type, relation, source, &existing, &wanted)?;
    }
    Ok(())
}

/// Connects each item at its position, as Strapi does: an item already listed moves; one placed
/// before or after another waits until that other is listed (it may come later in the same
/// write); one that can never be placed is refused (or, not `strict`, put at the end).
fn place(
    mut list: Vec<Linked>,
    connected: Vec<(Linked, Option<Position>)>,
    find: &dyn Fn(&Target) -> Option<Linked>,
    strict: bool,
) -> Result<Vec<Linked>, WriteError> {
    let mut pending: Vec<(Linked, Option<Position>)> = Vec::new();
    // Without a position, or at the start or end: placed in the order given.
    let mut seen: Vec<String> = Vec::new();
    for (linked, position) in connected {
        if seen.contains(&linked.document) {
            continue;
        }
        seen.push(linked.document.clone());
        match position {
            Some(Position::Before(_) | Position::After(_)) => pending.push((linked, position)),
            position => {
                list.retain(|l| l.document != linked.document);
                if position == Some(Position::Start) {
                    list.insert(0, linked);
                } else {
                    list.push(linked);
                }
            }
        }
    }
    while !pending.is_empty() {
        let mut progress = false;
        let mut waiting = Vec::new();
        for (linked, position) in pending {
            let (anchor, after) = match &position {
                Some(Position::Before(t)) => (t, false),
                Some(Position::After(t)) => (t, true),
                _ => unreachable!("only relative positions wait"),
            };
            let anchor = find(anchor).map(|l| l.document).unwrap_or_default();
            if anchor == linked.document {
                return Err(WriteError::Relation(CIRCULAR.into()));
            }
            let waits_on_another = waiting
                .iter()
                .any(|(w, _): &(Linked, Option<Position>)| w.document == anchor);
            list.retain(|l| l.document != linked.document);
            match list.iter().position(|l| l.document == anchor) {
                Some(at) if !waits_on_another => {
                    list.insert(if after { at + 1 } else { at }, linked);
                    progress = true;
                }
                _ => waiting.push((linked, position)),
            }
        }
        if !progress {
            let Some((linked, position)) = waiting.first() else {
                break;
            };
            let anchor_document = match position {
                Some(Position::Before(t) | Position::After(t)) => find(t),
                _ => None,
            };
            let circular = anchor_document
                .as_ref()
                .is_some_and(|a| waiting.iter().any(|(w, _)| w.document == a.document));
            if circular {
                return Err(WriteError::Relation(CIRCULAR.into()));
            }
            if !strict {
                list.extend(waiting.into_iter().map(|(l, _)| l));
                break;
            }
            let (side, anchor_row) = match position {
                Some(Position::Before(_)) => ("before", anchor_document),
                _ => ("after", anchor_document),
            };
            let anchor_row = anchor_row
                .and_then(|a| a.rows.first().copied())
                .unwrap_or(0);
            let row = linked.rows.first().copied().unwrap_or(0);
            return Err(WriteError::Relation(format!(
                "There was a problem connecting relation with id {row} at position \
                 {{\"{side}\":{anchor_row},\"locale\":\"en\"}}. The relation with id \
                 {anchor_row} needs to be connected first."
            )));
        }
        pending = waiting;
    }
    Ok(list)
}

const CIRCULAR: &str = "A circular reference was found in the connect array. One relation is \
                        trying to connect before/after another one that is trying to connect \
                        before/after it";

/// Makes row `source`'s links exactly `wanted`, in order: drops the others, renumbers the
/// kept ones, adds the new ones at the end of their target's own list, and, for a relation
/// whose other side holds one entry (`oneTo…`, bidirectional), takes each new target away from
/// the entries that held it.
fn write_list(
    conn: &mut DbConnection,
    content_type: &ContentType,
    relation: &Relation,
    source: i32,
    existing: &[LinkRow],
    wanted: &[Linked],
) -> Result<(), WriteError> {
    let dialect = dialect_of(conn);
    let link = &relation.link;
    let table = quote(&link.table);
    let source_column = quote(&link.source_column);
    let target_column = quote(&link.target_column);
    let wanted_rows: Vec<(usize, i32)> = wanted
        .iter()
        .enumerate()
        .flat_map(|(at, l)| l.rows.iter().map(move |row| (at, *row)))
        .collect();
    let stale: Vec<i32> = existing
        .iter()
        .filter(|e| !wanted_rows.iter().any(|(_, row)| *row == e.target))
        .map(|e| e.id)
        .collect();
    for chunk in stale.chunks(IDS_PER_STATEMENT) {
        let mut builder = Builder::new(dialect, content_type);
        let list: Vec<String> = chunk
            .iter()
            .map(|id| builder.param(SqlValue::Integer((*id).into()), None))
            .collect();
        builder.push(&format!(
            "DELETE FROM {table} WHERE \"id\" IN ({})",
            list.join(", ")
        ));
        bound(&builder.finish()).execute(conn)?;
    }
    let steals = relation.inverse().is_some() && !relation.cardinality.from_many();
    for (at, row) in wanted_rows {
        let order = (at + 1) as f64;
        let mut builder = Builder::new(dialect, content_type);
        let source_param = builder.param(SqlValue::Integer(source.into()), None);
        let target_param = builder.param(SqlValue::Integer(row.into()), None);
        match existing.iter().find(|e| e.target == row) {
            Some(kept) => {
                if let Some(order_column) = &link.order_column {
                    let order_param = builder.param(SqlValue::Real(order), None);
                    let id = builder.param(SqlValue::Integer(kept.id.into()), None);
                    builder.push(&format!(
                        "UPDATE {table} SET {} = {order_param} WHERE \"id\" = {id}",
                        quote(order_column)
                    ));
                    bound(&builder.finish()).execute(conn)?;
                }
                continue;
            }
            None => {
                let mut columns = vec![source_column.clone(), target_column.clone()];
                let mut values = vec![source_param.clone(), target_param.clone()];
                if let Some(order_column) = &link.order_column {
                    columns.push(quote(order_column));
                    values.push(builder.param(SqlValue::Real(order), None));
                }
                if let Some(inverse) = &link.inverse_order_column {
                    let inverse = quote(inverse);
                    columns.push(inverse.clone());
                    values.push(format!(
                        "(SELECT COALESCE(MAX(o.{inverse}), 0) + 1 FROM {table} o \
                         WHERE o.{target_column} = {target_param})"
                    ));
                }
                builder.push(&format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    columns.join(", "),
                    values.join(", ")
                ));
                bound(&builder.finish()).execute(conn)?;
            }
        }
        if steals {
            let mut builder = Builder::new(dialect, content_type);
            let source_param = builder.param(SqlValue::Integer(source.into()), None);
            let target_param = builder.param(SqlValue::Integer(row.into()), None);
            builder.push(&format!(
                "DELETE FROM {table} WHERE {target_column} = {target_param} \
                 AND {source_column} <> {source_param}"
            ));
            bound(&builder.finish()).execute(conn)?;
        }
    }
    Ok(())
}

/// What publishing does to links, once the new published row `new` exists beside the draft
/// and before the old published row `old` (if any) is deleted (which deletes its links):
/// the new row links to the published versions of what the draft links to (keeping its place
/// in each target's list where the old one had one), and links that other types' entries hold
/// to the old row without this type knowing of them (unidirectional relations) move to the
/// new one.
pub fn publish(
    conn: &mut DbConnection,
    content_type: &ContentType,
    draft: i32,
    new: i32,
    old: Option<i32>,
) -> QueryResult<()> {
    let dialect = dialect_of(conn);
    let old_id = i64::from(old.unwrap_or(-1));
    for relation in &content_type.relations {
        let link = &relation.link;
        let table = quote(&link.table);
        let source = quote(&link.source_column);
        let target = quote(&link.target_column);
        let mut builder = Builder::new(dialect, content_type);
        let new_param = builder.param(SqlValue::Integer(new.into()), None);
        let draft_param = builder.param(SqlValue::Integer(draft.into()), None);
        // A relation to the type itself: the old published row is one of the targets' rows,
        // and never what the new one links to.
        let own_type = relation.target == content_type.uid;
        // Bound only where the statement uses it (SQLite refuses a value bound to nothing).
        let old_param = if (relation.target_draft_and_publish && own_type)
            || link.inverse_order_column.is_some()
        {
            builder.param(SqlValue::Integer(old_id), None)
        } else {
            String::new()
        };
        let (mapped, join) = if relation.target_draft_and_publish {
            let targets = quote(&relation.target_table);
            let not_old = if own_type {
                format!(" AND m.\"id\" <> {old_param}")
            } else {
                String::new()
            };
            (
                "m.\"id\"".to_string(),
                format!(
                    " JOIN {targets} d ON d.\"id\" = l.{target} \
                     JOIN {targets} m ON m.\"document_id\" = d.\"document_id\" \
                     AND m.\"published_at\" IS NOT NULL{not_old}"
                ),
            )
        } else {
            (format!("l.{target}"), String::new())
        };
        let mut columns = vec![source.clone(), target.clone()];
        let mut values = vec![new_param.clone(), mapped.clone()];
        if let Some(order) = &link.order_column {
            columns.push(quote(order));
            values.push(format!("l.{}", quote(order)));
        }
        if let Some(inverse) = &link.inverse_order_column {
            let inverse = quote(inverse);
            columns.push(inverse.clone());
            values.push(format!(
                "COALESCE((SELECT o.{inverse} FROM {table} o WHERE o.{source} = {old_param} \
                 AND o.{target} = {mapped}), \
                 (SELECT MAX(q.{inverse}) + 1 FROM {table} q WHERE q.{target} = {mapped}), 1)"
            ));
        }
        builder.push(&format!(
            "INSERT INTO {table} ({}) SELECT {} FROM {table} l{join} WHERE l.{source} = {draft_param} \
             AND NOT EXISTS (SELECT 1 FROM {table} e WHERE e.{source} = {new_param} AND e.{target} = {mapped})",
            columns.join(", "),
            values.join(", ")
        ));
        bound(&builder.finish()).execute(conn)?;
        if relation.inverse().is_some() && !relation.cardinality.from_many() {
            // The published targets now belong to this entry only, as on any write.
            let mut steal = Builder::new(dialect, content_type);
            let new_param = steal.param(SqlValue::Integer(new.into()), None);
            steal.push(&format!(
                "DELETE FROM {table} WHERE {source} <> {new_param} AND {target} IN \
                 (SELECT n.{target} FROM {table} n WHERE n.{source} = {new_param})"
            ));
            bound(&steal.finish()).execute(conn)?;
        }
    }
    if let Some(old) = old {
        for (table, column) in &content_type.incoming {
            let mut builder = Builder::new(dialect, content_type);
            let new_param = builder.param(SqlValue::Integer(new.into()), None);
            let old_param = builder.param(SqlValue::Integer(old.into()), None);
            builder.push(&format!(
                "UPDATE {} SET {column} = {new_param} WHERE {column} = {old_param}",
                quote(table),
                column = quote(column)
            ));
            bound(&builder.finish()).execute(conn)?;
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct RelatedRow {
    #[diesel(sql_type = Integer)]
    source: i32,
    #[diesel(sql_type = Text)]
    json: String,
}

/// Adds the populated relations to entries of `content_type` (each with its `id`), one
/// statement per relation and level whatever the number of entries: toOne relations as an entry
/// or `null`, toMany ones as a list in the relation's order (or the populate's `sort`). A
/// target with draft & publish shows the version `status` reads.
pub fn populate(
    conn: &mut DbConnection,
    content_type: &ContentType,
    entries: &mut [Entry],
    populate: &[Populate],
    status: Status,
) -> QueryResult<()> {
    if populate.is_empty() || entries.is_empty() {
        return Ok(());
    }
    // Where each source's entries stand (a nested level may hold one target several times).
    let mut positions: HashMap<i64, Vec<usize>> = HashMap::with_capacity(entries.len());
    for (at, entry) in entries.iter().enumerate() {
        positions.entry(entry.id()).or_default().push(at);
    }
    let mut ids: Vec<i64> = positions.keys().copied().collect();
    ids.sort_unstable();
    let mut items: Vec<&Populate> = populate.iter().collect();
    items.sort_by_key(|p| p.relation);
    for item in items {
        let relation = &content_type.relations[item.relation];
        let statement = related_statement(dialect_of(conn), relation, item, &ids, status);
        let rows: Vec<RelatedRow> = bound(&statement).load(conn)?;
        let mut sources = Vec::with_capacity(rows.len());
        let mut related = Vec::with_capacity(rows.len());
        for row in rows {
            sources.push(i64::from(row.source));
            related.push(Entry::from_row(
                &item.target,
                item.fields.as_deref(),
                &row.json,
            ));
        }
        self::populate(conn, &item.target, &mut related, &item.populate, status)?;
        // Rows come ordered by source: each source's entries are one run of `related`.
        let mut found: HashMap<i64, Vec<Entry>> = HashMap::with_capacity(ids.len());
        for (source, entry) in sources.into_iter().zip(related) {
            found.entry(source).or_default().push(entry);
        }
        for (id, at) in &positions {
            let list = found.remove(id).unwrap_or_default();
            let value = if item.count {
                format!("{{\"count\":{}}}", list.len())
            } else if relation.cardinality.to_many() {
                entry::json_list(&list)
            } else {
                list.into_iter()
                    .next()
                    .map_or_else(|| "null".to_string(), Entry::into_json)
            };
            for &at in at {
                entries[at].insert(&relation.name, &value);
            }
        }
    }
    Ok(())
}

/// The targets linked from `sources` with the source of each, in order.
pub fn related_statement(
    dialect: Dialect,
    relation: &Relation,
    item: &Populate,
    sources: &[i64],
    status: Status,
) -> crate::content::sql::Statement {
    let link = &relation.link;
    let mut builder = Builder::new(dialect, &item.target);
    builder.scope("x");
    let source = format!("l.{}", quote(&link.source_column));
    let linked = builder.in_ids(&source, sources);
    let order = match &link.order_column {
        Some(order) => format!("l.{}", quote(order)),
        None => "NULL".into(),
    };
    let inner = format!(
        "SELECT {source} AS \"__source\", {order} AS \"__order\", l.\"id\" AS \"__link\", t.* \
         FROM {table} l JOIN {targets} t ON t.\"id\" = l.{target} WHERE {linked}",
        target = quote(&link.target_column),
        table = quote(&link.table),
        targets = quote(&item.target.table),
    );
    builder.push("SELECT \"__source\" AS source, ");
    builder.push_json_select(item.fields.as_deref());
    builder.push(&format!(" FROM ({inner}) x"));
    let mut clauses = Vec::new();
    if let Some(clause) = status_clause(&item.target, status) {
        clauses.push(clause.to_string());
    }
    if let Some(filter) = &item.filter {
        clauses.push(builder.filter(filter));
    }
    if !clauses.is_empty() {
        builder.push(" WHERE ").push(&clauses.join(" AND "));
    }
    let mut keys = vec!["\"__source\" ASC".to_string()];
    keys.extend(builder.order_keys(&item.sort));
    keys.push("\"__order\" ASC".into());
    keys.push("\"__link\" ASC".into());
    builder.push(" ORDER BY ").push(&keys.join(", "));
    let mut statement = builder.finish();
    statement.cacheable = sql::bounded_shape(item.filter.as_ref(), &item.sort);
    statement
}
