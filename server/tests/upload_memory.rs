//! A voucher is received into a temporary file, not into memory: uploading a 20 MiB voucher
//! through a payment link does not raise the process's peak memory by anything near its size.
//! Its own test binary, so no other test's allocations count (Linux: `/proc/self`), on SQLite and
//! (with `TEST_DATABASE_URL`) PostgreSQL.

#[path = "it/support/mod.rs"]
mod support;

use app::models::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use bytes::Bytes;
use support::uploads::*;
use support::*;

/// A `/proc/self/status` value in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("{field} missing"));
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

const MIB: usize = 1024 * 1024;
static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];

/// A multipart voucher of `size` bytes, made chunk by chunk as it is sent: the test holds no copy.
fn streamed_voucher(size: usize) -> Body {
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    );
    let mut first = head.into_bytes();
    first.extend_from_slice(PNG);
    let zeros = (size - PNG.len()) / ZEROS.len();
    let rest = size - PNG.len() - zeros * ZEROS.len();
    let chunks = std::iter::once(Bytes::from(first))
        .chain((0..zeros).map(|_| Bytes::from_static(&ZEROS)))
        .chain(std::iter::once(Bytes::from_static(&ZEROS[..rest])))
        .chain(std::iter::once(Bytes::from(format!("\r\n--{BOUNDARY}--\r\n"))))
        .map(Ok::<_, std::io::Error>);
    Body::from_stream(futures_util::stream::iter(chunks))
}

#[tokio::test]
async fn a_20_mib_voucher_does_not_raise_peak_memory_by_its_size() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let owner = make_user(&db, "甲公司", "partner.a", Role::Partner).await;
    let contract = make_contract(&db, "甲公司", owner, "QYWXHT-7", 100).await;
    let (_, token) = app::db::attachments::create_payment_link(&db, contract, owner, 7).await.unwrap();
    let uri = format!("/pay/{token}/voucher");
    let post = |body: Body| {
        Request::post(&uri)
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .header("sec-fetch-site", "same-origin")
            .body(body)
            .unwrap()
    };
    // Warm up (connections, first-use allocations) with a small one.
    let res = send(&app, post(streamed_voucher(64 * 1024))).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());

    // Reset the peak ("5": VmHWM back to the current resident size).
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak resident size");
    let before = status_bytes("VmRSS:");
    let size = 20 * MIB - 4096;
    let res = send(&app, post(streamed_voucher(size))).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let grew = status_bytes("VmHWM:").saturating_sub(before);
    eprintln!("peak memory grew by {} KiB for a {} KiB voucher", grew / 1024, size / 1024);
    assert!(grew < 6 * MIB as u64, "peak memory grew by {} KiB for a {} KiB voucher", grew / 1024, size / 1024);
    let rows = app::db::attachments::of_contract(&db, contract).await.unwrap();
    assert_eq!(rows.last().map(|r| r.size), Some(size as i64));
    t.cleanup(db).await;
}
