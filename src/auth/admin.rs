//! The admin session principal: a request bearing a live admin JWT.

use crate::AppState;
use crate::admin::roles::{self, Role};
use crate::admin::sessions::{self, Claims};
use crate::admin::users::{self, AdminUser};
use crate::auth::bearer_token;
use crate::error::{ApiError, ApiResult};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

/// A signed-in admin: the user, their roles and the actions those grant.
#[derive(Debug, Clone)]
pub struct AdminSession {
    pub user: AdminUser,
    pub roles: Vec<Role>,
    pub actions: BTreeSet<String>,
    pub claims: Claims,
}

impl AdminSession {
    /// 403 `Forbidden` unless the admin holds `action`. Each admin route asks this once.
    pub fn require(&self, action: &str) -> ApiResult<()> {
        if self.actions.contains(action) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

impl FromRequest for AdminSession {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = ApiResult<AdminSession>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(request).map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token.ok_or_else(ApiError::unauthorized)?;
            let now = state.clock.now();
            let claims = state
                .sessions
                .open(&token, now)
                .ok_or_else(ApiError::unauthorized)?;
            state
                .db(move |conn| {
                    if !sessions::is_live(conn, &claims, now)? {
                        return Err(ApiError::unauthorized());
                    }
                    let user = users::find(conn, claims.id)?
                        .filter(AdminUser::can_sign_in)
                        .ok_or_else(ApiError::unauthorized)?;
                    let roles = roles::of_user(conn, user.id)?;
                    let actions = roles::actions_of(conn, &roles)?;
                    Ok(AdminSession {
                        user,
                        roles,
                        actions,
                        claims,
                    })
                })
                .await
        })
    }
}
