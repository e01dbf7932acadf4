//! 产品管理: the product lines table, each line priced live by the shared rules, with the totals.

use super::fields::{Problems, select_input, text_input};
use super::state::Form;
use crate::components::form_field::{coded_choices, yes_no_answer, yes_no_choices, yes_no_code};
use crate::domain::AccountKind;
use crate::domain::contract::fields::{product_en, product_zh};
use crate::domain::contract::{ContractDraft, ContractQuote, DraftLine, paths};
use crate::domain::period::{ServicePeriod, parse_date};
use crate::domain::problem::indexed;
use crate::i18n::{money, td_string};
use leptos::prelude::*;

/// 产品管理: the product lines, each priced live, with the totals.
#[component]
pub(super) fn Lines(f: Form) -> impl IntoView {
    let (lang, locale) = (f.lang, f.locale);
    let count = Memo::new(move |_| f.draft.with(|d| d.lines.len()));
    let total = move |pick: fn(&ContractQuote) -> crate::domain::Money| {
        f.priced.with(|q| q.as_ref().map_or_else(|| "—".to_owned(), |q| money(lang, pick(q))))
    };
    // 清空: every line goes, after the user confirms; one blank row stays to type into.
    let clear_lines = move |_| {
        #[cfg(target_arch = "wasm32")]
        if window().confirm_with_message(td_string!(locale, contract_form.lines.clear_confirm)).unwrap_or(false) {
            f.draft.update(|d| d.lines = vec![DraftLine::default()]);
        }
    };
    view! {
        // Focusable: on a narrow screen the table scrolls sideways inside this card, by keyboard too.
        <fieldset class="card lines" tabindex="0">
            <legend>{td_string!(locale, contract_form.lines.legend)}</legend>
            <p class="hint">{td_string!(locale, contract_form.lines.currency)}</p>
            <Problems f path=paths::LINES />
            <table class="contract-lines stack-on-phone">
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col"><span class="req">"*"</span>{td_string!(locale, contract_form.lines.product)}</th>
                        <th scope="col"><span class="req">"*"</span>{td_string!(locale, contract_form.lines.quantity)}</th>
                        <th scope="col"><span class="req">"*"</span>{td_string!(locale, contract_form.lines.service_start)}</th>
                        <th scope="col">{td_string!(locale, contract_form.lines.months)}</th>
                        <th scope="col"><span class="req">"*"</span>{td_string!(locale, contract_form.lines.service_end)}</th>
                        <th scope="col" class="num">{td_string!(locale, contract_form.lines.amount)}</th>
                        <th scope="col"><span class="req">"*"</span>{td_string!(locale, contract_form.lines.invoice)}</th>
                        <th scope="col" class="num">{td_string!(locale, contract_form.lines.tax)}</th>
                        <th scope="col" class="num">{td_string!(locale, contract_form.lines.line_total)}</th>
                        <th scope="col">{td_string!(locale, contract_form.lines.description)}</th>
                        <th scope="col">
                            <span class="visually-hidden">{td_string!(locale, contract_form.lines.row_actions)}</span>
                        </th>
                    </tr>
                </thead>
                <tbody>{move || (0..count.get()).map(|i| line_row(f, i)).collect_view()}</tbody>
                <tfoot>
                    <tr>
                        <th scope="row" colspan="6">{td_string!(locale, contract_form.lines.subtotal)}</th>
                        <td class="num" data-label=td_string!(locale, contract_form.lines.subtotal) data-testid="subtotal">
                            {move || total(|q| q.subtotal)}
                        </td>
                        <td></td>
                        <td class="num" data-label=td_string!(locale, contract_form.lines.tax) data-testid="tax">
                            {move || total(|q| q.tax)}
                        </td>
                        <td class="num" data-label=td_string!(locale, contract_form.lines.line_total) data-testid="total">
                            {move || total(|q| q.total)}
                        </td>
                        <td colspan="2"></td>
                    </tr>
                </tfoot>
            </table>
            <div class="line-buttons">
                <button
                    type="button"
                    disabled=move || !f.editable.get()
                    on:click=move |_| f.draft.update(|d| d.lines.push(DraftLine::default()))
                >
                    {td_string!(locale, contract_form.lines.add)}
                </button>
                " "
                <super::sheet::LineImport f />
                " "
                <button type="button" data-testid="lines-clear" disabled=move || !f.editable.get() on:click=clear_lines>
                    {td_string!(locale, contract_form.lines.clear)}
                </button>
            </div>
            <p class="quote-total">
                <span class="label">{td_string!(locale, contract_form.lines.total)}</span>
                " "
                <strong data-testid="grand-total">{move || total(|q| q.total)}</strong>
                {move || f.priced.with(|q| q.as_ref().map(|q| q.price_book.clone())).map(|v| view! {
                    <small class="price-book-version">{format!(" · {}", td_string!(locale, contract_form.lines.price_book, version = v))}</small>
                })}
            </p>
        </fieldset>
    }
}

fn line_row(f: Form, i: usize) -> impl IntoView {
    let (lang, locale) = (f.lang, f.locale);
    let path = move |leaf: &str| indexed(paths::LINES, i, leaf);
    // The table's column headers are not labels: each cell's field gets its own ("第1行 数量").
    let cell_label = move |leaf: &str, column: &str| {
        let text = td_string!(locale, contract_form.lines.cell, n = i + 1, column);
        view! { <label for=path(leaf) class="visually-hidden">{text}</label> }
    };
    let line = move |d: &ContractDraft| d.lines.get(i).cloned().unwrap_or_default();
    let priced = move || f.priced.with(|q| q.as_ref().and_then(|q| q.lines.get(i).cloned()));
    let cell_money = move |pick: fn(&crate::domain::contract::ContractLineQuote) -> crate::domain::Money| {
        move || priced().map_or_else(|| "—".to_owned(), |l| money(lang, pick(&l)))
    };
    let kinds: Vec<(String, String)> =
        coded_choices(lang, &AccountKind::ALL, AccountKind::code, product_zh, product_en);
    let months = move || {
        priced().map(|l| l.period.months().to_string()).unwrap_or_else(|| {
            f.draft.with(|d| {
                let l = line(d);
                match (parse_date(&l.service_start), parse_date(&l.service_end)) {
                    (Some(s), Some(e)) => {
                        ServicePeriod::from_dates(s, e).map(|p| p.months().to_string()).unwrap_or_default()
                    }
                    _ => String::new(),
                }
            })
        })
    };
    let negotiated = move || {
        priced().is_some_and(|l| l.quote.negotiated_accounts > 0)
            || f.draft.with(|d| !line(d).negotiated_amount.trim().is_empty())
    };
    view! {
        <tr data-line=i.to_string()>
            <td data-label="#">{i + 1}</td>
            <td data-label=td_string!(locale, contract_form.lines.product)>
                {cell_label(paths::KIND, td_string!(locale, contract_form.lines.product))}
                {select_input(
                    f,
                    path(paths::KIND),
                    kinds,
                    move |d| line(d).kind.map(|k| k.code().to_owned()),
                    move |d, v| if let Some(l) = d.lines.get_mut(i) { l.kind = AccountKind::from_code(&v) },
                )}
                <Problems f path=path(paths::KIND) />
            </td>
            <td data-label=td_string!(locale, contract_form.lines.quantity)>
                {cell_label(paths::QUANTITY, td_string!(locale, contract_form.lines.quantity))}
                {text_input(f, path(paths::QUANTITY), move |d| line(d).quantity, move |d, v| if let Some(l) = d.lines.get_mut(i) { l.quantity = v })}
                <Problems f path=path(paths::QUANTITY) />
            </td>
            <td data-label=td_string!(locale, contract_form.lines.service_start)>
                {cell_label(paths::SERVICE_START, td_string!(locale, contract_form.lines.service_start))}
                {text_input(f, path(paths::SERVICE_START), move |d| line(d).service_start, move |d, v| if let Some(l) = d.lines.get_mut(i) { l.service_start = v })}
                <Problems f path=path(paths::SERVICE_START) />
            </td>
            <td data-label=td_string!(locale, contract_form.lines.months)>
                <input
                    type="text"
                    inputmode="numeric"
                    class="months"
                    aria-label={td_string!(locale, contract_form.lines.months)}
                    prop:value=months
                    value=months()
                    disabled=move || !f.editable.get()
                    on:change=move |ev| {
                        // Months are a way to type the end date: start + n months.
                        let v = event_target_value(&ev);
                        f.draft.update(|d| {
                            if let Some(l) = d.lines.get_mut(i)
                                && let (Some(start), Ok(n)) = (parse_date(&l.service_start), v.trim().parse::<u32>())
                                && let Some(p) = ServicePeriod::from_months(start, n)
                            {
                                l.service_end = p.end().to_string();
                            }
                        });
                    }
                />
            </td>
            <td data-label=td_string!(locale, contract_form.lines.service_end)>
                {cell_label(paths::SERVICE_END, td_string!(locale, contract_form.lines.service_end))}
                {text_input(f, path(paths::SERVICE_END), move |d| line(d).service_end, move |d, v| if let Some(l) = d.lines.get_mut(i) { l.service_end = v })}
                <Problems f path=path(paths::SERVICE_END) />
            </td>
            <td class="num" data-label=td_string!(locale, contract_form.lines.amount) data-testid=format!("line-{i}-amount")>
                {cell_money(|l| l.amount)}
                <Show when=negotiated>
                    <label class="hint" for=path(paths::NEGOTIATED_AMOUNT)>{td_string!(locale, contract_form.lines.negotiated_amount)}</label>
                    {text_input(f, path(paths::NEGOTIATED_AMOUNT), move |d| line(d).negotiated_amount, move |d, v| if let Some(l) = d.lines.get_mut(i) { l.negotiated_amount = v })}
                    <Problems f path=path(paths::NEGOTIATED_AMOUNT) />
                </Show>
            </td>
            <td data-label=td_string!(locale, contract_form.lines.invoice)>
                {cell_label(paths::INVOICE, td_string!(locale, contract_form.lines.invoice))}
                {select_input(
                    f,
                    path(paths::INVOICE),
                    yes_no_choices(locale),
                    move |d| yes_no_code(line(d).invoice),
                    move |d, v| if let Some(l) = d.lines.get_mut(i) { l.invoice = yes_no_answer(&v) },
                )}
                <Problems f path=path(paths::INVOICE) />
            </td>
            <td class="num" data-label=td_string!(locale, contract_form.lines.tax)>{cell_money(|l| l.tax)}</td>
            <td class="num" data-label=td_string!(locale, contract_form.lines.line_total) data-testid=format!("line-{i}-total")>
                {cell_money(|l| l.total)}
            </td>
            <td data-label=td_string!(locale, contract_form.lines.description)>
                {cell_label(paths::DESCRIPTION, td_string!(locale, contract_form.lines.description))}
                {text_input(f, path(paths::DESCRIPTION), move |d| line(d).description, move |d, v| if let Some(l) = d.lines.get_mut(i) { l.description = v })}
                <Problems f path=path(paths::DESCRIPTION) />
            </td>
            <td class="row-actions">
                <button
                    type="button"
                    class="link-button danger"
                    disabled=move || !f.editable.get()
                    on:click=move |_| f.draft.update(|d| {
                        if i < d.lines.len() {
                            d.lines.remove(i);
                        }
                    })
                >
                    {td_string!(locale, contract_form.lines.remove)}
                </button>
            </td>
        </tr>
    }
}
