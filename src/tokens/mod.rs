//! The token domain, no HTTP: the format of tokens, the keys that hash and encrypt them, their
//! storage, and the cache and usage records that keep the request path free of database work.

pub mod cache;
pub mod configured;
pub mod format;
pub mod import;
pub mod keyring;
pub mod policy;
pub mod rules;
pub mod service;
mod store;

pub use rules::{TokenChanges, TokenDraft};

use crate::tokens::policy::TokenPolicy;
use chrono::NaiveDateTime;
use std::collections::BTreeSet;

/// Strapi's lifespans in milliseconds: 7, 30 and 90 days (or none: unlimited).
pub const LIFESPANS: [i64; 3] = [604_800_000, 2_592_000_000, 7_776_000_000];

/// What a content token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    /// `find` and `findOne` of every content type.
    ReadOnly,
    /// Every content action.
    FullAccess,
    /// Exactly the listed actions.
    Custom,
}

impl TokenType {
    pub fn parse(name: &str) -> Option<TokenType> {
        match name {
            "read-only" => Some(TokenType::ReadOnly),
            "full-access" => Some(TokenType::FullAccess),
            "custom" => Some(TokenType::Custom),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::ReadOnly => "read-only",
            TokenType::FullAccess => "full-access",
            TokenType::Custom => "custom",
        }
    }
}

/// A stored token, without any secret.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub id: i32,
    pub kind: Kind,
    pub name: String,
    pub description: String,
    pub token_type: TokenType,
    pub permissions: BTreeSet<String>,
    pub policy: TokenPolicy,
    /// The admin who owns an admin token (`None` for content tokens).
    pub owner: Option<i32>,
    pub encrypted_key: Option<String>,
    pub lifespan: Option<i64>,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Until when the previous secret of a regeneration with a grace period is accepted.
    pub grace_until: Option<NaiveDateTime>,
}

impl TokenRecord {
    /// Whether the token has expired (or was revoked) at `now`.
    pub fn is_expired(&self, now: NaiveDateTime) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// Where a credential comes from: a stored token (its id), or the `ACCESS_TOKENS_FILE` entry at
/// a position (which has no row: no use to record, no id to name in the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Stored(i32),
    Configured(usize),
}

/// What authorizing a request needs to know of a token; cached on the request path.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    pub source: Source,
    pub kind: Kind,
    pub token_type: TokenType,
    pub permissions: BTreeSet<String>,
    pub expires_at: Option<NaiveDateTime>,
    /// Set when the credential was found by a previous secret: the end of its grace period.
    pub grace_until: Option<NaiveDateTime>,
    pub policy: TokenPolicy,
    /// The owner of an admin token.
    pub owner: Option<i32>,
}

impl Credential {
    pub fn of(record: &TokenRecord) -> Credential {
        Credential {
            source: Source::Stored(record.id),
            kind: record.kind,
            token_type: record.token_type,
            permissions: record.permissions.clone(),
            expires_at: record.expires_at,
            grace_until: None,
            policy: record.policy.clone(),
            owner: record.owner,
        }
    }

    /// The stored token's id; `None` for a configured token.
    pub fn stored_id(&self) -> Option<i32> {
        match self.source {
            Source::Stored(id) => Some(id),
            Source::Configured(_) => None,
        }
    }

    /// Whether a previous secret's grace period is over.
    pub fn grace_is_over(&self, now: NaiveDateTime) -> bool {
        self.grace_until.is_some_and(|end| end <= now)
    }

    pub fn is_expired(&self, now: NaiveDateTime) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// Whether the token may perform `action` (`api::article.article.find`). Read-only is
    /// decided by the action's name, as Strapi does.
    pub fn allows(&self, action: &str) -> bool {
        match self.token_type {
            TokenType::FullAccess => true,
            TokenType::ReadOnly => action.ends_with(".find") || action.ends_with(".findOne"),
            TokenType::Custom => self.permissions.contains(action),
        }
    }
}

/// Which routes a stored token is for, stored as Strapi's `kind` column: content-API tokens
/// (`vct_`, `/api` only) or admin tokens (`vat_`, `/admin` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Content,
    Admin,
}

impl Kind {
    /// The column's (and Strapi's) text.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Content => "content-api",
            Kind::Admin => "admin",
        }
    }

    /// The kind a column holds. Rows are written only by `store`; a damaged one reads as a
    /// content token, which no `/admin` route accepts.
    pub fn from_column(text: &str) -> Kind {
        match text {
            "admin" => Kind::Admin,
            _ => Kind::Content,
        }
    }

    /// The text format of this kind's secrets.
    pub fn format(self) -> format::TokenKind {
        match self {
            Kind::Content => format::TokenKind::Content,
            Kind::Admin => format::TokenKind::Admin,
        }
    }
}

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(token_type: TokenType, permissions: &[&str]) -> Credential {
        Credential {
            source: Source::Stored(1),
            kind: Kind::Content,
            token_type,
            permissions: permissions.iter().map(|p| p.to_string()).collect(),
            expires_at: None,
            grace_until: None,
            policy: TokenPolicy::default(),
            owner: None,
        }
    }

    #[test]
    fn allows_follows_the_type() {
        let read_only = credential(TokenType::ReadOnly, &[]);
        assert!(read_only.allows("api::article.article.find"));
        assert!(read_only.allows("api::article.article.findOne"));
        assert!(!read_only.allows("api::article.article.create"));
        assert!(credential(TokenType::FullAccess, &[]).allows("api::article.article.delete"));
        let custom = credential(TokenType::Custom, &["api::article.article.find"]);
        assert!(custom.allows("api::article.article.find"));
        assert!(!custom.allows("api::article.article.findOne"));
    }
}
