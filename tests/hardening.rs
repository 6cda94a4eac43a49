//! The holes an outside audit found, each tried the way it was found: one address filling
//! the server with keep-alive or half-sent connections while someone else uses it, and the
//! Bot API client asked to follow a redirect with its token in the URL.

mod common;

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use common::{spawn_public_app, Backend, TestApp, BOT_USERNAME, TOKEN};
use tangkap::{
    config::BotToken, sim::FakeTelegram, telegram::api::BotApi, web::server::ServerLimits,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use tokio_util::sync::CancellationToken;

/// What a connection from the flooding address got: the status of its answer, or `None`
/// when it was closed without one.
type Outcome = Option<u16>;

/// A flooding connection's outcome, and whether the server still held it open at the end.
type Held = (Outcome, bool);

/// Opens `count` connections from 127.0.0.1 at once; each sends `request` and then waits
/// for an answer (up to `patience`), and keeps its connection until `release`.
async fn flood(
    address: &str,
    count: usize,
    request: &'static str,
    patience: Duration,
    release: &CancellationToken,
) -> Vec<tokio::task::JoinHandle<Held>> {
    (0..count)
        .map(|_| {
            let address = address.to_owned();
            let release = release.clone();
            tokio::spawn(async move {
                let Ok(mut stream) = TcpStream::connect(&address).await else {
                    return (None, false);
                };
                if stream.write_all(request.as_bytes()).await.is_err() {
                    return (None, false);
                }
                let mut head = Vec::new();
                let mut chunk = [0; 2048];
                let outcome = loop {
                    match tokio::time::timeout(patience, stream.read(&mut chunk)).await {
                        Ok(Ok(n)) if n > 0 => {
                            head.extend_from_slice(&chunk[..n]);
                            if head.windows(4).any(|w| w == b"\r\n\r\n") {
                                break status_of(&head);
                            }
                        }
                        _ => break None,
                    }
                };
                // Kept open, as a keep-alive client keeps it, until the test is done.
                release.cancelled().await;
                let still_open = outcome.is_some()
                    && tokio::time::timeout(Duration::from_millis(50), stream.read(&mut chunk))
                        .await
                        .is_err();
                (outcome, still_open)
            })
        })
        .collect()
}

fn status_of(head: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(head).ok()?.lines().next()?;
    line.split(' ').nth(1)?.parse().ok()
}

/// A normal client from another address (127.0.0.2), asking once every 20 ms until
/// `stop`: how many of its requests were answered, of how many.
fn normal_client(
    app: &TestApp,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<(usize, usize)> {
    let url = format!("{}/api/config", app.http_url());
    tokio::spawn(async move {
        let client = reqwest::Client::builder()
            .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let (mut answered, mut asked) = (0, 0);
        while !stop.is_cancelled() {
            asked += 1;
            if client
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                answered += 1;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (answered, asked)
    })
}

async fn outcomes(flooding: Vec<tokio::task::JoinHandle<Held>>) -> Vec<Held> {
    let mut all = Vec::new();
    for connection in flooding {
        all.push(connection.await.unwrap());
    }
    all
}

fn count(outcomes: &[Held], wanted: Outcome) -> usize {
    outcomes.iter().filter(|(o, _)| *o == wanted).count()
}

/// 2,000 keep-alive clients from one address: each is answered (200, or `503 busy` when
/// the address's 50 connections are all busy; an idle one is closed to make room), none is
/// closed unanswered, the address holds at most 50 at the end, and a client from another
/// address is served throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_keep_alive_clients_from_one_address_shut_nobody_else_out() {
    let app = spawn_public_app(Backend::Sqlite, |config| {
        config.http = ServerLimits::default();
    })
    .await;
    let address = app.http_url().trim_start_matches("http://").to_owned();
    let stop = CancellationToken::new();
    let normal = normal_client(&app, stop.clone());
    let release = CancellationToken::new();
    let request = "GET /healthz HTTP/1.1\r\nHost: tangkap\r\n\r\n";
    let flooding = flood(&address, 2000, request, Duration::from_secs(10), &release).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.cancel();
    let (answered, asked) = normal.await.unwrap();
    release.cancel();
    let outcomes = outcomes(flooding).await;

    let (served, busy, unanswered) = (
        count(&outcomes, Some(200)),
        count(&outcomes, Some(503)),
        count(&outcomes, None),
    );
    let held = outcomes.iter().filter(|(_, open)| *open).count();
    println!(
        "flood: {served} served, {busy} refused 503, {unanswered} unanswered, {held} held \
         at the end; the other client: {answered} of {asked}"
    );
    assert_eq!(served + busy, 2000, "every connection is answered");
    assert_eq!(unanswered, 0, "no connection is closed unanswered");
    assert!(
        served >= 50,
        "the address is served up to its cap at least: {served}"
    );
    assert!(held <= 50, "the address holds at most its cap: {held}");
    assert!(asked >= 20, "the other client kept asking: {asked}");
    assert!(
        answered * 100 >= asked * 99,
        "the other client got {answered} of {asked} through"
    );
    app.finish().await;
}

/// An office's browsers behind one NAT address: 80 of them, one after another, each
/// keeping its connection alive after its answer. All are served: past the address's 50,
/// an idle connection of its own makes room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_behind_one_address_is_served_while_its_connections_idle() {
    let app = spawn_public_app(Backend::Sqlite, |config| {
        config.http = ServerLimits::default();
    })
    .await;
    let address = app.http_url().trim_start_matches("http://").to_owned();
    let mut kept = Vec::new();
    let mut statuses = Vec::new();
    for _ in 0..80 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET /api/config HTTP/1.1\r\nHost: tangkap\r\n\r\n")
            .await
            .unwrap();
        let mut head = Vec::new();
        let mut chunk = [0; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk).await {
                Ok(n) if n > 0 => head.extend_from_slice(&chunk[..n]),
                _ => break,
            }
        }
        statuses.push(status_of(&head));
        kept.push(stream);
    }
    assert!(
        statuses.iter().all(|s| *s == Some(200)),
        "every browser is served: {statuses:?}"
    );
    let mut open = 0;
    for stream in &mut kept {
        // What is left of its answer is read first: closed, the stream then ends.
        let mut rest = [0; 4096];
        loop {
            match tokio::time::timeout(Duration::from_millis(20), stream.read(&mut rest)).await {
                Err(_) => {
                    open += 1;
                    break;
                }
                Ok(Ok(n)) if n > 0 => continue,
                Ok(_) => break,
            }
        }
    }
    assert_eq!(open, 50, "the address keeps its 50 newest connections");
    app.finish().await;
}

/// 1,100 half-sent connections from one address: the 50 it may keep wait out the header
/// timeout, the other 1,050 are each answered `503 busy` although their request heads never
/// end, and a client from another address is served throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eleven_hundred_half_sent_connections_from_one_address_shut_nobody_else_out() {
    const TIMEOUT: Duration = Duration::from_secs(3);
    let app = spawn_public_app(Backend::Sqlite, |config| {
        config.http = ServerLimits {
            header_timeout: TIMEOUT,
            ..ServerLimits::default()
        };
    })
    .await;
    let address = app.http_url().trim_start_matches("http://").to_owned();
    let stop = CancellationToken::new();
    let normal = normal_client(&app, stop.clone());
    let release = CancellationToken::new();
    let half = "GET /healthz HTTP/1.1\r\nHost: tangkap\r\nX-Slow: ";
    let opened = Instant::now();
    let flooding = flood(&address, 1100, half, TIMEOUT * 3, &release).await;
    tokio::time::sleep(TIMEOUT + Duration::from_secs(1)).await;
    stop.cancel();
    let (answered, asked) = normal.await.unwrap();
    release.cancel();
    let outcomes = outcomes(flooding).await;
    let waited = opened.elapsed();

    let (busy, unanswered) = (count(&outcomes, Some(503)), count(&outcomes, None));
    println!(
        "half-sent: {busy} refused 503, {unanswered} closed at the header timeout; \
         the other client: {answered} of {asked} ({waited:?})"
    );
    assert_eq!(busy, 1050, "every connection past the cap is told 503");
    assert_eq!(
        unanswered, 50,
        "the 50 the address may keep are closed by the header timeout"
    );
    assert!(asked >= 20, "the other client kept asking: {asked}");
    assert!(
        answered * 100 >= asked * 99,
        "the other client got {answered} of {asked} through"
    );
    app.finish().await;
}

/// The Bot API's URLs hold the token. Redirected, the client stops: the place it was sent
/// to sees no request at all (so no `Referer` with the token either).
#[tokio::test]
async fn the_bot_api_client_follows_no_redirect() {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let group = fake.group("Operasional");
    let sender = fake.user("Rina", Some("rina"));
    let image = b"\xFF\xD8\xFF\xE0 not really a jpeg".to_vec();
    let (_, file) = fake.send_photo(group, &sender, &image, None);
    let api = BotApi::new(&fake.api_url(), &BotToken::parse(TOKEN).unwrap());
    let info = api.get_file(&file.file_id).await.unwrap();
    let path = info.file_path.expect("getFile names a path");
    assert_eq!(
        api.download(&path, 1 << 20).await.unwrap(),
        image,
        "downloads work"
    );

    let elsewhere = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere_at: SocketAddr = elsewhere.local_addr().unwrap();
    let visits = Arc::new(AtomicUsize::new(0));
    let counting = visits.clone();
    tokio::spawn(async move {
        while let Ok((_stream, _)) = elsewhere.accept().await {
            counting.fetch_add(1, Ordering::SeqCst);
        }
    });
    fake.redirect_downloads(&format!("http://{elsewhere_at}"));
    let refused = api.download(&path, 1 << 20).await;
    assert!(refused.is_err(), "a redirect is not followed: {refused:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        visits.load(Ordering::SeqCst),
        0,
        "nothing reached the redirect's target"
    );
}
