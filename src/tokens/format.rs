//! The text of a token: `vct_` (content) or `vat_` (admin), 43 base62 characters of OS
//! randomness (256 bits), and a 6-character base62 CRC32 of everything before it, so that
//! secret scanners can recognise our tokens and a mistyped one is refused without a lookup.
//! Strapi's keys (256 lower-case hex characters) are accepted as legacy content tokens.

use std::fmt;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SECRET_CHARS: usize = 43;
const CHECKSUM_CHARS: usize = 6;
const PREFIX_CHARS: usize = 4;
/// The length of a Vellum token.
pub const TOKEN_LENGTH: usize = PREFIX_CHARS + SECRET_CHARS + CHECKSUM_CHARS;
const LEGACY_LENGTH: usize = 256;

/// What a token's text says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `vct_…`: for `/api`.
    Content,
    /// `vat_…`: for `/admin`.
    Admin,
    /// A key imported from Strapi: a content token.
    Legacy,
}

impl TokenKind {
    pub fn prefix(self) -> &'static str {
        match self {
            TokenKind::Content => "vct_",
            TokenKind::Admin => "vat_",
            TokenKind::Legacy => "",
        }
    }
}

/// A token in plain text. It is made only by generating or parsing, shows its text only
/// through `expose`, and never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainToken {
    text: String,
    kind: TokenKind,
}

impl fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlainToken({:?}, ***)", self.kind)
    }
}

/// Why a text is not a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatError {
    UnknownPrefix,
    BadLength,
    BadCharacter,
    BadChecksum,
    NoRandomness,
}

impl PlainToken {
    /// A new token of `kind` (`Content` or `Admin`) from the operating system's randomness.
    pub fn generate(kind: TokenKind) -> Result<PlainToken, FormatError> {
        let mut text = String::with_capacity(TOKEN_LENGTH);
        text.push_str(kind.prefix());
        let mut buffer = [0u8; 64];
        while text.len() < PREFIX_CHARS + SECRET_CHARS {
            getrandom::fill(&mut buffer).map_err(|_| FormatError::NoRandomness)?;
            // Rejection sampling keeps each character uniform (248 = 4 × 62).
            for byte in buffer.iter().filter(|b| **b < 248) {
                if text.len() == PREFIX_CHARS + SECRET_CHARS {
                    break;
                }
                text.push(ALPHABET[usize::from(*byte) % 62] as char);
            }
        }
        let checksum = checksum(&text);
        text.push_str(&checksum);
        Ok(PlainToken { text, kind })
    }

    /// Checks a presented token's form without any I/O: prefix, length, alphabet, checksum.
    pub fn parse(text: &str) -> Result<PlainToken, FormatError> {
        if text.len() == LEGACY_LENGTH {
            return if text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                Ok(PlainToken {
                    text: text.to_string(),
                    kind: TokenKind::Legacy,
                })
            } else {
                Err(FormatError::BadCharacter)
            };
        }
        let kind = if text.starts_with("vct_") {
            TokenKind::Content
        } else if text.starts_with("vat_") {
            TokenKind::Admin
        } else {
            return Err(FormatError::UnknownPrefix);
        };
        if text.len() != TOKEN_LENGTH {
            return Err(FormatError::BadLength);
        }
        if !text.is_ascii() {
            return Err(FormatError::BadCharacter);
        }
        let (body, sum) = text.split_at(TOKEN_LENGTH - CHECKSUM_CHARS);
        if !body[PREFIX_CHARS..]
            .bytes()
            .chain(sum.bytes())
            .all(|b| b.is_ascii_alphanumeric())
        {
            return Err(FormatError::BadCharacter);
        }
        if checksum(body) != sum {
            return Err(FormatError::BadChecksum);
        }
        Ok(PlainToken {
            text: text.to_string(),
            kind,
        })
    }

    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The text, for the one place that shows it (a create or regenerate answer) and for
    /// hashing and encrypting.
    pub fn expose(&self) -> &str {
        &self.text
    }
}

/// CRC32 of `text` in 6 base62 characters, zero-padded.
fn checksum(text: &str) -> String {
    let mut value = u64::from(crc32fast::hash(text.as_bytes()));
    let mut digits = [b'0'; CHECKSUM_CHARS];
    for digit in digits.iter_mut().rev() {
        *digit = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8_lossy(&digits).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_then_parse_round_trips() {
        let token = PlainToken::generate(TokenKind::Content).unwrap();
        assert!(token.expose().starts_with("vct_"));
        assert_eq!(token.expose().len(), TOKEN_LENGTH);
        assert_eq!(PlainToken::parse(token.expose()).unwrap(), token);
        let other = PlainToken::generate(TokenKind::Content).unwrap();
        assert_ne!(token, other);
        assert_eq!(format!("{token:?}"), "PlainToken(Content, ***)");
    }

    #[test]
    fn parse_refuses_wrong_forms() {
        let token = PlainToken::generate(TokenKind::Admin).unwrap();
        let text = token.expose();
        assert_eq!(PlainToken::parse(text).unwrap().kind(), TokenKind::Admin);
        assert_eq!(
            PlainToken::parse("xyz_abc"),
            Err(FormatError::UnknownPrefix)
        );
        assert_eq!(PlainToken::parse(&text[..50]), Err(FormatError::BadLength));
        let mut typo = text.to_string().into_bytes();
        typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
        assert_eq!(
            PlainToken::parse(std::str::from_utf8(&typo).unwrap()),
            Err(FormatError::BadChecksum)
        );
        assert_eq!(
            PlainToken::parse(&"a".repeat(256)).unwrap().kind(),
            TokenKind::Legacy
        );
        assert_eq!(
            PlainToken::parse(&"g".repeat(256)),
            Err(FormatError::BadCharacter)
        );
        let wide = format!("vct_{}é", "a".repeat(TOKEN_LENGTH - 6));
        assert_eq!(PlainToken::parse(&wide), Err(FormatError::BadCharacter));
    }

    proptest::proptest! {
        /// Any single-character change to a token is refused by its form alone, before any
        /// lookup: CRC32 detects every error within one byte, and the prefix is checked too.
        #[test]
        fn any_single_character_change_is_refused(position in 0usize..TOKEN_LENGTH, replacement in 0u8..128) {
            let token = PlainToken::generate(TokenKind::Content).unwrap();
            let mut bytes = token.expose().as_bytes().to_vec();
            proptest::prop_assume!(bytes[position] != replacement);
            bytes[position] = replacement;
            let changed = String::from_utf8(bytes).unwrap();
            proptest::prop_assert!(PlainToken::parse(&changed).is_err(), "{} accepted", changed);
        }
    }
}
