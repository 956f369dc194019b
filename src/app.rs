//! The state every handler shares (`AppState`) and the database work it runs on the
//! blocking pool.

use crate::admin::login_limit::LoginLimiter;
use crate::admin::sessions::SessionKeys;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::content::Registry;
use crate::db::{DbConnection, DbPool};
use crate::error::ApiResult;
use crate::tokens::service::Tokens;
use crate::{audit, db, error, tokens};
use actix_web::web;
use std::fmt;
use std::sync::{Arc, RwLock};

/// Everything a request handler may need, shared by all workers.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    pub clock: SharedClock,
    pub sessions: Arc<SessionKeys>,
    pub login_limiter: Arc<LoginLimiter>,
    pub tokens: Arc<Tokens>,
    /// Refusals waiting to be written to the audit log.
    pub audit: Arc<audit::AuditQueue>,
    pub(crate) content: Arc<RwLock<Arc<Registry>>>,
    /// Held while a content type is changed through the Admin API, one change at a time.
    pub schema_changes: Arc<std::sync::Mutex<()>>,
    /// SQLite allows one writer at a time; writers of this process queue here instead of
    /// polling the database's lock (`None` on PostgreSQL).
    pub(crate) sqlite_writer: Option<Arc<std::sync::Mutex<()>>>,
    /// The SQLite file as opened, checked before each write and at health (`None` on
    /// PostgreSQL).
    pub database_file: Option<Arc<db::DatabaseFile>>,
    /// Set when an SQLite database without an admin is found where one had an admin: its file
    /// was lost, and `register-admin` stays closed.
    pub registration_closed: bool,
}

/// Why the server could not start; printed as one line.
#[derive(Debug)]
pub struct InitError(pub String);

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InitError {}

impl AppState {
    /// A token change by `actor` at `now`, recorded in this instance's audit log.
    pub fn change(
        &self,
        actor: tokens::service::Actor,
        now: chrono::NaiveDateTime,
    ) -> tokens::service::Change<'_> {
        tokens::service::Change {
            actor,
            audit: &self.audit,
            now,
        }
    }

    /// The content types in force (a snapshot: a change made meanwhile is seen next time).
    pub fn content(&self) -> Arc<Registry> {
        self.content
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Puts a new set of content types in force for the requests that follow.
    pub fn replace_content(&self, registry: Registry) {
        *self
            .content
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(registry);
    }

    /// 503 when the SQLite file is no longer the one opened (removed or replaced): a write
    /// then would be acknowledged and lost.
    pub fn check_database_file(&self) -> ApiResult<()> {
        let Some(file) = &self.database_file else {
            return Ok(());
        };
        file.check().map_err(|what| {
            tracing::error!(problem = %what, "the database file is gone: writes are refused; restart on the right file");
            error::ApiError::service_unavailable(
                "The database file was removed or replaced while the server ran; writes are refused until it is restarted on the right file",
            )
        })
    }

    /// Runs `work` with a pooled connection on the blocking thread pool, so that actix workers
    /// never wait on the database.
    pub async fn db<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await?
    }

    /// `db` for work that writes: on SQLite it first waits its turn among this process's
    /// writers, then takes a connection.
    pub async fn db_write<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
    {
        self.check_database_file()?;
        let pool = self.pool.clone();
        let writer = self.sqlite_writer.clone();
        web::block(move || {
            let _turn = writer
                .as_ref()
                .map(|gate| gate.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await?
    }
}
