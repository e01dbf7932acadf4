//! The contract's field types that parse, not just check: the document number, the lease URL and the
//! choice lists of the form, plus the field paths, labels and length limits the rules share.

use crate::domain::ids::trim_all;
use crate::domain::price_book::AccountKind;
use crate::domain::problem::Problem;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Product of a contract line (产品名称): the account kind of the price book, sold as
/// 企业微信基础接口 / 企业微信互通接口.
pub type ProductKind = AccountKind;

/// The product name as the order form prints it.
pub fn product_zh(kind: ProductKind) -> &'static str {
    match kind {
        AccountKind::Basic => "企业微信基础接口",
        AccountKind::Interop => "企业微信互通接口",
    }
}

pub fn product_en(kind: ProductKind) -> &'static str {
    match kind {
        AccountKind::Basic => "WeCom basic interface",
        AccountKind::Interop => "WeCom interop interface",
    }
}

/// A yes/no answer as the form prints it: 是 / 否, yes / no.
pub fn yes_no(answer: bool) -> (&'static str, &'static str) {
    if answer { ("是", "yes") } else { ("否", "no") }
}

/// Longest texts a draft may hold, in characters.
pub mod max_len {
    /// Names: end customer, corp name, installed app.
    pub const NAME: usize = 200;
    pub const REMARK: usize = 2000;
    pub const DESCRIPTION: usize = 500;
    pub const LEASE_URL: usize = 2000;
    /// An external CRM order number.
    pub const ORDER_NUMBER: usize = 100;
    /// Fields that hold one short value as typed: corp ID, quantities, dates, amounts.
    pub const SHORT: usize = 100;
    /// Approval levels a draft may name approvers for.
    pub const APPROVAL_LEVELS: usize = 20;
}

/// Field paths of the contract form, also the JSON keys of [`super::ContractDraft`].
pub mod paths {
    pub const DOCUMENT_NUMBER: &str = "document_number";
    pub const END_CUSTOMER: &str = "end_customer";
    pub const OWNER: &str = "owner";
    pub const SOURCE_ORDER: &str = "source_order";
    pub const SOURCE_ORDER_NUMBER: &str = "source_order.order_number";
    pub const SOURCE_ORDER_END: &str = "source_order.service_end";
    pub const CORP_ID: &str = "corp_id";
    pub const CORP_NAME: &str = "corp_name";
    pub const CRM_TYPE: &str = "crm_type";
    pub const LEASE_URL: &str = "lease_url";
    pub const PAYMENT_METHOD: &str = "payment_method";
    pub const ORDER_TYPE: &str = "order_type";
    pub const AUTO_ACTIVATION: &str = "auto_activation";
    pub const USERID_COUNT_MATCHES: &str = "userid_count_matches";
    pub const ORDER_QUANTITY_MATCHES: &str = "order_quantity_matches";
    pub const INSTALLED_APP: &str = "installed_app";
    pub const API_EXPIRY_DATE: &str = "api_expiry_date";
    pub const REMARK: &str = "remark";
    pub const PAYMENT_VOUCHER: &str = "payment_voucher";
    pub const USERID_SHEET: &str = "userid_sheet";
    pub const LINES: &str = "lines";
    pub const EXISTING_BASIC: &str = "existing_basic";
    pub const EXISTING_INTEROP: &str = "existing_interop";
    pub const APPROVAL_FLOW: &str = "approval.flow_id";
    pub const APPROVAL_APPROVERS: &str = "approval.approvers";
    /// Leaf names of a line's fields, for `indexed(LINES, i, leaf)`.
    pub const KIND: &str = "kind";
    pub const QUANTITY: &str = "quantity";
    pub const SERVICE_START: &str = "service_start";
    pub const SERVICE_END: &str = "service_end";
    pub const INVOICE: &str = "invoice";
    pub const DESCRIPTION: &str = "description";
    pub const NEGOTIATED_AMOUNT: &str = "negotiated_amount";

    /// The active-account field of a kind.
    pub fn existing(kind: super::ProductKind) -> &'static str {
        match kind {
            super::AccountKind::Basic => EXISTING_BASIC,
            super::AccountKind::Interop => EXISTING_INTEROP,
        }
    }
}

/// Names of the fields in messages, as the seed's form labels them.
pub(crate) mod labels {
    pub type Label = (&'static str, &'static str);
    pub const END_CUSTOMER: Label = ("最终用户", "end customer");
    pub const OWNER: Label = ("负责人", "owner");
    pub const SOURCE_ORDER_NUMBER: Label = ("源单订单号", "source order number");
    pub const SOURCE_ORDER_END: Label = ("源单服务到期日", "source order's service end date");
    pub const CORP_ID: Label = ("企业微信ID", "corp ID");
    pub const CORP_NAME: Label = ("购买企业的企业微信全称/简称", "corp name");
    pub const CRM_TYPE: Label = ("CRM管理类型", "CRM management type");
    pub const LEASE_URL: Label = ("租赁的账号URL", "lease account URL");
    pub const PAYMENT_METHOD: Label = ("付款方式", "payment method");
    pub const ORDER_TYPE: Label = ("订单类型", "order type");
    pub const INSTALLED_APP: Label = ("安装的应用", "installed app");
    pub const API_EXPIRY_DATE: Label = ("企业微信API接口到期日", "WeCom API expiry date");
    pub const REMARK: Label = ("备注", "remark");
    pub const EXISTING_BASIC: Label = ("已激活基础账号数", "active basic accounts");
    pub const EXISTING_INTEROP: Label = ("已激活互通账号数", "active interop accounts");
    pub const APPROVAL_FLOW: Label = ("审批流程", "approval flow");
    pub const KIND: Label = ("产品名称", "product");
    pub const QUANTITY: Label = ("数量", "quantity");
    pub const SERVICE_START: Label = ("服务开始日期", "service start date");
    pub const SERVICE_END: Label = ("服务到期日", "service end date");
    pub const INVOICE: Label = ("是否开票", "invoice");
    pub const DESCRIPTION: Label = ("描述", "description");
    pub const NEGOTIATED_AMOUNT: Label = ("面议金额", "negotiated amount");
}

/// The document number (单据编号) `QYWXHT-<n>`, n ≥ 1. Assigned by the server, unique, never reused;
/// the prefix is read case-insensitively and written upper-case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentNumber(u64);

impl DocumentNumber {
    pub const PREFIX: &'static str = "QYWXHT-";

    /// The number for sequence value `n`; `None` for 0.
    pub fn new(n: u64) -> Option<DocumentNumber> {
        (n >= 1).then_some(DocumentNumber(n))
    }

    pub fn number(self) -> u64 {
        self.0
    }

    /// Parses `QYWXHT-953`. The digits have no leading zero, so every number has one spelling.
    pub fn parse(field: &str, text: &str) -> Result<DocumentNumber, Problem> {
        let t = trim_all(text);
        let digits = t
            .get(..Self::PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(Self::PREFIX))
            .map(|_| &t[Self::PREFIX.len()..]);
        let n = digits
            .filter(|d| !d.is_empty() && !d.starts_with('0') && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<u64>().ok());
        n.and_then(DocumentNumber::new).ok_or_else(|| {
            Problem::error(
                field,
                "document_number_invalid",
                format!("单据编号应为 QYWXHT- 加编号，如 QYWXHT-953，当前为“{}”", clip(t)),
                format!("A document number is QYWXHT- and a number, e.g. QYWXHT-953; got \"{}\"", clip(t)),
            )
        })
    }
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::PREFIX, self.0)
    }
}

impl Serialize for DocumentNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DocumentNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DocumentNumber, D::Error> {
        let text = String::deserialize(d)?;
        DocumentNumber::parse("", &text).map_err(|p| serde::de::Error::custom(p.en))
    }
}

/// The URL of a leased CRM account (租赁的账号URL): an absolute http or https URL with a host, no
/// credentials, no spaces, at most [`max_len::LEASE_URL`] characters. Kept as typed, trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LeaseUrl(String);

impl LeaseUrl {
    pub fn parse(field: &str, text: &str) -> Result<LeaseUrl, Problem> {
        let t = trim_all(text);
        if t.is_empty() {
            return Err(Problem::error(
                field,
                "required",
                "请填写租赁的账号URL（http:// 或 https:// 开头）",
                "Enter the lease account URL (starting with http:// or https://)",
            ));
        }
        let len = t.chars().count();
        if len > max_len::LEASE_URL {
            return Err(Problem::error(
                field,
                "too_long",
                format!("租赁的账号URL最多{}个字符，当前{len}个", max_len::LEASE_URL),
                format!("The lease account URL is at most {} characters; it has {len}", max_len::LEASE_URL),
            ));
        }
        url_fault(t).map_or(Ok(LeaseUrl(t.to_owned())), |(zh, en)| {
            Err(Problem::error(
                field,
                "lease_url_invalid",
                format!("租赁的账号URL应为 http:// 或 https:// 开头的完整网址，如 https://crm.example.com/login（{zh}）"),
                format!(
                    "The lease account URL must be a full web address starting with http:// or https://, e.g. https://crm.example.com/login ({en})"
                ),
            ))
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host, e.g. `crm.example.com` (brackets kept for IPv6).
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or("", |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        split_port(authority).0
    }
}

/// What is wrong with a URL, in both languages; `None` when it is acceptable.
fn url_fault(t: &str) -> Option<(&'static str, &'static str)> {
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(("不能包含空格", "no spaces allowed"));
    }
    let Some((scheme, rest)) = t.split_once("://") else {
        return Some(("缺少 http:// 或 https://", "missing http:// or https://"));
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Some(("只支持 http 和 https", "only http and https are allowed"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Some(("网址中不能包含用户名或密码", "no user name or password in the address"));
    }
    let (host, port) = split_port(authority);
    if let Some(port) = port {
        let ok = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !ok {
            return Some(("端口应为 1 到 65535", "the port must be 1 to 65535"));
        }
    }
    if !host_ok(host) {
        return Some(("缺少或无效的域名", "missing or invalid host name"));
    }
    None
}

/// Splits `host[:port]`, minding IPv6 brackets.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => {
                let (host, rest) = authority.split_at(end + 1);
                (host, rest.strip_prefix(':'))
            }
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

fn host_ok(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.contains(':') && inner.chars().all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.'));
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

impl fmt::Display for LeaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for LeaseUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LeaseUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<LeaseUrl, D::Error> {
        let text = String::deserialize(d)?;
        LeaseUrl::parse("", &text).map_err(|p| serde::de::Error::custom(p.en))
    }
}

/// CRM management type (CRM管理类型): how the customer runs the CRM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrmManagementType {
    /// 私有部署: installed on the customer's own servers.
    OnPremise,
    /// 租赁: a leased account on the vendor's cloud; the form needs its URL.
    Lease,
    /// 托管: hosted by the vendor for the customer.
    Hosted,
}

impl CrmManagementType {
    pub const ALL: [CrmManagementType; 3] =
        [CrmManagementType::OnPremise, CrmManagementType::Lease, CrmManagementType::Hosted];

    pub fn code(self) -> &'static str {
        match self {
            CrmManagementType::OnPremise => "on_premise",
            CrmManagementType::Lease => "lease",
            CrmManagementType::Hosted => "hosted",
        }
    }

    pub fn from_code(code: &str) -> Option<CrmManagementType> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn zh(self) -> &'static str {
        match self {
            CrmManagementType::OnPremise => "私有部署",
            CrmManagementType::Lease => "租赁",
            CrmManagementType::Hosted => "托管",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            CrmManagementType::OnPremise => "on-premise",
            CrmManagementType::Lease => "lease",
            CrmManagementType::Hosted => "hosted",
        }
    }

    /// Whether the form needs the lease account URL.
    pub fn needs_lease_url(self) -> bool {
        self == CrmManagementType::Lease
    }

    /// Whether the service must end with the source order (租赁/托管客户，服务到期日与产品原订单一致).
    pub fn ends_with_source_order(self) -> bool {
        matches!(self, CrmManagementType::Lease | CrmManagementType::Hosted)
    }
}

/// Payment method (付款方式).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// 微信扫码: paid by scanning the vendor's QR code; a proxy payment (代支付) without invoice.
    WechatScan,
    /// 对公转账: company bank transfer.
    BankTransfer,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 2] = [PaymentMethod::WechatScan, PaymentMethod::BankTransfer];

    pub fn code(self) -> &'static str {
        match self {
            PaymentMethod::WechatScan => "wechat_scan",
            PaymentMethod::BankTransfer => "bank_transfer",
        }
    }

    pub fn from_code(code: &str) -> Option<PaymentMethod> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn zh(self) -> &'static str {
        match self {
            PaymentMethod::WechatScan => "微信扫码",
            PaymentMethod::BankTransfer => "对公转账",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            PaymentMethod::WechatScan => "WeChat scan",
            PaymentMethod::BankTransfer => "bank transfer",
        }
    }

    /// Whether an invoice (发票) can be issued: not for the WeChat-scan proxy payment.
    pub fn allows_invoice(self) -> bool {
        self == PaymentMethod::BankTransfer
    }
}

/// At most 40 characters of a user's text, for quoting it back in a message.
pub(crate) fn clip(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX { text.to_owned() } else { text.chars().take(MAX).chain(['…']).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn document_number_parses_and_prints_canonically() {
        let n = DocumentNumber::parse("document_number", " qywxht-953 ").unwrap();
        assert_eq!((n.number(), n.to_string()), (953, "QYWXHT-953".to_owned()));
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"QYWXHT-953\"");
        assert_eq!(serde_json::from_str::<DocumentNumber>("\"QYWXHT-953\"").unwrap(), n);
        assert_eq!(DocumentNumber::new(0), None);
        for bad in [
            "",
            "QYWXHT-",
            "QYWXHT-0",
            "QYWXHT-0953",
            "QYWXHT953",
            "HT-953",
            "QYWXHT--9",
            "QYWXHT-9a",
            "QYWXHT-99999999999999999999",
            "ＱＹ",
        ] {
            let p = DocumentNumber::parse("document_number", bad).unwrap_err();
            assert_eq!(p.code, "document_number_invalid", "{bad}");
            assert!(p.zh.contains("如 QYWXHT-953"), "{}", p.zh);
        }
        assert!(serde_json::from_str::<DocumentNumber>("\"QYWXHT-0\"").is_err());
    }

    #[test]
    fn lease_url_accepts_http_and_https_addresses() {
        for ok in [
            "https://crm.example.com",
            "http://crm.example.com/login?x=1#top",
            "HTTPS://CRM.Example.com:8443/a",
            "https://10.0.0.8:8080",
            "https://[2001:db8::1]:443/crm",
            "https://中文.cn/登录",
            "https://crm.example.com.",
        ] {
            assert!(LeaseUrl::parse("lease_url", ok).is_ok(), "{ok}");
        }
        assert_eq!(LeaseUrl::parse("lease_url", " https://crm.example.com:8443/x ").unwrap().host(), "crm.example.com");
        assert_eq!(LeaseUrl::parse("f", "https://[2001:db8::1]:443/crm").unwrap().host(), "[2001:db8::1]");
    }

    #[test]
    fn lease_url_rejects_each_fault_with_a_reason() {
        let fault = |s: &str| {
            let p = LeaseUrl::parse("lease_url", s).unwrap_err();
            assert_eq!(p.field, "lease_url");
            (p.code, p.en)
        };
        assert_eq!(fault("").0, "required");
        assert!(fault("crm.example.com").1.contains("missing http:// or https://"));
        assert!(fault("ftp://crm.example.com").1.contains("only http and https"));
        assert!(fault("https://").1.contains("missing or invalid host"));
        assert!(fault("https:///path").1.contains("missing or invalid host"));
        assert!(fault("https://a..b").1.contains("missing or invalid host"));
        assert!(fault("https://-a.com").1.contains("missing or invalid host"));
        assert!(fault("https://a_b.com").1.contains("missing or invalid host"));
        assert!(fault("https://crm example.com").1.contains("no spaces"));
        assert!(fault("https://user:pw@crm.example.com").1.contains("no user name or password"));
        assert!(fault("https://crm.example.com:0").1.contains("port"));
        assert!(fault("https://crm.example.com:70000").1.contains("port"));
        assert!(fault("https://crm.example.com:").1.contains("port"));
    }

    #[test]
    fn lease_url_has_a_length_limit() {
        let long = format!("https://crm.example.com/{}", "a".repeat(max_len::LEASE_URL));
        let p = LeaseUrl::parse("lease_url", &long).unwrap_err();
        assert_eq!(p.code, "too_long");
        assert!(p.zh.contains("最多2000个字符"), "{}", p.zh);
        let just = format!("https://crm.example.com/{}", "a".repeat(max_len::LEASE_URL - 24));
        assert!(LeaseUrl::parse("lease_url", &just).is_ok());
    }

    #[test]
    fn enums_have_stable_codes_and_both_names() {
        for t in CrmManagementType::ALL {
            assert_eq!(CrmManagementType::from_code(t.code()), Some(t));
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{}\"", t.code()));
        }
        for m in PaymentMethod::ALL {
            assert_eq!(PaymentMethod::from_code(m.code()), Some(m));
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{}\"", m.code()));
        }
        assert_eq!(CrmManagementType::Lease.zh(), "租赁");
        assert_eq!(CrmManagementType::OnPremise.zh(), "私有部署");
        assert_eq!(CrmManagementType::Hosted.zh(), "托管");
        assert_eq!(PaymentMethod::WechatScan.zh(), "微信扫码");
        assert_eq!(PaymentMethod::BankTransfer.zh(), "对公转账");
        assert_eq!(CrmManagementType::from_code("Lease"), None);
        assert!(CrmManagementType::Lease.needs_lease_url() && !CrmManagementType::Hosted.needs_lease_url());
        assert!(CrmManagementType::Hosted.ends_with_source_order());
        assert!(!CrmManagementType::OnPremise.ends_with_source_order());
        assert!(!PaymentMethod::WechatScan.allows_invoice() && PaymentMethod::BankTransfer.allows_invoice());
        assert_eq!(product_zh(AccountKind::Basic), "企业微信基础接口");
        assert_eq!(product_en(AccountKind::Interop), "WeCom interop interface");
        assert_eq!(yes_no(true), ("是", "yes"));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,120}") {
            let _ = DocumentNumber::parse("f", &s);
            let _ = LeaseUrl::parse("f", &s);
            let _ = LeaseUrl::parse("f", &format!("https://{s}")).map(|u| u.host().len());
        }

        #[test]
        fn document_numbers_round_trip(n in 1u64..=u64::MAX) {
            let d = DocumentNumber::new(n).unwrap();
            prop_assert_eq!(DocumentNumber::parse("f", &d.to_string()), Ok(d));
        }

        #[test]
        fn lease_urls_round_trip_through_serde(host in "[a-z0-9]{1,10}(\\.[a-z0-9]{1,10}){0,3}", path in "(/[A-Za-z0-9_.~-]{0,10}){0,4}") {
            let u = LeaseUrl::parse("f", &format!("https://{host}{path}")).unwrap();
            prop_assert_eq!(u.host(), host.as_str());
            let back: LeaseUrl = serde_json::from_str(&serde_json::to_string(&u).unwrap()).unwrap();
            prop_assert_eq!(back, u);
        }
    }
}
