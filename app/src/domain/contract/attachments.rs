//! The files a draft names (付款凭证 payment voucher, 企业微信使用接口人员userid sheet) must be
//! files uploaded to this very contract, each of its own kind. The userid sheet must also be the
//! latest one uploaded: only its userids are kept (uploading a sheet replaces them), and the submit
//! rules read the sheet from them.
//!
//! The server checks this on every save and submission against the contract's stored attachments;
//! a draft can never point at another contract's file, or at nothing.

use super::draft::{AttachmentId, ContractDraft};
use super::fields::paths;
use crate::domain::attachment::AttachmentKind;
use crate::domain::problem::Problem;

/// One file uploaded to the contract, as the server stored it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadedFile {
    pub id: AttachmentId,
    pub kind: AttachmentKind,
}

/// The problems with the files `draft` names, given the files uploaded to its contract, oldest
/// first (none for a contract not created yet).
pub fn check_attachment_refs(draft: &ContractDraft, uploaded: &[UploadedFile]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let refs = [
        (paths::PAYMENT_VOUCHER, AttachmentKind::Voucher, draft.payment_voucher),
        (paths::USERID_SHEET, AttachmentKind::UseridSheet, draft.userid_sheet),
    ];
    for (field, want, id) in refs {
        let Some(id) = id else { continue };
        let (want_zh, want_en) = (want.zh(), want.en());
        match uploaded.iter().find(|f| f.id == id) {
            None => problems.push(Problem::error(
                field,
                "attachment_not_of_contract",
                format!("所选{want_zh}不是本合同上传的文件，请重新上传{want_zh}"),
                format!("The chosen {want_en} is not a file uploaded to this contract; upload the {want_en} again"),
            )),
            Some(f) if f.kind != want => problems.push(Problem::error(
                field,
                "attachment_wrong_kind",
                format!("所选文件是{}，不是{want_zh}，请选择或上传{want_zh}", f.kind.zh()),
                format!("The chosen file is a {}, not a {want_en}; choose or upload the {want_en}", f.kind.en()),
            )),
            Some(_) if want == AttachmentKind::UseridSheet && latest(uploaded, want) != Some(id) => {
                problems.push(Problem::error(
                    field,
                    "userid_sheet_superseded",
                    "所选 userid 表已被之后上传的 userid 表取代，请使用最新上传的 userid 表",
                    "A later userid sheet was uploaded after the chosen one; use the latest userid sheet",
                ))
            }
            Some(_) => {}
        }
    }
    problems
}

/// The latest file of `kind`, if any.
pub fn latest(uploaded: &[UploadedFile], kind: AttachmentKind) -> Option<AttachmentId> {
    uploaded.iter().filter(|f| f.kind == kind).map(|f| f.id).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOUCHER: AttachmentKind = AttachmentKind::Voucher;
    const SHEET: AttachmentKind = AttachmentKind::UseridSheet;

    fn draft(voucher: Option<i64>, sheet: Option<i64>) -> ContractDraft {
        ContractDraft { payment_voucher: voucher, userid_sheet: sheet, ..ContractDraft::default() }
    }

    fn codes(d: &ContractDraft, files: &[UploadedFile]) -> Vec<(String, String)> {
        check_attachment_refs(d, files).into_iter().map(|p| (p.field, p.code)).collect()
    }

    fn pair(field: &str, code: &str) -> (String, String) {
        (field.to_owned(), code.to_owned())
    }

    #[test]
    fn no_reference_needs_no_file() {
        assert!(codes(&draft(None, None), &[]).is_empty());
    }

    #[test]
    fn own_files_of_the_right_kind_pass_and_any_voucher_may_be_chosen() {
        let files = [
            UploadedFile { id: 3, kind: VOUCHER },
            UploadedFile { id: 4, kind: SHEET },
            UploadedFile { id: 5, kind: VOUCHER },
        ];
        assert!(codes(&draft(Some(5), Some(4)), &files).is_empty());
        assert!(codes(&draft(Some(3), None), &files).is_empty(), "an earlier voucher is still a voucher");
    }

    #[test]
    fn a_file_of_another_contract_or_none_at_all_is_refused_on_its_field() {
        let files = [UploadedFile { id: 3, kind: VOUCHER }];
        assert_eq!(
            codes(&draft(Some(99), Some(98)), &files),
            [pair("payment_voucher", "attachment_not_of_contract"), pair("userid_sheet", "attachment_not_of_contract")]
        );
        let p = &check_attachment_refs(&draft(Some(1), None), &[])[0];
        assert!(p.zh.contains("付款凭证") && p.en.contains("payment voucher"), "{p:?}");
    }

    #[test]
    fn a_file_of_the_other_kind_is_refused() {
        let files = [UploadedFile { id: 3, kind: VOUCHER }, UploadedFile { id: 4, kind: SHEET }];
        assert_eq!(
            codes(&draft(Some(4), Some(3)), &files),
            [pair("payment_voucher", "attachment_wrong_kind"), pair("userid_sheet", "attachment_wrong_kind")]
        );
    }

    #[test]
    fn only_the_latest_userid_sheet_counts() {
        let files = [UploadedFile { id: 4, kind: SHEET }, UploadedFile { id: 6, kind: SHEET }];
        assert_eq!(codes(&draft(None, Some(4)), &files), [pair("userid_sheet", "userid_sheet_superseded")]);
        assert!(codes(&draft(None, Some(6)), &files).is_empty());
        assert_eq!(latest(&files, SHEET), Some(6));
        assert_eq!(latest(&files, VOUCHER), None);
    }
}
