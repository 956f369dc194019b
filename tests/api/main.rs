//! Vellum's integration tests, in one binary: a module per area, over real HTTP on loopback
//! (and the real binary where a test needs a process), on SQLite or, with `TEST_DATABASE_URL`,
//! PostgreSQL. `common` starts servers and binaries and holds the shared assertions.

mod common;

mod admin_admin_tokens;
mod admin_auth;
mod admin_content_manager;
mod admin_content_types;
mod admin_tokens;
mod admin_ui;
mod audit;
mod cli_tokens;
mod content_api;
mod content_auth;
mod content_filter_property;
mod crash;
mod graphql;
mod hostile;
mod layers;
mod readme;
mod relations;
mod relations_property;
mod server;
