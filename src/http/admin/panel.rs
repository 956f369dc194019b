//! The admin panel (`admin-ui/`), embedded in the binary: `GET /admin` is the page, and
//! `GET /admin/assets/{file}` its scripts and styles. Every answer carries a strict
//! Content-Security-Policy (no inline script, nothing from elsewhere, no framing).

use crate::error::ApiError;
use actix_web::{HttpResponse, ResponseError, web};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:literal) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_bytes!(concat!("../../../admin-ui/", $name)),
        }
    };
}

/// Every file of `admin-ui/` the panel needs (a test checks that none is missing).
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("api.js", "text/javascript; charset=utf-8"),
    asset!("dom.js", "text/javascript; charset=utf-8"),
    asset!("content.js", "text/javascript; charset=utf-8"),
    asset!("permissions.js", "text/javascript; charset=utf-8"),
    asset!("users.js", "text/javascript; charset=utf-8"),
    asset!("builder.js", "text/javascript; charset=utf-8"),
    asset!("playground.html", "text/html; charset=utf-8"),
    asset!("playground.js", "text/javascript; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
];

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn serve(name: &str) -> HttpResponse {
    let Some(asset) = ASSETS
        .iter()
        .find(|a| a.name == name && !a.name.ends_with(".html"))
    else {
        return ApiError::not_found("Not Found").error_response();
    };
    respond(asset)
}

fn respond(asset: &Asset) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header(("Content-Security-Policy", CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("Cache-Control", "no-cache"))
        .body(asset.body)
}

/// `GET /admin`: the panel's page.
pub async fn index() -> HttpResponse {
    respond(&ASSETS[0])
}

/// `GET /graphql` for a browser: the playground page, under the panel's policy.
pub(in crate::http) fn playground() -> HttpResponse {
    match ASSETS.iter().find(|a| a.name == "playground.html") {
        Some(page) => respond(page),
        None => ApiError::not_found("Not Found").error_response(),
    }
}

/// `GET /admin/assets/{file}`.
pub async fn asset(name: web::Path<String>) -> HttpResponse {
    serve(&name)
}

/// `GET /`: to the panel, as Strapi answers it (302, `Redirecting to /admin.`).
pub async fn home() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((actix_web::http::header::LOCATION, "/admin"))
        .content_type("text/html; charset=utf-8")
        .body("Redirecting to /admin.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_panel_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/admin-ui");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name != "README.md" {
                assert!(
                    ASSETS.iter().any(|a| a.name == name),
                    "{name} is not embedded"
                );
            }
        }
    }
}
