//! Typing is never lost (issue #14 point 9):
//! - leaving the form with unsaved changes asks first, for the browser's own navigation (reload,
//!   close, another address: `beforeunload`) and for a link inside the app (a click on a link is
//!   caught before the router sees it);
//! - a save refused as stale (409: someone changed the contract after this form loaded it) opens a
//!   dialog that keeps the input, names the fields changed on the server, and applies the person's
//!   changes on top of the newer version (`domain::contract::merge`).
//!
//! New texts are written here with the page's `Lang` rather than as `leptos_i18n` keys, which all
//! land in the quote page's WASM module (see `dropzone`).

use super::state::{Form, Notice};
use crate::domain::contract::merge::{Merged, merge_onto};
use crate::domain::contract::paths;
use crate::i18n::{Locale, td_string};
use crate::models::ContractDto;
use leptos::prelude::*;

/// Whether the form holds input not yet saved.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(super) fn unsaved(f: Form) -> bool {
    f.editable.get_untracked() && f.draft.with_untracked(|d| f.baseline.with_untracked(|b| d != b))
}

/// Asks before the page is left with unsaved input; removed with the form.
pub(super) fn guard_leaving(f: Form) {
    #[cfg(target_arch = "wasm32")]
    {
        use leptos::wasm_bindgen::JsCast;
        use leptos::wasm_bindgen::closure::Closure;
        let unload = window_event_listener(leptos::ev::beforeunload, move |ev: web_sys::BeforeUnloadEvent| {
            if unsaved(f) {
                ev.prevent_default();
                ev.set_return_value("");
            }
        });
        let question = f.lang.pick(
            "此合同有未保存的修改，离开后本机暂存仍可找回。确定离开吗？",
            "This contract has unsaved changes (a copy is kept in this browser). Leave anyway?",
        );
        // In the capture phase on the window: before the router's own click handler.
        let click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
            if ev.default_prevented() || ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() {
                return;
            }
            let Some(a) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("a[href]").ok().flatten())
            else {
                return;
            };
            if a.has_attribute("download") || a.get_attribute("target").is_some_and(|t| t == "_blank") {
                return;
            }
            let leaves = a.get_attribute("href").is_some_and(|h| !h.starts_with('#'));
            if !leaves || !unsaved(f) {
                return;
            }
            let stay = !web_sys::window().and_then(|w| w.confirm_with_message(question).ok()).unwrap_or(true);
            if stay {
                ev.prevent_default();
                ev.stop_immediate_propagation();
            }
        });
        let window = web_sys::window().expect("a window");
        let _ = window.add_event_listener_with_callback_and_bool("click", click.as_ref().unchecked_ref(), true);
        let click = send_wrapper::SendWrapper::new(click);
        on_cleanup(move || {
            unload.remove();
            if let Some(w) = web_sys::window() {
                let _ = w.remove_event_listener_with_callback_and_bool("click", click.as_ref().unchecked_ref(), true);
            }
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = f;
}

/// A save refused as stale, and what applying the person's changes would make of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct StaleOffer {
    pub latest: ContractDto,
    pub merged: Merged,
}

/// The offer for a save refused with 409, if the contract did change (another 409 — not
/// editable any more — is answered as it is).
pub(super) async fn stale_offer(f: Form) -> Option<StaleOffer> {
    let (id, version) = f.saved.with_untracked(|c| c.as_ref().map(|c| (c.id, c.version)))?;
    let latest = crate::functions::contracts::get_contract(id).await.ok()?;
    if latest.version == version {
        return None;
    }
    let merged = f.baseline.with_untracked(|base| f.draft.with_untracked(|mine| merge_onto(base, mine, &latest.draft)));
    Some(StaleOffer { latest, merged })
}

/// A draft field's name as the form labels it.
fn field_name(locale: Locale, key: &str) -> &'static str {
    match key {
        paths::END_CUSTOMER => td_string!(locale, contract_form.basic.end_customer),
        "owner" => td_string!(locale, contract_form.basic.owner),
        paths::CORP_ID => td_string!(locale, contract_form.basic.corp_id),
        paths::CORP_NAME => td_string!(locale, contract_form.basic.corp_name),
        paths::CRM_TYPE => td_string!(locale, contract_form.basic.crm_type),
        paths::LEASE_URL => td_string!(locale, contract_form.basic.lease_url),
        paths::PAYMENT_METHOD => td_string!(locale, contract_form.basic.payment_method),
        paths::ORDER_TYPE => td_string!(locale, contract_form.basic.order_type),
        paths::AUTO_ACTIVATION => td_string!(locale, contract_form.basic.auto_activation),
        paths::USERID_COUNT_MATCHES => td_string!(locale, contract_form.basic.userid_count_matches),
        paths::ORDER_QUANTITY_MATCHES => td_string!(locale, contract_form.basic.order_quantity_matches),
        paths::INSTALLED_APP => td_string!(locale, contract_form.basic.installed_app),
        paths::API_EXPIRY_DATE => td_string!(locale, contract_form.basic.api_expiry_date),
        paths::EXISTING_BASIC => td_string!(locale, contract_form.basic.existing_basic),
        paths::EXISTING_INTEROP => td_string!(locale, contract_form.basic.existing_interop),
        paths::REMARK => td_string!(locale, contract_form.remark.legend),
        paths::PAYMENT_VOUCHER => td_string!(locale, contract_form.attachments.voucher),
        paths::USERID_SHEET => td_string!(locale, contract_form.sheet.label),
        "lines" => td_string!(locale, contract_form.lines.legend),
        "approval" => td_string!(locale, contract_form.approval.legend),
        _ => "",
    }
}

fn names(locale: Locale, keys: &[String]) -> String {
    let sep = if locale == Locale::zh { "、" } else { ", " };
    keys.iter().map(|k| field_name(locale, k)).filter(|n| !n.is_empty()).collect::<Vec<_>>().join(sep)
}

/// The stale-save dialog: which fields changed on the server, which the person changed too, and
/// the two ways on — apply my changes to the newer version, or take the newer version as it is.
#[component]
pub(super) fn StaleDialog(f: Form, offer: RwSignal<Option<StaleOffer>>) -> impl IntoView {
    let (lang, locale) = (f.lang, f.locale);
    let take = move |apply: bool| {
        let Some(o) = offer.get_untracked() else { return };
        offer.set(None);
        f.baseline.set(o.latest.draft.clone());
        f.draft.set(if apply { o.merged.draft } else { o.latest.draft.clone() });
        f.saved.set(Some(o.latest));
        f.server_problems.set(Vec::new());
        f.notice.set(Some(Notice::Ok(
            if apply {
                lang.pick(
                    "已把您的修改放到最新版本上，请检查后再保存",
                    "Your changes are now on the newest version: check them, then save again",
                )
            } else {
                lang.pick("已载入最新版本", "The newest version is loaded")
            }
            .to_owned(),
        )));
    };
    move || {
        offer.get().map(|o| {
            let theirs = names(locale, &o.merged.theirs);
            let both = names(locale, &o.merged.both);
            view! {
                <div class="stale-dialog card" role="alertdialog" aria-labelledby="stale-title" data-testid="stale-dialog">
                    <h2 id="stale-title">{lang.pick("此合同在您打开后已被他人修改", "Someone changed this contract after you opened it")}</h2>
                    <p data-testid="stale-theirs">
                        {lang.pick("对方修改了：", "They changed: ")}
                        {if theirs.is_empty() { lang.pick("（附件或审批信息）", "(files or approval details)").to_owned() } else { theirs }}
                    </p>
                    {(!both.is_empty()).then(|| view! {
                        <p class="warn" data-testid="stale-both">
                            {lang.pick("以下内容双方都改了，将保留您的输入：", "You both changed these; yours will be kept: ")}
                            {both}
                        </p>
                    })}
                    <p>{lang.pick("您的输入都还在，没有丢失。", "Everything you typed is still here.")}</p>
                    <p class="actions">
                        <button type="button" class="primary" data-testid="stale-apply" on:click=move |_| take(true)>
                            {lang.pick("在新版本上应用我的修改", "Apply my changes to the newer version")}
                        </button>
                        <button type="button" data-testid="stale-discard" on:click=move |_| take(false)>
                            {lang.pick("放弃我的修改，载入新版本", "Discard my changes and load the newer version")}
                        </button>
                    </p>
                </div>
            }
        })
    }
}
