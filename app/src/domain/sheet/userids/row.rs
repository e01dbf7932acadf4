//! One row of the userid sheet on its own: its corp ID, userid and type cells read and checked.

use super::{COL_CORP, COL_KIND, COL_USER, Candidate, Checker, RowCorp};
use crate::domain::ids::{CorpId, UserId, trim_all};
use crate::domain::price_book::AccountKind;
use crate::domain::problem::Problem;
use crate::domain::sheet::cells::{
    KindNames, column_cell, formula_error, integral_number_text, row_field, shown, trimmed_warning,
};
use crate::domain::sheet::columns::{normalized_chars, normalizes_to_one_of};
use crate::domain::sheet::read::{Cell, Row};
use std::borrow::Cow;
use std::rc::Rc;

/// A parser's problem placed on a row's cell: its field path set (the parsers are called with
/// none, to avoid formatting a path for every valid row) and its messages prefixed with the row.
fn at_row(mut p: Problem, row: u32, column: &str) -> Problem {
    p.field = row_field(row, column);
    p.prefixed(&format!("第{row}行："), &format!("Row {row}: "))
}

/// A cell's text for an identifier, or why there is none usable. The text is borrowed from the
/// cell where it is one: no copy per row.
enum IdText<'c> {
    Blank,
    Text { value: Cow<'c, str>, trimmed: bool, full_width: bool },
    Bad(Problem),
}

/// Whether text looks like a number Excel displayed in scientific notation (`1.38E+10`), which
/// is what a CSV saved from such a column holds. Only the `E+` form is taken: a userid cannot
/// contain `+`, while `1e5` is a valid userid.
pub(super) fn looks_scientific(t: &str) -> bool {
    // (Found byte by byte: 'E' is ASCII, and a search for a set of chars decodes every one.)
    let Some(at) = t.bytes().position(|b| b == b'E' || b == b'e') else {
        return false;
    };
    let (mantissa, exp) = (&t[..at], &t[at + 1..]);
    let Some(exp) = exp.strip_prefix('+') else {
        return false;
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && digits(frac) && digits(exp)
}

fn userid_text(cell: &Cell, row: u32) -> IdText<'_> {
    // The field path only where there is a problem to place: formatting it is a copy per row.
    let f = || row_field(row, "userid");
    match cell {
        Cell::Empty => IdText::Blank,
        Cell::Text(t) => {
            let value = trim_all(t);
            if value.is_empty() {
                return IdText::Blank;
            }
            if looks_scientific(value) {
                return IdText::Bad(Problem::error(
                    f(),
                    "userid_scientific_notation",
                    format!(
                        "第{row}行的 UserID“{value}”是被 Excel 显示成科学计数法的数字，原来的数字已丢失。请把该列设为“文本”格式后重新输入"
                    ),
                    format!(
                        "Row {row}: the UserID \"{value}\" is a number Excel showed in scientific notation; the original \
                         digits are lost. Format the column as text and type it again"
                    ),
                ));
            }
            let trimmed = value.len() != t.len();
            IdText::Text { value: Cow::Borrowed(value), trimmed, full_width: trimmed && t.contains('\u{3000}') }
        }
        Cell::Int(i) => IdText::Text { value: Cow::Owned(i.to_string()), trimmed: false, full_width: false },
        Cell::Number(n) => match integral_number_text(*n) {
            Some(value) => IdText::Text { value: Cow::Owned(value), trimmed: false, full_width: false },
            None if n.is_finite() && n.fract() == 0.0 => IdText::Bad(Problem::error(
                f(),
                "userid_number_too_long",
                format!("第{row}行的 UserID 是超过15位的数字，Excel 已丢失末尾几位。请把该列设为“文本”格式后重新输入"),
                format!(
                    "Row {row}: the UserID is a number of more than 15 digits, and Excel has lost its last digits. \
                     Format the column as text and type it again"
                ),
            )),
            None => IdText::Bad(Problem::error(
                f(),
                "userid_not_integer",
                format!("第{row}行的 UserID 是带小数的数字（{n}），UserID 不能含小数"),
                format!("Row {row}: the UserID is a number with decimals ({n}); a UserID has none"),
            )),
        },
        Cell::Date(d) => IdText::Bad(Problem::error(
            f(),
            "userid_is_date",
            format!("第{row}行的 UserID 被 Excel 识别成了日期（{d}）。请把该列设为“文本”格式后重新输入"),
            format!(
                "Row {row}: Excel turned the UserID into a date ({d}). Format the column as text and type it again"
            ),
        )),
        Cell::Bool(b) => IdText::Bad(Problem::error(
            f(),
            "userid_not_text",
            format!("第{row}行的 UserID 是逻辑值 {}，不是账号", if *b { "TRUE" } else { "FALSE" }),
            format!("Row {row}: the UserID is the logical value {}, not an account", if *b { "TRUE" } else { "FALSE" }),
        )),
        Cell::Error(e) => IdText::Bad(formula_error(f(), row, "UserID", e)),
    }
}

fn corp_text(cell: &Cell, row: u32) -> IdText<'_> {
    match cell {
        Cell::Empty => IdText::Blank,
        Cell::Text(t) => {
            let value = trim_all(t);
            if value.is_empty() {
                IdText::Blank
            } else {
                let trimmed = value.len() != t.len();
                IdText::Text { value: Cow::Borrowed(value), trimmed, full_width: trimmed && t.contains('\u{3000}') }
            }
        }
        Cell::Error(e) => IdText::Bad(formula_error(row_field(row, "corp_id"), row, "企业ID", e)),
        other => IdText::Text { value: Cow::Owned(shown(other)), trimmed: false, full_width: false },
    }
}

/// Reads a 基础 / 互通 value. `Ok(None)`: empty.
pub fn parse_kind(cell: &Cell) -> Result<Option<AccountKind>, String> {
    let text = match cell {
        Cell::Empty => return Ok(None),
        Cell::Text(t) => t.as_str(),
        other => return Err(format!("{other:?}")),
    };
    if normalized_chars(text).next().is_none() {
        return Ok(None);
    }
    TYPE_NAMES.kind_of(text).map(Some).ok_or_else(|| trim_all(text).to_owned())
}

/// How a type column names the kinds.
pub(crate) const TYPE_NAMES: KindNames = KindNames {
    basic: &["基础", "基础账号", "基础帐号", "基础接口", "企业微信基础接口", "基础版", "basic", "base"],
    interop: &["互通", "互通账号", "互通帐号", "互通接口", "企业微信互通接口", "interop", "interoperability"],
};

impl Checker<'_> {
    /// The corp ID a row's (trimmed) text parses to. A sheet repeats one corp ID on every row:
    /// the last one parsed is kept with its text, so a row spelling it the same way shares it
    /// instead of parsing and copying it again.
    fn corp_id_of(&mut self, text: &str) -> Result<Rc<CorpId>, Problem> {
        if let Some((last_text, id)) = &self.last_corp
            && last_text == text
        {
            return Ok(Rc::clone(id));
        }
        let id = Rc::new(CorpId::parse("", text)?);
        self.last_corp = Some((text.to_owned(), Rc::clone(&id)));
        Ok(id)
    }

    /// Checks one non-blank row on its own.
    pub(super) fn check_row(&mut self, row: &Row) -> Option<Candidate> {
        let n = row.number;
        let cell = |i: usize| column_cell(self.header, row, i);
        let (corp_cell, user_cell, kind_cell) = (cell(COL_CORP), cell(COL_USER), cell(COL_KIND));
        if corp_cell.is_blank() && user_cell.is_blank() && kind_cell.is_blank() {
            self.problems.push(Problem::warning(
                row_field(n, ""),
                "row_skipped_no_userid",
                format!("第{n}行没有 UserID，已跳过"),
                format!("Row {n} has no UserID and was skipped"),
            ));
            return None;
        }
        if let Cell::Text(text) = user_cell
            && normalizes_to_one_of(text, &self.userid_header_names)
        {
            self.problems.push(Problem::warning(
                row_field(n, ""),
                "row_repeated_header",
                format!("第{n}行是重复的表头，已跳过"),
                format!("Row {n} repeats the header and was skipped"),
            ));
            return None;
        }
        let mut ok = true;
        self.any_corp_cell |= !corp_cell.is_blank();

        let corp = match corp_text(corp_cell, n) {
            IdText::Blank => RowCorp::Blank,
            IdText::Bad(p) => {
                self.problems.push(p);
                ok = false;
                RowCorp::Invalid
            }
            IdText::Text { value, trimmed, full_width } => match self.corp_id_of(&value) {
                Ok(id) => {
                    if trimmed {
                        self.problems.push(trimmed_warning(n, "corp_id", "企业ID", &value, full_width));
                    }
                    RowCorp::Valid(id)
                }
                Err(p) => {
                    self.problems.push(at_row(p, n, "corp_id"));
                    ok = false;
                    RowCorp::Invalid
                }
            },
        };

        let kind = match parse_kind(kind_cell) {
            Ok(k) => k,
            Err(text) => {
                self.problems.push(Problem::error(
                    row_field(n, "kind"),
                    "row_kind_invalid",
                    format!("第{n}行的类型“{text}”无法识别，请填写“基础”或“互通”（也可留空）"),
                    format!("Row {n}: the type \"{text}\" is not recognised; enter 基础 (basic) or 互通 (interop), or leave it empty"),
                ));
                ok = false;
                None
            }
        };

        let userid = match userid_text(user_cell, n) {
            IdText::Blank => {
                self.problems.push(Problem::error(
                    row_field(n, "userid"),
                    "row_userid_missing",
                    format!("第{n}行填写了其他内容，但缺少 UserID"),
                    format!("Row {n} has other values but no UserID"),
                ));
                None
            }
            IdText::Bad(p) => {
                self.problems.push(p);
                None
            }
            IdText::Text { value, trimmed, full_width } => match UserId::parse("", &value) {
                Ok(u) => {
                    if trimmed {
                        self.problems.push(trimmed_warning(n, "userid", "UserID", &value, full_width));
                    }
                    Some(u)
                }
                Err(p) => {
                    self.problems.push(at_row(p, n, "userid"));
                    None
                }
            },
        };
        match userid {
            Some(userid) if ok => Some(Candidate { row: n, corp, userid, kind }),
            _ => None,
        }
    }
}
