//! Dates as the business sees them: calendar days in China (UTC+8, no daylight saving).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// China Standard Time, UTC+8.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// The first instant of calendar day `d` in China (its 00:00 at UTC+8).
pub fn china_day_start(d: NaiveDate) -> Option<DateTime<Utc>> {
    d.and_hms_opt(0, 0, 0)?.and_local_timezone(china_offset()).single().map(|t| t.with_timezone(&Utc))
}

/// The calendar date in China at instant `now`.
pub fn china_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&china_offset()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_date_rolls_over_at_16_utc() {
        let before = DateTime::parse_from_rfc3339("2026-11-28T15:59:59Z").unwrap().with_timezone(&Utc);
        let after = DateTime::parse_from_rfc3339("2026-11-28T16:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(china_date(before), NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
        assert_eq!(china_date(after), NaiveDate::from_ymd_opt(2026, 11, 29).unwrap());
        let start = china_day_start(NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()).unwrap();
        assert_eq!(start, after);
    }
}
