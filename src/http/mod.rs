//! The HTTP surface: one route table, thin handlers, and the body helpers they share.

mod admin_auth;
mod admin_content_types;
mod admin_tokens;
mod admin_users;
mod content_api;
mod health;

use crate::error::{ApiError, ApiResult, FieldErrors};
use actix_web::web;
use serde_json::{Map, Value};

/// Every route Vellum serves, on one screen.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/_health", web::get().to(health::check))
        .service(
            web::scope("/api")
                .route("/{name}", web::get().to(content_api::find))
                .route("/{name}", web::post().to(content_api::create))
                .route("/{name}", web::put().to(content_api::update_single))
                .route("/{name}", web::delete().to(content_api::delete_single))
                .route(
                    "/{name}/{document_id}",
                    web::get().to(content_api::find_one),
                )
                .route(
                    "/{name}/{document_id}",
                    web::put().to(content_api::update_document),
                )
                .route(
                    "/{name}/{document_id}",
                    web::delete().to(content_api::delete_document),
                ),
        )
        .service(
            web::scope("/admin")
                .route("/init", web::get().to(admin_auth::init))
                .route(
                    "/register-admin",
                    web::post().to(admin_auth::register_admin),
                )
                .route("/login", web::post().to(admin_auth::login))
                .route("/logout", web::post().to(admin_auth::logout))
                .route("/users/me", web::get().to(admin_auth::me))
                .route("/users", web::get().to(admin_users::list))
                .route("/roles", web::get().to(admin_users::roles))
                .route("/api-tokens", web::get().to(admin_tokens::list))
                .route("/api-tokens", web::post().to(admin_tokens::create))
                .route("/api-tokens/{id}", web::get().to(admin_tokens::get))
                .route("/api-tokens/{id}", web::put().to(admin_tokens::update))
                .route("/api-tokens/{id}", web::delete().to(admin_tokens::delete))
                .route(
                    "/api-tokens/{id}/regenerate",
                    web::post().to(admin_tokens::regenerate),
                )
                .route(
                    "/api-tokens/{id}/revoke",
                    web::post().to(admin_tokens::revoke),
                )
                .route(
                    "/api-tokens/{id}/secrets/previous",
                    web::delete().to(admin_tokens::end_grace),
                )
                .route(
                    "/content-api/permissions",
                    web::get().to(admin_tokens::permissions),
                )
                .route("/content-types", web::get().to(admin_content_types::list))
                .route(
                    "/content-types",
                    web::post().to(admin_content_types::create),
                )
                .route(
                    "/content-types/{uid}",
                    web::put().to(admin_content_types::update),
                ),
        );
}

/// A JSON body that must be an object.
pub(crate) fn object_body(body: Value) -> ApiResult<Map<String, Value>> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::bad_request("The body must be a JSON object")),
    }
}

/// A string field: `None` when absent or null; a wrong type is recorded as a field error.
pub(crate) fn string_field(
    body: &Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
    match body.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            errors.add(key, format!("{key} must be a `string` type"));
            None
        }
    }
}

/// A string field that must be present and, trimmed, not empty.
pub(crate) fn required_string(
    body: &Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> String {
    let wrong_type = matches!(body.get(key), Some(v) if !v.is_string() && !v.is_null());
    match string_field(body, key, errors) {
        Some(text) if !text.trim().is_empty() => text,
        _ if wrong_type => String::new(),
        _ => {
            errors.add(key, format!("{key} is a required field"));
            String::new()
        }
    }
}
