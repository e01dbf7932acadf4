//! The settings section (系统设置): the seller's details printed on quotes, the bank transfer details
//! and WeChat note of the payment page, installed apps, validity days, the group robot's webhook
//! (with a test message), and the WeChat payment QR image. The form is checked with
//! `SettingsForm::check` before it is sent. The QR image is uploaded with a plain multipart form
//! (`POST /admin/wechat-qr`), which comes back here with `?qr=saved` or `?qr_error=<code>`.

use super::{FieldProblems, Outcome, TopProblems, confirm, under_any};
use crate::domain::Lang;
use crate::domain::admin::SettingsForm;
use crate::functions::admin::{remove_wechat_qr, save_settings, settings, test_robot};
use crate::i18n::use_lang;
use crate::models::{RobotTestResult, SettingsPage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

/// Every field of the form (problems name them).
const FIELDS: [&str; 12] = [
    "seller_name",
    "seller_contact",
    "sales_email",
    "bank_account_name",
    "bank_account_number",
    "bank_name",
    "bank_code",
    "wechat_note",
    "robot_webhook",
    "installed_apps",
    "quote_valid_days",
    "payment_link_days",
];

#[component]
pub fn SettingsSection() -> impl IntoView {
    let lang = use_lang();
    let page = Resource::new(|| (), |_| settings());
    view! {
        <Transition fallback=move || view! { <p class="loading">{lang.pick("正在加载…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! { <SettingsEditor page=p /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The form's values as typed, one signal per field.
#[derive(Clone, Copy)]
struct Values {
    seller_name: RwSignal<String>,
    seller_contact: RwSignal<String>,
    sales_email: RwSignal<String>,
    bank_account_name: RwSignal<String>,
    bank_account_number: RwSignal<String>,
    bank_name: RwSignal<String>,
    bank_code: RwSignal<String>,
    wechat_note: RwSignal<String>,
    robot_webhook: RwSignal<String>,
    clear_webhook: RwSignal<bool>,
    installed_apps: RwSignal<String>,
    quote_valid_days: RwSignal<String>,
    payment_link_days: RwSignal<String>,
}

impl Values {
    fn new(f: SettingsForm) -> Values {
        Values {
            seller_name: RwSignal::new(f.seller_name),
            seller_contact: RwSignal::new(f.seller_contact),
            sales_email: RwSignal::new(f.sales_email),
            bank_account_name: RwSignal::new(f.bank_account_name),
            bank_account_number: RwSignal::new(f.bank_account_number),
            bank_name: RwSignal::new(f.bank_name),
            bank_code: RwSignal::new(f.bank_code),
            wechat_note: RwSignal::new(f.wechat_note),
            robot_webhook: RwSignal::new(String::new()),
            clear_webhook: RwSignal::new(false),
            installed_apps: RwSignal::new(f.installed_apps),
            quote_valid_days: RwSignal::new(f.quote_valid_days),
            payment_link_days: RwSignal::new(f.payment_link_days),
        }
    }

    fn form(&self) -> SettingsForm {
        let hook = self.robot_webhook.get_untracked();
        SettingsForm {
            seller_name: self.seller_name.get_untracked(),
            seller_contact: self.seller_contact.get_untracked(),
            sales_email: self.sales_email.get_untracked(),
            bank_account_name: self.bank_account_name.get_untracked(),
            bank_account_number: self.bank_account_number.get_untracked(),
            bank_name: self.bank_name.get_untracked(),
            bank_code: self.bank_code.get_untracked(),
            wechat_note: self.wechat_note.get_untracked(),
            // Blank keeps the stored webhook; 清除 removes it.
            robot_webhook: if self.clear_webhook.get_untracked() {
                Some(String::new())
            } else {
                (!hook.trim().is_empty()).then_some(hook)
            },
            installed_apps: self.installed_apps.get_untracked(),
            quote_valid_days: self.quote_valid_days.get_untracked(),
            payment_link_days: self.payment_link_days.get_untracked(),
        }
    }
}

/// A labelled input (or textarea) bound to a signal, with its problems.
fn field(
    outcome: Outcome,
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    kind: &'static str,
) -> impl IntoView {
    let name = id.strip_prefix("set-").unwrap_or(id).replace('-', "_");
    let invalid = {
        let name = name.clone();
        move || outcome.problems.with(|ps| ps.iter().any(|p| p.field == name)).then_some("true")
    };
    let control = if kind == "textarea" {
        view! {
            <textarea id=id data-testid=id rows="5" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) aria-invalid=invalid></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id data-testid=id type=kind prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) aria-invalid=invalid />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {control}
            <FieldProblems outcome field=name />
        </div>
    }
}

#[component]
fn SettingsEditor(page: SettingsPage) -> impl IntoView {
    let lang = use_lang();
    let outcome = Outcome::new();
    let v = Values::new(page.form.clone());
    let saved = RwSignal::new(false);
    let masked = RwSignal::new(page.robot_webhook_masked.clone());
    let from_env = RwSignal::new(page.robot_webhook_from_env);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let form = v.form();
        if let Err(problems) = form.check() {
            return outcome.refuse(problems);
        }
        outcome.start();
        spawn_local(async move {
            match save_settings(form).await {
                Ok(p) => {
                    outcome.done();
                    saved.set(true);
                    masked.set(p.robot_webhook_masked);
                    from_env.set(p.robot_webhook_from_env);
                    v.robot_webhook.set(String::new());
                    v.clear_webhook.set(false);
                }
                Err(e) => outcome.fail(lang, e),
            }
        });
    };
    let tax = (page.tax_rate * rust_decimal::Decimal::ONE_HUNDRED).normalize().to_string();
    let interactive = crate::components::form_field::interactive_mark();
    view! {
        <form class="card admin-form settings-form" data-testid="settings-form" on:submit=save
            data-interactive=interactive>
            <TopProblems outcome inline=|f| under_any(f, &FIELDS) />
            <h2>{lang.pick("卖方信息", "Seller")}</h2>
            <div class="form-grid">
                {field(outcome, "set-seller-name", lang.pick("卖方名称", "Seller name"), v.seller_name, "text")}
                {field(outcome, "set-seller-contact", lang.pick("联系方式", "Contact details"), v.seller_contact, "text")}
                {field(outcome, "set-sales-email", lang.pick("销售邮箱", "Sales email"), v.sales_email, "email")}
            </div>
            <h2>{lang.pick("对公转账", "Bank transfer")}</h2>
            <div class="form-grid">
                {field(outcome, "set-bank-account-name", lang.pick("户名", "Account name"), v.bank_account_name, "text")}
                {field(outcome, "set-bank-account-number", lang.pick("账号", "Account number"), v.bank_account_number, "text")}
                {field(outcome, "set-bank-name", lang.pick("开户行", "Bank"), v.bank_name, "text")}
                {field(outcome, "set-bank-code", lang.pick("联行号", "Bank code"), v.bank_code, "text")}
            </div>
            <h2>{lang.pick("其他", "Other")}</h2>
            <div class="form-grid">
                {field(outcome, "set-wechat-note", lang.pick("扫码付款说明", "Note under the WeChat QR code"), v.wechat_note, "text")}
                {field(outcome, "set-quote-valid-days", lang.pick("报价有效期（天）", "Quote validity (days)"), v.quote_valid_days, "number")}
                {field(outcome, "set-payment-link-days", lang.pick("付款链接默认有效期（天）", "Payment link default validity (days)"), v.payment_link_days, "number")}
                <div class="field">
                    <span class="label">{lang.pick("税率", "Tax rate")}</span>
                    <span class="value" data-testid="settings-tax-rate">{format!("{tax}%")}</span>
                    <small class="hint">{lang.pick("税率随价格表版本设置，请在“价格表”中修改。", "The tax rate is set per price book version: change it under Price book.")}</small>
                </div>
            </div>
            {field(outcome, "set-installed-apps", lang.pick("安装的应用（每行一个）", "Installed apps (one per line)"), v.installed_apps, "textarea")}
            <h2>{lang.pick("企业微信群机器人", "WeCom group robot")}</h2>
            <p data-testid="robot-webhook-current">
                {lang.pick("当前地址：", "Current address: ")}
                {move || masked.get().unwrap_or_else(|| lang.pick("未设置", "none").to_owned())}
                {move || from_env.get().then(|| view! { <small class="hint">{lang.pick("（来自环境变量 WECOM_ROBOT_WEBHOOK）", " (from the environment variable WECOM_ROBOT_WEBHOOK)")}</small> })}
            </p>
            {field(outcome, "set-robot-webhook", lang.pick("新的群机器人地址（留空则不变）", "New robot webhook (blank keeps the current one)"), v.robot_webhook, "url")}
            <label class="check">
                <input type="checkbox" data-testid="robot-webhook-clear" prop:checked=move || v.clear_webhook.get()
                    on:change=move |ev| v.clear_webhook.set(event_target_checked(&ev)) />
                {lang.pick("清除群机器人地址", "Clear the robot webhook")}
            </label>
            <div class="form-actions">
                <button type="submit" class="primary" data-testid="settings-save" disabled=move || outcome.busy.get()>{lang.pick("保存设置", "Save settings")}</button>
                {move || saved.get().then(|| view! { <span class="notice ok" role="status" data-testid="settings-saved">{lang.pick("设置已保存", "Settings saved")}</span> })}
            </div>
        </form>
        <RobotTest lang />
        <WechatQr image=page.wechat_qr max_bytes=page.max_qr_bytes lang />
    }
}

#[component]
fn RobotTest(lang: Lang) -> impl IntoView {
    let outcome = Outcome::new();
    let result = RwSignal::new(None::<RobotTestResult>);
    let run = move |_| {
        outcome.start();
        result.set(None);
        spawn_local(async move {
            match test_robot().await {
                Ok(r) => {
                    outcome.done();
                    result.set(Some(r));
                }
                Err(e) => outcome.fail(lang, e),
            }
        });
    };
    view! {
        <section class="card admin-form">
            <h2>{lang.pick("测试群机器人", "Test the robot")}</h2>
            <p class="hint">{lang.pick("使用已保存的地址。", "Uses the saved address.")}</p>
            <button type="button" data-testid="robot-test" disabled=move || outcome.busy.get() on:click=run>{lang.pick("发送测试消息", "Send a test message")}</button>
            <TopProblems outcome inline=|_| false />
            {move || result.get().map(|r| {
                let class = if r.ok { "notice ok" } else { "notice error" };
                let head = if r.ok { lang.pick("发送成功：", "Sent: ") } else { lang.pick("发送失败：", "Failed: ") };
                view! { <p class=class role="status" data-testid="robot-test-result" data-ok=r.ok.to_string()>{head}{r.detail}</p> }
            })}
        </section>
    }
}

/// The outcome of an upload, from the address the server sent the browser back to.
fn upload_outcome(lang: Lang, saved: bool, error: Option<&str>) -> Option<(bool, &'static str)> {
    if let Some(code) = error {
        let text = match code {
            "qr_too_large" => lang.pick("图片过大，请上传更小的图片", "The image is too large"),
            "qr_not_image" => lang.pick("只接受 PNG 或 JPEG 图片", "Only PNG or JPEG images are accepted"),
            "qr_missing" => lang.pick("请先选择图片", "Choose an image first"),
            "forbidden" => lang.pick("无权执行此操作", "You are not allowed to do this"),
            "cross_site" => lang.pick("跨站请求被拒绝", "Cross-site request refused"),
            _ => lang.pick("上传失败", "The upload failed"),
        };
        return Some((false, text));
    }
    saved.then(|| (true, lang.pick("收款码已更新", "QR code saved")))
}

#[component]
fn WechatQr(image: Option<String>, max_bytes: u64, lang: Lang) -> impl IntoView {
    let query = use_query_map();
    let outcome = Outcome::new();
    let image = RwSignal::new(image);
    let remove = move |_| {
        if !confirm(lang.pick("确定移除微信收款码？", "Remove the WeChat QR code?")) {
            return;
        }
        outcome.start();
        spawn_local(async move {
            match remove_wechat_qr().await {
                Ok(()) => {
                    outcome.done();
                    image.set(None);
                }
                Err(e) => outcome.fail(lang, e),
            }
        });
    };
    let status = move || {
        query.with(|q| {
            upload_outcome(lang, q.get("qr").as_deref() == Some("saved"), q.get("qr_error").as_deref()).map(|(ok, text)| {
                view! { <p class=if ok { "notice ok" } else { "notice error" } role="status" data-testid="qr-outcome">{text}</p> }
            })
        })
    };
    view! {
        <section class="card admin-form" data-testid="wechat-qr">
            <h2>{lang.pick("微信收款码", "WeChat payment QR code")}</h2>
            {status}
            <TopProblems outcome inline=|_| false />
            {move || image.get().map(|src| view! {
                <img class="qr-preview" src=src alt=lang.pick("当前的微信收款码", "The current WeChat QR code") data-testid="qr-image" />
                <button type="button" data-testid="qr-remove" disabled=move || outcome.busy.get() on:click=remove>{lang.pick("移除收款码", "Remove")}</button>
            })}
            <form method="post" action="/admin/wechat-qr" enctype="multipart/form-data" class="qr-upload">
                <div class="field">
                    <label for="qr-file">
                        {format!("{}{} KiB", lang.pick("上传新图片（PNG 或 JPEG，最大 ", "Upload a new image (PNG or JPEG, at most "), max_bytes / 1024)}
                        {lang.pick("）", ")")}
                    </label>
                    <input id="qr-file" type="file" name="file" accept="image/png,image/jpeg" required data-testid="qr-upload" />
                </div>
                <button type="submit" data-testid="qr-submit">{lang.pick("上传", "Upload")}</button>
            </form>
        </section>
    }
}
