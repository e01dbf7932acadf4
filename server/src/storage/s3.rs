//! Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, …) through `object_store`.
//!
//! Environment: `S3_BUCKET` (required), `S3_ENDPOINT` (for non-AWS services), `S3_REGION`,
//! and the usual `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (read by the builder). An S3 PUT
//! is durable when it returns, which is all the upload order (blob first, then row) needs.
//!
//! A received file is sent in parts of 5 MiB ([`WriteMultipart`]), never held whole. Unlike the
//! local store, storing a blob that exists already does not renew its modification time (S3
//! cannot touch an object), so the orphan sweep could delete an old orphan in the moment between
//! an upload of the very same content reusing it and that upload's row being committed; the
//! sweep checks the rows again right before each deletion to keep that window small.

use super::{BlobEntry, BlobStore, StorageError, check_key};
use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload, WriteMultipart};
use std::time::SystemTime;
use tokio::io::AsyncReadExt;

/// The part size of a multipart upload (S3's smallest but for the last part).
const PART: usize = 5 * 1024 * 1024;

pub struct S3Store {
    inner: AmazonS3,
}

impl S3Store {
    pub fn new(bucket: &str, endpoint: Option<&str>, region: Option<&str>) -> Result<S3Store, StorageError> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(endpoint) = endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(region) = region {
            builder = builder.with_region(region);
        }
        let inner = builder.build().map_err(|e| StorageError::Config(e.to_string()))?;
        Ok(S3Store { inner })
    }

    fn path(key: &str) -> Result<Path, StorageError> {
        check_key(key)?;
        Ok(Path::from(format!("blobs/{}/{}/{key}", &key[0..2], &key[2..4])))
    }
}

#[async_trait::async_trait]
impl BlobStore for S3Store {
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        let path = Self::path(key)?;
        let options = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
        let payload = bytes.clone();
        match self.inner.put_opts(&path, PutPayload::from_bytes(bytes), options).await {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            // Stores without conditional writes: overwriting identical content is harmless.
            Err(object_store::Error::NotImplemented) => self
                .inner
                .put(&path, PutPayload::from_bytes(payload))
                .await
                .map(|_| ())
                .map_err(|e| StorageError::Backend(e.to_string())),
            Err(e) => Err(StorageError::Backend(e.to_string())),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Bytes>, StorageError> {
        match self.inner.get(&Self::path(key)?).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(backend)?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn put_file(&self, key: &str, source: &std::path::Path) -> Result<(), StorageError> {
        let path = Self::path(key)?;
        match self.inner.head(&path).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(backend(e)),
        }
        let mut file = tokio::fs::File::open(source).await?;
        let mut upload =
            WriteMultipart::new_with_chunk_size(self.inner.put_multipart(&path).await.map_err(backend)?, PART);
        let mut buf = vec![0u8; 256 * 1024];
        let sent: Result<(), StorageError> = async {
            loop {
                let n = file.read(&mut buf).await?;
                if n == 0 {
                    return Ok(());
                }
                upload.wait_for_capacity(2).await.map_err(backend)?;
                upload.write(&buf[..n]);
            }
        }
        .await;
        match sent {
            Ok(()) => upload.finish().await.map(|_| ()).map_err(backend),
            Err(e) => {
                // No half-uploaded parts left behind in the bucket.
                upload.abort().await.ok();
                Err(e)
            }
        }
    }

    async fn list(&self) -> Result<Vec<BlobEntry>, StorageError> {
        let mut listing = self.inner.list(Some(&Path::from("blobs")));
        let mut out = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(backend)?;
            let Some(key) = meta.location.filename().map(str::to_owned) else { continue };
            if Self::path(&key).is_ok_and(|p| p == meta.location) {
                out.push(BlobEntry { key, modified: SystemTime::from(meta.last_modified) });
            }
        }
        Ok(out)
    }

    async fn delete_if_older(&self, key: &str, cutoff: SystemTime) -> Result<bool, StorageError> {
        let path = Self::path(key)?;
        match self.inner.head(&path).await {
            Ok(meta) if SystemTime::from(meta.last_modified) < cutoff => match self.inner.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(true),
                Err(e) => Err(backend(e)),
            },
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }
}

fn backend(e: object_store::Error) -> StorageError {
    StorageError::Backend(e.to_string())
}
