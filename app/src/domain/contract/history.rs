//! Active accounts suggested from history (PRODUCT.md §2): for a new purchase (新购) or an add-on
//! (增购), the tiers start after the enterprise's accounts of the same kind already active. The
//! app suggests that number from the enterprise's earlier approved or fulfilled orders with the
//! same corp ID whose service period covers the new start date; the partner may override it.
//!
//! The browser shows the suggestion beside 已有基础账号数 / 已有互通账号数, and the server computes
//! it with this same function (`contracts/active_accounts`).

use crate::domain::AccountKind;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A product line of an earlier approved or fulfilled order of the enterprise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastLine {
    pub contract_id: i64,
    pub document_number: Option<String>,
    pub kind: AccountKind,
    pub quantity: u32,
    pub service_start: NaiveDate,
    pub service_end: NaiveDate,
}

impl PastLine {
    /// Whether its accounts are active on `day` (its service period covers it).
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.service_start <= day && day <= self.service_end
    }
}

/// The suggestion for one kind: how many accounts are active on the day, and the lines counted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveAccounts {
    pub count: u32,
    pub from: Vec<PastLine>,
}

/// The accounts of `kind` active on `day`, from `history`. A renewal (续期) starts the day after
/// the order it renews ends, so one account is never counted twice on one day.
pub fn active_on(kind: AccountKind, day: NaiveDate, history: &[PastLine]) -> ActiveAccounts {
    let from: Vec<PastLine> = history.iter().filter(|l| l.kind == kind && l.covers(day)).cloned().collect();
    ActiveAccounts { count: from.iter().map(|l| l.quantity).fold(0u32, u32::saturating_add), from }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn line(id: i64, kind: AccountKind, quantity: u32, start: &str, end: &str) -> PastLine {
        PastLine {
            contract_id: id,
            document_number: Some(format!("QYWXHT-{id}")),
            kind,
            quantity,
            service_start: day(start),
            service_end: day(end),
        }
    }

    #[test]
    fn counts_the_kinds_lines_whose_period_covers_the_day() {
        let history = [
            line(1, AccountKind::Basic, 100, "2026-01-01", "2026-12-31"),
            line(2, AccountKind::Basic, 20, "2026-06-01", "2027-05-31"),
            line(2, AccountKind::Interop, 8, "2026-06-01", "2027-05-31"),
            // Ended the day before, and its renewal from the next day.
            line(3, AccountKind::Basic, 50, "2025-01-01", "2025-12-31"),
            line(4, AccountKind::Basic, 50, "2026-01-01", "2026-12-31"),
        ];
        let basic = active_on(AccountKind::Basic, day("2026-07-01"), &history);
        assert_eq!(basic.count, 170);
        assert_eq!(basic.from.iter().map(|l| l.contract_id).collect::<Vec<_>>(), [1, 2, 4]);
        assert_eq!(active_on(AccountKind::Interop, day("2026-07-01"), &history).count, 8);
        // Both ends of a period count; the day after does not.
        assert_eq!(active_on(AccountKind::Basic, day("2026-12-31"), &history).count, 170);
        assert_eq!(active_on(AccountKind::Basic, day("2027-01-01"), &history).count, 20);
        assert_eq!(active_on(AccountKind::Interop, day("2027-06-01"), &history), ActiveAccounts::default());
    }
}
