//! The userid sheet (企业 ID 及 userid 示例表) on the contract form: the chosen file is read in the
//! browser (`gloo-file`) and checked by the shared sheet reader before anything is uploaded; the
//! summary and every row's problem show at once, and its counts feed the contract rules (userid
//! count vs purchase, corp ID match). Then it is uploaded, and the server reads it again.
//!
//! The reader (calamine, zip, encodings) is large. With the `split` feature it is a `#[lazy]`
//! function, loaded from its own WASM chunk the first time a sheet is chosen (build with
//! `cargo leptos build --split`), so the quote page does not carry it.

#[cfg(target_arch = "wasm32")]
use super::form::Notice;
use super::form::{AttachmentField, Form, problem_items};
use crate::domain::contract::{SheetFacts, paths};
use crate::domain::problem::Problem;
use crate::domain::sheet::SheetSummary;
use crate::i18n::{Locale, td_string};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the form shows of a read sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetPreview {
    pub file_name: String,
    pub summary: SheetSummary,
    pub problems: Vec<Problem>,
    pub facts: SheetFacts,
}

impl SheetPreview {
    pub fn has_errors(&self) -> bool {
        self.summary.errors > 0
    }
}

/// Reads and checks the sheet with the shared reader, against the form's corp ID.
#[cfg_attr(feature = "split", leptos::lazy)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn read_sheet(file_name: String, bytes: Vec<u8>, corp_id: String) -> SheetPreview {
    use crate::domain::CorpId;
    use crate::domain::sheet::{UseridSheetOptions, check_userid_sheet};
    let expected = CorpId::parse(paths::CORP_ID, &corp_id).ok();
    let sheet = check_userid_sheet(&bytes, &UseridSheetOptions { expected_corp_id: expected.as_ref(), saving: None });
    SheetPreview { file_name, facts: sheet.facts(), summary: sheet.summary, problems: sheet.problems }
}

#[component]
pub(super) fn UseridSheetField(f: Form) -> impl IntoView {
    let locale = f.locale;
    let preview = RwSignal::new(None::<SheetPreview>);
    let reading = RwSignal::new(false);
    let on_pick = move |ev: leptos::ev::Event| {
        #[cfg(target_arch = "wasm32")]
        {
            use leptos::wasm_bindgen::JsCast;
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let Some(file) = input.files().and_then(|l| l.get(0)) else { return };
            let corp_id = f.draft.with_untracked(|d| d.corp_id.clone());
            reading.set(true);
            leptos::task::spawn_local(async move {
                let name = file.name();
                let bytes = gloo_file::futures::read_as_bytes(&gloo_file::Blob::from(file)).await;
                reading.set(false);
                match bytes {
                    Ok(bytes) => {
                        #[cfg(feature = "split")]
                        let p = read_sheet(name, bytes, corp_id).await;
                        #[cfg(not(feature = "split"))]
                        let p = read_sheet(name, bytes, corp_id);
                        f.sheet.set((!p.has_errors()).then(|| p.facts.clone()));
                        preview.set(Some(p));
                    }
                    Err(e) => {
                        f.notice.set(Some(Notice::Error(td_string!(locale, contract_form.sheet.unreadable, error = e))))
                    }
                }
            });
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = (ev, f, preview);
    };
    view! {
        <div class="field wide" data-field="userid_sheet_preview">
            <label for="sheet-preview-file">
                {td_string!(locale, contract_form.sheet.choose)}
            </label>
            <input
                id="sheet-preview-file"
                type="file"
                accept=".xlsx,.xls,.ods,.csv"
                on:change=on_pick
                disabled=move || !f.editable.get()
            />
            <a href="/templates/userid-sheet.xlsx" rel="external" download data-testid="sheet-template">
                {td_string!(locale, contract_form.sheet.template)}
            </a>
            {move || reading.get().then(|| view! { <p class="loading">{td_string!(locale, contract_form.sheet.reading)}</p> })}
            {move || preview.get().map(|p| view! { <PreviewView locale p /> })}
        </div>
        <AttachmentField
            f
            kind=crate::domain::attachment::AttachmentKind::UseridSheet
            path=paths::USERID_SHEET
            label={td_string!(locale, contract_form.sheet.label)}
            required=false
            accept=".xlsx,.xls,.ods,.csv"
            hint={td_string!(locale, contract_form.sheet.hint)}
        />
    }
}

#[component]
fn PreviewView(locale: Locale, p: SheetPreview) -> impl IntoView {
    let s = &p.summary;
    let summary = td_string!(
        locale,
        contract_form.sheet.summary,
        file = &p.file_name,
        rows = s.rows_read,
        userids = s.userids,
        basic = s.basic,
        interop = s.interop,
        unspecified = s.unspecified,
        errors = s.errors,
        warnings = s.warnings
    );
    let corp = p.facts.corp_ids.first().map(|c| c.as_str().to_owned());
    let ok = !p.has_errors();
    view! {
        <div class="sheet-preview" data-testid="sheet-preview" data-ok=ok.to_string()>
            <p class=if ok { "notice ok" } else { "notice error" }>{summary}</p>
            {corp.map(|c| view! { <p class="hint">{td_string!(locale, contract_form.sheet.corp_id, corp_id = c)}</p> })}
            <ul class="field-errors">{problem_items(locale.into(), &p.problems)}</ul>
        </div>
    }
}
