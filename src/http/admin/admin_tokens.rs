//! Admin tokens (`vat_`), as Strapi 5.46+ manages them: `/admin/admin-tokens`. Each belongs to
//! the admin who made it and carries admin actions that may never exceed its owner's.

use crate::AppState;
use crate::admin::roles::{self, actions};
use crate::auth::admin::{AdminSession, Via};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::http::admin::api_tokens::{
    ShowQuery, admin_permissions_json, allowed_ips_field, changed_fields, common_fields,
    expiry_field, find_of_kind, issue, name_change, only_keys, rate_limit_field, remove, renew,
    show, text_field, token_id, token_json,
};
use crate::http::object_body;
use crate::tokens::TokenChanges;
use crate::tokens::{Kind, TokenRecord, TokenType};
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// `type` and `permissions` belong to content tokens: 400 with Strapi's messages.
fn refuse_content_fields(body: &Map<String, Value>) -> ApiResult<()> {
    if body.contains_key("type") {
        return Err(ApiError::bad_request(
            "Type is not allowed for admin tokens",
        ));
    }
    if body.contains_key("permissions") {
        return Err(ApiError::bad_request(
            "Permissions are not allowed for admin tokens",
        ));
    }
    Ok(())
}

/// A list of admin actions (`adminPermissions`, a role's `permissions`), as names or as Strapi's
/// `{action, subject, conditions, …}` objects; every one must be a known admin action, and the
/// only condition known is `admin::is-creator`. Each action with whether it is granted on own
/// creations only; `None` when absent.
pub(crate) fn admin_grants_field(
    body: &Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> ApiResult<Option<BTreeMap<String, bool>>> {
    let items = match body.get(key) {
        None => return Ok(None),
        Some(Value::Null) => return Ok(Some(BTreeMap::new())),
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.add(key, format!("{key} must be an array"));
            return Ok(None);
        }
    };
    let mut asked = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        let (action, conditions) = match item {
            Value::String(action) => (action.as_str(), None),
            Value::Object(fields) => match fields.get("action").and_then(Value::as_str) {
                Some(action) => (action, fields.get("conditions")),
                None => {
                    errors.add(
                        &format!("{key}.{index}.action"),
                        "action is a required field",
                    );
                    continue;
                }
            },
            _ => {
                errors.add(
                    &format!("{key}.{index}"),
                    "must be an action name or a permission object",
                );
                continue;
            }
        };
        if !actions::ALL.contains(&action) {
            return Err(ApiError::validation(format!(
                "Unknown admin action: {action}"
            )));
        }
        let own_only = match conditions {
            None | Some(Value::Null) => false,
            Some(Value::Array(conditions)) => {
                let mut own_only = false;
                for condition in conditions {
                    match condition.as_str() {
                        Some(roles::IS_CREATOR) => own_only = true,
                        _ => {
                            return Err(ApiError::validation(format!(
                                "Unknown condition: {condition}"
                            )));
                        }
                    }
                }
                own_only
            }
            Some(_) => {
                errors.add(
                    &format!("{key}.{index}.conditions"),
                    "conditions must be an array",
                );
                continue;
            }
        };
        asked.insert(action.to_string(), own_only);
    }
    Ok(Some(asked))
}

/// `admin_grants_field`'s actions alone (a token's permissions carry no condition: it acts
/// within its owner's, conditions included).
pub(crate) fn admin_actions_field(
    body: &Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> ApiResult<Option<BTreeSet<String>>> {
    Ok(admin_grants_field(body, key, errors)?.map(|asked| asked.into_keys().collect()))
}

/// 400 unless every asked action is one the granter holds (a token's permissions carry no
/// condition: on use it is bound by its owner's, conditions included).
fn check_ceiling(asked: &BTreeSet<String>, held: &BTreeSet<String>) -> ApiResult<()> {
    let exceeding = roles::Grants::unconditional(asked).beyond(&roles::Grants::unconditional(held));
    if exceeding.is_empty() {
        return Ok(());
    }
    Err(ApiError::validation(format!(
        "Cannot assign admin permissions that exceed your own. Exceeding: {}",
        exceeding.join(", ")
    )))
}

/// `adminUserOwner`, when given, must name `owner` (Strapi's rule: it is always the creator).
fn check_owner_field(body: &Map<String, Value>, owner: i32, message: &str) -> ApiResult<()> {
    match body.get("adminUserOwner") {
        None | Some(Value::Null) => Ok(()),
        Some(value) => {
            let named = value
                .as_i64()
                .or_else(|| value.get("id").and_then(Value::as_i64));
            if named == Some(i64::from(owner)) {
                Ok(())
            } else {
                Err(ApiError::validation(message))
            }
        }
    }
}

fn is_owner(session: &AdminSession, record: &TokenRecord) -> bool {
    record.owner == Some(session.user.id)
}

/// PUT, DELETE and owner-permissions: the owner or a super admin, else 403.
fn owner_or_super_admin(session: &AdminSession, record: &TokenRecord) -> ApiResult<()> {
    if is_owner(session, record) || session.is_super_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// Regenerate: the owner only, even against another super admin.
fn owner_only(session: &AdminSession, record: &TokenRecord) -> ApiResult<()> {
    if is_owner(session, record) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// GET: the owner sees the token with its secret (`true`), a super admin without (`false`),
/// anyone else nothing (404).
fn visibility(session: &AdminSession, record: &TokenRecord) -> ApiResult<bool> {
    if is_owner(session, record) {
        Ok(true)
    } else if session.is_super_admin() {
        Ok(false)
    } else {
        Err(ApiError::not_found("API Token not found"))
    }
}

/// The actions an admin holds through their roles.
fn held_by(conn: &mut crate::db::DbConnection, user_id: i32) -> ApiResult<BTreeSet<String>> {
    let roles = roles::of_user(conn, user_id)?;
    Ok(roles::actions_of(conn, &roles)?)
}

/// `POST /admin/admin-tokens`: 201 with the token and its `accessKey`, shown this once; owned by
/// the caller.
pub async fn create(
    state: web::Data<AppState>,
    session: AdminSession,
    body: web::Json<Value>,
) -> ApiResult<HttpResponse> {
    session.require(actions::ADMIN_TOKENS_CREATE)?;
    session.require_panel()?;
    let body = object_body(body.into_inner())?;
    refuse_content_fields(&body)?;
    check_owner_field(
        &body,
        session.user.id,
        "adminUserOwner must be the admin creating the token",
    )?;
    let mut errors = FieldErrors::default();
    let common = common_fields(&body, state.clock.now(), &mut errors);
    let asked = admin_actions_field(&body, "adminPermissions", &mut errors)?;
    errors.into_result()?;
    let asked = asked.unwrap_or_default();
    check_ceiling(&asked, &session.actions)?;
    let request = common.request(Some(session.user.id), TokenType::Custom, asked);
    issue(state, session, request).await
}

/// `GET /admin/admin-tokens`: super admins see every admin token, others their own; by name.
pub async fn list(state: web::Data<AppState>, session: AdminSession) -> ApiResult<HttpResponse> {
    session.require(actions::ADMIN_TOKENS_READ)?;
    let worker = state.clone();
    let mut records = state
        .db(move |conn| Ok(worker.tokens.list(conn, Kind::Admin)?))
        .await?;
    if !session.is_super_admin() {
        records.retain(|record| is_owner(&session, record));
    }
    let shown: Vec<Value> = records.iter().map(|r| token_json(r, None)).collect();
    Ok(HttpResponse::Ok().json(json!({ "data": shown })))
}

/// `GET /admin/admin-tokens/{id}`: the owner sees `accessKey` (when viewable), another super
/// admin the token without it, anyone else 404.
pub async fn get(
    state: web::Data<AppState>,
    session: AdminSession,
    id: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> ApiResult<HttpResponse> {
    session.require(actions::ADMIN_TOKENS_READ)?;
    let id = token_id(&id)?;
    show(state, session, id, Kind::Admin, query.reveals(), visibility).await
}

/// `PUT /admin/admin-tokens/{id}`: name, description, adminPermissions (within the owner's),
/// expiry and limits; the owner cannot change.
pub async fn update(
    state: web::Data<AppState>,
    session: AdminSession,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> ApiResult<HttpResponse> {
    session.require(actions::ADMIN_TOKENS_UPDATE)?;
    let id = token_id(&id)?;
    let body = object_body(body.into_inner())?;
    refuse_content_fields(&body)?;
    const EDITABLE: &[&str] = &[
        "name",
        "description",
        "adminPermissions",
        "adminUserOwner",
        "expiresAt",
        "allowedIps",
        "rateLimit",
    ];
    only_keys(&body, EDITABLE)?;
    let mut errors = FieldErrors::default();
    let name = name_change(&body, &mut errors);
    let now = state.clock.now();
    let asked = admin_actions_field(&body, "adminPermissions", &mut errors)?;
    let changes = TokenChanges {
        name,
        description: text_field(&body, "description", &mut errors),
        token_type: None,
        permissions: asked,
        expires_at: expiry_field(&body, now, &mut errors),
        allowed_ips: allowed_ips_field(&body, &mut errors),
        rate_limit: rate_limit_field(&body, &mut errors),
    };
    errors.into_result()?;
    let worker = state.clone();
    let record = state
        .db_write(move |conn| {
            let existing = find_of_kind(&worker, conn, id, Kind::Admin)?;
            owner_or_super_admin(&session, &existing)?;
            // A token never changes itself: its rights, limits and expiry are its owner's to set.
            if matches!(session.via, Via::Token(acting) if acting == id) {
                return Err(ApiError::forbidden_because("A token cannot change itself"));
            }
            let owner = existing.owner.unwrap_or_default();
            check_owner_field(&body, owner, "adminUserOwner cannot be changed on update")?;
            // Within what the owner holds, and what the caller holds now (a token: its own
            // permissions within its owner's).
            if let Some(asked) = &changes.permissions {
                let held = held_by(conn, owner)?;
                let ceiling = held.intersection(&session.actions).cloned().collect();
                check_ceiling(asked, &ceiling)?;
            }
            let change = worker.change(session.as_actor(), now);
            let fields = changed_fields(&body);
            Ok(worker
                .tokens
                .update(conn, &change, &existing, changes, fields)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": token_json(&record, None) })))
}

/// `DELETE /admin/admin-tokens/{id}`: the owner or a super admin.
pub async fn delete(
    state: web::Data<AppState>,
    session: AdminSession,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    session.require(actions::ADMIN_TOKENS_DELETE)?;
    let id = token_id(&id)?;
    remove(state, session, id, Kind::Admin, owner_or_super_admin).await
}

/// `POST /admin/admin-tokens/{id}/regenerate`: the owner only; the old secret dies at once.
pub async fn regenerate(
    state: web::Data<AppState>,
    session: AdminSession,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    session.require(actions::ADMIN_TOKENS_REGENERATE)?;
    session.require_panel()?;
    let id = token_id(&id)?;
    renew(state, session, id, Kind::Admin, None, owner_only).await
}

/// `GET /admin/admin-tokens/{id}/owner-permissions`: what the owner holds, i.e. what the
/// token could be given.
pub async fn owner_permissions(
    state: web::Data<AppState>,
    session: AdminSession,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    session.require(actions::ADMIN_TOKENS_READ)?;
    let id = token_id(&id)?;
    let worker = state.clone();
    let held = state
        .db(move |conn| {
            let record = find_of_kind(&worker, conn, id, Kind::Admin)?;
            owner_or_super_admin(&session, &record)?;
            let roles = roles::of_user(conn, record.owner.unwrap_or_default())?;
            Ok(roles::grants_of(conn, &roles)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": admin_permissions_json(&held) })))
}
