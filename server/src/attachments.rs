//! Attachment upload and download (PRODUCT.md §3 付款凭证 / userid sheet, §4).
//!
//! `POST /contracts/{id}/attachments` (multipart: `kind` + `file`) and `GET /attachments/{id}`.
//! Each upload is read with a byte budget (413 past `MAX_UPLOAD_BYTES`), its type is read from
//! the bytes (415 when the content is not allowed or the name disguises it), a userid sheet is
//! checked again with the shared reader against the contract's corp ID (422 row by row), then the
//! blob is stored durably and only then the row is committed. While the contract is editable the
//! upload becomes its voucher / userid sheet and its version goes up (see
//! [`app::db::attachments::record_upload`]).

use crate::state::AppState;
use crate::storage::{Store, content_key};
use crate::{cookie_value, error_response, same_origin};
use app::db::attachments::{self as db_att, NewAttachment, ParsedUserids, Recorded};
use app::db::entities::contract;
use app::domain::CorpId;
use app::domain::attachment::{AttachmentKind, FileRefusal, check_file, sanitize_file_name};
use app::domain::policy::Action;
use app::domain::problem::Problem;
use app::domain::sheet::{UseridSheetOptions, check_userid_sheet};
use app::error::AppError;
use app::models::SessionUser;
use axum::Json;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use sea_orm::DatabaseConnection;
use serde::Serialize;

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
    App(AppError),
}

impl From<AppError> for UploadError {
    fn from(e: AppError) -> Self {
        UploadError::App(e)
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
            UploadError::App(e) => (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST), e.clone()),
        }
    }
}

fn too_large(max: usize) -> AppError {
    let mb = max as f64 / 1_048_576.0;
    AppError::Invalid {
        problems: vec![Problem::error(
            "file",
            "file_too_large",
            format!("文件过大：附件最大 {mb:.1} MB，请压缩或拆分后重试"),
            format!("The file is too large: attachments are at most {mb:.1} MB; compress or split it and try again"),
        )],
    }
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
    pub bytes: Bytes,
}

/// Reads the upload form with a byte budget: the file may have at most `max` bytes, and the
/// request is refused as soon as it goes over, before the rest is read.
pub async fn read_form(
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
    max: usize,
) -> Result<ReceivedFile, UploadError> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    if declared.is_some_and(|n: usize| n > max.saturating_add(FORM_OVERHEAD)) {
        return Err(UploadError::TooLarge { max });
    }
    let mut multipart = multipart.map_err(|e| unreadable_form(&e.body_text()))?;
    let mut kind = None;
    let mut file: Option<(String, Bytes)> = None;
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
                let mut buf = BytesMut::new();
                let mut field = field;
                while let Some(chunk) = field.chunk().await.map_err(form_error)? {
                    if buf.len() + chunk.len() > max {
                        return Err(UploadError::TooLarge { max });
                    }
                    buf.extend_from_slice(&chunk);
                }
                file = Some((name, buf.freeze()));
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
    let (file_name, bytes) = file.ok_or_else(|| bad_form("请选择要上传的文件", "Choose a file to upload"))?;
    Ok(ReceivedFile { kind, file_name, bytes })
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

/// Who is uploading: a signed-in user, or a customer through a payment link.
#[derive(Clone, Copy, Debug)]
pub enum Uploader {
    User(i64),
    PaymentLink(i64),
}

/// Checks, stores and records one upload for `contract`. The blob is durable in `store` before
/// the row is committed.
pub async fn accept_upload(
    db: &DatabaseConnection,
    store: &Store,
    contract: &contract::Model,
    kind: AttachmentKind,
    file: ReceivedFile,
    uploader: Uploader,
) -> Result<Recorded, UploadError> {
    let file_type = check_file(kind, &file.file_name, &file.bytes).map_err(|refusal| match refusal {
        FileRefusal::Empty => UploadError::App(AppError::Invalid { problems: vec![refusal.problem(kind)] }),
        other => UploadError::Unsupported(other.problem(kind)),
    })?;
    let userids = match kind {
        AttachmentKind::Voucher => None,
        AttachmentKind::UseridSheet => Some(check_sheet(contract, &file.bytes)?),
    };
    let key = content_key(&file.bytes);
    let size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
    store.put(&key, file.bytes).await.map_err(|e| AppError::internal("storing an attachment", e))?;
    let (uploaded_by, via_payment_link) = match uploader {
        Uploader::User(id) => (Some(id), None),
        Uploader::PaymentLink(id) => (None, Some(id)),
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
    Ok(db_att::record_upload(db, new, userids).await?)
}

/// The server's own check of a userid sheet against the contract's corp ID.
fn check_sheet(contract: &contract::Model, bytes: &[u8]) -> Result<ParsedUserids, UploadError> {
    let expected = CorpId::parse("corp_id", &contract.corp_id).ok();
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
async fn request_user(state: &AppState, headers: &HeaderMap) -> Result<Option<SessionUser>, AppError> {
    match cookie_value(headers, app::functions::ctx::SESSION_COOKIE) {
        Some(token) => Ok(app::db::accounts::session_user(&state.db, &token).await?),
        None => Ok(None),
    }
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
    let contract = app::db::contracts::load_for(&state.db, &user, contract_id, Action::UploadAttachment).await?.row;
    let file = read_form(&headers, multipart, state.max_upload_bytes).await?;
    let kind = file.kind.as_deref().and_then(AttachmentKind::parse).ok_or_else(|| {
        bad_form("附件类型应为 voucher（付款凭证）或 userid_sheet（userid 表）", "kind must be voucher or userid_sheet")
    })?;
    let Recorded { row, contract_version } =
        accept_upload(&state.db, &state.store, &contract, kind, file, Uploader::User(user.id)).await?;
    let userids = match kind {
        AttachmentKind::UseridSheet => Some(db_att::userids_of(&state.db, contract_id).await?.len()),
        AttachmentKind::Voucher => None,
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

/// `GET /attachments/{id}`: the stored bytes, as a download, with the type read at upload.
pub async fn download(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    match download_inner(&state, id, &headers).await {
        Ok(r) => r,
        Err(e) => error_response(&e),
    }
}

async fn download_inner(state: &AppState, id: i64, headers: &HeaderMap) -> Result<Response, AppError> {
    let user = request_user(state, headers).await?.ok_or(AppError::Unauthenticated)?;
    let not_found = || AppError::not_found("附件", "Attachment");
    let row = db_att::find(&state.db, id).await?.ok_or_else(not_found)?;
    // An attachment of a contract the caller may not read is answered like a missing one.
    app::db::contracts::load_for(&state.db, &user, row.contract_id, Action::DownloadAttachment)
        .await
        .map_err(|e| if matches!(e, AppError::NotFound { .. }) { not_found() } else { e })?;
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
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&content_disposition(&row.file_name)).map_err(|e| AppError::internal("name", e))?,
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
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
