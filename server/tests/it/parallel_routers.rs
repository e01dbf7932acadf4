//! Many routers in one process, as the test suites build them: building a router must never stall
//! a page that another router is rendering at the same moment.
//!
//! Building a router generates the page routes, which renders the app with resource loading
//! switched off by a process-wide flag; a page whose resource was first polled while that flag
//! was set never finished (leptos-rs/leptos#4773). The server now generates the routes once per
//! process. Without that, this test hangs on one of its requests (seen within a few rounds).

use crate::support;

use axum::http::StatusCode;
use std::time::Duration;
use support::{TestDb, get};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn building_routers_while_pages_render_never_stalls_a_page() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let (config, db2) = (t.config(), db.clone());
    let builder = tokio::task::spawn_blocking(move || {
        for _ in 0..60 {
            let _router = server::router(&config, db2.clone()).expect("router");
        }
    });
    // `/q/<token>` reads its quote through a resource; a well-formed unknown token goes to the
    // database, a malformed one resolves at once. Both must answer.
    let unknown = format!("/q/{}", "ab".repeat(32));
    for round in 0..60 {
        let path = if round % 2 == 0 { unknown.as_str() } else { "/q/short" };
        // A hang detector, not a speed check: each page takes milliseconds.
        let page = tokio::time::timeout(Duration::from_secs(60), get(&app, path))
            .await
            .unwrap_or_else(|_| panic!("round {round}: {path} never finished while routers were being built"));
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
    }
    builder.await.expect("router builder");
    t.cleanup(db).await;
}
