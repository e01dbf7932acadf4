//! The sheet reader on real files: LibreOffice-made .xlsx / .xls / .ods, CSV in UTF-8 (with and
//! without BOM), GBK and UTF-16, and hostile files (see tests/fixtures/sheets/README.md).

use app::domain::ids::CorpId;
use app::domain::price_book::{AccountKind, PriceBook};
use app::domain::sheet::{
    Cell, SavingBasis, SheetFormat, UseridSheet, UseridSheetOptions, check_userid_sheet, import_lines, read_workbook,
};
use chrono::NaiveDate;
use std::time::{Duration, Instant};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/sheets/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn check(name: &str) -> UseridSheet {
    check_userid_sheet(&fixture(name), &UseridSheetOptions::default())
}

fn codes(s: &UseridSheet) -> Vec<(String, String)> {
    s.problems.iter().map(|p| (p.field.clone(), p.code.clone())).collect()
}

const CORP: &str = "ww69c04360d53da8b7";

/// Every format of the Chinese sheet gives the same answer.
fn assert_zh_sheet(name: &str, format: &str) {
    let s = check(name);
    assert_eq!(s.summary.format, format, "{name}");
    assert_eq!(s.summary.header_row, 3, "{name}: header below a title and a blank row");
    assert_eq!(s.corp_id.as_ref().map(CorpId::as_str), Some(CORP), "{name}");
    let entries: Vec<(u32, &str, Option<AccountKind>)> =
        s.entries.iter().map(|e| (e.row, e.userid.as_str(), e.kind)).collect();
    assert_eq!(
        entries,
        [
            (4, "zhangsan", Some(AccountKind::Basic)),
            (5, "13800138000", Some(AccountKind::Basic)),
            (8, "lisi", Some(AccountKind::Interop)),
            (9, "LiSi", Some(AccountKind::Basic)),
            (11, "wangwu", Some(AccountKind::Interop)),
        ],
        "{name}"
    );
    let mut expected: Vec<(String, String)> = [
        ("sheet.rows[7].userid", "userid_duplicate"),
        ("sheet.rows[9].userid", "userid_basic_and_interop"),
        ("sheet.rows[11].userid", "cell_trimmed"),
        ("sheet.rows[12].corp_id", "row_corp_id_mixed"),
    ]
    .iter()
    .map(|(f, c)| (f.to_string(), c.to_string()))
    .collect();
    expected.sort();
    let mut got = codes(&s);
    got.sort();
    assert_eq!(got, expected, "{name}");
    let dup = s.problems.iter().find(|p| p.code == "userid_duplicate").unwrap();
    assert_eq!(dup.zh, "第4行与第7行重复：zhangsan / ZhangSan（UserID 不区分大小写）", "{name}");
    let sum = &s.summary;
    assert_eq!(
        (sum.rows_read, sum.blank_rows, sum.userids, sum.basic, sum.interop, sum.unspecified, sum.overlaps),
        (7, 2, 4, 3, 2, 0, 1),
        "{name}"
    );
    assert_eq!((sum.errors, sum.warnings), (2, 2), "{name}");
}

#[test]
fn xlsx_made_by_libreoffice() {
    assert_zh_sheet("userids_zh.xlsx", "xlsx");
}

#[test]
fn xls_made_by_libreoffice() {
    assert_zh_sheet("userids_zh.xls", "xls");
}

#[test]
fn ods_made_by_libreoffice() {
    assert_zh_sheet("userids_zh.ods", "ods");
}

#[test]
fn csv_utf8_without_bom() {
    assert_zh_sheet("userids_zh_utf8.csv", "csv");
    assert_eq!(read_workbook(&fixture("userids_zh_utf8.csv")).unwrap().text_encoding, Some("UTF-8"));
}

#[test]
fn csv_utf8_with_bom() {
    assert_zh_sheet("userids_zh_utf8_bom.csv", "csv");
}

#[test]
fn csv_gbk() {
    assert_zh_sheet("userids_zh_gbk.csv", "csv");
    assert_eq!(read_workbook(&fixture("userids_zh_gbk.csv")).unwrap().text_encoding, Some("GB18030"));
}

#[test]
fn utf16_tab_separated_text() {
    assert_zh_sheet("userids_zh_utf16.txt", "csv");
}

#[test]
fn phone_numbers_are_number_cells_in_spreadsheets_and_come_out_exact() {
    for name in ["userids_zh.xlsx", "userids_zh.xls", "userids_zh.ods"] {
        let wb = read_workbook(&fixture(name)).unwrap();
        let row = wb.sheets[0].rows.iter().find(|r| r.number == 5).unwrap();
        assert!(matches!(row.cells[1], Cell::Number(_) | Cell::Int(_)), "{name}: {:?}", row.cells[1]);
    }
}

#[test]
fn leading_empty_rows_and_columns_keep_excel_row_numbers() {
    for name in ["offset.xlsx", "offset.xls", "offset.ods"] {
        let s = check(name);
        assert_eq!(s.summary.header_row, 3, "{name}");
        let entries: Vec<(u32, &str)> = s.entries.iter().map(|e| (e.row, e.userid.as_str())).collect();
        assert_eq!(entries, [(4, "a")], "{name}");
        let wb = read_workbook(&fixture(name)).unwrap();
        assert_eq!(wb.sheets[0].rows[0].cells, [Cell::Empty, Cell::Text("UserID".into())], "{name}: column B");
    }
}

#[test]
fn english_headers_and_values() {
    for name in ["userids_en.csv", "userids_en.xlsx"] {
        let s = check(name);
        assert!(s.problems.is_empty(), "{name}: {:?}", s.problems);
        let ids: Vec<&str> = s.entries.iter().map(|e| e.userid.as_str()).collect();
        assert_eq!(ids, ["13900139000", "wang.wu@corp", "13700137000"], "{name}");
        assert_eq!((s.summary.basic, s.summary.interop), (1, 2), "{name}");
        assert_eq!(s.corp_id.as_ref().map(CorpId::as_str), Some(CORP), "{name}: corp IDs are lower-cased");
    }
}

#[test]
fn form_corp_id_and_saving_apply_to_a_real_file() {
    let form = CorpId::parse("corp_id", "wx0123456789abcdef").unwrap();
    let book = PriceBook::default_2022();
    let options = UseridSheetOptions {
        expected_corp_id: Some(&form),
        saving: Some(SavingBasis { price_book: &book, months: 12, existing_basic: 0 }),
    };
    let s = check_userid_sheet(&fixture("userids_zh.xlsx"), &options);
    assert!(s.problems.iter().any(|p| p.code == "corp_id_mismatch" && p.field == "sheet.corp_id"));
    // Three basic accounts, one redundant: position 3 at 5.00 a year.
    assert_eq!(s.summary.overlap_saving.map(|m| m.to_string()), Some("5.00".to_string()));
}

#[test]
fn empty_workbook() {
    let s = check("empty.xlsx");
    assert_eq!(codes(&s), [("sheet".to_string(), "sheet_empty".to_string())]);
}

#[test]
fn sheet_without_header_lists_expected_headers() {
    let s = check("no_header.xlsx");
    assert_eq!(codes(&s), [("sheet".to_string(), "sheet_no_header".to_string())]);
    assert!(s.problems[0].zh.contains("UserID（或 企业微信通讯录账号、账号、通讯录账号）"), "{}", s.problems[0].zh);
}

#[test]
fn corrupt_file() {
    let s = check("corrupt.xlsx");
    assert_eq!(codes(&s), [("sheet".to_string(), "sheet_unreadable".to_string())]);
}

/// Asserts a hostile file is refused with `code`, quickly.
fn refused_fast(name: &str, code: &str) {
    let bytes = fixture(name);
    let start = Instant::now();
    let s = check_userid_sheet(&bytes, &UseridSheetOptions::default());
    let took = start.elapsed();
    assert_eq!(codes(&s), [("sheet".to_string(), code.to_string())], "{name}");
    assert!(took < Duration::from_secs(2), "{name} took {took:?}");
}

#[test]
fn zip_bomb_is_refused_from_its_directory() {
    refused_fast("zip_bomb.xlsx", "sheet_archive_too_large");
}

#[test]
fn zip_bomb_understating_its_size_stops_at_the_declared_size() {
    refused_fast("zip_bomb_lying.xlsx", "sheet_unreadable");
}

#[test]
fn ods_row_repeat_bomb_is_refused() {
    refused_fast("ods_repeat_bomb.ods", "sheet_too_complex");
}

#[test]
fn product_lines_import_from_every_format() {
    let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
    for name in ["lines.csv", "lines.xlsx", "lines.xls", "lines.ods"] {
        let r = import_lines(&fixture(name));
        assert!(r.problems.is_empty(), "{name}: {:?}", r.problems);
        assert_eq!(r.lines.len(), 2, "{name}");
        let (a, b) = (&r.lines[0], &r.lines[1]);
        assert_eq!(
            (a.row, a.kind, a.quantity, a.service_start, a.service_end, a.months, a.description.as_deref()),
            (2, AccountKind::Basic, 1, d(2024, 7, 15), Some(d(2025, 7, 14)), None, Some("首年")),
            "{name}"
        );
        assert_eq!(
            (b.kind, b.quantity, b.service_start, b.service_end, b.months),
            (AccountKind::Interop, 10, d(2024, 8, 1), None, Some(24)),
            "{name}"
        );
    }
}

#[test]
fn spreadsheet_dates_are_date_cells() {
    for name in ["lines.xlsx", "lines.xls", "lines.ods"] {
        let wb = read_workbook(&fixture(name)).unwrap();
        assert_ne!(wb.format, SheetFormat::Csv);
        let row = &wb.sheets[0].rows[1];
        assert_eq!(row.cells[3], Cell::Date(NaiveDate::from_ymd_opt(2024, 7, 15).unwrap()), "{name}");
    }
}
