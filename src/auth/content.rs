//! The principal of a Content API request: a content-API token. Its form is checked before any
//! lookup; a verified token is cached; expiry and the route's action are checked on every
//! request; the use is recorded in memory only.

use crate::AppState;
use crate::auth::{
    basic_credentials, bearer_token, check_expiry, check_limits, deny, stored_credential,
};
use crate::content::schema::ContentType;
use crate::error::{ApiError, ApiResult};
use crate::tokens::format::TokenKind;
use crate::tokens::{Credential, Kind};
use actix_web::{HttpRequest, web};
use chrono::NaiveDateTime;
use std::net::IpAddr;
use std::sync::Arc;

pub use crate::content::ContentAction;

/// A caller of the Content API, authenticated by a content-API token.
#[derive(Debug)]
pub struct ContentPrincipal {
    pub credential: Arc<Credential>,
    now: NaiveDateTime,
    ip: Option<IpAddr>,
}

impl ContentPrincipal {
    /// 401 `Missing or invalid credentials` for no, malformed, unknown or admin tokens (a
    /// malformed one costs no lookup); 401 `Token expired` for an expired one. The token comes as
    /// `Bearer <token>`, or as `Basic base64(<token id>:<token>)`, where the id must be the
    /// token's own. A Bearer token may also be one from `ACCESS_TOKENS_FILE`. Refusals of
    /// presented credentials go to the audit log.
    pub async fn authenticate(
        request: &HttpRequest,
        state: &web::Data<AppState>,
    ) -> ApiResult<Self> {
        let refuse = |token_id, error, reason| deny(state, request, token_id, error, reason);
        let (text, claimed_id) = match bearer_token(request) {
            Some(text) => (text.to_string(), None),
            None => {
                let (id, secret) = basic_credentials(request).ok_or_else(|| {
                    refuse(None, ApiError::unauthorized(), "malformed credentials")
                })?;
                let id = id
                    .parse::<i32>()
                    .map_err(|_| refuse(None, ApiError::unauthorized(), "malformed credentials"))?;
                (secret, Some(id))
            }
        };
        // A token from the configuration (Bearer only) is found by its HMAC in memory.
        let configured = claimed_id
            .is_none()
            .then(|| state.tokens.configured.find(&text))
            .flatten();
        let credential = match configured {
            Some(credential) => credential,
            None => stored_credential(state, &text, |kind| kind != TokenKind::Admin)
                .await
                .map_err(|error| refuse(None, error, "unknown token"))?,
        };
        if credential.kind != Kind::Content
            || claimed_id.is_some_and(|id| Some(id) != credential.stored_id())
        {
            let reason = "not a content-API token, or not the id's";
            return Err(refuse(
                credential.stored_id(),
                ApiError::unauthorized(),
                reason,
            ));
        }
        let now = state.clock.now();
        check_expiry(state, request, &credential, now)?;
        let ip = check_limits(state, request, &credential)?;
        Ok(ContentPrincipal {
            credential,
            now,
            ip,
        })
    }

    /// Whether the token may perform `action` on `content_type`; a permitted request counts as
    /// a use of the token.
    pub fn permit(
        &self,
        state: &AppState,
        content_type: &ContentType,
        action: ContentAction,
    ) -> bool {
        if !self.credential.allows(&content_type.action(action.name())) {
            return false;
        }
        // Configured tokens have no row to record their use in.
        if let Some(id) = self.credential.stored_id() {
            state
                .tokens
                .usage
                .record(id, self.now, self.ip.map(|ip| ip.to_string()));
        }
        true
    }

    /// Whether the token may read entries of `content_type` where another type's answer
    /// includes them (a populated relation): Strapi asks for `find` there, `findOne` is not
    /// enough.
    pub fn may_read(&self, content_type: &ContentType) -> bool {
        self.credential
            .allows(&content_type.action(ContentAction::Find.name()))
    }

    /// 403 `Forbidden` unless the token may perform `action` on `content_type` (`permit`).
    pub fn require(
        &self,
        state: &AppState,
        request: &HttpRequest,
        content_type: &ContentType,
        action: ContentAction,
    ) -> ApiResult<()> {
        if self.permit(state, content_type, action) {
            return Ok(());
        }
        let id = self.credential.stored_id();
        Err(deny(
            state,
            request,
            id,
            ApiError::forbidden(),
            "action not granted",
        ))
    }
}
