//! `GET /metrics` (what it reports: `metrics`), and the layer that times every request.
//!
//! On the main listener the route answers only a scraper carrying `TANGKAP_METRICS_TOKEN`
//! as `Authorization: Bearer <token>`, compared in constant time. Without a token
//! configured it answers 404, as a route that is not there: nothing tells a stranger that
//! metrics exist. With one configured, a request without it or with another is answered
//! 401 with `WWW-Authenticate: Bearer`, so whoever sets up the scraper sees why. On the
//! address of `TANGKAP_METRICS_LISTEN` the route needs no token, whether or not one is set:
//! that address is meant for a scraper on the loopback or a private network, and reaching
//! it is the permission.
//!
//! Requests are timed by the router's route template (`/api/orders/{no}`), never by the
//! path asked for: ticket numbers and ids would each make a series of their own, and a
//! stranger asking for random paths could grow the scrape without end. A request no route
//! matched is timed as `unmatched`. The time is until the answer's head is ready (an
//! export's body streams after).

use axum::{
    extract::{MatchedPath, Request, State},
    http::{
        header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE},
        HeaderMap, StatusCode,
    },
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use subtle::ConstantTimeEq;
use tokio::time::Instant;

use crate::{
    booking,
    db::{backup, now_ms},
    metrics::{Metrics, States},
    state::AppState,
    telegram::{inbox, outbox},
    timers,
};

pub const PATH: &str = "/metrics";

/// Prometheus' text exposition format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics` on the main listener: for the bearer of the token, if one is set.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.config.metrics.token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map_or("", |(_, given)| given.trim());
    if !bool::from(given.as_bytes().ct_eq(token.expose().as_bytes())) {
        return (StatusCode::UNAUTHORIZED, [(WWW_AUTHENTICATE, "Bearer")]).into_response();
    }
    render(&state).await
}

/// The router of `TANGKAP_METRICS_LISTEN`'s address: `/metrics` for anyone reaching it,
/// nothing else.
pub fn own_router(state: AppState) -> Router {
    Router::new()
        .route(
            PATH,
            get(|State(state): State<AppState>| async move { render(&state).await }),
        )
        .with_state(state)
}

async fn render(state: &AppState) -> Response {
    match read_states(state).await {
        Ok(states) => (
            [(CONTENT_TYPE, TEXT_FORMAT), (CACHE_CONTROL, "no-store")],
            state.metrics.render(&states),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read the database");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// What the database says now, each figure from its part; bookings' only when they are on.
async fn read_states(state: &AppState) -> Result<States, sqlx::Error> {
    let db = &state.db;
    let lanes = outbox::waiting(db).await?;
    let bookings = match state.hotel {
        Some(_) => Some(booking::counts(&mut *db.pool().acquire().await?).await?),
        None => None,
    };
    let now = now_ms();
    Ok(States {
        now,
        inbox: inbox::waiting(db).await?,
        telegram: lanes.telegram,
        mail: lanes.mail,
        timers_due: timers::due_count(db, now).await?,
        bookings,
        last_backup: backup::last_taken_at(db).await?,
    })
}

/// Times a request and counts it under its route template.
pub async fn time(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    let route = route
        .as_ref()
        .map(MatchedPath::as_str)
        .unwrap_or("unmatched");
    metrics.answered(route, &method, response.status(), started.elapsed());
    response
}
