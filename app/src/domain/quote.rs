//! The quote engine (报价): prices license lines against a price book, band by band.
//!
//! Rules (PRODUCT.md §2): progressive tiers like tax brackets, per enterprise and per account kind;
//! a new purchase (新购) or add-on (增购) starts after the accounts of the same kind already active,
//! a renewal (续期) starts at position 1; a band costs `accounts × unit price × months / 12`; a
//! line is rounded once, half-up, to 0.01; tax is per line and only with an invoice. Positions in
//! a tier without a price are negotiated (面议) and counted, not priced.
//!
//! Pure Rust: the browser runs it on every keystroke, the server runs it as the authority.

use super::money::Money;
use super::price_book::{AccountKind, PriceBook, limits};
use super::problem::{Problem, indexed};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Order type (订单类型).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderType {
    /// 新购: a first purchase for the enterprise.
    New,
    /// 增购: more accounts on top of active ones.
    Addon,
    /// 续期: renewing accounts; priced from position 1.
    Renewal,
}

impl OrderType {
    pub const ALL: [OrderType; 3] = [OrderType::New, OrderType::Addon, OrderType::Renewal];

    pub fn code(self) -> &'static str {
        match self {
            OrderType::New => "new",
            OrderType::Addon => "addon",
            OrderType::Renewal => "renewal",
        }
    }

    pub fn from_code(code: &str) -> Option<OrderType> {
        OrderType::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn zh(self) -> &'static str {
        match self {
            OrderType::New => "新购",
            OrderType::Addon => "增购",
            OrderType::Renewal => "续期",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            OrderType::New => "new purchase",
            OrderType::Addon => "add-on",
            OrderType::Renewal => "renewal",
        }
    }

    /// Whether accounts already active shift this purchase's positions.
    pub fn counts_existing(self) -> bool {
        !matches!(self, OrderType::Renewal)
    }
}

/// One line to price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteLineRequest {
    pub kind: AccountKind,
    /// Accounts to buy on this line.
    pub count: u32,
    /// Whole months of service.
    pub months: u32,
    pub order_type: OrderType,
    /// Accounts of this kind the enterprise already has active. Ignored for a renewal.
    #[serde(default)]
    pub existing: u32,
}

/// What to price: lines and whether an invoice is wanted (是否开票).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    pub lines: Vec<QuoteLineRequest>,
    #[serde(default)]
    pub invoice: bool,
}

/// Accounts priced at one tier's unit price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    /// First position of the band (1-based, per enterprise and kind).
    pub from: u32,
    /// Last position of the band, inclusive.
    pub to: u32,
    pub count: u32,
    /// Price per account per year.
    pub unit_price: Money,
    /// `count × unit_price × months / 12`, rounded for display; the line is rounded once from the
    /// exact sum, so displayed bands may differ from the line amount by a fen.
    pub amount: Money,
}

/// A priced line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineQuote {
    pub kind: AccountKind,
    pub order_type: OrderType,
    pub count: u32,
    pub months: u32,
    /// The active accounts this line's positions start after (0 for a renewal).
    pub existing: u32,
    pub bands: Vec<Band>,
    /// Positions of this line whose price is negotiated (面议); they are not in `amount`.
    pub negotiated_accounts: u32,
    pub amount: Money,
    pub tax: Money,
    pub total: Money,
}

/// A priced quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub lines: Vec<LineQuote>,
    pub invoice: bool,
    /// Tax rate used, e.g. `"0.06"`; zero without an invoice.
    pub tax_rate: Decimal,
    pub subtotal: Money,
    pub tax: Money,
    pub total: Money,
    pub negotiated_accounts: u32,
    /// Version of the price book this quote was priced with.
    pub price_book: String,
}

impl LineQuote {
    /// What the priced accounts cost for a full year: Σ count × unit price, exact.
    pub fn annual_amount(&self) -> Decimal {
        self.bands.iter().map(|b| Decimal::from(b.count) * b.unit_price.decimal()).sum()
    }

    /// The line amount before rounding, `annual × months / 12` (to Decimal's 28 digits).
    pub fn exact_amount(&self) -> Decimal {
        self.annual_amount() * Decimal::from(self.months) / Decimal::from(12)
    }

    /// Average price per account per year over the priced accounts, if any.
    pub fn average_yearly_price(&self) -> Option<Money> {
        let priced: u32 = self.bands.iter().map(|b| b.count).sum();
        if priced == 0 {
            return None;
        }
        Some(Money::round_half_up(self.annual_amount() / Decimal::from(priced)))
    }
}

impl PriceBook {
    /// Prices a whole quote, or returns every problem of every line.
    pub fn quote(&self, request: &QuoteRequest) -> Result<Quote, Vec<Problem>> {
        let mut problems = Vec::new();
        if request.lines.is_empty() {
            problems.push(Problem::error(
                "lines",
                "no_lines",
                "请至少填写一行购买明细",
                "Add at least one line to quote",
            ));
        }
        if request.lines.len() > limits::MAX_LINES {
            problems.push(Problem::error(
                "lines",
                "too_many_lines",
                format!("一次最多报价{}行，当前{}行", limits::MAX_LINES, request.lines.len()),
                format!("At most {} lines per quote; this one has {}", limits::MAX_LINES, request.lines.len()),
            ));
        }
        let mut lines = Vec::with_capacity(request.lines.len());
        for (i, line) in request.lines.iter().enumerate() {
            match self.price_line(i, line, request.invoice) {
                Ok(q) => lines.push(q),
                Err(ps) => problems.extend(
                    ps.into_iter().map(|p| p.prefixed(&format!("第{}行：", i + 1), &format!("Line {}: ", i + 1))),
                ),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Quote {
            subtotal: lines.iter().map(|l| l.amount).sum(),
            tax: lines.iter().map(|l| l.tax).sum(),
            total: lines.iter().map(|l| l.total).sum(),
            negotiated_accounts: lines.iter().map(|l| l.negotiated_accounts).sum(),
            tax_rate: if request.invoice { self.tax_rate } else { Decimal::ZERO },
            invoice: request.invoice,
            price_book: self.version.clone(),
            lines,
        })
    }

    /// Checks one line against the rules without pricing it. `index` names the line in field
    /// paths (`lines[index].months`); messages name the field but not the line, so a caller can
    /// put them in its own context (see [`PriceBook::quote`]).
    pub fn check_line(&self, index: usize, line: &QuoteLineRequest) -> Vec<Problem> {
        let mut problems = Vec::new();
        if line.count == 0 || line.count > limits::MAX_COUNT {
            problems.push(Problem::error(
                indexed("lines", index, "count"),
                "count_out_of_range",
                "账号数量应在 1 到 1,000,000 之间",
                "The number of accounts must be between 1 and 1,000,000",
            ));
        }
        if line.months < limits::MIN_MONTHS || line.months > self.max_months {
            problems.push(Problem::error(
                indexed("lines", index, "months"),
                "months_out_of_range",
                format!("购买时长应为 1 到 {} 个整月", self.max_months),
                format!("The term must be 1 to {} whole months", self.max_months),
            ));
        } else if line.order_type == OrderType::New && line.months < self.min_months_new {
            problems.push(Problem::error(
                indexed("lines", index, "months"),
                "months_below_new_minimum",
                format!("新购至少购买{}个月", self.min_months_new),
                format!("A new purchase needs at least {} months", self.min_months_new),
            ));
        }
        if line.order_type.counts_existing() && line.existing > limits::MAX_COUNT {
            problems.push(Problem::error(
                indexed("lines", index, "existing"),
                "existing_out_of_range",
                "已激活账号数应在 0 到 1,000,000 之间",
                "Accounts already active must be between 0 and 1,000,000",
            ));
        }
        problems
    }

    /// Prices one line, band by band.
    pub fn price_line(&self, index: usize, line: &QuoteLineRequest, invoice: bool) -> Result<LineQuote, Vec<Problem>> {
        let problems = self.check_line(index, line);
        if !problems.is_empty() {
            return Err(problems);
        }
        let existing = if line.order_type.counts_existing() { line.existing } else { 0 };
        let first = existing + 1;
        let last = existing + line.count;

        let mut bands = Vec::new();
        let mut negotiated_accounts = 0u32;
        // Σ count × unit price in fen: exact integer arithmetic, divided by 12 only once.
        let mut year_fen: u128 = 0;
        for tier in &self.tiers {
            let from = first.max(tier.from);
            let to = tier.to.map_or(last, |t| t.min(last));
            if from > to {
                continue;
            }
            let count = to - from + 1;
            match tier.price(line.kind) {
                Some(unit_price) => {
                    let band_year_fen = u128::from(count) * fen_u128(unit_price);
                    year_fen += band_year_fen;
                    bands.push(Band { from, to, count, unit_price, amount: pro_rate(band_year_fen, line.months) });
                }
                None => negotiated_accounts += count,
            }
        }

        let amount = pro_rate(year_fen, line.months);
        let tax = if invoice { Money::round_half_up(amount.decimal() * self.tax_rate) } else { Money::ZERO };
        Ok(LineQuote {
            kind: line.kind,
            order_type: line.order_type,
            count: line.count,
            months: line.months,
            existing,
            bands,
            negotiated_accounts,
            amount,
            tax,
            total: amount + tax,
        })
    }

    /// What the next account of `kind` after `position` accounts would cost for `months`
    /// (the marginal price), or `None` when it is in a negotiated tier.
    pub fn marginal_cost(&self, kind: AccountKind, position: u32, months: u32) -> Option<Money> {
        let next = position.checked_add(1)?;
        let price = self.tier_of(next)?.price(kind)?;
        Some(pro_rate(fen_u128(price), months))
    }
}

fn fen_u128(m: Money) -> u128 {
    u128::try_from(m.fen()).expect("unit prices are never negative")
}

/// `year_fen × months / 12` in fen, rounded half-up, as Money.
fn pro_rate(year_fen: u128, months: u32) -> Money {
    let numerator = year_fen * u128::from(months);
    let (q, r) = (numerator / 12, numerator % 12);
    let fen = if r * 2 >= 12 { q + 1 } else { q };
    Money::from_fen(i64::try_from(fen).expect("amount fits in i64 fen"))
}

/// Parses a whole number typed into a form field. `label_zh` / `label_en` name the field in the
/// message (e.g. 账号数量 / number of accounts).
pub fn parse_whole_number(field: &str, text: &str, label_zh: &str, label_en: &str) -> Result<u32, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Problem::error(field, "required", format!("请填写{label_zh}"), format!("Enter the {label_en}")));
    }
    let digits: String = t.chars().filter(|c| *c != ',' && *c != '，').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(Problem::error(
            field,
            "not_a_whole_number",
            format!("{label_zh}应为整数（不含小数、字母或负号）"),
            format!("The {label_en} must be a whole number (no decimals, letters or minus sign)"),
        ));
    }
    digits.parse::<u32>().map_err(|_| {
        Problem::error(field, "number_too_large", format!("{label_zh}过大"), format!("The {label_en} is too large"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(kind: AccountKind, count: u32, months: u32, order_type: OrderType, existing: u32) -> QuoteLineRequest {
        QuoteLineRequest { kind, count, months, order_type, existing }
    }

    fn book() -> PriceBook {
        PriceBook::default_2022()
    }

    fn price(l: QuoteLineRequest, invoice: bool) -> LineQuote {
        book().price_line(0, &l, invoice).expect("valid line")
    }

    #[test]
    fn eight_interop_for_a_year_is_370_in_two_bands() {
        let q = price(line(AccountKind::Interop, 8, 12, OrderType::New, 0), false);
        assert_eq!(q.amount.to_string(), "370.00");
        assert_eq!(q.bands.len(), 2);
        assert_eq!((q.bands[0].from, q.bands[0].to, q.bands[0].count), (1, 5, 5));
        assert_eq!(q.bands[0].unit_price.to_string(), "50.00");
        assert_eq!(q.bands[0].amount.to_string(), "250.00");
        assert_eq!((q.bands[1].from, q.bands[1].to, q.bands[1].count), (6, 8, 3));
        assert_eq!(q.bands[1].amount.to_string(), "120.00");
        assert_eq!(q.tax, Money::ZERO);
        assert_eq!(q.total.to_string(), "370.00");
    }

    #[test]
    fn existing_accounts_shift_a_new_purchase() {
        let q = price(line(AccountKind::Basic, 10, 12, OrderType::New, 3), false);
        assert_eq!(q.amount.to_string(), "42.00");
        assert_eq!((q.bands[0].from, q.bands[0].to), (4, 5));
        assert_eq!((q.bands[1].from, q.bands[1].to), (6, 13));
    }

    #[test]
    fn renewal_starts_at_position_one_whatever_is_active() {
        let q = price(line(AccountKind::Basic, 10, 12, OrderType::Renewal, 3), false);
        assert_eq!(q.existing, 0);
        assert_eq!(q.amount.to_string(), "45.00"); // 5×5 + 5×4
    }

    #[test]
    fn one_basic_account_for_a_year_is_5_as_in_the_seed_order() {
        assert_eq!(price(line(AccountKind::Basic, 1, 12, OrderType::New, 0), false).amount.to_string(), "5.00");
    }

    #[test]
    fn pro_rates_months_and_rounds_once_half_up() {
        // 7 basic for 1 month: (5×5 + 2×4) / 12 = 33/12 = 2.75
        assert_eq!(price(line(AccountKind::Basic, 7, 1, OrderType::Addon, 0), false).amount.to_string(), "2.75");
        // 1 basic for 1 month: 5/12 = 0.41666… → 0.42
        assert_eq!(price(line(AccountKind::Basic, 1, 1, OrderType::Addon, 0), false).amount.to_string(), "0.42");
        // 3 interop for 5 months: 150×5/12 = 62.5 exactly
        assert_eq!(price(line(AccountKind::Interop, 3, 5, OrderType::Addon, 0), false).amount.to_string(), "62.50");
        // two bands each 0.xx5-ish, rounded once on the sum: 1 basic at 5 + 1 at 4 for 1 month = 9/12 = 0.75
        let q = price(line(AccountKind::Basic, 2, 1, OrderType::Addon, 4), false);
        assert_eq!(q.bands[0].amount.to_string(), "0.42");
        assert_eq!(q.bands[1].amount.to_string(), "0.33");
        assert_eq!(q.amount.to_string(), "0.75");
    }

    #[test]
    fn tax_is_per_line_and_only_with_invoice() {
        let q = price(line(AccountKind::Interop, 8, 12, OrderType::New, 0), true);
        assert_eq!(q.tax.to_string(), "22.20");
        assert_eq!(q.total.to_string(), "392.20");
        // 0.42 × 6% = 0.0252 → 0.03
        let q = price(line(AccountKind::Basic, 1, 1, OrderType::Addon, 0), true);
        assert_eq!(q.tax.to_string(), "0.03");
    }

    #[test]
    fn quote_totals_are_sums_of_rounded_lines() {
        let req = QuoteRequest {
            lines: vec![
                line(AccountKind::Basic, 1, 1, OrderType::Addon, 0),
                line(AccountKind::Basic, 1, 1, OrderType::Addon, 0),
                line(AccountKind::Interop, 8, 12, OrderType::New, 0),
            ],
            invoice: true,
        };
        let q = book().quote(&req).unwrap();
        assert_eq!(q.subtotal.to_string(), "370.84");
        assert_eq!(q.tax.to_string(), "22.26");
        assert_eq!(q.total.to_string(), "393.10");
        assert_eq!(q.tax_rate, Decimal::new(6, 2));
        assert_eq!(q.price_book, "2022-05-16");
    }

    #[test]
    fn full_price_table_for_ten_thousand_interop() {
        // 5×50 + 195×40 + 300×30 + 500×20 + 9000×10 = 250 + 7800 + 9000 + 10000 + 90000
        let q = price(line(AccountKind::Interop, 10_000, 12, OrderType::New, 0), false);
        assert_eq!(q.amount.to_string(), "117050.00");
        assert_eq!(q.bands.len(), 5);
        assert_eq!(q.negotiated_accounts, 0);
    }

    #[test]
    fn positions_above_ten_thousand_are_negotiated_not_priced() {
        let q = price(line(AccountKind::Basic, 12_000, 12, OrderType::New, 0), false);
        assert_eq!(q.negotiated_accounts, 2_000);
        assert_eq!(q.amount.to_string(), "11705.00");
        let q = price(line(AccountKind::Basic, 5, 12, OrderType::Addon, 9_998), false);
        assert_eq!(q.negotiated_accounts, 3);
        assert_eq!(q.bands.iter().map(|b| b.count).sum::<u32>(), 2);
    }

    #[test]
    fn rejects_each_invalid_input_with_field_and_code() {
        let b = book();
        let codes = |l: QuoteLineRequest| -> Vec<(String, String)> {
            b.price_line(2, &l, false).unwrap_err().into_iter().map(|p| (p.field, p.code)).collect()
        };
        assert_eq!(
            codes(line(AccountKind::Basic, 0, 12, OrderType::New, 0)),
            [("lines[2].count".into(), "count_out_of_range".into())]
        );
        assert_eq!(
            codes(line(AccountKind::Basic, 1_000_001, 12, OrderType::New, 0)),
            [("lines[2].count".into(), "count_out_of_range".into())]
        );
        assert_eq!(
            codes(line(AccountKind::Basic, 1, 0, OrderType::Addon, 0)),
            [("lines[2].months".into(), "months_out_of_range".into())]
        );
        assert_eq!(
            codes(line(AccountKind::Basic, 1, 61, OrderType::Renewal, 0)),
            [("lines[2].months".into(), "months_out_of_range".into())]
        );
        assert_eq!(
            codes(line(AccountKind::Basic, 1, 11, OrderType::New, 0)),
            [("lines[2].months".into(), "months_below_new_minimum".into())]
        );
        assert_eq!(
            codes(line(AccountKind::Basic, 1, 12, OrderType::New, 1_000_001)),
            [("lines[2].existing".into(), "existing_out_of_range".into())]
        );
        // A renewal ignores `existing`, so its size does not matter.
        assert!(b.price_line(2, &line(AccountKind::Basic, 1, 12, OrderType::Renewal, u32::MAX), false).is_ok());
        // Every problem is reported, not only the first.
        assert_eq!(codes(line(AccountKind::Basic, 0, 0, OrderType::New, 0)).len(), 2);
    }

    #[test]
    fn quote_level_errors() {
        let b = book();
        let empty = QuoteRequest { lines: vec![], invoice: false };
        assert_eq!(b.quote(&empty).unwrap_err()[0].code, "no_lines");
        let many = QuoteRequest { lines: vec![line(AccountKind::Basic, 1, 12, OrderType::New, 0); 51], invoice: false };
        assert_eq!(b.quote(&many).unwrap_err()[0].code, "too_many_lines");
    }

    #[test]
    fn messages_exist_in_both_languages() {
        let req = QuoteRequest { lines: vec![line(AccountKind::Basic, 0, 99, OrderType::New, 0)], invoice: false };
        let ps = book().quote(&req).unwrap_err();
        assert_eq!(ps.len(), 2);
        for p in ps {
            assert!(p.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{p:?}");
            assert!(p.en.is_ascii() && !p.en.is_empty(), "{p:?}");
            assert!(p.zh.contains("第1行") && p.en.contains("Line 1"), "{p:?}");
        }
    }

    #[test]
    fn marginal_cost_follows_the_tier_of_the_next_account() {
        let b = book();
        assert_eq!(b.marginal_cost(AccountKind::Interop, 5, 12), Some(Money::from_fen(4000)));
        assert_eq!(b.marginal_cost(AccountKind::Interop, 4, 12), Some(Money::from_fen(5000)));
        assert_eq!(b.marginal_cost(AccountKind::Basic, 10_000, 12), None);
    }

    #[test]
    fn parse_whole_number_reports_the_field() {
        assert_eq!(parse_whole_number("f", " 1,000 ", "账号数量", "number of accounts"), Ok(1000));
        assert_eq!(parse_whole_number("f", "", "账号数量", "number of accounts").unwrap_err().code, "required");
        assert_eq!(
            parse_whole_number("f", "1.5", "账号数量", "number of accounts").unwrap_err().code,
            "not_a_whole_number"
        );
        assert_eq!(
            parse_whole_number("f", "-3", "账号数量", "number of accounts").unwrap_err().code,
            "not_a_whole_number"
        );
        assert_eq!(
            parse_whole_number("f", "99999999999", "账号数量", "number of accounts").unwrap_err().code,
            "number_too_large"
        );
    }

    fn kinds() -> impl Strategy<Value = AccountKind> {
        prop_oneof![Just(AccountKind::Basic), Just(AccountKind::Interop)]
    }

    proptest! {
        #[test]
        fn splitting_a_purchase_keeps_the_exact_total(kind in kinds(), existing in 0u32..20_000, total in 2u32..15_000, cut in 1u32..15_000, months in 1u32..=60) {
            let cut = cut % (total - 1) + 1; // 1..total
            let whole = price(line(kind, total, months, OrderType::Addon, existing), false);
            let a = price(line(kind, cut, months, OrderType::Addon, existing), false);
            let b = price(line(kind, total - cut, months, OrderType::Addon, existing + cut), false);
            // Same term on both parts, so equal annual sums mean equal amounts before rounding.
            prop_assert_eq!(whole.annual_amount(), a.annual_amount() + b.annual_amount());
            prop_assert_eq!(whole.negotiated_accounts, a.negotiated_accounts + b.negotiated_accounts);
        }

        #[test]
        fn totals_never_decrease_as_count_or_months_grow(kind in kinds(), count in 1u32..20_000, months in 12u32..60, existing in 0u32..5_000, invoice: bool) {
            let base = price(line(kind, count, months, OrderType::New, existing), invoice);
            let more_accounts = price(line(kind, count + 1, months, OrderType::New, existing), invoice);
            let more_months = price(line(kind, count, months + 1, OrderType::New, existing), invoice);
            prop_assert!(more_accounts.total >= base.total);
            prop_assert!(more_months.total >= base.total);
        }

        #[test]
        fn bands_cover_exactly_the_priced_positions(kind in kinds(), count in 1u32..=1_000_000, existing in 0u32..=1_000_000, months in 1u32..=60, renewal: bool) {
            let order_type = if renewal { OrderType::Renewal } else { OrderType::Addon };
            let q = price(line(kind, count, months, order_type, existing), false);
            let banded: u32 = q.bands.iter().map(|b| b.count).sum();
            prop_assert_eq!(banded + q.negotiated_accounts, count);
            let start = if renewal { 1 } else { existing + 1 };
            let mut next = start;
            for band in &q.bands {
                prop_assert_eq!(band.from, next);
                prop_assert_eq!(band.count, band.to - band.from + 1);
                next = band.to + 1;
            }
            prop_assert_eq!(q.amount, Money::round_half_up(q.exact_amount()));
            prop_assert!(q.amount.decimal() - q.exact_amount() <= Decimal::new(5, 3));
        }

        #[test]
        fn tax_is_rounded_rate_of_the_line_amount(kind in kinds(), count in 1u32..3_000, months in 1u32..=60) {
            let q = price(line(kind, count, months, OrderType::Addon, 0), true);
            prop_assert_eq!(q.tax, Money::round_half_up(q.amount.decimal() * Decimal::new(6, 2)));
            prop_assert_eq!(q.total, q.amount + q.tax);
        }
    }
}
