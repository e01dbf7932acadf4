//! A saved quote (`/q/<token>`): read-only, with the price-book version it was priced with, its
//! validity, and a print layout that makes it a one-page document with the seller, blanks for the
//! buyer and the payment methods. An expired quote says so and offers today's prices.

use crate::components::quote_result::QuoteSummary;
use crate::components::user_menu::use_auth;
use crate::functions::quotes::{SavedQuote, SellerOnQuote, get_saved_quote, quote_seller};
use crate::i18n::{Locale, date, td_string, use_lang, use_locale};
use crate::models::Role;
use crate::routes::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

lazy_page!("/q/<token>": SavedQuoteRoute => SavedQuotePage);

#[component]
pub fn SavedQuotePage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let quote = Resource::new(
        move || params.with(|p| p.get("token").unwrap_or_default()),
        |token| async move {
            let saved = get_saved_quote(token).await?;
            Ok::<_, ServerFnError>(match saved {
                Some(saved) => Some((saved, quote_seller().await?)),
                None => None,
            })
        },
    );
    view! {
        <Suspense fallback=move || view! { <p class="loading">{td_string!(locale, saved_quote.loading)}</p> }>
            {move || Suspend::new(async move {
                match quote.await {
                    Ok(Some((saved, seller))) => {
                        let token = params.with_untracked(|p| p.get("token").unwrap_or_default());
                        view! { <SavedQuoteView saved seller token /> }.into_any()
                    }
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SavedQuoteView(saved: SavedQuote, seller: SellerOnQuote, token: String) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let requote = saved.requote_href();
    let print = move |_: leptos::ev::MouseEvent| {
        let _ = window().print();
    };
    let heading = td_string!(locale, saved_quote.heading, number = &saved.number);
    let validity = td_string!(
        locale,
        saved_quote.validity,
        created = date(lang, saved.created_at),
        expires = date(lang, saved.expires_at)
    );
    let version = saved.quote.price_book.clone();
    view! {
        <Title text=heading.clone() />
        <article class="saved-quote" data-testid="saved-quote">
            <header class="doc-header">
                <h1>{heading}</h1>
                <p class="validity" data-testid="validity">{validity}</p>
                <p class="price-book-version" data-testid="price-book-version">
                    {td_string!(locale, common.price_book_version)}
                    {version}
                </p>
            </header>
            {saved
                .expired
                .then(|| {
                    view! {
                        <div class="expired" role="alert" data-testid="quote-expired">
                            <p>
                                {td_string!(locale, saved_quote.expired)}
                            </p>
                            <a class="button primary" href=requote.clone() data-testid="requote">
                                {td_string!(locale, saved_quote.requote)}
                            </a>
                        </div>
                    }
                })}
            <section class="parties">
                <dl>
                    <dt>{td_string!(locale, saved_quote.seller)}</dt>
                    <dd data-testid="seller">
                        {seller.name.clone()}
                        {seller.contact.clone().map(|c| view! { <br /><small>{c}</small> })}
                    </dd>
                    <dt>{td_string!(locale, saved_quote.customer)}</dt>
                    <dd class="blank"></dd>
                    <dt>{td_string!(locale, saved_quote.corp_id)}</dt>
                    <dd class="blank"></dd>
                    <dt>{td_string!(locale, saved_quote.contact)}</dt>
                    <dd class="blank"></dd>
                </dl>
            </section>
            <section class="quote-result">
                <QuoteSummary quote=saved.quote.clone() book=None />
            </section>
            <PaymentMethods seller />
            <p class="no-print actions">
                // An inline `onclick` would be blocked by the page's CSP: the handler comes with the WASM.
                <button type="button" class="primary" on:click=print data-testid="print">
                    {td_string!(locale, saved_quote.print)}
                </button>
                " "
                <a class="button" href=requote>
                    {td_string!(locale, saved_quote.change)}
                </a>
                " "
                <StartOrder token />
            </p>
        </article>
    }
}

/// 付款方式: the WeChat QR code and the bank account the admin set — what the payment page shows.
#[component]
fn PaymentMethods(seller: SellerOnQuote) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let unset = lang.pick("（未设置）", "(not set)");
    view! {
        <section class="payment">
            <h2>{td_string!(locale, saved_quote.payment.heading)}</h2>
            <h3>{td_string!(locale, saved_quote.payment.wechat)}</h3>
            {seller.wechat_qr.clone().map(|src| view! {
                <img class="wechat-qr" src=src alt=lang.pick("微信收款码", "WeChat payment QR code") width="160" height="160" data-testid="quote-wechat-qr" />
            })}
            <p>{td_string!(locale, saved_quote.payment.wechat_note)}</p>
            {seller.wechat_note.clone().map(|n| view! { <p>{n}</p> })}
            <h3>{td_string!(locale, saved_quote.payment.bank_transfer)}</h3>
            {match seller.bank {
                Some([account_name, account_number, bank_name, bank_code]) => {
                    let bank = crate::domain::payment_link::BankAccount { account_name, account_number, bank_name, bank_code };
                    view! {
                    <dl class="bank" data-testid="quote-bank">
                        {bank.rows().into_iter().map(|(zh, en, v)| view! {
                            <dt>{lang.pick(zh, en).to_owned()}</dt>
                            <dd>{v.map_or_else(|| unset.to_owned(), str::to_owned)}</dd>
                        }).collect_view()}
                    </dl>
                }.into_any()
                }
                None => view! { <p>{lang.pick("管理员尚未设置对公账户信息", "The administrator has not set the bank account yet")}</p> }.into_any(),
            }}
        </section>
    }
}

/// 生成订单: a signed-in partner turns the quote into an order contract (its lines pre-filled).
#[component]
fn StartOrder(token: String) -> impl IntoView {
    let locale = use_locale();
    let auth = use_auth();
    view! {
        <Transition fallback=|| ()>
            {move || {
                let href = format!("/contracts/new?quote={token}");
                Suspend::new(async move {
                    matches!(auth.user.await, Ok(Some(u)) if u.role == Role::Partner)
                        .then(|| {
                            view! {
                                <a class="button primary" href=href data-testid="start-order">
                                    {td_string!(locale, saved_quote.start_order)}
                                </a>
                            }
                        })
                })
            }}
        </Transition>
    }
}
