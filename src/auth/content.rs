//! The principal of a Content API request: a content-API token. Its form is checked before any
//! lookup; a verified token is cached; expiry and the route's action are checked on every
//! request; the use is recorded in memory only.

use crate::AppState;
use crate::auth::{basic_credentials, bearer_token};
use crate::content::schema::ContentType;
use crate::error::{ApiError, ApiResult};
use crate::tokens::format::{PlainToken, TokenKind};
use crate::tokens::policy::client_ip;
use crate::tokens::{CONTENT_KIND, Credential};
use actix_web::{HttpRequest, web};
use chrono::NaiveDateTime;
use std::sync::Arc;
use std::time::Instant;

/// The five actions of a content type's routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentAction {
    Find,
    FindOne,
    Create,
    Update,
    Delete,
}

impl ContentAction {
    pub fn name(self) -> &'static str {
        match self {
            ContentAction::Find => "find",
            ContentAction::FindOne => "findOne",
            ContentAction::Create => "create",
            ContentAction::Update => "update",
            ContentAction::Delete => "delete",
        }
    }
}

/// A caller of the Content API, authenticated by a content-API token.
#[derive(Debug)]
pub struct ContentPrincipal {
    pub credential: Arc<Credential>,
    now: NaiveDateTime,
    ip: Option<String>,
}

impl ContentPrincipal {
    /// 401 `Missing or invalid credentials` for no, malformed, unknown or admin tokens (a
    /// malformed one costs no lookup); 401 `Token expired` for an expired one. The token comes as
    /// `Bearer <token>`, or as `Basic base64(<token id>:<token>)`, where the id must be the
    /// token's own. A Bearer token may also be one from `ACCESS_TOKENS_FILE`.
    pub async fn authenticate(
        request: &HttpRequest,
        state: &web::Data<AppState>,
    ) -> ApiResult<Self> {
        let (text, claimed_id) = match bearer_token(request) {
            Some(text) => (text.to_string(), None),
            None => {
                let (id, secret) = basic_credentials(request).ok_or_else(ApiError::unauthorized)?;
                let id = id.parse::<i32>().map_err(|_| ApiError::unauthorized())?;
                (secret, Some(id))
            }
        };
        let tokens = &state.tokens;
        // A token from the configuration (Bearer only) is found by its HMAC in memory.
        let configured = claimed_id
            .is_none()
            .then(|| tokens.configured.find(&text))
            .flatten();
        let credential = match configured {
            Some(credential) => credential,
            None => Self::stored(state, &text).await?,
        };
        if credential.kind != CONTENT_KIND || claimed_id.is_some_and(|id| id != credential.id) {
            return Err(ApiError::unauthorized());
        }
        let now = state.clock.now();
        if credential.grace_is_over(now) {
            return Err(ApiError::unauthorized());
        }
        if credential.is_expired(now) {
            return Err(ApiError::unauthorized_because("Token expired"));
        }
        let policy = &credential.policy;
        let forwarded = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let ip = client_ip(
            request.peer_addr().map(|a| a.ip()),
            forwarded,
            &state.config.trusted_proxies,
        );
        if !policy.allows_ip(ip) {
            tracing::info!(token_id = credential.id, client = ?ip, "token used from an address outside its allowlist");
            return Err(ApiError::forbidden());
        }
        if let Some(rate) = policy.rate_limit
            && let Err(wait) = tokens.limiter.take(credential.id, rate, Instant::now())
        {
            return Err(ApiError::too_many_requests_for(wait));
        }
        Ok(ContentPrincipal {
            credential,
            now,
            ip: ip.map(|ip| ip.to_string()),
        })
    }

    /// The stored token that `text` is: its form is checked first, then the cache, then the
    /// database.
    async fn stored(state: &web::Data<AppState>, text: &str) -> ApiResult<Arc<Credential>> {
        let token = PlainToken::parse(text)
            .ok()
            .filter(|token| token.kind() != TokenKind::Admin)
            .ok_or_else(ApiError::unauthorized)?;
        let tokens = &state.tokens;
        let hash = tokens.salts.current.hash(&token);
        if let Some(credential) = tokens.cache.get(&hash) {
            return Ok(credential);
        }
        let lookup = state.clone();
        let found = state
            .db(move |conn| Ok(lookup.tokens.find(conn, &token)?))
            .await?
            .map(Arc::new)
            .ok_or_else(ApiError::unauthorized)?;
        tokens.cache.insert(hash, found.clone());
        Ok(found)
    }

    /// 403 `Forbidden` unless the token may perform `action` on `content_type`; a permitted
    /// request counts as a use of the token.
    pub fn require(
        &self,
        state: &AppState,
        content_type: &ContentType,
        action: ContentAction,
    ) -> ApiResult<()> {
        if !self.credential.allows(&content_type.action(action.name())) {
            return Err(ApiError::forbidden());
        }
        // Configured tokens (id 0) have no row to record their use in.
        if self.credential.id > 0 {
            state
                .tokens
                .usage
                .record(self.credential.id, self.now, self.ip.clone());
        }
        Ok(())
    }
}
