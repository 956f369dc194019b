//! What the routes of both kinds of token share (`/admin/api-tokens`, `/admin/admin-tokens`):
//! a token as Strapi shows it, a body read into a `TokenDraft` or `TokenChanges`, and the flows
//! of reading, creating, changing, regenerating and deleting one. Who may touch which token is
//! `AdminSession::may_read_token`/`may_change_token`; the rules of the fields are the token
//! service's (`tokens::rules`), which checks every draft and change again.

use crate::AppState;
use crate::auth::admin::{AdminSession, TokenAct};
use crate::clock::iso;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::http::admin::grants::admin_permissions_json;
use crate::support::time::parse_datetime;
use crate::tokens::format::PlainToken;
use crate::tokens::policy::{IpNet, TokenPolicy};
use crate::tokens::{Kind, TokenChanges, TokenDraft, TokenRecord, TokenType, rules};
use actix_web::{HttpResponse, web};
use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// The token `id` when it is of `kind`; 404 otherwise, so that each kind's routes never reach
/// the other's tokens.
pub(super) fn find_of_kind(
    state: &AppState,
    conn: &mut DbConnection,
    id: i32,
    kind: Kind,
) -> ApiResult<TokenRecord> {
    state
        .tokens
        .find_of_kind(conn, id, kind)?
        .ok_or_else(|| ApiError::not_found("API Token not found"))
}

/// A token as Strapi shows it, in its key order (`id, kind, name, description, lastUsedAt, type,
/// lifespan, expiresAt, createdAt, updatedAt, permissions`; an admin token with
/// `adminPermissions` and `adminUserOwner` instead of `type` and `permissions`), `accessKey`
/// only where given, and Vellum's `allowedIps`, `rateLimit` and `previousSecretExpiresAt` (the
/// end of a regeneration's grace period) only when set.
pub(super) fn token_json(record: &TokenRecord, access_key: Option<&PlainToken>) -> Value {
    token_json_in(record, access_key, false)
}

/// A token as `GET /admin/api-tokens/{id}` shows it: Strapi reads it back with `type` after
/// `updatedAt`.
fn read_token_json(record: &TokenRecord, access_key: Option<&PlainToken>) -> Value {
    token_json_in(record, access_key, true)
}

fn token_json_in(record: &TokenRecord, access_key: Option<&PlainToken>, type_late: bool) -> Value {
    let mut shown = Map::new();
    let mut put = |key: &str, value: Value| {
        shown.insert(key.to_string(), value);
    };
    let token_type = (record.kind != Kind::Admin).then(|| json!(record.token_type.as_str()));
    put("id", json!(record.id));
    put("kind", json!(record.kind));
    put("name", json!(record.name));
    put("description", json!(record.description));
    put("lastUsedAt", json!(record.last_used_at.map(iso)));
    if let Some(token_type) = token_type.clone().filter(|_| !type_late) {
        put("type", token_type);
    }
    put("lifespan", json!(record.lifespan.map(|ms| ms.to_string())));
    put("expiresAt", json!(record.expires_at.map(iso)));
    put("createdAt", json!(iso(record.created_at)));
    put("updatedAt", json!(iso(record.updated_at)));
    if let Some(token_type) = token_type.filter(|_| type_late) {
        put("type", token_type);
    }
    if record.kind == Kind::Admin {
        put(
            "adminPermissions",
            admin_permissions_json(&crate::admin::roles::Grants::unconditional(
                &record.permissions,
            )),
        );
        put("adminUserOwner", json!(record.owner));
    } else {
        put("permissions", json!(record.permissions));
    }
    if !record.policy.allowed_ips.is_empty() {
        let ips: Vec<String> = record
            .policy
            .allowed_ips
            .iter()
            .map(IpNet::to_string)
            .collect();
        put("allowedIps", json!(ips));
    }
    if let Some(limit) = record.policy.rate_limit {
        put("rateLimit", json!(limit));
    }
    if let Some(until) = record.grace_until {
        put("previousSecretExpiresAt", json!(iso(until)));
    }
    if let Some(token) = access_key {
        put("accessKey", json!(token.expose()));
    }
    Value::Object(shown)
}

/// The path's token `{id}`, a positive integer, else 400 (Strapi answers 500 here); a
/// configured token's (`config-0`) is read-only.
pub(crate) struct TokenId(pub i32);

impl actix_web::FromRequest for TokenId {
    type Error = ApiError;
    type Future = std::future::Ready<ApiResult<TokenId>>;

    fn from_request(
        request: &actix_web::HttpRequest,
        _: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let raw = request.match_info().get("id").unwrap_or_default();
        std::future::ready(if raw.starts_with("config-") {
            Err(ApiError::validation(
                "Tokens from ACCESS_TOKENS_FILE are read-only here: change the file and restart",
            ))
        } else {
            crate::http::positive_id(raw).map(TokenId)
        })
    }
}

/// `name` and `description` as Strapi treats them: strings, trimmed.
fn text_field(body: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Option<String> {
    match body.get(key) {
        None => None,
        Some(Value::Null) if key == "description" => Some(String::new()),
        Some(Value::Null) => None,
        Some(Value::String(text)) => match crate::content::value::refuse_nul(key, text) {
            Ok(()) => Some(rules::trimmed(text)),
            Err(message) => {
                errors.add(key, message);
                None
            }
        },
        Some(_) => {
            errors.add(key, format!("{key} must be a `string` type"));
            None
        }
    }
}

/// A name (when it has the right type), checked against the rules.
fn check_name(name: &str, errors: &mut FieldErrors) {
    for problem in rules::name_problems(name) {
        if name.is_empty() {
            // Strapi shows the value "", for a missing name too.
            errors.add_value("name", problem, json!(""));
        } else {
            errors.add("name", problem);
        }
    }
}

/// `lifespan`: one of Strapi's, in milliseconds (null: unlimited).
fn lifespan_field(body: &Map<String, Value>, errors: &mut FieldErrors) -> Option<i64> {
    match body.get("lifespan") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_i64().filter(|ms| rules::lifespan_allowed(*ms)) {
            Some(ms) => Some(ms),
            None => {
                errors.add_value("lifespan", rules::LIFESPAN_REFUSED, value.clone());
                None
            }
        },
    }
}

/// `expiresAt` (Vellum's extension): an ISO date-time in the future, or `null` for never;
/// `None` when absent.
fn expiry_field(
    body: &Map<String, Value>,
    now: NaiveDateTime,
    errors: &mut FieldErrors,
) -> Option<Option<NaiveDateTime>> {
    match body.get("expiresAt")? {
        Value::Null => Some(None),
        Value::String(text) => match parse_datetime(text) {
            Some(at) if rules::expiry_allowed(at, now) => Some(Some(at)),
            _ => {
                errors.add("expiresAt", rules::EXPIRY_REFUSED);
                None
            }
        },
        _ => {
            errors.add("expiresAt", rules::EXPIRY_REFUSED);
            None
        }
    }
}

/// `allowedIps`: a list of addresses and CIDR ranges (`[]` or null: anywhere).
fn allowed_ips_field(body: &Map<String, Value>, errors: &mut FieldErrors) -> Option<Vec<IpNet>> {
    match body.get("allowedIps")? {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => {
            let mut ranges = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                match item.as_str().and_then(IpNet::parse) {
                    Some(range) => ranges.push(range),
                    None => errors.add(
                        &format!("allowedIps.{index}"),
                        "must be an IP address or a CIDR range such as 203.0.113.0/24",
                    ),
                }
            }
            Some(ranges)
        }
        _ => {
            errors.add(
                "allowedIps",
                "allowedIps must be a list of IP addresses or CIDR ranges",
            );
            None
        }
    }
}

/// The largest `rateLimit`, in requests a minute.
const MAX_RATE_LIMIT: u64 = 1_000_000;

/// `rateLimit`: requests a minute, 1 to a million (null: no limit).
fn rate_limit_field(body: &Map<String, Value>, errors: &mut FieldErrors) -> Option<Option<u32>> {
    match body.get("rateLimit")? {
        Value::Null => Some(None),
        value => match value.as_u64().filter(|n| (1..=MAX_RATE_LIMIT).contains(n)) {
            Some(n) => Some(u32::try_from(n).ok()),
            None => {
                errors.add(
                    "rateLimit",
                    format!("rateLimit must be a whole number of requests a minute, from 1 to {MAX_RATE_LIMIT}"),
                );
                None
            }
        },
    }
}

/// What a kind of token adds to a new token's fields: its owner, type and permissions.
pub(super) struct KindFields {
    pub owner: Option<i32>,
    pub token_type: TokenType,
    pub permissions: Option<BTreeSet<String>>,
}

/// A new token from a body, field errors recorded in Strapi's order: name and description,
/// then what the kind adds (`kind_fields`), then lifespan or explicit expiry, and limits.
pub(super) fn draft_of(
    body: &Map<String, Value>,
    now: NaiveDateTime,
    errors: &mut FieldErrors,
    kind_fields: impl FnOnce(&mut FieldErrors) -> ApiResult<KindFields>,
) -> ApiResult<TokenDraft> {
    let name = text_field(body, "name", errors).unwrap_or_default();
    if errors.is_empty() {
        check_name(&name, errors);
    }
    let description = text_field(body, "description", errors).unwrap_or_default();
    let kind = kind_fields(errors)?;
    let lifespan = lifespan_field(body, errors);
    let expires_at = expiry_field(body, now, errors).flatten();
    if lifespan.is_some() && expires_at.is_some() {
        errors.add("expiresAt", rules::LIFESPAN_OR_EXPIRY);
    }
    let policy = TokenPolicy {
        allowed_ips: allowed_ips_field(body, errors).unwrap_or_default(),
        rate_limit: rate_limit_field(body, errors).flatten(),
    };
    Ok(TokenDraft {
        owner: kind.owner,
        name,
        description,
        token_type: kind.token_type,
        permissions: kind.permissions,
        lifespan,
        expires_at,
        policy,
    })
}

/// A change from a body, field errors recorded in order: name and description, then what the
/// kind changes (`kind_fields`: type and permissions), then expiry and limits.
pub(super) fn changes_of(
    body: &Map<String, Value>,
    now: NaiveDateTime,
    errors: &mut FieldErrors,
    kind_fields: impl FnOnce(
        &mut FieldErrors,
    ) -> ApiResult<(Option<TokenType>, Option<BTreeSet<String>>)>,
) -> ApiResult<TokenChanges> {
    let name = text_field(body, "name", errors);
    if let Some(name) = &name
        && errors.is_empty()
    {
        check_name(name, errors);
    }
    let description = text_field(body, "description", errors);
    let (token_type, permissions) = kind_fields(errors)?;
    Ok(TokenChanges {
        name,
        description,
        token_type,
        permissions,
        expires_at: expiry_field(body, now, errors),
        allowed_ips: allowed_ips_field(body, errors),
        rate_limit: rate_limit_field(body, errors),
    })
}

/// Stores a new token and its audit event: 201 with the token and its `accessKey`, shown once.
/// `catalogue`: every action a token of its kind may be given.
pub(super) async fn issue(
    state: web::Data<AppState>,
    session: AdminSession,
    draft: TokenDraft,
    catalogue: BTreeSet<String>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let worker = state.clone();
    let (record, token) = state
        .db_write(move |conn| {
            let change = worker.change(session.as_actor(), now);
            Ok(worker.tokens.create(conn, &change, draft, &catalogue)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(json!({ "data": token_json(&record, Some(&token)) })))
}

/// The query of `GET …/{id}`: `reveal=false` (Vellum's) reads the token without its secret,
/// and so without a `token.viewed` event (the panel's edit page).
#[derive(serde::Deserialize)]
pub struct ShowQuery {
    reveal: Option<String>,
}

/// A token of `kind` that the caller may read, with its `accessKey` when `reveal` is asked,
/// the caller may see it and the token is viewable; a decryption is an audit event.
pub(super) async fn show(
    state: web::Data<AppState>,
    session: AdminSession,
    id: i32,
    kind: Kind,
    query: ShowQuery,
) -> ApiResult<HttpResponse> {
    let reveal = query.reveal.as_deref() != Some("false");
    let worker = state.clone();
    let now = state.clock.now();
    let (record, key) = state
        .db(move |conn| {
            worker.tokens.flush_usage(conn)?;
            let record = find_of_kind(&worker, conn, id, kind)?;
            if !session.may_read_token(&record)? || !reveal {
                return Ok((record, None));
            }
            let change = worker.change(session.as_actor(), now);
            let key = worker.tokens.reveal(conn, &change, &record)?;
            Ok((record, key))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": read_token_json(&record, key.as_ref()) })))
}

/// A change to a stored token, as a route asks it.
pub(super) struct Update {
    pub id: i32,
    pub kind: Kind,
    pub changes: TokenChanges,
    /// The keys of the body, for the audit event (never their values).
    pub fields: Vec<String>,
    /// Every action a token of its kind may be given.
    pub catalogue: BTreeSet<String>,
}

/// Applies an update when the caller may change the token and `also_check` (what its kind adds
/// to the rules) passes: 200 with the token.
pub(super) async fn change(
    state: web::Data<AppState>,
    session: AdminSession,
    update: Update,
    also_check: impl FnOnce(&mut DbConnection, &AdminSession, &TokenRecord) -> ApiResult<()>
    + Send
    + 'static,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let worker = state.clone();
    let record = state
        .db_write(move |conn| {
            let existing = find_of_kind(&worker, conn, update.id, update.kind)?;
            session.may_change_token(TokenAct::Change, &existing)?;
            also_check(conn, &session, &existing)?;
            let change = worker.change(session.as_actor(), now);
            Ok(worker.tokens.update(
                conn,
                &change,
                &existing,
                update.changes,
                update.fields,
                &update.catalogue,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": token_json(&record, None) })))
}

/// Deletes a token of `kind` that the caller may change (none: `{data: null}`, as Strapi
/// answers), with its audit event.
pub(super) async fn remove(
    state: web::Data<AppState>,
    session: AdminSession,
    id: i32,
    kind: Kind,
) -> ApiResult<HttpResponse> {
    let worker = state.clone();
    let now = state.clock.now();
    let deleted = state
        .db_write(move |conn| {
            let Some(record) = worker.tokens.find_of_kind(conn, id, kind)? else {
                return Ok(None);
            };
            session.may_change_token(TokenAct::Change, &record)?;
            let change = worker.change(session.as_actor(), now);
            Ok(worker.tokens.delete(conn, &change, &record)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": deleted.as_ref().map(|r| token_json(r, None)) })))
}

/// A new secret for a token of `kind` that the caller may regenerate: 201
/// `{id, accessKey, kind}`, with its audit event.
pub(super) async fn renew(
    state: web::Data<AppState>,
    session: AdminSession,
    id: i32,
    kind: Kind,
    grace: Option<chrono::Duration>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let worker = state.clone();
    let token = state
        .db_write(move |conn| {
            let record = find_of_kind(&worker, conn, id, kind)?;
            session.may_change_token(TokenAct::Regenerate, &record)?;
            let change = worker.change(session.as_actor(), now);
            Ok(worker.tokens.regenerate(conn, &change, &record, grace)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(json!({
        "data": {"id": id, "accessKey": token.expose(), "kind": kind}
    })))
}
