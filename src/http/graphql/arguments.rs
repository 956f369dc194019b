//! GraphQL arguments as the REST query parameters and bodies they stand for, so that both
//! surfaces share one parser and one set of rules.

use super::errors::api_error;
use super::resolvers::Caller;
use crate::content::query::{self, Limits as QueryLimits, Query, Status};
use crate::content::schema::ContentType;
use crate::error::ApiError;
use async_graphql::Error as GraphqlError;
use async_graphql::dynamic::ResolverContext;
use serde_json::{Map, Value};

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

/// Whether a key of a GraphQL filter input is an operator (REST's, without the `$`).
fn is_operator(name: &str) -> bool {
    query::Operator::parse(&format!("${name}")).is_some()
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
                // A field's operators get their `$`; a relation's conditions are a group of
                // the target's fields.
                Value::Object(operators) if operators.keys().all(|k| is_operator(k)) => {
                    Value::Object(
                        operators
                            .into_iter()
                            .map(|(operator, operand)| (format!("${operator}"), operand))
                            .collect(),
                    )
                }
                group @ Value::Object(_) => filters_parameter(group),
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
pub(super) fn query_of(
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
    let limits = QueryLimits::of(&caller.state.config);
    query::parse(&caller.state.content(), content_type, &params, limits)
        .map_err(|e| api_error(&ApiError::from(e)))
}

pub(super) fn status_of(ctx: &ResolverContext<'_>) -> Status {
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

/// The `documentId` argument, when the field has one (collections).
pub(super) fn document_id_of(ctx: &ResolverContext<'_>) -> Result<Option<String>, GraphqlError> {
    ctx.args
        .get("documentId")
        .map(|id| id.string().map(str::to_string))
        .transpose()
}

/// `data` of a mutation as the store reads a REST body.
pub(super) fn data_of(ctx: &ResolverContext<'_>) -> Result<Map<String, Value>, GraphqlError> {
    let data = ctx.args.try_get("data")?.as_value().clone().into_json()?;
    match data {
        Value::Object(object) => Ok(object),
        _ => Err(api_error(&ApiError::validation("data must be an object"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_become_rest_parameters() {
        let graphql = json!({
            "title": {"containsi": "rust", "ne": null},
            "views": {"between": [1, 10]},
            "or": [{"draft": {"eq": false}}, {"not": {"views": {"gt": 3}}}],
            "author": {"name": {"eq": "Ada"}, "profile": {"bio": {"null": true}}}
        });
        let rest = as_parameter(filters_parameter(graphql)).unwrap();
        assert_eq!(
            rest,
            json!({
                "title": {"$containsi": "rust"},
                "views": {"$between": ["1", "10"]},
                "$or": [{"draft": {"$eq": "false"}}, {"$not": {"views": {"$gt": "3"}}}],
                "author": {"name": {"$eq": "Ada"}, "profile": {"bio": {"$null": "true"}}}
            })
        );
    }
}
