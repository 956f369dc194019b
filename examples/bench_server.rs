//! The benchmark server of `bench/run`: Vellum exactly as `vellum serve` runs it, plus two
//! measuring points that exist only here (never in the `vellum` binary):
//! - `GET /_bench/bare`: no authentication and no database, the limit of the HTTP stack;
//! - `GET /_bench/articles/{documentId}`: the same read as findOne through the pool, without
//!   authentication or query parsing, the limit of the database.
//!
//! With `BENCH_SEED_ARTICLES=N` it first fills an empty `articles` table with N generated rows.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use std::sync::Arc;
use vellum::AppState;
use vellum::clock::SystemClock;
use vellum::config::Config;
use vellum::content::query::{Query, Status};
use vellum::content::sql::Dialect;
use vellum::content::storage::dialect_of;
use vellum::content::{seed, store};

async fn bare() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"data": "ok"}))
}

async fn primary_read(state: web::Data<AppState>, document_id: web::Path<String>) -> HttpResponse {
    let Some(article) = state.content().by_uid("api::article.article") else {
        return HttpResponse::NotFound().finish();
    };
    let query = Query::first(Status::Published);
    let id = document_id.into_inner();
    match state
        .db(move |conn| Ok(store::find_one(conn, &article, Some(&id), &query)?))
        .await
    {
        Ok(Some(entry)) => HttpResponse::Ok().json(serde_json::json!({"data": entry, "meta": {}})),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// The allocator of the `vellum` binary, so that the numbers are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    vellum::configure_malloc();
    dotenvy::dotenv().ok();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let run = || -> Result<(), String> {
        let config = Config::from_env().map_err(|e| e.to_string())?;
        let state = AppState::init(config, Arc::new(SystemClock)).map_err(|e| e.to_string())?;
        if let Some(count) = std::env::var("BENCH_SEED_ARTICLES")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            let article = state
                .content()
                .by_uid("api::article.article")
                .ok_or("no article content type")?;
            let mut conn = state.pool.get().map_err(|e| e.to_string())?;
            let (entries, _) = store::find(&mut conn, &article, &Query::first(Status::Published))
                .map_err(|e| e.to_string())?;
            if entries.is_empty() {
                let dialect = dialect_of(&conn);
                conn.batch_execute(&seed::statement(dialect, &article, count))
                    .map_err(|e| e.to_string())?;
                // Measure the steady state: statistics gathered, the write-ahead log folded in.
                conn.batch_execute(match dialect {
                    Dialect::Postgres => "ANALYZE",
                    Dialect::Sqlite => "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)",
                })
                .map_err(|e| e.to_string())?;
            }
        }
        let address = state.config.listen_address();
        let listener = std::net::TcpListener::bind(&address).map_err(|e| e.to_string())?;
        actix_web::rt::System::new()
            .block_on(async move {
                vellum::server_with(state, listener, Default::default(), |cfg| {
                    cfg.route("/_bench/bare", web::get().to(bare))
                        .route("/_bench/articles/{id}", web::get().to(primary_read));
                })?
                .await
            })
            .map_err(|e| e.to_string())
    };
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
