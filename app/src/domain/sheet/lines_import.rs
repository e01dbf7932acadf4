//! Importing product lines (导入明细) from a sheet: product, quantity, service start, and months
//! or service end, as in the seed's 产品管理 table.
//!
//! Only what a sheet can say is checked here (each value readable and in range, end not before
//! start, end = start + months − 1 day when both are given); the contract's own validation prices
//! the lines and applies the order rules. A 小计 / 合计 row (as in an exported order) is skipped.

use super::cells::{KindNames, column_cell, parse_date, row_field, shown, whole_number};
use super::columns::{ColumnSpec, find_header, normalize};
use super::limits;
use super::read::{Cell, Row, Workbook, read_workbook_inner};
use crate::domain::contract::DraftLine;
use crate::domain::ids::trim_all;
use crate::domain::period::end_of;
use crate::domain::price_book::{AccountKind, limits as quote_limits};
use crate::domain::problem::Problem;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One imported product line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedLine {
    /// Excel row number.
    pub row: u32,
    pub kind: AccountKind,
    pub quantity: u32,
    pub service_start: NaiveDate,
    pub months: Option<u32>,
    pub service_end: Option<NaiveDate>,
    pub description: Option<String>,
}

/// The lines read, and the problems of the rows that could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedLines {
    pub lines: Vec<ImportedLine>,
    pub problems: Vec<Problem>,
    /// Excel row number of the header; 0 when none was found.
    pub header_row: u32,
}

impl ImportedLines {
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(Problem::is_error)
    }
}

impl ImportedLine {
    /// The line as the contract form holds it: the service end from the sheet, or start + months −
    /// 1 day. Whether to invoice (是否开票) is not in the sheet and stays to be chosen.
    pub fn to_draft_line(&self) -> DraftLine {
        let end = self.service_end.or_else(|| self.months.and_then(|m| end_of(self.service_start, m)));
        DraftLine {
            kind: Some(self.kind),
            quantity: self.quantity.to_string(),
            service_start: self.service_start.to_string(),
            service_end: end.map(|d| d.to_string()).unwrap_or_default(),
            invoice: None,
            description: self.description.clone().unwrap_or_default(),
            negotiated_amount: String::new(),
        }
    }
}

/// 导入明细 into a form: the imported lines follow the lines already filled in, and rows with
/// nothing typed yet (a fresh 新增 row) give way to them. Refused, changing nothing, when the
/// contract would have more lines than allowed.
pub fn add_imported_lines(current: &[DraftLine], imported: &[ImportedLine]) -> Result<Vec<DraftLine>, Problem> {
    let mut lines: Vec<DraftLine> = current.iter().filter(|l| **l != DraftLine::default()).cloned().collect();
    lines.extend(imported.iter().map(ImportedLine::to_draft_line));
    let max = quote_limits::MAX_LINES;
    if lines.len() > max {
        let (kept, n) = (lines.len() - imported.len(), imported.len());
        return Err(Problem::error(
            crate::domain::contract::paths::LINES,
            "lines_too_many",
            format!("合同已有 {kept} 行明细，再导入 {n} 行将超过 {max} 行的上限；请先删除不需要的行"),
            format!(
                "The contract has {kept} lines; importing {n} more would pass the limit of {max}. Remove lines first"
            ),
        ));
    }
    Ok(lines)
}

/// The columns of a product-line sheet.
pub const LINE_COLUMNS: [ColumnSpec; 6] = [
    ColumnSpec {
        key: "product",
        zh: "产品名称",
        en: "Product",
        aliases: &["产品", "产品类型", "接口类型", "接口"],
        required: true,
    },
    ColumnSpec {
        key: "quantity",
        zh: "数量",
        en: "Quantity",
        aliases: &["账号数", "账号数量", "购买数量", "Count"],
        required: true,
    },
    ColumnSpec {
        key: "service_start",
        zh: "服务开始日期",
        en: "Start",
        aliases: &["开始日期", "服务开始", "开始时间", "Service Start", "Start Date"],
        required: true,
    },
    ColumnSpec {
        key: "months",
        zh: "月数",
        en: "Months",
        aliases: &["时长", "购买月数", "服务月数", "购买时长", "Duration"],
        required: false,
    },
    ColumnSpec {
        key: "service_end",
        zh: "服务到期日",
        en: "End",
        aliases: &["到期日", "服务到期日期", "结束日期", "服务结束日期", "Service End", "End Date"],
        required: false,
    },
    ColumnSpec { key: "description", zh: "描述", en: "Description", aliases: &["备注", "说明"], required: false },
];

const PRODUCT: usize = 0;
const QUANTITY: usize = 1;
const START: usize = 2;
const MONTHS: usize = 3;
const END: usize = 4;
const DESCRIPTION: usize = 5;

/// Reads product lines from a file. Never fails: unreadable files give their reason as a problem.
pub fn import_lines(bytes: &[u8]) -> ImportedLines {
    match read_workbook_inner(bytes) {
        Ok(wb) => import_lines_from(&wb),
        Err(e) => ImportedLines { problems: vec![e.into_problem()], ..ImportedLines::default() },
    }
}

/// Reads product lines from an already read workbook.
pub fn import_lines_from(workbook: &Workbook) -> ImportedLines {
    let header = match find_header(workbook, &LINE_COLUMNS) {
        Ok(h) => h,
        Err(p) => return ImportedLines { problems: vec![p], ..ImportedLines::default() },
    };
    let mut out = ImportedLines { header_row: header.row_number, ..ImportedLines::default() };
    if header.column(MONTHS).is_none() && header.column(END).is_none() {
        out.problems.push(Problem::error(
            "sheet",
            "lines_term_column_missing",
            "表头缺少“月数”或“服务到期日”列，至少需要其中一列",
            "The header needs a 月数 (months) or a 服务到期日 (service end) column",
        ));
        return out;
    }
    let sheet = &workbook.sheets[header.sheet];
    let rows = sheet.rows[header.row_index + 1..].iter().filter(|r| !r.is_blank());
    for row in rows {
        let cell = |i: usize| column_cell(&header, row, i);
        if is_total_row(row) || row_is_empty(row, &header.columns) {
            continue;
        }
        if out.lines.len() >= quote_limits::MAX_LINES {
            out.problems.push(Problem::error(
                "sheet",
                "lines_too_many",
                format!("一份合同最多 {} 行明细，表格中更多的行未导入", quote_limits::MAX_LINES),
                format!(
                    "A contract has at most {} lines; the rows after that were not imported",
                    quote_limits::MAX_LINES
                ),
            ));
            break;
        }
        if let Some(line) = read_line(row, &cell, &mut out.problems) {
            out.lines.push(line);
        }
    }
    if out.lines.is_empty() && out.problems.is_empty() {
        out.problems.push(Problem::error(
            "sheet",
            "sheet_no_data",
            format!("表头（第{}行）下面没有产品明细", header.row_number),
            format!("There are no product lines below the header (row {})", header.row_number),
        ));
    }
    out
}

/// A 小计 / 合计 row, wherever the label sits (the seed's is in the `#` column).
fn is_total_row(row: &Row) -> bool {
    row.cells.iter().any(|c| {
        matches!(c, Cell::Text(t) if matches!(normalize(t).as_str(), "小计" | "合计" | "总计" | "subtotal" | "total"))
    })
}

fn row_is_empty(row: &Row, columns: &[Option<usize>]) -> bool {
    columns.iter().flatten().all(|c| row.cell(*c).is_blank())
}

/// Reads 企业微信基础接口 / 基础 / basic and 企业微信互通接口 / 互通 / interop.
pub fn parse_product(text: &str) -> Option<AccountKind> {
    PRODUCT_NAMES.kind_of(text)
}

/// How a product column names the kinds.
pub(super) const PRODUCT_NAMES: KindNames = KindNames {
    basic: &["企业微信基础接口", "基础接口", "基础", "基础账号", "基础帐号", "basic", "企业微信基础账号"],
    interop: &["企业微信互通接口", "互通接口", "互通", "互通账号", "互通帐号", "interop", "企业微信互通账号"],
};

/// Months from `12`, `12个月`, `12月`, `1年`.
fn months_value(cell: &Cell) -> Option<Result<u64, ()>> {
    if let Cell::Text(t) = cell {
        let t = trim_all(t);
        if let Some(years) = t.strip_suffix('年') {
            return Some(whole_number(&Cell::Text(years.to_owned()))?.map(|y| y.saturating_mul(12)));
        }
        if let Some(m) = t.strip_suffix("个月").or_else(|| t.strip_suffix('月')) {
            return whole_number(&Cell::Text(m.to_owned()));
        }
    }
    whole_number(cell)
}

fn read_line<'c>(row: &Row, cell: &dyn Fn(usize) -> &'c Cell, problems: &mut Vec<Problem>) -> Option<ImportedLine> {
    let n = row.number;
    let before = problems.len();
    let mut err = |column: &str, code: &str, zh: String, en: String| {
        problems.push(Problem::error(row_field(n, column), code, format!("第{n}行：{zh}"), format!("Row {n}: {en}")));
    };

    let kind = match cell(PRODUCT) {
        c if c.is_blank() => {
            err("product", "line_product_missing", "请填写产品名称".into(), "enter the product".into());
            None
        }
        c => {
            let shown = shown(c);
            let kind = parse_product(&shown);
            if kind.is_none() {
                err(
                    "product",
                    "line_product_invalid",
                    format!("产品“{shown}”无法识别，应为“企业微信基础接口”或“企业微信互通接口”"),
                    format!(
                        "the product \"{shown}\" is not recognised; use 企业微信基础接口 (basic) or 企业微信互通接口 (interop)"
                    ),
                );
            }
            kind
        }
    };

    let max = u64::from(quote_limits::MAX_COUNT);
    let quantity = match whole_number(cell(QUANTITY)) {
        None => {
            err("quantity", "line_quantity_missing", "请填写数量".into(), "enter the quantity".into());
            None
        }
        Some(Ok(q)) if (1..=max).contains(&q) => u32::try_from(q).ok(),
        Some(Ok(_)) => {
            err(
                "quantity",
                "line_quantity_out_of_range",
                "数量应在 1 到 1,000,000 之间".into(),
                "the quantity must be between 1 and 1,000,000".into(),
            );
            None
        }
        Some(Err(())) => {
            let shown = shown(cell(QUANTITY));
            err(
                "quantity",
                "line_quantity_invalid",
                format!("数量“{shown}”应为整数"),
                format!("the quantity \"{shown}\" must be a whole number"),
            );
            None
        }
    };

    let start = match parse_date(cell(START)) {
        None => {
            err(
                "service_start",
                "line_start_missing",
                "请填写服务开始日期".into(),
                "enter the service start date".into(),
            );
            None
        }
        Some(Ok(d)) => Some(d),
        Some(Err(())) => {
            let shown = shown(cell(START));
            err(
                "service_start",
                "line_start_invalid",
                format!("服务开始日期“{shown}”无法识别，请写作 2024-07-15"),
                format!("the service start \"{shown}\" is not a date; write it as 2024-07-15"),
            );
            None
        }
    };

    let months_max = u64::from(quote_limits::MAX_MONTHS_CEILING);
    let months = match months_value(cell(MONTHS)) {
        None => None,
        Some(Ok(m)) if (u64::from(quote_limits::MIN_MONTHS)..=months_max).contains(&m) => u32::try_from(m).ok(),
        Some(Ok(_)) => {
            err(
                "months",
                "line_months_out_of_range",
                format!("月数应在 1 到 {months_max} 之间"),
                format!("the months must be between 1 and {months_max}"),
            );
            None
        }
        Some(Err(())) => {
            let shown = shown(cell(MONTHS));
            err(
                "months",
                "line_months_invalid",
                format!("月数“{shown}”应为整数"),
                format!("the months \"{shown}\" must be a whole number"),
            );
            None
        }
    };

    let end = match parse_date(cell(END)) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(())) => {
            let shown = shown(cell(END));
            err(
                "service_end",
                "line_end_invalid",
                format!("服务到期日“{shown}”无法识别，请写作 2025-07-14"),
                format!("the service end \"{shown}\" is not a date; write it as 2025-07-14"),
            );
            None
        }
    };

    let months_given = !cell(MONTHS).is_blank();
    let end_given = !cell(END).is_blank();
    if !months_given && !end_given {
        err(
            "months",
            "line_term_missing",
            "请填写月数或服务到期日".into(),
            "enter the months or the service end".into(),
        );
    }
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            err(
                "service_end",
                "line_end_before_start",
                format!("服务到期日 {e} 早于开始日期 {s}"),
                format!("the service end {e} is before the start {s}"),
            );
        } else if let Some(m) = months
            && let Some(expected) = end_of(s, m)
            && expected != e
        {
            err(
                "service_end",
                "line_end_months_mismatch",
                format!("服务到期日应为开始日期加 {m} 个月减 1 天，即 {expected}，表格中为 {e}"),
                format!(
                    "the service end should be the start plus {m} months minus one day, {expected}; the sheet has {e}"
                ),
            );
        }
    }

    if problems.len() > before {
        return None;
    }
    let description = match cell(DESCRIPTION) {
        c if c.is_blank() => None,
        c => {
            let mut d = shown(c);
            super::read::clip_in_place(&mut d, limits::MAX_CELL_TEXT_BYTES);
            Some(d)
        }
    };
    Some(ImportedLine {
        row: n,
        kind: kind?,
        quantity: quantity?,
        service_start: start?,
        months,
        service_end: end,
        description,
    })
}

#[cfg(test)]
#[path = "lines_import_tests.rs"]
mod tests;
