//! Who may do what to a contract (PRODUCT.md §8), as one pure function shared by the client (to
//! hide what would be refused) and the server (the authority, which asks it in every server fn).
//!
//! Deny by default: no session, or a role/relationship not named below, is refused.
//!
//! - partner: read, edit, submit, withdraw, cancel (not after approval), upload/download
//!   attachments and create and revoke payment links on their own organisation's contracts;
//! - approver: read the contracts they are assigned to at any level once submitted; approve or
//!   reject only at the contract's current level, when that level is theirs;
//! - admin: everything a partner may do on every contract, plus cancel after approval, fulfil
//!   (开通) and administration. An admin does not approve in someone else's place: the trail must
//!   show the assigned approver's decision.
//!
//! Whether the contract's *status* allows the move (e.g. editing a pending contract) is the state
//! machine's answer ([`ContractStatus::apply`]), which says why in words, not a permission.

use crate::domain::actor::{Role, SessionUser};
use crate::domain::contract::ContractStatus;
use serde::{Deserialize, Serialize};

/// Something a person may want to do to a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    Read,
    Edit,
    Submit,
    Withdraw,
    Cancel,
    Approve,
    Reject,
    Fulfil,
    UploadAttachment,
    DownloadAttachment,
    CreatePaymentLink,
    /// Revoke a payment link of the contract (it then answers like an expired one).
    RevokePaymentLink,
    /// Users, organisations, price book, flows, settings.
    Admin,
}

impl Action {
    pub const ALL: [Action; 13] = [
        Action::Read,
        Action::Edit,
        Action::Submit,
        Action::Withdraw,
        Action::Cancel,
        Action::Approve,
        Action::Reject,
        Action::Fulfil,
        Action::UploadAttachment,
        Action::DownloadAttachment,
        Action::CreatePaymentLink,
        Action::RevokePaymentLink,
        Action::Admin,
    ];
}

/// What the policy needs to know about one contract.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractFacts {
    pub organisation_id: i64,
    pub owner_user_id: i64,
    pub status: ContractStatus,
    /// `(level, approver user id)` for each level of the contract's flow.
    pub approvers: Vec<(u32, i64)>,
    /// The highest level of its flow the contract has been put before, in any round: its level
    /// while in approval, every level once approved, else the highest level anyone decided at
    /// (0: never before anyone). An approver sees a contract only from their level's turn on.
    pub reached_level: u32,
}

impl ContractFacts {
    /// The approver of the pending level, while the contract is in approval.
    pub fn current_approver(&self) -> Option<i64> {
        let level = self.status.level()?;
        self.approvers.iter().find(|(l, _)| *l == level).map(|(_, u)| *u)
    }

    /// Whether `user` approves at some level of this contract.
    pub fn is_assigned(&self, user: i64) -> bool {
        self.approvers.iter().any(|(_, u)| *u == user)
    }

    /// Whether the contract has reached a level `user` approves at: it is, or was, before them.
    pub fn reached(&self, user: i64) -> bool {
        self.approvers.iter().any(|(l, u)| *u == user && *l <= self.reached_level)
    }
}

/// [`ContractFacts::reached_level`] from the contract's status, how many levels its flow has and
/// the highest level anyone decided at (0 for none), in any round.
pub fn reached_level(status: ContractStatus, levels: u32, highest_decided: u32) -> u32 {
    match status {
        ContractStatus::InApproval { level } => level.max(highest_decided),
        ContractStatus::Approved | ContractStatus::Fulfilled => levels.max(highest_decided),
        _ => highest_decided,
    }
}

/// Which contracts someone may read, as a rule a query can apply to every contract at once: the
/// contract list turns it into SQL (`db::contract_reads::visible`), [`allows`] applies it to one contract.
/// `server/tests/it/visibility.rs` checks, on generated contracts and actors, that both agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Nothing (no session).
    Nothing,
    /// Every contract (admin).
    Everything,
    /// The contracts of this organisation (a partner's own).
    Organisation(i64),
    /// Contracts that have reached a level this user approves at (see
    /// [`ContractFacts::reached_level`]): an approver does not see a contract before its turn.
    AssignedOnceReached(i64),
}

impl Visibility {
    /// Whether the contract described by `c` is visible.
    pub fn admits(self, c: &ContractFacts) -> bool {
        match self {
            Visibility::Nothing => false,
            Visibility::Everything => true,
            Visibility::Organisation(org) => c.organisation_id == org,
            // Approvers see what was put before them: not drafts that merely name them, nor a
            // contract still at an earlier level (the Odoo add-on's complaint: told too early).
            Visibility::AssignedOnceReached(user) => c.reached(user),
        }
    }
}

/// The contracts `actor` may read.
pub fn visibility(actor: Option<&SessionUser>) -> Visibility {
    match actor {
        None => Visibility::Nothing,
        Some(u) => match u.role {
            Role::Admin => Visibility::Everything,
            Role::Partner => Visibility::Organisation(u.organisation_id),
            Role::Approver => Visibility::AssignedOnceReached(u.id),
        },
    }
}

/// Whether `actor` may do `action` to the contract described by `c`.
pub fn allows(actor: Option<&SessionUser>, action: Action, c: &ContractFacts) -> bool {
    let Some(u) = actor else { return false };
    let own_org = u.role == Role::Partner && u.organisation_id == c.organisation_id;
    let admin = u.role == Role::Admin;
    let acts_now = u.role != Role::Partner && c.current_approver() == Some(u.id);
    match action {
        Action::Read | Action::DownloadAttachment => visibility(actor).admits(c),
        Action::Edit
        | Action::Submit
        | Action::Withdraw
        | Action::UploadAttachment
        | Action::CreatePaymentLink
        | Action::RevokePaymentLink => admin || own_org,
        // An approved contract is the business's commitment: only an admin may void it.
        Action::Cancel => admin || (own_org && c.status != ContractStatus::Approved),
        Action::Approve | Action::Reject => acts_now,
        Action::Fulfil | Action::Admin => admin,
    }
}

/// Whether `actor` may administer (no contract involved).
pub fn is_admin(actor: Option<&SessionUser>) -> bool {
    allows(actor, Action::Admin, &ContractFacts::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: i64 = 10;
    const OTHER_ORG: i64 = 20;
    const VENDOR_ORG: i64 = 30;

    fn user(id: i64, role: Role, org: i64) -> SessionUser {
        SessionUser {
            id,
            username: format!("u{id}"),
            display_name: format!("U{id}"),
            role,
            organisation_id: org,
            organisation_name: String::new(),
            must_change_password: false,
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Who {
        Anonymous,
        Owner,
        SameOrgPartner,
        OtherOrgPartner,
        UnassignedApprover,
        Level1Approver,
        Level2Approver,
        Admin,
    }

    const WHO: [Who; 8] = [
        Who::Anonymous,
        Who::Owner,
        Who::SameOrgPartner,
        Who::OtherOrgPartner,
        Who::UnassignedApprover,
        Who::Level1Approver,
        Who::Level2Approver,
        Who::Admin,
    ];

    fn actor(w: Who) -> Option<SessionUser> {
        Some(match w {
            Who::Anonymous => return None,
            Who::Owner => user(1, Role::Partner, ORG),
            Who::SameOrgPartner => user(2, Role::Partner, ORG),
            Who::OtherOrgPartner => user(3, Role::Partner, OTHER_ORG),
            Who::UnassignedApprover => user(4, Role::Approver, VENDOR_ORG),
            Who::Level1Approver => user(5, Role::Approver, VENDOR_ORG),
            Who::Level2Approver => user(6, Role::Approver, VENDOR_ORG),
            Who::Admin => user(7, Role::Admin, VENDOR_ORG),
        })
    }

    fn facts(status: ContractStatus) -> ContractFacts {
        ContractFacts {
            organisation_id: ORG,
            owner_user_id: 1,
            status,
            approvers: vec![(1, 5), (2, 6), (3, 7)],
            reached_level: reached_level(status, 3, 0),
        }
    }

    /// The expected answer, written out per role rather than derived from `allows`.
    fn expected(w: Who, a: Action, status: ContractStatus) -> bool {
        use Action as A;
        let partner = matches!(w, Who::Owner | Who::SameOrgPartner);
        match w {
            Who::Anonymous | Who::OtherOrgPartner | Who::UnassignedApprover => false,
            Who::Owner | Who::SameOrgPartner => match a {
                A::Read | A::Edit | A::Submit | A::Withdraw | A::UploadAttachment | A::DownloadAttachment => partner,
                A::CreatePaymentLink | A::RevokePaymentLink => true,
                A::Cancel => status != ContractStatus::Approved,
                A::Approve | A::Reject | A::Fulfil | A::Admin => false,
            },
            Who::Level1Approver | Who::Level2Approver => {
                let level = if w == Who::Level1Approver { 1 } else { 2 };
                // From their level's turn on (nobody decided in these contracts).
                let reached = match status {
                    ContractStatus::InApproval { level: at } => level <= at,
                    ContractStatus::Approved | ContractStatus::Fulfilled => true,
                    _ => false,
                };
                match a {
                    A::Read | A::DownloadAttachment => reached,
                    A::Approve | A::Reject => status == ContractStatus::InApproval { level },
                    _ => false,
                }
            }
            // The admin is also the level-3 approver here, so approving at level 3 is theirs.
            Who::Admin => match a {
                A::Approve | A::Reject => status == ContractStatus::InApproval { level: 3 },
                _ => true,
            },
        }
    }

    #[test]
    fn an_approver_sees_a_contract_from_their_turn_on_and_keeps_what_they_decided() {
        let l2 = actor(Who::Level2Approver);
        let sees = |status, decided| {
            allows(
                l2.as_ref(),
                Action::Read,
                &ContractFacts { reached_level: reached_level(status, 3, decided), ..facts(status) },
            )
        };
        assert!(!sees(ContractStatus::InApproval { level: 1 }, 0), "not at level 1");
        assert!(sees(ContractStatus::InApproval { level: 2 }, 1), "their turn");
        assert!(sees(ContractStatus::InApproval { level: 3 }, 2), "past it");
        assert!(!sees(ContractStatus::Rejected, 1), "rejected at level 1: never reached them");
        assert!(sees(ContractStatus::Rejected, 2), "they rejected it");
        assert!(sees(ContractStatus::InApproval { level: 1 }, 2), "round 2 of one they decided in round 1");
        assert!(!sees(ContractStatus::Withdrawn, 1), "withdrawn before their turn");
        assert!(sees(ContractStatus::Approved, 0));
    }

    #[test]
    fn every_role_and_action_in_every_status() {
        let statuses = [
            ContractStatus::Draft,
            ContractStatus::InApproval { level: 1 },
            ContractStatus::InApproval { level: 2 },
            ContractStatus::InApproval { level: 3 },
            ContractStatus::Approved,
            ContractStatus::Fulfilled,
            ContractStatus::Rejected,
            ContractStatus::Withdrawn,
            ContractStatus::Cancelled,
        ];
        for status in statuses {
            let c = facts(status);
            for w in WHO {
                for a in Action::ALL {
                    assert_eq!(
                        allows(actor(w).as_ref(), a, &c),
                        expected(w, a, status),
                        "{w:?} {a:?} on a {status:?} contract"
                    );
                }
            }
        }
    }

    #[test]
    fn a_partner_assigned_as_approver_still_cannot_approve() {
        let mut c = facts(ContractStatus::InApproval { level: 1 });
        c.approvers = vec![(1, 1)];
        assert!(!allows(actor(Who::Owner).as_ref(), Action::Approve, &c));
    }

    #[test]
    fn an_admin_not_assigned_cannot_approve_but_may_fulfil() {
        let mut c = facts(ContractStatus::InApproval { level: 1 });
        c.approvers = vec![(1, 5)];
        assert!(!allows(actor(Who::Admin).as_ref(), Action::Approve, &c));
        assert!(allows(actor(Who::Admin).as_ref(), Action::Fulfil, &facts(ContractStatus::Approved)));
        assert!(is_admin(actor(Who::Admin).as_ref()));
        assert!(!is_admin(actor(Who::Owner).as_ref()));
        assert!(!is_admin(None));
    }

    #[test]
    fn current_approver_follows_the_pending_level() {
        assert_eq!(facts(ContractStatus::InApproval { level: 2 }).current_approver(), Some(6));
        assert_eq!(facts(ContractStatus::Approved).current_approver(), None);
    }
}
