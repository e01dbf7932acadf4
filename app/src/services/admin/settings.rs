//! Settings (系统设置): payment details, the installed-app list, the robot, the QR code.

use super::{in_txn, problem, record, require_admin};
use crate::crypto::{base64_decode, base64_encode};
use crate::db::{price_books, settings};
use crate::domain::admin::{self, SettingsForm, keys};
use crate::error::AppError;
use crate::models::{SessionUser, SettingsPage};
use crate::services::invalid;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};

/// What the environment sets when the admin has not: `QUOTE_VALID_DAYS` and `WECOM_ROBOT_WEBHOOK`.
#[derive(Clone, Debug, Default)]
pub struct EnvDefaults {
    pub quote_valid_days: i64,
    /// The robot's webhook from the environment, its key hidden (the secret stays in the server).
    pub robot_webhook_masked: Option<String>,
}

/// A webhook with its query (where WeCom puts the key) hidden.
pub fn mask_webhook(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?key=***"),
        None => url.to_owned(),
    }
}

/// The settings page: stored values, or the defaults (the environment's, the seed's).
pub async fn settings_page(
    db: &DatabaseConnection,
    actor: &SessionUser,
    env: &EnvDefaults,
) -> Result<SettingsPage, AppError> {
    require_admin(actor)?;
    let s = settings::values(db, &keys::ALL).await?;
    let get = |k: &str| s.get(k).cloned().unwrap_or_default();
    let apps: Vec<String> = serde_json::from_str(&get(keys::INSTALLED_APPS)).unwrap_or_default();
    let form = SettingsForm {
        seller_name: s.get(keys::SELLER_NAME).cloned().unwrap_or_else(|| crate::domain::seller::SELLER_NAME.to_owned()),
        seller_contact: get(keys::SELLER_CONTACT),
        sales_email: s.get(keys::SALES_EMAIL).cloned().unwrap_or_else(|| crate::domain::seller::SALES_EMAIL.to_owned()),
        bank_account_name: get(keys::BANK_ACCOUNT_NAME),
        bank_account_number: get(keys::BANK_ACCOUNT_NUMBER),
        bank_name: get(keys::BANK_NAME),
        bank_code: get(keys::BANK_CODE),
        wechat_note: get(keys::WECHAT_NOTE),
        robot_webhook: None,
        installed_apps: apps.join("\n"),
        quote_valid_days: s
            .get(keys::QUOTE_VALID_DAYS)
            .cloned()
            .unwrap_or_else(|| env.quote_valid_days.clamp(1, 365).to_string()),
        payment_link_days: s
            .get(keys::PAYMENT_LINK_DAYS)
            .cloned()
            .unwrap_or_else(|| crate::domain::payment_link::DEFAULT_LINK_DAYS.to_string()),
    };
    let stored_hook = s.get(keys::ROBOT_WEBHOOK).filter(|v| !v.is_empty());
    let tax_rate = price_books::current(db).await?.tax_rate;
    Ok(SettingsPage {
        form,
        robot_webhook_masked: stored_hook.map(|h| mask_webhook(h)).or_else(|| env.robot_webhook_masked.clone()),
        robot_webhook_from_env: stored_hook.is_none() && env.robot_webhook_masked.is_some(),
        wechat_qr: s.get(keys::WECHAT_QR).cloned().filter(|v| !v.is_empty()),
        max_qr_bytes: admin::MAX_QR_BYTES as u64,
        tax_rate,
    })
}

/// Saves the settings form: every value checked (all problems at once), then stored together.
pub async fn save_settings(
    db: &DatabaseConnection,
    actor: &SessionUser,
    form: SettingsForm,
    env: &EnvDefaults,
) -> Result<SettingsPage, AppError> {
    require_admin(actor)?;
    let checked = form.check().map_err(invalid)?;
    let owner = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let keys_now: Vec<&str> = checked.values.iter().map(|(k, _)| *k).collect();
            let before = settings::values(txn, &keys_now).await?;
            let mut changed = Vec::new();
            let mut before_json = serde_json::Map::new();
            let mut after_json = serde_json::Map::new();
            for (key, value) in &checked.values {
                let old = before.get(*key).cloned().unwrap_or_default();
                if old == *value {
                    continue;
                }
                settings::set(txn, key, value).await?;
                // The webhook's key is a secret: the trail says it changed, not what to.
                let shown =
                    |v: &str| if *key == keys::ROBOT_WEBHOOK && !v.is_empty() { mask_webhook(v) } else { v.to_owned() };
                before_json.insert((*key).to_owned(), Value::String(shown(&old)));
                after_json.insert((*key).to_owned(), Value::String(shown(value)));
                changed.push(*key);
            }
            if !changed.is_empty() {
                let comment = format!("修改系统设置：{}", changed.join("、"));
                record(
                    txn,
                    &owner,
                    "settings.updated",
                    ("settings", 0),
                    comment,
                    before_json.into(),
                    after_json.into(),
                )
                .await?;
            }
            Ok(())
        })
    })
    .await?;
    settings_page(db, actor, env).await
}

/// Stores the WeChat payment QR image (PNG or JPEG, checked from its bytes, at most
/// [`admin::MAX_QR_BYTES`]); `None` removes it. The payment page, the contract page's 付款 card and
/// saved quotes show it from [`admin::WECHAT_QR_PATH`].
pub async fn set_wechat_qr(db: &DatabaseConnection, actor: &SessionUser, image: Option<&[u8]>) -> Result<(), AppError> {
    use crate::domain::attachment::{FileType, sniff};
    require_admin(actor)?;
    let stored = match image {
        Some(bytes) => {
            if bytes.len() > admin::MAX_QR_BYTES {
                return Err(problem(
                    "file",
                    "qr_too_large",
                    format!("收款码图片不能超过 {} KB", admin::MAX_QR_BYTES / 1024),
                    format!("The QR image may be at most {} KB", admin::MAX_QR_BYTES / 1024),
                ));
            }
            let mime = match sniff(bytes) {
                Some(t @ (FileType::Png | FileType::Jpeg)) => t.mime(),
                _ => {
                    return Err(problem(
                        "file",
                        "qr_not_image",
                        "收款码须为 PNG 或 JPEG 图片",
                        "The QR code must be a PNG or JPEG image",
                    ));
                }
            };
            let digest = &crate::crypto::digest_hex(bytes)[..16];
            Some((format!("{mime};{}", base64_encode(bytes)), format!("{}?v={digest}", admin::WECHAT_QR_PATH)))
        }
        None => None,
    };
    let actor = actor.clone();
    in_txn(db, move |txn| {
        Box::pin(async move {
            let (data, url) = stored.unwrap_or_default();
            settings::set(txn, keys::WECHAT_QR_IMAGE, &data).await?;
            settings::set(txn, keys::WECHAT_QR, &url).await?;
            let comment =
                if url.is_empty() { "移除微信收款码".to_owned() } else { "上传微信收款码".to_owned() };
            record(txn, &actor, "settings.wechat_qr", ("settings", 0), comment, Value::Null, json!({"url": url}))
                .await?;
            Ok(())
        })
    })
    .await
}

/// The uploaded WeChat QR image: (MIME type, bytes), if one is stored. Public: payers see it.
pub async fn wechat_qr_image(db: &DatabaseConnection) -> Result<Option<(String, Vec<u8>)>, AppError> {
    Ok(settings::value(db, keys::WECHAT_QR_IMAGE)
        .await?
        .as_deref()
        .and_then(|v| v.split_once(';'))
        .and_then(|(mime, data)| base64_decode(data).map(|b| (mime.to_owned(), b))))
}

/// The group robot's webhook an admin set, if any (else the environment's applies).
pub async fn robot_webhook<C: ConnectionTrait>(db: &C) -> Result<Option<String>, sea_orm::DbErr> {
    settings::value(db, keys::ROBOT_WEBHOOK).await
}

/// Records that an admin sent the robot a test message, and what came back.
pub async fn record_robot_test(
    db: &DatabaseConnection,
    actor: &SessionUser,
    ok: bool,
    detail: &str,
) -> Result<(), AppError> {
    require_admin(actor)?;
    let actor = actor.clone();
    let comment = format!("群机器人测试消息：{}（{detail}）", if ok { "成功" } else { "失败" });
    in_txn(db, move |txn| {
        Box::pin(async move {
            record(txn, &actor, "settings.robot_test", ("settings", 0), comment, Value::Null, json!({"ok": ok})).await
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_webhook_key_is_hidden() {
        assert_eq!(
            super::mask_webhook("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret"),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
        );
    }
}
