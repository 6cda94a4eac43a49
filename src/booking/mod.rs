//! Bookings with a hold time: the operator's hotel, on Tangkap's core. A guest's booking
//! holds one room of its type for each night of the stay until it is paid, cancelled, or
//! its hold runs out; the front office (FO) works them from Telegram.
//!
//! A room is never promised twice: `room_nights` counts, per type and night, the rooms
//! taken by pending and paid bookings, and a booking raises each of its nights only after
//! checking, in the same transaction, that none is at the type's rooms. On SQLite the one
//! writer makes check and raise one step; on PostgreSQL the nights' rows are locked first,
//! in night order, so two bookings of overlapping stays wait for each other instead of
//! both passing the check (or deadlocking).
//!
//! The hold's warning and its end are timers of the one timer engine ([`crate::timers`]):
//! one per booking at a time (the warning's is written with the booking and sets the
//! end's when it fires), cancelled with its decision, so each fires once.

pub mod config;
pub mod dashboard;
pub mod desk;
pub mod drafts;
pub mod expiry;
pub mod location;
pub mod rooms;
pub mod settings;
pub mod texts;
pub mod web;
pub mod web_texts;

use std::{collections::HashMap, time::Duration};

use sqlx::{any::AnyRow, Row};
use time::{Date, Month, OffsetDateTime, Time, UtcOffset};

use self::config::{BookingConfig, LocationRule, RoomTypeConfig, MOST_NIGHTS};
use crate::{
    db::{now_ms, values_placeholders, Backend, Conn, Db},
    groups,
    lang::Lang,
    telegram::{
        api::BotApi,
        outbox::{self, Answers, Button, MessageRef, Outgoing},
    },
    timers::{self, Timer},
    users::{
        self,
        access::{self, Actor, BookingWork},
        team, User,
    },
};

pub use settings::Settings;

/// Timer kinds: a later check-in's guest is reminded on the day; the FO and the guest are
/// warned the hold is running out; the hold ends; the guest's name and contact are erased
/// after the stay; an unconfirmed web request is forgotten.
pub const REMINDER: &str = "booking_reminder";
pub const WARNING: &str = "booking_warning";
pub const EXPIRY: &str = "booking_expiry";
pub const ERASE: &str = "booking_erase";
pub const REQUEST_EXPIRY: &str = "booking_request_expiry";

/// The hotel as this instance started with it: the settings file's `[booking]`, the time
/// zone and the public page. The settings owners and admins may change in the Mini App are
/// not taken from here: [`HotelBase::load`] reads them as they stand, at the start of each
/// operation, into a [`Hotel`].
#[derive(Clone, Debug)]
pub struct HotelBase {
    /// The settings file's values of the settings also changed in the Mini App.
    file: Settings,
    room_types: Vec<RoomTypeConfig>,
    erase_after: Duration,
    release_at: Time,
    remind_at: Time,
    location: Option<LocationRule>,
    offset: UtcOffset,
    web_page: Option<String>,
    dashboard: Option<String>,
    mails_per_hour: u32,
}

impl HotelBase {
    /// The hotel of the `[booking]` section, shown on the `offset` clock. `public_url`:
    /// where the Mini App and, when mail goes out (`mail`), the booking page are.
    pub fn new(
        booking: &BookingConfig,
        offset: UtcOffset,
        public_url: Option<&str>,
        mail: bool,
    ) -> Self {
        HotelBase {
            file: booking.settings.clone(),
            room_types: booking.room_types.clone(),
            erase_after: booking.erase_after,
            release_at: booking.release_at,
            remind_at: booking.remind_at,
            location: booking.location,
            offset,
            web_page: public_url
                .filter(|_| mail)
                .map(|url| format!("{url}/booking")),
            dashboard: public_url.map(|url| format!("{url}/?page=bookings")),
            mails_per_hour: booking.mails_per_hour,
        }
    }

    /// Writes the settings file's room types and settings on start (see
    /// [`rooms::sync_from_config`], [`settings::sync_from_config`]).
    pub async fn sync_from_config(&self, db: &Db) -> Result<(), sqlx::Error> {
        rooms::sync_from_config(db, &self.room_types).await?;
        settings::sync_from_config(db, &self.file, now_ms()).await
    }

    /// The hotel with its settings as they stand now (one read).
    pub async fn load(&self, conn: &mut Conn) -> Result<Hotel, sqlx::Error> {
        Ok(Hotel {
            settings: settings::load(conn, &self.file).await?,
            erase_after: self.erase_after,
            release_at: self.release_at,
            remind_at: self.remind_at,
            location: self.location,
            offset: self.offset,
            web_page: self.web_page.clone(),
            dashboard: self.dashboard.clone(),
            mails_per_hour: self.mails_per_hour,
        })
    }

    /// The settings file's values of the settings ([`settings::set`] falls back on them).
    pub fn file_settings(&self) -> &Settings {
        &self.file
    }

    /// Whether guests may book on the public page.
    pub fn has_web_page(&self) -> bool {
        self.web_page.is_some()
    }
}

/// The hotel as bookings need it for one operation: its settings as they stood when it
/// began, and the time zone its dates are in.
#[derive(Clone, Debug)]
pub struct Hotel {
    pub settings: Settings,
    /// Guests' names and emails are erased this long after their stay.
    pub erase_after: Duration,
    /// A later check-in's hold ends at this time on its day.
    pub release_at: Time,
    /// A later check-in's guest is reminded at this time on its day.
    pub remind_at: Time,
    /// Holds extended for guests on their way; `None`: positions are not asked for.
    pub location: Option<LocationRule>,
    pub offset: UtcOffset,
    /// The public booking page (`<public URL>/booking`), when guests may book there: it
    /// needs a public address for its links and mail to confirm guests' addresses.
    pub web_page: Option<String>,
    /// The Mini App's Booking page, when it has a public address.
    pub dashboard: Option<String>,
    /// The most mails the web form sends in an hour, to everyone together.
    pub mails_per_hour: u32,
}

impl Hotel {
    /// Today's date at the hotel, at `now` (Unix ms).
    pub fn today(&self, now: i64) -> Date {
        OffsetDateTime::from_unix_timestamp(now.div_euclid(1000))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(self.offset)
            .date()
    }

    /// The last check-in date a guest may choose at `now`.
    pub fn last_check_in(&self, now: i64) -> Date {
        self.today(now)
            .checked_add(time::Duration::days(i64::from(
                self.settings.book_ahead_days,
            )))
            .unwrap_or(Date::MAX)
    }

    /// `time` on `date` at the hotel, in Unix ms.
    pub fn moment_on(&self, date: Date, time: Time) -> i64 {
        date.with_time(time)
            .assume_offset(self.offset)
            .unix_timestamp()
            * 1000
    }

    /// When a booking of `stay` made at `now` stops holding its room unpaid: a check-in
    /// today is held for `booking.hold` from the booking; a later one until
    /// `booking.release_at` on its check-in day, as hotels release non-guaranteed
    /// bookings, so a guest who pays on arrival, as the receipt says, keeps the room.
    pub fn hold_until(&self, stay: Stay, now: i64) -> i64 {
        if self.arrives_later(stay, now) {
            self.moment_on(stay.check_in, self.release_at)
        } else {
            now + self.settings.hold.as_millis() as i64
        }
    }

    /// Whether a booking of `stay` made at `now` checks in on a later day.
    pub fn arrives_later(&self, stay: Stay, now: i64) -> bool {
        stay.check_in > self.today(now)
    }

    /// When the guest of `booking` is reminded on its check-in day, if they are: a later
    /// check-in's, at `booking.remind_at`, when that comes before the hold's warning.
    pub fn reminder_at(&self, booking: &Booking) -> Option<i64> {
        let at = self.moment_on(booking.check_in, self.remind_at);
        let later = booking.check_in > self.today(booking.created_at);
        (later && at < self.warning_at(booking.hold_until)).then_some(at)
    }

    /// When the FO and the guest are warned that a hold ending at `hold_until` runs out.
    pub fn warning_at(&self, hold_until: i64) -> i64 {
        hold_until - self.settings.warn_before.as_millis() as i64
    }

    /// When the guest's name and contact of `stay` are erased (Unix ms):
    /// `booking.erase_after` after its check-out day began at the hotel.
    pub fn erase_at(&self, stay: Stay) -> i64 {
        let check_out = stay.check_out().midnight().assume_offset(self.offset);
        check_out.unix_timestamp() * 1000 + self.erase_after.as_millis() as i64
    }

    /// Why `stay` cannot be booked at `now`, if it cannot.
    pub fn check_stay(&self, stay: Stay, now: i64) -> Result<(), StayProblem> {
        if stay.check_in < self.today(now) {
            Err(StayProblem::Past)
        } else if stay.check_in > self.last_check_in(now) {
            Err(StayProblem::TooFarAhead {
                last: self.last_check_in(now),
            })
        } else if !(1..=MOST_NIGHTS).contains(&stay.nights) {
            Err(StayProblem::Nights)
        } else {
            Ok(())
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StayProblem {
    Past,
    TooFarAhead { last: Date },
    Nights,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pending,
    Paid,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Paid => "paid",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Status::Pending, Status::Paid, Status::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// Why a booking cannot be checked in or out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Pending (not paid yet) or cancelled.
    NotPaid,
    /// Its check-in day has not come.
    TooEarly,
    /// Its check-out day has passed.
    StayOver,
    AlreadyIn,
    NotIn,
    AlreadyOut,
}

/// Who the guest is: their Telegram account, or the email address they confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Guest {
    Telegram(i64),
    Email(String),
}

impl Guest {
    pub fn via(&self) -> &'static str {
        match self {
            Guest::Telegram(_) => "telegram",
            Guest::Email(_) => "web",
        }
    }
}

/// A stay: the night of `check_in` and the nights after it, `nights` in all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Stay {
    pub check_in: Date,
    pub nights: u32,
}

impl Stay {
    pub fn check_out(self) -> Date {
        self.check_in
            .checked_add(time::Duration::days(i64::from(self.nights)))
            .unwrap_or(Date::MAX)
    }

    /// The nights as day numbers, `first..end`.
    fn night_range(self) -> (i64, i64) {
        let first = day_number(self.check_in);
        (first, first + i64::from(self.nights))
    }
}

/// Days since 1970-01-01: how nights are stored.
pub fn day_number(date: Date) -> i64 {
    i64::from(date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY)
}

pub fn date_of_day(day: i64) -> Date {
    i32::try_from(day)
        .ok()
        .and_then(|day| Date::from_julian_day(day + UNIX_EPOCH_JULIAN_DAY).ok())
        .unwrap_or(Date::MIN)
}

const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// A date as guests write it: `DD-MM-YYYY` (also with `/` or `.`).
pub fn parse_date(text: &str) -> Option<Date> {
    let parts: Vec<&str> = text.trim().split(['-', '/', '.']).collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    let (day, month, year) = (
        day.parse::<u8>().ok()?,
        month.parse::<u8>().ok()?,
        year.parse::<i32>().ok()?,
    );
    if !(2000..=9999).contains(&year) {
        return None;
    }
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// `23-11-2026`: dates are written as tickets' are ([`parse_date`] reads them back).
pub use crate::telegram::texts::date_text;

/// A booking as FO and guests see it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Booking {
    pub id: i64,
    pub receipt: String,
    pub status: String,
    /// `telegram` or `web`.
    pub via: String,
    /// None once erased after the stay.
    pub guest_name: Option<String>,
    #[serde(skip)]
    pub telegram_id: Option<i64>,
    #[serde(skip)]
    pub email: Option<String>,
    pub room_type_id: i64,
    pub room_type: String,
    #[serde(serialize_with = "serialize_date")]
    pub check_in: Date,
    pub nights: u32,
    /// Rupiah per night, as the room type's price stood at the hold.
    pub price: i64,
    /// The language the guest is spoken to in.
    pub lang: Lang,
    /// Unix ms.
    pub hold_until: i64,
    /// How many times the hold was extended for a guest on the way.
    pub extensions: u32,
    pub created_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    /// The front desk's check-in of a paid booking: when, by whom, which room.
    pub checked_in_at: Option<i64>,
    pub checked_in_by: Option<String>,
    pub room_no: Option<String>,
    pub checked_out_at: Option<i64>,
    pub checked_out_by: Option<String>,
}

fn serialize_date<S: serde::Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&date_text(*date))
}

impl Booking {
    pub fn stay(&self) -> Stay {
        Stay {
            check_in: self.check_in,
            nights: self.nights,
        }
    }

    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Cancelled)
    }

    /// What the stay costs: nights × the price per night, in Rupiah.
    pub fn total(&self) -> i64 {
        self.price.saturating_mul(i64::from(self.nights))
    }

    /// Who the guest is, while their contact is kept.
    pub fn guest(&self) -> Option<Guest> {
        match (self.telegram_id, &self.email) {
            (Some(id), _) => Some(Guest::Telegram(id)),
            (None, Some(email)) => Some(Guest::Email(email.clone())),
            (None, None) => None,
        }
    }

    /// How the front office reaches the guest, while their contact is kept.
    pub fn contact(&self) -> Option<Contact> {
        self.guest().map(|guest| match guest {
            Guest::Telegram(id) => Contact::Telegram(format!("tg://user?id={id}")),
            Guest::Email(email) => Contact::Email(email),
        })
    }
}

/// A guest's contact as the front office may follow it: `{"telegram": "tg://user?id=…"}`
/// or `{"email": "…"}`. Only those who work bookings are shown it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Contact {
    Telegram(String),
    Email(String),
}

const SELECT_BOOKING: &str =
    "SELECT b.id, b.receipt, b.status, b.via, b.guest_name, b.telegram_id, b.email, \
     b.room_type_id, t.name, b.check_in, b.nights, b.hold_until, b.created_at, b.decided_by, \
     b.decided_at, b.price, b.lang, b.extensions, b.checked_in_at, b.checked_in_by, \
     b.room_no, b.checked_out_at, b.checked_out_by \
     FROM bookings b JOIN room_types t ON t.id = b.room_type_id";

fn booking(row: &AnyRow) -> Result<Booking, sqlx::Error> {
    let nights: i64 = row.try_get(10)?;
    let lang: String = row.try_get(16)?;
    let extensions: i64 = row.try_get(17)?;
    Ok(Booking {
        id: row.try_get(0)?,
        receipt: row.try_get(1)?,
        status: row.try_get(2)?,
        via: row.try_get(3)?,
        guest_name: row.try_get(4)?,
        telegram_id: row.try_get(5)?,
        email: row.try_get(6)?,
        room_type_id: row.try_get(7)?,
        room_type: row.try_get(8)?,
        check_in: date_of_day(row.try_get(9)?),
        nights: u32::try_from(nights).unwrap_or_default(),
        hold_until: row.try_get(11)?,
        created_at: row.try_get(12)?,
        decided_by: row.try_get(13)?,
        decided_at: row.try_get(14)?,
        price: row.try_get(15)?,
        lang: Lang::parse(&lang),
        extensions: u32::try_from(extensions).unwrap_or_default(),
        checked_in_at: row.try_get(18)?,
        checked_in_by: row.try_get(19)?,
        room_no: row.try_get(20)?,
        checked_out_at: row.try_get(21)?,
        checked_out_by: row.try_get(22)?,
    })
}

/// The booking with receipt `receipt` (any case), if there is one.
pub async fn find_by_receipt(
    conn: &mut Conn,
    receipt: &str,
) -> Result<Option<Booking>, sqlx::Error> {
    let sql = format!("{SELECT_BOOKING} WHERE b.receipt = upper($1)");
    let row = sqlx::query(&sql)
        .bind(receipt.trim())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(booking).transpose()
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Booking>, sqlx::Error> {
    let sql = format!("{SELECT_BOOKING} WHERE b.id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(booking).transpose()
}

/// The pending booking of `guest`, if there is one (one at a time).
pub async fn find_pending(conn: &mut Conn, guest: &Guest) -> Result<Option<Booking>, sqlx::Error> {
    let query = match guest {
        Guest::Telegram(id) => sqlx::query_as::<_, (i64,)>(
            "SELECT id FROM bookings WHERE status = 'pending' AND telegram_id = $1",
        )
        .bind(*id),
        Guest::Email(email) => {
            sqlx::query_as("SELECT id FROM bookings WHERE status = 'pending' AND email = $1")
                .bind(email.as_str())
        }
    };
    match query.fetch_optional(&mut *conn).await? {
        Some((id,)) => find(conn, id).await,
        None => Ok(None),
    }
}

/// Pending bookings, soonest deadline first, at most `limit`; and how many there are.
pub async fn pending(conn: &mut Conn, limit: i64) -> Result<(Vec<Booking>, i64), sqlx::Error> {
    let bookings = list(conn, Status::Pending, "", limit).await?;
    let [count, ..] = counts(conn).await?;
    Ok((bookings, count))
}

/// Most bookings listed at once on the FO's page.
pub const LIST_LIMIT: i64 = 100;

/// Bookings of `status`, at most `limit`: pending ones soonest deadline first, decided
/// ones latest decision first. A non-empty `search` keeps those whose receipt or guest's
/// name contains it (any case, taken literally).
pub async fn list(
    conn: &mut Conn,
    status: Status,
    search: &str,
    limit: i64,
) -> Result<Vec<Booking>, sqlx::Error> {
    let backend = crate::db::Backend::of(conn);
    let order = match status {
        Status::Pending => "b.hold_until, b.id",
        Status::Paid | Status::Cancelled => "b.decided_at DESC, b.id DESC",
    };
    let sql = format!(
        "{SELECT_BOOKING} WHERE b.status = $1 AND ($2 = '' OR {} OR {}) ORDER BY {order} LIMIT $4",
        backend.contains("b.receipt", "upper($2)"),
        backend.contains("lower(b.guest_name)", "$3"),
    );
    let search = search.trim();
    let rows = sqlx::query(&sql)
        .bind(status.as_str())
        .bind(search)
        .bind(search.to_lowercase())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(booking).collect()
}

/// How many bookings stand in each status: pending, paid, cancelled.
pub async fn counts(conn: &mut Conn) -> Result<[i64; 3], sqlx::Error> {
    let rows = sqlx::query("SELECT status, COUNT(*) FROM bookings GROUP BY status")
        .fetch_all(&mut *conn)
        .await?;
    let mut counts = [0; 3];
    for row in rows {
        let status: String = row.try_get(0)?;
        let slot = match Status::parse(&status) {
            Some(Status::Pending) => 0,
            Some(Status::Paid) => 1,
            _ => 2,
        };
        counts[slot] += row.try_get::<i64, _>(1)?;
    }
    Ok(counts)
}

/// A booking to make.
#[derive(Clone, Debug)]
pub struct NewBooking {
    pub guest_name: String,
    pub guest: Guest,
    pub room_type_id: i64,
    pub stay: Stay,
    /// The language the guest is spoken to in.
    pub lang: Lang,
    /// The web request whose mailed link asked for it ([`web`]); none via Telegram.
    pub request_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum HoldError {
    #[error("no such room type")]
    UnknownType,
    /// A night of the stay has no room of the type left; the next stays of the same
    /// length that fit.
    #[error("no room free on every night")]
    Full { next_free: Vec<Date> },
    /// The guest already has a pending booking: one at a time.
    #[error("the guest already has a pending booking")]
    AlreadyPending { receipt: String },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Holds a room for `new` at `now` (Unix ms), or says why not; announces the booking to
/// the FO. The stay must have passed [`Hotel::check_stay`].
pub async fn hold(
    tx: &mut Conn,
    hotel: &Hotel,
    new: &NewBooking,
    now: i64,
) -> Result<Booking, HoldError> {
    hold_many(tx, hotel, std::slice::from_ref(new), now)
        .await?
        .pop()
        .expect("one outcome per booking asked for")
}

/// Where a booking of the batch stands while [`hold_many`] decides.
enum HoldDecision {
    /// The `n`th booking held in this batch (its receipt is numbered after the count).
    Held(usize),
    /// Pending already: before this batch, or held earlier in it.
    AlreadyPending(PendingReceipt),
    Full,
    UnknownType,
}

#[derive(Clone)]
enum PendingReceipt {
    Stored(String),
    HeldInBatch(usize),
}

/// [`hold`] for many bookings at once, decided in their order (an earlier one takes a
/// room first), with one outcome each. A burst of guests costs a dozen statements for the
/// whole batch rather than a dozen each: the types, the guests' pending bookings and the
/// nights are read (and on PostgreSQL locked) once, the rooms counted in memory, and the
/// bookings, events, timers, the FO's announcements and the web guests' mails written in
/// multi-row statements. Only a database error fails the batch, and with it every booking
/// in it.
pub async fn hold_many(
    tx: &mut Conn,
    hotel: &Hotel,
    news: &[NewBooking],
    now: i64,
) -> Result<Vec<Result<Booking, HoldError>>, sqlx::Error> {
    let type_ids: Vec<i64> = news.iter().map(|new| new.room_type_id).collect();
    let types = rooms::for_holds(tx, &type_ids).await?;
    let mut pending: HashMap<Guest, PendingReceipt> =
        pending_receipts(tx, news.iter().map(|new| &new.guest))
            .await?
            .into_iter()
            .map(|(guest, receipt)| (guest, PendingReceipt::Stored(receipt)))
            .collect();
    fn nights_of(new: &NewBooking) -> impl Iterator<Item = rooms::TypeNight> {
        let (first, end) = new.stay.night_range();
        let room_type = new.room_type_id;
        (first..end).map(move |night| (room_type, night))
    }
    let wanted: Vec<rooms::TypeNight> = news
        .iter()
        .filter(|new| types.contains_key(&new.room_type_id))
        .flat_map(nights_of)
        .collect();
    let mut taken = rooms::lock_nights(tx, &wanted).await?;
    let mut added: HashMap<rooms::TypeNight, i64> = HashMap::new();
    let mut held: Vec<&NewBooking> = Vec::new();
    let decisions: Vec<HoldDecision> = news
        .iter()
        .map(|new| {
            let Some(room_type) = types.get(&new.room_type_id) else {
                return HoldDecision::UnknownType;
            };
            if let Some(receipt) = pending.get(&new.guest) {
                return HoldDecision::AlreadyPending(receipt.clone());
            }
            let free = nights_of(new)
                .all(|night| taken.get(&night).copied().unwrap_or(0) < room_type.rooms);
            if !free {
                return HoldDecision::Full;
            }
            for night in nights_of(new) {
                *taken.entry(night).or_default() += 1;
                *added.entry(night).or_default() += 1;
            }
            pending.insert(new.guest.clone(), PendingReceipt::HeldInBatch(held.len()));
            held.push(new);
            HoldDecision::Held(held.len() - 1)
        })
        .collect();
    rooms::add_taken(tx, &added).await?;
    let receipts = next_receipts(tx, hotel, now, held.len()).await?;
    let bookings = insert_held(tx, hotel, &types, &held, &receipts, now).await?;
    let mut next_free: HashMap<(i64, Stay), Vec<Date>> = HashMap::new();
    let mut outcomes = Vec::with_capacity(news.len());
    for (new, decision) in news.iter().zip(decisions) {
        outcomes.push(match decision {
            HoldDecision::Held(n) => Ok(bookings[n].clone()),
            HoldDecision::AlreadyPending(PendingReceipt::Stored(receipt)) => {
                Err(HoldError::AlreadyPending { receipt })
            }
            HoldDecision::AlreadyPending(PendingReceipt::HeldInBatch(n)) => {
                Err(HoldError::AlreadyPending {
                    receipt: receipts[n].clone(),
                })
            }
            HoldDecision::UnknownType => Err(HoldError::UnknownType),
            // Asked after this batch's rooms are counted in, once per type and stay.
            HoldDecision::Full => {
                let key = (new.room_type_id, new.stay);
                let dates = match next_free.get(&key) {
                    Some(dates) => dates.clone(),
                    None => {
                        let room_type = &types[&new.room_type_id];
                        let dates = rooms::next_free(tx, hotel, room_type, new.stay, now).await?;
                        next_free.insert(key, dates.clone());
                        dates
                    }
                };
                Err(HoldError::Full { next_free: dates })
            }
        });
    }
    Ok(outcomes)
}

/// Writes the bookings `held` (with `receipts`, in order), their events and timers,
/// announces them to the FO and mails the guests who booked on the web.
async fn insert_held(
    tx: &mut Conn,
    hotel: &Hotel,
    types: &HashMap<i64, rooms::RoomType>,
    held: &[&NewBooking],
    receipts: &[String],
    now: i64,
) -> Result<Vec<Booking>, sqlx::Error> {
    let mut bookings: Vec<Booking> = held
        .iter()
        .zip(receipts)
        .map(|(new, receipt)| {
            let (telegram_id, email) = match &new.guest {
                Guest::Telegram(id) => (Some(*id), None),
                Guest::Email(email) => (None, Some(email.clone())),
            };
            let room_type = &types[&new.room_type_id];
            Booking {
                id: 0,
                receipt: receipt.clone(),
                status: Status::Pending.as_str().to_owned(),
                via: new.guest.via().to_owned(),
                guest_name: Some(new.guest_name.clone()),
                telegram_id,
                email,
                room_type_id: new.room_type_id,
                room_type: room_type.name.clone(),
                check_in: new.stay.check_in,
                nights: new.stay.nights,
                price: room_type.price,
                lang: new.lang,
                hold_until: hotel.hold_until(new.stay, now),
                extensions: 0,
                created_at: now,
                decided_by: None,
                decided_at: None,
                checked_in_at: None,
                checked_in_by: None,
                room_no: None,
                checked_out_at: None,
                checked_out_by: None,
            }
        })
        .collect();
    const COLUMNS: usize = 14;
    let rows = Backend::of(tx).rows_per_statement(COLUMNS);
    for (chunk, news) in bookings.chunks_mut(rows).zip(held.chunks(rows)) {
        let sql = format!(
            "INSERT INTO bookings (receipt, status, via, guest_name, telegram_id, email, \
             room_type_id, check_in, nights, hold_until, created_at, request_id, price, lang) \
             VALUES {} RETURNING id, receipt",
            values_placeholders(1, chunk.len(), COLUMNS)
        );
        let mut insert = sqlx::query(&sql);
        for (booking, new) in chunk.iter().zip(news) {
            insert = insert
                .bind(&booking.receipt)
                .bind(Status::Pending.as_str())
                .bind(&booking.via)
                .bind(booking.guest_name.clone())
                .bind(booking.telegram_id)
                .bind(booking.email.clone())
                .bind(booking.room_type_id)
                .bind(day_number(booking.check_in))
                .bind(i64::from(booking.nights))
                .bind(booking.hold_until)
                .bind(booking.created_at)
                .bind(new.request_id)
                .bind(booking.price)
                .bind(booking.lang.as_str());
        }
        // Rows come back in no promised order: matched by their (unique) receipts.
        let ids: HashMap<String, i64> = insert
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| Ok((row.try_get(1)?, row.try_get(0)?)))
            .collect::<Result<_, sqlx::Error>>()?;
        for booking in chunk.iter_mut() {
            booking.id = ids[&booking.receipt];
        }
    }
    let ids: Vec<i64> = bookings.iter().map(|booking| booking.id).collect();
    record(tx, &ids, "held", None, texts::GUEST_ACTOR, now, None).await?;
    // One timer each at any time: the first of the hold's (the check-in day's reminder, the
    // warning, the end), which sets the next when it fires ([`expiry::fire`]); the decision
    // ([`settle`]) then sets the erasure's. A burst writes half the timer rows it would
    // with the erasure's set here too.
    let due: Vec<Timer> = bookings
        .iter()
        .map(|booking| next_hold_timer(hotel, booking, None, now))
        .collect();
    timers::set(tx, &due).await?;
    let announcements: Vec<String> = bookings
        .iter()
        .map(|booking| texts::announced(booking, hotel))
        .collect();
    // The FO's announcements and the guests' receipts in one statement.
    let mut messages = front_office_messages(tx, hotel, &announcements).await?;
    messages.extend(bookings.iter().filter_map(|booking| {
        to_guest(booking, hotel, "held", true, |fmt| {
            texts::held(booking, hotel, fmt)
        })
    }));
    outbox::enqueue_many(tx, &messages).await?;
    dashboard::refresh(tx, hotel, now).await?;
    Ok(bookings)
}

/// The receipts of the pending bookings of `guests` that have one.
async fn pending_receipts<'g>(
    conn: &mut Conn,
    guests: impl IntoIterator<Item = &'g Guest>,
) -> Result<HashMap<Guest, String>, sqlx::Error> {
    let (mut telegram_ids, mut emails) = (Vec::new(), Vec::new());
    for guest in guests {
        match guest {
            Guest::Telegram(id) => telegram_ids.push(*id),
            Guest::Email(email) => emails.push(email.as_str()),
        }
    }
    let mut found = HashMap::new();
    for chunk in telegram_ids.chunks(Backend::of(conn).rows_per_statement(1)) {
        let sql = format!(
            "SELECT telegram_id, receipt FROM bookings WHERE status = 'pending' \
             AND telegram_id IN {}",
            values_placeholders(1, 1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.insert(Guest::Telegram(row.try_get(0)?), row.try_get(1)?);
        }
    }
    for chunk in emails.chunks(Backend::of(conn).rows_per_statement(1)) {
        let sql = format!(
            "SELECT email, receipt FROM bookings WHERE status = 'pending' AND email IN {}",
            values_placeholders(1, 1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for email in chunk {
            query = query.bind(*email);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.insert(Guest::Email(row.try_get(0)?), row.try_get(1)?);
        }
    }
    Ok(found)
}

/// `count` receipts `RESI-YYYYMMDD-NNN`: the hotel's date at `now` and that day's next
/// numbers, in order.
async fn next_receipts(
    tx: &mut Conn,
    hotel: &Hotel,
    now: i64,
    count: usize,
) -> Result<Vec<String>, sqlx::Error> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let today = hotel.today(now);
    let day = i64::from(today.year()) * 10_000
        + i64::from(u8::from(today.month())) * 100
        + i64::from(today.day());
    let count = count as i64;
    let last: i64 = sqlx::query_scalar(
        "INSERT INTO receipt_days (day, last) VALUES ($1, $2) \
         ON CONFLICT (day) DO UPDATE SET last = receipt_days.last + excluded.last RETURNING last",
    )
    .bind(day)
    .bind(count)
    .fetch_one(&mut *tx)
    .await?;
    Ok((last - count + 1..=last)
        .map(|number| format!("RESI-{day}-{number:03}"))
        .collect())
}

/// What FO do to a pending booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Paid,
    Cancel,
}

impl Decision {
    fn status(self) -> Status {
        match self {
            Decision::Paid => Status::Paid,
            Decision::Cancel => Status::Cancelled,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    /// No such booking, or one the actor may not work.
    #[error("no such booking")]
    NotFound,
    /// It was decided already; as it stands.
    #[error("the booking was already decided")]
    AlreadyDecided(Box<Booking>),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// May `user` work bookings (list them, mark them paid or cancelled)? Owners and admins,
/// and active staff in the FO chat by Telegram's word as the membership cache holds it
/// ([`ask_front_office`] asks for a fresh one first).
pub async fn may_work(
    conn: &mut Conn,
    hotel: &Hotel,
    user: &User,
) -> Result<BookingWork, sqlx::Error> {
    let in_front_office = match hotel.settings.staff_chat {
        Some(chat) => groups::membership(conn, chat, user.id).await?,
        None => Some(false),
    };
    Ok(access::works_bookings(user, in_front_office))
}

/// Before a transaction in which [`may_work`] decides for `people`: asks Telegram whether
/// those whose work hangs on it are in the FO chat, where the cache's answer is missing or
/// older than `refresh`. Those Telegram cannot answer keep their last answer, or have
/// none (then [`may_work`] says [`BookingWork::Unconfirmed`]).
pub async fn ask_front_office(
    db: &Db,
    api: &BotApi,
    base: &HotelBase,
    people: &[User],
    refresh: Duration,
) -> Result<(), sqlx::Error> {
    let asked: Vec<&User> = people
        .iter()
        .filter(|user| access::works_bookings_if_in_front_office(user))
        .collect();
    if asked.is_empty() {
        return Ok(());
    }
    let settings = {
        let mut conn = db.pool().acquire().await?;
        base.load(&mut conn).await?.settings
    };
    let Some(chat) = settings.staff_chat else {
        return Ok(());
    };
    let chats = [chat];
    futures_util::future::try_join_all(
        asked.into_iter().map(|user| {
            groups::ensure_fresh(db, api, user, groups::Memberships::In(&chats), refresh)
        }),
    )
    .await?;
    Ok(())
}

/// Marks booking `id` paid or cancelled on behalf of `actor` (who must [`may_work`]):
/// a cancellation frees its room; the guest and the FO chat are told.
pub async fn decide(
    tx: &mut Conn,
    hotel: &Hotel,
    id: i64,
    decision: Decision,
    actor: &User,
) -> Result<Booking, DecideError> {
    let label = actor.label();
    settle(tx, hotel, id, decision.status(), Some(actor.id), &label).await
}

/// Moves pending booking `id` to `status` by `actor_id`/`actor`, with its effects.
async fn settle(
    tx: &mut Conn,
    hotel: &Hotel,
    id: i64,
    status: Status,
    actor_id: Option<i64>,
    actor: &str,
) -> Result<Booking, DecideError> {
    let now = now_ms();
    let moved = sqlx::query(
        "UPDATE bookings SET status = $2, decided_by = $3, decided_at = $4 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(actor)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let booking = find(tx, id).await?.ok_or(DecideError::NotFound)?;
    if moved == 0 {
        return Err(DecideError::AlreadyDecided(Box::new(booking)));
    }
    timers::cancel(tx, &[REMINDER, WARNING, EXPIRY], &[id]).await?;
    timers::set(
        tx,
        &[Timer {
            kind: ERASE,
            entity: id,
            due_at: hotel.erase_at(booking.stay()),
        }],
    )
    .await?;
    if status == Status::Cancelled {
        rooms::release(tx, booking.room_type_id, booking.stay()).await?;
    }
    // Where the guest was matters only while the booking waits.
    sqlx::query("DELETE FROM booking_positions WHERE booking_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let action = match (status, actor_id) {
        (Status::Paid, _) => "paid",
        (_, Some(_)) => "cancelled",
        (_, None) => "expired",
    };
    record(tx, &[id], action, actor_id, actor, now, None).await?;
    // A booking marked paid, put back to pending, and paid again: its guest was told once.
    let told_before = action == "paid" && paid_before(tx, id).await?;
    if !told_before {
        if let Some(told) = to_guest(&booking, hotel, action, false, |fmt| {
            texts::guest_told(&booking, hotel, action, fmt)
        }) {
            outbox::enqueue(tx, &told).await?;
        }
    }
    let decided = texts::decided(&booking, action);
    if action == "paid" {
        // Marked paid by mistake, it may be put back for a while: the FO's message carries
        // the button, and is found again by its tag to say so once it was.
        let keyboard = vec![vec![Button::callback(
            texts::REVERT_BUTTON,
            dashboard::Press::Revert(id).data(),
        )]];
        for message in front_office_messages(tx, hotel, &[decided]).await? {
            outbox::enqueue_about(tx, &message.with_keyboard(keyboard.clone()), &paid_tag(id))
                .await?;
        }
    } else {
        tell_front_office(tx, hotel, &[decided]).await?;
    }
    dashboard::refresh(tx, hotel, now).await?;
    Ok(booking)
}

/// The outbox tag of the FO's messages saying booking `id` was paid.
fn paid_tag(id: i64) -> String {
    format!("booking:{id}:paid")
}

/// Whether booking `id` was marked paid before its latest `paid` event.
async fn paid_before(tx: &mut Conn, id: i64) -> Result<bool, sqlx::Error> {
    let paid: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM booking_events WHERE booking_id = $1 AND action = 'paid'",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    Ok(paid > 1)
}

/// How long a booking marked paid may be put back to pending.
pub const REVERT_WITHIN_MS: i64 = 15 * 60_000;
/// A booking put back has at least this long before its hold ends, so the FO can look.
const REVERTED_HOLD_LEAST_MS: i64 = 15 * 60_000;

#[derive(Debug, thiserror::Error)]
pub enum RevertError {
    /// No such booking, or an actor who may not put paid bookings back.
    #[error("no such booking")]
    NotFound,
    #[error("the booking is not marked paid")]
    NotPaid,
    /// Paid longer than [`REVERT_WITHIN_MS`] ago, or its guest checked in.
    #[error("too late to put back")]
    TooLate,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl RevertError {
    /// Why, for [`texts::revert_refused`].
    pub fn reason(&self) -> &'static str {
        match self {
            RevertError::NotPaid => "not_paid",
            RevertError::TooLate => "too_late",
            _ => "not_allowed",
        }
    }
}

/// Puts booking `id`, marked paid by mistake, back to pending on behalf of `actor` (owners
/// and admins), within [`REVERT_WITHIN_MS`] of the mark and before check-in. Its room stays
/// held (a paid booking holds it too) until its deadline, or a little longer if that has
/// passed; its hold's timers come back and its erasure's goes. Audited; the FO are told,
/// the guest is not (and is not told twice when it is paid again).
pub async fn revert_paid(
    tx: &mut Conn,
    hotel: &Hotel,
    actor: &User,
    id: i64,
    now: i64,
) -> Result<Booking, RevertError> {
    if !access::manages_team(actor) {
        return Err(RevertError::NotFound);
    }
    let booking = find(tx, id).await?.ok_or(RevertError::NotFound)?;
    let hold_until = booking.hold_until.max(now + REVERTED_HOLD_LEAST_MS);
    let moved = sqlx::query(
        "UPDATE bookings SET status = 'pending', decided_by = NULL, decided_at = NULL, \
         hold_until = $2 WHERE id = $1 AND status = 'paid' AND decided_at >= $3 \
         AND checked_in_at IS NULL",
    )
    .bind(id)
    .bind(hold_until)
    .bind(now - REVERT_WITHIN_MS)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 0 {
        return Err(match booking.status() {
            Status::Paid => RevertError::TooLate,
            _ => RevertError::NotPaid,
        });
    }
    let reverted = find(tx, id).await?.ok_or(RevertError::NotFound)?;
    let label = actor.label();
    record(
        tx,
        &[id],
        "paid_reverted",
        Some(actor.id),
        &label,
        now,
        None,
    )
    .await?;
    team::record(
        tx,
        Actor::Member(actor),
        "booking_paid_reverted",
        None,
        &reverted.receipt,
    )
    .await?;
    timers::cancel(tx, &[ERASE], &[id]).await?;
    timers::set(tx, &[next_hold_timer(hotel, &reverted, None, now)]).await?;
    for (row, chat_id) in outbox::about(tx, &paid_tag(id)).await? {
        let edit = Outgoing::EditMessage {
            chat_id,
            message: MessageRef::Outbox(row),
            html: texts::decided_then_reverted(&booking, &label),
            keyboard: Vec::new(),
        };
        outbox::enqueue(tx, &edit).await?;
    }
    tell_front_office(tx, hotel, &[texts::reverted(&reverted, &label, hotel)]).await?;
    dashboard::refresh(tx, hotel, now).await?;
    Ok(reverted)
}

/// The timer pending `booking` waits on after `done` (`None`: it was just held), at
/// `now`: the check-in day's reminder, the warning, then the end of the hold, skipping
/// any whose time has passed (the end always comes).
pub(crate) fn next_hold_timer(
    hotel: &Hotel,
    booking: &Booking,
    done: Option<&str>,
    now: i64,
) -> Timer {
    let warning =
        (!hotel.settings.warn_before.is_zero()).then(|| hotel.warning_at(booking.hold_until));
    let stages = [
        (REMINDER, hotel.reminder_at(booking)),
        (WARNING, warning),
        (EXPIRY, Some(booking.hold_until)),
    ];
    let after = done
        .and_then(|done| stages.iter().position(|(kind, _)| *kind == done))
        .map_or(0, |done| done + 1);
    let (kind, due_at) = stages[after.min(stages.len() - 1)..]
        .iter()
        .find_map(|(kind, due)| match due {
            Some(due) if *due > now || *kind == EXPIRY => Some((*kind, *due)),
            _ => None,
        })
        .unwrap_or((EXPIRY, booking.hold_until));
    Timer {
        kind,
        entity: booking.id,
        due_at,
    }
}

/// What the guest of `booking` is sent about `what` (`held`, `paid`, `reminder`, …), in
/// their language: `write` in their private chat, or by mail to a web guest (`None` once
/// their contact is erased). With `ask_location`, and holds extended by location, a
/// Telegram guest's keyboard offers to share where they are; otherwise it is taken away.
pub(crate) fn to_guest(
    booking: &Booking,
    hotel: &Hotel,
    what: &str,
    ask_location: bool,
    write: impl Fn(texts::Format) -> String,
) -> Option<Outgoing> {
    match booking.guest()? {
        Guest::Telegram(chat) => {
            let answers = if ask_location && hotel.location.is_some() {
                Answers::ShareLocation(texts::share_location_button(booking.lang))
            } else {
                Answers::Remove
            };
            Some(Outgoing::with_answers(
                chat,
                write(texts::Format::Html),
                answers,
            ))
        }
        Guest::Email(_) => web_texts::guest_mail(booking, hotel, what, write(texts::Format::Plain))
            .map(Outgoing::Mail),
    }
}

/// Erases the guest's name and contact from booking `id` at `now`, and the web request
/// it came from; the booking stays, anonymised, for counts.
async fn erase(tx: &mut Conn, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM booking_requests WHERE id = (SELECT request_id FROM bookings WHERE id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE bookings SET guest_name = NULL, email = NULL, telegram_id = NULL, \
         request_id = NULL, erased_at = $2 WHERE id = $1 AND erased_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Sends `htmls` to the FO chat, or without one to the owners and admins privately: as
/// few messages as hold them, in order. Telegram lets a bot post about 20 messages a
/// minute in a group, so a burst of bookings told one message each would reach the FO
/// minutes late; the same bookings in a few messages arrive at once.
async fn tell_front_office(
    tx: &mut Conn,
    hotel: &Hotel,
    htmls: &[String],
) -> Result<(), sqlx::Error> {
    let messages = front_office_messages(tx, hotel, htmls).await?;
    outbox::enqueue_many(tx, &messages).await
}

/// The messages [`tell_front_office`] queues for `htmls`.
async fn front_office_messages(
    tx: &mut Conn,
    hotel: &Hotel,
    htmls: &[String],
) -> Result<Vec<Outgoing>, sqlx::Error> {
    let chats = match hotel.settings.staff_chat {
        Some(chat) => vec![chat],
        None => users::leaders_to_remind(tx).await?,
    };
    Ok(join_within(htmls, FO_MESSAGE_MAX_UNITS)
        .iter()
        .flat_map(|html| {
            chats
                .iter()
                .map(|chat| Outgoing::message(*chat, html.clone()))
        })
        .collect())
}

/// Room in one FO message, in UTF-16 units of its HTML (Telegram allows 4,096 of the text
/// once the tags are taken out, so the HTML's count is an upper bound).
const FO_MESSAGE_MAX_UNITS: usize = 4000;

/// `parts` joined by blank lines into texts of at most `max_units` UTF-16 units each (a
/// part longer than that alone stays whole), in order.
fn join_within(parts: &[String], max_units: usize) -> Vec<String> {
    let mut joined: Vec<(String, usize)> = Vec::new();
    for part in parts {
        let units = part.encode_utf16().count();
        match joined.last_mut() {
            Some((text, used)) if *used + 2 + units <= max_units => {
                text.push_str("\n\n");
                text.push_str(part);
                *used += 2 + units;
            }
            _ => joined.push((part.clone(), units)),
        }
    }
    joined.into_iter().map(|(text, _)| text).collect()
}

/// Records `action` by `actor_id`/`actor` at `at` on each of bookings `ids`, with what it
/// adds (`detail`: a room number, an extension's distance), if anything.
async fn record(
    tx: &mut Conn,
    ids: &[i64],
    action: &str,
    actor_id: Option<i64>,
    actor: &str,
    at: i64,
    detail: Option<&str>,
) -> Result<(), sqlx::Error> {
    for chunk in ids.chunks(Backend::of(tx).rows_per_statement(6)) {
        let sql = format!(
            "INSERT INTO booking_events (booking_id, action, actor_id, actor, at, detail) \
             VALUES {}",
            values_placeholders(1, chunk.len(), 6)
        );
        let mut insert = sqlx::query(&sql);
        for id in chunk {
            insert = insert
                .bind(*id)
                .bind(action)
                .bind(actor_id)
                .bind(actor)
                .bind(at)
                .bind(detail);
        }
        insert.execute(&mut *tx).await?;
    }
    Ok(())
}

/// One change of a booking: what, by whom, when (Unix ms).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BookingEvent {
    pub action: String,
    pub actor: String,
    pub at: i64,
    /// What the action adds: an extension's distance, a room number.
    pub detail: Option<String>,
}

/// The changes of booking `id`, oldest first.
pub async fn history(conn: &mut Conn, id: i64) -> Result<Vec<BookingEvent>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT action, actor, at, detail FROM booking_events WHERE booking_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(BookingEvent {
                action: row.try_get(0)?,
                actor: row.try_get(1)?,
                at: row.try_get(2)?,
                detail: row.try_get(3)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_share_messages_up_to_telegrams_length() {
        let part = |n: usize| "é".repeat(n);
        let parts = [part(10), part(10), part(20), part(30), part(5)];
        let joined = join_within(&parts, 45);
        assert_eq!(
            joined,
            [
                format!("{}\n\n{}\n\n{}", part(10), part(10), part(20)),
                format!("{}\n\n{}", part(30), part(5)),
            ]
        );
        // Each part once, in order; one too long alone stays whole in its own message.
        assert_eq!(join_within(&[part(50), part(1)], 45), [part(50), part(1)]);
        // Emoji count as Telegram counts them: two UTF-16 units each.
        assert_eq!(join_within(&["🛎".repeat(20), "🛎".into()], 42).len(), 2);
        assert!(join_within(&[], 45).is_empty());
    }

    #[test]
    fn dates_as_guests_write_them() {
        let date = parse_date("23-11-2026").unwrap();
        assert_eq!(date_text(date), "23-11-2026");
        assert_eq!(
            parse_date(" 1/2/2027 "),
            Some(Date::from_calendar_date(2027, Month::February, 1).unwrap())
        );
        for bad in [
            "",
            "31-02-2026",
            "2026-11-23",
            "23-11",
            "aa-bb-cccc",
            "23-11-26",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(date_of_day(day_number(date)), date);
        assert_eq!(
            day_number(Date::from_calendar_date(1970, Month::January, 2).unwrap()),
            1
        );
    }
}
