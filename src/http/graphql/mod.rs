//! GraphQL, a transport beside REST: `POST /graphql`, a GraphQL request or a batch of them (a
//! JSON list), under a content-API token. The token is checked once for the request (401 at the
//! HTTP level, as on `/api`), then each field against its action (a `FORBIDDEN` error beside
//! the other fields' data).
//!
//! - `schema`: the schema built from the content types, with its resolvers (`resolvers`);
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
use actix_web::body::BoxBody;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde_json::json;
use std::sync::Arc;

/// An error before execution, in GraphQL's shape, with the status (and headers) of `error`.
fn refused(error: ApiError) -> HttpResponse {
    let code = match error.status.as_u16() {
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        429 => "TOO_MANY_REQUESTS",
        400..=499 => "BAD_REQUEST",
        _ => "INTERNAL_SERVER_ERROR",
    };
    let body = json!({
        "data": null,
        "errors": [{
            "message": error.message,
            "extensions": {
                "code": code,
                "error": {"name": error.name, "message": error.message, "details": error.details},
            },
        }],
    });
    error
        .error_response()
        .set_body(BoxBody::new(body.to_string()))
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

pub async fn execute(
    state: web::Data<AppState>,
    schemas: web::Data<Schemas>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let principal = match ContentPrincipal::authenticate(&request, &state).await {
        Ok(principal) => principal,
        Err(error) => return refused(error),
    };
    let is_json = crate::http::is_json(&request);
    if !is_json {
        return refused(ApiError::bad_request(
            "A GraphQL request is a JSON body (Content-Type: application/json)",
        ));
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
        Ok(requests) => requests,
        Err(_) => {
            return refused(ApiError::bad_request(
                "The body must be a GraphQL request object or a list of them",
            ));
        }
    };
    let limit = state.config.graphql.max_batch;
    if requests.is_empty() || requests.len() > limit {
        return refused(ApiError::bad_request(format!(
            "A batch holds from 1 to {limit} requests, not {}",
            requests.len()
        )));
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
