//! Group commit (`app::db::writer`): writes sent while the database is busy share one
//! transaction, each is answered only once that is committed, and a write that fails or panics
//! is undone alone — on SQLite, where the writer batches; on PostgreSQL `write` must keep the same
//! promises with a transaction per write.

use crate::support::TestDb;
use app::db::writer::{self, Work};
use app::error::AppError;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, Statement};
use std::time::Duration;

/// A write that leaves an audit row named `action`, then ends as `end` says.
fn audit_then(
    action: &'static str,
    end: End,
) -> impl for<'t> FnOnce(&'t DatabaseTransaction) -> Work<'t, &'static str> + Send {
    move |txn| {
        Box::pin(async move {
            app::db::audit::record(txn, chrono::Utc::now(), None, action, "test", 1, &()).await?;
            match end {
                End::Ok => Ok(action),
                End::Fail => Err(AppError::conflict("写入被拒绝", "refused")),
                End::Panic => panic!("a write job panicked on purpose"),
            }
        })
    }
}

#[derive(Clone, Copy)]
enum End {
    Ok,
    Fail,
    Panic,
}

async fn actions(db: &DatabaseConnection) -> Vec<String> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT action FROM audit_events WHERE subject_type = 'test' ORDER BY action",
        ))
        .await
        .expect("audit rows");
    rows.iter().map(|r| r.try_get::<String>("", "action").expect("action")).collect()
}

/// Waits (a liveness bound, not a measurement) until `n` writes were handed to the writer since
/// `before`.
async fn until_sent(db: &DatabaseConnection, before: writer::Stats, n: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while writer::stats(db).sent < before.sent + n {
        assert!(tokio::time::Instant::now() < deadline, "the writes were not sent: {:?}", writer::stats(db));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn writes_sent_while_the_database_is_busy_commit_together_and_fail_alone() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let sqlite = t.backend == "sqlite";
    let before = writer::stats(&db);
    // Another writer holds the file: what is sent meanwhile queues for the next batch.
    let (held, txn) = app::db::begin_write(&db).await.expect("begin");
    let jobs = [("a", End::Ok), ("b", End::Fail), ("c", End::Ok), ("d", End::Panic), ("e", End::Ok)];
    let mut tasks = Vec::new();
    for (action, end) in jobs {
        let db = db.clone();
        tasks.push(tokio::spawn(async move { writer::write(&db, audit_then(action, end)).await }));
    }
    if sqlite {
        until_sent(&db, before, 5).await;
        // Nothing is answered while the batch cannot begin.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(tasks.iter().all(|t| !t.is_finished()), "a write was answered before its commit");
    }
    txn.commit().await.expect("commit the holder");
    drop(held);
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("the caller's task"));
    }
    assert_eq!(answers[0], Ok("a"));
    assert_eq!(answers[1], Err(AppError::conflict("写入被拒绝", "refused")), "a failed write answers its own error");
    assert_eq!(answers[2], Ok("c"));
    assert_eq!(answers[3], Err(AppError::Internal), "a panicked write answers a server error");
    assert_eq!(answers[4], Ok("e"));
    // Only the failed and the panicked writes are undone.
    assert_eq!(actions(&db).await, ["a", "c", "e"]);
    if sqlite {
        let after = writer::stats(&db);
        assert_eq!(after.writes - before.writes, 5);
        assert_eq!(after.batches - before.batches, 1, "the five writes queued behind the holder are one batch");
    }
    // The writer goes on after a panic.
    assert_eq!(writer::write(&db, audit_then("f", End::Ok)).await, Ok("f"));
    assert_eq!(actions(&db).await, ["a", "c", "e", "f"]);
    t.cleanup(db).await;
}

#[tokio::test]
async fn many_concurrent_writes_are_each_kept_once() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let before = writer::stats(&db);
    let mut tasks = Vec::new();
    for i in 0..200u32 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            writer::write(&db, move |txn| {
                Box::pin(async move {
                    let action = format!("w{i:03}");
                    app::db::audit::record(txn, chrono::Utc::now(), None, &action, "test", 1, &()).await?;
                    Ok(action)
                })
            })
            .await
        }));
    }
    let mut answered = Vec::new();
    for task in tasks {
        answered.push(task.await.expect("task").expect("write"));
    }
    let expected: Vec<String> = (0..200).map(|i| format!("w{i:03}")).collect();
    assert_eq!(answered, expected);
    assert_eq!(actions(&db).await, expected, "every acknowledged write is stored, once");
    if t.backend == "sqlite" {
        let after = writer::stats(&db);
        assert_eq!(after.writes - before.writes, 200);
    }
    t.cleanup(db).await;
}
