//! The thin JSON API for integrations (`/api/v1/…`), documented in the README.

pub mod quote;

use app::domain::{Lang, Problem};
use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One error as the API reports it.
#[derive(Debug, Serialize)]
pub struct ApiError {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// The body of a 422 answer: `{"errors":[…]}`.
#[derive(Debug, Serialize)]
pub struct ApiErrors {
    pub errors: Vec<ApiError>,
}

/// Answers 422 with the problems in the caller's language (`Accept-Language`, Chinese by
/// default).
/// One problem answered with `status` instead of 422, in the same shape.
pub fn refused(headers: &HeaderMap, status: StatusCode, problem: Problem) -> Response {
    let mut response = unprocessable(headers, vec![problem]);
    *response.status_mut() = status;
    response
}

pub fn unprocessable(headers: &HeaderMap, problems: Vec<Problem>) -> Response {
    let lang = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default();
    let errors = problems
        .into_iter()
        .map(|p| ApiError { message: p.message(lang).to_owned(), field: p.field, code: p.code })
        .collect();
    (StatusCode::UNPROCESSABLE_ENTITY, Json(ApiErrors { errors })).into_response()
}
