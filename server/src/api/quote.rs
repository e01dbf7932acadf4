//! `POST /api/v1/quote`: the public quote, priced by the same engine as the page.

use super::{refused, unprocessable};
use crate::state::AppState;
use app::domain::{Problem, QuoteRequest};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The largest quote request read: 64 KiB, some hundred times a quote of many lines. More is
/// answered 413 in the API's own error shape, before it is parsed.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub async fn quote(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    if !is_json {
        let problem = Problem::error(
            "",
            "unsupported_media_type",
            "请求体须为 JSON（Content-Type: application/json）",
            "The request body must be JSON (Content-Type: application/json)",
        );
        return refused(&headers, StatusCode::UNSUPPORTED_MEDIA_TYPE, problem);
    }
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        let problem = Problem::error(
            "",
            "too_large",
            format!("请求体过大（最多 {} KiB）", MAX_BODY_BYTES / 1024),
            format!("The request body is too large (at most {} KiB)", MAX_BODY_BYTES / 1024),
        );
        return refused(&headers, StatusCode::PAYLOAD_TOO_LARGE, problem);
    };
    let request = match parse_request(&body) {
        Ok(r) => r,
        Err(problem) => return unprocessable(&headers, vec![problem]),
    };
    let book = match state.settings.price_book.get(&state.db).await {
        Ok(book) => book,
        Err(e) => {
            tracing::error!(error = %e, "loading the current price book failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    match book.quote(&request) {
        Ok(quote) => Json(quote).into_response(),
        Err(problems) => unprocessable(&headers, problems),
    }
}

/// Parses the body, turning any JSON or shape error into a problem that names the field.
fn parse_request(body: &[u8]) -> Result<QuoteRequest, Problem> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed: Result<QuoteRequest, _> = serde_path_to_error::deserialize(&mut de);
    let request = parsed.map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { String::new() } else { field };
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            Problem::error(
                "",
                "malformed_json",
                format!("请求体不是有效的 JSON：{inner}"),
                format!("The request body is not valid JSON: {inner}"),
            )
        } else if let Some(name) = quoted_after(&inner.to_string(), "missing field `") {
            let field = if field.is_empty() { name.clone() } else { format!("{field}.{name}") };
            Problem::error(
                field,
                "missing_field",
                format!("缺少必填字段 {name}"),
                format!("The field {name} is required"),
            )
        } else if inner.to_string().starts_with("unknown field") {
            Problem::error(field, "unknown_field", format!("不支持的字段：{inner}"), format!("Unknown field: {inner}"))
        } else {
            Problem::error(
                field,
                "invalid_value",
                format!("字段类型或取值无效：{inner}"),
                format!("Invalid field type or value: {inner}"),
            )
        }
    })?;
    de.end().map_err(|e| {
        Problem::error(
            "",
            "malformed_json",
            format!("JSON 之后有多余内容：{e}"),
            format!("Trailing content after the JSON: {e}"),
        )
    })?;
    Ok(request)
}

/// The text between `prefix` and the next backquote, e.g. a field name in a serde message.
fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    Some(rest[..rest.find('`')?].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_of_a_shape_error() {
        let p =
            parse_request(br#"{"lines":[{"kind":"basic","count":-1,"months":12,"order_type":"new"}]}"#).unwrap_err();
        assert_eq!(p.field, "lines[0].count");
        assert_eq!(p.code, "invalid_value");
        let p = parse_request(br#"{"lines":[{"kind":"gold","count":1,"months":12,"order_type":"new"}]}"#).unwrap_err();
        assert_eq!(p.field, "lines[0].kind");
        let p = parse_request(br#"{"lines":[],"discount":5}"#).unwrap_err();
        assert_eq!((p.field.as_str(), p.code.as_str()), ("discount", "unknown_field"));
        let p = parse_request(br#"{"lines":[{"kind":"basic","count":1,"months":12}]}"#).unwrap_err();
        assert_eq!((p.field.as_str(), p.code.as_str()), ("lines[0].order_type", "missing_field"));
        let p = parse_request(br#"{}"#).unwrap_err();
        assert_eq!((p.field.as_str(), p.code.as_str()), ("lines", "missing_field"));
        let p = parse_request(b"{\"lines\":").unwrap_err();
        assert_eq!(p.code, "malformed_json");
        let p = parse_request(b"{\"lines\":[]} x").unwrap_err();
        assert_eq!(p.code, "malformed_json");
    }
}
