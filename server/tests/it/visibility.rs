//! The access rule in one place: the contract list's SQL (`db::contract_reads::visible`, from the
//! policy's `Visibility`) and `policy::allows(Read)` agree on generated contracts and actors, on
//! SQLite and (with `TEST_DATABASE_URL`) PostgreSQL; so do the list's count, sum and owner choices,
//! which for an approver come from the tallies the triggers keep (`approver_tallies`).

use crate::support;

use app::db::entities::{approval_step, contract, contract_approver};
use app::domain::contract::ContractStatus;
use app::domain::policy::{Action, ContractFacts, allows, reached_level};
use app::models::{ContractFilter, Role, SessionUser};
use proptest::prelude::*;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use std::collections::BTreeSet;
use support::{TestDb, make_user};

const STATUSES: [ContractStatus; 9] = [
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

/// A generated contract: its organisation (index), status (index), per level the approver (index
/// into the approving users: approvers, the admin, or a partner named as approver), and the
/// highest level someone decided at (0: none).
type Spec = (usize, usize, Vec<Option<usize>>, u32);

struct World {
    db: DatabaseConnection,
    orgs: Vec<i64>,
    actors: Vec<SessionUser>,
    /// Users who may be named as approvers (approvers, the admin, and one partner).
    approving: Vec<i64>,
}

async fn world(t: &TestDb) -> World {
    let db = t.open().await;
    let mut ids = Vec::new();
    for (org, name, role) in [
        ("甲", "pa1", Role::Partner),
        ("甲", "pa2", Role::Partner),
        ("乙", "pb1", Role::Partner),
        ("丙", "pc1", Role::Partner),
        ("厂商", "ap1", Role::Approver),
        ("厂商", "ap2", Role::Approver),
        ("厂商", "ap3", Role::Approver),
        ("厂商", "boss", Role::Admin),
    ] {
        ids.push(make_user(&db, org, name, role).await);
    }
    let mut actors = Vec::new();
    for id in &ids {
        actors.push(app::db::accounts::session_user_by_id(&db, *id).await.unwrap().expect("active user"));
    }
    let mut orgs: Vec<i64> = actors.iter().map(|a| a.organisation_id).collect();
    orgs.dedup();
    let approving = vec![ids[4], ids[5], ids[6], ids[7], ids[0]];
    World { db, orgs, actors, approving }
}

/// A generated contract as stored: its id, policy facts and total in fen (`None`: unpriced).
type Made = (i64, ContractFacts, Option<i64>);

/// Replaces every contract with the generated ones; returns each one's policy facts by id. Each is
/// inserted as a draft and moved to its status after its approvers and decision are stored, as
/// the app does, so the triggers see inserts, updates and (of the previous case's) deletes.
async fn populate(w: &World, specs: &[Spec]) -> Vec<Made> {
    approval_step::Entity::delete_many().exec(&w.db).await.unwrap();
    contract_approver::Entity::delete_many().exec(&w.db).await.unwrap();
    contract::Entity::delete_many().exec(&w.db).await.unwrap();
    let now = chrono::Utc::now();
    let mut out = Vec::new();
    for (i, (org, status, levels, decided)) in specs.iter().enumerate() {
        let org = w.orgs[org % w.orgs.len()];
        let owner = w.actors.iter().find(|a| a.organisation_id == org).map_or(w.actors[0].id, |a| a.id);
        let status = STATUSES[status % STATUSES.len()];
        let mut row = support::contract_row(org, owner, ContractStatus::Draft);
        let total = (i % 4 != 3).then_some(i as i64 * 1_000 + 7);
        row.total_fen = Set(total);
        row.approval_round = Set(1);
        row.end_customer = Set(format!("客户{i}"));
        row.created_at = Set(now);
        row.updated_at = Set(now + chrono::Duration::microseconds(i as i64));
        let row = row.insert(&w.db).await.unwrap();
        let mut approvers = Vec::new();
        for (level, who) in levels.iter().enumerate() {
            let Some(who) = who else { continue };
            let user = w.approving[who % w.approving.len()];
            let level = level as u32 + 1;
            contract_approver::ActiveModel {
                contract_id: Set(row.id),
                level: Set(level as i32),
                approver_user_id: Set(user),
                level_name: Set(None),
            }
            .insert(&w.db)
            .await
            .unwrap();
            approvers.push((level, user));
        }
        if *decided > 0 {
            approval_step::ActiveModel {
                contract_id: Set(row.id),
                round: Set(1),
                level: Set(*decided as i32),
                approver_user_id: Set(w.approving[0]),
                decision: Set("approve".into()),
                comment: Set(String::new()),
                decided_at: Set(now),
                ..Default::default()
            }
            .insert(&w.db)
            .await
            .unwrap();
        }
        if status != ContractStatus::Draft {
            contract::ActiveModel {
                id: Set(row.id),
                status: Set(status.code().to_owned()),
                status_level: Set(status.level().map(|l| l as i32)),
                ..Default::default()
            }
            .update(&w.db)
            .await
            .unwrap();
        }
        let levels = approvers.iter().map(|(l, _)| *l).max().unwrap_or(0);
        let reached_level = reached_level(status, levels, *decided);
        out.push((
            row.id,
            ContractFacts { organisation_id: org, owner_user_id: owner, status, approvers, reached_level },
            total,
        ));
    }
    out
}

/// Every id the list shows the actor, page by page.
async fn listed(db: &DatabaseConnection, actor: &SessionUser) -> BTreeSet<i64> {
    let mut seen = BTreeSet::new();
    let mut cursor = None;
    loop {
        let filter = ContractFilter { limit: Some(7), cursor: cursor.clone(), ..ContractFilter::default() };
        let page = app::services::contracts::list(db, actor, &filter).await.expect("list");
        for item in &page.items {
            assert!(seen.insert(item.id), "contract {} listed twice", item.id);
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return seen,
        }
    }
}

/// Each actor's list holds exactly the contracts the policy lets them read; its count, sum and owner
/// choices are those contracts'.
async fn check(w: &World, contracts: &[Made], when: &str) {
    for actor in &w.actors {
        let readable: Vec<&Made> =
            contracts.iter().filter(|(_, facts, _)| allows(Some(actor), Action::Read, facts)).collect();
        let expected: BTreeSet<i64> = readable.iter().map(|(id, _, _)| *id).collect();
        let who = format!("{} ({:?}) {when}", actor.username, actor.role);
        assert_eq!(listed(&w.db, actor).await, expected, "{who}");
        let page = app::services::contracts::list(&w.db, actor, &ContractFilter::default()).await.expect("list");
        assert_eq!(page.count, expected.len() as u64, "{who}: count");
        let sum: i64 = readable.iter().filter_map(|(_, _, total)| *total).sum();
        assert_eq!(page.sum, app::domain::Money::from_fen(sum), "{who}: sum");
        let owners: BTreeSet<i64> = readable.iter().map(|(_, facts, _)| facts.owner_user_id).collect();
        let choices = app::services::contract_list::choices(&w.db, actor).await.expect("choices");
        assert_eq!(choices.owners.iter().map(|p| p.id).collect::<BTreeSet<i64>>(), owners, "{who}: owners offered");
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    (0..3usize, 0..9usize, proptest::collection::vec(proptest::option::of(0..5usize), 0..4), 0..4u32)
}

#[test]
fn the_list_shows_exactly_what_the_policy_lets_each_actor_read() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(TestDb::new());
    let w = rt.block_on(world(&t));
    let config = ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(specs in proptest::collection::vec(spec(), 0..30))| {
        rt.block_on(async {
            let mut contracts = populate(&w, &specs).await;
            check(&w, &contracts, "as generated").await;
            // Every decision withdrawn: what approvers saw only through one is gone from their
            // lists and their tallies.
            approval_step::Entity::delete_many().exec(&w.db).await.unwrap();
            for (_, facts, _) in &mut contracts {
                let levels = facts.approvers.iter().map(|(l, _)| *l).max().unwrap_or(0);
                facts.reached_level = reached_level(facts.status, levels, 0);
            }
            check(&w, &contracts, "without decisions").await;
        });
    });
    rt.block_on(t.cleanup(w.db));
}
