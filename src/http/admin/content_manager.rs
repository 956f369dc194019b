//! The content manager of the admin panel, as Strapi v5's `content-manager` plugin routes under
//! `/admin/content-manager`: the editable types, and for each
//! `collection-types/{uid}[/{documentId}]` or `single-types/{uid}` a list (drafts first-hand,
//! each with its publication status), create, read, update (the draft), delete, and
//! `actions/publish` / `actions/unpublish`. Gated by `plugin::content-manager.explorer.*`.

use crate::AppState;
use crate::admin::roles::actions;
use crate::auth::admin::AdminSession;
use crate::content::query::{
    self, Field, Filter, Limits, Operator, Pagination, Populate, Query, Status,
};
use crate::content::schema::{AttributeType, ContentType, Kind};
use crate::content::value::SqlValue;
use crate::content::{Registry, store};
use crate::error::{ApiError, ApiResult};
use crate::http::JsonObject;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::Connection;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The most entries a list page holds.
const MAX_PAGE_SIZE: u64 = 100;

fn not_found() -> ApiError {
    ApiError::not_found("Not Found")
}

/// The type a route names: `collection-types` or `single-types`, then its uid.
fn content_type(state: &AppState, kind: &str, uid: &str) -> ApiResult<Arc<ContentType>> {
    let content_type = state.content().by_uid(uid).ok_or_else(not_found)?;
    match (kind, content_type.kind) {
        ("collection-types", Kind::Collection) | ("single-types", Kind::Single) => Ok(content_type),
        _ => Err(not_found()),
    }
}

fn type_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Collection => "collectionType",
        Kind::Single => "singleType",
    }
}

/// `GET /admin/content-manager/content-types`: every type the admin may read, with what a form
/// needs of each attribute (private attributes are not editable here: the store leaves them out).
pub async fn types(state: web::Data<AppState>, _session: AdminSession) -> ApiResult<HttpResponse> {
    let registry = state.content();
    let shown: Vec<Value> = registry
        .types
        .iter()
        .map(|t| {
            let attributes: Vec<Value> = t
                .attributes
                .iter()
                .filter(|a| !a.private)
                .map(|a| {
                    let mut shown = json!({
                        "name": a.name,
                        "type": a.kind.name(),
                        "required": a.required,
                        "unique": a.unique,
                    });
                    if let AttributeType::Enumeration(values) = &a.kind {
                        shown["enum"] = json!(values);
                    }
                    for (key, value) in [
                        ("minLength", a.min_length.map(|n| json!(n))),
                        ("maxLength", a.max_length.map(|n| json!(n))),
                        ("min", a.min.map(|n| json!(n))),
                        ("max", a.max.map(|n| json!(n))),
                        ("default", a.default.clone()),
                    ] {
                        if let Some(value) = value {
                            shown[key] = value;
                        }
                    }
                    shown
                })
                .collect();
            // What a relation picker needs: the target, and whether it holds a list.
            let relations: Vec<Value> = t
                .relations
                .iter()
                .filter(|r| !r.private)
                .map(|r| {
                    json!({
                        "name": r.name,
                        "relation": r.cardinality.name(),
                        "target": r.target,
                        "multiple": r.cardinality.to_many(),
                    })
                })
                .collect();
            json!({
                "uid": t.uid,
                "kind": type_name(t.kind),
                "displayName": t.display_name,
                "pluralName": t.plural_name,
                "singularName": t.singular_name,
                "draftAndPublish": t.draft_and_publish,
                "attributes": attributes,
                "relations": relations,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "data": shown })))
}

/// The list's query: `page`, `pageSize` (≤ 100), `sort` (`title:asc`), Strapi's `filters`, and
/// `_q`, a text searched (case-insensitively) in every textual attribute.
fn list_query(registry: &Registry, content_type: &ContentType, raw: &str) -> ApiResult<Query> {
    let invalid = |message: String| ApiError::validation(message);
    let params: Value = serde_qs::Config::new()
        .use_form_encoding(true)
        .deserialize_str(raw)
        .map_err(|_| invalid("The query string could not be read".into()))?;
    let mut params = match params {
        Value::Object(params) => params,
        _ => Map::new(),
    };
    let mut pagination = Map::new();
    for key in ["page", "pageSize"] {
        if let Some(value) = params.remove(key) {
            pagination.insert(key.into(), value);
        }
    }
    params.insert("pagination".into(), Value::Object(pagination));
    params.insert("status".into(), json!("draft"));
    let search = match params.remove("_q") {
        None => None,
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(Value::String(text)) => {
            crate::content::value::refuse_nul("_q", &text).map_err(invalid)?;
            Some(text)
        }
        Some(_) => return Err(invalid("_q must be a text".into())),
    };
    let limits = Limits {
        default_limit: 10,
        max_limit: MAX_PAGE_SIZE,
        max_populate_depth: 1,
    };
    let mut query =
        query::parse(registry, content_type, &params, limits).map_err(ApiError::from)?;
    query.with_count = true;
    if let Some(text) = search {
        let any = Filter::Or(
            content_type
                .attributes
                .iter()
                .enumerate()
                .filter(|(_, a)| {
                    !a.private
                        && matches!(
                            a.kind,
                            AttributeType::String
                                | AttributeType::Text
                                | AttributeType::RichText
                                | AttributeType::Email
                                | AttributeType::Uid
                        )
                })
                .map(|(index, _)| Filter::Condition {
                    field: Field::Attribute(index),
                    operator: Operator::Containsi,
                    values: vec![SqlValue::Text(text.clone())],
                })
                .collect(),
        );
        query.filter = Some(match query.filter.take() {
            Some(filter) => Filter::And(vec![filter, any]),
            None => any,
        });
    }
    Ok(query)
}

/// Adds `status` to each entry: `draft` (never published), `published`, or `modified` (the
/// draft changed since it was published). One query for the page's published versions.
fn with_status(
    conn: &mut crate::db::DbConnection,
    content_type: &ContentType,
    entries: &mut [Value],
) -> diesel::QueryResult<()> {
    let ids: Vec<SqlValue> = entries
        .iter()
        .filter_map(|e| e["documentId"].as_str())
        .map(|id| SqlValue::Text(id.to_string()))
        .collect();
    let published: HashMap<String, Value> = if content_type.draft_and_publish && !ids.is_empty() {
        let page_size = ids.len() as u64;
        let query = Query {
            filter: Some(Filter::Condition {
                field: Field::DocumentId,
                operator: Operator::In,
                values: ids,
            }),
            sort: Vec::new(),
            pagination: Pagination::Page { page: 1, page_size },
            with_count: false,
            fields: Some(vec![Field::UpdatedAt]),
            status: Status::Published,
            populate: Vec::new(),
        };
        store::find(conn, content_type, &query)?
            .0
            .into_iter()
            .map(Value::from)
            .filter_map(|mut e| {
                let id = e["documentId"].as_str()?.to_string();
                Some((id, e["updatedAt"].take()))
            })
            .collect()
    } else {
        HashMap::new()
    };
    for entry in entries {
        let status = if !content_type.draft_and_publish {
            "published"
        } else {
            match entry["documentId"]
                .as_str()
                .and_then(|id| published.get(id))
            {
                None => "draft",
                Some(updated) => match (entry["updatedAt"].as_str(), updated.as_str()) {
                    (Some(draft), Some(published)) if draft > published => "modified",
                    _ => "published",
                },
            }
        };
        if let Value::Object(object) = entry {
            object.insert("status".into(), json!(status));
        }
    }
    Ok(())
}

/// `GET …/collection-types/{uid}`: a page of drafts (or entries) with `status`, as
/// `{results, pagination}`.
pub async fn list(
    state: web::Data<AppState>,
    session: AdminSession,
    request: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (kind, uid) = path.into_inner();
    let content_type = content_type(&state, &kind, &uid)?;
    if content_type.kind == Kind::Single {
        return read(state, &session, content_type, None).await;
    }
    let mut query = list_query(&state.content(), &content_type, request.query_string())?;
    if let Some(me) = session.only_own(actions::EXPLORER_READ) {
        let mine = Filter::Condition {
            field: Field::CreatedBy,
            operator: Operator::Eq,
            values: vec![SqlValue::Integer(me.into())],
        };
        query.filter = Some(match query.filter.take() {
            Some(filter) => Filter::And(vec![filter, mine]),
            None => mine,
        });
    }
    let pagination = query.pagination;
    let (entries, total) = state
        .db(move |conn| {
            let (entries, total) = store::find(conn, &content_type, &query)?;
            let mut entries: Vec<Value> = entries.into_iter().map(Value::from).collect();
            with_status(conn, &content_type, &mut entries)?;
            Ok((entries, total))
        })
        .await?;
    let total = u64::try_from(total.unwrap_or(0)).unwrap_or(0);
    let page_size = pagination.limit();
    Ok(HttpResponse::Ok().json(json!({
        "results": entries,
        "pagination": {
            "page": pagination.offset() / page_size.max(1) + 1,
            "pageSize": page_size,
            "pageCount": total.div_ceil(page_size.max(1)),
            "total": total,
        },
    })))
}

/// 403 when `action` is the admin's on their own creations only (`only_own`) and the document
/// is not one of them; a document not there yet is the write's to report. The document's
/// creator as `store::creator` gives it.
fn check_owner(
    conn: &mut crate::db::DbConnection,
    only_own: Option<i32>,
    content_type: &ContentType,
    document_id: Option<&str>,
) -> ApiResult<Option<Option<i32>>> {
    let creator = store::creator(conn, content_type, document_id)?;
    match (only_own, creator) {
        (Some(me), Some(by)) if by != Some(me) => Err(ApiError::forbidden()),
        _ => Ok(creator),
    }
}

/// One document's draft (or its only version), with `status`.
async fn read(
    state: web::Data<AppState>,
    session: &AdminSession,
    content_type: Arc<ContentType>,
    document_id: Option<String>,
) -> ApiResult<HttpResponse> {
    let only_own = session.only_own(actions::EXPLORER_READ);
    // The draft with its relations, one level, for the form's relation pickers.
    let mut query = Query::first(Status::Draft);
    query.populate = Populate::every(&state.content(), &content_type);
    let entry = state
        .db(move |conn| {
            check_owner(conn, only_own, &content_type, document_id.as_deref())?;
            let found = store::find_one(conn, &content_type, document_id.as_deref(), &query)?;
            let mut entries: Vec<Value> = found.into_iter().map(Value::from).collect();
            with_status(conn, &content_type, &mut entries)?;
            Ok(entries.pop())
        })
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(json!({ "data": entry })))
}

/// `GET …/collection-types/{uid}/{documentId}`.
pub async fn get(
    state: web::Data<AppState>,
    session: AdminSession,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let (kind, uid, document_id) = path.into_inner();
    let content_type = content_type(&state, &kind, &uid)?;
    read(state, &session, content_type, Some(document_id)).await
}

/// The fields of a document as the panel sends them: the body itself, or Strapi's `{data}`.
fn fields_of(body: Map<String, Value>) -> Map<String, Value> {
    match body.get("data") {
        Some(Value::Object(data)) if body.len() == 1 => data.clone(),
        _ => body,
    }
}

/// `POST …/collection-types/{uid}`: a new document, as a draft for draft & publish types.
pub async fn create(
    state: web::Data<AppState>,
    session: AdminSession,
    path: web::Path<(String, String)>,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    let (kind, uid) = path.into_inner();
    let content_type = content_type(&state, &kind, &uid)?;
    if content_type.kind == Kind::Single {
        return Err(not_found());
    }
    let data = fields_of(body);
    let now = state.clock.now();
    let me = session.user.id;
    let entry = state
        .db_write(move |conn| {
            conn.transaction(|conn| {
                let mut entry = Value::from(store::create(
                    conn,
                    &content_type,
                    &data,
                    Status::Draft,
                    now,
                )?);
                if let Some(id) = entry["documentId"].as_str() {
                    store::set_admin(conn, &content_type, id, me, true)?;
                }
                with_status(conn, &content_type, std::slice::from_mut(&mut entry))?;
                Ok(entry)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(json!({ "data": entry })))
}

/// `PUT …/{uid}/{documentId}` or `PUT …/single-types/{uid}`: saves the draft (a single type's
/// document is created when missing).
pub async fn update(
    state: web::Data<AppState>,
    session: AdminSession,
    request: HttpRequest,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    let (content_type, document_id) = address(&state, &request)?;
    let data = fields_of(body);
    let now = state.clock.now();
    let (me, only_own) = (session.user.id, session.only_own(actions::EXPLORER_UPDATE));
    let entry = state
        .db_write(move |conn| {
            conn.transaction(|conn| {
                let creator = check_owner(conn, only_own, &content_type, document_id.as_deref())?;
                let mut entry = Value::from(store::update(
                    conn,
                    &content_type,
                    document_id.as_deref(),
                    &data,
                    Status::Draft,
                    now,
                )?);
                if let Some(id) = entry["documentId"].as_str() {
                    store::set_admin(conn, &content_type, id, me, creator.is_none())?;
                }
                with_status(conn, &content_type, std::slice::from_mut(&mut entry))?;
                Ok(entry)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": entry })))
}

/// The document a route addresses: `{kind}/{uid}` and, for a collection type,
/// `{document_id}`.
fn address(
    state: &AppState,
    request: &HttpRequest,
) -> ApiResult<(Arc<ContentType>, Option<String>)> {
    let segment = |name| request.match_info().get(name).unwrap_or_default();
    let content_type = content_type(state, segment("kind"), segment("uid"))?;
    let document_id = request.match_info().get("document_id").map(str::to_string);
    if document_id.is_some() != (content_type.kind == Kind::Collection) {
        return Err(not_found());
    }
    Ok((content_type, document_id))
}

/// `DELETE` a document (every version): 200 with the deleted documentId.
pub async fn delete(
    state: web::Data<AppState>,
    session: AdminSession,
    request: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (content_type, document_id) = address(&state, &request)?;
    let shown = document_id.clone();
    let only_own = session.only_own(actions::EXPLORER_DELETE);
    let deleted = state
        .db_write(move |conn| {
            check_owner(conn, only_own, &content_type, document_id.as_deref())?;
            Ok(store::delete(conn, &content_type, document_id.as_deref())?)
        })
        .await?;
    if !deleted {
        return Err(not_found());
    }
    Ok(HttpResponse::Ok().json(json!({ "data": { "documentId": shown } })))
}

/// `POST …/actions/publish` and `…/actions/unpublish` (both `explorer.publish`, as in Strapi);
/// 400 for a type without draft & publish (the store's rule).
pub async fn action(
    state: web::Data<AppState>,
    session: AdminSession,
    request: HttpRequest,
) -> ApiResult<HttpResponse> {
    let (content_type, document_id) = address(&state, &request)?;
    let publish = match request.match_info().get("verb") {
        Some("publish") => true,
        Some("unpublish") => false,
        _ => return Err(not_found()),
    };
    let now = state.clock.now();
    let only_own = session.only_own(actions::EXPLORER_PUBLISH);
    let entry = state
        .db_write(move |conn| {
            check_owner(conn, only_own, &content_type, document_id.as_deref())?;
            let mut entry = Value::from(if publish {
                store::publish(conn, &content_type, document_id.as_deref(), now)?
            } else {
                store::unpublish(conn, &content_type, document_id.as_deref())?
            });
            with_status(conn, &content_type, std::slice::from_mut(&mut entry))?;
            Ok(entry)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": entry })))
}
