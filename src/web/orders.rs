//! The order board API: list a page, poll for changes, Pickup and Close; one ticket with
//! its timeline, notes on it, and reopening it.

use axum::{
    body::Bytes,
    extract::{rejection::QueryRejection, Path, Query, State},
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use time::{Date, Month};

use super::{
    auth::{json_body, Staff},
    error::ApiError,
};
use crate::{
    db::now_ms,
    groups::{self, GroupView},
    lang::Text,
    orders::{
        board::{self, After, BoardQuery, Counts, Days, Filters, OrderView, Sort},
        detail::{self, TicketDetail},
        notes::{self, Note},
        photos,
        workflow::Transition,
        Status,
    },
    state::AppState,
    users::{access, Role},
};

const PAGE_MAX: i64 = 100;
const PAGE_DEFAULT: i64 = 50;
const SEARCH_MAX: usize = 64;
const TRANSAKSI_MAX: usize = 64;

/// The filters the list and the export share, read from the same query string as the
/// rest of their parameters.
#[derive(Deserialize)]
pub struct FilterParams {
    q: Option<String>,
    /// A group's chat id: only its tickets.
    group: Option<i64>,
    /// Only this Transaksi, in any case.
    transaksi: Option<String>,
    /// `YYYY-MM-DD`: only tickets created on or after this day, in their group's zone.
    from: Option<String>,
    /// `YYYY-MM-DD`: only tickets created on or before this day.
    to: Option<String>,
}

impl FilterParams {
    /// The filters, or a 400 saying what is wrong.
    pub fn filters(self) -> Result<Filters, ApiError> {
        // No search box types a control character, and PostgreSQL refuses text holding NUL.
        let printable = |text: String| text.chars().filter(|c| !c.is_control()).collect::<String>();
        let search = printable(self.q.unwrap_or_default());
        if search.chars().count() > SEARCH_MAX {
            return Err(ApiError::BadRequest(Text::new(
                "Kata pencarian terlalu panjang.",
                "The search is too long.",
            )));
        }
        let transaksi = self.transaksi.map(|t| printable(t).trim().to_owned());
        if transaksi
            .as_ref()
            .is_some_and(|t| t.chars().count() > TRANSAKSI_MAX)
        {
            return Err(ApiError::BadRequest(Text::new(
                "Transaksi terlalu panjang.",
                "The Transaksi is too long.",
            )));
        }
        let day = |text: Option<String>| match text.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => parse_day(text).map(Some).ok_or_else(|| bad_day(text)),
        };
        let (from, to) = (day(self.from)?, day(self.to)?);
        let days = match (from, to) {
            (None, None) => None,
            (from, to) => Some(Days {
                from: from.unwrap_or(Date::MIN),
                to: to.unwrap_or(Date::MAX),
            }),
        };
        if days.is_some_and(|days| days.from > days.to) {
            return Err(ApiError::BadRequest(Text::new(
                "Tanggal awal (from) jatuh setelah tanggal akhir (to).",
                "The from date is after the to date.",
            )));
        }
        Ok(Filters {
            search,
            group: self.group,
            transaksi: transaksi.filter(|t| !t.is_empty()),
            days,
        })
    }
}

/// The answer to a query string that does not parse.
pub fn bad_params(_: QueryRejection) -> ApiError {
    ApiError::BadRequest(Text::new("Parameter tidak valid.", "Invalid parameters."))
}

/// The answer to a day that is not `YYYY-MM-DD`.
pub fn bad_day(text: &str) -> ApiError {
    ApiError::BadRequest(Text::new(
        format!("Tanggal {text:?} tidak valid: tulis YYYY-MM-DD, mis. 2026-01-31."),
        format!("{text:?} is not a date: write YYYY-MM-DD, e.g. 2026-01-31."),
    ))
}

fn bad_after() -> ApiError {
    ApiError::BadRequest(Text::new(
        "Parameter after tidak valid.",
        "The after parameter is not valid.",
    ))
}

/// `YYYY-MM-DD`, a real day.
pub fn parse_day(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let mut number = |digits: usize| {
        parts
            .next()
            .filter(|part| part.len() == digits && part.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|part| part.parse::<u16>().ok())
    };
    let (year, month, day) = (number(4)?, number(2)?, number(2)?);
    if parts.next().is_some() {
        return None;
    }
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::from(year), month, u8::try_from(day).ok()?).ok()
}

#[derive(Deserialize)]
pub struct ListParams {
    status: Option<String>,
    /// `urgent` (the default for Order and Pickup) or `newest` (the default for Close).
    sort: Option<String>,
    /// `1`: only tickets whose target has passed.
    late: Option<String>,
    /// The `next` of the previous page.
    after: Option<String>,
    /// Newest first: only orders numbered below this.
    before: Option<i64>,
    limit: Option<i64>,
}

#[derive(Serialize)]
pub struct Page {
    orders: Vec<OrderView>,
    /// More orders follow: ask again with `after` = `next`.
    has_more: bool,
    next: Option<String>,
}

/// `late=1`: now, the moment by which a late ticket's stage was due; `0` or none: no
/// late filter.
fn late_at(late: Option<&str>) -> Result<Option<i64>, ApiError> {
    match late {
        None | Some("" | "0") => Ok(None),
        Some("1") => Ok(Some(now_ms())),
        _ => Err(ApiError::BadRequest(Text::new(
            "late harus 0 atau 1.",
            "late must be 0 or 1.",
        ))),
    }
}

/// `after` as the page gave it: `n<no>` or `u<key>:<no>`.
fn parse_after(text: &str) -> Option<After> {
    if let Some(no) = text.strip_prefix('n') {
        return no.parse().ok().map(After::Before);
    }
    if let Some(no) = text.strip_prefix('s') {
        return no.parse().ok().map(After::Since);
    }
    let (key, no) = text.strip_prefix('u')?.split_once(':')?;
    Some(After::Urgency(key.parse().ok()?, no.parse().ok()?))
}

fn after_text(after: After) -> String {
    match after {
        After::Before(no) => format!("n{no}"),
        After::Urgency(key, no) => format!("u{key}:{no}"),
        After::Since(no) => format!("s{no}"),
    }
}

/// `GET /api/orders?status=order|pickup|close|all&q=&group=&transaksi=&from=&to=&sort=urgent|oldest|newest&late=1&after=&limit=`.
/// Without `sort`: most urgent first on the Order and Pickup pages, newest first on the
/// Close page and for a search. `status=all` lists every status, newest first (the
/// board's "Cari di semua status").
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    params: Result<Query<ListParams>, QueryRejection>,
    filters: Result<Query<FilterParams>, QueryRejection>,
) -> Result<Json<Page>, ApiError> {
    let (Query(params), Query(filters)) =
        (params.map_err(bad_params)?, filters.map_err(bad_params)?);
    let filters = filters.filters()?;
    let limit = params.limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
    let status = params.status.as_deref().unwrap_or("order");
    if status == "all" {
        return every_status(&state, &staff, &params, &filters, limit).await;
    }
    let status = Status::parse(status).ok_or_else(|| {
        ApiError::BadRequest(Text::new(
            "Status harus order, pickup, close atau all.",
            "The status must be order, pickup, close or all.",
        ))
    })?;
    // `before` pages newest first, as the board did before it sorted by urgency. A search
    // lists newest first unless asked otherwise: it looks for one request, and part of an
    // Order_ID matched in due-time order would be looked for row by row.
    let sort = match (params.sort.as_deref(), status) {
        (Some("newest"), _) | (None, Status::Close) => Sort::Newest,
        (None, _) if params.before.is_some() || !filters.search.trim().is_empty() => Sort::Newest,
        (Some("urgent"), _) | (None, Status::Order | Status::Pickup) => Sort::Urgent,
        (Some("oldest"), _) => Sort::Oldest,
        _ => {
            return Err(ApiError::BadRequest(Text::new(
                "Urutan harus urgent, oldest atau newest.",
                "The sort must be urgent, oldest or newest.",
            )))
        }
    };
    let late_at = late_at(params.late.as_deref())?;
    let after = match (params.after.as_deref(), params.before) {
        (Some(text), _) => Some(parse_after(text).ok_or_else(bad_after)?),
        (None, before) => before.map(After::Before),
    };
    let query = BoardQuery {
        status,
        filters,
        sort,
        late_at,
        after,
        limit: limit + 1,
    };
    let mut orders = board::list(&state.db, access::scope(&staff.user), &query).await?;
    let has_more = orders.len() as i64 > limit;
    orders.truncate(limit as usize);
    let next = orders
        .last()
        .filter(|_| has_more)
        .map(|last| after_text(board::after(sort, last)));
    Ok(Json(Page {
        orders,
        has_more,
        next,
    }))
}

/// [`list`] for `status=all`: newest first, continuing below the `after` (`n<no>`) or
/// `before` it gave; no sort or late filter, which each mean one status's stage.
async fn every_status(
    state: &AppState,
    staff: &Staff,
    params: &ListParams,
    filters: &Filters,
    limit: i64,
) -> Result<Json<Page>, ApiError> {
    if params.sort.as_deref().is_some_and(|sort| sort != "newest")
        || late_at(params.late.as_deref())?.is_some()
    {
        return Err(ApiError::BadRequest(Text::new(
            "Semua status diurutkan dari yang terbaru, tanpa filter terlambat.",
            "Every status is listed newest first, without the late filter.",
        )));
    }
    let before = match (params.after.as_deref(), params.before) {
        (Some(text), _) => match parse_after(text) {
            Some(After::Before(no)) => Some(no),
            _ => return Err(bad_after()),
        },
        (None, before) => before,
    };
    let scope = access::scope(&staff.user);
    let mut orders = board::list_every_status(&state.db, scope, filters, before, limit + 1).await?;
    let has_more = orders.len() as i64 > limit;
    orders.truncate(limit as usize);
    let next = orders
        .last()
        .filter(|_| has_more)
        .map(|last| after_text(After::Before(last.no)));
    Ok(Json(Page {
        orders,
        has_more,
        next,
    }))
}

#[derive(Serialize)]
pub struct Summary {
    counts: Counts,
    version: i64,
    /// The asker's role as of this request: an open page that polls the summary notices a
    /// role changed elsewhere (and asks `/api/me` for what it may now open).
    role: Role,
}

#[derive(Deserialize)]
pub struct SummaryParams {
    /// `1`: count only tickets whose stage's target has passed.
    late: Option<String>,
}

/// `GET /api/summary?q=&group=&transaksi=&from=&to=&late=1`: counts per page of the
/// tickets the asker may see that the board's filters keep (the tabs follow the filters),
/// and a number that grows with every change of those tickets.
pub async fn summary(
    State(state): State<AppState>,
    staff: Staff,
    params: Result<Query<SummaryParams>, QueryRejection>,
    filters: Result<Query<FilterParams>, QueryRejection>,
) -> Result<Json<Summary>, ApiError> {
    let (Query(params), Query(filters)) =
        (params.map_err(bad_params)?, filters.map_err(bad_params)?);
    let filters = filters.filters()?;
    let late_at = late_at(params.late.as_deref())?;
    let scope = access::scope(&staff.user);
    Ok(Json(Summary {
        counts: board::counts(&state.db, scope, &filters, late_at).await?,
        version: board::version(&state.db, scope).await?,
        role: staff.user.role,
    }))
}

#[derive(Serialize)]
pub struct Groups {
    groups: Vec<GroupView>,
}

/// `GET /api/groups`: the groups whose tickets the asker may see.
pub async fn groups(State(state): State<AppState>, staff: Staff) -> Result<Json<Groups>, ApiError> {
    Ok(Json(Groups {
        groups: groups::visible(&state.db, access::scope(&staff.user)).await?,
    }))
}

/// `GET /api/orders/{no}/photo`: the image the ticket was written under, fetched from
/// Telegram through Tangkap the first time and kept; only for those who may see the
/// ticket (for others 404, as for a ticket that does not exist).
pub async fn photo(
    State(state): State<AppState>,
    staff: Staff,
    Path(no): Path<i64>,
) -> Result<Response, ApiError> {
    let photo = photos::find(&state.db, access::scope(&staff.user), no).await?;
    let image = state.photos.image(&photo).await?;
    let headers = [
        (header::CONTENT_TYPE, image.kind.mime_type()),
        // The browser may keep it for this person, no shared cache may.
        (header::CACHE_CONTROL, "private"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    Ok((headers, image.bytes).into_response())
}

/// `POST /api/orders/{no}/pickup`.
pub async fn pickup(
    state: State<AppState>,
    staff: Staff,
    no: Path<i64>,
) -> Result<Json<OrderView>, ApiError> {
    step(state, staff, no, Transition::Pickup).await
}

/// `POST /api/orders/{no}/pickup/undo`: the presser takes their Pickup back while the
/// group has not been told of it (`pickup_undo_ms` of `/api/config` after pressing).
pub async fn undo_pickup(
    State(state): State<AppState>,
    staff: Staff,
    Path(no): Path<i64>,
) -> Result<Json<OrderView>, ApiError> {
    let order = state.steps.undo_pickup(no, &staff.user).await?;
    tracing::info!(order = no, user = staff.user.id, "pickup undone");
    Ok(Json(order))
}

/// `POST /api/orders/{no}/close`.
pub async fn close(
    state: State<AppState>,
    staff: Staff,
    no: Path<i64>,
) -> Result<Json<OrderView>, ApiError> {
    step(state, staff, no, Transition::Close).await
}

async fn step(
    State(state): State<AppState>,
    staff: Staff,
    Path(no): Path<i64>,
    transition: Transition,
) -> Result<Json<OrderView>, ApiError> {
    let order = state.steps.apply(no, transition, &staff.user).await?;
    state.new_messages.notify_one();
    tracing::info!(
        order = no,
        user = staff.user.id,
        to = transition.to().as_str(),
        "order moved"
    );
    Ok(Json(order))
}

/// `GET /api/orders/{no}`: the ticket as the board shows it, with `events` (its timeline,
/// oldest first), `notes` and whether the asker `may_reopen` it.
pub async fn detail(
    State(state): State<AppState>,
    staff: Staff,
    Path(no): Path<i64>,
) -> Result<Json<TicketDetail>, ApiError> {
    detail::load(&state.db, &staff.user, no)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

#[derive(Deserialize)]
pub struct NoteRequest {
    text: String,
}

/// `POST /api/orders/{no}/notes` `{"text": …}`: an internal note, never sent to the group.
pub async fn add_note(
    State(state): State<AppState>,
    staff: Staff,
    Path(no): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Note>, ApiError> {
    let request: NoteRequest = json_body(&headers, &body)?;
    let note = notes::add(&state.db, &staff.user, no, &request.text).await?;
    tracing::info!(order = no, user = staff.user.id, "note added");
    Ok(Json(note))
}

#[derive(Deserialize)]
pub struct ReopenRequest {
    reason: String,
}

/// `POST /api/orders/{no}/reopen` `{"reason": …}`: owners and admins move a closed ticket
/// back to Order; the group is told, as a reply to the request.
pub async fn reopen(
    State(state): State<AppState>,
    staff: Staff,
    Path(no): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<OrderView>, ApiError> {
    let request: ReopenRequest = json_body(&headers, &body)?;
    let order = state.steps.reopen(no, &staff.user, &request.reason).await?;
    state.new_messages.notify_one();
    tracing::info!(order = no, user = staff.user.id, "order reopened");
    Ok(Json(order))
}
