//! The price book section (价格表): every version with its state (当前生效, 未生效, read-only
//! history), and the editor of a new or not-yet-effective version. The editor keeps each value as
//! typed, checks the book with `PriceBook::validate` on every change, and previews the sample
//! quotes (`domain::admin::SAMPLE_QUOTES`) priced with the book in effect against the edited one.

use super::{FieldProblems, Outcome, TopProblems, confirm, under_any};
use crate::components::table::{Column, StackTable};
use crate::domain::admin::SAMPLE_QUOTES;
use crate::domain::price_book::Tier;
use crate::domain::problem::{Problem, indexed};
use crate::domain::quote::{OrderType, QuoteLineRequest, QuoteRequest};
use crate::domain::{Lang, Money, PriceBook};
use crate::functions::admin::{delete_price_book, price_books, save_price_book};
use crate::i18n::{kind_name, money, months, use_lang};
use crate::models::PriceBookVersion;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rust_decimal::Decimal;
use std::str::FromStr;

/// The fields the editor shows problems under (a tier's, `tiers[<i>].<field>`, show in its row).
const FIELDS: [&str; 5] = ["version", "effective_from", "min_months_new", "max_months", "tax_rate"];

/// What the editor edits: a stored version (`Some(id)`) or a new one, starting from `book`.
#[derive(Clone)]
struct Editing {
    id: Option<i64>,
    book: PriceBook,
}

#[component]
pub fn PriceBookSection() -> impl IntoView {
    let lang = use_lang();
    let generation = RwSignal::new(0u64);
    let page = Resource::new(move || generation.get(), |_| price_books());
    let reload = move || generation.update(|g| *g += 1);
    let editing = RwSignal::new(None::<Editing>);
    let outcome = Outcome::new();
    let delete = move |v: PriceBookVersion| {
        if !confirm(&format!("{}{}", lang.pick("确定删除未生效的版本 ", "Delete the version "), v.book.version))
        {
            return;
        }
        outcome.start();
        spawn_local(async move {
            match delete_price_book(v.id).await {
                Ok(()) => {
                    outcome.done();
                    reload();
                }
                Err(e) => outcome.fail(lang, e),
            }
        });
    };
    view! {
        <TopProblems outcome inline=|_| false />
        <Transition fallback=move || view! { <p class="loading">{lang.pick("正在加载…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => {
                        let current = p.versions.iter().find(|v| v.in_effect).map(|v| v.book.clone());
                        let start = current.clone();
                        let today = p.today;
                        let new_version = move |_| {
                            if let Some(mut book) = start.clone() {
                                book.effective_from = today;
                                book.version = today.to_string();
                                editing.set(Some(Editing { id: None, book }));
                            }
                        };
                        view! {
                            <div class="page-head">
                                <h2>{lang.pick("价格表版本", "Price book versions")}</h2>
                                <button type="button" class="primary" data-testid="price-book-new" disabled=current.is_none() on:click=new_version>
                                    {lang.pick("新建版本", "New version")}
                                </button>
                            </div>
                            <VersionTable versions=p.versions editing busy=outcome.busy on_delete=delete />
                            {move || editing.get().map(|e| view! { <Editor e current=current.clone() editing on_saved=reload /> })}
                        }
                        .into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn VersionTable(
    versions: Vec<PriceBookVersion>,
    editing: RwSignal<Option<Editing>>,
    busy: RwSignal<bool>,
    on_delete: impl Fn(PriceBookVersion) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let labels = [
        lang.pick("版本", "Version"),
        lang.pick("生效日期", "Effective from"),
        lang.pick("状态", "State"),
        lang.pick("操作", "Actions"),
    ];
    view! {
        <div class="table-scroll">
            <StackTable columns=labels.map(Column::text).to_vec() testid="price-book-versions">
                {versions
                    .into_iter()
                    .rev()
                    .map(|v| {
                        let state = if v.in_effect {
                            view! { <span class="status status-approved">{lang.pick("当前生效", "In effect")}</span> }.into_any()
                        } else if v.editable {
                            view! { <span class="status status-in_approval">{lang.pick("未生效", "Not yet in effect")}</span> }.into_any()
                        } else {
                            view! { <span class="status">{lang.pick("已过期（只读）", "Past (read-only)")}</span> }.into_any()
                        };
                        let actions = v.editable.then(|| {
                            let (a, b) = (v.clone(), v.clone());
                            view! {
                                <button type="button" data-testid="price-book-edit" disabled=move || busy.get()
                                    on:click=move |_| editing.set(Some(Editing { id: Some(a.id), book: a.book.clone() }))>
                                    {lang.pick("编辑", "Edit")}
                                </button>
                                <button type="button" data-testid="price-book-delete" disabled=move || busy.get() on:click=move |_| on_delete(b.clone())>
                                    {lang.pick("删除", "Delete")}
                                </button>
                            }
                        });
                        view! {
                            <tr data-testid="price-book-version" data-version=v.book.version.clone()>
                                <td data-label=labels[0]>{v.book.version.clone()}</td>
                                <td data-label=labels[1]>{v.book.effective_from.to_string()}</td>
                                <td data-label=labels[2]>{state}</td>
                                <td data-label=labels[3] class="row-actions">{actions}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </StackTable>
        </div>
    }
}

/// One tier row as typed.
#[derive(Clone, Copy)]
struct TierRow {
    key: u64,
    from: RwSignal<String>,
    to: RwSignal<String>,
    basic: RwSignal<String>,
    interop: RwSignal<String>,
}

impl TierRow {
    fn new(key: u64, t: &Tier) -> TierRow {
        let price = |p: Option<Money>| p.map(|m| m.to_string()).unwrap_or_default();
        TierRow {
            key,
            from: RwSignal::new(t.from.to_string()),
            to: RwSignal::new(t.to.map(|n| n.to_string()).unwrap_or_default()),
            basic: RwSignal::new(price(t.basic)),
            interop: RwSignal::new(price(t.interop)),
        }
    }
}

/// The editor's values as typed.
#[derive(Clone, Copy)]
struct Draft {
    version: RwSignal<String>,
    effective_from: RwSignal<String>,
    min_months_new: RwSignal<String>,
    max_months: RwSignal<String>,
    /// The tax rate as a percentage (`6` for 0.06).
    tax_percent: RwSignal<String>,
    tiers: RwSignal<Vec<TierRow>>,
    next_key: StoredValue<u64>,
}

impl Draft {
    fn new(b: &PriceBook) -> Draft {
        Draft {
            version: RwSignal::new(b.version.clone()),
            effective_from: RwSignal::new(b.effective_from.to_string()),
            min_months_new: RwSignal::new(b.min_months_new.to_string()),
            max_months: RwSignal::new(b.max_months.to_string()),
            tax_percent: RwSignal::new((b.tax_rate * Decimal::ONE_HUNDRED).normalize().to_string()),
            tiers: RwSignal::new(b.tiers.iter().enumerate().map(|(i, t)| TierRow::new(i as u64, t)).collect()),
            next_key: StoredValue::new(b.tiers.len() as u64),
        }
    }

    /// The book the values make, or what keeps them from making one (a number that is not one).
    fn book(&self) -> Result<PriceBook, Vec<Problem>> {
        let mut problems = Vec::new();
        fn whole(problems: &mut Vec<Problem>, field: String, text: String, zh: &str, en: &str) -> u32 {
            text.trim().parse::<u32>().unwrap_or_else(|_| {
                problems.push(Problem::error(
                    field,
                    "not_a_number",
                    format!("{zh}应为整数"),
                    format!("{en} must be a whole number"),
                ));
                0
            })
        }
        let min_months_new = whole(
            &mut problems,
            "min_months_new".into(),
            self.min_months_new.get(),
            "新购最短月数",
            "The minimum months",
        );
        let max_months =
            whole(&mut problems, "max_months".into(), self.max_months.get(), "最长购买月数", "The maximum months");
        let rows = self.tiers.get();
        let mut tiers = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let from = whole(&mut problems, indexed("tiers", i, "from"), r.from.get(), "起始位置", "The start");
            let to_text = r.to.get();
            let to = (!to_text.trim().is_empty())
                .then(|| whole(&mut problems, indexed("tiers", i, "to"), to_text, "结束位置", "The end"));
            let mut price = |kind: &str, text: String| -> Option<Money> {
                if text.trim().is_empty() {
                    return None;
                }
                let m = Money::parse(&text);
                if m.is_none() {
                    problems.push(Problem::error(
                        indexed("tiers", i, kind),
                        "price_invalid",
                        format!("第{}档单价应为金额（最多两位小数），留空表示面议", i + 1),
                        format!(
                            "Tier {}: a price is an amount with at most two decimals; blank means negotiated",
                            i + 1
                        ),
                    ));
                }
                m
            };
            let basic = price("basic", r.basic.get());
            let interop = price("interop", r.interop.get());
            tiers.push(Tier { from, to, basic, interop });
        }
        let effective_from = chrono::NaiveDate::parse_from_str(self.effective_from.get().trim(), "%Y-%m-%d").ok();
        if effective_from.is_none() {
            problems.push(Problem::error(
                "effective_from",
                "date_invalid",
                "请选择生效日期",
                "Pick the effective date",
            ));
        }
        let tax_rate = Decimal::from_str(self.tax_percent.get().trim()).ok().map(|p| p / Decimal::ONE_HUNDRED);
        if tax_rate.is_none() {
            problems.push(Problem::error(
                "tax_rate",
                "not_a_number",
                "税率应为百分数，如 6",
                "The tax rate is a percentage, e.g. 6",
            ));
        }
        match (effective_from, tax_rate) {
            (Some(effective_from), Some(tax_rate)) if problems.is_empty() => Ok(PriceBook {
                version: self.version.get().trim().to_owned(),
                effective_from,
                tiers,
                min_months_new,
                max_months,
                tax_rate: tax_rate.normalize(),
            }),
            _ => Err(problems),
        }
    }
}

#[component]
fn Editor(
    e: Editing,
    current: Option<PriceBook>,
    editing: RwSignal<Option<Editing>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let outcome = Outcome::new();
    let draft = Draft::new(&e.book);
    let id = e.id;
    // The book as typed, and its problems (parsing first, then `validate`), on every change.
    let checked = Memo::new(move |_| match draft.book() {
        Ok(book) => {
            let problems = book.validate();
            (Some(book), problems)
        }
        Err(problems) => (None, problems),
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(book) = checked.get_untracked().0 else { return };
        outcome.start();
        spawn_local(async move {
            match save_price_book(id, book).await {
                Ok(_) => {
                    outcome.done();
                    editing.set(None);
                    on_saved();
                }
                Err(e) => outcome.fail(lang, e),
            }
        });
    };
    let add_row = move |_| {
        let key = draft.next_key.get_value();
        draft.next_key.set_value(key + 1);
        let from =
            draft.tiers.with(|t| t.last().and_then(|r| r.to.get().trim().parse::<u32>().ok()).map_or(1, |n| n + 1));
        draft.tiers.update(|t| t.push(TierRow::new(key, &Tier { from, to: None, basic: None, interop: None })));
    };
    let input = move |id: &'static str,
                      label: &'static str,
                      value: RwSignal<String>,
                      kind: &'static str,
                      field: &'static str| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type=kind data-testid=id prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
                <FieldProblems outcome field />
            </div>
        }
    };
    let heading =
        if id.is_some() { lang.pick("编辑版本", "Edit version") } else { lang.pick("新建版本", "New version") };
    let tier_labels = [
        lang.pick("起始位置", "From"),
        lang.pick("结束位置（空 = 及以上）", "To (blank = and above)"),
        lang.pick("基础账号单价（元/账号/年）", "Basic, CNY per account per year"),
        lang.pick("互通账号单价（空 = 面议）", "Interop (blank = negotiated)"),
        "",
    ];
    view! {
        <form class="card admin-form price-book-editor" data-testid="price-book-editor" on:submit=save>
            <h2>{heading}</h2>
            <TopProblems outcome inline=|f| under_any(f, &FIELDS) || f.starts_with("tiers[") />
            <div class="form-grid">
                {input("pb-version", lang.pick("版本号", "Version label"), draft.version, "text", "version")}
                {input("pb-effective-from", lang.pick("生效日期", "Effective from"), draft.effective_from, "date", "effective_from")}
                {input("pb-min-months", lang.pick("新购最短月数", "Minimum months of a new purchase"), draft.min_months_new, "number", "min_months_new")}
                {input("pb-max-months", lang.pick("最长购买月数", "Maximum months"), draft.max_months, "number", "max_months")}
                {input("pb-tax-percent", lang.pick("税率（%）", "Tax rate (%)"), draft.tax_percent, "text", "tax_rate")}
            </div>
            <div class="table-scroll">
                <table class="contract-lines tier-editor" data-testid="price-book-tiers">
                    <thead><tr>{tier_labels.map(|l| view! { <th scope="col">{l}</th> }).to_vec()}</tr></thead>
                    <tbody>
                        <For each=move || draft.tiers.get() key=|r| r.key let:r>
                            {
                                let index = move || draft.tiers.with(|t| t.iter().position(|x| x.key == r.key).unwrap_or(0));
                                let cell = move |value: RwSignal<String>, label: &'static str, what: &'static str| {
                                    view! {
                                        <td data-label=label>
                                            <input
                                                aria-label=label
                                                data-testid=format!("tier-{what}")
                                                prop:value=move || value.get()
                                                on:input=move |ev| value.set(event_target_value(&ev))
                                            />
                                        </td>
                                    }
                                };
                                let row_problems = move || {
                                    let prefix = indexed("tiers", index(), "");
                                    checked.with(|c| {
                                        c.1.iter()
                                            .chain(outcome.problems.get().iter())
                                            .filter(|p| p.field.starts_with(&prefix) && p.field[prefix.len()..].starts_with('.'))
                                            .map(|p| p.message(lang).to_owned())
                                            .collect::<Vec<_>>()
                                            .join("；")
                                    })
                                };
                                view! {
                                    <tr data-testid="tier-row">
                                        {cell(r.from, tier_labels[0], "from")}
                                        {cell(r.to, tier_labels[1], "to")}
                                        {cell(r.basic, tier_labels[2], "basic")}
                                        {cell(r.interop, tier_labels[3], "interop")}
                                        <td>
                                            <button type="button" data-testid="tier-remove" aria-label=lang.pick("删除此档", "Remove this tier")
                                                on:click=move |_| draft.tiers.update(|t| t.retain(|x| x.key != r.key))>
                                                "×"
                                            </button>
                                            <span class="field-error">{row_problems}</span>
                                        </td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
            </div>
            <button type="button" data-testid="tier-add" on:click=add_row>{lang.pick("添加一档", "Add a tier")}</button>
            {move || checked.with(|c| {
                (!c.1.is_empty()).then(|| view! {
                    <ul class="problem-summary" data-testid="price-book-problems" role="alert">
                        {crate::components::form_field::problem_items(lang, &c.1)}
                    </ul>
                })
            })}
            {move || checked.with(|c| c.0.clone()).map(|edited| view! { <Preview current=current.clone() edited lang /> })}
            <div class="form-actions">
                <button type="submit" class="primary" data-testid="price-book-save" disabled=move || outcome.busy.get() || checked.with(|c| c.0.is_none())>
                    {lang.pick("保存版本", "Save version")}
                </button>
                <button type="button" on:click=move |_| editing.set(None)>{lang.pick("取消", "Cancel")}</button>
            </div>
        </form>
    }
}

/// A sample's total without invoice, or `None` when the book cannot price it (negotiated, or a
/// term the book does not allow).
fn sample_total(book: &PriceBook, (kind, count, months): (crate::domain::AccountKind, u32, u32)) -> Option<Money> {
    let request = QuoteRequest {
        lines: vec![QuoteLineRequest { kind, count, months, order_type: OrderType::New, existing: 0 }],
        invoice: false,
    };
    book.quote(&request).ok().filter(|q| q.negotiated_accounts == 0).map(|q| q.total)
}

/// The sample quotes priced with the book in effect and with the edited one.
#[component]
fn Preview(current: Option<PriceBook>, edited: PriceBook, lang: Lang) -> impl IntoView {
    let labels = [
        lang.pick("示例", "Sample"),
        lang.pick("当前价格", "Now"),
        lang.pick("新价格", "Edited"),
        lang.pick("差额", "Difference"),
    ];
    let none = lang.pick("面议/不可报价", "Negotiated / not quotable");
    view! {
        <h3>{lang.pick("示例报价对比（不含税）", "Sample quotes compared (before tax)")}</h3>
        <div class="table-scroll" data-testid="price-book-preview">
            <table class="contract-lines">
                <thead><tr>{labels.map(|l| view! { <th scope="col">{l}</th> }).to_vec()}</tr></thead>
                <tbody>
                    {SAMPLE_QUOTES
                        .into_iter()
                        .map(|sample| {
                            let (kind, count, m) = sample;
                            let old = current.as_ref().and_then(|b| sample_total(b, sample));
                            let new = sample_total(&edited, sample);
                            let show = |v: Option<Money>| v.map_or_else(|| none.to_owned(), |m| money(lang, m));
                            let diff = match (old, new) {
                                (Some(o), Some(n)) => {
                                    let d = Money::round_half_up(n.decimal() - o.decimal());
                                    let sign = if d.decimal() > Decimal::ZERO { "+" } else { "" };
                                    format!("{sign}{}", money(lang, d))
                                }
                                _ => "—".to_owned(),
                            };
                            view! {
                                <tr data-testid="preview-row">
                                    <td>{format!("{} × {} · {}", kind_name(lang, kind), count, months(lang, m))}</td>
                                    <td class="num">{show(old)}</td>
                                    <td class="num">{show(new)}</td>
                                    <td class="num">{diff}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
