//! Renewals (续期): which fulfilled contracts fall due, when their owner is reminded, and the
//! renewal contract a click starts from one of them.
//!
//! A contract falls due by its 企业微信API接口到期日 (the API expiry date recorded at 开通). Its
//! owner is reminded [`REMINDER_DAYS`] before it — 30 and 7 days — once each: a reminder that could
//! not go out on its day (the server was down) goes out on the next run while still inside its
//! window, never twice.

use super::draft::{ApprovalChoice, ContractDraft, DraftLine, SourceOrder};
use super::fields::DocumentNumber;
use crate::domain::period::{ServicePeriod, parse_date};
use crate::domain::quote::OrderType;
use chrono::NaiveDate;

/// Days before the API expiry date at which the owner is reminded, widest first.
pub const REMINDER_DAYS: [u32; 2] = [30, 7];

/// The windows the renewals page offers (days ahead); the first is the default.
pub const WINDOWS: [u32; 3] = [30, 7, 90];

/// The window asked for, or the default when it is not one of [`WINDOWS`].
pub fn window_or_default(days: Option<u32>) -> u32 {
    days.filter(|d| WINDOWS.contains(d)).unwrap_or(WINDOWS[0])
}

/// Days from `today` to `expiry` (negative once expired).
pub fn days_left(expiry: NaiveDate, today: NaiveDate) -> i64 {
    (expiry - today).num_days()
}

/// The reminder due `today` for an expiry date: the narrowest threshold of [`REMINDER_DAYS`]
/// whose window (`0 ≤ days left ≤ threshold`) `today` is in. `None` once expired or while more
/// than 30 days are left.
pub fn reminder_due(expiry: NaiveDate, today: NaiveDate) -> Option<u32> {
    let left = days_left(expiry, today);
    if left < 0 {
        return None;
    }
    REMINDER_DAYS.iter().rev().copied().find(|t| left <= i64::from(*t))
}

/// What the renewal contract takes from the contract it renews.
#[derive(Clone, Debug)]
pub struct RenewalSource<'a> {
    pub contract_id: i64,
    pub document_number: Option<DocumentNumber>,
    /// The source contract's form as stored.
    pub draft: &'a ContractDraft,
    /// The date its service ends: its API expiry date, else its last line's service end.
    pub service_end: NaiveDate,
}

impl RenewalSource<'_> {
    /// The last service end date of the source's lines, when every line has a readable one.
    pub fn lines_end(draft: &ContractDraft) -> Option<NaiveDate> {
        draft.lines.iter().map(|l| parse_date(&l.service_end)).collect::<Option<Vec<_>>>()?.into_iter().max()
    }
}

/// The renewal (续期) contract of `source`, for `owner`: the same customer, enterprise, CRM type,
/// lease URL, installed app and payment method; every line again with the same product, quantity,
/// term and invoice choice, starting the day after the source's service ends; the source named
/// as 选择源单. What only the partner can say (remark, voucher, userid sheet) is left empty.
pub fn renewal_draft(source: &RenewalSource<'_>, owner: i64, flow_id: Option<i64>) -> ContractDraft {
    let d = source.draft;
    let start = source.service_end.succ_opt().unwrap_or(source.service_end);
    let lines = d
        .lines
        .iter()
        .map(|l| {
            // The same term as the source line (12 months when it cannot be read).
            let months = parse_date(&l.service_start)
                .zip(parse_date(&l.service_end))
                .and_then(|(s, e)| ServicePeriod::from_dates(s, e).ok())
                .map_or(12, |p| p.months());
            let end = ServicePeriod::from_months(start, months).map(|p| p.end().to_string()).unwrap_or_default();
            DraftLine {
                kind: l.kind,
                quantity: l.quantity.clone(),
                service_start: start.to_string(),
                service_end: end,
                invoice: l.invoice,
                description: l.description.clone(),
                negotiated_amount: String::new(),
            }
        })
        .collect();
    ContractDraft {
        end_customer: d.end_customer.clone(),
        owner: Some(owner),
        source_order: SourceOrder::Contract {
            contract_id: source.contract_id,
            document_number: source.document_number.clone(),
            service_end: Some(source.service_end),
        },
        corp_id: d.corp_id.clone(),
        corp_name: d.corp_name.clone(),
        crm_type: d.crm_type,
        lease_url: d.lease_url.clone(),
        payment_method: d.payment_method,
        order_type: Some(OrderType::Renewal),
        auto_activation: d.auto_activation,
        installed_app: d.installed_app.clone(),
        lines,
        approval: ApprovalChoice { flow_id, approvers: Vec::new() },
        ..ContractDraft::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AccountKind;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reminders_come_at_30_and_7_days_and_not_after_expiry() {
        let expiry = d(2027, 3, 31);
        assert_eq!(reminder_due(expiry, d(2027, 2, 28)), None, "31 days left");
        assert_eq!(reminder_due(expiry, d(2027, 3, 1)), Some(30));
        assert_eq!(reminder_due(expiry, d(2027, 3, 23)), Some(30), "8 days left");
        assert_eq!(reminder_due(expiry, d(2027, 3, 24)), Some(7));
        assert_eq!(reminder_due(expiry, d(2027, 3, 31)), Some(7), "the last day");
        assert_eq!(reminder_due(expiry, d(2027, 4, 1)), None, "expired");
    }

    #[test]
    fn the_window_is_one_of_the_offered_ones() {
        assert_eq!(window_or_default(None), 30);
        assert_eq!(window_or_default(Some(90)), 90);
        assert_eq!(window_or_default(Some(3650)), 30);
    }

    #[test]
    fn a_renewal_repeats_the_lines_from_the_day_after_the_service_ends() {
        let source = ContractDraft {
            end_customer: "雪碧算术".into(),
            corp_id: "ww69c04360d53da8b7".into(),
            corp_name: "雪碧".into(),
            installed_app: "灵当CRM".into(),
            remark: "首次购买".into(),
            payment_voucher: Some(9),
            order_type: Some(OrderType::New),
            lines: vec![
                DraftLine {
                    kind: Some(AccountKind::Interop),
                    quantity: "8".into(),
                    service_start: "2026-01-01".into(),
                    service_end: "2026-12-31".into(),
                    invoice: Some(true),
                    ..DraftLine::default()
                },
                DraftLine {
                    kind: Some(AccountKind::Basic),
                    quantity: "100".into(),
                    service_start: "2026-01-01".into(),
                    service_end: "2027-12-31".into(),
                    invoice: Some(false),
                    negotiated_amount: "100".into(),
                    ..DraftLine::default()
                },
            ],
            ..ContractDraft::default()
        };
        let end = RenewalSource::lines_end(&source).unwrap();
        assert_eq!(end, d(2027, 12, 31));
        let src = RenewalSource { contract_id: 5, document_number: None, draft: &source, service_end: end };
        let r = renewal_draft(&src, 42, Some(1));
        assert_eq!(r.order_type, Some(OrderType::Renewal));
        assert_eq!(r.owner, Some(42));
        assert_eq!(
            (r.end_customer.as_str(), r.corp_id.as_str(), r.installed_app.as_str()),
            ("雪碧算术", "ww69c04360d53da8b7", "灵当CRM")
        );
        assert_eq!((r.remark.as_str(), r.payment_voucher), ("", None), "what only the partner can say is left to them");
        assert_eq!(
            r.source_order,
            SourceOrder::Contract { contract_id: 5, document_number: None, service_end: Some(end) }
        );
        let periods: Vec<(&str, &str, &str)> =
            r.lines.iter().map(|l| (l.quantity.as_str(), l.service_start.as_str(), l.service_end.as_str())).collect();
        assert_eq!(periods, [("8", "2028-01-01", "2028-12-31"), ("100", "2028-01-01", "2029-12-31")]);
        assert_eq!(r.lines[1].negotiated_amount, "", "a price is agreed again");
        assert_eq!(r.approval.flow_id, Some(1));
    }
}
