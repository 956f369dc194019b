//! The Admin API (`/admin`) and the panel, a file per area: sign-in and the caller
//! (`auth`), admin users and roles (`users`), content-API tokens (`api_tokens`) and admin tokens
//! (`admin_tokens`) over what both kinds share (`tokens`), admin permissions as Strapi writes
//! them (`grants`), the audit log (`audit_logs`), the
//! content manager and the content-type builder, and the panel's files (`panel`).

pub(super) mod admin_tokens;
pub(super) mod api_tokens;
pub(super) mod audit_logs;
pub(super) mod auth;
pub(super) mod content_manager;
pub(super) mod content_types;
mod grants;
pub(in crate::http) mod panel;
pub(super) mod tokens;
pub(super) mod users;
