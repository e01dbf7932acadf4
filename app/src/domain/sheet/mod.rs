//! The corp ID / userid spreadsheet (企业 ID 及 userid 示例表): reading, checking, the template, and the
//! import of product lines (导入明细).
//!
//! Plain Rust over a byte slice: the browser runs it on a dropped file before upload, the server
//! runs it again on the uploaded bytes as the authority, with the same results.
//!
//! - [`read`]: bytes → [`Workbook`] of rows of cells (.xlsx, .xls, .ods via calamine; CSV here),
//!   behind the pre-parse checks of [`guard`] and the caps of [`limits`].
//! - [`columns`]: finds the header row and the columns by name.
//! - [`cells`]: reads one cell as a person filled it in (text as shown, whole numbers, dates, kind
//!   names) and words its problems; shared by the userid sheet and the line import.
//! - [`userids`]: the userid sheet's rules → [`UseridSheet`] (entries, summary, problems).
//! - [`lines_import`]: product lines (导入明细) → [`ImportedLines`].
//! - [`template`]: the downloadable .xlsx template.

pub mod cells;
pub mod columns;
pub mod export;
pub mod guard;
pub mod limits;
pub mod lines_import;
pub mod read;
pub mod read_csv;
pub mod template;
pub mod userids;
mod xlsx_fast;
mod xlsx_scan;

pub use lines_import::{ImportedLine, ImportedLines, add_imported_lines, import_lines, import_lines_from};
pub use read::{Cell, ReadError, Row, Sheet, SheetFormat, Workbook, read_workbook};
pub use template::{TemplateError, template_xlsx, userid_sheet_xlsx};
pub use userids::{
    SavingBasis, SheetSummary, SheetUserid, UseridSheet, UseridSheetOptions, check_userid_sheet, check_userid_workbook,
};
