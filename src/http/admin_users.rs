//! Admin users and roles, read side: `GET /admin/users`, `GET /admin/roles`.

use crate::AppState;
use crate::admin::roles::{self, actions};
use crate::admin::users;
use crate::auth::admin::AdminSession;
use crate::error::ApiResult;
use crate::http::admin_auth::{role_json, user_json};
use actix_web::{HttpResponse, web};
use serde_json::json;

/// `GET /admin/users` (`admin::users.read`).
pub async fn list(state: web::Data<AppState>, session: AdminSession) -> ApiResult<HttpResponse> {
    session.require(actions::USERS_READ)?;
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
pub async fn roles(state: web::Data<AppState>, session: AdminSession) -> ApiResult<HttpResponse> {
    session.require(actions::ROLES_READ)?;
    let listed = state.db(|conn| Ok(roles::list(conn)?)).await?;
    Ok(
        HttpResponse::Ok()
            .json(json!({ "data": listed.iter().map(role_json).collect::<Vec<_>>() })),
    )
}
