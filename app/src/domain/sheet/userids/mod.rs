//! Checking the corp ID / userid sheet (企业 ID 及 userid 示例表) row by row.
//!
//! Rules (PRODUCT.md §4 and §3 rule 5), and the choices made where they are silent:
//!
//! - Columns: UserID is required; 企业ID and 类型 are optional.
//! - Row numbers are Excel's. Problems name the field `sheet.rows[<row>].<column>`; whole-file
//!   problems name `sheet` (or `sheet.corp_id` for the corp ID as a whole).
//! - Blank and whitespace-only rows are skipped and counted (`blank_rows`). A row with content
//!   only in other columns (a name, a note), or repeating the header, is skipped with a warning.
//! - A number cell is read as the digits typed (`13800138000`); a number with decimals, of more
//!   than 15 digits (Excel has already lost digits), a date, or `1.38E+10` text is an error that
//!   says how to fix the column.
//! - Corp ID: one per sheet. The sheet's corp ID is the one most rows carry; a row with another
//!   one is an error, and so is a row with a userid but no corp ID when other rows have one — a
//!   row inherits nothing. When the sheet has no corp ID at all (no column, or the column is
//!   empty), the form's corp ID is used with a warning; without one either, that is an error.
//!   A sheet corp ID different from the form's is an error.
//! - Type: 基础 / 互通 (and 基础账号, 基础接口, basic, …). An empty type, or no type column, leaves
//!   the kind unspecified: those userids are counted as `unspecified`, and the contract's
//!   product lines decide what they are bought as.
//! - Duplicates ignore case and name both rows. The same userid as 基础 on one row and 互通 on
//!   another is not a duplicate but a warning: interop includes basic, so the basic account is
//!   redundant. Its saving is priced with the quote engine: the basic accounts of the sheet are
//!   positions `existing + 1 ..= existing + basic`, dropping the redundant ones removes the top
//!   positions, and the total saving is `price(basic) − price(basic − redundant)` for the
//!   purchase term. Each row's warning quotes one account at the marginal (top) position.

use super::columns::{ColumnSpec, Header, find_header};
use super::limits;
use super::read::{Cell, ReadError, Row, SheetFormat, Workbook, group_digits, read_workbook_inner};
use crate::domain::ids::{CorpId, UserId, trim_all};
use crate::domain::money::Money;
use crate::domain::price_book::{AccountKind, PriceBook};
use crate::domain::problem::{Problem, Severity, indexed};
use crate::domain::quote::{OrderType, QuoteLineRequest};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The columns of the userid sheet, in the order of [`Header::columns`].
pub const USERID_COLUMNS: [ColumnSpec; 3] = [
    ColumnSpec {
        key: "corp_id",
        zh: "企业ID",
        en: "Corp ID",
        aliases: &["企业微信ID", "CorpID", "企业微信企业ID", "企业号ID", "企业微信CorpID"],
        required: false,
    },
    ColumnSpec {
        key: "userid",
        zh: "UserID",
        en: "UserID",
        aliases: &[
            "企业微信通讯录账号",
            "账号",
            "通讯录账号",
            "企业微信账号",
            "企业微信UserID",
            "成员账号",
            "成员UserID",
            "帐号",
            "企业微信通讯录帐号",
            "通讯录帐号",
            "企业微信帐号",
            "用户ID",
        ],
        required: true,
    },
    ColumnSpec {
        key: "kind",
        zh: "类型",
        en: "Type",
        aliases: &["账号类型", "帐号类型", "接口类型", "许可类型", "许可账号类型", "Kind", "Account Type"],
        required: false,
    },
];

const COL_CORP: usize = 0;
const COL_USER: usize = 1;
const COL_KIND: usize = 2;

/// Most problems listed; the counts in the summary stay exact.
pub const MAX_LISTED_PROBLEMS: usize = 1_000;

/// How to price the saving of a redundant basic account.
#[derive(Clone, Copy, Debug)]
pub struct SavingBasis<'a> {
    pub price_book: &'a PriceBook,
    /// Purchase term in months.
    pub months: u32,
    /// Basic accounts the enterprise already has active (0 for a renewal).
    pub existing_basic: u32,
}

/// What the check needs besides the file.
#[derive(Clone, Copy, Debug, Default)]
pub struct UseridSheetOptions<'a> {
    /// The corp ID on the contract form, if filled in.
    pub expected_corp_id: Option<&'a CorpId>,
    /// Prices the saving of basic accounts made redundant by interop ones.
    pub saving: Option<SavingBasis<'a>>,
}

/// One valid userid of the sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetUserid {
    /// Excel row number.
    pub row: u32,
    pub userid: UserId,
    /// `None`: the sheet did not say (no type column, or the cell is empty).
    pub kind: Option<AccountKind>,
}

/// Counts over the sheet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetSummary {
    /// `xlsx`, `xls`, `ods` or `csv`; empty when the file could not be read.
    pub format: String,
    pub sheet_name: String,
    /// Excel row number of the header; 0 when none was found.
    pub header_row: u32,
    /// Non-blank rows below the header.
    pub rows_read: usize,
    /// Blank rows between the header and the last non-blank row, skipped.
    pub blank_rows: usize,
    /// Distinct valid userids (ignoring case), whatever their kind.
    pub userids: usize,
    pub basic: usize,
    pub interop: usize,
    pub unspecified: usize,
    /// Userids listed both as basic and as interop.
    pub overlaps: usize,
    /// What dropping the redundant basic accounts saves, when priced.
    pub overlap_saving: Option<Money>,
    pub errors: usize,
    pub warnings: usize,
}

/// The checked sheet: its corp ID, its valid userids, the counts and every problem found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UseridSheet {
    /// The corp ID every entry belongs to: the sheet's, or the form's when the sheet has none.
    pub corp_id: Option<CorpId>,
    /// Valid rows; a later duplicate is left out, a basic/interop overlap keeps both.
    pub entries: Vec<SheetUserid>,
    pub summary: SheetSummary,
    pub problems: Vec<Problem>,
}

impl UseridSheet {
    pub fn has_errors(&self) -> bool {
        self.summary.errors > 0
    }

    /// What the contract rules need of this sheet (corp ID, userids by kind), counted by the same
    /// function the server uses on the userids it stored from the uploaded sheet.
    pub fn facts(&self) -> crate::domain::contract::SheetFacts {
        use crate::domain::contract::SheetFacts;
        match &self.corp_id {
            Some(corp) => SheetFacts::of_userids(self.entries.iter().map(|e| (corp, e.userid.as_str(), e.kind))),
            None => SheetFacts::default(),
        }
    }

    fn failed(problem: Problem) -> UseridSheet {
        let mut sheet = UseridSheet::default();
        sheet.summary.errors = 1;
        sheet.problems.push(problem);
        sheet
    }
}

/// Reads and checks a userid sheet file. Never fails: a file that cannot be read gives a sheet
/// with no entries and the reason as its problem.
pub fn check_userid_sheet(bytes: &[u8], options: &UseridSheetOptions<'_>) -> UseridSheet {
    match read_workbook_inner(bytes) {
        Ok(wb) => check_userid_workbook(&wb, options),
        Err(e) => UseridSheet::failed(e.into_problem()),
    }
}

/// Checks an already read workbook.
pub fn check_userid_workbook(workbook: &Workbook, options: &UseridSheetOptions<'_>) -> UseridSheet {
    let header = match find_header(workbook, &USERID_COLUMNS) {
        Ok(h) => h,
        Err(p) => return UseridSheet::failed(p),
    };
    Checker::new(workbook, &header, options).run()
}

fn field(row: u32, column: &str) -> String {
    indexed("sheet.rows", row as usize, column)
}

/// A parser's problem placed on a row's cell: its field path set (the parsers are called with
/// none, to avoid formatting a path for every valid row) and its messages prefixed with the row.
fn at_row(mut p: Problem, row: u32, column: &str) -> Problem {
    p.field = field(row, column);
    p.prefixed(&format!("第{row}行："), &format!("Row {row}: "))
}

/// A cell's text for an identifier, or why there is none usable.
enum IdText {
    Blank,
    Text { value: String, trimmed: bool, full_width: bool },
    Bad(Problem),
}

/// Formats a number cell as the digits a person typed: `13800138000`, never `1.38e10` or
/// `13800138000.0`.
pub fn integral_number_text(value: f64) -> Option<String> {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e15 { Some(format!("{value:.0}")) } else { None }
}

/// Whether text looks like a number Excel displayed in scientific notation (`1.38E+10`), which
/// is what a CSV saved from such a column holds. Only the `E+` form is taken: a userid cannot
/// contain `+`, while `1e5` is a valid userid.
fn looks_scientific(t: &str) -> bool {
    let Some((mantissa, exp)) = t.split_once(['E', 'e']) else {
        return false;
    };
    let Some(exp) = exp.strip_prefix('+') else {
        return false;
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && digits(frac) && digits(exp)
}

fn userid_text(cell: &Cell, row: u32) -> IdText {
    let f = field(row, "userid");
    match cell {
        Cell::Empty => IdText::Blank,
        Cell::Text(t) => {
            let value = trim_all(t);
            if value.is_empty() {
                return IdText::Blank;
            }
            if looks_scientific(value) {
                return IdText::Bad(Problem::error(
                    f,
                    "userid_scientific_notation",
                    format!(
                        "第{row}行的 UserID“{value}”是被 Excel 显示成科学计数法的数字，原来的数字已丢失。请把该列设为“文本”格式后重新输入"
                    ),
                    format!(
                        "Row {row}: the UserID \"{value}\" is a number Excel showed in scientific notation; the original \
                         digits are lost. Format the column as text and type it again"
                    ),
                ));
            }
            IdText::Text {
                value: value.to_owned(),
                trimmed: value.len() != t.len(),
                full_width: t.contains('\u{3000}'),
            }
        }
        Cell::Int(i) => IdText::Text { value: i.to_string(), trimmed: false, full_width: false },
        Cell::Number(n) => match integral_number_text(*n) {
            Some(value) => IdText::Text { value, trimmed: false, full_width: false },
            None if n.is_finite() && n.fract() == 0.0 => IdText::Bad(Problem::error(
                f,
                "userid_number_too_long",
                format!("第{row}行的 UserID 是超过15位的数字，Excel 已丢失末尾几位。请把该列设为“文本”格式后重新输入"),
                format!(
                    "Row {row}: the UserID is a number of more than 15 digits, and Excel has lost its last digits. \
                     Format the column as text and type it again"
                ),
            )),
            None => IdText::Bad(Problem::error(
                f,
                "userid_not_integer",
                format!("第{row}行的 UserID 是带小数的数字（{n}），UserID 不能含小数"),
                format!("Row {row}: the UserID is a number with decimals ({n}); a UserID has none"),
            )),
        },
        Cell::Date(d) => IdText::Bad(Problem::error(
            f,
            "userid_is_date",
            format!("第{row}行的 UserID 被 Excel 识别成了日期（{d}）。请把该列设为“文本”格式后重新输入"),
            format!(
                "Row {row}: Excel turned the UserID into a date ({d}). Format the column as text and type it again"
            ),
        )),
        Cell::Bool(b) => IdText::Bad(Problem::error(
            f,
            "userid_not_text",
            format!("第{row}行的 UserID 是逻辑值 {}，不是账号", if *b { "TRUE" } else { "FALSE" }),
            format!("Row {row}: the UserID is the logical value {}, not an account", if *b { "TRUE" } else { "FALSE" }),
        )),
        Cell::Error(e) => IdText::Bad(cell_error(field(row, "userid"), row, "UserID", e)),
    }
}

fn cell_error(field: String, row: u32, label: &str, e: &str) -> Problem {
    Problem::error(
        field,
        "cell_formula_error",
        format!("第{row}行的{label}单元格是公式错误 {e}，请填写实际内容"),
        format!("Row {row}: the {label} cell holds the formula error {e}; enter the actual value"),
    )
}

fn corp_text(cell: &Cell, row: u32) -> IdText {
    match cell {
        Cell::Empty => IdText::Blank,
        Cell::Text(t) => {
            let value = trim_all(t);
            if value.is_empty() {
                IdText::Blank
            } else {
                IdText::Text {
                    value: value.to_owned(),
                    trimmed: value.len() != t.len(),
                    full_width: t.contains('\u{3000}'),
                }
            }
        }
        Cell::Error(e) => IdText::Bad(cell_error(field(row, "corp_id"), row, "企业ID", e)),
        Cell::Int(i) => IdText::Text { value: i.to_string(), trimmed: false, full_width: false },
        Cell::Number(n) => IdText::Text { value: n.to_string(), trimmed: false, full_width: false },
        Cell::Bool(b) => IdText::Text { value: b.to_string(), trimmed: false, full_width: false },
        Cell::Date(d) => IdText::Text { value: d.to_string(), trimmed: false, full_width: false },
    }
}

/// Reads a 基础 / 互通 value. `Ok(None)`: empty.
pub fn parse_kind(cell: &Cell) -> Result<Option<AccountKind>, String> {
    let text = match cell {
        Cell::Empty => return Ok(None),
        Cell::Text(t) => t.as_str(),
        other => return Err(format!("{other:?}")),
    };
    let n = super::columns::normalize(text);
    if n.is_empty() {
        return Ok(None);
    }
    const BASIC: [&str; 8] =
        ["基础", "基础账号", "基础帐号", "基础接口", "企业微信基础接口", "基础版", "basic", "base"];
    const INTEROP: [&str; 7] =
        ["互通", "互通账号", "互通帐号", "互通接口", "企业微信互通接口", "interop", "interoperability"];
    if BASIC.contains(&n.as_str()) {
        Ok(Some(AccountKind::Basic))
    } else if INTEROP.contains(&n.as_str()) {
        Ok(Some(AccountKind::Interop))
    } else {
        Err(trim_all(text).to_owned())
    }
}

fn trimmed_warning(row: u32, column: &str, label: &str, value: &str, full_width: bool) -> Problem {
    let (zh_kind, en_kind) =
        if full_width { ("（含全角空格）", " (including full-width spaces)") } else { ("", "") };
    Problem::warning(
        field(row, column),
        "cell_trimmed",
        format!("第{row}行的{label}前后有空格{zh_kind}，已自动去除：{value}"),
        format!("Row {row}: spaces{en_kind} around the {label} were removed: {value}"),
    )
}

/// A row's corp ID cell, classified.
enum RowCorp {
    Blank,
    Valid(CorpId),
    Invalid,
}

/// A row that passed its own checks, before the checks across rows.
struct Candidate {
    row: u32,
    corp: RowCorp,
    userid: UserId,
    kind: Option<AccountKind>,
}

struct Checker<'a> {
    rows: &'a [Row],
    header: &'a Header,
    format: SheetFormat,
    sheet_name: &'a str,
    options: &'a UseridSheetOptions<'a>,
    problems: Vec<Problem>,
    /// Whether any data row has something in its corp ID cell, valid or not.
    any_corp_cell: bool,
    /// What a repeated header row would hold in the userid column.
    userid_header_names: Vec<String>,
}

impl<'a> Checker<'a> {
    fn new(workbook: &'a Workbook, header: &'a Header, options: &'a UseridSheetOptions<'a>) -> Self {
        let sheet = &workbook.sheets[header.sheet];
        Checker {
            rows: &sheet.rows[header.row_index + 1..],
            header,
            format: workbook.format,
            sheet_name: &sheet.name,
            options,
            problems: Vec::new(),
            any_corp_cell: false,
            userid_header_names: super::columns::normalized_names(&USERID_COLUMNS[COL_USER]),
        }
    }

    fn run(mut self) -> UseridSheet {
        let mut summary = SheetSummary {
            format: self.format.extension().to_owned(),
            sheet_name: self.sheet_name.to_owned(),
            header_row: self.header.row_number,
            ..SheetSummary::default()
        };
        let data: Vec<&Row> = self.rows.iter().filter(|r| !r.is_blank()).collect();
        summary.rows_read = data.len();
        if let Some(last) = data.last() {
            summary.blank_rows =
                (last.number.saturating_sub(self.header.row_number) as usize).saturating_sub(data.len());
        }
        if data.len() > limits::MAX_DATA_ROWS {
            return UseridSheet::failed(ReadError::TooManyRows.into_problem());
        }
        let mut candidates: Vec<Candidate> = data.iter().filter_map(|r| self.check_row(r)).collect();
        let corp_id = self.check_corp_ids(&mut candidates);
        let entries = self.check_across_rows(candidates);
        if entries.is_empty() && !self.problems.iter().any(Problem::is_error) {
            self.problems.push(Problem::error(
                "sheet",
                "sheet_no_data",
                format!("表头（第{}行）下面没有 UserID", self.header.row_number),
                format!("There are no UserIDs below the header (row {})", self.header.row_number),
            ));
        }
        for e in &entries {
            match e.kind {
                Some(AccountKind::Basic) => summary.basic += 1,
                Some(AccountKind::Interop) => summary.interop += 1,
                None => summary.unspecified += 1,
            }
        }
        let mut keys: Vec<String> = entries.iter().map(|e| e.userid.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        summary.userids = keys.len();
        summary.overlaps = self.problems.iter().filter(|p| p.code == "userid_basic_and_interop").count();
        summary.overlap_saving = self.price_overlaps(&mut summary);
        summary.errors = self.problems.iter().filter(|p| p.severity == Severity::Error).count();
        summary.warnings = self.problems.len() - summary.errors;
        let mut problems = self.problems;
        if problems.len() > MAX_LISTED_PROBLEMS {
            let more = problems.len() - MAX_LISTED_PROBLEMS;
            problems.truncate(MAX_LISTED_PROBLEMS);
            problems.push(Problem::warning(
                "sheet",
                "problems_truncated",
                format!("另有 {} 个问题未列出，请先修正以上问题", group_digits(more)),
                format!("{} more problems are not listed; fix the ones above first", group_digits(more)),
            ));
        }
        UseridSheet { corp_id, entries, summary, problems }
    }

    /// Checks one non-blank row on its own.
    fn check_row(&mut self, row: &Row) -> Option<Candidate> {
        let n = row.number;
        let cell = |i: usize| self.header.column(i).map_or(&super::read::EMPTY, |c| row.cell(c));
        let (corp_cell, user_cell, kind_cell) = (cell(COL_CORP), cell(COL_USER), cell(COL_KIND));
        if corp_cell.is_blank() && user_cell.is_blank() && kind_cell.is_blank() {
            self.problems.push(Problem::warning(
                field(n, ""),
                "row_skipped_no_userid",
                format!("第{n}行没有 UserID，已跳过"),
                format!("Row {n} has no UserID and was skipped"),
            ));
            return None;
        }
        if let Cell::Text(text) = user_cell
            && self.userid_header_names.contains(&super::columns::normalize(text))
        {
            self.problems.push(Problem::warning(
                field(n, ""),
                "row_repeated_header",
                format!("第{n}行是重复的表头，已跳过"),
                format!("Row {n} repeats the header and was skipped"),
            ));
            return None;
        }
        let mut ok = true;
        self.any_corp_cell |= !corp_cell.is_blank();

        let corp = match corp_text(corp_cell, n) {
            IdText::Blank => RowCorp::Blank,
            IdText::Bad(p) => {
                self.problems.push(p);
                ok = false;
                RowCorp::Invalid
            }
            IdText::Text { value, trimmed, full_width } => match CorpId::parse("", &value) {
                Ok(id) => {
                    if trimmed {
                        self.problems.push(trimmed_warning(n, "corp_id", "企业ID", &value, full_width));
                    }
                    RowCorp::Valid(id)
                }
                Err(p) => {
                    self.problems.push(at_row(p, n, "corp_id"));
                    ok = false;
                    RowCorp::Invalid
                }
            },
        };

        let kind = match parse_kind(kind_cell) {
            Ok(k) => k,
            Err(text) => {
                self.problems.push(Problem::error(
                    field(n, "kind"),
                    "row_kind_invalid",
                    format!("第{n}行的类型“{text}”无法识别，请填写“基础”或“互通”（也可留空）"),
                    format!("Row {n}: the type \"{text}\" is not recognised; enter 基础 (basic) or 互通 (interop), or leave it empty"),
                ));
                ok = false;
                None
            }
        };

        let userid = match userid_text(user_cell, n) {
            IdText::Blank => {
                self.problems.push(Problem::error(
                    field(n, "userid"),
                    "row_userid_missing",
                    format!("第{n}行填写了其他内容，但缺少 UserID"),
                    format!("Row {n} has other values but no UserID"),
                ));
                None
            }
            IdText::Bad(p) => {
                self.problems.push(p);
                None
            }
            IdText::Text { value, trimmed, full_width } => match UserId::parse("", &value) {
                Ok(u) => {
                    if trimmed {
                        self.problems.push(trimmed_warning(n, "userid", "UserID", &value, full_width));
                    }
                    Some(u)
                }
                Err(p) => {
                    self.problems.push(at_row(p, n, "userid"));
                    None
                }
            },
        };
        match userid {
            Some(userid) if ok => Some(Candidate { row: n, corp, userid, kind }),
            _ => None,
        }
    }

    /// Decides the sheet's corp ID and flags rows that disagree with it.
    /// Rows flagged here are marked invalid, so they are not kept as entries.
    fn check_corp_ids(&mut self, candidates: &mut [Candidate]) -> Option<CorpId> {
        let mut counts: Vec<(CorpId, usize, u32)> = Vec::new();
        for c in candidates.iter() {
            if let RowCorp::Valid(id) = &c.corp {
                match counts.iter_mut().find(|(k, _, _)| k == id) {
                    Some(entry) => entry.1 += 1,
                    None => counts.push((id.clone(), 1, c.row)),
                }
            }
        }
        let expected = self.options.expected_corp_id;
        if !self.any_corp_cell {
            return match expected {
                Some(id) => {
                    self.problems.push(Problem::warning(
                        "sheet.corp_id",
                        "sheet_corp_id_from_form",
                        format!("表格中没有填写企业ID，已按表单中的企业ID {id} 处理"),
                        format!("The sheet has no corp ID; the form's corp ID {id} is used"),
                    ));
                    Some(id.clone())
                }
                None => {
                    if !candidates.is_empty() {
                        self.problems.push(Problem::error(
                            "sheet.corp_id",
                            "sheet_corp_id_missing",
                            "表格中没有企业ID：请在表格中增加“企业ID”列，或先在表单中填写企业微信ID",
                            "The sheet has no corp ID: add a 企业ID (corp ID) column, or fill in the corp ID on the form first",
                        ));
                    }
                    None
                }
            };
        }
        // The first corp ID among those used by the most rows.
        let (reference, _, first_row) = counts.iter().fold(None::<&(CorpId, usize, u32)>, |best, c| match best {
            Some(b) if b.1 >= c.1 => Some(b),
            _ => Some(c),
        })?;
        let (reference, first_row) = (reference.clone(), *first_row);
        for c in candidates.iter_mut() {
            let n = c.row;
            let problem = match &c.corp {
                RowCorp::Blank => Problem::error(
                    field(n, "corp_id"),
                    "row_corp_id_missing",
                    format!("第{n}行缺少企业ID（其他行为 {reference}），每一行都需要填写"),
                    format!("Row {n} has no corp ID (other rows have {reference}); every row needs one"),
                ),
                RowCorp::Valid(id) if *id != reference => Problem::error(
                    field(n, "corp_id"),
                    "row_corp_id_mixed",
                    format!(
                        "第{n}行的企业ID {id} 与本表其他行（如第{first_row}行 {reference}）不一致，一张表只能有一个企业"
                    ),
                    format!(
                        "Row {n}: the corp ID {id} differs from the rest of the sheet (e.g. row {first_row}: {reference}); \
                         a sheet is for one enterprise"
                    ),
                ),
                _ => continue,
            };
            self.problems.push(problem);
            c.corp = RowCorp::Invalid;
        }
        if let Some(expected) = expected
            && *expected != reference
        {
            self.problems.push(Problem::error(
                "sheet.corp_id",
                "corp_id_mismatch",
                format!("表格中的企业ID {reference} 与表单中填写的企业微信ID {expected} 不一致"),
                format!("The sheet's corp ID {reference} differs from the corp ID on the form, {expected}"),
            ));
        }
        Some(reference)
    }

    /// Duplicates and basic/interop overlaps; returns the entries kept.
    fn check_across_rows(&mut self, candidates: Vec<Candidate>) -> Vec<SheetUserid> {
        // Per userid key: the first row of each kind slot (unspecified, basic, interop).
        let mut seen: HashMap<String, [Option<(u32, String)>; 3]> = HashMap::new();
        let slot = |k: Option<AccountKind>| match k {
            None => 0,
            Some(AccountKind::Basic) => 1,
            Some(AccountKind::Interop) => 2,
        };
        let mut entries = Vec::new();
        for c in candidates {
            if matches!(c.corp, RowCorp::Invalid) {
                continue;
            }
            let slots = seen.entry(c.userid.key()).or_default();
            let s = slot(c.kind);
            // An unspecified kind clashes with any earlier row, and any row with an earlier
            // unspecified one or one of the same kind.
            let clash = if s == 0 {
                slots.iter().flatten().min_by_key(|(r, _)| *r).cloned()
            } else {
                slots[0].clone().or_else(|| slots[s].clone())
            };
            let n = c.row;
            if let Some((first, spelling)) = clash {
                let both = if spelling == c.userid.as_str() { spelling } else { format!("{spelling} / {}", c.userid) };
                self.problems.push(Problem::error(
                    field(n, "userid"),
                    "userid_duplicate",
                    format!("第{first}行与第{n}行重复：{both}（UserID 不区分大小写）"),
                    format!("Rows {first} and {n} are duplicates: {both} (UserIDs ignore case)"),
                ));
                continue;
            }
            let other = match s {
                1 => slots[2].clone(),
                2 => slots[1].clone(),
                _ => None,
            };
            if let Some((first, _)) = other {
                self.problems.push(self.overlap_warning(first, n, &c.userid));
            }
            slots[s] = Some((n, c.userid.as_str().to_owned()));
            entries.push(SheetUserid { row: n, userid: c.userid, kind: c.kind });
        }
        entries
    }

    fn overlap_warning(&self, first: u32, n: u32, userid: &UserId) -> Problem {
        let zh_head = format!(
            "第{first}行与第{n}行：{userid} 同时列为基础账号和互通账号。互通账号已包含基础接口，无需再购买该基础账号"
        );
        let en_head = format!(
            "Rows {first} and {n}: {userid} is listed as both a basic and an interop account. Interop includes the basic \
             interfaces, so the basic account is not needed"
        );
        Problem::warning(field(n, "userid"), "userid_basic_and_interop", zh_head, en_head)
    }

    /// Prices the redundant basic accounts and adds the money to the overlap warnings.
    fn price_overlaps(&mut self, summary: &mut SheetSummary) -> Option<Money> {
        let basis = self.options.saving?;
        let redundant = u32::try_from(summary.overlaps).ok()?;
        if redundant == 0 {
            return None;
        }
        let basic = u32::try_from(summary.basic).ok()?;
        let price = |count: u32| -> Option<Money> {
            if count == 0 {
                return Some(Money::ZERO);
            }
            let line = QuoteLineRequest {
                kind: AccountKind::Basic,
                count,
                months: basis.months,
                order_type: OrderType::Addon,
                existing: basis.existing_basic,
            };
            basis.price_book.price_line(0, &line, false).ok().map(|q| q.amount)
        };
        let total = Money::from_fen(price(basic)?.fen() - price(basic - redundant.min(basic))?.fen());
        let each = basis.price_book.marginal_cost(
            AccountKind::Basic,
            basis.existing_basic.saturating_add(basic).saturating_sub(1),
            basis.months,
        );
        let months = basis.months;
        for p in self.problems.iter_mut().filter(|p| p.code == "userid_basic_and_interop") {
            match each {
                Some(m) => {
                    p.zh.push_str(&format!("，可节省约 ¥{m}（{months}个月）"));
                    p.en.push_str(&format!("; dropping it saves about ¥{m} ({months} months)"));
                }
                None => {
                    p.zh.push_str("（该位置价格为面议）");
                    p.en.push_str(" (that position's price is negotiated)");
                }
            }
        }
        self.problems.push(Problem::warning(
            "sheet",
            "overlap_saving_total",
            format!(
                "共 {redundant} 个 UserID 同时列为基础和互通，去掉其中的基础账号共可节省 ¥{total}（{months}个月，价格表 {}）",
                basis.price_book.version
            ),
            format!(
                "{redundant} UserIDs are listed as both basic and interop; dropping their basic accounts saves ¥{total} \
                 ({months} months, price book {})",
                basis.price_book.version
            ),
        ));
        Some(total)
    }
}

#[cfg(test)]
mod tests;
