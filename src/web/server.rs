//! The HTTP server's own connection handling, in place of `axum::serve`.
//!
//! `axum::serve` gives hyper no timer, so hyper's header read timeout never runs: a client
//! that opens a connection and sends nothing, or half a request, kept it (and a file
//! descriptor, and a task) for as long as it liked, and 500 such connections stayed open a
//! minute and more. Here every connection gets the timer, which closes it when a whole
//! request head has not arrived within `TANGKAP_HEADER_TIMEOUT` (10 s) of its opening or of
//! its previous answer: that covers the silent, the half-sent and the idle keep-alive ones.
//!
//! The open connections are capped twice: per client address
//! (`TANGKAP_MAX_CONNECTIONS_PER_CLIENT`, 50), so one address cannot fill the server and
//! lock everyone else out, and in all (`TANGKAP_MAX_CONNECTIONS`). When the server is full,
//! a connection idling between requests is closed to make room before anyone is refused;
//! when an address is at its cap, one of its own idle connections is. So an office of
//! browsers behind one NAT address loses idle connections, not requests; only connections
//! busy at once count against it.
//! A refused client is answered `503 busy` (the code the Mini App already explains) and the
//! connection closed; the answer is written whether or not its request head ever arrives,
//! from bytes rendered once, so refusing stays cheap under a flood and nobody is left with
//! a connection closed unanswered.
//!
//! What is spoken before HTTP is a [`Transport`]: nothing ([`Plain`]) or TLS (`web::tls`),
//! with one accept loop for both. The TLS handshake is the connection's own, done in its
//! task after it was admitted: it counts against the caps like a connection waiting for
//! its first head, and must end within the header timeout (then the first request head
//! has the header timeout again), so a client that never finishes its handshake holds a
//! place no longer than a silent one. A refused TLS connection is answered too: its
//! handshake is given `REFUSAL_WAIT` (1 s), then the same `503 busy` goes over TLS. That
//! costs a handshake per refusal (a signature, well under a millisecond with the P-256 key
//! an ACME CA certifies), bounded by `REFUSALS_AT_ONCE` as plain refusals are, and spares a
//! browser refused at a busy moment a bare connection error in place of the Mini App's
//! "busy" message.

use std::{
    collections::HashMap,
    future::Future,
    net::IpAddr,
    sync::{
        atomic::{AtomicU8, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{
        header::{ACCEPT_LANGUAGE, CONNECTION, CONTENT_LENGTH},
        Request,
    },
    response::Response,
    Router,
};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::Semaphore,
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tower::ServiceExt;

use super::error::ApiError;
use crate::{
    config::{self, Invalid, Settings},
    lang::Lang,
};

/// How long a connection may take, and how many may be open at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// A request head must arrive in full within this long of the connection's opening or
    /// of its previous answer.
    pub header_timeout: Duration,
    /// Connections served at once; more are answered `503 busy`.
    pub max_connections: usize,
    /// Connections of one client address served at once; more are answered `503 busy`.
    pub max_connections_per_client: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            max_connections: 1000,
            max_connections_per_client: 50,
        }
    }
}

/// The limits as written (`header_timeout`, `max_connections`,
/// `max_connections_per_client`).
#[derive(Debug, serde::Deserialize)]
pub struct LimitsWritten {
    header_timeout: Option<String>,
    max_connections: Option<u64>,
    max_connections_per_client: Option<u64>,
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
            max_connections_per_client: match written.max_connections_per_client {
                Some(n @ 1..=100_000) => n as usize,
                Some(_) => {
                    return Err(Invalid::new(
                        "max_connections_per_client",
                        "use 1 to 100000",
                    ))
                }
                None => defaults.max_connections_per_client,
            },
        })
    }
}

/// Refusals being written at once. Each is a few kilobytes and lives at most
/// [`REFUSAL_WAIT`] + [`REFUSAL_LINGER`] (over TLS, [`REFUSAL_WAIT`] more for the
/// handshake); past this many (a flood from many addresses at once) a connection over a
/// cap is closed unanswered rather than let refusing itself exhaust the file descriptors.
const REFUSALS_AT_ONCE: usize = 4096;
/// How long a refused client has to finish its request head: its language is read from it.
/// A client that has not finished by then is answered anyway, in Indonesian. Over TLS, the
/// handshake has as long again before it; one not done by then is closed.
const REFUSAL_WAIT: Duration = Duration::from_secs(1);
/// After the answer, how long the rest of what a refused client sends is read and dropped,
/// so closing does not reset the connection before the client has read its answer.
const REFUSAL_LINGER: Duration = Duration::from_secs(2);
/// The most of a refused client's request head that is read.
const REFUSAL_HEAD_MAX: usize = 8 * 1024;

/// What a connection speaks before HTTP.
pub trait Transport: Clone + Send + Sync + 'static {
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Makes an accepted connection ready for HTTP (a TLS handshake); `None` when there is
    /// nothing to serve on it (the handshake failed, or was all the connection was for).
    fn open(&self, tcp: TcpStream) -> impl Future<Output = Option<Self::Stream>> + Send;
}

/// Plain HTTP: the connection as it was accepted.
#[derive(Clone, Copy, Debug)]
pub struct Plain;

impl Transport for Plain {
    type Stream = TcpStream;

    async fn open(&self, tcp: TcpStream) -> Option<TcpStream> {
        Some(tcp)
    }
}

/// Serves `router` on `listener`, over `transport`, until `shutdown` is cancelled, then
/// lets the requests in progress finish. `per_client` caps the connections of one address
/// (`None`: behind a proxy, every connection comes from the proxy's).
pub async fn serve<T: Transport>(
    listener: TcpListener,
    transport: T,
    router: Router,
    limits: ServerLimits,
    per_client: Option<usize>,
    shutdown: CancellationToken,
) {
    let open = Arc::new(Mutex::new(Open::default()));
    let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    let busy = Arc::new(BusyAnswers::render().await);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let connections = TaskTracker::new();
    let mut next_id = 0_u64;
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
        next_id += 1;
        let id = next_id;
        let admitted = open.lock().unwrap().admit(
            id,
            client.ip(),
            limits.max_connections,
            per_client,
            &shutdown,
        );
        let Some(connection) = admitted else {
            match refusals.clone().try_acquire_owned() {
                Ok(refusal) => {
                    let (busy, transport) = (busy.clone(), transport.clone());
                    tokio::spawn(async move {
                        let opened = tokio::time::timeout(REFUSAL_WAIT, transport.open(stream));
                        if let Ok(Some(stream)) = opened.await {
                            refuse(stream, &busy).await;
                        }
                        drop(refusal);
                    });
                }
                Err(_) => tracing::warn!(%client, "too many refusals at once: closed unanswered"),
            }
            continue;
        };
        let phase = connection.phase.clone();
        let app = router
            .clone()
            .map_request(move |request: Request<Incoming>| {
                phase.store(BUSY, Ordering::Relaxed);
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(ConnectInfo(client));
                request
            })
            .map_response({
                let phase = connection.phase.clone();
                move |response: Response| {
                    phase.store(IDLE, Ordering::Relaxed);
                    response
                }
            });
        let (open, http, transport) = (open.clone(), http.clone(), transport.clone());
        connections.spawn(async move {
            // A handshake must end within the header timeout, as a request head must.
            let opened = tokio::select! {
                opened = tokio::time::timeout(limits.header_timeout, transport.open(stream)) => {
                    opened.ok().flatten()
                }
                () = connection.close.cancelled() => None,
            };
            if let Some(stream) = opened {
                let served =
                    http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
                tokio::pin!(served);
                let result = tokio::select! {
                    result = served.as_mut() => result,
                    () = connection.close.cancelled() => {
                        // Shutting down, or idle and its place wanted: a request in
                        // progress is finished first.
                        served.as_mut().graceful_shutdown();
                        served.await
                    }
                };
                if let Err(e) = result {
                    tracing::debug!(error = %e, %client, "connection closed");
                }
            }
            open.lock().unwrap().leave(id);
        });
    }
    drop(listener);
    connections.close();
    connections.wait().await;
}

/// Where a connection is: waiting for its first request head, serving a request, or idle
/// between requests (kept alive).
const FIRST: u8 = 0;
const BUSY: u8 = 1;
const IDLE: u8 = 2;

/// One open connection, as the accept loop sees it.
struct Connection {
    phase: Arc<AtomicU8>,
    /// Cancelled to close it: at shutdown, or to make room while it idles.
    close: CancellationToken,
}

/// The open connections: how many each address has, and each one's address and phase, so
/// that a full server (or address) closes an idle keep-alive connection before it refuses a
/// new one.
#[derive(Default)]
struct Open {
    by_id: HashMap<u64, (IpAddr, Arc<AtomicU8>, CancellationToken)>,
    by_client: HashMap<IpAddr, usize>,
}

impl Open {
    /// Takes a new connection in, or `None` when its address has its `per_client` or the
    /// server its `max` and no connection idles that could make room.
    fn admit(
        &mut self,
        id: u64,
        client: IpAddr,
        max: usize,
        per_client: Option<usize>,
        shutdown: &CancellationToken,
    ) -> Option<Connection> {
        let of_client = self.by_client.get(&client).copied().unwrap_or(0);
        // An address at its cap (an office behind one NAT, say) makes room from its own
        // idle connections; the server at its cap, from anyone's.
        if per_client.is_some_and(|cap| of_client >= cap) {
            self.close_one_idle(|owner| owner == client)?;
        } else if self.by_id.len() >= max {
            self.close_one_idle(|_| true)?;
        }
        let connection = Connection {
            phase: Arc::new(AtomicU8::new(FIRST)),
            close: shutdown.child_token(),
        };
        self.by_id.insert(
            id,
            (client, connection.phase.clone(), connection.close.clone()),
        );
        *self.by_client.entry(client).or_default() += 1;
        Some(connection)
    }

    /// Closes a connection of an address `of` accepts that idles between requests, and
    /// takes its place at once (its socket closes a moment later); `None` if none idles.
    fn close_one_idle(&mut self, of: impl Fn(IpAddr) -> bool) -> Option<()> {
        let idle = self
            .by_id
            .iter()
            .find(|(_, (owner, phase, _))| of(*owner) && phase.load(Ordering::Relaxed) == IDLE)
            .map(|(id, _)| *id)?;
        let (owner, _, close) = self.by_id.remove(&idle)?;
        close.cancel();
        // Counted off now, so its place is free for the connection taking it.
        self.count_off(owner);
        Some(())
    }

    /// A connection's task ended; closed to make room, it was counted off already.
    fn leave(&mut self, id: u64) {
        if let Some((client, _, _)) = self.by_id.remove(&id) {
            self.count_off(client);
        }
    }

    fn count_off(&mut self, client: IpAddr) {
        if let Some(count) = self.by_client.get_mut(&client) {
            *count -= 1;
            if *count == 0 {
                self.by_client.remove(&client);
            }
        }
    }
}

/// The `503 busy` answer as bytes on the wire, in each language, made once.
struct BusyAnswers {
    indonesian: Vec<u8>,
    english: Vec<u8>,
}

impl BusyAnswers {
    async fn render() -> Self {
        Self {
            indonesian: Self::wire(Lang::Id).await,
            english: Self::wire(Lang::En).await,
        }
    }

    async fn wire(lang: Lang) -> Vec<u8> {
        let (parts, body) = ApiError::TooManyConnections.answer(lang).into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("an error's body is in memory");
        let mut wire = format!(
            "HTTP/1.1 {} {}\r\n",
            parts.status.as_str(),
            parts.status.canonical_reason().unwrap_or("")
        )
        .into_bytes();
        for (name, value) in &parts.headers {
            if name != CONTENT_LENGTH && name != CONNECTION {
                wire.extend_from_slice(name.as_str().as_bytes());
                wire.extend_from_slice(b": ");
                wire.extend_from_slice(value.as_bytes());
                wire.extend_from_slice(b"\r\n");
            }
        }
        wire.extend_from_slice(
            format!(
                "content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        );
        wire.extend_from_slice(&body);
        wire
    }

    fn in_language(&self, lang: Lang) -> &[u8] {
        match lang {
            Lang::Id => &self.indonesian,
            Lang::En => &self.english,
        }
    }
}

/// Answers a connection over a cap with `503 busy` and closes it: every refused client,
/// the half-sent and the silent ones too, gets its answer.
async fn refuse(mut stream: impl AsyncRead + AsyncWrite + Unpin, busy: &BusyAnswers) {
    let mut head = Vec::with_capacity(1024);
    tokio::time::timeout(REFUSAL_WAIT, read_head(&mut stream, &mut head))
        .await
        .ok();
    let lang = Lang::from_language_code(accept_language(&head).as_deref());
    if stream.write_all(busy.in_language(lang)).await.is_err() {
        return;
    }
    stream.shutdown().await.ok();
    let mut rest = [0; 1024];
    tokio::time::timeout(REFUSAL_LINGER, async {
        while matches!(stream.read(&mut rest).await, Ok(n) if n > 0) {}
    })
    .await
    .ok();
}

/// Reads into `head` until a whole request head is in it, the client stops sending, or
/// [`REFUSAL_HEAD_MAX`] bytes.
async fn read_head(stream: &mut (impl AsyncRead + Unpin), head: &mut Vec<u8>) {
    let mut chunk = [0; 1024];
    while head.len() < REFUSAL_HEAD_MAX && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(n) if n > 0 => head.extend_from_slice(&chunk[..n]),
            _ => return,
        }
    }
}

/// The `Accept-Language` of a whole request head, if it has one.
fn accept_language(head: &[u8]) -> Option<String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    request.parse(head).ok()?.is_complete().then_some(())?;
    request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(ACCEPT_LANGUAGE.as_str()))
        .and_then(|h| std::str::from_utf8(h.value).ok())
        .map(str::to_owned)
}
