//! Two server processes on one database, as a scaled-out deployment runs them behind a load
//! balancer: the real server binary, twice, over HTTP. A session made on one is good on the other
//! (and ended on both by a sign-out on either); document numbers stay unique while both take
//! submissions at once; an approval on one is visible on the other at once; every outbox event
//! the submissions wrote is handled once, by one of the two workers.
//!
//! Run on both databases; PostgreSQL is the scale-out path this is for. Both processes use the
//! same `DATA_DIR` for attachments, as a shared volume would give them.

use crate::contract_world::World;
use crate::support::{self, Server};
use app::db::entities::{notification, outbox as outbox_row};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Submissions the two processes take at once.
const SUBMISSIONS: usize = 40;

/// One server process, reached over loopback HTTP.
struct Process {
    name: &'static str,
    port: u16,
    http: reqwest::Client,
    _server: Server,
}

impl Process {
    async fn start(w: &World, name: &'static str) -> Process {
        let (server, port) = support::start_server(&w.t, &[("OUTBOX_POLL_MS", "20")]).await;
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        Process { name, port, http, _server: server }
    }

    /// A same-origin JSON call to a server function: its status and JSON answer.
    async fn call(&self, path: &str, body: &Value, cookie: Option<&str>) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("http://127.0.0.1:{}/api/{path}", self.port))
            .header("content-type", "application/json")
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .body(body.to_string());
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let res = req.send().await.unwrap_or_else(|e| panic!("{} {path}: {e}", self.name));
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn ok(&self, path: &str, body: &Value, cookie: &str) -> Value {
        let (status, v) = self.call(path, body, Some(cookie)).await;
        assert_eq!(status, 200, "{} {path}: {v}", self.name);
        v
    }

    /// Signs `username` in through this process's sign-in form; the session cookie.
    async fn sign_in(&self, username: &str) -> String {
        let res = self
            .http
            .post(format!("http://127.0.0.1:{}/api/auth/sign_in", self.port))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .body(format!("username={username}&password={}", support::PASSWORD.replace(' ', "+")))
            .send()
            .await
            .expect("sign in");
        assert_eq!(res.status().as_u16(), 200, "{} signs in {username}", self.name);
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("wld_session="))
            .map(|v| v.split(';').next().unwrap_or("").to_owned())
            .expect("session cookie")
    }

    /// Who this process thinks `cookie` belongs to.
    async fn me(&self, cookie: &str) -> Option<String> {
        let (status, v) = self.call("auth/me", &json!({}), Some(cookie)).await;
        assert_eq!(status, 200, "{} auth/me: {v}", self.name);
        v["username"].as_str().map(str::to_owned)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_sessions_numbers_approvals_and_the_outbox() {
    let w = World::new().await;
    let (a, b) = (Process::start(&w, "A").await, Process::start(&w, "B").await);

    // A session made on A is good on B; signing out on B ends it on A too.
    let alice = a.sign_in("alice").await;
    assert_eq!(b.me(&alice).await.as_deref(), Some("alice"), "A's session on B");
    let brief = b.sign_in("amy").await;
    assert_eq!(a.me(&brief).await.as_deref(), Some("amy"), "B's session on A");
    let (status, _) = b.call("auth/sign_out", &json!({}), Some(&brief)).await;
    assert_eq!(status, 200);
    assert_eq!(a.me(&brief).await, None, "signed out on B, so no longer signed in on A");

    // Drafts with their vouchers, then every one submitted at once, every other one through B.
    let mut ready = Vec::new();
    for _ in 0..SUBMISSIONS {
        ready.push(w.ready(w.valid_draft()).await);
    }
    let mut set = tokio::task::JoinSet::new();
    let (a, b) = (std::sync::Arc::new(a), std::sync::Arc::new(b));
    for (n, (c, d)) in ready.into_iter().enumerate() {
        let (p, cookie) = (if n % 2 == 0 { a.clone() } else { b.clone() }, alice.clone());
        set.spawn(async move {
            let body = json!({"id": c["id"], "version": c["version"], "draft": d});
            (p.name, p.ok("contracts/submit", &body, &cookie).await)
        });
    }
    let mut numbers = HashSet::new();
    let mut submitted = Vec::new();
    while let Some(done) = set.join_next().await {
        let (_, c) = done.expect("submission task");
        numbers.insert(c["document_number"].as_str().expect("a number").to_owned());
        submitted.push(c);
    }
    let expected: HashSet<String> = (1..=SUBMISSIONS).map(|n| format!("QYWXHT-{n}")).collect();
    assert_eq!(numbers, expected, "each submission its own number, consecutive, through both processes");

    // ap1 decides on A; B sees the decision at once, in the contract and in ap1's inbox.
    let ap1 = b.sign_in("ap1").await;
    let first = &submitted[0];
    let inbox_ids = |v: &Value| -> HashSet<i64> {
        v["waiting"].as_array().map(|r| r.iter().filter_map(|x| x["contract_id"].as_i64()).collect()).unwrap_or_default()
    };
    let before = b.ok("approvals/inbox", &json!({}), &ap1).await;
    assert!(inbox_ids(&before).contains(&first["id"].as_i64().unwrap()), "waiting for ap1: {before}");
    a.ok("contracts/approve", &json!({"id": first["id"], "version": first["version"], "comment": "同意"}), &ap1).await;
    let seen_on_b = b.ok("contracts/get", &json!({"id": first["id"]}), &alice).await;
    assert_eq!(
        (seen_on_b["status"]["status"].as_str(), seen_on_b["status"]["level"].as_u64()),
        (Some("in_approval"), Some(2)),
        "B reads the approval A just recorded: {}",
        seen_on_b["status"]
    );
    let after = b.ok("approvals/inbox", &json!({}), &ap1).await;
    assert!(!inbox_ids(&after).contains(&first["id"].as_i64().unwrap()), "decided, so no longer waiting on B");
    assert_eq!(inbox_ids(&after).len(), SUBMISSIONS - 1);

    // Every event the submissions and the approval wrote is handled once: done at its first
    // attempt, and notifying each of its recipients once.
    let start = Instant::now();
    while !app::db::outbox::undone(&w.db, 1).await.unwrap().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(60), "the outbox was not emptied within 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rows = outbox_row::Entity::find().all(&w.db).await.unwrap();
    assert!(rows.len() > SUBMISSIONS, "the submissions and the approval wrote events: {}", rows.len());
    for r in &rows {
        assert!(r.done_at.is_some() && r.attempts == 0 && r.last_error.is_none(), "handled once, cleanly: {r:?}");
    }
    let notes = notification::Entity::find().filter(notification::Column::OutboxId.is_not_null()).all(&w.db).await;
    let mut per_event: HashMap<(i64, i64), u32> = HashMap::new();
    for n in notes.unwrap() {
        *per_event.entry((n.outbox_id.unwrap(), n.recipient_user_id)).or_default() += 1;
    }
    assert!(per_event.values().all(|n| *n == 1), "one notification per event and recipient: {per_event:?}");
    let ap1_notified = notification::Entity::find()
        .filter(notification::Column::RecipientUserId.eq(w.approvers[0]))
        .count(&w.db)
        .await
        .unwrap();
    assert_eq!(ap1_notified as usize, SUBMISSIONS, "ap1 told once of each contract reaching level 1");
    assert!(
        notification::Entity::find()
            .filter(notification::Column::RecipientUserId.eq(w.approvers[1]))
            .count(&w.db)
            .await
            .unwrap()
            >= 1,
        "ap2 told of the contract reaching level 2"
    );

    drop((a, b));
    w.done().await;
}
