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

/// Uploads `file` (named `name`) as `kind` to the contract.
#[cfg(target_arch = "wasm32")]
pub async fn upload(
    contract_id: i64,
    kind: crate::domain::attachment::AttachmentKind,
    file: &web_sys::Blob,
    name: &str,
) -> Result<Uploaded, AppError> {
    let js = |e: leptos::wasm_bindgen::JsValue| AppError::transport(format!("{e:?}"));
    let form = web_sys::FormData::new().map_err(js)?;
    form.append_with_str("kind", kind.code()).map_err(js)?;
    form.append_with_blob_and_filename("file", file, name).map_err(js)?;
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

/// A renewal's userid sheet: the contract it renews has its userids as the filled-in template
/// (`GET /contracts/<source>/userids.xlsx`), uploaded to the new contract as its userid sheet —
/// the server reads and checks it like any other.
#[cfg(target_arch = "wasm32")]
pub async fn copy_userid_sheet(source: i64, contract_id: i64) -> Result<Uploaded, AppError> {
    let net = |e: gloo_net::Error| AppError::transport(e.to_string());
    let res = gloo_net::http::Request::get(&format!("/contracts/{source}/userids.xlsx")).send().await.map_err(net)?;
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
    upload(contract_id, crate::domain::attachment::AttachmentKind::UseridSheet, &blob, &name).await
}
