//! Content-API token management, in Strapi's shapes and messages: `/admin/api-tokens` and
//! `/admin/content-api/permissions`.

use super::tokens::{
    KindFields, ShowQuery, TokenId, Update, change, changes_of, draft_of, find_of_kind, issue,
    remove, renew, show, token_json,
};
use crate::AppState;
use crate::auth::admin::AdminSession;
use crate::clock::iso;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::http::{JsonObject, only_keys, optional_json};
use crate::tokens::configured::ConfiguredToken;
use crate::tokens::service::{Change, TokenError, Tokens};
use crate::tokens::{Kind, TokenRecord, TokenType, rules};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

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

/// `POST /admin/api-tokens`: 201 with the token and its `accessKey`, shown this once.
pub async fn create(
    state: web::Data<AppState>,
    session: AdminSession,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    session.require_panel()?;
    let mut errors = FieldErrors::default();
    let draft = draft_of(&body, state.clock.now(), &mut errors, |errors| {
        Ok(KindFields {
            owner: None,
            token_type: type_field(&body, errors).unwrap_or(TokenType::ReadOnly),
            permissions: permissions_field(&body, errors),
        })
    })?;
    errors.into_result()?;
    let catalogue = state.content().actions();
    issue(state, session, draft, catalogue).await
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
    _session: AdminSession,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
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

/// `GET /admin/api-tokens/{id}`: with `accessKey` when tokens are viewable and the caller is
/// a panel session, unless `reveal=false`.
pub async fn get(
    state: web::Data<AppState>,
    session: AdminSession,
    TokenId(id): TokenId,
    query: web::Query<ShowQuery>,
) -> ApiResult<HttpResponse> {
    show(state, session, id, Kind::Content, query.into_inner()).await
}

/// What `PUT /admin/api-tokens/{id}` may change.
const EDITABLE: &[&str] = &[
    "name",
    "description",
    "type",
    "permissions",
    "expiresAt",
    "allowedIps",
    "rateLimit",
];

/// `PUT /admin/api-tokens/{id}`: name, description, type and permissions (Strapi's), expiry
/// and limits (Vellum's).
pub async fn update(
    state: web::Data<AppState>,
    session: AdminSession,
    TokenId(id): TokenId,
    JsonObject(body): JsonObject,
) -> ApiResult<HttpResponse> {
    only_keys(&body, EDITABLE)?;
    let mut errors = FieldErrors::default();
    let changes = changes_of(&body, state.clock.now(), &mut errors, |errors| {
        Ok((type_field(&body, errors), permissions_field(&body, errors)))
    })?;
    errors.into_result()?;
    let update = Update {
        id,
        kind: Kind::Content,
        changes,
        fields: body.keys().cloned().collect(),
        catalogue: state.content().actions(),
    };
    change(state, session, update, |_, _, _| Ok(())).await
}

/// `DELETE /admin/api-tokens/{id}`: 200 with the deleted token, or `{data: null}` when there was
/// none (as Strapi answers).
pub async fn delete(
    state: web::Data<AppState>,
    session: AdminSession,
    TokenId(id): TokenId,
) -> ApiResult<HttpResponse> {
    remove(state, session, id, Kind::Content).await
}

/// `POST /admin/api-tokens/{id}/regenerate`: 201 `{id, accessKey, kind}`. The old secret stops
/// working at once, as in Strapi, or after `{"gracePeriod": seconds}` (Vellum).
pub async fn regenerate(
    state: web::Data<AppState>,
    session: AdminSession,
    TokenId(id): TokenId,
    request: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    session.require_panel()?;
    let body = optional_json(&request, &body)?;
    let grace = match body.as_ref().and_then(|b| b.get("gracePeriod")) {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_i64().filter(|s| rules::grace_allowed(*s)) {
            Some(seconds) => Some(chrono::Duration::seconds(seconds)),
            None => return Err(ApiError::validation(rules::GRACE_REFUSED)),
        },
    };
    renew(state, session, id, Kind::Content, grace).await
}

/// `DELETE /admin/api-tokens/{id}/secrets/previous`: ends a grace period now.
pub async fn end_grace(
    state: web::Data<AppState>,
    session: AdminSession,
    TokenId(id): TokenId,
) -> ApiResult<HttpResponse> {
    alter(state, session, id, Tokens::end_grace).await
}

/// `POST /admin/api-tokens/{id}/revoke`: the token expires now and its row stays (for the audit
/// trail); 400 when it has already expired.
pub async fn revoke(
    state: web::Data<AppState>,
    session: AdminSession,
    TokenId(id): TokenId,
) -> ApiResult<HttpResponse> {
    alter(state, session, id, Tokens::revoke).await
}

/// Applies `act`, a change of the token service, to the content token `id`: 200 with it.
async fn alter(
    state: web::Data<AppState>,
    session: AdminSession,
    id: i32,
    act: fn(&Tokens, &mut DbConnection, &Change, &TokenRecord) -> Result<TokenRecord, TokenError>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let worker = state.clone();
    let record = state
        .db_write(move |conn| {
            let record = find_of_kind(&worker, conn, id, Kind::Content)?;
            let change = worker.change(session.as_actor(), now);
            Ok(act(&worker.tokens, conn, &change, &record)?)
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
