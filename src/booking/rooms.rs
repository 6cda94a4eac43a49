//! Room types and the rooms of each taken per night.

use sqlx::{any::AnyRow, Row};
use time::Date;

use super::{date_of_day, day_number, Hotel, Stay};
use crate::{
    config::RoomTypeConfig,
    db::{now_ms, values_placeholders, Backend, Conn, Db},
};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RoomType {
    pub id: i64,
    pub name: String,
    pub rooms: i64,
}

fn room_type(row: &AnyRow) -> Result<RoomType, sqlx::Error> {
    Ok(RoomType {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        rooms: row.try_get(2)?,
    })
}

/// Writes the room types of the settings file: a new type is added, and a type whose
/// rooms the file changed since it was last read takes the file's number (otherwise a
/// number changed in the Mini App stands).
pub async fn sync_from_config(db: &Db, types: &[RoomTypeConfig]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let now = now_ms();
    for room_type in types {
        sqlx::query(
            "INSERT INTO room_types (name, name_key, rooms, config_rooms, updated_at) \
             VALUES ($1, $2, $3, $3, $4) \
             ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, \
             rooms = CASE WHEN room_types.config_rooms = excluded.config_rooms \
             THEN room_types.rooms ELSE excluded.rooms END, \
             config_rooms = excluded.config_rooms, updated_at = excluded.updated_at",
        )
        .bind(&room_type.name)
        .bind(room_type.name.to_lowercase())
        .bind(i64::from(room_type.rooms))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Every room type, in the order they were added.
pub async fn all(conn: &mut Conn) -> Result<Vec<RoomType>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name, rooms FROM room_types ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(room_type).collect()
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<RoomType>, sqlx::Error> {
    let row = sqlx::query("SELECT id, name, rooms FROM room_types WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(room_type).transpose()
}

/// The room type called `name` (any case, spaces as typed), if there is one.
pub async fn find_by_name(conn: &mut Conn, name: &str) -> Result<Option<RoomType>, sqlx::Error> {
    let key = name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let row = sqlx::query("SELECT id, name, rooms FROM room_types WHERE name_key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(room_type).transpose()
}

/// The room types with a room free on every night of `stay`.
pub async fn free_for(conn: &mut Conn, stay: Stay) -> Result<Vec<RoomType>, sqlx::Error> {
    let (first, end) = stay.night_range();
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.rooms FROM room_types t WHERE t.rooms > 0 AND NOT EXISTS \
         (SELECT 1 FROM room_nights n WHERE n.room_type_id = t.id AND n.night >= $1 \
         AND n.night < $2 AND n.taken >= t.rooms) ORDER BY t.id",
    )
    .bind(first)
    .bind(end)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(room_type).collect()
}

/// Takes one room of `room_type` on every night of `stay`, if each night has one left;
/// false (and nothing taken) if not.
pub(super) async fn take(
    tx: &mut Conn,
    room_type: &RoomType,
    stay: Stay,
) -> Result<bool, sqlx::Error> {
    let (first, end) = stay.night_range();
    let nights: Vec<i64> = (first..end).collect();
    let sql = format!(
        "INSERT INTO room_nights (room_type_id, night, taken) VALUES {} \
         ON CONFLICT (room_type_id, night) DO NOTHING",
        values_placeholders(1, nights.len(), 3)
    );
    let mut insert = sqlx::query(&sql);
    for night in &nights {
        insert = insert.bind(room_type.id).bind(*night).bind(0_i64);
    }
    insert.execute(&mut *tx).await?;
    if Backend::of(tx) == Backend::Postgres {
        // Locked in night order: overlapping stays queue here, and cannot deadlock.
        sqlx::query(
            "SELECT night FROM room_nights WHERE room_type_id = $1 AND night >= $2 \
             AND night < $3 ORDER BY night FOR UPDATE",
        )
        .bind(room_type.id)
        .bind(first)
        .bind(end)
        .fetch_all(&mut *tx)
        .await?;
    }
    let full: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM room_nights WHERE room_type_id = $1 AND night >= $2 \
         AND night < $3 AND taken >= $4",
    )
    .bind(room_type.id)
    .bind(first)
    .bind(end)
    .bind(room_type.rooms)
    .fetch_one(&mut *tx)
    .await?;
    if full > 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE room_nights SET taken = taken + 1 WHERE room_type_id = $1 AND night >= $2 \
         AND night < $3",
    )
    .bind(room_type.id)
    .bind(first)
    .bind(end)
    .execute(&mut *tx)
    .await?;
    Ok(true)
}

/// Gives back the room of type `room_type_id` on every night of `stay`.
pub(super) async fn release(
    tx: &mut Conn,
    room_type_id: i64,
    stay: Stay,
) -> Result<(), sqlx::Error> {
    let (first, end) = stay.night_range();
    sqlx::query(
        "UPDATE room_nights SET taken = taken - 1 WHERE room_type_id = $1 AND night >= $2 \
         AND night < $3 AND taken > 0",
    )
    .bind(room_type_id)
    .bind(first)
    .bind(end)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// How many next free check-in dates a refusal names.
const SUGGESTIONS: usize = 3;

/// The next check-in dates (after `stay`'s, within the booking window at `now`) on which a
/// stay of the same length has a room of `room_type` every night.
pub async fn next_free(
    conn: &mut Conn,
    hotel: &Hotel,
    room_type: &RoomType,
    stay: Stay,
    now: i64,
) -> Result<Vec<Date>, sqlx::Error> {
    if room_type.rooms <= 0 {
        return Ok(Vec::new());
    }
    let first = day_number(stay.check_in.max(hotel.today(now)));
    let last = day_number(hotel.last_check_in(now));
    let nights = i64::from(stay.nights);
    let full: Vec<i64> = sqlx::query_scalar(
        "SELECT night FROM room_nights WHERE room_type_id = $1 AND night >= $2 \
         AND night < $3 AND taken >= $4 ORDER BY night",
    )
    .bind(room_type.id)
    .bind(first)
    .bind(last + nights)
    .bind(room_type.rooms)
    .fetch_all(&mut *conn)
    .await?;
    let mut dates = Vec::new();
    let mut start = first + 1;
    while start <= last && dates.len() < SUGGESTIONS {
        match full.iter().find(|&&n| n >= start && n < start + nights) {
            // The stay cannot include that night: start after it.
            Some(&night) => start = night + 1,
            None => {
                dates.push(date_of_day(start));
                start += 1;
            }
        }
    }
    Ok(dates)
}
