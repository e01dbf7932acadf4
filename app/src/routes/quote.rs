//! The public quote page (`/`): instant, exact prices computed in the browser by the shared
//! engine, with the band-by-band breakdown, the tier chart, and a way to save and share.
//!
//! The form is a plain GET form: without JavaScript it submits to the server, which renders the
//! same quote from the query string, and the save form is a plain POST. With the WASM loaded every
//! keystroke re-prices locally and no request is sent until the customer saves.

use crate::components::quote_result::QuoteResult;
use crate::domain::problem::problems_for;
use crate::domain::quote_form::{QuoteFormResult, fields};
use crate::domain::{Lang, OrderType, PriceBook, Problem, QuoteForm};
use crate::functions::price_book::current_price_book;
use crate::functions::quotes::{SaveOutcome, SaveQuote, quote_href};
use crate::i18n::{months, order_type_name, use_lang};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Terms offered as one-click choices (months).
const QUICK_MONTHS: [u32; 3] = [12, 24, 36];

#[component]
pub fn QuotePage() -> impl IntoView {
    let lang = use_lang();
    let book = Resource::new(|| (), |_| current_price_book());
    view! {
        <section class="quote-page">
            <h1>{lang.pick("企业微信接口许可报价", "WeCom interface license quote")}</h1>
            <p class="lead">
                {lang
                    .pick(
                        "许可账号按企业维度累进阶梯计费：每个账号按其所在区间的单价计算，基础账号与互通账号分别计算。",
                        "Licenses are priced per enterprise in progressive tiers: each account costs the price of the tier its position falls in, basic and interop counted separately.",
                    )}
            </p>
            <Suspense fallback=move || {
                view! { <p class="loading">{lang.pick("正在读取价格表…", "Loading the price book…")}</p> }
            }>
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
    let lang = use_lang();
    let query = use_query_map();
    let initial = query.with_untracked(|q| {
        // A link without parameters gets the default example, not an empty form.
        if q.get_str(fields::MONTHS).is_none() {
            return QuoteForm::default();
        }
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
    let form = RwSignal::new(initial);
    let min_months_new = book.min_months_new;
    let max_months = book.max_months;
    let priced_with = book.clone();
    let result: Memo<QuoteFormResult> = Memo::new(move |_| form.with(|f| f.evaluate(&priced_with)));
    let problems = move |field: &'static str| {
        Signal::derive(move || result.with(|r| problems_for(&r.problems, field).cloned().collect::<Vec<_>>()))
    };
    let renewal = move || form.with(|f| f.order_type == OrderType::Renewal);

    view! {
        <div class="quote-layout">
            <form class="quote-form" method="get" action="/" on:submit=|ev| ev.prevent_default()>
                <fieldset>
                    <legend>{lang.pick("购买内容", "What to buy")}</legend>
                    <CountInput
                        name=fields::BASIC
                        label=lang.pick("基础账号数量", "Basic accounts")
                        hint=lang.pick("基础账号用于调用基础接口", "Basic accounts call the basic interfaces")
                        value=Signal::derive(move || form.with(|f| f.basic.clone()))
                        on_input=move |v| form.update(|f| f.basic = v)
                        problems=problems(fields::BASIC)
                    />
                    <CountInput
                        name=fields::INTEROP
                        label=lang.pick("互通账号数量", "Interop accounts")
                        hint=lang
                            .pick(
                                "互通账号用于调用基础和互通两个接口（互通接口涵盖基础接口）",
                                "Interop accounts call both the basic and the interop interfaces (interop includes basic)",
                            )
                        value=Signal::derive(move || form.with(|f| f.interop.clone()))
                        on_input=move |v| form.update(|f| f.interop = v)
                        problems=problems(fields::INTEROP)
                    />
                    <Help question=HELP_KINDS[0] answer=HELP_KINDS[1] />
                    <CountInput
                        name=fields::MONTHS
                        label=lang.pick("购买时长（月）", "Term (months)")
                        hint=""
                        value=Signal::derive(move || form.with(|f| f.months.clone()))
                        on_input=move |v| form.update(|f| f.months = v)
                        problems=problems(fields::MONTHS)
                    />
                    <div class="quick-picks" role="group" aria-label=lang.pick("常用时长", "Common terms")>
                        {QUICK_MONTHS
                            .into_iter()
                            .map(|m| {
                                let href = move || {
                                    quote_href(&form.with(|f| QuoteForm { months: m.to_string(), ..f.clone() }))
                                };
                                let current = move || form.with(|f| f.months.trim() == m.to_string());
                                view! {
                                    <a
                                        class="chip"
                                        href=href
                                        aria-current=move || current().then_some("true")
                                        data-testid=format!("months-{m}")
                                        on:click=move |ev| {
                                            ev.prevent_default();
                                            form.update(|f| f.months = m.to_string());
                                        }
                                    >
                                        {months(lang, m)}
                                    </a>
                                }
                            })
                            .collect_view()}
                    </div>
                    <HelpTerm min_months_new max_months />
                    <div class="field">
                        <label for="order_type">{lang.pick("订单类型", "Order type")}</label>
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
                                            {order_type_name(lang, t)}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="checkbox">
                        <input
                            id="invoice"
                            type="checkbox"
                            name=fields::INVOICE
                            value="1"
                            checked=move || form.with(|f| f.invoice)
                            prop:checked=move || form.with(|f| f.invoice)
                            on:change=move |ev| form.update(|f| f.invoice = event_target_checked(&ev))
                        />
                        <label for="invoice">
                            {lang
                                .pick(
                                    "需要开票（税额按价格表税率计算；微信扫码代支付不提供发票）",
                                    "Invoice needed (tax at the price book's rate; WeChat-scan proxy payment comes without an invoice)",
                                )}
                        </label>
                    </div>
                </fieldset>
                <fieldset class="existing" disabled=renewal>
                    <legend>{lang.pick("企业已激活的账号", "Accounts the enterprise already has active")}</legend>
                    <Help question=HELP_EXISTING[0] answer=HELP_EXISTING[1] />
                    <CountInput
                        name=fields::EXISTING_BASIC
                        label=lang.pick("已激活基础账号", "Active basic accounts")
                        hint=""
                        value=Signal::derive(move || form.with(|f| f.existing_basic.clone()))
                        on_input=move |v| form.update(|f| f.existing_basic = v)
                        problems=problems(fields::EXISTING_BASIC)
                    />
                    <CountInput
                        name=fields::EXISTING_INTEROP
                        label=lang.pick("已激活互通账号", "Active interop accounts")
                        hint=""
                        value=Signal::derive(move || form.with(|f| f.existing_interop.clone()))
                        on_input=move |v| form.update(|f| f.existing_interop = v)
                        problems=problems(fields::EXISTING_INTEROP)
                    />
                </fieldset>
                // Until the WASM arrives (or without JavaScript) the form is priced by the server;
                // once hydrated every keystroke prices in place and the button is hidden.
                <button type="submit" class="primary before-hydration">
                    {lang.pick("计算报价", "Calculate")}
                </button>
            </form>
            <div class="quote-side">
                <QuoteResult result=result book />
                <SaveQuoteForm form result />
            </div>
        </div>
    }
}

/// 保存报价: posts what was typed (never the totals) to the server, which prices it again and
/// answers with the share link. A plain form post without JavaScript.
#[component]
fn SaveQuoteForm(form: RwSignal<QuoteForm>, result: Memo<QuoteFormResult>) -> impl IntoView {
    let lang = use_lang();
    let save = ServerAction::<SaveQuote>::new();
    let priced = move || result.with(|r| r.quote.is_some());
    let hidden = move |name: &'static str| {
        let value = move || {
            form.with(|f| f.to_pairs().into_iter().find(|(k, _)| *k == name).map(|(_, v)| v).unwrap_or_default())
        };
        view! { <input type="hidden" name=name value=value prop:value=value /> }
    };
    let answer = move || {
        save.value().with(|v| match v {
            Some(Ok(SaveOutcome::Invalid { problems })) => problems
                .iter()
                .map(|p| view! { <p class="error">{p.message(lang).to_owned()}</p> })
                .collect_view()
                .into_any(),
            Some(Err(e)) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
            _ => ().into_any(),
        })
    };
    view! {
        <Show when=priced>
            <ActionForm action=save attr:class="save-quote">
                {hidden(fields::BASIC)}
                {hidden(fields::INTEROP)}
                {hidden(fields::MONTHS)}
                {hidden(fields::ORDER_TYPE)}
                {hidden(fields::EXISTING_BASIC)}
                {hidden(fields::EXISTING_INTEROP)}
                {hidden(fields::INVOICE)}
                <button type="submit" class="primary" data-testid="save-quote" disabled=move || save.pending().get()>
                    {lang.pick("保存报价", "Save quote")}
                </button>
                <p class="hint">
                    {lang
                        .pick(
                            "保存后得到一个分享链接和报价单号，可打印；服务器按当日价格表重新计算。",
                            "Saving gives a quote number and a link to share or print; the server prices it again with today's price book.",
                        )}
                </p>
            </ActionForm>
        </Show>
        <div role="alert" class="save-answer">{answer}</div>
    }
}

/// A labelled whole-number input whose text is kept exactly as typed, with its problems announced.
#[component]
fn CountInput(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    #[prop(into)] value: Signal<String>,
    on_input: impl Fn(String) + 'static,
    problems: Signal<Vec<Problem>>,
) -> impl IntoView {
    let lang = use_lang();
    let hint_id = format!("{name}-hint");
    let errors_id = format!("{name}-errors");
    let described_by = if hint.is_empty() { errors_id.clone() } else { format!("{hint_id} {errors_id}") };
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
                aria-invalid=move || if problems.with(|p| p.is_empty()) { "false" } else { "true" }
                aria-describedby=described_by
                on:input=move |ev| on_input(event_target_value(&ev))
            />
            {(!hint.is_empty()).then(|| view! { <small class="hint" id=hint_id>{hint}</small> })}
            <div class="field-errors" id=errors_id aria-live="polite">
                {move || {
                    problems
                        .get()
                        .into_iter()
                        .map(|p| view! { <p class="field-error">{p.message(lang).to_owned()}</p> })
                        .collect_view()
                }}
            </div>
        </div>
    }
}

/// Help in place: a question that opens to its answer, keyboard-usable as a native disclosure.
#[component]
fn Help(question: (&'static str, &'static str), answer: (&'static str, &'static str)) -> impl IntoView {
    let lang = use_lang();
    view! {
        <details class="help">
            <summary>{lang.pick(question.0, question.1)}</summary>
            <p>{lang.pick(answer.0, answer.1)}</p>
        </details>
    }
}

/// Basic vs interop, in the seed's words.
const HELP_KINDS: [(&str, &str); 2] = [
    ("基础账号和互通账号怎么选？", "Basic or interop?"),
    (
        "基础接口必须购买。如果客户需要用到客户联系相关的功能，就需要购买互通接口（互通接口涵盖基础接口，若已购买互通接口，则无需再购买基础接口），比如客户要使用渠道码或会话存档功能，都涉及调取客户信息，则必须购买互通接口才能满足。",
        "Basic interfaces must be bought. If the customer uses customer-contact features, buy interop (interop includes basic: an account with interop needs no basic as well) — for example channel QR codes or conversation archiving read customer information and need interop.",
    ),
];

/// Why accounts already active change the price.
const HELP_EXISTING: [(&str, &str); 2] = [
    ("为什么要填已激活的账号？", "Why do active accounts matter?"),
    (
        "许可账号按企业维度累进阶梯计费，不同账号数区间的价格不同。新购、增购时，本次购买的账号接在企业已激活的同类账号之后计算区间：例如已有 3 个基础账号，再买 10 个就是第 4–13 个，按 2×5 + 8×4 元计算。续期从第 1 个账号开始计算。",
        "Licenses are priced per enterprise in progressive tiers. For a new purchase or an add-on, the new accounts take the positions after the enterprise's active accounts of the same kind: with 3 basic accounts active, 10 more are positions 4–13, priced 2×5 + 8×4. A renewal starts at position 1.",
    ),
];

/// Help in place: the minimum and maximum term.
#[component]
fn HelpTerm(min_months_new: u32, max_months: u32) -> impl IntoView {
    let lang = use_lang();
    let text = match lang {
        Lang::Zh => format!(
            "按整月购买，1–{max_months} 个月；新购至少 {min_months_new} 个月。金额 = 账号数 × 单价（元/账号/年）× 月数 ÷ 12。"
        ),
        Lang::En => format!(
            "Whole months, 1 to {max_months}; a new purchase needs at least {min_months_new} months. Amount = accounts × unit price per year × months ÷ 12."
        ),
    };
    view! { <p class="hint" id="months-hint">{text}</p> }
}
