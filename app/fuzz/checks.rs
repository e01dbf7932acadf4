//! What the fuzz targets check, as plain functions: the fuzz targets (`fuzz_targets/*.rs`) call
//! them with libFuzzer's inputs, and the app's test suite (`app/tests/fuzz_regressions.rs`) calls
//! them with every committed seed and every finding kept in `regressions/<target>/`, so a finding
//! stays fixed without the fuzzer. Both include this file with `#[path]`; it depends on `app`,
//! `zip` and `serde_json` only.

use app::domain::PriceBook;
use app::domain::contract::{
    ContractDraft, SheetFacts, SubmitContext, price_draft, save_problems, submit, validate_save, validate_submit,
};
use app::domain::ids::CorpId;
use app::domain::sheet::{SavingBasis, UseridSheetOptions, check_userid_sheet, import_lines, template_xlsx};
use std::io::{Cursor, Read, Write};
use std::sync::OnceLock;

/// The sheet reader and both sheet checks with arbitrary bytes: a panic anywhere, including
/// inside calamine, is a finding.
///
/// Raw bytes rarely make it past the zip and compound-file layers, so the first byte picks how
/// the rest is used: as the whole file, or as one part of an otherwise valid .xlsx (worksheet,
/// shared strings, styles), as the content.xml of an .ods, or as the Workbook stream of an .xls.
pub fn sheet_reader(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let bytes = match mode % 6 {
        0 => rest.to_vec(),
        1 => xlsx_with("xl/worksheets/sheet1.xml", rest),
        2 => xlsx_with("xl/sharedStrings.xml", rest),
        3 => xlsx_with("xl/styles.xml", rest),
        4 => ods_with(rest),
        _ => xls_with(rest),
    };
    let corp = CorpId::parse("", "ww69c04360d53da8b7").expect("corp id");
    let book = PriceBook::default_2022();
    let options = UseridSheetOptions {
        expected_corp_id: Some(&corp),
        saving: Some(SavingBasis { price_book: &book, months: 12, existing_basic: 3 }),
    };
    // Our .xlsx reader gives calamine's cells wherever it takes a file (it panics otherwise).
    if (1..=3).contains(&(mode % 6)) {
        app::domain::sheet::read::assert_xlsx_readers_agree(&bytes);
    }
    let _ = check_userid_sheet(&bytes, &options);
    let _ = import_lines(&bytes);
}

/// The contract rules: any JSON the browser could send as a draft, with any userid-sheet facts,
/// through save validation, submit validation, submission and line pricing.
///
/// Input: 4 bytes of sheet facts (presence, basic, interop, total counts), then a JSON draft.
/// Checked beyond "never panics": every problem has a code and both messages; save problems are a
/// subset of submit problems; typed pricing agrees with pricing the text; a successful submission
/// has no error problems.
pub fn contract_validation(data: &[u8]) {
    let Some((facts, json)) = data.split_first_chunk::<4>() else { return };
    let Ok(draft) = serde_json::from_slice::<ContractDraft>(json) else { return };
    let sheet = (facts[0] & 1 == 1).then(|| SheetFacts {
        corp_ids: Vec::new(),
        basic_userids: u32::from(facts[1]),
        interop_userids: u32::from(facts[2]),
        total_userids: u32::from(facts[3]),
        untyped_userids: u32::from(facts[3]).saturating_sub(u32::from(facts[1]) + u32::from(facts[2])),
        overlapping_userids: u32::from(facts[1].min(facts[2])),
    });
    let book = PriceBook::default_2022();
    let apps = vec!["灵当CRM".to_owned(), "其他".to_owned()];
    let ctx = SubmitContext { book: &book, installed_apps: &apps, sheet: sheet.as_ref() };

    let saved = save_problems(&draft);
    let submitted = validate_submit(&draft, &ctx);
    for p in saved.iter().chain(&submitted) {
        assert!(!p.code.is_empty() && !p.zh.is_empty() && !p.en.is_empty(), "{p:?}");
    }
    for p in &saved {
        assert!(submitted.contains(p), "save problem missing at submit: {p:?}");
    }
    let priced = price_draft(&draft, &book, sheet.as_ref()).ok();
    // Storing and pricing work from the one parse of the save rules: same answer as the text.
    if let Ok(typed) = validate_save(&draft) {
        assert_eq!(typed.price(&book, sheet.as_ref()), priced, "typed pricing differs");
    }
    if let Ok(s) = submit(&draft, &ctx) {
        assert!(!submitted.iter().any(|p| p.is_error()), "submitted despite errors");
        assert!(s.warnings.iter().all(|p| !p.is_error()));
    }
}

/// The parts of the template .xlsx, to put fuzzed parts among.
fn template_parts() -> &'static Vec<(String, Vec<u8>)> {
    static PARTS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    PARTS.get_or_init(|| {
        let bytes = template_xlsx().expect("template");
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("template zip");
        (0..archive.len())
            .map(|i| {
                let mut f = archive.by_index(i).expect("entry");
                let mut data = Vec::new();
                f.read_to_end(&mut data).expect("read");
                (f.name().expect("name").into_owned(), data)
            })
            .collect()
    })
}

fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in parts {
        w.start_file(*name, stored).expect("start");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

fn xlsx_with(part: &str, data: &[u8]) -> Vec<u8> {
    let parts: Vec<(&str, &[u8])> = template_parts()
        .iter()
        .map(|(n, d)| if n == part { (n.as_str(), data) } else { (n.as_str(), d.as_slice()) })
        .collect();
    zip_of(&parts)
}

fn ods_with(content: &[u8]) -> Vec<u8> {
    zip_of(&[("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", content)])
}

/// A compound file (512-byte sectors, one FAT sector) holding `stream` as its Workbook stream.
fn xls_with(stream: &[u8]) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    let mut body = stream.to_vec();
    body.resize(body.len().max(4096).min(120 * 512), 0);
    let n = body.len().div_ceil(512);
    body.resize(n * 512, 0);
    let mut file = vec![0u8; 512 * 3];
    file[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let put = |file: &mut Vec<u8>, at: usize, v: &[u8]| file[at..at + v.len()].copy_from_slice(v);
    put(&mut file, 24, &0x3Eu16.to_le_bytes());
    put(&mut file, 26, &3u16.to_le_bytes());
    put(&mut file, 28, &0xFFFEu16.to_le_bytes());
    put(&mut file, 30, &9u16.to_le_bytes());
    put(&mut file, 32, &6u16.to_le_bytes());
    put(&mut file, 44, &1u32.to_le_bytes());
    put(&mut file, 48, &1u32.to_le_bytes());
    put(&mut file, 56, &4096u32.to_le_bytes());
    put(&mut file, 60, &END.to_le_bytes());
    put(&mut file, 68, &END.to_le_bytes());
    for i in 0..109 {
        put(&mut file, 76 + 4 * i, &(if i == 0 { 0 } else { u32::MAX }).to_le_bytes());
    }
    let mut fat = vec![u32::MAX; 128];
    fat[0] = 0xFFFF_FFFD;
    fat[1] = END;
    for i in 0..n {
        fat[2 + i] = if i + 1 == n { END } else { (3 + i) as u32 };
    }
    for (i, v) in fat.iter().enumerate() {
        put(&mut file, 512 + 4 * i, &v.to_le_bytes());
    }
    let dir = 1024;
    for (entry, name, typ, start, len) in
        [(0usize, "Root Entry", 5u8, END, 0u32), (1, "Workbook", 2, 2, body.len() as u32)]
    {
        let at = dir + 128 * entry;
        for (i, u) in name.encode_utf16().enumerate() {
            put(&mut file, at + 2 * i, &u.to_le_bytes());
        }
        put(&mut file, at + 64, &(((name.len() + 1) * 2) as u16).to_le_bytes());
        file[at + 66] = typ;
        put(&mut file, at + 116, &start.to_le_bytes());
        put(&mut file, at + 120, &len.to_le_bytes());
    }
    for entry in 2..4 {
        put(&mut file, dir + 128 * entry + 116, &END.to_le_bytes());
    }
    file.extend_from_slice(&body);
    file
}
