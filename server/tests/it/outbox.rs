//! The transactional outbox: events written with a change are handled once it commits and never
//! when it rolls back, survive a killed server, are shared out between two workers without being
//! handled twice, are retried with backoff when a handler fails, and are taken again once a dead
//! worker's lease has run out. The first handler writes in-app notifications, idempotently.
//! On SQLite, and on PostgreSQL with `TEST_DATABASE_URL`.

use crate::support;

use app::db::entities::{notification, outbox as outbox_row};
use app::db::{notifications, outbox};
use app::domain::event::{Event, KINDS};
use app::models::Role;
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};
use server::outbox::{Backoff, Delivery, Handler, HandlerError, Worker, default_handlers};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::outbox::{PATIENCE, fast, header, row, run_until};
use support::{Server, TestDb, make_user};

/// A draft contract of `owner`'s, written directly (notifications name a real contract).
async fn make_contract(db: &DatabaseConnection, owner: i64) -> i64 {
    let user = app::db::entities::user::Entity::find_by_id(owner).one(db).await.unwrap().expect("owner");
    let mut row = support::contract_row(user.organisation_id, owner, app::domain::contract::ContractStatus::Draft);
    row.end_customer = Set("某某科技".into());
    row.insert(db).await.expect("contract").id
}

fn submitted(contract_id: i64, notify: Vec<i64>) -> Event {
    Event::ContractSubmitted { header: header(contract_id, notify) }
}

/// A test handler: records the outbox ids it was handed, and fails (or panics, or hangs) on its
/// first calls as told.
struct Recorder {
    label: &'static str,
    kinds: Vec<&'static str>,
    log: Arc<Mutex<Vec<(&'static str, i64)>>>,
    calls: AtomicU32,
    /// Calls numbered 1..=n fail like this.
    trouble: Trouble,
    trouble_calls: u32,
}

#[derive(Clone, Copy)]
enum Trouble {
    None,
    Fail,
    Permanent,
    Panic,
    Hang,
}

impl Recorder {
    fn new(label: &'static str, log: Arc<Mutex<Vec<(&'static str, i64)>>>) -> Recorder {
        Recorder {
            label,
            kinds: KINDS.to_vec(),
            log,
            calls: AtomicU32::new(0),
            trouble: Trouble::None,
            trouble_calls: 0,
        }
    }

    fn troubled(mut self, trouble: Trouble, calls: u32) -> Recorder {
        (self.trouble, self.trouble_calls) = (trouble, calls);
        self
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl Handler for Recorder {
    fn name(&self) -> &'static str {
        self.label
    }

    fn kinds(&self) -> Vec<&'static str> {
        self.kinds.clone()
    }

    async fn handle(&self, delivery: &Delivery) -> Result<(), HandlerError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if call <= self.trouble_calls {
            match self.trouble {
                Trouble::None => {}
                Trouble::Fail => return Err(HandlerError::Retry(format!("boom {call}"))),
                Trouble::Permanent => return Err(HandlerError::Permanent("refused for good".into())),
                Trouble::Panic => panic!("kaboom {call}"),
                Trouble::Hang => tokio::time::sleep(Duration::from_secs(3600)).await,
            }
        }
        self.log.lock().unwrap().push((self.label, delivery.outbox_id));
        Ok(())
    }
}

fn log() -> Arc<Mutex<Vec<(&'static str, i64)>>> {
    Arc::new(Mutex::new(Vec::new()))
}

async fn count_notifications(db: &DatabaseConnection) -> u64 {
    notification::Entity::find().count(db).await.unwrap()
}

#[tokio::test]
async fn an_event_of_a_rolled_back_transaction_is_never_handled() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let user = make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    let contract = make_contract(&db, user).await;

    let txn = db.begin().await.unwrap();
    let id = outbox::enqueue(&txn, &submitted(contract, vec![user])).await.unwrap();
    txn.rollback().await.unwrap();

    let seen = log();
    let mut handlers = default_handlers(&db, None);
    handlers.push(Arc::new(Recorder::new("recorder", seen.clone())));
    let worker = Worker::new(db.clone(), handlers, fast());
    let pass = worker.run_once().await.unwrap();
    assert_eq!(pass.claimed, 0);
    assert!(outbox::get(&db, id).await.unwrap().is_none());
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(count_notifications(&db).await, 0);

    // The same write committed is handled: by the recorder and by the notification handler.
    let txn = db.begin().await.unwrap();
    let id = outbox::enqueue(&txn, &submitted(contract, vec![user])).await.unwrap();
    txn.commit().await.unwrap();
    let pass = worker.run_once().await.unwrap();
    assert_eq!((pass.claimed, pass.done, pass.failed), (1, 1, 0));
    assert_eq!(*seen.lock().unwrap(), [("recorder", id)]);
    let done = row(&db, id).await;
    assert!(done.done_at.is_some() && done.claimed_by.is_none() && done.claimed_until.is_none());
    let mine = notifications::list(&db, user, 10).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].kind.as_str(), mine[0].contract_id, mine[0].outbox_id),
        ("contract.submitted", Some(contract), Some(id))
    );
    t.cleanup(db).await;
}

async fn start_server(t: &TestDb, poll_ms: u64) -> Server {
    let poll = poll_ms.to_string();
    support::start_server(t, &[("OUTBOX_POLL_MS", poll.as_str()), ("OUTBOX_LEASE_SECS", "2")]).await.0
}

/// Waits until every one of `ids` is done and notified `user` exactly once.
async fn until_each_notified_once(db: &DatabaseConnection, user: i64, ids: &[i64]) {
    let start = Instant::now();
    loop {
        let mut all = true;
        for id in ids {
            all &= row(db, *id).await.done_at.is_some();
        }
        if all {
            break;
        }
        assert!(start.elapsed() < PATIENCE, "events {ids:?} not handled within {PATIENCE:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mine = notifications::list(db, user, 100).await.unwrap();
    let mut from: Vec<Option<i64>> = mine.iter().map(|n| n.outbox_id).collect();
    from.sort();
    assert_eq!(from, ids.iter().map(|id| Some(*id)).collect::<Vec<_>>(), "one notification per event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_committed_before_the_server_is_killed_is_handled_after_restart() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let user = make_user(&db, "甲公司", "approver.a", Role::Approver).await;
    let contract = make_contract(&db, user).await;

    // A server whose worker would first look in an hour: the event committed now cannot have been
    // handled when the process is killed.
    let server = start_server(&t, 3_600_000).await;
    let first =
        outbox::enqueue(&db, &Event::LevelReached { header: header(contract, vec![user]), level: 1 }).await.unwrap();
    drop(server);
    let waiting = row(&db, first).await;
    assert!(waiting.done_at.is_none() && waiting.claimed_by.is_none(), "{waiting:?}");
    assert_eq!(count_notifications(&db).await, 0);

    let server = start_server(&t, 50).await;
    until_each_notified_once(&db, user, &[first]).await;

    // Killed at once after a commit, while its worker may be claiming or handling the event: the
    // next server handles it (after the 2 s lease if it was claimed), and it still notifies once.
    let second = outbox::enqueue(&db, &Event::ContractApproved { header: header(contract, vec![user]) }).await.unwrap();
    drop(server);
    let server = start_server(&t, 50).await;
    until_each_notified_once(&db, user, &[first, second]).await;
    drop(server);
    t.cleanup(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_handle_a_thousand_events_each_exactly_once() {
    const EVENTS: i64 = 1_000;
    let t = TestDb::new().await;
    let db = t.open().await;

    // Two workers as two server processes would run them: each with its own connection pool,
    // both running while the events are written (in ten transactions of a hundred).
    let seen = log();
    let mut running = Vec::new();
    for label in ["a", "b"] {
        let pool = app::db::connect(&t.url).await.unwrap();
        let handler: Arc<dyn Handler> = Arc::new(Recorder::new(label, seen.clone()));
        running.push((server::outbox::worker::spawn(Worker::new(pool.clone(), vec![handler], fast())), pool));
    }
    let mut ids = Vec::new();
    for batch in 0..10 {
        let txn = db.begin().await.unwrap();
        for n in 0..EVENTS / 10 {
            ids.push(outbox::enqueue(&txn, &submitted(batch * 100 + n + 1, Vec::new())).await.unwrap());
        }
        txn.commit().await.unwrap();
        running.iter().for_each(|(handle, _)| handle.wake());
    }
    let start = Instant::now();
    while !outbox::undone(&db, 1).await.unwrap().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(120), "1,000 events not handled within 120 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (handle, pool) in running {
        handle.stop().await;
        pool.close().await.ok();
    }

    let seen = seen.lock().unwrap().clone();
    let handled: HashSet<i64> = seen.iter().map(|(_, id)| *id).collect();
    assert_eq!(seen.len(), EVENTS as usize, "no event handled twice");
    assert_eq!(handled, ids.iter().copied().collect::<HashSet<_>>(), "every event handled");
    let by_a = seen.iter().filter(|(w, _)| *w == "a").count();
    eprintln!("worker a handled {by_a}, worker b {}", seen.len() - by_a);
    let not_clean = outbox_row::Entity::find()
        .filter(outbox_row::Column::DoneAt.is_null().or(outbox_row::Column::Attempts.ne(0)))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(not_clean, 0);
    t.cleanup(db).await;
}

#[tokio::test]
async fn a_failing_handler_is_retried_with_backoff_and_its_error_recorded() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let id = outbox::enqueue(&db, &submitted(1, Vec::new())).await.unwrap();
    let created = row(&db, id).await.next_attempt_at;
    let flaky = Arc::new(Recorder::new("flaky", log()).troubled(Trouble::Fail, 3));
    let config = fast();
    let worker = Worker::new(db.clone(), vec![flaky.clone()], config.clone());

    // After each failure: attempts grows, the error is recorded, and the next attempt is at least
    // the growing delay after the previous one (the attempt ran no earlier than it was due).
    let mut previous = created;
    for failures in 1..=3 {
        run_until(&worker, &db, id, |r| r.attempts == failures).await;
        let r = row(&db, id).await;
        assert_eq!(r.last_error.as_deref(), Some(format!("flaky: boom {failures}").as_str()));
        assert!(r.done_at.is_none() && r.dead_at.is_none() && r.claimed_by.is_none(), "{r:?}");
        let step = (r.next_attempt_at - previous).to_std().expect("later");
        assert!(step >= config.backoff.delay(failures), "attempt {failures}: {step:?}");
        previous = r.next_attempt_at;
    }
    assert!(config.backoff.delay(1) < config.backoff.delay(2) && config.backoff.delay(2) < config.backoff.delay(3));

    run_until(&worker, &db, id, |r| r.done_at.is_some()).await;
    let r = row(&db, id).await;
    assert_eq!(r.attempts, 3);
    assert_eq!(r.last_error.as_deref(), Some("flaky: boom 3"), "the last error stays for the record");
    assert_eq!(flaky.calls(), 4);
    t.cleanup(db).await;
}

#[tokio::test]
async fn a_row_whose_attempts_run_out_is_dead_until_revived() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let mut config = fast();
    config.backoff = Backoff { base: Duration::from_millis(10), cap: Duration::from_millis(20), max_attempts: 3 };

    let id = outbox::enqueue(&db, &submitted(1, Vec::new())).await.unwrap();
    let stubborn = Arc::new(Recorder::new("stubborn", log()).troubled(Trouble::Fail, 3));
    let worker = Worker::new(db.clone(), vec![stubborn.clone()], config.clone());
    run_until(&worker, &db, id, |r| r.dead_at.is_some()).await;
    let r = row(&db, id).await;
    assert_eq!((r.attempts, r.done_at, r.last_error.as_deref()), (3, None, Some("stubborn: boom 3")));
    assert_eq!(outbox::dead(&db, 10).await.unwrap().len(), 1);
    // Dead: never claimed again, however long one waits.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(worker.run_once().await.unwrap().claimed, 0);
    assert_eq!(stubborn.calls(), 3);

    assert!(outbox::revive(&db, id, Utc::now()).await.unwrap());
    run_until(&worker, &db, id, |r| r.done_at.is_some()).await;
    assert_eq!(stubborn.calls(), 4);

    // A permanent refusal is dead at once.
    let id = outbox::enqueue(&db, &submitted(2, Vec::new())).await.unwrap();
    let refuser = Arc::new(Recorder::new("refuser", log()).troubled(Trouble::Permanent, 1));
    let worker = Worker::new(db.clone(), vec![refuser], config);
    assert_eq!(worker.run_once().await.unwrap().failed, 1);
    let r = row(&db, id).await;
    assert!(r.dead_at.is_some() && r.attempts == 1, "{r:?}");
    assert_eq!(r.last_error.as_deref(), Some("refuser: refused for good (not retried)"));
    t.cleanup(db).await;
}

#[tokio::test]
async fn a_handler_that_panics_or_overruns_its_lease_fails_the_row_not_the_worker() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let id = outbox::enqueue(&db, &submitted(1, Vec::new())).await.unwrap();
    let panicky = Arc::new(Recorder::new("panicky", log()).troubled(Trouble::Panic, 1));
    let worker = Worker::new(db.clone(), vec![panicky], fast());
    assert_eq!(worker.run_once().await.unwrap().failed, 1);
    assert_eq!(row(&db, id).await.last_error.as_deref(), Some("panicky: panicked: kaboom 1"));
    run_until(&worker, &db, id, |r| r.done_at.is_some()).await;

    let id = outbox::enqueue(&db, &submitted(2, Vec::new())).await.unwrap();
    let mut config = fast();
    config.lease = Duration::from_secs(1);
    let slow = Arc::new(Recorder::new("slow", log()).troubled(Trouble::Hang, 1));
    let worker = Worker::new(db.clone(), vec![slow], config);
    assert_eq!(worker.run_once().await.unwrap().failed, 1);
    let error = row(&db, id).await.last_error.unwrap_or_default();
    assert!(error.starts_with("slow: still running when the 1s lease ran out"), "{error}");
    run_until(&worker, &db, id, |r| r.done_at.is_some()).await;
    t.cleanup(db).await;
}

#[tokio::test]
async fn a_claim_left_by_a_crashed_worker_is_taken_again_after_its_lease() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let id = outbox::enqueue(&db, &submitted(1, Vec::new())).await.unwrap();
    // A worker claims the row and dies before finishing it.
    let claimed = outbox::claim(&db, "crashed", &KINDS, Utc::now(), chrono::Duration::hours(1), 10).await.unwrap();
    assert_eq!(claimed.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    assert_eq!(claimed[0].claimed_by.as_deref(), Some("crashed"));

    let seen = log();
    let worker = Worker::new(db.clone(), vec![Arc::new(Recorder::new("rescuer", seen.clone()))], fast());
    assert_eq!(worker.run_once().await.unwrap().claimed, 0, "the lease still holds");
    assert!(seen.lock().unwrap().is_empty());

    // The hour passes (moved, rather than waited for).
    outbox_row::Entity::update_many()
        .col_expr(outbox_row::Column::ClaimedUntil, Expr::value(Utc::now() - chrono::Duration::seconds(1)))
        .filter(outbox_row::Column::Id.eq(id))
        .exec(&db)
        .await
        .unwrap();
    let pass = worker.run_once().await.unwrap();
    assert_eq!((pass.claimed, pass.done), (1, 1));
    assert_eq!(*seen.lock().unwrap(), [("rescuer", id)]);
    assert_eq!(row(&db, id).await.attempts, 0, "a crash is not a failed attempt");
    // The crashed worker, were it to come back, cannot touch the row any more.
    assert!(!outbox::complete(&db, id, "crashed", Utc::now()).await.unwrap());
    assert!(!outbox::fail(&db, id, "crashed", "late", outbox::Retry::At(Utc::now())).await.unwrap());
    assert!(row(&db, id).await.last_error.is_none());
    t.cleanup(db).await;
}

#[tokio::test]
async fn rows_of_kinds_no_handler_takes_are_left_alone() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let submitted_id = outbox::enqueue(&db, &submitted(1, Vec::new())).await.unwrap();
    let approved = outbox::enqueue(&db, &Event::ContractApproved { header: header(1, Vec::new()) }).await.unwrap();
    let seen = log();
    let mut only_approved = Recorder::new("approvals", seen.clone());
    only_approved.kinds = vec!["contract.approved"];
    let worker = Worker::new(db.clone(), vec![Arc::new(only_approved)], fast());
    let pass = worker.run_once().await.unwrap();
    assert_eq!((pass.claimed, pass.done), (1, 1));
    assert_eq!(*seen.lock().unwrap(), [("approvals", approved)]);
    let waiting = row(&db, submitted_id).await;
    assert!(waiting.done_at.is_none() && waiting.claimed_by.is_none() && waiting.attempts == 0, "{waiting:?}");
    t.cleanup(db).await;
}

#[tokio::test]
async fn notifications_are_written_once_per_recipient_and_read_only_by_them() {
    let t = TestDb::new().await;
    let db = t.open().await;
    let owner = make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    let approver = make_user(&db, "总部", "approver.b", Role::Approver).await;
    let contract = make_contract(&db, owner).await;
    let rejected = Event::ContractRejected {
        header: header(contract, vec![owner, approver, owner, 999_999]),
        level: 2,
        reason: "金额不符 <b>".into(),
    };
    let first = outbox::enqueue(&db, &rejected).await.unwrap();
    let worker = Worker::new(db.clone(), default_handlers(&db, None), fast());
    assert_eq!(worker.run_once().await.unwrap().done, 1, "an unknown recipient is skipped, not retried");

    // Handled again (a crash after the effect, before the row was marked done): nothing new.
    let handler = server::outbox::notify::Notifications::new(db.clone());
    let again = Delivery { outbox_id: first, attempts: 0, created_at: Utc::now(), event: rejected };
    handler.handle(&again).await.unwrap();
    assert_eq!(count_notifications(&db).await, 2);
    let theirs = notifications::list(&db, approver, 10).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!((theirs[0].kind.as_str(), theirs[0].text.as_str()), ("contract.rejected", "金额不符 <b>"));

    let second =
        outbox::enqueue(&db, &Event::ContractApproved { header: header(contract, vec![owner]) }).await.unwrap();
    worker.run_once().await.unwrap();
    let mine = notifications::list(&db, owner, 10).await.unwrap();
    assert_eq!(mine.iter().map(|n| n.outbox_id).collect::<Vec<_>>(), [Some(second), Some(first)], "newest first");
    assert_eq!(notifications::list(&db, owner, 1).await.unwrap().len(), 1);
    assert_eq!(notifications::unread_count(&db, owner).await.unwrap(), 2);

    let now = Utc::now();
    assert!(!notifications::mark_read(&db, approver, mine[0].id, now).await.unwrap(), "not theirs");
    assert!(notifications::mark_read(&db, owner, mine[0].id, now).await.unwrap());
    assert!(!notifications::mark_read(&db, owner, mine[0].id, now).await.unwrap(), "already read");
    assert_eq!(notifications::unread_count(&db, owner).await.unwrap(), 1);
    assert_eq!(notifications::mark_all_read(&db, owner, now).await.unwrap(), 1);
    assert_eq!(notifications::unread_count(&db, owner).await.unwrap(), 0);
    assert_eq!(notifications::unread_count(&db, approver).await.unwrap(), 1, "the approver's own are untouched");
    t.cleanup(db).await;
}
