//! Blobs as files: `<root>/<aa>/<bb>/<sha256>`.
//!
//! A blob is written to a temporary file in its final directory, fsynced, renamed into place
//! (atomic on one file system) and the directory fsynced, so once `put` returns the blob
//! survives a crash and no reader ever sees half a file. Storing a blob that exists already
//! touches its modification time, so the orphan sweep's grace period protects a blob an upload
//! in flight is about to name.

use super::{BlobEntry, BlobStore, StorageError, check_key};
use bytes::Bytes;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

pub struct LocalStore {
    root: PathBuf,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl LocalStore {
    pub fn new(root: PathBuf) -> LocalStore {
        LocalStore { root }
    }

    /// The file of a key. The key is checked to be 64 hex digits first, so it cannot leave the
    /// root.
    pub fn path_of(&self, key: &str) -> Result<PathBuf, StorageError> {
        check_key(key)?;
        Ok(self.root.join(&key[0..2]).join(&key[2..4]).join(key))
    }
}

#[async_trait::async_trait]
impl BlobStore for LocalStore {
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        let path = self.path_of(key)?;
        blocking(move || write_durably(&path, |file| file.write_all(&bytes))).await
    }

    /// Copies the file (by the kernel, never through memory) into the store.
    async fn put_file(&self, key: &str, source: &Path) -> Result<(), StorageError> {
        let path = self.path_of(key)?;
        let source = source.to_owned();
        blocking(move || {
            write_durably(&path, |file| {
                std::io::copy(&mut std::fs::File::open(&source)?, file)?;
                Ok(())
            })
        })
        .await
    }

    async fn list(&self) -> Result<Vec<BlobEntry>, StorageError> {
        let root = self.root.clone();
        blocking(move || list_blobs(&root)).await
    }

    async fn delete_if_older(&self, key: &str, cutoff: SystemTime) -> Result<bool, StorageError> {
        let path = self.path_of(key)?;
        blocking(move || match std::fs::metadata(&path).and_then(|m| m.modified()) {
            Ok(modified) if modified < cutoff => match std::fs::remove_file(&path) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) => Err(e.into()),
            },
            Ok(_) => Ok(false),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        })
        .await
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, StorageError> {
        match tokio::fs::read(self.path_of(key)?).await {
            Ok(b) => Ok(Some(Bytes::from(b))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| StorageError::Backend(format!("blob store task: {e}")))?
}

/// Writes a new blob with `write` into a temporary file beside `path`, then makes it durable
/// and renames it into place. An existing blob is only touched (content-addressed: the same key
/// is the same bytes).
fn write_durably(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), StorageError> {
    match std::fs::File::options().write(true).open(path) {
        Ok(existing) => return Ok(existing.set_modified(SystemTime::now())?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    let dir = path.parent().ok_or_else(|| StorageError::BadKey(path.display().to_string()))?;
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".tmp-{}-{}", std::process::id(), TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        write(&mut file)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)?;
        // The rename is durable only once the directory entry is.
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        std::fs::remove_file(&temp).ok();
    }
    Ok(result?)
}

/// The blobs under `root`: `<aa>/<bb>/<key>` files whose names are content keys with that
/// prefix. Temporary files and anything else are not blobs.
fn list_blobs(root: &Path) -> Result<Vec<BlobEntry>, StorageError> {
    fn entries(dir: &Path) -> std::io::Result<Vec<std::fs::DirEntry>> {
        match std::fs::read_dir(dir) {
            Ok(read) => read.collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
    fn dirs(dir: &Path) -> std::io::Result<Vec<std::fs::DirEntry>> {
        let mut all = entries(dir)?;
        all.retain(|e| e.file_type().is_ok_and(|t| t.is_dir()));
        Ok(all)
    }
    let mut out = Vec::new();
    for a in dirs(root)? {
        for b in dirs(&a.path())? {
            for blob in entries(&b.path())? {
                let name = blob.file_name().to_string_lossy().into_owned();
                let prefix = format!("{}{}", a.file_name().to_string_lossy(), b.file_name().to_string_lossy());
                if check_key(&name).is_err() || !name.starts_with(&prefix) {
                    continue;
                }
                let meta = blob.metadata()?;
                if meta.is_file() {
                    out.push(BlobEntry { key: name, modified: meta.modified()? });
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::content_key;

    #[tokio::test]
    async fn put_get_round_trip_and_dedupe() {
        let root = std::env::temp_dir().join(format!("wld-blobs-{}-{}", std::process::id(), line!()));
        let store = LocalStore::new(root.clone());
        let key = content_key(b"voucher");
        assert_eq!(store.get(&key).await.unwrap(), None);
        store.put(&key, Bytes::from_static(b"voucher")).await.unwrap();
        store.put(&key, Bytes::from_static(b"voucher")).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap().as_deref(), Some(&b"voucher"[..]));
        let path = store.path_of(&key).unwrap();
        assert!(path.starts_with(root.join(&key[..2]).join(&key[2..4])));
        // No temporary files left behind.
        let names: Vec<_> =
            std::fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from(&key)]);
        std::fs::remove_dir_all(root).ok();
    }

    #[tokio::test]
    async fn a_file_is_copied_in_and_listed_and_only_old_blobs_are_deleted() {
        let root = std::env::temp_dir().join(format!("wld-blobs-{}-{}", std::process::id(), line!()));
        let store = LocalStore::new(root.clone());
        let source = std::env::temp_dir().join(format!("wld-source-{}-{}", std::process::id(), line!()));
        std::fs::write(&source, b"a voucher from a file").unwrap();
        let key = content_key(b"a voucher from a file");
        store.put_file(&key, &source).await.unwrap();
        assert!(source.exists(), "the source is the caller's to remove");
        assert_eq!(store.get(&key).await.unwrap().as_deref(), Some(&b"a voucher from a file"[..]));
        // Not blobs: temporary files, stray names, a key under the wrong prefix.
        let dir = store.path_of(&key).unwrap().parent().unwrap().to_owned();
        std::fs::write(dir.join(".tmp-1-1"), b"x").unwrap();
        std::fs::write(dir.join(content_key(b"elsewhere")), b"x").unwrap();
        std::fs::write(root.join("stray"), b"x").unwrap();
        let listed = store.list().await.unwrap();
        assert_eq!(listed.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(), [key.as_str()]);

        let written = listed[0].modified;
        assert!(!store.delete_if_older(&key, written).await.unwrap(), "not older than the cutoff");
        // Storing it again makes it new again.
        let old = SystemTime::now() - std::time::Duration::from_secs(7200);
        std::fs::File::options().write(true).open(store.path_of(&key).unwrap()).unwrap().set_modified(old).unwrap();
        store.put_file(&key, &source).await.unwrap();
        let cutoff = SystemTime::now() - std::time::Duration::from_secs(3600);
        assert!(!store.delete_if_older(&key, cutoff).await.unwrap(), "touched by the second put");
        let later = SystemTime::now() + std::time::Duration::from_secs(1);
        assert!(store.delete_if_older(&key, later).await.unwrap());
        assert_eq!(store.get(&key).await.unwrap(), None);
        assert!(!store.delete_if_older(&key, later).await.unwrap(), "gone already");
        std::fs::remove_dir_all(root).ok();
        std::fs::remove_file(source).ok();
    }

    #[tokio::test]
    async fn a_key_that_is_not_a_hash_never_becomes_a_path() {
        let store = LocalStore::new(std::env::temp_dir().join("wld-never-used"));
        assert!(matches!(store.get("../../etc/passwd").await, Err(StorageError::BadKey(_))));
        assert!(matches!(store.put("../x", Bytes::new()).await, Err(StorageError::BadKey(_))));
    }
}
