//! One userid of a job: the code chosen for it and what WeCom answered.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "wecom_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub job_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub userid: String,
    /// `basic` or `interop`.
    pub kind: String,
    /// `domain::wecom::AccountState::code`.
    pub state: String,
    pub active_code: Option<String>,
    /// WeCom's `errcode` when it refused (`domain::wecom::NO_CODE_LEFT` when no code was free).
    pub errcode: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub errmsg: Option<String>,
    pub active_time: Option<DateTimeUtc>,
    pub expire_time: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
