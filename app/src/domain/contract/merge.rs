//! A save refused as stale (409: someone changed the contract after this form loaded it) loses
//! nothing: the person's own changes are applied on top of the newer version, field by field — a
//! three-way merge of the draft as loaded (`base`), as typed (`mine`) and as now stored (`theirs`).
//!
//! A field is the draft's top-level field (the product lines and the approval choice each count as
//! one). A field only the person changed takes their value; one only changed on the server takes
//! the server's; one both changed differently keeps the person's value and is named, so they can
//! look before saving again.

use super::ContractDraft;
use serde_json::{Map, Value};

/// The draft to save next, and what the person should know about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merged {
    pub draft: ContractDraft,
    /// Fields (JSON names, as in `paths`) changed on the server since the form loaded.
    pub theirs: Vec<String>,
    /// Of those, the fields the person changed too, to another value: theirs was replaced by the
    /// person's.
    pub both: Vec<String>,
}

fn fields(d: &ContractDraft) -> Map<String, Value> {
    match serde_json::to_value(d) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Applies the changes from `base` to `mine` on top of `theirs`.
pub fn merge_onto(base: &ContractDraft, mine: &ContractDraft, theirs: &ContractDraft) -> Merged {
    let (b, m, t) = (fields(base), fields(mine), fields(theirs));
    let mut out = t.clone();
    let (mut changed, mut both) = (Vec::new(), Vec::new());
    for (key, theirs_value) in &t {
        let base_value = b.get(key).unwrap_or(&Value::Null);
        let mine_value = m.get(key).unwrap_or(&Value::Null);
        let they_changed = theirs_value != base_value;
        let i_changed = mine_value != base_value;
        // The document number is the server's alone.
        if key == "document_number" {
            continue;
        }
        if they_changed {
            changed.push(key.clone());
        }
        if i_changed {
            if they_changed && mine_value != theirs_value {
                both.push(key.clone());
            }
            out.insert(key.clone(), mine_value.clone());
        }
    }
    // Every field of a draft is one of the struct's own; a failure here would be a bug, and the
    // person's draft is the safe answer (nothing they typed is lost).
    let draft = serde_json::from_value(Value::Object(out)).unwrap_or_else(|_| mine.clone());
    Merged { draft, theirs: changed, both }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contract::DraftLine;

    fn draft() -> ContractDraft {
        ContractDraft {
            end_customer: "星河零售".into(),
            corp_id: "ww69c04360d53da8b7".into(),
            remark: "首年".into(),
            lines: vec![DraftLine { quantity: "8".into(), ..DraftLine::default() }],
            ..ContractDraft::default()
        }
    }

    #[test]
    fn my_changes_go_on_top_of_theirs_and_both_changed_fields_are_named() {
        let base = draft();
        let mut mine = base.clone();
        mine.remark = "订单数量10人".into();
        mine.lines[0].quantity = "10".into();
        let mut theirs = base.clone();
        theirs.corp_name = "星河零售有限公司".into();
        theirs.lines[0].quantity = "12".into();
        theirs.payment_voucher = Some(7);
        let m = merge_onto(&base, &mine, &theirs);
        assert_eq!(m.draft.remark, "订单数量10人", "mine only");
        assert_eq!(m.draft.corp_name, "星河零售有限公司", "theirs only");
        assert_eq!(m.draft.payment_voucher, Some(7), "a file they attached stays");
        assert_eq!(m.draft.lines[0].quantity, "10", "both: mine wins");
        let mut theirs_changed = m.theirs.clone();
        theirs_changed.sort();
        assert_eq!(theirs_changed, ["corp_name", "lines", "payment_voucher"]);
        assert_eq!(m.both, ["lines"]);
    }

    #[test]
    fn the_same_change_on_both_sides_is_no_conflict_and_no_change_changes_nothing() {
        let base = draft();
        let mut mine = base.clone();
        mine.remark = "同".into();
        let theirs = mine.clone();
        let m = merge_onto(&base, &mine, &theirs);
        assert_eq!((m.draft, m.theirs, m.both), (mine.clone(), vec!["remark".to_owned()], vec![]));
        let m = merge_onto(&base, &base, &theirs);
        assert_eq!(m.draft, theirs);
    }
}
