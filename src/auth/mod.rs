//! What turns a request into a principal (an admin session, a content-API token), and the
//! `Authorization` header parsing they share.

pub mod admin;
pub mod content;

use crate::AppState;
use crate::audit::{AuditEvent, Origin, events};
use crate::error::{ApiError, ApiResult};
use crate::tokens::Credential;
use crate::tokens::format::{PlainToken, TokenKind};
use crate::tokens::policy::client_ip;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, web};
use chrono::NaiveDateTime;
use serde_json::json;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

/// The token of `Authorization: Bearer <token>`, as Strapi reads it: the scheme in any case and
/// exactly two whitespace-separated parts; anything else carries no credentials.
pub fn bearer_token(request: &HttpRequest) -> Option<&str> {
    parse_bearer(request.headers().get(AUTHORIZATION)?.to_str().ok()?)
}

/// The token of an `Authorization` value of the form `Bearer <token>`.
pub fn parse_bearer(value: &str) -> Option<&str> {
    let mut parts = value.split_whitespace();
    let scheme = parts.next()?;
    let token = parts.next()?;
    (scheme.eq_ignore_ascii_case("bearer") && parts.next().is_none()).then_some(token)
}

/// `Authorization: Basic base64(<key id>:<secret>)` (the scheme in any case): the id and the
/// secret, when the header is well formed.
pub fn basic_credentials(request: &HttpRequest) -> Option<(String, String)> {
    parse_basic(request.headers().get(AUTHORIZATION)?.to_str().ok()?)
}

/// The id and secret of an `Authorization` value of the form `Basic base64(<id>:<secret>)`.
pub fn parse_basic(value: &str) -> Option<(String, String)> {
    use base64::Engine;
    let mut parts = value.split_whitespace();
    let scheme = parts.next()?;
    let encoded = parts.next()?;
    if !scheme.eq_ignore_ascii_case("basic") || parts.next().is_some() {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let (id, secret) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// The client's address: the peer's, or the one `X-Forwarded-For` names when the peer is one of
/// `TRUSTED_PROXIES`.
pub fn client_address(request: &HttpRequest, state: &AppState) -> Option<IpAddr> {
    let forwarded = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    client_ip(
        request.peer_addr().map(|a| a.ip()),
        forwarded,
        &state.config.trusted_proxies,
    )
}

/// Where a request came from, for the audit log.
pub fn origin(request: &HttpRequest, state: &AppState) -> Origin {
    let header =
        |name: &str| Origin::header_text(request.headers().get(name).and_then(|v| v.to_str().ok()));
    Origin {
        ip: client_address(request, state).map(|ip| ip.to_string()),
        user_agent: header("user-agent"),
        client_id: header("x-client-id"),
    }
}

/// Records a refused credential in the audit log (queued, written in the background) and
/// returns the refusal. Requests that carried no credentials at all are not recorded.
pub fn deny(
    state: &AppState,
    request: &HttpRequest,
    token_id: Option<i32>,
    error: ApiError,
    reason: &str,
) -> ApiError {
    if request.headers().contains_key(AUTHORIZATION) {
        let origin = origin(request, state);
        let method = request.method().as_str();
        return deny_from(
            state,
            &origin,
            method,
            request.path(),
            token_id,
            error,
            reason,
        );
    }
    error
}

/// `deny` for a refusal found away from the request (a GraphQL field).
pub fn deny_from(
    state: &AppState,
    origin: &Origin,
    method: &str,
    path: &str,
    token_id: Option<i32>,
    error: ApiError,
    reason: &str,
) -> ApiError {
    if error.status.is_client_error() {
        let path: String = path.chars().take(256).collect();
        state.audit.push(AuditEvent {
            at: state.clock.now(),
            event: events::TOKEN_DENIED,
            actor: token_id.map(|id| format!("token:{id}")),
            token_id,
            status: Some(error.status.as_u16()),
            origin: origin.clone(),
            details: json!({ "reason": reason, "method": method, "path": path }),
        });
    }
    error
}

/// The token's limits on this request: 403 from outside its `allowedIps`, 429 over its
/// `rateLimit`. Returns the client's address.
pub fn check_limits(
    state: &AppState,
    request: &HttpRequest,
    credential: &Credential,
) -> ApiResult<Option<IpAddr>> {
    let policy = &credential.policy;
    let ip = client_address(request, state);
    if !policy.allows_ip(ip) {
        tracing::info!(token = ?credential.source, client = ?ip, "token used from an address outside its allowlist");
        let error = ApiError::forbidden();
        return Err(deny(
            state,
            request,
            credential.stored_id(),
            error,
            "address not allowed",
        ));
    }
    // Only stored tokens carry limits (a configured one has the default policy).
    if let Some(rate) = policy.rate_limit
        && let Some(id) = credential.stored_id()
        && let Err(wait) = state.tokens.limiter.take(id, rate, Instant::now())
    {
        let error = ApiError::too_many_requests_for(wait);
        return Err(deny(state, request, Some(id), error, "rate limit"));
    }
    Ok(ip)
}

/// The stored token that `text` is, when its form says it is of a kind `accept`s: the form is
/// checked first (no lookup for a malformed token), then the cache, then the database.
pub async fn stored_credential(
    state: &web::Data<AppState>,
    text: &str,
    accept: fn(TokenKind) -> bool,
) -> ApiResult<Arc<Credential>> {
    let token = PlainToken::parse(text)
        .ok()
        .filter(|token| accept(token.kind()))
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

/// The checks every token meets before its limits: 401 past a previous secret's grace period,
/// 401 `Token expired` once expired.
pub fn check_expiry(
    state: &AppState,
    request: &HttpRequest,
    credential: &Credential,
    now: NaiveDateTime,
) -> ApiResult<()> {
    if credential.grace_is_over(now) {
        let error = ApiError::unauthorized();
        return Err(deny(
            state,
            request,
            credential.stored_id(),
            error,
            "previous secret past its grace period",
        ));
    }
    if credential.is_expired(now) {
        let error = ApiError::unauthorized_because("Token expired");
        return Err(deny(
            state,
            request,
            credential.stored_id(),
            error,
            "expired",
        ));
    }
    Ok(())
}
