//! GraphQL over the content types, in Strapi v5's shape, built at run time from the loaded
//! types (and rebuilt when they change): for a collection `article`, the queries `articles`,
//! `articles_connection` and `article(documentId)`, the mutations `createArticle`,
//! `updateArticle` and `deleteArticle`; for a single type `homepage`, `homepage`,
//! `updateHomepage` and `deleteHomepage`. Arguments are turned into the REST query parameters
//! and go through the same parser, authorization and SQL as `/api` (one statement per list).

use crate::AppState;
use crate::audit::Origin;
use crate::auth::content::{ContentAction, ContentPrincipal};
use crate::content::Registry;
use crate::content::query::{self, Limits as QueryLimits, Query, Status};
use crate::content::schema::{AttributeType, ContentType, Kind};
use crate::content::store::{self, WriteError};
use crate::error::ApiError;
use actix_web::web;
use async_graphql::dynamic::{
    Enum, Field, FieldFuture, FieldValue, InputObject, InputValue, Object, ResolverContext, Scalar,
    Schema, SchemaError, TypeRef,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{
    Error as GraphqlError, ErrorExtensions, Name, ValidationMode, Value as GraphqlValue,
};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Limits against abusive queries, from the configuration.
pub use crate::config::GraphqlLimits as Limits;

pub mod guard;
mod plan;

/// The schema of the content types in force, rebuilt when they change, and the parsed form of
/// the queries clients send again and again.
#[derive(Default)]
pub struct Schemas {
    current: Mutex<Option<(Arc<Registry>, Built)>>,
    documents: Mutex<HashMap<String, Arc<Parsed>>>,
    /// How many answers a plan gave without the executor, since the start.
    planned: std::sync::atomic::AtomicU64,
}

/// The schema of a registry, twice: with every validation rule, and with async-graphql's fast
/// validation (depth, complexity and fragment cycles only) for queries already found valid.
#[derive(Clone)]
pub struct Built {
    pub strict: Schema,
    pub fast: Schema,
}

/// A query as parsed under the content types of `registry`, its plan when it has the shape
/// answered without the executor, and whether it ran once through the strict validation
/// without an error. What is known of it holds for those types only.
pub struct Parsed {
    pub document: ExecutableDocument,
    pub plan: Option<plan::Plan>,
    registry: Arc<Registry>,
    validated: AtomicBool,
}

impl Parsed {
    pub fn new(document: ExecutableDocument, registry: Arc<Registry>) -> Parsed {
        Parsed {
            plan: plan::Plan::of(&document, &registry),
            document,
            registry,
            validated: AtomicBool::new(false),
        }
    }

    pub fn is_validated(&self) -> bool {
        self.validated.load(Ordering::Relaxed)
    }

    /// Records that the query passed the strict validation (it ran without any error).
    pub fn mark_validated(&self) {
        self.validated.store(true, Ordering::Relaxed);
    }
}

/// Parsed queries kept (clients send a few queries many times, with other variables); past this
/// many the cache starts again, so that distinct queries cannot grow it.
const MAX_DOCUMENTS: usize = 256;
/// Longer queries are parsed each time.
const MAX_DOCUMENT_BYTES: usize = 16 * 1024;

impl Schemas {
    /// Counts an answer given by a plan.
    pub fn count_planned(&self) {
        self.planned
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many answers plans gave since the start.
    pub fn planned_answers(&self) -> u64 {
        self.planned.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The schema for `registry`: the cached one when the types have not changed since.
    pub fn for_registry(
        &self,
        registry: Arc<Registry>,
        limits: Limits,
    ) -> Result<Built, SchemaError> {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((built_for, built)) = current.as_ref()
            && Arc::ptr_eq(built_for, &registry)
        {
            return Ok(built.clone());
        }
        let built = Built {
            strict: build(&registry, limits, ValidationMode::Strict)?,
            fast: build(&registry, limits, ValidationMode::Fast)?,
        };
        *current = Some((registry, built.clone()));
        // What was valid against the old types may not be now.
        self.documents
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        Ok(built)
    }

    /// `query` parsed under `registry` and found within `limits` (see `guard`), from the cache
    /// when it was seen before under the same types. Only short queries are kept.
    pub fn parsed(
        &self,
        query: &str,
        registry: &Arc<Registry>,
        limits: Limits,
    ) -> Result<Arc<Parsed>, Unparsed> {
        let lock = || self.documents.lock().unwrap_or_else(|p| p.into_inner());
        let keep = query.len() <= MAX_DOCUMENT_BYTES;
        if keep
            && let Some(parsed) = lock().get(query)
            && Arc::ptr_eq(&parsed.registry, registry)
        {
            return Ok(parsed.clone());
        }
        guard::check_nesting(query).map_err(Unparsed::Refused)?;
        let document = async_graphql::parser::parse_query(query).map_err(Unparsed::Syntax)?;
        guard::check_document(&document, limits.max_depth, limits.max_complexity)
            .map_err(Unparsed::Refused)?;
        let parsed = Arc::new(Parsed::new(document, registry.clone()));
        if keep {
            let mut documents = lock();
            if documents.len() >= MAX_DOCUMENTS {
                documents.clear();
            }
            documents.insert(query.to_string(), parsed.clone());
        }
        Ok(parsed)
    }
}

/// Why a query was not parsed: a syntax error (answered in GraphQL's shape, as the executor
/// would), or a document past the limits.
#[derive(Debug)]
pub enum Unparsed {
    Syntax(async_graphql::parser::Error),
    Refused(guard::Refusal),
}

/// Whether a request may skip the strict validation: its query passed it before (so every rule
/// that reads only the document holds), it has one operation, and each variable's value fits
/// its declared type, which must be a built-in scalar or a list of them (the one rule that reads
/// values). Anything else (input objects, enums, custom scalars) goes through the strict rules.
pub fn may_skip_validation(parsed: &Parsed, variables: &async_graphql::Variables) -> bool {
    let mut operations = parsed.document.operations.iter();
    let (Some((_, operation)), None) = (operations.next(), operations.next()) else {
        return false;
    };
    parsed.is_validated()
        && operation
            .node
            .variable_definitions
            .iter()
            .all(|definition| {
                let definition = &definition.node;
                match variables.get(&definition.name.node) {
                    None => definition.var_type.node.nullable || definition.default_value.is_some(),
                    Some(value) => fits(&definition.var_type.node, value),
                }
            })
}

fn fits(ty: &async_graphql::parser::types::Type, value: &GraphqlValue) -> bool {
    use async_graphql::parser::types::BaseType;
    if let GraphqlValue::Null = value {
        return ty.nullable;
    }
    match (&ty.base, value) {
        (BaseType::List(inner), GraphqlValue::List(items)) => items.iter().all(|v| fits(inner, v)),
        (BaseType::List(inner), single) => fits(inner, single),
        (BaseType::Named(name), value) => match (name.as_str(), value) {
            ("String", GraphqlValue::String(_)) | ("Boolean", GraphqlValue::Boolean(_)) => true,
            ("ID", GraphqlValue::String(_)) => true,
            ("ID", GraphqlValue::Number(n)) => n.is_i64() || n.is_u64(),
            ("Int", GraphqlValue::Number(n)) => {
                n.as_i64().is_some_and(|n| i32::try_from(n).is_ok())
            }
            ("Float", GraphqlValue::Number(_)) => true,
            _ => false,
        },
    }
}

/// Puts the root fields of `data` in the query's order: async-graphql resolves a query's root
/// fields concurrently and writes each where its read ends, while GraphQL answers in the order
/// of the query (what the plans do too).
pub fn in_query_order(
    data: &mut GraphqlValue,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) {
    let GraphqlValue::Object(fields) = data else {
        return;
    };
    if fields.len() < 2 {
        return;
    }
    // The operation async-graphql ran.
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        _ => None,
    };
    let Some(operation) = operation else {
        return;
    };
    let mut keys = Vec::new();
    response_keys(
        &operation.node.selection_set.node,
        document,
        &mut Vec::new(),
        &mut keys,
    );
    let position = |key: &Name| keys.iter().position(|k| *k == key).unwrap_or(usize::MAX);
    fields.sort_by(|a, _, b, _| position(a).cmp(&position(b)));
}

/// The response keys of a selection set, through its fragments, in order.
fn response_keys<'a>(
    set: &'a SelectionSet,
    document: &'a ExecutableDocument,
    visiting: &mut Vec<&'a Name>,
    keys: &mut Vec<&'a Name>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let key = &field.node.response_key().node;
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                if let Some(fragment) = document.fragments.get(name)
                    && !visiting.contains(&name)
                {
                    visiting.push(name);
                    response_keys(&fragment.node.selection_set.node, document, visiting, keys);
                    visiting.pop();
                }
            }
            Selection::InlineFragment(inline) => {
                response_keys(&inline.node.selection_set.node, document, visiting, keys);
            }
        }
    }
}

/// Who is asking, for the resolvers: the server, the token, and where the request came from.
pub struct Caller {
    pub state: web::Data<AppState>,
    pub principal: ContentPrincipal,
    pub origin: Origin,
}

/// `blog-post` → `BlogPost`.
fn pascal(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// `blog-posts` → `blogPosts`.
fn camel(name: &str) -> String {
    let pascal = pascal(name);
    let mut chars = pascal.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

/// Whether `name` may name a GraphQL field (`[_A-Za-z][_0-9A-Za-z]*`, not `__…`).
fn is_graphql_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !name.starts_with("__")
}

/// The GraphQL scalar of an attribute type (Strapi's names).
fn scalar_of(kind: &AttributeType) -> &'static str {
    match kind {
        AttributeType::String
        | AttributeType::Text
        | AttributeType::RichText
        | AttributeType::Email
        | AttributeType::Uid
        | AttributeType::Enumeration(_) => TypeRef::STRING,
        AttributeType::Integer => TypeRef::INT,
        AttributeType::BigInteger => "Long",
        AttributeType::Float | AttributeType::Decimal => TypeRef::FLOAT,
        AttributeType::Boolean => TypeRef::BOOLEAN,
        AttributeType::Date => "Date",
        AttributeType::Time => "Time",
        AttributeType::DateTime => "DateTime",
        AttributeType::Json => "JSON",
    }
}

/// The filter input of a scalar: `StringFilterInput`, …
fn filter_input_of(scalar: &str) -> String {
    format!("{scalar}FilterInput")
}

/// The comparison operators of a scalar's filter input, with their argument shapes.
fn filter_input(scalar: &str) -> InputObject {
    let one = || TypeRef::named(scalar);
    let list = || TypeRef::named_list(scalar);
    let mut input = InputObject::new(filter_input_of(scalar));
    let textual = scalar == TypeRef::STRING || scalar == TypeRef::ID;
    let comparable = scalar != "JSON" && scalar != TypeRef::BOOLEAN;
    if scalar != "JSON" {
        input = input
            .field(InputValue::new("eq", one()))
            .field(InputValue::new("ne", one()))
            .field(InputValue::new("in", list()))
            .field(InputValue::new("notIn", list()));
    }
    if comparable {
        input = input
            .field(InputValue::new("lt", one()))
            .field(InputValue::new("lte", one()))
            .field(InputValue::new("gt", one()))
            .field(InputValue::new("gte", one()))
            .field(InputValue::new("between", list()));
    }
    if textual {
        for operator in [
            "eqi",
            "nei",
            "contains",
            "notContains",
            "containsi",
            "notContainsi",
            "startsWith",
            "startsWithi",
            "endsWith",
            "endsWithi",
        ] {
            input = input.field(InputValue::new(operator, one()));
        }
    }
    input
        .field(InputValue::new("null", TypeRef::named(TypeRef::BOOLEAN)))
        .field(InputValue::new("notNull", TypeRef::named(TypeRef::BOOLEAN)))
}

/// The public attributes GraphQL can name.
fn attributes(
    content_type: &ContentType,
) -> impl Iterator<Item = &crate::content::schema::Attribute> {
    content_type
        .attributes
        .iter()
        .filter(|a| !a.private && is_graphql_name(&a.name))
}

/// An error in Strapi's GraphQL shape: `extensions.code` and `extensions.error`.
fn error(code: impl Into<String>, api: &ApiError) -> GraphqlError {
    let code = code.into();
    let body = json!({"name": api.name, "message": api.message, "details": api.details});
    GraphqlError::new(api.message.clone()).extend_with(move |_, extensions| {
        extensions.set("code", code);
        if let Ok(value) = GraphqlValue::from_json(body) {
            extensions.set("error", value);
        }
    })
}

/// An `ApiError` as the GraphQL error Strapi's `formatGraphqlError` makes of it: `FORBIDDEN`
/// for a forbidden or unauthorized caller, `BAD_USER_INPUT` for a validation error,
/// `STRAPI_<NAME>` for the other errors of a request (`STRAPI_NOT_FOUND_ERROR`), and
/// `INTERNAL_SERVER_ERROR` for the server's own failures.
pub fn api_error(api: &ApiError) -> GraphqlError {
    let code: String = match api.name {
        _ if api.status.is_server_error() => "INTERNAL_SERVER_ERROR".into(),
        "ForbiddenError" | "UnauthorizedError" | "PolicyError" => "FORBIDDEN".into(),
        "ValidationError" => "BAD_USER_INPUT".into(),
        name => format!("STRAPI_{}", upper_snake(name)),
    };
    error(code, api)
}

/// `NotFoundError` → `NOT_FOUND_ERROR`, as lodash's `toUpper(snakeCase(…))`.
fn upper_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// GraphQL argument values as the REST query parameters hold them: leaves as text, operators
/// and `and`/`or`/`not` with their `$`.
fn as_parameter(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(Value::String(text)),
        Value::Bool(flag) => Some(Value::String(flag.to_string())),
        Value::Number(number) => Some(Value::String(number.to_string())),
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(as_parameter).collect(),
        )),
        Value::Object(object) => Some(Value::Object(
            object
                .into_iter()
                .filter_map(|(key, value)| as_parameter(value).map(|value| (key, value)))
                .collect(),
        )),
    }
}

/// `filters` as REST's: logical keys and operators get their `$`; field names stay.
fn filters_parameter(group: Value) -> Value {
    let Value::Object(object) = group else {
        return group;
    };
    let converted = object.into_iter().map(|(key, value)| match key.as_str() {
        "and" | "or" => {
            let items = match value {
                Value::Array(items) => items.into_iter().map(filters_parameter).collect(),
                other => vec![filters_parameter(other)],
            };
            (format!("${key}"), Value::Array(items))
        }
        "not" => ("$not".to_string(), filters_parameter(value)),
        _ => {
            let operators = match value {
                Value::Object(operators) => Value::Object(
                    operators
                        .into_iter()
                        .map(|(operator, operand)| (format!("${operator}"), operand))
                        .collect(),
                ),
                other => other,
            };
            (key, operators)
        }
    });
    Value::Object(converted.collect())
}

/// The arguments of a list that become REST query parameters.
const LIST_ARGUMENTS: [&str; 4] = ["filters", "pagination", "sort", "status"];

/// A list's arguments (as JSON) as REST's query parameters, for `query::parse`: filters with
/// their `$`, leaves as text, the status in lower case; other keys are dropped.
pub fn rest_parameters(arguments: Map<String, Value>) -> Map<String, Value> {
    let mut params = Map::new();
    for (name, value) in arguments {
        let value = match name.as_str() {
            "filters" => filters_parameter(value),
            "status" => Value::String(value.as_str().unwrap_or("").to_ascii_lowercase()),
            "pagination" | "sort" => value,
            _ => continue,
        };
        if let Some(value) = as_parameter(value) {
            params.insert(name, value);
        }
    }
    params
}

/// The REST query of a resolver's arguments, parsed and checked as `/api` does.
fn query_of(
    ctx: &ResolverContext<'_>,
    caller: &Caller,
    content_type: &ContentType,
) -> Result<Query, GraphqlError> {
    let mut arguments = Map::new();
    for name in LIST_ARGUMENTS {
        let Some(argument) = ctx.args.get(name) else {
            continue;
        };
        let value = argument
            .as_value()
            .clone()
            .into_json()
            .map_err(|e| api_error(&ApiError::validation(format!("Invalid {name}: {e}"))))?;
        arguments.insert(name.to_string(), value);
    }
    let params = rest_parameters(arguments);
    let config = &caller.state.config;
    let limits = QueryLimits {
        default_limit: u64::from(config.api_rest_default_limit),
        max_limit: u64::from(config.api_rest_max_limit),
    };
    query::parse(content_type, &params, limits).map_err(|e| api_error(&ApiError::from(e)))
}

/// The caller, allowed `action` on `content_type`, else a `FORBIDDEN` error (and an audit
/// event, as on `/api`).
fn authorized<'a>(
    ctx: &ResolverContext<'a>,
    content_type: &ContentType,
    action: ContentAction,
) -> Result<&'a Caller, GraphqlError> {
    let caller = ctx.data::<Arc<Caller>>()?;
    if caller.principal.permit(&caller.state, content_type, action) {
        Ok(caller)
    } else {
        let refusal = crate::auth::deny_from(
            &caller.state,
            &caller.origin,
            "POST",
            "/graphql",
            caller.principal.credential.stored_id(),
            ApiError::new(
                actix_web::http::StatusCode::FORBIDDEN,
                "ForbiddenError",
                "Forbidden access",
            ),
            "action not granted",
        );
        Err(error("FORBIDDEN", &refusal))
    }
}

fn status_of(ctx: &ResolverContext<'_>) -> Status {
    let draft = ctx
        .args
        .get("status")
        .is_some_and(|v| v.enum_name().is_ok_and(|name| name == "DRAFT"));
    if draft {
        Status::Draft
    } else {
        Status::Published
    }
}

fn write_error(error: WriteError) -> GraphqlError {
    api_error(&ApiError::from(error))
}

/// The `documentId` argument, when the field has one (collections).
fn document_id_of(ctx: &ResolverContext<'_>) -> Result<Option<String>, GraphqlError> {
    ctx.args
        .get("documentId")
        .map(|id| id.string().map(str::to_string))
        .transpose()
}

/// An entry (a JSON object) as a GraphQL object value.
fn entry_value(entry: Value) -> FieldValue<'static> {
    match entry {
        Value::Object(object) => FieldValue::owned_any(object),
        _ => FieldValue::NULL,
    }
}

/// The object type of a content type's entries.
fn entry_type(content_type: &ContentType) -> Object {
    let mut object = Object::new(pascal(&content_type.singular_name)).field(Field::new(
        "documentId",
        TypeRef::named_nn(TypeRef::ID),
        |ctx| field_of(&ctx, "documentId"),
    ));
    let mut names: Vec<(String, &'static str)> = attributes(content_type)
        .map(|a| (a.name.clone(), scalar_of(&a.kind)))
        .collect();
    names.extend([
        ("createdAt".to_string(), "DateTime"),
        ("updatedAt".to_string(), "DateTime"),
        ("publishedAt".to_string(), "DateTime"),
    ]);
    for (name, scalar) in names {
        let key = name.clone();
        object = object.field(Field::new(name, TypeRef::named(scalar), move |ctx| {
            field_of(&ctx, &key)
        }));
    }
    object
}

/// A field of the parent object (a JSON object), resolved at once: no future to box and poll.
fn field_of<'a>(ctx: &ResolverContext<'_>, key: &str) -> FieldFuture<'a> {
    match value_of(ctx, key) {
        Ok(value) => FieldFuture::Value(value.map(FieldValue::value)),
        Err(error) => FieldFuture::new(async move { Err::<Option<GraphqlValue>, _>(error) }),
    }
}

fn value_of(ctx: &ResolverContext<'_>, key: &str) -> Result<Option<GraphqlValue>, GraphqlError> {
    let entry = ctx.parent_value.try_downcast_ref::<Map<String, Value>>()?;
    Ok(match entry.get(key) {
        None | Some(Value::Null) => None,
        // Scalars directly; objects and lists (JSON attributes) through serde.
        Some(Value::String(text)) => Some(GraphqlValue::String(text.clone())),
        Some(Value::Bool(b)) => Some(GraphqlValue::Boolean(*b)),
        Some(Value::Number(n)) => Some(GraphqlValue::Number(n.clone())),
        Some(value) => Some(GraphqlValue::from_json(value.clone())?),
    })
}

/// The filter input of a content type's entries: a condition per field, and `and`/`or`/`not`.
fn filters_type(content_type: &ContentType) -> InputObject {
    let name = format!("{}FiltersInput", pascal(&content_type.singular_name));
    let mut input = InputObject::new(&name)
        .field(InputValue::new(
            "documentId",
            TypeRef::named(filter_input_of(TypeRef::ID)),
        ))
        .field(InputValue::new("and", TypeRef::named_list(&name)))
        .field(InputValue::new("or", TypeRef::named_list(&name)))
        .field(InputValue::new("not", TypeRef::named(&name)));
    for attribute in attributes(content_type) {
        let scalar = scalar_of(&attribute.kind);
        input = input.field(InputValue::new(
            &attribute.name,
            TypeRef::named(filter_input_of(scalar)),
        ));
    }
    for system in ["createdAt", "updatedAt", "publishedAt"] {
        input = input.field(InputValue::new(
            system,
            TypeRef::named(filter_input_of("DateTime")),
        ));
    }
    input
}

/// The input of a content type's writes: every public attribute, none required (the store
/// checks what is).
fn data_type(content_type: &ContentType) -> InputObject {
    let mut input = InputObject::new(format!("{}Input", pascal(&content_type.singular_name)));
    for attribute in attributes(content_type) {
        input = input.field(InputValue::new(
            &attribute.name,
            TypeRef::named(scalar_of(&attribute.kind)),
        ));
    }
    if content_type.draft_and_publish {
        input = input.field(InputValue::new("publishedAt", TypeRef::named("DateTime")));
    }
    input
}

fn list_arguments(field: Field, content_type: &ContentType) -> Field {
    field
        .argument(InputValue::new(
            "filters",
            TypeRef::named(format!(
                "{}FiltersInput",
                pascal(&content_type.singular_name)
            )),
        ))
        .argument(InputValue::new(
            "pagination",
            TypeRef::named("PaginationArg"),
        ))
        .argument(InputValue::new(
            "sort",
            TypeRef::named_list(TypeRef::STRING),
        ))
        .argument(InputValue::new(
            "status",
            TypeRef::named("PublicationStatus"),
        ))
}

/// What a page of a list holds, for `…_connection`.
struct Connection {
    entries: Vec<Value>,
    page_info: Value,
}

/// Runs a list query on the REST path; `count` for a connection's `pageInfo`.
async fn find(
    ctx: &ResolverContext<'_>,
    content_type: &Arc<ContentType>,
    count: bool,
) -> Result<Connection, GraphqlError> {
    let caller = authorized(ctx, content_type, ContentAction::Find)?;
    let mut query = query_of(ctx, caller, content_type)?;
    query.with_count = count;
    let pagination = query.pagination;
    let content_type = content_type.clone();
    let (entries, total) = caller
        .state
        .db(move |conn| Ok(store::find(conn, &content_type, &query)?))
        .await
        .map_err(|e| api_error(&e))?;
    let total = u64::try_from(total.unwrap_or(0)).unwrap_or(0);
    let page_size = pagination.limit();
    let page_info = json!({
        "page": pagination.offset() / page_size.max(1) + 1,
        "pageSize": page_size,
        "pageCount": total.div_ceil(page_size.max(1)),
        "total": total,
    });
    Ok(Connection { entries, page_info })
}

fn query_fields(mut query: Object, content_type: &Arc<ContentType>) -> Object {
    let type_name = pascal(&content_type.singular_name);
    let status_argument = || InputValue::new("status", TypeRef::named("PublicationStatus"));
    match content_type.kind {
        Kind::Collection => {
            let plural = camel(&content_type.plural_name);
            let ct = content_type.clone();
            let list = Field::new(&plural, TypeRef::named_nn_list(&type_name), move |ctx| {
                let ct = ct.clone();
                FieldFuture::new(async move {
                    let page = find(&ctx, &ct, false).await?;
                    Ok(Some(FieldValue::list(
                        page.entries.into_iter().map(entry_value),
                    )))
                })
            });
            let ct = content_type.clone();
            let connection = Field::new(
                format!("{plural}_connection"),
                TypeRef::named(format!("{type_name}EntityResponseCollection")),
                move |ctx| {
                    let ct = ct.clone();
                    FieldFuture::new(async move {
                        let page = find(&ctx, &ct, true).await?;
                        Ok(Some(FieldValue::owned_any(page)))
                    })
                },
            );
            let ct = content_type.clone();
            let one = Field::new(
                camel(&content_type.singular_name),
                TypeRef::named(&type_name),
                move |ctx| {
                    let ct = ct.clone();
                    FieldFuture::new(async move {
                        let caller = authorized(&ctx, &ct, ContentAction::FindOne)?;
                        let document_id = ctx.args.try_get("documentId")?.string()?.to_string();
                        let query = Query::first(status_of(&ctx));
                        let found = caller
                            .state
                            .db(move |conn| {
                                Ok(store::find_one(conn, &ct, Some(&document_id), &query)?)
                            })
                            .await
                            .map_err(|e| api_error(&e))?;
                        Ok(found.map(entry_value))
                    })
                },
            )
            .argument(InputValue::new(
                "documentId",
                TypeRef::named_nn(TypeRef::ID),
            ))
            .argument(status_argument());
            query = query
                .field(list_arguments(list, content_type))
                .field(list_arguments(connection, content_type))
                .field(one);
        }
        Kind::Single => {
            let ct = content_type.clone();
            let one = Field::new(
                camel(&content_type.singular_name),
                TypeRef::named(&type_name),
                move |ctx| {
                    let ct = ct.clone();
                    FieldFuture::new(async move {
                        let caller = authorized(&ctx, &ct, ContentAction::Find)?;
                        let query = Query::first(status_of(&ctx));
                        let found = caller
                            .state
                            .db(move |conn| Ok(store::find_one(conn, &ct, None, &query)?))
                            .await
                            .map_err(|e| api_error(&e))?;
                        Ok(found.map(entry_value))
                    })
                },
            )
            .argument(status_argument());
            query = query.field(one);
        }
    }
    query
}

/// `data` of a mutation as the store reads a REST body.
fn data_of(ctx: &ResolverContext<'_>) -> Result<Map<String, Value>, GraphqlError> {
    let data = ctx.args.try_get("data")?.as_value().clone().into_json()?;
    match data {
        Value::Object(object) => Ok(object),
        _ => Err(api_error(&ApiError::validation("data must be an object"))),
    }
}

fn mutation_fields(mut mutation: Object, content_type: &Arc<ContentType>) -> Object {
    let type_name = pascal(&content_type.singular_name);
    let data_argument = || InputValue::new("data", TypeRef::named_nn(format!("{type_name}Input")));
    let status_argument = || InputValue::new("status", TypeRef::named("PublicationStatus"));
    let document_argument = || InputValue::new("documentId", TypeRef::named_nn(TypeRef::ID));
    let collection = content_type.kind == Kind::Collection;
    if collection {
        let ct = content_type.clone();
        let create = Field::new(
            format!("create{type_name}"),
            TypeRef::named(&type_name),
            move |ctx| {
                let ct = ct.clone();
                FieldFuture::new(async move {
                    let caller = authorized(&ctx, &ct, ContentAction::Create)?;
                    let data = data_of(&ctx)?;
                    let status = status_of(&ctx);
                    let now = caller.state.clock.now();
                    let entry = caller
                        .state
                        .db_write(move |conn| Ok(store::create(conn, &ct, &data, status, now)))
                        .await
                        .map_err(|e| api_error(&e))?
                        .map_err(write_error)?;
                    Ok(Some(entry_value(entry)))
                })
            },
        )
        .argument(data_argument())
        .argument(status_argument());
        mutation = mutation.field(create);
    }
    let ct = content_type.clone();
    let mut update = Field::new(
        format!("update{type_name}"),
        TypeRef::named(&type_name),
        move |ctx| {
            let ct = ct.clone();
            FieldFuture::new(async move {
                let caller = authorized(&ctx, &ct, ContentAction::Update)?;
                let document_id = document_id_of(&ctx)?;
                let data = data_of(&ctx)?;
                let status = status_of(&ctx);
                let now = caller.state.clock.now();
                let entry = caller
                    .state
                    .db_write(move |conn| {
                        Ok(store::update(
                            conn,
                            &ct,
                            document_id.as_deref(),
                            &data,
                            status,
                            now,
                        ))
                    })
                    .await
                    .map_err(|e| api_error(&e))?
                    .map_err(write_error)?;
                Ok(Some(entry_value(entry)))
            })
        },
    )
    .argument(data_argument())
    .argument(status_argument());
    let ct = content_type.clone();
    let mut delete = Field::new(
        format!("delete{type_name}"),
        TypeRef::named("DeleteMutationResponse"),
        move |ctx| {
            let ct = ct.clone();
            FieldFuture::new(async move {
                let caller = authorized(&ctx, &ct, ContentAction::Delete)?;
                let document_id = document_id_of(&ctx)?;
                let target = document_id.clone();
                let deleted = caller
                    .state
                    .db_write(move |conn| Ok(store::delete(conn, &ct, target.as_deref())))
                    .await
                    .map_err(|e| api_error(&e))?
                    .map_err(write_error)?;
                if !deleted {
                    return Err(api_error(&ApiError::not_found("Not Found")));
                }
                let mut response = Map::new();
                response.insert("documentId".into(), json!(document_id));
                Ok(Some(FieldValue::owned_any(response)))
            })
        },
    );
    if collection {
        update = update.argument(document_argument());
        delete = delete.argument(document_argument());
    }
    mutation.field(update).field(delete)
}

/// The content types the schema holds: those whose names make GraphQL names.
fn graphql_types(registry: &Registry) -> impl Iterator<Item = &Arc<ContentType>> {
    registry.types.iter().filter(|t| {
        is_graphql_name(&pascal(&t.singular_name)) && is_graphql_name(&camel(&t.plural_name))
    })
}

/// Builds the schema of these content types.
pub fn build(
    registry: &Registry,
    limits: Limits,
    validation: ValidationMode,
) -> Result<Schema, SchemaError> {
    let mut query = Object::new("Query");
    let mut mutation = Object::new("Mutation");
    let mut types: Vec<async_graphql::dynamic::Type> = Vec::new();
    let graphql_types: Vec<&Arc<ContentType>> = graphql_types(registry).collect();
    for content_type in &graphql_types {
        let type_name = pascal(&content_type.singular_name);
        types.push(entry_type(content_type).into());
        types.push(filters_type(content_type).into());
        types.push(data_type(content_type).into());
        if content_type.kind == Kind::Collection {
            let connection = Object::new(format!("{type_name}EntityResponseCollection"))
                .field(Field::new(
                    "nodes",
                    TypeRef::named_nn_list_nn(&type_name),
                    |ctx| {
                        FieldFuture::new(async move {
                            let page = ctx.parent_value.try_downcast_ref::<Connection>()?;
                            Ok(Some(FieldValue::list(
                                page.entries.iter().cloned().map(entry_value),
                            )))
                        })
                    },
                ))
                .field(Field::new(
                    "pageInfo",
                    TypeRef::named_nn("Pagination"),
                    |ctx| {
                        FieldFuture::new(async move {
                            let page = ctx.parent_value.try_downcast_ref::<Connection>()?;
                            let info = page.page_info.as_object().cloned().unwrap_or_default();
                            Ok(Some(FieldValue::owned_any(info)))
                        })
                    },
                ));
            types.push(connection.into());
        }
        query = query_fields(query, content_type);
        mutation = mutation_fields(mutation, content_type);
    }
    let pagination = ["page", "pageSize", "pageCount", "total"].into_iter().fold(
        Object::new("Pagination"),
        |object, name| {
            object.field(Field::new(
                name,
                TypeRef::named_nn(TypeRef::INT),
                move |ctx| field_of(&ctx, name),
            ))
        },
    );
    let pagination_arg = ["page", "pageSize", "start", "limit"]
        .into_iter()
        .fold(InputObject::new("PaginationArg"), |input, name| {
            input.field(InputValue::new(name, TypeRef::named(TypeRef::INT)))
        });
    let delete_response = Object::new("DeleteMutationResponse").field(Field::new(
        "documentId",
        TypeRef::named(TypeRef::ID),
        |ctx| field_of(&ctx, "documentId"),
    ));
    if graphql_types.is_empty() {
        // A schema needs one query field.
        query = query.field(Field::new(
            "_empty",
            TypeRef::named(TypeRef::BOOLEAN),
            |_| FieldFuture::new(async { Ok(None::<GraphqlValue>) }),
        ));
    }
    let mut builder = Schema::build(
        "Query",
        (!graphql_types.is_empty()).then_some("Mutation"),
        None,
    )
    .register(query)
    .register(pagination)
    .register(pagination_arg)
    .register(delete_response)
    .register(
        Enum::new("PublicationStatus")
            .item("DRAFT")
            .item("PUBLISHED"),
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .validation_mode(validation);
    if !graphql_types.is_empty() {
        builder = builder.register(mutation);
    }
    for scalar in ["Long", "Date", "Time", "DateTime", "JSON"] {
        builder = builder.register(Scalar::new(scalar));
    }
    for scalar in [
        TypeRef::STRING,
        TypeRef::ID,
        TypeRef::INT,
        "Long",
        TypeRef::FLOAT,
        TypeRef::BOOLEAN,
        "Date",
        "Time",
        "DateTime",
        "JSON",
    ] {
        builder = builder.register(filter_input(scalar));
    }
    for ty in types {
        builder = builder.register(ty);
    }
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_valid_queries_with_fitting_variables_skip_validation() {
        let parsed = |query: &str, validated| {
            let document = async_graphql::parser::parse_query(query).unwrap();
            let parsed = Parsed::new(document, Arc::new(Registry::default()));
            if validated {
                parsed.mark_validated();
            }
            parsed
        };
        let variables = |value: Value| async_graphql::Variables::from_json(value);
        let one = "query($id: ID!, $n: Int, $tags: [String!]) { a(id: $id, n: $n, t: $tags) }";
        let known = parsed(one, true);
        assert!(may_skip_validation(&known, &variables(json!({"id": "x"}))));
        assert!(may_skip_validation(
            &known,
            &variables(json!({"id": 7, "n": -3, "tags": ["a", "b"]}))
        ));
        assert!(may_skip_validation(
            &known,
            &variables(json!({"id": "x", "tags": "a"}))
        ));
        for bad in [
            json!({}),
            json!({"id": null}),
            json!({"id": 1.5}),
            json!({"id": {"a": 1}}),
            json!({"id": "x", "n": "1"}),
            json!({"id": "x", "n": 1.5}),
            json!({"id": "x", "n": 5_000_000_000_i64}),
            json!({"id": "x", "tags": ["a", null]}),
            json!({"id": "x", "tags": [1]}),
        ] {
            assert!(
                !may_skip_validation(&known, &variables(bad.clone())),
                "{bad}"
            );
        }
        assert!(!may_skip_validation(
            &parsed(one, false),
            &variables(json!({"id": "x"}))
        ));
        let input = parsed(
            "query($f: ArticleFiltersInput) { articles(filters: $f) { title } }",
            true,
        );
        assert!(!may_skip_validation(&input, &variables(json!({"f": {}}))));
        let two = parsed("query A { a } query B { b }", true);
        assert!(!may_skip_validation(&two, &variables(json!({}))));
        assert!(may_skip_validation(
            &parsed("query A { a }", true),
            &variables(json!({}))
        ));
    }

    #[test]
    fn names_follow_strapi() {
        assert_eq!(pascal("blog-post"), "BlogPost");
        assert_eq!(camel("blog-posts"), "blogPosts");
        assert_eq!(camel("articles"), "articles");
        assert!(is_graphql_name("publishedDate"));
        assert!(!is_graphql_name("2fast") && !is_graphql_name("a-b") && !is_graphql_name("__x"));
    }

    #[test]
    fn filters_become_rest_parameters() {
        let graphql = json!({
            "title": {"containsi": "rust", "ne": null},
            "views": {"between": [1, 10]},
            "or": [{"draft": {"eq": false}}, {"not": {"views": {"gt": 3}}}]
        });
        let rest = as_parameter(filters_parameter(graphql)).unwrap();
        assert_eq!(
            rest,
            json!({
                "title": {"$containsi": "rust"},
                "views": {"$between": ["1", "10"]},
                "$or": [{"draft": {"$eq": "false"}}, {"$not": {"views": {"$gt": "3"}}}]
            })
        );
    }
}
