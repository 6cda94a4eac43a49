//! The HTTP server's own connection handling, in place of `axum::serve`.
//!
//! `axum::serve` gives hyper no timer, so hyper's header read timeout never runs: a client
//! that opens a connection and sends nothing, or half a request, kept it (and a file
//! descriptor, and a task) for as long as it liked, and 500 such connections stayed open a
//! minute and more. Here every connection gets the timer, which closes it when a whole
//! request head has not arrived within `TANGKAP_HEADER_TIMEOUT` (30 s) of its opening or of
//! its previous answer: that covers the silent, the half-sent and the idle keep-alive ones.
//! And the number of open connections is capped (`TANGKAP_MAX_CONNECTIONS`): past the cap a connection is answered
//! `503 busy` (the same code the Mini App already explains) and closed, instead of being
//! left waiting behind the others.

use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::{body::Body, extract::ConnectInfo, http::Request, response::Response, Router};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::Semaphore,
};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::error::{self, ApiError};
use crate::config::{self, Invalid, Settings};

/// How long a connection may take, and how many may be open at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// A request head must arrive in full within this long of the connection's opening or
    /// of its previous answer.
    pub header_timeout: Duration,
    /// Connections served at once; more are answered `503 busy`.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(30),
            max_connections: 1000,
        }
    }
}

/// The limits as written (`header_timeout`, `max_connections`).
#[derive(Debug, serde::Deserialize)]
pub struct LimitsWritten {
    header_timeout: Option<String>,
    max_connections: Option<u64>,
}

impl Settings for ServerLimits {
    type Written = LimitsWritten;

    fn check(written: LimitsWritten) -> Result<Self, Invalid> {
        let defaults = Self::default();
        Ok(Self {
            header_timeout: match written.header_timeout {
                Some(text) => config::duration_within(
                    "header_timeout",
                    &text,
                    Duration::from_secs(1),
                    Duration::from_secs(600),
                    "use a duration from 1s to 10m",
                )?,
                None => defaults.header_timeout,
            },
            max_connections: match written.max_connections {
                Some(n @ 1..=100_000) => n as usize,
                Some(_) => return Err(Invalid::new("max_connections", "use 1 to 100000")),
                None => defaults.max_connections,
            },
        })
    }
}

/// Refusals being written at once; past this, a connection over the cap is closed without
/// an answer, so a flood cannot make refusing itself the cost.
const REFUSALS_AT_ONCE: usize = 64;
/// A refused client gets this long to send its request head and read the answer.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves `router` on `listener` until `shutdown` is cancelled, then lets the requests in
/// progress finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, client) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some to close rather
                    // than spin on the error.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        stream.set_nodelay(true).ok();
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            if let Ok(refusal) = refusals.clone().try_acquire_owned() {
                tokio::spawn(async move {
                    refuse(stream).await;
                    drop(refusal);
                });
            }
            continue;
        };
        let app = router
            .clone()
            .map_request(move |request: Request<Incoming>| {
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(ConnectInfo(client));
                request
            });
        let connection = graceful
            .watch(http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app)));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %client, "connection closed");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Answers a connection over the cap with `503 busy` and closes it.
async fn refuse(stream: TcpStream) {
    let answer = service_fn(|request: Request<Incoming>| async move {
        let lang = error::asked_language(request.headers());
        Ok::<Response, Infallible>(ApiError::TooManyConnections.answer(lang))
    });
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(REFUSAL_TIMEOUT)
        .keep_alive(false);
    let served = http.serve_connection(TokioIo::new(stream), answer);
    tokio::time::timeout(REFUSAL_TIMEOUT * 2, served).await.ok();
}
