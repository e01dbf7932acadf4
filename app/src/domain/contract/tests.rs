//! Tests of the contract rules and pricing, one per rule and message: each fails when its rule is
//! taken out.

use super::*;
use crate::domain::ids::CorpId;
use crate::domain::money::Money;
use crate::domain::price_book::{AccountKind, PriceBook, limits};
use crate::domain::problem::{Problem, Severity};
use crate::domain::quote::{OrderType, QuoteLineRequest};
use chrono::NaiveDate;
use proptest::prelude::*;

const CORP: &str = "ww69c04360d53da8b7";

fn book() -> PriceBook {
    PriceBook::default_2022()
}

fn apps() -> Vec<String> {
    vec!["助华CRM协同版".to_owned(), "灵当CRM".to_owned()]
}

fn line(kind: AccountKind, quantity: &str, start: &str, end: &str, invoice: bool) -> DraftLine {
    DraftLine {
        kind: Some(kind),
        quantity: quantity.into(),
        service_start: start.into(),
        service_end: end.into(),
        invoice: Some(invoice),
        ..DraftLine::default()
    }
}

/// The seed's example order, complete: one basic interface for a year from 2024-07-15, no invoice.
fn valid() -> ContractDraft {
    ContractDraft {
        document_number: DocumentNumber::new(953),
        end_customer: "雪碧算术".into(),
        owner: Some(1),
        source_order: SourceOrder::None,
        corp_id: CORP.into(),
        corp_name: "雪碧算术".into(),
        crm_type: Some(CrmManagementType::OnPremise),
        lease_url: String::new(),
        payment_method: Some(PaymentMethod::BankTransfer),
        order_type: Some(OrderType::New),
        auto_activation: Some(true),
        userid_count_matches: Some(true),
        order_quantity_matches: Some(true),
        installed_app: "灵当CRM".into(),
        api_expiry_date: String::new(),
        remark: "首次购买".into(),
        payment_voucher: Some(10),
        userid_sheet: None,
        lines: vec![line(AccountKind::Basic, "1", "2024-07-15", "2025-07-14", false)],
        existing_basic: String::new(),
        existing_interop: String::new(),
        approval: ApprovalChoice { flow_id: Some(13), approvers: vec![None, Some(5), None] },
    }
}

fn check(d: &ContractDraft, sheet: Option<&SheetFacts>) -> Vec<Problem> {
    let (b, a) = (book(), apps());
    validate_submit(d, &SubmitContext { book: &b, installed_apps: &a, sheet })
}

fn codes(ps: &[Problem]) -> Vec<(&str, &str)> {
    ps.iter().map(|p| (p.field.as_str(), p.code.as_str())).collect()
}

/// The only problem of a draft that has exactly one.
fn only(ps: Vec<Problem>) -> Problem {
    assert_eq!(ps.len(), 1, "{:#?}", codes(&ps));
    ps.into_iter().next().unwrap()
}

fn find<'a>(ps: &'a [Problem], field: &str, code: &str) -> &'a Problem {
    ps.iter()
        .find(|p| p.field == field && p.code == code)
        .unwrap_or_else(|| panic!("no {field}/{code} in {:#?}", codes(ps)))
}

fn sheet(corp_ids: &[&str], basic: u32, interop: u32, total: u32) -> SheetFacts {
    SheetFacts {
        corp_ids: corp_ids.iter().map(|c| CorpId::parse("", c).unwrap()).collect(),
        basic_userids: basic,
        interop_userids: interop,
        total_userids: total,
        untyped_userids: total.saturating_sub(basic + interop),
        overlapping_userids: 0,
    }
}

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

// ---------------------------------------------------------------- the valid draft

#[test]
fn the_seed_order_is_valid_and_costs_five_yuan() {
    let draft = valid();
    assert!(save_problems(&draft).is_empty());
    assert!(check(&draft, None).is_empty(), "{:#?}", check(&draft, None));
    let (b, a) = (book(), apps());
    let s = submit(&draft, &SubmitContext { book: &b, installed_apps: &a, sheet: None }).unwrap();
    assert_eq!(s.corp_id.as_str(), CORP);
    assert_eq!(s.quote.total.to_string(), "5.00");
    assert_eq!(s.quote.lines[0].period.months(), 12);
    assert_eq!(s.quote.price_book, "2022-05-16");
    assert!(s.warnings.is_empty());
}

#[test]
fn submit_returns_typed_values() {
    let mut draft = valid();
    draft.corp_id = " WW69C04360D53DA8B7 ".into();
    draft.crm_type = Some(CrmManagementType::Lease);
    draft.lease_url = "https://crm.example.com/login".into();
    draft.source_order = SourceOrder::Contract {
        contract_id: 3,
        document_number: DocumentNumber::new(3),
        service_end: Some(d(2025, 7, 14)),
    };
    draft.api_expiry_date = "2025/7/14".into();
    draft.order_type = Some(OrderType::Addon);
    draft.existing_basic = "3".into();
    let (b, a) = (book(), apps());
    let s = submit(&draft, &SubmitContext { book: &b, installed_apps: &a, sheet: None }).unwrap();
    assert_eq!(s.corp_id.as_str(), CORP);
    assert_eq!(s.lease_url.unwrap().host(), "crm.example.com");
    assert_eq!(s.api_expiry_date, Some(d(2025, 7, 14)));
    assert_eq!(s.source_service_end, Some(d(2025, 7, 14)));
    assert_eq!((s.existing_basic, s.existing_interop), (3, 0));
    assert_eq!(s.quote.lines[0].quote.bands[0].from, 4);
}

#[test]
fn submit_refuses_a_draft_with_errors_and_returns_them_all() {
    let mut draft = valid();
    draft.remark.clear();
    draft.corp_name.clear();
    let (b, a) = (book(), apps());
    let ps = submit(&draft, &SubmitContext { book: &b, installed_apps: &a, sheet: None }).unwrap_err();
    assert_eq!(codes(&ps), [("corp_name", "required"), ("remark", "required")]);
}

// ---------------------------------------------------------------- save as draft

#[test]
fn an_empty_draft_can_be_saved() {
    assert!(save_problems(&ContractDraft::default()).is_empty());
    assert!(save_problems(&ContractDraft::new(1)).is_empty());
    let half = ContractDraft {
        lines: vec![DraftLine { quantity: "1".into(), ..DraftLine::default() }],
        source_order: SourceOrder::External { order_number: String::new(), service_end: String::new() },
        crm_type: Some(CrmManagementType::Lease),
        ..ContractDraft::default()
    };
    assert!(save_problems(&half).is_empty(), "{:#?}", save_problems(&half));
}

#[test]
fn save_limits_the_length_of_texts() {
    let mut draft = ContractDraft::new(1);
    draft.end_customer = "客".repeat(201);
    draft.corp_name = "企".repeat(200);
    draft.installed_app = "a".repeat(201);
    draft.remark = "备".repeat(2001);
    draft.lines[0].description = "d".repeat(501);
    draft.source_order = SourceOrder::External { order_number: "9".repeat(101), service_end: String::new() };
    let ps = save_problems(&draft);
    assert_eq!(
        codes(&ps),
        [
            ("end_customer", "too_long"),
            ("source_order.order_number", "too_long"),
            ("installed_app", "too_long"),
            ("remark", "too_long"),
            ("lines[0].description", "too_long"),
        ]
    );
    assert_eq!(ps[0].zh, "最终用户最多200个字符，当前201个");
    assert_eq!(ps[0].en, "The end customer is at most 200 characters; it has 201");
    assert_eq!(ps[3].zh, "备注最多2000个字符，当前2001个");
    assert_eq!(ps[4].zh, "第1行：描述最多500个字符，当前501个");
    assert_eq!(ps[4].en, "Line 1: The description is at most 500 characters; it has 501");
}

#[test]
fn save_limits_short_fields_before_parsing_them() {
    let mut draft = ContractDraft::new(1);
    draft.corp_id = "w".repeat(101);
    draft.lines[0].quantity = "1".repeat(101);
    let ps = save_problems(&draft);
    assert_eq!(codes(&ps), [("corp_id", "too_long"), ("lines[0].quantity", "too_long")]);
}

#[test]
fn save_refuses_control_characters_but_keeps_line_breaks() {
    let mut draft = ContractDraft::new(1);
    draft.remark = "第一行\n第二行\t缩进".into();
    assert!(save_problems(&draft).is_empty());
    draft.end_customer = "雪碧\u{0}算术".into();
    let p = only(save_problems(&draft));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("end_customer", "control_character"));
    assert!(p.zh.contains("最终用户中含有不可见的控制字符"), "{}", p.zh);
}

#[test]
fn save_checks_a_filled_corp_id() {
    let mut draft = ContractDraft::new(1);
    draft.corp_id = "ww123".into();
    let p = only(save_problems(&draft));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("corp_id", "corp_id_invalid"));
    assert!(p.zh.contains("企业ID应为 ww 或 wx 开头"), "{}", p.zh);
    draft.corp_id = "  ".into();
    assert!(save_problems(&draft).is_empty());
}

#[test]
fn save_checks_filled_dates() {
    let mut draft = ContractDraft::new(1);
    draft.lines[0].service_start = "2024-13-01".into();
    draft.lines[0].service_end = "下个月".into();
    draft.api_expiry_date = "2023-02-29".into();
    draft.source_order = SourceOrder::External { order_number: "SO-1".into(), service_end: "30/06/2025".into() };
    let ps = save_problems(&draft);
    assert_eq!(
        codes(&ps),
        [
            ("source_order.service_end", "date_invalid"),
            ("api_expiry_date", "date_invalid"),
            ("lines[0].service_start", "date_invalid"),
            ("lines[0].service_end", "date_invalid"),
        ]
    );
    assert!(ps[2].zh.starts_with("第1行：服务开始日期“2024-13-01”不是有效日期"), "{}", ps[2].zh);
    assert!(ps[1].en.contains("WeCom API expiry date \"2023-02-29\" is not a valid date"), "{}", ps[1].en);
}

#[test]
fn save_checks_a_filled_quantity_is_a_whole_number() {
    let mut draft = ContractDraft::new(1);
    for ok in ["10", "1,000", "1.00", "１０", " 5 "] {
        draft.lines[0].quantity = ok.into();
        assert!(save_problems(&draft).is_empty(), "{ok}");
    }
    for (bad, code) in [
        ("1.5", "not_a_whole_number"),
        ("-3", "not_a_whole_number"),
        ("ten", "not_a_whole_number"),
        ("99999999999", "number_too_large"),
    ] {
        draft.lines[0].quantity = bad.into();
        let p = only(save_problems(&draft));
        assert_eq!((p.field.as_str(), p.code.as_str()), ("lines[0].quantity", code), "{bad}");
        assert!(p.zh.starts_with("第1行：数量"), "{}", p.zh);
    }
    assert_eq!(parse_quantity("q", "1.00"), Ok(1));
    assert_eq!(parse_quantity("q", ".00").unwrap_err().code, "not_a_whole_number");
}

#[test]
fn save_checks_active_counts_and_negotiated_amounts_that_are_filled() {
    let mut draft = ContractDraft::new(1);
    draft.existing_basic = "三".into();
    draft.existing_interop = "2".into();
    draft.lines[0].negotiated_amount = "两万".into();
    let ps = save_problems(&draft);
    assert_eq!(
        codes(&ps),
        [("existing_basic", "not_a_whole_number"), ("lines[0].negotiated_amount", "negotiated_amount_invalid")]
    );
    assert!(ps[0].zh.starts_with("已激活基础账号数应为整数"), "{}", ps[0].zh);
}

#[test]
fn save_checks_a_filled_lease_url() {
    let mut draft = ContractDraft::new(1);
    draft.lease_url = "crm.example.com".into();
    let p = only(save_problems(&draft));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("lease_url", "lease_url_invalid"));
    assert!(p.zh.contains("缺少 http:// 或 https://"), "{}", p.zh);
    draft.lease_url = format!("https://a.cn/{}", "x".repeat(2000));
    assert_eq!(only(save_problems(&draft)).code, "too_long");
}

#[test]
fn save_limits_lines_and_approval_levels() {
    let mut draft = ContractDraft::new(1);
    draft.lines = vec![DraftLine { quantity: "x".into(), ..DraftLine::default() }; limits::MAX_LINES + 1];
    draft.approval.approvers = vec![None; 21];
    let ps = save_problems(&draft);
    let p = find(&ps, "lines", "too_many_lines");
    assert_eq!(p.zh, "产品明细最多50行，当前51行");
    find(&ps, "approval.approvers", "too_many_approval_levels");
    // Lines past the limit are not looked at.
    assert_eq!(ps.iter().filter(|p| p.code == "not_a_whole_number").count(), limits::MAX_LINES);
    assert!(!ps.iter().any(|p| p.field == "lines[50].quantity"));
}

#[test]
fn save_requires_nothing() {
    let draft = ContractDraft { lines: vec![DraftLine::default()], ..ContractDraft::default() };
    assert!(save_problems(&draft).iter().all(|p| p.code != "required"));
}

// ---------------------------------------------------------------- required fields at submission

#[test]
fn every_starred_field_is_required_at_submission() {
    type Clear = fn(&mut ContractDraft);
    let cases: [(Clear, &str, &str); 17] = [
        (|d| d.end_customer = " ".into(), "end_customer", "请填写最终用户"),
        (|d| d.owner = None, "owner", "请选择负责人"),
        (|d| d.corp_id.clear(), "corp_id", "请填写企业微信ID"),
        (|d| d.corp_name.clear(), "corp_name", "请填写购买企业的企业微信全称/简称"),
        (|d| d.crm_type = None, "crm_type", "请选择CRM管理类型"),
        (|d| d.payment_method = None, "payment_method", "请选择付款方式"),
        (|d| d.order_type = None, "order_type", "请选择订单类型"),
        (|d| d.installed_app.clear(), "installed_app", "请选择安装的应用"),
        (|d| d.remark = "\u{3000}".into(), "remark", "请填写备注"),
        (|d| d.payment_voucher = None, "payment_voucher", "请上传付款凭证（图片或 PDF）"),
        (|d| d.approval.flow_id = None, "approval.flow_id", "请选择审批流程"),
        (|d| d.lines[0].kind = None, "lines[0].kind", "第1行：请选择产品名称"),
        (|d| d.lines[0].quantity.clear(), "lines[0].quantity", "第1行：请填写数量"),
        (|d| d.lines[0].service_start.clear(), "lines[0].service_start", "第1行：请填写服务开始日期"),
        (|d| d.lines[0].service_end.clear(), "lines[0].service_end", "第1行：请填写服务到期日"),
        (|d| d.lines[0].invoice = None, "lines[0].invoice", "第1行：请选择是否开票"),
        (|d| d.lines.clear(), "lines", "请至少填写一行产品明细"),
    ];
    for (clear, field, zh) in cases {
        let mut draft = valid();
        clear(&mut draft);
        let p = only(check(&draft, None));
        assert_eq!(p.field, field);
        assert_eq!(p.code, if field == "lines" { "no_lines" } else { "required" }, "{field}");
        assert_eq!(p.zh, zh, "{field}");
        assert!(!p.en.is_empty() && p.en.is_ascii(), "{p:?}");
        assert!(save_problems(&draft).is_empty(), "saving is still allowed without {field}");
    }
}

#[test]
fn the_installed_app_must_be_from_the_list() {
    let mut draft = valid();
    draft.installed_app = "钉钉".into();
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("installed_app", "installed_app_unknown"));
    assert_eq!(p.zh, "安装的应用“钉钉”不在可选列表中，请从列表中选择");
    draft.installed_app = " 灵当CRM ".into();
    assert!(check(&draft, None).is_empty());
}

#[test]
fn a_lease_needs_its_url() {
    let mut draft = valid();
    draft.crm_type = Some(CrmManagementType::Lease);
    draft.source_order =
        SourceOrder::Contract { contract_id: 3, document_number: None, service_end: Some(d(2025, 7, 14)) };
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("lease_url", "required"));
    assert_eq!(p.zh, "CRM管理类型为租赁时，请填写租赁的账号URL（http:// 或 https:// 开头）");
    draft.lease_url = "ftp://crm.example.com".into();
    assert_eq!(only(check(&draft, None)).code, "lease_url_invalid");
    draft.lease_url = "https://crm.example.com".into();
    assert!(check(&draft, None).is_empty());
    // Hosted and on-premise customers have no lease URL.
    draft.lease_url.clear();
    draft.crm_type = Some(CrmManagementType::Hosted);
    assert!(check(&draft, None).is_empty());
}

// ---------------------------------------------------------------- rule 1

#[test]
fn rule1_a_quantity_mismatch_needs_the_purchased_quantity_in_the_remark() {
    let mut draft = valid();
    draft.lines[0].quantity = "5".into();
    draft.order_quantity_matches = Some(false);
    draft.remark = "客户只买一部分".into();
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("remark", "remark_must_explain_quantity"));
    assert_eq!(
        p.zh,
        "订单数量与实际购买接口数量不一致，请在备注中写明实际购买数量（本单共5个），如：订单数量10人，实际只购买5人"
    );
    assert!(p.en.contains("give the purchased quantity (5) in the remark"), "{}", p.en);

    draft.remark = "订单数量10人，实际只购买6人".into();
    assert_eq!(only(check(&draft, None)).code, "remark_must_explain_quantity");
    draft.remark = "订单数量10人，实际只购买5人".into();
    assert!(check(&draft, None).is_empty());

    // Answered yes, or not answered: nothing to explain.
    draft.remark = "客户只买一部分".into();
    draft.order_quantity_matches = Some(true);
    assert!(check(&draft, None).is_empty());
    draft.order_quantity_matches = None;
    assert!(check(&draft, None).is_empty());
}

#[test]
fn rule1_accepts_the_total_or_a_per_kind_quantity() {
    let mut draft = valid();
    draft.order_type = Some(OrderType::Addon);
    draft.lines = vec![
        line(AccountKind::Basic, "3", "2024-07-15", "2025-07-14", false),
        line(AccountKind::Interop, "4", "2024-07-15", "2025-07-14", false),
        line(AccountKind::Interop, "2", "2024-07-15", "2024-08-14", false),
    ];
    draft.order_quantity_matches = Some(false);
    for ok in ["实际购买9个", "互通6个", "基础3个"] {
        draft.remark = ok.into();
        assert!(check(&draft, None).is_empty(), "{ok}");
    }
    draft.remark = "实际购买7个".into();
    assert_eq!(only(check(&draft, None)).code, "remark_must_explain_quantity");
}

// ---------------------------------------------------------------- rule 2

#[test]
fn rule2_a_userid_mismatch_answered_no_needs_auto_activation_in_the_remark() {
    let mut draft = valid();
    draft.userid_count_matches = Some(false);
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("remark", "remark_must_state_auto_activation"));
    assert_eq!(
        p.zh,
        "User ID数量与实际购买接口数量不一致，请在备注中说明是否设置自动激活，如：“已开启自动激活”或“未开启自动激活”"
    );
    draft.remark = "未开启自动激活".into();
    assert!(check(&draft, None).is_empty());
    draft.remark = "Auto-activation is off".into();
    assert!(check(&draft, None).is_empty());
}

#[test]
fn rule2_the_sheet_decides_whether_userids_match() {
    let mut draft = valid();
    draft.userid_sheet = Some(11);
    draft.lines[0].quantity = "10".into();
    // The user says they match, the sheet has 8 userids: the sheet wins.
    let s = sheet(&[CORP], 0, 0, 8);
    let ps = check(&draft, Some(&s));
    assert_eq!(
        codes(&ps),
        [("userid_count_matches", "userid_count_matches_corrected"), ("remark", "remark_must_state_auto_activation")]
    );
    assert_eq!(ps[0].severity, Severity::Warning);
    assert_eq!(ps[0].zh, "根据 userid 表（8个）与购买数量（10个），此项应为“否”，已按表格计算");
    assert_eq!(
        ps[1].zh,
        "User ID数量（8个）与实际购买接口数量（10个）不一致，请在备注中说明是否设置自动激活，如：“已开启自动激活”或“未开启自动激活”"
    );
    draft.remark = "已开启自动激活".into();
    let ps = check(&draft, Some(&s));
    assert_eq!(codes(&ps), [("userid_count_matches", "userid_count_matches_corrected")]);

    // The user says no, the sheet matches: only the warning, no remark needed.
    draft.remark = "首次购买".into();
    draft.userid_count_matches = Some(false);
    let s = sheet(&[CORP], 0, 0, 10);
    let ps = check(&draft, Some(&s));
    assert_eq!(codes(&ps), [("userid_count_matches", "userid_count_matches_corrected")]);
    assert!(ps[0].zh.contains("此项应为“是”"), "{}", ps[0].zh);
    draft.userid_count_matches = None;
    assert!(check(&draft, Some(&s)).is_empty());
}

#[test]
fn rule2_a_typed_sheet_is_compared_kind_by_kind() {
    let mut draft = valid();
    draft.lines = vec![
        line(AccountKind::Basic, "5", "2024-07-15", "2025-07-14", false),
        line(AccountKind::Interop, "5", "2024-07-15", "2025-07-14", false),
    ];
    draft.userid_count_matches = None;
    let purchased = Purchased::of(&draft).unwrap();
    assert_eq!((purchased.basic, purchased.interop, purchased.total()), (5, 5, 10));
    assert!(userid_count_matches(&sheet(&[CORP], 5, 5, 10), purchased));
    // Ten userids in all, but split 7/3 against a purchase of 5/5.
    assert!(!userid_count_matches(&sheet(&[CORP], 7, 3, 10), purchased));
    // Untyped: the total decides.
    assert!(userid_count_matches(&sheet(&[CORP], 0, 0, 10), purchased));
    assert!(!userid_count_matches(&sheet(&[CORP], 2, 0, 10), sheet_purchase(3, 5)));
    let s = sheet(&[CORP], 7, 3, 10);
    let p = only(check(&draft, Some(&s)));
    assert_eq!(p.code, "remark_must_state_auto_activation");
    assert!(
        p.zh.starts_with("User ID数量（基础7个、互通3个）与实际购买接口数量（基础5个、互通5个）不一致"),
        "{}",
        p.zh
    );
    assert!(
        p.en.starts_with(
            "The number of userids (7 basic, 3 interop) differs from the purchased quantity (5 basic, 5 interop)"
        ),
        "{}",
        p.en
    );
    assert_eq!(userid_count_matches_of(&draft, Some(&s)), Some(false));
    assert_eq!(userid_count_matches_of(&draft, None), None);
}

fn sheet_purchase(basic: u64, interop: u64) -> Purchased {
    Purchased { basic, interop }
}

// ---------------------------------------------------------------- rule 3

fn hosted_with_source(end: NaiveDate) -> ContractDraft {
    let mut draft = valid();
    draft.crm_type = Some(CrmManagementType::Hosted);
    draft.source_order =
        SourceOrder::Contract { contract_id: 3, document_number: DocumentNumber::new(3), service_end: Some(end) };
    draft
}

#[test]
fn rule3_hosted_and_leased_service_ends_with_the_source_order() {
    let draft = hosted_with_source(d(2025, 7, 14));
    assert!(check(&draft, None).is_empty());

    let mut draft = hosted_with_source(d(2025, 6, 30));
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("lines[0].service_end", "service_end_differs_from_source"));
    assert_eq!(
        p.zh,
        "第1行：托管客户的服务到期日应与源单（产品原订单）一致，即 2025-06-30；如确需不同，请在备注中说明原因并写明原订单到期日（2025年6月30日）"
    );
    assert!(
        p.en.starts_with(
            "Line 1: for a hosted customer the service end date must equal the source order's, 2025-06-30"
        ),
        "{}",
        p.en
    );

    draft.crm_type = Some(CrmManagementType::Lease);
    draft.lease_url = "https://crm.example.com".into();
    assert!(only(check(&draft, None)).zh.contains("租赁客户"));

    // On-premise customers are free to end when they like.
    draft.crm_type = Some(CrmManagementType::OnPremise);
    assert!(check(&draft, None).is_empty());
}

#[test]
fn rule3_the_remark_may_explain_a_different_end() {
    let mut draft = hosted_with_source(d(2025, 6, 30));
    for ok in [
        "原订单2025-06-30到期，客户要求多买半个月",
        "原订单 2025年6月30日",
        "客户要求与原订单到期日不同",
        "source order expires earlier",
    ] {
        draft.remark = ok.into();
        assert!(check(&draft, None).is_empty(), "{ok}");
    }
    draft.remark = "原订单2025-06-31，客户要求".into();
    assert_eq!(only(check(&draft, None)).code, "service_end_differs_from_source");
}

#[test]
fn rule3_each_line_is_compared() {
    let mut draft = hosted_with_source(d(2025, 7, 14));
    draft.order_type = Some(OrderType::Addon);
    draft.lines.push(line(AccountKind::Interop, "2", "2024-07-15", "2024-12-14", false));
    let p = only(check(&draft, None));
    assert_eq!(p.field, "lines[1].service_end");
    assert!(p.zh.starts_with("第2行："));
}

#[test]
fn rule3_needs_a_source_order_to_compare_with() {
    let mut draft = valid();
    draft.crm_type = Some(CrmManagementType::Hosted);
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("source_order", "source_order_required"));
    assert_eq!(p.zh, "托管客户请选择源单（产品原订单）并提供其服务到期日，本单服务到期日须与之一致");
    // A contract picked without its end date is as good as none.
    draft.source_order = SourceOrder::Contract { contract_id: 3, document_number: None, service_end: None };
    assert_eq!(only(check(&draft, None)).code, "source_order_required");
    // An external order names its own missing fields.
    draft.source_order = SourceOrder::External { order_number: String::new(), service_end: String::new() };
    let ps = check(&draft, None);
    assert_eq!(codes(&ps), [("source_order.order_number", "required"), ("source_order.service_end", "required")]);
    assert_eq!(ps[1].zh, "请填写源单服务到期日");
    draft.source_order = SourceOrder::External { order_number: "CRM-2024-001".into(), service_end: "2025.7.14".into() };
    assert!(check(&draft, None).is_empty());
}

// ---------------------------------------------------------------- rule 4

#[test]
fn rule4_wechat_scan_comes_without_invoice() {
    let mut draft = valid();
    draft.order_type = Some(OrderType::Addon);
    draft.payment_method = Some(PaymentMethod::WechatScan);
    draft.lines.push(line(AccountKind::Interop, "2", "2024-07-15", "2025-07-14", true));
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("lines[1].invoice", "invoice_not_available_for_wechat_scan"));
    assert_eq!(p.zh, "第2行：微信扫码付款为代支付业务，不提供发票，请将“是否开票”改为“否”，或将付款方式改为对公转账");
    assert!(p.en.starts_with("Line 2: WeChat-scan payment is a proxy payment"), "{}", p.en);
    draft.payment_method = Some(PaymentMethod::BankTransfer);
    assert!(check(&draft, None).is_empty());
}

// ---------------------------------------------------------------- rule 5

#[test]
fn rule5_the_sheet_belongs_to_the_contract_corp() {
    let mut draft = valid();
    draft.userid_sheet = Some(11);
    draft.userid_count_matches = None;
    assert!(check(&draft, Some(&sheet(&["WW69C04360D53DA8B7"], 0, 0, 1))).is_empty());
    let s = sheet(&[CORP, "wx0123456789abcdef"], 0, 0, 1);
    let p = only(check(&draft, Some(&s)));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("userid_sheet", "sheet_corp_id_mismatch"));
    assert_eq!(
        p.zh,
        "userid 表中的企业ID（wx0123456789abcdef）与本单企业微信ID（ww69c04360d53da8b7）不一致，请核对后修改企业微信ID或重新上传 userid 表"
    );
    let many =
        sheet(&["wx0000000000000001", "wx0000000000000002", "wx0000000000000003", "wx0000000000000004"], 0, 0, 1);
    let p = only(check(&draft, Some(&many)));
    assert!(p.en.contains("(wx0000000000000001, wx0000000000000002, wx0000000000000003…)"), "{}", p.en);
}

// ---------------------------------------------------------------- rule 6

#[test]
fn rule6_service_end_is_not_before_start() {
    let mut draft = valid();
    draft.lines[0].service_end = "2024-07-14".into();
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("lines[0].service_end", "service_end_before_start"));
    assert_eq!(p.zh, "第1行：服务到期日（2024-07-14）不能早于服务开始日期（2024-07-15）");
}

#[test]
fn rule6_the_period_is_whole_months() {
    let mut draft = valid();
    draft.lines[0].service_end = "2025-07-15".into();
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("lines[0].service_end", "service_period_not_whole_months"));
    assert_eq!(
        p.zh,
        "第1行：服务期须为整月：到期日应为开始日期（2024-07-15）加整月数再减一天，如 2025-07-14（12个月）或2025-08-14（13个月）"
    );
}

#[test]
fn rule6_months_are_within_the_price_book_limits() {
    let mut draft = valid();
    draft.lines[0].service_end = "2029-08-14".into(); // 61 months
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("lines[0].service_end", "months_out_of_range"));
    assert_eq!(p.zh, "第1行：购买时长应为 1 到 60 个整月（当前服务期为61个月），请调整服务到期日");
    assert!(
        p.en.starts_with("Line 1: The term must be 1 to 60 whole months (this service period is 61 months)"),
        "{}",
        p.en
    );
    draft.lines[0].service_end = "2029-07-14".into(); // 60 months
    assert!(check(&draft, None).is_empty());
}

#[test]
fn rule6_a_new_purchase_has_the_minimum_term() {
    let mut draft = valid();
    draft.lines[0].service_end = "2025-01-14".into(); // 6 months
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("lines[0].service_end", "months_below_new_minimum"));
    assert_eq!(p.zh, "第1行：新购至少购买12个月（当前服务期为6个月），请调整服务到期日");
    draft.order_type = Some(OrderType::Addon);
    assert!(check(&draft, None).is_empty());
}

#[test]
fn rule6_quantities_are_one_to_a_million() {
    let mut draft = valid();
    for (q, ok) in [("0", false), ("1", true), ("1000000", true), ("1000001", false)] {
        draft.lines[0].quantity = q.into();
        draft.lines[0].negotiated_amount = if q == "1000000" { "100000".into() } else { String::new() };
        draft.remark = "超出10000部分面议".into();
        let ps = check(&draft, None);
        if ok {
            assert!(ps.is_empty(), "{q}: {:#?}", codes(&ps));
        } else {
            let p = only(ps);
            assert_eq!((p.field.as_str(), p.code.as_str()), ("lines[0].quantity", "quantity_out_of_range"), "{q}");
            assert_eq!(p.zh, format!("第1行：数量应在 1 到 1,000,000 之间，当前为{q}"));
        }
    }
}

#[test]
fn rule6_active_counts_are_at_most_a_million_except_for_renewals() {
    let mut draft = valid();
    draft.existing_interop = "1000001".into();
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("existing_interop", "existing_out_of_range"));
    assert_eq!(p.zh, "已激活互通账号数应在 0 到 1,000,000 之间");
    // A renewal starts at position 1 whatever is active.
    draft.order_type = Some(OrderType::Renewal);
    assert!(check(&draft, None).is_empty());
}

// ---------------------------------------------------------------- negotiated lines

fn negotiated_draft() -> ContractDraft {
    let mut draft = valid();
    draft.lines[0].quantity = "12000".into();
    draft
}

#[test]
fn a_line_above_ten_thousand_needs_a_negotiated_amount_and_a_remark() {
    let draft = negotiated_draft();
    let ps = check(&draft, None);
    assert_eq!(
        codes(&ps),
        [("lines[0].negotiated_amount", "negotiated_amount_required"), ("remark", "remark_must_explain_negotiated")]
    );
    assert_eq!(ps[0].zh, "第1行：有2000个账号位于面议区间（第10001个账号起），请填写与企业微信渠道经理商定的面议金额");
    assert_eq!(ps[1].zh, "第1行含面议账号，请在备注中说明面议情况（写明“面议”及商定结果）");

    let mut draft = negotiated_draft();
    draft.lines[0].negotiated_amount = "1,500.00".into();
    draft.remark = "超出10000个的部分与渠道经理面议，1500元".into();
    assert!(check(&draft, None).is_empty());
    draft.remark = "Negotiated with the WeCom channel manager".into();
    assert!(check(&draft, None).is_empty());
}

#[test]
fn a_negotiated_amount_is_above_zero() {
    let mut draft = negotiated_draft();
    draft.remark = "面议".into();
    for bad in ["0", "-5", "0.00"] {
        draft.lines[0].negotiated_amount = bad.into();
        let p = only(check(&draft, None));
        assert_eq!(
            (p.field.as_str(), p.code.as_str()),
            ("lines[0].negotiated_amount", "negotiated_amount_invalid"),
            "{bad}"
        );
        assert_eq!(p.zh, "第1行：面议金额应为大于 0 的金额，最多两位小数，如 20000.00");
    }
}

#[test]
fn a_negotiated_amount_on_a_priced_line_is_refused() {
    let mut draft = valid();
    draft.lines[0].negotiated_amount = "100".into();
    let p = only(check(&draft, None));
    assert_eq!((p.field.as_str(), p.code.as_str()), ("lines[0].negotiated_amount", "negotiated_amount_not_applicable"));
    assert_eq!(p.zh, "第1行：本行没有面议区间的账号，价格已按价格表计算，请清空面议金额");
}

#[test]
fn active_accounts_can_push_a_line_into_negotiation() {
    let mut draft = valid();
    draft.order_type = Some(OrderType::Addon);
    draft.existing_basic = "9999".into();
    draft.lines[0].quantity = "3".into();
    let ps = check(&draft, None);
    assert_eq!(
        find(&ps, "lines[0].negotiated_amount", "negotiated_amount_required").zh,
        "第1行：有2个账号位于面议区间（第10001个账号起），请填写与企业微信渠道经理商定的面议金额"
    );
}

// ---------------------------------------------------------------- messages

#[test]
fn every_message_is_in_both_languages_and_line_messages_name_the_line() {
    let mut draft = valid();
    draft.payment_method = Some(PaymentMethod::WechatScan);
    draft.crm_type = Some(CrmManagementType::Lease);
    draft.order_quantity_matches = Some(false);
    draft.userid_count_matches = Some(false);
    draft.remark = "x".into();
    draft.end_customer.clear();
    draft.lines.push(line(AccountKind::Interop, "0", "2024-07-15", "2024-07-20", true));
    draft.lines.push(line(AccountKind::Basic, "20000", "2024-07-15", "2025-07-14", true));
    let ps = check(&draft, Some(&sheet(&["wx0123456789abcdef"], 0, 0, 3)));
    assert!(ps.len() >= 10, "{:#?}", codes(&ps));
    for p in &ps {
        assert!(p.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{p:?}");
        assert!(!p.en.is_empty() && p.en.is_ascii(), "{p:?}");
        if let Some(rest) = p.field.strip_prefix("lines[") {
            let n: usize = rest.split(']').next().unwrap().parse().unwrap();
            assert!(p.zh.starts_with(&format!("第{}行：", n + 1)), "{p:?}");
            assert!(p.en.starts_with(&format!("Line {}: ", n + 1)), "{p:?}");
        }
    }
}

// ---------------------------------------------------------------- pricing

#[test]
fn lines_are_priced_after_the_active_accounts_of_their_kind() {
    let mut draft = valid();
    draft.order_type = Some(OrderType::Addon);
    draft.existing_basic = "3".into();
    draft.existing_interop = "5".into();
    draft.lines = vec![
        line(AccountKind::Basic, "10", "2024-07-15", "2025-07-14", false),
        line(AccountKind::Interop, "3", "2024-07-15", "2025-07-14", false),
    ];
    let q = price_draft(&draft, &book(), None).unwrap();
    assert_eq!(q.lines[0].amount.to_string(), "42.00"); // positions 4–13: 2×5 + 8×4
    assert_eq!(q.lines[1].amount.to_string(), "120.00"); // positions 6–8 at 40
    assert_eq!(q.total.to_string(), "162.00");
    draft.order_type = Some(OrderType::Renewal);
    let q = price_draft(&draft, &book(), None).unwrap();
    assert_eq!(q.lines[0].amount.to_string(), "45.00");
}

#[test]
fn tax_is_per_line_with_invoice_and_totals_sum_rounded_lines() {
    let mut draft = valid();
    draft.order_type = Some(OrderType::Addon);
    draft.lines = vec![
        line(AccountKind::Interop, "8", "2024-07-15", "2025-07-14", true),
        line(AccountKind::Basic, "1", "2024-07-15", "2024-08-14", true),
        line(AccountKind::Basic, "1", "2024-07-15", "2024-08-14", false),
    ];
    let q = price_draft(&draft, &book(), None).unwrap();
    assert_eq!(q.lines[0].tax.to_string(), "22.20");
    assert_eq!(q.lines[1].tax.to_string(), "0.03"); // 0.42 × 6%
    assert_eq!(q.lines[2].tax, Money::ZERO);
    assert_eq!(q.subtotal.to_string(), "370.84");
    assert_eq!(q.tax.to_string(), "22.23");
    assert_eq!(q.total.to_string(), "393.07");
    assert!(q.is_complete());
}

#[test]
fn a_negotiated_amount_is_added_to_its_line_and_taxed_with_it() {
    let mut draft = negotiated_draft();
    draft.lines[0].invoice = Some(true);
    draft.lines[0].negotiated_amount = "1000".into();
    let q = price_draft(&draft, &book(), None).unwrap();
    let l = &q.lines[0];
    assert_eq!(l.quote.amount.to_string(), "11705.00");
    assert_eq!(l.quote.negotiated_accounts, 2000);
    assert_eq!(l.negotiated_amount, Some(Money::from_fen(100_000)));
    assert_eq!(l.amount.to_string(), "12705.00");
    assert_eq!(l.tax.to_string(), "762.30");
    assert_eq!(l.total.to_string(), "13467.30");
    assert_eq!((q.negotiated_accounts, q.is_complete()), (2000, true));

    // Without its amount the line is priced, and the quote says it is not final.
    draft.lines[0].negotiated_amount.clear();
    let q = price_draft(&draft, &book(), None).unwrap();
    assert_eq!(q.lines[0].amount.to_string(), "11705.00");
    assert!(q.lines[0].awaits_negotiation() && !q.is_complete());
}

#[test]
fn pricing_needs_only_the_lines() {
    let draft = ContractDraft {
        order_type: Some(OrderType::New),
        lines: vec![line(AccountKind::Interop, "8", "2024-07-15", "2025-07-14", false)],
        ..ContractDraft::default()
    };
    assert_eq!(price_draft(&draft, &book(), None).unwrap().total.to_string(), "370.00");

    let mut incomplete = draft.clone();
    incomplete.order_type = None;
    incomplete.lines[0].service_end.clear();
    let ps = price_draft(&incomplete, &book(), None).unwrap_err();
    assert_eq!(codes(&ps), [("order_type", "required"), ("lines[0].service_end", "required")]);
    let ps =
        price_draft(&ContractDraft { order_type: Some(OrderType::New), ..ContractDraft::default() }, &book(), None)
            .unwrap_err();
    assert_eq!(codes(&ps), [("lines", "no_lines")]);
}

#[test]
fn the_quote_carries_the_computed_userid_answer() {
    let mut draft = valid();
    draft.userid_count_matches = Some(true);
    assert_eq!(price_draft(&draft, &book(), None).unwrap().userid_count_matches, Some(true));
    let s = sheet(&[CORP], 0, 0, 4);
    assert_eq!(price_draft(&draft, &book(), Some(&s)).unwrap().userid_count_matches, Some(false));
}

#[test]
fn the_priced_contract_serialises_money_as_strings() {
    let q = price_draft(&valid(), &book(), None).unwrap();
    let json = serde_json::to_value(&q).unwrap();
    assert_eq!(json["total"], "5.00");
    assert_eq!(json["lines"][0]["period"]["end"], "2025-07-14");
    let back: ContractQuote = serde_json::from_value(json).unwrap();
    assert_eq!(back, q);
}

// ---------------------------------------------------------------- properties

fn opt<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(s)
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,30}"
}

fn draft_line() -> impl Strategy<Value = DraftLine> {
    (
        opt(prop_oneof![Just(AccountKind::Basic), Just(AccountKind::Interop)]),
        prop_oneof![text(), "[0-9]{1,8}"],
        prop_oneof![text(), "20[2-3][0-9]-[01][0-9]-[0-3][0-9]"],
        prop_oneof![text(), "20[2-3][0-9]-[01][0-9]-[0-3][0-9]"],
        opt(any::<bool>()),
        text(),
        prop_oneof![text(), "[0-9]{1,6}(\\.[0-9]{1,2})?"],
    )
        .prop_map(|(kind, quantity, service_start, service_end, invoice, description, negotiated_amount)| {
            DraftLine { kind, quantity, service_start, service_end, invoice, description, negotiated_amount }
        })
}

fn source_order() -> impl Strategy<Value = SourceOrder> {
    prop_oneof![
        Just(SourceOrder::None),
        (any::<i64>(), opt(1u64..1_000_000), opt(0i64..40_000)).prop_map(|(contract_id, n, days)| {
            SourceOrder::Contract {
                contract_id,
                document_number: n.and_then(DocumentNumber::new),
                service_end: days.map(|x| d(2000, 1, 1) + chrono::Duration::days(x)),
            }
        }),
        (text(), text()).prop_map(|(order_number, service_end)| SourceOrder::External { order_number, service_end }),
    ]
}

fn pick<T: Clone + std::fmt::Debug + 'static>(all: &[T]) -> impl Strategy<Value = Option<T>> + use<T> {
    opt(proptest::sample::select(all.to_vec()))
}

fn ids() -> impl Strategy<Value = Option<i64>> {
    opt(any::<i64>())
}

prop_compose! {
    fn any_draft()(
        head in (
            opt(1u64..1_000_000),
            text(),
            ids(),
            source_order(),
            prop_oneof![text(), "w[wx][0-9a-fA-F]{16}"],
            text(),
        ),
        choices in (
            pick(&CrmManagementType::ALL),
            prop_oneof![text(), "https://[a-z]{1,8}\\.cn/[a-z]{0,5}"],
            pick(&PaymentMethod::ALL),
            pick(&OrderType::ALL),
            pick(&[true, false]),
            pick(&[true, false]),
            pick(&[true, false]),
        ),
        tail in (text(), text(), text(), ids(), ids(), proptest::collection::vec(draft_line(), 0..4), text(), text()),
        approval in (ids(), proptest::collection::vec(ids(), 0..4)),
    ) -> ContractDraft {
        let (n, end_customer, owner, source_order, corp_id, corp_name) = head;
        let (crm_type, lease_url, payment_method, order_type, auto_activation, userid_count_matches, order_quantity_matches) =
            choices;
        let (installed_app, api_expiry_date, remark, payment_voucher, userid_sheet, lines, existing_basic, existing_interop) =
            tail;
        ContractDraft {
            document_number: n.and_then(DocumentNumber::new),
            end_customer,
            owner,
            source_order,
            corp_id,
            corp_name,
            crm_type,
            lease_url,
            payment_method,
            order_type,
            auto_activation,
            userid_count_matches,
            order_quantity_matches,
            installed_app,
            api_expiry_date,
            remark,
            payment_voucher,
            userid_sheet,
            lines,
            existing_basic,
            existing_interop,
            approval: ApprovalChoice { flow_id: approval.0, approvers: approval.1 },
        }
    }
}

fn any_sheet() -> impl Strategy<Value = SheetFacts> {
    ("w[wx][0-9a-f]{16}", 0u32..20, 0u32..20, 0u32..40).prop_map(|(corp, basic, interop, total)| SheetFacts {
        corp_ids: vec![CorpId::parse("", &corp).unwrap()],
        basic_userids: basic,
        interop_userids: interop,
        total_userids: total,
        untyped_userids: total.saturating_sub(basic + interop),
        overlapping_userids: basic.min(interop).min(total),
    })
}

proptest! {
    #[test]
    fn any_draft_serialises_and_deserialises_to_itself(draft in any_draft()) {
        let json = serde_json::to_string(&draft).unwrap();
        let back: ContractDraft = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, draft);
    }

    #[test]
    fn validation_and_pricing_never_panic(draft in any_draft(), s in any_sheet()) {
        let _ = save_problems(&draft);
        let _ = check(&draft, Some(&s));
        let _ = price_draft(&draft, &book(), Some(&s));
        let (b, a) = (book(), apps());
        let _ = submit(&draft, &SubmitContext { book: &b, installed_apps: &a, sheet: Some(&s) });
    }

    #[test]
    fn save_problems_are_a_subset_of_submit_problems(draft in any_draft()) {
        let submit_problems = check(&draft, None);
        for p in save_problems(&draft) {
            prop_assert!(submit_problems.contains(&p), "{:?} missing at submit", p);
        }
    }

    #[test]
    fn a_submittable_draft_is_priced_as_the_engine_prices_it(
        kind in prop_oneof![Just(AccountKind::Basic), Just(AccountKind::Interop)],
        count in 1u32..10_000,
        months in 12u32..=60,
        days in 0i64..3_000,
        existing in 0u32..5_000,
        invoice: bool,
    ) {
        let start = d(2024, 1, 1) + chrono::Duration::days(days);
        let end = crate::domain::period::end_of(start, months).unwrap();
        let mut draft = valid();
        draft.order_type = Some(OrderType::Addon);
        draft.existing_basic = existing.to_string();
        draft.existing_interop = existing.to_string();
        draft.lines = vec![line(kind, &count.to_string(), &start.to_string(), &end.to_string(), invoice)];
        draft.remark = "面议".into();
        let ps = check(&draft, None);
        let negotiated = ps.iter().any(|p| p.code == "negotiated_amount_required");
        prop_assert!(ps.is_empty() || negotiated, "{:?}", ps);
        let q = price_draft(&draft, &book(), None).unwrap();
        let request = QuoteLineRequest { kind, count, months, order_type: OrderType::Addon, existing };
        let engine = book().price_line(0, &request, invoice).unwrap();
        prop_assert_eq!(&q.lines[0].quote, &engine);
        prop_assert_eq!(q.total, engine.total);
    }
}
