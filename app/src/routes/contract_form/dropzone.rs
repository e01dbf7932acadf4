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
mod browser;
