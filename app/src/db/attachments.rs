//! Attachment rows, the userids parsed from a contract's userid sheet, payment links and the
//! payment page's settings. Queries only: `services::attachments` records an upload (one
//! transaction), `services::payment_links` decides about links.

use crate::crypto::{random_token, token_hash};
use crate::db::entities::{attachment, contract_userid, payment_link, setting};
use crate::domain::payment_link::LinkUsage;
use crate::domain::sheet::SheetUserid;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

/// Inserts an attachment row (the blob is already durable in the store).
#[allow(clippy::too_many_arguments)]
pub async fn insert(db: &impl ConnectionTrait, row: attachment::ActiveModel) -> Result<attachment::Model, DbErr> {
    row.insert(db).await
}

/// Takes the lock of a payment link's row for the rest of the transaction (PostgreSQL: the row
/// lock; SQLite: the database's write lock) with a no-op update, then reads it.
pub async fn lock_link(txn: &impl ConnectionTrait, link_id: i64) -> Result<Option<payment_link::Model>, DbErr> {
    payment_link::Entity::update_many()
        .col_expr(payment_link::Column::RevokedAt, Expr::col(payment_link::Column::RevokedAt))
        .filter(payment_link::Column::Id.eq(link_id))
        .exec(txn)
        .await?;
    payment_link::Entity::find_by_id(link_id).one(txn).await
}

/// The vouchers a payment link has taken so far, and their bytes.
pub async fn link_usage(db: &impl ConnectionTrait, link_id: i64) -> Result<LinkUsage, DbErr> {
    // Few rows: the cap keeps them few.
    let sizes: Vec<i64> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::Size)
        .filter(attachment::Column::ViaPaymentLink.eq(link_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(LinkUsage { vouchers: sizes.len() as u64, bytes: sizes.iter().map(|s| u64::try_from(*s).unwrap_or(0)).sum() })
}

/// Every storage key an attachment row names (what the orphan sweep keeps).
pub async fn storage_keys(db: &impl ConnectionTrait) -> Result<std::collections::HashSet<String>, DbErr> {
    let keys: Vec<String> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::StorageKey)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok(keys.into_iter().collect())
}

/// Whether any attachment row names `key`.
pub async fn storage_key_in_use(db: &impl ConnectionTrait, key: &str) -> Result<bool, DbErr> {
    Ok(attachment::Entity::find().filter(attachment::Column::StorageKey.eq(key)).count(db).await? > 0)
}

/// Replaces a contract's stored userids with a checked sheet's.
/// Deletes an attachment's row (its blob, no longer referenced, is swept later).
pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
    attachment::Entity::delete_by_id(id).exec(db).await.map(|_| ())
}

/// Forgets a contract's stored userids (its userid sheet was removed).
pub async fn clear_userids(db: &impl ConnectionTrait, contract_id: i64) -> Result<(), DbErr> {
    contract_userid::Entity::delete_many().filter(contract_userid::Column::ContractId.eq(contract_id)).exec(db).await?;
    Ok(())
}

pub async fn replace_userids(
    db: &impl ConnectionTrait,
    contract_id: i64,
    corp_id: &str,
    entries: &[SheetUserid],
) -> Result<(), DbErr> {
    clear_userids(db, contract_id).await?;
    // Chunked: SQLite limits the number of bind parameters per statement.
    for chunk in entries.chunks(500) {
        let rows = chunk.iter().map(|e| contract_userid::ActiveModel {
            contract_id: Set(contract_id),
            row_number: Set(i32::try_from(e.row).unwrap_or(i32::MAX)),
            corp_id: Set(corp_id.to_owned()),
            userid: Set(e.userid.as_str().to_owned()),
            kind: Set(e.kind.map_or("unspecified", |k| k.code()).to_owned()),
        });
        contract_userid::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<attachment::Model>, DbErr> {
    attachment::Entity::find_by_id(id).one(db).await
}

/// A contract's attachments, oldest first.
pub async fn of_contract(db: &impl ConnectionTrait, contract_id: i64) -> Result<Vec<attachment::Model>, DbErr> {
    attachment::Entity::find()
        .filter(attachment::Column::ContractId.eq(contract_id))
        .order_by_asc(attachment::Column::Id)
        .all(db)
        .await
}

/// A contract's stored userids, in sheet order.
/// How many userids are stored for a contract (one `COUNT`).
pub async fn userid_count(db: &impl ConnectionTrait, contract_id: i64) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    contract_userid::Entity::find().filter(contract_userid::Column::ContractId.eq(contract_id)).count(db).await
}

pub async fn userids_of(db: &impl ConnectionTrait, contract_id: i64) -> Result<Vec<contract_userid::Model>, DbErr> {
    contract_userid::Entity::find()
        .filter(contract_userid::Column::ContractId.eq(contract_id))
        .order_by_asc(contract_userid::Column::RowNumber)
        .all(db)
        .await
}

/// Creates a payment link; returns the stored link and the token for the URL (only its hash is
/// stored). The link and who made it are in the contract's audit trail, like its revocation.
pub async fn create_payment_link(
    db: &DatabaseConnection,
    contract_id: i64,
    created_by: i64,
    days: u32,
) -> Result<(payment_link::Model, String), DbErr> {
    let token = random_token();
    let now = Utc::now();
    let expires_at = now + Duration::days(i64::from(days));
    let (_writer, txn) = super::begin_write(db).await?;
    let link = payment_link::ActiveModel {
        contract_id: Set(contract_id),
        token_hash: Set(token_hash(&token)),
        expires_at: Set(expires_at),
        created_by: Set(created_by),
        created_at: Set(now),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let detail = crate::db::audit::Detail {
        comment: format!("付款链接已创建，{} 到期", beijing(expires_at)),
        ..Default::default()
    };
    crate::db::audit::record(&txn, now, Some(created_by), "payment_link.created", "contract", contract_id, &detail)
        .await?;
    txn.commit().await?;
    Ok((link, token))
}

/// What a payment-link token names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkState {
    Valid(payment_link::Model),
    Expired,
    Revoked,
    Unknown,
}

/// Looks a token up by its hash. Malformed tokens are unknown without a query.
pub async fn payment_link_state(db: &impl ConnectionTrait, token: &str) -> Result<LinkState, DbErr> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(LinkState::Unknown);
    }
    let found =
        payment_link::Entity::find().filter(payment_link::Column::TokenHash.eq(token_hash(token))).one(db).await?;
    Ok(match found {
        None => LinkState::Unknown,
        Some(l) if l.revoked_at.is_some() => LinkState::Revoked,
        Some(l) if l.expires_at <= Utc::now() => LinkState::Expired,
        Some(l) => LinkState::Valid(l),
    })
}

/// A payment link by id.
pub async fn find_payment_link(db: &impl ConnectionTrait, id: i64) -> Result<Option<payment_link::Model>, DbErr> {
    payment_link::Entity::find_by_id(id).one(db).await
}

/// Revokes a link now, by `actor`: it answers like an expired one, and a voucher upload through it
/// is refused. The revocation is in the contract's audit trail; revoking a revoked link changes
/// nothing.
pub async fn revoke_payment_link(db: &DatabaseConnection, link: &payment_link::Model, actor: i64) -> Result<(), DbErr> {
    let (_writer, txn) = super::begin_write(db).await?;
    let now = Utc::now();
    let res = payment_link::Entity::update_many()
        .col_expr(payment_link::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
        .filter(payment_link::Column::Id.eq(link.id))
        .filter(payment_link::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected == 1 {
        let detail = crate::db::audit::Detail {
            comment: format!("付款链接（{} 到期）已撤销", beijing(link.expires_at)),
            ..Default::default()
        };
        crate::db::audit::record(&txn, now, Some(actor), "payment_link.revoked", "contract", link.contract_id, &detail)
            .await?;
    }
    txn.commit().await
}

/// `2026-12-05 21:00（北京时间）`: how the timeline names a moment (UX: Beijing time, said so).
fn beijing(at: DateTime<Utc>) -> String {
    format!("{}（北京时间）", at.with_timezone(&crate::domain::calendar::china_offset()).format("%Y-%m-%d %H:%M"))
}

/// Revokes every open link of a contract that stopped awaiting payment (cancelled, approved), in
/// the transaction of that move, with one event in the contract's audit trail.
pub async fn revoke_links_of_contract(
    txn: &impl ConnectionTrait,
    contract_id: i64,
    at: DateTime<Utc>,
    actor: i64,
) -> Result<u64, DbErr> {
    let res = payment_link::Entity::update_many()
        .col_expr(payment_link::Column::RevokedAt, Expr::value(at))
        .filter(payment_link::Column::ContractId.eq(contract_id))
        .filter(payment_link::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    if res.rows_affected > 0 {
        let detail = crate::db::audit::Detail {
            comment: format!("合同不再接收付款，{} 个付款链接随之撤销", res.rows_affected),
            ..Default::default()
        };
        crate::db::audit::record(txn, at, Some(actor), "payment_link.revoked", "contract", contract_id, &detail)
            .await?;
    }
    Ok(res.rows_affected)
}

/// A contract's payment links, newest first, with the vouchers each has taken (few: the cap keeps
/// them few).
pub async fn links_of_contract(
    db: &impl ConnectionTrait,
    contract_id: i64,
) -> Result<Vec<(payment_link::Model, u64)>, DbErr> {
    let links = payment_link::Entity::find()
        .filter(payment_link::Column::ContractId.eq(contract_id))
        .order_by_desc(payment_link::Column::Id)
        .all(db)
        .await?;
    let via: Vec<Option<i64>> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::ViaPaymentLink)
        .filter(attachment::Column::ContractId.eq(contract_id))
        .filter(attachment::Column::ViaPaymentLink.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(links
        .into_iter()
        .map(|l| {
            let n = via.iter().filter(|v| **v == Some(l.id)).count() as u64;
            (l, n)
        })
        .collect())
}

/// The kind codes a contract's lines name (the payment note names the interfaces bought).
pub async fn line_kinds(db: &impl ConnectionTrait, contract_id: i64) -> Result<Vec<String>, DbErr> {
    use crate::db::entities::contract_line;
    let kinds: Vec<Option<String>> = contract_line::Entity::find()
        .select_only()
        .column(contract_line::Column::Kind)
        .filter(contract_line::Column::ContractId.eq(contract_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(kinds.into_iter().flatten().collect())
}

/// Admin settings (the `settings` table) shown on the payment page (PRODUCT.md §7): the keys are
/// the settings page's own (`domain::admin::keys`), one name for each.
pub mod payment_settings {
    pub use crate::domain::admin::keys::{
        BANK_ACCOUNT_NAME, BANK_ACCOUNT_NUMBER, BANK_CODE, BANK_NAME, WECHAT_NOTE, WECHAT_QR,
    };
    pub const ALL: [&str; 6] = [WECHAT_QR, WECHAT_NOTE, BANK_ACCOUNT_NAME, BANK_ACCOUNT_NUMBER, BANK_NAME, BANK_CODE];
}

/// Settings values by key; missing keys are absent from the map.
pub async fn settings_values(
    db: &impl ConnectionTrait,
    keys: &[&str],
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    Ok(setting::Entity::find()
        .filter(setting::Column::Key.is_in(keys.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.key, s.value))
        .collect())
}
