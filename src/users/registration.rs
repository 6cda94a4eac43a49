//! Where a private-chat conversation stands (`/daftar`, `/password`), kept in the database
//! so that one half-way through survives a restart of the bot. The same table keeps a
//! guest's `/booking` conversation ([`crate::booking::drafts`]): a person has one
//! conversation at a time, and starting one ends the other.

use sqlx::Row;

use super::{DisplayName, Username};
use crate::db::{now_ms, Conn};

/// The answer the bot waits for next, with the answers given so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Name,
    Username {
        name: DisplayName,
    },
    Password {
        name: DisplayName,
        username: Username,
    },
    /// `/password`: the new password of a registered account.
    NewPassword,
}

pub async fn load(tx: &mut Conn, telegram_id: i64) -> Result<Option<Step>, sqlx::Error> {
    let row = sqlx::query("SELECT step, name, username FROM dialogues WHERE telegram_id = $1")
        .bind(telegram_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let step: String = row.try_get(0)?;
    let name: Option<String> = row.try_get(1)?;
    let username: Option<String> = row.try_get(2)?;
    // The stored answers were valid when stored; if the rules have changed since, the
    // conversation starts over rather than carrying an answer the rules now refuse.
    let name = name.and_then(|n| DisplayName::parse(&n).ok());
    let username = username.and_then(|u| Username::parse(&u).ok());
    Ok(match (step.as_str(), name, username) {
        ("username", Some(name), _) => Some(Step::Username { name }),
        ("password", Some(name), Some(username)) => Some(Step::Password { name, username }),
        ("new_password", _, _) => Some(Step::NewPassword),
        ("name" | "username" | "password", _, _) => Some(Step::Name),
        // Another conversation (a booking) is under way.
        _ => None,
    })
}

pub async fn save(
    tx: &mut Conn,
    telegram_id: i64,
    chat_id: i64,
    step: &Step,
) -> Result<(), sqlx::Error> {
    let (label, name, username) = match step {
        Step::Name => ("name", None, None),
        Step::Username { name } => ("username", Some(name.as_str()), None),
        Step::Password { name, username } => {
            ("password", Some(name.as_str()), Some(username.as_str()))
        }
        Step::NewPassword => ("new_password", None, None),
    };
    sqlx::query(
        "INSERT INTO dialogues (telegram_id, chat_id, step, name, username, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (telegram_id) DO UPDATE SET chat_id = $2, step = $3, name = $4, \
         username = $5, updated_at = $6",
    )
    .bind(telegram_id)
    .bind(chat_id)
    .bind(label)
    .bind(name)
    .bind(username)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Ends the conversation; returns whether there was one.
pub async fn clear(tx: &mut Conn, telegram_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM dialogues WHERE telegram_id = $1")
        .bind(telegram_id)
        .execute(&mut *tx)
        .await?;
    Ok(done.rows_affected() > 0)
}
