//! Contract attachments (附件): the two kinds, which file types each accepts, the type read from
//! the bytes (never from the name or the browser's claim), and safe display names.
//!
//! - 付款凭证 payment voucher: PNG, JPEG or PDF.
//! - 企业微信使用接口人员userid sheet: .xlsx, .xls, .ods or .csv.
//! - 其他附件 other attachments (附件信息: a signed contract scan, …): PNG, JPEG or PDF, any number.
//!
//! The browser runs [`precheck`] on a dropped file before it sends a byte (type from the first
//! bytes, size against the server's limit); the server runs the same checks again.
//!
//! A file whose name claims another type than its content (a PDF named `凭证.png`, a program
//! named `.xlsx`) is refused: the name is what the approver will trust when opening it.

use crate::domain::problem::Problem;
use serde::{Deserialize, Serialize};

/// What an attachment is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// 付款凭证
    Voucher,
    /// 企业微信使用接口人员userid
    UseridSheet,
    /// 附件信息: any other file kept with the contract (a signed contract scan, …).
    Other,
}

impl AttachmentKind {
    pub fn code(self) -> &'static str {
        match self {
            AttachmentKind::Voucher => "voucher",
            AttachmentKind::UseridSheet => "userid_sheet",
            AttachmentKind::Other => "other",
        }
    }

    pub fn from_code(text: &str) -> Option<AttachmentKind> {
        match text.trim() {
            "voucher" => Some(AttachmentKind::Voucher),
            "userid_sheet" => Some(AttachmentKind::UseridSheet),
            "other" => Some(AttachmentKind::Other),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            AttachmentKind::Voucher => "付款凭证",
            AttachmentKind::UseridSheet => "userid 表",
            AttachmentKind::Other => "其他附件",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            AttachmentKind::Voucher => "payment voucher",
            AttachmentKind::UseridSheet => "userid sheet",
            AttachmentKind::Other => "other attachment",
        }
    }

    /// The file types this kind accepts.
    /// Whether its type can only be read from the whole file (a spreadsheet's zip directory is at
    /// its end); the others are read from their first [`SNIFF_BYTES`].
    pub fn sniffs_whole_file(self) -> bool {
        self == AttachmentKind::UseridSheet
    }

    /// Whether a contract has one file of this kind (the draft names it) or any number.
    pub fn is_single(self) -> bool {
        self != AttachmentKind::Other
    }

    pub fn accepts(self) -> &'static [FileType] {
        match self {
            AttachmentKind::Voucher | AttachmentKind::Other => &[FileType::Png, FileType::Jpeg, FileType::Pdf],
            AttachmentKind::UseridSheet => &[FileType::Xlsx, FileType::Xls, FileType::Ods, FileType::Csv],
        }
    }
}

/// How a stored file can be shown inside a page (the approver's voucher preview).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preview {
    /// An `<img>`.
    Image,
    /// A frame with the browser's PDF viewer.
    Pdf,
}

impl Preview {
    /// The preview of a stored `Content-Type`; `None` for the sheets (always downloads).
    pub fn of(content_type: &str) -> Option<Preview> {
        if content_type == FileType::Png.mime() || content_type == FileType::Jpeg.mime() {
            Some(Preview::Image)
        } else if content_type == FileType::Pdf.mime() {
            Some(Preview::Pdf)
        } else {
            None
        }
    }
}

/// A file type recognised from its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    Png,
    Jpeg,
    Pdf,
    Xlsx,
    Xls,
    Ods,
    Csv,
}

impl FileType {
    /// The `Content-Type` it is stored and served with.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Pdf => "application/pdf",
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Xls => "application/vnd.ms-excel",
            FileType::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileType::Csv => "text/csv",
        }
    }

    /// The type stored with a `Content-Type` (see [`FileType::mime`]).
    pub fn from_mime(mime: &str) -> Option<FileType> {
        [FileType::Png, FileType::Jpeg, FileType::Pdf, FileType::Xlsx, FileType::Xls, FileType::Ods, FileType::Csv]
            .into_iter()
            .find(|t| t.mime() == mime)
    }

    /// File name extensions that honestly name this type, the usual one first.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Png => &["png"],
            FileType::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            FileType::Pdf => &["pdf"],
            FileType::Xlsx => &["xlsx"],
            FileType::Xls => &["xls"],
            FileType::Ods => &["ods"],
            FileType::Csv => &["csv", "txt"],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FileType::Png => "PNG",
            FileType::Jpeg => "JPEG",
            FileType::Pdf => "PDF",
            FileType::Xlsx => "Excel (.xlsx)",
            FileType::Xls => "Excel 97-2003 (.xls)",
            FileType::Ods => "OpenDocument (.ods)",
            FileType::Csv => "CSV",
        }
    }
}

/// Recognises a file's type from its first bytes (and, for zip archives, their entry names).
/// `None`: none of the types we accept.
pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(FileType::Png);
    }
    if bytes.starts_with(b"\xFF\xD8\xFF") {
        return Some(FileType::Jpeg);
    }
    if bytes.starts_with(b"%PDF-") {
        return Some(FileType::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return sniff_zip(bytes);
    }
    if bytes.starts_with(&crate::domain::sheet::guard::xls::CFB_MAGIC) {
        return Some(FileType::Xls);
    }
    if looks_like_text(bytes) { Some(FileType::Csv) } else { None }
}

fn sniff_zip(bytes: &[u8]) -> Option<FileType> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    if archive.index_for_name("xl/workbook.xml").is_some() {
        return Some(FileType::Xlsx);
    }
    let mut mimetype = Vec::new();
    {
        use std::io::Read;
        let entry = archive.by_name("mimetype").ok()?;
        entry.take(128).read_to_end(&mut mimetype).ok()?;
    }
    (mimetype.trim_ascii() == b"application/vnd.oasis.opendocument.spreadsheet").then_some(FileType::Ods)
}

/// CSV is text: UTF-8 (BOM or not), UTF-16 with a BOM, or GB18030/GBK, without NUL characters.
fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes.is_empty() && crate::domain::sheet::read_csv::decode(bytes).is_ok()
}

/// The extension of a file name, lower-case, if it has one.
fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// How many first bytes of a file are read for its type (except [`AttachmentKind::sniffs_whole_file`]).
pub const SNIFF_BYTES: usize = 8 * 1024;

/// The default of the largest attachment accepted (`MAX_UPLOAD_BYTES`): 20 MiB.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 20 * 1024 * 1024;

/// Why a file is refused for an attachment kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileRefusal {
    Empty,
    /// Over the server's limit (413).
    TooLarge {
        max: u64,
    },
    /// The content is none of the kind's types (415).
    WrongType,
    /// The name's extension claims another type than the content (415).
    Disguised {
        content: FileType,
        extension: String,
    },
}

impl FileRefusal {
    pub fn problem(&self, kind: AttachmentKind) -> Problem {
        let allowed = kind.accepts().iter().map(|t| t.name()).collect::<Vec<_>>().join(" / ");
        match self {
            FileRefusal::Empty => {
                Problem::error("file", "file_empty", "文件是空的（0 字节）", "The file is empty (0 bytes)")
            }
            FileRefusal::TooLarge { max } => {
                let mb = *max as f64 / 1_048_576.0;
                Problem::error(
                    "file",
                    "file_too_large",
                    format!("文件过大：附件最大 {mb:.1} MB，请压缩或拆分后重试"),
                    format!(
                        "The file is too large: attachments are at most {mb:.1} MB; compress or split it and try again"
                    ),
                )
            }
            FileRefusal::WrongType => Problem::error(
                "file",
                "file_type_not_accepted",
                format!("{}只接受 {allowed} 文件，此文件的内容不是其中之一", kind.zh()),
                format!("A {} must be a {allowed} file; this file's content is none of them", kind.en()),
            ),
            FileRefusal::Disguised { content, extension } if extension.is_empty() => Problem::error(
                "file",
                "file_extension_missing",
                format!("文件名没有扩展名，内容是 {}；请上传带扩展名的原始文件", content.name()),
                format!("The file name has no extension (content: {}); upload the original file", content.name()),
            ),
            FileRefusal::Disguised { content, extension } => Problem::error(
                "file",
                "file_extension_mismatch",
                format!("文件内容是 {}，但扩展名是 .{extension}；请上传原始文件，不要改扩展名", content.name()),
                format!(
                    "The file's content is {} but its name ends in .{extension}; upload the original file without renaming it",
                    content.name()
                ),
            ),
        }
    }
}

/// What the browser checks before uploading a file of `size` bytes named `name`, whose first
/// bytes (all of them for [`AttachmentKind::sniffs_whole_file`]) are `head`: the server's size
/// limit `max`, then [`check_file`]. The server checks both again.
pub fn precheck(kind: AttachmentKind, name: &str, size: u64, max: u64, head: &[u8]) -> Result<FileType, FileRefusal> {
    if size > max {
        return Err(FileRefusal::TooLarge { max });
    }
    if size == 0 {
        return Err(FileRefusal::Empty);
    }
    check_file(kind, name, head)
}

/// Checks a file for an attachment kind: its content must be one of the kind's types and its
/// name's extension must name that same type. Returns the type read from the content.
pub fn check_file(kind: AttachmentKind, name: &str, bytes: &[u8]) -> Result<FileType, FileRefusal> {
    if bytes.is_empty() {
        return Err(FileRefusal::Empty);
    }
    let content = sniff(bytes).filter(|t| kind.accepts().contains(t)).ok_or(FileRefusal::WrongType)?;
    match extension(name) {
        Some(ext) if content.extensions().contains(&ext.as_str()) => Ok(content),
        Some(ext) => Err(FileRefusal::Disguised { content, extension: ext }),
        None => Err(FileRefusal::Disguised { content, extension: String::new() }),
    }
}

/// Most characters kept of an uploaded file's name.
pub const MAX_NAME_CHARS: usize = 120;

/// An uploaded file's name made safe to show and to put in a `Content-Disposition`: only the
/// last path component, without control characters, characters Windows refuses, or leading
/// dots; without invisible direction and zero-width characters (see [`is_invisible_format`]),
/// which could make `evil\u{202E}gnp.exe` read as `evilexe.png`; at most [`MAX_NAME_CHARS`]
/// characters with the extension kept; `file.<ext>` when nothing usable is left. The name is
/// never used as a path on the server (blobs are stored by content hash).
pub fn sanitize_file_name(raw: &str, fallback_ext: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !is_invisible_format(*c))
        .map(|c| if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    let cleaned = if cleaned.chars().all(|c| c == '_' || c == '.') { String::new() } else { cleaned };
    // Nothing usable before the extension ("....png", ".png"): a neutral name of the real type.
    let name =
        if cleaned.is_empty() || extension(&cleaned).is_none() { format!("file.{fallback_ext}") } else { cleaned };
    if name.chars().count() <= MAX_NAME_CHARS {
        return name;
    }
    let ext = extension(&name).filter(|e| e.chars().count() <= 10);
    match ext {
        Some(ext) => {
            let keep = MAX_NAME_CHARS - ext.chars().count() - 1;
            format!("{}.{ext}", name.chars().take(keep).collect::<String>())
        }
        None => name.chars().take(MAX_NAME_CHARS).collect(),
    }
}

/// Characters that change how the text around them is shown without being seen themselves: the
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the direction
/// marks (U+200E, U+200F, U+061C), zero-width spaces and joiners (U+200B–U+200D, U+2060, U+FEFF),
/// the invisible operators (U+2061–U+2064) and the Mongolian vowel separator (U+180E).
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";

    fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut out = std::io::Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        for (name, body) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(body).unwrap();
        }
        w.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn types_are_read_from_the_bytes() {
        assert_eq!(sniff(PNG), Some(FileType::Png));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Some(FileType::Jpeg));
        assert_eq!(sniff(PDF), Some(FileType::Pdf));
        assert_eq!(sniff(&zip_with(&[("xl/workbook.xml", b"<workbook/>")])), Some(FileType::Xlsx));
        let ods = zip_with(&[("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")]);
        assert_eq!(sniff(&ods), Some(FileType::Ods));
        assert_eq!(sniff(&zip_with(&[("word/document.xml", b"<w/>")])), None);
        assert_eq!(sniff(&crate::domain::sheet::guard::xls::CFB_MAGIC), Some(FileType::Xls));
        assert_eq!(sniff("企业ID,UserID\nww0123456789abcdef,zhangsan\n".as_bytes()), Some(FileType::Csv));
        let gbk = encoding_rs::GBK.encode("企业ID,UserID\n").0.into_owned();
        assert_eq!(sniff(&gbk), Some(FileType::Csv));
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), None);
    }

    #[test]
    fn a_file_disguised_by_its_extension_is_refused() {
        assert_eq!(check_file(AttachmentKind::Voucher, "凭证.png", PNG), Ok(FileType::Png));
        assert_eq!(check_file(AttachmentKind::Voucher, "scan.JPG", b"\xFF\xD8\xFF\xDB"), Ok(FileType::Jpeg));
        assert_eq!(
            check_file(AttachmentKind::Voucher, "凭证.png", PDF),
            Err(FileRefusal::Disguised { content: FileType::Pdf, extension: "png".into() })
        );
        assert_eq!(check_file(AttachmentKind::Voucher, "evil.png", b"MZ\x90\0\x03\0\0\0"), Err(FileRefusal::WrongType));
        assert_eq!(check_file(AttachmentKind::Voucher, "list.csv", b"a,b\n"), Err(FileRefusal::WrongType));
        assert_eq!(check_file(AttachmentKind::UseridSheet, "users.xlsx", PDF), Err(FileRefusal::WrongType));
        assert_eq!(check_file(AttachmentKind::Voucher, "empty.png", b""), Err(FileRefusal::Empty));
        assert!(matches!(check_file(AttachmentKind::Voucher, "noext", PNG), Err(FileRefusal::Disguised { .. })));
    }

    #[test]
    fn the_browser_precheck_refuses_size_emptiness_and_disguise_before_any_request() {
        let max = 1024;
        assert_eq!(precheck(AttachmentKind::Voucher, "凭证.png", 100, max, PNG), Ok(FileType::Png));
        assert_eq!(precheck(AttachmentKind::Other, "合同扫描.png", 100, max, PNG), Ok(FileType::Png));
        assert_eq!(precheck(AttachmentKind::Voucher, "big.png", max + 1, max, PNG), Err(FileRefusal::TooLarge { max }));
        assert_eq!(precheck(AttachmentKind::Voucher, "empty.png", 0, max, b""), Err(FileRefusal::Empty));
        // A Windows program renamed .png: "MZ" is none of the voucher's types.
        assert_eq!(
            precheck(AttachmentKind::Voucher, "setup.png", 100, max, b"MZ\x90\0\x03"),
            Err(FileRefusal::WrongType)
        );
        assert_eq!(precheck(AttachmentKind::Other, "sheet.csv", 10, max, b"a,b\n"), Err(FileRefusal::WrongType));
        let p = FileRefusal::TooLarge { max: 20 * 1024 * 1024 }.problem(AttachmentKind::Voucher);
        assert_eq!(p.code, "file_too_large");
        assert!(p.zh.contains("20.0 MB") && p.en.contains("20.0 MB"), "{p:?}");
    }

    #[test]
    fn names_are_sanitised_never_paths() {
        assert_eq!(sanitize_file_name("../../etc/passwd.png", "png"), "passwd.png");
        assert_eq!(sanitize_file_name("../../etc/passwd", "png"), "file.png");
        assert_eq!(sanitize_file_name("..\\..\\windows\\win.ini", "png"), "win.ini");
        assert_eq!(sanitize_file_name("..", "png"), "file.png");
        assert_eq!(sanitize_file_name("/", "pdf"), "file.pdf");
        assert_eq!(sanitize_file_name(".hidden.png", "png"), "hidden.png");
        assert_eq!(sanitize_file_name("....png", "png"), "file.png");
        assert_eq!(sanitize_file_name("a\0b\r\n<c>.png", "png"), "a_b___c_.png");
        assert_eq!(sanitize_file_name("付款凭证 2026.pdf", "pdf"), "付款凭证 2026.pdf");
        let long = format!("{}.pdf", "长".repeat(300));
        let short = sanitize_file_name(&long, "pdf");
        assert_eq!(short.chars().count(), MAX_NAME_CHARS);
        assert!(short.ends_with(".pdf"));
    }

    #[test]
    fn direction_overrides_and_zero_width_characters_are_dropped_from_names() {
        // Shown as "invoiceexe.png", a harmless-looking image; the real name ends in .exe.
        assert_eq!(sanitize_file_name("invoice\u{202E}gnp.exe", "png"), "invoicegnp.exe");
        assert_eq!(sanitize_file_name("凭证\u{202E}fdp.png", "png"), "凭证fdp.png");
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}').chain('\u{200B}'..='\u{200F}') {
            let raw = format!("a{c}b.{c}pdf{c}");
            assert_eq!(sanitize_file_name(&raw, "pdf"), "ab.pdf", "U+{:04X}", c as u32);
        }
        for c in ['\u{061C}', '\u{180E}', '\u{2060}', '\u{FEFF}'] {
            assert_eq!(sanitize_file_name(&format!("{c}x{c}.png"), "png"), "x.png", "U+{:04X}", c as u32);
        }
        // Only invisible characters before the extension: a neutral name.
        assert_eq!(sanitize_file_name("\u{202E}\u{200B}.png", "png"), "file.png");
        // Visible text of every script stays.
        assert_eq!(sanitize_file_name("عقد 合同 ×.pdf", "pdf"), "عقد 合同 ×.pdf");
    }
}
