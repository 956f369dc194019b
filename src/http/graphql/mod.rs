//! GraphQL, a transport beside REST: `POST /graphql`, a GraphQL request or a batch of them (a
//! JSON list), under a content-API token. The token is checked once for the request (401 at the
//! HTTP level, as on `/api`), then each field against its action (a `FORBIDDEN` error beside
//! the other fields' data).
//!
//! - `schema`: the schema built from the content types, with its resolvers (`resolvers`) and
//!   relation fields (`relations`, read ahead as REST populates them);
//! - `arguments`: GraphQL arguments as REST query parameters and bodies;
//! - `cache`: the schema in force and the documents already parsed;
//! - `guard`: the bounds on a document, checked before anything walks it;
//! - `plan`: known entry queries answered without the executor;
//! - `ordering`: root fields in the query's order;
//! - `errors`: Strapi's GraphQL error shape.

mod arguments;
mod cache;
mod errors;
pub mod guard;
mod ordering;
mod plan;
mod relations;
mod resolvers;
mod schema;

pub use arguments::rest_parameters;
pub use cache::{Parsed, Schemas};
use cache::{Unparsed, may_skip_validation};
use resolvers::Caller;

/// Limits against abusive queries, from the configuration.
pub use crate::config::GraphqlLimits as Limits;

use crate::AppState;
use crate::auth::content::ContentPrincipal;
use crate::error::ApiError;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde_json::{Value, json};
use std::sync::Arc;

/// A request GraphQL cannot take, as Strapi's Apollo refuses it: 400
/// `{"errors": [{message, extensions: {code: "BAD_REQUEST"}}]}`.
fn bad_request(message: impl Into<String>) -> HttpResponse {
    let body = json!({
        "errors": [{"message": message.into(), "extensions": {"code": "BAD_REQUEST"}}],
    });
    HttpResponse::BadRequest()
        .content_type("application/json")
        .body(body.to_string())
}

/// Apollo's refusal of a body that is not JSON: its guard against cross-site requests when the
/// type is one a form may send (or none) and no preflight header says otherwise.
fn not_json(request: &HttpRequest) -> HttpResponse {
    let headers = request.headers();
    let content_type = headers
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let simple = content_type.as_deref().is_none_or(|t| {
        matches!(
            t,
            "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
        )
    });
    if simple && !preflighted(request) {
        bad_request(CSRF)
    } else {
        bad_request(NO_BODY)
    }
}

/// Whether the request carries one of the headers by which Apollo lets a simple request pass
/// its guard against cross-site requests.
fn preflighted(request: &HttpRequest) -> bool {
    ["x-apollo-operation-name", "apollo-require-preflight"]
        .iter()
        .any(|name| request.headers().get(*name).is_some_and(|v| !v.is_empty()))
}

/// Apollo's refusal of a request a form or a link could send from another site.
const CSRF: &str = "This operation has been blocked as a potential Cross-Site Request Forgery \
    (CSRF). Please either specify a 'content-type' header (with a type that is not one of \
    application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a non-empty \
    value for one of the following headers: x-apollo-operation-name, apollo-require-preflight\n";

/// Apollo's words for a body without a request in it.
const NO_BODY: &str = "POST body missing, invalid Content-Type, or JSON object has no keys.";
const NO_QUERY: &str =
    "GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.";

/// Why a JSON body is not a GraphQL request (or a list of them), in Apollo's words; a body that
/// is not JSON at all is refused as on `/api`.
fn not_a_request(body: &[u8]) -> HttpResponse {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return ApiError::bad_request("The body is not valid JSON").error_response();
    };
    let items = match &value {
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    for item in items {
        let message = match item {
            Value::Object(fields) if !fields.is_empty() => {
                let not = |key: &str, kind: fn(&Value) -> bool| {
                    fields.get(key).is_some_and(|v| !v.is_null() && !kind(v))
                };
                if not("query", Value::is_string) {
                    "GraphQL queries must be strings."
                } else if not("operationName", Value::is_string) {
                    "`operationName` in a POST body must be a string if provided."
                } else if not("variables", Value::is_object) {
                    "`variables` in a POST body should be provided as an object if provided."
                } else if not("extensions", Value::is_object) {
                    "`extensions` in a POST body should be provided as an object if provided."
                } else if fields
                    .get("query")
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    NO_QUERY
                } else {
                    continue;
                }
            }
            _ => NO_BODY,
        };
        return bad_request(message);
    }
    bad_request("The body must be a GraphQL request object or a list of them")
}

/// A document that cannot be run, as Strapi's Apollo answers it: 400, with
/// `GRAPHQL_PARSE_FAILED` (syntax, and text nested too deep to parse) or
/// `GRAPHQL_VALIDATION_FAILED` (too deep, too complex, a fragment cycle). In a batch, the
/// whole batch.
fn invalid_document(unparsed: Unparsed) -> HttpResponse {
    let (code, mut error) = match unparsed {
        Unparsed::Syntax(error) => (
            "GRAPHQL_PARSE_FAILED",
            serde_json::to_value(async_graphql::ServerError::from(error)).unwrap_or_default(),
        ),
        Unparsed::Refused(refusal) => {
            let code = match refusal {
                guard::Refusal::Nesting => "GRAPHQL_PARSE_FAILED",
                _ => "GRAPHQL_VALIDATION_FAILED",
            };
            (code, json!({ "message": refusal.message() }))
        }
    };
    error["extensions"] = json!({ "code": code });
    HttpResponse::BadRequest()
        .content_type("application/json")
        .body(json!({ "errors": [error] }).to_string())
}

/// `GET /graphql`: the playground page when `GRAPHQL_PLAYGROUND` is on. Otherwise Apollo's
/// answer as Strapi gives it: 400 from its cross-site guard; past the guard (a preflight
/// header), a query sent by `GET`, which Vellum does not run (405, `Allow: POST`).
pub async fn playground(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    if state.config.graphql_playground {
        crate::http::admin::panel::playground()
    } else if !preflighted(&request) {
        bad_request(CSRF)
    } else {
        HttpResponse::MethodNotAllowed()
            .insert_header((actix_web::http::header::ALLOW, "POST"))
            .finish()
    }
}

pub async fn execute(
    state: web::Data<AppState>,
    schemas: web::Data<Schemas>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    // Refused before GraphQL runs, as on `/api` (Strapi checks the token before Apollo).
    let principal = match ContentPrincipal::authenticate(&request, &state).await {
        Ok(principal) => principal,
        Err(error) => return error.error_response(),
    };
    if !crate::http::is_json(&request) {
        return not_json(&request);
    }
    // Straight into async-graphql's requests: an object is one, a list a batch (told apart by
    // the first byte: its `BatchRequest` is an untagged enum, which copies the whole body into
    // an intermediate tree before trying each shape).
    let batch = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let requests = if batch {
        serde_json::from_slice::<Vec<async_graphql::Request>>(&body)
    } else {
        serde_json::from_slice::<async_graphql::Request>(&body).map(|request| vec![request])
    };
    let requests = match requests {
        Ok(requests) if requests.iter().all(|r| !r.query.is_empty()) => requests,
        _ => return not_a_request(&body),
    };
    // Batches are Vellum's (Strapi's Apollo answers "Operation batching disabled.").
    let limit = state.config.graphql.max_batch;
    if requests.is_empty() || requests.len() > limit {
        return bad_request(format!(
            "A batch holds from 1 to {limit} requests, not {}",
            requests.len()
        ));
    }
    let registry = state.content();
    let built = match schemas.for_registry(registry.clone(), state.config.graphql) {
        Ok(built) => built,
        Err(error) => {
            return ApiError::internal(format!("GraphQL schema: {error:?}")).error_response();
        }
    };
    let caller = Arc::new(Caller {
        origin: crate::auth::origin(&request, &state),
        state: state.clone(),
        principal,
    });
    // Every document of a batch is checked before any runs: a refused one refuses the batch
    // with nothing done.
    let mut documents = Vec::with_capacity(requests.len());
    for graphql in &requests {
        match schemas.parsed(&graphql.query, &registry, state.config.graphql) {
            Ok(parsed) => documents.push(parsed),
            Err(unparsed) => return invalid_document(unparsed),
        }
    }
    let mut answers = Vec::with_capacity(requests.len());
    for (mut graphql, parsed) in requests.into_iter().zip(documents) {
        let known = may_skip_validation(&parsed, &graphql.variables);
        // A known query of the planned shape: answered without the executor when it can be.
        if known
            && let Some(plan) = &parsed.plan
            && let Some(answer) = plan
                .run(
                    &caller,
                    graphql.operation_name.as_deref(),
                    &graphql.variables,
                )
                .await
        {
            schemas.count_planned();
            answers.push(answer);
            continue;
        }
        let schema = if known { &built.fast } else { &built.strict };
        graphql.set_parsed_query(parsed.document.clone());
        let operation_name = graphql.operation_name.clone();
        let mut response = schema.execute(graphql.data(caller.clone())).await;
        ordering::in_query_order(
            &mut response.data,
            &parsed.document,
            operation_name.as_deref(),
        );
        // A query checked strictly this time: remembered as valid if it ran cleanly.
        if !known && response.errors.is_empty() {
            parsed.mark_validated();
        }
        match serde_json::to_vec(&response) {
            Ok(answer) => answers.push(answer),
            Err(error) => return ApiError::internal(error).error_response(),
        }
    }
    let body = if batch {
        let mut body = b"[".to_vec();
        body.extend(answers.join(&b","[..]));
        body.push(b']');
        body
    } else {
        answers.swap_remove(0)
    };
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}
