//! From bytes to rows of cells: .xlsx, .xls, .ods (through calamine) and .csv (our own parser).
//!
//! The format is decided from the bytes, never from a file name: `PK` zip → .xlsx or .ods (by
//! the archive's content), `D0 CF 11 E0` OLE compound file → .xls, anything else is tried as
//! CSV text. Before calamine sees an .xlsx, .ods or .xls file, [`super::guard`] estimates what it
//! would allocate and refuses files over [`limits::MAX_PARSE_MEMORY`]; while rows are built, our
//! own counts of rows, cells and text bytes are capped too (see [`super::limits`]).
//!
//! Row numbers are the ones a user sees in Excel: 1-based, counting every row above, blank or
//! not.

use super::guard;
use super::limits;
use super::read_csv;
use crate::domain::problem::Problem;
use calamine::{Data, DataRef, Ods, Range, Reader, SheetType, SheetVisible, Xls, Xlsx};
use chrono::NaiveDate;
use std::io::Cursor;

/// The file formats the reader understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SheetFormat {
    Xlsx,
    Xls,
    Ods,
    Csv,
}

impl SheetFormat {
    pub fn extension(self) -> &'static str {
        match self {
            SheetFormat::Xlsx => "xlsx",
            SheetFormat::Xls => "xls",
            SheetFormat::Ods => "ods",
            SheetFormat::Csv => "csv",
        }
    }
}

/// One cell's value, independent of the file format.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    /// Text as stored (not trimmed), cut at [`limits::MAX_CELL_TEXT_BYTES`].
    Text(String),
    /// A number cell. Phone-number userids typed into Excel end up here.
    Number(f64),
    /// An integer cell (some .xls and .ods numbers).
    Int(i64),
    Bool(bool),
    /// A cell formatted as a date; the time of day, if any, is dropped.
    Date(NaiveDate),
    /// A formula error such as `#N/A`.
    Error(String),
}

/// An empty cell to lend out for missing columns.
pub(crate) static EMPTY: Cell = Cell::Empty;

impl Cell {
    /// Whether the cell holds nothing a person would see: empty, or only whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => crate::domain::ids::trim_all(t).is_empty(),
            _ => false,
        }
    }
}

/// A non-blank row of a sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Row number as Excel shows it (1-based).
    pub number: u32,
    /// Cells from column A; trailing empty cells are dropped.
    pub cells: Vec<Cell>,
}

impl Row {
    /// The cell in column `col` (0 = A); empty beyond the end of the row.
    pub fn cell(&self, col: usize) -> &Cell {
        self.cells.get(col).unwrap_or(&EMPTY)
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_blank)
    }
}

/// One worksheet: its name and its rows that have at least one non-empty cell, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Row>,
}

/// What was read from a file: its format and its visible worksheets, in workbook order.
#[derive(Clone, Debug, PartialEq)]
pub struct Workbook {
    pub format: SheetFormat,
    /// For CSV, the text encoding the bytes were decoded with (`UTF-8`, `GB18030`, `UTF-16LE`…).
    pub text_encoding: Option<&'static str>,
    pub sheets: Vec<Sheet>,
}

/// Why a file could not be read. Turned into a [`Problem`] on the `sheet` field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    Empty,
    TooLarge {
        bytes: usize,
    },
    /// A known non-spreadsheet format (PDF, image, Word…), named.
    NotASpreadsheet {
        what: &'static str,
    },
    /// A spreadsheet format we do not read, e.g. .xlsb; names the format.
    Unsupported {
        what: &'static str,
    },
    Encrypted,
    /// Broken or not a spreadsheet; `detail` is for the English message (library wording).
    Corrupt {
        detail: String,
    },
    /// A zip archive that would decompress to too much (zip bomb).
    ArchiveTooLarge {
        reason: ArchiveReason,
    },
    /// The file's structure asks for too much memory or too many cells.
    TooComplex,
    TooManyRows,
}

/// What made an archive too large.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveReason {
    TotalSize,
    Ratio,
    Entries,
}

impl ReadError {
    pub fn into_problem(self) -> Problem {
        let mb = |b: u64| b / (1024 * 1024);
        match self {
            ReadError::Empty => {
                Problem::error("sheet", "sheet_file_empty", "文件是空的（0 字节）", "The file is empty (0 bytes)")
            }
            ReadError::TooLarge { bytes } => Problem::error(
                "sheet",
                "sheet_file_too_large",
                format!(
                    "文件过大（{:.1} MB），表格文件最大 {} MB，请删除多余的列或工作表后重试",
                    bytes as f64 / 1_048_576.0,
                    mb(limits::MAX_FILE_BYTES as u64)
                ),
                format!(
                    "The file is too large ({:.1} MB); a sheet may be at most {} MB. Remove extra columns or worksheets",
                    bytes as f64 / 1_048_576.0,
                    mb(limits::MAX_FILE_BYTES as u64)
                ),
            ),
            ReadError::NotASpreadsheet { what } => Problem::error(
                "sheet",
                "sheet_unsupported_format",
                format!("这是{what}文件，不是表格。请上传 .xlsx、.xls、.ods 或 .csv 文件"),
                format!("This is a {what} file, not a spreadsheet. Upload an .xlsx, .xls, .ods or .csv file"),
            ),
            ReadError::Unsupported { what } => Problem::error(
                "sheet",
                "sheet_unsupported_format",
                format!("不支持 {what} 格式，请在 Excel 中另存为 .xlsx 后上传"),
                format!("The {what} format is not supported; save it as .xlsx in Excel and upload that"),
            ),
            ReadError::Encrypted => Problem::error(
                "sheet",
                "sheet_encrypted",
                "文件设置了打开密码，请取消密码后重新上传",
                "The file is password-protected; remove the password and upload it again",
            ),
            ReadError::Corrupt { detail } => Problem::error(
                "sheet",
                "sheet_unreadable",
                "无法读取文件：文件已损坏，或不是 .xlsx、.xls、.ods、.csv 表格。请用 Excel 打开后另存为 .xlsx 再上传",
                format!(
                    "The file cannot be read: it is damaged or not an .xlsx, .xls, .ods or .csv sheet ({detail}). \
                     Open it in Excel, save it as .xlsx and upload that"
                ),
            ),
            ReadError::ArchiveTooLarge { reason } => {
                let (zh, en) = match reason {
                    ArchiveReason::TotalSize => (
                        format!("解压后超过 {} MB", mb(limits::MAX_UNCOMPRESSED_BYTES)),
                        format!("it would decompress to more than {} MB", mb(limits::MAX_UNCOMPRESSED_BYTES)),
                    ),
                    ArchiveReason::Ratio => (
                        format!("压缩比超过 {}:1", limits::MAX_COMPRESSION_RATIO),
                        format!("it is compressed more than {}:1", limits::MAX_COMPRESSION_RATIO),
                    ),
                    ArchiveReason::Entries => (
                        format!("包含超过 {} 个内部文件", limits::MAX_ZIP_ENTRIES),
                        format!("it holds more than {} parts", limits::MAX_ZIP_ENTRIES),
                    ),
                };
                Problem::error(
                    "sheet",
                    "sheet_archive_too_large",
                    format!("文件异常，已拒绝读取：{zh}。请上传普通的表格文件"),
                    format!("The file was refused because {en}. Upload an ordinary spreadsheet"),
                )
            }
            ReadError::TooComplex => Problem::error(
                "sheet",
                "sheet_too_complex",
                "表格内容过多或结构异常（单元格、文字或格式过多），无法读取。请只保留需要的列和行后另存为新文件",
                "The sheet holds too much (cells, text or formatting) or is malformed. Keep only the needed \
                 columns and rows and save it as a new file",
            ),
            ReadError::TooManyRows => Problem::error(
                "sheet",
                "sheet_too_many_rows",
                format!("表格行数过多：最多 {} 行数据", group_digits(limits::MAX_DATA_ROWS)),
                format!("Too many rows: at most {} data rows", group_digits(limits::MAX_DATA_ROWS)),
            ),
        }
    }
}

/// Writes 100000 as `100,000`.
pub(crate) fn group_digits(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Reads a spreadsheet file's visible worksheets into rows of cells.
///
/// Never panics on arbitrary bytes in the code of this module; the spreadsheet library is run
/// under `catch_unwind` where unwinding exists (native), and its allocations are bounded by the
/// checks in [`super::guard`].
pub fn read_workbook(bytes: &[u8]) -> Result<Workbook, Problem> {
    read_workbook_inner(bytes).map_err(ReadError::into_problem)
}

/// [`read_workbook`] with the reason kept as data.
pub fn read_workbook_inner(bytes: &[u8]) -> Result<Workbook, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.len() > limits::MAX_FILE_BYTES {
        return Err(ReadError::TooLarge { bytes: bytes.len() });
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        // Most .xlsx files are read by our own reader, within our own limits; the rest by
        // calamine, once the guard has estimated what calamine would allocate for them.
        let kind = guard::zip::archive(bytes)?;
        if kind == guard::zip::ZipKind::Xlsx
            && let Some(read) = run_fast(|| super::xlsx_fast::read(bytes))
        {
            return read;
        }
        guard::zip::library_memory(bytes, kind)?;
        return match kind {
            guard::zip::ZipKind::Xlsx => run_library(|| read_xlsx(bytes)),
            guard::zip::ZipKind::Ods => run_library(|| read_ods(bytes)),
        };
    }
    if bytes.starts_with(&guard::xls::CFB_MAGIC) {
        guard::xls::inspect(bytes)?;
        return run_library(|| read_xls(bytes));
    }
    if let Some(what) = known_other_format(bytes) {
        return Err(ReadError::NotASpreadsheet { what });
    }
    read_csv::read(bytes)
}

/// Names formats people drop by mistake, from their magic bytes.
fn known_other_format(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 7] = [
        (b"%PDF", "PDF"),
        (b"\x89PNG", "PNG 图片 / PNG image"),
        (b"\xFF\xD8\xFF", "JPEG 图片 / JPEG image"),
        (b"GIF8", "GIF 图片 / GIF image"),
        (b"Rar!", "RAR"),
        (b"7z\xBC\xAF", "7z"),
        (b"\x1F\x8B", "gzip"),
    ];
    MAGIC.iter().find(|(m, _)| bytes.starts_with(m)).map(|(_, what)| *what)
}

/// Runs calamine, turning a panic inside it into a corrupt-file error where panics unwind
/// (the server). In the browser panics abort, so the guards are what keeps it safe there.
fn run_library(f: impl FnOnce() -> Result<Workbook, ReadError>) -> Result<Workbook, ReadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(ReadError::Corrupt { detail: "the spreadsheet library failed on this file".into() }))
}

/// Reads an .xlsx with our reader and with calamine and panics where they disagree, wherever ours
/// takes the file; returns whether it took it. Also panics where our reader's scan of the usual
/// parts (`xlsx_scan`) reads them otherwise than its quick-xml walk. For the tests and the
/// `sheet_reader` fuzz target.
///
/// Where ours reads a file calamine refuses as damaged, in a part ours does not look at, our rows
/// stand (see `xlsx_fast`'s module comment).
#[doc(hidden)]
pub fn assert_xlsx_readers_agree(bytes: &[u8]) -> bool {
    // calamine only behind the guard, as `read_workbook` runs it.
    if guard::zip::inspect(bytes) != Ok(guard::zip::ZipKind::Xlsx) {
        return false;
    }
    let slow = run_library(|| read_xlsx(bytes));
    let fast = super::xlsx_fast::read(bytes);
    // The scan of the usual parts reads what the quick-xml walk reads, where it takes a part.
    let walked = super::xlsx_fast::read_with(bytes, super::xlsx_fast::Scanning::Off);
    assert_eq!(fast, walked, "the scanned .xlsx parts differ from the walked ones");
    match fast {
        None => false,
        Some(Ok(fast)) => {
            if let Ok(slow) = slow {
                assert_eq!(fast, slow, "our .xlsx reader's cells differ from calamine's");
            }
            true
        }
        Some(Err(e)) => {
            assert!(slow.is_err(), "our .xlsx reader refused ({e:?}) what calamine read");
            true
        }
    }
}

/// Runs the fast .xlsx reader; a panic in it (a bug: it indexes nothing it has not checked) leaves
/// the file to calamine where panics unwind.
fn run_fast(f: impl FnOnce() -> Option<Result<Workbook, ReadError>>) -> Option<Result<Workbook, ReadError>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(None)
}

fn corrupt(e: impl std::fmt::Display) -> ReadError {
    let mut detail = e.to_string();
    clip_in_place(&mut detail, 200);
    ReadError::Corrupt { detail }
}

/// Caps on what we keep, shared by every sheet of a workbook.
#[derive(Clone, Debug, Default)]
pub(crate) struct Budget {
    cells: usize,
    text_bytes: usize,
}

impl Budget {
    pub(crate) fn charge(&mut self, cells: usize, text_bytes: usize) -> Result<(), ReadError> {
        self.cells = self.cells.saturating_add(cells);
        self.text_bytes = self.text_bytes.saturating_add(text_bytes);
        if self.cells > limits::MAX_CELLS || self.text_bytes > limits::MAX_TEXT_BYTES {
            return Err(ReadError::TooComplex);
        }
        Ok(())
    }
}

/// Most non-blank rows a sheet may have: the data rows plus the rows the header may sit in.
pub(crate) const MAX_SHEET_ROWS: usize = limits::MAX_DATA_ROWS + limits::HEADER_SEARCH_ROWS;

/// Cuts text to at most `max` bytes on a character boundary.
pub(crate) fn clip_in_place(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

pub(crate) fn clip(s: &str) -> String {
    let mut cut = s.len().min(limits::MAX_CELL_TEXT_BYTES);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s[..cut].to_owned()
}

fn text_len(c: &Cell) -> usize {
    match c {
        Cell::Text(t) | Cell::Error(t) => t.len(),
        _ => 0,
    }
}

/// Turns an Excel serial date (days since 1899-12-30, the 1900 system) into a date; `None`
/// outside 1900-03-01 ..= 9999-12-31. Serials below 61 fall before Excel's phantom 1900-02-29
/// and are not service dates, so they are refused rather than corrected.
pub fn excel_serial_to_date(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() || !(61.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(chrono::Duration::days(days))
}

fn excel_datetime(dt: &calamine::ExcelDateTime) -> Cell {
    if dt.is_duration() {
        return Cell::Number(dt.as_f64());
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    match NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d)) {
        Some(date) => Cell::Date(date),
        None => Cell::Number(dt.as_f64()),
    }
}

/// Parses the leading `YYYY-MM-DD` of an ISO 8601 date or date-time (how .ods stores dates).
fn iso_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

fn from_data_ref(v: DataRef<'_>) -> Cell {
    match v {
        DataRef::Empty => Cell::Empty,
        DataRef::Int(i) => Cell::Int(i),
        DataRef::Float(f) => Cell::Number(f),
        DataRef::String(s) => Cell::Text(clip(&s)),
        DataRef::SharedString(s) => Cell::Text(clip(s)),
        DataRef::Bool(b) => Cell::Bool(b),
        DataRef::DateTime(dt) => excel_datetime(&dt),
        DataRef::DateTimeIso(s) => iso_date(&s).map_or_else(|| Cell::Text(clip(&s)), Cell::Date),
        DataRef::DurationIso(s) => Cell::Text(clip(&s)),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

fn from_data(v: &Data) -> Cell {
    match v {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) => Cell::Text(clip(s)),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => excel_datetime(dt),
        Data::DateTimeIso(s) => iso_date(s).map_or_else(|| Cell::Text(clip(s)), Cell::Date),
        Data::DurationIso(s) => Cell::Text(clip(s)),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// Names of the visible worksheets, in workbook order, at most [`limits::MAX_SHEETS`].
fn visible_worksheets(meta: &[calamine::Sheet]) -> Vec<String> {
    meta.iter()
        .filter(|s| matches!(s.typ, SheetType::WorkSheet) && matches!(s.visible, SheetVisible::Visible))
        .take(limits::MAX_SHEETS)
        .map(|s| s.name.clone())
        .collect()
}

/// Puts a cell read at (0-based row, column) into the rows read so far, which a sheet Excel wrote
/// lists in order: the cell lands in the last row or a new one after it. Cells past
/// [`limits::MAX_COLUMNS`] and empty ones are left out. A row number below the last one clears
/// `in_order` and starts a row part of its own, for [`merged_in_order`] to put in its place.
pub(super) fn place_cell(
    rows: &mut Vec<Row>,
    in_order: &mut bool,
    (row, col): (u32, usize),
    value: Cell,
    budget: &mut Budget,
) -> Result<(), ReadError> {
    if col >= limits::MAX_COLUMNS || value == Cell::Empty {
        return Ok(());
    }
    budget.charge(1, text_len(&value))?;
    let number = row.saturating_add(1);
    match rows.last() {
        Some(last) if last.number == number => {}
        last => {
            *in_order &= last.is_none_or(|l| l.number < number);
            if *in_order && rows.len() >= MAX_SHEET_ROWS {
                return Err(ReadError::TooManyRows);
            }
            rows.push(Row { number, cells: Vec::new() });
        }
    }
    if let Some(Row { cells, .. }) = rows.last_mut() {
        if col >= cells.len() {
            // The columns skipped before it count as cells of a dense row (a gap filled by a
            // later cell, out of column order, is then counted twice: never fewer).
            budget.charge(col - cells.len(), 0)?;
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = value;
    }
    Ok(())
}

/// Rows read out of order, sorted by number, the parts of a row that came apart put together
/// (a later cell wins over an earlier one in the same place, as in the order they were read).
fn merged_in_order(mut parts: Vec<Row>, budget: &mut Budget) -> Result<Vec<Row>, ReadError> {
    parts.sort_by_key(|r| r.number);
    let mut rows: Vec<Row> = Vec::with_capacity(parts.len());
    for part in parts {
        match rows.last_mut() {
            Some(row) if row.number == part.number => {
                if part.cells.len() > row.cells.len() {
                    budget.charge(part.cells.len() - row.cells.len(), 0)?;
                    row.cells.resize(part.cells.len(), Cell::Empty);
                }
                for (at, cell) in row.cells.iter_mut().zip(part.cells) {
                    if cell != Cell::Empty {
                        *at = cell;
                    }
                }
            }
            _ => {
                if rows.len() >= MAX_SHEET_ROWS {
                    return Err(ReadError::TooManyRows);
                }
                rows.push(part);
            }
        }
    }
    Ok(rows)
}

/// Reads .xlsx cell by cell with calamine's streaming reader (the files [`super::xlsx_fast`] does
/// not take), so a sheet whose few cells sit far apart never becomes a huge dense grid.
pub(super) fn read_xlsx(bytes: &[u8]) -> Result<Workbook, ReadError> {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsxError::Password => ReadError::Encrypted,
        e => corrupt(e),
    })?;
    let mut budget = Budget::default();
    let mut sheets = Vec::new();
    for name in visible_worksheets(wb.sheets_metadata()) {
        let mut reader = match wb.worksheet_cells_reader(&name) {
            Ok(r) => r,
            Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
            Err(e) => return Err(corrupt(e)),
        };
        // Rows out of order (allowed, seldom written) are put in order once at the end, not by
        // inserting as they come: that could move every row for every row.
        let mut rows: Vec<Row> = Vec::new();
        let mut in_order = true;
        while let Some(cell) = reader.next_cell().map_err(corrupt)? {
            let (row, col) = cell.get_position();
            let col = col as usize;
            let value = from_data_ref(cell.get_value().clone());
            place_cell(&mut rows, &mut in_order, (row, col), value, &mut budget)?;
        }
        if !in_order {
            rows = merged_in_order(rows, &mut budget)?;
        }
        sheets.push(Sheet { name, rows });
    }
    Ok(Workbook { format: SheetFormat::Xlsx, text_encoding: None, sheets })
}

fn read_ods(bytes: &[u8]) -> Result<Workbook, ReadError> {
    let mut wb: Ods<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| match e {
        calamine::OdsError::Password => ReadError::Encrypted,
        e => corrupt(e),
    })?;
    Ok(Workbook { format: SheetFormat::Ods, text_encoding: None, sheets: dense_sheets(&mut wb)? })
}

fn read_xls(bytes: &[u8]) -> Result<Workbook, ReadError> {
    let mut wb: Xls<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| match e {
        calamine::XlsError::Password => ReadError::Encrypted,
        e => corrupt(e),
    })?;
    Ok(Workbook { format: SheetFormat::Xls, text_encoding: None, sheets: dense_sheets(&mut wb)? })
}

/// Every visible worksheet of an .ods or .xls workbook (both read whole ranges; .xlsx streams).
fn dense_sheets<RS, R>(wb: &mut R) -> Result<Vec<Sheet>, ReadError>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let mut budget = Budget::default();
    let mut sheets = Vec::new();
    for name in visible_worksheets(wb.sheets_metadata()) {
        let range = wb.worksheet_range(&name).map_err(corrupt)?;
        sheets.push(Sheet { rows: rows_of_range(&range, &mut budget)?, name });
    }
    Ok(sheets)
}

/// Converts a dense calamine range into our rows, with its absolute position kept so row numbers
/// match Excel's.
fn rows_of_range(range: &Range<Data>, budget: &mut Budget) -> Result<Vec<Row>, ReadError> {
    let Some((first_row, first_col)) = range.start() else {
        return Ok(Vec::new());
    };
    let first_col = first_col as usize;
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let Some(last) = cells.iter().rposition(|c| !matches!(c, Data::Empty)) else {
            continue;
        };
        if rows.len() >= MAX_SHEET_ROWS {
            return Err(ReadError::TooManyRows);
        }
        if first_col >= limits::MAX_COLUMNS {
            continue;
        }
        let keep = (last + 1).min(limits::MAX_COLUMNS - first_col);
        let mut out = Vec::with_capacity(first_col + keep);
        out.resize(first_col, Cell::Empty);
        let mut text = 0;
        for c in &cells[..keep] {
            let cell = from_data(c);
            text += text_len(&cell);
            out.push(cell);
        }
        budget.charge(out.len(), text)?;
        while out.last() == Some(&Cell::Empty) {
            out.pop();
        }
        if out.is_empty() {
            continue;
        }
        let number = first_row.saturating_add(u32::try_from(i).unwrap_or(u32::MAX)).saturating_add(1);
        rows.push(Row { number, cells: out });
    }
    Ok(rows)
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
