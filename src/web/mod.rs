//! The HTTP side: the Mini App (static files and its JSON API), the public booking page,
//! the Telegram and Pakasir webhooks, the health check and the metrics. Handlers call `orders`, `users`, `booking`,
//! `shop` and `telegram`; no SQL here.

pub mod assets;
pub mod auth;
mod booking;
pub mod error;
mod export;
pub mod metrics;
mod orders;
pub mod pakasir;
mod reports;
pub mod server;
mod shop;
mod team;
pub mod tls;
pub mod webhook;

use axum::{
    extract::{DefaultBodyLimit, State},
    http::{header, HeaderValue, StatusCode},
    middleware,
    routing::{get, post, put},
    Json, Router,
};
use serde_json::{json, Value};
use tower_http::{
    compression::CompressionLayer, limit::RequestBodyLimitLayer,
    set_header::SetResponseHeaderLayer, trace::TraceLayer,
};

use crate::{settings::WEBHOOK_PATH, state::AppState};

/// Largest request body accepted; a Telegram update is far smaller.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Scripts only from this server and Telegram's Mini App script; the page may be framed
/// only by Telegram's web clients. A page with a style of its own says so in a policy of
/// its own (`assets`).
pub(super) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' https://telegram.org; \
     style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'self' https://web.telegram.org https://*.web.telegram.org";

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/config", get(config))
        .route("/login", post(auth::browser_login))
        .route(
            "/login/telegram",
            post(auth::telegram_login).get(auth::telegram_standing),
        )
        .route("/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/orders", get(orders::list))
        .route("/export.csv", get(export::csv))
        .route("/export.xlsx", get(export::xlsx))
        .route("/summary", get(orders::summary))
        .route("/orders/{no}", get(orders::detail))
        .route("/orders/{no}/notes", post(orders::add_note))
        .route("/orders/{no}/reopen", post(orders::reopen))
        .route("/orders/{no}/photo", get(orders::photo))
        .route("/orders/{no}/pickup", post(orders::pickup))
        .route("/orders/{no}/pickup/undo", post(orders::undo_pickup))
        .route("/orders/{no}/close", post(orders::close))
        .route("/groups", get(orders::groups))
        .route(
            "/groups/{chat_id}/settings",
            get(team::group_settings).put(team::set_group_settings),
        )
        .route("/booking", get(booking::form).post(booking::submit))
        .route("/booking/confirm", post(booking::confirm))
        .route("/booking/position", post(booking::position))
        .route("/bookings", get(booking::list))
        .route("/bookings/today", get(booking::today))
        .route("/bookings/grid", get(booking::grid))
        .route("/bookings/{id}/check_in", post(booking::check_in))
        .route("/bookings/{id}/check_out", post(booking::check_out))
        .route("/bookings/{id}/{action}", post(booking::decide))
        .route("/room_types", post(booking::add_room_type))
        .route("/room_types/{id}", put(booking::change_room_type))
        .route("/booking_settings", put(booking::set_settings))
        .route("/reports", get(reports::report))
        .route("/shop", get(shop::page))
        .route(
            "/shop/products/{code}/stock",
            get(shop::stock).post(shop::add_stock),
        )
        .route("/shop/products/{code}", put(shop::change_product))
        .route("/shop/refunds", post(shop::refund))
        .route("/shop/coupons", post(shop::add_coupon))
        .route("/shop/broadcast", post(shop::broadcast))
        .route("/shop/texts/{key}", put(shop::set_text))
        .route("/team", get(team::list))
        .route("/team/{id}/{action}", post(team::change))
        .fallback(api_not_found)
        // Each error is said in the language the request asks for.
        .layer(middleware::from_fn(error::in_asked_language))
        // Answers carry session tokens and people's data: no cache keeps them (a ticket's
        // photo says for itself that only the asker's browser may).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    // Over https, browsers are told to stay on https.
    let https = state
        .config
        .public_url
        .as_deref()
        .is_some_and(|url| url.starts_with("https://"));
    let hsts = https.then(|| HeaderValue::from_static("max-age=31536000"));
    // The pages and their files are compressed for slow phones; the API's answers are
    // small pages of tickets and are not.
    let pages = Router::new()
        .route("/", get(assets::index))
        .route("/booking", get(booking::page))
        .route("/{file}", get(assets::file))
        .route("/js/{file}", get(assets::module))
        .layer(CompressionLayer::new());
    let timed = state.metrics.clone();
    let router = Router::new()
        .merge(pages)
        .route("/healthz", get(healthz))
        .route(metrics::PATH, get(metrics::scrape))
        .route(WEBHOOK_PATH, post(webhook::receive))
        .route(pakasir::PATH, post(pakasir::receive))
        .nest("/api", api)
        // As axum's own, but a fallback of the router's, so that the layers below (the
        // timing among them) see what no route matched too.
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Refuses a body announced as too large from its Content-Length alone, before a
        // byte of it is read; the default limit above still stops chunked bodies.
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            hsts,
        ))
        .layer(TraceLayer::new_for_http());
    // Every request is timed when metrics are on; when off, not even the layer is there.
    let router = match timed.is_on() {
        true => router.layer(middleware::from_fn_with_state(timed, metrics::time)),
        false => router,
    };
    router.with_state(state)
}

/// What the page needs before anyone logs in.
async fn config(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "bot_username": state.bot_username(),
        "browser_login": state.config.browser_login,
        "utc_offset_minutes": state.config.utc_offset.whole_minutes(),
        "pickup_undo_ms": state.config.pickup_undo.as_millis() as u64,
    }))
}

async fn api_not_found() -> error::ApiError {
    error::ApiError::NoSuchRoute
}

/// 200 while the database answers.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
