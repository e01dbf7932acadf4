//! The priced contract: each line's quote from the engine, its negotiated amount (面议金额) where
//! there is one, tax and totals. The server stores this, recomputed from the draft (client amounts
//! are never trusted); the browser shows the same numbers.

use super::rules::ParsedLine;
use crate::domain::money::Money;
use crate::domain::period::ServicePeriod;
use crate::domain::price_book::{AccountKind, PriceBook};
use crate::domain::quote::LineQuote;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One priced line (产品管理 row): 报价金额, 税, 价格合计.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractLineQuote {
    pub kind: AccountKind,
    pub period: ServicePeriod,
    /// 是否开票.
    pub invoice: bool,
    /// The engine's quote: bands, instant-priced amount, accounts left to negotiation.
    pub quote: LineQuote,
    /// The amount agreed for the negotiated accounts, when the line has some and it is entered.
    pub negotiated_amount: Option<Money>,
    /// 报价金额: the instant-priced amount plus the negotiated amount.
    pub amount: Money,
    /// 税: `round_half_up(amount × rate)` with an invoice, else zero.
    pub tax: Money,
    /// 价格合计.
    pub total: Money,
}

impl ContractLineQuote {
    /// Whether the line still waits for its negotiated amount.
    pub fn awaits_negotiation(&self) -> bool {
        self.quote.negotiated_accounts > 0 && self.negotiated_amount.is_none()
    }
}

/// The priced contract: 小计 and 合计 in CNY, sums of the rounded lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractQuote {
    pub lines: Vec<ContractLineQuote>,
    pub subtotal: Money,
    pub tax: Money,
    pub total: Money,
    /// Accounts in negotiated tiers over all lines.
    pub negotiated_accounts: u32,
    /// The book's tax rate, applied to lines with an invoice.
    pub tax_rate: Decimal,
    /// Version of the price book the lines were priced with.
    pub price_book: String,
    /// User ID数量与实际购买接口数量是否一致, as computed from the userid sheet when there is one,
    /// else as answered.
    pub userid_count_matches: Option<bool>,
}

impl ContractQuote {
    /// Whether every negotiated account has its amount, so the total is final.
    pub fn is_complete(&self) -> bool {
        !self.lines.iter().any(ContractLineQuote::awaits_negotiation)
    }
}

/// Builds the priced contract from lines the rules parsed and priced; `None` when there is no line
/// or one is not priced.
pub(super) fn assemble_quote(
    lines: &[ParsedLine],
    book: &PriceBook,
    userid_count_matches: Option<bool>,
) -> Option<ContractQuote> {
    if lines.is_empty() {
        return None;
    }
    let lines = lines
        .iter()
        .map(|l| {
            let quote = l.quote.clone()?;
            let invoice = l.invoice.unwrap_or(false);
            // An amount typed on a line without negotiated accounts is ignored, never added.
            let negotiated_amount = l.negotiated.filter(|_| quote.negotiated_accounts > 0);
            let amount = quote.amount + negotiated_amount.unwrap_or(Money::ZERO);
            let tax = if invoice { Money::round_half_up(amount.decimal() * book.tax_rate) } else { Money::ZERO };
            Some(ContractLineQuote {
                kind: quote.kind,
                period: l.period?,
                invoice,
                quote,
                negotiated_amount,
                amount,
                tax,
                total: amount + tax,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(ContractQuote {
        subtotal: lines.iter().map(|l| l.amount).sum(),
        tax: lines.iter().map(|l| l.tax).sum(),
        total: lines.iter().map(|l| l.total).sum(),
        negotiated_accounts: lines.iter().map(|l| l.quote.negotiated_accounts).sum(),
        tax_rate: book.tax_rate,
        price_book: book.version.clone(),
        userid_count_matches,
        lines,
    })
}
