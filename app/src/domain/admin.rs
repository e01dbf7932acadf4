//! The admin console's rules (管理后台): the settings an admin keeps and their checks, the
//! last-admin rule, what makes an approval flow usable, and which price book versions may still be
//! changed. Pure: the browser runs them for instant feedback, the services as the authority.

use super::price_book::PriceBook;
use super::problem::{Problem, indexed};
use crate::domain::actor::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The settings' keys in the key → value table. The payment ones are those the payment page has
/// always read.
pub mod keys {
    pub const SELLER_NAME: &str = "seller.name";
    pub const SELLER_CONTACT: &str = "seller.contact";
    pub const SALES_EMAIL: &str = "seller.sales_email";
    /// The WeChat QR image: an `https://` URL, a path on this site, or a `data:image/…` URL.
    pub const WECHAT_QR: &str = "payment.wechat_qr";
    /// The uploaded QR image itself (`<mime>;<base64>`), served at [`super::WECHAT_QR_PATH`].
    pub const WECHAT_QR_IMAGE: &str = "payment.wechat_qr_image";
    /// Extra text under the QR code.
    pub const WECHAT_NOTE: &str = "payment.wechat_note";
    pub const BANK_ACCOUNT_NAME: &str = "payment.bank_account_name";
    pub const BANK_ACCOUNT_NUMBER: &str = "payment.bank_account_number";
    pub const BANK_NAME: &str = "payment.bank_name";
    pub const BANK_CODE: &str = "payment.bank_code";
    pub const ROBOT_WEBHOOK: &str = "robot.webhook";
    pub const INSTALLED_APPS: &str = "installed_apps";
    pub const QUOTE_VALID_DAYS: &str = "quote.valid_days";
    pub const PAYMENT_LINK_DAYS: &str = "payment_link.days";
    /// Every key the settings page reads.
    pub const ALL: [&str; 14] = [
        SELLER_NAME,
        SELLER_CONTACT,
        SALES_EMAIL,
        WECHAT_QR,
        WECHAT_QR_IMAGE,
        WECHAT_NOTE,
        BANK_ACCOUNT_NAME,
        BANK_ACCOUNT_NUMBER,
        BANK_NAME,
        BANK_CODE,
        ROBOT_WEBHOOK,
        INSTALLED_APPS,
        QUOTE_VALID_DAYS,
        PAYMENT_LINK_DAYS,
    ];
}

/// Where the uploaded WeChat QR image is served (with `?v=<digest>` so a new one is never cached
/// under the old address).
pub const WECHAT_QR_PATH: &str = "/settings/wechat-qr";

/// The largest WeChat QR image accepted: a QR code is a few KiB; a photo of one, a few hundred.
pub const MAX_QR_BYTES: usize = 512 * 1024;

/// Saved quotes' validity and payment links' default validity, in days: the allowed ranges.
pub const QUOTE_VALID_DAYS: std::ops::RangeInclusive<u32> = 1..=365;
pub const PAYMENT_LINK_DAYS: std::ops::RangeInclusive<u32> = 1..=30;

/// The settings page as typed: every value a text, as the form holds it (a field left out is
/// blank).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    /// 卖方名称, printed on quotes.
    pub seller_name: String,
    /// 联系方式 printed under it (a phone number, an address).
    pub seller_contact: String,
    /// Where customers ask for a negotiated price.
    pub sales_email: String,
    /// 对公转账: 户名, 账号, 开户行, 联行号.
    pub bank_account_name: String,
    pub bank_account_number: String,
    pub bank_name: String,
    pub bank_code: String,
    /// The text under the WeChat QR code.
    pub wechat_note: String,
    /// The WeCom group robot's webhook URL; `None`: keep the stored one (it is a secret the page
    /// never receives back), `Some("")`: remove it.
    pub robot_webhook: Option<String>,
    /// 安装的应用, one per line.
    pub installed_apps: String,
    pub quote_valid_days: String,
    pub payment_link_days: String,
}

/// The settings once checked: what is stored, key → value (a blank value removes the key, so the
/// environment's default applies again).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedSettings {
    pub values: Vec<(&'static str, String)>,
}

fn too_long(field: &str, value: &str, max: usize, zh: &str, en: &str) -> Option<Problem> {
    (value.chars().count() > max).then(|| {
        Problem::error(
            field,
            "setting_too_long",
            format!("{zh}最多{max}个字符"),
            format!("{en} is at most {max} characters"),
        )
    })
}

/// A number of days in `range`, or the problem naming the field.
fn days(field: &str, text: &str, range: std::ops::RangeInclusive<u32>, zh: &str, en: &str) -> Result<u32, Problem> {
    let (lo, hi) = (*range.start(), *range.end());
    match text.trim().parse::<u32>() {
        Ok(d) if range.contains(&d) => Ok(d),
        _ => Err(Problem::error(
            field,
            "setting_days_out_of_range",
            format!("{zh}应为 {lo}–{hi} 之间的整数天数"),
            format!("{en} must be a whole number of days from {lo} to {hi}"),
        )),
    }
}

/// Whether `url` is an http(s) URL with a host: the robot's webhook.
pub fn is_http_url(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

impl SettingsForm {
    /// Checks every value; all problems at once, each naming its field.
    pub fn check(&self) -> Result<CheckedSettings, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut values = Vec::new();
        let t = |s: &String| s.trim().to_owned();
        let name = t(&self.seller_name);
        if name.is_empty() {
            problems.push(Problem::error(
                "seller_name",
                "seller_name_required",
                "请填写卖方名称",
                "The seller's name is required",
            ));
        }
        problems.extend(too_long("seller_name", &name, 100, "卖方名称", "The seller's name"));
        let contact = t(&self.seller_contact);
        problems.extend(too_long("seller_contact", &contact, 200, "联系方式", "The contact details"));
        let email = t(&self.sales_email);
        if !email.is_empty() && !is_email(&email) {
            problems.push(Problem::error(
                "sales_email",
                "sales_email_invalid",
                format!("“{email}”不是有效的邮箱地址"),
                format!("“{email}” is not an email address"),
            ));
        }
        values.extend([(keys::SELLER_NAME, name), (keys::SELLER_CONTACT, contact), (keys::SALES_EMAIL, email)]);

        let bank = [
            ("bank_account_name", keys::BANK_ACCOUNT_NAME, t(&self.bank_account_name), "户名", "The account name"),
            (
                "bank_account_number",
                keys::BANK_ACCOUNT_NUMBER,
                t(&self.bank_account_number),
                "账号",
                "The account number",
            ),
            ("bank_name", keys::BANK_NAME, t(&self.bank_name), "开户行", "The bank"),
            ("bank_code", keys::BANK_CODE, t(&self.bank_code), "联行号", "The bank code"),
        ];
        let filled = bank.iter().filter(|b| !b.2.is_empty()).count();
        if filled != 0 && filled != bank.len() {
            for (field, _, value, zh, en) in &bank {
                if value.is_empty() {
                    problems.push(Problem::error(
                        *field,
                        "bank_detail_missing",
                        format!("对公转账信息须填写完整：请填写{zh}（或清空全部四项）"),
                        format!("Bank transfer details go together: fill in {} (or clear all four)", en.to_lowercase()),
                    ));
                }
            }
        }
        let digits = |s: &str| s.chars().filter(|c| !matches!(c, ' ' | '-')).collect::<String>();
        let number = digits(&bank[1].2);
        if !number.is_empty() && !(8..=32).contains(&number.len()) || !number.chars().all(|c| c.is_ascii_digit()) {
            problems.push(Problem::error(
                "bank_account_number",
                "bank_account_number_invalid",
                "账号应为 8–32 位数字（可用空格分组）",
                "The account number is 8 to 32 digits (spaces may group them)",
            ));
        }
        let code = digits(&bank[3].2);
        if !code.is_empty() && (code.len() != 12 || !code.chars().all(|c| c.is_ascii_digit())) {
            problems.push(Problem::error(
                "bank_code",
                "bank_code_invalid",
                "联行号应为 12 位数字",
                "The bank code (联行号) is 12 digits",
            ));
        }
        for (field, key, value, zh, en) in bank {
            problems.extend(too_long(field, &value, 100, zh, en));
            values.push((key, value));
        }

        let note = t(&self.wechat_note);
        problems.extend(too_long("wechat_note", &note, 200, "扫码付款说明", "The note under the QR code"));
        values.push((keys::WECHAT_NOTE, note));

        if let Some(hook) = &self.robot_webhook {
            let hook = hook.trim().to_owned();
            if !hook.is_empty() && (!is_http_url(&hook) || hook.len() > 500) {
                problems.push(Problem::error(
                    "robot_webhook",
                    "robot_webhook_invalid",
                    "群机器人地址应为 http(s) 网址，如 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
                    "The group robot's address must be an http(s) URL, e.g. https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
                ));
            }
            values.push((keys::ROBOT_WEBHOOK, hook));
        }

        match installed_apps(&self.installed_apps) {
            Ok(apps) => values.push((keys::INSTALLED_APPS, serde_json::to_string(&apps).unwrap_or_default())),
            Err(p) => problems.extend(p),
        }
        match days("quote_valid_days", &self.quote_valid_days, QUOTE_VALID_DAYS, "报价有效期", "A quote's validity")
        {
            Ok(d) => values.push((keys::QUOTE_VALID_DAYS, d.to_string())),
            Err(p) => problems.push(p),
        }
        match days(
            "payment_link_days",
            &self.payment_link_days,
            PAYMENT_LINK_DAYS,
            "付款链接默认有效期",
            "A payment link's default validity",
        ) {
            Ok(d) => values.push((keys::PAYMENT_LINK_DAYS, d.to_string())),
            Err(p) => problems.push(p),
        }
        if problems.is_empty() { Ok(CheckedSettings { values }) } else { Err(problems) }
    }
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace())
                && s.len() <= 100
        }
        None => false,
    }
}

/// 安装的应用: one name per line; blank lines are skipped; each at most 64 characters, no name
/// twice, at most 50.
pub fn installed_apps(text: &str) -> Result<Vec<String>, Vec<Problem>> {
    let mut apps: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    for name in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if name.chars().count() > 64 {
            problems.push(Problem::error(
                "installed_apps",
                "installed_app_too_long",
                format!("应用名称“{name}”超过64个字符"),
                format!("The app name “{name}” is longer than 64 characters"),
            ));
        } else if apps.iter().any(|a| a == name) {
            problems.push(Problem::error(
                "installed_apps",
                "installed_app_twice",
                format!("应用“{name}”重复列出"),
                format!("The app “{name}” is listed twice"),
            ));
        } else {
            apps.push(name.to_owned());
        }
    }
    if apps.len() > 50 {
        problems.push(Problem::error(
            "installed_apps",
            "installed_apps_too_many",
            "安装的应用最多50个",
            "At most 50 installed apps",
        ));
    }
    if problems.is_empty() { Ok(apps) } else { Err(problems) }
}

/// The last-admin rule: a change that would leave no active admin is refused. `active_admins` counts
/// the active admins now (the target included when they are one).
pub fn check_admin_kept(
    active_admins: usize,
    target_is_active_admin: bool,
    stays_active_admin: bool,
) -> Result<(), Problem> {
    if target_is_active_admin && !stays_active_admin && active_admins <= 1 {
        return Err(Problem::error(
            "user",
            "last_admin",
            "这是最后一位在用的管理员：请先设置另一位管理员，再停用或改变此账号的角色",
            "This is the last active administrator: make someone else an administrator before deactivating or demoting this account",
        ));
    }
    Ok(())
}

/// One level of a flow as the admin edits it: its name, default approver and candidates (user ids).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelEdit {
    pub name: String,
    pub default_approver: Option<i64>,
    pub candidates: Vec<i64>,
}

/// The most levels a flow may have.
pub const MAX_FLOW_LEVELS: usize = 9;

/// Checks a flow's levels against the people who may approve (`approvers`: active approvers and
/// admins): 1 to [`MAX_FLOW_LEVELS`] levels, each named, with a default approver who is among the
/// candidates (added when missing), every one of them someone who may approve. Returns the levels
/// with the default among the candidates, candidates unique and sorted.
pub fn check_flow(name: &str, levels: &[LevelEdit], approvers: &[i64]) -> Result<Vec<LevelEdit>, Vec<Problem>> {
    let mut problems = Vec::new();
    if name.trim().is_empty() || name.trim().chars().count() > 64 {
        problems.push(Problem::error(
            "name",
            "flow_name_invalid",
            "请填写流程名称（最多64个字符）",
            "The flow needs a name (at most 64 characters)",
        ));
    }
    if levels.is_empty() || levels.len() > MAX_FLOW_LEVELS {
        problems.push(Problem::error(
            "levels",
            "flow_levels_count",
            format!("审批流程应有 1–{MAX_FLOW_LEVELS} 级"),
            format!("A flow has 1 to {MAX_FLOW_LEVELS} levels"),
        ));
    }
    let mut out = Vec::new();
    for (i, level) in levels.iter().enumerate() {
        let n = i + 1;
        let level_name = level.name.trim();
        if level_name.is_empty() || level_name.chars().count() > 64 {
            problems.push(Problem::error(
                indexed("levels", i, "name"),
                "level_name_invalid",
                format!("请填写第{n}级的名称（最多64个字符）"),
                format!("Level {n} needs a name (at most 64 characters)"),
            ));
        }
        let mut candidates = level.candidates.clone();
        match level.default_approver {
            Some(d) => candidates.push(d),
            None => problems.push(Problem::error(
                indexed("levels", i, "default_approver"),
                "level_default_missing",
                format!("请为第{n}级选择默认审批人"),
                format!("Pick level {n}'s default approver"),
            )),
        }
        candidates.sort_unstable();
        candidates.dedup();
        if candidates.iter().any(|c| !approvers.contains(c)) {
            problems.push(Problem::error(
                indexed("levels", i, "candidates"),
                "level_approver_not_allowed",
                format!("第{n}级的审批人须为在用的审批人或管理员"),
                format!("Level {n}'s approvers must be active approvers or administrators"),
            ));
        }
        out.push(LevelEdit { name: level_name.to_owned(), default_approver: level.default_approver, candidates });
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// May a user of this role stand in a flow's level?
pub fn may_approve(role: Role) -> bool {
    matches!(role, Role::Approver | Role::Admin)
}

/// Checks a price book version an admin saves, on top of [`PriceBook::validate`]: it takes effect
/// today or later (`today`, Beijing time: the past is history), on a day no other version starts,
/// under a version label no other version has. `others` are the other stored versions.
pub fn check_price_book(book: &PriceBook, others: &[PriceBook], today: NaiveDate) -> Vec<Problem> {
    let mut problems = book.validate();
    if book.effective_from < today {
        problems.push(Problem::error(
            "effective_from",
            "price_book_in_past",
            format!("生效日期不能早于今天（{today}）：已生效的价格表不可更改"),
            format!("The effective date cannot be before today ({today}): versions in effect are history"),
        ));
    }
    if let Some(o) = others.iter().find(|o| o.effective_from == book.effective_from) {
        problems.push(Problem::error(
            "effective_from",
            "price_book_date_taken",
            format!("版本“{}”已在 {} 生效，请换一个日期或修改该版本", o.version, o.effective_from),
            format!(
                "Version “{}” already takes effect on {}; pick another date or edit it",
                o.version, o.effective_from
            ),
        ));
    }
    if others.iter().any(|o| o.version.trim() == book.version.trim()) {
        problems.push(Problem::error(
            "version",
            "price_book_version_taken",
            format!("版本号“{}”已存在", book.version.trim()),
            format!("The version “{}” exists already", book.version.trim()),
        ));
    }
    problems
}

/// May a stored version still be changed? Only before it takes effect.
pub fn price_book_editable(book: &PriceBook, today: NaiveDate) -> bool {
    book.effective_from > today
}

/// The sample quotes the price book editor compares, old against new: (kind, count, months).
pub const SAMPLE_QUOTES: [(super::AccountKind, u32, u32); 5] = [
    (super::AccountKind::Interop, 8, 12),
    (super::AccountKind::Basic, 300, 24),
    (super::AccountKind::Interop, 150, 12),
    (super::AccountKind::Basic, 1_000, 12),
    (super::AccountKind::Interop, 2_000, 36),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> SettingsForm {
        SettingsForm {
            seller_name: "上海灵当信息科技有限公司".into(),
            quote_valid_days: "30".into(),
            payment_link_days: "7".into(),
            ..SettingsForm::default()
        }
    }

    #[test]
    fn a_minimal_form_passes_and_blank_values_are_kept_as_blanks() {
        let checked = form().check().unwrap();
        assert!(checked.values.contains(&(keys::SELLER_NAME, "上海灵当信息科技有限公司".into())));
        assert!(checked.values.contains(&(keys::BANK_ACCOUNT_NUMBER, String::new())));
        assert!(!checked.values.iter().any(|(k, _)| *k == keys::ROBOT_WEBHOOK), "None keeps the stored webhook");
    }

    #[test]
    fn bank_details_go_together_and_are_checked() {
        let mut f = form();
        f.bank_account_name = "某公司".into();
        f.bank_code = "1234".into();
        let codes: Vec<_> = f.check().unwrap_err().into_iter().map(|p| (p.field, p.code)).collect();
        assert!(codes.contains(&("bank_account_number".into(), "bank_detail_missing".into())));
        assert!(codes.contains(&("bank_name".into(), "bank_detail_missing".into())));
        assert!(codes.contains(&("bank_code".into(), "bank_code_invalid".into())));
        f.bank_account_number = "3100 1518 0000 5001 0918".into();
        f.bank_name = "建设银行".into();
        f.bank_code = "105290070006".into();
        assert!(f.check().is_ok());
        f.bank_account_number = "31001518x".into();
        assert_eq!(f.check().unwrap_err()[0].code, "bank_account_number_invalid");
    }

    #[test]
    fn days_webhook_email_and_apps_are_checked() {
        let mut f = form();
        f.quote_valid_days = "0".into();
        f.payment_link_days = "31".into();
        f.robot_webhook = Some("ftp://x".into());
        f.sales_email = "sales at example".into();
        f.installed_apps = "销售易\n\n销售易\n".into();
        let codes: Vec<_> = f.check().unwrap_err().into_iter().map(|p| p.code).collect();
        for c in ["setting_days_out_of_range", "robot_webhook_invalid", "sales_email_invalid", "installed_app_twice"] {
            assert!(codes.contains(&c.to_owned()), "{c} in {codes:?}");
        }
        assert_eq!(codes.iter().filter(|c| *c == "setting_days_out_of_range").count(), 2);
        let mut ok = form();
        ok.robot_webhook = Some("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k".into());
        ok.installed_apps = "销售易\n纷享销客".into();
        let v = ok.check().unwrap().values;
        assert!(v.contains(&(keys::INSTALLED_APPS, r#"["销售易","纷享销客"]"#.into())));
    }

    #[test]
    fn the_last_active_admin_stays() {
        assert!(check_admin_kept(1, true, false).is_err());
        assert!(check_admin_kept(2, true, false).is_ok());
        assert!(check_admin_kept(1, true, true).is_ok());
        assert!(check_admin_kept(1, false, false).is_ok());
    }

    #[test]
    fn a_flow_needs_named_levels_with_allowed_defaults() {
        let level = |name: &str, d: Option<i64>, c: Vec<i64>| LevelEdit {
            name: name.into(),
            default_approver: d,
            candidates: c,
        };
        let ok = check_flow("默认", &[level(" 一级 ", Some(3), vec![4, 4])], &[3, 4]).unwrap();
        assert_eq!(ok[0], level("一级", Some(3), vec![3, 4]));
        let e = check_flow("", &[level("", None, vec![9])], &[3]).unwrap_err();
        let codes: Vec<_> = e.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(
            codes,
            ["flow_name_invalid", "level_name_invalid", "level_default_missing", "level_approver_not_allowed"]
        );
        assert_eq!(check_flow("f", &[], &[]).unwrap_err()[0].code, "flow_levels_count");
    }

    #[test]
    fn a_price_book_starts_today_or_later_on_a_free_date() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let old = PriceBook::default_2022();
        let mut new = old.clone();
        new.version = "2026-12".into();
        new.effective_from = today;
        assert!(check_price_book(&new, std::slice::from_ref(&old), today).is_empty());
        assert!(!price_book_editable(&new, today));
        new.effective_from = today.succ_opt().unwrap();
        assert!(price_book_editable(&new, today));
        new.effective_from = old.effective_from;
        new.version = old.version.clone();
        let codes: Vec<_> =
            check_price_book(&new, std::slice::from_ref(&old), today).into_iter().map(|p| p.code).collect();
        assert_eq!(codes, ["price_book_in_past", "price_book_date_taken", "price_book_version_taken"]);
    }
}
