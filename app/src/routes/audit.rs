//! `/audit` (审计日志): the admin searches the whole audit trail by who, which contract and when.
//! The filters are a plain GET form, so a search is a link (shareable, back and reload keep it).

use crate::components::table::{Column, StackTable};
use crate::functions::desk::search_audit;
use crate::i18n::{Locale, date_time, encode_query_value, td_string, use_lang, use_locale};
use crate::models::{AuditEntry, AuditFilter, SessionUser};
use crate::routes::contracts::RequireSignIn;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

lazy_page!("/audit": AuditRoute => AuditPage);

#[component]
pub fn AuditPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text={td_string!(locale, desk.audit.title)} />
        <RequireSignIn signed_in=|_user: SessionUser| view! { <AuditSearch /> } />
    }
}

fn filter_from_query(q: &leptos_router::params::ParamsMap) -> AuditFilter {
    let text = |k: &str| q.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    AuditFilter {
        user: text("user"),
        contract: text("contract"),
        from: text("from"),
        to: text("to"),
        cursor: text("cursor"),
    }
}

/// The search's link with another cursor.
fn page_href(f: &AuditFilter, cursor: Option<&str>) -> String {
    let pairs: Vec<String> = [("user", &f.user), ("contract", &f.contract), ("from", &f.from), ("to", &f.to)]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode_query_value(v))))
        .chain(cursor.map(|c| format!("cursor={}", encode_query_value(c))))
        .collect();
    if pairs.is_empty() { "/audit".to_owned() } else { format!("/audit?{}", pairs.join("&")) }
}

#[component]
fn AuditSearch() -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(filter_from_query));
    let page = Resource::new(move || filter.get(), search_audit);
    let f = filter.get_untracked();
    let field = |id: &'static str,
                 label: &'static str,
                 value: Option<String>,
                 kind: &'static str,
                 placeholder: &'static str| {
        view! {
            <div class="field">
                <label for=format!("audit-{id}")>{label}</label>
                <input id=format!("audit-{id}") name=id type=kind value=value.unwrap_or_default() placeholder=placeholder maxlength="100" />
            </div>
        }
    };
    view! {
        <section class="audit-page" data-testid="audit">
            <header class="page-head">
                <h1>{td_string!(locale, desk.audit.heading)}</h1>
            </header>
            <form class="contract-filters card" method="get" action="/audit" role="search">
                {field("user", td_string!(locale, desk.audit.user), f.user.clone(), "search", td_string!(locale, desk.audit.user_placeholder))}
                {field("contract", td_string!(locale, desk.audit.contract), f.contract.clone(), "search", td_string!(locale, desk.audit.contract_placeholder))}
                {field("from", td_string!(locale, desk.audit.from), f.from.clone(), "date", "")}
                {field("to", td_string!(locale, desk.audit.to), f.to.clone(), "date", "")}
                <button type="submit">{td_string!(locale, desk.audit.search)}</button>
            </form>
            <Transition fallback=move || view! { <p class="loading">{td_string!(locale, desk.audit.loading)}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <AuditTable items=p.items next=p.next_cursor filter=filter.get_untracked() /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AuditTable(items: Vec<AuditEntry>, next: Option<String>, filter: AuditFilter) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    if items.is_empty() {
        return view! { <p class="empty card" data-testid="audit-empty">{td_string!(locale, desk.audit.none)}</p> }
            .into_any();
    }
    let (at, who, what, contract, comment) = (
        td_string!(locale, desk.audit.at),
        td_string!(locale, desk.audit.user),
        td_string!(locale, desk.audit.what),
        td_string!(locale, desk.audit.contract),
        td_string!(locale, desk.audit.comment),
    );
    let columns = [at, who, what, contract, comment].map(Column::text).to_vec();
    let first = filter.cursor.is_some().then(|| page_href(&filter, None));
    let next = next.as_deref().map(|c| page_href(&filter, Some(c)));
    view! {
        <StackTable columns testid="audit-table">
                {items
                    .into_iter()
                    .map(|a| {
                        let link = a.contract_id.map(|id| {
                            let label = a.document_number.clone().unwrap_or_else(|| format!("#{id}"));
                            view! { <a href=format!("/contracts/{id}")>{label}</a> }
                        });
                        view! {
                            <tr data-testid="audit-row" data-action=a.entry.action.clone()>
                                <td data-label=at>{date_time(a.entry.at)}</td>
                                <td data-label=who>{a.entry.who(lang)}</td>
                                <td data-label=what>{a.entry.what(lang)}</td>
                                <td data-label=contract>{link}</td>
                                <td data-label=comment>{a.entry.comment.clone()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
        </StackTable>
        <nav class="pager" aria-label={td_string!(locale, desk.audit.pages)}>
            {first.map(|h| view! { <a href=h>{td_string!(locale, desk.audit.first)}</a> })}
            {next.map(|h| view! { <a class="button" href=h data-testid="audit-next">{td_string!(locale, desk.audit.next)}</a> })}
        </nav>
    }
    .into_any()
}
