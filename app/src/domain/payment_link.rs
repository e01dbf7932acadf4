//! What one payment link takes (PRODUCT.md §7): the customer behind a link uploads a voucher or
//! two, not the disk's worth. A link takes at most a number of vouchers and a number of bytes in
//! all (the server's configuration); past either it refuses and keeps nothing.

use crate::domain::problem::Problem;
use serde::{Deserialize, Serialize};

/// The most one link takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkCap {
    pub vouchers: u64,
    pub bytes: u64,
}

/// What a link has taken so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkUsage {
    pub vouchers: u64,
    pub bytes: u64,
}

/// Why a link takes no (more) voucher.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkRefusal {
    /// Expired, revoked, or its contract no longer awaits payment: 410 Gone, the customer needs a
    /// new link.
    Closed,
    /// It has taken its `max` vouchers: 409 Conflict. The link's state refuses any further
    /// upload, now and later (429 would invite a retry that can never succeed).
    Vouchers { max: u64 },
    /// This voucher would take it past `max` bytes in all: 413 Payload Too Large, like a file
    /// over the per-file limit (a smaller file may still fit).
    Bytes { max: u64 },
}

impl LinkCap {
    /// The bytes one more voucher may have, or why there is no room for one at all.
    pub fn room(&self, used: LinkUsage) -> Result<u64, LinkRefusal> {
        if used.vouchers >= self.vouchers {
            Err(LinkRefusal::Vouchers { max: self.vouchers })
        } else if used.bytes >= self.bytes {
            Err(LinkRefusal::Bytes { max: self.bytes })
        } else {
            Ok(self.bytes - used.bytes)
        }
    }

    /// Whether a voucher of `size` bytes fits after `used`.
    pub fn admit(&self, used: LinkUsage, size: u64) -> Result<(), LinkRefusal> {
        if size > self.room(used)? { Err(LinkRefusal::Bytes { max: self.bytes }) } else { Ok(()) }
    }
}

impl LinkRefusal {
    /// The HTTP status (see the variants).
    pub fn status(self) -> u16 {
        match self {
            LinkRefusal::Closed => 410,
            LinkRefusal::Vouchers { .. } => 409,
            LinkRefusal::Bytes { .. } => 413,
        }
    }

    pub fn problem(self) -> Problem {
        match self {
            LinkRefusal::Closed => Problem::error(
                "file",
                "payment_link_closed",
                "这个付款链接已过期或已被撤销，请向您的渠道伙伴索取新的链接。",
                "This payment link has expired or was revoked; ask your partner for a new one.",
            ),
            LinkRefusal::Vouchers { max } => Problem::error(
                "file",
                "payment_link_vouchers_exhausted",
                format!("这个付款链接已收到 {max} 份付款凭证，不能再上传；如需补充，请向您的渠道伙伴索取新的链接"),
                format!(
                    "This payment link has taken {max} vouchers, the most it takes; to send another, ask your partner for a new link"
                ),
            ),
            LinkRefusal::Bytes { max } => {
                let mb = max as f64 / 1_048_576.0;
                Problem::error(
                    "file",
                    "payment_link_bytes_exhausted",
                    format!(
                        "这个付款链接最多接收共 {mb:.1} MB 的付款凭证，此文件超出剩余额度；请压缩后重试，或向您的渠道伙伴索取新的链接"
                    ),
                    format!(
                        "This payment link takes at most {mb:.1} MB of vouchers in all and this file goes past what is left; compress it, or ask your partner for a new link"
                    ),
                )
            }
        }
    }
}

/// The validity a partner may choose, in days (default 7, 1–30). Checked on both sides.
pub fn check_link_days(days: Option<u32>) -> Result<u32, Problem> {
    check_link_days_or(days, DEFAULT_LINK_DAYS)
}

/// A link's validity unless the admin set another default (系统设置 → 付款链接默认有效期).
pub const DEFAULT_LINK_DAYS: u32 = 7;

/// [`check_link_days`] with the admin's default for a link whose validity was not chosen.
pub fn check_link_days_or(days: Option<u32>, default: u32) -> Result<u32, Problem> {
    const MIN: u32 = 1;
    const MAX: u32 = 30;
    match days {
        None => Ok(default.clamp(MIN, MAX)),
        Some(d) if (MIN..=MAX).contains(&d) => Ok(d),
        Some(d) => Err(Problem::error(
            "days",
            "payment_link_days_out_of_range",
            format!("付款链接有效期应为 {MIN}–{MAX} 天，不能是 {d} 天"),
            format!("A payment link is valid for {MIN} to {MAX} days, not {d}"),
        )),
    }
}

/// How to pay, as the admin set it (PRODUCT.md §7, the seed's 付款方式): what the contract page's
/// 付款 card and the customer's payment page both show, read from the same settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentWays {
    /// The WeChat QR image, only a URL a page may show ([`is_safe_image_url`]).
    pub wechat_qr: Option<String>,
    /// The admin's extra text under the QR code.
    pub wechat_note: Option<String>,
    /// 对公转账: `None` when none of its values is set.
    pub bank: Option<BankAccount>,
}

/// 对公转账: account name, number, bank and bank code, each as set (blank ones `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    pub account_name: Option<String>,
    pub account_number: Option<String>,
    pub bank_name: Option<String>,
    pub bank_code: Option<String>,
}

impl PaymentWays {
    /// The ways from the admin's values (`qr`, `note`, then the bank's four): blanks are unset,
    /// an unsafe QR URL is dropped.
    pub fn from_values(qr: Option<&str>, note: Option<&str>, bank: [Option<&str>; 4]) -> PaymentWays {
        fn set(v: Option<&str>) -> Option<String> {
            v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
        }
        let [account_name, account_number, bank_name, bank_code] = bank.map(set);
        let bank = BankAccount { account_name, account_number, bank_name, bank_code };
        PaymentWays {
            wechat_qr: set(qr).filter(|u| is_safe_image_url(u)),
            wechat_note: set(note),
            bank: bank.rows().iter().any(|(_, _, v)| v.is_some()).then_some(bank),
        }
    }
}

impl BankAccount {
    /// Its rows as the seed lists them: (Chinese label, English label, value).
    pub fn rows(&self) -> [(&'static str, &'static str, Option<&str>); 4] {
        [
            ("户名", "Account name", self.account_name.as_deref()),
            ("账号", "Account number", self.account_number.as_deref()),
            ("开户行", "Bank", self.bank_name.as_deref()),
            ("联行号", "Bank code", self.bank_code.as_deref()),
        ]
    }
}

/// What a bank transfer's reference names (Chinese, English): a draft has no document number yet.
pub const TRANSFER_REFERENCE: (&str, &str) = (
    "转账时请在附言中写明单据编号（尚未分配时写购买企业名称）。",
    "Put the document number in the transfer's reference (before it has one, the buying organisation).",
);

/// Only images from our own site, https, or inline image data: never `javascript:` and the like.
pub fn is_safe_image_url(u: &str) -> bool {
    u.starts_with("https://") || (u.starts_with('/') && !u.starts_with("//")) || u.starts_with("data:image/")
}

/// The interface a contract buys, as the payer names it in the WeChat payment's note: from the
/// kinds of its lines (企业微信基础接口 / 互通接口), or the licence in general before any is chosen.
pub fn interface_name(kinds: &[crate::domain::AccountKind]) -> &'static str {
    use crate::domain::AccountKind::{Basic, Interop};
    match (kinds.contains(&Basic), kinds.contains(&Interop)) {
        (true, true) => "企业微信基础接口、互通接口",
        (true, false) => "企业微信基础接口",
        (false, true) => "企业微信互通接口",
        (false, false) => "企业微信接口许可",
    }
}

/// What the payer writes in the WeChat payment's note (the seed: 付款时请备注购买单位名称及购买接口
/// 名称): the buying organisation and the interface, in Chinese for the seller who reads it.
pub fn wechat_remark(corp_name: &str, kinds: &[crate::domain::AccountKind]) -> String {
    let corp = corp_name.trim();
    let corp = if corp.is_empty() { "（购买企业名称）" } else { corp };
    format!("{corp} {}", interface_name(kinds))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAP: LinkCap = LinkCap { vouchers: 2, bytes: 100 };

    #[test]
    fn a_link_takes_vouchers_until_either_its_count_or_its_bytes_run_out() {
        assert_eq!(CAP.room(LinkUsage::default()), Ok(100));
        assert_eq!(CAP.admit(LinkUsage { vouchers: 1, bytes: 60 }, 40), Ok(()));
        assert_eq!(CAP.admit(LinkUsage { vouchers: 1, bytes: 60 }, 41), Err(LinkRefusal::Bytes { max: 100 }));
        assert_eq!(CAP.room(LinkUsage { vouchers: 2, bytes: 10 }), Err(LinkRefusal::Vouchers { max: 2 }));
        assert_eq!(CAP.room(LinkUsage { vouchers: 1, bytes: 100 }), Err(LinkRefusal::Bytes { max: 100 }));
    }

    #[test]
    fn each_refusal_has_its_status_and_a_message_in_both_languages() {
        let statuses: Vec<_> =
            [LinkRefusal::Closed, LinkRefusal::Vouchers { max: 5 }, LinkRefusal::Bytes { max: 1 << 20 }]
                .into_iter()
                .map(|r| {
                    let p = r.problem();
                    assert!(!p.zh.is_empty() && !p.en.is_empty());
                    r.status()
                })
                .collect();
        assert_eq!(statuses, [410, 409, 413]);
        assert!(LinkRefusal::Vouchers { max: 5 }.problem().zh.contains("5 份"));
        assert!(LinkRefusal::Bytes { max: 40 << 20 }.problem().en.contains("40.0 MB"));
    }

    #[test]
    fn link_validity_is_one_to_thirty_days_defaulting_to_seven() {
        assert_eq!(check_link_days(None), Ok(7));
        assert_eq!(check_link_days(Some(1)), Ok(1));
        assert_eq!(check_link_days(Some(30)), Ok(30));
        assert_eq!(check_link_days(Some(0)).unwrap_err().field, "days");
        assert_eq!(check_link_days(Some(31)).unwrap_err().code, "payment_link_days_out_of_range");
    }

    #[test]
    fn the_ways_to_pay_keep_what_is_set_and_drop_an_unsafe_qr() {
        let w = PaymentWays::from_values(Some("javascript:alert(1)"), Some("  "), [None, Some(" 6222 "), None, None]);
        assert_eq!(w.wechat_qr, None);
        assert_eq!(w.wechat_note, None);
        let bank = w.bank.expect("one bank value is set");
        assert_eq!(bank.account_number.as_deref(), Some("6222"));
        assert_eq!(bank.rows()[0].2, None);
        let none = PaymentWays::from_values(Some("/qr.png"), None, [None, Some(""), None, None]);
        assert_eq!((none.wechat_qr.as_deref(), none.bank), (Some("/qr.png"), None));
        assert!(is_safe_image_url("data:image/png;base64,AA") && !is_safe_image_url("//evil.example/x.png"));
    }

    #[test]
    fn the_wechat_note_names_the_buyer_and_the_interface() {
        use crate::domain::AccountKind::{Basic, Interop};
        assert_eq!(wechat_remark("甲公司", &[Interop, Basic]), "甲公司 企业微信基础接口、互通接口");
        assert_eq!(wechat_remark(" ", &[]), "（购买企业名称） 企业微信接口许可");
    }
}
