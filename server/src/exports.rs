//! A contract's userids as the filled-in template (`GET /contracts/{id}/userids.xlsx`: the
//! 企业 ID 及 userid 示例表 layout with the userids its sheet gave, which a renewal starts from), and
//! a contract's timeline (时间线, its audit trail) as a file: `GET /contracts/{id}/timeline.xlsx`
//! and `GET /contracts/{id}/timeline.csv`, for whoever may read the contract (others get the
//! same 404 as for a missing one). The words are the page's (`TimelineEntry::who` / `what`), in
//! the page's language (`lang` cookie); times in Beijing time, said so in the header.

use crate::attachments::{content_disposition, request_user};
use crate::state::AppState;
use crate::{cookie_value, error_response};
use app::domain::attachment::FileType;
use app::domain::problem::Lang;
use app::domain::sheet::export::{table_csv, table_xlsx};
use app::error::AppError;
use app::models::TimelineEntry;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The export's columns.
fn headers(lang: Lang) -> [&'static str; 5] {
    match lang {
        Lang::Zh => ["时间（北京时间）", "操作人", "操作", "审批级别", "意见 / 说明"],
        Lang::En => ["Time (Beijing)", "By", "What", "Approval level", "Comment"],
    }
}

fn rows(lang: Lang, entries: &[TimelineEntry]) -> Vec<Vec<String>> {
    entries
        .iter()
        .map(|t| {
            vec![
                app::i18n::date_time(t.at),
                t.who(lang),
                t.what(lang),
                t.level.map(|l| l.to_string()).unwrap_or_default(),
                t.comment.clone(),
            ]
        })
        .collect()
}

/// Which file.
#[derive(Clone, Copy)]
pub enum Format {
    Xlsx,
    Csv,
}

pub async fn timeline_xlsx(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    timeline(&state, id, &headers, Format::Xlsx).await.unwrap_or_else(|e| error_response(&e))
}

pub async fn timeline_csv(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    timeline(&state, id, &headers, Format::Csv).await.unwrap_or_else(|e| error_response(&e))
}

async fn timeline(state: &AppState, id: i64, req: &HeaderMap, format: Format) -> Result<Response, AppError> {
    let user = request_user(state, req).await?.ok_or(AppError::Unauthenticated)?;
    let (number, entries) = app::services::contracts::timeline(&state.db, &user, id).await?;
    let lang = cookie_value(req, "lang").and_then(|t| Lang::from_tag(&t)).unwrap_or(Lang::Zh);
    let name = number.unwrap_or_else(|| format!("contract-{id}"));
    let (cols, rows) = (headers(lang), rows(lang, &entries));
    let (bytes, content_type, file) = match format {
        Format::Xlsx => (
            table_xlsx(lang.pick("时间线", "Timeline"), &cols, &rows)
                .map_err(|e| AppError::internal("timeline.xlsx", e))?,
            FileType::Xlsx.mime(),
            format!("{name}-{}.xlsx", lang.pick("时间线", "timeline")),
        ),
        Format::Csv => (
            table_csv(&cols, &rows).into_bytes(),
            "text/csv; charset=utf-8",
            format!("{name}-{}.csv", lang.pick("时间线", "timeline")),
        ),
    };
    private_download(bytes, content_type, &file)
}

/// A file of a signed-in user's data as a download: its type, its name, never cached.
fn private_download(bytes: Vec<u8>, content_type: &'static str, file_name: &str) -> Result<Response, AppError> {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&content_disposition(file_name)).map_err(|e| AppError::internal("file name", e))?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(res)
}

/// `GET /contracts/{id}/userids.xlsx`: the stored userids in the template's layout.
pub async fn userids_xlsx(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    userids(&state, id, &headers).await.unwrap_or_else(|e| error_response(&e))
}

async fn userids(state: &AppState, id: i64, req: &HeaderMap) -> Result<Response, AppError> {
    use app::domain::{AccountKind, CorpId, UserId};
    let user = request_user(state, req).await?.ok_or(AppError::Unauthenticated)?;
    let (corp, rows) = app::services::contracts::userid_list(&state.db, &user, id)
        .await?
        .ok_or_else(|| AppError::not_found("该合同的 UserID 表", "This contract's userid sheet"))?;
    // Stored after the shared reader checked them: they parse again.
    let corp = CorpId::parse("", &corp).map_err(|p| AppError::internal("stored corp id", p.en))?;
    let rows = rows
        .iter()
        .map(|(u, k)| {
            Ok((
                UserId::parse("", u).map_err(|p| AppError::internal("stored userid", p.en))?,
                AccountKind::from_code(k),
            ))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let bytes =
        app::domain::sheet::userid_sheet_xlsx(&corp, &rows).map_err(|e| AppError::internal("userids.xlsx", e))?;
    private_download(bytes, FileType::Xlsx.mime(), &format!("企业ID及userid-{}.xlsx", corp.as_str()))
}
