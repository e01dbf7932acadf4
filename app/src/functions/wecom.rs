//! Fulfilment through WeCom's license API on the contract page: the job's view for anyone who
//! may read the contract; 向企业微信下单, 重试 and 改为手动开通 for admins (`Door::Admin`).

use crate::error::AppError;
use crate::models::WecomJobDto;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The contract's WeCom order job, and what the caller may do with it.
#[server(endpoint = "wecom/job", input = Json)]
pub async fn wecom_job(contract_id: i64) -> Result<WecomJobDto, AppError> {
    use super::ctx;
    let switch = ctx::settings().wecom;
    ctx::respond(
        async { crate::services::wecom::view(&ctx::db()?, &ctx::require_user().await?, contract_id, switch).await }
            .await,
    )
}

/// 向企业微信下单: starts the job of an approved contract.
#[server(endpoint = "wecom/start", input = Json)]
pub async fn start_wecom_job(contract_id: i64) -> Result<WecomJobDto, AppError> {
    moved(contract_id, Move::Start).await
}

/// 重试: a stopped job goes on; a finished one tries its refused userids again.
#[server(endpoint = "wecom/retry", input = Json)]
pub async fn retry_wecom_job(contract_id: i64) -> Result<WecomJobDto, AppError> {
    moved(contract_id, Move::Retry).await
}

/// 改为手动开通: gives the job up; 开通 is then recorded by hand.
#[server(endpoint = "wecom/manual", input = Json)]
pub async fn manual_wecom_job(contract_id: i64) -> Result<WecomJobDto, AppError> {
    moved(contract_id, Move::Manual).await
}

#[cfg(feature = "ssr")]
enum Move {
    Start,
    Retry,
    Manual,
}

/// Makes the move, then answers the job as it now stands.
#[cfg(feature = "ssr")]
async fn moved(contract_id: i64, what: Move) -> Result<WecomJobDto, AppError> {
    use super::ctx;
    use crate::services::wecom;
    let switch = ctx::settings().wecom;
    ctx::respond(
        async {
            let (db, user) = (ctx::db()?, ctx::require_user().await?);
            match what {
                Move::Start => wecom::start(&db, &user, contract_id, switch).await?,
                Move::Retry => wecom::retry(&db, &user, contract_id, switch).await?,
                Move::Manual => wecom::manual(&db, &user, contract_id).await?,
            }
            wecom::view(&db, &user, contract_id, switch).await
        }
        .await,
    )
}
