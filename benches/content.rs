//! Content reads at 10 k and 1 M rows, on SQLite and (when `TEST_DATABASE_URL` names one) on
//! PostgreSQL: findOne by documentId, find of 10 with an indexed filter, and find of 10 with no
//! filter (whose total counts every row). The goal: the indexed find grows less than 2× from
//! 10 k to 1 M rows. Run with `cargo bench --bench content`; the summary at the end gives the
//! ratios measured in this run.

use criterion::{Criterion, criterion_group};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use std::hint::black_box;
use std::time::{Duration, Instant};
use vellum::content::query::{self, Limits, Query};
use vellum::content::schema::ContentType;
use vellum::content::sql::Dialect;
use vellum::content::{load_dir, seed, storage, store};
use vellum::db::{self, DbPool};

const SIZES: [(u64, &str); 2] = [(10_000, "10k"), (1_000_000, "1M")];

struct Setup {
    backend: &'static str,
    size: &'static str,
    rows: u64,
    pool: DbPool,
    article: ContentType,
    _dir: tempfile::TempDir,
    schema: Option<(String, String)>,
}

impl Drop for Setup {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.schema
            && let Ok(mut conn) = PgConnection::establish(base)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

fn setup(backend: &'static str, rows: u64, size: &'static str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (url, schema) = match backend {
        "sqlite" => (format!("sqlite://{}/bench.db", dir.path().display()), None),
        _ => {
            let base = std::env::var("TEST_DATABASE_URL").unwrap();
            let schema = format!("bench_{size}_{}", std::process::id()).to_lowercase();
            let mut conn = PgConnection::establish(&base).unwrap();
            conn.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .unwrap();
            let separator = if base.contains('?') { '&' } else { '?' };
            (
                format!("{base}{separator}options=-csearch_path%3D{schema}"),
                Some((base, schema)),
            )
        }
    };
    let pool = db::connect(&url, 4).unwrap();
    let mut conn = pool.get().unwrap();
    db::migrate(&mut conn).unwrap();
    let mut types = load_dir(std::path::Path::new("content-types")).unwrap();
    let now = chrono::Utc::now().naive_utc();
    storage::sync_all(&mut conn, &mut types, now).unwrap();
    let article = types
        .into_iter()
        .find(|t| t.plural_name == "articles")
        .unwrap();
    let dialect = if backend == "sqlite" {
        Dialect::Sqlite
    } else {
        Dialect::Postgres
    };
    let mut seed = seed::statement(dialect, &article, rows);
    // Measure the steady state: statistics gathered, the write-ahead log folded in.
    seed.push_str(match dialect {
        Dialect::Postgres => "; ANALYZE articles",
        Dialect::Sqlite => "; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)",
    });
    conn.batch_execute(&seed).unwrap();
    drop(conn);
    Setup {
        backend,
        size,
        rows,
        pool,
        article,
        _dir: dir,
        schema,
    }
}

fn parse(article: &ContentType, raw: &str) -> Query {
    let limits = Limits {
        default_limit: 25,
        max_limit: 100,
        max_populate_depth: 10,
    };
    query::parse_query_string(&Default::default(), article, raw, limits).unwrap()
}

/// A named read, run once per call.
type Read<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// The three reads of one setup, each as a closure over a pooled connection.
fn reads(setup: &Setup) -> Vec<Read<'_>> {
    let middle = format!("seed{:020}", setup.rows / 2);
    let one = parse(&setup.article, "");
    let indexed = parse(
        &setup.article,
        &format!(
            "filters[views][$gte]={}&sort=views:desc&pagination[pageSize]=10",
            setup.rows - 100
        ),
    );
    let plain = parse(&setup.article, "pagination[pageSize]=10");
    let pool = &setup.pool;
    let article = &setup.article;
    vec![
        (
            "findOne",
            Box::new(move || {
                let mut conn = pool.get().unwrap();
                black_box(
                    store::find_one(&mut conn, article, Some(&middle), &one)
                        .unwrap()
                        .unwrap(),
                );
            }),
        ),
        (
            "find_indexed_filter",
            Box::new(move || {
                let mut conn = pool.get().unwrap();
                black_box(store::find(&mut conn, article, &indexed).unwrap());
            }),
        ),
        (
            "find_unfiltered",
            Box::new(move || {
                let mut conn = pool.get().unwrap();
                black_box(store::find(&mut conn, article, &plain).unwrap());
            }),
        ),
    ]
}

fn median(read: &dyn Fn()) -> Duration {
    let mut times: Vec<Duration> = (0..300)
        .map(|_| {
            let start = Instant::now();
            read();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn content(c: &mut Criterion) {
    let mut backends = vec!["sqlite"];
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty()) {
        backends.push("postgres");
    }
    let mut summary = Vec::new();
    for backend in backends {
        let mut medians: Vec<(&str, Duration)> = Vec::new();
        for (rows, size) in SIZES {
            let setup = setup(backend, rows, size);
            let mut group = c.benchmark_group(format!("content/{}/{}", setup.backend, setup.size));
            group
                .measurement_time(Duration::from_secs(3))
                .warm_up_time(Duration::from_secs(1));
            for (name, read) in reads(&setup) {
                group.bench_function(name, |b| b.iter(&read));
                medians.push((name, median(&read)));
            }
            group.finish();
        }
        for name in ["findOne", "find_indexed_filter", "find_unfiltered"] {
            let times: Vec<Duration> = medians
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|(_, t)| *t)
                .collect();
            summary.push(format!(
                "{backend:8} {name:20} 10k {:>10.1?}  1M {:>10.1?}  ratio {:.2}",
                times[0],
                times[1],
                times[1].as_secs_f64() / times[0].as_secs_f64()
            ));
        }
    }
    println!("\nmedians of 300 reads, this run:");
    for line in summary {
        println!("{line}");
    }
}

criterion_group!(benches, content);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
