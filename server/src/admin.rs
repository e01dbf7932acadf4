//! Operator tasks behind the command line (`server create-admin`).

use app::db::entities::audit_event;
use app::domain::problem::Problem;
use app::error::AppError;
use app::models::Role;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};

/// Creates an administrator in an organisation (created if missing), in one transaction, and
/// records it in the audit log. A taken username or a weak password is an `Invalid` error naming
/// the field; nothing is written then.
pub async fn create_admin(
    db: &DatabaseConnection,
    username: &str,
    organisation: &str,
    display_name: Option<&str>,
    password: &str,
) -> Result<app::db::entities::user::Model, AppError> {
    let organisation = organisation.trim();
    if organisation.is_empty() {
        return Err(AppError::Invalid {
            problems: vec![Problem::error(
                "organisation",
                "organisation_required",
                "请填写组织名称",
                "The organisation name is required",
            )],
        });
    }
    // Rolled back explicitly on a refusal: a transaction merely dropped is rolled back later, when
    // its connection goes back to the pool, and on SQLite the next writer could meet its lock.
    // A write transaction (`begin_write`): the CLI may run beside a serving process on SQLite.
    let (_writer, tx) = app::db::begin_write(db).await?;
    match admin_rows(&tx, username, organisation, display_name, password).await {
        Ok(user) => {
            tx.commit().await?;
            Ok(user)
        }
        Err(e) => {
            tx.rollback().await.ok();
            Err(e)
        }
    }
}

/// The organisation (if new), the user and the audit event, inside the caller's transaction.
async fn admin_rows(
    tx: &sea_orm::DatabaseTransaction,
    username: &str,
    organisation: &str,
    display_name: Option<&str>,
    password: &str,
) -> Result<app::db::entities::user::Model, AppError> {
    let org_id = app::db::accounts::ensure_organisation(tx, organisation).await?;
    let user =
        app::services::accounts::create_user(tx, org_id, username, display_name.unwrap_or(""), Role::Admin, password)
            .await?;
    audit_event::ActiveModel {
        at: Set(chrono::Utc::now()),
        actor_user_id: Set(None),
        action: Set("user.create_admin".to_owned()),
        subject_type: Set("user".to_owned()),
        subject_id: Set(Some(user.id)),
        detail: Set(serde_json::json!({"via": "cli", "username": user.username}).to_string()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(user)
}

/// An error for the terminal: every problem on its own line, in Chinese and English.
pub fn describe(e: &AppError) -> String {
    match e {
        AppError::Invalid { problems } if !problems.is_empty() => {
            problems.iter().map(|p| format!("{}: {} / {}", p.field, p.zh, p.en)).collect::<Vec<_>>().join("\n")
        }
        other => other.to_string(),
    }
}

/// `GET /settings/wechat-qr`: the WeChat payment QR image the admin uploaded (public: payers see
/// it on the payment page and on saved quotes). Its address carries `?v=<digest>`, so it may be
/// cached for good.
pub async fn wechat_qr(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    match app::services::admin::wechat_qr_image(&state.db).await {
        Ok(Some((mime, bytes))) => (
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => crate::error_response(&e),
    }
}

/// `POST /admin/wechat-qr` (multipart, field `file`): an admin uploads the WeChat payment QR image
/// (PNG or JPEG, checked from its bytes). A plain form post is sent back to the settings page with
/// the outcome in the address; a script gets JSON (`{}` or the error with its status).
pub async fn upload_wechat_qr(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    headers: axum::http::HeaderMap,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> axum::response::Response {
    use axum::response::{IntoResponse, Redirect};
    let html =
        headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    let answer = |result: Result<(), AppError>| match (result, html) {
        (Ok(()), true) => Redirect::to("/admin?section=settings&qr=saved").into_response(),
        (Ok(()), false) => axum::Json(serde_json::json!({})).into_response(),
        (Err(e), true) => {
            let code = match &e {
                AppError::Invalid { problems } => problems.first().map_or("invalid", |p| p.code.as_str()).to_owned(),
                other => serde_json::to_value(other)
                    .ok()
                    .and_then(|v| v["code"].as_str().map(str::to_owned))
                    .unwrap_or_default(),
            };
            Redirect::to(&format!("/admin?section=settings&qr_error={code}")).into_response()
        }
        (Err(e), false) => crate::error_response(&e),
    };
    if !crate::same_origin(&headers) {
        return answer(Err(AppError::CrossSite));
    }
    let token = crate::cookie_value(&headers, app::functions::ctx::SESSION_COOKIE);
    let user = match app::services::accounts::current(&state.db, token.as_deref()).await {
        Ok(Some(u)) if u.role == Role::Admin && !u.must_change_password => u,
        Ok(_) => return answer(Err(AppError::Forbidden)),
        Err(e) => return answer(Err(AppError::internal("reading the session", e))),
    };
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(_) => return answer(Err(no_image())),
    };
    let limit = app::domain::admin::MAX_QR_BYTES;
    let mut image = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(mut field)) if field.name() == Some("file") => {
                let mut bytes = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            bytes.extend_from_slice(&chunk);
                            // One byte past the limit is enough for the service to refuse it.
                            if bytes.len() > limit {
                                break;
                            }
                        }
                        Ok(None) => break,
                        Err(_) => return answer(Err(no_image())),
                    }
                }
                image = Some(bytes);
                break;
            }
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(_) => return answer(Err(no_image())),
        }
    }
    match image.filter(|b| !b.is_empty()) {
        Some(bytes) => answer(app::services::admin::set_wechat_qr(&state.db, &user, Some(&bytes)).await),
        None => answer(Err(no_image())),
    }
}

fn no_image() -> AppError {
    AppError::Invalid {
        problems: vec![Problem::error(
            "file",
            "qr_missing",
            "请选择收款码图片（PNG 或 JPEG）",
            "Choose the QR code image (PNG or JPEG)",
        )],
    }
}
