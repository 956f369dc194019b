//! What turns a request into a principal (an admin session, a content-API token), and the
//! `Authorization` header parsing they share.

pub mod admin;
pub mod content;

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;

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
