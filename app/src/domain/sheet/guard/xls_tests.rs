//! Tests of the .xls pre-parse guard (`xls.rs`), and the compound-file builders other tests use.

use super::*;

/// Builds a minimal compound file (512-byte sectors) holding one stream named `Workbook`,
/// stored in regular sectors (padded to 4096 bytes so calamine does not look in the mini
/// stream).
pub(crate) fn cfb_with_workbook(stream: &[u8]) -> Vec<u8> {
    cfb_with_stream("Workbook", stream)
}

/// [`cfb_with_workbook`] with another stream name.
pub(crate) fn cfb_with_stream(name: &str, stream: &[u8]) -> Vec<u8> {
    let mut body = stream.to_vec();
    if body.len() < 4096 {
        body.resize(4096, 0);
    }
    let data_sectors = body.len().div_ceil(512);
    // Sector layout: 0 = FAT, 1 = directory, 2.. = stream.
    let total = 2 + data_sectors;
    assert!(total <= 128, "test helper supports one FAT sector");
    let mut file = vec![0u8; 512 * (1 + total)];
    file[..8].copy_from_slice(&CFB_MAGIC);
    file[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
    file[26..28].copy_from_slice(&3u16.to_le_bytes());
    file[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    file[30..32].copy_from_slice(&9u16.to_le_bytes());
    file[32..34].copy_from_slice(&6u16.to_le_bytes());
    file[44..48].copy_from_slice(&1u32.to_le_bytes());
    file[48..52].copy_from_slice(&1u32.to_le_bytes());
    file[56..60].copy_from_slice(&4096u32.to_le_bytes());
    file[60..64].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
    file[68..72].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
    for i in 0..109 {
        let v: u32 = if i == 0 { 0 } else { 0xFFFF_FFFF };
        file[76 + 4 * i..80 + 4 * i].copy_from_slice(&v.to_le_bytes());
    }
    let sector = |n: usize| 512 * (n + 1);
    // FAT
    let mut fat = vec![0xFFFF_FFFFu32; 128];
    fat[0] = 0xFFFF_FFFD;
    fat[1] = ENDOFCHAIN;
    for i in 0..data_sectors {
        fat[2 + i] = if i + 1 == data_sectors { ENDOFCHAIN } else { (3 + i) as u32 };
    }
    for (i, v) in fat.iter().enumerate() {
        file[sector(0) + 4 * i..sector(0) + 4 * i + 4].copy_from_slice(&v.to_le_bytes());
    }
    // Directory: root entry and the Workbook stream.
    let dir = sector(1);
    let put_name = |file: &mut Vec<u8>, at: usize, name: &str| {
        for (i, u) in name.encode_utf16().enumerate() {
            file[at + 2 * i..at + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        file[at + 64..at + 66].copy_from_slice(&(((name.len() + 1) * 2) as u16).to_le_bytes());
    };
    put_name(&mut file, dir, "Root Entry");
    file[dir + 66] = 5;
    file[dir + 116..dir + 120].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
    let wb = dir + 128;
    put_name(&mut file, wb, name);
    file[wb + 66] = 2;
    file[wb + 116..wb + 120].copy_from_slice(&2u32.to_le_bytes());
    file[wb + 120..wb + 124].copy_from_slice(&(body.len() as u32).to_le_bytes());
    for e in [dir + 256, dir + 384] {
        file[e + 116..e + 120].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
    }
    file[sector(2)..sector(2) + body.len()].copy_from_slice(&body);
    file
}

pub(crate) fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend_from_slice(&(data.len() as u16).to_le_bytes());
    r.extend_from_slice(data);
    r
}

/// A BIFF8 workbook stream with one sheet holding the given cell records.
pub(crate) fn biff_stream(sheet_records: &[Vec<u8>]) -> Vec<u8> {
    let bof = record(0x0809, &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let eof = record(0x000A, &[]);
    let mut boundsheet = vec![0u8; 4];
    boundsheet.extend_from_slice(&[0, 0, 6, 0]);
    boundsheet.extend_from_slice(b"Sheet1");
    let globals_len = bof.len() + record(0x0085, &boundsheet).len() + eof.len();
    boundsheet[..4].copy_from_slice(&(globals_len as u32).to_le_bytes());
    let mut s = bof.clone();
    s.extend(record(0x0085, &boundsheet));
    s.extend(&eof);
    let sheet_bof = record(0x0809, &[0x00, 0x06, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    s.extend(sheet_bof);
    for r in sheet_records {
        s.extend(r);
    }
    s.extend(eof);
    s
}

pub(crate) fn number(row: u16, col: u16, v: f64) -> Vec<u8> {
    let mut d = row.to_le_bytes().to_vec();
    d.extend_from_slice(&col.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&v.to_le_bytes());
    record(0x0203, &d)
}

#[test]
fn a_small_sheet_passes() {
    let file = cfb_with_workbook(&biff_stream(&[number(0, 0, 1.0), number(3, 2, 2.0)]));
    assert_eq!(inspect(&file), Ok(()));
}

#[test]
fn cells_at_opposite_corners_are_refused() {
    // calamine would allocate 65536 × 256 cells between them.
    let file = cfb_with_workbook(&biff_stream(&[number(0, 0, 1.0), number(65535, 255, 2.0)]));
    assert_eq!(inspect(&file), Err(ReadError::TooComplex));
}

#[test]
fn huge_declared_dimensions_are_refused() {
    let mut d = 0u32.to_le_bytes().to_vec();
    d.extend_from_slice(&0x0010_0000u32.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&0x0100u16.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    let file = cfb_with_workbook(&biff_stream(&[record(0x0200, &d)]));
    assert_eq!(inspect(&file), Err(ReadError::TooComplex));
}

#[test]
fn labels_declaring_long_strings_are_costed() {
    // Each LABEL declares 65,535 characters; calamine reserves that much for each.
    let mut label = vec![0u8; 6];
    label.extend_from_slice(&u16::MAX.to_le_bytes());
    label.push(0);
    label.push(b'x');
    let records: Vec<Vec<u8>> = (0..2000u16)
        .map(|r| {
            let mut l = label.clone();
            l[..2].copy_from_slice(&r.to_le_bytes());
            record(0x0204, &l)
        })
        .collect();
    let file = cfb_with_workbook(&biff_stream(&records));
    assert_eq!(inspect(&file), Err(ReadError::TooComplex));
}

#[test]
fn looping_sector_chains_are_refused() {
    let mut file = cfb_with_workbook(&biff_stream(&[number(0, 0, 1.0)]));
    // Point the directory's chain back at itself.
    let fat = 512;
    file[fat + 4..fat + 8].copy_from_slice(&1u32.to_le_bytes());
    assert!(matches!(inspect(&file), Err(ReadError::Corrupt { .. })));
}

#[test]
fn encrypted_office_files_are_named() {
    // Excel saves a password-protected .xlsx as a compound file with an EncryptedPackage.
    let file = cfb_with_stream("EncryptedPackage", &[0u8; 100]);
    assert_eq!(inspect(&file), Err(ReadError::Encrypted));
    let file = cfb_with_workbook(&biff_stream(&[record(0x002F, &[1, 0, 0, 0])]));
    let mut globals_file_pass = biff_stream(&[]);
    assert_eq!(inspect(&file), Ok(()), "FILEPASS only counts in the workbook globals");
    // Right after the globals' BOF record (4 + 16 bytes).
    globals_file_pass.splice(20..20, record(0x002F, &[1, 0, 0, 0]));
    assert_eq!(inspect(&cfb_with_workbook(&globals_file_pass)), Err(ReadError::Encrypted));
    let doc = cfb_with_stream("WordDocument", &[0u8; 100]);
    assert!(matches!(inspect(&doc), Err(ReadError::Corrupt { .. })));
}

#[test]
fn truncated_formula_records_are_refused() {
    let mut d = vec![0u8; 20];
    d.extend_from_slice(&100u16.to_le_bytes());
    let file = cfb_with_workbook(&biff_stream(&[record(0x0006, &d)]));
    assert!(matches!(inspect(&file), Err(ReadError::Corrupt { .. })));
}
