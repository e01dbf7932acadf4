//! A draft as typed values ([`TypedDraft`]): what [`super::validate_save`] returns once the save
//! rules pass, from the one parse those rules make. The server stores it as it is (a plain
//! mapping to columns) and prices it from its parsed lines, never reading the text again.

use super::draft::{AttachmentId, ContractDraft, DraftLine, SheetFacts, SourceOrder, UserRef};
use super::fields::{CrmManagementType, DocumentNumber, LeaseUrl, PaymentMethod, ProductKind};
use super::pricing::{ContractQuote, assemble_quote};
use super::rules::{Checker, Level, Parsed, ParsedLine, Purchased, quantity_in_range, userid_count_answer};
use crate::domain::ids::{CorpId, trim_all};
use crate::domain::money::Money;
use crate::domain::price_book::PriceBook;
use crate::domain::problem::Problem;
use crate::domain::quote::OrderType;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The source order (选择源单) as typed values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypedSource {
    None,
    /// An earlier contract here, with its service end (filled in by the server from the stored one).
    Contract {
        contract_id: i64,
        document_number: Option<DocumentNumber>,
        service_end: Option<NaiveDate>,
    },
    /// An external CRM order: its number (trimmed) and service end date, when given.
    External {
        order_number: String,
        service_end: Option<NaiveDate>,
    },
}

/// One product line as typed values; `None` where the line is not filled in yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedLine {
    pub kind: Option<ProductKind>,
    pub quantity: Option<u32>,
    pub service_start: Option<NaiveDate>,
    pub service_end: Option<NaiveDate>,
    pub invoice: Option<bool>,
    pub negotiated_amount: Option<Money>,
    pub description: String,
}

/// A draft that may be saved, as typed values. Free text is trimmed (the remark and line
/// descriptions are kept as typed); what is not filled in is `None`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedDraft {
    /// 最终用户, trimmed.
    pub end_customer: String,
    /// 负责人; the server fills in the creator when none is chosen.
    pub owner: Option<UserRef>,
    /// 选择源单, with an external order's end date parsed.
    pub source: TypedSource,
    /// 企业微信ID, parsed (lower-case) when filled in.
    pub corp_id: Option<CorpId>,
    /// 企业名称, trimmed.
    pub corp_name: String,
    /// The choices from lists, as chosen.
    pub crm_type: Option<CrmManagementType>,
    /// 租赁的账号URL, parsed when filled in.
    pub lease_url: Option<LeaseUrl>,
    pub payment_method: Option<PaymentMethod>,
    pub order_type: Option<OrderType>,
    /// The yes/no answers, as given.
    pub auto_activation: Option<bool>,
    pub userid_count_matches: Option<bool>,
    pub order_quantity_matches: Option<bool>,
    /// 安装的应用, trimmed.
    pub installed_app: String,
    /// 企业微信API接口到期日, parsed when filled in.
    pub api_expiry_date: Option<NaiveDate>,
    /// 备注, as typed (line breaks and spacing are the partner's).
    pub remark: String,
    pub payment_voucher: Option<AttachmentId>,
    pub userid_sheet: Option<AttachmentId>,
    /// Active accounts as entered (`None` when blank).
    pub existing_basic: Option<u32>,
    pub existing_interop: Option<u32>,
    pub flow_id: Option<i64>,
    pub lines: Vec<TypedLine>,
}

impl TypedDraft {
    /// Builds the typed values from what the rules parsed (the rules passed, so every filled-in
    /// value parsed).
    pub(super) fn of(d: &ContractDraft, parsed: &Parsed) -> TypedDraft {
        let source = match &d.source_order {
            SourceOrder::None => TypedSource::None,
            SourceOrder::Contract { contract_id, document_number, service_end } => TypedSource::Contract {
                contract_id: *contract_id,
                document_number: *document_number,
                service_end: *service_end,
            },
            SourceOrder::External { order_number, .. } => TypedSource::External {
                order_number: trim_all(order_number).to_owned(),
                service_end: parsed.source_end,
            },
        };
        TypedDraft {
            end_customer: trim_all(&d.end_customer).to_owned(),
            owner: d.owner,
            source,
            corp_id: parsed.corp_id.clone(),
            corp_name: trim_all(&d.corp_name).to_owned(),
            crm_type: d.crm_type,
            lease_url: parsed.lease_url.clone(),
            payment_method: d.payment_method,
            order_type: d.order_type,
            auto_activation: d.auto_activation,
            userid_count_matches: d.userid_count_matches,
            order_quantity_matches: d.order_quantity_matches,
            installed_app: trim_all(&d.installed_app).to_owned(),
            api_expiry_date: parsed.api_expiry,
            remark: d.remark.clone(),
            payment_voucher: d.payment_voucher,
            userid_sheet: d.userid_sheet,
            existing_basic: parsed.entered_basic,
            existing_interop: parsed.entered_interop,
            flow_id: d.approval.flow_id,
            lines: d.lines.iter().zip(&parsed.lines).map(|(line, p)| TypedLine::of(line, p)).collect(),
        }
    }

    /// The price of the lines when all of them can be priced (the same answer as
    /// [`super::price_draft`] gives for the draft), from the parsed values.
    pub fn price(&self, book: &PriceBook, sheet: Option<&SheetFacts>) -> Option<ContractQuote> {
        let order_type = self.order_type?;
        let counts_existing = order_type.counts_existing();
        let existing = |n: Option<u32>| match counts_existing {
            false => Some(0),
            true => Some(n.unwrap_or(0)).filter(|n| *n <= crate::domain::price_book::limits::MAX_COUNT),
        };
        let parsed = Parsed {
            existing_basic: Some(existing(self.existing_basic)?),
            existing_interop: Some(existing(self.existing_interop)?),
            ..Parsed::default()
        };
        let mut c = Checker::new(Level::Price);
        let mut lines = Vec::with_capacity(self.lines.len());
        for (i, l) in self.lines.iter().enumerate() {
            let mut pl = ParsedLine {
                kind: l.kind,
                quantity: Some(l.quantity.filter(|q| quantity_in_range(*q))?),
                start: l.service_start,
                end: l.service_end,
                invoice: l.invoice,
                negotiated: l.negotiated_amount,
                ..ParsedLine::default()
            };
            c.price_line(i, &mut pl, Some(order_type), Some(book), &parsed);
            lines.push(pl);
        }
        if c.problems.iter().any(Problem::is_error) {
            return None;
        }
        assemble_quote(&lines, book, self.userid_count_matches_with(sheet))
    }

    /// The accounts bought, when every line has a product and a quantity.
    pub fn purchased(&self) -> Option<Purchased> {
        Purchased::sum(self.lines.iter().map(|l| (l.kind, l.quantity)))
    }

    /// The answer to 「User ID数量与实际购买接口数量是否一致」 that counts (see
    /// [`super::userid_count_matches_of`]).
    pub fn userid_count_matches_with(&self, sheet: Option<&SheetFacts>) -> Option<bool> {
        userid_count_answer(sheet, self.purchased(), self.userid_count_matches)
    }

    /// The corp ID as stored (empty when not filled in).
    pub fn corp_id_text(&self) -> String {
        self.corp_id.as_ref().map(CorpId::to_string).unwrap_or_default()
    }
}

impl TypedLine {
    fn of(line: &DraftLine, p: &ParsedLine) -> TypedLine {
        TypedLine {
            kind: p.kind,
            quantity: p.quantity,
            service_start: p.start,
            service_end: p.end,
            invoice: p.invoice,
            negotiated_amount: p.negotiated,
            description: line.description.clone(),
        }
    }
}
