//! Actix extractors that turn a request into a principal (an admin session now; content and
//! admin tokens later), and the `Authorization` header parsing they share.

pub mod admin;
pub mod content;

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;

/// The token of `Authorization: Bearer <token>`, as Strapi reads it: the scheme in any case and
/// exactly two whitespace-separated parts; anything else carries no credentials.
pub fn bearer_token(request: &HttpRequest) -> Option<&str> {
    let value = request.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let mut parts = value.split_whitespace();
    let scheme = parts.next()?;
    let token = parts.next()?;
    (scheme.eq_ignore_ascii_case("bearer") && parts.next().is_none()).then_some(token)
}
