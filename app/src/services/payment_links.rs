//! Payment links (付款链接, PRODUCT.md §7): a partner creates and revokes them; a customer opens one
//! and pays through it. A link is open while it is neither expired nor revoked and its contract
//! awaits payment.

use super::contracts::load_for;
use crate::db::attachments::{self as db_att, LinkState};
use crate::db::{contracts as db_contracts, settings};
use crate::domain::AccountKind;
use crate::domain::payment_link::{DEFAULT_LINK_DAYS, LinkUsage, PaymentWays, check_link_days_or, wechat_remark};
use crate::domain::policy::Action;
use crate::error::AppError;
use crate::models::SessionUser;
use sea_orm::{DatabaseConnection, DbErr};
use std::collections::HashMap;

pub use crate::db::attachments::payment_settings;
pub use crate::db::entities::contract::Model as ContractRow;
pub use crate::db::entities::payment_link::Model as PaymentLink;

/// Creates a payment link valid for `days` (default 7, 1–30). Partners of the owner organisation
/// and admins only (404 no such contract, 403 refused), for a contract that still awaits payment
/// (409 once approved, fulfilled or cancelled). Returns the link and the token for its URL.
pub async fn create(
    db: &DatabaseConnection,
    user: &SessionUser,
    contract_id: i64,
    days: Option<u32>,
) -> Result<(PaymentLink, String, u32), AppError> {
    let contract = load_for(db, user, contract_id, Action::CreatePaymentLink).await?;
    if !contract.status().awaits_payment() {
        let p = contract.status().payment_closed();
        return Err(AppError::Conflict { zh: p.zh, en: p.en });
    }
    let days =
        check_link_days_or(days, default_days(db).await?).map_err(|p| AppError::Invalid { problems: vec![p] })?;
    let (link, token) = db_att::create_payment_link(db, contract_id, user.id, days).await?;
    Ok((link, token, days))
}

/// Revokes a link: from then on it answers like an expired one. A link on a contract the caller
/// may not read is answered like a missing one; revoking a revoked link changes nothing.
pub async fn revoke(db: &DatabaseConnection, user: &SessionUser, link_id: i64) -> Result<(), AppError> {
    let not_found = || AppError::not_found("付款链接", "Payment link");
    let link = db_att::find_payment_link(db, link_id).await?.ok_or_else(not_found)?;
    load_for(db, user, link.contract_id, Action::RevokePaymentLink)
        .await
        .map_err(|e| if matches!(e, AppError::NotFound { .. }) { not_found() } else { e })?;
    db_att::revoke_payment_link(db, &link, user.id).await?;
    Ok(())
}

/// What a token opens.
#[derive(Clone, Debug)]
pub enum Opened {
    /// An open link and its contract.
    Open(Box<PaymentLink>, Box<ContractRow>),
    /// Expired, revoked, or its contract no longer awaits payment.
    Closed,
    /// No such link.
    Unknown,
}

/// Opens the link a customer holds.
pub async fn open(db: &DatabaseConnection, token: &str) -> Result<Opened, DbErr> {
    let link = match db_att::payment_link_state(db, token).await? {
        LinkState::Valid(l) => l,
        LinkState::Expired | LinkState::Revoked => return Ok(Opened::Closed),
        LinkState::Unknown => return Ok(Opened::Unknown),
    };
    let Some(contract) = db_contracts::row(db, link.contract_id).await? else { return Ok(Opened::Unknown) };
    // An unreadable status counts as cancelled (closed) rather than guessed.
    if !db_contracts::status_of(&contract).awaits_payment() {
        return Ok(Opened::Closed);
    }
    Ok(Opened::Open(Box::new(link), Box::new(contract)))
}

/// What a link has taken so far.
pub async fn usage(db: &DatabaseConnection, link_id: i64) -> Result<LinkUsage, DbErr> {
    db_att::link_usage(db, link_id).await
}

/// The validity a new link gets when none is chosen: the admin's setting, else 7 days.
pub async fn default_days(db: &DatabaseConnection) -> Result<u32, DbErr> {
    let days = settings::value(db, crate::domain::admin::keys::PAYMENT_LINK_DAYS).await?;
    Ok(days.and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_LINK_DAYS))
}

/// The admin's payment instructions shown on the page (see [`payment_settings`]).
pub async fn page_settings(db: &DatabaseConnection) -> Result<HashMap<String, String>, DbErr> {
    settings::values(db, &payment_settings::ALL).await
}

/// How to pay, as the admin set it: the one source of the contract page's 付款 card and the
/// customer's payment page.
pub async fn ways(db: &DatabaseConnection) -> Result<PaymentWays, DbErr> {
    use payment_settings as k;
    let s = page_settings(db).await?;
    let get = |key: &str| s.get(key).map(String::as_str);
    Ok(PaymentWays::from_values(
        get(k::WECHAT_QR),
        get(k::WECHAT_NOTE),
        [get(k::BANK_ACCOUNT_NAME), get(k::BANK_ACCOUNT_NUMBER), get(k::BANK_NAME), get(k::BANK_CODE)],
    ))
}

/// What the customer behind a link reads about paying: the ways, and the note a WeChat payment
/// carries (the buying organisation and the interfaces its stored lines buy).
pub async fn page_ways(db: &DatabaseConnection, contract: &ContractRow) -> Result<(PaymentWays, String), DbErr> {
    let kinds: Vec<AccountKind> =
        db_att::line_kinds(db, contract.id).await?.iter().filter_map(|k| AccountKind::from_code(k)).collect();
    Ok((ways(db).await?, wechat_remark(&contract.corp_name, &kinds)))
}

/// A contract's payment links, newest first, each with the vouchers it has taken; and how to pay.
/// Whoever may read the contract (404 otherwise, like the contract itself). Never a token: it
/// exists only in the URL handed out at creation.
pub async fn of_contract(
    db: &DatabaseConnection,
    user: &SessionUser,
    contract_id: i64,
) -> Result<(PaymentWays, Vec<(PaymentLink, u64)>), AppError> {
    load_for(db, user, contract_id, Action::Read).await?;
    let links = db_att::links_of_contract(db, contract_id).await?;
    Ok((ways(db).await?, links))
}
