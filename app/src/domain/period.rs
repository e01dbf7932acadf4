//! Service periods (服务期): a start date and a whole number of months, ending the day before the
//! same day-of-month `months` later: `end = start + months − 1 day`.
//!
//! Month ends clamp the way chrono's `checked_add_months` does: 2024-01-31 + 1 month is 2024-02-29,
//! so its period ends 2024-02-28. Going back, a start and an end are a period only when some whole
//! number of months gives exactly that end; otherwise the user is shown the nearest ends that are.

use super::ids::trim_all;
use super::problem::Problem;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The last day of a period of `months` whole months starting on `start`; `None` for zero months
/// or beyond chrono's calendar.
pub fn end_of(start: NaiveDate, months: u32) -> Option<NaiveDate> {
    if months == 0 {
        return None;
    }
    start.checked_add_months(Months::new(months))?.pred_opt()
}

/// Why a start and an end are not a service period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodError {
    /// The end is before the start.
    EndBeforeStart { start: NaiveDate, end: NaiveDate },
    /// The end is not `start + n months − 1 day` for any n; the nearest ends that are, with their
    /// months (`shorter` is `None` when even one month ends later).
    NotWholeMonths {
        start: NaiveDate,
        end: NaiveDate,
        shorter: Option<(NaiveDate, u32)>,
        longer: Option<(NaiveDate, u32)>,
    },
}

impl PeriodError {
    /// The problem to show on `field` (usually the end date's field).
    pub fn problem(&self, field: &str) -> Problem {
        match *self {
            PeriodError::EndBeforeStart { start, end } => Problem::error(
                field,
                "service_end_before_start",
                format!("服务到期日（{end}）不能早于服务开始日期（{start}）"),
                format!("The service end date ({end}) cannot be before the service start date ({start})"),
            ),
            PeriodError::NotWholeMonths { start, shorter, longer, .. } => {
                let option_zh = |(d, m): (NaiveDate, u32)| format!("{d}（{m}个月）");
                let option_en = |(d, m): (NaiveDate, u32)| format!("{d} ({m} month{})", if m == 1 { "" } else { "s" });
                let (zh, en) = match (shorter, longer) {
                    (Some(a), Some(b)) => {
                        (format!("{}或{}", option_zh(a), option_zh(b)), format!("{} or {}", option_en(a), option_en(b)))
                    }
                    (Some(a), None) => (option_zh(a), option_en(a)),
                    (None, Some(b)) => (option_zh(b), option_en(b)),
                    (None, None) => (String::new(), String::new()),
                };
                Problem::error(
                    field,
                    "service_period_not_whole_months",
                    format!("服务期须为整月：到期日应为开始日期（{start}）加整月数再减一天，如 {zh}"),
                    format!(
                        "The service period must be whole months: the end date is the start date ({start}) plus whole months minus one day, e.g. {en}"
                    ),
                )
            }
        }
    }
}

/// The whole number of months from `start` to `end` inclusive, when `end = start + months − 1 day`.
pub fn months_between(start: NaiveDate, end: NaiveDate) -> Result<u32, PeriodError> {
    if end < start {
        return Err(PeriodError::EndBeforeStart { start, end });
    }
    // `end_of(start, m) + 1 day` always lies in the m-th month after the start's month, so the month
    // distance from the start to the day after the end is the only candidate.
    let candidate = end.succ_opt().map(|next| month_index(next) - month_index(start)).unwrap_or(0);
    let candidate = u32::try_from(candidate).unwrap_or(0);
    if candidate >= 1 && end_of(start, candidate) == Some(end) {
        return Ok(candidate);
    }
    let with_months = |m: u32| end_of(start, m).map(|d| (d, m));
    let shorter = [candidate, candidate.saturating_sub(1)].into_iter().filter_map(with_months).find(|(d, _)| *d < end);
    let longer = [candidate, candidate + 1].into_iter().filter_map(with_months).find(|(d, _)| *d > end);
    Err(PeriodError::NotWholeMonths { start, end, shorter, longer })
}

fn month_index(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

/// A service period (服务期) of whole months: start and end inclusive. Built only through
/// [`ServicePeriod::from_months`] or [`ServicePeriod::from_dates`], so it always holds
/// `end == end_of(start, months)`. Travels as `{"start": "...", "end": "..."}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PeriodDates", into = "PeriodDates")]
pub struct ServicePeriod {
    start: NaiveDate,
    end: NaiveDate,
    months: u32,
}

#[derive(Serialize, Deserialize)]
struct PeriodDates {
    start: NaiveDate,
    end: NaiveDate,
}

impl TryFrom<PeriodDates> for ServicePeriod {
    type Error = String;
    fn try_from(d: PeriodDates) -> Result<Self, String> {
        ServicePeriod::from_dates(d.start, d.end).map_err(|e| e.problem("").en)
    }
}

impl From<ServicePeriod> for PeriodDates {
    fn from(p: ServicePeriod) -> Self {
        PeriodDates { start: p.start, end: p.end }
    }
}

impl ServicePeriod {
    pub fn from_months(start: NaiveDate, months: u32) -> Option<ServicePeriod> {
        Some(ServicePeriod { start, end: end_of(start, months)?, months })
    }

    pub fn from_dates(start: NaiveDate, end: NaiveDate) -> Result<ServicePeriod, PeriodError> {
        Ok(ServicePeriod { start, end, months: months_between(start, end)? })
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }

    pub fn months(&self) -> u32 {
        self.months
    }

    /// Whether `date` is within the period, both ends included.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

impl fmt::Display for ServicePeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} – {}", self.start, self.end)
    }
}

/// Reads a date typed as `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYY.MM.DD` (month and day may have one
/// digit; full-width digits and separators from a Chinese input method are accepted). `None` for
/// anything else, including dates that do not exist such as 2023-02-29.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t: String = trim_all(text).chars().map(half_width).collect();
    let sep = t.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, '-' | '/' | '.') {
        return None;
    }
    let mut parts = t.split(sep);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let digits =
        |s: &str, min: usize, max: usize| (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !digits(y, 4, 4) || !digits(m, 1, 2) || !digits(d, 1, 2) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Maps the full-width forms of ASCII (U+FF01–U+FF5E) to ASCII, leaving everything else alone.
pub(crate) fn half_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        _ => c,
    }
}

/// Parses a date field. Blank gives `required`, anything unreadable `date_invalid`; `label_zh` /
/// `label_en` name the field in the message (服务开始日期 / service start date).
pub fn parse_date_field(field: &str, text: &str, label_zh: &str, label_en: &str) -> Result<NaiveDate, Problem> {
    let t = trim_all(text);
    if t.is_empty() {
        return Err(Problem::error(field, "required", format!("请填写{label_zh}"), format!("Enter the {label_en}")));
    }
    parse_date(t).ok_or_else(|| {
        Problem::error(
            field,
            "date_invalid",
            format!("{label_zh}“{t}”不是有效日期，请按 YYYY-MM-DD 格式填写，如 2024-07-15"),
            format!("The {label_en} \"{t}\" is not a valid date: use YYYY-MM-DD, e.g. 2024-07-15"),
        )
    })
}

/// A date the way a Chinese reader writes it: `2024年7月15日`.
pub fn format_date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn end_is_the_day_before_the_same_day_of_month() {
        assert_eq!(end_of(d(2024, 7, 15), 12), Some(d(2025, 7, 14)));
        assert_eq!(end_of(d(2024, 7, 15), 1), Some(d(2024, 8, 14)));
        assert_eq!(end_of(d(2024, 1, 1), 12), Some(d(2024, 12, 31)));
        assert_eq!(end_of(d(2024, 12, 1), 1), Some(d(2024, 12, 31)));
        assert_eq!(end_of(d(2024, 7, 15), 60), Some(d(2029, 7, 14)));
        assert_eq!(end_of(d(2024, 7, 15), 0), None);
    }

    #[test]
    fn month_ends_clamp_then_step_back_a_day() {
        // 2024-01-31 + 1 month clamps to 2024-02-29 (leap year); the period ends the day before.
        assert_eq!(end_of(d(2024, 1, 31), 1), Some(d(2024, 2, 28)));
        assert_eq!(end_of(d(2023, 1, 31), 1), Some(d(2023, 2, 27)));
        assert_eq!(end_of(d(2024, 1, 30), 1), Some(d(2024, 2, 28)));
        assert_eq!(end_of(d(2024, 1, 31), 2), Some(d(2024, 3, 30)));
        assert_eq!(end_of(d(2024, 3, 31), 1), Some(d(2024, 4, 29)));
        assert_eq!(end_of(d(2024, 2, 29), 12), Some(d(2025, 2, 27)));
        assert_eq!(end_of(d(2024, 2, 29), 48), Some(d(2028, 2, 28)));
        assert_eq!(end_of(d(2024, 2, 28), 12), Some(d(2025, 2, 27)));
        assert_eq!(end_of(d(2023, 3, 1), 12), Some(d(2024, 2, 29)));
    }

    #[test]
    fn months_between_inverts_end_of_at_month_ends() {
        assert_eq!(months_between(d(2024, 1, 31), d(2024, 2, 28)), Ok(1));
        assert_eq!(months_between(d(2024, 1, 30), d(2024, 2, 28)), Ok(1));
        assert_eq!(months_between(d(2024, 2, 29), d(2025, 2, 27)), Ok(12));
        assert_eq!(months_between(d(2023, 3, 1), d(2024, 2, 29)), Ok(12));
        assert_eq!(months_between(d(2024, 7, 15), d(2025, 7, 14)), Ok(12));
        assert_eq!(months_between(d(2024, 1, 1), d(2024, 12, 31)), Ok(12));
    }

    #[test]
    fn a_period_that_is_not_whole_months_suggests_the_nearest_ends() {
        // A year "to the same day" is one day too long.
        let e = months_between(d(2024, 7, 15), d(2025, 7, 15)).unwrap_err();
        assert_eq!(
            e,
            PeriodError::NotWholeMonths {
                start: d(2024, 7, 15),
                end: d(2025, 7, 15),
                shorter: Some((d(2025, 7, 14), 12)),
                longer: Some((d(2025, 8, 14), 13)),
            }
        );
        let p = e.problem("lines[0].service_end");
        assert_eq!((p.field.as_str(), p.code.as_str()), ("lines[0].service_end", "service_period_not_whole_months"));
        assert!(p.zh.contains("2025-07-14（12个月）或2025-08-14（13个月）"), "{}", p.zh);
        assert!(p.en.contains("2025-07-14 (12 months) or 2025-08-14 (13 months)"), "{}", p.en);

        // Same start and end: less than a month, so only a longer end is offered.
        let e = months_between(d(2024, 7, 15), d(2024, 7, 15)).unwrap_err();
        assert!(
            matches!(e, PeriodError::NotWholeMonths { shorter: None, longer: Some((x, 1)), .. } if x == d(2024, 8, 14))
        );
        assert!(e.problem("f").en.contains("2024-08-14 (1 month)"));

        // 2024-01-30 + 1 month ends 02-28, + 2 months 03-29: 02-29 is neither.
        let e = months_between(d(2024, 1, 30), d(2024, 2, 29)).unwrap_err();
        assert!(matches!(e, PeriodError::NotWholeMonths { shorter: Some((a, 1)), longer: Some((b, 2)), .. }
            if a == d(2024, 2, 28) && b == d(2024, 3, 29)));
    }

    #[test]
    fn end_before_start_is_its_own_problem() {
        let e = months_between(d(2024, 7, 15), d(2024, 7, 14)).unwrap_err();
        let p = e.problem("lines[2].service_end");
        assert_eq!(p.code, "service_end_before_start");
        assert!(p.zh.contains("不能早于服务开始日期（2024-07-15）"), "{}", p.zh);
        assert!(p.en.contains("(2024-07-14) cannot be before"), "{}", p.en);
    }

    #[test]
    fn service_period_keeps_its_invariant_across_serde() {
        let p = ServicePeriod::from_months(d(2024, 1, 31), 1).unwrap();
        assert_eq!((p.start(), p.end(), p.months()), (d(2024, 1, 31), d(2024, 2, 28), 1));
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"start":"2024-01-31","end":"2024-02-28"}"#);
        assert_eq!(serde_json::from_str::<ServicePeriod>(&json).unwrap(), p);
        assert!(serde_json::from_str::<ServicePeriod>(r#"{"start":"2024-01-31","end":"2024-02-29"}"#).is_err());
        assert!(p.covers(d(2024, 2, 28)) && p.covers(d(2024, 1, 31)) && !p.covers(d(2024, 2, 29)));
        assert_eq!(ServicePeriod::from_dates(d(2024, 1, 31), d(2024, 2, 28)), Ok(p));
    }

    #[test]
    fn parses_dates_with_dash_slash_or_dot() {
        for text in
            ["2024-07-15", "2024/07/15", "2024.07.15", "2024-7-15", " 2024/7/15\u{3000}", "２０２４－０７－１５"]
        {
            assert_eq!(parse_date(text), Some(d(2024, 7, 15)), "{text}");
        }
        for bad in [
            "",
            "2024",
            "2024-07",
            "24-07-15",
            "2024-07-15-01",
            "2024-07/15",
            "2024-13-01",
            "2023-02-29",
            "2024_07_15",
            "15/07/2024",
            "2024-007-15",
            "2024 07 15",
            "+2024-07-15",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(parse_date("2024-02-29"), Some(d(2024, 2, 29)));
    }

    #[test]
    fn date_field_problems_name_the_field() {
        let p = parse_date_field("api_expiry_date", " ", "企业微信API接口到期日", "API expiry date").unwrap_err();
        assert_eq!((p.code.as_str(), p.zh.as_str()), ("required", "请填写企业微信API接口到期日"));
        let p =
            parse_date_field("lines[0].service_start", "2023-02-29", "服务开始日期", "service start date").unwrap_err();
        assert_eq!(p.code, "date_invalid");
        assert!(p.zh.contains("服务开始日期“2023-02-29”不是有效日期"), "{}", p.zh);
        assert!(p.en.contains("use YYYY-MM-DD"), "{}", p.en);
    }

    #[test]
    fn formats_dates_the_chinese_way() {
        assert_eq!(format_date_zh(d(2025, 6, 3)), "2025年6月3日");
    }

    fn dates() -> impl Strategy<Value = NaiveDate> {
        // 1990-01-01 to about 2150: every month end and leap day the business will meet.
        (0i64..58_000).prop_map(|n| d(1990, 1, 1) + chrono::Duration::days(n))
    }

    proptest! {
        #[test]
        fn months_round_trip(start in dates(), months in 1u32..=60) {
            let end = end_of(start, months).unwrap();
            prop_assert!(end >= start);
            prop_assert_eq!(months_between(start, end), Ok(months));
        }

        #[test]
        fn every_end_is_either_whole_or_between_its_suggestions(start in dates(), days in 0i64..2_000) {
            let end = start + chrono::Duration::days(days);
            match months_between(start, end) {
                Ok(m) => prop_assert_eq!(end_of(start, m), Some(end)),
                Err(PeriodError::NotWholeMonths { shorter, longer, .. }) => {
                    let longer = longer.unwrap();
                    prop_assert!(longer.0 > end && end_of(start, longer.1) == Some(longer.0));
                    if let Some(s) = shorter {
                        prop_assert!(s.0 < end && s.1 + 1 == longer.1);
                    } else {
                        prop_assert_eq!(longer.1, 1);
                    }
                }
                Err(e) => prop_assert!(false, "unexpected {:?}", e),
            }
        }

        #[test]
        fn parse_date_never_panics(s in "\\PC{0,40}") {
            let _ = parse_date(&s);
            let _ = parse_date_field("f", &s, "日期", "date");
        }

        #[test]
        fn formatted_dates_parse_back(date in dates()) {
            prop_assert_eq!(parse_date(&date.to_string()), Some(date));
            prop_assert_eq!(parse_date(&date.format("%Y/%m/%d").to_string()), Some(date));
            prop_assert_eq!(parse_date(&date.format("%Y.%-m.%-d").to_string()), Some(date));
        }
    }
}
