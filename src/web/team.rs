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
    groups::settings::SettingsText,
    lang::Text,
    orders::sla::{self, GroupTimes},
    state::AppState,
    users::{
        access::{AccountChange, Actor},
        team::{self, AccountView, AuditEntry, Links, TeamError},
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
                ApiError::BadRequest(Text::new(
                    "Peran harus owner, admin atau staff.",
                    "The role must be owner, admin or staff.",
                ))
            })?)
        }
        _ => return Err(ApiError::NoSuchRoute),
    };
    let mini_app_url = state.mini_app_url();
    let links = Links {
        mini_app_url: mini_app_url.as_deref(),
    };
    let mut tx = state.db.begin().await?;
    let changed = team::change(&mut tx, Actor::Member(&staff.user), id, change, links).await;
    if !matches!(changed, Err(TeamError::Db(_))) {
        // A refusal is recorded in the audit log: kept too.
        tx.commit().await?;
    }
    let changed = changed?;
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

/// `GET /api/groups/{chat_id}/settings`: a group's time targets, business hours and zone.
pub async fn group_settings(
    State(state): State<AppState>,
    staff: Staff,
    Path(chat_id): Path<i64>,
) -> Result<Json<GroupTimes>, ApiError> {
    let times = sla::group_times(&state.db, &staff.user, chat_id, &state.config.sla).await?;
    Ok(Json(times))
}

/// `PUT /api/groups/{chat_id}/settings` with the settings as `GET` gives them; re-times
/// the group's open tickets.
pub async fn set_group_settings(
    State(state): State<AppState>,
    staff: Staff,
    Path(chat_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<GroupTimes>, ApiError> {
    // Not even the body is looked at for someone who may not configure groups.
    if !crate::users::access::may_configure_groups(&staff.user) {
        return Err(ApiError::NoSuchRoute);
    }
    let text: SettingsText = json_body(&headers, &body)?;
    let times =
        sla::configure_group(&state.db, &staff.user, chat_id, &text, &state.config.sla).await?;
    tracing::info!(by = staff.user.id, chat_id, retimed = ?times.retimed, "group settings changed");
    Ok(Json(times))
}
