//! Reading one cell the way a person filled it in, for every sheet that is checked row by row
//! (the userid sheet and the product-line import): where a cell's problem points, the cell as
//! shown, whole numbers, dates, a product kind by one of its names, and the problems any cell can
//! have (a formula error, spaces around the value).

use super::columns::{Header, normalizes_to_one_of};
use super::read::{Cell, EMPTY, Row, excel_serial_to_date};
use crate::domain::ids::trim_all;
use crate::domain::price_book::AccountKind;
use crate::domain::problem::{Problem, indexed};
use chrono::NaiveDate;

/// The field path of a cell's problem: `sheet.rows[<Excel row number>].<column key>`.
pub fn row_field(row: u32, column: &str) -> String {
    indexed("sheet.rows", row as usize, column)
}

/// The cell of the column at `index` of the header's specs; empty when the sheet lacks that column.
pub fn column_cell<'r>(header: &Header, row: &'r Row, index: usize) -> &'r Cell {
    header.column(index).map_or(&EMPTY, |c| row.cell(c))
}

/// The cell as a person sees it: text trimmed, a number, logical value or date written out, a
/// formula error as its code (`#N/A`), nothing for an empty cell.
pub fn shown(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => trim_all(t).to_owned(),
        Cell::Number(n) => n.to_string(),
        Cell::Int(i) => i.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Date(d) => d.to_string(),
        Cell::Error(e) => e.clone(),
        Cell::Empty => String::new(),
    }
}

/// Whether a number is whole and below 10^15 in size: past that a spreadsheet has already lost
/// digits of what was typed.
fn is_whole(value: f64) -> bool {
    value.is_finite() && value.fract() == 0.0 && value.abs() < 1e15
}

/// Formats a number cell as the digits a person typed: `13800138000`, never `1.38e10` or
/// `13800138000.0`.
pub fn integral_number_text(value: f64) -> Option<String> {
    if is_whole(value) { Some(format!("{value:.0}")) } else { None }
}

/// A whole number from a cell: `10`, `10.00` (how the order form shows quantities), `1,000`.
/// `None`: empty; `Err`: not a whole number of 0 or more.
pub fn whole_number(cell: &Cell) -> Option<Result<u64, ()>> {
    let value = match cell {
        Cell::Empty => return None,
        Cell::Int(i) => return Some(u64::try_from(*i).map_err(|_| ())),
        Cell::Number(n) => *n,
        Cell::Text(t) => {
            let t: String = trim_all(t).chars().filter(|c| !matches!(c, ',' | '，')).collect();
            if t.is_empty() {
                return None;
            }
            if !t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                return Some(Err(()));
            }
            match t.parse::<f64>() {
                Ok(v) => v,
                Err(_) => return Some(Err(())),
            }
        }
        _ => return Some(Err(())),
    };
    if value >= 0.0 && is_whole(value) { Some(Ok(value as u64)) } else { Some(Err(())) }
}

/// A date from a date cell, an Excel serial number, or text `YYYY-MM-DD`, `YYYY/MM/DD`,
/// `YYYY.MM.DD`, `YYYY年M月D日`, `YYYYMMDD` (a time after the date is ignored).
/// `None`: empty; `Err`: not a date.
pub fn parse_date(cell: &Cell) -> Option<Result<NaiveDate, ()>> {
    match cell {
        Cell::Empty => None,
        Cell::Date(d) => Some(Ok(*d)),
        Cell::Number(n) => Some(excel_serial_to_date(*n).ok_or(())),
        Cell::Int(i) => Some(excel_serial_to_date(*i as f64).ok_or(())),
        Cell::Text(t) => {
            let t = trim_all(t);
            if t.is_empty() {
                return None;
            }
            Some(parse_date_text(t).ok_or(()))
        }
        _ => Some(Err(())),
    }
}

fn parse_date_text(t: &str) -> Option<NaiveDate> {
    let date_part = t.split([' ', 'T']).next().unwrap_or(t);
    if date_part.len() == 8 && date_part.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(date_part, "%Y%m%d").ok();
    }
    if (1..=6).contains(&date_part.len()) && date_part.bytes().all(|b| b.is_ascii_digit()) {
        return excel_serial_to_date(date_part.parse::<f64>().ok()?);
    }
    let unified: String = date_part
        .trim_end_matches('日')
        .chars()
        .map(|c| if matches!(c, '/' | '.' | '年' | '月') { '-' } else { c })
        .collect();
    NaiveDate::parse_from_str(&unified, "%Y-%m-%d").ok()
}

/// The names a sheet may give each kind of account (基础 / 互通), normalised as by [`normalize`].
#[derive(Clone, Copy, Debug)]
pub struct KindNames {
    pub basic: &'static [&'static str],
    pub interop: &'static [&'static str],
}

impl KindNames {
    /// The kind `text` names, if any (compared after normalising, without building the
    /// normalised text: this runs on every row of a sheet).
    pub fn kind_of(&self, text: &str) -> Option<AccountKind> {
        // Most cells hold a name exactly as listed (names are listed normalised): no folding.
        let exact = trim_all(text);
        if self.basic.contains(&exact) {
            return Some(AccountKind::Basic);
        }
        if self.interop.contains(&exact) {
            return Some(AccountKind::Interop);
        }
        if normalizes_to_one_of(text, self.basic) {
            Some(AccountKind::Basic)
        } else if normalizes_to_one_of(text, self.interop) {
            Some(AccountKind::Interop)
        } else {
            None
        }
    }
}

/// A cell holding a formula error such as `#N/A`, named by its column's label.
pub fn formula_error(field: String, row: u32, label: &str, e: &str) -> Problem {
    Problem::error(
        field,
        "cell_formula_error",
        format!("第{row}行的{label}单元格是公式错误 {e}，请填写实际内容"),
        format!("Row {row}: the {label} cell holds the formula error {e}; enter the actual value"),
    )
}

/// The warning that spaces (perhaps full-width ones) around a value were removed.
pub fn trimmed_warning(row: u32, column: &str, label: &str, value: &str, full_width: bool) -> Problem {
    let (zh_kind, en_kind) =
        if full_width { ("（含全角空格）", " (including full-width spaces)") } else { ("", "") };
    Problem::warning(
        row_field(row, column),
        "cell_trimmed",
        format!("第{row}行的{label}前后有空格{zh_kind}，已自动去除：{value}"),
        format!("Row {row}: spaces{en_kind} around the {label} were removed: {value}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sheet::columns::normalize;

    /// `KindNames::kind_of` takes a cell equal to a listed name without normalising it: that is
    /// only the same answer while every name is listed in its normalised form.
    #[test]
    fn kind_names_are_listed_normalised_and_found_either_way() {
        for names in [crate::domain::sheet::userids::TYPE_NAMES, super::super::lines_import::PRODUCT_NAMES] {
            for n in names.basic.iter().chain(names.interop) {
                assert_eq!(normalize(n), *n, "{n} is not listed normalised");
            }
            assert_eq!(names.kind_of("互通"), Some(AccountKind::Interop));
            assert_eq!(names.kind_of(" 互通 账号（试用）"), Some(AccountKind::Interop));
            assert_eq!(names.kind_of("ＢＡＳＩＣ"), Some(AccountKind::Basic));
            assert_eq!(names.kind_of("基础 "), Some(AccountKind::Basic));
            assert_eq!(names.kind_of("互通基础"), None);
        }
    }
}
