//! Checks that run on a file's structure before calamine parses it.
//!
//! calamine builds whole workbooks in memory and trusts the sizes and counts a file declares, so a
//! tiny hostile file can make it allocate gigabytes: a zip bomb, an .ods row "repeated" a million
//! times, an .xls whose two cells sit at opposite corners of the sheet (it allocates the dense
//! rectangle between them), a style or shared string cloned into every cell. Each guard reads the
//! parts calamine would read, estimates from above what calamine would allocate for them, and
//! refuses the file when the estimate exceeds [`super::limits::MAX_PARSE_MEMORY`]. The guards also
//! refuse a few malformed shapes on which calamine 0.38 is known to panic or loop forever.
//!
//! What this guarantees: for .xlsx and .ods, calamine never decompresses more than
//! [`super::limits::MAX_UNCOMPRESSED_BYTES`] (the zip reader refuses to produce more than an entry
//! declares, and the declared sizes are summed here), and the largest allocations calamine makes
//! (cell grids, repeated cells, cloned strings and styles) stay within the parse budget up to a
//! small constant factor. For .xls, the compound-file chains calamine follows are checked for
//! cycles and bounds, and its cell grids and strings are costed the same way. Everything is an
//! over-estimate: a real spreadsheet is refused only when it is itself far beyond the row limits.

pub mod xls;
pub mod zip;

use super::read::ReadError;

/// Adds to a running estimate, refusing once it passes the budget. Keeps the scans short on
/// hostile files: they stop as soon as the answer is known.
#[derive(Debug, Default)]
pub(crate) struct Estimate {
    bytes: u64,
}

impl Estimate {
    pub(crate) fn add(&mut self, bytes: u64) -> Result<(), ReadError> {
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes > super::limits::MAX_PARSE_MEMORY {
            return Err(ReadError::TooComplex);
        }
        Ok(())
    }

    /// Fails if `extra` on top of what is counted would pass the budget; counts nothing.
    pub(crate) fn check_with(&self, extra: u64) -> Result<(), ReadError> {
        if self.bytes.saturating_add(extra) > super::limits::MAX_PARSE_MEMORY {
            return Err(ReadError::TooComplex);
        }
        Ok(())
    }
}

pub(crate) fn corrupt(detail: impl Into<String>) -> ReadError {
    ReadError::Corrupt { detail: detail.into() }
}
