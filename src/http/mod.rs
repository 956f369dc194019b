//! The HTTP surface: one route table, thin handlers, and the body helpers they share.

mod admin;
mod content_api;
pub mod graphql;
mod health;

use crate::admin::roles::Action;
use crate::auth::admin::requires;
use crate::error::{ApiError, ApiResult, FieldErrors};
use actix_web::web;
use serde_json::{Map, Value};

/// Every route Vellum serves, on one screen, each admin route with the action it requires
/// (`needs`: checked before anything else of the request is read). Methods of one path share a
/// resource, so a path is matched once per request (dynamic segments cost a regex each) and a
/// wrong method is a 405.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use crate::admin::roles::actions::*;
    use admin::{admin_tokens, api_tokens, audit_logs, auth, content_types, panel, users};
    use web::{delete, get, post, put, resource};
    // Admin answers (sessions, secrets shown once, tokens with their `accessKey`) and GraphQL
    // answers are never kept by a cache; the panel's files set their own.
    let no_store = || {
        actix_web::middleware::DefaultHeaders::new()
            .add((actix_web::http::header::CACHE_CONTROL, "no-store"))
    };
    cfg.route("/", get().to(panel::home))
        .route("/_health", get().to(health::check))
        .service(
            resource("/graphql")
                .wrap(no_store())
                .route(post().to(graphql::execute))
                .route(get().to(graphql::playground)),
        )
        .service(
            web::scope("/api")
                .service(
                    resource("/{name}/{document_id}")
                        .route(get().to(content_api::find_one))
                        .route(put().to(content_api::update_document))
                        .route(delete().to(content_api::delete_document)),
                )
                .service(
                    resource("/{name}")
                        .route(get().to(content_api::find))
                        .route(post().to(content_api::create))
                        .route(put().to(content_api::update_single))
                        .route(delete().to(content_api::delete_single)),
                ),
        )
        .service(
            web::scope("/admin")
                .wrap(no_store())
                .route("", get().to(panel::index))
                .route("/", get().to(panel::index))
                .route("/assets/{name}", get().to(panel::asset))
                .route("/init", get().to(auth::init))
                .route("/register-admin", post().to(auth::register_admin))
                .route("/login", post().to(auth::login))
                .route("/logout", post().to(auth::logout))
                .route("/users/me", get().to(auth::me))
                .route("/users/me/permissions", get().to(auth::my_permissions))
                .route("/registration-info", get().to(auth::registration_info))
                .route("/register", post().to(auth::register))
                .service(
                    resource("/users")
                        .route(needs(USERS_READ, get(), users::list))
                        .route(needs(USERS_CREATE, post(), users::create)),
                )
                .service(
                    resource("/users/{id}")
                        .route(needs(USERS_READ, get(), users::get))
                        .route(needs(USERS_UPDATE, put(), users::update))
                        .route(needs(USERS_DELETE, delete(), users::delete)),
                )
                .route("/roles", needs(ROLES_READ, get(), users::roles))
                .service(
                    resource("/roles/{id}/permissions")
                        .route(needs(ROLES_READ, get(), users::role_permissions))
                        .route(needs(ROLES_UPDATE, put(), users::set_role_permissions)),
                )
                .service(
                    resource("/api-tokens")
                        .route(needs(API_TOKENS_READ, get(), api_tokens::list))
                        .route(needs(API_TOKENS_CREATE, post(), api_tokens::create)),
                )
                .service(
                    resource("/api-tokens/{id}")
                        .route(needs(API_TOKENS_READ, get(), api_tokens::get))
                        .route(needs(API_TOKENS_UPDATE, put(), api_tokens::update))
                        .route(needs(API_TOKENS_DELETE, delete(), api_tokens::delete)),
                )
                .route(
                    "/api-tokens/{id}/regenerate",
                    needs(API_TOKENS_REGENERATE, post(), api_tokens::regenerate),
                )
                .route(
                    "/api-tokens/{id}/revoke",
                    needs(API_TOKENS_UPDATE, post(), api_tokens::revoke),
                )
                .route(
                    "/api-tokens/{id}/secrets/previous",
                    needs(API_TOKENS_REGENERATE, delete(), api_tokens::end_grace),
                )
                .service(
                    resource("/admin-tokens")
                        .route(needs(ADMIN_TOKENS_READ, get(), admin_tokens::list))
                        .route(needs(ADMIN_TOKENS_CREATE, post(), admin_tokens::create)),
                )
                .service(
                    resource("/admin-tokens/{id}")
                        .route(needs(ADMIN_TOKENS_READ, get(), admin_tokens::get))
                        .route(needs(ADMIN_TOKENS_UPDATE, put(), admin_tokens::update))
                        .route(needs(ADMIN_TOKENS_DELETE, delete(), admin_tokens::delete)),
                )
                .route(
                    "/admin-tokens/{id}/regenerate",
                    needs(ADMIN_TOKENS_REGENERATE, post(), admin_tokens::regenerate),
                )
                .route(
                    "/admin-tokens/{id}/owner-permissions",
                    needs(ADMIN_TOKENS_READ, get(), admin_tokens::owner_permissions),
                )
                .route(
                    "/audit-logs",
                    needs(AUDIT_LOGS_READ, get(), audit_logs::list),
                )
                .route(
                    "/content-api/permissions",
                    get().to(api_tokens::permissions),
                )
                .service(
                    resource("/content-types")
                        .route(needs(CONTENT_TYPES_READ, get(), content_types::list))
                        .route(needs(CONTENT_TYPES_CREATE, post(), content_types::create)),
                )
                .route(
                    "/content-types/{uid}",
                    needs(CONTENT_TYPES_UPDATE, put(), content_types::update),
                )
                .service(content_manager()),
        );
}

/// A route that answers only an admin holding `action` (see `auth::admin::requires`).
fn needs<F, Args>(action: Action, method: actix_web::Route, handler: F) -> actix_web::Route
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    method.to(handler).wrap(requires(action))
}

/// The panel's content manager, in Strapi v5's `content-manager` paths (`{kind}` is
/// `collection-types` or `single-types`; single types have no `{document_id}`).
fn content_manager() -> actix_web::Scope {
    use crate::admin::roles::actions::*;
    use admin::content_manager as cm;
    use web::{delete, get, post, put, resource};
    web::scope("/content-manager")
        .route("/content-types", needs(EXPLORER_READ, get(), cm::types))
        .service(
            resource("/{kind}/{uid}")
                .route(needs(EXPLORER_READ, get(), cm::list))
                .route(needs(EXPLORER_CREATE, post(), cm::create))
                .route(needs(EXPLORER_UPDATE, put(), cm::update))
                .route(needs(EXPLORER_DELETE, delete(), cm::delete)),
        )
        .route(
            "/{kind}/{uid}/actions/{verb}",
            needs(EXPLORER_PUBLISH, post(), cm::action),
        )
        .service(
            resource("/{kind}/{uid}/{document_id}")
                .route(needs(EXPLORER_READ, get(), cm::get))
                .route(needs(EXPLORER_UPDATE, put(), cm::update))
                .route(needs(EXPLORER_DELETE, delete(), cm::delete)),
        )
        .route(
            "/{kind}/{uid}/{document_id}/actions/{verb}",
            needs(EXPLORER_PUBLISH, post(), cm::action),
        )
}

/// Whether the request says its body is JSON (`Content-Type: application/json…`).
pub(crate) fn is_json(request: &actix_web::HttpRequest) -> bool {
    request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        })
}

/// A body that may be left out: `None` when empty; otherwise it must say it is JSON and be
/// JSON, else 400 (a body that cannot be read is never taken for no body).
pub(crate) fn optional_json(
    request: &actix_web::HttpRequest,
    body: &[u8],
) -> ApiResult<Option<Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if !is_json(request) {
        return Err(ApiError::bad_request(
            "Expected a JSON body (Content-Type: application/json)",
        ));
    }
    serde_json::from_slice(body)
        .map(Some)
        .map_err(|_| ApiError::bad_request("The body is not valid JSON"))
}

/// A numeric id from the path, else 400 (Strapi answers 500 here).
pub(crate) fn positive_id(raw: &str) -> ApiResult<i32> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::validation("The id must be a positive integer"))
}

/// The path's `{id}`, a positive integer (else 400).
pub(crate) struct Id(pub i32);

impl actix_web::FromRequest for Id {
    type Error = ApiError;
    type Future = std::future::Ready<ApiResult<Id>>;

    fn from_request(
        request: &actix_web::HttpRequest,
        _: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        std::future::ready(positive_id(request.match_info().get("id").unwrap_or_default()).map(Id))
    }
}

/// A JSON body that must be an object: `web::Json`'s limits and refusals, then 400 for any
/// other JSON.
pub(crate) struct JsonObject(pub Map<String, Value>);

impl actix_web::FromRequest for JsonObject {
    type Error = actix_web::Error;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsonObject, Self::Error>>>>;

    fn from_request(
        request: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let json = web::Json::<Value>::from_request(request, payload);
        Box::pin(async move {
            let web::Json(body) = json.await?;
            Ok(JsonObject(object_body(body)?))
        })
    }
}

/// 400 when `body` has a key outside `allowed` (Strapi's message).
pub(crate) fn only_keys(body: &Map<String, Value>, allowed: &[&str]) -> ApiResult<()> {
    let unknown: Vec<&str> = body
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ApiError::validation(format!(
        "this field has unspecified keys: {}",
        unknown.join(", ")
    )))
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
        Some(Value::String(text)) => match crate::content::value::refuse_nul(key, text) {
            Ok(()) => Some(text.clone()),
            Err(message) => {
                errors.add(key, message);
                None
            }
        },
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
