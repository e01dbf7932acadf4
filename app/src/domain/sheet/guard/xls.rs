//! .xls (BIFF in an OLE compound file): mirrors the parts of calamine 0.38's reader that allocate
//! or loop on what the file declares, and refuses files that would make it do too much.
//!
//! The compound file: calamine follows sector chains through the FAT until it meets the end mark,
//! so a chain that loops grows without bound, and an index past the FAT panics; the same FAT
//! sector listed many times in the DIFAT multiplies the FAT. Here every chain calamine follows is
//! walked once with cycle and bounds checks, and every sector must lie inside the file.
//!
//! The workbook stream: calamine parses every worksheet up front. Per sheet it reserves room for
//! the rectangle a DIMENSIONS record declares, collects every cell (a shared string is cloned into
//! each cell that uses it, a label reserves the length it declares), then allocates the dense
//! rectangle spanned by the cells. The estimate below adds all of that, per sheet, and also checks
//! the record lengths on which calamine would index out of bounds.

use super::super::limits;
use super::super::read::ReadError;
use super::{Estimate, corrupt};
use std::mem::size_of;

/// The first bytes of every OLE compound file (.xls, .doc, encrypted .xlsx).
pub const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const DIFSECT: u32 = 0xFFFF_FFFC;
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;

/// Checks an .xls file and estimates calamine's memory for it.
pub fn inspect(bytes: &[u8]) -> Result<(), ReadError> {
    let stream = workbook_stream(bytes)?;
    let mut estimate = Estimate::default();
    // calamine keeps the stream and the sector data it was read from.
    estimate.add(2 * bytes.len() as u64)?;
    biff_cost(&stream, &mut estimate)
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?))
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

/// Sectors of one size over some bytes, as calamine addresses them.
struct Sectors<'a> {
    data: &'a [u8],
    size: usize,
    max_id: u32,
}

impl<'a> Sectors<'a> {
    /// A sector, which must lie wholly inside the data (calamine reads past the end otherwise,
    /// and panics when a sector starts beyond it).
    fn get(&self, id: u32) -> Result<&'a [u8], ReadError> {
        if id > self.max_id {
            return Err(corrupt("xls: sector id beyond the end of the file"));
        }
        let start = id as usize * self.size;
        self.data.get(start..start + self.size).ok_or_else(|| corrupt("xls: sector beyond the end of the file"))
    }

    /// The bytes of a chain, as calamine's `get_chain` collects them (stopping after `len`
    /// bytes), refusing loops and FAT indexes out of range.
    fn chain(&self, start: u32, fat: &[u32], len: usize) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::new();
        let mut seen = vec![false; self.max_id as usize + 1];
        let mut id = start;
        while id != ENDOFCHAIN {
            let sector = self.get(id)?;
            let visited = seen.get_mut(id as usize).ok_or_else(|| corrupt("xls: bad sector id"))?;
            if *visited {
                return Err(corrupt("xls: sector chain loops"));
            }
            *visited = true;
            let take = sector.len().min(len - out.len());
            out.extend_from_slice(&sector[..take]);
            if out.len() >= len {
                break;
            }
            id = *fat.get(id as usize).ok_or_else(|| corrupt("xls: sector chain leaves the allocation table"))?;
        }
        Ok(out)
    }
}

struct DirEntry {
    name: String,
    start: u32,
    len: usize,
}

/// Reads the Workbook (or, for BIFF5, Book) stream the way calamine finds it.
fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, ReadError> {
    if bytes.len() < 512 || bytes[..8] != CFB_MAGIC {
        return Err(corrupt("xls: not an OLE compound file"));
    }
    let header = |i| u32_at(bytes, i).unwrap_or(0);
    let version = u16_at(bytes, 26).unwrap_or(0);
    let (sector_size, header_len) = match u16_at(bytes, 30) {
        Some(9) => (512usize, 512usize),
        Some(12) => (4096, 4096),
        _ => return Err(corrupt("xls: bad sector size")),
    };
    if u16_at(bytes, 32) != Some(6) || bytes.len() < header_len {
        return Err(corrupt("xls: bad header"));
    }
    let max_id = u32::try_from(bytes.len() / sector_size).map_err(|_| corrupt("xls: too large"))?;
    let sectors = Sectors { data: &bytes[header_len..], size: sector_size, max_id };

    let mut difat: Vec<u32> = u32s(&bytes[76..512]).collect();
    let mut id = header(68);
    let mut difat_sectors = 0usize;
    while id < RESERVED_SECTORS {
        difat_sectors += 1;
        if difat_sectors > max_id as usize + 1 {
            return Err(corrupt("xls: DIFAT chain too long"));
        }
        difat.extend(u32s(sectors.get(id)?));
        id = difat.pop().ok_or_else(|| corrupt("xls: empty DIFAT sector"))?;
    }
    let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
    // A FAT has at most one sector per sector of the file; listing the same one many times would
    // multiply calamine's copy of it.
    if fat_sectors.len() > max_id as usize + 1 {
        return Err(ReadError::TooComplex);
    }
    let mut fat = Vec::with_capacity(fat_sectors.len() * sector_size / 4);
    for id in fat_sectors {
        fat.extend(u32s(sectors.get(id)?));
    }

    let dir_bytes = sectors.chain(header(48), &fat, usize::MAX)?;
    let mut entries = Vec::new();
    for chunk in dir_bytes.chunks_exact(128) {
        let units: Vec<u16> = chunk[..64].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        let name: String =
            char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')).take_while(|c| *c != '\0').collect();
        let start = u32_at(chunk, 116).unwrap_or(ENDOFCHAIN);
        let len = if sector_size == 512 {
            u64::from(u32_at(chunk, 120).unwrap_or(0))
        } else {
            u64_at(chunk, 120).unwrap_or(0)
        };
        // calamine unwraps this length into a usize, which panics on 32-bit targets (WASM).
        let len = u32::try_from(len).map_err(|_| corrupt("xls: stream length out of range"))? as usize;
        entries.push(DirEntry { name, start, len });
    }
    let Some(root) = entries.first() else {
        return Err(corrupt("xls: empty directory"));
    };
    if version != 3 && root.start == ENDOFCHAIN {
        return Err(corrupt("xls: empty root directory"));
    }
    if entries.iter().any(|e| e.name.eq_ignore_ascii_case("EncryptedPackage")) {
        return Err(ReadError::Encrypted);
    }

    let mini_fat_len = header(64) as usize;
    let (mini_stream, mini_fat) = if mini_fat_len > 0 {
        let mini_stream = sectors.chain(root.start, &fat, root.len)?;
        let mini_fat_bytes = mini_fat_len.checked_mul(sector_size).ok_or_else(|| corrupt("xls: bad mini FAT size"))?;
        let mini_fat: Vec<u32> = u32s(&sectors.chain(header(60), &fat, mini_fat_bytes)?).collect();
        (mini_stream, mini_fat)
    } else {
        (Vec::new(), Vec::new())
    };

    let Some(entry) =
        ["Workbook", "Book"].iter().find_map(|name| entries.iter().find(|e| e.name.eq_ignore_ascii_case(name)))
    else {
        return Err(corrupt("xls: no Workbook stream (not an Excel file)"));
    };
    if entry.len < 4096 {
        let mini_max = max_id.checked_mul(8).ok_or_else(|| corrupt("xls: too large"))?;
        let minis = Sectors { data: &mini_stream, size: 64, max_id: mini_max };
        minis.chain(entry.start, &mini_fat, entry.len)
    } else {
        sectors.chain(entry.start, &fat, entry.len)
    }
}

/// One BIFF record with the data of the CONTINUE records after it.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

/// calamine's record iterator, with a cap on CONTINUE records (it joins them in quadratic time).
struct Records<'a> {
    stream: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stream.len() < 4 {
            return if self.stream.is_empty() { None } else { Some(Err(corrupt("xls: truncated record"))) };
        }
        let typ = u16_at(self.stream, 0)?;
        let len = usize::from(u16_at(self.stream, 2)?);
        if self.stream.len() < len + 4 {
            return Some(Err(corrupt("xls: truncated record")));
        }
        let (rec, next) = self.stream.split_at(len + 4);
        self.stream = next;
        let mut cont = Vec::new();
        if next.len() > 4 && u16_at(next, 0) == Some(0x003C) {
            while self.stream.len() > 4 && u16_at(self.stream, 0) == Some(0x003C) {
                let len = usize::from(u16_at(self.stream, 2)?);
                if self.stream.len() < len + 4 {
                    return Some(Err(corrupt("xls: truncated record")));
                }
                let (c, rest) = self.stream.split_at(len + 4);
                cont.push(&c[4..]);
                self.stream = rest;
                if cont.len() > limits::MAX_XLS_CONTINUE_RECORDS {
                    return Some(Err(ReadError::TooComplex));
                }
            }
        }
        Some(Ok(Record { typ, data: &rec[4..], cont }))
    }
}

fn need(rec: &Record<'_>, len: usize) -> Result<(), ReadError> {
    if rec.data.len() < len {
        return Err(corrupt(format!("xls: record 0x{:04X} too short", rec.typ)));
    }
    Ok(())
}

/// Heap bytes a decoded string of `cch` characters can take: up to 3 bytes each in UTF-8.
fn string_heap(cch: usize) -> u64 {
    3 * cch as u64 + size_of::<String>() as u64
}

const CELL: u64 = size_of::<calamine::Cell<calamine::Data>>() as u64;
const FORMULA_CELL: u64 = size_of::<calamine::Cell<String>>() as u64;
const DATA: u64 = size_of::<calamine::Data>() as u64;

fn biff_cost(stream: &[u8], estimate: &mut Estimate) -> Result<(), ReadError> {
    let mut sheet_positions: Vec<usize> = Vec::new();
    // Byte cost of each shared string when cloned into a cell; `None` when it cannot be known
    // (a non-Unicode code page), in which case every use costs the largest possible string.
    let mut sst: Option<Vec<u64>> = Some(Vec::new());
    let mut unicode = true;
    for rec in (Records { stream }) {
        let rec = rec?;
        match rec.typ {
            0x002F => {
                need(&rec, 2)?;
                if u16_at(rec.data, 0) != Some(0) {
                    return Err(ReadError::Encrypted);
                }
            }
            0x0042 => {
                need(&rec, 2)?;
                unicode = u16_at(rec.data, 0) == Some(1200);
            }
            0x0022 | 0x0017 | 0x0809 => need(&rec, 2)?,
            0x0018 => {
                need(&rec, 14)?;
                if usize::from(u16_at(rec.data, 4).unwrap_or(0)) > rec.data.len() {
                    return Err(corrupt("xls: bad defined name"));
                }
                estimate.add(string_heap(usize::from(rec.data[3])) + rec.data.len() as u64 * 8)?;
            }
            0x0085 => {
                need(&rec, 8)?;
                let pos = u32_at(rec.data, 0).unwrap_or(0) as usize;
                if pos > stream.len() {
                    return Err(corrupt("xls: sheet offset beyond the stream"));
                }
                sheet_positions.push(pos);
                if sheet_positions.len() > limits::MAX_XLS_SHEETS {
                    return Err(ReadError::TooComplex);
                }
            }
            0x00FC => {
                let costs = sst_costs(&rec)?;
                let total: u64 = costs.iter().sum::<u64>() + costs.len() as u64 * size_of::<String>() as u64;
                estimate.add(total)?;
                sst = Some(costs);
            }
            0x000A => break,
            _ => {}
        }
    }
    if !unicode {
        sst = None;
    }
    let mut largest_grid = 0u64;
    for &pos in &sheet_positions {
        let (cost, grid) = sheet_cost(&stream[pos..], sst.as_deref())?;
        estimate.add(cost)?;
        largest_grid = largest_grid.max(grid);
    }
    // The sheet being read is cloned out of the workbook once more.
    estimate.add(largest_grid)
}

/// Mirrors calamine's reading of an SST record into `XLUnicodeRichExtendedString`s, returning
/// the heap cost of each string. Refuses the layouts on which calamine would panic.
fn sst_costs(rec: &Record<'_>) -> Result<Vec<u64>, ReadError> {
    need(rec, 8)?;
    let mut data = &rec.data[8..];
    let mut cont = rec.cont.iter();
    let mut costs = Vec::new();
    let bad = || corrupt("xls: malformed shared string table");
    loop {
        if data.is_empty() {
            match cont.next() {
                Some(next) => data = next,
                None => break,
            }
            if data.is_empty() {
                costs.push(0);
                continue;
            }
        }
        if data.len() < 3 {
            return Err(bad());
        }
        let cch = usize::from(u16_at(data, 0).unwrap_or(0));
        let flags = data[2];
        data = &data[3..];
        let mut runs = 0usize;
        let mut ext = 0usize;
        if flags & 0x8 != 0 {
            runs = usize::from(u16_at(data, 0).ok_or_else(bad)?);
            data = &data[2..];
        }
        if flags & 0x4 != 0 {
            let v = u32_at(data, 0).ok_or_else(bad)?;
            ext = v as usize;
            data = &data[4..];
        }
        let mut high = flags & 0x1 != 0;
        let mut left = cch;
        while left > 0 {
            let width = if high { 2 } else { 1 };
            let n = left.min(data.len() / width);
            data = &data[n * width..];
            left -= n;
            if left > 0 {
                if data.len() >= width {
                    // A partial character: calamine's decoder takes what it can; stop guessing.
                    return Err(bad());
                }
                let next = cont.next().ok_or_else(bad)?;
                let (&first, rest) = next.split_first().ok_or_else(bad)?;
                high = first & 0x1 != 0;
                data = rest;
            }
        }
        let mut skip = runs.saturating_mul(4).saturating_add(ext);
        while skip > 0 {
            if data.is_empty() {
                data = cont.next().ok_or_else(bad)?;
                continue;
            }
            let n = skip.min(data.len());
            data = &data[n..];
            skip -= n;
        }
        costs.push(string_heap(cch));
    }
    Ok(costs)
}

/// Bounding box of cell positions.
#[derive(Default)]
struct Area {
    any: bool,
    rows: (u32, u32),
    cols: (u32, u32),
}

impl Area {
    fn add(&mut self, row: u32, col: u32) {
        if self.any {
            self.rows = (self.rows.0.min(row), self.rows.1.max(row));
            self.cols = (self.cols.0.min(col), self.cols.1.max(col));
        } else {
            *self = Area { any: true, rows: (row, row), cols: (col, col) };
        }
    }

    fn cells(&self) -> u64 {
        if !self.any {
            return 0;
        }
        u64::from(self.rows.1 - self.rows.0 + 1) * u64::from(self.cols.1 - self.cols.0 + 1)
    }
}

/// Cost of one worksheet substream, and of its dense value grid alone.
fn sheet_cost(stream: &[u8], sst: Option<&[u64]>) -> Result<(u64, u64), ReadError> {
    let mut cells = 0u64;
    let mut formulas = 0u64;
    let mut reserved = 0u64;
    let mut heap = 0u64;
    let mut values = Area::default();
    let mut formula_area = Area::default();
    let mut formula_pos = (0u32, 0u32);
    let mut seen_bof = false;
    let mut depth = 0usize;
    let pos = |d: &[u8]| (u32::from(u16_at(d, 0).unwrap_or(0)), u32::from(u16_at(d, 2).unwrap_or(0)));
    for rec in (Records { stream }) {
        let rec = rec?;
        if depth > 0 {
            match rec.typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        match rec.typ {
            0x0809 => {
                if seen_bof {
                    depth += 1;
                } else {
                    seen_bof = true;
                }
            }
            0x000A => break,
            0x0200 => {
                let (rf, rl, mut cf, cl) = match rec.data.len() {
                    10 => (
                        u32::from(u16_at(rec.data, 0).unwrap_or(0)),
                        u32::from(u16_at(rec.data, 2).unwrap_or(0)),
                        u32::from(u16_at(rec.data, 4).unwrap_or(0)),
                        u32::from(u16_at(rec.data, 6).unwrap_or(0)),
                    ),
                    14 | 16 => (
                        u32_at(rec.data, 0).unwrap_or(0),
                        u32_at(rec.data, 4).unwrap_or(0),
                        u32::from(u16_at(rec.data, 8).unwrap_or(0)),
                        u32::from(u16_at(rec.data, 10).unwrap_or(0)),
                    ),
                    _ => return Err(corrupt("xls: bad DIMENSIONS record")),
                };
                if cf > 0xFF || cl < cf {
                    cf = 0;
                }
                let (end_r, end_c) = if rl >= 1 && cl >= 1 { (rl - 1, cl - 1) } else { (rf, cf) };
                // calamine subtracts these unchecked.
                if end_r < rf || end_c < cf {
                    return Err(corrupt("xls: DIMENSIONS end before start"));
                }
                let area = (u64::from(end_r - rf) + 1).saturating_mul(u64::from(end_c - cf) + 1);
                reserved = reserved.max(cells.saturating_add(area));
            }
            0x0203 | 0x027E | 0x0205 => {
                need(&rec, if rec.typ == 0x0203 { 14 } else { 8 })?;
                let (r, c) = pos(rec.data);
                values.add(r, c);
                cells += 1;
            }
            0x0204 | 0x00D6 => {
                need(&rec, 6)?;
                let (r, c) = pos(rec.data);
                values.add(r, c);
                cells += 1;
                heap = heap.saturating_add(string_heap(usize::from(u16_at(rec.data, 6).unwrap_or(0))));
            }
            0x0207 => {
                values.add(formula_pos.0, formula_pos.1);
                cells += 1;
                heap = heap.saturating_add(string_heap(usize::from(u16_at(rec.data, 0).unwrap_or(0))));
            }
            0x00FD => {
                need(&rec, 10)?;
                let (r, c) = pos(rec.data);
                let index = u32_at(rec.data, 6).unwrap_or(0) as usize;
                let cost = match sst {
                    Some(costs) => costs.get(index).copied(),
                    None => Some(string_heap(usize::from(u16::MAX))),
                };
                if let Some(cost) = cost {
                    values.add(r, c);
                    cells += 1;
                    heap = heap.saturating_add(cost);
                }
            }
            0x00BD => {
                need(&rec, 6)?;
                let (r, first) = pos(rec.data);
                let last = u32::from(u16_at(rec.data, rec.data.len() - 2).unwrap_or(0));
                // calamine computes `last - first + 1` in u16.
                if last < first || last - first == 0xFFFF {
                    return Err(corrupt("xls: bad MULRK record"));
                }
                if rec.data.len() == 6 + 6 * (last - first + 1) as usize {
                    let n = (rec.data.len() - 6) / 6;
                    values.add(r, first);
                    values.add(r, first + n as u32 - 1);
                    cells += n as u64;
                }
            }
            0x00E5 => heap = heap.saturating_add(rec.data.len() as u64 * 4),
            0x0006 => {
                need(&rec, 22)?;
                formula_pos = pos(rec.data);
                let cce = usize::from(u16_at(rec.data, 20).unwrap_or(0));
                // calamine slices `rgce[2..2 + cce]` unchecked.
                if 22 + cce > rec.data.len() {
                    return Err(corrupt("xls: bad FORMULA record"));
                }
                values.add(formula_pos.0, formula_pos.1);
                formula_area.add(formula_pos.0, formula_pos.1);
                cells += 1;
                formulas += 1;
                // Each token of a formula can become a sheet or defined name of up to 255
                // characters in the formula text.
                heap = heap.saturating_add(string_heap(cce.saturating_mul(255)) + rec.data.len() as u64);
            }
            _ => {}
        }
    }
    let cell_vec = reserved.max(cells.saturating_mul(2)).saturating_mul(CELL);
    let grid = values.cells().saturating_mul(DATA);
    let formula_grid = formula_area.cells().saturating_mul(size_of::<String>() as u64);
    let cost = cell_vec
        .saturating_add(formulas.saturating_mul(2 * FORMULA_CELL))
        .saturating_add(heap)
        .saturating_add(grid)
        .saturating_add(formula_grid);
    Ok((cost, grid))
}

#[cfg(test)]
#[path = "xls_tests.rs"]
pub(crate) mod tests;
