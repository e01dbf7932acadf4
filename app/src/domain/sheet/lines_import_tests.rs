//! Tests of the product-line import (`lines_import.rs`).

use super::super::read::{Sheet, SheetFormat};
use super::*;

fn t(s: &str) -> Cell {
    if s.is_empty() { Cell::Empty } else { Cell::Text(s.to_owned()) }
}

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

fn wb(rows: Vec<Vec<Cell>>) -> Workbook {
    let rows = rows.into_iter().enumerate().map(|(i, cells)| Row { number: i as u32 + 1, cells }).collect();
    Workbook { format: SheetFormat::Xlsx, text_encoding: None, sheets: vec![Sheet { name: "S".into(), rows }] }
}

fn header() -> Vec<Cell> {
    ["#", "*产品名称", "*数量", "*服务开始日期", "*服务到期日", "月数", "描述"].iter().map(|s| t(s)).collect()
}

fn codes(r: &ImportedLines) -> Vec<&str> {
    r.problems.iter().map(|p| p.code.as_str()).collect()
}

fn imported(row: u32, kind: AccountKind, quantity: u32, months: Option<u32>, end: Option<NaiveDate>) -> ImportedLine {
    ImportedLine { row, kind, quantity, service_start: d(2027, 1, 1), months, service_end: end, description: None }
}

#[test]
fn an_imported_line_becomes_a_form_line_with_its_service_end() {
    let by_months = imported(2, AccountKind::Interop, 8, Some(12), None).to_draft_line();
    assert_eq!(by_months.kind, Some(AccountKind::Interop));
    assert_eq!((by_months.quantity.as_str(), by_months.service_start.as_str()), ("8", "2027-01-01"));
    assert_eq!(by_months.service_end, "2027-12-31");
    assert_eq!(by_months.invoice, None, "是否开票 is not in the sheet: the user chooses it");
    let by_end = imported(3, AccountKind::Basic, 1, None, Some(d(2027, 6, 30))).to_draft_line();
    assert_eq!(by_end.service_end, "2027-06-30");
}

#[test]
fn imported_lines_take_the_place_of_blank_rows_and_follow_filled_ones() {
    let filled = DraftLine { quantity: "5".into(), ..DraftLine::default() };
    let new = [imported(2, AccountKind::Basic, 10, Some(12), None)];
    let lines = add_imported_lines(&[DraftLine::default()], &new).unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].quantity, "10");
    let lines = add_imported_lines(&[filled.clone(), DraftLine::default()], &new).unwrap();
    assert_eq!(lines.iter().map(|l| l.quantity.as_str()).collect::<Vec<_>>(), ["5", "10"]);
}

#[test]
fn an_import_past_the_line_limit_changes_nothing_and_says_so() {
    let filled = DraftLine { quantity: "5".into(), ..DraftLine::default() };
    let current = vec![filled; quote_limits::MAX_LINES - 1];
    let two = [imported(2, AccountKind::Basic, 1, Some(12), None), imported(3, AccountKind::Basic, 1, Some(12), None)];
    let p = add_imported_lines(&current, &two).unwrap_err();
    assert_eq!((p.field.as_str(), p.code.as_str()), ("lines", "lines_too_many"));
    assert!(p.message(crate::domain::problem::Lang::Zh).contains("请先删除不需要的行"));
    assert_eq!(add_imported_lines(&current, &two[..1]).unwrap().len(), quote_limits::MAX_LINES);
}

#[test]
fn the_seed_order_table_imports() {
    let r = import_lines_from(&wb(vec![
        header(),
        vec![
            t("1"),
            t("企业微信基础接口"),
            Cell::Number(1.0),
            t("2024-07-15"),
            t("2025-07-14"),
            Cell::Empty,
            t("首年"),
        ],
        vec![t("2"), t("互通"), t("10.00"), Cell::Date(d(2024, 8, 1)), Cell::Empty, t("12个月")],
        vec![t("小计"), Cell::Empty, Cell::Number(11.0)],
    ]));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.header_row, 1);
    assert_eq!(
        r.lines[0],
        ImportedLine {
            row: 2,
            kind: AccountKind::Basic,
            quantity: 1,
            service_start: d(2024, 7, 15),
            months: None,
            service_end: Some(d(2025, 7, 14)),
            description: Some("首年".into()),
        }
    );
    assert_eq!((r.lines[1].kind, r.lines[1].quantity, r.lines[1].months), (AccountKind::Interop, 10, Some(12)));
}

#[test]
fn dates_are_read_from_cells_serials_and_text() {
    for (cell, want) in [
        (Cell::Date(d(2024, 7, 15)), d(2024, 7, 15)),
        (Cell::Number(45488.0), d(2024, 7, 15)),
        (Cell::Int(45488), d(2024, 7, 15)),
        (t("45488"), d(2024, 7, 15)),
        (t("2024/7/15"), d(2024, 7, 15)),
        (t("2024.07.15"), d(2024, 7, 15)),
        (t("2024年7月15日"), d(2024, 7, 15)),
        (t("20240715"), d(2024, 7, 15)),
        (t("2024-07-15 00:00:00"), d(2024, 7, 15)),
        (t("2024-07-15T08:00:00"), d(2024, 7, 15)),
    ] {
        assert_eq!(parse_date(&cell), Some(Ok(want)), "{cell:?}");
    }
    for bad in [t("next week"), t("2024-13-01"), Cell::Number(13.0), Cell::Bool(true)] {
        assert_eq!(parse_date(&bad), Some(Err(())), "{bad:?}");
    }
    assert_eq!(parse_date(&t(" ")), None);
}

#[test]
fn products_quantities_and_months_in_their_usual_spellings() {
    assert_eq!(parse_product("企业微信互通接口"), Some(AccountKind::Interop));
    assert_eq!(parse_product(" basic "), Some(AccountKind::Basic));
    assert_eq!(parse_product("企业微信"), None);
    assert_eq!(whole_number(&t("1,000")), Some(Ok(1000)));
    assert_eq!(whole_number(&t("1.5")), Some(Err(())));
    assert_eq!(whole_number(&t("-3")), Some(Err(())));
    assert_eq!(months_value(&t("2年")), Some(Ok(24)));
    assert_eq!(months_value(&t("6月")), Some(Ok(6)));
}

#[test]
fn every_bad_value_is_reported_with_row_and_column() {
    let r = import_lines_from(&wb(vec![
        header(),
        vec![t("1"), t("高级接口"), t("十"), t("明天"), t("后天"), t("0")],
        vec![t("2"), Cell::Empty, Cell::Number(0.0), Cell::Empty, Cell::Empty, Cell::Empty, t("x")],
        vec![t("3"), t("基础"), Cell::Number(5.0), t("2024-07-15"), t("2024-07-01")],
        vec![t("4"), t("基础"), Cell::Number(5.0), t("2024-07-15"), t("2025-07-15"), Cell::Int(12)],
        vec![t("5"), t("基础"), Cell::Number(2_000_000.0), t("2024-07-15"), Cell::Empty, Cell::Int(200)],
    ]));
    assert!(r.lines.is_empty());
    assert_eq!(
        codes(&r),
        [
            "line_product_invalid",
            "line_quantity_invalid",
            "line_start_invalid",
            "line_months_out_of_range",
            "line_end_invalid",
            "line_product_missing",
            "line_quantity_out_of_range",
            "line_start_missing",
            "line_term_missing",
            "line_end_before_start",
            "line_end_months_mismatch",
            "line_quantity_out_of_range",
            "line_months_out_of_range",
        ]
    );
    let p = &r.problems[0];
    assert_eq!(p.field, "sheet.rows[2].product");
    assert!(p.zh.starts_with("第2行：产品“高级接口”无法识别"), "{}", p.zh);
    assert!(r.problems[10].zh.contains("即 2025-07-14，表格中为 2025-07-15"), "{}", r.problems[10].zh);
}

#[test]
fn a_header_without_months_or_end_is_refused() {
    let r = import_lines_from(&wb(vec![
        vec![t("产品"), t("数量"), t("开始日期")],
        vec![t("基础"), t("1"), t("2024-01-01")],
    ]));
    assert_eq!(codes(&r), ["lines_term_column_missing"]);
}

#[test]
fn no_header_lists_the_expected_columns() {
    let r = import_lines_from(&wb(vec![vec![t("名称"), t("金额")]]));
    assert_eq!(codes(&r), ["sheet_no_header"]);
    assert!(r.problems[0].zh.contains("产品名称（或 产品、产品类型、接口类型）"), "{}", r.problems[0].zh);
}

#[test]
fn at_most_the_contract_line_limit_is_imported() {
    let mut rows = vec![vec![t("产品"), t("数量"), t("开始日期"), t("月数")]];
    rows.extend((0..60).map(|_| vec![t("基础"), t("1"), t("2024-01-01"), t("12")]));
    let r = import_lines_from(&wb(rows));
    assert_eq!(r.lines.len(), quote_limits::MAX_LINES);
    assert_eq!(codes(&r), ["lines_too_many"]);
}

#[test]
fn header_only_has_no_data() {
    let r = import_lines_from(&wb(vec![header()]));
    assert_eq!(codes(&r), ["sheet_no_data"]);
    assert_eq!(import_lines(b"").problems[0].code, "sheet_file_empty");
}
