//! The one error type of the HTTP API. Each variant maps to a status, a stable `error`
//! code, and a sentence in the language the request asked for (see
//! [`in_asked_language`]); internal errors are logged and shown as a plain sentence.

use axum::{
    extract::Request,
    http::{
        header::{ACCEPT_LANGUAGE, RETRY_AFTER},
        HeaderMap, HeaderValue, StatusCode,
    },
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::{
    booking::web::WebError,
    lang::{Lang, Text},
    orders::{
        notes::NoteError,
        photos::{PhotoError, PHOTO_MAX_BYTES},
        sla::SettingsError,
        workflow::{Transition, TransitionError},
    },
    telegram::{init_data::InitDataError, texts},
    users::{access::Refusal, team::TeamError, AccountState},
};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("session expired")]
    SessionExpired,
    #[error("invalid initData: {0}")]
    InitData(#[from] InitDataError),
    #[error("initData belongs to another Telegram account than the session")]
    TelegramMismatch,
    #[error("this Telegram account is not registered")]
    NotRegistered,
    #[error("the account is {0:?}")]
    NotActive(AccountState),
    #[error("wrong login or password")]
    WrongCredentials { tries_left: Option<i64> },
    #[error("locked out for {retry_after_secs} s")]
    Locked {
        retry_after_secs: u64,
        /// The end of the lock-out on the team's clock, e.g. `14:05 WIB`.
        until: String,
    },
    #[error("too many logins being checked")]
    Busy,
    #[error("too many open connections")]
    TooManyConnections,
    #[error("browser login is disabled")]
    BrowserLoginDisabled,
    #[error("no such order")]
    NotFound,
    /// Also the answer to a route the asker may not use: for them it does not exist.
    #[error("no such route")]
    NoSuchRoute,
    #[error("no such account")]
    NoSuchAccount,
    /// What the request names is not there (a product, an invoice, a text of the bot), the
    /// sentence saying what; the route itself exists for the asker.
    #[error("unknown: {0}")]
    Unknown(Text),
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    /// The asker may see the thing but not do this to it; the sentence says who may.
    #[error("forbidden: {0}")]
    Forbidden(Text),
    #[error("conflict: {0}")]
    Conflict(Text),
    #[error("bad request: {0}")]
    BadRequest(Text),
    /// A form's `field` refused, with why (the page shows it beside the field).
    #[error("bad request: {field}: {message}")]
    InvalidField { field: &'static str, message: Text },
    #[error("expected a JSON body")]
    NotJson,
    /// A web booking's form or link refused, said in the page's language; its `error` is
    /// the refusal's kind.
    #[error("booking refused: {0}")]
    Booking(WebError, Lang),
    /// A ticket's photo could not be served (a ticket the asker may not see, or without a
    /// photo, is [`ApiError::NotFound`] and `no_photo` instead).
    #[error("photo: {0}")]
    Photo(PhotoError),
    /// Working bookings hangs on the asker's being in the FO chat, and Telegram could not
    /// be asked.
    #[error("FO chat membership unknown: Telegram could not be asked")]
    MembershipUnchecked,
    /// A write failed; the cause was logged where it happened.
    #[error("the change could not be saved")]
    NotSaved,
    #[error(transparent)]
    Internal(#[from] sqlx::Error),
}

impl From<TransitionError> for ApiError {
    fn from(err: TransitionError) -> Self {
        match err {
            TransitionError::NotFound => ApiError::NotFound,
            TransitionError::NotSaved => ApiError::NotSaved,
            TransitionError::Db(e) => ApiError::Internal(e),
            TransitionError::Forbidden(why) => ApiError::Forbidden(why),
            TransitionError::Invalid(problem) => ApiError::BadRequest(problem),
            TransitionError::Conflict {
                order,
                transition: Transition::Reopen,
            } => {
                let status = match order.status.as_str() {
                    "order" => "Order",
                    "pickup" => "Pickup",
                    other => other,
                };
                ApiError::Conflict(Text::new(
                    format!(
                        "Tiket ini tidak berstatus Close (sekarang {status}), jadi tidak bisa \
                         dibuka kembali."
                    ),
                    format!(
                        "This ticket is not closed (it is {status} now), so it cannot be \
                         reopened."
                    ),
                ))
            }
            TransitionError::Conflict {
                order,
                transition: Transition::UndoPickup,
            } => ApiError::Conflict(match order.status.as_str() {
                "pickup" | "close" => Text::new(
                    "Pickup ini tidak bisa dibatalkan lagi: grup sudah diberi tahu, atau bukan \
                     Anda yang mem-pickup.",
                    "This Pickup can no longer be undone: the group has been told, or it was \
                     not yours.",
                ),
                _ => not_picked_up(),
            }),
            TransitionError::Conflict { order, transition } => ApiError::Conflict(
                match (
                    order.status.as_str(),
                    order.closed_by_label(),
                    order.picked_by_label(),
                ) {
                    ("close", Some(by), _) => Text::new(
                        format!("Order ini sudah di-close oleh {by}."),
                        format!("This order was already closed by {by}."),
                    ),
                    ("pickup", _, Some(by)) => Text::new(
                        format!("Order ini sudah di-pickup oleh {by}."),
                        format!("This order was already picked up by {by}."),
                    ),
                    // A Pickup refused while the ticket was closed, and reopened meanwhile:
                    // it is waiting again, to be picked up afresh.
                    ("order", _, _) if transition == Transition::Pickup => Text::new(
                        "Order ini baru saja dibuka kembali; tekan Pickup lagi.",
                        "This order was just reopened; press Pickup again.",
                    ),
                    ("order", _, _) => not_picked_up(),
                    _ => Text::new(
                        "Order ini sudah berpindah status.",
                        "This order has already moved on to another status.",
                    ),
                },
            ),
        }
    }
}

fn not_picked_up() -> Text {
    Text::new("Order ini belum di-pickup.", "This order is not picked up.")
}

impl From<PhotoError> for ApiError {
    fn from(err: PhotoError) -> Self {
        match err {
            PhotoError::NotFound => ApiError::NotFound,
            PhotoError::Db(e) => ApiError::Internal(e),
            other => ApiError::Photo(other),
        }
    }
}

impl From<NoteError> for ApiError {
    fn from(err: NoteError) -> Self {
        match err {
            NoteError::NotFound => ApiError::NotFound,
            NoteError::Invalid(problem) => ApiError::BadRequest(problem),
            NoteError::Db(e) => ApiError::Internal(e),
        }
    }
}

impl ApiError {
    /// A web booking refused, explained in `lang`.
    pub fn booking(err: WebError, lang: Lang) -> Self {
        match err {
            // With no mail the web form is not there, as with bookings off.
            WebError::Off => ApiError::NoSuchRoute,
            WebError::Db(e) => ApiError::Internal(e),
            other => ApiError::Booking(other, lang),
        }
    }
}

impl From<SettingsError> for ApiError {
    fn from(err: SettingsError) -> Self {
        match err {
            // Only owners and admins reach a group's settings; for them a group that does
            // not exist is simply not there.
            SettingsError::NotFound => ApiError::NoSuchRoute,
            SettingsError::Invalid(problem) => ApiError::BadRequest(problem),
            SettingsError::Db(e) => ApiError::Internal(e),
        }
    }
}

impl From<TeamError> for ApiError {
    fn from(err: TeamError) -> Self {
        match err {
            TeamError::NotFound => ApiError::NoSuchAccount,
            TeamError::Refused(refusal) => ApiError::Refused(refusal),
            TeamError::Db(e) => ApiError::Internal(e),
        }
    }
}

impl ApiError {
    /// The status, the `error` code and the sentence in `lang`.
    fn parts(&self, lang: Lang) -> (StatusCode, &'static str, String) {
        use ApiError::*;
        let say = |id: &str, en: &str| lang.pick(id, en).to_owned();
        match self {
            NotLoggedIn => (
                StatusCode::UNAUTHORIZED,
                "not_logged_in",
                say("Silakan masuk terlebih dahulu.", "Please log in first."),
            ),
            SessionExpired => (
                StatusCode::UNAUTHORIZED,
                "session_expired",
                say(
                    "Sesi Anda sudah berakhir. Silakan masuk lagi.",
                    "Your session has ended. Please log in again.",
                ),
            ),
            InitData(InitDataError::Expired) => (
                StatusCode::UNAUTHORIZED,
                "init_data_expired",
                say(
                    "Data dari Telegram sudah terlalu lama. Tutup dan buka lagi dari bot.",
                    "The data from Telegram is too old. Close the app and open it again from \
                     the bot.",
                ),
            ),
            InitData(_) => (
                StatusCode::UNAUTHORIZED,
                "init_data_invalid",
                say(
                    "Data dari Telegram tidak valid. Buka aplikasi ini dari bot.",
                    "The data from Telegram is not valid. Open this app from the bot.",
                ),
            ),
            TelegramMismatch => (
                StatusCode::UNAUTHORIZED,
                "telegram_mismatch",
                say(
                    "Sesi ini milik akun Telegram lain. Silakan masuk lagi.",
                    "This session belongs to another Telegram account. Please log in again.",
                ),
            ),
            NotRegistered => (
                StatusCode::FORBIDDEN,
                "not_registered",
                say(
                    "Akun Telegram Anda belum terdaftar. Kirim /daftar ke bot untuk mendaftar.",
                    "Your Telegram account is not registered. Send /daftar to the bot to \
                     register.",
                ),
            ),
            NotActive(AccountState::Pending) => (
                StatusCode::FORBIDDEN,
                "pending",
                say(
                    "Akun Anda masih menunggu persetujuan admin.",
                    "Your account is still waiting for an admin to approve it.",
                ),
            ),
            NotActive(AccountState::Disabled) => (
                StatusCode::FORBIDDEN,
                "disabled",
                say(
                    "Akun Anda dinonaktifkan. Hubungi admin tim Anda.",
                    "Your account is disabled. Contact your team admin.",
                ),
            ),
            NotActive(_) => (
                StatusCode::FORBIDDEN,
                "rejected",
                say(
                    "Pendaftaran Anda ditolak. Hubungi admin tim Anda.",
                    "Your registration was rejected. Contact your team admin.",
                ),
            ),
            WrongCredentials { tries_left: None } => (
                StatusCode::UNAUTHORIZED,
                "wrong_credentials",
                say("Login atau password salah.", "Wrong login or password."),
            ),
            WrongCredentials {
                tries_left: Some(left),
            } => (
                StatusCode::UNAUTHORIZED,
                "wrong_credentials",
                match lang {
                    Lang::Id => format!(
                        "Login atau password salah. Sisa {left} percobaan sebelum login dikunci \
                         sementara."
                    ),
                    Lang::En => format!(
                        "Wrong login or password. {left} more tries before login is locked for \
                         a while."
                    ),
                },
            ),
            Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                say(
                    "Server sedang memeriksa banyak login. Coba lagi sebentar lagi.",
                    "The server is checking many logins right now. Please try again in a moment.",
                ),
            ),
            MembershipUnchecked => (
                StatusCode::SERVICE_UNAVAILABLE,
                "membership_unchecked",
                crate::booking::texts::membership_unchecked(lang),
            ),
            TooManyConnections => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                say(
                    "Server sedang melayani terlalu banyak koneksi. Coba lagi sebentar lagi.",
                    "The server is serving too many connections right now. Please try again in \
                     a moment.",
                ),
            ),
            Locked {
                retry_after_secs,
                until,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                "locked",
                match lang {
                    Lang::Id => format!(
                        "Terlalu banyak percobaan gagal. Login dikunci sampai pukul {until} \
                         (± {retry_after_secs} detik lagi)."
                    ),
                    Lang::En => format!(
                        "Too many failed attempts. Login is locked until {until} (about \
                         {retry_after_secs} seconds)."
                    ),
                },
            ),
            BrowserLoginDisabled => (
                StatusCode::FORBIDDEN,
                "browser_login_disabled",
                say(
                    "Login lewat browser dimatikan. Buka aplikasi ini dari Telegram.",
                    "Browser login is turned off. Open this app from Telegram.",
                ),
            ),
            NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                say("Order tidak ditemukan.", "Order not found."),
            ),
            NoSuchRoute => (
                StatusCode::NOT_FOUND,
                "not_found",
                say("Alamat API tidak dikenal.", "Unknown API address."),
            ),
            NoSuchAccount => (
                StatusCode::NOT_FOUND,
                "not_found",
                say("Akun tidak ditemukan.", "Account not found."),
            ),
            Unknown(message) => (StatusCode::NOT_FOUND, "unknown", message.get(lang).into()),
            Refused(refusal) => (StatusCode::CONFLICT, "refused", refusal.explain(lang)),
            Forbidden(message) => (StatusCode::FORBIDDEN, "forbidden", message.get(lang).into()),
            Conflict(message) => (StatusCode::CONFLICT, "conflict", message.get(lang).into()),
            BadRequest(message) | InvalidField { message, .. } => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                message.get(lang).into(),
            ),
            NotJson => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "bad_request",
                say("Permintaan harus berupa JSON.", "The request must be JSON."),
            ),
            // The booking page's own language, which the form and the link carry.
            Booking(refusal, lang) => (
                match refusal {
                    WebError::Full { .. } | WebError::AlreadyPending { .. } => StatusCode::CONFLICT,
                    WebError::TooMany => StatusCode::TOO_MANY_REQUESTS,
                    WebError::UnknownLink => StatusCode::NOT_FOUND,
                    _ => StatusCode::BAD_REQUEST,
                },
                refusal.kind(),
                refusal.explain(*lang),
            ),
            Photo(problem) => photo_parts(problem, lang),
            Internal(_) | NotSaved => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                server_failed(lang),
            ),
        }
    }
}

fn server_failed(lang: Lang) -> String {
    lang.pick(
        "Terjadi kesalahan di server. Coba lagi sebentar lagi.",
        "Something went wrong on the server. Please try again shortly.",
    )
    .to_owned()
}

/// Why a ticket's photo is not shown, in `lang`.
fn photo_parts(problem: &PhotoError, lang: Lang) -> (StatusCode, &'static str, String) {
    let say = |id: &str, en: &str| lang.pick(id, en).to_owned();
    match problem {
        PhotoError::NoPhoto => (
            StatusCode::NOT_FOUND,
            "no_photo",
            say("Tiket ini tidak punya foto.", "This ticket has no photo."),
        ),
        PhotoError::TooLarge => {
            let mb = PHOTO_MAX_BYTES / (1024 * 1024);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "photo_too_large",
                match lang {
                    Lang::Id => {
                        format!("Foto ini lebih dari {mb} MB, terlalu besar untuk ditampilkan.")
                    }
                    Lang::En => format!("This photo is over {mb} MB, too large to show."),
                },
            )
        }
        PhotoError::NotAnImage => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo_unsupported",
            say(
                "Berkas ini bukan gambar JPEG, PNG, WebP atau GIF, jadi tidak ditampilkan.",
                "This file is not a JPEG, PNG, WebP or GIF image, so it is not shown.",
            ),
        ),
        PhotoError::Gone(_) => (
            StatusCode::GONE,
            "photo_gone",
            say(
                "Foto ini sudah tidak tersedia di Telegram.",
                "This photo is no longer available on Telegram.",
            ),
        ),
        PhotoError::RetryAfter(wait) => {
            let seconds = wait.as_secs().max(1);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "telegram_busy",
                match lang {
                    Lang::Id => format!(
                        "Telegram sedang membatasi permintaan. Coba lagi dalam {seconds} detik."
                    ),
                    Lang::En => {
                        format!("Telegram is limiting requests. Try again in {seconds} seconds.")
                    }
                },
            )
        }
        PhotoError::Unavailable(_) => (
            StatusCode::BAD_GATEWAY,
            "telegram_unavailable",
            say(
                "Foto tidak bisa diambil dari Telegram saat ini. Coba lagi sebentar lagi.",
                "The photo cannot be fetched from Telegram right now. Please try again shortly.",
            ),
        ),
        PhotoError::NotFound | PhotoError::Disk(_) | PhotoError::Db(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            server_failed(lang),
        ),
    }
}

tokio::task_local! {
    /// The language the request being answered asked for (see [`in_asked_language`]).
    static ASKED: Lang;
}

/// The language a request asks for: English when `Accept-Language` names English first
/// (`en`, `en-GB,en;q=0.9`), Indonesian for anything else or none. The Mini App sends its
/// page's, `id` or `en`.
pub fn asked_language(headers: &HeaderMap) -> Lang {
    Lang::from_language_code(headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

/// The API's middleware: runs the request knowing the language it asked for, in which
/// its errors are said, one language in each answer.
pub async fn in_asked_language(request: Request, next: Next) -> Response {
    let lang = asked_language(request.headers());
    ASKED.scope(lang, next.run(request)).await
}

impl ApiError {
    /// Locked out until `until` (Unix ms), told on the clock of `offset`.
    pub fn locked_until(until: i64, offset: time::UtcOffset) -> Self {
        let left_ms = (until - crate::db::now_ms()).max(0) as u64;
        ApiError::Locked {
            retry_after_secs: left_ms.div_ceil(1000).max(1),
            until: texts::clock(until, offset),
        }
    }
}

impl ApiError {
    /// The answer, its sentence in `lang`.
    pub fn answer(self, lang: Lang) -> Response {
        match &self {
            ApiError::Internal(e) => tracing::error!(error = %e, "request failed"),
            ApiError::Photo(problem @ (PhotoError::Unavailable(_) | PhotoError::Disk(_))) => {
                tracing::warn!(error = %problem, "cannot serve a ticket's photo")
            }
            _ => {}
        }
        let (status, code, message) = self.parts(lang);
        let mut body = json!({ "error": code, "message": message });
        // What the sentence names, for the page to act on.
        let mut retry_after = None;
        match &self {
            ApiError::Refused(refusal) => {
                body["reason"] = refusal.code().into();
                body["state"] = refusal.state().into();
            }
            ApiError::WrongCredentials { tries_left } => body["tries_left"] = (*tries_left).into(),
            ApiError::Locked {
                retry_after_secs,
                until,
            } => {
                body["until"] = until.as_str().into();
                retry_after = Some(*retry_after_secs);
            }
            ApiError::InvalidField { field, .. } => body["field"] = (*field).into(),
            ApiError::Busy | ApiError::TooManyConnections => retry_after = Some(1),
            ApiError::Photo(PhotoError::RetryAfter(wait)) => {
                retry_after = Some(wait.as_secs().max(1))
            }
            _ => {}
        }
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Said in the language the request asked for; in Indonesian outside a request's scope.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let lang = ASKED.try_with(|lang| *lang).unwrap_or_default();
        self.answer(lang)
    }
}
