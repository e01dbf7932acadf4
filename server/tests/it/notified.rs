//! The approval moves tell the right people, through the outbox: written in the move's
//! transaction, turned into in-app notifications by the worker after it commits. An approver hears
//! when a contract reaches their level and never before; the owner hears of the outcome; nobody
//! hears of their own move. SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.

use crate::contract_world;

use app::db::notifications;
use contract_world::World;
use sea_orm::DatabaseConnection;
use serde_json::json;
use server::outbox::{Worker, WorkerConfig, default_handlers};

/// Runs the outbox until nothing is left to do.
async fn deliver(db: &DatabaseConnection) {
    let config = WorkerConfig::from_lookup(&|_| None).expect("default outbox config");
    let worker = Worker::new(db.clone(), default_handlers(db, None), config);
    for _ in 0..20 {
        if worker.run_once().await.expect("outbox pass").claimed == 0 {
            return;
        }
    }
    panic!("the outbox did not drain");
}

/// `(kind, contract, text)` of a user's notifications, oldest first.
async fn inbox(db: &DatabaseConnection, user: i64) -> Vec<(String, Option<i64>, String)> {
    let mut rows = notifications::list(db, user, 100).await.expect("notifications");
    rows.reverse();
    rows.into_iter().map(|n| (n.kind, n.contract_id, n.text)).collect()
}

#[tokio::test]
async fn each_level_is_told_in_turn_and_the_owner_of_the_outcome() {
    let w = World::new().await;
    let c = w.submitted().await;
    let id = c["id"].as_i64().unwrap();
    let [ap1, ap2, ap3] = w.approvers;

    // Written with the submission, nobody is told before the worker runs (after the commit).
    assert!(inbox(&w.db, ap1).await.is_empty());
    deliver(&w.db).await;
    assert_eq!(inbox(&w.db, ap1).await, vec![("contract.level_reached".into(), Some(id), String::new())]);
    for later in [ap2, ap3, w.alice] {
        assert!(inbox(&w.db, later).await.is_empty(), "told too early: {later}");
    }

    let c = w.ok("ap1", "contracts/approve", json!({ "id": id, "version": c["version"], "comment": "" })).await;
    deliver(&w.db).await;
    assert_eq!(inbox(&w.db, ap2).await.len(), 1, "level 2 is told when it is its turn");
    assert!(inbox(&w.db, ap3).await.is_empty(), "level 3 is not told yet");
    assert_eq!(inbox(&w.db, ap1).await.len(), 1, "nobody is told of their own move");

    let reason = "付款凭证金额与合同金额不符";
    w.ok("ap2", "contracts/reject", json!({ "id": id, "version": c["version"], "reason": reason })).await;
    deliver(&w.db).await;
    assert_eq!(inbox(&w.db, w.alice).await, vec![("contract.rejected".into(), Some(id), reason.to_owned())]);
    assert!(inbox(&w.db, ap3).await.is_empty(), "a rejected contract never reaches level 3");
    assert_eq!(notifications::unread_count(&w.db, w.alice).await.unwrap(), 1);
    w.done().await;
}

#[tokio::test]
async fn the_final_approval_and_the_fulfilment_reach_the_owner() {
    let w = World::new().await;
    let mut c = w.submitted().await;
    let id = c["id"].as_i64().unwrap();
    for name in ["ap1", "ap2", "ap3"] {
        c = w.ok(name, "contracts/approve", json!({ "id": id, "version": c["version"], "comment": "同意" })).await;
    }
    w.ok(
        "root",
        "contracts/fulfil",
        json!({ "id": id, "version": c["version"], "wecom_order_id": "OI000123", "activation_date": "2024-07-16", "api_expiry_date": "" }),
    )
    .await;
    deliver(&w.db).await;
    let kinds: Vec<String> = inbox(&w.db, w.alice).await.into_iter().map(|(k, _, _)| k).collect();
    assert_eq!(kinds, ["contract.approved", "contract.fulfilled"]);
    // Each approver was told once: when the contract reached their level.
    for ap in w.approvers {
        assert_eq!(inbox(&w.db, ap).await.len(), 1, "approver {ap}");
    }
    w.done().await;
}

#[tokio::test]
async fn a_move_that_fails_tells_nobody() {
    let w = World::new().await;
    let c = w.submitted().await;
    let id = c["id"].as_i64().unwrap();
    deliver(&w.db).await;
    // A stale version: refused, and its transaction (with its event) rolled back.
    let res = w.call(Some("ap1"), "contracts/approve", json!({ "id": id, "version": 0, "comment": "" })).await;
    assert_eq!(res.status.as_u16(), 409, "{}", res.text());
    deliver(&w.db).await;
    assert!(inbox(&w.db, w.approvers[1]).await.is_empty());
    w.done().await;
}
