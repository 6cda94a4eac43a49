//! Staff accounts: who may work on tickets, with their login name and password hash, their
//! role and the state of their account. What each role may do is decided in [`access`];
//! changes to accounts (approval, disabling, roles) and their audit live in [`team`].

pub mod access;
pub mod login;
pub mod registration;
pub mod sessions;
pub mod team;

use std::fmt;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHasher, SaltString},
    Argon2,
};
use sqlx::{Acquire, Row};

use crate::db::{is_unique_violation, now_ms, Conn, Db};

pub const NAME_MAX: usize = 64;
pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

/// A person's name as they want it shown (the seed's "Nama").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Indonesian sentences: they are shown to the user as is.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("Nama tidak boleh kosong.");
        }
        if name.starts_with('/') {
            return Err("Nama tidak boleh diawali garis miring (/).");
        }
        if name.chars().any(char::is_control) {
            return Err("Nama harus satu baris tanpa karakter khusus.");
        }
        if name.chars().count() > NAME_MAX {
            return Err("Nama terlalu panjang (maksimal 64 karakter).");
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The login name: ASCII letters, digits, `.` and `_`, unique regardless of case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let name = raw.trim();
        let length = name.chars().count();
        if !(USERNAME_MIN..=USERNAME_MAX).contains(&length) {
            return Err("Username harus 3 sampai 32 karakter.");
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            return Err("Username hanya boleh berisi huruf, angka, titik (.) dan garis bawah (_).");
        }
        if !name.as_bytes()[0].is_ascii_alphanumeric() {
            return Err("Username harus diawali huruf atau angka.");
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let length = raw.chars().count();
        if length < PASSWORD_MIN {
            return Err("Password minimal 8 karakter.");
        }
        if length > PASSWORD_MAX {
            return Err("Password terlalu panjang (maksimal 128 karakter).");
        }
        if raw.chars().any(char::is_control) {
            return Err("Password harus satu baris tanpa karakter khusus.");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// An argon2id hash in PHC format, with a fresh salt. CPU-heavy: call it off the
    /// async executor (e.g. in `spawn_blocking`).
    pub fn hash(&self) -> String {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .expect("argon2 with default parameters hashes any password")
            .to_string()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// What an account may do, from most to least.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including making and unmaking admins and owners.
    Owner,
    /// Approves and manages staff; sees every group.
    Admin,
    /// Works the tickets of the groups Telegram says they belong to.
    Staff,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Staff];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Staff => "staff",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// Where an account stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountState {
    /// Registered, waiting for an owner or admin.
    Pending,
    Active,
    Disabled,
    Rejected,
}

impl AccountState {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::Pending => "pending",
            AccountState::Active => "active",
            AccountState::Disabled => "disabled",
            AccountState::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            AccountState::Pending,
            AccountState::Active,
            AccountState::Disabled,
            AccountState::Rejected,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub telegram_id: i64,
    pub role: Role,
    pub state: AccountState,
}

impl User {
    /// Name and login, enough to tell two people called Budi apart: `Budi (@budi)`.
    pub fn label(&self) -> String {
        format!("{} (@{})", self.name, self.username)
    }
}

/// The columns [`user_from_row`] reads, in its order; `u` is the users table.
pub const USER_COLUMNS: &str = "u.id, u.name, u.username, u.telegram_id, u.role, u.state";

/// A [`User`] from the first six columns of `row` ([`USER_COLUMNS`]).
pub fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    let decode = |column: &str, value: String| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("unknown value {value:?}").into(),
    };
    let role: String = row.try_get(4)?;
    let state: String = row.try_get(5)?;
    Ok(User {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        username: row.try_get(2)?,
        telegram_id: row.try_get(3)?,
        role: Role::parse(&role).ok_or_else(|| decode("role", role))?,
        state: AccountState::parse(&state).ok_or_else(|| decode("state", state))?,
    })
}

/// What a finished `/daftar` stores.
#[derive(Debug)]
pub struct NewUser {
    pub name: DisplayName,
    pub username: Username,
    pub telegram_id: i64,
    pub telegram_username: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub state: AccountState,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("username is taken")]
    UsernameTaken,
    #[error("this Telegram account is registered already")]
    AlreadyRegistered,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The account `condition` (SQL on `u`, with `$1` bound to `value`) picks, if any.
async fn find_one<T>(
    conn: &mut Conn,
    condition: &str,
    value: T,
) -> Result<Option<User>, sqlx::Error>
where
    T: 'static + Send + for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE {condition}");
    let row = sqlx::query(&sql)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

pub async fn find_by_telegram_id(
    tx: &mut Conn,
    telegram_id: i64,
) -> Result<Option<User>, sqlx::Error> {
    find_one(tx, "u.telegram_id = $1", telegram_id).await
}

/// Turns reminders of tickets waiting for Pickup on or off for the account of
/// `telegram_id` (`/pengingat`); false if there is no such account.
pub async fn set_reminders(tx: &mut Conn, telegram_id: i64, on: bool) -> Result<bool, sqlx::Error> {
    let set = sqlx::query("UPDATE users SET reminders_muted = $2 WHERE telegram_id = $1")
        .bind(telegram_id)
        .bind(i64::from(!on))
        .execute(&mut *tx)
        .await?;
    Ok(set.rows_affected() == 1)
}

/// Private chats (Telegram ids) of the active accounts Telegram counts in group
/// `chat_id`, who have not muted reminders.
pub async fn group_staff_to_remind(conn: &mut Conn, chat_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT u.telegram_id FROM users u JOIN group_members m ON m.user_id = u.id \
         WHERE m.chat_id = $1 AND m.is_member = 1 AND u.state = 'active' \
         AND u.reminders_muted = 0 ORDER BY u.id",
    )
    .bind(chat_id)
    .fetch_all(&mut *conn)
    .await
}

/// Private chats (Telegram ids) of the active owners: they alone hear of the shop's
/// troubles.
pub async fn owners_to_tell(conn: &mut Conn) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT telegram_id FROM users WHERE role = 'owner' AND state = 'active' ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
}

/// Private chats (Telegram ids) of the active owners and admins.
pub async fn leaders_to_remind(conn: &mut Conn) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT telegram_id FROM users WHERE role IN ('owner', 'admin') AND state = 'active' \
         ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
}

/// The private chat (Telegram id) of account `id`, while it is active.
pub async fn active_chat(conn: &mut Conn, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT telegram_id FROM users WHERE id = $1 AND state = 'active'")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
}

/// The account with id `id`.
pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<User>, sqlx::Error> {
    find_one(conn, "u.id = $1", id).await
}

/// The account whose login name is `username`, in any case.
pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<User>, sqlx::Error> {
    let mut conn = db.pool().acquire().await?;
    find_one(
        &mut conn,
        "lower(u.username) = lower($1)",
        username.trim().to_owned(),
    )
    .await
}

/// The account, with its password hash, that has `username` (in any case) or
/// `telegram_id`; a username match wins when both would match different accounts.
pub async fn find_account(
    db: &Db,
    username: Option<&str>,
    telegram_id: Option<i64>,
) -> Result<Option<(User, String)>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, u.password_hash FROM users u \
         WHERE lower(u.username) = lower($1) OR u.telegram_id = $2 \
         ORDER BY CASE WHEN lower(u.username) = lower($1) THEN 0 ELSE 1 END LIMIT 1"
    ))
    .bind(username.unwrap_or_default())
    .bind(telegram_id.unwrap_or(i64::MIN))
    .fetch_optional(db.pool())
    .await?;
    row.map(|row| Ok((user_from_row(&row)?, row.try_get(6)?)))
        .transpose()
}

pub async fn username_taken(tx: &mut Conn, username: &Username) -> Result<bool, sqlx::Error> {
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE lower(username) = lower($1)")
            .bind(username.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    Ok(taken.is_some())
}

/// Stores a new staff account. The unique indexes decide races between two registrations.
pub async fn register(tx: &mut Conn, user: &NewUser) -> Result<User, RegisterError> {
    if find_by_telegram_id(tx, user.telegram_id).await?.is_some() {
        return Err(RegisterError::AlreadyRegistered);
    }
    if username_taken(tx, &user.username).await? {
        return Err(RegisterError::UsernameTaken);
    }
    // A savepoint, because on PostgreSQL a failed statement spoils the transaction.
    let mut insert = tx.begin().await?;
    let id: Result<i64, _> = sqlx::query_scalar(
        "INSERT INTO users (name, username, telegram_id, telegram_username, password_hash, role, \
         state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(user.name.as_str())
    .bind(user.username.as_str())
    .bind(user.telegram_id)
    .bind(user.telegram_username.as_deref())
    .bind(&user.password_hash)
    .bind(user.role.as_str())
    .bind(user.state.as_str())
    .bind(now_ms())
    .fetch_one(&mut *insert)
    .await;
    let id = match id {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            insert.rollback().await?;
            return Err(RegisterError::UsernameTaken);
        }
        Err(e) => return Err(e.into()),
    };
    insert.commit().await?;
    Ok(User {
        id,
        name: user.name.as_str().to_owned(),
        username: user.username.as_str().to_owned(),
        telegram_id: user.telegram_id,
        role: user.role,
        state: user.state,
    })
}

/// Replaces the password of account `user_id` and ends all its sessions: whoever knew the
/// old one is logged out everywhere.
pub async fn set_password(
    tx: &mut Conn,
    user_id: i64,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(user_id)
        .bind(password_hash)
        .execute(&mut *tx)
        .await?;
    sessions::end_all(tx, user_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("budi_01").is_ok());
        assert!(Username::parse("b.s").is_ok());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("_budi").is_err());
        assert!(Username::parse("budi santoso").is_err());
        assert!(Username::parse("búdi").is_err());
        assert!(Username::parse("admin'--").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(
            DisplayName::parse("  Budi Santoso ").unwrap().as_str(),
            "Budi Santoso"
        );
        assert!(DisplayName::parse("Siti 👩‍💼").is_ok());
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("/daftar").is_err());
        assert!(DisplayName::parse("a\nb").is_err());
        assert!(DisplayName::parse(&"n".repeat(65)).is_err());
    }

    #[test]
    fn passwords_are_hashed_with_argon2id_and_never_printed() {
        assert!(Password::parse("1234567").is_err());
        let password = Password::parse("rahasia123").unwrap();
        assert!(!format!("{password:?}").contains("rahasia"));
        let hash = password.hash();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert_ne!(hash, password.hash(), "each hash has its own salt");
    }
}
