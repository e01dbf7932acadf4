//! The customer's quote form: text as typed, turned into a [`QuoteRequest`] with problems tied to
//! the form's own fields.
//!
//! Shared by the hydrated page (on every keystroke) and the server (the no-JavaScript form post
//! and the first render), so both show the same answer and the same messages.

use super::price_book::{AccountKind, PriceBook};
use super::problem::Problem;
use super::quote::{OrderType, Quote, QuoteLineRequest, QuoteRequest, parse_whole_number};
use serde::{Deserialize, Serialize};

/// Field names of the quote form, also its query-string keys.
pub mod fields {
    pub const BASIC: &str = "basic";
    pub const INTEROP: &str = "interop";
    pub const MONTHS: &str = "months";
    pub const ORDER_TYPE: &str = "order_type";
    pub const EXISTING_BASIC: &str = "existing_basic";
    pub const EXISTING_INTEROP: &str = "existing_interop";
    pub const INVOICE: &str = "invoice";

    /// Every field, in the order the quote page shows them.
    pub const ALL: [&str; 7] = [BASIC, INTEROP, MONTHS, ORDER_TYPE, EXISTING_BASIC, EXISTING_INTEROP, INVOICE];
}

/// What the customer typed. Counts are text so a half-typed value is kept as typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteForm {
    pub basic: String,
    pub interop: String,
    pub months: String,
    pub order_type: OrderType,
    pub existing_basic: String,
    pub existing_interop: String,
    pub invoice: bool,
}

impl Default for QuoteForm {
    /// A first purchase of 10 basic accounts for a year: a real answer before anyone types.
    fn default() -> Self {
        QuoteForm {
            basic: "10".into(),
            interop: "0".into(),
            months: "12".into(),
            order_type: OrderType::New,
            existing_basic: "0".into(),
            existing_interop: "0".into(),
            invoice: false,
        }
    }
}

/// The outcome of evaluating a form: the quote when everything parses and prices, and the
/// problems keyed by form field otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteFormResult {
    pub quote: Option<Quote>,
    pub problems: Vec<Problem>,
}

impl QuoteForm {
    /// Reads a form from query-string / form-post pairs; unknown keys are ignored and missing
    /// ones take the defaults, so an old or hand-made link still opens.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> QuoteForm {
        let mut form = QuoteForm::default();
        let mut invoice_seen = false;
        for (key, value) in pairs {
            match key {
                fields::BASIC => form.basic = value.to_owned(),
                fields::INTEROP => form.interop = value.to_owned(),
                fields::MONTHS => form.months = value.to_owned(),
                fields::ORDER_TYPE => form.order_type = OrderType::from_code(value).unwrap_or(form.order_type),
                fields::EXISTING_BASIC => form.existing_basic = value.to_owned(),
                fields::EXISTING_INTEROP => form.existing_interop = value.to_owned(),
                fields::INVOICE => {
                    invoice_seen = true;
                    form.invoice = matches!(value, "1" | "true" | "on" | "yes");
                }
                _ => {}
            }
        }
        if !invoice_seen {
            form.invoice = false;
        }
        form
    }

    /// Query-string pairs that reproduce this form.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            (fields::BASIC, self.basic.clone()),
            (fields::INTEROP, self.interop.clone()),
            (fields::MONTHS, self.months.clone()),
            (fields::ORDER_TYPE, self.order_type.code().to_owned()),
            (fields::EXISTING_BASIC, self.existing_basic.clone()),
            (fields::EXISTING_INTEROP, self.existing_interop.clone()),
            (fields::INVOICE, if self.invoice { "1" } else { "0" }.to_owned()),
        ]
    }

    /// Parses the form into a request: one line per account kind with a count above zero.
    pub fn to_request(&self) -> Result<QuoteRequest, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut count = |field: &str, text: &str, zh: &str, en: &str, blank_is_zero: bool| -> u32 {
            if blank_is_zero && text.trim().is_empty() {
                return 0;
            }
            parse_whole_number(field, text, zh, en).unwrap_or_else(|p| {
                problems.push(p);
                0
            })
        };
        let basic = count(fields::BASIC, &self.basic, "基础账号数量", "number of basic accounts", true);
        let interop = count(fields::INTEROP, &self.interop, "互通账号数量", "number of interop accounts", true);
        let months = count(fields::MONTHS, &self.months, "购买时长（月）", "term in months", false);
        let counts_existing = self.order_type.counts_existing();
        let existing_basic = if counts_existing {
            count(fields::EXISTING_BASIC, &self.existing_basic, "已激活基础账号数", "active basic accounts", true)
        } else {
            0
        };
        let existing_interop = if counts_existing {
            count(fields::EXISTING_INTEROP, &self.existing_interop, "已激活互通账号数", "active interop accounts", true)
        } else {
            0
        };
        if basic == 0
            && interop == 0
            && !problems.iter().any(|p| p.field == fields::BASIC || p.field == fields::INTEROP)
        {
            problems.push(Problem::error(
                fields::BASIC,
                "no_accounts",
                "请填写基础账号或互通账号的数量",
                "Enter a number of basic or interop accounts",
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let line =
            |kind, count, existing| QuoteLineRequest { kind, count, months, order_type: self.order_type, existing };
        let mut lines = Vec::new();
        if basic > 0 {
            lines.push(line(AccountKind::Basic, basic, existing_basic));
        }
        if interop > 0 {
            lines.push(line(AccountKind::Interop, interop, existing_interop));
        }
        Ok(QuoteRequest { lines, invoice: self.invoice })
    }

    /// Parses and prices the form. Engine problems about a line are moved onto the form field
    /// that line came from, with the account kind in front of count messages.
    pub fn evaluate(&self, book: &PriceBook) -> QuoteFormResult {
        let request = match self.to_request() {
            Ok(r) => r,
            Err(problems) => return QuoteFormResult { quote: None, problems },
        };
        let mut problems = Vec::new();
        for (i, line) in request.lines.iter().enumerate() {
            for p in book.check_line(i, line) {
                problems.push(form_problem(p, line.kind));
            }
        }
        // Both lines share one term: report each months problem once.
        let mut seen = Vec::new();
        problems.retain(|p| {
            let key = (p.field.clone(), p.code.clone());
            let first = !seen.contains(&key);
            seen.push(key);
            first
        });
        if !problems.is_empty() {
            return QuoteFormResult { quote: None, problems };
        }
        match book.quote(&request) {
            Ok(quote) => QuoteFormResult { quote: Some(quote), problems },
            Err(problems) => QuoteFormResult { quote: None, problems },
        }
    }
}

fn form_problem(mut p: Problem, kind: AccountKind) -> Problem {
    let leaf = p.field.rsplit('.').next().unwrap_or("").to_owned();
    let (basic_field, interop_field) = match leaf.as_str() {
        "count" => (fields::BASIC, fields::INTEROP),
        "existing" => (fields::EXISTING_BASIC, fields::EXISTING_INTEROP),
        "months" => {
            p.field = fields::MONTHS.to_owned();
            return p;
        }
        _ => return p,
    };
    p.field = match kind {
        AccountKind::Basic => basic_field,
        AccountKind::Interop => interop_field,
    }
    .to_owned();
    let (zh, en) = match kind {
        AccountKind::Basic => ("基础账号：", "Basic accounts: "),
        AccountKind::Interop => ("互通账号：", "Interop accounts: "),
    };
    p.prefixed(zh, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(basic: &str, interop: &str, months: &str) -> QuoteForm {
        QuoteForm { basic: basic.into(), interop: interop.into(), months: months.into(), ..QuoteForm::default() }
    }

    #[test]
    fn default_form_quotes_ten_basic_for_a_year() {
        let r = QuoteForm::default().evaluate(&PriceBook::default_2022());
        assert!(r.problems.is_empty());
        assert_eq!(r.quote.unwrap().total.to_string(), "45.00");
    }

    #[test]
    fn eight_interop_only() {
        let r = form("", "8", "12").evaluate(&PriceBook::default_2022());
        let q = r.quote.unwrap();
        assert_eq!(q.lines.len(), 1);
        assert_eq!(q.total.to_string(), "370.00");
    }

    #[test]
    fn problems_land_on_form_fields() {
        let book = PriceBook::default_2022();
        let r = form("abc", "3", "12").evaluate(&book);
        assert_eq!(r.problems[0].field, "basic");
        assert_eq!(r.problems[0].code, "not_a_whole_number");

        let r = form("1", "2000000", "6").evaluate(&book);
        let fields: Vec<_> = r.problems.iter().map(|p| (p.field.as_str(), p.code.as_str())).collect();
        assert_eq!(fields, [("months", "months_below_new_minimum"), ("interop", "count_out_of_range")]);
        assert!(r.problems[1].zh.starts_with("互通账号："));

        let r = form("0", "", "12").evaluate(&book);
        assert_eq!(r.problems[0].code, "no_accounts");
        let r = form("1", "", "").evaluate(&book);
        assert_eq!((r.problems[0].field.as_str(), r.problems[0].code.as_str()), ("months", "required"));
    }

    #[test]
    fn renewal_ignores_existing_accounts() {
        let f = QuoteForm { order_type: OrderType::Renewal, existing_basic: "junk".into(), ..QuoteForm::default() };
        let r = f.evaluate(&PriceBook::default_2022());
        assert!(r.problems.is_empty(), "{:?}", r.problems);
    }

    #[test]
    fn pairs_round_trip() {
        let f = QuoteForm { interop: "8".into(), invoice: true, order_type: OrderType::Addon, ..QuoteForm::default() };
        let pairs = f.to_pairs();
        let back = QuoteForm::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, f);
        assert!(!QuoteForm::from_pairs([("basic", "3")]).invoice);
    }
}
