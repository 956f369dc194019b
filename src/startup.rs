//! Start-up and serving: opening and preparing the database (`AppState::init`), the HTTP
//! server and its middleware (`server`), and the background work (the usage and audit writer,
//! the audit log's retention).

use crate::admin::login_limit::LoginLimiter;
use crate::admin::sessions::SessionKeys;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::content::Registry;
use crate::db::{DbConnection, DbPool};
use crate::tokens::configured::ConfiguredTokens;
use crate::tokens::service::Tokens;
use crate::{AppState, InitError};
use crate::{admin, audit, content, db, error, http};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;
use std::sync::{Arc, RwLock};

impl AppState {
    /// Opens the database, applies pending migrations, completes the default roles, loads the
    /// content types and brings their tables up to date, and on a fresh install creates the
    /// default API tokens.
    pub fn init(config: Config, clock: SharedClock) -> Result<AppState, InitError> {
        let pool = db::connect(&config.database_url, config.database_pool_size)
            .map_err(|e| InitError(e.to_string()))?;
        let mut conn = pool
            .get()
            .map_err(|e| InitError(format!("cannot use the database: {e}")))?;
        let applied = db::migrate(&mut conn).map_err(|e| InitError(e.to_string()))?;
        for name in &applied {
            tracing::info!(migration = %name, "applied migration");
        }
        admin::roles::ensure_defaults(&mut conn, clock.now())
            .map_err(|e| InitError(format!("cannot prepare the admin roles: {e}")))?;
        let mut types = content::load_dir(&config.content_types_dir).map_err(InitError)?;
        Registry::check_names(&types).map_err(InitError)?;
        content::link_relations(&mut types).map_err(InitError)?;
        let reports = content::storage::sync_all(&mut conn, &mut types, clock.now())
            .map_err(|e| InitError(e.to_string()))?;
        for (uid, report) in reports {
            if report.created {
                tracing::info!(content_type = %uid, "created table");
            }
            for column in report.added_columns {
                tracing::info!(content_type = %uid, column = %column, "added column");
            }
            for column in report.kept_columns {
                tracing::warn!(
                    content_type = %uid,
                    column = %column,
                    "attribute removed from the schema; its column and data are kept"
                );
            }
        }
        let registry = Registry::new(types);
        let mut tokens = Tokens::new(&config);
        if let Some(path) = &config.access_tokens_file {
            let types = registry.types.iter().map(|t| t.uid.clone()).collect();
            tokens.configured =
                ConfiguredTokens::load(path, &registry.actions(), &types).map_err(InitError)?;
            tracing::info!(
                count = tokens.configured.tokens.len(),
                "access tokens read from ACCESS_TOKENS_FILE"
            );
        }
        let tokens = Arc::new(tokens);
        let no_admin = admin::users::count(&mut conn)
            .map_err(|e| InitError(format!("cannot count the admins: {e}")))?
            == 0;
        tokens
            .create_defaults_if_fresh(&mut conn, clock.now(), no_admin)
            .map_err(|e| InitError(format!("cannot create the default API tokens: {e}")))?;
        if let Err(error) = tokens.warn_expiring(&mut conn, clock.now()) {
            tracing::warn!(error = %error, "could not look for expiring tokens");
        }
        purge_audit_log(&mut conn, config.audit_log_retention, clock.now());
        let database_file = match db::DatabaseUrl::parse(&config.database_url) {
            Ok(db::DatabaseUrl::Sqlite(path)) => Some(Arc::new(db::DatabaseFile::open(&path))),
            _ => None,
        };
        let sqlite_writer = database_file
            .as_ref()
            .map(|_| Arc::new(std::sync::Mutex::new(())));
        let registration_closed = match &database_file {
            Some(file) => guard_registration(&mut conn, file)?,
            None => false,
        };
        drop(conn);
        let audit = Arc::new(audit::AuditQueue::default());
        spawn_background_writer(&tokens, &audit, &pool, &clock, config.audit_log_retention);
        Ok(AppState {
            tokens,
            audit,
            sessions: Arc::new(SessionKeys::new(
                &config.admin_jwt_secret,
                config.admin_jwt_expires_in,
            )),
            config: Arc::new(config),
            pool,
            clock,
            login_limiter: Arc::new(LoginLimiter::default()),
            content: Arc::new(RwLock::new(Arc::new(registry))),
            schema_changes: Arc::new(std::sync::Mutex::new(())),
            database_file,
            registration_closed,
            sqlite_writer,
        })
    }
}

/// Tunes the allocators for a server's load; to be called first in `main`, before any thread
/// starts. The binaries allocate with mimalloc (their `#[global_allocator]`): with glibc's
/// malloc and free, a populated list of ten cost 1.80 M instructions a request instead of
/// 1.38 M. mimalloc gives freed memory back at once rather than after a delay (option 15,
/// `mi_option_purge_delay` in its `mimalloc.h`, which the `-sys` crate does not name) and
/// commits its arenas as they are used (`MI_DEFAULT_ARENA_EAGER_COMMIT=0` in
/// `.cargo/config.toml`: the first arena is reserved before `main`); with its defaults a
/// populate load's peak RSS was 61–67 MiB, with both 34 MiB (glibc: 26 MiB).
///
/// SQLite allocates with glibc's malloc, tuned here:
/// - One arena per core: glibc's default (up to 8 arenas per core, one taken by each thread that
///   allocates) fragments the heap across the blocking threads: under `bench/soak` the RSS grew
///   by a quarter in two minutes with the default and ended a third lower with one arena per
///   core.
/// - Fixed mmap and trim thresholds (setting them turns off glibc's adjusting them upwards after
///   large frees): memory freed at the top of a heap is given back, and buffers of 64 KiB or
///   more are mapped apart. Together with SQLite's soft heap limit (see `db`) the peak RSS of
///   a bench-like load at 256 connections fell from 49–50 MiB to 35–36 MiB in an A/B run, at
///   the same throughput; the soft limit alone raised it to 63 MiB (SQLite giving back and
///   taking cache pages fragments the adjusting heap), the thresholds alone lowered it ~3 MiB.
pub fn configure_malloc() {
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: mimalloc's options may be set at any time.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only changes allocator settings, and runs before other threads.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
            libc::mallopt(libc::M_MMAP_THRESHOLD, 64 * 1024);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 256 * 1024);
        }
    }
}

/// The HTTP server over `listener`, not yet awaited.
pub fn server(state: AppState, listener: TcpListener) -> std::io::Result<actix_web::dev::Server> {
    server_with(state, listener, Arc::default(), |_| {})
}

/// The server with the GraphQL cache it is to use (a test reads it) and extra routes (the
/// benchmark server adds measuring points this way).
pub fn server_with(
    state: AppState,
    listener: TcpListener,
    graphql: Arc<http::graphql::Schemas>,
    extra: impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
) -> std::io::Result<actix_web::dev::Server> {
    let max_body = state.config.max_body_bytes;
    // Blocking threads only run database work, and each needs a pooled connection: more of them
    // would only wait for one, costing memory and wake-ups under load. Each worker has a pool
    // of its own, so that the connections are shared out among the workers.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let blocking_threads = (state.config.database_pool_size as usize).div_ceil(workers);
    let data = web::Data::new(state);
    let graphql = web::Data::from(graphql);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(graphql.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(max_body)
                    .error_handler(error::json_error),
            )
            .app_data(web::PayloadConfig::new(max_body))
            .wrap(ErrorHandlers::new().default_handler(error::envelope_fallback))
            // Outermost, so that every answer carries it, refusals of actix's own included.
            .wrap(DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
            .configure(extra.clone())
            .configure(http::routes)
            .default_service(web::to(error::not_found))
    })
    .workers(workers)
    .worker_max_blocking_threads(blocking_threads.max(1))
    .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
    .listen(listener)?
    .run();
    Ok(server)
}

/// How long SIGTERM/SIGINT lets requests in flight finish before their connections are closed.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// How often recorded token uses are looked at for writing.
const USAGE_FLUSH_TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// How often expiring tokens are logged, and old audit events deleted, while the server runs.
const DAILY: std::time::Duration = std::time::Duration::from_secs(86_400);

/// Keeps the admin marker beside an SQLite database that has an admin; `true` (registration
/// closed, said loudly) when the database has none but the marker says it had one.
fn guard_registration(conn: &mut DbConnection, file: &db::DatabaseFile) -> Result<bool, InitError> {
    let admins = admin::users::count(conn)
        .map_err(|e| InitError(format!("cannot count the admins: {e}")))?;
    if admins > 0 {
        file.mark_admin();
        return Ok(false);
    }
    let marker = file.admin_marker();
    if marker.exists() {
        tracing::error!(
            database = %file.path.display(),
            marker = %marker.display(),
            "this database has no admin, but one was registered on a database at this path: \
             its file was removed or replaced. Registration stays closed: restore the database, \
             or delete the marker and restart to register a new first admin"
        );
        return Ok(true);
    }
    Ok(false)
}

/// Deletes the audit events older than `AUDIT_LOG_RETENTION`.
fn purge_audit_log(
    conn: &mut DbConnection,
    retention: Option<std::time::Duration>,
    now: chrono::NaiveDateTime,
) {
    let Some(keep) = retention.and_then(|d| chrono::Duration::from_std(d).ok()) else {
        return;
    };
    match audit::purge(conn, now - keep) {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "audit events past their retention deleted"),
        Err(error) => tracing::warn!(error = %error, "could not delete old audit events"),
    }
}

/// Writes recorded token uses and queued audit events in the background until the token system
/// is dropped; daily, warns of expiring tokens and applies the audit log's retention.
fn spawn_background_writer(
    tokens: &Arc<Tokens>,
    audit: &Arc<audit::AuditQueue>,
    pool: &DbPool,
    clock: &SharedClock,
    retention: Option<std::time::Duration>,
) {
    let tokens = Arc::downgrade(tokens);
    let audit = Arc::downgrade(audit);
    let pool = pool.clone();
    let clock = clock.clone();
    let spawned = std::thread::Builder::new()
        .name("token-usage".into())
        .spawn(move || {
            let mut daily = std::time::Instant::now();
            loop {
                std::thread::sleep(USAGE_FLUSH_TICK);
                let (Some(tokens), Some(audit)) = (tokens.upgrade(), audit.upgrade()) else {
                    return;
                };
                let Ok(mut conn) = pool.get() else {
                    tracing::warn!("no database connection for token uses; will retry");
                    continue;
                };
                if daily.elapsed() >= DAILY {
                    daily = std::time::Instant::now();
                    tokens.warn_expiring(&mut conn, clock.now()).ok();
                    purge_audit_log(&mut conn, retention, clock.now());
                }
                if let Err(error) = tokens.flush_usage(&mut conn) {
                    tracing::warn!(error = %error, "could not record token uses; will retry");
                }
                if let Err(error) = audit.flush(&mut conn) {
                    tracing::warn!(error = %error, "could not write audit events; will retry");
                }
            }
        });
    if let Err(error) = spawned {
        tracing::error!(error = %error, "could not start the token usage writer");
    }
}
