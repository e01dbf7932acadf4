//! The approval flows section (审批流程): each flow's name and levels in order; per level its name,
//! default approver (默认审批人) and candidates (可选审批人), from the active approvers and admins.
//! A change applies to contracts submitted afterwards; contracts in approval keep their approvers.

use super::{FieldProblems, Outcome, TopProblems};
use crate::domain::admin::{LevelEdit, MAX_FLOW_LEVELS};
use crate::domain::problem::indexed;
use crate::functions::admin::{flows, save_flow};
use crate::i18n::use_lang;
use crate::models::{FlowDto, PersonDto};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn FlowsSection() -> impl IntoView {
    let lang = use_lang();
    let page = Resource::new(|| (), |_| flows());
    view! {
        <p class="notice" data-testid="flows-note">
            {lang.pick(
                "修改只影响之后提交的合同，审批中的合同保持原审批人。",
                "Changes apply to contracts submitted from now on; contracts in approval keep their approvers.",
            )}
        </p>
        <Transition fallback=move || view! { <p class="loading">{lang.pick("正在加载…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => p
                        .flows
                        .into_iter()
                        .map(|flow| view! { <FlowForm flow approvers=p.approvers.clone() /> })
                        .collect_view()
                        .into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One level as typed.
#[derive(Clone, Copy)]
struct LevelRow {
    key: u64,
    name: RwSignal<String>,
    default_approver: RwSignal<Option<i64>>,
    candidates: RwSignal<Vec<i64>>,
}

impl LevelRow {
    fn new(key: u64, l: LevelEdit) -> LevelRow {
        LevelRow {
            key,
            name: RwSignal::new(l.name),
            default_approver: RwSignal::new(l.default_approver),
            candidates: RwSignal::new(l.candidates),
        }
    }

    fn edit(&self) -> LevelEdit {
        LevelEdit {
            name: self.name.get_untracked(),
            default_approver: self.default_approver.get_untracked(),
            candidates: self.candidates.get_untracked(),
        }
    }
}

#[component]
fn FlowForm(flow: FlowDto, approvers: Vec<PersonDto>) -> impl IntoView {
    let lang = use_lang();
    let outcome = Outcome::new();
    let saved = RwSignal::new(false);
    let id = flow.id;
    let name = RwSignal::new(flow.name.clone());
    let levels = RwSignal::new(
        flow.levels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                LevelRow::new(
                    i as u64,
                    LevelEdit {
                        name: l.name.clone(),
                        default_approver: l.default_approver.as_ref().map(|p| p.id),
                        candidates: l.candidates.iter().map(|p| p.id).collect(),
                    },
                )
            })
            .collect::<Vec<_>>(),
    );
    let next_key = StoredValue::new(flow.levels.len() as u64);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.start();
        saved.set(false);
        let edits = levels.get_untracked().iter().map(LevelRow::edit).collect::<Vec<_>>();
        let n = name.get_untracked();
        spawn_local(async move {
            match save_flow(id, n, edits).await {
                Ok(_) => {
                    outcome.done();
                    saved.set(true);
                }
                Err(e) => outcome.fail(lang, e),
            }
        });
    };
    let add = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        levels.update(|l| l.push(LevelRow::new(key, LevelEdit::default())));
    };
    let remove_last = move |_| {
        levels.update(|l| {
            l.pop();
        })
    };
    let approvers = StoredValue::new(approvers);
    let name_id = format!("flow-{id}-name");
    view! {
        <form class="card admin-form flow-form" data-testid="flow" data-flow=id.to_string() on:submit=save>
            <TopProblems outcome inline=|f| f == "name" || f.starts_with("levels[") />
            <div class="field">
                <label for=name_id.clone()>{lang.pick("流程名称", "Flow name")}</label>
                <input id=name_id data-testid="flow-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <FieldProblems outcome field="name" />
            </div>
            <ol class="flow-levels">
                <For each=move || levels.get() key=|l| l.key let:l>
                    {
                        let index = move || levels.with(|ls| ls.iter().position(|x| x.key == l.key).unwrap_or(0));
                        let base = format!("flow-{id}-level-{}", l.key);
                        view! {
                            <li class="flow-level" data-testid="flow-level">
                                <div class="form-grid">
                                    <div class="field">
                                        <label for=format!("{base}-name")>{lang.pick("级别名称", "Level name")}</label>
                                        <input id=format!("{base}-name") data-testid="level-name" prop:value=move || l.name.get()
                                            on:input=move |ev| l.name.set(event_target_value(&ev)) />
                                    </div>
                                    <div class="field">
                                        <label for=format!("{base}-default")>{lang.pick("默认审批人", "Default approver")}</label>
                                        <select id=format!("{base}-default") data-testid="level-default"
                                            on:change=move |ev| l.default_approver.set(event_target_value(&ev).parse().ok())>
                                            <option value="" selected=move || l.default_approver.get().is_none()>{lang.pick("请选择", "Choose")}</option>
                                            {approvers.get_value().into_iter().map(|p| {
                                                let pid = p.id;
                                                view! { <option value=pid.to_string() selected=move || l.default_approver.get() == Some(pid)>{p.display_name}</option> }
                                            }).collect_view()}
                                        </select>
                                    </div>
                                </div>
                                <fieldset class="candidates">
                                    <legend>{lang.pick("可选审批人", "Candidates")}</legend>
                                    {approvers.get_value().into_iter().map(|p| {
                                        let pid = p.id;
                                        view! {
                                            <label class="check">
                                                <input type="checkbox" data-testid="level-candidate" value=pid.to_string()
                                                    prop:checked=move || l.candidates.with(|c| c.contains(&pid))
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        l.candidates.update(|c| { c.retain(|x| *x != pid); if on { c.push(pid) } });
                                                    } />
                                                {p.display_name}
                                            </label>
                                        }
                                    }).collect_view()}
                                </fieldset>
                                <ul class="field-errors">
                                    {move || {
                                        let prefix = indexed("levels", index(), "");
                                        outcome.problems.with(|ps| {
                                            crate::components::form_field::problem_items(
                                                lang,
                                                &ps.iter().filter(|p| p.field.strip_prefix(&prefix).is_some_and(|r| r.starts_with('.'))).cloned().collect::<Vec<_>>(),
                                            )
                                        })
                                    }}
                                </ul>
                            </li>
                        }
                    }
                </For>
            </ol>
            <div class="form-actions">
                <button type="button" data-testid="level-add" disabled=move || levels.with(|l| l.len() >= MAX_FLOW_LEVELS) on:click=add>
                    {lang.pick("添加一级", "Add a level")}
                </button>
                <button type="button" data-testid="level-remove" disabled=move || levels.with(|l| l.len() <= 1) on:click=remove_last>
                    {lang.pick("删除最后一级", "Remove the last level")}
                </button>
                <button type="submit" class="primary" data-testid="flow-save" disabled=move || outcome.busy.get()>{lang.pick("保存流程", "Save flow")}</button>
                {move || saved.get().then(|| view! { <span class="notice ok" role="status" data-testid="flow-saved">{lang.pick("已保存", "Saved")}</span> })}
            </div>
        </form>
    }
}
