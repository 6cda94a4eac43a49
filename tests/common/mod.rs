//! Test harness: a fresh database (SQLite file or PostgreSQL database), the fake Telegram,
//! and Tangkap started against both over real HTTP.

#![allow(dead_code)] // each test binary uses its own part of the harness

use std::time::Duration;

use sqlx::{Connection, PgConnection, Row};
use tangkap::{
    app::{self, Running},
    config::BotToken,
    db::Db,
    settings::Config,
    sim::{FakeTelegram, SimMessage, SimUser},
    web::server::ServerLimits,
};

pub const TOKEN: &str = "123456789:AAHfakeTokenForTestsOnly_0123456789";
pub const BOT_USERNAME: &str = "tangkap_bot";
/// How long a test waits for something the bot should do within a second or two.
pub const PATIENCE: Duration = Duration::from_secs(15);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Backend)` as two tests: `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    )*};
}

/// A database of its own for one test.
pub struct TestDatabase {
    pub url: String,
    /// Keeps the SQLite file's folder alive.
    _dir: Option<tempfile::TempDir>,
}

/// The PostgreSQL server tests use; `scripts/test` makes sure it runs.
pub fn postgres_admin_url() -> String {
    std::env::var("TANGKAP_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub async fn test_database(backend: Backend) -> TestDatabase {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let url = format!("sqlite://{}/tangkap.db", dir.path().display());
            TestDatabase {
                url,
                _dir: Some(dir),
            }
        }
        Backend::Postgres => {
            let admin = postgres_admin_url();
            let mut conn = PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                panic!("PostgreSQL is not reachable at {admin} ({e}); scripts/test starts it")
            });
            let name = format!("tangkap_t_{:016x}", rand::random::<u64>());
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("a test database can be created");
            let base = admin.rsplit_once('/').expect("the URL names a database").0;
            TestDatabase {
                url: format!("{base}/{name}"),
                _dir: None,
            }
        }
    }
}

/// Tangkap running against the fake Telegram.
pub struct TestApp {
    pub fake: FakeTelegram,
    pub config: Config,
    /// A separate handle for the test's own queries.
    pub db: Db,
    pub running: Option<Running>,
    pub database: TestDatabase,
}

pub fn test_config(fake: &FakeTelegram, database_url: &str) -> Config {
    Config {
        bot_token: Some(BotToken::parse(TOKEN).unwrap()),
        api_url: fake.api_url(),
        database_url: database_url.to_owned(),
        listen: "127.0.0.1:0".parse().unwrap(),
        poll_timeout: Duration::from_secs(1),
        // The group hears of a Pickup at once, as the tests of the steps and their
        // messages expect; the undo has its own tests, with its own time.
        pickup_undo: Duration::ZERO,
        // Feedback 1 is plain, and steps edit no card: each edit counts against a group's
        // 20 messages a minute, which tests of many tickets in one group would then wait
        // for. The card has its own tests (`tests/card.rs`).
        group_buttons: false,
        // Every client of the tests is on 127.0.0.1, standing for many people (guests
        // opening their links at once, say); the cap per address has its own tests
        // (`tests/hardening.rs`).
        http: ServerLimits {
            max_connections_per_client: 100_000,
            ..ServerLimits::default()
        },
        ..Config::default()
    }
}

/// Logs go to the test's captured output, shown when it fails (`RUST_LOG` to change).
pub fn init_logging() {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info,sqlx=warn".into());
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(filter)
        .try_init();
}

/// Starts Tangkap in polling mode.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts Tangkap on a port known in advance, with `TANGKAP_PUBLIC_URL` pointing at it
/// (as the Mini App's buttons and the webhook need), after `adjust`.
pub async fn spawn_public_app(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let port = tangkap::sim::free_port();
    spawn_app_with(backend, |config| {
        config.listen = format!("127.0.0.1:{port}").parse().unwrap();
        config.public_url = Some(format!("http://127.0.0.1:{port}"));
        adjust(config);
    })
    .await
}

/// Makes a configuration take updates through the webhook (Telegram posting them, one at
/// a time and in order, as the fake does) rather than by polling: a port known in
/// advance, `TANGKAP_PUBLIC_URL` pointing at it and a secret.
pub fn by_webhook(config: &mut Config) {
    let port = tangkap::sim::free_port();
    config.listen = format!("127.0.0.1:{port}").parse().unwrap();
    config.public_url = Some(format!("http://127.0.0.1:{port}"));
    config.webhook_secret = Some(tangkap::config::Secret::new("rahasia-webhook-uji"));
}

/// Starts Tangkap after `adjust` has changed its configuration.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    spawn_app_on(fake, backend, adjust).await
}

/// Starts Tangkap against `fake`, made beforehand (its chats already there), after
/// `adjust` has changed its configuration.
pub async fn spawn_app_on(
    fake: FakeTelegram,
    backend: Backend,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    init_logging();
    let database = test_database(backend).await;
    let mut config = test_config(&fake, &database.url);
    adjust(&mut config);
    let running = app::start(config.clone()).await.expect("Tangkap starts");
    let db = Db::connect(&database.url).await.unwrap();
    TestApp {
        fake,
        config,
        db,
        running: Some(running),
        database,
    }
}

impl TestApp {
    pub fn http_url(&self) -> String {
        format!(
            "http://{}",
            self.running.as_ref().expect("running").http_addr
        )
    }

    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
    }

    /// Stops Tangkap and starts it again on the same database and fake Telegram.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.running = Some(
            app::start(self.config.clone())
                .await
                .expect("Tangkap restarts"),
        );
    }

    /// Starts Tangkap, stopped, again at `address` (where a page left open finds it), on
    /// the same database and fake Telegram.
    pub async fn start_at(&mut self, address: std::net::SocketAddr) {
        assert!(self.running.is_none(), "stopped first");
        // The closed connections may linger in TIME_WAIT on this port.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(address).expect("the address is free again");
        let listener = socket.listen(1024).unwrap().into_std().unwrap();
        self.running = Some(
            app::start_on(self.config.clone(), listener, axum::Router::new())
                .await
                .expect("Tangkap restarts"),
        );
    }

    /// Waits until the bot knows who it is (getMe answered): links to it name it.
    pub async fn wait_until_bot_known(&self) {
        let state = &self.running.as_ref().expect("running").state;
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while state.bot_username().is_none() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "getMe never answered"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Runs a query that returns one integer.
    pub async fn count(&self, sql: &str) -> i64 {
        count(&self.db, sql).await
    }

    /// Runs a query and returns its rows as strings, column by column.
    pub async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        rows(&self.db, sql).await
    }

    /// The order number of `ticket`.
    pub async fn order_no(&self, ticket: &str) -> i64 {
        self.count(&format!(
            "SELECT no FROM orders WHERE ticket_no = '{ticket}'"
        ))
        .await
    }

    /// Waits until the query's integer answer equals `expected`.
    pub async fn wait_for_count(&self, sql: &str, expected: i64) -> i64 {
        wait_for_count(&self.db, sql, expected).await
    }

    /// Stops Tangkap and drops a PostgreSQL test database.
    pub async fn finish(mut self) {
        self.stop().await;
        self.db.close().await;
        drop_postgres_database(&self.database.url).await;
    }
}

/// Runs a query and returns its rows, each column as text (integers written out).
pub async fn rows(db: &Db, sql: &str) -> Vec<Vec<Option<String>>> {
    let rows = sqlx::query(sql)
        .fetch_all(db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    row.try_get::<Option<String>, _>(i)
                        .or_else(|_| {
                            row.try_get::<Option<i64>, _>(i)
                                .map(|v| v.map(|v| v.to_string()))
                        })
                        .unwrap()
                })
                .collect()
        })
        .collect()
}

/// Runs the `tangkap` binary with `args`, the environment cleared of Tangkap's settings
/// but for `env`, and no settings file.
pub fn run_tangkap(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tangkap"));
    command
        .args(args)
        .env_remove("TANGKAP_BOT_TOKEN")
        .env_remove("DATABASE_URL")
        .env("TANGKAP_CONFIG", "/nonexistent/tangkap.toml");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

/// Hotel Melati with two Deluxe rooms at Rp450.000 and its FO chat `fo_chat`, the rest as
/// the defaults have it.
pub fn deluxe_hotel(fo_chat: i64) -> tangkap::booking::config::BookingConfig {
    use tangkap::booking::config::{BookingConfig, HotelSettings, RoomTypeConfig};
    BookingConfig {
        settings: HotelSettings {
            hotel_name: "Hotel Melati".into(),
            staff_chat: Some(fo_chat),
            ..HotelSettings::default()
        },
        room_types: vec![RoomTypeConfig {
            name: "Deluxe".into(),
            rooms: 2,
            price: 450_000,
        }],
        ..BookingConfig::default()
    }
}

/// `tangkap run` of the binary against the fake Telegram and `database_url`, listening on
/// `port`, polling every second, with no settings file; the caller adds its own settings
/// and where the output goes.
pub fn run_command(fake: &FakeTelegram, database_url: &str, port: u16) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tangkap"));
    command
        .arg("run")
        .env("TANGKAP_CONFIG", "/nonexistent/tangkap.toml")
        .env("TANGKAP_BOT_TOKEN", TOKEN)
        .env("TANGKAP_API_URL", fake.api_url())
        .env("DATABASE_URL", database_url)
        .env("TANGKAP_LISTEN", format!("127.0.0.1:{port}"))
        .env("TANGKAP_POLL_TIMEOUT_SECS", "1")
        .stdin(std::process::Stdio::null());
    command
}

/// Waits (at most [`PATIENCE`]) until the query's integer answer equals `expected`;
/// returns the last answer.
pub async fn wait_for_count(db: &Db, sql: &str, expected: i64) -> i64 {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let value = count(db, sql).await;
        if value == expected || tokio::time::Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Runs a query that returns one integer.
pub async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .try_get(0)
        .unwrap()
}

pub async fn drop_postgres_database(url: &str) {
    if let Some((_, name)) = url
        .strip_prefix("postgres")
        .and_then(|u| u.rsplit_once('/'))
    {
        if let Ok(mut conn) = PgConnection::connect(&postgres_admin_url()).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    }
}

/// A database at `url` migrated with the backend's migrations named before `first_left_out`
/// (there must be `expected` of them), as an older Tangkap left it.
pub async fn migrated_before(
    backend: Backend,
    url: &str,
    first_left_out: &str,
    expected: usize,
) -> Db {
    let folder = match backend {
        Backend::Sqlite => "migrations/sqlite",
        Backend::Postgres => "migrations/postgres",
    };
    let older = tempfile::tempdir().unwrap();
    let mut copied = 0;
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < first_left_out {
            std::fs::copy(&path, older.path().join(&name)).unwrap();
            copied += 1;
        }
    }
    assert_eq!(copied, expected);
    let db = Db::connect(url).await.unwrap();
    sqlx::migrate::Migrator::new(older.path())
        .await
        .unwrap()
        .run(db.writer())
        .await
        .unwrap();
    db
}

/// Registers an active admin directly (the /daftar dialogue has its own tests): an admin
/// sees every group, so tests of the ticket flows need no group membership
/// (`tests/access.rs` tests who sees what).
pub async fn register_staff(
    app: &TestApp,
    user: &tangkap::sim::SimUser,
    username: &str,
    password: &str,
) {
    use tangkap::users::{AccountState, Role};
    register_account(
        app,
        user,
        username,
        password,
        Role::Admin,
        AccountState::Active,
    )
    .await;
}

/// Registers an account with `role` and `state` directly.
pub async fn register_account(
    app: &TestApp,
    user: &tangkap::sim::SimUser,
    username: &str,
    password: &str,
    role: tangkap::users::Role,
    state: tangkap::users::AccountState,
) -> tangkap::users::User {
    use tangkap::users::{self, DisplayName, NewUser, Password, Username};
    let new_user = NewUser {
        name: DisplayName::parse(&user.first_name).unwrap(),
        username: Username::parse(username).unwrap(),
        telegram_id: user.id,
        telegram_username: user.username.clone(),
        password_hash: Password::parse(password).unwrap().hash(),
        role,
        state,
    };
    let mut tx = app.db.begin().await.unwrap();
    let registered = users::register(&mut tx, &new_user).await.unwrap();
    tx.commit().await.unwrap();
    // Leaders hear from the bot in their private chat, which they opened by registering.
    app.fake.make_private_chat(user);
    registered
}

/// initData for `user` as Telegram would sign it for our bot, dated `auth_date`.
pub fn init_data_for(user: &tangkap::sim::SimUser, auth_date: i64) -> String {
    let token = BotToken::parse(TOKEN).unwrap();
    let user_json = serde_json::json!({ "id": user.id, "first_name": user.first_name, "username": user.username }).to_string();
    let auth_date = auth_date.to_string();
    tangkap::telegram::init_data::sign(
        &[
            ("auth_date", &auth_date),
            ("user", &user_json),
            ("query_id", "AAH-test"),
        ],
        &token,
    )
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Posts `/moban` in `group` and returns the ticket number from Feedback 1.
pub async fn place_order(
    app: &TestApp,
    group: i64,
    from: &tangkap::sim::SimUser,
    text: &str,
) -> String {
    let feedback = reply_to(app, group, from, text).await;
    ticket_in(&feedback.text).to_owned()
}

/// Posts `text` in `group` and returns the bot's reply to it.
pub async fn reply_to(
    app: &TestApp,
    group: i64,
    from: &tangkap::sim::SimUser,
    text: &str,
) -> SimMessage {
    let before = app.fake.bot_messages(group).len();
    let posted = app.fake.send_to_group(group, from, text);
    let messages = app
        .fake
        .wait_for_bot_messages(group, before + 1, PATIENCE)
        .await;
    messages
        .into_iter()
        .find(|m| m.reply_to == Some(posted.message_id))
        .unwrap_or_else(|| panic!("no answer to {text}"))
}

/// The ticket number in Feedback 1.
pub fn ticket_in(text: &str) -> &str {
    text.split("no tiket ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_else(|| panic!("no ticket in {text}"))
}

/// Calls the Mini App's API, with a session token if given; the status and the JSON.
pub async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    session: Option<&str>,
    body: Option<serde_json::Value>,
) -> (reqwest::StatusCode, serde_json::Value) {
    call_in(app, None, method, path, session, body).await
}

/// [`call`] asking for the answer in `language` (its `Accept-Language`), if given.
pub async fn call_in(
    app: &TestApp,
    language: Option<&str>,
    method: &str,
    path: &str,
    session: Option<&str>,
    body: Option<serde_json::Value>,
) -> (reqwest::StatusCode, serde_json::Value) {
    let mut request = reqwest::Client::new().request(
        method.parse().unwrap(),
        format!("{}/api{path}", app.http_url()),
    );
    if let Some(language) = language {
        request = request.header("Accept-Language", language);
    }
    if let Some(session) = session {
        request = request.header("X-Session-Token", session);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

/// The id of the `/moban #<order_id> …` message posted in `chat`.
pub fn request_message_id(app: &TestApp, chat: i64, order_id: &str) -> i32 {
    let start = format!("/moban #{order_id} ");
    app.fake
        .messages(chat)
        .iter()
        .find(|m| m.text.starts_with(&start))
        .unwrap_or_else(|| panic!("no request {order_id} in {chat}"))
        .message_id
}

/// Picks up and closes order `no` through the API, as the account of `session`.
pub async fn pickup_and_close(app: &TestApp, no: i64, session: &str) {
    for step in ["pickup", "close"] {
        let path = format!("/orders/{no}/{step}");
        let (status, body) = call(app, "POST", &path, Some(session), None).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{step}: {body}");
    }
}

/// Logs in from a browser; returns the session token.
pub async fn log_in(app: &TestApp, login: &str, password: &str) -> String {
    let (status, body) = call(
        app,
        "POST",
        "/login",
        None,
        Some(serde_json::json!({ "login": login, "password": password })),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{login}: {body}");
    body["token"].as_str().unwrap().to_owned()
}

/// Sends `text` privately as `user` and returns the bot's next message.
pub async fn say(app: &TestApp, user: &SimUser, text: &str) -> SimMessage {
    let before = app.fake.bot_messages(user.id).len();
    app.fake.send_private(user, text);
    let messages = app
        .fake
        .wait_for_bot_messages(user.id, before + 1, PATIENCE)
        .await;
    assert!(messages.len() > before, "no answer to {text:?}");
    messages[before].clone()
}

/// A real SMTP server (aiosmtpd, `tests/mail/smtp_sink.py`) on a free port, keeping each
/// mail it accepts as a JSON line in a file: `{to, from, subject, text}`.
pub struct SmtpSink {
    pub port: u16,
    /// The file of accepted mails.
    pub mails_file: std::path::PathBuf,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts it with the Python that `scripts/ensure-smtp` prepared
    /// (`TANGKAP_SMTP_PYTHON`, set by `scripts/test`).
    pub fn start() -> Self {
        Self::spawn(None)
    }

    /// Starts one that offers a login (AUTH without TLS) and takes `user` and `password`
    /// only.
    pub fn with_login(user: &str, password: &str) -> Self {
        Self::spawn(Some(format!("{user}:{password}")))
    }

    fn spawn(login: Option<String>) -> Self {
        use std::io::BufRead;
        let python = std::env::var("TANGKAP_SMTP_PYTHON").expect(
            "TANGKAP_SMTP_PYTHON is not set: scripts/test prepares aiosmtpd with scripts/ensure-smtp",
        );
        let dir = tempfile::tempdir().unwrap();
        let mails_file = dir.path().join("mails.jsonl");
        let port = tangkap::sim::free_port();
        let mut child = std::process::Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/mail/smtp_sink.py"
            ))
            .arg(port.to_string())
            .arg(&mails_file)
            .args(login)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the SMTP server starts");
        let mut ready = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "ready", "the SMTP server did not start");
        SmtpSink {
            port,
            mails_file,
            child,
            _dir: dir,
        }
    }

    /// `TANGKAP_SMTP_URL` for it (plain SMTP on the loopback).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// `TANGKAP_SMTP_URL` for it that logs in as `user` with `password`.
    pub fn url_logging_in(&self, user: &str, password: &str) -> String {
        format!("smtp://{user}:{password}@127.0.0.1:{}", self.port)
    }

    /// The mails accepted so far, oldest first.
    pub fn mails(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.mails_file)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// Waits until `count` mails went to `to`; returns them.
    pub async fn wait_for(&self, to: &str, count: usize) -> Vec<serde_json::Value> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let mine: Vec<_> = self
                .mails()
                .into_iter()
                .filter(|mail| mail["to"] == to)
                .collect();
            if mine.len() >= count || tokio::time::Instant::now() > deadline {
                assert!(mine.len() >= count, "{count} mails to {to}: {mine:?}");
                return mine;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real S3-compatible server (moto, from PyPI) on a free port, with one bucket.
pub struct S3Server {
    pub port: u16,
    pub bucket: String,
    child: std::process::Child,
}

impl S3Server {
    /// Starts it with the Python that `scripts/ensure-s3` prepared (`TANGKAP_S3_PYTHON`,
    /// set by `scripts/test`), and makes the bucket `bucket`.
    pub async fn start(bucket: &str) -> Self {
        let python = std::env::var("TANGKAP_S3_PYTHON").expect(
            "TANGKAP_S3_PYTHON is not set: scripts/test prepares moto with scripts/ensure-s3",
        );
        let port = tangkap::sim::free_port();
        let child = std::process::Command::new(python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the S3 server starts");
        let server = S3Server {
            port,
            bucket: bucket.to_owned(),
            child,
        };
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match client
                .put(format!("{}/{bucket}", server.endpoint()))
                .send()
                .await
            {
                Ok(answer) if answer.status().is_success() => return server,
                answer if tokio::time::Instant::now() > deadline => {
                    panic!("the S3 server did not make the bucket: {answer:?}")
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Its address, as `TANGKAP_BACKUP_S3_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Where backups go, in Tangkap's settings, under `prefix`.
    pub fn target(&self, prefix: &str) -> tangkap::ops::backups::S3Target {
        tangkap::ops::backups::S3Target {
            bucket: self.bucket.clone(),
            prefix: prefix.to_owned(),
            region: "us-east-1".into(),
            endpoint: Some(self.endpoint()),
            access_key: Some("tangkap-test".into()),
            secret_key: Some(tangkap::config::Secret::new("tangkap-test-secret")),
        }
    }

    /// The objects under `prefix`, by key, with their bytes.
    pub async fn objects(&self, prefix: &str) -> Vec<(String, Vec<u8>)> {
        use futures_util::TryStreamExt;
        use object_store::ObjectStore;
        let store = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&self.bucket)
            .with_region("us-east-1")
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .with_access_key_id("tangkap-test")
            .with_secret_access_key("tangkap-test-secret")
            .build()
            .unwrap();
        let prefix = object_store::path::Path::from(prefix);
        let listed: Vec<_> = store.list(Some(&prefix)).try_collect().await.unwrap();
        let mut objects = Vec::new();
        for meta in listed {
            let bytes = store
                .get(&meta.location)
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            objects.push((meta.location.to_string(), bytes.to_vec()));
        }
        objects.sort();
        objects
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The text of the QR code in a PNG the bot sent, read as a phone's camera would.
pub fn qr_text(png: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).expect("a PNG's image");
    assert_eq!(
        (frame.color_type, frame.bit_depth),
        (png::ColorType::Grayscale, png::BitDepth::Eight)
    );
    let (width, height) = (frame.width as usize, frame.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        pixels[y * frame.line_size + x]
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("a readable QR code").1
}

/// The shop's Pakasir project and key in its tests.
pub const SHOP_PROJECT: &str = "toko-uji";
pub const SHOP_API_KEY: &str = "pk_test_rahasia_0123456789";

/// The shop of the shop tests, its gateway the fake `pakasir`: Toko Uji, NETFLIX
/// (Rp10.000, with a description) and SPOTIFY (Rp15.000, with terms of its own), invoices
/// kept 10 minutes, low stock at 1.
pub fn shop_config(pakasir: &tangkap::sim::pakasir::FakePakasir) -> tangkap::shop::ShopConfig {
    use tangkap::shop::config::{PakasirSettings, ProductConfig, ShopConfig, DEFAULT_FEE};
    let product = |code: &str, name: &str, price, description: &str, snk: &str| ProductConfig {
        code: code.into(),
        name: name.into(),
        price,
        description: description.into(),
        snk: snk.into(),
    };
    ShopConfig {
        name: "Toko Uji".into(),
        invoice_ttl: Duration::from_secs(600),
        fee: DEFAULT_FEE,
        snk: "Garansi 1x24 jam.".into(),
        low_stock: 1,
        products: vec![
            product(
                "NETFLIX",
                "Netflix 1 Bulan",
                10_000,
                "Akun sharing, 1 profil.",
                "",
            ),
            product(
                "SPOTIFY",
                "Spotify Premium",
                15_000,
                "",
                "Khusus 1 perangkat.",
            ),
        ],
        pakasir: PakasirSettings {
            project: SHOP_PROJECT.into(),
            api_key: tangkap::config::Secret::new(SHOP_API_KEY),
            url: pakasir.url(),
        },
    }
}

/// Tangkap with [`shop_config`]'s shop on, no stock yet, against a fake Pakasir whose
/// webhook points at it; then `adjust`.
pub async fn spawn_shop(
    backend: Backend,
    adjust: impl FnOnce(&mut Config),
) -> (TestApp, tangkap::sim::pakasir::FakePakasir) {
    let pakasir = tangkap::sim::pakasir::FakePakasir::start(SHOP_PROJECT, SHOP_API_KEY)
        .await
        .unwrap();
    let shop = shop_config(&pakasir);
    let app = spawn_app_with(backend, |config| {
        config.shop = Some(shop);
        adjust(config);
    })
    .await;
    pakasir.set_webhook(&format!("{}/pakasir/webhook", app.http_url()));
    (app, pakasir)
}

/// The shop's admin of the shop tests: active, login `admintoko`, password
/// [`SHOP_ADMIN_PASSWORD`], with a private chat with the bot.
pub async fn shop_admin(app: &TestApp) -> SimUser {
    let admin = app.fake.user("Admin Toko", Some("admin_toko"));
    register_account(
        app,
        &admin,
        "admintoko",
        SHOP_ADMIN_PASSWORD,
        tangkap::users::Role::Admin,
        tangkap::users::AccountState::Active,
    )
    .await;
    admin
}
pub const SHOP_ADMIN_PASSWORD: &str = "rahasia-admin-1";

/// Active staff, who do not run the shop: login `staftoko`, password
/// [`SHOP_STAFF_PASSWORD`].
pub async fn shop_staff(app: &TestApp) -> SimUser {
    let staff = app.fake.user("Staf", Some("staf_toko"));
    register_account(
        app,
        &staff,
        "staftoko",
        SHOP_STAFF_PASSWORD,
        tangkap::users::Role::Staff,
        tangkap::users::AccountState::Active,
    )
    .await;
    staff
}
pub const SHOP_STAFF_PASSWORD: &str = "rahasia-staf-1";

/// `buyer` buys one of product `code` with `/beli` and pays it; the invoice's order id
/// once it is paid.
pub async fn buy_and_pay(
    app: &TestApp,
    pakasir: &tangkap::sim::pakasir::FakePakasir,
    buyer: &SimUser,
    code: &str,
) -> String {
    let invoice = say(app, buyer, &format!("/beli {code}")).await;
    let at = invoice.text.find("INV-").expect("an invoice");
    let order_id = invoice.text[at..at + "INV-20261207-ABCDEF".len()].to_owned();
    let created = async {
        while pakasir.transaction(&order_id).is_none() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(PATIENCE, created)
        .await
        .expect("the invoice reaches the gateway");
    assert_eq!(pakasir.pay(&order_id).await.unwrap(), Some(200));
    let paid = format!(
        "SELECT COUNT(*) FROM shop_invoices WHERE order_id = '{order_id}' AND status = 'paid'"
    );
    assert_eq!(app.wait_for_count(&paid, 1).await, 1, "{order_id} paid");
    order_id
}
