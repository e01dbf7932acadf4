//! The shared strings and the worksheet cells of the usual .xlsx, read by scanning the part's
//! bytes for the few shapes Excel and the common writers give them, without an XML tokenizer.
//!
//! In the browser the XML events were most of a big sheet's time: a 100,000-row userid sheet is
//! some 300,000 cells, each five tags and three attributes, and quick-xml's general tokenizer
//! (built for size in the WASM) paid for every shape XML allows at every byte. This scanner takes
//! only:
//!
//! - shared strings written as `<si><t>text</t></si>` or as formatted runs `<r><rPr>…</rPr><t>…</t></r>`;
//! - cells `<c r=… t=… s=…>` holding `<v>…</v>` and formulas `<f>…</f>`, in `<row>`s;
//! - whitespace between tags; text needing no unescaping; valid UTF-8.
//!
//! Anything else — rich text, inline strings, entities in values, comments, prefixed names,
//! unusual spacing in a tag — makes it answer [`Stop::Unsure`], and `xlsx_fast`'s quick-xml walk
//! reads the part instead (which leaves what it is not sure of to calamine). So it reads a subset
//! of what that walk reads, with the same cells: `read::assert_xlsx_readers_agree` (tests and the
//! `sheet_reader` fuzz target) checks both on every file.

use super::limits;
use super::read::{Budget, Cell, Row, place_cell};
use super::xlsx_fast::{Fast, NumberFormat, OrUnsure, RUN_SPACE, cell_position, digits, escapes, unsure, value_of};

/// A cursor over a part's bytes, which were checked to be UTF-8 once.
struct Scan<'x> {
    s: &'x str,
    i: usize,
}

impl<'x> Scan<'x> {
    fn new(xml: &'x [u8], at: usize) -> Fast<Self> {
        Ok(Scan { s: std::str::from_utf8(xml).unsure()?, i: at })
    }

    #[inline(always)]
    fn bytes(&self) -> &'x [u8] {
        self.s.as_bytes()
    }

    /// Moves past `lit` when it comes next.
    #[inline(always)]
    fn eat(&mut self, lit: &[u8]) -> bool {
        let found = self.bytes()[self.i..].starts_with(lit);
        if found {
            self.i += lit.len();
        }
        found
    }

    /// Moves past whitespace; whether there was any.
    #[inline(always)]
    fn skip_space(&mut self) -> bool {
        let start = self.i;
        while matches!(self.bytes().get(self.i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
        self.i > start
    }

    /// Moves to the next tag, over whitespace only.
    #[inline(always)]
    fn to_tag(&mut self) -> Fast<()> {
        self.skip_space();
        if self.bytes().get(self.i) == Some(&b'<') { Ok(()) } else { Err(unsure()) }
    }

    /// The text up to the next tag, taken only when nothing in it needs unescaping.
    fn text(&mut self) -> Fast<&'x str> {
        let start = self.i;
        let len = self.bytes()[start..].iter().position(|&b| b == b'<' || b == b'&').unsure()?;
        self.i += len;
        if self.bytes()[self.i] == b'&' {
            return Err(unsure());
        }
        Ok(&self.s[start..self.i])
    }

    /// The attributes of a start tag whose name was just read, each given to `each`, through its
    /// `>`; whether the tag was empty (`/>`). Only `name="value"` (or single quotes) after
    /// whitespace is taken, values without `<`.
    fn attributes(&mut self, mut each: impl FnMut(&'x str, &'x str) -> Fast<()>) -> Fast<bool> {
        loop {
            let spaced = self.skip_space();
            match self.bytes().get(self.i) {
                Some(b'>') => {
                    self.i += 1;
                    return Ok(false);
                }
                Some(b'/') if self.bytes().get(self.i + 1) == Some(&b'>') => {
                    self.i += 2;
                    return Ok(true);
                }
                Some(_) if spaced => {}
                _ => return Err(unsure()),
            }
            let start = self.i;
            while matches!(self.bytes().get(self.i), Some(b) if b.is_ascii_alphanumeric() || b":_-.".contains(b)) {
                self.i += 1;
            }
            let key = &self.s[start..self.i];
            let quote = match self.bytes().get(self.i..self.i + 2) {
                Some([b'=', q @ (b'"' | b'\'')]) if !key.is_empty() => *q,
                _ => return Err(unsure()),
            };
            self.i += 2;
            let start = self.i;
            let len = self.bytes()[start..].iter().position(|&b| b == quote || b == b'<').unsure()?;
            self.i += len;
            if self.bytes()[self.i] != quote {
                return Err(unsure());
            }
            self.i += 1;
            each(key, &self.s[start..start + len])?;
        }
    }
}

/// Keeps an attribute's value in `slot`; an element giving it twice is not taken (as
/// `xlsx_fast::attrs`).
fn keep<'x>(slot: &mut Option<&'x str>, value: &'x str) -> Fast<()> {
    if slot.replace(value).is_some() { Err(unsure()) } else { Ok(()) }
}

/// The texts of sharedStrings.xml, in order, as `xlsx_fast::shared_strings` reads them.
pub(super) fn shared_strings(xml: &[u8]) -> Fast<Vec<String>> {
    let mut sc = Scan::new(xml, 0)?;
    sc.skip_space();
    if sc.eat(b"<?xml") {
        let end = sc.s[sc.i..].find("?>").unsure()?;
        sc.i += end + 2;
    }
    sc.to_tag()?;
    if !sc.eat(b"<sst") {
        return Err(unsure());
    }
    let mut unique = None;
    let empty = sc.attributes(|k, v| if k == "uniqueCount" { keep(&mut unique, v) } else { Ok(()) })?;
    let mut strings = Vec::new();
    if let Some(n) = unique.and_then(|n| n.parse::<usize>().ok()) {
        strings.reserve(n.min(xml.len() / 9));
    }
    if !empty {
        loop {
            sc.to_tag()?;
            if sc.eat(b"</sst>") {
                break;
            }
            if !sc.eat(b"<si") {
                return Err(unsure());
            }
            if strings.len() >= limits::MAX_CELLS {
                return Err(unsure());
            }
            if sc.attributes(|_, _| Ok(()))? {
                strings.push(String::new());
                continue;
            }
            strings.push(string_item(&mut sc)?);
        }
    }
    sc.skip_space();
    if sc.i != xml.len() {
        return Err(unsure());
    }
    Ok(strings)
}

/// A string item's text after its `<si>`, through its `</si>`: its runs joined, plain (`<t>`) or
/// formatted (`<r>`, its `<rPr>` skipped), each trimmed of ASCII whitespace unless it keeps its
/// spaces, as `xlsx_fast::rich_text` joins them. Phonetic runs are the walk's.
fn string_item(sc: &mut Scan<'_>) -> Fast<String> {
    let mut text = String::new();
    loop {
        sc.to_tag()?;
        if sc.eat(b"</si>") {
            return Ok(text);
        }
        let formatted = sc.eat(b"<r>");
        if formatted {
            sc.to_tag()?;
            if sc.eat(b"<rPr>") {
                run_properties(sc)?;
                sc.to_tag()?;
            }
        }
        if !sc.eat(b"<t") {
            return Err(unsure());
        }
        let mut space = None;
        let run = if sc.attributes(|k, v| if k == "xml:space" { keep(&mut space, v) } else { Ok(()) })? {
            ""
        } else {
            let run = sc.text()?;
            if !sc.eat(b"</t>") {
                return Err(unsure());
            }
            run
        };
        // What calamine changes further (line ends, `_xHHHH_` escapes): the walk's to decide.
        if run.contains('\r') || escapes(run) {
            return Err(unsure());
        }
        text.push_str(if space == Some("preserve") { run } else { run.trim_matches(RUN_SPACE) });
        if formatted {
            sc.to_tag()?;
            if !sc.eat(b"</r>") {
                return Err(unsure());
            }
        }
    }
}

/// Moves past a run's formatting after its `<rPr>`, through its `</rPr>`: empty elements only
/// (`<sz val="10"/>`, `<b/>`), none of them a text.
fn run_properties(sc: &mut Scan<'_>) -> Fast<()> {
    loop {
        sc.to_tag()?;
        if sc.eat(b"</rPr>") {
            return Ok(());
        }
        sc.i += 1;
        let start = sc.i;
        while matches!(sc.bytes().get(sc.i), Some(b) if b.is_ascii_alphanumeric()) {
            sc.i += 1;
        }
        if matches!(&sc.s[start..sc.i], "" | "t") || !sc.attributes(|_, _| Ok(()))? {
            return Err(unsure());
        }
    }
}

/// The non-empty rows of a worksheet part from `at`, just after its `<sheetData>` start tag, as
/// `xlsx_fast::worksheet_rows` reads them. `budget` may have been charged when it answers
/// [`Stop::Unsure`](super::xlsx_fast::Stop::Unsure): the caller starts again from its own copy.
pub(super) fn worksheet_rows(
    xml: &[u8],
    at: usize,
    strings: &[String],
    formats: &[NumberFormat],
    budget: &mut Budget,
) -> Fast<Vec<Row>> {
    let mut sc = Scan::new(xml, at)?;
    let mut rows: Vec<Row> = Vec::new();
    let mut in_order = true;
    loop {
        sc.to_tag()?;
        if sc.eat(b"<c") {
            let (mut at, mut typ, mut style) = (None, None, None);
            let empty = sc.attributes(|k, v| match k {
                "r" => keep(&mut at, v),
                "t" => keep(&mut typ, v),
                "s" => keep(&mut style, v),
                _ => Ok(()),
            })?;
            let (row, col) = cell_position(at.unsure()?)?;
            let value = if empty { Cell::Empty } else { cell_value(&mut sc, typ, style, strings, formats)? };
            place_cell(&mut rows, &mut in_order, (row, col as usize), value, budget)?;
            if !in_order {
                return Err(unsure());
            }
        } else if sc.eat(b"<row") {
            let mut number = None;
            sc.attributes(|k, v| if k == "r" { keep(&mut number, v) } else { Ok(()) })?;
            if let Some(n) = number {
                digits(n)?;
            }
        } else if sc.eat(b"</row>") {
        } else if sc.eat(b"</sheetData>") {
            return Ok(rows);
        } else {
            return Err(unsure());
        }
    }
}

/// A cell's value after its start tag, through its `</c>`: the value of its last child, a
/// formula counting as empty (as `xlsx_fast::cell_value`). Inline strings are the walk's.
fn cell_value(
    sc: &mut Scan<'_>,
    typ: Option<&str>,
    style: Option<&str>,
    strings: &[String],
    formats: &[NumberFormat],
) -> Fast<Cell> {
    if matches!(typ, Some("inlineStr" | "is")) {
        return Err(unsure());
    }
    let mut value = Cell::Empty;
    loop {
        sc.to_tag()?;
        if sc.eat(b"</c>") {
            return Ok(value);
        }
        if sc.eat(b"<v>") {
            let text = sc.text()?;
            if !sc.eat(b"</v>") {
                return Err(unsure());
            }
            // A formula's text result is read as element text, which calamine changes further
            // where it holds line ends or `_xHHHH_` escapes.
            if typ == Some("str") && (text.contains('\r') || escapes(text)) {
                return Err(unsure());
            }
            value = value_of(text, typ, style, strings, formats)?;
        } else if sc.eat(b"<f") {
            if !sc.attributes(|_, _| Ok(()))? {
                formula_body(sc)?;
            }
            value = Cell::Empty;
        } else {
            return Err(unsure());
        }
    }
}

/// Moves past a formula's text and its `</f>`. The text may hold XML's own entities (`"a"&amp;"b"`),
/// nothing else that is markup.
fn formula_body(sc: &mut Scan<'_>) -> Fast<()> {
    const ENTITIES: [&str; 5] = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"];
    let rest = &sc.s[sc.i..];
    let len = rest.find('<').unsure()?;
    let body = &rest[..len];
    for (at, _) in body.match_indices('&') {
        if !ENTITIES.iter().any(|e| body[at..].starts_with(e)) {
            return Err(unsure());
        }
    }
    sc.i += len;
    if sc.eat(b"</f>") { Ok(()) } else { Err(unsure()) }
}
