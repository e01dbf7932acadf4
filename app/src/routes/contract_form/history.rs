//! 已有基础账号数 / 已有互通账号数 suggested from the enterprise's history (PRODUCT.md §2): for a
//! new purchase or an add-on with a valid corp ID and start date, the accounts active on that day
//! from its earlier approved or fulfilled orders, with the orders they came from; one click puts
//! them into the form, and the partner may type another number. The server counts with the same
//! `domain::contract::history::active_on` (`contracts/active_accounts`).

use super::state::Form;
use crate::domain::contract::history::ActiveAccounts;
use crate::domain::period::parse_date;
use crate::domain::problem::Lang;
use crate::domain::{CorpId, OrderType};
use crate::models::ActiveAccountsDto;
use leptos::prelude::*;

/// What the suggestion is asked for: the corp ID and the earliest start date of the lines.
fn question(f: Form) -> Option<(String, String)> {
    f.draft.with(|d| {
        if !matches!(d.order_type, Some(OrderType::New | OrderType::Addon)) {
            return None;
        }
        let corp = CorpId::parse("", &d.corp_id).ok()?;
        let start = d.lines.iter().filter_map(|l| parse_date(&l.service_start)).min()?;
        Some((corp.as_str().to_owned(), start.to_string()))
    })
}

fn sources(lang: Lang, a: &ActiveAccounts) -> String {
    a.from
        .iter()
        .map(|l| {
            format!("{} × {}", l.document_number.clone().unwrap_or_else(|| format!("#{}", l.contract_id)), l.quantity)
        })
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "))
}

#[component]
pub(super) fn ActiveAccountsHint(f: Form) -> impl IntoView {
    let lang = f.lang;
    let asked = Memo::new(move |_| question(f));
    let answer = RwSignal::new(None::<(String, ActiveAccountsDto)>);
    Effect::new(move |_| {
        let Some((corp, start)) = asked.get() else {
            answer.set(None);
            return;
        };
        if !f.editable.get_untracked() {
            return;
        }
        let except = f.contract_id();
        leptos::task::spawn_local(async move {
            let got = crate::functions::contracts::active_accounts(corp.clone(), start.clone(), except).await;
            // Only the answer to the latest question is shown.
            if asked.get_untracked() == Some((corp, start.clone())) {
                answer.set(got.ok().map(|a| (start, a)));
            }
        });
    });
    let apply = move |_| {
        if let Some((_, a)) = answer.get_untracked() {
            f.draft.update(|d| {
                d.existing_basic = a.basic.count.to_string();
                d.existing_interop = a.interop.count.to_string();
            });
        }
    };
    move || {
        let (start, a) = answer.get().filter(|(_, a)| a.basic.count + a.interop.count > 0)?;
        let from = [sources(lang, &a.basic), sources(lang, &a.interop)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(lang.pick("；", "; "));
        let (basic, interop) = (a.basic.count, a.interop.count);
        let text = match lang {
            Lang::Zh => {
                format!("按历史订单，该企业 {start} 有效的基础账号 {basic} 个、互通账号 {interop} 个（来自 {from}）")
            }
            Lang::En => format!(
                "From earlier orders, the enterprise has {basic} basic and {interop} interop accounts active on {start} (from {from})"
            ),
        };
        Some(view! {
            <div class="field wide active-hint" data-testid="active-accounts">
                <p class="hint">
                    {text}
                    " "
                    <button type="button" class="link-button" data-testid="active-accounts-apply" disabled=move || !f.editable.get() on:click=apply>
                        {lang.pick("填入", "Use these")}
                    </button>
                </p>
            </div>
        })
    }
}
