//! The browser side of the drop zone: reading dropped or chosen files, the pre-check, the upload
//! with its progress, and adopting the stored file into the form.

use super::super::state::{Form, Notice};
use super::super::upload::{self, UploadFailure, Uploaded};
use super::{UploadItem, UploadState};
use crate::domain::attachment::{AttachmentKind, SNIFF_BYTES, precheck};
use crate::error::AppError;
use crate::models::AttachmentDto;
use leptos::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT_KEY: AtomicU32 = AtomicU32::new(1);

/// Files chosen with the zone's input (click or keyboard).
pub fn chosen(f: Form, kind: AttachmentKind, ev: &leptos::ev::Event) {
    use leptos::wasm_bindgen::JsCast;
    let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
    accept_files(f, kind, files_of(input.files()));
    // Choosing the same file again (after fixing it) reads it again.
    input.set_value("");
}

/// Files dropped on the zone.
pub fn dropped(f: Form, kind: AttachmentKind, ev: &leptos::ev::DragEvent) {
    accept_files(f, kind, files_of(ev.data_transfer().and_then(|d| d.files())));
}

fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    list.map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect()).unwrap_or_default()
}

fn set_state(f: Form, key: u32, state: UploadState) {
    f.uploads.update(|us| {
        if let Some(u) = us.iter_mut().find(|u| u.key == key) {
            u.state = state;
        }
    });
}

fn state_of(f: Form, key: u32) -> Option<UploadState> {
    f.uploads.with_untracked(|us| us.iter().find(|u| u.key == key).map(|u| u.state.clone()))
}

/// Files dropped or chosen on the zone of `kind`: check each, save a new draft once if
/// needed, then queue the good ones for upload.
fn accept_files(f: Form, kind: AttachmentKind, files: Vec<web_sys::File>) {
    let lang = f.lang;
    if files.is_empty() {
        return;
    }
    if kind.is_single() && files.len() > 1 {
        let (zh, en) = (kind.zh(), kind.en());
        let n = files.len();
        f.notice.set(Some(Notice::Error(match lang {
            crate::domain::problem::Lang::Zh => format!("{zh}只能上传一个文件，拖入了 {n} 个；请只拖入一个"),
            crate::domain::problem::Lang::En => format!("A {en} is one file; {n} were dropped. Drop just one"),
        })));
        return;
    }
    let keyed: Vec<(u32, web_sys::File)> =
        files.into_iter().map(|file| (NEXT_KEY.fetch_add(1, Ordering::Relaxed), file)).collect();
    f.uploads.update(|us| {
        // A new file for a one-file kind takes the place of what was left of the last one.
        if kind.is_single() {
            us.retain(|u| u.kind != kind || u.state.in_flight());
        }
        us.extend(keyed.iter().map(|(key, file)| UploadItem {
            key: *key,
            kind,
            name: file.name(),
            size: file.size() as u64,
            thumb: None,
            state: UploadState::Checking,
        }))
    });
    leptos::task::spawn_local(async move {
        let mut good = Vec::new();
        for (key, file) in keyed {
            match check(f, kind, &file).await {
                Ok(()) => good.push((key, file)),
                Err(why) => set_state(f, key, UploadState::Refused(why)),
            }
        }
        if good.is_empty() {
            return;
        }
        let was_new = f.contract_id().is_none();
        let contract = match super::super::actions::ensure_created(f).await {
            Ok((id, _)) => {
                if was_new {
                    super::super::actions::show_address_of(id);
                }
                id
            }
            Err(e) => {
                for (key, _) in good {
                    set_state(f, key, UploadState::Refused(e.message(lang)));
                }
                return;
            }
        };
        for (key, file) in good {
            if file.type_().starts_with("image/") {
                let thumb = web_sys::Url::create_object_url_with_blob(&file).ok();
                f.uploads.update(|us| {
                    if let Some(u) = us.iter_mut().find(|u| u.key == key) {
                        u.thumb = thumb;
                    }
                });
            }
            set_state(f, key, UploadState::Waiting);
            upload::enqueue(send_one(f, kind, contract, key, file));
        }
    });
}

/// The browser's check of one file: size and type (`domain::attachment::precheck`); a userid
/// sheet is also read and checked row by row, and shown. `Err` says why it is refused.
async fn check(f: Form, kind: AttachmentKind, file: &web_sys::File) -> Result<(), String> {
    let lang = f.lang;
    let size = file.size() as u64;
    let name = file.name();
    let whole = kind.sniffs_whole_file();
    // Nothing is read of a file over the limit.
    let head = if size > f.upload_limit || size == 0 {
        Vec::new()
    } else {
        let blob: web_sys::Blob = if whole {
            file.clone().into()
        } else {
            file.slice_with_f64_and_f64(0.0, SNIFF_BYTES as f64).map_err(|e| format!("{e:?}"))?
        };
        gloo_file::futures::read_as_bytes(&gloo_file::Blob::from(blob)).await.map_err(|e| e.to_string())?
    };
    precheck(kind, &name, size, f.upload_limit, &head).map_err(|r| r.problem(kind).message(lang).to_owned())?;
    if kind != AttachmentKind::UseridSheet {
        return Ok(());
    }
    let corp_id = f.draft.with_untracked(|d| d.corp_id.clone());
    let job = super::super::sheet::SheetJob::Userids { corp_id };
    #[cfg(feature = "split")]
    let read = super::super::sheet::read_sheet(name, head, job).await;
    #[cfg(not(feature = "split"))]
    let read = super::super::sheet::read_sheet(name, head, job);
    let super::super::sheet::SheetRead::Userids(preview) = read else { return Ok(()) };
    let errors = preview.summary.errors;
    f.sheet.set((errors == 0).then(|| preview.facts.clone()));
    f.sheet_preview.set(Some(preview));
    if errors > 0 {
        return Err(match lang {
            crate::domain::problem::Lang::Zh => {
                format!("表格有 {errors} 处错误（见上方），未上传；改正后请重新拖入")
            }
            crate::domain::problem::Lang::En => {
                format!("The sheet has {errors} errors (listed above) and was not uploaded; fix them and drop it again")
            }
        });
    }
    Ok(())
}

/// Uploads one checked file (when it was not cancelled while waiting) and puts the answer
/// into the form.
async fn send_one(f: Form, kind: AttachmentKind, contract: i64, key: u32, file: web_sys::File) {
    if state_of(f, key) != Some(UploadState::Waiting) {
        return;
    }
    let total = file.size() as u64;
    set_state(f, key, UploadState::Sending { sent: 0, total });
    let progress = move |sent: u64, total: u64| {
        if matches!(state_of(f, key), Some(UploadState::Sending { .. })) {
            set_state(f, key, UploadState::Sending { sent, total });
        }
    };
    let result = upload::send(key, contract, kind, &file, &file.name(), progress).await;
    let thumb = f.uploads.with_untracked(|us| us.iter().find(|u| u.key == key).and_then(|u| u.thumb.clone()));
    match result {
        Ok(u) => {
            f.uploads.update(|us| us.retain(|x| x.key != key));
            adopt_upload(f, kind, u);
        }
        Err(UploadFailure::Cancelled) => set_state(f, key, UploadState::Cancelled),
        Err(UploadFailure::Error(e)) => {
            if let AppError::Invalid { problems } = &e {
                let ps = problems.iter().cloned().map(|mut p| {
                    p.field = super::field_path(kind).to_owned();
                    p
                });
                f.server_problems.update(|s| s.extend(ps));
            }
            set_state(f, key, UploadState::Refused(e.message(f.lang)));
        }
    }
    if let Some(url) = thumb {
        let _ = web_sys::Url::revoke_object_url(&url);
        f.uploads.update(|us| {
            if let Some(u) = us.iter_mut().find(|u| u.key == key) {
                u.thumb = None;
            }
        });
    }
}

/// A stored upload into the form: it is listed with the contract's files, and a voucher or
/// userid sheet becomes the draft's. The server made it the contract's file in a new version:
/// when this form was at the version just before, it is still current and takes the new
/// version (and the stored link) so the next save is not refused as stale. Otherwise someone
/// else changed the contract too, and the save says so.
pub fn adopt_upload(f: Form, kind: AttachmentKind, u: Uploaded) {
    let path = super::field_path(kind);
    let lang = f.lang;
    let link = |d: &mut crate::domain::contract::ContractDraft| d.set_attachment(kind, u.id);
    let mut adopted = false;
    f.saved.update(|c| {
        let Some(c) = c.as_mut() else { return };
        c.attachments.push(AttachmentDto {
            id: u.id,
            kind,
            file_name: u.file_name.clone(),
            content_type: u.content_type.clone(),
            size: u.size,
            uploaded_at: chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default(),
            via_payment_link: false,
        });
        if let Some(v) = u.contract_version.filter(|v| c.version + 1 == *v) {
            c.version = v;
            link(&mut c.draft);
            adopted = true;
        }
    });
    if u.contract_version.is_some() {
        f.draft.update(link);
    }
    if adopted {
        f.baseline.update(link);
    }
    f.server_problems.update(|ps| ps.retain(|p| p.field != path));
    let name = &u.file_name;
    f.notice.set(Some(Notice::Ok(match (lang, u.contract_version.is_some()) {
        (crate::domain::problem::Lang::Zh, true) => format!("已上传“{name}”并保存到合同"),
        (crate::domain::problem::Lang::Zh, false) => {
            format!("已上传“{name}”（合同当前不可修改，文件已附在合同旁）")
        }
        (crate::domain::problem::Lang::En, true) => format!("Uploaded \"{name}\" and saved it to the contract"),
        (crate::domain::problem::Lang::En, false) => {
            format!("Uploaded \"{name}\" (the contract cannot change now; the file is kept beside it)")
        }
    })));
}
