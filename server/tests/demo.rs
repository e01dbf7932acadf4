//! Demo data: loaded on request, idempotent, and its sign-ins work.

mod support;

use sea_orm::{EntityTrait, PaginatorTrait};
use support::{TestDb, post_form, session_cookie};

#[tokio::test]
async fn demo_load_is_idempotent_and_accounts_sign_in() {
    let t = TestDb::new().await;
    let (app, db) = t.app().await;
    let first = server::demo::load(&db).await.expect("demo load");
    assert_eq!(first.accounts_created, server::demo::ACCOUNTS.len());
    let users = app::db::entities::user::Entity::find().count(&db).await.unwrap();
    let orgs = app::db::entities::organisation::Entity::find().count(&db).await.unwrap();
    assert_eq!((users, orgs), (6, 3));

    let second = server::demo::load(&db).await.expect("second demo load");
    assert_eq!(second, server::demo::DemoReport::default());
    assert_eq!(app::db::entities::user::Entity::find().count(&db).await.unwrap(), users);

    for (name, pw) in
        [("admin", "demo-admin-2026"), ("partner.a", "demo-partner-2026"), ("approver2", "demo-approver-2026")]
    {
        let res = post_form(&app, "/api/auth/sign_in", &[("username", name), ("password", pw)], None).await;
        assert_eq!(res.status, 200, "{name}: {}", res.text());
        assert!(session_cookie(&res).is_some());
    }
    let a = app::db::accounts::authenticate(&db, "partner.a", "demo-partner-2026", "t").await.unwrap();
    let b = app::db::accounts::authenticate(&db, "partner.b", "demo-partner-2026", "t").await.unwrap();
    assert_ne!(a.organisation_id, b.organisation_id, "the partners are in different organisations");
    assert!(server::demo::sign_in_table().contains("partner.b"));
    t.cleanup(db).await;
}
