//! The contract list as a tool (`/contracts`): one page with the totals of every row the filter
//! admits, what the owner and organisation filters offer, and the whole filtered list for the
//! export, read in keyset pages so that no more than one page is ever held.
//!
//! Who sees what is the policy's [`visibility`] alone; the filters only narrow it (the
//! organisation filter is an admin's: `list::parse` refuses it for anyone else).

use crate::db::contract_reads;
use crate::domain::contract::list::{self, ListQuery};
use crate::domain::money::Money;
use crate::domain::policy::{is_admin, visibility};
use crate::error::AppError;
use crate::models::{ContractFilter, ContractPage, ContractSummary, ListChoices, SessionUser};
use sea_orm::ConnectionTrait;

/// Rows read from the database at a time for an export.
pub const EXPORT_PAGE: u64 = 1_000;

/// The filter read for `actor`; a filter that cannot be read names each problem (the list call
/// and the export answer it with 400: the query as a whole is bad, nothing was submitted).
fn query_for(actor: &SessionUser, f: &ContractFilter) -> Result<ListQuery, AppError> {
    list::parse(f, is_admin(Some(actor))).map_err(|problems| AppError::Invalid { problems })
}

/// The contracts the actor may see (the policy's [`visibility`]), filtered, sorted and paged, with
/// the count and sum of every contract the filter admits (a search's up to
/// `contract_reads::SEARCH_COUNT_BOUND`: `capped` beyond).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &SessionUser,
    f: &ContractFilter,
) -> Result<ContractPage, AppError> {
    let q = query_for(actor, f)?;
    let seen = visibility(Some(actor));
    // The count first: it tells the page how to read a date span or a search
    // (`contract_reads::Hint`).
    let totals = contract_reads::totals(db, seen, &q).await?;
    let (items, next) = contract_reads::page(db, seen, &q, totals.hint()).await?;
    Ok(ContractPage {
        items,
        next_cursor: next.map(|c| c.encode()),
        count: totals.count,
        sum: Money::from_fen(totals.sum),
        capped: totals.capped,
    })
}

/// What the owner and organisation filters offer the actor: the owners of the contracts they may
/// see; for an admin also the organisations (nobody else may filter by one).
pub async fn choices<C: ConnectionTrait>(db: &C, actor: &SessionUser) -> Result<ListChoices, AppError> {
    let admin = is_admin(Some(actor));
    let (owners, organisations) = contract_reads::owners_and_organisations(db, visibility(Some(actor)), admin).await?;
    Ok(ListChoices { owners, organisations })
}

/// Every contract [`list`] would show for `f` over all its pages (its cursor and page size are
/// ignored), in its sort, handed to `each` [`EXPORT_PAGE`] rows at a time; a bad filter is refused
/// before any row is read. Returns how many rows were handed over.
pub async fn export<C, F>(db: &C, actor: &SessionUser, f: &ContractFilter, mut each: F) -> Result<u64, AppError>
where
    C: ConnectionTrait,
    F: FnMut(&[ContractSummary]) -> Result<(), AppError>,
{
    let mut q = query_for(actor, &f.first_page())?;
    q.limit = EXPORT_PAGE;
    let seen = visibility(Some(actor));
    let hint = contract_reads::totals(db, seen, &q).await?.hint();
    let mut count = 0;
    loop {
        let (rows, next) = contract_reads::page(db, seen, &q, hint).await?;
        count += rows.len() as u64;
        each(&rows)?;
        match next {
            Some(c) => q.after = Some(c),
            None => return Ok(count),
        }
    }
}
