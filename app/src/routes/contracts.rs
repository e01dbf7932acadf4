//! `/contracts`: the signed-in user's order contracts.

use crate::components::user_menu::use_auth;
use crate::domain::contract::ContractStatus;
use crate::domain::money::format_grouped;
use crate::domain::problem::Lang;
use crate::functions::contracts::list_contracts;
use crate::models::{ContractFilter, ContractSummary, Role, SessionUser};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Renders `signed_in` for a signed-in user, else the 请先登录 notice with a link to `/signin`.
#[component]
pub fn RequireSignIn<F, V>(signed_in: F) -> impl IntoView
where
    F: Fn(SessionUser) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let auth = use_auth();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"正在读取登录状态…"</p> }>
            {move || {
                let signed_in = signed_in.clone();
                Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => signed_in(user).into_any(),
                        Ok(None) => view! { <SignInNotice /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message(Lang::Zh)}</p> }.into_any(),
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
    view! {
        <section class="signin-notice card">
            <h1>"请先登录"</h1>
            <p>"查看和提交订单合同需要登录。"</p>
            <p>
                <a class="button primary" href="/signin">"去登录"</a>
            </p>
        </section>
    }
}

/// The list's filters, from the query string (the filter form is a plain GET form).
fn filter_from_query(q: &leptos_router::params::ParamsMap) -> ContractFilter {
    let text = |k: &str| q.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    ContractFilter { status: text("status"), search: text("q"), cursor: text("cursor"), ..ContractFilter::default() }
}

/// The status filter's choices: (code, label).
const STATUS_CHOICES: &[(&str, &str)] = &[
    ("draft", "草稿"),
    ("in_approval", "审批中"),
    ("approved", "已通过"),
    ("fulfilled", "已开通"),
    ("rejected", "已驳回"),
    ("withdrawn", "已撤回"),
    ("cancelled", "已取消"),
];

#[component]
pub fn ContractsPage() -> impl IntoView {
    view! {
        <Title text="订单合同 · 企业微信接口许可" />
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
    view! {
        <section class="contracts-page">
            <header class="page-head">
                <h1>"订单合同"</h1>
                <span class="hint">{format!("{} · {}", user.display_name, user.organisation_name)}</span>
                {(user.role == Role::Partner)
                    .then(|| view! { <a class="button primary" href="/contracts/new">"新建订单合同"</a> })}
            </header>
            <form class="contract-filters card" method="get" action="/contracts" role="search">
                <div class="field">
                    <label for="filter-q">"搜索"</label>
                    <input
                        id="filter-q"
                        name="q"
                        type="search"
                        value=search
                        placeholder="单号、企业 ID 或最终客户"
                        maxlength="100"
                    />
                </div>
                <div class="field">
                    <label for="filter-status">"状态"</label>
                    <select id="filter-status" name="status">
                        <option value="" selected=status.is_empty()>
                            "全部"
                        </option>
                        {STATUS_CHOICES
                            .iter()
                            .map(|(code, label)| {
                                view! {
                                    <option value=*code selected=status == *code>
                                        {*label}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <button type="submit">"筛选"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"正在读取订单合同…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <ContractTable items=p.items next=p.next_cursor filter=filter.get_untracked() /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message(Lang::Zh)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// A link to the list with the same filters and another cursor.
fn page_href(filter: &ContractFilter, cursor: Option<&str>) -> String {
    let mut pairs = Vec::new();
    if let Some(q) = &filter.search {
        pairs.push(format!("q={}", url_escape(q)));
    }
    if let Some(s) = &filter.status {
        pairs.push(format!("status={}", url_escape(s)));
    }
    if let Some(c) = cursor {
        pairs.push(format!("cursor={}", url_escape(c)));
    }
    if pairs.is_empty() { "/contracts".to_owned() } else { format!("/contracts?{}", pairs.join("&")) }
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn status_label(s: ContractStatus) -> String {
    s.label(Lang::Zh)
}

#[component]
fn ContractTable(items: Vec<ContractSummary>, next: Option<String>, filter: ContractFilter) -> impl IntoView {
    if items.is_empty() {
        let filtered = filter.search.is_some() || filter.status.is_some();
        return view! {
            <p class="empty card">
                {if filtered { "没有符合条件的订单合同。" } else { "还没有订单合同。" }}
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
                    <th scope="col">"单号"</th>
                    <th scope="col">"最终客户"</th>
                    <th scope="col">"企业"</th>
                    <th scope="col">"状态"</th>
                    <th scope="col" class="num">"金额（元）"</th>
                    <th scope="col">"更新时间"</th>
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
                                    <a href=href>{c.document_number.clone().unwrap_or_else(|| "（草稿）".to_owned())}</a>
                                </td>
                                <td>{c.end_customer.clone()}</td>
                                <td>
                                    {c.corp_name.clone()}
                                    <br />
                                    <small class="hint">{c.corp_id.clone()}</small>
                                </td>
                                <td>
                                    <span class=format!("status status-{}", c.status.code())>{status_label(c.status)}</span>
                                </td>
                                <td class="num">{c.total.map_or_else(|| "—".to_owned(), format_grouped)}</td>
                                <td>{c.updated_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label="分页">
            {first_page.map(|h| view! { <a href=h>"回到第一页"</a> })}
            {next_page.map(|h| view! { <a class="button" href=h>"下一页"</a> })}
        </nav>
    }
    .into_any()
}
