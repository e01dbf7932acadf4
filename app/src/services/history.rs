//! Active accounts suggested from the enterprise's history (PRODUCT.md §2): the same
//! `domain::contract::history::active_on` the form's hint shows, over the earlier orders the
//! caller may read.

use crate::db::history;
use crate::domain::AccountKind;
use crate::domain::CorpId;
use crate::domain::contract::history::active_on;
use crate::domain::contract::paths;
use crate::domain::period::parse_date_field;
use crate::domain::policy::visibility;
use crate::error::AppError;
use crate::models::{ActiveAccountsDto, SessionUser};
use sea_orm::DatabaseConnection;

/// The accounts of the enterprise `corp_id` active on `start` (a date as typed), by kind, from its
/// approved and fulfilled orders other than `except`, as far as `actor` may read them.
pub async fn active_accounts(
    db: &DatabaseConnection,
    actor: &SessionUser,
    corp_id: &str,
    start: &str,
    except: Option<i64>,
) -> Result<ActiveAccountsDto, AppError> {
    let corp = CorpId::parse(paths::CORP_ID, corp_id);
    let day = parse_date_field("service_start", start, "服务开始日期", "service start date");
    let (corp, day) = match (corp, day) {
        (Ok(c), Ok(d)) => (c, d),
        (c, d) => return Err(AppError::Invalid { problems: c.err().into_iter().chain(d.err()).collect() }),
    };
    let past = history::past_lines(db, visibility(Some(actor)), corp.as_str(), except).await?;
    Ok(ActiveAccountsDto {
        basic: active_on(AccountKind::Basic, day, &past),
        interop: active_on(AccountKind::Interop, day, &past),
    })
}

/// 选择源单: the approved and fulfilled contracts the actor may read that match `q` (document
/// number, end customer or corp ID), newest first, at most 10.
pub async fn source_candidates(
    db: &DatabaseConnection,
    actor: &SessionUser,
    q: &str,
) -> Result<Vec<crate::models::SourceCandidate>, AppError> {
    if q.chars().count() > 100 {
        return Err(AppError::Invalid {
            problems: vec![crate::domain::problem::Problem::error(
                "q",
                "too_long",
                "搜索词最多100个字符",
                "Search at most 100 characters",
            )],
        });
    }
    Ok(history::source_candidates(db, visibility(Some(actor)), q, 10).await?)
}
