//! `/approvals` (审批待办): the contracts waiting for my decision at my level, oldest submission
//! first, and the ones I handled. The decision itself is made on the contract's page, whose
//! decision panel comes back here (or goes straight to the next contract) with `?done=` naming
//! what was just decided.

use crate::components::table::{Column, StackTable};
use crate::domain::money::format_grouped;
use crate::functions::desk::approval_inbox;
use crate::i18n::{Locale, date_time, td_string, use_lang, use_locale};
use crate::models::{HandledItem, Role, SessionUser, WaitingItem};
use crate::routes::contracts::RequireSignIn;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

lazy_page!("/approvals": ApprovalsRoute => ApprovalsPage);

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text={td_string!(locale, desk.inbox.title)} />
        <RequireSignIn signed_in=|user: SessionUser| view! { <InboxView user /> } />
    }
}

/// How long a contract has waited, in the largest whole unit: `3 天`, `5 小时`, `12 分钟`, `刚刚`.
pub fn waited(locale: Locale, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let minutes = (to - from).num_minutes().max(0);
    match minutes {
        0 => td_string!(locale, desk.waited.just_now).to_owned(),
        1..60 => td_string!(locale, desk.waited.minutes, n = minutes),
        60..1440 => td_string!(locale, desk.waited.hours, n = minutes / 60),
        _ => td_string!(locale, desk.waited.days, n = minutes / 1440),
    }
}

/// What the decision panel just did, from `?done=approve|reject&number=…` (the decision panel
/// puts it on the next page it opens: this inbox, or the next contract's panel).
pub fn done_message(locale: Locale, q: &leptos_router::params::ParamsMap) -> Option<String> {
    let number = q.get("number").unwrap_or_default();
    match q.get("done").as_deref() {
        Some("approve") => Some(td_string!(locale, desk.inbox.done_approve, number = &number)),
        Some("reject") => Some(td_string!(locale, desk.inbox.done_reject, number = &number)),
        _ => None,
    }
}

#[component]
fn InboxView(user: SessionUser) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let inbox = Resource::new(|| (), |_| approval_inbox());
    let query = use_query_map();
    let done = query.with_untracked(|q| done_message(locale, q));
    view! {
        <section class="inbox-page" data-testid="inbox">
            <header class="page-head">
                <h1>{td_string!(locale, desk.inbox.heading)}</h1>
                <span class="hint">{format!("{} · {}", user.display_name, user.organisation_name)}</span>
            </header>
            {done.map(|m| view! {
                <p class="notice ok" role="status" data-testid="inbox-done">
                    {m}
                    " "
                    {td_string!(locale, desk.inbox.no_more)}
                </p>
            })}
            {(user.role == Role::Partner).then(|| view! { <p class="hint">{td_string!(locale, desk.inbox.not_approver)}</p> })}
            <Transition fallback=move || view! { <p class="loading">{td_string!(locale, desk.inbox.loading)}</p> }>
                {move || Suspend::new(async move {
                    match inbox.await {
                        Ok(i) => {
                            let as_of = i.as_of.unwrap_or_default();
                            view! {
                                <h2>{td_string!(locale, desk.inbox.waiting)}</h2>
                                <WaitingTable items=i.waiting as_of />
                                <h2>{td_string!(locale, desk.inbox.handled)}</h2>
                                <HandledTable items=i.handled />
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

/// The document number, or 草稿 for a contract never submitted (cannot be waiting, but stay safe).
fn number_of(locale: Locale, n: &Option<String>) -> String {
    n.clone().unwrap_or_else(|| td_string!(locale, contracts.draft).to_owned())
}

#[component]
fn WaitingTable(items: Vec<WaitingItem>, as_of: DateTime<Utc>) -> impl IntoView {
    let locale = use_locale();
    if items.is_empty() {
        return view! { <p class="empty card" data-testid="inbox-empty">{td_string!(locale, desk.inbox.none_waiting)}</p> }
            .into_any();
    }
    let (number, customer, corp, amount, level, submitted, waited_for) = (
        td_string!(locale, desk.inbox.number),
        td_string!(locale, desk.inbox.customer),
        td_string!(locale, desk.inbox.corp_id),
        td_string!(locale, desk.inbox.amount),
        td_string!(locale, desk.inbox.level),
        td_string!(locale, desk.inbox.submitted),
        td_string!(locale, desk.inbox.waited),
    );
    let columns = vec![
        Column::text(number),
        Column::text(customer),
        Column::text(corp),
        Column::number(amount),
        Column::text(level),
        Column::text(submitted),
        Column::text(waited_for),
    ];
    view! {
        <StackTable columns testid="inbox-waiting">
                {items
                    .into_iter()
                    .map(|w| {
                        let href = format!("/contracts/{}", w.contract_id);
                        let waited_text = w.submitted_at.map(|at| waited(locale, at, as_of)).unwrap_or_default();
                        view! {
                            <tr data-testid="inbox-row" data-contract=w.contract_id.to_string()>
                                <td data-label=number>
                                    <a href=href>{number_of(locale, &w.document_number)}</a>
                                </td>
                                <td data-label=customer>{w.end_customer.clone()}</td>
                                <td data-label=corp class="corp-id">{w.corp_id.clone()}</td>
                                <td data-label=amount class="num">{w.total.map_or_else(|| "—".to_owned(), format_grouped)}</td>
                                <td data-label=level>{td_string!(locale, desk.inbox.level_of, k = w.level, n = w.levels)}</td>
                                <td data-label=submitted>{w.submitted_at.map(date_time).unwrap_or_default()}</td>
                                <td data-label=waited_for>{waited_text}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
        </StackTable>
    }
    .into_any()
}

#[component]
fn HandledTable(items: Vec<HandledItem>) -> impl IntoView {
    let locale = use_locale();
    if items.is_empty() {
        return view! { <p class="empty card">{td_string!(locale, desk.inbox.none_handled)}</p> }.into_any();
    }
    let (number, customer, level, decision, decided_at, comment) = (
        td_string!(locale, desk.inbox.number),
        td_string!(locale, desk.inbox.customer),
        td_string!(locale, desk.inbox.level),
        td_string!(locale, desk.inbox.decision),
        td_string!(locale, desk.inbox.decided_at),
        td_string!(locale, desk.inbox.comment),
    );
    let columns = [number, customer, level, decision, decided_at, comment].map(Column::text).to_vec();
    view! {
        <StackTable columns testid="inbox-handled">
                {items
                    .into_iter()
                    .map(|d| {
                        let href = format!("/contracts/{}", d.contract_id);
                        let (word, class) = if d.decision == "reject" {
                            (td_string!(locale, desk.inbox.rejected), "status status-rejected")
                        } else {
                            (td_string!(locale, desk.inbox.approved), "status status-approved")
                        };
                        view! {
                            <tr data-testid="handled-row" data-decision=d.decision.clone()>
                                <td data-label=number>
                                    <a href=href>{number_of(locale, &d.document_number)}</a>
                                </td>
                                <td data-label=customer>{d.end_customer.clone()}</td>
                                <td data-label=level>{td_string!(locale, contract_form.approval.level, level = d.level)}</td>
                                <td data-label=decision>
                                    <span class=class>{word}</span>
                                </td>
                                <td data-label=decided_at>{date_time(d.decided_at)}</td>
                                <td data-label=comment>{d.comment.clone()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
        </StackTable>
    }
    .into_any()
}
