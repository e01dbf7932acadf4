//! Order contracts (企业微信接口合同): create, save, read, list, and the approval moves.
//!
//! Every function is behind `Door::SignedIn`; the services (`services::contracts`,
//! `services::approvals`) ask the policy for the record it touches. Arguments travel as JSON (`input = Json`): the draft is nested, which form
//! encoding cannot carry. Actions take the `version` the caller loaded; a stale one gets 409.

use crate::domain::contract::ContractDraft;
use crate::error::AppError;
use crate::models::{ContractDto, ContractFilter, ContractPage, FlowDto, ListChoices};
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
            let id = crate::services::contracts::create(&db, &user, draft).await?;
            crate::services::contracts::get(&db, &user, id).await
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
            let settings = ctx::settings();
            crate::services::contracts::save(&db, &settings.price_book, &user, id, version, draft).await
        }
        .await,
    )
}

/// 负责人: the people who may own the contract `id` (or a new one: `None`).
#[server(endpoint = "contracts/owner_choices", input = Json)]
pub async fn owner_choices(id: Option<i64>) -> Result<Vec<crate::models::PersonDto>, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::contracts::owner_choices(&db, &user, id).await
        }
        .await,
    )
}

/// The enterprise's accounts active on `start` by kind, from its earlier approved or fulfilled
/// orders (PRODUCT.md §2), other than contract `except`: what 已有基础/互通账号数 suggests.
#[server(endpoint = "contracts/active_accounts", input = Json)]
pub async fn active_accounts(
    corp_id: String,
    start: String,
    except: Option<i64>,
) -> Result<crate::models::ActiveAccountsDto, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::history::active_accounts(&db, &user, &corp_id, &start, except).await
        }
        .await,
    )
}

/// 选择源单: approved and fulfilled contracts matching `q` that a new one can start from.
#[server(endpoint = "contracts/source_candidates", input = Json)]
pub async fn source_candidates(q: String) -> Result<Vec<crate::models::SourceCandidate>, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::history::source_candidates(&db, &user, &q).await
        }
        .await,
    )
}

/// Removes a file from an editable contract (移除; see `services::attachments::remove`) and answers
/// with the contract as it now is.
#[server(endpoint = "contracts/remove_attachment", input = Json)]
pub async fn remove_attachment(id: i64, version: i64, attachment: i64) -> Result<ContractDto, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::attachments::remove(&db, &user, id, version, attachment).await?;
            crate::services::contracts::get(&db, &user, id).await
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
            crate::services::contracts::get(&db, &user, id).await
        }
        .await,
    )
}

/// The contracts the caller may see, filtered, sorted and paged, with the filter's totals.
#[server(endpoint = "contracts/list", input = Json)]
pub async fn list_contracts(filter: ContractFilter) -> Result<ContractPage, AppError> {
    use super::ctx;
    let page = ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::contracts::list(&db, &user, &filter).await
        }
        .await,
    );
    // A filter, sort or cursor that cannot be read makes the request itself bad: 400, not 422.
    // (A status of its own, not a new `AppError` variant: every variant weighs on the quote
    // page's first load, where the error type is decoded.)
    if matches!(page, Err(AppError::Invalid { .. }))
        && !ctx::accepts_html()
        && let Some(res) = use_context::<leptos_axum::ResponseOptions>()
    {
        res.set_status(http::StatusCode::BAD_REQUEST);
    }
    page
}

/// What the list's owner and organisation filters offer the caller.
#[server(endpoint = "contracts/list_choices", input = Json)]
pub async fn contract_list_choices() -> Result<ListChoices, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            crate::services::contract_list::choices(&db, &user).await
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
            crate::services::contracts::submit(&db, &user, id, version, draft).await?;
            crate::services::contracts::get(&db, &user, id).await
        }
        .await,
    )
}

/// Runs a move (see `services::approvals`) and answers with the contract as the actor now sees it.
#[cfg(feature = "ssr")]
async fn after<F, Fut>(id: i64, run: F) -> Result<ContractDto, AppError>
where
    F: FnOnce(sea_orm::DatabaseConnection, crate::models::SessionUser) -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    use super::ctx;
    let (db, user) = (ctx::db()?, ctx::require_user().await?);
    run(db.clone(), user.clone()).await?;
    crate::services::contracts::get(&db, &user, id).await
}

/// A decision with words (see `services::approvals::decide`), answered with the contract.
#[cfg(feature = "ssr")]
async fn decided(
    id: i64,
    version: i64,
    action: crate::domain::policy::Action,
    text: String,
) -> Result<ContractDto, AppError> {
    use crate::services::approvals;
    super::ctx::respond(
        after(id, |db, u| async move { approvals::decide(&db, &u, id, version, action, text).await }).await,
    )
}

/// 撤回: the owner's organisation takes a pending contract back.
#[server(endpoint = "contracts/withdraw", input = Json)]
pub async fn withdraw_contract(id: i64, version: i64, comment: String) -> Result<ContractDto, AppError> {
    decided(id, version, crate::domain::policy::Action::Withdraw, comment).await
}

/// 作废: void a contract that is not pending (after approval: admins only).
#[server(endpoint = "contracts/cancel", input = Json)]
pub async fn cancel_contract(id: i64, version: i64, comment: String) -> Result<ContractDto, AppError> {
    decided(id, version, crate::domain::policy::Action::Cancel, comment).await
}

/// 同意: the current level's approver approves.
#[server(endpoint = "contracts/approve", input = Json)]
pub async fn approve_contract(id: i64, version: i64, comment: String) -> Result<ContractDto, AppError> {
    decided(id, version, crate::domain::policy::Action::Approve, comment).await
}

/// 驳回: the current level's approver returns it to the owner, with a reason.
#[server(endpoint = "contracts/reject", input = Json)]
pub async fn reject_contract(id: i64, version: i64, reason: String) -> Result<ContractDto, AppError> {
    decided(id, version, crate::domain::policy::Action::Reject, reason).await
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
    use crate::services::approvals;
    let run = |db, u| async move {
        approvals::fulfil(&db, &u, id, version, wecom_order_id, activation_date, api_expiry_date).await
    };
    super::ctx::respond(after(id, run).await)
}

/// The default approval flow with each level's default approver and candidates (for 更换).
#[server(endpoint = "contracts/flow", input = Json)]
pub async fn approval_flow() -> Result<FlowDto, AppError> {
    use super::ctx;
    ctx::respond(
        async {
            let db = ctx::db()?;
            ctx::require_user().await?;
            crate::services::approvals::default_flow(&db).await
        }
        .await,
    )
}
