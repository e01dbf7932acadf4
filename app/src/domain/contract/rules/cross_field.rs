//! The submit rules that weigh fields against each other, the remark and the userid sheet:
//! rules 1–5 of PRODUCT.md §3 and the negotiated-remark rule (rule 6 is checked line by line), and
//! the userid count against the purchase they rest on.

use super::{Checker, Parsed, SubmitContext, parse_quantity};
use crate::domain::contract::draft::{ContractDraft, SheetFacts, SourceOrder};
use crate::domain::contract::fields::{CrmManagementType, PaymentMethod, paths};
use crate::domain::contract::remark;
use crate::domain::ids::CorpId;
use crate::domain::period::format_date_zh;
use crate::domain::price_book::AccountKind;
use crate::domain::problem::{Problem, indexed};
use chrono::NaiveDate;

/// Accounts bought by kind, when every line has a product and a readable quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Purchased {
    pub basic: u64,
    pub interop: u64,
}

impl Purchased {
    pub fn total(self) -> u64 {
        self.basic + self.interop
    }

    /// Reads the purchased quantities from the draft's lines; `None` while a line lacks a product or
    /// a readable quantity.
    pub fn of(draft: &ContractDraft) -> Option<Purchased> {
        Purchased::sum(draft.lines.iter().map(|l| (l.kind, parse_quantity("", &l.quantity).ok())))
    }

    /// Adds up lines given as (product, quantity); `None` while a line lacks either.
    pub fn sum(lines: impl IntoIterator<Item = (Option<AccountKind>, Option<u32>)>) -> Option<Purchased> {
        let mut p = Purchased { basic: 0, interop: 0 };
        for (kind, quantity) in lines {
            let q = u64::from(quantity?);
            match kind? {
                AccountKind::Basic => p.basic += q,
                AccountKind::Interop => p.interop += q,
            }
        }
        Some(p)
    }
}

/// Whether the userid sheet's count matches the purchase (User ID数量与实际购买接口数量是否一致):
/// kind by kind when every userid in the sheet has a kind, else the total.
pub fn userid_count_matches(sheet: &SheetFacts, purchased: Purchased) -> bool {
    if sheet.is_typed() {
        u64::from(sheet.basic_userids) == purchased.basic && u64::from(sheet.interop_userids) == purchased.interop
    } else {
        u64::from(sheet.total_userids) == purchased.total()
    }
}

/// The answer to 「User ID数量与实际购买接口数量是否一致」 that counts: computed from the sheet when
/// there is one and the lines are readable, the user's answer otherwise.
pub fn userid_count_matches_of(draft: &ContractDraft, sheet: Option<&SheetFacts>) -> Option<bool> {
    userid_count_answer(sheet, Purchased::of(draft), draft.userid_count_matches)
}

/// [`userid_count_matches_of`] from the purchase and the user's `answer`, however they were read.
pub fn userid_count_answer(
    sheet: Option<&SheetFacts>,
    purchased: Option<Purchased>,
    answer: Option<bool>,
) -> Option<bool> {
    match (sheet, purchased) {
        (Some(sheet), Some(purchased)) => Some(userid_count_matches(sheet, purchased)),
        _ => answer,
    }
}

impl Checker {
    /// Rules 1–5 and the negotiated-remark rule; rule 6 is checked line by line.
    pub(super) fn submit_rules(&mut self, d: &ContractDraft, ctx: &SubmitContext, parsed: &Parsed) {
        let lines = &parsed.lines;

        // Rule 4: WeChat scan is a proxy payment without invoice.
        if d.payment_method == Some(PaymentMethod::WechatScan) {
            for (i, _) in lines.iter().enumerate().filter(|(_, l)| l.invoice == Some(true)) {
                self.push(Problem::error(
                    indexed(paths::LINES, i, paths::INVOICE),
                    "invoice_not_available_for_wechat_scan",
                    format!("第{}行：微信扫码付款为代支付业务，不提供发票，请将“是否开票”改为“否”，或将付款方式改为对公转账", i + 1),
                    format!(
                        "Line {}: WeChat-scan payment is a proxy payment and comes without an invoice; set Invoice to No, or pay by bank transfer",
                        i + 1
                    ),
                ));
            }
        }

        // Rule 3: lease and hosted customers end with their source order.
        if let Some(crm) = d.crm_type.filter(|t| t.ends_with_source_order()) {
            match d.source_service_end() {
                Some(source_end) if !remark::mentions_source_end(&d.remark, source_end) => {
                    for (i, end) in lines.iter().enumerate().filter_map(|(i, l)| Some((i, l.end?))) {
                        if end != source_end {
                            self.push(differs_from_source(i, crm, source_end));
                        }
                    }
                }
                Some(_) => {}
                // An external order's own fields already say what is missing.
                None if !matches!(d.source_order, SourceOrder::External { .. }) => {
                    self.push(Problem::error(
                        paths::SOURCE_ORDER,
                        "source_order_required",
                        format!("{}客户请选择源单（产品原订单）并提供其服务到期日，本单服务到期日须与之一致", crm.zh()),
                        format!(
                            "For a {} customer, choose the source order and give its service end date: this order must end on the same day",
                            crm.en()
                        ),
                    ));
                }
                None => {}
            }
        }

        // Negotiated accounts need an explanation in the remark.
        let negotiated: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.quote.as_ref().is_some_and(|q| q.negotiated_accounts > 0))
            .map(|(i, _)| i + 1)
            .collect();
        if !negotiated.is_empty() && !remark::mentions_negotiation(&d.remark) {
            let list = negotiated.iter().map(usize::to_string).collect::<Vec<_>>().join("、");
            let list_en = negotiated.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
            self.push(Problem::error(
                paths::REMARK,
                "remark_must_explain_negotiated",
                format!("第{list}行含面议账号，请在备注中说明面议情况（写明“面议”及商定结果）"),
                format!(
                    "{} {list_en} {} negotiated accounts: explain the negotiation in the remark (mention \"negotiated\")",
                    if negotiated.len() == 1 { "Line" } else { "Lines" },
                    if negotiated.len() == 1 { "has" } else { "have" },
                ),
            ));
        }

        let purchased = Purchased::of(d);

        // Rule 1: the order quantity differs from what is bought → the remark gives the real number.
        if d.order_quantity_matches == Some(false)
            && let Some(p) = purchased
        {
            let mut accepted: Vec<u64> = vec![p.total(), p.basic, p.interop];
            accepted.extend(lines.iter().filter_map(|l| l.quantity.map(u64::from)));
            accepted.retain(|n| *n > 0);
            if !remark::mentions_quantity(&d.remark, &accepted) {
                let n = p.total();
                self.push(Problem::error(
                    paths::REMARK,
                    "remark_must_explain_quantity",
                    format!("订单数量与实际购买接口数量不一致，请在备注中写明实际购买数量（本单共{n}个），如：订单数量10人，实际只购买{n}人"),
                    format!(
                        "The order quantity differs from the purchased quantity: give the purchased quantity ({n}) in the remark, e.g. \"ordered 10 users, only {n} purchased\""
                    ),
                ));
            }
        }

        // Rule 2: userids and purchase differ → the remark says whether auto-activation is on.
        let computed = match (ctx.sheet, purchased) {
            (Some(sheet), Some(p)) => Some((sheet, p, userid_count_matches(sheet, p))),
            _ => None,
        };
        if let Some((sheet, p, answer)) = computed
            && d.userid_count_matches.is_some_and(|typed| typed != answer)
        {
            let (yes_no_zh, yes_no_en) = crate::domain::contract::fields::yes_no(answer);
            let ((sheet_zh, sheet_en), (bought_zh, bought_en)) = compared_counts(sheet, p);
            self.push(Problem::warning(
                paths::USERID_COUNT_MATCHES,
                "userid_count_matches_corrected",
                format!("根据 userid 表（{sheet_zh}）与购买数量（{bought_zh}），此项应为“{yes_no_zh}”，已按表格计算"),
                format!(
                    "From the userid sheet ({sheet_en}) and the purchase ({bought_en}), this is \"{yes_no_en}\"; the sheet's answer is used"
                ),
            ));
        }
        let mismatch = computed.map(|(_, _, answer)| !answer).unwrap_or(d.userid_count_matches == Some(false));
        if mismatch && !remark::mentions_auto_activation(&d.remark) {
            let (zh, en) = match computed {
                Some((sheet, p, _)) => {
                    let ((sheet_zh, sheet_en), (bought_zh, bought_en)) = compared_counts(sheet, p);
                    (
                        format!("User ID数量（{sheet_zh}）与实际购买接口数量（{bought_zh}）不一致"),
                        format!("The number of userids ({sheet_en}) differs from the purchased quantity ({bought_en})"),
                    )
                }
                None => (
                    "User ID数量与实际购买接口数量不一致".to_owned(),
                    "The number of userids differs from the purchased quantity".to_owned(),
                ),
            };
            self.push(Problem::error(
                paths::REMARK,
                "remark_must_state_auto_activation",
                format!("{zh}，请在备注中说明是否设置自动激活，如：“已开启自动激活”或“未开启自动激活”"),
                format!("{en}: say in the remark whether auto-activation is on, e.g. \"auto-activation is on\""),
            ));
        }

        // Rule 5: the sheet belongs to the same corp.
        if let (Some(sheet), Some(corp)) = (ctx.sheet, &parsed.corp_id) {
            let mut others: Vec<&str> = sheet.corp_ids.iter().filter(|c| *c != corp).map(CorpId::as_str).collect();
            others.dedup();
            if !others.is_empty() {
                let shown = others.iter().take(3).copied().collect::<Vec<_>>();
                let more = if others.len() > 3 { "…" } else { "" };
                self.push(Problem::error(
                    paths::USERID_SHEET,
                    "sheet_corp_id_mismatch",
                    format!(
                        "userid 表中的企业ID（{}{more}）与本单企业微信ID（{corp}）不一致，请核对后修改企业微信ID或重新上传 userid 表",
                        shown.join("、")
                    ),
                    format!(
                        "The userid sheet's corp ID ({}{more}) differs from this contract's corp ID ({corp}); correct the corp ID or upload the right sheet",
                        shown.join(", ")
                    ),
                ));
            }
        }
    }
}

/// Rule 3's problem on line `i`: its end differs from the source order's and the remark does not
/// explain it.
fn differs_from_source(i: usize, crm: CrmManagementType, source_end: NaiveDate) -> Problem {
    let n = i + 1;
    Problem::error(
        indexed(paths::LINES, i, paths::SERVICE_END),
        "service_end_differs_from_source",
        format!(
            "第{n}行：{}客户的服务到期日应与源单（产品原订单）一致，即 {source_end}；如确需不同，请在备注中说明原因并写明原订单到期日（{}）",
            crm.zh(),
            format_date_zh(source_end)
        ),
        format!(
            "Line {n}: for a {} customer the service end date must equal the source order's, {source_end}; if it must differ, explain why in the remark and give the source order's end date ({source_end})",
            crm.en()
        ),
    )
}

/// The userid and purchase counts as [`userid_count_matches`] compares them, for messages: kind by
/// kind for a typed sheet (基础5个、互通5个), totals otherwise (10个).
fn compared_counts(sheet: &SheetFacts, p: Purchased) -> ((String, String), (String, String)) {
    if sheet.is_typed() {
        let by_kind = |basic: u64, interop: u64| {
            (format!("基础{basic}个、互通{interop}个"), format!("{basic} basic, {interop} interop"))
        };
        (by_kind(sheet.basic_userids.into(), sheet.interop_userids.into()), by_kind(p.basic, p.interop))
    } else {
        let total = |n: u64| (format!("{n}个"), n.to_string());
        (total(sheet.total_userids.into()), total(p.total()))
    }
}
