//! The customer's payment page behind a private link (PRODUCT.md §7): `GET /pay/{token}` shows
//! the amount, the document number and the two ways to pay with the admin's instructions, and a
//! voucher upload form; `POST /pay/{token}/voucher` takes a voucher (PNG, JPEG or PDF) for that
//! contract only. A token opens nothing else. Server-rendered HTML in Chinese, no script needed.
//!
//! A link is open while it is neither expired nor revoked and its contract awaits payment
//! (`ContractStatus::awaits_payment`): on an approved, fulfilled or cancelled contract it
//! answers like a revoked link. It takes at most `PAYMENT_LINK_MAX_VOUCHERS` vouchers of
//! `PAYMENT_LINK_MAX_BYTES` in all ([`LinkRefusal`]), checked before the upload is read, while it
//! is read, and again when it is recorded.

use crate::attachments::{ReceivedFile, UploadError, Uploader, accept_upload, read_form};
use crate::same_origin;
use crate::state::AppState;
use app::domain::attachment::AttachmentKind;
use app::domain::money::{Money, format_grouped};
use app::domain::payment_link::LinkRefusal;
use app::error::AppError;
use app::html::escape as esc;
use app::services::payment_links::{self as links, ContractRow, Opened, PaymentLink, payment_settings as keys};
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;

/// `GET /pay/{token}`.
pub async fn page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match valid_link(&state, &token).await {
        Ok((link, contract)) => match payment_page(&state, &token, &link, &contract, None).await {
            Ok(html) => html_response(StatusCode::OK, html),
            Err(e) => failure_page(&e),
        },
        Err(r) => r,
    }
}

/// `POST /pay/{token}/voucher` (multipart: `file`).
pub async fn upload_voucher(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    if !same_origin(&headers) {
        return failure_page(&UploadError::App(AppError::CrossSite));
    }
    let (link, contract) = match valid_link(&state, &token).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        // No room left: refused before a byte of the upload is read.
        let room = state.link_cap.room(links::usage(&state.db, link.id).await?).map_err(UploadError::Link)?;
        let budget = usize::try_from(room).unwrap_or(usize::MAX).min(state.max_upload_bytes);
        let file: ReceivedFile = match read_form(&headers, multipart, budget, &state.upload_dir).await {
            // Over what the link has left rather than over the per-file limit.
            Err(UploadError::TooLarge { .. }) if budget < state.max_upload_bytes => {
                Err(UploadError::Link(LinkRefusal::Bytes { max: state.link_cap.bytes }))
            }
            other => other,
        }?;
        let uploader = Uploader::PaymentLink(link.id, state.link_cap);
        accept_upload(&state.db, &state.store, &contract, AttachmentKind::Voucher, file, uploader).await
    }
    .await;
    match result {
        Ok(row) => {
            let notice = format!(
                r#"<p class="ok" role="status">已收到付款凭证“{}”，谢谢！我们核对后会尽快处理。<br>Voucher received, thank you.</p>"#,
                esc(&row.row.file_name)
            );
            match payment_page(&state, &token, &link, &contract, Some(notice)).await {
                Ok(html) => html_response(StatusCode::CREATED, html),
                Err(e) => failure_page(&e),
            }
        }
        // Closed while the upload was read (the contract was cancelled, the link revoked).
        Err(UploadError::Link(LinkRefusal::Closed)) => gone_page(),
        Err(e) => failure_page(&e),
    }
}

/// The page of a link that takes nothing any more: expired, revoked, or its contract no longer
/// awaits payment (one page: the customer needs a new link in every case).
fn gone_page() -> Response {
    let p = LinkRefusal::Closed.problem();
    html_response(
        StatusCode::GONE,
        layout("付款链接已失效", &format!("<h1>付款链接已失效</h1><p>{}</p><p lang=\"en\">{}</p>", p.zh, p.en)),
    )
}

/// The link and its contract, or the page to answer with: 404 for an unknown token, 410 for an
/// expired or revoked one, or one whose contract no longer awaits payment.
async fn valid_link(state: &AppState, token: &str) -> Result<(PaymentLink, ContractRow), Response> {
    let unknown = || {
        html_response(
            StatusCode::NOT_FOUND,
            layout(
                "付款链接无效",
                "<h1>付款链接无效</h1><p>找不到这个付款链接，请检查链接是否完整，或向您的渠道伙伴索取新的链接。</p>\
                 <p lang=\"en\">This payment link does not exist. Check that the link is complete, or ask your partner for a new one.</p>",
            ),
        )
    };
    match links::open(&state.db, token).await.map_err(|e| failure_page(&e.into()))? {
        Opened::Open(link, contract) => Ok((*link, *contract)),
        Opened::Closed => Err(gone_page()),
        Opened::Unknown => Err(unknown()),
    }
}

async fn payment_page(
    state: &AppState,
    token: &str,
    link: &PaymentLink,
    c: &ContractRow,
    notice: Option<String>,
) -> Result<String, UploadError> {
    let settings = links::page_settings(&state.db).await?;
    let amount = c
        .total_fen
        .map_or_else(|| "待定（合同尚未定价）".to_owned(), |fen| format!("¥{}", format_grouped(Money::from_fen(fen))));
    let number = c.document_number.clone().unwrap_or_else(|| "（尚未分配）".to_owned());
    let max_mb = state.max_upload_bytes as f64 / 1_048_576.0;
    let body = format!(
        r#"<h1>企业微信接口许可 · 付款</h1>
{notice}
<dl class="facts">
  <dt>单据编号</dt><dd>{number}</dd>
  <dt>购买企业</dt><dd>{corp}</dd>
  <dt>应付金额</dt><dd class="amount">{amount}</dd>
  <dt>链接有效期至</dt><dd>{expires}</dd>
</dl>
<h2>付款方式一：微信扫码</h2>
{wechat}
<h2>付款方式二：对公转账</h2>
{bank}
<h2>上传付款凭证</h2>
<form method="post" action="/pay/{token}/voucher" enctype="multipart/form-data">
  <p>付款后请上传付款截图或回单（PNG、JPEG 图片或 PDF，最大 {max_mb:.1} MB；每个链接最多 {max_vouchers} 份）。</p>
  <input type="file" name="file" accept=".png,.jpg,.jpeg,.pdf,image/png,image/jpeg,application/pdf" required>
  <button type="submit">上传凭证</button>
</form>"#,
        notice = notice.unwrap_or_default(),
        number = esc(&number),
        corp = esc(&c.corp_name),
        amount = esc(&amount),
        expires = link
            .expires_at
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
            .format("%Y-%m-%d %H:%M（北京时间）"),
        wechat = wechat_section(&settings, c),
        bank = bank_section(&settings),
        token = esc(token),
        max_vouchers = state.link_cap.vouchers,
    );
    Ok(layout("付款", &body))
}

fn setting<'a>(settings: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    settings.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn wechat_section(settings: &HashMap<String, String>, c: &ContractRow) -> String {
    let qr = setting(settings, keys::WECHAT_QR).filter(|u| is_safe_image_url(u));
    let image = qr.map_or_else(
        || "<p class=\"empty\">管理员尚未设置微信收款码，请选择对公转账，或联系您的渠道伙伴。</p>".to_owned(),
        |u| format!(r#"<img class="qr" src="{}" alt="微信收款码" width="240">"#, esc(u)),
    );
    let note = setting(settings, keys::WECHAT_NOTE).map(|n| format!("<p>{}</p>", esc(n))).unwrap_or_default();
    format!(
        "{image}\n<p>付款时请在备注中写明<strong>购买企业名称</strong>（{}）和<strong>接口名称</strong>（企业微信接口许可）。</p>\n\
         <p>微信扫码为代付，<strong>不提供发票</strong>；需要发票请使用对公转账。</p>\n{note}",
        esc(&c.corp_name)
    )
}

fn bank_section(settings: &HashMap<String, String>) -> String {
    let rows = [
        ("户名", keys::BANK_ACCOUNT_NAME),
        ("账号", keys::BANK_ACCOUNT_NUMBER),
        ("开户行", keys::BANK_NAME),
        ("联行号", keys::BANK_CODE),
    ];
    if rows.iter().all(|(_, k)| setting(settings, k).is_none()) {
        return "<p class=\"empty\">管理员尚未设置对公账户信息，请联系您的渠道伙伴获取。</p>".to_owned();
    }
    let items: String = rows
        .iter()
        .map(|(label, k)| format!("<dt>{label}</dt><dd>{}</dd>", esc(setting(settings, k).unwrap_or("（未设置）"))))
        .collect();
    format!("<dl class=\"facts\">{items}</dl>\n<p>转账时请在附言中写明单据编号。</p>")
}

/// Only images from our own site, https, or inline image data: never `javascript:` and the like.
fn is_safe_image_url(u: &str) -> bool {
    u.starts_with("https://") || (u.starts_with('/') && !u.starts_with("//")) || u.starts_with("data:image/")
}

/// A refused upload or a failure, as a page with the error's status.
fn failure_page(e: &UploadError) -> Response {
    let (status, err) = e.parts();
    let items: String = match &err {
        AppError::Invalid { problems } => problems
            .iter()
            .map(|p| format!("<li>{}<br><span lang=\"en\">{}</span></li>", esc(&p.zh), esc(&p.en)))
            .collect(),
        other => format!("<li>{}</li>", esc(&other.to_string())),
    };
    html_response(
        status,
        layout(
            "上传未成功",
            &format!(
                "<h1>上传未成功</h1><ul class=\"problems\">{items}</ul><p><a href=\"javascript:history.back()\">返回</a></p>"
            ),
        ),
    )
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut res = (status, Html(html)).into_response();
    let h = res.headers_mut();
    // The token is in the URL: keep it out of caches and other sites' Referer headers.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{} · 企业微信接口许可</title>
<style>body{{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.6}}
dl.facts{{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}}dt{{color:#555}}dd{{margin:0}}.amount{{font-size:1.4em;font-weight:600}}
.empty{{color:#777}}.ok{{background:#e7f6e7;padding:.5rem}}.problems{{color:#a00}}img.qr{{border:1px solid #ddd}}</style></head>
<body>{body}</body></html>"#,
        esc(title)
    )
}
