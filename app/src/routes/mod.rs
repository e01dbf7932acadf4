//! Pages, one module per route.

/// `lazy_page!("/path": RouteType => PageComponent)` declares a route type whose page is loaded
/// lazily: with the `split` feature (`cargo leptos build --split`) the page's code is a WASM chunk
/// of its own, fetched when the route is first shown (and before hydration when a visitor lands
/// on it), so the quote page's first load does not carry the signed-in pages. Without `split` it
/// is an ordinary route in the one bundle. Use it as `view=Lazy::<RouteType>::new()`.
///
/// Each such page also takes the signed-in pages' stylesheet (`/desk.css`, from
/// `style/assets/desk.css`), which the quote page does without.
macro_rules! lazy_page {
    ($path:literal: $route:ident => $page:ident) => {
        #[doc = concat!("The route ", $path, ", loaded lazily (see `routes::lazy_page!`).")]
        #[derive(Debug)]
        pub struct $route;

        #[cfg_attr(feature = "split", leptos_router::lazy_route)]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            #[cfg(feature = "split")]
            fn view(_this: Self) -> leptos::prelude::AnyView {
                leptos::prelude::IntoAny::into_any(($crate::routes::DeskStyle(), $page()))
            }

            #[cfg(not(feature = "split"))]
            async fn view(_this: Self) -> leptos::prelude::AnyView {
                leptos::prelude::IntoAny::into_any(($crate::routes::DeskStyle(), $page()))
            }
        }
    };
}

/// The signed-in pages' stylesheet, `/desk.css` (see `lazy_page!`).
#[leptos::component]
pub fn DeskStyle() -> impl leptos::IntoView {
    leptos::view! { <leptos_meta::Stylesheet id="desk" href="/desk.css" /> }
}

pub mod account;
pub mod admin;
pub mod approvals;
pub mod audit;
pub mod contract_form;
pub mod contracts;
pub mod not_found;
pub mod notifications;
pub mod quote;
pub mod renewals;
pub mod saved_quote;
pub mod signin;
