//! Who acts (角色 and the signed-in person): the policy's input, and a DTO that crosses the wire.
//! Here, in the domain, so the policy depends on nothing outside it; `models` re-exports both.

use serde::{Deserialize, Serialize};

/// What a signed-in person may do, broadly (角色). Fine-grained rules live in `domain::policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// 渠道伙伴: creates and submits contracts for their organisation.
    Partner,
    /// 审批人: approves contracts at the flow levels they are assigned to.
    Approver,
    /// 管理员: manages users, flows, price books; sees everything.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Partner, Role::Approver, Role::Admin];

    pub fn code(self) -> &'static str {
        match self {
            Role::Partner => "partner",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }

    pub fn from_code(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::Partner => "渠道伙伴",
            Role::Approver => "审批人",
            Role::Admin => "管理员",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Role::Partner => "partner",
            Role::Approver => "approver",
            Role::Admin => "administrator",
        }
    }
}

/// The person behind the current request's session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: i64,
    pub organisation_name: String,
    /// Signed in with a one-time temporary password: only changing it is allowed until they do.
    pub must_change_password: bool,
}
