//! What counts as "the remark explains it" (备注说明): small, literal tests a user can read in the
//! message and satisfy on purpose, the same in the browser and on the server.

use crate::domain::period::half_width;
use chrono::{Datelike, NaiveDate};

/// The remark with full-width digits and letters made ASCII and lower-cased, so 「１０」 is 10 and
/// "Auto-Activation" matches "auto-activat".
fn normalised(remark: &str) -> String {
    remark.chars().map(half_width).flat_map(char::to_lowercase).collect()
}

/// The whole numbers written in the remark, in order. Digits run together into one number
/// (`105` is not `10` and `5`); `1,000` is one thousand.
pub fn numbers_in(remark: &str) -> Vec<u64> {
    let chars: Vec<char> = normalised(remark).chars().collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let mut numbers = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !digit(i) {
            i += 1;
            continue;
        }
        let mut text = String::new();
        loop {
            while digit(i) {
                text.push(chars[i]);
                i += 1;
            }
            // A thousands separator: a comma followed by exactly three digits.
            let grouped = chars.get(i) == Some(&',') && (1..=3).all(|k| digit(i + k)) && !digit(i + 4);
            if !grouped {
                break;
            }
            i += 1;
        }
        if let Ok(n) = text.parse::<u64>() {
            numbers.push(n);
        }
    }
    numbers
}

/// Whether the remark writes one of `quantities` as a number.
pub fn mentions_quantity(remark: &str, quantities: &[u64]) -> bool {
    numbers_in(remark).iter().any(|n| quantities.contains(n))
}

/// Whether the remark says whether auto-activation is on: it contains 自动激活 or "auto-activat" /
/// "auto activat" (any case).
pub fn mentions_auto_activation(remark: &str) -> bool {
    let r = normalised(remark);
    r.contains("自动激活") || r.contains("auto-activat") || r.contains("auto activat")
}

/// Whether the remark explains a negotiated price: it contains 面议 or "negotiat" (any case).
pub fn mentions_negotiation(remark: &str) -> bool {
    let r = normalised(remark);
    r.contains("面议") || r.contains("negotiat")
}

/// Whether the remark explains a service end that differs from the source order's: it writes that
/// end date (2025-06-30, 2025/6/30, 2025.06.30 or 2025年6月30日) or the word 到期 / "expir".
pub fn mentions_source_end(remark: &str, source_end: NaiveDate) -> bool {
    let r = normalised(remark);
    if r.contains("到期") || r.contains("expir") {
        return true;
    }
    let (y, m, d) = (source_end.year(), source_end.month(), source_end.day());
    let mut forms = Vec::new();
    for (mm, dd) in [(format!("{m:02}"), format!("{d:02}")), (m.to_string(), d.to_string())] {
        for sep in ['-', '/', '.'] {
            forms.push(format!("{y}{sep}{mm}{sep}{dd}"));
        }
        forms.push(format!("{y}年{mm}月{dd}日"));
    }
    forms.iter().any(|form| contains_standalone(&r, form))
}

/// Whether `needle` occurs in `hay` without a digit right before or after it, so 2025-6-3 is not
/// found inside 2025-6-30.
fn contains_standalone(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(at, _)| {
        let before = hay[..at].chars().next_back();
        let after = hay[at + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_numbers_as_written() {
        assert_eq!(numbers_in("订单数量10人，实际只购买5人"), [10, 5]);
        assert_eq!(numbers_in("实际购买１,０００个，原订单1,2"), [1000, 1, 2]);
        assert_eq!(numbers_in("10,5 and 1,0000"), [10, 5, 1, 0]);
        assert_eq!(numbers_in("共105个"), [105]);
        assert!(numbers_in("没有数字").is_empty());
        assert_eq!(numbers_in("99999999999999999999999 7"), [7]);
    }

    #[test]
    fn quantity_mention_needs_the_exact_number() {
        assert!(mentions_quantity("订单数量10人，实际只购买5人", &[5]));
        assert!(!mentions_quantity("订单数量10人，实际只购买15人", &[5]));
        assert!(!mentions_quantity("实际购买五人", &[5]));
    }

    #[test]
    fn auto_activation_mention() {
        assert!(mentions_auto_activation("已设置自动激活"));
        assert!(mentions_auto_activation("Auto-Activation is ON"));
        assert!(mentions_auto_activation("no auto activation"));
        assert!(!mentions_auto_activation("激活"));
        assert!(!mentions_auto_activation("activation on"));
    }

    #[test]
    fn negotiation_mention() {
        assert!(mentions_negotiation("超出部分面议"));
        assert!(mentions_negotiation("Negotiated with the channel manager"));
        assert!(!mentions_negotiation("议价"));
    }

    #[test]
    fn source_end_mention_accepts_the_date_in_common_forms_or_the_word() {
        let end = NaiveDate::from_ymd_opt(2025, 6, 3).unwrap();
        for ok in [
            "与原订单2025-06-03不同",
            "2025/6/3",
            "截至2025.06.03",
            "2025年6月3日",
            "2025年06月03日",
            "服务到期日不同",
            "EXPIRES later",
            "２０２５－０６－０３",
        ] {
            assert!(mentions_source_end(ok, end), "{ok}");
        }
        for bad in ["2025-06-30", "2025-6-30", "12025-06-03", "2025-06-04", "原因：客户要求"] {
            assert!(!mentions_source_end(bad, end), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn remark_tests_never_panic(s in "\\PC{0,200}") {
            let _ = numbers_in(&s);
            let _ = mentions_auto_activation(&s);
            let _ = mentions_negotiation(&s);
            let _ = mentions_source_end(&s, NaiveDate::from_ymd_opt(2025, 6, 3).unwrap());
        }

        #[test]
        fn any_written_quantity_is_found(n in 1u64..=1_000_000, before in "[^0-9０-９]{0,10}", after in "[^0-9０-９,]{0,10}") {
            let remark = format!("{before}{n}{after}");
            prop_assert!(mentions_quantity(&remark, &[n]));
        }
    }
}
