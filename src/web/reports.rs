//! The Laporan page's API, for owners and admins: `GET /api/reports?group=&days=`. For
//! anyone else the route does not exist.

use axum::{
    extract::{rejection::QueryRejection, Query, State},
    Json,
};
use serde::Deserialize;

use super::{auth::Staff, error::ApiError, orders::bad_params};
use crate::{
    lang::Text,
    reports::{self, Report, ReportError, ReportQuery, DEFAULT_DAYS, MAX_DAYS},
    state::AppState,
};

/// Both as text, so that a bad value gets its own sentence rather than a generic one.
#[derive(Deserialize)]
pub struct ReportParams {
    /// A group's chat id; absent or empty: all groups.
    group: Option<String>,
    days: Option<String>,
}

impl From<ReportError> for ApiError {
    fn from(err: ReportError) -> Self {
        match err {
            ReportError::NotFound => ApiError::NoSuchRoute,
            ReportError::Db(e) => ApiError::Internal(e),
        }
    }
}

/// `GET /api/reports?group=<chat id>&days=<1..90>`.
pub async fn report(
    State(state): State<AppState>,
    staff: Staff,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    let Query(params) = params.map_err(bad_params)?;
    let group = match params.group.as_deref().map(str::trim) {
        None | Some("" | "all") => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            ApiError::BadRequest(Text::new(
                "Parameter group harus ID chat grup (angka), atau kosong untuk semua grup.",
                "group must be a group's chat id (a number), or empty for all groups.",
            ))
        })?),
    };
    let days = match params.days.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_DAYS,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|days| (1..=MAX_DAYS).contains(days))
            .ok_or_else(|| {
                ApiError::BadRequest(Text::new(
                    format!("Parameter days harus angka 1 sampai {MAX_DAYS}."),
                    format!("days must be a number from 1 to {MAX_DAYS}."),
                ))
            })?,
    };
    let query = ReportQuery { group, days };
    Ok(Json(reports::report(&state.db, &staff.user, query).await?))
}
