//! `/contracts`: the signed-in user's order contracts, as a tool. Filters (status, order type,
//! created / updated days in Beijing time, owner, corp ID, an admin's organisation, text) and the
//! sort live in the URL's query: the filter form is a plain GET form (it works without
//! JavaScript), and the pager's and the export's links carry the same query. Above the table the
//! count and sum of every contract the filter admits, and the export of them all as .xlsx
//! (`/contracts/export.xlsx`, served by the server's `exports`).
//!
//! The texts new to this page are written here in both languages (`Lang::pick`), not as locale
//! keys: every key lands in the main WASM module that the quote page loads first.

use crate::components::table::{Column, StackTable};
use crate::components::user_menu::use_auth;
use crate::domain::OrderType;
use crate::domain::contract::ContractStatus;
use crate::domain::contract::list::Sort;
use crate::domain::money::format_grouped;
use crate::domain::problem::Lang;
use crate::functions::contracts::{contract_list_choices, list_contracts};
use crate::i18n::{Locale, date_time, encode_query_value, money, td_string, use_lang, use_locale};
use crate::models::{ContractFilter, ContractPage, ContractSummary, ListChoices, PersonDto, Role, SessionUser};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

lazy_page!("/contracts": ContractsRoute => ContractsPage);

/// Renders `signed_in` for a signed-in user, else the 请先登录 notice with a link to `/signin`; a
/// user who must change their temporary password is told to choose their own first (`/signin?change=password`).
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
                        // A temporary password must be replaced before anything else.
                        // (Sign-in sends them to that page; this is for an address typed or kept.)
                        Ok(Some(user)) if user.must_change_password => view! {
                            <p class="notice" role="alert" data-testid="must-change-first">
                                {lang.pick("管理员为您设置了临时密码，请先", "An administrator gave you a temporary password: first ")}
                                <a href="/signin?change=password">{lang.pick("设置您自己的密码", "choose your own password")}</a>
                            </p>
                        }
                        .into_any(),
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
    let filter = Memo::new(move |_| query.with(|q| ContractFilter::from_query(|k| q.get(k).map(|v| v.to_string()))));
    // The form shows the filters, whatever page the pager is on.
    let shown = Memo::new(move |_| filter.with(ContractFilter::first_page));
    let page = Resource::new(move || filter.get(), list_contracts);
    let choices = Resource::new(|| (), |_| contract_list_choices());
    let lang = use_lang();
    let locale = Locale::from(lang);
    let admin = user.role == Role::Admin;
    view! {
        <section class="contracts-page">
            <header class="page-head">
                <h1>{td_string!(locale, contracts.heading)}</h1>
                <span class="hint">{format!("{} · {}", user.display_name, user.organisation_name)}</span>
                {(user.role == Role::Partner)
                    .then(|| view! { <a class="button primary" href="/contracts/new">{td_string!(locale, contracts.new_contract)}</a> })}
            </header>
            <Transition fallback=|| ()>
                {move || {
                    let current = shown.get();
                    Suspend::new(async move {
                        // Without its choices the form still filters by everything else.
                        let choices = choices.await.unwrap_or_default();
                        view! { <FilterForm current choices admin /> }
                    })
                }}
            </Transition>
            <Transition fallback=move || view! { <p class="loading">{td_string!(locale, contracts.loading)}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <ListResult page=p filter=filter.get_untracked() admin /> }.into_any(),
                        Err(e) => view! {
                            <p class="error" role="alert" data-testid="list-error">{e.message(lang)}</p>
                            <p><a href="/contracts">{lang.pick("清除筛选，查看全部合同", "Clear the filters and see every contract")}</a></p>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// A filter's `<select name=name>` with its label: "all" (a blank value) first when `all` is
/// given, then `choices` (value, label), the one whose value is `current` chosen.
fn select_field(
    name: &'static str,
    label: &'static str,
    all: Option<&'static str>,
    choices: Vec<(String, String)>,
    current: &str,
) -> impl IntoView + use<> {
    let id = format!("filter-{name}");
    let blank = all.map(|text| view! { <option value="" selected=current.is_empty()>{text}</option> });
    let options = choices
        .into_iter()
        .map(|(value, text)| {
            let selected = value == current;
            view! { <option value=value selected=selected>{text}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                {blank}
                {options}
            </select>
        </div>
    }
}

/// The filter form: a plain GET form to `/contracts`, so it works without JavaScript and every
/// filter ends up in the URL.
#[component]
fn FilterForm(current: ContractFilter, choices: ListChoices, admin: bool) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let all = Some(td_string!(locale, contracts.all_statuses));
    let coded = |items: Vec<(&'static str, &'static str)>| -> Vec<(String, String)> {
        items.into_iter().map(|(v, t)| (v.to_owned(), t.to_owned())).collect()
    };
    let people = |ps: &[PersonDto]| -> Vec<(String, String)> {
        ps.iter().map(|p| (p.id.to_string(), p.display_name.clone())).collect()
    };
    let statuses = coded(STATUS_CHOICES.iter().map(|s| (s.code(), lang.pick(s.zh(), s.en()))).collect());
    let order_types = coded(OrderType::ALL.iter().map(|t| (t.code(), lang.pick(t.zh(), t.en()))).collect());
    let sorts = coded(Sort::ALL.iter().map(|s| (s.code(), lang.pick(s.zh(), s.en()))).collect());
    let sort = current.sort.clone().unwrap_or_else(|| Sort::default().code().to_owned());
    let range = |legend: &'static str,
                 (from_name, from): (&'static str, String),
                 (to_name, to): (&'static str, String)| {
        view! {
            <fieldset class="field date-range">
                <legend>{legend}</legend>
                <input type="date" id=format!("filter-{from_name}") name=from_name value=from aria-label=format!("{legend} · {}", lang.pick("起", "from")) />
                <span aria-hidden="true">{lang.pick("至", "to")}</span>
                <input type="date" id=format!("filter-{to_name}") name=to_name value=to aria-label=format!("{legend} · {}", lang.pick("止", "to")) />
            </fieldset>
        }
    };
    view! {
        <form class="contract-filters card" method="get" action="/contracts" role="search" data-testid="list-filters">
            <div class="field">
                <label for="filter-q">{td_string!(locale, contracts.search)}</label>
                <input
                    id="filter-q"
                    name="q"
                    type="search"
                    value=value(&current.search)
                    placeholder={td_string!(locale, contracts.search_placeholder)}
                    maxlength="100"
                />
            </div>
            {select_field("status", td_string!(locale, contracts.status), all, statuses, &value(&current.status))}
            {select_field("order_type", lang.pick("订单类型", "Order type"), all, order_types, &value(&current.order_type))}
            {select_field("owner", lang.pick("负责人", "Owner"), all, people(&choices.owners), &value(&current.owner))}
            {admin
                .then(|| {
                    let orgs = people(&choices.organisations);
                    select_field("organisation", lang.pick("渠道伙伴", "Organisation"), all, orgs, &value(&current.organisation))
                })}
            <div class="field">
                <label for="filter-corp_id">{lang.pick("企业微信ID", "Corp ID")}</label>
                <input id="filter-corp_id" name="corp_id" type="text" value=value(&current.corp_id) maxlength="64" autocomplete="off" spellcheck="false" />
            </div>
            {range(
                lang.pick("创建日期（北京时间）", "Created (Beijing time)"),
                ("created_from", value(&current.created_from)),
                ("created_to", value(&current.created_to)),
            )}
            {range(
                lang.pick("更新日期（北京时间）", "Updated (Beijing time)"),
                ("updated_from", value(&current.updated_from)),
                ("updated_to", value(&current.updated_to)),
            )}
            {select_field("sort", lang.pick("排序", "Sort"), None, sorts, &sort)}
            <div class="filter-actions">
                <button type="submit">{td_string!(locale, contracts.filter)}</button>
                <a href="/contracts">{lang.pick("清除", "Clear")}</a>
            </div>
        </form>
    }
}

/// `path` with the filter's query (and `cursor` instead of the filter's own, when given).
fn href_with(path: &str, filter: &ContractFilter, cursor: Option<&str>) -> String {
    let mut f = filter.first_page();
    f.cursor = cursor.map(str::to_owned);
    let pairs: Vec<String> = f.query_pairs().iter().map(|(k, v)| format!("{k}={}", encode_query_value(v))).collect();
    if pairs.is_empty() { path.to_owned() } else { format!("{path}?{}", pairs.join("&")) }
}

/// `共 3 份合同，合计 ¥1,234.00`; a search counted up to its bound: `超过 1,000 份合同…`.
fn totals_text(lang: Lang, page: &ContractPage) -> String {
    let n = crate::i18n::count(u32::try_from(page.count).unwrap_or(u32::MAX));
    match (lang, page.capped) {
        (Lang::Zh, false) => format!("共 {n} 份合同，金额合计 {}", money(lang, page.sum)),
        (Lang::En, false) => format!("{n} contracts, total {}", money(lang, page.sum)),
        (Lang::Zh, true) => format!("超过 {n} 份合同含此搜索词，请缩小搜索范围以查看数量和金额合计"),
        (Lang::En, true) => format!("More than {n} contracts hold this search; narrow it to see their count and total"),
    }
}

/// The totals of the filter, the export of it, the page's rows and the pager.
#[component]
fn ListResult(page: ContractPage, filter: ContractFilter, admin: bool) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    if page.items.is_empty() && page.count == 0 {
        return view! {
            <p class="empty card" data-testid="list-empty">
                {if filter.narrows() {
                    td_string!(locale, contracts.no_match)
                } else {
                    td_string!(locale, contracts.none_yet)
                }}
            </p>
        }
        .into_any();
    }
    let first_page = filter.cursor.is_some().then(|| href_with("/contracts", &filter, None));
    let next_page = page.next_cursor.as_deref().map(|c| href_with("/contracts", &filter, Some(c)));
    let export = href_with("/contracts/export.xlsx", &filter, None);
    let (totals, count, sum) = (totals_text(lang, &page), page.count.to_string(), page.sum.to_string());
    let capped = page.capped.to_string();
    view! {
        <div class="list-summary">
            <p data-testid="list-totals" data-count=count data-sum=sum data-capped=capped>
                {totals}
            </p>
            <a class="button" href=export rel="external" download data-testid="list-export">
                {lang.pick("导出 Excel（全部筛选结果）", "Export to Excel (every filtered row)")}
            </a>
        </div>
        <ContractRows items=page.items admin />
        <nav class="pager" aria-label={td_string!(locale, contracts.pages)}>
            {first_page.map(|h| view! { <a href=h>{td_string!(locale, contracts.first_page)}</a> })}
            {next_page.map(|h| view! { <a class="button" href=h data-testid="list-next">{td_string!(locale, contracts.next_page)}</a> })}
        </nav>
    }
    .into_any()
}

/// The page's rows: a table on a wide screen, one card per contract on a phone.
#[component]
fn ContractRows(items: Vec<ContractSummary>, admin: bool) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let (number, customer, company, order_type, owner, organisation, status, amount, updated) = (
        td_string!(locale, contracts.number),
        td_string!(locale, contracts.end_customer),
        td_string!(locale, contracts.company),
        lang.pick("订单类型", "Order type"),
        lang.pick("负责人", "Owner"),
        lang.pick("渠道伙伴", "Organisation"),
        td_string!(locale, contracts.status),
        td_string!(locale, contracts.amount),
        lang.pick("更新时间（北京时间）", "Updated (Beijing time)"),
    );
    let mut columns =
        vec![Column::text(number), Column::text(customer), Column::text(company), Column::text(order_type)];
    columns.push(Column::text(owner));
    if admin {
        columns.push(Column::text(organisation));
    }
    columns.extend([Column::text(status), Column::number(amount), Column::text(updated)]);
    view! {
        <StackTable columns testid="contract-list">
            {items
                .into_iter()
                .map(|c| {
                    let href = format!("/contracts/{}", c.id);
                    view! {
                        <tr data-testid="list-row" data-contract=c.id.to_string()>
                            <td data-label=number>
                                <a href=href>{c.document_number.clone().unwrap_or_else(|| td_string!(locale, contracts.draft).to_owned())}</a>
                            </td>
                            <td data-label=customer>{c.end_customer.clone()}</td>
                            <td data-label=company>
                                <span>
                                    {c.corp_name.clone()}
                                    <br />
                                    <small class="hint corp-id">{c.corp_id.clone()}</small>
                                </span>
                            </td>
                            <td data-label=order_type>{c.order_type.map(|t| lang.pick(t.zh(), t.en()))}</td>
                            <td data-label=owner>{c.owner.display_name.clone()}</td>
                            {admin.then(|| view! { <td data-label=organisation>{c.organisation.display_name.clone()}</td> })}
                            <td data-label=status>
                                <span class=format!("status status-{}", c.status.code())>{c.status.label(lang)}</span>
                            </td>
                            <td data-label=amount class="num">{c.total.map_or_else(|| "—".to_owned(), format_grouped)}</td>
                            <td data-label=updated>{date_time(c.updated_at)}</td>
                        </tr>
                    }
                })
                .collect_view()}
        </StackTable>
    }
}
