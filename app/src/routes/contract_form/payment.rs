//! 付款 (issue #14 point 5): the two ways to pay as the seed shows them — WeChat scan with the note
//! the payer must write and no invoice, bank transfer with its four values — each value with a
//! copy button; then the customer's private payment link: create it (validity in days, its expiry
//! in Beijing time), copy its full URL, and the contract's links with what each has taken, to
//! revoke one. The ways come from the same settings the customer's payment page shows
//! (`payment/links` → `services::payment_links::ways`). Shown to whom the policy lets create
//! links, while the contract awaits payment; the server checks both again.
//!
//! Its texts are written in place with the page's `Lang` (not in `app/locales`): the keys there
//! all land in the main WASM module, whose budget the quote page needs.

use super::state::Form;
use crate::domain::AccountKind;
use crate::domain::payment_link::{PaymentWays, TRANSFER_REFERENCE, check_link_days, wechat_remark};
use crate::domain::policy::Action;
use crate::domain::problem::Lang;
use crate::error::AppError;
use crate::functions::RequestContext;
use crate::functions::payment::{
    ContractPayment, PaymentLinkCreated, PaymentLinkDto, create_payment_link, list_payment_links, revoke_payment_link,
};
use crate::i18n::date_time;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The 付款 card, for who may create payment links while the contract awaits payment.
#[component]
pub(super) fn PaymentCard(f: Form) -> impl IntoView {
    let shown =
        move || f.saved.with(|c| c.is_some()) && f.status().awaits_payment() && f.may(Action::CreatePaymentLink);
    // Rendered in the browser only, once the form is hydrated: its buttons then work as soon as
    // they show (rendered on the server, the card hydrated only when its data came in again, and
    // a click before that was lost). Nothing on it is for a visitor without JavaScript.
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    view! {
        <Show when=move || mounted.get() && shown()>
            <PaymentDesk f />
        </Show>
    }
}

#[component]
fn PaymentDesk(f: Form) -> impl IntoView {
    let lang = f.lang;
    let id = f.contract_id();
    let request = RequestContext::capture();
    let data = Resource::new(
        || (),
        move |_| {
            request.around(async move {
                match id {
                    Some(id) => list_payment_links(id).await.map(Some),
                    None => Ok::<_, AppError>(None),
                }
            })
        },
    );
    // The note names the buying organisation and the interfaces as the form has them now.
    let remark = Signal::derive(move || {
        f.draft.with(|d| {
            let kinds: Vec<AccountKind> = d.lines.iter().filter_map(|l| l.kind).collect();
            wechat_remark(&d.corp_name, &kinds)
        })
    });
    let loading = move || view! { <p class="loading">{lang.pick("正在读取付款方式…", "Loading the ways to pay…")}</p> };
    // The admin's default validity (系统设置), once the card's data is in.
    let default_days = Signal::derive(move || {
        data.get()
            .and_then(|r| r.ok().flatten())
            .map_or(crate::domain::payment_link::DEFAULT_LINK_DAYS, |p| p.default_days)
    });
    view! {
        <fieldset class="card pay-desk" data-testid="payment-card">
            <legend>{lang.pick("付款", "Payment")}</legend>
            // Transitions: a refetch after a link is made or revoked keeps what is shown until the
            // answer is in, and the new link's address (outside them) stays.
            <Transition fallback=loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(Some(ContractPayment { ways, .. })) => view! { <Ways lang ways remark /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                    }
                })}
            </Transition>
            <NewLink f default_days on_created=move || data.refetch() />
            <Transition>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(Some(ContractPayment { links, .. })) => {
                            view! { <Links lang links on_revoked=move || data.refetch() /> }.into_any()
                        }
                        _ => ().into_any(),
                    }
                })}
            </Transition>
        </fieldset>
    }
}

/// WeChat scan and bank transfer, as the admin set them.
#[component]
fn Ways(lang: Lang, ways: PaymentWays, remark: Signal<String>) -> impl IntoView {
    let qr = match ways.wechat_qr {
        Some(src) => view! {
            <img class="pay-qr" src=src alt=lang.pick("微信收款码", "WeChat payment code") width="160" height="160" />
        }
        .into_any(),
        None => view! {
            <p class="hint" data-testid="no-wechat-qr">
                {lang.pick("管理员尚未设置微信收款码。", "The administrator has not set the WeChat payment code yet.")}
            </p>
        }
        .into_any(),
    };
    let note = ways.wechat_note.map(|n| view! { <p class="hint">{n}</p> });
    let bank = match ways.bank {
        Some(bank) => {
            let rows = bank
                .rows()
                .into_iter()
                .map(|(zh, en, value)| {
                    let label = lang.pick(zh, en);
                    let value = value.map(str::to_owned);
                    view! {
                        <dt>{label}</dt>
                        <dd>
                            {match value {
                                Some(v) => view! { <CopyValue lang what=label value=Signal::stored(v) /> }.into_any(),
                                None => view! { <span class="hint">{lang.pick("（未设置）", "(not set)")}</span> }.into_any(),
                            }}
                        </dd>
                    }
                })
                .collect_view();
            view! {
                <dl class="facts pay-facts">{rows}</dl>
                <p class="hint">{lang.pick(TRANSFER_REFERENCE.0, TRANSFER_REFERENCE.1)}</p>
            }
            .into_any()
        }
        None => view! {
            <p class="hint" data-testid="no-bank">
                {lang.pick("管理员尚未设置对公账户信息。", "The administrator has not set the bank account yet.")}
            </p>
        }
        .into_any(),
    };
    view! {
        <div class="pay-ways">
            <section class="pay-way" data-testid="pay-wechat">
                <h3>{lang.pick("微信扫码付款", "Scan with WeChat")}</h3>
                {qr}
                <p>
                    {lang.pick(
                        "付款时请在备注中写明购买企业名称和接口名称：",
                        "In the payment's note, the buying organisation and the interface:",
                    )}
                </p>
                <CopyValue lang what=lang.pick("备注", "Note") value=remark />
                <p>
                    <strong>{lang.pick("代付业务不提供发票", "No invoice")}</strong>
                    {lang.pick("；需要发票请使用对公转账。", ": for an invoice, pay by bank transfer.")}
                </p>
                {note}
            </section>
            <section class="pay-way" data-testid="pay-bank">
                <h3>{lang.pick("对公转账", "Bank transfer")}</h3>
                {bank}
            </section>
        </div>
    }
}

/// A value to type elsewhere, with its copy button.
#[component]
fn CopyValue(lang: Lang, what: &'static str, value: Signal<String>) -> impl IntoView {
    view! {
        <span class="pay-copy">
            <span class="pay-value">{move || value.get()}</span>
            <CopyButton lang what value />
        </span>
    }
}

/// Copies `value` ("已复制" once copied, also said to a screen reader).
#[component]
fn CopyButton(lang: Lang, what: &'static str, value: Signal<String>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        if copy_text(&value.get_untracked()) {
            copied.set(true);
            set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
        }
    };
    view! {
        <button
            type="button"
            class="copy"
            data-testid="copy"
            aria-label=format!("{}{}", lang.pick("复制", "Copy "), what)
            on:click=copy
        >
            {move || if copied.get() { lang.pick("已复制", "Copied") } else { lang.pick("复制", "Copy") }}
        </button>
        <span class="visually-hidden" role="status">
            {move || copied.get().then(|| lang.pick("已复制", "Copied"))}
        </span>
    }
}

/// Puts `text` on the clipboard (`navigator.clipboard.writeText`); `false` where there is none.
fn copy_text(text: &str) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        use leptos::wasm_bindgen::{JsCast, JsValue};
        let get =
            |o: &JsValue, k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k)).ok().filter(|v| !v.is_undefined());
        let Some(window) = web_sys::window() else { return false };
        let Some(clipboard) = get(&window.into(), "navigator").and_then(|n| get(&n, "clipboard")) else { return false };
        let Some(write) = get(&clipboard, "writeText").and_then(|w| w.dyn_into::<js_sys::Function>().ok()) else {
            return false;
        };
        write.call1(&clipboard, &JsValue::from_str(text)).is_ok()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = text;
        false
    }
}

/// Creates the customer's link for a number of days and shows its full URL to copy.
#[component]
fn NewLink(f: Form, default_days: Signal<u32>, on_created: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let lang = f.lang;
    // What the partner typed; until then the admin's default.
    let typed_days = RwSignal::new(None::<String>);
    let days = Signal::derive(move || typed_days.get().unwrap_or_else(|| default_days.get().to_string()));
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<PaymentLinkCreated>);
    let create = move |_| {
        let Some(id) = f.contract_id() else { return };
        let typed = days.get_untracked();
        // The server's rule, in the browser first.
        let checked = match typed.trim().parse::<u32>() {
            Ok(d) => check_link_days(Some(d)).map_err(|p| p.message(lang).to_owned()),
            Err(_) => Err(lang.pick("请填写 1–30 之间的天数", "Enter a number of days from 1 to 30").to_owned()),
        };
        let d = match checked {
            Ok(d) => d,
            Err(message) => {
                error.set(Some(message));
                return;
            }
        };
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = create_payment_link(id, Some(d)).await;
            busy.set(false);
            match result {
                Ok(link) => {
                    created.set(Some(link));
                    on_created();
                }
                Err(e) => error.set(Some(e.message(lang))),
            }
        });
    };
    let shown = move || {
        created.get().map(|link| {
            let url = Signal::stored(absolute(&link.url));
            let until = date_time(link.expires_at);
            view! {
                <div class="notice ok pay-new-link" data-testid="payment-link-created">
                    <p>
                        {match lang {
                            Lang::Zh => format!("付款链接已生成，有效 {} 天，至 {until}（北京时间）。请发给客户：", link.days),
                            Lang::En => format!("Payment link made, valid for {} days, until {until} (Beijing time). Send it to the customer:", link.days),
                        }}
                    </p>
                    <a class="pay-url" href=move || url.get() target="_blank" rel="noopener noreferrer" data-testid="payment-link-url">
                        {move || url.get()}
                    </a>
                    <span class="pay-copy">
                        <CopyButton lang what=lang.pick("付款链接", "payment link") value=url />
                    </span>
                </div>
            }
        })
    };
    view! {
        <div class="pay-create">
            <h3>{lang.pick("客户付款链接", "The customer's payment link")}</h3>
            <p class="hint">
                {lang.pick(
                    "客户无需账号即可打开链接，查看应付金额和付款方式，并上传付款凭证。",
                    "The customer opens it without an account, sees the amount and the ways to pay, and uploads the voucher.",
                )}
            </p>
            <div class="pay-create-row">
                <label for="pay-link-days">{lang.pick("有效期（天，1–30）", "Valid for (days, 1–30)")}</label>
                <input
                    id="pay-link-days"
                    type="number"
                    min="1"
                    max="30"
                    inputmode="numeric"
                    prop:value=move || days.get()
                    on:input=move |ev| typed_days.set(Some(event_target_value(&ev)))
                    // Inside the contract's form: Enter here must not submit (save) the contract.
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                        }
                    }
                />
                <button type="button" class="primary" data-testid="create-payment-link" disabled=move || busy.get() on:click=create>
                    {lang.pick("生成付款链接", "Create payment link")}
                </button>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {shown}
        </div>
    }
}

/// `/pay/…` as the full address to send.
fn absolute(path: &str) -> String {
    let origin = {
        #[cfg(target_arch = "wasm32")]
        {
            location().origin().unwrap_or_default()
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            String::new()
        }
    };
    format!("{origin}{path}")
}

/// The contract's links, newest first: when made, until when, what each took; revoke an open one.
#[component]
fn Links(
    lang: Lang,
    links: Vec<PaymentLinkDto>,
    on_revoked: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    if links.is_empty() {
        return view! { <p class="hint" data-testid="no-payment-links">{lang.pick("尚未生成付款链接。", "No payment link yet.")}</p> }
            .into_any();
    }
    let items = links
        .into_iter()
        .map(|l| {
            let state = match (l.revoked_at, l.open) {
                (Some(at), _) => format!("{}{}", lang.pick("已撤销于 ", "Revoked at "), date_time(at)),
                (None, true) => lang.pick("有效", "Open").to_owned(),
                (None, false) => lang.pick("已过期", "Expired").to_owned(),
            };
            let busy = RwSignal::new(false);
            let id = l.id;
            let revoke = move |_| {
                let sure = window()
                    .confirm_with_message(lang.pick(
                        "撤销后客户将无法再通过此链接付款或上传凭证。确定撤销？",
                        "Once revoked, the customer can no longer use this link. Revoke it?",
                    ))
                    .unwrap_or(false);
                if !sure {
                    return;
                }
                busy.set(true);
                spawn_local(async move {
                    let result = revoke_payment_link(id).await;
                    busy.set(false);
                    match result {
                        Ok(()) => on_revoked(),
                        Err(e) => error.set(Some(e.message(lang))),
                    }
                });
            };
            view! {
                <li class="pay-link" data-testid="payment-link" data-open=l.open.to_string()>
                    <span>{lang.pick("创建于 ", "Made ")}{date_time(l.created_at)}</span>
                    <span>{lang.pick("有效期至 ", "Valid until ")}{date_time(l.expires_at)}{lang.pick("（北京时间）", " (Beijing time)")}</span>
                    <span data-testid="payment-link-state">{state}</span>
                    <span data-testid="payment-link-uploads">
                        {match lang {
                            Lang::Zh => format!("已上传凭证 {} 份", l.uploads),
                            Lang::En => format!("{} voucher(s) uploaded", l.uploads),
                        }}
                    </span>
                    {l.open.then(|| view! {
                        <button type="button" class="danger" data-testid="revoke-payment-link" disabled=move || busy.get() on:click=revoke>
                            {lang.pick("撤销", "Revoke")}
                        </button>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <h3>{lang.pick("已生成的链接", "Links made")}</h3>
        <ul class="pay-links" data-testid="payment-links">{items}</ul>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
    .into_any()
}
