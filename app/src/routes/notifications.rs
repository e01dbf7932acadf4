//! `/notifications` (通知): what happened to my contracts (approved, rejected with the reason,
//! fulfilled) and, for an approver, which contracts reached their level. Newest first; opening
//! one marks it read; "mark all read" clears the bell.

use crate::components::user_menu::use_desk;
use crate::functions::desk::{mark_all_notifications_read, mark_notification_read, my_notifications};
use crate::i18n::{Locale, date_time, td_string, use_lang, use_locale};
use crate::models::{NotificationDto, SessionUser};
use crate::routes::contracts::RequireSignIn;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

lazy_page!("/notifications": NotificationsRoute => NotificationsPage);

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text={td_string!(locale, desk.notifications.title)} />
        <RequireSignIn signed_in=|_user: SessionUser| view! { <NotificationList /> } />
    }
}

/// A notification in words: `QYWXHT-12（某某科技）被驳回：数量不符`.
pub fn notification_text(locale: Locale, n: &NotificationDto) -> String {
    let number = n.document_number.clone().unwrap_or_else(|| td_string!(locale, contracts.draft).to_owned());
    let contract = if n.end_customer.is_empty() { number } else { format!("{number}（{}）", n.end_customer) };
    let contract = contract.as_str();
    match n.kind.as_str() {
        "contract.submitted" => td_string!(locale, desk.notifications.submitted, contract = contract),
        "contract.level_reached" => td_string!(locale, desk.notifications.level_reached, contract = contract),
        "contract.approved" => td_string!(locale, desk.notifications.approved, contract = contract),
        "contract.rejected" => td_string!(locale, desk.notifications.rejected, contract = contract, reason = &n.text),
        "contract.withdrawn" => td_string!(locale, desk.notifications.withdrawn, contract = contract),
        "contract.cancelled" => td_string!(locale, desk.notifications.cancelled, contract = contract),
        "contract.fulfilled" => td_string!(locale, desk.notifications.fulfilled, contract = contract),
        "contract.renewal_due" => {
            // The text is the expiry date; the days left are counted from when it was sent.
            let left = chrono::NaiveDate::parse_from_str(&n.text, "%Y-%m-%d")
                .map(|d| (d - crate::domain::calendar::china_date(n.created_at)).num_days().max(0))
                .unwrap_or(0);
            td_string!(locale, desk.notifications.renewal_due, contract = contract, date = &n.text, n = left)
        }
        // The reason is stored as "中文 / English"; the counts as "activated/failed".
        "wecom.job_stopped" => {
            let (zh, en) = n.text.split_once(" / ").unwrap_or((&n.text, &n.text));
            match crate::domain::problem::Lang::from(locale) {
                crate::domain::problem::Lang::Zh => format!("{contract}的企业微信下单已停止：{zh}"),
                crate::domain::problem::Lang::En => format!("The WeCom order of {contract} stopped: {en}"),
            }
        }
        "wecom.job_finished" => {
            let (activated, failed) = n.text.split_once('/').unwrap_or(("0", "0"));
            match crate::domain::problem::Lang::from(locale) {
                crate::domain::problem::Lang::Zh => {
                    format!("{contract}已通过企业微信开通：已激活 {activated} 个账号，失败 {failed} 个")
                }
                crate::domain::problem::Lang::En => {
                    format!("{contract} fulfilled through WeCom: {activated} accounts activated, {failed} failed")
                }
            }
        }
        _ => td_string!(locale, desk.notifications.other, contract = contract),
    }
}

#[component]
fn NotificationList() -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let desk = use_desk();
    let generation = RwSignal::new(0u64);
    let list = Resource::new(move || generation.get(), |_| my_notifications());
    let error = RwSignal::new(None::<String>);
    // After a change on the server: this list and the bell both read again.
    let reload = move || {
        generation.update(|g| *g += 1);
        desk.refresh();
    };
    let mark_all = move |_| {
        spawn_local(async move {
            match mark_all_notifications_read().await {
                Ok(_) => reload(),
                Err(e) => error.set(Some(e.message(lang))),
            }
        });
    };
    let mark_one = move |id: i64| {
        spawn_local(async move {
            match mark_notification_read(id).await {
                Ok(_) => reload(),
                Err(e) => error.set(Some(e.message(lang))),
            }
        });
    };
    view! {
        <section class="notifications-page" data-testid="notifications">
            <header class="page-head">
                <h1>{td_string!(locale, desk.notifications.heading)}</h1>
                <button type="button" on:click=mark_all data-testid="mark-all-read">
                    {td_string!(locale, desk.notifications.mark_all)}
                </button>
            </header>
            {move || error.get().map(|m| view! { <p class="notice error" role="alert">{m}</p> })}
            <Transition fallback=move || view! { <p class="loading">{td_string!(locale, desk.notifications.loading)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(l) if l.items.is_empty() => {
                            view! { <p class="empty card">{td_string!(locale, desk.notifications.none)}</p> }.into_any()
                        }
                        Ok(l) => view! {
                            <ul class="notification-list">
                                {l.items.into_iter().map(|n| view! { <NotificationItem n mark_one=Callback::new(mark_one) /> }).collect_view()}
                            </ul>
                        }
                            .into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn NotificationItem(n: NotificationDto, mark_one: Callback<i64>) -> impl IntoView {
    let locale = use_locale();
    let text = notification_text(locale, &n);
    let id = n.id;
    let unread = !n.read;
    let href = n.contract_id.map(|c| format!("/contracts/{c}"));
    // Opening the contract marks the notification read (the link still navigates).
    let open = move |_| {
        if unread {
            mark_one.run(id);
        }
    };
    view! {
        <li class=if unread { "notification unread" } else { "notification" } data-testid="notification" data-kind=n.kind.clone()>
            {unread.then(|| view! { <span class="unread-dot" title={td_string!(locale, desk.notifications.unread)}></span> <span class="visually-hidden">{td_string!(locale, desk.notifications.unread)}</span> })}
            {match href {
                Some(h) => view! { <a href=h on:click=open>{text}</a> }.into_any(),
                None => view! { <span>{text}</span> }.into_any(),
            }}
            <time class="hint">{date_time(n.created_at)}</time>
            {unread.then(|| view! {
                <button type="button" class="link-button" on:click=move |_| mark_one.run(id)>
                    {td_string!(locale, desk.notifications.mark_read)}
                </button>
            })}
        </li>
    }
}
