//! Who approves a contract at each level (三级审批): the flow's default approver, or the
//! submitter's pick among the level's candidates (更换).

use super::draft::{ApprovalChoice, UserRef};
use super::fields::paths;
use crate::domain::problem::{Problem, indexed};

/// An approval flow as the rule needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flow {
    pub name: String,
    pub levels: Vec<FlowLevel>,
}

/// One level of a flow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowLevel {
    pub level: u32,
    pub name: String,
    pub default_approver: Option<UserRef>,
    pub candidates: Vec<UserRef>,
}

/// The approver of each level for a contract: the submitter's pick where it is one of the level's
/// candidates, else the level's default. With `complete`, every level must end up with one (for
/// submission); otherwise levels without one are left out (a draft).
pub fn resolve(flow: &Flow, choice: &ApprovalChoice, complete: bool) -> Result<Vec<(u32, UserRef)>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    if choice.approvers.len() > flow.levels.len() {
        problems.push(Problem::error(
            paths::APPROVAL_APPROVERS,
            "too_many_approval_levels",
            format!("审批流程“{}”只有{}级", flow.name, flow.levels.len()),
            format!("The flow \"{}\" has {} levels", flow.name, flow.levels.len()),
        ));
    }
    for (i, level) in flow.levels.iter().enumerate() {
        let field = indexed(paths::APPROVAL_APPROVERS, i, "");
        match choice.approvers.get(i).copied().flatten() {
            Some(pick) if level.candidates.contains(&pick) => out.push((level.level, pick)),
            Some(_) => problems.push(Problem::error(
                field,
                "approver_not_candidate",
                format!("第{}级（{}）所选审批人不在可选名单中，请重新选择", level.level, level.name),
                format!(
                    "The approver picked for level {} ({}) is not one of its candidates; pick again",
                    level.level, level.name
                ),
            )),
            None => match &level.default_approver {
                Some(d) => out.push((level.level, *d)),
                None if complete => problems.push(Problem::error(
                    field,
                    "approver_missing",
                    format!("第{}级（{}）还没有审批人，请选择一位或联系管理员", level.level, level.name),
                    format!("Level {} ({}) has no approver yet; pick one or ask an admin", level.level, level.name),
                )),
                None => {}
            },
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}
