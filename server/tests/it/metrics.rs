//! `GET /metrics` for a configured scraper: 404 without `METRICS_TOKEN`, 401 without the right
//! bearer token, and with it the Prometheus text: request counts and latency histograms per
//! route (bounded labels), the database pool, the outbox's queue, its oldest event's age and its
//! failures, WeCom jobs per state, and the process's memory.

use crate::support::outbox::header;
use crate::support::uploads::app_with;
use crate::support::{self, TestDb, get, send};
use app::db::outbox::{self, Retry};
use app::domain::contract::ContractStatus;
use app::domain::event::Event;
use app::models::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sea_orm::{ActiveModelTrait, Set};

const TOKEN: &str = "scraper-token-0123456789";

async fn scrape(app: &axum::Router, token: Option<&str>) -> support::TestResponse {
    let mut req = Request::get("/metrics");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    send(app, req.body(Body::empty()).unwrap()).await
}

/// The value of the sample named exactly `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn without_a_configured_token_there_are_no_metrics() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    assert_eq!(scrape(&app, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(scrape(&app, Some(TOKEN)).await.status, StatusCode::NOT_FOUND);
    t.cleanup(db).await;
}

#[tokio::test]
async fn a_short_token_is_refused_at_start_up() {
    let t = TestDb::new().await;
    let error = server::config::Config::from_lookup(|k| match k {
        "DATA_DIR" => Some(t.data_dir.display().to_string()),
        "METRICS_TOKEN" => Some("short".to_owned()),
        _ => None,
    })
    .expect_err("a short token");
    assert!(error.to_string().contains("METRICS_TOKEN"), "{error}");
    let db = t.open().await;
    t.cleanup(db).await;
}

#[tokio::test]
async fn the_scraper_reads_requests_pool_outbox_wecom_and_memory() {
    let t = TestDb::new().await;
    let (app, db) = app_with(&t, &[("METRICS_TOKEN", TOKEN)]).await;
    assert_eq!(scrape(&app, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(&app, Some("scraper-token-wrong-000000")).await.status, StatusCode::UNAUTHORIZED);

    // Requests of every sort: a route, a server function, a page with a parameter, unknown paths.
    for _ in 0..3 {
        assert_eq!(get(&app, "/healthz").await.status, StatusCode::OK);
    }
    let me = Request::post("/api/auth/me").header("content-type", "application/json").body(Body::from("{}"));
    assert_eq!(send(&app, me.unwrap()).await.status, StatusCode::OK);
    get(&app, "/q/abcdef").await;
    for n in 0..5 {
        get(&app, &format!("/no-such-page-{n}")).await;
        let unknown = Request::post(format!("/api/made-up-{n}")).body(Body::from("{}")).unwrap();
        send(&app, unknown).await;
    }

    // The outbox: one event waiting, one waiting for its retry after a failure, one dead.
    let user = support::make_user(&db, "甲公司", "approver.m", Role::Approver).await;
    let org = app::db::accounts::ensure_organisation(&db, "甲公司").await.unwrap();
    let contract = support::contract_row(org, user, ContractStatus::Approved).insert(&db).await.unwrap();
    let event = || Event::ContractApproved { header: header(contract.id, vec![user]) };
    outbox::enqueue(&db, &event()).await.unwrap();
    let retried = outbox::enqueue(&db, &event()).await.unwrap();
    let dead = outbox::enqueue(&db, &event()).await.unwrap();
    let now = chrono::Utc::now();
    let claimed =
        outbox::claim(&db, "w", &["contract.approved"], now, chrono::Duration::seconds(60), 10).await.unwrap();
    assert_eq!(claimed.len(), 3);
    let later = now + chrono::Duration::hours(1);
    assert!(outbox::fail(&db, retried, "w", "robot: 503", Retry::At(later)).await.unwrap());
    assert!(outbox::fail(&db, dead, "w", "robot: 400", Retry::Never(now)).await.unwrap());
    outbox::release(&db, &[claimed[0].id], "w").await.unwrap();
    // A WeCom job that stopped.
    app::db::entities::wecom_job::ActiveModel {
        contract_id: Set(contract.id),
        state: Set("stopped".to_owned()),
        plan: Set("{}".to_owned()),
        polls: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&db)
    .await
    .unwrap();

    // A write through the group-commit writer (SQLite's batches are counted).
    app::db::writer::write(&db, |txn| {
        Box::pin(async move { Ok(app::db::audit::record(txn, chrono::Utc::now(), None, "m", "test", 1, &()).await?) })
    })
    .await
    .unwrap();

    let res = scrape(&app, Some(TOKEN)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.headers["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = res.text();
    let has = |series: &str| sample(&text, series).unwrap_or_else(|| panic!("no {series} in:\n{text}"));
    assert_eq!(has(r#"http_requests_total{method="GET",route="/healthz",status="200"}"#), 3.0);
    assert_eq!(has(r#"http_request_duration_seconds_count{method="GET",route="/healthz"}"#), 3.0);
    assert_eq!(has(r#"http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"}"#), 3.0);
    assert_eq!(has(r#"http_requests_total{method="POST",route="/api/auth/me",status="200"}"#), 1.0);
    assert_eq!(
        has(r#"http_requests_total{method="GET",route="/q/{token}",status="404"}"#),
        1.0,
        "a page by its pattern"
    );
    // Unknown paths and server functions share one label each, whatever their names.
    assert!(!text.contains("no-such-page") && !text.contains("made-up"), "{text}");
    assert!(text.contains(r#"route="other""#) && text.contains(r#"route="/api/other""#), "{text}");
    assert!(has(r#"db_pool_max_connections"#) >= 1.0);
    assert!(text.contains(r#"db_pool_connections{state="idle"}"#));
    assert_eq!(has("outbox_events_waiting"), 2.0, "the fresh one and the one to retry");
    assert!(has("outbox_oldest_event_age_seconds") >= 0.0);
    assert_eq!(has("outbox_events_dead"), 1.0);
    assert_eq!(has("outbox_failed_attempts_total"), 2.0);
    assert_eq!(has(r#"wecom_jobs{state="stopped"}"#), 1.0);
    if t.backend == "sqlite" {
        assert!(has("db_writes_total") >= 1.0 && has("db_write_batches_total") >= 1.0, "{text}");
    } else {
        assert!(!text.contains("db_writes_total"), "PostgreSQL has no writer: {text}");
    }
    assert!(has("process_resident_memory_peak_bytes") >= has("process_resident_memory_bytes").min(1.0));
    t.cleanup(db).await;
}
