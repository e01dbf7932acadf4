//! A real server process reached over loopback HTTP, for the tests that run the binary: two
//! processes on one database, and the crash test.

use super::uploads::{BOUNDARY, Part, multipart_body};
use super::{Server, TestDb};
use serde_json::{Value, json};
use std::time::Duration;

/// One server process, reached over loopback HTTP.
pub struct Process {
    pub name: &'static str,
    pub port: u16,
    http: reqwest::Client,
    pub server: Server,
}

impl Process {
    /// The real server binary on `t`'s database, with a fast outbox poll and `extra` settings.
    pub async fn start(t: &TestDb, name: &'static str, extra: &[(&str, &str)]) -> Process {
        let mut settings = vec![("OUTBOX_POLL_MS", "20")];
        settings.extend_from_slice(extra);
        let (server, port) = super::start_server(t, &settings).await;
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        Process { name, port, http, server }
    }

    /// A same-origin JSON call to a server function: its status and JSON answer.
    pub async fn call(&self, path: &str, body: &Value, cookie: Option<&str>) -> (u16, Value) {
        self.try_call(path, body, cookie).await.unwrap_or_else(|e| panic!("{} {path}: {e}", self.name))
    }

    pub async fn ok(&self, path: &str, body: &Value, cookie: &str) -> Value {
        let (status, v) = self.call(path, body, Some(cookie)).await;
        assert_eq!(status, 200, "{} {path}: {v}", self.name);
        v
    }

    /// Signs `username` in through this process's sign-in form; the session cookie.
    pub async fn sign_in(&self, username: &str) -> String {
        let res = self
            .http
            .post(format!("http://127.0.0.1:{}/api/auth/sign_in", self.port))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .body(format!("username={username}&password={}", super::PASSWORD.replace(' ', "+")))
            .send()
            .await
            .expect("sign in");
        assert_eq!(res.status().as_u16(), 200, "{} signs in {username}", self.name);
        super::session_cookie_in(res.headers()).expect("session cookie")
    }

    /// Who this process thinks `cookie` belongs to.
    pub async fn me(&self, cookie: &str) -> Option<String> {
        let (status, v) = self.call("auth/me", &json!({}), Some(cookie)).await;
        assert_eq!(status, 200, "{} auth/me: {v}", self.name);
        v["username"].as_str().map(str::to_owned)
    }
}

impl Process {
    /// Uploads `file` as `kind` to contract `id`: the status and JSON answer (201 with the
    /// attachment's `id` and the contract's `contract_version`).
    pub async fn upload(
        &self,
        id: i64,
        kind: &str,
        name: &str,
        file: &[u8],
        cookie: &str,
    ) -> reqwest::Result<(u16, Value)> {
        let body = multipart_body(&[Part::Text("kind", kind), Part::File("file", name, file)]);
        let res = self
            .http
            .post(format!("http://127.0.0.1:{}/contracts/{id}/attachments", self.port))
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .header("sec-fetch-site", "same-origin")
            .header("cookie", cookie)
            .body(body)
            .send()
            .await?;
        answer(res).await
    }

    /// `GET path` as the holder of `cookie`: the status and the body's bytes.
    pub async fn get_bytes(&self, path: &str, cookie: &str) -> (u16, Vec<u8>) {
        let res = self
            .http
            .get(format!("http://127.0.0.1:{}{path}", self.port))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{} GET {path}: {e}", self.name));
        let status = res.status().as_u16();
        (status, res.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
    }

    /// [`Process::call`] for a caller that expects the process may be gone (killed).
    pub async fn try_call(&self, path: &str, body: &Value, cookie: Option<&str>) -> reqwest::Result<(u16, Value)> {
        let mut req = self
            .http
            .post(format!("http://127.0.0.1:{}/api/{path}", self.port))
            .header("content-type", "application/json")
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .body(body.to_string());
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        answer(req.send().await?).await
    }
}

/// A response's status and JSON body (a body that is not JSON as a string).
async fn answer(res: reqwest::Response) -> reqwest::Result<(u16, Value)> {
    let status = res.status().as_u16();
    let text = res.text().await?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
}
