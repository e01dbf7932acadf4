//! Hard limits that keep a hostile or broken file from hurting the browser tab or the server.
//!
//! The reader runs on whatever a user drops, so every dimension of the work is bounded up front:
//! the bytes it accepts, what a zip archive may decompress to, how much memory the spreadsheet
//! library may be asked to allocate (estimated before it runs, see `guard`), and how many rows,
//! cells and text bytes end up in our own rows. Each limit is generous for a real corp ID / userid
//! sheet (a large enterprise has tens of thousands of members) and far below what would exhaust
//! a 32-bit WASM heap.

/// Largest file accepted, in bytes (10 MiB). A 100,000-row userid sheet is about 2 MiB as .xlsx
/// and 3 MiB as .csv.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Most data rows (non-blank rows below the header) in one sheet.
pub const MAX_DATA_ROWS: usize = 100_000;

/// The header must be among this many first non-blank rows of a sheet.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Cells right of this column (column IV) are ignored: no header we look for is that far right.
pub const MAX_COLUMNS: usize = 256;

/// Most cells (including blanks between filled cells) kept over a whole workbook.
pub const MAX_CELLS: usize = 2_000_000;

/// Most bytes of cell text kept over a whole workbook.
pub const MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;

/// Cell text longer than this is cut (on a character boundary). Nothing we read is valid at
/// this length — a userid is at most 64 bytes — so the cut text still gets the right error.
pub const MAX_CELL_TEXT_BYTES: usize = 1024;

/// Most worksheets read from one workbook; later ones are ignored.
pub const MAX_SHEETS: usize = 64;

/// Most entries in an .xlsx / .ods zip archive (a normal one has 10 to 30).
pub const MAX_ZIP_ENTRIES: usize = 1_000;

/// Most bytes all entries of an .xlsx / .ods archive may decompress to (100 MiB), summed over
/// the sizes the archive declares. The zip reader refuses to produce more bytes than an entry
/// declares, so this bounds what the spreadsheet library can ever decompress.
pub const MAX_UNCOMPRESSED_BYTES: u64 = 100 * 1024 * 1024;

/// Largest compression ratio accepted for an entry of at least [`RATIO_MIN_ENTRY_BYTES`].
/// Real spreadsheet XML compresses 5 to 30 times; a zip bomb about 1000 times.
pub const MAX_COMPRESSION_RATIO: u64 = 200;

/// Entries smaller than this are not ratio-checked (tiny XML parts compress very well).
pub const RATIO_MIN_ENTRY_BYTES: u64 = 1024 * 1024;

/// Most memory, in bytes, the spreadsheet library may be expected to allocate for a workbook,
/// as estimated from the file's structure before it is parsed (256 MiB).
pub const MAX_PARSE_MEMORY: u64 = 256 * 1024 * 1024;

/// Most CONTINUE records that may follow one record of an .xls file; the library joins them in
/// quadratic time.
pub const MAX_XLS_CONTINUE_RECORDS: usize = 4_096;

/// Most worksheets an .xls file may declare.
pub const MAX_XLS_SHEETS: usize = 256;
