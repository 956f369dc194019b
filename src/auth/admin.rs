//! The admin principal: a request bearing a live admin session JWT, or an admin token (`vat_`),
//! which acts as its owner limited to the token's own permissions.

use crate::AppState;
use crate::admin::roles::{self, Action, Role};
use crate::admin::sessions::{self, Claims};
use crate::admin::users::{self, AdminUser};
use crate::audit::{AuditEvent, AuditQueue, Origin};
use crate::auth::{bearer_token, check_expiry, check_limits, deny, origin, stored_credential};
use crate::error::{ApiError, ApiResult};
use crate::tokens::format::TokenKind;
use crate::tokens::{Kind, Source, TokenRecord};
use actix_web::body::BoxBody;
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::StatusCode;
use actix_web::middleware::{Next, from_fn};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::NaiveDateTime;
use serde_json::Value;
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// How an admin request was authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    /// A panel session (a JWT naming a session row).
    Session(Claims),
    /// An admin token, by id.
    Token(i32),
}

/// What a caller does to a stored token, for `AdminSession::may_change_token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAct {
    /// Update, delete, or read what an admin token's owner holds.
    Change,
    /// Give it a new secret.
    Regenerate,
}

/// A signed-in admin: the user, their roles and the actions granted (for a token, those of its
/// permissions that the owner still holds).
#[derive(Debug, Clone)]
pub struct AdminSession {
    pub user: AdminUser,
    pub roles: Vec<Role>,
    pub actions: BTreeSet<String>,
    /// Those of `actions` held only on what this admin created (Strapi's `admin::is-creator`).
    pub own_only: BTreeSet<String>,
    pub via: Via,
    pub origin: Origin,
    /// For an admin token: where its refusals are recorded.
    refusals: Option<Refusals>,
}

/// What an admin token's 403 needs to become an audit event.
#[derive(Clone)]
struct Refusals {
    queue: Arc<AuditQueue>,
    at: NaiveDateTime,
    method: String,
    path: String,
}

impl std::fmt::Debug for Refusals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refusals")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl AdminSession {
    /// 403 `Forbidden` unless the admin holds `action`. Each admin route asks this once; an
    /// admin token's refusal is an audit event.
    pub fn require(&self, action: Action) -> ApiResult<()> {
        if self.actions.contains(action.name()) {
            return Ok(());
        }
        if let (Some(refusals), Via::Token(id)) = (&self.refusals, &self.via) {
            refusals.queue.push(AuditEvent {
                at: refusals.at,
                event: crate::audit::events::TOKEN_DENIED,
                actor: Some(format!("token:{id}")),
                token_id: Some(*id),
                status: Some(403),
                origin: self.origin.clone(),
                details: serde_json::json!({
                    "reason": "action not granted",
                    "action": action.name(),
                    "method": refusals.method,
                    "path": refusals.path,
                }),
            });
        }
        Err(ApiError::forbidden())
    }

    /// 403 unless this is a panel session: no token of any kind creates, regenerates or shows
    /// tokens.
    pub fn require_panel(&self) -> ApiResult<()> {
        match self.via {
            Via::Session(_) => Ok(()),
            Via::Token(_) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "ForbiddenError",
                "Tokens cannot create, regenerate or view tokens: sign in to the admin panel",
            )),
        }
    }

    /// What this admin holds now, conditions included: the ceiling of what they may grant.
    pub fn grants(&self) -> roles::Grants {
        roles::Grants {
            actions: self.actions.clone(),
            own_only: self.own_only.clone(),
        }
    }

    /// For an action held only on the admin's own creations, the admin whose creations they
    /// are; `None` when it is held on everything.
    pub fn only_own(&self, action: Action) -> Option<i32> {
        self.own_only
            .contains(action.name())
            .then_some(self.user.id)
    }

    /// Whether this caller may read the stored token `record` (it holds the route's action):
    /// `Ok(true)` with its secret, `Ok(false)` without. Every content token, with its secret for
    /// a panel session; an admin token (Strapi 5.46's rules), with its secret for its owner in a
    /// panel session, without for a super admin, and for anyone else no such token (404).
    pub fn may_read_token(&self, record: &TokenRecord) -> ApiResult<bool> {
        let panel = self.require_panel().is_ok();
        match record.kind {
            Kind::Content => Ok(panel),
            Kind::Admin if self.owns(record) => Ok(panel),
            Kind::Admin if self.is_super_admin() => Ok(false),
            Kind::Admin => Err(ApiError::not_found("API Token not found")),
        }
    }

    /// 403 unless this caller may `act` on the stored token `record` (it holds the route's
    /// action): every content token; an admin token, its owner, and a super admin for a change,
    /// a deletion or reading what the owner holds, never for a regeneration.
    pub fn may_change_token(&self, act: TokenAct, record: &TokenRecord) -> ApiResult<()> {
        let allowed = match (record.kind, act) {
            (Kind::Content, _) => true,
            (Kind::Admin, TokenAct::Change) => self.owns(record) || self.is_super_admin(),
            (Kind::Admin, TokenAct::Regenerate) => self.owns(record),
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Whether this admin owns the token `record`.
    pub fn owns(&self, record: &TokenRecord) -> bool {
        record.owner == Some(self.user.id)
    }

    /// Whether the admin holds the Super Admin role.
    pub fn is_super_admin(&self) -> bool {
        self.roles.iter().any(|r| r.code == roles::SUPER_ADMIN)
    }

    /// Who acts, as the audit log names them.
    pub fn actor(&self) -> String {
        match self.via {
            Via::Session(_) => format!("admin:{}", self.user.id),
            Via::Token(id) => format!("token:{id}"),
        }
    }

    /// This admin (or admin token), from this request, as the actor of a change.
    pub fn as_actor(&self) -> crate::tokens::service::Actor {
        crate::tokens::service::Actor {
            name: self.actor(),
            origin: self.origin.clone(),
        }
    }

    /// An audit event done by this admin, from this request.
    pub fn event(
        &self,
        at: NaiveDateTime,
        event: &'static str,
        token_id: Option<i32>,
        details: Value,
    ) -> AuditEvent {
        AuditEvent {
            at,
            event,
            actor: Some(self.actor()),
            token_id,
            status: None,
            origin: self.origin.clone(),
            details,
        }
    }

    async fn by_session(
        state: web::Data<AppState>,
        token: String,
        origin: Origin,
    ) -> ApiResult<AdminSession> {
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
                let grants = roles::grants_of(conn, &roles)?;
                Ok(AdminSession {
                    user,
                    roles,
                    actions: grants.actions,
                    own_only: grants.own_only,
                    via: Via::Session(claims),
                    origin,
                    refusals: None,
                })
            })
            .await
    }

    /// An admin token, in Strapi's order: lookup, kind, expiry (then Vellum's address and rate
    /// limits), owner present, owner active; the use is recorded.
    async fn by_token(
        state: web::Data<AppState>,
        request: &HttpRequest,
        text: &str,
        origin: Origin,
    ) -> ApiResult<AdminSession> {
        let credential = stored_credential(&state, text, |kind| kind == TokenKind::Admin)
            .await
            .map_err(|error| deny(&state, request, None, error, "unknown token"))?;
        let (Kind::Admin, Source::Stored(id)) = (credential.kind, credential.source) else {
            let error = ApiError::unauthorized();
            let id = credential.stored_id();
            return Err(deny(&state, request, id, error, "not an admin token"));
        };
        let now = state.clock.now();
        check_expiry(&state, request, &credential, now)?;
        let ip = check_limits(&state, request, &credential)?;
        let owner = credential.owner;
        let granted = credential.permissions.clone();
        let found = state
            .db(move |conn| {
                let Some(user) = owner.map(|id| users::find(conn, id)).transpose()?.flatten()
                else {
                    return Ok(Err("Token owner not found"));
                };
                if !user.can_sign_in() {
                    return Ok(Err("Token owner is deactivated"));
                }
                let roles = roles::of_user(conn, user.id)?;
                let held = roles::grants_of(conn, &roles)?;
                Ok(Ok((user, roles, held)))
            })
            .await?;
        let (user, roles, held) = found.map_err(|message| {
            let error = ApiError::unauthorized_because(message);
            deny(&state, request, Some(id), error, message)
        })?;
        state
            .tokens
            .usage
            .record(id, now, ip.map(|ip| ip.to_string()));
        Ok(AdminSession {
            user,
            roles,
            // The owner's present rights bound the token's: a role that loses an action takes
            // it from the owner's tokens too, and a condition on it binds them as well.
            actions: granted.intersection(&held.actions).cloned().collect(),
            own_only: granted.intersection(&held.own_only).cloned().collect(),
            via: Via::Token(id),
            origin,
            refusals: Some(Refusals {
                queue: state.audit.clone(),
                at: now,
                method: request.method().to_string(),
                path: request.path().chars().take(256).collect(),
            }),
        })
    }
}

impl FromRequest for AdminSession {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = ApiResult<AdminSession>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Authenticated already by the route's `requires`.
        if let Some(session) = request.extensions_mut().remove::<AdminSession>() {
            return Box::pin(std::future::ready(Ok(session)));
        }
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(request).map(str::to_owned);
        let request = request.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token.ok_or_else(ApiError::unauthorized)?;
            let origin = origin(&request, &state);
            if token.starts_with(TokenKind::Admin.prefix()) {
                Self::by_token(state, &request, &token, origin).await
            } else {
                Self::by_session(state, token, origin).await
            }
        })
    }
}

/// A route's requirement, as the route table declares it (`http::routes` wraps each admin
/// route in it through `needs`): the route answers only an admin (a panel session or an admin
/// token) holding `action`, 401 without one and 403 without the action (an admin token's
/// refusal an audit event), before anything else of the request is read; the handler's
/// `AdminSession` is that admin.
pub fn requires<S>(
    action: Action,
) -> impl Transform<
    S,
    ServiceRequest,
    Response = ServiceResponse,
    Error = actix_web::Error,
    InitError = (),
> + 'static
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error> + 'static,
{
    from_fn(
        move |mut request: ServiceRequest, next: Next<BoxBody>| async move {
            let (http, payload) = request.parts_mut();
            let allowed = AdminSession::from_request(http, payload)
                .await
                .and_then(|session| session.require(action).map(|()| session));
            match allowed {
                Ok(session) => {
                    request.extensions_mut().insert(session);
                    next.call(request).await
                }
                Err(error) => Ok(request.error_response(error)),
            }
        },
    )
}
