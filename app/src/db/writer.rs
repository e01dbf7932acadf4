//! Group commit for SQLite: the writes of concurrent requests (a contract's save, …) run one after
//! the other in one transaction per batch, each after a savepoint of its own, and are answered
//! after the batch's one `COMMIT` — so under load the write lock, `BEGIN IMMEDIATE`, `COMMIT` and its
//! `fsync` are paid once per batch instead of once per request.
//!
//! The batches run on a thread of their own per database file (with a one-thread tokio runtime):
//! each statement of a write is a hop to sqlx's connection thread and back, and on the server's
//! runtime the way back waited behind every other request's ready tasks while all other writers
//! queued behind it (`make bench`: 95 % of a save's time at 50 clients was that queue). Here the
//! writer thread is woken by the operating system as soon as its statement is done.
//!
//! The thread takes the file's write gate ([`super::begin_write`]'s) for each batch, so the two
//! kinds of writers never meet at SQLite's lock. It ends after a while without work and is started
//! again by the next write. On PostgreSQL, whose writers lock rows and whose commits already share
//! their flushes, [`write`] is a plain transaction.

use crate::error::AppError;
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// What a write job's body returns: a boxed future borrowing the transaction.
pub type Work<'t, T> = Pin<Box<dyn Future<Output = Result<T, AppError>> + Send + 't>>;

/// The most writes one batch takes: a bound on how long the first of them waits for the commit.
const BATCH: usize = 64;

/// How long a writer thread waits for work before it ends.
const IDLE: Duration = Duration::from_secs(10);

/// Runs `job` in a write transaction and answers its result once that is committed. `job` must
/// write through the transaction it is given only (a second write transaction of its own would
/// wait for the batch it is part of); it may read through anything. Its writes are undone when it
/// returns an error — and only its own: the other writes of its batch go on.
pub async fn write<T, F>(db: &DatabaseConnection, job: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> Work<'t, T> + Send + 'static,
{
    let Some(file) = super::writer_file(db) else {
        use futures_util::FutureExt;
        let txn = db.begin().await?;
        // As in a batch: a panicking job is answered with a server error, its writes undone.
        let value = std::panic::AssertUnwindSafe(job(&txn))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(AppError::internal("a write job panicked", "rolled back")))?;
        txn.commit().await?;
        return Ok(value);
    };
    let (answer, answered) = oneshot::channel();
    let run: Run = Box::new(move |txn| {
        Box::pin(async move {
            match job(txn).await {
                Ok(value) => Ran {
                    ok: true,
                    finish: Box::new(move |committed| {
                        let _ = answer.send(committed.map(|()| value));
                    }),
                },
                Err(e) => Ran {
                    ok: false,
                    finish: Box::new(move |_| {
                        let _ = answer.send(Err(e));
                    }),
                },
            }
        })
    });
    send(file, Job { db: db.clone(), run });
    answered.await.unwrap_or_else(|_| Err(AppError::internal("the database writer stopped", "its job was dropped")))
}

/// How many batches and writes a database file's writer has committed (or tried to) since this
/// process started: writes over batches is the batches' mean size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Writes handed to the writer.
    pub sent: u64,
    /// Transactions begun for them.
    pub batches: u64,
    /// Writes run in those transactions.
    pub writes: u64,
}

/// [`Stats`] of `db`'s file (zero on PostgreSQL, which has no writer).
pub fn stats(db: &DatabaseConnection) -> Stats {
    let Some(file) = super::writer_file(db) else { return Stats::default() };
    let counters = writers().lock().unwrap_or_else(|p| p.into_inner()).counters.get(&file).cloned();
    counters.map(|c| c.read()).unwrap_or_default()
}

type Finish = Box<dyn FnOnce(Result<(), AppError>) + Send>;

/// What a job's body left: whether to keep its writes, and how to answer once the batch ends.
struct Ran {
    ok: bool,
    finish: Finish,
}

type Run = Box<dyn for<'t> FnOnce(&'t DatabaseTransaction) -> Pin<Box<dyn Future<Output = Ran> + Send + 't>> + Send>;

struct Job {
    /// The pool of the caller: the writer holds none between batches, so a pool dropped by its
    /// owner (a test's database) closes.
    db: DatabaseConnection,
    run: Run,
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    batches: AtomicU64,
    writes: AtomicU64,
}

impl Counters {
    fn read(&self) -> Stats {
        Stats {
            sent: self.sent.load(Ordering::Relaxed),
            batches: self.batches.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }
}

#[derive(Default)]
struct Writers {
    queues: HashMap<PathBuf, mpsc::UnboundedSender<Job>>,
    counters: HashMap<PathBuf, Arc<Counters>>,
}

fn writers() -> &'static Mutex<Writers> {
    static WRITERS: LazyLock<Mutex<Writers>> = LazyLock::new(Mutex::default);
    &WRITERS
}

/// Hands `job` to its file's writer, starting one when there is none (or the last one ended).
fn send(file: PathBuf, mut job: Job) {
    loop {
        let (queue, counters) = {
            let mut all = writers().lock().unwrap_or_else(|p| p.into_inner());
            let counters = all.counters.entry(file.clone()).or_default().clone();
            let gate = super::gate_of(&file);
            let queue = all.queues.entry(file.clone()).or_insert_with(|| start(file.clone(), gate, counters.clone()));
            (queue.clone(), counters)
        };
        match queue.send(job) {
            Ok(()) => {
                counters.sent.fetch_add(1, Ordering::Relaxed);
                return;
            }
            // That writer closed its queue to end: forget it, and start another.
            Err(mpsc::error::SendError(back)) => {
                job = back;
                let mut all = writers().lock().unwrap_or_else(|p| p.into_inner());
                if all.queues.get(&file).is_some_and(|q| q.same_channel(&queue)) {
                    all.queues.remove(&file);
                }
            }
        }
    }
}

fn start(file: PathBuf, gate: Arc<tokio::sync::Mutex<()>>, counters: Arc<Counters>) -> mpsc::UnboundedSender<Job> {
    let (queue, jobs) = mpsc::unbounded_channel();
    let name = format!("sqlite-writer {}", file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
    let spawned = std::thread::Builder::new().name(name).spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        match runtime {
            Ok(runtime) => runtime.block_on(serve(jobs, gate, counters)),
            Err(e) => tracing::error!(error = %e, "the SQLite writer's runtime did not start"),
        }
    });
    if let Err(e) = spawned {
        // The jobs' answers are dropped with the receiver: each write fails with an error.
        tracing::error!(error = %e, "the SQLite writer's thread did not start");
    }
    queue
}

async fn serve(mut jobs: mpsc::UnboundedReceiver<Job>, gate: Arc<tokio::sync::Mutex<()>>, counters: Arc<Counters>) {
    loop {
        let first = match tokio::time::timeout(IDLE, jobs.recv()).await {
            Ok(Some(job)) => job,
            // Closed, and every job sent before was run.
            Ok(None) => return,
            Err(_idle) => {
                // No more sends from now on; what was sent before is received and run as usual.
                jobs.close();
                continue;
            }
        };
        // The gate first, so that writes sent while another writer holds it join this batch.
        let mut batch = vec![first];
        let held = gate.clone().lock_owned().await;
        while batch.len() < BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_locked(batch, &counters).await;
        drop(held);
    }
}

/// One transaction for the batch (its pool is the first job's: all are of the same file), a
/// savepoint before each job. A job whose body fails or panics is rolled back to its savepoint;
/// one that succeeds leaves its savepoint on the stack (the commit releases them all: a `RELEASE`
/// per job would be one more hop to the database's thread). When a savepoint, a rollback to it or
/// the commit fails, every job of the batch is answered with that error (none of their writes is
/// kept).
async fn run_locked(batch: Vec<Job>, counters: &Counters) {
    use futures_util::FutureExt;
    use sea_orm::ConnectionTrait;
    counters.batches.fetch_add(1, Ordering::Relaxed);
    counters.writes.fetch_add(batch.len() as u64, Ordering::Relaxed);
    let db = batch[0].db.clone();
    let mut finishes: Vec<Finish> = Vec::with_capacity(batch.len());
    let outcome: Result<(), AppError> = async {
        let txn = super::begin_immediate(&db).await?;
        for job in batch {
            // A failed savepoint drops this job and the ones not reached with their answers:
            // their callers see the writer's error.
            txn.execute_unprepared("SAVEPOINT job").await?;
            let ran = std::panic::AssertUnwindSafe((job.run)(&txn)).catch_unwind().await;
            let keep = match ran {
                Ok(Ran { ok, finish }) => {
                    finishes.push(finish);
                    ok
                }
                Err(_panic) => {
                    // The job's answer went with it: its caller is told the writer dropped it.
                    tracing::error!("a write job panicked; its writes are rolled back");
                    false
                }
            };
            if !keep {
                txn.execute_unprepared("ROLLBACK TO job").await?;
                txn.execute_unprepared("RELEASE job").await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }
    .await;
    for finish in finishes {
        finish(outcome.clone());
    }
    drop(db);
}
