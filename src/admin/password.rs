//! Admin passwords: Strapi's strength rule, and argon2id hashing.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Longer passwords are refused so that hashing cost stays bounded.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Every way `password` breaks the rule (at least 8 characters, a lower-case letter, an
/// upper-case letter and a digit), as Strapi words them; empty when it is acceptable.
pub fn rule_failures(password: &str) -> Vec<&'static str> {
    let mut failures = Vec::new();
    if password.chars().count() < 8 {
        failures.push("password must be at least 8 characters");
    }
    if password.len() > MAX_PASSWORD_BYTES {
        failures.push("password must be at most 1024 bytes");
    }
    if !password.chars().any(char::is_lowercase) {
        failures.push("password must contain at least one lowercase character");
    }
    if !password.chars().any(char::is_uppercase) {
        failures.push("password must contain at least one uppercase character");
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        failures.push("password must contain at least one number");
    }
    failures
}

/// The PHC string (`$argon2id$v=19$…`) of `password` under a fresh random salt.
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| format!("password hashing failed: {e}"))
}

/// Whether `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so that an unknown email costs as much
/// time as a wrong password and the two cannot be told apart.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy-Password-1").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_lists_each_failure() {
        assert!(rule_failures("Abcdefg1").is_empty());
        assert_eq!(
            rule_failures("abc"),
            vec![
                "password must be at least 8 characters",
                "password must contain at least one uppercase character",
                "password must contain at least one number",
            ]
        );
    }

    #[test]
    fn hash_then_verify() {
        let stored = hash("Secret-pass1").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("Secret-pass1", &stored));
        assert!(!verify("Secret-pass2", &stored));
        assert!(!verify("Secret-pass1", "not a hash"));
    }
}
