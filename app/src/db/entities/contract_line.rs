//! One product line of a contract (产品管理 row), with its price in fen once priced.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    /// 0-based order on the form.
    pub position: i32,
    /// `basic` or `interop`.
    pub kind: Option<String>,
    pub quantity: Option<i64>,
    pub service_start: Option<Date>,
    pub service_end: Option<Date>,
    pub months: Option<i32>,
    pub invoice: Option<bool>,
    /// 报价金额, 税, 价格合计: as the server priced them.
    pub amount_fen: Option<i64>,
    pub tax_fen: Option<i64>,
    pub total_fen: Option<i64>,
    /// 面议金额, entered by the partner for accounts in the negotiated tier.
    pub negotiated_amount_fen: Option<i64>,
    pub description: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::contract::Entity", from = "Column::ContractId", to = "super::contract::Column::Id")]
    Contract,
}

impl Related<super::contract::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contract.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
