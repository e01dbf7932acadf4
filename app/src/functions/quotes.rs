//! Saving and sharing quotes (保存报价 / 分享报价).
//!
//! The server never trusts a total from the browser: it takes what the customer typed, prices it
//! again with the shared engine and today's price book, and stores that answer under a long random
//! token. Anyone with the link sees the quote read-only until it expires.

#[cfg(feature = "ssr")]
use crate::domain::quote_form::fields;
use crate::domain::{AccountKind, Money, OrderType, Problem, Quote, QuoteForm};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Days a saved quote stays valid unless `QUOTE_VALID_DAYS` says otherwise.
pub const DEFAULT_VALID_DAYS: i64 = 30;

/// A saved quote as a visitor of its link sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedQuote {
    /// Quote number (报价单号), e.g. `BJ-000042`.
    pub number: String,
    /// What the customer typed, to re-quote at today's prices.
    pub form: QuoteForm,
    /// The server's priced answer, with the price-book version it used.
    pub quote: Quote,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub expired: bool,
}

/// Who sells and how to pay, as a saved quote prints them: the admin's settings today, the same
/// values the payment page shows. Flat and of its own (not `PaymentWays`), and read only by the
/// saved quote's page: a type decoded by two lazy pages is decoded in the main module, which the
/// quote page's first load carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerOnQuote {
    pub name: String,
    pub contact: Option<String>,
    pub wechat_qr: Option<String>,
    pub wechat_note: Option<String>,
    /// 户名, 账号, 开户行, 联行号 (each `None` when blank); `None` when no bank account is set.
    pub bank: Option<[Option<String>; 4]>,
}

/// One product line of a saved quote, in the shape a contract's product lines (产品管理) take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotedLine {
    /// 基础接口 / 互通接口.
    pub kind: AccountKind,
    pub order_type: OrderType,
    pub quantity: u32,
    pub months: u32,
    /// Accounts already active that the tiers started after.
    pub existing: u32,
    /// 报价金额 (before tax).
    pub amount: Money,
    /// 是否开票.
    pub invoice: bool,
    /// 税(销售).
    pub tax: Money,
    /// 价格合计.
    pub total: Money,
    /// Accounts in the negotiated tier (面议), not in `amount`.
    pub negotiated_accounts: u32,
}

impl SavedQuote {
    /// The quote's lines for a contract form.
    pub fn lines(&self) -> Vec<QuotedLine> {
        self.quote
            .lines
            .iter()
            .map(|l| QuotedLine {
                kind: l.kind,
                order_type: l.order_type,
                quantity: l.count,
                months: l.months,
                existing: l.existing,
                amount: l.amount,
                invoice: self.quote.invoice,
                tax: l.tax,
                total: l.total,
                negotiated_accounts: l.negotiated_accounts,
            })
            .collect()
    }

    /// The quote page's query string that reproduces this quote's inputs.
    pub fn requote_href(&self) -> String {
        quote_href(&self.form)
    }
}

/// `/` with the form's inputs as query parameters.
pub fn quote_href(form: &QuoteForm) -> String {
    let query: Vec<String> =
        form.to_pairs().into_iter().map(|(k, v)| format!("{k}={}", crate::i18n::encode_query_value(&v))).collect();
    format!("/?{}", query.join("&"))
}

/// The answer to a save: the link, or the problems that kept the inputs from being priced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaveOutcome {
    Saved { token: String },
    Invalid { problems: Vec<Problem> },
}

/// Stores the quote for these inputs, repriced here, and sends the visitor to its link. Public:
/// anyone may save a quote. Works as a plain HTML form post (the browser follows the redirect) and
/// from the hydrated page. Inputs that do not price answer 422 with the problems by field.
#[server(endpoint = "quotes/save")]
pub async fn save_quote(
    basic: Option<String>,
    interop: Option<String>,
    months: Option<String>,
    order_type: Option<String>,
    existing_basic: Option<String>,
    existing_interop: Option<String>,
    invoice: Option<String>,
) -> Result<SaveOutcome, ServerFnError> {
    let db = super::ctx::db()?;
    let pairs = [
        (fields::BASIC, basic),
        (fields::INTEROP, interop),
        (fields::MONTHS, months),
        (fields::ORDER_TYPE, order_type),
        (fields::EXISTING_BASIC, existing_basic),
        (fields::EXISTING_INTEROP, existing_interop),
        (fields::INVOICE, invoice),
    ];
    let form = QuoteForm::from_pairs(pairs.iter().filter_map(|(k, v)| v.as_deref().map(|v| (*k, v))));
    let signed_in = super::ctx::current_user().await.ok().flatten().is_some();
    let address = super::ctx::client_address();
    let saver = crate::services::quotes::Saver {
        signed_in,
        address: &address,
        per_hour: saves_per_hour(),
        valid_days: crate::services::quotes::valid_days(&db, valid_days())
            .await
            .map_err(|e| internal("reading the quote validity", &e))?,
    };
    let saved = crate::services::quotes::save(&db, &form, &saver).await.map_err(|e| internal("saving a quote", &e))?;
    let token = match saved {
        crate::services::quotes::Saved::Saved { token } => token,
        crate::services::quotes::Saved::Invalid { problems } => {
            // A page's form post goes back to the quote page with what was typed, which shows the
            // problems at their fields.
            if from_a_page() {
                leptos_axum::redirect(&quote_href(&form));
            } else if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::UNPROCESSABLE_ENTITY);
            }
            return Ok(SaveOutcome::Invalid { problems });
        }
        crate::services::quotes::Saved::Limited { minutes } => {
            // A page's form post goes back to the quote page with what was typed and the refusal.
            if from_a_page() {
                leptos_axum::redirect(&format!("{}&{SAVE_LIMITED_PARAM}={minutes}", quote_href(&form)));
                return Ok(SaveOutcome::Invalid { problems: Vec::new() });
            }
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::TOO_MANY_REQUESTS);
            }
            return Err(ServerFnError::new(format!(
                "保存报价过于频繁，请 {minutes} 分钟后再试（或登录后保存） / Too many quotes saved from your address; try again in {minutes} min (or sign in)"
            )));
        }
    };
    leptos_axum::redirect(&format!("/q/{token}"));
    Ok(SaveOutcome::Saved { token })
}

/// The quote page's query parameter for a save refused as too frequent: the minutes to wait.
pub const SAVE_LIMITED_PARAM: &str = "save_limited";

/// Whether this server function call is a page's plain form post (it accepts HTML and follows a
/// redirect), not a call from a script that reads the answer.
#[cfg(feature = "ssr")]
fn from_a_page() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    })
}

/// Anonymous quote saves allowed per client address and hour unless `QUOTE_SAVES_PER_HOUR` says
/// otherwise.
pub const DEFAULT_SAVES_PER_HOUR: i64 = 60;

/// `QUOTE_SAVES_PER_HOUR` (1 to 100,000), or 60.
#[cfg(feature = "ssr")]
fn saves_per_hour() -> i64 {
    env_number("QUOTE_SAVES_PER_HOUR", 1..=100_000, DEFAULT_SAVES_PER_HOUR)
}

/// A whole-number setting from the environment within `range`, else `default`.
#[cfg(feature = "ssr")]
fn env_number(key: &str, range: std::ops::RangeInclusive<i64>, default: i64) -> i64 {
    std::env::var(key).ok().and_then(|v| v.trim().parse::<i64>().ok()).filter(|n| range.contains(n)).unwrap_or(default)
}

/// The quote saved under `token`, or `None` when there is none. Public: the token is the key.
#[server(endpoint = "quotes/get")]
pub async fn get_saved_quote(token: String) -> Result<Option<SavedQuote>, ServerFnError> {
    let db = super::ctx::db()?;
    let Some(stored) =
        crate::services::quotes::find(&db, &token).await.map_err(|e| internal("reading a saved quote", &e))?
    else {
        return Ok(None);
    };
    Ok(Some(SavedQuote {
        number: quote_number(stored.id),
        expired: Utc::now() >= stored.expires_at,
        form: stored.form,
        quote: stored.quote,
        created_at: stored.created_at,
        expires_at: stored.expires_at,
    }))
}

/// Who sells and how to pay, for a saved quote's page. Public, like the quote.
#[server(endpoint = "quotes/seller")]
pub async fn quote_seller() -> Result<SellerOnQuote, ServerFnError> {
    let db = super::ctx::db()?;
    let seller = crate::services::quotes::seller(&db).await.map_err(|e| internal("reading the seller", &e))?;
    let ways = crate::services::payment_links::ways(&db).await.map_err(|e| internal("reading the payment ways", &e))?;
    Ok(SellerOnQuote {
        name: seller.name,
        contact: seller.contact,
        wechat_qr: ways.wechat_qr,
        wechat_note: ways.wechat_note,
        bank: ways.bank.map(|b| [b.account_name, b.account_number, b.bank_name, b.bank_code]),
    })
}

/// The quote number shown to people (报价单号).
pub fn quote_number(id: i32) -> String {
    format!("BJ-{id:06}")
}

#[cfg(feature = "ssr")]
fn internal(what: &str, e: &dyn std::fmt::Display) -> ServerFnError {
    tracing::error!(error = %e, "{what} failed");
    ServerFnError::new("报价暂时无法保存或读取，请稍后再试 / Quotes cannot be saved or read right now; try again later")
}

/// `QUOTE_VALID_DAYS` (0 to 3650; 0 makes a link that is already expired, for demonstrations and
/// tests), or 30 days: the default where the admin set none (系统设置 → 报价有效期).
#[cfg(feature = "ssr")]
pub fn valid_days() -> i64 {
    env_number("QUOTE_VALID_DAYS", 0..=3650, DEFAULT_VALID_DAYS)
}
