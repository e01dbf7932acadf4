//! The rules of the order contract, in two levels:
//!
//! - **save** ([`validate_save`]): only what would corrupt stored data — lengths, control
//!   characters, the format of what is filled in, the number of lines. A draft may be incomplete.
//! - **submit** ([`validate_submit`]): everything the seed marks `*`, and rules 1–6 of PRODUCT.md §3,
//!   with the lines priced through the quote engine.
//!
//! Both return every problem at once, each tied to a field path (`lines[2].service_end`). Messages
//! about a line start with 第n行 / Line n. [`submit`] turns a clean draft into typed values plus its
//! priced result, which is what the server stores.
//!
//! Here the levels and the checks field by field and line by line; `cross_field` holds the submit
//! rules that weigh fields against each other, the remark and the userid sheet.

use super::draft::{ContractDraft, DraftLine, SheetFacts, SourceOrder};
use super::fields::{CrmManagementType, LeaseUrl, PaymentMethod, clip, labels, labels::Label, max_len, paths};
use super::pricing::{ContractQuote, assemble_quote};
use super::typed::TypedDraft;
use crate::domain::ids::{CorpId, trim_all};
use crate::domain::money::Money;
use crate::domain::period::{ServicePeriod, half_width, parse_date_field};
use crate::domain::price_book::{AccountKind, PriceBook, limits};
use crate::domain::problem::{Problem, indexed};
use crate::domain::quote::{LineQuote, OrderType, QuoteLineRequest, parse_whole_number};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod cross_field;

pub use cross_field::{Purchased, userid_count_answer, userid_count_matches, userid_count_matches_of};

/// What the submit rules need besides the draft: data the server holds and the browser was sent.
#[derive(Clone, Copy, Debug)]
pub struct SubmitContext<'a> {
    /// The price book in effect, to price the lines.
    pub book: &'a PriceBook,
    /// The admin-kept list of apps (安装的应用) a contract may name.
    pub installed_apps: &'a [String],
    /// The userid sheet as read, when one is attached.
    pub sheet: Option<&'a SheetFacts>,
}

/// A draft that passed every submit rule, as typed values, with its priced result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub corp_id: CorpId,
    pub crm_type: CrmManagementType,
    pub payment_method: PaymentMethod,
    pub order_type: OrderType,
    pub lease_url: Option<LeaseUrl>,
    pub api_expiry_date: Option<NaiveDate>,
    /// The source order's service end date, when there is a source order.
    pub source_service_end: Option<NaiveDate>,
    /// Active accounts the new / add-on lines were priced after (0 for a renewal).
    pub existing_basic: u32,
    pub existing_interop: u32,
    pub quote: ContractQuote,
    /// Problems that do not stop submission.
    pub warnings: Vec<Problem>,
    /// The whole draft as typed values, from the same parse: what is stored.
    pub values: TypedDraft,
}

/// Checks a draft for saving and returns it as typed values ([`TypedDraft`]: what is stored), or
/// every problem that stops it from being saved. The draft is parsed once, here.
pub fn validate_save(draft: &ContractDraft) -> Result<TypedDraft, Vec<Problem>> {
    let mut c = Checker::new(Level::Save);
    let parsed = c.run(draft, None);
    if c.problems.iter().any(Problem::is_error) {
        return Err(c.problems);
    }
    Ok(TypedDraft::of(draft, &parsed))
}

/// The problems [`validate_save`] finds (none when the draft may be saved), for showing as you type.
pub fn save_problems(draft: &ContractDraft) -> Vec<Problem> {
    validate_save(draft).err().unwrap_or_default()
}

/// Problems that stop a draft from being submitted for approval (errors), and things worth a
/// second look (warnings). Includes everything [`validate_save`] finds.
pub fn validate_submit(draft: &ContractDraft, ctx: &SubmitContext) -> Vec<Problem> {
    let mut c = Checker::new(Level::Submit);
    c.run(draft, Some(ctx));
    c.problems
}

/// Validates for submission and, when there is no error, returns the typed contract and its price.
/// On failure every problem is returned, warnings included.
pub fn submit(draft: &ContractDraft, ctx: &SubmitContext) -> Result<Submission, Vec<Problem>> {
    let mut c = Checker::new(Level::Submit);
    let parsed = c.run(draft, Some(ctx));
    if c.problems.iter().any(Problem::is_error) {
        return Err(c.problems);
    }
    let values = TypedDraft::of(draft, &parsed);
    let built = (|| {
        let quote = assemble_quote(&parsed.lines, ctx.book, userid_count_matches_of(draft, ctx.sheet))?;
        Some(Submission {
            existing_basic: parsed.existing_of(AccountKind::Basic).unwrap_or(0),
            existing_interop: parsed.existing_of(AccountKind::Interop).unwrap_or(0),
            corp_id: parsed.corp_id?,
            crm_type: draft.crm_type?,
            payment_method: draft.payment_method?,
            order_type: draft.order_type?,
            lease_url: parsed.lease_url,
            api_expiry_date: parsed.api_expiry,
            source_service_end: draft.source_service_end(),
            quote,
            warnings: c.problems,
            values,
        })
    })();
    // Every value above is checked by the rules; a gap would be a bug in them, reported not hidden.
    built.ok_or_else(|| {
        vec![Problem::error(
            "",
            "internal_inconsistency",
            "校验结果不完整，请刷新后重试",
            "Validation was incomplete; reload and retry",
        )]
    })
}

/// Parses and prices the lines only, for showing amounts while the form is still being filled in:
/// needs the order type, the active counts and complete lines, nothing else. A negotiated line
/// without its amount is priced without it.
pub fn price_draft(
    draft: &ContractDraft,
    book: &PriceBook,
    sheet: Option<&SheetFacts>,
) -> Result<ContractQuote, Vec<Problem>> {
    let mut c = Checker::new(Level::Price);
    let parsed = c.run_lines_only(draft, book);
    if c.problems.iter().any(Problem::is_error) {
        return Err(c.problems);
    }
    assemble_quote(&parsed.lines, book, userid_count_matches_of(draft, sheet)).ok_or_else(|| {
        vec![Problem::error(paths::LINES, "no_lines", "请至少填写一行产品明细", "Add at least one product line")]
    })
}

/// Reads a line quantity: a whole number, optionally with thousands separators or a zero fraction
/// (the old order system prints `1.00`). Full-width digits are accepted.
pub fn parse_quantity(field: &str, text: &str) -> Result<u32, Problem> {
    let t: String = trim_all(text).chars().map(half_width).collect();
    let t = match t.split_once('.') {
        Some((int, frac)) if !int.is_empty() && !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
        _ => t.as_str(),
    };
    parse_whole_number(field, t, labels::QUANTITY.0, labels::QUANTITY.1)
}

/// A line's quantity as pricing accepts it: 1 to 1,000,000.
pub(super) fn quantity_in_range(q: u32) -> bool {
    q != 0 && q <= limits::MAX_COUNT
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Level {
    Save,
    /// Only what pricing the lines needs.
    Price,
    Submit,
}

/// What the rules parsed, for later rules, for pricing and for [`TypedDraft`].
#[derive(Default)]
pub(super) struct Parsed {
    pub corp_id: Option<CorpId>,
    pub lease_url: Option<LeaseUrl>,
    pub api_expiry: Option<NaiveDate>,
    /// An external source order's service end date.
    pub source_end: Option<NaiveDate>,
    /// The active counts as pricing uses them (blank is 0; a renewal counts none).
    pub existing_basic: Option<u32>,
    pub existing_interop: Option<u32>,
    /// The active counts as entered (`None` when blank).
    pub entered_basic: Option<u32>,
    pub entered_interop: Option<u32>,
    pub lines: Vec<ParsedLine>,
}

impl Parsed {
    pub(super) fn existing_of(&self, kind: AccountKind) -> Option<u32> {
        match kind {
            AccountKind::Basic => self.existing_basic,
            AccountKind::Interop => self.existing_interop,
        }
    }
}

/// One line as far as it parsed.
#[derive(Clone, Debug, Default)]
pub(super) struct ParsedLine {
    pub kind: Option<AccountKind>,
    pub quantity: Option<u32>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub period: Option<ServicePeriod>,
    pub invoice: Option<bool>,
    pub negotiated: Option<Money>,
    pub quote: Option<LineQuote>,
}

pub(super) struct Checker {
    level: Level,
    pub problems: Vec<Problem>,
}

impl Checker {
    pub(super) fn new(level: Level) -> Checker {
        Checker { level, problems: Vec::new() }
    }

    fn submit(&self) -> bool {
        self.level == Level::Submit
    }

    /// Whether values needed for pricing are required (pricing and submission).
    fn prices(&self) -> bool {
        self.level != Level::Save
    }

    fn push(&mut self, p: Problem) {
        self.problems.push(p);
    }

    fn required(&mut self, field: &str, (zh, en): Label) {
        self.push(Problem::error(field, "required", format!("请填写{zh}"), format!("Enter the {en}")));
    }

    fn choose(&mut self, field: &str, (zh, en): Label) {
        self.push(Problem::error(field, "required", format!("请选择{zh}"), format!("Choose the {en}")));
    }

    /// Checks a text for control characters and length; with `required`, also that it is filled
    /// in. Returns the trimmed text when it is filled in and fine.
    fn text<'d>(&mut self, field: &str, value: &'d str, label: Label, max: usize, required: bool) -> Option<&'d str> {
        let (zh, en) = label;
        if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            self.push(Problem::error(
                field,
                "control_character",
                format!("{zh}中含有不可见的控制字符，请删除后重试"),
                format!("The {en} contains an invisible control character; remove it"),
            ));
            return None;
        }
        let len = value.chars().count();
        if len > max {
            self.push(Problem::error(
                field,
                "too_long",
                format!("{zh}最多{max}个字符，当前{len}个"),
                format!("The {en} is at most {max} characters; it has {len}"),
            ));
            return None;
        }
        let t = trim_all(value);
        if t.is_empty() {
            if required {
                self.required(field, label);
            }
            return None;
        }
        Some(t)
    }

    /// A one-value field (number, date, ID) checked like [`Checker::text`] with the short limit.
    fn short<'d>(&mut self, field: &str, value: &'d str, label: Label, required: bool) -> Option<&'d str> {
        self.text(field, value, label, max_len::SHORT, required)
    }

    fn date(&mut self, field: &str, value: &str, label: Label, required: bool) -> Option<NaiveDate> {
        let t = self.short(field, value, label, required)?;
        parse_date_field(field, t, label.0, label.1).map_err(|p| self.push(p)).ok()
    }

    fn run(&mut self, d: &ContractDraft, ctx: Option<&SubmitContext>) -> Parsed {
        let mut parsed = Parsed::default();
        let submit = self.submit();

        self.text(paths::END_CUSTOMER, &d.end_customer, labels::END_CUSTOMER, max_len::NAME, submit);
        if submit && d.owner.is_none() {
            self.choose(paths::OWNER, labels::OWNER);
        }
        if let SourceOrder::External { order_number, service_end } = &d.source_order {
            self.text(
                paths::SOURCE_ORDER_NUMBER,
                order_number,
                labels::SOURCE_ORDER_NUMBER,
                max_len::ORDER_NUMBER,
                submit,
            );
            parsed.source_end = self.date(paths::SOURCE_ORDER_END, service_end, labels::SOURCE_ORDER_END, submit);
        }
        if let Some(t) = self.short(paths::CORP_ID, &d.corp_id, labels::CORP_ID, submit) {
            parsed.corp_id = CorpId::parse(paths::CORP_ID, t).map_err(|p| self.push(p)).ok();
        }
        self.text(paths::CORP_NAME, &d.corp_name, labels::CORP_NAME, max_len::NAME, submit);
        if submit && d.crm_type.is_none() {
            self.choose(paths::CRM_TYPE, labels::CRM_TYPE);
        }
        if trim_all(&d.lease_url).is_empty() {
            if submit && d.crm_type.is_some_and(CrmManagementType::needs_lease_url) {
                self.push(Problem::error(
                    paths::LEASE_URL,
                    "required",
                    "CRM管理类型为租赁时，请填写租赁的账号URL（http:// 或 https:// 开头）",
                    "For a leased CRM, enter the lease account URL (starting with http:// or https://)",
                ));
            }
        } else if self.text(paths::LEASE_URL, &d.lease_url, labels::LEASE_URL, usize::MAX, false).is_some() {
            parsed.lease_url = LeaseUrl::parse(paths::LEASE_URL, &d.lease_url).map_err(|p| self.push(p)).ok();
        }
        if submit && d.payment_method.is_none() {
            self.choose(paths::PAYMENT_METHOD, labels::PAYMENT_METHOD);
        }
        let app = self.text(paths::INSTALLED_APP, &d.installed_app, labels::INSTALLED_APP, max_len::NAME, false);
        // Picked from a list, so a blank one is "choose", not "enter".
        if submit && trim_all(&d.installed_app).is_empty() {
            self.choose(paths::INSTALLED_APP, labels::INSTALLED_APP);
        }
        if let Some(app) = app
            && let Some(ctx) = ctx
            && !ctx.installed_apps.iter().any(|a| trim_all(a) == app)
        {
            self.push(Problem::error(
                paths::INSTALLED_APP,
                "installed_app_unknown",
                format!("安装的应用“{}”不在可选列表中，请从列表中选择", clip(app)),
                format!("The installed app \"{}\" is not in the list; pick one from the list", clip(app)),
            ));
        }
        parsed.api_expiry = self.date(paths::API_EXPIRY_DATE, &d.api_expiry_date, labels::API_EXPIRY_DATE, false);
        self.text(paths::REMARK, &d.remark, labels::REMARK, max_len::REMARK, submit);
        if submit && d.payment_voucher.is_none() {
            self.push(Problem::error(
                paths::PAYMENT_VOUCHER,
                "required",
                "请上传付款凭证（图片或 PDF）",
                "Upload the payment voucher (an image or a PDF)",
            ));
        }

        self.lines(d, ctx.map(|c| c.book), &mut parsed);

        if d.approval.approvers.len() > max_len::APPROVAL_LEVELS {
            self.push(Problem::error(
                paths::APPROVAL_APPROVERS,
                "too_many_approval_levels",
                format!("审批流程最多{}级", max_len::APPROVAL_LEVELS),
                format!("An approval flow has at most {} levels", max_len::APPROVAL_LEVELS),
            ));
        }
        if submit && d.approval.flow_id.is_none() {
            self.choose(paths::APPROVAL_FLOW, labels::APPROVAL_FLOW);
        }

        if let Some(ctx) = ctx {
            self.submit_rules(d, ctx, &parsed);
        }
        parsed
    }

    fn run_lines_only(&mut self, d: &ContractDraft, book: &PriceBook) -> Parsed {
        let mut parsed = Parsed::default();
        self.lines(d, Some(book), &mut parsed);
        parsed
    }

    /// Order type, active counts and the lines: everything pricing needs.
    fn lines(&mut self, d: &ContractDraft, book: Option<&PriceBook>, parsed: &mut Parsed) {
        if self.prices() && d.order_type.is_none() {
            self.choose(paths::ORDER_TYPE, labels::ORDER_TYPE);
        }
        // A renewal is priced from position 1, so its active counts are kept but not checked.
        let counts_existing = d.order_type.is_none_or(OrderType::counts_existing);
        parsed.existing_basic =
            self.existing(paths::EXISTING_BASIC, &d.existing_basic, labels::EXISTING_BASIC, counts_existing);
        parsed.existing_interop =
            self.existing(paths::EXISTING_INTEROP, &d.existing_interop, labels::EXISTING_INTEROP, counts_existing);
        let entered = |n: Option<u32>, text: &str| n.filter(|_| !trim_all(text).is_empty());
        parsed.entered_basic = entered(parsed.existing_basic, &d.existing_basic);
        parsed.entered_interop = entered(parsed.existing_interop, &d.existing_interop);
        if !counts_existing {
            parsed.existing_basic = Some(0);
            parsed.existing_interop = Some(0);
        }

        if d.lines.len() > limits::MAX_LINES {
            self.push(Problem::error(
                paths::LINES,
                "too_many_lines",
                format!("产品明细最多{}行，当前{}行", limits::MAX_LINES, d.lines.len()),
                format!("At most {} product lines; this contract has {}", limits::MAX_LINES, d.lines.len()),
            ));
        }
        if self.prices() && d.lines.is_empty() {
            self.push(Problem::error(
                paths::LINES,
                "no_lines",
                "请至少填写一行产品明细",
                "Add at least one product line",
            ));
        }
        // Past the limit nothing is looked at, so a hostile draft costs no more than a full one.
        for (i, line) in d.lines.iter().take(limits::MAX_LINES).enumerate() {
            let mut lc = Checker::new(self.level);
            let pl = lc.line(i, line, d.order_type, book, parsed);
            let (zh, en) = (format!("第{}行：", i + 1), format!("Line {}: ", i + 1));
            self.problems.extend(lc.problems.into_iter().map(|p| p.prefixed(&zh, &en)));
            parsed.lines.push(pl);
        }
    }

    /// An active-account count: blank is 0; at submission at most 1,000,000.
    fn existing(&mut self, field: &str, value: &str, label: Label, check_range: bool) -> Option<u32> {
        let Some(t) = self.short(field, value, label, false) else {
            // Blank means none; anything else that failed was reported.
            return trim_all(value).is_empty().then_some(0);
        };
        let n = parse_whole_number(field, t, label.0, label.1).map_err(|p| self.push(p)).ok()?;
        if self.prices() && check_range && n > limits::MAX_COUNT {
            self.push(Problem::error(
                field,
                "existing_out_of_range",
                format!("{}应在 0 到 1,000,000 之间", label.0),
                format!("The {} must be between 0 and 1,000,000", label.1),
            ));
            return None;
        }
        Some(n)
    }

    fn line(
        &mut self,
        i: usize,
        line: &DraftLine,
        order_type: Option<OrderType>,
        book: Option<&PriceBook>,
        parsed: &Parsed,
    ) -> ParsedLine {
        let f = |leaf: &str| indexed(paths::LINES, i, leaf);
        let prices = self.prices();
        let mut pl = ParsedLine { kind: line.kind, invoice: line.invoice, ..ParsedLine::default() };

        if prices && line.kind.is_none() {
            self.choose(&f(paths::KIND), labels::KIND);
        }
        if let Some(t) = self.short(&f(paths::QUANTITY), &line.quantity, labels::QUANTITY, prices) {
            pl.quantity = parse_quantity(&f(paths::QUANTITY), t).map_err(|p| self.push(p)).ok();
        }
        if prices && let Some(q) = pl.quantity.filter(|q| !quantity_in_range(*q)) {
            self.push(Problem::error(
                f(paths::QUANTITY),
                "quantity_out_of_range",
                format!("数量应在 1 到 1,000,000 之间，当前为{q}"),
                format!("The quantity must be between 1 and 1,000,000; it is {q}"),
            ));
            pl.quantity = None;
        }
        pl.start = self.date(&f(paths::SERVICE_START), &line.service_start, labels::SERVICE_START, prices);
        pl.end = self.date(&f(paths::SERVICE_END), &line.service_end, labels::SERVICE_END, prices);
        if self.submit() && line.invoice.is_none() {
            self.choose(&f(paths::INVOICE), labels::INVOICE);
        }
        self.text(&f(paths::DESCRIPTION), &line.description, labels::DESCRIPTION, max_len::DESCRIPTION, false);
        if let Some(t) =
            self.short(&f(paths::NEGOTIATED_AMOUNT), &line.negotiated_amount, labels::NEGOTIATED_AMOUNT, false)
        {
            pl.negotiated =
                Money::parse(t).filter(|m| !self.submit() || m.decimal().is_sign_positive() && !m.is_zero());
            if pl.negotiated.is_none() {
                self.push(Problem::error(
                    f(paths::NEGOTIATED_AMOUNT),
                    "negotiated_amount_invalid",
                    "面议金额应为大于 0 的金额，最多两位小数，如 20000.00",
                    "The negotiated amount must be an amount above 0 with at most two decimals, e.g. 20000.00",
                ));
            }
        }
        if !prices {
            return pl;
        }

        self.price_line(i, &mut pl, order_type, book, parsed);
        if self.submit()
            && let (Some(q), Some(book)) = (&pl.quote, book)
        {
            let kind = q.kind;
            let filled = !trim_all(&line.negotiated_amount).is_empty();
            if q.negotiated_accounts > 0 && !filled {
                let from = book.negotiated_from(kind).unwrap_or(0);
                self.push(Problem::error(
                    f(paths::NEGOTIATED_AMOUNT),
                    "negotiated_amount_required",
                    format!(
                        "有{}个账号位于面议区间（第{from}个账号起），请填写与企业微信渠道经理商定的面议金额",
                        q.negotiated_accounts
                    ),
                    format!(
                        "{} accounts are in the negotiated tier (from position {from}): enter the amount negotiated with the WeCom channel manager",
                        q.negotiated_accounts
                    ),
                ));
            }
            if q.negotiated_accounts == 0 && filled {
                self.push(Problem::error(
                    f(paths::NEGOTIATED_AMOUNT),
                    "negotiated_amount_not_applicable",
                    "本行没有面议区间的账号，价格已按价格表计算，请清空面议金额",
                    "This line has no accounts in the negotiated tier and is priced by the price book; clear the negotiated amount",
                ));
                pl.negotiated = None;
            }
        }
        pl
    }

    /// Prices a parsed line once its dates make a service period: the step pricing and submission
    /// share, also run on a [`TypedDraft`]'s lines.
    pub(super) fn price_line(
        &mut self,
        i: usize,
        pl: &mut ParsedLine,
        order_type: Option<OrderType>,
        book: Option<&PriceBook>,
        parsed: &Parsed,
    ) {
        let f = |leaf: &str| indexed(paths::LINES, i, leaf);
        if let (Some(start), Some(end)) = (pl.start, pl.end) {
            pl.period =
                ServicePeriod::from_dates(start, end).map_err(|e| self.push(e.problem(&f(paths::SERVICE_END)))).ok();
        }
        let (Some(book), Some(kind), Some(count), Some(period), Some(order_type)) =
            (book, pl.kind, pl.quantity, pl.period, order_type)
        else {
            return;
        };
        let Some(existing) = parsed.existing_of(kind) else { return };
        let request = QuoteLineRequest { kind, count, months: period.months(), order_type, existing };
        match book.price_line(i, &request, pl.invoice.unwrap_or(false)) {
            Ok(q) => pl.quote = Some(q),
            Err(problems) => {
                for p in problems {
                    self.push(engine_problem(p, i, kind, period.months()));
                }
            }
        }
    }
}

/// Moves a quote engine problem about line `i` onto the contract's fields: the account count is
/// the line's quantity, the term is set by its service end date.
fn engine_problem(mut p: Problem, i: usize, kind: AccountKind, months: u32) -> Problem {
    let leaf = p.field.rsplit('.').next().unwrap_or("").to_owned();
    match leaf.as_str() {
        "count" => p.field = indexed(paths::LINES, i, paths::QUANTITY),
        "months" => {
            p.field = indexed(paths::LINES, i, paths::SERVICE_END);
            p.zh.push_str(&format!("（当前服务期为{months}个月），请调整服务到期日"));
            p.en.push_str(&format!(" (this service period is {months} months); adjust the service end date"));
        }
        "existing" => p.field = paths::existing(kind).to_owned(),
        _ => {}
    }
    p
}
