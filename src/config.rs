//! Configuration: every environment variable Vellum reads, typed, in one place.
//! `.env.example` documents the same names for people.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the development secrets are kept between starts.
pub const DEV_SECRETS_FILE: &str = "data/secrets.env";

/// The secrets that must never change silently between starts: generated once in development.
/// `ENCRYPTION_KEY` among them, as Strapi generates one for new projects, so that a newcomer
/// can view the default tokens; in production it stays the operator's choice.
const GENERATED_SECRETS: [&str; 3] = ["API_TOKEN_SALT", "ADMIN_JWT_SECRET", "ENCRYPTION_KEY"];

/// `development` generates missing secrets; `production` refuses to start without them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// A secret value whose `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret's text, for the code that keys a MAC or a cipher with it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Limits against abusive GraphQL documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphqlLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_batch: usize,
    pub introspection: bool,
}

/// The whole configuration of one Vellum process.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub database_url: String,
    pub database_pool_size: u32,
    pub content_types_dir: PathBuf,
    pub api_token_salt: Secret,
    pub api_token_salt_previous: Vec<Secret>,
    pub admin_jwt_secret: Secret,
    pub admin_jwt_expires_in: Duration,
    /// How long a verified token is trusted without asking the database: the bound within which
    /// another instance's change to a token is seen.
    pub token_cache_ttl: Duration,
    pub encryption_key: Option<Secret>,
    pub encryption_key_previous: Vec<Secret>,
    /// A JSON list of access tokens declared in configuration (`tokens::configured`).
    pub access_tokens_file: Option<std::path::PathBuf>,
    /// Proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`, addresses or CIDR
    /// ranges); no one's by default.
    pub trusted_proxies: Vec<crate::support::net::IpNet>,
    /// How long audit events are kept (`AUDIT_LOG_RETENTION`, 90 days by default; `0` keeps
    /// them forever).
    pub audit_log_retention: Option<Duration>,
    pub api_rest_default_limit: u32,
    pub api_rest_max_limit: u32,
    /// How deep `populate` may nest (`API_REST_MAX_POPULATE_DEPTH`, 10 by default): deeper is
    /// refused with 400.
    pub api_rest_max_populate_depth: u32,
    pub max_body_bytes: usize,
    /// Limits of `/graphql` (`GRAPHQL_MAX_DEPTH`, `GRAPHQL_MAX_COMPLEXITY`, `GRAPHQL_MAX_BATCH`,
    /// `GRAPHQL_INTROSPECTION`).
    pub graphql: GraphqlLimits,
    /// Whether `GET /graphql` serves a playground to browsers (`GRAPHQL_PLAYGROUND`; on in
    /// development).
    pub graphql_playground: bool,
    pub environment: Environment,
}

/// A configuration that cannot be used; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment (after `.env` has been loaded by the caller).
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(|name| std::env::var(name).ok(), Path::new(DEV_SECRETS_FILE))
    }

    /// Builds the configuration from any variable source; `secrets_file` is where development
    /// secrets are generated and kept.
    pub fn from_vars(
        lookup: impl Fn(&str) -> Option<String>,
        secrets_file: &Path,
    ) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let environment = match get("VELLUM_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(ConfigError(format!(
                    "VELLUM_ENV must be `development` or `production`, not `{other}`"
                )));
            }
        };

        let generated = match environment {
            Environment::Development if GENERATED_SECRETS.iter().any(|n| get(n).is_none()) => {
                load_or_generate_secrets(secrets_file)?
            }
            _ => Vec::new(),
        };
        let given_or_generated = |name: &str| {
            get(name).or_else(|| {
                generated
                    .iter()
                    .find(|(key, _)| key == name)
                    .map(|(_, value)| value.clone())
            })
        };
        let secret = |name: &str| -> Result<Secret, ConfigError> {
            given_or_generated(name).map(Secret).ok_or_else(|| {
                ConfigError(format!(
                    "{name} is required when VELLUM_ENV=production; set it to a long random string"
                ))
            })
        };

        let default_limit =
            parse_number(get("API_REST_DEFAULT_LIMIT"), "API_REST_DEFAULT_LIMIT", 25)?;
        let max_limit = parse_number(get("API_REST_MAX_LIMIT"), "API_REST_MAX_LIMIT", 100)?;
        if default_limit == 0 || max_limit == 0 {
            return Err(ConfigError(
                "API_REST_DEFAULT_LIMIT and API_REST_MAX_LIMIT must be at least 1".into(),
            ));
        }

        Ok(Config {
            host: get("HOST").unwrap_or_else(|| "127.0.0.1".into()),
            port: parse_number(get("PORT"), "PORT", 1337)?,
            database_url: get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/vellum.db".into()),
            database_pool_size: parse_number(get("DATABASE_POOL_SIZE"), "DATABASE_POOL_SIZE", 10)?
                .max(1),
            content_types_dir: get("CONTENT_TYPES_DIR")
                .unwrap_or_else(|| "content-types".into())
                .into(),
            api_token_salt: secret("API_TOKEN_SALT")?,
            api_token_salt_previous: split_list(get("API_TOKEN_SALT_PREVIOUS")),
            admin_jwt_secret: secret("ADMIN_JWT_SECRET")?,
            admin_jwt_expires_in: parse_duration(
                get("ADMIN_JWT_EXPIRES_IN"),
                "ADMIN_JWT_EXPIRES_IN",
            )?
            .filter(|d| !d.is_zero())
            .unwrap_or(Duration::from_secs(30 * 86_400)),
            token_cache_ttl: parse_duration(get("TOKEN_CACHE_TTL"), "TOKEN_CACHE_TTL")?
                .unwrap_or(Duration::from_secs(1)),
            encryption_key: given_or_generated("ENCRYPTION_KEY").map(Secret),
            encryption_key_previous: split_list(get("ENCRYPTION_KEY_PREVIOUS")),
            trusted_proxies: get("TRUSTED_PROXIES")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(|part| {
                    crate::support::net::IpNet::parse(part).ok_or_else(|| {
                        ConfigError(format!(
                            "TRUSTED_PROXIES: `{part}` is not an IP address or CIDR range"
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
            access_tokens_file: get("ACCESS_TOKENS_FILE")
                .filter(|path| !path.trim().is_empty())
                .map(std::path::PathBuf::from),
            audit_log_retention: match parse_duration(
                get("AUDIT_LOG_RETENTION"),
                "AUDIT_LOG_RETENTION",
            )? {
                None => Some(Duration::from_secs(90 * 86_400)),
                Some(d) if d.is_zero() => None,
                Some(d) => Some(d),
            },
            api_rest_default_limit: default_limit.min(max_limit),
            api_rest_max_limit: max_limit,
            api_rest_max_populate_depth: match parse_number(
                get("API_REST_MAX_POPULATE_DEPTH"),
                "API_REST_MAX_POPULATE_DEPTH",
                10u32,
            )? {
                0 => {
                    return Err(ConfigError(
                        "API_REST_MAX_POPULATE_DEPTH must be at least 1".into(),
                    ));
                }
                depth => depth,
            },
            max_body_bytes: parse_number(get("MAX_BODY_BYTES"), "MAX_BODY_BYTES", 1024 * 1024)?,
            graphql: GraphqlLimits {
                max_depth: parse_number(get("GRAPHQL_MAX_DEPTH"), "GRAPHQL_MAX_DEPTH", 10)?,
                max_complexity: parse_number(
                    get("GRAPHQL_MAX_COMPLEXITY"),
                    "GRAPHQL_MAX_COMPLEXITY",
                    1000,
                )?,
                max_batch: parse_number(get("GRAPHQL_MAX_BATCH"), "GRAPHQL_MAX_BATCH", 10)?,
                introspection: flag(
                    get("GRAPHQL_INTROSPECTION"),
                    "GRAPHQL_INTROSPECTION",
                    environment == Environment::Development,
                )?,
            },
            graphql_playground: flag(
                get("GRAPHQL_PLAYGROUND"),
                "GRAPHQL_PLAYGROUND",
                environment == Environment::Development,
            )?,
            environment,
        })
    }

    /// `host:port` for binding.
    pub fn listen_address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

fn parse_number<T: std::str::FromStr>(
    value: Option<String>,
    name: &str,
    default: T,
) -> Result<T, ConfigError> {
    match value {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("{name} must be a whole number, not `{text}`"))),
    }
}

/// An optional duration variable (see `duration`).
fn parse_duration(value: Option<String>, name: &str) -> Result<Option<Duration>, ConfigError> {
    let Some(text) = value else {
        return Ok(None);
    };
    duration(&text).map(Some).ok_or_else(|| {
        ConfigError(format!(
            "{name} must be a duration such as 3600, 500ms, 30m, 12h or 30d, not `{}`",
            text.trim()
        ))
    })
}

/// A duration written as seconds (`3600`) or with a unit: `250ms`, `45s`, `30m`, `12h`, `30d`
/// (at most ten years).
pub fn duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let milliseconds = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    let amount = digits.parse::<u64>().ok()?;
    (amount <= 3_650 * 86_400_000 / milliseconds)
        .then(|| Duration::from_millis(amount * milliseconds))
}

fn split_list(value: Option<String>) -> Vec<Secret> {
    value
        .map(|text| {
            text.split(',')
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(|part| Secret(part.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads `secrets_file`, adding any missing generated secret to it (created with mode 0600),
/// so that a development server keeps the same salt and JWT secret across restarts.
fn load_or_generate_secrets(secrets_file: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let unreadable = |e: std::io::Error| {
        ConfigError(format!(
            "cannot use secrets file {}: {e}",
            secrets_file.display()
        ))
    };
    let mut entries: Vec<(String, String)> = match std::fs::read_to_string(secrets_file) {
        Ok(text) => text
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(unreadable(e)),
    };
    let missing: Vec<&str> = GENERATED_SECRETS
        .iter()
        .copied()
        .filter(|name| !entries.iter().any(|(key, _)| key == name))
        .collect();
    if missing.is_empty() {
        return Ok(entries);
    }
    for name in missing {
        entries.push((name.to_string(), random_secret()?));
    }
    if let Some(parent) = secrets_file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(unreadable)?;
    }
    let text: String = entries
        .iter()
        .map(|(key, value)| format!("{key}={value}\n"))
        .collect();
    write_private_file(secrets_file, &text).map_err(unreadable)?;
    tracing::info!(file = %secrets_file.display(), "generated development secrets");
    Ok(entries)
}

#[cfg(unix)]
fn write_private_file(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // `mode` only applies on creation; an existing file is tightened too.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private_file(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// 32 bytes from the operating system, hex encoded.
fn random_secret() -> Result<String, ConfigError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ConfigError(format!("the operating system gave no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// A true/false setting (`true`/`1`, `false`/`0`); `default` when unset.
fn flag(value: Option<String>, name: &str, default: bool) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::trim) {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(other) => Err(ConfigError(format!(
            "{name} must be true or false, not `{other}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_duration_accepts_units_and_rejects_garbage() {
        let parse = |text: &str| parse_duration(Some(text.into()), "X").map(Option::unwrap);
        assert_eq!(parse("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse("2d").unwrap(), Duration::from_secs(172_800));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("0").unwrap(), Duration::ZERO);
        assert!(parse("5w").is_err());
        assert!(parse("h").is_err());
        assert!(parse("99999999999999d").is_err());
    }

    #[test]
    fn secret_debug_is_redacted() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }
}
