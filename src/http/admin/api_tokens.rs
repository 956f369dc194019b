//! Content-API token management, in Strapi's shapes and messages: `/admin/api-tokens` and
//! `/admin/content-api/permissions`.

use crate::AppState;
use crate::admin::roles::actions;
use crate::auth::admin::AdminSession;
use crate::clock::iso;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::http::object_body;
use crate::support::time::parse_datetime;
use crate::tokens::TokenChanges;
use crate::tokens::configured::ConfiguredToken;
use crate::tokens::format::PlainToken;
use crate::tokens::policy::{IpNet, TokenPolicy};
use crate::tokens::service::TokenRequest;
use crate::tokens::{Kind, TokenRecord, TokenType, rules};
use actix_web::{HttpResponse, web};
use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

fn not_found() -> ApiError {
    ApiError::not_found("API Token not found")
}

/// The token `id` when it is of `kind`; 404 otherwise, so that each kind's routes never reach
/// the other's tokens.
pub(crate) fn find_of_kind(
    state: &AppState,
    conn: &mut DbConnection,
    id: i32,
    kind: Kind,
) -> ApiResult<TokenRecord> {
    state
        .tokens
        .find_of_kind(conn, id, kind)?
        .ok_or_else(not_found)
}

/// A token as Strapi shows it, in its key order (`id, kind, name, description, lastUsedAt, type,
/// lifespan, expiresAt, createdAt, updatedAt, permissions`; an admin token with
/// `adminPermissions` and `adminUserOwner` instead of `type` and `permissions`), `accessKey`
/// only where given, and Vellum's `allowedIps` and `rateLimit` only when set.
pub(crate) fn token_json(record: &TokenRecord, access_key: Option<&PlainToken>) -> Value {
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
    if let Some(token) = access_key {
        put("accessKey", json!(token.expose()));
    }
    Value::Object(shown)
}

/// Admin actions as Strapi's permission objects, with the `admin::is-creator` condition where
/// it applies.
pub(crate) fn admin_permissions_json(grants: &crate::admin::roles::Grants) -> Value {
    grants
        .actions
        .iter()
        .map(|action| {
            let conditions: &[&str] = if grants.own_only.contains(action) {
                &[crate::admin::roles::IS_CREATOR]
            } else {
                &[]
            };
            json!({"action": action, "subject": null, "properties": {}, "conditions": conditions})
        })
        .collect()
}

/// `allowedIps`: a list of addresses and CIDR ranges (`[]` or null: anywhere).
pub(crate) fn allowed_ips_field(
    body: &Map<String, Value>,
    errors: &mut FieldErrors,
) -> Option<Vec<IpNet>> {
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
pub(crate) fn rate_limit_field(
    body: &Map<String, Value>,
    errors: &mut FieldErrors,
) -> Option<Option<u32>> {
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

/// A token from `ACCESS_TOKENS_FILE` as the list shows it: read-only, never its secret.
fn configured_json(token: &ConfiguredToken) -> Value {
    json!({
        "id": format!("config-{}", token.position),
        "kind": Kind::Content,
        "name": token.subject,
        "description": "",
        "type": TokenType::Custom.as_str(),
        "permissions": token.credential.permissions,
        "restrictions": token.restrictions,
        "lastUsedAt": null,
        "expiresAt": token.credential.expires_at.map(iso),
        "lifespan": null,
        "createdAt": null,
        "updatedAt": null,
        "source": "config",
    })
}

/// A numeric id from the path, else 400 (Strapi answers 500 here).
pub(crate) fn token_id(raw: &str) -> ApiResult<i32> {
    if raw.starts_with("config-") {
        return Err(ApiError::validation(
            "Tokens from ACCESS_TOKENS_FILE are read-only here: change the file and restart",
        ));
    }
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::validation("The id must be a positive integer"))
}

/// `name` and `description` as Strapi treats them: strings, trimmed, name 1–255 characters.
pub(crate) fn text_field(
    body: &Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
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

fn type_field(body: &Map<String, Value>, errors: &mut FieldErrors) -> Option<TokenType> {
    let value = body.get("type")?;
    let parsed = value.as_str().and_then(TokenType::parse);
    if parsed.is_none() {
        errors.add_value(
            "type",
            "type must be one of the following values: read-only, full-access, custom",
            value.clone(),
        );
    }
    parsed
}

fn permissions_field(
    body: &Map<String, Value>,
    errors: &mut FieldErrors,
) -> Option<BTreeSet<String>> {
    match body.get("permissions") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        Some(_) => {
            errors.add("permissions", "permissions must be an array of strings");
            None
        }
    }
}

/// `expiresAt` (Vellum's extension): an ISO date-time in the future, or `null` for never;
/// `None` when absent.
pub(crate) fn expiry_field(
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

/// Strapi's rules between type and permissions, against the loaded content types.
fn check_permissions(
    state: &AppState,
    token_type: TokenType,
    permissions: Option<&BTreeSet<String>>,
) -> ApiResult<()> {
    crate::tokens::check_permissions(token_type, permissions, &state.content().actions())
        .map_err(ApiError::validation)
}

/// `POST /admin/api-tokens`: 201 with the token and its `accessKey`, shown this once.
pub async fn create(
    state: web::Data<AppState>,
    session: AdminSession,
    body: web::Json<Value>,
) -> ApiResult<HttpResponse> {
    session.require(actions::API_TOKENS_CREATE)?;
    session.require_panel()?;
    let body = object_body(body.into_inner())?;
    let mut errors = FieldErrors::default();
    let now = state.clock.now();
    let common = common_fields(&body, now, &mut errors);
    let token_type = type_field(&body, &mut errors).unwrap_or(TokenType::ReadOnly);
    let permissions = permissions_field(&body, &mut errors);
    errors.into_result()?;
    check_permissions(&state, token_type, permissions.as_ref())?;
    let request = common.request(None, token_type, permissions.unwrap_or_default());
    issue(state, session, request).await
}

/// What both kinds of token are created with.
pub(crate) struct CommonFields {
    name: String,
    description: String,
    lifespan: Option<i64>,
    expires_at: Option<NaiveDateTime>,
    policy: TokenPolicy,
}

impl CommonFields {
    pub(crate) fn request(
        self,
        owner: Option<i32>,
        token_type: TokenType,
        permissions: BTreeSet<String>,
    ) -> TokenRequest {
        TokenRequest {
            owner,
            name: self.name,
            description: self.description,
            token_type,
            permissions,
            lifespan: self.lifespan,
            expires_at: self.expires_at,
            policy: self.policy,
        }
    }
}

/// Name, description, lifespan or explicit expiry, and limits of a new token.
pub(crate) fn common_fields(
    body: &Map<String, Value>,
    now: NaiveDateTime,
    errors: &mut FieldErrors,
) -> CommonFields {
    let name = text_field(body, "name", errors).unwrap_or_default();
    if errors.is_empty() {
        check_name(&name, errors);
    }
    let description = text_field(body, "description", errors).unwrap_or_default();
    let lifespan = match body.get("lifespan") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_i64().filter(|ms| rules::lifespan_allowed(*ms)) {
            Some(ms) => Some(ms),
            None => {
                errors.add_value("lifespan", rules::LIFESPAN_REFUSED, value.clone());
                None
            }
        },
    };
    let expires_at = expiry_field(body, now, errors).flatten();
    if lifespan.is_some() && expires_at.is_some() {
        errors.add("expiresAt", "use either lifespan or expiresAt, not both");
    }
    let policy = TokenPolicy {
        allowed_ips: allowed_ips_field(body, errors).unwrap_or_default(),
        rate_limit: rate_limit_field(body, errors).flatten(),
    };
    CommonFields {
        name,
        description,
        lifespan,
        expires_at,
        policy,
    }
}

/// Stores a new token and its audit event: 201 with the token and its `accessKey`, shown once.
pub(crate) async fn issue(
    state: web::Data<AppState>,
    session: AdminSession,
    request: TokenRequest,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let worker = state.clone();
    let (record, token) = state
        .db_write(move |conn| {
            let change = worker.change(session.as_actor(), now);
            Ok(worker.tokens.create(conn, &change, request)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(json!({ "data": token_json(&record, Some(&token)) })))
}

/// The query of `GET /admin/api-tokens`.
#[derive(serde::Deserialize)]
pub struct ListQuery {
    /// Only tokens that are still valid and expire within this duration (`7d`, `12h`, …).
    #[serde(rename = "expiringWithin")]
    expiring_within: Option<String>,
}

/// `GET /admin/api-tokens`: every token by name, never with `accessKey`; `?expiringWithin=7d`
/// keeps those that expire within that time.
pub async fn list(
    state: web::Data<AppState>,
    session: AdminSession,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    session.require(actions::API_TOKENS_READ)?;
    let window = match &query.expiring_within {
        None => None,
        Some(text) => Some(
            crate::config::duration(text)
                .and_then(|d| chrono::Duration::from_std(d).ok())
                .ok_or_else(|| {
                    ApiError::validation("expiringWithin must be a duration such as 7d or 12h")
                })?,
        ),
    };
    let now = state.clock.now();
    let worker = state.clone();
    let mut records = state
        .db(move |conn| Ok(worker.tokens.list(conn, Kind::Content)?))
        .await?;
    let listed = |expires_at: Option<NaiveDateTime>| match window {
        None => true,
        Some(window) => expires_at.is_some_and(|at| at > now && at <= now + window),
    };
    records.retain(|r| listed(r.expires_at));
    let configured = state.tokens.configured.tokens.iter();
    let shown: Vec<Value> = records
        .iter()
        .map(|r| token_json(r, None))
        .chain(
            configured
                .filter(|t| listed(t.credential.expires_at))
                .map(configured_json),
        )
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "data": shown })))
}

/// The query of `GET …/{id}`: `reveal=false` (Vellum's) reads the token without its secret,
/// and so without a `token.viewed` event (the panel's edit page).
#[derive(serde::Deserialize)]
pub struct ShowQuery {
    reveal: Option<String>,
}

impl ShowQuery {
    pub(crate) fn reveals(&self) -> bool {
        self.reveal.as_deref() != Some("false")
    }
}

/// `GET /admin/api-tokens/{id}`: with `accessKey` when tokens are viewable and the caller is
/// a panel session, unless `reveal=false`.
pub async fn get(
    state: web::Data<AppState>,
    session: AdminSession,
    id: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> ApiResult<HttpResponse> {
    session.require(actions::API_TOKENS_READ)?;
    let id = token_id(&id)?;
    let reveal = query.reveals();
    show(state, session, id, Kind::Content, reveal, |_, _| Ok(true)).await
}

/// A token of `kind`, when `access(session, record)` lets the caller see it (`Ok(true)`: with
/// its `accessKey` when `reveal` is asked, the token is viewable and the caller is a panel
/// session); a decryption is an audit event.
pub(crate) async fn show(
    state: web::Data<AppState>,
    session: AdminSession,
    id: i32,
    kind: Kind,
    reveal: bool,
    access: fn(&AdminSession, &TokenRecord) -> ApiResult<bool>,
) -> ApiResult<HttpResponse> {
    let worker = state.clone();
    let now = state.clock.now();
    let (record, key) = state
        .db(move |conn| {
            worker.tokens.flush_usage(conn)?;
            let record = find_of_kind(&worker, conn, id, kind)?;
            if !access(&session, &record)? || !reveal || session.require_panel().is_err() {
                return Ok((record, None));
            }
            let change = worker.change(session.as_actor(), now);
            let key = worker.tokens.reveal(conn, &change, &record)?;
            Ok((record, key))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": read_token_json(&record, key.as_ref()) })))
}

/// `PUT /admin/api-tokens/{id}`: name, description, type and permissions only.
pub async fn update(
    state: web::Data<AppState>,
    session: AdminSession,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> ApiResult<HttpResponse> {
    session.require(actions::API_TOKENS_UPDATE)?;
    let id = token_id(&id)?;
    let body = object_body(body.into_inner())?;
    only_keys(
        &body,
        &[
            "name",
            "description",
            "type",
            "permissions",
            "expiresAt",
            "allowedIps",
            "rateLimit",
        ],
    )?;
    let mut errors = FieldErrors::default();
    let name = name_change(&body, &mut errors);
    let now = state.clock.now();
    let changes = TokenChanges {
        name,
        description: text_field(&body, "description", &mut errors),
        token_type: type_field(&body, &mut errors),
        permissions: permissions_field(&body, &mut errors),
        expires_at: expiry_field(&body, now, &mut errors),
        allowed_ips: allowed_ips_field(&body, &mut errors),
        rate_limit: rate_limit_field(&body, &mut errors),
    };
    errors.into_result()?;
    let worker = state.clone();
    let record = state
        .db_write(move |conn| {
            let existing = find_of_kind(&worker, conn, id, Kind::Content)?;
            let token_type = changes.token_type.unwrap_or(existing.token_type);
            let permissions = match (&changes.permissions, token_type) {
                (Some(asked), _) => Some(asked.clone()),
                (None, TokenType::Custom) if existing.token_type == TokenType::Custom => {
                    Some(existing.permissions.clone())
                }
                (None, _) => None,
            };
            check_permissions(&worker, token_type, permissions.as_ref())?;
            let change = worker.change(session.as_actor(), now);
            let fields = changed_fields(&body);
            Ok(worker
                .tokens
                .update(conn, &change, &existing, changes, fields)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": token_json(&record, None) })))
}

/// `DELETE /admin/api-tokens/{id}`: 200 with the deleted token, or `{data: null}` when there was
/// none (as Strapi answers).
pub async fn delete(
    state: web::Data<AppState>,
    session: AdminSession,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    session.require(actions::API_TOKENS_DELETE)?;
    let id = token_id(&id)?;
    remove(state, session, id, Kind::Content, |_, _| Ok(())).await
}

/// Deletes a token of `kind` that `may_delete` allows (none: `{data: null}`), with its audit
/// event.
pub(crate) async fn remove(
    state: web::Data<AppState>,
    session: AdminSession,
    id: i32,
    kind: Kind,
    may_delete: fn(&AdminSession, &TokenRecord) -> ApiResult<()>,
) -> ApiResult<HttpResponse> {
    let worker = state.clone();
    let now = state.clock.now();
    let deleted = state
        .db_write(move |conn| {
            let Some(record) = worker.tokens.find_of_kind(conn, id, kind)? else {
                return Ok(None);
            };
            may_delete(&session, &record)?;
            let change = worker.change(session.as_actor(), now);
            Ok(worker.tokens.delete(conn, &change, &record)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": deleted.as_ref().map(|r| token_json(r, None)) })))
}

/// 400 when `body` has a key outside `allowed` (Strapi's message).
pub(crate) fn only_keys(body: &Map<String, Value>, allowed: &[&str]) -> ApiResult<()> {
    let unknown: Vec<&str> = body
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ApiError::validation(format!(
        "this field has unspecified keys: {}",
        unknown.join(", ")
    )))
}

/// A new `name`, when the change has one, checked.
pub(crate) fn name_change(body: &Map<String, Value>, errors: &mut FieldErrors) -> Option<String> {
    let name = text_field(body, "name", errors);
    if let Some(name) = &name
        && errors.is_empty()
    {
        check_name(name, errors);
    }
    name
}

/// The names of the fields a change sets, for its audit event (never their values).
pub(crate) fn changed_fields(body: &Map<String, Value>) -> Vec<String> {
    body.keys().cloned().collect()
}

/// The longest grace period a regeneration may give the previous secret.
const MAX_GRACE_SECONDS: i64 = 30 * 86_400;

/// `POST /admin/api-tokens/{id}/regenerate`: 201 `{id, accessKey, kind}`. The old secret stops
/// working at once, as in Strapi, or after `{"gracePeriod": seconds}` (Vellum).
pub async fn regenerate(
    state: web::Data<AppState>,
    session: AdminSession,
    id: web::Path<String>,
    request: actix_web::HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    session.require(actions::API_TOKENS_REGENERATE)?;
    session.require_panel()?;
    let id = token_id(&id)?;
    let body = crate::http::optional_json(&request, &body)?;
    let grace = match body.as_ref().and_then(|b| b.get("gracePeriod")) {
        None | Some(Value::Null) => None,
        Some(value) => match value
            .as_i64()
            .filter(|s| (1..=MAX_GRACE_SECONDS).contains(s))
        {
            Some(seconds) => Some(chrono::Duration::seconds(seconds)),
            None => {
                return Err(ApiError::validation(format!(
                    "gracePeriod must be a number of seconds from 1 to {MAX_GRACE_SECONDS}"
                )));
            }
        },
    };
    renew(state, session, id, Kind::Content, grace, |_, _| Ok(())).await
}

/// A new secret for a token of `kind` that `may_renew` allows: 201 `{id, accessKey, kind}`,
/// with its audit event.
pub(crate) async fn renew(
    state: web::Data<AppState>,
    session: AdminSession,
    id: i32,
    kind: Kind,
    grace: Option<chrono::Duration>,
    may_renew: fn(&AdminSession, &TokenRecord) -> ApiResult<()>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let worker = state.clone();
    let token = state
        .db_write(move |conn| {
            let record = find_of_kind(&worker, conn, id, kind)?;
            may_renew(&session, &record)?;
            let change = worker.change(session.as_actor(), now);
            Ok(worker.tokens.regenerate(conn, &change, &record, grace)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(json!({
        "data": {"id": id, "accessKey": token.expose(), "kind": kind}
    })))
}

/// `DELETE /admin/api-tokens/{id}/secrets/previous`: ends a grace period now.
pub async fn end_grace(
    state: web::Data<AppState>,
    session: AdminSession,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    session.require(actions::API_TOKENS_REGENERATE)?;
    let id = token_id(&id)?;
    let worker = state.clone();
    let now = state.clock.now();
    let record = state
        .db_write(move |conn| {
            let record = find_of_kind(&worker, conn, id, Kind::Content)?;
            let change = worker.change(session.as_actor(), now);
            Ok(worker.tokens.end_grace(conn, &change, &record)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": token_json(&record, None) })))
}

/// `POST /admin/api-tokens/{id}/revoke`: the token expires now and its row stays (for the audit
/// trail); 400 when it has already expired.
pub async fn revoke(
    state: web::Data<AppState>,
    session: AdminSession,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    session.require(actions::API_TOKENS_UPDATE)?;
    let id = token_id(&id)?;
    let now = state.clock.now();
    let worker = state.clone();
    let record = state
        .db_write(move |conn| {
            let record = find_of_kind(&worker, conn, id, Kind::Content)?;
            let change = worker.change(session.as_actor(), now);
            Ok(worker.tokens.revoke(conn, &change, &record)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "data": token_json(&record, None) })))
}

/// `GET /admin/content-api/permissions`: the actions of every loaded content type.
pub async fn permissions(
    state: web::Data<AppState>,
    _session: AdminSession,
) -> ApiResult<HttpResponse> {
    let mut catalogue = Map::new();
    for content_type in &state.content().types {
        catalogue.insert(
            format!("api::{}", content_type.singular_name),
            json!({ "controllers": { content_type.singular_name.clone(): crate::content::ContentAction::ALL.map(crate::content::ContentAction::name) } }),
        );
    }
    Ok(HttpResponse::Ok().json(json!({ "data": catalogue })))
}
