//! The Tim page's API, for owners and admins: accounts, the changes the viewer may make,
//! and the audit log. For anyone else these routes do not exist.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::HeaderMap,
    Json,
};
use serde::{Deserialize, Serialize};

use super::{
    auth::{json_body, Staff},
    error::ApiError,
};
use crate::{
    app::AppState,
    users::{
        access::{AccountChange, Actor},
        team::{self, AccountView, AuditEntry, Links},
        Role,
    },
};

/// Audit entries the page shows.
const AUDIT_SHOWN: i64 = 200;

#[derive(Serialize)]
pub struct Team {
    accounts: Vec<AccountView>,
    audit: Vec<AuditEntry>,
}

/// `GET /api/team`.
pub async fn list(State(state): State<AppState>, staff: Staff) -> Result<Json<Team>, ApiError> {
    let accounts = team::accounts(&state.db, &staff.user)
        .await?
        .ok_or(ApiError::NoSuchRoute)?;
    Ok(Json(Team {
        accounts,
        audit: team::audit(&state.db, AUDIT_SHOWN).await?,
    }))
}

#[derive(Deserialize)]
struct RoleChange {
    role: String,
}

/// `POST /api/team/{id}/{approve|reject|disable|enable|role}`; `role` takes `{"role": …}`.
pub async fn change(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, action)): Path<(i64, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<AccountView>, ApiError> {
    let change = match action.as_str() {
        "approve" => AccountChange::Approve,
        "reject" => AccountChange::Reject,
        "disable" => AccountChange::Disable,
        "enable" => AccountChange::Enable,
        "role" => {
            let request: RoleChange = json_body(&headers, &body)?;
            AccountChange::SetRole(Role::parse(&request.role).ok_or_else(|| {
                ApiError::BadRequest("Peran harus owner, admin atau staff.".into())
            })?)
        }
        _ => return Err(ApiError::NoSuchRoute),
    };
    let mini_app_url = state.mini_app_url();
    let links = Links {
        mini_app_url: mini_app_url.as_deref(),
    };
    let mut tx = state.db.begin().await?;
    let changed = team::change(&mut tx, Actor::Member(&staff.user), id, change, links).await?;
    tx.commit().await?;
    state.new_messages.notify_one();
    tracing::info!(
        by = staff.user.id,
        account = changed.id,
        action = change.action(),
        "account changed"
    );
    let accounts = team::accounts(&state.db, &staff.user)
        .await?
        .ok_or(ApiError::NoSuchRoute)?;
    accounts
        .into_iter()
        .find(|a| a.id == id)
        .map(Json)
        .ok_or(ApiError::NoSuchAccount)
}
