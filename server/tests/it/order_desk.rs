//! The partner's order desk (issue #14) through the real server functions, on SQLite and
//! PostgreSQL: 负责人 is picked among the organisation's partners.

use crate::contract_world::World;
use serde_json::{Value, json};

fn names(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|p| p["display_name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_owner_is_picked_among_the_organisations_partners() {
    let w = World::new().await;
    // Before the contract exists: the actor's organisation; a contract: its organisation.
    let new = w.ok("alice", "contracts/owner_choices", json!({"id": null})).await;
    assert_eq!(names(&new), ["alice", "amy"], "alice's partners, not bob of another organisation");
    let c = w.create("alice", &w.valid_draft()).await;
    assert_eq!(c["owner"]["id"], json!(w.alice), "the creator owns it until someone else is picked");
    let choices = w.ok("root", "contracts/owner_choices", json!({"id": c["id"]})).await;
    assert_eq!(names(&choices), ["alice", "amy"], "an admin picks among the contract's organisation");
    let res = w.call(Some("bob"), "contracts/owner_choices", json!({"id": c["id"]})).await;
    assert_eq!(res.status.as_u16(), 404, "{}", res.text());

    // Handing it to amy is a save; to bob (another organisation) is refused.
    let mut draft: app::domain::contract::ContractDraft = serde_json::from_value(c["draft"].clone()).unwrap();
    draft.owner = Some(w.amy);
    let saved = w.ok("alice", "contracts/save", json!({"id": c["id"], "version": c["version"], "draft": draft})).await;
    assert_eq!((saved["owner"]["id"].clone(), saved["owner"]["display_name"].clone()), (json!(w.amy), json!("amy")));
    draft.owner = Some(w.bob);
    let res = w
        .call(Some("alice"), "contracts/save", json!({"id": c["id"], "version": saved["version"], "draft": draft}))
        .await;
    assert_eq!(res.status.as_u16(), 422, "{}", res.text());
    assert_eq!(res.json()["problems"][0]["code"], "owner_not_in_organisation");
    w.done().await;
}

/// Approves a submitted contract at the three levels.
async fn approved(w: &World, c: Value) -> Value {
    let mut c = c;
    for who in ["ap1", "ap2", "ap3"] {
        c = w.ok(who, "contracts/approve", json!({"id": c["id"], "version": c["version"], "comment": ""})).await;
    }
    c
}

#[tokio::test]
async fn active_accounts_are_suggested_from_the_enterprises_approved_orders_covering_the_start() {
    let w = World::new().await;
    // Approved: 8 interop accounts for 2027. Still in approval: 100 more, not counted.
    let first = approved(&w, w.submitted().await).await;
    w.submitted().await;
    let ask = |user: &'static str, start: &'static str| {
        let w = &w;
        async move {
            w.ok(
                user,
                "contracts/active_accounts",
                json!({"corp_id": crate::contract_world::CORP, "start": start, "except": null}),
            )
            .await
        }
    };
    let s = ask("alice", "2027-06-01").await;
    assert_eq!((s["interop"]["count"].clone(), s["basic"]["count"].clone()), (json!(8), json!(0)));
    assert_eq!(s["interop"]["from"][0]["document_number"], first["document_number"], "with the order it came from");
    assert_eq!(ask("alice", "2027-12-31").await["interop"]["count"], 8, "the last day still counts");
    assert_eq!(ask("alice", "2028-01-01").await["interop"]["count"], 0, "expired by then");
    // Only what the asker may read: another organisation learns nothing of this enterprise.
    assert_eq!(ask("bob", "2027-06-01").await["interop"]["count"], 0);
    assert_eq!(ask("root", "2027-06-01").await["interop"]["count"], 8);
    // The contract being written does not count itself.
    let own = w
        .ok(
            "alice",
            "contracts/active_accounts",
            json!({"corp_id": crate::contract_world::CORP, "start": "2027-06-01", "except": first["id"]}),
        )
        .await;
    assert_eq!(own["interop"]["count"], 0);
    // A bad corp ID or date is named.
    let res = w
        .call(Some("alice"), "contracts/active_accounts", json!({"corp_id": "ww12", "start": "明天", "except": null}))
        .await;
    assert_eq!(res.status.as_u16(), 422, "{}", res.text());
    let body = res.json();
    let fields: Vec<&str> = body["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["corp_id", "service_start"]);
    w.done().await;
}

#[tokio::test]
async fn source_orders_are_searched_among_the_approved_and_fulfilled_contracts_one_may_read() {
    let w = World::new().await;
    let done = approved(&w, w.submitted().await).await;
    let pending = w.submitted().await;
    w.create("alice", &w.valid_draft()).await;
    let ids = |v: &Value| v.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect::<Vec<_>>();
    let all = w.ok("amy", "contracts/source_candidates", json!({"q": ""})).await;
    assert_eq!(ids(&all), [done["id"].as_i64().unwrap()], "neither the draft nor the one in approval");
    assert_eq!(all[0]["service_end"], "2027-12-31", "its lines' end");
    assert!(all[0]["status"].to_string().to_lowercase().contains("approved"), "{}", all[0]["status"]);
    let number = done["document_number"].as_str().unwrap();
    for q in [number, &number.to_lowercase(), crate::contract_world::CORP, "雪碧"] {
        assert_eq!(ids(&w.ok("alice", "contracts/source_candidates", json!({"q": q})).await).len(), 1, "{q}");
    }
    assert!(ids(&w.ok("alice", "contracts/source_candidates", json!({"q": "没有这个客户"})).await).is_empty());
    assert!(
        ids(&w.ok("bob", "contracts/source_candidates", json!({"q": ""})).await).is_empty(),
        "another organisation"
    );
    let res = w.call(Some("alice"), "contracts/source_candidates", json!({"q": "长".repeat(101)})).await;
    assert_eq!(res.status.as_u16(), 422, "{}", res.text());
    assert!(!ids(&all).contains(&pending["id"].as_i64().unwrap()));
    w.done().await;
}
