//! The token system as the rest of Vellum uses it: issuing, regenerating, viewing, and
//! verifying a presented token (cache first, then the database under each salt).

use crate::audit::{AuditEvent, AuditQueue, Origin, events};
use crate::config::Config;
use crate::db::DbConnection;
use crate::tokens::cache::{TokenCache, UsageRecorder};
use crate::tokens::configured::ConfiguredTokens;
use crate::tokens::format::{PlainToken, TokenKind};
use crate::tokens::keyring::{CipherRing, SaltRing};
use crate::tokens::policy::{RateLimiter, TokenPolicy};
use crate::tokens::rules;
use crate::tokens::store::{self, NewToken, StoreError};
use crate::tokens::{Credential, Kind, TokenChanges, TokenDraft, TokenRecord, TokenType};
use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The token system of one process.
pub struct Tokens {
    /// Tokens declared in `ACCESS_TOKENS_FILE` (none unless set).
    pub configured: ConfiguredTokens,
    pub salts: SaltRing,
    pub ciphers: CipherRing,
    pub cache: TokenCache,
    pub usage: UsageRecorder,
    /// The request allowance of tokens with a `rateLimit`.
    pub limiter: RateLimiter,
}

/// Who changes a token, from where: the actor of the change's audit event (`admin:<id>`,
/// `token:<id>`, `cli`).
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub origin: Origin,
}

impl Actor {
    /// The command line, run by whoever holds the database.
    pub fn cli() -> Actor {
        Actor {
            name: "cli".into(),
            origin: Origin::default(),
        }
    }
}

/// What a token change is made in: who makes it, when, and the audit log that records it with
/// the change (in the same transaction).
pub struct Change<'a> {
    pub actor: Actor,
    pub audit: &'a AuditQueue,
    pub now: NaiveDateTime,
}

impl Change<'_> {
    fn record(
        &self,
        conn: &mut DbConnection,
        event: &'static str,
        id: i32,
        details: Value,
    ) -> QueryResult<()> {
        let event = AuditEvent {
            at: self.now,
            event,
            actor: Some(self.actor.name.clone()),
            token_id: Some(id),
            status: None,
            origin: self.actor.origin.clone(),
            details,
        };
        self.audit.record(conn, event)
    }
}

/// Why a token change was refused.
#[derive(Debug)]
pub enum TokenError {
    /// A field breaks a rule of `rules`, in Strapi's words.
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The type and the permissions disagree, or a permission is unknown (Strapi's message).
    Permissions(String),
    NameTaken,
    /// The token has expired (or was revoked): its expiry stays as it is.
    ExpiryFixed,
    NotFound,
    /// The operating system gave no randomness for a secret.
    NoRandomness,
    Database(diesel::result::Error),
}

impl From<StoreError> for TokenError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NameTaken => TokenError::NameTaken,
            StoreError::Database(error) => TokenError::Database(error),
        }
    }
}

impl From<diesel::result::Error> for TokenError {
    fn from(error: diesel::result::Error) -> Self {
        TokenError::Database(error)
    }
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Invalid { field, message } => write!(f, "{field}: {message}"),
            TokenError::Permissions(message) => f.write_str(message),
            TokenError::NameTaken => f.write_str("Name already taken"),
            TokenError::ExpiryFixed => {
                f.write_str("The expiry of an expired or revoked token cannot be changed")
            }
            TokenError::NotFound => f.write_str("API Token not found"),
            TokenError::NoRandomness => f.write_str("the operating system gave no randomness"),
            TokenError::Database(error) => write!(f, "database: {error}"),
        }
    }
}

impl Tokens {
    pub fn new(config: &Config) -> Tokens {
        Tokens {
            configured: ConfiguredTokens::none(),
            salts: SaltRing::new(&config.api_token_salt, &config.api_token_salt_previous),
            ciphers: CipherRing::new(
                config.encryption_key.as_ref(),
                &config.encryption_key_previous,
            ),
            cache: TokenCache::new(config.token_cache_ttl),
            usage: UsageRecorder::default(),
            limiter: RateLimiter::default(),
        }
    }

    /// Runs a change and the audit event it records in one transaction (both or neither), then
    /// clears the verified cache: after the commit, so that no request caches what the change
    /// replaced. Inside a larger change (an admin's deletion), the cache is cleared before that
    /// one commits; the owner's check on use refuses such a token meanwhile.
    fn atomically<T>(
        &self,
        conn: &mut DbConnection,
        work: impl FnOnce(&mut DbConnection) -> Result<T, TokenError>,
    ) -> Result<T, TokenError> {
        let done = crate::db::exclusive(conn, "api_tokens", work)?;
        self.cache.clear();
        Ok(done)
    }

    fn generate(kind: TokenKind) -> Result<PlainToken, TokenError> {
        PlainToken::generate(kind).map_err(|_| TokenError::NoRandomness)
    }

    /// The token `id`, when it is of `kind` (each kind's callers never reach the other's).
    pub fn find_of_kind(
        &self,
        conn: &mut DbConnection,
        id: i32,
        kind: Kind,
    ) -> QueryResult<Option<TokenRecord>> {
        Ok(store::find(conn, id)?.filter(|record| record.kind == kind))
    }

    /// Creates a token from a draft that meets the rules (`TokenDraft::check`, against the
    /// `catalogue` of actions its kind offers), with its `token.created` event; returns it with
    /// its plain text, shown this once.
    pub fn create(
        &self,
        conn: &mut DbConnection,
        change: &Change,
        draft: TokenDraft,
        catalogue: &BTreeSet<String>,
    ) -> Result<(TokenRecord, PlainToken), TokenError> {
        draft.check(change.now, catalogue)?;
        self.atomically(conn, |conn| {
            let (record, token) = self.issue(conn, draft, change.now)?;
            let details = json!({"kind": record.kind, "name": record.name});
            change.record(conn, events::TOKEN_CREATED, record.id, details)?;
            Ok((record, token))
        })
    }

    /// Changes a token's fields when the change meets the rules (`TokenChanges::check`,
    /// against the `catalogue` of actions its kind offers), with its `token.updated` event
    /// naming `fields` (never their values).
    pub fn update(
        &self,
        conn: &mut DbConnection,
        change: &Change,
        record: &TokenRecord,
        changes: TokenChanges,
        fields: Vec<String>,
        catalogue: &BTreeSet<String>,
    ) -> Result<TokenRecord, TokenError> {
        changes.check(record, change.now, catalogue)?;
        self.atomically(conn, |conn| {
            let updated = store::update(conn, record.id, changes, change.now)?;
            let details = json!({"kind": record.kind, "fields": fields});
            change.record(conn, events::TOKEN_UPDATED, record.id, details)?;
            updated.ok_or(TokenError::NotFound)
        })
    }

    /// Expires a token now, keeping its row (for the audit trail), with its `token.revoked`
    /// event.
    pub fn revoke(
        &self,
        conn: &mut DbConnection,
        change: &Change,
        record: &TokenRecord,
    ) -> Result<TokenRecord, TokenError> {
        if record.is_expired(change.now) {
            return Err(TokenError::ExpiryFixed);
        }
        let changes = TokenChanges {
            expires_at: Some(Some(change.now)),
            ..TokenChanges::default()
        };
        self.atomically(conn, |conn| {
            let revoked = store::update(conn, record.id, changes, change.now)?;
            let details = json!({"kind": record.kind});
            change.record(conn, events::TOKEN_REVOKED, record.id, details)?;
            revoked.ok_or(TokenError::NotFound)
        })
    }

    /// Ends a grace period now: the previous secret stops working.
    pub fn end_grace(
        &self,
        conn: &mut DbConnection,
        change: &Change,
        record: &TokenRecord,
    ) -> Result<TokenRecord, TokenError> {
        self.atomically(conn, |conn| {
            store::end_grace(conn, record.id)?;
            let details = json!({"kind": record.kind, "fields": ["previousSecret"]});
            change.record(conn, events::TOKEN_UPDATED, record.id, details)?;
            self.find_of_kind(conn, record.id, record.kind)?
                .ok_or(TokenError::NotFound)
        })
    }

    /// A new secret for a token, with its `token.regenerated` event (see `replace_secret`);
    /// a grace period is at most `rules::MAX_GRACE_SECONDS`.
    pub fn regenerate(
        &self,
        conn: &mut DbConnection,
        change: &Change,
        record: &TokenRecord,
        grace: Option<chrono::Duration>,
    ) -> Result<PlainToken, TokenError> {
        if grace.is_some_and(|grace| !rules::grace_allowed(grace.num_seconds())) {
            return Err(TokenError::Invalid {
                field: "gracePeriod",
                message: rules::GRACE_REFUSED.into(),
            });
        }
        self.atomically(conn, |conn| {
            let token = self
                .replace_secret(conn, record.id, change.now, grace)?
                .ok_or(TokenError::NotFound)?;
            let details =
                json!({"kind": record.kind, "gracePeriod": grace.map(|g| g.num_seconds())});
            change.record(conn, events::TOKEN_REGENERATED, record.id, details)?;
            Ok(token)
        })
    }

    /// Deletes a token, with its `token.deleted` event; `None` when it was already gone.
    pub fn delete(
        &self,
        conn: &mut DbConnection,
        change: &Change,
        record: &TokenRecord,
    ) -> Result<Option<TokenRecord>, TokenError> {
        self.atomically(conn, |conn| {
            let deleted = store::delete(conn, record.id)?;
            let details = json!({"kind": record.kind});
            change.record(conn, events::TOKEN_DELETED, record.id, details)?;
            Ok(deleted)
        })
    }

    /// Deletes every admin token of `owner` (whose account is being deleted), each with its
    /// `token.deleted` event; how many there were.
    pub fn delete_owned_by(
        &self,
        conn: &mut DbConnection,
        change: &Change,
        owner: i32,
    ) -> Result<usize, TokenError> {
        let owned: Vec<TokenRecord> = store::list(conn, Kind::Admin)?
            .into_iter()
            .filter(|record| record.owner == Some(owner))
            .collect();
        for record in &owned {
            self.delete(conn, change, record)?;
        }
        Ok(owned.len())
    }

    /// A token's secret when it is viewable, with its `token.viewed` event.
    pub fn reveal(
        &self,
        conn: &mut DbConnection,
        change: &Change,
        record: &TokenRecord,
    ) -> QueryResult<Option<PlainToken>> {
        let key = self.view(conn, record);
        if key.is_some() {
            change.record(
                conn,
                events::TOKEN_VIEWED,
                record.id,
                json!({"kind": record.kind}),
            )?;
        }
        Ok(key)
    }

    /// Creates a token; returns it with its plain text, shown this once.
    fn issue(
        &self,
        conn: &mut DbConnection,
        request: TokenDraft,
        now: NaiveDateTime,
    ) -> Result<(TokenRecord, PlainToken), TokenError> {
        let kind = match request.owner {
            Some(_) => Kind::Admin,
            None => Kind::Content,
        };
        let token = Self::generate(kind.format())?;
        let expires_at = request.expires_at.or_else(|| {
            request
                .lifespan
                .map(|ms| now + chrono::Duration::milliseconds(ms))
        });
        let record = store::create(
            conn,
            NewToken {
                kind,
                name: request.name,
                description: request.description,
                token_type: request.token_type,
                permissions: request.permissions.unwrap_or_default(),
                policy: request.policy,
                owner: request.owner,
                lifespan: request.lifespan,
                expires_at,
                hash: self.salts.current.hash(&token),
                salt_version: self.salts.current.version.clone(),
                encrypted_key: self.ciphers.encrypt(&token),
            },
            now,
        )?;
        self.cache.clear();
        Ok((record, token))
    }

    /// A new secret (of the token's kind) for a token; `None` for an unknown id. The old secret
    /// stops working at once, as in Strapi, or keeps working for `grace` (then at most two
    /// secrets are active). The expiry does not change.
    fn replace_secret(
        &self,
        conn: &mut DbConnection,
        id: i32,
        now: NaiveDateTime,
        grace: Option<chrono::Duration>,
    ) -> Result<Option<PlainToken>, TokenError> {
        let Some(record) = store::find(conn, id)? else {
            return Ok(None);
        };
        let token = Self::generate(record.kind.format())?;
        let encrypted = self.ciphers.encrypt(&token);
        let changed = store::replace_secret(
            conn,
            id,
            &self.salts.current.hash(&token),
            &self.salts.current.version,
            encrypted.as_deref(),
            now,
            grace.map(|grace| now + grace),
        )?;
        self.cache.clear();
        Ok(changed.then_some(token))
    }

    /// The plain text of a stored token when viewable tokens are on and its ciphertext opens;
    /// a ciphertext under an older key is re-encrypted under the current one.
    pub fn view(&self, conn: &mut DbConnection, record: &TokenRecord) -> Option<PlainToken> {
        let decrypted = self.ciphers.decrypt(record.encrypted_key.as_deref()?)?;
        if decrypted.stale
            && let Some(fresh) = self.ciphers.encrypt(&decrypted.token)
            && let Err(error) = store::set_encrypted(conn, record.id, &fresh)
        {
            tracing::warn!(token_id = record.id, error = %error, "could not re-encrypt a token");
        }
        Some(decrypted.token)
    }

    /// The stored token a presented one names: under the current salt, else under each previous
    /// salt (and then re-hashed to the current one, so the old salt can later be dropped).
    pub fn find(
        &self,
        conn: &mut DbConnection,
        token: &PlainToken,
    ) -> QueryResult<Option<Credential>> {
        let current = self.salts.current.hash(token);
        if let Some(record) = store::find_by_hash(conn, &current)? {
            return Ok(Some(Credential::of(&record)));
        }
        for salt in &self.salts.previous {
            if let Some(record) = store::find_by_hash(conn, &salt.hash(token))? {
                store::rehash(conn, record.id, &current, &self.salts.current.version)?;
                tracing::info!(
                    token_id = record.id,
                    "token re-hashed under the current salt"
                );
                return Ok(Some(Credential::of(&record)));
            }
        }
        // A secret replaced by a regeneration with a grace period.
        Ok(
            store::find_by_previous_hash(conn, &current)?.map(|(record, until)| Credential {
                grace_until: Some(until),
                ..Credential::of(&record)
            }),
        )
    }

    /// Every token of `kind`, by name, with the uses that are due written first.
    pub fn list(&self, conn: &mut DbConnection, kind: Kind) -> QueryResult<Vec<TokenRecord>> {
        self.flush_usage(conn)?;
        store::list(conn, kind)
    }

    /// Writes the last uses that are due (from the background flusher and before admin reads).
    pub fn flush_usage(&self, conn: &mut DbConnection) -> QueryResult<()> {
        self.write_usage(conn, self.usage.take_due())
    }

    /// Writes every pending last use (at shutdown).
    pub fn flush_all_usage(&self, conn: &mut DbConnection) -> QueryResult<()> {
        self.write_usage(conn, self.usage.take_all())
    }

    /// Writes uses; those not written (the database failed) go back to be tried again.
    fn write_usage(
        &self,
        conn: &mut DbConnection,
        uses: Vec<(i32, NaiveDateTime, Option<String>)>,
    ) -> QueryResult<()> {
        let mut uses = uses.into_iter();
        while let Some((id, at, ip)) = uses.next() {
            if let Err(error) = store::set_last_used(conn, id, at, ip.as_deref()) {
                self.usage.restore(id, at, ip);
                for (id, at, ip) in uses {
                    self.usage.restore(id, at, ip);
                }
                return Err(error);
            }
        }
        Ok(())
    }

    /// Logs a warning for each token that expires within a week (at start, then daily).
    pub fn warn_expiring(&self, conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<()> {
        let soon = now + chrono::Duration::days(7);
        let mut records = store::list(conn, Kind::Content)?;
        records.extend(store::list(conn, Kind::Admin)?);
        for record in records {
            if let Some(at) = record.expires_at.filter(|at| *at > now && *at <= soon) {
                tracing::warn!(
                    token_id = record.id,
                    token = %record.name,
                    expires_at = %crate::clock::iso(at),
                    "API token expires within 7 days"
                );
            }
        }
        for (subject, at) in self.configured.expiries() {
            if at > now && at <= soon {
                tracing::warn!(
                    subject = %subject,
                    expires_at = %crate::clock::iso(at),
                    "configured access token expires within 7 days"
                );
            }
        }
        Ok(())
    }

    /// Strapi's two default tokens, on a fresh install only: `no_admin` (the caller knows the
    /// admins) and no token yet.
    pub fn create_defaults_if_fresh(
        &self,
        conn: &mut DbConnection,
        now: NaiveDateTime,
        no_admin: bool,
    ) -> Result<(), TokenError> {
        if !no_admin || store::count(conn)? > 0 {
            return Ok(());
        }
        for (name, description, token_type) in [
            (
                "Read Only",
                "A default API token with read-only permissions, only used for accessing resources",
                TokenType::ReadOnly,
            ),
            (
                "Full Access",
                "A default API token with full access permissions, used for accessing or modifying resources",
                TokenType::FullAccess,
            ),
        ] {
            let request = TokenDraft {
                owner: None,
                name: name.into(),
                description: description.into(),
                token_type,
                permissions: None,
                lifespan: None,
                expires_at: None,
                policy: TokenPolicy::default(),
            };
            match self.issue(conn, request, now) {
                Ok(_) | Err(TokenError::NameTaken) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}
