//! 附件信息: the payment voucher, the userid sheet and any other files (a signed contract scan, …),
//! each kind with its drop zone (`dropzone`).

use super::dropzone::DropZone;
use super::state::Form;
use crate::domain::attachment::AttachmentKind;
use crate::i18n::td_string;
use leptos::prelude::*;

/// 附件信息: the payment voucher, the userid sheet and other files.
#[component]
pub(super) fn Attachments(f: Form) -> impl IntoView {
    let (lang, locale) = (f.lang, f.locale);
    view! {
        <fieldset class="card attachments">
            <legend>{td_string!(locale, contract_form.attachments.legend)}</legend>
            <DropZone
                f
                kind=AttachmentKind::Voucher
                label={td_string!(locale, contract_form.attachments.voucher)}
                required=true
                hint={td_string!(locale, contract_form.attachments.voucher_hint)}
            />
            <super::sheet::UseridSheetField f />
            <DropZone
                f
                kind=AttachmentKind::Other
                label=lang.pick("其他附件", "Other attachments")
                required=false
                hint=lang.pick("如已签署的合同扫描件；可上传多个 PDF 或图片", "E.g. a scan of the signed contract; any number of PDFs or images")
            />
        </fieldset>
    }
}
