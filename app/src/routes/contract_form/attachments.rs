//! 附件信息: the payment voucher and the userid sheet, each uploaded to the saved contract through
//! the server's upload route and shown with a link to what is attached.

use super::fields::Problems;
use super::state::Form;
#[cfg(target_arch = "wasm32")]
use super::state::Notice;
use crate::components::form_field::field_label;
use crate::domain::attachment::AttachmentKind;
use crate::domain::contract::paths;
#[cfg(target_arch = "wasm32")]
use crate::error::AppError;
use crate::i18n::td_string;
use leptos::prelude::*;
#[cfg(target_arch = "wasm32")]
use leptos::task::spawn_local;

/// 附件信息: the payment voucher and the userid sheet, uploaded to a saved contract.
#[component]
pub(super) fn Attachments(f: Form) -> impl IntoView {
    let locale = f.locale;
    view! {
        <fieldset class="card attachments">
            <legend>{td_string!(locale, contract_form.attachments.legend)}</legend>
            <AttachmentField
                f
                kind=AttachmentKind::Voucher
                path=paths::PAYMENT_VOUCHER
                label={td_string!(locale, contract_form.attachments.voucher)}
                required=true
                accept=".png,.jpg,.jpeg,.pdf,image/png,image/jpeg,application/pdf"
                hint={td_string!(locale, contract_form.attachments.voucher_hint)}
            />
            <super::sheet::UseridSheetField f />
        </fieldset>
    }
}

/// One attachment: what is attached (with a download link), and a file input to upload another.
#[component]
pub(super) fn AttachmentField(
    f: Form,
    kind: AttachmentKind,
    path: &'static str,
    label: &'static str,
    required: bool,
    accept: &'static str,
    hint: &'static str,
    /// Called with the chosen file before it is uploaded (the userid sheet preview).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let locale = f.locale;
    let attached = move || f.draft.with(|d| d.attachment(kind));
    // The name of the file uploaded in this page, else the stored name of the one the draft names.
    let file_name = RwSignal::new(None::<String>);
    let stored_name = move |id: i64| {
        f.saved.with(|c| c.as_ref()?.attachments.iter().find(|a| a.id == id).map(|a| a.file_name.clone()))
    };
    let input_id = format!("upload-{}", kind.code());
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(target_arch = "wasm32")]
        {
            use leptos::wasm_bindgen::JsCast;
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let Some(file) = input.files().and_then(|l| l.get(0)) else { return };
            let Some(id) = f.contract_id() else {
                f.notice.set(Some(Notice::Error(td_string!(locale, contract_form.attachments.save_first).to_owned())));
                return;
            };
            f.busy.set(true);
            spawn_local(async move {
                let result = super::upload::upload(id, kind, &file, &file.name()).await;
                f.busy.set(false);
                match result {
                    Ok(u) => {
                        file_name.set(Some(u.file_name.clone()));
                        let link = |d: &mut crate::domain::contract::ContractDraft| d.set_attachment(kind, u.id);
                        f.draft.update(link);
                        // The server made the upload the contract's file in a new version. When this
                        // form was at the version just before, it is still current: take the new
                        // version (and the stored link) so the next save is not refused as stale.
                        // Otherwise someone else changed the contract too, and the save says so.
                        if let Some(v) = u.contract_version {
                            let mut adopted = false;
                            f.saved.update(|c| {
                                if let Some(c) = c.as_mut().filter(|c| c.version + 1 == v) {
                                    c.version = v;
                                    link(&mut c.draft);
                                    adopted = true;
                                }
                            });
                            if adopted {
                                f.baseline.update(link);
                            }
                        }
                        f.server_problems.update(|ps| ps.retain(|p| p.field != path));
                        let name = &u.file_name;
                        f.notice.set(Some(Notice::Ok(if u.contract_version.is_some() {
                            td_string!(locale, contract_form.attachments.uploaded_saved, name)
                        } else {
                            td_string!(locale, contract_form.attachments.uploaded_unchanged, name)
                        })));
                    }
                    Err(e) => {
                        if let AppError::Invalid { problems } = &e {
                            let ps = problems.iter().cloned().map(|mut p| {
                                p.field = path.to_owned();
                                p
                            });
                            f.server_problems.update(|s| s.extend(ps));
                        }
                        f.notice.set(Some(Notice::Error(e.message(f.lang))));
                    }
                }
            });
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = (ev, file_name);
    };
    view! {
        <div class="field wide attachment" data-field=path>
            {field_label(input_id.clone(), label, required)}
            <p class="attached" data-testid=format!("attached-{}", kind.code())>
                {move || match attached() {
                    Some(id) => view! {
                        <a href=format!("/attachments/{id}") rel="external">
                            {file_name.get().or_else(|| stored_name(id)).unwrap_or_else(|| td_string!(locale, contract_form.attachments.numbered, id))}
                        </a>
                    }
                        .into_any(),
                    None => view! { <span class="hint">{td_string!(locale, contract_form.attachments.none_yet)}</span> }.into_any(),
                }}
            </p>
            {children.map(|c| c())}
            <input
                id=input_id
                type="file"
                accept=accept
                on:change=on_change
                disabled=move || !f.editable.get() || f.saved.with(|c| c.is_none())
            />
            <p class="hint">
                {hint}
                {move || f.saved.with(|c| c.is_none()).then(|| td_string!(locale, contract_form.attachments.after_save))}
            </p>
            <Problems f path=path />
        </div>
    }
}
