//! 企业微信下单: fulfilment through WeCom's license API on an approved contract — the admin's
//! 向企业微信下单 / 重试 / 改为手动开通 buttons, where the job stands (waiting for the payment in
//! WeCom, with WeCom's price beside ours), why it stopped, and each userid's result. Shown when
//! the server is configured for WeCom's API or the contract has a job; read again every few
//! seconds while the job runs, and the contract with it once the job is done.

use super::state::{Form, Notice};
use crate::domain::contract::ContractStatus;
use crate::domain::money::Money;
use crate::error::AppError;
use crate::functions::contracts::get_contract;
use crate::functions::wecom::{manual_wecom_job, retry_wecom_job, start_wecom_job, wecom_job};
use crate::models::{WecomJobDto, WecomJobView};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// How often a running job is read again.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

/// The card; `holds` tells the manual 开通 form to stand back while a job has the contract (until
/// it is done or given up for manual fulfilment: the server refuses a manual 开通 until then).
#[component]
pub(super) fn WecomCard(f: Form, holds: RwSignal<bool>) -> impl IntoView {
    let lang = f.lang;
    let dto = RwSignal::new(None::<WecomJobDto>);
    // The worker still has something to do: read the job again every few seconds.
    let running = RwSignal::new(false);
    let show = move |job: &WecomJobDto| {
        running.set(job.job.as_ref().is_some_and(is_running));
        holds.set(job.job.as_ref().is_some_and(|j| j.state != "manual" && j.state != "done"));
        dto.set(Some(job.clone()));
    };
    let shown = move || matches!(f.status(), ContractStatus::Approved | ContractStatus::Fulfilled);
    let load = move || {
        let Some(id) = f.saved.with_untracked(|c| c.as_ref().map(|c| c.id)) else { return };
        spawn_local(async move {
            if let Ok(job) = wecom_job(id).await {
                let was_running = running.get_untracked();
                show(&job);
                // Done: the contract is 已开通 now; show it.
                if was_running && !running.get_untracked() {
                    if let Ok(c) = get_contract(id).await {
                        f.baseline.set(c.draft.clone());
                        f.draft.set(c.draft.clone());
                        f.saved.set(Some(c));
                    }
                }
            }
        });
    };
    Effect::new(move |_| {
        if shown() {
            load();
        }
    });
    // In the browser only (effects do not run on the server): a running job is read again
    // every few seconds, until the page is left.
    Effect::new(move |started: Option<()>| {
        if started.is_some() {
            return;
        }
        let tick = move || {
            if running.get_untracked() {
                load();
            }
        };
        if let Ok(handle) = set_interval_with_handle(tick, REFRESH) {
            on_cleanup(move || handle.clear());
        }
    });

    let act = move |which: &'static str| {
        let Some(id) = f.saved.with_untracked(|c| c.as_ref().map(|c| c.id)) else { return };
        f.notice.set(None);
        f.busy.set(true);
        spawn_local(async move {
            let result: Result<WecomJobDto, AppError> = match which {
                "start" => start_wecom_job(id).await,
                "retry" => retry_wecom_job(id).await,
                _ => manual_wecom_job(id).await,
            };
            f.busy.set(false);
            match result {
                Ok(job) => show(&job),
                Err(e) => f.notice.set(Some(Notice::Error(e.message(lang)))),
            }
        });
    };

    view! {
        {move || {
            let d = dto.get().filter(|d| shown() && (d.enabled || d.job.is_some()))?;
            let busy = move || f.busy.get();
            Some(view! {
                <fieldset class="card" data-testid="wecom-job">
                    <legend>{lang.pick("企业微信接口下单", "Order in WeCom")}</legend>
                    {d.job.is_none().then(|| view! {
                        <p class="hint">{lang.pick(
                            "通过企业微信接口许可API下单：支付后自动激活userid表中的每个账号，并记录开通信息。",
                            "Orders through WeCom's license API: once paid, every userid on the sheet is activated and 开通 is recorded.",
                        )}</p>
                    })}
                    {d.job.clone().map(|j| job_view(lang, j))}
                    <p class="actions">
                        {d.can_start.then(|| view! {
                            <button type="button" class="primary" data-testid="wecom-start" disabled=busy on:click=move |_| act("start")>
                                {lang.pick("向企业微信下单", "Order in WeCom")}
                            </button>
                        })}
                        {d.can_retry.then(|| view! {
                            <button type="button" class="primary" data-testid="wecom-retry" disabled=busy on:click=move |_| act("retry")>
                                {lang.pick("重试", "Retry")}
                            </button>
                        })}
                        {d.can_manual.then(|| view! {
                            <button type="button" data-testid="wecom-manual" disabled=busy on:click=move |_| act("manual")>
                                {lang.pick("改为手动开通", "Fulfil by hand instead")}
                            </button>
                        })}
                    </p>
                </fieldset>
            })
        }}
    }
}

fn is_running(j: &WecomJobView) -> bool {
    crate::domain::wecom::JobState::from_code(&j.state).is_some_and(|s| s.is_running())
}

fn yuan(fen: Option<i64>) -> String {
    fen.map(|f| format!("¥{}", Money::from_fen(f))).unwrap_or_else(|| "—".to_owned())
}

fn job_view(lang: crate::domain::problem::Lang, j: WecomJobView) -> impl IntoView {
    let pick = move |zh: &str, en: &str| lang.pick(zh, en).to_owned();
    let order_status = j.order_status_zh.clone().map(|zh| pick(&zh, j.order_status_en.as_deref().unwrap_or("")));
    let error = j.error_zh.clone().map(|zh| pick(&zh, j.error_en.as_deref().unwrap_or("")));
    // One line per userid (it wraps on a phone); the ones that need a look first, every one
    // folded below.
    let line = move |a: &crate::models::WecomAccountView| {
        let (state_zh, state_en) = match a.state.as_str() {
            "active" => ("已激活", "activated"),
            "failed" => ("失败", "failed"),
            _ => ("未完成", "not yet done"),
        };
        let kind = if a.kind == "interop" { pick("互通账号", "interop") } else { pick("基础账号", "basic") };
        let mut parts = vec![a.userid.clone(), kind, pick(state_zh, state_en)];
        parts.extend(a.active_code.clone());
        parts.extend(a.expire_date.map(|d| format!("{}{d}", pick("到期 ", "expires "))));
        parts.extend(a.reason_zh.clone().map(|zh| pick(&zh, a.reason_en.as_deref().unwrap_or(""))));
        view! { <li data-userid=a.userid.clone() data-state=a.state.clone()>{parts.join(" · ")}</li> }
    };
    let open: Vec<_> = j.accounts.iter().filter(|a| a.state != "active").map(line).collect();
    let all: Vec<_> = j.accounts.iter().map(line).collect();
    let total = j.accounts.len();
    view! {
        <dl class="facts">
            <dt>{pick("状态", "State")}</dt>
            <dd data-testid="wecom-state" data-state=j.state.clone()>{pick(&j.state_zh, &j.state_en)}</dd>
            <dt>{pick("企业微信订单号", "WeCom order ID")}</dt>
            <dd data-testid="wecom-order">{j.order_id.clone().unwrap_or_else(|| "—".into())}</dd>
            {order_status.map(|s| view! { <dt>{pick("订单状态", "Order status")}</dt><dd>{s}</dd> })}
            <dt>{pick("企业微信价格 / 本单价格", "WeCom's price / ours")}</dt>
            <dd data-testid="wecom-price">
                {format!("{} / {}", yuan(j.wecom_price_fen), yuan(j.our_price_fen))}
                {j.price_differs.then(|| view! {
                    <strong class="warning" data-testid="wecom-price-differs">
                        {pick("　价格不一致，请核对", "  prices differ: check before paying")}
                    </strong>
                })}
            </dd>
            <dt>{pick("账号", "Accounts")}</dt>
            <dd data-testid="wecom-counts">
                {format!(
                    "{} {} · {} {} · {} {}",
                    pick("已激活", "activated"), j.activated, pick("失败", "failed"), j.failed, pick("未完成", "left"), j.pending
                )}
            </dd>
        </dl>
        {error.map(|e| view! { <p class="field-errors" role="alert" data-testid="wecom-error">{e}</p> })}
        {(!open.is_empty()).then(|| view! { <ul data-testid="wecom-open">{open}</ul> })}
        {(total > 0).then(|| view! {
            <details data-testid="wecom-all">
                <summary>{format!("{} {total} {}", pick("全部", "All"), pick("个userid", "userids"))}</summary>
                <ol data-testid="wecom-accounts">{all}</ol>
            </details>
        })}
    }
}
