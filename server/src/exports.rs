//! A contract's userids as the filled-in template (`GET /contracts/{id}/userids.xlsx`: the
//! 企业 ID 及 userid 示例表 layout with the userids its sheet gave, which a renewal starts from), and
//! a contract's timeline (时间线, its audit trail) as a file: `GET /contracts/{id}/timeline.xlsx`
//! and `GET /contracts/{id}/timeline.csv`, for whoever may read the contract (others get the
//! same 404 as for a missing one). The words are the page's (`TimelineEntry::who` / `what`), in
//! the page's language (`lang` cookie); times in Beijing time, said so in the header.
//!
//! The contract list as a workbook (`GET /contracts/export.xlsx?<the list's query>`): the same
//! filters, sort and visibility as `/contracts`, every row, money as numbers in a ¥ format and
//! times as Excel dates (Beijing time). Memory stays bounded however many rows: the service reads
//! the rows in keyset pages, each page goes straight into a constant-memory worksheet (rows kept
//! in a temporary file), and the finished file is written into the response as it is zipped.

use crate::attachments::{content_disposition, request_user};
use crate::state::AppState;
use crate::{cookie_value, error_response};
use app::domain::attachment::FileType;
use app::domain::problem::Lang;
use app::domain::sheet::export::{table_csv, table_xlsx};
use app::error::AppError;
use app::models::TimelineEntry;
use app::models::{ContractFilter, ContractSummary};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook, Worksheet, XlsxError};
use std::io::Write;

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
    let (bytes, content_type, file): (Vec<u8>, _, _) = match format {
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
    private_download(bytes.into(), content_type, &file)
}

/// A file of a signed-in user's data as a download: its type, its name, never cached.
fn private_download(body: Body, content_type: &'static str, file_name: &str) -> Result<Response, AppError> {
    let mut res = body.into_response();
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
    private_download(bytes.into(), FileType::Xlsx.mime(), &format!("企业ID及userid-{}.xlsx", corp.as_str()))
}

/// The contract export's columns.
fn contract_headers(lang: Lang) -> [&'static str; 11] {
    match lang {
        Lang::Zh => [
            "单据编号",
            "最终用户",
            "企业名称",
            "企业微信ID",
            "订单类型",
            "状态",
            "负责人",
            "渠道伙伴",
            "价格合计（元）",
            "创建时间（北京时间）",
            "更新时间（北京时间）",
        ],
        Lang::En => [
            "Document number",
            "End customer",
            "Corp name",
            "Corp ID",
            "Order type",
            "Status",
            "Owner",
            "Organisation",
            "Total (CNY)",
            "Created (Beijing time)",
            "Updated (Beijing time)",
        ],
    }
}

/// Column widths (in characters) of the contract export.
const CONTRACT_WIDTHS: [f64; 11] = [16.0, 28.0, 28.0, 22.0, 10.0, 18.0, 14.0, 20.0, 16.0, 20.0, 20.0];

/// The most data rows a worksheet holds (Excel's limit, less the header row).
const MAX_SHEET_ROWS: u64 = 1_048_575;

/// Money as Excel shows it: `¥1,234.50`.
const YUAN_FORMAT: &str = "\"¥\"#,##0.00";
/// A time as Excel shows it: `2026-12-05 09:30`.
const TIME_FORMAT: &str = "yyyy-mm-dd hh:mm";

/// `GET /contracts/export.xlsx?<the list's query>`: every contract the list shows for the same
/// query (all pages), for a signed-in user; a query the list refuses is refused the same way (400).
pub async fn contracts_xlsx(
    State(state): State<AppState>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    contracts_export(&state, &query, &headers).await.unwrap_or_else(|e| {
        let mut res = error_response(&e);
        // A query the list cannot read is a bad request, as the list call answers it.
        if matches!(e, AppError::Invalid { .. }) {
            *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        }
        res
    })
}

async fn contracts_export(state: &AppState, query: &[(String, String)], req: &HeaderMap) -> Result<Response, AppError> {
    let user = request_user(state, req).await?.ok_or(AppError::Unauthenticated)?;
    let filter = ContractFilter::from_query(|key| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()));
    let lang = cookie_value(req, "lang").and_then(|t| Lang::from_tag(&t)).unwrap_or(Lang::Zh);
    let mut sheet = ContractSheet::new(lang, &state.upload_dir)?;
    app::services::contract_list::export(&state.db, &user, &filter, |rows| sheet.write(rows)).await?;
    let today = app::domain::calendar::china_date(Utc::now());
    let name = format!("{}-{today}.xlsx", lang.pick("合同列表", "contracts"));
    private_download(sheet.finish(), FileType::Xlsx.mime(), &name)
}

/// The contract export being written: a workbook whose one worksheet keeps its rows in a
/// temporary file (rust_xlsxwriter's constant-memory mode), not in memory.
struct ContractSheet {
    workbook: Workbook,
    lang: Lang,
    rows: u64,
    text: CellFormat,
    yuan: CellFormat,
    time: CellFormat,
}

impl ContractSheet {
    fn new(lang: Lang, temp_dir: &std::path::Path) -> Result<ContractSheet, AppError> {
        let fail = |e: XlsxError| AppError::internal("contracts.xlsx", e);
        let mut workbook = Workbook::new();
        if std::fs::create_dir_all(temp_dir).is_ok() {
            workbook.set_tempdir(temp_dir).map_err(fail)?;
        }
        let ws = workbook.add_worksheet_with_constant_memory().map_err(fail)?;
        ws.set_name(lang.pick("合同", "Contracts")).map_err(fail)?;
        let header = app::domain::sheet::template::header_format();
        for (col, (h, w)) in contract_headers(lang).iter().zip(CONTRACT_WIDTHS).enumerate() {
            let col = col as u16;
            ws.set_column_width(col, w).map_err(fail)?;
            ws.write_string_with_format(0, col, *h, &header).map_err(fail)?;
        }
        ws.set_freeze_panes(1, 0).map_err(fail)?;
        Ok(ContractSheet {
            workbook,
            lang,
            rows: 0,
            text: CellFormat::new().set_num_format("@"),
            yuan: CellFormat::new().set_num_format(YUAN_FORMAT),
            time: CellFormat::new().set_num_format(TIME_FORMAT),
        })
    }

    /// Appends `rows` below those written so far.
    fn write(&mut self, rows: &[ContractSummary]) -> Result<(), AppError> {
        if self.rows + rows.len() as u64 > MAX_SHEET_ROWS {
            return Err(AppError::conflict(
                "超过 Excel 的行数上限（1,048,575 行），请缩小筛选范围后再导出",
                "More rows than Excel holds (1,048,575); narrow the filter and export again",
            ));
        }
        let ws = self.workbook.worksheet_from_index(0).map_err(|e| AppError::internal("contracts.xlsx", e))?;
        for c in rows {
            self.rows += 1;
            write_contract(ws, self.rows as u32, c, self.lang, [&self.text, &self.yuan, &self.time])
                .map_err(|e| AppError::internal("contracts.xlsx", e))?;
        }
        Ok(())
    }

    /// The finished file as a response body, zipped on a blocking thread straight into the
    /// response (a small channel between them: the file is never whole in memory).
    fn finish(mut self) -> Body {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
        tokio::task::spawn_blocking(move || {
            let mut out = ChunkSender { tx, buf: Vec::with_capacity(CHUNK) };
            let saved =
                self.workbook.save_to_writer(&mut out).map_err(std::io::Error::other).and_then(|()| out.flush());
            if let Err(e) = saved {
                tracing::error!(error = %e, "writing contracts.xlsx");
                // The client sees a broken download, never a truncated file that looks whole.
                let _ = out.tx.blocking_send(Err(e));
            }
        });
        // `poll_fn`, not `unfold`: the compression layer may poll once more after the end, and a
        // closed channel keeps answering "no more" where `unfold` would panic.
        Body::from_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
    }
}

/// One contract as row `row`: texts as text, the total as a number in yuan, times as Excel dates.
fn write_contract(
    ws: &mut Worksheet,
    row: u32,
    c: &ContractSummary,
    lang: Lang,
    [text, yuan, time]: [&CellFormat; 3],
) -> Result<(), XlsxError> {
    let texts = [
        c.document_number.clone().unwrap_or_default(),
        c.end_customer.clone(),
        c.corp_name.clone(),
        c.corp_id.clone(),
        c.order_type.map(|o| lang.pick(o.zh(), o.en()).to_owned()).unwrap_or_default(),
        c.status.label(lang),
        c.owner.display_name.clone(),
        c.organisation.display_name.clone(),
    ];
    for (col, t) in texts.into_iter().enumerate() {
        if !t.is_empty() {
            ws.write_string_with_format(row, col as u16, t, text)?;
        }
    }
    if let Some(total) = c.total {
        // Exact to the fen: every amount of a contract is far below 2^53 fen.
        ws.write_number_with_format(row, 8, total.fen() as f64 / 100.0, yuan)?;
    }
    ws.write_datetime_with_format(row, 9, &excel_time(c.created_at)?, time)?;
    ws.write_datetime_with_format(row, 10, &excel_time(c.updated_at)?, time)?;
    Ok(())
}

/// An instant as an Excel date and time in Beijing time (Excel's dates have no zone).
fn excel_time(at: DateTime<Utc>) -> Result<ExcelDateTime, XlsxError> {
    let local = at.with_timezone(&app::domain::calendar::china_offset()).naive_local();
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default();
    let millis = (local - epoch).num_milliseconds();
    ExcelDateTime::from_serial_datetime(millis as f64 / 86_400_000.0)
}

/// How much of the file goes into the response at a time.
const CHUNK: usize = 64 * 1024;

/// A writer that hands what it is given to the response in chunks of [`CHUNK`] bytes, waiting
/// while the client is behind; an error once the client has gone.
struct ChunkSender {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))
    }
}
