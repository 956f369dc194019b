//! Importing tokens exported from Strapi (`strapi_api_tokens` and their permissions). Only the
//! HMAC is imported; with Strapi's salt listed in `API_TOKEN_SALT_PREVIOUS`, the clients' existing
//! 256-hex keys keep working and are re-hashed under Vellum's salt on first use.
//!
//! Accepted: a list of token rows, or `{"tokens": [...], "permissions": [...]}`. A row has
//! `name`, `type`, `access_key` (or `accessKey`), and optionally `description`, `lifespan`,
//! `expires_at` (or `expiresAt`) and `permissions` (a list of actions); a permission row has
//! `action` and `token_id` (or `api_token_id`, `token`).

use crate::db::DbConnection;
use crate::tokens::keyring::TokenHash;
use crate::tokens::service::TokenError;
use crate::tokens::store::{self, NewToken};
use crate::tokens::{Kind, TokenType};
use chrono::NaiveDateTime;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The salt version recorded for imported hashes (the salt itself is not known here).
pub const IMPORTED_SALT_VERSION: &str = "strapi";

/// One token read from an export.
#[derive(Debug, Clone)]
pub struct Imported {
    pub source_id: Option<i64>,
    pub token: NewToken,
}

fn field<'a>(row: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|name| row.get(*name))
        .filter(|v| !v.is_null())
}

/// Reads an export; any problem names the row.
pub fn parse(document: &Value) -> Result<Vec<Imported>, String> {
    let (rows, permission_rows) = match document {
        Value::Array(rows) => (rows.as_slice(), &[][..]),
        Value::Object(object) => (
            object
                .get("tokens")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .ok_or("the export has no `tokens` list")?,
            object
                .get("permissions")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        ),
        _ => return Err("the export must be a list of tokens or an object with `tokens`".into()),
    };
    let mut by_token: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for (i, row) in permission_rows.iter().enumerate() {
        let id = field(row, &["token_id", "api_token_id", "token"]).and_then(Value::as_i64);
        let action = field(row, &["action"]).and_then(Value::as_str);
        match (id, action) {
            (Some(id), Some(action)) => {
                by_token.entry(id).or_default().insert(action.to_string());
            }
            _ => return Err(format!("permissions[{i}]: needs `action` and `token_id`")),
        }
    }
    rows.iter()
        .enumerate()
        .map(|(i, row)| parse_row(i, row, &by_token))
        .collect()
}

fn parse_row(
    i: usize,
    row: &Value,
    by_token: &BTreeMap<i64, BTreeSet<String>>,
) -> Result<Imported, String> {
    let at = |message: &str| format!("tokens[{i}]: {message}");
    let name = field(row, &["name"])
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.chars().count() <= 255)
        .ok_or_else(|| at("`name` is missing or not a string of 1 to 255 characters"))?;
    let token_type = field(row, &["type"])
        .and_then(Value::as_str)
        .map_or(Some(TokenType::ReadOnly), TokenType::parse)
        .ok_or_else(|| at("`type` must be read-only, full-access or custom"))?;
    let hash = field(row, &["access_key", "accessKey"])
        .and_then(Value::as_str)
        .and_then(TokenHash::from_stored)
        .ok_or_else(|| at("`access_key` must be the 128-hex HMAC Strapi stores"))?;
    let lifespan = match field(row, &["lifespan"]) {
        None => None,
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(text)) => {
            Some(text.parse().map_err(|_| at("`lifespan` is not a number"))?)
        }
        Some(_) => return Err(at("`lifespan` is not a number")),
    };
    let expires_at = match field(row, &["expires_at", "expiresAt"]) {
        None => None,
        Some(value) => Some(
            value
                .as_str()
                .and_then(crate::support::time::parse_datetime)
                .ok_or_else(|| at("`expires_at` is not a date-time"))?,
        ),
    };
    let source_id = field(row, &["id"]).and_then(Value::as_i64);
    let mut permissions: BTreeSet<String> = field(row, &["permissions"])
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(listed) = source_id.and_then(|id| by_token.get(&id)) {
        permissions.extend(listed.iter().cloned());
    }
    if token_type != TokenType::Custom {
        permissions.clear();
    }
    Ok(Imported {
        source_id,
        token: NewToken {
            kind: Kind::Content,
            name: name.to_string(),
            description: field(row, &["description"])
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string(),
            token_type,
            permissions,
            policy: Default::default(),
            owner: None,
            lifespan,
            expires_at,
            hash,
            salt_version: IMPORTED_SALT_VERSION.into(),
            encrypted_key: None,
        },
    })
}

/// Stores the imported tokens; each name's outcome, in order (a taken name is skipped).
pub fn store_all(
    conn: &mut DbConnection,
    imported: Vec<Imported>,
    now: NaiveDateTime,
) -> Vec<(String, Result<(), TokenError>)> {
    imported
        .into_iter()
        .map(|item| {
            let name = item.token.name.clone();
            let stored = store::create(conn, item.token, now).map(|_| ());
            (name, stored.map_err(TokenError::from))
        })
        .collect()
}
