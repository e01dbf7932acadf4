//! The priced answer: total, tax, every line's tier bands, the average and marginal price, and
//! what needs a negotiated price.

use crate::components::tier_chart::TierChart;
use crate::domain::money::format_grouped;
use crate::domain::quote_form::QuoteFormResult;
use crate::domain::{Lang, LineQuote, PriceBook, Quote};
use crate::i18n::{
    Locale, count, encode_query_value, kind_name, money, months, order_type_name, td_string, use_lang, use_locale,
};
use leptos::either::Either;
use leptos::prelude::*;

/// The answer on the quote page for what is typed now. Rendered by the server, and again in the
/// browser on every input by the quote page's wiring (`routes::quote::wiring`), which replaces the
/// contents of [`RESULT_BODY_ID`] with [`QuoteResultBody`]'s HTML: no request.
#[component]
pub fn QuoteResult(result: QuoteFormResult, book: PriceBook) -> impl IntoView {
    let locale = use_locale();
    let version = book.version.clone();
    view! {
        <section class="quote-result" aria-labelledby="quote-result-heading">
            <h2 id="quote-result-heading">{td_string!(locale, quote_result.heading)}</h2>
            <div id=RESULT_BODY_ID aria-live="polite" aria-atomic="false">
                <QuoteResultBody result book />
            </div>
            <p class="price-book-version">{td_string!(locale, common.price_book_version)} {version}</p>
        </section>
    }
}

/// The element whose contents are the live answer (see [`QuoteResult`]).
pub const RESULT_BODY_ID: &str = "quote-result-body";

/// The totals, bands and charts of a priced form, or a word that it is not priced yet.
#[component]
pub fn QuoteResultBody(result: QuoteFormResult, book: PriceBook) -> impl IntoView {
    let locale = use_locale();
    match result.quote {
        Some(quote) => {
            let charts = quote
                .lines
                .iter()
                .map(|line| view! { <TierChart book=book.clone() line=line.clone() /> })
                .collect_view();
            Either::Left(view! {
                <QuoteSummary quote book=Some(book) />
                <div class="tier-charts">{charts}</div>
            })
        }
        None => Either::Right(view! {
            <p class="quote-pending" data-testid="quote-pending">
                {td_string!(locale, quote_result.pending)}
            </p>
        }),
    }
}

/// Totals and the band breakdown of a priced quote. With the price book it also shows what one
/// more account would cost.
#[component]
pub fn QuoteSummary(quote: Quote, book: Option<PriceBook>) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let negotiated = quote.negotiated_accounts;
    let tax_label = if quote.invoice {
        td_string!(locale, quote_result.tax_rate, rate = quote.tax_rate * rust_decimal::Decimal::from(100))
    } else {
        td_string!(locale, quote_result.tax_no_invoice).to_owned()
    };
    let lines = quote.lines.clone();
    view! {
        <div class="quote-total">
            <span class="label">{td_string!(locale, quote_result.total)}</span>
            <strong data-testid="quote-total">{money(lang, quote.total)}</strong>
        </div>
        <dl class="quote-sums">
            <dt>{td_string!(locale, quote_result.subtotal)}</dt>
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
    let locale = use_locale();
    let n = quote.negotiated_accounts;
    let details: Vec<String> = quote
        .lines
        .iter()
        .map(|l| {
            td_string!(
                locale,
                quote_result.mail_line,
                kind = kind_name(Lang::Zh, l.kind),
                accounts = l.count,
                months = l.months
            )
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
                {td_string!(locale, quote_result.negotiated_note, n = count(n))}
            </p>
            <a class="button" href=href data-testid="ask-price">
                {td_string!(locale, quote_result.ask_price)}
            </a>
        </div>
    }
}

#[component]
pub fn LineBreakdown(line: LineQuote, book: Option<PriceBook>) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let title = td_string!(
        locale,
        quote_result.line_title,
        kind = kind_name(lang, line.kind),
        accounts = count(line.count),
        months = months(lang, line.months),
        order_type = order_type_name(lang, line.order_type)
    );
    let average = line.average_yearly_price();
    let marginal = book.as_ref().map(|b| b.marginal_cost(line.kind, line.existing + line.count, line.months));
    let kind = line.kind.code();
    view! {
        <table class="bands" data-testid=format!("bands-{kind}")>
            <caption>{title}</caption>
            <thead>
                <tr>
                    <th scope="col">{td_string!(locale, quote_result.positions)}</th>
                    <th scope="col">{td_string!(locale, quote_result.accounts)}</th>
                    <th scope="col">{td_string!(locale, quote_result.unit_price)}</th>
                    <th scope="col">{td_string!(locale, quote_result.amount)}</th>
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
                    <th scope="row" colspan="3">{td_string!(locale, quote_result.line_amount)}</th>
                    <td data-testid=format!("line-amount-{kind}")>{format_grouped(line.amount)}</td>
                </tr>
                {(!line.tax.is_zero())
                    .then(|| {
                        view! {
                            <tr>
                                <th scope="row" colspan="3">{td_string!(locale, quote_result.tax)}</th>
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
                        <dt>{td_string!(locale, quote_result.average)}</dt>
                        <dd data-testid=format!("average-{kind}")>{money(lang, a)}</dd>
                    }
                })}
            {marginal
                .map(|m| {
                    let text = match m {
                        Some(m) => money(lang, m),
                        None => td_string!(locale, common.negotiated).to_owned(),
                    };
                    view! {
                        <dt>{td_string!(locale, quote_result.marginal)}</dt>
                        <dd data-testid=format!("marginal-{kind}")>{text}</dd>
                    }
                })}
        </dl>
    }
}
