//! Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, …) through `object_store`.
//!
//! Environment: `S3_BUCKET` (required), `S3_ENDPOINT` (for non-AWS services), `S3_REGION`,
//! and the usual `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (read by the builder). An S3 PUT
//! is durable when it returns, which is all the upload order (blob first, then row) needs.

use super::{BlobStore, StorageError, check_key};
use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};

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
            Ok(r) => Ok(Some(r.bytes().await.map_err(|e| StorageError::Backend(e.to_string()))?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(StorageError::Backend(e.to_string())),
        }
    }
}
