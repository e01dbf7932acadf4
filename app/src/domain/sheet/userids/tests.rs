//! Tests of the userid sheet check.

use super::super::read::{Cell, Sheet, SheetFormat};
use super::row::looks_scientific;
use super::*;
use crate::domain::sheet::cells::integral_number_text;

const CORP: &str = "ww69c04360d53da8b7";
const OTHER: &str = "wx0123456789abcdef";

fn t(s: &str) -> Cell {
    if s.is_empty() { Cell::Empty } else { Cell::Text(s.to_owned()) }
}

/// A workbook whose rows are numbered from `first`.
fn wb_from(first: u32, rows: Vec<Vec<Cell>>) -> Workbook {
    let rows = rows.into_iter().enumerate().map(|(i, cells)| Row { number: first + i as u32, cells }).collect();
    Workbook { format: SheetFormat::Xlsx, text_encoding: None, sheets: vec![Sheet { name: "S".into(), rows }] }
}

fn sheet(rows: &[[&str; 3]]) -> Workbook {
    let mut all = vec![vec![t("企业ID"), t("UserID"), t("类型")]];
    all.extend(rows.iter().map(|r| r.iter().map(|s| t(s)).collect()));
    wb_from(1, all)
}

fn check(wb: &Workbook) -> UseridSheet {
    check_userid_workbook(wb, &UseridSheetOptions::default())
}

fn codes(s: &UseridSheet) -> Vec<&str> {
    s.problems.iter().map(|p| p.code.as_str()).collect()
}

fn problem<'a>(s: &'a UseridSheet, code: &str) -> &'a Problem {
    s.problems.iter().find(|p| p.code == code).unwrap_or_else(|| panic!("no {code} in {:?}", codes(s)))
}

#[test]
fn a_clean_sheet_gives_entries_and_counts() {
    let s = check(&sheet(&[[CORP, "zhangsan", "基础"], [CORP, "lisi", "互通"], [CORP, "wangwu", ""]]));
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert_eq!(s.corp_id.as_ref().unwrap().as_str(), CORP);
    assert_eq!(s.entries.len(), 3);
    assert_eq!(
        s.entries[1],
        SheetUserid { row: 3, userid: UserId::parse("", "lisi").unwrap(), kind: Some(AccountKind::Interop) }
    );
    let sum = &s.summary;
    assert_eq!((sum.rows_read, sum.userids, sum.basic, sum.interop, sum.unspecified), (3, 3, 1, 1, 1));
    assert_eq!((sum.errors, sum.warnings, sum.header_row, sum.format.as_str()), (0, 0, 1, "xlsx"));
}

#[test]
fn numeric_cells_come_out_as_typed() {
    let wb = wb_from(
        1,
        vec![
            vec![t("企业ID"), t("UserID")],
            vec![t(CORP), Cell::Number(13800138000.0)],
            vec![t(CORP), Cell::Int(13900139000)],
            vec![t(CORP), Cell::Number(1.5)],
            vec![t(CORP), Cell::Number(1.2345678901234567e18)],
        ],
    );
    let s = check(&wb);
    let ids: Vec<&str> = s.entries.iter().map(|e| e.userid.as_str()).collect();
    assert_eq!(ids, ["13800138000", "13900139000"]);
    let p = problem(&s, "userid_not_integer");
    assert_eq!(p.field, "sheet.rows[4].userid");
    assert!(p.zh.starts_with("第4行"), "{}", p.zh);
    assert_eq!(problem(&s, "userid_number_too_long").field, "sheet.rows[5].userid");
}

#[test]
fn integral_number_text_never_uses_exponents_or_decimals() {
    assert_eq!(integral_number_text(13800138000.0).as_deref(), Some("13800138000"));
    assert_eq!(integral_number_text(1.38e10).as_deref(), Some("13800000000"));
    assert_eq!(integral_number_text(999_999_999_999_999.0).as_deref(), Some("999999999999999"));
    assert_eq!(integral_number_text(1e15), None);
    assert_eq!(integral_number_text(0.5), None);
    assert_eq!(integral_number_text(f64::INFINITY), None);
}

#[test]
fn scientific_text_dates_bools_and_formula_errors_are_explained() {
    let wb = wb_from(
        1,
        vec![
            vec![t("企业ID"), t("UserID")],
            vec![t(CORP), t("1.38E+10")],
            vec![t(CORP), Cell::Date(chrono::NaiveDate::from_ymd_opt(2024, 3, 12).unwrap())],
            vec![t(CORP), Cell::Bool(true)],
            vec![t(CORP), Cell::Error("#N/A".into())],
        ],
    );
    let s = check(&wb);
    assert_eq!(codes(&s), ["userid_scientific_notation", "userid_is_date", "userid_not_text", "cell_formula_error"]);
    assert!(problem(&s, "userid_is_date").zh.contains("2024-03-12"));
    assert!(problem(&s, "cell_formula_error").zh.contains("#N/A"));
    assert!(looks_scientific("1.38E+10") && looks_scientific("1E+11") && looks_scientific("2e+5"));
    assert!(!looks_scientific("2e5") && !looks_scientific("E+5") && !looks_scientific("abc"));
}

#[test]
fn surrounding_spaces_are_trimmed_with_a_warning_naming_the_row() {
    let s = check(&sheet(&[[CORP, "\u{3000}zhangsan ", ""], [&format!(" {CORP}"), "lisi", ""]]));
    assert_eq!(s.entries[0].userid.as_str(), "zhangsan");
    let w: Vec<&Problem> = s.problems.iter().filter(|p| p.code == "cell_trimmed").collect();
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].severity, Severity::Warning);
    assert_eq!(w[0].field, "sheet.rows[2].userid");
    assert!(w[0].zh.starts_with("第2行的UserID前后有空格（含全角空格）"), "{}", w[0].zh);
    assert_eq!(w[1].field, "sheet.rows[3].corp_id");
    assert_eq!(s.summary.warnings, 2);
}

#[test]
fn invalid_userids_carry_the_userid_rule_message_and_row() {
    let s = check(&sheet(&[[CORP, "zhang san", ""], [CORP, "_x", ""], [CORP, &"a".repeat(65), ""]]));
    assert_eq!(codes(&s), ["user_id_bad_char", "user_id_bad_start", "user_id_too_long"]);
    let p = &s.problems[0];
    assert_eq!(p.field, "sheet.rows[2].userid");
    assert!(p.zh.starts_with("第2行：UserID 只能包含字母、数字和 _ - @ ."), "{}", p.zh);
    assert!(p.en.starts_with("Row 2: A UserID may only contain"), "{}", p.en);
    assert!(s.entries.is_empty());
}

#[test]
fn invalid_corp_ids_are_row_errors() {
    let s = check(&sheet(&[[CORP, "a", ""], ["ww123", "b", ""]]));
    let p = problem(&s, "corp_id_invalid");
    assert_eq!(p.field, "sheet.rows[3].corp_id");
    assert!(p.zh.starts_with("第3行：企业ID应为 ww 或 wx 开头"), "{}", p.zh);
    assert_eq!(s.entries.len(), 1);
}

#[test]
fn duplicates_ignoring_case_name_both_rows() {
    let s = check(&sheet(&[[CORP, "ZhangSan", ""], [CORP, "lisi", ""], [CORP, "zhangsan", ""], [CORP, "lisi", ""]]));
    let dups: Vec<&Problem> = s.problems.iter().filter(|p| p.code == "userid_duplicate").collect();
    assert_eq!(dups.len(), 2);
    assert_eq!(dups[0].zh, "第2行与第4行重复：ZhangSan / zhangsan（UserID 不区分大小写）");
    assert_eq!(dups[0].field, "sheet.rows[4].userid");
    assert_eq!(dups[1].zh, "第3行与第5行重复：lisi（UserID 不区分大小写）");
    assert!(dups[1].en.starts_with("Rows 3 and 5 are duplicates: lisi"));
    assert_eq!(s.entries.len(), 2);
    assert_eq!(s.summary.userids, 2);
}

#[test]
fn unspecified_kind_clashes_with_any_kind_but_basic_and_interop_overlap() {
    let s = check(&sheet(&[
        [CORP, "a", ""],
        [CORP, "A", "基础"],
        [CORP, "b", "基础"],
        [CORP, "B", "互通账号"],
        [CORP, "b", "basic"],
    ]));
    assert_eq!(codes(&s), ["userid_duplicate", "userid_basic_and_interop", "userid_duplicate"]);
    let w = problem(&s, "userid_basic_and_interop");
    assert_eq!(w.severity, Severity::Warning);
    assert!(w.zh.starts_with("第4行与第5行：B 同时列为基础账号和互通账号"), "{}", w.zh);
    assert_eq!(s.summary.overlaps, 1);
    assert_eq!((s.summary.basic, s.summary.interop, s.summary.unspecified, s.summary.userids), (1, 1, 1, 2));
    assert_eq!(s.summary.overlap_saving, None);
}

#[test]
fn overlap_saving_is_priced_at_the_top_basic_positions() {
    // 10 basic accounts, 6 of them also interop: positions 5..=10 go, 1×5 + 5×4 = 25.00 a year.
    let mut rows: Vec<[String; 3]> = (0..10).map(|i| [CORP.into(), format!("u{i}"), "基础".into()]).collect();
    rows.extend((0..6).map(|i| [CORP.into(), format!("U{i}"), "互通".into()]));
    let refs: Vec<[&str; 3]> = rows.iter().map(|r| [r[0].as_str(), r[1].as_str(), r[2].as_str()]).collect();
    let book = PriceBook::default_2022();
    let options = UseridSheetOptions {
        expected_corp_id: None,
        saving: Some(SavingBasis { price_book: &book, months: 12, existing_basic: 0 }),
    };
    let s = check_userid_workbook(&sheet(&refs), &options);
    assert_eq!(s.summary.overlaps, 6);
    assert_eq!(s.summary.overlap_saving, Some(Money::from_fen(2500)));
    let w = problem(&s, "userid_basic_and_interop");
    assert!(w.zh.ends_with("可节省约 ¥4.00（12个月）"), "{}", w.zh);
    let total = problem(&s, "overlap_saving_total");
    assert!(total.zh.contains("共 6 个 UserID") && total.zh.contains("¥25.00"), "{}", total.zh);
    assert!(total.en.contains("price book 2022-05-16"), "{}", total.en);

    // Six months, with 3 basic accounts already active: positions 4..=13, drop 12 and 13.
    let one = [[CORP, "x", "基础"], [CORP, "y", "基础"], [CORP, "X", "互通"], [CORP, "Y", "互通"]];
    let options = UseridSheetOptions {
        expected_corp_id: None,
        saving: Some(SavingBasis { price_book: &book, months: 6, existing_basic: 3 }),
    };
    // Positions 4 and 5 (5.00 a year each) for half a year.
    assert_eq!(check_userid_workbook(&sheet(&one), &options).summary.overlap_saving, Some(Money::from_fen(500)));
}

#[test]
fn mixed_corp_ids_flag_the_minority_rows() {
    let s = check(&sheet(&[[OTHER, "a", ""], [CORP, "b", ""], [CORP, "c", ""], ["WW69C04360D53DA8B7", "d", ""]]));
    assert_eq!(s.corp_id.as_ref().unwrap().as_str(), CORP);
    let p = problem(&s, "row_corp_id_mixed");
    assert_eq!(p.field, "sheet.rows[2].corp_id");
    assert!(p.zh.contains(&format!("第2行的企业ID {OTHER} 与本表其他行（如第3行 {CORP}）不一致")), "{}", p.zh);
    assert_eq!(s.entries.iter().map(|e| e.row).collect::<Vec<_>>(), [3, 4, 5]);
}

#[test]
fn sheet_corp_id_must_match_the_form() {
    let form = CorpId::parse("", OTHER).unwrap();
    let options = UseridSheetOptions { expected_corp_id: Some(&form), saving: None };
    let s = check_userid_workbook(&sheet(&[[CORP, "a", ""]]), &options);
    let p = problem(&s, "corp_id_mismatch");
    assert_eq!(p.field, "sheet.corp_id");
    assert!(p.zh.contains(CORP) && p.zh.contains(OTHER), "{}", p.zh);
    let same = CorpId::parse("", CORP).unwrap();
    let options = UseridSheetOptions { expected_corp_id: Some(&same), saving: None };
    assert!(check_userid_workbook(&sheet(&[[CORP, "a", ""]]), &options).problems.is_empty());
}

#[test]
fn a_row_without_corp_id_inherits_nothing() {
    let s = check(&sheet(&[[CORP, "a", ""], ["", "b", ""]]));
    let p = problem(&s, "row_corp_id_missing");
    assert_eq!(p.field, "sheet.rows[3].corp_id");
    assert_eq!(s.entries.len(), 1);
}

#[test]
fn a_sheet_without_corp_ids_uses_the_form_or_fails() {
    let wb = wb_from(1, vec![vec![t("账号")], vec![t("zhangsan")], vec![t("lisi")]]);
    let s = check(&wb);
    assert_eq!(codes(&s), ["sheet_corp_id_missing"]);
    assert_eq!(s.entries.len(), 2, "the userids are still checked and listed");
    let form = CorpId::parse("", CORP).unwrap();
    let s = check_userid_workbook(&wb, &UseridSheetOptions { expected_corp_id: Some(&form), saving: None });
    assert_eq!(codes(&s), ["sheet_corp_id_from_form"]);
    assert_eq!(s.problems[0].severity, Severity::Warning);
    assert_eq!(s.corp_id, Some(form));
    assert_eq!(s.summary.unspecified, 2);
}

#[test]
fn blank_rows_are_skipped_and_counted_and_row_numbers_are_excels() {
    let wb = wb_from(
        4,
        vec![
            vec![t("CorpID"), t("User ID")],
            vec![t(CORP), t("a")],
            vec![t(" "), t("\u{3000}")],
            vec![t(CORP), t("b")],
        ],
    );
    let mut wb = wb;
    // Row 9 is missing entirely, as in an .xlsx where empty rows are not stored.
    wb.sheets[0].rows.push(Row { number: 10, cells: vec![t(CORP), t("c")] });
    let s = check(&wb);
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert_eq!(s.entries.iter().map(|e| e.row).collect::<Vec<_>>(), [5, 7, 10]);
    assert_eq!((s.summary.header_row, s.summary.rows_read, s.summary.blank_rows), (4, 3, 3));
}

#[test]
fn rows_with_other_content_only_are_skipped_but_half_filled_rows_are_errors() {
    let wb = wb_from(
        1,
        vec![
            vec![t("企业ID"), t("UserID"), t("姓名")],
            vec![t(CORP), t("a"), t("张三")],
            vec![Cell::Empty, Cell::Empty, t("备注：以上为全部人员")],
            vec![t(CORP), Cell::Empty, t("李四")],
        ],
    );
    let s = check(&wb);
    assert_eq!(codes(&s), ["row_skipped_no_userid", "row_userid_missing"]);
    assert_eq!(s.problems[0].severity, Severity::Warning);
    assert_eq!(s.problems[1].field, "sheet.rows[4].userid");
}

#[test]
fn a_repeated_header_row_is_skipped_not_taken_for_a_userid() {
    let s = check(&sheet(&[[CORP, "a", ""], ["企业ID", "UserID", "类型"], [CORP, "b", ""]]));
    assert_eq!(codes(&s), ["row_repeated_header"]);
    assert_eq!(s.problems[0].field, "sheet.rows[3]");
    assert_eq!(s.entries.len(), 2);
}

#[test]
fn kinds_accept_aliases_and_reject_others() {
    for (text, kind) in
        [("基础账号", AccountKind::Basic), ("企业微信基础接口", AccountKind::Basic), ("Basic", AccountKind::Basic)]
    {
        assert_eq!(parse_kind(&t(text)), Ok(Some(kind)), "{text}");
    }
    for text in ["互通", "互通接口", "INTEROP", "互通（含基础）"] {
        assert_eq!(parse_kind(&t(text)), Ok(Some(AccountKind::Interop)), "{text}");
    }
    assert_eq!(parse_kind(&t(" ")), Ok(None));
    let s = check(&sheet(&[[CORP, "a", "高级"]]));
    let p = problem(&s, "row_kind_invalid");
    assert_eq!(p.field, "sheet.rows[2].kind");
    assert!(p.zh.contains("“高级”"), "{}", p.zh);
}

#[test]
fn header_only_sheet_has_no_data() {
    let s = check(&sheet(&[]));
    assert_eq!(codes(&s), ["sheet_no_data"]);
    assert!(s.problems[0].zh.contains("第1行"));
}

#[test]
fn unreadable_files_become_one_problem() {
    let s = check_userid_sheet(b"%PDF-1.4", &UseridSheetOptions::default());
    assert_eq!(codes(&s), ["sheet_unsupported_format"]);
    assert_eq!(s.summary.errors, 1);
    assert!(s.has_errors());
}

#[test]
fn too_many_data_rows_are_refused() {
    let mut rows = vec![vec![t("UserID")]];
    rows.extend((0..=limits::MAX_DATA_ROWS).map(|i| vec![t(&format!("u{i}"))]));
    let s = check(&wb_from(1, rows));
    assert_eq!(codes(&s), ["sheet_too_many_rows"]);
}

#[test]
fn problem_lists_are_capped_but_counts_stay_exact() {
    let rows: Vec<[String; 3]> = (0..1500).map(|i| [CORP.into(), format!("_bad{i}"), String::new()]).collect();
    let refs: Vec<[&str; 3]> = rows.iter().map(|r| [r[0].as_str(), r[1].as_str(), r[2].as_str()]).collect();
    let s = check(&sheet(&refs));
    assert_eq!(s.summary.errors, 1500);
    assert_eq!(s.problems.len(), MAX_LISTED_PROBLEMS + 1);
    let last = s.problems.last().unwrap();
    assert_eq!(last.code, "problems_truncated");
    assert!(last.zh.contains("另有 500 个问题未列出"), "{}", last.zh);
}
