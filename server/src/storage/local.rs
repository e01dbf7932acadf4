//! Blobs as files: `<root>/<aa>/<bb>/<sha256>`.
//!
//! A blob is written to a temporary file in its final directory, fsynced, renamed into place
//! (atomic on one file system) and the directory fsynced, so once `put` returns the blob
//! survives a crash and no reader ever sees half a file.

use super::{BlobStore, StorageError, check_key};
use bytes::Bytes;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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
        tokio::task::spawn_blocking(move || write_durably(&path, &bytes))
            .await
            .map_err(|e| StorageError::Backend(format!("blob writer task: {e}")))?
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, StorageError> {
        match tokio::fs::read(self.path_of(key)?).await {
            Ok(b) => Ok(Some(Bytes::from(b))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    if path.exists() {
        // Content-addressed: the same key is the same bytes.
        return Ok(());
    }
    let dir = path.parent().ok_or_else(|| StorageError::BadKey(path.display().to_string()))?;
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".tmp-{}-{}", std::process::id(), TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
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
    async fn a_key_that_is_not_a_hash_never_becomes_a_path() {
        let store = LocalStore::new(std::env::temp_dir().join("wld-never-used"));
        assert!(matches!(store.get("../../etc/passwd").await, Err(StorageError::BadKey(_))));
        assert!(matches!(store.put("../x", Bytes::new()).await, Err(StorageError::BadKey(_))));
    }
}
