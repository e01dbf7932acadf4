//! `GET /metrics`: what an operator watches, in Prometheus' text format (version 0.0.4), for the
//! scraper configured with `METRICS_TOKEN` only (`Authorization: Bearer <token>`; without the
//! setting the route answers 404 like any unknown path, with a wrong token 401).
//!
//! - `http_requests_total{method,route,status}` and `http_request_duration_seconds{method,route}`
//!   (a histogram): every request, by its route pattern (`/contracts/{id}`), a server function by
//!   its endpoint (`/api/contracts/save`), anything else (site files, unknown paths) as `other` —
//!   so the label set stays bounded whatever clients send.
//! - `db_pool_connections{state="idle"|"in_use"}` and `db_pool_max_connections`; on SQLite
//!   `db_write_batches_total` and `db_writes_total`, the group-commit writer's transactions and the
//!   writes in them (`app::db::writer`).
//! - `outbox_events_waiting`, `outbox_oldest_event_age_seconds`, `outbox_events_dead`,
//!   `outbox_failed_attempts_total`, read from the outbox table at scrape time.
//! - `wecom_jobs{state}`: the WeCom license jobs by state.
//! - `process_resident_memory_bytes`, `process_resident_memory_peak_bytes` (Linux), and
//!   `process_uptime_seconds`.

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

/// The histogram's upper bounds, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// One route's figures: answers by status, and the latency histogram.
#[derive(Default)]
struct Series {
    statuses: BTreeMap<u16, u64>,
    /// Requests per bucket (not cumulative; summed when written).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The request counters and latency histograms of one router, by method and route.
pub struct Metrics {
    started: Instant,
    series: Mutex<BTreeMap<(String, String), Series>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics { started: Instant::now(), series: Mutex::default() }
    }
}

impl Metrics {
    fn observe(&self, method: &str, route: String, status: u16, seconds: f64) {
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let s = series.entry((method.to_owned(), route)).or_default();
        *s.statuses.entry(status).or_default() += 1;
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            s.buckets[i] += 1;
        }
        s.count += 1;
        s.sum += seconds;
    }

    fn write_requests(&self, out: &mut String) {
        let series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP http_requests_total Requests answered, by method, route and status.\n");
        out.push_str("# TYPE http_requests_total counter\n");
        for ((method, route), s) in series.iter() {
            for (status, n) in &s.statuses {
                let _ = writeln!(
                    out,
                    "http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str("# HELP http_request_duration_seconds Time to the response's head, by method and route.\n");
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for ((method, route), s) in series.iter() {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                cumulative += n;
                let _ = writeln!(out, "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(out, "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
    }
}

/// A label value as the text format wants it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The route a request is counted under: its pattern, a known server function's own path, or
/// `other` (site files, unknown paths, unknown server functions).
fn route_of(request: &Request) -> String {
    let Some(matched) = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str) else {
        return "other".to_owned();
    };
    if matched != "/api/{*fn_name}" {
        return matched.to_owned();
    }
    let name = request.uri().path().trim_start_matches("/api/");
    if app::functions::ENDPOINTS.iter().any(|(endpoint, _)| *endpoint == name) {
        format!("/api/{name}")
    } else {
        "/api/other".to_owned()
    }
}

/// Middleware: counts and times every request (to the response's head).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (method, route, start) = (request.method().clone(), route_of(&request), Instant::now());
    let response = next.run(request).await;
    state.metrics.observe(method.as_str(), route, response.status().as_u16(), start.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token_hash) = state.metrics_token_hash.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let offered =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    // Compared by hash, so the comparison's time says nothing about the token.
    if offered.map(app::crypto::token_hash).as_deref() != Some(token_hash) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "metrics: wrong or missing token\n")
            .into_response();
    }
    let mut out = String::with_capacity(16 * 1024);
    state.metrics.write_requests(&mut out);
    write_pool(&state.db, &mut out);
    match app::services::ops::snapshot(&state.db, chrono::Utc::now()).await {
        Ok(s) => {
            gauge(&mut out, "outbox_events_waiting", "Outbox events not yet handled.", s.outbox_waiting as f64);
            gauge(
                &mut out,
                "outbox_oldest_event_age_seconds",
                "Age of the oldest outbox event not yet handled (0 when none waits).",
                s.outbox_oldest_age_secs,
            );
            gauge(&mut out, "outbox_events_dead", "Outbox events given up on.", s.outbox_dead as f64);
            counter(
                &mut out,
                "outbox_failed_attempts_total",
                "Failed delivery attempts over the outbox events kept.",
                s.outbox_failed_attempts,
            );
            out.push_str("# HELP wecom_jobs WeCom license jobs by state.\n# TYPE wecom_jobs gauge\n");
            for (state, n) in &s.wecom_jobs {
                let _ = writeln!(out, "wecom_jobs{{state=\"{}\"}} {n}", escape(state));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "metrics: reading the outbox and WeCom jobs failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "metrics: the database did not answer\n").into_response();
        }
    }
    if let Some((rss, peak)) = memory() {
        gauge(&mut out, "process_resident_memory_bytes", "Resident memory.", rss as f64);
        gauge(&mut out, "process_resident_memory_peak_bytes", "Peak resident memory.", peak as f64);
    }
    gauge(
        &mut out,
        "process_uptime_seconds",
        "Seconds since the router was built.",
        state.metrics.started.elapsed().as_secs_f64(),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
}

fn write_pool(db: &DatabaseConnection, out: &mut String) {
    let (size, idle, max) = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle(), p.options().get_max_connections())
        }
        DatabaseBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle(), p.options().get_max_connections())
        }
        _ => return,
    };
    let idle = idle as u32;
    out.push_str("# HELP db_pool_connections Open database connections by state.\n# TYPE db_pool_connections gauge\n");
    let _ = writeln!(out, "db_pool_connections{{state=\"idle\"}} {idle}");
    let _ = writeln!(out, "db_pool_connections{{state=\"in_use\"}} {}", size.saturating_sub(idle));
    gauge(out, "db_pool_max_connections", "The pool's largest size.", f64::from(max));
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        // Group commit: writes over batches is how many requests share a commit.
        let w = app::db::writer::stats(db);
        counter(out, "db_write_batches_total", "SQLite write transactions of the group-commit writer.", w.batches);
        counter(out, "db_writes_total", "Writes run in those transactions.", w.writes);
    }
}

fn counter(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
}

/// Resident and peak resident memory in bytes (Linux's `/proc/self/status`).
pub fn memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = |key: &str| {
        status.lines().find_map(|l| l.strip_prefix(key)?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
    };
    Some((kib("VmRSS:")? * 1024, kib("VmHWM:")? * 1024))
}
