//! Private payment links (付款链接, PRODUCT.md §7): a partner sends the customer a link, valid for a
//! limited time, where the customer sees the amount and the payment instructions and uploads the
//! voucher without an account. The page and the upload are served by the server at `/pay/<token>`.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// A link just created. The URL carries the only copy of the token: the server keeps its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLinkCreated {
    /// The link's id, to revoke it with `payment/revoke_link`.
    pub id: i64,
    /// Site-relative: `/pay/<token>`.
    pub url: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub days: u32,
}

/// The validity a partner may choose, in days (default 7, 1–30). Checked on both sides.
pub fn check_link_days(days: Option<u32>) -> Result<u32, crate::domain::Problem> {
    const MIN: u32 = 1;
    const MAX: u32 = 30;
    match days {
        None => Ok(7),
        Some(d) if (MIN..=MAX).contains(&d) => Ok(d),
        Some(d) => Err(crate::domain::Problem::error(
            "days",
            "payment_link_days_out_of_range",
            format!("付款链接有效期应为 {MIN}–{MAX} 天，不能是 {d} 天"),
            format!("A payment link is valid for {MIN} to {MAX} days, not {d}"),
        )),
    }
}

/// Creates a payment link for a contract (JSON arguments: `contract_id`, optional `days`).
/// Partners of the owner organisation and admins only (404 no such contract, 403 refused), for a
/// contract that still awaits payment (409 once approved, fulfilled or cancelled).
#[server(endpoint = "payment/create_link", input = Json)]
pub async fn create_payment_link(contract_id: i64, days: Option<u32>) -> Result<PaymentLinkCreated, AppError> {
    use super::ctx;
    use crate::domain::policy::Action;
    ctx::respond(
        async {
            let user = ctx::require_user().await?;
            let db = ctx::db()?;
            let contract = crate::db::contracts::load_for(&db, &user, contract_id, Action::CreatePaymentLink).await?;
            // Approved, fulfilled or cancelled: there is nothing left to pay through a link (409).
            if !contract.status().awaits_payment() {
                let p = contract.status().payment_closed();
                return Err(AppError::Conflict { zh: p.zh, en: p.en });
            }
            let days = check_link_days(days).map_err(|p| AppError::Invalid { problems: vec![p] })?;
            let (link, token) = crate::db::attachments::create_payment_link(&db, contract_id, user.id, days).await?;
            Ok(PaymentLinkCreated { id: link.id, url: format!("/pay/{token}"), expires_at: link.expires_at, days })
        }
        .await,
    )
}

/// Revokes a payment link (JSON arguments: `link_id`): from then on it answers like an expired
/// link and takes no voucher. Partners of the owner organisation and admins only (404 no such
/// link, 403 refused). Revoking a revoked link succeeds and changes nothing.
#[server(endpoint = "payment/revoke_link", input = Json)]
pub async fn revoke_payment_link(link_id: i64) -> Result<(), AppError> {
    use super::ctx;
    use crate::domain::policy::Action;
    ctx::respond(
        async {
            let user = ctx::require_user().await?;
            let db = ctx::db()?;
            let not_found = || AppError::not_found("付款链接", "Payment link");
            let link = crate::db::attachments::find_payment_link(&db, link_id).await?.ok_or_else(not_found)?;
            // A link on a contract the caller may not read is answered like a missing one.
            crate::db::contracts::load_for(&db, &user, link.contract_id, Action::RevokePaymentLink)
                .await
                .map_err(|e| if matches!(e, AppError::NotFound { .. }) { not_found() } else { e })?;
            crate::db::attachments::revoke_payment_link(&db, &link, user.id).await?;
            Ok(())
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_validity_is_one_to_thirty_days_defaulting_to_seven() {
        assert_eq!(check_link_days(None), Ok(7));
        assert_eq!(check_link_days(Some(1)), Ok(1));
        assert_eq!(check_link_days(Some(30)), Ok(30));
        assert_eq!(check_link_days(Some(0)).unwrap_err().field, "days");
        assert_eq!(check_link_days(Some(31)).unwrap_err().code, "payment_link_days_out_of_range");
    }
}
