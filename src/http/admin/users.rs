//! Admin users and roles: `GET /admin/users`, `PUT`/`DELETE /admin/users/{id}`,
//! `GET /admin/roles`, `PUT /admin/roles/{id}/permissions`.

use super::auth::{email_field, names, role_json, user_json};
use super::grants::{admin_grants_field, admin_permissions_json};
use crate::AppState;
use crate::admin::roles;
use crate::admin::users::{self, Invitation};
use crate::auth::admin::AdminSession;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::http::{Id, JsonObject, only_keys};
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

/// `GET /admin/users` (`admin::users.read`).
pub async fn list(state: web::Data<AppState>, _session: AdminSession) -> ApiResult<HttpResponse> {
    let listed = state
        .db(|conn| {
            users::list(conn)?
                .into_iter()
                .map(|user| {
                    let roles = roles::of_user(conn, user.id)?;
                    Ok(user_json(&user, &roles))
                })
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    let total = listed.len();
    Ok(HttpResponse::Ok().json(json!({
        "data": {
            "results": listed,
            "pagination": { "page": 1, "pageSize": total, "pageCount": 1, "total": total }
        }
    })))
}

/// `GET /admin/roles` (`admin::roles.read`).
pub async fn roles(state: web::Data<AppState>, _session: AdminSession) -> ApiResult<HttpResponse> {
    let listed = state.db(|conn| Ok(roles::list(conn)?)).await?;
    Ok(
        HttpResponse::Ok()
            .json(json!({ "data": listed.iter().map(role_json).collect::<Vec<_>>() })),
    )
}

/// `roles`: role ids, at least one (Strapi's message); `None` when absent.
fn role_ids_field(body: &Map<String, Value>, errors: &mut FieldErrors) -> Option<Vec<i32>> {
    let value = body.get("roles")?;
    let ids: Option<Vec<i32>> = value.as_array().and_then(|items| {
        items
            .iter()
            .map(|item| item.as_i64().and_then(|id| i32::try_from(id).ok()))
            .collect()
    });
    match ids {
        Some(ids) if !ids.is_empty() => Some(ids),
        Some(_) => {
            errors.add_value(
                "roles",
                "roles field must have at least 1 items",
                value.clone(),
            );
            None
        }
        None => {
            errors.add_value("roles", "roles must be a list of role ids", value.clone());
            None
        }
    }
}

/// `POST /admin/users` (`admin::users.create`): invites an admin, as Strapi does: inactive
/// until they register through the link made of the answer's `registrationToken` (shown this
/// once), with roles that grant no more than the inviter holds.
pub async fn create(
    state: web::Data<AppState>,
    session: AdminSession,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    only_keys(&body, &["firstname", "lastname", "email", "roles"])?;
    let mut errors = FieldErrors::default();
    let email = email_field(&body, &mut errors);
    let (firstname, lastname) = names(&body, &mut errors);
    let role_ids = role_ids_field(&body, &mut errors).unwrap_or_default();
    errors.into_result()?;
    let invitation = Invitation {
        firstname,
        lastname,
        email,
        role_ids,
    };
    let now = state.clock.now();
    let granter = session.grants();
    let (user, roles, token) = state
        .db_write(move |conn| {
            users::invite(conn, invitation, &granter, now).map_err(ApiError::from)
        })
        .await?;
    let mut shown = user_json(&user, &roles);
    shown["registrationToken"] = json!(token);
    Ok(HttpResponse::Created().json(json!({ "data": shown })))
}

/// `GET /admin/users/{id}` (`admin::users.read`).
pub async fn get(
    state: web::Data<AppState>,
    _session: AdminSession,
    Id(id): Id,
) -> ApiResult<HttpResponse> {
    let (user, roles) = state
        .db(move |conn| {
            let user =
                users::find(conn, id)?.ok_or_else(|| ApiError::not_found("User does not exist"))?;
            let roles = roles::of_user(conn, id)?;
            Ok((user, roles))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": user_json(&user, &roles) })))
}

/// `PUT /admin/users/{id}` (`admin::users.update`): `roles` gives the admin these roles (never
/// granting beyond the changer's own), `isActive` turns them on or off (an inactive admin's
/// sessions and admin tokens are refused: 401).
pub async fn update(
    state: web::Data<AppState>,
    session: AdminSession,
    Id(id): Id,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    only_keys(&body, &["isActive", "roles"])?;
    let mut errors = FieldErrors::default();
    let role_ids = role_ids_field(&body, &mut errors);
    let active = match body.get("isActive") {
        None => None,
        Some(Value::Bool(active)) => Some(*active),
        Some(other) => {
            errors.add_value(
                "isActive",
                "isActive must be a `boolean` type",
                other.clone(),
            );
            None
        }
    };
    errors.into_result()?;
    let now = state.clock.now();
    let by_super_admin = session.is_super_admin();
    let granter = session.grants();
    let (user, roles) = state
        // Both changes or neither.
        .db_write(move |conn| {
            crate::db::exclusive(conn, "admin_users", |conn| {
                if let Some(role_ids) = &role_ids {
                    users::set_roles(conn, id, role_ids, &granter, by_super_admin, now)
                        .map_err(ApiError::from)?;
                }
                let user = match active {
                    Some(active) => users::set_active(conn, id, active, by_super_admin, now)
                        .map_err(ApiError::from)?,
                    None => users::find(conn, id)?
                        .ok_or_else(|| ApiError::not_found("User does not exist"))?,
                };
                let roles = roles::of_user(conn, id)?;
                Ok((user, roles))
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": user_json(&user, &roles) })))
}

/// `DELETE /admin/users/{id}` (`admin::users.delete`): the user, their sessions and their admin
/// tokens.
pub async fn delete(
    state: web::Data<AppState>,
    session: AdminSession,
    Id(id): Id,
) -> ApiResult<HttpResponse> {
    let worker = state.clone();
    let now = state.clock.now();
    let by_super_admin = session.is_super_admin();
    let user = state
        .db_write(move |conn| {
            let change = worker.change(session.as_actor(), now);
            users::delete(conn, &worker.tokens, &change, id, by_super_admin).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": user_json(&user, &[]) })))
}

/// `GET /admin/roles/{id}/permissions` (`admin::roles.read`): what the role grants, as Strapi's
/// permission objects.
pub async fn role_permissions(
    state: web::Data<AppState>,
    _session: AdminSession,
    Id(id): Id,
) -> ApiResult<HttpResponse> {
    let grants = state
        .db(move |conn| {
            let role = roles::list(conn)?
                .into_iter()
                .find(|role| role.id == id)
                .ok_or_else(|| ApiError::not_found("Role not found"))?;
            Ok(roles::grants_of(conn, &[role])?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": admin_permissions_json(&grants) })))
}

/// `PUT /admin/roles/{id}/permissions` (`admin::roles.update`): `{permissions: [...]}` replaces
/// the actions the role grants; the Super Admin role cannot be edited.
pub async fn set_role_permissions(
    state: web::Data<AppState>,
    session: AdminSession,
    Id(id): Id,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    let mut errors = FieldErrors::default();
    let granted = admin_grants_field(&body, "permissions", &mut errors)?;
    errors.into_result()?;
    let granted = granted.ok_or_else(|| ApiError::validation("permissions is a required field"))?;
    let shown = admin_permissions_json(&roles::Grants::from_pairs(&granted));
    state
        .db_write(move |conn| Ok(roles::set_actions(conn, id, &granted, &session.grants())?))
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": shown })))
}
