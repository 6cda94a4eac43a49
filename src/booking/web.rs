//! Bookings from the public page `/booking`. A guest there gives an email address instead
//! of a Telegram account, so the address must be theirs before a room is held for it: the
//! form stores a request and mails a link, and the room is held only when the link is
//! opened (the hold counts from then). A mistyped or borrowed address gets a mail its
//! owner can ignore, and holds nothing.
//!
//! The link carries a random token; the request keeps only its SHA-256, and the mail's
//! outbox copy goes once sent ([`outbox::mark_sent`]), so the database alone cannot
//! confirm anybody's booking. Opening it twice shows the same booking.
//!
//! The form's answer says nothing of the address, which anyone may type: an address with
//! a pending booking is answered as a new one, and mailed that booking instead of a link.
//! Every such form counts towards the throttle: per address (without case or `+tag`), per
//! client (an IPv6 one by its /64), and the hour's mails of everyone together.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
};

use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::Row;
use time::Date;

use super::{
    day_number, find, hold_many, parse_date, rooms, web_texts as texts, Booking, Guest, HoldError,
    Hotel, HotelBase, NewBooking, Stay, StayProblem,
};
use crate::{
    db::{group_commit::GroupCommit, lock_until_commit, now_ms, values_placeholders, Conn, Db},
    lang::Lang,
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
    /// The page's language: the guest's answers and mails are in it.
    #[serde(default)]
    pub lang: Lang,
}

/// Forms one address may send in [`THROTTLE_WINDOW_MS`] (see [`email_key`]).
pub const REQUESTS_PER_ADDRESS: i64 = 3;
/// Forms one client may send in [`THROTTLE_WINDOW_MS`] (see [`client_key`]).
pub const REQUESTS_PER_CLIENT: i64 = 20;
/// The throttle's window; all forms together may send `booking.mails_per_hour` in it.
const THROTTLE_WINDOW_MS: i64 = 3_600_000;
/// The PostgreSQL advisory lock of the form's throttle ("BKWF"). One for every form: each
/// counts towards the hour's mails of everyone.
const THROTTLE_LOCK: i64 = 0x424B_5746;
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
    /// Said only to whoever opened a link mailed to the address; the form never says it.
    #[error("this address already has a pending booking")]
    AlreadyPending { receipt: String },
    #[error("too many requests")]
    TooMany,
    /// No such link, or it is past [`LINK_VALID_MS`].
    #[error("the link is unknown or too old")]
    UnknownLink,
    /// A shared position's numbers are no place on Earth.
    #[error("not a position")]
    Position,
    /// The confirmation's transaction was not committed.
    #[error("the booking could not be saved")]
    NotSaved,
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
    /// What the guest reads, in `lang`.
    pub fn explain(&self, lang: Lang) -> String {
        match self {
            WebError::Name(problem) => texts::bad_name(problem, lang),
            WebError::Stay(problem) => texts::stay_problem(*problem, lang),
            WebError::Full { next_free } => texts::full(next_free, lang),
            WebError::AlreadyPending { receipt } => texts::already_pending(receipt, lang),
            other => texts::refused(other.kind(), lang).to_owned(),
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
            WebError::Position => "position",
            WebError::NotSaved | WebError::Db(_) => "internal",
        }
    }
}

/// Checks `form` from `client` at `now` and, when it could be booked, counts it and mails
/// the address: a link that confirms a new request, stored now (nothing is held yet), or,
/// when the address has a pending booking, that booking. The caller's answer must not say
/// which.
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
    if !rooms::free_for(tx, stay)
        .await?
        .iter()
        .any(|t| t.id == room_type.id)
    {
        let next_free = rooms::next_free(tx, hotel, &room_type, stay, now).await?;
        return Err(WebError::Full { next_free });
    }
    // From here on the form counts and is answered alike whatever the address, so that
    // whoever types one learns nothing of its bookings.
    count_form(tx, hotel, &email, client, now).await?;
    let mail = match super::find_pending(tx, &Guest::Email(email.clone())).await? {
        Some(pending) => texts::already_pending_mail(&pending, hotel, &email, form.lang),
        None => {
            let token = new_token();
            let request_id: i64 = sqlx::query_scalar(
                "INSERT INTO booking_requests (token_hash, guest_name, email, room_type_id, \
                 check_in, nights, created_at, lang) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 RETURNING id",
            )
            .bind(token_hash(&token))
            .bind(name.as_str())
            .bind(&email)
            .bind(room_type.id)
            .bind(day_number(check_in))
            .bind(i64::from(stay.nights))
            .bind(now)
            .bind(form.lang.as_str())
            .fetch_one(&mut *tx)
            .await?;
            // A link never opened: its request (a name and an address) goes when the link
            // stops working.
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
            texts::confirm_mail(
                hotel,
                name.as_str(),
                &room_type.name,
                stay,
                &email,
                &link,
                form.lang,
            )
        }
    };
    outbox::enqueue(tx, &Outgoing::Mail(mail)).await?;
    Ok(())
}

/// Counts a form of `email` from `client` at `now`, or refuses it when the address, the
/// client or all forms together have reached the hour's limit. The count and the form's
/// row are one step: on PostgreSQL forms sent together wait for each other's commit here,
/// as they would otherwise all count the same rows and all pass.
async fn count_form(
    tx: &mut Conn,
    hotel: &Hotel,
    email: &str,
    client: IpAddr,
    now: i64,
) -> Result<(), WebError> {
    lock_until_commit(tx, THROTTLE_LOCK).await?;
    let since = now - THROTTLE_WINDOW_MS;
    let (email_key, client_key) = (email_key(email), client_key(client));
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM booking_form_hits WHERE email_key = $1 AND at > $3), \
         (SELECT COUNT(*) FROM booking_form_hits WHERE client_key = $2 AND at > $3), \
         (SELECT COUNT(*) FROM booking_form_hits WHERE at > $3)",
    )
    .bind(&email_key)
    .bind(&client_key)
    .bind(since)
    .fetch_one(&mut *tx)
    .await?;
    let (by_address, by_client, all): (i64, i64, i64) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    if by_address >= REQUESTS_PER_ADDRESS
        || by_client >= REQUESTS_PER_CLIENT
        || all >= i64::from(hotel.mails_per_hour)
    {
        return Err(WebError::TooMany);
    }
    // Rows past the window count no more.
    sqlx::query("DELETE FROM booking_form_hits WHERE at <= $1")
        .bind(since)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO booking_form_hits (email_key, client_key, at) VALUES ($1, $2, $3)")
        .bind(&email_key)
        .bind(&client_key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// An address as the throttle counts it: without case, and without the `+tag` that mail
/// servers deliver to the same mailbox (`Ayu+x@Mail.com` is `ayu@mail.com`).
fn email_key(email: &str) -> String {
    let email = email.trim().to_lowercase();
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let mailbox = local.split_once('+').map_or(local, |(mailbox, _)| mailbox);
            format!("{mailbox}@{domain}")
        }
        None => email,
    }
}

/// A client as the throttle counts it: an IPv4 address, or the /64 network of an IPv6 one
/// (a subscriber is usually given a whole /64, so one device has billions of addresses).
/// An IPv4-mapped IPv6 address is its IPv4 address.
fn client_key(client: IpAddr) -> String {
    let client = client.to_canonical();
    match client {
        IpAddr::V4(_) => client.to_string(),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & (u128::MAX << 64);
            format!("{}/64", Ipv6Addr::from(network))
        }
    }
}

/// A confirmed link's booking, and whether this opening confirmed it.
#[derive(Debug)]
pub struct Confirmed {
    pub booking: Booking,
    pub just_now: bool,
    /// Where the booking stands, for the guest (in the hotel's settings of the batch).
    pub standing: String,
}

/// Links opened at once, confirmed in one transaction at most. On PostgreSQL a batch costs
/// about 3 ms whatever its size plus about 0.1 ms a held booking, so a burst of 200 guests
/// is answered soonest in two batches (the first link alone, then the rest) rather than
/// three; the longer of the two took about 9.4 ms on the bench machine.
const CONFIRM_BATCH: usize = 256;

/// Confirms web bookings by group commit (see [`crate::db::group_commit`]): guests who
/// open their links at one moment share one transaction, and their holds are decided
/// together by [`hold_many`], so a burst costs a few statements per batch, not a dozen per
/// guest.
#[derive(Clone, Debug)]
pub struct Confirmations {
    batches: GroupCommit<String, Result<Confirmed, WebError>>,
}

impl Confirmations {
    /// Starts the writer for `hotel`'s links; it runs until every clone is dropped.
    pub fn start(db: Db, hotel: HotelBase) -> Self {
        let batches = GroupCommit::start(CONFIRM_BATCH, move |tokens: Vec<String>| {
            let (db, hotel) = (db.clone(), hotel.clone());
            async move { confirm_batch(&db, &hotel, &tokens).await }
        });
        Self { batches }
    }

    /// Holds the room of the request whose link carries `token`; opened again, the same
    /// booking.
    pub async fn confirm(&self, token: &str) -> Result<Confirmed, WebError> {
        self.batches
            .submit(token.trim().to_owned())
            .await
            .unwrap_or(Err(WebError::NotSaved))
    }
}

/// Confirms `tokens` in one transaction, one outcome each in their order. If the
/// transaction fails, each is tried in a transaction of its own, so one cannot sink the
/// others.
async fn confirm_batch(
    db: &Db,
    hotel: &HotelBase,
    tokens: &[String],
) -> Vec<Result<Confirmed, WebError>> {
    match confirm_together(db, hotel, tokens).await {
        Ok(outcomes) => outcomes,
        Err(e) if tokens.len() == 1 => vec![Err(e.into())],
        Err(e) => {
            tracing::debug!(error = %e, "a batch of confirmations failed; trying each alone");
            let mut outcomes = Vec::with_capacity(tokens.len());
            for token in tokens {
                outcomes.push(
                    match confirm_together(db, hotel, std::slice::from_ref(token)).await {
                        Ok(mut alone) => alone.pop().unwrap_or(Err(WebError::NotSaved)),
                        Err(e) => Err(e.into()),
                    },
                );
            }
            outcomes
        }
    }
}

/// A link of the batch, as its request stands.
enum Opened {
    Refused(WebError),
    /// Confirmed before: its booking.
    Confirmed(i64),
    /// To hold: the request, and its place among the bookings asked of [`hold_many`].
    ToHold {
        request_id: i64,
        hold: usize,
    },
}

async fn confirm_together(
    db: &Db,
    base: &HotelBase,
    tokens: &[String],
) -> Result<Vec<Result<Confirmed, WebError>>, sqlx::Error> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let hotel = &base.load(&mut tx).await?;
    let hashes: Vec<String> = tokens.iter().map(|token| token_hash(token)).collect();
    let sql = format!(
        "SELECT r.token_hash, r.id, r.guest_name, r.email, r.room_type_id, r.check_in, \
         r.nights, r.created_at, b.id, r.lang FROM booking_requests r \
         LEFT JOIN bookings b ON b.request_id = r.id WHERE r.token_hash IN {}",
        values_placeholders(1, 1, hashes.len())
    );
    let mut query = sqlx::query(&sql);
    for hash in &hashes {
        query = query.bind(hash);
    }
    let mut requests = HashMap::new();
    for row in query.fetch_all(&mut *tx).await? {
        requests.insert(row.try_get::<String, _>(0)?, row);
    }
    let mut news = Vec::new();
    let mut opened = Vec::with_capacity(tokens.len());
    for hash in &hashes {
        let Some(row) = requests.get(hash) else {
            opened.push(Opened::Refused(WebError::UnknownLink));
            continue;
        };
        if let Some(booking_id) = row.try_get::<Option<i64>, _>(8)? {
            opened.push(Opened::Confirmed(booking_id));
            continue;
        }
        if now - row.try_get::<i64, _>(7)? > LINK_VALID_MS {
            opened.push(Opened::Refused(WebError::UnknownLink));
            continue;
        }
        let nights: i64 = row.try_get(6)?;
        let stay = Stay {
            check_in: super::date_of_day(row.try_get(5)?),
            nights: u32::try_from(nights).unwrap_or_default(),
        };
        if let Err(problem) = hotel.check_stay(stay, now) {
            opened.push(Opened::Refused(WebError::Stay(problem)));
            continue;
        }
        let email: String = row.try_get(3)?;
        let request_id = row.try_get(1)?;
        opened.push(Opened::ToHold {
            request_id,
            hold: news.len(),
        });
        news.push(NewBooking {
            guest_name: row.try_get(2)?,
            guest: Guest::Email(email),
            room_type_id: row.try_get(4)?,
            stay,
            lang: Lang::parse(&row.try_get::<String, _>(9)?),
            request_id: Some(request_id),
        });
    }
    let mut held: Vec<Option<Result<Booking, HoldError>>> = hold_many(&mut tx, hotel, &news, now)
        .await?
        .into_iter()
        .map(Some)
        .collect();
    // The requests now held (their bookings name them and hold_many mailed their guests).
    let mut linked: HashMap<i64, Booking> = HashMap::new();
    for outcome in &opened {
        if let Opened::ToHold { request_id, hold } = outcome {
            if let Some(Ok(booking)) = &held[*hold] {
                linked.insert(*request_id, booking.clone());
            }
        }
    }
    let confirmed = |booking: Booking, just_now: bool| Confirmed {
        standing: texts::standing(&booking, hotel),
        booking,
        just_now,
    };
    let mut outcomes = Vec::with_capacity(opened.len());
    for outcome in opened {
        outcomes.push(match outcome {
            Opened::Refused(e) => Err(e),
            Opened::Confirmed(id) => match find(&mut tx, id).await? {
                Some(booking) => Ok(confirmed(booking, false)),
                None => Err(WebError::UnknownLink),
            },
            Opened::ToHold {
                request_id, hold, ..
            } => match held[hold].take() {
                Some(Ok(booking)) => Ok(confirmed(booking, true)),
                // The same link opened twice in this batch: the first opening held it.
                Some(Err(HoldError::AlreadyPending { .. })) if linked.contains_key(&request_id) => {
                    Ok(confirmed(linked[&request_id].clone(), false))
                }
                Some(Err(e)) => Err(e.into()),
                None => Err(WebError::NotSaved),
            },
        });
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Forgets web request `id` if its link was never opened, when the link stops working (a
/// confirmed one goes with its booking's data, after the stay).
pub async fn forget_request(tx: &mut Conn, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM booking_requests WHERE id = $1 \
         AND NOT EXISTS (SELECT 1 FROM bookings WHERE request_id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The booking the link carrying `token` holds, if it was opened and holds one.
pub async fn booking_of_link(tx: &mut Conn, token: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT b.id FROM booking_requests r JOIN bookings b ON b.request_id = r.id \
         WHERE r.token_hash = $1",
    )
    .bind(token_hash(token.trim()))
    .fetch_optional(&mut *tx)
    .await
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

    #[test]
    fn addresses_count_without_case_or_tag() {
        for spelling in [
            "ayu@mail.com",
            " Ayu@Mail.com ",
            "ayu+x@Mail.com",
            "AYU+x+y@mail.com",
        ] {
            assert_eq!(email_key(spelling), "ayu@mail.com", "{spelling}");
        }
        assert_ne!(email_key("ayu.x@mail.com"), "ayu@mail.com");
        assert_eq!(email_key("ayu@sub+x.example"), "ayu@sub+x.example");
    }

    #[test]
    fn clients_count_by_ipv4_address_or_ipv6_slash_64() {
        let key = |address: &str| client_key(address.parse().unwrap());
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:3::1"), "2001:db8:1:3::/64");
        assert_eq!(key("::1"), "::/64");
    }
}
