//! The one error type of the server functions: each variant has an HTTP status, a stable code and
//! a message in Chinese and English, so the browser can show exactly what went wrong.

use crate::domain::problem::{Lang, Problem};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AppError {
    /// No valid session.
    #[error("请先登录 / Please sign in")]
    Unauthenticated,
    /// Signed in, but this is not theirs to see or do.
    #[error("无权执行此操作 / You are not allowed to do this")]
    Forbidden,
    /// The thing does not exist (or is hidden from this caller).
    #[error("{what_zh}不存在 / {what_en} not found")]
    NotFound { what_zh: String, what_en: String },
    /// Wrong username or password (never says which).
    #[error("用户名或密码不正确 / Wrong username or password")]
    BadCredentials,
    /// Too many failed sign-ins.
    #[error(
        "登录失败次数过多，请 {retry_after_minutes} 分钟后再试 / Too many failed sign-ins; try again in {retry_after_minutes} min"
    )]
    RateLimited { retry_after_minutes: i64 },
    /// The request body is larger than the server takes.
    #[error("请求内容过大（最大 {max_kib} KiB） / The request is too large (at most {max_kib} KiB)")]
    TooLarge { max_kib: u64 },
    /// The input breaks rules; each problem names its field.
    #[error("{}", summary(problems))]
    Invalid { problems: Vec<Problem> },
    /// Someone else changed the record since the caller loaded it.
    #[error("{zh} / {en}")]
    Conflict { zh: String, en: String },
    /// The request came from another site.
    #[error("跨站请求被拒绝 / Cross-site request refused")]
    CrossSite,
    /// Something failed on the server; details are in the server log only.
    #[error("服务器内部错误，请稍后再试 / Server error, please try again later")]
    Internal,
    /// The request could not be carried out (bad encoding, network, …).
    #[error("{message}")]
    Transport { message: String },
}

fn summary(problems: &[Problem]) -> String {
    match problems.first() {
        Some(p) if problems.len() == 1 => format!("{} / {}", p.zh, p.en),
        Some(p) => format!("{} 等 {} 个问题 / {} and {} more", p.zh, problems.len(), p.en, problems.len() - 1),
        None => "输入有误 / Invalid input".to_owned(),
    }
}

impl AppError {
    pub fn transport(message: impl Into<String>) -> AppError {
        AppError::Transport { message: message.into() }
    }

    pub fn not_found(what_zh: &str, what_en: &str) -> AppError {
        AppError::NotFound { what_zh: what_zh.to_owned(), what_en: what_en.to_owned() }
    }

    pub fn conflict(zh: &str, en: &str) -> AppError {
        AppError::Conflict { zh: zh.to_owned(), en: en.to_owned() }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::Forbidden | AppError::CrossSite => 403,
            AppError::NotFound { .. } => 404,
            AppError::Conflict { .. } => 409,
            AppError::TooLarge { .. } => 413,
            AppError::Invalid { .. } => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Transport { .. } => 400,
            AppError::Internal => 500,
        }
    }

    /// The message in one language.
    pub fn message(&self, lang: Lang) -> String {
        let both = self.to_string();
        match (self, lang) {
            (AppError::Invalid { problems }, _) if !problems.is_empty() => {
                problems.iter().map(|p| p.message(lang).to_owned()).collect::<Vec<_>>().join("；")
            }
            (AppError::Transport { message }, _) => message.clone(),
            (_, Lang::Zh) => both.split(" / ").next().unwrap_or(&both).to_owned(),
            (_, Lang::En) => both.split(" / ").nth(1).unwrap_or(&both).to_owned(),
        }
    }

    /// Logs a server-side failure and hides its details from the caller.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, e: impl std::fmt::Display) -> AppError {
        tracing::error!(error = %e, "{context}");
        AppError::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport { message: value.to_string() }
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::internal("database error", e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips_through_json_with_its_code() {
        let all = [
            AppError::Unauthenticated,
            AppError::Forbidden,
            AppError::not_found("合同", "Contract"),
            AppError::BadCredentials,
            AppError::RateLimited { retry_after_minutes: 3 },
            AppError::TooLarge { max_kib: 2048 },
            AppError::Invalid {
                problems: vec![Problem::error("corp_id", "corp_id_invalid", "企业ID有误", "Bad corp ID")],
            },
            AppError::conflict("已被他人修改", "Changed by someone else"),
            AppError::CrossSite,
            AppError::Internal,
            AppError::transport("bad body"),
        ];
        for e in all {
            let json = serde_json::to_value(&e).expect("serialises");
            assert!(json["code"].is_string(), "{json}");
            assert_eq!(serde_json::from_value::<AppError>(json).unwrap(), e);
        }
    }

    #[test]
    fn messages_follow_the_language() {
        assert_eq!(AppError::Forbidden.message(Lang::Zh), "无权执行此操作");
        assert_eq!(AppError::Forbidden.message(Lang::En), "You are not allowed to do this");
    }
}
