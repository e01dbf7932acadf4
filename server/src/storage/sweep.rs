//! Deleting what a crash can leave behind: blobs no attachment row names (the process died
//! between storing the blob and committing its row), and temporary upload files.
//!
//! Only what is older than a grace period goes, so an upload in flight — blob stored, row not yet
//! committed — is never swept: [`sweep_orphans`] lists the blobs, takes the keys the rows name,
//! and deletes an unnamed blob only after checking the rows once more and only if it was not
//! written (or stored again by an upload of the same content) within the grace period. It runs at
//! start-up and then every [`INTERVAL`] ([`spawn`]).

use super::{BlobStore, StorageError, Store};
use sea_orm::{DatabaseConnection, DbErr};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The folder under `DATA_DIR` uploads are received into.
pub const UPLOAD_DIR: &str = "uploads";
/// How old an orphan blob or a temporary upload must be before it is deleted: far longer than an
/// upload takes.
pub const GRACE: Duration = Duration::from_secs(60 * 60);
/// How often the sweep runs after start-up.
pub const INTERVAL: Duration = Duration::from_secs(6 * 60 * 60);

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Blobs in the store.
    pub blobs: usize,
    /// Orphans deleted.
    pub deleted: usize,
    /// Orphans kept because they are younger than the grace period.
    pub recent: usize,
    /// Temporary upload files deleted.
    pub temp_files: usize,
}

/// Deletes the blobs no attachment row names that are older than `grace`.
pub async fn sweep_orphans(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    grace: Duration,
) -> Result<SweepReport, SweepError> {
    let cutoff = SystemTime::now().checked_sub(grace).unwrap_or(SystemTime::UNIX_EPOCH);
    // Listed before the rows are read: a blob whose row commits in between is then named.
    let blobs = store.list().await?;
    let named = app::db::attachments::storage_keys(db).await?;
    let mut report = SweepReport { blobs: blobs.len(), ..SweepReport::default() };
    for blob in blobs.into_iter().filter(|b| !named.contains(&b.key)) {
        if blob.modified >= cutoff {
            report.recent += 1;
            continue;
        }
        // An upload of the same content may have reused it and committed its row since.
        if app::db::attachments::storage_key_in_use(db, &blob.key).await? {
            continue;
        }
        if store.delete_if_older(&blob.key, cutoff).await? {
            report.deleted += 1;
        } else {
            report.recent += 1;
        }
    }
    Ok(report)
}

/// Deletes temporary upload files in `dir` older than `grace` (left by a crash mid-upload; a
/// running server removes its own).
pub fn sweep_upload_dir(dir: &Path, grace: Duration) -> std::io::Result<usize> {
    let cutoff = SystemTime::now().checked_sub(grace).unwrap_or(SystemTime::UNIX_EPOCH);
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_file() && meta.modified()? < cutoff {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}

/// One sweep of both, logged.
pub async fn run_once(db: &DatabaseConnection, store: &Store, upload_dir: &Path) -> Result<SweepReport, SweepError> {
    let dir = upload_dir.to_owned();
    let temp_files = tokio::task::spawn_blocking(move || sweep_upload_dir(&dir, GRACE))
        .await
        .map_err(|e| StorageError::Backend(format!("upload sweep task: {e}")))?
        .map_err(StorageError::Io)?;
    let report = SweepReport { temp_files, ..sweep_orphans(db, store.as_ref(), GRACE).await? };
    tracing::info!(?report, "orphan blobs swept");
    Ok(report)
}

/// Sweeps now and then every [`INTERVAL`], in the background, for as long as the server runs. A
/// store that cannot list its blobs is logged once and left alone.
pub fn spawn(db: DatabaseConnection, store: Store, upload_dir: PathBuf) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_once(&db, &store, &upload_dir).await {
                Ok(_) => {}
                Err(SweepError::Storage(StorageError::Unsupported(what))) => {
                    tracing::warn!("orphan blob sweep off: the store does not support {what}");
                    return;
                }
                Err(e) => tracing::warn!(error = %e, "orphan blob sweep failed; trying again later"),
            }
            tokio::time::sleep(INTERVAL).await;
        }
    })
}
