//! Storage: one connection type over SQLite and PostgreSQL, chosen by the URL's scheme, an r2d2
//! pool of it, and the embedded migrations of each dialect.

pub mod schema;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever database the configuration names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

diesel::define_sql_function! {
    /// Unicode lower case. SQLite's own `lower()` folds ASCII only, which would make `$eqi` and
    /// `$containsi` differ from PostgreSQL on non-ASCII text.
    fn vellum_lower(text: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

pub type DbPool = Pool<ConnectionManager>;
pub type PooledDb = PooledConnection<ConnectionManager>;

/// The database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// `sqlite://PATH`, `sqlite:PATH` or a plain path select SQLite; `postgres://` and
    /// `postgresql://` select PostgreSQL; any other scheme is refused rather than guessed.
    pub fn parse(url: &str) -> Result<DatabaseUrl, DbError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_string()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err(DbError("DATABASE_URL is empty".into()));
        }
        if let Some((scheme, _)) = url.split_once("://")
            && scheme != "sqlite"
        {
            return Err(DbError(format!(
                "DATABASE_URL scheme `{scheme}` is not supported; use sqlite:// or postgres://"
            )));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }
}

/// A start-up failure of the database: one line, no secrets (passwords are cut from URLs).
#[derive(Debug, Clone)]
pub struct DbError(pub String);

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DbError {}

/// Makes connections for r2d2, choosing the backend from the URL (not by trial: SQLite accepts
/// any string) and preparing each SQLite connection.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        ConnectionManager { url }
    }

    fn establish(&self) -> ConnectionResult<DbConnection> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // A 1 MiB page cache per connection (SQLite's default is 2 MiB), and SQLite's
                // memory across the whole process held near 4 MiB (the soft heap limit is
                // process-wide: past it SQLite recycles unused cache pages): a full pool should
                // not hold 10 MiB of copies of the pages the operating system's cache holds once
                // (measured with the malloc settings of `vellum::configure_malloc`).
                let prepare = |conn: &mut SqliteConnection| -> QueryResult<()> {
                    conn.batch_execute(
                        "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                         PRAGMA cache_size = -1024; PRAGMA soft_heap_limit = 4194304;",
                    )?;
                    vellum_lower_utils::register_impl(conn, |text: Option<String>| {
                        text.map(|t| t.to_lowercase())
                    })
                };
                prepare(&mut conn).map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => PgConnection::establish(url).map(DbConnection::Pg),
        }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// Opens the database named by `url`: creates a SQLite file's folder and switches it to WAL
/// (once, before the pool's parallel connects), checks that it answers, and builds the pool.
pub fn connect(url: &str, pool_size: u32) -> Result<DbPool, DbError> {
    let url = DatabaseUrl::parse(url)?;
    if let DatabaseUrl::Sqlite(path) = &url
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            DbError(format!(
                "cannot create the database folder {}: {e}",
                dir.display()
            ))
        })?;
    }
    let manager = ConnectionManager::new(url.clone());
    let mut first = manager
        .establish()
        .map_err(|e| describe_connect_error(&url, &e))?;
    if let DbConnection::Sqlite(conn) = &mut first {
        conn.batch_execute("PRAGMA journal_mode = WAL;")
            .map_err(|e| DbError(format!("cannot switch the SQLite database to WAL: {e}")))?;
    }
    drop(first);
    // A PostgreSQL connection can die with its server or the network, so it is checked before
    // use; an SQLite file handle cannot, and the check would cost a parse per request.
    let check_on_checkout = matches!(url, DatabaseUrl::Postgres(_));
    Pool::builder()
        .max_size(pool_size)
        .test_on_check_out(check_on_checkout)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(5))
        .build(manager)
        .map_err(|e| DbError(format!("cannot open the database pool: {e}")))
}

fn describe_connect_error(url: &DatabaseUrl, error: &ConnectionError) -> DbError {
    let error = error.to_string().replace('\n', " ");
    let error = error.trim();
    match url {
        DatabaseUrl::Sqlite(path) => DbError(format!(
            "cannot open the SQLite database {}: {error}",
            path.display()
        )),
        DatabaseUrl::Postgres(text) => DbError(format!(
            "cannot connect to PostgreSQL at {}: {error}",
            redact_password(text)
        )),
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Applies the pending migrations of the connection's dialect; returns the names applied.
/// On PostgreSQL an advisory lock keeps instances that start together from racing.
pub fn migrate(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    let fail = |e: &dyn fmt::Display| DbError(format!("migration failed: {e}"));
    let applied = match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| fail(&e))?,
        DbConnection::Pg(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7461206)")
                .map_err(|e| fail(&e))?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|versions| {
                    versions
                        .into_iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                });
            c.batch_execute("SELECT pg_advisory_unlock(7461206)")
                .map_err(|e| fail(&e))?;
            return result.map_err(|e| fail(&e));
        }
    };
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// Runs `work` in a transaction that holds the database's write lock from its first statement
/// (SQLite `BEGIN IMMEDIATE`; PostgreSQL a `SHARE ROW EXCLUSIVE` lock on `lock_table`), for
/// read-then-write sequences that must not interleave with another instance's. Inside another
/// such transaction (or diesel's), `work` runs in a savepoint of it, taking `lock_table`'s lock
/// too on PostgreSQL (SQLite's is already held), so that one change may be made of others
/// and commit or roll back whole.
pub fn exclusive<T, E>(
    conn: &mut DbConnection,
    lock_table: &str,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let lock = format!("LOCK TABLE {lock_table} IN SHARE ROW EXCLUSIVE MODE");
    let depth = match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?
        }
        DbConnection::Pg(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?
        }
    };
    if depth.is_some() {
        return conn.transaction(|conn| {
            if let DbConnection::Pg(c) = conn {
                c.batch_execute(&lock)?;
            }
            work(conn)
        });
    }
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Pg(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            if let Err(error) = c.batch_execute(&lock) {
                let _ = AnsiTransactionManager::rollback_transaction(c);
                return Err(error.into());
            }
        }
    }
    let result = work(conn);
    let end = match (&result, conn) {
        (Ok(_), DbConnection::Sqlite(c)) => AnsiTransactionManager::commit_transaction(c),
        (Ok(_), DbConnection::Pg(c)) => AnsiTransactionManager::commit_transaction(c),
        (Err(_), DbConnection::Sqlite(c)) => AnsiTransactionManager::rollback_transaction(c),
        (Err(_), DbConnection::Pg(c)) => AnsiTransactionManager::rollback_transaction(c),
    };
    match (result, end) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(error)) => Err(error.into()),
        (Err(error), end) => {
            if let Err(rollback) = end {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_selects_backend_by_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("/tmp/x.db").unwrap(),
            DatabaseUrl::Sqlite("/tmp/x.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://root@localhost/db").is_err());
        assert!(DatabaseUrl::parse("").is_err());
    }

    /// An exclusive transaction inside another is a savepoint: its failure undoes its own work
    /// only, and the outer one's failure undoes everything.
    #[test]
    fn exclusive_transactions_nest() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("nest.db");
        let pool = connect(url.to_str().unwrap(), 1).unwrap();
        let mut conn = pool.get().unwrap();
        conn.batch_execute("CREATE TABLE t (n INTEGER)").unwrap();
        let insert = |conn: &mut DbConnection, n: i32| {
            conn.batch_execute(&format!("INSERT INTO t VALUES ({n})"))
        };
        let count = |conn: &mut DbConnection| {
            diesel::sql_query("SELECT n FROM t")
                .load::<N>(conn)
                .unwrap()
                .into_iter()
                .map(|row| row.n)
                .collect::<Vec<i32>>()
        };
        exclusive(&mut conn, "t", |conn| {
            insert(conn, 1)?;
            let inner: QueryResult<()> = exclusive(conn, "t", |conn| {
                insert(conn, 2)?;
                Err(diesel::result::Error::RollbackTransaction)
            });
            assert!(inner.is_err());
            exclusive(conn, "t", |conn| insert(conn, 3))
        })
        .unwrap();
        assert_eq!(count(&mut conn), [1, 3]);
        let outer: QueryResult<()> = exclusive(&mut conn, "t", |conn| {
            exclusive(conn, "t", |conn| insert(conn, 4))?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(outer.is_err());
        assert_eq!(count(&mut conn), [1, 3]);
        // And the connection is usable afterwards, outside any transaction.
        exclusive(&mut conn, "t", |conn| insert(conn, 5)).unwrap();
        assert_eq!(count(&mut conn), [1, 3, 5]);
    }

    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        n: i32,
    }

    #[test]
    fn redact_password_hides_only_the_password() {
        assert_eq!(
            redact_password("postgres://me:s3cret@db:5432/x"),
            "postgres://me:***@db:5432/x"
        );
        assert_eq!(redact_password("postgres://me@db/x"), "postgres://me@db/x");
    }
}

/// An SQLite database file as it was opened (its device and inode), to notice it being
/// removed or replaced while the server runs: SQLite would go on writing to the unlinked file,
/// and every write acknowledged since would be lost at the next start.
#[derive(Debug, Clone)]
pub struct DatabaseFile {
    pub path: PathBuf,
    identity: Option<(u64, u64)>,
}

impl DatabaseFile {
    pub fn open(path: &std::path::Path) -> DatabaseFile {
        DatabaseFile {
            path: path.to_path_buf(),
            identity: Self::identity(path),
        }
    }

    #[cfg(unix)]
    fn identity(path: &std::path::Path) -> Option<(u64, u64)> {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }

    #[cfg(not(unix))]
    fn identity(path: &std::path::Path) -> Option<(u64, u64)> {
        std::fs::metadata(path).ok().map(|_| (0, 0))
    }

    /// `Err` with what happened when the file at the path is no longer the one opened.
    pub fn check(&self) -> Result<(), String> {
        match (Self::identity(&self.path), self.identity) {
            (Some(now), Some(opened)) if now == opened => Ok(()),
            (None, _) => Err(format!("{} was removed", self.path.display())),
            _ => Err(format!("{} was replaced", self.path.display())),
        }
    }

    /// Written beside the database once it has an admin, and never removed by Vellum: a
    /// database at this path without an admin then means its file was lost, not a fresh
    /// install, and registration stays closed.
    pub fn admin_marker(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".had-admin");
        self.path.with_file_name(name)
    }

    /// Writes the admin marker (once the database has an admin); a failure is only logged.
    pub fn mark_admin(&self) {
        let marker = self.admin_marker();
        if marker.exists() {
            return;
        }
        if let Err(error) = std::fs::write(&marker, "an admin was registered on this database\n") {
            tracing::warn!(error = %error, marker = %marker.display(), "cannot write the admin marker");
        }
    }
}
