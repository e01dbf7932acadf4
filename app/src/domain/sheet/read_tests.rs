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

/// An .xlsx written by rust_xlsxwriter with some of its parts replaced (name, whole content).
fn xlsx_with_parts(replaced: &[(&str, String)]) -> Vec<u8> {
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
        if let Some((_, content)) = replaced.iter().find(|(n, _)| *n == name) {
            data = content.clone().into_bytes();
        }
        parts.push((name, data));
    }
    let parts: Vec<(&str, &[u8])> = parts.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    guard::zip::tests::zip_of(&parts)
}

const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const MAIN_NS: &str = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"";

/// An .xlsx whose first worksheet holds `sheet_data` (the inside of `<sheetData>`).
fn xlsx_with_sheet_data(sheet_data: &str) -> Vec<u8> {
    let sheet = format!("{XML_HEAD}<worksheet {MAIN_NS}><sheetData>{sheet_data}</sheetData></worksheet>");
    xlsx_with_parts(&[("xl/worksheets/sheet1.xml", sheet)])
}

fn same_from_both_readers(bytes: &[u8]) -> bool {
    assert_xlsx_readers_agree(bytes)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/sheets/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn the_fast_xlsx_reader_takes_the_usual_files_and_reads_them_as_calamine_does() {
    use crate::domain::ids::{CorpId, UserId};
    use crate::domain::price_book::AccountKind;
    let corp = CorpId::parse("", "ww69c04360d53da8b7").unwrap();
    let rows: Vec<_> = (0..500)
        .map(|i| (UserId::parse("", &format!("u{i}")).unwrap(), (i % 3 == 0).then_some(AccountKind::Interop)))
        .collect();
    // Written by Excel-like writers (rust_xlsxwriter: our template and userid export) and by
    // LibreOffice (the fixtures).
    let taken = [
        ("template", super::super::template::template_xlsx().unwrap()),
        ("userid export", super::super::userid_sheet_xlsx(&corp, &rows).unwrap()),
        ("userids_zh.xlsx", fixture("userids_zh.xlsx")),
        ("userids_en.xlsx", fixture("userids_en.xlsx")),
        ("offset.xlsx", fixture("offset.xlsx")),
        ("no_header.xlsx", fixture("no_header.xlsx")),
        ("empty.xlsx", fixture("empty.xlsx")),
    ];
    for (name, bytes) in taken {
        let why = super::super::xlsx_fast::why_not(&bytes);
        assert!(same_from_both_readers(&bytes), "{name}: left to calamine at {why:?}");
        // And the usual parts of these are scanned, not walked with quick-xml.
        let why = super::super::xlsx_fast::why_not_scanned(&bytes);
        assert!(why.is_none(), "{name}: left to the quick-xml walk at {why:?}");
    }
    // What it leaves to calamine, and calamine still reads: dates (the product lines' service
    // dates), a damaged file, rows out of order.
    assert!(!same_from_both_readers(&fixture("lines.xlsx")));
    assert!(!same_from_both_readers(&fixture("corrupt.xlsx")));
    let out_of_order = "<row r=\"2\"><c r=\"A2\"><v>1</v></c></row><row r=\"1\"><c r=\"A1\"><v>2</v></c></row>";
    assert!(!same_from_both_readers(&xlsx_with_sheet_data(out_of_order)));
}

#[test]
fn the_fast_xlsx_reader_reads_every_cell_kind_excel_writes_as_calamine_does() {
    use rust_xlsxwriter::{Format, Formula, Workbook as Writer};
    let mut wb = Writer::new();
    let hidden = wb.add_worksheet().set_name("旧").unwrap();
    hidden.write_string(0, 0, "stale").unwrap();
    hidden.set_hidden(true);
    let s = wb.add_worksheet().set_name("R&D 名单").unwrap();
    s.write_string(0, 0, "  spaced  ").unwrap();
    s.write_string(0, 1, "a & b < c > d \"q\" 'p'").unwrap();
    s.write_string(0, 2, "两行\n文字").unwrap();
    s.write_string(0, 3, "").unwrap();
    s.write_number(1, 0, 13800138000.0).unwrap();
    s.write_number(1, 1, -2.5).unwrap();
    s.write_number(1, 2, 1e20).unwrap();
    s.write_number_with_format(1, 3, 42.0, &Format::new().set_num_format("0.00")).unwrap();
    s.write_number_with_format(1, 4, 7.0, &Format::new().set_num_format("@")).unwrap();
    s.write_boolean(2, 0, true).unwrap();
    s.write_boolean(2, 1, false).unwrap();
    s.write_formula(2, 2, Formula::new("=1+1").set_result("2")).unwrap();
    s.write_formula(2, 3, Formula::new("=\"x\"&\"y\"").set_result("xy")).unwrap();
    s.write_rich_string(3, 0, &[(&Format::new().set_bold(), "粗"), (&Format::default(), " 细 ")]).unwrap();
    s.write_string(5, 200, "far").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    // The sheet name holds '&' (unescaped by calamine): left to it.
    assert!(!same_from_both_readers(&bytes));

    let mut wb = Writer::new();
    let s = wb.add_worksheet().set_name("名单").unwrap();
    s.write_string(0, 0, "  spaced  ").unwrap();
    s.write_string(0, 1, "a & b < c > d").unwrap();
    s.write_number(1, 0, 13800138000.0).unwrap();
    s.write_number_with_format(1, 3, 42.0, &Format::new().set_num_format("0.00")).unwrap();
    s.write_boolean(2, 0, true).unwrap();
    s.write_formula(2, 2, Formula::new("=1+1").set_result("2")).unwrap();
    s.write_formula(2, 3, Formula::new("=\"x\"&\"y\"").set_result("xy")).unwrap();
    s.write_rich_string(3, 0, &[(&Format::new().set_bold(), "粗"), (&Format::default(), " 细 ")]).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let why = super::super::xlsx_fast::why_not(&bytes);
    assert!(same_from_both_readers(&bytes), "left to calamine at {why:?}");
    let read = read_workbook(&bytes).unwrap();
    assert_eq!(
        read.sheets[0].rows[0].cells[..2],
        [Cell::Text("  spaced  ".into()), Cell::Text("a & b < c > d".into())]
    );
    assert_eq!(read.sheets[0].rows[3].cells, [Cell::Text("粗 细 ".into())]);

    // A date: calamine's to turn into one.
    let mut wb = Writer::new();
    let s = wb.add_worksheet();
    s.write_number_with_format(0, 0, 45488.0, &Format::new().set_num_format("yyyy-mm-dd")).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    assert!(!same_from_both_readers(&bytes));
    assert_eq!(
        read_workbook(&bytes).unwrap().sheets[0].rows[0].cells,
        [Cell::Date(NaiveDate::from_ymd_opt(2024, 7, 15).unwrap())]
    );
}

prop_compose! {
    /// A cell as Excel or a hand-made file may write it, with text that needs care.
    fn arbitrary_cell(strings: usize)(
        // Mostly what the fast reader takes, so that most generated files compare its cells with
        // calamine's; the rest is what it must leave to calamine.
        kind in prop::sample::select(vec![0, 0, 0, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9]),
        index in 0..strings + 1,
        text in prop::sample::select(vec![
            "a", " b ", "&amp;x", "&#32;y", "&#x4e2d;", "中文", "&lt;t&gt;", "", "line\nbreak", "x y",
            "a", " b ", "&amp;x", "&#32;y", "&#x4e2d;", "中文", "&lt;t&gt;", "", "line\nbreak", "x y",
            "_x0041_", "a\r\nb", "<![CDATA[c]]>", "&nbsp;",
        ]),
        number in prop::sample::select(vec![
            "1", "-2.5", "1.38E+10", "007", "1e5", "0", "13800138000", "1", "-2.5", "1.38E+10", "007", "1e5",
            " 1", "abc", "", ".5", "1.",
        ]),
        boolean in prop::sample::select(vec!["0", "1", "TRUE", "false", "0", "1", "TRUE", "false", "x", ""]),
        style in prop::sample::select(vec![
            "", " s=\"0\"", " s=\"1\"", " s=\"2\"", " s=\"9\"", "", " s=\"0\"", " s=\"1\"", " s=\"2\"",
            " s=\"9\"", " s=\"3\"", " s=\"x\"",
        ]),
        preserve in any::<bool>(),
    ) -> (String, String) {
        let space = if preserve { " xml:space=\"preserve\"" } else { "" };
        match kind {
            0 => (format!(" t=\"s\"{style}"), format!("<v>{index}</v>")),
            1 => (style.to_owned(), format!("<v>{number}</v>")),
            2 => (format!(" t=\"n\"{style}"), format!("<f>1+1</f><v>{number}</v>")),
            3 => (" t=\"b\"".to_owned(), format!("<v>{boolean}</v>")),
            4 => (" t=\"str\"".to_owned(), format!("<f>A1</f><v>{text}</v>")),
            5 => (" t=\"inlineStr\"".to_owned(), format!("<is><t{space}>{text}</t></is>")),
            6 => (" t=\"e\"".to_owned(), "<v>#N/A</v>".to_owned()),
            7 => (style.to_owned(), String::new()),
            8 => (String::new(), format!("<v>{number}</v><f>1</f>")),
            _ => (" t=\"s\"".to_owned(), format!("<v>{text}</v>")),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Generated sheets, shared strings and styles: wherever the fast reader takes the file, its
    /// cells are calamine's.
    #[test]
    fn the_fast_xlsx_reader_agrees_with_calamine_on_generated_sheets(
        strings in prop::collection::vec(
            (
                0..4usize,
                prop::sample::select(vec!["a", " b ", "&amp;", "中", "", "x\ny", "&#10;z", "a", " b ", "中", "_x0042_"]),
                any::<bool>(),
            ),
            0..6,
        ),
        cells in prop::collection::vec((0..6u32, 0..5u32, arbitrary_cell(6)), 0..12),
        styles in prop::collection::vec(
            prop::sample::select(vec!["0", "49", "164", "2", "0", "49", "164", "2", "14", "46", "165"]),
            0..4,
        ),
    ) {
        let sst: String = strings
            .iter()
            .map(|(form, t, preserve)| {
                let space = if *preserve { " xml:space=\"preserve\"" } else { "" };
                match form {
                    0 => format!("<si><t{space}>{t}</t></si>"),
                    1 => format!("<si><r><t>{t}</t></r><r><rPr><b/></rPr><t{space}>{t}</t></r></si>"),
                    2 => format!("<si><t>{t}</t><rPh sb=\"0\" eb=\"1\"><t>ふ</t></rPh></si>"),
                    _ => "<si/>".to_owned(),
                }
            })
            .collect();
        let sst = format!("{XML_HEAD}<sst {MAIN_NS} count=\"{n}\" uniqueCount=\"{n}\">{sst}</sst>", n = strings.len());
        let xfs: String = styles.iter().map(|id| format!("<xf numFmtId=\"{id}\" fontId=\"0\"/>")).collect();
        let styles_xml = format!(
            "{XML_HEAD}<styleSheet {MAIN_NS}><numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"0.0\"/>\
             <numFmt numFmtId=\"165\" formatCode=\"yyyy-mm-dd\"/></numFmts>\
             <fonts count=\"1\"><font/></fonts><cellXfs count=\"{}\">{xfs}</cellXfs></styleSheet>",
            styles.len()
        );
        let mut cells = cells;
        cells.sort_by_key(|(row, _, _)| *row);
        let mut data = String::new();
        let mut open_row = None;
        for (row, col, (attrs, inner)) in &cells {
            if open_row != Some(*row) {
                if open_row.is_some() {
                    data.push_str("</row>");
                }
                data.push_str(&format!("<row r=\"{}\">", row + 1));
                open_row = Some(*row);
            }
            let col = char::from(b'A' + *col as u8);
            data.push_str(&format!("<c r=\"{col}{}\"{attrs}>{inner}</c>", row + 1));
        }
        if open_row.is_some() {
            data.push_str("</row>");
        }
        let sheet = format!("{XML_HEAD}<worksheet {MAIN_NS}><sheetData>{data}</sheetData></worksheet>");
        let bytes = xlsx_with_parts(&[
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", sst),
            ("xl/styles.xml", styles_xml),
        ]);
        same_from_both_readers(&bytes);
    }
}

/// The scan of the usual parts takes only what it can read as the quick-xml walk does; the rest
/// is walked, with the same cells (`same_from_both_readers` compares the two on every file).
#[test]
fn the_scan_leaves_every_unusual_shape_to_the_quick_xml_walk() {
    use super::super::xlsx_fast::why_not_scanned;
    let usual = "<row r=\"1\" spans=\"1:3\"><c r=\"A1\" s=\"0\"><v>13800138000</v></c>\
                 <c r=\"B1\" t=\"str\"><f>\"a\"&amp;\"b\"</f><v>ab</v></c><c r=\"C1\" t='b'><v>1</v></c>\
                 <c r=\"D1\"/></row>\n<row r=\"2\"/><row><c r=\"A3\"><f t=\"shared\" si=\"0\"/><v>2</v></c></row>";
    let bytes = xlsx_with_sheet_data(usual);
    assert!(same_from_both_readers(&bytes));
    assert_eq!(why_not_scanned(&bytes), None);
    let cells = |b: &[u8]| read_workbook(b).unwrap().sheets[0].rows.iter().map(|r| r.cells.clone()).collect::<Vec<_>>();
    assert_eq!(
        cells(&bytes),
        [vec![Cell::Number(13800138000.0), Cell::Text("ab".into()), Cell::Bool(true)], vec![Cell::Number(2.0)]]
    );
    // Each of these is walked (and read the same); most are still the fast reader's.
    for unusual in [
        "<c r=\"A1\" t=\"inlineStr\"><is><t>x</t></is></c>",
        "<c r=\"A1\" t=\"str\"><v>a&amp;b</v></c>",
        "<c r=\"A1\" t=\"str\"><v>_x0041_</v></c>",
        "<c r=\"A1\"><!-- note --><v>1</v></c>",
        "<c r=\"A1\" ><v >1</v></c>",
        "<c r = \"A1\"><v>1</v></c>",
        "<c r=\"A1\"><v>1</v></c >",
        "<c r=\"A1\" r=\"B1\"><v>1</v></c>",
        "<c r=\"A1\"><f>1 & 2</f><v>1</v></c>",
        "<c r=\"A1\"><v/></c>",
        "<x:c r=\"A1\"><v>1</v></x:c>",
        "text<c r=\"A1\"><v>1</v></c>",
        "<c r=\"A1\"><f><![CDATA[1]]></f><v>1</v></c>",
    ] {
        let bytes = xlsx_with_sheet_data(&format!("<row r=\"1\">{unusual}</row>"));
        assert!(why_not_scanned(&bytes).is_some(), "{unusual} was scanned");
        same_from_both_readers(&bytes);
    }
    // Shared strings: the plain items are scanned; rich text, entities and phonetic runs are walked.
    let sst = |items: &str| format!("{XML_HEAD}<sst {MAIN_NS} count=\"2\" uniqueCount=\"2\">{items}</sst>");
    let sheet = format!(
        "{XML_HEAD}<worksheet {MAIN_NS}><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>\
         <c r=\"B1\" t=\"s\"><v>1</v></c></row></sheetData></worksheet>"
    );
    let with_strings = |items: &str| {
        xlsx_with_parts(&[("xl/worksheets/sheet1.xml", sheet.clone()), ("xl/sharedStrings.xml", sst(items))])
    };
    // As LibreOffice writes a text mixing Chinese and Latin letters: a run per font.
    let plain = with_strings(
        "<si><t> a </t></si>\n<si><r><rPr><sz val=\"10\"/><rFont val=\"DejaVu Sans\"/><b/></rPr>\
         <t xml:space=\"preserve\">企业 </t></r><r><t> ID </t></r></si>",
    );
    assert_eq!(why_not_scanned(&plain), None);
    assert!(same_from_both_readers(&plain));
    assert_eq!(cells(&plain), [vec![Cell::Text("a".into()), Cell::Text("企业 ID".into())]]);
    for (items, fast) in [
        ("<si><t>a&amp;b</t></si><si><t>c</t></si>", true),
        ("<si><r><rPr><t>a</t></rPr><t>a</t></r></si><si><t>c</t></si>", true),
        ("<si><r><t>a</t><t>b</t></r></si><si><t>c</t></si>", true),
        ("<si><t>a</t><rPh sb=\"0\" eb=\"1\"><t>ふ</t></rPh></si><si><t>c</t></si>", true),
        // calamine's own escape: left to it.
        ("<si><t>_x000D_</t></si><si><t>c</t></si>", false),
    ] {
        let bytes = with_strings(items);
        assert!(why_not_scanned(&bytes).is_some(), "{items} was scanned");
        assert_eq!(same_from_both_readers(&bytes), fast, "{items}");
    }
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
