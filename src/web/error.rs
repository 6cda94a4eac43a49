//! The one error type of the HTTP API. Each variant maps to a status, a stable `error`
//! code the page can translate, and an Indonesian sentence; internal errors are logged and
//! shown as a plain sentence.

use axum::{
    http::{header::RETRY_AFTER, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::{
    booking::web::WebError,
    lang::Lang,
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
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    /// The asker may see the thing but not do this to it; the sentence says who may.
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A form's `field` refused, with why (the page shows it beside the field).
    #[error("bad request: {field}: {message}")]
    InvalidField {
        field: &'static str,
        message: String,
    },
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
            TransitionError::Forbidden => ApiError::Forbidden(
                "Hanya owner dan admin yang bisa membuka kembali tiket. \
                 Only owners and admins can reopen a ticket."
                    .into(),
            ),
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
                ApiError::Conflict(format!(
                    "Tiket ini tidak berstatus Close (sekarang {status}), jadi tidak bisa dibuka \
                     kembali. This ticket is not closed (it is {status} now), so it cannot be \
                     reopened."
                ))
            }
            TransitionError::Conflict {
                order,
                transition: Transition::UndoPickup,
            } => ApiError::Conflict(match order.status.as_str() {
                "pickup" | "close" => {
                    "Pickup ini tidak bisa dibatalkan lagi: grup sudah diberi tahu, atau \
                     bukan Anda yang mem-pickup. This Pickup can no longer be undone: the \
                     group has been told, or it was not yours."
                        .to_owned()
                }
                _ => "Order ini belum di-pickup. This order is not picked up.".to_owned(),
            }),
            TransitionError::Conflict { order, transition } => ApiError::Conflict(
                match (
                    order.status.as_str(),
                    order.closed_by_label(),
                    order.picked_by_label(),
                ) {
                    ("close", Some(by), _) => format!("Order ini sudah di-close oleh {by}."),
                    ("pickup", _, Some(by)) => format!("Order ini sudah di-pickup oleh {by}."),
                    // A Pickup refused while the ticket was closed, and reopened meanwhile:
                    // it is waiting again, to be picked up afresh.
                    ("order", _, _) if transition == Transition::Pickup => {
                        "Order ini baru saja dibuka kembali; tekan Pickup lagi. This order was \
                         just reopened; press Pickup again."
                            .to_owned()
                    }
                    ("order", _, _) => "Order ini belum di-pickup.".to_owned(),
                    _ => "Order ini sudah berpindah status.".to_owned(),
                },
            ),
        }
    }
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
    fn parts(&self) -> (StatusCode, &'static str, String) {
        use ApiError::*;
        match self {
            NotLoggedIn => (
                StatusCode::UNAUTHORIZED,
                "not_logged_in",
                "Silakan masuk terlebih dahulu.".into(),
            ),
            SessionExpired => (
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "Sesi Anda sudah berakhir. Silakan masuk lagi.".into(),
            ),
            InitData(InitDataError::Expired) => (
                StatusCode::UNAUTHORIZED,
                "init_data_expired",
                "Data dari Telegram sudah terlalu lama. Tutup dan buka lagi dari bot.".into(),
            ),
            InitData(_) => (
                StatusCode::UNAUTHORIZED,
                "init_data_invalid",
                "Data dari Telegram tidak valid. Buka aplikasi ini dari bot.".into(),
            ),
            TelegramMismatch => (
                StatusCode::UNAUTHORIZED,
                "telegram_mismatch",
                "Sesi ini milik akun Telegram lain. Silakan masuk lagi.".into(),
            ),
            NotRegistered => (
                StatusCode::FORBIDDEN,
                "not_registered",
                "Akun Telegram Anda belum terdaftar. Kirim /daftar ke bot untuk mendaftar.".into(),
            ),
            NotActive(AccountState::Pending) => (
                StatusCode::FORBIDDEN,
                "pending",
                "Akun Anda masih menunggu persetujuan admin.".into(),
            ),
            NotActive(AccountState::Disabled) => (
                StatusCode::FORBIDDEN,
                "disabled",
                "Akun Anda dinonaktifkan. Hubungi admin tim Anda.".into(),
            ),
            NotActive(_) => (
                StatusCode::FORBIDDEN,
                "rejected",
                "Pendaftaran Anda ditolak. Hubungi admin tim Anda.".into(),
            ),
            WrongCredentials { tries_left: None } => (
                StatusCode::UNAUTHORIZED,
                "wrong_credentials",
                "Login atau password salah.".into(),
            ),
            WrongCredentials {
                tries_left: Some(left),
            } => (
                StatusCode::UNAUTHORIZED,
                "wrong_credentials",
                format!(
                    "Login atau password salah. Sisa {left} percobaan sebelum login dikunci sementara."
                ),
            ),
            Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Server sedang memeriksa banyak login. Coba lagi sebentar lagi.".into(),
            ),
            MembershipUnchecked => (
                StatusCode::SERVICE_UNAVAILABLE,
                "membership_unchecked",
                in_both(crate::booking::texts::membership_unchecked),
            ),
            TooManyConnections => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Server sedang melayani terlalu banyak koneksi. Coba lagi sebentar lagi.".into(),
            ),
            Locked {
                retry_after_secs,
                until,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                "locked",
                format!(
                    "Terlalu banyak percobaan gagal. Login dikunci sampai pukul {until} (± {retry_after_secs} detik lagi)."
                ),
            ),
            BrowserLoginDisabled => (
                StatusCode::FORBIDDEN,
                "browser_login_disabled",
                "Login lewat browser dimatikan. Buka aplikasi ini dari Telegram.".into(),
            ),
            NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Order tidak ditemukan.".into(),
            ),
            NoSuchRoute => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Alamat API tidak dikenal.".into(),
            ),
            NoSuchAccount => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Akun tidak ditemukan.".into(),
            ),
            Refused(refusal) => (StatusCode::CONFLICT, "refused", refusal.explain(Lang::Id)),
            Forbidden(message) => (StatusCode::FORBIDDEN, "forbidden", message.clone()),
            Conflict(message) => (StatusCode::CONFLICT, "conflict", message.clone()),
            BadRequest(message) | InvalidField { message, .. } => {
                (StatusCode::BAD_REQUEST, "bad_request", message.clone())
            }
            NotJson => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "bad_request",
                "Permintaan harus berupa JSON.".into(),
            ),
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
            Photo(problem) => photo_parts(problem),
            Internal(_) | NotSaved => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Terjadi kesalahan di server. Coba lagi sebentar lagi.".into(),
            ),
        }
    }
}

/// Why a ticket's photo is not shown.
fn photo_parts(problem: &PhotoError) -> (StatusCode, &'static str, String) {
    match problem {
        PhotoError::NoPhoto => (
            StatusCode::NOT_FOUND,
            "no_photo",
            "Tiket ini tidak punya foto.".into(),
        ),
        PhotoError::TooLarge => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo_too_large",
            format!(
                "Foto ini lebih dari {} MB, terlalu besar untuk ditampilkan.",
                PHOTO_MAX_BYTES / (1024 * 1024)
            ),
        ),
        PhotoError::NotAnImage => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo_unsupported",
            "Berkas ini bukan gambar JPEG, PNG, WebP atau GIF, jadi tidak ditampilkan.".into(),
        ),
        PhotoError::Gone(_) => (
            StatusCode::GONE,
            "photo_gone",
            "Foto ini sudah tidak tersedia di Telegram.".into(),
        ),
        PhotoError::RetryAfter(wait) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "telegram_busy",
            format!(
                "Telegram sedang membatasi permintaan. Coba lagi dalam {} detik.",
                wait.as_secs().max(1)
            ),
        ),
        PhotoError::Unavailable(_) => (
            StatusCode::BAD_GATEWAY,
            "telegram_unavailable",
            "Foto tidak bisa diambil dari Telegram saat ini. Coba lagi sebentar lagi.".into(),
        ),
        PhotoError::NotFound | PhotoError::Disk(_) | PhotoError::Db(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Terjadi kesalahan di server. Coba lagi sebentar lagi.".into(),
        ),
    }
}

/// A text in Indonesian, then in English, for the Mini App: its pages show the server's
/// message as it comes, whichever language the page is in. (The bot writes the same
/// texts to each person in their one language.)
pub fn in_both(text: impl Fn(Lang) -> String) -> String {
    format!("{} {}", text(Lang::Id), text(Lang::En))
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(e) => tracing::error!(error = %e, "request failed"),
            ApiError::Photo(problem @ (PhotoError::Unavailable(_) | PhotoError::Disk(_))) => {
                tracing::warn!(error = %problem, "cannot serve a ticket's photo")
            }
            _ => {}
        }
        let (status, code, message) = self.parts();
        let mut body = json!({ "error": code, "message": message });
        // What the page needs to say the same in its own language.
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
