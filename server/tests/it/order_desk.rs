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
