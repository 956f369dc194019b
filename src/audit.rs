//! The audit log: append-only events of token management, refused credentials and admin
//! sign-ins, with who, from where and when, and never a secret. Management events are written
//! with the change they record; refusals happen on the request path and are queued in memory
//! (bounded) and written by the background writer, so a flood of bad tokens costs no database
//! write per request.

use crate::db::DbConnection;
use crate::db::schema::audit_logs;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The events, by name.
pub mod events {
    pub const TOKEN_CREATED: &str = "token.created";
    pub const TOKEN_UPDATED: &str = "token.updated";
    pub const TOKEN_REGENERATED: &str = "token.regenerated";
    pub const TOKEN_REVOKED: &str = "token.revoked";
    pub const TOKEN_DELETED: &str = "token.deleted";
    pub const TOKEN_VIEWED: &str = "token.viewed";
    pub const TOKEN_DENIED: &str = "token.denied";
    pub const LOGIN_SUCCESS: &str = "admin.login.success";
    pub const LOGIN_FAILURE: &str = "admin.login.failure";
    pub const LOGOUT: &str = "admin.logout";
}

/// The longest user agent or client id kept (longer ones are cut).
const MAX_HEADER_CHARS: usize = 256;

/// Refusals waiting to be written; beyond this many, new ones are counted and dropped.
const MAX_PENDING: usize = 10_000;

/// Where a request came from, as the audit log records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The client's contact header `X-Client-Id`, when sent.
    pub client_id: Option<String>,
}

impl Origin {
    /// A header value as kept: printable ASCII only (else dropped), cut to a bounded length.
    pub fn header_text(value: Option<&str>) -> Option<String> {
        let value = value?.trim();
        if value.is_empty() || !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return None;
        }
        Some(value.chars().take(MAX_HEADER_CHARS).collect())
    }
}

/// One event. `actor` is `admin:<id>`, `token:<id>` or `config:<n>`; `token_id` is the token the
/// event is about; `details` a JSON object (a reason, a name, a status), never a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub at: NaiveDateTime,
    pub event: &'static str,
    pub actor: Option<String>,
    pub token_id: Option<i32>,
    pub status: Option<u16>,
    pub origin: Origin,
    pub details: Value,
}

/// Stores events in one transaction (diesel's multi-backend connection has no batch insert).
fn insert_all(conn: &mut DbConnection, events: &[AuditEvent]) -> QueryResult<()> {
    conn.transaction(|conn| {
        for e in events {
            diesel::insert_into(audit_logs::table)
                .values((
                    audit_logs::created_at.eq(e.at),
                    audit_logs::event.eq(e.event),
                    audit_logs::actor.eq(e.actor.as_deref()),
                    audit_logs::token_id.eq(e.token_id),
                    audit_logs::status.eq(e.status.map(i32::from)),
                    audit_logs::ip.eq(e.origin.ip.as_deref()),
                    audit_logs::user_agent.eq(e.origin.user_agent.as_deref()),
                    audit_logs::client_id.eq(e.origin.client_id.as_deref()),
                    audit_logs::details.eq(e.details.to_string()),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// The queue of refusals, written by the background writer.
#[derive(Default)]
pub struct AuditQueue {
    pending: Mutex<Vec<AuditEvent>>,
    dropped: AtomicU64,
    /// Held while writing, so that two writers (the background one and a reader of the log)
    /// store events in the order they happened.
    writing: Mutex<()>,
}

impl AuditQueue {
    /// Queues an event; when the queue is full it is counted and dropped (and the count is
    /// logged at the next write), so refusals can never grow memory without bound.
    pub fn push(&self, event: AuditEvent) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if pending.len() < MAX_PENDING {
            pending.push(event);
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Writes what is queued; on failure the events go back to be tried again.
    pub fn flush(&self, conn: &mut DbConnection) -> QueryResult<()> {
        self.write_with(conn, None)
    }

    /// Stores `event` now, after what is queued (so the log keeps the order things happened
    /// in); used with the change the event records, in its database work.
    pub fn record(&self, conn: &mut DbConnection, event: AuditEvent) -> QueryResult<()> {
        self.write_with(conn, Some(event))
    }

    fn write_with(&self, conn: &mut DbConnection, event: Option<AuditEvent>) -> QueryResult<()> {
        let _writing = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let mut events =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        events.extend(event);
        let dropped = self.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "audit queue was full: refusal events were not recorded"
            );
        }
        if events.is_empty() {
            return Ok(());
        }
        if let Err(error) = insert_all(conn, &events) {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            let room = MAX_PENDING.saturating_sub(pending.len());
            pending.extend(events.into_iter().take(room));
            return Err(error);
        }
        Ok(())
    }
}

/// Deletes the events older than `before` (retention); returns how many.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(audit_logs::table.filter(audit_logs::created_at.lt(before))).execute(conn)
}

/// A stored event.
#[derive(Debug, Clone, Queryable)]
pub struct StoredEvent {
    pub id: i32,
    pub at: NaiveDateTime,
    pub event: String,
    pub actor: Option<String>,
    pub token_id: Option<i32>,
    pub status: Option<i32>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub client_id: Option<String>,
    pub details: String,
}

/// What `GET /admin/audit-logs` selects; every part optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub event: Option<String>,
    pub actor: Option<String>,
    pub token_id: Option<i32>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// One page of the events that match, newest first, and how many match in all.
pub fn list(
    conn: &mut DbConnection,
    filter: &Filter,
    page: i64,
    page_size: i64,
) -> QueryResult<(Vec<StoredEvent>, i64)> {
    let query = || {
        let mut query = audit_logs::table.into_boxed();
        if let Some(event) = &filter.event {
            query = query.filter(audit_logs::event.eq(event.clone()));
        }
        if let Some(actor) = &filter.actor {
            query = query.filter(audit_logs::actor.eq(actor.clone()));
        }
        if let Some(id) = filter.token_id {
            query = query.filter(audit_logs::token_id.eq(id));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_logs::created_at.ge(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(audit_logs::created_at.le(to));
        }
        query
    };
    let total = query()
        .select(diesel::dsl::count_star())
        .first::<i64>(conn)?;
    let rows = query()
        .order((audit_logs::created_at.desc(), audit_logs::id.desc()))
        .offset((page - 1) * page_size)
        .limit(page_size)
        .load(conn)?;
    Ok((rows, total))
}
