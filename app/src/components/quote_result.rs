//! The priced answer: total, tax and every line's tier bands.

use crate::domain::money::format_grouped;
use crate::domain::quote_form::QuoteFormResult;
use crate::domain::{LineQuote, Money, Quote};
use leptos::prelude::*;

fn yuan(m: Money) -> String {
    format!("¥{}", format_grouped(m))
}

#[component]
pub fn QuoteResult(#[prop(into)] result: Signal<QuoteFormResult>, price_book: String) -> impl IntoView {
    let quote = move || result.with(|r| r.quote.clone());
    view! {
        <section class="quote-result" aria-live="polite" aria-label="报价结果">
            {move || match quote() {
                Some(q) => view! { <QuoteSummary quote=q /> }.into_any(),
                None => {
                    view! {
                        <p class="quote-pending" data-testid="quote-pending">
                            "请按提示修改左侧的输入，报价会立即更新。"
                        </p>
                    }
                        .into_any()
                }
            }}
            <p class="price-book-version">"价格表版本：" {price_book}</p>
        </section>
    }
}

#[component]
fn QuoteSummary(quote: Quote) -> impl IntoView {
    let negotiated = quote.negotiated_accounts;
    view! {
        <div class="quote-total">
            <span class="label">"合计"</span>
            <strong data-testid="quote-total">{yuan(quote.total)}</strong>
        </div>
        <dl class="quote-sums">
            <dt>"小计"</dt>
            <dd data-testid="quote-subtotal">{yuan(quote.subtotal)}</dd>
            <dt>"税额"</dt>
            <dd data-testid="quote-tax">{yuan(quote.tax)}</dd>
        </dl>
        {(negotiated > 0)
            .then(|| {
                view! {
                    <p class="negotiated" data-testid="quote-negotiated">
                        {format!("另有 {negotiated} 个账号位于 10001 及以上区间，价格面议，未计入合计。")}
                    </p>
                }
            })}
        {quote.lines.into_iter().map(|line| view! { <LineBreakdown line /> }).collect_view()}
    }
}

#[component]
fn LineBreakdown(line: LineQuote) -> impl IntoView {
    let title = format!("{} × {}，{} 个月（{}）", line.kind.zh(), line.count, line.months, line.order_type.zh());
    view! {
        <table class="bands" data-testid=format!("bands-{}", line.kind.code())>
            <caption>{title}</caption>
            <thead>
                <tr>
                    <th scope="col">"账号区间"</th>
                    <th scope="col">"数量"</th>
                    <th scope="col">"单价（元/账号/年）"</th>
                    <th scope="col">"金额"</th>
                </tr>
            </thead>
            <tbody>
                {line
                    .bands
                    .into_iter()
                    .map(|b| {
                        view! {
                            <tr data-testid="band-row">
                                <td>{format!("{}–{}", b.from, b.to)}</td>
                                <td>{b.count}</td>
                                <td>{format_grouped(b.unit_price)}</td>
                                <td>{format_grouped(b.amount)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
            <tfoot>
                <tr>
                    <th scope="row" colspan="3">"本行金额"</th>
                    <td>{format_grouped(line.amount)}</td>
                </tr>
                {(!line.tax.is_zero())
                    .then(|| {
                        view! {
                            <tr>
                                <th scope="row" colspan="3">"税额"</th>
                                <td>{format_grouped(line.tax)}</td>
                            </tr>
                        }
                    })}
            </tfoot>
        </table>
    }
}
