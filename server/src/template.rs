//! `GET /templates/userid-sheet.xlsx`: the corp ID / userid sheet template (企业 ID 及 userid 示例表)
//! the contract form links to, written by the shared template writer (`domain::sheet::template`).
//! Public: it holds no data.

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;

/// The template is the same for every request: written once, on the first request, and kept.
static TEMPLATE: OnceLock<Bytes> = OnceLock::new();

fn template() -> Result<Bytes, String> {
    if let Some(bytes) = TEMPLATE.get() {
        return Ok(bytes.clone());
    }
    let bytes = app::domain::sheet::template_xlsx().map_err(|e| e.to_string())?;
    Ok(TEMPLATE.get_or_init(|| Bytes::from(bytes)).clone())
}

/// The template as an .xlsx download.
pub async fn userid_sheet() -> Response {
    match template() {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"userid-sheet-template.xlsx\"; filename*=UTF-8''%E4%BC%81%E4%B8%9A%20ID%20%E5%8F%8A%20userid%20%E7%A4%BA%E4%BE%8B%E8%A1%A8.xlsx",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => crate::error_response(&app::error::AppError::internal("writing the userid sheet template", e)),
    }
}
