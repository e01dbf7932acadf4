//! The downloadable template (企业 ID 及 userid 示例表), and the same layout filled with a list of
//! userids (for exporting what was parsed).
//!
//! The userid column is formatted as text, so a phone number typed into it stays `13800138000`
//! instead of becoming a number Excel shows as `1.38E+10`. A second sheet, 说明, explains the
//! rules in Chinese, where to find the corp ID and the userids (from the seed document).
//! The output is deterministic: the same input gives the same bytes.

use super::userids::USERID_COLUMNS;
use crate::domain::ids::{CorpId, UserId};
use crate::domain::price_book::AccountKind;
use rust_xlsxwriter::{
    Color, DataValidation, DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError,
};
use std::fmt;

/// The example corp ID of the seed document.
pub const EXAMPLE_CORP_ID: &str = "ww69c04360d53da8b7";
/// The example userid written in the template.
pub const EXAMPLE_USERID: &str = "zhangsan";
/// Name of the data sheet.
pub const DATA_SHEET_NAME: &str = "企业ID及userid";
/// Name of the notes sheet.
pub const NOTES_SHEET_NAME: &str = "说明";

/// The spreadsheet writer failed (it does not for the inputs this module gives it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not write the spreadsheet: {}", self.0)
    }
}

impl std::error::Error for TemplateError {}

impl From<XlsxError> for TemplateError {
    fn from(e: XlsxError) -> Self {
        TemplateError(e.to_string())
    }
}

/// 基础 / 互通, as the template's type column spells them.
pub fn kind_label(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Basic => "基础",
        AccountKind::Interop => "互通",
    }
}

/// The heading cells' look: bold text on light blue, framed.
pub fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_num_format("@")
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin)
}

/// The template: headers 企业ID / UserID / 类型, one example row, and the notes sheet.
pub fn template_xlsx() -> Result<Vec<u8>, TemplateError> {
    let corp = CorpId::parse("", EXAMPLE_CORP_ID).map_err(|p| TemplateError(p.en))?;
    let user = UserId::parse("", EXAMPLE_USERID).map_err(|p| TemplateError(p.en))?;
    userid_sheet_xlsx(&corp, &[(user, Some(AccountKind::Basic))])
}

/// The template layout filled with `rows` (userid and kind) for one corp ID.
pub fn userid_sheet_xlsx(corp_id: &CorpId, rows: &[(UserId, Option<AccountKind>)]) -> Result<Vec<u8>, TemplateError> {
    let mut workbook = Workbook::new();
    // A fixed creation date keeps the file byte-for-byte reproducible.
    let created = ExcelDateTime::from_ymd(2022, 5, 16)?;
    workbook
        .set_properties(&DocProperties::new().set_title("企业 ID 及 userid 示例表").set_creation_datetime(&created));

    let text = Format::new().set_num_format("@");
    let header = header_format();

    let sheet = workbook.add_worksheet();
    sheet.set_name(DATA_SHEET_NAME)?;
    for (col, width) in [(0u16, 24.0), (1, 30.0), (2, 10.0)] {
        sheet.set_column_width(col, width)?;
        sheet.set_column_format(col, &text)?;
    }
    for (col, spec) in USERID_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, spec.zh, &header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, (userid, kind)) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|_| TemplateError("too many rows".into()))?;
        sheet.write_string_with_format(row, 0, corp_id.as_str(), &text)?;
        sheet.write_string_with_format(row, 1, userid.as_str(), &text)?;
        if let Some(kind) = kind {
            sheet.write_string_with_format(row, 2, kind_label(*kind), &text)?;
        }
    }
    let kinds = DataValidation::new()
        .allow_list_strings(&[kind_label(AccountKind::Basic), kind_label(AccountKind::Interop)])?
        .set_input_title("类型")?
        .set_input_message("基础：基础接口；互通：基础+互通接口。可留空")?
        .ignore_blank(true);
    sheet.add_data_validation(1, 2, 100_000, 2, &kinds)?;

    write_notes(workbook.add_worksheet())?;
    Ok(workbook.save_to_buffer()?)
}

/// The rules, in Chinese, one paragraph per row.
pub const NOTES: &[&str] = &[
    "企业 ID 及 userid 示例表 · 填写说明",
    "",
    "一、企业ID（企业微信ID）怎么找？",
    "① 从 PC 端进入企业微信管理后台：https://work.weixin.qq.com/",
    "② 以企业创建者/超级管理员身份登录，点击“我的企业”，在页面底部即可复制企业 ID（如 ww69c04360d53da8b7）。",
    "企业ID 为 ww 或 wx 开头、后跟 16 位十六进制字符，共 18 位。一张表只填写一个企业的企业ID，且须与合同中的“企业微信ID”一致。",
    "",
    "二、UserID（企业微信通讯录账号）怎么找？",
    "① 登录 CRM 的 PC 端，进入成员管理的详情页，找到“企业微信通讯录账号”，复制即可。",
    "② 若使用企业微信端的用户较多，也可将 CRM 中的这些成员批量导出，批量复制“企业微信通讯录账号”字段。",
    "",
    "三、UserID 规则",
    "• 1–64 个字节，只能包含英文字母、数字和 _ - @ . 这几个符号，须以字母或数字开头。",
    "• 不区分大小写，同一个 UserID 只能出现一次（ZhangSan 与 zhangsan 视为重复）。",
    "• 手机号等纯数字的 UserID，请保持 UserID 列为“文本”格式，否则 Excel 可能显示为 1.38E+10 而丢失数字。",
    "• 前后的空格（包括全角空格）会被自动去除。",
    "",
    "四、类型：基础 / 互通",
    "• 基础账号用于调用基础接口；互通账号可调用基础和互通两个接口（互通接口涵盖基础接口）。",
    "• 客户需要用到客户联系相关功能（如渠道码、会话存档）时，须购买互通账号。",
    "• 已购买互通账号的 UserID 无需再购买基础账号；同一 UserID 同时列为基础和互通时，系统会提示可节省的费用。",
    "• 类型可以留空，此时按合同中的产品明细计算。",
    "",
    "五、其他",
    "• 表头可以放在前 10 行中的任意一行，列的顺序不限；表头也可以写作 企业微信ID / CorpID、企业微信通讯录账号 / 账号、账号类型。",
    "• 支持 .xlsx、.xls、.ods 和 .csv（UTF-8 或 GBK 编码）文件，最大 10 MB、100,000 行。",
    "• 本表作为“企业微信使用接口人员userid”附件上传到企业微信接口合同中。",
];

fn write_notes(sheet: &mut Worksheet) -> Result<(), TemplateError> {
    sheet.set_name(NOTES_SHEET_NAME)?;
    sheet.set_column_width(0, 110.0)?;
    let title = Format::new().set_bold().set_font_size(14);
    let heading = Format::new().set_bold();
    let body = Format::new().set_text_wrap();
    for (i, line) in NOTES.iter().enumerate() {
        let row = i as u32;
        let format = if i == 0 {
            &title
        } else if line.chars().next().is_some_and(|c| "一二三四五".contains(c)) {
            &heading
        } else {
            &body
        };
        sheet.write_string_with_format(row, 0, *line, format)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::read::{Cell, read_workbook};
    use super::super::userids::{UseridSheetOptions, check_userid_sheet};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn template_reads_back_with_header_example_and_notes() {
        let bytes = template_xlsx().unwrap();
        let wb = read_workbook(&bytes).unwrap();
        assert_eq!(wb.sheets.len(), 2);
        assert_eq!(wb.sheets[0].name, DATA_SHEET_NAME);
        let rows = &wb.sheets[0].rows;
        assert_eq!(
            rows[0].cells,
            vec![Cell::Text("企业ID".into()), Cell::Text("UserID".into()), Cell::Text("类型".into())]
        );
        assert_eq!(
            rows[1].cells,
            vec![Cell::Text(EXAMPLE_CORP_ID.into()), Cell::Text(EXAMPLE_USERID.into()), Cell::Text("基础".into())]
        );
        let notes = &wb.sheets[1];
        assert_eq!(notes.name, NOTES_SHEET_NAME);
        let text: Vec<String> = notes.rows.iter().map(|r| format!("{:?}", r.cells)).collect();
        assert!(text.iter().any(|t| t.contains("https://work.weixin.qq.com/")));
        assert!(text.iter().any(|t| t.contains("企业微信通讯录账号")));
        assert!(text.iter().any(|t| t.contains("互通接口涵盖基础接口")));
    }

    #[test]
    fn template_is_reproducible() {
        assert_eq!(template_xlsx().unwrap(), template_xlsx().unwrap());
    }

    #[test]
    fn template_checks_clean_as_a_userid_sheet() {
        let s = check_userid_sheet(&template_xlsx().unwrap(), &UseridSheetOptions::default());
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!((s.summary.basic, s.summary.header_row, s.summary.sheet_name.as_str()), (1, 1, DATA_SHEET_NAME));
    }

    fn userid() -> impl Strategy<Value = String> {
        prop_oneof!["[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}", "1[3-9][0-9]{9}", "[0-9]{1,20}"]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever valid userids are written, the reader gives back exactly those, in order.
        #[test]
        fn valid_userids_round_trip_through_writer_and_reader(
            ids in prop::collection::vec((userid(), prop::option::of(prop::bool::ANY)), 1..40)
        ) {
            let mut seen = std::collections::HashSet::new();
            let rows: Vec<(UserId, Option<AccountKind>)> = ids
                .into_iter()
                .filter(|(id, _)| seen.insert(id.to_ascii_lowercase()))
                .map(|(id, k)| {
                    let kind = k.map(|i| if i { AccountKind::Interop } else { AccountKind::Basic });
                    (UserId::parse("", &id).unwrap(), kind)
                })
                .collect();
            let corp = CorpId::parse("", EXAMPLE_CORP_ID).unwrap();
            let bytes = userid_sheet_xlsx(&corp, &rows).unwrap();
            let s = check_userid_sheet(&bytes, &UseridSheetOptions::default());
            prop_assert!(s.problems.is_empty(), "{:?}", s.problems);
            let back: Vec<(&str, Option<AccountKind>)> = s.entries.iter().map(|e| (e.userid.as_str(), e.kind)).collect();
            let sent: Vec<(&str, Option<AccountKind>)> = rows.iter().map(|(u, k)| (u.as_str(), *k)).collect();
            prop_assert_eq!(back, sent);
            prop_assert_eq!(s.corp_id, Some(corp));
        }
    }
}
