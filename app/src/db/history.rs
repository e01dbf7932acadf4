//! An enterprise's earlier orders: the product lines of its approved and fulfilled contracts with
//! a corp ID, as far as the caller may read them. Queries only.

use super::contract_reads::visible;
use super::entities::{contract, contract_line};
use crate::domain::AccountKind;
use crate::domain::contract::ContractStatus;
use crate::domain::contract::history::PastLine;
use crate::domain::policy::Visibility;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

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
