//! The .xlsx files people upload, read without calamine: the worksheet XML read straight from
//! the inflated part, cell by cell, with its shared strings looked up in place.
//!
//! calamine reads through a buffered stream and copies every event; on a 100,000-row userid
//! sheet that was most of the time from choosing the file to its checked summary in the browser.
//! This reader takes the common shape of a sheet — shared or inline strings, numbers in general
//! formats, booleans, formulas with their cached values — and gives the cells calamine would
//! give. Anything else (a date or custom number format on a number, an error or ISO-date cell, a
//! `_xHHHH_` escape, an entity other than XML's own, a cell without its reference, names or paths
//! it would have to unescape) makes it answer [`None`], and calamine reads the file as before.
//! `read_tests.rs` holds both readers to the same cells on generated and real files.
//!
//! The shared strings and the worksheet cells are first scanned byte by byte (`xlsx_scan`), which
//! takes only their usual shapes; this module's quick-xml walk reads the parts the scan leaves.
//!
//! A file calamine refuses as damaged may still be read here when the damage is in a part this
//! reader does not look at (fonts, themes, a malformed `<dimension>`): both readers are lenient
//! where Excel is.

use super::guard::zip::xml_reader;
use super::limits;
use super::read::{Budget, Cell, ReadError, Row, Sheet, SheetFormat, Workbook, clip, place_cell};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// Why the fast reader stopped.
pub(super) enum Stop {
    /// Not a file this reader takes: calamine reads it. Where the reader gave up, for tests.
    Unsure(#[cfg_attr(not(test), allow(dead_code))] &'static std::panic::Location<'static>),
    /// One of our own limits, which calamine's cells would reach the same way.
    Limit(ReadError),
}

impl From<ReadError> for Stop {
    fn from(e: ReadError) -> Self {
        Stop::Limit(e)
    }
}

pub(super) type Fast<T> = Result<T, Stop>;

/// Turns anything that cannot happen in the files this reader takes into [`Stop::Unsure`].
pub(super) trait OrUnsure<T> {
    fn unsure(self) -> Fast<T>;
}

impl<T> OrUnsure<T> for Option<T> {
    #[track_caller]
    fn unsure(self) -> Fast<T> {
        self.ok_or_else(|| unsure())
    }
}

impl<T, E> OrUnsure<T> for Result<T, E> {
    #[track_caller]
    fn unsure(self) -> Fast<T> {
        match self {
            Ok(v) => Ok(v),
            Err(_) => Err(unsure()),
        }
    }
}

#[track_caller]
pub(super) fn unsure() -> Stop {
    Stop::Unsure(std::panic::Location::caller())
}

/// The workbook, or `None` when calamine should read it. The zip has passed the size guard.
pub(super) fn read(bytes: &[u8]) -> Option<Result<Workbook, ReadError>> {
    read_with(bytes, Scanning::On)
}

/// Whether the parts are scanned first (`xlsx_scan`) or only walked with quick-xml; tests compare
/// the two.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Scanning {
    On,
    Off,
    /// Scanned only: where the scan does not take a part, the file is not taken (tests).
    #[cfg(test)]
    Only,
}

/// [`read`], scanning the parts first or not.
pub(super) fn read_with(bytes: &[u8], scanning: Scanning) -> Option<Result<Workbook, ReadError>> {
    match read_fast(bytes, scanning) {
        Ok(wb) => Some(Ok(wb)),
        Err(Stop::Limit(e)) => Some(Err(e)),
        Err(Stop::Unsure(_)) => None,
    }
}

/// Where the fast reader left the file to calamine (`None`: it did not).
#[cfg(test)]
pub(super) fn why_not(bytes: &[u8]) -> Option<String> {
    match read_fast(bytes, Scanning::On) {
        Err(Stop::Unsure(at)) => Some(at.to_string()),
        _ => None,
    }
}

/// Where the scan left a part of the file to the quick-xml walk (`None`: it did not).
#[cfg(test)]
pub(super) fn why_not_scanned(bytes: &[u8]) -> Option<String> {
    match read_fast(bytes, Scanning::Only) {
        Err(Stop::Unsure(at)) => Some(at.to_string()),
        _ => None,
    }
}

fn read_fast(bytes: &[u8], scanning: Scanning) -> Fast<Workbook> {
    let mut parts = Parts::open(bytes)?;
    let package = parts.get("_rels/.rels")?.unsure()?;
    let document = office_document(&package)?;
    if document.strip_prefix('/').unwrap_or(&document) != "xl/workbook.xml" {
        return Err(unsure());
    }
    let strings = match parts.get("xl/sharedStrings.xml")? {
        Some(xml) => match scanning {
            Scanning::On => super::xlsx_scan::shared_strings(&xml).or_else(|_| shared_strings(&xml))?,
            Scanning::Off => shared_strings(&xml)?,
            #[cfg(test)]
            Scanning::Only => super::xlsx_scan::shared_strings(&xml)?,
        },
        None => Vec::new(),
    };
    let formats = match parts.get("xl/styles.xml")? {
        Some(xml) => number_formats(&xml)?,
        None => Vec::new(),
    };
    let relationships = relationships(&parts.get("xl/_rels/workbook.xml.rels")?.unsure()?)?;
    let workbook = parts.get("xl/workbook.xml")?.unsure()?;
    let mut budget = Budget::default();
    let mut sheets = Vec::new();
    for (name, path) in visible_worksheets(&workbook, &relationships)? {
        let xml = parts.get(&path)?.unsure()?;
        let rows = worksheet_rows(&xml, &strings, &formats, &mut budget, scanning)?;
        sheets.push(Sheet { name, rows });
    }
    Ok(Workbook { format: SheetFormat::Xlsx, text_encoding: None, sheets })
}

/// The archive's parts, found by name as calamine finds them (ignoring case, `\` as `/`).
struct Parts<'b> {
    zip: zip::ZipArchive<Cursor<&'b [u8]>>,
    names: HashMap<String, String>,
}

impl<'b> Parts<'b> {
    fn open(bytes: &'b [u8]) -> Fast<Self> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).unsure()?;
        let mut names = HashMap::with_capacity(zip.len());
        for name in zip.file_names() {
            let name = name.unsure()?;
            names.insert(name.replace('\\', "/").to_ascii_lowercase(), name.into_owned());
        }
        Ok(Parts { zip, names })
    }

    /// The part's bytes inflated, `None` when there is no such part.
    fn get(&mut self, path: &str) -> Fast<Option<Vec<u8>>> {
        let name = self.names.get(&path.to_ascii_lowercase()).map_or(path, String::as_str);
        let mut file = match self.zip.by_name(name) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(_) => return Err(unsure()),
        };
        // The guard checked the declared sizes; a part that inflates to more is calamine's to refuse.
        let declared = file.size();
        let mut out = Vec::with_capacity(usize::try_from(declared).unsure()?);
        (&mut file).take(declared.saturating_add(1)).read_to_end(&mut out).unsure()?;
        if out.len() as u64 != declared {
            return Err(unsure());
        }
        Ok(Some(out))
    }
}

/// The raw values of the attributes named `keys` (exact keys), in one pass over the element's
/// attributes; an element giving one of them twice is not taken.
fn attrs<'e, const N: usize>(e: &'e BytesStart<'_>, keys: [&str; N]) -> Fast<[Option<&'e str>; N]> {
    let mut found = [None; N];
    for a in e.attributes().with_checks(false) {
        let a = a.unsure()?;
        let Some(i) = keys.iter().position(|k| *k == a.key.as_ref()) else { continue };
        // `with_checks(false)` attributes borrow from the element: their values are never owned.
        let std::borrow::Cow::Borrowed(v) = a.value else { return Err(unsure()) };
        if found[i].replace(v).is_some() {
            return Err(unsure());
        }
    }
    Ok(found)
}

/// One attribute's raw value (see [`attrs`]).
fn attr<'e>(e: &'e BytesStart<'_>, key: &str) -> Fast<Option<&'e str>> {
    Ok(attrs(e, [key])?[0])
}

/// A number written in decimal digits only (an index, a row number), as calamine reads one.
pub(super) fn digits(s: &str) -> Fast<usize> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unsure());
    }
    s.parse().unsure()
}

/// An attribute value used as text: nothing to unescape.
fn plain(s: &str) -> Fast<&str> {
    if s.contains('&') {
        return Err(unsure());
    }
    Ok(s)
}

/// The `Target` of the package's `officeDocument` relationship.
fn office_document(xml: &[u8]) -> Fast<String> {
    let mut r = xml_reader(xml);
    let mut target = None;
    loop {
        match r.read_event().unsure()? {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                let is_document = attr(&e, "Type")?.is_some_and(|t| t.ends_with("/relationships/officeDocument"));
                if is_document && let Some(t) = attr(&e, "Target")? {
                    target = Some(plain(t)?.to_owned());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    target.unsure()
}

/// The workbook's relationships: id → (type, part path).
fn relationships(xml: &[u8]) -> Fast<HashMap<String, (String, String)>> {
    let mut r = xml_reader(xml);
    let mut out = HashMap::new();
    loop {
        match r.read_event().unsure()? {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                let (Some(id), Some(typ), Some(target)) = (attr(&e, "Id")?, attr(&e, "Type")?, attr(&e, "Target")?)
                else {
                    continue;
                };
                let target = plain(target)?;
                let path = match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_owned(),
                    None => format!("xl/{target}"),
                };
                out.insert(plain(id)?.to_owned(), (plain(typ)?.to_owned(), path));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The visible worksheets' names and part paths, in workbook order, at most
/// [`limits::MAX_SHEETS`] (as `read::visible_worksheets` picks them).
fn visible_worksheets(xml: &[u8], rels: &HashMap<String, (String, String)>) -> Fast<Vec<(String, String)>> {
    let mut r = xml_reader(xml);
    let mut all: Vec<(String, String, bool)> = Vec::new();
    loop {
        match r.read_event().unsure()? {
            Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                let mut name = None;
                let mut visible = true;
                let mut rel_id = None;
                for a in e.attributes().with_checks(false) {
                    let a = a.unsure()?;
                    let key = a.key.as_ref();
                    match key {
                        "name" => name = Some(plain(&a.value)?.to_owned()),
                        "state" => {
                            visible = match a.value.as_ref() {
                                "visible" => true,
                                "hidden" | "veryHidden" => false,
                                _ => return Err(unsure()),
                            }
                        }
                        _ if key == "id" || key.ends_with(":id") => rel_id = Some(plain(&a.value)?.to_owned()),
                        _ => {}
                    }
                }
                let (typ, path) = rels.get(&rel_id.unsure()?).unsure()?;
                let worksheet = match typ.rsplit('/').next() {
                    Some("worksheet") => true,
                    Some("chartsheet" | "dialogsheet") => false,
                    _ => return Err(unsure()),
                };
                all.push((name.unwrap_or_default(), path.clone(), worksheet && visible));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // calamine opens a worksheet by its name: two sheets of one name are its to sort out.
    let mut names: Vec<&str> = all.iter().map(|(n, _, _)| n.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(unsure());
    }
    Ok(all.into_iter().filter(|(_, _, keep)| *keep).take(limits::MAX_SHEETS).map(|(n, p, _)| (n, p)).collect())
}

/// Whether numbers in a cell format come out as plain numbers, by the format's `numFmtId`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum NumberFormat {
    Plain,
    /// A date, time or custom format: calamine decides what the number becomes.
    Other,
}

/// More custom number formats or cell formats than Excel allows (about 250 and 64,000): a
/// made-up file, left to calamine and the guard's estimate of its memory.
const MAX_CUSTOM_FORMATS: usize = 4_096;
const MAX_CELL_FORMATS: usize = 100_000;

/// The number format of each cell format (`cellXfs`) in styles.xml, in order.
fn number_formats(xml: &[u8]) -> Fast<Vec<NumberFormat>> {
    let mut r = xml_reader(xml);
    // Custom formats by id: a general or digits-only code keeps numbers plain (LibreOffice
    // writes "General" as custom format 164).
    let mut custom: HashMap<String, NumberFormat> = HashMap::new();
    let mut formats = Vec::new();
    let mut in_cell_xfs = false;
    loop {
        match r.read_event().unsure()? {
            Event::Start(e) if e.local_name().as_ref() == "numFmt" => {
                if let Some(id) = attr(&e, "numFmtId")? {
                    let code = attr(&e, "formatCode")?.unwrap_or_default();
                    let plain = code == "General" || (!code.is_empty() && code.chars().all(|c| "0#,.%@ ".contains(c)));
                    custom.insert(id.to_owned(), if plain { NumberFormat::Plain } else { NumberFormat::Other });
                    if custom.len() > MAX_CUSTOM_FORMATS {
                        return Err(unsure());
                    }
                }
            }
            Event::Start(e) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = true,
            Event::End(e) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = false,
            Event::Start(e) if in_cell_xfs && e.local_name().as_ref() == "xf" => {
                formats.push(match attr(&e, "numFmtId")? {
                    None => NumberFormat::Plain,
                    Some(id) => custom.get(id).copied().unwrap_or_else(|| builtin_number_format(id)),
                });
                if formats.len() > MAX_CELL_FORMATS {
                    return Err(unsure());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(formats)
}

/// calamine's built-in date and time formats (ECMA-376 18.8.30), compared as the attribute's text.
fn builtin_number_format(id: &str) -> NumberFormat {
    const DATES_AND_TIMES: [&str; 32] = [
        "14", "15", "16", "17", "18", "19", "20", "21", "22", "27", "28", "29", "30", "31", "32", "33", "34", "35",
        "36", "45", "46", "47", "50", "51", "52", "53", "54", "55", "56", "57", "58", "",
    ];
    if DATES_AND_TIMES.contains(&id) { NumberFormat::Other } else { NumberFormat::Plain }
}

/// The texts of sharedStrings.xml, in order.
fn shared_strings(xml: &[u8]) -> Fast<Vec<String>> {
    let mut r = xml_reader(xml);
    let mut strings = Vec::new();
    loop {
        match r.read_event().unsure()? {
            Event::Start(e) if e.local_name().as_ref() == "sst" => {
                // The count as declared, within what the part could hold (an item takes 9 bytes).
                if let Some(n) = attr(&e, "uniqueCount")?.and_then(|n| n.parse::<usize>().ok()) {
                    strings.reserve(n.min(xml.len() / 9));
                }
            }
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                // Each string costs a `String` even when empty: as many as a sheet may have cells.
                if strings.len() >= limits::MAX_CELLS {
                    return Err(unsure());
                }
                strings.push(rich_text(&mut r, e.name().as_ref())?);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(strings)
}

/// The text of a string item (`<si>`, or an inline `<is>`) up to its end tag `closing`: its `<t>`
/// runs joined, phonetic runs (`<rPh>`) left out, each run trimmed of ASCII whitespace unless it
/// keeps its spaces (`xml:space="preserve"`) — as calamine reads one.
fn rich_text(r: &mut Reader<&[u8]>, closing: &str) -> Fast<String> {
    let mut text = String::new();
    let mut phonetic = false;
    loop {
        match r.read_event().unsure()? {
            Event::Start(e) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Event::End(e) if e.name().as_ref() == closing => return Ok(text),
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == "t" && !phonetic => {
                let preserve = attr(&e, "xml:space")? == Some("preserve");
                let run = element_text(r, e.name().as_ref())?;
                text.push_str(if preserve { &run } else { run.trim_matches(RUN_SPACE) });
            }
            Event::Eof => return Err(unsure()),
            _ => {}
        }
    }
}

/// The text of an element up to its end tag `closing`, XML's own entities and character
/// references resolved. Anything calamine would change further (line ends, `_xHHHH_`
/// escapes, CDATA, elements inside) is left to calamine.
fn element_text(r: &mut Reader<&[u8]>, closing: &str) -> Fast<String> {
    let mut text = String::new();
    loop {
        match r.read_event().unsure()? {
            Event::Text(t) => {
                let s: &str = t.as_ref();
                if s.as_bytes().contains(&b'\r') {
                    return Err(unsure());
                }
                text.push_str(s);
            }
            Event::GeneralRef(g) => {
                let c = match g.resolve_char_ref().unsure()? {
                    Some(c) => c,
                    None => match g.as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        _ => return Err(unsure()),
                    },
                };
                if c == '\r' {
                    return Err(unsure());
                }
                text.push(c);
            }
            Event::End(e) if e.name().as_ref() == closing => break,
            _ => return Err(unsure()),
        }
    }
    if escapes(&text) {
        return Err(unsure());
    }
    Ok(text)
}

/// Whether text may hold one of calamine's `_xHHHH_` escapes, which it turns into characters (a
/// byte search: a substring search sets up a searcher per call, and this runs on every string).
pub(super) fn escapes(text: &str) -> bool {
    text.as_bytes().windows(2).any(|w| w == b"_x")
}

/// The whitespace calamine trims from each text run that does not keep its spaces.
pub(super) const RUN_SPACE: [char; 4] = [' ', '\t', '\r', '\n'];

/// The text of a `<v>` as calamine reads a number's, a shared string's or a boolean's: the one
/// run of text before its end tag, as it stands.
fn raw_text<'i>(r: &mut Reader<&'i [u8]>, closing: &str) -> Fast<&'i str> {
    let text = match r.read_event().unsure()? {
        Event::End(e) if e.name().as_ref() == closing => return Ok(""),
        Event::Text(t) => match t.into_inner() {
            std::borrow::Cow::Borrowed(b) => b,
            std::borrow::Cow::Owned(_) => return Err(unsure()),
        },
        _ => return Err(unsure()),
    };
    match r.read_event().unsure()? {
        Event::End(e) if e.name().as_ref() == closing => Ok(text),
        _ => Err(unsure()),
    }
}

/// A cell reference such as `B12` as a 0-based (row, column) within Excel's grid.
pub(super) fn cell_position(r: &str) -> Fast<(u32, u32)> {
    let r = r.as_bytes();
    let letters = r.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let (col, row) = r.split_at(letters);
    if !(1..=3).contains(&letters) || row.is_empty() || row.len() > 7 || row[0] == b'0' {
        return Err(unsure());
    }
    if !row.iter().all(u8::is_ascii_digit) {
        return Err(unsure());
    }
    let col = col.iter().fold(0u32, |n, b| n * 26 + u32::from(b - b'A') + 1);
    let row = row.iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    if col > 16_384 || row > 1_048_576 {
        return Err(unsure());
    }
    Ok((row - 1, col - 1))
}

/// A plain decimal number as Excel writes one (`-12`, `3.5`, `1.38E+10`); anything else is
/// calamine's to parse.
fn number(v: &str) -> Fast<f64> {
    let b = v.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if digits(&mut i) == 0 {
        return Err(unsure());
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        digits(&mut i);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return Err(unsure());
        }
    }
    if i != b.len() {
        return Err(unsure());
    }
    v.parse().unsure()
}

/// Skips to the end tag `closing`.
fn skip_to(r: &mut Reader<&[u8]>, closing: &str) -> Fast<()> {
    loop {
        match r.read_event().unsure()? {
            Event::End(e) if e.name().as_ref() == closing => return Ok(()),
            Event::Eof => return Err(unsure()),
            _ => {}
        }
    }
}

/// What a cell holds, from its type (`t`), its format (`s`) and its `<v>`.
pub(super) fn value_of(
    v: &str,
    typ: Option<&str>,
    style: Option<&str>,
    strings: &[String],
    formats: &[NumberFormat],
) -> Fast<Cell> {
    Ok(match typ {
        Some("s") => {
            if v.is_empty() {
                return Ok(Cell::Empty);
            }
            Cell::Text(clip(strings.get(digits(v)?).unsure()?))
        }
        None | Some("n") => {
            if v.is_empty() {
                return Ok(Cell::Empty);
            }
            let n = number(v)?;
            if let Some(s) = style {
                if formats.get(digits(s)?).is_some_and(|f| *f != NumberFormat::Plain) {
                    return Err(unsure());
                }
            }
            Cell::Number(n)
        }
        Some("b") => match v.trim() {
            "" => Cell::Empty,
            "0" => Cell::Bool(false),
            "1" => Cell::Bool(true),
            t if t.eq_ignore_ascii_case("false") => Cell::Bool(false),
            t if t.eq_ignore_ascii_case("true") => Cell::Bool(true),
            _ => return Err(unsure()),
        },
        Some("str") => Cell::Text(clip(v)),
        _ => return Err(unsure()),
    })
}

/// One `<c>` element's value, after its start tag: the value of its last child, as calamine
/// takes it (`<f>` counts as empty; an inline string's `<v>` too).
fn cell_value(
    r: &mut Reader<&[u8]>,
    typ: Option<&str>,
    style: Option<&str>,
    strings: &[String],
    formats: &[NumberFormat],
) -> Fast<Cell> {
    let inline = matches!(typ, Some("inlineStr" | "is"));
    let mut value = Cell::Empty;
    loop {
        match r.read_event().unsure()? {
            Event::Start(e) => {
                let name = e.name();
                value = match e.local_name().as_ref() {
                    "is" => Cell::Text(clip(&rich_text(r, name.as_ref())?)),
                    "v" if inline => {
                        skip_to(r, name.as_ref())?;
                        Cell::Empty
                    }
                    // A formula's text result may hold entities; the other types' values are read
                    // by calamine as one run of raw text.
                    "v" if typ == Some("str") => {
                        value_of(&element_text(r, name.as_ref())?, typ, style, strings, formats)?
                    }
                    "v" => value_of(raw_text(r, name.as_ref())?, typ, style, strings, formats)?,
                    "f" => {
                        skip_to(r, name.as_ref())?;
                        Cell::Empty
                    }
                    _ => return Err(unsure()),
                };
            }
            Event::End(e) if e.local_name().as_ref() == "c" => return Ok(value),
            Event::Eof => return Err(unsure()),
            _ => {}
        }
    }
}

/// The non-empty rows of a worksheet part, with the limits `read_xlsx` applies.
fn worksheet_rows(
    xml: &[u8],
    strings: &[String],
    formats: &[NumberFormat],
    budget: &mut Budget,
    scanning: Scanning,
) -> Fast<Vec<Row>> {
    let mut r = xml_reader(xml);
    loop {
        match r.read_event().unsure()? {
            Event::Start(e) if e.local_name().as_ref() == "sheetData" => break,
            Event::Eof => return Err(unsure()),
            _ => {}
        }
    }
    // The cells scanned, where the scan takes them (an empty `<sheetData/>` is the walk's).
    let at = usize::try_from(r.buffer_position()).unsure()?;
    if scanning != Scanning::Off && !xml[..at].ends_with(b"/>") {
        let mut charged = budget.clone();
        match super::xlsx_scan::worksheet_rows(xml, at, strings, formats, &mut charged) {
            Ok(rows) => {
                *budget = charged;
                return Ok(rows);
            }
            // The walk reads the same cells up to there, so it reaches the same limit.
            Err(Stop::Limit(e)) => return Err(Stop::Limit(e)),
            #[cfg(test)]
            Err(stop) if scanning == Scanning::Only => return Err(stop),
            Err(Stop::Unsure(_)) => {}
        }
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut in_order = true;
    loop {
        let e = match r.read_event().unsure()? {
            Event::Start(e) if e.local_name().as_ref() == "c" => e,
            Event::Start(e) if e.local_name().as_ref() == "row" => {
                // calamine reads a row's number for its cells without a reference, which this
                // reader leaves to it; a number it could not read is a damaged file.
                if let Some(n) = attr(&e, "r")? {
                    digits(n)?;
                }
                continue;
            }
            Event::End(e) if e.local_name().as_ref() == "sheetData" => break,
            Event::Eof => return Err(unsure()),
            _ => continue,
        };
        let [r_attr, typ, style] = attrs(&e, ["r", "t", "s"])?;
        let (row, col) = cell_position(r_attr.unsure()?)?;
        let value = cell_value(&mut r, typ, style, strings, formats)?;
        place_cell(&mut rows, &mut in_order, (row, col as usize), value, budget)?;
        if !in_order {
            // Rows out of order: calamine's path puts them together.
            return Err(unsure());
        }
    }
    Ok(rows)
}
