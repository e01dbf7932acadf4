//! 选择源单 from this app: a search among the approved and fulfilled contracts the user may read
//! (document number, end customer, corp ID). Picking one fills in its customer, enterprise, CRM
//! type, lease URL and installed app; for a renewal (续期) also its lines from the day after it
//! ends, and its userids become this contract's userid sheet (copied at once on a saved form, or
//! when a new one is first saved). The server checks rule 3 against the picked contract's end.

use super::state::{Form, Notice};
use crate::domain::OrderType;
use crate::domain::contract::{DocumentNumber, SourceOrder};
use crate::models::SourceCandidate;
use leptos::prelude::*;

fn describe(lang: crate::domain::problem::Lang, c: &SourceCandidate) -> String {
    let number = c.document_number.clone().unwrap_or_else(|| format!("#{}", c.id));
    let end = c.service_end.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned());
    format!(
        "{number} · {} · {} · {} · {}{end}",
        c.end_customer,
        c.corp_id,
        lang.pick(c.status.zh(), c.status.en()),
        lang.pick("到期 ", "ends ")
    )
}

#[component]
pub(super) fn SourcePicker(f: Form) -> impl IntoView {
    let lang = f.lang;
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(None::<Vec<SourceCandidate>>);
    let search = move || {
        let q = query.get_untracked();
        leptos::task::spawn_local(async move {
            let found = crate::functions::contracts::source_candidates(q.clone()).await;
            // Only the answer to what is typed now is shown.
            if query.get_untracked() == q {
                match found {
                    Ok(list) => results.set(Some(list)),
                    Err(e) => f.notice.set(Some(Notice::Error(e.message(lang)))),
                }
            }
        });
    };
    // The most recent ones at once, once the page is interactive.
    Effect::new(move |_| {
        if f.editable.get() {
            search();
        }
    });
    let chosen = move || {
        f.draft.with(|d| match &d.source_order {
            SourceOrder::Contract { contract_id, document_number, service_end } if *contract_id > 0 => Some(format!(
                "{}{}{}",
                lang.pick("已选择：", "Picked: "),
                document_number.as_ref().map_or_else(|| format!("#{contract_id}"), |n| n.to_string()),
                service_end.map(|e| format!("{}{e}", lang.pick("，到期 ", ", ends "))).unwrap_or_default()
            )),
            _ => None,
        })
    };
    let pick = move |c: SourceCandidate| {
        f.notice.set(None);
        leptos::task::spawn_local(async move {
            match crate::functions::desk::start_renewal(c.id).await {
                Ok(r) => {
                    let renewal = f.draft.with_untracked(|d| d.order_type == Some(OrderType::Renewal));
                    f.draft.update(|d| {
                        let s = &r.draft;
                        d.source_order = SourceOrder::Contract {
                            contract_id: c.id,
                            document_number: c
                                .document_number
                                .as_deref()
                                .and_then(|n| DocumentNumber::parse("", n).ok()),
                            service_end: c.service_end,
                        };
                        d.end_customer = s.end_customer.clone();
                        d.corp_id = s.corp_id.clone();
                        d.corp_name = s.corp_name.clone();
                        d.crm_type = s.crm_type;
                        d.lease_url = s.lease_url.clone();
                        d.installed_app = s.installed_app.clone();
                        if renewal {
                            d.lines = s.lines.clone();
                        }
                    });
                    if renewal && r.source_userids > 0 {
                        copy_userids(f, c.id).await;
                    }
                    let n = r.source_userids;
                    f.notice.set(Some(Notice::Ok(match (lang, renewal && n > 0) {
                        (crate::domain::problem::Lang::Zh, true) => {
                            format!("已带入源单的客户信息、产品明细和 {n} 个 userid")
                        }
                        (crate::domain::problem::Lang::En, true) => {
                            format!("The source's customer, lines and {n} userids are filled in")
                        }
                        (crate::domain::problem::Lang::Zh, false) => "已带入源单的客户信息".to_owned(),
                        (crate::domain::problem::Lang::En, false) => {
                            "The source's customer details are filled in".to_owned()
                        }
                    })));
                }
                Err(e) => f.notice.set(Some(Notice::Error(e.message(lang)))),
            }
        });
    };
    view! {
        <div class="source-picker" data-testid="source-picker">
            <label for="source-search">{lang.pick("搜索已通过或已开通的合同（单号、客户、企业ID）", "Search approved or fulfilled contracts (number, customer, corp ID)")}</label>
            <input
                id="source-search"
                type="search"
                maxlength="100"
                disabled=move || !f.editable.get()
                prop:value=move || query.get()
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    search();
                }
            />
            {move || chosen().map(|t| view! { <p class="hint" data-testid="source-chosen">{t}</p> })}
            <ul class="source-results">
                {move || results.get().map(|list| {
                    if list.is_empty() {
                        view! { <li class="hint">{lang.pick("没有符合的合同", "No matching contract")}</li> }.into_any()
                    } else {
                        list.into_iter()
                            .map(|c| {
                                let text = describe(lang, &c);
                                view! {
                                    <li>
                                        <button type="button" class="link-button" data-testid="source-pick" disabled=move || !f.editable.get() on:click=move |_| pick(c.clone())>
                                            {text}
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }
                })}
            </ul>
        </div>
    }
}

/// The picked contract's userids become this contract's userid sheet: at once on a saved form,
/// else when it is first saved (`actions::ensure_created`).
async fn copy_userids(f: Form, source: i64) {
    match f.contract_id() {
        None => f.renew_source.set(Some(source)),
        #[cfg(target_arch = "wasm32")]
        Some(id) => match super::upload::copy_userid_sheet(source, id).await {
            Ok(u) => super::dropzone::adopt_upload(f, crate::domain::attachment::AttachmentKind::UseridSheet, u),
            Err(e) => f.notice.set(Some(Notice::Error(e.message(f.lang)))),
        },
        #[cfg(not(target_arch = "wasm32"))]
        Some(_) => {}
    }
}
