//! The approver's desk on the server: the inbox (waiting at my level, oldest first; what I
//! handled) with its count, and the in-app notifications (mine only, mark read, mark all read).
//! SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.

use crate::contract_world;

use contract_world::World;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use server::outbox::{Worker, WorkerConfig, default_handlers};

/// Runs the outbox until it is empty (the notifications are written).
pub async fn deliver(db: &DatabaseConnection) {
    let config = WorkerConfig::from_lookup(&|_| None).expect("default outbox config");
    let worker = Worker::new(db.clone(), default_handlers(db, None), config);
    while worker.run_once().await.expect("outbox pass").claimed > 0 {}
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array().unwrap().iter().map(|i| i["contract_id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn the_inbox_lists_what_waits_at_my_level_oldest_first_and_what_i_handled() {
    let w = World::new().await;
    let first = w.submitted().await;
    let second = w.submitted().await;
    let (a, b) = (first["id"].as_i64().unwrap(), second["id"].as_i64().unwrap());

    let inbox = w.ok("ap1", "approvals/inbox", json!({})).await;
    assert_eq!(ids(&inbox["waiting"]), [a, b], "oldest submission first");
    assert_eq!((inbox["waiting"][0]["level"].as_u64(), inbox["waiting"][0]["levels"].as_u64()), (Some(1), Some(3)));
    assert_eq!(inbox["waiting"][0]["document_number"], first["document_number"]);
    assert_eq!(w.ok("ap1", "approvals/waiting_count", json!({})).await, json!(2));
    for who in ["ap2", "ap3", "apx", "alice", "bob"] {
        assert_eq!(w.ok(who, "approvals/waiting_count", json!({})).await, json!(0), "{who}");
        assert!(w.ok(who, "approvals/inbox", json!({})).await["waiting"].as_array().unwrap().is_empty(), "{who}");
    }

    w.ok("ap1", "contracts/approve", json!({ "id": a, "version": first["version"], "comment": "数量一致" })).await;
    let inbox = w.ok("ap1", "approvals/inbox", json!({})).await;
    assert_eq!(ids(&inbox["waiting"]), [b]);
    assert_eq!(ids(&inbox["handled"]), [a]);
    assert_eq!(
        (
            inbox["handled"][0]["decision"].as_str(),
            inbox["handled"][0]["comment"].as_str(),
            inbox["handled"][0]["level"].as_u64()
        ),
        (Some("approve"), Some("数量一致"), Some(1))
    );
    let inbox = w.ok("ap2", "approvals/inbox", json!({})).await;
    assert_eq!(ids(&inbox["waiting"]), [a], "level 2's turn now");
    assert_eq!(inbox["waiting"][0]["level"], json!(2));
    w.done().await;
}

#[tokio::test]
async fn notifications_are_mine_only_and_can_be_marked_read() {
    let w = World::new().await;
    let c = w.submitted().await;
    let id = c["id"].as_i64().unwrap();
    deliver(&w.db).await;

    let mine = w.ok("ap1", "notifications/list", json!({})).await;
    assert_eq!(mine["unread"], json!(1));
    let n = &mine["items"][0];
    assert_eq!(
        (n["kind"].as_str(), n["contract_id"].as_i64(), n["read"].as_bool()),
        (Some("contract.level_reached"), Some(id), Some(false))
    );
    assert_eq!(n["document_number"], c["document_number"]);
    let nid = n["id"].as_i64().unwrap();

    // Someone else's notification is answered like a missing one, and stays unread.
    let res = w.call(Some("alice"), "notifications/read", json!({ "id": nid })).await;
    assert_eq!(res.status.as_u16(), 404, "{}", res.text());
    assert_eq!(w.ok("ap1", "notifications/list", json!({})).await["unread"], json!(1));
    assert!(w.ok("alice", "notifications/list", json!({})).await["items"].as_array().unwrap().is_empty());

    assert_eq!(w.ok("ap1", "notifications/read", json!({ "id": nid })).await, json!(0));
    assert_eq!(w.ok("ap1", "notifications/read", json!({ "id": nid })).await, json!(0), "again is fine");
    assert_eq!(w.ok("ap1", "notifications/list", json!({})).await["items"][0]["read"], json!(true));

    // A rejection tells the owner; marking all read clears the count.
    let reason = "凭证金额不符";
    w.ok("ap1", "contracts/reject", json!({ "id": id, "version": c["version"], "reason": reason })).await;
    deliver(&w.db).await;
    let theirs = w.ok("alice", "notifications/list", json!({})).await;
    assert_eq!((theirs["unread"].as_u64(), theirs["items"][0]["text"].as_str()), (Some(1), Some(reason)));
    assert_eq!(w.ok("alice", "notifications/read_all", json!({})).await, json!(0));
    assert_eq!(w.ok("alice", "notifications/list", json!({})).await["unread"], json!(0));
    w.done().await;
}
