//! `/renewals` (续期提醒): fulfilled contracts whose API expiry date (企业微信API接口到期日) falls
//! within 7, 30 (default) or 90 days — a partner's own organisation's, everything for an admin —
//! each with one click to start its renewal contract (`/contracts/new?renew=<id>`, prefilled).

use crate::components::table::{Column, StackTable};
use crate::domain::contract::renewal::WINDOWS;
use crate::domain::money::format_grouped;
use crate::functions::desk::renewals_due;
use crate::i18n::{Locale, td_string, use_lang, use_locale};
use crate::models::{RenewalItem, SessionUser};
use crate::routes::contracts::RequireSignIn;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

lazy_page!("/renewals": RenewalsRoute => RenewalsPage);

#[component]
pub fn RenewalsPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text={td_string!(locale, desk.renewals.title)} />
        <RequireSignIn signed_in=|_user: SessionUser| view! { <RenewalList /> } />
    }
}

#[component]
fn RenewalList() -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let query = use_query_map();
    let days = Memo::new(move |_| query.with(|q| q.get("days").and_then(|d| d.parse::<u32>().ok())));
    let list = Resource::new(move || days.get(), renewals_due);
    view! {
        <section class="renewals-page" data-testid="renewals">
            <header class="page-head">
                <h1>{td_string!(locale, desk.renewals.heading)}</h1>
            </header>
            <p class="hint">{td_string!(locale, desk.renewals.intro)}</p>
            <Transition fallback=move || view! { <p class="loading">{td_string!(locale, desk.renewals.loading)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(r) => {
                            let window = r.window;
                            let picks = WINDOWS
                                .iter()
                                .copied()
                                .map(|n| {
                                    let label = td_string!(locale, desk.renewals.window, n = n);
                                    let current = (n == window).then_some("page");
                                    view! {
                                        <a class="button" href=format!("/renewals?days={n}") aria-current=current data-days=n.to_string()>
                                            {label}
                                        </a>
                                    }
                                })
                                .collect_view();
                            view! {
                                <nav class="window-picks" aria-label={td_string!(locale, desk.renewals.windows)}>{picks}</nav>
                                <RenewalTable items=r.items may_renew=r.may_renew window />
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn RenewalTable(items: Vec<RenewalItem>, may_renew: bool, window: u32) -> impl IntoView {
    let locale = use_locale();
    if items.is_empty() {
        return view! { <p class="empty card" data-testid="renewals-empty">{td_string!(locale, desk.renewals.none, n = window)}</p> }
            .into_any();
    }
    let (number, customer, corp, owner, expiry, left) = (
        td_string!(locale, desk.renewals.number),
        td_string!(locale, desk.renewals.customer),
        td_string!(locale, desk.renewals.corp),
        td_string!(locale, desk.renewals.owner),
        td_string!(locale, desk.renewals.expiry),
        td_string!(locale, desk.renewals.left),
    );
    let mut columns = [number, customer, corp, owner, expiry, left].map(Column::text).to_vec();
    if may_renew {
        columns.push(Column::text(td_string!(locale, desk.renewals.renew)));
    }
    view! {
        <StackTable columns testid="renewals-table">
                {items
                    .into_iter()
                    .map(|r| {
                        let href = format!("/contracts/{}", r.contract_id);
                        let renew = format!("/contracts/new?renew={}", r.contract_id);
                        let days = if r.days_left == 0 {
                            td_string!(locale, desk.renewals.expires_today).to_owned()
                        } else {
                            td_string!(locale, desk.renewals.days_left, n = r.days_left)
                        };
                        let total = r.total.map(|t| format!(" · ¥{}", format_grouped(t))).unwrap_or_default();
                        view! {
                            <tr data-testid="renewal-row" data-contract=r.contract_id.to_string()>
                                <td data-label=number>
                                    <a href=href>{r.document_number.clone().unwrap_or_default()}</a>
                                </td>
                                <td data-label=customer>{r.end_customer.clone()}{total}</td>
                                <td data-label=corp class="corp-id">{format!("{} · {}", r.corp_name, r.corp_id)}</td>
                                <td data-label=owner>{r.owner.display_name.clone()}</td>
                                <td data-label=expiry>{r.api_expiry_date.to_string()}</td>
                                <td data-label=left>{days}</td>
                                {may_renew.then(|| view! {
                                    <td data-label="">
                                        <a class="button primary" href=renew data-testid="start-renewal">
                                            {td_string!(locale, desk.renewals.renew)}
                                        </a>
                                    </td>
                                })}
                            </tr>
                        }
                    })
                    .collect_view()}
        </StackTable>
    }
    .into_any()
}
