//! The price book (价格表): tiered unit prices per account kind, as versioned data.
//!
//! WeCom may change its prices with notice, so prices are data with an effective date that admins
//! edit, never constants in the pricing code. The default below is the seed's table, effective
//! 2022-05-16. A quote records the version it was priced with.

use super::money::Money;
use super::problem::{Problem, indexed};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The kind of interface license account. 互通账号 (interop) includes the basic interfaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// 基础账号: calls the basic interfaces.
    Basic,
    /// 互通账号: calls the basic and the interop (customer contact) interfaces.
    Interop,
}

impl AccountKind {
    pub const ALL: [AccountKind; 2] = [AccountKind::Basic, AccountKind::Interop];

    pub fn code(self) -> &'static str {
        match self {
            AccountKind::Basic => "basic",
            AccountKind::Interop => "interop",
        }
    }

    pub fn from_code(code: &str) -> Option<AccountKind> {
        AccountKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Name of the account kind, 基础账号 / 互通账号.
    pub fn zh(self) -> &'static str {
        match self {
            AccountKind::Basic => "基础账号",
            AccountKind::Interop => "互通账号",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            AccountKind::Basic => "basic account",
            AccountKind::Interop => "interop account",
        }
    }
}

/// One tier of positions `from..=to` (`to = None`: and above) with a unit price per account per
/// year for each kind; `None` means the price is negotiated (面议), not quoted instantly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub from: u32,
    pub to: Option<u32>,
    pub basic: Option<Money>,
    pub interop: Option<Money>,
}

impl Tier {
    pub fn price(&self, kind: AccountKind) -> Option<Money> {
        match kind {
            AccountKind::Basic => self.basic,
            AccountKind::Interop => self.interop,
        }
    }

    pub fn contains(&self, position: u32) -> bool {
        position >= self.from && self.to.is_none_or(|to| position <= to)
    }
}

/// A version of the price book with its quoting rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBook {
    /// Unique label of this version, recorded on every quote and order priced with it.
    pub version: String,
    #[serde(with = "super::as_text::date")]
    pub effective_from: NaiveDate,
    /// Contiguous tiers starting at position 1; the last one is open-ended.
    pub tiers: Vec<Tier>,
    /// Shortest term of a new purchase (新购), in months.
    pub min_months_new: u32,
    /// Longest term of any line, in months.
    pub max_months: u32,
    /// Tax rate applied per line when an invoice is requested (是否开票), e.g. 0.06; as text, like
    /// every amount.
    #[serde(with = "super::as_text::decimal")]
    pub tax_rate: Decimal,
}

/// Hard limits of a single quote, independent of the price book.
pub mod limits {
    /// Accounts on one line (and accounts already active): 1 to 1,000,000.
    pub const MAX_COUNT: u32 = 1_000_000;
    /// Lines in one quote or order.
    pub const MAX_LINES: usize = 50;
    /// Shortest term of any line.
    pub const MIN_MONTHS: u32 = 1;
    /// Longest term a price book may allow.
    pub const MAX_MONTHS_CEILING: u32 = 120;
}

impl PriceBook {
    /// The seed's price book, effective 2022-05-16.
    pub fn default_2022() -> PriceBook {
        let tier = |from, to, basic: i64, interop: i64| Tier {
            from,
            to,
            basic: Some(Money::from_fen(basic * 100)),
            interop: Some(Money::from_fen(interop * 100)),
        };
        PriceBook {
            version: "2022-05-16".to_owned(),
            effective_from: NaiveDate::from_ymd_opt(2022, 5, 16).expect("valid date"),
            tiers: vec![
                tier(1, Some(5), 5, 50),
                tier(6, Some(200), 4, 40),
                tier(201, Some(500), 3, 30),
                tier(501, Some(1000), 2, 20),
                tier(1001, Some(10_000), 1, 10),
                Tier { from: 10_001, to: None, basic: None, interop: None },
            ],
            min_months_new: 12,
            max_months: 60,
            tax_rate: Decimal::new(6, 2),
        }
    }

    /// Checks the book is usable: tiers contiguous from 1, only the last open-ended, prices with at
    /// most two decimals and not negative, sensible month limits and tax rate.
    pub fn validate(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.version.trim().is_empty() || self.version.chars().count() > 40 {
            problems.push(Problem::error(
                "version",
                "version_invalid",
                "价格表版本号不能为空，且不超过40个字符",
                "The price book version must be 1 to 40 characters",
            ));
        }
        if self.tiers.is_empty() {
            problems.push(Problem::error(
                "tiers",
                "tiers_empty",
                "价格表至少需要一个阶梯",
                "The price book needs at least one tier",
            ));
        }
        let mut expected_from = 1u32;
        for (i, tier) in self.tiers.iter().enumerate() {
            let last = i + 1 == self.tiers.len();
            if tier.from != expected_from {
                problems.push(Problem::error(
                    indexed("tiers", i, "from"),
                    "tiers_not_contiguous",
                    format!("第{}档应从第{}个账号开始，阶梯必须连续", i + 1, expected_from),
                    format!("Tier {} must start at position {expected_from}: tiers must be contiguous", i + 1),
                ));
            }
            match tier.to {
                Some(to) if to < tier.from => problems.push(Problem::error(
                    indexed("tiers", i, "to"),
                    "tier_end_before_start",
                    format!("第{}档的结束位置不能小于开始位置", i + 1),
                    format!("Tier {} ends before it starts", i + 1),
                )),
                Some(_) if last => problems.push(Problem::error(
                    indexed("tiers", i, "to"),
                    "last_tier_closed",
                    format!("最后一档应不设上限（第{}个账号及以上）", tier.from),
                    format!("The last tier must be open-ended ({} and above)", tier.from),
                )),
                None if !last => problems.push(Problem::error(
                    indexed("tiers", i, "to"),
                    "tier_open_not_last",
                    format!("只有最后一档可以不设上限，第{}档需要结束位置", i + 1),
                    format!("Only the last tier may be open-ended; tier {} needs an end", i + 1),
                )),
                _ => {}
            }
            expected_from = tier.to.map_or(expected_from, |to| to.saturating_add(1));
            for kind in AccountKind::ALL {
                if let Some(price) = tier.price(kind) {
                    if price.decimal().is_sign_negative() || price.decimal() > Decimal::from(1_000_000) {
                        problems.push(Problem::error(
                            indexed("tiers", i, kind.code()),
                            "price_out_of_range",
                            format!("第{}档{}单价应在 0 到 1,000,000 元之间", i + 1, kind.zh()),
                            format!("Tier {} {} price must be between 0 and 1,000,000", i + 1, kind.en()),
                        ));
                    }
                }
            }
        }
        if self.max_months < limits::MIN_MONTHS || self.max_months > limits::MAX_MONTHS_CEILING {
            problems.push(Problem::error(
                "max_months",
                "max_months_invalid",
                format!("最长购买月数应在 1 到 {} 之间", limits::MAX_MONTHS_CEILING),
                format!("The longest term must be 1 to {} months", limits::MAX_MONTHS_CEILING),
            ));
        }
        if self.min_months_new < limits::MIN_MONTHS || self.min_months_new > self.max_months {
            problems.push(Problem::error(
                "min_months_new",
                "min_months_new_invalid",
                "新购最短月数应在 1 到最长购买月数之间",
                "The minimum term of a new purchase must be between 1 and the longest term",
            ));
        }
        if self.tax_rate.is_sign_negative() || self.tax_rate >= Decimal::ONE || self.tax_rate.scale() > 4 {
            problems.push(Problem::error(
                "tax_rate",
                "tax_rate_invalid",
                "税率应在 0 到 100% 之间，最多保留两位小数的百分比（如 6%）",
                "The tax rate must be between 0 and 100% with at most two decimals of a percent (e.g. 6%)",
            ));
        }
        problems
    }

    /// The tier a position falls in.
    pub fn tier_of(&self, position: u32) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.contains(position))
    }

    /// First position whose price is negotiated for `kind`, if any.
    pub fn negotiated_from(&self, kind: AccountKind) -> Option<u32> {
        self.tiers.iter().find(|t| t.price(kind).is_none()).map(|t| t.from)
    }
}

/// Picks the price book in effect on `date`: the latest effective date not after it.
pub fn effective_on(books: &[PriceBook], date: NaiveDate) -> Option<&PriceBook> {
    books.iter().filter(|b| b.effective_from <= date).max_by_key(|b| (b.effective_from, b.version.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_book_is_valid_and_matches_seed() {
        let book = PriceBook::default_2022();
        assert!(book.validate().is_empty(), "{:?}", book.validate());
        assert_eq!(book.tier_of(5).unwrap().interop, Some(Money::from_fen(5000)));
        assert_eq!(book.tier_of(6).unwrap().basic, Some(Money::from_fen(400)));
        assert_eq!(book.tier_of(10_000).unwrap().interop, Some(Money::from_fen(1000)));
        assert_eq!(book.tier_of(10_001).unwrap().basic, None);
        assert_eq!(book.negotiated_from(AccountKind::Interop), Some(10_001));
    }

    #[test]
    fn validate_catches_gaps_open_middle_and_bad_rates() {
        let mut book = PriceBook::default_2022();
        book.tiers[1].from = 7;
        book.tiers[2].to = None;
        book.tax_rate = Decimal::new(15, 1);
        let codes: Vec<_> = book.validate().into_iter().map(|p| p.code).collect();
        assert!(codes.contains(&"tiers_not_contiguous".to_owned()), "{codes:?}");
        assert!(codes.contains(&"tier_open_not_last".to_owned()), "{codes:?}");
        assert!(codes.contains(&"tax_rate_invalid".to_owned()), "{codes:?}");
    }

    #[test]
    fn effective_on_picks_latest_started_book() {
        let old = PriceBook::default_2022();
        let mut new = PriceBook::default_2022();
        new.version = "2027-01-01".into();
        new.effective_from = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let books = vec![old, new];
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(effective_on(&books, d(2026, 12, 31)).unwrap().version, "2022-05-16");
        assert_eq!(effective_on(&books, d(2027, 1, 1)).unwrap().version, "2027-01-01");
        assert!(effective_on(&books, d(2022, 5, 15)).is_none());
    }
}
