//! Bookings over HTTP: the public booking page `/booking` and its API, for guests (no
//! staff login), and the Mini App's Booking page for the front office. What a form or a
//! link may do is decided in [`crate::booking::web`], who works bookings in
//! [`booking::may_work`]; with bookings off, or for anyone else, every route here answers
//! as if it did not exist.

use std::net::SocketAddr;

use axum::{
    body::Bytes,
    extract::{rejection::QueryRejection, ConnectInfo, Path, Query, State},
    http::HeaderMap,
    response::Response,
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};
use time::Date;

use super::{
    assets,
    auth::{client_address, json_body, Staff},
    error::ApiError,
    orders::{bad_day, bad_params, parse_day},
};
use crate::{
    booking::config::MOST_NIGHTS,
    booking::{
        self,
        desk::{self, DeskError, GRID_DAYS, GRID_MOST_DAYS},
        location::{self, Fix, Shared, Sharer},
        rooms::{RoomType, RoomsError, TypeChange},
        settings::{SettingsChange, SettingsError, SettingsView},
        texts,
        web::{WebError, WebForm},
        web_texts, Booking, DecideError, Decision, Hotel, HotelBase, RevertError, Status,
        LIST_LIMIT,
    },
    db::{now_ms, Conn},
    groups,
    lang::{Lang, Text},
    state::AppState,
    users::access::{self, BookingWork, Scope},
};

/// How often the booking page sends a guest's position while it is open.
const POSITION_EVERY_MINUTES: u32 = 10;

/// The hotel, when bookings are on.
fn base(state: &AppState) -> Result<&HotelBase, ApiError> {
    state.hotel.as_ref().ok_or(ApiError::NoSuchRoute)
}

/// The hotel with its settings as they stand (read on `conn`), when bookings are on.
async fn hotel(state: &AppState, conn: &mut Conn) -> Result<Hotel, ApiError> {
    Ok(base(state)?.load(conn).await?)
}

/// `GET /booking`.
pub async fn page(
    State(state): State<AppState>,
    request: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    base(&state)?;
    Ok(assets::serve("booking.html", &request))
}

/// `GET /api/booking`: what the form offers now.
pub async fn form(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    base(&state)?;
    let now = now_ms();
    let mut conn = state.db.pool().acquire().await?;
    let hotel = hotel(&state, &mut conn).await?;
    let types = booking::rooms::all(&mut conn).await?;
    let prices: serde_json::Map<String, Value> = types
        .iter()
        .filter(|t| t.price > 0)
        .map(|t| (t.name.clone(), t.price.into()))
        .collect();
    let room_types: Vec<String> = types.into_iter().map(|t| t.name).collect();
    Ok(Json(json!({
        "hotel_name": hotel.settings.hotel_name,
        "room_types": room_types,
        // Rupiah per night, of the types that have a price.
        "prices": prices,
        "today": hotel.today(now).to_string(),
        "last_check_in": hotel.last_check_in(now).to_string(),
        "most_nights": MOST_NIGHTS,
        "hold_minutes": hotel.settings.hold.as_secs() / 60,
        // A later check-in is held until this time on its day.
        "release_at": format!("{:02}:{:02}", hotel.release_at.hour(), hotel.release_at.minute()),
        // Holds are extended for guests on their way: the confirmed page sends the
        // browser's position this often while it is open.
        "location": hotel.location.map(|_| json!({ "every_minutes": POSITION_EVERY_MINUTES })),
        "payment_text": hotel.settings.payment_text,
        "web": hotel.web_page.is_some(),
        "telegram": state
            .bot_username()
            .map(|bot| format!("https://t.me/{bot}?start=booking")),
    })))
}

/// `POST /api/booking` with the form: mails the address (a confirmation link, or its
/// pending booking: the answer does not say which); holds nothing yet.
pub async fn submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    base(&state)?;
    let form: WebForm = json_body(&headers, &body)?;
    let client = client_address(&headers, peer, &state);
    let mut tx = state.db.begin().await?;
    let hotel = hotel(&state, &mut tx).await?;
    booking::web::request(&mut tx, &hotel, &form, client, now_ms())
        .await
        .map_err(|e| ApiError::booking(e, form.lang))?;
    tx.commit().await?;
    state.new_messages.notify_one();
    Ok(Json(json!({
        "message": web_texts::mailed(form.email.trim(), form.lang),
    })))
}

#[derive(Deserialize)]
pub struct Confirmation {
    token: String,
    /// The page's language, for a refusal (a booking is told in its own).
    #[serde(default)]
    lang: Lang,
}

/// `POST /api/booking/confirm` `{token}`: the link was opened; holds the room (once).
pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    base(&state)?;
    let confirmations = state.confirmations.as_ref().ok_or(ApiError::NoSuchRoute)?;
    let confirmation: Confirmation = json_body(&headers, &body)?;
    let confirmed = confirmations
        .confirm(&confirmation.token)
        .await
        .map_err(|e| ApiError::booking(e, confirmation.lang))?;
    state.new_messages.notify_one();
    Ok(Json(json!({
        "receipt": confirmed.booking.receipt,
        "status": confirmed.booking.status,
        "just_now": confirmed.just_now,
        "text": confirmed.standing,
    })))
}

/// Asks Telegram whether `staff` is in the FO chat where the cache's answer is missing or
/// too old; before the request's transaction, which then calls [`front_office`].
async fn ask_front_office(state: &AppState, staff: &Staff) -> Result<(), ApiError> {
    let people = std::slice::from_ref(&staff.user);
    let refresh = state.config.membership_refresh;
    booking::ask_front_office(&state.db, &state.telegram, base(state)?, people, refresh).await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct SharedPosition {
    token: String,
    latitude: f64,
    longitude: f64,
    accuracy: Option<f64>,
    #[serde(default)]
    lang: Lang,
}

/// `POST /api/booking/position` `{token, latitude, longitude, accuracy}`: the guest's
/// browser says where they are, for the pending booking the link holds (see
/// [`booking::location`]); 404 `link` for a link that holds no pending booking.
pub async fn position(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let base = base(&state)?;
    let shared: SharedPosition = json_body(&headers, &body)?;
    let fix = Fix {
        latitude: shared.latitude,
        longitude: shared.longitude,
        accuracy_m: shared.accuracy,
    }
    .checked()
    .ok_or_else(|| ApiError::booking(WebError::Position, shared.lang))?;
    let mut tx = state.db.begin().await?;
    let hotel = base.load(&mut tx).await?;
    let outcome =
        location::share(&mut tx, &hotel, Sharer::Link(&shared.token), fix, now_ms()).await?;
    tx.commit().await?;
    match outcome {
        Shared::Kept {
            booking,
            distance_m,
        } => Ok(Json(json!({
            "distance_m": distance_m,
            "message": web_texts::position_noted(&booking, &hotel, distance_m),
        }))),
        Shared::NoPendingBooking => Err(ApiError::booking(WebError::UnknownLink, shared.lang)),
        Shared::Off => Err(ApiError::NoSuchRoute),
    }
}

/// The hotel, when `staff` works its bookings (asked on `conn`); for anyone else there
/// are none.
async fn front_office(state: &AppState, staff: &Staff, conn: &mut Conn) -> Result<Hotel, ApiError> {
    let hotel = hotel(state, conn).await?;
    match booking::may_work(conn, &hotel, &staff.user).await? {
        BookingWork::Allowed => Ok(hotel),
        BookingWork::Refused => Err(ApiError::NoSuchRoute),
        BookingWork::Unconfirmed => Err(ApiError::MembershipUnchecked),
    }
}

/// A booking as the Booking page shows it to those who work bookings: with its check-out
/// date, total and the guest's contact (none once erased).
fn view(booking: &Booking) -> Value {
    let mut view = json!(booking);
    view["check_out"] = booking::date_text(booking.stay().check_out()).into();
    view["total"] = booking.total().into();
    view["contact"] = json!(booking.contact());
    view
}

fn views(bookings: &[Booking]) -> Vec<Value> {
    bookings.iter().map(view).collect()
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
}

/// Longest search accepted.
const SEARCH_MAX_CHARS: usize = 64;

/// `GET /api/bookings?status=pending|paid|cancelled&q=`: the front office's list.
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let status = match query.status.as_str() {
        "" => Status::Pending,
        other => Status::parse(other).ok_or_else(|| {
            ApiError::BadRequest(Text::new(
                "Status harus pending, paid atau cancelled.",
                "The status must be pending, paid or cancelled.",
            ))
        })?,
    };
    if query.q.chars().count() > SEARCH_MAX_CHARS {
        return Err(ApiError::BadRequest(Text::new(
            format!("Pencarian paling panjang {SEARCH_MAX_CHARS} huruf."),
            format!("A search is at most {SEARCH_MAX_CHARS} characters."),
        )));
    }
    ask_front_office(&state, &staff).await?;
    let mut conn = state.db.pool().acquire().await?;
    let hotel = front_office(&state, &staff, &mut conn).await?;
    let bookings = booking::list(&mut conn, status, &query.q, LIST_LIMIT).await?;
    let [pending, paid, cancelled] = booking::counts(&mut conn).await?;
    let mut answer = json!({
        "bookings": views(&bookings),
        "counts": { "pending": pending, "paid": paid, "cancelled": cancelled },
    });
    // Owners and admins also set the room types and the hotel's settings, the FO chat
    // chosen among the groups the bot knows.
    if access::manages_team(&staff.user) {
        answer["room_types"] = json!(booking::rooms::all(&mut conn).await?);
        answer["settings"] = json!(hotel.settings.view());
        answer["groups"] = json!(groups::visible(&state.db, Scope::Everything).await?);
    }
    Ok(Json(answer))
}

/// `POST /api/bookings/{id}/paid` or `…/cancel`: as **Lunas** / **Batal** in Telegram.
pub async fn decide(
    State(state): State<AppState>,
    staff: Staff,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Json<Value>, ApiError> {
    let decision = match action.as_str() {
        "paid" => Decision::Paid,
        "cancel" => Decision::Cancel,
        "revert" => return revert(state, staff, id).await,
        _ => return Err(ApiError::NoSuchRoute),
    };
    ask_front_office(&state, &staff).await?;
    let mut tx = state.db.begin().await?;
    let hotel = front_office(&state, &staff, &mut tx).await?;
    match booking::decide(&mut tx, &hotel, id, decision, &staff.user).await {
        Ok(booking) => {
            tx.commit().await?;
            state.new_messages.notify_one();
            Ok(Json(view(&booking)))
        }
        Err(DecideError::NotFound) => Err(ApiError::NoSuchRoute),
        Err(DecideError::AlreadyDecided(booking)) => Err(ApiError::Conflict(Text::of(|lang| {
            texts::already_decided(&booking, lang)
        }))),
        Err(DecideError::Db(e)) => Err(ApiError::Internal(e)),
    }
}

/// `POST /api/bookings/{id}/revert`: owners and admins put a booking marked paid by
/// mistake back to pending, within 15 minutes and before check-in; 409 saying why not.
async fn revert(state: AppState, staff: Staff, id: i64) -> Result<Json<Value>, ApiError> {
    let mut tx = state.db.begin().await?;
    let hotel = front_office(&state, &staff, &mut tx).await?;
    match booking::revert_paid(&mut tx, &hotel, &staff.user, id, now_ms()).await {
        Ok(booking) => {
            tx.commit().await?;
            state.new_messages.notify_one();
            Ok(Json(view(&booking)))
        }
        Err(RevertError::NotFound) => Err(ApiError::NoSuchRoute),
        Err(RevertError::Db(e)) => Err(ApiError::Internal(e)),
        Err(refused) => Err(ApiError::Conflict(Text::of(|lang| {
            texts::revert_refused(refused.reason(), lang)
        }))),
    }
}

/// `GET /api/bookings/today`: the front desk's day (arrivals, in the house, departures).
pub async fn today(State(state): State<AppState>, staff: Staff) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.pool().acquire().await?;
    let hotel = front_office(&state, &staff, &mut conn).await?;
    let day = desk::today(&mut conn, &hotel, now_ms()).await?;
    Ok(Json(json!({
        "date": day.date.to_string(),
        "arrivals": views(&day.arrivals),
        "in_house": views(&day.in_house),
        "departures": views(&day.departures),
    })))
}

#[derive(Deserialize)]
pub struct GridQuery {
    /// `YYYY-MM-DD`; the hotel's today without it.
    from: Option<String>,
    days: Option<u32>,
}

/// `GET /api/bookings/grid?from=YYYY-MM-DD&days=14`: the rooms free per type and night.
pub async fn grid(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<GridQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.db.pool().acquire().await?;
    let hotel = front_office(&state, &staff, &mut conn).await?;
    let Query(query) = query.map_err(bad_params)?;
    let from = match query.from.as_deref().map(str::trim) {
        None | Some("") => hotel.today(now_ms()),
        Some(text) => parse_day(text).ok_or_else(|| bad_day(text))?,
    };
    let days = query.days.unwrap_or(GRID_DAYS);
    if !(1..=GRID_MOST_DAYS).contains(&days) {
        return Err(ApiError::BadRequest(Text::new(
            format!("Jumlah hari 1–{GRID_MOST_DAYS}."),
            format!("The days must be 1 to {GRID_MOST_DAYS}."),
        )));
    }
    let grid = desk::grid(&mut conn, from, days).await?;
    let types: Vec<Value> = grid
        .types
        .iter()
        .map(|row| {
            let mut view = json!(row.room_type);
            view["nights"] = row
                .nights
                .iter()
                .map(|night| {
                    json!({ "date": night.date.to_string(), "taken": night.taken, "free": night.free })
                })
                .collect::<Vec<_>>()
                .into();
            view
        })
        .collect();
    let days: Vec<String> = grid.days.iter().map(Date::to_string).collect();
    Ok(Json(
        json!({ "from": from.to_string(), "days": days, "types": types }),
    ))
}

#[derive(Default, Deserialize)]
pub struct CheckIn {
    /// The room the guest is given, if the desk says.
    room: Option<String>,
}

/// What the front desk does to a booking.
enum DeskStep<'a> {
    /// With the request's body, `{room?}` or none.
    CheckIn {
        headers: &'a HeaderMap,
        body: &'a Bytes,
    },
    CheckOut,
}

/// `POST /api/bookings/{id}/check_in` `{room?}` (the body may be left out).
pub async fn check_in(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let step = DeskStep::CheckIn {
        headers: &headers,
        body: &body,
    };
    desk_step(&state, &staff, id, step).await
}

/// `POST /api/bookings/{id}/check_out`.
pub async fn check_out(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    desk_step(&state, &staff, id, DeskStep::CheckOut).await
}

/// Does `step` to booking `id` for `staff`; the booking after it, or 409 with why not (who
/// was faster, not paid, too early).
async fn desk_step(
    state: &AppState,
    staff: &Staff,
    id: i64,
    step: DeskStep<'_>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.db.begin().await?;
    // Whoever does not work bookings learns nothing, not even what is wrong with a body.
    let hotel = front_office(state, staff, &mut tx).await?;
    let now = now_ms();
    let done = match step {
        DeskStep::CheckIn { headers, body } => {
            let asked: CheckIn = if body.is_empty() {
                CheckIn::default()
            } else {
                json_body(headers, body)?
            };
            match desk::room_no(asked.room.as_deref()) {
                Ok(room) => {
                    desk::check_in(&mut tx, &hotel, &staff.user, id, room.as_deref(), now).await
                }
                Err(refused) => Err(refused),
            }
        }
        DeskStep::CheckOut => desk::check_out(&mut tx, &hotel, &staff.user, id, now).await,
    };
    match done {
        Ok(booking) => {
            tx.commit().await?;
            state.new_messages.notify_one();
            Ok(Json(view(&booking)))
        }
        Err(DeskError::NotFound) => Err(ApiError::NoSuchRoute),
        Err(DeskError::RoomNo) => Err(ApiError::InvalidField {
            field: "room",
            message: Text::of(texts::invalid_room_no),
        }),
        Err(DeskError::Refused(why, booking)) => Err(ApiError::Conflict(Text::of(|lang| {
            texts::desk_refused(why, &booking, &hotel, lang)
        }))),
        Err(DeskError::Db(e)) => Err(ApiError::Internal(e)),
    }
}

impl From<RoomsError> for ApiError {
    fn from(err: RoomsError) -> Self {
        match err {
            RoomsError::NotFound => ApiError::NoSuchRoute,
            RoomsError::Invalid(problem) => ApiError::BadRequest(problem),
            RoomsError::TooFew { night, taken } => {
                let night = booking::date_text(night);
                ApiError::Conflict(Text::new(
                    format!("Pada {night} sudah {taken} kamar terpesan: paling sedikit {taken}."),
                    format!("{taken} rooms are booked on {night}: at least {taken}."),
                ))
            }
            RoomsError::Exists => ApiError::Conflict(Text::new(
                "Tipe kamar itu sudah ada.",
                "That room type exists.",
            )),
            RoomsError::Db(e) => ApiError::Internal(e),
        }
    }
}

#[derive(Deserialize)]
pub struct NewRoomType {
    name: String,
    rooms: i64,
    #[serde(default)]
    price: i64,
}

/// `POST /api/room_types` `{name, rooms, price}`: owners and admins add a room type.
pub async fn add_room_type(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RoomType>, ApiError> {
    base(&state)?;
    let new: NewRoomType = json_body(&headers, &body)?;
    let mut tx = state.db.begin().await?;
    let added = booking::rooms::add(&mut tx, &staff.user, &new.name, new.rooms, new.price).await?;
    tx.commit().await?;
    Ok(Json(added))
}

/// `PUT /api/room_types/{id}` `{rooms, price}` (either or both): owners and admins change
/// a type's rooms and price per night.
pub async fn change_room_type(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RoomType>, ApiError> {
    base(&state)?;
    let change: TypeChange = json_body(&headers, &body)?;
    let mut tx = state.db.begin().await?;
    let hotel = hotel(&state, &mut tx).await?;
    let changed =
        booking::rooms::change(&mut tx, &hotel, &staff.user, id, change, now_ms()).await?;
    tx.commit().await?;
    Ok(Json(changed))
}

impl From<SettingsError> for ApiError {
    fn from(err: SettingsError) -> Self {
        match err {
            SettingsError::NotFound => ApiError::NoSuchRoute,
            SettingsError::Invalid { field, message } => ApiError::InvalidField { field, message },
            SettingsError::Db(e) => ApiError::Internal(e),
        }
    }
}

/// `PUT /api/booking_settings` with any of `hotel_name, hold, warn_before, staff_chat,
/// book_ahead_days, payment_text`: owners and admins change them, all or nothing; the
/// settings in force after.
pub async fn set_settings(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SettingsView>, ApiError> {
    let base = base(&state)?;
    let change: SettingsChange = json_body(&headers, &body)?;
    let mut tx = state.db.begin().await?;
    let settings = booking::settings::set(
        &mut tx,
        base.file_settings(),
        &staff.user,
        &change,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(settings.view()))
}
