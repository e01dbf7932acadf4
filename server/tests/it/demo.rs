//! Demo data: loaded on request, idempotent, and its sign-ins work.

use crate::support;

use sea_orm::{EntityTrait, PaginatorTrait};
use support::{TestDb, post_form, session_cookie};

#[tokio::test]
async fn demo_load_is_idempotent_and_accounts_sign_in() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let store = t.store();
    let first = server::demo::load(&db, &store).await.expect("demo load");
    assert_eq!(first.accounts_created, server::demo::ACCOUNTS.len());
    assert_eq!(first.contracts_created, server::demo::CONTRACTS.len());
    let users = app::db::entities::user::Entity::find().count(&db).await.unwrap();
    let orgs = app::db::entities::organisation::Entity::find().count(&db).await.unwrap();
    assert_eq!((users, orgs), (7, 3), "admin, three partners (two at 甲渠道), three approvers");

    let second = server::demo::load(&db, &store).await.expect("second demo load");
    assert_eq!(second, server::demo::DemoReport::default());
    assert_eq!(app::db::entities::user::Entity::find().count(&db).await.unwrap(), users);

    for (name, pw) in
        [("admin", "demo-admin-2026"), ("partner.a", "demo-partner-2026"), ("approver2", "demo-approver-2026")]
    {
        let res = post_form(&app, "/api/auth/sign_in", &[("username", name), ("password", pw)], None).await;
        assert_eq!(res.status, 200, "{name}: {}", res.text());
        assert!(session_cookie(&res).is_some());
    }
    let a = app::services::accounts::authenticate(&db, "partner.a", "demo-partner-2026", "t").await.unwrap();
    let b = app::services::accounts::authenticate(&db, "partner.b", "demo-partner-2026", "t").await.unwrap();
    assert_ne!(a.organisation_id, b.organisation_id, "the partners are in different organisations");
    assert!(server::demo::sign_in_table().contains("partner.b"));

    // The contracts ended where the demo says, priced by the engine, numbered on submission.
    use app::domain::contract::ContractStatus;
    use sea_orm::{ColumnTrait, QueryFilter};
    assert_eq!(
        app::db::entities::contract::Entity::find().count(&db).await.unwrap(),
        server::demo::CONTRACTS.len() as u64
    );
    let a_user = app::db::accounts::session_user_by_id(&db, a.id).await.unwrap().unwrap();
    let page = app::services::contracts::list(&db, &a_user, &app::models::ContractFilter::default()).await.unwrap();
    assert_eq!(page.items.len(), 5, "partner.a sees only their organisation's five");
    let status_of = |name: &str| page.items.iter().find(|c| c.end_customer == name).map(|c| c.status);
    assert_eq!(status_of("演示·星河零售有限公司"), Some(ContractStatus::Draft));
    assert_eq!(status_of("演示·远山教育科技"), Some(ContractStatus::InApproval { level: 2 }));
    assert_eq!(status_of("演示·青禾医疗集团"), Some(ContractStatus::Approved));
    assert_eq!(status_of("演示·东岸物流"), Some(ContractStatus::Rejected));
    assert_eq!(status_of("演示·南湖连锁酒店"), Some(ContractStatus::Fulfilled));
    for c in page.items.iter().filter(|c| c.status != ContractStatus::Draft) {
        assert!(c.document_number.is_some(), "{} numbered", c.end_customer);
        assert!(c.total.is_some(), "{} priced", c.end_customer);
    }
    let rejected = app::db::entities::contract::Entity::find()
        .filter(app::db::entities::contract::Column::EndCustomer.eq("演示·东岸物流"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let dto = app::services::contracts::get(&db, &a_user, rejected.id).await.unwrap();
    assert!(dto.timeline.len() >= 4, "created, voucher uploaded, submitted, rejected: {:?}", dto.timeline);
    // Every demo contract names a voucher really uploaded to it, whose bytes are in the store.
    for c in app::db::entities::contract::Entity::find().all(&db).await.unwrap() {
        let voucher = c.payment_voucher_id.expect("a voucher");
        let a = app::db::attachments::find(&db, voucher).await.unwrap().expect("the attachment exists");
        assert_eq!((a.contract_id, a.kind.as_str()), (c.id, "voucher"), "{}", c.end_customer);
        assert!(store.get(&a.storage_key).await.unwrap().is_some(), "blob of {}", c.end_customer);
    }
    t.cleanup(db).await;
}
