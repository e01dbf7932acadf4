//! CSV text: encoding detection and a small RFC 4180 parser.
//!
//! The encoding is decided from the bytes alone: a BOM wins (UTF-8, UTF-16LE/BE — Excel's
//! "Unicode text" is UTF-16LE with tabs); otherwise valid UTF-8 is UTF-8, and anything else is
//! GB18030, the superset of the GBK that Excel on a Chinese Windows writes. The delimiter is the
//! one of `,` `;` and tab that occurs most often outside quotes in the first lines.

use super::limits;
use super::read::{Budget, Cell, MAX_SHEET_ROWS, ReadError, Row, Sheet, SheetFormat, Workbook};
use std::borrow::Cow;

/// Decodes CSV bytes to text, returning the text and the encoding's name.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), ReadError> {
    let (text, name) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        (String::from_utf8_lossy(rest), "UTF-8")
    } else if bytes.starts_with(b"\xFF\xFE") {
        (Cow::Owned(encoding_rs::UTF_16LE.decode_with_bom_removal(bytes).0.into_owned()), "UTF-16LE")
    } else if bytes.starts_with(b"\xFE\xFF") {
        (Cow::Owned(encoding_rs::UTF_16BE.decode_with_bom_removal(bytes).0.into_owned()), "UTF-16BE")
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (Cow::Borrowed(text), "UTF-8")
    } else {
        let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
        if had_errors {
            return Err(ReadError::Corrupt { detail: "not UTF-8 or GB18030 text, and not a spreadsheet".into() });
        }
        (Cow::Owned(text.into_owned()), "GB18030")
    };
    // Text files do not hold NUL characters; binary files nearly always do.
    if text.contains('\0') {
        return Err(ReadError::Corrupt { detail: "binary data, not text".into() });
    }
    Ok((text, name))
}

/// Picks the delimiter that occurs most often outside quotes in the first 20 lines; `,` when
/// none occurs (a one-column file).
pub fn detect_delimiter(text: &str) -> char {
    let mut counts = [0usize; 3];
    let candidates = [',', '\t', ';'];
    let mut in_quotes = false;
    let mut lines = 0;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' if !in_quotes => {
                lines += 1;
                if lines >= 20 {
                    break;
                }
            }
            _ if !in_quotes => {
                if let Some(i) = candidates.iter().position(|d| *d == c) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    candidates[best]
}

/// Parses CSV text into records. Quoted fields may hold delimiters, doubled quotes and line
/// breaks; a quote inside an unquoted field is kept as text; `\r\n`, `\n` and `\r` end a record.
/// Each record is one row, numbered as Excel numbers it when it opens the file.
pub(crate) fn parse(text: &str, delimiter: char, budget: &mut Budget) -> Result<Vec<Row>, ReadError> {
    let mut rows = Vec::new();
    let mut record: Vec<Cell> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut field_started = false;
    let mut number: u32 = 1;
    let mut chars = text.chars().peekable();

    let push_char = |field: &mut String, c: char| {
        if field.len() + c.len_utf8() <= limits::MAX_CELL_TEXT_BYTES {
            field.push(c);
        }
    };
    let end_field = |record: &mut Vec<Cell>, field: &mut String| {
        if record.len() < limits::MAX_COLUMNS {
            let cell = if field.is_empty() { Cell::Empty } else { Cell::Text(std::mem::take(field)) };
            record.push(cell);
        }
        field.clear();
    };

    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    push_char(&mut field, '"');
                } else {
                    quoted = false;
                }
            } else {
                push_char(&mut field, c);
            }
            continue;
        }
        match c {
            '"' if !field_started => {
                quoted = true;
                field_started = true;
            }
            c if c == delimiter => {
                end_field(&mut record, &mut field);
                field_started = false;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                end_field(&mut record, &mut field);
                field_started = false;
                finish_record(&mut rows, &mut record, number, budget)?;
                number = number.saturating_add(1);
            }
            c => {
                field_started = true;
                push_char(&mut field, c);
            }
        }
    }
    if field_started || !field.is_empty() || !record.is_empty() {
        end_field(&mut record, &mut field);
        finish_record(&mut rows, &mut record, number, budget)?;
    }
    Ok(rows)
}

fn finish_record(
    rows: &mut Vec<Row>,
    record: &mut Vec<Cell>,
    number: u32,
    budget: &mut Budget,
) -> Result<(), ReadError> {
    while record.last() == Some(&Cell::Empty) {
        record.pop();
    }
    if record.is_empty() {
        return Ok(());
    }
    let text: usize = record.iter().map(|c| if let Cell::Text(t) = c { t.len() } else { 0 }).sum();
    budget.charge(record.len(), text)?;
    if rows.len() >= MAX_SHEET_ROWS {
        return Err(ReadError::TooManyRows);
    }
    rows.push(Row { number, cells: std::mem::take(record) });
    Ok(())
}

/// Reads CSV bytes as a one-sheet workbook.
pub fn read(bytes: &[u8]) -> Result<Workbook, ReadError> {
    let (text, encoding) = decode(bytes)?;
    let delimiter = detect_delimiter(&text);
    let mut budget = Budget::default();
    let rows = parse(&text, delimiter, &mut budget)?;
    Ok(Workbook {
        format: SheetFormat::Csv,
        text_encoding: Some(encoding),
        sheets: vec![Sheet { name: "CSV".to_owned(), rows }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: &[Row]) -> Vec<(u32, Vec<String>)> {
        rows.iter()
            .map(|r| {
                let cells = r
                    .cells
                    .iter()
                    .map(|c| match c {
                        Cell::Text(t) => t.clone(),
                        Cell::Empty => String::new(),
                        other => format!("{other:?}"),
                    })
                    .collect();
                (r.number, cells)
            })
            .collect()
    }

    fn parse_str(text: &str) -> Vec<(u32, Vec<String>)> {
        let d = detect_delimiter(text);
        texts(&parse(text, d, &mut Budget::default()).unwrap())
    }

    #[test]
    fn quoted_fields_hold_delimiters_quotes_and_newlines() {
        let rows = parse_str("a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\n");
        assert_eq!(rows[0], (1, vec!["a".into(), "b".into()]));
        assert_eq!(rows[1], (2, vec!["x,1".into(), "say \"hi\"".into()]));
        assert_eq!(rows[2], (3, vec!["two\nlines".into(), "z".into()]));
    }

    #[test]
    fn blank_lines_keep_row_numbers_like_excel() {
        let rows = parse_str("h1,h2\n\n,\nx,y");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 4);
    }

    #[test]
    fn semicolon_and_tab_delimiters_are_detected() {
        assert_eq!(detect_delimiter("企业ID;UserID;类型\nww1;a;基础\n"), ';');
        assert_eq!(detect_delimiter("企业ID\tUserID\nww1\ta\n"), '\t');
        assert_eq!(detect_delimiter("UserID\nzhangsan\n"), ',');
        // A comma inside quotes does not count.
        assert_eq!(detect_delimiter("\"a,b,c\";x\n\"d,e\";y\n"), ';');
    }

    #[test]
    fn stray_quote_inside_field_is_text_and_unterminated_quote_ends_at_eof() {
        assert_eq!(parse_str("ab\"c,d")[0].1, vec!["ab\"c".to_string(), "d".to_string()]);
        assert_eq!(parse_str("\"open,x\nmore")[0].1, vec!["open,x\nmore".to_string()]);
    }

    #[test]
    fn encodings_are_decided_from_bytes() {
        assert_eq!(decode("企业ID".as_bytes()).unwrap().1, "UTF-8");
        let (t, e) = decode(b"\xEF\xBB\xBFUserID").unwrap();
        assert_eq!((t.as_ref(), e), ("UserID", "UTF-8"));
        let (gbk, _, _) = encoding_rs::GBK.encode("企业ID,账号");
        let (t, e) = decode(&gbk).unwrap();
        assert_eq!((t.as_ref(), e), ("企业ID,账号", "GB18030"));
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "账号\tx".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let (t, e) = decode(&utf16).unwrap();
        assert_eq!((t.as_ref(), e), ("账号\tx", "UTF-16LE"));
    }

    #[test]
    fn binary_bytes_are_not_csv() {
        assert!(matches!(decode(b"abc\0def"), Err(ReadError::Corrupt { .. })));
        assert!(matches!(decode(&[0x81, 0x20, 0xFF, 0xFF]), Err(ReadError::Corrupt { .. })));
    }

    #[test]
    fn long_fields_are_cut_and_wide_rows_capped() {
        let long = "x".repeat(5000);
        let rows = parse_str(&format!("{long},y"));
        assert_eq!(rows[0].1[0].len(), limits::MAX_CELL_TEXT_BYTES);
        let wide = vec!["v"; 1000].join(",");
        assert_eq!(parse_str(&wide)[0].1.len(), limits::MAX_COLUMNS);
    }

    #[test]
    fn too_many_rows_is_refused() {
        let text = "a\n".repeat(MAX_SHEET_ROWS + 1);
        assert_eq!(parse(&text, ',', &mut Budget::default()).unwrap_err(), ReadError::TooManyRows);
    }
}
