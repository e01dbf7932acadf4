//! Uploading an attachment from the form through the server's upload route
//! (`POST /contracts/<id>/attachments`, multipart `kind` + `file`), which checks the file again.

#[cfg(target_arch = "wasm32")]
use crate::error::AppError;

/// What the upload route answers (a subset of its JSON).
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Uploaded {
    pub id: i64,
    pub file_name: String,
    pub size: i64,
    /// Userids the server stored from a userid sheet.
    #[serde(default)]
    pub userids: Option<usize>,
    /// The contract's version after the upload became its voucher / userid sheet; `None` when the
    /// contract was not editable and stayed as it was.
    #[serde(default)]
    pub contract_version: Option<i64>,
}

/// Uploads `file` as `kind` to the contract.
#[cfg(target_arch = "wasm32")]
pub async fn upload(
    contract_id: i64,
    kind: crate::domain::attachment::AttachmentKind,
    file: &web_sys::File,
) -> Result<Uploaded, AppError> {
    let js = |e: leptos::wasm_bindgen::JsValue| AppError::transport(format!("{e:?}"));
    let form = web_sys::FormData::new().map_err(js)?;
    form.append_with_str("kind", kind.code()).map_err(js)?;
    form.append_with_blob_and_filename("file", file, &file.name()).map_err(js)?;
    let net = |e: gloo_net::Error| AppError::transport(e.to_string());
    let res = gloo_net::http::Request::post(&format!("/contracts/{contract_id}/attachments"))
        .body(form)
        .map_err(net)?
        .send()
        .await
        .map_err(net)?;
    if res.ok() {
        res.json::<Uploaded>().await.map_err(net)
    } else {
        Err(res.json::<AppError>().await.unwrap_or_else(|_| AppError::transport(format!("HTTP {}", res.status()))))
    }
}
