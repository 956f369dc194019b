//! `GET /admin/audit-logs`: the audit log, newest first, filtered and paginated.

use crate::AppState;
use crate::audit::{self, Filter, StoredEvent};
use crate::auth::admin::AdminSession;
use crate::clock::iso;
use crate::error::{ApiError, ApiResult};
use crate::support::time::parse_datetime;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

const MAX_PAGE_SIZE: i64 = 100;
const DEFAULT_PAGE_SIZE: i64 = 25;

/// The query: `type`, `actor` (`admin:1`, `token:7`), `token` (an id), `from` and `to` (ISO
/// date-times, inclusive), `page`, `pageSize`.
#[derive(serde::Deserialize)]
pub struct AuditQuery {
    #[serde(rename = "type")]
    event: Option<String>,
    actor: Option<String>,
    token: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

fn number(text: Option<&str>, name: &str, default: i64, max: i64) -> ApiResult<i64> {
    match text {
        None => Ok(default),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::validation(format!("{name} must be a whole number from 1 to {max}"))
            }),
    }
}

fn date(text: Option<&str>, name: &str) -> ApiResult<Option<chrono::NaiveDateTime>> {
    text.map(|text| {
        parse_datetime(text)
            .ok_or_else(|| ApiError::validation(format!("{name} must be an ISO date-time")))
    })
    .transpose()
}

fn event_json(event: &StoredEvent) -> Value {
    json!({
        "id": event.id,
        "createdAt": iso(event.at),
        "type": event.event,
        "actor": event.actor,
        "tokenId": event.token_id,
        "status": event.status,
        "ip": event.ip,
        "userAgent": event.user_agent,
        "clientId": event.client_id,
        "details": serde_json::from_str::<Value>(&event.details).unwrap_or_else(|_| json!({})),
    })
}

/// `GET /admin/audit-logs` (`admin::audit-logs.read`).
pub async fn list(
    state: web::Data<AppState>,
    _session: AdminSession,
    query: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    for (name, text) in [("type", &query.event), ("actor", &query.actor)] {
        if let Some(text) = text {
            crate::content::value::refuse_nul(name, text).map_err(ApiError::validation)?;
        }
    }
    let filter = Filter {
        event: query.event,
        actor: query.actor,
        token_id: query
            .token
            .as_deref()
            .map(|id| {
                id.parse::<i32>()
                    .map_err(|_| ApiError::validation("token must be a token id"))
            })
            .transpose()?,
        from: date(query.from.as_deref(), "from")?,
        to: date(query.to.as_deref(), "to")?,
    };
    let page = number(query.page.as_deref(), "page", 1, i64::from(i32::MAX))?;
    let page_size = number(
        query.page_size.as_deref(),
        "pageSize",
        DEFAULT_PAGE_SIZE,
        MAX_PAGE_SIZE,
    )?;
    let worker = state.clone();
    let (events, total) = state
        .db(move |conn| {
            // Queued refusals first, so the answer includes what already happened.
            if let Err(error) = worker.audit.flush(conn) {
                tracing::warn!(error = %error, "could not write audit events; will retry");
            }
            Ok(audit::list(conn, &filter, page, page_size)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "data": {
            "results": events.iter().map(event_json).collect::<Vec<_>>(),
            "pagination": {
                "page": page,
                "pageSize": page_size,
                "pageCount": (total + page_size - 1) / page_size,
                "total": total,
            }
        }
    })))
}
