//! `tangkap doctor` as an owner meets it: the binary run against the fake Telegram, a real
//! database (SQLite file and PostgreSQL) and a real SMTP server; green when all is well,
//! and each broken part named with its fix and a failing exit.

mod common;

use common::{
    by_webhook, drop_postgres_database, migrated_before, register_staff, say, spawn_app_with,
    test_database, Backend, SmtpSink, TestApp, PATIENCE, TOKEN,
};
use tangkap::sim::FakeTelegram;

const SMTP_USER: &str = "hotel";
const SMTP_PASSWORD: &str = "sandi-smtp-benar";
const WEBHOOK_SECRET: &str = "rahasia-webhook-uji";

/// What `tangkap doctor` printed, and how it ended.
struct Report {
    code: Option<i32>,
    out: String,
}

impl Report {
    /// The line of check `name`, without its mark; and its mark.
    fn line(&self, name: &str) -> (&str, &str) {
        self.out
            .lines()
            .find_map(|line| {
                let (mark, rest) = line.split_once(' ')?;
                rest.starts_with(&format!("{name}: "))
                    .then_some((mark, rest))
            })
            .unwrap_or_else(|| panic!("no line for {name}:\n{}", self.out))
    }

    /// What check `name` saw; it must have passed.
    fn ok(&self, name: &str) -> &str {
        let (mark, line) = self.line(name);
        assert_eq!(mark, "✅", "{name}:\n{}", self.out);
        &line[name.len() + 2..]
    }

    /// Why check `name` was skipped; it must have been.
    fn skipped(&self, name: &str) -> &str {
        let (mark, line) = self.line(name);
        assert_eq!(mark, "➖", "{name}:\n{}", self.out);
        line
    }

    /// What is wrong and the fix, for check `name`, which must have failed.
    fn failed(&self, name: &str) -> (&str, &str) {
        let (mark, line) = self.line(name);
        assert_eq!(mark, "❌", "{name}:\n{}", self.out);
        let (problem, fix) = line[name.len() + 2..]
            .split_once(" — ")
            .unwrap_or_else(|| panic!("no fix: {line}"));
        assert!(!fix.trim().is_empty(), "{line}");
        (problem, fix)
    }
}

/// Runs `tangkap doctor` with `args` and only the settings of `env`.
async fn doctor(args: &[&str], env: &[(String, String)]) -> Report {
    let args: Vec<String> = ["doctor"]
        .iter()
        .chain(args)
        .map(|arg| arg.to_string())
        .collect();
    let env = env.to_vec();
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        common::run_tangkap(&args, &env)
    })
    .await
    .unwrap();
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.trim().is_empty(), "nothing on stderr: {err}");
    for secret in [&TOKEN[10..], SMTP_PASSWORD, WEBHOOK_SECRET] {
        assert!(!out.contains(secret), "a secret in the report:\n{out}");
    }
    Report {
        code: output.status.code(),
        out,
    }
}

fn setting(name: &str, value: impl ToString) -> (String, String) {
    (name.to_owned(), value.to_string())
}

/// The settings `app` runs with, as the environment gives them to the doctor.
fn settings_of(app: &TestApp) -> Vec<(String, String)> {
    let config = &app.config;
    let mut env = vec![
        setting("TANGKAP_BOT_TOKEN", TOKEN),
        setting("TANGKAP_API_URL", app.fake.api_url()),
        setting("DATABASE_URL", &config.database_url),
    ];
    if let Some(public_url) = &config.public_url {
        env.push(setting("TANGKAP_PUBLIC_URL", public_url));
    }
    if config.webhook_secret.is_some() {
        env.push(setting("TANGKAP_WEBHOOK_SECRET", WEBHOOK_SECRET));
    }
    env
}

/// Mail through `smtp`, logging in with `password`.
fn mail_settings(smtp: &SmtpSink, password: &str) -> [(String, String); 2] {
    [
        setting("TANGKAP_SMTP_URL", smtp.url_logging_in(SMTP_USER, password)),
        setting("TANGKAP_MAIL_FROM", "Hotel Melati <booking@melati.example>"),
    ]
}

/// Disk checked against no floor: a test machine's disk is not the installation's.
const ANY_DISK: [&str; 4] = ["--min-free-percent", "0", "--min-free-gb", "0"];

on_both_backends!(
    a_healthy_installation_is_all_green,
    each_broken_part_is_named_with_its_fix,
);

/// Tangkap running by webhook, an owner registered who opened the Mini App's button with
/// /start, mail logging in, and an alert group with the bot in it: every check passes,
/// or says why it does not apply (the loopback http address of the test).
async fn a_healthy_installation_is_all_green(backend: Backend) {
    let smtp = SmtpSink::with_login(SMTP_USER, SMTP_PASSWORD);
    let app = spawn_app_with(backend, |config| {
        by_webhook(config);
        config.webhook_secret = Some(tangkap::config::Secret::new(WEBHOOK_SECRET));
    })
    .await;
    let public_url = app.config.public_url.clone().unwrap();
    let webhook = format!("{public_url}/telegram/webhook");
    let owners = app.fake.group("Pemilik Hotel");
    let budi = app.fake.user("Budi", Some("budi"));
    register_staff(&app, &budi, "budi", "rahasia-budi-1").await;
    say(&app, &budi, "/start").await;
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| fake.menu_button(budi.id).is_some()
                && fake.webhook_url().as_deref() == Some(webhook.as_str()))
            .await,
        "the menu button and the webhook are set"
    );
    let mut env = settings_of(&app);
    env.extend(mail_settings(&smtp, SMTP_PASSWORD));
    env.push(setting("TANGKAP_ALERT_CHAT", owners));

    let report = doctor(&ANY_DISK, &env).await;
    assert_eq!(report.code, Some(0), "{}", report.out);
    assert_eq!(report.out.lines().count(), 9, "{}", report.out);
    assert!(
        report
            .out
            .lines()
            .all(|line| line.starts_with("✅ ") || line.starts_with("➖ ")),
        "{}",
        report.out
    );
    assert_eq!(report.ok("Token bot"), "@tangkap_bot (id 123456789)");
    assert_eq!(
        report.ok("Webhook"),
        format!("{webhook}, 0 update menunggu")
    );
    assert_eq!(
        report.skipped("Alamat publik"),
        "Alamat publik: dilewati (alamat http loopback, untuk uji)"
    );
    assert!(
        report
            .ok("Tombol menu Mini App")
            .starts_with(&format!("{public_url}/ untuk 1 dari 1 akun aktif")),
        "{}",
        report.out
    );
    let database = report.ok("Database");
    let migrations = std::fs::read_dir(match backend {
        Backend::Sqlite => "migrations/sqlite",
        Backend::Postgres => "migrations/postgres",
    })
    .unwrap()
    .count();
    assert!(
        database.contains(&format!("{migrations} migrasi terpasang")),
        "{database}"
    );
    let place = match backend {
        Backend::Sqlite => format!(
            "SQLite {}, ",
            app.database.url.strip_prefix("sqlite://").unwrap()
        ),
        Backend::Postgres => format!(
            "PostgreSQL {}, database {}, ",
            common::postgres_admin_url()
                .split_once('@')
                .and_then(|(_, rest)| rest.split_once('/'))
                .unwrap()
                .0,
            app.database.url.rsplit_once('/').unwrap().1
        ),
    };
    assert!(database.starts_with(&place), "{database}");
    assert_eq!(
        report.ok("SMTP"),
        format!("127.0.0.1:{}: terhubung, login diterima", smtp.port)
    );
    assert!(smtp.mails().is_empty(), "no mail is sent");
    assert_eq!(
        report.ok("Chat peringatan"),
        format!("Pemilik Hotel ({owners}), lewat bot utama")
    );
    assert!(report.ok("Ruang disk").contains(" GB bebas dari "));
    assert!(report.ok("Jam").ends_with(" dengan jam Telegram"));

    let english = doctor(&[&ANY_DISK[..], &["--lang", "en"]].concat(), &env).await;
    assert_eq!(english.code, Some(0), "{}", english.out);
    assert_eq!(english.ok("Bot token"), "@tangkap_bot (id 123456789)");
    assert_eq!(
        english.skipped("Public URL"),
        "Public URL: skipped (a loopback http address, for testing)"
    );
    assert!(english.ok("SMTP").ends_with("connected, login accepted"));
    assert!(!english.out.contains("dilewati"), "{}", english.out);

    // The address moved: Telegram still posts to the old one, and Budi's button opens it.
    let moved = format!("http://127.0.0.1:{}", tangkap::sim::free_port());
    let mut elsewhere = env.clone();
    elsewhere.push(setting("TANGKAP_PUBLIC_URL", &moved));
    let report = doctor(&ANY_DISK, &elsewhere).await;
    assert_eq!(report.code, Some(1), "{}", report.out);
    let (problem, fix) = report.failed("Webhook");
    assert_eq!(
        problem,
        format!("Telegram mengirim update ke {webhook}, bukan {moved}/telegram/webhook")
    );
    assert!(fix.contains("`tangkap run`"), "{fix}");
    let (problem, fix) = report.failed("Tombol menu Mini App");
    assert_eq!(
        problem,
        format!("tombol menu 1 akun aktif (budi) masih membuka {public_url}/")
    );
    assert!(fix.contains("/start"), "{fix}");

    // A newer Tangkap migrated the database since.
    let newer = match backend {
        Backend::Sqlite => {
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
             execution_time) VALUES (99990001, 'from the future', 1, X'00', 0)"
        }
        Backend::Postgres => {
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
             execution_time) VALUES (99990001, 'from the future', TRUE, '\\x00'::bytea, 0)"
        }
    };
    sqlx::query(newer).execute(app.db.writer()).await.unwrap();
    let report = doctor(&ANY_DISK, &env).await;
    assert_eq!(report.code, Some(1), "{}", report.out);
    let (problem, fix) = report.failed("Database");
    assert!(
        problem.ends_with(
            "dimigrasi oleh Tangkap yang lebih baru (migrasi 99990001 tidak dikenal versi ini)"
        ),
        "{problem}"
    );
    assert_eq!(fix, "jalankan versi Tangkap yang memigrasinya");
    report.ok("Webhook");
    app.finish().await;
}

/// Tangkap stopped while Telegram still posts to it, a database left by an older version,
/// a wrong SMTP password, an alert group the bot was removed from, Telegram's clock ten
/// minutes behind ours, and a disk that cannot hold the floor asked: each named, with what
/// to do, and the exit fails; the token still works.
async fn each_broken_part_is_named_with_its_fix(backend: Backend) {
    let smtp = SmtpSink::with_login(SMTP_USER, SMTP_PASSWORD);
    let mut app = spawn_app_with(backend, |config| {
        by_webhook(config);
        config.webhook_secret = Some(tangkap::config::Secret::new(WEBHOOK_SECRET));
    })
    .await;
    let webhook = format!(
        "{}/telegram/webhook",
        app.config.public_url.as_ref().unwrap()
    );
    let owners = app.fake.group("Pemilik");
    app.fake.kick_bot(owners);
    let group = app.fake.group("Operasional");
    app.stop().await;
    let ani = app.fake.user("Ani", None);
    app.fake
        .send_to_group(group, &ani, "/moban #A1 #TOPUP #saldo");
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| !fake.webhook_statuses().is_empty())
            .await
    );
    app.fake.skew_clock(-600);
    let older = test_database(backend).await;
    migrated_before(backend, &older.url, "0006", 5)
        .await
        .close()
        .await;

    let mut env = settings_of(&app);
    env.push(setting("DATABASE_URL", &older.url));
    env.extend(mail_settings(&smtp, "sandi-salah"));
    env.push(setting("TANGKAP_ALERT_CHAT", owners));
    let report = doctor(&["--min-free-percent", "100"], &env).await;
    assert_eq!(report.code, Some(1), "{}", report.out);
    report.ok("Token bot");

    let (problem, fix) = report.failed("Webhook");
    assert!(
        problem.starts_with("Telegram gagal mengirim ke webhook ")
            && problem.ends_with(" lalu: Connection refused; 1 update menunggu"),
        "{problem}"
    );
    assert!(
        fix.contains("`tangkap run` berjalan") && fix.contains(&webhook),
        "{fix}"
    );

    let (problem, fix) = report.failed("Database");
    assert!(
        problem.contains(" migrasi belum dijalankan (6, 7, "),
        "{problem}"
    );
    assert!(fix.starts_with("jalankan `tangkap migrate`"), "{fix}");

    let (problem, fix) = report.failed("SMTP");
    assert_eq!(
        problem,
        format!(
            "127.0.0.1:{} menolak login: permanent error (535): 5.7.8 Authentication \
             credentials invalid",
            smtp.port
        )
    );
    assert!(fix.contains("TANGKAP_SMTP_URL"), "{fix}");

    let (problem, fix) = report.failed("Chat peringatan");
    assert_eq!(
        problem,
        format!(
            "bot utama tidak bisa menjangkau chat {owners}: Forbidden: bot was kicked from the \
             supergroup chat"
        )
    );
    assert!(fix.contains("tambahkan bot ke grup itu"), "{fix}");

    let (problem, fix) = report.failed("Ruang disk");
    assert!(problem.starts_with("hampir penuh: "), "{problem}");
    assert!(fix.ends_with("dan 100 % bebas"), "{fix}");

    let (problem, fix) = report.failed("Jam");
    assert_eq!(
        problem,
        "jam mesin ini 10 menit lebih cepat dari jam Telegram"
    );
    assert!(fix.contains("NTP"), "{fix}");

    app.finish().await;
    drop_postgres_database(&older.url).await;
}

/// A token BotFather revoked: named with the way to a new one, the checks that need it
/// wait for it, and the clock is still read from Telegram's refusal. An alert bot token
/// Telegram does not know is named as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_named_with_the_way_to_a_new_one() {
    let fake = FakeTelegram::start(TOKEN, "tangkap_bot").await.unwrap();
    let database = test_database(Backend::Sqlite).await;
    let env = [
        setting(
            "TANGKAP_BOT_TOKEN",
            "123456789:AAHrevokedTokenOfTheBot_0123456789",
        ),
        setting("TANGKAP_API_URL", fake.api_url()),
        setting("DATABASE_URL", &database.url),
        setting("TANGKAP_PUBLIC_URL", "http://127.0.0.1:8080"),
        setting("TANGKAP_WEBHOOK_SECRET", WEBHOOK_SECRET),
        setting("TANGKAP_ALERT_CHAT", "-1001234"),
        setting(
            "TANGKAP_ALERT_BOT_TOKEN",
            "987654321:AAHalertBotTokenUnknown_0123456789",
        ),
    ];
    let report = doctor(&ANY_DISK, &env).await;
    assert_eq!(report.code, Some(1), "{}", report.out);
    assert_eq!(
        report.failed("Token bot"),
        (
            "Telegram menolak TANGKAP_BOT_TOKEN (401): salah atau sudah dicabut",
            "minta token baru di @BotFather (/mybots → API Token) dan isi TANGKAP_BOT_TOKEN"
        )
    );
    for name in ["Webhook", "Tombol menu Mini App"] {
        assert!(
            report
                .skipped(name)
                .ends_with("dilewati (token bot ditolak)"),
            "{}",
            report.out
        );
    }
    assert_eq!(
        report.failed("Chat peringatan").0,
        "Telegram menolak TANGKAP_ALERT_BOT_TOKEN (401): salah atau sudah dicabut"
    );
    report.ok("Jam");
    for secret in ["AAHrevokedTokenOfTheBot", "AAHalertBotTokenUnknown"] {
        assert!(!report.out.contains(secret), "{}", report.out);
    }
}

/// Polling while Telegram keeps a webhook (which blocks getUpdates), a public https
/// address nothing answers at, a plain http one, and a default menu button left on an
/// old address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leftover_webhook_an_unreachable_address_and_an_old_menu_button() {
    let fake = FakeTelegram::start(TOKEN, "tangkap_bot").await.unwrap();
    let base = format!("{}/bot{TOKEN}", fake.api_url());
    let client = reqwest::Client::new();
    let old = "https://lama.example";
    for (method, body) in [
        (
            "setWebhook",
            serde_json::json!({ "url": format!("{old}/telegram/webhook") }),
        ),
        (
            "setChatMenuButton",
            serde_json::json!({ "menu_button": { "type": "web_app", "text": "Buka",
                "web_app": { "url": format!("{old}/") } } }),
        ),
    ] {
        let answer = client
            .post(format!("{base}/{method}"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{method}");
    }
    let database = test_database(Backend::Sqlite).await;
    let nobody = format!("https://127.0.0.1:{}", tangkap::sim::free_port());
    let env = [
        setting("TANGKAP_BOT_TOKEN", TOKEN),
        setting("TANGKAP_API_URL", fake.api_url()),
        setting("DATABASE_URL", &database.url),
        setting("TANGKAP_PUBLIC_URL", &nobody),
    ];
    let report = doctor(&ANY_DISK, &env).await;
    assert_eq!(report.code, Some(1), "{}", report.out);
    let (problem, fix) = report.failed("Webhook");
    assert_eq!(
        problem,
        format!(
            "mode polling, tetapi Telegram masih punya webhook {old}/telegram/webhook, yang \
             menghalangi getUpdates"
        )
    );
    assert!(fix.starts_with("jalankan `tangkap run`"), "{fix}");
    let (problem, fix) = report.failed("Alamat publik");
    assert!(
        problem.starts_with(&format!("{nobody}/healthz tidak terjangkau: "))
            && problem.contains("refused"),
        "{problem}"
    );
    assert!(fix.contains("DNS 127.0.0.1"), "{fix}");
    let (problem, fix) = report.failed("Tombol menu Mini App");
    assert_eq!(
        problem,
        format!("tombol menu bawaan bot membuka {old}/, bukan {nobody}/")
    );
    assert!(fix.contains("@BotFather"), "{fix}");
    assert_eq!(
        report.skipped("SMTP"),
        "SMTP: dilewati (mail mati: TANGKAP_SMTP_URL tidak diisi)"
    );
    assert_eq!(
        report.skipped("Chat peringatan"),
        "Chat peringatan: dilewati (TANGKAP_ALERT_CHAT tidak diisi)"
    );

    let mut plain = env.to_vec();
    plain.push(setting("TANGKAP_PUBLIC_URL", "http://tangkap.example"));
    let report = doctor(&ANY_DISK, &plain).await;
    let (problem, _) = report.failed("Alamat publik");
    assert_eq!(
        problem,
        "http://tangkap.example bukan https: Telegram membuka Mini App dan webhook hanya lewat https"
    );
}

/// A PostgreSQL server that is not there is named, with its address and why, and the
/// password stays out; a SQLite file that does not exist is not made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_is_not_there_is_named_and_not_made() {
    let port = tangkap::sim::free_port();
    let url = format!("postgres://tangkap:rahasia-db@127.0.0.1:{port}/tangkap");
    let report = doctor(&ANY_DISK, &[setting("DATABASE_URL", &url)]).await;
    assert_eq!(report.code, Some(1), "{}", report.out);
    let (problem, fix) = report.failed("Database");
    assert!(
        problem.starts_with(&format!(
            "PostgreSQL di 127.0.0.1:{port}, database tangkap tidak terjangkau: "
        )) && problem.contains("refused"),
        "{problem}"
    );
    assert!(fix.contains("DATABASE_URL"), "{fix}");
    assert!(!report.out.contains("rahasia-db"), "{}", report.out);

    let database = test_database(Backend::Sqlite).await;
    let report = doctor(&ANY_DISK, &[setting("DATABASE_URL", &database.url)]).await;
    let (problem, _) = report.failed("Database");
    let file = database.url.strip_prefix("sqlite://").unwrap();
    assert_eq!(problem, format!("berkas {file} belum ada"));
    assert!(!std::path::Path::new(file).exists(), "not made by looking");
}
