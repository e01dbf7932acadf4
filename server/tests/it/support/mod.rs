//! Test support: a fresh database per test (a temporary SQLite file, or a new PostgreSQL
//! database when `TEST_DATABASE_URL` is set) and an in-process router to call.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use server::config::Config;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;

pub mod outbox;
pub mod remote;
pub mod uploads;

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub backend: &'static str,
    pub data_dir: PathBuf,
    /// For PostgreSQL: the admin URL and the database to drop at the end.
    pg_cleanup: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn new() -> TestDb {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let unique = format!("{}_{}_{}", std::process::id(), n, chrono::Utc::now().timestamp_micros());
        let data_dir = std::env::temp_dir().join(format!("wld-test-{unique}"));
        std::fs::create_dir_all(&data_dir).expect("temp dir");
        match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(admin_url) => {
                let name = format!("wld_test_{unique}");
                let admin = Database::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                admin.close().await.ok();
                let url = replace_database(&admin_url, &name);
                TestDb { url, backend: "postgres", data_dir, pg_cleanup: Some((admin_url, name)) }
            }
            None => {
                let url = format!("sqlite://{}?mode=rwc", data_dir.join("test.db").display());
                TestDb { url, backend: "sqlite", data_dir, pg_cleanup: None }
            }
        }
    }

    pub fn config(&self) -> Config {
        let (url, dir) = (self.url.clone(), self.data_dir.display().to_string());
        Config::from_lookup(|key| match key {
            "DATABASE_URL" => Some(url.clone()),
            "DATA_DIR" => Some(dir.clone()),
            _ => None,
        })
        .expect("test config")
    }

    /// Connects and migrates, as the server does at start-up.
    pub async fn open(&self) -> DatabaseConnection {
        server::open_database(&self.config()).await.expect("open test database")
    }

    /// The attachment store the test configuration names (what the router uses).
    pub fn store(&self) -> server::storage::Store {
        let config = self.config();
        server::storage::open(&config.storage, &config.data_dir).expect("attachment store")
    }

    /// The router over a migrated database, and the connection for direct checks.
    pub async fn app(&self) -> (Router, DatabaseConnection) {
        let db = self.open().await;
        (server::router(&self.config(), db.clone()).expect("router"), db)
    }

    /// Drops the PostgreSQL database (SQLite files go with the temp dir).
    pub async fn cleanup(self, db: DatabaseConnection) {
        // A connection still held by a task the test dropped would make `close` wait for the pool's
        // timeout (minutes); the forced drop below ends such connections anyway.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), db.close()).await;
        if let Some((admin_url, name)) = &self.pg_cleanup {
            if let Ok(admin) = Database::connect(admin_url).await {
                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
                admin.close().await.ok();
            }
        }
        std::fs::remove_dir_all(&self.data_dir).ok();
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = match base.rfind('/') {
        Some(i) if i > base.find("://").map_or(0, |s| s + 2) => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A response read to the end.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> TestResponse {
    let response = app.clone().oneshot(request).await.expect("infallible router");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    TestResponse { status, headers, body }
}

pub async fn get(app: &Router, uri: &str) -> TestResponse {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub async fn post_json(app: &Router, uri: &str, body: &str) -> TestResponse {
    send(app, Request::post(uri).header("content-type", "application/json").body(Body::from(body.to_owned())).unwrap())
        .await
}

/// A form POST to a server function, as our own page would send it.
pub async fn post_form(app: &Router, uri: &str, form: &[(&str, &str)], cookie: Option<&str>) -> TestResponse {
    let body = form.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&");
    let mut req = Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    send(app, req.body(Body::from(body)).unwrap()).await
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `name=value` part of the session cookie a response set, if any.
pub fn session_cookie(res: &TestResponse) -> Option<String> {
    session_cookie_in(&res.headers)
}

/// The `name=value` part of the session cookie set in `headers`, if any.
pub fn session_cookie_in(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("wld_session="))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
}

/// Creates a user (and their organisation) directly in the database.
pub async fn make_user(db: &DatabaseConnection, org: &str, username: &str, role: app::models::Role) -> i64 {
    let org_id = app::db::accounts::ensure_organisation(db, org).await.expect("organisation");
    app::services::accounts::create_user(db, org_id, username, username, role, PASSWORD).await.expect("user").id
}

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";

/// Signs in through the real server function and returns the cookie to send.
pub async fn sign_in(app: &Router, username: &str) -> String {
    let res = post_form(app, "/api/auth/sign_in", &[("username", username), ("password", PASSWORD)], None).await;
    assert_eq!(res.status, StatusCode::OK, "sign-in of {username}: {}", res.text());
    session_cookie(&res).expect("session cookie")
}

/// The real server binary serving `t`'s database on `port`, with `extra` settings; its stdout is
/// dropped, its stderr shown. The caller waits for `/healthz` and kills it.
pub fn spawn_server(t: &TestDb, port: u16, extra: &[(&str, &str)]) -> std::process::Child {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.arg("serve")
        .env("DATABASE_URL", &t.url)
        .env("DATA_DIR", &t.data_dir)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .env_remove("WLD_DEMO")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.spawn().expect("start the server binary")
}

/// A contract row with only what the schema requires (blank texts, version 1, in `status`), for
/// tests that need a contract without going through the form; set what a test cares about on it.
pub fn contract_row(
    organisation_id: i64,
    owner: i64,
    status: app::domain::contract::ContractStatus,
) -> app::db::entities::contract::ActiveModel {
    use sea_orm::Set;
    let now = chrono::Utc::now();
    app::db::entities::contract::ActiveModel {
        organisation_id: Set(organisation_id),
        owner_user_id: Set(owner),
        created_by: Set(owner),
        status: Set(status.code().to_owned()),
        status_level: Set(status.level().and_then(|l| i32::try_from(l).ok())),
        version: Set(1),
        approval_round: Set(0),
        end_customer: Set(String::new()),
        corp_id: Set(String::new()),
        corp_name: Set(String::new()),
        lease_url: Set(String::new()),
        installed_app: Set(String::new()),
        remark: Set(String::new()),
        source_kind: Set("none".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// The server binary, killed (SIGKILL) when dropped.
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// The real server binary on a free port with `extra` settings, once it answers `/healthz`; and
/// its port.
pub async fn start_server(t: &TestDb, extra: &[(&str, &str)]) -> (Server, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = Server(spawn_server(t, port, extra));
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(60) {
        if healthz(port).await {
            return (server, port);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the server did not answer /healthz within 60 s");
}

async fn healthz(port: u16) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else { return false };
    let request = format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.is_ok() && answer.starts_with(b"HTTP/1.1 200")
}
