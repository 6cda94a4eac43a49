//! Operating Tangkap: backups while it runs, a clean stop on SIGTERM, logs free of
//! secrets, oversized webhook bodies, and connections that never finish a request.

mod common;

use std::{
    io::Read,
    path::Path,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use common::{
    place_order, spawn_app, spawn_public_app, test_database, Backend, BOT_USERNAME, PATIENCE, TOKEN,
};
use tangkap::{config::Secret, db::Db, sim::FakeTelegram, web::server::ServerLimits};

const TABLES: [&str; 8] = [
    "users",
    "orders",
    "order_events",
    "inbox",
    "outbox",
    "dialogues",
    "sessions",
    "login_attempts",
];

fn tangkap(args: &[&str], database_url: &str) -> Output {
    common::run_tangkap(args, &[("DATABASE_URL", database_url)])
}

/// Every row of every table, as text, in primary-key order.
async fn all_rows(db: &Db) -> Vec<(String, Vec<Vec<Option<String>>>)> {
    let mut tables = Vec::new();
    for table in TABLES {
        tables.push((
            table.to_owned(),
            common::rows(db, &format!("SELECT * FROM {table} ORDER BY 1")).await,
        ));
    }
    tables
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_running_then_restore_keeps_every_row() {
    let mut app = spawn_app(Backend::Sqlite).await;
    let group = app.fake.group("Operasional");
    let user = app.fake.user("Siti", None);
    for n in 0..3 {
        place_order(
            &app,
            group,
            &user,
            &format!("/moban #BK-{n} #TOPUP #cadangan {n}"),
        )
        .await;
    }
    let staff = app.fake.user("Budi", None);
    common::register_staff(&app, &staff, "budi", "sandi-budi-1").await;
    let everything_sent = "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'";
    assert_eq!(app.wait_for_count(everything_sent, 0).await, 0);

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("tangkap-copy.db");
    let made = tangkap(&["backup", copy.to_str().unwrap()], &app.database.url);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let again = tangkap(&["backup", copy.to_str().unwrap()], &app.database.url);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));

    app.stop().await;
    let original = all_rows(&app.db).await;
    assert_eq!(original[1].1.len(), 3, "three orders");
    let restored_url = format!("sqlite://{}/restored/tangkap.db", dir.path().display());
    let restored = tangkap(&["restore", copy.to_str().unwrap()], &restored_url);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let restored_db = Db::connect(&restored_url).await.unwrap();
    assert_eq!(all_rows(&restored_db).await, original);
    restored_db.close().await;

    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    let refused = tangkap(&["restore", junk.to_str().unwrap()], &restored_url);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a Tangkap backup"));
    app.finish().await;
}

fn start_binary(
    fake: &FakeTelegram,
    database_url: &str,
    extra: &[(&str, &str)],
    log: &Path,
) -> Child {
    // Port 0 unless `extra` says where.
    let mut command = common::run_command(fake, database_url, 0);
    command
        .stdout(Stdio::from(
            std::fs::File::create(log.with_extension("out")).unwrap(),
        ))
        .stderr(Stdio::from(std::fs::File::create(log).unwrap()));
    for (name, value) in extra {
        command.env(name, value);
    }
    command.spawn().expect("tangkap starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_work_and_exits_zero_within_ten_seconds() {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let group = fake.group("Operasional");
    let user = fake.user("Siti", None);
    let mut child = start_binary(&fake, &database.url, &[], &dir.path().join("run.log"));
    let posted: Vec<_> = (0..12)
        .map(|n| fake.send_to_group(group, &user, &format!("/moban #TERM-{n} #TOPUP #berhenti")))
        .collect();
    // Stop while Feedback 1 messages are still going out (one a second to this group).
    fake.wait_for_bot_messages(group, 2, PATIENCE).await;
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let asked = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            asked.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status}");

    // Started again, it delivers what was left: every request answered once.
    let mut child = start_binary(&fake, &database.url, &[], &dir.path().join("run2.log"));
    let all = fake
        .wait_for_bot_messages(group, posted.len(), Duration::from_secs(60))
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let mut replied: Vec<i32> = fake
        .bot_messages(group)
        .iter()
        .filter_map(|m| m.reply_to)
        .collect();
    replied.sort();
    let expected: Vec<i32> = posted.iter().map(|p| p.message_id).collect();
    assert_eq!(replied, expected, "{all:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_the_logs() {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("debug.log");
    let port = tangkap::sim::free_port();
    let webhook_secret = "webhook-secret-value-123";
    let user = fake.user("Rahasia", None);
    let mut child = start_binary(
        &fake,
        &database.url,
        &[
            ("RUST_LOG", "trace"),
            ("TANGKAP_LISTEN", &format!("127.0.0.1:{port}")),
            ("TANGKAP_PUBLIC_URL", &format!("http://127.0.0.1:{port}")),
            ("TANGKAP_WEBHOOK_SECRET", webhook_secret),
            // The account registered below logs in at once, and sees every ticket.
            ("TANGKAP_OWNERS", &user.id.to_string()),
        ],
        &log,
    );
    for text in [
        "/daftar",
        "Orang Rahasia",
        "rahasia_user",
        "kata-sandi-RAHASIA-42",
    ] {
        let before = fake.bot_messages(user.id).len();
        fake.send_private(&user, text);
        fake.wait_for_bot_messages(user.id, before + 1, PATIENCE)
            .await;
    }
    let login = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/login"))
        .json(&serde_json::json!({ "login": "rahasia_user", "password": "kata-sandi-RAHASIA-42" }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let session: serde_json::Value = login.json().await.unwrap();
    fake.inject(Some("sendMessage"), 1, tangkap::sim::Fault::Status(500));
    let group = fake.group("G");
    fake.send_to_group(group, &user, "/moban #LOG-1 #TRX #catatan");
    fake.send_photo(
        group,
        &user,
        b"\xFF\xD8\xFF\xE0foto",
        Some("/moban #LOG-2 #TRX #foto"),
    );
    fake.wait_for_bot_messages(group, 2, PATIENCE).await;
    // The photo is downloaded from the URL that holds the token, after Telegram failed once.
    fake.inject(Some("getFile"), 1, tangkap::sim::Fault::Status(500));
    for expected in [502, 200] {
        let photo = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/api/orders/2/photo"))
            .header("X-Session-Token", session["token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(photo.status(), expected);
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let mut logs = String::new();
    for file in [log.clone(), log.with_extension("out")] {
        std::fs::File::open(file)
            .unwrap()
            .read_to_string(&mut logs)
            .unwrap();
    }
    assert!(
        logs.len() > 10_000,
        "trace logging was on ({} bytes)",
        logs.len()
    );
    let token_secret = TOKEN.split_once(':').unwrap().1;
    for secret in [
        token_secret,
        "kata-sandi-RAHASIA-42",
        webhook_secret,
        session["token"].as_str().unwrap(),
    ] {
        assert!(!logs.contains(secret), "a secret is in the logs: {secret}");
    }
}

async fn oversized_and_malformed_webhook_bodies(backend: Backend) {
    let app = spawn_public_app(backend, |config| {
        config.webhook_secret = Some(Secret::new("ukuran-secret"));
    })
    .await;

    // The server refuses a body announced as too large before reading it. Sending the
    // 2 MiB anyway would race the server closing the socket (the client may see a reset
    // instead of the answer), so the test waits for the answer first, as a client using
    // `Expect: 100-continue` would.
    let status = status_for_announced_body(&app.http_url(), 2 * 1024 * 1024).await;
    assert_eq!(status, 413, "a body announced at 2 MiB is refused unread");

    let hook = format!("{}/telegram/webhook", app.http_url());
    let client = reqwest::Client::new();
    let cases: [(Vec<u8>, u16); 5] = [
        (b"".to_vec(), 400),
        (b"[1,2,3]".to_vec(), 400),
        // An array holding an update_id, which a lenient decoder reads as {"update_id": 13}.
        (b" [13]".to_vec(), 400),
        (b"{\"update_id\": \"satu\"}".to_vec(), 400),
        (vec![0xff, 0xfe, 0x00], 400),
    ];
    for (body, status) in cases {
        let response = client
            .post(&hook)
            .header("X-Telegram-Bot-Api-Secret-Token", "ukuran-secret")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM inbox").await, 0);
    app.finish().await;
}

/// Sends only the head of a webhook POST announcing `length` bytes and returns the status
/// the server answers with.
async fn status_for_announced_body(base_url: &str, length: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let address = base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /telegram/webhook HTTP/1.1\r\nHost: {address}\r\n\
         X-Telegram-Bot-Api-Secret-Token: ukuran-secret\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\
         Expect: 100-continue\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 64];
    let read = tokio::time::timeout(PATIENCE, stream.read(&mut answer))
        .await
        .expect("the server answers before the body is sent")
        .unwrap();
    let status_line = String::from_utf8_lossy(&answer[..read]).into_owned();
    status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {status_line:?}"))
}

on_both_backends!(oversized_and_malformed_webhook_bodies);

/// Resident memory of process `pid` in MB.
fn resident_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024.0
}

/// Each argon2id check takes 19 MiB: 50 logins at once must not take 50 times that, and
/// a second burst must not take more than the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_burst_takes_bounded_memory() {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let port = tangkap::sim::free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = start_binary(
        &fake,
        &database.url,
        &[
            ("TANGKAP_LISTEN", listen.as_str()),
            ("TANGKAP_TRUST_FORWARDED_FOR", "true"),
        ],
        &dir.path().join("run.log"),
    );
    let base = format!("http://{listen}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while !client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(started.elapsed() < Duration::from_secs(30), "never ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = child.id();
    let idle = resident_mb(pid);
    let mut after_burst = Vec::new();
    let mut peak: f64 = idle;
    for burst in 0..2 {
        let mut logins = tokio::task::JoinSet::new();
        for i in 0..50 {
            let (client, url) = (client.clone(), format!("{base}/api/login"));
            logins.spawn(async move {
                // Unknown names from different addresses: nothing gets locked, every
                // password is checked.
                let body = serde_json::json!({ "login": format!("tamu-{burst}-{i}"), "password": "tebakan" });
                client
                    .post(url)
                    .header("X-Forwarded-For", format!("10.2.{burst}.{}", i + 1))
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            });
        }
        while !logins.is_empty() {
            peak = peak.max(resident_mb(pid));
            tokio::select! {
                done = logins.join_next() => assert_eq!(done.unwrap().unwrap(), 401),
                _ = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        }
        after_burst.push(resident_mb(pid));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    eprintln!(
        "resident memory: {idle:.1} MB idle, {peak:.1} MB at the peak of two bursts of 50 logins, \
         {:.1} MB after the first, {:.1} MB after the second",
        after_burst[0], after_burst[1]
    );
    assert!(
        peak - idle <= 100.0,
        "a burst of 50 logins took {:.1} MB",
        peak - idle
    );
    assert!(
        after_burst[1] <= after_burst[0] + 5.0,
        "the second burst took more: {after_burst:?}"
    );
}

/// API answers (a login's holds a session token) are never cached; over https browsers are
/// told to stay on https.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_answers_are_not_cached_and_https_stays_https() {
    let mut app = spawn_app(Backend::Sqlite).await;
    let client = reqwest::Client::new();
    let base = app.http_url();
    let login = client
        .post(format!("{base}/api/login"))
        .json(&serde_json::json!({ "login": "nobody", "password": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 401);
    for answer in [
        login,
        client
            .get(format!("{base}/api/config"))
            .send()
            .await
            .unwrap(),
        client
            .get(format!("{base}/api/nothing"))
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(
            answer.headers()["cache-control"],
            "no-store",
            "{}",
            answer.url()
        );
        assert!(answer.headers().get("strict-transport-security").is_none());
    }
    app.stop().await;
    let app = spawn_public_app(Backend::Sqlite, |config| {
        config.public_url = Some("https://tangkap.example".into());
    })
    .await;
    let page = client
        .get(format!("{}/", app.http_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    app.finish().await;
}

/// Logs written to a file carry no colour codes; `TANGKAP_LOG_FORMAT=json` gives one JSON
/// object per line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_in_a_file_are_plain_text_or_json() {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    for format in ["text", "json"] {
        let database = test_database(Backend::Sqlite).await;
        let log = dir.path().join(format!("{format}.log"));
        let mut child = start_binary(
            &fake,
            &database.url,
            &[("TANGKAP_LOG_FORMAT", format), ("RUST_LOG", "info")],
            &log,
        );
        let out = log.with_extension("out");
        let started = Instant::now();
        while !std::fs::read_to_string(&out)
            .unwrap_or_default()
            .contains("Tangkap is running")
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no start-up line"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let written = std::fs::read_to_string(&out).unwrap();
        assert!(!written.contains('\u{1b}'), "colour codes in {written}");
        if format == "json" {
            for line in written.lines() {
                let entry: serde_json::Value =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                assert!(
                    entry["level"].is_string() && entry["fields"].is_object(),
                    "{line}"
                );
            }
        }
    }
    let refused = common::run_tangkap(&["migrate"], &[("TANGKAP_LOG_FORMAT", "xml")]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("expected text or json"));
}

/// What a client sees on a connection it keeps open: how long after opening it the server
/// closed it, or `None` if it was still open at `patience`.
async fn closed_after(
    mut stream: tokio::net::TcpStream,
    opened: Instant,
    patience: Duration,
) -> Option<Duration> {
    use tokio::io::AsyncReadExt;

    let mut buffer = [0; 1024];
    let deadline = opened + patience;
    loop {
        match tokio::time::timeout_at(deadline.into(), stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(opened.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// Connections that never send a whole request head (silent, half-sent, trickling a byte
/// at a time) and keep-alive connections left idle are closed after the header timeout;
/// a full server closes a connection idling between requests to make room, and past that
/// a client is told `503 busy` instead of waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_half_sent_and_idle_connections_are_closed_and_a_full_server_says_busy() {
    use tokio::{io::AsyncWriteExt, net::TcpStream};

    const TIMEOUT: Duration = Duration::from_secs(2);
    const CAP: usize = 500;
    let app = spawn_public_app(Backend::Sqlite, |config| {
        config.http = ServerLimits {
            header_timeout: TIMEOUT,
            max_connections: CAP,
            // All of them come from one address here, which may have more than the server
            // holds: the server's cap is tried (tests/hardening.rs tries the address's).
            max_connections_per_client: CAP + 10,
        };
    })
    .await;
    let address = app.http_url().trim_start_matches("http://").to_owned();
    let patience = TIMEOUT + Duration::from_secs(3);

    // One connection asks for something, gets it, and then stays idle.
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        use tokio::io::AsyncReadExt;
        let mut chunk = [0; 1024];
        let n = idle.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the first request is answered");
        answer.extend_from_slice(&chunk[..n]);
    }
    let answered = Instant::now();
    let idle = tokio::spawn(closed_after(idle, answered, patience));

    // 500 more fill the cap: half say nothing, half send half a request head, one of
    // them keeps sending a byte at a time.
    let mut held = Vec::new();
    let hold =
        |stream: TcpStream, opened: Instant| tokio::spawn(closed_after(stream, opened, patience));
    for n in 0..CAP - 2 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        let opened = Instant::now();
        if n % 2 == 1 {
            stream
                .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n").as_bytes())
                .await
                .unwrap();
        }
        held.push(hold(stream, opened));
    }
    let trickle = TcpStream::connect(&address).await.unwrap();
    let trickle_opened = Instant::now();
    let (mut trickle_read, mut trickle_write) = trickle.into_split();
    let trickling = tokio::spawn(async move {
        for byte in b"GET /healthz HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if trickle_write.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });

    // The server is full, but one connection only idles: it makes room for a new client.
    let one_request = || {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap()
    };
    let served = one_request()
        .get(format!("{}/api/config", app.http_url()))
        .timeout(PATIENCE)
        .send()
        .await
        .unwrap();
    assert_eq!(
        served.status(),
        200,
        "the idle connection made room: {:?}",
        served.text().await
    );
    let idle_closed = idle.await.unwrap().expect("the idle connection was closed");
    assert!(
        idle_closed < TIMEOUT,
        "closed to make room, not at its timeout: {idle_closed:?}"
    );
    // Full again, with nobody idle: a new client is told so at once, in its language.
    held.push(hold(
        TcpStream::connect(&address).await.unwrap(),
        Instant::now(),
    ));
    let busy = one_request()
        .get(format!("{}/api/config", app.http_url()))
        .header("Accept-Language", "en")
        .timeout(PATIENCE)
        .send()
        .await
        .expect("a client over the cap gets an answer");
    assert_eq!(busy.status(), 503);
    assert_eq!(busy.headers()["retry-after"], "1");
    let body: serde_json::Value = busy.json().await.unwrap();
    assert_eq!(body["error"], "busy");
    assert_eq!(
        body["message"],
        "The server is serving too many connections right now. Please try again in a moment."
    );

    let mut closed = Vec::new();
    for connection in held {
        closed.push(connection.await.unwrap());
    }
    let trickle_closed = {
        use tokio::io::AsyncReadExt;
        let mut buffer = [0; 64];
        tokio::time::timeout_at(
            (trickle_opened + patience).into(),
            trickle_read.read(&mut buffer),
        )
        .await
        .ok()
        .map(|_| trickle_opened.elapsed())
    };
    trickling.abort();
    closed.push(trickle_closed);
    let still_open = closed.iter().filter(|c| c.is_none()).count();
    assert_eq!(
        still_open, 0,
        "connections still open {patience:?} after opening"
    );
    let early = closed
        .iter()
        .flatten()
        .filter(|after| **after < TIMEOUT - Duration::from_millis(200))
        .count();
    assert_eq!(early, 0, "no connection is cut before its time is up");
    let times: Vec<Duration> = closed.into_iter().flatten().collect();
    println!(
        "{} connections closed {:?} to {:?} after opening (timeout {TIMEOUT:?})",
        times.len(),
        times.iter().min().unwrap(),
        times.iter().max().unwrap()
    );

    // With them gone, requests are served again.
    let served = reqwest::get(format!("{}/api/config", app.http_url()))
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    app.finish().await;
}

/// `host:port` of a PostgreSQL URL.
fn postgres_address(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

/// Started before its PostgreSQL answers, Tangkap says at once which server it is waiting
/// for, keeps trying, and runs as soon as the database answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_waits_for_postgres_and_names_it() {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(Backend::Postgres).await;
    let real = postgres_address(&database.url).to_owned();
    let port = tangkap::sim::free_port();
    let url = database
        .url
        .replacen(&real, &format!("127.0.0.1:{port}"), 1);
    let http = format!("127.0.0.1:{}", tangkap::sim::free_port());
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log");
    let started = Instant::now();
    let mut child = start_binary(&fake, &url, &[("TANGKAP_LISTEN", &http)], &log);

    let waiting = format!("cannot reach PostgreSQL at 127.0.0.1:{port}");
    let said = loop {
        // Log lines go to standard output.
        let said = std::fs::read_to_string(log.with_extension("out")).unwrap_or_default();
        if said.contains(&waiting) && said.contains("trying again") {
            break said;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no word of the database within 5 s: {said}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(said.contains("refused"), "the cause is given: {said}");
    println!(
        "waiting for the database, said so after {:?}",
        started.elapsed()
    );
    assert!(child.try_wait().unwrap().is_none(), "it keeps trying");

    // The database comes up on that port (a relay to the real server).
    let relay = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let relaying = tokio::spawn(async move {
        loop {
            let (mut client, _) = relay.accept().await.unwrap();
            let real = real.clone();
            tokio::spawn(async move {
                let mut server = tokio::net::TcpStream::connect(&real).await.unwrap();
                tokio::io::copy_bidirectional(&mut client, &mut server)
                    .await
                    .ok();
            });
        }
    });
    let ready = Instant::now();
    loop {
        let health = reqwest::get(format!("http://{http}/healthz")).await;
        if health.is_ok_and(|answer| answer.status() == 200) {
            break;
        }
        assert!(
            ready.elapsed() < Duration::from_secs(40),
            "not running {:?} after the database came up",
            ready.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("running {:?} after the database came up", ready.elapsed());
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    relaying.abort();
    common::drop_postgres_database(&database.url).await;
}
