//! Relations in GraphQL, in Strapi v5's shape: a toOne is a field of the target's type
//! (`author: Author`), a toMany a list with `filters`, `pagination` and `sort`
//! (`categories(…): [Category]!`) and its `…_connection` (`CategoryRelationResponseCollection`,
//! `nodes`). They are read the way REST populates: the field that reads entries looks ahead at
//! the relations its selection names and reads each in one statement per level
//! (`populate_of`), so that no relation is read once per entry; a relation field then only
//! takes its part of the entry.

use super::arguments::rest_parameters;
use super::errors::api_error;
use super::resolvers::{Caller, authorized, entry_value};
use crate::auth::content::ContentAction;
use crate::content::Registry;
use crate::content::query::{self, Limits, Pagination, Populate};
use crate::content::schema::{ContentType, Relation};
use crate::error::ApiError;
use async_graphql::Error as GraphqlError;
use async_graphql::context::SelectionField;
use async_graphql::dynamic::{Field, FieldFuture, FieldValue, ResolverContext, TypeRef};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The part of a relation list a `pagination` argument keeps.
struct Slice {
    start: usize,
    limit: Option<usize>,
}

/// The relations a type shows in GraphQL: public ones to types the schema holds.
pub(super) fn relations<'a>(
    content_type: &'a ContentType,
    shown: &'a dyn Fn(&str) -> bool,
) -> impl Iterator<Item = (usize, &'a Relation)> + 'a {
    content_type
        .relations
        .iter()
        .enumerate()
        .filter(move |(_, r)| {
            !r.private && shown(&r.target) && super::schema::is_graphql_name(&r.name)
        })
}

/// The name of the type a relation's target has in GraphQL.
fn type_name(registry: &Registry, relation: &Relation) -> String {
    registry
        .by_uid(&relation.target)
        .map(|target| super::schema::pascal(&target.singular_name))
        .unwrap_or_default()
}

/// Adds the relation fields to an entry type.
pub(super) fn entry_fields(
    mut object: async_graphql::dynamic::Object,
    registry: &Registry,
    content_type: &ContentType,
    shown: &dyn Fn(&str) -> bool,
) -> async_graphql::dynamic::Object {
    for (_, relation) in relations(content_type, shown) {
        let target_type = type_name(registry, relation);
        let Some(target) = registry.by_uid(&relation.target) else {
            continue;
        };
        let name = relation.name.clone();
        if relation.cardinality.to_many() {
            let (key, list_target) = (name.clone(), target.clone());
            let list = Field::new(&name, TypeRef::named_nn_list(&target_type), move |ctx| {
                let (key, target) = (key.clone(), list_target.clone());
                FieldFuture::new(async move {
                    let entries = related_list(&ctx, &target, &key)?;
                    Ok(Some(FieldValue::list(entries.into_iter().map(entry_value))))
                })
            });
            let (key, connection_target) = (name.clone(), target.clone());
            let connection = Field::new(
                format!("{name}_connection"),
                TypeRef::named(format!("{target_type}RelationResponseCollection")),
                move |ctx| {
                    let (key, target) = (key.clone(), connection_target.clone());
                    FieldFuture::new(async move {
                        let entries = related_list(&ctx, &target, &key)?;
                        Ok(Some(FieldValue::owned_any(RelatedEntries(entries))))
                    })
                },
            );
            object = object
                .field(super::schema::list_arguments(list, &target, false))
                .field(super::schema::list_arguments(connection, &target, false));
        } else {
            let key = name.clone();
            object = object.field(Field::new(
                &name,
                TypeRef::named(&target_type),
                move |ctx| {
                    let (key, target) = (key.clone(), target.clone());
                    FieldFuture::new(async move {
                        let entry = ctx.parent_value.try_downcast_ref::<Map<String, Value>>()?;
                        match entry.get(&key) {
                            // Not read: the caller may not `find` the target.
                            None => Err(forbidden(&ctx, &target)),
                            Some(Value::Null) => Ok(None),
                            Some(value) => Ok(Some(entry_value(value.clone()))),
                        }
                    })
                },
            ));
        }
    }
    object
}

/// A toMany connection's nodes.
pub(super) struct RelatedEntries(pub(super) Vec<Value>);

/// `{Type}RelationResponseCollection`: the `nodes` of a relation list.
pub(super) fn connection_type(type_name: &str) -> async_graphql::dynamic::Object {
    async_graphql::dynamic::Object::new(format!("{type_name}RelationResponseCollection")).field(
        Field::new("nodes", TypeRef::named_nn_list_nn(type_name), |ctx| {
            FieldFuture::new(async move {
                let entries = ctx.parent_value.try_downcast_ref::<RelatedEntries>()?;
                Ok(Some(FieldValue::list(
                    entries.0.iter().cloned().map(entry_value),
                )))
            })
        }),
    )
}

/// The `FORBIDDEN` error of a relation the caller may not read (with its audit event).
fn forbidden(ctx: &ResolverContext<'_>, target: &ContentType) -> GraphqlError {
    match authorized(ctx, target, ContentAction::Find) {
        Err(error) => error,
        Ok(_) => GraphqlError::new("Forbidden access"),
    }
}

/// A relation list of the parent entry, with the field's `pagination` applied.
fn related_list(
    ctx: &ResolverContext<'_>,
    target: &ContentType,
    key: &str,
) -> Result<Vec<Value>, GraphqlError> {
    let entry = ctx.parent_value.try_downcast_ref::<Map<String, Value>>()?;
    let Some(Value::Array(list)) = entry.get(key) else {
        return Err(forbidden(ctx, target));
    };
    let slice = slice_of(ctx)?;
    let limit = slice.limit.unwrap_or(usize::MAX);
    Ok(list.iter().skip(slice.start).take(limit).cloned().collect())
}

/// The `pagination` argument of a relation list, as REST reads it (without a default size: a
/// relation shows every entry unless asked).
fn slice_of(ctx: &ResolverContext<'_>) -> Result<Slice, GraphqlError> {
    let Some(pagination) = ctx.args.get("pagination") else {
        return Ok(Slice {
            start: 0,
            limit: None,
        });
    };
    let value = pagination.as_value().clone().into_json()?;
    let mut params = Map::new();
    params.insert("pagination".into(), value);
    let caller = ctx.data::<Arc<Caller>>()?;
    let limits = Limits::of(&caller.state.config);
    let params = rest_parameters(params);
    let parsed = query::parse(&Registry::default(), &EMPTY, &params, limits)
        .map_err(|e| api_error(&ApiError::from(e)))?;
    Ok(match parsed.pagination {
        Pagination::Page { .. } | Pagination::Offset { .. } => Slice {
            start: usize::try_from(parsed.pagination.offset()).unwrap_or(usize::MAX),
            limit: Some(usize::try_from(parsed.pagination.limit()).unwrap_or(usize::MAX)),
        },
    })
}

/// A type with nothing, to parse arguments that name no field (`pagination`).
static EMPTY: std::sync::LazyLock<ContentType> = std::sync::LazyLock::new(|| {
    crate::content::schema::parse(&serde_json::json!({
        "kind": "collectionType",
        "info": {"singularName": "none", "pluralName": "nones"},
        "attributes": {}
    }))
    .expect("an empty type parses")
});

/// What the selection of a field that reads entries of `content_type` populates: each relation
/// it names (directly, or as `…_connection { nodes }`), with its `filters` and `sort`, and what
/// is selected in turn. A relation to a type the caller may not `find` is left unread (its
/// field answers `FORBIDDEN`).
pub(super) fn populate_of(
    caller: &Caller,
    registry: &Registry,
    content_type: &ContentType,
    selection: &[SelectionField<'_>],
) -> Result<Vec<Populate>, GraphqlError> {
    let mut populate: Vec<Populate> = Vec::new();
    for field in selection {
        let name = field.name();
        let (relation_name, connection) = match name.strip_suffix("_connection") {
            Some(base) => (base, true),
            None => (name, false),
        };
        let Some(index) = content_type
            .relations
            .iter()
            .position(|r| r.name == relation_name && !r.private)
        else {
            continue;
        };
        if populate.iter().any(|p| p.relation == index) {
            continue;
        }
        let relation = &content_type.relations[index];
        let Some(target) = registry.by_uid(&relation.target) else {
            continue;
        };
        if !caller.principal.may_read(&target) {
            continue;
        }
        let mut arguments = Map::new();
        for (argument, value) in field.arguments()? {
            if argument.as_str() == "filters" || argument.as_str() == "sort" {
                arguments.insert(argument.to_string(), value.into_json()?);
            }
        }
        let params = rest_parameters(arguments);
        let limits = Limits::of(&caller.state.config);
        let parsed = query::parse(registry, &target, &params, limits)
            .map_err(|e| api_error(&ApiError::from(e)))?;
        parsed
            .check_filters(&|t| caller.principal.may_read(t))
            .map_err(|e| api_error(&ApiError::from(e)))?;
        let nested = populate_of(caller, registry, &target, &entries_of(*field, connection))?;
        populate.push(Populate {
            relation: index,
            target,
            fields: None,
            filter: parsed.filter,
            sort: parsed.sort,
            populate: nested,
            count: false,
        });
    }
    Ok(populate)
}

/// What a field selects of each entry: its own selection, or its `nodes`' for a connection.
fn entries_of(field: SelectionField<'_>, connection: bool) -> Vec<SelectionField<'_>> {
    if connection {
        field
            .selection_set()
            .filter(|f| f.name() == "nodes")
            .flat_map(|nodes| nodes.selection_set().collect::<Vec<_>>())
            .collect()
    } else {
        field.selection_set().collect()
    }
}

/// `populate_of` for the entries a resolver reads: those of its own selection, or of its
/// `nodes` for a connection.
pub(super) fn populate_for(
    ctx: &ResolverContext<'_>,
    caller: &Caller,
    content_type: &ContentType,
    connection: bool,
) -> Result<Vec<Populate>, GraphqlError> {
    let selection = entries_of(ctx.field(), connection);
    if !selection.iter().any(|f| {
        let name = f.name();
        let base = name.strip_suffix("_connection").unwrap_or(name);
        content_type.relation(base).is_some()
    }) {
        return Ok(Vec::new());
    }
    populate_of(caller, &caller.state.content(), content_type, &selection)
}
