//! What the resolvers share: the caller, its authorization per field, entries as GraphQL
//! values, and a list run on the REST path.

use super::arguments::query_of;
use super::errors::{api_error, error};
use crate::AppState;
use crate::audit::Origin;
use crate::auth::content::{ContentAction, ContentPrincipal};
use crate::content::schema::ContentType;
use crate::content::store;
use crate::error::ApiError;
use actix_web::web;
use async_graphql::dynamic::{FieldFuture, FieldValue, ResolverContext};
use async_graphql::{Error as GraphqlError, Value as GraphqlValue};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Who is asking, for the resolvers: the server, the token, and where the request came from.
pub struct Caller {
    pub state: web::Data<AppState>,
    pub principal: ContentPrincipal,
    pub origin: Origin,
}

/// The caller, allowed `action` on `content_type`, else a `FORBIDDEN` error (and an audit
/// event, as on `/api`).
pub(super) fn authorized<'a>(
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

/// An entry (a JSON object) as a GraphQL object value.
pub(super) fn entry_value(entry: impl Into<Value>) -> FieldValue<'static> {
    let entry = entry.into();
    match entry {
        Value::Object(object) => FieldValue::owned_any(object),
        _ => FieldValue::NULL,
    }
}

/// A field of the parent object (a JSON object), resolved at once: no future to box and poll.
pub(super) fn field_of<'a>(ctx: &ResolverContext<'_>, key: &str) -> FieldFuture<'a> {
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

/// What a page of a list holds, for `…_connection`.
pub(super) struct Connection {
    pub(super) entries: Vec<Value>,
    pub(super) page_info: Value,
}

/// Runs a list query on the REST path; `count` for a connection's `pageInfo`.
pub(super) async fn find(
    ctx: &ResolverContext<'_>,
    content_type: &Arc<ContentType>,
    count: bool,
) -> Result<Connection, GraphqlError> {
    let caller = authorized(ctx, content_type, ContentAction::Find)?;
    let mut query = query_of(ctx, caller, content_type)?;
    query.with_count = count;
    query.populate = super::relations::populate_for(ctx, caller, content_type, count)?;
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
    let entries = entries.into_iter().map(Value::from).collect();
    Ok(Connection { entries, page_info })
}
