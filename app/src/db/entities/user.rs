//! A person who signs in: a partner, an approver or an admin.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    /// Lower-case; sign-in ignores case.
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    /// `partner`, `approver` or `admin` (see `models::Role`).
    pub role: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// Their WeCom userid, if on file: the group robot mentions them with it (`<@userid>`).
    pub wecom_userid: Option<String>,
    /// Set with a one-time temporary password (an admin made the account or reset it): every
    /// request but changing it is refused until the user chooses their own.
    pub must_change_password: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
