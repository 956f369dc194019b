//! The keys of the token system: HMAC salts (the current one and older ones still accepted) and
//! AES-256-GCM keys for viewable tokens (the current one and older ones still readable). Each
//! key is known by a short fingerprint stored beside what it produced.

use crate::config::Secret;
use crate::tokens::format::PlainToken;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};
use std::fmt;

/// HMAC-SHA512 of a token under one salt, as 128 hex characters (Strapi's `accessKey`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// A hash as Strapi stores one (128 hex characters, any case), e.g. from an export.
    pub fn from_stored(hex: &str) -> Option<TokenHash> {
        (hex.len() == 128 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| TokenHash(hex.to_ascii_lowercase()))
    }

    /// The hash as the column holds it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", &self.0[..self.0.len().min(8)])
    }
}

/// 16 hex characters naming a key without revealing it.
fn fingerprint(purpose: &str, secret: &str) -> String {
    let digest = Sha256::new()
        .chain_update(purpose.as_bytes())
        .chain_update(secret.as_bytes())
        .finalize();
    hex::encode(&digest[..8])
}

/// One HMAC salt.
#[derive(Clone)]
pub struct Salt {
    mac: Hmac<Sha512>,
    pub version: String,
}

impl Salt {
    fn new(secret: &Secret) -> Salt {
        Salt {
            mac: Hmac::<Sha512>::new_from_slice(secret.expose().as_bytes())
                .expect("HMAC takes keys of any length"),
            version: fingerprint("salt", secret.expose()),
        }
    }

    pub fn hash(&self, token: &PlainToken) -> TokenHash {
        let mut mac = self.mac.clone();
        mac.update(token.expose().as_bytes());
        TokenHash(hex::encode(mac.finalize().into_bytes()))
    }
}

/// The current salt and the previous ones (`API_TOKEN_SALT`, `API_TOKEN_SALT_PREVIOUS`).
#[derive(Clone)]
pub struct SaltRing {
    pub current: Salt,
    pub previous: Vec<Salt>,
}

impl SaltRing {
    pub fn new(current: &Secret, previous: &[Secret]) -> SaltRing {
        SaltRing {
            current: Salt::new(current),
            previous: previous
                .iter()
                .filter(|salt| *salt != current)
                .map(Salt::new)
                .collect(),
        }
    }
}

/// One AES-256-GCM key: SHA-256 of the configured text, as Strapi derives it.
#[derive(Clone)]
struct CipherKey {
    cipher: Aes256Gcm,
    version: String,
}

impl CipherKey {
    fn new(secret: &Secret) -> CipherKey {
        let digest: [u8; 32] = Sha256::digest(secret.expose().as_bytes()).into();
        let key = Key::<Aes256Gcm>::from(digest);
        CipherKey {
            cipher: Aes256Gcm::new(&key),
            version: fingerprint("encryption", secret.expose()),
        }
    }
}

/// The encryption keys (`ENCRYPTION_KEY`, `ENCRYPTION_KEY_PREVIOUS`); empty when tokens are
/// shown once only.
#[derive(Clone, Default)]
pub struct CipherRing {
    current: Option<CipherKey>,
    previous: Vec<CipherKey>,
}

/// A decrypted token, and whether it was stored under an older key (and should be re-encrypted).
pub struct Decrypted {
    pub token: PlainToken,
    pub stale: bool,
}

impl CipherRing {
    pub fn new(current: Option<&Secret>, previous: &[Secret]) -> CipherRing {
        CipherRing {
            current: current.map(CipherKey::new),
            previous: previous
                .iter()
                .filter(|key| Some(*key) != current)
                .map(CipherKey::new)
                .collect(),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.current.is_some()
    }

    /// `v1:<key version>:<nonce hex>:<ciphertext and tag hex>` under the current key, with a
    /// fresh random nonce; `None` when no key is configured.
    pub fn encrypt(&self, token: &PlainToken) -> Option<String> {
        let key = self.current.as_ref()?;
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).ok()?;
        let sealed = key
            .cipher
            .encrypt(&Nonce::from(nonce), token.expose().as_bytes())
            .ok()?;
        Some(format!(
            "v1:{}:{}:{}",
            key.version,
            hex::encode(nonce),
            hex::encode(sealed)
        ))
    }

    /// The token a stored ciphertext holds, if a configured key opens it. Anything else (no
    /// key, an unknown key, a damaged text, a failed tag) gives `None`, never an error.
    pub fn decrypt(&self, stored: &str) -> Option<Decrypted> {
        let mut parts = stored.split(':');
        let (Some("v1"), Some(version), Some(nonce), Some(sealed), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let current = self.current.as_ref()?;
        let key = std::iter::once(current)
            .chain(&self.previous)
            .find(|key| key.version == version)?;
        let nonce: [u8; 12] = hex::decode(nonce).ok()?.try_into().ok()?;
        let plain = key
            .cipher
            .decrypt(&Nonce::from(nonce), hex::decode(sealed).ok()?.as_slice())
            .ok()?;
        let token = PlainToken::parse(std::str::from_utf8(&plain).ok()?).ok()?;
        Some(Decrypted {
            token,
            stale: key.version != current.version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::format::TokenKind;

    #[test]
    fn hash_is_strapi_hmac_sha512_hex() {
        let salt = Salt::new(&Secret::new("salt"));
        let token = PlainToken::parse(&"ab".repeat(128)).unwrap();
        let hash = salt.hash(&token);
        assert_eq!(hash.0.len(), 128);
        let mut mac = Hmac::<Sha512>::new_from_slice(b"salt").unwrap();
        mac.update("ab".repeat(128).as_bytes());
        assert_eq!(hash.0, hex::encode(mac.finalize().into_bytes()));
    }

    #[test]
    fn encrypt_then_decrypt_and_rotate() {
        let token = PlainToken::generate(TokenKind::Content).unwrap();
        let old = CipherRing::new(Some(&Secret::new("old key")), &[]);
        let sealed = old.encrypt(&token).unwrap();
        assert!(sealed.starts_with("v1:"));
        assert_ne!(
            old.encrypt(&token).unwrap(),
            sealed,
            "fresh nonce each time"
        );
        let opened = old.decrypt(&sealed).unwrap();
        assert_eq!(opened.token, token);
        assert!(!opened.stale);
        let rotated = CipherRing::new(Some(&Secret::new("new key")), &[Secret::new("old key")]);
        let opened = rotated.decrypt(&sealed).unwrap();
        assert_eq!(opened.token, token);
        assert!(opened.stale);
        let other = CipherRing::new(Some(&Secret::new("other")), &[]);
        assert!(other.decrypt(&sealed).is_none());
        let mut damaged = sealed.clone();
        damaged.pop();
        damaged.push(if sealed.ends_with('0') { '1' } else { '0' });
        assert!(old.decrypt(&damaged).is_none());
        assert!(old.decrypt("garbage").is_none());
        assert!(CipherRing::default().encrypt(&token).is_none());
    }
}
