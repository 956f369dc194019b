//! `GET /_health`: whether this instance and its database answer.

use crate::AppState;
use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde_json::json;
use std::time::Duration;

/// How long the check waits for a connection before calling the database unavailable.
const DATABASE_WAIT: Duration = Duration::from_secs(2);

pub async fn check(state: web::Data<AppState>) -> HttpResponse {
    if state.check_database_file().is_err() {
        return HttpResponse::ServiceUnavailable()
            .json(json!({"status": "error", "database": "file removed or replaced"}));
    }
    let pool = state.pool.clone();
    let answered = web::block(move || {
        pool.get_timeout(DATABASE_WAIT)
            .map_err(|e| e.to_string())
            .and_then(|mut conn| conn.batch_execute("SELECT 1").map_err(|e| e.to_string()))
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|result| result);
    match answered {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ok", "database": "ok"})),
        Err(error) => {
            tracing::warn!(error = %error, "health check: database unavailable");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "error", "database": "unavailable"}))
        }
    }
}
