//! A saved quote (`/q/<token>`): read-only, with the price-book version it was priced with, its
//! validity, and a print layout that makes it a one-page document with the seller, blanks for the
//! buyer and the payment methods. An expired quote says so and offers today's prices.

use crate::components::quote_result::QuoteSummary;
use crate::components::user_menu::use_auth;
use crate::domain::Lang;
use crate::domain::seller::{BANK_TRANSFER, SELLER_NAME};
use crate::functions::quotes::{SavedQuote, get_saved_quote};
use crate::i18n::{date, use_lang};
use crate::models::Role;
use crate::routes::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

lazy_page!("/q/<token>": SavedQuoteRoute => SavedQuotePage);

#[component]
pub fn SavedQuotePage() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let quote =
        Resource::new(move || params.with(|p| p.get("token").unwrap_or_default()), |token| get_saved_quote(token));
    view! {
        <Suspense fallback=move || view! { <p class="loading">{lang.pick("正在读取报价…", "Loading the quote…")}</p> }>
            {move || Suspend::new(async move {
                match quote.await {
                    Ok(Some(saved)) => {
                        let token = params.with_untracked(|p| p.get("token").unwrap_or_default());
                        view! { <SavedQuoteView saved token /> }.into_any()
                    }
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SavedQuoteView(saved: SavedQuote, token: String) -> impl IntoView {
    let lang = use_lang();
    let requote = saved.requote_href();
    let print = move |_: leptos::ev::MouseEvent| {
        let _ = window().print();
    };
    let heading = match lang {
        Lang::Zh => format!("报价单 {}", saved.number),
        Lang::En => format!("Quote {}", saved.number),
    };
    let validity = match lang {
        Lang::Zh => format!("报价日期 {}，有效期至 {}", date(lang, saved.created_at), date(lang, saved.expires_at)),
        Lang::En => format!("Quoted on {}, valid until {}", date(lang, saved.created_at), date(lang, saved.expires_at)),
    };
    let version = saved.quote.price_book.clone();
    view! {
        <Title text=heading.clone() />
        <article class="saved-quote" data-testid="saved-quote">
            <header class="doc-header">
                <h1>{heading}</h1>
                <p class="validity" data-testid="validity">{validity}</p>
                <p class="price-book-version" data-testid="price-book-version">
                    {lang.pick("价格表版本：", "Price book version: ")}
                    {version}
                </p>
            </header>
            {saved
                .expired
                .then(|| {
                    view! {
                        <div class="expired" role="alert" data-testid="quote-expired">
                            <p>
                                {lang
                                    .pick(
                                        "此报价已过期，金额仅供参考。请按当日价格重新报价。",
                                        "This quote has expired; its amounts are for reference only. Quote again at today's prices.",
                                    )}
                            </p>
                            <a class="button primary" href=requote.clone() data-testid="requote">
                                {lang.pick("按当日价格重新报价", "Re-quote at today's prices")}
                            </a>
                        </div>
                    }
                })}
            <section class="parties">
                <dl>
                    <dt>{lang.pick("报价方", "Seller")}</dt>
                    <dd>{SELLER_NAME}</dd>
                    <dt>{lang.pick("客户名称", "Customer")}</dt>
                    <dd class="blank"></dd>
                    <dt>{lang.pick("企业微信ID", "WeCom corp ID")}</dt>
                    <dd class="blank"></dd>
                    <dt>{lang.pick("联系人 / 电话", "Contact / phone")}</dt>
                    <dd class="blank"></dd>
                </dl>
            </section>
            <section class="quote-result">
                <QuoteSummary quote=saved.quote.clone() book=None />
            </section>
            <PaymentMethods />
            <p class="no-print actions">
                // An inline `onclick` would be blocked by the page's CSP: the handler comes with the WASM.
                <button type="button" class="primary" on:click=print data-testid="print">
                    {lang.pick("打印报价单", "Print")}
                </button>
                " "
                <a class="button" href=requote>
                    {lang.pick("修改并重新报价", "Change and quote again")}
                </a>
                " "
                <StartOrder token />
            </p>
        </article>
    }
}

/// 付款方式, as the seed gives them.
#[component]
fn PaymentMethods() -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="payment">
            <h2>{lang.pick("付款方式", "How to pay")}</h2>
            <h3>{lang.pick("微信扫码付款（代支付业务无发票提供）", "WeChat scan (proxy payment, no invoice)")}</h3>
            <p>{lang.pick("注：付款时请备注购买单位名称及购买接口名称。", "Note the buying organisation and the interface name with the payment.")}</p>
            <h3>{lang.pick("对公转账", "Bank transfer")}</h3>
            <dl class="bank">
                <dt>{lang.pick("户名", "Account name")}</dt>
                <dd>{BANK_TRANSFER.account_name}</dd>
                <dt>{lang.pick("账号", "Account number")}</dt>
                <dd>{BANK_TRANSFER.account_number}</dd>
                <dt>{lang.pick("开户行", "Bank")}</dt>
                <dd>{BANK_TRANSFER.bank}</dd>
                <dt>{lang.pick("行号", "Bank code")}</dt>
                <dd>{BANK_TRANSFER.bank_code}</dd>
            </dl>
        </section>
    }
}

/// 生成订单: a signed-in partner turns the quote into an order contract (its lines pre-filled).
#[component]
fn StartOrder(token: String) -> impl IntoView {
    let lang = use_lang();
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
                                    {lang.pick("生成订单", "Start an order")}
                                </a>
                            }
                        })
                })
            }}
        </Transition>
    }
}
