//! An order contract (企业微信接口合同): the form's fields, its status and its priced totals.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `QYWXHT-<n>`; `None` until the first submission.
    #[sea_orm(unique)]
    pub document_number: Option<String>,
    pub organisation_id: i64,
    pub owner_user_id: i64,
    pub created_by: i64,
    /// `ContractStatus::code()`.
    pub status: String,
    /// The pending level while `in_approval`.
    pub status_level: Option<i32>,
    /// Bumped by every change; a save or action from an older version is refused.
    pub version: i64,
    /// The approval round: each submission starts a new one.
    pub approval_round: i32,
    pub end_customer: String,
    pub corp_id: String,
    pub corp_name: String,
    pub crm_type: Option<String>,
    pub lease_url: String,
    pub payment_method: Option<String>,
    pub order_type: Option<String>,
    pub auto_activation: Option<bool>,
    pub userid_count_matches: Option<bool>,
    pub order_quantity_matches: Option<bool>,
    pub installed_app: String,
    pub api_expiry_date: Option<Date>,
    pub remark: String,
    /// `none`, `contract` or `external`.
    pub source_kind: String,
    pub source_contract_id: Option<i64>,
    pub source_order_number: Option<String>,
    pub source_service_end: Option<Date>,
    pub existing_basic: Option<i64>,
    pub existing_interop: Option<i64>,
    pub payment_voucher_id: Option<i64>,
    pub userid_sheet_id: Option<i64>,
    pub subtotal_fen: Option<i64>,
    pub tax_fen: Option<i64>,
    pub total_fen: Option<i64>,
    pub invoice: Option<bool>,
    pub price_book_version: Option<String>,
    pub flow_id: Option<i64>,
    pub wecom_order_id: Option<String>,
    pub activation_date: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::contract_line::Entity")]
    Lines,
}

impl Related<super::contract_line::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lines.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
