//! The `server create-admin` command, run as the real binary against a test database, and the
//! library function behind it.

use crate::support;

use app::error::AppError;
use std::io::Write;
use std::process::{Command, Stdio};
use support::TestDb;

/// Runs `server create-admin …` with the test database, `ADMIN_PASSWORD` (if given) and stdin.
fn create_admin(t: &TestDb, args: &[&str], env_password: Option<&str>, stdin: &str) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.arg("create-admin")
        .args(args)
        .env("DATABASE_URL", &t.url)
        .env("DATA_DIR", &t.data_dir)
        .env_remove("ADMIN_PASSWORD")
        .env_remove("WLD_DEMO")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = env_password {
        cmd.env("ADMIN_PASSWORD", p);
    }
    let mut child = cmd.spawn().expect("run server binary");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait")
}

#[tokio::test]
async fn create_admin_from_env_then_taken_username_fails_with_exit_2() {
    let t = TestDb::new().await;
    let db = t.open().await;

    let out = create_admin(
        &t,
        &["--username", "Boss", "--organisation", "总部", "--display-name", "老板"],
        Some("a-long-secret-1"),
        "",
    );
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("boss"));

    // The account works: the password from the environment signs in, the role is admin.
    let user = app::services::accounts::authenticate(&db, "boss", "a-long-secret-1", "test").await.expect("sign in");
    let me = app::db::accounts::session_user_by_id(&db, user.id).await.unwrap().unwrap();
    assert_eq!(me.role, app::models::Role::Admin);
    assert_eq!(me.display_name, "老板");
    assert_eq!(me.organisation_name, "总部");

    let again = create_admin(&t, &["--username", "boss", "--organisation", "总部"], Some("another-secret-2"), "");
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("已被使用") && err.contains("taken"), "stderr: {err}");
    t.cleanup(db).await;
}

#[tokio::test]
async fn password_from_stdin_and_refusals() {
    let t = TestDb::new().await;
    let db = t.open().await;

    let out = create_admin(&t, &["--username", "piped", "--organisation", "Ops"], None, "stdin-secret-123\n");
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    app::services::accounts::authenticate(&db, "piped", "stdin-secret-123", "test")
        .await
        .expect("stdin password works");

    // No password at all.
    let none = create_admin(&t, &["--username", "nopass", "--organisation", "Ops"], None, "");
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("ADMIN_PASSWORD"));

    // Too short a password names the field.
    let short = create_admin(&t, &["--username", "shorty", "--organisation", "Ops"], Some("short"), "");
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("password: 密码至少 10 个字符"));

    // A password on the command line is not an option.
    let arg =
        create_admin(&t, &["--username", "x1x", "--organisation", "Ops", "--password", "whatever-long"], None, "");
    assert_eq!(arg.status.code(), Some(2));
    t.cleanup(db).await;
}

#[tokio::test]
async fn library_function_writes_nothing_when_refused() {
    let t = TestDb::new().await;
    let db = t.open().await;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let err = server::admin::create_admin(&db, "ok.name", "新组织", None, "short").await.unwrap_err();
    assert!(matches!(err, AppError::Invalid { .. }));
    // The transaction rolled back: the organisation was not left behind.
    assert_eq!(app::db::entities::organisation::Entity::find().count(&db).await.unwrap(), 0);
    let blank = server::admin::create_admin(&db, "ok.name", "  ", None, "long-enough-pw").await.unwrap_err();
    assert!(server::admin::describe(&blank).starts_with("organisation:"));
    let user = server::admin::create_admin(&db, "ok.name", "新组织", None, "long-enough-pw")
        .await
        .unwrap_or_else(|e| panic!("a valid admin after two refusals: {e:?}"));
    assert_eq!(user.display_name, "ok.name");
    use sea_orm::{ColumnTrait, QueryFilter};
    let audit = app::db::entities::audit_event::Entity::find()
        .filter(app::db::entities::audit_event::Column::SubjectId.eq(user.id))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(audit, 1);
    t.cleanup(db).await;
}

/// `server serve` with a configuration it refuses, logging as `LOG_FORMAT` says: its stderr.
fn serve_refused(t: &TestDb, log_format: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.arg("serve")
        .env("DATABASE_URL", &t.url)
        .env("DATA_DIR", &t.data_dir)
        .env("METRICS_TOKEN", "too-short")
        .env_remove("RUST_LOG")
        .env_remove("LOG_FORMAT")
        .env_remove("WLD_DEMO")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(f) = log_format {
        cmd.env("LOG_FORMAT", f);
    }
    let out = cmd.output().expect("run server binary");
    assert!(!out.status.success(), "a bad METRICS_TOKEN stops start-up");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn logs_are_json_lines_when_log_format_is_json() {
    let t = TestDb::new().await;
    let json = serve_refused(&t, Some("json"));
    let logged: Vec<serde_json::Value> = json.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let error =
        logged.iter().find(|v| v["level"] == "ERROR").unwrap_or_else(|| panic!("no JSON error line in:\n{json}"));
    assert!(error["fields"]["message"].as_str().unwrap_or("").contains("METRICS_TOKEN"), "{error}");
    assert!(error["timestamp"].is_string(), "{error}");
    let text = serve_refused(&t, None);
    assert!(text.contains("METRICS_TOKEN"), "{text}");
    assert!(text.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_err()), "text by default:\n{text}");
    let db = t.open().await;
    t.cleanup(db).await;
}
