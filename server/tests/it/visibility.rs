//! The access rule in one place: the contract list's SQL (`db::contract_reads::visible`, from the
//! policy's `Visibility`) and `policy::allows(Read)` agree on generated contracts and actors, on
//! SQLite and (with `TEST_DATABASE_URL`) PostgreSQL; so do the list's count, sum and owner choices,
//! which for an approver come from the tallies the triggers keep (`approver_tallies`); and so do a
//! list's order and totals narrowed by a date span or sorted by date or document number, which for
//! an approver walk the reach rows' copies of the contract's keys (`approver_reach`).

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

/// A generated contract as stored.
struct Made {
    id: i64,
    facts: ContractFacts,
    /// Fen; `None`: unpriced.
    total: Option<i64>,
    created: chrono::DateTime<chrono::Utc>,
    updated: chrono::DateTime<chrono::Utc>,
    /// The number of its document number (`list::UNNUMBERED`, 0, without one).
    number: i64,
}

/// Replaces every contract with the generated ones; returns each one's policy facts by id. Each is
/// inserted as a draft and moved to its status after its approvers and decision are stored, as
/// the app does, so the triggers see inserts, updates and (of the previous case's) deletes; then
/// the submitted ones get a document number and some a later change, as a save gives them.
async fn populate(w: &World, specs: &[Spec]) -> Vec<Made> {
    approval_step::Entity::delete_many().exec(&w.db).await.unwrap();
    contract_approver::Entity::delete_many().exec(&w.db).await.unwrap();
    contract::Entity::delete_many().exec(&w.db).await.unwrap();
    // Whole microseconds: what both databases keep.
    let now = chrono::DateTime::from_timestamp_micros(chrono::Utc::now().timestamp_micros()).unwrap();
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
        // Spread over four days in China, most recent first (and by id within a day).
        let created = now - chrono::Duration::days((i % 4) as i64) - chrono::Duration::microseconds(i as i64);
        let mut updated = created + chrono::Duration::microseconds(7 * i as i64);
        row.created_at = Set(created);
        row.updated_at = Set(updated);
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
        // Numbered in the reverse order of creation; every third changed again later.
        let number = if status == ContractStatus::Draft { 0 } else { 500 - i as i64 };
        if number > 0 || i % 3 == 0 {
            if i % 3 == 0 {
                updated = now + chrono::Duration::hours(i as i64);
            }
            contract::ActiveModel {
                id: Set(row.id),
                document_number: Set((number > 0).then(|| format!("QYWXHT-{number}"))),
                updated_at: Set(updated),
                ..Default::default()
            }
            .update(&w.db)
            .await
            .unwrap();
        }
        let levels = approvers.iter().map(|(l, _)| *l).max().unwrap_or(0);
        let reached_level = reached_level(status, levels, *decided);
        out.push(Made {
            id: row.id,
            facts: ContractFacts { organisation_id: org, owner_user_id: owner, status, approvers, reached_level },
            total,
            created,
            updated,
            number,
        });
    }
    out
}

/// Every id the list shows the actor for `filter`, page by page, in its order.
async fn listed(db: &DatabaseConnection, actor: &SessionUser, filter: &ContractFilter) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let filter = ContractFilter { limit: Some(7), cursor: cursor.clone(), ..filter.clone() };
        let page = app::services::contracts::list(db, actor, &filter).await.expect("list");
        for item in &page.items {
            assert!(!seen.contains(&item.id), "contract {} listed twice", item.id);
            seen.push(item.id);
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return seen,
        }
    }
}

/// A day in China, as the list's date filters take it.
fn china_day(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    (t + chrono::Duration::hours(8)).date_naive()
}

/// Each actor's list holds exactly the contracts the policy lets them read; its count, sum and owner
/// choices are those contracts'. Narrowed by a day of creation or of the last change, or sorted by
/// date or document number, it holds those of them in that order, with their count and sum.
async fn check(w: &World, contracts: &[Made], when: &str) {
    let now = chrono::Utc::now();
    for actor in &w.actors {
        let readable: Vec<&Made> = contracts.iter().filter(|m| allows(Some(actor), Action::Read, &m.facts)).collect();
        let expected: BTreeSet<i64> = readable.iter().map(|m| m.id).collect();
        let who = format!("{} ({:?}) {when}", actor.username, actor.role);
        let all = listed(&w.db, actor, &ContractFilter::default()).await;
        assert_eq!(all.iter().copied().collect::<BTreeSet<i64>>(), expected, "{who}");
        let page = app::services::contracts::list(&w.db, actor, &ContractFilter::default()).await.expect("list");
        assert_eq!(page.count, expected.len() as u64, "{who}: count");
        let sum: i64 = readable.iter().filter_map(|m| m.total).sum();
        assert_eq!(page.sum, app::domain::Money::from_fen(sum), "{who}: sum");
        let owners: BTreeSet<i64> = readable.iter().map(|m| m.facts.owner_user_id).collect();
        let choices = app::services::contract_list::choices(&w.db, actor).await.expect("choices");
        assert_eq!(choices.owners.iter().map(|p| p.id).collect::<BTreeSet<i64>>(), owners, "{who}: owners offered");

        let yesterday = china_day(now - chrono::Duration::days(1)).to_string();
        let today = china_day(now).to_string();
        type Key = fn(&Made) -> (i64, i64);
        let cases: [(&str, ContractFilter, Box<dyn Fn(&Made) -> bool>, Key, bool); 4] = [
            (
                "by number",
                ContractFilter { sort: Some("number_asc".into()), ..Default::default() },
                Box::new(|_| true),
                |m| (m.number, m.id),
                false,
            ),
            (
                "created yesterday",
                ContractFilter {
                    created_from: Some(yesterday.clone()),
                    created_to: Some(yesterday.clone()),
                    sort: Some("created_desc".into()),
                    ..Default::default()
                },
                Box::new(|m| china_day(m.created).to_string() == yesterday),
                |m| (m.created.timestamp_micros(), m.id),
                true,
            ),
            (
                "changed from today",
                ContractFilter {
                    updated_from: Some(today.clone()),
                    sort: Some("updated_asc".into()),
                    ..Default::default()
                },
                Box::new(|m| china_day(m.updated).to_string() >= today),
                |m| (m.updated.timestamp_micros(), m.id),
                false,
            ),
            (
                "created yesterday, newest change first",
                ContractFilter {
                    created_from: Some(yesterday.clone()),
                    created_to: Some(yesterday.clone()),
                    ..Default::default()
                },
                Box::new(|m| china_day(m.created).to_string() == yesterday),
                |m| (m.updated.timestamp_micros(), m.id),
                true,
            ),
        ];
        for (name, filter, admits, key, descending) in cases {
            let mut rows: Vec<&Made> = readable.iter().copied().filter(|m| admits(m)).collect();
            rows.sort_by_key(|m| key(m));
            if descending {
                rows.reverse();
            }
            let order: Vec<i64> = rows.iter().map(|m| m.id).collect();
            assert_eq!(listed(&w.db, actor, &filter).await, order, "{who}: {name}");
            let page = app::services::contracts::list(&w.db, actor, &filter).await.expect("list");
            assert_eq!(page.count, order.len() as u64, "{who}: {name}: count");
            let sum: i64 = rows.iter().filter_map(|m| m.total).sum();
            assert_eq!(page.sum, app::domain::Money::from_fen(sum), "{who}: {name}: sum");
        }
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
            for m in &mut contracts {
                let levels = m.facts.approvers.iter().map(|(l, _)| *l).max().unwrap_or(0);
                m.facts.reached_level = reached_level(m.facts.status, levels, 0);
            }
            check(&w, &contracts, "without decisions").await;
        });
    });
    rt.block_on(t.cleanup(w.db));
}
