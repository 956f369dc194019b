//! Errors in Strapi's GraphQL shape.

use crate::content::store::WriteError;
use crate::error::ApiError;
use async_graphql::{Error as GraphqlError, ErrorExtensions, Value as GraphqlValue};
use serde_json::json;

/// An error in Strapi's GraphQL shape: `extensions.code` and `extensions.error`.
pub(super) fn error(code: impl Into<String>, api: &ApiError) -> GraphqlError {
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

pub(super) fn write_error(error: WriteError) -> GraphqlError {
    api_error(&ApiError::from(error))
}
