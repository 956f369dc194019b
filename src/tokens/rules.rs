//! The rules a new or changed token's fields must meet, in Strapi's words: one set for the
//! admin routes and the command line, so that the two cannot differ. The edges read the
//! fields (a JSON body, arguments) and report a broken rule their own way.

use crate::tokens::LIFESPANS;
use chrono::NaiveDateTime;

/// The longest token name (the column is unbounded; this keeps names displayable).
pub const MAX_NAME_CHARS: usize = 255;

/// Strapi's refusal of a lifespan that is not one of its three (its list starts with the
/// empty "no lifespan").
pub const LIFESPAN_REFUSED: &str =
    "lifespan must be one of the following values: , 604800000, 2592000000, 7776000000";

/// The refusal of an explicit expiry that is not ahead.
pub const EXPIRY_REFUSED: &str = "expiresAt must be a date-time in the future";

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

    #[test]
    fn lifespans_are_strapis_three() {
        assert!(LIFESPANS.iter().all(|ms| lifespan_allowed(*ms)));
        assert!(!lifespan_allowed(5));
    }
}
