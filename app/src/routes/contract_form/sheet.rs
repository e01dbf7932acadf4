//! The userid sheet (企业 ID 及 userid 示例表) on the contract form.

use super::form::{AttachmentField, Form};
use super::upload;
use crate::domain::contract::paths;
use leptos::prelude::*;

#[component]
pub(super) fn UseridSheetField(f: Form) -> impl IntoView {
    view! {
        <AttachmentField
            f
            kind=upload::USERID_SHEET
            path=paths::USERID_SHEET
            label=("企业微信使用接口人员userid", "Userids using the interface (sheet)")
            required=false
            accept=".xlsx,.xls,.ods,.csv"
            hint=("企业 ID 及 userid 示例表：.xlsx、.xls、.ods 或 .csv", "the corp ID / userid sheet: .xlsx, .xls, .ods or .csv")
        />
    }
}
