//! An enterprise's earlier orders: the product lines of its approved and fulfilled contracts with
//! a corp ID, as far as the caller may read them. Queries only.

use super::contract_reads::visible;
use super::entities::{contract, contract_line};
use crate::domain::AccountKind;
use crate::domain::contract::ContractStatus;
use crate::domain::contract::history::PastLine;
use crate::domain::policy::Visibility;
use crate::models::SourceCandidate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The priced lines of approved or fulfilled contracts of `corp_id` that `visibility` lets the
/// caller read, except contract `except` (the one being written).
pub async fn past_lines<C: ConnectionTrait>(
    db: &C,
    visibility: Visibility,
    corp_id: &str,
    except: Option<i64>,
) -> Result<Vec<PastLine>, DbErr> {
    let mut q = contract::Entity::find()
        .filter(visible(visibility))
        .filter(contract::Column::CorpId.eq(corp_id.trim().to_lowercase()))
        .filter(contract::Column::Status.is_in([ContractStatus::Approved.code(), ContractStatus::Fulfilled.code()]));
    if let Some(id) = except {
        q = q.filter(contract::Column::Id.ne(id));
    }
    let rows = q.find_with_related(contract_line::Entity).order_by_asc(contract::Column::Id).all(db).await?;
    Ok(rows
        .into_iter()
        .flat_map(|(c, lines)| {
            lines.into_iter().filter_map(move |l| {
                Some(PastLine {
                    contract_id: c.id,
                    document_number: c.document_number.clone(),
                    kind: AccountKind::from_code(l.kind.as_deref()?)?,
                    quantity: u32::try_from(l.quantity?).ok()?,
                    service_start: l.service_start?,
                    service_end: l.service_end?,
                })
            })
        })
        .collect())
}

/// 选择源单: the approved and fulfilled contracts `visibility` lets the caller read whose document
/// number, end customer or corp ID contains `q` (all of them for an empty `q`), newest first, at
/// most `limit`, each with the last day its lines run to.
pub async fn source_candidates<C: ConnectionTrait>(
    db: &C,
    visibility: Visibility,
    q: &str,
    limit: u64,
) -> Result<Vec<SourceCandidate>, DbErr> {
    let mut cond = visible(visibility)
        .add(contract::Column::Status.is_in([ContractStatus::Approved.code(), ContractStatus::Fulfilled.code()]));
    let q = q.trim();
    if !q.is_empty() {
        let like = |col: contract::Column, text: &str| Expr::col(col).like(super::contains(text));
        cond = cond.add(
            Condition::any()
                .add(like(contract::Column::DocumentNumber, &q.to_uppercase()))
                .add(like(contract::Column::CorpId, &q.to_lowercase()))
                .add(like(contract::Column::EndCustomer, q)),
        );
    }
    let rows = contract::Entity::find()
        .filter(cond)
        .order_by_desc(contract::Column::UpdatedAt)
        .order_by_desc(contract::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let lines = contract_line::Entity::find()
        .filter(contract_line::Column::ContractId.is_in(rows.iter().map(|c| c.id)))
        .all(db)
        .await?;
    let end_of = |id: i64| lines.iter().filter(|l| l.contract_id == id).filter_map(|l| l.service_end).max();
    Ok(rows
        .into_iter()
        .map(|c| SourceCandidate {
            id: c.id,
            status: super::contracts::status_of(&c),
            service_end: c.api_expiry_date.or_else(|| end_of(c.id)),
            document_number: c.document_number,
            end_customer: c.end_customer,
            corp_id: c.corp_id,
        })
        .collect())
}
