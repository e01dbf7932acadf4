//! The users section (用户与机构): search and list the users, create organisations and users, edit a
//! user, deactivate (停用) or reactivate (启用) them, reset a password. A new user's or a reset
//! password is a one-time temporary password (临时密码), shown here once.

use super::{FieldProblems, Outcome, TextField, TopProblems, confirm, under_any};
use crate::components::table::{Column, StackTable};
use crate::functions::admin::{
    admin_users, create_organisation, create_user, defaults_of, flows, reset_password, set_active, update_user,
};
use crate::i18n::use_lang;
use crate::models::{
    AdminOrganisation, AdminUser, DefaultAt, NewUserInput, PersonDto, Role, TemporaryPassword, UserEdit,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A user about to be deactivated who is a flow level's default approver: where, and who may
/// replace them.
#[derive(Clone)]
struct Replacing {
    user: AdminUser,
    defaults: Vec<DefaultAt>,
    approvers: Vec<PersonDto>,
}

#[component]
pub fn UsersSection() -> impl IntoView {
    let lang = use_lang();
    let search = RwSignal::new(String::new());
    let generation = RwSignal::new(0u64);
    let page = Resource::new(move || (search.get(), generation.get()), |(s, _)| admin_users(s));
    let reload = move || generation.update(|g| *g += 1);
    let shown_password = RwSignal::new(None::<TemporaryPassword>);
    let row_outcome = Outcome::new();
    let editing = RwSignal::new(None::<AdminUser>);
    let replacing = RwSignal::new(None::<Replacing>);
    let new_user = NewUserDraft::new();

    let toggle_active = move |u: AdminUser| {
        row_outcome.start();
        spawn_local(async move {
            if u.active {
                let defaults = match defaults_of(u.id).await {
                    Ok(d) => d,
                    Err(e) => return row_outcome.fail(lang, e),
                };
                if !defaults.is_empty() {
                    match flows().await {
                        Ok(f) => {
                            let approvers = f.approvers.into_iter().filter(|p| p.id != u.id).collect();
                            replacing.set(Some(Replacing { user: u, defaults, approvers }));
                            row_outcome.done();
                        }
                        Err(e) => row_outcome.fail(lang, e),
                    }
                    return;
                }
                if !confirm(&format!("{}{}", lang.pick("确定停用 ", "Deactivate "), u.display_name)) {
                    return row_outcome.done();
                }
            }
            match set_active(u.id, !u.active, None).await {
                Ok(_) => {
                    row_outcome.done();
                    reload();
                }
                Err(e) => row_outcome.fail(lang, e),
            }
        });
    };
    let reset = move |u: AdminUser| {
        if !confirm(&format!(
            "{}{}{}",
            lang.pick("确定重置 ", "Reset the password of "),
            u.display_name,
            lang.pick(" 的密码？其现有密码将失效。", "? Their current password stops working.")
        )) {
            return;
        }
        row_outcome.start();
        spawn_local(async move {
            match reset_password(u.id).await {
                Ok(t) => {
                    row_outcome.done();
                    shown_password.set(Some(t));
                    reload();
                }
                Err(e) => row_outcome.fail(lang, e),
            }
        });
    };

    view! {
        {move || shown_password.get().map(|t| view! { <TempPassword t on_close=move || shown_password.set(None) /> })}
        <div class="card admin-search">
            <div class="field">
                <label for="admin-user-search">{lang.pick("搜索用户", "Search users")}</label>
                <input
                    id="admin-user-search"
                    type="search"
                    data-testid="user-search"
                    placeholder=lang.pick("用户名、姓名或机构", "Username, name or organisation")
                    prop:value=move || search.get()
                    on:change=move |ev| search.set(event_target_value(&ev))
                />
            </div>
        </div>
        <TopProblems outcome=row_outcome inline=|_| false />
        {move || replacing.get().map(|r| view! { <ReplaceDefault r replacing outcome=row_outcome on_done=reload /> })}
        <Transition fallback=move || view! { <p class="loading">{lang.pick("正在加载…", "Loading…")}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => {
                        let orgs = p.organisations.clone();
                        view! {
                            <UserTable users=p.users busy=row_outcome.busy editing on_toggle=toggle_active on_reset=reset />
                            {move || editing.get().map(|u| view! { <EditUser u editing on_saved=reload /> })}
                            <div class="admin-forms">
                                <NewOrganisation on_created=reload />
                                <NewUser organisations=orgs draft=new_user on_created=move |t| { shown_password.set(Some(t)); reload(); } />
                            </div>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.message(lang)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The one-time temporary password, shown prominently once.
#[component]
fn TempPassword(t: TemporaryPassword, on_close: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="notice ok temp-password card" role="status">
            <p>
                {lang.pick("临时密码（", "Temporary password (")}{t.user.username.clone()}{lang.pick("）：", "): ")}
                <code data-testid="temp-password">{t.password.clone()}</code>
            </p>
            <p class="hint">
                {lang.pick(
                    "仅此一次显示，请现在转告用户；用户首次登录后须改为自己的密码。",
                    "Shown only now: pass it on to the user; they must choose their own password when they first sign in.",
                )}
            </p>
            <button type="button" on:click=move |_| on_close()>{lang.pick("我已记下", "Done")}</button>
        </div>
    }
}

#[component]
fn UserTable(
    users: Vec<AdminUser>,
    busy: RwSignal<bool>,
    editing: RwSignal<Option<AdminUser>>,
    on_toggle: impl Fn(AdminUser) + Copy + Send + Sync + 'static,
    on_reset: impl Fn(AdminUser) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    if users.is_empty() {
        return view! { <p class="empty card">{lang.pick("没有匹配的用户", "No matching users")}</p> }.into_any();
    }
    let labels = [
        lang.pick("用户名", "Username"),
        lang.pick("姓名", "Display name"),
        lang.pick("角色", "Role"),
        lang.pick("机构", "Organisation"),
        lang.pick("企业微信 userid", "WeCom userid"),
        lang.pick("状态", "Status"),
        lang.pick("创建时间", "Created"),
        lang.pick("操作", "Actions"),
    ];
    let columns = labels.map(Column::text).to_vec();
    view! {
        <div class="table-scroll">
            <StackTable columns testid="user-table">
                {users
                    .into_iter()
                    .map(|u| {
                        let (a, b, c) = (u.clone(), u.clone(), u.clone());
                        view! {
                            <tr data-testid="user-row" data-username=u.username.clone()>
                                <td data-label=labels[0]>{u.username.clone()}</td>
                                <td data-label=labels[1]>{u.display_name.clone()}</td>
                                <td data-label=labels[2]>{lang.pick(u.role.zh(), u.role.en())}</td>
                                <td data-label=labels[3]>{u.organisation_name.clone()}</td>
                                <td data-label=labels[4]>{u.wecom_userid.clone()}</td>
                                <td data-label=labels[5]>
                                    <span class="status" data-testid="user-status">
                                        {if u.active { lang.pick("在用", "Active") } else { lang.pick("停用", "Deactivated") }}
                                    </span>
                                    {u.must_change_password.then(|| view! { <span class="status status-in_approval">{lang.pick("须改密码", "Must change password")}</span> })}
                                </td>
                                <td data-label=labels[6]>{u.created_at.clone()}</td>
                                <td data-label=labels[7] class="row-actions">
                                    <button type="button" data-testid="user-edit" disabled=move || busy.get() on:click=move |_| editing.set(Some(a.clone()))>
                                        {lang.pick("编辑", "Edit")}
                                    </button>
                                    <button type="button" data-testid="user-toggle-active" disabled=move || busy.get() on:click=move |_| on_toggle(b.clone())>
                                        {if u.active { lang.pick("停用", "Deactivate") } else { lang.pick("启用", "Reactivate") }}
                                    </button>
                                    <button type="button" data-testid="user-reset-password" disabled=move || busy.get() on:click=move |_| on_reset(c.clone())>
                                        {lang.pick("重置密码", "Reset password")}
                                    </button>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </StackTable>
        </div>
    }
    .into_any()
}

/// The role select's options, the current one selected.
fn role_options(lang: crate::domain::Lang, current: Option<Role>) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|r| view! { <option value=r.code() selected=current == Some(r)>{lang.pick(r.zh(), r.en())}</option> })
        .collect_view()
}

#[component]
fn EditUser(
    u: AdminUser,
    editing: RwSignal<Option<AdminUser>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let outcome = Outcome::new();
    let name = RwSignal::new(u.display_name.clone());
    let role = RwSignal::new(u.role);
    let wecom = RwSignal::new(u.wecom_userid.clone().unwrap_or_default());
    let id = u.id;
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.start();
        let edit = UserEdit {
            id,
            display_name: name.get_untracked(),
            role: role.get_untracked(),
            wecom_userid: wecom.get_untracked(),
        };
        spawn_local(async move {
            match update_user(edit).await {
                Ok(_) => {
                    outcome.done();
                    editing.set(None);
                    on_saved();
                }
                Err(e) => outcome.fail(lang, e),
            }
        });
    };
    view! {
        <form class="card admin-form" data-testid="user-edit-form" on:submit=save>
            <h2>{lang.pick("编辑用户 ", "Edit user ")}{u.username.clone()}</h2>
            <TopProblems outcome inline=|f| under_any(f, &["display_name", "role", "wecom_userid"]) />
            <div class="form-grid">
                <TextField id="edit-display-name" label=lang.pick("姓名", "Display name") value=name outcome field="display_name" required=true />
                <div class="field">
                    <label for="edit-role">{lang.pick("角色", "Role")}</label>
                    <select id="edit-role" data-testid="edit-role" on:change=move |ev| { if let Some(r) = Role::from_code(&event_target_value(&ev)) { role.set(r) } }>
                        {role_options(lang, Some(u.role))}
                    </select>
                    <FieldProblems outcome field="role" />
                </div>
                <TextField id="edit-wecom-userid" label=lang.pick("企业微信 userid（可选）", "WeCom userid (optional)") value=wecom outcome field="wecom_userid" />
            </div>
            <div class="form-actions">
                <button type="submit" class="primary" data-testid="user-save" disabled=move || outcome.busy.get()>{lang.pick("保存", "Save")}</button>
                <button type="button" on:click=move |_| editing.set(None)>{lang.pick("取消", "Cancel")}</button>
            </div>
        </form>
    }
}

/// Deactivating a flow level's default approver: pick who replaces them, then deactivate.
#[component]
fn ReplaceDefault(
    r: Replacing,
    replacing: RwSignal<Option<Replacing>>,
    outcome: Outcome,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let choice = RwSignal::new(None::<i64>);
    let id = r.user.id;
    let go = move |_| {
        let Some(replacement) = choice.get_untracked() else {
            outcome.message.set(Some(lang.pick("请选择接替的审批人", "Pick who takes over").to_owned()));
            return;
        };
        outcome.start();
        spawn_local(async move {
            match set_active(id, false, Some(replacement)).await {
                Ok(_) => {
                    outcome.done();
                    replacing.set(None);
                    on_done();
                }
                Err(e) => outcome.fail(lang, e),
            }
        });
    };
    view! {
        <div class="card admin-form" data-testid="replace-default">
            <h2>{lang.pick("停用 ", "Deactivate ")}{r.user.display_name.clone()}</h2>
            <p>{lang.pick("此用户是以下审批级别的默认审批人，请选择接替的人：", "This user is the default approver of these levels; pick who takes over:")}</p>
            <ul>
                {r.defaults.iter().map(|d| view! { <li>{format!("{} · {} {}", d.flow_name, d.level, d.level_name)}</li> }).collect_view()}
            </ul>
            <div class="field">
                <label for="replacement">{lang.pick("接替的审批人", "Replacement approver")}</label>
                <select id="replacement" data-testid="replacement" on:change=move |ev| choice.set(event_target_value(&ev).parse().ok())>
                    <option value="">{lang.pick("请选择", "Choose")}</option>
                    {r.approvers.iter().map(|p| view! { <option value=p.id.to_string()>{p.display_name.clone()}</option> }).collect_view()}
                </select>
            </div>
            <div class="form-actions">
                <button type="button" class="primary" data-testid="replace-confirm" disabled=move || outcome.busy.get() on:click=go>
                    {lang.pick("停用并替换", "Deactivate and replace")}
                </button>
                <button type="button" on:click=move |_| replacing.set(None)>{lang.pick("取消", "Cancel")}</button>
            </div>
        </div>
    }
}

#[component]
fn NewOrganisation(on_created: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let lang = use_lang();
    let outcome = Outcome::new();
    let name = RwSignal::new(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.start();
        let n = name.get_untracked();
        spawn_local(async move {
            match create_organisation(n).await {
                Ok(_) => {
                    outcome.done();
                    name.set(String::new());
                    on_created();
                }
                Err(e) => outcome.fail(lang, e),
            }
        });
    };
    view! {
        <form class="card admin-form" data-testid="new-organisation" on:submit=save>
            <h2>{lang.pick("新建机构", "New organisation")}</h2>
            <TopProblems outcome inline=|f| under_any(f, &["name"]) />
            <TextField id="org-name" label=lang.pick("机构名称", "Name") value=name outcome field="name" required=true />
            <button type="submit" class="primary" data-testid="org-create" disabled=move || outcome.busy.get()>{lang.pick("创建机构", "Create")}</button>
        </form>
    }
}

/// The new user form's values, kept by the section so that reloading the list (after a new
/// organisation) loses nothing typed.
#[derive(Clone, Copy)]
struct NewUserDraft {
    username: RwSignal<String>,
    display_name: RwSignal<String>,
    role: RwSignal<Option<Role>>,
    organisation: RwSignal<Option<i64>>,
    wecom: RwSignal<String>,
}

impl NewUserDraft {
    fn new() -> NewUserDraft {
        NewUserDraft {
            username: RwSignal::new(String::new()),
            display_name: RwSignal::new(String::new()),
            role: RwSignal::new(None),
            organisation: RwSignal::new(None),
            wecom: RwSignal::new(String::new()),
        }
    }
}

#[component]
fn NewUser(
    organisations: Vec<AdminOrganisation>,
    draft: NewUserDraft,
    on_created: impl Fn(TemporaryPassword) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let outcome = Outcome::new();
    let NewUserDraft { username, display_name, role, organisation, wecom } = draft;
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        outcome.start();
        let input = NewUserInput {
            username: username.get_untracked(),
            display_name: display_name.get_untracked(),
            role: role.get_untracked(),
            organisation_id: organisation.get_untracked(),
            wecom_userid: wecom.get_untracked(),
        };
        spawn_local(async move {
            match create_user(input).await {
                Ok(t) => {
                    outcome.done();
                    username.set(String::new());
                    display_name.set(String::new());
                    wecom.set(String::new());
                    on_created(t);
                }
                Err(e) => outcome.fail(lang, e),
            }
        });
    };
    view! {
        <form class="card admin-form" data-testid="new-user" on:submit=save>
            <h2>{lang.pick("新建用户", "New user")}</h2>
            <TopProblems outcome inline=|f| under_any(f, &["username", "display_name", "role", "organisation_id", "wecom_userid"]) />
            <div class="form-grid">
                <TextField id="new-username" label=lang.pick("用户名", "Username") value=username outcome field="username" required=true />
                <TextField id="new-display-name" label=lang.pick("姓名", "Display name") value=display_name outcome field="display_name" required=true />
                <div class="field">
                    {crate::components::form_field::field_label("new-role".into(), lang.pick("角色", "Role"), true)}
                    <select id="new-role" data-testid="new-role" on:change=move |ev| role.set(Role::from_code(&event_target_value(&ev)))>
                        <option value="" selected=move || role.get().is_none()>{lang.pick("请选择", "Choose")}</option>
                        {Role::ALL
                            .into_iter()
                            .map(|r| view! { <option value=r.code() selected=move || role.get() == Some(r)>{lang.pick(r.zh(), r.en())}</option> })
                            .collect_view()}
                    </select>
                    <FieldProblems outcome field="role" />
                </div>
                <div class="field">
                    {crate::components::form_field::field_label("new-organisation".into(), lang.pick("机构", "Organisation"), true)}
                    <select id="new-organisation" data-testid="new-organisation-select" on:change=move |ev| organisation.set(event_target_value(&ev).parse().ok())>
                        <option value="" selected=move || organisation.get().is_none()>{lang.pick("请选择", "Choose")}</option>
                        {organisations
                            .into_iter()
                            .map(|o| {
                                let id = o.id;
                                view! { <option value=id.to_string() selected=move || organisation.get() == Some(id)>{o.name}</option> }
                            })
                            .collect_view()}
                    </select>
                    <FieldProblems outcome field="organisation_id" />
                </div>
                <TextField id="new-wecom-userid" label=lang.pick("企业微信 userid（可选）", "WeCom userid (optional)") value=wecom outcome field="wecom_userid" />
            </div>
            <button type="submit" class="primary" data-testid="user-create" disabled=move || outcome.busy.get()>{lang.pick("创建用户", "Create user")}</button>
        </form>
    }
}
