//! Native time to read and check a 10,000-row and a 100,000-row userid sheet as .xlsx and .csv
//! (recorded in BENCHMARKS.md). The files are generated here: corp ID, a phone-number-like userid
//! and a type per row, the .xlsx by the template writer, the .csv as Excel would save it.

use app::domain::ids::{CorpId, UserId};
use app::domain::price_book::AccountKind;
use app::domain::sheet::{UseridSheetOptions, check_userid_sheet, read_workbook, userid_sheet_xlsx};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

const CORP: &str = "ww69c04360d53da8b7";

fn rows(n: usize) -> Vec<(UserId, Option<AccountKind>)> {
    (0..n)
        .map(|i| {
            let kind = if i % 3 == 0 { AccountKind::Interop } else { AccountKind::Basic };
            (UserId::parse("", &format!("138{i:08}")).expect("valid userid"), Some(kind))
        })
        .collect()
}

fn xlsx(n: usize) -> Vec<u8> {
    let corp = CorpId::parse("", CORP).expect("valid corp id");
    userid_sheet_xlsx(&corp, &rows(n)).expect("writes")
}

fn csv(n: usize) -> Vec<u8> {
    let mut out = String::from("企业ID,UserID,类型\r\n");
    for (userid, kind) in rows(n) {
        let kind = if kind == Some(AccountKind::Interop) { "互通" } else { "基础" };
        out.push_str(&format!("{CORP},{userid},{kind}\r\n"));
    }
    out.into_bytes()
}

fn sheets(c: &mut Criterion) {
    let mut group = c.benchmark_group("userid_sheet");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for n in [10_000usize, 100_000] {
        for (format, bytes) in [("xlsx", xlsx(n)), ("csv", csv(n))] {
            eprintln!("{format} {n} rows: {} bytes", bytes.len());
            group.bench_with_input(BenchmarkId::new(format!("read_{format}"), n), &bytes, |b, bytes| {
                b.iter(|| read_workbook(black_box(bytes)).expect("reads"))
            });
            group.bench_with_input(BenchmarkId::new(format!("read_and_check_{format}"), n), &bytes, |b, bytes| {
                b.iter(|| {
                    let s = check_userid_sheet(black_box(bytes), &UseridSheetOptions::default());
                    assert_eq!(s.entries.len(), n);
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, sheets);
criterion_main!(benches);
