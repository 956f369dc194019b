//! The GraphQL schema, built at run time from the loaded content types (and rebuilt when they
//! change), in Strapi v5's shape: for a collection `article`, the queries `articles`,
//! `articles_connection` and `article(documentId)`, the mutations `createArticle`,
//! `updateArticle` and `deleteArticle`; for a single type `homepage`, `homepage`,
//! `updateHomepage` and `deleteHomepage`. The resolvers (`resolvers`) turn arguments into the
//! REST query parameters (`arguments`), which go through the same parser, authorization and SQL
//! as `/api` (one statement per list).

use super::Limits;
use super::arguments::{data_of, document_id_of, status_of};
use super::errors::{api_error, write_error};
use super::relations;
use super::resolvers::{Connection, authorized, entry_value, field_of, find};
use crate::auth::content::ContentAction;
use crate::content::Registry;
use crate::content::query::Query;
use crate::content::schema::{AttributeType, ContentType, Kind};
use crate::content::store::{self, WriteError};
use async_graphql::dynamic::{
    Enum, Field, FieldFuture, FieldValue, InputObject, InputValue, Object, Scalar, Schema,
    SchemaError, TypeRef,
};
use async_graphql::{ValidationMode, Value as GraphqlValue};
use serde_json::{Map, json};
use std::sync::Arc;

/// `blog-post` → `BlogPost`.
pub(super) fn pascal(name: &str) -> String {
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
pub(super) fn camel(name: &str) -> String {
    let pascal = pascal(name);
    let mut chars = pascal.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

/// Whether `name` may name a GraphQL field (`[_A-Za-z][_0-9A-Za-z]*`, not `__…`).
pub(super) fn is_graphql_name(name: &str) -> bool {
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
pub(super) fn attributes(
    content_type: &ContentType,
) -> impl Iterator<Item = &crate::content::schema::Attribute> {
    content_type
        .attributes
        .iter()
        .filter(|a| !a.private && is_graphql_name(&a.name))
}

/// The object type of a content type's entries.
fn entry_type(
    content_type: &ContentType,
    registry: &Registry,
    shown: &dyn Fn(&str) -> bool,
) -> Object {
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
    relations::entry_fields(object, registry, content_type, shown)
}

/// The filter input of a content type's entries: a condition per field, and `and`/`or`/`not`.
fn filters_type(
    content_type: &ContentType,
    registry: &Registry,
    shown: &dyn Fn(&str) -> bool,
) -> InputObject {
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
    for (_, relation) in relations::relations(content_type, shown) {
        if let Some(target) = registry.by_uid(&relation.target) {
            input = input.field(InputValue::new(
                &relation.name,
                TypeRef::named(format!("{}FiltersInput", pascal(&target.singular_name))),
            ));
        }
    }
    input
}

/// The input of a content type's writes: every public attribute, none required (the store
/// checks what is).
fn data_type(content_type: &ContentType, shown: &dyn Fn(&str) -> bool) -> InputObject {
    let mut input = InputObject::new(format!("{}Input", pascal(&content_type.singular_name)));
    for attribute in attributes(content_type) {
        input = input.field(InputValue::new(
            &attribute.name,
            TypeRef::named(scalar_of(&attribute.kind)),
        ));
    }
    // Relations by documentId, as Strapi's inputs take them.
    for (_, relation) in relations::relations(content_type, shown) {
        let kind = if relation.cardinality.to_many() {
            TypeRef::named_list(TypeRef::ID)
        } else {
            TypeRef::named(TypeRef::ID)
        };
        input = input.field(InputValue::new(&relation.name, kind));
    }
    if content_type.draft_and_publish {
        input = input.field(InputValue::new("publishedAt", TypeRef::named("DateTime")));
    }
    input
}

/// The arguments of a list of entries: `filters`, `pagination`, `sort`, and for a root list
/// `status` (a relation list reads the version its parent does).
pub(super) fn list_arguments(field: Field, content_type: &ContentType, root: bool) -> Field {
    let field = field
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
        ));
    if root {
        field.argument(InputValue::new(
            "status",
            TypeRef::named("PublicationStatus"),
        ))
    } else {
        field
    }
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
                        let mut query = Query::first(status_of(&ctx));
                        query.populate = relations::populate_for(&ctx, caller, &ct, false)?;
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
                .field(list_arguments(list, content_type, true))
                .field(list_arguments(connection, content_type, true))
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
                        let mut query = Query::first(status_of(&ctx));
                        query.populate = relations::populate_for(&ctx, caller, &ct, false)?;
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
                    let mut query = Query::first(status);
                    query.populate = relations::populate_for(&ctx, caller, &ct, false)?;
                    let now = caller.state.clock.now();
                    let entry = caller
                        .state
                        .db_write(move |conn| {
                            Ok(store::create(conn, &ct, &data, status, now)
                                .and_then(|entry| Ok(store::populated(conn, &ct, entry, &query)?)))
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
                let mut query = Query::first(status);
                query.populate = relations::populate_for(&ctx, caller, &ct, false)?;
                let now = caller.state.clock.now();
                let updated = caller
                    .state
                    .db_write(move |conn| {
                        Ok(
                            store::update(conn, &ct, document_id.as_deref(), &data, status, now)
                                .and_then(|entry| Ok(store::populated(conn, &ct, entry, &query)?)),
                        )
                    })
                    .await
                    .map_err(|e| api_error(&e))?;
                // A document that is not there is `null`, without an error, as in Strapi.
                match updated {
                    Ok(entry) => Ok(Some(entry_value(entry))),
                    Err(WriteError::NotFound) => Ok(None),
                    Err(error) => Err(write_error(error)),
                }
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
                // Strapi answers the documentId asked, whether or not there was one to delete.
                caller
                    .state
                    .db_write(move |conn| Ok(store::delete(conn, &ct, target.as_deref())))
                    .await
                    .map_err(|e| api_error(&e))?
                    .map_err(write_error)?;
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
pub(super) fn graphql_types(registry: &Registry) -> impl Iterator<Item = &Arc<ContentType>> {
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
    let uids: Vec<&str> = graphql_types.iter().map(|t| t.uid.as_str()).collect();
    let shown = |uid: &str| uids.contains(&uid);
    for content_type in &graphql_types {
        let type_name = pascal(&content_type.singular_name);
        types.push(entry_type(content_type, registry, &shown).into());
        types.push(filters_type(content_type, registry, &shown).into());
        types.push(data_type(content_type, &shown).into());
        types.push(relations::connection_type(&type_name).into());
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
    fn names_follow_strapi() {
        assert_eq!(pascal("blog-post"), "BlogPost");
        assert_eq!(camel("blog-posts"), "blogPosts");
        assert_eq!(camel("articles"), "articles");
        assert!(is_graphql_name("publishedDate"));
        assert!(!is_graphql_name("2fast") && !is_graphql_name("a-b") && !is_graphql_name("__x"));
    }
}
