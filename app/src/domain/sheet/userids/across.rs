//! The checks across the rows of the userid sheet: one corp ID for the sheet (and the form's),
//! duplicate userids, and userids listed as both basic and interop, with what dropping the
//! redundant basic accounts saves.

use super::{Candidate, Checker, RowCorp, SavingBasis, SheetSummary, SheetUserid};
use crate::domain::ids::{CorpId, UserId};
use crate::domain::money::Money;
use crate::domain::price_book::AccountKind;
use crate::domain::problem::Problem;
use crate::domain::quote::{OrderType, QuoteLineRequest};
use crate::domain::sheet::cells::row_field;
use rustc_hash::FxBuildHasher;
use std::collections::HashMap;

/// What dropping `redundant` of `basic` basic accounts saves (they are also listed as interop, and
/// interop includes basic): the basic line priced with all of them minus priced without them, as
/// an add-on after the enterprise's existing basic accounts. `None` when a position is negotiated.
pub fn redundant_basic_saving(basis: SavingBasis<'_>, basic: u32, redundant: u32) -> Option<Money> {
    let price = |count: u32| -> Option<Money> {
        if count == 0 {
            return Some(Money::ZERO);
        }
        let line = QuoteLineRequest {
            kind: AccountKind::Basic,
            count,
            months: basis.months,
            order_type: OrderType::Addon,
            existing: basis.existing_basic,
        };
        basis.price_book.price_line(0, &line, false).ok().map(|q| q.amount)
    };
    Some(Money::from_fen(price(basic)?.fen() - price(basic - redundant.min(basic))?.fen()))
}

impl Checker<'_> {
    /// Decides the sheet's corp ID and flags rows that disagree with it.
    /// Rows flagged here are marked invalid, so they are not kept as entries.
    pub(super) fn check_corp_ids(&mut self, candidates: &mut [Candidate]) -> Option<CorpId> {
        let mut counts: Vec<(CorpId, usize, u32)> = Vec::new();
        for c in candidates.iter() {
            if let RowCorp::Valid(id) = &c.corp {
                match counts.iter_mut().find(|(k, _, _)| *k == **id) {
                    Some(entry) => entry.1 += 1,
                    None => counts.push(((**id).clone(), 1, c.row)),
                }
            }
        }
        let expected = self.options.expected_corp_id;
        if !self.any_corp_cell {
            return match expected {
                Some(id) => {
                    self.problems.push(Problem::warning(
                        "sheet.corp_id",
                        "sheet_corp_id_from_form",
                        format!("表格中没有填写企业ID，已按表单中的企业ID {id} 处理"),
                        format!("The sheet has no corp ID; the form's corp ID {id} is used"),
                    ));
                    Some(id.clone())
                }
                None => {
                    if !candidates.is_empty() {
                        self.problems.push(Problem::error(
                            "sheet.corp_id",
                            "sheet_corp_id_missing",
                            "表格中没有企业ID：请在表格中增加“企业ID”列，或先在表单中填写企业微信ID",
                            "The sheet has no corp ID: add a 企业ID (corp ID) column, or fill in the corp ID on the form first",
                        ));
                    }
                    None
                }
            };
        }
        // The first corp ID among those used by the most rows.
        let (reference, _, first_row) = counts.iter().fold(None::<&(CorpId, usize, u32)>, |best, c| match best {
            Some(b) if b.1 >= c.1 => Some(b),
            _ => Some(c),
        })?;
        let (reference, first_row) = (reference.clone(), *first_row);
        for c in candidates.iter_mut() {
            let n = c.row;
            let problem = match &c.corp {
                RowCorp::Blank => Problem::error(
                    row_field(n, "corp_id"),
                    "row_corp_id_missing",
                    format!("第{n}行缺少企业ID（其他行为 {reference}），每一行都需要填写"),
                    format!("Row {n} has no corp ID (other rows have {reference}); every row needs one"),
                ),
                RowCorp::Valid(id) if **id != reference => Problem::error(
                    row_field(n, "corp_id"),
                    "row_corp_id_mixed",
                    format!(
                        "第{n}行的企业ID {id} 与本表其他行（如第{first_row}行 {reference}）不一致，一张表只能有一个企业"
                    ),
                    format!(
                        "Row {n}: the corp ID {id} differs from the rest of the sheet (e.g. row {first_row}: {reference}); \
                         a sheet is for one enterprise"
                    ),
                ),
                _ => continue,
            };
            self.problems.push(problem);
            c.corp = RowCorp::Invalid;
        }
        if let Some(expected) = expected
            && *expected != reference
        {
            self.problems.push(Problem::error(
                "sheet.corp_id",
                "corp_id_mismatch",
                format!("表格中的企业ID {reference} 与表单中填写的企业微信ID {expected} 不一致"),
                format!("The sheet's corp ID {reference} differs from the corp ID on the form, {expected}"),
            ));
        }
        Some(reference)
    }

    /// Duplicates and basic/interop overlaps; returns the entries kept and how many distinct
    /// userids they hold.
    pub(super) fn check_across_rows(&mut self, candidates: Vec<Candidate>) -> (Vec<SheetUserid>, usize) {
        // Per userid (ignoring case, as `UserId`'s `Eq` and `Hash` do): the candidate holding the
        // first row of each kind slot (unspecified, basic, interop). The keys borrow the
        // candidates' userids and the hasher is Fx: no copy and no SipHash per row.
        let mut seen: HashMap<&UserId, [Option<usize>; 3], FxBuildHasher> =
            HashMap::with_capacity_and_hasher(candidates.len(), FxBuildHasher);
        let slot = |k: Option<AccountKind>| match k {
            None => 0,
            Some(AccountKind::Basic) => 1,
            Some(AccountKind::Interop) => 2,
        };
        let mut kept = vec![false; candidates.len()];
        for (i, c) in candidates.iter().enumerate() {
            if matches!(c.corp, RowCorp::Invalid) {
                continue;
            }
            let slots = seen.entry(&c.userid).or_default();
            let s = slot(c.kind);
            // An unspecified kind clashes with any earlier row, and any row with an earlier
            // unspecified one or one of the same kind.
            let clash = if s == 0 {
                slots.iter().flatten().copied().min_by_key(|&j| candidates[j].row)
            } else {
                slots[0].or(slots[s])
            };
            let n = c.row;
            if let Some(j) = clash {
                let (first, spelling) = (candidates[j].row, candidates[j].userid.as_str());
                let both = if spelling == c.userid.as_str() {
                    spelling.to_owned()
                } else {
                    format!("{spelling} / {}", c.userid)
                };
                self.problems.push(Problem::error(
                    row_field(n, "userid"),
                    "userid_duplicate",
                    format!("第{first}行与第{n}行重复：{both}（UserID 不区分大小写）"),
                    format!("Rows {first} and {n} are duplicates: {both} (UserIDs ignore case)"),
                ));
                continue;
            }
            let other = match s {
                1 => slots[2],
                2 => slots[1],
                _ => None,
            };
            if let Some(j) = other {
                self.problems.push(self.overlap_warning(candidates[j].row, n, &c.userid));
            }
            slots[s] = Some(i);
            kept[i] = true;
        }
        // Every userid seen was kept at its first row.
        let distinct = seen.len();
        let entries = candidates
            .into_iter()
            .zip(kept)
            .filter(|(_, k)| *k)
            .map(|(c, _)| SheetUserid { row: c.row, userid: c.userid, kind: c.kind })
            .collect();
        (entries, distinct)
    }

    fn overlap_warning(&self, first: u32, n: u32, userid: &UserId) -> Problem {
        let zh_head = format!(
            "第{first}行与第{n}行：{userid} 同时列为基础账号和互通账号。互通账号已包含基础接口，无需再购买该基础账号"
        );
        let en_head = format!(
            "Rows {first} and {n}: {userid} is listed as both a basic and an interop account. Interop includes the basic \
             interfaces, so the basic account is not needed"
        );
        Problem::warning(row_field(n, "userid"), "userid_basic_and_interop", zh_head, en_head)
    }

    /// Prices the redundant basic accounts and adds the money to the overlap warnings.
    pub(super) fn price_overlaps(&mut self, summary: &mut SheetSummary) -> Option<Money> {
        let basis = self.options.saving?;
        let redundant = u32::try_from(summary.overlaps).ok()?;
        if redundant == 0 {
            return None;
        }
        let basic = u32::try_from(summary.basic).ok()?;
        let total = redundant_basic_saving(basis, basic, redundant)?;
        let each = basis.price_book.marginal_cost(
            AccountKind::Basic,
            basis.existing_basic.saturating_add(basic).saturating_sub(1),
            basis.months,
        );
        let months = basis.months;
        for p in self.problems.iter_mut().filter(|p| p.code == "userid_basic_and_interop") {
            match each {
                Some(m) => {
                    p.zh.push_str(&format!("，可节省约 ¥{m}（{months}个月）"));
                    p.en.push_str(&format!("; dropping it saves about ¥{m} ({months} months)"));
                }
                None => {
                    p.zh.push_str("（该位置价格为面议）");
                    p.en.push_str(" (that position's price is negotiated)");
                }
            }
        }
        self.problems.push(Problem::warning(
            "sheet",
            "overlap_saving_total",
            format!(
                "共 {redundant} 个 UserID 同时列为基础和互通，去掉其中的基础账号共可节省 ¥{total}（{months}个月，价格表 {}）",
                basis.price_book.version
            ),
            format!(
                "{redundant} UserIDs are listed as both basic and interop; dropping their basic accounts saves ¥{total} \
                 ({months} months, price book {})",
                basis.price_book.version
            ),
        ));
        Some(total)
    }
}
