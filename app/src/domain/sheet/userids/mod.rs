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
//!
//! Here the sheet's types and the pass over its rows; `row` checks a row on its own, `across`
//! the corp ID, duplicates and overlaps across rows.

mod across;
pub use across::redundant_basic_saving;
mod row;

use super::columns::{ColumnSpec, Header, find_header};
use super::limits;
use super::read::{ReadError, Row, SheetFormat, Workbook, group_digits, read_workbook_inner};
use crate::domain::ids::{CorpId, UserId};
use crate::domain::money::Money;
use crate::domain::price_book::{AccountKind, PriceBook};
use crate::domain::problem::{Problem, Severity};
use serde::{Deserialize, Serialize};

#[cfg(test)]
pub(crate) use row::TYPE_NAMES;
pub use row::parse_kind;

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

/// A row's corp ID cell, classified.
enum RowCorp {
    Blank,
    /// Shared by the rows that spell it the same way (see `Checker::corp_id_of`).
    Valid(std::rc::Rc<CorpId>),
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
    /// The last corp ID parsed, with the text it was parsed from.
    last_corp: Option<(String, std::rc::Rc<CorpId>)>,
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
            last_corp: None,
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
        let (entries, distinct_userids) = self.check_across_rows(candidates);
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
        summary.userids = distinct_userids;
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
}

#[cfg(test)]
mod tests;
