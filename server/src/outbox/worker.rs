//! The outbox worker: polls for due rows, claims a batch under a lease, runs the handlers of each
//! row's kind, then completes the row or records the failure with a backoff.
//!
//! - **Lease.** A claim lasts [`WorkerConfig::lease`]. A handler gets at most what is left of it
//!   (it is stopped and counted as failed when it runs over), and the rows of a batch whose lease
//!   ran out before their turn are given back. A worker that dies mid-handle leaves its claim,
//!   which any worker takes once the lease has passed.
//! - **Backoff.** After the n-th failed attempt the row waits `base × 2^(n−1)`, at most `cap`
//!   ([`Backoff`]). After `max_attempts` failures (or one [`HandlerError::Permanent`]) it is marked
//!   dead: `dead_at` set, `done_at` empty, the error kept in `last_error`, never claimed again
//!   unless revived (`app::db::outbox::revive`). No jitter: workers poll at their own pace
//!   anyway.
//! - **Wake-up.** The worker polls every [`WorkerConfig::poll`]; [`OutboxHandle::wake`] makes it
//!   look at once (after a commit that wrote an event, say). A full batch is followed by another
//!   at once.

use super::{Delivery, Handler, HandlerError};
use app::db::entities::outbox::Model as Row;
use app::db::outbox::{self, Retry};
use app::domain::event::Event;
use chrono::Utc;
use sea_orm::{DatabaseConnection, DbErr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How a worker runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerConfig {
    /// `OUTBOX_POLL_MS`: how often it looks for due rows. Default 500 ms.
    pub poll: Duration,
    /// `OUTBOX_LEASE_SECS`: how long a claim holds. Default 60 s.
    pub lease: Duration,
    /// `OUTBOX_BATCH`: rows claimed at once. Default 16.
    pub batch: u64,
    /// `OUTBOX_BACKOFF_BASE_MS` (default 1,000), `OUTBOX_BACKOFF_CAP_SECS` (600),
    /// `OUTBOX_MAX_ATTEMPTS` (20: about two hours of retries with the defaults).
    pub backoff: Backoff,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            poll: Duration::from_millis(500),
            lease: Duration::from_secs(60),
            batch: 16,
            backoff: Backoff { base: Duration::from_secs(1), cap: Duration::from_secs(600), max_attempts: 20 },
        }
    }
}

impl WorkerConfig {
    /// Reads the `OUTBOX_*` settings from a key lookup (see the fields), the default for each
    /// one unset or empty.
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<WorkerConfig, String> {
        let number = |key: &str, default: u64, max: u64| crate::config::whole_number(get, key, default, max);
        let d = WorkerConfig::default();
        let millis = |key: &str, default: Duration, max: u64| {
            number(key, default.as_millis() as u64, max).map(Duration::from_millis)
        };
        let seconds =
            |key: &str, default: Duration, max: u64| number(key, default.as_secs(), max).map(Duration::from_secs);
        Ok(WorkerConfig {
            poll: millis("OUTBOX_POLL_MS", d.poll, 3_600_000)?,
            lease: seconds("OUTBOX_LEASE_SECS", d.lease, 86_400)?,
            batch: number("OUTBOX_BATCH", d.batch, 1_000)?,
            backoff: Backoff {
                base: millis("OUTBOX_BACKOFF_BASE_MS", d.backoff.base, 86_400_000)?,
                cap: seconds("OUTBOX_BACKOFF_CAP_SECS", d.backoff.cap, 7 * 86_400)?,
                max_attempts: number("OUTBOX_MAX_ATTEMPTS", d.backoff.max_attempts as u64, 1_000)? as i32,
            },
        })
    }
}

/// When a failed row is tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
    /// Failures after which the row is dead.
    pub max_attempts: i32,
}

impl Backoff {
    /// The wait after the `failures`-th failed attempt (1-based): `base × 2^(failures−1)`, at
    /// most `cap`.
    pub fn delay(&self, failures: i32) -> Duration {
        let doublings = failures.saturating_sub(1).clamp(0, 30) as u32;
        self.base.saturating_mul(1u32 << doublings).min(self.cap)
    }

    /// What to do after the `failures`-th failed attempt, at `now`.
    pub fn retry(&self, failures: i32, now: chrono::DateTime<Utc>) -> Retry {
        if failures >= self.max_attempts {
            return Retry::Never(now);
        }
        let delay = chrono::Duration::from_std(self.delay(failures)).unwrap_or(chrono::Duration::MAX);
        Retry::At(now.checked_add_signed(delay).unwrap_or(chrono::DateTime::<Utc>::MAX_UTC))
    }
}

/// What one pass over a batch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Rows claimed.
    pub claimed: usize,
    /// Rows completed.
    pub done: usize,
    /// Rows whose attempt failed (retried later, or dead).
    pub failed: usize,
    /// Rows given back unhandled (lease ran out before their turn, or the worker is stopping).
    pub released: usize,
}

/// A worker id unique per process and per worker: host, process id, process start time, and a
/// counter.
fn new_worker_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static STARTED: std::sync::LazyLock<i64> = std::sync::LazyLock::new(|| Utc::now().timestamp_micros());
    let host: String = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into()).chars().take(40).collect();
    format!("{host}:{}:{:x}:{}", std::process::id(), *STARTED, NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Claims and handles outbox rows with a set of handlers.
pub struct Worker {
    id: String,
    db: DatabaseConnection,
    /// Each handler with the kinds it takes.
    handlers: Vec<(Arc<dyn Handler>, Vec<&'static str>)>,
    /// Every kind some handler takes: the rows it claims.
    kinds: Vec<&'static str>,
    config: WorkerConfig,
}

impl Worker {
    pub fn new(db: DatabaseConnection, handlers: Vec<Arc<dyn Handler>>, config: WorkerConfig) -> Worker {
        let handlers: Vec<_> = handlers.into_iter().map(|h| (h.clone(), h.kinds())).collect();
        let mut kinds: Vec<&'static str> = handlers.iter().flat_map(|(_, kinds)| kinds.iter().copied()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        Worker { id: new_worker_id(), db, handlers, kinds, config }
    }

    /// This worker's id, as stored in `claimed_by`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claims one batch of due rows and handles them.
    pub async fn run_once(&self) -> Result<Pass, DbErr> {
        self.run_batch(None).await
    }

    async fn run_batch(&self, stop: Option<&watch::Receiver<bool>>) -> Result<Pass, DbErr> {
        let lease = chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::MAX);
        let rows = outbox::claim(&self.db, &self.id, &self.kinds, Utc::now(), lease, self.config.batch).await?;
        let mut pass = Pass { claimed: rows.len(), ..Pass::default() };
        let mut rows = rows.into_iter();
        while let Some(row) = rows.next() {
            let left = row.claimed_until.map_or(chrono::Duration::zero(), |until| until - Utc::now());
            let stopping = stop.is_some_and(|s| *s.borrow());
            if stopping || left <= chrono::Duration::zero() {
                let ids: Vec<i64> = std::iter::once(row.id).chain(rows.map(|r| r.id)).collect();
                pass.released += outbox::release(&self.db, &ids, &self.id).await? as usize;
                break;
            }
            match self.handle(&row, left.to_std().unwrap_or_default()).await {
                Ok(()) => {
                    if outbox::complete(&self.db, row.id, &self.id, Utc::now()).await? {
                        pass.done += 1;
                    } else {
                        tracing::warn!(outbox_id = row.id, "outbox row was taken over after its lease ran out");
                    }
                }
                Err(failure) => {
                    pass.failed += 1;
                    self.record_failure(&row, failure).await?;
                }
            }
        }
        Ok(pass)
    }

    /// Runs every handler of the row's kind (all of them, even after one failed), each within
    /// what is `left` of the lease.
    async fn handle(&self, row: &Row, left: Duration) -> Result<(), Failure> {
        let event = match Event::from_json(&row.payload) {
            Ok(event) if event.kind() == row.kind => event,
            Ok(event) => {
                return Err(Failure::retry(format!("payload is a {} event, row says {}", event.kind(), row.kind)));
            }
            Err(e) => return Err(Failure::retry(format!("payload: {e}"))),
        };
        let delivery =
            Arc::new(Delivery { outbox_id: row.id, attempts: row.attempts, created_at: row.created_at, event });
        let deadline = tokio::time::Instant::now() + left;
        let mut failure: Option<Failure> = None;
        for (handler, _) in self.handlers.iter().filter(|(_, kinds)| kinds.contains(&row.kind.as_str())) {
            let (h, d) = (handler.clone(), delivery.clone());
            // Its own task: a panic in a handler fails this row, not the worker.
            let task = tokio::spawn(async move { h.handle(&d).await });
            let abort = task.abort_handle();
            let outcome = match tokio::time::timeout_at(deadline, task).await {
                Ok(Ok(Ok(()))) => continue,
                Ok(Ok(Err(e))) => Failure { permanent: matches!(e, HandlerError::Permanent(_)), error: e.to_string() },
                Ok(Err(join)) => Failure::retry(format!("panicked: {}", panic_message(join))),
                Err(_) => {
                    abort.abort();
                    Failure::retry(format!("still running when the {:?} lease ran out; stopped", self.config.lease))
                }
            };
            let error = format!("{}: {}", handler.name(), outcome.error);
            failure = Some(match failure {
                None => Failure { error, permanent: outcome.permanent },
                Some(f) => {
                    Failure { error: format!("{}; {error}", f.error), permanent: f.permanent || outcome.permanent }
                }
            });
        }
        failure.map_or(Ok(()), Err)
    }

    async fn record_failure(&self, row: &Row, failure: Failure) -> Result<(), DbErr> {
        let failures = row.attempts.saturating_add(1);
        let now = Utc::now();
        let retry = if failure.permanent { Retry::Never(now) } else { self.config.backoff.retry(failures, now) };
        let ours = outbox::fail(&self.db, row.id, &self.id, &failure.error, retry).await?;
        match retry {
            _ if !ours => tracing::warn!(outbox_id = row.id, "outbox row was taken over after its lease ran out"),
            Retry::At(at) => tracing::warn!(
                outbox_id = row.id, kind = %row.kind, attempts = failures, error = %failure.error, retry_at = %at,
                "outbox event failed; will retry"
            ),
            Retry::Never(_) => tracing::error!(
                outbox_id = row.id, kind = %row.kind, attempts = failures, error = %failure.error,
                "outbox event failed for good; marked dead"
            ),
        }
        Ok(())
    }

    /// Runs until `stop` turns true (or its sender is dropped): a pass, then the next one after
    /// `poll` (or a wake-up, or at once after a full batch). The first pass comes after one
    /// `poll`, or a wake-up.
    pub async fn run(self, mut stop: watch::Receiver<bool>, wake: Arc<Notify>) {
        let mut full = false;
        loop {
            if !full {
                tokio::select! {
                    () = tokio::time::sleep(self.config.poll) => {}
                    () = wake.notified() => {}
                    changed = stop.changed() => if changed.is_err() { break }
                }
            }
            if *stop.borrow() {
                break;
            }
            full = match self.run_batch(Some(&stop)).await {
                Ok(pass) => pass.claimed as u64 == self.config.batch,
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e, "outbox pass failed; trying again later");
                    false
                }
            };
        }
        tracing::info!(worker = %self.id, "outbox worker stopped");
    }
}

/// A failed attempt.
struct Failure {
    error: String,
    permanent: bool,
}

impl Failure {
    fn retry(error: String) -> Failure {
        Failure { error, permanent: false }
    }
}

fn panic_message(join: tokio::task::JoinError) -> String {
    match join.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into()),
        Err(join) => join.to_string(),
    }
}

/// A running worker.
pub struct OutboxHandle {
    stop: watch::Sender<bool>,
    wake: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

/// How long [`OutboxHandle::stop`] waits for the row in hand before abandoning it (its claim then
/// runs out like a crashed worker's).
pub const STOP_GRACE: Duration = Duration::from_secs(10);

impl OutboxHandle {
    /// Makes the worker look for due rows now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A cloneable way to [`wake`](Self::wake) the worker from elsewhere.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Stops the worker: it finishes the row in hand, gives back the rest of its batch and ends.
    /// (Dropping the handle stops it too, without waiting.)
    pub async fn stop(self) {
        self.stop.send(true).ok();
        let mut task = self.task;
        if tokio::time::timeout(STOP_GRACE, &mut task).await.is_err() {
            tracing::warn!("outbox worker did not stop within {STOP_GRACE:?}; abandoning its claim");
            task.abort();
        }
    }
}

/// Runs `worker` in the background until its handle is stopped.
pub fn spawn(worker: Worker) -> OutboxHandle {
    let (stop, stopped) = watch::channel(false);
    let wake = Arc::new(Notify::new());
    let task = tokio::spawn(worker.run(stopped, wake.clone()));
    OutboxHandle { stop, wake, task }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_then_gives_up() {
        let b = Backoff { base: Duration::from_secs(1), cap: Duration::from_secs(600), max_attempts: 20 };
        let delays: Vec<u64> = (1..=12).map(|n| b.delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]);
        assert_eq!(b.delay(i32::MAX), Duration::from_secs(600));
        let now = Utc::now();
        assert_eq!(b.retry(3, now), Retry::At(now + chrono::Duration::seconds(4)));
        assert_eq!(b.retry(20, now), Retry::Never(now));
    }

    #[test]
    fn settings_from_the_environment() {
        let none = |_: &str| None;
        assert_eq!(WorkerConfig::from_lookup(&none).unwrap(), WorkerConfig::default());
        let some = |k: &str| match k {
            "OUTBOX_POLL_MS" => Some("50".to_owned()),
            "OUTBOX_MAX_ATTEMPTS" => Some(" 3 ".to_owned()),
            _ => None,
        };
        let c = WorkerConfig::from_lookup(&some).unwrap();
        assert_eq!((c.poll, c.backoff.max_attempts), (Duration::from_millis(50), 3));
        let bad = |k: &str| (k == "OUTBOX_LEASE_SECS").then(|| "0".to_owned());
        assert!(WorkerConfig::from_lookup(&bad).unwrap_err().contains("OUTBOX_LEASE_SECS"));
    }

    #[test]
    fn worker_ids_differ() {
        assert_ne!(new_worker_id(), new_worker_id());
    }
}
