//! Attachment upload and download (PRODUCT.md §3 付款凭证 / userid sheet, §4).
//!
//! `POST /contracts/{id}/attachments` (multipart: `kind` + `file`) and `GET /attachments/{id}`.
//! Each upload is streamed into a temporary file under `DATA_DIR/uploads` with a byte budget (413
//! past `MAX_UPLOAD_BYTES`) and hashed on the way, never held whole in memory; its type is read
//! from its first bytes (415 when the content is not allowed or the name disguises it), a userid
//! sheet is checked again with the shared reader against the contract's corp ID (422 row by row,
//! off the async workers, two at a time), then the blob is stored durably and only then the row
//! is committed. The temporary file is removed on every path. While the contract is editable the
//! upload becomes its voucher / userid sheet and its version goes up (see
//! [`app::services::attachments::record_upload`]).

use crate::state::AppState;
use crate::storage::{Store, content_key};
use crate::{cookie_value, error_response, same_origin};
use app::domain::CorpId;
use app::domain::attachment::{AttachmentKind, FileRefusal, check_file, sanitize_file_name};
use app::domain::payment_link::{LinkCap, LinkRefusal};
use app::domain::problem::Problem;
use app::domain::sheet::{UseridSheetOptions, check_userid_sheet};
use app::error::AppError;
use app::models::SessionUser;
use app::services::attachments::{self as service, ContractRow, NewAttachment, NotRecorded, ParsedUserids, Recorded};
use axum::Json;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use sea_orm::DatabaseConnection;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path as FsPath, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::AsyncWriteExt;

/// Largest text field (`kind`) read from an upload form.
const MAX_TEXT_FIELD: usize = 256;
/// Room for the multipart framing and the small fields around the file.
const FORM_OVERHEAD: usize = 64 * 1024;

/// Why an upload was refused.
#[derive(Debug)]
pub enum UploadError {
    /// 413: over `MAX_UPLOAD_BYTES`.
    TooLarge {
        max: usize,
    },
    /// 415: not a type this kind accepts, or disguised by its name.
    Unsupported(Problem),
    /// 410 / 409 / 413: the payment link it came through takes no more (see [`LinkRefusal`]).
    Link(LinkRefusal),
    App(AppError),
}

impl From<AppError> for UploadError {
    fn from(e: AppError) -> Self {
        UploadError::App(e)
    }
}

impl From<NotRecorded> for UploadError {
    fn from(e: NotRecorded) -> Self {
        match e {
            NotRecorded::App(e) => UploadError::App(e),
            NotRecorded::Link(r) => UploadError::Link(r),
        }
    }
}

impl From<std::io::Error> for UploadError {
    fn from(e: std::io::Error) -> Self {
        UploadError::App(AppError::internal("receiving an upload", e))
    }
}

impl From<sea_orm::DbErr> for UploadError {
    fn from(e: sea_orm::DbErr) -> Self {
        UploadError::App(e.into())
    }
}

impl UploadError {
    /// The status and the problems, for JSON or HTML answers alike.
    pub fn parts(&self) -> (StatusCode, AppError) {
        match self {
            UploadError::TooLarge { max } => (StatusCode::PAYLOAD_TOO_LARGE, too_large(*max)),
            UploadError::Unsupported(p) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, AppError::Invalid { problems: vec![p.clone()] })
            }
            UploadError::Link(r) => (
                StatusCode::from_u16(r.status()).unwrap_or(StatusCode::CONFLICT),
                AppError::Invalid { problems: vec![r.problem()] },
            ),
            UploadError::App(e) => (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST), e.clone()),
        }
    }
}

fn too_large(max: usize) -> AppError {
    AppError::Invalid { problems: vec![FileRefusal::TooLarge { max: max as u64 }.problem(AttachmentKind::Voucher)] }
}

impl IntoResponse for UploadError {
    fn into_response(self) -> Response {
        let (status, e) = self.parts();
        let mut res = error_response(&e);
        *res.status_mut() = status;
        res
    }
}

/// A file read from an upload form.
pub struct ReceivedFile {
    pub kind: Option<String>,
    pub file_name: String,
    pub body: FileBody,
}

/// Where a received file's bytes are.
pub enum FileBody {
    /// Small files the server makes itself (the demo data).
    Memory(Bytes),
    /// An upload, streamed to disk as it arrived.
    Temp(TempUpload),
}

/// An upload in a temporary file, removed when this is dropped (on every path: refused, failed or
/// stored). Its size, content key and first bytes were taken while it was written.
pub struct TempUpload {
    path: PathBuf,
    size: u64,
    key: String,
    head: Vec<u8>,
}

/// The first bytes kept of an upload, for reading its type (the browser reads as many).
const HEAD_BYTES: usize = app::domain::attachment::SNIFF_BYTES;

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl TempUpload {
    pub fn path(&self) -> &FsPath {
        &self.path
    }

    pub fn size(&self) -> u64 {
        self.size
    }
}

impl Drop for TempUpload {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %self.path.display(), error = %e, "temporary upload not removed");
            }
        }
    }
}

impl ReceivedFile {
    pub fn size(&self) -> u64 {
        match &self.body {
            FileBody::Memory(b) => b.len() as u64,
            FileBody::Temp(t) => t.size,
        }
    }
}

/// A new temporary upload file in `dir`, and its guard.
async fn temp_upload(dir: &FsPath) -> Result<(tokio::fs::File, TempUpload), UploadError> {
    tokio::fs::create_dir_all(dir).await?;
    let name = format!(
        "upload-{}-{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed),
        chrono::Utc::now().timestamp_micros()
    );
    let path = dir.join(name);
    let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
    Ok((file, TempUpload { path, size: 0, key: String::new(), head: Vec::new() }))
}

/// An upload's body handed on one frame at a time. The multipart reader (multer) pulls every
/// frame that is ready into its own buffer before it hands out any of the file; from a client
/// faster than the disk that could be the whole file in memory. Pausing once before each frame
/// lets each be written out before the next is taken. (The upload routes' request layer.)
pub async fn one_frame_at_a_time(request: axum::extract::Request) -> axum::extract::Request {
    request.map(|body| {
        use futures_util::StreamExt;
        let frames = futures_util::stream::unfold(body.into_data_stream(), |mut frames| async move {
            // Before each frame and before the end, so that one read of the stream never takes
            // more than one of them (multer 3.1 also takes "last frame and end" in one read as an
            // incomplete form while it looks for the first boundary).
            tokio::task::yield_now().await;
            Some((frames.next().await?, frames))
        });
        axum::body::Body::from_stream(frames)
    })
}

/// Reads the upload form with a byte budget: the file may have at most `max` bytes, and the
/// request is refused as soon as it goes over, before the rest is read. The file is written to a
/// temporary file in `dir` as it arrives (hashed and counted on the way), never collected in
/// memory.
pub async fn read_form(
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
    max: usize,
    dir: &FsPath,
) -> Result<ReceivedFile, UploadError> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    if declared.is_some_and(|n: usize| n > max.saturating_add(FORM_OVERHEAD)) {
        return Err(UploadError::TooLarge { max });
    }
    let mut multipart = multipart.map_err(|e| unreadable_form(&e.body_text()))?;
    let mut kind = None;
    let mut file: Option<(String, TempUpload)> = None;
    let mut other_bytes = 0usize;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(form_error(e)),
        };
        match field.name() {
            Some("file") if file.is_none() => {
                let name = field.file_name().unwrap_or("").to_owned();
                // The guard removes the file if anything below fails.
                let (mut out, mut temp) = temp_upload(dir).await?;
                let mut hasher = Sha256::new();
                let mut field = field;
                while let Some(chunk) = field.chunk().await.map_err(form_error)? {
                    if temp.size as usize + chunk.len() > max {
                        return Err(UploadError::TooLarge { max });
                    }
                    if temp.head.len() < HEAD_BYTES {
                        let take = (HEAD_BYTES - temp.head.len()).min(chunk.len());
                        temp.head.extend_from_slice(&chunk[..take]);
                    }
                    hasher.update(&chunk);
                    out.write_all(&chunk).await?;
                    temp.size += chunk.len() as u64;
                }
                // Every write done before the file is read or copied.
                out.flush().await?;
                drop(out);
                temp.key = app::crypto::hex(&hasher.finalize());
                file = Some((name, temp));
            }
            Some("kind") => {
                let mut buf = Vec::new();
                let mut field = field;
                while let Some(chunk) = field.chunk().await.map_err(form_error)? {
                    buf.extend_from_slice(&chunk);
                    if buf.len() > MAX_TEXT_FIELD {
                        return Err(bad_form("kind 字段过长", "The kind field is too long"));
                    }
                }
                kind = Some(String::from_utf8_lossy(&buf).into_owned());
            }
            _ => {
                // Unknown fields are drained within the same budget, then ignored.
                let mut field = field;
                while let Some(chunk) = field.chunk().await.map_err(form_error)? {
                    other_bytes += chunk.len();
                    if other_bytes > FORM_OVERHEAD {
                        return Err(UploadError::TooLarge { max });
                    }
                }
            }
        }
    }
    let (file_name, temp) = file.ok_or_else(|| bad_form("请选择要上传的文件", "Choose a file to upload"))?;
    Ok(ReceivedFile { kind, file_name, body: FileBody::Temp(temp) })
}

fn form_error(e: axum::extract::multipart::MultipartError) -> UploadError {
    unreadable_form(&e.body_text())
}

fn unreadable_form(detail: &str) -> UploadError {
    bad_form(
        &format!("上传表单无法读取，请重新选择文件上传（{detail}）"),
        &format!("The upload form cannot be read; choose the file and upload again ({detail})"),
    )
}

fn bad_form(zh: &str, en: &str) -> UploadError {
    UploadError::App(AppError::Invalid { problems: vec![Problem::error("file", "upload_form", zh, en)] })
}

/// Who is uploading: a signed-in user, or a customer through a payment link (which takes at most
/// its cap).
#[derive(Clone, Copy, Debug)]
pub enum Uploader {
    User(i64),
    PaymentLink(i64, LinkCap),
}

/// Userid sheets read at the same time, at most: each is parsed on a blocking thread, so a burst
/// of large sheets neither stalls the async workers nor takes every core.
static SHEET_CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Checks, stores and records one upload for `contract`. The blob is durable in `store` before
/// the row is committed; a temporary upload file is removed whatever happens.
pub async fn accept_upload(
    db: &DatabaseConnection,
    store: &Store,
    contract: &ContractRow,
    kind: AttachmentKind,
    file: ReceivedFile,
    uploader: Uploader,
) -> Result<Recorded, UploadError> {
    // A userid sheet is read whole (the sheet reader needs it, within its own limits and
    // MAX_UPLOAD_BYTES); a voucher's type is read from its first bytes only.
    let whole: Option<Bytes> = match &file.body {
        FileBody::Memory(b) => Some(b.clone()),
        FileBody::Temp(t) if kind.sniffs_whole_file() => Some(Bytes::from(tokio::fs::read(&t.path).await?)),
        FileBody::Temp(_) => None,
    };
    let sniffed: &[u8] = match (&whole, &file.body) {
        (Some(b), _) => b,
        (None, FileBody::Temp(t)) => &t.head,
        (None, FileBody::Memory(b)) => b,
    };
    let file_type = check_file(kind, &file.file_name, sniffed).map_err(|refusal| match refusal {
        FileRefusal::Empty => UploadError::App(AppError::Invalid { problems: vec![refusal.problem(kind)] }),
        other => UploadError::Unsupported(other.problem(kind)),
    })?;
    let userids = match (kind, whole.clone()) {
        (AttachmentKind::UseridSheet, Some(bytes)) => Some(check_sheet_off_the_workers(contract, bytes).await?),
        _ => None,
    };
    drop(whole);
    let size = i64::try_from(file.size()).unwrap_or(i64::MAX);
    let key = match &file.body {
        FileBody::Memory(bytes) => {
            let key = content_key(bytes);
            store.put(&key, bytes.clone()).await.map(|()| key)
        }
        FileBody::Temp(t) => store.put_file(&t.key, &t.path).await.map(|()| t.key.clone()),
    }
    .map_err(|e| AppError::internal("storing an attachment", e))?;
    let (uploaded_by, via_payment_link, link_cap) = match uploader {
        Uploader::User(id) => (Some(id), None, None),
        Uploader::PaymentLink(id, cap) => (None, Some(id), Some(cap)),
    };
    let new = NewAttachment {
        contract_id: contract.id,
        kind,
        file_name: sanitize_file_name(&file.file_name, file_type.extensions()[0]),
        content_type: file_type.mime().to_owned(),
        size,
        sha256: key.clone(),
        storage_key: key,
        uploaded_by,
        via_payment_link,
    };
    Ok(service::record_upload(db, new, userids, link_cap).await?)
}

/// [`check_sheet`] on a blocking thread, at most [`SHEET_CHECKS`] at a time.
async fn check_sheet_off_the_workers(contract: &ContractRow, bytes: Bytes) -> Result<ParsedUserids, UploadError> {
    let _permit = SHEET_CHECKS.acquire().await.map_err(|e| AppError::internal("sheet check permit", e))?;
    let corp_id = contract.corp_id.clone();
    tokio::task::spawn_blocking(move || check_sheet(&corp_id, &bytes))
        .await
        .map_err(|e| AppError::internal("sheet check task", e))?
}

/// The server's own check of a userid sheet against the contract's corp ID.
fn check_sheet(contract_corp_id: &str, bytes: &[u8]) -> Result<ParsedUserids, UploadError> {
    let expected = CorpId::parse("corp_id", contract_corp_id).ok();
    let options = UseridSheetOptions { expected_corp_id: expected.as_ref(), saving: None };
    let sheet = check_userid_sheet(bytes, &options);
    if sheet.has_errors() {
        let problems = sheet.problems.into_iter().filter(Problem::is_error).collect();
        return Err(UploadError::App(AppError::Invalid { problems }));
    }
    let corp_id = sheet.corp_id.ok_or_else(|| {
        bad_form("userid 表和合同都没有企业ID", "Neither the userid sheet nor the contract has a corp ID")
    })?;
    Ok(ParsedUserids { corp_id: corp_id.as_str().to_owned(), entries: sheet.entries })
}

/// The signed-in user of a request, if any.
pub(crate) async fn request_user(state: &AppState, headers: &HeaderMap) -> Result<Option<SessionUser>, AppError> {
    let token = cookie_value(headers, app::functions::ctx::SESSION_COOKIE);
    Ok(app::services::accounts::current(&state.db, token.as_deref()).await?)
}

/// What an upload answers with.
#[derive(Serialize)]
pub struct UploadedAttachment {
    pub id: i64,
    pub contract_id: i64,
    pub kind: AttachmentKind,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Userids stored from a userid sheet.
    pub userids: Option<usize>,
    /// The contract's version after the upload became its voucher / userid sheet (a form loaded
    /// before it saves from this version on); `None` when the contract is not editable and was
    /// left as it was.
    pub contract_version: Option<i64>,
}

/// `POST /contracts/{id}/attachments`.
pub async fn upload(
    State(state): State<AppState>,
    Path(contract_id): Path<i64>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<UploadedAttachment>), UploadError> {
    if !same_origin(&headers) {
        return Err(AppError::CrossSite.into());
    }
    let user = request_user(&state, &headers).await?.ok_or(AppError::Unauthenticated)?;
    let contract = service::upload_target(&state.db, &user, contract_id).await?;
    let file = read_form(&headers, multipart, state.max_upload_bytes, &state.upload_dir).await?;
    let kind = file.kind.as_deref().and_then(AttachmentKind::from_code).ok_or_else(|| {
        bad_form(
            "附件类型应为 voucher（付款凭证）、userid_sheet（userid 表）或 other（其他附件）",
            "kind must be voucher, userid_sheet or other",
        )
    })?;
    let Recorded { row, contract_version } =
        accept_upload(&state.db, &state.store, &contract, kind, file, Uploader::User(user.id)).await?;
    let userids = match kind {
        AttachmentKind::UseridSheet => Some(service::stored_userids(&state.db, contract_id).await?),
        AttachmentKind::Voucher | AttachmentKind::Other => None,
    };
    Ok((
        StatusCode::CREATED,
        Json(UploadedAttachment {
            id: row.id,
            contract_id,
            kind,
            file_name: row.file_name,
            content_type: row.content_type,
            size: row.size,
            sha256: row.sha256,
            userids,
            contract_version,
        }),
    ))
}

/// `?inline=1` on a download: show an image or a PDF in the page (the approver's voucher preview)
/// instead of saving it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DownloadQuery {
    #[serde(default)]
    inline: Option<String>,
}

/// `GET /attachments/{id}`: the stored bytes, as a download, with the type read at upload;
/// `?inline=1` previews an image or PDF inside our own pages (framable by our origin only).
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DownloadQuery>,
    headers: HeaderMap,
) -> Response {
    let inline = q.inline.as_deref() == Some("1");
    match download_inner(&state, id, &headers, inline).await {
        Ok(r) => r,
        Err(e) => error_response(&e),
    }
}

async fn download_inner(state: &AppState, id: i64, headers: &HeaderMap, inline: bool) -> Result<Response, AppError> {
    let user = request_user(state, headers).await?.ok_or(AppError::Unauthenticated)?;
    let row = service::for_download(&state.db, &user, id).await?;
    let bytes = state
        .store
        .get(&row.storage_key)
        .await
        .map_err(|e| AppError::internal("reading an attachment", e))?
        .ok_or_else(|| AppError::internal("reading an attachment", format!("blob {} missing", row.storage_key)))?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&row.content_type).map_err(|e| AppError::internal("type", e))?,
    );
    // Only images and PDFs (`Preview::of`); a spreadsheet is always a download.
    let inline = inline && app::domain::attachment::Preview::of(&row.content_type).is_some();
    let disposition = content_disposition(&row.file_name);
    let disposition = if inline { disposition.replacen("attachment", "inline", 1) } else { disposition };
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| AppError::internal("name", e))?,
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if inline {
        // Shown in a frame of our own pages only. No `sandbox` here: Chromium refuses to run its
        // PDF viewer in a sandboxed document, and nothing of ours runs in it either way (no
        // script source is allowed, and the bytes were checked to be a real PDF or image).
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'self'"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    } else {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    }
    Ok(res)
}

/// `attachment; filename="<ascii fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266).
pub fn content_disposition(name: &str) -> String {
    let fallback: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}
