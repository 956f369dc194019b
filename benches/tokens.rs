//! The cost of tokens on the request path, measured in one run:
//! - parse and verify a token that is in the cache (goal: under 5 µs);
//! - look a token up in the database (a cache miss) among 1 k and among 1 M stored tokens
//!   (goal: the 1 M lookup within 10 % of the 1 k one);
//! - an authenticated `GET /api/articles/{documentId}` over real HTTP beside the same read
//!   with no authentication, on one server (goal: auth costs at most 20 % of throughput).
//!
//! Run with `cargo bench --bench tokens`; the summary at the end gives the ratios.

use actix_web::{HttpRequest, HttpResponse, web};
use criterion::{Criterion, criterion_group};
use diesel::connection::SimpleConnection;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vellum::AppState;
use vellum::clock::SystemClock;
use vellum::config::Config;
use vellum::content::query::{Limits, parse_query_string};
use vellum::content::store;
use vellum::tokens::TokenDraft;
use vellum::tokens::format::PlainToken;
use vellum::tokens::service::Actor;
use vellum::tokens::{Credential, TokenType};

fn state(dir: &std::path::Path) -> AppState {
    let url = format!("sqlite://{}/bench.db", dir.display());
    let vars = [
        ("DATABASE_URL", url.as_str()),
        ("API_TOKEN_SALT", "bench-salt"),
        ("ADMIN_JWT_SECRET", "bench-secret"),
        ("RUST_LOG", "error"),
        // The steady state: at the default 1 s, one lookup per token per second joins the hits.
        ("TOKEN_CACHE_TTL", "1h"),
    ];
    let config = Config::from_vars(
        |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        },
        &dir.join("secrets.env"),
    )
    .unwrap();
    AppState::init(config, Arc::new(SystemClock)).unwrap()
}

fn issue(state: &AppState, name: &str, token_type: TokenType) -> PlainToken {
    let mut conn = state.pool.get().unwrap();
    let draft = TokenDraft {
        owner: None,
        name: name.into(),
        description: String::new(),
        token_type,
        permissions: None,
        lifespan: None,
        expires_at: None,
        policy: Default::default(),
    };
    let change = state.change(Actor::cli(), chrono::Utc::now().naive_utc());
    state
        .tokens
        .create(&mut conn, &change, draft, &state.content().actions())
        .unwrap()
        .1
}

/// Fills `api_tokens` with `count` random hashes besides the real ones.
fn seed_tokens(state: &AppState, count: u64) {
    let mut conn = state.pool.get().unwrap();
    conn.batch_execute(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
         INSERT INTO api_tokens (kind, name, description, type, access_key_hash, salt_version, created_at, updated_at) \
         SELECT 'content-api', 'seed ' || i, '', 'read-only', lower(hex(randomblob(64))), 'seed', \
         '2024-01-01 00:00:00', '2024-01-01 00:00:00' FROM n; \
         ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)"
    ))
    .unwrap();
}

fn median(mut work: impl FnMut(), runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn verify_cached(state: &AppState, text: &str) -> Arc<Credential> {
    let token = PlainToken::parse(text).unwrap();
    let hash = state.tokens.salts.current.hash(&token);
    let credential = state.tokens.cache.get(&hash).unwrap();
    assert!(credential.allows("api::article.article.findOne"));
    credential
}

/// `GET /bench/articles/{documentId}`: the Content API's findOne without authentication.
async fn unauthenticated_find_one(
    state: web::Data<AppState>,
    request: HttpRequest,
    document_id: web::Path<String>,
) -> HttpResponse {
    let article = state.content().by_uid("api::article.article").unwrap();
    let limits = Limits {
        default_limit: 25,
        max_limit: 100,
        max_populate_depth: 10,
    };
    let query =
        parse_query_string(&state.content(), &article, request.query_string(), limits).unwrap();
    let id = document_id.into_inner();
    let entry = state
        .db(move |conn| Ok(store::find_one(conn, &article, Some(&id), &query)?))
        .await
        .unwrap();
    HttpResponse::Ok().json(serde_json::json!({"data": entry, "meta": {}}))
}

fn tokens(c: &mut Criterion) {
    let mut summary = Vec::new();

    // Cache hit.
    let dir = tempfile::tempdir().unwrap();
    let app = state(dir.path());
    let token = issue(&app, "hit", TokenType::ReadOnly);
    let text = token.expose().to_string();
    let found = app
        .tokens
        .find(&mut app.pool.get().unwrap(), &token)
        .unwrap()
        .unwrap();
    app.tokens
        .cache
        .insert(app.tokens.salts.current.hash(&token), Arc::new(found));
    c.bench_function("tokens/verify_cache_hit", |b| {
        b.iter(|| black_box(verify_cached(&app, &text)))
    });
    summary.push(format!(
        "parse + verify, cache hit: {:?} (goal < 5 µs)",
        median(|| drop(black_box(verify_cached(&app, &text))), 10_000)
    ));

    // Cache miss among 1 k and 1 M stored tokens (or the counts in TOKEN_COUNTS).
    let counts: Vec<u64> = std::env::var("TOKEN_COUNTS")
        .ok()
        .map(|v| {
            v.split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .filter(|v: &Vec<u64>| !v.is_empty())
        .unwrap_or_else(|| vec![1_000, 1_000_000]);
    let label = |count: u64| match count {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    };
    let mut misses = Vec::new();
    for &count in &counts {
        let dir = tempfile::tempdir().unwrap();
        let app = state(dir.path());
        seed_tokens(&app, count);
        let token = issue(&app, "needle", TokenType::ReadOnly);
        let lookup = || {
            let mut conn = app.pool.get().unwrap();
            black_box(app.tokens.find(&mut conn, &token).unwrap().unwrap());
        };
        c.bench_function(&format!("tokens/lookup_miss_{}", label(count)), |b| {
            b.iter(lookup)
        });
        misses.push((label(count), median(lookup, 2_000)));
    }
    let first = misses[0].1.as_secs_f64();
    let listed: Vec<String> = misses.iter().map(|(l, t)| format!("{l} {t:?}")).collect();
    let (last_label, last) = misses.last().unwrap();
    summary.push(format!(
        "token lookup, cache miss: {}; {last_label} {:?}, ratio {:.2} to {} (goal ≤ 1.10)",
        listed.join(", "),
        last,
        last.as_secs_f64() / first,
        misses[0].0
    ));

    // End to end over HTTP, one server, with and without authentication.
    let dir = tempfile::tempdir().unwrap();
    let app = state(dir.path());
    let full = issue(&app, "reader", TokenType::FullAccess);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (sender, receiver) = std::sync::mpsc::channel();
    let served = app.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = vellum::server_with(served, listener, Default::default(), |cfg| {
                cfg.route(
                    "/bench/articles/{id}",
                    web::get().to(unauthenticated_find_one),
                );
            })
            .unwrap();
            sender.send(server.handle()).unwrap();
            server.await
        })
    });
    let handle = receiver.recv().unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let created: serde_json::Value = agent
        .post(&format!("{base}/api/articles"))
        .header("authorization", &format!("Bearer {}", full.expose()))
        .send_json(serde_json::json!({"data": {"title": "Bench"}}))
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let document = created["data"]["documentId"].as_str().unwrap().to_string();
    let authorization = format!("Bearer {}", full.expose());
    let with_auth = || {
        let mut response = agent
            .get(&format!("{base}/api/articles/{document}"))
            .header("authorization", &authorization)
            .call()
            .unwrap();
        black_box(response.body_mut().read_to_string().unwrap());
    };
    let without_auth = || {
        let mut response = agent
            .get(&format!("{base}/bench/articles/{document}"))
            .call()
            .unwrap();
        black_box(response.body_mut().read_to_string().unwrap());
    };
    c.bench_function("http/find_one_authenticated", |b| b.iter(with_auth));
    c.bench_function("http/find_one_without_auth", |b| b.iter(without_auth));
    // Interleaved rounds, so that noise on this shared machine falls on both alike.
    let (mut authed, mut bare) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        authed.push(median(with_auth, 400));
        bare.push(median(without_auth, 400));
    }
    authed.sort();
    bare.sort();
    summary.push(format!(
        "HTTP findOne: authenticated {:?}, without auth {:?}; auth costs {:.1} % of throughput (goal ≤ 20 %)",
        authed[2],
        bare[2],
        (1.0 - bare[2].as_secs_f64() / authed[2].as_secs_f64()) * 100.0
    ));
    drop(handle.stop(false));

    println!("\nmedians, this run:");
    for line in summary {
        println!("{line}");
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = tokens
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
