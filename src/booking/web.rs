//! Bookings from the public page `/booking`. A guest there gives an email address instead
//! of a Telegram account, so the address must be theirs before a room is held for it: the
//! form stores a request and mails a link, and the room is held only when the link is
//! opened (the hold counts from then). A mistyped or borrowed address gets a mail its
//! owner can ignore, and holds nothing.
//!
//! The link carries a random token; the request keeps only its SHA-256, and the mail's
//! outbox copy goes once sent ([`outbox::mark_sent`]), so the database alone cannot
//! confirm anybody's booking. Opening it twice shows the same booking. Requests are
//! throttled per address and per client.

use std::net::IpAddr;

use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::Row;
use time::Date;

use super::{
    day_number, find, hold, parse_date, rooms, web_texts as texts, Booking, Guest, HoldError,
    Hotel, NewBooking, Stay, StayProblem,
};
use crate::{
    db::Conn,
    mail,
    telegram::outbox::{self, Outgoing},
    timers::{self, Timer},
    users::DisplayName,
};

/// The form as sent.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct WebForm {
    pub name: String,
    pub email: String,
    pub room_type: String,
    /// `YYYY-MM-DD` (a date field's value) or `DD-MM-YYYY`.
    pub check_in: String,
    pub nights: u32,
}

/// Requests one address may make in [`THROTTLE_WINDOW_MS`].
pub const REQUESTS_PER_ADDRESS: i64 = 3;
/// Requests one client (network address) may make in [`THROTTLE_WINDOW_MS`].
pub const REQUESTS_PER_CLIENT: i64 = 20;
const THROTTLE_WINDOW_MS: i64 = 3_600_000;
/// How long a confirmation link works.
pub const LINK_VALID_MS: i64 = 24 * 3_600_000;

/// Why a form or a link is refused; each says so to the guest in both languages.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("the web form is off: no mail server is configured")]
    Off,
    #[error("{0}")]
    Name(&'static str),
    #[error("not an email address")]
    Email,
    #[error("not a date")]
    Date,
    #[error("the stay cannot be booked")]
    Stay(StayProblem),
    #[error("no such room type")]
    UnknownType,
    #[error("no room free on every night")]
    Full { next_free: Vec<Date> },
    #[error("this address already has a pending booking")]
    AlreadyPending { receipt: String },
    #[error("too many requests")]
    TooMany,
    /// No such link, or it is past [`LINK_VALID_MS`].
    #[error("the link is unknown or too old")]
    UnknownLink,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<HoldError> for WebError {
    fn from(e: HoldError) -> Self {
        match e {
            HoldError::UnknownType => WebError::UnknownType,
            HoldError::Full { next_free } => WebError::Full { next_free },
            HoldError::AlreadyPending { receipt } => WebError::AlreadyPending { receipt },
            HoldError::Db(e) => WebError::Db(e),
        }
    }
}

impl WebError {
    /// What the guest reads.
    pub fn explain(&self) -> String {
        match self {
            WebError::Name(problem) => texts::bad_name(problem),
            WebError::Stay(problem) => texts::stay_problem(*problem),
            WebError::Full { next_free } => texts::full(next_free),
            WebError::AlreadyPending { receipt } => texts::already_pending(receipt),
            other => texts::refused(other.kind()).to_owned(),
        }
    }

    /// A stable name for the error, for the page's scripts and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            WebError::Off => "off",
            WebError::Name(_) => "name",
            WebError::Email => "email",
            WebError::Date => "date",
            WebError::Stay(_) => "stay",
            WebError::UnknownType => "room_type",
            WebError::Full { .. } => "full",
            WebError::AlreadyPending { .. } => "pending",
            WebError::TooMany => "too_many",
            WebError::UnknownLink => "link",
            WebError::Db(_) => "internal",
        }
    }
}

/// Checks `form` from `client` at `now` and, when it could be booked, stores the request
/// and queues the mail with its confirmation link. Nothing is held yet.
pub async fn request(
    tx: &mut Conn,
    hotel: &Hotel,
    form: &WebForm,
    client: IpAddr,
    now: i64,
) -> Result<(), WebError> {
    let page = hotel.web_page.as_deref().ok_or(WebError::Off)?;
    let name = DisplayName::parse(&form.name).map_err(WebError::Name)?;
    let email = form.email.trim().to_lowercase();
    if !mail::is_address(&email) {
        return Err(WebError::Email);
    }
    let check_in = parse_form_date(&form.check_in).ok_or(WebError::Date)?;
    let stay = Stay {
        check_in,
        nights: form.nights,
    };
    hotel.check_stay(stay, now).map_err(WebError::Stay)?;
    let room_type = rooms::find_by_name(tx, &form.room_type)
        .await?
        .ok_or(WebError::UnknownType)?;
    let since = now - THROTTLE_WINDOW_MS;
    let (by_address, by_client): (i64, i64) = {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN email = $1 THEN 1 ELSE 0 END), 0), COUNT(*) \
             FROM booking_requests WHERE created_at > $3 AND (email = $1 OR client = $2)",
        )
        .bind(&email)
        .bind(client.to_string())
        .bind(since)
        .fetch_one(&mut *tx)
        .await?;
        (row.try_get(0)?, row.try_get(1)?)
    };
    if by_address >= REQUESTS_PER_ADDRESS || by_client >= REQUESTS_PER_CLIENT {
        return Err(WebError::TooMany);
    }
    // Said now rather than after the guest has gone to their mail; the hold checks again.
    if let Some(receipt) = super::pending_receipt(tx, &Guest::Email(email.clone())).await? {
        return Err(WebError::AlreadyPending { receipt });
    }
    if !rooms::free_for(tx, stay)
        .await?
        .iter()
        .any(|t| t.id == room_type.id)
    {
        let next_free = rooms::next_free(tx, hotel, &room_type, stay, now).await?;
        return Err(WebError::Full { next_free });
    }
    let token = new_token();
    let request_id: i64 = sqlx::query_scalar(
        "INSERT INTO booking_requests (token_hash, guest_name, email, room_type_id, check_in, \
         nights, client, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(token_hash(&token))
    .bind(name.as_str())
    .bind(&email)
    .bind(room_type.id)
    .bind(day_number(check_in))
    .bind(i64::from(stay.nights))
    .bind(client.to_string())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    // A link never opened: its request (a name and an address) goes when the link stops
    // working.
    timers::set(
        tx,
        &[Timer {
            kind: super::REQUEST_EXPIRY,
            entity: request_id,
            due_at: now + LINK_VALID_MS,
        }],
    )
    .await?;
    let link = format!("{page}#confirm={token}");
    let mail = texts::confirm_mail(hotel, name.as_str(), &room_type.name, stay, &email, &link);
    outbox::enqueue(tx, &Outgoing::Mail(mail)).await?;
    Ok(())
}

/// A confirmed link's booking, and whether this opening confirmed it.
#[derive(Debug)]
pub struct Confirmed {
    pub booking: Booking,
    pub just_now: bool,
}

/// Holds the room of the request whose link carries `token`, at `now`; opened again, the
/// same booking.
pub async fn confirm(
    tx: &mut Conn,
    hotel: &Hotel,
    token: &str,
    now: i64,
) -> Result<Confirmed, WebError> {
    let row = sqlx::query(
        "SELECT id, guest_name, email, room_type_id, check_in, nights, created_at, booking_id \
         FROM booking_requests WHERE token_hash = $1",
    )
    .bind(token_hash(token.trim()))
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(WebError::UnknownLink)?;
    let request_id: i64 = row.try_get(0)?;
    if let Some(booking_id) = row.try_get::<Option<i64>, _>(7)? {
        let booking = find(tx, booking_id).await?.ok_or(WebError::UnknownLink)?;
        return Ok(Confirmed {
            booking,
            just_now: false,
        });
    }
    let created_at: i64 = row.try_get(6)?;
    if now - created_at > LINK_VALID_MS {
        return Err(WebError::UnknownLink);
    }
    let nights: i64 = row.try_get(5)?;
    let stay = Stay {
        check_in: super::date_of_day(row.try_get(4)?),
        nights: u32::try_from(nights).unwrap_or_default(),
    };
    hotel.check_stay(stay, now).map_err(WebError::Stay)?;
    let email: String = row.try_get(2)?;
    let new = NewBooking {
        guest_name: row.try_get(1)?,
        guest: Guest::Email(email.clone()),
        room_type_id: row.try_get(3)?,
        stay,
    };
    let booking = hold(tx, hotel, &new, now).await?;
    timers::cancel(tx, &[super::REQUEST_EXPIRY], &[request_id]).await?;
    sqlx::query("UPDATE booking_requests SET booking_id = $2 WHERE id = $1")
        .bind(request_id)
        .bind(booking.id)
        .execute(&mut *tx)
        .await?;
    let mail = texts::held_mail(&booking, hotel, &email);
    outbox::enqueue(tx, &Outgoing::Mail(mail)).await?;
    Ok(Confirmed {
        booking,
        just_now: true,
    })
}

/// Forgets web request `id` if its link was never opened (a confirmed one goes with its
/// booking's data, after the stay).
pub async fn forget_request(tx: &mut Conn, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM booking_requests WHERE id = $1 AND booking_id IS NULL")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// A date as a date field gives it (`2026-12-24`) or as guests write it (`24-12-2026`).
fn parse_form_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let iso: Vec<&str> = text.split('-').collect();
    match iso.as_slice() {
        [year, month, day] if year.len() == 4 => parse_date(&format!("{day}-{month}-{year}")),
        _ => parse_date(text),
    }
}

/// 32 random bytes, as URL-safe hex.
fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_dates_in_either_order() {
        let date = parse_form_date("2026-12-24").unwrap();
        assert_eq!(parse_form_date("24-12-2026"), Some(date));
        assert_eq!(parse_form_date("2026-02-30"), None);
        assert_eq!(parse_form_date("12-2026-24"), None);
        assert_eq!(parse_form_date(""), None);
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}
