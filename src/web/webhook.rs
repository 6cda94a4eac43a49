//! Webhook intake: Telegram gets 200 only after the update is committed to the inbox, and
//! an error status when storing failed, so that it delivers the update again.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use subtle::ConstantTimeEq;

use crate::{state::AppState, telegram::inbox::RawUpdate};

pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(secret) = state
        .config
        .webhook_secret
        .as_ref()
        .filter(|_| state.config.public_url.is_some())
    else {
        return StatusCode::NOT_FOUND;
    };
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !bool::from(given.ct_eq(secret.expose().as_bytes())) {
        return StatusCode::UNAUTHORIZED;
    }
    let Some(update) = RawUpdate::from_body(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    if state.ingest.store(update).await {
        StatusCode::OK
    } else {
        // Logged by the queue; Telegram will resend the update.
        StatusCode::SERVICE_UNAVAILABLE
    }
}
