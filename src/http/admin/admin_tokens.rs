//! Admin tokens (`vat_`), as Strapi 5.46+ manages them: `/admin/admin-tokens`. Each belongs to
//! the admin who made it and carries admin actions that may never exceed its owner's.

use super::grants::{admin_actions_field, admin_permissions_json};
use super::tokens::{
    KindFields, ShowQuery, TokenId, Update, change, changes_of, draft_of, find_of_kind, issue,
    remove, renew, show, token_json,
};
use crate::AppState;
use crate::admin::roles::{self, actions};
use crate::auth::admin::{AdminSession, TokenAct, Via};
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::http::{JsonObject, only_keys};
use crate::tokens::{Kind, TokenType};
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

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

/// The actions an admin holds through their roles.
fn held_by(conn: &mut crate::db::DbConnection, user_id: i32) -> ApiResult<BTreeSet<String>> {
    let roles = roles::of_user(conn, user_id)?;
    Ok(roles::actions_of(conn, &roles)?)
}

/// Every admin action, the catalogue an admin token's permissions come from.
fn catalogue() -> BTreeSet<String> {
    actions::ALL
        .iter()
        .map(|action| action.to_string())
        .collect()
}

/// `POST /admin/admin-tokens`: 201 with the token and its `accessKey`, shown this once; owned by
/// the caller.
pub async fn create(
    state: web::Data<AppState>,
    session: AdminSession,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    session.require_panel()?;
    refuse_content_fields(&body)?;
    check_owner_field(
        &body,
        session.user.id,
        "adminUserOwner must be the admin creating the token",
    )?;
    let mut errors = FieldErrors::default();
    let mut draft = draft_of(&body, state.clock.now(), &mut errors, |errors| {
        Ok(KindFields {
            owner: Some(session.user.id),
            token_type: TokenType::Custom,
            permissions: admin_actions_field(&body, "adminPermissions", errors)?,
        })
    })?;
    errors.into_result()?;
    let asked = draft.permissions.get_or_insert_default();
    check_ceiling(asked, &session.actions)?;
    issue(state, session, draft, catalogue()).await
}

/// `GET /admin/admin-tokens`: super admins see every admin token, others their own; by name.
pub async fn list(state: web::Data<AppState>, session: AdminSession) -> ApiResult<HttpResponse> {
    let worker = state.clone();
    let mut records = state
        .db(move |conn| Ok(worker.tokens.list(conn, Kind::Admin)?))
        .await?;
    if !session.is_super_admin() {
        records.retain(|record| session.owns(record));
    }
    let shown: Vec<Value> = records.iter().map(|r| token_json(r, None)).collect();
    Ok(HttpResponse::Ok().json(json!({ "data": shown })))
}

/// `GET /admin/admin-tokens/{id}`: the owner sees `accessKey` (when viewable), another super
/// admin the token without it, anyone else 404.
pub async fn get(
    state: web::Data<AppState>,
    session: AdminSession,
    TokenId(id): TokenId,
    query: web::Query<ShowQuery>,
) -> ApiResult<HttpResponse> {
    show(state, session, id, Kind::Admin, query.into_inner()).await
}

/// What `PUT /admin/admin-tokens/{id}` may change (`adminUserOwner` only to what it is).
const EDITABLE: &[&str] = &[
    "name",
    "description",
    "adminPermissions",
    "adminUserOwner",
    "expiresAt",
    "allowedIps",
    "rateLimit",
];

/// `PUT /admin/admin-tokens/{id}`: name, description, adminPermissions (within the owner's),
/// expiry and limits, by the owner or a super admin; the owner cannot change.
pub async fn update(
    state: web::Data<AppState>,
    session: AdminSession,
    TokenId(id): TokenId,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    refuse_content_fields(&body)?;
    only_keys(&body, EDITABLE)?;
    let mut errors = FieldErrors::default();
    let changes = changes_of(&body, state.clock.now(), &mut errors, |errors| {
        Ok((
            None,
            admin_actions_field(&body, "adminPermissions", errors)?,
        ))
    })?;
    errors.into_result()?;
    let asked = changes.permissions.clone();
    let update = Update {
        id,
        kind: Kind::Admin,
        changes,
        fields: body.keys().cloned().collect(),
        catalogue: catalogue(),
    };
    change(state, session, update, move |conn, session, existing| {
        // A token never changes itself: its rights, limits and expiry are its owner's to set.
        if matches!(session.via, Via::Token(acting) if acting == id) {
            return Err(ApiError::forbidden_because("A token cannot change itself"));
        }
        let owner = existing.owner.unwrap_or_default();
        check_owner_field(&body, owner, "adminUserOwner cannot be changed on update")?;
        // Within what the owner holds, and what the caller holds now (a token: its own
        // permissions within its owner's).
        if let Some(asked) = &asked {
            let held = held_by(conn, owner)?;
            let ceiling = held.intersection(&session.actions).cloned().collect();
            check_ceiling(asked, &ceiling)?;
        }
        Ok(())
    })
    .await
}

/// `DELETE /admin/admin-tokens/{id}`: the owner or a super admin.
pub async fn delete(
    state: web::Data<AppState>,
    session: AdminSession,
    TokenId(id): TokenId,
) -> ApiResult<HttpResponse> {
    remove(state, session, id, Kind::Admin).await
}

/// `POST /admin/admin-tokens/{id}/regenerate`: the owner only; the old secret dies at once.
pub async fn regenerate(
    state: web::Data<AppState>,
    session: AdminSession,
    TokenId(id): TokenId,
) -> ApiResult<HttpResponse> {
    session.require_panel()?;
    renew(state, session, id, Kind::Admin, None).await
}

/// `GET /admin/admin-tokens/{id}/owner-permissions`: what the owner holds, i.e. what the
/// token could be given.
pub async fn owner_permissions(
    state: web::Data<AppState>,
    session: AdminSession,
    TokenId(id): TokenId,
) -> ApiResult<HttpResponse> {
    let worker = state.clone();
    let held = state
        .db(move |conn| {
            let record = find_of_kind(&worker, conn, id, Kind::Admin)?;
            session.may_change_token(TokenAct::Change, &record)?;
            let roles = roles::of_user(conn, record.owner.unwrap_or_default())?;
            Ok(roles::grants_of(conn, &roles)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": admin_permissions_json(&held) })))
}
