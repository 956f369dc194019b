//! Vellum: a Strapi-compatible content API server whose heart is its token system.
//!
//! `AppState::init` opens the database and prepares it; `server` serves the HTTP surfaces
//! (`/api`, `/admin`, `/graphql`, `/_health`) on a listener. `main.rs` and the integration
//! tests use both. ARCHITECTURE.md maps the modules.

pub mod admin;
mod app;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod content;
pub mod db;
pub mod error;
pub mod http;
mod startup;
pub mod support;
pub mod tokens;

pub use app::{AppState, InitError};
pub use startup::{configure_malloc, server, server_with};
