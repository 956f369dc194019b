//! Strapi's query language (qs bracket syntax) → a typed query. Every key is checked against the
//! content type; values are typed by their attribute. Nothing here builds SQL.

use crate::content::Registry;
use crate::content::schema::{AttributeType, ContentType};
use crate::content::value::{self, SqlValue};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Filters nested deeper than this are refused.
pub const MAX_DEPTH: usize = 20;
/// Filters with more conditions, groups and listed values (`$in`, `$notIn`) than this are
/// refused: the one bound on what a request (REST or GraphQL) makes the SQL builder bind.
pub const MAX_NODES: usize = 1_000;

/// A field a query may name: a system field or an attribute (by index in the content type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    DocumentId,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    /// The admin who created the document (Strapi's `created_by_id`): never named by a
    /// request, used by the content manager's ownership condition.
    CreatedBy,
    Attribute(usize),
}

impl Field {
    /// The field a request names, if the content type has it and it may be queried.
    pub fn resolve(content_type: &ContentType, name: &str) -> Option<Field> {
        match name {
            "id" => Some(Field::Id),
            "documentId" => Some(Field::DocumentId),
            "createdAt" => Some(Field::CreatedAt),
            "updatedAt" => Some(Field::UpdatedAt),
            "publishedAt" => Some(Field::PublishedAt),
            _ => content_type
                .attributes
                .iter()
                .position(|a| a.name == name && !a.private)
                .map(Field::Attribute),
        }
    }

    /// Every public attribute and the timestamps: what an entry shows without `fields`.
    pub fn all(content_type: &ContentType) -> Vec<Field> {
        let attributes = content_type
            .attributes
            .iter()
            .enumerate()
            .filter(|(_, a)| !a.private)
            .map(|(index, _)| Field::Attribute(index));
        attributes
            .chain([Field::CreatedAt, Field::UpdatedAt, Field::PublishedAt])
            .collect()
    }

    /// The field's type, for typing values (system fields behave like these types).
    fn kind(self, content_type: &ContentType) -> AttributeType {
        match self {
            Field::Id | Field::CreatedBy => AttributeType::Integer,
            Field::DocumentId => AttributeType::String,
            Field::CreatedAt | Field::UpdatedAt | Field::PublishedAt => AttributeType::DateTime,
            Field::Attribute(index) => content_type.attributes[index].kind.clone(),
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Eqi,
    Ne,
    Nei,
    Lt,
    Lte,
    Gt,
    Gte,
    In,
    NotIn,
    Contains,
    NotContains,
    Containsi,
    NotContainsi,
    StartsWith,
    StartsWithi,
    EndsWith,
    EndsWithi,
    Null,
    NotNull,
    Between,
}

impl Operator {
    /// The operator of a REST name (`$eq`, `$containsi`, …).
    pub fn parse(name: &str) -> Option<Operator> {
        Some(match name {
            "$eq" => Operator::Eq,
            "$eqi" => Operator::Eqi,
            "$ne" => Operator::Ne,
            "$nei" => Operator::Nei,
            "$lt" => Operator::Lt,
            "$lte" => Operator::Lte,
            "$gt" => Operator::Gt,
            "$gte" => Operator::Gte,
            "$in" => Operator::In,
            "$notIn" => Operator::NotIn,
            "$contains" => Operator::Contains,
            "$notContains" => Operator::NotContains,
            "$containsi" => Operator::Containsi,
            "$notContainsi" => Operator::NotContainsi,
            "$startsWith" => Operator::StartsWith,
            "$startsWithi" => Operator::StartsWithi,
            "$endsWith" => Operator::EndsWith,
            "$endsWithi" => Operator::EndsWithi,
            "$null" => Operator::Null,
            "$notNull" => Operator::NotNull,
            "$between" => Operator::Between,
            _ => return None,
        })
    }

    /// Operators that compare text and so apply only to textual fields.
    pub fn is_textual(self) -> bool {
        matches!(
            self,
            Operator::Eqi
                | Operator::Nei
                | Operator::Contains
                | Operator::NotContains
                | Operator::Containsi
                | Operator::NotContainsi
                | Operator::StartsWith
                | Operator::StartsWithi
                | Operator::EndsWith
                | Operator::EndsWithi
        )
    }
}

/// Relations populated by one request, at most (each costs a statement per page).
pub const MAX_POPULATE: usize = 100;

/// A relation to populate, and what to read of its targets (Strapi's `populate[name][…]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Populate {
    /// The relation's index in its type's `relations`.
    pub relation: usize,
    /// The relation's target.
    pub target: Arc<ContentType>,
    /// As `Query::fields`, on the target.
    pub fields: Option<Vec<Field>>,
    pub filter: Option<Filter>,
    /// The targets' order; empty for the relation's own order.
    pub sort: Vec<Sort>,
    /// What to populate in turn on the targets.
    pub populate: Vec<Populate>,
    /// `populate[name][count]=true`: the number of targets (`{"count": n}`) instead of them.
    pub count: bool,
}

impl Populate {
    /// Every public relation of the type, one level, whole entries (`populate=*`).
    pub fn every(registry: &Registry, content_type: &ContentType) -> Vec<Populate> {
        content_type
            .relations
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.private)
            .filter_map(|(index, relation)| {
                Some(Populate {
                    relation: index,
                    target: registry.by_uid(&relation.target)?,
                    fields: None,
                    filter: None,
                    sort: Vec::new(),
                    populate: Vec::new(),
                    count: false,
                })
            })
            .collect()
    }
}

/// A filter tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    /// `field op values`; `$null`/`$notNull` carry one boolean, `$in` any number, `$between` two.
    Condition {
        field: Field,
        operator: Operator,
        values: Vec<SqlValue>,
    },
    /// Entries linked through a relation (its index in the type's `relations`) to a target that
    /// matches `filter`, or to any target when `None`.
    Related {
        relation: usize,
        target: Arc<ContentType>,
        filter: Option<Box<Filter>>,
        /// The relation's path from the query's type (`author.profile`), for errors.
        path: String,
    },
}

impl Filter {
    /// Every relation the filter goes through, with its target.
    fn visit_related(
        &self,
        visit: &mut dyn FnMut(&str, &ContentType) -> Result<(), QueryError>,
    ) -> Result<(), QueryError> {
        match self {
            Filter::And(children) | Filter::Or(children) => {
                children.iter().try_for_each(|c| c.visit_related(visit))
            }
            Filter::Not(child) => child.visit_related(visit),
            Filter::Condition { .. } => Ok(()),
            Filter::Related {
                target,
                filter,
                path,
                ..
            } => {
                visit(path, target)?;
                match filter {
                    Some(inner) => inner.visit_related(visit),
                    None => Ok(()),
                }
            }
        }
    }

    /// Puts `name.` before the path of every relation inside.
    fn prefix_paths(&mut self, name: &str) {
        match self {
            Filter::And(children) | Filter::Or(children) => {
                children.iter_mut().for_each(|c| c.prefix_paths(name))
            }
            Filter::Not(child) => child.prefix_paths(name),
            Filter::Condition { .. } => {}
            Filter::Related { filter, path, .. } => {
                *path = format!("{name}.{path}");
                if let Some(inner) = filter {
                    inner.prefix_paths(name);
                }
            }
        }
    }
}

/// Page or offset pagination, with or without the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pagination {
    Page { page: u64, page_size: u64 },
    Offset { start: u64, limit: u64 },
}

impl Pagination {
    pub fn limit(self) -> u64 {
        match self {
            Pagination::Page { page_size, .. } => page_size,
            Pagination::Offset { limit, .. } => limit,
        }
    }

    pub fn offset(self) -> u64 {
        match self {
            Pagination::Page { page, page_size } => (page - 1).saturating_mul(page_size),
            Pagination::Offset { start, .. } => start,
        }
    }
}

/// Which version of documents a request reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Published,
    Draft,
}

/// A sort key: a field of the type, or of a type reached through relations
/// (`author.profile.bio`).
#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    pub field: Field,
    pub descending: bool,
    /// The relations from the sorted type to the field's type, in order; none for its own field.
    pub through: Vec<Hop>,
}

/// One relation a sort goes through: its index in the previous type's `relations`, its target,
/// and the path so far (`author`, `author.profile`), for errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    pub relation: usize,
    pub target: Arc<ContentType>,
    pub path: String,
}

/// Relations a sort key may go through.
pub const MAX_SORT_HOPS: usize = 5;

/// A parsed Content API query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub filter: Option<Filter>,
    pub sort: Vec<Sort>,
    pub pagination: Pagination,
    pub with_count: bool,
    /// The fields to return besides `id` and `documentId` (which always are): attributes and
    /// timestamps, as `fields` names them; `None` means every public attribute and the
    /// timestamps.
    pub fields: Option<Vec<Field>>,
    pub status: Status,
    /// The relations to populate (none unless asked, as in Strapi).
    pub populate: Vec<Populate>,
}

impl Query {
    /// The first entry of `status`, every public field, no filter and no count: what a write
    /// reads back, and what a single-entry read needs.
    pub fn first(status: Status) -> Query {
        Query {
            filter: None,
            sort: Vec::new(),
            pagination: Pagination::Page {
                page: 1,
                page_size: 1,
            },
            with_count: false,
            fields: None,
            status,
            populate: Vec::new(),
        }
    }

    /// Drops what the caller may not read from `populate` (with what it populates in turn), as
    /// Strapi does silently: a relation whose target `may_read` refuses.
    pub fn restrict(&mut self, may_read: &dyn Fn(&ContentType) -> bool) {
        fn walk(populate: &mut Vec<Populate>, may_read: &dyn Fn(&ContentType) -> bool) {
            populate.retain(|item| may_read(&item.target));
            for item in populate {
                walk(&mut item.populate, may_read);
            }
        }
        walk(&mut self.populate, may_read);
    }

    /// Refuses a filter or a sort through a relation whose target `may_read` refuses, as Strapi
    /// does (`Invalid key author`, `Invalid key profile at author.profile`), in the query's
    /// filters and sort and in the filters of what it populates.
    pub fn check_filters(&self, may_read: &dyn Fn(&ContentType) -> bool) -> Result<(), QueryError> {
        let mut visit = |path: &str, target: &ContentType| {
            if may_read(target) {
                return Ok(());
            }
            let key = path.rsplit('.').next().unwrap_or(path);
            Err(invalid_key_of(key, Some(path), "filters"))
        };
        fn walk(
            populate: &[Populate],
            visit: &mut dyn FnMut(&str, &ContentType) -> Result<(), QueryError>,
        ) -> Result<(), QueryError> {
            for item in populate {
                if let Some(filter) = &item.filter {
                    filter.visit_related(visit)?;
                }
                walk(&item.populate, visit)?;
            }
            Ok(())
        }
        if let Some(filter) = &self.filter {
            filter.visit_related(&mut visit)?;
        }
        for hop in self.sort.iter().flat_map(|key| &key.through) {
            if !may_read(&hop.target) {
                let key = hop.path.rsplit('.').next().unwrap_or(&hop.path);
                return Err(invalid_key_of(key, Some(&hop.path), "sort"));
            }
        }
        walk(&self.populate, &mut visit)
    }
}

/// A query that cannot be run: the error's name (`ValidationError`, `PaginationError`),
/// message, and for an unknown key what Strapi reports of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub name: &'static str,
    pub message: String,
    pub key: Option<InvalidKey>,
}

/// An unknown key, as Strapi's `details`: `{key, path, source: "query", param}`. `path` is the
/// attribute the key stands under (`title` for `filters[title][$nope]`), `None` at the top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidKey {
    pub key: String,
    pub path: Option<String>,
    pub param: &'static str,
}

/// `Invalid key nope` / `Invalid key $nope at title`, as Strapi's `throwInvalidKey` words it.
fn invalid_key_of(key: &str, path: Option<&str>, param: &'static str) -> QueryError {
    let message = match path {
        Some(path) if path != key => format!("Invalid key {key} at {path}"),
        _ => format!("Invalid key {key}"),
    };
    QueryError {
        name: "ValidationError",
        message,
        key: Some(InvalidKey {
            key: key.to_string(),
            path: path.map(str::to_string),
            param,
        }),
    }
}

fn invalid(message: impl Into<String>) -> QueryError {
    QueryError {
        name: "ValidationError",
        message: message.into(),
        key: None,
    }
}

fn pagination_error(message: impl Into<String>) -> QueryError {
    QueryError {
        name: "PaginationError",
        message: message.into(),
        key: None,
    }
}

/// Limits from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub default_limit: u64,
    pub max_limit: u64,
    /// How deep `populate` may nest.
    pub max_populate_depth: usize,
}

impl Limits {
    pub fn of(config: &crate::config::Config) -> Limits {
        Limits {
            default_limit: u64::from(config.api_rest_default_limit),
            max_limit: u64::from(config.api_rest_max_limit),
            max_populate_depth: config.api_rest_max_populate_depth as usize,
        }
    }
}

/// Parses a raw query string (as `@strapi/client` and `qs` send it).
pub fn parse_query_string(
    registry: &Registry,
    content_type: &ContentType,
    raw: &str,
    limits: Limits,
) -> Result<Query, QueryError> {
    let params: Value = serde_qs::Config::new()
        .max_depth(MAX_DEPTH + 5)
        .use_form_encoding(true)
        .deserialize_str(raw)
        .map_err(|_| invalid("The query string could not be read"))?;
    let empty = Map::new();
    let params = params.as_object().unwrap_or(&empty);
    parse(registry, content_type, params, limits)
}

/// Parses the query parameters. Unknown top-level parameters are ignored, as Strapi does.
pub fn parse(
    registry: &Registry,
    content_type: &ContentType,
    params: &Map<String, Value>,
    limits: Limits,
) -> Result<Query, QueryError> {
    let mut nodes = 0;
    let filter = match params.get("filters") {
        None => None,
        Some(value) => parse_group(registry, content_type, value, 1, &mut nodes, "filters")?,
    };
    let sort = match params.get("sort") {
        None => Vec::new(),
        Some(value) => parse_sort(registry, content_type, value)?,
    };
    let (pagination, with_count) = parse_pagination(params.get("pagination"), limits)?;
    let fields = match params.get("fields") {
        None => None,
        Some(value) => Some(parse_fields(content_type, value)?),
    };
    let status = match params.get("status") {
        None => Status::Published,
        Some(Value::String(s)) if s == "published" => Status::Published,
        Some(Value::String(s)) if s == "draft" => Status::Draft,
        Some(_) => return Err(invalid("Invalid status: expected `published` or `draft`")),
    };
    let populate = match params.get("populate") {
        None => Vec::new(),
        Some(value) => {
            let mut walk = PopulateWalk {
                registry,
                max_depth: limits.max_populate_depth,
                count: 0,
                nodes: &mut nodes,
            };
            walk.parse(content_type, value, 1)?
        }
    };
    Ok(Query {
        filter,
        sort,
        pagination,
        with_count,
        fields,
        status,
        populate,
    })
}

/// An object of conditions, combined with AND (the value of `filters`, `$not`, or an element
/// of `$and`/`$or`). `None` when it holds no condition at all.
fn parse_group(
    registry: &Registry,
    content_type: &ContentType,
    value: &Value,
    depth: usize,
    nodes: &mut usize,
    path: &str,
) -> Result<Option<Filter>, QueryError> {
    if depth > MAX_DEPTH {
        return Err(invalid(format!(
            "Invalid key {path}: filters are nested more than {MAX_DEPTH} deep"
        )));
    }
    let object = match value {
        Value::Object(object) => object,
        // `filters=` with nothing: no condition.
        Value::String(text) if text.is_empty() => return Ok(None),
        _ => return Err(invalid(format!("Invalid key {path}: expected an object"))),
    };
    let mut parts = Vec::new();
    for (key, inner) in object {
        count_node(nodes)?;
        let part = match key.as_str() {
            "$and" | "$or" => {
                let items = list_items(inner)
                    .ok_or_else(|| invalid(format!("Invalid key {key}: expected a list")))?;
                let mut children = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let child_path = format!("{key}[{i}]");
                    if let Some(child) =
                        parse_group(registry, content_type, item, depth + 1, nodes, &child_path)?
                    {
                        children.push(child);
                    }
                }
                match (key.as_str(), children.is_empty()) {
                    (_, true) => None,
                    ("$and", false) => Some(Filter::And(children)),
                    _ => Some(Filter::Or(children)),
                }
            }
            "$not" => parse_group(registry, content_type, inner, depth + 1, nodes, key)?
                .map(|child| Filter::Not(Box::new(child))),
            name => match Field::resolve(content_type, name) {
                Some(field) => {
                    parse_field_conditions(content_type, field, name, inner, depth + 1, nodes)?
                }
                None => {
                    let index = content_type
                        .relations
                        .iter()
                        .position(|r| r.name == name && !r.private)
                        .ok_or_else(|| invalid_key_of(name, None, "filters"))?;
                    parse_related(registry, content_type, index, inner, depth + 1, nodes)?
                }
            },
        };
        parts.extend(part);
    }
    Ok(match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Filter::And(parts)),
    })
}

/// The conditions through a relation: on the related entries' fields and relations
/// (`author[name][$eq]=Ada`), on their ids (`author=16`, `author[$in][0]=16`), or on whether
/// there is any (`author[$null]=true`).
fn parse_related(
    registry: &Registry,
    content_type: &ContentType,
    index: usize,
    value: &Value,
    depth: usize,
    nodes: &mut usize,
) -> Result<Option<Filter>, QueryError> {
    let relation = &content_type.relations[index];
    let name = relation.name.as_str();
    if depth > MAX_DEPTH {
        return Err(invalid(format!(
            "Invalid key {name}: filters are nested more than {MAX_DEPTH} deep"
        )));
    }
    let target = registry
        .by_uid(&relation.target)
        .ok_or_else(|| invalid_key_of(name, None, "filters"))?;
    let related = |filter: Option<Filter>| Filter::Related {
        relation: index,
        target: target.clone(),
        filter: filter.map(Box::new),
        path: name.to_string(),
    };
    let object = match value {
        Value::Object(object) if list_items(value).is_none() || object.is_empty() => object,
        Value::String(_) | Value::Array(_) | Value::Object(_) => {
            let on_id = condition(&target, Field::Id, "id", Operator::Eq, value, nodes)?;
            return Ok(Some(related(Some(on_id))));
        }
        _ => return Err(invalid_key_of(name, Some(name), "filters")),
    };
    let mut parts = Vec::new();
    let mut rest = Map::new();
    for (key, operand) in object {
        match Operator::parse(key) {
            Some(operator @ (Operator::Null | Operator::NotNull)) => {
                count_node(nodes)?;
                let linked = (operator == Operator::NotNull) == flag(operand);
                parts.push(if linked {
                    related(None)
                } else {
                    Filter::Not(Box::new(related(None)))
                });
            }
            Some(operator) => {
                count_node(nodes)?;
                let on_id = condition(&target, Field::Id, "id", operator, operand, nodes)?;
                parts.push(related(Some(on_id)));
            }
            None => {
                rest.insert(key.clone(), operand.clone());
            }
        }
    }
    if !rest.is_empty() {
        let inner = parse_group(registry, &target, &Value::Object(rest), depth, nodes, name)
            .map_err(|error| relocate(error, name, &target))?;
        if let Some(mut inner) = inner {
            inner.prefix_paths(name);
            parts.push(related(Some(inner)));
        }
    }
    Ok(match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Filter::And(parts)),
    })
}

/// An unknown key found inside a relation's conditions, reported as Strapi does: at the
/// relation (`Invalid key nope at author`), or at the key's own path when the target has such
/// an attribute that may not be named (`Invalid key email at author.email`).
fn relocate(mut error: QueryError, name: &str, target: &ContentType) -> QueryError {
    if let Some(key) = &mut error.key {
        let path = match &key.path {
            Some(path) => format!("{name}.{path}"),
            None if target.has_attribute(&key.key) => format!("{name}.{}", key.key),
            None => name.to_string(),
        };
        error.message = format!("Invalid key {} at {path}", key.key);
        key.path = Some(path);
    }
    error
}

/// `$null`'s operand as Strapi's `parseType` with `forceCast` reads it: the boolean words, else
/// JavaScript's truthiness (any text but the empty one, any list or object).
fn flag(operand: &Value) -> bool {
    match operand.as_str() {
        Some("true" | "t" | "1") => true,
        Some("false" | "f" | "0" | "") => false,
        _ => true,
    }
}

fn count_node(nodes: &mut usize) -> Result<(), QueryError> {
    *nodes += 1;
    if *nodes > MAX_NODES {
        return Err(invalid(format!(
            "The filters have more than {MAX_NODES} conditions and values"
        )));
    }
    Ok(())
}

/// The conditions on one field: `title=x` (equality), `title[$op]=x`, `title[$not][$op]=x`.
fn parse_field_conditions(
    content_type: &ContentType,
    field: Field,
    name: &str,
    value: &Value,
    depth: usize,
    nodes: &mut usize,
) -> Result<Option<Filter>, QueryError> {
    if depth > MAX_DEPTH {
        return Err(invalid(format!(
            "Invalid key {name}: filters are nested more than {MAX_DEPTH} deep"
        )));
    }
    let listed = matches!(value, Value::Object(o) if !o.is_empty()) && list_items(value).is_some();
    let object = match value {
        Value::Object(object) if !listed => object,
        Value::String(_) | Value::Array(_) | Value::Object(_) => {
            return condition(content_type, field, name, Operator::Eq, value, nodes).map(Some);
        }
        _ => return Err(invalid_key_of(name, Some(name), "filters")),
    };
    let mut parts = Vec::new();
    for (key, operand) in object {
        count_node(nodes)?;
        if key == "$not" {
            if let Some(inner) =
                parse_field_conditions(content_type, field, name, operand, depth + 1, nodes)?
            {
                parts.push(Filter::Not(Box::new(inner)));
            }
            continue;
        }
        let operator =
            Operator::parse(key).ok_or_else(|| invalid_key_of(key, Some(name), "filters"))?;
        parts.push(condition(
            content_type,
            field,
            name,
            operator,
            operand,
            nodes,
        )?);
    }
    Ok(match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Filter::And(parts)),
    })
}

fn condition(
    content_type: &ContentType,
    field: Field,
    name: &str,
    operator: Operator,
    operand: &Value,
    nodes: &mut usize,
) -> Result<Filter, QueryError> {
    let kind = field.kind(content_type);
    let text_operator_on_non_text = operator.is_textual() && !kind.is_textual();
    let json_compared =
        kind == AttributeType::Json && !matches!(operator, Operator::Null | Operator::NotNull);
    if text_operator_on_non_text || json_compared {
        return Err(invalid(format!(
            "Invalid key {name}: operator cannot be used on a {} field",
            kind.name()
        )));
    }
    let typed = |item: &Value| -> Result<SqlValue, QueryError> {
        match item {
            Value::String(text) => value::from_text(name, &kind, text).map_err(|message| {
                match value::format_message(&kind).filter(|_| !text.contains('\0')) {
                    // Strapi's words for a date, time or date-time it cannot read.
                    Some(format) => invalid(format),
                    None => invalid(format!("Invalid value for key {name}: {message}")),
                }
            }),
            _ => Err(invalid(format!("Invalid value for key {name}"))),
        }
    };
    let values = match operator {
        Operator::Null | Operator::NotNull => vec![SqlValue::Boolean(flag(operand))],
        Operator::In | Operator::NotIn => {
            let items = list_items(operand).unwrap_or_else(|| vec![operand]);
            for _ in 1..items.len() {
                count_node(nodes)?;
            }
            items
                .into_iter()
                .map(typed)
                .collect::<Result<Vec<_>, _>>()?
        }
        Operator::Between => {
            let items = list_items(operand).unwrap_or_default();
            if items.len() != 2 {
                return Err(invalid(format!(
                    "Invalid value for key {name}: $between needs two values"
                )));
            }
            items
                .into_iter()
                .map(typed)
                .collect::<Result<Vec<_>, _>>()?
        }
        _ => match list_items(operand) {
            // A list under a one-value operator matches any of its items, as in Strapi.
            Some(items) if !items.is_empty() => {
                let mut alternatives = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    if i > 0 {
                        count_node(nodes)?;
                    }
                    alternatives.push(Filter::Condition {
                        field,
                        operator,
                        values: vec![typed(item)?],
                    });
                }
                return Ok(Filter::Or(alternatives));
            }
            _ => vec![typed(operand)?],
        },
    };
    Ok(Filter::Condition {
        field,
        operator,
        values,
    })
}

/// A list as qs gives one: an array, or an object whose keys are indices.
fn list_items(value: &Value) -> Option<Vec<&Value>> {
    match value {
        Value::Array(items) => Some(items.iter().collect()),
        Value::Object(object) if object.keys().all(|k| k.parse::<usize>().is_ok()) => {
            let mut items: Vec<(usize, &Value)> = object
                .iter()
                .map(|(k, v)| (k.parse().unwrap_or(usize::MAX), v))
                .collect();
            items.sort_by_key(|(i, _)| *i);
            Some(items.into_iter().map(|(_, v)| v).collect())
        }
        _ => None,
    }
}

fn parse_sort(
    registry: &Registry,
    content_type: &ContentType,
    value: &Value,
) -> Result<Vec<Sort>, QueryError> {
    let mut keys: Vec<(String, Option<String>)> = Vec::new();
    match value {
        Value::String(text) => keys.extend(split_sort(text)),
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::String(text) => keys.extend(split_sort(text)),
                    Value::Object(object) => keys.extend(object_sort(object, "")?),
                    _ => return Err(invalid("Invalid sort parameter")),
                }
            }
        }
        Value::Object(object) => keys.extend(object_sort(object, "")?),
        _ => return Err(invalid("Invalid sort parameter")),
    }
    keys.into_iter()
        .map(|(name, direction)| {
            let (field, through) = sort_field(registry, content_type, &name, direction.as_deref())?;
            let descending = match direction.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(_) => {
                    return Err(invalid(
                        "Invalid order. order can only be one of asc|desc|ASC|DESC",
                    ));
                }
            };
            Ok(Sort {
                field,
                descending,
                through,
            })
        })
        .collect()
}

/// The field a sort key names, through the relations its dotted path names; refused as Strapi
/// refuses it (`Invalid key nope at author`, `Invalid key email at author.email`, and for a
/// relation itself `Invalid key asc at author`).
fn sort_field(
    registry: &Registry,
    content_type: &ContentType,
    name: &str,
    direction: Option<&str>,
) -> Result<(Field, Vec<Hop>), QueryError> {
    let segments: Vec<&str> = name.split('.').collect();
    let mut through: Vec<Hop> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let here: &ContentType = through.last().map_or(content_type, |hop| &hop.target);
        let prefix = through.last().map(|hop| hop.path.clone());
        let relation = here
            .relations
            .iter()
            .position(|r| r.name == *segment && !r.private);
        let last = i + 1 == segments.len();
        if last && relation.is_none() {
            let field = Field::resolve(here, segment);
            let json = matches!(field, Some(Field::Attribute(index))
                if here.attributes[index].kind == AttributeType::Json);
            return match (field, prefix) {
                (Some(field), _) if !json => Ok((field, through)),
                (Some(_), None) => Err(invalid_key_of(segment, Some(segment), "sort")),
                (None, None) => Err(invalid_key_of(segment, None, "sort")),
                (_, Some(prefix)) if here.has_attribute(segment) => Err(invalid_key_of(
                    segment,
                    Some(&format!("{prefix}.{segment}")),
                    "sort",
                )),
                (_, Some(prefix)) => Err(invalid_key_of(segment, Some(&prefix), "sort")),
            };
        }
        let Some(index) = relation else {
            return Err(match prefix {
                Some(prefix) => invalid_key_of(segment, Some(&prefix), "sort"),
                None => invalid_key_of(segment, None, "sort"),
            });
        };
        let path = match &prefix {
            Some(prefix) => format!("{prefix}.{segment}"),
            None => segment.to_string(),
        };
        if last {
            // A relation itself is not a value to sort by.
            return Err(invalid_key_of(
                direction.unwrap_or("asc"),
                Some(&path),
                "sort",
            ));
        }
        if through.len() == MAX_SORT_HOPS {
            return Err(invalid(format!(
                "Invalid sort parameter: {name} goes through more than {MAX_SORT_HOPS} relations"
            )));
        }
        let target = registry
            .by_uid(&here.relations[index].target)
            .ok_or_else(|| invalid_key_of(segment, prefix.as_deref(), "sort"))?;
        through.push(Hop {
            relation: index,
            target,
            path,
        });
    }
    Err(invalid("Invalid sort parameter"))
}

/// `title`, `title:desc`, `a,b:desc`.
fn split_sort(text: &str) -> Vec<(String, Option<String>)> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once(':') {
            Some((name, direction)) => {
                (name.trim().to_string(), Some(direction.trim().to_string()))
            }
            None => (part.to_string(), None),
        })
        .collect()
}

/// `sort[title]=desc`, `sort[author][name]=desc` (a path through relations).
fn object_sort(
    object: &Map<String, Value>,
    prefix: &str,
) -> Result<Vec<(String, Option<String>)>, QueryError> {
    let mut keys = Vec::new();
    for (name, direction) in object {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match direction {
            Value::String(direction) => keys.push((path, Some(direction.clone()))),
            Value::Object(inner) if prefix.split('.').count() < MAX_SORT_HOPS => {
                keys.extend(object_sort(inner, &path)?)
            }
            _ => return Err(invalid_key_of(name, None, "sort")),
        }
    }
    Ok(keys)
}

fn parse_pagination(
    value: Option<&Value>,
    limits: Limits,
) -> Result<(Pagination, bool), QueryError> {
    let empty = Map::new();
    let object = match value {
        None => &empty,
        Some(Value::Object(object)) => object,
        Some(_) => return Err(pagination_error("Invalid pagination parameter")),
    };
    for key in object.keys() {
        if !["page", "pageSize", "start", "limit", "withCount"].contains(&key.as_str()) {
            return Err(invalid_key_of(key, None, "pagination"));
        }
    }
    // Each value as JavaScript's Number() reads it (Strapi's lodash toNumber): NaN when it is
    // not a number, so that the clamps below give Strapi's answers.
    let number = |key: &str| -> Option<f64> {
        object.get(key).map(|value| match value {
            Value::String(text) if text.trim().is_empty() => 0.0,
            Value::String(text) => text.trim().parse::<f64>().unwrap_or(f64::NAN),
            _ => f64::NAN,
        })
    };
    let with_count = match object.get("withCount") {
        None => true,
        Some(Value::String(text)) => match text.as_str() {
            "true" | "t" | "1" => true,
            "false" | "f" | "0" => false,
            _ => {
                return Err(invalid(
                    "Invalid withCount parameter. Expected \"t\",\"1\",\"true\",\"false\",\"0\",\"f\"",
                ));
            }
        },
        Some(_) => {
            return Err(invalid(
                "Invalid withCount parameter. Expected \"t\",\"1\",\"true\",\"false\",\"0\",\"f\"",
            ));
        }
    };
    let (page, page_size) = (number("page"), number("pageSize"));
    let (start, limit) = (number("start"), number("limit"));
    let page_mode = page.is_some() || page_size.is_some();
    let offset_mode = start.is_some() || limit.is_some();
    if page_mode && offset_mode {
        return Err(pagination_error(
            "Cannot use both page & offset pagination in the same query",
        ));
    }
    // As Strapi 5.54 answers (observed on the peer): sizes below 1 become 1, sizes past the
    // maximum or not numbers become the maximum, a page below 1 becomes 1; the start that
    // results must be a whole number, else 400 with Strapi's message.
    let size = |given: Option<f64>| -> Result<u64, QueryError> {
        let Some(given) = given else {
            return Ok(limits.default_limit);
        };
        let at_least_one = if given.is_nan() {
            given
        } else {
            given.max(1.0)
        };
        // Not below the maximum, or not a number (NaN compares as neither).
        if at_least_one.is_nan() || at_least_one >= limits.max_limit as f64 {
            return Ok(limits.max_limit);
        }
        whole(at_least_one, "convertLimitQueryParams")
    };
    let pagination = if offset_mode {
        let start = start.unwrap_or(0.0);
        let start = if start.is_nan() {
            start
        } else {
            start.max(0.0)
        };
        Pagination::Offset {
            start: whole(start, "convertStartQueryParams")?,
            limit: size(limit)?,
        }
    } else {
        let page_size = size(page_size)?;
        let page = page.unwrap_or(1.0);
        let page = if page.is_nan() { page } else { page.max(1.0) };
        let start = (page - 1.0) * page_size as f64;
        whole(start, "convertStartQueryParams")?;
        Pagination::Page {
            page: page as u64,
            page_size,
        }
    };
    Ok((pagination, with_count))
}

/// A pagination number that must be whole and not negative: 400 with Strapi's message
/// (`convertStartQueryParams expected a positive integer got NaN`) otherwise.
fn whole(number: f64, what: &str) -> Result<u64, QueryError> {
    if number.is_finite() && number >= 0.0 && number.fract() == 0.0 && number < 9.0e15 {
        Ok(number as u64)
    } else {
        // Written as JavaScript writes numbers.
        let shown = match number {
            n if n.is_nan() => "NaN".to_string(),
            n if n.is_infinite() => "Infinity".to_string(),
            n => n.to_string(),
        };
        Err(invalid(format!(
            "{what} expected a positive integer got {shown}"
        )))
    }
}

/// `fields[0]=title`, `fields=title,body`, or `fields=*` for every field.
fn parse_fields(content_type: &ContentType, value: &Value) -> Result<Vec<Field>, QueryError> {
    let names: Vec<&str> = match value {
        Value::String(text) => text.split(',').map(str::trim).collect(),
        Value::Array(items) => {
            let mut names = Vec::new();
            for item in items {
                match item {
                    Value::String(text) => names.extend(text.split(',').map(str::trim)),
                    // `fields[]` without a value: an empty entry.
                    Value::Null => names.push(""),
                    _ => return Err(invalid("Invalid fields parameter")),
                }
            }
            names
        }
        Value::Object(_) => list_items(value)
            .ok_or_else(|| invalid("Invalid fields parameter"))?
            .into_iter()
            .map(|item| item.as_str().unwrap_or_default())
            .collect(),
        _ => return Err(invalid("Invalid fields parameter")),
    };
    let mut fields = Vec::new();
    for name in names {
        // `*`: every field, as with no `fields` at all.
        if name == "*" {
            return Ok(Field::all(content_type));
        }
        let field = Field::resolve(content_type, name)
            .ok_or_else(|| invalid_key_of(name, None, "fields"))?;
        if !matches!(field, Field::Id | Field::DocumentId) && !fields.contains(&field) {
            fields.push(field);
        }
    }
    Ok(fields)
}

/// The state of parsing one `populate`: the types to resolve targets in, and its bounds.
struct PopulateWalk<'a> {
    registry: &'a Registry,
    max_depth: usize,
    /// Relations populated so far.
    count: usize,
    /// Filter nodes, shared with the query's own filters.
    nodes: &'a mut usize,
}

impl PopulateWalk<'_> {
    /// `populate` in each of Strapi's forms: `*`, `a,b`, `a.b` (a path), a list of those, or an
    /// object of relation names to `true`/`false` or to `{fields, filters, sort, populate}`.
    fn parse(
        &mut self,
        content_type: &ContentType,
        value: &Value,
        depth: usize,
    ) -> Result<Vec<Populate>, QueryError> {
        let mut populate: Vec<Populate> = Vec::new();
        match value {
            Value::String(text) => self.paths(content_type, text, depth, &mut populate)?,
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::String(text) => {
                            self.paths(content_type, text, depth, &mut populate)?
                        }
                        _ => return Err(invalid("Invalid populate parameter")),
                    }
                }
            }
            Value::Object(object) if !object.is_empty() && list_items(value).is_some() => {
                for item in list_items(value).unwrap_or_default() {
                    match item {
                        Value::String(text) => {
                            self.paths(content_type, text, depth, &mut populate)?
                        }
                        _ => return Err(invalid("Invalid populate parameter")),
                    }
                }
            }
            Value::Object(object) => {
                for (name, options) in object {
                    // `populate=a&populate[b][…]=…`: qs puts the plain part under no name.
                    if name.is_empty() {
                        let mut plain = self.parse(content_type, options, depth)?;
                        for item in plain.drain(..) {
                            merge(&mut populate, item);
                        }
                        continue;
                    }
                    let index = self.relation(content_type, name, None)?;
                    let item = match options {
                        Value::Bool(false) => continue,
                        Value::String(flag) if flag == "false" => continue,
                        Value::Bool(true) | Value::String(_) => {
                            self.plain(content_type, index, depth)?
                        }
                        Value::Object(options) => {
                            self.detailed(content_type, index, name, options, depth)?
                        }
                        _ => return Err(invalid("Invalid populate parameter")),
                    };
                    merge(&mut populate, item);
                }
            }
            _ => return Err(invalid("Invalid populate parameter")),
        }
        Ok(populate)
    }

    /// `a,b.c,*`: each comma-separated path, `*` for every relation of the type.
    fn paths(
        &mut self,
        content_type: &ContentType,
        text: &str,
        depth: usize,
        into: &mut Vec<Populate>,
    ) -> Result<(), QueryError> {
        for path in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if path == "*" {
                for (index, relation) in content_type.relations.iter().enumerate() {
                    if !relation.private {
                        let item = self.plain(content_type, index, depth)?;
                        merge(into, item);
                    }
                }
                continue;
            }
            let item = self.path(content_type, path, path, depth)?;
            merge(into, item);
        }
        Ok(())
    }

    /// `author.profile`: the first relation, with the rest of the path populated on it.
    fn path(
        &mut self,
        content_type: &ContentType,
        path: &str,
        whole: &str,
        depth: usize,
    ) -> Result<Populate, QueryError> {
        let (name, rest) = match path.split_once('.') {
            Some((name, rest)) => (name, Some(rest)),
            None => (path, None),
        };
        let index = self.relation(content_type, name, Some(whole))?;
        let mut item = self.plain(content_type, index, depth)?;
        if let Some(rest) = rest {
            let target = item.target.clone();
            let inner = self.path(&target, rest, whole, depth + 1)?;
            item.populate.push(inner);
        }
        Ok(item)
    }

    /// The relation a populate names, which must be a public relation of the type.
    fn relation(
        &self,
        content_type: &ContentType,
        name: &str,
        path: Option<&str>,
    ) -> Result<usize, QueryError> {
        content_type
            .relations
            .iter()
            .position(|r| r.name == name && !r.private)
            .ok_or_else(|| invalid_key_of(name, path, "populate"))
    }

    /// A relation populated with every field of its targets, nothing nested.
    fn plain(
        &mut self,
        content_type: &ContentType,
        index: usize,
        depth: usize,
    ) -> Result<Populate, QueryError> {
        if depth > self.max_depth {
            return Err(invalid(format!(
                "Invalid populate: nested more than {} levels deep",
                self.max_depth
            )));
        }
        self.count += 1;
        if self.count > MAX_POPULATE {
            return Err(invalid(format!(
                "Invalid populate: more than {MAX_POPULATE} relations"
            )));
        }
        let relation = &content_type.relations[index];
        let target = self
            .registry
            .by_uid(&relation.target)
            .ok_or_else(|| invalid_key_of(&relation.name, Some(&relation.name), "populate"))?;
        Ok(Populate {
            relation: index,
            target,
            fields: None,
            filter: None,
            sort: Vec::new(),
            populate: Vec::new(),
            count: false,
        })
    }

    /// `populate[author][fields]…`, `[filters]…`, `[sort]…`, `[populate]…`.
    fn detailed(
        &mut self,
        content_type: &ContentType,
        index: usize,
        name: &str,
        options: &Map<String, Value>,
        depth: usize,
    ) -> Result<Populate, QueryError> {
        let mut item = self.plain(content_type, index, depth)?;
        let target = item.target.clone();
        for (key, value) in options {
            match key.as_str() {
                "fields" => {
                    item.fields =
                        Some(parse_fields(&target, value).map_err(|e| within(e, &target))?)
                }
                "filters" => {
                    item.filter =
                        parse_group(self.registry, &target, value, 1, self.nodes, "filters")
                            .map_err(|e| within(e, &target))?;
                }
                "sort" => {
                    item.sort =
                        parse_sort(self.registry, &target, value).map_err(|e| within(e, &target))?
                }
                "populate" => item.populate = self.parse(&target, value, depth + 1)?,
                "count" => item.count = flag(value),
                other => return Err(invalid_key_of(other, Some(name), "populate")),
            }
        }
        Ok(item)
    }
}

/// An error in a populate's `fields`, `filters` or `sort`, as Strapi reports it: under the
/// `populate` parameter, with the key as its path when the target has an attribute of that name
/// that may not be named there (a private one, a relation).
fn within(mut error: QueryError, target: &ContentType) -> QueryError {
    if let Some(key) = &mut error.key {
        key.param = "populate";
        if key.path.is_none() && target.has_attribute(&key.key) {
            key.path = Some(key.key.clone());
        }
    }
    error
}

/// Adds a populated relation, merging it into one already there (`a,a.b`).
fn merge(into: &mut Vec<Populate>, item: Populate) {
    match into.iter_mut().find(|p| p.relation == item.relation) {
        Some(existing) => {
            if item.fields.is_some() {
                existing.fields = item.fields;
            }
            if item.filter.is_some() {
                existing.filter = item.filter;
            }
            if !item.sort.is_empty() {
                existing.sort = item.sort;
            }
            existing.count |= item.count;
            for inner in item.populate {
                merge(&mut existing.populate, inner);
            }
        }
        None => into.push(item),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::content::schema::parse as parse_schema;
    use serde_json::json;

    /// `title` (0), `views` (1), `active` (2), `born` (3), a private `secret` (4); with draft &
    /// publish. The SQL builder's tests use it too.
    pub(crate) fn article() -> ContentType {
        parse_schema(&json!({
            "kind": "collectionType",
            "info": {"singularName": "article", "pluralName": "articles"},
            "options": {"draftAndPublish": true},
            "attributes": {
                "title": {"type": "string"},
                "views": {"type": "integer"},
                "active": {"type": "boolean"},
                "born": {"type": "date"},
                "secret": {"type": "string", "private": true}
            }
        }))
        .unwrap()
    }

    const LIMITS: Limits = Limits {
        default_limit: 25,
        max_limit: 100,
        max_populate_depth: 3,
    };

    fn query(raw: &str) -> Result<Query, QueryError> {
        parse_query_string(&Registry::default(), &article(), raw, LIMITS)
    }

    fn filter(raw: &str) -> Filter {
        query(raw).unwrap().filter.expect("a filter")
    }

    fn condition(field: usize, operator: Operator, values: Vec<SqlValue>) -> Filter {
        Filter::Condition {
            field: Field::Attribute(field),
            operator,
            values,
        }
    }

    fn text(value: &str) -> SqlValue {
        SqlValue::Text(value.into())
    }

    #[test]
    fn no_parameters_read_the_first_page_of_published_entries() {
        let parsed = query("").unwrap();
        assert_eq!(parsed.filter, None);
        assert!(parsed.sort.is_empty());
        assert_eq!(
            parsed.pagination,
            Pagination::Page {
                page: 1,
                page_size: 25
            }
        );
        assert!(parsed.with_count);
        assert_eq!(parsed.fields, None);
        assert_eq!(parsed.status, Status::Published);
    }

    #[test]
    fn conditions_are_typed_by_their_attribute_and_combined_with_and() {
        assert_eq!(
            filter("filters[title][$eq]=x&filters[views][$gt]=3"),
            Filter::And(vec![
                condition(0, Operator::Eq, vec![text("x")]),
                condition(1, Operator::Gt, vec![SqlValue::Integer(3)]),
            ])
        );
        assert_eq!(
            filter("filters[title]=x"),
            condition(0, Operator::Eq, vec![text("x")])
        );
        assert_eq!(
            filter("filters[born][$lt]=2024-01-02"),
            condition(3, Operator::Lt, vec![text("2024-01-02")])
        );
    }

    #[test]
    fn groups_nest_as_written() {
        assert_eq!(
            filter("filters[$or][0][views][$eq]=1&filters[$or][1][$not][title][$null]=true"),
            Filter::Or(vec![
                condition(1, Operator::Eq, vec![SqlValue::Integer(1)]),
                Filter::Not(Box::new(condition(
                    0,
                    Operator::Null,
                    vec![SqlValue::Boolean(true)]
                ))),
            ])
        );
        assert_eq!(
            filter("filters[title][$not][$eq]=x"),
            Filter::Not(Box::new(condition(0, Operator::Eq, vec![text("x")])))
        );
    }

    #[test]
    fn lists_and_flags_read_as_strapi_reads_them() {
        // A list under a one-value operator: any of its items.
        assert_eq!(
            filter("filters[views][$eq][0]=1&filters[views][$eq][1]=2"),
            Filter::Or(vec![
                condition(1, Operator::Eq, vec![SqlValue::Integer(1)]),
                condition(1, Operator::Eq, vec![SqlValue::Integer(2)]),
            ])
        );
        // One value under `$in`: a list of one.
        assert_eq!(
            filter("filters[views][$in]=4"),
            condition(1, Operator::In, vec![SqlValue::Integer(4)])
        );
        // `$null` and booleans: the words, else JavaScript's truthiness.
        for (raw, flag) in [("true", true), ("0", false), ("f", false), ("maybe", true)] {
            assert_eq!(
                filter(&format!("filters[title][$null]={raw}")),
                condition(0, Operator::Null, vec![SqlValue::Boolean(flag)]),
                "{raw}"
            );
            assert_eq!(
                filter(&format!("filters[active][$eq]={raw}")),
                condition(2, Operator::Eq, vec![SqlValue::Boolean(flag)]),
                "{raw}"
            );
        }
    }

    #[test]
    fn unknown_and_private_keys_are_refused_with_strapis_details() {
        let error = query("filters[nope][$eq]=1").unwrap_err();
        assert_eq!(error.message, "Invalid key nope");
        assert_eq!(
            error.key,
            Some(InvalidKey {
                key: "nope".into(),
                path: None,
                param: "filters"
            })
        );
        let error = query("filters[title][$like]=x").unwrap_err();
        assert_eq!(error.message, "Invalid key $like at title");
        assert_eq!(error.key.unwrap().path.as_deref(), Some("title"));
        assert_eq!(
            query("filters[secret][$eq]=x").unwrap_err().message,
            "Invalid key secret"
        );
        assert_eq!(query("sort=secret").unwrap_err().key.unwrap().param, "sort");
        assert_eq!(
            query("fields[0]=secret").unwrap_err().key.unwrap().param,
            "fields"
        );
    }

    #[test]
    fn values_the_attribute_cannot_hold_are_refused() {
        assert_eq!(
            query("filters[views][$eq]=abc").unwrap_err().message,
            "Invalid value for key views: views must be an integer, not `abc`"
        );
        assert_eq!(
            query("filters[born][$eq]=soon").unwrap_err().message,
            "Invalid format, expected yyyy-MM-dd"
        );
        assert_eq!(
            query("filters[views][$containsi]=1").unwrap_err().message,
            "Invalid key views: operator cannot be used on a integer field"
        );
        assert!(query("filters[title][$eq][$eq]=x").is_err());
    }

    #[test]
    fn filters_are_bounded_in_depth_and_size() {
        let deep = format!("filters{}[title][$eq]=x", "[$not]".repeat(MAX_DEPTH + 1));
        assert!(query(&deep).is_err());
        let wide: Vec<String> = (0..=MAX_NODES)
            .map(|i| format!("filters[$or][{i}][views][$eq]={i}"))
            .collect();
        assert!(query(&wide.join("&")).is_err());
        let values: Vec<String> = (0..=MAX_NODES)
            .map(|i| format!("filters[views][$in][{i}]={i}"))
            .collect();
        assert_eq!(
            query(&values.join("&")).unwrap_err().message,
            format!("The filters have more than {MAX_NODES} conditions and values")
        );
    }

    #[test]
    fn sort_keys_and_directions() {
        let parsed = query("sort=title:desc,views").unwrap();
        assert_eq!(
            parsed.sort,
            [
                Sort {
                    field: Field::Attribute(0),
                    descending: true,
                    through: Vec::new(),
                },
                Sort {
                    field: Field::Attribute(1),
                    descending: false,
                    through: Vec::new(),
                },
            ]
        );
        let parsed = query("sort[0]=createdAt:DESC&sort[1][views]=asc").unwrap();
        assert_eq!(parsed.sort[0].field, Field::CreatedAt);
        assert!(parsed.sort[0].descending);
        assert_eq!(parsed.sort[1].field, Field::Attribute(1));
        assert_eq!(
            query("sort=title:sideways").unwrap_err().message,
            "Invalid order. order can only be one of asc|desc|ASC|DESC"
        );
    }

    #[test]
    fn pagination_by_page_or_offset_within_the_limits() {
        let page = query("pagination[page]=3&pagination[pageSize]=10").unwrap();
        assert_eq!(page.pagination.offset(), 20);
        assert_eq!(page.pagination.limit(), 10);
        let offset =
            query("pagination[start]=5&pagination[limit]=7&pagination[withCount]=false").unwrap();
        assert_eq!(offset.pagination, Pagination::Offset { start: 5, limit: 7 });
        assert!(!offset.with_count);
        // Above the maximum: the maximum, as Strapi clamps it.
        let big = query("pagination[pageSize]=5000").unwrap();
        assert_eq!(big.pagination.limit(), 100);
        assert_eq!(
            query("pagination[page]=1&pagination[start]=1")
                .unwrap_err()
                .name,
            "PaginationError"
        );
    }

    #[test]
    fn fields_select_exactly_and_status_picks_the_version() {
        let parsed = query("fields[0]=views&fields[1]=updatedAt&status=draft").unwrap();
        assert_eq!(
            parsed.fields,
            Some(vec![Field::Attribute(1), Field::UpdatedAt])
        );
        assert_eq!(parsed.status, Status::Draft);
        assert_eq!(
            query("fields=title").unwrap().fields,
            Some(vec![Field::Attribute(0)])
        );
        assert_eq!(query("fields[]=").unwrap_err().message, "Invalid key ");
        assert!(query("status=archived").is_err());
    }
}
