//! `/contracts`: the signed-in user's order contracts.

use crate::components::user_menu::use_auth;
use crate::domain::contract::ContractStatus;
use crate::domain::money::format_grouped;
use crate::functions::contracts::list_contracts;
use crate::i18n::{Locale, date_time, td_string, use_lang, use_locale};
use crate::models::{ContractFilter, ContractSummary, Role, SessionUser};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

lazy_page!("/contracts": ContractsRoute => ContractsPage);

/// Renders `signed_in` for a signed-in user, else the 请先登录 notice with a link to `/signin`.
#[component]
pub fn RequireSignIn<F, V>(signed_in: F) -> impl IntoView
where
    F: Fn(SessionUser) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let auth = use_auth();
    let lang = use_lang();
    let locale = Locale::from(lang);
    view! {
        <Suspense fallback=move || view! { <p class="loading">{td_string!(locale, contracts.checking_sign_in)}</p> }>
            {move || {
                let signed_in = signed_in.clone();
                Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => signed_in(user).into_any(),
                        Ok(None) => view! { <SignInNotice /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn SignInNotice() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::UNAUTHORIZED);
    }
    let locale = use_locale();
    view! {
        <section class="signin-notice card">
            <h1>{td_string!(locale, contracts.sign_in_notice.heading)}</h1>
            <p>{td_string!(locale, contracts.sign_in_notice.explanation)}</p>
            <p>
                <a class="button primary" href="/signin">{td_string!(locale, contracts.sign_in_notice.sign_in)}</a>
            </p>
        </section>
    }
}

/// The list's filters, from the query string (the filter form is a plain GET form).
fn filter_from_query(q: &leptos_router::params::ParamsMap) -> ContractFilter {
    let text = |k: &str| q.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    ContractFilter { status: text("status"), search: text("q"), cursor: text("cursor"), ..ContractFilter::default() }
}

/// The status filter's choices, labelled as the domain names them (the level of an approval
/// does not matter to the filter).
const STATUS_CHOICES: [ContractStatus; 7] = [
    ContractStatus::Draft,
    ContractStatus::InApproval { level: 1 },
    ContractStatus::Approved,
    ContractStatus::Fulfilled,
    ContractStatus::Rejected,
    ContractStatus::Withdrawn,
    ContractStatus::Cancelled,
];

#[component]
pub fn ContractsPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text={td_string!(locale, contracts.title)} />
        <RequireSignIn signed_in=|user: SessionUser| view! { <ContractList user /> } />
    }
}

#[component]
fn ContractList(user: SessionUser) -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(filter_from_query));
    let page = Resource::new(move || filter.get(), list_contracts);
    let current = filter.get_untracked();
    let search = current.search.clone().unwrap_or_default();
    let status = current.status.clone().unwrap_or_default();
    let lang = use_lang();
    let locale = Locale::from(lang);
    view! {
        <section class="contracts-page">
            <header class="page-head">
                <h1>{td_string!(locale, contracts.heading)}</h1>
                <span class="hint">{format!("{} · {}", user.display_name, user.organisation_name)}</span>
                {(user.role == Role::Partner)
                    .then(|| view! { <a class="button primary" href="/contracts/new">{td_string!(locale, contracts.new_contract)}</a> })}
            </header>
            <form class="contract-filters card" method="get" action="/contracts" role="search">
                <div class="field">
                    <label for="filter-q">{td_string!(locale, contracts.search)}</label>
                    <input
                        id="filter-q"
                        name="q"
                        type="search"
                        value=search
                        placeholder={td_string!(locale, contracts.search_placeholder)}
                        maxlength="100"
                    />
                </div>
                <div class="field">
                    <label for="filter-status">{td_string!(locale, contracts.status)}</label>
                    <select id="filter-status" name="status">
                        <option value="" selected=status.is_empty()>
                            {td_string!(locale, contracts.all_statuses)}
                        </option>
                        {STATUS_CHOICES
                            .iter()
                            .map(|s| {
                                view! {
                                    <option value=s.code() selected=status == s.code()>
                                        {lang.pick(s.zh(), s.en())}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <button type="submit">{td_string!(locale, contracts.filter)}</button>
            </form>
            <Transition fallback=move || view! { <p class="loading">{td_string!(locale, contracts.loading)}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <ContractTable items=p.items next=p.next_cursor filter=filter.get_untracked() /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// A link to the list with the same filters and another cursor.
fn page_href(filter: &ContractFilter, cursor: Option<&str>) -> String {
    use crate::i18n::encode_query_value;
    let mut pairs = Vec::new();
    if let Some(q) = &filter.search {
        pairs.push(format!("q={}", encode_query_value(q)));
    }
    if let Some(s) = &filter.status {
        pairs.push(format!("status={}", encode_query_value(s)));
    }
    if let Some(c) = cursor {
        pairs.push(format!("cursor={}", encode_query_value(c)));
    }
    if pairs.is_empty() { "/contracts".to_owned() } else { format!("/contracts?{}", pairs.join("&")) }
}

#[component]
fn ContractTable(items: Vec<ContractSummary>, next: Option<String>, filter: ContractFilter) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    if items.is_empty() {
        let filtered = filter.search.is_some() || filter.status.is_some();
        return view! {
            <p class="empty card">
                {if filtered {
                    td_string!(locale, contracts.no_match)
                } else {
                    td_string!(locale, contracts.none_yet)
                }}
            </p>
        }
        .into_any();
    }
    let first_page = filter.cursor.is_some().then(|| page_href(&filter, None));
    let next_page = next.as_deref().map(|c| page_href(&filter, Some(c)));
    view! {
        <table class="contract-list">
            <thead>
                <tr>
                    <th scope="col">{td_string!(locale, contracts.number)}</th>
                    <th scope="col">{td_string!(locale, contracts.end_customer)}</th>
                    <th scope="col">{td_string!(locale, contracts.company)}</th>
                    <th scope="col">{td_string!(locale, contracts.status)}</th>
                    <th scope="col" class="num">{td_string!(locale, contracts.amount)}</th>
                    <th scope="col">{td_string!(locale, contracts.updated)}</th>
                </tr>
            </thead>
            <tbody>
                {items
                    .into_iter()
                    .map(|c| {
                        let href = format!("/contracts/{}", c.id);
                        view! {
                            <tr>
                                <td>
                                    <a href=href>{c.document_number.clone().unwrap_or_else(|| td_string!(locale, contracts.draft).to_owned())}</a>
                                </td>
                                <td>{c.end_customer.clone()}</td>
                                <td>
                                    {c.corp_name.clone()}
                                    <br />
                                    <small class="hint">{c.corp_id.clone()}</small>
                                </td>
                                <td>
                                    <span class=format!("status status-{}", c.status.code())>{c.status.label(lang)}</span>
                                </td>
                                <td class="num">{c.total.map_or_else(|| "—".to_owned(), format_grouped)}</td>
                                <td>{date_time(c.updated_at)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label={td_string!(locale, contracts.pages)}>
            {first_page.map(|h| view! { <a href=h>{td_string!(locale, contracts.first_page)}</a> })}
            {next_page.map(|h| view! { <a class="button" href=h>{td_string!(locale, contracts.next_page)}</a> })}
        </nav>
    }
    .into_any()
}
