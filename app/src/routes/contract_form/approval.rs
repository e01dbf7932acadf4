//! 选择审批流程: the approval flow and each level's approver; once submitted, the steps with their
//! decisions and the timeline.

use super::fields::{Problems, select_input};
use super::state::Form;
use crate::domain::contract::{ContractDraft, paths};
use crate::domain::problem::indexed;
use crate::i18n::{date_time, td_string};
use crate::models::FlowDto;
use leptos::prelude::*;

/// 选择审批流程: the flow and each level's approver (更换 picks another candidate); once submitted,
/// the steps with their decisions, and the timeline.
#[component]
pub(super) fn ApprovalSection(f: Form, flow: Option<FlowDto>) -> impl IntoView {
    let locale = f.locale;
    let levels = flow.as_ref().map(|fl| fl.levels.clone()).unwrap_or_default();
    let flow_name = flow
        .as_ref()
        .map(|fl| fl.name.clone())
        .unwrap_or_else(|| td_string!(locale, contract_form.approval.no_flow).to_owned());
    let chooser = levels
        .into_iter()
        .enumerate()
        .map(|(i, level)| {
            let default_id = level.default_approver.as_ref().map(|p| p.id);
            let mut choices: Vec<(String, String)> = Vec::new();
            if let Some(p) = &level.default_approver {
                choices.push((p.id.to_string(), p.display_name.clone()));
            }
            for c in &level.candidates {
                if Some(c.id) != default_id {
                    choices.push((c.id.to_string(), c.display_name.clone()));
                }
            }
            let path = indexed(paths::APPROVAL_APPROVERS, i, "");
            let get = move |d: &ContractDraft| {
                d.approval.approvers.get(i).copied().flatten().or(default_id).map(|id| id.to_string())
            };
            let set = move |d: &mut ContractDraft, v: String| {
                let pick = v.parse::<i64>().ok().filter(|id| Some(*id) != default_id);
                if d.approval.approvers.len() <= i {
                    d.approval.approvers.resize(i + 1, None);
                }
                d.approval.approvers[i] = pick;
                while d.approval.approvers.last() == Some(&None) {
                    d.approval.approvers.pop();
                }
            };
            view! {
                <div class="field" data-field=path.clone()>
                    <label for=path.clone()>{td_string!(locale, contract_form.approval.approver, level = &level.name)}</label>
                    {select_input(f, path.clone(), choices, get, set)}
                    <Problems f path=path.clone() />
                </div>
            }
        })
        .collect_view();
    // Steps exist once the contract was submitted; a draft never submitted has no decisions to
    // show (its levels are not "pending" yet: nobody has been asked).
    let steps = move || {
        f.saved
            .with(|c| c.as_ref().filter(|c| c.submitted_at.is_some()).map(|c| c.approvers.clone()).unwrap_or_default())
    };
    let timeline = move || f.saved.with(|c| c.as_ref().map(|c| c.timeline.clone()).unwrap_or_default());
    view! {
        <fieldset class="card approval">
            <legend>{td_string!(locale, contract_form.approval.legend)}</legend>
            <p>
                <span class="label">{td_string!(locale, contract_form.approval.flow)}</span>
                " "
                <strong>{flow_name}</strong>
            </p>
            <Problems f path=paths::APPROVAL_FLOW />
            <div class="form-grid">{chooser}</div>
            <Show when=move || !steps().is_empty()>
                <h3>{td_string!(locale, contract_form.approval.steps)}</h3>
                <ol class="approval-steps" data-testid="approval-steps">
                    {move || steps()
                        .into_iter()
                        .map(|s| {
                            let decision = match s.decision.as_deref() {
                                Some("approve") => td_string!(locale, contract_form.approval.approved),
                                Some("reject") => td_string!(locale, contract_form.approval.rejected),
                                _ => td_string!(locale, contract_form.approval.pending),
                            };
                            view! {
                                <li data-level=s.level.to_string()>
                                    {format!("{} · {} · {decision}", s.level_name, s.approver.display_name)}
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            </Show>
            <Show when=move || !timeline().is_empty()>
                <h3>{td_string!(locale, contract_form.approval.timeline)}</h3>
                {move || f.contract_id().map(|id| view! {
                    <p class="timeline-export">
                        <a href=format!("/contracts/{id}/timeline.xlsx") rel="external" download data-testid="timeline-xlsx">
                            {td_string!(locale, contract_form.approval.export_xlsx)}
                        </a>
                        " · "
                        <a href=format!("/contracts/{id}/timeline.csv") rel="external" download data-testid="timeline-csv">
                            {td_string!(locale, contract_form.approval.export_csv)}
                        </a>
                    </p>
                })}
                <ol class="timeline" data-testid="timeline">
                    {move || timeline()
                        .into_iter()
                        .map(|t| {
                            let (who, what) = (t.who(f.lang), t.what(f.lang));
                            let level = t.level.map(|l| format!(" · {}", td_string!(locale, contract_form.approval.level, level = l))).unwrap_or_default();
                            let comment = (!t.comment.is_empty()).then(|| format!("：{}", t.comment)).unwrap_or_default();
                            view! {
                                <li data-action=t.action.clone()>
                                    <time>{date_time(t.at)}</time>
                                    {format!(" {who} {what}{level}{comment}")}
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
            </Show>
        </fieldset>
    }
}
