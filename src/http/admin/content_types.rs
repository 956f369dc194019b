//! Content types through the Admin API: `GET /admin/content-types`, `POST /admin/content-types`
//! and `PUT /admin/content-types/{uid}`. A change is validated, applied to the database
//! (additively), written to `CONTENT_TYPES_DIR`, and in force for the next request.

use crate::AppState;
use crate::auth::admin::AdminSession;
use crate::content::schema::{self, ContentType};
use crate::content::storage::{self, SyncError};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::http::object_body;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

fn shown(content_type: &ContentType) -> Value {
    json!({
        "uid": content_type.uid,
        "apiID": content_type.singular_name,
        "schema": content_type.source,
    })
}

/// `GET /admin/content-types` (`admin::content-types.read`).
pub async fn list(state: web::Data<AppState>, _session: AdminSession) -> ApiResult<HttpResponse> {
    let registry = state.content();
    let shown: Vec<Value> = registry.types.iter().map(|t| shown(t)).collect();
    Ok(HttpResponse::Ok().json(json!({ "data": shown })))
}

/// `POST /admin/content-types` (`admin::content-types.create`) with `{"data": <schema.json>}`.
pub async fn create(
    state: web::Data<AppState>,
    _session: AdminSession,
    body: web::Json<Value>,
) -> ApiResult<HttpResponse> {
    let content_type = parse_body(body.into_inner())?;
    if state.content().by_uid(&content_type.uid).is_some() {
        return Err(ApiError::application(format!(
            "The content type {} already exists",
            content_type.uid
        )));
    }
    let file = state
        .config
        .content_types_dir
        .join(format!("{}.json", content_type.singular_name));
    let applied = apply(&state, content_type, file).await?;
    Ok(HttpResponse::Created().json(json!({ "data": shown(&applied) })))
}

/// `PUT /admin/content-types/{uid}` (`admin::content-types.update`).
pub async fn update(
    state: web::Data<AppState>,
    _session: AdminSession,
    uid: web::Path<String>,
    body: web::Json<Value>,
) -> ApiResult<HttpResponse> {
    let existing = state
        .content()
        .by_uid(&uid)
        .ok_or_else(|| ApiError::not_found("Not Found"))?;
    let content_type = parse_body(body.into_inner())?;
    if content_type.uid != existing.uid || content_type.kind != existing.kind {
        return Err(ApiError::validation(
            "The uid and kind of a content type cannot change",
        ));
    }
    let file = existing.file.clone().unwrap_or_else(|| {
        state
            .config
            .content_types_dir
            .join(format!("{}.json", content_type.singular_name))
    });
    let applied = apply(&state, content_type, file).await?;
    Ok(HttpResponse::Ok().json(json!({ "data": shown(&applied) })))
}

fn parse_body(body: Value) -> ApiResult<ContentType> {
    let mut body = object_body(body)?;
    let document = body
        .remove("data")
        .ok_or_else(|| ApiError::validation("Missing \"data\" payload in the request body"))?;
    schema::parse(&document).map_err(|e| {
        let mut errors = FieldErrors::default();
        errors.add(&e.path, e.message);
        errors
            .into_result()
            .err()
            .unwrap_or_else(|| ApiError::validation("Invalid schema"))
    })
}

/// Checks names against the other types, changes the tables, writes the files, and puts the
/// new set of types in force; one change at a time. A bidirectional relation whose other side
/// is missing gets it written into its target's schema, as Strapi's builder does.
async fn apply(
    state: &web::Data<AppState>,
    mut content_type: ContentType,
    file: std::path::PathBuf,
) -> ApiResult<ContentType> {
    let state = state.clone();
    let now = state.clock.now();
    web::block(move || {
        let _one_at_a_time = state
            .schema_changes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        content_type.file = Some(file.clone());
        let current = state.content();
        let others = current
            .inverse_sides(&content_type)
            .map_err(ApiError::validation)?;
        let mut changed = vec![content_type];
        changed.extend(others);
        let checked = current
            .with_types(changed.clone())
            .map_err(ApiError::validation)?;
        // The changed types with their relations linked, as the new set sees them.
        for changed_type in &mut changed {
            if let Some(linked) = checked.by_uid(&changed_type.uid) {
                changed_type.relations = linked.relations.clone();
                changed_type.incoming = linked.incoming.clone();
            }
        }
        let types: Vec<ContentType> = checked.types.iter().map(|t| (**t).clone()).collect();
        let mut conn = state.pool.get()?;
        for changed_type in &mut changed {
            let report =
                storage::sync_one(&mut conn, changed_type, &types, now).map_err(|e| match e {
                    SyncError::Incompatible(message) => ApiError::validation(message),
                    SyncError::Database(error) => ApiError::from(error),
                })?;
            for column in &report.kept_columns {
                tracing::warn!(
                    content_type = %changed_type.uid,
                    column = %column,
                    "attribute removed from the schema; its column and data are kept"
                );
            }
        }
        for changed_type in &changed {
            let Some(file) = &changed_type.file else {
                continue;
            };
            crate::content::write_file(file, &changed_type.source)
                .map_err(|e| ApiError::internal(format!("cannot write {}: {e}", file.display())))?;
        }
        let registry = current
            .with_types(changed.clone())
            .map_err(ApiError::validation)?;
        state.replace_content(registry);
        Ok(changed.swap_remove(0))
    })
    .await?
}
