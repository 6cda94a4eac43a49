//! The hotel's `[booking]` settings that owners and admins also change in the Mini App:
//! the hotel's name, the hold, its warning, the FO chat, how far ahead guests may book, and
//! the payment text (`booking.erase_after` and the time zone stay file-only).
//!
//! As with room types, each setting keeps the value in force and the settings file's value
//! as last read: on start a value the file changed since wins over the Mini App's;
//! otherwise the Mini App's stands across restarts. The values in force live only in the
//! database and are read at the start of each operation (a bot update that needs them, a
//! web request, a timer firing), so an edit holds at once on every instance. A new hold or
//! warning applies to bookings held after the change: timers already set stay as they are.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use sqlx::Row;

use super::config::{
    check_book_ahead_days, check_hotel_name, check_payment_text, check_staff_chat,
    check_warn_before, parse_hold, parse_warn_before,
};
use crate::{
    db::{Backend, Conn, Db},
    groups::settings::duration_text,
    lang::Text,
    users::{
        access::{self, Actor},
        team, User,
    },
};

/// The settings in force: the file's, as the Mini App changed them.
pub use super::config::HotelSettings as Settings;

/// The settings as the Mini App shows them: durations as `2h`, `1h30m`, `0s`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettingsView {
    pub hotel_name: String,
    pub hold: String,
    pub warn_before: String,
    /// Null: no FO chat (owners and admins are told privately).
    pub staff_chat: Option<i64>,
    pub book_ahead_days: u32,
    pub payment_text: String,
}

const HOTEL_NAME: &str = "hotel_name";
const HOLD: &str = "hold";
const WARN_BEFORE: &str = "warn_before";
const STAFF_CHAT: &str = "staff_chat";
const BOOK_AHEAD_DAYS: &str = "book_ahead_days";
const PAYMENT_TEXT: &str = "payment_text";

impl Settings {
    pub fn view(&self) -> SettingsView {
        SettingsView {
            hotel_name: self.hotel_name.clone(),
            hold: duration_text(self.hold),
            warn_before: duration_text(self.warn_before),
            staff_chat: self.staff_chat,
            book_ahead_days: self.book_ahead_days,
            payment_text: self.payment_text.clone(),
        }
    }

    /// Each setting as stored: its name and text.
    fn stored(&self) -> [(&'static str, String); 6] {
        [
            (HOTEL_NAME, self.hotel_name.clone()),
            (HOLD, duration_text(self.hold)),
            (WARN_BEFORE, duration_text(self.warn_before)),
            (
                STAFF_CHAT,
                self.staff_chat.map(|c| c.to_string()).unwrap_or_default(),
            ),
            (BOOK_AHEAD_DAYS, self.book_ahead_days.to_string()),
            (PAYMENT_TEXT, self.payment_text.clone()),
        ]
    }

    /// Takes stored setting `name`'s `value` (checked as a change would be, except the
    /// warning against the hold, which [`read`] checks once all are in).
    fn take_stored(&mut self, name: &str, value: &str) -> Result<(), Text> {
        match name {
            HOTEL_NAME => self.hotel_name = check_hotel_name(value)?,
            HOLD => self.hold = parse_hold(value)?,
            WARN_BEFORE => self.warn_before = parse_warn_before(value, Duration::MAX)?,
            STAFF_CHAT => self.staff_chat = staff_chat_text(value)?,
            // Not a number: refused with the words of a number out of range.
            BOOK_AHEAD_DAYS => {
                self.book_ahead_days = check_book_ahead_days(value.trim().parse().unwrap_or(0))?
            }
            PAYMENT_TEXT => self.payment_text = check_payment_text(value)?,
            _ => {}
        }
        Ok(())
    }
}

/// An FO chat as typed: a group's id, or empty (or 0) for none.
fn staff_chat_text(text: &str) -> Result<Option<i64>, Text> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // Anything not a number is refused with the same words as a wrong number.
    check_staff_chat(text.parse().unwrap_or(1))
}

/// The stored settings over `file`'s (a setting not stored, or unreadable, is the file's).
async fn read(conn: &mut Conn, file: &Settings, lock: bool) -> Result<Settings, sqlx::Error> {
    let lock = match (Backend::of(conn), lock) {
        (Backend::Postgres, true) => " FOR UPDATE",
        _ => "",
    };
    let rows = sqlx::query(&format!("SELECT name, value FROM hotel_settings{lock}"))
        .fetch_all(&mut *conn)
        .await?;
    let mut settings = file.clone();
    for row in rows {
        let (name, value): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        if let Err(problem) = settings.take_stored(&name, &value) {
            tracing::warn!(%name, %value, %problem, "stored booking setting unreadable; the file's is used");
        }
    }
    Ok(settings)
}

/// The settings in force, over the settings file's `file`: one read, at the start of each
/// operation.
pub async fn load(conn: &mut Conn, file: &Settings) -> Result<Settings, sqlx::Error> {
    let mut settings = read(conn, file, false).await?;
    if check_warn_before(settings.warn_before, settings.hold).is_err() {
        // Cannot be stored so (see `sync_from_config`); were it, no warning beats a late one.
        settings.warn_before = Duration::ZERO;
    }
    Ok(settings)
}

/// Writes the settings file's values `file` on start: a setting the file changed since it
/// was last read takes the file's value; otherwise the value in force stands. Should the
/// warning then not be shorter than the hold (the file changed one, the Mini App the
/// other), both are the file's.
pub async fn sync_from_config(db: &Db, file: &Settings, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for (name, value) in file.stored() {
        sqlx::query(
            "INSERT INTO hotel_settings (name, value, config_value, updated_at) \
             VALUES ($1, $2, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET \
             value = CASE WHEN hotel_settings.config_value = excluded.config_value \
             THEN hotel_settings.value ELSE excluded.value END, \
             config_value = excluded.config_value, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(value)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let settings = read(&mut tx, file, true).await?;
    if check_warn_before(settings.warn_before, settings.hold).is_err() {
        for (name, value) in file.stored() {
            if [HOLD, WARN_BEFORE].contains(&name) {
                write(&mut tx, name, &value, now).await?;
            }
        }
    }
    tx.commit().await
}

async fn write(tx: &mut Conn, name: &str, value: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO hotel_settings (name, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(name)
    .bind(value)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A change asked for: any of the settings; those left out stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsChange {
    pub hotel_name: Option<String>,
    /// `2h`, `90m`, `1h30m`.
    pub hold: Option<String>,
    /// As the hold; `0` for no warning.
    pub warn_before: Option<String>,
    /// A group's id (number or text); null, `""` or 0 turns the FO chat off.
    #[serde(default, deserialize_with = "present")]
    pub staff_chat: Option<StaffChat>,
    /// A number (or one as text, as a form field gives it).
    pub book_ahead_days: Option<NumberOrText>,
    pub payment_text: Option<String>,
}

/// A number as JSON or a form field gives it.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum NumberOrText {
    Number(i64),
    Text(String),
}

/// The FO chat as a change gives it.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum StaffChat {
    Id(i64),
    Text(String),
    Off,
}

/// A field given (even as null) is `Some`; one left out, `None` (its default).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// An actor who may not change the settings: for them they are not there.
    #[error("no such settings")]
    NotFound,
    /// `field`'s value refused; nothing was changed.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: Text },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Longest value written into an audit row's detail.
const AUDIT_VALUE_MAX_CHARS: usize = 60;

fn audit_value(value: &str) -> String {
    let value = value.replace('\n', " ");
    if value.chars().count() <= AUDIT_VALUE_MAX_CHARS {
        value
    } else {
        let kept: String = value.chars().take(AUDIT_VALUE_MAX_CHARS - 1).collect();
        format!("{kept}…")
    }
}

/// Applies `change` on behalf of `actor` (owners and admins) at `now`, all or nothing:
/// every value is checked (the warning against the hold as it will be) before any is
/// written. Each setting changed is audited (`hold: 2h → 3h`). The settings in force after.
pub async fn set(
    tx: &mut Conn,
    file: &Settings,
    actor: &User,
    change: &SettingsChange,
    now: i64,
) -> Result<Settings, SettingsError> {
    if !access::manages_team(actor) {
        return Err(SettingsError::NotFound);
    }
    let invalid =
        |field: &'static str| move |message: Text| SettingsError::Invalid { field, message };
    // Locked on PostgreSQL, so that two changes of hold and warning cannot pass each other.
    let before = read(tx, file, true).await?;
    let mut after = before.clone();
    if let Some(name) = &change.hotel_name {
        after.hotel_name = check_hotel_name(name).map_err(invalid(HOTEL_NAME))?;
    }
    if let Some(hold) = &change.hold {
        after.hold = parse_hold(hold).map_err(invalid(HOLD))?;
    }
    if let Some(chat) = &change.staff_chat {
        after.staff_chat = match chat {
            StaffChat::Id(id) => check_staff_chat(*id),
            StaffChat::Text(text) => staff_chat_text(text),
            StaffChat::Off => Ok(None),
        }
        .map_err(invalid(STAFF_CHAT))?;
    }
    if let Some(days) = &change.book_ahead_days {
        let days = match days {
            NumberOrText::Number(days) => *days,
            // Not a number: refused with the words of a number out of range.
            NumberOrText::Text(text) => text.trim().parse().unwrap_or(0),
        };
        after.book_ahead_days = check_book_ahead_days(days).map_err(invalid(BOOK_AHEAD_DAYS))?;
    }
    if let Some(text) = &change.payment_text {
        after.payment_text = check_payment_text(text).map_err(invalid(PAYMENT_TEXT))?;
    }
    after.warn_before = match &change.warn_before {
        Some(warn) => parse_warn_before(warn, after.hold),
        None => check_warn_before(after.warn_before, after.hold),
    }
    .map_err(invalid(WARN_BEFORE))?;
    for ((name, old), (_, new)) in before.stored().into_iter().zip(after.stored()) {
        if old == new {
            continue;
        }
        write(tx, name, &new, now).await?;
        let shown = |value: &str| match value {
            "" => "—".to_owned(),
            value => audit_value(value),
        };
        let detail = format!("{name}: {} → {}", shown(&old), shown(&new));
        team::record(tx, Actor::Member(actor), "booking_setting", None, &detail).await?;
    }
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            hotel_name: "Hotel Melati".into(),
            hold: Duration::from_secs(7200),
            warn_before: Duration::from_secs(900),
            staff_chat: Some(-100_555),
            book_ahead_days: 60,
            payment_text: "QRIS".into(),
        }
    }

    #[test]
    fn stored_values_read_back_as_they_were() {
        for chat in [Some(-100_555), None] {
            let mut written = settings();
            written.staff_chat = chat;
            written.warn_before = Duration::ZERO;
            let mut read = Settings {
                hotel_name: "x".into(),
                hold: Duration::from_secs(1),
                warn_before: Duration::from_secs(1),
                staff_chat: Some(-1),
                book_ahead_days: 1,
                payment_text: "y".into(),
            };
            for (name, value) in written.stored() {
                read.take_stored(name, &value).unwrap();
            }
            assert_eq!(read, written);
        }
        assert_eq!(settings().view().hold, "2h");
        assert_eq!(settings().view().warn_before, "15m");
    }

    #[test]
    fn a_change_reads_the_fo_chat_as_a_number_text_or_null() {
        let change = |json: &str| serde_json::from_str::<SettingsChange>(json).unwrap();
        assert!(change("{}").staff_chat.is_none());
        assert!(matches!(
            change(r#"{"staff_chat": null}"#).staff_chat,
            Some(StaffChat::Off)
        ));
        assert!(matches!(
            change(r#"{"staff_chat": -100}"#).staff_chat,
            Some(StaffChat::Id(-100))
        ));
        assert!(matches!(
            change(r#"{"staff_chat": ""}"#).staff_chat,
            Some(StaffChat::Text(_))
        ));
        assert_eq!(staff_chat_text(" -100 "), Ok(Some(-100)));
        assert_eq!(staff_chat_text(""), Ok(None));
        assert!(staff_chat_text("grup FO").is_err());
        assert!(staff_chat_text("12345").is_err());
        assert!(serde_json::from_str::<SettingsChange>(r#"{"erase_after": "1d"}"#).is_err());
    }

    #[test]
    fn audit_values_are_kept_short() {
        assert_eq!(audit_value("a\nb"), "a b");
        let long = audit_value(&"x".repeat(100));
        assert_eq!(long.chars().count(), AUDIT_VALUE_MAX_CHARS);
        assert!(long.ends_with('…'));
    }
}
