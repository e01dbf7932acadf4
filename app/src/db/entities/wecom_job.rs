//! A contract's fulfilment through WeCom's license API: where the job stands, the order it placed
//! and what WeCom said (`domain::wecom`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "wecom_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub contract_id: i64,
    /// `domain::wecom::JobState::code`.
    pub state: String,
    /// `domain::wecom::Plan` as JSON.
    #[sea_orm(column_type = "Text")]
    pub plan: String,
    pub polls: i32,
    /// Written before the order call; with no `order_id`, a crash may have ordered already.
    pub order_intent_at: Option<DateTimeUtc>,
    pub renew_jobid: Option<String>,
    /// 企业微信订单号.
    pub order_id: Option<String>,
    /// WeCom's `order_status` as last read.
    pub order_status: Option<i32>,
    /// WeCom's price of the order, in fen.
    pub wecom_price_fen: Option<i64>,
    /// Our price of the same accounts (the contract's subtotal before tax), in fen.
    pub our_price_fen: Option<i64>,
    pub paid_at: Option<DateTimeUtc>,
    /// Why the job stopped: WeCom's `errcode` (or none for our own reasons) and the message.
    pub error_code: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error_message: Option<String>,
    pub started_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
