//! The Content API: `/api/{pluralName}[/{documentId}]` for collection types and
//! `/api/{singularName}` for single types, in Strapi v5's shapes.

use crate::AppState;
use crate::auth::content::{ContentAction, ContentPrincipal};
use crate::content::RouteTarget;
use crate::content::query::{self, Limits, Pagination, Query};
use crate::content::schema::ContentType;
use crate::content::{entry, links, store};
use crate::error::{ApiError, ApiResult};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use serde_json::{Map, Value, json};
use std::sync::Arc;

fn not_found() -> ApiError {
    ApiError::not_found("Not Found")
}

/// Resolves the route name, authenticates, and checks the action, in Strapi's order:
/// unknown route 404, then 401, then 403.
async fn authorize(
    state: &web::Data<AppState>,
    request: &HttpRequest,
    name: &str,
    collection: bool,
    action: ContentAction,
) -> ApiResult<(Arc<ContentType>, ContentPrincipal)> {
    let content_type = match (state.content().route(name), collection) {
        (Some(RouteTarget::Collection(t)), true) | (Some(RouteTarget::Single(t)), false) => t,
        _ => return Err(not_found()),
    };
    let principal = ContentPrincipal::authenticate(request, state).await?;
    principal.require(state, request, &content_type, action)?;
    Ok((content_type, principal))
}

/// The request's query, where relations lead only to types the token may `find`, as in
/// Strapi: a filter through another is refused, a populate of one dropped.
fn parse_query(
    state: &AppState,
    content_type: &ContentType,
    principal: &ContentPrincipal,
    request: &HttpRequest,
) -> ApiResult<Query> {
    let mut query = query::parse_query_string(
        &state.content(),
        content_type,
        request.query_string(),
        Limits::of(&state.config),
    )
    .map_err(ApiError::from)?;
    query.check_filters(&|target| principal.may_read(target))?;
    query.restrict(&|target| principal.may_read(target));
    Ok(query)
}

/// A write body's relations must name types the token may `find`.
fn check_relations(
    content_type: &ContentType,
    principal: &ContentPrincipal,
    data: &Map<String, Value>,
) -> ApiResult<()> {
    links::check_readable(content_type, data, &|uid| {
        principal.credential.allows(&format!("{uid}.find"))
    })
    .map_err(ApiError::from)
}

/// The `data` object of a write body. A body that is not JSON (Strapi's client may send
/// text/plain) carries no `data`.
fn data_payload(request: &HttpRequest, body: &[u8]) -> ApiResult<Map<String, Value>> {
    let missing = || ApiError::validation("Missing \"data\" payload in the request body");
    let is_json = crate::http::is_json(request);
    if !is_json || body.iter().all(u8::is_ascii_whitespace) {
        return Err(missing());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| ApiError::bad_request("The body is not valid JSON"))?;
    match value {
        Value::Object(mut object) => match object.remove("data") {
            Some(Value::Object(data)) => Ok(data),
            Some(_) => Err(ApiError::validation("\"data\" must be an object")),
            None => Err(missing()),
        },
        _ => Err(missing()),
    }
}

/// `{"data": …, "meta": …}`, the data's JSON as the store wrote it.
fn answer(mut response: HttpResponseBuilder, data: &str, meta: &Value) -> HttpResponse {
    let meta = meta.to_string();
    let mut body = String::with_capacity(data.len() + meta.len() + 20);
    body.push_str("{\"data\":");
    body.push_str(data);
    body.push_str(",\"meta\":");
    body.push_str(&meta);
    body.push('}');
    response.content_type("application/json").body(body)
}

fn pagination_meta(pagination: Pagination, total: Option<i64>) -> Value {
    match (pagination, total) {
        (Pagination::Page { page, page_size }, Some(total)) => {
            let total = u64::try_from(total).unwrap_or(0);
            json!({"page": page, "pageSize": page_size, "pageCount": total.div_ceil(page_size), "total": total})
        }
        (Pagination::Page { page, page_size }, None) => {
            json!({"page": page, "pageSize": page_size})
        }
        (Pagination::Offset { start, limit }, Some(total)) => {
            json!({"start": start, "limit": limit, "total": total})
        }
        (Pagination::Offset { start, limit }, None) => json!({"start": start, "limit": limit}),
    }
}

/// `GET /api/{name}`: a collection's page, or a single type's document.
pub async fn find(
    state: web::Data<AppState>,
    request: HttpRequest,
    name: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let content_type = match state.content().route(&name) {
        Some(RouteTarget::Single(_)) => return read_one(state, request, &name, None).await,
        _ => authorize(&state, &request, &name, true, ContentAction::Find).await?,
    };
    let (content_type, principal) = content_type;
    let query = parse_query(&state, &content_type, &principal, &request)?;
    let pagination = query.pagination;
    let (entries, total) = state
        .db(move |conn| Ok(store::find(conn, &content_type, &query)?))
        .await?;
    let meta = json!({"pagination": pagination_meta(pagination, total)});
    Ok(answer(
        HttpResponse::Ok(),
        &entry::json_list(&entries),
        &meta,
    ))
}

/// `GET /api/{pluralName}/{documentId}`.
pub async fn find_one(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (name, document_id) = path.into_inner();
    read_one(state, request, &name, Some(document_id)).await
}

/// One document: a collection's by id (`findOne`), or a single type's only one (`find`).
async fn read_one(
    state: web::Data<AppState>,
    request: HttpRequest,
    name: &str,
    document_id: Option<String>,
) -> ApiResult<HttpResponse> {
    let (collection, action) = match document_id {
        Some(_) => (true, ContentAction::FindOne),
        None => (false, ContentAction::Find),
    };
    let (content_type, principal) = authorize(&state, &request, name, collection, action).await?;
    let query = parse_query(&state, &content_type, &principal, &request)?;
    let entry = state
        .db(move |conn| {
            Ok(store::find_one(
                conn,
                &content_type,
                document_id.as_deref(),
                &query,
            )?)
        })
        .await?
        .ok_or_else(not_found)?;
    Ok(answer(HttpResponse::Ok(), entry.json(), &json!({})))
}

/// `POST /api/{pluralName}`.
pub async fn create(
    state: web::Data<AppState>,
    request: HttpRequest,
    name: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (content_type, principal) =
        authorize(&state, &request, &name, true, ContentAction::Create).await?;
    let query = parse_query(&state, &content_type, &principal, &request)?;
    let data = data_payload(&request, &body)?;
    check_relations(&content_type, &principal, &data)?;
    let now = state.clock.now();
    let entry = state
        .db_write(move |conn| {
            let entry = store::create(conn, &content_type, &data, query.status, now)?;
            Ok(store::populated(conn, &content_type, entry, &query)?)
        })
        .await?;
    Ok(answer(HttpResponse::Created(), entry.json(), &json!({})))
}

/// `PUT /api/{pluralName}/{documentId}`.
pub async fn update_document(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (name, document_id) = path.into_inner();
    update(state, request, name, Some(document_id), body).await
}

/// `PUT /api/{singularName}`: creates the single type's document when it has none.
pub async fn update_single(
    state: web::Data<AppState>,
    request: HttpRequest,
    name: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    update(state, request, name.into_inner(), None, body).await
}

async fn update(
    state: web::Data<AppState>,
    request: HttpRequest,
    name: String,
    document_id: Option<String>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (content_type, principal) = authorize(
        &state,
        &request,
        &name,
        document_id.is_some(),
        ContentAction::Update,
    )
    .await?;
    let query = parse_query(&state, &content_type, &principal, &request)?;
    let data = data_payload(&request, &body)?;
    check_relations(&content_type, &principal, &data)?;
    let now = state.clock.now();
    let entry = state
        .db_write(move |conn| {
            let entry = store::update(
                conn,
                &content_type,
                document_id.as_deref(),
                &data,
                query.status,
                now,
            )?;
            Ok(store::populated(conn, &content_type, entry, &query)?)
        })
        .await?;
    Ok(answer(HttpResponse::Ok(), entry.json(), &json!({})))
}

/// `DELETE /api/{pluralName}/{documentId}`: 204, no body.
pub async fn delete_document(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (name, document_id) = path.into_inner();
    delete(state, request, name, Some(document_id)).await
}

/// `DELETE /api/{singularName}`.
pub async fn delete_single(
    state: web::Data<AppState>,
    request: HttpRequest,
    name: web::Path<String>,
) -> ApiResult<HttpResponse> {
    delete(state, request, name.into_inner(), None).await
}

async fn delete(
    state: web::Data<AppState>,
    request: HttpRequest,
    name: String,
    document_id: Option<String>,
) -> ApiResult<HttpResponse> {
    let (content_type, _) = authorize(
        &state,
        &request,
        &name,
        document_id.is_some(),
        ContentAction::Delete,
    )
    .await?;
    let deleted = state
        .db_write(move |conn| {
            store::delete(conn, &content_type, document_id.as_deref()).map_err(ApiError::from)
        })
        .await?;
    if deleted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found())
    }
}
