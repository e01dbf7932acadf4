//! The userid sheet (企业 ID 及 userid 示例表) on the contract form: the chosen file is read in the
//! browser (`gloo-file`) and checked by the shared sheet reader before anything is uploaded; the
//! summary and every row's problem show at once, and its counts feed the contract rules (userid
//! count vs purchase, corp ID match). Then it is uploaded, and the server reads it again.
//!
//! The same reader imports product lines (导入明细) from a sheet into the form's 产品管理 table.
//!
//! The reader (calamine, zip, encodings) is large. With the `split` feature it is one `#[lazy]`
//! function for both sheets, loaded from its own WASM chunk the first time a sheet is chosen
//! (build with `cargo leptos build --split`), so the quote page does not carry it.

use super::dropzone::DropZone;
use super::state::Form;
#[cfg(target_arch = "wasm32")]
use super::state::Notice;
use crate::components::form_field::problem_items;
use crate::domain::contract::{SheetFacts, paths};
use crate::domain::problem::Problem;
#[cfg(target_arch = "wasm32")]
use crate::domain::sheet::add_imported_lines;
use crate::domain::sheet::{ImportedLines, SheetSummary};
use crate::i18n::td_string;
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

/// Which sheet a chosen file is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SheetJob {
    /// The corp ID / userid sheet, checked against the form's corp ID.
    Userids { corp_id: String },
    /// Product lines to import (导入明细).
    Lines,
}

/// What the shared reader made of a chosen file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SheetRead {
    Userids(SheetPreview),
    Lines(ImportedLines),
}

/// Reads a sheet with the shared reader: one lazy function for both kinds, so the reader is one
/// WASM chunk.
#[cfg_attr(feature = "split", leptos::lazy)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn read_sheet(file_name: String, bytes: Vec<u8>, job: SheetJob) -> SheetRead {
    use crate::domain::CorpId;
    use crate::domain::sheet::{UseridSheetOptions, check_userid_sheet, import_lines};
    match job {
        SheetJob::Userids { corp_id } => {
            let expected = CorpId::parse(paths::CORP_ID, &corp_id).ok();
            let sheet =
                check_userid_sheet(&bytes, &UseridSheetOptions { expected_corp_id: expected.as_ref(), saving: None });
            SheetRead::Userids(SheetPreview {
                file_name,
                facts: sheet.facts(),
                summary: sheet.summary,
                problems: sheet.problems,
            })
        }
        SheetJob::Lines => SheetRead::Lines(import_lines(&bytes)),
    }
}

/// Reads the file an `<input type=file>` change event picked, then the sheet in it (loading the
/// reader's chunk the first time), with `reading` set meanwhile. `None` when no file was picked or
/// the browser could not read it (the form's notice says why). The input is cleared, so picking the
/// same file again (after fixing it) reads it again.
#[cfg(target_arch = "wasm32")]
async fn read_picked(
    f: Form,
    reading: RwSignal<bool>,
    ev: &leptos::ev::Event,
    job: SheetJob,
) -> Option<(String, SheetRead)> {
    use leptos::wasm_bindgen::JsCast;
    let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())?;
    let file = input.files().and_then(|l| l.get(0))?;
    input.set_value("");
    let name = file.name();
    reading.set(true);
    let bytes = gloo_file::futures::read_as_bytes(&gloo_file::Blob::from(file)).await;
    let read = match bytes {
        #[cfg(feature = "split")]
        Ok(bytes) => Some(read_sheet(name.clone(), bytes, job).await),
        #[cfg(not(feature = "split"))]
        Ok(bytes) => Some(read_sheet(name.clone(), bytes, job)),
        Err(e) => {
            let message = td_string!(f.locale, contract_form.sheet.unreadable, error = e);
            f.notice.set(Some(Notice::Error(message)));
            None
        }
    };
    reading.set(false);
    read.map(|r| (name, r))
}

/// The userid sheet's drop zone: a dropped sheet is read and checked here first (its summary and
/// every row's problem show at once, and its counts feed the contract rules), and uploaded only
/// without errors; the server reads it again.
#[component]
pub(super) fn UseridSheetField(f: Form) -> impl IntoView {
    let locale = f.locale;
    view! {
        <DropZone
            f
            kind=crate::domain::attachment::AttachmentKind::UseridSheet
            label={td_string!(locale, contract_form.sheet.label)}
            required=false
            hint={td_string!(locale, contract_form.sheet.hint)}
        >
            <p class="sheet-links">
                <a href="/templates/userid-sheet.xlsx" rel="external" download data-testid="sheet-template">
                    {td_string!(locale, contract_form.sheet.template)}
                </a>
            </p>
            {super::fields::field_help(
                td_string!(locale, contract_form.help.userid_question),
                td_string!(locale, contract_form.help.userid_answer),
            )}
            {move || f.sheet_preview.get().map(|p| view! { <PreviewView f p /> })}
        </DropZone>
    }
}

#[component]
fn PreviewView(f: Form, p: SheetPreview) -> impl IntoView {
    let (lang, locale) = (f.lang, f.locale);
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
    // A userid in both kinds counts once in the total and once in each kind: say so, or the
    // numbers do not add up.
    let both = p.facts.overlapping_userids;
    let both = (both > 0).then(|| match lang {
        crate::domain::problem::Lang::Zh => format!("（其中 {both} 个 userid 同时有基础和互通账号，各计一次）"),
        crate::domain::problem::Lang::En => {
            format!(" ({both} userids have both a basic and an interop account, counted in each)")
        }
    });
    let corp = p.facts.corp_ids.first().map(|c| c.as_str().to_owned());
    let ok = !p.has_errors();
    view! {
        <div class="sheet-preview" data-testid="sheet-preview" data-ok=ok.to_string()>
            <p class=if ok { "notice ok" } else { "notice error" }>{summary}{both}</p>
            {corp.map(|c| view! { <p class="hint">{td_string!(locale, contract_form.sheet.corp_id, corp_id = c)}</p> })}
            <ul class="field-errors">{problem_items(locale.into(), &p.problems)}</ul>
        </div>
    }
}

/// What the last 导入明细 did: the file, how many lines it added, and the sheet's problems (with
/// errors, nothing was imported).
#[derive(Clone, Debug, PartialEq, Eq)]
struct LineImportReport {
    file_name: String,
    added: usize,
    problems: Vec<Problem>,
}

/// 导入明细: product lines from a sheet (as the seed's 产品管理 table has them), read in the browser.
/// A sheet with any bad row imports nothing and lists every bad row; a good one adds its lines
/// (taking the place of blank rows), to be checked and priced like typed ones.
#[component]
pub(super) fn LineImport(f: Form) -> impl IntoView {
    let locale = f.locale;
    let report = RwSignal::new(None::<LineImportReport>);
    let reading = RwSignal::new(false);
    let on_pick = move |ev: leptos::ev::Event| {
        #[cfg(target_arch = "wasm32")]
        {
            leptos::task::spawn_local(async move {
                let Some((file_name, SheetRead::Lines(imported))) = read_picked(f, reading, &ev, SheetJob::Lines).await
                else {
                    return;
                };
                let merged = if imported.has_errors() {
                    Err(Vec::new())
                } else {
                    f.draft.with_untracked(|d| add_imported_lines(&d.lines, &imported.lines)).map_err(|p| vec![p])
                };
                let mut problems = imported.problems;
                let added = match merged {
                    Ok(lines) => {
                        f.draft.update(|d| d.lines = lines);
                        imported.lines.len()
                    }
                    Err(more) => {
                        problems.extend(more);
                        0
                    }
                };
                report.set(Some(LineImportReport { file_name, added, problems }));
            });
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = (ev, f, report);
    };
    let shown = move || {
        report.get().map(|r| {
            let ok = r.added > 0;
            let summary = if ok {
                td_string!(locale, contract_form.lines.imported, file = &r.file_name, n = r.added)
            } else {
                td_string!(locale, contract_form.lines.import_refused, file = &r.file_name)
            };
            view! {
                <div class="sheet-preview" data-testid="lines-import" data-ok=ok.to_string()>
                    <p class=if ok { "notice ok" } else { "notice error" } role="status">{summary}</p>
                    <ul class="field-errors">{problem_items(locale.into(), &r.problems)}</ul>
                </div>
            }
        })
    };
    view! {
        <label class="button file-button" for="lines-import-file">{td_string!(locale, contract_form.lines.import)}</label>
        <input
            id="lines-import-file"
            class="visually-hidden"
            type="file"
            accept=".xlsx,.xls,.ods,.csv"
            on:change=on_pick
            disabled=move || !f.editable.get()
        />
        {move || reading.get().then(|| view! { <span class="loading">{td_string!(locale, contract_form.sheet.reading)}</span> })}
        {shown}
    }
}
