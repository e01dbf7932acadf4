//! Native time to price a typical 3-line quote (recorded in BENCHMARKS.md).

use app::domain::{AccountKind, OrderType, PriceBook, QuoteLineRequest, QuoteRequest};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn three_line_quote(c: &mut Criterion) {
    let book = PriceBook::default_2022();
    let request = QuoteRequest {
        lines: vec![
            QuoteLineRequest {
                kind: AccountKind::Basic,
                count: 1_200,
                months: 12,
                order_type: OrderType::New,
                existing: 0,
            },
            QuoteLineRequest {
                kind: AccountKind::Interop,
                count: 350,
                months: 24,
                order_type: OrderType::Addon,
                existing: 40,
            },
            QuoteLineRequest {
                kind: AccountKind::Interop,
                count: 12_000,
                months: 36,
                order_type: OrderType::Renewal,
                existing: 0,
            },
        ],
        invoice: true,
    };
    c.bench_function("quote_3_lines", |b| b.iter(|| book.quote(black_box(&request)).expect("valid quote")));
}

criterion_group!(benches, three_line_quote);
criterion_main!(benches);
