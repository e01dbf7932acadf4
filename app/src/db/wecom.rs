//! The WeCom license job's queries: its row, its codes and its userids. No rules here: the
//! service (`services::wecom`) decides, the domain (`domain::wecom`) knows WeCom's rules.

use crate::db::entities::{contract_userid, user, wecom_account, wecom_code, wecom_job};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

pub use wecom_job::Model as Job;

/// The job of a contract.
pub async fn of_contract<C: ConnectionTrait>(db: &C, contract_id: i64) -> Result<Option<Job>, DbErr> {
    wecom_job::Entity::find().filter(wecom_job::Column::ContractId.eq(contract_id)).one(db).await
}

pub async fn job<C: ConnectionTrait>(db: &C, id: i64) -> Result<Option<Job>, DbErr> {
    wecom_job::Entity::find_by_id(id).one(db).await
}

/// A new job in `state` with its plan; `None` when the contract has one already (a second start
/// at the same moment).
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    contract_id: i64,
    state: &str,
    plan: String,
    our_price_fen: Option<i64>,
    started_by: Option<i64>,
    at: DateTime<Utc>,
) -> Result<Option<Job>, DbErr> {
    let am = wecom_job::ActiveModel {
        contract_id: Set(contract_id),
        state: Set(state.to_owned()),
        plan: Set(plan),
        polls: Set(0),
        our_price_fen: Set(our_price_fen),
        started_by: Set(started_by),
        created_at: Set(at),
        updated_at: Set(at),
        version: Set(0),
        ..Default::default()
    };
    let inserted = wecom_job::Entity::insert(am)
        .on_conflict(OnConflict::column(wecom_job::Column::ContractId).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    of_contract(db, contract_id).await
}

/// Writes `am` if the job is still at `version` (and moves it on); false when someone else did.
pub async fn guarded_update<C: ConnectionTrait>(
    db: &C,
    id: i64,
    version: i64,
    mut am: wecom_job::ActiveModel,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    am.version = Set(version + 1);
    am.updated_at = Set(at);
    let res = wecom_job::Entity::update_many()
        .set(am)
        .filter(wecom_job::Column::Id.eq(id))
        .filter(wecom_job::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Whether another job already holds `order_id` (an order is adopted once).
pub async fn order_taken<C: ConnectionTrait>(db: &C, order_id: &str, except_job: i64) -> Result<bool, DbErr> {
    Ok(wecom_job::Entity::find()
        .filter(wecom_job::Column::OrderId.eq(order_id))
        .filter(wecom_job::Column::Id.ne(except_job))
        .one(db)
        .await?
        .is_some())
}

/// The job's userids, by userid.
pub async fn accounts<C: ConnectionTrait>(db: &C, job_id: i64) -> Result<Vec<wecom_account::Model>, DbErr> {
    wecom_account::Entity::find()
        .filter(wecom_account::Column::JobId.eq(job_id))
        .order_by_asc(wecom_account::Column::Userid)
        .all(db)
        .await
}

/// Adds the job's userids (pending); ones already there are left as they are.
pub async fn insert_accounts<C: ConnectionTrait>(
    db: &C,
    job_id: i64,
    userids: &[(String, &str)],
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in userids.chunks(200) {
        let rows = chunk.iter().map(|(userid, kind)| wecom_account::ActiveModel {
            job_id: Set(job_id),
            userid: Set(userid.clone()),
            kind: Set((*kind).to_owned()),
            state: Set("pending".to_owned()),
            updated_at: Set(at),
            ..Default::default()
        });
        wecom_account::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([wecom_account::Column::JobId, wecom_account::Column::Userid])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Writes one userid's row.
pub async fn update_account<C: ConnectionTrait>(db: &C, am: wecom_account::ActiveModel) -> Result<(), DbErr> {
    am.update(db).await.map(|_| ())
}

/// The codes of the job's paid order.
pub async fn codes<C: ConnectionTrait>(db: &C, job_id: i64) -> Result<Vec<wecom_code::Model>, DbErr> {
    wecom_code::Entity::find()
        .filter(wecom_code::Column::JobId.eq(job_id))
        .order_by_asc(wecom_code::Column::ActiveCode)
        .all(db)
        .await
}

/// Keeps the order's codes; ones already kept are left.
pub async fn insert_codes<C: ConnectionTrait>(db: &C, job_id: i64, codes: &[(String, &str)]) -> Result<(), DbErr> {
    for chunk in codes.chunks(300) {
        let rows = chunk.iter().map(|(code, kind)| wecom_code::ActiveModel {
            job_id: Set(job_id),
            active_code: Set(code.clone()),
            kind: Set((*kind).to_owned()),
        });
        wecom_code::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([wecom_code::Column::JobId, wecom_code::Column::ActiveCode])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Drops a code WeCom refused as a code (bound elsewhere, past its window): never chosen again.
pub async fn forget_code<C: ConnectionTrait>(db: &C, job_id: i64, code: &str) -> Result<(), DbErr> {
    wecom_code::Entity::delete_many()
        .filter(wecom_code::Column::JobId.eq(job_id))
        .filter(wecom_code::Column::ActiveCode.eq(code))
        .exec(db)
        .await
        .map(|_| ())
}

/// The userids a contract's stored sheet lists, in sheet order: `(userid, kind code)`.
pub async fn contract_userids<C: ConnectionTrait>(db: &C, contract_id: i64) -> Result<Vec<(String, String)>, DbErr> {
    Ok(contract_userid::Entity::find()
        .filter(contract_userid::Column::ContractId.eq(contract_id))
        .order_by_asc(contract_userid::Column::RowNumber)
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.userid, r.kind))
        .collect())
}

/// The active admins' ids (they hear how a job ends).
pub async fn admin_ids<C: ConnectionTrait>(db: &C) -> Result<Vec<i64>, DbErr> {
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Role.eq(crate::models::Role::Admin.code()))
        .filter(user::Column::Active.eq(true))
        .into_tuple()
        .all(db)
        .await
}
