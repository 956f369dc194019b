//! API tokens in the database: one row each (name unique, HMAC unique), and one row per action
//! of a custom token.

use crate::db::DbConnection;
use crate::db::schema::{api_token_owners, api_token_permissions, api_token_policies, api_tokens};
use crate::tokens::TokenChanges;
use crate::tokens::keyring::TokenHash;
use crate::tokens::policy::{IpNet, TokenPolicy};
use crate::tokens::{Kind, TokenRecord, TokenType};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// A row of `api_tokens`, without its secrets' hashes.
#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
struct Row {
    id: i32,
    kind: String,
    name: String,
    description: String,
    token_type: String,
    encrypted_key: Option<String>,
    lifespan: Option<i64>,
    expires_at: Option<NaiveDateTime>,
    last_used_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    previous_expires_at: Option<NaiveDateTime>,
}

impl Row {
    /// The record, with what other tables hold of it. Rows are written only by this module,
    /// so an unknown type cannot occur; read-only is the least a damaged row can grant.
    fn record(
        self,
        permissions: BTreeSet<String>,
        policy: TokenPolicy,
        owner: Option<i32>,
    ) -> TokenRecord {
        TokenRecord {
            id: self.id,
            kind: Kind::from_column(&self.kind),
            name: self.name,
            description: self.description,
            token_type: TokenType::parse(&self.token_type).unwrap_or(TokenType::ReadOnly),
            permissions,
            policy,
            owner,
            encrypted_key: self.encrypted_key,
            lifespan: self.lifespan,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            grace_until: self.previous_expires_at,
        }
    }
}

fn permissions_of(
    conn: &mut DbConnection,
    ids: &[i32],
) -> QueryResult<BTreeMap<i32, BTreeSet<String>>> {
    let rows: Vec<(i32, String)> = api_token_permissions::table
        .filter(api_token_permissions::token_id.eq_any(ids))
        .select((
            api_token_permissions::token_id,
            api_token_permissions::action,
        ))
        .load(conn)?;
    let mut map: BTreeMap<i32, BTreeSet<String>> = BTreeMap::new();
    for (id, action) in rows {
        map.entry(id).or_default().insert(action);
    }
    Ok(map)
}

fn policies_of(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<BTreeMap<i32, TokenPolicy>> {
    let rows: Vec<(i32, String, Option<i32>)> = api_token_policies::table
        .filter(api_token_policies::token_id.eq_any(ids))
        .select((
            api_token_policies::token_id,
            api_token_policies::allowed_ips,
            api_token_policies::rate_limit,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, allowed_ips, rate_limit)| {
            // Written only by `replace_policy`, from parsed ranges.
            let allowed_ips = serde_json::from_str::<Vec<String>>(&allowed_ips)
                .unwrap_or_default()
                .iter()
                .filter_map(|text| IpNet::parse(text))
                .collect();
            let rate_limit = rate_limit.and_then(|n| u32::try_from(n).ok());
            (
                id,
                TokenPolicy {
                    allowed_ips,
                    rate_limit,
                },
            )
        })
        .collect())
}

fn owners_of(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<BTreeMap<i32, i32>> {
    Ok(api_token_owners::table
        .filter(api_token_owners::token_id.eq_any(ids))
        .select((api_token_owners::token_id, api_token_owners::user_id))
        .load::<(i32, i32)>(conn)?
        .into_iter()
        .collect())
}

fn with_permissions(conn: &mut DbConnection, rows: Vec<Row>) -> QueryResult<Vec<TokenRecord>> {
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let mut permissions = permissions_of(conn, &ids)?;
    let mut policies = policies_of(conn, &ids)?;
    let owners = owners_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let actions = permissions.remove(&row.id).unwrap_or_default();
            let policy = policies.remove(&row.id).unwrap_or_default();
            let owner = owners.get(&row.id).copied();
            row.record(actions, policy, owner)
        })
        .collect())
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    api_tokens::table.count().get_result(conn)
}

/// Every token of `kind` (`Kind::Content` or `Kind::Admin`), by name.
pub fn list(conn: &mut DbConnection, kind: Kind) -> QueryResult<Vec<TokenRecord>> {
    let rows: Vec<Row> = api_tokens::table
        .filter(api_tokens::kind.eq(kind.as_str()))
        .select(Row::as_select())
        .order((api_tokens::name.asc(), api_tokens::id.asc()))
        .load(conn)?;
    with_permissions(conn, rows)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<TokenRecord>> {
    let rows: Vec<Row> = api_tokens::table
        .filter(api_tokens::id.eq(id))
        .select(Row::as_select())
        .load(conn)?;
    Ok(with_permissions(conn, rows)?.pop())
}

pub fn find_by_hash(conn: &mut DbConnection, hash: &TokenHash) -> QueryResult<Option<TokenRecord>> {
    let rows: Vec<Row> = api_tokens::table
        .filter(api_tokens::access_key_hash.eq(hash.as_str()))
        .select(Row::as_select())
        .load(conn)?;
    Ok(with_permissions(conn, rows)?.pop())
}

fn name_taken(conn: &mut DbConnection, name: &str, except: Option<i32>) -> QueryResult<bool> {
    let mut query = api_tokens::table
        .filter(api_tokens::name.eq(name))
        .select(api_tokens::id)
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(api_tokens::id.ne(id));
    }
    Ok(query.first::<i32>(conn).optional()?.is_some())
}

/// Why a token could not be written.
#[derive(Debug)]
pub enum StoreError {
    NameTaken,
    Database(diesel::result::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::NameTaken => f.write_str("Name already taken"),
            StoreError::Database(error) => write!(f, "database: {error}"),
        }
    }
}

impl From<diesel::result::Error> for StoreError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            // The check before the write runs under the table's write lock, so the only unique
            // index a write can still meet is the name's.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => StoreError::NameTaken,
            other => StoreError::Database(other),
        }
    }
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub kind: Kind,
    pub name: String,
    pub description: String,
    pub token_type: TokenType,
    pub permissions: BTreeSet<String>,
    pub policy: TokenPolicy,
    /// The owner of an admin token.
    pub owner: Option<i32>,
    pub lifespan: Option<i64>,
    pub expires_at: Option<NaiveDateTime>,
    pub hash: TokenHash,
    pub salt_version: String,
    pub encrypted_key: Option<String>,
}

/// Stores a token's limits: one row when it has any, none otherwise.
fn replace_policy(conn: &mut DbConnection, id: i32, policy: &TokenPolicy) -> QueryResult<()> {
    diesel::delete(api_token_policies::table.filter(api_token_policies::token_id.eq(id)))
        .execute(conn)?;
    if policy.is_empty() {
        return Ok(());
    }
    let ranges: Vec<String> = policy.allowed_ips.iter().map(IpNet::to_string).collect();
    let rate_limit = policy.rate_limit.and_then(|n| i32::try_from(n).ok());
    diesel::insert_into(api_token_policies::table)
        .values((
            api_token_policies::token_id.eq(id),
            api_token_policies::allowed_ips.eq(serde_json::json!(ranges).to_string()),
            api_token_policies::rate_limit.eq(rate_limit),
        ))
        .execute(conn)?;
    Ok(())
}

fn replace_permissions(
    conn: &mut DbConnection,
    id: i32,
    permissions: &BTreeSet<String>,
) -> QueryResult<()> {
    diesel::delete(api_token_permissions::table.filter(api_token_permissions::token_id.eq(id)))
        .execute(conn)?;
    for action in permissions {
        diesel::insert_into(api_token_permissions::table)
            .values((
                api_token_permissions::token_id.eq(id),
                api_token_permissions::action.eq(action),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Stores a new token; its name must be free. Concurrent creates with one name store one.
pub fn create(
    conn: &mut DbConnection,
    token: NewToken,
    now: NaiveDateTime,
) -> Result<TokenRecord, StoreError> {
    crate::db::exclusive(conn, "api_tokens", |conn| {
        if name_taken(conn, &token.name, None)? {
            return Err(StoreError::NameTaken);
        }
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::kind.eq(token.kind.as_str()),
                api_tokens::name.eq(&token.name),
                api_tokens::description.eq(&token.description),
                api_tokens::token_type.eq(token.token_type.as_str()),
                api_tokens::access_key_hash.eq(token.hash.as_str()),
                api_tokens::salt_version.eq(&token.salt_version),
                api_tokens::encrypted_key.eq(&token.encrypted_key),
                api_tokens::lifespan.eq(token.lifespan),
                api_tokens::expires_at.eq(token.expires_at),
                api_tokens::created_at.eq(now),
                api_tokens::updated_at.eq(now),
            ))
            .execute(conn)?;
        let id: i32 = api_tokens::table
            .filter(api_tokens::access_key_hash.eq(token.hash.as_str()))
            .select(api_tokens::id)
            .first(conn)?;
        replace_permissions(conn, id, &token.permissions)?;
        replace_policy(conn, id, &token.policy)?;
        if let Some(owner) = token.owner {
            diesel::insert_into(api_token_owners::table)
                .values((
                    api_token_owners::token_id.eq(id),
                    api_token_owners::user_id.eq(owner),
                ))
                .execute(conn)?;
        }
        find(conn, id)?.ok_or(StoreError::Database(diesel::result::Error::NotFound))
    })
}

/// Applies `changes`; `Ok(None)` when there is no such token.
pub fn update(
    conn: &mut DbConnection,
    id: i32,
    changes: TokenChanges,
    now: NaiveDateTime,
) -> Result<Option<TokenRecord>, StoreError> {
    crate::db::exclusive(conn, "api_tokens", |conn| {
        let Some(existing) = find(conn, id)? else {
            return Ok(None);
        };
        if let Some(name) = &changes.name
            && name_taken(conn, name, Some(id))?
        {
            return Err(StoreError::NameTaken);
        }
        let token_type = changes.token_type.unwrap_or(existing.token_type);
        diesel::update(api_tokens::table.filter(api_tokens::id.eq(id)))
            .set((
                api_tokens::expires_at.eq(changes.expires_at.unwrap_or(existing.expires_at)),
                api_tokens::name.eq(changes.name.as_ref().unwrap_or(&existing.name)),
                api_tokens::description.eq(changes
                    .description
                    .as_ref()
                    .unwrap_or(&existing.description)),
                api_tokens::token_type.eq(token_type.as_str()),
                api_tokens::updated_at.eq(now),
            ))
            .execute(conn)?;
        // Only custom tokens carry permissions; any other type clears them.
        let permissions = match token_type {
            TokenType::Custom => changes.permissions.unwrap_or(existing.permissions),
            _ => BTreeSet::new(),
        };
        replace_permissions(conn, id, &permissions)?;
        if changes.allowed_ips.is_some() || changes.rate_limit.is_some() {
            let policy = TokenPolicy {
                allowed_ips: changes.allowed_ips.unwrap_or(existing.policy.allowed_ips),
                rate_limit: changes.rate_limit.unwrap_or(existing.policy.rate_limit),
            };
            replace_policy(conn, id, &policy)?;
        }
        Ok(find(conn, id)?)
    })
}

/// Deletes a token; the deleted record, or `None` when there was none.
pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<Option<TokenRecord>> {
    crate::db::exclusive(conn, "api_tokens", |conn| {
        let existing = find(conn, id)?;
        if existing.is_some() {
            diesel::delete(api_tokens::table.filter(api_tokens::id.eq(id))).execute(conn)?;
        }
        Ok(existing)
    })
}

/// Gives a token a new secret (regenerate); `false` when there is no such token. With
/// `grace_until`, the old secret keeps working until then; without, it stops at once.
pub fn replace_secret(
    conn: &mut DbConnection,
    id: i32,
    hash: &TokenHash,
    salt_version: &str,
    encrypted_key: Option<&str>,
    now: NaiveDateTime,
    grace_until: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    crate::db::exclusive(conn, "api_tokens", |conn| {
        let previous: Option<String> = match grace_until {
            Some(_) => api_tokens::table
                .filter(api_tokens::id.eq(id))
                .select(api_tokens::access_key_hash)
                .first(conn)
                .optional()?,
            None => None,
        };
        let changed = diesel::update(api_tokens::table.filter(api_tokens::id.eq(id)))
            .set((
                api_tokens::access_key_hash.eq(hash.as_str()),
                api_tokens::salt_version.eq(salt_version),
                api_tokens::encrypted_key.eq(encrypted_key),
                api_tokens::updated_at.eq(now),
                api_tokens::previous_key_hash.eq(&previous),
                api_tokens::previous_expires_at.eq(grace_until.filter(|_| previous.is_some())),
            ))
            .execute(conn)?;
        Ok(changed > 0)
    })
}

/// The token whose previous secret has this hash, with the end of its grace period.
pub fn find_by_previous_hash(
    conn: &mut DbConnection,
    hash: &TokenHash,
) -> QueryResult<Option<(TokenRecord, NaiveDateTime)>> {
    let found: Option<(i32, Option<NaiveDateTime>)> = api_tokens::table
        .filter(api_tokens::previous_key_hash.eq(hash.as_str()))
        .select((api_tokens::id, api_tokens::previous_expires_at))
        .first(conn)
        .optional()?;
    let Some((id, Some(until))) = found else {
        return Ok(None);
    };
    Ok(find(conn, id)?.map(|record| (record, until)))
}

/// Ends a token's grace period now; `false` when there is no such token.
pub fn end_grace(conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
    let changed = diesel::update(api_tokens::table.filter(api_tokens::id.eq(id)))
        .set((
            api_tokens::previous_key_hash.eq(None::<String>),
            api_tokens::previous_expires_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(changed > 0)
}

/// Stores the same secret's hash under another salt (salt rotation).
pub fn rehash(
    conn: &mut DbConnection,
    id: i32,
    hash: &TokenHash,
    salt_version: &str,
) -> QueryResult<()> {
    diesel::update(api_tokens::table.filter(api_tokens::id.eq(id)))
        .set((
            api_tokens::access_key_hash.eq(hash.as_str()),
            api_tokens::salt_version.eq(salt_version),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Stores a token's ciphertext again (after re-encryption under the current key).
pub fn set_encrypted(conn: &mut DbConnection, id: i32, encrypted_key: &str) -> QueryResult<()> {
    diesel::update(api_tokens::table.filter(api_tokens::id.eq(id)))
        .set(api_tokens::encrypted_key.eq(encrypted_key))
        .execute(conn)
        .map(|_| ())
}

/// Records a token's last use (the flush of the usage recorder). An older time never replaces
/// a newer one, so instances flushing in any order keep the latest use.
pub fn set_last_used(
    conn: &mut DbConnection,
    id: i32,
    at: NaiveDateTime,
    ip: Option<&str>,
) -> QueryResult<()> {
    diesel::update(
        api_tokens::table.filter(api_tokens::id.eq(id)).filter(
            api_tokens::last_used_at
                .is_null()
                .or(api_tokens::last_used_at.lt(at)),
        ),
    )
    .set((
        api_tokens::last_used_at.eq(at),
        api_tokens::last_used_ip.eq(ip),
    ))
    .execute(conn)
    .map(|_| ())
}
