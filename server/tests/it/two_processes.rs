//! Two server processes on one database, as a scaled-out deployment runs them behind a load
//! balancer: the real server binary, twice, over HTTP. A session made on one is good on the other
//! (and ended on both by a sign-out on either); document numbers stay unique while both take
//! submissions at once; an approval on one is visible on the other at once; every outbox event
//! the submissions wrote is handled once, by one of the two workers.
//!
//! Run on both databases; PostgreSQL is the scale-out path this is for. Both processes use the
//! same `DATA_DIR` for attachments, as a shared volume would give them.

use crate::contract_world::World;
use crate::support::remote::Process;
use app::db::entities::{notification, outbox as outbox_row};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Submissions the two processes take at once.
const SUBMISSIONS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_sessions_numbers_approvals_and_the_outbox() {
    let w = World::new().await;
    let (a, b) = (Process::start(&w.t, "A", &[]).await, Process::start(&w.t, "B", &[]).await);

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
        v["waiting"]
            .as_array()
            .map(|r| r.iter().filter_map(|x| x["contract_id"].as_i64()).collect())
            .unwrap_or_default()
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
