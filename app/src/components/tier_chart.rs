//! The tier chart: price per account across positions, tier by tier, with where this quote's
//! accounts fall. Plain SVG drawn by Leptos (no chart library), scaled by its viewBox so it fits
//! a phone, with a title and a text description for screen readers.
//!
//! Tiers are drawn with equal widths (1–5 and 1001–10000 side by side would otherwise be
//! invisible); positions inside a tier are spread linearly.

use crate::domain::{LineQuote, PriceBook};
use crate::i18n::{Locale, count, kind_name, td_string, use_lang};
use leptos::prelude::*;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 8.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 44.0;

/// A coordinate as the SVG's text, to a tenth of a unit (the chart is 600 units wide): written
/// with integer formatting, so the quote page's WASM carries none of the float-to-text code
/// (BENCHMARKS.md, twenty-third session). Whole numbers have no decimals: `8`, `296.7`, `-6.5`.
fn at(v: f64) -> String {
    let tenths = (v * 10.0).round() as i64;
    let (sign, t) = if tenths < 0 { ("-", tenths.unsigned_abs()) } else { ("", tenths.unsigned_abs()) };
    match t % 10 {
        0 => format!("{sign}{}", t / 10),
        d => format!("{sign}{}.{d}", t / 10),
    }
}

/// Where a run of positions `from..=to` sits along the x axis, given the tiers.
fn x_of(book: &PriceBook, position: f64) -> f64 {
    let n = book.tiers.len().max(1) as f64;
    let w = (WIDTH - LEFT - RIGHT) / n;
    for (i, tier) in book.tiers.iter().enumerate() {
        let from = f64::from(tier.from);
        // The open-ended tier is drawn as if it were as long as the one before it.
        let to = tier.to.map_or(from * 2.0, f64::from);
        if position <= to + 1.0 || i + 1 == book.tiers.len() {
            let share = ((position - from) / (to - from + 1.0)).clamp(0.0, 1.0);
            return LEFT + w * (i as f64 + share);
        }
    }
    WIDTH - RIGHT
}

/// One chart for one priced line.
#[component]
pub fn TierChart(book: PriceBook, line: LineQuote) -> impl IntoView {
    let lang = use_lang();
    let locale = Locale::from(lang);
    let kind = line.kind;
    let max_price = book.tiers.iter().filter_map(|t| t.price(kind)).map(|p| p.fen()).max().unwrap_or(1).max(1) as f64;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y_of = |fen: i64| TOP + plot_h * (1.0 - fen as f64 / max_price);
    let first = line.existing + 1;
    let last = line.existing + line.count;
    let id = format!("tier-chart-{}", kind.code());

    let tiers = book
        .tiers
        .iter()
        .map(|tier| {
            let x0 = x_of(&book, f64::from(tier.from));
            let x1 = x_of(&book, tier.to.map_or(f64::from(tier.from) * 2.0 + 1.0, |t| f64::from(t) + 1.0));
            let range = match tier.to {
                Some(to) => format!("{}–{}", count(tier.from), count(to)),
                None => format!("{}+", count(tier.from)),
            };
            let price = tier.price(kind);
            let (bar, label) = match price {
                Some(p) => {
                    let y = y_of(p.fen());
                    (
                        view! { <rect class="tier" x=at(x0) y=at(y) width=at(x1 - x0) height=at(TOP + plot_h - y) /> }.into_any(),
                        view! {
                            <text class="tier-price" x=at((x0 + x1) / 2.0) y=at(y - 6.0) text-anchor="middle">
                                {p.to_string().trim_end_matches(".00").to_owned()}
                            </text>
                        }
                        .into_any(),
                    )
                }
                None => (
                    view! { <rect class="tier negotiated" x=at(x0) y=at(TOP) width=at(x1 - x0) height=at(plot_h) /> }.into_any(),
                    view! {
                        <text class="tier-price" x=at((x0 + x1) / 2.0) y=at(TOP + plot_h / 2.0) text-anchor="middle">
                            {td_string!(locale, common.negotiated)}
                        </text>
                    }
                    .into_any(),
                ),
            };
            // This quote's positions inside the tier.
            let covered = {
                let from = first.max(tier.from);
                let to = tier.to.map_or(last, |t| t.min(last));
                (from <= to && price.is_some()).then(|| {
                    let (cx0, cx1) = (x_of(&book, f64::from(from)), x_of(&book, f64::from(to) + 1.0));
                    let y = y_of(price.map_or(0, |p| p.fen()));
                    view! {
                        <rect class="tier-used" x=at(cx0) y=at(y) width=at((cx1 - cx0).max(2.0)) height=at(TOP + plot_h - y) />
                    }
                })
            };
            view! {
                <g>
                    {bar}
                    {covered}
                    {label}
                    <text class="tier-range" x=at((x0 + x1) / 2.0) y=at(HEIGHT - BOTTOM + 16.0) text-anchor="middle">
                        {range}
                    </text>
                </g>
            }
        })
        .collect_view();

    let existing_marker = (line.existing > 0).then(|| {
        let x = x_of(&book, f64::from(first));
        view! { <line class="existing-marker" x1=at(x) x2=at(x) y1=at(TOP - 8.0) y2=at(TOP + plot_h) /> }
    });
    let end_x = x_of(&book, f64::from(last) + 1.0);
    let title = td_string!(locale, tier_chart.title, kind = kind_name(lang, kind));
    let desc = describe(locale, &line);
    let axis = td_string!(locale, tier_chart.axis);

    view! {
        <figure class="tier-chart" data-testid=format!("tier-chart-{}", kind.code())>
            <svg
                viewBox=format!("0 0 {} {}", at(WIDTH), at(HEIGHT))
                preserveAspectRatio="xMidYMid meet"
                role="img"
                aria-labelledby=format!("{id}-title {id}-desc")
            >
                <title id=format!("{id}-title")>{title.clone()}</title>
                <desc id=format!("{id}-desc")>{desc.clone()}</desc>
                <line class="axis" x1=at(LEFT) x2=at(WIDTH - RIGHT) y1=at(TOP + plot_h) y2=at(TOP + plot_h) />
                {tiers}
                {existing_marker}
                <line class="end-marker" x1=at(end_x) x2=at(end_x) y1=at(TOP - 8.0) y2=at(TOP + plot_h) />
                <text class="axis-label" x=at(WIDTH / 2.0) y=at(HEIGHT - 6.0) text-anchor="middle">
                    {axis}
                </text>
            </svg>
            <figcaption>{desc}</figcaption>
        </figure>
    }
}

/// The chart in words: which positions, and how many in each band at which price.
fn describe(locale: Locale, line: &LineQuote) -> String {
    let bands: Vec<String> = line
        .bands
        .iter()
        .map(|b| {
            td_string!(
                locale,
                tier_chart.band,
                accounts = count(b.count),
                from = count(b.from),
                to = count(b.to),
                price = b.unit_price
            )
        })
        .collect();
    let bands = bands.join(td_string!(locale, tier_chart.band_separator));
    let kind = kind_name(locale.into(), line.kind);
    let (first, last) = (count(line.existing + 1), count(line.existing + line.count));
    if line.negotiated_accounts > 0 {
        let n = count(line.negotiated_accounts);
        td_string!(locale, tier_chart.summary_negotiated, kind, first, last, bands, n)
    } else {
        td_string!(locale, tier_chart.summary, kind, first, last, bands)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AccountKind, OrderType, QuoteLineRequest};

    #[test]
    fn positions_grow_left_to_right_within_the_plot() {
        let book = PriceBook::default_2022();
        let xs: Vec<f64> =
            [1.0, 5.0, 6.0, 200.0, 201.0, 1000.0, 10_000.0, 10_001.0].iter().map(|p| x_of(&book, *p)).collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
        assert!(xs.iter().all(|x| (LEFT..=WIDTH - RIGHT).contains(x)));
    }

    #[test]
    fn coordinates_are_written_to_a_tenth() {
        for (v, text) in [
            (0.0, "0"),
            (8.0, "8"),
            (296.666_666, "296.7"),
            (600.0, "600"),
            (-6.55, "-6.6"),
            (0.04, "0"),
            (-0.04, "0"),
            (1.05, "1.1"),
        ] {
            assert_eq!(at(v), text, "{v}");
        }
    }

    #[test]
    fn description_names_every_band() {
        let book = PriceBook::default_2022();
        let line = QuoteLineRequest {
            kind: AccountKind::Interop,
            count: 8,
            months: 12,
            order_type: OrderType::New,
            existing: 0,
        };
        let q = book.price_line(0, &line, false).unwrap();
        let zh = describe(Locale::zh, &q);
        assert!(zh.contains("5个在1–5区间（50.00元/账号/年）"), "{zh}");
        assert!(zh.contains("3个在6–8区间"), "{zh}");
    }
}
