//! A drop zone for one kind of attachment (付款凭证, the userid sheet, 附件信息): files are dropped
//! onto it, or chosen by click or keyboard (the zone's file input takes the focus). Each file is
//! checked in the browser before a byte is sent — its size against the server's limit and its
//! type from its first bytes, by the same `domain::attachment` code the server runs — then
//! uploaded with a progress bar and a cancel button. What is stored shows as a card: a thumbnail
//! for an image, an icon with name and size for a PDF or a sheet, with 替换 / 移除.
//!
//! On a form not yet saved, the first drop saves the draft (there is no contract to attach to
//! before). A userid sheet is read and checked in the browser first (`sheet`), and uploaded only
//! when it has no errors.
//!
//! The zone's texts are written here with the page's `Lang` rather than as `leptos_i18n` keys:
//! those all land in the quote page's WASM module, whose first load is at its budget.

use super::state::{Form, Notice};
use crate::components::form_field::field_label;
use crate::domain::attachment::{AttachmentKind, FileType};
use crate::domain::problem::Lang;
use crate::models::AttachmentDto;
use leptos::prelude::*;

/// A file dropped on a zone, from its check until it is stored (then its card takes over) or
/// dismissed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadItem {
    pub key: u32,
    pub kind: AttachmentKind,
    pub name: String,
    pub size: u64,
    /// An object URL of the local image, shown while it uploads.
    pub thumb: Option<String>,
    pub state: UploadState,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub enum UploadState {
    /// Being read and checked in the browser.
    Checking,
    /// Checked; waiting for the uploads before it.
    Waiting,
    Sending {
        sent: u64,
        total: u64,
    },
    /// Refused in the browser (nothing was sent) or by the server.
    Refused(String),
    Cancelled,
}

impl UploadState {
    fn in_flight(&self) -> bool {
        matches!(self, UploadState::Checking | UploadState::Waiting | UploadState::Sending { .. })
    }
}

/// A size as a person reads it: "812 KB", "3.4 MB".
pub fn file_size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{:.1} MB", b as f64 / 1_048_576.0),
    }
}

/// Where a kind's problems show (the draft field naming it; other attachments have none).
pub(super) fn field_path(kind: AttachmentKind) -> &'static str {
    match kind {
        AttachmentKind::Voucher => crate::domain::contract::paths::PAYMENT_VOUCHER,
        AttachmentKind::UseridSheet => crate::domain::contract::paths::USERID_SHEET,
        AttachmentKind::Other => "other_attachments",
    }
}

/// The `accept` attribute of a kind's file input: its types' extensions and MIME types.
fn accept_attribute(kind: AttachmentKind) -> String {
    let mut parts: Vec<String> = Vec::new();
    for t in kind.accepts() {
        parts.extend(t.extensions().iter().map(|e| format!(".{e}")));
        parts.push(t.mime().to_owned());
    }
    parts.join(",")
}

/// What the zone says it accepts.
fn accepts_text(lang: Lang, kind: AttachmentKind, limit: u64) -> String {
    let types = kind.accepts().iter().map(|t| t.name()).collect::<Vec<_>>().join(" / ");
    let size = file_size(limit);
    match (lang, kind.is_single()) {
        (Lang::Zh, true) => format!("接受 {types}，一个文件，最大 {size}"),
        (Lang::Zh, false) => format!("接受 {types}，可多个文件，每个最大 {size}"),
        (Lang::En, true) => format!("Accepts {types}: one file, at most {size}"),
        (Lang::En, false) => format!("Accepts {types}: several files, each at most {size}"),
    }
}

/// The files of `kind` a zone shows as stored: the one the draft names (voucher, userid sheet)
/// and the vouchers a customer sent through a payment link, or every other attachment.
fn stored_files(f: Form, kind: AttachmentKind) -> Vec<AttachmentDto> {
    let named = f.draft.with(|d| d.attachment(kind));
    f.saved.with(|c| {
        let Some(c) = c else { return Vec::new() };
        c.attachments
            .iter()
            .filter(|a| a.kind == kind)
            .filter(|a| !kind.is_single() || Some(a.id) == named || (a.via_payment_link && Some(a.id) != named))
            .cloned()
            .collect()
    })
}

#[component]
pub(super) fn DropZone(
    f: Form,
    kind: AttachmentKind,
    label: &'static str,
    required: bool,
    hint: &'static str,
    /// Shown between the zone and the files (the userid sheet's template link, help, summary).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let lang = f.lang;
    let path = field_path(kind);
    let input_id = format!("upload-{}", kind.code());
    let input = NodeRef::<leptos::html::Input>::new();
    let over = RwSignal::new(false);
    let disabled = move || !f.editable.get();
    let items = move || f.uploads.with(|us| us.iter().filter(|u| u.kind == kind).cloned().collect::<Vec<_>>());
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(target_arch = "wasm32")]
        browser::chosen(f, kind, &ev);
        #[cfg(not(target_arch = "wasm32"))]
        let _ = ev;
    };
    let on_drag = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if !disabled() {
            over.set(true);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        if disabled() {
            f.notice.set(Some(Notice::Error(
                lang.pick("此合同现在不能修改附件", "This contract's files cannot be changed now").to_owned(),
            )));
            return;
        }
        #[cfg(target_arch = "wasm32")]
        browser::dropped(f, kind, &ev);
    };
    let choose_again = move || {
        if let Some(i) = input.get_untracked() {
            i.click();
        }
    };
    view! {
        <div class="field wide attachment" data-field=path>
            {field_label(input_id.clone(), label, required)}
            // Only while the files can change: a contract past its draft shows what it holds.
            <Show when=move || !disabled()>
                <div
                    class="dropzone"
                    class:over=move || over.get()
                    data-testid=format!("dropzone-{}", kind.code())
                    on:dragenter=on_drag
                    on:dragover=on_drag
                    on:dragleave=move |_| over.set(false)
                    on:drop=on_drop
                >
                    <input
                        node_ref=input
                        id=input_id.clone()
                        class="dropzone-input"
                        type="file"
                        accept=accept_attribute(kind)
                        multiple=!kind.is_single()
                        on:change=on_change
                        disabled=disabled
                    />
                    <span class="dropzone-call" aria-hidden="true">
                        {lang.pick("拖放文件到这里，或点击选择文件", "Drop files here, or click to choose")}
                    </span>
                    <span class="hint">{move || accepts_text(lang, kind, f.upload_limit)}</span>
                </div>
            </Show>
            {children.map(|c| c())}
            <ul class="upload-items" aria-live="polite">
                <For each=items key=|u| u.key let:item>
                    <UploadRow f key=item.key />
                </For>
            </ul>
            <ul class="stored-files">
                {move || {
                    stored_files(f, kind)
                        .into_iter()
                        .map(|a| view! { <StoredFile f kind a choose_again /> })
                        .collect_view()
                }}
            </ul>
            <p class="hint">{hint}</p>
            <super::fields::Problems f path=path />
        </div>
    }
}

/// One file being checked or uploaded, or refused: its name and size, a progress bar while it is
/// sent, and cancel (or dismiss once it ended).
#[component]
fn UploadRow(f: Form, key: u32) -> impl IntoView {
    let lang = f.lang;
    let item = move || f.uploads.with(|us| us.iter().find(|u| u.key == key).cloned());
    let state = move || item().map(|u| u.state);
    let fixed = item();
    let (name, size) = fixed.as_ref().map(|u| (u.name.clone(), u.size)).unwrap_or_default();
    let dismiss = move |_| f.uploads.update(|us| us.retain(|u| u.key != key));
    let cancel = move |_| {
        #[cfg(target_arch = "wasm32")]
        super::upload::cancel(key);
        f.uploads.update(|us| {
            if let Some(u) = us.iter_mut().find(|u| u.key == key) {
                u.state = UploadState::Cancelled;
            }
        });
    };
    let status = move || match state() {
        Some(UploadState::Checking) => lang.pick("正在检查…", "Checking…").to_owned(),
        Some(UploadState::Waiting) => lang.pick("等待上传…", "Waiting to upload…").to_owned(),
        Some(UploadState::Sending { sent, total }) => {
            let pct = if total == 0 { 0 } else { sent * 100 / total };
            format!("{}{pct}%", lang.pick("正在上传 ", "Uploading "))
        }
        Some(UploadState::Refused(why)) => why,
        Some(UploadState::Cancelled) => lang.pick("已取消，未上传", "Cancelled; nothing was uploaded").to_owned(),
        None => String::new(),
    };
    let refused = move || matches!(state(), Some(UploadState::Refused(_)));
    let in_flight = move || state().is_some_and(|s| s.in_flight());
    let bar = move || match state() {
        Some(UploadState::Sending { sent, total }) => Some((sent, total.max(1))),
        Some(UploadState::Waiting) => Some((0, 1)),
        _ => None,
    };
    let label = name.clone();
    view! {
        <li
            class="upload-item"
            class:refused=refused
            data-testid="upload-item"
            data-state=move || state().as_ref().map_or("", state_code)
        >
            {move || item().and_then(|u| u.thumb).map(|src| view! { <img class="thumb" src=src alt="" /> })}
            <span class="file-name">{name}</span>
            <span class="hint">{file_size(size)}</span>
            {move || bar().map(|(value, max)| view! {
                <progress value=value.to_string() max=max.to_string() aria-label=label.clone()></progress>
            })}
            <span class=move || if refused() { "field-error" } else { "upload-status" } role=move || if refused() { "alert" } else { "status" }>
                {status}
            </span>
            {move || if in_flight() {
                view! { <button type="button" class="link-button" data-testid="upload-cancel" on:click=cancel>{lang.pick("取消", "Cancel")}</button> }.into_any()
            } else {
                view! { <button type="button" class="link-button" data-testid="upload-dismiss" on:click=dismiss aria-label=lang.pick("关闭", "Dismiss")>"×"</button> }.into_any()
            }}
        </li>
    }
}

fn state_code(s: &UploadState) -> &'static str {
    match s {
        UploadState::Checking => "checking",
        UploadState::Waiting => "waiting",
        UploadState::Sending { .. } => "sending",
        UploadState::Refused(_) => "refused",
        UploadState::Cancelled => "cancelled",
    }
}

/// A stored file: thumbnail (image) or icon (PDF, sheet), name linking to the download, size;
/// 替换 / 移除 while the contract is editable. A voucher the customer sent through a payment link
/// says so and can be made the contract's voucher.
#[component]
fn StoredFile(
    f: Form,
    kind: AttachmentKind,
    a: AttachmentDto,
    choose_again: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = f.lang;
    let id = a.id;
    let named = move || f.draft.with(|d| d.attachment(kind)) == Some(id);
    let is_image = a.content_type.starts_with("image/");
    let badge = match FileType::from_mime(&a.content_type) {
        Some(t) => t.extensions()[0].to_ascii_uppercase(),
        None => "FILE".to_owned(),
    };
    let remove = move |_| {
        f.notice.set(None);
        let Some((cid, version)) = f.saved.with_untracked(|c| c.as_ref().map(|c| (c.id, c.version))) else { return };
        f.busy.set(true);
        leptos::task::spawn_local(async move {
            let result = crate::functions::contracts::remove_attachment(cid, version, id).await;
            f.busy.set(false);
            match result {
                Ok(dto) => {
                    f.baseline.set(dto.draft.clone());
                    f.draft.update(|d| d.name_attachment(kind, None));
                    if kind == AttachmentKind::UseridSheet {
                        f.sheet.set(None);
                        f.sheet_preview.set(None);
                    }
                    f.saved.set(Some(dto));
                    f.notice.set(Some(Notice::Ok(lang.pick("已移除", "Removed").to_owned())));
                }
                Err(e) => f.notice.set(Some(Notice::Error(e.message(lang)))),
            }
        });
    };
    let use_it = move |_| f.draft.update(|d| d.set_attachment(kind, id));
    let href = format!("/attachments/{id}");
    view! {
        <li class="stored-file" data-testid=format!("stored-{}", kind.code()) data-attachment=id.to_string()>
            {if is_image {
                view! { <img class="thumb" src=format!("/attachments/{id}?inline=1") alt="" loading="lazy" /> }.into_any()
            } else {
                view! { <span class="file-icon" aria-hidden="true">{badge}</span> }.into_any()
            }}
            <span class="file-name">
                <a href=href rel="external">{a.file_name.clone()}</a>
                <span class="hint">{file_size(u64::try_from(a.size).unwrap_or(0))}</span>
                {a.via_payment_link.then(|| view! { <span class="hint">{lang.pick("客户通过付款链接上传", "sent by the customer through a payment link")}</span> })}
            </span>
            <span class="file-actions">
                {move || (f.editable.get() && kind.is_single() && !named()).then(|| view! {
                    <button type="button" class="link-button" on:click=use_it>{lang.pick("设为付款凭证", "Use as the voucher")}</button>
                })}
                {move || (f.editable.get() && kind.is_single() && named()).then(|| view! {
                    <button type="button" class="link-button" data-testid="replace" on:click=move |_| choose_again()>{lang.pick("替换", "Replace")}</button>
                })}
                {move || (f.editable.get() && (named() || !kind.is_single())).then(|| view! {
                    <button type="button" class="link-button danger" data-testid="remove" disabled=move || f.busy.get() on:click=remove>{lang.pick("移除", "Remove")}</button>
                })}
            </span>
        </li>
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::adopt_upload;

#[cfg(target_arch = "wasm32")]
mod browser {
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
                    format!(
                        "The sheet has {errors} errors (listed above) and was not uploaded; fix them and drop it again"
                    )
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
}
