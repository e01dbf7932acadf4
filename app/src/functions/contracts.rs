//! Order contracts (企业微信接口合同): create, save, read, list, and the approval moves.
//!
//! Every function is behind `Door::SignedIn` and asks the policy (inside `db::contracts`) for the
//! record it touches. Arguments travel as JSON (`input = Json`): the draft is nested, which form
//! encoding cannot carry. Actions take the `version` the caller loaded; a stale one gets 409.

use crate::domain::contract::ContractDraft;
use crate::error::AppError;
use crate::models::{ContractDto, ContractFilter, ContractPage, FlowDto};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Creates a draft contract in the caller's organisation (e.g. from a quote's lines, filled into
/// the draft by the page) and returns it.
#[server(endpoint = "contracts/create", input = Json)]
pub async fn create_contract(draft: ContractDraft) -> Result<ContractDto, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            let id = crate::db::contracts::create(&db, &user, draft).await?;
            crate::db::contracts::get(&db, &user, id).await
        }
        .await,
    )
}

/// Saves a draft (保存) over the version the caller loaded.
#[server(endpoint = "contracts/save", input = Json)]
pub async fn save_contract(id: i64, version: i64, draft: ContractDraft) -> Result<ContractDto, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::db::contracts::save(&db, &user, id, version, draft).await?;
            crate::db::contracts::get(&db, &user, id).await
        }
        .await,
    )
}

/// One contract with its lines, prices, approvers and timeline.
#[server(endpoint = "contracts/get", input = Json)]
pub async fn get_contract(id: i64) -> Result<ContractDto, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::db::contracts::get(&db, &user, id).await
        }
        .await,
    )
}

/// The contracts the caller may see, filtered and paged.
#[server(endpoint = "contracts/list", input = Json)]
pub async fn list_contracts(filter: ContractFilter) -> Result<ContractPage, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::db::contracts::list(&db, &user, &filter).await
        }
        .await,
    )
}

/// Saves and submits for approval (保存并提交审批). The server reprices every line.
#[server(endpoint = "contracts/submit", input = Json)]
pub async fn submit_contract(id: i64, version: i64, draft: ContractDraft) -> Result<ContractDto, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::db::contracts::submit_contract(&db, &user, id, version, draft).await?;
            crate::db::contracts::get(&db, &user, id).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn act(id: i64, version: i64, m: crate::db::contracts::Move) -> Result<ContractDto, AppError> {
    use super::ctx;
    let (db, user) = (ctx::db()?, ctx::require_user().await?);
    crate::db::contracts::act(&db, &user, id, version, m).await?;
    // The actor may no longer see it (never happens with today's policy, but do not leak a 403).
    crate::db::contracts::get(&db, &user, id).await
}

/// 撤回: the owner's organisation takes a pending contract back.
#[server(endpoint = "contracts/withdraw", input = Json)]
pub async fn withdraw_contract(id: i64, version: i64, comment: String) -> Result<ContractDto, AppError> {
    use crate::db::contracts::Move;
    super::ctx::respond(act(id, version, Move::Withdraw { comment }).await)
}

/// 作废: void a contract that is not pending (after approval: admins only).
#[server(endpoint = "contracts/cancel", input = Json)]
pub async fn cancel_contract(id: i64, version: i64, comment: String) -> Result<ContractDto, AppError> {
    use crate::db::contracts::Move;
    super::ctx::respond(act(id, version, Move::Cancel { comment }).await)
}

/// 同意: the current level's approver approves.
#[server(endpoint = "contracts/approve", input = Json)]
pub async fn approve_contract(id: i64, version: i64, comment: String) -> Result<ContractDto, AppError> {
    use crate::db::contracts::Move;
    super::ctx::respond(act(id, version, Move::Approve { comment }).await)
}

/// 驳回: the current level's approver returns it to the owner, with a reason.
#[server(endpoint = "contracts/reject", input = Json)]
pub async fn reject_contract(id: i64, version: i64, reason: String) -> Result<ContractDto, AppError> {
    use crate::db::contracts::Move;
    super::ctx::respond(act(id, version, Move::Reject { reason }).await)
}

/// 开通: an admin records the WeCom order id, activation date and API expiry date.
#[server(endpoint = "contracts/fulfil", input = Json)]
pub async fn fulfil_contract(
    id: i64,
    version: i64,
    wecom_order_id: String,
    activation_date: String,
    api_expiry_date: String,
) -> Result<ContractDto, AppError> {
    use crate::db::contracts::Move;
    super::ctx::respond(act(id, version, Move::Fulfil { wecom_order_id, activation_date, api_expiry_date }).await)
}

/// The default approval flow with each level's default approver and candidates (for 更换).
#[server(endpoint = "contracts/flow", input = Json)]
pub async fn approval_flow() -> Result<FlowDto, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let db = ctx::db()?;
            ctx::require_user().await?;
            Ok(crate::db::flows::default_flow(&db).await?)
        }
        .await,
    )
}
