//! Room types and the rooms of each taken per night.

use std::collections::HashMap;

use sqlx::{any::AnyRow, Row};
use time::Date;

use super::{
    config::{check_price, RoomTypeConfig},
    date_of_day, day_number, Hotel, Stay,
};
use crate::{
    db::{now_ms, values_placeholders, Backend, Conn, Db},
    lang::Text,
    telegram::texts::rupiah,
    users::{
        access::{self, Actor},
        team, User,
    },
};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RoomType {
    pub id: i64,
    pub name: String,
    pub rooms: i64,
    /// Rupiah per night; 0 while none is set.
    pub price: i64,
}

const SELECT_TYPE: &str = "SELECT id, name, rooms, price FROM room_types";

fn room_type(row: &AnyRow) -> Result<RoomType, sqlx::Error> {
    Ok(RoomType {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        rooms: row.try_get(2)?,
        price: row.try_get(3)?,
    })
}

/// Writes the room types of the settings file: a new type is added, and a type whose
/// rooms or price the file changed since it was last read takes the file's value
/// (otherwise a value changed in the Mini App stands).
pub async fn sync_from_config(db: &Db, types: &[RoomTypeConfig]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let now = now_ms();
    for room_type in types {
        sqlx::query(
            "INSERT INTO room_types (name, name_key, rooms, config_rooms, price, config_price, \
             updated_at) VALUES ($1, $2, $3, $3, $5, $5, $4) \
             ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, \
             rooms = CASE WHEN room_types.config_rooms = excluded.config_rooms \
             THEN room_types.rooms ELSE excluded.rooms END, \
             config_rooms = excluded.config_rooms, \
             price = CASE WHEN room_types.config_price = excluded.config_price \
             THEN room_types.price ELSE excluded.price END, \
             config_price = excluded.config_price, updated_at = excluded.updated_at",
        )
        .bind(&room_type.name)
        .bind(room_type.name.to_lowercase())
        .bind(i64::from(room_type.rooms))
        .bind(now)
        .bind(room_type.price)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Every room type, in the order they were added.
pub async fn all(conn: &mut Conn) -> Result<Vec<RoomType>, sqlx::Error> {
    let rows = sqlx::query(&format!("{SELECT_TYPE} ORDER BY id"))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(room_type).collect()
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<RoomType>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT_TYPE} WHERE id = $1"))
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
    let row = sqlx::query(&format!("{SELECT_TYPE} WHERE name_key = $1"))
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(room_type).transpose()
}

/// The room types with a room free on every night of `stay`.
pub async fn free_for(conn: &mut Conn, stay: Stay) -> Result<Vec<RoomType>, sqlx::Error> {
    let (first, end) = stay.night_range();
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.rooms, t.price FROM room_types t WHERE t.rooms > 0 AND NOT EXISTS \
         (SELECT 1 FROM room_nights n WHERE n.room_type_id = t.id AND n.night >= $1 \
         AND n.night < $2 AND n.taken >= t.rooms) ORDER BY t.id",
    )
    .bind(first)
    .bind(end)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(room_type).collect()
}

/// How [`lock_types`] reads the room types.
#[derive(Clone, Copy)]
enum TypeLock {
    /// For holds: a change of the rooms waits for them.
    Share,
    /// For a change of the rooms: holds in flight finish first, later ones read the new
    /// number.
    Update,
}

/// The room types `ids` as they stand, read so that on PostgreSQL a change of their rooms
/// and the holds that read them wait for each other (see [`change`]). SQLite's one
/// writer needs no lock.
async fn lock_types(
    tx: &mut Conn,
    ids: &[i64],
    lock: TypeLock,
) -> Result<HashMap<i64, RoomType>, sqlx::Error> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let lock = match (Backend::of(tx), lock) {
        (Backend::Sqlite, _) => "",
        (Backend::Postgres, TypeLock::Share) => " FOR SHARE",
        (Backend::Postgres, TypeLock::Update) => " FOR UPDATE",
    };
    let sql = format!(
        "{SELECT_TYPE} WHERE id IN {} ORDER BY id{lock}",
        values_placeholders(1, 1, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in &ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(&mut *tx).await?;
    rows.iter()
        .map(|row| room_type(row).map(|t| (t.id, t)))
        .collect()
}

/// The room types `ids` for holds, shared-locked on PostgreSQL.
pub(super) async fn for_holds(
    tx: &mut Conn,
    ids: &[i64],
) -> Result<HashMap<i64, RoomType>, sqlx::Error> {
    lock_types(tx, ids, TypeLock::Share).await
}

/// A room type and one of its nights (a day number).
pub(super) type TypeNight = (i64, i64);

/// The rooms taken on each of `nights`, locked until the transaction ends: on PostgreSQL
/// row by row in (type, night) order, so batches of overlapping stays queue for each
/// other instead of both passing the check (or deadlocking); on SQLite by its one writer.
/// One statement reads and locks them: a night nobody has booked yet gets its row (0
/// taken), and one already there is updated to itself, which locks it.
pub(super) async fn lock_nights(
    tx: &mut Conn,
    nights: &[TypeNight],
) -> Result<HashMap<TypeNight, i64>, sqlx::Error> {
    let mut nights = nights.to_vec();
    nights.sort_unstable();
    nights.dedup();
    let mut taken = HashMap::with_capacity(nights.len());
    for chunk in nights.chunks(Backend::of(tx).rows_per_statement(3)) {
        let sql = format!(
            "INSERT INTO room_nights (room_type_id, night, taken) VALUES {} \
             ON CONFLICT (room_type_id, night) DO UPDATE SET taken = room_nights.taken \
             RETURNING room_type_id, night, taken",
            values_placeholders(1, chunk.len(), 3)
        );
        let mut upsert = sqlx::query(&sql);
        for (room_type, night) in chunk {
            upsert = upsert.bind(*room_type).bind(*night).bind(0_i64);
        }
        for row in upsert.fetch_all(&mut *tx).await? {
            taken.insert((row.try_get(0)?, row.try_get(1)?), row.try_get(2)?);
        }
    }
    Ok(taken)
}

/// Raises the rooms taken on each night by its number, in one statement per chunk; the
/// nights must have been locked by [`lock_nights`] in this transaction.
pub(super) async fn add_taken(
    tx: &mut Conn,
    added: &HashMap<TypeNight, i64>,
) -> Result<(), sqlx::Error> {
    let mut added: Vec<(&TypeNight, &i64)> = added.iter().collect();
    added.sort_unstable();
    for chunk in added.chunks(Backend::of(tx).rows_per_statement(3)) {
        // A VALUES list's columns are column1, column2, … on both backends.
        let sql = format!(
            "UPDATE room_nights SET taken = room_nights.taken + v.column3 \
             FROM (VALUES {}) AS v WHERE room_nights.room_type_id = v.column1 \
             AND room_nights.night = v.column2",
            values_placeholders(1, chunk.len(), 3)
        );
        let mut update = sqlx::query(&sql);
        for ((room_type, night), count) in chunk {
            update = update.bind(*room_type).bind(*night).bind(**count);
        }
        update.execute(&mut *tx).await?;
    }
    Ok(())
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

/// Most rooms of one type.
pub const MOST_ROOMS: i64 = 10_000;
/// Longest room type name.
const NAME_MAX_CHARS: usize = 40;

#[derive(Debug, thiserror::Error)]
pub enum RoomsError {
    /// No such type, or an actor who may not change room types.
    #[error("no such room type")]
    NotFound,
    #[error("{0}")]
    Invalid(Text),
    /// A night from today on has more rooms of the type taken than asked for.
    #[error("{taken} rooms are booked on {night}")]
    TooFew { night: Date, taken: i64 },
    #[error("a room type of that name exists")]
    Exists,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn check_rooms(rooms: i64) -> Result<(), RoomsError> {
    if (0..=MOST_ROOMS).contains(&rooms) {
        Ok(())
    } else {
        Err(RoomsError::Invalid(Text::new(
            format!("Jumlah kamar 0–{MOST_ROOMS}."),
            format!("Rooms must be 0 to {MOST_ROOMS}."),
        )))
    }
}

/// A change of a room type: its rooms, its price per night, or both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct TypeChange {
    pub rooms: Option<i64>,
    pub price: Option<i64>,
}

/// Changes room type `id` on behalf of `actor` (owners and admins), at `now`, all or
/// nothing: its rooms never fewer than any night from the hotel's today on has taken (0
/// closes the type to new bookings); its price for bookings held from now on (each
/// booking keeps the price it was held at). Each change is audited. On PostgreSQL the
/// type's row is locked for the change, so holds in flight finish first and later ones
/// read the new values.
pub async fn change(
    tx: &mut Conn,
    hotel: &Hotel,
    actor: &User,
    id: i64,
    change: TypeChange,
    now: i64,
) -> Result<RoomType, RoomsError> {
    if !access::manages_team(actor) {
        return Err(RoomsError::NotFound);
    }
    if let Some(rooms) = change.rooms {
        check_rooms(rooms)?;
    }
    if let Some(price) = change.price {
        check_price(price).map_err(RoomsError::Invalid)?;
    }
    let before = lock_types(tx, &[id], TypeLock::Update)
        .await?
        .remove(&id)
        .ok_or(RoomsError::NotFound)?;
    if let Some(rooms) = change.rooms {
        let busiest = sqlx::query(
            "SELECT night, taken FROM room_nights WHERE room_type_id = $1 AND night >= $2 \
             AND taken > $3 ORDER BY taken DESC, night LIMIT 1",
        )
        .bind(id)
        .bind(day_number(hotel.today(now)))
        .bind(rooms)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = busiest {
            return Err(RoomsError::TooFew {
                night: date_of_day(row.try_get(0)?),
                taken: row.try_get(1)?,
            });
        }
    }
    let (rooms, price) = (
        change.rooms.unwrap_or(before.rooms),
        change.price.unwrap_or(before.price),
    );
    sqlx::query("UPDATE room_types SET rooms = $2, price = $3, updated_at = $4 WHERE id = $1")
        .bind(id)
        .bind(rooms)
        .bind(price)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let name = &before.name;
    if rooms != before.rooms {
        let detail = format!("{name}: {} → {rooms}", before.rooms);
        team::record(tx, Actor::Member(actor), "room_type_rooms", None, &detail).await?;
    }
    if price != before.price {
        let detail = format!("{name}: {} → {}", rupiah(before.price), rupiah(price));
        team::record(tx, Actor::Member(actor), "room_type_price", None, &detail).await?;
    }
    Ok(RoomType {
        rooms,
        price,
        ..before
    })
}

/// Adds room type `name` with `rooms` at `price` per night on behalf of `actor` (owners
/// and admins). Audited.
pub async fn add(
    tx: &mut Conn,
    actor: &User,
    name: &str,
    rooms: i64,
    price: i64,
) -> Result<RoomType, RoomsError> {
    if !access::manages_team(actor) {
        return Err(RoomsError::NotFound);
    }
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS || name.starts_with('/') {
        return Err(RoomsError::Invalid(Text::new(
            format!("Nama tipe kamar 1–{NAME_MAX_CHARS} huruf, tidak diawali /."),
            format!("A room type's name is 1 to {NAME_MAX_CHARS} characters, not starting with /."),
        )));
    }
    check_rooms(rooms)?;
    check_price(price).map_err(RoomsError::Invalid)?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO room_types (name, name_key, rooms, price, updated_at) \
         VALUES ($1, $2, $3, $5, $4) ON CONFLICT (name_key) DO NOTHING RETURNING id",
    )
    .bind(&name)
    .bind(name.to_lowercase())
    .bind(rooms)
    .bind(now_ms())
    .bind(price)
    .fetch_optional(&mut *tx)
    .await?;
    let id = id.ok_or(RoomsError::Exists)?;
    team::record(
        tx,
        Actor::Member(actor),
        "room_type_added",
        None,
        &format!("{name}: {rooms}, {}", rupiah(price)),
    )
    .await?;
    Ok(RoomType {
        id,
        name,
        rooms,
        price,
    })
}
