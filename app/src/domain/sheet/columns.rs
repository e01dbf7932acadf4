//! Finding columns by their header, in Chinese or English, wherever the header row is among the
//! first rows of a sheet.
//!
//! Headers are compared after normalising: text in brackets is dropped (`UserID（必填）`),
//! full-width letters become ASCII, case is folded, and everything but letters, digits and
//! Chinese characters is removed, so `User ID`, `user_id`, `USERID` and `＊UserID` all read as
//! `userid`.

use super::limits;
use super::read::{Cell, Workbook};
use crate::domain::problem::Problem;

/// A column to look for.
#[derive(Clone, Copy, Debug)]
pub struct ColumnSpec {
    /// Name of the column in problem field paths, e.g. `userid` in `sheet.rows[5].userid`.
    pub key: &'static str,
    /// How the template and messages name it.
    pub zh: &'static str,
    pub en: &'static str,
    /// Other accepted headers, as people write them (normalised before comparing).
    pub aliases: &'static [&'static str],
    pub required: bool,
}

/// Where a header was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Index of the sheet in [`Workbook::sheets`].
    pub sheet: usize,
    /// Index of the header row in that sheet's rows.
    pub row_index: usize,
    /// Excel row number of the header.
    pub row_number: u32,
    /// The column (0 = A) of each spec, in the order given; `None` when absent.
    pub columns: Vec<Option<usize>>,
}

impl Header {
    /// Column of the spec at `index`.
    pub fn column(&self, index: usize) -> Option<usize> {
        self.columns.get(index).copied().flatten()
    }
}

/// Normalises a header or a coded value (such as 基础 / 互通) for comparison.
pub fn normalize(text: &str) -> String {
    normalized_chars(text).collect()
}

/// Whether `text` normalises to one of `names` (already normalised), without building the
/// normalised text: this runs on a cell of every row of a 100,000-row sheet.
pub fn normalizes_to_one_of<N: AsRef<str>>(text: &str, names: &[N]) -> bool {
    // The first character rules out almost every name (a userid starts with a digit or a letter
    // no column name does), so most rows stop after normalising one character.
    let first = normalized_chars(text).next();
    names.iter().any(|n| {
        let mut name = n.as_ref().chars();
        name.next() == first && (first.is_none() || name.eq(normalized_chars(text).skip(1)))
    })
}

/// The characters of [`normalize`]: full-width ASCII folded to ASCII, bracketed parts dropped,
/// letters and digits only, lower case.
pub(crate) fn normalized_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    let fold = |c: char| match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    };
    let mut depth = 0usize;
    text.chars()
        .map(fold)
        .filter(move |&c| match c {
            '(' | '[' | '【' | '〔' => {
                depth += 1;
                false
            }
            ')' | ']' | '】' | '〕' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ if depth > 0 => false,
            c => c.is_alphanumeric(),
        })
        .flat_map(char::to_lowercase)
}

/// The normalised names a column goes by: its Chinese and English names and its aliases.
pub fn normalized_names(spec: &ColumnSpec) -> Vec<String> {
    let mut names: Vec<String> =
        [spec.zh, spec.en].into_iter().chain(spec.aliases.iter().copied()).map(normalize).collect();
    names.retain(|n| !n.is_empty());
    names.sort_unstable();
    names.dedup();
    names
}

/// Whether `text` names the column `spec` (after normalising).
pub fn matches(spec: &ColumnSpec, text: &str) -> bool {
    normalized_names(spec).contains(&normalize(text))
}

fn cell_text(cell: &Cell) -> Option<&str> {
    match cell {
        Cell::Text(t) => Some(t),
        _ => None,
    }
}

/// Finds the first visible sheet whose first [`limits::HEADER_SEARCH_ROWS`] non-blank rows include
/// one naming every required column. `Err` holds the whole-file problem to show: the sheet is
/// empty, or no header was recognised (the message lists the headers expected).
pub fn find_header(workbook: &Workbook, specs: &[ColumnSpec]) -> Result<Header, Problem> {
    let names: Vec<Vec<String>> = specs.iter().map(normalized_names).collect();
    for (sheet_index, sheet) in workbook.sheets.iter().enumerate() {
        let candidates = sheet.rows.iter().enumerate().filter(|(_, r)| !r.is_blank()).take(limits::HEADER_SEARCH_ROWS);
        for (row_index, row) in candidates {
            let texts: Vec<Option<String>> = row.cells.iter().map(|c| cell_text(c).map(normalize)).collect();
            let columns: Vec<Option<usize>> = names
                .iter()
                .map(|names| texts.iter().position(|t| t.as_ref().is_some_and(|t| names.contains(t))))
                .collect();
            let complete = specs.iter().zip(&columns).all(|(s, c)| !s.required || c.is_some());
            if complete && columns.iter().any(Option::is_some) {
                return Ok(Header { sheet: sheet_index, row_index, row_number: row.number, columns });
            }
        }
    }
    if workbook.sheets.iter().all(|s| s.rows.iter().all(|r| r.is_blank())) {
        return Err(Problem::error("sheet", "sheet_empty", "表格是空的，没有任何内容", "The sheet is empty"));
    }
    Err(no_header(specs))
}

/// The problem listing the headers a sheet should have.
pub fn no_header(specs: &[ColumnSpec]) -> Problem {
    let describe = |s: &ColumnSpec, zh: bool| {
        let alts: Vec<&str> = s.aliases.iter().take(3).copied().collect();
        match (zh, alts.is_empty()) {
            (true, false) => format!("{}（或 {}）", s.zh, alts.join("、")),
            (false, false) => format!("{} (or {})", s.en, alts.join(", ")),
            (true, true) => s.zh.to_owned(),
            (false, true) => s.en.to_owned(),
        }
    };
    let list = |required: bool, zh: bool| -> String {
        let parts: Vec<String> = specs.iter().filter(|s| s.required == required).map(|s| describe(s, zh)).collect();
        parts.join(if zh { "；" } else { "; " })
    };
    let (req_zh, req_en, opt_zh, opt_en) = (list(true, true), list(true, false), list(false, true), list(false, false));
    let optional_zh = if opt_zh.is_empty() { String::new() } else { format!("；可选列：{opt_zh}") };
    let optional_en = if opt_en.is_empty() { String::new() } else { format!("; optional: {opt_en}") };
    Problem::error(
        "sheet",
        "sheet_no_header",
        format!(
            "没有找到表头。请在前{}行中放一行表头，必须包含：{req_zh}{optional_zh}。可下载模板对照填写",
            limits::HEADER_SEARCH_ROWS
        ),
        format!(
            "No header row was found. Put a header row within the first {} rows with: {req_en}{optional_en}. \
             The template shows the layout",
            limits::HEADER_SEARCH_ROWS
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::super::read::{Row, Sheet, SheetFormat};
    use super::*;

    const SPECS: [ColumnSpec; 2] = [
        ColumnSpec {
            key: "corp_id", zh: "企业ID", en: "Corp ID", aliases: &["企业微信ID", "CorpID"], required: false
        },
        ColumnSpec {
            key: "userid",
            zh: "UserID",
            en: "UserID",
            aliases: &["企业微信通讯录账号", "账号"],
            required: true,
        },
    ];

    fn wb(rows: Vec<Vec<&str>>) -> Workbook {
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, cells)| Row {
                number: i as u32 + 1,
                cells: cells
                    .into_iter()
                    .map(|t| if t.is_empty() { Cell::Empty } else { Cell::Text(t.into()) })
                    .collect(),
            })
            .collect();
        Workbook { format: SheetFormat::Csv, text_encoding: None, sheets: vec![Sheet { name: "S".into(), rows }] }
    }

    #[test]
    fn normalize_folds_case_width_spaces_and_brackets() {
        assert_eq!(normalize(" User ID "), "userid");
        assert_eq!(normalize("user_id"), "userid");
        assert_eq!(normalize("ＵｓｅｒＩＤ"), "userid");
        assert_eq!(normalize("*企业 ID（必填）"), "企业id");
        assert_eq!(normalize("UserID【企业微信通讯录账号】"), "userid");
        assert_eq!(normalize("企业\u{3000}微信ID"), "企业微信id");
    }

    #[test]
    fn header_is_found_below_a_title_and_in_any_language() {
        let h = find_header(
            &wb(vec![vec!["企业微信接口人员名单"], vec![], vec!["", "企业微信ID", "企业微信通讯录账号"]]),
            &SPECS,
        )
        .unwrap();
        assert_eq!((h.row_number, h.columns.clone()), (3, vec![Some(1), Some(2)]));
        let h = find_header(&wb(vec![vec!["user id", "corp id"]]), &SPECS).unwrap();
        assert_eq!(h.columns, vec![Some(1), Some(0)]);
    }

    #[test]
    fn optional_columns_may_be_absent_but_required_may_not() {
        let h = find_header(&wb(vec![vec!["账号"], vec!["zhangsan"]]), &SPECS).unwrap();
        assert_eq!(h.columns, vec![None, Some(0)]);
        let p = find_header(&wb(vec![vec!["企业ID", "姓名"], vec!["ww69c04360d53da8b7", "张三"]]), &SPECS).unwrap_err();
        assert_eq!((p.field.as_str(), p.code.as_str()), ("sheet", "sheet_no_header"));
        assert!(p.zh.contains("必须包含：UserID（或 企业微信通讯录账号、账号）"), "{}", p.zh);
        assert!(p.zh.contains("可选列：企业ID（或 企业微信ID、CorpID）"), "{}", p.zh);
        assert!(p.en.contains("within the first 10 rows"), "{}", p.en);
    }

    #[test]
    fn header_beyond_the_search_window_is_not_found() {
        let mut rows: Vec<Vec<&str>> = (0..limits::HEADER_SEARCH_ROWS).map(|_| vec!["note"]).collect();
        rows.push(vec!["UserID"]);
        assert_eq!(find_header(&wb(rows), &SPECS).unwrap_err().code, "sheet_no_header");
    }

    #[test]
    fn empty_workbook_is_reported_as_empty() {
        assert_eq!(find_header(&wb(vec![vec![" ", "\u{3000}"]]), &SPECS).unwrap_err().code, "sheet_empty");
        assert_eq!(find_header(&wb(vec![]), &SPECS).unwrap_err().code, "sheet_empty");
    }

    proptest::proptest! {
        /// The early stop on the first character answers as comparing the whole normalised text.
        #[test]
        fn normalizes_to_one_of_is_a_comparison_of_the_normalised_text(
            text in "[ 0-9a-zA-Z()（）【】\u{3000}ＵｓＩ企业账号]{0,8}",
            names in proptest::collection::vec("[0-9a-z企业账号]{0,4}", 0..4),
        ) {
            let mut names = names;
            names.push("userid".into());
            proptest::prop_assert_eq!(normalizes_to_one_of(&text, &names), names.contains(&normalize(&text)));
        }
    }
}
