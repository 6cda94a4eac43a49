//! Changes to accounts (approve, reject, disable, enable, role) made by owners and admins
//! from a button in Telegram, the Tim page or `tangkap user`: one function for all three,
//! so the rules of [`super::access`], the audit log and the messages that follow a change
//! are the same whichever way it came.

use serde::Serialize;
use sqlx::Row;

use super::{
    access::{self, AccountChange, Actor, Refusal},
    sessions, user_from_row, AccountState, Role, User, USER_COLUMNS,
};
use crate::{
    db::{lock_until_commit, now_ms, Conn, Db},
    groups,
    lang::{self, Lang},
    telegram::{
        outbox::{self, Button, MessageRef, Outgoing},
        texts,
    },
};

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("no such account")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Where the Mini App is, for the button an approved applicant gets.
#[derive(Clone, Copy, Debug, Default)]
pub struct Links<'a> {
    pub mini_app_url: Option<&'a str>,
}

/// What the outbox rows of an applicant's approval requests are tagged with.
fn approval_topic(applicant_id: i64) -> String {
    format!("applicant:{applicant_id}")
}

/// The callback data of the approval buttons: `acc:approve:<id>`, `acc:reject:<id>`.
pub fn approval_callback(change: AccountChange, applicant_id: i64) -> String {
    format!("acc:{}:{applicant_id}", change.action())
}

/// Reads [`approval_callback`] data back.
pub fn parse_approval_callback(data: &str) -> Option<(AccountChange, i64)> {
    let rest = data.strip_prefix("acc:")?;
    let (action, id) = rest.split_once(':')?;
    let change = match action {
        "approve" => AccountChange::Approve,
        "reject" => AccountChange::Reject,
        _ => return None,
    };
    Some((change, id.parse().ok()?))
}

async fn active_owners(conn: &mut Conn) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'owner' AND state = 'active'")
        .fetch_one(&mut *conn)
        .await
}

/// On PostgreSQL, account changes are made one at a time, so two owners demoting each
/// other at once cannot leave the team without one. SQLite has one writer already.
async fn one_change_at_a_time(conn: &mut Conn) -> Result<(), sqlx::Error> {
    lock_until_commit(conn, TEAM_LOCK).await
}

/// The PostgreSQL advisory lock for account changes ("TEAM").
const TEAM_LOCK: i64 = 0x5445_414D;

/// Makes `change` to account `target_id` on behalf of `actor`, inside `tx`: checks it is
/// allowed, records it in the audit log, ends the account's sessions when it stops being
/// active, and queues what follows: the applicant told the outcome of an approval, and
/// every owner's and admin's copy of the approval request edited to say who decided.
///
/// A refused change is recorded too (`refused:<change>`, with why) and logged: commit `tx`
/// on [`TeamError::NotFound`] and [`TeamError::Refused`] as well, or the record is lost.
pub async fn change(
    tx: &mut Conn,
    actor: Actor<'_>,
    target_id: i64,
    change: AccountChange,
    links: Links<'_>,
) -> Result<User, TeamError> {
    one_change_at_a_time(tx).await?;
    let made = make(tx, actor, target_id, change, links).await;
    let why = match &made {
        Err(TeamError::NotFound) => "not_found",
        Err(TeamError::Refused(refusal)) => refusal.code(),
        _ => return made,
    };
    let target = super::find(tx, target_id).await?;
    let detail = match (change, &target) {
        (AccountChange::SetRole(role), Some(target)) => {
            format!("{why}: {} → {}", target.role.as_str(), role.as_str())
        }
        (AccountChange::SetRole(role), None) => format!("{why}: #{target_id} → {}", role.as_str()),
        (_, Some(_)) => why.to_owned(),
        (_, None) => format!("{why}: #{target_id}"),
    };
    let action = format!("refused:{}", change.action());
    tracing::warn!(
        actor = %actor_label(actor),
        account = target_id,
        change = change.action(),
        reason = why,
        "account change refused"
    );
    record(tx, actor, &action, target.map(|t| t.id), &detail).await?;
    made
}

async fn make(
    tx: &mut Conn,
    actor: Actor<'_>,
    target_id: i64,
    change: AccountChange,
    links: Links<'_>,
) -> Result<User, TeamError> {
    let target = super::find(tx, target_id)
        .await?
        .ok_or(TeamError::NotFound)?;
    // What the actor may not see (the Tim page is not theirs) does not exist for them.
    if matches!(actor, Actor::Member(user) if !access::manages_team(user)) {
        return Err(TeamError::NotFound);
    }
    access::may_change(actor, &target, change, active_owners(tx).await?)?;
    let (role, state) = change.applied_to(&target);
    sqlx::query("UPDATE users SET role = $2, state = $3 WHERE id = $1")
        .bind(target.id)
        .bind(role.as_str())
        .bind(state.as_str())
        .execute(&mut *tx)
        .await?;
    if state != AccountState::Active {
        sessions::end_all(tx, target.id).await?;
    }
    let detail = match change {
        AccountChange::SetRole(role) => format!("{} → {}", target.role.as_str(), role.as_str()),
        _ => format!("{} → {}", target.state.as_str(), state.as_str()),
    };
    record(tx, actor, change.action(), Some(target.id), &detail).await?;
    let actor_label = actor_label(actor);
    let changed = User {
        role,
        state,
        ..target
    };
    if matches!(change, AccountChange::Approve | AccountChange::Reject) {
        tell_decision(tx, &changed, change, &actor_label, links).await?;
    }
    Ok(changed)
}

/// Writes an entry of the audit log: `actor` did `action` (to account `target`).
pub async fn record(
    tx: &mut Conn,
    actor: Actor<'_>,
    action: &str,
    target: Option<i64>,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (actor_user_id, actor, action, target_user_id, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(match actor {
        Actor::Member(user) => Some(user.id),
        Actor::Console => None,
    })
    .bind(actor_label(actor))
    .bind(action)
    .bind(target)
    .bind(detail)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn actor_label(actor: Actor<'_>) -> String {
    match actor {
        Actor::Member(user) => user.label(),
        Actor::Console => texts::CONSOLE_ACTOR.to_owned(),
    }
}

/// The applicant hears the outcome; every copy of the approval request says who decided.
async fn tell_decision(
    tx: &mut Conn,
    applicant: &User,
    change: AccountChange,
    decided_by: &str,
    links: Links<'_>,
) -> Result<(), sqlx::Error> {
    let approved = change == AccountChange::Approve;
    let telegram_username: Option<String> =
        sqlx::query_scalar("SELECT telegram_username FROM users WHERE id = $1")
            .bind(applicant.id)
            .fetch_one(&mut *tx)
            .await?;
    // Each copy is in a leader's private chat, whose id is the leader's Telegram id.
    for (row, chat_id) in outbox::about(tx, &approval_topic(applicant.id)).await? {
        let lang = lang::stored(tx, chat_id).await?;
        let html = format!(
            "{}\n\n{}",
            texts::approval_request(applicant, telegram_username.as_deref(), lang),
            texts::approval_decided(approved, decided_by, lang)
        );
        let edit = Outgoing::EditMessage {
            chat_id,
            message: MessageRef::Outbox(row),
            html,
            keyboard: Vec::new(),
        };
        outbox::enqueue(tx, &edit).await?;
    }
    let chat = applicant.telegram_id;
    let lang = lang::stored(tx, chat).await?;
    if !approved {
        let told = Outgoing::message(chat, texts::applicant_rejected(lang));
        return outbox::enqueue(tx, &told).await;
    }
    welcome(tx, chat, applicant, links, lang).await
}

/// The greeting of an active account in its private chat, in `lang`: the Mini App
/// button, and the chat's menu button opening the Mini App too.
pub async fn welcome(
    tx: &mut Conn,
    chat_id: i64,
    user: &User,
    links: Links<'_>,
    lang: Lang,
) -> Result<(), sqlx::Error> {
    let keyboard = match links.mini_app_url {
        Some(url) => vec![vec![Button::mini_app(texts::open_mini_app(lang), url)]],
        None => Vec::new(),
    };
    let html = texts::start_registered(
        &user.name,
        &user.username,
        links.mini_app_url.is_some(),
        lang,
    );
    outbox::enqueue(tx, &Outgoing::with_buttons(chat_id, html, keyboard)).await?;
    if let Some(url) = links.mini_app_url {
        let menu = Outgoing::SetMenuButton {
            chat_id,
            text: texts::MENU_BUTTON.into(),
            url: url.to_owned(),
        };
        outbox::enqueue(tx, &menu).await?;
    }
    Ok(())
}

/// Asks every active owner and admin, in their private chat with the bot and their
/// language, to approve or reject `applicant` (who registered as `telegram_username`).
pub async fn request_approval(
    tx: &mut Conn,
    applicant: &User,
    telegram_username: Option<&str>,
) -> Result<(), sqlx::Error> {
    let leaders: Vec<i64> = sqlx::query_scalar(
        "SELECT telegram_id FROM users WHERE role IN ('owner', 'admin') AND state = 'active' \
         ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let topic = approval_topic(applicant.id);
    for chat_id in leaders {
        let lang = lang::stored(tx, chat_id).await?;
        let html = texts::approval_request(applicant, telegram_username, lang);
        let keyboard = vec![vec![
            Button::callback(
                texts::approve_button(lang),
                approval_callback(AccountChange::Approve, applicant.id),
            ),
            Button::callback(
                texts::reject_button(lang),
                approval_callback(AccountChange::Reject, applicant.id),
            ),
        ]];
        let request = Outgoing::with_buttons(chat_id, html, keyboard);
        outbox::enqueue_about(tx, &request, &topic).await?;
    }
    Ok(())
}

/// Who last approved or rejected account `target_id`, as recorded.
pub async fn decided_by(conn: &mut Conn, target_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT actor FROM audit_log WHERE target_user_id = $1 \
         AND action IN ('approve', 'reject') ORDER BY id DESC LIMIT 1",
    )
    .bind(target_id)
    .fetch_optional(&mut *conn)
    .await
}

/// An account as the Tim page shows it, with the changes the viewer may make to it.
#[derive(Clone, Debug, Serialize)]
pub struct AccountView {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub telegram_id: i64,
    pub telegram_username: Option<String>,
    pub role: Role,
    pub state: AccountState,
    /// Titles of the groups Telegram says it belongs to (as last asked).
    pub groups: Vec<String>,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
    /// What the viewer may do now: `approve`, `reject`, `disable`, `enable`, `role`.
    pub actions: Vec<&'static str>,
    /// The roles the viewer may give it.
    pub roles: Vec<Role>,
}

/// Every account, waiting ones first, for a viewer who manages the team; `None` for anyone
/// else (for them the page does not exist).
pub async fn accounts(db: &Db, viewer: &User) -> Result<Option<Vec<AccountView>>, sqlx::Error> {
    if !access::manages_team(viewer) {
        return Ok(None);
    }
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, u.telegram_username, u.last_login_at, u.created_at FROM users u \
         ORDER BY CASE u.state WHEN 'pending' THEN 0 WHEN 'active' THEN 1 ELSE 2 END, \
         lower(u.name), u.id"
    ))
    .fetch_all(db.pool())
    .await?;
    let owners = active_owners(&mut *db.pool().acquire().await?).await?;
    let mut titles = groups::titles_by_account(db).await?;
    let mut accounts = Vec::with_capacity(rows.len());
    for row in &rows {
        let user = user_from_row(row)?;
        let offered = access::offered_changes(Actor::Member(viewer), &user, owners);
        let mut actions: Vec<&'static str> = offered.iter().map(|c| c.action()).collect();
        actions.dedup();
        let roles = offered
            .iter()
            .filter_map(|c| match c {
                AccountChange::SetRole(role) => Some(*role),
                _ => None,
            })
            .collect();
        accounts.push(AccountView {
            groups: titles.remove(&user.id).unwrap_or_default(),
            telegram_username: row.try_get(6)?,
            last_login_at: row.try_get(7)?,
            created_at: row.try_get(8)?,
            id: user.id,
            name: user.name,
            username: user.username,
            telegram_id: user.telegram_id,
            role: user.role,
            state: user.state,
            actions,
            roles,
        });
    }
    Ok(Some(accounts))
}

/// One line of the audit log.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    /// `Name (@username)` of the account changed.
    pub target: String,
    pub detail: String,
}

/// The newest `limit` account changes, newest first.
pub async fn audit(db: &Db, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.id, a.at, a.actor, a.action, u.name, u.username, a.detail FROM audit_log a \
         LEFT JOIN users u ON u.id = a.target_user_id ORDER BY a.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let name: Option<String> = row.try_get(4)?;
            let username: Option<String> = row.try_get(5)?;
            Ok(AuditEntry {
                id: row.try_get(0)?,
                at: row.try_get(1)?,
                actor: row.try_get(2)?,
                action: row.try_get(3)?,
                target: match (name, username) {
                    (Some(name), Some(username)) => format!("{name} (@{username})"),
                    _ => String::new(),
                },
                detail: row.try_get(6)?,
            })
        })
        .collect()
}

/// Every account with its last login, for `tangkap user list`.
pub async fn all(db: &Db) -> Result<Vec<(User, Option<i64>)>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, u.last_login_at FROM users u ORDER BY lower(u.username)"
    ))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| Ok((user_from_row(row)?, row.try_get(6)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_buttons_carry_the_decision_and_the_account() {
        for change in [AccountChange::Approve, AccountChange::Reject] {
            let data = approval_callback(change, 42);
            assert!(data.len() <= 64, "Telegram allows 64 bytes");
            assert_eq!(parse_approval_callback(&data), Some((change, 42)));
        }
        assert_eq!(parse_approval_callback("acc:disable:42"), None);
        assert_eq!(parse_approval_callback("acc:approve:x"), None);
        assert_eq!(parse_approval_callback("other"), None);
    }
}
