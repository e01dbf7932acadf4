//! Demo data, loaded only when asked (`server serve --demo` or `WLD_DEMO=1`). Idempotent: every
//! record is looked up by its natural key first, so a second run adds nothing.
//!
//! Contracts are made through the same functions the server functions and routes use: each gets
//! a payment voucher uploaded (a small PDF, stored in the blob store) before it is submitted.

use crate::attachments::{FileBody, ReceivedFile, Uploader, accept_upload};
use crate::storage::Store;
use app::db::entities::{contract, user};
use app::domain::attachment::AttachmentKind;
use app::domain::contract::{ApprovalChoice, ContractDraft, CrmManagementType, DraftLine, PaymentMethod};
use app::domain::policy::Action;
use app::domain::{AccountKind, OrderType};
use app::error::AppError;
use app::models::{Role, SessionUser};
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
    // A colleague at the same partner: 负责人 can be handed over.
    DemoAccount {
        username: "partner.a2",
        display_name: "甲渠道 · 陈专员",
        role: Role::Partner,
        organisation: PARTNER_A_ORG,
        password: PARTNER_PASSWORD,
    },
];

/// What a demo load did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub accounts_created: usize,
    pub contracts_created: usize,
}

/// Where a demo contract is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoState {
    Draft,
    /// Approved at level 1, waiting for level 2.
    AtLevel2,
    Approved,
    Rejected,
    /// Approved and fulfilled (开通), its API access expiring in [`FULFILLED_EXPIRES_IN_DAYS`]:
    /// the renewals page has something to show.
    Fulfilled,
}

/// How many days after the demo is loaded the fulfilled demo contract's API access expires.
pub const FULFILLED_EXPIRES_IN_DAYS: u64 = 20;

/// The demo contracts: (owner, end customer — the natural key —, corp ID, quantity, state).
pub const CONTRACTS: &[(&str, &str, &str, u32, DemoState)] = &[
    ("partner.a", "演示·星河零售有限公司", "ww69c04360d53da8b1", 8, DemoState::Draft),
    ("partner.a", "演示·远山教育科技", "ww69c04360d53da8b2", 120, DemoState::AtLevel2),
    ("partner.a", "演示·青禾医疗集团", "ww69c04360d53da8b3", 600, DemoState::Approved),
    ("partner.a", "演示·东岸物流", "ww69c04360d53da8b4", 30, DemoState::Rejected),
    ("partner.b", "演示·北辰制造", "ww69c04360d53da8b5", 50, DemoState::AtLevel2),
    ("partner.a", "演示·南湖连锁酒店", "ww69c04360d53da8b6", 40, DemoState::Fulfilled),
];

/// The demo payment voucher: a one-page PDF.
pub const VOUCHER_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n";

/// The demo's payment instructions (PRODUCT.md §7): the seed's bank account and a stand-in
/// WeChat code, unless an admin set them.
async fn payment_settings(db: &DatabaseConnection) -> Result<(), AppError> {
    use app::db::attachments::payment_settings as k;
    use app::domain::seller::BANK_TRANSFER as bank;
    // A stand-in for the real code: a frame and a label, inline (the CSP allows `data:` images).
    let qr = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 120 120'><rect width='120' height='120' fill='white'/>\
              <rect x='8' y='8' width='104' height='104' fill='none' stroke='black' stroke-width='6'/>\
              <text x='60' y='66' font-size='14' text-anchor='middle'>演示收款码</text></svg>";
    let values = [
        (k::WECHAT_QR, format!("data:image/svg+xml,{}", app::i18n::encode_query_value(qr))),
        (k::BANK_ACCOUNT_NAME, bank.account_name.to_owned()),
        (k::BANK_ACCOUNT_NUMBER, bank.account_number.to_owned()),
        (k::BANK_NAME, bank.bank.to_owned()),
        (k::BANK_CODE, bank.bank_code.to_owned()),
    ];
    for (key, value) in values {
        app::db::settings::set_if_absent(db, key, &value).await?;
    }
    Ok(())
}

/// Loads the demo data, with attachment bytes in `store`; safe to run on every start.
pub async fn load(db: &DatabaseConnection, store: &Store) -> Result<DemoReport, AppError> {
    let mut report = DemoReport::default();
    for a in ACCOUNTS {
        if user::Entity::find().filter(user::Column::Username.eq(a.username)).one(db).await?.is_some() {
            continue;
        }
        let org = app::db::accounts::ensure_organisation(db, a.organisation).await?;
        app::services::accounts::create_user(db, org, a.username, a.display_name, a.role, a.password).await?;
        report.accounts_created += 1;
    }
    payment_settings(db).await?;
    let flow = app::db::flows::default_flow(db).await?;
    let approvers = [id_of(db, "approver1").await?, id_of(db, "approver2").await?, id_of(db, "approver3").await?];
    for (i, a) in approvers.iter().enumerate() {
        let level = u32::try_from(i + 1).unwrap_or(u32::MAX);
        app::db::flows::set_level(db, flow.id, level, *a, &[*a]).await?;
    }
    for &(owner, customer, corp, quantity, state) in CONTRACTS {
        if contract::Entity::find().filter(contract::Column::EndCustomer.eq(customer)).one(db).await?.is_some() {
            continue;
        }
        let partner = actor(db, owner).await?;
        let mut draft = demo_draft(&partner, customer, corp, quantity, flow.id);
        let id = app::services::contracts::create(db, &partner, draft.clone()).await?;
        report.contracts_created += 1;
        let row = load_row(db, id).await?;
        let voucher = ReceivedFile {
            kind: None,
            file_name: "付款凭证（演示）.pdf".into(),
            body: FileBody::Memory(bytes::Bytes::from_static(VOUCHER_PDF)),
        };
        let recorded = accept_upload(db, store, &row, AttachmentKind::Voucher, voucher, Uploader::User(partner.id))
            .await
            .map_err(|e| e.parts().1)?;
        draft.payment_voucher = Some(recorded.row.id);
        if state == DemoState::Draft {
            continue;
        }
        if matches!(state, DemoState::Approved | DemoState::Fulfilled) {
            // Its userid sheet: one interop userid per account, so its renewal starts from them
            // and ordering it through WeCom's API activates each.
            let prefix = if state == DemoState::Fulfilled { "nanhu" } else { "qinghe" };
            let corp_id = app::domain::CorpId::parse("", corp).map_err(|p| AppError::internal("demo corp", p.en))?;
            let rows: Vec<_> = (1..=quantity)
                .map(|n| {
                    app::domain::UserId::parse("", &format!("{prefix}{n:03}")).map(|u| (u, Some(AccountKind::Interop)))
                })
                .collect::<Result<_, _>>()
                .map_err(|p| AppError::internal("demo userid", p.en))?;
            let xlsx = app::domain::sheet::userid_sheet_xlsx(&corp_id, &rows)
                .map_err(|e| AppError::internal("demo sheet", e))?;
            let sheet = ReceivedFile {
                kind: None,
                file_name: "企业ID及userid（演示）.xlsx".into(),
                body: FileBody::Memory(bytes::Bytes::from(xlsx)),
            };
            let row = load_row(db, id).await?;
            let recorded =
                accept_upload(db, store, &row, AttachmentKind::UseridSheet, sheet, Uploader::User(partner.id))
                    .await
                    .map_err(|e| e.parts().1)?;
            draft.userid_sheet = Some(recorded.row.id);
        }
        app::services::contracts::submit(db, &partner, id, version(db, id).await?, draft).await?;
        // (level index, approve?, comment or reason)
        let steps: Vec<(usize, bool, &str)> = match state {
            DemoState::Draft => vec![],
            DemoState::AtLevel2 => vec![(0, true, "")],
            DemoState::Approved | DemoState::Fulfilled => {
                vec![(0, true, "数量与截图一致"), (1, true, ""), (2, true, "同意")]
            }
            DemoState::Rejected => vec![(0, false, "付款凭证金额与合同金额不符，请核对后重新提交")],
        };
        for (level, approve, text) in steps {
            use app::services::approvals;
            let approver = actor(db, ACCOUNTS[3 + level].username).await?;
            let v = version(db, id).await?;
            let action = if approve { Action::Approve } else { Action::Reject };
            approvals::decide(db, &approver, id, v, action, text.to_owned()).await?;
        }
        if state == DemoState::Fulfilled {
            let today = app::domain::calendar::china_date(chrono::Utc::now());
            let expiry = today.checked_add_days(chrono::Days::new(FULFILLED_EXPIRES_IN_DAYS)).unwrap_or(today);
            let activated = today.checked_sub_days(chrono::Days::new(300)).unwrap_or(today);
            let admin = actor(db, ACCOUNTS[0].username).await?;
            let v = version(db, id).await?;
            let (a, e) = (activated.to_string(), expiry.to_string());
            app::services::approvals::fulfil(db, &admin, id, v, "WX-DEMO-0001".into(), a, e).await?;
        }
    }
    Ok(report)
}

async fn id_of(db: &DatabaseConnection, username: &str) -> Result<i64, AppError> {
    let u = user::Entity::find().filter(user::Column::Username.eq(username)).one(db).await?;
    u.map(|u| u.id).ok_or_else(|| AppError::not_found("演示账号", "Demo account"))
}

async fn actor(db: &DatabaseConnection, username: &str) -> Result<SessionUser, AppError> {
    let id = id_of(db, username).await?;
    app::db::accounts::session_user_by_id(db, id).await?.ok_or_else(|| AppError::not_found("演示账号", "Demo account"))
}

async fn load_row(db: &DatabaseConnection, id: i64) -> Result<contract::Model, AppError> {
    let l = app::db::contracts::load(db, id).await?.ok_or_else(|| AppError::not_found("合同", "Contract"))?;
    Ok(l.row)
}

async fn version(db: &DatabaseConnection, id: i64) -> Result<i64, AppError> {
    Ok(load_row(db, id).await?.version)
}

/// A complete order for a new customer: interop accounts for the next calendar year.
fn demo_draft(owner: &SessionUser, customer: &str, corp: &str, quantity: u32, flow_id: i64) -> ContractDraft {
    let next_year = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    ContractDraft {
        end_customer: customer.into(),
        owner: Some(owner.id),
        corp_id: corp.into(),
        corp_name: customer.trim_start_matches("演示·").into(),
        crm_type: Some(CrmManagementType::OnPremise),
        payment_method: Some(PaymentMethod::BankTransfer),
        order_type: Some(OrderType::New),
        auto_activation: Some(true),
        userid_count_matches: Some(true),
        order_quantity_matches: Some(true),
        installed_app: "灵当CRM".into(),
        remark: "首次购买（演示数据）".into(),
        lines: vec![DraftLine {
            kind: Some(AccountKind::Interop),
            quantity: quantity.to_string(),
            service_start: format!("{next_year}-01-01"),
            service_end: format!("{next_year}-12-31"),
            invoice: Some(false),
            ..DraftLine::default()
        }],
        approval: ApprovalChoice { flow_id: Some(flow_id), approvers: vec![] },
        ..ContractDraft::default()
    }
}

/// The demo sign-ins, printed at start-up.
pub fn sign_in_table() -> String {
    let mut out = String::from("演示账号 / Demo sign-ins:\n");
    for a in ACCOUNTS {
        out.push_str(&format!(
            "  {:<10} {:<18} {} ({} · {})\n",
            a.username,
            a.password,
            a.role.zh(),
            a.display_name,
            a.organisation
        ));
    }
    out
}
