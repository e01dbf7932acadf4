//! Demo data, loaded only when asked (`server serve --demo` or `WLD_DEMO=1`). Idempotent: every
//! record is looked up by its natural key first, so a second run adds nothing.

use app::db::entities::user;
use app::error::AppError;
use app::models::Role;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// The operator's organisation (admin and approvers).
pub const OPERATOR_ORG: &str = "演示运营中心";
/// The two partner organisations.
pub const PARTNER_A_ORG: &str = "甲渠道科技有限公司";
pub const PARTNER_B_ORG: &str = "乙渠道信息技术有限公司";

pub const ADMIN_PASSWORD: &str = "demo-admin-2026";
pub const PARTNER_PASSWORD: &str = "demo-partner-2026";
pub const APPROVER_PASSWORD: &str = "demo-approver-2026";

/// One demo account: username, display name, role, organisation, password.
pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub organisation: &'static str,
    pub password: &'static str,
}

pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "admin",
        display_name: "演示管理员",
        role: Role::Admin,
        organisation: OPERATOR_ORG,
        password: ADMIN_PASSWORD,
    },
    DemoAccount {
        username: "partner.a",
        display_name: "甲渠道 · 王经理",
        role: Role::Partner,
        organisation: PARTNER_A_ORG,
        password: PARTNER_PASSWORD,
    },
    DemoAccount {
        username: "partner.b",
        display_name: "乙渠道 · 李经理",
        role: Role::Partner,
        organisation: PARTNER_B_ORG,
        password: PARTNER_PASSWORD,
    },
    DemoAccount {
        username: "approver1",
        display_name: "一级审批 · 赵",
        role: Role::Approver,
        organisation: OPERATOR_ORG,
        password: APPROVER_PASSWORD,
    },
    DemoAccount {
        username: "approver2",
        display_name: "二级审批 · 钱",
        role: Role::Approver,
        organisation: OPERATOR_ORG,
        password: APPROVER_PASSWORD,
    },
    DemoAccount {
        username: "approver3",
        display_name: "三级审批 · 孙",
        role: Role::Approver,
        organisation: OPERATOR_ORG,
        password: APPROVER_PASSWORD,
    },
];

/// What a demo load did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub accounts_created: usize,
}

/// Loads the demo data; safe to run on every start.
pub async fn load(db: &DatabaseConnection) -> Result<DemoReport, AppError> {
    let mut report = DemoReport::default();
    for a in ACCOUNTS {
        if user::Entity::find().filter(user::Column::Username.eq(a.username)).one(db).await?.is_some() {
            continue;
        }
        let org = app::db::accounts::ensure_organisation(db, a.organisation).await?;
        app::db::accounts::create_user(db, org, a.username, a.display_name, a.role, a.password).await?;
        report.accounts_created += 1;
    }
    Ok(report)
}

/// The demo sign-ins, printed at start-up.
pub fn sign_in_table() -> String {
    let mut out = String::from("演示账号 / Demo sign-ins:\n");
    for a in ACCOUNTS {
        out.push_str(&format!(
            "  {:<10} {:<18} {} ({} · {})\n",
            a.username,
            a.password,
            a.role.label_zh(),
            a.display_name,
            a.organisation
        ));
    }
    out
}
