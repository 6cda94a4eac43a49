//! The front desk's day: who arrives today, who is in the house and who leaves; a paid
//! booking's check-in (with a room number, if given) and its check-out, each by whom and
//! when; the rooms of each type free night by night; tonight's occupancy for the digest.
//!
//! A check-in or check-out is one conditional UPDATE, as a decision is ([`super::decide`]):
//! of two FO pressing at once exactly one changes the row, and the other is told who did.
//! Each is recorded as a `booking_events` row and told to the FO chat in the same
//! transaction.

use std::collections::HashMap;

use sqlx::Row;
use time::{Date, Time};

use super::config::MOST_NIGHTS;
use super::{
    booking, date_of_day, day_number, record, rooms, tell_front_office, texts, Booking, Hotel,
    Refusal, Status, Stay, SELECT_BOOKING,
};
use crate::{db::Conn, users::User};

/// How far back the desk looks for a stay's check-in: the longest stay, and two weeks more
/// for a guest left checked in after their check-out day (a stay open longer than that is
/// no longer listed).
const LOOKBACK_DAYS: i64 = MOST_NIGHTS as i64 + 14;

/// The front desk's day at the hotel. A guest leaving today is both in the house and
/// among the departures until checked out.
#[derive(Clone, Debug)]
pub struct Day {
    pub date: Date,
    /// Checking in today, pending or paid, not checked in yet.
    pub arrivals: Vec<Booking>,
    /// Checked in and not checked out.
    pub in_house: Vec<Booking>,
    /// In the house with their check-out day today (or past), and those checked out today.
    pub departures: Vec<Booking>,
}

/// The desk's day at `now`: its date at the hotel, and its bookings, in one query (over
/// the index on check-in dates).
pub async fn today(conn: &mut Conn, hotel: &Hotel, now: i64) -> Result<Day, sqlx::Error> {
    let date = hotel.today(now);
    let day = day_number(date);
    let sql = format!(
        "{SELECT_BOOKING} WHERE b.check_in >= $1 AND b.check_in <= $2 AND ( \
         (b.check_in = $2 AND b.status IN ('pending', 'paid') AND b.checked_in_at IS NULL) \
         OR (b.status = 'paid' AND b.checked_in_at IS NOT NULL \
         AND (b.checked_out_at IS NULL OR b.checked_out_at >= $3))) \
         ORDER BY b.check_in, b.id"
    );
    let rows = sqlx::query(&sql)
        .bind(day - LOOKBACK_DAYS)
        .bind(day)
        .bind(hotel.moment_on(date, Time::MIDNIGHT))
        .fetch_all(&mut *conn)
        .await?;
    let mut desk = Day {
        date,
        arrivals: Vec::new(),
        in_house: Vec::new(),
        departures: Vec::new(),
    };
    for row in &rows {
        let booking = booking(row)?;
        if booking.checked_in_at.is_none() {
            desk.arrivals.push(booking);
        } else if booking.checked_out_at.is_some() {
            desk.departures.push(booking);
        } else {
            if booking.stay().check_out() <= date {
                desk.departures.push(booking.clone());
            }
            desk.in_house.push(booking);
        }
    }
    Ok(desk)
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("no such booking")]
    NotFound,
    /// The booking as it stands, and why.
    #[error("refused: {0:?}")]
    Refused(Refusal, Box<Booking>),
    #[error("not a room number")]
    RoomNo,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Longest room number.
const ROOM_NO_MAX_CHARS: usize = 16;

/// A room number as typed: trimmed; none when empty; 1 to 16 characters, none a control
/// character.
pub fn room_no(typed: Option<&str>) -> Result<Option<String>, DeskError> {
    match typed.map(str::trim) {
        None | Some("") => Ok(None),
        Some(room)
            if room.chars().count() <= ROOM_NO_MAX_CHARS && !room.chars().any(char::is_control) =>
        {
            Ok(Some(room.to_owned()))
        }
        Some(_) => Err(DeskError::RoomNo),
    }
}

/// Why `booking` cannot be checked in on `date`, if it cannot.
fn check_in_refusal(booking: &Booking, date: Date) -> Option<Refusal> {
    if booking.checked_in_at.is_some() {
        Some(Refusal::AlreadyIn)
    } else if booking.status() != Status::Paid {
        Some(Refusal::NotPaid)
    } else if date < booking.check_in {
        Some(Refusal::TooEarly)
    } else if date >= booking.stay().check_out() {
        Some(Refusal::StayOver)
    } else {
        None
    }
}

/// Checks in paid booking `id` on behalf of `actor` (who must [`super::may_work`]), in
/// room `room_no` if given (see [`room_no`]), at `now`: on its check-in day or later within
/// the stay. Recorded and told to the FO chat.
pub async fn check_in(
    tx: &mut Conn,
    hotel: &Hotel,
    actor: &User,
    id: i64,
    room_no: Option<&str>,
    now: i64,
) -> Result<Booking, DeskError> {
    let date = hotel.today(now);
    let day = day_number(date);
    let label = actor.label();
    let moved = sqlx::query(
        "UPDATE bookings SET checked_in_at = $2, checked_in_by = $3, room_no = $4 \
         WHERE id = $1 AND status = 'paid' AND checked_in_at IS NULL \
         AND check_in <= $5 AND check_in + nights > $5",
    )
    .bind(id)
    .bind(now)
    .bind(&label)
    .bind(room_no)
    .bind(day)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let booking = super::find(tx, id).await?.ok_or(DeskError::NotFound)?;
    if moved == 0 {
        // Whoever was faster has checked it in by now, if nothing else stands in the way.
        let why = check_in_refusal(&booking, date).unwrap_or(Refusal::AlreadyIn);
        return Err(DeskError::Refused(why, Box::new(booking)));
    }
    record(
        tx,
        &[id],
        "checked_in",
        Some(actor.id),
        &label,
        now,
        room_no,
    )
    .await?;
    tell_front_office(tx, hotel, &[texts::checked_in(&booking)]).await?;
    Ok(booking)
}

/// Checks out booking `id` (checked in, not out) on behalf of `actor` (who must
/// [`super::may_work`]) at `now`. A guest leaving before their check-out day gives back
/// the nights still to come, tonight's included. Recorded and told to the FO chat.
pub async fn check_out(
    tx: &mut Conn,
    hotel: &Hotel,
    actor: &User,
    id: i64,
    now: i64,
) -> Result<Booking, DeskError> {
    let label = actor.label();
    let moved = sqlx::query(
        "UPDATE bookings SET checked_out_at = $2, checked_out_by = $3 \
         WHERE id = $1 AND checked_in_at IS NOT NULL AND checked_out_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(&label)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let booking = super::find(tx, id).await?.ok_or(DeskError::NotFound)?;
    if moved == 0 {
        let why = match booking.checked_in_at {
            None => Refusal::NotIn,
            Some(_) => Refusal::AlreadyOut,
        };
        return Err(DeskError::Refused(why, Box::new(booking)));
    }
    // Tonight, or the stay's first night should the guest leave before it.
    let from = hotel.today(now).max(booking.check_in);
    let freed = u32::try_from((booking.stay().check_out() - from).whole_days()).unwrap_or(0);
    if freed > 0 {
        let rest = Stay {
            check_in: from,
            nights: freed,
        };
        rooms::release(tx, booking.room_type_id, rest).await?;
    }
    record(tx, &[id], "checked_out", Some(actor.id), &label, now, None).await?;
    tell_front_office(tx, hotel, &[texts::checked_out(&booking, freed)]).await?;
    Ok(booking)
}

/// The grid's nights unless asked otherwise, and the most it shows.
pub const GRID_DAYS: u32 = 14;
pub const GRID_MOST_DAYS: u32 = 31;

/// The rooms of each type taken and free, night by night.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    /// The nights shown, in order.
    pub days: Vec<Date>,
    pub types: Vec<GridType>,
}

/// One room type's nights on the grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridType {
    pub room_type: rooms::RoomType,
    /// One for each of the grid's days, in order.
    pub nights: Vec<GridNight>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GridNight {
    pub date: Date,
    /// Rooms held or booked (pending and paid).
    pub taken: i64,
    pub free: i64,
}

/// The rooms taken and free of every type on each of `days` nights from `from`: the types,
/// then the nights' counts in one query over `room_nights`.
pub async fn grid(conn: &mut Conn, from: Date, days: u32) -> Result<Grid, sqlx::Error> {
    let types = rooms::all(conn).await?;
    let first = day_number(from);
    let end = first + i64::from(days);
    let rows = sqlx::query(
        "SELECT n.room_type_id, n.night, n.taken FROM room_types t JOIN room_nights n \
         ON n.room_type_id = t.id AND n.night >= $1 AND n.night < $2",
    )
    .bind(first)
    .bind(end)
    .fetch_all(&mut *conn)
    .await?;
    let mut taken: HashMap<(i64, i64), i64> = HashMap::with_capacity(rows.len());
    for row in rows {
        taken.insert((row.try_get(0)?, row.try_get(1)?), row.try_get(2)?);
    }
    let types = types
        .into_iter()
        .map(|room_type| {
            let nights = (first..end)
                .map(|night| {
                    let taken = taken.get(&(room_type.id, night)).copied().unwrap_or(0);
                    GridNight {
                        date: date_of_day(night),
                        taken,
                        // A type's rooms may have been lowered below a past night's count.
                        free: (room_type.rooms - taken).max(0),
                    }
                })
                .collect();
            GridType { room_type, nights }
        })
        .collect();
    Ok(Grid {
        days: (first..end).map(date_of_day).collect(),
        types,
    })
}

/// Tonight at the hotel, for the daily digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occupancy {
    /// Rooms held or booked tonight (pending and paid), of every type.
    pub taken: i64,
    /// Rooms of every type.
    pub rooms: i64,
    /// Guests due in today, not checked in yet.
    pub arrivals: usize,
    /// Guests due out today (checked out already or not).
    pub departures: usize,
}

impl Occupancy {
    /// Rooms taken of all, in whole percent (0 without rooms).
    pub fn percent(&self) -> i64 {
        if self.rooms > 0 {
            (self.taken * 100 + self.rooms / 2) / self.rooms
        } else {
            0
        }
    }
}

/// Tonight's occupancy at `now`: the rooms taken of all, and today's arrivals and
/// departures.
pub async fn occupancy(conn: &mut Conn, hotel: &Hotel, now: i64) -> Result<Occupancy, sqlx::Error> {
    let day = today(conn, hotel, now).await?;
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(t.rooms), 0) AS BIGINT), \
         CAST(COALESCE(SUM(n.taken), 0) AS BIGINT) \
         FROM room_types t LEFT JOIN room_nights n ON n.room_type_id = t.id AND n.night = $1",
    )
    .bind(day_number(day.date))
    .fetch_one(&mut *conn)
    .await?;
    Ok(Occupancy {
        rooms: row.try_get(0)?,
        taken: row.try_get(1)?,
        arrivals: day.arrivals.len(),
        departures: day.departures.len(),
    })
}
