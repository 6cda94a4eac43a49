//! Mini App sessions: a random token goes to the client once; the database keeps only its
//! SHA-256, with an expiry.

use std::time::Duration;

use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{user_from_row, User, USER_COLUMNS};
use crate::db::{now_ms, Conn, Db};

/// The secret a client presents; never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A live session.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: User,
    /// Opened inside Telegram: every request must then carry matching initData.
    pub via_telegram: bool,
    pub expires_at: i64,
}

/// What a presented token turned out to be.
#[derive(Debug)]
pub enum Lookup {
    Valid(Session),
    Expired,
    Unknown,
}

/// Opens a session for `user_id` and notes the login; returns the token and when it
/// expires (Unix ms).
pub async fn create(
    db: &Db,
    user_id: i64,
    via_telegram: bool,
    ttl: Duration,
) -> Result<(SessionToken, i64), sqlx::Error> {
    let token = SessionToken::generate();
    let now = now_ms();
    let expires_at = now + ttl.as_millis() as i64;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, via_telegram, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(digest(token.expose()))
    .bind(user_id)
    .bind(i64::from(via_telegram))
    .bind(now)
    .bind(expires_at)
    .execute(db.writer())
    .await?;
    sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
        .bind(user_id)
        .bind(now)
        .execute(db.writer())
        .await?;
    // Expired sessions of anyone are of no use; clearing them here keeps the table small.
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(now)
        .execute(db.writer())
        .await?;
    Ok((token, expires_at))
}

pub async fn find(db: &Db, token: &str) -> Result<Lookup, sqlx::Error> {
    // Only an active account's sessions count; they are also ended when it stops being
    // active, so this is a second lock on the same door.
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, s.via_telegram, s.expires_at \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND u.state = 'active'"
    ))
    .bind(digest(token))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(Lookup::Unknown);
    };
    let expires_at: i64 = row.try_get(7)?;
    if expires_at <= now_ms() {
        end(db, token).await?;
        return Ok(Lookup::Expired);
    }
    Ok(Lookup::Valid(Session {
        user: user_from_row(&row)?,
        via_telegram: row.try_get::<i64, _>(6)? == 1,
        expires_at,
    }))
}

/// Logs out.
pub async fn end(db: &Db, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(digest(token))
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Ends every session of account `user_id` (disabled, rejected, or a new password).
pub async fn end_all(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
