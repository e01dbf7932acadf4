//! The priced answer: total, tax, every line's tier bands, the average and marginal price, and
//! what needs a negotiated price.

use crate::components::tier_chart::TierChart;
use crate::domain::money::format_grouped;
use crate::domain::quote_form::QuoteFormResult;
use crate::domain::{Lang, LineQuote, PriceBook, Quote};
use crate::i18n::{count, encode_query_value, kind_name, money, months, order_type_name, use_lang};
use leptos::prelude::*;

/// The live answer on the quote page: updates with every input, no request.
#[component]
pub fn QuoteResult(#[prop(into)] result: Signal<QuoteFormResult>, book: PriceBook) -> impl IntoView {
    let lang = use_lang();
    let version = book.version.clone();
    let book = StoredValue::new(book);
    view! {
        <section class="quote-result" aria-labelledby="quote-result-heading">
            <h2 id="quote-result-heading">{lang.pick("报价结果", "Your quote")}</h2>
            <div aria-live="polite" aria-atomic="false">
                {move || match result.with(|r| r.quote.clone()) {
                    Some(quote) => {
                        let charts = quote
                            .lines
                            .iter()
                            .map(|line| view! { <TierChart book=book.get_value() line=line.clone() /> })
                            .collect_view();
                        view! {
                            <QuoteSummary quote book=Some(book.get_value()) />
                            <div class="tier-charts">{charts}</div>
                        }
                            .into_any()
                    }
                    None => {
                        view! {
                            <p class="quote-pending" data-testid="quote-pending">
                                {lang
                                    .pick(
                                        "请按提示修改左侧的输入，报价会立即更新。",
                                        "Fix the inputs as shown; the quote updates at once.",
                                    )}
                            </p>
                        }
                            .into_any()
                    }
                }}
            </div>
            <p class="price-book-version">{lang.pick("价格表版本：", "Price book version: ")} {version}</p>
        </section>
    }
}

/// Totals and the band breakdown of a priced quote. With the price book it also shows what one
/// more account would cost.
#[component]
pub fn QuoteSummary(quote: Quote, book: Option<PriceBook>) -> impl IntoView {
    let lang = use_lang();
    let negotiated = quote.negotiated_accounts;
    let tax_label = if quote.invoice {
        match lang {
            Lang::Zh => format!("税额（{}%）", quote.tax_rate * rust_decimal::Decimal::from(100)),
            Lang::En => format!("Tax ({}%)", quote.tax_rate * rust_decimal::Decimal::from(100)),
        }
    } else {
        lang.pick("税额（不开票）", "Tax (no invoice)").to_owned()
    };
    let lines = quote.lines.clone();
    view! {
        <div class="quote-total">
            <span class="label">{lang.pick("合计", "Total")}</span>
            <strong data-testid="quote-total">{money(lang, quote.total)}</strong>
        </div>
        <dl class="quote-sums">
            <dt>{lang.pick("小计", "Subtotal")}</dt>
            <dd data-testid="quote-subtotal">{money(lang, quote.subtotal)}</dd>
            <dt>{tax_label}</dt>
            <dd data-testid="quote-tax">{money(lang, quote.tax)}</dd>
        </dl>
        {(negotiated > 0).then(|| view! { <NegotiatedNote quote=quote.clone() /> })}
        {lines.into_iter().map(|line| view! { <LineBreakdown line book=book.clone() /> }).collect_view()}
    }
}

/// Accounts above the last priced tier: no instant price; the customer asks for one.
#[component]
fn NegotiatedNote(quote: Quote) -> impl IntoView {
    let lang = use_lang();
    let n = quote.negotiated_accounts;
    let details: Vec<String> = quote
        .lines
        .iter()
        .map(|l| {
            format!("{} × {}（{} {}）", kind_name(Lang::Zh, l.kind), l.count, l.months, lang.pick("个月", "months"))
        })
        .collect();
    let subject = "企业微信接口许可议价 / WeCom license price request";
    let body = format!(
        "您好，我们需要购买：{}。其中 {} 个账号位于 10001 及以上区间，请报价。\n\nHello, please quote {} accounts at 10,001 and above.",
        details.join("；"),
        n,
        n
    );
    let href = format!(
        "mailto:{}?subject={}&body={}",
        crate::domain::seller::SALES_EMAIL,
        encode_query_value(subject),
        encode_query_value(&body)
    );
    view! {
        <div class="negotiated" data-testid="quote-negotiated" role="note">
            <p>
                {match lang {
                    Lang::Zh => {
                        format!(
                            "另有 {} 个账号位于 10001 及以上区间，价格面议，未计入合计。请联系渠道伙伴议价。",
                            count(n),
                        )
                    }
                    Lang::En => {
                        format!(
                            "{} more accounts fall at 10,001 and above: their price is negotiated and not in the total. Ask your channel partner for a price.",
                            count(n),
                        )
                    }
                }}
            </p>
            <a class="button" href=href data-testid="ask-price">
                {lang.pick("发邮件询价", "Email for a price")}
            </a>
        </div>
    }
}

#[component]
fn LineBreakdown(line: LineQuote, book: Option<PriceBook>) -> impl IntoView {
    let lang = use_lang();
    let title = format!(
        "{} × {}{}{}{}{}{}",
        kind_name(lang, line.kind),
        count(line.count),
        lang.pick("，", ", "),
        months(lang, line.months),
        lang.pick("（", " ("),
        order_type_name(lang, line.order_type),
        lang.pick("）", ")"),
    );
    let average = line.average_yearly_price();
    let marginal = book.as_ref().map(|b| b.marginal_cost(line.kind, line.existing + line.count, line.months));
    let kind = line.kind.code();
    view! {
        <table class="bands" data-testid=format!("bands-{kind}")>
            <caption>{title}</caption>
            <thead>
                <tr>
                    <th scope="col">{lang.pick("账号区间", "Positions")}</th>
                    <th scope="col">{lang.pick("数量", "Accounts")}</th>
                    <th scope="col">{lang.pick("单价（元/账号/年）", "Unit price (CNY/account/year)")}</th>
                    <th scope="col">{lang.pick("金额", "Amount")}</th>
                </tr>
            </thead>
            <tbody>
                {line
                    .bands
                    .iter()
                    .map(|b| {
                        view! {
                            <tr data-testid="band-row">
                                <td>{format!("{}–{}", count(b.from), count(b.to))}</td>
                                <td>{count(b.count)}</td>
                                <td>{format_grouped(b.unit_price)}</td>
                                <td>{format_grouped(b.amount)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
            <tfoot>
                <tr>
                    <th scope="row" colspan="3">{lang.pick("本行金额", "Line amount")}</th>
                    <td data-testid=format!("line-amount-{kind}")>{format_grouped(line.amount)}</td>
                </tr>
                {(!line.tax.is_zero())
                    .then(|| {
                        view! {
                            <tr>
                                <th scope="row" colspan="3">{lang.pick("税额", "Tax")}</th>
                                <td>{format_grouped(line.tax)}</td>
                            </tr>
                        }
                    })}
            </tfoot>
        </table>
        <dl class="line-facts">
            {average
                .map(|a| {
                    view! {
                        <dt>{lang.pick("平均每账号每年", "Average per account per year")}</dt>
                        <dd data-testid=format!("average-{kind}")>{money(lang, a)}</dd>
                    }
                })}
            {marginal
                .map(|m| {
                    let text = match m {
                        Some(m) => money(lang, m),
                        None => lang.pick("面议", "negotiated").to_owned(),
                    };
                    view! {
                        <dt>{lang.pick("再加 1 个账号（同样时长）", "One more account (same term)")}</dt>
                        <dd data-testid=format!("marginal-{kind}")>{text}</dd>
                    }
                })}
        </dl>
    }
}
