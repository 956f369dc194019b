//! Access tokens declared in configuration (`ACCESS_TOKENS_FILE`), Backstage's "external
//! access" model, for infrastructure that provisions its secrets itself. The file is a JSON list
//! of `{"subject", "token", "restrictions", "expiresAt"?}`, or, when its name ends in `.toml`, the
//! same entries as TOML `[[tokens]]` tables; each entry is checked at start, and a
//! bad one stops the start, named by its position and subject, never by its token. A token is
//! kept only as an HMAC under a key drawn at start, never written to the database, and
//! authenticates on `/api` as a custom token limited to its restrictions (actions such as
//! `api::article.article.find`, or content types such as `api::article.article` for all five of
//! their actions).

use crate::tokens::{Credential, Kind, Source, TokenType};
use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha512;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

/// The shortest token accepted.
pub const MIN_TOKEN_CHARS: usize = 8;

/// How `ACCESS_TOKENS_FILE` is written: JSON, or TOML when its name ends in `.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Json,
    Toml,
}

/// The entries of a TOML file (`[[tokens]]` tables) as the JSON list `parse` reads. Syntax
/// errors give the line and toml's message, never the text of the line (it may hold a token).
fn toml_document(text: &str) -> Result<Value, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |span| {
            text[..span.start.min(text.len())].lines().count().max(1)
        });
        format!("not valid TOML (line {line}: {})", e.message())
    })?;
    let mut table = table;
    match table.remove("tokens") {
        Some(tokens) if table.is_empty() => Ok(toml_to_json(tokens)),
        _ => Err(
            "must hold only `[[tokens]]` tables of {subject, token, restrictions, expiresAt?}"
                .into(),
        ),
    }
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(text) => Value::String(text),
        toml::Value::Integer(n) => Value::from(n),
        toml::Value::Float(x) => Value::from(x),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(at) => Value::String(at.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(key, value)| (key, toml_to_json(value)))
                .collect(),
        ),
    }
}

/// A configured token, without its secret.
#[derive(Debug)]
pub struct ConfiguredToken {
    /// Its 1-based position in the file: its id is `config-<position>`.
    pub position: usize,
    pub subject: String,
    /// As written in the file.
    pub restrictions: Vec<String>,
    pub credential: Arc<Credential>,
}

/// The configured tokens of one process.
pub struct ConfiguredTokens {
    mac: Hmac<Sha512>,
    by_hash: HashMap<Vec<u8>, usize>,
    pub tokens: Vec<ConfiguredToken>,
}

impl ConfiguredTokens {
    /// None configured.
    pub fn none() -> ConfiguredTokens {
        Self::with_key(&[0u8; 64])
    }

    fn with_key(key: &[u8]) -> ConfiguredTokens {
        ConfiguredTokens {
            mac: Hmac::<Sha512>::new_from_slice(key).expect("HMAC takes keys of any length"),
            by_hash: HashMap::new(),
            tokens: Vec::new(),
        }
    }

    /// Reads and checks `path`; `actions` and `types` are what the content types offer.
    pub fn load(
        path: &Path,
        actions: &BTreeSet<String>,
        types: &BTreeSet<String>,
    ) -> Result<ConfiguredTokens, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("ACCESS_TOKENS_FILE {}: {e}", path.display()))?;
        let format = match path.extension() {
            Some(e) if e.eq_ignore_ascii_case("toml") => FileFormat::Toml,
            _ => FileFormat::Json,
        };
        Self::parse(&text, format, actions, types)
            .map_err(|e| format!("ACCESS_TOKENS_FILE {}: {e}", path.display()))
    }

    /// Checks the file's text. Errors name the entry, never its token.
    pub fn parse(
        text: &str,
        format: FileFormat,
        actions: &BTreeSet<String>,
        types: &BTreeSet<String>,
    ) -> Result<ConfiguredTokens, String> {
        let document = match format {
            FileFormat::Toml => toml_document(text)?,
            // serde_json's syntax errors give a line and column, never the text around them.
            FileFormat::Json => {
                serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?
            }
        };
        let entries = document
            .as_array()
            .ok_or("must be a JSON list of {subject, token, restrictions, expiresAt?}")?;
        let mut key = [0u8; 64];
        getrandom::fill(&mut key).map_err(|_| "the operating system gave no randomness")?;
        let mut configured = Self::with_key(&key);
        for (index, entry) in entries.iter().enumerate() {
            let position = index + 1;
            let subject = entry
                .get("subject")
                .and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or("");
            let fail = |message: &str| -> String {
                if subject.is_empty() {
                    format!("entry {position}: {message}")
                } else {
                    format!("entry {position} (subject \"{subject}\"): {message}")
                }
            };
            let Some(fields) = entry.as_object() else {
                return Err(fail("must be an object"));
            };
            if let Some(unknown) = fields
                .keys()
                .find(|k| !["subject", "token", "restrictions", "expiresAt"].contains(&k.as_str()))
            {
                return Err(fail(&format!("unknown field `{unknown}`")));
            }
            if subject.is_empty() {
                return Err(fail("`subject` must be a non-empty string"));
            }
            let token = fields
                .get("token")
                .and_then(Value::as_str)
                .ok_or_else(|| fail("`token` must be a string"))?;
            if token.chars().count() < MIN_TOKEN_CHARS {
                return Err(fail(&format!(
                    "the token must have at least {MIN_TOKEN_CHARS} characters"
                )));
            }
            if token.chars().any(char::is_whitespace) {
                return Err(fail("the token must not contain whitespace"));
            }
            let restrictions: Vec<String> = fields
                .get("restrictions")
                .and_then(Value::as_array)
                .and_then(|list| {
                    list.iter()
                        .map(|r| r.as_str().map(str::to_string))
                        .collect()
                })
                .filter(|list: &Vec<String>| !list.is_empty())
                .ok_or_else(|| {
                    fail("`restrictions` must be a non-empty list of actions or content types")
                })?;
            let mut permissions = BTreeSet::new();
            for restriction in &restrictions {
                if actions.contains(restriction) {
                    permissions.insert(restriction.clone());
                } else if types.contains(restriction) {
                    let prefix = format!("{restriction}.");
                    permissions.extend(
                        actions
                            .iter()
                            .filter(|a| a.strip_prefix(&prefix).is_some_and(|r| !r.contains('.')))
                            .cloned(),
                    );
                } else {
                    return Err(fail(&format!(
                        "`{restriction}` is neither an action nor a content type"
                    )));
                }
            }
            let expires_at = match fields.get("expiresAt") {
                None | Some(Value::Null) => None,
                Some(value) => Some(
                    value
                        .as_str()
                        .and_then(crate::support::time::parse_datetime)
                        .ok_or_else(|| fail("`expiresAt` must be a date and time"))?,
                ),
            };
            let hash = configured.hash(token);
            if configured.by_hash.contains_key(&hash) {
                return Err(fail("the token is the same as an earlier entry's"));
            }
            configured.by_hash.insert(hash, configured.tokens.len());
            configured.tokens.push(ConfiguredToken {
                position,
                subject: subject.to_string(),
                restrictions,
                credential: Arc::new(Credential {
                    source: Source::Configured(position),
                    kind: Kind::Content,
                    token_type: TokenType::Custom,
                    permissions,
                    expires_at,
                    grace_until: None,
                    owner: None,
                    policy: Default::default(),
                }),
            });
        }
        Ok(configured)
    }

    fn hash(&self, token: &str) -> Vec<u8> {
        let mut mac = self.mac.clone();
        mac.update(token.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The credential of a presented token, found by its HMAC.
    pub fn find(&self, presented: &str) -> Option<Arc<Credential>> {
        if self.tokens.is_empty() {
            return None;
        }
        let index = self.by_hash.get(&self.hash(presented))?;
        Some(self.tokens[*index].credential.clone())
    }

    /// When each configured token expires (for expiry notices).
    pub fn expiries(&self) -> impl Iterator<Item = (&str, NaiveDateTime)> {
        self.tokens
            .iter()
            .filter_map(|t| t.credential.expires_at.map(|at| (t.subject.as_str(), at)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> (BTreeSet<String>, BTreeSet<String>) {
        let actions = ["find", "findOne", "create", "update", "delete"]
            .iter()
            .map(|a| format!("api::article.article.{a}"))
            .chain(["api::gadget.gadget.find".to_string()])
            .collect();
        let types = ["api::article.article", "api::gadget.gadget"]
            .iter()
            .map(|t| t.to_string())
            .collect();
        (actions, types)
    }

    fn parse(text: &str) -> Result<ConfiguredTokens, String> {
        let (actions, types) = known();
        ConfiguredTokens::parse(text, FileFormat::Json, &actions, &types)
    }

    fn parse_toml(text: &str) -> Result<ConfiguredTokens, String> {
        let (actions, types) = known();
        ConfiguredTokens::parse(text, FileFormat::Toml, &actions, &types)
    }

    #[test]
    fn toml_entries_are_read_like_json_ones() {
        let configured = parse_toml(
            r#"
[[tokens]]
subject = "ci"
token = "ci-secret-1"
restrictions = ["api::gadget.gadget.find"]

[[tokens]]
subject = "site"
token = "site-secret"
restrictions = ["api::article.article"]
expiresAt = 2030-01-01T00:00:00Z
"#,
        )
        .unwrap();
        assert!(
            configured
                .find("ci-secret-1")
                .unwrap()
                .allows("api::gadget.gadget.find")
        );
        let site = configured.find("site-secret").unwrap();
        assert_eq!(site.permissions.len(), 5);
        assert!(site.expires_at.is_some());
        let quoted = parse_toml(
            "[[tokens]]\nsubject = \"q\"\ntoken = \"quoted-date\"\nrestrictions = [\"api::article.article\"]\nexpiresAt = \"2030-01-01T00:00:00Z\"\n",
        )
        .unwrap();
        assert!(quoted.find("quoted-date").unwrap().expires_at.is_some());
    }

    #[test]
    fn bad_toml_is_named_without_its_text() {
        let unterminated =
            parse_toml("[[tokens]]\nsubject = \"a\"\ntoken = \"secret-unterminated\n")
                .err()
                .unwrap();
        assert!(
            unterminated.starts_with("not valid TOML (line 3"),
            "{unterminated}"
        );
        assert!(
            !unterminated.contains("secret-unterminated"),
            "{unterminated}"
        );
        let short = parse_toml("[[tokens]]\nsubject = \"a\"\ntoken = \"short\"\nrestrictions = [\"api::article.article\"]\n")
            .err()
            .unwrap();
        assert!(
            short.contains("entry 1 (subject \"a\"): the token must have at least 8"),
            "{short}"
        );
        let other = parse_toml("token = \"top-level-secret\"\n").err().unwrap();
        assert!(
            other.contains("[[tokens]]") && !other.contains("top-level-secret"),
            "{other}"
        );
    }

    #[test]
    fn entries_become_custom_credentials() {
        let configured = parse(
            r#"[{"subject": "ci", "token": "ci-secret-1", "restrictions": ["api::gadget.gadget.find"]},
                {"subject": "site", "token": "site-secret", "restrictions": ["api::article.article"],
                 "expiresAt": "2030-01-01T00:00:00Z"}]"#,
        )
        .unwrap();
        let ci = configured.find("ci-secret-1").unwrap();
        assert!(ci.allows("api::gadget.gadget.find"));
        assert!(!ci.allows("api::article.article.find"));
        let site = configured.find("site-secret").unwrap();
        assert_eq!(site.permissions.len(), 5);
        assert!(site.allows("api::article.article.delete"));
        assert!(site.expires_at.is_some());
        assert!(configured.find("site-secreT").is_none());
        assert!(configured.find("").is_none());
    }

    #[test]
    fn bad_entries_are_named_without_their_token() {
        let cases = [
            (r#"{}"#, "must be a JSON list"),
            (
                r#"[{"subject": "a", "token": "short", "restrictions": ["api::article.article"]}]"#,
                "entry 1 (subject \"a\"): the token must have at least 8",
            ),
            (
                r#"[{"subject": "b", "token": "has space inside", "restrictions": ["api::article.article"]}]"#,
                "must not contain whitespace",
            ),
            (
                r#"[{"subject": "c", "token": "secret-one", "restrictions": ["api::article.article"]}, {"subject": "d", "token": "secret-one", "restrictions": ["api::article.article"]}]"#,
                "entry 2 (subject \"d\"): the token is the same",
            ),
            (
                r#"[{"subject": "e", "token": "secret-two", "restrictions": []}]"#,
                "non-empty list",
            ),
            (
                r#"[{"subject": "f", "token": "secret-three", "restrictions": ["api::nope.nope"]}]"#,
                "neither an action",
            ),
            (
                r#"[{"subject": "g", "token": "secret-four", "restrictions": ["api::article.article"], "expiresAt": "soon"}]"#,
                "`expiresAt` must be",
            ),
            (
                r#"[{"token": "secret-five", "restrictions": ["api::article.article"]}]"#,
                "entry 1: `subject`",
            ),
            (
                r#"[{"subject": "h", "token": "secret-six", "restrictions": ["api::article.article"], "tokn": 1}]"#,
                "unknown field `tokn`",
            ),
            (
                r#"[{"subject": "i", "token": 12345678, "restrictions": ["api::article.article"]}]"#,
                "`token` must be a string",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(text)
                .err()
                .unwrap_or_else(|| panic!("accepted {text}"));
            assert!(error.contains(expected), "{error} ≠ {expected}");
            for secret in ["short", "has space inside", "secret-"] {
                assert!(!error.contains(secret), "{error} shows the token");
            }
        }
    }
}
