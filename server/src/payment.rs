//! The customer's payment page behind a private link (PRODUCT.md §7): `GET /pay/{token}` shows
//! the amount, the document number and the two ways to pay with the admin's instructions, and a
//! voucher upload form; `POST /pay/{token}/voucher` takes a voucher (PNG, JPEG or PDF) for that
//! contract only. A token opens nothing else.
//!
//! Written here rather than by Leptos so that it needs no script at all, yet it is a page of the
//! app: the app's stylesheet, header and language switch (the `lang` cookie, Chinese by default),
//! and no inline style (our CSP would block it). What it says about paying comes from the same
//! service as the contract page's 付款 card (`services::payment_links::page_ways`).
//!
//! A link is open while it is neither expired nor revoked and its contract awaits payment
//! (`ContractStatus::awaits_payment`): on an approved, fulfilled or cancelled contract it
//! answers like a revoked link. It takes at most `PAYMENT_LINK_MAX_VOUCHERS` vouchers of
//! `PAYMENT_LINK_MAX_BYTES` in all ([`LinkRefusal`]), checked before the upload is read, while it
//! is read, and again when it is recorded.

use crate::attachments::{ReceivedFile, UploadError, Uploader, accept_upload, read_form};
use crate::same_origin;
use crate::state::AppState;
use app::domain::Lang;
use app::domain::attachment::AttachmentKind;
use app::domain::money::Money;
use app::domain::payment_link::{LinkRefusal, PaymentWays, TRANSFER_REFERENCE};
use app::error::AppError;
use app::html::escape as esc;
use app::services::payment_links::{self as links, ContractRow, Opened, PaymentLink};
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// `GET /pay/{token}`.
pub async fn page(State(state): State<AppState>, Path(token): Path<String>, headers: HeaderMap) -> Response {
    let at = Page { state: &state, lang: lang_of(&headers), token: &token };
    match valid_link(&at).await {
        Ok((link, contract)) => match payment_page(&at, &link, &contract, None).await {
            Ok(html) => html_response(StatusCode::OK, html),
            Err(e) => failure_page(&at, &e),
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
    let at = Page { state: &state, lang: lang_of(&headers), token: &token };
    if !same_origin(&headers) {
        return failure_page(&at, &UploadError::App(AppError::CrossSite));
    }
    let (link, contract) = match valid_link(&at).await {
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
            let name = esc(&row.row.file_name);
            let notice = format!(
                r#"<p class="notice ok" role="status" data-testid="voucher-received">{}</p>"#,
                at.lang.pick(
                    &format!("已收到付款凭证“{name}”，谢谢！我们核对后会尽快处理。"),
                    &format!("Voucher “{name}” received, thank you. We will check it shortly."),
                )
            );
            match payment_page(&at, &link, &contract, Some(notice)).await {
                Ok(html) => html_response(StatusCode::CREATED, html),
                Err(e) => failure_page(&at, &e),
            }
        }
        // Closed while the upload was read (the contract was cancelled, the link revoked).
        Err(UploadError::Link(LinkRefusal::Closed)) => gone_page(&state),
        Err(e) => failure_page(&at, &e),
    }
}

/// What every page of a link is written with: the server's settings, the visitor's language and
/// the link's token (the language switch comes back to the link's page).
struct Page<'a> {
    state: &'a AppState,
    lang: Lang,
    token: &'a str,
}

/// The visitor's language: the `lang` cookie the app's switch sets, Chinese by default.
fn lang_of(headers: &HeaderMap) -> Lang {
    headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).and_then(Lang::from_cookie_header).unwrap_or_default()
}

/// The page of a link that takes nothing any more: expired, revoked, or its contract no longer
/// awaits payment (one page: the customer needs a new link in every case). In both languages and
/// without the language switch, whose way back would name the dead token.
fn gone_page(state: &AppState) -> Response {
    let p = LinkRefusal::Closed.problem();
    html_response(
        StatusCode::GONE,
        layout(
            state,
            Lang::Zh,
            None,
            "付款链接已失效",
            &format!(
                "<section class=\"card pay-card\"><h1>付款链接已失效</h1><p>{}</p><p lang=\"en\">{}</p></section>",
                p.zh, p.en
            ),
        ),
    )
}

/// The link and its contract, or the page to answer with: 404 for an unknown token, 410 for an
/// expired or revoked one, or one whose contract no longer awaits payment.
async fn valid_link(at: &Page<'_>) -> Result<(PaymentLink, ContractRow), Response> {
    let unknown = || {
        html_response(
            StatusCode::NOT_FOUND,
            layout(
                at.state,
                Lang::Zh,
                None,
                "付款链接无效",
                "<section class=\"card pay-card\"><h1>付款链接无效</h1><p>找不到这个付款链接，请检查链接是否完整，或向您的渠道伙伴索取新的链接。</p>\
                 <p lang=\"en\">This payment link does not exist. Check that the link is complete, or ask your partner for a new one.</p></section>",
            ),
        )
    };
    match links::open(&at.state.db, at.token).await.map_err(|e| failure_page(at, &e.into()))? {
        Opened::Open(link, contract) => Ok((*link, *contract)),
        Opened::Closed => Err(gone_page(at.state)),
        Opened::Unknown => Err(unknown()),
    }
}

async fn payment_page(
    at: &Page<'_>,
    link: &PaymentLink,
    c: &ContractRow,
    notice: Option<String>,
) -> Result<String, UploadError> {
    let lang = at.lang;
    let (ways, remark) = links::page_ways(&at.state.db, c).await?;
    let amount = c.total_fen.map_or_else(
        || lang.pick("待定（合同尚未定价）", "To be decided (the contract is not priced yet)").to_owned(),
        |fen| app::i18n::money(lang, Money::from_fen(fen)),
    );
    let number =
        c.document_number.clone().unwrap_or_else(|| lang.pick("（尚未分配）", "(not assigned yet)").to_owned());
    let max_mb = at.state.max_upload_bytes as f64 / 1_048_576.0;
    let max_vouchers = at.state.link_cap.vouchers;
    let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let body = format!(
        r#"<h1>{title}</h1>
{notice}
<section class="card pay-card" aria-labelledby="pay-summary"><h2 id="pay-summary">{summary}</h2>
<dl class="facts">
  <dt>{l_number}</dt><dd>{number}</dd>
  <dt>{l_corp}</dt><dd>{corp}</dd>
  <dt>{l_amount}</dt><dd class="pay-amount" data-testid="pay-amount">{amount}</dd>
  <dt>{l_expires}</dt><dd>{expires}</dd>
</dl></section>
<section class="card pay-card" id="pay-wechat" data-testid="pay-wechat"><h2>{h_wechat}</h2>
{wechat}</section>
<section class="card pay-card" id="pay-bank" data-testid="pay-bank"><h2>{h_bank}</h2>
{bank}</section>
<section class="card pay-card" id="pay-upload"><h2>{h_upload}</h2>
<form class="pay-upload" method="post" action="/pay/{token}/voucher" enctype="multipart/form-data">
  <p class="hint" id="voucher-hint">{upload_hint}</p>
  <label for="voucher-file">{l_file}</label>
  <input id="voucher-file" type="file" name="file" accept=".png,.jpg,.jpeg,.pdf,image/png,image/jpeg,application/pdf" required aria-describedby="voucher-hint">
  <button type="submit" class="primary">{submit}</button>
</form></section>"#,
        title = t("企业微信接口许可 · 付款", "WeCom interface licenses · Payment"),
        notice = notice.unwrap_or_default(),
        summary = t("订单", "Order"),
        l_number = t("单据编号", "Document number"),
        l_corp = t("购买企业", "Buying organisation"),
        l_amount = t("应付金额", "Amount due"),
        l_expires = t("链接有效期至", "Link valid until"),
        number = esc(&number),
        corp = esc(&c.corp_name),
        amount = esc(&amount),
        expires = format!("{}{}", app::i18n::date_time(link.expires_at), t("（北京时间）", " (Beijing time)")),
        h_wechat = t("付款方式一：微信扫码付款", "Way 1: scan with WeChat"),
        wechat = wechat_section(lang, &ways, &remark),
        h_bank = t("付款方式二：对公转账", "Way 2: bank transfer"),
        bank = bank_section(lang, &ways),
        h_upload = t("上传付款凭证", "Upload the payment voucher"),
        token = esc(at.token),
        upload_hint = match lang {
            Lang::Zh => format!(
                "付款后请上传付款截图或回单（PNG、JPEG 图片或 PDF，最大 {max_mb:.1} MB；每个链接最多 {max_vouchers} 份）。"
            ),
            Lang::En => format!(
                "Once paid, upload a screenshot or the bank's receipt (PNG, JPEG or PDF, at most {max_mb:.1} MB; up to {max_vouchers} per link)."
            ),
        },
        l_file = t("付款凭证文件", "Voucher file"),
        submit = t("上传凭证", "Upload voucher"),
    );
    Ok(layout(at.state, lang, Some(&format!("/pay/{}", at.token)), t("付款", "Payment"), &body))
}

fn wechat_section(lang: Lang, ways: &PaymentWays, remark: &str) -> String {
    let image = ways.wechat_qr.as_deref().map_or_else(
        || {
            format!(
                "<p class=\"hint\">{}</p>",
                lang.pick(
                    "管理员尚未设置微信收款码，请选择对公转账，或联系您的渠道伙伴。",
                    "The administrator has not set the WeChat payment code yet: pay by bank transfer, or ask your partner.",
                )
            )
        },
        |u| {
            format!(
                r#"<img class="pay-qr" src="{}" alt="{}" width="240" height="240">"#,
                esc(u),
                lang.pick("微信收款码", "WeChat payment code")
            )
        },
    );
    let note = ways.wechat_note.as_deref().map(|n| format!("<p>{}</p>", esc(n))).unwrap_or_default();
    let (ask, invoice) = match lang {
        Lang::Zh => (
            "付款时请在备注中写明<strong>购买企业名称</strong>和<strong>接口名称</strong>：",
            "微信扫码为代付，<strong>不提供发票</strong>；需要发票请使用对公转账。",
        ),
        Lang::En => (
            "In the payment's note, write the <strong>buying organisation</strong> and the <strong>interface</strong>:",
            "Paying by WeChat is paying through us: <strong>no invoice</strong>. For an invoice, pay by bank transfer.",
        ),
    };
    format!(
        "{image}\n<p>{ask}</p>\n<p class=\"pay-value\" data-testid=\"pay-remark\">{}</p>\n<p>{invoice}</p>\n{note}",
        esc(remark)
    )
}

fn bank_section(lang: Lang, ways: &PaymentWays) -> String {
    let Some(bank) = &ways.bank else {
        return format!(
            "<p class=\"hint\">{}</p>",
            lang.pick(
                "管理员尚未设置对公账户信息，请联系您的渠道伙伴获取。",
                "The administrator has not set the bank account yet: ask your partner for it.",
            )
        );
    };
    let unset = lang.pick("（未设置）", "(not set)");
    let items: String = bank
        .rows()
        .iter()
        .map(|(zh, en, v)| {
            format!("<dt>{}</dt><dd class=\"pay-value\">{}</dd>", lang.pick(zh, en), esc(v.unwrap_or(unset)))
        })
        .collect();
    format!("<dl class=\"facts\">{items}</dl>\n<p>{}</p>", lang.pick(TRANSFER_REFERENCE.0, TRANSFER_REFERENCE.1))
}

/// A refused upload or a failure, as a page with the error's status: what went wrong in both
/// languages (the problem's own), and the way back to the link's page.
fn failure_page(at: &Page<'_>, e: &UploadError) -> Response {
    let (status, err) = e.parts();
    let items: String = match &err {
        AppError::Invalid { problems } => problems
            .iter()
            .map(|p| format!("<li>{}<br><span lang=\"en\">{}</span></li>", esc(&p.zh), esc(&p.en)))
            .collect(),
        other => format!("<li>{}</li>", esc(&other.to_string())),
    };
    let back = format!("/pay/{}", at.token);
    let title = at.lang.pick("上传未成功", "The upload did not go through");
    html_response(
        status,
        layout(
            at.state,
            at.lang,
            Some(&back),
            title,
            &format!(
                "<section class=\"card pay-card\"><h1>{title}</h1><ul class=\"problems error\" role=\"alert\">{items}</ul><p><a class=\"button\" href=\"{}\">{}</a></p></section>",
                esc(&back),
                at.lang.pick("返回付款页面", "Back to the payment page")
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

/// The app's page around `body`: its stylesheets (the main one and the signed-in pages'
/// `desk.css`, where the 付款 rules are; no inline style: the CSP allows only our own files), its
/// header, and the language switch back to `back` when given.
fn layout(state: &AppState, lang: Lang, back: Option<&str>, title: &str, body: &str) -> String {
    let (brand, tagline, other_name) = app::i18n::header_texts(lang);
    let switch = back.map_or_else(String::new, |back| {
        let other = lang.other().tag();
        format!(
            r#"<a class="lang-switch" href="/lang/{other}?back={}" hreflang="{other}" lang="{other}" data-testid="lang-switch">{}</a>"#,
            esc(&app::i18n::encode_query_value(back)),
            esc(&other_name)
        )
    });
    format!(
        r#"<!DOCTYPE html>
<html lang="{tag}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title} · {brand}</title>
<link rel="stylesheet" href="/pkg/{css}.css"><link rel="stylesheet" href="/desk.css">
</head>
<body class="pay-page">
<header class="site-header"><a class="brand" href="/">{brand}</a><span class="brand-sub">{tagline}</span>{switch}</header>
<main class="site-main pay-main">
{body}
</main>
</body></html>"#,
        tag = lang.tag(),
        title = esc(title),
        brand = esc(&brand),
        tagline = esc(&tagline),
        css = esc(&state.leptos_options.output_name),
    )
}
