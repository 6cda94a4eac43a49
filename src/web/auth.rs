//! Who is asking. Inside Telegram every request carries `Authorization: tma <initData>`,
//! checked against the bot token; a login adds the password and yields a session token
//! (`X-Session-Token`). From a plain browser the login is a username or Telegram ID plus
//! the password.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, FromRequestParts, State},
    http::{header::AUTHORIZATION, request::Parts, HeaderMap, StatusCode},
    Json,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::error::ApiError;
use crate::{
    db::now_ms,
    groups,
    lang::Text,
    state::AppState,
    telegram::init_data::{self, VerifiedInitData},
    users::{
        self, access,
        login::{self, Attempt, Channel, Outcome},
        sessions::{self, Lookup},
        AccountState, Role, User,
    },
};

pub const SESSION_HEADER: &str = "x-session-token";

/// A logged-in staff member.
#[derive(Debug)]
pub struct Staff {
    pub user: User,
    token: String,
}

fn header(headers: &HeaderMap, name: impl axum::http::header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The initData of `Authorization: tma <initData>`, verified, if the header is there.
fn telegram_user(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Option<VerifiedInitData>, ApiError> {
    let Some(raw) = header(headers, AUTHORIZATION).and_then(|v| v.strip_prefix("tma ")) else {
        return Ok(None);
    };
    let token = state
        .config
        .bot_token
        .as_ref()
        .ok_or(ApiError::NotLoggedIn)?;
    let now = now_ms() / 1000;
    Ok(Some(init_data::verify(
        raw,
        token,
        state.config.init_data_max_age,
        now,
    )?))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = header(&parts.headers, SESSION_HEADER).ok_or(ApiError::NotLoggedIn)?;
        let session = match sessions::find(&state.db, token).await? {
            Lookup::Valid(session) => session,
            Lookup::Expired => return Err(ApiError::SessionExpired),
            Lookup::Unknown => return Err(ApiError::NotLoggedIn),
        };
        // A session opened in Telegram is only good together with that account's initData.
        match telegram_user(&parts.headers, state)? {
            Some(data) if data.user.id != session.user.telegram_id => {
                return Err(ApiError::TelegramMismatch)
            }
            None if session.via_telegram => return Err(ApiError::TelegramMismatch),
            _ => {}
        }
        // Which tickets a staff member sees follows Telegram's word on their groups: a
        // group met since their login is asked about now; older answers are kept fresh by
        // the refresher.
        groups::ensure_known_scope(&state.db, &state.telegram, &session.user, Duration::MAX)
            .await?;
        Ok(Staff {
            user: session.user,
            token: token.to_owned(),
        })
    }
}

/// The client's address, for throttling: the peer, or behind a trusted proxy the last
/// address it appended to `X-Forwarded-For`.
pub(super) fn client_address(headers: &HeaderMap, peer: SocketAddr, state: &AppState) -> IpAddr {
    let forwarded = header(headers, "x-forwarded-for");
    if state.config.trust_forwarded_for {
        let address = forwarded
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok());
        if let Some(address) = address {
            return address;
        }
    } else if forwarded.is_some() {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            tracing::warn!(
                proxy = %peer.ip(),
                "logins arrive through a proxy (they carry X-Forwarded-For) but \
                 TANGKAP_TRUST_FORWARDED_FOR is off: every client counts as the proxy's \
                 address; set it to true if this proxy is yours and sets the header"
            )
        });
    }
    peer.ip()
}

/// Parses a JSON body; refuses other content types, which also keeps plain cross-site
/// form posts out (they cannot send `application/json` without a CORS preflight).
pub fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<T, ApiError> {
    let is_json =
        header(headers, "content-type").is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(ApiError::NotJson);
    }
    serde_json::from_slice(body).map_err(|_| {
        ApiError::BadRequest(Text::new(
            "Isi permintaan tidak lengkap atau rusak.",
            "The request's body is incomplete or broken.",
        ))
    })
}

#[derive(Deserialize)]
struct TelegramLogin {
    password: String,
}

#[derive(Deserialize)]
struct BrowserLogin {
    login: String,
    password: String,
}

#[derive(Serialize)]
pub struct LoggedIn {
    token: String,
    expires_at: i64,
    user: UserView,
}

#[derive(Serialize)]
pub struct UserView {
    name: String,
    username: String,
    telegram_id: i64,
    role: Role,
    state: AccountState,
    /// May open the Tim page.
    manages_team: bool,
    /// May open the Laporan page.
    sees_reports: bool,
    /// May open the Toko page: the shop is on and they run it.
    runs_shop: bool,
}

impl UserView {
    /// `user` as the page sees them, in an instance whose shop is on if `shop_on`.
    fn of(user: &User, shop_on: bool) -> Self {
        Self {
            name: user.name.clone(),
            username: user.username.clone(),
            telegram_id: user.telegram_id,
            role: user.role,
            state: user.state,
            manages_team: access::manages_team(user),
            sees_reports: access::sees_reports(user),
            runs_shop: shop_on && access::runs_shop(user),
        }
    }
}

/// Passwords longer than this are refused before hashing (hashing is the costly part).
const PASSWORD_MAX_BYTES: usize = 1024;

async fn log_in(
    state: &AppState,
    attempt: &Attempt,
    account: Option<(User, String)>,
    password: &str,
    via_telegram: bool,
) -> Result<Json<LoggedIn>, ApiError> {
    if password.is_empty() || password.len() > PASSWORD_MAX_BYTES {
        state.metrics.login(false);
        return Err(ApiError::WrongCredentials { tries_left: None });
    }
    let outcome = login::check(&state.db, attempt, account, password).await?;
    match &outcome {
        Outcome::LoggedIn(user) => state.metrics.login(user.state == AccountState::Active),
        // Too many checks waited: nothing was decided.
        Outcome::Busy => {}
        Outcome::WrongCredentials { .. } | Outcome::Locked { .. } => state.metrics.login(false),
    }
    match outcome {
        Outcome::LoggedIn(user) if user.state != AccountState::Active => {
            Err(ApiError::NotActive(user.state))
        }
        Outcome::LoggedIn(user) => {
            if access::scope(&user) != access::Scope::Everything {
                groups::check_all_for(&state.db, &state.telegram, &user).await?;
            }
            let (token, expires_at) =
                sessions::create(&state.db, user.id, via_telegram, state.config.session_ttl)
                    .await?;
            tracing::info!(user = user.id, via_telegram, "staff logged in");
            Ok(Json(LoggedIn {
                token: token.expose().to_owned(),
                expires_at,
                user: UserView::of(&user, state.shop.is_some()),
            }))
        }
        Outcome::WrongCredentials { tries_left } => Err(ApiError::WrongCredentials { tries_left }),
        Outcome::Locked { until } => Err(ApiError::locked_until(until, state.config.utc_offset)),
        Outcome::Busy => Err(ApiError::Busy),
    }
}

/// `POST /api/login/telegram` `{password}` with `Authorization: tma …`.
pub async fn telegram_login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<LoggedIn>, ApiError> {
    let data = telegram_user(&headers, &state)?
        .ok_or(ApiError::InitData(init_data::InitDataError::Malformed))?;
    let request: TelegramLogin = json_body(&headers, &body)?;
    let account = users::find_account(&state.db, None, Some(data.user.id)).await?;
    // initData proves who this is, so where the account stands may be said before the
    // password is checked.
    match &account {
        None => return Err(ApiError::NotRegistered),
        Some((user, _)) if user.state != AccountState::Active => {
            return Err(ApiError::NotActive(user.state))
        }
        Some(_) => {}
    }
    let attempt = Attempt {
        channel: Channel::Telegram,
        typed: data.user.id.to_string(),
        address: client_address(&headers, peer, &state).to_string(),
    };
    log_in(&state, &attempt, account, &request.password, true).await
}

#[derive(Serialize)]
pub struct Standing {
    /// `unregistered`, `pending`, `active`, `disabled` or `rejected`.
    state: &'static str,
    name: Option<String>,
}

/// `GET /api/login/telegram` with `Authorization: tma …`: where this Telegram account
/// stands, so that the page can tell an applicant before asking for a password.
pub async fn telegram_standing(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Standing>, ApiError> {
    let data = telegram_user(&headers, &state)?
        .ok_or(ApiError::InitData(init_data::InitDataError::Malformed))?;
    let account = users::find_account(&state.db, None, Some(data.user.id)).await?;
    Ok(Json(match account {
        Some((user, _)) => Standing {
            state: user.state.as_str(),
            name: Some(user.name),
        },
        None => Standing {
            state: "unregistered",
            name: None,
        },
    }))
}

/// `POST /api/login` `{login, password}` from a plain browser.
pub async fn browser_login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<LoggedIn>, ApiError> {
    if !state.config.browser_login {
        return Err(ApiError::BrowserLoginDisabled);
    }
    let request: BrowserLogin = json_body(&headers, &body)?;
    let login = request.login.trim();
    if login.is_empty() || login.chars().count() > 64 {
        return Err(ApiError::WrongCredentials { tries_left: None });
    }
    let account = users::find_account(&state.db, Some(login), login.parse().ok()).await?;
    let attempt = Attempt {
        channel: Channel::Browser,
        typed: login.to_owned(),
        address: client_address(&headers, peer, &state).to_string(),
    };
    log_in(&state, &attempt, account, &request.password, false).await
}

/// `POST /api/logout`.
pub async fn logout(State(state): State<AppState>, staff: Staff) -> Result<StatusCode, ApiError> {
    sessions::end(&state.db, &staff.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/me`.
pub async fn me(State(state): State<AppState>, staff: Staff) -> Json<UserView> {
    Json(UserView::of(&staff.user, state.shop.is_some()))
}
