//! Tests of the sheet reader (`read.rs`).

use super::*;
use proptest::prelude::*;

#[test]
fn serial_dates_follow_excel_1900_system() {
    let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
    assert_eq!(excel_serial_to_date(45488.0), Some(d(2024, 7, 15)));
    assert_eq!(excel_serial_to_date(45488.75), Some(d(2024, 7, 15)));
    assert_eq!(excel_serial_to_date(61.0), Some(d(1900, 3, 1)));
    assert_eq!(excel_serial_to_date(60.0), None);
    assert_eq!(excel_serial_to_date(f64::NAN), None);
    assert_eq!(excel_serial_to_date(3e6), None);
}

#[test]
fn empty_and_oversized_files_are_refused_before_parsing() {
    assert_eq!(read_workbook(b"").unwrap_err().code, "sheet_file_empty");
    let big = vec![b'a'; limits::MAX_FILE_BYTES + 1];
    let p = read_workbook(&big).unwrap_err();
    assert_eq!((p.field.as_str(), p.code.as_str()), ("sheet", "sheet_file_too_large"));
    assert!(p.zh.contains("最大 10 MB"), "{}", p.zh);
}

#[test]
fn pdf_and_images_are_named() {
    let p = read_workbook(b"%PDF-1.7 ...").unwrap_err();
    assert_eq!(p.code, "sheet_unsupported_format");
    assert!(p.zh.contains("PDF"), "{}", p.zh);
    assert!(read_workbook(b"\x89PNG\r\n\x1a\n....").unwrap_err().en.contains("PNG"));
}

#[test]
fn truncated_zip_and_ole_files_are_unreadable_not_panics() {
    assert_eq!(read_workbook(b"PK\x03\x04garbage").unwrap_err().code, "sheet_unreadable");
    let mut ole = guard::xls::CFB_MAGIC.to_vec();
    ole.extend_from_slice(&[0u8; 100]);
    assert_eq!(read_workbook(&ole).unwrap_err().code, "sheet_unreadable");
}

#[test]
fn clip_cuts_on_char_boundaries() {
    let long = "张".repeat(1000);
    let c = clip(&long);
    assert!(c.len() <= limits::MAX_CELL_TEXT_BYTES);
    assert_eq!(c.len() % 3, 0);
}

#[test]
fn xls_cells_are_read_with_excel_positions() {
    use guard::xls::tests::{biff_stream, cfb_with_workbook, number};
    let file = cfb_with_workbook(&biff_stream(&[number(2, 1, 13800138000.0), number(4, 0, 45488.0)]));
    let wb = read_workbook(&file).unwrap();
    assert_eq!(wb.format, SheetFormat::Xls);
    let rows = &wb.sheets[0].rows;
    assert_eq!(rows[0], Row { number: 3, cells: vec![Cell::Empty, Cell::Number(13800138000.0)] });
    assert_eq!(rows[1], Row { number: 5, cells: vec![Cell::Number(45488.0)] });
}

#[test]
fn every_read_error_has_its_code_and_both_languages() {
    let cases = [
        (ReadError::Empty, "sheet_file_empty", "空的"),
        (ReadError::TooLarge { bytes: 11 * 1024 * 1024 }, "sheet_file_too_large", "11.0 MB"),
        (ReadError::NotASpreadsheet { what: "Word" }, "sheet_unsupported_format", "这是Word文件"),
        (ReadError::Unsupported { what: ".xlsb" }, "sheet_unsupported_format", "不支持 .xlsb"),
        (ReadError::Encrypted, "sheet_encrypted", "密码"),
        (ReadError::Corrupt { detail: "x".into() }, "sheet_unreadable", "已损坏"),
        (ReadError::ArchiveTooLarge { reason: ArchiveReason::TotalSize }, "sheet_archive_too_large", "100 MB"),
        (ReadError::ArchiveTooLarge { reason: ArchiveReason::Ratio }, "sheet_archive_too_large", "200:1"),
        (ReadError::ArchiveTooLarge { reason: ArchiveReason::Entries }, "sheet_archive_too_large", "1000"),
        (ReadError::TooComplex, "sheet_too_complex", "过多"),
        (ReadError::TooManyRows, "sheet_too_many_rows", "100,000"),
    ];
    for (error, code, zh_part) in cases {
        let p = error.clone().into_problem();
        assert_eq!((p.field.as_str(), p.code.as_str(), p.is_error()), ("sheet", code, true), "{error:?}");
        assert!(p.zh.contains(zh_part), "{error:?}: {}", p.zh);
        assert!(p.en.len() > 20, "{error:?}: {}", p.en);
    }
}

#[test]
fn hidden_sheets_are_skipped_and_the_first_sheet_with_a_header_is_used() {
    use super::super::userids::{UseridSheetOptions, check_userid_sheet};
    let mut wb = rust_xlsxwriter::Workbook::new();
    let hidden = wb.add_worksheet().set_name("old").unwrap();
    hidden.write_string(0, 0, "UserID").unwrap();
    hidden.write_string(1, 0, "stale").unwrap();
    hidden.set_hidden(true);
    wb.add_worksheet().set_name("说明").unwrap().write_string(0, 0, "请在下一张表填写").unwrap();
    let data = wb.add_worksheet().set_name("名单").unwrap();
    data.write_string(2, 1, "UserID").unwrap();
    data.write_number(3, 1, 13800138000.0).unwrap();
    wb.worksheet_from_index(2).unwrap().set_active(true);
    let bytes = wb.save_to_buffer().unwrap();

    let read = read_workbook(&bytes).unwrap();
    assert_eq!(read.sheets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["说明", "名单"]);
    let s = check_userid_sheet(&bytes, &UseridSheetOptions::default());
    assert_eq!(s.summary.sheet_name, "名单");
    assert_eq!(s.summary.header_row, 3);
    assert_eq!(s.entries.iter().map(|e| e.userid.as_str()).collect::<Vec<_>>(), ["13800138000"]);
}

/// An .xlsx written by rust_xlsxwriter with its first worksheet's XML replaced by `sheet_data`
/// (the inside of `<sheetData>`).
fn xlsx_with_sheet_data(sheet_data: &str) -> Vec<u8> {
    use std::io::Read;
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "x").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut parts = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        let name = f.name().unwrap().into_owned();
        if name == "xl/worksheets/sheet1.xml" {
            data = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet \
                 xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>{sheet_data}\
                 </sheetData></worksheet>"
            )
            .into_bytes();
        }
        parts.push((name, data));
    }
    let parts: Vec<(&str, &[u8])> = parts.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    guard::zip::tests::zip_of(&parts)
}

#[test]
fn xlsx_rows_out_of_order_are_put_in_order_and_together() {
    let text = |r: &str, t: &str| format!("<c r=\"{r}\" t=\"inlineStr\"><is><t>{t}</t></is></c>");
    let num = |r: &str, v: &str| format!("<c r=\"{r}\"><v>{v}</v></c>");
    let data = [
        format!("<row r=\"3\">{}</row>", text("A3", "c")),
        format!("<row r=\"1\">{}</row>", text("B1", "a")),
        format!("<row r=\"3\">{}{}</row>", num("C3", "5"), text("A3", "c2")),
        format!("<row r=\"2\">{}</row>", num("A2", "1")),
    ]
    .concat();
    let wb = read_workbook(&xlsx_with_sheet_data(&data)).unwrap();
    let t = |s: &str| Cell::Text(s.to_owned());
    assert_eq!(
        wb.sheets[0].rows,
        [
            Row { number: 1, cells: vec![Cell::Empty, t("a")] },
            Row { number: 2, cells: vec![Cell::Number(1.0)] },
            Row { number: 3, cells: vec![t("c2"), Cell::Empty, Cell::Number(5.0)] },
        ]
    );
    // In order, with a column skipped and one written before another of its row.
    let data =
        format!("<row r=\"1\">{}{}</row><row r=\"4\">{}</row>", text("C1", "c"), text("A1", "a"), num("B4", "7"));
    let wb = read_workbook(&xlsx_with_sheet_data(&data)).unwrap();
    assert_eq!(
        wb.sheets[0].rows,
        [
            Row { number: 1, cells: vec![t("a"), Cell::Empty, t("c")] },
            Row { number: 4, cells: vec![Cell::Empty, Cell::Number(7.0)] },
        ]
    );
}

proptest! {
    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_workbook(&bytes);
    }

    #[test]
    fn reading_bytes_behind_zip_or_ole_magic_never_panics(
        ole in any::<bool>(),
        tail in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        let mut bytes = if ole { guard::xls::CFB_MAGIC.to_vec() } else { b"PK\x03\x04".to_vec() };
        bytes.extend(tail);
        let _ = read_workbook(&bytes);
    }

    #[test]
    fn reading_damaged_real_files_never_panics(
        which in 0..2usize,
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        use guard::xls::tests::{biff_stream, cfb_with_workbook, number};
        let mut bytes = if which == 0 {
            super::super::template::template_xlsx().unwrap()
        } else {
            cfb_with_workbook(&biff_stream(&[number(0, 0, 1.0), number(3, 2, 2.0)]))
        };
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let _ = read_workbook(&bytes);
    }
}

#[test]
fn group_digits_inserts_commas() {
    assert_eq!(group_digits(100_000), "100,000");
    assert_eq!(group_digits(999), "999");
    assert_eq!(group_digits(1_000_000), "1,000,000");
}
