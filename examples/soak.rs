//! The soak driver of `bench/soak`: a mixed load at a fixed rate against a running server, for
//! minutes, while the server's RSS is sampled; writes a Markdown report.
//!
//! Request `i` is due at `start + i / rate` and its latency counts from then, so a server that
//! falls behind shows it in the latencies (no coordinated omission). One request in ten each
//! creates, updates and deletes an article; the rest are findOne, list and filtered list.
//!
//! Environment: SOAK_BASE (http://127.0.0.1:port), SOAK_TOKEN (full-access), SOAK_PID (the
//! server's pid, for /proc), SOAK_RATE (requests a second, default 200), SOAK_WARMUP (seconds
//! of load before the measured part, default 60), SOAK_SECONDS (measured, default 600),
//! SOAK_OUT (the report's path), SOAK_LABEL (a heading, e.g. the backend).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const WORKERS: u64 = 32;
const SAMPLE_EVERY: Duration = Duration::from_secs(10);

fn var(name: &str, default: Option<&str>) -> String {
    std::env::var(name)
        .ok()
        .or(default.map(str::to_string))
        .unwrap_or_else(|| panic!("{name} is required"))
}

fn rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

struct Client {
    base: String,
    authorization: String,
    agent: ureq::Agent,
}

impl Client {
    /// Status and body, or the transport error as text.
    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<(u16, String), String> {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("authorization", &self.authorization)
            .header("content-type", "application/json")
            .body(body.unwrap_or_default())
            .map_err(|e| e.to_string())?;
        let mut response = self.agent.run(request).map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        Ok((status, text))
    }
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    errors: u64,
    samples: Vec<String>,
}

/// One request of kind `i % 10` for a worker holding the documents it created in `own`.
fn one(client: &Client, i: u64, own: &mut Vec<String>) -> Result<(), String> {
    let document = |text: &str| -> Option<String> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        Some(value["data"]["documentId"].as_str()?.to_string())
    };
    let expect = |reply: Result<(u16, String), String>, status: u16, what: &str| {
        let (got, text) = reply?;
        if got == status {
            Ok(text)
        } else {
            Err(format!(
                "{what}: {got} {}",
                text.chars().take(200).collect::<String>()
            ))
        }
    };
    match (i % 10, own.last()) {
        (0, _) | (1..=2, None) => {
            let body = format!(r#"{{"data":{{"title":"soak {i}","views":{}}}}}"#, i % 1000);
            let text = expect(
                client.send("POST", "/api/articles", Some(body)),
                201,
                "create",
            )?;
            own.extend(document(&text));
        }
        (1, Some(id)) => {
            let body = format!(r#"{{"data":{{"views":{}}}}}"#, i % 1000);
            let path = format!("/api/articles/{id}");
            expect(client.send("PUT", &path, Some(body)), 200, "update")?;
        }
        (2, Some(id)) => {
            let path = format!("/api/articles/{id}");
            expect(client.send("DELETE", &path, None), 204, "delete")?;
            own.pop();
        }
        (3..=6, _) => {
            let path = match own.last() {
                Some(id) => format!("/api/articles/{id}"),
                None => "/api/articles?pagination%5BpageSize%5D=1".to_string(),
            };
            expect(client.send("GET", &path, None), 200, "findOne")?;
        }
        (7..=8, _) => {
            let path = "/api/articles?pagination%5BpageSize%5D=10&sort=views:desc";
            expect(client.send("GET", path, None), 200, "find")?;
        }
        _ => {
            let path =
                "/api/articles?filters%5Bviews%5D%5B%24gte%5D=900&pagination%5BpageSize%5D=10";
            expect(client.send("GET", path, None), 200, "filtered find")?;
        }
    }
    Ok(())
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

fn main() {
    let client = Client {
        base: var("SOAK_BASE", None),
        authorization: format!("Bearer {}", var("SOAK_TOKEN", None)),
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into(),
    };
    let pid = var("SOAK_PID", None);
    let rate: u64 = var("SOAK_RATE", Some("200")).parse().expect("SOAK_RATE");
    let seconds: u64 = var("SOAK_SECONDS", Some("600"))
        .parse()
        .expect("SOAK_SECONDS");
    let warmup: u64 = var("SOAK_WARMUP", Some("60")).parse().expect("SOAK_WARMUP");
    let out = var("SOAK_OUT", None);
    let label = var("SOAK_LABEL", Some("Vellum"));

    let idle_rss = rss_kib(&pid);
    let total = rate * (warmup + seconds);
    let next = AtomicU64::new(0);
    let tally = Mutex::new(Tally::default());
    let rss_series = Mutex::new(Vec::new());
    let start = Instant::now();
    let due = |i: u64| start + Duration::from_nanos(i * 1_000_000_000 / rate);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut at = SAMPLE_EVERY;
            loop {
                std::thread::sleep(Duration::from_millis(100));
                let done = tally.lock().unwrap().latencies_us.len();
                if done as u64 >= total {
                    return;
                }
                if start.elapsed() >= at {
                    let sample = (at.as_secs(), rss_kib(&pid), done);
                    rss_series.lock().unwrap().push(sample);
                    at += SAMPLE_EVERY;
                }
            }
        });
        for _ in 0..WORKERS {
            scope.spawn(|| {
                let mut own = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return;
                    }
                    let at = due(i);
                    std::thread::sleep(at.saturating_duration_since(Instant::now()));
                    let outcome = one(&client, i, &mut own);
                    let latency = Instant::now().duration_since(at).as_micros() as u64;
                    let mut tally = tally.lock().unwrap();
                    tally.latencies_us.push(latency);
                    if let Err(error) = outcome {
                        tally.errors += 1;
                        if tally.samples.len() < 5 {
                            tally.samples.push(error);
                        }
                    }
                }
            });
        }
    });
    let elapsed = start.elapsed().as_secs_f64();
    let mut tally = tally.into_inner().unwrap();
    let mut series = rss_series.into_inner().unwrap();
    series.push((elapsed as u64, rss_kib(&pid), tally.latencies_us.len()));
    tally.latencies_us.sort_unstable();
    // The caches (SQLite's pages per pooled connection, the allocator's arenas) fill during the
    // warm-up; the steady state is measured from its end.
    let first = series
        .iter()
        .find(|s| s.0 >= warmup)
        .map_or(idle_rss, |s| s.1);
    let last = series.last().map(|s| s.1).unwrap_or(idle_rss);
    let growth = (last as f64 - first as f64) / first.max(1) as f64 * 100.0;

    let mut report = format!(
        "# Soak: {label}\n\n\
         A mixed load at a fixed rate ({rate} requests/s for a {warmup} s warm-up, then {seconds} s \
         measured; per ten requests: one \
         create, one update, one delete, four findOne, two sorted lists, one filtered list), \
         {WORKERS} client threads on loopback, driven by `bench/soak`.\n\n\
         | figure | value | goal |\n|---|---|---|\n\
         | requests | {} in {elapsed:.0} s ({:.0}/s) | {rate}/s |\n\
         | errors (transport, 5xx or unexpected status) | {} | 0 |\n\
         | latency from due time p50 / p99 / max | {:.2} / {:.2} / {:.2} ms | |\n\
         | RSS idle before the load | {:.1} MiB | |\n\
         | RSS after the {} s warm-up → at the end | {:.1} → {:.1} MiB ({growth:+.1} %) | flat within 10 % |\n",
        tally.latencies_us.len(),
        tally.latencies_us.len() as f64 / elapsed,
        tally.errors,
        percentile(&tally.latencies_us, 0.5),
        percentile(&tally.latencies_us, 0.99),
        percentile(&tally.latencies_us, 1.0),
        idle_rss as f64 / 1024.0,
        warmup,
        first as f64 / 1024.0,
        last as f64 / 1024.0,
    );
    if !tally.samples.is_empty() {
        report.push_str("\nFirst errors:\n\n");
        for sample in &tally.samples {
            report.push_str(&format!("- `{sample}`\n"));
        }
    }
    report.push_str("\n| seconds | RSS (MiB) | requests done |\n|---|---|---|\n");
    let shown = |i: usize, at: u64| {
        i == 0 || i + 1 == series.len() || at == warmup || at.is_multiple_of(60)
    };
    for (_, (at, rss, done)) in series.iter().enumerate().filter(|(i, s)| shown(*i, s.0)) {
        report.push_str(&format!(
            "| {at} | {:.1} | {done} |\n",
            *rss as f64 / 1024.0
        ));
    }
    std::fs::write(&out, &report).expect("write the report");
    print!("{report}");
    if tally.errors > 0 {
        std::process::exit(1);
    }
}
