//! Helpers for the attachment and payment-link tests: contracts inserted directly, multipart
//! requests built by hand, and small valid files of each type.

#![allow(dead_code)]

use super::{TestDb, TestResponse, send};
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};

pub const CORP: &str = "ww0123456789abcdef";
pub const OTHER_CORP: &str = "wxfedcba9876543210";

/// A PNG header (enough for the type check; the server does not decode images).
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
/// A Windows program's first bytes.
pub const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";

/// A router over `t`'s database with extra configuration keys.
pub async fn app_with(t: &TestDb, extra: &[(&str, &str)]) -> (Router, DatabaseConnection) {
    let config = config_with(t, extra);
    let db = t.open().await;
    (server::router(&config, db.clone()).expect("router"), db)
}

pub fn config_with(t: &TestDb, extra: &[(&str, &str)]) -> server::config::Config {
    let (url, dir) = (t.url.clone(), t.data_dir.display().to_string());
    let extra: Vec<(String, String)> = extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    server::config::Config::from_lookup(|key| match key {
        "DATABASE_URL" => Some(url.clone()),
        "DATA_DIR" => Some(dir.clone()),
        k => extra.iter().find(|(ek, _)| ek == k).map(|(_, v)| v.clone()),
    })
    .expect("test config")
}

/// A draft contract of organisation `org` owned by `owner`, with a document number and total.
pub async fn make_contract(db: &DatabaseConnection, org: &str, owner: i64, number: &str, total_fen: i64) -> i64 {
    let org_id = app::db::accounts::ensure_organisation(db, org).await.expect("organisation");
    let mut row = super::contract_row(org_id, owner, app::domain::contract::ContractStatus::Draft);
    row.document_number = Set(Some(number.to_owned()));
    row.end_customer = Set("最终用户".to_owned());
    row.corp_id = Set(CORP.to_owned());
    row.corp_name = Set("购买企业甲".to_owned());
    row.installed_app = Set("灵当CRM".to_owned());
    row.total_fen = Set(Some(total_fen));
    row.insert(db).await.expect("contract").id
}

/// One part of a multipart form.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a [u8]),
}

pub const BOUNDARY: &str = "----wld-test-boundary-7MA4YWxkTrZu0gW";

pub fn multipart_body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p {
            Part::Text(name, value) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            ),
            Part::File(name, file_name, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// How a test upload presents itself.
#[derive(Clone, Copy)]
pub struct Sent<'a> {
    pub cookie: Option<&'a str>,
    /// `Sec-Fetch-Site: same-origin` (our page) or `cross-site` (another site's form).
    pub same_origin: bool,
    /// Send `Content-Length` (else the body is streamed without one).
    pub content_length: bool,
}

pub const OURS: Sent<'static> = Sent { cookie: None, same_origin: true, content_length: true };

pub async fn post_multipart(app: &Router, uri: &str, parts: &[Part<'_>], sent: Sent<'_>) -> TestResponse {
    let body = multipart_body(parts);
    let mut req = Request::post(uri)
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .header("sec-fetch-site", if sent.same_origin { "same-origin" } else { "cross-site" });
    if sent.content_length {
        req = req.header("content-length", body.len().to_string());
    }
    if let Some(c) = sent.cookie {
        req = req.header("cookie", c);
    }
    let body = if sent.content_length {
        Body::from(body)
    } else {
        // A stream of chunks, so no size is known up front.
        let chunks: Vec<Result<bytes::Bytes, std::io::Error>> =
            body.chunks(8192).map(|c| Ok(bytes::Bytes::copy_from_slice(c))).collect();
        Body::from_stream(futures_util::stream::iter(chunks))
    };
    send(app, req.body(body).unwrap()).await
}

/// Uploads `file` as `kind` to a contract, as a signed-in user on our own page.
pub async fn upload(app: &Router, contract: i64, kind: &str, name: &str, file: &[u8], cookie: &str) -> TestResponse {
    post_multipart(
        app,
        &format!("/contracts/{contract}/attachments"),
        &[Part::Text("kind", kind), Part::File("file", name, file)],
        Sent { cookie: Some(cookie), ..OURS },
    )
    .await
}

/// A userid sheet (.xlsx, the app's own template layout) for `corp` with `userids` as basic.
pub fn userid_xlsx(corp: &str, userids: &[&str]) -> Vec<u8> {
    userid_xlsx_of(corp, userids, app::domain::AccountKind::Basic)
}

/// A userid sheet for `corp` with `userids`, all of `kind`.
pub fn userid_xlsx_of(corp: &str, userids: &[&str], kind: app::domain::AccountKind) -> Vec<u8> {
    use app::domain::{CorpId, UserId};
    let corp = CorpId::parse("", corp).expect("corp id");
    let rows: Vec<_> = userids.iter().map(|u| (UserId::parse("", u).expect("userid"), Some(kind))).collect();
    app::domain::sheet::userid_sheet_xlsx(&corp, &rows).expect("xlsx")
}

/// Every file below `dir`, recursively.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
