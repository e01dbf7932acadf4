//! A table written out for people to keep or open in Excel: `.xlsx` (text cells, a bold frozen
//! header row, columns wide enough) or `.csv` (UTF-8 with a BOM, so Excel on a Chinese Windows
//! reads it as UTF-8; RFC 4180 quoting).
//!
//! Every cell is text a person typed somewhere (a comment, a file name). In the CSV a cell that
//! starts like a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'`, so opening the file
//! never runs it; the `.xlsx` writes strings as strings, which Excel never evaluates.

use super::template::{TemplateError, header_format};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

/// The `.xlsx` of one sheet named `sheet`: `headers`, then `rows` (each as long as `headers`).
pub fn table_xlsx(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, TemplateError> {
    let mut workbook = Workbook::new();
    // A fixed creation date keeps the same table byte-for-byte the same file.
    let created = ExcelDateTime::from_ymd(2022, 5, 16)?;
    workbook.set_properties(&DocProperties::new().set_title(sheet).set_creation_datetime(&created));
    let text = Format::new().set_num_format("@");
    let header = header_format();
    let ws = workbook.add_worksheet();
    ws.set_name(sheet)?;
    for (col, h) in headers.iter().enumerate() {
        let col = u16::try_from(col).map_err(|_| TemplateError("too many columns".into()))?;
        let widest = rows.iter().filter_map(|r| r.get(usize::from(col))).map(|c| display_width(c)).max().unwrap_or(0);
        let width = display_width(h).max(widest).clamp(8, 60);
        ws.set_column_width(col, width as f64 + 2.0)?;
        ws.write_string_with_format(0, col, *h, &header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| TemplateError("too many rows".into()))?;
        for (col, cell) in r.iter().enumerate() {
            let col = u16::try_from(col).map_err(|_| TemplateError("too many columns".into()))?;
            ws.write_string_with_format(row, col, cell.as_str(), &text)?;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// The `.csv` of `headers` and `rows`: UTF-8 with a BOM, CRLF line ends, every cell quoted when it
/// must be, and formula-like cells made inert.
pub fn table_csv(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let fields: Vec<String> = cells.map(csv_field).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    };
    line(&mut headers.iter().copied());
    for r in rows {
        line(&mut r.iter().map(String::as_str));
    }
    out
}

fn csv_field(cell: &str) -> String {
    let inert = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_owned() };
    if inert.contains([',', '"', '\n', '\r']) { format!("\"{}\"", inert.replace('"', "\"\"")) } else { inert }
}

/// Roughly how many Latin characters wide `s` shows (a CJK character is two).
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sheet::Cell;

    #[test]
    fn csv_quotes_what_it_must_and_defuses_formulas() {
        let rows = vec![
            vec!["2026-12-05 21:00".into(), "审批人, 一级".into(), "说\"不\"".into()],
            vec!["=HYPERLINK(\"http://x\")".into(), "-1".into(), "两行\n文字".into()],
        ];
        let csv = table_csv(&["时间", "操作人", "意见"], &rows);
        assert_eq!(
            csv,
            "\u{feff}时间,操作人,意见\r\n2026-12-05 21:00,\"审批人, 一级\",\"说\"\"不\"\"\"\r\n\"'=HYPERLINK(\"\"http://x\"\")\",'-1,\"两行\n文字\"\r\n"
        );
    }

    #[test]
    fn xlsx_reads_back_with_the_shared_reader() {
        let rows = vec![vec!["2026-12-05 21:00".to_owned(), "=1+1".to_owned()]];
        let bytes = table_xlsx("时间线", &["时间", "意见"], &rows).unwrap();
        let wb = crate::domain::sheet::read_workbook(&bytes).unwrap();
        let sheet = &wb.sheets[0];
        assert_eq!(sheet.name, "时间线");
        let cells: Vec<Vec<Cell>> = sheet.rows.iter().map(|r| r.cells.clone()).collect();
        let t = |s: &str| Cell::Text(s.to_owned());
        assert_eq!(cells, [vec![t("时间"), t("意见")], vec![t("2026-12-05 21:00"), t("=1+1")]]);
    }
}
