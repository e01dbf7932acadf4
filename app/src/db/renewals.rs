//! Renewals: fulfilled contracts by their API expiry date, and the reminders sent (queries only;
//! `services::renewals` decides who sees what and when a reminder is due).

use super::contract_reads::visible;
use super::entities::{contract, renewal_reminder};
use crate::domain::contract::ContractStatus;
use crate::domain::policy::Visibility;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Fulfilled contracts `visibility` admits whose API expiry date is within `from..=to`, soonest
/// first.
pub async fn expiring<C: ConnectionTrait>(
    db: &C,
    visibility: Visibility,
    from: NaiveDate,
    to: NaiveDate,
    limit: u64,
) -> Result<Vec<contract::Model>, DbErr> {
    contract::Entity::find()
        .filter(visible(visibility))
        .filter(contract::Column::Status.eq(ContractStatus::Fulfilled.code()))
        .filter(contract::Column::ApiExpiryDate.between(from, to))
        .order_by_asc(contract::Column::ApiExpiryDate)
        .order_by_asc(contract::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Records that the reminder of `threshold` days for `expiry` went to the outbox. `false` when it
/// had been recorded already (by an earlier run, or another process at the same moment): then the
/// caller sends nothing.
pub async fn record_reminder<C: ConnectionTrait>(
    db: &C,
    contract_id: i64,
    threshold: u32,
    expiry: NaiveDate,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use renewal_reminder::Column;
    let statement = Query::insert()
        .into_table(renewal_reminder::Entity)
        .columns([Column::ContractId, Column::Threshold, Column::Expiry, Column::SentAt])
        .values_panic([
            contract_id.into(),
            i32::try_from(threshold).unwrap_or(i32::MAX).into(),
            expiry.into(),
            at.into(),
        ])
        .on_conflict(
            OnConflict::columns([Column::ContractId, Column::Threshold, Column::Expiry]).do_nothing().to_owned(),
        )
        .to_owned();
    Ok(db.execute(&statement).await?.rows_affected() == 1)
}
