//! Attachments in a real S3-compatible server: `moto` in server mode (from PyPI; `make test`
//! installs it), started by the test on a free loopback port, behind the `s3` feature
//! (`cargo test -p server --features s3 --test it s3::`). Two server processes with different
//! `DATA_DIR`s share the bucket, as scaled-out servers would: a voucher uploaded through one is
//! downloaded through the other, byte for byte, and the contract is submitted through the other.
//! The blob is in the bucket under its content key, and not on either server's disk.

use crate::contract_world::World;
use crate::support::Server;
use crate::support::remote::Process;
use crate::support::uploads::PNG;
use serde_json::json;
use std::time::{Duration, Instant};

const BUCKET: &str = "wld-attachments";

/// moto's S3 on a free port, killed when dropped.
struct Moto {
    port: u16,
    _process: Server,
}

async fn start_moto() -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // `python3 -m moto.server` rather than the `moto_server` script, which a pyenv Python only
    // puts on PATH after a rehash.
    let child = std::process::Command::new("python3")
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 with moto (pip install 'moto[server]'; make test installs it)");
    let moto = Moto { port, _process: Server(child) };
    let http = reqwest::Client::new();
    let start = Instant::now();
    // Creating the bucket is also the readiness check.
    loop {
        let created = http.put(format!("http://127.0.0.1:{port}/{BUCKET}")).send().await;
        if created.is_ok_and(|r| r.status().is_success()) {
            return moto;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "moto did not start within 60 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_attachments_through_s3() {
    let moto = start_moto().await;
    let w = World::new().await;
    let endpoint = format!("http://127.0.0.1:{}", moto.port);
    let s3 = [
        ("STORAGE", "s3"),
        ("S3_BUCKET", BUCKET),
        ("S3_ENDPOINT", endpoint.as_str()),
        ("S3_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "moto"),
        ("AWS_SECRET_ACCESS_KEY", "moto"),
    ];
    // Each process with a data directory of its own: nothing can pass through a shared disk.
    let (dir_a, dir_b) = (w.t.data_dir.join("a"), w.t.data_dir.join("b"));
    let (dir_a_s, dir_b_s) = (dir_a.display().to_string(), dir_b.display().to_string());
    let a = Process::start(&w.t, "A", &[&s3[..], &[("DATA_DIR", dir_a_s.as_str())]].concat()).await;
    let b = Process::start(&w.t, "B", &[&s3[..], &[("DATA_DIR", dir_b_s.as_str())]].concat()).await;
    let alice = a.sign_in("alice").await;

    let mut d = w.valid_draft();
    let c = a.ok("contracts/create", &json!({ "draft": d }), &alice).await;
    let id = c["id"].as_i64().unwrap();
    let voucher = [PNG, "s3 voucher ".repeat(30_000).as_bytes()].concat();
    let (status, up) = a.upload(id, "voucher", "付款凭证.png", &voucher, &alice).await.expect("upload");
    assert_eq!(status, 201, "{up}");
    let attachment = up["id"].as_i64().unwrap();

    let (status, got) = b.get_bytes(&format!("/attachments/{attachment}"), &alice).await;
    assert_eq!(status, 200);
    assert!(got == voucher, "B serves A's upload byte for byte ({} bytes against {})", got.len(), voucher.len());

    // In the bucket under its content key; on neither process's disk.
    let key = server::storage::content_key(&voucher);
    let object = format!("{endpoint}/{BUCKET}/blobs/{}/{}/{key}", &key[0..2], &key[2..4]);
    let stored = reqwest::get(&object).await.unwrap();
    assert_eq!(stored.status().as_u16(), 200, "{object}");
    assert!(stored.bytes().await.unwrap().as_ref() == voucher.as_slice());
    for dir in [&dir_a, &dir_b] {
        let local = walk(dir).into_iter().filter(|p| p.ends_with(&key)).count();
        assert_eq!(local, 0, "the blob is not kept on disk under {}", dir.display());
    }

    // Submitted through B, which checks the voucher A stored.
    d.payment_voucher = Some(attachment);
    let s = b.ok("contracts/submit", &json!({ "id": id, "version": up["contract_version"], "draft": d }), &alice).await;
    assert!(s["document_number"].as_str().is_some_and(|n| n.starts_with("QYWXHT-")), "{s}");
    drop((a, b));
    w.done().await;
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}
