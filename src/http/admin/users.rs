//! Admin users and roles: `GET /admin/users`, `PUT`/`DELETE /admin/users/{id}`,
//! `GET /admin/roles`, `PUT /admin/roles/{id}/permissions`.

use super::auth::{role_json, user_json};
use super::grants::{admin_grants_field, admin_permissions_json};
use crate::AppState;
use crate::admin::roles::{self, SetActionsError};
use crate::admin::users::{self, ChangeError};
use crate::auth::admin::AdminSession;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::http::{Id, JsonObject, only_keys};
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

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

fn change_error(error: ChangeError) -> ApiError {
    match error {
        ChangeError::NotFound => ApiError::not_found("User not found"),
        ChangeError::LastSuperAdmin => {
            ApiError::application("You must have at least one active super admin")
        }
        ChangeError::SuperAdminOnly => {
            ApiError::forbidden_because("Only a super admin can change or delete a super admin")
        }
        ChangeError::Database(error) => ApiError::from(error),
        ChangeError::Tokens(error) => ApiError::from(error),
    }
}

/// `PUT /admin/users/{id}` (`admin::users.update`): `isActive` turns an admin on or off; an
/// inactive admin's sessions and admin tokens are refused (401).
pub async fn update(
    state: web::Data<AppState>,
    session: AdminSession,
    Id(id): Id,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    only_keys(&body, &["isActive"])?;
    let Some(active) = body.get("isActive").and_then(Value::as_bool) else {
        return Err(ApiError::validation("isActive must be a boolean"));
    };
    let now = state.clock.now();
    let by_super_admin = session.is_super_admin();
    let (user, roles) = state
        .db_write(move |conn| {
            let user =
                users::set_active(conn, id, active, by_super_admin, now).map_err(change_error)?;
            let roles = roles::of_user(conn, id)?;
            Ok((user, roles))
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
            users::delete(conn, &worker.tokens, &change, id, by_super_admin).map_err(change_error)
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
        .db_write(move |conn| {
            roles::set_actions(conn, id, &granted, &session.grants()).map_err(|error| match error {
                SetActionsError::NotFound => ApiError::not_found("Role not found"),
                SetActionsError::SuperAdmin => {
                    ApiError::application("Super admin permissions can't be edited.")
                }
                SetActionsError::Exceeding(actions) => ApiError::validation(format!(
                    "Cannot assign permissions that exceed your own. Exceeding: {}",
                    actions.join(", ")
                )),
                SetActionsError::Database(error) => ApiError::from(error),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": shown })))
}
