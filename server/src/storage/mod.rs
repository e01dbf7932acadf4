//! Where attachment bytes live: content-addressed blobs, keyed by the SHA-256 of their content.
//!
//! The rule every upload follows: `put` the bytes first (durably), then commit the database row
//! that names the key. A crash in between leaves at worst an orphan blob, which the next upload
//! of the same content reuses and [`sweep`] deletes once it is older than a grace period; it never
//! leaves a row pointing at nothing.
//!
//! - [`local::LocalStore`]: files under `DATA_DIR/blobs/<aa>/<bb>/<sha256>` (the default).
//! - `s3::S3Store`: an S3-compatible bucket through `object_store`, only with the `s3` feature.

pub mod local;
#[cfg(feature = "s3")]
pub mod s3;
pub mod sweep;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

/// A storage failure; the caller logs it and answers 500 without saving any row.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("storage I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("storage backend: {0}")]
    Backend(String),
    #[error("not a storage key: {0:?}")]
    BadKey(String),
    #[error("storage configuration: {0}")]
    Config(String),
    #[error("not supported by this store: {0}")]
    Unsupported(&'static str),
}

/// A stored blob, as listed for the orphan sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobEntry {
    pub key: String,
    /// When the blob was last written, or last stored again by an upload of the same content.
    pub modified: SystemTime,
}

/// A content-addressed blob store.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` durably under `key` (the lower-case hex SHA-256 of `bytes`, see
    /// [`content_key`]). Storing a key that exists already is a no-op success.
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError>;
    /// The bytes under `key`, or `None` when there are none.
    async fn get(&self, key: &str) -> Result<Option<Bytes>, StorageError>;

    /// Stores the content of the file at `path` durably under `key` (its [`content_key`]), like
    /// [`BlobStore::put`]. Stores that can copy from a file do so without holding it in memory;
    /// the default reads it once, whole.
    async fn put_file(&self, key: &str, path: &Path) -> Result<(), StorageError> {
        let bytes = tokio::fs::read(path).await?;
        self.put(key, Bytes::from(bytes)).await
    }

    /// Every blob in the store, for the orphan sweep.
    async fn list(&self) -> Result<Vec<BlobEntry>, StorageError> {
        Err(StorageError::Unsupported("listing blobs"))
    }

    /// Deletes the blob under `key` if it was last written before `cutoff` (a blob stored again
    /// since is kept); whether it was deleted.
    async fn delete_if_older(&self, key: &str, cutoff: SystemTime) -> Result<bool, StorageError> {
        let _ = (key, cutoff);
        Err(StorageError::Unsupported("deleting blobs"))
    }
}

/// The shared handle the router keeps.
pub type Store = Arc<dyn BlobStore>;

/// The key of some content: its SHA-256 as 64 lower-case hex digits.
pub fn content_key(bytes: &[u8]) -> String {
    app::crypto::hex(&Sha256::digest(bytes))
}

/// Whether `key` has the shape of a content key. Keys are never taken from a request, but the
/// stores check anyway so that a bad row can never turn into a path outside the store.
pub fn check_key(key: &str) -> Result<(), StorageError> {
    if key.len() == 64 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(StorageError::BadKey(key.to_owned()))
    }
}

/// Opens the configured store.
pub fn open(choice: &crate::config::StorageChoice, data_dir: &std::path::Path) -> Result<Store, StorageError> {
    use crate::config::StorageChoice;
    match choice {
        StorageChoice::Local => Ok(Arc::new(local::LocalStore::new(data_dir.join("blobs")))),
        #[cfg(feature = "s3")]
        StorageChoice::S3 { bucket, endpoint, region } => {
            Ok(Arc::new(s3::S3Store::new(bucket, endpoint.as_deref(), region.as_deref())?))
        }
        #[cfg(not(feature = "s3"))]
        StorageChoice::S3 { .. } => {
            Err(StorageError::Config("STORAGE=s3 needs a server built with `--features s3`".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_key_is_the_sha256_hex() {
        assert_eq!(content_key(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn keys_that_could_be_paths_are_refused() {
        assert!(check_key(&content_key(b"x")).is_ok());
        for bad in ["../etc/passwd", "", "ABCDEF", &"a".repeat(63), &format!("{}/", "a".repeat(63))] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
    }
}
