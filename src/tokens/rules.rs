//! What a new token and a change to one are made of (`TokenDraft`, `TokenChanges`), and the
//! rules their fields must meet, in Strapi's words: one set for the admin routes and the
//! command line, so that the two cannot differ. The edges read the fields (a JSON body,
//! arguments) and may report a broken rule their own way first; the token service checks every
//! draft and change again (`TokenDraft::check`, `TokenChanges::check`) before it stores it.

use crate::tokens::policy::{IpNet, TokenPolicy};
use crate::tokens::service::TokenError;
use crate::tokens::{LIFESPANS, TokenRecord, TokenType};
use chrono::NaiveDateTime;
use std::collections::BTreeSet;

/// The longest token name (the column is unbounded; this keeps names displayable).
pub const MAX_NAME_CHARS: usize = 255;

/// Strapi's refusal of a lifespan that is not one of its three (its list starts with the
/// empty "no lifespan").
pub const LIFESPAN_REFUSED: &str =
    "lifespan must be one of the following values: , 604800000, 2592000000, 7776000000";

/// The refusal of an explicit expiry that is not ahead.
pub const EXPIRY_REFUSED: &str = "expiresAt must be a date-time in the future";

/// The refusal of both a lifespan and an explicit expiry.
pub const LIFESPAN_OR_EXPIRY: &str = "use either lifespan or expiresAt, not both";

/// The longest grace period a regeneration may give the previous secret, in seconds.
pub const MAX_GRACE_SECONDS: i64 = 30 * 86_400;

/// The refusal of a grace period out of bounds.
pub const GRACE_REFUSED: &str = "gracePeriod must be a number of seconds from 1 to 2592000";

/// A name or description as stored: trimmed.
pub fn trimmed(text: &str) -> String {
    text.trim().to_string()
}

/// What a (trimmed) name breaks, in Strapi's order: an empty one two rules at once.
pub fn name_problems(name: &str) -> Vec<String> {
    if name.is_empty() {
        vec![
            "name must be at least 1 characters".into(),
            "name is a required field".into(),
        ]
    } else if name.chars().count() > MAX_NAME_CHARS {
        vec![format!("name must be at most {MAX_NAME_CHARS} characters")]
    } else {
        Vec::new()
    }
}

/// Whether `ms` is one of Strapi's lifespans.
pub fn lifespan_allowed(ms: i64) -> bool {
    LIFESPANS.contains(&ms)
}

/// Whether an explicit expiry may be set at `now`.
pub fn expiry_allowed(at: NaiveDateTime, now: NaiveDateTime) -> bool {
    at > now
}

/// Whether a regeneration may keep the previous secret working for `seconds`.
pub fn grace_allowed(seconds: i64) -> bool {
    (1..=MAX_GRACE_SECONDS).contains(&seconds)
}

/// Strapi's rules between a token's type and its permissions; `catalogue` is every action a
/// token of its kind may be given. The error is Strapi's message.
pub fn check_permissions(
    token_type: TokenType,
    permissions: Option<&BTreeSet<String>>,
    catalogue: &BTreeSet<String>,
) -> Result<(), String> {
    match (token_type, permissions) {
        (TokenType::Custom, None) => Err("Missing permissions attribute for custom token".into()),
        (TokenType::Custom, Some(asked)) => {
            let unknown: Vec<&str> = asked
                .iter()
                .filter(|action| !catalogue.contains(*action))
                .map(String::as_str)
                .collect();
            if unknown.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "Unknown permissions provided: {}",
                    unknown.join(", ")
                ))
            }
        }
        (_, Some(asked)) if !asked.is_empty() => {
            Err("Non-custom tokens should not reference permissions".into())
        }
        _ => Ok(()),
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> TokenError {
    TokenError::Invalid {
        field,
        message: message.into(),
    }
}

fn check_name(name: &str) -> Result<(), TokenError> {
    let problems = name_problems(name);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid("name", problems.join("; ")))
    }
}

/// What a new token is made of: a content token, or an admin token when it has an owner (then
/// `permissions` are admin actions).
#[derive(Debug, Clone)]
pub struct TokenDraft {
    /// The admin who owns an admin token; `None` for a content token.
    pub owner: Option<i32>,
    /// Trimmed (see `trimmed`).
    pub name: String,
    pub description: String,
    pub token_type: TokenType,
    /// The actions of a custom token (`None`: not given, which a custom token may not be).
    pub permissions: Option<BTreeSet<String>>,
    /// One of Strapi's `LIFESPANS`, in milliseconds.
    pub lifespan: Option<i64>,
    /// An explicit expiry, instead of one from `lifespan`.
    pub expires_at: Option<NaiveDateTime>,
    pub policy: TokenPolicy,
}

impl TokenDraft {
    /// The first rule the draft breaks at `now`, given the actions its kind offers.
    pub fn check(
        &self,
        now: NaiveDateTime,
        catalogue: &BTreeSet<String>,
    ) -> Result<(), TokenError> {
        check_name(&self.name)?;
        if self.lifespan.is_some_and(|ms| !lifespan_allowed(ms)) {
            return Err(invalid("lifespan", LIFESPAN_REFUSED));
        }
        if self.expires_at.is_some_and(|at| !expiry_allowed(at, now)) {
            return Err(invalid("expiresAt", EXPIRY_REFUSED));
        }
        if self.lifespan.is_some() && self.expires_at.is_some() {
            return Err(invalid("expiresAt", LIFESPAN_OR_EXPIRY));
        }
        check_permissions(self.token_type, self.permissions.as_ref(), catalogue)
            .map_err(TokenError::Permissions)
    }
}

/// A change to a token's editable fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TokenChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub token_type: Option<TokenType>,
    pub permissions: Option<BTreeSet<String>>,
    /// A new expiry (`Some(None)`: never).
    pub expires_at: Option<Option<NaiveDateTime>>,
    /// New allowed ranges (`Some(vec![])`: anywhere).
    pub allowed_ips: Option<Vec<IpNet>>,
    /// A new rate limit (`Some(None)`: none).
    pub rate_limit: Option<Option<u32>>,
}

impl TokenChanges {
    /// The first rule the change of `record` breaks at `now`, given the actions its kind
    /// offers: the type and permissions it would end with are checked together, a custom
    /// token keeping its permissions unless new ones are given.
    pub fn check(
        &self,
        record: &TokenRecord,
        now: NaiveDateTime,
        catalogue: &BTreeSet<String>,
    ) -> Result<(), TokenError> {
        if let Some(name) = &self.name {
            check_name(name)?;
        }
        if let Some(Some(at)) = self.expires_at
            && !expiry_allowed(at, now)
        {
            return Err(invalid("expiresAt", EXPIRY_REFUSED));
        }
        let token_type = self.token_type.unwrap_or(record.token_type);
        let permissions = match (&self.permissions, token_type) {
            (Some(asked), _) => Some(asked),
            (None, TokenType::Custom) if record.token_type == TokenType::Custom => {
                Some(&record.permissions)
            }
            (None, _) => None,
        };
        check_permissions(token_type, permissions, catalogue).map_err(TokenError::Permissions)?;
        if self.expires_at.is_some() && record.is_expired(now) {
            return Err(TokenError::ExpiryFixed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(trimmed("  ci  "), "ci");
        assert_eq!(name_problems("").len(), 2);
        assert!(name_problems("ci").is_empty());
        assert!(name_problems(&"é".repeat(MAX_NAME_CHARS)).is_empty());
        assert_eq!(
            name_problems(&"x".repeat(MAX_NAME_CHARS + 1)),
            ["name must be at most 255 characters"]
        );
    }

    fn draft(token_type: TokenType, permissions: Option<&[&str]>) -> TokenDraft {
        TokenDraft {
            owner: None,
            name: "ci".into(),
            description: String::new(),
            token_type,
            permissions: permissions.map(|p| p.iter().map(|a| a.to_string()).collect()),
            lifespan: None,
            expires_at: None,
            policy: TokenPolicy::default(),
        }
    }

    fn refusal(result: Result<(), TokenError>) -> String {
        result.expect_err("refused").to_string()
    }

    fn at(text: &str) -> NaiveDateTime {
        crate::support::time::parse_datetime(text).unwrap()
    }

    #[test]
    fn drafts_meet_strapis_rules() {
        let now = at("2026-01-01T00:00:00Z");
        let catalogue: BTreeSet<String> = ["api::a.a.find".to_string()].into();
        assert!(
            draft(TokenType::ReadOnly, None)
                .check(now, &catalogue)
                .is_ok()
        );
        let find = Some(&["api::a.a.find"][..]);
        assert!(
            draft(TokenType::Custom, find)
                .check(now, &catalogue)
                .is_ok()
        );
        let cases = [
            (
                TokenDraft {
                    name: String::new(),
                    ..draft(TokenType::ReadOnly, None)
                },
                "name: name must be at least 1 characters; name is a required field",
            ),
            (
                TokenDraft {
                    lifespan: Some(5),
                    ..draft(TokenType::ReadOnly, None)
                },
                LIFESPAN_REFUSED,
            ),
            (
                TokenDraft {
                    expires_at: Some(now),
                    ..draft(TokenType::ReadOnly, None)
                },
                EXPIRY_REFUSED,
            ),
            (
                TokenDraft {
                    lifespan: Some(LIFESPANS[0]),
                    expires_at: Some(at("2026-02-01T00:00:00Z")),
                    ..draft(TokenType::ReadOnly, None)
                },
                LIFESPAN_OR_EXPIRY,
            ),
            (
                draft(TokenType::Custom, None),
                "Missing permissions attribute for custom token",
            ),
            (
                draft(TokenType::Custom, Some(&["api::b.b.find"])),
                "Unknown permissions provided: api::b.b.find",
            ),
            (
                draft(TokenType::FullAccess, find),
                "Non-custom tokens should not reference permissions",
            ),
        ];
        for (draft, expected) in cases {
            let refused = refusal(draft.check(now, &catalogue));
            assert!(refused.ends_with(expected), "{refused} / {expected}");
        }
    }

    #[test]
    fn changes_are_checked_against_what_the_token_ends_with() {
        let now = at("2026-01-01T00:00:00Z");
        let catalogue: BTreeSet<String> = ["api::a.a.find".to_string()].into();
        let record = |token_type, expires_at| TokenRecord {
            id: 1,
            kind: crate::tokens::Kind::Content,
            name: "ci".into(),
            description: String::new(),
            token_type,
            permissions: ["api::a.a.find".to_string()].into(),
            policy: TokenPolicy::default(),
            owner: None,
            encrypted_key: None,
            lifespan: None,
            expires_at,
            last_used_at: None,
            created_at: now,
            updated_at: now,
            grace_until: None,
        };
        let custom = record(TokenType::Custom, None);
        // A custom token keeps its permissions when none are given.
        let rename = TokenChanges {
            name: Some("other".into()),
            ..TokenChanges::default()
        };
        assert!(rename.check(&custom, now, &catalogue).is_ok());
        let to_custom = TokenChanges {
            token_type: Some(TokenType::Custom),
            ..TokenChanges::default()
        };
        assert!(to_custom.check(&custom, now, &catalogue).is_ok());
        let read_only = record(TokenType::ReadOnly, None);
        assert_eq!(
            refusal(to_custom.check(&read_only, now, &catalogue)),
            "Missing permissions attribute for custom token"
        );
        let empty_name = TokenChanges {
            name: Some(String::new()),
            ..TokenChanges::default()
        };
        assert!(refusal(empty_name.check(&custom, now, &catalogue)).starts_with("name: "));
        // An expired token's expiry stays, whatever it is asked to become.
        let expired = record(TokenType::ReadOnly, Some(now));
        let never = TokenChanges {
            expires_at: Some(None),
            ..TokenChanges::default()
        };
        assert!(matches!(
            never.check(&expired, now, &catalogue),
            Err(TokenError::ExpiryFixed)
        ));
        assert!(never.check(&read_only, now, &catalogue).is_ok());
    }

    #[test]
    fn grace_periods_are_bounded() {
        assert!(grace_allowed(1) && grace_allowed(MAX_GRACE_SECONDS));
        assert!(!grace_allowed(0) && !grace_allowed(MAX_GRACE_SECONDS + 1));
        assert!(GRACE_REFUSED.ends_with(&format!("from 1 to {MAX_GRACE_SECONDS}")));
    }

    #[test]
    fn lifespans_are_strapis_three() {
        assert!(LIFESPANS.iter().all(|ms| lifespan_allowed(*ms)));
        assert!(!lifespan_allowed(5));
    }
}
