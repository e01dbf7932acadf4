//! Zip-based formats (.xlsx, .ods): archive limits, format detection, and the parts calamine
//! loads whole at open (styles and shared strings of .xlsx, the whole content of .ods).

use super::super::limits;
use super::super::read::{ArchiveReason, ReadError};
use super::{Estimate, corrupt};
use quick_xml::events::Event;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::mem::size_of;
use zip::ZipArchive;

/// Which spreadsheet a zip archive holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZipKind {
    Xlsx,
    Ods,
}

const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// Checks an archive's declared sizes, tells .xlsx from .ods, and estimates the memory calamine
/// would need for it.
pub fn inspect(bytes: &[u8]) -> Result<ZipKind, ReadError> {
    let kind = archive(bytes)?;
    library_memory(bytes, kind)?;
    Ok(kind)
}

/// The archive's own checks (entries, declared sizes, compression ratio, encryption) and which
/// spreadsheet it holds, without reading any part's XML.
pub fn archive(bytes: &[u8]) -> Result<ZipKind, ReadError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| corrupt(format!("zip: {e}")))?;
    if archive.len() > limits::MAX_ZIP_ENTRIES {
        return Err(ReadError::ArchiveTooLarge { reason: ArchiveReason::Entries });
    }
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| corrupt(format!("zip: {e}")))?;
        let declared = entry.size();
        if declared >= limits::RATIO_MIN_ENTRY_BYTES
            && declared / entry.compressed_size().max(1) > limits::MAX_COMPRESSION_RATIO
        {
            return Err(ReadError::ArchiveTooLarge { reason: ArchiveReason::Ratio });
        }
        total = total.saturating_add(declared);
        if entry.encrypted() {
            return Err(ReadError::Encrypted);
        }
        names.push(String::from_utf8_lossy(entry.name_raw()).into_owned());
    }
    if total > limits::MAX_UNCOMPRESSED_BYTES {
        return Err(ReadError::ArchiveTooLarge { reason: ArchiveReason::TotalSize });
    }

    let has = |n: &str| names.iter().any(|x| x == n);
    let kind = if has("mimetype") {
        let mut mime = Vec::new();
        let entry = archive.by_name("mimetype").map_err(|e| corrupt(format!("zip: {e}")))?;
        entry.take(200).read_to_end(&mut mime).map_err(|e| corrupt(format!("zip: {e}")))?;
        if mime.as_slice() == ODS_MIMETYPE {
            ZipKind::Ods
        } else if mime.starts_with(b"application/vnd.oasis.opendocument") {
            return Err(ReadError::NotASpreadsheet { what: "OpenDocument 文档 / OpenDocument document" });
        } else {
            return Err(corrupt("zip archive with an unknown mimetype"));
        }
    } else if has("xl/workbook.bin") {
        return Err(ReadError::Unsupported { what: ".xlsb" });
    } else if has("word/document.xml") {
        return Err(ReadError::NotASpreadsheet { what: "Word" });
    } else if has("ppt/presentation.xml") {
        return Err(ReadError::NotASpreadsheet { what: "PowerPoint" });
    } else if has("[Content_Types].xml") {
        ZipKind::Xlsx
    } else {
        return Err(corrupt("a zip archive, but not a spreadsheet"));
    };
    Ok(kind)
}

/// Estimates the memory calamine would need for the parts it loads whole (styles and shared
/// strings of .xlsx, the content of .ods), refusing a file over [`limits::MAX_PARSE_MEMORY`].
pub fn library_memory(bytes: &[u8], kind: ZipKind) -> Result<(), ReadError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| corrupt(format!("zip: {e}")))?;
    let mut estimate = Estimate::default();
    for i in 0..archive.len() {
        // Names not in UTF-8 kept, as `archive` reads them.
        let name =
            String::from_utf8_lossy(archive.by_index_raw(i).map_err(|e| corrupt(format!("zip: {e}")))?.name_raw())
                .into_owned();
        let lower = name.to_ascii_lowercase();
        let scan = match kind {
            ZipKind::Xlsx if lower.ends_with("styles.xml") => Part::Styles,
            ZipKind::Xlsx if lower.ends_with("sharedstrings.xml") => Part::SharedStrings,
            ZipKind::Ods if name == "content.xml" => Part::OdsContent,
            _ => continue,
        };
        let entry = archive.by_index(i).map_err(|e| corrupt(format!("zip: {e}")))?;
        let reader = BufReader::new(entry);
        match scan {
            Part::Styles => styles_cost(reader, &mut estimate)?,
            Part::SharedStrings => shared_strings_cost(reader, &mut estimate)?,
            Part::OdsContent => ods_content_cost(reader, &mut estimate)?,
        }
    }
    Ok(())
}

enum Part {
    Styles,
    SharedStrings,
    OdsContent,
}

/// An XML reader configured like calamine's, so both see the same events (also our own .xlsx
/// reader's, over a part's bytes).
pub(crate) fn xml_reader<R: BufRead>(r: R) -> quick_xml::Reader<R> {
    let mut xml = quick_xml::Reader::from_reader(r);
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    xml
}

fn xml_error(e: impl std::fmt::Display) -> ReadError {
    corrupt(format!("xml: {e}"))
}

/// calamine turns every `<xf>` of styles.xml into a `Style` holding clones of the font, fill,
/// border and number format it refers to, so one huge font referenced by many `<xf>`s multiplies.
/// Cost: `xf count × (Style + twice the largest font + fill + border + number format)`.
fn styles_cost<R: BufRead>(r: R, estimate: &mut Estimate) -> Result<(), ReadError> {
    let mut xml = xml_reader(r);
    let mut buf = Vec::new();
    let mut xfs: u64 = 0;
    // Largest font, fill, border and numFmt element, in bytes of XML.
    let mut largest = [0u64; 4];
    let mut open: [Option<u64>; 4] = [None; 4];
    let kinds = ["font", "fill", "border", "numFmt"];
    loop {
        let before = xml.buffer_position();
        let event = xml.read_event_into(&mut buf).map_err(xml_error)?;
        let after = xml.buffer_position();
        match event {
            Event::Start(e) => {
                let local = e.local_name();
                let name = local.as_ref();
                if name == "xf" {
                    xfs += 1;
                }
                if let Some(k) = kinds.iter().position(|k| *k == name) {
                    open[k].get_or_insert(before);
                }
            }
            Event::End(e) => {
                let local = e.local_name();
                if let Some(k) = kinds.iter().position(|k| *k == local.as_ref())
                    && let Some(start) = open[k].take()
                {
                    largest[k] = largest[k].max(after - start);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let per_xf = size_of::<calamine::Style>() as u64 + 2 * largest.iter().sum::<u64>() + 64;
    estimate.add(xml.buffer_position())?;
    estimate.add(xfs.saturating_mul(per_xf))
}

/// calamine keeps every shared string; an empty `<si/>` still costs a `String` in a growing `Vec`.
fn shared_strings_cost<R: BufRead>(r: R, estimate: &mut Estimate) -> Result<(), ReadError> {
    let mut xml = xml_reader(r);
    let mut buf = Vec::new();
    let mut strings: u64 = 0;
    loop {
        match xml.read_event_into(&mut buf).map_err(xml_error)? {
            Event::Start(e) if e.local_name().as_ref() == "si" => strings += 1,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    estimate.add(xml.buffer_position())?;
    estimate.add(strings.saturating_mul(2 * size_of::<String>() as u64))
}

/// calamine's limits on .ods tables: rows per table and columns per row.
const ODS_MAX_ROWS: u64 = 1_048_576;
const ODS_MAX_COLUMNS: u64 = 16_384;
/// One cell in calamine's value grid plus one in its formula grid.
const ODS_CELL: u64 = (size_of::<calamine::Data>() + size_of::<String>()) as u64;

/// Mirrors how calamine 0.38 expands `number-rows-repeated`, `number-columns-repeated` and
/// `<text:s text:c=…>` in content.xml: each table is first read row by row (every repeated cell
/// cloned), then copied into a dense grid with every repeated row cloned, from the first to the
/// last non-empty row, as wide as the widest row.
fn ods_content_cost<R: BufRead>(r: R, estimate: &mut Estimate) -> Result<(), ReadError> {
    let mut xml = xml_reader(r);
    let mut buf = Vec::new();
    let mut table = OdsTable::default();
    loop {
        match xml.read_event_into(&mut buf).map_err(xml_error)? {
            Event::Start(e) if e.name().as_ref() == "table:table" => {
                table.finish(estimate)?;
            }
            Event::End(e) if e.name().as_ref() == "table:table" => {
                table.finish(estimate)?;
            }
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                let repeats = match attr(&e, "table:number-rows-repeated") {
                    Some(v) => v.parse::<u64>().map_err(|_| corrupt("ods: bad row repeat"))?,
                    None => 1,
                };
                buf.clear();
                let (width, heap) = ods_row(&mut xml, &mut buf)?;
                let row_cost = width.saturating_mul(ODS_CELL).saturating_add(heap);
                estimate.add(row_cost)?;
                table.add_row(repeats, width, heap);
                // Stop early once the grid alone would break the budget; it is added at the end.
                estimate.check_with(table.grid_cost())?;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    table.finish(estimate)
}

/// Running shape of one .ods table for the dense-grid estimate.
#[derive(Default)]
struct OdsTable {
    total_rows: u64,
    started: bool,
    // Rows and cloned heap bytes from the first non-empty row to the latest one seen.
    rows_to_last: u64,
    heap_to_last: u64,
    // Including empty rows after the latest non-empty one (counted if another follows).
    rows_pending: u64,
    widest: u64,
}

impl OdsTable {
    fn add_row(&mut self, repeats: u64, width: u64, heap: u64) {
        let capped = repeats.min(ODS_MAX_ROWS.saturating_sub(self.total_rows));
        self.total_rows = self.total_rows.saturating_add(capped);
        if width > 0 {
            self.started = true;
            self.rows_pending = self.rows_pending.saturating_add(capped);
            self.rows_to_last = self.rows_pending;
            self.heap_to_last = self.heap_to_last.saturating_add(capped.saturating_mul(heap));
            self.widest = self.widest.max(width);
        } else if self.started {
            self.rows_pending = self.rows_pending.saturating_add(capped);
        }
    }

    fn grid_cost(&self) -> u64 {
        self.rows_to_last.saturating_mul(self.widest).saturating_mul(ODS_CELL).saturating_add(self.heap_to_last)
    }

    /// The grid of a finished table stays in memory until the workbook is dropped.
    fn finish(&mut self, estimate: &mut Estimate) -> Result<(), ReadError> {
        let cost = self.grid_cost();
        *self = OdsTable::default();
        estimate.add(cost)
    }
}

/// Reads one `<table:table-row>`; returns the number of cells calamine would push for it and the
/// heap bytes of their cloned strings and formulas.
fn ods_row<R: BufRead>(xml: &mut quick_xml::Reader<R>, buf: &mut Vec<u8>) -> Result<(u64, u64), ReadError> {
    let mut width: u64 = 0;
    let mut heap: u64 = 0;
    let mut pending_empty: u64 = 0;
    loop {
        let event = xml.read_event_into(buf).map_err(xml_error)?;
        match event {
            Event::Start(e) if matches!(e.name().as_ref(), "table:table-cell" | "table:covered-table-cell") => {
                let repeats = match attr(&e, "table:number-columns-repeated") {
                    Some(v) => v.parse::<u64>().map_err(|_| corrupt("ods: bad column repeat"))?,
                    None => 1,
                };
                let mut filled = false;
                let mut attr_bytes: u64 = 0;
                for a in e.attributes().with_checks(false).flatten() {
                    let local = a.key.local_name();
                    if matches!(
                        local.as_ref(),
                        "value"
                            | "string-value"
                            | "date-value"
                            | "time-value"
                            | "boolean-value"
                            | "value-type"
                            | "formula"
                    ) {
                        filled = true;
                    }
                    attr_bytes = attr_bytes.saturating_add(a.value.len() as u64);
                }
                let name = e.name().as_ref().to_owned();
                buf.clear();
                let content = ods_cell_content(xml, buf, &name)?;
                if filled || content > 0 {
                    let remaining = ODS_MAX_COLUMNS.saturating_sub(width);
                    width += pending_empty.min(remaining);
                    pending_empty = 0;
                    let n = repeats.min(ODS_MAX_COLUMNS.saturating_sub(width));
                    width += n;
                    // The value string and the formula string are both cloned per repeat.
                    let per_cell = attr_bytes.saturating_add(content).saturating_mul(2);
                    heap = heap.saturating_add(n.saturating_mul(per_cell));
                } else {
                    pending_empty = repeats.min(ODS_MAX_COLUMNS.saturating_sub(width));
                }
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => break,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok((width, heap))
}

/// Bytes a cell's content can become: its XML size plus the spaces `<text:s text:c=N/>` expands
/// to. Consumes events up to the cell's end.
fn ods_cell_content<R: BufRead>(
    xml: &mut quick_xml::Reader<R>,
    buf: &mut Vec<u8>,
    name: &str,
) -> Result<u64, ReadError> {
    let start = xml.buffer_position();
    let mut depth = 1u32;
    let mut spaces: u64 = 0;
    loop {
        let event = xml.read_event_into(buf).map_err(xml_error)?;
        match event {
            Event::Start(e) => {
                if e.name().as_ref() == name {
                    depth += 1;
                } else if e.name().as_ref() == "text:s" {
                    let n = attr(&e, "text:c").and_then(|v| v.parse::<u64>().ok()).unwrap_or(1);
                    spaces = spaces.saturating_add(n);
                }
            }
            Event::End(e) if e.name().as_ref() == name => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    // The end tag itself is not content.
    let end = xml.buffer_position();
    let tag = name.len() as u64 + 3;
    Ok((end - start).saturating_sub(tag).saturating_add(spaces))
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().with_checks(false).flatten().find(|a| a.key.as_ref() == name).map(|a| a.value.into_owned())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    pub(crate) fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in parts {
            w.start_file(*name, SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated))
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn ods(content: &str) -> Vec<u8> {
        zip_of(&[("mimetype", ODS_MIMETYPE), ("content.xml", content.as_bytes())])
    }

    fn table(rows: &str) -> String {
        format!(
            "<office:document-content><office:body><office:spreadsheet><table:table table:name=\"S\">{rows}\
             </table:table></office:spreadsheet></office:body></office:document-content>"
        )
    }

    #[test]
    fn highly_compressed_entry_is_refused_without_decompressing() {
        let zeros = vec![0u8; 3 * 1024 * 1024];
        let bytes = zip_of(&[("[Content_Types].xml", b"<Types/>"), ("xl/worksheets/sheet1.xml", &zeros)]);
        assert!(matches!(inspect(&bytes), Err(ReadError::ArchiveTooLarge { reason: ArchiveReason::Ratio })));
    }

    /// Sets the uncompressed size every central directory record declares.
    fn declare_sizes(mut bytes: Vec<u8>, size: u32) -> Vec<u8> {
        let mut i = 0;
        while i + 46 <= bytes.len() {
            if bytes[i..i + 4] == *b"PK\x01\x02" {
                bytes[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
                i += 46;
            } else {
                i += 1;
            }
        }
        bytes
    }

    #[test]
    fn declared_total_over_the_cap_is_refused() {
        let parts: Vec<(String, Vec<u8>)> = (0..101).map(|i| (format!("p{i}.xml"), b"<x/>".to_vec())).collect();
        let refs: Vec<(&str, &[u8])> = parts.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        // Each entry stays under the ratio check's size floor; together they pass 100 MiB.
        let bytes = declare_sizes(zip_of(&refs), 1_048_575);
        assert!(matches!(inspect(&bytes), Err(ReadError::ArchiveTooLarge { reason: ArchiveReason::TotalSize })));
    }

    #[test]
    fn entries_larger_than_declared_fail_to_read_instead_of_growing() {
        // A zip that understates its sizes: the zip reader stops at the declared size.
        let styles = format!("<styleSheet>{}</styleSheet>", "<x/>".repeat(10_000));
        let bytes =
            declare_sizes(zip_of(&[("[Content_Types].xml", b"<Types/>"), ("xl/styles.xml", styles.as_bytes())]), 100);
        assert!(matches!(inspect(&bytes), Err(ReadError::Corrupt { .. })), "{:?}", inspect(&bytes));
    }

    #[test]
    fn ods_row_and_column_repeats_are_costed() {
        let ok = ods(&table(
            "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>UserID</text:p></table:table-cell>\
             <table:table-cell table:number-columns-repeated=\"16000\"/></table:table-row>\
             <table:table-row table:number-rows-repeated=\"1048000\"><table:table-cell table:number-columns-repeated=\"16000\"/></table:table-row>",
        ));
        assert_eq!(inspect(&ok), Ok(ZipKind::Ods), "empty repeats cost nothing");
        let bomb = ods(&table(
            "<table:table-row table:number-rows-repeated=\"1048576\"><table:table-cell table:number-columns-repeated=\"16384\" \
             office:value-type=\"float\" office:value=\"1\"/></table:table-row>",
        ));
        assert_eq!(inspect(&bomb), Err(ReadError::TooComplex));
        let spaces = ods(&table(
            "<table:table-row><table:table-cell office:value-type=\"string\"><text:p><text:s text:c=\"4000000000\"/></text:p>\
             </table:table-cell></table:table-row>",
        ));
        assert_eq!(inspect(&spaces), Err(ReadError::TooComplex));
    }

    #[test]
    fn cloned_styles_are_costed() {
        let font = format!("<font><name val=\"{}\"/></font>", "x".repeat(100_000));
        let xfs = "<xf fontId=\"0\"/>".repeat(5_000);
        let styles = format!("<styleSheet><fonts>{font}</fonts><cellXfs>{xfs}</cellXfs></styleSheet>");
        let bytes = zip_of(&[("[Content_Types].xml", b"<Types/>"), ("xl/styles.xml", styles.as_bytes())]);
        assert_eq!(inspect(&bytes), Err(ReadError::TooComplex));
    }

    #[test]
    fn other_zip_documents_are_named() {
        let docx = zip_of(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>")]);
        assert!(matches!(inspect(&docx), Err(ReadError::NotASpreadsheet { what: "Word" })));
        let xlsb = zip_of(&[("[Content_Types].xml", b"<Types/>"), ("xl/workbook.bin", b"\0")]);
        assert!(matches!(inspect(&xlsb), Err(ReadError::Unsupported { what: ".xlsb" })));
        let plain = zip_of(&[("notes.txt", b"hello")]);
        assert!(matches!(inspect(&plain), Err(ReadError::Corrupt { .. })));
    }

    #[test]
    fn too_many_entries_is_refused() {
        let parts: Vec<(String, Vec<u8>)> = (0..=limits::MAX_ZIP_ENTRIES).map(|i| (format!("{i}"), vec![])).collect();
        let refs: Vec<(&str, &[u8])> = parts.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        assert!(matches!(inspect(&zip_of(&refs)), Err(ReadError::ArchiveTooLarge { reason: ArchiveReason::Entries })));
    }
}
