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

pub use crate::domain::payment_link::check_link_days;

/// Creates a payment link for a contract (JSON arguments: `contract_id`, optional `days`).
/// Partners of the owner organisation and admins only (404 no such contract, 403 refused), for a
/// contract that still awaits payment (409 once approved, fulfilled or cancelled).
#[server(endpoint = "payment/create_link", input = Json)]
pub async fn create_payment_link(contract_id: i64, days: Option<u32>) -> Result<PaymentLinkCreated, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let user = ctx::require_user().await?;
            let db = ctx::db()?;
            let (link, token, days) = crate::services::payment_links::create(&db, &user, contract_id, days).await?;
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
    ctx::respond(
        async {
            let user = ctx::require_user().await?;
            crate::services::payment_links::revoke(&ctx::db()?, &user, link_id).await
        }
        .await,
    )
}

/// One of a contract's payment links as its partner sees it (never its token: that exists only
/// in the URL handed out at creation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLinkDto {
    pub id: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Vouchers the customer uploaded through it so far.
    pub uploads: u64,
    /// Neither revoked nor expired when read (the contract's status closes it too).
    pub open: bool,
}

/// How a contract is paid: the ways the admin set (the payment page shows the same) and its links.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractPayment {
    pub ways: crate::domain::payment_link::PaymentWays,
    pub links: Vec<PaymentLinkDto>,
    /// The validity a new link gets unless the partner picks another (系统设置), in days.
    #[serde(default = "default_link_days")]
    pub default_days: u32,
}

fn default_link_days() -> u32 {
    crate::domain::payment_link::DEFAULT_LINK_DAYS
}

/// A contract's payment links, newest first, and the ways to pay (JSON arguments:
/// `contract_id`). Whoever may read the contract; 404 otherwise, like the contract.
#[server(endpoint = "payment/links", input = Json)]
pub async fn list_payment_links(contract_id: i64) -> Result<ContractPayment, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let user = ctx::require_user().await?;
            let db = ctx::db()?;
            let (ways, links) = crate::services::payment_links::of_contract(&db, &user, contract_id).await?;
            let default_days = crate::services::payment_links::default_days(&db).await?;
            let now = chrono::Utc::now();
            let links = links
                .into_iter()
                .map(|(l, uploads)| PaymentLinkDto {
                    id: l.id,
                    created_at: l.created_at,
                    expires_at: l.expires_at,
                    revoked_at: l.revoked_at,
                    uploads,
                    open: l.revoked_at.is_none() && l.expires_at > now,
                })
                .collect();
            Ok(ContractPayment { ways, links, default_days })
        }
        .await,
    )
}
