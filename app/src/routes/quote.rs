//! The public quote page (`/`): instant, exact prices computed in the browser by the shared
//! engine, with the band-by-band breakdown.
//!
//! The form is a plain GET form: without JavaScript it submits to the server, which renders the
//! same quote from the query string. With the WASM loaded every keystroke re-prices locally and no
//! request is sent.

use crate::components::quote_result::QuoteResult;
use crate::domain::problem::problems_for;
use crate::domain::quote_form::{QuoteFormResult, fields};
use crate::domain::{OrderType, PriceBook, QuoteForm};
use crate::functions::price_book::current_price_book;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn QuotePage() -> impl IntoView {
    let book = Resource::new(|| (), |_| current_price_book());
    view! {
        <section class="quote-page">
            <h1>"企业微信接口许可报价"</h1>
            <p class="lead">
                "按企业维度累进阶梯计费：每个账号按其所在区间的单价计算，基础账号与互通账号分别计算。"
            </p>
            <Suspense fallback=|| view! { <p class="loading">"正在读取价格表…"</p> }>
                {move || Suspend::new(async move {
                    match book.await {
                        Ok(book) => view! { <QuoteCalculator book /> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn QuoteCalculator(book: PriceBook) -> impl IntoView {
    let query = use_query_map();
    let initial = query.with_untracked(|q| {
        QuoteForm::from_pairs(
            [
                fields::BASIC,
                fields::INTEROP,
                fields::MONTHS,
                fields::ORDER_TYPE,
                fields::EXISTING_BASIC,
                fields::EXISTING_INTEROP,
                fields::INVOICE,
            ]
            .into_iter()
            .filter_map(|k| q.get_str(k).map(|v| (k, v))),
        )
    });
    // A link without parameters gets the default example, not an empty form.
    let initial =
        if query.with_untracked(|q| q.get_str(fields::MONTHS).is_none()) { QuoteForm::default() } else { initial };
    let form = RwSignal::new(initial);
    let version = book.version.clone();
    let result: Memo<QuoteFormResult> = Memo::new(move |_| form.with(|f| f.evaluate(&book)));

    let errors = move |field: &'static str| {
        move || {
            result.with(|r| {
                problems_for(&r.problems, field)
                    .map(|p| view! { <p class="field-error">{p.zh.clone()}</p> })
                    .collect_view()
            })
        }
    };
    let invalid = move |field: &'static str| move || result.with(|r| problems_for(&r.problems, field).next().is_some());
    let renewal = move || form.with(|f| f.order_type == OrderType::Renewal);

    view! {
        <div class="quote-layout">
            <form class="quote-form" method="get" action="/" on:submit=|ev| ev.prevent_default()>
                <fieldset>
                    <legend>"购买内容"</legend>
                    <CountInput
                        name=fields::BASIC
                        label="基础账号数量"
                        hint="调用基础接口；必须购买（已购互通账号的成员无需再购买）"
                        value=Signal::derive(move || form.with(|f| f.basic.clone()))
                        on_input=move |v| form.update(|f| f.basic = v)
                        invalid=Signal::derive(invalid(fields::BASIC))
                    />
                    <div class="field-errors" id="basic-errors" aria-live="polite">{errors(fields::BASIC)}</div>
                    <CountInput
                        name=fields::INTEROP
                        label="互通账号数量"
                        hint="调用基础和互通接口；使用客户联系、渠道码、会话存档等功能时需要"
                        value=Signal::derive(move || form.with(|f| f.interop.clone()))
                        on_input=move |v| form.update(|f| f.interop = v)
                        invalid=Signal::derive(invalid(fields::INTEROP))
                    />
                    <div class="field-errors" id="interop-errors" aria-live="polite">{errors(fields::INTEROP)}</div>
                    <CountInput
                        name=fields::MONTHS
                        label="购买时长（月）"
                        hint="整月，1–60 个月；新购至少 12 个月"
                        value=Signal::derive(move || form.with(|f| f.months.clone()))
                        on_input=move |v| form.update(|f| f.months = v)
                        invalid=Signal::derive(invalid(fields::MONTHS))
                    />
                    <div class="field-errors" id="months-errors" aria-live="polite">{errors(fields::MONTHS)}</div>
                    <div class="field">
                        <label for="order_type">"订单类型"</label>
                        <select
                            id="order_type"
                            name=fields::ORDER_TYPE
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                form.update(|f| f.order_type = OrderType::from_code(&v).unwrap_or(f.order_type));
                            }
                        >
                            {OrderType::ALL
                                .into_iter()
                                .map(|t| {
                                    view! {
                                        <option
                                            value=t.code()
                                            selected=move || form.with(|f| f.order_type == t)
                                        >
                                            {t.zh()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <label class="checkbox">
                        <input
                            type="checkbox"
                            name=fields::INVOICE
                            value="1"
                            checked=move || form.with(|f| f.invoice)
                            prop:checked=move || form.with(|f| f.invoice)
                            on:change=move |ev| form.update(|f| f.invoice = event_target_checked(&ev))
                        />
                        "需要开票（税率按价格表计算；微信扫码代付不提供发票）"
                    </label>
                </fieldset>
                <fieldset class="existing" disabled=renewal>
                    <legend>"企业已激活的账号"</legend>
                    <p class="hint">
                        "新购、增购时，阶梯从企业已激活的同类账号之后开始计算；续期从第 1 个账号开始。"
                    </p>
                    <CountInput
                        name=fields::EXISTING_BASIC
                        label="已激活基础账号"
                        hint=""
                        value=Signal::derive(move || form.with(|f| f.existing_basic.clone()))
                        on_input=move |v| form.update(|f| f.existing_basic = v)
                        invalid=Signal::derive(invalid(fields::EXISTING_BASIC))
                    />
                    <div class="field-errors" aria-live="polite">{errors(fields::EXISTING_BASIC)}</div>
                    <CountInput
                        name=fields::EXISTING_INTEROP
                        label="已激活互通账号"
                        hint=""
                        value=Signal::derive(move || form.with(|f| f.existing_interop.clone()))
                        on_input=move |v| form.update(|f| f.existing_interop = v)
                        invalid=Signal::derive(invalid(fields::EXISTING_INTEROP))
                    />
                    <div class="field-errors" aria-live="polite">{errors(fields::EXISTING_INTEROP)}</div>
                </fieldset>
                <noscript>
                    <button type="submit" class="primary">"计算报价"</button>
                </noscript>
            </form>
            <QuoteResult result=result price_book=version />
        </div>
    }
}

/// A labelled whole-number input whose text is kept exactly as typed.
#[component]
fn CountInput(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    #[prop(into)] value: Signal<String>,
    on_input: impl Fn(String) + 'static,
    #[prop(into)] invalid: Signal<bool>,
) -> impl IntoView {
    let hint_id = format!("{name}-hint");
    let errors_id = format!("{name}-errors");
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type="text"
                inputmode="numeric"
                autocomplete="off"
                value=move || value.get()
                prop:value=move || value.get()
                aria-invalid=move || if invalid.get() { "true" } else { "false" }
                aria-describedby=format!("{hint_id} {errors_id}")
                on:input=move |ev| on_input(event_target_value(&ev))
            />
            {(!hint.is_empty()).then(|| view! { <small class="hint" id=hint_id>{hint}</small> })}
        </div>
    }
}
