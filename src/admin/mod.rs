//! The admin domain, no HTTP: admin users and their passwords, roles and their permission
//! actions, and the sessions behind admin JWTs.

pub mod login_limit;
pub mod password;
pub mod roles;
pub mod sessions;
pub mod users;
