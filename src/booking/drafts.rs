//! Where a guest's `/booking` conversation stands: one answer per message (name, check-in
//! date, nights, room type), kept in the private-chat `dialogues` table so that a guest
//! half-way through survives a restart, and so that a person has one conversation at a
//! time (starting `/daftar` ends a booking's, and the other way round).

use sqlx::Row;
use time::Date;

use super::{date_of_day, day_number};
use crate::db::{now_ms, Conn};

/// The answer the conversation waits for, with the answers given so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Draft {
    Name,
    CheckIn {
        name: String,
    },
    Nights {
        name: String,
        check_in: Date,
    },
    RoomType {
        name: String,
        check_in: Date,
        nights: u32,
    },
}

impl Draft {
    fn label(&self) -> &'static str {
        match self {
            Draft::Name => "booking_name",
            Draft::CheckIn { .. } => "booking_check_in",
            Draft::Nights { .. } => "booking_nights",
            Draft::RoomType { .. } => "booking_room_type",
        }
    }
}

/// The guest's booking conversation, if one is under way.
pub async fn load(tx: &mut Conn, telegram_id: i64) -> Result<Option<Draft>, sqlx::Error> {
    let row =
        sqlx::query("SELECT step, name, check_in, nights FROM dialogues WHERE telegram_id = $1")
            .bind(telegram_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let step: String = row.try_get(0)?;
    let name: Option<String> = row.try_get(1)?;
    let check_in: Option<i64> = row.try_get(2)?;
    let nights: Option<i64> = row.try_get(3)?;
    let check_in = check_in.map(date_of_day);
    let nights = nights.and_then(|n| u32::try_from(n).ok());
    Ok(match (step.as_str(), name, check_in, nights) {
        ("booking_check_in", Some(name), _, _) => Some(Draft::CheckIn { name }),
        ("booking_nights", Some(name), Some(check_in), _) => Some(Draft::Nights { name, check_in }),
        ("booking_room_type", Some(name), Some(check_in), Some(nights)) => Some(Draft::RoomType {
            name,
            check_in,
            nights,
        }),
        (step, ..) if step.starts_with("booking_") => Some(Draft::Name),
        // Another conversation (/daftar) is under way.
        _ => None,
    })
}

/// Stores where the guest's conversation stands, replacing any other conversation.
pub async fn save(
    tx: &mut Conn,
    telegram_id: i64,
    chat_id: i64,
    draft: &Draft,
) -> Result<(), sqlx::Error> {
    let (name, check_in, nights) = match draft {
        Draft::Name => (None, None, None),
        Draft::CheckIn { name } => (Some(name.as_str()), None, None),
        Draft::Nights { name, check_in } => (Some(name.as_str()), Some(*check_in), None),
        Draft::RoomType {
            name,
            check_in,
            nights,
        } => (Some(name.as_str()), Some(*check_in), Some(*nights)),
    };
    sqlx::query(
        "INSERT INTO dialogues (telegram_id, chat_id, step, name, username, check_in, nights, \
         updated_at) VALUES ($1, $2, $3, $4, NULL, $5, $6, $7) \
         ON CONFLICT (telegram_id) DO UPDATE SET chat_id = $2, step = $3, name = $4, \
         username = NULL, check_in = $5, nights = $6, updated_at = $7",
    )
    .bind(telegram_id)
    .bind(chat_id)
    .bind(draft.label())
    .bind(name)
    .bind(check_in.map(day_number))
    .bind(nights.map(i64::from))
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(())
}
