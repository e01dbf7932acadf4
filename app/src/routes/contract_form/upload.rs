//! Uploading an attachment from the form through the server's upload route
//! (`POST /contracts/<id>/attachments`, multipart `kind` + `file`), which checks the file again.
//!
//! Uploads go through `XMLHttpRequest` (fetch reports no upload progress), one at a time in the
//! order they were dropped ([`enqueue`]): each makes the contract's version go up, and one after
//! the other the form can follow those versions without being refused as stale on its next save.
//! One in flight can be cancelled ([`cancel`]).

#[cfg(target_arch = "wasm32")]
pub use browser::*;

#[cfg(target_arch = "wasm32")]
mod browser {
    use crate::domain::attachment::AttachmentKind;
    use crate::error::AppError;
    use leptos::wasm_bindgen::JsCast;
    use leptos::wasm_bindgen::closure::Closure;
    use std::cell::{Cell, RefCell};
    use std::collections::{HashMap, VecDeque};
    use std::future::Future;
    use std::pin::Pin;

    /// What the upload route answers (a subset of its JSON).
    #[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
    pub struct Uploaded {
        pub id: i64,
        pub file_name: String,
        #[serde(default)]
        pub content_type: String,
        pub size: i64,
        /// Userids the server stored from a userid sheet.
        #[serde(default)]
        pub userids: Option<usize>,
        /// The contract's version after the upload; `None` when the contract was not editable and
        /// stayed as it was.
        #[serde(default)]
        pub contract_version: Option<i64>,
    }

    /// Why an upload did not happen.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum UploadFailure {
        /// The person cancelled it.
        Cancelled,
        /// The server refused it, or the network failed.
        Error(AppError),
    }

    type Job = Pin<Box<dyn Future<Output = ()>>>;

    thread_local! {
        static QUEUE: RefCell<VecDeque<Job>> = const { RefCell::new(VecDeque::new()) };
        static RUNNING: Cell<bool> = const { Cell::new(false) };
        static IN_FLIGHT: RefCell<HashMap<u32, web_sys::XmlHttpRequest>> = RefCell::new(HashMap::new());
        static CANCELLED: RefCell<std::collections::HashSet<u32>> = RefCell::new(std::collections::HashSet::new());
    }

    /// Runs `job` after every upload queued before it.
    pub fn enqueue(job: impl Future<Output = ()> + 'static) {
        QUEUE.with(|q| q.borrow_mut().push_back(Box::pin(job)));
        if RUNNING.replace(true) {
            return;
        }
        leptos::task::spawn_local(async {
            while let Some(job) = QUEUE.with(|q| q.borrow_mut().pop_front()) {
                job.await;
            }
            RUNNING.set(false);
        });
    }

    /// Stops the upload `key` if it is in flight (its [`send`] answers `Cancelled`).
    pub fn cancel(key: u32) {
        IN_FLIGHT.with(|m| {
            if let Some(xhr) = m.borrow().get(&key) {
                CANCELLED.with(|c| c.borrow_mut().insert(key));
                let _ = xhr.abort();
            }
        });
    }

    /// Uploads `file` (named `name`) as `kind` to the contract, reporting bytes sent and the total
    /// to `progress` as the browser sends them. `key` names the upload for [`cancel`].
    pub async fn send(
        key: u32,
        contract_id: i64,
        kind: AttachmentKind,
        file: &web_sys::Blob,
        name: &str,
        progress: impl Fn(u64, u64) + 'static,
    ) -> Result<Uploaded, UploadFailure> {
        let js = |e: leptos::wasm_bindgen::JsValue| UploadFailure::Error(AppError::transport(format!("{e:?}")));
        let form = web_sys::FormData::new().map_err(js)?;
        form.append_with_str("kind", kind.code()).map_err(js)?;
        form.append_with_blob_and_filename("file", file, name).map_err(js)?;
        let xhr = web_sys::XmlHttpRequest::new().map_err(js)?;
        xhr.open("POST", &format!("/contracts/{contract_id}/attachments")).map_err(js)?;
        xhr.set_request_header("Accept", "application/json").map_err(js)?;
        let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
            if ev.length_computable() {
                progress(ev.loaded() as u64, ev.total() as u64);
            }
        });
        xhr.upload().map_err(js)?.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        // Settles once the request ends in any way: answered, failed or aborted.
        let done = js_sys::Promise::new(&mut |resolve, _| xhr.set_onloadend(Some(&resolve)));
        xhr.send_with_opt_form_data(Some(&form)).map_err(js)?;
        IN_FLIGHT.with(|m| m.borrow_mut().insert(key, xhr.clone()));
        let _ = wasm_bindgen_futures::JsFuture::from(done).await;
        IN_FLIGHT.with(|m| m.borrow_mut().remove(&key));
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(None);
        }
        drop(on_progress);
        let status = xhr.status().unwrap_or(0);
        let body = xhr.response_text().ok().flatten().unwrap_or_default();
        let cancelled = CANCELLED.with(|c| c.borrow_mut().remove(&key));
        match status {
            _ if cancelled => Err(UploadFailure::Cancelled),
            0 => Err(UploadFailure::Error(AppError::transport(
                "网络中断，上传未完成 / The connection was lost; the upload did not finish",
            ))),
            200..=299 => serde_json::from_str::<Uploaded>(&body)
                .map_err(|e| UploadFailure::Error(AppError::transport(format!("{e}")))),
            _ => Err(UploadFailure::Error(
                serde_json::from_str::<AppError>(&body)
                    .unwrap_or_else(|_| AppError::transport(format!("HTTP {status}"))),
            )),
        }
    }

    /// A renewal's userid sheet: the contract it renews has its userids as the filled-in template
    /// (`GET /contracts/<source>/userids.xlsx`), uploaded to the new contract as its userid sheet —
    /// the server reads and checks it like any other.
    pub async fn copy_userid_sheet(source: i64, contract_id: i64) -> Result<Uploaded, AppError> {
        let net = |e: gloo_net::Error| AppError::transport(e.to_string());
        let res =
            gloo_net::http::Request::get(&format!("/contracts/{source}/userids.xlsx")).send().await.map_err(net)?;
        if !res.ok() {
            return Err(res
                .json::<AppError>()
                .await
                .unwrap_or_else(|_| AppError::transport(format!("HTTP {}", res.status()))));
        }
        let bytes = res.binary().await.map_err(net)?;
        let js = |e: leptos::wasm_bindgen::JsValue| AppError::transport(format!("{e:?}"));
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
        let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(js)?;
        let name = format!("企业ID及userid（续期自合同{source}）.xlsx");
        send(u32::MAX, contract_id, AttachmentKind::UseridSheet, &blob, &name, |_, _| {}).await.map_err(|e| match e {
            UploadFailure::Error(e) => e,
            UploadFailure::Cancelled => AppError::transport("cancelled"),
        })
    }
}
